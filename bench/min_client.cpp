// min_client — the smallest useful mutauth-pk/1 client, built at -Os to measure what the library
// costs in code size (report.sh strips it and runs `size`). It is a real client, not a stub, so
// that the whole initiator path (Noise, proofs, pinned trust, session) is linked:
//
//   stdin:  32-byte client Ed25519 seed | 32-byte pinned server key | frames from the server
//   stdout: frames to the server          frame = u16 big-endian length | bytes
//   argv[1] (optional): the service principal to demand (default host/server.example.test)
//
// The handshake is mutauth-pk/1's four messages (the client sends 1 and 3, receives 2 and 4, the
// server's admission). After it, the client seals "hello" as one data record, opens one record
// from the server and writes its plaintext to stderr, then seals its close (every close travels
// sealed, docs/protocol/mutauth-pk.md §8.1, §9.3: a stream ending without one was truncated). Plain read/write instead of stdio or iostreams: the point is to
// measure mutauth, not the C++ I/O library.
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"

namespace {

using PK = mutauth::pk::PublicKey;
using mutauth::bytes_view;

bool read_all(int fd, std::uint8_t* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t r = ::write(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool send_frame(bytes_view t) noexcept {
  const std::uint8_t h[2] = {static_cast<std::uint8_t>(t.size() >> 8),
                             static_cast<std::uint8_t>(t.size())};
  return write_all(1, h, 2) && write_all(1, t.data(), t.size());
}

// Returns the frame length, or -1 on end of input or a frame larger than `cap`.
long recv_frame(std::uint8_t* buf, std::size_t cap) noexcept {
  std::uint8_t h[2];
  if (!read_all(0, h, 2)) return -1;
  const std::size_t n = (std::size_t{h[0]} << 8) | h[1];
  if (n > cap || !read_all(0, buf, n)) return -1;
  return static_cast<long>(n);
}

int fail(std::string_view what, const mutauth::error& e) noexcept {
  const auto* w = reinterpret_cast<const std::uint8_t*>(what.data());
  const auto d = e.detail();
  (void)write_all(2, w, what.size());
  (void)write_all(2, reinterpret_cast<const std::uint8_t*>(d.data()), d.size());
  (void)write_all(2, reinterpret_cast<const std::uint8_t*>("\n"), 1);
  return 1;
}

// Token and record buffers in static storage: the handshake object itself is ~15 KB, and a
// small client should not need both on the stack.
std::uint8_t g_in[PK::max_token_size];
std::uint8_t g_rec[64];

}  // namespace

int main(int argc, char** argv) {
  using namespace mutauth;
  std::uint8_t keys[64];
  if (!read_all(0, keys, sizeof keys)) return 2;
  auto key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(keys, 32));
  sodium_memzero(keys, 32);
  if (!key) return fail("key: ", key.error_value());
  auto target = ServicePrincipal::parse(argc > 1 ? argv[1] : "host/server.example.test");
  if (!target) return fail("target: ", target.error_value());
  pk::Ed25519PublicKey server_key;
  for (std::size_t i = 0; i < 32; ++i) server_key.bytes[i] = keys[32 + i];
  const pk::PinnedServer pin{*target, server_key};
  pk::InitiatorConfig cfg;
  cfg.identity = {&*key, "client"};
  cfg.trust.pinned = std::span<const pk::PinnedServer>(&pin, 1);

  Initiator<PK> hs(*target, cfg);
  step_result r = hs.step();
  while (r.st == status::send) {  // message 1 out, 2 in; message 3 out, 4 in (then done)
    if (!send_frame(r.token)) return 2;
    const long n = recv_frame(g_in, sizeof g_in);
    if (n < 0) return 2;
    r = hs.step(bytes_view(g_in, static_cast<std::size_t>(n)));
  }
  if (r.st != status::done) return fail("handshake: ", hs.last_error());
  if (!r.token.empty() && !send_frame(r.token)) return 2;
  auto session = std::move(hs).finish();
  if (!session) return fail("handshake: ", session.error_value());

  static constexpr std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  auto sealed = session->seal(hello, g_rec);
  if (!sealed) return fail("seal: ", sealed.error_value());
  if (!send_frame(bytes_view(g_rec, *sealed))) return 2;
  const long n = recv_frame(g_in, sizeof g_in);
  if (n < 0) return 2;
  auto opened = session->open(bytes_view(g_in, static_cast<std::size_t>(n)), g_in);
  if (!opened) return fail("open: ", opened.error_value());
  if (opened->type != content_type::data) return 2;  // the server closed or alerted instead
  if (!write_all(2, g_in, opened->size)) return 2;
  auto closed = session->close(g_rec);
  if (!closed) return fail("close: ", closed.error_value());
  return send_frame(bytes_view(g_rec, *closed)) ? 0 : 2;
}
