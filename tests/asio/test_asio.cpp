// mutauth::asio::stream<tcp::socket, pk::PublicKey> (include/mutauth/asio.hpp) over real loopback
// TCP sockets: both roles, three completion styles (coroutines, callbacks, use_future), asio's
// async_read/async_write composed on top, the clean close (eof) against truncation, and a refused
// client. Peers that vanish, cancellation, the bound on async_shutdown and moved streams:
// test_asio_lifecycle.cpp (one program in two files, which a 2-core build compiles in parallel).
#include "asio/pk_streams.hpp"

#include <array>
#include <future>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

#include <asio/use_future.hpp>
#if defined(ASIO_HAS_CO_AWAIT)  // GCC; not Clang 14 on libstdc++ (see echo.hpp)
#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#endif

using namespace mutauth;  // hence ::asio:: for standalone asio (mutauth::asio is the layer)
using namespace mutauth::testing::asio_pk;

static_assert(std::is_nothrow_move_constructible_v<Stream>);
static_assert(std::is_nothrow_move_assignable_v<Stream>);
static_assert(!std::is_copy_constructible_v<Stream>);

#if defined(ASIO_HAS_CO_AWAIT)
TEST_CASE_METHOD(
    Connected,
    "asio: coroutines, both roles, async_read/async_write over 256 KiB, concurrent read and write, "
    "clean close is eof",
    "[pk]") {
  const bytes payload = pattern(256 * 1024);
  bytes echoed(payload.size());
  std::error_code server_end, client_after;
  std::size_t server_bytes = 0;
  bool client_done = false, server_done = false;

  // The server echoes until the client's sealed close (eof), then closes its side.
  ::asio::co_spawn(
      io,
      [&]() -> ::asio::awaitable<void> {
        co_await server.async_handshake(::asio::use_awaitable);
        REQUIRE(server.session() != nullptr);
        CHECK(server.session()->peer().name.view() == "alice");
        CHECK(server.side() == role::acceptor);
        std::array<std::uint8_t, 5000> buf{};
        for (;;) {
          std::error_code ec;
          const std::size_t n = co_await server.async_read_some(
              ::asio::buffer(buf), ::asio::redirect_error(::asio::use_awaitable, ec));
          if (ec) {
            server_end = ec;
            break;
          }
          server_bytes += n;
          co_await ::asio::async_write(server, ::asio::buffer(buf.data(), n),
                                       ::asio::use_awaitable);
        }
        co_await server.async_shutdown(
            ::asio::use_awaitable);  // the client's close came: ours goes
        server_done = true;
      },
      rethrow);

  ::asio::co_spawn(
      io,
      [&]() -> ::asio::awaitable<void> {
        co_await client.async_handshake(::asio::use_awaitable);
        REQUIRE(client.session() != nullptr);
        CHECK(client.session()->peer().name.view() == "host/server.example.test");
        CHECK(client.session()->local().name.view() == "alice");
        // One write outstanding (another coroutine) while this one reads.
        bool written = false;
        ::asio::co_spawn(
            io,
            [&]() -> ::asio::awaitable<void> {
              const std::size_t n = co_await ::asio::async_write(client, ::asio::buffer(payload),
                                                                 ::asio::use_awaitable);
              CHECK(n == payload.size());
              written = true;
            },
            rethrow);
        const std::size_t got =
            co_await ::asio::async_read(client, ::asio::buffer(echoed), ::asio::use_awaitable);
        CHECK(got == payload.size());
        CHECK(written);
        co_await client.async_shutdown(::asio::use_awaitable);  // ok: the server's close came back
        std::array<std::uint8_t, 16> buf{};
        (void)co_await client.async_read_some(
            ::asio::buffer(buf), ::asio::redirect_error(::asio::use_awaitable, client_after));
        client_done = true;
      },
      rethrow);

  io.run();
  REQUIRE(client_done);
  REQUIRE(server_done);
  CHECK(echoed == payload);
  CHECK(server_bytes == payload.size());
  CHECK(server_end == ::asio::error::eof);  // the sealed close: a clean end, not truncation
  CHECK(client_after == ::asio::error::eof);
  // The two sessions agree on the exporter (both still readable after the close).
  CHECK(export_key(*client.session()) == export_key(*server.session()));
}

#endif  // ASIO_HAS_CO_AWAIT

TEST_CASE_METHOD(
    Connected,
    "asio: callbacks, both roles, 256 KiB echoed with a read and a write outstanding together, "
    "clean close is eof",
    "[pk]") {
  const bytes payload = pattern(256 * 1024);
  mutauth::testing::EchoServer<Stream> es{server};
  mutauth::testing::EchoClient<Stream> ec{client, payload};
  es.start();
  ec.start();
  io.run();
  REQUIRE_FALSE(ec.handshake_ec);
  REQUIRE_FALSE(es.handshake_ec);
  CHECK(server.session()->peer().name.view() == "alice");
  CHECK(client.session()->peer().name.view() == "host/server.example.test");
  CHECK_FALSE(ec.write_ec);
  CHECK_FALSE(ec.read_ec);
  CHECK(ec.written == payload.size());
  CHECK(ec.echoed == payload);
  CHECK(es.end == ::asio::error::eof);  // the client's sealed close
  CHECK_FALSE(es.shutdown_ec);
  CHECK_FALSE(ec.shutdown_ec);  // the server's close came back within the bound
  REQUIRE(ec.done);
  REQUIRE(es.done);
}

TEST_CASE_METHOD(
    Connected,
    "asio: callbacks, a server whose socket closes without the sealed close is truncation for the "
    "reader",
    "[pk]") {
  std::error_code chs{make_error_code(errc::malformed)}, shs{make_error_code(errc::malformed)},
      first_ec, second_ec, write_ec;
  bytes buf(64);
  std::size_t first_n = 0;
  const std::string msg = "last words, then the plug is pulled";

  server.async_handshake([&](std::error_code ec) {
    shs = ec;
    if (ec) return;
    ::asio::async_write(server, ::asio::buffer(msg), [&](std::error_code ec2, std::size_t) {
      write_ec = ec2;
      server.next_layer().close();  // no async_shutdown: the stream just ends
    });
  });
  client.async_handshake([&](std::error_code ec) {
    chs = ec;
    if (ec) return;
    ::asio::async_read(
        client, ::asio::buffer(buf.data(), msg.size()), [&](std::error_code ec1, std::size_t n) {
          first_ec = ec1;
          first_n = n;
          client.async_read_some(::asio::buffer(buf),
                                 [&](std::error_code ec2, std::size_t) { second_ec = ec2; });
        });
  });
  io.run();
  REQUIRE_FALSE(chs);
  REQUIRE_FALSE(shs);
  CHECK_FALSE(write_ec);
  CHECK_FALSE(first_ec);
  CHECK(text(buf, first_n) == msg);
  CHECK(second_ec == errc::truncation);
  CHECK(second_ec != ::asio::error::eof);
  CHECK(&second_ec.category() == &mutauth_category());
  CHECK(client.last_error().code() == errc::truncation);
  // Sticky: another read says the same, and nothing is sealed any more.
  std::error_code again, wr;
  client.async_read_some(::asio::buffer(buf), [&](std::error_code ec, std::size_t) { again = ec; });
  client.async_write_some(::asio::buffer(msg), [&](std::error_code ec, std::size_t) { wr = ec; });
  run_again(io);
  CHECK(again == errc::truncation);
  CHECK(wr == errc::truncation);
}

TEST_CASE(
    "asio: use_future from another thread, a refused client fails with unauthorized on both sides",
    "[pk]") {
  ::asio::io_context io;
  auto work = ::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });

  SECTION("admitted: handshake, a message each way, shutdown") {
    StreamPair st(io);
    Stream &client = st.client, &server = st.server;
    auto sh = server.async_handshake(::asio::use_future);
    auto ch = client.async_handshake(::asio::use_future);
    REQUIRE_NOTHROW(ch.get());
    REQUIRE_NOTHROW(sh.get());
    const std::string ping = "ping over a future";
    bytes in(ping.size());
    auto r = ::asio::async_read(server, ::asio::buffer(in), ::asio::use_future);
    CHECK(::asio::async_write(client, ::asio::buffer(ping), ::asio::use_future).get() ==
          ping.size());
    CHECK(r.get() == ping.size());
    CHECK(text(in, in.size()) == ping);
    // The server reads while the client shuts down: it sees the client's close as eof.
    bytes one(1);
    auto srd = server.async_read_some(::asio::buffer(one), ::asio::use_future);
    client.set_shutdown_timeout(std::chrono::milliseconds(300));
    auto csd = client.async_shutdown(::asio::use_future);
    try {
      srd.get();
      FAIL("the server's read should end with eof");
    } catch (const std::system_error &e) {
      CHECK(e.code() == ::asio::error::eof);
    }
    REQUIRE_NOTHROW(server.async_shutdown(::asio::use_future).get());
    REQUIRE_NOTHROW(csd.get());
  }
  SECTION("refused") {
    StreamPair st(io, deny);
    Stream &client = st.client, &server = st.server;
    auto sh = server.async_handshake(::asio::use_future);
    auto ch = client.async_handshake(::asio::use_future);
    std::error_code cerr, serr;
    try {
      ch.get();
    } catch (const std::system_error &e) {
      cerr = e.code();
    }
    try {
      sh.get();
    } catch (const std::system_error &e) {
      serr = e.code();
    }
    CHECK(serr == errc::unauthorized);
    CHECK(cerr == errc::unauthorized);  // the server's clear alert, before any message 4
    CHECK(client.session() == nullptr);
    CHECK(server.session() == nullptr);
    CHECK(client.last_error().code() == errc::unauthorized);
    // G1: nothing can be sealed after a refusal.
    try {
      ::asio::async_write(client, ::asio::buffer("x", 1), ::asio::use_future).get();
      FAIL("write after a refused handshake");
    } catch (const std::system_error &e) {
      CHECK(e.code() == errc::unauthorized);
    }
  }
  work.reset();
  runner.join();
}
