// Fuzz target: KnownHosts<P, C>::parse (trust_file.hpp), the initiator's known_hosts-style trust
// file. The same text goes to a store with small capacities (2 pins, 1 CA), to reach the
// capacity refusals, and to one with the default capacities.
// Invariants: parse() is all-or-nothing (a refusal leaves both lists empty); the small store
// refuses only with too_large where the large one accepts, and otherwise answers as the large
// one does with the same counts; counts agree with the lists; every pinned name is a canonical
// ServicePrincipal; every CA pattern list is non-empty; refusals are log-safe and name a line;
// parsing again replaces (never appends to) the contents.
#include "fuzz_trust_file.hpp"

using namespace mutauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::fuzz_trust_file<pk::KnownHosts>(data, size, [](const auto& s) {
    for (const pk::PinnedServer& p : s.pinned()) {
      auto back = ServicePrincipal::parse(p.name.to_string().view());
      MUTAUTH_FUZZ_CHECK(back && *back == p.name);
    }
    for (const pk::HostCertAuthority& ca : s.authorities())
      MUTAUTH_FUZZ_CHECK(!ca.host_patterns.empty());
    const pk::ServerTrust t = s.trust();
    MUTAUTH_FUZZ_CHECK(t.pinned.size() == s.pinned().size() &&
                       t.authorities.size() == s.authorities().size());
  });
}
