// Fuzz target: pk_transcript (see pk_transcript.cpp for the mutation program) with both
// identities proven by OpenSSH certificates from one CA instead of pinned keys (World::icfg_ca /
// acfg_ca in fuzz_pk.hpp). Each proof then carries a certificate, which the receiver parses and
// verifies (certificate.hpp) after decrypting it; the same invariant holds: no altered
// transcript ends with both sides established.
#include "pk_transcript.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mutauth::fuzz::transcript_one_input<true>(data, size);
}
