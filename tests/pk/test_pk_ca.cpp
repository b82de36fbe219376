// mutauth-pk/1 in CA mode (issue 4): OpenSSH certificates from the real ssh-keygen carried in the
// identity proofs, verified in the docs/protocol/mutauth-pk.md §14 order, with trust files and KRLs. Every refusal is
// checked for its own error code, on the side that must refuse.
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "ca_tools.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "support/hex.hpp"
#include "support/names.hpp"
#include "support/relay.hpp"

#ifndef MUTAUTH_TESTING_ONLY_HOOKS
#error "test_pk_ca needs MUTAUTH_TESTING_ONLY_HOOKS (see certs.cmake)"
#endif

using namespace mutauth;
using namespace mutauth::testing;
using PK = pk::PublicKey;

namespace {

struct World : CaWorldBase {
  pk::Ed25519PublicKey host_ca, user_ca;

  World() : CaWorldBase("mutauth-pk-ca") {
    for (const char* n : {"host_ca", "user_ca", "other_ca"}) keygen(dir, n, "-t ed25519", n);
    keygen(dir, "rsa_ca", "-t rsa -b 2048", "rsa_ca");
    keygen(dir, "ecdsa_ca", "-t ecdsa -b 256", "ecdsa_ca");
    host_ca = pub(dir, "host_ca");
    user_ca = pub(dir, "user_ca");
    host_cas = {{{host_ca, "*.example.test"}}};
    user_cas = {{{user_ca, {}}}};
    server_cert = cert_blob(
        sign(dir, "host_ca", "server", "server-main",
             "-I server-id -h -z 7 -n server.example.test,host/server.example.test -V -5m:+1h"));
    alice_cert =
        cert_blob(sign(dir, "user_ca", "alice", "alice-main", "-I alice-id -z 42 -n alice"));
  }
  bytes_view cert(const std::string& label, const std::string& opts, const std::string& key,
                  const std::string& ca) {
    return keep(cert_blob(sign(dir, ca, key, label, opts)));
  }
  bytes_view raw(const std::string& label, const std::string& opts, const std::string& key,
                 const std::string& ca) {
    return keep(raw_blob(sign(dir, ca, key, label, opts)));
  }
  pk::InitiatorConfig client_cfg(bytes_view cert = {}, const pk::Ed25519SecretKey* key = nullptr) {
    pk::InitiatorConfig c;
    c.identity = {key ? key : &alice, "alice", cert.data() ? cert : bytes_view(alice_cert)};
    c.trust.authorities = host_cas;
    return c;
  }
  pk::AcceptorConfig server_cfg(std::string_view name = "host/server.example.test",
                                bytes_view cert = {}, const pk::Ed25519SecretKey* key = nullptr) {
    pk::AcceptorConfig c{
        .identity = {key ? key : &server, {}, cert.data() ? cert : bytes_view(server_cert)},
        .service = spn(name),
        .trust = {},
        .channel_binding = {}};
    c.trust.authorities = user_cas;
    return c;
  }
};

World& world() {
  static World w;
  return w;
}

template <class B>
struct Probe : B {
  using B::B;
  void send_unchecked() { this->mech_.send_unchecked_certificate_for_testing_only(); }
};

// A client/server pair over an in-memory relay that records every message.
struct Pair {
  pk::InitiatorConfig icfg;
  pk::AcceptorConfig acfg;
  Probe<Initiator<PK>> client;
  Probe<Acceptor<PK>> server;
  std::vector<bytes> transcript;
  Pair(pk::InitiatorConfig ic, pk::AcceptorConfig ac,
       std::string_view target = "host/server.example.test")
      : icfg(ic), acfg(ac), client(spn(target), icfg), server(acfg, allow_all) {}
  Pair() : Pair(world().client_cfg(), world().server_cfg()) {}

  template <class F>
  void run(F tamper) {
    transcript = mutauth::testing::relay_handshake(client, server, tamper, 4);
  }
  void run() {
    run([](int, bytes&) {});
  }
  bool established() const { return client.is_done() && server.is_done(); }
  errc client_error() const { return client.last_error().code(); }
  errc server_error() const { return server.last_error().code(); }
};

}  // namespace

TEST_CASE("pk-ca: a CA-mode handshake both ways yields principals from the certificates",
          "[pk][ca]") {
  World& w = world();
  Pair p;
  p.run();
  INFO(p.client.last_error().detail() << " / " << p.server.last_error().detail());
  REQUIRE(p.established());
  REQUIRE(p.transcript.size() == 4);
  // Sizes: 2 + 32; 2 + 32 + (proof with the host certificate) + 16; 2 + (proof with the user
  // certificate, naming "alice") + 16; 2 + admission of "alice" + 16. A proof is
  // 1 + 1 + 2 + credential + 2 + name + 64; an admission 1 + 2 + name.
  CHECK(p.transcript[0].size() == 34);
  CHECK(p.transcript[1].size() == 2 + 32 + 4 + w.server_cert.size() + 2 + 24 + 64 + 16);
  CHECK(p.transcript[2].size() == 2 + 4 + w.alice_cert.size() + 2 + 5 + 64 + 16);
  CHECK(p.transcript[3].size() == 2 + 3 + 5 + 16);
  if (std::getenv("MUTAUTH_PRINT_SIZES"))
    WARN("message sizes: " << p.transcript[0].size() << " " << p.transcript[1].size() << " "
                           << p.transcript[2].size() << " " << p.transcript[3].size()
                           << " (host cert " << w.server_cert.size() << ", user cert "
                           << w.alice_cert.size() << ")");
  auto cs = std::move(p.client).finish();
  auto ss = std::move(p.server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  CHECK(cs->peer().name.view() == "host/server.example.test");
  CHECK(cs->peer().key_id.view() == "server-id");
  CHECK(cs->peer().serial == 7);
  CHECK(cs->peer().has_serial);
  CHECK(cs->peer().fingerprint.view() == pk::fingerprint(w.server.public_key()).view());
  CHECK(ss->peer().name.view() == "alice");
  CHECK(ss->peer().key_id.view() == "alice-id");
  CHECK(ss->peer().serial == 42);
  CHECK(ss->peer().has_serial);
  CHECK(ss->peer().fingerprint.view() == pk::fingerprint(w.alice.public_key()).view());

  bytes msg{'h', 'i'}, rec(64), out(64);
  auto n = cs->seal(msg, rec);
  REQUIRE(n);
  auto m = ss->open(bytes_view(rec.data(), *n), out);
  REQUIRE(m);
  CHECK(m->size == 2);
}

TEST_CASE("pk-ca: certificates and pinned keys mix per direction", "[pk][ca]") {
  World& w = world();
  SECTION("client certificate, server pinned raw key") {
    const std::array<pk::PinnedServer, 1> pins{
        {{spn("host/server.example.test"), w.server.public_key()}}};
    auto ic = w.client_cfg();
    ic.trust.pinned = pins;
    auto ac = w.server_cfg();
    ac.identity.certificate = {};
    Pair p(ic, ac);
    p.run();
    REQUIRE(p.established());
    auto ss = std::move(p.server).finish();
    REQUIRE(ss);
    CHECK(ss->peer().key_id.view() == "alice-id");
  }
  SECTION("server certificate, client pinned raw key; a raw key is no certificate") {
    const std::array<pk::PinnedClient, 1> pins{{{"alice-pinned", w.alice.public_key()}}};
    auto ic = w.client_cfg();
    ic.identity.certificate = {};
    ic.identity.name = "alice-pinned";  // the principal the pin binds (spec §12)
    auto ac = w.server_cfg();
    ac.trust.pinned = pins;
    Pair p(ic, ac);
    p.run();
    REQUIRE(p.established());
    auto ss = std::move(p.server).finish();
    REQUIRE(ss);
    CHECK(ss->peer().name.view() == "alice-pinned");
    CHECK_FALSE(ss->peer().has_serial);
    CHECK(ss->peer().key_id.empty());
    // Without the pin, a raw key is not accepted just because a CA is configured.
    auto ac2 = w.server_cfg();
    Pair q(ic, ac2);
    q.run();
    CHECK(q.server_error() == errc::unknown_peer_key);
  }
  SECTION("a certificate where only pins are configured") {
    auto ic = w.client_cfg();
    ic.trust.authorities = {};
    Pair p(ic, w.server_cfg());
    p.run();
    CHECK(p.client_error() == errc::untrusted_issuer);
  }
}

TEST_CASE("pk-ca: each refusal has its own error", "[pk][ca]") {
  World& w = world();
  SECTION("wrong target name: the server claims it but its certificate does not list it") {
    Pair p(w.client_cfg(), w.server_cfg("host/db.example.test"), "host/db.example.test");
    p.run();
    CHECK(p.client_error() == errc::name_mismatch);
    CHECK(p.client.last_error().detail().find("does not name host/db.example.test") !=
          std::string_view::npos);
    CHECK(p.transcript.size() == 2);  // the client never sent its own certificate
  }
  SECTION("wrong target name: the server proves another name") {
    Pair p(w.client_cfg(), w.server_cfg(), "host/db.example.test");
    p.run();
    CHECK(p.client_error() == errc::name_mismatch);
  }
  SECTION("a user certificate presented by a server") {
    const auto c = w.cert("srv-as-user", "-I s -n server.example.test,host/server.example.test",
                          "server", "host_ca");
    Pair p(w.client_cfg(), w.server_cfg("host/server.example.test", c));
    p.run();
    CHECK(p.client_error() == errc::wrong_certificate_type);
  }
  SECTION("a host certificate presented by a client") {
    const auto c = w.cert("alice-as-host", "-I a -h -n alice", "alice", "user_ca");
    Pair p(w.client_cfg(c), w.server_cfg());
    p.run();
    CHECK(p.server_error() == errc::wrong_certificate_type);
    CHECK_FALSE(p.client.is_done());  // no admission, no Session
    CHECK(p.transcript.size() == 3);
  }
  SECTION("an untrusted CA, and a CA not trusted for this host") {
    const auto c = w.cert("srv-other", "-I s -h -n host/server.example.test", "server", "other_ca");
    Pair p(w.client_cfg(), w.server_cfg("host/server.example.test", c));
    p.run();
    CHECK(p.client_error() == errc::untrusted_issuer);
    const auto u = w.cert("alice-other", "-I a -n alice", "alice", "other_ca");
    Pair q(w.client_cfg(u), w.server_cfg());
    q.run();
    CHECK(q.server_error() == errc::untrusted_issuer);
    // The host CA is trusted for *.example.test only.
    const auto h =
        w.cert("srv-elsewhere", "-I s -h -n host/server.elsewhere.test", "server", "host_ca");
    Pair r(w.client_cfg(), w.server_cfg("host/server.elsewhere.test", h),
           "host/server.elsewhere.test");
    r.run();
    CHECK(r.client_error() == errc::untrusted_issuer);
  }
  SECTION("a CA of another key type (RSA, ECDSA): refused by the peer") {
    for (const char* ca : {"rsa_ca", "ecdsa_ca"}) {
      INFO(ca);
      // The sender's own check refuses such a certificate at once...
      const auto c =
          w.raw(std::string("srv-") + ca, "-I s -h -n host/server.example.test", "server", ca);
      Pair local(w.client_cfg(), w.server_cfg("host/server.example.test", c));
      local.run();
      CHECK(local.server_error() == errc::unsupported_key_type);
      // ...and a sender that skips it is refused by the peer.
      Pair p(w.client_cfg(), w.server_cfg("host/server.example.test", c));
      p.server.send_unchecked();
      p.run();
      CHECK(p.client_error() == errc::unsupported_key_type);
      const auto u = w.raw(std::string("alice-") + ca, "-I a -n alice", "alice", ca);
      Pair q(w.client_cfg(u), w.server_cfg());
      q.client.send_unchecked();
      q.run();
      CHECK(q.server_error() == errc::unsupported_key_type);
    }
  }
  SECTION("expired and not yet valid, and clock skew inside and outside the allowance") {
    const auto old = w.cert("srv-old", "-I s -h -n host/server.example.test -V 20000101Z:20010101Z",
                            "server", "host_ca");
    Pair a(w.client_cfg(), w.server_cfg("host/server.example.test", old));
    a.run();
    CHECK(a.client_error() == errc::expired);
    const auto future =
        w.cert("alice-future", "-I a -n alice -V 20300101Z:20310101Z", "alice", "user_ca");
    Pair b(w.client_cfg(future), w.server_cfg());
    b.run();
    CHECK(b.server_error() == errc::not_yet_valid);
    // The injectable clock, 200 s before valid-after: inside the default 300 s allowance.
    auto ac = w.server_cfg();
    ac.trust.now = test_clock;
    g_now = utc(2030, 1, 1) - 200;
    Pair c(w.client_cfg(future), ac);
    c.run();
    CHECK(c.established());
    g_now = utc(2030, 1, 1) - 400;  // outside
    Pair d(w.client_cfg(future), ac);
    d.run();
    CHECK(d.server_error() == errc::not_yet_valid);
    ac.trust.clock_skew = 600;  // a wider allowance
    Pair e(w.client_cfg(future), ac);
    e.run();
    CHECK(e.established());
    g_now = utc(2031, 1, 1) + 599;  // just after valid-before, inside 600 s
    Pair f(w.client_cfg(future), ac);
    f.run();
    CHECK(f.established());
    g_now = utc(2031, 1, 1) + 600;
    Pair g(w.client_cfg(future), ac);
    g.run();
    CHECK(g.server_error() == errc::expired);
  }
  SECTION("empty principal lists") {
    const auto h = w.cert("srv-noprinc", "-I s -h", "server", "host_ca");
    Pair a(w.client_cfg(), w.server_cfg("host/server.example.test", h));
    a.run();
    CHECK(a.client_error() == errc::no_principals);
    const auto u = w.cert("alice-noprinc", "-I a", "alice", "user_ca");
    // The client's own check refuses to assert a name its certificate does not list...
    Pair local(w.client_cfg(u), w.server_cfg());
    local.run();
    CHECK(local.client_error() == errc::invalid_argument);
    CHECK(local.transcript.empty());
    // ...and a client that skips it is refused by the server.
    Pair b(w.client_cfg(u), w.server_cfg());
    b.client.send_unchecked();
    b.run();
    CHECK(b.server_error() == errc::no_principals);
  }
  SECTION("unknown critical options: source-address and force-command") {
    for (const std::string opt : {"source-address=127.0.0.1/32", "force-command=/usr/bin/id"}) {
      const auto u = w.cert("alice-crit", "-I a -n alice -O " + opt, "alice", "user_ca");
      Pair p(w.client_cfg(u), w.server_cfg());
      p.run();
      CHECK(p.server_error() == errc::unknown_critical_option);
      CHECK(p.server.last_error().detail().find(opt.substr(0, opt.find('='))) !=
            std::string_view::npos);
    }
  }
  SECTION("a CA restricted to other principals") {
    const std::array<pk::UserCertAuthority, 1> cas{{{w.user_ca, "bob,carol"}}};
    auto ac = w.server_cfg();
    ac.trust.authorities = cas;
    Pair p(w.client_cfg(), ac);
    p.run();
    // Before any signature is checked, so not errc::unauthorized (spec §16).
    CHECK(p.server_error() == errc::name_mismatch);
    const auto u = w.cert("alice-carol", "-I a -n alice,carol", "alice", "user_ca");
    // Asserting alice, which principals= does not allow, is refused even though the certificate
    // also lists carol: the server never picks a name for the client.
    Pair r(w.client_cfg(u), ac);
    r.run();
    CHECK(r.server_error() == errc::name_mismatch);
    auto ic = w.client_cfg(u);
    ic.identity.name = "carol";
    Pair q(ic, ac);
    q.run();
    REQUIRE(q.established());
    auto ss = std::move(q.server).finish();
    REQUIRE(ss);
    CHECK(ss->peer().name.view() == "carol");
  }
}

TEST_CASE("pk-ca: revocation by serial, range, key id and explicit key", "[pk][ca]") {
  World& w = world();
  auto krl_of = [&](const std::string& name, const std::string& spec,
                    const std::string& ca) -> pk::Krl {
    write_text(w.dir.file(name + ".spec"), spec);
    sh("ssh-keygen -k -f " + shell_quote(w.dir.file(name)) +
       (ca.empty() ? std::string() : " -s " + shell_quote(w.dir.file(ca + ".pub"))) + " " +
       shell_quote(w.dir.file(name + ".spec")));
    const bytes& b = w.blobs.emplace_back(read_bytes(w.dir.file(name)));
    auto k = pk::Krl::parse(b);
    REQUIRE(k);
    return *k;
  };
  struct Case {
    const char* name;
    std::string spec;
    const char* ca;
    const char* needle;
  };
  const std::string bob_line = read_text(w.dir.file("mallory.pub"));
  for (const Case& k :
       {Case{"by-serial", "serial: 42\n", "user_ca", "serial 42"},
        Case{"by-range", "serial: 1-1000000\n", "user_ca", "serial range"},
        Case{"by-id", "id: alice-id\n", "user_ca", "key id \"alice-id\""},
        Case{"by-key", "key: " + read_text(w.dir.file("alice.pub")), "", "certificate key"},
        Case{"by-ca-key", "key: " + read_text(w.dir.file("user_ca.pub")), "", "CA key"}}) {
    INFO(k.name);
    const pk::Krl krl = krl_of(k.name, k.spec, k.ca);
    auto ac = w.server_cfg();
    ac.trust.revoked = &krl;
    Pair p(w.client_cfg(), ac);
    p.run();
    CHECK(p.server_error() == errc::revoked);
    CHECK(p.server.last_error().detail().find(k.needle) != std::string_view::npos);
    // A KRL about others lets the client in.
    const pk::Krl other =
        krl_of(std::string(k.name) + "-other",
               std::string(k.ca).empty() ? "key: " + bob_line : "serial: 43\nid: bob-id\n", k.ca);
    ac.trust.revoked = &other;
    Pair q(w.client_cfg(), ac);
    q.run();
    CHECK(q.established());
  }
  SECTION("the client revokes the server's certificate by serial and its key explicitly") {
    const pk::Krl by_serial = krl_of("host-serial", "serial: 7\n", "host_ca");
    auto ic = w.client_cfg();
    ic.trust.revoked = &by_serial;
    Pair p(ic, w.server_cfg());
    p.run();
    CHECK(p.client_error() == errc::revoked);
    const pk::Krl by_key = krl_of("host-key", "key: " + read_text(w.dir.file("server.pub")), "");
    ic.trust.revoked = &by_key;
    Pair q(ic, w.server_cfg());
    q.run();
    CHECK(q.client_error() == errc::revoked);
    // The same KRL applies to a pinned raw key.
    const std::array<pk::PinnedServer, 1> pins{
        {{spn("host/server.example.test"), w.server.public_key()}}};
    ic.trust.pinned = pins;
    auto ac = w.server_cfg();
    ac.identity.certificate = {};
    Pair r(ic, ac);
    r.run();
    CHECK(r.client_error() == errc::revoked);
    CHECK(r.client.last_error().detail().find("server key") != std::string_view::npos);
  }
}

TEST_CASE("pk-ca: a certificate for another key than the identity key", "[pk][ca]") {
  World& w = world();
  // mallory holds alice's certificate (public data) but not alice's key.
  SECTION("the sender refuses to start: key_mismatch") {
    Pair p(w.client_cfg(w.alice_cert, &w.mallory), w.server_cfg());
    p.run();
    CHECK(p.client_error() == errc::key_mismatch);
    CHECK(p.transcript.empty());
    Pair q(w.client_cfg(), w.server_cfg("host/server.example.test", w.server_cert, &w.mallory));
    q.run();
    CHECK(q.server_error() == errc::key_mismatch);
  }
  SECTION("a sender that skips the check: the peer refuses with bad_signature") {
    // The proof signature is verified with the CERTIFICATE's key, which did not sign it.
    Pair p(w.client_cfg(w.alice_cert, &w.mallory), w.server_cfg());
    p.client.send_unchecked();
    p.run();
    CHECK_FALSE(p.client.is_done());
    CHECK(p.server_error() == errc::bad_signature);
    Pair q(w.client_cfg(), w.server_cfg("host/server.example.test", w.server_cert, &w.mallory));
    q.server.send_unchecked();
    q.run();
    CHECK(q.client_error() == errc::bad_signature);
    CHECK(q.transcript.size() == 2);
  }
}

TEST_CASE("pk-ca: truncated and padded certificates never establish", "[pk][ca]") {
  World& w = world();
  const bytes& good = w.alice_cert;
  // From length 1: an empty certificate field means "no certificate" (the raw key is sent).
  for (std::size_t n = 1; n <= good.size(); ++n) {
    bytes c(good.begin(), good.begin() + static_cast<long>(n));
    if (n == good.size()) c.push_back(0);  // padded
    INFO("length " << c.size());
    Pair p(w.client_cfg(c), w.server_cfg());
    p.client.send_unchecked();
    p.run();
    CHECK_FALSE(p.established());
    CHECK(category_of(p.server_error()) == error_category_id::malformed);
    // Without the hook the sender refuses its own broken certificate before sending anything.
    if (n % 50 == 0) {
      Pair q(w.client_cfg(c), w.server_cfg());
      q.run();
      CHECK(q.transcript.empty());
      CHECK(category_of(q.client_error()) == error_category_id::malformed);
    }
  }
}

TEST_CASE("pk-ca: host-wide bare host-name certificates only when allowed", "[pk][ca]") {
  World& w = world();
  const auto bare = w.cert("srv-bare", "-I s -h -n server.example.test", "server", "host_ca");
  // host/<host> is what a bare name stands for.
  Pair a(w.client_cfg(), w.server_cfg("host/server.example.test", bare));
  a.run();
  CHECK(a.established());
  // Another service class: refused by default...
  Pair b(w.client_cfg(), w.server_cfg("ldap/server.example.test:636", bare),
         "ldap/server.example.test:636");
  b.run();
  CHECK(b.client_error() == errc::name_mismatch);
  CHECK_FALSE(b.client.last_error().hint().empty());
  // ...accepted when the initiator's policy allows host-wide credentials.
  auto ic = w.client_cfg();
  ic.trust.allow_host_wide_credentials = true;
  Pair c(ic, w.server_cfg("ldap/server.example.test:636", bare), "ldap/server.example.test:636");
  c.run();
  REQUIRE(c.established());
  auto cs = std::move(c.client).finish();
  REQUIRE(cs);
  CHECK(cs->peer().name.view() == "ldap/server.example.test:636");
  // An exact SPN principal with a port needs no policy.
  const auto exact =
      w.cert("srv-ldap", "-I s -h -n ldap/server.example.test:636", "server", "host_ca");
  Pair d(w.client_cfg(), w.server_cfg("ldap/server.example.test:636", exact),
         "ldap/server.example.test:636");
  d.run();
  CHECK(d.established());
}

TEST_CASE("pk-ca: trust files feed a CA-mode handshake", "[pk][ca]") {
  World& w = world();
  const std::string known_hosts =
      "# CA for our hosts\n@cert-authority *.example.test " + read_text(w.dir.file("host_ca.pub"));
  const std::string authorized =
      "cert-authority,principals=\"alice\" " + read_text(w.dir.file("user_ca.pub"));
  pk::KnownHosts<1, 1> kh;
  pk::AuthorizedKeys<1, 1> ak;
  REQUIRE(kh.parse(known_hosts));
  REQUIRE(ak.parse(authorized));
  auto ic = w.client_cfg();
  ic.trust = kh.trust();
  auto ac = w.server_cfg();
  ac.trust = ak.trust();
  Pair p(ic, ac);
  p.run();
  REQUIRE(p.established());
  auto ss = std::move(p.server).finish();
  REQUIRE(ss);
  CHECK(ss->peer().name.view() == "alice");
}

TEST_CASE("pk-ca: flipping any bit of a CA-mode message never yields a session", "[pk][ca]") {
  Pair ref;
  ref.run();
  REQUIRE(ref.transcript.size() == 4);
  for (int target = 0; target < 4; ++target) {
    const std::size_t bits = ref.transcript[static_cast<std::size_t>(target)].size() * 8;
    // Every bit of messages 1 and 3; every 3rd bit of the longer message 2 keeps the run short.
    const std::size_t stride = target == 1 ? 3 : 1;
    for (std::size_t bit = 0; bit < bits; bit += stride) {
      Pair p;
      p.run([&](int i, bytes& m) {
        if (i == target) m[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      });
      if (p.client.is_done())
        FAIL("bit " << bit << " of message " << target + 1 << " still established");
    }
  }
  if (std::getenv("MUTAUTH_PRINT_SIZES"))
    WARN("message 2: " << hex(ref.transcript[1]).substr(0, 80) << "...");
}
