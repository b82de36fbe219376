// TEST ONLY. Callback-driven echo peers for mutauth::asio::stream, for builds without C++20
// coroutines in asio (Clang 14 with libstdc++ 12 does not define __cpp_impl_coroutine, so
// ASIO_HAS_CO_AWAIT is off there) and as the callback style of the tests.
#pragma once

#include <array>
#include <cstdint>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace mutauth::testing {

/// Two connected loopback TCP sockets.
struct SocketPair {
  ::asio::ip::tcp::socket client, server;
};
/// Blocking connect/accept on 127.0.0.1: call it before the io_context runs.
inline SocketPair tcp_pair(::asio::io_context& io) {
  using tcp = ::asio::ip::tcp;
  tcp::acceptor acc(io, tcp::endpoint(::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket c(io), s(io);
  c.connect(acc.local_endpoint());
  acc.accept(s);
  return {std::move(c), std::move(s)};
}

/// Server: handshake, echo every byte until the read fails (eof: the client's sealed close), then
/// async_shutdown.
template <class Stream>
struct EchoServer {
  explicit EchoServer(Stream& st) : s(st) {}
  Stream& s;
  std::array<std::uint8_t, 3000> buf{};
  std::error_code handshake_ec, end, shutdown_ec;
  std::size_t bytes = 0;
  bool done = false;

  void start() {
    s.async_handshake([this](std::error_code ec) {
      handshake_ec = ec;
      if (!ec) read();
    });
  }
  void read() {
    s.async_read_some(::asio::buffer(buf), [this](std::error_code ec, std::size_t n) {
      if (ec) {
        end = ec;
        s.async_shutdown([this](std::error_code e) {
          shutdown_ec = e;
          done = true;
        });
        return;
      }
      bytes += n;
      ::asio::async_write(s, ::asio::buffer(buf.data(), n), [this](std::error_code e, std::size_t) {
        if (e) end = e;
        else read();
      });
    });
  }
};

/// Client: handshake, then writes `payload` while it reads the echo (one read and one write
/// outstanding together), then async_shutdown.
template <class Stream>
struct EchoClient {
  EchoClient(Stream& st, const std::vector<std::uint8_t>& p) : s(st), payload(p) {}
  Stream& s;
  const std::vector<std::uint8_t>& payload;
  std::vector<std::uint8_t> echoed = std::vector<std::uint8_t>(payload.size());
  std::error_code handshake_ec, write_ec, read_ec, shutdown_ec;
  std::size_t written = 0, read_n = 0;
  int pending = 2;
  bool done = false;

  void start() {
    s.async_handshake([this](std::error_code ec) {
      handshake_ec = ec;
      if (ec) return;
      ::asio::async_write(s, ::asio::buffer(payload), [this](std::error_code e, std::size_t n) {
        write_ec = e;
        written = n;
        joined();
      });
      ::asio::async_read(s, ::asio::buffer(echoed), [this](std::error_code e, std::size_t n) {
        read_ec = e;
        read_n = n;
        joined();
      });
    });
  }
  void joined() {
    if (--pending != 0) return;
    s.async_shutdown([this](std::error_code e) {
      shutdown_ec = e;
      done = true;
    });
  }
};

}  // namespace mutauth::testing
