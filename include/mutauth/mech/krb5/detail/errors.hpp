// mutauth — turning GSS-API / MIT krb5 failures into mutauth errors that say what to fix.
// Not part of the public API.
//
// docs/design.md §5: "both major and minor status texts are kept; common causes get their own errc and a
// hint". The detail reads "<operation>: <minor text> (<major text>)": the minor (mechanism) text
// comes first because it is the one that names principals, realms and kvnos, and the detail is
// bounded (error::max_detail), so if anything is cut it is the generic GSS text.
//
// Classification prefers the krb5 error-table code carried in the minor status (RFC 2744 §3.9.1:
// the minor status is mechanism-specific; for the krb5 mechanism MIT reports krb5_error_code
// values, which MIT's mechglue passes through unchanged). Only where one code covers several
// causes does the text decide — e.g. a missing cross-realm key and a missing service are both
// KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN; the name in the text (krbtgt/...) tells them apart.
#pragma once

#include <krb5.h>  // krb5 error-table codes (KRB5KDC_ERR_*, KRB5KRB_AP_ERR_*, KRB5_*)

#include <string_view>  // text matching

#include "mutauth/error.hpp"
#include "mutauth/mech/krb5/detail/gss.hpp"

namespace mutauth {
inline namespace v0 {
namespace krb5 {
namespace detail {

// Static hints (error::hint must outlive the error).
inline constexpr const char* hint_unknown_service =
    "check the service class and host; the realm's admin creates it with kadmin "
    "'addprinc -randkey svc/host' and installs it with 'ktadd' in the server's keytab";
inline constexpr const char* hint_cross_realm =
    "the client's KDC has no key krbtgt/REMOTE@LOCAL: both realms' admins must create that "
    "principal with the same password, enctypes and kvno, or use a service of the client's realm";
inline constexpr const char* hint_clock_skew =
    "synchronize the clocks of client, server and KDC (NTP); Kerberos allows 5 minutes "
    "(clockskew in krb5.conf)";
inline constexpr const char* hint_stale_keytab =
    "the service key changed in the KDC after this keytab was written: export it again "
    "(kadmin ktadd, or ktadd -norandkey) and install the new keytab on the server";
inline constexpr const char* hint_wrong_key =
    "the keytab has a key of the right version but the wrong value (principal re-created, or a "
    "keytab from another KDC): re-export it with kadmin ktadd and install it";
inline constexpr const char* hint_kdc_unreachable =
    "check the realm's 'kdc =' entries in krb5.conf (or DNS SRV records), the network path to "
    "port 88, and that the KDC is running";
inline constexpr const char* hint_no_credentials =
    "obtain credentials: kinit, or KRB5CCNAME / KRB5_CLIENT_KTNAME (initiator); a keytab that "
    "holds the service principal, KRB5_KTNAME or AcceptorConfig::keytab (acceptor)";
inline constexpr const char* hint_replayed =
    "the server saw this authenticator before: a replay, or a client that resent an old token; "
    "start a new handshake";
inline constexpr const char* hint_expired =
    "the ticket or credentials expired: renew them (kinit) and start a new handshake";
inline constexpr const char* hint_wrong_principal =
    "the client asked for a service principal that this acceptor is not bound to";

[[nodiscard]] constexpr bool contains(std::string_view hay, std::string_view needle) noexcept {
  return hay.find(needle) != std::string_view::npos;
}

// krb5_error_code is a signed 32-bit value; the minor status carries its bits unsigned.
[[nodiscard]] constexpr bool is(OM_uint32 minor, long code) noexcept {
  return static_cast<krb5_error_code>(minor) == static_cast<krb5_error_code>(code);
}

struct classified {
  errc code;
  const char* hint;
};

/// The errc and hint for a failed GSS call. `minor_text` is the mechanism's message (used only
/// where codes are ambiguous or unknown).
[[nodiscard]] inline classified classify(OM_uint32 major, OM_uint32 minor,
                                         std::string_view minor_text) noexcept {
  // --- by krb5 error code (the minor status of the krb5 mechanism) ---
  if (minor != 0) {
    if (is(minor, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN)) {
      // RFC 4120 §1.2: the path to a foreign realm goes through krbtgt/REMOTE@LOCAL; when the
      // client's KDC lacks that principal, it reports it like any unknown server.
      if (contains(minor_text, "krbtgt/")) return {errc::no_cross_realm_trust, hint_cross_realm};
      return {errc::unknown_service_principal, hint_unknown_service};
    }
    if (is(minor, KRB5KRB_AP_ERR_SKEW) || is(minor, KRB5KRB_AP_ERR_TKT_NYV))
      return {errc::clock_skew, hint_clock_skew};
    if (is(minor, KRB5KRB_AP_ERR_BADKEYVER) || is(minor, KRB5_KT_KVNONOTFOUND))
      return {errc::stale_keytab, hint_stale_keytab};
    if (is(minor, KRB5KRB_AP_ERR_BAD_INTEGRITY) || is(minor, KRB5KRB_AP_ERR_MODIFIED)) {
      // The same code reports a ticket the keytab key cannot decrypt (acceptor) and a tampered
      // or mis-keyed message (AP-REP, wrap token): MIT names the keytab only in the former.
      if (contains(minor_text, "keytab")) return {errc::wrong_key, hint_wrong_key};
      return {errc::decrypt_failed, nullptr};
    }
    if (is(minor, KRB5_KDC_UNREACH) || is(minor, KRB5_REALM_CANT_RESOLVE))
      return {errc::kdc_unreachable, hint_kdc_unreachable};
    if (is(minor, KRB5KRB_AP_ERR_REPEAT)) return {errc::replayed, hint_replayed};
    if (is(minor, KRB5KRB_AP_ERR_TKT_EXPIRED)) return {errc::expired, hint_expired};
    if (is(minor, KRB5KRB_AP_WRONG_PRINC) || is(minor, KRB5KRB_AP_ERR_NOT_US))
      return {errc::name_mismatch, hint_wrong_principal};
    if (is(minor, KRB5_FCC_NOFILE) || is(minor, KRB5_CC_NOTFOUND) || is(minor, KRB5_KT_NOTFOUND) ||
        is(minor, KRB5_KT_END) || is(minor, KRB5KRB_AP_ERR_NOKEY) ||
        is(minor, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN) || is(minor, KRB5_CC_NOSUPP)) {
      return {errc::no_credentials, hint_no_credentials};
    }
  }
  // --- by text, for codes another krb5 build or mechglue may report differently ---
  if (contains(minor_text, "krbtgt/") && contains(minor_text, "not found in Kerberos database"))
    return {errc::no_cross_realm_trust, hint_cross_realm};
  if (contains(minor_text, "not found in Kerberos database"))
    return {errc::unknown_service_principal, hint_unknown_service};
  if (contains(minor_text, "Clock skew too great")) return {errc::clock_skew, hint_clock_skew};
  if (contains(minor_text, "keytab is likely out of date"))
    return {errc::stale_keytab, hint_stale_keytab};
  if (contains(minor_text, "cannot decrypt ticket")) return {errc::wrong_key, hint_wrong_key};
  if (contains(minor_text, "Cannot contact any KDC"))
    return {errc::kdc_unreachable, hint_kdc_unreachable};
  if (contains(minor_text, "Request is a replay")) return {errc::replayed, hint_replayed};

  // --- by GSS major status (RFC 2743 §1.2.1.1) ---
  const OM_uint32 routine = GSS_ROUTINE_ERROR(major);
  if (routine == GSS_S_NO_CRED) return {errc::no_credentials, hint_no_credentials};
  if (routine == GSS_S_CREDENTIALS_EXPIRED || routine == GSS_S_CONTEXT_EXPIRED)
    return {errc::expired, hint_expired};
  if (routine == GSS_S_BAD_SIG) return {errc::decrypt_failed, nullptr};
  if (routine == GSS_S_DEFECTIVE_TOKEN || routine == GSS_S_DEFECTIVE_CREDENTIAL)
    return {errc::malformed, nullptr};
  if (routine == GSS_S_BAD_MECH) return {errc::version_mismatch, nullptr};
  if (routine == GSS_S_BAD_NAME || routine == GSS_S_BAD_NAMETYPE)
    return {errc::invalid_argument, nullptr};
  if (major & GSS_S_DUPLICATE_TOKEN) return {errc::replayed, nullptr};
  if (major & (GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN))
    return {errc::out_of_order, nullptr};
  return {errc::mechanism_failure, nullptr};
}

/// Where a failure came from; it decides which minor-status text can be trusted and which
/// codes mean a keytab problem.
enum class origin : unsigned char {
  acquire,   ///< gss_acquire_cred_from
  initiate,  ///< the first gss_init_sec_context call (AS/TGS exchanges, AP-REQ)
  accept,    ///< gss_accept_sec_context (AP-REQ verification against the keytab)
  other,     ///< the AP-REP step, wrap/unwrap, PRF, names, inquiries
};

/// The generic message of a krb5 / GSS error-table code, from a fresh krb5 context, so that no
/// earlier failure's extended text can leak in.
inline void append_generic_text(error& e, OM_uint32 minor) noexcept {
  krb5_context kc = nullptr;
  if (krb5_init_context(&kc) == 0) {
    const char* m = krb5_get_error_message(kc, static_cast<krb5_error_code>(minor));
    if (m != nullptr) {
      e.append(m);
      krb5_free_error_message(kc, m);
    }
    krb5_free_context(kc);
    return;
  }
  e.append("krb5 error code ");
  char digits[12];
  std::size_t n = 0;
  for (OM_uint32 v = minor; n == 0 || v != 0; v /= 10)
    digits[n++] = static_cast<char>('0' + v % 10);
  while (n > 0) e.append(std::string_view(&digits[--n], 1));
}

/// Builds the error for a failed GSS call. MUST be called right after that call, on the same
/// thread: MIT keeps the extended minor text (the one naming principals and kvnos) per thread,
/// for the most recent failure that recorded one. The credential, first-initiate and accept
/// paths record theirs; the others (AP-REP processing, per-message calls) do not, so for them
/// gss_display_status could return the text of an *earlier* failure with the same code (seen:
/// a tampered AP-REP reported as "... cannot decrypt ticket" after a wrong-key failure). Those
/// get the code's generic text instead.
[[nodiscard]] inline error gss_failure(std::string_view operation, OM_uint32 major, OM_uint32 minor,
                                       origin from) noexcept {
  error texts(errc::mechanism_failure);
  if (minor != 0) {
    if (from == origin::other) append_generic_text(texts, minor);
    else append_status_text(texts, minor, GSS_C_MECH_CODE);
  }
  const std::string_view minor_text = texts.detail();
  classified c = classify(major, minor, minor_text);
  // Keytab causes exist only where a keytab decrypts a ticket: on the acceptor.
  if (from != origin::accept && c.code == errc::wrong_key) c = {errc::decrypt_failed, nullptr};

  error e(c.code, operation, c.hint);
  e.append(": ");
  if (!minor_text.empty()) {
    e.append(minor_text);
    e.append(" (");
  }
  append_status_text(e, major, GSS_C_GSS_CODE);
  if (!minor_text.empty()) e.append(")");
  return e;
}

}  // namespace detail
}  // namespace krb5
}  // namespace v0
}  // namespace mutauth
