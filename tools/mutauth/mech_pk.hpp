// mutauth CLI: the loader of mutauth-pk/1 credentials (config.hpp mech_loader), for the
// command-line trait PkFlags (mech_pk_flags.hpp): the key, its certificate, the trust file and
// the KRL, loaded once and outliving every handshake, and the startup validation
// (pk::validate) that refuses credentials which can never prove the name asked of them.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "mech_pk_flags.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "mutauth/mech/pk/verify_cache.hpp"

namespace mutauth::cli {

struct PkMaterial {
  std::optional<pk::Ed25519SecretKey> key;
  std::array<std::uint8_t, pk::max_certificate_size> cert_buf{};
  bytes_view cert{};
  std::string trust_text;
  std::unique_ptr<pk::KnownHosts<256, 32>> known_hosts;
  std::unique_ptr<pk::AuthorizedKeys<256, 32>> authorized_keys;
  std::vector<std::uint8_t> krl_buf;
  std::optional<pk::Krl> krl;
  std::string local_name;
};

inline void load_pk(const Options& o, PkMaterial& m, bool server) {
  if (o.identity.empty()) usage_error("--identity KEYFILE is required with --mech pk");
  auto k = pk::load_private_key_file(o.identity.c_str());
  if (!k) config_error("identity " + o.identity, k.error_value());
  m.key.emplace(std::move(*k));
  const std::string cert_path = o.identity + "-cert.pub";
  if (exists(cert_path)) {
    auto c = pk::load_certificate_file(cert_path.c_str(), m.cert_buf);
    if (!c) config_error("certificate " + cert_path, c.error_value());
    m.cert = *c;
  }
  if (!o.trust.empty()) {
    m.trust_text = slurp(o.trust);
    if (server) {
      m.authorized_keys = std::make_unique<pk::AuthorizedKeys<256, 32>>();
      auto r = m.authorized_keys->parse(m.trust_text);
      if (!r) config_error("trust file " + o.trust, r.error_value());
    } else {
      m.known_hosts = std::make_unique<pk::KnownHosts<256, 32>>();
      auto r = m.known_hosts->parse(m.trust_text);
      if (!r) config_error("trust file " + o.trust, r.error_value());
    }
  } else {
    std::fprintf(stderr, "mutauth: warning: no --trust file: no %s can be authenticated\n",
                 server ? "client" : "server");
  }
  if (!o.krl.empty()) {
    m.krl_buf.resize(1 << 20);
    auto r = pk::load_krl_file(o.krl.c_str(), m.krl_buf);
    if (!r) config_error("KRL " + o.krl, r.error_value());
    m.krl.emplace(*r);
  }
}

// The principal a pk client asserts: --name; else its certificate's principal when it lists
// exactly one; else the key's comment (ssh-keygen -C). A name the certificate does not list is a
// configuration error here, before any connection (the server would refuse it).
inline std::string client_principal(const Options& o, const PkMaterial& m) {
  std::optional<pk::CertificateView> cert;
  if (!m.cert.empty()) {
    auto c = pk::parse_certificate(m.cert);
    if (!c) config_error("certificate " + o.identity + "-cert.pub", c.error_value());
    cert = *c;
  }
  std::string name = o.name;
  if (name.empty() && cert && cert->principal_count == 1) name = std::string(cert->principals()[0]);
  if (name.empty()) name = std::string(m.key->comment());
  if (name.empty())
    config_error(
        "identity " + o.identity,
        mutauth::error(
            errc::invalid_argument, "this client asserts no principal: its key has no comment",
            "give --name NAME, the principal the server knows this key or certificate by"));
  if (cert) {
    bool listed = false;
    std::string all;
    for (std::string_view p : cert->principals()) {
      listed = listed || p == name;
      // Appended piecewise: GCC 12 at -O3 reports a false -Wrestrict for `"," + std::string(p)`.
      if (!all.empty()) all += ',';
      all += p;
    }
    if (!listed) {
      mutauth::error e(errc::invalid_argument,
                       "the certificate does not list the principal this client asserts, ");
      e.append(name);
      e.append(" (it lists ");
      e.append(all);
      e.append(")");
      config_error("certificate " + o.identity + "-cert.pub",
                   e.with_hint("give --name with one of the certificate's principals"));
    }
  }
  return name;
}

template <>
struct mech_loader<PkFlags> {
  using Mech = pk::PublicKey;
  static_assert(Mech::name == std::string_view(PkFlags::wire_name),
                "the trait's wire name is the mechanism's");
  PkMaterial m;
  pk::InitiatorConfig icfg;
  std::optional<pk::AcceptorConfig> acfg;

  // Points into m: a loader is loaded in place and never moved.
  void load(const Options& o, bool listen) {
    load_pk(o, m, listen);
    if (!listen) {
      // The principal this client asserts (OpenSSH's rule): the server verifies it against our
      // certificate's principals or the principal our key is pinned for, then its allow list.
      m.local_name = client_principal(o, m);
      icfg.identity = {&*m.key, m.local_name, m.cert};
      if (m.known_hosts) icfg.trust = m.known_hosts->trust();
      icfg.trust.allow_host_wide_credentials = o.host_wide;
      if (m.krl) icfg.trust.revoked = &*m.krl;
      if (auto v = pk::validate(icfg); !v)
        config_error("--identity " + o.identity + " cannot prove " + m.local_name, v.error_value());
    } else {
      acfg.emplace(pk::AcceptorConfig{.identity = {&*m.key, {}, m.cert},
                                      .service = parse_spn("--service", o.service),
                                      .trust = {},
                                      .channel_binding = {}});
      if (m.authorized_keys) acfg->trust = m.authorized_keys->trust();
      if (m.krl) acfg->trust.revoked = &*m.krl;
      // Repeat clients skip only the CA signature already verified (pk/verify_cache.hpp); trust,
      // validity, KRL, principals and the proof signature are checked on every handshake.
      static pk::FixedVerifyCache<64> cert_cache;
      acfg->trust.cert_cache = &cert_cache;
      // Refuse to start when these credentials can never prove --service.
      if (auto v = pk::validate(*acfg, o.host_wide); !v)
        config_error("--identity " + o.identity + " cannot prove --service " + o.service,
                     v.error_value());
    }
  }
  const pk::InitiatorConfig& initiator() const { return icfg; }
  const pk::AcceptorConfig& acceptor() const { return *acfg; }
  std::string self() const { return m.local_name; }
};

}  // namespace mutauth::cli
