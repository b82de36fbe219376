// Built with -fno-exceptions -fno-rtti and without Catch2 (issue 4, G6): a CA-mode mutauth-pk/1
// handshake — OpenSSH certificates both ways, trust files parsed from OpenSSH syntax, a KRL on
// both sides — and a refused one (revoked client), with a global operator new that aborts.
// ssh-keygen makes every artefact in a temp dir BEFORE the heap is forbidden.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "support/heap_guard.hpp"

using namespace mutauth;
using PK = pk::PublicKey;

namespace {

char g_dir[64] = "/tmp/mutauth-ca-no-heap-XXXXXX";
char g_path[256];

const char* path(const char* name) {
  std::snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
  return g_path;
}

// Runs `cmd` with the temp dir as the working directory.
bool run(const char* cmd) {
  char full[1200];
  std::snprintf(full, sizeof full, "cd %s && { %s; } </dev/null >/dev/null 2>&1", g_dir, cmd);
  return std::system(full) == 0;
}

bool allow(const Principal& p) noexcept { return p.name.view() == "alice"; }

// Caller-owned storage for everything the trust configuration views.
std::array<char, 4096> g_known_hosts_text{}, g_authorized_text{};
std::array<std::uint8_t, pk::max_certificate_size> g_server_cert{}, g_alice_cert{}, g_bob_cert{};
std::array<std::uint8_t, 4096> g_krl_bytes{};

}  // namespace

int main() {
  EXPECT(::mkdtemp(g_dir) != nullptr);
  EXPECT(run("ssh-keygen -q -t ed25519 -N '' -C host_ca -f host_ca"));
  EXPECT(run("ssh-keygen -q -t ed25519 -N '' -C user_ca -f user_ca"));
  EXPECT(run("ssh-keygen -q -t ed25519 -N '' -C server -f server"));
  EXPECT(run("ssh-keygen -q -t ed25519 -N '' -C alice -f alice"));
  EXPECT(run("ssh-keygen -q -t ed25519 -N '' -C bob -f bob"));
  EXPECT(
      run("ssh-keygen -q -s host_ca -I server-id -h -z 7 -n "
          "server.example.test,host/server.example.test -V -5m:+1h server.pub"));
  EXPECT(run("ssh-keygen -q -s user_ca -I alice-id -z 42 -n alice alice.pub"));
  EXPECT(run("ssh-keygen -q -s user_ca -I bob-id -z 43 -n alice bob.pub"));
  EXPECT(run("{ printf '@cert-authority *.example.test '; cat host_ca.pub; } > known_hosts"));
  EXPECT(
      run("{ printf 'cert-authority,principals=\"alice\" '; cat user_ca.pub; } > authorized_keys"));
  EXPECT(
      run("printf 'serial: 43\\nserial: 1000-2000\\nid: carol-id\\n' > spec && ssh-keygen -q -k -f "
          "krl -s user_ca.pub spec"));

  auto server_key = pk::load_private_key_file(path("server"));
  auto alice_key = pk::load_private_key_file(path("alice"));
  auto bob_key = pk::load_private_key_file(path("bob"));
  EXPECT(server_key && alice_key && bob_key);
  auto server_cert = pk::load_certificate_file(path("server-cert.pub"), g_server_cert);
  auto alice_cert = pk::load_certificate_file(path("alice-cert.pub"), g_alice_cert);
  auto bob_cert = pk::load_certificate_file(path("bob-cert.pub"), g_bob_cert);
  EXPECT(server_cert && alice_cert && bob_cert);
  auto kh_text = pk::load_trust_file(path("known_hosts"), g_known_hosts_text);
  auto ak_text = pk::load_trust_file(path("authorized_keys"), g_authorized_text);
  EXPECT(kh_text && ak_text);
  auto krl = pk::load_krl_file(path("krl"), g_krl_bytes);
  EXPECT(krl);
  auto target = ServicePrincipal::parse("host/server.example.test");
  EXPECT(target);
  static pk::KnownHosts<4, 2> known_hosts;
  static pk::AuthorizedKeys<4, 2> authorized;

  mutauth::testing::g_forbid_heap = true;
  const unsigned long before = mutauth::testing::g_allocations;
  EXPECT(known_hosts.parse(*kh_text));
  EXPECT(authorized.parse(*ak_text));
  pk::InitiatorConfig icfg;
  icfg.identity = {&*alice_key, "alice", *alice_cert};
  icfg.trust = known_hosts.trust();
  icfg.trust.revoked = &*krl;
  pk::AcceptorConfig acfg{.identity = {&*server_key, {}, *server_cert},
                          .service = *target,
                          .trust = authorized.trust(),
                          .channel_binding = {}};
  acfg.trust.revoked = &*krl;

  static Initiator<PK> client(*target, icfg);
  static Acceptor<PK> server(acfg, allow);
  EXPECT(mutauth::testing::run_handshake_no_heap(client, server) == 0);
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  EXPECT(cs && ss);
  EXPECT(ss->peer().name.view() == "alice");
  EXPECT(ss->peer().key_id.view() == "alice-id");
  EXPECT(ss->peer().serial == 42);
  EXPECT(cs->peer().name.view() == "host/server.example.test");
  EXPECT(cs->peer().key_id.view() == "server-id");
  std::uint8_t pt[64] = {1, 2, 3}, rec[sizeof pt + Session<PK>::seal_overhead];
  std::uint8_t out[sizeof rec - Session<PK>::open_overhead];
  auto n = cs->seal(bytes_view(pt, sizeof pt), rec);
  EXPECT(n);
  auto m = ss->open(bytes_view(rec, *n), out);
  EXPECT(m && m->type == content_type::data && m->size == sizeof pt && out[2] == 3);

  // Bob's certificate (serial 43) is revoked: the refusal path allocates nothing either.
  pk::InitiatorConfig bcfg = icfg;
  // Bob's certificate lists the principal "alice": that is the name his client asserts.
  bcfg.identity = {&*bob_key, "alice", *bob_cert};
  static Initiator<PK> bob(*target, bcfg);
  static Acceptor<PK> server2(acfg, allow);
  step_result b1 = bob.step();
  step_result b2 = server2.step(b1.token);
  step_result b3 = bob.step(b2.token);
  EXPECT(b3.st == status::send);  // message 3: bob is not done before the server admits him
  step_result b4 = server2.step(b3.token);
  EXPECT(b4.st == status::failed && b4.code == errc::revoked && b4.token.empty());
  // The server's caller sends a clear alert; bob's handshake ends with it and yields nothing.
  step_result b5 = bob.on_alert(alert_reason::handshake_failed);
  EXPECT(b5.st == status::failed && b5.code == errc::peer_alert);
  EXPECT(!std::move(bob).finish());
  mutauth::testing::g_forbid_heap = false;
  EXPECT(mutauth::testing::g_allocations == before);

  char rm[128];
  std::snprintf(rm, sizeof rm, "rm -rf %s", g_dir);
  (void)std::system(rm);
  std::puts("pk CA-mode no-heap handshake + revoked refusal: 1 passed, 0 failed");
  return 0;
}
