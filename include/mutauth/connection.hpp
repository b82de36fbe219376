// mutauth — Connection<M>: the sans-IO connection over a byte stream. It composes the record
// layer (framing.hpp), the handshake (handshake.hpp), the Session (session.hpp) and the
// authenticated closure of docs/protocol/mutauth-pk.md §8-§9 into one object that the caller feeds
// received bytes and drains bytes to send, in the shape of BearSSL's engine and rustls'
// unbuffered API. Nothing here touches a socket; there is no heap on the pk path and no
// exception or RTTI anywhere (it builds with -fno-exceptions -fno-rtti).
//
//   auto conn = Connection<M>::client(target, config);   // or ::server(config, authorize)
//   conn.start();                                        // client: queues message 1
//   loop:
//     send(conn.pending_output()); conn.consume_output(bytes_sent);
//     in = recv();  if (EOF) { conn.receive_eof(); break; }
//     while (!in.empty()) {
//       auto n = conn.receive(in);  if (!n) ...;        // consumes a prefix of `in`
//       in = in.subspan(*n);
//       for (auto ev = conn.next_event(); ev.kind != connection_event::none; ev = conn.next_event())
//         ...  // established / data (ev.data) / peer_closed / failed
//       send(conn.pending_output()) ...                // also between receive() calls
//     }
//     conn.write(bytes) once conn.is_established(); conn.close() when done sending.
//
// Rules:
// - G1: write() before the handshake finished is errc::wrong_state, and nothing is sealed; the
//   decoder refuses an application record until the Session exists (framing.hpp).
// - receive() consumes at most what it can act on: it stops after a record that produced an
//   event (until next_event() takes it, it consumes nothing), and during the handshake it waits
//   (consumes nothing) while the output buffer lacks room for a handshake record. So callers loop,
//   and drain pending_output().
// - Any failure is sticky (G5): the connection queues the alert the spec asks for
//   (§16.2 clear during the handshake: protocol category 2, unauthorized 3, else 1; never in
//   answer to an alert, a framing or a transport error; §16.3 sealed after it, when the session
//   can still seal), drops the handshake or session (their keys are wiped) and every later call
//   returns the same error. The bytes already queued, the alert last, stay in pending_output().
// - The transport's EOF goes to receive_eof(): clean only after the peer's sealed close, else
//   errc::truncation (§9.3).
//
// One class for both roles, chosen at construction (static factories client()/server(), or the
// as_client/as_server tagged constructors), rather than ClientConnection/ServerConnection: after
// the handshake the two roles behave identically, so code that pumps a connection (examples,
// tests, the CLI) is written once and not as a template over the role; the role-specific part
// is only which handshake alternative the internal variant starts with, and the variant costs
// no storage beyond the larger handshake.
#pragma once

#include <algorithm>    // std::min, std::max, std::copy_n
#include <array>        // the fixed buffers
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstring>      // std::memmove
#include <type_traits>  // std::conditional_t
#include <utility>      // std::move, std::in_place_type
#include <variant>      // handshake, then session

#include "mutauth/alert.hpp"
#include "mutauth/authorization.hpp"
#include "mutauth/bytes.hpp"
#include "mutauth/detail/secret.hpp"
#include "mutauth/error.hpp"
#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"
#include "mutauth/session.hpp"

// MUTAUTH_CONNECTION_ACCEPTOR (default 1): 0 builds a Connection that can only be a client, for
// a client-only firmware: the handshake variant then has no Acceptor alternative, so none of the
// acceptor's code is instantiated or linked (docs/embedded.md, "Sizes"). Program-wide like
// MUTAUTH_PK_TRUST_CERTIFICATES (include/mutauth/mech/pk/limits.hpp): every translation unit of
// a program must see the same value. Acceptor<M> itself stays usable on its own.
#ifndef MUTAUTH_CONNECTION_ACCEPTOR
#define MUTAUTH_CONNECTION_ACCEPTOR 1
#endif

namespace mutauth {
inline namespace v0 {

namespace detail {
/// Dependent on M so that the server constructor's constraint is checked at its use only.
template <class M>
inline constexpr bool connection_accepts = MUTAUTH_CONNECTION_ACCEPTOR != 0;
/// The Acceptor alternative's stand-in in a client-only build (never constructed).
struct no_acceptor {};
}  // namespace detail

/// What next_event() reports.
enum class connection_event : std::uint8_t {
  none,         ///< nothing to report now
  established,  ///< the handshake finished: session() is usable, write() works
  data,         ///< application bytes from the peer in `data`
  peer_closed,  ///< the peer's sealed close: its direction ended cleanly
  failed,       ///< the connection is dead; last_error() says why (reported once)
};

struct connection_event_info {
  connection_event kind = connection_event::none;
  /// For data: the peer's bytes, valid until the next receive() call.
  bytes_view data{};
};

struct as_client_t {
  explicit as_client_t() = default;
};
struct as_server_t {
  explicit as_server_t() = default;
};
inline constexpr as_client_t as_client{};
inline constexpr as_server_t as_server{};

/// The error → alert mapping of docs/protocol/mutauth-pk.md §16.2 (and §16.3 after the
/// handshake): protocol category → unexpected_message, unauthorized → unauthorized, else
/// handshake_failed.
[[nodiscard]] constexpr alert_reason alert_for(errc e) noexcept {
  if (e == errc::unauthorized) return alert_reason::unauthorized;
  if (category_of(e) == error_category_id::protocol) return alert_reason::unexpected_message;
  return alert_reason::handshake_failed;
}

template <Mechanism M>
class Connection {
  using keys_type = typename M::SessionKeys;

 public:
  /// The most application bytes write() puts in one sealed record (§9.1: the CLI's 16 KiB).
  static constexpr std::size_t max_fragment = 16 * 1024;
  /// The largest handshake record body: the mechanism's token bound, capped by the 16-bit
  /// length field.
  static constexpr std::size_t max_handshake_body =
      std::min<std::size_t>(M::max_token_size, 0xFFFF);
  /// The decoder's body limit: a handshake token or a sealed record of up to
  /// default_max_record_body (§9.1), whichever is larger. pk: 16640, never 64 KiB; krb5: 65535
  /// (docs/kerberos.md, "Token sizes").
  static constexpr std::size_t max_record_body =
      std::max<std::size_t>(max_handshake_body, default_max_record_body);
  /// Output room kept for the one control record a connection can still send after its data:
  /// a sealed close or a sealed alert (never both), or a clear alert.
  static constexpr std::size_t control_reserve = record_header_size + Session<M>::seal_overhead + 1;
  /// The output buffer: the larger of one handshake record and one full sealed record, plus
  /// the control reserve.
  static constexpr std::size_t output_capacity =
      std::max<std::size_t>(record_header_size + max_handshake_body,
                            record_header_size + max_fragment + Session<M>::seal_overhead) +
      control_reserve;
  /// Plaintext storage for one opened record (opened in place: the SessionKeys concept requires
  /// open() to work with in == out).
  static constexpr std::size_t plaintext_capacity = max_record_body;

  /// A client for `target` (G2). `config` MUST outlive the connection.
  Connection(as_client_t, const ServicePrincipal& target,
             const typename M::InitiatorConfig& config) noexcept
      : state_(std::in_place_type<Initiator<M>>, target, config), side_(role::initiator) {}
  /// A server. `config` and the callable behind `authorize` MUST outlive the connection.
  /// Not in a client-only build (MUTAUTH_CONNECTION_ACCEPTOR=0).
  Connection(as_server_t, const typename M::AcceptorConfig& config,
             Authorizer authorize) noexcept requires detail::connection_accepts<M>
      : state_(std::in_place_type<Acceptor<M>>, config, authorize), side_(role::acceptor) {}

  [[nodiscard]] static Connection client(const ServicePrincipal& target,
                                         const typename M::InitiatorConfig& config) noexcept {
    return Connection(as_client, target, config);
  }
  [[nodiscard]] static Connection server(
      const typename M::AcceptorConfig& config,
      Authorizer authorize) noexcept requires detail::connection_accepts<M> {
    return Connection(as_server, config, authorize);
  }

  // Buffers and keys live inside: neither copied nor moved (construct it where it stays; the
  // factories return prvalues, which C++17 elides).
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection() { wipe_buffers(); }

  /// Client: queues message 1. Server: nothing to do (it speaks second); returns ok.
  /// A second call is errc::wrong_state.
  [[nodiscard]] result<void> start() noexcept {
    if (err_) return err_;
    if (side_ == role::acceptor) return ok();
    auto* hs = std::get_if<Initiator<M>>(&state_);
    if (started_ || hs == nullptr) return error(errc::wrong_state, "start() called twice");
    started_ = true;
    step_result r = hs->step();
    if (r.st != status::send) return fail(hs->last_error(), alert_mode::clear);
    if (result<void> q = queue_record(record_type::handshake, r.token); !q)
      return fail(q.error_value(), alert_mode::clear);
    return ok();
  }

  /// Feeds received bytes (any split; one byte is fine). Returns how many were consumed: a
  /// prefix of `in`, possibly 0 (an event to take first, or output to drain first) — loop.
  /// A failure returns the sticky error; the alert it queued is in pending_output().
  [[nodiscard]] result<std::size_t> receive(bytes_view in) noexcept {
    if (err_) return err_;
    if (side_ == role::initiator && !started_)
      return error(errc::wrong_state, "receive() before start(): the client speaks first");
    std::size_t used = 0;
    while (used < in.size() && pending_.kind == connection_event::none) {
      // During the handshake every record may answer with a token: wait for room for it.
      if (!is_established()) {
        constexpr std::size_t need = record_header_size + max_handshake_body + control_reserve;
        compact_if_needed(need);
        if (output_free() < need) break;  // 0 consumed: send pending_output() first
      }
      result<decoded> d = decoder_.decode(in.subspan(used));
      if (!d) {
        // Framing errors: no clear alert during the handshake (§16.2), a sealed one after it.
        fail(d.error_value(), is_established() ? alert_mode::sealed : alert_mode::none);
        return err_;
      }
      used += d->consumed;
      if (d->has_record) {
        if (result<void> r = on_record(d->rec); !r) return err_;
      }
    }
    return used;
  }

  /// The transport ended (EOF). Clean (ok) only when the peer's sealed close has been opened
  /// and no partial record is buffered; otherwise errc::truncation, and the connection is dead.
  [[nodiscard]] result<void> receive_eof() noexcept {
    if (err_) return err_;
    if (const auto* est = std::get_if<established_state>(&state_);
        est != nullptr && est->session.peer_closed() && decoder_.idle())
      return ok();
    // A transport failure: no alert (§16.2); after the handshake the peer may still read, but
    // an attacker who cut the stream is not told anything either.
    fail(error(errc::truncation,
               is_established() ? "the stream ended without the peer's sealed close (truncation?)"
                                : "the stream ended during the handshake"),
         alert_mode::none);
    return err_;
  }

  /// The bytes to send now (BearSSL's sendrec_buf): valid until the next non-const call.
  [[nodiscard]] bytes_view pending_output() const noexcept {
    return bytes_view(out_.data() + out_begin_, out_end_ - out_begin_);
  }
  /// `n` bytes of pending_output() were sent (BearSSL's sendrec_ack). n is clamped.
  void consume_output(std::size_t n) noexcept {
    out_begin_ += std::min(n, out_end_ - out_begin_);
    if (out_begin_ == out_end_) out_begin_ = out_end_ = 0;
  }
  [[nodiscard]] bool wants_write() const noexcept { return out_end_ != out_begin_; }

  /// The next event, or none. At most one is pending at a time; a data view is valid until the
  /// next receive() call.
  [[nodiscard]] connection_event_info next_event() noexcept {
    if (pending_.kind != connection_event::none) {
      connection_event_info e = pending_;
      pending_ = {};
      return e;
    }
    if (err_ && !failure_reported_) {
      failure_reported_ = true;
      return {connection_event::failed, {}};
    }
    return {};
  }

  /// Seals application bytes into records of at most max_fragment bytes, as many as the output
  /// buffer holds; returns how many bytes of `data` were taken (0: drain pending_output()
  /// first). Before the handshake finished: errc::wrong_state, and nothing is sealed (G1).
  /// After close(): errc::wrong_state.
  [[nodiscard]] result<std::size_t> write(bytes_view data) noexcept {
    if (err_) return err_;
    auto* est = std::get_if<established_state>(&state_);
    if (est == nullptr)
      return error(errc::wrong_state,
                   "write() before the handshake finished: nothing is sealed before both "
                   "identities are proven (G1)");
    if (est->session.closed()) return error(errc::wrong_state, "write() after close()");
    std::size_t taken = 0;
    while (taken < data.size()) {
      compact_if_needed(record_header_size + 1 + Session<M>::seal_overhead + control_reserve);
      const std::size_t room = output_free();
      if (room < record_header_size + 1 + Session<M>::seal_overhead + control_reserve) break;
      const std::size_t chunk =
          std::min({data.size() - taken, max_fragment,
                    room - control_reserve - record_header_size - Session<M>::seal_overhead});
      std::uint8_t* rec = out_.data() + out_end_;
      auto n = est->session.seal(
          data.subspan(taken, chunk),
          bytes_span(rec + record_header_size, chunk + Session<M>::seal_overhead));
      if (!n) return fail(n.error_value(), alert_mode::none);  // the session is dead already
      queued_sealed(rec, *n);
      taken += chunk;
    }
    return taken;
  }

  /// Queues this side's sealed close: its direction ends (the peer's may go on). Before the
  /// handshake finished, or twice: errc::wrong_state.
  [[nodiscard]] result<void> close() noexcept {
    if (err_) return err_;
    auto* est = std::get_if<established_state>(&state_);
    if (est == nullptr) return error(errc::wrong_state, "close() before the handshake finished");
    compact_if_needed(control_reserve);
    std::uint8_t* rec = out_.data() + out_end_;
    auto n = est->session.close(
        bytes_span(rec + record_header_size, output_free() - record_header_size));
    if (!n) {
      if (n.error_value().category() == error_category_id::misuse) return n.error_value();
      return fail(n.error_value(), alert_mode::none);
    }
    queued_sealed(rec, *n);
    return ok();
  }

  /// Ends the connection on this side's initiative (the application stops, reaps an idle
  /// session, or sheds load): queues an alert with `reason` after the bytes already queued,
  /// sealed once established (§16.3), in clear during the handshake (§16.2), and makes the
  /// connection dead with `why` as its sticky error. Returns that error.
  error abort(const error& why, alert_reason reason = alert_reason::aborted) noexcept {
    return fail(why, is_established() ? alert_mode::sealed : alert_mode::clear, reason);
  }

  /// The handshake finished and the connection has not failed.
  [[nodiscard]] bool is_established() const noexcept {
    return std::holds_alternative<established_state>(state_);
  }
  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(err_); }
  [[nodiscard]] const error& last_error() const noexcept { return err_; }
  [[nodiscard]] role side() const noexcept { return side_; }
  /// True once the peer's sealed close arrived.
  [[nodiscard]] bool peer_closed() const noexcept {
    const auto* est = std::get_if<established_state>(&state_);
    return est != nullptr && est->session.peer_closed();
  }

  /// The session (peer(), local(), service(), export_keying_material(), channel_binding()),
  /// once established; nullptr before and after a failure. Seal and open through the
  /// connection, not through it: the connection's record stream would desynchronise.
  [[nodiscard]] const Session<M>* session() const noexcept {
    const auto* est = std::get_if<established_state>(&state_);
    return est != nullptr ? &est->session : nullptr;
  }

 private:
  enum class alert_mode : std::uint8_t { none, clear, sealed };

  // The session and the buffer its records open into share the storage the handshake had.
  struct established_state {
    explicit established_state(Session<M>&& s) noexcept : session(std::move(s)) {}
    ~established_state() { detail::secure_zero(plain.data(), plain_high); }
    Session<M> session;
    std::array<std::uint8_t, plaintext_capacity> plain{};
    std::size_t plain_high = 0;  // the most of `plain` a record has used: what the destructor wipes
  };

  // memset + an asm barrier (mutauth/detail/secret.hpp). A volatile byte loop did the same at a
  // byte per store: over two 16 KiB buffers it cost tens of microseconds per connection
  // (bench/results/REPORT.md, server handshakes), and only the bytes ever written hold anything
  // to wipe.
  void wipe_buffers() noexcept { detail::secure_zero(out_.data(), out_high_); }
  // Records the output buffer's high-water mark: what the destructor wipes.
  void output_grew() noexcept { out_high_ = std::max(out_high_, out_end_); }

  static void put_header(std::uint8_t* rec, record_type t, std::size_t len) noexcept {
    rec[0] = static_cast<std::uint8_t>(t);
    rec[1] = static_cast<std::uint8_t>(len >> 8);
    rec[2] = static_cast<std::uint8_t>(len);
  }

  // A sealed record of `n` body bytes was written after its header's place at `rec`, the end of
  // the output: its header, and it joins the output. Out of line: write(), close() and the sealed
  // alert share one copy (a firmware's flash, docs/embedded.md "Sizes").
  [[gnu::noinline]] void queued_sealed(std::uint8_t* rec, std::size_t n) noexcept {
    put_header(rec, record_type::application, n);
    out_end_ += record_header_size + n;
    output_grew();
  }

  [[nodiscard]] std::size_t output_free() const noexcept { return out_.size() - out_end_; }
  void compact_if_needed(std::size_t need) noexcept {
    if (output_free() >= need || out_begin_ == 0) return;
    std::memmove(out_.data(), out_.data() + out_begin_, out_end_ - out_begin_);
    out_end_ -= out_begin_;
    out_begin_ = 0;
  }

  result<void> queue_record(record_type t, bytes_view body) noexcept {
    compact_if_needed(record_header_size + body.size());
    auto n =
        encode_record(t, body, bytes_span(out_.data() + out_end_, output_free()), max_record_body);
    if (!n) return n.error_value();
    out_end_ += *n;
    output_grew();
    return ok();
  }

  template <class Handshake>
  result<void> on_handshake_record(Handshake& hs, const record& rec) noexcept {
    step_result r = feed_record(hs, rec);
    // A failed step's token is a refusal the peer needs (docs/protocol/negotiate.md §3.3): it goes
    // out before the alert.
    if (r.st == status::failed && !r.token.empty() && rec.type != record_type::alert)
      (void)queue_record(record_type::handshake, r.token);
    if (r.st == status::failed)
      // Never answer an alert (§9.2); the decoder already refused sealed records at the header.
      return fail(hs.last_error(),
                  rec.type == record_type::alert ? alert_mode::none : alert_mode::clear);
    if (!r.token.empty()) {
      if (result<void> q = queue_record(record_type::handshake, r.token); !q)
        return fail(q.error_value(), alert_mode::clear);
    }
    if (r.st != status::done) return ok();
    return establish(hs);
  }

  // Out of line: the Session passing through here is not in on_handshake_record()'s frame, which
  // lies below every handshake step (docs/embedded.md, "Sizes").
  template <class Handshake>
  [[gnu::noinline]] result<void> establish(Handshake& hs) noexcept {
    result<Session<M>> s = std::move(hs).finish();
    if (!s) return fail(s.error_value(), alert_mode::clear);
    // The handshake (and its secrets) goes; the session takes its place.
    auto& est = state_.template emplace<established_state>(std::move(*s));
    decoder_.allow_application_data(est.session);
    pending_ = {connection_event::established, {}};
    return ok();
  }

  result<void> on_record(const record& rec) noexcept {
    if (auto* i = std::get_if<Initiator<M>>(&state_)) return on_handshake_record(*i, rec);
    if constexpr (detail::connection_accepts<M>)
      if (auto* a = std::get_if<Acceptor<M>>(&state_)) return on_handshake_record(*a, rec);
    auto* est = std::get_if<established_state>(&state_);
    if (est == nullptr) return err_;
    if (rec.type != record_type::application)  // clear alerts were refused by the decoder
      return fail(error(errc::unexpected_message, "handshake record after the handshake"),
                  alert_mode::sealed);
    if (rec.body.size() > est->plain.size())
      return fail(error(errc::too_large, "sealed record longer than the plaintext buffer"),
                  alert_mode::sealed);
    // Open in place in our own buffer (the body may view the caller's input).
    std::copy_n(rec.body.data(), rec.body.size(), est->plain.data());
    est->plain_high = std::max(est->plain_high, rec.body.size());
    auto got = est->session.open(bytes_view(est->plain.data(), rec.body.size()), est->plain);
    if (!got) return fail(got.error_value(), alert_mode::none);  // the session is dead: keys wiped
    switch (got->type) {
      case content_type::data:
        if (got->size != 0)
          pending_ = {connection_event::data, bytes_view(est->plain.data(), got->size)};
        return ok();
      case content_type::close: pending_ = {connection_event::peer_closed, {}}; return ok();
      case content_type::alert:
        // Never answer an alert; Session reported peer_alert and is dead.
        return fail(est->session.last_error(), alert_mode::none);
    }
    return fail(error(errc::malformed, "sealed record of an unknown content type"),
                alert_mode::none);
  }

  // Makes the connection dead: one alert as the spec asks (`reason`, when given, overrides the
  // §16.2 mapping), then the handshake or session is dropped (wiping its keys). Returns the
  // sticky error.
  error fail(const error& e, alert_mode mode, alert_reason reason = alert_reason{}) noexcept {
    if (err_) return err_;
    err_ = e;
    const alert_reason why = reason != alert_reason{} ? reason : alert_for(e.code());
    if (mode == alert_mode::clear && !is_established()) {
      const std::uint8_t b = static_cast<std::uint8_t>(why);
      (void)queue_record(record_type::alert, bytes_view(&b, 1));
    } else if (mode == alert_mode::sealed) {
      if (auto* est = std::get_if<established_state>(&state_);
          est != nullptr && !est->session.failed() && !est->session.closed()) {
        compact_if_needed(control_reserve);
        std::uint8_t* rec = out_.data() + out_end_;
        auto n = est->session.alert(
            why, bytes_span(rec + record_header_size, output_free() - record_header_size));
        if (n) queued_sealed(rec, *n);
      }
    }
    state_.template emplace<std::monostate>();
    pending_ = {};
    return err_;
  }

  using acceptor_alternative =
      std::conditional_t<detail::connection_accepts<M>, Acceptor<M>, detail::no_acceptor>;
  std::variant<std::monostate, Initiator<M>, acceptor_alternative, established_state> state_;
  RecordDecoder<max_record_body> decoder_{};
  std::array<std::uint8_t, output_capacity> out_{};
  std::size_t out_begin_ = 0, out_end_ = 0, out_high_ = 0;
  connection_event_info pending_{};
  error err_{};
  role side_;
  bool started_ = false;
  bool failure_reported_ = false;
};

}  // namespace v0
}  // namespace mutauth
