// TEST ONLY: an independent model of mutauth-pk/1 written from docs/protocol/mutauth-pk.md (§3,
// §4, §5, §6, §7, §8.1, §17), used by make_pk_vectors.cpp (to fill in the values the library does
// not expose) and by test_pk_vectors.cpp (to recompute every vector field from the file's inputs).
//
// It deliberately uses nothing of the pk mechanism but the Noise primitives of
// mutauth/noise/primitives.hpp (HASH, HMAC-BLAKE2b, HKDF) and libsodium (X25519, Ed25519,
// ChaCha20-Poly1305): no HandshakeState, no proof encoder, no SessionKeys. Where the library and
// this model disagree, one of them does not follow the spec.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sodium.h>

#include "mutauth/noise/primitives.hpp"

namespace mutauth::testing::pkspec {

using bytes = std::vector<std::uint8_t>;
namespace nz = mutauth::noise;

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }
inline bytes u8(std::size_t v) { return bytes{static_cast<std::uint8_t>(v)}; }
inline bytes u16(std::size_t v) {
  return bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// §2.1 HASH = BLAKE2b-512.
inline bytes HASH(const bytes& x) {
  nz::hash_bytes h{};
  nz::hash(h, {nz::bytes_view(x)});
  return bytes(h.begin(), h.end());
}
// §2.2 HMAC-BLAKE2b.
inline bytes HMAC(const bytes& key, const bytes& data) {
  nz::hash_bytes h{};
  nz::hmac_blake2b(h, key, {nz::bytes_view(data)});
  return bytes(h.begin(), h.end());
}
// §2.3 Noise HKDF with 2 or 3 outputs.
inline std::vector<bytes> HKDF(const bytes& ck, const bytes& ikm, int n) {
  if (ck.size() != nz::hashlen) throw std::logic_error("HKDF: chaining key is not 64 bytes");
  std::vector<bytes> out;
  if (n == 2) {
    std::array<nz::hash_bytes, 2> o{};
    nz::hkdf<2>(std::span<const std::uint8_t, nz::hashlen>(ck.data(), nz::hashlen), ikm, o);
    for (auto& x : o) out.emplace_back(x.begin(), x.end());
  } else {
    std::array<nz::hash_bytes, 3> o{};
    nz::hkdf<3>(std::span<const std::uint8_t, nz::hashlen>(ck.data(), nz::hashlen), ikm, o);
    for (auto& x : o) out.emplace_back(x.begin(), x.end());
  }
  return out;
}
inline bytes first32(const bytes& b) { return bytes(b.begin(), b.begin() + 32); }

// §2.4 X25519.
inline bytes x25519_public(const bytes& priv) {
  bytes pub(32);
  if (priv.size() != 32 || crypto_scalarmult_curve25519_base(pub.data(), priv.data()) != 0)
    throw std::runtime_error("X25519 base");
  return pub;
}
inline bytes DH(const bytes& priv, const bytes& pub) {
  bytes out(32);
  if (priv.size() != 32 || pub.size() != 32 ||
      crypto_scalarmult_curve25519(out.data(), priv.data(), pub.data()) != 0)
    throw std::runtime_error("X25519: all-zero output");
  return out;
}
// §2.5 ChaCha20-Poly1305 IETF, nonce = 4 zero bytes | u64le n.
inline bytes ENCRYPT(const bytes& k, std::uint64_t n, const bytes& ad, const bytes& p) {
  std::array<std::uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  bytes c(p.size() + 16);
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(c.data(), &clen, p.data(), p.size(), ad.data(),
                                            ad.size(), nullptr, nonce.data(), k.data());
  c.resize(clen);
  return c;
}
inline bytes DECRYPT(const bytes& k, std::uint64_t n, const bytes& ad, const bytes& c) {
  std::array<std::uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  if (c.size() < 16) throw std::runtime_error("DECRYPT: shorter than a tag");
  bytes p(c.size() - 16);
  unsigned long long plen = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(p.data(), &plen, nullptr, c.data(), c.size(),
                                                ad.data(), ad.size(), nonce.data(), k.data()) != 0)
    throw std::runtime_error("DECRYPT: tag does not verify");
  p.resize(plen);
  return p;
}
// §2.6 Ed25519 (RFC 8032) from a 32-byte seed.
struct Ed25519 {
  bytes pub = bytes(32), sk = bytes(64);
  explicit Ed25519(const bytes& seed) {
    if (seed.size() != 32) throw std::runtime_error("Ed25519 seed is not 32 bytes");
    crypto_sign_ed25519_seed_keypair(pub.data(), sk.data(), seed.data());
  }
  bytes sign(const bytes& m) const {
    bytes sig(64);
    crypto_sign_ed25519_detached(sig.data(), nullptr, m.data(), m.size(), sk.data());
    return sig;
  }
};
inline bool VERIFY(const bytes& pub, const bytes& m, const bytes& sig) {
  return sig.size() == 64 && pub.size() == 32 &&
         crypto_sign_ed25519_verify_detached(sig.data(), m.data(), m.size(), pub.data()) == 0;
}

inline constexpr std::string_view protocol_name = "Noise_NN_25519_ChaChaPoly_BLAKE2b";

// §3.3
inline bytes prologue(const bytes& cb) {
  return cat({text("mutauth-pk"), u8(1), u8(cb.size()), cb});
}

// §5.4
inline bytes signed_data(int role, const bytes& h, int ctype, const bytes& cred,
                         const std::string& name) {
  return cat({text("mutauth-pk/1 identity proof"), u8(0), u8(role), h, u8(ctype), HASH(cred),
              u16(name.size()), text(name)});
}
// §5.1; credential type 2 when a certificate is given, else 1 (the raw 32-byte key).
inline bytes make_proof(int role, const bytes& h, const Ed25519& id, const bytes& cert,
                        const std::string& name) {
  const int ctype = cert.empty() ? 1 : 2;
  const bytes& cred = cert.empty() ? id.pub : cert;
  const bytes sig = id.sign(signed_data(role, h, ctype, cred, name));
  return cat({u8(1), u8(ctype), u16(cred.size()), cred, u16(name.size()), text(name), sig});
}
// §6
inline bytes make_admission(const std::string& name) {
  return cat({u8(1), u16(name.size()), text(name)});
}

// §7.2
inline bytes exporter(const bytes& xs, const std::string& label, const bytes& context,
                      std::size_t L) {
  const bytes info = cat({text("mutauth-pk/1 exporter"), u8(label.size()), text(label),
                          u16(context.size()), context, u16(L)});
  bytes out, t;
  for (std::size_t i = 1; out.size() < L; ++i) {
    t = HMAC(xs, cat({t, info, u8(i)}));
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(L);
  return out;
}
// §8.1: inner = content | type, EncryptWithAd(empty, inner) with the direction's counter n.
inline bytes seal_record(const bytes& k, std::uint64_t n, const bytes& content, std::uint8_t type) {
  return ENCRYPT(k, n, {}, cat({content, u8(type)}));
}

/// Everything a handshake vector fixes.
struct Inputs {
  bytes client_seed, server_seed;  // Ed25519 identity seeds
  bytes client_eph, server_eph;    // X25519 ephemeral private keys
  bytes cb;                        // channel_binding_input (prologue cb)
  std::string target;              // the server's canonical service principal
  std::string client_name;         // the principal the client asserts
  bytes client_cert, server_cert;  // OpenSSH certificate blobs, or empty for raw keys
  bool admitted = true;            // false: the acceptor's policy refuses the client
};

/// Everything the spec derives from them (§4.6 names in comments).
struct Derived {
  bytes client_pub, server_pub, e_I, e_R, prologue;
  bytes h_initial;                         // h0
  bytes h_after_prologue;                  // h1
  bytes msg1, h_after_msg1;                // h3
  bytes dh_ee, ck_after_ee, k_handshake;   // ck1, k
  bytes h_server_signs;                    // h_R = h4
  bytes proof_server, msg2, h_after_msg2;  // h5 = h_I
  bytes proof_client, msg3, h_after_msg3;  // h6
  bytes admission, msg4, h_after_msg4;     // h7 (admitted only)
  bytes h_final, k_i2r, k_r2i, exporter_secret, channel_binding;
};

/// The initiator's and acceptor's computation of §17, with both sides' secrets (so each value
/// is computed once; the wire bytes are the same whoever computes them).
inline Derived run(const Inputs& in) {
  Derived d;
  const Ed25519 client(in.client_seed), server(in.server_seed);
  d.client_pub = client.pub;
  d.server_pub = server.pub;
  d.e_I = x25519_public(in.client_eph);
  d.e_R = x25519_public(in.server_eph);
  d.prologue = prologue(in.cb);

  // §3.2 InitializeSymmetric: the name is shorter than 64 bytes, so h0 = name | zeros.
  bytes h = text(protocol_name);
  h.resize(64, 0);
  d.h_initial = h;
  bytes ck = h;
  auto mix_hash = [&h](const bytes& x) { h = HASH(cat({h, x})); };
  mix_hash(d.prologue);
  d.h_after_prologue = h;

  // §4.2 message 1: e, EncryptAndHash(empty) without a key = MixHash(empty).
  mix_hash(d.e_I);
  mix_hash({});
  d.msg1 = cat({bytes{1, 1}, d.e_I});
  d.h_after_msg1 = h;

  // §4.3 message 2: e, ee, then EncryptAndHash(proof_R) with n = 0, ad = h_R.
  mix_hash(d.e_R);
  d.dh_ee = DH(in.server_eph, d.e_I);
  if (DH(in.client_eph, d.e_R) != d.dh_ee) throw std::logic_error("X25519 not symmetric");
  auto kk = HKDF(ck, d.dh_ee, 2);
  ck = kk[0];
  d.ck_after_ee = ck;
  d.k_handshake = first32(kk[1]);
  d.h_server_signs = h;
  d.proof_server = make_proof(2, h, server, in.server_cert, in.target);
  const bytes c2 = ENCRYPT(d.k_handshake, 0, h, d.proof_server);
  mix_hash(c2);
  d.msg2 = cat({bytes{1, 2}, d.e_R, c2});
  d.h_after_msg2 = h;

  // §4.4 message 3: EncryptAndHash(proof_I) with n = 1, ad = h_I.
  d.proof_client = make_proof(1, h, client, in.client_cert, in.client_name);
  const bytes c3 = ENCRYPT(d.k_handshake, 1, h, d.proof_client);
  mix_hash(c3);
  d.msg3 = cat({bytes{1, 3}, c3});
  d.h_after_msg3 = h;
  if (!in.admitted) return d;

  // §4.5 message 4: EncryptAndHash(admission) with n = 2, ad = h6.
  d.admission = make_admission(in.client_name);
  const bytes c4 = ENCRYPT(d.k_handshake, 2, h, d.admission);
  mix_hash(c4);
  d.msg4 = cat({bytes{1, 4}, c4});
  d.h_after_msg4 = h;

  // §7 transcript-bound split.
  d.h_final = h;
  auto o = HKDF(ck, h, 3);
  d.k_i2r = first32(o[0]);
  d.k_r2i = first32(o[1]);
  d.exporter_secret = o[2];
  d.channel_binding = h;
  return d;
}

}  // namespace mutauth::testing::pkspec
