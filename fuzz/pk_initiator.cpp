// Fuzz target: Initiator<pk::PublicKey>, the client side of mutauth-pk/1 (pk.hpp), after it
// sent its real message 1. First byte % 2 picks what the fuzz bytes (the rest) are:
//   0  message 2;
//   1  the *plaintext proof* inside a message 2 that the harness encrypts correctly (so that
//      proof parsing, the name check and verification are reached; see fuzz_pk.hpp).
// The RNG is deterministic, so the honest bytes are known: the initiator may accept the server
// only for exactly those bytes (G2: nothing else proves host/server.example.test), and must.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
struct Honest {
  fuzz::Transcript t = fuzz::genuine_transcript(0);
  fuzz::bytes server_proof;
};
const Honest& honest() {
  static const Honest h = [] {
    Honest h;
    auto e = fuzz::fresh_endpoints(0);
    const fuzz::bytes m2 = fuzz::forged_message2(e->client.step().token, nullptr, &h.server_proof);
    MUTAUTH_FUZZ_CHECK(e->client.step(m2).st == status::done);  // the harness speaks the wire format
    return h;
  }();
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Honest& h = honest();
  fuzz::input in(data, size);
  const int mode = in.u8() % 2;
  const fuzz::bytes fz = fuzz::copy(in.rest());
  auto e = fuzz::fresh_endpoints(0);
  Initiator<fuzz::PK>& client = e->client;
  const step_result r1 = client.step();
  MUTAUTH_FUZZ_CHECK(r1.st == status::send && fuzz::same(r1.token, h.t.msg[0]));
  const fuzz::bytes msg = mode == 0 ? fz : fuzz::forged_message2(r1.token, &fz);
  const bool honest_bytes = fuzz::same(fz, mode == 0 ? h.t.msg[1] : h.server_proof);
  const step_result r = client.step(msg);
  fuzz::check_step(client, r);
  if (r.st == status::failed) {
    MUTAUTH_FUZZ_CHECK(!honest_bytes);
    fuzz::check_dead(client, r.code, msg);
    return 0;
  }
  // Only the honest server's bytes verify; then message 3 is the honest one too.
  MUTAUTH_FUZZ_CHECK(r.st == status::done && honest_bytes && fuzz::same(r.token, h.t.msg[2]));
  auto s = std::move(client).finish();
  MUTAUTH_FUZZ_CHECK(s && s->peer().name.view() == "host/server.example.test");
  return 0;
}
