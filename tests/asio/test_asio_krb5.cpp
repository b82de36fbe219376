// mutauth::asio::stream<tcp::socket, krb5::Kerberos> against a real MIT KDC (tests/krb5's
// kdc_fixture.sh), over loopback TCP: both roles (callbacks: the Clang build has no asio
// coroutines, see echo.hpp), data both ways, the clean close, truncation, and a refused client.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "asio/echo.hpp"
#include "krb5/kdc_fixture.hpp"
#include "mutauth/asio.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "support/names.hpp"

using namespace mutauth;
using K = krb5::Kerberos;
using tcp = ::asio::ip::tcp;
using Stream = mutauth::asio::stream<tcp::socket, K>;

namespace {

using mutauth::testing::SocketPair;
using mutauth::testing::tcp_pair;
bool only_bob(const Principal &p) noexcept { return p.name.view() == "bob@EXAMPLE.TEST"; }

}  // namespace

TEST_CASE("asio krb5: both roles, 100 KiB echoed, clean close is eof, then truncation",
          "[kerberos]") {
  mutauth::testing::Realms realm;
  const ServicePrincipal target = mutauth::testing::spn("host/server.example.test");
  const K::InitiatorConfig icfg{};
  const K::AcceptorConfig acfg{target};
  ::asio::io_context io;

  SECTION("clean") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, mutauth::testing::allow_all);
    std::vector<std::uint8_t> payload(100 * 1024);
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<std::uint8_t>(i * 7 + 3);
    mutauth::testing::EchoServer<Stream> es{server};
    mutauth::testing::EchoClient<Stream> ec{client, payload};
    es.start();
    ec.start();
    io.run();
    REQUIRE_FALSE(es.handshake_ec);
    REQUIRE_FALSE(ec.handshake_ec);
    CHECK(server.session()->peer().name.view() == "alice@EXAMPLE.TEST");
    CHECK(client.session()->peer().name.view() == "host/server.example.test@EXAMPLE.TEST");
    CHECK(client.session()->local().name.view() == "alice@EXAMPLE.TEST");
    CHECK(ec.echoed == payload);
    CHECK(es.end == ::asio::error::eof);
    CHECK_FALSE(es.shutdown_ec);
    CHECK_FALSE(ec.shutdown_ec);
    CHECK(ec.done);
    CHECK(es.done);
  }
  SECTION("truncation") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, mutauth::testing::allow_all);
    std::error_code got{make_error_code(errc::malformed)};
    std::array<std::uint8_t, 16> buf{};
    server.async_handshake([&](std::error_code ec) {
      REQUIRE_FALSE(ec);
      server.next_layer().close();  // no sealed close
    });
    client.async_handshake([&](std::error_code ec) {
      REQUIRE_FALSE(ec);
      client.async_read_some(::asio::buffer(buf), [&](std::error_code e, std::size_t) { got = e; });
    });
    io.run();
    CHECK(got == errc::truncation);
  }
  SECTION("refused") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, only_bob);
    std::error_code c{}, s{};
    client.async_handshake([&](std::error_code ec) { c = ec; });
    server.async_handshake([&](std::error_code ec) { s = ec; });
    io.run();
    CHECK(s == errc::unauthorized);
    CHECK(c ==
          errc::unauthorized);  // the clear alert instead of the AP-REP: the client is not done
    CHECK(client.session() == nullptr);
    CHECK(server.session() == nullptr);
  }
}
