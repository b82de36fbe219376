// Fuzz target: the whole mutauth-pk/1 handshake under a man in the middle (the fuzz-driven
// form of the flip-every-byte test, DESIGN §6). A real Initiator and Acceptor run; every message
// passes through the harness, which applies the input as a mutation program:
//   op byte: bits 0-2 opcode, bits 3-4 message (0-2; 3 means 2); then u16 offset, u8 value.
//   0 xor value (0 counts as 1)  1 truncate   2 insert value   3 erase one byte
//   4 replace with honest message value%3     5 replace with message value%3 of another session
//   6 drop the message                        7 append offset%64+1 copies of value
// Invariants: if any delivered message differs from what its sender produced, the two sides
// must NOT both end established (G1, G2, G3); if none does, both must, with agreeing sessions.
// The RNG is deterministic, so until a message is altered each side produces the honest bytes.
#include <vector>

#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
struct op {
  std::uint8_t code, msg, value;
  std::uint16_t offset;
};

struct Honest {
  fuzz::Transcript t = fuzz::genuine_transcript(0);
  fuzz::Transcript other = fuzz::genuine_transcript(1);
};

// Applies the ops aimed at message `m`; returns false when the message is dropped.
bool mutate(const std::vector<op>& prog, std::uint8_t m, fuzz::bytes& b, const Honest& h) {
  for (const op& o : prog) {
    if (o.msg != m) continue;
    const std::size_t len = b.size();
    switch (o.code) {
      case 0: if (len) b[o.offset % len] ^= o.value ? o.value : 1; break;
      case 1: b.resize(o.offset % (len + 1)); break;
      case 2: b.insert(b.begin() + static_cast<long>(o.offset % (len + 1)), o.value); break;
      case 3: if (len) b.erase(b.begin() + static_cast<long>(o.offset % len)); break;
      case 4: b = h.t.msg[o.value % 3]; break;
      case 5: b = h.other.msg[o.value % 3]; break;
      case 6: return false;
      case 7: b.insert(b.end(), o.offset % 64 + 1, o.value); break;
    }
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Honest h;
  fuzz::input in(data, size);
  std::vector<op> prog;
  while (!in.empty() && prog.size() < 16) {
    const std::uint8_t c = in.u8();
    const auto m = static_cast<std::uint8_t>(((c >> 3) & 3) == 3 ? 2 : (c >> 3) & 3);
    const std::uint16_t offset = in.u16();
    prog.push_back({static_cast<std::uint8_t>(c & 7), m, in.u8(), offset});
  }

  auto e = fuzz::fresh_endpoints(0);
  bool tampered = false;
  step_result r = e->client.step();
  for (std::uint8_t m = 0; m < 3; ++m) {
    // Until something was altered, each side produces exactly the honest message.
    MUTAUTH_FUZZ_CHECK(tampered || fuzz::same(r.token, h.t.msg[m]));
    fuzz::bytes wire = fuzz::copy(r.token);
    const bool delivered = mutate(prog, m, wire, h);
    tampered |= !delivered || !fuzz::same(wire, r.token);
    if (!delivered) break;
    if (m == 1) {
      r = e->client.step(wire);
      fuzz::check_step(e->client, r);
      if (r.st == status::failed) fuzz::check_dead(e->client, r.code, wire);
    } else {
      r = e->server.step(wire);
      fuzz::check_step(e->server, r);
      if (r.st == status::failed) fuzz::check_dead(e->server, r.code, wire);
    }
    MUTAUTH_FUZZ_CHECK(tampered || r.st != status::failed);  // the honest run never fails
    if (r.st == status::failed) break;
  }
  const bool both = e->client.is_done() && e->server.is_done();
  MUTAUTH_FUZZ_CHECK(both != tampered);  // the heart of it: no altered transcript authenticates
  if (!both) return 0;
  auto cs = std::move(e->client).finish();
  auto ss = std::move(e->server).finish();
  MUTAUTH_FUZZ_CHECK(cs && ss && fuzz::same(cs->channel_binding(), ss->channel_binding()));
  std::array<std::uint8_t, 32> k1{}, k2{};
  MUTAUTH_FUZZ_CHECK(cs->export_keying_material("fuzz", k1) && ss->export_keying_material("fuzz", k2) && k1 == k2);
  return 0;
}
