// mutauth — the Kerberos v5 mechanism: an adapter over GSS-API (MIT krb5) that satisfies the
// Mechanism concept (docs/design.md §5).
//
//   mutauth::krb5::InitiatorConfig icfg;                       // default ccache / client keytab
//   mutauth::Initiator<mutauth::krb5::Kerberos> client(target, icfg);
//   mutauth::krb5::AcceptorConfig acfg{service, "FILE:/etc/myservice.keytab"};
//   mutauth::Acceptor<mutauth::krb5::Kerberos> server(acfg, authorize);
//
// Wire: the standard GSS-API krb5 tokens — the initial context token carrying the AP-REQ
// (RFC 4121 §4.1, RFC 2743 §3.1) and the AP-REP — and RFC 4121 §4.2.6.2 wrap tokens for
// sealed records, so any GSS-API krb5 peer (MIT, Heimdal, SSPI, python-gssapi) interoperates.
//
// What the adapter adds to plain GSS-API, and why:
// - The krb5 mechanism OID is used directly, never SPNEGO (docs/design.md §5: negotiation would be a
//   separate mechanism, and SPNEGO can settle on a weaker one).
// - Both roles refuse a context whose ret_flags lack GSS_C_MUTUAL_FLAG (G4): RFC 2743 §1.2.2
//   makes mutual authentication a request the peer may decline; here it is not optional, and an
//   acceptor refuses a client that did not ask (such a client never checks the AP-REP).
// - The initiator's target comes only from the ServicePrincipal the client composed (G2), and
//   after completion gss_inquire_context must show exactly that service and host: MIT's DNS
//   canonicalization (dns_canonicalize_hostname, rdns) or a referral would otherwise let DNS
//   choose whom we authenticate (errc::target_rewritten).
// - A target composed without a realm must be proven in the realm krb5.conf [domain_realm] maps
//   its host to, when it maps it (docs/kerberos.md, "Realms"); the proven name always shows a realm.
// - Optional channel bindings (RFC 2744 §3.11 application data, RFC 5056): an acceptor configured
//   with them refuses a client that bound other bytes or none (docs/kerberos.md).
// - The acceptor refuses anonymous clients (GSS_C_ANON_FLAG, RFC 6112 WELLKNOWN/ANONYMOUS): G3.
// - Sealed records require confidentiality, and the supplementary "duplicate / old /
//   unsequenced / gap" statuses that GSS reports as successes (RFC 2743 §1.2.1.1) are errors.
#pragma once

#include <array>        // channel binding storage
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstdlib>      // std::getenv
#include <cstring>      // std::memcpy, std::memcmp, std::strchr
#include <ctime>        // std::time: the [domain_realm] answer's freshness
#include <string_view>  // names, labels, config strings
#include <utility>      // std::move, std::exchange

#include <profile.h>  // profile_get_string: [domain_realm] lookups (MIT krb5)

#include "mutauth/bytes.hpp"
#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/krb5/detail/errors.hpp"
#include "mutauth/mech/krb5/detail/gss.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace krb5 {

/// The mechanism name in Principal::mechanism and Kerberos::name.
inline constexpr std::string_view mechanism_name = "krb5";

class InitiatorCredential;

/// Initiator credentials. Empty strings mean "the environment's default" (KRB5CCNAME,
/// KRB5_CLIENT_KTNAME, the ccache's default principal). Any non-empty field switches to
/// gss_acquire_cred_from with exactly these values (MIT credential store extension).
/// The strings MUST outlive the handshake (the core keeps a reference to the config).
struct InitiatorConfig {
  /// The client principal, e.g. `alice@EXAMPLE.TEST`; empty: the ccache's principal, or the
  /// first one in the client keytab.
  std::string_view client_principal{};
  /// Credential cache, e.g. `FILE:/run/app/krb5cc`, `MEMORY:app`.
  std::string_view ccache{};
  /// Client keytab from which MIT fetches a TGT itself when the ccache has none.
  std::string_view client_keytab{};
  /// Forward a TGT to the service (GSS_C_DELEG_FLAG). Off unless asked (docs/design.md §5).
  bool delegate = false;
  /// Optional bytes from a lower layer that both sides must agree on (e.g. RFC 9266
  /// `tls-exporter`, RFC 5929 `tls-server-end-point`), sent as the application data of the
  /// GSS channel bindings (RFC 2744 §3.11, RFC 4121 §4.1.1.2). Caller-owned; MUST outlive the
  /// handshake. Empty: no bindings.
  bytes_view channel_binding{};
  /// Optional: a credential acquired once (InitiatorCredential::acquire) and shared by every
  /// handshake of this client; client_principal, ccache and client_keytab are then ignored
  /// (they were used when it was acquired). Without it each handshake acquires its own, and
  /// asks GSS for its own name (Session::local()) — three fresh krb5_contexts that a held
  /// credential pays once (docs/kerberos.md, "Cost"). MUST outlive the handshake.
  const InitiatorCredential* credential = nullptr;
};

class AcceptorCredential;

/// Acceptor credentials: the service principal this acceptor is bound to and its keytab.
/// The strings MUST outlive the handshake.
struct AcceptorConfig {
  /// The SPN clients must address. With a realm, exactly `svc/host@REALM`; without one,
  /// `svc/host` in whatever realm the keytab holds it.
  ServicePrincipal service;
  /// Keytab, e.g. `FILE:/etc/app.keytab`; empty: KRB5_KTNAME / the default keytab.
  std::string_view keytab{};
  /// Optional: a credential acquired once for `service` (AcceptorCredential::acquire) and shared
  /// by every handshake. Without it each handshake acquires its own from the keytab — simple,
  /// but acquiring costs about as much as a sixth of the whole handshake. MUST outlive the
  /// handshake; it picks up a re-keyed keytab only when acquired again.
  const AcceptorCredential* credential = nullptr;
  /// Optional channel-binding bytes (see InitiatorConfig::channel_binding). When set, a client
  /// that bound other bytes (GSS_S_BAD_BINDINGS) or none at all (GSS_C_CHANNEL_BOUND_FLAG
  /// missing from ret_flags) is refused. Caller-owned; MUST outlive the handshake.
  bytes_view channel_binding{};
};

struct Kerberos;

namespace detail {

using mutauth::detail::fixed_string;

/// Paths and names copied into NUL-terminated storage for the C API.
using cstring = fixed_string<4095>;

[[nodiscard]] inline result<cstring> to_cstring(std::string_view s, const char* what) noexcept {
  cstring c;
  if (s.find('\0') != std::string_view::npos || !c.append(s)) {
    error e(errc::invalid_argument, what);
    e.append(": longer than 4095 characters or contains a NUL byte");
    return e;
  }
  return c;
}

/// RFC 2743 §4.1 / RFC 1964 §2.1: `svc/host@REALM` as a krb5 principal name when the realm (or
/// a port, which the host-based form cannot carry) is given, else `svc@host` host-based, so MIT
/// maps the host to its realm through [domain_realm].
[[nodiscard]] inline result<gss_name> import_service_name(const ServicePrincipal& sp) noexcept {
  const bool principal_form = sp.has_realm() || sp.has_port();
  const auto text = principal_form ? sp.krb5_name() : sp.gss_hostbased_name();
  gss_buffer_desc in = input_buffer(text.view());
  gss_name name;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_import_name(
      &minor, &in, principal_form ? GSS_KRB5_NT_PRINCIPAL_NAME : GSS_C_NT_HOSTBASED_SERVICE,
      name.out());
  if (GSS_ERROR(major))
    return gss_failure("gss_import_name (service)", major, minor, origin::other);
  return name;
}

/// Index of the '@' that starts the realm in a krb5 display name, or npos. Components escape
/// '@' and '/' with a backslash (RFC 1964 §2.1.1), so an escaped '@' is not the separator.
[[nodiscard]] constexpr std::size_t realm_separator(std::string_view s) noexcept {
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] != '@') continue;
    std::size_t slashes = 0;
    for (std::size_t j = i; j-- > 0 && s[j] == '\\';) ++slashes;
    if (slashes % 2 == 0) return i;
  }
  return std::string_view::npos;
}

/// G2 for Kerberos: does `shown` (the display form of the principal the exchange authenticated,
/// e.g. `host/server.example.test@EXAMPLE.TEST`) name exactly the composed `target`?
/// Service class exact (RFC 4120 §6.2: names are case-sensitive), host case-insensitively
/// (RFC 4343), port exact, realm exact when the target has one. Any escaped character refuses:
/// a composed ServicePrincipal never needs one.
[[nodiscard]] inline bool names_target(std::string_view shown,
                                       const ServicePrincipal& target) noexcept {
  if (shown.find('\\') != std::string_view::npos) return false;
  const std::size_t at = realm_separator(shown);
  const std::string_view name = shown.substr(0, at);
  const std::string_view realm =
      at == std::string_view::npos ? std::string_view{} : shown.substr(at + 1);
  const std::size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  if (name.substr(0, slash) != target.service()) return false;
  std::string_view hostport = name.substr(slash + 1);
  if (hostport.find('/') != std::string_view::npos) return false;  // a third component
  std::string_view host = hostport;
  if (target.has_port()) {
    const auto pn = target.pk_name();  // svc/host:port; the port text is its tail
    const std::string_view want_port = pn.view().substr(pn.view().rfind(':'));
    if (hostport.size() <= want_port.size() ||
        hostport.substr(hostport.size() - want_port.size()) != want_port) {
      return false;
    }
    host = hostport.substr(0, hostport.size() - want_port.size());
  }
  if (!mutauth::detail::ascii_iequal(host, target.host())) return false;
  if (target.has_realm() && realm != target.realm()) return false;
  return true;
}

/// A proven Principal from a krb5 display name: name = the full form (`alice@EXAMPLE.TEST`),
/// realm = the part after the realm separator.
[[nodiscard]] inline result<Principal> principal_from(gss_name_t name,
                                                      gss_OID* type = nullptr) noexcept {
  Principal p;
  p.mechanism = mechanism_name;
  MUTAUTH_TRY(display_name(name, p.name, type));
  const std::size_t at = realm_separator(p.name.view());
  if (at != std::string_view::npos) (void)p.realm.append(p.name.view().substr(at + 1));
  return p;
}

/// RFC 4401 GSS_Pseudo_random with GSS_C_PRF_KEY_FULL (the acceptor subkey when one was
/// negotiated, RFC 4402 §2), `label` as prf_in, exactly out.size() bytes into `out`.
[[nodiscard]] inline result<void> pseudo_random(gss_ctx_id_t ctx, std::string_view label,
                                                bytes_span out) noexcept {
  if (out.empty()) return ok();
  gss_buffer_desc in = input_buffer(label);
  gss_buffer prf(/*secret=*/true);
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_pseudo_random(&minor, ctx, GSS_C_PRF_KEY_FULL, &in,
                                            static_cast<ssize_t>(out.size()), prf.out());
  if (GSS_ERROR(major)) return gss_failure("gss_pseudo_random", major, minor, origin::other);
  if (prf.size() != out.size())
    return error(errc::mechanism_failure, "gss_pseudo_random returned a short output");
  std::memcpy(out.data(), prf.bytes().data(), out.size());
  return ok();
}

[[nodiscard]] inline bool is_krb5_mech(gss_OID oid) noexcept {
  return oid != GSS_C_NO_OID && oid->length == gss_mech_krb5->length &&
         std::memcmp(oid->elements, gss_mech_krb5->elements, oid->length) == 0;
}

// RFC 2743 §1.2.2 / RFC 4121 §4.1.1.1. MUTUAL has its own code (G4); the others are what the
// session needs: confidentiality for seal(), and replay + sequence detection so that open() can
// refuse replayed and reordered records.
inline constexpr OM_uint32 required_flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
                                            GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
                                            GSS_C_INTEG_FLAG;

[[nodiscard]] inline result<void> check_flags(OM_uint32 ret_flags, bool acceptor) noexcept {
  if ((ret_flags & GSS_C_MUTUAL_FLAG) == 0) {
    return acceptor ? error(errc::mutual_auth_not_negotiated,
                            "the client did not request mutual authentication (GSS_C_MUTUAL_FLAG "
                            "missing from ret_flags); it would not verify the server",
                            "the client must request GSS_C_MUTUAL_FLAG (RFC 2743 section 1.2.2)")
                    : error(errc::mutual_auth_not_negotiated,
                            "the server's context did not grant mutual authentication "
                            "(GSS_C_MUTUAL_FLAG missing from ret_flags)");
  }
  if ((ret_flags & required_flags) != required_flags) {
    return error(errc::mechanism_failure,
                 acceptor ? "the client did not request replay and sequence detection with "
                            "confidentiality and integrity (GSS_C_REPLAY|SEQUENCE|CONF|INTEG)"
                          : "the context lacks replay or sequence detection, confidentiality or "
                            "integrity (GSS_C_REPLAY|SEQUENCE|CONF|INTEG)");
  }
  return ok();
}

/// RFC 2744 §3.11 channel bindings carrying only application data (no addresses, which NAT
/// makes meaningless: GSS_C_AF_UNSPEC on both sides, as python-gssapi and SSPI send too).
/// The struct points into `data`, which must outlive the GSS call.
struct channel_bindings {
  gss_channel_bindings_struct cb{};
  explicit channel_bindings(bytes_view data) noexcept {
    cb.initiator_addrtype = GSS_C_AF_UNSPEC;
    cb.acceptor_addrtype = GSS_C_AF_UNSPEC;
    cb.application_data = input_buffer(data);
  }
  channel_bindings(const channel_bindings&) = delete;
  channel_bindings& operator=(const channel_bindings&) = delete;
  /// GSS_C_NO_CHANNEL_BINDINGS when nothing is bound.
  [[nodiscard]] gss_channel_bindings_t get() noexcept {
    return cb.application_data.length == 0 ? GSS_C_NO_CHANNEL_BINDINGS : &cb;
  }
};

/// An acceptor configured with channel bindings requires the client to have bound the same
/// bytes. MIT (>= 1.19) fails a mismatch with GSS_S_BAD_BINDINGS but accepts a client that sent
/// no bindings at all, reporting the difference only by leaving GSS_C_CHANNEL_BOUND_FLAG out of
/// ret_flags: so the flag is required here.
#ifdef GSS_C_CHANNEL_BOUND_FLAG
inline constexpr OM_uint32 channel_bound_flag = GSS_C_CHANNEL_BOUND_FLAG;
#else
// MIT before 1.19 never reports it: an acceptor configured with bindings then refuses every
// client (fails closed) rather than accept one that may have bound nothing.
inline constexpr OM_uint32 channel_bound_flag = 0x800;
#endif

[[nodiscard]] inline result<void> check_bound(OM_uint32 ret_flags, bool configured) noexcept {
  if (!configured || (ret_flags & channel_bound_flag) != 0) return ok();
  return error(errc::decrypt_failed,
               "channel bindings missing: this acceptor requires channel bindings and the client "
               "sent none (GSS_C_CHANNEL_BOUND_FLAG missing from ret_flags)",
               "set InitiatorConfig::channel_binding on the client to the same bytes as "
               "AcceptorConfig::channel_binding");
}

/// RFC 6112 §3: the anonymous principal is WELLKNOWN/ANONYMOUS, in the realm
/// WELLKNOWN:ANONYMOUS (fully anonymous) or in a real realm (realm-preserving anonymity).
/// Whether a displayed client name is that principal, in any realm.
[[nodiscard]] constexpr bool is_anonymous_name(std::string_view shown) noexcept {
  constexpr std::string_view anon = "WELLKNOWN/ANONYMOUS";
  const std::size_t at = realm_separator(shown);
  return shown.substr(0, at) == anon;
}

/// G3 (docs/design.md: no anonymous mode): an acceptor refuses a client that authenticated
/// anonymously — GSS_C_ANON_FLAG in ret_flags (RFC 2743 §1.2.5), the anonymous name type
/// (GSS_C_NT_ANONYMOUS) or the RFC 6112 anonymous principal — since then nobody was proven.
[[nodiscard]] inline result<void> check_not_anonymous(OM_uint32 ret_flags, gss_OID name_type,
                                                      std::string_view shown) noexcept {
  const bool anon_type =
      name_type != GSS_C_NO_OID && name_type->length == GSS_C_NT_ANONYMOUS->length &&
      std::memcmp(name_type->elements, GSS_C_NT_ANONYMOUS->elements, name_type->length) == 0;
  if ((ret_flags & GSS_C_ANON_FLAG) == 0 && !anon_type && !is_anonymous_name(shown)) return ok();
  error e(errc::unauthorized, "anonymous client refused (",
          "the client must authenticate as a named principal: anonymous PKINIT proves nobody");
  mutauth::detail::append_quoted(e, shown);
  e.append((ret_flags & GSS_C_ANON_FLAG) != 0 ? ", GSS_C_ANON_FLAG set)" : ")");
  return e;
}

/// The krb5.conf profile for [domain_realm] lookups, one per thread, loaded again whenever
/// KRB5_CONFIG names other files. MIT's profile library re-reads a file that changed on disk
/// (at most once a second, as for its own long-lived contexts), so keeping it costs no
/// freshness, and it spares each handshake a krb5_init_context (the cost that dominates
/// the GSS calls themselves, docs/kerberos.md "Cost"). It also remembers the last host's
/// answer for the rest of the second it was looked up in — the same freshness as the
/// profile's own (it looks at the file again only in a later second), without walking
/// [domain_realm] again for every handshake to the same host.
class profile_cache {
 public:
  profile_cache() noexcept = default;
  profile_cache(const profile_cache&) = delete;
  profile_cache& operator=(const profile_cache&) = delete;
  ~profile_cache() { reset(); }

  [[nodiscard]] profile_t get() noexcept {
    const char* env = std::getenv("KRB5_CONFIG");
    const std::string_view now = env != nullptr ? std::string_view(env) : std::string_view{};
    if (profile_ != nullptr && (env != nullptr) == env_set_ && now == env_.view()) return profile_;
    reset();
    if (!env_.append(now)) return nullptr;  // a path list longer than 4095: no caching
    krb5_context kc = nullptr;
    if (krb5_init_context(&kc) != 0) return nullptr;
    if (krb5_get_profile(kc, &profile_) != 0) profile_ = nullptr;
    krb5_free_context(kc);
    env_set_ = env != nullptr;
    return profile_;
  }

  /// The remembered answer for `host` (lower case), if it was looked up in second `now`.
  [[nodiscard]] bool recall(std::string_view host, std::time_t now,
                            mutauth::detail::fixed_string<255>& realm) const noexcept {
    if (!memo_valid_ || now != memo_time_ || host != memo_host_.view()) return false;
    realm.clear();
    return realm.append(memo_realm_.view());
  }
  void remember(std::string_view host, std::time_t now, std::string_view realm) noexcept {
    memo_host_.clear();
    memo_realm_.clear();
    memo_valid_ = memo_host_.append(host) && memo_realm_.append(realm);
    memo_time_ = now;
  }

 private:
  void reset() noexcept {
    if (profile_ != nullptr) profile_release(profile_);
    profile_ = nullptr;
    env_.clear();
    env_set_ = false;
    memo_valid_ = false;
  }
  profile_t profile_ = nullptr;
  cstring env_;
  bool env_set_ = false;
  mutauth::detail::fixed_string<255> memo_host_, memo_realm_;
  std::time_t memo_time_ = 0;
  bool memo_valid_ = false;
};

/// The realm krb5.conf's [domain_realm] maps `host` to, into `out` (empty when none maps it).
/// Configuration only, never DNS (dns_lookup_realm would let DNS choose the realm): the same
/// search MIT makes — the host itself, then each parent domain with and without its leading
/// dot, most specific first (krb5.conf(5), [domain_realm]).
[[nodiscard]] inline result<void> configured_realm(
    std::string_view host, mutauth::detail::fixed_string<255>& out) noexcept {
  out.clear();
  cstring key;
  for (char ch : host) {
    const char lower = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if (!key.append(std::string_view(&lower, 1)))
      return error(errc::invalid_argument, "host name too long for the realm lookup");
  }
  static thread_local profile_cache cache;
  const profile_t profile = cache.get();
  if (profile == nullptr)
    return error(errc::mechanism_failure,
                 "cannot read krb5.conf (krb5_init_context / krb5_get_profile failed)");
  const std::time_t now = std::time(nullptr);
  if (cache.recall(key.view(), now, out)) return ok();
  const char* p = key.c_str();
  while (p != nullptr && *p != '\0') {
    char* value = nullptr;
    if (profile_get_string(profile, "domain_realm", p, nullptr, nullptr, &value) == 0 &&
        value != nullptr) {
      const bool fits = out.append(std::string_view(value));
      profile_release_string(value);
      if (!fits) return error(errc::too_large, "[domain_realm] realm longer than 255 characters");
      cache.remember(key.view(), now, out.view());
      return ok();
    }
    p = *p == '.' ? p + 1 : std::strchr(p, '.');
  }
  cache.remember(key.view(), now, {});
  return ok();
}

/// The realm rule for a target composed without a realm (docs/kerberos.md, "Realms"): when the
/// client's krb5.conf maps the host to a realm, the proven target must be in exactly that realm
/// (a referral or a DNS TXT record may not move it); otherwise the proven name shows whichever
/// realm the exchange reached, and a caller that cares composes `svc/host@REALM`.
[[nodiscard]] inline result<void> check_mapped_realm(std::string_view shown,
                                                     std::string_view mapped) noexcept {
  if (mapped.empty()) return ok();
  const std::size_t at = realm_separator(shown);
  const std::string_view realm =
      at == std::string_view::npos ? std::string_view{} : shown.substr(at + 1);
  if (realm == mapped) return ok();
  error e(errc::target_rewritten, "the server proved ",
          "compose the target with its realm (svc/host@REALM), or fix [domain_realm] in krb5.conf");
  mutauth::detail::append_quoted(e, shown);
  e.append(", but krb5.conf [domain_realm] maps its host to ");
  mutauth::detail::append_quoted(e, mapped);
  e.append(" (a referral or DNS chose the realm)");
  return e;
}

/// One DER TLV (X.690 §8.1) at the front of `in`: checks the tag, returns the contents and
/// advances `in` past the element. Definite lengths only (DER), at most 4 length octets.
[[nodiscard]] inline bool der_take(bytes_view& in, std::uint8_t tag,
                                   bytes_view& contents) noexcept {
  if (in.size() < 2 || in[0] != tag) return false;
  std::size_t len = in[1];
  std::size_t off = 2;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return false;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
    off += n;
  }
  if (in.size() - off < len) return false;
  contents = in.subspan(off, len);
  in = in.subspan(off + len);
  return true;
}

/// A ticket field we can show unambiguously: a non-empty run of printable ASCII without the
/// separators of a principal's display form (RFC 4120 §6.1, §6.2).
[[nodiscard]] inline bool plain_name_part(bytes_view b) noexcept {
  if (b.empty()) return false;
  for (std::uint8_t c : b)
    if (c <= 0x20 || c >= 0x7f || c == '@' || c == '\\' || c == '/') return false;
  return true;
}

/// The server principal of the service ticket inside our own initial context token (RFC 4121
/// §4.1: GSS framing, TOK_ID 01 00, then the AP-REQ of RFC 4120 §5.5.1, whose Ticket carries
/// its realm and sname in the clear, §5.3): `sname` as its components joined by '/', and the
/// realm. The ticket is encrypted in that principal's key, and the AP-REP proves the server
/// could decrypt it, so this is the name the handshake proved. It is also the name after every
/// rewrite: MIT's inquired target is the name imported before gss_init_sec_context, and shows
/// neither the canonical name that `dns_canonicalize_hostname = fallback` retries with nor the
/// realm a referral reached (empty, RFC 6806 §8). False when the token does not have that shape
/// or a part could not be shown unambiguously.
[[nodiscard]] inline bool ticket_server(bytes_view token, mutauth::detail::fixed_string<255>& sname,
                                        mutauth::detail::fixed_string<255>& realm) noexcept {
  sname.clear();
  realm.clear();
  bytes_view t = token, gss, v;
  if (!der_take(t, 0x60, gss)) return false;  // [APPLICATION 0] InitialContextToken
  if (!der_take(gss, 0x06, v)) return false;  // thisMech
  if (gss.size() < 2 || gss[0] != 0x01 || gss[1] != 0x00) return false;  // TOK_ID KRB_AP_REQ
  gss = gss.subspan(2);
  bytes_view apreq, seq, field, ticket, tseq, r, pn, strings, part;
  if (!der_take(gss, 0x6e, apreq) || !der_take(apreq, 0x30, seq)) return false;  // AP-REQ
  if (!der_take(seq, 0xa0, v) || !der_take(seq, 0xa1, v) || !der_take(seq, 0xa2, v)) return false;
  if (!der_take(seq, 0xa3, field) || !der_take(field, 0x61, ticket)) return false;  // Ticket
  if (!der_take(ticket, 0x30, tseq) || !der_take(tseq, 0xa0, v)) return false;      // tkt-vno
  if (!der_take(tseq, 0xa1, field) || !der_take(field, 0x1b, r)) return false;      // realm
  if (!der_take(tseq, 0xa2, field) || !der_take(field, 0x30, pn)) return false;     // sname
  if (!der_take(pn, 0xa0, v) || !der_take(pn, 0xa1, field) || !der_take(field, 0x30, strings))
    return false;  // PrincipalName: name-type, name-string
  if (!plain_name_part(r)) return false;
  auto text = [](bytes_view b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  };
  while (!strings.empty()) {
    if (!der_take(strings, 0x1b, part) || !plain_name_part(part)) return false;  // KerberosString
    if ((!sname.empty() && !sname.append("/")) || !sname.append(text(part))) return false;
  }
  if (sname.empty()) return false;
  return realm.append(text(r));
}

}  // namespace detail

/// Keys of an established Kerberos context: the GSS context itself, used through gss_wrap /
/// gss_unwrap (RFC 4121 §4.2.6.2 wrap tokens with confidentiality) and gss_pseudo_random.
class SessionKeys {
 public:
  /// Wrap-token overhead (RFC 4121 §4.2.6.2, with confidentiality) is 16-byte token header +
  /// 16-byte confounder + 16-byte encrypted header copy + the enctype's checksum: 12 bytes for
  /// aes128/aes256-cts-hmac-sha1-96 (60 in all, the least), up to 24 for
  /// aes256-cts-hmac-sha384-192 (RFC 8009: 72, the most); camellia and aes128-sha256 lie between.
  /// seal() is promised seal_overhead bytes of room; a record shorter than open_overhead cannot
  /// be valid. A context outside 60..72 (the RFC 1964 / RFC 4757 DES3 and RC4 tokens, which
  /// pad) is refused before its first record is sealed or opened.
  static constexpr std::size_t open_overhead = 16 + 16 + 16 + 12;
  static constexpr std::size_t seal_overhead = 16 + 16 + 16 + 24;
  static constexpr std::size_t channel_binding_size = 32;
  /// The PRF input of channel_binding(); export_keying_material refuses it so that no exporter
  /// output equals the (shareable) channel-binding value.
  static constexpr std::string_view channel_binding_label = "mutauth-krb5 channel binding";

  SessionKeys() noexcept = default;
  // The GSS handles release themselves and the channel binding wipes itself
  // (mutauth/detail/secret.hpp): moved-from keys own nothing, and destruction is wipe().
  SessionKeys(SessionKeys&&) noexcept = default;
  SessionKeys& operator=(SessionKeys&&) noexcept = default;

  /// gss_wrap with confidentiality. `out` MUST hold in.size() + wrap_overhead() bytes.
  [[nodiscard]] result<std::size_t> seal(bytes_view in, bytes_span out) noexcept {
    if (!ctx_) return error(errc::wrong_state, "Kerberos session keys are wiped");
    MUTAUTH_TRY(measure_overhead());
    const std::size_t need = in.size() + overhead_;
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Kerberos wrap token needs more room than given")
          .with_required_size(need);
    }
    gss_buffer_desc msg = detail::input_buffer(in);
    detail::gss_buffer token;
    int conf_state = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_wrap(&minor, ctx_.get(), 1, GSS_C_QOP_DEFAULT, &msg, &conf_state, token.out());
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_wrap", major, minor, detail::origin::other);
    if (conf_state == 0)  // RFC 2743 §2.3.3: conf_state says whether it was actually encrypted
      return error(errc::mechanism_failure, "gss_wrap did not apply confidentiality");
    if (token.size() > out.size()) {
      return error(errc::mechanism_failure,
                   "gss_wrap produced a token larger than its overhead "
                   "bound; the sequence number is spent");
    }
    std::memcpy(out.data(), token.bytes().data(), token.size());
    return token.size();
  }

  /// gss_unwrap of one wrap token. Refuses tokens that are not encrypted, and replayed, old,
  /// reordered or gap tokens even though GSS reports those as successes (RFC 2743 §1.2.1.1
  /// supplementary status): a session is an ordered stream (session.hpp).
  [[nodiscard]] result<std::size_t> open(bytes_view in, bytes_span out) noexcept {
    if (!ctx_) return error(errc::wrong_state, "Kerberos session keys are wiped");
    MUTAUTH_TRY(measure_overhead());
    if (in.size() < overhead_)
      return error(errc::truncated, "record shorter than this context's wrap-token overhead");
    const std::size_t need = in.size() - overhead_;
    if (out.size() < need) {
      return error(errc::buffer_too_small, "output buffer shorter than the largest plaintext")
          .with_required_size(need);
    }
    gss_buffer_desc token = detail::input_buffer(in);
    detail::gss_buffer plain(/*secret=*/true);
    int conf_state = 0;
    gss_qop_t qop = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_unwrap(&minor, ctx_.get(), &token, plain.out(), &conf_state, &qop);
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_unwrap", major, minor, detail::origin::other);
    if (major & GSS_S_DUPLICATE_TOKEN)
      return error(errc::replayed, "record seen before (GSS_S_DUPLICATE_TOKEN)");
    if (major & GSS_S_OLD_TOKEN)
      return error(errc::out_of_order, "record too old to check for replay (GSS_S_OLD_TOKEN)");
    if (major & GSS_S_UNSEQ_TOKEN)
      return error(errc::out_of_order, "record arrived after a later one (GSS_S_UNSEQ_TOKEN)");
    if (major & GSS_S_GAP_TOKEN)
      return error(errc::out_of_order, "an earlier record is missing (GSS_S_GAP_TOKEN)");
    if (conf_state == 0)
      return error(errc::decrypt_failed, "record was integrity-protected but not encrypted");
    if (plain.size() > out.size())
      return error(errc::mechanism_failure, "unwrapped record exceeds its overhead bound");
    if (!plain.empty()) std::memcpy(out.data(), plain.bytes().data(), plain.size());
    return plain.size();
  }

  /// Longest exporter context accepted (the PRF input is built on the stack).
  static constexpr std::size_t max_exporter_context = 4096;

  /// RFC 4401 GSS_Pseudo_random(GSS_C_PRF_KEY_FULL, prf_in) of out.size() bytes, where prf_in is
  /// `label` alone for an empty context and `label | 0x00 | context` otherwise (docs/kerberos.md),
  /// so any GSS-API peer computes the same value from the same inputs. The channel-binding label
  /// and labels containing NUL are refused.
  [[nodiscard]] result<void> export_keying_material(std::string_view label, bytes_view context,
                                                    bytes_span out) const noexcept {
    if (!ctx_) return error(errc::wrong_state, "Kerberos session keys are wiped");
    if (label.empty() || label.size() > 255)
      return error(errc::invalid_argument, "exporter label must be 1 to 255 bytes");
    if (label.find('\0') != std::string_view::npos)
      return error(errc::invalid_argument, "exporter label contains a NUL byte");
    if (label == channel_binding_label)
      return error(errc::invalid_argument, "exporter label reserved for the channel binding");
    if (context.empty()) return detail::pseudo_random(ctx_.get(), label, out);
    if (context.size() > max_exporter_context)
      return error(errc::invalid_argument, "Kerberos exporter context longer than 4096 bytes");
    std::array<char, 255 + 1 + max_exporter_context> in{};
    std::size_t n = 0;
    for (char c : label) in[n++] = c;
    in[n++] = 0;
    for (auto b : context) in[n++] = static_cast<char>(b);
    return detail::pseudo_random(ctx_.get(), std::string_view(in.data(), n), out);
  }

  /// 32 bytes of GSS_Pseudo_random under channel_binding_label, computed on first use (a PRF
  /// call per side costs ~2 % of a handshake, and most applications never ask). Empty once
  /// wiped, or if GSS cannot compute it.
  [[nodiscard]] bytes_view channel_binding() const noexcept {
    if (!ctx_) return {};
    if (!cb_ready_) {
      if (!detail::pseudo_random(ctx_.get(), channel_binding_label, bytes_span(cb_))) return {};
      cb_ready_ = true;
    }
    return {cb_.data(), cb_.size()};
  }

  /// Deletes the GSS context (MIT zeroes its keys) and any delegated credential.
  void wipe() noexcept {
    ctx_.release();
    delegated_.release();
    cb_.wipe();
    cb_ready_ = false;
  }

  /// This context's exact wrap overhead (open_overhead..seal_overhead); 0 once wiped or when
  /// the context's enctype has none in that range.
  [[nodiscard]] std::size_t wrap_overhead() const noexcept {
    if (!ctx_ || !measure_overhead()) return 0;
    return overhead_;
  }
  /// The context's ret_flags (GSS_C_*_FLAG).
  [[nodiscard]] OM_uint32 flags() const noexcept { return flags_; }
  /// Acceptor only: the client's forwarded TGT when it delegated (GSS_C_DELEG_FLAG), else
  /// GSS_C_NO_CREDENTIAL. Owned by the keys; released by wipe().
  [[nodiscard]] gss_cred_id_t delegated_credential() const noexcept { return delegated_.get(); }

 private:
  friend class InitiatorContext;
  friend class AcceptorContext;

  // Takes over an established context.
  static result<SessionKeys> from_established(detail::gss_context&& ctx, OM_uint32 flags,
                                              detail::gss_cred&& delegated) noexcept {
    SessionKeys k;
    k.ctx_ = std::move(ctx);
    k.delegated_ = std::move(delegated);
    k.flags_ = flags;
    return k;
  }

  // The overhead is measured (gss_wrap_size_limit) rather than assumed, so that a context the
  // bound does not fit is refused before its first record is sealed or opened. Measured on
  // first use, not at the end of the handshake: each GSS call builds a fresh krb5_context, and
  // a handshake whose session is never used should not pay for it. A refusal is sticky.
  [[nodiscard]] result<void> measure_overhead() const noexcept {
    if (overhead_ != 0) return ok();
    if (overhead_refused_) return overhead_error();
    constexpr OM_uint32 probe = 4096;
    OM_uint32 max_in = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_wrap_size_limit(&minor, ctx_.get(), 1, GSS_C_QOP_DEFAULT, probe, &max_in);
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_wrap_size_limit", major, minor, detail::origin::other);
    const std::size_t overhead = probe - max_in;
    if (max_in > probe || overhead < open_overhead || overhead > seal_overhead) {
      overhead_refused_ = true;
      return overhead_error();
    }
    overhead_ = overhead;
    return ok();
  }
  static error overhead_error() noexcept {
    return error(errc::mechanism_failure,
                 "the negotiated enctype's wrap overhead is outside 60..72 bytes (RFC 1964 / "
                 "RFC 4757 DES3 or RC4 session key?)",
                 "permit only RFC 4121 enctypes (aes*-cts-*, camellia*) in krb5.conf");
  }

  detail::gss_context ctx_;
  detail::gss_cred delegated_;
  mutable mutauth::detail::WipedArray<channel_binding_size> cb_;
  mutable mutauth::detail::Secret<bool> cb_ready_;
  mutable std::size_t overhead_ = 0;  // 0: not measured yet
  mutable bool overhead_refused_ = false;
  OM_uint32 flags_ = 0;
};

namespace detail {

/// State shared by both role contexts: the GSS context, the last output token (kept here so
/// that mech_step::token stays valid until the next call, mechanism.hpp), and what completion
/// established.
class context_base {
 public:
  context_base(const context_base&) = delete;
  context_base& operator=(const context_base&) = delete;
  /// A moved-from context is dead (every call fails with errc::wrong_state) and owns nothing.
  context_base(context_base&& o) noexcept
      : ctx_(std::move(o.ctx_)),
        cred_(std::move(o.cred_)),
        out_(std::move(o.out_)),
        delegated_(std::move(o.delegated_)),
        flags_(o.flags_),
        peer_(o.peer_),
        local_(o.local_),
        state_(std::exchange(o.state_, state::wiped)),
        err_(o.err_) {
    o.wipe();
  }
  context_base& operator=(context_base&&) = delete;

  /// Deletes the GSS context and releases every GSS object (G5).
  void wipe() noexcept {
    ctx_.release();
    cred_.release();
    out_.release();
    delegated_.release();
    if (state_ != state::failed) state_ = state::wiped;
  }

 protected:
  enum class state : std::uint8_t { start, in_progress, complete, concluded, failed, wiped };

  context_base() noexcept = default;
  ~context_base() { wipe(); }

  /// Sticky failure: the context is dead and later calls return the same error.
  result<mech_step> fail(const error& e) noexcept {
    wipe();
    state_ = state::failed;
    err_ = e;
    return e;
  }
  result<mech_step> refuse_call() noexcept {
    if (state_ == state::failed) return err_;
    return fail(error(errc::wrong_state, "Kerberos context: call not allowed in this state"));
  }

  [[nodiscard]] bytes_view token() const noexcept { return out_.bytes(); }

  gss_context ctx_;
  gss_cred cred_;
  gss_buffer out_;
  gss_cred delegated_;
  OM_uint32 flags_ = 0;
  Principal peer_{};
  Principal local_{};
  state state_ = state::start;
  error err_{};
};

}  // namespace detail

namespace detail {
// INITIATE credentials from exactly the configured principal, ccache and client keytab (MIT
// credential store extension). With every field empty and `even_default` false nothing is
// acquired: GSS_C_NO_CREDENTIAL lets gss_init_sec_context pick the default for the target.
inline result<void> acquire_initiator_cred(const InitiatorConfig& c, gss_cred& out,
                                           bool even_default) noexcept {
  if (!even_default && c.client_principal.empty() && c.ccache.empty() && c.client_keytab.empty())
    return ok();
  gss_name desired;
  if (!c.client_principal.empty()) {
    gss_buffer_desc in = input_buffer(c.client_principal);
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_import_name(&minor, &in, GSS_KRB5_NT_PRINCIPAL_NAME, desired.out());
    if (GSS_ERROR(major))
      return gss_failure("gss_import_name (client)", major, minor, origin::other);
  }
  auto ccache = to_cstring(c.ccache, "InitiatorConfig::ccache");
  if (!ccache) return ccache.error_value();
  auto keytab = to_cstring(c.client_keytab, "InitiatorConfig::client_keytab");
  if (!keytab) return keytab.error_value();
  gss_key_value_element_desc elements[2];
  OM_uint32 n = 0;
  if (!c.ccache.empty()) elements[n++] = {"ccache", ccache->c_str()};
  if (!c.client_keytab.empty()) elements[n++] = {"client_keytab", keytab->c_str()};
  const gss_key_value_set_desc store{n, elements};
  gss_OID_set_desc mechs{1, gss_mech_krb5};
  OM_uint32 minor = 0;
  const OM_uint32 major =
      gss_acquire_cred_from(&minor, desired.get(), GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store,
                            out.out(), nullptr, nullptr);
  if (GSS_ERROR(major))
    return gss_failure("gss_acquire_cred_from (initiator)", major, minor, origin::acquire);
  return ok();
}
}  // namespace detail

/// INITIATE credentials acquired once and shared by the handshakes of a client
/// (InitiatorConfig::credential), with the principal they authenticate as resolved once, here.
/// A context made from a credential initiates as the credential's principal (RFC 2743 §2.2.1,
/// claimant_cred_handle), so handshakes need not ask GSS for their own name: each such
/// inquiry costs three fresh krb5_contexts (made, displayed, released; docs/kerberos.md
/// "Cost"), and the credential saves MIT's per-handshake default-credential lookup as well.
/// MIT serializes use of a credential handle internally, so concurrent handshakes may share one.
///
/// The principal is chosen at acquisition — InitiatorConfig::client_principal, else the
/// ccache's, else the client keytab's first — and not again per target (krb5_cc_select of a
/// ccache collection, .k5identity): acquire again after a kinit as someone else. MIT renews a
/// TGT it obtained from the client keytab by itself.
class InitiatorCredential {
 public:
  /// Uses `config`'s client_principal, ccache and client_keytab (empty: the defaults);
  /// its other fields do not matter here.
  [[nodiscard]] static result<InitiatorCredential> acquire(
      const InitiatorConfig& config = {}) noexcept {
    InitiatorCredential c;
    MUTAUTH_TRY(detail::acquire_initiator_cred(config, c.cred_, /*even_default=*/true));
    // Resolves which principal (MIT defers that for a default credential until first use), so
    // that an empty ccache fails here rather than in the first handshake.
    detail::gss_name name;
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_inquire_cred(&minor, c.cred_.get(), name.out(), nullptr, nullptr, nullptr);
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_inquire_cred (initiator)", major, minor,
                                 detail::origin::acquire);
    if (!name) return error(errc::no_credentials, "gss_inquire_cred (initiator): no principal");
    auto p = detail::principal_from(name.get());
    if (!p) return p.error_value();
    c.principal_ = *p;
    return c;
  }
  [[nodiscard]] gss_cred_id_t get() const noexcept { return cred_.get(); }
  /// The client principal every handshake made with this credential authenticates as
  /// (Session::local()), e.g. `alice@EXAMPLE.TEST`.
  [[nodiscard]] const Principal& principal() const noexcept { return principal_; }

 private:
  InitiatorCredential() noexcept = default;

  detail::gss_cred cred_;
  Principal principal_{};
};

/// The client side of a Kerberos exchange (Kerberos::Initiator).
class InitiatorContext : public detail::context_base {
 public:
  /// `config` MUST outlive the context. No GSS call happens before initiate().
  InitiatorContext(const ServicePrincipal& target, const InitiatorConfig& config) noexcept
      : target_(target), config_(&config) {}
  InitiatorContext(InitiatorContext&&) noexcept = default;

  /// Acquires credentials and produces the initial context token (AP-REQ).
  [[nodiscard]] result<mech_step> initiate() noexcept {
    if (state_ != state::start) return refuse_call();
    auto name = detail::import_service_name(target_);
    if (!name) return fail(name.error_value());
    // The krb5 form of the target, made once: given a name that is not yet one, every
    // gss_init_sec_context call (two per handshake) imports it for the mechanism and releases
    // it again, each a fresh krb5_context. The same import MIT would make (RFC 2744 §5.5).
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_canonicalize_name(&minor, name->get(), gss_mech_krb5, target_name_.out());
    if (GSS_ERROR(major))
      return fail(detail::gss_failure("gss_canonicalize_name (service)", major, minor,
                                      detail::origin::initiate));
    if (config_->credential == nullptr) {
      if (result<void> c = detail::acquire_initiator_cred(*config_, cred_, false); !c)
        return fail(c.error_value());
    }
    state_ = state::in_progress;
    return step(GSS_C_NO_BUFFER);
  }

  /// Consumes the AP-REP (or, for other GSS exchanges, a continuation token).
  [[nodiscard]] result<mech_step> on_token(bytes_view in) noexcept {
    if (state_ != state::in_progress) return refuse_call();
    if (in.empty()) return fail(error(errc::unexpected_message, "empty Kerberos token"));
    gss_buffer_desc tok = detail::input_buffer(in);
    return step(&tok);
  }

  [[nodiscard]] result<Concluded<Kerberos>> conclude() && noexcept;

 private:
  result<mech_step> step(gss_buffer_t in) noexcept {
    OM_uint32 req = detail::required_flags;
    if (config_->delegate) req |= GSS_C_DELEG_FLAG;
    detail::channel_bindings cb(config_->channel_binding);
    OM_uint32 minor = 0;
    OM_uint32 ret_flags = 0;
    // Looked up here, never cached: the credential belongs to the config's owner.
    const gss_cred_id_t cred =
        config_->credential != nullptr ? config_->credential->get() : cred_.get();
    const OM_uint32 major = gss_init_sec_context(&minor, cred, ctx_.inout(), target_name_.get(),
                                                 gss_mech_krb5, req, GSS_C_INDEFINITE, cb.get(), in,
                                                 nullptr, out_.out(), &ret_flags, nullptr);
    if (GSS_ERROR(major)) {
      const auto from = in == GSS_C_NO_BUFFER ? detail::origin::initiate : detail::origin::other;
      return fail(detail::gss_failure("gss_init_sec_context", major, minor, from));
    }
    if (major & GSS_S_CONTINUE_NEEDED) {
      if (out_.empty())
        return fail(error(errc::mechanism_failure, "GSS wants a token but gave none to send"));
      if (in == GSS_C_NO_BUFFER) (void)detail::ticket_server(token(), ticket_sname_, ticket_realm_);
      return mech_step{token(), false};
    }
    flags_ = ret_flags;
    if (result<void> f = detail::check_flags(ret_flags, false); !f) return fail(f.error_value());
    if (result<void> t = verify_target(); !t) return fail(t.error_value());
    state_ = state::complete;
    return mech_step{token(), true};
  }

  // G2: the context must have authenticated exactly the composed name. With
  // dns_canonicalize_hostname or rdns on, MIT asks the KDC for whatever name DNS returned, and
  // the AP-REP then proves *that* name (RFC 4120 §1.3 leaves canonicalization to the client).
  result<void> verify_target() noexcept {
    // The initiator's own name is asked for only when no held credential fixes it
    // (InitiatorCredential): each name GSS hands out costs three fresh krb5_contexts.
    const InitiatorCredential* held = config_->credential;
    detail::gss_name src;
    detail::gss_name targ;
    OM_uint32 minor = 0;
    const OM_uint32 major =
        gss_inquire_context(&minor, ctx_.get(), held != nullptr ? nullptr : src.out(), targ.out(),
                            nullptr, nullptr, nullptr, nullptr, nullptr);
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_inquire_context", major, minor, detail::origin::other);
    auto peer = detail::principal_from(targ.get());
    if (!peer) return peer.error_value();
    if (ticket_sname_.empty())
      return error(errc::mechanism_failure,
                   "cannot read the service ticket's server name in our own AP-REQ, so the "
                   "proven target cannot be checked");
    if (peer->realm.empty() && !ticket_realm_.empty() &&
        peer->name.view().size() + 1 + ticket_realm_.size() <= peer->name.capacity()) {
      // A referral: MIT shows the referral realm (empty); the ticket names the real one.
      if (peer->name.view().back() != '@') (void)peer->name.append("@");
      (void)peer->name.append(ticket_realm_.view());
      (void)peer->realm.append(ticket_realm_.view());
    }
    if (!target_.has_realm()) {
      // Composed without a realm: krb5.conf's [domain_realm] decides it, not the network.
      mutauth::detail::fixed_string<255> mapped;
      MUTAUTH_TRY(detail::configured_realm(target_.host(), mapped));
      MUTAUTH_TRY(detail::check_mapped_realm(peer->name.view(), mapped.view()));
    }
    // The ticket's name is the proof; the inquired name must agree with it (both are checked:
    // MIT's inquired target misses a `fallback` rewrite, see ticket_server).
    mutauth::detail::fixed_string<511> proven;
    (void)proven.append(ticket_sname_.view());
    (void)proven.append("@");
    (void)proven.append(ticket_realm_.view());
    const bool inquired_ok = detail::names_target(peer->name.view(), target_);
    if (!inquired_ok || !detail::names_target(proven.view(), target_)) {
      error e(errc::target_rewritten, "the server proved ",
              "set dns_canonicalize_hostname = false and rdns = false in krb5.conf [libdefaults] "
              "(docs/kerberos.md), and compose the service's real name");
      mutauth::detail::append_quoted(e, inquired_ok ? proven.view() : peer->name.view());
      e.append(", not the composed ");
      mutauth::detail::append_quoted(e, target_.to_string().view());
      e.append(" (DNS canonicalization or a referral rewrote the target)");
      return e;
    }
    if (held != nullptr) {
      local_ = held->principal();
    } else {
      auto local = detail::principal_from(src.get());
      if (!local) return local.error_value();
      local_ = *local;
    }
    peer_ = *peer;
    return ok();
  }

  ServicePrincipal target_;
  const InitiatorConfig* config_;
  detail::gss_name target_name_;
  mutauth::detail::fixed_string<255> ticket_sname_, ticket_realm_;  // our AP-REQ's ticket
};

/// The server side of a Kerberos exchange (Kerberos::Acceptor).
namespace detail {
// ACCEPT credentials for exactly the configured SPN, so GSS refuses tickets for any other
// principal in the keytab (RFC 2743 §2.1.1: a bound desired_name restricts the acceptor).
inline result<void> acquire_acceptor_cred(const ServicePrincipal& service,
                                          std::string_view keytab_name, gss_cred& out) noexcept {
  auto name = import_service_name(service);
  if (!name) return name.error_value();
  auto keytab = to_cstring(keytab_name, "AcceptorConfig::keytab");
  if (!keytab) return keytab.error_value();
  gss_key_value_element_desc element{"keytab", keytab->c_str()};
  const gss_key_value_set_desc store{keytab_name.empty() ? 0u : 1u, &element};
  gss_OID_set_desc mechs{1, gss_mech_krb5};
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_acquire_cred_from(&minor, name->get(), GSS_C_INDEFINITE, &mechs,
                                                GSS_C_ACCEPT, &store, out.out(), nullptr, nullptr);
  if (GSS_ERROR(major))
    return gss_failure("gss_acquire_cred_from (acceptor)", major, minor, origin::acquire);
  return ok();
}
}  // namespace detail

/// ACCEPT credentials for exactly one service principal, acquired once and shared by the
/// handshakes of a server (AcceptorConfig::credential). MIT serializes use of a credential
/// handle internally, so concurrent handshakes may share one.
///
/// For a service composed without a realm whose keytab holds `svc/host` in exactly one realm,
/// the credential is bound to `svc/host@THAT.REALM`: the name is then fixed, and handshakes
/// need not ask GSS which realm's key took the ticket (each such call costs a fresh
/// krb5_context). A realm added to the keytab later is picked up only when acquired again, as
/// are new keys.
class AcceptorCredential {
 public:
  [[nodiscard]] static result<AcceptorCredential> acquire(const ServicePrincipal& service,
                                                          std::string_view keytab = {}) noexcept {
    AcceptorCredential c(service);
    if (!service.has_realm() && !service.has_port()) {
      mutauth::detail::fixed_string<255> realm;
      if (sole_keytab_realm(service, keytab, realm)) {
        auto bound = ServicePrincipal::compose(service.service(), service.host(), 0, realm.view());
        if (bound) c.service_ = *bound;
      }
    }
    MUTAUTH_TRY(detail::acquire_acceptor_cred(c.service_, keytab, c.cred_));
    return c;
  }
  [[nodiscard]] gss_cred_id_t get() const noexcept { return cred_.get(); }
  /// The name the credential is bound to: the service given to acquire(), with the realm filled
  /// in when the keytab held it in one realm only.
  [[nodiscard]] const ServicePrincipal& service() const noexcept { return service_; }

 private:
  // Whether the keytab's entries for svc/host (service class exact, host case-insensitively)
  // are all in one realm, and which.
  static bool sole_keytab_realm(const ServicePrincipal& sp, std::string_view keytab_name,
                                mutauth::detail::fixed_string<255>& realm) noexcept {
    auto name = detail::to_cstring(keytab_name, "AcceptorConfig::keytab");
    if (!name) return false;
    krb5_context kc = nullptr;
    if (krb5_init_context(&kc) != 0) return false;
    krb5_keytab kt = nullptr;
    const krb5_error_code opened =
        keytab_name.empty() ? krb5_kt_default(kc, &kt) : krb5_kt_resolve(kc, name->c_str(), &kt);
    bool found = false, unique = opened == 0;
    krb5_kt_cursor cursor{};
    if (unique && krb5_kt_start_seq_get(kc, kt, &cursor) == 0) {
      krb5_keytab_entry entry{};
      while (unique && krb5_kt_next_entry(kc, kt, &entry, &cursor) == 0) {
        const krb5_principal p = entry.principal;
        auto text = [](const krb5_data& d) { return std::string_view(d.data, d.length); };
        if (p->length == 2 && text(p->data[0]) == sp.service() &&
            mutauth::detail::ascii_iequal(text(p->data[1]), sp.host())) {
          const std::string_view r = text(p->realm);
          if (!found) {
            found = realm.append(r);
            unique = found;
          } else if (r != realm.view()) {
            unique = false;
          }
        }
        (void)krb5_free_keytab_entry_contents(kc, &entry);
      }
      (void)krb5_kt_end_seq_get(kc, kt, &cursor);
    } else {
      unique = false;
    }
    if (kt != nullptr) (void)krb5_kt_close(kc, kt);
    krb5_free_context(kc);
    return found && unique;
  }

  explicit AcceptorCredential(const ServicePrincipal& service) noexcept : service_(service) {}

  ServicePrincipal service_;
  detail::gss_cred cred_;
};

class AcceptorContext : public detail::context_base {
 public:
  /// `config` MUST outlive the context. No GSS call happens before the first token.
  explicit AcceptorContext(const AcceptorConfig& config) noexcept : config_(&config) {}
  /// The moved-from context is dead and holds no credential, its own or shared.
  AcceptorContext(AcceptorContext&&) noexcept = default;

  /// Consumes the AP-REQ; on success the step carries the AP-REP and is complete.
  [[nodiscard]] result<mech_step> on_token(bytes_view in) noexcept {
    if (state_ == state::start) {
      if (config_->credential == nullptr) {
        if (result<void> c =
                detail::acquire_acceptor_cred(config_->service, config_->keytab, cred_);
            !c)
          return fail(c.error_value());
      }
      state_ = state::in_progress;
    }
    if (state_ != state::in_progress) return refuse_call();
    if (in.empty()) return fail(error(errc::unexpected_message, "empty Kerberos token"));
    gss_buffer_desc tok = detail::input_buffer(in);
    detail::gss_name src;
    gss_OID mech = GSS_C_NO_OID;
    OM_uint32 minor = 0;
    OM_uint32 ret_flags = 0;
    detail::channel_bindings cb(config_->channel_binding);
    // The credential is looked up here, never cached: a moved-from context must not keep a
    // handle to a credential that its successor (or the config's owner) releases.
    const gss_cred_id_t cred =
        config_->credential != nullptr ? config_->credential->get() : cred_.get();
    const OM_uint32 major =
        gss_accept_sec_context(&minor, ctx_.inout(), cred, &tok, cb.get(), src.out(), &mech,
                               out_.out(), &ret_flags, nullptr, delegated_.out());
    // On failure MIT may leave a KRB-ERROR token in out_; it is not sent (the core sends
    // nothing from a failed handshake: the wire stays generic, the local error precise).
    if (GSS_ROUTINE_ERROR(major) == GSS_S_BAD_BINDINGS) {
      return fail(error(errc::decrypt_failed,
                        "channel bindings differ: the client bound other bytes than "
                        "AcceptorConfig::channel_binding (GSS_S_BAD_BINDINGS); the two ends "
                        "are not on the same channel",
                        "both sides must bind the same lower-layer value (e.g. the same TLS "
                        "connection's tls-exporter)"));
    }
    if (GSS_ERROR(major))
      return fail(
          detail::gss_failure("gss_accept_sec_context", major, minor, detail::origin::accept));
    if (major & GSS_S_CONTINUE_NEEDED) {
      if (out_.empty())
        return fail(error(errc::mechanism_failure, "GSS wants a token but gave none to send"));
      return mech_step{token(), false};
    }
    if (!detail::is_krb5_mech(mech))
      return fail(error(errc::version_mismatch, "the client used a mechanism other than krb5"));
    flags_ = ret_flags;
    if (result<void> f = detail::check_flags(ret_flags, true); !f) return fail(f.error_value());
    if (result<void> b = detail::check_bound(ret_flags, !config_->channel_binding.empty()); !b)
      return fail(b.error_value());
    if (result<void> t = identify(src.get(), ret_flags); !t) return fail(t.error_value());
    state_ = state::complete;
    return mech_step{token(), true};
  }

  [[nodiscard]] result<Concluded<Kerberos>> conclude() && noexcept;

 private:
  result<void> identify(gss_name_t src, OM_uint32 ret_flags) noexcept {
    gss_OID type = GSS_C_NO_OID;
    auto peer = detail::principal_from(src, &type);
    if (!peer) return peer.error_value();
    MUTAUTH_TRY(detail::check_not_anonymous(ret_flags, type, peer->name.view()));
    peer_ = *peer;
    const ServicePrincipal* fixed = nullptr;
    if (config_->service.has_realm()) {
      fixed = &config_->service;
    } else if (config_->credential != nullptr && config_->credential->service().has_realm() &&
               config_->credential->service().service() == config_->service.service() &&
               mutauth::detail::ascii_iequal(config_->credential->service().host(),
                                             config_->service.host()) &&
               !config_->service.has_port()) {
      fixed = &config_->credential->service();
    }
    if (fixed != nullptr) {
      // The credential is bound to exactly svc/host@REALM (acquire_acceptor_cred), and MIT
      // refuses a ticket for any other principal (KRB5KRB_AP_WRONG_PRINC): the local name is
      // fixed, so it is not inquired (each GSS call costs a fresh krb5_context).
      local_.mechanism = mechanism_name;
      local_.name.clear();
      local_.realm.clear();
      (void)local_.name.append(fixed->krb5_name().view());
      (void)local_.realm.append(fixed->realm());
      return ok();
    }
    // Without a realm the keytab decides which realm's key took the ticket: ask.
    detail::gss_name targ;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_inquire_context(&minor, ctx_.get(), nullptr, targ.out(), nullptr,
                                                nullptr, nullptr, nullptr, nullptr);
    if (GSS_ERROR(major))
      return detail::gss_failure("gss_inquire_context", major, minor, detail::origin::other);
    auto local = detail::principal_from(targ.get());
    if (!local) return local.error_value();
    // Defence in depth: the bound credential already restricts the accepted principal.
    if (!detail::names_target(local->name.view(), config_->service)) {
      error e(errc::name_mismatch, "the client addressed ", detail::hint_wrong_principal);
      mutauth::detail::append_quoted(e, local->name.view());
      e.append(", not this acceptor's ");
      mutauth::detail::append_quoted(e, config_->service.to_string().view());
      return e;
    }
    local_ = *local;
    return ok();
  }

  const AcceptorConfig* config_;
};

/// The Kerberos v5 mechanism policy (docs/kerberos.md).
struct Kerberos {
  static constexpr std::string_view name = mechanism_name;
  static constexpr bool mutual_authentication = true;
  /// The AP-REP is the acceptor's last token, and the core releases it only after the
  /// authorization policy admitted the client; the initiator completes on it (RFC 4120 §3.2.4).
  static constexpr bool initiator_learns_admission = true;
  /// AP-REQs carry the ticket and its authorization data: an Active Directory PAC makes them
  /// tens of KiB (Windows' MaxTokenSize default is 48,000 bytes). 65535 is the most one framed
  /// handshake record can carry (docs/protocol/mutauth-pk.md §9.1: a u16 body length), so a
  /// larger bound would only size buffers no record can fill (docs/kerberos.md, "Token sizes").
  static constexpr std::size_t max_token_size = 0xFFFF;
  /// AP-REQ and AP-REP, plus room for one continuation round trip.
  static constexpr std::size_t max_handshake_messages = 4;

  using InitiatorConfig = krb5::InitiatorConfig;
  using AcceptorConfig = krb5::AcceptorConfig;
  using SessionKeys = krb5::SessionKeys;
  using Initiator = InitiatorContext;
  using Acceptor = AcceptorContext;
};

inline result<Concluded<Kerberos>> InitiatorContext::conclude() && noexcept {
  if (state_ != state::complete) {
    if (state_ == state::failed) return err_;
    return error(errc::wrong_state, "Kerberos initiator: conclude() before completion");
  }
  auto keys = SessionKeys::from_established(std::move(ctx_), flags_, std::move(delegated_));
  if (!keys) {
    (void)fail(keys.error_value());
    return keys.error_value();
  }
  state_ = state::concluded;
  // The name in the service slot is the composed one: verify_target() proved the context
  // authenticated exactly it.
  return Concluded<Kerberos>{PeerVerified<Kerberos>::assert_peer_verified(peer_), local_, target_,
                             std::move(*keys)};
}

inline result<Concluded<Kerberos>> AcceptorContext::conclude() && noexcept {
  if (state_ != state::complete) {
    if (state_ == state::failed) return err_;
    return error(errc::wrong_state, "Kerberos acceptor: conclude() before completion");
  }
  auto keys = SessionKeys::from_established(std::move(ctx_), flags_, std::move(delegated_));
  if (!keys) {
    (void)fail(keys.error_value());
    return keys.error_value();
  }
  state_ = state::concluded;
  return Concluded<Kerberos>{PeerVerified<Kerberos>::assert_peer_verified(peer_), local_,
                             config_->service, std::move(*keys)};
}

static_assert(Mechanism<Kerberos>);

/// Whether a server configured so can accept tickets for `cfg.service` (run it at startup): the
/// keytab (or cfg.credential) yields an acceptor credential for that principal
/// (gss_acquire_cred_from). It does not ask the KDC whether the keys are current.
[[nodiscard]] inline result<void> validate(const AcceptorConfig& cfg) noexcept {
  if (cfg.credential != nullptr) return ok();
  auto c = AcceptorCredential::acquire(cfg.service, cfg.keytab);
  if (!c) return c.error_value();
  return ok();
}

}  // namespace krb5
}  // namespace v0
}  // namespace mutauth
