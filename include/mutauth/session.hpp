// mutauth — Session<M>: the only object that can seal and open application data (G1,
// docs/design.md §1). It has no public constructor: the one way to get a Session is
// std::move(handshake).finish() on a handshake that reached `done`, i.e. after both identities
// were proven and the initiator has verified that the acceptor admitted it.
//
// Every record is sealed, closure and alerts included (docs/protocol/mutauth-pk.md §8): the
// plaintext under the mechanism's AEAD (or gss_wrap) is `content | type`, with type 1 data,
// 2 close, 3 alert (TLS 1.3's TLSInnerPlaintext shape). So a close cannot be forged, and a
// stream that ends without one was truncated.
//
// DatagramSession<M> is the same session in datagram mode (explicit nonces, a replay window),
// for transports that drop or reorder; it is chosen by type, with std::move(s).into_datagram().
#pragma once

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstring>      // std::memmove
#include <string_view>  // exporter labels
#include <utility>      // std::move

#include "mutauth/alert.hpp"
#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"

/// Bytes of a Session's name table: the peer's and this side's principal (name, realm, key id,
/// fingerprint, each NUL-terminated) and the service principal's parts, a string already present
/// stored once. 16..255. A handshake whose proven names do not fit fails with errc::too_large
/// before its last token leaves (handshake.hpp). The default keeps sizeof(Session<pk::PublicKey>)
/// within 512 bytes on 32- and 64-bit targets (docs/embedded.md, "Sizes") and holds, e.g., a
/// client `alice` with certificate key id and fingerprint and a server `host/db1.example.com`
/// with its own; long Kerberos names (up to 577 characters) need it raised, for the whole program.
#ifndef MUTAUTH_SESSION_NAME_BYTES
#define MUTAUTH_SESSION_NAME_BYTES 176
#endif
#define MUTAUTH_DETAIL_SESSION_NAME_BYTES_STR2(x) #x
#define MUTAUTH_DETAIL_SESSION_NAME_BYTES_STR(x) MUTAUTH_DETAIL_SESSION_NAME_BYTES_STR2(x)
#define MUTAUTH_DETAIL_SESSION_NAME_BYTES_TEXT \
  MUTAUTH_DETAIL_SESSION_NAME_BYTES_STR(MUTAUTH_SESSION_NAME_BYTES)

namespace mutauth {
inline namespace v0 {

/// The type of a sealed record's content (the last byte of its inner plaintext).
enum class content_type : std::uint8_t {
  data = 1,   ///< application bytes
  close = 2,  ///< the sender has finished sending; nothing may follow it in that direction
  alert = 3,  ///< one alert_reason byte; the session is over for both sides
};

/// What Session::open() found in one record.
struct received {
  content_type type = content_type::data;
  /// Application bytes written to the caller's buffer (data records only; 0 otherwise).
  std::size_t size = 0;
  /// The peer's reason (alert records only).
  alert_reason reason = alert_reason::aborted;
};

template <Mechanism M>
class DatagramSession;

namespace detail {
template <Mechanism M, role R, class Ctx>
class handshake_base;

// Only the handshake core can make one: with it, std::optional<Session<M>>::emplace builds a
// Session in place, where a temporary would add a Session to conclude_session()'s frame
// (docs/embedded.md, "Sizes").
class session_passkey {
  template <Mechanism, role, class>
  friend class handshake_base;
  session_passkey() = default;
};

// A mechanism whose record overhead varies per session (Kerberos: by enctype) states the least
// overhead a valid record has as `open_overhead`; otherwise it is seal_overhead.
template <class K>
constexpr std::size_t open_overhead_of() noexcept {
  if constexpr (requires { K::open_overhead; }) return K::open_overhead;
  else return K::seal_overhead;
}

inline error moved_from(std::string_view what) noexcept {
  error e(errc::wrong_state, what);
  e.append(" was moved from; use the object it was moved to");
  return e;
}

inline constexpr std::size_t session_name_bytes = MUTAUTH_SESSION_NAME_BYTES;
using session_names = name_table<session_name_bytes>;

// The handshake's refusal of proven names that do not fit the session's name table.
inline error session_names_too_large() noexcept {
  error e(errc::too_large, "the proven names do not fit the session's name table of ");
  e.append(MUTAUTH_DETAIL_SESSION_NAME_BYTES_TEXT);
  e.append(" bytes");
  e.with_hint("raise MUTAUTH_SESSION_NAME_BYTES (session.hpp) for the whole program");
  return e;
}

// A dead session's error, compact (16 bytes instead of error's 200-odd, docs/embedded.md
// "Sizes"): the code and a static text, or the peer's alert reason. The call that killed the
// session returned the full error with its detail; later calls and last_error() return this.
class sticky_error {
 public:
  enum class kind : std::uint8_t { none, code, text, peer_alert, moved_from };

  constexpr sticky_error() noexcept = default;
  static constexpr sticky_error of_code(errc c) noexcept { return {kind::code, c, nullptr}; }
  /// `text` MUST be a string literal (it is kept as a pointer). A build without error texts
  /// (MUTAUTH_ERROR_TEXT=0, error.hpp) keeps the code only, so that the literal is not linked.
  static constexpr sticky_error of_text(errc c, [[maybe_unused]] const char* text) noexcept {
#if MUTAUTH_ERROR_TEXT
    return {kind::text, c, text};
#else
    return of_code(c);
#endif
  }
  static constexpr sticky_error of_alert(alert_reason why) noexcept {
    sticky_error e{kind::peer_alert, errc::peer_alert, nullptr};
    e.reason_ = why;
    return e;
  }
  static constexpr sticky_error of_moved_from() noexcept {
    return {kind::moved_from, errc::wrong_state, nullptr};
  }

  constexpr explicit operator bool() const noexcept { return kind_ != kind::none; }
  [[nodiscard]] constexpr errc code() const noexcept { return code_; }

  /// The error value callers see.
  [[nodiscard]] error get() const noexcept {
    switch (kind_) {
      case kind::none: return error();
      case kind::code: return error(code_);
      case kind::text: return error(code_, text_);
      case kind::peer_alert: {
        error e(errc::peer_alert, "the peer ended the session: ");
        e.append(is_known(reason_) ? to_string(reason_) : std::string_view("unknown reason"));
        return e;
      }
      case kind::moved_from: return moved_from("this session");
    }
    return error(code_);
  }

 private:
  constexpr sticky_error(kind k, errc c, const char* t) noexcept : text_(t), code_(c), kind_(k) {}
  const char* text_ = nullptr;
  errc code_ = errc::ok;
  kind kind_ = kind::none;
  alert_reason reason_ = alert_reason::aborted;
};

// What Session and DatagramSession share: the proven identities and the keys.
template <Mechanism M>
class session_base {
 protected:
  using keys_type = typename M::SessionKeys;

  // `names` was filled (and checked to fit) by the handshake, from the same Concluded.
  session_base(role side, Concluded<M>&& c, const session_names& names) noexcept
      : keys_(std::move(c.keys)), names_(names), side_(side) {
    c.keys.wipe();
  }
  // Empty names and keys, for the handshake to fill in place (handshake.hpp, a mechanism that
  // concludes into the session: no Concluded, no second copy of the keys).
  explicit session_base(role side) noexcept : side_(side) {}
  session_base(session_base&& o) noexcept
      : keys_(std::move(o.keys_)), names_(o.names_), err_(o.err_), side_(o.side_) {
    o.kill_moved_from();
  }
  session_base& operator=(session_base&& o) noexcept {
    if (this != &o) {
      keys_.wipe();  // our old keys go now, whatever the mechanism's own move assignment does
      keys_ = std::move(o.keys_);
      names_ = o.names_;
      side_ = o.side_;
      err_ = o.err_;
      o.kill_moved_from();
    }
    return *this;
  }
  ~session_base() { keys_.wipe(); }

 public:
  session_base(const session_base&) = delete;
  session_base& operator=(const session_base&) = delete;

  /// Keying material for the application, bound to this session, `label` and `context` (the
  /// RFC 5705 / RFC 8446 §7.5 idea; pk: HKDF-Expand over the exporter secret,
  /// docs/protocol/mutauth-pk.md §7.2; krb5: GSS_Pseudo_random, docs/kerberos.md). Secret:
  /// only the two peers can compute it. Fails on a dead session.
  [[nodiscard]] result<void> export_keying_material(std::string_view label, bytes_view context,
                                                    bytes_span out) const noexcept {
    if (err_) return err_.get();
    return keys_.export_keying_material(label, context, out);
  }
  [[nodiscard]] result<void> export_keying_material(std::string_view label,
                                                    bytes_span out) const noexcept {
    return export_keying_material(label, {}, out);
  }

  /// A value both sides share that identifies this session, for binding upper layers
  /// (RFC 5056). PUBLIC: an eavesdropper can compute it (pk: the final handshake hash, Noise
  /// §11.2). Never use it as a key; use export_keying_material(). Empty once the session is
  /// dead.
  [[nodiscard]] bytes_view channel_binding() const noexcept {
    return err_ ? bytes_view() : keys_.channel_binding();
  }

  /// The peer's identity as its proof established it. Never a claim. Empty once moved from.
  /// Views this session's name table: valid while the session lives and is not moved from
  /// (convert to a Principal, or copy the strings, to keep them longer).
  [[nodiscard]] PrincipalView peer() const noexcept { return names_.principal(0); }
  /// The identity this side proved: the client principal the server admitted (initiator), or
  /// the service principal it proved (acceptor). Views as peer() does.
  [[nodiscard]] PrincipalView local() const noexcept { return names_.principal(1); }
  /// The service principal the exchange authenticated (the composed target, for initiators).
  /// Views as peer() does; compares equal to the ServicePrincipal it came from.
  [[nodiscard]] ServicePrincipalView service() const noexcept { return names_.service(); }
  [[nodiscard]] role side() const noexcept { return side_; }
  /// The mechanism that authenticated this session: M::name, or for a composed mechanism
  /// (Negotiate<...>, negotiate.hpp) the one negotiated.
  [[nodiscard]] std::string_view mechanism() const noexcept {
    if constexpr (requires(const keys_type& k) {
                    { k.mechanism_name() }
                    noexcept->std::convertible_to<std::string_view>;
                  })
      return keys_.mechanism_name();
    else return M::name;
  }
  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(err_); }
  /// Why the session died: the code, with a short static text (the call that killed it
  /// returned the full detail). A default error while the session is alive.
  [[nodiscard]] error last_error() const noexcept { return err_.get(); }

  /// Read-only mechanism details (krb5: ret_flags, the delegated credential, the wrap overhead).
  /// Nothing reachable from here seals, opens or rekeys: those go through the session, so that
  /// every failure is sticky and wipes the keys (G5).
  [[nodiscard]] const keys_type& mechanism_info() const noexcept { return keys_; }

 protected:
  template <class T>
  result<T> sticky(result<T>&& r) noexcept {
    // Misuse errors changed nothing and are the caller's to fix; everything else ends the
    // session so that no further plaintext flows under keys an attacker has been probing.
    if (!r && r.error_value().category() != error_category_id::misuse)
      kill(sticky_error::of_code(r.error_value().code()));
    return std::move(r);
  }
  [[gnu::noinline]] void kill(const sticky_error& e) noexcept {
    err_ = e;
    keys_.wipe();
  }
  void kill_moved_from() noexcept {
    kill(sticky_error::of_moved_from());
    names_.clear();
  }

  keys_type keys_;
  session_names names_;
  sticky_error err_{};
  role side_;
};

}  // namespace detail

template <Mechanism M>
class Session : public detail::session_base<M> {
  using base = detail::session_base<M>;
  using keys_type = typename M::SessionKeys;
  static constexpr std::size_t mech_open_overhead = detail::open_overhead_of<keys_type>();

 public:
  /// The most bytes seal() adds to a plaintext (AEAD tag or wrap token, plus the type byte):
  /// give seal() this much room beyond the plaintext. close() and alert() need this much too.
  static constexpr std::size_t seal_overhead = keys_type::seal_overhead + 1;
  /// open() needs record.size() - open_overhead bytes of output (the record's inner plaintext,
  /// whose last byte is the content type, so the data it yields is at least one byte shorter).
  /// A record no longer than this is refused.
  static constexpr std::size_t open_overhead = mech_open_overhead;
  static_assert(open_overhead < seal_overhead);

  Session(Session&&) noexcept = default;
  /// The handshake core's constructor (detail::session_passkey): not for callers.
  Session(detail::session_passkey, role side, Concluded<M>&& c,
          const detail::session_names& names) noexcept
      : base(side, std::move(c), names) {}
  /// The handshake core's constructor for a conclusion filled in place (detail::session_passkey):
  /// not for callers.
  Session(detail::session_passkey, role side) noexcept : base(side) {}
  Session& operator=(Session&&) noexcept = default;

  /// Seals `plaintext` into `out` (needs plaintext.size() + seal_overhead bytes; `out` may be
  /// the buffer `plaintext` starts in). A short `out` returns errc::buffer_too_small with
  /// required_size() and changes nothing. After close(), errc::wrong_state. Any other failure
  /// is sticky: the session is dead and its keys are wiped (G5).
  [[nodiscard]] result<std::size_t> seal(bytes_view plaintext, bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    if (closed_)
      return error(errc::wrong_state, "seal() after close(): this side has finished sending");
    return seal_record(content_type::data, plaintext, out);
  }

  /// Seals this side's close (needs seal_overhead bytes): send it as the last record. After it,
  /// seal() fails; open() still works until the peer's own close (each direction closes on its
  /// own, as TLS 1.3's close_notify).
  [[nodiscard]] result<std::size_t> close(bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    if (closed_) return error(errc::wrong_state, "close() called twice");
    auto r = seal_record(content_type::close, {}, out);
    if (r) closed_ = true;
    return r;
  }

  /// Seals an alert that ends the session for both sides (needs seal_overhead + 1 bytes); the
  /// session is dead afterwards (its keys wiped), whatever the peer does. Not after close().
  [[nodiscard]] result<std::size_t> alert(alert_reason why, bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    // Nothing follows a close in its direction (docs/protocol/mutauth-pk.md §8.1): the peer would
    // refuse the alert as a record after the close.
    if (closed_)
      return error(errc::wrong_state, "alert() after close(): this side has finished sending");
    const std::uint8_t reason = static_cast<std::uint8_t>(why);
    auto r = seal_record(content_type::alert, bytes_view(&reason, 1), out);
    if (r)
      this->kill(detail::sticky_error::of_text(errc::wrong_state,
                                               "this side ended the session with an alert"));
    return r;
  }

  /// Opens one sealed record into `out` (needs record.size() - open_overhead bytes).
  /// data: `size` bytes in `out`. close: the peer has finished sending (peer_closed() is true
  /// from now on; a record after it is a protocol violation). alert: the peer ended the
  /// session; it is dead from now on, with errc::peer_alert. A tampered, replayed or reordered
  /// record kills the session (stream semantics).
  [[nodiscard]] result<received> open(bytes_view record, bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    if (peer_closed_) return fatal(errc::unexpected_message, "a record after the peer's close");
    if (record.size() <= open_overhead)
      return fatal(errc::truncated, "record shorter than its tag and content type");
    const std::size_t need = record.size() - open_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    auto n = this->sticky(this->keys_.open(record, out));
    if (!n) return n.error_value();
    if (*n == 0) return fatal(errc::malformed, "sealed record without a content type");
    const std::size_t len = *n - 1;
    switch (static_cast<content_type>(out[len])) {
      case content_type::data: return received{content_type::data, len, alert_reason::aborted};
      case content_type::close:
        if (len != 0) return fatal(errc::malformed, "close record with content");
        peer_closed_ = true;
        return received{content_type::close, 0, alert_reason::aborted};
      case content_type::alert: {
        if (len != 1) return fatal(errc::malformed, "alert record not exactly one byte");
        const auto why = static_cast<alert_reason>(out[0]);
        out[0] = 0;
        this->kill(detail::sticky_error::of_alert(why));
        return received{content_type::alert, 0, why};
      }
    }
    return fatal(errc::malformed, "sealed record of an unknown content type");
  }

  /// True once the peer's sealed close has been opened: a clean end of its direction.
  [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }
  /// True once this side's close() has been sealed.
  [[nodiscard]] bool closed() const noexcept { return closed_; }

  /// Rekeys this side's sending key (Noise §11.3); the peer must call rekey_inbound() at the
  /// same point of the stream. Failures are sticky.
  [[nodiscard]] result<void> rekey_outbound() noexcept requires requires(keys_type& k) {
    k.rekey_outbound();
  }
  {
    if (this->err_) return this->err_.get();
    return this->sticky(this->keys_.rekey_outbound());
  }
  [[nodiscard]] result<void> rekey_inbound() noexcept requires requires(keys_type& k) {
    k.rekey_inbound();
  }
  {
    if (this->err_) return this->err_.get();
    return this->sticky(this->keys_.rekey_inbound());
  }

  /// Turns this session into a datagram session (explicit nonces, a replay window) for a
  /// transport that drops or reorders; this object is dead afterwards. Call it before any
  /// record, on both sides (docs/protocol/mutauth-pk.md §8.3).
  [[nodiscard]] result<DatagramSession<M>> into_datagram() && noexcept requires
      requires(keys_type& k, bytes_view in, bytes_span out) {
    k.seal_datagram(in, out);
  }
  {
    if (this->err_) return this->err_.get();
    if (closed_ || peer_closed_) return error(errc::wrong_state, "into_datagram() after a close");
    return result<DatagramSession<M>>(DatagramSession<M>(std::move(*this)));
  }

 private:
  template <Mechanism, role, class>
  friend class detail::handshake_base;
  friend class DatagramSession<M>;

  Session(role side, Concluded<M>&& c, const detail::session_names& names) noexcept
      : base(side, std::move(c), names) {}

  // Seals `content | t` into `out` (docs/protocol/mutauth-pk.md §8.1): the one place every
  // record — data, close, alert — is made.
  result<std::size_t> seal_record(content_type t, bytes_view content, bytes_span out) noexcept {
    const std::size_t need = content.size() + seal_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    const auto type = static_cast<std::uint8_t>(t);
    // A mechanism that can seal `content | type` in one pass is spared the copy below.
    if constexpr (requires(keys_type & k) { k.seal_with_type(content, type, out); }) {
      return this->sticky(this->keys_.seal_with_type(content, type, out));
    } else {
      if (content.data() != out.data() && !content.empty())
        std::memmove(out.data(), content.data(), content.size());
      out[content.size()] = type;
      return this->sticky(this->keys_.seal(bytes_view(out.data(), content.size() + 1), out));
    }
  }

  // `text` is a string literal. Out of line: open()'s refusals share one copy (a firmware's
  // flash, docs/embedded.md "Sizes").
  [[gnu::noinline]] result<received> fatal(errc code, const char* text) noexcept {
    this->kill(detail::sticky_error::of_text(code, text));
    return error(code, text);
  }

  bool closed_ = false;
  bool peer_closed_ = false;
};

/// A session in datagram mode: each record carries its own nonce, a record may arrive late or
/// not at all, and a record that fails to open is dropped without harming the session (anybody
/// can inject datagrams). There is no close: a lossy transport cannot deliver one reliably.
template <Mechanism M>
class DatagramSession : public detail::session_base<M> {
  using base = detail::session_base<M>;
  using keys_type = typename M::SessionKeys;

 public:
  /// Explicit nonce + tag.
  static constexpr std::size_t overhead = keys_type::datagram_overhead;

  DatagramSession(DatagramSession&&) noexcept = default;
  DatagramSession& operator=(DatagramSession&&) noexcept = default;

  /// Seals one datagram (needs plaintext.size() + overhead bytes). Failures other than misuse
  /// are sticky.
  [[nodiscard]] result<std::size_t> seal(bytes_view plaintext, bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    return this->sticky(this->keys_.seal_datagram(plaintext, out));
  }
  /// Opens one datagram (needs datagram.size() - overhead bytes). A forged, replayed or too old
  /// datagram returns its error and leaves the session as it was.
  [[nodiscard]] result<std::size_t> open(bytes_view datagram, bytes_span out) noexcept {
    if (this->err_) return this->err_.get();
    return this->keys_.open_datagram(datagram, out);
  }

 private:
  friend class Session<M>;
  explicit DatagramSession(Session<M>&& s) noexcept : base(std::move(s)) {}
};

}  // namespace v0
}  // namespace mutauth
