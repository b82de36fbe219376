// Trust files in OpenSSH syntax (issue 4): the known_hosts and authorized_keys subsets, with
// keys from the real ssh-keygen. Every refused line is reported with its number.
#include <catch2/catch.hpp>

#include <string>

#include "ca_tools.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/trust_file.hpp"

using namespace mutauth;
using namespace mutauth::testing;

namespace {

struct World {
  TempDir dir{"mutauth-trust"};
  std::string ca, server, alice, bob, rsa;  // "ssh-ed25519 AAAA..." (no comment)
  pk::Ed25519PublicKey ca_key, server_key, alice_key, bob_key;
  World() {
    for (const char* n : {"ca", "server", "alice", "bob"}) keygen(dir, n, "-t ed25519", n);
    keygen(dir, "rsa", "-t rsa -b 2048", "rsa");
    ca = line("ca");
    server = line("server");
    alice = line("alice");
    bob = line("bob");
    rsa = line("rsa");
    ca_key = pub(dir, "ca");
    server_key = pub(dir, "server");
    alice_key = pub(dir, "alice");
    bob_key = pub(dir, "bob");
  }
  std::string line(const std::string& n) {
    const std::string s = read_text(dir.file(n + ".pub"));
    return s.substr(0, s.rfind(' '));  // drop the comment
  }
};

World& world() {
  static World w;
  return w;
}

std::string pk_name(const pk::PinnedServer& p) { return std::string(p.name.pk_name().view()); }

template <class Store>
void expect_line_error(Store& store, const std::string& text, std::size_t line, errc code,
                       std::string_view needle) {
  auto r = store.parse(text);
  INFO(text);
  REQUIRE_FALSE(r);
  INFO(r.error_value().detail());
  CHECK(r.code() == code);
  CHECK(r.error_value().detail().starts_with("line " + std::to_string(line) + ": "));
  CHECK(r.error_value().detail().find(needle) != std::string_view::npos);
  CHECK(store.pinned().empty());  // all or nothing
  CHECK(store.authorities().empty());
}

}  // namespace

TEST_CASE("trust files: a known_hosts file with pins and @cert-authority lines", "[pk][trust]") {
  World& w = world();
  const std::string text =
      "# our hosts\r\n"
      "\n"
      "   \t\n"
      "@cert-authority *.example.test,!bad.example.test " +
      w.ca +
      " ca@example\n"
      "server.example.test " +
      w.server +
      "\n"
      "db.example.test,[db.example.test]:2222,ldap/db.example.test:636 " +
      w.alice +
      " db keys\r\n"
      "  # indented comment\n"
      "Mixed.Example.Test. " +
      w.bob;  // no final newline
  pk::KnownHosts<8, 2> kh;
  auto r = kh.parse(text);
  INFO((r ? "" : r.error_value().detail()));
  REQUIRE(r);
  CHECK(r->pinned == 5);
  CHECK(r->authorities == 1);
  REQUIRE(kh.authorities().size() == 1);
  CHECK(kh.authorities()[0].key == w.ca_key);
  CHECK(kh.authorities()[0].host_patterns == "*.example.test,!bad.example.test");
  REQUIRE(kh.pinned().size() == 5);
  CHECK(pk_name(kh.pinned()[0]) == "host/server.example.test");
  CHECK(kh.pinned()[0].key == w.server_key);
  CHECK(pk_name(kh.pinned()[1]) == "host/db.example.test");
  CHECK(pk_name(kh.pinned()[2]) == "host/db.example.test:2222");
  CHECK(pk_name(kh.pinned()[3]) == "ldap/db.example.test:636");
  for (int i = 1; i <= 3; ++i) CHECK(kh.pinned()[static_cast<std::size_t>(i)].key == w.alice_key);
  CHECK(pk_name(kh.pinned()[4]) == "host/mixed.example.test");
  const pk::ServerTrust t = kh.trust();
  CHECK(t.pinned.size() == 5);
  CHECK(t.authorities.size() == 1);
  CHECK_FALSE(t.allow_host_wide_credentials);
  // Re-parsing replaces the contents.
  REQUIRE(kh.parse("# nothing\n"));
  CHECK(kh.pinned().empty());
}

TEST_CASE("trust files: each bad known_hosts line is refused with its number", "[pk][trust]") {
  World& w = world();
  pk::KnownHosts<2, 1> kh;
  const std::string ok = "server.example.test " + w.server + "\n";
  expect_line_error(kh, "# c\n\n|1|abc=|def= " + w.server + "\n", 3, errc::malformed, "hashed");
  expect_line_error(kh, ok + "@revoked * " + w.server + "\n", 2, errc::malformed, "@revoked");
  expect_line_error(kh, ok + "@cert-auth * " + w.ca + "\n", 2, errc::malformed, "unknown marker");
  expect_line_error(kh, ok + "@cert-authority\n", 2, errc::malformed, "no host patterns");
  expect_line_error(kh, ok + "@cert-authority *.example.test\n", 2, errc::malformed, "no key type");
  expect_line_error(kh, ok + "@cert-authority [*.example.test]:22 " + w.ca + "\n", 2,
                    errc::malformed, "port");
  expect_line_error(kh, ok + "@cert-authority !a.example.test " + w.ca + "\n", 2, errc::malformed,
                    "only negated");
  expect_line_error(kh, ok + "@cert-authority a,,b " + w.ca + "\n", 2, errc::malformed,
                    "empty host pattern");
  expect_line_error(kh, ok + "@cert-authority a/b " + w.ca + "\n", 2, errc::malformed,
                    "not allowed");
  expect_line_error(kh, ok + "*.example.test " + w.server + "\n", 2, errc::malformed, "wildcards");
  expect_line_error(kh, ok + "!x.example.test " + w.server + "\n", 2, errc::malformed, "negation");
  expect_line_error(kh, ok + "server.example.test,192.0.2.1 " + w.server + "\n", 2,
                    errc::name_ip_literal, "IPv4");
  expect_line_error(kh, ok + "server " + w.server + "\n", 2, errc::name_single_label,
                    "single-label");
  expect_line_error(kh, ok + "[server.example.test]:0 " + w.server + "\n", 2, errc::name_bad_port,
                    "port");
  expect_line_error(kh, ok + "[server.example.test] " + w.server + "\n", 2, errc::malformed,
                    "[host]:port");
  expect_line_error(kh, ok + "a.example.test,,b.example.test " + w.server + "\n", 2,
                    errc::malformed, "empty host name");
  expect_line_error(kh, ok + "server.example.test " + w.rsa + "\n", 2, errc::unsupported_key_type,
                    "ssh-rsa");
  expect_line_error(kh, ok + w.server + "\n", 2, errc::malformed, "no host names");
  expect_line_error(kh, ok + "server.example.test ssh-ed25519\n", 2, errc::malformed,
                    "no key after");
  expect_line_error(kh, ok + "server.example.test ssh-ed25519 AAAA!!!!\n", 2, errc::bad_encoding,
                    "base64");
  expect_line_error(kh, ok + "server.example.test ssh-ed25519-cert-v01@openssh.com AAAA\n", 2,
                    errc::unsupported_key_type, "cert-v01");
  expect_line_error(kh, ok + "x.example.test " + w.server + " a\x01 b\n", 2, errc::malformed,
                    "control");
  expect_line_error(kh, ok + "x.example.test " + w.server + "\ny.example.test " + w.server + "\n",
                    3, errc::too_large, "more pinned keys");
  expect_line_error(kh, "@cert-authority * " + w.ca + "\n@cert-authority * " + w.ca + "\n", 2,
                    errc::too_large, "more certificate authorities");
  expect_line_error(kh, ok + std::string(9000, 'a') + "\n", 2, errc::too_large, "8192");
}

TEST_CASE("trust files: host pattern matching follows ssh_config PATTERNS", "[pk][trust]") {
  using pk::detail::host_list_matches;
  CHECK(host_list_matches("*", "a.example.test"));
  CHECK(host_list_matches("*.example.test", "a.example.test"));
  CHECK(host_list_matches("*.EXAMPLE.test", "a.example.test"));
  CHECK_FALSE(host_list_matches("*.example.test", "example.test"));
  CHECK(host_list_matches("?.example.test", "a.example.test"));
  CHECK_FALSE(host_list_matches("?.example.test", "ab.example.test"));
  CHECK(host_list_matches("a*b*c.test", "axxbyyc.test"));
  CHECK_FALSE(host_list_matches("a*b*c.test", "axxbyyd.test"));
  CHECK(host_list_matches("x.test,*.example.test", "a.example.test"));
  CHECK_FALSE(host_list_matches("*.example.test,!a.example.test", "a.example.test"));
  CHECK_FALSE(host_list_matches("!a.example.test,*.example.test", "a.example.test"));
  CHECK(host_list_matches("*.example.test,!a.example.test", "b.example.test"));
  CHECK_FALSE(host_list_matches("!a.example.test", "b.example.test"));  // no positive match
  CHECK_FALSE(host_list_matches("", "a.example.test"));
  CHECK(host_list_matches("**.test", "a.test"));
}

TEST_CASE("trust files: an authorized_keys file with CAs and pinned keys", "[pk][trust]") {
  World& w = world();
  const std::string text =
      "# users\n"
      "cert-authority,principals=\"alice,bob\" " +
      w.ca +
      " user ca\n"
      "cert-authority " +
      w.ca +
      "\n"
      "principals=\"carol\" " +
      w.alice + " this comment is ignored\n" + w.bob +
      " bob\r\n"
      "principals=\"with space? no\",cert-authority " +
      w.ca + "\n";
  pk::AuthorizedKeys<4, 4> ak;
  // The last line has a blank inside a quoted principals list: refused.
  expect_line_error(ak, text, 6, errc::malformed, "principals");
  const std::string good = text.substr(0, text.rfind("principals=\"with"));
  auto r = ak.parse(good);
  INFO((r ? "" : r.error_value().detail()));
  REQUIRE(r);
  CHECK(r->authorities == 2);
  CHECK(r->pinned == 2);
  CHECK(ak.authorities()[0].key == w.ca_key);
  CHECK(ak.authorities()[0].principals == "alice,bob");
  CHECK(ak.authorities()[1].principals.empty());
  CHECK(ak.pinned()[0].principal == "carol");
  CHECK(ak.pinned()[0].key == w.alice_key);
  CHECK(ak.pinned()[1].principal == "bob");
  CHECK(ak.pinned()[1].key == w.bob_key);
  const pk::ClientTrust t = ak.trust();
  CHECK(t.pinned.size() == 2);
  CHECK(t.authorities.size() == 2);
}

TEST_CASE("trust files: each bad authorized_keys line is refused with its number", "[pk][trust]") {
  World& w = world();
  pk::AuthorizedKeys<2, 1> ak;
  const std::string ok = w.alice + " alice\n";
  expect_line_error(ak, ok + "command=\"/bin/sh\" " + w.bob + " bob\n", 2, errc::malformed,
                    "option 'command' is not supported");
  expect_line_error(ak, ok + "from=\"10.0.0.0/8\" " + w.bob + " bob\n", 2, errc::malformed,
                    "option 'from'");
  expect_line_error(ak, ok + "restrict " + w.bob + " bob\n", 2, errc::malformed,
                    "option 'restrict'");
  expect_line_error(ak, ok + "no-pty,cert-authority " + w.ca + "\n", 2, errc::malformed,
                    "option 'no-pty'");
  expect_line_error(ak, ok + "cert-authority=\"x\" " + w.ca + "\n", 2, errc::malformed,
                    "in this form");
  expect_line_error(ak, ok + "principals " + w.ca + "\n", 2, errc::malformed, "in this form");
  expect_line_error(ak, ok + "cert-authority,cert-authority " + w.ca + "\n", 2, errc::malformed,
                    "twice");
  expect_line_error(ak, ok + "principals=\"a\",principals=\"b\" " + w.bob + "\n", 2,
                    errc::malformed, "twice");
  expect_line_error(ak, ok + "principals=\"a\\\"b\" " + w.bob + "\n", 2, errc::malformed,
                    "backslash");
  expect_line_error(ak, ok + "principals=\"abc " + w.bob + "\n", 2, errc::malformed,
                    "unterminated");
  expect_line_error(ak, ok + "principals=abc " + w.bob + "\n", 2, errc::malformed, "double quotes");
  expect_line_error(ak, ok + "principals=\"\" " + w.bob + "\n", 2, errc::malformed, "empty");
  expect_line_error(ak, ok + "principals=\"a,,b\",cert-authority " + w.ca + "\n", 2,
                    errc::malformed, "empty name");
  expect_line_error(ak, ok + "cert-authority, " + w.ca + "\n", 2, errc::malformed, "trailing ','");
  expect_line_error(ak, ok + "principals=\"a,b\" " + w.bob + "\n", 2, errc::malformed,
                    "exactly one");
  expect_line_error(ak, ok + w.bob + " bob,carol\n", 2, errc::malformed,
                    "comment names more than one");
  expect_line_error(ak, ok + w.bob + "\n", 2, errc::malformed, "no principal");
  expect_line_error(ak, ok + w.bob + " bob smith\n", 2, errc::malformed, "no principal");
  expect_line_error(ak, ok + w.rsa + " rsa\n", 2, errc::unsupported_key_type, "ssh-rsa");
  expect_line_error(ak, ok + "cert-authority " + w.rsa + "\n", 2, errc::unsupported_key_type,
                    "ssh-rsa");
  expect_line_error(ak, ok + "ecdsa-sha2-nistp256 AAAA x\n", 2, errc::unsupported_key_type,
                    "ecdsa");
  expect_line_error(ak, ok + "cert-authority\n", 2, errc::malformed, "no key type");
  expect_line_error(ak, ok + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== alice\n", 2, errc::truncated,
                    "line 2");
  expect_line_error(ak, ok + w.bob + " b\n" + w.server + " s\n", 3, errc::too_large,
                    "more pinned keys");
}

TEST_CASE("trust files: a key pinned twice in authorized_keys refuses the whole file",
          "[pk][trust]") {
  World& w = world();
  pk::AuthorizedKeys<4, 2> ak;
  const std::string alice_fp(pk::fingerprint(w.alice_key).view());
  const auto expect_pinned_twice = [&](const std::string& text, std::size_t first,
                                       std::size_t second) {
    // Fill the store first, so that the refusal is seen to empty it (all or nothing).
    REQUIRE(ak.parse(w.bob + " bob\ncert-authority " + w.ca + "\n"));
    REQUIRE(ak.pinned().size() == 1);
    const std::string lines =
        "(lines " + std::to_string(first) + " and " + std::to_string(second) + ")";
    expect_line_error(ak, text, second, errc::malformed,
                      "key " + alice_fp + " is pinned twice " + lines);
    auto r = ak.parse(text);
    REQUIRE_FALSE(r);
    CHECK(r.error_value().detail().ends_with("; a key proves one principal"));
    CHECK(r.error_value().hint().find("remove one of the two lines") != std::string_view::npos);
  };
  // Different names: which one would the key prove? Lines 3 and 7, with comments, a blank line,
  // another user and a CA in between (line numbers count every line).
  expect_pinned_twice("# users\n" + w.bob + " bob\n" + w.alice + " alice\n\n# CA\ncert-authority " +
                          w.ca + "\nprincipals=\"mallory\" " + w.alice + " laptop\n",
                      3, 7);
  // The same name given two ways (principals= and the comment): still refused.
  expect_pinned_twice("principals=\"alice\" " + w.alice + " laptop\r\n" + w.alice + " alice\r\n", 1,
                      2);
  // Two identical lines.
  expect_pinned_twice(w.alice + " alice\n" + w.alice + " alice\n", 1, 2);
  // The same key with different principals= options.
  expect_pinned_twice("principals=\"alice\" " + w.alice + "\n" + w.bob +
                          " bob\nprincipals=\"root\" " + w.alice + "\n",
                      1, 3);

  // A full store still names the duplicate (checked before the capacity) rather than "too large".
  pk::AuthorizedKeys<2, 1> small;
  expect_line_error(small, w.alice + " alice\n" + w.bob + " bob\n" + w.alice + " carol\n", 3,
                    errc::malformed, "is pinned twice (lines 1 and 3)");

  // Distinct keys still load, and a pinned key may also be a cert-authority (another role: sshd(8)
  // matches raw keys only against non-CA lines), as may one CA key on two lines.
  const std::string good = w.alice + " alice\n" + w.bob + " bob\nprincipals=\"carol\" " + w.server +
                           "\n"
                           "cert-authority " +
                           w.alice + "\ncert-authority,principals=\"dave\" " + w.alice + "\n";
  auto r = ak.parse(good);
  INFO((r ? "" : r.error_value().detail()));
  REQUIRE(r);
  CHECK(r->pinned == 3);
  CHECK(r->authorities == 2);
  REQUIRE(ak.pinned().size() == 3);
  CHECK(ak.pinned()[0].principal == "alice");
  CHECK(ak.pinned()[0].key == w.alice_key);
  CHECK(ak.pinned()[1].key == w.bob_key);
  CHECK(ak.pinned()[2].principal == "carol");
  CHECK(ak.pinned()[2].key == w.server_key);
  CHECK(ak.authorities()[0].key == w.alice_key);
  // Re-parsing after a refusal starts afresh: the earlier pins are not taken for duplicates.
  REQUIRE(ak.parse(w.alice + " alice\n"));
  REQUIRE(ak.parse(w.alice + " alice\n"));
  CHECK(ak.pinned().size() == 1);
}

TEST_CASE("trust files: load_trust_file and an end-to-end CA check from file text", "[pk][trust]") {
  World& w = world();
  write_text(w.dir.file("known_hosts"), "@cert-authority *.example.test " + w.ca + "\n");
  std::array<char, 4096> buf{};
  auto text = pk::load_trust_file(w.dir.file("known_hosts").c_str(), buf);
  REQUIRE(text);
  CHECK(text->data() == buf.data());
  pk::KnownHosts<1, 1> kh;
  REQUIRE(kh.parse(*text));
  // A host certificate from that CA verifies against the parsed store.
  const bytes blob =
      cert_blob(sign(w.dir, "ca", "server", "srv", "-I s -h -n server.example.test"));
  auto c = pk::parse_certificate(blob);
  REQUIRE(c);
  auto sp = ServicePrincipal::parse("host/server.example.test");
  REQUIRE(sp);
  CHECK(pk::verify_host_certificate(*c, *sp, kh.trust()));
  auto other = ServicePrincipal::parse("host/server.other.test");
  REQUIRE(other);
  CHECK(pk::verify_host_certificate(*c, *other, kh.trust()).code() == errc::untrusted_issuer);

  std::array<char, 8> small{};
  CHECK(pk::load_trust_file(w.dir.file("known_hosts").c_str(), small).code() ==
        errc::buffer_too_small);
  CHECK(pk::load_trust_file(w.dir.file("absent").c_str(), buf).code() == errc::io_error);
}
