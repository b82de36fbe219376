// Fuzz target: AuthorizedKeys<P, C>::parse (trust_file.hpp), the acceptor's authorized_keys-style
// trust file. The same text goes to a store with small capacities (2 pins, 1 CA), to reach the
// capacity refusals, and to one with the default capacities.
// Invariants: parse() is all-or-nothing; the small store refuses only with too_large where the
// large one accepts, and otherwise answers as the large one does with the same counts; every
// pinned principal is one non-empty word of printable ASCII that fits a Principal; every CA's
// principals list is empty or a comma list of such words; refusals are log-safe and name a line.
#include <sodium.h>

#include "fuzz_common.hpp"
#include "mutauth/mech/pk/trust_file.hpp"

using namespace mutauth;

namespace {

bool word(std::string_view w) {
  if (w.empty() || w.size() > ServicePrincipal::max_text) return false;
  for (char c : w)
    if (!mutauth::detail::ascii_is_graph(c)) return false;
  return true;
}

template <class Store>
void check_store(const Store& s, const result<pk::TrustFileCounts>& r) {
  if (!r) {
    MUTAUTH_FUZZ_CHECK(s.pinned().empty() && s.authorities().empty());
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(r.error_value()));
    MUTAUTH_FUZZ_CHECK(r.error_value().detail().starts_with("line "));
    return;
  }
  MUTAUTH_FUZZ_CHECK(r->pinned == s.pinned().size() && r->authorities == s.authorities().size());
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool init = sodium_init() >= 0;
  MUTAUTH_FUZZ_CHECK(init);
  // An exact-size heap copy (the store keeps views into it), so that ASan sees any read past
  // the end of the text.
  const fuzz::bytes copy(data, data + size);
  const std::string_view text = fuzz::as_text(copy);

  static pk::AuthorizedKeys<2, 1> small;
  static pk::AuthorizedKeys<> large;
  auto rs = small.parse(text);
  auto rl = large.parse(text);
  check_store(small, rs);
  check_store(large, rl);
  if (rs) {
    MUTAUTH_FUZZ_CHECK(rl && rl->pinned == rs->pinned && rl->authorities == rs->authorities);
  } else if (rs.code() == errc::too_large && rl) {
    MUTAUTH_FUZZ_CHECK(rl->pinned > 2 || rl->authorities > 1);
  } else {
    MUTAUTH_FUZZ_CHECK(!rl && (rl.code() == rs.code() || rs.code() == errc::too_large));
  }
  auto empty = large.parse("");
  MUTAUTH_FUZZ_CHECK(empty && empty->pinned == 0 && large.pinned().empty());
  return 0;
}
