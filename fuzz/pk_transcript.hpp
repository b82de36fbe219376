// The man-in-the-middle transcript harness shared by pk_transcript (pinned keys) and
// pk_transcript_ca (certificates); see pk_transcript.cpp for the mutation program format.
#pragma once

#include <vector>

#include "fuzz_pk.hpp"
#include "mutation.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {
namespace transcript {

struct Honest {
  explicit Honest(bool ca) : t(genuine_transcript(0, ca)), other(genuine_transcript(1, ca)) {}
  Transcript t;
  Transcript other;
};

// Opcodes 4 and 5: the honest message, or one of another session (pk_transcript.cpp).
inline bool mutate(const std::vector<mutation_op>& prog, std::uint8_t m, bytes& b,
                   const Honest& h) {
  return apply_mutations(prog, m, b, [&](const mutation_op& o, bytes& out) {
    out = (o.code == 4 ? h.t : h.other).msg[o.value % 4];
  });
}

}  // namespace transcript

/// One input of pk_transcript (CA = false: pinned keys) or pk_transcript_ca (CA = true: both
/// identities proven by certificates, so that certificate parsing and verification sit inside
/// the encrypted proofs the man in the middle mangles).
template <bool CA>
int transcript_one_input(const std::uint8_t* data, std::size_t size) {
  using namespace transcript;
  static const Honest h(CA);
  input in(data, size);
  const std::vector<mutation_op> prog = read_mutations(in, 3);  // messages 0-3

  auto e = fresh_endpoints(0, CA);
  // tampered_upto[m]: some message before or at m was altered (or dropped).
  bool tampered = false;
  std::array<bool, 4> tampered_upto{};
  step_result r = e->client.step();
  for (std::uint8_t m = 0; m < 4; ++m) {
    // Until something was altered, each side produces exactly the honest message.
    MUTAUTH_FUZZ_CHECK(tampered || same(r.token, h.t.msg[m]));
    bytes wire = copy(r.token);
    const bool delivered = mutate(prog, m, wire, h);
    tampered |= !delivered || !same(wire, r.token);
    for (std::uint8_t k = m; k < 4; ++k) tampered_upto[k] = tampered;
    if (!delivered) break;
    if (m % 2 == 1) {
      r = e->client.step(wire);
      check_step(e->client, r);
      if (r.st == status::failed) check_dead(e->client, r.code, wire);
    } else {
      r = e->server.step(wire);
      check_step(e->server, r);
      if (r.st == status::failed) check_dead(e->server, r.code, wire);
    }
    MUTAUTH_FUZZ_CHECK(tampered || r.st != status::failed);  // the honest run never fails
    if (r.st == status::failed) break;
    // The server completes on message 3 and hands out message 4; the client on message 4, with
    // nothing more to send.
    MUTAUTH_FUZZ_CHECK(r.st == (m >= 2 ? status::done : status::send));
    MUTAUTH_FUZZ_CHECK(m != 3 || r.token.empty());
  }
  // The heart of it: no altered transcript authenticates. The client is done if and only if
  // nothing was altered; the server, which completes before message 4, if and only if messages
  // 1-3 arrived unaltered.
  MUTAUTH_FUZZ_CHECK(e->client.is_done() == !tampered_upto[3]);
  MUTAUTH_FUZZ_CHECK(e->server.is_done() == !tampered_upto[2]);
  // A Session exists only then.
  auto cs = session_of(e->client);
  auto ss = session_of(e->server);
  if (cs && ss) check_pair_agrees(*cs, *ss);
  return 0;
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
