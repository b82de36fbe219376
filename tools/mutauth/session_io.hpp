// mutauth CLI — what the client and the --once server share with the event-loop server
// (event_server.hpp): how a failed Connection<M> is told to the user, and drive(), a blocking
// poll loop over one Connection<M> (include/mutauth/connection.hpp does the framing, the
// handshake, the session and the sealed close and alerts; this file only moves bytes). Generic
// over the mechanism: the same code drives pk and krb5.
//
// CLI protocol on top of the record layer (docs/protocol/mutauth-pk.md §9):
//   handshake records (0x16) until both sides are done. The client is done only after the
//   server's last message (pk: message 4, the admission; krb5: the AP-REP), which the server
//   sends only once it has verified the client and its policy admitted it; so the client may send
//   application data as soon as its handshake is done (G1). During the handshake, a failure is
//   told to the peer with a clear alert record (0x15); a server that sheds load before the
//   handshake sends the clear alert `busy` (§9.4);
//   then sealed session records (0x17) both ways. Every close and alert after the handshake is a
//   sealed record too (Session::close / Session::alert): a clear alert after the handshake is a
//   forgery, and a stream that ends without the peer's sealed close was truncated. Each
//   direction ends on its own sender's close.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mechanisms.hpp"
#include "mutauth/connection.hpp"
#include "net.hpp"

namespace mutauth::cli {

struct Failure {
  mutauth::error err;
  std::string where;   // "handshake", "connect", ...
  bool io = false;     // transport failure rather than an authentication failure
  bool ended = false;  // the transport ended (EOF or reset) rather than failing otherwise
};

/// The hints of a refusal, which name what can be wrong with one mechanism's credentials: keys,
/// certificates and trust files for pk; tickets, keytabs, realms and clocks for krb5. Each
/// mechanism's command-line trait holds its own (mechanisms.hpp).
struct AlertHints {
  const char* unauthorized;    // the client: verified, then refused by the server's policy
  const char* server_failed;   // the client: the server could not complete the authentication
  const char* client_refused;  // the server: the client refused this server's proof
};

template <class F>
constexpr AlertHints alert_hints_of() {
  return {F::hint_unauthorized, F::hint_server_failed, F::hint_client_refused};
}

/// The hints of the trait with this wire name (mechanisms.hpp), else the first trait's (the
/// default mechanism's): a negotiation's name is none of them.
inline const AlertHints& alert_hints(std::string_view wire_name) {
  static const auto table = [] {
    std::vector<std::pair<std::string_view, AlertHints>> t;
    cli_mechanisms::each(
        [&]<class F>() { t.emplace_back(std::string_view(F::wire_name), alert_hints_of<F>()); });
    return t;
  }();
  for (const auto& [name, hints] : table)
    if (name == wire_name) return hints;
  return table.front().second;
}

/// What a clear alert from the peer during the handshake means. Deliberately coarse (docs/design.md §2),
/// but it tells "your proof was refused" from "you were verified and not admitted"; the peer's
/// log has the details. `self` is the principal this client asserted (empty when not known
/// here, e.g. a Kerberos principal from a credential cache).
inline mutauth::error alert_error(const std::vector<std::uint8_t>& body, bool we_are_client,
                                  std::string_view self, const AlertHints& hints) {
  if (we_are_client && !body.empty() &&
      body[0] == static_cast<std::uint8_t>(alert_reason::unauthorized)) {
    mutauth::error e(errc::unauthorized, "the server verified this client");
    if (!self.empty()) {
      e.append(" as ");
      e.append(self);
    }
    e.append(" and its policy refused it");
    return e.with_hint(hints.unauthorized);
  }
  if (we_are_client)
    return mutauth::error(errc::peer_alert, "the peer could not complete the authentication",
                          hints.server_failed);
  return mutauth::error(errc::peer_alert, "the client refused this server's proof",
                        hints.client_refused);
}

struct HandshakeStats {
  std::size_t messages = 0;
  std::size_t bytes_sent = 0, bytes_received = 0;
  double millis = 0;
};

/// Why the session's read side failed, in the terms that matter once the handshake is done: a
/// stream that ends without the peer's sealed close was (possibly) truncated, and a clear-text
/// alert is the forgery that would truncate it unnoticed.
inline void as_session_failure(Failure& why) {
  if (why.ended) {
    const bool reset = why.err.detail().find("reset") != std::string_view::npos;
    why = {
        mutauth::error(
            errc::truncation,
            reset ? "connection reset without the peer's sealed close: the data may have been "
                    "truncated"
                  : "connection ended without the peer's sealed close: the data may have been "
                    "truncated",
            "the connection was cut (by the network, a middlebox, an attacker, or the peer dying) "
            "before the peer finished; do not trust the data received to be complete"),
        "session", true};
  } else if (why.err.code() == errc::truncation) {
    why = {mutauth::error(
               errc::truncation,
               "truncation attack: a clear-text alert arrived after the handshake; the peer closes "
               "only inside sealed records, so it is forged and the data may have been truncated",
               "something between the peers injects records; do not trust the data received to be "
               "complete"),
           "session"};
  }
}

/// Follows the record boundaries of one direction of the stream exactly as the receiver's
/// decoder does (docs/protocol/mutauth-pk.md §9.1, a 3-byte header: type, 16-bit length), for
/// what Connection<M> keeps to itself: whether a record is half received (a peer that promised
/// more bytes than it sent), whether a header was refused (a framing error, reported as such),
/// the reason byte of a clear alert, and the size of the handshake (records of type 0x16).
class RecordTracker {
 public:
  void feed(bytes_view b) noexcept {
    for (std::size_t i = 0; i < b.size();) {
      if (body_left_ == 0) {
        hdr_[hdr_have_++] = b[i++];
        if (hdr_have_ < 3) continue;
        hdr_have_ = 0;
        type_ = hdr_[0];
        body_left_ = (std::size_t{hdr_[1]} << 8) | hdr_[2];
        first_body_ = true;
        if (type_ == static_cast<std::uint8_t>(record_type::handshake)) {
          ++handshake_records;
          handshake_bytes += record_header_size + body_left_;
        }
        // The header checks of framing.hpp (check_header): a refused header is a framing error.
        const bool known = type_ == static_cast<std::uint8_t>(record_type::handshake) ||
                           type_ == static_cast<std::uint8_t>(record_type::alert) ||
                           type_ == static_cast<std::uint8_t>(record_type::application);
        if (!known ||
            (type_ == static_cast<std::uint8_t>(record_type::application) && !app_allowed) ||
            (type_ == static_cast<std::uint8_t>(record_type::alert) &&
             (app_allowed || body_left_ != 1)) ||
            (type_ == static_cast<std::uint8_t>(record_type::handshake) && body_left_ == 0))
          bad_header = true;
        continue;
      }
      const std::size_t take = std::min(body_left_, b.size() - i);
      if (first_body_ && type_ == static_cast<std::uint8_t>(record_type::alert)) alert = b[i];
      first_body_ = false;
      body_left_ -= take;
      i += take;
    }
  }
  /// A record is partly received.
  [[nodiscard]] bool inside() const noexcept { return hdr_have_ > 0 || body_left_ > 0; }

  bool app_allowed = false;  // set once established, as the decoder's gate
  bool bad_header = false;   // the decoder refused a header: a framing error
  std::uint8_t alert = 0;    // the reason byte of the last clear alert (0: none)
  std::size_t handshake_records = 0, handshake_bytes = 0;

 private:
  std::uint8_t hdr_[3]{};
  std::size_t hdr_have_ = 0, body_left_ = 0;
  std::uint8_t type_ = 0;
  bool first_body_ = false;
};

/// The peer's error for a `busy` alert: the server shed this connection (event_server.hpp).
inline mutauth::error busy_error() {
  return mutauth::error(
      errc::peer_alert,
      "the server is overloaded and refused this connection before authentication; try again later",
      "too many connections are waiting to authenticate there (--max-startups, "
      "--max-preauth-per-source) or it serves --max-clients sessions already");
}

// The session's error for the peer's sealed alert ("the peer ended the session: aborted"), as
// the CLI words it.
inline mutauth::error sealed_alert_error(const mutauth::error& err) {
  const std::string_view d = err.detail();
  const auto colon = d.rfind(": ");
  const std::string_view reason =
      colon == std::string_view::npos ? std::string_view("unknown reason") : d.substr(colon + 2);
  mutauth::error e(errc::peer_alert, "the peer ended the session with an alert: ");
  e.append(reason);
  return e.with_hint(
      reason == "aborted"
          ? "the peer's log says why (e.g. its --idle-timeout reaped an idle session, or it "
            "was stopped)"
          : "the peer's log says why");
}

/// A failed Connection's error, in the CLI's words (tests/cli pins them): where it failed
/// ("transport", "framing", "handshake", "authentication" when the peer's alert ended the
/// handshake, "session", "busy"), and whether it was the transport's fault. `eof`: the stream
/// ended (receive_eof()), `reset` by a reset; `rx` followed what the connection consumed.
inline Failure describe_failure(const mutauth::error& err, bool established, bool eof, bool reset,
                                const RecordTracker& rx, bool client, std::string_view self,
                                const AlertHints& hints) {
  Failure f;
  if (established) {
    if (err.code() == errc::truncation && eof) {
      f = {mutauth::error(errc::io_error,
                          reset ? "peer reset the connection" : "peer closed the connection"),
           "session", true, true};
      as_session_failure(f);
    } else if (err.code() == errc::truncation) {
      f = {err, "session"};
      as_session_failure(f);
    } else if (err.code() == errc::peer_alert && err.detail().ends_with(": busy")) {
      f = {busy_error(), "busy", true};
    } else if (err.code() == errc::peer_alert) {
      f = {sealed_alert_error(err), "session"};
    } else if (rx.bad_header) {
      f = {err, "framing"};
    } else {
      f = {err, "session"};
    }
    return f;
  }
  if (eof)
    return {mutauth::error(errc::io_error,
                           reset ? "peer reset the connection"
                                 : (rx.inside() ? "peer closed the connection inside a record"
                                                : "peer closed the connection")),
            "transport", true, true};
  if (rx.bad_header) return {err, "framing"};
  if (rx.alert == static_cast<std::uint8_t>(alert_reason::busy) && client)
    return {busy_error(), "busy", true};
  if (rx.alert != 0 && (err.code() == errc::peer_alert || err.code() == errc::unauthorized))
    return {alert_error(std::vector<std::uint8_t>{rx.alert}, client, self, hints),
            client ? "authentication" : "handshake"};
  return {err, "handshake"};
}

/// What the blocking driver does with a connection: local data from `in_fd` (-1: none), the
/// peer's data to `deliver`, optionally echoed back.
struct PumpOptions {
  int in_fd = -1;
  std::function<void(bytes_view)> deliver;
  bool echo = false;
  double handshake_timeout = 10;  // seconds from start to the established event (0: none)
  double idle_timeout = 300;      // seconds without traffic in the session (0: none)
  bool client = true;
  std::string_view self{};            // the principal a client asserts, for messages
  const AlertHints* hints = nullptr;  // the mechanism's (alert_hints); nullptr: the default's
};

/// Drives one Connection<M> over a connected socket with a poll loop until both directions
/// are closed (ours by our sealed close, the peer's by its sealed close) or it fails.
/// `on_established` runs once, with the handshake's figures. Returns false with `why` set.
template <class M, class OnEstablished>
bool drive(Connection<M>& c, Socket& s, const PumpOptions& o, OnEstablished&& on_established,
           Failure& why) {
  RecordTracker rx, tx;
  std::size_t tx_seen = 0;
  bool established = false, local_open = o.in_fd >= 0, sent_close = false, eof = false,
       reset = false;
  std::vector<std::uint8_t> in, local;  // unconsumed input; local bytes not yet sealed
  std::size_t in_pos = 0;
  // A read chunk; for krb5 one whole AP-REQ record (up to 64 KiB) fits in it.
  std::vector<std::uint8_t> buf(
      std::max<std::size_t>(32 * 1024, record_header_size + Connection<M>::max_record_body));
  const auto t0 = clock::now();
  Deadline hs_deadline = Deadline::in_seconds(o.handshake_timeout);
  Deadline idle = Deadline::in_seconds(o.idle_timeout);
  auto see_output = [&] {
    const bytes_view out = c.pending_output();
    if (out.size() > tx_seen) tx.feed(out.subspan(tx_seen));
    tx_seen = out.size();
  };
  // Best effort, bounded: the last words (a sealed alert) of a session this side ends.
  auto flush_briefly = [&] {
    const Deadline dl = Deadline::in_seconds(2);
    while (c.wants_write() && !dl.passed()) {
      const bytes_view out = c.pending_output();
      std::size_t n = 0;
      if (s.write_some(out.data(), out.size(), n) != io::ok) break;
      c.consume_output(n);
      if (n == 0) {
        pollfd p{s.fd(), POLLOUT, 0};
        ::poll(&p, 1, 100);
      }
    }
  };
  auto fail_with = [&](Failure f) {
    why = std::move(f);
    return false;
  };
  if (auto st = c.start(); !st) return fail_with({st.error_value(), "handshake"});
  see_output();
  for (;;) {
    // --- events
    for (auto e = c.next_event(); e.kind != connection_event::none; e = c.next_event()) {
      switch (e.kind) {
        case connection_event::none: break;
        case connection_event::established: {
          established = true;
          rx.app_allowed = true;
          HandshakeStats st;
          st.messages = rx.handshake_records + tx.handshake_records;
          st.bytes_received = rx.handshake_bytes;
          st.bytes_sent = tx.handshake_bytes;
          st.millis = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
          on_established(*c.session(), st);
          idle = Deadline::in_seconds(o.idle_timeout);
          if (!local_open && !o.echo) {  // nothing to send, ever: our direction is done
            (void)c.close();
            sent_close = true;
          }
          break;
        }
        case connection_event::data:
          if (o.deliver) o.deliver(e.data);
          if (o.echo) local.insert(local.end(), e.data.begin(), e.data.end());
          break;
        case connection_event::peer_closed:
          if (o.echo) local_open = false;  // an echo has nothing left to send once the peer is done
          break;
        case connection_event::failed:
          flush_briefly();  // the alert the connection queued
          return fail_with(describe_failure(c.last_error(), established, eof, reset, rx, o.client,
                                            o.self, o.hints ? *o.hints : alert_hints({})));
      }
      see_output();
    }
    if (eof) {
      if (!c.failed()) return true;  // receive_eof() was clean: the peer's sealed close came first
      continue;
    }
    // --- local data into sealed records; our close once it has all gone
    if (established && !sent_close) {
      if (!local.empty()) {
        auto w = c.write(local);
        if (w) local.erase(local.begin(), local.begin() + static_cast<std::ptrdiff_t>(*w));
      }
      if (local.empty() && !local_open && (!o.echo || c.peer_closed())) {
        (void)c.close();
        sent_close = true;
      }
      see_output();
    }
    if (sent_close && c.peer_closed() && !c.wants_write()) return true;
    // --- feed held input
    bool progressed = false;
    while (in_pos < in.size() && !c.failed()) {
      auto n = c.receive(bytes_view(in.data() + in_pos, in.size() - in_pos));
      if (!n) {
        rx.feed(bytes_view(in.data() + in_pos, in.size() - in_pos));
        in_pos = in.size();
        break;
      }
      rx.feed(bytes_view(in.data() + in_pos, *n));
      in_pos += *n;
      see_output();
      progressed = progressed || *n > 0;
      if (*n == 0) break;  // an event to take, or output to drain first
    }
    if (in_pos >= in.size()) {
      in.clear();
      in_pos = 0;
    }
    if (c.failed() || progressed) continue;  // take the events first
    bool pending_event = false;
    {
      // receive() consumed nothing: either an event is pending or the output is full.
      pending_event = in_pos < in.size() && !c.wants_write();
    }
    if (pending_event) continue;

    // --- wait
    if (g_stop) {
      if (established) {
        (void)c.abort(mutauth::error(errc::io_error, "interrupted"), alert_reason::aborted);
        flush_briefly();
      }
      return fail_with({mutauth::error(errc::io_error, "interrupted"), "transport", true});
    }
    const Deadline& dl = established ? idle : hs_deadline;
    const bool read_local = established && local_open && local.empty() && !sent_close;
    pollfd fds[2] = {
        {s.fd(), static_cast<short>((in.empty() ? POLLIN : 0) | (c.wants_write() ? POLLOUT : 0)),
         0},
        {read_local ? o.in_fd : -1, POLLIN, 0}};
    const int pr = ::poll(fds, 2, dl.poll_ms());
    if (pr < 0 && errno != EINTR)
      return fail_with({mutauth::error(errc::io_error, "poll failed"), "transport", true});
    if (pr <= 0) {
      if (!dl.passed()) continue;
      if (!established)
        return fail_with({mutauth::error(errc::io_error,
                                         rx.inside() ? "timed out inside a record: the peer sent "
                                                       "fewer bytes than its record header promised"
                                                     : "timed out waiting for the peer"),
                          "transport", true});
      if (rx.inside())  // a header that promised more than ever came: like an idle peer, no alert
        return fail_with(
            {mutauth::error(errc::io_error,
                            "timed out inside a record: the peer sent fewer bytes than "
                            "its record header promised"),
             "transport", true});
      mutauth::error e(errc::io_error,
                       "idle timeout: no traffic for --idle-timeout seconds; session aborted");
      (void)c.abort(e, alert_reason::aborted);
      flush_briefly();
      return fail_with({e, "transport", true});
    }
    idle = Deadline::in_seconds(o.idle_timeout);  // traffic, or the local end: not idle
    if (fds[0].revents & POLLOUT) {
      const bytes_view out = c.pending_output();
      std::size_t n = 0;
      if (s.write_some(out.data(), out.size(), n) != io::ok)
        return fail_with(
            {mutauth::error(errc::io_error, "could not send a record"), "transport", true});
      c.consume_output(n);
      tx_seen -= std::min(tx_seen, n);
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(o.in_fd, buf.data(),
                               std::min<std::size_t>(buf.size(), Connection<M>::max_fragment));
      if (n > 0) local.assign(buf.data(), buf.data() + n);
      else if (n == 0 || errno != EINTR) local_open = false;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::size_t got = 0;
      const io r = s.recv_some(buf.data(), buf.size(), got);
      if (r == io::ok && got > 0) {
        in.assign(buf.data(), buf.data() + got);
        in_pos = 0;
      } else if (r == io::eof || r == io::reset) {
        eof = true;
        reset = r == io::reset;
        (void)c.receive_eof();
      } else if (r != io::ok) {
        return fail_with({mutauth::error(errc::io_error, "read failed"), "transport", true});
      }
    }
  }
}
}  // namespace mutauth::cli
