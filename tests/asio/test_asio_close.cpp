// mutauth::asio::stream<tcp::socket, pk::PublicKey> (include/mutauth/asio.hpp) over real loopback
// TCP sockets, at the end of a connection: the bound on async_shutdown, a peer that drops the
// stream without its own close, and streams that move after the handshake.
#include "asio/pk_streams.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace mutauth;  // hence ::asio:: for standalone asio (mutauth::asio is the layer)
using namespace mutauth::testing::asio_pk;

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
