// mutauth-pk built as a firmware would build it (see certs.cmake): MUTAUTH_PK_TRUST_CERTIFICATES=0
// (limits.hpp: pinned keys only) and MUTAUTH_ERROR_TEXT=0 (error.hpp: codes without texts). A
// pinned handshake still completes; everything certificate-shaped is refused with a typed code;
// an error is a code and a size. The pinned-only firmware against the full host CLI (a peer that
// sends a certificate) is tests/embedded (mcu_client_pinned_refuses_cert, mcu_server_...).
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "ca_tools.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/names.hpp"
#include "support/relay.hpp"

#if MUTAUTH_PK_TRUST_CERTIFICATES != 0 || MUTAUTH_ERROR_TEXT != 0
#error \
    "test_pk_compact is built with MUTAUTH_PK_TRUST_CERTIFICATES=0 MUTAUTH_ERROR_TEXT=0 (see certs.cmake)"
#endif

using namespace mutauth;
using namespace mutauth::testing;
using PK = pk::PublicKey;

TEST_CASE("compact build: an error is its code, what() the code's name", "[pk][compact]") {
  STATIC_REQUIRE(error::max_detail == 0);
  STATIC_REQUIRE(sizeof(error) <= 16);  // 216 with texts on x86-64
  error e(errc::name_mismatch, "server proved host/a.example.test", "a hint");
  e.append(" and more");
  CHECK(e.code() == errc::name_mismatch);
  CHECK(e.category() == error_category_id::identity);
  CHECK(e.detail().empty());
  CHECK(e.hint().empty());
  CHECK(e.what() == to_string(errc::name_mismatch));
  CHECK(error(errc::buffer_too_small).with_required_size(16640).required_size() == 16640);
}

TEST_CASE("pinned-only build: proofs carry raw keys, and the messages shrink to them",
          "[pk][compact]") {
  STATIC_REQUIRE_FALSE(pk::certificates_trusted);
  STATIC_REQUIRE(pk::detail::max_credential_size == 32);
  STATIC_REQUIRE(PK::max_token_size ==
                 2 + 32 + (1 + 1 + 2 + 32 + 2 + ServicePrincipal::max_text + 64) + 16);
  // A proof that carries a certificate is refused by its type, before its length.
  std::array<std::uint8_t, pk::detail::max_proof_size + 512> buf{};
  const std::array<std::uint8_t, 300> fake_cert{};
  const std::array<std::uint8_t, 64> sig{};
  const std::size_t n = pk::detail::encode_proof(pk::detail::credential_type::openssh_certificate,
                                                 fake_cert, "host/a.example.test", sig, buf);
  auto p = pk::detail::parse_proof(bytes_view(buf.data(), n));
  REQUIRE_FALSE(p);
  CHECK(p.error_value().code() == errc::untrusted_issuer);
}

TEST_CASE("pinned-only build: a pinned handshake completes both ways", "[pk][compact]") {
  TempDir dir{"mutauth-pk-compact"};
  keygen(dir, "server", "-t ed25519", "server");
  keygen(dir, "alice", "-t ed25519", "alice");
  const auto server_key = secret(dir, "server");
  const auto alice_key = secret(dir, "alice");
  const std::array<pk::PinnedServer, 1> pins{
      {{spn("host/server.example.test"), pub(dir, "server")}}};
  const std::array<pk::PinnedClient, 1> clients{{{"alice", pub(dir, "alice")}}};
  pk::InitiatorConfig icfg;
  icfg.identity = {&alice_key, "alice", {}};
  icfg.trust.pinned = pins;
  pk::AcceptorConfig acfg{.identity = {&server_key, {}, {}},
                          .service = spn("host/server.example.test"),
                          .trust = {},
                          .channel_binding = {}};
  acfg.trust.pinned = clients;
  Initiator<PK> client(spn("host/server.example.test"), icfg);
  Acceptor<PK> server(acfg, allow_all);
  CHECK(relay_handshake(
            client, server, [](int, bytes&) {}, 4)
            .size() == 4);
  REQUIRE(client.is_done());
  REQUIRE(server.is_done());
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  CHECK(cs->peer().name.view() == "host/server.example.test");
  CHECK(ss->peer().name.view() == "alice");
  std::array<std::uint8_t, 64> rec{}, back{};
  const std::array<std::uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'};
  auto sealed = cs->seal(hello, rec);
  REQUIRE(sealed);
  auto opened = ss->open(bytes_view(rec.data(), *sealed), back);
  REQUIRE(opened);
  CHECK(std::string(back.begin(), back.begin() + static_cast<long>(opened->size)) == "hello");
}

TEST_CASE("pinned-only build: certificate trust configured is refused, not ignored",
          "[pk][compact]") {
  TempDir dir{"mutauth-pk-compact"};
  keygen(dir, "ca", "-t ed25519", "ca");
  keygen(dir, "alice", "-t ed25519", "alice");
  const auto alice_key = secret(dir, "alice");
  const std::array<pk::HostCertAuthority, 1> cas{{{pub(dir, "ca"), "*"}}};
  pk::InitiatorConfig with_ca;
  with_ca.identity = {&alice_key, "alice", {}};
  with_ca.trust.authorities = cas;
  Initiator<PK> a(spn("host/server.example.test"), with_ca);
  CHECK(a.step().code == errc::invalid_argument);

  const std::array<std::uint8_t, 200> some_cert{};
  pk::InitiatorConfig with_cert;
  with_cert.identity = {&alice_key, "alice", some_cert};
  Initiator<PK> b(spn("host/server.example.test"), with_cert);
  CHECK(b.step().code == errc::invalid_argument);
  CHECK(pk::validate(with_cert).code() == errc::invalid_argument);

  sh("ssh-keygen -q -k -f " + dir.file("krl") + " " + dir.file("alice") + ".pub");
  const bytes krl_bytes = read_bytes(dir.file("krl"));
  auto krl = pk::Krl::parse(krl_bytes);
  REQUIRE(krl);
  pk::InitiatorConfig with_krl;
  with_krl.identity = {&alice_key, "alice", {}};
  with_krl.trust.revoked = &*krl;
  Initiator<PK> c(spn("host/server.example.test"), with_krl);
  CHECK(c.step().code == errc::invalid_argument);
}
