// Fuzz target: parse_private_key, an unencrypted openssh-key-v1 file (keys.hpp).
// An accepted key must be usable and self-consistent: it signs, its public half verifies the
// signature, and its comment is within the bound. A refusal's text must be log-safe.
#include "fuzz_common.hpp"
#include "mutauth/mech/pk/keys.hpp"

using namespace mutauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto key = pk::parse_private_key(fuzz::as_text(bytes_view(data, size)));
  if (!key) {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(key.error_value()));
    return 0;
  }
  MUTAUTH_FUZZ_CHECK(key->valid() && key->comment().size() <= pk::max_key_comment);
  static constexpr std::uint8_t msg[] = {'f', 'u', 'z', 'z'};
  std::array<std::uint8_t, 64> sig{};
  MUTAUTH_FUZZ_CHECK(key->sign(msg, sig));
  MUTAUTH_FUZZ_CHECK(crypto_sign_ed25519_verify_detached(sig.data(), msg, sizeof msg,
                                                         key->public_key().bytes.data()) == 0);
  return 0;
}
