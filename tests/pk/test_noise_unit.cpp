// Unit tests of the Noise layer (include/mutauth/noise/).
// Built WITHOUT MUTAUTH_TESTING_ONLY_HOOKS: the handshakes here use real random ephemerals.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <sodium.h>

#include "mutauth/noise/handshake_state.hpp"
#include "support/hex.hpp"

namespace noise = mutauth::noise;
using mutauth::errc;
using bytes = std::vector<std::uint8_t>;
using mutauth::testing::unhex;

namespace {

bytes from_str(const std::string& s) { return bytes(s.begin(), s.end()); }

template <class Span>
bytes to_vec(const Span& s) {
  return bytes(s.begin(), s.end());
}

noise::hash_bytes hmac(const bytes& key, std::initializer_list<noise::bytes_view> parts) {
  noise::hash_bytes out{};
  noise::hmac_blake2b(out, key, parts);
  return out;
}

noise::HandshakeState make(noise::Role role, const std::string& prologue = "prologue") {
  auto p = from_str(prologue);
  auto r = noise::HandshakeState::create(role, p);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

// Runs both NN messages; returns message 2 as sent by the responder.
struct Pair {
  noise::HandshakeState ini = make(noise::Role::initiator);
  noise::HandshakeState res = make(noise::Role::responder);
};

bytes run_nn(Pair& p, const bytes& payload2) {
  std::array<std::uint8_t, 1024> buf{};
  std::array<std::uint8_t, 1024> pay{};
  auto m1 = p.ini.write_message({}, buf);
  REQUIRE(m1.has_value());
  REQUIRE(*m1 == 32);
  auto r1 = p.res.read_message(std::span(buf.data(), *m1), pay);
  REQUIRE(r1.has_value());
  REQUIRE(*r1 == 0);
  auto m2 = p.res.write_message(payload2, buf);
  REQUIRE(m2.has_value());
  REQUIRE(*m2 == 32 + payload2.size() + 16);
  return bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*m2));
}

}  // namespace

// The test hooks must not exist unless MUTAUTH_TESTING_ONLY_HOOKS is defined (it is not here).
// Concepts keep the expressions dependent, so a missing member is "false", not a hard error.
template <class H>
concept has_fixed_ephemeral_hook = requires(H& h, std::span<const std::uint8_t, 32> k) {
  h.set_fixed_ephemeral_for_testing_only(k);
};
template <class H>
concept has_first_payload_hook = requires(H& h) {
  h.allow_first_message_payload_for_testing_only();
};
static_assert(!has_fixed_ephemeral_hook<noise::HandshakeState>);
static_assert(!has_first_payload_hook<noise::HandshakeState>);

TEST_CASE("HMAC-BLAKE2b matches RFC 2104 computed independently", "[noise][hmac]") {
  // Expected values computed once with CPython's standard library:
  //   import hmac, hashlib; hmac.new(key, msg, hashlib.blake2b).hexdigest()
  SECTION("short key") {
    auto h = hmac(from_str("key"), {from_str("The quick brown fox jumps over the lazy dog")});
    CHECK(to_vec(h) == unhex("92294f92c0dfb9b00ec9ae8bd94d7e7d8a036b885a499f149dfe2fd2199394aa"
                             "af6b8894a1730cccb2cd050f9bcf5062a38b51b0dab33207f8ef35ae2c9df51b"));
  }
  SECTION("64-byte key (HASHLEN, as Noise uses it), empty message") {
    bytes key(64);
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
    auto h = hmac(key, {});
    CHECK(to_vec(h) == unhex("ea1896ab7c8319a824482f757c038b70089765501b1f8bdb78153d195915bd33"
                             "0bde7a8c0fb6dbf3de09277662ba661fde80017dc277309eedfe05bdf5b27e18"));
  }
  SECTION("key of exactly one block (128 bytes) is not hashed") {
    auto h = hmac(bytes(128, 0x0b), {from_str("Hi There")});
    CHECK(to_vec(h) == unhex("72de85b5dfc13a4a2e72ad43b491621cf6f5c43b532c49e140b2e9640d271e9f"
                             "d199c7aed0f8e81341f12e870d0fe247de7ee1d21f12406098b2fe4ad4b8cdb9"));
  }
  SECTION("key longer than a block is hashed first; message given in parts") {
    auto a = from_str("Test Using Larger Than Block-");
    auto b = from_str("Size Key - Hash Key First");
    auto h = hmac(bytes(131, 0xaa), {a, b});
    CHECK(to_vec(h) == unhex("a54b2943b2a20227d41ca46c0945af09bc1faefb2f49894c23aebc557fb79c48"
                             "89dca74408dc865086667aedee4a3185c53a49c80b814c4c5813ea0c8b38a8f8"));
  }
  SECTION("is not libsodium's keyed BLAKE2b") {
    auto key = from_str("key");
    auto msg = from_str("m");
    std::array<std::uint8_t, 64> keyed{};
    crypto_generichash_blake2b(keyed.data(), keyed.size(), msg.data(), msg.size(), key.data(),
                               key.size());
    CHECK(to_vec(hmac(key, {msg})) != to_vec(keyed));
  }
}

TEST_CASE("HKDF follows Noise §4.3", "[noise][hkdf]") {
  // Computed with CPython: temp = hmac(ck, ikm); o1 = hmac(temp, b'\x01');
  // o2 = hmac(temp, o1 + b'\x02'); o3 = hmac(temp, o2 + b'\x03'), all HMAC-BLAKE2b.
  noise::hash_bytes ck{};
  for (size_t i = 0; i < ck.size(); ++i) ck[i] = static_cast<std::uint8_t>(i);
  auto ikm = from_str("input key material");
  const auto o1 = unhex(
      "a94ec1ceaa5ac0280eafc97980003e4019176e4bf7c914c45fb0bbda0b22a995"
      "4d01f3697bbf32817ed0fccbf6dd1ebd24c0b05611051e63dc56e131af4f7c10");
  const auto o2 = unhex(
      "f9d83f6c5d34695529eb8e35c8a2ed78658092e7c3b38fdf0cea2a2096b6f6e5"
      "42af644e298508f37da08860db285a8ad4b604c1f160f23356df6b28c183508d");
  const auto o3 = unhex(
      "bb6f14b645bac5dd79c98ce583e3357b43b431c22400c9b79d690c1d2fe2d391"
      "ab8372b0b08553b56e802dc6badace75398c1b8a973d0aab18d857d431c3a48f");
  std::array<noise::hash_bytes, 2> two{};
  noise::hkdf(ck, ikm, two);
  CHECK(to_vec(two[0]) == o1);
  CHECK(to_vec(two[1]) == o2);
  std::array<noise::hash_bytes, 3> three{};
  noise::hkdf(ck, ikm, three);
  CHECK(to_vec(three[0]) == o1);
  CHECK(to_vec(three[1]) == o2);
  CHECK(to_vec(three[2]) == o3);
}

TEST_CASE("CipherState nonce is 32 zero bits then little-endian n (Noise §12.3)",
          "[noise][cipher]") {
  std::array<std::uint8_t, 32> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0x40 + i);
  noise::CipherState cs(key);
  cs.set_nonce(0x0102030405060708ull);
  auto pt = from_str("hello");
  auto ad = from_str("ad");
  std::array<std::uint8_t, 64> out{};
  auto r = cs.encrypt_with_ad(ad, pt, out);
  REQUIRE(r.has_value());
  REQUIRE(*r == pt.size() + 16);
  CHECK(cs.nonce() == 0x0102030405060709ull);

  const std::uint8_t nonce[12] = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  std::array<std::uint8_t, 64> ref{};
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(ref.data(), &clen, pt.data(), pt.size(), ad.data(),
                                            ad.size(), nullptr, nonce, key.data());
  CHECK(clen == *r);
  CHECK(std::memcmp(ref.data(), out.data(), clen) == 0);
}

TEST_CASE("CipherState without a key passes data through and does not count", "[noise][cipher]") {
  noise::CipherState cs;
  auto pt = from_str("clear");
  std::array<std::uint8_t, 16> out{};
  auto r = cs.encrypt_with_ad({}, pt, out);
  REQUIRE(r.has_value());
  CHECK(bytes(out.begin(), out.begin() + 5) == pt);
  CHECK(cs.nonce() == 0);
  CHECK(cs.rekey().code() == errc::wrong_state);
}

TEST_CASE("CipherState: a failed decrypt does not advance the nonce", "[noise][cipher]") {
  std::array<std::uint8_t, 32> key{};
  key[0] = 1;
  noise::CipherState tx(key), rx(key);
  auto m0 = from_str("message zero");
  auto m1 = from_str("message one");
  bytes c0(m0.size() + 16), c1(m1.size() + 16);
  REQUIRE(tx.encrypt_with_ad({}, m0, c0).has_value());
  REQUIRE(tx.encrypt_with_ad({}, m1, c1).has_value());

  bytes out(64);
  for (size_t i = 0; i < c0.size(); ++i) {
    bytes bad = c0;
    bad[i] ^= 0x01;
    auto r = rx.decrypt_with_ad({}, bad, out);
    REQUIRE(r.code() == errc::decrypt_failed);
    REQUIRE(rx.nonce() == 0);
  }
  // A wrong AD fails too, and does not count either.
  CHECK(rx.decrypt_with_ad(from_str("x"), c0, out).code() == errc::decrypt_failed);
  CHECK(rx.nonce() == 0);

  auto r0 = rx.decrypt_with_ad({}, c0, out);
  REQUIRE(r0.has_value());
  CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*r0)) == m0);
  auto r1 = rx.decrypt_with_ad({}, c1, out);
  REQUIRE(r1.has_value());
  CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*r1)) == m1);
  CHECK(rx.nonce() == 2);

  // Shorter than a tag is truncated, not a decrypt failure.
  CHECK(rx.decrypt_with_ad({}, bytes(15), out).code() == errc::truncated);
}

TEST_CASE("CipherState refuses the reserved nonce 2^64-1 (Noise §5.1)", "[noise][cipher]") {
  std::array<std::uint8_t, 32> key{};
  noise::CipherState tx(key), rx(key);
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  tx.set_nonce(max - 1);
  rx.set_nonce(max - 1);
  auto pt = from_str("last");
  bytes ct(pt.size() + 16), out(pt.size());
  REQUIRE(tx.encrypt_with_ad({}, pt, ct).has_value());
  CHECK(tx.nonce() == max);
  REQUIRE(rx.decrypt_with_ad({}, ct, out).has_value());
  CHECK(rx.nonce() == max);

  bytes ct2(pt.size() + 16, 0xee);
  auto e = tx.encrypt_with_ad({}, pt, ct2);
  CHECK(e.code() == errc::nonce_exhausted);
  CHECK(ct2 == bytes(pt.size() + 16, 0xee));  // nothing written
  CHECK(tx.nonce() == max);
  CHECK(rx.decrypt_with_ad({}, ct, out).code() == errc::nonce_exhausted);
}

TEST_CASE("buffer_too_small reports the size and changes nothing", "[noise][cipher][buffer]") {
  std::array<std::uint8_t, 32> key{};
  noise::CipherState cs(key);
  auto pt = from_str("twelve bytes");
  bytes small(pt.size() + 15, 0xaa);
  auto r = cs.encrypt_with_ad({}, pt, small);
  REQUIRE(r.code() == errc::buffer_too_small);
  CHECK(r.error_value().required_size() == pt.size() + 16);
  CHECK(small == bytes(pt.size() + 15, 0xaa));
  CHECK(cs.nonce() == 0);

  bytes ct(pt.size() + 16);
  REQUIRE(cs.encrypt_with_ad({}, pt, ct).has_value());
  noise::CipherState rx(key);
  bytes out_small(pt.size() - 1, 0xbb);
  auto d = rx.decrypt_with_ad({}, ct, out_small);
  REQUIRE(d.code() == errc::buffer_too_small);
  CHECK(d.error_value().required_size() == pt.size());
  CHECK(out_small == bytes(pt.size() - 1, 0xbb));
  CHECK(rx.nonce() == 0);
  bytes out(pt.size());
  REQUIRE(rx.decrypt_with_ad({}, ct, out).has_value());
  CHECK(out == pt);

  SECTION("handshake write and read") {
    Pair p;
    std::array<std::uint8_t, 31> tiny{};
    auto w = p.ini.write_message({}, tiny);
    REQUIRE(w.code() == errc::buffer_too_small);
    CHECK(w.error_value().required_size() == 32);
    CHECK(!p.ini.failed());
    CHECK(p.ini.is_write_turn());
    std::array<std::uint8_t, 32> m1{};
    REQUIRE(p.ini.write_message({}, m1).has_value());
    std::array<std::uint8_t, 0> none{};
    REQUIRE(p.res.read_message(m1, none).has_value());

    auto payload = from_str("server proof");
    std::array<std::uint8_t, 32 + 12 + 15> short2{};
    auto w2 = p.res.write_message(payload, short2);
    REQUIRE(w2.code() == errc::buffer_too_small);
    CHECK(w2.error_value().required_size() == 32 + payload.size() + 16);
    CHECK(p.res.is_write_turn());
    bytes m2(32 + payload.size() + 16);
    REQUIRE(p.res.write_message(payload, m2).has_value());

    bytes pshort(payload.size() - 1, 0xcc);
    auto rd = p.ini.read_message(m2, pshort);
    REQUIRE(rd.code() == errc::buffer_too_small);
    CHECK(rd.error_value().required_size() == payload.size());
    CHECK(pshort == bytes(payload.size() - 1, 0xcc));
    CHECK(p.ini.is_read_turn());
    bytes pl(payload.size());
    REQUIRE(p.ini.read_message(m2, pl).has_value());
    CHECK(pl == payload);
    CHECK(to_vec(p.ini.handshake_hash()) == to_vec(p.res.handshake_hash()));
  }
}

TEST_CASE("Rekey changes the key per Noise §4.2 and both sides agree", "[noise][cipher][rekey]") {
  std::array<std::uint8_t, 32> key{};
  randombytes_buf(key.data(), key.size());
  noise::CipherState tx(key), rx(key), old(key);
  auto pt = from_str("after rekey");
  bytes c_old(pt.size() + 16), c_new(pt.size() + 16), out(pt.size());
  REQUIRE(old.encrypt_with_ad({}, pt, c_old).has_value());

  REQUIRE(tx.rekey().has_value());
  REQUIRE(rx.rekey().has_value());
  CHECK(tx.nonce() == 0);  // Rekey() leaves n alone (Noise §5.1)
  REQUIRE(tx.encrypt_with_ad({}, pt, c_new).has_value());
  CHECK(c_new != c_old);  // same nonce and plaintext: only the key differs
  REQUIRE(rx.decrypt_with_ad({}, c_new, out).has_value());
  CHECK(out == pt);

  // The new key is the first 32 bytes of ENCRYPT(k, 2^64-1, empty ad, 32 zero bytes).
  std::array<std::uint8_t, 48> ref{};
  std::array<std::uint8_t, 32> zeros{};
  std::uint8_t maxnonce[12] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(ref.data(), &clen, zeros.data(), zeros.size(), nullptr,
                                            0, nullptr, maxnonce, key.data());
  noise::CipherState manual(std::span<const std::uint8_t, 32>(ref.data(), 32));
  bytes c_manual(pt.size() + 16);
  REQUIRE(manual.encrypt_with_ad({}, pt, c_manual).has_value());
  CHECK(c_manual == c_new);

  // A side that did not rekey cannot read the new stream.
  noise::CipherState stale(key);
  CHECK(stale.decrypt_with_ad({}, c_new, out).code() == errc::decrypt_failed);
}

TEST_CASE("CipherState move wipes the source", "[noise][cipher]") {
  std::array<std::uint8_t, 32> key{};
  key[3] = 9;
  noise::CipherState a(key);
  a.set_nonce(5);
  noise::CipherState b(std::move(a));
  CHECK(b.has_key());
  CHECK(b.nonce() == 5);
  CHECK(!a.has_key());  // NOLINT(bugprone-use-after-move): checking the wipe is the point
  CHECK(a.nonce() == 0);
}

TEST_CASE("SymmetricState: EncryptAndHash/DecryptAndHash in place and h bookkeeping",
          "[noise][symmetric]") {
  noise::SymmetricState a(noise::HandshakeState::protocol_name);
  noise::SymmetricState b(noise::HandshakeState::protocol_name);
  // InitializeSymmetric: a name of <= 64 bytes is zero-padded (Noise §5.2).
  bytes expect_h(64, 0);
  std::memcpy(expect_h.data(), noise::HandshakeState::protocol_name.data(),
              noise::HandshakeState::protocol_name.size());
  CHECK(to_vec(a.handshake_hash()) == expect_h);
  auto ikm = from_str("shared");
  a.mix_key(ikm);
  b.mix_key(ikm);
  auto pt = from_str("in place");
  bytes buf(pt.size() + 16);
  std::memcpy(buf.data(), pt.data(), pt.size());
  auto c = a.encrypt_and_hash(std::span(buf.data(), pt.size()), buf);
  REQUIRE(c.has_value());
  REQUIRE(*c == buf.size());
  bytes tampered = buf;
  tampered[0] ^= 0x80;
  auto h_before = to_vec(b.handshake_hash());
  CHECK(b.decrypt_and_hash(tampered, tampered).code() == errc::decrypt_failed);
  CHECK(to_vec(b.handshake_hash()) == h_before);  // h unchanged on failure
  auto d = b.decrypt_and_hash(buf, buf);
  REQUIRE(d.has_value());
  CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*d)) == pt);
  CHECK(to_vec(a.handshake_hash()) == to_vec(b.handshake_hash()));

  auto s = a.split();
  REQUIRE(s.has_value());
  CHECK(a.spent());
  CHECK(a.split().code() == errc::wrong_state);
  CHECK(a.encrypt_and_hash(pt, buf).code() == errc::wrong_state);
}

TEST_CASE("NN handshake, third message and Split interoperate", "[noise][handshake]") {
  Pair p;
  auto proof2 = from_str("responder identity proof");
  auto m2 = run_nn(p, proof2);
  bytes pl(proof2.size());
  auto r2 = p.ini.read_message(m2, pl);
  REQUIRE(r2.has_value());
  CHECK(pl == proof2);
  CHECK(p.ini.is_complete());
  CHECK(p.res.is_complete());
  CHECK(to_vec(p.ini.handshake_hash()) == to_vec(p.res.handshake_hash()));

  // The mechanism's third message: one more EncryptAndHash from the initiator.
  auto proof3 = from_str("initiator identity proof");
  bytes m3(proof3.size() + 16);
  auto w3 = p.ini.encrypt_and_hash(proof3, m3);
  REQUIRE(w3.has_value());
  REQUIRE(*w3 == m3.size());
  bytes pl3(proof3.size());
  auto r3 = p.res.decrypt_and_hash(m3, pl3);
  REQUIRE(r3.has_value());
  CHECK(pl3 == proof3);
  auto hh = to_vec(p.ini.handshake_hash());
  CHECK(hh == to_vec(p.res.handshake_hash()));

  auto ti = p.ini.split();
  auto tr = p.res.split();
  REQUIRE(ti.has_value());
  REQUIRE(tr.has_value());
  CHECK(p.ini.is_split());
  CHECK(to_vec(p.ini.handshake_hash()) == hh);  // h survives Split (channel binding)
  CHECK(p.ini.split().code() == errc::wrong_state);
  CHECK(p.ini.encrypt_and_hash(proof3, m3).code() == errc::wrong_state);

  auto msg = from_str("application data");
  bytes ct(msg.size() + 16), out(msg.size());
  REQUIRE(ti->send.encrypt_with_ad({}, msg, ct).has_value());
  REQUIRE(tr->recv.decrypt_with_ad({}, ct, out).has_value());
  CHECK(out == msg);
  REQUIRE(tr->send.encrypt_with_ad({}, msg, ct).has_value());
  REQUIRE(ti->recv.decrypt_with_ad({}, ct, out).has_value());
  CHECK(out == msg);
  // The two directions use different keys.
  REQUIRE(ti->send.encrypt_with_ad({}, msg, ct).has_value());
  CHECK(ti->recv.decrypt_with_ad({}, ct, out).code() == errc::decrypt_failed);
}

TEST_CASE("Flipping any bit of message 2 makes read_message fail", "[noise][handshake][tamper]") {
  auto payload = from_str("proof");
  const size_t len = 32 + payload.size() + 16;
  for (size_t bit = 0; bit < len * 8; ++bit) {
    Pair p;
    auto m2 = run_nn(p, payload);
    REQUIRE(m2.size() == len);
    m2[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    bytes pl(payload.size(), 0x77);
    auto r = p.ini.read_message(m2, pl);
    INFO("bit " << bit);
    REQUIRE(!r.has_value());
    // Bits of `e` change h (and usually the DH); bits of the ciphertext break the tag. Bit 255 of
    // `e` is ignored by X25519 (RFC 7748 §5) and is caught only because h covers it.
    CHECK((r.code() == errc::decrypt_failed || r.code() == errc::malformed));
    CHECK(p.ini.failed());
    CHECK(!p.ini.is_complete());
    CHECK(p.ini.split().code() == r.code());  // sticky
  }
  // Dropped and extra bytes are refused too.
  Pair p1;
  auto m2 = run_nn(p1, payload);
  bytes pl(64);
  CHECK(p1.ini.read_message(std::span(m2.data(), m2.size() - 1), pl).code() ==
        errc::decrypt_failed);
  Pair p2;
  m2 = run_nn(p2, payload);
  m2.push_back(0);
  CHECK(p2.ini.read_message(m2, pl).code() == errc::decrypt_failed);
}

TEST_CASE("A different prologue makes the handshake fail", "[noise][handshake]") {
  Pair p;
  p.ini = make(noise::Role::initiator, "mutauth-pk/1 cb=A");
  p.res = make(noise::Role::responder, "mutauth-pk/1 cb=B");
  auto m2 = run_nn(p, {});
  bytes pl(1);
  CHECK(p.ini.read_message(m2, pl).code() == errc::decrypt_failed);
}

TEST_CASE("All-zero DH results (low-order points) are refused", "[noise][handshake][dh]") {
  // 0 and 1 are low-order points: X25519 of any scalar with them is all zeros.
  for (std::uint8_t first : {std::uint8_t{0}, std::uint8_t{1}}) {
    bytes bad_e(32, 0);
    bad_e[0] = first;
    SECTION("responder, bad initiator ephemeral " + std::to_string(first)) {
      auto res = make(noise::Role::responder);
      std::array<std::uint8_t, 0> none{};
      REQUIRE(res.read_message(bad_e, none).has_value());  // "e" alone needs no DH
      std::array<std::uint8_t, 64> out{};
      auto w = res.write_message({}, out);
      CHECK(w.code() == errc::malformed);
      CHECK(res.failed());
      CHECK(res.write_message({}, out).code() == errc::malformed);  // sticky
    }
    SECTION("initiator, bad responder ephemeral " + std::to_string(first)) {
      auto ini = make(noise::Role::initiator);
      std::array<std::uint8_t, 32> m1{};
      REQUIRE(ini.write_message({}, m1).has_value());
      bytes m2 = bad_e;
      m2.resize(48, 0);
      bytes pl(16);
      CHECK(ini.read_message(m2, pl).code() == errc::malformed);
      CHECK(ini.failed());
    }
    // The primitive itself.
    noise::KeyPair kp;
    REQUIRE(kp.generate().has_value());
    std::array<std::uint8_t, 32> shared{};
    CHECK(noise::dh(shared, kp, std::span<const std::uint8_t, 32>(bad_e.data(), 32)).code() ==
          errc::malformed);
  }
}

TEST_CASE("Handshake misuse and bounds fail closed", "[noise][handshake]") {
  std::array<std::uint8_t, 128> buf{};
  std::array<std::uint8_t, 128> pl{};
  SECTION("payload in message 1 is refused when writing") {
    auto ini = make(noise::Role::initiator);
    auto x = from_str("x");
    CHECK(ini.write_message(x, buf).code() == errc::nonempty_first_payload);
    CHECK(ini.failed());
    CHECK(ini.write_message({}, buf).code() == errc::nonempty_first_payload);
  }
  SECTION("payload in message 1 is refused when reading") {
    auto res = make(noise::Role::responder);
    CHECK(res.read_message(std::span(buf.data(), 33), pl).code() == errc::nonempty_first_payload);
  }
  SECTION("short message 1") {
    auto res = make(noise::Role::responder);
    CHECK(res.read_message(std::span(buf.data(), 31), pl).code() == errc::truncated);
  }
  SECTION("short message 2 (no room for the tag)") {
    auto ini = make(noise::Role::initiator);
    REQUIRE(ini.write_message({}, buf).has_value());
    CHECK(ini.read_message(std::span(buf.data(), 47), pl).code() == errc::truncated);
  }
  SECTION("oversized message") {
    auto res = make(noise::Role::responder);
    bytes big(65536);
    CHECK(res.read_message(big, pl).code() == errc::too_large);
  }
  SECTION("wrong turn") {
    auto ini = make(noise::Role::initiator);
    CHECK(ini.read_message(std::span(buf.data(), 32), pl).code() == errc::wrong_state);
    auto res = make(noise::Role::responder);
    CHECK(res.write_message({}, buf).code() == errc::wrong_state);
  }
  SECTION("split and third message before NN completed") {
    auto ini = make(noise::Role::initiator);
    CHECK(ini.encrypt_and_hash({}, buf).code() == errc::wrong_state);
    auto ini2 = make(noise::Role::initiator);
    CHECK(ini2.split().code() == errc::handshake_not_finished);
  }
  SECTION("tampered third message kills the responder") {
    Pair p;
    auto m2 = run_nn(p, {});
    REQUIRE(p.ini.read_message(m2, pl).has_value());
    auto proof = from_str("proof");
    bytes m3(proof.size() + 16);
    REQUIRE(p.ini.encrypt_and_hash(proof, m3).has_value());
    m3.back() ^= 1;
    CHECK(p.res.decrypt_and_hash(m3, pl).code() == errc::decrypt_failed);
    CHECK(p.res.split().code() == errc::decrypt_failed);
    CHECK(to_vec(p.res.handshake_hash()) == bytes(64, 0));  // wiped
  }
  SECTION("moved-from handshake is dead") {
    auto ini = make(noise::Role::initiator);
    auto other = std::move(ini);
    CHECK(ini.write_message({}, buf).code() ==
          errc::wrong_state);  // NOLINT(bugprone-use-after-move)
    CHECK(other.write_message({}, buf).has_value());
  }
}

// ---- the pattern token tables (pattern.hpp) ----

namespace {

using noise::token;

// NN exactly as Noise §7.5 writes it: no pre-messages, "-> e", "<- e, ee".
static_assert(noise::patterns::NN.name == "NN");
static_assert(noise::patterns::NN.initiator_pre.empty() &&
              noise::patterns::NN.responder_pre.empty());
static_assert(noise::patterns::NN.message_count == 2);
static_assert(noise::patterns::NN.messages[0] == noise::token_list{token::e});
static_assert(noise::patterns::NN.messages[1] == noise::token_list{token::e, token::ee});
static_assert(noise::handshake_pattern::sender(0) == noise::Role::initiator);
static_assert(noise::handshake_pattern::sender(1) == noise::Role::responder);
// XX and IK of Noise §7.5, as tables (the engine refuses them: compile_fail cases 13 and 14).
static_assert(noise::patterns::XX.message_count == 3);
static_assert(noise::patterns::XX.messages[1] ==
              noise::token_list{token::e, token::ee, token::s, token::es});
static_assert(noise::patterns::XX.messages[2] == noise::token_list{token::s, token::se});
static_assert(noise::patterns::IK.responder_pre == noise::token_list{token::s});
static_assert(noise::patterns::IK.messages[0] ==
              noise::token_list{token::e, token::es, token::s, token::ss});
static_assert(noise::engine_can_run(noise::patterns::NN));
static_assert(!noise::engine_can_run(noise::patterns::XX));
static_assert(!noise::engine_can_run(noise::patterns::IK));
// Noise §7.3 rules the table checker enforces.
static_assert(!noise::is_well_formed({"EE1", {{token::ee}, {token::e}}}));  // DH before keys
static_assert(!noise::is_well_formed({"EE2", {{token::e}, {token::ee}}}));  // no responder e
static_assert(!noise::is_well_formed({"E2", {{token::e, token::e}, {token::e, token::ee}}}));
static_assert(!noise::is_well_formed({"EE3", {{token::e}, {token::e, token::ee, token::ee}}}));
static_assert(!noise::is_well_formed({"PRE", {token::ee}, {}, {{token::e}}}));  // DH in pre-message
static_assert(!noise::is_well_formed({"EMPTY", {}}));

// What the table gives the NN engine: its protocol name (Noise §8) and message sizes.
static_assert(noise::HandshakeState::protocol_name == "Noise_NN_25519_ChaChaPoly_BLAKE2b");
static_assert(noise::HandshakeState::message_count == 2);
static_assert(noise::HandshakeState::message1_size == 32);
static_assert(noise::HandshakeState::message2_overhead == 48);
static_assert(!noise::HandshakeState::message_is_encrypted(0));
static_assert(noise::HandshakeState::message_is_encrypted(1));
static_assert(&noise::HandshakeState::pattern == &noise::patterns::NN);

// A second table with NN's tokens, under its own name: a distinct engine instance.
inline constexpr noise::handshake_pattern nn_copy{"NN", {{token::e}, {token::e, token::ee}}};
using NNCopy = noise::basic_handshake_state<nn_copy>;
static_assert(!std::is_same_v<NNCopy, noise::HandshakeState>);
static_assert(NNCopy::protocol_name == noise::HandshakeState::protocol_name);

bytes seal_zero(noise::CipherState& cs) {  // encrypts a fixed message: equal keys, equal bytes
  static const bytes msg = from_str("compare keys");
  bytes ct(msg.size() + 16);
  REQUIRE(cs.encrypt_with_ad({}, msg, ct).has_value());
  return ct;
}

}  // namespace

TEST_CASE("HandshakeState runs the NN token table: message 1 is e, h as computed by hand",
          "[noise][pattern]") {
  // h after message 1 = HASH(HASH(pad(protocol_name) || prologue) || e.public_key) (Noise §5.2,
  // §5.3): Initialize, MixHash(prologue), token "e", EncryptAndHash(empty) without a key.
  Pair p;
  std::array<std::uint8_t, 64> m1{};
  auto w = p.ini.write_message({}, m1);
  REQUIRE(w.has_value());
  REQUIRE(*w == noise::HandshakeState::message1_size);
  noise::hash_bytes h{};
  std::memcpy(h.data(), noise::HandshakeState::protocol_name.data(),
              noise::HandshakeState::protocol_name.size());
  const bytes prologue = from_str("prologue");
  noise::hash(h, {h, prologue});
  noise::hash(h, {h, noise::bytes_view(m1.data(), 32)});
  noise::hash(h, {h, noise::bytes_view()});
  CHECK(to_vec(p.ini.handshake_hash()) == to_vec(h));
  REQUIRE(p.res.read_message(std::span(m1.data(), 32), {}).has_value());
  CHECK(to_vec(p.res.handshake_hash()) == to_vec(h));
}

TEST_CASE("Two engine instances from equal NN tables interoperate byte for byte",
          "[noise][pattern]") {
  // The vector replay proves the NN engine's bytes; this proves a table, not the type, drives it.
  auto prologue = from_str("prologue");
  auto ini = NNCopy::create(noise::Role::initiator, prologue);
  REQUIRE(ini.has_value());
  auto res = make(noise::Role::responder);
  std::array<std::uint8_t, 128> buf{}, pay{};
  auto m1 = ini->write_message({}, buf);
  REQUIRE(m1.has_value());
  REQUIRE(res.read_message(std::span(buf.data(), *m1), pay).has_value());
  const bytes proof = from_str("proof");
  // Message 2 in halves (the old and the generic name are the same operation).
  auto t = res.write_message2_tokens(buf);
  REQUIRE(t.has_value());
  REQUIRE(*t == 32);
  auto c = res.encrypt_and_hash(proof, std::span(buf.data() + 32, buf.size() - 32));
  REQUIRE(c.has_value());
  const bytes m2(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(32 + *c));
  auto rt = ini->read_tokens_of_last_message(m2);
  REQUIRE(rt.has_value());
  REQUIRE(*rt == 32);
  auto d = ini->decrypt_and_hash(std::span(m2.data() + 32, m2.size() - 32), pay);
  REQUIRE(d.has_value());
  CHECK(bytes(pay.begin(), pay.begin() + static_cast<std::ptrdiff_t>(*d)) == proof);
  CHECK(ini->is_complete());
  CHECK(res.is_complete());
  CHECK(to_vec(ini->handshake_hash()) == to_vec(res.handshake_hash()));
  // The half-message calls are for the last message only, and are fail-closed.
  auto other = make(noise::Role::initiator);
  CHECK(other.write_tokens_of_last_message(buf).code() == errc::wrong_state);
  CHECK(other.failed());
}

TEST_CASE("split_with_transcript: both sides get the same three outputs", "[noise][split]") {
  Pair p;
  auto m2 = run_nn(p, {});
  REQUIRE(p.ini.read_message(m2, {}).has_value());
  noise::hash_bytes si{}, sr{};
  auto ti = p.ini.split_with_transcript(si);
  auto tr = p.res.split_with_transcript(sr);
  REQUIRE(ti.has_value());
  REQUIRE(tr.has_value());
  CHECK(p.ini.is_split());
  CHECK(si == sr);
  CHECK(si != noise::hash_bytes{});
  CHECK(seal_zero(ti->send) == seal_zero(tr->recv));  // c1: initiator -> responder
  CHECK(seal_zero(tr->send) == seal_zero(ti->recv));  // c2: responder -> initiator
  CHECK(seal_zero(ti->send) != seal_zero(ti->recv));
  // Same state rules as split().
  noise::hash_bytes again{};
  CHECK(p.ini.split_with_transcript(again).code() == errc::wrong_state);
  auto early = make(noise::Role::initiator);
  CHECK(early.split_with_transcript(again).code() == errc::handshake_not_finished);
  CHECK(early.failed());
}

TEST_CASE("split_with_transcript equals HKDF(ck, h, 3) by hand and differs from Split()",
          "[noise][split]") {
  // Two SymmetricStates through the same operations; then one Split()s, one
  // split_with_transcript()s. ck and h are recomputed from the primitives (Noise §5.2).
  const bytes prologue = from_str("prologue"), ikm = from_str("shared secret"),
              payload = from_str("payload");
  noise::SymmetricState a(noise::HandshakeState::protocol_name);
  noise::SymmetricState b(noise::HandshakeState::protocol_name);
  bytes ct_a(payload.size() + 16), ct_b(payload.size() + 16);
  for (auto* st : {&a, &b}) {
    st->mix_hash(prologue);
    st->mix_key(ikm);
  }
  REQUIRE(a.encrypt_and_hash(payload, ct_a).has_value());
  REQUIRE(b.encrypt_and_hash(payload, ct_b).has_value());
  REQUIRE(ct_a == ct_b);

  noise::hash_bytes h{};  // InitializeSymmetric: the name zero-padded; ck = h
  std::memcpy(h.data(), noise::HandshakeState::protocol_name.data(),
              noise::HandshakeState::protocol_name.size());
  noise::hash_bytes ck = h;
  noise::hash(h, {h, prologue});          // MixHash(prologue)
  std::array<noise::hash_bytes, 2> mk{};  // MixKey(ikm)
  noise::hkdf(ck, ikm, mk);
  ck = mk[0];
  noise::hash(h, {h, ct_a});  // EncryptAndHash: MixHash(ciphertext)
  REQUIRE(to_vec(a.handshake_hash()) == to_vec(h));
  std::array<noise::hash_bytes, 3> expect{};  // HKDF(ck, h, 3)
  noise::hkdf(ck, h, expect);
  std::array<noise::hash_bytes, 2> plain{};  // Split(): HKDF(ck, zerolen, 2)
  noise::hkdf(ck, noise::bytes_view(), plain);

  noise::hash_bytes third{};
  auto t = a.split_with_transcript(third);
  auto s = b.split();
  REQUIRE(t.has_value());
  REQUIRE(s.has_value());
  CHECK(a.spent());
  CHECK(third == expect[2]);
  noise::CipherState k1(std::span<const std::uint8_t, 32>(expect[0].data(), 32));
  noise::CipherState k2(std::span<const std::uint8_t, 32>(expect[1].data(), 32));
  CHECK(seal_zero(t->c1) == seal_zero(k1));
  CHECK(seal_zero(t->c2) == seal_zero(k2));
  noise::CipherState p1(std::span<const std::uint8_t, 32>(plain[0].data(), 32));
  noise::CipherState p2(std::span<const std::uint8_t, 32>(plain[1].data(), 32));
  CHECK(seal_zero(s->c1) == seal_zero(p1));
  CHECK(seal_zero(s->c2) == seal_zero(p2));
  // The transcript-bound outputs are not Split()'s: h is their input keying material.
  noise::CipherState k1b(std::span<const std::uint8_t, 32>(expect[0].data(), 32));
  noise::CipherState p1b(std::span<const std::uint8_t, 32>(plain[0].data(), 32));
  CHECK(seal_zero(k1b) != seal_zero(p1b));
  CHECK(expect[0] != plain[0]);
  CHECK(expect[1] != plain[1]);
  CHECK(expect[2] != plain[0]);
  CHECK(expect[2] != plain[1]);
  // ck is spent either way.
  noise::hash_bytes again{};
  CHECK(a.split_with_transcript(again).code() == errc::wrong_state);
}

// The record layer seals `content | type` in one pass (docs/protocol/mutauth-pk.md §8.1):
// encrypt_with_ad_and_trailer must give exactly the AEAD of the concatenation, for every length
// around ChaCha20's 64-byte blocks and Poly1305's 16-byte padding, in place or not.
TEST_CASE("CipherState: encrypt_with_ad_and_trailer equals EncryptWithAd over plaintext | trailer",
          "[noise]") {
  std::array<std::uint8_t, noise::keylen> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(7 * i + 1);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 200; ++n) lengths.push_back(n);
  for (std::size_t n : {255, 256, 1023, 1024, 16382, 16383, 16384, 16385}) lengths.push_back(n);
  for (std::size_t adlen : {0, 1, 15, 16, 17}) {
    const bytes ad(adlen, 0xAD);
    for (std::size_t n : lengths) {
      INFO("plaintext " << n << " bytes, ad " << adlen);
      bytes pt(n);
      for (std::size_t i = 0; i < n; ++i) pt[i] = static_cast<std::uint8_t>(i * 31 + n);
      const std::uint8_t trailer = static_cast<std::uint8_t>(n % 3 + 1);
      noise::CipherState a(key), b(key), c(key);
      a.set_nonce(n * 5 + adlen);
      b.set_nonce(n * 5 + adlen);
      c.set_nonce(n * 5 + adlen);
      bytes joined = pt;
      joined.push_back(trailer);
      bytes want(joined.size() + noise::taglen), got(joined.size() + noise::taglen);
      REQUIRE(a.encrypt_with_ad(ad, joined, want));
      auto r = b.encrypt_with_ad_and_trailer(ad, pt, trailer, got);
      REQUIRE(r);
      CHECK(*r == want.size());
      CHECK(got == want);
      CHECK(b.nonce() == a.nonce());
      // In place: the plaintext already sits at the front of the output buffer.
      bytes inplace(joined.size() + noise::taglen);
      std::copy(pt.begin(), pt.end(), inplace.begin());
      REQUIRE(c.encrypt_with_ad_and_trailer(ad, mutauth::bytes_view(inplace.data(), n), trailer,
                                            inplace));
      CHECK(inplace == want);
    }
  }
  noise::CipherState keyless;
  bytes out(32);
  CHECK(keyless.encrypt_with_ad_and_trailer({}, {}, 1, out).code() == errc::wrong_state);
  noise::CipherState k(key);
  bytes small(16);
  CHECK(k.encrypt_with_ad_and_trailer({}, {}, 1, small).code() == errc::buffer_too_small);
  CHECK(k.nonce() == 0);  // a short buffer changes nothing
}
