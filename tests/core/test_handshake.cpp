// Core rules, tested with the scripted (no-crypto) mechanism.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mutauth/handshake.hpp"
#include "support/scripted_mechanism.hpp"
#include "support/names.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::misbehave;
using mutauth::testing::Scripted;

namespace {

ServicePrincipal target(std::string_view s = "host/server.example.test") {
  auto r = ServicePrincipal::parse(s);
  REQUIRE(r);
  return *r;
}

bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

struct Pair {
  Scripted::InitiatorConfig icfg;
  Scripted::AcceptorConfig acfg;
  Initiator<Scripted> init;
  Acceptor<Scripted> acc;
  Pair(Scripted::InitiatorConfig ic, Scripted::AcceptorConfig ac, Authorizer authz = allow_all,
       std::string_view tgt = "host/server.example.test")
      : icfg(ic), acfg(ac), init(target(tgt), icfg), acc(acfg, authz) {}
};

// Relays tokens until both sides are done or one fails. Returns the number of tokens relayed.
int run(Pair& p) {
  int relayed = 0;
  step_result r = p.init.step();
  bool to_acceptor = true;
  while (r.st == status::send || (r.st == status::done && !r.token.empty())) {
    std::vector<std::uint8_t> tok(r.token.begin(), r.token.end());
    ++relayed;
    const bool sender_done = r.st == status::done;
    r = to_acceptor ? p.acc.step(tok) : p.init.step(tok);
    to_acceptor = !to_acceptor;
    if (sender_done) break;
  }
  return relayed;
}

}  // namespace

TEST_CASE("full scripted handshakes of 2..8 messages, then sealed data both ways", "[unit][handshake]") {
  for (std::uint8_t n = 2; n <= 8; ++n) {
    CAPTURE(n);
    Pair p({n}, {n});
    CHECK(run(p) == n);
    REQUIRE(p.init.is_done());
    REQUIRE(p.acc.is_done());
    CHECK(p.init.messages() == n);
    CHECK(p.acc.messages() == n);
    auto cs = std::move(p.init).finish();
    auto ss = std::move(p.acc).finish();
    REQUIRE(cs);
    REQUIRE(ss);
    CHECK(cs->peer().name.view() == "host/server.example.test");
    CHECK(ss->peer().name.view() == "alice");
    CHECK(cs->side() == role::initiator);
    CHECK(ss->service() == target());

    const std::string msg = "hello over a proven channel";
    std::vector<std::uint8_t> rec(msg.size() + Session<Scripted>::seal_overhead), pt(msg.size());
    auto sealed = cs->seal({reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()}, rec);
    REQUIRE(sealed);
    auto opened = ss->open({rec.data(), *sealed}, pt);
    REQUIRE(opened);
    CHECK(std::string(pt.begin(), pt.end()) == msg);

    std::array<std::uint8_t, 16> e1{}, e2{};
    REQUIRE(cs->export_keying_material("test label", e1));
    REQUIRE(ss->export_keying_material("test label", e2));
    CHECK(e1 == e2);
  }
}

TEST_CASE("the client refuses a server that proves another name (G2 in the core)", "[unit][handshake]") {
  Scripted::AcceptorConfig ac;
  ac.service_name = "host/evil.example.test";
  Pair p({}, ac);
  run(p);
  CHECK(p.init.is_failed());
  CHECK(p.init.last_error().code() == errc::name_mismatch);
  auto s = std::move(p.init).finish();
  CHECK(s.code() == errc::name_mismatch);
}

TEST_CASE("the acceptor asks its authorization policy and releases nothing on refusal", "[unit][handshake]") {
  SECTION("2 messages: the acceptor's final token is withheld") {
    Scripted::InitiatorConfig ic{2, "mallory"};
    Pair p(ic, {2}, allow_alice);
    step_result r1 = p.init.step();
    REQUIRE(r1.st == status::send);
    std::vector<std::uint8_t> t1(r1.token.begin(), r1.token.end());
    step_result r2 = p.acc.step(t1);
    CHECK(r2.st == status::failed);
    CHECK(r2.token.empty());
    CHECK(r2.code == errc::unauthorized);
    CHECK(p.acc.last_error().detail().find("mallory") != std::string_view::npos);
  }
  SECTION("a stateful policy object") {
    int calls = 0;
    auto policy = [&calls](const Principal& who) { ++calls; return who.name.view() == "alice"; };
    Pair p({}, {}, Authorizer(policy));
    run(p);
    CHECK(calls == 1);
    CHECK(p.acc.is_done());
  }
  SECTION("deny_all") {
    Pair p({}, {}, Authorizer::deny_all());
    run(p);
    CHECK(p.acc.last_error().code() == errc::unauthorized);
  }
}

TEST_CASE("application data in any handshake state kills the handshake (G1 on the wire)", "[unit][handshake]") {
  for (int stage = 0; stage < 3; ++stage) {
    CAPTURE(stage);
    Pair p({5}, {5});
    // stage 0: before anything; 1: after the first exchange; 2: done but not finished.
    if (stage >= 1) {
      auto r = p.init.step();
      std::vector<std::uint8_t> t(r.token.begin(), r.token.end());
      (void)p.acc.step(t);
    }
    if (stage == 2) {
      Pair q({2}, {2});
      run(q);
      REQUIRE(q.init.is_done());
      REQUIRE(q.acc.is_done());
      CHECK(q.init.on_application_data().code == errc::app_data_before_auth);
      CHECK(q.acc.on_application_data().code == errc::app_data_before_auth);
      CHECK(std::move(q.init).finish().code() == errc::app_data_before_auth);
      CHECK(std::move(q.acc).finish().code() == errc::app_data_before_auth);
      continue;
    }
    step_result a = p.init.on_application_data();
    step_result b = p.acc.on_application_data();
    CHECK(a.st == status::failed);
    CHECK(a.code == errc::app_data_before_auth);
    CHECK(b.code == errc::app_data_before_auth);
    CHECK(p.init.is_failed());
    CHECK(p.acc.is_failed());
  }
}

TEST_CASE("bounds: oversized tokens and too many messages", "[unit][handshake]") {
  SECTION("an input token above the mechanism's maximum is refused before parsing") {
    Pair p({}, {});
    std::vector<std::uint8_t> big(Scripted::max_token_size + 1, 'S');
    CHECK(p.acc.step(big).code == errc::too_large);
    CHECK(p.acc.is_failed());
  }
  SECTION("a mechanism that emits an oversized token is stopped") {
    Scripted::InitiatorConfig ic;
    ic.bad = misbehave::oversized_token;
    Pair p(ic, {});
    CHECK(p.init.step().code == errc::mechanism_failure);
  }
  SECTION("a peer that never completes runs into the message bound") {
    Scripted::InitiatorConfig ic{3, "alice", misbehave::never_complete};
    Scripted::AcceptorConfig ac{3, "host/server.example.test", misbehave::never_complete};
    // never_complete keeps both sides sending; indexes run past total and the bound trips.
    ic.messages = ac.messages = 200;
    Pair p(ic, ac);
    run(p);
    const bool tripped = p.init.last_error().code() == errc::too_many_messages ||
                         p.acc.last_error().code() == errc::too_many_messages;
    CHECK(tripped);
  }
  SECTION("a mechanism may not complete on its very first token") {
    Scripted::InitiatorConfig ic;
    ic.bad = misbehave::complete_on_first;
    Pair p(ic, {});
    CHECK(p.init.step().code == errc::mechanism_failure);
  }
}

TEST_CASE("failure is sticky and later calls return the same error", "[unit][handshake]") {
  Pair p({}, {});
  auto r = p.init.step();
  std::vector<std::uint8_t> t(r.token.begin(), r.token.end());
  t[1] = 9;  // wrong index
  CHECK(p.acc.step(t).code == errc::unexpected_message);
  t[1] = 0;  // now a valid first token
  CHECK(p.acc.step(t).code == errc::unexpected_message);
  CHECK(p.acc.on_alert().code == errc::unexpected_message);
  CHECK(std::move(p.acc).finish().code() == errc::unexpected_message);
}

TEST_CASE("calls after done: more tokens are refused", "[unit][handshake]") {
  Pair p({2}, {2});
  run(p);
  REQUIRE(p.init.is_done());
  std::vector<std::uint8_t> junk{'S', 2, 1, 2, 0};
  CHECK(p.init.step(junk).code == errc::unexpected_message);
  CHECK(p.init.is_failed());
}

TEST_CASE("finish() before done is an error value, and kills the handshake", "[unit][handshake]") {
  Pair p({}, {});
  (void)p.init.step();
  auto s = std::move(p.init).finish();
  REQUIRE_FALSE(s);
  CHECK(s.code() == errc::handshake_not_finished);
  CHECK(p.init.is_failed());
  // An initiator that receives a token before it initiated is misused by its caller.
  Pair q({}, {});
  std::vector<std::uint8_t> tok{'S', 1, 1, 3, 0};
  CHECK(q.init.step(tok).code == errc::unexpected_message);
}

TEST_CASE("finish() after finish() returns an error, not a second session", "[unit][handshake]") {
  Pair p({2}, {2});
  run(p);
  auto s1 = std::move(p.init).finish();
  REQUIRE(s1);
  auto s2 = std::move(p.init).finish();
  CHECK_FALSE(s2);
  CHECK(s2.code() == errc::handshake_not_finished);
}

TEST_CASE("a short output buffer reports the size it needs and changes nothing", "[unit][handshake]") {
  Pair p({}, {});
  std::array<std::uint8_t, 8> small{};
  step_result r = p.init.step({}, small);
  CHECK(r.code == errc::buffer_too_small);
  CHECK(p.init.state() == hs_state::start);
  CHECK(Initiator<Scripted>::max_token_size == Scripted::max_token_size);
  std::array<std::uint8_t, Scripted::max_token_size> big{};
  r = p.init.step({}, big);
  CHECK(r.st == status::send);
  CHECK(r.token.data() == big.data());
}

TEST_CASE("secrets are wiped on failure and on destruction (G5)", "[unit][handshake]") {
  mutauth::testing::wipe_observer obs;
  mutauth::testing::g_wipe_observer = &obs;
  {
    Pair p({}, {});
    (void)p.init.step();
    const int before = obs.wipes;
    (void)p.init.on_application_data();
    CHECK(obs.wipes > before);
    REQUIRE(obs.last_secret != nullptr);
    for (int i = 0; i < 32; ++i) CHECK(obs.last_secret[i] == 0);
  }
  const int before = obs.wipes;
  { Pair p({}, {}); }
  CHECK(obs.wipes >= before + 2);  // both handshakes wiped on destruction
  mutauth::testing::g_wipe_observer = nullptr;
}

TEST_CASE("session failures are sticky and wipe the keys, misuse is not", "[unit][session]") {
  Pair p({2}, {2});
  run(p);
  auto cs = std::move(p.init).finish();
  auto ss = std::move(p.acc).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  std::array<std::uint8_t, 64> rec{}, pt{};
  std::array<std::uint8_t, 4> msg{1, 2, 3, 4};
  std::array<std::uint8_t, 3> tiny{};
  auto bad = cs->seal(msg, tiny);
  CHECK(bad.code() == errc::buffer_too_small);
  CHECK(bad.error_value().required_size() == msg.size() + Session<Scripted>::seal_overhead);
  CHECK_FALSE(cs->failed());
  auto n = cs->seal(msg, rec);
  REQUIRE(n);
  rec[9] ^= 1;  // tamper
  CHECK(ss->open({rec.data(), *n}, pt).code() == errc::decrypt_failed);
  CHECK(ss->failed());
  CHECK(ss->mechanism_keys().key() == 0);
  rec[9] ^= 1;
  CHECK(ss->open({rec.data(), *n}, pt).code() == errc::decrypt_failed);  // sticky
}

// G1 as a property of the types: no way to seal or open through a handshake object.
template <class H>
concept can_seal = requires(H& h, bytes_view in, bytes_span out) { h.seal(in, out); };
template <class H>
concept can_open = requires(H& h, bytes_view in, bytes_span out) { h.open(in, out); };
static_assert(!can_seal<Initiator<Scripted>> && !can_open<Initiator<Scripted>>);
static_assert(!can_seal<Acceptor<Scripted>> && !can_open<Acceptor<Scripted>>);
static_assert(can_seal<Session<Scripted>> && can_open<Session<Scripted>>);
static_assert(!std::is_default_constructible_v<Session<Scripted>>);
static_assert(!std::is_copy_constructible_v<Session<Scripted>>);
static_assert(!std::is_constructible_v<Session<Scripted>, role, Concluded<Scripted>&&>);
