// mutauth — Noise SymmetricState (Noise rev 34 §5.2) for 25519_ChaChaPoly_BLAKE2b: the chaining
// key ck, the handshake hash h and the handshake CipherState, and Split().
#pragma once

#include <array>        // std::array
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <span>         // std::span
#include <string_view>  // std::string_view

#include <sodium.h>

#include "mutauth/error.hpp"
#include "mutauth/noise/cipher_state.hpp"
#include "mutauth/noise/primitives.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {

/// The two CipherStates of Split() (Noise §5.2): c1 encrypts initiator → responder, c2
/// responder → initiator.
struct SplitCiphers {
  CipherState c1;
  CipherState c2;
};

/// Noise §5.2 SymmetricState: chaining key ck, handshake hash h and a CipherState.
/// After split() the object is spent: ck and k are wiped, handshake_hash() stays readable (it is
/// the channel-binding value, Noise §11.2), encrypt/decrypt/split return errc::wrong_state and the
/// mix_* functions do nothing.
class SymmetricState {
 public:
  SymmetricState() noexcept = default;
  explicit SymmetricState(std::string_view protocol_name) noexcept { initialize(protocol_name); }
  // Every member wipes itself (mutauth/detail/secret.hpp): a moved-from state is cleared.
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  /// InitializeSymmetric(protocol_name) (Noise §5.2): h = the name zero-padded to HASHLEN when it
  /// fits, else HASH(name); ck = h; no key.
  void initialize(bytes_view protocol_name) noexcept {
    clear();
    if (protocol_name.size() <= hashlen) {
      for (std::size_t i = 0; i < protocol_name.size(); ++i) h_[i] = protocol_name[i];
    } else {
      hash(h_, {protocol_name});
    }
    ck_ = h_;
  }
  void initialize(std::string_view protocol_name) noexcept {
    initialize(bytes_view(reinterpret_cast<const std::uint8_t*>(protocol_name.data()),
                          protocol_name.size()));
  }

  /// MixKey(ikm) (Noise §5.2): ck, temp_k = HKDF(ck, ikm, 2); k = temp_k truncated to 32 bytes
  /// because HASHLEN is 64; n = 0.
  void mix_key(bytes_view input_key_material) noexcept {
    if (spent_) return;
    std::array<hash_bytes, 2> out{};
    hkdf(ck_, input_key_material, out);
    ck_ = out[0];
    cs_.initialize_key(std::span<const std::uint8_t, keylen>(out[1].data(), keylen));
    wipe(out);
  }

  /// MixHash(data) (Noise §5.2): h = HASH(h || data).
  void mix_hash(bytes_view data) noexcept {
    if (spent_) return;
    hash(h_, {h_, data});
  }

  /// MixKeyAndHash(ikm) (Noise §5.2, used for PSKs): ck, temp_h, temp_k = HKDF(ck, ikm, 3);
  /// MixHash(temp_h); k = temp_k truncated to 32 bytes.
  void mix_key_and_hash(bytes_view input_key_material) noexcept {
    if (spent_) return;
    std::array<hash_bytes, 3> out{};
    hkdf(ck_, input_key_material, out);
    ck_ = out[0];
    mix_hash(out[1]);
    cs_.initialize_key(std::span<const std::uint8_t, keylen>(out[2].data(), keylen));
    wipe(out);
  }

  /// GetHandshakeHash() (Noise §5.2).
  [[nodiscard]] std::span<const std::uint8_t, hashlen> handshake_hash() const noexcept {
    return h_;
  }
  [[nodiscard]] bool has_key() const noexcept { return cs_.has_key(); }
  [[nodiscard]] bool spent() const noexcept { return spent_; }
  [[nodiscard]] const CipherState& cipher() const noexcept { return cs_; }

  /// EncryptAndHash(plaintext) (Noise §5.2): ciphertext = EncryptWithAd(h, plaintext);
  /// MixHash(ciphertext). Returns the bytes written to `out` (plaintext + 16 once keyed).
  [[nodiscard]] result<std::size_t> encrypt_and_hash(bytes_view plaintext,
                                                     std::span<std::uint8_t> out) noexcept {
    if (spent_) return error(errc::wrong_state, "Noise SymmetricState used after Split()");
    auto r = cs_.encrypt_with_ad(h_, plaintext, out);
    if (!r) return r;
    mix_hash(out.first(*r));
    return r;
  }

  /// DecryptAndHash(ciphertext) (Noise §5.2): plaintext = DecryptWithAd(h, ciphertext);
  /// MixHash(ciphertext). On failure h and n are unchanged. The new h is computed before
  /// decrypting so that decrypting in place still hashes the ciphertext.
  [[nodiscard]] result<std::size_t> decrypt_and_hash(bytes_view ciphertext,
                                                     std::span<std::uint8_t> out) noexcept {
    if (spent_) return error(errc::wrong_state, "Noise SymmetricState used after Split()");
    hash_bytes next_h{};
    hash(next_h, {h_, ciphertext});
    auto r = cs_.decrypt_with_ad(h_, ciphertext, out);
    if (r) h_ = next_h;
    return r;
  }

  /// Split() (Noise §5.2): temp_k1, temp_k2 = HKDF(ck, zerolen, 2), each truncated to 32 bytes.
  /// Wipes ck and the handshake key afterwards: nothing may be derived from them again.
  [[nodiscard]] result<SplitCiphers> split() noexcept {
    if (spent_) return error(errc::wrong_state, "Noise Split() called twice");
    std::array<hash_bytes, 2> out{};
    hkdf(ck_, bytes_view(), out);
    SplitCiphers s;
    s.c1.initialize_key(std::span<const std::uint8_t, keylen>(out[0].data(), keylen));
    s.c2.initialize_key(std::span<const std::uint8_t, keylen>(out[1].data(), keylen));
    wipe(out);
    ck_.wipe();
    cs_.clear();
    spent_ = true;
    return s;
  }

  /// The transcript-bound Split of mutauth-pk/1 (docs/protocol/mutauth-pk.md §7; an extension,
  /// not in Noise):
  /// temp_k1, temp_k2, secret = HKDF(ck, h, 3). Unlike Noise's Split() (§5.2, HKDF(ck, zerolen, 2)) the
  /// final handshake hash is the input keying material, so the transport keys and the third
  /// output (the exporter secret) depend on every byte of the authenticated exchange, as TLS 1.3's
  /// schedule does. Same wiping as split().
  [[nodiscard]] result<SplitCiphers> split_with_transcript(hash_bytes& third) noexcept {
    if (spent_) return error(errc::wrong_state, "Noise Split() called twice");
    std::array<hash_bytes, 3> out{};
    const hash_bytes h = h_;
    hkdf(ck_, h, out);
    SplitCiphers s;
    s.c1.initialize_key(std::span<const std::uint8_t, keylen>(out[0].data(), keylen));
    s.c2.initialize_key(std::span<const std::uint8_t, keylen>(out[1].data(), keylen));
    third = out[2];
    wipe(out);
    ck_.wipe();
    cs_.clear();
    spent_ = true;
    return s;
  }

  /// Wipes everything, h included (used on failure and destruction).
  void clear() noexcept {
    ck_.wipe();
    h_.wipe();
    cs_.clear();
    spent_ = false;
  }

 private:
  template <std::size_t N>
  static void wipe(std::array<hash_bytes, N>& a) noexcept {
    sodium_memzero(a.data(), sizeof a);
  }

  mutauth::detail::WipedArray<hashlen> ck_;
  mutauth::detail::WipedArray<hashlen> h_;
  CipherState cs_;
  mutauth::detail::Secret<bool> spent_;
};

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
