// mutauth::asio::stream<tcp::socket, krb5::Kerberos> against a real MIT KDC (tests/krb5's
// kdc_fixture.sh), over loopback TCP: both roles with coroutines, data both ways, the clean close,
// truncation, and a refused client.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "krb5/kdc_fixture.hpp"
#include "mutauth/asio.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "support/names.hpp"

using namespace mutauth;
using K = krb5::Kerberos;
using tcp = ::asio::ip::tcp;
using Stream = mutauth::asio::stream<tcp::socket, K>;

namespace {

struct SocketPair {
  tcp::socket client, server;
};
SocketPair tcp_pair(::asio::io_context& io) {
  tcp::acceptor acc(io, tcp::endpoint(::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket c(io), s(io);
  c.connect(acc.local_endpoint());
  acc.accept(s);
  return {std::move(c), std::move(s)};
}
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}
bool only_bob(const Principal& p) noexcept { return p.name.view() == "bob@EXAMPLE.TEST"; }

}  // namespace

TEST_CASE("asio krb5: coroutines, both roles, 100 KiB echoed, clean close is eof; then truncation", "[kerberos]") {
  mutauth::testing::Realms realm;
  const ServicePrincipal target = mutauth::testing::spn("host/server.example.test");
  const K::InitiatorConfig icfg{};
  const K::AcceptorConfig acfg{target};
  ::asio::io_context io;

  SECTION("clean") {
    auto [cs, ss] = tcp_pair(io);
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, mutauth::testing::allow_all);
    std::vector<std::uint8_t> payload(100 * 1024), echoed(payload.size());
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 3);
    std::error_code server_end;
    bool done = false;
    ::asio::co_spawn(io, [&]() -> ::asio::awaitable<void> {
      co_await server.async_handshake(::asio::use_awaitable);
      CHECK(server.session()->peer().name.view() == "alice@EXAMPLE.TEST");
      std::array<std::uint8_t, 3000> buf{};
      for (;;) {
        std::error_code ec;
        const std::size_t n = co_await server.async_read_some(::asio::buffer(buf), ::asio::redirect_error(::asio::use_awaitable, ec));
        if (ec) {
          server_end = ec;
          break;
        }
        co_await ::asio::async_write(server, ::asio::buffer(buf.data(), n), ::asio::use_awaitable);
      }
      co_await server.async_shutdown(::asio::use_awaitable);
    }, rethrow);
    ::asio::co_spawn(io, [&]() -> ::asio::awaitable<void> {
      co_await client.async_handshake(::asio::use_awaitable);
      CHECK(client.session()->peer().name.view() == "host/server.example.test@EXAMPLE.TEST");
      CHECK(client.session()->local().name.view() == "alice@EXAMPLE.TEST");
      ::asio::co_spawn(io, [&]() -> ::asio::awaitable<void> {
        co_await ::asio::async_write(client, ::asio::buffer(payload), ::asio::use_awaitable);
      }, rethrow);
      co_await ::asio::async_read(client, ::asio::buffer(echoed), ::asio::use_awaitable);
      co_await client.async_shutdown(::asio::use_awaitable);
      done = true;
    }, rethrow);
    io.run();
    CHECK(done);
    CHECK(echoed == payload);
    CHECK(server_end == ::asio::error::eof);
  }
  SECTION("truncation") {
    auto [cs, ss] = tcp_pair(io);
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, mutauth::testing::allow_all);
    std::error_code got{make_error_code(errc::malformed)};
    ::asio::co_spawn(io, [&]() -> ::asio::awaitable<void> {
      co_await server.async_handshake(::asio::use_awaitable);
      server.next_layer().close();  // no sealed close
    }, rethrow);
    ::asio::co_spawn(io, [&]() -> ::asio::awaitable<void> {
      co_await client.async_handshake(::asio::use_awaitable);
      std::array<std::uint8_t, 16> buf{};
      (void)co_await client.async_read_some(::asio::buffer(buf), ::asio::redirect_error(::asio::use_awaitable, got));
    }, rethrow);
    io.run();
    CHECK(got == errc::truncation);
  }
  SECTION("refused") {
    auto [cs, ss] = tcp_pair(io);
    Stream client(std::move(cs), target, icfg);
    Stream server(std::move(ss), acfg, only_bob);
    std::error_code c{}, s{};
    client.async_handshake([&](std::error_code ec) { c = ec; });
    server.async_handshake([&](std::error_code ec) { s = ec; });
    io.run();
    CHECK(s == errc::unauthorized);
    CHECK(c);  // the client never got the AP-REP: it is not done
    CHECK(client.session() == nullptr);
    CHECK(server.session() == nullptr);
  }
}
