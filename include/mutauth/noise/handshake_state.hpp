// mutauth — Noise HandshakeState (Noise rev 34 §5.3) for 25519_ChaChaPoly_BLAKE2b, driven by a
// handshake pattern's token table (pattern.hpp, Noise §7). The engine runs the tokens "e" and
// "ee" — enough for NN, the pattern of mutauth-pk/1 (`-> e`, `<- e, ee`, Noise §7.5) — and
// refuses any other pattern at compile time.
//
// After the pattern's messages, encrypt_and_hash / decrypt_and_hash carry further handshake
// payloads bound to h (mutauth-pk/1 sends one, from the initiator) before Split().
//
// The layer: primitives.hpp (HASH, HMAC, HKDF, DH), cipher_state.hpp (CipherState, §5.1),
// symmetric_state.hpp (SymmetricState, §5.2), pattern.hpp (token tables, §7), transport.hpp
// (the post-Split CipherState pair). This header includes all of them.
#pragma once

#include <array>        // std::array
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <optional>     // create_in()
#include <span>         // std::span
#include <string_view>  // std::string_view
#include <utility>      // std::move

#include <sodium.h>

#include "mutauth/error.hpp"
#include "mutauth/noise/cipher_state.hpp"
#include "mutauth/noise/pattern.hpp"
#include "mutauth/noise/primitives.hpp"
#include "mutauth/noise/symmetric_state.hpp"
#include "mutauth/noise/transport.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {
namespace detail {

/// The protocol name of Noise §8 for `P` and this suite:
/// "Noise_" + pattern name + "_25519_ChaChaPoly_BLAKE2b".
template <const handshake_pattern& P>
struct protocol_name_of {
  static constexpr std::string_view prefix = "Noise_";
  static constexpr std::string_view suffix = "_25519_ChaChaPoly_BLAKE2b";
  static constexpr std::size_t size = prefix.size() + P.name.size() + suffix.size();
  static constexpr std::array<char, size> chars = [] {
    std::array<char, size> a{};
    std::size_t n = 0;
    for (char c : prefix) a[n++] = c;
    for (char c : P.name) a[n++] = c;
    for (char c : suffix) a[n++] = c;
    return a;
  }();
  static constexpr std::string_view value{chars.data(), chars.size()};
};

/// Per message of `p`: whether a handshake key exists once its tokens have run (any DH token so
/// far, Noise §5.2 MixKey), so that its payload is encrypted and carries a tag.
[[nodiscard]] constexpr std::array<bool, handshake_pattern::max_messages> keyed_after(
    const handshake_pattern& p) noexcept {
  std::array<bool, handshake_pattern::max_messages> out{};
  bool keyed = false;
  for (std::size_t i = 0; i < p.message_count; ++i) {
    for (token t : p.messages[i]) {
      if (is_dh(t)) keyed = true;
    }
    out[i] = keyed;
  }
  return out;
}

/// Per message of `p`: the bytes its tokens put on the wire ("e": DHLEN, Noise §5.3; the engine
/// runs no other token that writes bytes). A byte each: at most 6 tokens of 32 bytes, and the
/// table is kept in a firmware's flash.
[[nodiscard]] constexpr std::array<std::uint8_t, handshake_pattern::max_messages> token_bytes(
    const handshake_pattern& p) noexcept {
  static_assert(token_list::capacity * dhlen <= 255, "a message's token bytes fit a byte");
  std::array<std::uint8_t, handshake_pattern::max_messages> out{};
  for (std::size_t i = 0; i < p.message_count; ++i) {
    for (token t : p.messages[i]) {
      if (t == token::e) out[i] = static_cast<std::uint8_t>(out[i] + dhlen);
    }
  }
  return out;
}

/// Per message of `p`, its tokens as the engine runs them (engine_can_run(): "e" and "ee" only):
/// two bits each, the first token lowest, 1 for "e", 2 for "ee", 0 after the last. The token
/// loop reads this, not the pattern, which would otherwise be kept in a firmware's flash whole
/// (176 bytes for NN, mostly unused capacity: docs/embedded.md, "Sizes").
inline constexpr unsigned token_code_e = 1, token_code_ee = 2;
[[nodiscard]] constexpr std::array<std::uint16_t, handshake_pattern::max_messages> token_program(
    const handshake_pattern& p) noexcept {
  static_assert(2 * token_list::capacity <= 16, "a message's program fits 16 bits");
  std::array<std::uint16_t, handshake_pattern::max_messages> out{};
  for (std::size_t i = 0; i < p.message_count; ++i) {
    unsigned shift = 0;
    for (token t : p.messages[i]) {
      out[i] = static_cast<std::uint16_t>(out[i] | (t == token::e ? token_code_e : token_code_ee)
                                                       << shift);
      shift += 2;
    }
  }
  return out;
}

// NN (Noise §7.4): "-> e", then "<- e, ee".
static_assert(token_program(patterns::NN)[0] == token_code_e &&
              token_program(patterns::NN)[1] == (token_code_e | token_code_ee << 2) &&
              token_program(patterns::NN)[2] == 0);

}  // namespace detail

/// Noise §5.3 HandshakeState for the pattern `Pattern` (a table of pattern.hpp), interpreted
/// token by token. Use the alias HandshakeState for NN.
///
/// Sequence for NN, initiator: write_message (msg 1) → read_message (msg 2) → [encrypt_and_hash
/// (msg 3)] → split(). Responder: read_message (msg 1) → write_message (msg 2) →
/// [decrypt_and_hash (msg 3)] → split().
///
/// Fail closed: every error except errc::buffer_too_small kills the object — its secrets and h
/// are wiped and every later call returns the same error. buffer_too_small reports the needed
/// length (error::required_size()) and changes nothing, so the call can be retried. A moved-from
/// object has failed (errc::wrong_state). Buffers passed to one call must not overlap.
///
/// A message sent before any DH token has run travels in clear text (Noise §7.7: its payload has
/// no confidentiality), so the engine refuses a payload there: write_message refuses one and
/// read_message a message longer than its tokens, with errc::nonempty_first_payload. In NN that
/// is message 1; mutauth-pk/1 never puts data there.
template <const handshake_pattern& Pattern>
class basic_handshake_state {
  static_assert(is_well_formed(Pattern), "not a valid Noise handshake pattern (Noise section 7.3)");
  static_assert(engine_can_run(Pattern),
                "this Noise engine runs only patterns made of the tokens e and ee with no "
                "pre-messages (it has no static keys and no PSKs), e.g. NN");

  static constexpr auto keyed_ = detail::keyed_after(Pattern);
  static constexpr auto token_bytes_ = detail::token_bytes(Pattern);
  static constexpr auto program_ = detail::token_program(Pattern);

 public:
  /// The token table this state runs.
  static constexpr const handshake_pattern& pattern = Pattern;
  static constexpr std::size_t message_count = Pattern.message_count;
  /// Noise §8, e.g. "Noise_NN_25519_ChaChaPoly_BLAKE2b".
  static constexpr std::string_view protocol_name = detail::protocol_name_of<Pattern>::value;

  /// The shortest message `i` (0-based): its tokens, plus the tag when its payload is encrypted.
  [[nodiscard]] static constexpr std::size_t message_overhead(std::size_t i) noexcept {
    return i < message_count ? token_bytes_[i] + (keyed_[i] ? taglen : 0) : taglen;
  }
  /// True when message `i`'s payload is encrypted (a DH token has run by then).
  [[nodiscard]] static constexpr bool message_is_encrypted(std::size_t i) noexcept {
    return i < message_count ? keyed_[i] : true;
  }

  /// NN: message 1 is exactly `e` (no payload allowed, see above).
  static constexpr std::size_t message1_size = message_overhead(0);
  /// NN: message 2 is `e` then the payload encrypted under the ee-derived key (+16-byte tag).
  static constexpr std::size_t message2_overhead = message_overhead(1);
  /// Messages after the pattern (the mechanism's third message) are payload + tag.
  static constexpr std::size_t extra_message_overhead = taglen;
  /// The largest payload message 2 can carry (Noise §3: messages are at most 65535 bytes).
  static constexpr std::size_t max_message2_payload = max_message_len - message2_overhead;

  /// Initialize() of Noise §5.3: InitializeSymmetric(protocol_name), MixHash(prologue), then the
  /// pre-message keys (none in the patterns this engine runs). Also initialises libsodium
  /// (errc::mechanism_failure if that fails).
  [[nodiscard]] static result<basic_handshake_state> create(Role role,
                                                            bytes_view prologue) noexcept {
    MUTAUTH_TRY(ensure_sodium());
    basic_handshake_state hs(role);
    hs.sym_.initialize(protocol_name);
    hs.sym_.mix_hash(prologue);
    return hs;
  }
  /// create() into `slot`, in place: no state-sized temporary and no move (a firmware's stack and
  /// flash, docs/embedded.md "Sizes"). On failure `slot` is left as it was.
  [[nodiscard]] static result<void> create_in(std::optional<basic_handshake_state>& slot, Role role,
                                              bytes_view prologue) noexcept {
    MUTAUTH_TRY(ensure_sodium());
    basic_handshake_state& hs = slot.emplace(in_place_key{}, role);
    hs.sym_.initialize(protocol_name);
    hs.sym_.mix_hash(prologue);
    return ok();
  }

  // The secret members wipe themselves (mutauth/detail/secret.hpp), and `live_` reads false in
  // a moved-from state, which has therefore failed.
  basic_handshake_state(basic_handshake_state&&) noexcept = default;
  basic_handshake_state& operator=(basic_handshake_state&&) noexcept = default;

  [[nodiscard]] Role role() const noexcept { return role_; }
  /// True when the next pattern message is ours to write.
  [[nodiscard]] bool is_write_turn() const noexcept {
    return step_ < message_count && !failed() && handshake_pattern::sender(step_) == role_;
  }
  /// True when the next pattern message is ours to read.
  [[nodiscard]] bool is_read_turn() const noexcept {
    return step_ < message_count && !failed() && handshake_pattern::sender(step_) != role_;
  }
  /// All pattern messages are done: encrypt_and_hash / decrypt_and_hash / split() are allowed.
  [[nodiscard]] bool is_complete() const noexcept { return step_ == message_count && !failed(); }
  [[nodiscard]] bool is_split() const noexcept { return step_ == message_count + 1 && !failed(); }
  [[nodiscard]] bool failed() const noexcept { return !live_ || static_cast<bool>(failure_); }
  /// The sticky error (errc::ok while alive).
  [[nodiscard]] const error& failure() const noexcept { return live_ ? failure_ : moved_from_; }

  /// Length write_message needs for a payload of `payload_len` bytes in the current message
  /// (after the pattern: the length of encrypt_and_hash's output).
  [[nodiscard]] std::size_t write_size(std::size_t payload_len) const noexcept {
    return message_overhead(step_) + payload_len;
  }

  /// WriteMessage(payload, message_buffer) of Noise §5.3 for the next pattern message: runs its
  /// tokens, then EncryptAndHash(payload). For NN, message 1 (initiator) is `e` and must have an
  /// empty payload; message 2 (responder) is `e, ee` then the encrypted payload. Returns the
  /// message length written to `out`.
  [[nodiscard]] result<std::size_t> write_message(bytes_view payload,
                                                  std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure();
    if (!is_write_turn()) return fail(error(errc::wrong_state, "Noise: not our turn to write"));
    if (!keyed_[step_] && !payload.empty() && !first_payload_allowed()) {
      return fail(error(errc::nonempty_first_payload,
                        "Noise: a message sent before any DH (NN message 1) must not carry a "
                        "payload"));
    }
    const std::size_t need = write_size(payload.size());
    if (need > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message would exceed 65535 bytes"));
    }
    if (out.size() < need) {
      return error(errc::buffer_too_small, "Noise handshake message: output buffer too small")
          .with_required_size(need);
    }

    auto t = write_tokens(out);
    if (!t) return t.error_value();
    auto r = sym_.encrypt_and_hash(payload, out.subspan(*t));
    if (!r) return fail(r.error_value());
    ++step_;
    return *t + *r;
  }

  /// The last pattern message in two halves, for a payload that must depend on h *after* the
  /// tokens, such as a signature over the handshake hash just before the payload is encrypted.
  /// This writes the message's tokens (NN message 2: writes `e`, performs `ee`); the caller then
  /// reads handshake_hash(), builds the payload and appends encrypt_and_hash(payload). The bytes
  /// on the wire are those of WriteMessage(payload) (Noise §5.3). Returns the token bytes written.
  [[nodiscard]] result<std::size_t> write_tokens_of_last_message(
      std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure();
    if (!is_write_turn() || step_ + 1 != message_count)
      return fail(
          error(errc::wrong_state, "Noise: the last message's tokens are not ours to write now"));
    if (out.size() < token_bytes_[step_])
      return error(errc::buffer_too_small, "Noise handshake message: output buffer too small")
          .with_required_size(token_bytes_[step_]);
    auto t = write_tokens(out);
    if (!t) return t.error_value();
    ++step_;
    return *t;
  }

  /// The reading half of the above: consumes the last message's tokens from its front (NN: `e`,
  /// then performs `ee`); the caller verifies what needs h, then passes the rest of the message
  /// (message.subspan(returned length)) to decrypt_and_hash(). `message` is the whole message, so
  /// that its minimum length (tokens + tag) is checked here. Returns the token bytes consumed.
  [[nodiscard]] result<std::size_t> read_tokens_of_last_message(bytes_view message) noexcept {
    if (failed()) return failure();
    if (!is_read_turn() || step_ + 1 != message_count)
      return fail(
          error(errc::wrong_state, "Noise: the last message's tokens are not ours to read now"));
    if (message.size() > max_message_len)
      return fail(error(errc::too_large, "Noise handshake message longer than 65535 bytes"));
    if (message.size() < message_overhead(step_))
      return fail(
          error(errc::truncated, "Noise handshake message shorter than its tokens and tag"));
    auto t = read_tokens(message);
    if (!t) return t.error_value();
    ++step_;
    return *t;
  }

  /// NN names of the two halves above (message 2 is NN's last): responder writes, initiator reads.
  [[nodiscard]] result<std::size_t> write_message2_tokens(std::span<std::uint8_t> out) noexcept
      requires(message_count == 2) {
    return write_tokens_of_last_message(out);
  }
  [[nodiscard]] result<std::size_t> read_message2_tokens(bytes_view message) noexcept
      requires(message_count == 2) {
    return read_tokens_of_last_message(message);
  }

  /// ReadMessage(message, payload_buffer) of Noise §5.3 for the next pattern message: runs its
  /// tokens, then DecryptAndHash of the rest. For NN, message 1 must be exactly 32 bytes (`e`, no
  /// payload); message 2 at least 48 (`e` + tag). Returns the payload length written to
  /// `payload_out`.
  [[nodiscard]] result<std::size_t> read_message(bytes_view message,
                                                 std::span<std::uint8_t> payload_out) noexcept {
    if (failed()) return failure();
    if (!is_read_turn()) return fail(error(errc::wrong_state, "Noise: not our turn to read"));
    if (message.size() > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message longer than 65535 bytes"));
    }
    // A message read after a DH token is decrypted under a key, so it carries a tag (Noise §5.3).
    const std::size_t overhead = message_overhead(step_);
    if (message.size() < overhead) {
      return fail(error(errc::truncated,
                        keyed_[step_] ? "Noise handshake message shorter than its tokens and tag"
                                      : "Noise handshake message shorter than its tokens"));
    }
    if (!keyed_[step_] && message.size() != overhead && !first_payload_allowed()) {
      return fail(error(errc::nonempty_first_payload,
                        "Noise: a message sent before any DH (NN message 1) carried a payload"));
    }
    const std::size_t payload_len = message.size() - overhead;
    if (payload_out.size() < payload_len) {
      return error(errc::buffer_too_small, "Noise handshake payload: output buffer too small")
          .with_required_size(payload_len);
    }

    auto t = read_tokens(message);
    if (!t) return t.error_value();
    auto r = sym_.decrypt_and_hash(message.subspan(*t), payload_out);
    if (!r) return fail(r.error_value());
    ++step_;
    return *r;
  }

  /// EncryptAndHash(payload) (Noise §5.2) after the pattern's messages — the third message of
  /// mutauth-pk/1 — keyed and bound to h. Returns the message length (payload + 16).
  [[nodiscard]] result<std::size_t> encrypt_and_hash(bytes_view payload,
                                                     std::span<std::uint8_t> out) noexcept {
    if (failed()) return failure();
    if (step_ != message_count) {
      return fail(error(errc::wrong_state,
                        "Noise: EncryptAndHash before the handshake messages completed or "
                        "after Split"));
    }
    if (payload.size() + taglen > max_message_len) {  // Noise §3
      return fail(error(errc::too_large, "Noise handshake message would exceed 65535 bytes"));
    }
    auto r = sym_.encrypt_and_hash(payload, out);
    if (!r && r.code() != errc::buffer_too_small) return fail(r.error_value());
    return r;
  }

  /// DecryptAndHash(message) (Noise §5.2) after the pattern's messages. Returns the payload
  /// length.
  [[nodiscard]] result<std::size_t> decrypt_and_hash(bytes_view message,
                                                     std::span<std::uint8_t> payload_out) noexcept {
    if (failed()) return failure();
    if (step_ != message_count) {
      return fail(error(errc::wrong_state,
                        "Noise: DecryptAndHash before the handshake messages completed or "
                        "after Split"));
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

  /// Split() (Noise §5.2) once the pattern's messages (and any extra EncryptAndHash messages) are
  /// done, mapped to this side's send/receive directions (transport.hpp). ck is wiped; h stays
  /// readable. A second call, or a call before the messages completed, fails with
  /// errc::wrong_state / errc::handshake_not_finished.
  [[nodiscard]] result<TransportCiphers> split() noexcept {
    if (auto r = check_split(); !r) return r.error_value();
    auto s = sym_.split();
    if (!s) return fail(s.error_value());
    step_ = static_cast<std::uint8_t>(message_count + 1);
    return TransportCiphers::from_split(std::move(*s), role_);
  }

  /// split_with_transcript() of SymmetricState (HKDF(ck, h, 3), mutauth-pk/1's key schedule),
  /// mapped to this side's directions like split(): the transport ciphers plus `secret`, the
  /// third HKDF output (mutauth-pk's exporter secret).
  [[nodiscard]] result<TransportCiphers> split_with_transcript(hash_bytes& secret) noexcept {
    if (auto r = check_split(); !r) return r.error_value();
    auto s = sym_.split_with_transcript(secret);
    if (!s) return fail(s.error_value());
    step_ = static_cast<std::uint8_t>(message_count + 1);
    return TransportCiphers::from_split(std::move(*s), role_);
  }

#ifdef MUTAUTH_TESTING_ONLY_HOOKS
  /// TEST BUILDS ONLY: use this private key for our ephemeral instead of a random one, so that
  /// published test vectors can be replayed. Must be called before our "e" is written.
  [[nodiscard]] result<void> set_fixed_ephemeral_for_testing_only(
      std::span<const std::uint8_t, dhlen> secret) noexcept {
    if (failed()) return failure();
    if (e_.present || e_sent_ || step_ >= message_count) {
      return error(errc::wrong_state, "ephemeral already in use");
    }
    for (std::size_t i = 0; i < dhlen; ++i) e_.secret[i] = secret[i];
    return e_.derive_public();
  }
  /// TEST BUILDS ONLY: accept a payload in a clear-text message (NN message 1), as the public
  /// vectors use one.
  void allow_first_message_payload_for_testing_only() noexcept { allow_first_payload_ = true; }
#endif

 private:
  explicit basic_handshake_state(Role role) noexcept : role_(role), live_(true) {}
  // Only create_in() can name it, so its constructor below is as private as the one above.
  struct in_place_key {
    explicit in_place_key() = default;
  };

 public:
  basic_handshake_state(in_place_key, Role role) noexcept : basic_handshake_state(role) {}

 private:
  [[nodiscard]] bool first_payload_allowed() const noexcept { return allow_first_payload_; }

  [[nodiscard]] result<void> check_split() noexcept {
    if (failed()) return failure();
    if (step_ != message_count) {
      return fail(step_ < message_count
                      ? error(errc::handshake_not_finished,
                              "Noise Split() before the handshake messages completed")
                      : error(errc::wrong_state, "Noise Split() called twice"));
    }
    return ok();
  }

  // The tokens of the current message, written (Noise §5.3 WriteMessage). "e": GENERATE_KEYPAIR
  // (unless a test fixed it), append e.public_key, MixHash(e.public_key). "ee": MixKey(DH(e, re)).
  // `out` holds at least token_bytes_[step_]. Returns the bytes written.
  [[nodiscard]] result<std::size_t> write_tokens(std::span<std::uint8_t> out) noexcept {
    return run_tokens(out.data(), nullptr);
  }

  // The tokens of the current message, read (Noise §5.3 ReadMessage). "e": re = the next DHLEN
  // bytes, MixHash(re). "ee": MixKey(DH(e, re)). The caller has checked the message is at least
  // token_bytes_[step_] long. Returns the bytes consumed.
  [[nodiscard]] result<std::size_t> read_tokens(bytes_view message) noexcept {
    return run_tokens(nullptr, message.data());
  }

  // The token loop WriteMessage and ReadMessage share (Noise §5.3): they differ only in "e",
  // DHLEN bytes at `off`, written to `out` when it is not null (a message with an "e" has room
  // for it, so that storage exists) or else read from `in`; "ee" is the same DH for both sides.
  // One function, not one per direction: each copy cost a firmware 200-300 bytes of flash
  // (docs/embedded.md, "Sizes"). Returns the bytes the tokens took.
  [[nodiscard]] result<std::size_t> run_tokens(std::uint8_t* out, const std::uint8_t* in) noexcept {
    std::size_t off = 0;
    // The program holds "e" and "ee" only: engine_can_run() is asserted above.
    for (unsigned code = program_[step_]; code != 0; code >>= 2) {
      if ((code & 3U) == detail::token_code_e) {
        if (out != nullptr) {
          if (!e_.present) {
            if (auto r = e_.generate(); !r) return fail(r.error_value());
          }
          for (std::size_t i = 0; i < dhlen; ++i) out[off + i] = e_.public_key[i];
          e_sent_ = true;
        } else {
          for (std::size_t i = 0; i < dhlen; ++i) re_[i] = in[off + i];
        }
        sym_.mix_hash(out != nullptr ? bytes_view(e_.public_key) : bytes_view(re_));
        off += dhlen;
      } else if (auto r = mix_ee(); !r) {
        return fail(r.error_value());
      }
    }
    return off;
  }

  // "ee": MixKey(DH(e, re)) (Noise §5.3). ee is the only DH token the engine runs and a valid
  // pattern has it once (Noise §7.3), so e is wiped right after it (forward secrecy does not wait
  // for the destructor).
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
    re_.wipe();
  }

  static constexpr error moved_from_{errc::wrong_state, "Noise HandshakeState was moved from"};

  Role role_ = Role::initiator;
  // The next message: 0 .. message_count-1; message_count: all done; message_count + 1: split.
  std::uint8_t step_ = 0;
  SymmetricState sym_;
  KeyPair e_;
  mutauth::detail::WipedArray<dhlen> re_;
  error failure_{};
  bool e_sent_ = false;  // our "e" is on the wire: the test hook may not replace it any more
  // Only the test-only hook sets this; the member exists in every build so that the class layout
  // does not depend on MUTAUTH_TESTING_ONLY_HOOKS (one definition rule).
  bool allow_first_payload_ = false;
  mutauth::detail::Secret<bool> live_;  // true from create() on; false in a moved-from state
};

/// The HandshakeState of mutauth-pk/1: Noise_NN_25519_ChaChaPoly_BLAKE2b.
using HandshakeState = basic_handshake_state<patterns::NN>;

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
