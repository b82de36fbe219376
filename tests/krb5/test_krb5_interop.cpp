// Kerberos channel bindings against an independent GSS-API peer (python3-gssapi over MIT, the
// tests' gss_peer.py), both roles: mutauth binds caller bytes as the application data of the GSS
// channel bindings (docs/kerberos.md, "Channel bindings"), so a peer binding the same bytes
// through plain GSS-API interoperates, and one binding other bytes is refused. Labels
// kerberos and interop.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "krb5/kdc_fixture.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "support/hex.hpp"
#include "support/names.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::Child;
using mutauth::testing::hex;
using mutauth::testing::Realms;
using mutauth::testing::spn;
using mutauth::testing::unhex;
using K = mutauth::krb5::Kerberos;
using bytes = std::vector<std::uint8_t>;

namespace {

std::string expect_line(Child& peer, const std::string& tag) {
  const std::string line = peer.read_line();
  INFO("python peer said: " << line);
  REQUIRE(line.rfind(tag + " ", 0) == 0);
  return line.substr(tag.size() + 1);
}

Child python(const char* role, const bytes& cb) {
  return Child({"/usr/bin/python3", std::string(MUTAUTH_SOURCE_DIR) + "/tests/krb5/gss_peer.py",
                role, "host@server.example.test", hex(cb)});
}

// A 32-byte value shaped like RFC 9266 tls-exporter output (NUL and high bytes included).
bytes exporter_like(std::uint8_t seed) {
  bytes b(32);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed + i * 41);
  return b;
}

}  // namespace

TEST_CASE("krb5 interop: python3-gssapi initiator with channel bindings against a mutauth acceptor",
          "[kerberos][interop]") {
  Realms realm;
  const bytes cb = exporter_like(7);
  SECTION("same bytes: accepted, bound") {
    Child peer = python("initiate", cb);
    K::AcceptorConfig acfg{testing::server()};
    acfg.channel_binding = cb;
    Acceptor<K> a(acfg, allow_all);
    step_result r = a.step(unhex(expect_line(peer, "TOKEN")));
    INFO(std::string(a.last_error().detail()));
    REQUIRE(r.st == status::done);
    peer.send_line("TOKEN " + hex(r.token));
    CHECK(expect_line(peer, "PEER") == "host/server.example.test@EXAMPLE.TEST");
    auto s = std::move(a).finish();
    REQUIRE(s);
    CHECK((s->mechanism_info().flags() & GSS_C_CHANNEL_BOUND_FLAG) != 0);
    CHECK(s->peer().name.view() == "alice@EXAMPLE.TEST");
    // Its first record opens under the bound context.
    bytes rec = unhex(expect_line(peer, "WRAP"));
    bytes out(rec.size());
    auto got = s->open(rec, out);
    REQUIRE(got);
    CHECK(std::string(out.begin(), out.begin() + static_cast<long>(got->size)) ==
          "ping from python-gssapi");
  }
  SECTION("other bytes: refused, channel bindings differ") {
    Child peer = python("initiate", exporter_like(8));
    K::AcceptorConfig acfg{testing::server()};
    acfg.channel_binding = cb;
    Acceptor<K> a(acfg, allow_all);
    step_result r = a.step(unhex(expect_line(peer, "TOKEN")));
    CHECK(r.st == status::failed);
    CHECK(r.token.empty());
    CHECK(a.last_error().code() == errc::decrypt_failed);
    CHECK(std::string(a.last_error().detail()).rfind("channel bindings differ: ", 0) == 0);
    std::printf("[error] acceptor: %s\n", std::string(a.last_error().detail()).c_str());
  }
}

TEST_CASE("krb5 interop: mutauth initiator with channel bindings against a python3-gssapi acceptor",
          "[kerberos][interop]") {
  Realms realm;
  const bytes cb = exporter_like(11);
  K::InitiatorConfig icfg{};
  icfg.channel_binding = cb;
  SECTION("same bytes: accepted, the python acceptor sees them bound") {
    Child peer = python("accept", cb);
    Initiator<K> i(testing::server(), icfg);
    step_result r = i.step();
    REQUIRE(r.st == status::send);
    peer.send_line("TOKEN " + hex(r.token));
    r = i.step(unhex(expect_line(peer, "TOKEN")));
    INFO(std::string(i.last_error().detail()));
    REQUIRE(r.st == status::done);
    CHECK(expect_line(peer, "PEER") == "alice@EXAMPLE.TEST");
    CHECK(expect_line(peer, "BOUND") == "1");
    auto s = std::move(i).finish();
    REQUIRE(s);
    CHECK(s->peer().name.view() == "host/server.example.test@EXAMPLE.TEST");
  }
  SECTION("other bytes: the python acceptor refuses (GSS_S_BAD_BINDINGS)") {
    Child peer = python("accept", exporter_like(12));
    Initiator<K> i(testing::server(), icfg);
    step_result r = i.step();
    REQUIRE(r.st == status::send);
    peer.send_line("TOKEN " + hex(r.token));
    const std::string err = expect_line(peer, "ERROR");
    std::printf("[error] python acceptor: %s\n", err.c_str());
    CHECK(err.find("channel binding") != std::string::npos);
    CHECK_FALSE(i.is_done());
  }
}
