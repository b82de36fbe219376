// Fuzz target: KnownHosts<P, C>::parse (trust_file.hpp), the initiator's known_hosts-style trust
// file. The same text goes to a store with small capacities (2 pins, 1 CA), to reach the
// capacity refusals, and to one with the default capacities.
// Invariants: parse() is all-or-nothing (a refusal leaves both lists empty); the small store
// refuses only with too_large where the large one accepts, and otherwise answers as the large
// one does with the same counts; counts agree with the lists; every pinned name is a canonical
// ServicePrincipal; every CA pattern list is non-empty; refusals are log-safe and name a line;
// parsing again replaces (never appends to) the contents.
#include <sodium.h>

#include "fuzz_common.hpp"
#include "mutauth/mech/pk/trust_file.hpp"

using namespace mutauth;

namespace {

template <class Store>
void check_store(const Store& s, const result<pk::TrustFileCounts>& r) {
  if (!r) {
    MUTAUTH_FUZZ_CHECK(s.pinned().empty() && s.authorities().empty());
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(r.error_value()));
    MUTAUTH_FUZZ_CHECK(r.error_value().detail().starts_with("line "));
    return;
  }
  MUTAUTH_FUZZ_CHECK(r->pinned == s.pinned().size() && r->authorities == s.authorities().size());
  for (const pk::PinnedServer& p : s.pinned()) {
    auto back = ServicePrincipal::parse(p.name.to_string().view());
    MUTAUTH_FUZZ_CHECK(back && *back == p.name);
  }
  for (const pk::HostCertAuthority& ca : s.authorities()) MUTAUTH_FUZZ_CHECK(!ca.host_patterns.empty());
  const pk::ServerTrust t = s.trust();
  MUTAUTH_FUZZ_CHECK(t.pinned.size() == r->pinned && t.authorities.size() == r->authorities);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool init = sodium_init() >= 0;
  MUTAUTH_FUZZ_CHECK(init);
  // An exact-size heap copy (the store keeps views into it), so that ASan sees any read past
  // the end of the text.
  const fuzz::bytes copy(data, data + size);
  const std::string_view text = fuzz::as_text(copy);

  static pk::KnownHosts<2, 1> small;
  static pk::KnownHosts<> large;
  auto rs = small.parse(text);
  auto rl = large.parse(text);
  check_store(small, rs);
  check_store(large, rl);
  if (rs) {
    MUTAUTH_FUZZ_CHECK(rl && rl->pinned == rs->pinned && rl->authorities == rs->authorities);
  } else if (rs.code() == errc::too_large && rl) {
    MUTAUTH_FUZZ_CHECK(rl->pinned > 2 || rl->authorities > 1);
  } else {
    // Lines are checked in order, so the first refusal is the same (unless the small store
    // filled up on an earlier line than the large store's refusal, which says too_large).
    MUTAUTH_FUZZ_CHECK(!rl && (rl.code() == rs.code() || rs.code() == errc::too_large));
  }
  // A second parse replaces the contents: an empty text leaves an empty store.
  auto empty = large.parse("");
  MUTAUTH_FUZZ_CHECK(empty && empty->pinned == 0 && large.pinned().empty());
  return 0;
}
