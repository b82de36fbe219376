// Built with -fno-exceptions -fno-rtti and without Catch2: two Connection<Negotiate<pk>> objects
// wired in memory negotiate, handshake, exchange records and close with a global operator new
// that aborts (negotiate.hpp: no heap on the pk-only instantiation). A second pair without a
// common mechanism fails on both sides, still without the heap.
#include <cstdio>

#include "connection/pk_fixture.hpp"
#include "mutauth/negotiate.hpp"
#include "support/heap_guard.hpp"
#include "support/pk_alias.hpp"

using namespace mutauth;
using N = Negotiate<pk::PublicKey, mutauth::testing::AltPk>;
using Conn = Connection<N>;

namespace {

struct Tally {
  int established = 0, data = 0, closed = 0, failed = 0;
};

bool deliver(Conn& from, Conn& to, Tally& t) noexcept {
  static std::uint8_t wire[Conn::output_capacity];
  const bytes_view p = from.pending_output();
  const std::size_t len = p.size();
  for (std::size_t i = 0; i < len; ++i) wire[i] = p[i];
  from.consume_output(len);
  std::size_t off = 0;
  while (off < len) {
    auto r = to.receive(bytes_view(wire + off, len - off));
    for (auto ev = to.next_event(); ev.kind != connection_event::none; ev = to.next_event()) {
      if (ev.kind == connection_event::established) ++t.established;
      if (ev.kind == connection_event::data) ++t.data;
      if (ev.kind == connection_event::peer_closed) ++t.closed;
      if (ev.kind == connection_event::failed) ++t.failed;
    }
    if (!r) return false;
    off += *r;
  }
  return true;
}

}  // namespace

int main() {
  static mutauth::testing::PkPeers peers;
  static N::InitiatorConfig ic;
  ic.offer<pk::PublicKey>(peers.icfg).offer<mutauth::testing::AltPk>(peers.icfg);
  static N::AcceptorConfig ac;
  ac.accept<mutauth::testing::AltPk>(peers.acfg);  // the later offer: the longer path
  static N::InitiatorConfig pk_only;
  pk_only.offer<pk::PublicKey>(peers.icfg);
  mutauth::testing::g_forbid_heap = true;
  const unsigned long before = mutauth::testing::g_allocations;

  static Conn client(as_client, peers.target, ic);
  static Conn server(as_server, ac, mutauth::testing::admit_alice);
  Tally ct, st;
  EXPECT(client.start());
  for (int i = 0; i < 6 && !(client.is_established() && server.is_established()); ++i) {
    EXPECT(deliver(client, server, st));
    EXPECT(deliver(server, client, ct));
  }
  EXPECT(ct.established == 1 && st.established == 1);
  EXPECT(client.session()->mechanism() == "alt-pk/1" &&
         server.session()->mechanism() == "alt-pk/1");
  static std::uint8_t pt[1000];
  for (int i = 0; i < 50; ++i) {
    pt[0] = static_cast<std::uint8_t>(i);
    auto a = client.write(bytes_view(pt, sizeof pt));
    auto b = server.write(bytes_view(pt, sizeof pt));
    EXPECT(a && b);
    EXPECT(deliver(client, server, st) && deliver(server, client, ct));
  }
  EXPECT(ct.data == 50 && st.data == 50);
  EXPECT(client.close() && deliver(client, server, st) && st.closed == 1);
  EXPECT(server.close() && deliver(server, client, ct) && ct.closed == 1);

  static Conn c2(as_client, peers.target, pk_only);
  static Conn s2(as_server, ac, mutauth::testing::admit_alice);
  Tally c2t, s2t;
  EXPECT(c2.start());
  (void)deliver(c2, s2, s2t);
  (void)deliver(s2, c2, c2t);
  EXPECT(c2.failed() && s2.failed());
  EXPECT(c2.last_error().code() == errc::no_common_mechanism &&
         s2.last_error().code() == errc::no_common_mechanism);

  mutauth::testing::g_forbid_heap = false;
  EXPECT(mutauth::testing::g_allocations == before);
  std::printf(
      "negotiate no-heap: negotiated handshake + 50 records each way + refusal "
      "(sizeof(Connection<N>) = %zu): "
      "1 passed, 0 failed\n",
      sizeof(Conn));
  return 0;
}
