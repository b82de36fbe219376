// mutauth-pk/1 — the public-key mechanism (DESIGN §4): SIGMA-I shaped signed identity proofs
// inside a Noise_NN_25519_ChaChaPoly_BLAKE2b key exchange, with Ed25519 keys from ssh-keygen.
//
//   1  I -> R   hdr | e                       (no payload: nothing here is encrypted)
//   2  R -> I   hdr | e | AEAD(proof_R)       (ee keys the AEAD; the server proves first)
//   3  I -> R   hdr | AEAD(proof_I)           (only after proof_R verified), then Split()
//
// hdr = protocol version (1) | message number. The version is also in the prologue, so a
// tampered header cannot make two versions talk; it is in clear so that a peer speaking another
// version gets errc::version_mismatch rather than a decryption failure.
#pragma once

#include <array>        // message buffers
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <optional>     // the Noise state, created in a noexcept constructor
#include <string_view>  // names

#include <sodium.h>

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/detail/noise.hpp"
#include "mutauth/mech/pk/detail/proof.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/session_keys.hpp"
#include "mutauth/mech/pk/trust.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

inline constexpr std::uint8_t protocol_version = 1;
inline constexpr std::size_t max_channel_binding = 128;

struct InitiatorConfig {
  Identity identity{};
  ServerTrust trust{};
  /// Optional bytes from a lower layer (e.g. a TLS exporter) that both sides must agree on; they
  /// enter the prologue, so a mismatch fails the handshake (Noise §6).
  bytes_view channel_binding{};
};

struct AcceptorConfig {
  Identity identity{};
  /// The name this server proves. Every client will demand exactly its own composed name, so a
  /// server answering for several names runs one acceptor configuration per name.
  ServicePrincipal service;
  ClientTrust trust{};
  bytes_view channel_binding{};
};

namespace detail {

namespace nz = mutauth::detail::noise;

inline constexpr std::size_t header_size = 2;
inline constexpr std::size_t max_message_size =
    header_size + nz::dhlen + max_proof_size + nz::taglen;
inline constexpr std::string_view prologue_label = "mutauth-pk";

inline constexpr const char* hint_decrypt =
    "the message was altered in transit, or the peers disagree on the protocol version or the "
    "channel binding";

// Shared by both roles: the Noise state, the message buffer and the proof logic.
class Context {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  Context(Context&&) noexcept = default;
  ~Context() { wipe(); }

  /// True while the context holds handshake or session secrets (for tests of G5).
  [[nodiscard]] bool holds_secrets() const noexcept {
    return noise_.has_value() || !keys_.channel_binding().empty();
  }

  void wipe() noexcept {
    noise_.reset();  // the Noise state wipes its keys, h and ephemeral on destruction
    keys_.wipe();
    sodium_memzero(plain_.data(), plain_.size());
  }

 protected:
  Context(nz::Role r, const Identity& id, bytes_view channel_binding) noexcept : id_(id) {
    if (id.key == nullptr || !id.key->valid()) {
      err_ = error(errc::invalid_argument, "no identity key configured",
                   "load one with pk::load_private_key_file()");
      return;
    }
    if (channel_binding.size() > max_channel_binding) {
      err_ = error(errc::invalid_argument, "channel binding longer than 128 bytes");
      return;
    }
    // Prologue: label | version | u8 length | channel binding (Noise §6).
    std::array<std::uint8_t, prologue_label.size() + 2 + max_channel_binding> p{};
    std::size_t n = 0;
    for (char c : prologue_label) p[n++] = static_cast<std::uint8_t>(c);
    p[n++] = protocol_version;
    p[n++] = static_cast<std::uint8_t>(channel_binding.size());
    for (auto b : channel_binding) p[n++] = b;
    auto hs = nz::HandshakeState::create(r, bytes_view(p.data(), n));
    if (!hs) {
      err_ = hs.error_value();
      return;
    }
    noise_.emplace(std::move(*hs));
  }

  // Checks the clear header of an incoming message.
  [[nodiscard]] result<bytes_view> open_header(bytes_view msg, std::uint8_t expected) const noexcept {
    if (msg.size() < header_size) return error(errc::truncated, "mutauth-pk message shorter than its header");
    if (msg[0] != protocol_version) {
      error e(errc::version_mismatch, "peer speaks another version of mutauth-pk than 1",
              "upgrade the older side; both must speak mutauth-pk/1");
      return e;
    }
    if (msg[1] != expected) {
      error e(errc::unexpected_message, "mutauth-pk message out of order (expected message ");
      const char num[2] = {static_cast<char>('0' + expected), ')'};
      e.append(std::string_view(num, 2));
      return e;
    }
    return msg.subspan(header_size);
  }

  void put_header(std::uint8_t number) noexcept {
    out_[0] = protocol_version;
    out_[1] = number;
  }

  // Builds and encrypts our proof into out_ at `at`: signature over label | role | h | name,
  // where h is the handshake hash just before this payload is encrypted (DESIGN §4).
  [[nodiscard]] result<std::size_t> write_proof(role self, std::string_view name, std::size_t at) noexcept {
    std::array<std::uint8_t, max_signed_size> tbs{};
    const std::size_t n = signed_data(self, noise_->handshake_hash(), name, tbs);
    std::array<std::uint8_t, signature_size> sig{};
    MUTAUTH_TRY(id_.key->sign(bytes_view(tbs.data(), n), sig));
    const auto& pub = id_.key->public_key().bytes;
    const std::size_t plen =
        encode_proof(credential_type::raw_ed25519, pub, name, sig, plain_);
    auto c = noise_->encrypt_and_hash(bytes_view(plain_.data(), plen),
                                      bytes_span(out_.data() + at, out_.size() - at));
    sodium_memzero(plain_.data(), plen);
    if (!c) return c.error_value();
    return at + *c;
  }

  // Verifies the proof's signature by `key` for `sender`, over h as it was before decryption.
  [[nodiscard]] static result<void> verify_signature(const proof_view& p, const Ed25519PublicKey& key,
                                                     role sender, bytes_view h) noexcept {
    std::array<std::uint8_t, max_signed_size> tbs{};
    const std::size_t n = signed_data(sender, h, p.name, tbs);
    if (crypto_sign_ed25519_verify_detached(p.signature.data(), tbs.data(), n, key.bytes.data()) != 0)
      return error(errc::bad_signature, "identity proof signature does not verify");
    return ok();
  }

  [[nodiscard]] static result<Ed25519PublicKey> raw_key(const proof_view& p) noexcept {
    if (p.type != credential_type::raw_ed25519)
      return error(errc::unsupported_key_type, "certificate credentials are not enabled on this side",
                   "configure a certificate authority in the trust store");
    if (p.credential.size() != 32) return error(errc::malformed, "raw Ed25519 credential is not 32 bytes");
    Ed25519PublicKey k;
    for (std::size_t i = 0; i < 32; ++i) k.bytes[i] = p.credential[i];
    return k;
  }

  [[nodiscard]] result<void> split_keys() noexcept {
    auto t = noise_->split();
    if (!t) return t.error_value();
    keys_ = SessionKeys(std::move(t->send), std::move(t->recv), noise_->handshake_hash());
    noise_.reset();
    return ok();
  }

  [[nodiscard]] Principal local_principal(std::string_view fallback) const noexcept {
    Principal p;
    p.mechanism = "mutauth-pk/1";
    (void)p.name.append(id_.name.empty() ? fallback : id_.name);
    (void)p.fingerprint.append(fingerprint(id_.key->public_key()).view());
    return p;
  }

  Identity id_;
  std::optional<nz::HandshakeState> noise_;
  error err_{};  // a configuration error, reported by the first step
  SessionKeys keys_;
  std::array<std::uint8_t, nz::hashlen> h_before_{};
  std::array<std::uint8_t, max_proof_size> plain_{};
  std::array<std::uint8_t, max_message_size> out_{};
};

}  // namespace detail

/// The mechanism policy: Initiator<pk::PublicKey>, Acceptor<pk::PublicKey>, Session<pk::PublicKey>.
struct PublicKey {
  static constexpr std::string_view name = "mutauth-pk/1";
  static constexpr bool mutual_authentication = true;
  static constexpr std::size_t max_token_size = detail::max_message_size;
  static constexpr std::size_t max_handshake_messages = 3;

  using InitiatorConfig = pk::InitiatorConfig;
  using AcceptorConfig = pk::AcceptorConfig;
  using SessionKeys = pk::SessionKeys;

  class Initiator : public detail::Context {
   public:
    Initiator(const ServicePrincipal& target, const InitiatorConfig& cfg) noexcept
        : Context(detail::nz::Role::initiator, cfg.identity, cfg.channel_binding),
          target_(target),
          trust_(cfg.trust) {}

    [[nodiscard]] result<mech_step> initiate() noexcept {
      if (err_) return err_;
      put_header(1);
      auto n = noise_->write_message({}, bytes_span(out_.data() + detail::header_size, out_.size() - detail::header_size));
      if (!n) return n.error_value();
      return mech_step{bytes_view(out_.data(), detail::header_size + *n), false};
    }

    /// Message 2 in, message 3 out. Our own proof is written only after the server's verified,
    /// so our identity reaches only a server that has proven itself (DESIGN §4).
    [[nodiscard]] result<mech_step> on_token(bytes_view msg) noexcept {
      if (err_) return err_;
      auto body = open_header(msg, 2);
      if (!body) return body.error_value();
      MUTAUTH_TRY(noise_->read_message2_tokens(*body));
      const auto h = noise_->handshake_hash();
      std::copy(h.begin(), h.end(), h_before_.begin());
      auto plen = noise_->decrypt_and_hash(body->subspan(detail::nz::dhlen), plain_);
      if (!plen) {
        error e = plen.error_value();
        if (e.code() == errc::decrypt_failed) e.with_hint(detail::hint_decrypt);
        return e;
      }
      MUTAUTH_TRY(verify_server(bytes_view(plain_.data(), *plen)));

      put_header(3);
      auto n = write_proof(role::initiator, {}, detail::header_size);
      if (!n) return n.error_value();
      MUTAUTH_TRY(split_keys());
      return mech_step{bytes_view(out_.data(), *n), true};
    }

    [[nodiscard]] result<Concluded<PublicKey>> conclude() && noexcept {
      if (!proven_) return error(errc::wrong_state, "conclude() before the server was verified");
      Principal peer;
      peer.mechanism = PublicKey::name;
      (void)peer.name.append(proven_->pk_name().view());
      (void)peer.fingerprint.append(fingerprint(server_key_).view());
      return Concluded<PublicKey>{PeerVerified<PublicKey>::assert_peer_verified(peer),
                                  local_principal("client"), *proven_, std::move(keys_)};
    }

   private:
    // Verification order (DESIGN §4, pinned keys): strict parse, the proved name against the
    // composed target, the key pinned for that name, then the signature.
    [[nodiscard]] result<void> verify_server(bytes_view proof) noexcept {
      auto p = detail::parse_proof(proof);
      if (!p) return p.error_value();
      auto claimed = ServicePrincipal::parse(p->name);
      if (!claimed) {
        error e(errc::malformed, "server proved an invalid service principal: ");
        e.append(claimed.error_value().detail());
        return e;
      }
      // G2: the name comes from our caller; the server may only confirm it.
      if (!(*claimed == target_)) {
        error e(errc::name_mismatch, "server proved ");
        e.append(p->name);
        e.append(" but the client asked for ");
        e.append(target_.pk_name().view());
        return e;
      }
      auto key = raw_key(*p);
      if (!key) return key.error_value();
      bool pinned_name = false, pinned_key = false;
      for (const PinnedServer& pin : trust_.pinned) {
        if (!(pin.name == target_)) continue;
        pinned_name = true;
        if (sodium_memcmp(pin.key.bytes.data(), key->bytes.data(), 32) == 0) pinned_key = true;
      }
      if (!pinned_key) {
        error e(errc::unknown_peer_key,
                pinned_name ? "server key is not the key pinned for " : "no key is pinned for ");
        e.append(target_.pk_name().view());
        e.append(" (server key ");
        e.append(fingerprint(*key).view());
        e.append(")");
        return e;
      }
      MUTAUTH_TRY(verify_signature(*p, *key, role::acceptor, h_before_));
      proven_.emplace(*claimed);
      server_key_ = *key;
      return ok();
    }

    ServicePrincipal target_;
    ServerTrust trust_;
    std::optional<ServicePrincipal> proven_;
    Ed25519PublicKey server_key_{};
  };

  class Acceptor : public detail::Context {
   public:
    explicit Acceptor(const AcceptorConfig& cfg) noexcept
        : Context(detail::nz::Role::responder, cfg.identity, cfg.channel_binding),
          service_(cfg.service),
          trust_(cfg.trust) {}

    [[nodiscard]] result<mech_step> on_token(bytes_view msg) noexcept {
      if (err_) return err_;
      return proven_ ? error(errc::unexpected_message, "handshake already complete")
             : step_ == 0 ? on_message1(msg)
                          : on_message3(msg);
    }

    [[nodiscard]] result<Concluded<PublicKey>> conclude() && noexcept {
      if (!proven_) return error(errc::wrong_state, "conclude() before the client was verified");
      return Concluded<PublicKey>{PeerVerified<PublicKey>::assert_peer_verified(*proven_),
                                  local_principal(service_.pk_name().view()), service_,
                                  std::move(keys_)};
    }

   private:
    [[nodiscard]] result<mech_step> on_message1(bytes_view msg) noexcept {
      auto body = open_header(msg, 1);
      if (!body) return body.error_value();
      // read_message refuses anything but a bare `e` (errc::nonempty_first_payload): message 1
      // is clear text and carries nothing (G1, DESIGN §4).
      MUTAUTH_TRY(noise_->read_message(*body, {}));
      put_header(2);
      auto t = noise_->write_message2_tokens(
          bytes_span(out_.data() + detail::header_size, out_.size() - detail::header_size));
      if (!t) return t.error_value();
      auto n = write_proof(role::acceptor, service_.pk_name().view(), detail::header_size + *t);
      if (!n) return n.error_value();
      step_ = 1;
      return mech_step{bytes_view(out_.data(), *n), false};
    }

    // Verification order (DESIGN §4, pinned keys): strict parse, key in the trust store (which
    // names the principal), signature. Authorization follows in the core (G3).
    [[nodiscard]] result<mech_step> on_message3(bytes_view msg) noexcept {
      auto body = open_header(msg, 3);
      if (!body) return body.error_value();
      const auto h = noise_->handshake_hash();
      std::copy(h.begin(), h.end(), h_before_.begin());
      auto plen = noise_->decrypt_and_hash(*body, plain_);
      if (!plen) {
        error e = plen.error_value();
        if (e.code() == errc::decrypt_failed) e.with_hint(detail::hint_decrypt);
        return e;
      }
      auto p = detail::parse_proof(bytes_view(plain_.data(), *plen));
      if (!p) return p.error_value();
      if (!p->name.empty())
        return error(errc::malformed, "a client proof names no service principal");
      auto key = raw_key(*p);
      if (!key) return key.error_value();
      const PinnedClient* who = nullptr;
      for (const PinnedClient& pin : trust_.pinned)
        if (sodium_memcmp(pin.key.bytes.data(), key->bytes.data(), 32) == 0) who = &pin;
      if (who == nullptr) {
        error e(errc::unknown_peer_key, "client key is not in the trust store (");
        e.append(fingerprint(*key).view());
        e.append(")");
        return e;
      }
      MUTAUTH_TRY(verify_signature(*p, *key, role::initiator, h_before_));
      MUTAUTH_TRY(split_keys());
      Principal peer;
      peer.mechanism = PublicKey::name;
      (void)peer.name.append(who->principal);
      (void)peer.fingerprint.append(fingerprint(*key).view());
      proven_.emplace(peer);
      return mech_step{{}, true};
    }

    ServicePrincipal service_;
    ClientTrust trust_;
    std::uint8_t step_ = 0;
    std::optional<Principal> proven_;
  };
};

static_assert(Mechanism<PublicKey>);

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
