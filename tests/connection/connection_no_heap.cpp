// Built with -fno-exceptions -fno-rtti and without Catch2: two Connection<pk::PublicKey> objects
// wired in memory run a full handshake, 100 records each way and the sealed close both ways
// with a global operator new that aborts (issue 13 item 1: no heap on the pk path).
#include <cstdio>

#include "connection/pk_fixture.hpp"
#include "support/heap_guard.hpp"

using namespace mutauth;
using PK = pk::PublicKey;
using Conn = Connection<PK>;

namespace {

// Moves a's pending output into b, `chunk` bytes per receive() call, taking events as they come.
// Returns false on a failure on either side.
struct Tally {
  int established = 0, data = 0, closed = 0;
  std::size_t bytes = 0;
  std::uint8_t first = 0;
};

bool deliver(Conn& from, Conn& to, Tally& t, std::size_t chunk) noexcept {
  // Copy out: the receiver's own output may be produced while we feed it.
  static std::uint8_t wire[Conn::output_capacity];
  const bytes_view p = from.pending_output();
  const std::size_t len = p.size();
  for (std::size_t i = 0; i < len; ++i) wire[i] = p[i];
  from.consume_output(len);
  std::size_t off = 0;
  while (off < len) {
    const std::size_t n = len - off < chunk ? len - off : chunk;
    auto r = to.receive(bytes_view(wire + off, n));
    if (!r) return false;
    off += *r;
    for (auto ev = to.next_event(); ev.kind != connection_event::none; ev = to.next_event()) {
      if (ev.kind == connection_event::established) ++t.established;
      if (ev.kind == connection_event::data) {
        ++t.data;
        t.bytes += ev.data.size();
        t.first = ev.data[0];
      }
      if (ev.kind == connection_event::peer_closed) ++t.closed;
      if (ev.kind == connection_event::failed) return false;
    }
  }
  return true;
}

}  // namespace

int main() {
  static mutauth::testing::PkPeers peers;
  mutauth::testing::g_forbid_heap = true;
  const unsigned long before = mutauth::testing::g_allocations;
  static Conn client(as_client, peers.target, peers.icfg);
  static Conn server(as_server, peers.acfg, mutauth::testing::admit_alice);
  Tally ct, st;
  EXPECT(client.start());
  for (int i = 0; i < 4 && !(client.is_established() && server.is_established()); ++i) {
    EXPECT(deliver(client, server, st, 7));
    EXPECT(deliver(server, client, ct, 7));
  }
  EXPECT(client.is_established() && server.is_established() && ct.established == 1 &&
         st.established == 1);
  EXPECT(server.session()->peer().name.view() == "alice");

  static std::uint8_t pt[4096];
  for (int i = 0; i < 100; ++i) {
    for (std::size_t k = 0; k < sizeof pt; ++k) pt[k] = static_cast<std::uint8_t>(i + k);
    const std::size_t len = 1 + static_cast<std::size_t>(i) * 37 % sizeof pt;
    auto a = client.write(bytes_view(pt, len));
    auto b = server.write(bytes_view(pt, len));
    EXPECT(a && *a == len && b && *b == len);
    EXPECT(deliver(client, server, st, 1000));
    EXPECT(deliver(server, client, ct, 1000));
    EXPECT(ct.first == pt[0] && st.first == pt[0]);
  }
  EXPECT(ct.data == 100 && st.data == 100 && ct.bytes == st.bytes);
  EXPECT(client.close() && deliver(client, server, st, 3) && st.closed == 1);
  EXPECT(server.close() && deliver(server, client, ct, 3) && ct.closed == 1);
  EXPECT(client.receive_eof() && server.receive_eof());
  mutauth::testing::g_forbid_heap = false;
  EXPECT(mutauth::testing::g_allocations == before);
  std::printf(
      "connection no-heap handshake + 100 records each way (sizeof(Connection<pk>) = %zu): 1 "
      "passed, 0 failed\n",
      sizeof(Conn));
  return 0;
}
