// Negotiate<pk::PublicKey, krb5::Kerberos> against the real MIT KDC fixture (tests/krb5): one
// acceptor configuration serves pk and Kerberos clients; the client's preference decides; a man
// in the middle who alters the offer list between the two sides (real bytes, over
// Connection<M>) makes both fail, through the GSS channel bindings for krb5; and a mechanism
// mismatch says on both sides what the server accepts and what the client offered.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "connection/pk_fixture.hpp"
#include "krb5/kdc_fixture.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "mutauth/negotiate.hpp"
#include "negotiate/wire_pump.hpp"
#include "support/names.hpp"

using namespace mutauth;
using mutauth::testing::detail_of;
using mutauth::testing::PkPeers;
using mutauth::testing::Realms;
using mutauth::testing::rewrite_offers;
using mutauth::testing::run_handshake;
using mutauth::testing::wire_bytes;
using mutauth::testing::WirePair;
using K = krb5::Kerberos;
using PK = pk::PublicKey;
using N = Negotiate<PK, K>;

namespace {

bool admit_alice_both(const Principal& p) noexcept {
  return p.name.view() == "alice" || p.name.view() == "alice@EXAMPLE.TEST";
}

// What every test starts from: the KDC fixture, the pk peers (host/server.example.test, the name
// the fixture's keytab holds too) and Kerberos configurations for both roles.
struct Krb5AndPk {
  Realms realm;
  PkPeers peers;
  const K::InitiatorConfig kic{};
  const K::AcceptorConfig kac{peers.target};
};

}  // namespace

TEST_CASE_METHOD(
    Krb5AndPk,
    "negotiate+krb5: one acceptor admits pk and Kerberos clients; the client's preference decides",
    "[kerberos]") {
  N::AcceptorConfig ac;
  ac.accept<PK>(peers.acfg).accept<K>(kac);

  struct Case {
    const char* what;
    std::vector<int> offers;  // 0 pk, 1 krb5, in preference order
    std::string_view mech, peer;
  };
  for (const Case& c : {Case{"pk only", {0}, "mutauth-pk/1", "alice"},
                        Case{"krb5 only", {1}, "krb5", "alice@EXAMPLE.TEST"},
                        Case{"krb5 preferred", {1, 0}, "krb5", "alice@EXAMPLE.TEST"},
                        Case{"pk preferred", {0, 1}, "mutauth-pk/1", "alice"}}) {
    INFO(c.what);
    N::InitiatorConfig ic;
    for (int m : c.offers) {
      if (m == 0) ic.offer<PK>(peers.icfg);
      else ic.offer<K>(kic);
    }
    WirePair<N> p(peers.target, ic, ac, admit_alice_both);
    run_handshake(p.c, p.s);
    INFO("client: " << detail_of(p.c.conn->last_error())
                    << " server: " << detail_of(p.s.conn->last_error()));
    REQUIRE(p.c.established == 1);
    REQUIRE(p.s.established == 1);
    CHECK(p.c.conn->session()->mechanism() == c.mech);
    CHECK(p.s.conn->session()->mechanism() == c.mech);
    CHECK(p.s.conn->session()->peer().name.view() == c.peer);
    CHECK(p.s.conn->session()->peer().mechanism == c.mech);
    const wire_bytes hello = {'h', 'e', 'l', 'l', 'o'};
    REQUIRE(p.c.conn->write(hello));
    mutauth::testing::deliver(p.c, p.s, true, {});
    CHECK(p.s.data == hello);
  }
}

TEST_CASE_METHOD(Krb5AndPk,
                 "negotiate+krb5: a server with a keytab only takes the client's second offer",
                 "[kerberos]") {
  N::AcceptorConfig ac;
  ac.accept<K>(kac);
  N::InitiatorConfig ic;
  ic.offer<PK>(peers.icfg).offer<K>(kic);
  WirePair<N> p(peers.target, ic, ac, admit_alice_both);
  int messages = 0;
  run_handshake(p.c, p.s, [&](bool, int, record_type t, wire_bytes&) {
    messages += t == record_type::handshake;
    return true;
  });
  REQUIRE(p.c.established == 1);
  REQUIRE(p.s.established == 1);
  CHECK(messages == 4);  // offer (with pk's message 1), choice 1, AP-REQ, AP-REP
  CHECK(p.c.conn->session()->mechanism() == "krb5");
  CHECK(p.c.conn->session()->mechanism_info().get<K>() != nullptr);
  // The Kerberos acceptor saw the negotiation's binding bound by the client.
  CHECK((p.s.conn->session()->mechanism_info().get<K>()->flags() &
         krb5::detail::channel_bound_flag) != 0);
}

TEST_CASE_METHOD(
    Krb5AndPk,
    "negotiate+krb5: a relay that strips, reorders or replaces offers makes both sides fail",
    "[kerberos]") {
  N::AcceptorConfig both;
  both.accept<PK>(peers.acfg).accept<K>(kac);
  N::AcceptorConfig krb5_only;
  krb5_only.accept<K>(kac);
  N::InitiatorConfig krb5_first;
  krb5_first.offer<K>(kic).offer<PK>(peers.icfg);
  N::InitiatorConfig pk_first;
  pk_first.offer<PK>(peers.icfg).offer<K>(kic);

  SECTION("strip the second offer: the AP-REQ is intact, its channel bindings are not") {
    WirePair<N> p(peers.target, krb5_first, both, admit_alice_both);
    run_handshake(p.c, p.s, rewrite_offers({"krb5"}));
    check_both_failed(p);
    CHECK(p.s.conn->last_error().code() == errc::decrypt_failed);
    CHECK_THAT(detail_of(p.s.conn->last_error()), Catch::Contains("GSS_S_BAD_BINDINGS"));
    CHECK(p.c.conn->last_error().code() == errc::peer_alert);
  }
  SECTION(
      "replace the first offer: the server takes krb5 as offer 1 of a list the client never sent") {
    WirePair<N> p(peers.target, pk_first, krb5_only, admit_alice_both);
    run_handshake(p.c, p.s, rewrite_offers({"mutauth-pk/2", "krb5"}));
    check_both_failed(p);
    CHECK(p.s.conn->last_error().code() == errc::decrypt_failed);
    CHECK_THAT(detail_of(p.s.conn->last_error()), Catch::Contains("GSS_S_BAD_BINDINGS"));
  }
  SECTION("strip the first offer") {
    WirePair<N> p(peers.target, pk_first, both, admit_alice_both);
    run_handshake(p.c, p.s, rewrite_offers({"krb5"}));
    check_both_failed(p);
  }
  SECTION("reorder the offers") {
    WirePair<N> p(peers.target, krb5_first, both, admit_alice_both);
    run_handshake(p.c, p.s, rewrite_offers({"mutauth-pk/1", "krb5"}));
    check_both_failed(p);
  }
  SECTION("unaltered through the same relay: both established") {
    WirePair<N> p(peers.target, krb5_first, both, admit_alice_both);
    run_handshake(p.c, p.s, [](bool, int, record_type, wire_bytes&) { return true; });
    CHECK(p.c.established == 1);
    CHECK(p.s.established == 1);
  }
}

TEST_CASE_METHOD(
    Krb5AndPk,
    "negotiate+krb5: a mechanism mismatch names what the server accepts and what was offered",
    "[kerberos]") {
  SECTION("keytab-only server, pk-only client") {
    N::AcceptorConfig ac;
    ac.accept<K>(kac);
    N::InitiatorConfig ic;
    ic.offer<PK>(peers.icfg);
    WirePair<N> p(peers.target, ic, ac, admit_alice_both);
    run_handshake(p.c, p.s);
    check_both_failed(p);
    const std::string text = "the server accepts krb5 only; this client offered mutauth-pk/1";
    CHECK(p.s.conn->last_error().code() == errc::no_common_mechanism);
    CHECK(detail_of(p.s.conn->last_error()) == text);
    CHECK(p.c.conn->last_error().code() == errc::no_common_mechanism);
    CHECK(detail_of(p.c.conn->last_error()) == text);
  }
  SECTION("pk-only server, krb5-only client") {
    N::AcceptorConfig ac;
    ac.accept<PK>(peers.acfg);
    N::InitiatorConfig ic;
    ic.offer<K>(kic);
    WirePair<N> p(peers.target, ic, ac, admit_alice_both);
    run_handshake(p.c, p.s);
    check_both_failed(p);
    const std::string text = "the server accepts mutauth-pk/1 only; this client offered krb5";
    CHECK(detail_of(p.s.conn->last_error()) == text);
    CHECK(detail_of(p.c.conn->last_error()) == text);
  }
}
