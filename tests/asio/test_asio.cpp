// mutauth::asio::stream<tcp::socket, pk::PublicKey> (include/mutauth/asio.hpp) over real loopback
// TCP sockets: both roles, three completion styles (coroutines, callbacks, use_future), asio's
// async_read/async_write composed on top, the clean close (eof) against truncation, peers that
// vanish mid-handshake, a refused client, per-operation and socket cancellation, and the bound
// on async_shutdown.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#if defined(ASIO_HAS_CO_AWAIT)  // GCC; not Clang 14 on libstdc++ (see echo.hpp)
#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#endif

#include "asio/echo.hpp"
#include "connection/pk_fixture.hpp"
#include "mutauth/asio.hpp"

using namespace mutauth;  // hence ::asio:: for standalone asio (mutauth::asio is the layer)
using PK = pk::PublicKey;
using tcp = ::asio::ip::tcp;
using Stream = mutauth::asio::stream<tcp::socket, PK>;
using bytes = std::vector<std::uint8_t>;

static_assert(std::is_nothrow_move_constructible_v<Stream>);
static_assert(std::is_nothrow_move_assignable_v<Stream>);
static_assert(!std::is_copy_constructible_v<Stream>);

namespace {

mutauth::testing::PkPeers &peers() {
  static mutauth::testing::PkPeers p;
  return p;
}
bool deny(const Principal &) noexcept { return false; }

using mutauth::testing::SocketPair;
using mutauth::testing::tcp_pair;

bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
  return b;
}
std::string text(const bytes &b, std::size_t n) {
  return std::string(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
}

#if defined(ASIO_HAS_CO_AWAIT)
// co_spawn completion: an exception inside the coroutine (a failed REQUIRE) leaves io.run().
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}
#endif

bytes export_key(const Session<PK> &s) {
  bytes k(32);
  REQUIRE(s.export_keying_material("mutauth asio test", k));
  return k;
}

}  // namespace

#if defined(ASIO_HAS_CO_AWAIT)
TEST_CASE(
    "asio: coroutines, both roles, async_read/async_write over 256 KiB, concurrent read and write, "
    "clean close is eof",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
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

TEST_CASE(
    "asio: callbacks, both roles, 256 KiB echoed with a read and a write outstanding together, "
    "clean close is eof",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
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

TEST_CASE(
    "asio: callbacks, a server whose socket closes without the sealed close is truncation for the "
    "reader",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
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
  io.restart();
  io.run();
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
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
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
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    Stream server(std::move(ss), peers().acfg, deny);
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

TEST_CASE(
    "asio: a server that vanishes after message 1: the client's handshake fails, no session, "
    "nothing sealed",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  // G1 before the handshake: neither read nor write works, and nothing is sent.
  std::error_code early_w, early_r;
  client.async_write_some(::asio::buffer("secret", 6), [&](std::error_code ec, std::size_t n) {
    early_w = ec;
    CHECK(n == 0);
  });
  std::array<std::uint8_t, 8> b8{};
  client.async_read_some(::asio::buffer(b8),
                         [&](std::error_code ec, std::size_t) { early_r = ec; });
  io.run();
  io.restart();
  CHECK(early_w == errc::wrong_state);
  CHECK(early_r == errc::wrong_state);

  std::size_t raw_got = 0;
  std::uint8_t raw_type = 0;
  std::array<std::uint8_t, 3> hdr{};  // §9.1 record header: type, 16-bit length
  bytes body;
  ::asio::async_read(ss, ::asio::buffer(hdr), [&](std::error_code e, std::size_t) {
    REQUIRE_FALSE(e);
    body.resize(static_cast<std::size_t>(hdr[1] << 8 | hdr[2]));
    ::asio::async_read(ss, ::asio::buffer(body), [&](std::error_code e2, std::size_t) {
      REQUIRE_FALSE(e2);
      raw_type = hdr[0];
      raw_got = 3 + body.size();
      ss.close();  // gone, mid-handshake
    });
  });
  std::error_code hs;
  client.async_handshake([&](std::error_code ec) { hs = ec; });
  io.run();
  CHECK(raw_got > 3);
  CHECK(raw_type == static_cast<std::uint8_t>(
                        record_type::handshake));  // the first byte on the wire was message 1
  CHECK(hs == errc::truncation);
  CHECK(client.session() == nullptr);
  CHECK_FALSE(client.is_established());
  // A second handshake is refused rather than restarted.
  std::error_code again;
  client.async_handshake([&](std::error_code ec) { again = ec; });
  io.restart();
  io.run();
  CHECK(again == errc::wrong_state);
}

TEST_CASE("asio: a client that vanishes after message 1: the server's handshake fails, no session",
          "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
  // A genuine message 1 from a sans-IO client, written by hand, then the socket closes.
  auto raw = std::make_unique<Connection<PK>>(as_client, peers().target, peers().icfg);
  REQUIRE(raw->start());
  const bytes m1(raw->pending_output().begin(), raw->pending_output().end());
  REQUIRE(::asio::write(cs, ::asio::buffer(m1)) == m1.size());
  cs.shutdown(tcp::socket::shutdown_send);
  std::error_code hs;
  server.async_handshake([&](std::error_code ec) { hs = ec; });
  io.run();
  CHECK(hs == errc::truncation);
  CHECK(server.session() == nullptr);
  // The server did answer message 1 before the client went: message 2 is on the wire.
  std::array<std::uint8_t, 3> hdr{};
  CHECK(::asio::read(cs, ::asio::buffer(hdr)) == 3);
  CHECK(hdr[0] == static_cast<std::uint8_t>(record_type::handshake));
}

TEST_CASE(
    "asio: cancellation — a per-operation slot cancels a read and the stream goes on, "
    "next_layer().cancel() ends a handshake",
    "[pk]") {
  ::asio::io_context io;
  SECTION("per-operation cancellation of a read") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
    ::asio::cancellation_signal cancel;
    std::error_code read_ec, read2_ec;
    std::size_t read2_n = 0;
    bytes buf(64);
    const std::string later = "after the cancelled read";
    server.async_handshake([](std::error_code ec) { REQUIRE_FALSE(ec); });
    client.async_handshake([&](std::error_code ec) {
      REQUIRE_FALSE(ec);
      client.async_read_some(
          ::asio::buffer(buf),
          ::asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code e, std::size_t n) {
            read_ec = e;
            CHECK(n == 0);
            // The stream survives a cancelled read: the next message arrives.
            ::asio::async_write(server, ::asio::buffer(later), [](std::error_code, std::size_t) {});
            ::asio::async_read(client, ::asio::buffer(buf.data(), later.size()),
                               [&](std::error_code e2, std::size_t n2) {
                                 read2_ec = e2;
                                 read2_n = n2;
                               });
          }));
      ::asio::post(io, [&] { cancel.emit(::asio::cancellation_type::terminal); });
    });
    io.run();
    CHECK(read_ec == ::asio::error::operation_aborted);
    CHECK_FALSE(read2_ec);
    CHECK(text(buf, read2_n) == later);
  }
  SECTION("next_layer().cancel() during the handshake, against a silent server") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    std::array<std::uint8_t, 3> hdr{};
    std::error_code hs;
    // The "server" reads the start of message 1 and never answers; then the client gives up.
    ::asio::async_read(ss, ::asio::buffer(hdr), [&](std::error_code ec, std::size_t) {
      REQUIRE_FALSE(ec);
      ::asio::post(io, [&] { client.next_layer().cancel(); });
    });
    client.async_handshake([&](std::error_code ec) { hs = ec; });
    io.run();
    CHECK(hs == ::asio::error::operation_aborted);
    CHECK(client.session() == nullptr);
  }
  SECTION("a per-operation slot cancels a handshake waiting for a silent server") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    ::asio::cancellation_signal cancel;
    std::array<std::uint8_t, 3> hdr{};
    std::error_code hs;
    ::asio::async_read(ss, ::asio::buffer(hdr), [&](std::error_code ec, std::size_t) {
      REQUIRE_FALSE(ec);
      ::asio::post(io, [&] { cancel.emit(::asio::cancellation_type::terminal); });
    });
    client.async_handshake(
        ::asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { hs = ec; }));
    io.run();
    CHECK(hs == ::asio::error::operation_aborted);
    CHECK(client.session() == nullptr);
  }
  SECTION("a per-operation slot cancels async_shutdown's wait") {
    SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
    tcp::socket &cs = sp.client, &ss = sp.server;
    Stream client(std::move(cs), peers().target, peers().icfg);
    Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
    ::asio::cancellation_signal cancel;
    std::error_code sd{make_error_code(errc::malformed)};
    server.async_handshake([](std::error_code ec) { REQUIRE_FALSE(ec); });  // then it never reads
    client.async_handshake([&](std::error_code ec) {
      REQUIRE_FALSE(ec);
      client.set_shutdown_timeout(std::chrono::seconds(30));  // the cancellation must come first
      client.async_shutdown(
          ::asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code e) { sd = e; }));
      ::asio::post(
          io, [&] { ::asio::post(io, [&] { cancel.emit(::asio::cancellation_type::terminal); }); });
    });
    const auto t0 = std::chrono::steady_clock::now();
    io.run();
    CHECK(sd == ::asio::error::operation_aborted);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  }
}

TEST_CASE(
    "asio: async_shutdown is bounded: a peer that never closes gives timed_out, and it got our "
    "close",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
  std::error_code sd{make_error_code(errc::malformed)}, server_read;
  std::chrono::steady_clock::duration took{};
  bytes buf(16);
  server.async_handshake([](std::error_code ec) { REQUIRE_FALSE(ec); });
  client.async_handshake([&](std::error_code ec) {
    REQUIRE_FALSE(ec);
    client.set_shutdown_timeout(std::chrono::milliseconds(200));
    CHECK(client.shutdown_timeout() == std::chrono::milliseconds(200));
    const auto t0 = std::chrono::steady_clock::now();
    client.async_shutdown([&, t0](std::error_code e) {
      sd = e;
      took = std::chrono::steady_clock::now() - t0;
      // Only now does the server read: the client's sealed close is there, a clean eof.
      server.async_read_some(::asio::buffer(buf),
                             [&](std::error_code e2, std::size_t) { server_read = e2; });
    });
  });
  io.run();
  CHECK(sd == ::asio::error::timed_out);
  CHECK(took >= std::chrono::milliseconds(150));
  CHECK(took < std::chrono::seconds(5));  // loose: the bound, not a benchmark
  CHECK(server_read == ::asio::error::eof);
  // Our close went out: no more writes.
  std::error_code wr;
  client.async_write_some(::asio::buffer("x", 1), [&](std::error_code e, std::size_t) { wr = e; });
  io.restart();
  io.run();
  CHECK(wr == errc::wrong_state);
}

TEST_CASE("asio: a stream moves (the Connection is on the heap), empty buffers complete at once",
          "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client, &ss = sp.server;
  std::vector<Stream> streams;
  streams.emplace_back(std::move(cs), peers().target, peers().icfg);
  streams.emplace_back(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
  std::error_code a{make_error_code(errc::malformed)}, b{make_error_code(errc::malformed)};
  streams[0].async_handshake([&](std::error_code ec) { a = ec; });
  streams[1].async_handshake([&](std::error_code ec) { b = ec; });
  io.run();
  REQUIRE_FALSE(a);
  REQUIRE_FALSE(b);
  Stream moved_client = std::move(streams[0]);
  Stream moved_server(std::move(streams[1]));
  streams.clear();
  REQUIRE(moved_client.session() != nullptr);
  CHECK(moved_client.session()->peer().name.view() == "host/server.example.test");

  const std::string m = "moved";
  bytes in(m.size());
  std::size_t zero_r = 99, zero_w = 99, got = 0;
  bool zero_r_inline = false;
  moved_client.async_write_some(::asio::const_buffer(), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    zero_w = n;
  });
  moved_server.async_read_some(::asio::mutable_buffer(), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    zero_r = n;
    zero_r_inline = true;
  });
  CHECK_FALSE(zero_r_inline);  // never inside the initiating call
  ::asio::async_write(moved_client, ::asio::buffer(m),
                      [](std::error_code ec, std::size_t) { CHECK_FALSE(ec); });
  ::asio::async_read(moved_server, ::asio::buffer(in), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    got = n;
  });
  io.restart();
  io.run();
  CHECK(zero_w == 0);
  CHECK(zero_r == 0);
  CHECK(text(in, got) == m);
  CHECK(export_key(*moved_client.session()) == export_key(*moved_server.session()));
}

TEST_CASE(
    "asio: a peer that drops the stream after our close, without its own, makes async_shutdown "
    "report truncation",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);
  tcp::socket &cs = sp.client, &ss = sp.server;
  Stream client(std::move(cs), peers().target, peers().icfg);
  Stream server(std::move(ss), peers().acfg, mutauth::testing::admit_alice);
  std::error_code sd{make_error_code(errc::malformed)}, server_read;
  bytes buf(16);
  server.async_handshake([&](std::error_code ec) {
    REQUIRE_FALSE(ec);
    server.async_read_some(::asio::buffer(buf), [&](std::error_code e, std::size_t) {
      server_read = e;
      server.next_layer().close();  // got the client's close, gives none back
    });
  });
  client.async_handshake([&](std::error_code ec) {
    REQUIRE_FALSE(ec);
    client.async_shutdown([&](std::error_code e) { sd = e; });
  });
  io.run();
  CHECK(server_read == ::asio::error::eof);
  CHECK(sd == errc::truncation);
}
