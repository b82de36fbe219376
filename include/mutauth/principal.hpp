// mutauth — principal names (docs/design.md §3).
// ServicePrincipal is the name a client composes for the service it wants (G2); Principal is an
// identity a mechanism has proven. Both are fixed-capacity and allocation-free; parsing is purely
// syntactic: no DNS lookups, no reverse DNS, no canonicalization through DNS (docs/design.md §3), because
// anything DNS says is attacker-influenced and must never change whom we authenticate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/error.hpp"

// MUTAUTH_NAME_CAPACITY (default 0: the full limits of docs/design.md §3, a 253-character host and
// a 255-character realm) caps the storage of a host name and a realm for the whole program, like
// MUTAUTH_SESSION_NAME_BYTES (session.hpp): a firmware that talks to a few short names sets e.g. 64,
// and ServicePrincipal, Principal and the pk proof buffers shrink with it (docs/embedded.md,
// "Sizes"). A longer name is refused with errc::too_large, never truncated; every other rule is
// unchanged. It changes those types' layout, so every translation unit must agree. It is meant for
// pk-only builds: a Kerberos build keeps the default (GSS-API names are not bounded by it).
#ifndef MUTAUTH_NAME_CAPACITY
#define MUTAUTH_NAME_CAPACITY 0
#endif

namespace mutauth {
inline namespace v0 {
namespace detail {

[[nodiscard]] constexpr std::size_t name_capacity(
    std::size_t full, std::size_t cap = MUTAUTH_NAME_CAPACITY) noexcept {
  return cap == 0 || full < cap ? full : cap;
}
inline constexpr std::size_t host_capacity = name_capacity(253);

// What follows the separator at `sep`, which find() returned (so sep < s.size()): substr()'s
// bounds check could not fail here, but a freestanding build links its out_of_range text and
// throw helper for it (docs/embedded.md, "Sizes").
[[nodiscard]] constexpr std::string_view after(std::string_view s, std::size_t sep) noexcept {
  return {s.data() + sep + 1, s.size() - sep - 1};
}
// What precedes `n` (npos: all of `s`): substr(0, n) without the same unreachable check.
[[nodiscard]] constexpr std::string_view before(std::string_view s, std::size_t n) noexcept {
  return {s.data(), n < s.size() ? n : s.size()};
}
inline constexpr std::size_t realm_capacity = name_capacity(255);
static_assert(MUTAUTH_NAME_CAPACITY == 0 || MUTAUTH_NAME_CAPACITY >= 16,
              "MUTAUTH_NAME_CAPACITY: 0, or at least 16");

// Quoted parts of a name in an error detail are bounded so that the rule text before them always
// fits in error::max_detail, and escaped so that control bytes from hostile input cannot forge log
// lines.
inline constexpr std::size_t name_quote_max = 48;

inline void append_quoted(error& e, std::string_view part) noexcept {
  constexpr char hex[] = "0123456789abcdef";
  e.append("'");
  std::size_t n = part.size() < name_quote_max ? part.size() : name_quote_max;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = part[i];
    if (c >= ' ' && c <= '~') {
      const char one[1] = {c};
      e.append(std::string_view(one, 1));
    } else {
      const auto u = static_cast<unsigned char>(c);
      const char esc[4] = {'\\', 'x', hex[u >> 4], hex[u & 0xF]};
      e.append(std::string_view(esc, 4));
    }
  }
  if (part.size() > n) e.append("...");
  e.append("'");
}

/// `rule` first, then the offending part in quotes: if the detail is cut at max_detail, what is
/// lost is the tail of the quote, never the rule.
inline error name_error(errc code, std::string_view rule, std::string_view part,
                        const char* hint = nullptr) noexcept {
  error e(code, rule, hint);
  e.append(": ");
  append_quoted(e, part);
  return e;
}

inline constexpr const char* hint_single_label =
    "use the fully qualified DNS name, e.g. filesrv01.example.com";
inline constexpr const char* hint_ip_literal =
    "name the service by its DNS host name; addresses are for dialling, not for identity";
inline constexpr const char* hint_form =
    "write service/host[:port][@REALM] or service@host, e.g. host/filesrv01.example.com";
inline constexpr const char* hint_port =
    "a decimal port 1-65535 without sign or leading zeros, e.g. postgres/db1.example.com:5432";
inline constexpr const char* hint_realm =
    "a realm is printable ASCII without '/', '@', ':' or spaces, e.g. EXAMPLE.COM";

// RFC 3986 §3.2.2 brackets IPv6 literals, and a bare IPv6 address is the only host form with
// more than one ':' (a host:port split has exactly one). Checked before the port split so that
// "fe80::1" is reported as an address, not as a bad port.
[[nodiscard]] constexpr bool looks_like_ipv6(std::string_view s) noexcept {
  std::size_t colons = 0;
  for (char c : s) {
    if (c == '[' || c == ']') return true;
    if (c == ':') ++colons;
  }
  return colons > 1;
}

[[nodiscard]] constexpr bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!ascii_is_digit(c)) return false;
  }
  return true;
}

// Service class: Kerberos service names in practice (host, HTTP, ldap, MSSQLSvc, postgres,
// nfs, krb5_ccache...) are letters, digits, '-' and '_'; anything else would be ambiguous in
// the svc/host and svc@host renderings (RFC 4120 §6.2 uses '/' and '@' as separators).
inline result<void> check_service(std::string_view svc) noexcept {
  if (svc.empty()) {
    return error(errc::name_missing_service, "no service class before the separator", hint_form);
  }
  if (svc.size() > 63) {
    return name_error(errc::name_bad_service, "service class longer than 63 characters", svc);
  }
  for (char c : svc) {
    if (!(ascii_is_alnum(c) || c == '-' || c == '_')) {
      error e(errc::name_bad_service, "service class character outside [A-Za-z0-9-_]: ");
      append_quoted(e, std::string_view(&c, 1));
      e.append(" in ");
      append_quoted(e, svc);
      return e;
    }
  }
  return ok();
}

/// Validates a host and returns it without its trailing dot (not yet lower-cased).
/// The order of the checks is what makes each refusal the most specific one: address and
/// wildcard forms are recognised before the character rules they would also break.
inline result<std::string_view> check_host(std::string_view host) noexcept {
  if (host.empty()) {
    return error(errc::name_empty_host, "no host after the service class", hint_form);
  }
  if (looks_like_ipv6(host)) {
    return name_error(errc::name_ip_literal,
                      "an IPv6 address (a name is for identity, an address for dialling)", host,
                      hint_ip_literal);
  }
  for (char c : host) {
    if (c == '*') {
      // docs/design.md §3: a principal names exactly one host; wildcard matching (RFC 6125 §6.4.3)
      // is deliberately not offered.
      return name_error(errc::name_wildcard,
                        "'*' stands for many hosts; a principal names exactly one", host);
    }
  }
  // A fully qualified name may end in the root's empty label ("example.com."); one trailing
  // dot means the same name (RFC 1034 §3.1), so it is dropped before any further rule.
  std::string_view h = host;
  if (h.back() == '.') h.remove_suffix(1);
  if (h.empty()) {
    return name_error(errc::name_empty_label, "host is only the DNS root", host);
  }
  // RFC 1035 §2.3.4: 255 octets on the wire is 253 characters in dotted text.
  if (h.size() > 253) {
    return name_error(errc::name_too_long,
                      "host name longer than 253 octets (RFC 1035 section 2.3.4)", host);
  }
  if (h.size() > host_capacity) {
    return name_error(errc::too_large,
                      "host name longer than this build stores (MUTAUTH_NAME_CAPACITY)", host);
  }
  std::size_t labels = 0;
  std::string_view last;
  std::string_view rest = h;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = before(rest, dot);
    if (label.empty()) {
      return name_error(errc::name_empty_label, "empty label in host name ('..' or a leading '.')",
                        host);
    }
    if (label.size() > 63) {
      return name_error(errc::name_label_too_long,
                        "host name label longer than 63 octets (RFC 1035 section 2.3.4)", label);
    }
    // LDH rule: RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1 (a label may start with a digit).
    for (char c : label) {
      if (!(ascii_is_alnum(c) || c == '-')) {
        error e(errc::name_bad_character,
                "host name character outside letters, digits, hyphen (RFC 1123 section 2.1): ");
        append_quoted(e, std::string_view(&c, 1));
        e.append(" in label ");
        append_quoted(e, label);
        if (c == ':') e.with_hint("pass the port separately, not inside the host");
        return e;
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return name_error(errc::name_bad_character,
                        "host name label starts or ends with '-' (RFC 1035 section 2.3.1)", label);
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // RFC 1123 §2.1: a host name never has the dotted-decimal form because its top-level label is
  // alphabetic (RFC 3696 §2: a TLD is never all-numeric). So an all-digit last label means an
  // IPv4 literal in any of the forms inet_aton accepts ("10.1.2.3", "10.1.3", "167837955").
  if (all_digits(last)) {
    return name_error(errc::name_ip_literal, "an IPv4 address in any inet_aton form", host,
                      hint_ip_literal);
  }
  if (labels < 2) {
    return name_error(errc::name_single_label,
                      "single-label (NetBIOS-style) host name; a service host must be a fully "
                      "qualified DNS name (docs/design.md section 3)",
                      host, hint_single_label);
  }
  return h;
}

inline result<std::uint16_t> parse_port(std::string_view p) noexcept {
  if (p.empty()) return error(errc::name_bad_port, "empty port after ':'", hint_port);
  for (char c : p) {
    if (!ascii_is_digit(c)) {
      return name_error(errc::name_bad_port, "port is not a decimal number", p, hint_port);
    }
  }
  if (p.size() > 5) {
    return name_error(errc::name_bad_port, "port longer than 5 digits", p, hint_port);
  }
  // One spelling per port: with leading zeros, "080" and "80" would name the same service but
  // render differently, and the rendering is what certificates are matched against.
  if (p.size() > 1 && p.front() == '0') {
    return name_error(errc::name_bad_port, "port has a leading zero", p, hint_port);
  }
  std::uint32_t v = 0;
  for (char c : p) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  // Port 0 is reserved and means "any" to sockets (RFC 6335 §6); as an identity it would
  // be meaningless, and 0 is our "no port" value.
  if (v == 0 || v > 65535) {
    return name_error(errc::name_bad_port, "port outside 1..65535", p, hint_port);
  }
  return static_cast<std::uint16_t>(v);
}

// RFC 4120 §6.1: realm names are case-sensitive; domain-style and X.500-style realms contain no
// ':' in the name part and '/' separates X.500 components. We accept printable ASCII without
// '/', '@', ':' (our own separators) and no whitespace, up to 255 characters.
inline result<void> check_realm(std::string_view r) noexcept {
  if (r.empty()) {
    return error(errc::name_bad_realm, "empty realm after '@'", hint_realm);
  }
  if (r.size() > 255) {
    return name_error(errc::name_bad_realm, "realm longer than 255 characters", r, hint_realm);
  }
  if (r.size() > realm_capacity) {
    return name_error(errc::too_large,
                      "realm longer than this build stores (MUTAUTH_NAME_CAPACITY)", r);
  }
  for (char c : r) {
    if (!ascii_is_graph(c) || c == '/' || c == '@' || c == ':') {
      error e(errc::name_bad_realm,
              "realm character not allowed (printable ASCII without "
              "'/', '@', ':', spaces): ",
              hint_realm);
      append_quoted(e, std::string_view(&c, 1));
      e.append(" in ");
      append_quoted(e, r);
      return e;
    }
  }
  return ok();
}

}  // namespace detail

/// The name of the service a client wants to reach: service class, DNS host, optional port,
/// optional realm. A value always satisfies docs/design.md §3; the only ways to get one are parse()
/// and compose(), which share one validator.
class ServicePrincipal {
 public:
  static constexpr std::size_t max_service = 63;
  static constexpr std::size_t max_host =
      detail::host_capacity;  // 253 unless MUTAUTH_NAME_CAPACITY
  static constexpr std::size_t max_realm =
      detail::realm_capacity;  // 255 unless MUTAUTH_NAME_CAPACITY
  /// Longest rendering: service '/' host ':' 65535 '@' realm.
  static constexpr std::size_t max_text = max_service + 1 + max_host + 1 + 5 + 1 + max_realm;
  using name_string = detail::fixed_string<max_text>;

  /// Parses `svc/host`, `svc/host:port`, `svc/host@REALM`, `svc/host:port@REALM`, and the GSS
  /// host-based form `svc@host` (RFC 2743 §4.1: without a '/', the part after '@' is the host).
  [[nodiscard]] static result<ServicePrincipal> parse(std::string_view text) noexcept {
    if (text.empty()) {
      return error(errc::name_empty, "the text is empty", detail::hint_form);
    }
    // Checked first: a C consumer (GSS-API, logs) would see only the part before the NUL,
    // so a NUL lets two different names look alike.
    if (text.find('\0') != std::string_view::npos) {
      return detail::name_error(errc::name_nul_byte, "principal name contains a NUL byte", text);
    }
    std::string_view service;
    std::string_view hostport;
    std::string_view realm;
    bool has_realm = false;
    bool hostbased = false;
    if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
      service = detail::before(text, slash);
      const std::string_view rest = detail::after(text, slash);
      if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
        hostport = detail::before(rest, at);
        realm = detail::after(rest, at);
        has_realm = true;
      } else {
        hostport = rest;
      }
    } else if (const std::size_t at = text.find('@'); at != std::string_view::npos) {
      service = detail::before(text, at);
      hostport = detail::after(text, at);
      hostbased = true;
    } else {
      return detail::name_error(errc::name_missing_service,
                                "no service class: neither '/' nor '@' in the name", text,
                                detail::hint_form);
    }
    // Empty parts are reported here, where the whole text can be quoted for context.
    if (service.empty()) {
      return detail::name_error(errc::name_missing_service, "no service class before the separator",
                                text, detail::hint_form);
    }
    MUTAUTH_TRY(detail::check_service(service));

    std::string_view host = hostport;
    std::string_view port_text;
    bool has_port = false;
    if (!detail::looks_like_ipv6(hostport)) {
      if (const std::size_t colon = hostport.find(':'); colon != std::string_view::npos) {
        host = detail::before(hostport, colon);
        port_text = detail::after(hostport, colon);
        has_port = true;
      }
    }
    if (host.empty()) {
      return detail::name_error(errc::name_empty_host, "no host after the service class", text,
                                detail::hint_form);
    }
    auto h = detail::check_host(host);
    if (!h) return h.error_value();
    std::uint16_t port = 0;
    if (has_port) {
      if (hostbased) {
        // RFC 2743 §4.1: GSS_C_NT_HOSTBASED_SERVICE is "service@hostname", nothing more.
        return detail::name_error(errc::name_bad_port,
                                  "the host-based form service@host carries no port", hostport,
                                  "write service/host:port instead");
      }
      if (port_text.empty()) {
        return detail::name_error(errc::name_bad_port, "empty port after ':'", text,
                                  detail::hint_port);
      }
      auto p = detail::parse_port(port_text);
      if (!p) return p.error_value();
      port = *p;
    }
    if (has_realm && realm.empty()) {
      return detail::name_error(errc::name_bad_realm, "empty realm after '@'", text,
                                detail::hint_realm);
    }
    if (has_realm) MUTAUTH_TRY(detail::check_realm(realm));
    return make(service, *h, port, realm);
  }

  /// Builds a name from parts with the same rules as parse(). port 0 = no port; an empty realm
  /// = no realm. The host must not carry a port or brackets.
  [[nodiscard]] static result<ServicePrincipal> compose(std::string_view service,
                                                        std::string_view host,
                                                        std::uint16_t port = 0,
                                                        std::string_view realm = {}) noexcept {
    if (service.empty() && host.empty() && realm.empty() && port == 0) {
      return error(errc::name_empty, "the text is empty", detail::hint_form);
    }
    constexpr auto npos = std::string_view::npos;
    if (service.find('\0') != npos || host.find('\0') != npos || realm.find('\0') != npos) {
      return error(errc::name_nul_byte, "principal name part contains a NUL byte");
    }
    MUTAUTH_TRY(detail::check_service(service));
    auto h = detail::check_host(host);
    if (!h) return h.error_value();
    if (!realm.empty()) MUTAUTH_TRY(detail::check_realm(realm));
    return make(service, *h, port, realm);
  }

  [[nodiscard]] std::string_view service() const noexcept { return service_.view(); }
  /// Lower-case, without a trailing dot.
  [[nodiscard]] std::string_view host() const noexcept { return host_.view(); }
  /// 0 when the name has no port.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] bool has_port() const noexcept { return port_ != 0; }
  /// Empty when the name has no realm; kept exactly as given (realms are case-sensitive).
  [[nodiscard]] std::string_view realm() const noexcept { return realm_.view(); }
  [[nodiscard]] bool has_realm() const noexcept { return !realm_.empty(); }

  /// Canonical text `svc/host[:port][@REALM]`; parse(to_string()) gives back an equal name.
  [[nodiscard]] name_string to_string() const noexcept {
    name_string s = pk_name();
    if (has_realm()) put(s, "@", realm_.view());
    return s;
  }
  /// Kerberos principal text `svc/host[:port]@REALM`, or `svc/host[:port]` for the default
  /// realm (docs/design.md §3, RFC 4120 §6.2 NT-SRV-HST).
  [[nodiscard]] name_string krb5_name() const noexcept { return to_string(); }
  /// GSS host-based service name `svc@host` (RFC 2743 §4.1); port and realm do not appear.
  [[nodiscard]] name_string gss_hostbased_name() const noexcept {
    name_string s;
    put(s, service_.view(), "@");
    put(s, host_.view(), {});
    return s;
  }
  /// What the pk mechanism matches host certificate principals against: `svc/host[:port]`
  /// (docs/design.md §3).
  [[nodiscard]] name_string pk_name() const noexcept {
    name_string s;
    put(s, service_.view(), "/");
    put(s, host_.view(), {});
    if (port_ != 0) {
      put(s, ":", {});
      (void)s.append_uint(port_);  // fits: max_text counts 5 digits
    }
    return s;
  }

  /// Service and realm exact (both case-sensitive in Kerberos, RFC 4120 §6.1/§6.2); host is
  /// compared case-insensitively and without trailing dot, which normalisation at construction
  /// already achieved; ports equal.
  [[nodiscard]] friend bool operator==(const ServicePrincipal& a,
                                       const ServicePrincipal& b) noexcept {
    return a.service_ == b.service_ && a.host_ == b.host_ && a.port_ == b.port_ &&
           a.realm_ == b.realm_;
  }

 private:
  ServicePrincipal() noexcept = default;

  // Only called with validated parts, whose lengths the fixed capacities were sized for.
  static ServicePrincipal make(std::string_view service, std::string_view host, std::uint16_t port,
                               std::string_view realm) noexcept {
    ServicePrincipal sp;
    (void)sp.service_.append(service);
    for (char c : host) (void)sp.host_.push_back(detail::ascii_to_lower(c));
    sp.port_ = port;
    (void)sp.realm_.append(realm);
    return sp;
  }

  // Every rendering fits in max_text by construction, so an append cannot fail here.
  static void put(name_string& s, std::string_view a, std::string_view b) noexcept {
    (void)s.append(a);
    (void)s.append(b);
  }

  detail::fixed_string<max_service> service_;
  detail::fixed_string<max_host> host_;
  std::uint16_t port_ = 0;
  detail::fixed_string<max_realm> realm_;
};

/// An identity a mechanism has PROVEN (docs/design.md §2, G3): filled in only from a verified
/// credential, never from a claim.
struct Principal {
  /// Static mechanism name, e.g. "mutauth-pk/1" or "krb5".
  std::string_view mechanism{};
  /// `alice`, `host/db1.example.com`, or a Kerberos full name `alice@EXAMPLE.TEST`.
  detail::fixed_string<ServicePrincipal::max_text> name{};
  /// Realm when the mechanism has one (Kerberos); empty otherwise.
  detail::fixed_string<detail::realm_capacity> realm{};
  /// OpenSSH certificate key id (PROTOCOL.certkeys), empty for raw keys and Kerberos.
  detail::fixed_string<127> key_id{};
  /// OpenSSH certificate serial (PROTOCOL.certkeys); meaningful only when has_serial.
  std::uint64_t serial = 0;
  bool has_serial = false;
  /// Key fingerprint as ssh-keygen prints it, e.g. "SHA256:" + 43 base64 characters.
  detail::fixed_string<63> fingerprint{};

  using display_string =
      detail::fixed_string<ServicePrincipal::max_text + 1 + detail::realm_capacity>;

  /// `name@realm` when there is a realm and the name does not already carry one; else `name`.
  [[nodiscard]] display_string to_string() const noexcept {
    display_string s;
    (void)s.append(name.view());  // fits: capacity is name + '@' + realm
    if (!realm.empty() && name.view().find('@') == std::string_view::npos) {
      (void)s.push_back('@');
      (void)s.append(realm.view());
    }
    return s;
  }
};

/// A read-only string held elsewhere (a Session's name table, docs/embedded.md "Sizes"): the part
/// of fixed_string's read interface that callers of Session::peer()/local() use. Valid as long as
/// the session it came from is neither destroyed nor moved from.
class name_ref {
 public:
  constexpr name_ref() noexcept = default;
  constexpr name_ref(const char* p, std::size_t n) noexcept : p_(p), n_(n) {}
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {n_ ? p_ : "", n_}; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] constexpr const char* data() const noexcept { return n_ ? p_ : ""; }
  /// NUL-terminated: the table stores every principal string with its terminator.
  [[nodiscard]] constexpr const char* c_str() const noexcept { return data(); }
  [[nodiscard]] constexpr char operator[](std::size_t i) const noexcept { return p_[i]; }
  [[nodiscard]] friend constexpr bool operator==(const name_ref& a, std::string_view b) noexcept {
    return a.view() == b;
  }
  [[nodiscard]] friend constexpr bool operator==(const name_ref& a, const name_ref& b) noexcept {
    return a.view() == b.view();
  }

 private:
  const char* p_ = nullptr;
  std::size_t n_ = 0;
};

/// A proven identity as a Session holds it: the fields of Principal, viewing the session's
/// compact name table instead of owning fixed-capacity copies. Converts to a Principal (a copy)
/// where an owning value is needed.
struct PrincipalView {
  std::string_view mechanism{};
  name_ref name{};
  name_ref realm{};
  name_ref key_id{};
  std::uint64_t serial = 0;
  bool has_serial = false;
  name_ref fingerprint{};

  /// As Principal::to_string().
  [[nodiscard]] Principal::display_string to_string() const noexcept {
    Principal::display_string s;
    (void)s.append(name.view());
    if (!realm.empty() && name.view().find('@') == std::string_view::npos) {
      (void)s.push_back('@');
      (void)s.append(realm.view());
    }
    return s;
  }
  /// An owning copy (every field fits: the table never holds more than Principal's capacities).
  [[nodiscard]] Principal to_principal() const noexcept {
    Principal p;
    p.mechanism = mechanism;
    (void)p.name.append(name.view());
    (void)p.realm.append(realm.view());
    (void)p.key_id.append(key_id.view());
    p.serial = serial;
    p.has_serial = has_serial;
    (void)p.fingerprint.append(fingerprint.view());
    return p;
  }
  // NOLINTNEXTLINE(google-explicit-constructor): source compatibility with `const Principal& p = s.peer()`
  operator Principal() const noexcept { return to_principal(); }
};

/// The service principal as a Session holds it (views into its name table); compares equal to
/// the ServicePrincipal it was made from and converts back to one.
class ServicePrincipalView {
 public:
  using name_string = ServicePrincipal::name_string;
  constexpr ServicePrincipalView() noexcept = default;
  constexpr ServicePrincipalView(std::string_view service, std::string_view host,
                                 std::uint16_t port, std::string_view realm) noexcept
      : service_(service), host_(host), realm_(realm), port_(port) {}

  [[nodiscard]] constexpr std::string_view service() const noexcept { return service_; }
  [[nodiscard]] constexpr std::string_view host() const noexcept { return host_; }
  [[nodiscard]] constexpr std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] constexpr bool has_port() const noexcept { return port_ != 0; }
  [[nodiscard]] constexpr std::string_view realm() const noexcept { return realm_; }
  [[nodiscard]] constexpr bool has_realm() const noexcept { return !realm_.empty(); }

  [[nodiscard]] name_string pk_name() const noexcept {
    name_string s;
    (void)s.append(service_);
    (void)s.push_back('/');
    (void)s.append(host_);
    if (port_ != 0) {
      (void)s.push_back(':');
      (void)s.append_uint(port_);
    }
    return s;
  }
  [[nodiscard]] name_string to_string() const noexcept {
    name_string s = pk_name();
    if (has_realm()) {
      (void)s.push_back('@');
      (void)s.append(realm_);
    }
    return s;
  }
  [[nodiscard]] name_string krb5_name() const noexcept { return to_string(); }
  [[nodiscard]] name_string gss_hostbased_name() const noexcept {
    name_string s;
    (void)s.append(service_);
    (void)s.push_back('@');
    (void)s.append(host_);
    return s;
  }
  /// An owning copy. The parts came from a valid ServicePrincipal, so compose() cannot fail.
  [[nodiscard]] ServicePrincipal to_service_principal() const noexcept {
    return *ServicePrincipal::compose(service_, host_, port_, realm_);
  }
  // NOLINTNEXTLINE(google-explicit-constructor): source compatibility with ServicePrincipal callers
  operator ServicePrincipal() const noexcept { return to_service_principal(); }

  [[nodiscard]] friend constexpr bool operator==(const ServicePrincipalView& a,
                                                 const ServicePrincipalView& b) noexcept {
    return a.service_ == b.service_ && a.host_ == b.host_ && a.port_ == b.port_ &&
           a.realm_ == b.realm_;
  }
  [[nodiscard]] friend bool operator==(const ServicePrincipalView& a,
                                       const ServicePrincipal& b) noexcept {
    return a.service_ == b.service() && a.host_ == b.host() && a.port_ == b.port() &&
           a.realm_ == b.realm();
  }

 private:
  std::string_view service_{};
  std::string_view host_{};
  std::string_view realm_{};
  std::uint16_t port_ = 0;
};

namespace detail {

/// The names a Session keeps — peer, local and service principal — in one buffer of
/// `Capacity` bytes with one-byte offsets and lengths (docs/embedded.md "Sizes": the fixed-capacity
/// Principal and ServicePrincipal copies made Session 3 KB). A string already present in the
/// buffer (the service's host inside the peer's name `host/<host>`) is stored once.
template <std::size_t Capacity>
class name_table {
  static_assert(Capacity >= 16 && Capacity <= 255, "name table offsets are one byte");

 public:
  /// Fills the table; false when the names do not fit (the table is then empty).
  [[nodiscard]] bool assign(const Principal& peer, const Principal& local,
                            const ServicePrincipal& service) noexcept {
    clear();
    const bool fits = put(peer, 0) && put(local, 1) && put_service(service);
    if (!fits) clear();
    return fits;
  }

  /// One principal's fields, piece by piece, for a mechanism that concludes without building a
  /// Principal (handshake.hpp, the initiator's compact conclusion): `which` 0 is the peer, 1 this
  /// side. `name` is the concatenation of `name_parts` (e.g. a service principal's pk name
  /// rendered straight into the table). Fill the peer, then this side, then put_service(), on a
  /// cleared table; false when it does not fit (clear() it then).
  [[nodiscard]] bool put_principal(std::size_t which, std::string_view mechanism,
                                   std::initializer_list<std::string_view> name_parts,
                                   std::string_view realm, std::string_view key_id,
                                   std::string_view fingerprint, std::uint64_t serial,
                                   bool has_serial) noexcept {
    const std::size_t b = which * per_principal;
    if (mechanism.size() > 255) return false;
    mech_[which] = mechanism.data();
    mech_len_[which] = static_cast<std::uint8_t>(mechanism.size());
    serial_[which] = serial;
    has_serial_[which] = has_serial;
    return put_joined(name_parts, b) && put(realm, true, b + 1) && put(key_id, true, b + 2) &&
           put(fingerprint, true, b + 3);
  }
  [[nodiscard]] bool put_service(const ServicePrincipal& service) noexcept {
    if (!(put(service.service(), false, svc_service) && put(service.host(), false, svc_host) &&
          put(service.realm(), false, svc_realm)))
      return false;
    port_ = service.port();
    return true;
  }

  [[nodiscard]] PrincipalView principal(std::size_t which) const noexcept {
    const std::size_t b = which * per_principal;
    PrincipalView v;
    v.mechanism = std::string_view(mech_[which] ? mech_[which] : "", mech_len_[which]);
    v.name = ref(b + 0);
    v.realm = ref(b + 1);
    v.key_id = ref(b + 2);
    v.fingerprint = ref(b + 3);
    v.serial = serial_[which];
    v.has_serial = has_serial_[which];
    return v;
  }
  [[nodiscard]] ServicePrincipalView service() const noexcept {
    return ServicePrincipalView(ref(svc_service).view(), ref(svc_host).view(), port_,
                                ref(svc_realm).view());
  }

  void clear() noexcept {
    for (auto& c : buf_) c = 0;
    for (auto& o : off_) o = 0;
    for (auto& l : len_) l = 0;
    mech_[0] = mech_[1] = nullptr;
    mech_len_[0] = mech_len_[1] = 0;
    serial_[0] = serial_[1] = 0;
    has_serial_[0] = has_serial_[1] = false;
    used_ = 0;
    port_ = 0;
  }

 private:
  static constexpr std::size_t per_principal = 4;  // name, realm, key_id, fingerprint
  static constexpr std::size_t svc_service = 2 * per_principal;
  static constexpr std::size_t svc_host = svc_service + 1;
  static constexpr std::size_t svc_realm = svc_service + 2;
  static constexpr std::size_t slots = svc_realm + 1;

  [[nodiscard]] name_ref ref(std::size_t slot) const noexcept {
    return name_ref(buf_ + off_[slot], len_[slot]);
  }

  bool put(const Principal& p, std::size_t which) noexcept {
    const std::size_t b = which * per_principal;
    // Mechanism names are static strings (mechanism.hpp: "mutauth-pk/1", "krb5"); the table
    // keeps the pointer.
    if (p.mechanism.size() > 255) return false;
    mech_[which] = p.mechanism.data();
    mech_len_[which] = static_cast<std::uint8_t>(p.mechanism.size());
    serial_[which] = p.serial;
    has_serial_[which] = p.has_serial;
    return put(p.name.view(), true, b) && put(p.realm.view(), true, b + 1) &&
           put(p.key_id.view(), true, b + 2) && put(p.fingerprint.view(), true, b + 3);
  }

  // A name made of several parts (one part: put()'s search for a copy already present applies).
  bool put_joined(std::initializer_list<std::string_view> parts, std::size_t slot) noexcept {
    if (parts.size() == 1) return put(*parts.begin(), true, slot);
    std::size_t n = 0;
    for (std::string_view p : parts) n += p.size();
    if (n == 0) return true;
    if (n > 255 || n + 1 > Capacity - used_) return false;
    off_[slot] = static_cast<std::uint8_t>(used_);
    len_[slot] = static_cast<std::uint8_t>(n);
    for (std::string_view p : parts)
      for (char c : p) buf_[used_++] = c;
    buf_[used_++] = '\0';
    return true;
  }

  // Principal strings keep their terminator (name_ref::c_str()); service parts need none, so
  // they may reuse any run of equal bytes.
  bool put(std::string_view s, bool nul, std::size_t slot) noexcept {
    if (s.empty()) return true;
    const std::size_t need = s.size() + (nul ? 1 : 0);
    for (std::size_t at = 0; at + need <= used_; ++at) {
      // The first byte decides most candidates; a full compare only where it matches (this runs
      // once per name per handshake, over at most Capacity offsets).
      if (buf_[at] != s[0]) continue;
      if (std::string_view(buf_ + at, s.size()) == s && (!nul || buf_[at + s.size()] == '\0')) {
        off_[slot] = static_cast<std::uint8_t>(at);
        len_[slot] = static_cast<std::uint8_t>(s.size());
        return true;
      }
    }
    if (need > Capacity - used_) return false;
    for (std::size_t i = 0; i < s.size(); ++i) buf_[used_ + i] = s[i];
    if (nul) buf_[used_ + s.size()] = '\0';
    off_[slot] = static_cast<std::uint8_t>(used_);
    len_[slot] = static_cast<std::uint8_t>(s.size());
    used_ += need;
    return true;
  }

  const char* mech_[2]{};
  std::uint64_t serial_[2]{};
  char buf_[Capacity]{};
  std::uint8_t off_[slots]{};
  std::uint8_t len_[slots]{};
  std::uint8_t used_ = 0;
  std::uint8_t mech_len_[2]{};
  bool has_serial_[2]{};
  std::uint16_t port_ = 0;
};

}  // namespace detail

}  // namespace v0
}  // namespace mutauth
