// Error texts of the pk mechanism (issue 16 item 3), each provoked for real: keys, certificates,
// trust files and KRLs from ssh-keygen, handshakes and sessions tampered with on the wire. The
// line each error prints says nothing twice, and only bytes from the files or the peer are ever
// escaped (support/error_text_rules.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ca_tools.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "support/error_text_rules.hpp"
#include "support/names.hpp"
#include "support/relay.hpp"

using namespace mutauth;
using namespace mutauth::testing;
using PK = pk::PublicKey;

namespace {

struct Files {
  TempDir dir{"mutauth-pk-texts"};
  std::string server_line, alice_line;
  Files() {
    keygen(dir, "server", "-t ed25519", "server");
    keygen(dir, "alice", "-t ed25519", "alice");
    keygen(dir, "ecdsa", "-t ecdsa", "ecdsa");
    sh("ssh-keygen -q -t ed25519 -N secret-passphrase -C locked -f " +
       shell_quote(dir.file("locked")));
    keygen(dir, "ca", "-t ed25519", "ca");
    server_line = first_two_words(read_text(dir.file("server.pub")));
    alice_line = first_two_words(read_text(dir.file("alice.pub")));
  }
  static std::string first_two_words(const std::string& s) { return s.substr(0, s.rfind(' ')); }
};

Files& files() {
  static Files f;
  return f;
}

std::vector<std::uint8_t> to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("pk error texts: keys and certificates from files", "[pk]") {
  Files& f = files();
  std::vector<error> errors;
  auto missing = pk::load_private_key_file(f.dir.file("absent").c_str());
  REQUIRE_FALSE(missing);
  errors.push_back(missing.error_value());
  auto locked = pk::load_private_key_file(f.dir.file("locked").c_str());
  REQUIRE_FALSE(locked);
  CHECK(locked.code() == errc::encrypted_key_unsupported);
  errors.push_back(locked.error_value());
  auto ecdsa = pk::load_private_key_file(f.dir.file("ecdsa").c_str());
  REQUIRE_FALSE(ecdsa);
  CHECK(ecdsa.code() == errc::unsupported_key_type);
  errors.push_back(ecdsa.error_value());
  auto garbage = pk::parse_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n");
  REQUIRE_FALSE(garbage);
  errors.push_back(garbage.error_value());
  auto pem = pk::parse_private_key(
      "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
  REQUIRE_FALSE(pem);
  errors.push_back(pem.error_value());
  std::array<std::uint8_t, pk::max_certificate_size> buf{};
  auto not_cert = pk::load_certificate_file(f.dir.file("server.pub").c_str(), buf);
  REQUIRE_FALSE(not_cert);
  errors.push_back(not_cert.error_value());
  auto no_cert = pk::parse_certificate(bytes_view());
  REQUIRE_FALSE(no_cert);
  errors.push_back(no_cert.error_value());
  for (const error& e : errors) check_error_text(e, /*peer_bytes_escaped=*/true);
}

TEST_CASE("pk error texts: trust files and KRLs, with their line numbers", "[pk]") {
  Files& f = files();
  const std::vector<std::string> known_hosts = {
      "|1|abc= " + f.server_line,
      "@revoked * " + f.server_line,
      "@bogus * " + f.server_line,
      "*.example.test " + f.server_line,
      "server.example.test ssh-rsa AAAA",
      "server.example.test ssh-ed25519 !!!notbase64",
      "server.example.test",
  };
  for (const auto& text : known_hosts) {
    pk::KnownHosts<8, 8> kh;
    auto r = kh.parse("# comment\n" + text + "\n");
    INFO(text);
    REQUIRE_FALSE(r);
    const std::string line = check_error_text(r.error_value(), /*peer_bytes_escaped=*/true);
    CHECK(line.find("line 2: ") != std::string::npos);
  }
  pk::KnownHosts<8, 8> kh;
  auto revoked = kh.parse("@revoked * " + f.server_line + "\n");
  REQUIRE_FALSE(revoked);
  // The library's hint names the library's field; the tool rewrites it to its flag (tests/cli).
  CHECK(revoked.error_value().hint().find("ServerTrust::revoked") != std::string_view::npos);

  const std::vector<std::string> authorized_keys = {
      "command=\"/bin/sh\" " + f.alice_line + " alice",
      "principals=\"alice\" " + f.alice_line + " alice\n" + "principals=\"bob\" " + f.alice_line +
          " bob",
      f.alice_line + " alice,bob",
      "cert-authority,from=\"10.0.0.1\" " + f.alice_line,
  };
  for (const auto& text : authorized_keys) {
    pk::AuthorizedKeys<8, 8> ak;
    auto r = ak.parse(text + "\n");
    INFO(text);
    REQUIRE_FALSE(r);
    check_error_text(r.error_value(), /*peer_bytes_escaped=*/true);
  }
  std::vector<std::uint8_t> krl_buf(4096);
  const auto krl_path = f.dir.file("not.krl");
  write_text(krl_path, "SSHKRL\nnot a KRL at all");
  auto krl = pk::load_krl_file(krl_path.c_str(), krl_buf);
  REQUIRE_FALSE(krl);
  check_error_text(krl.error_value(), /*peer_bytes_escaped=*/true);
}

TEST_CASE("pk error texts: handshakes and sessions tampered with on the wire", "[pk]") {
  Files& f = files();
  auto server_key = pk::load_private_key_file(f.dir.file("server").c_str());
  auto alice_key = pk::load_private_key_file(f.dir.file("alice").c_str());
  REQUIRE(server_key);
  REQUIRE(alice_key);
  const std::array<pk::PinnedServer, 1> server_pins{
      {{spn("host/server.example.test"), server_key->public_key()}}};
  const std::array<pk::PinnedClient, 1> client_pins{{{"alice", alice_key->public_key()}}};
  pk::InitiatorConfig ic;
  ic.identity = {&*alice_key, "alice"};
  ic.trust.pinned = server_pins;
  pk::AcceptorConfig ac{.identity = {&*server_key, {}}, .service = spn("host/server.example.test")};
  ac.trust.pinned = client_pins;

  struct Case {
    const char* what;
    int message;     // which message to change (0-based), -1 for none
    std::size_t at;  // offset of the byte to flip
    const char* target;
    errc expected;
  };
  const Case cases[] = {
      {"message 2 tampered", 1, 40, "host/server.example.test", errc::decrypt_failed},
      {"message 3 tampered", 2, 20, "host/server.example.test", errc::decrypt_failed},
      {"message 1 of another version", 0, 0, "host/server.example.test", errc::version_mismatch},
      {"a server that proves another name", -1, 0, "host/other.example.test", errc::name_mismatch},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Initiator<PK> client(spn(c.target), ic);
    Acceptor<PK> server(ac, allow_all);
    (void)relay_handshake(
        client, server,
        [&](int i, std::vector<std::uint8_t>& m) {
          if (i == c.message && c.at < m.size()) m[c.at] ^= 0x01;
        },
        4);
    const error& e = client.is_failed() ? client.last_error() : server.last_error();
    CHECK(e.code() == c.expected);
    check_error_text(e);
  }

  // The refused client: the server's error and the client's (from the unauthorized alert).
  Initiator<PK> client(spn("host/server.example.test"), ic);
  Acceptor<PK> server(ac, Authorizer::deny_all());
  (void)relay_handshake(
      client, server, [](int, std::vector<std::uint8_t>&) {}, 4);
  CHECK(server.last_error().code() == errc::unauthorized);
  check_error_text(server.last_error());
  CHECK(feed_record(client, record{record_type::alert, to_bytes("\x03")}).code ==
        errc::unauthorized);
  check_error_text(client.last_error());
  Initiator<PK> other(spn("host/server.example.test"), ic);
  (void)other.step();
  CHECK(feed_record(other, record{record_type::alert, to_bytes("\x05")}).code == errc::peer_alert);
  const std::string busy = check_error_text(other.last_error());
  CHECK(busy.rfind("the peer sent an alert and ended the handshake: ", 0) == 0);  // said once

  // A configuration without a key, and a session record tampered with.
  pk::InitiatorConfig keyless;
  check_error_text(pk::validate(keyless).error_value());
  Initiator<PK> c2(spn("host/server.example.test"), ic);
  Acceptor<PK> s2(ac, allow_all);
  (void)relay_handshake(
      c2, s2, [](int, std::vector<std::uint8_t>&) {}, 4);
  auto cs = std::move(c2).finish();
  auto ss = std::move(s2).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  std::vector<std::uint8_t> rec(64), plain(64);
  auto n = cs->seal(to_bytes("hello"), rec);
  REQUIRE(n);
  rec.resize(*n);
  rec.back() ^= 0x01;
  auto opened = ss->open(rec, plain);
  REQUIRE_FALSE(opened);
  CHECK(opened.code() == errc::decrypt_failed);
  check_error_text(opened.error_value());
  auto small = cs->seal(to_bytes("hello"), bytes_span(rec.data(), 3));
  REQUIRE_FALSE(small);
  CHECK(small.code() == errc::buffer_too_small);
  check_error_text(small.error_value());
}
