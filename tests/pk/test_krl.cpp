// OpenSSH KRLs (issue 4, PROTOCOL.krl): every KRL made by the real `ssh-keygen -k`, plus
// hand-written ones for the sections ssh-keygen never writes (all-CA sections, extensions,
// signatures, unknown types).
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "ca_tools.hpp"
#include "mutauth/mech/pk/krl.hpp"

using namespace mutauth;
using namespace mutauth::testing;

namespace {

struct World {
  TempDir dir{"mutauth-krl"};
  pk::Ed25519PublicKey ca, other_ca, alice, bob;
  std::deque<bytes> keep;
  World() {
    keygen(dir, "ca", "-t ed25519", "ca");
    keygen(dir, "other_ca", "-t ed25519", "other_ca");
    keygen(dir, "alice", "-t ed25519", "alice");
    keygen(dir, "bob", "-t ed25519", "bob");
    ca = pub(dir, "ca");
    other_ca = pub(dir, "other_ca");
    alice = pub(dir, "alice");
    bob = pub(dir, "bob");
  }
  // Runs ssh-keygen -k with a spec file; `ca_opt` is "-s ca.pub" or empty.
  const bytes& krl(const std::string& name, const std::string& spec, bool with_ca = true) {
    write_text(dir.file(name + ".spec"), spec);
    sh("ssh-keygen -k -f " + shell_quote(dir.file(name)) +
       (with_ca ? " -s " + shell_quote(dir.file("ca.pub")) : std::string()) + " " +
       shell_quote(dir.file(name + ".spec")));
    return keep.emplace_back(read_bytes(dir.file(name)));
  }
  std::string key_line(const std::string& name) {
    std::string s = read_text(dir.file(name + ".pub"));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
};

World& world() {
  static World w;
  return w;
}

pk::Krl parsed(const bytes& b) {
  auto k = pk::Krl::parse(b);
  INFO((k ? "" : k.error_value().detail()));
  REQUIRE(k);
  return *k;
}

// A hand-written KRL: header, then the sections given.
struct KrlWriter : Writer {
  KrlWriter(std::uint64_t flags = 0, const bytes& reserved = {}) {
    u64(0x5353484b524c0a00ULL);
    u32(1);
    u64(3);           // krl_version
    u64(1700000000);  // generated_date
    u64(flags);
    str(reserved);
    str("comment");
  }
  void section(std::uint8_t type, const bytes& body) {
    b.push_back(type);
    str(body);
  }
};

bytes ca_blob(const pk::Ed25519PublicKey& k) {
  const auto a = pk::wire_blob(k);
  return {a.begin(), a.end()};
}

// A certificate section for `ca` (empty = every CA) with one subsection.
bytes cert_section(const bytes& ca, std::uint8_t sub, const bytes& body) {
  Writer w;
  w.str(ca);
  w.str(bytes{});
  w.b.push_back(sub);
  w.str(body);
  return w.b;
}

bytes extension(std::string_view name, bool critical) {
  Writer w;
  w.str(name);
  w.b.push_back(critical ? 1 : 0);
  w.str(bytes{1, 2, 3});
  return w.b;
}

}  // namespace

TEST_CASE("krl: serial list, range and bitmap sections from ssh-keygen -k", "[pk][krl]") {
  World& w = world();
  SECTION("a serial list") {
    const auto k = parsed(w.krl("list", "serial: 42\nserial: 70000\nserial: 9000000\n"));
    CHECK(k.summary().serials == 3);
    auto r = k.check_certificate(w.ca, 70000, "id");
    CHECK(r.code() == errc::revoked);
    CHECK(r.error_value().detail().find("serial 70000") != std::string_view::npos);
    CHECK(r.error_value().detail().find("serial list") != std::string_view::npos);
    CHECK(k.check_certificate(w.ca, 42, "id").code() == errc::revoked);
    CHECK(k.check_certificate(w.ca, 43, "id"));
    CHECK(k.check_certificate(w.other_ca, 42, "id"));  // scoped to the CA that issued it
  }
  SECTION("a serial range") {
    const auto k = parsed(w.krl("range", "serial: 1000-5000\n"));
    CHECK(k.summary().serial_ranges == 1);
    for (std::uint64_t s : {1000u, 3000u, 5000u}) {
      auto r = k.check_certificate(w.ca, s, "id");
      CHECK(r.code() == errc::revoked);
      CHECK(r.error_value().detail().find("serial range") != std::string_view::npos);
    }
    CHECK(k.check_certificate(w.ca, 999, "id"));
    CHECK(k.check_certificate(w.ca, 5001, "id"));
    CHECK(k.check_certificate(w.other_ca, 3000, "id"));
  }
  SECTION("a serial bitmap") {
    const auto k = parsed(
        w.krl("bitmap",
              "serial: 5\nserial: 10-20\nserial: 100\nserial: 102\nserial: 104\nserial: 106\n"));
    CHECK(k.summary().serial_bitmaps >= 1);
    CHECK(k.summary().serials == 0);
    for (std::uint64_t s : {5u, 10u, 15u, 20u, 100u, 102u, 104u, 106u}) {
      INFO(s);
      auto r = k.check_certificate(w.ca, s, "id");
      CHECK(r.code() == errc::revoked);
      CHECK(r.error_value().detail().find("bitmap") != std::string_view::npos);
    }
    for (std::uint64_t s : {1u, 4u, 6u, 9u, 21u, 99u, 101u, 103u, 105u, 107u, 1000u}) {
      INFO(s);
      CHECK(k.check_certificate(w.ca, s, "id"));
    }
  }
  SECTION("a certificate file revoked by its serial") {
    const std::string cert = sign(w.dir, "ca", "alice", "alice-z", "-I alice-id -n alice -z 77");
    sh("ssh-keygen -k -f " + shell_quote(w.dir.file("bycert")) + " " + shell_quote(cert));
    const bytes& b = w.keep.emplace_back(read_bytes(w.dir.file("bycert")));
    const auto k = parsed(b);
    CHECK(k.check_certificate(w.ca, 77, "alice-id").code() == errc::revoked);
    CHECK(k.check_certificate(w.ca, 78, "alice-id"));
  }
}

TEST_CASE("krl: key id, explicit key and SHA256 sections", "[pk][krl]") {
  World& w = world();
  SECTION("key id, scoped to its CA") {
    const auto k = parsed(w.krl("id", "id: alice-id\n"));
    CHECK(k.summary().key_ids == 1);
    auto r = k.check_certificate(w.ca, 0, "alice-id");
    CHECK(r.code() == errc::revoked);
    CHECK(r.error_value().detail().find("key id \"alice-id\"") != std::string_view::npos);
    CHECK(k.check_certificate(w.ca, 5, "alice-id2"));
    CHECK(k.check_certificate(w.other_ca, 5, "alice-id"));
  }
  SECTION("an explicit key") {
    const auto k = parsed(w.krl("key", "key: " + w.key_line("bob") + "\n", false));
    CHECK(k.summary().explicit_keys == 1);
    auto r = k.check_key(w.bob, "client key");
    CHECK(r.code() == errc::revoked);
    CHECK(r.error_value().detail().find("client key SHA256:") != std::string_view::npos);
    CHECK(r.error_value().detail().find("explicit key") != std::string_view::npos);
    CHECK(k.check_key(w.alice));
    // A plain .pub given to ssh-keygen -k is an explicit key too.
    sh("ssh-keygen -k -f " + shell_quote(w.dir.file("bypub")) + " " +
       shell_quote(w.dir.file("alice.pub")));
    const bytes& b = w.keep.emplace_back(read_bytes(w.dir.file("bypub")));
    CHECK(parsed(b).check_key(w.alice).code() == errc::revoked);
  }
  SECTION("a SHA256 hash") {
    const auto k = parsed(w.krl(
        "sha256", "sha256: " + w.key_line("bob") + "\nsha256: " + w.key_line("ca") + "\n", false));
    CHECK(k.summary().sha256_hashes == 2);
    auto r = k.check_key(w.bob);
    CHECK(r.code() == errc::revoked);
    CHECK(r.error_value().detail().find("SHA256 hash") != std::string_view::npos);
    CHECK(k.check_key(w.ca).code() == errc::revoked);
    CHECK(k.check_key(w.alice));
  }
  SECTION("SHA1 sections are refused, not ignored") {
    const bytes& b = w.krl("sha1", "sha1: " + w.key_line("bob") + "\n", false);
    auto k = pk::Krl::parse(b);
    CHECK(k.code() == errc::bad_encoding);
    CHECK(k.error_value().detail().find("SHA1") != std::string_view::npos);
  }
  SECTION("the header fields") {
    sh("ssh-keygen -k -z 12 -f " + shell_quote(w.dir.file("hdr")) + " " +
       shell_quote(w.dir.file("bob.pub")));
    const bytes& b = w.keep.emplace_back(read_bytes(w.dir.file("hdr")));
    const auto k = parsed(b);
    CHECK(k.version() == 12);
    CHECK(k.generated_date() > 1700000000);
  }
}

TEST_CASE("krl: every truncation and padding is refused", "[pk][krl]") {
  World& w = world();
  const bytes& good =
      w.krl("fuzz", "serial: 5\nserial: 10-20\nserial: 1000-5000\nserial: 9000000\nid: x\n");
  REQUIRE(pk::Krl::parse(good));
  // The header alone (44 bytes with an empty comment) is a valid KRL that revokes nothing:
  // PROTOCOL.krl allows zero sections, and an unsigned format cannot tell a cut at a section
  // boundary from a shorter KRL (authenticate the file by other means). ssh-keygen wrote a single
  // certificate section here, so every other prefix must be refused.
  const std::size_t header = 8 + 4 + 8 + 8 + 8 + 4 + 4;
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("length " << n);
    auto k = pk::Krl::parse(bytes_view(good.data(), n));
    if (n == header) {
      REQUIRE(k);
      CHECK(k->check_certificate(w.ca, 5, "x"));
    } else {
      CHECK_FALSE(k);
    }
  }
  bytes padded = good;
  padded.push_back(0);
  CHECK_FALSE(pk::Krl::parse(padded));
  bytes bad_magic = good;
  bad_magic[0] ^= 1;
  CHECK(pk::Krl::parse(bad_magic).code() == errc::bad_encoding);
  bytes bad_version = good;
  bad_version[11] = 2;
  CHECK(pk::Krl::parse(bad_version).code() == errc::version_mismatch);
}

TEST_CASE("krl: hand-written sections ssh-keygen does not write", "[pk][krl]") {
  World& w = world();
  Writer serial42;
  serial42.u64(42);
  SECTION("a certificate section for every CA (empty CA key)") {
    KrlWriter k;
    k.section(1, cert_section({}, 0x20, serial42.b));
    const auto krl = parsed(k.b);
    CHECK(krl.check_certificate(w.ca, 42, "").code() == errc::revoked);
    CHECK(krl.check_certificate(w.other_ca, 42, "").code() == errc::revoked);
    CHECK(krl.check_certificate(w.ca, 41, ""));
  }
  SECTION("serial 0 is never revoked by serial") {
    Writer range;
    range.u64(0);
    range.u64(10);
    KrlWriter k;
    k.section(1, cert_section(ca_blob(w.ca), 0x21, range.b));
    const auto krl = parsed(k.b);
    CHECK(krl.check_certificate(w.ca, 0, ""));
    CHECK(krl.check_certificate(w.ca, 1, "").code() == errc::revoked);
  }
  SECTION("non-critical extensions are skipped, critical ones refused") {
    KrlWriter a;
    a.section(255, extension("bloom-explicit-key", false));
    a.section(1, cert_section(ca_blob(w.ca), 0x39, extension("cert-bloom-serial", false)));
    CHECK(pk::Krl::parse(a.b));
    KrlWriter b;
    b.section(255, extension("something@example.com", true));
    auto rb = pk::Krl::parse(b.b);
    CHECK(rb.code() == errc::bad_encoding);
    CHECK(rb.error_value().detail().find("something@example.com") != std::string_view::npos);
    KrlWriter c;
    c.section(1, cert_section(ca_blob(w.ca), 0x39, extension("x@example.com", true)));
    CHECK(pk::Krl::parse(c.b).code() == errc::bad_encoding);
  }
  SECTION("signature sections, unknown sections and unknown flags are refused") {
    KrlWriter sig;
    sig.b.push_back(4);
    sig.str(ca_blob(w.ca));
    sig.str(bytes(83, 0));
    auto rs = pk::Krl::parse(sig.b);
    CHECK(rs.code() == errc::bad_encoding);
    CHECK(rs.error_value().detail().find("signed KRLs") != std::string_view::npos);
    KrlWriter unk;
    unk.section(6, bytes{});
    CHECK(pk::Krl::parse(unk.b).code() == errc::bad_encoding);
    KrlWriter unk_sub;
    unk_sub.section(1, cert_section(ca_blob(w.ca), 0x24, serial42.b));
    CHECK(pk::Krl::parse(unk_sub.b).code() == errc::bad_encoding);
    KrlWriter flags(1);
    CHECK(pk::Krl::parse(flags.b).code() == errc::bad_encoding);
    KrlWriter reserved(0, bytes{1});
    CHECK(pk::Krl::parse(reserved.b).code() == errc::bad_encoding);
  }
  SECTION("malformed sections") {
    Writer bad_range;
    bad_range.u64(10);
    bad_range.u64(5);
    KrlWriter a;
    a.section(1, cert_section(ca_blob(w.ca), 0x21, bad_range.b));
    CHECK(pk::Krl::parse(a.b).code() == errc::malformed);
    KrlWriter b;
    b.section(1, cert_section(ca_blob(w.ca), 0x20, bytes(12, 0)));  // not a multiple of 8
    CHECK(pk::Krl::parse(b.b).code() == errc::malformed);
    Writer bm;
    bm.u64(0);
    bm.str(bytes{0x00, 0x01});  // superfluous leading zero
    KrlWriter c;
    c.section(1, cert_section(ca_blob(w.ca), 0x22, bm.b));
    CHECK(pk::Krl::parse(c.b).code() == errc::bad_encoding);
    Writer neg;
    neg.u64(0);
    neg.str(bytes{0x80});  // negative
    KrlWriter d;
    d.section(1, cert_section(ca_blob(w.ca), 0x22, neg.b));
    CHECK(pk::Krl::parse(d.b).code() == errc::bad_encoding);
    Writer hashes;  // out of order
    hashes.str(bytes(32, 9));
    hashes.str(bytes(32, 8));
    KrlWriter e;
    e.section(5, hashes.b);
    CHECK(pk::Krl::parse(e.b).code() == errc::malformed);
    Writer certkey;  // a certificate in an explicit key section
    Writer inner;
    inner.str("ssh-ed25519-cert-v01@openssh.com");
    certkey.str(inner.b);
    KrlWriter f;
    f.section(2, certkey.b);
    CHECK(pk::Krl::parse(f.b).code() == errc::bad_encoding);
    KrlWriter g;
    g.section(2, bytes{});
    CHECK(pk::Krl::parse(g.b).code() == errc::malformed);
  }
}

TEST_CASE("krl: load_krl_file reads into caller storage", "[pk][krl]") {
  World& w = world();
  (void)w.krl("file", "serial: 9\n");
  std::array<std::uint8_t, 4096> buf{};
  auto k = pk::load_krl_file(w.dir.file("file").c_str(), buf);
  REQUIRE(k);
  CHECK(k->check_certificate(w.ca, 9, "").code() == errc::revoked);
  std::array<std::uint8_t, 16> small{};
  CHECK(pk::load_krl_file(w.dir.file("file").c_str(), small).code() == errc::buffer_too_small);
  CHECK(pk::load_krl_file(w.dir.file("missing").c_str(), buf).code() == errc::io_error);
}
