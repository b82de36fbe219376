// Fuzz target: parse_public_key_line (an `id_ed25519.pub` / authorized_keys-style line) and
// parse_public_key_blob (the SSH wire blob), both fed the whole input (keys.hpp).
// The blob parser is strict, so an accepted blob must be byte-for-byte the canonical encoding of
// the key it yields; an accepted line must name a key whose blob round-trips too.
#include "fuzz_common.hpp"
#include "mutauth/mech/pk/keys.hpp"

using namespace mutauth;

namespace {
void check_key(const pk::Ed25519PublicKey& key) {
  const auto blob = pk::wire_blob(key);
  auto back = pk::parse_public_key_blob(blob);
  MUTAUTH_FUZZ_CHECK(back && *back == key);
  MUTAUTH_FUZZ_CHECK(pk::fingerprint(key).view().size() == pk::SshFingerprint::max_size);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bytes_view in(data, size);
  if (auto k = pk::parse_public_key_blob(in)) {
    check_key(*k);
    const auto canonical = pk::wire_blob(*k);
    MUTAUTH_FUZZ_CHECK(size == canonical.size() &&
                       std::equal(in.begin(), in.end(), canonical.begin()));
  } else {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(k.error_value()));
  }
  if (auto k = pk::parse_public_key_line(fuzz::as_text(in))) check_key(*k);
  else MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(k.error_value()));
  return 0;
}
