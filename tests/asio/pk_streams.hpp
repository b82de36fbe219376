// TEST ONLY. What the test_asio*.cpp files share: mutauth::asio::stream<tcp::socket,
// pk::PublicKey> (include/mutauth/asio.hpp) for both roles of the pk fixture
// (connection/pk_fixture.hpp) over one real loopback TCP pair (asio/echo.hpp), and the small
// helpers their checks use.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "asio/echo.hpp"
#include "connection/pk_fixture.hpp"
#include "mutauth/asio.hpp"

namespace mutauth::testing::asio_pk {

using PK = pk::PublicKey;
using tcp = ::asio::ip::tcp;
using Stream = mutauth::asio::stream<tcp::socket, PK>;
using bytes = std::vector<std::uint8_t>;
using mutauth::testing::SocketPair;
using mutauth::testing::tcp_pair;

// One set of keys and configurations for every test of the program (each stream only refers to
// them: include/mutauth/asio.hpp, Lifetimes).
inline PkPeers &peers() {
  static PkPeers p;
  return p;
}
inline bool deny(const Principal &) noexcept { return false; }

/// The client over `s`, demanding the fixture's server.
inline Stream client_stream(tcp::socket &&s) {
  return Stream(std::move(s), peers().target, peers().icfg);
}
/// The server over `s`, deciding with `admit`.
inline Stream server_stream(tcp::socket &&s, Authorizer admit = admit_alice) {
  return Stream(std::move(s), peers().acfg, admit);
}

/// Both roles over one loopback pair, connected before the io_context runs (tcp_pair).
struct StreamPair {
  explicit StreamPair(::asio::io_context &io, Authorizer admit = admit_alice)
      : StreamPair(tcp_pair(io), admit) {}
  Stream client, server;

 private:
  StreamPair(SocketPair &&sp, Authorizer admit)
      : client(client_stream(std::move(sp.client))),
        server(server_stream(std::move(sp.server), admit)) {}
};

/// The fixture of a test case (TEST_CASE_METHOD) that runs both roles on one io_context.
struct Connected {
  ::asio::io_context io;
  StreamPair streams{io};
  Stream &client = streams.client, &server = streams.server;
};

/// Runs the handlers queued after an earlier run() returned (asio wants the restart first).
inline void run_again(::asio::io_context &io) {
  io.restart();
  io.run();
}

inline bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
  return b;
}
inline std::string text(const bytes &b, std::size_t n) {
  return std::string(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
}

#if defined(ASIO_HAS_CO_AWAIT)
// co_spawn completion: an exception inside the coroutine (a failed REQUIRE) leaves io.run().
inline void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}
#endif

inline bytes export_key(const Session<PK> &s) {
  bytes k(32);
  REQUIRE(s.export_keying_material("mutauth asio test", k));
  return k;
}

}  // namespace mutauth::testing::asio_pk
