// TEST ONLY (the documentation harnesses, tests/docs/README.md): a real Kerberos handshake in
// one process against the realm harness/kdc_realm.sh runs — alice (the default client keytab)
// to host/server.example.test (the default service keytab) — for blocks that need a session.
#pragma once

#include <cstdio>
#include <optional>
#include <vector>

#include <mutauth/handshake.hpp>
#include <mutauth/mech/krb5/krb5.hpp>

namespace mutauth::docs {

using mutauth::krb5::Kerberos;

inline bool admit_alice_krb5(const Principal& p) noexcept {
  return p.name.view() == "alice@EXAMPLE.TEST";
}

inline ServicePrincipal krb5_target() {
  return *ServicePrincipal::parse("host/server.example.test");
}

struct Krb5Pair {
  std::optional<Session<Kerberos>> client, server;
};

inline bool say(const char* what, const error& e) {
  std::printf("%s: %.*s\n", what, static_cast<int>(e.detail().size()), e.detail().data());
  return false;
}

inline bool krb5_handshake(const Kerberos::InitiatorConfig& icfg, Krb5Pair& out) {
  static const ServicePrincipal target = krb5_target();
  static const Kerberos::AcceptorConfig acfg{
      .service = target, .keytab = {}, .credential = nullptr};
  Initiator<Kerberos> c(target, icfg);
  Acceptor<Kerberos> s(acfg, admit_alice_krb5);
  step_result r = c.step();
  if (r.st != status::send) return say("AP-REQ", c.last_error());
  const std::vector<std::uint8_t> ap_req(r.token.begin(), r.token.end());
  step_result a = s.step(ap_req);
  if (a.st != status::done) return say("acceptor", s.last_error());
  const std::vector<std::uint8_t> ap_rep(a.token.begin(), a.token.end());
  if (c.step(ap_rep).st != status::done) return say("AP-REP", c.last_error());
  auto cs = std::move(c).finish();
  auto ss = std::move(s).finish();
  if (!cs || !ss) return false;
  out.client.emplace(std::move(*cs));
  out.server.emplace(std::move(*ss));
  return true;
}

inline int verdict(bool ok, const char* what) {
  std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace mutauth::docs
