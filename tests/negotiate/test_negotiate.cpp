// Negotiate<M1, M2, ...> (include/mutauth/negotiate.hpp, docs/protocol/negotiate.md) between real
// public-key mechanisms: mutauth-pk/1 and the same mechanism under another name (alt-pk/1,
// tests/support/pk_alias.hpp), over Connection<M> in memory with a man in the middle who alters
// the real bytes between the two sides.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "connection/pk_fixture.hpp"
#include "mutauth/negotiate.hpp"
#include "negotiate/negotiate_vector.hpp"
#include "negotiate/wire_pump.hpp"
#include "support/hex.hpp"
#include "support/pk_alias.hpp"

using namespace mutauth;
using mutauth::testing::admit_alice;
using mutauth::testing::AltPk;
using mutauth::testing::detail_of;
using mutauth::testing::PkPeers;
using mutauth::testing::rewrite_offers;
using mutauth::testing::run_handshake;
using mutauth::testing::wire_bytes;
using mutauth::testing::WirePair;
using mutauth::testing::with_offers;
using N = Negotiate<pk::PublicKey, AltPk>;
using N1 = Negotiate<pk::PublicKey>;

namespace {

template <class M>
void require_both_failed(WirePair<M>& p) {
  check_both_failed(p);
  CHECK(p.c.conn->session() == nullptr);
  CHECK(p.s.conn->session() == nullptr);
}

}  // namespace

TEST_CASE("negotiate: pk alone, optimistic: four messages, the session names the mechanism",
          "[unit]") {
  PkPeers peers;
  N1::InitiatorConfig ic;
  ic.offer<pk::PublicKey>(peers.icfg);
  N1::AcceptorConfig ac;
  ac.accept<pk::PublicKey>(peers.acfg);
  WirePair<N1> p(peers.target, ic, ac, admit_alice);
  int messages = 0;
  run_handshake(p.c, p.s, [&](bool, int, record_type t, wire_bytes&) {
    messages += t == record_type::handshake;
    return true;
  });
  REQUIRE(p.c.established == 1);
  REQUIRE(p.s.established == 1);
  CHECK(messages == 4);  // no round trip added: the first offer's token rides in the offer
  CHECK(p.c.conn->session()->mechanism() == "mutauth-pk/1");
  CHECK(p.s.conn->session()->mechanism() == "mutauth-pk/1");
  CHECK(p.s.conn->session()->peer().name == "alice");
  CHECK(p.c.conn->session()->peer().mechanism == "mutauth-pk/1");
  CHECK(p.c.conn->session()->mechanism_info().index() == 0);
  CHECK(p.c.conn->session()->mechanism_info().get<pk::PublicKey>() != nullptr);
  // Sealed data both ways through the negotiated keys.
  const wire_bytes hello = {'h', 'i'};
  REQUIRE(p.c.conn->write(hello));
  mutauth::testing::deliver(p.c, p.s, true, {});
  CHECK(p.s.data == hello);
  // Both computed the same channel binding, and it is not the caller-visible negotiation hash.
  const bytes_view a = p.c.conn->session()->channel_binding(),
                   b = p.s.conn->session()->channel_binding();
  CHECK((!a.empty() && wire_bytes(a.begin(), a.end()) == wire_bytes(b.begin(), b.end())));
}

TEST_CASE("negotiate: the client's preference decides; a later offer costs one round trip",
          "[unit]") {
  PkPeers peers;
  SECTION("both accepted: the first offer wins, whichever it is") {
    for (bool alt_first : {false, true}) {
      N::InitiatorConfig ic;
      if (alt_first) ic.offer<AltPk>(peers.icfg).offer<pk::PublicKey>(peers.icfg);
      else ic.offer<pk::PublicKey>(peers.icfg).offer<AltPk>(peers.icfg);
      N::AcceptorConfig ac;
      ac.accept<pk::PublicKey>(peers.acfg).accept<AltPk>(peers.acfg);
      WirePair<N> p(peers.target, ic, ac, admit_alice);
      run_handshake(p.c, p.s);
      REQUIRE(p.c.established == 1);
      REQUIRE(p.s.established == 1);
      const std::string_view want = alt_first ? "alt-pk/1" : "mutauth-pk/1";
      CHECK(p.c.conn->session()->mechanism() == want);
      CHECK(p.s.conn->session()->mechanism() == want);
      CHECK(p.s.conn->session()->peer().mechanism == want);
    }
  }
  SECTION("the acceptor serves only the second offer") {
    N::InitiatorConfig ic;
    ic.offer<pk::PublicKey>(peers.icfg).offer<AltPk>(peers.icfg);
    N::AcceptorConfig ac;
    ac.accept<AltPk>(peers.acfg);
    WirePair<N> p(peers.target, ic, ac, admit_alice);
    std::vector<wire_bytes> from_server;
    int messages = 0;
    run_handshake(p.c, p.s, [&](bool from_client, int, record_type t, wire_bytes& body) {
      messages += t == record_type::handshake;
      if (!from_client) from_server.push_back(body);
      return true;
    });
    REQUIRE(p.c.established == 1);
    REQUIRE(p.s.established == 1);
    CHECK(messages == 6);
    CHECK(from_server.front() ==
          wire_bytes{0x4E, 0x01, 0x02, 0x01});  // choice: offer 1, nothing else
    CHECK(p.c.conn->session()->mechanism() == "alt-pk/1");
    CHECK(p.s.conn->session()->mechanism() == "alt-pk/1");
    CHECK(p.c.conn->session()->mechanism_info().index() == 1);
  }
}

TEST_CASE(
    "negotiate: a relay that strips, reorders or replaces offers, or changes the choice, fails "
    "both sides",
    "[unit]") {
  PkPeers peers;
  N::InitiatorConfig ic;
  ic.offer<pk::PublicKey>(peers.icfg).offer<AltPk>(peers.icfg);
  N::AcceptorConfig ac;
  ac.accept<pk::PublicKey>(peers.acfg).accept<AltPk>(peers.acfg);
  // Each alteration keeps every mechanism token valid: alt-pk/1 speaks mutauth-pk/1's bytes, so
  // only the negotiation's binding can tell.
  const std::vector<std::pair<const char*, std::function<void(wire_bytes&)>>> attacks = {
      {"strip the first offer", [](wire_bytes& m) { m = with_offers(m, {"alt-pk/1"}); }},
      {"reorder the offers",
       [](wire_bytes& m) {
         m = with_offers(m, {"alt-pk/1", "mutauth-pk/1"});
       }},
      {"replace the second offer",
       [](wire_bytes& m) {
         m = with_offers(m, {"mutauth-pk/1", "rot13/1"});
       }},
      {"strip the second offer", [](wire_bytes& m) { m = with_offers(m, {"mutauth-pk/1"}); }},
  };
  for (const auto& a : attacks) {
    const auto& attack = a.second;  // not a structured binding: clang 14 cannot capture those
    INFO(a.first);
    WirePair<N> p(peers.target, ic, ac, admit_alice);
    run_handshake(p.c, p.s, [&](bool from_client, int i, record_type, wire_bytes& body) {
      if (from_client && i == 0) attack(body);
      return true;
    });
    require_both_failed(p);
    CHECK(p.c.conn->last_error().code() ==
          errc::decrypt_failed);  // message 2 under another prologue
    CHECK(p.s.conn->last_error().code() == errc::peer_alert);
  }
  SECTION("the choice changed on its way back") {
    N::AcceptorConfig alt_only;
    alt_only.accept<AltPk>(peers.acfg);
    WirePair<N> p(peers.target, ic, alt_only, admit_alice);
    run_handshake(p.c, p.s, [&](bool from_client, int i, record_type, wire_bytes& body) {
      // The server took offer 1 (alt-pk/1); the relay says it took offer 0, with a forged answer.
      if (!from_client && i == 0) body = {0x4E, 0x01, 0x02, 0x00, 0x01, 0x02};
      return true;
    });
    require_both_failed(p);
  }
  SECTION("the client's later first token relabelled as the answer to another choice") {
    // Server accepts both; the relay strips pk, the server picks alt (index 0 of the stripped
    // list) and answers the pk message 1 as alt-pk/1 — valid bytes, different binding.
    WirePair<N> p(peers.target, ic, ac, admit_alice);
    run_handshake(p.c, p.s, rewrite_offers({"alt-pk/1", "mutauth-pk/1"}));
    require_both_failed(p);
  }
  SECTION("the first token altered when the acceptor discards it (a later offer chosen)") {
    N::AcceptorConfig alt_only;
    alt_only.accept<AltPk>(peers.acfg);
    WirePair<N> p(peers.target, ic, alt_only, admit_alice);
    run_handshake(p.c, p.s, [&](bool from_client, int i, record_type, wire_bytes& body) {
      if (from_client && i == 0)
        body.back() ^= 1;  // inside pk's message 1, which alt-pk/1 never reads
      return true;
    });
    require_both_failed(p);
  }
  SECTION("nothing altered: both established (the relay itself is honest)") {
    WirePair<N> p(peers.target, ic, ac, admit_alice);
    run_handshake(p.c, p.s, [](bool, int, record_type, wire_bytes&) { return true; });
    CHECK(p.c.established == 1);
    CHECK(p.s.established == 1);
  }
}

TEST_CASE(
    "negotiate: no common mechanism: both sides say what the server accepts and what was offered",
    "[unit]") {
  PkPeers peers;
  N::InitiatorConfig ic;
  ic.offer<pk::PublicKey>(peers.icfg);
  N::AcceptorConfig ac;
  ac.accept<AltPk>(peers.acfg);
  WirePair<N> p(peers.target, ic, ac, admit_alice);
  std::vector<wire_bytes> from_server;
  run_handshake(p.c, p.s, [&](bool from_client, int, record_type, wire_bytes& body) {
    if (!from_client) from_server.push_back(body);
    return true;
  });
  require_both_failed(p);
  const std::string text = "the server accepts alt-pk/1 only; this client offered mutauth-pk/1";
  CHECK(p.s.conn->last_error().code() == errc::no_common_mechanism);
  CHECK(detail_of(p.s.conn->last_error()) == text);
  CHECK(p.c.conn->last_error().code() == errc::no_common_mechanism);
  CHECK(detail_of(p.c.conn->last_error()) == text);
  CHECK_THAT(std::string(p.c.conn->last_error().hint()), Catch::Contains("not authenticated"));
  // The refusal, then the clear alert (protocol category: unexpected_message).
  REQUIRE(from_server.size() == 2);
  CHECK(from_server[0] ==
        wire_bytes{0x4E, 0x01, 0x03, 0x01, 0x08, 'a', 'l', 't', '-', 'p', 'k', '/', '1'});
  CHECK(from_server[1] == wire_bytes{0x02});

  SECTION("several on each side") {
    N::AcceptorConfig none_of_them;  // accepts pk only; the client offers alt only
    none_of_them.accept<pk::PublicKey>(peers.acfg);
    N::InitiatorConfig alt;
    alt.offer<AltPk>(peers.icfg);
    WirePair<N> q(peers.target, alt, none_of_them, admit_alice);
    run_handshake(q.c, q.s);
    CHECK(detail_of(q.s.conn->last_error()) ==
          "the server accepts mutauth-pk/1 only; this client offered alt-pk/1");
    CHECK(detail_of(q.c.conn->last_error()) ==
          "the server accepts mutauth-pk/1 only; this client offered alt-pk/1");
  }
}

TEST_CASE("negotiate: the caller's channel binding is combined with the transcript", "[unit]") {
  PkPeers peers;
  const wire_bytes one = {1, 2, 3}, two = {1, 2, 4};
  wire_bytes big(200, 7);  // longer than pk's own 128-byte prologue limit: hashed, so it fits
  for (const wire_bytes* server_cb : {&one, &two}) {
    N1::InitiatorConfig ic;
    ic.offer<pk::PublicKey>(peers.icfg);
    ic.channel_binding = one;
    N1::AcceptorConfig ac;
    ac.accept<pk::PublicKey>(peers.acfg);
    ac.channel_binding = *server_cb;
    WirePair<N1> p(peers.target, ic, ac, admit_alice);
    run_handshake(p.c, p.s);
    if (server_cb == &one) {
      CHECK(p.c.established == 1);
      CHECK(p.s.established == 1);
    } else {
      require_both_failed(p);
    }
  }
  N1::InitiatorConfig ic;
  ic.offer<pk::PublicKey>(peers.icfg);
  ic.channel_binding = big;
  N1::AcceptorConfig ac;
  ac.accept<pk::PublicKey>(peers.acfg);
  ac.channel_binding = big;
  WirePair<N1> p(peers.target, ic, ac, admit_alice);
  run_handshake(p.c, p.s);
  CHECK(p.c.established == 1);
  CHECK(p.s.established == 1);
}

TEST_CASE("negotiate: configuration errors and misuse", "[unit]") {
  PkPeers peers;
  SECTION("nothing offered, nothing accepted") {
    N::InitiatorConfig ic;
    Initiator<N> i(peers.target, ic);
    auto r = i.step();
    CHECK(r.st == status::failed);
    CHECK(i.last_error().code() == errc::invalid_argument);
    N::AcceptorConfig ac;
    Acceptor<N> a(ac, admit_alice);
    CHECK(a.step(wire_bytes{0x4E, 1, 1}).st == status::failed);
    CHECK(a.last_error().code() == errc::invalid_argument);
  }
  SECTION(
      "a mechanism's own channel binding is refused: it would not be bound with the transcript") {
    pk::InitiatorConfig own = peers.icfg;
    const wire_bytes cb = {9};
    own.channel_binding = cb;
    N::InitiatorConfig ic;
    ic.offer<pk::PublicKey>(own);
    Initiator<N> i(peers.target, ic);
    CHECK(i.step().st == status::failed);
    CHECK(i.last_error().code() == errc::invalid_argument);
    CHECK_THAT(detail_of(i.last_error()), Catch::Contains("mutauth-pk/1 configuration"));
  }
  SECTION("a bare mutauth-pk/1 message 1 is named as such, not misread") {
    N::AcceptorConfig ac;
    ac.accept<pk::PublicKey>(peers.acfg);
    Acceptor<N> a(ac, admit_alice);
    Initiator<pk::PublicKey> bare(peers.target, peers.icfg);
    auto m1 = bare.step();
    REQUIRE(m1.st == status::send);
    auto r = a.step(m1.token);
    CHECK(r.st == status::failed);
    CHECK(r.token.empty());  // no refusal for a client that cannot read one
    CHECK(a.last_error().code() == errc::version_mismatch);
    CHECK_THAT(detail_of(a.last_error()), Catch::Contains("mutauth-pk/1 without negotiation"));
  }
  SECTION("moved before its first step: works; after it: the moved-to handshake is dead") {
    N1::InitiatorConfig ic;
    ic.offer<pk::PublicKey>(peers.icfg);
    N1::AcceptorConfig ac;
    ac.accept<pk::PublicKey>(peers.acfg);
    Initiator<N1> i0(peers.target, ic);
    Initiator<N1> i(std::move(i0));
    Acceptor<N1> a(ac, admit_alice);
    auto r = i.step();
    REQUIRE(r.st == status::send);
    r = a.step(wire_bytes(r.token.begin(), r.token.end()));
    REQUIRE(r.st == status::send);
    Initiator<N1> moved(std::move(i));
    CHECK(moved.step(wire_bytes(r.token.begin(), r.token.end())).st == status::failed);
    CHECK(moved.last_error().code() == errc::wrong_state);
    CHECK(i.is_failed());
  }
}

TEST_CASE("negotiate: message parser bounds", "[unit]") {
  using negotiation::parse_offer;
  using negotiation::parse_reply;
  const wire_bytes ok = {0x4E, 1, 1, 1, 4, 'k', 'r', 'b', '5', 0x60};
  REQUIRE(parse_offer(ok));
  CHECK(parse_offer(ok)->offers.names[0] == "krb5");
  CHECK(parse_offer(ok)->token.size() == 1);
  CHECK(parse_offer(wire_bytes{0x4E, 1}).code() == errc::truncated);
  CHECK(parse_offer(wire_bytes{0x4E, 2, 1, 1, 1, 'a', 0}).code() == errc::version_mismatch);
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 0, 0}).code() == errc::malformed);   // no offer
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 9}).code() == errc::too_large);      // 9 offers
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 1, 33}).code() == errc::malformed);  // 33-byte name
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 1, 4, 'k', 'r'}).code() == errc::truncated);
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 1, 2, 'a', ' ', 0}).code() == errc::bad_encoding);
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 2, 1, 'a', 1, 'a', 0}).code() ==
        errc::malformed);                                                           // twice
  CHECK(parse_offer(wire_bytes{0x4E, 1, 1, 1, 1, 'a'}).code() == errc::truncated);  // no token
  CHECK(parse_offer(wire_bytes{0x4E, 1, 2, 0, 1}).code() == errc::unexpected_message);
  CHECK(parse_reply(wire_bytes{0x4E, 1, 2, 0}).code() ==
        errc::malformed);  // choice 0 needs the answer
  CHECK(parse_reply(wire_bytes{0x4E, 1, 2, 1, 5}).code() ==
        errc::malformed);  // a later choice carries none
  CHECK(parse_reply(wire_bytes{0x4E, 1, 2, 8}).code() == errc::malformed);
  CHECK(parse_reply(wire_bytes{0x4E, 1, 3, 0}));
  CHECK(parse_reply(wire_bytes{0x4E, 1, 3, 0, 0}).code() == errc::trailing_bytes);
  CHECK(parse_reply(wire_bytes{0x01, 0x02}).code() == errc::truncated);
  CHECK(parse_reply(wire_bytes{0x01, 0x02, 0x00}).code() == errc::version_mismatch);
}

TEST_CASE("negotiate: SHA-256 (FIPS 180-4 examples) under the binding", "[unit]") {
  auto h = [](std::string_view s) {
    detail::sha256 x;
    x.update(bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    auto d = x.finish();
    return mutauth::testing::hex(bytes_view(d));
  };
  CHECK(h("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(h("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("negotiate: the worked vector in docs/protocol/negotiate.md is what the code computes",
          "[unit]") {
  std::ifstream f(std::string(MUTAUTH_SOURCE_DIR) + "/docs/protocol/negotiate.md");
  REQUIRE(f);
  std::stringstream doc;
  doc << f.rdbuf();
  const std::string text = doc.str();
  const std::string begin = "<!-- vector: begin (tests/negotiate/negotiate_vector.hpp) -->\n```\n";
  const std::string end = "```\n<!-- vector: end -->";
  const auto b = text.find(begin), e = text.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  CHECK(text.substr(b + begin.size(), e - b - begin.size()) ==
        mutauth::testing::negotiate_vector());
}
