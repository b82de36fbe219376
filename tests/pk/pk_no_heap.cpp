// Built with -fno-exceptions -fno-rtti and without Catch2: a full mutauth-pk/1 handshake and
// 1,000 records each way with a global operator new that aborts, so any heap allocation on the
// handshake or session path fails the test (issue 3, G6; the embedded promise of the brief).
#include <cstdio>
#include <cstdlib>
#include <new>

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/heap_guard.hpp"

using namespace mutauth;
using PK = pk::PublicKey;

namespace {
bool allow(const Principal& p) noexcept { return p.name.view() == "alice"; }
}  // namespace

int main() {
  const std::uint8_t seed_s[32] = {1}, seed_c[32] = {2};
  auto server_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed_s, 32));
  auto client_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed_c, 32));
  EXPECT(server_key && client_key);
  auto target = ServicePrincipal::parse("host/server.example.test");
  EXPECT(target);
  const pk::PinnedServer server_pins[1] = {{*target, server_key->public_key()}};
  const pk::PinnedClient client_pins[1] = {{"alice", client_key->public_key()}};
  pk::InitiatorConfig icfg;
  icfg.identity = {&*client_key, "alice"};
  icfg.trust.pinned = server_pins;
  pk::AcceptorConfig acfg{
      .identity = {&*server_key, {}}, .service = *target, .trust = {}, .channel_binding = {}};
  acfg.trust.pinned = client_pins;

  mutauth::testing::g_forbid_heap = true;
  const unsigned long before = mutauth::testing::g_allocations;
  // Objects live in static storage: a 15 KB handshake on a small embedded stack is the
  // caller's choice, not something this test should hide.
  static Initiator<PK> client(*target, icfg);
  static Acceptor<PK> server(acfg, allow);
  EXPECT(mutauth::testing::run_handshake_no_heap(client, server) == 0);
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  EXPECT(cs && ss);
  EXPECT(ss->peer().name.view() == "alice");

  std::uint8_t pt[1024], rec[1024 + Session<PK>::seal_overhead], out[1024];
  for (int i = 0; i < 1000; ++i) {
    for (std::size_t k = 0; k < sizeof pt; ++k) pt[k] = static_cast<std::uint8_t>(i + k);
    Session<PK>& tx = (i % 2) ? *ss : *cs;
    Session<PK>& rx = (i % 2) ? *cs : *ss;
    auto n = tx.seal(bytes_view(pt, 100 + i % 900), rec);
    EXPECT(n);
    auto m = rx.open(bytes_view(rec, *n), out);
    EXPECT(m && m->type == content_type::data &&
           m->size == static_cast<std::size_t>(100 + i % 900) && out[5] == pt[5]);
  }
  std::array<std::uint8_t, 32> e1{}, e2{};
  EXPECT(cs->export_keying_material("x", e1) && ss->export_keying_material("x", e2) && e1 == e2);
  // The sealed close, both ways, takes no heap either.
  auto c = cs->close(rec);
  EXPECT(c);
  auto m = ss->open(bytes_view(rec, *c), out);
  EXPECT(m && m->type == content_type::close && ss->peer_closed());
  c = ss->close(rec);
  EXPECT(c);
  m = cs->open(bytes_view(rec, *c), out);
  EXPECT(m && m->type == content_type::close && cs->peer_closed());
  mutauth::testing::g_forbid_heap = false;
  EXPECT(mutauth::testing::g_allocations == before);
  std::puts("pk no-heap handshake + 1000 records: 1 passed, 0 failed");
  return 0;
}
