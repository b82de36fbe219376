// mutauth::asio::stream<tcp::socket, pk::PublicKey> (include/mutauth/asio.hpp) over real loopback
// TCP sockets, from a handshake that does not go through to the end of a connection: peers that
// vanish mid-handshake (the other side a raw socket), per-operation and socket cancellation, the
// bound on async_shutdown, a peer that drops the stream without its own close, and streams that
// move after the handshake.
#include "asio/pk_streams.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>

using namespace mutauth;  // hence ::asio:: for standalone asio (mutauth::asio is the layer)
using namespace mutauth::testing::asio_pk;

TEST_CASE(
    "asio: a server that vanishes after message 1: the client's handshake fails, no session, "
    "nothing sealed",
    "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &ss = sp.server;
  Stream client = client_stream(std::move(sp.client));
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
  run_again(io);
  CHECK(again == errc::wrong_state);
}

TEST_CASE("asio: a client that vanishes after message 1: the server's handshake fails, no session",
          "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);  // (no structured binding: Clang 14 cannot capture one)
  tcp::socket &cs = sp.client;
  Stream server = server_stream(std::move(sp.server));
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
    StreamPair st(io);
    Stream &client = st.client, &server = st.server;
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
    tcp::socket &ss = sp.server;
    Stream client = client_stream(std::move(sp.client));
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
    tcp::socket &ss = sp.server;
    Stream client = client_stream(std::move(sp.client));
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
    StreamPair st(io);
    Stream &client = st.client, &server = st.server;
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

TEST_CASE_METHOD(
    Connected,
    "asio: async_shutdown is bounded: a peer that never closes gives timed_out, and it got our "
    "close",
    "[pk]") {
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
  run_again(io);
  CHECK(wr == errc::wrong_state);
}

TEST_CASE("asio: a stream moves (the Connection is on the heap), empty buffers complete at once",
          "[pk]") {
  ::asio::io_context io;
  SocketPair sp = tcp_pair(io);
  std::vector<Stream> streams;
  streams.push_back(client_stream(std::move(sp.client)));
  streams.push_back(server_stream(std::move(sp.server)));
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
  run_again(io);
  CHECK(zero_w == 0);
  CHECK(zero_r == 0);
  CHECK(text(in, got) == m);
  CHECK(export_key(*moved_client.session()) == export_key(*moved_server.session()));
}

TEST_CASE_METHOD(
    Connected,
    "asio: a peer that drops the stream after our close, without its own, makes async_shutdown "
    "report truncation",
    "[pk]") {
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
