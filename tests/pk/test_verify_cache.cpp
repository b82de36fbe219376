// The verified-certificate cache (include/mutauth/mech/pk/verify_cache.hpp,
// docs/protocol/mutauth-pk.md §19.11): a hit skips only the CA signature; the issuer's trust,
// validity, revocation, principals, critical options and the handshake's proof signature are
// still checked every time. Certificates come from the real ssh-keygen.
#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "ca_tools.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/verify_cache.hpp"
#include "support/names.hpp"
#include "support/relay.hpp"

#ifndef MUTAUTH_TESTING_ONLY_HOOKS
#error "test_verify_cache needs MUTAUTH_TESTING_ONLY_HOOKS (see verify_cache.cmake)"
#endif

using namespace mutauth;
using namespace mutauth::testing;
using PK = pk::PublicKey;

namespace {

struct World : CaWorldBase {
  pk::Ed25519PublicKey ca, other_ca;
  std::array<pk::UserCertAuthority, 1> other_user_cas{};

  World() : CaWorldBase("mutauth-verify-cache") {
    keygen(dir, "ca", "-t ed25519", "ca");
    keygen(dir, "other_ca", "-t ed25519", "other_ca");
    ca = pub(dir, "ca");
    other_ca = pub(dir, "other_ca");
    host_cas = {{{ca, "*.example.test"}}};
    user_cas = {{{ca, {}}}};
    other_user_cas = {{{other_ca, {}}}};
    // Valid from 2020-01-01 to 2030-01-01, so the test clock can step outside the window.
    alice_cert = cert_blob(
        sign(dir, "ca", "alice", "alice-main", "-I alice-id -z 42 -n alice -V 20200101:20300101"));
    server_cert =
        cert_blob(sign(dir, "ca", "server", "server-main",
                       "-I server-id -h -z 7 -n host/server.example.test -V 20200101:20300101"));
  }
  bytes_view cert(const std::string& label, const std::string& opts,
                  const std::string& key = "alice") {
    return keep(cert_blob(sign(dir, "ca", key, label, opts)));
  }
  pk::ClientTrust user_trust(pk::VerifyCache* cache) const {
    pk::ClientTrust t;
    t.authorities = user_cas;
    t.now = test_clock;
    t.cert_cache = cache;
    return t;
  }
  pk::ServerTrust host_trust(pk::VerifyCache* cache) const {
    pk::ServerTrust t;
    t.authorities = host_cas;
    t.now = test_clock;
    t.cert_cache = cache;
    return t;
  }
};

World& world() {
  static World w;
  return w;
}

pk::CertificateView parsed(bytes_view blob) {
  auto c = pk::parse_certificate(blob);
  INFO((c ? "" : c.error_value().detail()));
  REQUIRE(c);
  return *c;
}

errc verify_user(bytes_view blob, const pk::ClientTrust& t, std::string_view name = "alice") {
  auto v = pk::verify_user_certificate(parsed(blob), t, name);
  return v ? errc{} : v.error_value().code();
}

const std::uint64_t in_window = utc(2026, 6, 1);

}  // namespace

TEST_CASE("verify cache: the second verification of a certificate is a hit", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  pk::FixedVerifyCache<8> cache;
  CHECK(cache.capacity() == 8);
  CHECK(cache.size() == 0);
  const auto t = w.user_trust(&cache);
  REQUIRE(verify_user(w.alice_cert, t) == errc{});
  CHECK(cache.misses() == 1);
  CHECK(cache.hits() == 0);
  CHECK(cache.size() == 1);
  for (int i = 0; i < 3; ++i) REQUIRE(verify_user(w.alice_cert, t) == errc{});
  CHECK(cache.hits() == 3);
  CHECK(cache.misses() == 1);
  CHECK(cache.size() == 1);

  // The host side goes through the same cache (one cache may serve both roles' stores).
  auto h = pk::verify_host_certificate(parsed(w.server_cert), spn("host/server.example.test"),
                                       w.host_trust(&cache));
  REQUIRE(h);
  h = pk::verify_host_certificate(parsed(w.server_cert), spn("host/server.example.test"),
                                  w.host_trust(&cache));
  REQUIRE(h);
  CHECK(h->serial == 7);
  CHECK(cache.hits() == 4);
  CHECK(cache.misses() == 2);
  CHECK(cache.size() == 2);

  // Without a cache nothing changes.
  CHECK(verify_user(w.alice_cert, w.user_trust(nullptr)) == errc{});
}

TEST_CASE("verify cache: a hit skips the CA signature, and nothing else", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  // A certificate whose CA signature is broken (last byte of the signature flipped).
  bytes forged = w.alice_cert;
  forged.back() ^= 0x01;
  pk::FixedVerifyCache<8> cache;
  const auto t = w.user_trust(&cache);
  CHECK(verify_user(forged, t) == errc::bad_signature);
  CHECK(cache.size() == 0);  // a refusal is never remembered
  CHECK(verify_user(forged, t) == errc::bad_signature);
  CHECK(cache.hits() == 0);
  // The test-only hook plants it: now the broken signature is not looked at, which is the
  // whole saving (the hook exists only in test builds; entries otherwise come from a verify).
  cache.remember_unverified_for_testing_only(forged, w.ca);
  CHECK(verify_user(forged, t) == errc{});
  CHECK(cache.hits() == 1);
  // Remembered for another CA key than the certificate's: no hit.
  pk::FixedVerifyCache<8> other;
  other.remember_unverified_for_testing_only(forged, w.other_ca);
  CHECK(verify_user(forged, w.user_trust(&other)) == errc::bad_signature);
  CHECK(other.hits() == 0);
  // A certificate with a critical option is refused before the cache is asked, even if planted.
  const bytes_view forced =
      w.cert("forced", "-I forced -n alice -O force-command=/bin/true -V 20200101:20300101");
  cache.remember_unverified_for_testing_only(forced, w.ca);
  const auto hits = cache.hits();
  CHECK(verify_user(forced, t) == errc::unknown_critical_option);
  CHECK(cache.hits() == hits);
}

TEST_CASE("verify cache: a certificate differing in one bit misses", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  pk::FixedVerifyCache<8> cache;
  const auto t = w.user_trust(&cache);
  REQUIRE(verify_user(w.alice_cert, t) == errc{});
  const auto c = parsed(w.alice_cert);
  // One bit in the nonce (signed data), one in the signature: each is another blob, so a miss,
  // and its CA signature fails.
  const std::size_t nonce_at = static_cast<std::size_t>(c.nonce.data() - w.alice_cert.data());
  for (std::size_t at : {nonce_at, w.alice_cert.size() - 1}) {
    bytes b = w.alice_cert;
    b[at] ^= 0x80;
    const auto misses = cache.misses();
    CHECK(verify_user(b, t) == errc::bad_signature);
    CHECK(cache.misses() == misses + 1);
    CHECK(cache.hits() == 0);
  }
  CHECK(cache.size() == 1);
  REQUIRE(verify_user(w.alice_cert, t) == errc{});
  CHECK(cache.hits() == 1);
}

TEST_CASE("verify cache: expired, revoked and wrong-principal certificates are refused on a hit",
          "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  pk::FixedVerifyCache<8> cache;
  auto t = w.user_trust(&cache);
  REQUIRE(verify_user(w.alice_cert, t) == errc{});
  REQUIRE(cache.size() == 1);
  const auto hits = cache.hits();

  SECTION("expired") {
    g_now = utc(2031, 1, 1);
    CHECK(verify_user(w.alice_cert, t) == errc::expired);
    g_now = utc(2019, 1, 1);
    CHECK(verify_user(w.alice_cert, t) == errc::not_yet_valid);
  }
  SECTION("revoked by serial, by key id, by key") {
    for (std::string spec : {"serial: 42\n", "id: alice-id\n"}) {
      write_text(w.dir.file("krl.spec"), spec);
      sh("ssh-keygen -k -f " + shell_quote(w.dir.file("krl")) + " -s " +
         shell_quote(w.dir.file("ca.pub")) + " " + shell_quote(w.dir.file("krl.spec")));
      const bytes krl_bytes = read_bytes(w.dir.file("krl"));
      auto krl = pk::Krl::parse(krl_bytes);
      REQUIRE(krl);
      t.revoked = &*krl;
      INFO(spec);
      CHECK(verify_user(w.alice_cert, t) == errc::revoked);
    }
  }
  SECTION("a principal the certificate does not list") {
    CHECK(verify_user(w.alice_cert, t, "bob") == errc::name_mismatch);
  }
  SECTION("a principals= list that excludes it") {
    const std::array<pk::UserCertAuthority, 1> narrow{{{w.ca, "bob,carol"}}};
    t.authorities = narrow;
    CHECK(verify_user(w.alice_cert, t) == errc::name_mismatch);
  }
  // None of these got as far as the cache.
  CHECK(cache.hits() == hits);
  // And the certificate still verifies afterwards, from the cache.
  g_now = in_window;
  CHECK(verify_user(w.alice_cert, w.user_trust(&cache)) == errc{});
  CHECK(cache.hits() == hits + 1);
}

TEST_CASE("verify cache: a CA removed from trust makes an entry useless", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  pk::FixedVerifyCache<8> cache;
  REQUIRE(verify_user(w.alice_cert, w.user_trust(&cache)) == errc{});
  pk::ClientTrust reloaded = w.user_trust(&cache);  // a trust file without the CA any more
  reloaded.authorities = w.other_user_cas;
  CHECK(verify_user(w.alice_cert, reloaded) == errc::untrusted_issuer);
  reloaded.authorities = {};
  CHECK(verify_user(w.alice_cert, reloaded) == errc::untrusted_issuer);
  CHECK(cache.hits() == 0);
  // Host side: the CA is known but no longer trusted for this host's name.
  auto h = pk::verify_host_certificate(parsed(w.server_cert), spn("host/server.example.test"),
                                       w.host_trust(&cache));
  REQUIRE(h);
  const std::array<pk::HostCertAuthority, 1> elsewhere{{{w.ca, "*.example.org"}}};
  pk::ServerTrust st = w.host_trust(&cache);
  st.authorities = elsewhere;
  auto refused =
      pk::verify_host_certificate(parsed(w.server_cert), spn("host/server.example.test"), st);
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().code() == errc::untrusted_issuer);
  CHECK(cache.hits() == 0);
  // clear() forgets everything.
  CHECK(cache.size() == 2);
  CHECK(cache.clear());
  CHECK(cache.size() == 0);
  REQUIRE(verify_user(w.alice_cert, w.user_trust(&cache)) == errc{});
  CHECK(cache.hits() == 0);
}

TEST_CASE("verify cache: bounded, least recently used entry replaced", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  std::vector<bytes_view> certs;
  for (int i = 0; i < 5; ++i)
    certs.push_back(w.cert("lru" + std::to_string(i),
                           "-I lru" + std::to_string(i) + " -n alice -V 20200101:20300101"));
  pk::FixedVerifyCache<4> cache;
  static_assert(pk::FixedVerifyCache<4>::max_entries == 4);
  // A bounded object, no heap: entries of about 100 bytes each live inside it.
  static_assert(sizeof(pk::FixedVerifyCache<64>) < 64 * 128 + 128);
  static_assert(!std::is_copy_constructible_v<pk::FixedVerifyCache<4>>);
  const auto t = w.user_trust(&cache);
  for (int i = 0; i < 4; ++i) REQUIRE(verify_user(certs[static_cast<std::size_t>(i)], t) == errc{});
  CHECK(cache.size() == 4);
  CHECK(cache.misses() == 4);
  REQUIRE(verify_user(certs[0], t) == errc{});  // 0 is now the most recently used; 1 the least
  CHECK(cache.hits() == 1);
  REQUIRE(verify_user(certs[4], t) == errc{});  // miss: replaces 1
  CHECK(cache.size() == 4);
  CHECK(cache.misses() == 5);
  for (std::size_t i : {0u, 2u, 3u, 4u}) REQUIRE(verify_user(certs[i], t) == errc{});
  CHECK(cache.hits() == 5);
  REQUIRE(verify_user(certs[1], t) == errc{});  // it was the one evicted
  CHECK(cache.misses() == 6);
  CHECK(cache.hits() == 5);
  CHECK(cache.size() == 4);
}

TEST_CASE("verify cache: handshakes hit on both sides, and the proof signature is still checked",
          "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  pk::FixedVerifyCache<> server_cache, client_cache;
  CHECK(server_cache.capacity() == 64);
  pk::InitiatorConfig ic;
  ic.identity = {&w.alice, "alice", w.alice_cert};
  ic.trust = w.host_trust(&client_cache);
  pk::AcceptorConfig ac{.identity = {&w.server, {}, w.server_cert},
                        .service = spn("host/server.example.test"),
                        .trust = w.user_trust(&server_cache),
                        .channel_binding = {}};
  for (int i = 0; i < 3; ++i) {
    Initiator<PK> client(spn("host/server.example.test"), ic);
    Acceptor<PK> server(ac, allow_all);
    relay_handshake(
        client, server, [](int, bytes&) {}, 4);
    INFO(client.last_error().detail() << " / " << server.last_error().detail());
    REQUIRE(client.is_done());
    REQUIRE(server.is_done());
    auto ss = std::move(server).finish();
    REQUIRE(ss);
    CHECK(ss->peer().name.view() == "alice");
    CHECK(ss->peer().serial == 42);
  }
  CHECK(server_cache.misses() == 1);
  CHECK(server_cache.hits() == 2);
  CHECK(client_cache.misses() == 1);
  CHECK(client_cache.hits() == 2);

  // Mallory replays alice's certificate (cached on the server) with her own key: the certificate
  // is a hit, and the proof signature, which alice's key did not make, refuses her.
  struct Probe : Initiator<PK> {
    using Initiator<PK>::Initiator;
    void send_unchecked() { this->mech_.send_unchecked_certificate_for_testing_only(); }
  };
  pk::InitiatorConfig mc = ic;
  mc.identity.key = &w.mallory;
  Probe mallory(spn("host/server.example.test"), mc);
  mallory.send_unchecked();
  Acceptor<PK> server(ac, allow_all);
  relay_handshake(
      mallory, server, [](int, bytes&) {}, 4);
  CHECK_FALSE(server.is_done());
  CHECK(server.last_error().code() == errc::bad_signature);
  CHECK(server_cache.hits() == 3);
}

TEST_CASE("verify cache: shared by threads, every verification is right", "[pk][verify_cache]") {
  World& w = world();
  g_now = in_window;
  bytes forged = w.alice_cert;
  forged.back() ^= 0x01;
  pk::FixedVerifyCache<2> cache;
  const auto t = w.user_trust(&cache);
  constexpr int threads = 4, rounds = 200;
  std::atomic<int> wrong{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      for (int r = 0; r < rounds; ++r) {
        const bool good = (r + i) % 3 != 0;
        const errc e = [&] {
          auto v = pk::verify_user_certificate(
              *pk::parse_certificate(good ? bytes_view(w.alice_cert) : bytes_view(forged)), t,
              "alice");
          return v ? errc{} : v.error_value().code();
        }();
        if (e != (good ? errc{} : errc::bad_signature)) ++wrong;
      }
    });
  for (auto& th : pool) th.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.hits() + cache.misses() == static_cast<std::size_t>(threads * rounds));
  CHECK(cache.hits() > 0);
  CHECK(cache.size() == 1);  // only the good certificate was ever remembered
}
