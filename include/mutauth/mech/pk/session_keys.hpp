// mutauth-pk/1 — session keys after the transcript-bound split (docs/protocol/mutauth-pk.md §7,
// §8).
//
// Two record modes, chosen by type in session.hpp:
//  * stream (Session<pk::PublicKey>): implicit nonces, records in order — TCP, pipes, UARTs.
//  * datagram (DatagramSession<pk::PublicKey>): an explicit 8-byte nonce in front of each
//    record, a sliding replay window — transports that reorder or drop (UDP, message queues).
// Rekey follows Noise §11.3. The exporter is HKDF-Expand over the exporter secret, the third
// output of HKDF(ck, h, 3): secret, because ck is. The final h is only the (public) channel
// binding value.
#pragma once

#include <array>        // h, window
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <string_view>  // exporter labels
#include <utility>      // std::move

#include <sodium.h>

#include "mutauth/bytes.hpp"
#include "mutauth/detail/secret.hpp"
#include "mutauth/error.hpp"
#include "mutauth/noise/handshake_state.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

class SessionKeys {
  using CipherState = mutauth::noise::CipherState;
  static constexpr std::size_t hashlen = mutauth::noise::hashlen;

 public:
  /// Stream mode: the AEAD tag.
  static constexpr std::size_t seal_overhead = mutauth::noise::taglen;
  /// Datagram mode: explicit nonce + tag.
  static constexpr std::size_t datagram_overhead = 8 + mutauth::noise::taglen;
  /// How far behind the newest datagram an older one may still arrive (RFC 4303 §3.4.3 idea).
  static constexpr std::uint64_t replay_window = 64;
  /// Largest plaintext of one record (Noise §3: a transport message is at most 65535 bytes).
  static constexpr std::size_t max_plaintext = mutauth::noise::max_message_len - datagram_overhead;

  /// Longest exporter label (its length is one byte of the HKDF info) and context.
  static constexpr std::size_t max_exporter_label = 255;
  static constexpr std::size_t max_exporter_context = 0xFFFF;
  /// Longest exporter output: HKDF-Expand's 255 blocks (RFC 5869 §2.3).
  static constexpr std::size_t max_exporter_output = 255 * hashlen;

  SessionKeys() noexcept = default;
  /// `exporter_secret`: the third output of HKDF(ck, h, 3); `h`: the final handshake hash.
  SessionKeys(CipherState&& send, CipherState&& recv, bytes_view exporter_secret,
              bytes_view h) noexcept
      : send_(std::move(send)), recv_(std::move(recv)) {
    for (std::size_t i = 0; i < hashlen && i < h.size(); ++i) h_[i] = h[i];
    for (std::size_t i = 0; i < hashlen && i < exporter_secret.size(); ++i)
      exporter_secret_[i] = exporter_secret[i];
    live_ = true;
  }
  /// As the constructor, into this object: the key schedule (pk.hpp, Context::split_keys) does
  /// not build a SessionKeys-sized temporary beside it on the stack (docs/embedded.md, "Sizes").
  void assign(CipherState&& send, CipherState&& recv, bytes_view exporter_secret,
              bytes_view h) noexcept {
    wipe();
    send_ = std::move(send);
    recv_ = std::move(recv);
    for (std::size_t i = 0; i < hashlen && i < h.size(); ++i) h_[i] = h[i];
    for (std::size_t i = 0; i < hashlen && i < exporter_secret.size(); ++i)
      exporter_secret_[i] = exporter_secret[i];
    highest_ = 0;
    window_ = 0;
    any_ = false;
    live_ = true;
  }
  // The keys wipe themselves (mutauth/detail/secret.hpp): moved-from keys are wiped and dead.
  SessionKeys(SessionKeys&&) noexcept = default;
  SessionKeys& operator=(SessionKeys&&) noexcept = default;

  // ---- stream mode (Session<M>::seal/open; in place allowed, CipherState's rule) ----
  [[nodiscard]] result<std::size_t> seal(bytes_view in, bytes_span out) noexcept {
    MUTAUTH_TRY(live());
    return send_.encrypt_with_ad({}, in, out);
  }
  [[nodiscard]] result<std::size_t> open(bytes_view in, bytes_span out) noexcept {
    MUTAUTH_TRY(live());
    return recv_.decrypt_with_ad({}, in, out);
  }
  /// seal() of `in | type` without copying `in` first (Session<M>::seal uses it when present).
  [[nodiscard]] result<std::size_t> seal_with_type(bytes_view in, std::uint8_t type,
                                                   bytes_span out) noexcept {
    MUTAUTH_TRY(live());
    return send_.encrypt_with_ad_and_trailer({}, in, type, out);
  }

  // ---- datagram mode ----
  /// Seals one datagram: nonce (8 bytes, big-endian) | ciphertext. The nonce is also the
  /// associated data, so it cannot be altered without the tag failing.
  [[nodiscard]] result<std::size_t> seal_datagram(bytes_view in, bytes_span out) noexcept {
    MUTAUTH_TRY(live());
    const std::size_t need = in.size() + datagram_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    const std::uint64_t n = send_.nonce();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
    auto r = send_.encrypt_with_ad(bytes_view(out.data(), 8), in, out.subspan(8));
    if (!r) return r.error_value();
    return 8 + *r;
  }

  /// Opens one datagram. Reordered datagrams inside the window are accepted once; duplicates
  /// (errc::replayed) and datagrams older than the window (errc::out_of_order) are refused.
  /// A datagram that fails is dropped without harming the session: on a datagram transport
  /// anybody can inject packets, so a bad one must not be a way to kill the session
  /// (RFC 9147 §4.5.2 discards invalid records the same way).
  [[nodiscard]] result<std::size_t> open_datagram(bytes_view in, bytes_span out) noexcept {
    MUTAUTH_TRY(live());
    if (in.size() < datagram_overhead)
      return error(errc::truncated, "datagram shorter than nonce and tag");
    const std::size_t need = in.size() - datagram_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | in[i];
    if (any_ && n <= highest_) {
      const std::uint64_t age = highest_ - n;
      if (age >= replay_window)
        return error(errc::out_of_order, "datagram older than the replay window");
      if (window_ & (std::uint64_t{1} << age)) return error(errc::replayed, "datagram seen before");
    }
    // The window is updated only after the tag verifies: forged datagrams must not move it.
    recv_.set_nonce(n);
    auto r = recv_.decrypt_with_ad(bytes_view(in.data(), 8), in.subspan(8), out);
    if (!r) return r.error_value();
    if (!any_ || n > highest_) {
      const std::uint64_t shift = any_ ? n - highest_ : 0;
      window_ = shift >= 64 ? 0 : window_ << shift;
      window_ |= 1;
      highest_ = n;
      any_ = true;
    } else {
      window_ |= std::uint64_t{1} << (highest_ - n);
    }
    return r;
  }

  // ---- rekey (Noise §11.3): each direction on its own, at a point both sides agree on ----
  [[nodiscard]] result<void> rekey_outbound() noexcept {
    if (!live_) return error(errc::wrong_state, "session keys wiped");
    return send_.rekey();
  }
  [[nodiscard]] result<void> rekey_inbound() noexcept {
    if (!live_) return error(errc::wrong_state, "session keys wiped");
    return recv_.rekey();
  }

  /// Keying material for the application (docs/protocol/mutauth-pk.md §7.2, RFC 8446 §7.5's
  /// shape): HKDF-Expand (RFC 5869 §2.3, HMAC-BLAKE2b) with PRK = the exporter secret and
  /// info = "mutauth-pk/1 exporter" | u8 len(label) | label | u16 len(context) | context |
  /// u16 len(out). Both sides get the same bytes for the same label, context and length;
  /// anything else gives independent bytes.
  [[nodiscard]] result<void> export_keying_material(std::string_view label, bytes_view context,
                                                    bytes_span out) const noexcept {
    namespace nz = mutauth::noise;
    if (!live_) return error(errc::wrong_state, "session keys wiped");
    if (label.empty() || label.size() > max_exporter_label)
      return error(errc::invalid_argument, "exporter label must be 1 to 255 bytes");
    if (context.size() > max_exporter_context)
      return error(errc::invalid_argument, "exporter context longer than 65535 bytes");
    if (out.size() > max_exporter_output)
      return error(errc::invalid_argument, "exporter output longer than 255 blocks of 64 bytes");
    static constexpr std::string_view info_label = "mutauth-pk/1 exporter";
    const std::uint8_t label_len = static_cast<std::uint8_t>(label.size());
    const std::uint8_t context_len[2] = {static_cast<std::uint8_t>(context.size() >> 8),
                                         static_cast<std::uint8_t>(context.size())};
    const std::uint8_t out_len[2] = {static_cast<std::uint8_t>(out.size() >> 8),
                                     static_cast<std::uint8_t>(out.size())};
    const bytes_view info[] = {
        bytes_view(reinterpret_cast<const std::uint8_t*>(info_label.data()), info_label.size()),
        bytes_view(&label_len, 1),
        bytes_view(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()),
        bytes_view(context_len, 2),
        context,
        bytes_view(out_len, 2)};
    nz::hash_bytes t{};
    std::size_t done = 0;
    for (unsigned i = 1; done < out.size(); ++i) {
      const std::uint8_t ctr = static_cast<std::uint8_t>(i);
      const bytes_view prev = i == 1 ? bytes_view() : bytes_view(t);
      nz::hmac_blake2b(
          t, exporter_secret_,
          {prev, info[0], info[1], info[2], info[3], info[4], info[5], bytes_view(&ctr, 1)});
      for (std::size_t k = 0; k < hashlen && done < out.size(); ++k) out[done++] = t[k];
    }
    sodium_memzero(t.data(), t.size());
    return ok();
  }

  /// The final handshake hash (Noise §11.2 channel binding): equal on both sides, unique to the
  /// session, and PUBLIC — it hashes only bytes that crossed the wire. Never a key.
  [[nodiscard]] bytes_view channel_binding() const noexcept {
    return live_ ? bytes_view(h_) : bytes_view();
  }

  void wipe() noexcept {
    send_.clear();
    recv_.clear();
    h_.wipe();
    exporter_secret_.wipe();
    live_ = false;
  }

 private:
  result<void> live() const noexcept {
    if (!live_) return error(errc::wrong_state, "session keys wiped");
    return ok();
  }

  CipherState send_;
  CipherState recv_;
  mutauth::detail::WipedArray<hashlen> h_;
  mutauth::detail::WipedArray<hashlen> exporter_secret_;
  std::uint64_t highest_ = 0;
  std::uint64_t window_ = 0;
  // The two flags together: one padding slot, not two (sizeof(Session) matters on an MCU).
  mutauth::detail::Secret<bool> live_;
  bool any_ = false;
};

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
