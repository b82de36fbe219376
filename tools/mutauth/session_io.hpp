// mutauth CLI — runs a mechanism's handshake over framed records on a socket, then pumps data
// through the sealed session. Generic over the mechanism: the same code drives pk and krb5.
//
// CLI protocol on top of the record layer (framing.hpp):
//   handshake records (0x16) until both sides are done. The client is done only after the
//   server's last message (pk: message 4, the admission; krb5: the AP-REP), which the server
//   sends only once it has verified the client and its policy admitted it; so the client may send
//   application data as soon as its handshake is done (G1). During the handshake, a failure is
//   told to the peer with a clear alert record (0x15);
//   then sealed session records (0x17) both ways. Every close and alert after the handshake is a
//   sealed record too (Session::close / Session::alert): a clear alert after the handshake is a
//   forgery, and a stream that ends without the peer's sealed close was truncated. Each
//   direction ends on its own sender's close.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mutauth/connection.hpp"  // alert_for: the §16.2 mapping
#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "net.hpp"

namespace mutauth::cli {

struct Failure {
  mutauth::error err;
  std::string where;  // "handshake", "connect", ...
  bool io = false;    // transport failure rather than an authentication failure
  bool ended = false; // the transport ended (EOF or reset) rather than failing otherwise
};

/// Reads whole records from a socket. Bytes after a record stay buffered for the next call, so
/// application records that arrive right behind the last handshake record are not lost.
class RecordReader {
 public:
  explicit RecordReader(Socket& s) : s_(s) {}

  /// Next record, or nullopt with `why` set (eof, timeout, framing error, ...).
  std::optional<std::pair<record_type, std::vector<std::uint8_t>>> next(Deadline dl, Failure& why) {
    for (;;) {
      while (pos_ < len_) {
        auto d = dec_.decode(bytes_view(buf_.data() + pos_, len_ - pos_));
        if (!d) {
          why = {d.error_value(), "framing"};
          return std::nullopt;
        }
        pos_ += d->consumed;
        if (d->has_record)
          return std::make_pair(d->rec.type, std::vector<std::uint8_t>(d->rec.body.begin(), d->rec.body.end()));
      }
      pos_ = len_ = 0;
      std::size_t got = 0;
      io r = s_.read_some(buf_.data(), buf_.size(), got, dl);
      if (r == io::ok) {
        len_ = got;
        continue;
      }
      why.io = true;
      why.ended = false;
      why.where = "transport";
      switch (r) {
        case io::eof:
          why.ended = true;
          why.err = mutauth::error(errc::io_error, dec_.idle() ? "peer closed the connection"
                                                                : "peer closed the connection inside a record");
          break;
        case io::timeout:
          why.err = mutauth::error(errc::io_error, dec_.idle() ? "timed out waiting for the peer"
                                                                : "timed out inside a record: the peer sent fewer bytes "
                                                                  "than its record header promised");
          break;
        case io::stopped: why.err = mutauth::error(errc::io_error, "interrupted"); break;
        case io::reset:
          why.ended = true;
          why.err = mutauth::error(errc::io_error, "peer reset the connection"); break;
        default: why.err = mutauth::error(errc::io_error, "read failed"); break;
      }
      return std::nullopt;
    }
  }

  /// Whole or partial records already read from the socket: poll() on the socket would not
  /// report them.
  bool has_buffered() const { return pos_ < len_; }

  template <class M>
  void allow_application_data(const Session<M>& s) {
    dec_.allow_application_data(s);
  }

 private:
  Socket& s_;
  RecordDecoder<> dec_;
  std::array<std::uint8_t, 32 * 1024> buf_{};
  std::size_t pos_ = 0, len_ = 0;
};

inline bool send_record(Socket& s, record_type t, bytes_view body, Deadline dl, bool while_stopping = false) {
  std::vector<std::uint8_t> out(record_header_size + body.size());
  auto n = encode_record(t, body, out);
  if (!n) return false;
  return s.write_all(out.data(), *n, dl, while_stopping) == io::ok;
}

inline void send_alert(Socket& s, alert_reason why) {
  const std::uint8_t b = static_cast<std::uint8_t>(why);
  (void)send_record(s, record_type::alert, bytes_view(&b, 1), Deadline::in_seconds(2));
}

/// What a clear alert from the peer during the handshake means. Deliberately coarse (docs/design.md §2),
/// but it tells "your proof was refused" from "you were verified and not admitted"; the peer's
/// log has the details. `self` is the principal this client asserted (empty when not known
/// here, e.g. a Kerberos principal from a credential cache). The hints name what can be wrong
/// with this mechanism's credentials: keys, certificates and trust files for pk; tickets,
/// keytabs, realms and clocks for krb5.
inline mutauth::error alert_error(const std::vector<std::uint8_t>& body, bool we_are_client,
                                  std::string_view self = {}, bool kerberos = false) {
  if (we_are_client && !body.empty() && body[0] == static_cast<std::uint8_t>(alert_reason::unauthorized)) {
    mutauth::error e(errc::unauthorized, "the server verified this client");
    if (!self.empty()) {
      e.append(" as ");
      e.append(self);
    }
    e.append(" and its policy refused it");
    return e.with_hint(kerberos ? "ask the server's operator to admit your Kerberos principal, realm included "
                                  "(mutauth listen --allow user@REALM; klist shows yours)"
                                : "ask the server's operator to admit your principal (mutauth listen --allow)");
  }
  if (we_are_client)
    return mutauth::error(errc::peer_alert, "the peer could not complete the authentication",
                          kerberos ? "the peer's log says why; check that its keytab holds the current key of the "
                                     "service principal you demand (klist -k on the server, kvno SPN here), that "
                                     "it accepts your realm, and that both clocks agree"
                                   : "the peer's log says why; check that it trusts your key, certificate or "
                                     "principal (mutauth inspect --as-client)");
  return mutauth::error(errc::peer_alert, "the client refused this server's proof",
                        kerberos ? "the client's log says why; check the service principal it demands (--target) "
                                   "and that this server's keytab holds it (klist -k)"
                                 : "the client's log says why; check the name it demands and what it trusts "
                                   "(mutauth inspect <certificate> --target SPN --trust known_hosts)");
}

template <class HS>
struct mechanism_of;
template <class M>
struct mechanism_of<Initiator<M>> {
  using type = M;
};
template <class M>
struct mechanism_of<Acceptor<M>> {
  using type = M;
};
/// Whether a handshake runs the Kerberos mechanism (for hints).
template <class HS>
inline constexpr bool is_kerberos = mechanism_of<HS>::type::name == std::string_view("krb5");

struct HandshakeStats {
  std::size_t messages = 0;
  std::size_t bytes_sent = 0, bytes_received = 0;
  double millis = 0;
};

/// Runs a handshake to the end, sending the last token when there is one (the server's admission).
/// On failure, the local error in `why` (where = "handshake" for a local failure, "authentication"
/// when the peer's alert ended it); a clear alert goes to the peer unless it sent one.
template <class HS>
bool run_handshake(HS& hs, Socket& s, RecordReader& rr, Deadline dl, HandshakeStats& st,
                   Failure& why, std::string_view self = {}) {
  constexpr bool client = requires { hs.target(); };
  const auto t0 = clock::now();
  const std::size_t sent0 = s.sent, recv0 = s.received;
  step_result r{};
  if constexpr (client) {  // the initiator speaks first
    r = hs.step();
  } else {
    auto rec = rr.next(dl, why);
    if (!rec) return false;
    if (rec->first == record_type::alert) {
      why = {alert_error(rec->second, false, {}, is_kerberos<HS>), "handshake"};
      return false;
    }
    r = feed_record(hs, record{rec->first, rec->second});
  }
  for (;;) {
    if (r.st == status::failed) {
      why = {hs.last_error(), "handshake"};
      send_alert(s, alert_for(r.code));
      return false;
    }
    if (!r.token.empty() && !send_record(s, record_type::handshake, r.token, dl)) {
      why = {mutauth::error(errc::io_error, "could not send a handshake record"), "transport", true};
      return false;
    }
    if (r.st == status::done) break;
    auto rec = rr.next(dl, why);
    if (!rec) return false;
    if (rec->first == record_type::alert) {
      // The peer ended the handshake; the handshake learns it too (a refused client's fails with
      // errc::unauthorized). Nothing goes back: an alert is never answered.
      (void)feed_record(hs, record{rec->first, rec->second});
      why = {alert_error(rec->second, client, self, is_kerberos<HS>), client ? "authentication" : "handshake"};
      return false;
    }
    r = feed_record(hs, record{rec->first, rec->second});
  }
  st.messages = hs.messages();
  st.bytes_sent = s.sent - sent0;
  st.bytes_received = s.received - recv0;
  st.millis = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  return true;
}

/// Sends one sealed session record (data, close or alert output) in a 0x17 record.
inline bool send_session_record(Socket& s, bytes_view sealed, Deadline dl, Failure& why) {
  if (!send_record(s, record_type::application, sealed, dl)) {
    why = {mutauth::error(errc::io_error, "could not send a record"), "transport", true};
    return false;
  }
  return true;
}

/// Seals and sends `data` in records of at most 16 KiB.
template <class M>
bool send_sealed(Session<M>& sess, Socket& s, bytes_view data, Deadline dl, Failure& why) {
  std::vector<std::uint8_t> rec;
  do {
    const std::size_t n = std::min<std::size_t>(data.size(), 16 * 1024);
    rec.resize(n + Session<M>::seal_overhead);
    auto sealed = sess.seal(data.first(n), rec);
    if (!sealed) {
      why = {sealed.error_value(), "seal"};
      return false;
    }
    if (!send_session_record(s, bytes_view(rec.data(), *sealed), dl, why)) return false;
    data = data.subspan(n);
  } while (!data.empty());
  return true;
}

/// Seals this side's close and sends it: the clean end of our direction.
template <class M>
bool send_close(Session<M>& sess, Socket& s, Deadline dl, Failure& why) {
  std::vector<std::uint8_t> rec(Session<M>::seal_overhead);
  auto sealed = sess.close(rec);
  if (!sealed) {
    why = {sealed.error_value(), "close"};
    return false;
  }
  return send_session_record(s, bytes_view(rec.data(), *sealed), dl, why);
}

/// Best effort: seals an alert that ends the session for both sides and sends it. Nothing is
/// sent once the session is dead (its keys are gone) or this side has been cut off.
template <class M>
void send_sealed_alert(Session<M>& sess, Socket& s, alert_reason why) {
  if (sess.failed()) return;
  std::vector<std::uint8_t> rec(Session<M>::seal_overhead + 1);
  auto sealed = sess.alert(why, rec);
  if (sealed)
    (void)send_record(s, record_type::application, bytes_view(rec.data(), *sealed), Deadline::in_seconds(2), true);
}

/// Opens one sealed session record into `out` (data: `out` holds the bytes).
template <class M>
std::optional<received> open_sealed(Session<M>& sess, const std::vector<std::uint8_t>& body,
                                    std::vector<std::uint8_t>& out, Failure& why) {
  out.resize(body.size() > Session<M>::open_overhead ? body.size() - Session<M>::open_overhead : 0);
  auto n = sess.open(body, out);
  if (!n) {
    why = {n.error_value(), "session"};
    return std::nullopt;
  }
  out.resize(n->type == content_type::data ? n->size : 0);
  return *n;
}

/// Why the session's read side failed, in the terms that matter once the handshake is done: a
/// stream that ends without the peer's sealed close was (possibly) truncated, and a clear-text
/// alert is the forgery that would truncate it unnoticed.
inline void as_session_failure(Failure& why) {
  if (why.ended) {
    const bool reset = why.err.detail().find("reset") != std::string_view::npos;
    why = {mutauth::error(errc::truncation,
                          reset ? "connection reset without the peer's sealed close: the data may have been truncated"
                                : "connection ended without the peer's sealed close: the data may have been truncated",
                          "the connection was cut (by the network, a middlebox, an attacker, or the peer dying) "
                          "before the peer finished; do not trust the data received to be complete"),
           "session", true};
  } else if (why.err.code() == errc::truncation) {
    why = {mutauth::error(errc::truncation,
                          "truncation attack: a clear-text alert arrived after the handshake; the peer closes "
                          "only inside sealed records, so it is forged and the data may have been truncated",
                          "something between the peers injects records; do not trust the data received to be "
                          "complete"),
           "session"};
  }
}

struct PumpOptions {
  int in_fd = -1;             // local data to send (-1: none)
  std::function<void(bytes_view)> deliver;  // what the peer sent
  bool echo = false;          // send back what arrives (server)
  double idle_timeout = 300;  // seconds without traffic before giving up
};

/// Moves data both ways until both directions are closed: ours by our sealed close, the peer's
/// by its sealed close. Returns false on an error, a sealed alert from the peer, or a stream that
/// ended before the peer's close (truncation).
template <class M>
bool pump(Session<M>& sess, Socket& s, RecordReader& rr, const PumpOptions& o, Failure& why) {
  bool local_open = o.in_fd >= 0, peer_open = true, sent_close = false;
  std::vector<std::uint8_t> buf(16 * 1024), plain;
  const auto send_dl = [] { return Deadline::in_seconds(30); };
  if (o.in_fd < 0 && !o.echo) {  // nothing to send, ever: our direction is done
    if (!send_close(sess, s, send_dl(), why)) return false;
    sent_close = true;
  }
  // Created once and renewed only on traffic: a deadline recreated on every poll pass would never
  // pass for timeouts above the one-second poll slice.
  Deadline idle = Deadline::in_seconds(o.idle_timeout);
  while (peer_open || local_open) {
    if (g_stop) {
      why = {mutauth::error(errc::io_error, "interrupted"), "transport", true};
      send_sealed_alert(sess, s, alert_reason::aborted);
      return false;
    }
    pollfd fds[2] = {{peer_open ? s.fd() : -1, POLLIN, 0}, {local_open ? o.in_fd : -1, POLLIN, 0}};
    const bool buffered = peer_open && rr.has_buffered();
    int pr = ::poll(fds, 2, buffered ? 0 : (idle.poll_ms() > 0 ? idle.poll_ms() : 1000));
    if (buffered) {
      fds[0].revents |= POLLIN;
      pr = pr < 0 ? 1 : pr + 1;
    }
    if (pr < 0 && errno != EINTR) {
      why = {mutauth::error(errc::io_error, "poll failed"), "transport", true};
      return false;
    }
    if (pr <= 0) {
      if (o.idle_timeout > 0 && idle.passed()) {
        why = {mutauth::error(errc::io_error, "idle timeout: no traffic for --idle-timeout seconds; session aborted"),
               "transport", true};
        send_sealed_alert(sess, s, alert_reason::aborted);
        return false;
      }
      continue;
    }
    idle = Deadline::in_seconds(o.idle_timeout);  // traffic, or the local end: not idle
    if (local_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = ::read(o.in_fd, buf.data(), buf.size());
      if (n > 0) {
        if (!send_sealed(sess, s, bytes_view(buf.data(), static_cast<std::size_t>(n)), send_dl(), why))
          return false;
      } else if (n == 0 || (n < 0 && errno != EINTR)) {
        local_open = false;
        if (!sent_close) {
          if (!send_close(sess, s, send_dl(), why)) return false;
          sent_close = true;
        }
      }
    }
    if (peer_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      // A record whose header promises more bytes than ever arrive times out like an idle peer.
      auto rec = rr.next(Deadline::in_seconds(o.idle_timeout > 0 ? o.idle_timeout : 300), why);
      if (!rec) {
        // EOF or a reset before the peer's sealed close, or a forged clear-text alert: truncation.
        as_session_failure(why);
        if (!why.io) send_sealed_alert(sess, s, alert_reason::unexpected_message);
        return false;
      }
      if (rec->first != record_type::application) {
        why = {mutauth::error(errc::unexpected_message, "handshake record after the handshake"), "session"};
        send_sealed_alert(sess, s, alert_reason::unexpected_message);
        return false;
      }
      auto got = open_sealed(sess, rec->second, plain, why);
      if (!got) return false;  // the session is dead: nothing more can be sealed for the peer
      switch (got->type) {
        case content_type::data:
          if (o.deliver) o.deliver(plain);
          if (o.echo && !plain.empty() && !send_sealed(sess, s, plain, send_dl(), why)) return false;
          break;
        case content_type::close:
          // The clean end of the peer's direction. An echo server has nothing left to send.
          peer_open = false;
          if (o.echo && !sent_close) {
            if (!send_close(sess, s, send_dl(), why)) return false;
            sent_close = true;
          }
          if (o.echo) local_open = false;
          break;
        case content_type::alert: {
          mutauth::error e(errc::peer_alert, "the peer ended the session with an alert: ");
          e.append(is_known(got->reason) ? to_string(got->reason) : std::string_view("unknown reason"));
          why = {e.with_hint(got->reason == alert_reason::aborted
                                 ? "the peer's log says why (e.g. its --idle-timeout reaped an idle session, or it "
                                   "was stopped)"
                                 : "the peer's log says why"),
                 "session"};
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace mutauth::cli
