// mutauth — SHA-256 (FIPS 180-4) for the negotiation layer's binding (docs/protocol/negotiate.md
// §4), from libsodium's crypto_hash_sha256 rather than by hand: the input is public (offers,
// choice, caller bytes), but a hash we wrote ourselves is one more thing to get wrong. This is
// why mutauth::negotiate links libsodium even when it composes only Kerberos.
#pragma once

#include <sodium.h>

#include <array>    // the digest
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint8_t

#include "mutauth/bytes.hpp"

namespace mutauth {
inline namespace v0 {
namespace detail {

class sha256 {
 public:
  static constexpr std::size_t digest_size = crypto_hash_sha256_BYTES;
  using digest = std::array<std::uint8_t, digest_size>;

  sha256() noexcept { crypto_hash_sha256_init(&st_); }

  sha256& update(bytes_view in) noexcept {
    crypto_hash_sha256_update(&st_, in.data(), in.size());
    return *this;
  }
  sha256& update(std::uint8_t b) noexcept { return update(bytes_view(&b, 1)); }

  [[nodiscard]] digest finish() noexcept {
    digest d{};
    crypto_hash_sha256_final(&st_, d.data());
    return d;
  }

 private:
  crypto_hash_sha256_state st_{};
};

}  // namespace detail
}  // namespace v0
}  // namespace mutauth
