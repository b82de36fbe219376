// Ed25519 key files as stock ssh-keygen writes them: interop, signing, fingerprints, and every
// way a file can be wrong. Keys are made fresh in a temporary directory per test; none are stored.
#include <catch2/catch.hpp>

#include "support/ssh_tools.hpp"

#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mutauth/mech/pk/detail/ssh_reader.hpp"
#include "mutauth/mech/pk/keys.hpp"

using namespace mutauth;
using namespace mutauth::pk;
namespace fs = std::filesystem;

namespace {

using bytes = std::vector<std::uint8_t>;

using mutauth::testing::keygen;
using mutauth::testing::run_capture;
using mutauth::testing::shell_quote;
struct TempDir : mutauth::testing::TempDir {
  TempDir() : mutauth::testing::TempDir("mutauth-keys") {}
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// The decoded openssh-key-v1 blob of an armored file.
bytes unarmor(const std::string& pem) {
  const std::string b = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  const std::string e = "-----END OPENSSH PRIVATE KEY-----";
  const auto s = pem.find(b);
  const auto t = pem.find(e);
  REQUIRE(s == 0);
  REQUIRE(t != std::string::npos);
  const std::string body = pem.substr(b.size(), t - b.size());
  bytes out(body.size());
  std::size_t len = 0;
  REQUIRE(sodium_base642bin(out.data(), out.size(), body.data(), body.size(), "\n", &len, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) == 0);
  out.resize(len);
  return out;
}

std::string b64(const bytes& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Wraps at 70 columns like ssh-keygen.
std::string rearmor(const bytes& raw) {
  const std::string text = b64(raw);
  std::string out = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (std::size_t i = 0; i < text.size(); i += 70) out += text.substr(i, 70) + "\n";
  return out + "-----END OPENSSH PRIVATE KEY-----\n";
}

std::uint32_t be32(const bytes& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) |
         (std::uint32_t(b[at + 2]) << 8) | b[at + 3];
}
void put_be32(bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = std::uint8_t(v >> 24);
  b[at + 1] = std::uint8_t(v >> 16);
  b[at + 2] = std::uint8_t(v >> 8);
  b[at + 3] = std::uint8_t(v);
}

// Offsets inside an unencrypted one-key Ed25519 blob, found independently of the library.
struct Layout {
  std::size_t nkeys;     // offset of the number-of-keys uint32
  std::size_t pub_key;   // offset of the 32 key bytes inside the public section
  std::size_t priv_len;  // offset of the private section's length
  std::size_t priv;      // first byte of the private section (checkint 1)
  std::size_t priv_pk;   // 32-byte public key inside the private section
  std::size_t priv_sk;   // 64-byte secret inside the private section
  std::size_t padding;   // first padding byte
  std::size_t end;
};

Layout layout(const bytes& b) {
  Layout l{};
  std::size_t at = 15;
  for (int i = 0; i < 3; ++i) at += 4 + be32(b, at);  // ciphername, kdfname, kdfoptions
  l.nkeys = at;
  at += 4;
  const std::size_t pub_len = be32(b, at);
  l.pub_key = at + 4 + pub_len - 32;
  at += 4 + pub_len;
  l.priv_len = at;
  l.priv = at + 4;
  std::size_t p = l.priv + 8;
  p += 4 + be32(b, p);  // key type
  l.priv_pk = p + 4;
  p += 4 + be32(b, p);
  l.priv_sk = p + 4;
  p += 4 + be32(b, p);
  p += 4 + be32(b, p);  // comment
  l.padding = p;
  l.end = l.priv + be32(b, l.priv_len);
  REQUIRE(l.end == b.size());
  return l;
}

template <class R>
std::string why(const R& r) {
  return r ? std::string("ok") : std::string(r.error_value().what());
}

errc parse_code(const bytes& raw) { return parse_private_key(rearmor(raw)).code(); }

}  // namespace

TEST_CASE("ssh_reader reads big-endian SSH wire fields within bounds", "[pk][keys][reader]") {
  const bytes in = {0x00, 0x00, 0x00, 0x03, 'a',  'b',  'c',  0x01, 0x02,
                    0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x00, 0x01, 0x02};
  error first;
  pk::detail::ssh_reader r(in, first);
  CHECK(r.read_text(3, "s") == "abc");
  CHECK(r.read_u64() == 0x0102030405060708ULL);
  CHECK_FALSE(r.read_bool());
  CHECK(r.read_bool());
  CHECK_FALSE(r.failed());
  CHECK(r.remaining() == 1);
  CHECK_FALSE(first);
  CHECK(r.read_u8() == 2);
  CHECK(r.at_end());
  r.expect_end();
  CHECK_FALSE(first);

  SECTION("the first error is kept; later reads and checks do nothing") {
    error e;
    pk::detail::ssh_reader q(std::span<const std::uint8_t>(in.data() + 16, 2), e);
    CHECK(q.read_u8() == 1);
    CHECK_FALSE(q.read_bool("flag"));  // 0x02 is neither 0 nor 1
    CHECK(e.code() == errc::bad_encoding);
    CHECK(e.detail() == "flag: boolean is neither 0 nor 1");
    CHECK(q.failed());
    CHECK(q.at_end());
    CHECK(q.remaining() == 0);
    CHECK(q.rest().empty());
    CHECK(q.read_u32("later") == 0);
    q.check(false, errc::malformed, "later rule");
    q.expect_end("later");
    CHECK(e.detail() == "flag: boolean is neither 0 nor 1");
    // A reader sharing a failed error starts failed, and its failure stops the outer one.
    pk::detail::ssh_reader nested(in, e);
    CHECK(nested.failed());
    CHECK(nested.read_text(3).empty());
    error e2;
    pk::detail::ssh_reader outer(in, e2);
    pk::detail::ssh_reader inner(std::span<const std::uint8_t>(in.data(), 2), e2);
    CHECK(inner.read_u32("inner") == 0);
    CHECK(e2.code() == errc::truncated);
    CHECK(e2.detail() == "inner: input ends inside the field");
    CHECK(outer.failed());
    CHECK(outer.read_text(3, "s").empty());
  }
  SECTION("trailing bytes and truncation") {
    error e;
    pk::detail::ssh_reader q(in, e);
    (void)q.read_text(3);
    q.expect_end();
    CHECK(e.code() == errc::trailing_bytes);
    CHECK(e.detail() == "bytes after the end");
    error t;
    pk::detail::ssh_reader u(std::span<const std::uint8_t>(in.data(), 3), t);
    CHECK(u.read_u32() == 0);
    CHECK(t.code() == errc::truncated);
    CHECK(t.detail() == "input ends inside the field");
  }
  SECTION("a string over the cap is too_large before the input is consulted") {
    error e;
    pk::detail::ssh_reader q(in, e);
    CHECK(q.read_string(2, "name").empty());
    CHECK(e.code() == errc::too_large);
    CHECK(e.detail() == "name: length exceeds its bound");
    const bytes huge = {0xff, 0xff, 0xff, 0xff, 0x00};
    error h1, h2;
    pk::detail::ssh_reader(huge, h1).read_string(1024);
    CHECK(h1.code() == errc::too_large);
    pk::detail::ssh_reader(huge, h2).read_string(0xffffffffu);
    CHECK(h2.code() == errc::truncated);
  }
  SECTION("a string longer than the input is truncated, at every cut") {
    for (std::size_t n = 0; n < 7; ++n) {
      error e;
      pk::detail::ssh_reader q(std::span<const std::uint8_t>(in.data(), n), e);
      CHECK(q.read_string(100).empty());
      CHECK(e.code() == errc::truncated);
    }
  }
  SECTION("a string of an exact size") {
    error e;
    pk::detail::ssh_reader q(in, e);
    CHECK(q.read_string_of(3, "s", "s is not 3 bytes").size() == 3);
    CHECK_FALSE(e);
    error shorter, longer;
    pk::detail::ssh_reader(in, shorter).read_string_of(4, "s", "s is not 4 bytes");
    CHECK(shorter.code() == errc::malformed);
    CHECK(shorter.detail() == "s is not 4 bytes");
    pk::detail::ssh_reader(in, longer).read_string_of(2, "s", "s is not 2 bytes");
    CHECK(longer.code() == errc::too_large);
  }
  SECTION("u32 and raw bytes") {
    const bytes x = {0xde, 0xad, 0xbe, 0xef, 0x01};
    error e;
    pk::detail::ssh_reader q(x, e);
    CHECK(q.read_u32() == 0xdeadbeefu);
    CHECK(q.read_bytes(1).size() == 1);
    CHECK(q.rest().empty());
    CHECK(q.read_bytes(2).empty());
    CHECK(e.code() == errc::truncated);
  }
  SECTION("without an error to keep, a failed read only ends the reader") {
    pk::detail::ssh_reader q(std::span<const std::uint8_t>(in.data(), 3));
    CHECK(q.read_u32() == 0);
    CHECK(q.failed());
    CHECK(q.at_end());
  }
}

TEST_CASE("an ssh-keygen Ed25519 key loads and matches its .pub file", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519");
  auto sk = load_private_key_file(id.c_str());
  INFO(why(sk));
  REQUIRE(sk);
  CHECK(sk->comment() == "alice@example");
  CHECK(sk->valid());
  auto pub = load_public_key_file((id + ".pub").c_str());
  REQUIRE(pub);
  CHECK(sk->public_key() == *pub);

  // The text form parses the same way; the wire blob round-trips.
  auto line = parse_public_key_line(slurp(id + ".pub"));
  REQUIRE(line);
  CHECK(*line == *pub);
  const auto blob = wire_blob(*pub);
  auto again = parse_public_key_blob(blob);
  REQUIRE(again);
  CHECK(*again == *pub);
  const std::string text = slurp(id + ".pub");
  CHECK(text.find(b64(bytes(blob.begin(), blob.end()))) != std::string::npos);

  // Without a comment, and with CRLF line ends, the line and the private key still parse.
  const std::string bare = text.substr(0, text.rfind(' '));
  CHECK(parse_public_key_line(bare));
  std::string crlf = slurp(id);
  for (std::size_t at = 0; (at = crlf.find('\n', at)) != std::string::npos; at += 2)
    crlf.replace(at, 1, "\r\n");
  auto sk2 = parse_private_key(crlf);
  REQUIRE(sk2);
  CHECK(sk2->public_key() == *pub);
}

TEST_CASE("a loaded key signs and the signature verifies", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519");
  auto sk = load_private_key_file(id.c_str());
  REQUIRE(sk);
  const std::string msg = "mutauth transcript";
  std::array<std::uint8_t, 64> sig{};
  const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(msg.data()),
                                        msg.size());
  REQUIRE(sk->sign(m, sig));
  const auto& pk = sk->public_key().bytes;
  CHECK(crypto_sign_ed25519_verify_detached(sig.data(), m.data(), m.size(), pk.data()) == 0);
  std::string other = msg;
  other[0] ^= 1;
  CHECK(crypto_sign_ed25519_verify_detached(sig.data(),
                                            reinterpret_cast<const unsigned char*>(other.data()),
                                            other.size(), pk.data()) != 0);
  // The key in the .pub file verifies it too (the signing key is the one ssh-keygen made).
  auto pub = load_public_key_file((id + ".pub").c_str());
  REQUIRE(pub);
  CHECK(crypto_sign_ed25519_verify_detached(sig.data(), m.data(), m.size(), pub->bytes.data()) ==
        0);

  // Moving transfers the key and leaves the source unusable.
  Ed25519SecretKey moved = std::move(*sk);
  CHECK(moved.public_key() == *pub);
  CHECK_FALSE(sk->valid());
  CHECK(sk->comment().empty());
  std::array<std::uint8_t, 64> none{};
  none.fill(0xaa);
  CHECK(sk->sign(m, none).code() == errc::wrong_state);
  CHECK(none == std::array<std::uint8_t, 64>{});
  std::array<std::uint8_t, 64> sig2{};
  REQUIRE(moved.sign(m, sig2));
  CHECK(sig2 == sig);  // Ed25519 is deterministic (RFC 8032 §5.1.6)
  CHECK(moved.sign({}, sig2));
  // `pk` referred into the moved-from key, which is now wiped; use the .pub copy.
  CHECK(crypto_sign_ed25519_verify_detached(sig2.data(), nullptr, 0, pub->bytes.data()) == 0);
  CHECK(sk->public_key() == Ed25519PublicKey{});
}

TEST_CASE("from_seed derives the RFC 8032 test key", "[pk][keys]") {
  // RFC 8032 §7.1 TEST 1.
  const std::array<std::uint8_t, 32> seed = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
                                             0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
                                             0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
                                             0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
  const std::array<std::uint8_t, 32> expect = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
                                               0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
                                               0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
                                               0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
  auto k = Ed25519SecretKey::from_seed(seed, "test");
  REQUIRE(k);
  CHECK(k->public_key().bytes == expect);
  CHECK(k->comment() == "test");
  CHECK(Ed25519SecretKey::from_seed(seed, std::string(256, 'c')).code() == errc::too_large);
}

TEST_CASE("fingerprint equals ssh-keygen -lf", "[pk][keys]") {
  TempDir d;
  for (int i = 0; i < 3; ++i) {
    const std::string id = keygen(d, "id" + std::to_string(i), "-t ed25519");
    auto pub = load_public_key_file((id + ".pub").c_str());
    REQUIRE(pub);
    std::istringstream out(run_capture("ssh-keygen -lf " + shell_quote(id + ".pub")));
    std::string bits, fp;
    out >> bits >> fp;
    REQUIRE(fp.rfind("SHA256:", 0) == 0);
    CHECK(fingerprint(*pub).view() == fp);
    CHECK(fingerprint(*pub) == std::string_view(fp));
  }
}

TEST_CASE("an encrypted key is refused with a hint", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519", "alice@example", "secretpass");
  auto sk = load_private_key_file(id.c_str());
  REQUIRE_FALSE(sk);
  CHECK(sk.code() == errc::encrypted_key_unsupported);
  CHECK(sk.error_value().detail() == "the key file is protected by a passphrase");
  CHECK(sk.error_value().hint() == "remove the passphrase with ssh-keygen -p, or use an agent");
  // Its public half is still an ordinary public key.
  CHECK(load_public_key_file((id + ".pub").c_str()));
}

TEST_CASE("RSA and ECDSA keys are refused as unsupported types", "[pk][keys]") {
  TempDir d;
  struct Case {
    std::string opts, type;
  };
  for (const Case& c :
       {Case{"-t rsa -b 2048", "ssh-rsa"}, Case{"-t ecdsa -b 256", "ecdsa-sha2-nistp256"}}) {
    INFO(c.type);
    const std::string id = keygen(d, "id-" + c.type, c.opts);
    auto pub = load_public_key_file((id + ".pub").c_str());
    CHECK(pub.code() == errc::unsupported_key_type);
    CHECK(pub.error_value().detail().find(c.type) != std::string_view::npos);
    auto sk = load_private_key_file(id.c_str());
    CHECK(sk.code() == errc::unsupported_key_type);
    CHECK(sk.error_value().detail().find(c.type) != std::string_view::npos);
    // The blob form too.
    const std::string text = slurp(id + ".pub");
    const std::string data =
        text.substr(text.find(' ') + 1, text.find(' ', text.find(' ') + 1) - text.find(' ') - 1);
    bytes blob(data.size());
    std::size_t len = 0;
    REQUIRE(sodium_base642bin(blob.data(), blob.size(), data.data(), data.size(), nullptr, &len,
                              nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
    blob.resize(len);
    CHECK(parse_public_key_blob(blob).code() == errc::unsupported_key_type);
    // Text claiming ssh-ed25519 over a blob of another type: the two names must agree.
    auto lie = parse_public_key_line("ssh-ed25519 " + data + " x");
    CHECK(lie.code() == errc::malformed);
    CHECK(lie.error_value().detail().find(c.type) != std::string_view::npos);
  }
}

TEST_CASE("public key lines: type mismatch, bad base64, bad blobs", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519");
  const std::string text = slurp(id + ".pub");
  const std::string data = text.substr(12, text.find(' ', 12) - 12);
  REQUIRE(parse_public_key_line(text));
  REQUIRE(parse_public_key_line("  \tssh-ed25519\t" + data + "   comment with spaces \r\n"));

  auto rsa_label = parse_public_key_line("ssh-rsa " + data);
  CHECK(rsa_label.code() == errc::unsupported_key_type);
  CHECK(rsa_label.error_value().detail().find("ssh-rsa") != std::string_view::npos);
  CHECK(parse_public_key_line("ssh-ed25519-cert-v01@openssh.com " + data).code() ==
        errc::unsupported_key_type);
  CHECK(parse_public_key_line("").code() == errc::malformed);
  CHECK(parse_public_key_line("ssh-ed25519").code() == errc::malformed);
  CHECK(parse_public_key_line("ssh-ed25519 " + data.substr(0, 10) + "!" + data.substr(11)).code() ==
        errc::bad_encoding);
  CHECK(parse_public_key_line("ssh-ed25519 " + data.substr(0, data.size() - 1)).code() ==
        errc::bad_encoding);
  // Two lines in one: the second would be a second key.
  CHECK(parse_public_key_line(text + text).code() == errc::malformed);
  CHECK(parse_public_key_line(std::string(text).insert(5, 1, '\0')).code() == errc::malformed);

  bytes blob(wire_blob(Ed25519PublicKey{}).size());
  std::size_t len = 0;
  REQUIRE(sodium_base642bin(blob.data(), blob.size(), data.data(), data.size(), nullptr, &len,
                            nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  REQUIRE(len == blob.size());
  REQUIRE(parse_public_key_blob(blob));

  bytes trailing = blob;
  trailing.push_back(0);
  CHECK(parse_public_key_blob(trailing).code() == errc::trailing_bytes);
  CHECK(parse_public_key_line("ssh-ed25519 " + b64(trailing)).code() == errc::trailing_bytes);
  for (std::size_t n = 0; n < blob.size(); ++n)
    CHECK(parse_public_key_blob(std::span<const std::uint8_t>(blob.data(), n)).code() ==
          errc::truncated);
  // A 31-byte key with a consistent length field.
  bytes short_key(blob.begin(), blob.end() - 1);
  put_be32(short_key, 15, 31);
  CHECK(parse_public_key_blob(short_key).code() == errc::malformed);
  // A 33-byte key is over the field's bound.
  bytes long_key = blob;
  long_key.push_back(0);
  put_be32(long_key, 15, 33);
  CHECK(parse_public_key_blob(long_key).code() == errc::too_large);
}

TEST_CASE("malformed private key files each fail with a precise error", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519");
  const std::string pem = slurp(id);
  const bytes raw = unarmor(pem);
  const Layout l = layout(raw);
  REQUIRE(parse_private_key(pem));
  REQUIRE(parse_private_key(rearmor(raw)));

  SECTION("armor") {
    CHECK(parse_private_key("").code() == errc::bad_encoding);
    CHECK(parse_private_key(pem.substr(1)).code() == errc::bad_encoding);
    std::string rsa_label = pem;
    rsa_label.replace(rsa_label.find("OPENSSH"), 7, "RSA");
    auto other = parse_private_key(rsa_label);
    CHECK(other.code() == errc::bad_encoding);
    CHECK_FALSE(other.error_value().hint().empty());
    const auto end = pem.find("-----END");
    CHECK(parse_private_key(pem.substr(0, end)).code() == errc::bad_encoding);
    std::string no_break = pem;
    no_break.erase(no_break.find('\n'), 1);
    CHECK(parse_private_key(no_break).code() == errc::bad_encoding);
    // Blank space after END is fine; anything else is trailing text.
    CHECK(parse_private_key(pem + "\n\n  ").has_value());
    CHECK(parse_private_key(pem + "x").code() == errc::trailing_bytes);
    CHECK(parse_private_key(pem + pem).code() == errc::trailing_bytes);
  }
  SECTION("base64") {
    std::string bad = pem;
    bad[40] = '!';
    CHECK(parse_private_key(bad).code() == errc::bad_encoding);
    std::string space = pem;
    space.insert(50, " ");
    CHECK(parse_private_key(space).code() == errc::bad_encoding);
  }
  SECTION("truncated at every length of the decoded blob") {
    for (std::size_t n = 0; n < raw.size(); ++n) {
      INFO("length " << n);
      CHECK(parse_code(bytes(raw.begin(), raw.begin() + n)) == errc::truncated);
    }
  }
  SECTION("trailing bytes after the outer structure") {
    for (std::uint8_t extra : {0x00, 0x01, 0xff}) {
      bytes t = raw;
      t.push_back(extra);
      CHECK(parse_code(t) == errc::trailing_bytes);
    }
  }
  SECTION("bad magic") {
    bytes t = raw;
    t[14] = 'x';  // the NUL that ends "openssh-key-v1"
    CHECK(parse_code(t) == errc::bad_encoding);
  }
  SECTION("more than one key") {
    bytes t = raw;
    put_be32(t, l.nkeys, 2);
    CHECK(parse_code(t) == errc::malformed);
    put_be32(t, l.nkeys, 0);
    CHECK(parse_code(t) == errc::malformed);
  }
  SECTION("mismatched checkints") {
    bytes t = raw;
    t[l.priv + 7] ^= 1;
    auto r = parse_private_key(rearmor(t));
    CHECK(r.code() == errc::malformed);
    CHECK(r.error_value().detail().find("check") != std::string_view::npos);
  }
  SECTION("public key mismatches") {
    bytes a = raw;  // public section differs
    a[l.pub_key + 5] ^= 0x40;
    CHECK(parse_code(a) == errc::key_mismatch);
    bytes b = raw;  // private section's public key differs
    b[l.priv_pk] ^= 0x01;
    CHECK(parse_code(b) == errc::key_mismatch);
    bytes c = raw;  // tail of seed||pk differs
    c[l.priv_sk + 40] ^= 0x01;
    CHECK(parse_code(c) == errc::key_mismatch);
    bytes s = raw;  // seed does not produce the public key
    s[l.priv_sk + 3] ^= 0x01;
    CHECK(parse_code(s) == errc::key_mismatch);
  }
  SECTION("private section length not a multiple of the block size") {
    bytes t = raw;
    t.push_back(1);
    put_be32(t, l.priv_len, be32(t, l.priv_len) + 1);
    CHECK(parse_code(t) == errc::malformed);
  }
  SECTION("a full block of padding is refused") {
    bytes t = raw;
    for (std::uint8_t i = 1; i <= 8; ++i) t.push_back(std::uint8_t(l.end - l.padding + i));
    put_be32(t, l.priv_len, be32(t, l.priv_len) + 8);
    CHECK(parse_code(t) == errc::trailing_bytes);
  }
  SECTION("encrypted markers alone are enough to refuse") {
    // Replace ciphername "none" with "aes256-ctr" keeping everything else.
    bytes e(raw.begin(), raw.begin() + 15);
    const std::string cipher = "aes256-ctr";
    e.resize(e.size() + 4);
    put_be32(e, 15, std::uint32_t(cipher.size()));
    e.insert(e.end(), cipher.begin(), cipher.end());
    e.insert(e.end(), raw.begin() + 15 + 8, raw.end());
    auto r = parse_private_key(rearmor(e));
    CHECK(r.code() == errc::encrypted_key_unsupported);
    CHECK_FALSE(r.error_value().hint().empty());
  }
  SECTION("kdfoptions with kdf none") {
    bytes e(raw.begin(), raw.begin() + l.nkeys - 4);
    const std::size_t at = e.size();
    e.resize(at + 4);
    put_be32(e, at, 1);
    e.push_back(0);
    e.insert(e.end(), raw.begin() + l.nkeys, raw.end());
    CHECK(parse_code(e) == errc::malformed);
  }
}

TEST_CASE("padding bytes must be 1, 2, 3, ...", "[pk][keys]") {
  TempDir d;
  // "pad" makes the private section 134 bytes, so ssh-keygen appends padding 01 02.
  const std::string id = keygen(d, "id", "-t ed25519", "pad");
  const bytes raw = unarmor(slurp(id));
  const Layout l = layout(raw);
  REQUIRE(l.end - l.padding == 2);
  REQUIRE(raw[l.padding] == 1);
  REQUIRE(raw[l.padding + 1] == 2);
  auto good = parse_private_key(rearmor(raw));
  REQUIRE(good);
  CHECK(good->comment() == "pad");
  bytes t = raw;
  t[l.padding + 1] = 3;
  CHECK(parse_code(t) == errc::bad_encoding);
  t = raw;
  t[l.padding] = 0;
  CHECK(parse_code(t) == errc::bad_encoding);
}

TEST_CASE("comment length is bounded", "[pk][keys]") {
  TempDir d;
  const std::string ok_id = keygen(d, "ok", "-t ed25519", std::string(255, 'c'));
  auto ok_key = load_private_key_file(ok_id.c_str());
  REQUIRE(ok_key);
  CHECK(ok_key->comment() == std::string(255, 'c'));
  const std::string long_id = keygen(d, "long", "-t ed25519", std::string(256, 'c'));
  CHECK(load_private_key_file(long_id.c_str()).code() == errc::too_large);
}

TEST_CASE("file helpers: size cap and missing files", "[pk][keys]") {
  TempDir d;
  const std::string id = keygen(d, "id", "-t ed25519");
  const std::string pem = slurp(id);

  const std::string big = d.file("big");
  spit(big, pem + std::string(max_key_file_size, '\n'));
  CHECK(load_private_key_file(big.c_str()).code() == errc::too_large);
  CHECK(parse_private_key(pem + std::string(max_key_file_size, '\n')).code() == errc::too_large);
  spit(big, slurp(id + ".pub") + std::string(max_key_file_size, ' '));
  CHECK(load_public_key_file(big.c_str()).code() == errc::too_large);

  // Exactly at the cap is still read (blank space after END is allowed).
  const std::string at_cap = d.file("at_cap");
  spit(at_cap, pem + std::string(max_key_file_size - pem.size(), '\n'));
  CHECK(load_private_key_file(at_cap.c_str()).has_value());

  const std::string missing = d.file("does-not-exist");
  auto r = load_private_key_file(missing.c_str());
  CHECK(r.code() == errc::io_error);
  CHECK(r.error_value().detail().find("does-not-exist") != std::string_view::npos);
  auto p = load_public_key_file(missing.c_str());
  CHECK(p.code() == errc::io_error);
  CHECK(p.error_value().detail().find("does-not-exist") != std::string_view::npos);
  CHECK(load_private_key_file(nullptr).code() == errc::invalid_argument);
  // A directory opens on Linux but cannot be read.
  CHECK(load_private_key_file(d.path.string().c_str()).code() == errc::io_error);
}
