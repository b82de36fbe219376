// bench_pk — the cost of one full mutual mutauth-pk/1 handshake (both sides, in memory) against
// its CRYPTO FLOOR: the libsodium primitives the protocol cannot avoid, called back to back in
// one benchmark of the same binary and run, so handshake/floor is the overhead of everything
// that is not cryptography (state machine, parsing, copies, wiping). Target: <= 1.10.
//
// The floor, derived from the code (pk.hpp, noise/handshake_state.hpp, noise/cipher_state.hpp,
// noise/primitives.hpp), per side; both sides do the same count:
//   * X25519: 1 ephemeral key generation (randombytes_buf(32) + crypto_scalarmult_curve25519_base,
//     KeyPair::generate) and 1 DH (mix_ee).
//   * Ed25519: 1 sign (write_proof) and, pinned mode, 1 verify (verify_signature); CA mode adds
//     the certificate's verify (2 per side; BM_floor_pk_ca): the CA key over the peer
//     certificate's signed bytes (check_ca_signature in certificate.hpp).
//   * BLAKE2b HASH (h = HASH(h || data)), 6 calls:
//       MixHash(prologue)                    HandshakeState::create         64 + 12 bytes
//       MixHash(e) of the side's own e       write_tokens                   64 + 32
//       MixHash(re) of the peer's e          read_tokens                    64 + 32
//       MixHash(empty ciphertext) of msg 1   encrypt_and_hash / decrypt_and_hash with no key yet
//                                            (Noise hashes the empty payload too)  64 + 0
//       MixHash(ciphertext of msg 2 proof)   encrypt_and_hash / decrypt_and_hash   64 + |c2|
//       MixHash(ciphertext of msg 3 proof)   ditto                                 64 + |c3|
//     The prologue is "mutauth-pk" | version | u8 length | channel binding (none) = 12 bytes; the
//     protocol name (33 bytes) fits in HASHLEN, so InitializeSymmetric hashes nothing.
//   * HMAC-BLAKE2b: 2 HKDF(·, ·, 2) — MixKey(DH) for `ee` and Split() — of 3 HMAC each = 6 HMAC,
//     each HMAC = 2 BLAKE2b (inner over 128-byte pad || data, outer over 128 || 64):
//       HMAC(ck, ikm)        inner 128 + |ikm| (32 for ee, 0 for Split), outer 192
//       HMAC(tk, 0x01)       inner 129,                                 outer 192
//       HMAC(tk, o1 || 0x02) inner 193,                                 outer 192
//   * ChaCha20-Poly1305 IETF: 1 encrypt of the side's own proof, 1 decrypt of the peer's, with
//     ad = h (64 bytes).
// Total per handshake: 2 keygen, 2 DH, 2 sign, 2 verify (pinned), 12 HASH + 12 HMAC = 36 BLAKE2b
// calls, 2 AEAD encrypt + 2 AEAD decrypt. The message and proof sizes are not assumed: main()
// runs one real handshake and takes them from its messages. The CA-mode floor does the same with
// a real CA-mode handshake: its proofs carry the certificates, so its msg-2/msg-3 ciphertexts
// (HASH and AEAD input) are ~3-4x longer, and its extra verifies run over the real certificates'
// signed bytes with the real CA key — the floor of the exact handshake BM_pk_handshake_ca times.
//
// Not in the floor, by design (they are what the ratio measures): SHA-256 fingerprints of the
// keys for Principal (4 per handshake), name parsing, the state machine, copies and wiping.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <cstdio>
#include <cstring>
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
struct FloorInputs {
  std::size_t c2 = 0;  // ciphertext of the server's proof in message 2 (proof + tag)
  std::size_t c3 = 0;  // ciphertext of the client's proof in message 3
  // Per side (0 = initiator, 1 = responder): the Ed25519 key, the bytes it signs, a valid
  // signature over them (the verify must take the success path, as in a real handshake).
  std::array<std::array<std::uint8_t, 64>, 2> ed_sk{};
  std::array<std::array<std::uint8_t, 32>, 2> ed_pk{};
  std::array<std::array<std::uint8_t, pkd::max_signed_size>, 2> tbs{};
  std::array<std::size_t, 2> tbs_len{};
  std::array<std::array<std::uint8_t, 64>, 2> sig{};
  // CA mode only: each side's certificate (0 = the client's user certificate, 1 = the server's
  // host certificate) as its peer verifies it — the bytes the CA signed, its signature, CA key.
  bool ca = false;
  std::array<std::vector<std::uint8_t>, 2> cert_tbs{};
  std::array<std::array<std::uint8_t, 64>, 2> cert_sig{};
  std::array<std::uint8_t, 32> ca_pk{};
  // The peer's X25519 public key each side runs its DH against (a valid point).
  std::array<std::array<std::uint8_t, 32>, 2> peer_x{};
  // AEAD: a key, ad = h, each side's proof plaintext and its valid ciphertext.
  std::array<std::uint8_t, 32> k{};
  std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 64> ad{};
  std::array<std::vector<std::uint8_t>, 2> plain{};
  std::array<std::vector<std::uint8_t>, 2> cipher{};
  // Zeros to feed BLAKE2b; the primitive's cost does not depend on the bytes.
  std::array<std::uint8_t, 512> zeros{};
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
  if constexpr (std::is_same_v<F, PkCaFixture>) {
    in.ca = true;
    if (!load_cert(in, 0, f.client_cert) || !load_cert(in, 1, f.server_cert)) return in;
  }
  // Message 2 = header(2) | e(32) | c2; message 3 = header(2) | c3 (pk.hpp).
  in.c2 = in.wire.msg[1] - pkd::header_size - pkd::nz::dhlen;
  in.c3 = in.wire.msg[2] - pkd::header_size;
  const std::size_t proof_len[2] = {in.c3 - 16, in.c2 - 16};  // initiator's, responder's
  const std::array<std::uint8_t, 32> seeds[2] = {{2}, {1}};
  for (int side = 0; side < 2; ++side) {
    crypto_sign_ed25519_seed_keypair(in.ed_pk[side].data(), in.ed_sk[side].data(), seeds[side].data());
    // The exact bytes the library signs: label | 0 | role | h | name (the server proves the name).
    const std::array<std::uint8_t, 64> h{};
    in.tbs_len[side] = pkd::signed_data(side == 0 ? role::initiator : role::acceptor, h,
                                        side == 0 ? std::string_view{} : target_text, in.tbs[side]);
    crypto_sign_ed25519_detached(in.sig[side].data(), nullptr, in.tbs[side].data(), in.tbs_len[side],
                                 in.ed_sk[side].data());
    std::array<std::uint8_t, 32> x_sk{};
    randombytes_buf(x_sk.data(), x_sk.size());
    crypto_scalarmult_curve25519_base(in.peer_x[1 - side].data(), x_sk.data());
    in.plain[side].assign(proof_len[side], 0x5a);
    in.cipher[side].resize(proof_len[side] + 16);
  }
  randombytes_buf(in.k.data(), in.k.size());
  for (int side = 0; side < 2; ++side) {
    unsigned long long clen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(in.cipher[side].data(), &clen, in.plain[side].data(),
                                              in.plain[side].size(), in.ad.data(), in.ad.size(),
                                              nullptr, in.nonce.data(), in.k.data());
  }
  // A floor whose verifies fail would time the failure path: check them all once here.
  for (int side = 0; side < 2 && in.ca; ++side) {
    if (crypto_sign_ed25519_verify_detached(in.cert_sig[side].data(), in.cert_tbs[side].data(),
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

// HKDF(ck, ikm, 2) of Noise §4.3 as bare primitive calls: 3 HMAC = 6 BLAKE2b.
inline void hkdf2_floor(const FloorInputs& in, std::uint8_t* out, std::size_t ikm_len) noexcept {
  const std::uint8_t* z = in.zeros.data();
  blake2b(out, z, blake2b_block + ikm_len);  // HMAC(ck, ikm): inner
  blake2b(out, z, blake2b_block + hash_len);  //                 outer
  blake2b(out, z, blake2b_block + 1);         // HMAC(tk, 0x01)
  blake2b(out, z, blake2b_block + hash_len);
  blake2b(out, z, blake2b_block + hash_len + 1);  // HMAC(tk, o1 || 0x02)
  blake2b(out, z, blake2b_block + hash_len);
}

// Exactly the primitive sequence of one handshake, both sides (see the header comment); with
// CA inputs, plus the verify of the peer's certificate by the CA key.
// Returns false if any primitive reports failure (a bug in the setup, not a timing).
bool floor_once(const FloorInputs& in) noexcept {
  std::array<std::uint8_t, 32> x_sk{}, x_pk{}, shared{};
  std::array<std::uint8_t, 64> sig{}, h{};
  std::array<std::uint8_t, pk::max_certificate_size + 256> buf{};  // a proof with a certificate
  bool ok = true;
  for (int side = 0; side < 2; ++side) {
    const int peer = 1 - side;
    // X25519: ephemeral keygen, then ee.
    randombytes_buf(x_sk.data(), x_sk.size());
    ok &= crypto_scalarmult_curve25519_base(x_pk.data(), x_sk.data()) == 0;
    ok &= crypto_scalarmult_curve25519(shared.data(), x_sk.data(), in.peer_x[side].data()) == 0;
    // Ed25519: our proof's signature, the peer's proof's verify, in CA mode the peer's
    // certificate's verify.
    crypto_sign_ed25519_detached(sig.data(), nullptr, in.tbs[side].data(), in.tbs_len[side],
                                 in.ed_sk[side].data());
    ok &= crypto_sign_ed25519_verify_detached(in.sig[peer].data(), in.tbs[peer].data(),
                                              in.tbs_len[peer], in.ed_pk[peer].data()) == 0;
    if (in.ca)
      ok &= crypto_sign_ed25519_verify_detached(in.cert_sig[peer].data(), in.cert_tbs[peer].data(),
                                                in.cert_tbs[peer].size(), in.ca_pk.data()) == 0;
    // HASH: prologue, e, re, empty msg-1 payload, msg-2 ciphertext, msg-3 ciphertext.
    blake2b(h.data(), in.zeros.data(), hash_len + prologue_len);
    blake2b(h.data(), in.zeros.data(), hash_len + 32);
    blake2b(h.data(), in.zeros.data(), hash_len + 32);
    blake2b(h.data(), in.zeros.data(), hash_len);
    blake2b(h.data(), in.zeros.data(), hash_len + in.c2);
    blake2b(h.data(), in.zeros.data(), hash_len + in.c3);
    // HKDF: MixKey(DH) and Split().
    hkdf2_floor(in, h.data(), 32);
    hkdf2_floor(in, h.data(), 0);
    // AEAD: seal our proof, open the peer's.
    unsigned long long n = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(buf.data(), &n, in.plain[side].data(),
                                              in.plain[side].size(), in.ad.data(), in.ad.size(),
                                              nullptr, in.nonce.data(), in.k.data());
    ok &= crypto_aead_chacha20poly1305_ietf_decrypt(buf.data(), &n, nullptr, in.cipher[peer].data(),
                                                    in.cipher[peer].size(), in.ad.data(),
                                                    in.ad.size(), in.nonce.data(), in.k.data()) == 0;
  }
  benchmark::DoNotOptimize(shared.data());
  benchmark::DoNotOptimize(sig.data());
  benchmark::DoNotOptimize(h.data());
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
  state.counters["flights"] = wire.flights;
}
void BM_pk_handshake_pinned(benchmark::State& state) { BM_pk_handshake(state, fixture()); }
// CA mode (DESIGN §4 trust (a)): both sides prove OpenSSH certificates from one Ed25519 CA
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
  run_paired(state, [&] { return run_pk_handshake(f); }, [&] { return floor_once(in); }, "handshake",
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
    benchmark::DoNotOptimize(crypto_scalarmult_curve25519(out.data(), sk.data(), in.peer_x[0].data()));
    benchmark::ClobberMemory();
  }
  per_handshake(state, 2);
}
void BM_prim_ed25519_sign(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  std::array<std::uint8_t, 64> sig{};
  for (auto _ : state) {
    crypto_sign_ed25519_detached(sig.data(), nullptr, in.tbs[1].data(), in.tbs_len[1], in.ed_sk[1].data());
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
// BLAKE2b cost steps with 128-byte blocks: <= 128 bytes is one compression, 129..256 two.
// Per side, of the 18 calls: 5 fit one block (4 HASH + Split's inner HMAC over 128 + 0),
// 13 take two (2 HASH over the proof ciphertexts + 11 HMAC halves).
void BM_prim_blake2b(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  const auto n = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, 64> h{};
  for (auto _ : state) {
    blake2b(h.data(), in.zeros.data(), n);
    benchmark::DoNotOptimize(h.data());
  }
  per_handshake(state, n <= blake2b_block ? 10 : 26);
}
void BM_prim_aead_encrypt(benchmark::State& state) {
  const FloorInputs& in = floor_inputs();
  const auto side = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, 256> buf{};
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
  std::array<std::uint8_t, 256> buf{};
  for (auto _ : state) {
    unsigned long long n = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(buf.data(), &n, nullptr, in.cipher[side].data(),
                                                  in.cipher[side].size(), in.ad.data(), in.ad.size(),
                                                  in.nonce.data(), in.k.data()) != 0) {
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
  benchmark::RegisterBenchmark("BM_pk_handshake_pinned", BM_pk_handshake_pinned)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_floor_pk_pinned", BM_floor_pk_pinned)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_floor_pk_ca", BM_floor_pk_ca)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_vs_floor_paired", BM_pk_vs_floor_paired)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_handshake_ca", BM_pk_handshake_ca)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_pk_ca_vs_floor_paired", BM_pk_ca_vs_floor_paired)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_prim_randombytes_32", BM_prim_randombytes_32);
  benchmark::RegisterBenchmark("BM_prim_x25519_base", BM_prim_x25519_base);
  benchmark::RegisterBenchmark("BM_prim_x25519_dh", BM_prim_x25519_dh);
  benchmark::RegisterBenchmark("BM_prim_ed25519_sign", BM_prim_ed25519_sign);
  benchmark::RegisterBenchmark("BM_prim_ed25519_verify", BM_prim_ed25519_verify);
  benchmark::RegisterBenchmark("BM_prim_blake2b", BM_prim_blake2b)->Arg(128)->Arg(192);
  // Arg = side whose proof is processed: 0 = the client's (message 3), 1 = the server's (message 2).
  benchmark::RegisterBenchmark("BM_prim_aead_encrypt", BM_prim_aead_encrypt)->Arg(0)->Arg(1);
  benchmark::RegisterBenchmark("BM_prim_aead_decrypt", BM_prim_aead_decrypt)->Arg(0)->Arg(1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
