// Fuzz target: the negotiation message parsers (negotiate.hpp, docs/protocol/negotiate.md §3).
// The whole input goes to parse_offer and to parse_reply. Invariants beyond "no crash": an
// accepted message is exactly its canonical encoding (header, the list re-encoded from the
// parsed names, then the token), so nothing is skipped or read twice; the list obeys every rule
// of §3.4, checked independently (count, lengths, printable names, no duplicates); a choice
// carries a token if and only if it is choice 0; the binding depends on the list bytes as sent;
// refusals are in the malformed or protocol category and log-safe.
#include "fuzz_common.hpp"
#include "mutauth/negotiate.hpp"

namespace {

using namespace mutauth;
using namespace mutauth::fuzz;

void check_list(const negotiation::name_list& l, std::size_t min_count) {
  MUTAUTH_FUZZ_CHECK(l.count >= min_count && l.count <= negotiation::max_offers);
  std::array<std::uint8_t, negotiation::max_list_size> again{};
  const std::size_t n = negotiation::encode_list(l.names.data(), l.count, again);
  MUTAUTH_FUZZ_CHECK(n == l.encoded.size() &&
                     (n == 0 ? l.count == 0 : same(bytes_view(again).first(n), l.encoded)));
  for (std::size_t i = 0; i < l.count; ++i) {
    const std::string_view s = l.names[i];
    MUTAUTH_FUZZ_CHECK(!s.empty() && s.size() <= negotiation::max_name);
    for (char c : s) MUTAUTH_FUZZ_CHECK(c > ' ' && c <= '~');
    for (std::size_t j = 0; j < i; ++j) MUTAUTH_FUZZ_CHECK(l.names[j] != s);
  }
}

void check_refusal(const error& e) {
  const auto c = e.category();
  MUTAUTH_FUZZ_CHECK(c == error_category_id::malformed || c == error_category_id::protocol);
  MUTAUTH_FUZZ_CHECK(detail_is_log_safe(e));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bytes_view in(data, size);
  if (auto o = negotiation::parse_offer(in)) {
    check_list(o->offers, 1);
    MUTAUTH_FUZZ_CHECK(!o->token.empty());
    bytes enc = {negotiation::magic, negotiation::version, 1};
    enc.insert(enc.end(), o->offers.encoded.begin(), o->offers.encoded.end());
    enc.insert(enc.end(), o->token.begin(), o->token.end());
    MUTAUTH_FUZZ_CHECK(same(enc, in));
    // The binding is a function of the list bytes: another list (one more name) binds otherwise.
    const auto b = negotiation::binding(o->offers.encoded, 0, {});
    MUTAUTH_FUZZ_CHECK(b == negotiation::binding(o->offers.encoded, 0, {}));
    MUTAUTH_FUZZ_CHECK(b != negotiation::binding(o->offers.encoded, 1, {}, o->token));
    bytes longer(o->offers.encoded.begin(), o->offers.encoded.end());
    longer.push_back(0);
    MUTAUTH_FUZZ_CHECK(b != negotiation::binding(longer, 0, {}));
  } else {
    check_refusal(o.error_value());
  }
  if (auto r = negotiation::parse_reply(in)) {
    bytes enc = {negotiation::magic, negotiation::version, static_cast<std::uint8_t>(r->type)};
    if (r->type == negotiation::message_type::choice) {
      MUTAUTH_FUZZ_CHECK(r->choice < negotiation::max_offers);
      MUTAUTH_FUZZ_CHECK((r->choice == 0) == !r->token.empty());
      enc.push_back(r->choice);
      enc.insert(enc.end(), r->token.begin(), r->token.end());
    } else {
      MUTAUTH_FUZZ_CHECK(r->type == negotiation::message_type::refusal);
      check_list(r->accepted, 0);
      enc.insert(enc.end(), r->accepted.encoded.begin(), r->accepted.encoded.end());
    }
    MUTAUTH_FUZZ_CHECK(same(enc, in));
  } else {
    check_refusal(r.error_value());
  }
  return 0;
}
