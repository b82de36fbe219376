// mutauth-pk — trust files in OpenSSH syntax (docs/design.md §4: users keep their tooling).
//
//   KnownHosts<P, C>      the initiator's file: sshd(8) SSH_KNOWN_HOSTS FILE FORMAT subset
//   AuthorizedKeys<P, C>  the acceptor's file:  sshd(8) AUTHORIZED_KEYS FILE FORMAT subset
//
// Both are fixed-capacity stores (P pins, C certificate authorities) filled by parse(text). No
// heap: names of pinned servers are copied into the store; CA patterns, principals lists and
// pinned client principals are views into `text`, which MUST outlive the store and every
// handshake that uses it. A line outside the supported subset is REFUSED with its line number
// ("line 7: option 'command' is not supported"), never skipped: a trust file that says more than
// we understand must not be taken to say less. parse() is all-or-nothing.
//
// Supported subset (README-ready text in the report of issue 4):
//
// known_hosts (initiator)
//   # comment / blank line
//   @cert-authority <patterns> ssh-ed25519 <base64> [comment]
//       A CA trusted for host certificates of hosts matching <patterns>: comma-separated
//       ssh_config(5) PATTERNS with `*`, `?` and `!` negation, matched ASCII case-insensitively
//       against the target's host name (the port is not part of the match: the certificate's
//       principal carries it).
//   <names> ssh-ed25519 <base64> [comment]
//       A pinned server key. <names> is a comma-separated list; each name is
//         host.example.com          -> pins host/host.example.com
//         [host.example.com]:2222   -> pins host/host.example.com:2222
//         svc/host.example.com[:p]  -> pins exactly that service principal (a mutauth extension)
//       Names follow docs/design.md §3 (DNS names only: no IP literals, no single labels).
//   Refused: hashed names (|1|...), @revoked (use a KRL: ServerTrust::revoked), other markers,
//   wildcards or negation in pinned names, brackets in CA patterns, key types other than
//   ssh-ed25519 (including certificates), lines with a missing key.
//
// authorized_keys (acceptor)
//   # comment / blank line
//   cert-authority[,principals="alice,bob"] ssh-ed25519 <base64> [comment]
//       A CA trusted for user certificates; with principals="...", only certificates listing
//       one of those names (exactly) are accepted, and that name is the client's principal.
//   [principals="alice"] ssh-ed25519 <base64> [comment]
//       A pinned client key. Its principal is the single name in principals="..." if given,
//       else the comment, which must then be exactly one word.
//   Refused: every other option (command=, from=, restrict, expiry-time=, ...), backslash
//   escapes in option values, options given twice, key types other than ssh-ed25519, a pinned
//   key with neither principals="..." nor a one-word comment, a key pinned on two lines
//   (whatever the names; the same key may still be a cert-authority on another line).
#pragma once

#include <cstddef>      // std::size_t
#include <new>          // placement new, std::launder
#include <span>         // views
#include <string_view>  // the file text
#include <type_traits>  // trivially copyable checks

#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/trust.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

/// Longest line accepted in a trust file.
inline constexpr std::size_t max_trust_line = 8192;

/// What one parse() found.
struct TrustFileCounts {
  std::size_t pinned = 0;
  std::size_t authorities = 0;
};

namespace detail {

/// A fixed-capacity vector of trivially copyable T that need not be default-constructible
/// (ServicePrincipal is not). No heap.
template <class T, std::size_t N>
class fixed_vector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  [[nodiscard]] bool push_back(const T& v) noexcept {
    if (n_ == N) return false;
    ::new (static_cast<void*>(storage_ + n_ * sizeof(T))) T(v);
    ++n_;
    return true;
  }
  void clear() noexcept { n_ = 0; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] std::span<const T> view() const noexcept {
    return {std::launder(reinterpret_cast<const T*>(storage_)), n_};
  }

 private:
  alignas(T) unsigned char storage_[N == 0 ? 1 : N * sizeof(T)];
  std::size_t n_ = 0;
};

inline error line_error(errc code, std::size_t line, std::string_view what) noexcept {
  mutauth::detail::fixed_string<24> n;
  (void)n.append("line ");
  (void)n.append_uint(line);
  (void)n.append(": ");
  error e(code, n.view());
  e.append(what);
  return e;
}

/// Prefixes an error from a lower parser with the line number.
inline error at_line(std::size_t line, const error& inner) noexcept {
  error e = line_error(inner.code(), line, inner.detail());
  if (!inner.hint().empty()) e.with_hint(inner.hint().data());
  return e;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// Splits off the first blank-delimited token; `rest` is what follows, trimmed on the left.
inline std::string_view next_token(std::string_view& rest) noexcept {
  std::size_t i = 0;
  while (i < rest.size() && !is_blank(rest[i])) ++i;
  const std::string_view tok = slice(rest, 0, i);
  rest = trim(slice(rest, i, rest.size() - i));
  return tok;
}

/// Calls `f(line_number, line)` for each line that is not blank or a comment. Checks the
/// line-level rules: bounded length, no control characters (a CR before the LF is allowed).
template <class F>
inline result<void> for_each_line(std::string_view text, F&& f) noexcept {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t nl = text.find('\n');
    std::string_view line = nl == std::string_view::npos ? text : slice(text, 0, nl);
    text = nl == std::string_view::npos ? std::string_view{}
                                        : slice(text, nl + 1, text.size() - nl - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_trust_line)
      return line_error(errc::too_large, number, "line longer than 8192 bytes");
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f)
        return line_error(errc::malformed, number, "control character in the line");
    }
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    MUTAUTH_TRY(f(number, line));
  }
  return ok();
}

inline bool is_other_key_type(std::string_view t) noexcept {
  return t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-") ||
         t.starts_with("rsa-") || t.ends_with("@openssh.com");
}

inline error unsupported_key_line(std::size_t line, std::string_view type) noexcept {
  error e = line_error(errc::unsupported_key_type, line, "key type '");
  append_printable(e, type).append("' is not supported (only ssh-ed25519)");
  return e;
}

// "<keytype> <base64> [comment]" from `rest`; the key type must be ssh-ed25519.
inline result<Ed25519PublicKey> key_at(std::size_t line, std::string_view rest,
                                       std::string_view* comment) noexcept {
  std::string_view r = rest;
  const std::string_view type = next_token(r);
  if (type.empty()) return line_error(errc::malformed, line, "no key type and key");
  if (type != ed25519_key_type) return unsupported_key_line(line, type);
  const std::string_view b64 = next_token(r);
  if (b64.empty()) return line_error(errc::malformed, line, "no key after the key type");
  if (comment) *comment = r;
  auto k = parse_public_key_line(rest);
  if (!k) return at_line(line, k.error_value());
  return *k;
}

// A pattern in an @cert-authority list: optional '!', then host-name characters and wildcards.
inline result<void> check_ca_patterns(std::size_t line, std::string_view list) noexcept {
  bool positive = false;
  std::string_view rest = list;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view pat = comma == std::string_view::npos ? rest : slice(rest, 0, comma);
    if (!pat.empty() && pat.front() == '!') pat.remove_prefix(1);
    else positive = positive || !pat.empty();
    if (pat.empty()) return line_error(errc::malformed, line, "empty host pattern");
    if (pat.size() > ServicePrincipal::max_host)
      return line_error(errc::too_large, line, "host pattern longer than 253 characters");
    for (char c : pat) {
      if (c == '[' || c == ']' || c == ':')
        return line_error(errc::malformed, line,
                          "[host]:port patterns are not supported in @cert-authority lines (the "
                          "certificate principal carries the port)");
      if (!(mutauth::detail::ascii_is_alnum(c) || c == '-' || c == '.' || c == '*' || c == '?' ||
            c == '_')) {
        error e = line_error(errc::malformed, line, "character not allowed in a host pattern: '");
        append_printable(e, std::string_view(&c, 1)).append("'");
        return e;
      }
    }
    if (comma == std::string_view::npos) break;
    rest = slice(rest, comma + 1, rest.size() - comma - 1);
  }
  if (!positive)
    return line_error(errc::malformed, line, "host pattern list has only negated patterns");
  return ok();
}

// One pinned name: host, [host]:port or svc/host[:port].
inline result<ServicePrincipal> pinned_name(std::size_t line, std::string_view name) noexcept {
  for (char c : name)
    if (c == '*' || c == '?' || c == '!')
      return line_error(errc::malformed, line,
                        "wildcards and negation are supported only in @cert-authority lines");
  result<ServicePrincipal> sp = error(errc::malformed);
  if (name.front() == '[') {
    const std::size_t close = name.find(']');
    if (close == std::string_view::npos || close + 1 >= name.size() || name[close + 1] != ':')
      return line_error(errc::malformed, line, "expected [host]:port");
    const std::string_view host = slice(name, 1, close - 1);
    const std::string_view port_text = slice(name, close + 2, name.size() - close - 2);
    auto port = mutauth::detail::parse_port(port_text);
    if (!port) return at_line(line, port.error_value());
    sp = ServicePrincipal::compose("host", host, *port);
  } else if (name.find('/') != std::string_view::npos) {
    sp = ServicePrincipal::parse(name);
  } else {
    sp = ServicePrincipal::compose("host", name);
  }
  if (!sp) return at_line(line, sp.error_value());
  return std::move(*sp);
}

// authorized_keys options: name or name="value", comma-separated, no blanks outside quotes.
struct ak_options {
  bool cert_authority = false;
  bool has_principals = false;
  std::string_view principals{};
};

inline result<ak_options> parse_ak_options(std::size_t line, std::string_view opts) noexcept {
  ak_options o;
  std::size_t i = 0;
  while (i < opts.size()) {
    std::size_t j = i;
    while (j < opts.size() && opts[j] != ',' && opts[j] != '=') ++j;
    const std::string_view name = slice(opts, i, j - i);
    std::string_view value{};
    bool has_value = false;
    if (j < opts.size() && opts[j] == '=') {
      if (j + 1 >= opts.size() || opts[j + 1] != '"')
        return line_error(errc::malformed, line, "option value must be in double quotes");
      const std::size_t start = j + 2;
      std::size_t k = start;
      while (k < opts.size() && opts[k] != '"') {
        if (opts[k] == '\\')
          return line_error(errc::malformed, line,
                            "backslash escapes in option values are not supported");
        ++k;
      }
      if (k >= opts.size())
        return line_error(errc::malformed, line, "unterminated quoted option value");
      value = slice(opts, start, k - start);
      has_value = true;
      j = k + 1;
    }
    if (j < opts.size() && opts[j] != ',')
      return line_error(errc::malformed, line, "expected ',' between options");
    if (name == "cert-authority" && !has_value) {
      if (o.cert_authority)
        return line_error(errc::malformed, line, "option 'cert-authority' given twice");
      o.cert_authority = true;
    } else if (name == "principals" && has_value) {
      if (o.has_principals)
        return line_error(errc::malformed, line, "option 'principals' given twice");
      o.has_principals = true;
      o.principals = value;
    } else {
      error e = line_error(errc::malformed, line, "option '");
      append_printable(e, name).append("' is not supported");
      if (name == "cert-authority" || name == "principals") e.append(" in this form");
      return e;
    }
    i = j + 1;
    if (j + 1 == opts.size()) return line_error(errc::malformed, line, "trailing ',' in options");
  }
  if (o.has_principals) {
    // Non-empty names of printable ASCII, no blanks, no empty list elements.
    if (o.principals.empty())
      return line_error(errc::malformed, line, "empty principals=\"\" list");
    std::string_view rest = o.principals;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view p = comma == std::string_view::npos ? rest : slice(rest, 0, comma);
      if (p.empty()) return line_error(errc::malformed, line, "empty name in principals=\"...\"");
      for (char c : p)
        if (!mutauth::detail::ascii_is_graph(c))
          return line_error(errc::malformed, line,
                            "blank or non-ASCII character in principals=\"...\"");
      if (comma == std::string_view::npos) break;
      rest = slice(rest, comma + 1, rest.size() - comma - 1);
    }
  }
  return o;
}

// What both trust files share: fixed-capacity storage, all-or-nothing parsing line by line
// (Derived::parse_line), and the trust view handed to a handshake.
template <class Derived, class Pin, class Authority, class Trust, std::size_t MaxPins,
          std::size_t MaxAuthorities>
class trust_store {
 public:
  /// Parses `text` (which MUST outlive this store and every handshake that uses it), replacing
  /// the contents. All or nothing: after an error the store is empty.
  [[nodiscard]] result<TrustFileCounts> parse(std::string_view text) noexcept {
    pins_.clear();
    cas_.clear();
    auto r = for_each_line(text, [this](std::size_t n, std::string_view line) noexcept {
      return static_cast<Derived*>(this)->parse_line(n, line);
    });
    if (!r) {
      pins_.clear();
      cas_.clear();
      return r.error_value();
    }
    return TrustFileCounts{pins_.size(), cas_.size()};
  }

  [[nodiscard]] std::span<const Pin> pinned() const noexcept { return pins_.view(); }
  [[nodiscard]] std::span<const Authority> authorities() const noexcept { return cas_.view(); }
  /// A trust view over this store; set the other fields (KRL, clock, ...) on the result.
  [[nodiscard]] Trust trust() const noexcept {
    Trust t;
    t.pinned = pinned();
    t.authorities = authorities();
    return t;
  }

 protected:
  fixed_vector<Pin, MaxPins> pins_;
  fixed_vector<Authority, MaxAuthorities> cas_;
};

}  // namespace detail

/// The initiator's trust file (known_hosts subset; see the top of this header).
template <std::size_t MaxPins = 32, std::size_t MaxAuthorities = 8>
class KnownHosts
    : public detail::trust_store<KnownHosts<MaxPins, MaxAuthorities>, PinnedServer,
                                 HostCertAuthority, ServerTrust, MaxPins, MaxAuthorities> {
  using store = detail::trust_store<KnownHosts, PinnedServer, HostCertAuthority, ServerTrust,
                                    MaxPins, MaxAuthorities>;
  friend store;
  using store::cas_;
  using store::pins_;

  result<void> parse_line(std::size_t n, std::string_view line) noexcept {
    std::string_view rest = line;
    std::string_view first = detail::next_token(rest);
    bool ca = false;
    if (first.front() == '@') {
      if (first == "@cert-authority") {
        ca = true;
      } else if (first == "@revoked") {
        return detail::line_error(errc::malformed, n, "@revoked is not supported")
            .with_hint("revoke keys with a KRL (ssh-keygen -k, ServerTrust::revoked)");
      } else {
        error e = detail::line_error(errc::malformed, n, "unknown marker '");
        detail::append_printable(e, first).append("'");
        return e;
      }
      first = detail::next_token(rest);
      if (first.empty())
        return detail::line_error(errc::malformed, n, "no host patterns after @cert-authority");
    }
    if (first.front() == '|')
      return detail::line_error(
          errc::malformed, n, "hashed host names (|1|...) are not supported; write names in clear");
    if (detail::is_other_key_type(first) || first == ed25519_key_type)
      return detail::line_error(errc::malformed, n, "no host names before the key");
    auto key = detail::key_at(n, rest, nullptr);
    if (!key) return key.error_value();
    if (ca) {
      MUTAUTH_TRY(detail::check_ca_patterns(n, first));
      if (!cas_.push_back(HostCertAuthority{*key, first}))
        return detail::line_error(errc::too_large, n,
                                  "more certificate authorities than the store holds");
      return ok();
    }
    std::string_view names = first;
    while (true) {
      const std::size_t comma = names.find(',');
      const std::string_view name =
          comma == std::string_view::npos ? names : detail::slice(names, 0, comma);
      if (name.empty()) return detail::line_error(errc::malformed, n, "empty host name");
      auto sp = detail::pinned_name(n, name);
      if (!sp) return sp.error_value();
      if (!pins_.push_back(PinnedServer{*sp, *key}))
        return detail::line_error(errc::too_large, n, "more pinned keys than the store holds");
      if (comma == std::string_view::npos) break;
      names = detail::slice(names, comma + 1, names.size() - comma - 1);
    }
    return ok();
  }
};

/// The acceptor's trust file (authorized_keys subset; see the top of this header).
template <std::size_t MaxPins = 32, std::size_t MaxAuthorities = 8>
class AuthorizedKeys
    : public detail::trust_store<AuthorizedKeys<MaxPins, MaxAuthorities>, PinnedClient,
                                 UserCertAuthority, ClientTrust, MaxPins, MaxAuthorities> {
  using store = detail::trust_store<AuthorizedKeys, PinnedClient, UserCertAuthority, ClientTrust,
                                    MaxPins, MaxAuthorities>;
  friend store;
  using store::cas_;
  using store::pins_;

  result<void> parse_line(std::size_t n, std::string_view line) noexcept {
    std::string_view rest = line;
    detail::ak_options opts;
    // sshd(8): "The options (if present) consist of comma-separated option specifications. No
    // spaces are permitted, except within double quotes." So the options field ends at the first
    // blank outside quotes.
    if (!line.starts_with(ed25519_key_type) || (line.size() > ed25519_key_type.size() &&
                                                !detail::is_blank(line[ed25519_key_type.size()]))) {
      std::size_t i = 0;
      bool quoted = false;
      while (i < line.size() && (quoted || !detail::is_blank(line[i]))) {
        if (line[i] == '"') quoted = !quoted;
        ++i;
      }
      const std::string_view field = detail::slice(line, 0, i);
      if (detail::is_other_key_type(field)) return detail::unsupported_key_line(n, field);
      auto o = detail::parse_ak_options(n, field);
      if (!o) return o.error_value();
      opts = *o;
      rest = detail::trim(detail::slice(line, i, line.size() - i));
    }
    std::string_view comment{};
    auto key = detail::key_at(n, rest, &comment);
    if (!key) return key.error_value();
    if (opts.cert_authority) {
      if (!cas_.push_back(UserCertAuthority{*key, opts.principals}))
        return detail::line_error(errc::too_large, n,
                                  "more certificate authorities than the store holds");
      return ok();
    }
    std::string_view who{};
    if (opts.has_principals) {
      if (opts.principals.find(',') != std::string_view::npos)
        return detail::line_error(errc::malformed, n,
                                  "a pinned key proves one principal: principals=\"...\" must name "
                                  "exactly one");
      who = opts.principals;
    } else {
      who = comment;
      for (char c : who)
        if (!mutauth::detail::ascii_is_graph(c)) {
          who = {};
          break;
        }
      if (who.empty())
        return detail::line_error(
            errc::malformed, n,
            "no principal for this key: add principals=\"name\" or a one-word "
            "comment");
      // The same rule as principals="a,b" above: a comment such as "alice,bob" must not become
      // one principal whose name merely contains a comma.
      if (who.find(',') != std::string_view::npos)
        return detail::line_error(errc::malformed, n,
                                  "a pinned key proves one principal: its comment names more than "
                                  "one; name exactly one with principals=\"name\"");
    }
    if (who.size() > ServicePrincipal::max_text)
      return detail::line_error(errc::too_large, n, "principal name too long");
    // A key proves one principal, so a key pinned on two lines is refused, whatever the two
    // names. sshd(8) AUTHORIZED_KEYS FILE FORMAT reads the file in order and uses the first line
    // whose key matches (and whose options allow the login), while the acceptor's lookup (pk.hpp)
    // would take the last: a duplicate means "alice" to one reader and "mallory" to another, and
    // the file must not be taken to say either. Two lines with the same name are refused too:
    // harmless today, but an edit to one copy would be silently outvoted by the other. Checked
    // before the capacity, so a full store still names the duplicate; quadratic in the pins,
    // which are few and bounded.
    //
    // A cert-authority line with the same key is NOT a conflict: it is another role. sshd(8)
    // matches a raw key only against lines without cert-authority and a certificate's signing
    // key only against cert-authority lines, and so does the acceptor (pinned() for raw keys,
    // authorities() for certificates), so the two lines never compete for one login. Refusing
    // it would turn away files OpenSSH accepts without removing any ambiguity. For the same
    // reason two cert-authority lines with one key stay allowed: a certificate is checked
    // against each, as sshd does.
    const std::span<const PinnedClient> pins = pins_.view();
    for (std::size_t i = 0; i < pins.size(); ++i)
      if (pins[i].key == *key) return pinned_twice(*key, pin_line_[i], n);
    const std::size_t index = pins_.size();
    if (!pins_.push_back(PinnedClient{who, *key}))
      return detail::line_error(errc::too_large, n, "more pinned keys than the store holds");
    pin_line_[index] = n;
    return ok();
  }

  static error pinned_twice(const Ed25519PublicKey& key, std::size_t first,
                            std::size_t second) noexcept {
    error e = detail::line_error(errc::malformed, second, "key ");
    e.append(fingerprint(key).view()).append(" is pinned twice (lines ");
    mutauth::detail::fixed_string<48> lines;
    (void)lines.append_uint(first);
    (void)lines.append(" and ");
    (void)lines.append_uint(second);
    e.append(lines.view()).append("); a key proves one principal");
    return e.with_hint(
        "remove one of the two lines; a user who needs another principal needs another key");
  }

  // The line of each pin, for the duplicate refusal above: pin_line_[i] is written when pins_[i]
  // is, so it needs no reset of its own when parse() clears the pins.
  std::size_t pin_line_[MaxPins == 0 ? 1 : MaxPins] = {};
};

/// Reads a whole trust file into `buffer` (caller storage) and returns its text; a file that
/// does not fit is refused (errc::buffer_too_small). The text views `buffer`.
[[nodiscard]] inline result<std::string_view> load_trust_file(const char* path,
                                                              std::span<char> buffer) noexcept {
  auto n = detail::read_whole_file(path, buffer, false, errc::buffer_too_small,
                                   "trust file larger than the buffer: ");
  if (!n) return n.error_value();
  return std::string_view(buffer.data(), *n);
}

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
