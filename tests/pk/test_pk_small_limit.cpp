// mutauth-pk built with MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024 (limits.hpp; see certs.cmake): the
// handshake objects shrink with the limit, certificates that fit still work both ways, and
// anything larger is refused with errc::too_large — when loaded, and when a peer sends it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ca_tools.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/names.hpp"
#include "support/relay.hpp"

#if MUTAUTH_PK_MAX_CERTIFICATE_SIZE != 1024
#error "test_pk_small_limit is built with MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024 (see certs.cmake)"
#endif

using namespace mutauth;
using namespace mutauth::testing;
using PK = pk::PublicKey;

TEST_CASE("pk limit 1024: the buffers and the largest message follow the limit", "[pk][limit]") {
  // A proof is 1 + 1 + 2 + credential + 2 + name + 64; message 2 adds 2 + 32 + 16 (pk.hpp).
  STATIC_REQUIRE(pk::max_certificate_size == 1024);
  STATIC_REQUIRE(PK::max_token_size ==
                 2 + 32 + (1 + 1 + 2 + 1024 + 2 + ServicePrincipal::max_text + 64) + 16);
  // The two limit-sized buffers of each handshake (the clear proof and the message) shrink by
  // 3072 bytes apiece from the default 4096 (bench/results/footprint.json has those sizes).
  // The four-message handshake's per-state types hold more than the three-message one did
  // (11184 / 10032 bytes with GCC 12 at this limit), hence 12 KiB, not the earlier 10.
  INFO("sizeof Initiator<pk::PublicKey> " << sizeof(Initiator<PK>) << ", Acceptor "
                                          << sizeof(Acceptor<PK>));
  CHECK(sizeof(Initiator<PK>) < 12 * 1024);
  CHECK(sizeof(Acceptor<PK>) < 12 * 1024);
}

TEST_CASE("pk limit 1024: a CA-mode handshake with ssh-keygen certificates still completes",
          "[pk][limit]") {
  TempDir dir{"mutauth-pk-limit"};
  for (const char* n : {"host_ca", "user_ca", "server", "alice"}) keygen(dir, n, "-t ed25519", n);
  const bytes server_cert =
      cert_blob(sign(dir, "host_ca", "server", "server-c",
                     "-I server-id -h -n server.example.test,host/server.example.test -V -5m:+1h"));
  const bytes alice_cert =
      cert_blob(sign(dir, "user_ca", "alice", "alice-c", "-I alice-id -n alice"));
  const auto server_key = secret(dir, "server");
  const auto alice_key = secret(dir, "alice");
  std::array<pk::HostCertAuthority, 1> host_cas{{{pub(dir, "host_ca"), "*.example.test"}}};
  std::array<pk::UserCertAuthority, 1> user_cas{{{pub(dir, "user_ca"), {}}}};

  pk::InitiatorConfig icfg;
  icfg.identity = {&alice_key, "alice", alice_cert};
  icfg.trust.authorities = host_cas;
  pk::AcceptorConfig acfg{.identity = {&server_key, {}, server_cert},
                          .service = spn("host/server.example.test"),
                          .trust = {},
                          .channel_binding = {}};
  acfg.trust.authorities = user_cas;
  Initiator<PK> client(spn("host/server.example.test"), icfg);
  Acceptor<PK> server(acfg, allow_all);
  const auto delivered = relay_handshake(
      client, server, [](int, bytes&) {}, 4);
  CHECK(delivered.size() == 4);  // mutauth-pk/1: four messages, the acceptor's admission last
  INFO(client.last_error().detail() << " / " << server.last_error().detail());
  REQUIRE(client.is_done());
  REQUIRE(server.is_done());
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  CHECK(cs->peer().key_id.view() == "server-id");
  CHECK(ss->peer().name.view() == "alice");
}

TEST_CASE("pk limit 1024: a larger certificate is refused with too_large", "[pk][limit]") {
  TempDir dir{"mutauth-pk-limit"};
  keygen(dir, "user_ca", "-t ed25519", "user_ca");
  keygen(dir, "alice", "-t ed25519", "alice");
  // 60 principals of 20 bytes: well over 1024 bytes, far under the default 4096.
  std::string names = "alice";
  for (int i = 0; i < 60; ++i)
    names += ",principal-number-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
  const std::string path = sign(dir, "user_ca", "alice", "alice-big", "-I alice-id -n " + names);

  std::array<std::uint8_t, pk::max_certificate_size> buf{};
  auto loaded = pk::load_certificate_file(path.c_str(), buf);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error_value().code() == errc::too_large);
  CHECK(loaded.error_value().detail() == "certificate larger than 1024 bytes");

  const bytes blob = raw_blob(path);
  REQUIRE(blob.size() > 1024);
  auto parsed = pk::parse_certificate(blob);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error_value().code() == errc::too_large);
}

TEST_CASE("pk limit 1024: a message longer than the limit allows is refused before any crypto",
          "[pk][limit]") {
  TempDir dir{"mutauth-pk-limit"};
  keygen(dir, "server", "-t ed25519", "server");
  const auto server_key = secret(dir, "server");
  pk::AcceptorConfig acfg{.identity = {&server_key, {}, {}},
                          .service = spn("host/server.example.test"),
                          .trust = {},
                          .channel_binding = {}};
  Acceptor<PK> server(acfg, allow_all);
  // One byte over the bound, as a default (4096) build with a 2 KiB certificate could send: the
  // core refuses it before the mechanism parses anything.
  const bytes too_long(PK::max_token_size + 1, 0x01);
  const step_result r = server.step(too_long);
  CHECK(r.st == status::failed);
  CHECK(server.last_error().code() == errc::too_large);
  CHECK_FALSE(std::move(server).finish());
}
