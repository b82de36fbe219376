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
#include "pk_transcript.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mutauth::fuzz::transcript_one_input<false>(data, size);
}
