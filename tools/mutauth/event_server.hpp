// mutauth CLI — the server: one epoll loop over non-blocking sockets, each connection a sans-IO
// Connection<M> (include/mutauth/connection.hpp), generic over the mechanism (pk and krb5 run the
// same code). One thread serves thousands of connections: a pk handshake costs a fraction of a
// millisecond of CPU and a Kerberos acceptor step is a keytab lookup and a decryption, so no
// step blocks the loop for long.
//
// Pre-authentication policy (README.md, "The mutauth tool"): an unauthenticated connection costs
// the server a descriptor and, once it has sent a byte, a Connection; an attacker can open them
// for free. So, as sshd does (sshd_config(5) LoginGraceTime, MaxStartups, PerSourceMaxStartups):
// - every connection must finish its handshake within --preauth-timeout of its accept;
// - at most --max-preauth-per-source unauthenticated connections per source address;
// - beyond `start` unauthenticated connections a new one is dropped with a probability rising
//   linearly from `rate`% to 100% at `full` (--max-startups start:rate:full);
// - a dropped connection gets the clear alert `busy` (docs/protocol/mutauth-pk.md §9.4) before
//   the close, so a legitimate client can say "server busy, try again later".
// Authenticated sessions are counted apart (--max-clients) and never dropped for pre-auth
// pressure: they leave the unauthenticated count the moment their handshake completes.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "mutauth/connection.hpp"
#include "net.hpp"
#include "session_io.hpp"

namespace mutauth::cli {

/// The clear alert a refused connection gets before the close: `15 00 01 05` (§9.2, §9.4).
inline constexpr std::uint8_t busy_alert_record[4] = {
    static_cast<std::uint8_t>(record_type::alert), 0, 1,
    static_cast<std::uint8_t>(alert_reason::busy)};

struct ServerOptions {
  double preauth_timeout = 5;  // seconds from accept to a finished handshake (0: none)
  double idle_timeout = 300;   // seconds without traffic in a session (0: none)
  int max_preauth_per_source = 10;
  int startups_start = 100, startups_rate = 30, startups_full = 1000;  // --max-startups
  int max_clients = 64;  // authenticated sessions at once
  bool echo = false, quiet = false;
};

/// What the loop tells its caller (main.cpp's CliServerLog prints it), a template parameter
/// rather than a virtual interface: out of descriptors, UBSan's vptr check cannot inspect
/// memory (it needs a pipe), and a plain call needs no check.
///   failure(who, Failure)  success(who, Session<M>, HandshakeStats, round_trips)
///   note(who, text)        line(text: a whole "mutauth: ..." line)   data(bytes: to stdout)
template <class M, class Log>
class EventServer {
 public:
  EventServer(const ServerOptions& o, const typename M::AcceptorConfig& cfg, Authorizer authorize,
              Log& log, Socket& listener)
      : o_(o),
        cfg_(cfg),
        authorize_(authorize),
        log_(log),
        listener_(listener),
        rng_(std::random_device{}()) {}

  /// Serves until SIGINT/SIGTERM (g_stop). Returns the number of connections that failed or
  /// ended uncleanly; `served` is every accepted connection.
  std::size_t run(std::size_t& served) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) {
      log_.line(std::string("mutauth: epoll_create1: ") + std::strerror(errno));
      return 1;
    }
    ::fcntl(listener_.fd(), F_SETFL, ::fcntl(listener_.fd(), F_GETFL) | O_NONBLOCK);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.u64 = listener_key;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, listener_.fd(), &lev);
    std::vector<epoll_event> evs(512);
    auto last_scan = clock::now();
    while (!g_stop) {
      const int n = ::epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), scan_ms);
      if (n < 0 && errno != EINTR) {
        log_.line(std::string("mutauth: epoll_wait: ") + std::strerror(errno));
        break;
      }
      // Two passes: new connections and handshakes first, then sessions' bulk data, so that a
      // handshake waits for at most one batch of session work, never for a queue of it.
      for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < n; ++i) {
          if (evs[i].data.u64 == listener_key) {
            if (pass == 0) accept_ready();
            continue;
          }
          Peer* p = find(evs[i].data.u64);
          if (p == nullptr || evs[i].events == 0 || (p->ph == phase::session) != (pass == 1))
            continue;
          const std::uint32_t ev = evs[i].events;
          evs[i].events = 0;  // handled once, whatever phase it moves to
          on_event(*p, ev);
        }
      }
      const auto now = clock::now();
      if (now - last_scan >= std::chrono::milliseconds(scan_ms)) {
        last_scan = now;
        scan_timers(now);
      }
    }
    stop_all();
    ::close(ep_);
    served = served_;
    return failures_;
  }

 private:
  static constexpr std::uint64_t listener_key = ~std::uint64_t{0};
  static constexpr int scan_ms = 50;
  // A refused or finished connection lingers this long after our FIN, reading and discarding,
  // so that our last record (an alert, a close) is not destroyed by the reset a close with
  // unread input would send (RFC 1122 §4.2.2.13).
  static constexpr double linger_seconds = 1.0;
  static constexpr std::size_t max_lingering = 512;

  enum class phase : std::uint8_t { preauth, session, lingering };

  struct Peer {
    int fd = -1;
    std::uint32_t gen = 0;
    std::size_t id = 0;
    std::string who, source;
    phase ph = phase::preauth;
    std::unique_ptr<Connection<M>> conn;  // made when the first byte arrives
    clock::time_point deadline, t0;
    std::uint32_t events = 0;
    std::vector<std::uint8_t> in;  // received, not yet consumed by the connection
    std::size_t in_pos = 0;
    std::vector<std::uint8_t> backlog;  // echo bytes not yet sealed (the output buffer was full)
    RecordTracker rx, tx;
    std::size_t tx_seen = 0;  // bytes of pending_output() already shown to tx
    std::size_t received = 0;
    bool sent_close = false, eof = false, reset = false, fin_sent = false, counted_preauth = false;
    // Both sealed closes are exchanged (docs/protocol/mutauth-pk.md §9.3): the peer has nothing
    // left to send, so once our last records are out there is no unread input whose close could
    // become a reset, and nothing to linger for.
    bool clean_end = false;
  };

  [[nodiscard]] std::uint64_t key(const Peer& p) const {
    return (std::uint64_t{p.gen} << 32) | std::uint32_t(p.fd);
  }
  Peer* find(std::uint64_t k) {
    const int fd = static_cast<int>(k & 0xffffffffu);
    if (fd < 0 || static_cast<std::size_t>(fd) >= peers_.size() || !peers_[fd]) return nullptr;
    Peer* p = peers_[fd].get();
    return p->gen == static_cast<std::uint32_t>(k >> 32) ? p : nullptr;
  }

  // ---------------------------------------------------------------- accepting

  void accept_ready() {
    for (int burst = 0; burst < 256; ++burst) {
      sockaddr_storage sa{};
      socklen_t len = sizeof sa;
      const int fd = ::accept4(listener_.fd(), reinterpret_cast<sockaddr*>(&sa), &len,
                               SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) return;
        if (err == EINTR || err == ECONNABORTED) continue;
        // Transient (out of descriptors or memory, a connection that died in the queue): keep
        // serving. The same failure is logged once per streak, not on every retry; out of
        // descriptors, the pending connection stays queued and epoll reports it at once, so the
        // listener rests a little instead of spinning.
        const std::string why = std::string("accept: ") + std::strerror(err);
        if (why != last_accept_error_) log_.line("mutauth: " + why + " (still listening)");
        last_accept_error_ = why;
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) pause_listener();
        return;
      }
      last_accept_error_.clear();
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      admit(fd, source_of(sa));
    }
  }

  void pause_listener() {
    epoll_event lev{};
    lev.data.u64 = listener_key;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, listener_.fd(), &lev);
    listener_resume_ = clock::now() + std::chrono::milliseconds(200);
    listener_paused_ = true;
  }

  static std::string source_of(const sockaddr_storage& sa) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (sa.ss_family == AF_INET)
      ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(sa).sin_addr, buf, sizeof buf);
    else if (sa.ss_family == AF_INET6)
      ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(sa).sin6_addr, buf, sizeof buf);
    return buf;
  }

  // The pre-authentication policy, in sshd's order: the per-source limit, then MaxStartups.
  void admit(int fd, const std::string& source) {
    const std::size_t id = ++served_;
    std::string why;
    int& from_source = per_source_[source];
    if (authenticated_ >= o_.max_clients) {
      why = std::to_string(authenticated_) +
            " authenticated sessions already being served (--max-clients)";
    } else if (from_source >= o_.max_preauth_per_source) {
      why = std::to_string(from_source) + " unauthenticated connections from " + source +
            " already (--max-preauth-per-source)";
    } else if (preauth_ >= o_.startups_start) {
      // sshd's drop_connection(): certain at `full`, else rate% rising linearly to 100%.
      bool drop = preauth_ >= o_.startups_full;
      if (!drop) {
        const double span = std::max(1, o_.startups_full - o_.startups_start);
        const double p =
            o_.startups_rate + (100.0 - o_.startups_rate) * (preauth_ - o_.startups_start) / span;
        drop = std::uniform_real_distribution<double>(0, 100)(rng_) < p;
      }
      if (drop)
        why = std::to_string(preauth_) + " unauthenticated connections (--max-startups " +
              std::to_string(o_.startups_start) + ":" + std::to_string(o_.startups_rate) + ":" +
              std::to_string(o_.startups_full) + ")";
    }
    if (from_source == 0 && !why.empty()) per_source_.erase(source);
    if (!why.empty()) {
      refuse(fd, id, why);
      return;
    }
    auto p = std::make_unique<Peer>();
    p->fd = fd;
    p->gen = ++gen_;
    p->id = id;
    p->who = "[client " + std::to_string(id) + "] ";
    p->source = source;
    p->t0 = clock::now();
    p->deadline =
        o_.preauth_timeout > 0 ? p->t0 + to_duration(o_.preauth_timeout) : clock::time_point::max();
    p->counted_preauth = true;
    ++from_source;
    ++preauth_;
    watch(place(std::move(p)));
  }

  // Every new descriptor starts out waiting for input: the client speaks first (and a lingering
  // refused peer is read until its EOF).
  void watch(Peer& ref) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key(ref);
    ref.events = EPOLLIN;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, ref.fd, &ev);
  }

  Peer& place(std::unique_ptr<Peer> p) {
    const auto fd = static_cast<std::size_t>(p->fd);
    if (fd >= peers_.size()) peers_.resize(fd + 1);
    peers_[fd] = std::move(p);
    return *peers_[fd];
  }

  static clock::duration to_duration(double s) {
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
  }

  // A refused connection: the busy alert, our FIN, and a short linger (or a plain close when
  // too many linger already: under a flood, descriptors matter more than politeness).
  void refuse(int fd, std::size_t id, const std::string& why) {
    ++failures_;
    log_refusal("mutauth: [client " + std::to_string(id) + "] refused: server busy: " + why);
    (void)::send(fd, busy_alert_record, sizeof busy_alert_record, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    if (lingering_ >= max_lingering) {
      ::close(fd);
      return;
    }
    auto p = std::make_unique<Peer>();
    p->fd = fd;
    p->gen = ++gen_;
    p->id = id;
    p->ph = phase::lingering;
    p->deadline = clock::now() + to_duration(linger_seconds);
    ++lingering_;
    watch(place(std::move(p)));
  }

  // Refusals are logged, but a flood must not become a flood of log lines: at most 10 a second,
  // then one line with the count of the others.
  void log_refusal(const std::string& text) {
    const auto now = clock::now();
    if (now - refusal_window_ >= std::chrono::seconds(1)) flush_refusals(now);
    if (refusals_logged_ < 10) {
      ++refusals_logged_;
      log_.line(text);
    } else {
      ++refusals_suppressed_;
    }
  }
  void flush_refusals(clock::time_point now) {
    if (refusals_suppressed_ > 0)
      log_.line("mutauth: " + std::to_string(refusals_suppressed_) +
                " more connection(s) refused as busy");
    refusals_suppressed_ = 0;
    refusals_logged_ = 0;
    refusal_window_ = now;
  }

  // ---------------------------------------------------------------- events

  void on_event(Peer& p, std::uint32_t ev) {
    if (p.ph == phase::lingering) {
      if ((ev & EPOLLOUT) && !flush(p)) return;  // destroyed: done, or the peer is gone
      if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        std::uint8_t junk[4096];
        for (;;) {
          const ssize_t r = ::recv(p.fd, junk, sizeof junk, 0);
          if (r > 0) continue;
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          if (r < 0 && errno == EINTR) continue;
          destroy(p);  // EOF or an error: the peer is done with us
          return;
        }
      }
      update_interest(p);
      return;
    }
    if (ev & EPOLLOUT) {
      if (!flush(p)) return;
      if (!process(p)) return;  // input held back for want of output room
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_ready(p);
  }

  void read_ready(Peer& p) {
    if (p.in_pos < p.in.size() || !p.backlog.empty()) return;  // still digesting
    // One full record per read in a session (§9.1: 16 KiB of data, its header and tag): each
    // session gets its turn in small slices, so a batch of them stays short.
    // Room for one whole record of this mechanism (pk: 16643 bytes, krb5: 65538, one AP-REQ).
    static std::uint8_t buf[record_header_size + Connection<M>::max_record_body];
    const std::size_t want = p.ph == phase::session ? 16 * 1024 + 3 + 17 : sizeof buf;
    const ssize_t r = ::recv(p.fd, buf, want, 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      transport_end(p, errno == ECONNRESET);
      return;
    }
    if (r == 0) {
      transport_end(p, false);
      return;
    }
    const auto n = static_cast<std::size_t>(r);
    p.received += n;
    if (p.ph == phase::session) p.deadline = idle_deadline();
    if (!p.conn) {
      p.conn = std::make_unique<Connection<M>>(as_server, cfg_, authorize_);
      p.t0 = clock::now();
    }
    p.in.assign(buf, buf + n);
    p.in_pos = 0;
    process(p);
  }

  clock::time_point idle_deadline() const {
    return o_.idle_timeout > 0 ? clock::now() + to_duration(o_.idle_timeout)
                               : clock::time_point::max();
  }

  // Feeds the held input to the connection, acting on every event, until the input is used up
  // or the output is full and the socket will not take more. Returns false when the peer is gone.
  bool process(Peer& p) {
    if (!p.conn) return true;
    Connection<M>& c = *p.conn;
    for (;;) {
      see_output(p);
      for (auto e = c.next_event(); e.kind != connection_event::none; e = c.next_event()) {
        if (!on_connection_event(p, e)) return false;
        see_output(p);
      }
      if (c.failed()) return true;  // on_connection_event moved it to lingering
      if (!p.backlog.empty()) {
        auto w = c.write(p.backlog);
        if (w)
          p.backlog.erase(p.backlog.begin(), p.backlog.begin() + static_cast<std::ptrdiff_t>(*w));
        see_output(p);
        if (!p.backlog.empty()) {
          if (!flush(p)) return false;
          if (c.wants_write()) break;  // wait for EPOLLOUT
          continue;
        }
        if (maybe_finish(p)) return false;
      }
      if (p.in_pos >= p.in.size()) break;
      auto n = c.receive(bytes_view(p.in.data() + p.in_pos, p.in.size() - p.in_pos));
      if (!n) {
        // The rest of the input is of no use now; the failure arrives as an event.
        p.rx.feed(bytes_view(p.in.data() + p.in_pos, p.in.size() - p.in_pos));
        p.in_pos = p.in.size();
        continue;
      }
      p.rx.feed(bytes_view(p.in.data() + p.in_pos, *n));
      p.in_pos += *n;
      if (*n == 0 && !c.wants_write()) {
        // Nothing consumed, nothing to send: an event is pending (the loop above takes it).
        continue;
      }
      if (*n == 0) {
        if (!flush(p)) return false;
        if (c.wants_write()) break;  // output full: wait for EPOLLOUT
      }
    }
    if (p.in_pos >= p.in.size()) {
      p.in.clear();
      p.in_pos = 0;
    }
    if (!flush(p)) return false;
    update_interest(p);
    return true;
  }

  // New bytes in pending_output(): the tx tracker counts the handshake this side sent.
  void see_output(Peer& p) {
    const bytes_view out = p.conn->pending_output();
    if (out.size() > p.tx_seen) p.tx.feed(out.subspan(p.tx_seen));
    p.tx_seen = out.size();
  }

  bool on_connection_event(Peer& p, const connection_event_info& e) {
    Connection<M>& c = *p.conn;
    switch (e.kind) {
      case connection_event::none: return true;
      case connection_event::established: {
        leave_preauth(p);
        p.rx.app_allowed = true;
        p.ph = phase::session;
        p.deadline = idle_deadline();
        ++authenticated_;
        HandshakeStats st;
        st.messages = p.rx.handshake_records + p.tx.handshake_records;
        st.bytes_received = p.rx.handshake_bytes;
        st.bytes_sent = p.tx.handshake_bytes;
        st.millis = std::chrono::duration<double, std::milli>(clock::now() - p.t0).count();
        if (authenticated_ > o_.max_clients) {
          // Several handshakes finished at once past the limit: this one is told busy, sealed.
          log_refusal("mutauth: " + p.who +
                      "refused: server busy: " + std::to_string(o_.max_clients) +
                      " authenticated sessions already being served (--max-clients)");
          (void)c.abort(mutauth::error(errc::io_error, "server busy"), alert_reason::busy);
          (void)c.next_event();  // the failure: reported here already
          --authenticated_;
          ++failures_;
          start_linger(p);
          return false;
        }
        if (!o_.quiet) log_.success(p.who, *c.session(), st, (st.messages + 1) / 2);
        if (!o_.echo) {  // nothing to send, ever: our direction is done
          (void)c.close();
          p.sent_close = true;
        }
        return true;
      }
      case connection_event::data:
        log_.data(e.data);
        if (o_.echo) {
          auto w = c.write(e.data);
          const std::size_t took = w ? *w : 0;
          if (took < e.data.size())
            p.backlog.assign(e.data.begin() + static_cast<std::ptrdiff_t>(took), e.data.end());
        }
        return true;
      case connection_event::peer_closed: return !maybe_finish(p);
      case connection_event::failed: connection_failed(p); return false;
    }
    return true;
  }

  // The peer's direction ended cleanly: once the last echo bytes are sealed, ours ends too (an
  // echo server has nothing left to send), and the session is over. True when it is.
  bool maybe_finish(Peer& p) {
    Connection<M>& c = *p.conn;
    if (p.ph != phase::session || !c.peer_closed() || !p.backlog.empty()) return false;
    if (!p.sent_close) {
      (void)c.close();
      p.sent_close = true;
    }
    --authenticated_;
    p.clean_end = true;
    start_linger(p);  // a clean end: flush, then close at once
    return true;
  }

  void leave_preauth(Peer& p) {
    if (!p.counted_preauth) return;
    p.counted_preauth = false;
    --preauth_;
    auto it = per_source_.find(p.source);
    if (it != per_source_.end() && --it->second <= 0) per_source_.erase(it);
  }

  // The Connection failed: say why, in the CLI's words (session_io.hpp describe_failure).
  void connection_failed(Peer& p) {
    const bool established = p.ph == phase::session;
    Failure f = describe_failure(p.conn->last_error(), established, p.eof, p.reset, p.rx, false, {},
                                 alert_hints(M::name));
    if (established) --authenticated_;
    leave_preauth(p);
    ++failures_;
    log_.failure(p.who, f);
    start_linger(p);
  }

  // The transport ended (EOF or reset).
  void transport_end(Peer& p, bool reset) {
    p.eof = true;
    p.reset = reset;
    if (!p.conn) {
      // Closed before saying anything (a port probe): not worth an alarm.
      leave_preauth(p);
      ++failures_;
      if (!o_.quiet) log_.note(p.who, "closed before any handshake record");
      destroy(p);
      return;
    }
    if (!p.conn->failed()) (void)p.conn->receive_eof();
    for (auto e = p.conn->next_event(); e.kind != connection_event::none; e = p.conn->next_event())
      if (!on_connection_event(p, e)) return;
    if (p.ph != phase::lingering) destroy(p);
  }

  // ---------------------------------------------------------------- output and closing

  // Sends what the connection has queued. Returns false when the peer is gone (it was destroyed).
  bool flush(Peer& p) {
    if (!p.conn) {
      if (p.ph == phase::lingering && !p.fin_sent) {
        ::shutdown(p.fd, SHUT_WR);
        p.fin_sent = true;
      }
      return true;
    }
    Connection<M>& c = *p.conn;
    while (c.wants_write()) {
      const bytes_view out = c.pending_output();
      const ssize_t w = ::send(p.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        if (p.ph == phase::lingering) {
          destroy(p);
          return false;
        }
        // The peer is gone while we still had things to say.
        Failure f{mutauth::error(errc::io_error, "could not send a record"), "transport", true};
        if (p.ph == phase::session) {
          f.ended = true;
          f.err = mutauth::error(errc::io_error, "peer reset the connection");
          as_session_failure(f);
          --authenticated_;
        }
        leave_preauth(p);
        ++failures_;
        log_.failure(p.who, f);
        destroy(p);
        return false;
      }
      c.consume_output(static_cast<std::size_t>(w));
      p.tx_seen -= std::min(p.tx_seen, static_cast<std::size_t>(w));
    }
    if (p.ph == phase::session && p.sent_close && !c.wants_write() && !p.fin_sent) {
      // Our sealed close is out and nothing follows it (docs/protocol/mutauth-pk.md §9.3): the
      // FIN goes now, so the peer reads the end of the stream with our close instead of a round
      // trip later, after its own close has reached us. We still read until its close.
      ::shutdown(p.fd, SHUT_WR);
      p.fin_sent = true;
    }
    if (p.ph == phase::lingering && !c.wants_write() && p.clean_end) {
      destroy(p);  // close(2) sends our FIN after the queued records
      return false;
    }
    if (p.ph == phase::lingering && !c.wants_write()) {
      if (!p.fin_sent) ::shutdown(p.fd, SHUT_WR);
      p.fin_sent = true;
      p.conn.reset();  // all said: a lingering connection keeps a descriptor, not 50 KiB of buffers
    }
    return true;
  }

  // The connection is over (failed, refused or cleanly closed): its last records go out, then our
  // FIN, then it lingers until the peer's EOF or linger_seconds.
  void start_linger(Peer& p) {
    p.ph = phase::lingering;
    p.deadline = clock::now() + to_duration(linger_seconds + 1.0);
    p.in.clear();
    p.in_pos = 0;
    p.backlog.clear();
    ++lingering_;
    if (flush(p)) update_interest(p);
  }

  void update_interest(Peer& p) {
    std::uint32_t ev = 0;
    const bool want_out = p.conn && p.conn->wants_write();
    if (p.ph == phase::lingering) {
      ev = EPOLLIN | (want_out ? EPOLLOUT : 0u);
    } else {
      if (p.in_pos >= p.in.size() && p.backlog.empty()) ev |= EPOLLIN;
      if (want_out) ev |= EPOLLOUT;
    }
    if (ev == p.events) return;
    p.events = ev;
    epoll_event e{};
    e.events = ev;
    e.data.u64 = key(p);
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, p.fd, &e);
  }

  void destroy(Peer& p) {
    if (p.ph == phase::lingering) --lingering_;
    if (p.ph == phase::session) --authenticated_;
    leave_preauth(p);
    // No EPOLL_CTL_DEL: closing the only descriptor of the socket removes it from the epoll set
    // (epoll(7), Q6), and the server never duplicates one.
    const int fd = p.fd;
    ::close(fd);
    peers_[static_cast<std::size_t>(fd)].reset();
  }

  // ---------------------------------------------------------------- timers

  void scan_timers(clock::time_point now) {
    if (listener_paused_ && now >= listener_resume_) {
      listener_paused_ = false;
      epoll_event lev{};
      lev.events = EPOLLIN;
      lev.data.u64 = listener_key;
      ::epoll_ctl(ep_, EPOLL_CTL_MOD, listener_.fd(), &lev);
    }
    if (now - refusal_window_ >= std::chrono::seconds(1) && refusals_suppressed_ > 0)
      flush_refusals(now);
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      Peer* p = peers_[i].get();
      if (p == nullptr || now < p->deadline) continue;
      switch (p->ph) {
        case phase::lingering: destroy(*p); break;
        case phase::preauth: {
          // The pre-authentication deadline: no alert (§16.2: a transport failure), just the close.
          Failure f{mutauth::error(errc::io_error,
                                   p->rx.inside()
                                       ? "timed out inside a record: the peer sent fewer bytes "
                                         "than its record header promised"
                                       : "timed out waiting for the peer"),
                    "transport", true};
          leave_preauth(*p);
          ++failures_;
          log_.failure(p->who, f);
          p->conn.reset();
          start_linger(*p);
          break;
        }
        case phase::session: {
          mutauth::error e(errc::io_error,
                           "idle timeout: no traffic for --idle-timeout seconds; session aborted");
          --authenticated_;
          ++failures_;
          log_.failure(p->who, {e, "transport", true});
          (void)p->conn->abort(e, alert_reason::aborted);
          (void)p->conn->next_event();  // the failure: reported here already
          start_linger(*p);
          break;
        }
      }
    }
  }

  // SIGINT/SIGTERM: every live session gets the sealed alert `aborted` (§16.3) before the close.
  void stop_all() {
    for (auto& up : peers_) {
      if (!up) continue;
      Peer& p = *up;
      if (p.ph == phase::session || p.ph == phase::preauth) {
        mutauth::error e(errc::io_error, "interrupted");
        ++failures_;
        // Connections that never spoke are counted, not logged: a flood must not become a log.
        if (p.conn) log_.failure(p.who, {e, "transport", true});
        if (p.ph == phase::session && p.conn) {
          (void)p.conn->abort(e, alert_reason::aborted);
          // Blocking for at most 2 s: the last words of a session that is being ended.
          const auto until = clock::now() + std::chrono::seconds(2);
          while (p.conn->wants_write() && clock::now() < until) {
            const bytes_view out = p.conn->pending_output();
            const ssize_t w = ::send(p.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) {
              p.conn->consume_output(static_cast<std::size_t>(w));
            } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
              pollfd pfd{p.fd, POLLOUT, 0};
              ::poll(&pfd, 1, 100);
            } else {
              break;
            }
          }
        }
      }
      ::close(p.fd);
      up.reset();
    }
  }

  const ServerOptions& o_;
  const typename M::AcceptorConfig& cfg_;
  Authorizer authorize_;
  Log& log_;
  Socket& listener_;
  std::mt19937_64 rng_;
  int ep_ = -1;
  std::vector<std::unique_ptr<Peer>> peers_;  // by descriptor
  std::unordered_map<std::string, int> per_source_;
  std::uint32_t gen_ = 0;
  int preauth_ = 0, authenticated_ = 0;
  std::size_t lingering_ = 0, served_ = 0, failures_ = 0;
  std::string last_accept_error_;
  bool listener_paused_ = false;
  clock::time_point listener_resume_{};
  clock::time_point refusal_window_{};
  int refusals_logged_ = 0;
  std::size_t refusals_suppressed_ = 0;
};

}  // namespace mutauth::cli
