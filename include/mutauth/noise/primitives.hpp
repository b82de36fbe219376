// mutauth — Noise crypto functions for the suite 25519_ChaChaPoly_BLAKE2b (Noise rev 34 §4, §12)
// on libsodium: HASH, HMAC-HASH, HKDF, DH and the AEAD nonce. The bottom of the Noise layer.
#pragma once

#include <array>             // std::array
#include <cstddef>           // std::size_t
#include <cstdint>           // std::uint8_t, std::uint64_t
#include <initializer_list>  // std::initializer_list
#include <span>              // std::span

#include <sodium.h>

#include "mutauth/detail/secret.hpp"
#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {

/// HASHLEN and BLOCKLEN of BLAKE2b (Noise §12.8).
inline constexpr std::size_t hashlen = 64;
inline constexpr std::size_t blocklen = 128;
/// DHLEN of Curve25519 (Noise §12.1).
inline constexpr std::size_t dhlen = 32;
/// Cipher key length and AEAD tag length (Noise §4.2, §12.3).
inline constexpr std::size_t keylen = 32;
inline constexpr std::size_t taglen = 16;
/// Every Noise message, handshake or transport, is at most 65535 bytes (Noise §3).
inline constexpr std::size_t max_message_len = 65535;

static_assert(crypto_generichash_blake2b_BYTES_MAX == hashlen);
static_assert(crypto_scalarmult_curve25519_BYTES == dhlen);
static_assert(crypto_scalarmult_curve25519_SCALARBYTES == dhlen);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == keylen);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == taglen);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

using hash_bytes = std::array<std::uint8_t, hashlen>;
using key_bytes = std::array<std::uint8_t, keylen>;
using dh_bytes = std::array<std::uint8_t, dhlen>;
using bytes_view = std::span<const std::uint8_t>;

/// libsodium must be initialised once before keys are generated: sodium_init() picks the RNG and
/// the fastest implementations, and is idempotent and thread-safe (returns 1 when already done).
[[nodiscard]] inline result<void> ensure_sodium() noexcept {
  if (sodium_init() < 0) {
    return error(errc::mechanism_failure, "libsodium initialisation failed");
  }
  return ok();
}

/// HASH(parts...) = BLAKE2b-512 over the concatenation of the parts (Noise §12.8).
inline void hash(std::span<std::uint8_t, hashlen> out,
                 std::initializer_list<bytes_view> parts) noexcept {
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, nullptr, 0, hashlen);
  for (bytes_view p : parts) crypto_generichash_blake2b_update(&st, p.data(), p.size());
  crypto_generichash_blake2b_final(&st, out.data(), hashlen);
  sodium_memzero(&st, sizeof st);
}

/// HMAC-BLAKE2b per RFC 2104 with B = 128 and L = 64. Noise §4.3 requires HMAC-HASH: libsodium's
/// keyed BLAKE2b is a different MAC and would not reproduce the Noise test vectors.
/// `out` may alias `key` or any part of `data` only if it is not read after being written: it is
/// written last, so aliasing is safe.
inline void hmac_blake2b(std::span<std::uint8_t, hashlen> out, bytes_view key,
                         std::initializer_list<bytes_view> data) noexcept {
  // RFC 2104 §2: a key longer than B is first hashed; shorter keys are padded with zeros to B.
  std::array<std::uint8_t, blocklen> k0{};
  if (key.size() > blocklen) {
    hash(std::span<std::uint8_t, hashlen>(k0.data(), hashlen), {key});
  } else {
    for (std::size_t i = 0; i < key.size(); ++i) k0[i] = key[i];
  }
  hash_bytes inner{};
  crypto_generichash_blake2b_state st;

  // inner = H((K0 xor ipad) || text), ipad = 0x36 repeated (RFC 2104 §2 steps 2-4). The pads are
  // made in K0's own buffer (a second block-sized buffer is 128 bytes of a microcontroller's stack).
  for (std::size_t i = 0; i < blocklen; ++i) k0[i] = static_cast<std::uint8_t>(k0[i] ^ 0x36u);
  crypto_generichash_blake2b_init(&st, nullptr, 0, hashlen);
  crypto_generichash_blake2b_update(&st, k0.data(), k0.size());
  for (bytes_view d : data) crypto_generichash_blake2b_update(&st, d.data(), d.size());
  crypto_generichash_blake2b_final(&st, inner.data(), hashlen);

  // outer = H((K0 xor opad) || inner), opad = 0x5c repeated (RFC 2104 §2 steps 5-7):
  // (K0 xor ipad) xor (ipad xor opad).
  for (std::size_t i = 0; i < blocklen; ++i)
    k0[i] = static_cast<std::uint8_t>(k0[i] ^ (0x36u ^ 0x5cu));
  crypto_generichash_blake2b_init(&st, nullptr, 0, hashlen);
  crypto_generichash_blake2b_update(&st, k0.data(), k0.size());
  crypto_generichash_blake2b_update(&st, inner.data(), inner.size());
  crypto_generichash_blake2b_final(&st, out.data(), hashlen);

  // The padded key and the inner digest are key material.
  sodium_memzero(k0.data(), k0.size());
  sodium_memzero(inner.data(), inner.size());
  sodium_memzero(&st, sizeof st);
}

namespace detail {

// HKDF of Noise §4.3 for 2 or 3 outputs (`n`), one body for both: as a template it was compiled
// once per output count, 250 bytes of a firmware's flash each (docs/embedded.md, "Sizes").
[[gnu::noinline]] inline void hkdf_outputs(std::span<const std::uint8_t, hashlen> chaining_key,
                                           bytes_view input_key_material, hash_bytes* out,
                                           std::size_t n) noexcept {
  static constexpr std::array<std::uint8_t, 3> counter = {0x01, 0x02, 0x03};
  hash_bytes temp_key{};
  hmac_blake2b(temp_key, chaining_key, {input_key_material});
  hash_bytes o1{}, o2{};
  hmac_blake2b(o1, temp_key, {bytes_view(&counter[0], 1)});
  hmac_blake2b(o2, temp_key, {o1, bytes_view(&counter[1], 1)});
  if (n == 3) hmac_blake2b(out[2], temp_key, {o2, bytes_view(&counter[2], 1)});
  out[0] = o1;
  out[1] = o2;
  sodium_memzero(temp_key.data(), temp_key.size());
  sodium_memzero(o1.data(), o1.size());
  sodium_memzero(o2.data(), o2.size());
}

}  // namespace detail

/// HKDF(chaining_key, input_key_material, num_outputs) of Noise §4.3, with num_outputs = N (2 or
/// 3, checked at compile time). Each output is HASHLEN = 64 bytes; callers truncate the ones used
/// as cipher keys to 32 bytes (Noise §5.2). `out` may alias `chaining_key` (MixKey writes ck
/// back over itself): the chaining key is consumed before any output is written.
template <std::size_t N>
  requires(N == 2 || N == 3)
inline void hkdf(std::span<const std::uint8_t, hashlen> chaining_key, bytes_view input_key_material,
                 std::array<hash_bytes, N>& out) noexcept {
  detail::hkdf_outputs(chaining_key, input_key_material, out.data(), N);
}

/// A Curve25519 key pair (Noise §12.1); the private half is wiped on destruction and by clear().
/// Move-only; its members wipe themselves, so a moved-from pair is clear (detail/secret.hpp).
struct KeyPair {
  mutauth::detail::WipedArray<dhlen> secret;
  mutauth::detail::WipedArray<dhlen> public_key;
  mutauth::detail::Secret<bool> present;

  KeyPair() noexcept = default;
  KeyPair(KeyPair&&) noexcept = default;
  KeyPair& operator=(KeyPair&&) noexcept = default;

  void clear() noexcept {
    secret.wipe();
    public_key.wipe();
    present = false;
  }

  /// Derives the public key from `secret`. X25519 clamps the scalar itself (RFC 7748 §5), so any
  /// 32 bytes are a valid private key.
  [[nodiscard]] result<void> derive_public() noexcept {
    if (crypto_scalarmult_curve25519_base(public_key.data(), secret.data()) != 0) {
      clear();
      return error(errc::mechanism_failure, "X25519 public key derivation failed");
    }
    present = true;
    return ok();
  }

  /// GENERATE_KEYPAIR() of Noise §4.1 from the libsodium CSPRNG.
  [[nodiscard]] result<void> generate() noexcept {
    randombytes_buf(secret.data(), secret.size());
    return derive_public();
  }
};

/// DH(key_pair, public_key) of Noise §4.1 / §12.1. libsodium's X25519 reports an all-zero shared
/// secret (the peer sent a low-order point); Noise §12.1 permits signalling that as an error and
/// we do, so that a peer cannot force a session key independent of our ephemeral. It is reported
/// as errc::malformed: the peer's public value is not a usable Curve25519 key.
[[nodiscard]] inline result<void> dh(std::span<std::uint8_t, dhlen> out, const KeyPair& kp,
                                     std::span<const std::uint8_t, dhlen> remote) noexcept {
  if (!kp.present) return error(errc::wrong_state, "DH without a local key pair");
  if (crypto_scalarmult_curve25519(out.data(), kp.secret.data(), remote.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return error(errc::malformed, "peer X25519 key is a low-order point (all-zero shared secret)");
  }
  return ok();
}

namespace detail {

/// The ChaChaPoly nonce: 32 bits of zeros, then the 64-bit counter little-endian (Noise §12.3).
inline std::array<std::uint8_t, 12> chachapoly_nonce(std::uint64_t n) noexcept {
  std::array<std::uint8_t, 12> nonce{};
  for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

}  // namespace detail

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
