// The mutation programs of the man-in-the-middle targets (pk_transcript, pk_transcript_ca and
// negotiate_transcript; their headers give the op format): reading a program from the input,
// and the byte edits all of them share. Opcodes 4 and 5 are each target's own.
#pragma once

#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

struct mutation_op {
  std::uint8_t code, msg, value;
  std::uint16_t offset;
};

// Up to 16 ops, each an op byte (bits 0-2 the opcode, the bits above it the message, kept by
// `msg_mask`), a u16 offset and a u8 value.
inline std::vector<mutation_op> read_mutations(input& in, std::uint8_t msg_mask) {
  std::vector<mutation_op> prog;
  while (!in.empty() && prog.size() < 16) {
    const std::uint8_t c = in.u8();
    const auto m = static_cast<std::uint8_t>((c >> 3) & msg_mask);
    const std::uint16_t offset = in.u16();
    prog.push_back({static_cast<std::uint8_t>(c & 7), m, in.u8(), offset});
  }
  return prog;
}

// Applies the ops aimed at message `m`, opcodes 4 and 5 through `own(op, b)`; returns false when
// the message is dropped.
template <class Own>
bool apply_mutations(const std::vector<mutation_op>& prog, std::uint8_t m, bytes& b, Own&& own) {
  for (const mutation_op& o : prog) {
    if (o.msg != m) continue;
    const std::size_t len = b.size();
    switch (o.code) {
      case 0:
        if (len) b[o.offset % len] ^= o.value ? o.value : 1;
        break;
      case 1: b.resize(o.offset % (len + 1)); break;
      case 2: b.insert(b.begin() + static_cast<long>(o.offset % (len + 1)), o.value); break;
      case 3:
        if (len) b.erase(b.begin() + static_cast<long>(o.offset % len));
        break;
      case 4:
      case 5: own(o, b); break;
      case 6: return false;
      case 7: b.insert(b.end(), o.offset % 64 + 1, o.value); break;
    }
  }
  return true;
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
