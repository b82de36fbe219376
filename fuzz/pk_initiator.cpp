// Fuzz target: Initiator<pk::PublicKey>, the client side of mutauth-pk/1 (pk.hpp), after it
// sent its real message 1. First byte % 4 picks what the fuzz bytes (the rest) are:
//   0  message 2;
//   1  the *plaintext server proof* inside a message 2 that the harness encrypts correctly (so
//      that proof parsing, the name check and verification are reached; see fuzz_pk.hpp);
//   2  message 4, after the real server's honest message 2 was answered with message 3;
//   3  the *plaintext admission* inside a message 4 that the harness (as the server, after a
//      genuine message 2) encrypts correctly (so that parse_admission and the name check run).
// The RNG is deterministic, so the honest bytes are known: the initiator may accept the server
// only for exactly those bytes (G2: nothing else proves host/server.example.test), answers them
// with the honest message 3, and is done (with no token) only on the honest admission of alice.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
struct Honest {
  fuzz::Transcript t = fuzz::genuine_transcript(0);
  fuzz::bytes server_proof;
  fuzz::bytes forged_m3;  // message 3 of the run with the harness server
  fuzz::bytes admission;
};
const Honest& honest() {
  static const Honest h = [] {
    Honest h;
    auto e = fuzz::fresh_endpoints(0);
    fuzz::PeerServer peer;
    const fuzz::bytes m2 = peer.message2(e->client.step().token, nullptr, &h.server_proof);
    const step_result r = e->client.step(m2);
    MUTAUTH_FUZZ_CHECK(r.st == status::send);  // the harness speaks the wire format
    h.forged_m3 = fuzz::copy(r.token);
    const fuzz::bytes m4 = peer.message4(h.forged_m3, nullptr, &h.admission);
    MUTAUTH_FUZZ_CHECK(e->client.step(m4).st == status::done);
    return h;
  }();
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Honest& h = honest();
  const fuzz::mode_input in(data, size, 4);
  const int mode = in.mode;
  const fuzz::bytes& fz = in.fz;
  auto e = fuzz::fresh_endpoints(0);
  Initiator<fuzz::PK>& client = e->client;
  fuzz::PeerServer peer;
  const step_result r1 = client.step();
  MUTAUTH_FUZZ_CHECK(r1.st == status::send && fuzz::same(r1.token, h.t.msg[0]));
  fuzz::bytes msg = fz;
  bool honest_bytes = false;
  switch (mode) {
    case 0: honest_bytes = fuzz::same(fz, h.t.msg[1]); break;
    case 1:
      msg = peer.message2(r1.token, &fz);
      honest_bytes = fuzz::same(fz, h.server_proof);
      break;
    case 2: {
      const fuzz::bytes m1 = fuzz::copy(r1.token);
      const step_result r2 = e->server.step(m1);
      MUTAUTH_FUZZ_CHECK(r2.st == status::send && fuzz::same(r2.token, h.t.msg[1]));
      const step_result r3 = client.step(fuzz::copy(r2.token));
      MUTAUTH_FUZZ_CHECK(r3.st == status::send && fuzz::same(r3.token, h.t.msg[2]));
      honest_bytes = fuzz::same(fz, h.t.msg[3]);
      break;
    }
    default: {
      const step_result r3 = client.step(peer.message2(r1.token, nullptr));
      MUTAUTH_FUZZ_CHECK(r3.st == status::send && fuzz::same(r3.token, h.forged_m3));
      msg = peer.message4(fuzz::copy(r3.token), &fz);
      honest_bytes = fuzz::same(fz, h.admission);
      break;
    }
  }
  const step_result r = fuzz::step_fuzzed(client, msg, honest_bytes);
  if (r.st == status::failed) return 0;
  if (mode < 2) {
    // Only the honest server's bytes verify; then message 3 is the honest one too, and the
    // client is not done: it has not yet learned that the server admitted it.
    MUTAUTH_FUZZ_CHECK(r.st == status::send && honest_bytes);
    MUTAUTH_FUZZ_CHECK(fuzz::same(r.token, mode == 0 ? h.t.msg[2] : h.forged_m3));
    fuzz::check_no_session(client);
    return 0;
  }
  // Done only on the honest admission, with nothing left to send.
  MUTAUTH_FUZZ_CHECK(r.st == status::done && r.token.empty() && honest_bytes);
  auto s = std::move(client).finish();
  MUTAUTH_FUZZ_CHECK(s && s->peer().name.view() == "host/server.example.test" &&
                     s->local().name.view() == fuzz::client_name);
  return 0;
}
