// Fuzz target: parse_certificate, then verify_host_certificate and verify_user_certificate
// (certificate.hpp) against trust stores that name the certificate's own CA key, at a fixed
// clock. Input: one control byte, then
//   bit 0 = 0: a whole certificate blob (ssh-keygen seeds: the CA signature rarely survives a
//              mutation, so this mode mostly exercises the parser and the early checks);
//   bit 0 = 1: a certificate body up to the CA key; the harness appends its own CA key and signs
//              (so every later check — validity, principals, options, revocation — is reached
//              with a valid signature);
//   bit 1: allow_host_wide_credentials     bits 2-3: target (see targets[])
//   bit 4: user CA restricted to principals="alice,bob"     bit 5: consult the fixed KRL
//   bits 6-7: the principal the client asserts (alice, bob, carol, the certificate's first)
// Invariants: an accepted certificate is internally consistent (signed part is a prefix, 64-byte
// signature, bounded principals); a verified certificate really satisfies every rule of docs/protocol/mutauth-pk.md §11
// lists, restated here independently (type, window, principals — for a user certificate exactly
// the asserted one, listed and allowed by the CA entry —, no critical option, not revoked,
// the CA signature verifies); refusals are log-safe; the same input gives the same answer twice.
#include <sodium.h>

#include <array>
#include <optional>

#include "fuzz_cert.hpp"
#include "mutauth/mech/pk/certificate.hpp"

using namespace mutauth;

namespace {

struct Fixed {
  pk::Ed25519SecretKey ca = fuzz::fixed_key(3);
  fuzz::bytes krl_bytes = fuzz::fixed_krl();
  std::optional<pk::Krl> krl;
  std::array<ServicePrincipal, 4> targets{*ServicePrincipal::parse("host/server.example.test"),
                                          *ServicePrincipal::parse("postgres/db.example.test:5432"),
                                          *ServicePrincipal::parse("host/bad.example.test"),
                                          *ServicePrincipal::parse("http/Server.Example.Test")};
  Fixed() {
    MUTAUTH_FUZZ_CHECK(sodium_init() >= 0);
    auto k = pk::Krl::parse(krl_bytes);
    MUTAUTH_FUZZ_CHECK(k);  // the harness's KRL writer and the parser agree
    krl.emplace(*k);
  }
};

bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && mutauth::detail::ascii_iequal(a, b);
}

bool in_window(const pk::CertificateView& c, std::uint64_t now, std::uint64_t skew) {
  if (c.valid_after >= c.valid_before) return false;
  const bool early = c.valid_after > now && c.valid_after - now > skew;
  const bool late = now >= c.valid_before && now - c.valid_before >= skew;
  return !early && !late;
}

bool listed(const pk::CertificateView& c, std::string_view p) {
  for (std::string_view q : c.principals())
    if (q == p) return true;
  return false;
}

// What every verified certificate must satisfy, whichever role verified it.
void check_verified(const pk::CertificateView& c, const pk::VerifiedCertificate& v, bool with_krl,
                    std::uint64_t skew) {
  MUTAUTH_FUZZ_CHECK(v.key == c.key && v.serial == c.serial && v.key_id == c.key_id);
  MUTAUTH_FUZZ_CHECK(c.principal_count > 0 && listed(c, v.principal));
  MUTAUTH_FUZZ_CHECK(in_window(c, fuzz::fixed_now_value, skew));
  MUTAUTH_FUZZ_CHECK(c.critical_options.empty());
  MUTAUTH_FUZZ_CHECK(crypto_sign_ed25519_verify_detached(c.signature.data(), c.signed_data.data(),
                                                         c.signed_data.size(),
                                                         c.signature_key.bytes.data()) == 0);
  if (with_krl) {
    MUTAUTH_FUZZ_CHECK(!fuzz::krl_revokes_serial(c.serial));
    MUTAUTH_FUZZ_CHECK(c.key_id != fuzz::krl_revoked_id);
  }
}

void check_parsed(const pk::CertificateView& c, bytes_view blob) {
  MUTAUTH_FUZZ_CHECK(blob.size() <= pk::max_certificate_size);
  MUTAUTH_FUZZ_CHECK(c.signed_data.data() == blob.data() && c.signed_data.size() < blob.size());
  MUTAUTH_FUZZ_CHECK(c.signature.size() == 64);
  MUTAUTH_FUZZ_CHECK(c.principal_count <= pk::max_certificate_principals);
  MUTAUTH_FUZZ_CHECK(c.key_id.size() <= pk::max_certificate_key_id);
  MUTAUTH_FUZZ_CHECK(c.type == pk::certificate_type::user || c.type == pk::certificate_type::host);
  MUTAUTH_FUZZ_CHECK(c.reserved.empty());
  for (std::string_view p : c.principals()) {
    MUTAUTH_FUZZ_CHECK(!p.empty() && p.size() <= pk::max_certificate_principal);
    for (char ch : p) MUTAUTH_FUZZ_CHECK(mutauth::detail::ascii_is_graph(ch));
  }
  // Iterating the validated option lists ends exactly at their ends.
  for (bytes_view list : {c.critical_options, c.extensions}) {
    pk::CertificateOptions it(list);
    pk::CertificateOption o;
    std::size_t n = 0;
    while (it.next(o)) ++n;
    MUTAUTH_FUZZ_CHECK(it.empty() && (n == 0) == list.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixed f;
  fuzz::input in(data, size);
  const std::uint8_t ctl = in.u8();
  fuzz::bytes blob = (ctl & 1) ? fuzz::sign_cert_body(in.rest(), f.ca) : fuzz::copy(in.rest());

  auto c = pk::parse_certificate(blob);
  if (!c) {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(c.error_value()));
    return 0;
  }
  check_parsed(*c, blob);
  {
    auto again = pk::parse_certificate(blob);
    MUTAUTH_FUZZ_CHECK(again && again->signed_data.size() == c->signed_data.size() &&
                       again->principal_count == c->principal_count);
  }

  const bool host_wide = ctl & 2;
  const ServicePrincipal& target = f.targets[(ctl >> 2) & 3];
  const bool restricted = ctl & 16;
  const bool with_krl = ctl & 32;

  // The certificate's own CA, trusted for *.example.test except bad.example.test; plus an
  // unrelated CA listed first, so that a lookup that stops at the first entry is caught.
  const pk::Ed25519PublicKey other = fuzz::fixed_key(9).public_key();
  const std::array<pk::HostCertAuthority, 2> host_cas{
      {{other, "*"}, {c->signature_key, "*.example.test,!bad.example.test"}}};
  const std::array<pk::UserCertAuthority, 2> user_cas{
      {{other, ""}, {c->signature_key, restricted ? "alice,bob" : ""}}};
  pk::ServerTrust st;
  st.authorities = host_cas;
  st.allow_host_wide_credentials = host_wide;
  st.revoked = with_krl ? &*f.krl : nullptr;
  st.now = fuzz::fixed_now;
  pk::ClientTrust ct;
  ct.authorities = user_cas;
  ct.revoked = st.revoked;
  ct.now = fuzz::fixed_now;

  auto h = pk::verify_host_certificate(*c, target, st);
  auto h2 = pk::verify_host_certificate(*c, target, st);
  MUTAUTH_FUZZ_CHECK(static_cast<bool>(h) == static_cast<bool>(h2));
  if (h) {
    check_verified(*c, *h, with_krl, st.clock_skew);
    MUTAUTH_FUZZ_CHECK(c->type == pk::certificate_type::host);
    MUTAUTH_FUZZ_CHECK(target.host() != "bad.example.test");
    // docs/protocol/mutauth-pk.md §11.3: exactly svc/host[:port] (host case-insensitive), or the bare host when it
    // stands for host/<host> or host-wide credentials are allowed.
    const auto want = target.pk_name();
    const std::string_view svc = target.service();
    const std::string_view p = h->principal;
    const bool exact =
        ieq(p, want.view()) && p.substr(0, svc.size() + 1) == want.view().substr(0, svc.size() + 1);
    const bool bare =
        ieq(h->principal, target.host()) && ((svc == "host" && !target.has_port()) || host_wide);
    MUTAUTH_FUZZ_CHECK(exact || bare);
  } else {
    MUTAUTH_FUZZ_CHECK(h.code() == h2.code());
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(h.error_value()));
  }

  // The principal the client asserts (OpenSSH's rule: the certificate must list it, and a CA
  // with principals="..." must allow it): alice, bob, carol, or the certificate's first one.
  const std::string_view asked[4] = {
      "alice", "bob", "carol", c->principal_count ? c->principals()[0] : std::string_view("alice")};
  const std::string_view requested = asked[(ctl >> 6) & 3];
  auto u = pk::verify_user_certificate(*c, ct, requested);
  if (u) {
    check_verified(*c, *u, with_krl, ct.clock_skew);
    MUTAUTH_FUZZ_CHECK(c->type == pk::certificate_type::user);
    MUTAUTH_FUZZ_CHECK(u->principal == requested && listed(*c, requested));
    if (restricted) MUTAUTH_FUZZ_CHECK(u->principal == "alice" || u->principal == "bob");
  } else {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(u.error_value()));
  }
  return 0;
}
