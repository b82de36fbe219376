// Constant-time check in the style of ctgrind (A. Langley, 2010): secrets are marked *undefined*
// with memcheck client requests, so that valgrind reports every conditional jump, and every
// memory address, that depends on them ("Conditional jump or move depends on uninitialised
// value(s)"). Run under `valgrind --error-exitcode=1` (CTest does), any report fails the test.
//
// What is secret here: the ephemeral X25519 keys (every byte the RNG produces), the Ed25519
// identity keys, the Noise cipher keys, and everything derived from them — chaining keys, the
// handshake hash, the session keys. What becomes public, and where it is declassified (marked
// defined again), each at the libsodium boundary by a wrapper below, never inside the library:
//   * a ciphertext leaving crypto_aead_chacha20poly1305_ietf_encrypt: it goes on the wire;
//   * the verdict and plaintext of crypto_aead_chacha20poly1305_ietf_decrypt: an attacker sees
//     accept/reject anyway, and the plaintext is the peer's message, delivered to its reader
//     (how the library parses a proof or the application reads a record is not a secret-key
//     operation);
//   * X25519 and Ed25519 public keys: public by definition;
//   * the verdict of crypto_scalarmult_curve25519 (all-zero shared secret): it says only that
//     the peer's public point has small order;
//   * Ed25519 signatures: they are sent (inside the AEAD).
// What is checked is therefore that no secret reaches a branch or an address in between: key
// comparisons (sodium_memcmp, pk's same_key), the Poly1305 tag check inside libsodium
// (crypto_verify_16), Noise's HMAC/HKDF, X25519, Ed25519 signing, the handshake state machine
// and the session record layer. libsodium's own branch on the tag verdict is the one
// suppression (ctgrind.supp, with its reason).
//
// `ctgrind_check --negative-control` runs a deliberately leaky comparison on secret keys; CTest
// expects valgrind to flag it, which shows that this check can fail.
#include <dlfcn.h>
#include <sodium.h>
#include <valgrind/memcheck.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/pk.hpp"

using namespace mutauth;

namespace {

template <class T>
void secret(T* p, std::size_t n) {
  (void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}
template <class T>
void declassify(T* p, std::size_t n) {
  (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
}
template <class T>
void declassify(T& v) {
  declassify(&v, sizeof v);
}

int g_failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ctgrind: FAILED: %s\n", what);
    ++g_failures;
  }
}

template <class F>
F real(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "ctgrind: cannot find libsodium's %s\n", name);
    std::abort();
  }
  return reinterpret_cast<F>(f);
}

// ---- deterministic RNG whose every output is secret (NO SECURITY: this test program only) ----

std::uint64_t g_counter = 0;
void rng_buf(void* const buf, const std::size_t size) {
  std::uint8_t seed[randombytes_SEEDBYTES] = {'c', 't', 'g', 'r', 'i', 'n', 'd'};
  std::memcpy(seed + 24, &g_counter, sizeof g_counter);
  ++g_counter;
  randombytes_buf_deterministic(buf, size, seed);
  secret(static_cast<std::uint8_t*>(buf), size);
}
std::uint32_t rng_random() {
  std::uint32_t v = 0;
  rng_buf(&v, sizeof v);
  declassify(v);  // libsodium uses randombytes_random only for public choices
  return v;
}
const char* rng_name() { return "ctgrind-deterministic (NO SECURITY)"; }
randombytes_implementation g_rng = {rng_name, rng_random, nullptr, nullptr, rng_buf, nullptr};

}  // namespace

// ---- declassification wrappers: the executable's definitions take precedence over
// libsodium's for every call the (header-only) library makes; each forwards to libsodium. ----
extern "C" {

int crypto_aead_chacha20poly1305_ietf_encrypt(unsigned char* c, unsigned long long* clen_p,
                                              const unsigned char* m, unsigned long long mlen,
                                              const unsigned char* ad, unsigned long long adlen,
                                              const unsigned char* nsec, const unsigned char* npub,
                                              const unsigned char* k) {
  using fn = decltype(&crypto_aead_chacha20poly1305_ietf_encrypt);
  static const fn f = real<fn>("crypto_aead_chacha20poly1305_ietf_encrypt");
  const int r = f(c, clen_p, m, mlen, ad, adlen, nsec, npub, k);
  // The ciphertext goes on the wire.
  declassify(c, static_cast<std::size_t>(mlen + crypto_aead_chacha20poly1305_ietf_ABYTES));
  return r;
}

int crypto_aead_chacha20poly1305_ietf_decrypt(unsigned char* m, unsigned long long* mlen_p,
                                              unsigned char* nsec, const unsigned char* c,
                                              unsigned long long clen, const unsigned char* ad,
                                              unsigned long long adlen, const unsigned char* npub,
                                              const unsigned char* k) {
  using fn = decltype(&crypto_aead_chacha20poly1305_ietf_decrypt);
  static const fn f = real<fn>("crypto_aead_chacha20poly1305_ietf_decrypt");
  int r = f(m, mlen_p, nsec, c, clen, ad, adlen, npub, k);
  // The verdict is public (the peer sees whether we go on); the plaintext is delivered.
  declassify(r);
  if (mlen_p != nullptr) declassify(*mlen_p);
  if (m != nullptr && clen >= crypto_aead_chacha20poly1305_ietf_ABYTES)
    declassify(m, static_cast<std::size_t>(clen - crypto_aead_chacha20poly1305_ietf_ABYTES));
  return r;
}

int crypto_scalarmult_curve25519(unsigned char* q, const unsigned char* n, const unsigned char* p) {
  using fn = decltype(&crypto_scalarmult_curve25519);
  static const fn f = real<fn>("crypto_scalarmult_curve25519");
  int r = f(q, n, p);
  declassify(r);  // "the shared secret is all zero" depends only on the public point p
  return r;
}

int crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n) {
  using fn = decltype(&crypto_scalarmult_curve25519_base);
  static const fn f = real<fn>("crypto_scalarmult_curve25519_base");
  int r = f(q, n);
  declassify(q, crypto_scalarmult_curve25519_BYTES);  // an X25519 public key
  declassify(r);
  return r;
}

int crypto_sign_ed25519_seed_keypair(unsigned char* pk, unsigned char* sk,
                                     const unsigned char* seed) {
  using fn = decltype(&crypto_sign_ed25519_seed_keypair);
  static const fn f = real<fn>("crypto_sign_ed25519_seed_keypair");
  int r = f(pk, sk, seed);
  declassify(pk, crypto_sign_ed25519_PUBLICKEYBYTES);  // an Ed25519 public key
  // The secret key's second half is the public key (libsodium's layout).
  declassify(sk + crypto_sign_ed25519_SEEDBYTES, crypto_sign_ed25519_PUBLICKEYBYTES);
  declassify(r);
  return r;
}

int crypto_sign_ed25519_detached(unsigned char* sig, unsigned long long* siglen_p,
                                 const unsigned char* m, unsigned long long mlen,
                                 const unsigned char* sk) {
  using fn = decltype(&crypto_sign_ed25519_detached);
  static const fn f = real<fn>("crypto_sign_ed25519_detached");
  int r = f(sig, siglen_p, m, mlen, sk);
  declassify(sig, crypto_sign_ed25519_BYTES);  // a signature is sent
  declassify(r);
  return r;
}

}  // extern "C"

namespace {

bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

pk::Ed25519SecretKey secret_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  secret(seed.data(), seed.size());
  auto k = pk::Ed25519SecretKey::from_seed(seed);
  if (!k) std::abort();
  return std::move(*k);
}

// 1. Key comparison: pk's same_key (certificate.hpp, the CA lookups) and sodium_memcmp as the
//    pinned-key checks in pk.hpp call it, on keys marked secret. Only the verdict is public.
void check_key_comparison() {
  pk::Ed25519PublicKey a{}, b{}, c{};
  for (std::size_t i = 0; i < 32; ++i) {
    a.bytes[i] = static_cast<std::uint8_t>(i);
    b.bytes[i] = static_cast<std::uint8_t>(i);
    c.bytes[i] = static_cast<std::uint8_t>(i == 31 ? 0xff : i);  // differs only at the end
  }
  secret(a.bytes.data(), 32);
  secret(b.bytes.data(), 32);
  secret(c.bytes.data(), 32);
  bool same = pk::detail::same_key(a, b);
  bool differ = !pk::detail::same_key(a, c);
  int memcmp_same = sodium_memcmp(a.bytes.data(), b.bytes.data(), 32);
  declassify(same);
  declassify(differ);
  declassify(memcmp_same);
  expect(same && differ && memcmp_same == 0, "same_key / sodium_memcmp on secret keys");
}

// 2. MAC check: a Noise CipherState decrypting a genuine and a tampered message, key and tag
//    secret. The Poly1305 tag comparison (crypto_verify_16) must not branch on either.
void check_tag_comparison() {
  namespace nz = mutauth::noise;
  std::array<std::uint8_t, nz::keylen> key{};
  randombytes_buf(key.data(), key.size());  // secret (the RNG marks it)
  nz::CipherState sender(key), receiver(key);
  static constexpr std::string_view msg = "a record under a secret key";
  std::array<std::uint8_t, msg.size() + nz::taglen> ct{};
  auto n = sender.encrypt_with_ad(
      {}, bytes_view(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), ct);
  expect(n && *n == ct.size(), "CipherState encrypt");
  std::array<std::uint8_t, msg.size()> pt{};
  for (int tamper = 1; tamper >= 0; --tamper) {
    auto copy = ct;
    if (tamper) copy[copy.size() - 1] ^= 0x01;
    secret(copy.data() + msg.size(), nz::taglen);  // the tag, marked secret
    auto r = receiver.decrypt_with_ad({}, copy, pt);
    expect(static_cast<bool>(r) == !tamper,
           tamper ? "tampered tag refused" : "genuine tag accepted");
  }
}

// 3. A whole mutauth-pk/1 handshake and a session, every secret marked: ephemerals (RNG),
//    identity keys, and all that derives from them. Tokens are on the wire: public.
void check_handshake() {
  const pk::Ed25519SecretKey server = secret_key(1);
  const pk::Ed25519SecretKey client = secret_key(2);
  const ServicePrincipal target = *ServicePrincipal::parse("host/server.example.test");
  const std::array<pk::PinnedServer, 1> server_pins{{{target, server.public_key()}}};
  const std::array<pk::PinnedClient, 1> client_pins{{{"alice", client.public_key()}}};
  const pk::InitiatorConfig icfg{
      .identity = {&client, "alice"}, .trust = {server_pins}, .channel_binding = {}};
  const pk::AcceptorConfig acfg{
      .identity = {&server, {}}, .service = target, .trust = {client_pins}, .channel_binding = {}};
  auto i = std::make_unique<Initiator<pk::PublicKey>>(target, icfg);
  auto a = std::make_unique<Acceptor<pk::PublicKey>>(acfg, allow_alice);

  auto wire = [](bytes_view t) {
    std::vector<std::uint8_t> v(t.begin(), t.end());
    declassify(v.data(), v.size());
    return v;
  };
  step_result r = i->step();
  expect(r.st == status::send, "message 1");
  r = a->step(wire(r.token));
  expect(r.st == status::send, "message 2");
  r = i->step(wire(r.token));
  expect(r.st == status::send, "message 3");
  r = a->step(wire(r.token));
  expect(r.st == status::done && !r.token.empty(), "message 4 (admission), acceptor done");
  r = i->step(wire(r.token));
  expect(r.st == status::done && r.token.empty(), "initiator done");
  auto cs = std::move(*i).finish();
  auto ss = std::move(*a).finish();
  expect(cs && ss, "sessions");
  if (!cs || !ss) return;
  for (int k = 0; k < 3; ++k) {
    static constexpr std::string_view msg = "record";
    std::array<std::uint8_t, msg.size() + Session<pk::PublicKey>::seal_overhead> rec{};
    auto n =
        cs->seal(bytes_view(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), rec);
    expect(static_cast<bool>(n), "seal");
    std::array<std::uint8_t, msg.size() + Session<pk::PublicKey>::seal_overhead -
                                 Session<pk::PublicKey>::open_overhead>
        out{};
    auto m = ss->open(wire(bytes_view(rec.data(), n ? *n : 0)), out);
    expect(m && m->type == content_type::data && m->size == msg.size() &&
               std::memcmp(out.data(), msg.data(), msg.size()) == 0,
           "open");
  }
  // The sealed close: its content type is inside the AEAD too.
  std::array<std::uint8_t, Session<pk::PublicKey>::seal_overhead> fin{};
  auto c = cs->close(fin);
  expect(static_cast<bool>(c), "close");
  std::array<std::uint8_t, Session<pk::PublicKey>::seal_overhead> out{};
  auto m = ss->open(wire(bytes_view(fin.data(), c ? *c : 0)), out);
  expect(m && m->type == content_type::close && ss->peer_closed(), "open close");
  std::array<std::uint8_t, 32> ek{};
  expect(static_cast<bool>(cs->export_keying_material("ctgrind", ek)), "exporter");
}

// The negative control: an early-exit comparison, the textbook timing leak. Valgrind must
// report a conditional jump on uninitialised values in this function (CTest checks its name).
__attribute__((noinline)) bool ctgrind_negative_control_branch(const std::uint8_t* a,
                                                               const std::uint8_t* b,
                                                               std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!RUNNING_ON_VALGRIND) {
    std::puts("ctgrind_check: not running under valgrind; nothing is checked (SKIP)");
    return 77;
  }
  randombytes_set_implementation(&g_rng);  // before sodium_init, libsodium's rule
  if (sodium_init() < 0) return 2;
  if (argc > 1 && std::string_view(argv[1]) == "--negative-control") {
    std::array<std::uint8_t, 32> a{}, b{};
    b[31] = 1;
    secret(a.data(), a.size());
    secret(b.data(), b.size());
    bool eq = ctgrind_negative_control_branch(a.data(), b.data(), a.size());
    declassify(eq);
    std::printf("ctgrind_check: negative control ran (equal: %d); valgrind must have flagged it\n",
                eq);
    return 0;
  }
  check_key_comparison();
  check_tag_comparison();
  check_handshake();
  if (g_failures != 0) return 1;
  std::puts(
      "ctgrind_check: all checks ran; valgrind decides whether secrets stayed out of branches");
  return 0;
}
