// Fuzz target: Acceptor<pk::PublicKey>, the server side of mutauth-pk/1 (pk.hpp).
// First byte % 3 picks what the fuzz bytes (the rest) are:
//   0  message 1, to a fresh acceptor;
//   1  message 3, after a real Initiator's message 1 was answered;
//   2  the *plaintext proof* inside a message 3 that the harness encrypts correctly (so that
//      proof parsing and verification are reached; see fuzz_pk.hpp).
// The RNG is deterministic, so the honest bytes are known: the acceptor may verify message 3
// only when the fuzz bytes are exactly the honest ones, and must accept those.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
struct Honest {
  fuzz::Transcript t = fuzz::genuine_transcript(0);
  fuzz::bytes client_proof;
};
const Honest& honest() {
  static const Honest h = [] {
    Honest h;
    auto e = fuzz::fresh_endpoints(0);
    const fuzz::bytes m3 = fuzz::forged_message3(e->server, nullptr, &h.client_proof);
    MUTAUTH_FUZZ_CHECK(e->server.step(m3).st == status::done);  // the harness speaks the wire format
    return h;
  }();
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Honest& h = honest();
  fuzz::input in(data, size);
  const int mode = in.u8() % 3;
  const fuzz::bytes fz = fuzz::copy(in.rest());
  auto e = fuzz::fresh_endpoints(0);
  Acceptor<fuzz::PK>& server = e->server;
  fuzz::bytes msg = fz;
  bool honest_bytes = false;
  if (mode == 0) {
    // The real client still makes its message 1 (which the fuzz bytes replace), so that the
    // server draws the same ephemeral as in the honest run.
    (void)e->client.step();
    honest_bytes = fuzz::same(fz, h.t.msg[0]);
  } else if (mode == 1) {
    MUTAUTH_FUZZ_CHECK(server.step(e->client.step().token).st == status::send);
    honest_bytes = fuzz::same(fz, h.t.msg[2]);
  } else {
    msg = fuzz::forged_message3(server, &fz);
    honest_bytes = fuzz::same(fz, h.client_proof);
  }
  const step_result r = server.step(msg);
  fuzz::check_step(server, r);
  if (r.st == status::failed) {
    MUTAUTH_FUZZ_CHECK(!honest_bytes);
    fuzz::check_dead(server, r.code, msg);
  } else if (mode == 0) {
    MUTAUTH_FUZZ_CHECK(r.st == status::send && (!honest_bytes || fuzz::same(r.token, h.t.msg[1])));
  } else {
    MUTAUTH_FUZZ_CHECK(r.st == status::done && honest_bytes);  // no forged client gets in
    auto s = std::move(server).finish();
    MUTAUTH_FUZZ_CHECK(s && s->peer().name.view() == "alice");
  }
  return 0;
}
