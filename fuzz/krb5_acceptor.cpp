// Fuzz target: Acceptor<krb5::Kerberos> (krb5.hpp) fed one arbitrary initial context token. MIT
// GSS-API parses it (gss_accept_sec_context); the target checks OUR side of the contract.
// The seeds are genuine AP-REQs for fuzz/server.example.test (make_krb5_corpus), which the
// harness's offline keytab accepts in every run (fuzz_krb5.hpp), plus requests without the
// mutual flag and for another service.
// Invariants: a step's status agrees with the handshake's state; a failed handshake stays failed
// with the same code, refuses everything and yields no session (G5); a handshake that completes
// answers with an AP-REP, proves the client named in the seed tickets (alice@EXAMPLE.TEST; a
// ticket for anyone else cannot be forged without the KDC's keys), was asked for mutual
// authentication, and gives a session bound to the configured service that can seal.
#include "fuzz_krb5.hpp"

using namespace mutauth;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::krb5_setup(/*with_kdc=*/false);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::KrbEnv& env = fuzz::krb5_setup(false);
  const fuzz::bytes token(data, data + size);  // exact size: ASan sees over-reads
  Acceptor<fuzz::KRB> server(env.acfg, fuzz::allow_any);
  const step_result r = server.step(token);
  fuzz::check_step(server, r);
  if (std::getenv("MUTAUTH_FUZZ_VERBOSE")) {  // to see what the seeds reach
    std::fprintf(stderr, "krb5_acceptor: status %d: %.*s\n", static_cast<int>(r.st),
                 static_cast<int>(server.last_error().detail().size()),
                 server.last_error().detail().data());
  }
  if (r.st == status::failed) {
    fuzz::check_dead(server, r.code, token, fuzz::krb5_details_log_safe);
    return 0;
  }
  if (r.st != status::done) return 0;    // a continuation: GSS wants another token
  MUTAUTH_FUZZ_CHECK(!r.token.empty());  // the AP-REP: mutual authentication was asked for
  auto s = std::move(server).finish();
  MUTAUTH_FUZZ_CHECK(s);
  MUTAUTH_FUZZ_CHECK(s->peer().mechanism == krb5::mechanism_name);
  MUTAUTH_FUZZ_CHECK(s->peer().name.view() == "alice@EXAMPLE.TEST");
  MUTAUTH_FUZZ_CHECK(s->peer().realm.view() == "EXAMPLE.TEST");
  MUTAUTH_FUZZ_CHECK(s->service() == env.service);
  fuzz::bytes rec(5 + Session<fuzz::KRB>::seal_overhead);
  MUTAUTH_FUZZ_CHECK(s->seal(fuzz::bytes{'h', 'e', 'l', 'l', 'o'}, rec));
  return 0;
}
