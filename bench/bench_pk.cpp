// bench_pk — the cost of one full mutual mutauth-pk/1 handshake (both sides, in memory: four
// messages, finish() on both) against its CRYPTO FLOOR: the libsodium primitives the protocol
// cannot avoid, called back to back in one benchmark of the same binary and run, so
// handshake/floor is the overhead of everything that is not cryptography (state machine,
// parsing, copies, wiping). Target (issue 12): <= 1.10. The handshakes run without the
// verified-certificate cache (pk/verify_cache.hpp; cert_cache stays null in pk_fixture.hpp), so
// CA mode verifies both CA signatures every time, as its floor does; bench_server measures the
// cache.
//
// The floor is what docs/protocol/mutauth-pk.md makes ANY implementation compute, as bare
// libsodium calls (crypto_scalarmult_curve25519[_base], crypto_sign_ed25519_*,
// crypto_generichash_blake2b, crypto_aead_chacha20poly1305_ietf_*, randombytes_buf) on inputs
// prepared before timing: no mutauth code runs in it. Per side:
//   * X25519 (§2.4, §4.2, §4.3): 1 ephemeral key generation (randombytes_buf(32) +
//     crypto_scalarmult_curve25519_base; "ephemeral key pairs are generated fresh for every
//     handshake") and 1 DH, DH_ee.
//   * Ed25519 (§2.6, §5.4): 1 sign of the side's own proof, 1 verify of the peer's. CA mode
//     (§11.3 host certificate at the client, §11.4 user certificate at the server) adds 1 verify
//     per side: the CA key over the peer certificate's signed bytes (BM_floor_pk_ca).
//   * HASH = BLAKE2b-512 (§2.1), 9 calls:
//       MixHash(prologue)                     §3.3: "mutauth-pk" | 0x01 | u8 0 = 12 B    64 + 12
//       MixHash(e_I), MixHash(e_R)            §4.2, §4.3 (own e written, peer's read)   2 x (64 + 32)
//       MixHash(empty) of message 1           §3.2, §4.2: no key yet, h = HASH(h)          64
//       MixHash(c2), MixHash(c3), MixHash(c4) §3.2 EncryptAndHash / DecryptAndHash of the
//                                             server's proof, the client's proof and the
//                                             admission                        64 + |c2|, |c3|, |c4|
//       HASH(credential) twice                §5.4: the signer hashes its own credential into
//                                             signed_data, the verifier hashes the credential
//                                             the proof carried         |raw key| = 32, or |certificate|
//     The protocol name (33 bytes) fits in HASHLEN, so InitializeSymmetric hashes nothing (§3.2).
//   * HMAC-BLAKE2b (§2.2; 2 BLAKE2b each: inner over the 128-byte pad | data, outer 128 + 64):
//       MixKey(DH_ee) = HKDF(ck0, DH_ee, 2)   §3.2, §4.6: 3 HMAC, inner 128 + 32, 129, 193
//       split = HKDF(ck1, h_final, 3)         §7: transcript-bound, 4 HMAC, inner 128 + 64, 129,
//                                             193, 193 (out3 is the exporter secret xs)
//   * ChaCha20-Poly1305 IETF (§2.5), ad = h (64 B, §3.2): the side's own proof encrypted and the
//     peer's decrypted (c2 at n = 0, c3 at n = 1), and message 4's admission (§4.5, §6, n = 2):
//     encrypted by the server, decrypted by the client.
// Total per handshake: 2 keygen, 2 DH, 2 sign, 2 verify (pinned; 4 in CA mode), 18 HASH + 14 HMAC
// = 46 BLAKE2b calls, 3 AEAD encrypt + 3 AEAD decrypt. Against the 3-message format this adds
// message 4 (1 encrypt, 1 decrypt, 2 MixHash), the third HKDF output and the 64-byte ikm of the
// split (2 HMAC halves more, one inner HMAC a block longer), and HASH(credential) in each signed
// and each verified proof (4 BLAKE2b).
// Sizes are not assumed: main() runs one real handshake per mode and takes |c2|, |c3|, |c4|, the
// credentials (raw keys, or the real ssh-keygen certificates in CA mode) and the names from it, so
// the CA-mode floor hashes and encrypts the ~3-4x longer certificate-carrying proofs and verifies
// the real certificates' signed bytes with the real CA key — the floor of the exact handshake
// BM_pk_handshake_ca times.
//
// Not in the floor, by design (they are what the ratio measures): SHA-256 fingerprints of the
// keys for Principal (4 per handshake), name and certificate parsing, the state machine, copies
// and wiping (sodium_memzero), HMAC's key padding.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <type_traits>
#include <vector>

#include <sodium.h>

#include "paired.hpp"
#include "pk_fixture.hpp"

namespace mutauth {
inline namespace v0 {
namespace bench {
namespace {

namespace pkd = pk::detail;
constexpr std::size_t blake2b_block = 128;
constexpr std::size_t hash_len = 64;
constexpr std::size_t prologue_len = 10 + 1 + 1;  // "mutauth-pk" | version | cb length

const PkFixture& fixture() {
  static const PkFixture f;
  return f;
}
// Built on first use (ssh-keygen runs then), so `--benchmark_filter` runs that skip CA mode
// do not pay for it.
const PkCaFixture& ca_fixture() {
  static const PkCaFixture f;
  return f;
}

// ---------------------------------------------------------------------------------------------
// The floor's inputs, prepared once so that the timed loop is nothing but primitive calls.
// AEAD payload index: 0 = the client's proof (message 3), 1 = the server's proof (message 2),
// 2 = the server's admission (message 4). Side index: 0 = initiator, 1 = acceptor.
constexpr int admission = 2;

struct FloorInputs {
  std::size_t c2 = 0;  // ciphertext of the server's proof in message 2 (proof + tag)
  std::size_t c3 = 0;  // ciphertext of the client's proof in message 3
  std::size_t c4 = 0;  // ciphertext of the admission in message 4
  // Per side: the Ed25519 key, the bytes it signs, a valid signature over them (the verify must
  // take the success path, as in a real handshake), and the credential its proof carries (what
  // HASH(credential) of signed_data covers: the raw key, or the certificate in CA mode).
  std::array<std::array<std::uint8_t, 64>, 2> ed_sk{};
  std::array<std::array<std::uint8_t, 32>, 2> ed_pk{};
  std::array<std::array<std::uint8_t, pkd::max_signed_size>, 2> tbs{};
  std::array<std::size_t, 2> tbs_len{};
  std::array<std::array<std::uint8_t, 64>, 2> sig{};
  std::array<std::vector<std::uint8_t>, 2> credential{};
  // CA mode only: each side's certificate (0 = the client's user certificate, 1 = the server's
  // host certificate) as its peer verifies it — the bytes the CA signed, its signature, CA key.
  bool ca = false;
  std::array<std::vector<std::uint8_t>, 2> cert_tbs{};
  std::array<std::array<std::uint8_t, 64>, 2> cert_sig{};
  std::array<std::uint8_t, 32> ca_pk{};
  // The peer's X25519 public key each side runs its DH against (a valid point).
  std::array<std::array<std::uint8_t, 32>, 2> peer_x{};
  // AEAD: a key, ad = h, each payload's plaintext and its valid ciphertext.
  std::array<std::uint8_t, 32> k{};
  std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 64> ad{};
  std::array<std::vector<std::uint8_t>, 3> plain{};
  std::array<std::vector<std::uint8_t>, 3> cipher{};
  // Zeros to feed BLAKE2b (the primitive's cost does not depend on the bytes); long enough for
  // MixHash(h | c) of the longest message.
  std::array<std::uint8_t, hash_len + pkd::max_message_size> zeros{};
  PkWire wire{};
  bool ok = false;
};

// The certificate verify of CA mode, exactly as check_ca_signature() calls it.
bool load_cert(FloorInputs& in, int side, bytes_view blob) {
  auto c = pk::parse_certificate(blob);
  if (!c || c->signature.size() != 64) return false;
  in.cert_tbs[side].assign(c->signed_data.begin(), c->signed_data.end());
  std::copy(c->signature.begin(), c->signature.end(), in.cert_sig[side].begin());
  in.ca_pk = c->signature_key.bytes;
  return true;
}

template <class F>
FloorInputs make_floor_inputs(const F& f) {
  FloorInputs in;
  if (!f.ok || !run_pk_handshake(f, &in.wire)) return in;
  pkd::credential_type type = pkd::credential_type::raw_ed25519;
  if constexpr (std::is_same_v<F, PkCaFixture>) {
    in.ca = true;
    type = pkd::credential_type::openssh_certificate;
    if (!load_cert(in, 0, f.client_cert) || !load_cert(in, 1, f.server_cert)) return in;
    in.credential[0].assign(f.client_cert.begin(), f.client_cert.end());
    in.credential[1].assign(f.server_cert.begin(), f.server_cert.end());
  } else {
    const auto& ck = f.client_key->public_key().bytes;
    const auto& sk = f.server_key->public_key().bytes;
    in.credential[0].assign(ck.begin(), ck.end());
    in.credential[1].assign(sk.begin(), sk.end());
  }
  // Message 2 = header(2) | e(32) | c2; messages 3 and 4 = header(2) | c3 / c4 (spec §4.3-§4.5).
  in.c2 = in.wire.msg[1] - pkd::header_size - pkd::nz::dhlen;
  in.c3 = in.wire.msg[2] - pkd::header_size;
  in.c4 = in.wire.msg[3] - pkd::header_size;
  const std::size_t ct_len[3] = {in.c3, in.c2, in.c4};
  const std::array<std::uint8_t, 32> seeds[2] = {{2}, {1}};
  // The names the proofs carry: the client's asserted principal, the server's service principal.
  const std::string_view names[2] = {f.icfg.identity.name, target_text};
  for (int side = 0; side < 2; ++side) {
    crypto_sign_ed25519_seed_keypair(in.ed_pk[side].data(), in.ed_sk[side].data(),
                                     seeds[side].data());
    // The exact bytes a proof signs (spec §5.4): label | 0 | role | h | credential type |
    // HASH(credential) | u16 name length | name. Built here, untimed; the floor times the
    // HASH(credential) it contains separately, as raw BLAKE2b calls.
    const std::array<std::uint8_t, 64> h{};
    in.tbs_len[side] = pkd::signed_data(side == 0 ? role::initiator : role::acceptor, h, type,
                                        in.credential[side], names[side], in.tbs[side]);
    crypto_sign_ed25519_detached(in.sig[side].data(), nullptr, in.tbs[side].data(),
                                 in.tbs_len[side], in.ed_sk[side].data());
    std::array<std::uint8_t, 32> x_sk{};
    randombytes_buf(x_sk.data(), x_sk.size());
    crypto_scalarmult_curve25519_base(in.peer_x[1 - side].data(), x_sk.data());
  }
  randombytes_buf(in.k.data(), in.k.size());
  for (int i = 0; i < 3; ++i) {
    if (ct_len[i] < 16) return in;
    in.plain[i].assign(ct_len[i] - 16, 0x5a);
    in.cipher[i].resize(ct_len[i]);
    unsigned long long clen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(in.cipher[i].data(), &clen, in.plain[i].data(),
                                              in.plain[i].size(), in.ad.data(), in.ad.size(),
                                              nullptr, in.nonce.data(), in.k.data());
  }
  // A floor whose verifies fail would time the failure path: check them all once here.
  for (int side = 0; side < 2; ++side) {
    if (crypto_sign_ed25519_verify_detached(in.sig[side].data(), in.tbs[side].data(),
                                            in.tbs_len[side], in.ed_pk[side].data()) != 0)
      return in;
    if (in.ca &&
        crypto_sign_ed25519_verify_detached(in.cert_sig[side].data(), in.cert_tbs[side].data(),
                                            in.cert_tbs[side].size(), in.ca_pk.data()) != 0)
      return in;
  }
  in.ok = true;
  return in;
}

const FloorInputs& floor_inputs() {
  static const FloorInputs in = make_floor_inputs(fixture());
  return in;
}
const FloorInputs& ca_floor_inputs() {
  static const FloorInputs in = make_floor_inputs(ca_fixture());
  return in;
}

// One BLAKE2b-512 over n bytes, the way the library's HASH and each half of HMAC cost it.
inline void blake2b(std::uint8_t* out, const std::uint8_t* in, std::size_t n) noexcept {
  crypto_generichash_blake2b(out, hash_len, in, n, nullptr, 0);
}

// HKDF(ck, ikm, n) of Noise §4.3 / spec §2.3 as bare primitive calls: n + 1 HMAC = 2n + 2
// BLAKE2b (each HMAC: inner over the 128-byte pad | data, outer over the pad | inner digest).
inline void hkdf_floor(const FloorInputs& in, std::uint8_t* out, std::size_t ikm_len,
                       int outputs) noexcept {
  const std::uint8_t* z = in.zeros.data();
  blake2b(out, z, blake2b_block + ikm_len);   // temp = HMAC(ck, ikm): inner
  blake2b(out, z, blake2b_block + hash_len);  //                       outer
  blake2b(out, z, blake2b_block + 1);         // out1 = HMAC(temp, 0x01)
  blake2b(out, z, blake2b_block + hash_len);
  blake2b(out, z, blake2b_block + hash_len + 1);  // out2 = HMAC(temp, out1 | 0x02)
  blake2b(out, z, blake2b_block + hash_len);
  if (outputs == 3) {
    blake2b(out, z, blake2b_block + hash_len + 1);  // out3 = HMAC(temp, out2 | 0x03)
    blake2b(out, z, blake2b_block + hash_len);
  }
}

// Exactly the primitive sequence of one handshake, both sides (see the header comment); with
// CA inputs, plus the verify of the peer's certificate by the CA key.
// Returns false if any primitive reports failure (a bug in the setup, not a timing).
bool floor_once(const FloorInputs& in) noexcept {
  std::array<std::uint8_t, 32> x_sk{}, x_pk{}, shared{};
  std::array<std::uint8_t, 64> sig{}, h{}, cred_hash{};
  std::array<std::uint8_t, pkd::max_proof_size + 16> buf{};  // a proof with a certificate
  bool ok = true;
  for (int side = 0; side < 2; ++side) {
    const int peer = 1 - side;
    // X25519 (§2.4): ephemeral keygen, then DH_ee.
    randombytes_buf(x_sk.data(), x_sk.size());
    ok &= crypto_scalarmult_curve25519_base(x_pk.data(), x_sk.data()) == 0;
    ok &= crypto_scalarmult_curve25519(shared.data(), x_sk.data(), in.peer_x[side].data()) == 0;
    // Ed25519 (§5.4): HASH(own credential) into signed_data, then our proof's signature; HASH of
    // the peer's credential into its signed_data, then the verify; in CA mode the peer's
    // certificate's verify by the CA key (§11.3 / §11.4).
    blake2b(cred_hash.data(), in.credential[side].data(), in.credential[side].size());
    crypto_sign_ed25519_detached(sig.data(), nullptr, in.tbs[side].data(), in.tbs_len[side],
                                 in.ed_sk[side].data());
    blake2b(cred_hash.data(), in.credential[peer].data(), in.credential[peer].size());
    ok &= crypto_sign_ed25519_verify_detached(in.sig[peer].data(), in.tbs[peer].data(),
                                              in.tbs_len[peer], in.ed_pk[peer].data()) == 0;
    if (in.ca)
      ok &= crypto_sign_ed25519_verify_detached(in.cert_sig[peer].data(), in.cert_tbs[peer].data(),
                                                in.cert_tbs[peer].size(), in.ca_pk.data()) == 0;
    // MixHash (§3.2, §4.6): prologue, e_I, e_R, empty msg-1 payload, c2, c3, c4.
    blake2b(h.data(), in.zeros.data(), hash_len + prologue_len);
    blake2b(h.data(), in.zeros.data(), hash_len + 32);
    blake2b(h.data(), in.zeros.data(), hash_len + 32);
    blake2b(h.data(), in.zeros.data(), hash_len);
    blake2b(h.data(), in.zeros.data(), hash_len + in.c2);
    blake2b(h.data(), in.zeros.data(), hash_len + in.c3);
    blake2b(h.data(), in.zeros.data(), hash_len + in.c4);
    // HKDF: MixKey(DH_ee) (2 outputs) and the transcript-bound split HKDF(ck1, h_final, 3) (§7).
    hkdf_floor(in, h.data(), 32, 2);
    hkdf_floor(in, h.data(), hash_len, 3);
    // AEAD (§2.5, ad = h): seal our proof, open the peer's; message 4's admission is sealed by
    // the server and opened by the client (§4.5).
    unsigned long long n = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(buf.data(), &n, in.plain[side].data(),
                                              in.plain[side].size(), in.ad.data(), in.ad.size(),
                                              nullptr, in.nonce.data(), in.k.data());
    ok &= crypto_aead_chacha20poly1305_ietf_decrypt(
              buf.data(), &n, nullptr, in.cipher[peer].data(), in.cipher[peer].size(), in.ad.data(),
              in.ad.size(), in.nonce.data(), in.k.data()) == 0;
    if (side == 1)
      crypto_aead_chacha20poly1305_ietf_encrypt(
          buf.data(), &n, in.plain[admission].data(), in.plain[admission].size(), in.ad.data(),
          in.ad.size(), nullptr, in.nonce.data(), in.k.data());
    else
      ok &= crypto_aead_chacha20poly1305_ietf_decrypt(
                buf.data(), &n, nullptr, in.cipher[admission].data(), in.cipher[admission].size(),
                in.ad.data(), in.ad.size(), in.nonce.data(), in.k.data()) == 0;
  }
  benchmark::DoNotOptimize(shared.data());
  benchmark::DoNotOptimize(sig.data());
  benchmark::DoNotOptimize(h.data());
  benchmark::DoNotOptimize(cred_hash.data());
  benchmark::DoNotOptimize(buf.data());
  return ok;
}

void set_rate(benchmark::State& state) {
  // Rate counters divide by CPU time, so this is handshakes per second per core.
  state.counters["handshakes_per_s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------------------------------------
template <class F>
void BM_pk_handshake(benchmark::State& state, const F& f) {
  PkWire wire;
  if (!f.ok || !run_pk_handshake(f, &wire)) {
    state.SkipWithError(f.ok ? "pk handshake failed" : "fixture setup failed (see stderr)");
    return;
  }
  for (auto _ : state) {
    if (!run_pk_handshake(f)) {
      state.SkipWithError("pk handshake failed");
      break;
    }
  }
  set_rate(state);
  state.counters["bytes_on_wire"] = static_cast<double>(wire.total());
  state.counters["msg1_bytes"] = static_cast<double>(wire.msg[0]);
  state.counters["msg2_bytes"] = static_cast<double>(wire.msg[1]);
  state.counters["msg3_bytes"] = static_cast<double>(wire.msg[2]);
  state.counters["msg4_bytes"] = static_cast<double>(wire.msg[3]);
  state.counters["c2s_bytes"] = static_cast<double>(wire.client_to_server());
  state.counters["s2c_bytes"] = static_cast<double>(wire.server_to_client());
  state.counters["flights"] = wire.flights;
}
void BM_pk_handshake_pinned(benchmark::State& state) { BM_pk_handshake(state, fixture()); }
// CA mode (docs/protocol/mutauth-pk.md §11): both sides prove OpenSSH certificates from one Ed25519 CA
// (PkCaFixture). Compared with BM_floor_pk_ca, the floor of this exact handshake.
void BM_pk_handshake_ca(benchmark::State& state) { BM_pk_handshake(state, ca_fixture()); }

void BM_floor(benchmark::State& state, const FloorInputs& in) {
  if (!in.ok || !floor_once(in)) {
    state.SkipWithError("floor setup failed");
    return;
  }
  for (auto _ : state) {
    if (!floor_once(in)) {
      state.SkipWithError("a primitive failed");
      break;
    }
  }
  set_rate(state);
}
void BM_floor_pk_pinned(benchmark::State& state) { BM_floor(state, floor_inputs()); }
void BM_floor_pk_ca(benchmark::State& state) { BM_floor(state, ca_floor_inputs()); }

// The same ratio measured so that load from other processes cancels out (paired.hpp).
template <class F>
void BM_paired(benchmark::State& state, const F& f, const FloorInputs& in) {
  if (!f.ok || !in.ok) {
    state.SkipWithError("setup failed");
    return;
  }
  run_paired(
      state, [&] { return run_pk_handshake(f); }, [&] { return floor_once(in); }, "handshake",
      "floor", "handshake or floor failed");
}
void BM_pk_vs_floor_paired(benchmark::State& state) { BM_paired(state, fixture(), floor_inputs()); }
void BM_pk_ca_vs_floor_paired(benchmark::State& state) {
  BM_paired(state, ca_fixture(), ca_floor_inputs());
}

// ---- the breakdown: one benchmark per primitive; `per_handshake` is its count in the pinned
// floor, so the report can show count x time and check that the parts add up to the floor.
void per_handshake(benchmark::State& state, double n) { state.counters["per_handshake"] = n; }

void BM_prim_randombytes_32(benchmark::State& state) {
  std::array<std::uint8_t, 32> b{};
  for (auto _ : state) {
    randombytes_buf(b.data(), b.size());
    benchmark::DoNotOptimize(b.data());
  }
  per_handshake(state, 2);
}
void BM_prim_x25519_base(benchmark::State& state) {
  std::array<std::uint8_t, 32> sk{7}, pk{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_scalarmult_curve25519_base(pk.data(), sk.data()));
    benchmark::ClobberMemory();
  }
  per_handshake(state, 2);
}
void BM_prim_x25519_dh(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  std::array<std::uint8_t, 32> sk{7}, out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crypto_scalarmult_curve25519(out.data(), sk.data(), in.peer_x[0].data()));
    benchmark::ClobberMemory();
  }
  per_handshake(state, 2);
}
void BM_prim_ed25519_sign(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  std::array<std::uint8_t, 64> sig{};
  for (auto _ : state) {
    crypto_sign_ed25519_detached(sig.data(), nullptr, in.tbs[1].data(), in.tbs_len[1],
                                 in.ed_sk[1].data());
    benchmark::DoNotOptimize(sig.data());
  }
  per_handshake(state, 2);
}
void BM_prim_ed25519_verify(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  for (auto _ : state) {
    const int r = crypto_sign_ed25519_verify_detached(in.sig[1].data(), in.tbs[1].data(),
                                                      in.tbs_len[1], in.ed_pk[1].data());
    if (r != 0) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  per_handshake(state, 2);
}
// BLAKE2b cost steps with 128-byte blocks: <= 128 bytes is one compression, 129..256 two. The
// counts come from the lengths floor_once() hashes (pinned mode: per side the prologue, both e,
// the empty payload, c4 and both 32-byte raw-key credentials fit one block; c2, c3 and all 14 HMAC
// halves take two), so that they follow the message sizes instead of being assumed.
std::vector<std::size_t> blake2b_lengths(const FloorInputs& in) {
  std::vector<std::size_t> v;
  for (int side = 0; side < 2; ++side) {
    v.push_back(in.credential[side].size());
    v.push_back(in.credential[1 - side].size());
    for (std::size_t n :
         {prologue_len, std::size_t{32}, std::size_t{32}, std::size_t{0}, in.c2, in.c3, in.c4})
      v.push_back(hash_len + n);
    for (std::size_t ikm : {std::size_t{32}, hash_len}) {  // MixKey, then the split's extra output
      for (std::size_t n : {blake2b_block + ikm, blake2b_block + 1, blake2b_block + hash_len + 1})
        v.push_back(n);
      for (int i = 0; i < 3; ++i) v.push_back(blake2b_block + hash_len);
      if (ikm == hash_len) {
        v.push_back(blake2b_block + hash_len + 1);
        v.push_back(blake2b_block + hash_len);
      }
    }
  }
  return v;
}
void BM_prim_blake2b(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  const auto n = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, 64> h{};
  for (auto _ : state) {
    blake2b(h.data(), in.zeros.data(), n);
    benchmark::DoNotOptimize(h.data());
  }
  std::size_t count = 0, unaccounted = 0;
  for (std::size_t len : blake2b_lengths(in)) {
    if (len > 2 * blake2b_block) ++unaccounted;
    else if ((len <= blake2b_block) == (n <= blake2b_block)) ++count;
  }
  per_handshake(state, static_cast<double>(count));
  // Calls longer than two blocks (none in pinned mode) would be missing from the breakdown.
  if (unaccounted != 0) state.counters["calls_over_2_blocks"] = static_cast<double>(unaccounted);
}
void BM_prim_aead_encrypt(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  const auto side = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, pkd::max_proof_size + 16> buf{};
  for (auto _ : state) {
    unsigned long long n = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(buf.data(), &n, in.plain[side].data(),
                                              in.plain[side].size(), in.ad.data(), in.ad.size(),
                                              nullptr, in.nonce.data(), in.k.data());
    benchmark::DoNotOptimize(buf.data());
  }
  state.counters["plaintext_bytes"] = static_cast<double>(in.plain[side].size());
  per_handshake(state, 1);
}
void BM_prim_aead_decrypt(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  const auto side = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, pkd::max_proof_size + 16> buf{};
  for (auto _ : state) {
    unsigned long long n = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            buf.data(), &n, nullptr, in.cipher[side].data(), in.cipher[side].size(), in.ad.data(),
            in.ad.size(), in.nonce.data(), in.k.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.counters["ciphertext_bytes"] = static_cast<double>(in.cipher[side].size());
  per_handshake(state, 1);
}

}  // namespace
}  // namespace bench
}  // namespace v0
}  // namespace mutauth

int main(int argc, char** argv) {
  using namespace mutauth::bench;
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // The handshake and its floor first, in microseconds; then the breakdown in nanoseconds.
  benchmark::RegisterBenchmark("BM_pk_handshake_pinned", BM_pk_handshake_pinned)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_floor_pk_pinned", BM_floor_pk_pinned)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_floor_pk_ca", BM_floor_pk_ca)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_vs_floor_paired", BM_pk_vs_floor_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_handshake_ca", BM_pk_handshake_ca)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_ca_vs_floor_paired", BM_pk_ca_vs_floor_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_prim_randombytes_32", BM_prim_randombytes_32);
  benchmark::RegisterBenchmark("BM_prim_x25519_base", BM_prim_x25519_base);
  benchmark::RegisterBenchmark("BM_prim_x25519_dh", BM_prim_x25519_dh);
  benchmark::RegisterBenchmark("BM_prim_ed25519_sign", BM_prim_ed25519_sign);
  benchmark::RegisterBenchmark("BM_prim_ed25519_verify", BM_prim_ed25519_verify);
  benchmark::RegisterBenchmark("BM_prim_blake2b", BM_prim_blake2b)->Arg(128)->Arg(192);
  // Arg = payload: 0 = the client's proof (message 3), 1 = the server's proof (message 2),
  // 2 = the server's admission (message 4).
  benchmark::RegisterBenchmark("BM_prim_aead_encrypt", BM_prim_aead_encrypt)
      ->Arg(0)
      ->Arg(1)
      ->Arg(2);
  benchmark::RegisterBenchmark("BM_prim_aead_decrypt", BM_prim_aead_decrypt)
      ->Arg(0)
      ->Arg(1)
      ->Arg(2);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
