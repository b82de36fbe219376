// mutauth-pk/1 end to end, with keys made by the real ssh-keygen (docs/protocol/mutauth-pk.md).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/names.hpp"
#include "support/pk_keys.hpp"
#include "support/relay.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::new_ed25519;
using mutauth::testing::spn;
using mutauth::testing::TempDir;
using PK = pk::PublicKey;
using bytes = std::vector<std::uint8_t>;

namespace {

// Keys for the whole test program, made once by ssh-keygen in a temp dir: two servers, alice,
// whom the server pins, and a stranger it does not.
struct World : mutauth::testing::PinnedKeys {
  pk::Ed25519SecretKey other_server, stranger;
  std::array<pk::PinnedServer, 2> server_pins;
  World()
      : PinnedKeys("mutauth-pk"),
        other_server(new_ed25519(dir, "other")),
        stranger(new_ed25519(dir, "stranger")),
        server_pins{{{spn("host/server.example.test"), server.public_key()},
                     {spn("host/other.example.test"), other_server.public_key()}}} {}

  pk::InitiatorConfig client_cfg(const pk::Ed25519SecretKey& key) const {
    pk::InitiatorConfig c;
    c.identity = {&key, "alice"};
    c.trust.pinned = server_pins;
    return c;
  }
  pk::AcceptorConfig server_cfg(const pk::Ed25519SecretKey& key, std::string_view name) const {
    pk::AcceptorConfig c{
        .identity = {&key, {}}, .service = spn(name), .trust = {}, .channel_binding = {}};
    c.trust.pinned = client_pins;
    return c;
  }
};

World& world() {
  static World w;
  return w;
}

// A client/server pair over an in-memory relay that records every message.
struct Pair {
  pk::InitiatorConfig icfg;
  pk::AcceptorConfig acfg;
  Initiator<PK> client;
  Acceptor<PK> server;
  std::vector<bytes> transcript;
  Pair(pk::InitiatorConfig ic, pk::AcceptorConfig ac,
       std::string_view target = "host/server.example.test")
      : icfg(ic), acfg(ac), client(spn(target), icfg), server(acfg, allow_all) {}
  Pair()
      : Pair(world().client_cfg(world().alice),
             world().server_cfg(world().server, "host/server.example.test")) {}

  // Runs to the end (or the first failure). `tamper(index, msg)` may change each message.
  template <class F>
  void run(F tamper) {
    transcript = mutauth::testing::relay_handshake(client, server, tamper, 4);
  }
  void run() {
    run([](int, bytes&) {});
  }
};

std::vector<std::uint8_t> as_bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The two sessions of a finished default handshake.
std::pair<Session<PK>, Session<PK>> established() {
  Pair p;
  p.run();
  auto cs = std::move(p.client).finish();
  auto ss = std::move(p.server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  return {std::move(*cs), std::move(*ss)};
}

// Steps a fresh client and server through messages 1 and 2; returns the client's message 3.
template <class C, class S>
bytes to_message3(C& client, S& server) {
  auto r1 = client.step();
  auto r2 = server.step(bytes(r1.token.begin(), r1.token.end()));
  auto r3 = client.step(bytes(r2.token.begin(), r2.token.end()));
  REQUIRE(r3.st == status::send);
  return bytes(r3.token.begin(), r3.token.end());
}

}  // namespace

TEST_CASE("pk: a full mutual handshake, data both ways, exporter and channel binding agree",
          "[pk]") {
  Pair p;
  p.run();
  REQUIRE(p.client.is_done());
  REQUIRE(p.server.is_done());
  REQUIRE(p.transcript.size() == 4);
  CHECK(p.transcript[0].size() == 34);
  CHECK(p.transcript[3].size() == 2 + 3 + 5 + 16);  // header | admission of "alice" | tag
  auto cs = std::move(p.client).finish();
  auto ss = std::move(p.server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  CHECK(cs->peer().name.view() == "host/server.example.test");
  CHECK(cs->peer().mechanism == "mutauth-pk/1");
  CHECK(cs->peer().fingerprint.view() == pk::fingerprint(world().server.public_key()).view());
  CHECK(ss->peer().name.view() == "alice");
  CHECK(ss->peer().fingerprint.view() == pk::fingerprint(world().alice.public_key()).view());
  CHECK(cs->local().name.view() == "alice");
  CHECK(ss->local().name.view() == "host/server.example.test");
  // The session's compact name table (session.hpp): views, NUL-terminated, convertible to the
  // owning types, and the service's host stored once inside the peer's name.
  CHECK(std::string_view(cs->peer().name.c_str()) == "host/server.example.test");
  const Principal owned = cs->peer();
  CHECK(owned.name.view() == "host/server.example.test");
  CHECK(owned.fingerprint.view() == cs->peer().fingerprint.view());
  CHECK(cs->service() == ServicePrincipal(cs->service()));
  CHECK(cs->service().pk_name().view() == "host/server.example.test");
  CHECK(cs->service().host().data() == cs->peer().name.data() + 5);

  for (int i = 0; i < 50; ++i) {
    const std::string msg = "message " + std::to_string(i);
    bytes rec(msg.size() + Session<PK>::seal_overhead), out(msg.size());
    Session<PK>& tx = (i % 2) ? *ss : *cs;
    Session<PK>& rx = (i % 2) ? *cs : *ss;
    auto n = tx.seal(as_bytes(msg), rec);
    REQUIRE(n);
    CHECK(*n == msg.size() + 17);  // content | type byte | tag
    bytes inner(*n - Session<PK>::open_overhead);
    auto m = rx.open(rec, inner);
    REQUIRE(m);
    CHECK(m->type == content_type::data);
    CHECK(std::string(inner.begin(), inner.begin() + static_cast<long>(m->size)) == msg);
  }

  std::array<std::uint8_t, 100> e1{}, e2{}, e3{};
  REQUIRE(cs->export_keying_material("app key", e1));
  REQUIRE(ss->export_keying_material("app key", e2));
  REQUIRE(cs->export_keying_material("other label", e3));
  CHECK(e1 == e2);
  CHECK(e1 != e3);
  CHECK(cs->channel_binding().size() == 64);
  CHECK(std::equal(cs->channel_binding().begin(), cs->channel_binding().end(),
                   ss->channel_binding().begin(), ss->channel_binding().end()));
}

TEST_CASE("pk: two handshakes between the same keys give different sessions", "[pk]") {
  Pair a, b;
  a.run();
  b.run();
  CHECK(a.transcript[0] != b.transcript[0]);  // fresh ephemerals
  auto sa = std::move(a.client).finish();
  auto sb = std::move(b.client).finish();
  REQUIRE(sa);
  REQUIRE(sb);
  CHECK(!std::equal(sa->channel_binding().begin(), sa->channel_binding().end(),
                    sb->channel_binding().begin()));
}

TEST_CASE("pk: rekey in each direction keeps both sides in step", "[pk]") {
  auto [cs, ss] = established();
  bytes msg = as_bytes("after rekey"), rec(64), out(64);
  REQUIRE(cs.rekey_outbound());
  auto n = cs.seal(msg, rec);
  REQUIRE(n);
  // The receiver has not rekeyed yet: the record does not open under the old key.
  bytes copy(rec.begin(), rec.begin() + static_cast<long>(*n));
  Pair q;
  q.run();
  auto qs = std::move(q.server).finish();
  REQUIRE(qs);
  REQUIRE(ss.rekey_inbound());
  auto m = ss.open(copy, out);
  REQUIRE(m);
  CHECK(bytes(out.begin(), out.begin() + static_cast<long>(m->size)) == msg);
  // And a receiver that rekeys when the sender did not fails closed.
  REQUIRE(ss.rekey_inbound());
  auto n2 = cs.seal(msg, rec);
  REQUIRE(n2);
  CHECK(ss.open(bytes(rec.begin(), rec.begin() + static_cast<long>(*n2)), out).code() ==
        errc::decrypt_failed);
  CHECK(ss.failed());
}

TEST_CASE("pk: datagram mode accepts reordering once and refuses replays and stale records",
          "[pk]") {
  auto [cs, ss] = established();
  auto txr = std::move(cs).into_datagram();
  auto rxr = std::move(ss).into_datagram();
  REQUIRE(txr);
  REQUIRE(rxr);
  auto& tx = *txr;
  auto& rx = *rxr;
  // The stream sessions they came from are dead.
  bytes rec0(64);
  CHECK(cs.seal(as_bytes("x"), rec0).code() == errc::wrong_state);
  CHECK(cs.peer().name.empty());
  CHECK(rx.peer().name.view() == "alice");
  std::vector<bytes> d;
  for (int i = 0; i < 100; ++i) {
    bytes msg = as_bytes("dgram " + std::to_string(i)),
          rec(msg.size() + DatagramSession<PK>::overhead);
    auto n = tx.seal(msg, rec);
    REQUIRE(n);
    d.push_back(rec);
  }
  bytes out(64);
  CHECK(rx.open(d[5], out));
  CHECK(rx.open(d[3], out));                           // reordered: accepted
  CHECK(rx.open(d[3], out).code() == errc::replayed);  // twice: refused
  CHECK(rx.open(d[4], out));
  CHECK(rx.open(d[90], out));
  CHECK(rx.open(d[10], out).code() == errc::out_of_order);  // 80 behind: outside window
  CHECK(rx.open(d[27], out));                               // 63 behind: inside
  CHECK(rx.open(d[26], out).code() == errc::out_of_order);  // 64 behind: outside
  bytes forged = d[91];
  forged[12] ^= 1;
  CHECK(rx.open(forged, out).code() == errc::decrypt_failed);
  CHECK(rx.open(d[91], out));  // the forgery did not poison the window or the keys
  bytes renumbered = d[92];
  renumbered[7] ^= 1;  // the nonce is authenticated
  CHECK(rx.open(renumbered, out).code() == errc::decrypt_failed);
  // Both sides' exporters still agree in datagram mode.
  std::array<std::uint8_t, 32> e1{}, e2{};
  REQUIRE(tx.export_keying_material("dgram", e1));
  REQUIRE(rx.export_keying_material("dgram", e2));
  CHECK(e1 == e2);
}

TEST_CASE("pk: each refusal has its own error", "[pk]") {
  World& w = world();
  SECTION("the client expects another name than the server proves") {
    Pair p(w.client_cfg(w.alice), w.server_cfg(w.server, "host/server.example.test"),
           "host/db.example.test");
    p.run();
    CHECK(p.client.last_error().code() == errc::name_mismatch);
    CHECK(p.client.last_error().detail().find("host/db.example.test") != std::string_view::npos);
    CHECK(p.transcript.size() == 2);  // the client never sent its proof
  }
  SECTION("unknown client key") {
    Pair p(w.client_cfg(w.stranger), w.server_cfg(w.server, "host/server.example.test"));
    p.run();
    CHECK(p.server.last_error().code() == errc::unknown_peer_key);
    CHECK(p.server.last_error().detail().find("SHA256:") != std::string_view::npos);
  }
  SECTION("server key not pinned for the name it proves") {
    Pair p(w.client_cfg(w.alice), w.server_cfg(w.stranger, "host/server.example.test"));
    p.run();
    CHECK(p.client.last_error().code() == errc::unknown_peer_key);
    CHECK(p.transcript.size() == 2);
  }
  SECTION("no pin at all for the target") {
    Pair p(w.client_cfg(w.alice), w.server_cfg(w.server, "host/new.example.test"),
           "host/new.example.test");
    p.run();
    CHECK(p.client.last_error().code() == errc::unknown_peer_key);
    CHECK(p.client.last_error().detail().find("no key is pinned") != std::string_view::npos);
  }
  SECTION("no identity key configured") {
    pk::InitiatorConfig c = w.client_cfg(w.alice);
    c.identity.key = nullptr;
    Initiator<PK> hs(spn("host/server.example.test"), c);
    CHECK(hs.step().code == errc::invalid_argument);
  }
  SECTION("a non-empty message 1 payload") {
    Pair p;
    p.run([](int i, bytes& m) {
      if (i == 0) m.push_back(0x41);
    });
    CHECK(p.server.last_error().code() == errc::nonempty_first_payload);
  }
  SECTION("another protocol version") {
    Pair p;
    p.run([](int i, bytes& m) {
      if (i == 0) m[0] = 2;
    });
    CHECK(p.server.last_error().code() == errc::version_mismatch);
    Pair q;
    q.run([](int i, bytes& m) {
      if (i == 1) m[0] = 7;
    });
    CHECK(q.client.last_error().code() == errc::version_mismatch);
  }
  SECTION("different channel bindings") {
    pk::InitiatorConfig ic = w.client_cfg(w.alice);
    const std::array<std::uint8_t, 4> cb{1, 2, 3, 4};
    ic.channel_binding = cb;
    Pair p(ic, w.server_cfg(w.server, "host/server.example.test"));
    p.run();
    CHECK(p.client.last_error().code() == errc::decrypt_failed);
    CHECK(!p.client.last_error().hint().empty());
  }
  SECTION("encrypted and malformed key files") {
    TempDir d("mutauth-pk-bad");
    auto enc = mutauth::testing::keygen(d, "enc", "-t ed25519", "enc", "secret");
    auto r = pk::load_private_key_file(enc.c_str());
    CHECK(r.code() == errc::encrypted_key_unsupported);
    CHECK(r.error_value().hint().find("ssh-keygen -p") != std::string_view::npos);
    auto pubr = pk::parse_public_key_line("ssh-ed25519 AAAA!!!! x");
    CHECK(pubr.code() == errc::bad_encoding);
  }
}

TEST_CASE("pk: flipping any bit or truncating any handshake message never yields a session",
          "[pk]") {
  // Record a genuine transcript's sizes first.
  Pair ref;
  ref.run();
  REQUIRE(ref.transcript.size() == 4);
  for (int target = 0; target < 4; ++target) {
    const std::size_t bits = ref.transcript[static_cast<std::size_t>(target)].size() * 8;
    for (std::size_t bit = 0; bit < bits; ++bit) {
      Pair p;
      p.run([&](int i, bytes& m) {
        if (i == target) m[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      });
      // The client is the one who finishes last: a flipped message 4 leaves a done server (which
      // has already released its admission) with a client that refuses it.
      if (p.client.is_done())
        FAIL("bit " << bit << " of message " << target + 1 << " still established");
      if (target < 3) CHECK_FALSE(std::move(p.server).finish().has_value());
      CHECK_FALSE(std::move(p.client).finish().has_value());
    }
    for (std::size_t len = 0; len < ref.transcript[static_cast<std::size_t>(target)].size();
         ++len) {
      Pair p;
      p.run([&](int i, bytes& m) {
        if (i == target) m.resize(len);
      });
      CHECK_FALSE(p.client.is_done());
      if (target < 3) CHECK_FALSE(std::move(p.server).finish().has_value());
      CHECK_FALSE(std::move(p.client).finish().has_value());
    }
  }
}

TEST_CASE("pk: active attacks are refused", "[pk]") {
  World& w = world();
  SECTION("a relay to a different legitimate server") {
    // The client wants server.example.test; the attacker relays to other.example.test, a real
    // server with a pinned key of its own. Its proof names itself, so the client refuses.
    Pair p(w.client_cfg(w.alice), w.server_cfg(w.other_server, "host/other.example.test"),
           "host/server.example.test");
    p.run();
    CHECK(p.client.last_error().code() == errc::name_mismatch);
    CHECK_FALSE(p.server.is_done());
  }
  SECTION("the client's own message 1 reflected back to it") {
    Pair p;
    auto r = p.client.step();
    bytes m1(r.token.begin(), r.token.end());
    CHECK(p.client.step(m1).code == errc::unexpected_message);
  }
  SECTION("the server's message 2 reflected back to the server") {
    Pair p;
    auto r = p.client.step();
    bytes m1(r.token.begin(), r.token.end());
    auto r2 = p.server.step(m1);
    bytes m2(r2.token.begin(), r2.token.end());
    CHECK(p.server.step(m2).code == errc::unexpected_message);
  }
  SECTION("a recorded message 3 replayed to a fresh acceptor") {
    Pair rec;
    rec.run();
    REQUIRE(rec.server.is_done());
    // Straight to a fresh acceptor: out of order.
    Acceptor<PK> fresh(rec.acfg, allow_all);
    CHECK(fresh.step(rec.transcript[2]).code == errc::unexpected_message);
    // Message 4 replayed to a fresh client that is waiting for message 2: out of order too.
    Initiator<PK> fresh_client(spn("host/server.example.test"), rec.icfg);
    (void)fresh_client.step();
    CHECK(fresh_client.step(rec.transcript[3]).code == errc::unexpected_message);
    // After replaying message 1 too: the acceptor's new ephemeral makes new keys, so the old
    // message 3 does not decrypt.
    Acceptor<PK> fresh2(rec.acfg, allow_all);
    auto r = fresh2.step(rec.transcript[0]);
    REQUIRE(r.st == status::send);
    CHECK(fresh2.step(rec.transcript[2]).code == errc::decrypt_failed);
  }
  SECTION("an application record injected during the handshake") {
    Pair p;
    auto r = p.client.step();
    bytes m1(r.token.begin(), r.token.end());
    (void)p.server.step(m1);
    std::array<std::uint8_t, 1> b{0};
    CHECK(feed_record(p.server, record{record_type::application, b}).code ==
          errc::app_data_before_auth);
    CHECK(p.server.is_failed());
    RecordDecoder<> dec;
    std::array<std::uint8_t, 8> wire{0x17, 0, 5, 1, 2, 3, 4, 5};
    CHECK(dec.decode(wire).code() == errc::app_data_before_auth);
  }
  SECTION("an unauthorized but authenticated client") {
    auto only_bob = +[](const Principal& who) noexcept { return who.name.view() == "bob"; };
    pk::InitiatorConfig ic = w.client_cfg(w.alice);
    pk::AcceptorConfig ac = w.server_cfg(w.server, "host/server.example.test");
    Initiator<PK> client(spn("host/server.example.test"), ic);
    Acceptor<PK> server(ac, only_bob);
    auto r4 = server.step(to_message3(client, server));
    CHECK(r4.code == errc::unauthorized);
    CHECK(r4.token.empty());  // message 4 never leaves
    CHECK_FALSE(std::move(server).finish().has_value());
    // The client is not done: it has sent its proof and waits for an admission it never gets.
    CHECK(client.state() == hs_state::await_token);
    CHECK_FALSE(client.is_done());
    // The server's alert ends it with the same clear error.
    auto ra = feed_record(client, record{record_type::alert, std::array<std::uint8_t, 1>{3}});
    CHECK(ra.code == errc::unauthorized);
    CHECK_FALSE(std::move(client).finish().has_value());
  }
}

namespace {
struct ClientProbe : Initiator<PK> {
  using Initiator<PK>::Initiator;
  bool holds_secrets() const { return this->mech_.holds_secrets(); }
};
struct ServerProbe : Acceptor<PK> {
  using Acceptor<PK>::Acceptor;
  bool holds_secrets() const { return this->mech_.holds_secrets(); }
};
}  // namespace

TEST_CASE("pk: secrets are wiped after failure and when a session dies", "[pk]") {
  World& w = world();
  auto ic = w.client_cfg(w.alice);
  auto ac = w.server_cfg(w.server, "host/server.example.test");
  ClientProbe client(spn("host/server.example.test"), ic);
  ServerProbe server(ac, allow_all);
  CHECK(client.holds_secrets());
  auto r1 = client.step();
  bytes m1(r1.token.begin(), r1.token.end());
  auto r2 = server.step(m1);
  bytes m2(r2.token.begin(), r2.token.end());
  m2.back() ^= 1;
  CHECK(client.step(m2).code == errc::decrypt_failed);
  CHECK_FALSE(client.holds_secrets());
  CHECK(server.holds_secrets());
  (void)server.on_alert();
  CHECK_FALSE(server.holds_secrets());

  Pair p;
  p.run();
  auto ss = std::move(p.server).finish();
  REQUIRE(ss);
  bytes junk(40, 0);
  CHECK_FALSE(ss->open(junk, junk));
  CHECK(ss->channel_binding().empty());
  CHECK(ss->mechanism_info().channel_binding().empty());
  std::array<std::uint8_t, 16> e{};
  CHECK_FALSE(ss->export_keying_material("x", e));
}

// ---- issue 12: the secret exporter, admission, sealed closure, moved-from objects, names ----

namespace {
// The exporter as the previous wire format computed it: HMAC keyed by the public final handshake
// hash. A passive observer can compute this from a capture (h hashes only wire bytes).
bytes old_public_exporter(bytes_view h, std::string_view label, std::size_t n) {
  namespace nz = mutauth::noise;
  static constexpr std::string_view ctx = "mutauth-pk/1 exporter";
  const std::uint8_t len[2] = {static_cast<std::uint8_t>(label.size() >> 8),
                               static_cast<std::uint8_t>(label.size())};
  nz::hash_bytes prk{}, t{};
  nz::hmac_blake2b(prk, h,
                   {bytes_view(reinterpret_cast<const std::uint8_t*>(ctx.data()), ctx.size()),
                    bytes_view(len, 2),
                    bytes_view(reinterpret_cast<const std::uint8_t*>(label.data()), label.size())});
  bytes out;
  for (std::uint8_t i = 1; out.size() < n; ++i) {
    if (i == 1) nz::hmac_blake2b(t, prk, {bytes_view(&i, 1)});
    else nz::hmac_blake2b(t, prk, {bytes_view(t), bytes_view(&i, 1)});
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(n);
  return out;
}
// The current exporter formula (docs/protocol/mutauth-pk.md §7.3) keyed by whatever `prk` is.
bytes exporter_with(bytes_view prk, std::string_view label, bytes_view context, std::size_t n) {
  namespace nz = mutauth::noise;
  static constexpr std::string_view info = "mutauth-pk/1 exporter";
  const std::uint8_t ll = static_cast<std::uint8_t>(label.size());
  const std::uint8_t cl[2] = {static_cast<std::uint8_t>(context.size() >> 8),
                              static_cast<std::uint8_t>(context.size())};
  const std::uint8_t ol[2] = {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  nz::hash_bytes t{};
  bytes out;
  for (std::uint8_t i = 1; out.size() < n; ++i) {
    nz::hmac_blake2b(t, prk,
                     {i == 1 ? bytes_view() : bytes_view(t),
                      bytes_view(reinterpret_cast<const std::uint8_t*>(info.data()), info.size()),
                      bytes_view(&ll, 1),
                      bytes_view(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()),
                      bytes_view(cl, 2), context, bytes_view(ol, 2), bytes_view(&i, 1)});
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(n);
  return out;
}
}  // namespace

TEST_CASE("pk: the exporter is secret: the public channel binding does not reproduce it", "[pk]") {
  auto [cs, ss] = established();
  bytes e(64), e_srv(64);
  REQUIRE(cs.export_keying_material("app key", e));
  REQUIRE(ss.export_keying_material("app key", e_srv));
  CHECK(e == e_srv);
  // What an eavesdropper computes from the capture: the old construction, and today's formula
  // keyed by the public hash instead of the exporter secret.
  CHECK(old_public_exporter(cs.channel_binding(), "app key", 64) != e);
  CHECK(exporter_with(cs.channel_binding(), "app key", {}, 64) != e);
  // Nor is any exporter output the channel binding itself, or a prefix of it.
  CHECK_FALSE(std::equal(e.begin(), e.end(), cs.channel_binding().begin()));
  // Context and length are inputs: each gives independent bytes (RFC 8446 §7.5's shape).
  const std::array<std::uint8_t, 3> ctx{1, 2, 3};
  bytes c1(64), c2(64), shorter(32);
  REQUIRE(cs.export_keying_material("app key", ctx, c1));
  REQUIRE(ss.export_keying_material("app key", ctx, c2));
  CHECK(c1 == c2);
  CHECK(c1 != e);
  REQUIRE(cs.export_keying_material("app key", shorter));
  CHECK_FALSE(std::equal(shorter.begin(), shorter.end(), e.begin()));
  // Bounds are checked, not truncated.
  bytes none(1);
  CHECK(cs.export_keying_material("", none).code() == errc::invalid_argument);
  CHECK(cs.export_keying_material(std::string(256, 'l'), none).code() == errc::invalid_argument);
  bytes huge(255 * 64 + 1);
  CHECK(cs.export_keying_material("x", huge).code() == errc::invalid_argument);
}

TEST_CASE("pk: the client is done only after the server's admission (message 4)", "[pk]") {
  Pair p;
  auto r1 = p.client.step();
  bytes m1(r1.token.begin(), r1.token.end());
  auto r2 = p.server.step(m1);
  bytes m2(r2.token.begin(), r2.token.end());
  auto r3 = p.client.step(m2);
  REQUIRE(r3.st == status::send);
  // Having written its proof, the client is still not done: it cannot have a Session yet.
  CHECK_FALSE(p.client.is_done());
  bytes m3(r3.token.begin(), r3.token.end());
  auto r4 = p.server.step(m3);
  REQUIRE(r4.st == status::done);
  REQUIRE_FALSE(r4.token.empty());
  bytes m4(r4.token.begin(), r4.token.end());
  auto r5 = p.client.step(m4);
  CHECK(r5.st == status::done);
  CHECK(r5.token.empty());
  auto cs = std::move(p.client).finish();
  REQUIRE(cs);
  CHECK(cs->local().name.view() == "alice");  // the name the server admitted
}

TEST_CASE("pk: a refused client cannot finish by any route", "[pk]") {
  World& w = world();
  auto nobody = +[](const Principal&) noexcept { return false; };
  pk::InitiatorConfig ic = w.client_cfg(w.alice);
  pk::AcceptorConfig ac = w.server_cfg(w.server, "host/server.example.test");
  // A genuine admission recorded from another session does not fit this one.
  Pair other;
  other.run();
  REQUIRE(other.transcript.size() == 4);
  Initiator<PK> client(spn("host/server.example.test"), ic);
  Acceptor<PK> server(ac, nobody);
  CHECK(server.step(to_message3(client, server)).code == errc::unauthorized);
  CHECK(client.step(other.transcript[3]).code == errc::decrypt_failed);
  CHECK_FALSE(std::move(client).finish().has_value());
}

TEST_CASE("pk: closure is sealed; a clear close after the handshake is truncation", "[pk]") {
  auto [cs, ss] = established();
  bytes rec(64), out(64);
  auto n = cs.close(rec);
  REQUIRE(n);
  CHECK(*n == Session<PK>::seal_overhead);
  CHECK(cs.seal(as_bytes("late"), out).code() == errc::wrong_state);
  auto m = ss.open(bytes_view(rec.data(), *n), out);
  REQUIRE(m);
  CHECK(m->type == content_type::close);
  CHECK(ss.peer_closed());
  // The server may still send (a half-close), then closes too.
  auto d = ss.seal(as_bytes("bye"), rec);
  REQUIRE(d);
  auto got = cs.open(bytes_view(rec.data(), *d), out);
  REQUIRE(got);
  CHECK(got->size == 3);
  // A forged clear-text close alert on the wire after the handshake: the decoder refuses it.
  RecordDecoder<> dec;
  dec.allow_application_data(ss);
  const std::array<std::uint8_t, 4> forged{0x15, 0, 1, 4};
  CHECK(dec.decode(forged).code() == errc::truncation);
}

TEST_CASE("pk: a sealed alert ends the session on both sides", "[pk]") {
  auto [cs, ss] = established();
  bytes rec(64), out(64);
  auto n = ss.alert(alert_reason::aborted, rec);
  REQUIRE(n);
  CHECK(ss.failed());
  auto m = cs.open(bytes_view(rec.data(), *n), out);
  REQUIRE(m);
  CHECK(m->type == content_type::alert);
  CHECK(m->reason == alert_reason::aborted);
  CHECK(cs.failed());
  CHECK(cs.last_error().code() == errc::peer_alert);
  CHECK(cs.channel_binding().empty());
}

TEST_CASE("pk: moved-from handshakes and sessions are dead", "[pk]") {
  Pair p;
  p.run();
  REQUIRE(p.client.is_done());
  Initiator<PK> moved(std::move(p.client));
  CHECK(p.client.is_failed());
  CHECK(p.client.last_error().detail().find("moved from") != std::string_view::npos);
  CHECK_FALSE(std::move(p.client).finish().has_value());
  auto cs = std::move(moved).finish();
  REQUIRE(cs);
  Session<PK> s2(std::move(*cs));
  bytes rec(64), out(64);
  CHECK(cs->seal(as_bytes("x"), rec).code() == errc::wrong_state);
  CHECK(cs->peer().name.empty());
  CHECK(cs->channel_binding().empty());
  std::array<std::uint8_t, 8> e{};
  CHECK_FALSE(cs->export_keying_material("x", e));
  CHECK(s2.peer().name.view() == "host/server.example.test");
  CHECK(s2.seal(as_bytes("x"), rec));
}

TEST_CASE("pk: the client asserts its principal and the pin must bind it", "[pk]") {
  World& w = world();
  SECTION("a name the key is not pinned for") {
    pk::InitiatorConfig ic = w.client_cfg(w.alice);
    ic.identity.name = "root";
    Pair p(ic, w.server_cfg(w.server, "host/server.example.test"));
    p.run();
    CHECK(p.server.last_error().code() == errc::name_mismatch);
    CHECK(p.server.last_error().detail().find("pinned for alice") != std::string_view::npos);
    CHECK_FALSE(p.client.is_done());
  }
  SECTION("no name at all with a raw key") {
    pk::InitiatorConfig ic = w.client_cfg(w.alice);
    ic.identity.name = {};
    Initiator<PK> hs(spn("host/server.example.test"), ic);
    auto r = hs.step();
    CHECK(r.code == errc::invalid_argument);
  }
  SECTION("a realm in the target is not part of the pk name") {
    Pair p(w.client_cfg(w.alice), w.server_cfg(w.server, "host/server.example.test"),
           "host/server.example.test@EXAMPLE.TEST");
    p.run();
    CHECK(p.client.is_done());
  }
}

TEST_CASE("pk: a proof's signature covers the signer's own credential", "[pk]") {
  namespace pd = pk::detail;
  World& w = world();
  std::array<std::uint8_t, 64> h{};
  h.fill(7);
  const auto& key = w.alice.public_key().bytes;
  std::array<std::uint8_t, pd::max_signed_size> a{}, b{};
  const std::size_t na =
      pd::signed_data(role::initiator, h, pd::credential_type::raw_ed25519, key, "alice", a);
  const bytes fake_cert(200, 0x42);
  const std::size_t nb = pd::signed_data(
      role::initiator, h, pd::credential_type::openssh_certificate, fake_cert, "alice", b);
  std::array<std::uint8_t, 64> sig{};
  REQUIRE(w.alice.sign(bytes_view(a.data(), na), sig));
  CHECK(crypto_sign_ed25519_verify_detached(sig.data(), a.data(), na, key.data()) == 0);
  // The same signature does not verify for another credential of the same key.
  CHECK(crypto_sign_ed25519_verify_detached(sig.data(), b.data(), nb, key.data()) != 0);
}

TEST_CASE("pk: a Session fits in 512 bytes, two handshake buffers fewer (issue 14 item 4)") {
  // docs/embedded.md, "Sizes": on every target.
  STATIC_REQUIRE(sizeof(Session<pk::PublicKey>) <= 512);
  // One message buffer per handshake object, no second proof-sized one and no Concluded copy.
  STATIC_REQUIRE(sizeof(Initiator<pk::PublicKey>) < pk::PublicKey::max_token_size + 6 * 1024);
  STATIC_REQUIRE(sizeof(Acceptor<pk::PublicKey>) < pk::PublicKey::max_token_size + 5 * 1024);
}

TEST_CASE(
    "pk: names that do not fit the session's name table fail the handshake, not the session") {
  // 120 characters of client name + two 50-character fingerprints + the service name exceed the
  // default 176-byte table (session.hpp, MUTAUTH_SESSION_NAME_BYTES).
  static const std::string long_name(120, 'a');
  std::array<pk::PinnedClient, 1> pins{{{long_name, world().alice.public_key()}}};
  auto ic = world().client_cfg(world().alice);
  ic.identity.name = long_name;
  auto ac = world().server_cfg(world().server, "host/server.example.test");
  ac.trust.pinned = pins;
  Pair p(ic, ac);
  p.run();
  REQUIRE(p.server.is_failed());
  CHECK(p.server.last_error().code() == errc::too_large);
  CHECK(p.server.last_error().detail().find("name table") != std::string_view::npos);
  CHECK_FALSE(p.client.is_done());  // message 4, the admission, never left the server
  CHECK(p.transcript.size() == 3);
}
