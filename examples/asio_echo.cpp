// mutauth over standalone asio: an echo server and its client in one program, on 127.0.0.1,
// with mutauth::asio::stream (include/mutauth/asio.hpp), which works like ::asio::ssl::stream.
// Both sides prove who they are (mutauth-pk/1, docs/protocol/mutauth-pk.md) before a byte of
// data moves; each ends with its sealed close, so the other can tell a clean end (eof) from a
// cut connection (errc::truncation).
//
// It uses futures so that it reads top to bottom; callbacks and coroutines
// (::asio::use_awaitable) take the same calls. Build: target example_asio_echo.
#include <array>
#include <cstdint>
#include <cstdio>
#include <future>
#include <span>
#include <string>
#include <system_error>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include "mutauth/asio.hpp"
#include "mutauth/mech/pk/pk.hpp"

using namespace mutauth;  // so standalone asio is spelled ::asio (mutauth::asio is the layer)
using tcp = ::asio::ip::tcp;
using Stream = mutauth::asio::stream<tcp::socket, pk::PublicKey>;

// The server's policy (G3): authentication says who the client is, this says who may come in.
static bool admit_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

static void print_peer(const char* who, const Stream& s) {
  const auto name = s.session()->peer().name.view();
  std::printf("%s: the peer proved %.*s\n", who, static_cast<int>(name.size()), name.data());
}

// One connection: handshake, echo until the client's sealed close, then our own close.
static void serve(tcp::acceptor& acceptor, const pk::AcceptorConfig& cfg) {
  Stream s(acceptor.async_accept(::asio::use_future).get(), cfg, admit_alice);
  s.async_handshake(::asio::use_future)
      .get();  // throws std::system_error (e.g. errc::unauthorized)
  print_peer("server", s);
  std::array<std::uint8_t, 4096> buf{};
  for (;;) {
    std::size_t n = 0;
    try {
      n = s.async_read_some(::asio::buffer(buf), ::asio::use_future).get();
    } catch (const std::system_error& e) {
      if (e.code() != ::asio::error::eof)
        throw;  // errc::truncation: cut off without the sealed close
      break;    // the client's sealed close: a clean end
    }
    ::asio::async_write(s, ::asio::buffer(buf.data(), n), ::asio::use_future).get();
  }
  s.async_shutdown(::asio::use_future).get();
}

int main() {
  // Keys from fixed seeds keep the example self-contained; real programs load keys made by
  // ssh-keygen (pk::load_private_key_file) and trust CAs through known_hosts/authorized_keys.
  const std::uint8_t server_seed[32] = {1}, client_seed[32] = {2};
  auto server_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(server_seed));
  auto client_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(client_seed));
  auto service =
      ServicePrincipal::parse("echo/server.example.test");  // the name the client demands (G2)
  if (!server_key || !client_key || !service) return 1;
  const pk::PinnedServer known_server[] = {{*service, server_key->public_key()}};
  const pk::PinnedClient known_client[] = {{"alice", client_key->public_key()}};
  pk::InitiatorConfig client_cfg;
  client_cfg.identity = {&*client_key, "alice"};
  client_cfg.trust.pinned = known_server;
  pk::AcceptorConfig server_cfg{
      .identity = {&*server_key, {}}, .service = *service, .trust = {}, .channel_binding = {}};
  server_cfg.trust.pinned = known_client;

  ::asio::io_context io;
  auto work = ::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  tcp::acceptor acceptor(io, tcp::endpoint(::asio::ip::make_address("127.0.0.1"), 0));
  auto server = std::async(std::launch::async, [&] { serve(acceptor, server_cfg); });

  int status = 1;
  Stream c(tcp::socket(io), *service, client_cfg);  // the configurations outlive the streams
  try {
    c.next_layer().connect(acceptor.local_endpoint());
    c.async_handshake(::asio::use_future).get();
    print_peer("client", c);
    const std::string msg = "hello through mutauth over asio";
    ::asio::async_write(c, ::asio::buffer(msg), ::asio::use_future).get();
    std::string back(msg.size(), '\0');
    ::asio::async_read(c, ::asio::buffer(back), ::asio::use_future).get();
    c.async_shutdown(::asio::use_future).get();  // our close, then the server's, within 5 s
    server.get();
    std::printf("client: echoed \"%s\"\n", back.c_str());
    if (back == msg) {
      std::printf("asio_echo: OK\n");
      status = 0;
    }
  } catch (const std::system_error& e) {
    const auto detail = c.last_error().detail();  // mutauth's own words behind an errc code
    std::fprintf(stderr, "asio_echo: %s (%.*s)\n", e.code().message().c_str(),
                 static_cast<int>(detail.size()), detail.data());
  }
  work.reset();
  runner.join();
  return status;
}
