// Fuzz target: the whole mutauth-pk/1 handshake under a man in the middle (the fuzz-driven
// form of the flip-every-byte test, fuzz/README.md). A real Initiator and Acceptor run; every message
// passes through the harness, which applies the input as a mutation program:
//   op byte: bits 0-2 opcode, bits 3-4 message (0-3: messages 1-4); then u16 offset, u8 value.
//   0 xor value (0 counts as 1)  1 truncate   2 insert value   3 erase one byte
//   4 replace with honest message value%4     5 replace with message value%4 of another session
//   6 drop the message                        7 append offset%64+1 copies of value
// Invariants (G1, G2, G3): the CLIENT is done if and only if no message (1-4) was altered or
// dropped; the SERVER, which completes on message 3 and sends message 4, if and only if messages
// 1-3 arrived unaltered. A side that is not done yields no Session; a failed side is dead (every
// later call gives the same error). When both are done, the sessions agree: channel binding,
// exporter output (with and without context), and records flow both ways.
// The RNG is deterministic, so until a message is altered each side produces the honest bytes.
#include "pk_transcript.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mutauth::fuzz::transcript_one_input<false>(data, size);
}
