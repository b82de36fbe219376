// mutauth — the Noise handshake core of mutauth-pk/1: Noise_NN_25519_ChaChaPoly_BLAKE2b
// (Noise rev 34 §5.3, pattern NN of §7.5: "-> e", "<- e, ee"). Implementation detail of the pk
// mechanism; the mechanism adds one EncryptAndHash message from the initiator before Split()
// (DESIGN §4), through HandshakeState::encrypt_and_hash / decrypt_and_hash.
//
// Primitives (HASH, HMAC, HKDF, DH) are in primitives.hpp, CipherState and SymmetricState in
// cipher_state.hpp; this header includes both.
#pragma once

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <span>         // std::span
#include <string_view>  // std::string_view

#include <sodium.h>

#include "mutauth/error.hpp"
#include "mutauth/noise/primitives.hpp"
#include "mutauth/noise/cipher_state.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {

enum class Role : std::uint8_t { initiator, responder };

/// The transport ciphers of one side after Split(), already mapped to the role: the initiator
/// sends with c1 and receives with c2, the responder the other way round (Noise §5.2).
struct TransportCiphers {
  CipherState send;
  CipherState recv;
};

/// Noise §5.3 HandshakeState for the NN pattern only.
///
/// Sequence, initiator: write_message (msg 1) → read_message (msg 2) → [encrypt_and_hash (msg 3)]
/// → split(). Responder: read_message (msg 1) → write_message (msg 2) → [decrypt_and_hash
/// (msg 3)] → split().
///
/// Fail closed (DESIGN G5): every error except errc::buffer_too_small kills the object — its
/// secrets and h are wiped and every later call returns the same error. buffer_too_small reports
/// the needed length (error::required_size()) and changes nothing, so the call can be retried.
/// Buffers passed to one call must not overlap.
///
/// Message 1 must carry an empty payload: in NN it travels in clear text, and mutauth-pk/1 never
/// puts data there (DESIGN §4, G1). write_message refuses a payload and read_message a message
/// longer than 32 bytes with errc::nonempty_first_payload.
class HandshakeState {
 public:
  static constexpr std::string_view protocol_name = "Noise_NN_25519_ChaChaPoly_BLAKE2b";
  /// Message 1 is exactly `e` (no payload allowed, see above).
  static constexpr std::size_t message1_size = dhlen;
  /// Message 2 is `e` then the payload encrypted under the ee-derived key (+16-byte tag).
  static constexpr std::size_t message2_overhead = dhlen + taglen;
  /// Messages after NN (the mechanism's third message) are payload + tag.
  static constexpr std::size_t extra_message_overhead = taglen;
  /// The largest payload message 2 can carry (Noise §3: messages are at most 65535 bytes).
  static constexpr std::size_t max_message2_payload = max_message_len - message2_overhead;

  /// Initialize() of Noise §5.3 for NN: InitializeSymmetric(protocol_name), MixHash(prologue);
  /// NN has no pre-message keys. Also initialises libsodium (errc::mechanism_failure if that
  /// fails).
  [[nodiscard]] static result<HandshakeState> create(Role role, bytes_view prologue) noexcept {
    MUTAUTH_TRY(ensure_sodium());
    HandshakeState hs(role);
    hs.sym_.initialize(protocol_name);
    hs.sym_.mix_hash(prologue);
    return hs;
  }

  HandshakeState(const HandshakeState&) = delete;
  HandshakeState& operator=(const HandshakeState&) = delete;
  HandshakeState(HandshakeState&& o) noexcept
      : role_(o.role_),
        step_(o.step_),
        sym_(std::move(o.sym_)),
        e_(std::move(o.e_)),
        re_(o.re_),
        failure_(o.failure_),
        allow_first_payload_(o.allow_first_payload_) {
    o.fail(error(errc::wrong_state, "Noise HandshakeState was moved from"));
  }
  HandshakeState& operator=(HandshakeState&& o) noexcept {
    if (this != &o) {
      role_ = o.role_;
      step_ = o.step_;
      sym_ = std::move(o.sym_);
      e_ = std::move(o.e_);
      re_ = o.re_;
      failure_ = o.failure_;
      allow_first_payload_ = o.allow_first_payload_;
      o.fail(error(errc::wrong_state, "Noise HandshakeState was moved from"));
    }
    return *this;
  }
  ~HandshakeState() { wipe(); }

  [[nodiscard]] Role role() const noexcept { return role_; }
  /// True when the next NN message is ours to write.
  [[nodiscard]] bool is_write_turn() const noexcept {
    return step_ < 2 && !failed() && ((step_ == 0) == (role_ == Role::initiator));
  }
  /// True when the next NN message is ours to read.
  [[nodiscard]] bool is_read_turn() const noexcept {
    return step_ < 2 && !failed() && ((step_ == 0) != (role_ == Role::initiator));
  }
  /// Both NN messages are done: encrypt_and_hash / decrypt_and_hash / split() are allowed.
  [[nodiscard]] bool is_complete() const noexcept { return step_ == 2 && !failed(); }
  [[nodiscard]] bool is_split() const noexcept { return step_ == 3 && !failed(); }
  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(failure_); }
  /// The sticky error (errc::ok while alive).
  [[nodiscard]] const error& failure() const noexcept { return failure_; }

  /// Length write_message needs for a payload of `payload_len` bytes in the current step.
  [[nodiscard]] std::size_t write_size(std::size_t payload_len) const noexcept {
    return dhlen + payload_len + (step_ == 1 ? taglen : 0);
  }

  /// WriteMessage(payload, message_buffer) of Noise §5.3 for the next NN message: message 1
  /// (initiator) is `e` and must have an empty payload; message 2 (responder) is `e, ee` then
  /// EncryptAndHash(payload). Returns the message length written to `out`.
  [[nodiscard]] result<std::size_t> write_message(bytes_view payload,
                                                  std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure_;
    if (!is_write_turn()) return fail(error(errc::wrong_state, "Noise NN: not our turn to write"));
    if (step_ == 0 && !payload.empty() && !first_payload_allowed()) {
      return fail(error(errc::nonempty_first_payload, "Noise NN message 1 must not carry a payload"));
    }
    const std::size_t need = write_size(payload.size());
    if (need > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message would exceed 65535 bytes"));
    }
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Noise handshake message: output buffer too small")
          .with_required_size(need);
    }

    if (auto t = write_tokens(out); !t) return t.error_value();
    auto r = sym_.encrypt_and_hash(payload, out.subspan(dhlen));
    if (!r) return fail(r.error_value());
    ++step_;
    return dhlen + *r;
  }

  /// Message 2 in two halves, for a payload that must depend on h *after* the tokens: a
  /// signature over the handshake hash just before the payload is encrypted (DESIGN §4).
  /// write_message2_tokens() writes `e` and performs `ee`; the caller then reads
  /// handshake_hash(), builds the payload and appends encrypt_and_hash(payload). The bytes on
  /// the wire are those of WriteMessage(payload) (Noise §5.3). Responder only.
  [[nodiscard]] result<std::size_t> write_message2_tokens(std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure_;
    if (!is_write_turn() || step_ != 1)
      return fail(error(errc::wrong_state, "Noise NN: message 2 tokens are the responder's to write"));
    if (out.size() < dhlen)
      return error(errc::buffer_too_small, "Noise handshake message: output buffer too small")
          .with_required_size(dhlen);
    if (auto t = write_tokens(out); !t) return t.error_value();
    ++step_;
    return dhlen;
  }

  /// The reading half of the above: consumes `e` from the front of message 2 and performs `ee`;
  /// the caller verifies what needs h, then passes message.subspan(32) to decrypt_and_hash().
  /// `message` is the whole message 2, so that its minimum length (e + tag) is checked here.
  [[nodiscard]] result<std::size_t> read_message2_tokens(bytes_view message) noexcept {
    if (failed()) return failure_;
    if (!is_read_turn() || step_ != 1)
      return fail(error(errc::wrong_state, "Noise NN: message 2 tokens are the initiator's to read"));
    if (message.size() > max_message_len)
      return fail(error(errc::too_large, "Noise handshake message longer than 65535 bytes"));
    if (message.size() < message2_overhead)
      return fail(error(errc::truncated, "Noise NN message 2 shorter than 48 bytes"));
    if (auto t = read_tokens(message); !t) return t.error_value();
    ++step_;
    return dhlen;
  }

  /// ReadMessage(message, payload_buffer) of Noise §5.3 for the next NN message. Message 1 must be
  /// exactly 32 bytes (`e`, no payload); message 2 at least 48 (`e` + tag). Returns the payload
  /// length written to `payload_out`.
  [[nodiscard]] result<std::size_t> read_message(bytes_view message,
                                                 std::span<std::uint8_t> payload_out) noexcept {
    if (failed()) return failure_;
    if (!is_read_turn()) return fail(error(errc::wrong_state, "Noise NN: not our turn to read"));
    if (message.size() > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message longer than 65535 bytes"));
    }
    // Message 2 is decrypted after ee has set a key, so it carries a tag (Noise §5.3, §7.5).
    const std::size_t overhead = step_ == 1 ? message2_overhead : message1_size;
    if (message.size() < overhead) {
      return fail(error(errc::truncated, step_ == 1 ? "Noise NN message 2 shorter than 48 bytes"
                                                    : "Noise NN message 1 shorter than 32 bytes"));
    }
    if (step_ == 0 && message.size() != message1_size && !first_payload_allowed()) {
      return fail(error(errc::nonempty_first_payload, "Noise NN message 1 carried a payload"));
    }
    const std::size_t payload_len = message.size() - overhead;
    if (payload_out.size() < payload_len) {
      return error(errc::buffer_too_small, "Noise handshake payload: output buffer too small")
          .with_required_size(payload_len);
    }

    if (auto t = read_tokens(message); !t) return t.error_value();
    auto r = sym_.decrypt_and_hash(message.subspan(dhlen), payload_out);
    if (!r) return fail(r.error_value());
    ++step_;
    return *r;
  }

  /// EncryptAndHash(payload) after both NN messages — the third message of mutauth-pk/1 — keyed
  /// and bound to h like message 2. Returns the message length (payload + 16).
  [[nodiscard]] result<std::size_t> encrypt_and_hash(bytes_view payload,
                                                     std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure_;
    if (step_ != 2) {
      return fail(error(errc::wrong_state, "Noise: EncryptAndHash before NN completed or after Split"));
    }
    if (payload.size() + taglen > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message would exceed 65535 bytes"));
    }
    auto r = sym_.encrypt_and_hash(payload, out);
    if (!r && r.code() != errc::buffer_too_small) return fail(r.error_value());
    return r;
  }

  /// DecryptAndHash(message) after both NN messages. Returns the payload length.
  [[nodiscard]] result<std::size_t> decrypt_and_hash(bytes_view message,
                                                     std::span<std::uint8_t> payload_out) noexcept {
    if (failed()) return failure_;
    if (step_ != 2) {
      return fail(error(errc::wrong_state, "Noise: DecryptAndHash before NN completed or after Split"));
    }
    if (message.size() > max_message_len) {
      return fail(error(errc::too_large, "Noise handshake message longer than 65535 bytes"));
    }
    if (message.size() < taglen) {
      return fail(error(errc::truncated, "Noise handshake message shorter than the 16-byte tag"));
    }
    auto r = sym_.decrypt_and_hash(message, payload_out);
    if (!r && r.code() != errc::buffer_too_small) return fail(r.error_value());
    return r;
  }

  /// The handshake hash h (Noise §5.2 GetHandshakeHash). Before split() it is the value a signed
  /// identity proof binds to; after split() it is the final hash (channel binding, Noise §11.2,
  /// and the exporter's input). All zeros once the object has failed.
  [[nodiscard]] std::span<const std::uint8_t, hashlen> handshake_hash() const noexcept {
    return sym_.handshake_hash();
  }

  /// The underlying SymmetricState, for callers that need a Noise operation this class does not
  /// wrap. Using it bypasses the fail-closed bookkeeping above; prefer the wrappers.
  [[nodiscard]] SymmetricState& symmetric() noexcept { return sym_; }
  [[nodiscard]] const SymmetricState& symmetric() const noexcept { return sym_; }

  /// Split() (Noise §5.2) once both NN messages (and any extra EncryptAndHash messages) are done,
  /// mapped to this side's send/receive directions. ck is wiped; h stays readable. A second call,
  /// or a call before NN completed, fails with errc::handshake_not_finished / wrong_state.
  [[nodiscard]] result<TransportCiphers> split() noexcept {
    if (failed()) return failure_;
    if (step_ != 2) {
      return fail(step_ < 2 ? error(errc::handshake_not_finished, "Noise Split() before NN completed")
                            : error(errc::wrong_state, "Noise Split() called twice"));
    }
    auto s = sym_.split();
    if (!s) return fail(s.error_value());
    step_ = 3;
    TransportCiphers t;
    if (role_ == Role::initiator) {
      t.send = std::move(s->c1);
      t.recv = std::move(s->c2);
    } else {
      t.send = std::move(s->c2);
      t.recv = std::move(s->c1);
    }
    return t;
  }

  /// split_with_transcript() of SymmetricState, mapped to this side's directions like split():
  /// the transport ciphers plus `secret`, the third HKDF output (mutauth-pk's exporter secret).
  [[nodiscard]] result<TransportCiphers> split_with_transcript(hash_bytes& secret) noexcept {
    if (failed()) return failure_;
    if (step_ != 2) {
      return fail(step_ < 2 ? error(errc::handshake_not_finished, "Noise Split() before NN completed")
                            : error(errc::wrong_state, "Noise Split() called twice"));
    }
    auto s = sym_.split_with_transcript(secret);
    if (!s) return fail(s.error_value());
    step_ = 3;
    TransportCiphers t;
    if (role_ == Role::initiator) {
      t.send = std::move(s->c1);
      t.recv = std::move(s->c2);
    } else {
      t.send = std::move(s->c2);
      t.recv = std::move(s->c1);
    }
    return t;
  }

#ifdef MUTAUTH_TESTING_ONLY_HOOKS
  /// TEST BUILDS ONLY: use this private key for our ephemeral instead of a random one, so that
  /// published test vectors can be replayed. Must be called before our "e" is written.
  [[nodiscard]] result<void> set_fixed_ephemeral_for_testing_only(
      std::span<const std::uint8_t, dhlen> secret) noexcept {
    if (failed()) return failure_;
    if (e_.present || step_ > 1) return error(errc::wrong_state, "ephemeral already in use");
    for (std::size_t i = 0; i < dhlen; ++i) e_.secret[i] = secret[i];
    return e_.derive_public();
  }
  /// TEST BUILDS ONLY: accept a payload in message 1, as the public vectors use one.
  void allow_first_message_payload_for_testing_only() noexcept { allow_first_payload_ = true; }
#endif

 private:
  explicit HandshakeState(Role role) noexcept : role_(role) {}

  [[nodiscard]] bool first_payload_allowed() const noexcept { return allow_first_payload_; }

  // Token "e" (GENERATE_KEYPAIR, send the public key, MixHash(e.public_key)), then "ee" on
  // message 2 (MixKey(DH(e, re))) — Noise §5.3. `out` holds at least dhlen bytes.
  [[nodiscard]] result<void> write_tokens(std::span<std::uint8_t> out) noexcept {
    if (!e_.present) {
      if (auto r = e_.generate(); !r) return fail(r.error_value());
    }
    for (std::size_t i = 0; i < dhlen; ++i) out[i] = e_.public_key[i];
    sym_.mix_hash(e_.public_key);
    if (step_ == 1) {
      if (auto r = mix_ee(); !r) return fail(r.error_value());
    }
    return ok();
  }

  // Token "e": re = the next DHLEN bytes, MixHash(re); then "ee" on message 2 (Noise §5.3).
  [[nodiscard]] result<void> read_tokens(bytes_view message) noexcept {
    for (std::size_t i = 0; i < dhlen; ++i) re_[i] = message[i];
    sym_.mix_hash(re_);
    if (step_ == 1) {
      if (auto r = mix_ee(); !r) return fail(r.error_value());
    }
    return ok();
  }

  // "ee": MixKey(DH(e, re)) (Noise §5.3). NN uses e once, so it is wiped right after (forward
  // secrecy does not wait for the destructor).
  [[nodiscard]] result<void> mix_ee() noexcept {
    dh_bytes shared{};
    auto r = dh(shared, e_, re_);
    e_.clear();
    if (!r) return r;
    sym_.mix_key(shared);
    sodium_memzero(shared.data(), shared.size());
    return ok();
  }

  error fail(const error& e) noexcept {
    failure_ = e;
    wipe();
    return e;
  }

  void wipe() noexcept {
    sym_.clear();
    e_.clear();
    sodium_memzero(re_.data(), re_.size());
  }

  Role role_ = Role::initiator;
  // 0: message 1 next, 1: message 2 next, 2: NN complete, 3: split done.
  std::uint8_t step_ = 0;
  SymmetricState sym_;
  KeyPair e_;
  dh_bytes re_{};
  error failure_{};
  // Only the test-only hook sets this; the member exists in every build so that the class layout
  // does not depend on MUTAUTH_TESTING_ONLY_HOOKS (one definition rule).
  bool allow_first_payload_ = false;
};

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
