// Fuzz target: AuthorizedKeys<P, C>::parse (trust_file.hpp), the acceptor's authorized_keys-style
// trust file. The same text goes to a store with small capacities (2 pins, 1 CA), to reach the
// capacity refusals, and to one with the default capacities.
// Invariants: parse() is all-or-nothing; the small store refuses only with too_large where the
// large one accepts, and otherwise answers as the large one does with the same counts; every
// pinned principal is one non-empty word of printable ASCII that fits a Principal; every CA's
// principals list is empty or a comma list of such words; refusals are log-safe and name a line.
#include "fuzz_trust_file.hpp"

using namespace mutauth;

namespace {

bool word(std::string_view w) {
  if (w.empty() || w.size() > ServicePrincipal::max_text) return false;
  for (char c : w)
    if (!mutauth::detail::ascii_is_graph(c)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::fuzz_trust_file<pk::AuthorizedKeys>(data, size, [](const auto& s) {
    for (const pk::PinnedClient& p : s.pinned()) {
      MUTAUTH_FUZZ_CHECK(word(p.principal));
      Principal pr;  // the acceptor copies the pinned principal into Principal::name
      MUTAUTH_FUZZ_CHECK(pr.name.append(p.principal));
    }
    for (const pk::UserCertAuthority& ca : s.authorities()) {
      std::string_view rest = ca.principals;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        MUTAUTH_FUZZ_CHECK(word(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (comma != std::string_view::npos) MUTAUTH_FUZZ_CHECK(!rest.empty());
      }
    }
  });
}
