// mutauth — errors: one code enum in five categories, a bounded error value, result<T>.
// Usable with -fno-exceptions -fno-rtti and without a hosted standard library beyond the
// freestanding-friendly headers below. The std::error_category adapter lives in
// error_category.hpp so that this header stays free of <system_error>.
#pragma once

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint16_t
#include <new>          // placement new for result<T>
#include <string_view>  // detail/hint views
#include <type_traits>  // std::is_nothrow_*
#include <utility>      // std::move

// MUTAUTH_ERROR_TEXT (default 1) keeps each error's human text: a detail of up to 191 bytes and a
// static hint. A firmware build sets it to 0 for the whole program (it changes error's layout, so
// every translation unit must agree, as for MUTAUTH_PK_MAX_CERTIFICATE_SIZE): codes, categories and
// required_size() stay, detail() and hint() are empty and what() is the code's name. An error is
// then a few bytes instead of 216, which is most of every result<T> and so of the handshake's stack
// frames (docs/embedded.md, "Sizes").
#ifndef MUTAUTH_ERROR_TEXT
#define MUTAUTH_ERROR_TEXT 1
#endif

namespace mutauth {
inline namespace v0 {

/// The category of an error is its high byte (s2n-style): callers branch on the category,
/// humans read the code. Categories follow docs/design.md §2.
enum class error_category_id : std::uint8_t {
  none = 0,
  malformed = 1,    ///< bytes that do not parse (peer or file) and names that break the rules
  protocol = 2,     ///< a well-formed message that is wrong here (state, version, app data early)
  identity = 3,     ///< the peer could not prove who it is, or is not allowed in
  environment = 4,  ///< the world around us: KDC, clocks, keytabs, files
  misuse = 5,       ///< the caller broke an API rule
};

// Codes are stable numbers: they may be logged and compared across versions.
enum class errc : std::uint16_t {
  ok = 0,

  // --- malformed input (0x01xx) ---
  malformed = 0x0100,    ///< generic parse failure
  truncated,             ///< input ended inside a field
  trailing_bytes,        ///< bytes after the end of a structure
  too_large,             ///< a length or count above the bound for this field
  bad_encoding,          ///< a field whose content is not allowed (bad base64, bad magic)
  name_empty,            ///< principal: empty string
  name_nul_byte,         ///< principal: contains a NUL byte
  name_missing_service,  ///< principal: no service class before '/' or '@'
  name_bad_service,      ///< principal: service class has characters outside [A-Za-z0-9-_]
  name_empty_host,       ///< principal: no host after the separator
  name_single_label,     ///< principal: NetBIOS-style host without a dot
  name_ip_literal,       ///< principal: IPv4 or IPv6 literal instead of a DNS name
  name_wildcard,         ///< principal: '*' in the host
  name_empty_label,      ///< principal: ".." or a leading dot
  name_label_too_long,   ///< principal: a label over 63 octets
  name_too_long,         ///< principal: host over 253 octets
  name_bad_character,    ///< principal: outside LDH, or a label starting/ending with '-'
  name_bad_port,         ///< principal: port not in 1..65535 or not decimal
  name_bad_realm,        ///< principal: empty realm or a realm with forbidden characters

  // --- protocol violation (0x02xx) ---
  unexpected_message = 0x0200,  ///< a token or record this state does not accept
  app_data_before_auth,         ///< an application record arrived before the session existed
  too_many_messages,            ///< the mechanism's message bound was exceeded
  version_mismatch,             ///< the peer speaks another protocol or version
  decrypt_failed,               ///< AEAD or integrity check failed (tampered or wrong keys)
  replayed,                     ///< a record or token seen before
  out_of_order,                 ///< a record outside the replay window or sequence
  peer_alert,                   ///< the peer sent an alert: the handshake or session is over
  nonempty_first_payload,       ///< pk: message 1 carried a payload
  mutual_auth_not_negotiated,   ///< krb5: GSS_C_MUTUAL_FLAG missing from ret_flags
  truncation,                   ///< the stream ended, or a clear-text close/alert arrived, after
                                ///< the handshake without the peer's sealed close
  no_common_mechanism,          ///< negotiate: the acceptor accepts none of the offered mechanisms

  // --- identity (0x03xx) ---
  name_mismatch = 0x0300,   ///< a peer proved or asserted a name its credential does not bind
                            ///< (the server: not the name the client composed)
  untrusted_issuer,         ///< the certificate's CA is not in the trust store
  unknown_peer_key,         ///< a raw key that no pin maps to a principal
  wrong_certificate_type,   ///< host certificate from a client, user certificate from a server
  expired,                  ///< validity window ended
  not_yet_valid,            ///< validity window not yet begun
  revoked,                  ///< listed in a revocation list
  unauthorized,             ///< authenticated, but the authorization policy said no
  bad_signature,            ///< a signature that does not verify
  unsupported_key_type,     ///< a key or CA of another algorithm than the mechanism accepts
  no_principals,            ///< a certificate with an empty principal list
  unknown_critical_option,  ///< a certificate critical option we do not implement
  key_mismatch,             ///< the certificate's key is not the key that signed the proof
  target_rewritten,         ///< krb5: the authenticated target differs from the composed SPN

  // --- environment (0x04xx) ---
  kdc_unreachable = 0x0400,
  clock_skew,
  stale_keytab,
  wrong_key,
  unknown_service_principal,
  no_cross_realm_trust,
  no_credentials,
  encrypted_key_unsupported,
  io_error,
  mechanism_failure,  ///< a lower layer (GSS-API, libsodium init) failed otherwise

  // --- misuse (0x05xx) ---
  buffer_too_small =
      0x0500,              ///< the caller's buffer is short; error::required_size() says how long
  handshake_not_finished,  ///< finish() before the handshake reached done
  wrong_state,             ///< a call this state does not allow
  already_failed,          ///< reserved: the sticky error is returned instead
  invalid_argument,
  record_too_large,  ///< seal() of more than the record limit
  nonce_exhausted,   ///< 2^64-1 messages: rekey or start a new session
};

[[nodiscard]] constexpr error_category_id category_of(errc e) noexcept {
  return static_cast<error_category_id>(static_cast<std::uint16_t>(e) >> 8);
}

/// A stable short name per code, for logs and test diagnostics.
[[nodiscard]] constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::malformed: return "malformed input";
    case errc::truncated: return "input truncated";
    case errc::trailing_bytes: return "trailing bytes after the structure";
    case errc::too_large: return "field exceeds its bound";
    case errc::bad_encoding: return "bad encoding";
    case errc::name_empty: return "empty principal name";
    case errc::name_nul_byte: return "principal name contains a NUL byte";
    case errc::name_missing_service: return "principal name has no service class";
    case errc::name_bad_service: return "service class has invalid characters";
    case errc::name_empty_host: return "principal name has no host";
    case errc::name_single_label: return "single-label (NetBIOS-style) host name";
    case errc::name_ip_literal: return "IP address literal instead of a DNS name";
    case errc::name_wildcard: return "wildcard in host name";
    case errc::name_empty_label: return "empty label in host name";
    case errc::name_label_too_long: return "host name label longer than 63 octets";
    case errc::name_too_long: return "host name longer than 253 octets";
    case errc::name_bad_character: return "host name character outside letters, digits, hyphen";
    case errc::name_bad_port: return "bad port";
    case errc::name_bad_realm: return "bad realm";
    case errc::unexpected_message: return "unexpected message for this state";
    case errc::app_data_before_auth: return "application data before mutual authentication";
    case errc::too_many_messages: return "too many handshake messages";
    case errc::version_mismatch: return "peer speaks another protocol version";
    case errc::decrypt_failed: return "decryption or integrity check failed";
    case errc::replayed: return "replayed message";
    case errc::out_of_order: return "message out of order or too old";
    case errc::peer_alert: return "the peer sent an alert";
    case errc::nonempty_first_payload: return "first handshake message carried a payload";
    case errc::mutual_auth_not_negotiated: return "mutual authentication was not negotiated";
    case errc::truncation: return "session ended without the peer's sealed close";
    case errc::no_common_mechanism: return "no mechanism both sides accept";
    case errc::name_mismatch: return "name mismatch";
    case errc::untrusted_issuer: return "certificate issuer not trusted";
    case errc::unknown_peer_key: return "peer key not trusted";
    case errc::wrong_certificate_type: return "wrong certificate type for the role";
    case errc::expired: return "credential expired";
    case errc::not_yet_valid: return "credential not yet valid";
    case errc::revoked: return "credential revoked";
    case errc::unauthorized: return "peer not authorized";
    case errc::bad_signature: return "signature does not verify";
    case errc::unsupported_key_type: return "unsupported key type";
    case errc::no_principals: return "certificate lists no principals";
    case errc::unknown_critical_option: return "unknown critical option";
    case errc::key_mismatch: return "certificate key does not match the proof key";
    case errc::target_rewritten: return "authenticated target differs from the composed name";
    case errc::kdc_unreachable: return "KDC unreachable";
    case errc::clock_skew: return "clock skew too great";
    case errc::stale_keytab: return "keytab out of date";
    case errc::wrong_key: return "wrong key";
    case errc::unknown_service_principal: return "unknown service principal";
    case errc::no_cross_realm_trust: return "no cross-realm trust";
    case errc::no_credentials: return "no credentials";
    case errc::encrypted_key_unsupported: return "encrypted private key not supported";
    case errc::io_error: return "I/O error";
    case errc::mechanism_failure: return "mechanism failure";
    case errc::buffer_too_small: return "buffer too small";
    case errc::handshake_not_finished: return "handshake not finished";
    case errc::wrong_state: return "call not allowed in this state";
    case errc::already_failed: return "context already failed";
    case errc::invalid_argument: return "invalid argument";
    case errc::record_too_large: return "record too large";
    case errc::nonce_exhausted: return "nonce space exhausted";
  }
  return "unknown error";
}

[[nodiscard]] constexpr std::string_view to_string(error_category_id c) noexcept {
  switch (c) {
    case error_category_id::none: return "none";
    case error_category_id::malformed: return "malformed input";
    case error_category_id::protocol: return "protocol violation";
    case error_category_id::identity: return "identity";
    case error_category_id::environment: return "environment";
    case error_category_id::misuse: return "misuse";
  }
  return "unknown";
}

/// An error value: code, a bounded human detail (copied, truncated at max_detail), an optional
/// static hint and, for buffer_too_small, the size needed. Trivially copyable; never allocates.
class error {
 public:
#if MUTAUTH_ERROR_TEXT
  static constexpr std::size_t max_detail = 191;
#else
  static constexpr std::size_t max_detail = 0;
#endif

  constexpr error() noexcept = default;
  constexpr explicit error(errc code) noexcept : code_(code) {}
  /// `hint` MUST point to storage that outlives the error (a string literal): hints are static.
  constexpr error(errc code, std::string_view detail, const char* hint = nullptr) noexcept
      : code_(code) {
#if MUTAUTH_ERROR_TEXT
    hint_ = hint;
    set_detail(detail);
#else
    (void)detail;
    (void)hint;
#endif
  }

  [[nodiscard]] constexpr errc code() const noexcept { return code_; }
  [[nodiscard]] constexpr error_category_id category() const noexcept { return category_of(code_); }
#if MUTAUTH_ERROR_TEXT
  [[nodiscard]] constexpr std::string_view detail() const noexcept { return {detail_, len_}; }
  [[nodiscard]] constexpr std::string_view hint() const noexcept {
    return hint_ ? std::string_view(hint_) : std::string_view();
  }
  [[nodiscard]] constexpr std::string_view what() const noexcept {
    return len_ ? detail() : to_string(code_);
  }
#else
  [[nodiscard]] constexpr std::string_view detail() const noexcept { return {}; }
  [[nodiscard]] constexpr std::string_view hint() const noexcept { return {}; }
  [[nodiscard]] constexpr std::string_view what() const noexcept { return to_string(code_); }
#endif
  [[nodiscard]] constexpr std::size_t required_size() const noexcept { return required_; }
  constexpr error& with_required_size(std::size_t n) noexcept {
    required_ = static_cast<decltype(required_)>(n);
    return *this;
  }
  constexpr error& with_hint(const char* h) noexcept {
#if MUTAUTH_ERROR_TEXT
    hint_ = h;
#else
    (void)h;
#endif
    return *this;
  }
  /// Appends to the detail text (truncating at max_detail); used to add context as an error
  /// travels up ("identity proof: " + "signature does not verify"). Bytes outside printable
  /// ASCII are written as \xHH: details quote peers and lower layers (a Kerberos ticket's
  /// server name, a certificate's key id), and a detail must be safe to log as it is.
  constexpr error& append(std::string_view more) noexcept {
#if MUTAUTH_ERROR_TEXT
    constexpr char hex[] = "0123456789abcdef";
    for (char c : more) {
      if (c >= ' ' && c <= '~') {
        if (len_ >= max_detail) break;
        detail_[len_++] = c;
      } else {
        if (std::size_t{len_} + 4 > max_detail) break;
        const auto u = static_cast<unsigned char>(c);
        detail_[len_++] = '\\';
        detail_[len_++] = 'x';
        detail_[len_++] = hex[u >> 4];
        detail_[len_++] = hex[u & 0xF];
      }
    }
    detail_[len_] = '\0';
#else
    (void)more;
#endif
    return *this;
  }
  constexpr explicit operator bool() const noexcept { return code_ != errc::ok; }
  friend constexpr bool operator==(const error& a, errc b) noexcept { return a.code_ == b; }

 private:
#if MUTAUTH_ERROR_TEXT
  constexpr void set_detail(std::string_view d) noexcept {
    len_ = 0;
    append(d);
  }
  errc code_ = errc::ok;
  std::uint8_t len_ = 0;
  const char* hint_ = nullptr;
  std::size_t required_ = 0;
  char detail_[max_detail + 1] = {};
#else
  errc code_ = errc::ok;
  // buffer_too_small's size: record and token sizes are below 2^32 on every target.
  std::uint32_t required_ = 0;
#endif
};

/// An error as one line of text, the way logs and the `mutauth` tool print it: the code's name,
/// then ": " and the detail, or the detail alone when it already says the name as one of its
/// phrases (at its start, or after a context such as "identity certificate: "), so that no name
/// is printed twice ("single-label (NetBIOS-style) host name; ..." rather than
/// "single-label (NetBIOS-style) host name: single-label (NetBIOS-style) host name; ...").
/// The hint is not part of it: print it on a line of its own. Bounded, no heap.
class error_message {
 public:
  static constexpr std::size_t max_name = 64;  ///< longest to_string(errc), checked by the tests
  static constexpr std::size_t capacity = max_name + 2 + error::max_detail;

  constexpr explicit error_message(const error& e) noexcept {
    const std::string_view name = to_string(e.code());
    const std::string_view detail = e.detail();
    if (detail.empty()) {
      add(name);
    } else if (says_name(detail, name)) {
      add(detail);
    } else {
      add(name);
      add(": ");
      add(detail);
    }
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {text_, len_}; }
  [[nodiscard]] constexpr const char* c_str() const noexcept { return text_; }

 private:
  // Whether a phrase of the detail (its start, or what follows ": " or "; ") is the name, in
  // any case, as a whole phrase: "bad portion" does not say "bad port".
  [[nodiscard]] static constexpr bool says_name(std::string_view detail,
                                                std::string_view name) noexcept {
    if (begins_with_name(detail, name)) return true;
    for (std::size_t i = 0; i + 2 < detail.size(); ++i) {
      if ((detail[i] == ':' || detail[i] == ';') && detail[i + 1] == ' ' &&
          begins_with_name(detail.substr(i + 2), name))
        return true;
    }
    return false;
  }
  [[nodiscard]] static constexpr bool begins_with_name(std::string_view detail,
                                                       std::string_view name) noexcept {
    if (name.empty() || detail.size() < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char a = detail[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      if (a != b) return false;
    }
    if (detail.size() == name.size()) return true;
    const char next = detail[name.size()];
    return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
             (next >= '0' && next <= '9'));
  }
  constexpr void add(std::string_view s) noexcept {
    for (char c : s) {
      if (len_ >= capacity) break;
      text_[len_++] = c;
    }
    text_[len_] = '\0';
  }
  char text_[capacity + 1] = {};
  std::size_t len_ = 0;
};

/// Shorthand for error_message(e).
[[nodiscard]] constexpr error_message message(const error& e) noexcept { return error_message(e); }

/// result<T>: a T or an error. Accessing the wrong alternative is a contract violation that
/// traps (no exceptions are thrown, so the header works under -fno-exceptions).
template <class T>
class [[nodiscard]] result {
  static_assert(std::is_nothrow_move_constructible_v<T>, "result<T> needs a noexcept move");

 public:
  using value_type = T;
  constexpr result(T&& v) noexcept : ok_(true) {
    ::new (static_cast<void*>(&val_)) T(std::move(v));
  }
  constexpr result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) : ok_(true) {
    ::new (static_cast<void*>(&val_)) T(v);
  }
  constexpr result(const error& e) noexcept : ok_(false), err_(e) {}
  constexpr result(errc c) noexcept : ok_(false), err_(c) {}
  /// Builds the value in place from `a...` (T{a...}), so that a large value returned through a
  /// result is not first built as a temporary beside it (docs/embedded.md, "Sizes").
  template <class... A>
  explicit result(std::in_place_t, A&&... a) noexcept : ok_(true) {
    ::new (static_cast<void*>(&val_)) T{static_cast<A&&>(a)...};
  }
  result(result&& o) noexcept : ok_(o.ok_) {
    if (ok_) ::new (static_cast<void*>(&val_)) T(std::move(o.val_));
    else ::new (static_cast<void*>(&err_)) error(o.err_);
  }
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  result& operator=(result&& o) noexcept {
    if (this != &o) {
      destroy();
      ok_ = o.ok_;
      if (ok_) ::new (static_cast<void*>(&val_)) T(std::move(o.val_));
      else ::new (static_cast<void*>(&err_)) error(o.err_);
    }
    return *this;
  }
  ~result() { destroy(); }

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] T& value() & noexcept {
    check(ok_);
    return val_;
  }
  [[nodiscard]] const T& value() const& noexcept {
    check(ok_);
    return val_;
  }
  [[nodiscard]] T&& value() && noexcept {
    check(ok_);
    return std::move(val_);
  }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T&& operator*() && noexcept { return std::move(*this).value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }
  [[nodiscard]] const error& error_value() const noexcept {
    check(!ok_);
    return err_;
  }
  /// The error code, errc::ok when a value is held.
  [[nodiscard]] errc code() const noexcept { return ok_ ? errc::ok : err_.code(); }

 private:
  static void check(bool c) noexcept {
    if (!c) __builtin_trap();
  }
  void destroy() noexcept {
    if (ok_) val_.~T();
  }
  bool ok_;
  union {
    T val_;
    error err_;
  };
};

template <>
class [[nodiscard]] result<void> {
 public:
  constexpr result() noexcept = default;
  constexpr result(const error& e) noexcept : err_(e) {}
  constexpr result(errc c) noexcept : err_(c) {}
  [[nodiscard]] constexpr bool has_value() const noexcept { return !err_; }
  constexpr explicit operator bool() const noexcept { return !err_; }
  [[nodiscard]] const error& error_value() const noexcept {
    if (!err_) __builtin_trap();
    return err_;
  }
  [[nodiscard]] errc code() const noexcept { return err_.code(); }

 private:
  error err_{};
};

/// Shorthand for a successful result<void>.
[[nodiscard]] constexpr result<void> ok() noexcept { return {}; }

}  // namespace v0
}  // namespace mutauth

/// Propagates the error of a result expression; otherwise yields nothing.
#define MUTAUTH_TRY(expr)                                     \
  do {                                                        \
    auto&& mutauth_try_r_ = (expr);                           \
    if (!mutauth_try_r_) return mutauth_try_r_.error_value(); \
  } while (0)
