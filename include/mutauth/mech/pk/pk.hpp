// mutauth-pk/1 — the public-key mechanism (docs/protocol/mutauth-pk.md): SIGMA-I shaped signed
// identity proofs inside a Noise_NN_25519_ChaChaPoly_BLAKE2b key exchange, with Ed25519 keys
// from ssh-keygen.
//
//   1  I -> R   hdr | e                       (no payload: nothing here is encrypted)
//   2  R -> I   hdr | e | AEAD(proof_R)       (ee keys the AEAD; the server proves first)
//   3  I -> R   hdr | AEAD(proof_I)           (only after proof_R verified)
//   4  R -> I   hdr | AEAD(admission)         (only after proof_I verified and the server's
//                                              authorization policy admitted the client)
//   then both: transport keys and exporter secret = HKDF(ck, h, 3)         (§7)
//
// hdr = protocol version (1) | message number. The version is also in the prologue, so a
// tampered header cannot make two versions talk; it is in clear so that a peer speaking another
// version gets errc::version_mismatch rather than a decryption failure (§4).
//
// Each role context is a small state machine whose states are types (std::variant): the
// PeerVerified witness is minted inside verify_server()/verify_client() on the line after the
// proof signature verified, and only the state that follows holds it; conclude() can take it
// from nowhere else.
#pragma once

#include <array>        // message buffers
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <optional>     // the Noise state, created in a noexcept constructor
#include <string_view>  // names
#include <variant>      // one type per protocol state

#include <sodium.h>

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/detail/proof.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/session_keys.hpp"
#include "mutauth/mech/pk/trust.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/noise/handshake_state.hpp"
#include "mutauth/principal.hpp"
#include "mutauth/session.hpp"  // the Session's name table, filled in place (conclude_into)

namespace mutauth {
inline namespace v0 {
namespace pk {

inline constexpr std::uint8_t protocol_version = 1;
inline constexpr std::size_t max_channel_binding = 128;

struct InitiatorConfig {
  /// The client's key, optional certificate, and `name`: the principal it asserts (§6.3). With
  /// a certificate listing exactly one principal, an empty name asserts that one.
  Identity identity{};
  ServerTrust trust{};
  /// Optional bytes from a lower layer (e.g. a TLS exporter) that both sides must agree on; they
  /// enter the prologue, so a mismatch fails the handshake (Noise §6).
  bytes_view channel_binding{};
};

struct AcceptorConfig {
  /// The server's key and optional host certificate; `name` is not used (the server proves
  /// `service`, and that is its Session::local()).
  Identity identity{};
  /// The name this server proves. Every client will demand exactly its own composed name, so a
  /// server answering for several names runs one acceptor configuration per name.
  ServicePrincipal service;
  ClientTrust trust{};
  bytes_view channel_binding{};
};

namespace detail {

namespace nz = mutauth::noise;

inline constexpr std::size_t header_size = 2;
inline constexpr std::size_t max_message_size =
    header_size + nz::dhlen + max_proof_size + nz::taglen;
static_assert(max_admission_size <= max_proof_size);
inline constexpr std::string_view prologue_label = "mutauth-pk";

static_assert(!certificates_trusted || max_certificate_size == max_credential_size,
              "a certificate must fit the identity proof's credential field");

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
    sodium_memzero(out_.data(), out_.size());
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
    // Prologue: label | version | u8 length | channel binding (Noise §6; spec §3.3).
    std::array<std::uint8_t, prologue_label.size() + 2 + max_channel_binding> p{};
    std::size_t n = 0;
    for (char c : prologue_label) p[n++] = static_cast<std::uint8_t>(c);
    p[n++] = protocol_version;
    p[n++] = static_cast<std::uint8_t>(channel_binding.size());
    for (auto b : channel_binding) p[n++] = b;
    if (auto hs = nz::HandshakeState::create_in(noise_, r, bytes_view(p.data(), n)); !hs) {
      err_ = hs.error_value();
      return;
    }
    if (id.certificate.empty()) return;
#if MUTAUTH_PK_TRUST_CERTIFICATES
    check_own_certificate();
#else
    err_ =
        error(errc::invalid_argument,
              "an identity certificate is configured, and this build trusts pinned keys only",
              "leave Identity::certificate empty, or build with MUTAUTH_PK_TRUST_CERTIFICATES=1");
#endif
  }

  // A pinned-only build (limits.hpp) has no code to check a CA, a KRL or a cached CA signature:
  // configuring one is refused rather than silently ignored.
  template <class Trust>
  void refuse_certificate_trust(const Trust& t) noexcept {
    if (certificates_trusted || err_) return;
    if (!t.authorities.empty() || t.revoked != nullptr || t.cert_cache != nullptr)
      err_ = error(errc::invalid_argument,
                   "a certificate authority, KRL or verify cache is configured, and this build "
                   "trusts pinned keys only",
                   "trust pinned keys only, or build with MUTAUTH_PK_TRUST_CERTIFICATES=1");
  }

#if MUTAUTH_PK_TRUST_CERTIFICATES
  // Our certificate must parse and certify our identity key: a proof signed by one key carrying
  // a certificate for another would only ever be refused by the peer (spec §5.2).
  void check_own_certificate() noexcept {
    auto c = parse_certificate(id_.certificate);
    if (!c) {
      err_ = about("identity certificate: ", c.error_value());
      own_cert_refused_ = true;
      return;
    }
    own_cert_principals_ = c->principal_count;
    if (c->principal_count == 1) own_cert_principal_ = c->principals()[0];
    for (std::string_view p : c->principals())
      own_cert_lists_name_ = own_cert_lists_name_ || p == id_.name;
    if (!same_key(c->key, id_.key->public_key())) {
      err_ = error(errc::key_mismatch, "identity certificate certifies ",
                   "use the -cert.pub file made from this key's .pub");
      err_.append(fingerprint(c->key).view());
      err_.append(", not the identity key ");
      err_.append(fingerprint(id_.key->public_key()).view());
      own_cert_refused_ = true;
    }
  }
#endif

  [[nodiscard]] static bool same_key(const Ed25519PublicKey& a,
                                     const Ed25519PublicKey& b) noexcept {
    return sodium_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
  }

  // Prefixes a credential error with whose credential it is, keeping code and hint.
  [[nodiscard]] static error about(std::string_view whose, const error& inner) noexcept {
    error e(inner.code(), whose);
    e.append(inner.detail());
    if (!inner.hint().empty()) e.with_hint(inner.hint().data());
    return e;
  }

  // Pinned keys are subject to the KRL too (explicit key / SHA256 sections).
  [[nodiscard]] static result<void> check_key_revoked(const Krl* krl, const Ed25519PublicKey& key,
                                                      std::string_view what) noexcept {
#if MUTAUTH_PK_TRUST_CERTIFICATES
    if (krl == nullptr) return ok();
    return krl->check_key(key, what);
#else
    // refuse_certificate_trust() refused a configured KRL when the handshake was built.
    (void)krl, (void)key, (void)what;
    return ok();
#endif
  }

 public:
#ifdef MUTAUTH_TESTING_ONLY_HOOKS
  /// TEST BUILDS ONLY: use this X25519 private key as our ephemeral, so that the spec's test
  /// vectors (tests/pk/vectors/) can be reproduced. Before our first message.
  [[nodiscard]] result<void> set_fixed_ephemeral_for_testing_only(
      std::span<const std::uint8_t, nz::dhlen> secret) noexcept {
    if (!noise_) return error(errc::wrong_state, "no handshake state");
    return noise_->set_fixed_ephemeral_for_testing_only(secret);
  }
  /// TEST BUILDS ONLY: send the configured certificate although check_own_certificate()
  /// refused it (it does not parse, or certifies another key than the identity key), so that
  /// tests can show the PEER refuses such a proof.
  void send_unchecked_certificate_for_testing_only() noexcept {
    if (own_cert_refused_) err_ = error{};
  }
#endif

 protected:
  // Checks the clear header of an incoming message.
  [[nodiscard]] result<bytes_view> open_header(bytes_view msg,
                                               std::uint8_t expected) const noexcept {
    if (msg.size() < header_size)
      return error(errc::truncated, "mutauth-pk message shorter than its header");
    if (msg[0] != protocol_version) {
      error e(errc::version_mismatch, "the message carries version ",
              "upgrade the older side; both must speak mutauth-pk/1");
      mutauth::detail::fixed_string<3> version;
      (void)version.append_uint(msg[0]);  // fits: a byte has three digits
      e.append(version.view());
      e.append("; this side speaks 1");
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

  // Builds and encrypts our proof into out_ at `at`. The signature covers label | role | h |
  // credential type | HASH(credential) | name, where h is the handshake hash just before this
  // payload is encrypted (spec §5.4).
  [[nodiscard]] result<std::size_t> write_proof(role self, std::string_view name,
                                                std::size_t at) noexcept {
    // With a certificate configured, the proof carries it (credential type 2) instead of the key.
    const bool cert = certificates_trusted && !id_.certificate.empty();
    const credential_type type =
        cert ? credential_type::openssh_certificate : credential_type::raw_ed25519;
    const bytes_view credential = cert ? id_.certificate : bytes_view(id_.key->public_key().bytes);
    std::array<std::uint8_t, max_signed_size> tbs{};
    const std::size_t n = signed_data(self, noise_->handshake_hash(), type, credential, name, tbs);
    std::array<std::uint8_t, signature_size> sig{};
    MUTAUTH_TRY(id_.key->sign(bytes_view(tbs.data(), n), sig));
    // Encoded where its ciphertext goes and encrypted in place (CipherState allows the same
    // start address): no second proof-sized buffer (docs/embedded.md, "Sizes").
    const bytes_span dst(out_.data() + at, out_.size() - at);
    const std::size_t plen = encode_proof(type, credential, name, sig, dst.first(max_proof_size));
    auto c = noise_->encrypt_and_hash(bytes_view(dst.data(), plen), dst);
    if (!c) {
      sodium_memzero(dst.data(), plen);
      return c.error_value();
    }
    return at + *c;
  }

  // Verifies the proof's signature by `key` for `sender`, over h as it was before decryption and
  // the credential the proof carries.
  [[nodiscard]] static result<void> verify_signature(const proof_view& p,
                                                     const Ed25519PublicKey& key, role sender,
                                                     bytes_view h) noexcept {
    std::array<std::uint8_t, max_signed_size> tbs{};
    const std::size_t n = signed_data(sender, h, p.type, p.credential, p.name, tbs);
    if (crypto_sign_ed25519_verify_detached(p.signature.data(), tbs.data(), n, key.bytes.data()) !=
        0)
      return error(errc::bad_signature, "identity proof signature does not verify");
    return ok();
  }

  [[nodiscard]] static result<Ed25519PublicKey> raw_key(const proof_view& p) noexcept {
    if (p.credential.size() != 32)
      return error(errc::malformed, "raw Ed25519 credential is not 32 bytes");
    Ed25519PublicKey k;
    for (std::size_t i = 0; i < 32; ++i) k.bytes[i] = p.credential[i];
    return k;
  }

  // The key schedule (spec §7): after message 4, k1, k2, exporter secret = HKDF(ck, h, 3).
  [[nodiscard]] result<void> split_keys() noexcept {
    nz::hash_bytes exporter_secret{};
    auto t = noise_->split_with_transcript(exporter_secret);
    if (!t) return t.error_value();
    keys_.assign(std::move(t->send), std::move(t->recv), exporter_secret, noise_->handshake_hash());
    sodium_memzero(exporter_secret.data(), exporter_secret.size());
    noise_.reset();
    return ok();
  }

  // Decrypts the body of message 2, 3 or 4 into out_ (whose previous token the caller no longer
  // holds: a step's token is valid until the next call), remembering h as it was before (what
  // the sender's signature covers). The proof is verified from there and the verified names
  // copied out before our next message is written over it.
  [[nodiscard]] result<std::size_t> decrypt_body(bytes_view body) noexcept {
    const auto h = noise_->handshake_hash();
    std::copy(h.begin(), h.end(), h_before_.begin());
    auto plen = noise_->decrypt_and_hash(body, bytes_span(out_.data(), max_proof_size));
    if (!plen) {
      error e = plen.error_value();
      if (e.code() == errc::decrypt_failed) e.with_hint(detail::hint_decrypt);
      return e;
    }
    return plen;
  }

  [[nodiscard]] Principal local_principal(std::string_view name) const noexcept {
    Principal p;
    p.mechanism = "mutauth-pk/1";
    (void)p.name.append(name);
    (void)p.fingerprint.append(fingerprint(id_.key->public_key()).view());
    return p;
  }

  Identity id_;
  std::optional<nz::HandshakeState> noise_;
  error err_{};  // a configuration error, reported by the first step
  SessionKeys keys_;
  std::array<std::uint8_t, nz::hashlen> h_before_{};
  // Our outgoing message, and the peer's decrypted proof or admission while it is checked.
  std::array<std::uint8_t, max_message_size> out_{};
  // Set only when err_ is check_own_certificate()'s refusal. Present in every build so that the
  // layout does not depend on MUTAUTH_TESTING_ONLY_HOOKS (one definition rule).
  bool own_cert_refused_ = false;
  // What check_own_certificate() learned of our own certificate's principals.
  std::size_t own_cert_principals_ = 0;
  // A view into id_.certificate, which outlives the handshake (Identity::certificate), not a
  // copy (docs/embedded.md, "Sizes").
  std::string_view own_cert_principal_{};
  bool own_cert_lists_name_ = false;  // Identity::name is among them
};

}  // namespace detail

/// The mechanism policy: Initiator<pk::PublicKey>, Acceptor<pk::PublicKey>, Session<pk::PublicKey>.
struct PublicKey {
  static constexpr std::string_view name = "mutauth-pk/1";
  static constexpr bool mutual_authentication = true;
  /// Message 4 is the acceptor's authenticated admission (spec §6).
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::size_t max_token_size = detail::max_message_size;
  static constexpr std::size_t max_handshake_messages = 4;

  using InitiatorConfig = pk::InitiatorConfig;
  using AcceptorConfig = pk::AcceptorConfig;
  using SessionKeys = pk::SessionKeys;

  class Initiator : public detail::Context {
    // The server's identity as verify_server() established it, compact: its name is the composed
    // target (G2: the proved name was checked against it), its fingerprint follows from the key,
    // so only the key and a certificate's key id and serial are kept; the Principal is built
    // from them when the handshake concludes (a Principal is 488 bytes on the Cortex-M4:
    // docs/embedded.md, "Sizes"). A witness as PeerVerified is (mechanism.hpp): minted only by
    // the loudly named assert_peer_verified(), on the line after the proof signature verified.
    class VerifiedServer {
     public:
      /// MUST be called only after the server's proof signature by `key` verified.
      [[nodiscard]] static VerifiedServer assert_peer_verified(const Ed25519PublicKey& key,
                                                               std::string_view key_id,
                                                               std::uint64_t serial) noexcept {
        return VerifiedServer(key, key_id, serial);
      }
      [[nodiscard]] const Ed25519PublicKey& key() const noexcept { return key_; }
      [[nodiscard]] std::string_view key_id() const noexcept { return key_id_.view(); }
      [[nodiscard]] std::uint64_t serial() const noexcept { return serial_; }

     private:
      VerifiedServer(const Ed25519PublicKey& key, std::string_view key_id,
                     std::uint64_t serial) noexcept
          : key_(key), serial_(serial) {
        (void)key_id_.append(key_id);  // fits: parse_certificate caps it at 127
      }
      Ed25519PublicKey key_;
      // A pinned-only build has no certificates, hence no key ids.
      mutauth::detail::fixed_string<certificates_trusted ? 127 : 1> key_id_{};
      std::uint64_t serial_ = 0;
    };

    // The states (spec §14.1). Each holds what the checks before it established.
    struct Start {};
    struct AwaitServerProof {};
    struct AwaitAdmission {
      // A constructor, so that variant::emplace can build it in place (C++17 aggregates cannot be
      // built from parentheses, which emplace uses, on every compiler we support).
      explicit AwaitAdmission(const VerifiedServer& s) noexcept : server(s) {}
      VerifiedServer server;  // minted in verify_server()
    };
    struct Admitted {
      VerifiedServer server;
    };
    struct Spent {};  // concluded or wiped

   public:
    Initiator(const ServicePrincipal& target, const InitiatorConfig& cfg) noexcept
        : Context(detail::nz::Role::initiator, cfg.identity, cfg.channel_binding),
          target_(target),
          trust_(cfg.trust) {
      refuse_certificate_trust(trust_);
      choose_asserted_name();
    }

    [[nodiscard]] result<mech_step> initiate() noexcept {
      if (err_) return err_;
      if (!std::holds_alternative<Start>(state_))
        return error(errc::wrong_state, "initiate() twice");
      put_header(1);
      auto n = noise_->write_message(
          {}, bytes_span(out_.data() + detail::header_size, out_.size() - detail::header_size));
      if (!n) return n.error_value();
      state_ = AwaitServerProof{};
      return mech_step{bytes_view(out_.data(), detail::header_size + *n), false};
    }

    /// Message 2 in, message 3 out; then message 4 in. Our own proof is written only after the
    /// server's verified, so our identity reaches only a server that has proven itself.
    [[nodiscard]] result<mech_step> on_token(bytes_view msg) noexcept {
      if (err_) return err_;
      if (std::holds_alternative<AwaitServerProof>(state_)) return on_message2(msg);
      if (auto* s = std::get_if<AwaitAdmission>(&state_)) return on_message4(*s, msg);
      return error(errc::unexpected_message, "mutauth-pk: no message expected in this state");
    }

    [[nodiscard]] result<Concluded<PublicKey>> conclude() && noexcept {
      auto* s = std::get_if<Admitted>(&state_);
      if (s == nullptr)
        return error(errc::wrong_state, "conclude() before the server admitted this client");
      return conclude_from(*s);
    }

    /// The names conclude() would give the Session, into its name table (handshake.hpp: the
    /// core's in-place conclusion): the server's and our principal and the target, with nothing
    /// Principal-sized on the stack. errc::too_large when they do not fit.
    [[nodiscard]] result<void> conclude_names(
        mutauth::detail::session_names& names) const noexcept {
      const auto* s = std::get_if<Admitted>(&state_);
      if (s == nullptr)
        return error(errc::wrong_state, "conclude() before the server admitted this client");
      names.clear();
      if (!put_names(names, s->server)) {
        names.clear();
        return mutauth::detail::session_names_too_large();
      }
      return ok();
    }
    /// As conclude(): the names (conclude_names()) and the keys, into the Session's storage.
    [[nodiscard]] result<void> conclude_into(mutauth::detail::session_names& names,
                                             SessionKeys& keys) && noexcept {
      MUTAUTH_TRY(conclude_names(names));
      keys = std::move(keys_);
      keys_.wipe();
      state_ = Spent{};
      return ok();
    }

    /// The service principal the client composed (G2); the core compares the conclusion with it.
    [[nodiscard]] const ServicePrincipal& target() const noexcept { return target_; }

    void wipe() noexcept {
      Context::wipe();
      state_ = Spent{};
    }

   private:
    // pk_name() equality (`svc/host[:port]`, docs/design.md §3) without rendering either name: each
    // rendering is a max_text-sized temporary in verify_server()'s frame (docs/embedded.md, "Sizes").
    // The rendering is injective (a service class has no '/', a host no ':'), so this is the same test.
    [[nodiscard]] static bool same_pk_name(const ServicePrincipal& a,
                                           const ServicePrincipal& b) noexcept {
      return a.service() == b.service() && a.host() == b.host() && a.port() == b.port();
    }
    // Appends a.pk_name() to `out` piece by piece; it fits, as pk_name() does (max_text).
    template <class String>
    static void append_pk_name(String& out, const ServicePrincipal& a) noexcept {
      (void)out.append(a.service());
      (void)out.append("/");
      (void)out.append(a.host());
      if (a.has_port()) {
        (void)out.append(":");
        (void)out.append_uint(a.port());
      }
    }

    // AwaitAdmission -> Admitted. The witness moves through a temporary (the new state replaces the
    // one holding it); out of line, so that the temporary is not in on_message4()'s frame while
    // split_keys() runs below it (docs/embedded.md, "Sizes").
    [[gnu::noinline]] void admit(AwaitAdmission& s) noexcept {
      const VerifiedServer server = s.server;
      state_.template emplace<Admitted>(Admitted{server});
    }

    // The Concluded is built inside the result the caller receives (one return, so the result is
    // the caller's own object): not a second 1.4 KB copy in conclude_session()'s frame on the
    // Cortex-M4 (docs/embedded.md, "Sizes").
    [[nodiscard]] result<Concluded<PublicKey>> conclude_from(Admitted& s) noexcept {
      result<Concluded<PublicKey>> c(std::in_place, server_principal(s.server),
                                     local_principal(asserted_), target_, std::move(keys_));
      state_ = Spent{};
      return c;
    }

    // The witness as the mechanism concept has it (mechanism.hpp), from the compact one that
    // verify_server() minted after the signature check.
    [[nodiscard]] PeerVerified<PublicKey> server_principal(const VerifiedServer& w) const noexcept {
      Principal server;
      server.mechanism = PublicKey::name;
      append_pk_name(server.name, target_);
      (void)server.fingerprint.append(fingerprint(w.key()).view());
      (void)server.key_id.append(w.key_id());
      server.serial = w.serial();
      server.has_serial = w.serial() != 0;  // 0: the CA does not number its certificates
      return PeerVerified<PublicKey>::assert_peer_verified(server);
    }

    // The names of server_principal() and local_principal(), written into the session's table:
    // the server's name is the target's pk name (`svc/host[:port]`) in pieces.
    [[gnu::noinline]] bool put_names(mutauth::detail::session_names& names,
                                     const VerifiedServer& w) const noexcept {
      mutauth::detail::fixed_string<5> port;
      if (target_.has_port()) (void)port.append_uint(target_.port());  // fits: at most 65535
      const SshFingerprint server_fp = fingerprint(w.key());
      if (!names.put_principal(
              0, PublicKey::name,
              {target_.service(), "/", target_.host(),
               target_.has_port() ? std::string_view(":") : std::string_view(), port.view()},
              {}, w.key_id(), server_fp.view(), w.serial(), w.serial() != 0))
        return false;
      const SshFingerprint own_fp = fingerprint(id_.key->public_key());
      return names.put_principal(1, PublicKey::name, {asserted_}, {}, {}, own_fp.view(), 0,
                                 false) &&
             names.put_service(target_);
    }

    // OpenSSH's rule (spec §10.2): the client names the principal it asserts; a certificate with
    // a single principal may stand for it. The server checks it; we check what we can now, so
    // that a misconfiguration says so here rather than as the server's refusal.
    // A configuration error found earlier (no key, a refused certificate) is kept: it is the
    // first thing to fix.
    void choose_asserted_name() noexcept {
      std::string_view n = id_.name;
      if (n.empty() && own_cert_principals_ == 1) n = own_cert_principal_;
      if (n.empty()) {
        if (!err_)
          err_ = error(errc::invalid_argument, "the client asserts no principal",
                       id_.certificate.empty()
                           ? "set Identity::name to the principal the server pins this key for"
                           : "set Identity::name to one of the certificate's principals");
        return;
      }
      if (n.size() > detail::max_name_size) {
        if (!err_)
          err_ = error(errc::invalid_argument, "client principal longer than a principal may be");
        return;
      }
      asserted_ = n;
      if (err_ || id_.certificate.empty()) return;
      // check_own_certificate() has parsed the certificate already: an empty name took its only
      // principal, a given one must be among them.
      const bool listed = id_.name.empty() || own_cert_lists_name_;
      if (!listed) {
        err_ = error(
            errc::invalid_argument,
            "the client's certificate does not list the principal it asserts: ",
            "assert one of the certificate's principals (ssh-keygen -L -f <cert> lists them)");
        err_.append(n);
        own_cert_refused_ = true;  // a refusal of our own certificate, as check_own_certificate()'s
      }
    }

    [[nodiscard]] result<mech_step> on_message2(bytes_view msg) noexcept {
      auto body = open_header(msg, 2);
      if (!body) return body.error_value();
      MUTAUTH_TRY(noise_->read_message2_tokens(*body));
      auto plen = decrypt_body(body->subspan(detail::nz::dhlen));
      if (!plen) return plen.error_value();
      auto server = verify_server(bytes_view(out_.data(), *plen));
      if (!server) return server.error_value();

      put_header(3);
      auto n = write_proof(role::initiator, asserted_, detail::header_size);
      if (!n) return n.error_value();
      state_.template emplace<AwaitAdmission>(*server);  // in place, no temporary
      return mech_step{bytes_view(out_.data(), *n), false};
    }

    // Message 4 (spec §6): the server's authenticated word that it verified and admitted us,
    // as the principal we asserted. Only now may the client send application data (G1).
    [[nodiscard]] result<mech_step> on_message4(AwaitAdmission& s, bytes_view msg) noexcept {
      auto body = open_header(msg, 4);
      if (!body) return body.error_value();
      auto plen = decrypt_body(*body);
      if (!plen) return plen.error_value();
      auto admitted = detail::parse_admission(bytes_view(out_.data(), *plen));
      if (!admitted) return admitted.error_value();
      if (*admitted != asserted_) {
        error e(errc::name_mismatch, "the server admitted ");
        e.append(*admitted);
        e.append(", not the principal this client asserted, ");
        e.append(asserted_);
        return e;
      }
      MUTAUTH_TRY(split_keys());
      admit(s);
      return mech_step{{}, true};
    }

    // Verification order (spec §14.1): strict parse of the proof, the proved name against the
    // composed target (G2), then for a certificate: strict parse → issuer → host certificate →
    // validity → principals → critical options → revocation → CA signature
    // (verify_host_certificate); for a raw key: the key pinned for that name → revocation; and
    // last the proof signature, by the certificate's (or pinned) key. The witness is minted
    // right after that signature check and nowhere else.
    [[nodiscard]] result<VerifiedServer> verify_server(bytes_view proof) noexcept {
      auto p = detail::parse_proof(proof);
      if (!p) return p.error_value();
      MUTAUTH_TRY(check_proved_name(p->name));
#if MUTAUTH_PK_TRUST_CERTIFICATES
      if (p->type == detail::credential_type::openssh_certificate) {
        auto cert = parse_certificate(p->credential);
        if (!cert) return about("server certificate: ", cert.error_value());
        auto v = verify_host_certificate(*cert, target_, trust_);
        if (!v) return about("server certificate: ", v.error_value());
        // A valid certificate replayed by someone without its key fails here (bad_signature).
        MUTAUTH_TRY(verify_signature(*p, v->key, role::acceptor, h_before_));
        return VerifiedServer::assert_peer_verified(v->key, v->key_id, v->serial);
      }
#endif  // a pinned-only build: parse_proof() refused a certificate
      auto key = raw_key(*p);
      if (!key) return key.error_value();
      bool pinned_name = false, pinned_key = false;
      for (const PinnedServer& pin : trust_.pinned) {
        if (!same_pk_name(pin.name, target_)) continue;
        pinned_name = true;
        if (sodium_memcmp(pin.key.bytes.data(), key->bytes.data(), 32) == 0) pinned_key = true;
      }
      if (!pinned_key) {
        error e(errc::unknown_peer_key,
                pinned_name ? "server key is not the key pinned for " : "no key is pinned for ");
        // A build without error texts (error.hpp) neither renders the name nor hashes the key
        // for a detail it drops: fingerprint() is a SHA-256 the compiler cannot elide.
        if constexpr (error::max_detail != 0) {
          e.append(target_.pk_name().view());
          e.append(" (server key ");
          e.append(fingerprint(*key).view());
          e.append(")");
        }
        return e;
      }
      MUTAUTH_TRY(check_key_revoked(trust_.revoked, *key, "server key"));
      MUTAUTH_TRY(verify_signature(*p, *key, role::acceptor, h_before_));
      return VerifiedServer::assert_peer_verified(*key, {}, 0);
    }

    // G2: the name comes from our caller; the server may only confirm it. pk names carry no
    // realm (spec §10.1): the target's realm, if the caller gave one, is for Kerberos. Out of line,
    // so that the parsed name is not in verify_server()'s frame below the signature check
    // (docs/embedded.md, "Sizes").
    [[gnu::noinline]] result<void> check_proved_name(std::string_view proved) const noexcept {
      auto claimed = ServicePrincipal::parse(proved);
      if (!claimed) {
        error e(errc::malformed, "server proved an invalid service principal: ");
        e.append(claimed.error_value().detail());
        return e;
      }
      if (claimed->has_realm())
        return error(errc::malformed,
                     "server proved a service principal with a realm; mutauth-pk names have none");
      if (!same_pk_name(*claimed, target_)) {
        error e(errc::name_mismatch, "server proved ");
        if constexpr (error::max_detail != 0) {  // as in verify_server()
          e.append(proved);
          e.append(" but the client asked for ");
          e.append(target_.pk_name().view());
        }
        return e;
      }
      return ok();
    }

    // const: the handshake core's G2 check compares the conclusion against this copy (target()),
    // so it must stay the name the caller composed.
    const ServicePrincipal target_;
    ServerTrust trust_;
    // The principal we assert: a view into Identity::name or into our certificate, both of
    // which outlive the handshake (InitiatorConfig), not a 200-byte copy.
    std::string_view asserted_{};
    std::variant<Start, AwaitServerProof, AwaitAdmission, Admitted, Spent> state_{};
  };

  class Acceptor : public detail::Context {
    // The states (spec §14.2).
    struct AwaitHello {};
    struct AwaitClientProof {};
    struct Admitting {
      explicit Admitting(PeerVerified<PublicKey>&& c) noexcept
          : client(std::move(c)) {}    // as AwaitAdmission
      PeerVerified<PublicKey> client;  // minted in verify_client()
    };
    struct Spent {};

   public:
    explicit Acceptor(const AcceptorConfig& cfg) noexcept
        : Context(detail::nz::Role::responder, cfg.identity, cfg.channel_binding),
          service_(cfg.service),
          trust_(cfg.trust) {
      refuse_certificate_trust(trust_);
    }

    [[nodiscard]] result<mech_step> on_token(bytes_view msg) noexcept {
      if (err_) return err_;
      if (std::holds_alternative<AwaitHello>(state_)) return on_message1(msg);
      if (std::holds_alternative<AwaitClientProof>(state_)) return on_message3(msg);
      return error(errc::unexpected_message, "mutauth-pk: handshake already complete");
    }

    /// The client verified; the core asks the authorization policy before message 4 leaves.
    [[nodiscard]] result<Concluded<PublicKey>> conclude() && noexcept {
      auto* s = std::get_if<Admitting>(&state_);
      if (s == nullptr)
        return error(errc::wrong_state, "conclude() before the client was verified");
      Concluded<PublicKey> c{std::move(s->client), local_principal(service_.pk_name().view()),
                             service_, std::move(keys_)};
      state_ = Spent{};
      return c;
    }

    void wipe() noexcept {
      Context::wipe();
      state_ = Spent{};
    }

   private:
    [[nodiscard]] result<mech_step> on_message1(bytes_view msg) noexcept {
      auto body = open_header(msg, 1);
      if (!body) return body.error_value();
      // read_message refuses anything but a bare `e` (errc::nonempty_first_payload): message 1
      // is clear text and carries nothing (G1, spec §4.2).
      MUTAUTH_TRY(noise_->read_message(*body, {}));
      put_header(2);
      auto t = noise_->write_message2_tokens(
          bytes_span(out_.data() + detail::header_size, out_.size() - detail::header_size));
      if (!t) return t.error_value();
      auto n = write_proof(role::acceptor, service_.pk_name().view(), detail::header_size + *t);
      if (!n) return n.error_value();
      state_ = AwaitClientProof{};
      return mech_step{bytes_view(out_.data(), *n), false};
    }

    // Message 3 in, message 4 out. The core holds message 4 back until the authorization policy
    // admits the verified client; a refused client gets an alert instead and never a Session.
    [[nodiscard]] result<mech_step> on_message3(bytes_view msg) noexcept {
      auto body = open_header(msg, 3);
      if (!body) return body.error_value();
      auto plen = decrypt_body(*body);
      if (!plen) return plen.error_value();
      auto client = verify_client(bytes_view(out_.data(), *plen));
      if (!client) return client.error_value();

      put_header(4);
      // In place, as write_proof(); the name comes from the verified Principal, not out_.
      const bytes_span dst(out_.data() + detail::header_size, out_.size() - detail::header_size);
      const std::size_t alen = detail::encode_admission(client->principal().name.view(),
                                                        dst.first(detail::max_proof_size));
      auto n = noise_->encrypt_and_hash(bytes_view(dst.data(), alen), dst);
      if (!n) return n.error_value();
      MUTAUTH_TRY(split_keys());
      state_.template emplace<Admitting>(std::move(*client));  // in place, as on_message2()
      return mech_step{bytes_view(out_.data(), detail::header_size + *n), true};
    }

    // Verification order (spec §14.2): strict parse; for a certificate verify_user_certificate
    // (issuer → user certificate → validity → principals: the asserted name must be listed and
    // allowed → critical options → revocation → CA signature), for a raw key the pin and the
    // principal it binds → revocation; then the proof signature, after which the witness is
    // minted. Authorization follows in the core (G3).
    [[nodiscard]] result<PeerVerified<PublicKey>> verify_client(bytes_view proof) noexcept {
      auto p = detail::parse_proof(proof);
      if (!p) return p.error_value();
      Principal client;
      client.mechanism = PublicKey::name;
#if MUTAUTH_PK_TRUST_CERTIFICATES
      if (p->type == detail::credential_type::openssh_certificate) {
        auto cert = parse_certificate(p->credential);
        if (!cert) return about("client certificate: ", cert.error_value());
        auto v = verify_user_certificate(*cert, trust_, p->name);
        if (!v) return about("client certificate: ", v.error_value());
        MUTAUTH_TRY(verify_signature(*p, v->key, role::initiator, h_before_));
        (void)client.name.append(v->principal);  // fits: principals are capped at max_text
        (void)client.key_id.append(v->key_id);   // fits: key ids are capped at 127
        client.serial = v->serial;
        client.has_serial = v->serial != 0;  // 0: the CA does not number its certificates
        (void)client.fingerprint.append(fingerprint(v->key).view());
        return PeerVerified<PublicKey>::assert_peer_verified(client);
      }
#endif  // a pinned-only build: parse_proof() refused a certificate
      auto key = raw_key(*p);
      if (!key) return key.error_value();
      const PinnedClient* who = nullptr;
      for (const PinnedClient& pin : trust_.pinned)
        if (sodium_memcmp(pin.key.bytes.data(), key->bytes.data(), 32) == 0 && who == nullptr)
          who = &pin;
      if (who == nullptr) {
        error e(errc::unknown_peer_key, "client key is not in the trust store (");
        e.append(fingerprint(*key).view());
        e.append(")");
        return e;
      }
      if (who->principal != p->name) {
        // Not errc::unauthorized: that code (and its alert) is kept for the policy's refusal of
        // a fully verified client, so that nothing is learned from it before the signature
        // check (spec §16).
        error e(errc::name_mismatch, "the client asserts principal ");
        e.append(p->name);
        e.append(", but its key is pinned for ");
        e.append(who->principal);
        return e;
      }
      MUTAUTH_TRY(check_key_revoked(trust_.revoked, *key, "client key"));
      MUTAUTH_TRY(verify_signature(*p, *key, role::initiator, h_before_));
      (void)client.name.append(who->principal);
      (void)client.fingerprint.append(fingerprint(*key).view());
      return PeerVerified<PublicKey>::assert_peer_verified(client);
    }

    ServicePrincipal service_;
    ClientTrust trust_;
    std::variant<AwaitHello, AwaitClientProof, Admitting, Spent> state_{};
  };
};

static_assert(Mechanism<PublicKey>);

// ---------------------------------------------------------------- configuration checks

namespace detail {

#if MUTAUTH_PK_TRUST_CERTIFICATES
// The checks every peer would make of our own certificate that do not depend on the peer's
// trust: parses, certifies `key`, of the role's type, valid now, no critical options, and a CA
// signature that verifies (docs/design.md §4). `now`/`skew` as in the trust stores.
[[nodiscard]] inline result<CertificateView> check_own_certificate_for(
    bytes_view blob, const Ed25519SecretKey& key, certificate_type want, std::uint64_t now,
    std::uint64_t skew) noexcept {
  auto c = parse_certificate(blob);
  if (!c) return c.error_value();
  if (!mutauth::pk::detail::same_key(c->key, key.public_key())) {
    error e(errc::key_mismatch, "the certificate certifies ");
    e.append(fingerprint(c->key).view());
    e.append(", not the identity key ");
    e.append(fingerprint(key.public_key()).view());
    return e.with_hint(
        "use the -cert.pub file made from this key's .pub (ssh-keygen -s ca ... KEY.pub)");
  }
  if (c->type != want)
    return want == certificate_type::host
               ? error(errc::wrong_certificate_type,
                       "a server needs a host certificate; this is a user certificate",
                       "sign the server's key with ssh-keygen -s ca -h")
               : error(errc::wrong_certificate_type,
                       "a client needs a user certificate; this is a host certificate",
                       "sign the client's key with ssh-keygen -s ca (without -h)");
  MUTAUTH_TRY(check_validity(*c, now, skew));
  MUTAUTH_TRY(check_critical_options(*c));
  MUTAUTH_TRY(check_ca_signature(*c));
  return *c;
}
#endif

// What validate() says of a certificate in a pinned-only build (limits.hpp).
[[nodiscard]] inline error certificate_not_built() noexcept {
  return error(errc::invalid_argument,
               "a certificate is configured, and this build trusts pinned keys only",
               "leave Identity::certificate empty, or build with MUTAUTH_PK_TRUST_CERTIFICATES=1");
}

}  // namespace detail

/// Whether a server configured so can ever prove `cfg.service` (run it at startup: a server
/// that cannot would otherwise fail every handshake): a key is present; a certificate, if any,
/// is a host certificate for that key, valid now (cfg.trust's clock and skew), without critical
/// options, CA-signed, and names the service — `svc/host[:port]` exactly, or the bare host name
/// for `host/<host>`, or for any service on that host when clients accept host-wide credentials
/// (`allow_host_wide_credentials`, the clients' ServerTrust setting; mutauth --host-wide).
/// Whether clients trust the CA or the pinned key is theirs to say, and not checked here.
[[nodiscard]] inline result<void> validate(const AcceptorConfig& cfg,
                                           bool allow_host_wide_credentials = false) noexcept {
  if (cfg.identity.key == nullptr)
    return error(errc::invalid_argument, "the server has no identity key",
                 "set AcceptorConfig::identity.key");
  if (cfg.identity.certificate.empty()) return ok();  // a raw key: clients pin it for the service
#if !MUTAUTH_PK_TRUST_CERTIFICATES
  (void)allow_host_wide_credentials;
  return detail::certificate_not_built();
#else
  auto c = detail::check_own_certificate_for(cfg.identity.certificate, *cfg.identity.key,
                                             certificate_type::host, detail::now(cfg.trust.now),
                                             cfg.trust.clock_skew);
  if (!c) return c.error_value();
  if (c->principal_count == 0)
    return error(errc::no_principals,
                 "the host certificate lists no principals, and clients refuse it",
                 "sign with ssh-keygen -h -n <service principal>");
  const auto want = cfg.service.pk_name();
  bool bare_host = false;
  for (std::string_view p : c->principals()) {
    if (detail::names_target(p, want.view())) return ok();
    if (p.find('/') == std::string_view::npos &&
        mutauth::detail::ascii_iequal(p, cfg.service.host())) {
      if ((cfg.service.service() == "host" && !cfg.service.has_port()) ||
          allow_host_wide_credentials)
        return ok();
      bare_host = true;
    }
  }
  error e(errc::name_mismatch, "the host certificate does not name ");
  e.append(want.view());
  detail::append_principals(e, *c);
  return e.with_hint(
      bare_host
          ? "it names the host only, which proves only host/<host> unless clients accept "
            "host-wide credentials (ServerTrust::allow_host_wide_credentials); or sign "
            "with -n <service principal>"
          : "sign the server's key with ssh-keygen -s ca -h -n <service principal>, or serve a "
            "name the certificate lists");
#endif
}

/// Whether a client configured so can ever be verified as the principal it asserts: a key is
/// present; a certificate, if any, is a user certificate for that key, valid now, without
/// critical options, CA-signed, and lists `identity.name` (or, with an empty name, exactly one
/// principal); without a certificate, the name must be set (the server maps the pinned key to
/// it). Whether the server trusts the CA or the key, and admits the name, is its to say.
[[nodiscard]] inline result<void> validate(const InitiatorConfig& cfg) noexcept {
  if (cfg.identity.key == nullptr)
    return error(errc::invalid_argument, "the client has no identity key",
                 "set InitiatorConfig::identity.key");
  if (cfg.identity.certificate.empty()) {
    if (cfg.identity.name.empty())
      return error(errc::invalid_argument, "a client with a raw key asserts no principal",
                   "set identity.name to the principal the server pins this key for");
    return ok();
  }
#if !MUTAUTH_PK_TRUST_CERTIFICATES
  return detail::certificate_not_built();
#else
  auto c = detail::check_own_certificate_for(cfg.identity.certificate, *cfg.identity.key,
                                             certificate_type::user, detail::now(cfg.trust.now),
                                             cfg.trust.clock_skew);
  if (!c) return c.error_value();
  if (c->principal_count == 0)
    return error(errc::no_principals,
                 "the user certificate lists no principals, and servers refuse it",
                 "sign with ssh-keygen -n <principal>");
  if (cfg.identity.name.empty()) {
    if (c->principal_count == 1) return ok();
    error e(errc::invalid_argument,
            "the certificate lists several principals and the client names none");
    detail::append_principals(e, *c);
    return e.with_hint("set identity.name to one of them");
  }
  for (std::string_view p : c->principals())
    if (p == cfg.identity.name) return ok();
  error e(errc::name_mismatch, "the certificate does not list the asserted principal ");
  e.append(cfg.identity.name);
  detail::append_principals(e, *c);
  return e.with_hint("assert one of the certificate's principals, or sign with -n <principal>");
#endif
}

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
