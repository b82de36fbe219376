// Shared by the known_hosts and authorized_keys targets: what both trust-file stores must do,
// whatever the kind of file. Each target adds the checks particular to its entries.
#pragma once

#include <sodium.h>

#include "fuzz_common.hpp"
#include "mutauth/mech/pk/trust_file.hpp"

namespace mutauth::fuzz {

/// Checks common to every store after parse(): all-or-nothing, log-safe refusals that name a
/// line, counts that agree with the lists. Returns true when the parse succeeded.
template <class Store>
bool check_store_common(const Store& s, const result<pk::TrustFileCounts>& r) {
  if (!r) {
    MUTAUTH_FUZZ_CHECK(s.pinned().empty() && s.authorities().empty());
    MUTAUTH_FUZZ_CHECK(detail_is_log_safe(r.error_value()));
    MUTAUTH_FUZZ_CHECK(r.error_value().detail().starts_with("line "));
    return false;
  }
  MUTAUTH_FUZZ_CHECK(r->pinned == s.pinned().size() && r->authorities == s.authorities().size());
  return true;
}

/// Parses the input with a store of small capacities (2 pins, 1 CA: to reach the capacity
/// refusals) and one with the defaults, runs `check_entries` on each successful store, and
/// checks that the two agree and that parsing again replaces the contents.
template <template <std::size_t, std::size_t> class Store, class CheckEntries>
int fuzz_trust_file(const std::uint8_t* data, std::size_t size, CheckEntries check_entries) {
  static const bool init = sodium_init() >= 0;
  MUTAUTH_FUZZ_CHECK(init);
  // An exact-size heap copy (the store keeps views into it), so that ASan sees any read past
  // the end of the text.
  const bytes copy(data, data + size);
  const std::string_view text = as_text(copy);

  static Store<2, 1> small;
  static Store<32, 8> large;
  auto rs = small.parse(text);
  auto rl = large.parse(text);
  if (check_store_common(small, rs)) check_entries(small);
  if (check_store_common(large, rl)) check_entries(large);
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

}  // namespace mutauth::fuzz
