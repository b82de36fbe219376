// Fuzz target: Initiator<krb5::Kerberos> (krb5.hpp) after its real first token (an AP-REQ for
// fuzz/server.example.test@EXAMPLE.TEST, ticket from a real KDC; see fuzz_krb5.hpp), fed an
// arbitrary second token. A genuine acceptor answers the AP-REQ in the same process, so the
// honest AP-REP of this very exchange is known. First byte, bit 0:
//   0  the rest replaces the AP-REP (raw GSS-API bytes);
//   1  the rest is a mutation program applied to the honest AP-REP: (op, u16 offset, value)*
//      with op % 5: 0 xor value (0 counts as 1), 1 truncate, 2 insert value, 3 erase one byte,
//      4 append offset % 64 + 1 copies of value.
// Invariants: a failed handshake stays failed, refuses everything and yields no session (G5);
// the unaltered AP-REP completes the handshake; whenever the initiator completes (altered token
// or not), its session and the genuine acceptor's carry data records both ways and the client's
// sealed close (fuzz_krb5.hpp sessions_agree) — an AP-REP that did not come from the holder of
// the service key can never yield a session (G2, G4).
#include <vector>

#include "fuzz_krb5.hpp"

using namespace mutauth;

namespace {
void mutate(fuzz::input& in, fuzz::bytes& b) {
  for (int n = 0; n < 16 && !in.empty(); ++n) {
    const std::uint8_t op = in.u8() % 5;
    const std::uint16_t off = in.u16();
    const std::uint8_t v = in.u8();
    const std::size_t len = b.size();
    switch (op) {
      case 0:
        if (len) b[off % len] ^= v ? v : 1;
        break;
      case 1: b.resize(off % (len + 1)); break;
      case 2: b.insert(b.begin() + static_cast<long>(off % (len + 1)), v); break;
      case 3:
        if (len) b.erase(b.begin() + static_cast<long>(off % len));
        break;
      case 4: b.insert(b.end(), off % 64 + 1, v); break;
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::krb5_setup(/*with_kdc=*/true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::KrbEnv& env = fuzz::krb5_setup(true);
  fuzz::input in(data, size);
  const bool program = in.u8() & 1;

  Initiator<fuzz::KRB> client(env.service, env.icfg);
  step_result r = client.step();
  if (r.st != status::send) {
    std::fprintf(stderr, "krb5_initiator: no AP-REQ: %.*s\n",
                 static_cast<int>(client.last_error().detail().size()),
                 client.last_error().detail().data());
    MUTAUTH_FUZZ_CHECK(r.st == status::send);  // the environment, not the input: stop loudly
  }
  Acceptor<fuzz::KRB> server(env.acfg, fuzz::allow_any);
  const step_result a = server.step(r.token);
  MUTAUTH_FUZZ_CHECK(a.st == status::done && !a.token.empty());
  const fuzz::bytes honest = fuzz::copy(a.token);

  fuzz::bytes token = honest;
  if (program) mutate(in, token);
  else token = fuzz::copy(in.rest());
  const bool altered = !fuzz::same(token, honest);

  r = client.step(token);
  fuzz::check_step(client, r);
  if (r.st == status::failed) {
    MUTAUTH_FUZZ_CHECK(altered);  // the honest AP-REP never fails
    fuzz::check_dead(client, r.code, token, fuzz::krb5_details_log_safe);
    return 0;
  }
  if (r.st != status::done) {
    MUTAUTH_FUZZ_CHECK(altered);
    return 0;  // GSS asked for more: not established, nothing to check further
  }
  MUTAUTH_FUZZ_CHECK(r.token.empty());  // the AP-REP ends the exchange
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  MUTAUTH_FUZZ_CHECK(cs && ss);
  MUTAUTH_FUZZ_CHECK(cs->peer().name.view() == fuzz::krb5_service);
  MUTAUTH_FUZZ_CHECK(fuzz::sessions_agree(*cs, *ss));
  return 0;
}
