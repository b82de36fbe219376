// mutauth-pk — OpenSSH certificates (`ssh-ed25519-cert-v01@openssh.com`, OpenSSH
// PROTOCOL.certkeys) as `ssh-keygen -s` writes them: a strict parser giving a view over the blob,
// and the verifier the handshake runs for each role (docs/design.md §4).
//
// Wire format (PROTOCOL.certkeys, "ED25519 certificate"; RFC 4251 §5 types):
//   string "ssh-ed25519-cert-v01@openssh.com" | string nonce | string pk | uint64 serial |
//   uint32 type | string key id | string valid principals | uint64 valid after |
//   uint64 valid before | string critical options | string extensions | string reserved |
//   string signature key | string signature
// The signature covers every byte before the signature field.
//
// What is refused, and why (each with its own errc):
//   * a blob over max_certificate_size (limits.hpp; 4096 bytes unless the build says otherwise),
//     any length beyond what is left, trailing bytes (malformed family);
//   * another certificate key type, a CA (signature key) or CA signature that is not Ed25519
//     (unsupported_key_type; docs/design.md §4: CA key Ed25519 only);
//   * more than 256 principals, a key id over 127 bytes (the Principal it is copied into), a
//     non-empty reserved field, options out of lexical order or repeated (the spec's "must");
//   * at verification: see verify_host_certificate() / verify_user_certificate().
#pragma once

#include <sodium.h>

#include <algorithm>    // std::copy
#include <array>        // principal views
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <span>         // views over the blob
#include <string_view>  // principals, key id

#include "mutauth/bytes.hpp"
#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/detail/ssh_reader.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/limits.hpp"
#include "mutauth/mech/pk/trust.hpp"
#include "mutauth/mech/pk/verify_cache.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

/// The only certificate type accepted (PROTOCOL.certkeys).
inline constexpr std::string_view ed25519_cert_type = "ssh-ed25519-cert-v01@openssh.com";
// max_certificate_size (limits.hpp): the largest certificate accepted, the identity proof's
// credential bound. A typical ssh-keygen certificate is 300–500 bytes.
/// At most 256 principals, and never more than a certificate of the size limit could hold (each
/// takes at least its 4-byte length), so the parse buffer shrinks with the limit.
inline constexpr std::size_t max_certificate_principals =
    max_certificate_size / 4 < 256 ? max_certificate_size / 4 : 256;
/// Longest key id kept: the capacity of Principal::key_id.
inline constexpr std::size_t max_certificate_key_id = 127;
/// Longest principal: the longest service principal text, so any principal fits Principal::name.
inline constexpr std::size_t max_certificate_principal = ServicePrincipal::max_text;
inline constexpr std::size_t max_certificate_nonce = 256;

/// PROTOCOL.certkeys SSH_CERT_TYPE_USER / SSH_CERT_TYPE_HOST.
enum class certificate_type : std::uint32_t { user = 1, host = 2 };

/// One critical option or extension: string name | string data (PROTOCOL.certkeys).
struct CertificateOption {
  std::string_view name{};
  bytes_view data{};
};

/// Iterates an encoded option list (critical options or extensions) that parse_certificate()
/// has validated.
class CertificateOptions {
 public:
  constexpr CertificateOptions() noexcept = default;
  explicit CertificateOptions(bytes_view encoded) noexcept : r_(encoded) {}
  /// The next option, or false at the end.
  bool next(CertificateOption& out) noexcept {
    if (r_.at_end()) return false;
    const std::string_view name = r_.read_text(max_certificate_size);
    const bytes_view data = r_.read_string(max_certificate_size);
    if (r_.failed()) return false;
    out = {name, data};
    return true;
  }
  [[nodiscard]] bool empty() const noexcept { return r_.at_end(); }

 private:
  detail::ssh_reader r_{};
};

/// The principals of a certificate that parse_certificate() has validated: a view of their
/// encoded list in the blob (PROTOCOL.certkeys: a string of strings), iterated in place. It
/// replaces an array of 256 string_views (2-4 KB on the stack of every parse, docs/embedded.md
/// "Sizes"); size() is kept, operator[] walks the list.
class CertificatePrincipals {
 public:
  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    constexpr iterator() noexcept = default;
    explicit iterator(bytes_view rest) noexcept : r_(rest) { advance(); }
    [[nodiscard]] std::string_view operator*() const noexcept { return cur_; }
    iterator& operator++() noexcept {
      advance();
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator t = *this;
      advance();
      return t;
    }
    [[nodiscard]] friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.end_ == b.end_ && (a.end_ || a.cur_.data() == b.cur_.data());
    }

   private:
    void advance() noexcept {
      end_ = r_.at_end();
      cur_ = end_ ? std::string_view() : r_.read_text(max_certificate_size);
      end_ = end_ || r_.failed();
    }
    detail::ssh_reader r_{};
    std::string_view cur_{};
    bool end_ = true;
  };

  constexpr CertificatePrincipals() noexcept = default;
  CertificatePrincipals(bytes_view encoded, std::size_t count) noexcept
      : encoded_(encoded), count_(count) {}
  [[nodiscard]] iterator begin() const noexcept { return iterator(encoded_); }
  [[nodiscard]] iterator end() const noexcept { return iterator(); }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::string_view operator[](std::size_t i) const noexcept {
    iterator it = begin();
    while (i-- > 0) ++it;
    return *it;
  }

 private:
  bytes_view encoded_{};
  std::size_t count_ = 0;
};

/// A parsed certificate: views into the blob, which MUST outlive the view.
struct CertificateView {
  bytes_view blob{};  ///< the whole certificate
  bytes_view nonce{};
  Ed25519PublicKey key{};    ///< the certified key: the identity proof must be signed by it
  std::uint64_t serial = 0;  ///< 0: the CA does not number its certificates
  certificate_type type = certificate_type::user;
  std::string_view key_id{};
  std::uint64_t valid_after = 0;  ///< seconds since the epoch; valid if after <= now < before
  std::uint64_t valid_before = 0;
  bytes_view critical_options{};     ///< encoded list; iterate with CertificateOptions
  bytes_view extensions{};           ///< encoded list; iterate with CertificateOptions
  bytes_view reserved{};             ///< always empty (non-empty is refused)
  Ed25519PublicKey signature_key{};  ///< the CA key
  bytes_view signature_key_blob{};
  bytes_view signature{};       ///< the raw 64-byte Ed25519 signature
  bytes_view signed_data{};     ///< every byte the CA signed
  bytes_view principal_list{};  ///< the encoded list; iterate with principals()
  std::size_t principal_count = 0;

  [[nodiscard]] CertificatePrincipals principals() const noexcept {
    return CertificatePrincipals(principal_list, principal_count);
  }
};

namespace detail {

// PROTOCOL.certkeys leaves the character set open; we keep names loggable and unambiguous:
// printable ASCII, no space (principals) or printable ASCII with space (key id).
inline bool cert_text_ok(std::string_view s, bool allow_space) noexcept {
  for (char c : s) {
    if (c == ' ' && allow_space) continue;
    if (!mutauth::detail::ascii_is_graph(c)) return false;
  }
  return true;
}

// "Options must be lexically ordered by name if they appear in the sequence. Each named option
// may only appear once in a certificate." (PROTOCOL.certkeys, Critical options / Extensions)
inline void check_option_list(bytes_view list, std::string_view what, error& first) noexcept {
  std::string_view prev{};
  bool any = false;
  for (ssh_reader r(list, first); !r.at_end(); any = true) {
    const std::string_view name = r.read_text(max_certificate_size, what);
    (void)r.read_string(max_certificate_size, what);
    r.check(!name.empty() && cert_text_ok(name, false), [&] {
      error e(errc::bad_encoding, "certificate ");
      return e.append(what).append(": empty or non-printable option name");
    });
    r.check(!any || prev < name, [&] {
      error e(errc::bad_encoding, "certificate ");
      e.append(what).append(": options out of lexical order or repeated at '");
      append_printable(e, name).append("'");
      return e;
    });
    prev = name;
  }
}

inline error not_ed25519_ca(std::string_view what, std::string_view type) noexcept {
  error e(errc::unsupported_key_type, what);
  append_printable(e, type).append(" (only ssh-ed25519 certificate authorities are supported)");
  e.with_hint("make the CA with ssh-keygen -t ed25519");
  return e;
}

}  // namespace detail

/// Strict parse of a certificate blob (the base64-decoded second field of a `-cert.pub` line).
/// Structure only: nothing here says the certificate is trusted or valid.
[[nodiscard]] inline result<CertificateView> parse_certificate(bytes_view blob) noexcept {
  if (blob.size() > max_certificate_size)
    return error(errc::too_large, detail::certificate_too_large);
  error first;
  detail::ssh_reader r(blob, first);
  CertificateView c;
  c.blob = blob;
  const std::string_view type = r.read_text(64, "certificate type");
  r.check(type == ed25519_cert_type, [&] {
    error e(
        type.ends_with("-cert-v01@openssh.com") ? errc::unsupported_key_type : errc::bad_encoding,
        "not an ssh-ed25519-cert-v01@openssh.com certificate: ");
    detail::append_printable(e, type);
    return e;
  });
  c.nonce = r.read_string(max_certificate_nonce, "certificate nonce");
  const bytes_view key = r.read_string_of(32, "certificate key", "certificate key is not 32 bytes");
  std::copy(key.begin(), key.end(), c.key.bytes.begin());
  c.serial = r.read_u64("certificate serial");
  const std::uint32_t ctype = r.read_u32("certificate type");
  r.check(ctype == 1 || ctype == 2, errc::bad_encoding,
          "certificate type is neither user (1) nor host (2)");
  c.type = static_cast<certificate_type>(ctype);
  c.key_id = r.read_text(max_certificate_key_id, "certificate key id");
  r.check(detail::cert_text_ok(c.key_id, true), errc::bad_encoding,
          "certificate key id has non-printable characters");

  c.principal_list = r.read_string(max_certificate_size, "certificate principals");
  for (detail::ssh_reader pr(c.principal_list, first); !pr.at_end(); ++c.principal_count) {
    pr.check(c.principal_count < max_certificate_principals, errc::too_large,
             "certificate lists more than 256 principals");
    const std::string_view p = pr.read_text(max_certificate_principal, "certificate principal");
    pr.check(!p.empty() && detail::cert_text_ok(p, false), errc::bad_encoding,
             "certificate principal is empty or not printable ASCII");
  }

  c.valid_after = r.read_u64("certificate valid after");
  c.valid_before = r.read_u64("certificate valid before");
  c.critical_options = r.read_string(max_certificate_size, "certificate critical options");
  detail::check_option_list(c.critical_options, "critical options", first);
  c.extensions = r.read_string(max_certificate_size, "certificate extensions");
  detail::check_option_list(c.extensions, "extensions", first);
  c.reserved = r.read_string(max_certificate_size, "certificate reserved field");
  // "currently unused and is ignored": we refuse content instead, so a future meaning that
  // restricts the certificate cannot be silently dropped (fail closed).
  r.check(c.reserved.empty(), errc::bad_encoding, "certificate reserved field is not empty");

  c.signature_key_blob = r.read_string(max_certificate_size, "certificate signature key");
  {
    detail::ssh_reader kr(c.signature_key_blob, first);
    const std::string_view kt = kr.read_text(64, "CA key type");
    // Also refuses "chained" certificates (a certificate as CA key), which PROTOCOL.certkeys
    // says are not supported.
    kr.check(kt == ed25519_key_type, [&] { return detail::not_ed25519_ca("CA key type ", kt); });
    c.signature_key = detail::read_blob(detail::ssh_reader(c.signature_key_blob, first));
  }
  c.signed_data = blob.first(r.position());

  {
    // RFC 8709 §6: string "ssh-ed25519" | string signature (64 bytes).
    detail::ssh_reader sr(r.read_string(max_certificate_size, "certificate signature"), first);
    const std::string_view st = sr.read_text(64, "CA signature type");
    sr.check(st == ed25519_key_type,
             [&] { return detail::not_ed25519_ca("CA signature type ", st); });
    c.signature = sr.read_string_of(64, "CA signature", "CA signature is not 64 bytes");
    sr.expect_end("CA signature");
  }
  r.expect_end("certificate");
  if (first) return first;
  return c;
}

/// What a verified certificate proves. Views into the certificate blob.
struct VerifiedCertificate {
  Ed25519PublicKey key{};        ///< the certified key; the proof signature must verify under it
  std::string_view principal{};  ///< the certificate principal that matched
  std::string_view key_id{};
  std::uint64_t serial = 0;
};

namespace detail {

// ssh_config(5) PATTERNS: '*' matches zero or more characters, '?' exactly one; ASCII
// case-insensitive, as host names compare (RFC 4343). Iterative, with one backtrack point:
// O(pattern * text) in the worst case, both bounded by the caller.
inline bool wildcard_match(std::string_view pat, std::string_view text) noexcept {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pat.size() && (pat[p] == '?' || mutauth::detail::ascii_to_lower(pat[p]) ==
                                                mutauth::detail::ascii_to_lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

/// A comma-separated pattern list against `host` (ssh_config(5) PATTERNS): true if some
/// positive pattern matches and no negated one does.
inline bool host_list_matches(std::string_view list, std::string_view host) noexcept {
  bool positive = false;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view pat = comma == std::string_view::npos ? list : list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    const bool negated = !pat.empty() && pat.front() == '!';
    if (negated) pat.remove_prefix(1);
    if (pat.empty()) continue;
    if (wildcard_match(pat, host)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/// Exact membership in a comma-separated list (sshd's principals="..." option).
inline bool in_comma_list(std::string_view list, std::string_view name) noexcept {
  while (true) {
    const std::size_t comma = list.find(',');
    if ((comma == std::string_view::npos ? list : list.substr(0, comma)) == name) return true;
    if (comma == std::string_view::npos) return false;
    list = list.substr(comma + 1);
  }
}

/// Appends "YYYY-MM-DDTHH:MM:SSZ" for `t` seconds after the epoch (proleptic Gregorian, UTC),
/// or "forever" for the all-ones "valid before" ssh-keygen writes for no expiry.
inline void append_time(error& e, std::uint64_t t) noexcept {
  if (t == ~std::uint64_t{0}) {
    e.append("forever");
    return;
  }
  // Civil-from-days (H. Hinnant's public-domain algorithm), valid far beyond year 9999.
  const std::uint64_t secs = t % 86400;
  std::int64_t z = static_cast<std::int64_t>(t / 86400) + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  mutauth::detail::fixed_string<40> s;
  auto two = [&s](std::int64_t v) noexcept {
    (void)s.push_back(static_cast<char>('0' + v / 10));
    (void)s.push_back(static_cast<char>('0' + v % 10));
  };
  (void)s.append_uint(static_cast<std::uint64_t>(y));
  (void)s.push_back('-');
  two(m);
  (void)s.push_back('-');
  two(d);
  (void)s.push_back('T');
  two(static_cast<std::int64_t>(secs / 3600));
  (void)s.push_back(':');
  two(static_cast<std::int64_t>(secs / 60 % 60));
  (void)s.push_back(':');
  two(static_cast<std::int64_t>(secs % 60));
  (void)s.push_back('Z');
  e.append(s.view());
}

inline void append_principals(error& e, const CertificateView& c) noexcept {
  e.append(" (certificate principals: ");
  bool first = true;
  for (std::string_view p : c.principals()) {
    if (!first) e.append(",");
    first = false;
    append_printable(e, p);
  }
  e.append(")");
}

// PROTOCOL.certkeys: valid if valid_after <= now < valid_before; we allow `skew` seconds on
// each side for clocks that disagree. Written without overflow for valid_before = 2^64-1.
inline result<void> check_validity(const CertificateView& c, std::uint64_t now,
                                   std::uint64_t skew) noexcept {
  // An empty window is valid at no time; the skew allowance must not open it.
  if (c.valid_after >= c.valid_before) {
    error e(errc::expired, "certificate has an empty validity window (valid after ");
    append_time(e, c.valid_after);
    e.append(", before ");
    append_time(e, c.valid_before);
    return e.append(")");
  }
  if (c.valid_after > now && c.valid_after - now > skew) {
    error e(errc::not_yet_valid, "certificate is valid only from ");
    append_time(e, c.valid_after);
    e.append("; now is ");
    append_time(e, now);
    return e.with_hint("check both clocks, or the certificate's -V window");
  }
  if (now >= c.valid_before && now - c.valid_before >= skew) {
    error e(errc::expired, "certificate expired at ");
    append_time(e, c.valid_before);
    e.append("; now is ");
    append_time(e, now);
    return e.with_hint("issue a new certificate (ssh-keygen -s)");
  }
  return ok();
}

// PROTOCOL.certkeys: "an implementation must refuse to authorise a key that has an unrecognised
// option". mutauth implements none: force-command and source-address are about shell sessions
// and client addresses, which this layer cannot honour, so a certificate that carries one is
// refused rather than half-honoured.
inline result<void> check_critical_options(const CertificateView& c) noexcept {
  CertificateOptions it(c.critical_options);
  CertificateOption o;
  if (!it.next(o)) return ok();
  error e(errc::unknown_critical_option, "certificate has critical option '");
  append_printable(e, o.name).append("', which mutauth does not implement");
  return e.with_hint("issue the certificate without -O force-command / -O source-address");
}

inline result<void> check_revocation(const CertificateView& c, const Krl* krl) noexcept {
  if (krl == nullptr) return ok();
  MUTAUTH_TRY(krl->check_certificate(c.signature_key, c.serial, c.key_id));
  MUTAUTH_TRY(krl->check_key(c.key, "certificate key"));
  return krl->check_key(c.signature_key, "CA key");
}

inline result<void> check_ca_signature(const CertificateView& c) noexcept {
  if (crypto_sign_ed25519_verify_detached(c.signature.data(), c.signed_data.data(),
                                          c.signed_data.size(), c.signature_key.bytes.data()) != 0)
    return error(errc::bad_signature, "CA signature on the certificate does not verify");
  return ok();
}

// The CA signature through the optional cache (verify_cache.hpp): called last, after every other
// check of §11.3 / §11.4 passed, so a hit only ever replaces this one verification, and only a
// signature that verified is remembered.
inline result<void> check_ca_signature(const CertificateView& c, VerifyCache* cache) noexcept {
  if (cache == nullptr) return check_ca_signature(c);
  const auto d = verify_cache_access::digest_of(c.blob);
  if (verify_cache_access::lookup(*cache, d, c.signature_key)) return ok();
  MUTAUTH_TRY(check_ca_signature(c));
  verify_cache_access::insert(*cache, d, c.signature_key);
  return ok();
}

inline bool same_key(const Ed25519PublicKey& a, const Ed25519PublicKey& b) noexcept {
  return sodium_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
}

// `svc/host[:port]` against the target: the service class exactly, the host (and port)
// ASCII case-insensitively (RFC 4343), with no wildcards (docs/design.md §3).
inline bool names_target(std::string_view p, std::string_view want) noexcept {
  const std::size_t slash = want.find('/');
  if (p.size() != want.size() || p.substr(0, slash + 1) != want.substr(0, slash + 1)) return false;
  return mutauth::detail::ascii_iequal(p.substr(slash + 1), want.substr(slash + 1));
}

}  // namespace detail

/// Verifies a server's certificate for `target` (docs/design.md §4 order, after the strict parse):
/// issuer in trust store (CA key equal and its host patterns match target.host(); else
/// untrusted_issuer) → host certificate (wrong_certificate_type) → validity (expired /
/// not_yet_valid) → principals (no_principals; name_mismatch) → critical options
/// (unknown_critical_option) → revocation (revoked) → CA signature (bad_signature; skipped when
/// trust.cert_cache remembers this very certificate verified under this CA, verify_cache.hpp).
/// The caller then verifies the proof signature with the returned key.
///
/// Principals match docs/design.md §3: the certificate lists `svc/host` (`svc/host:port` when the target
/// has a port) exactly, or the bare host name `host`, which stands for `host/<host>` and — only
/// with trust.allow_host_wide_credentials — for every service class and port on that host.
[[nodiscard]] inline result<VerifiedCertificate> verify_host_certificate(
    const CertificateView& c, const ServicePrincipal& target, const ServerTrust& trust) noexcept {
  bool known_ca = false, trusted = false;
  for (const HostCertAuthority& ca : trust.authorities) {
    if (!detail::same_key(ca.key, c.signature_key)) continue;
    known_ca = true;
    if (detail::host_list_matches(ca.host_patterns, target.host())) trusted = true;
  }
  if (!trusted) {
    // Worded by role: the type is checked after the issuer (docs/design.md §4), so this may be a user
    // certificate a server presented.
    error e(errc::untrusted_issuer, "certificate signed by CA ");
    e.append(fingerprint(c.signature_key).view());
    e.append(known_ca ? ", which is not trusted for host "
                      : ", which is not a trusted host CA (for host ");
    e.append(target.host());
    if (!known_ca) e.append(")");
    return e.with_hint("add an @cert-authority line for the CA to the known_hosts trust file");
  }
  if (c.type != certificate_type::host)
    return error(errc::wrong_certificate_type,
                 "the server presented a user certificate; servers must present host certificates",
                 "sign the server's key with ssh-keygen -s ca -h");
  MUTAUTH_TRY(detail::check_validity(c, detail::now(trust.now), trust.clock_skew));
  if (c.principal_count == 0)
    return error(errc::no_principals,
                 "host certificate lists no principals (OpenSSH would take it as valid for any "
                 "host: CVE-2024-7594); refused",
                 "sign with ssh-keygen -n <names>");
  const auto want = target.pk_name();
  std::string_view matched{};
  for (std::string_view p : c.principals()) {
    if (detail::names_target(p, want.view())) {
      matched = p;
      break;
    }
    const bool bare = p.find('/') == std::string_view::npos;
    if (bare && mutauth::detail::ascii_iequal(p, target.host()) &&
        ((target.service() == "host" && !target.has_port()) || trust.allow_host_wide_credentials)) {
      matched = p;
      break;
    }
  }
  if (matched.empty()) {
    error e(errc::name_mismatch, "host certificate does not name ");
    e.append(want.view());
    detail::append_principals(e, c);
    bool host_wide = false;
    for (std::string_view p : c.principals())
      host_wide = host_wide || mutauth::detail::ascii_iequal(p, target.host());
    if (host_wide && !trust.allow_host_wide_credentials)
      e.with_hint(
          "the certificate names the host only; set ServerTrust::allow_host_wide_credentials "
          "to accept it for every service on that host");
    return e;
  }
  MUTAUTH_TRY(detail::check_critical_options(c));
  MUTAUTH_TRY(detail::check_revocation(c, trust.revoked));
  MUTAUTH_TRY(detail::check_ca_signature(c, trust.cert_cache));
  return VerifiedCertificate{c.key, matched, c.key_id, c.serial};
}

/// Verifies a client's certificate for the principal the client asserts, `requested`
/// (docs/protocol/mutauth-pk.md §11.4, §14.2 order, after the strict parse): issuer in trust store
/// (untrusted_issuer) → user certificate (wrong_certificate_type) → validity → principals
/// (no_principals; name_mismatch unless `requested` is among the certificate's principals and,
/// where a CA entry has a principals="..." list, in that list too) → critical options →
/// revocation → CA signature (through trust.cert_cache when set, as for hosts).
///
/// This is OpenSSH's rule (sshd(8) AUTHORIZED_KEYS FILE FORMAT, "cert-authority" and
/// "principals="): the user names the account it logs in as and the certificate must list it;
/// the server never picks a name for the client. Entries for the same CA are tried in
/// trust-store order, and one that admits `requested` is enough.
[[nodiscard]] inline result<VerifiedCertificate> verify_user_certificate(
    const CertificateView& c, const ClientTrust& trust, std::string_view requested) noexcept {
  bool known_ca = false;
  for (const UserCertAuthority& ca : trust.authorities)
    known_ca = known_ca || detail::same_key(ca.key, c.signature_key);
  if (!known_ca) {
    error e(errc::untrusted_issuer, "certificate signed by CA ");
    e.append(fingerprint(c.signature_key).view());
    e.append(", which is not a trusted user CA");
    return e.with_hint("add a cert-authority line for the CA to the authorized_keys trust file");
  }
  if (c.type != certificate_type::user)
    return error(errc::wrong_certificate_type,
                 "the client presented a host certificate; clients must present user certificates",
                 "sign the client's key with ssh-keygen -s ca (without -h)");
  MUTAUTH_TRY(detail::check_validity(c, detail::now(trust.now), trust.clock_skew));
  if (c.principal_count == 0)
    return error(errc::no_principals,
                 "user certificate lists no principals (OpenSSH would take it as valid for any "
                 "user: CVE-2024-7594); refused",
                 "sign with ssh-keygen -n <user>");
  std::string_view matched{};
  for (std::string_view p : c.principals())
    if (!requested.empty() && p == requested) matched = p;
  // name_mismatch, not unauthorized: these checks run before any signature (the order above),
  // and errc::unauthorized — with its alert — is kept for the authorization policy's refusal of
  // a fully verified client (docs/protocol/mutauth-pk.md §16).
  if (matched.empty()) {
    error e(errc::name_mismatch, "the client asserts principal ");
    detail::append_printable(e, requested);
    e.append(", which its certificate does not list");
    detail::append_principals(e, c);
    return e.with_hint(
        "assert one of the certificate's principals, or sign a certificate with ssh-keygen -n "
        "<name>");
  }
  bool allowed = false;
  for (const UserCertAuthority& ca : trust.authorities) {
    if (!detail::same_key(ca.key, c.signature_key)) continue;
    if (ca.principals.empty() || detail::in_comma_list(ca.principals, matched)) allowed = true;
  }
  if (!allowed) {
    error e(errc::name_mismatch, "principal ");
    detail::append_printable(e, matched);
    e.append(" is not in the principals= list of this CA's cert-authority entry");
    return e;
  }
  MUTAUTH_TRY(detail::check_critical_options(c));
  MUTAUTH_TRY(detail::check_revocation(c, trust.revoked));
  MUTAUTH_TRY(detail::check_ca_signature(c, trust.cert_cache));
  return VerifiedCertificate{c.key, matched, c.key_id, c.serial};
}

/// Decodes one `ssh-ed25519-cert-v01@openssh.com AAAA... [comment]` line (a `-cert.pub` file)
/// into `out` and parses it strictly. Returns the blob (a prefix of `out`).
[[nodiscard]] inline result<bytes_view> parse_certificate_line(std::string_view line,
                                                               bytes_span out) noexcept {
  line = detail::trim_line(line);
  if (detail::has_control(line))
    return error(errc::malformed, "control character or second line in a certificate file");
  const detail::key_line fields = detail::split_key_line(line);
  const std::string_view type = fields.type, b64 = fields.data;
  if (type != ed25519_cert_type) {
    error e(errc::unsupported_key_type, "not an ssh-ed25519-cert-v01@openssh.com line: ");
    detail::append_printable(e, type);
    return e;
  }
  if (b64.empty()) return error(errc::malformed, "no certificate data after the type");
  if (b64.size() > (max_certificate_size + 2) / 3 * 4)
    return error(errc::too_large, detail::certificate_too_large);
  const std::size_t cap = out.size() < max_certificate_size ? out.size() : max_certificate_size;
  // The exact decoded length (RFC 4648 §4: padding removes one byte per '='), so a buffer that is
  // short by a byte or two is reported as such, not as bad base64.
  std::size_t pad = 0;
  while (pad < 2 && pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
  if (b64.size() % 4 == 0 && b64.size() / 4 * 3 - pad > cap)
    return error(errc::buffer_too_small, "certificate buffer too small")
        .with_required_size(max_certificate_size);
  std::size_t n = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), cap, b64.data(), b64.size(), nullptr, &n, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size())
    return error(errc::bad_encoding, "certificate data is not valid base64");
  const bytes_view blob(out.data(), n);
  auto c = parse_certificate(blob);  // also checks the type inside equals the type in the text
  if (!c) return c.error_value();
  return blob;
}

/// Reads an OpenSSH `*-cert.pub` file into `out` (caller storage, e.g. a
/// std::array<std::uint8_t, max_certificate_size>); see parse_certificate_line. No heap.
[[nodiscard]] inline result<bytes_view> load_certificate_file(const char* path,
                                                              bytes_span out) noexcept {
  std::array<char, max_key_file_size + 1> buf{};
  auto n = detail::read_small_file(path, buf, false);
  if (!n) return n.error_value();
  return parse_certificate_line({buf.data(), *n}, out);
}

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
