// mutauth — Noise CipherState (Noise rev 34 §5.1) for ChaChaPoly: the AEAD key and nonce of the
// handshake (inside SymmetricState) and of each transport direction after Split() (transport.hpp).
#pragma once

#include <array>    // std::array
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint8_t, std::uint64_t
#include <cstring>  // std::memmove
#include <limits>   // std::numeric_limits
#include <span>     // std::span

#include <sodium.h>

#include "mutauth/error.hpp"
#include "mutauth/noise/primitives.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {

/// Noise §5.1 CipherState: a key k (or none) and a 64-bit nonce counter n.
///
/// Buffers: `out` may be the very same buffer as the input (in place, same start address) but
/// must not otherwise overlap it. Every call that returns errc::buffer_too_small reports the
/// length it needs (error::required_size()) and changes nothing.
/// Not copyable (a copy of a key with its nonce is a nonce-reuse accident waiting to happen);
/// movable, the moved-from object is wiped and keyless.
class CipherState {
 public:
  /// Noise §5.1: n = 2^64-1 is reserved (it is the REKEY nonce, §4.2), so a counter that reaches
  /// it may not be used for a message: callers get errc::nonce_exhausted and must rekey with a
  /// new handshake (or, in datagram mode, choose another nonce).
  static constexpr std::uint64_t reserved_nonce = std::numeric_limits<std::uint64_t>::max();

  CipherState() noexcept = default;
  explicit CipherState(std::span<const std::uint8_t, keylen> key) noexcept { initialize_key(key); }
  // Every member wipes itself (mutauth/detail/secret.hpp): a moved-from state is keyless and
  // zero, and destruction wipes the key.
  CipherState(CipherState&&) noexcept = default;
  CipherState& operator=(CipherState&&) noexcept = default;

  /// InitializeKey(key): k = key, n = 0 (Noise §5.1).
  void initialize_key(std::span<const std::uint8_t, keylen> key) noexcept {
    for (std::size_t i = 0; i < keylen; ++i) k_[i] = key[i];
    has_key_ = true;
    n_ = 0;
  }
  /// InitializeKey(empty): wipes k and resets n.
  void clear() noexcept {
    k_.wipe();
    has_key_ = false;
    n_ = 0;
  }

  [[nodiscard]] bool has_key() const noexcept { return has_key_; }
  /// The nonce the next encrypt/decrypt will use.
  [[nodiscard]] std::uint64_t nonce() const noexcept { return n_; }
  /// SetNonce(nonce) (Noise §5.1), for explicit-nonce transports (§11.4, our datagram mode): the
  /// caller owns replay protection then. Setting reserved_nonce is allowed; using it is not.
  void set_nonce(std::uint64_t n) noexcept { n_ = n; }

  /// Ciphertext length for a plaintext of `n` bytes under the current key state.
  [[nodiscard]] std::size_t ciphertext_size(std::size_t plaintext_len) const noexcept {
    return plaintext_len + (has_key_ ? taglen : 0);
  }

  /// EncryptWithAd(ad, plaintext) (Noise §5.1): with a key, ChaCha20-Poly1305 under nonce n and
  /// n += 1; without a key the plaintext is copied unchanged and n is not used. Returns the
  /// number of bytes written to `out`.
  [[nodiscard]] result<std::size_t> encrypt_with_ad(bytes_view ad, bytes_view plaintext,
                                                    std::span<std::uint8_t> out) noexcept {
    const std::size_t need = ciphertext_size(plaintext.size());
    if (need > max_message_len) {  // Noise §3
      return error(errc::record_too_large, "Noise message would exceed 65535 bytes");
    }
    if (has_key_ && n_ == reserved_nonce) return exhausted();
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Noise encrypt: output buffer too small")
          .with_required_size(need);
    }
    if (!has_key_) {
      if (plaintext.size() != 0) std::memmove(out.data(), plaintext.data(), plaintext.size());
      return plaintext.size();
    }
    const auto nonce = detail::chachapoly_nonce(n_);
    unsigned long long clen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &clen, plaintext.data(), plaintext.size(),
                                              ad.data(), ad.size(), nullptr, nonce.data(),
                                              k_.data());
    ++n_;
    return static_cast<std::size_t>(clen);
  }

  /// EncryptWithAd(ad, plaintext | trailer) without first copying `plaintext` next to the
  /// trailing byte: the record layer's `content | type` (docs/protocol/mutauth-pk.md §8.1) sealed
  /// straight from the caller's buffer. The bytes are exactly crypto_aead_chacha20poly1305_ietf's
  /// over the concatenation — RFC 8439 §2.8 composed from libsodium's own ChaCha20 (block 0 keys
  /// Poly1305, blocks 1.. encrypt) and Poly1305, in the order its AEAD uses them; tests compare
  /// the two for every length across block boundaries. `out` may be `plaintext`'s own buffer.
  /// Keyed states only.
  [[nodiscard]] result<std::size_t> encrypt_with_ad_and_trailer(
      bytes_view ad, bytes_view plaintext, std::uint8_t trailer,
      std::span<std::uint8_t> out) noexcept {
    const std::size_t len = plaintext.size() + 1;
    const std::size_t need = len + taglen;
    if (need > max_message_len) {  // Noise §3
      return error(errc::record_too_large, "Noise message would exceed 65535 bytes");
    }
    if (!has_key_) return error(errc::wrong_state, "Noise encrypt with a trailer needs a key");
    if (n_ == reserved_nonce) return exhausted();
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Noise encrypt: output buffer too small")
          .with_required_size(need);
    }
    const auto nonce = detail::chachapoly_nonce(n_);
    std::array<std::uint8_t, 64> block{};
    crypto_stream_chacha20_ietf(block.data(), block.size(), nonce.data(), k_.data());
    crypto_onetimeauth_poly1305_state mac;
    crypto_onetimeauth_poly1305_init(&mac, block.data());  // the first 32 bytes of block 0
    static constexpr std::array<std::uint8_t, 16> zeros{};
    crypto_onetimeauth_poly1305_update(&mac, ad.data(), ad.size());
    crypto_onetimeauth_poly1305_update(&mac, zeros.data(), (0x10 - ad.size()) & 0xf);
    if (!plaintext.empty())
      crypto_stream_chacha20_ietf_xor_ic(out.data(), plaintext.data(), plaintext.size(),
                                         nonce.data(), 1U, k_.data());
    // The trailer's keystream byte: block 1 + p/64, offset p%64, for p = its position.
    const std::size_t p = plaintext.size();
    block.fill(0);
    crypto_stream_chacha20_ietf_xor_ic(block.data(), block.data(), block.size(), nonce.data(),
                                       static_cast<std::uint32_t>(1 + p / 64), k_.data());
    out[p] = static_cast<std::uint8_t>(trailer ^ block[p % 64]);
    crypto_onetimeauth_poly1305_update(&mac, out.data(), len);
    crypto_onetimeauth_poly1305_update(&mac, zeros.data(), (0x10 - len) & 0xf);
    std::array<std::uint8_t, 16> lengths{};
    for (int i = 0; i < 8; ++i) {
      lengths[static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(static_cast<std::uint64_t>(ad.size()) >> (8 * i));
      lengths[static_cast<std::size_t>(8 + i)] =
          static_cast<std::uint8_t>(static_cast<std::uint64_t>(len) >> (8 * i));
    }
    crypto_onetimeauth_poly1305_update(&mac, lengths.data(), lengths.size());
    crypto_onetimeauth_poly1305_final(&mac, out.data() + len);
    sodium_memzero(block.data(), block.size());
    sodium_memzero(&mac, sizeof mac);
    ++n_;
    return need;
  }

  /// DecryptWithAd(ad, ciphertext) (Noise §5.1). On an authentication failure returns
  /// errc::decrypt_failed and leaves n unchanged, so a forged message cannot desynchronise the
  /// genuine stream; libsodium zeroes `out` in that case. Returns the plaintext length.
  [[nodiscard]] result<std::size_t> decrypt_with_ad(bytes_view ad, bytes_view ciphertext,
                                                    std::span<std::uint8_t> out) noexcept {
    if (ciphertext.size() > max_message_len) {  // Noise §3
      return error(errc::too_large, "Noise message longer than 65535 bytes");
    }
    if (!has_key_) {
      if (out.size() < ciphertext.size()) {
        return error(errc::buffer_too_small, "Noise decrypt: output buffer too small")
            .with_required_size(ciphertext.size());
      }
      if (ciphertext.size() != 0) std::memmove(out.data(), ciphertext.data(), ciphertext.size());
      return ciphertext.size();
    }
    if (ciphertext.size() < taglen) {
      return error(errc::truncated, "Noise ciphertext shorter than the 16-byte tag");
    }
    if (n_ == reserved_nonce) return exhausted();
    const std::size_t need = ciphertext.size() - taglen;
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Noise decrypt: output buffer too small")
          .with_required_size(need);
    }
    const auto nonce = detail::chachapoly_nonce(n_);
    unsigned long long mlen = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, ciphertext.data(),
                                                  ciphertext.size(), ad.data(), ad.size(),
                                                  nonce.data(), k_.data()) != 0) {
      return error(errc::decrypt_failed, "Noise AEAD tag does not verify");
    }
    ++n_;
    return static_cast<std::size_t>(mlen);
  }

  /// Rekey() (Noise §5.1, §11.3): k = REKEY(k), the default REKEY of §4.2 = the first 32 bytes of
  /// ENCRYPT(k, maxnonce, zerolen, zeros). n is left as it is. Both sides must rekey at the same
  /// point in their streams; the old key is wiped.
  [[nodiscard]] result<void> rekey() noexcept {
    if (!has_key_) return error(errc::wrong_state, "Noise rekey without a key");
    std::array<std::uint8_t, keylen> zeros{};
    std::array<std::uint8_t, keylen + taglen> ct{};
    const auto nonce = detail::chachapoly_nonce(reserved_nonce);
    unsigned long long clen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(ct.data(), &clen, zeros.data(), zeros.size(), nullptr,
                                              0, nullptr, nonce.data(), k_.data());
    for (std::size_t i = 0; i < keylen; ++i) k_[i] = ct[i];
    sodium_memzero(ct.data(), ct.size());
    return ok();
  }

 private:
  static error exhausted() noexcept {
    return error(errc::nonce_exhausted, "Noise nonce 2^64-1 is reserved",
                 "rekey or start a new session");
  }

  mutauth::detail::WipedArray<keylen> k_;
  mutauth::detail::Secret<bool> has_key_;
  mutauth::detail::Secret<std::uint64_t> n_;
};

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
