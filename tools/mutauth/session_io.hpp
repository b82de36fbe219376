// mutauth CLI — runs a mechanism's handshake over framed records on a socket, then pumps data
// through the sealed session. Generic over the mechanism: the same code drives pk and krb5.
//
// CLI protocol on top of the record layer (framing.hpp):
//   handshake records until both sides are done;
//   then the server sends one sealed, empty application record — the go-ahead. The client sends
//   no application byte before it has opened that record, i.e. before the server has verified
//   the client and its authorization policy admitted it;
//   then sealed application records both ways; an alert `close` ends a direction cleanly.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "net.hpp"

namespace mutauth::cli {

struct Failure {
  mutauth::error err;
  std::string where;  // "handshake", "connect", ...
  bool io = false;    // transport failure rather than an authentication failure
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
      why.where = "transport";
      switch (r) {
        case io::eof:
          why.err = mutauth::error(errc::io_error, dec_.idle() ? "peer closed the connection"
                                                                : "peer closed the connection inside a record");
          break;
        case io::timeout: why.err = mutauth::error(errc::io_error, "timed out waiting for the peer"); break;
        case io::stopped: why.err = mutauth::error(errc::io_error, "interrupted"); break;
        case io::reset: why.err = mutauth::error(errc::io_error, "peer reset the connection"); break;
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

inline bool send_record(Socket& s, record_type t, bytes_view body, Deadline dl) {
  std::vector<std::uint8_t> out(record_header_size + body.size());
  auto n = encode_record(t, body, out);
  if (!n) return false;
  return s.write_all(out.data(), *n, dl) == io::ok;
}

inline void send_alert(Socket& s, alert_reason why) {
  const std::uint8_t b = static_cast<std::uint8_t>(why);
  (void)send_record(s, record_type::alert, bytes_view(&b, 1), Deadline::in_seconds(2));
}

// What goes to the peer on failure is generic (DESIGN §2): precise errors stay local.
inline alert_reason alert_for(errc e) {
  switch (category_of(e)) {
    case error_category_id::protocol: return alert_reason::unexpected_message;
    case error_category_id::identity:
      return e == errc::unauthorized ? alert_reason::unauthorized : alert_reason::handshake_failed;
    default: return alert_reason::handshake_failed;
  }
}

/// What an alert from the peer means. Deliberately coarse (DESIGN §2), but it tells "your proof
/// was refused" from "you were authenticated and not admitted"; the peer's log has the details.
inline mutauth::error alert_error(const std::vector<std::uint8_t>& body, bool we_are_client) {
  if (we_are_client && !body.empty() && body[0] == static_cast<std::uint8_t>(alert_reason::unauthorized))
    return mutauth::error(errc::unauthorized, "the server authenticated this client, then refused it",
                          "ask the server's operator to admit your principal (mutauth listen --allow)");
  if (we_are_client)
    return mutauth::error(errc::peer_alert, "the peer could not complete the authentication",
                          "the peer's log says why; check that it trusts your key, certificate or "
                          "principal (mutauth inspect --as-client)");
  return mutauth::error(errc::peer_alert, "the client refused this server's proof",
                        "the client's log says why; check the name it demands and what it trusts "
                        "(mutauth inspect <certificate> --target SPN --trust known_hosts)");
}

struct HandshakeStats {
  std::size_t messages = 0;
  std::size_t bytes_sent = 0, bytes_received = 0;
  double millis = 0;
};

/// Runs a handshake to the end. On failure, the local error in `why`; an alert goes to the peer.
template <class HS>
bool run_handshake(HS& hs, Socket& s, RecordReader& rr, Deadline dl, HandshakeStats& st,
                   Failure& why) {
  const auto t0 = clock::now();
  const std::size_t sent0 = s.sent, recv0 = s.received;
  step_result r{};
  if constexpr (requires { hs.target(); }) {  // the initiator speaks first
    r = hs.step();
  } else {
    auto rec = rr.next(dl, why);
    if (!rec) return false;
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
    r = feed_record(hs, record{rec->first, rec->second});
    if (rec->first == record_type::alert) {
      why = {alert_error(rec->second, requires { hs.target(); }), "handshake"};
      return false;
    }
  }
  st.messages = hs.messages();
  st.bytes_sent = s.sent - sent0;
  st.bytes_received = s.received - recv0;
  st.millis = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
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
    if (!send_record(s, record_type::application, bytes_view(rec.data(), *sealed), dl)) {
      why = {mutauth::error(errc::io_error, "could not send a record"), "transport", true};
      return false;
    }
    data = data.subspan(n);
  } while (!data.empty());
  return true;
}

/// Opens one application record into `out`.
template <class M>
bool open_sealed(Session<M>& sess, const std::vector<std::uint8_t>& body, std::vector<std::uint8_t>& out,
                 Failure& why) {
  out.resize(body.size() >= Session<M>::open_overhead ? body.size() - Session<M>::open_overhead : 0);
  auto n = sess.open(body, out);
  if (!n) {
    why = {n.error_value(), "open"};
    return false;
  }
  out.resize(*n);
  return true;
}

struct PumpOptions {
  int in_fd = -1;             // local data to send (-1: none)
  std::function<void(bytes_view)> deliver;  // what the peer sent
  bool echo = false;          // send back what arrives (server)
  double idle_timeout = 300;  // seconds without traffic before giving up
};

/// Moves data both ways until both directions are closed. Returns false on an error.
template <class M>
bool pump(Session<M>& sess, Socket& s, RecordReader& rr, const PumpOptions& o, Failure& why) {
  bool local_open = o.in_fd >= 0, peer_open = true, sent_close = o.in_fd < 0 && !o.echo;
  std::vector<std::uint8_t> buf(16 * 1024), plain;
  if (sent_close) send_alert(s, alert_reason::close);
  while (peer_open || local_open) {
    if (g_stop) {
      why = {mutauth::error(errc::io_error, "interrupted"), "transport", true};
      send_alert(s, alert_reason::close);
      return false;
    }
    Deadline idle = Deadline::in_seconds(o.idle_timeout);
    pollfd fds[2] = {{s.fd(), POLLIN, 0}, {local_open ? o.in_fd : -1, POLLIN, 0}};
    int pr = ::poll(fds, 2, rr.has_buffered() ? 0 : (idle.poll_ms() > 0 ? idle.poll_ms() : 1000));
    if (rr.has_buffered()) {
      fds[0].revents |= POLLIN;
      pr = pr < 0 ? 1 : pr + 1;
    }
    if (pr < 0 && errno != EINTR) return false;
    if (pr == 0) {
      if (o.idle_timeout > 0 && idle.passed()) {
        why = {mutauth::error(errc::io_error, "idle timeout"), "transport", true};
        return false;
      }
      continue;
    }
    if (local_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = ::read(o.in_fd, buf.data(), buf.size());
      if (n > 0) {
        if (!send_sealed(sess, s, bytes_view(buf.data(), static_cast<std::size_t>(n)), Deadline::in_seconds(30), why))
          return false;
      } else if (n == 0 || (n < 0 && errno != EINTR)) {
        local_open = false;
        if (!sent_close) {
          send_alert(s, alert_reason::close);
          sent_close = true;
        }
      }
    }
    if (peer_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      auto rec = rr.next(Deadline::in_seconds(o.idle_timeout > 0 ? o.idle_timeout : 300), why);
      // A connection that ends without the peer's close alert may have been cut: report it.
      if (!rec) return false;
      if (rec->first == record_type::alert) {
        peer_open = false;
        if (!rec->second.empty() && rec->second[0] != static_cast<std::uint8_t>(alert_reason::close)) {
          why = {mutauth::error(errc::peer_alert, "peer aborted the session"), "session"};
          return false;
        }
        if (o.echo && !sent_close) {
          send_alert(s, alert_reason::close);
          sent_close = true;
        }
        if (!local_open || o.echo) break;
        continue;
      }
      if (rec->first != record_type::application) {
        why = {mutauth::error(errc::unexpected_message, "handshake record after the handshake"), "session"};
        send_alert(s, alert_reason::unexpected_message);
        return false;
      }
      if (!open_sealed(sess, rec->second, plain, why)) {
        send_alert(s, alert_reason::unexpected_message);
        return false;
      }
      if (o.deliver) o.deliver(plain);
      if (o.echo && !plain.empty() && !send_sealed(sess, s, plain, Deadline::in_seconds(30), why)) return false;
    }
  }
  return true;
}

}  // namespace mutauth::cli
