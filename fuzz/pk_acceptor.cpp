// Fuzz target: Acceptor<pk::PublicKey>, the server side of mutauth-pk/1 (pk.hpp).
// First byte % 3 picks what the fuzz bytes (the rest) are:
//   0  message 1, to a fresh acceptor;
//   1  message 3, after a real Initiator's message 1 was answered;
//   2  the *plaintext client proof* inside a message 3 that the harness encrypts correctly (so
//      that proof parsing, the asserted principal and verification are reached; fuzz_pk.hpp).
// The RNG is deterministic, so the honest bytes are known: the acceptor may verify message 3
// only when the fuzz bytes are exactly the honest ones, and must accept those.
// Invariants: message 1 is answered with exactly the honest message 2 or refused; message 3
// completes (status done WITH message 4, the admission) only for the honest bytes, and then
// message 4 is the honest one, admits alice, and the Session's peer is alice; a refusal gives no
// token and no Session, and the dead handshake answers every later call with the same error.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
struct Honest {
  fuzz::Transcript t = fuzz::genuine_transcript(0);
  fuzz::bytes client_proof;
  fuzz::bytes forged_m4;  // message 4 of the run with the harness client
};
const Honest& honest() {
  static const Honest h = [] {
    Honest h;
    auto e = fuzz::fresh_endpoints(0);
    fuzz::PeerClient peer;
    const fuzz::bytes m3 = peer.run_to_message3(e->server, nullptr, &h.client_proof);
    const step_result r = e->server.step(m3);
    // The harness speaks the wire format: the genuine proof is accepted, and message 4 admits alice.
    MUTAUTH_FUZZ_CHECK(r.st == status::done && !r.token.empty());
    h.forged_m4 = fuzz::copy(r.token);
    MUTAUTH_FUZZ_CHECK(
        fuzz::same(peer.read_message4(r.token), fuzz::genuine_admission(fuzz::client_name)));
    return h;
  }();
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Honest& h = honest();
  const fuzz::mode_input in(data, size, 3);
  const int mode = in.mode;
  const fuzz::bytes& fz = in.fz;
  auto e = fuzz::fresh_endpoints(0);
  Acceptor<fuzz::PK>& server = e->server;
  fuzz::PeerClient peer;
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
    msg = peer.run_to_message3(server, &fz);
    honest_bytes = fuzz::same(fz, h.client_proof);
  }
  const step_result r = fuzz::step_fuzzed(server, msg, honest_bytes);
  if (r.st == status::failed) return 0;
  if (mode == 0) {
    MUTAUTH_FUZZ_CHECK(r.st == status::send && (!honest_bytes || fuzz::same(r.token, h.t.msg[1])));
    fuzz::check_no_session(server);
    return 0;
  }
  // No forged client gets in, and the admission is the honest one.
  MUTAUTH_FUZZ_CHECK(r.st == status::done && honest_bytes);
  MUTAUTH_FUZZ_CHECK(fuzz::same(r.token, mode == 1 ? h.t.msg[3] : h.forged_m4));
  if (mode == 2)
    MUTAUTH_FUZZ_CHECK(
        fuzz::same(peer.read_message4(r.token), fuzz::genuine_admission(fuzz::client_name)));
  auto s = std::move(server).finish();
  MUTAUTH_FUZZ_CHECK(s && s->peer().name.view() == fuzz::client_name &&
                     s->local().name.view() == "host/server.example.test");
  return 0;
}
