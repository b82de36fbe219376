// Core rules, tested with the scripted (no-crypto) mechanism.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mutauth/handshake.hpp"
#include "support/names.hpp"
#include "support/scripted_mechanism.hpp"

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

TEST_CASE("full scripted handshakes of 2..8 messages, then sealed data both ways",
          "[unit][handshake]") {
  for (std::uint8_t n = 2; n <= 8; n = static_cast<std::uint8_t>(n + 2)) {
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
    std::vector<std::uint8_t> rec(msg.size() + Session<Scripted>::seal_overhead);
    auto sealed = cs->seal({reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()}, rec);
    REQUIRE(sealed);
    CHECK(*sealed == rec.size());
    std::vector<std::uint8_t> pt(*sealed - Session<Scripted>::open_overhead);
    auto opened = ss->open({rec.data(), *sealed}, pt);
    REQUIRE(opened);
    CHECK(opened->type == content_type::data);
    REQUIRE(opened->size == msg.size());
    CHECK(std::string(pt.begin(), pt.begin() + static_cast<std::ptrdiff_t>(opened->size)) == msg);
    CHECK(cs->channel_binding().size() == 1);
    CHECK(std::equal(cs->channel_binding().begin(), cs->channel_binding().end(),
                     ss->channel_binding().begin(), ss->channel_binding().end()));

    std::array<std::uint8_t, 16> e1{}, e2{};
    REQUIRE(cs->export_keying_material("test label", e1));
    REQUIRE(ss->export_keying_material("test label", e2));
    CHECK(e1 == e2);
    std::array<std::uint8_t, 16> c1{}, c2{};
    const std::array<std::uint8_t, 2> ctx{7, 8};
    REQUIRE(cs->export_keying_material("test label", ctx, c1));
    REQUIRE(ss->export_keying_material("test label", ctx, c2));
    CHECK(c1 == c2);
    CHECK(c1 != e1);  // the context is bound in
  }
}

TEST_CASE("an odd message count would end on the initiator's token: the core refuses it",
          "[unit][handshake][admission]") {
  for (std::uint8_t n = 3; n <= 7; n = static_cast<std::uint8_t>(n + 2)) {
    CAPTURE(n);
    Pair p({n}, {n});
    CHECK(run(p) == n - 1);  // the initiator's would-be last token never leaves
    CHECK(p.init.is_failed());
    CHECK(p.init.last_error().code() == errc::mechanism_failure);
    CHECK_FALSE(p.acc.is_done());
    CHECK_FALSE(std::move(p.init).finish());
  }
}

TEST_CASE("the client refuses a server that proves another name (G2 in the core)",
          "[unit][handshake]") {
  Scripted::AcceptorConfig ac;
  ac.service_name = "host/evil.example.test";
  Pair p({}, ac);
  run(p);
  CHECK(p.init.is_failed());
  CHECK(p.init.last_error().code() == errc::name_mismatch);
  auto s = std::move(p.init).finish();
  CHECK(s.code() == errc::name_mismatch);
}

TEST_CASE("the acceptor asks its authorization policy and releases nothing on refusal",
          "[unit][handshake]") {
  SECTION("2 messages: the acceptor's final token is withheld") {
    Scripted::InitiatorConfig ic{2, "mallory", misbehave::none};
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
  SECTION("4 messages: the refusal comes at the acceptor's last (admission) token") {
    Scripted::InitiatorConfig ic{4, "mallory", misbehave::none};
    Pair p(ic, {4}, allow_alice);
    CHECK(run(p) == 3);
    CHECK(p.acc.last_error().code() == errc::unauthorized);
    CHECK_FALSE(p.init.is_done());  // it never learns that it was admitted: it was not
    CHECK(p.init.on_alert(alert_reason::unauthorized).code == errc::unauthorized);
    CHECK_FALSE(std::move(p.init).finish());
    CHECK_FALSE(std::move(p.acc).finish());
  }
  SECTION("a stateful policy object") {
    int calls = 0;
    auto policy = [&calls](const Principal& who) {
      ++calls;
      return who.name.view() == "alice";
    };
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

TEST_CASE("application data in any handshake state kills the handshake (G1 on the wire)",
          "[unit][handshake]") {
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

TEST_CASE("a short output buffer reports the size it needs and changes nothing",
          "[unit][handshake]") {
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
  std::array<std::uint8_t, 4> short_out{};  // needs 5: the content plus its type byte
  auto bad_open = ss->open({rec.data(), *n}, short_out);
  CHECK(bad_open.code() == errc::buffer_too_small);
  CHECK(bad_open.error_value().required_size() == *n - Session<Scripted>::open_overhead);
  CHECK_FALSE(ss->failed());
  rec[9] ^= 1;  // tamper
  CHECK(ss->open({rec.data(), *n}, pt).code() == errc::decrypt_failed);
  CHECK(ss->failed());
  CHECK(ss->mechanism_info().key() == 0);
  rec[9] ^= 1;
  CHECK(ss->open({rec.data(), *n}, pt).code() == errc::decrypt_failed);  // sticky
}

namespace {

bool mentions(const error& e, std::string_view what) {
  return e.detail().find(what) != std::string_view::npos;
}

// Brings a fresh pair to the point where both handshakes are done (not finished).
void run_to_done(Pair& p) {
  run(p);
  REQUIRE(p.init.is_done());
  REQUIRE(p.acc.is_done());
}

// Every call on a moved-from handshake fails with wrong_state and says why; it never finishes.
template <class Handshake>
void check_dead_moved_from(Handshake& a) {
  CHECK(a.is_failed());
  CHECK(a.last_error().code() == errc::wrong_state);
  CHECK(mentions(a.last_error(), "moved from"));
  const std::vector<std::uint8_t> tok{'S', 0, 0, 4, 0};
  std::array<std::uint8_t, Scripted::max_token_size> out{};
  CHECK(a.step(tok).code == errc::wrong_state);
  CHECK(a.step(tok).st == status::failed);
  CHECK(a.step(tok, out).code == errc::wrong_state);
  CHECK(a.on_alert(alert_reason::unauthorized).code == errc::wrong_state);
  CHECK(a.on_alert().code == errc::wrong_state);
  CHECK(a.on_application_data().code == errc::wrong_state);
  if constexpr (requires { a.step(); }) CHECK(a.step().code == errc::wrong_state);
  auto s = std::move(a).finish();
  REQUIRE_FALSE(s);
  CHECK(s.code() == errc::wrong_state);
  CHECK(mentions(s.error_value(), "moved from"));
  CHECK(a.is_failed());
}

}  // namespace

TEST_CASE("the admission rule: an acceptor that completes without a token fails",
          "[unit][handshake][admission]") {
  SECTION("the acceptor's mechanism skips its last (admission) token, 4 messages") {
    Scripted::AcceptorConfig ac{4, "host/server.example.test", misbehave::complete_silently};
    Pair p({4}, ac);
    step_result r = p.init.step();
    std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
    r = p.acc.step(t0);
    REQUIRE(r.st == status::send);
    std::vector<std::uint8_t> t1(r.token.begin(), r.token.end());
    r = p.init.step(t1);
    REQUIRE(r.st == status::send);
    std::vector<std::uint8_t> t2(r.token.begin(), r.token.end());
    r = p.acc.step(t2);
    CHECK(r.st == status::failed);
    CHECK(r.code == errc::mechanism_failure);
    CHECK(r.token.empty());
    CHECK(p.acc.is_failed());
    CHECK_FALSE(p.acc.is_done());
    CHECK(mentions(p.acc.last_error(), "admission"));
    auto s = std::move(p.acc).finish();
    REQUIRE_FALSE(s);
    CHECK(s.code() == errc::mechanism_failure);
    CHECK_FALSE(p.init.is_done());
  }
  SECTION("... and on the very first token, 2 messages") {
    Scripted::AcceptorConfig ac{2, "host/server.example.test", misbehave::complete_silently};
    Pair p({2}, ac);
    step_result r = p.init.step();
    std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
    r = p.acc.step(t0);
    CHECK(r.code == errc::mechanism_failure);
    CHECK(r.token.empty());
    CHECK(std::move(p.acc).finish().code() == errc::mechanism_failure);
  }
  SECTION("an honest acceptor whose exchange ends on the initiator's token (3 messages)") {
    // The initiator refuses to send a completing token itself, so play its last token by hand.
    Pair p({3}, {3});
    step_result r = p.init.step();
    std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
    r = p.acc.step(t0);
    REQUIRE(r.st == status::send);
    const std::vector<std::uint8_t> t2{'S', 2, 0, 3, 5, 'a', 'l', 'i', 'c', 'e'};
    r = p.acc.step(t2);
    CHECK(r.code == errc::mechanism_failure);
    CHECK(r.token.empty());
    CHECK(p.acc.is_failed());
    CHECK_FALSE(std::move(p.acc).finish());
  }
}

TEST_CASE("the admission rule: an initiator that completes while sending fails",
          "[unit][handshake][admission]") {
  Scripted::InitiatorConfig ic{4, "alice", misbehave::complete_while_sending};
  Pair p(ic, {4});
  step_result r = p.init.step();
  REQUIRE(r.st == status::send);
  std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
  r = p.acc.step(t0);
  REQUIRE(r.st == status::send);
  std::vector<std::uint8_t> t1(r.token.begin(), r.token.end());
  r = p.init.step(t1);
  CHECK(r.st == status::failed);
  CHECK(r.code == errc::mechanism_failure);
  CHECK(r.token.empty());  // the token it wanted to send does not leave either
  CHECK(p.init.is_failed());
  CHECK(mentions(p.init.last_error(), "admitted"));
  auto s = std::move(p.init).finish();
  REQUIRE_FALSE(s);
  CHECK(s.code() == errc::mechanism_failure);
}

TEST_CASE("a moved-from handshake is dead and never yields a Session", "[unit][handshake][move]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Initiator<Scripted>>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Acceptor<Scripted>>);
  STATIC_REQUIRE_FALSE(std::is_move_assignable_v<Initiator<Scripted>>);
  STATIC_REQUIRE_FALSE(std::is_move_assignable_v<Acceptor<Scripted>>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Initiator<Scripted>>);

  SECTION("initiator, fresh") {
    Pair p({}, {});
    auto b = std::move(p.init);
    check_dead_moved_from(p.init);
    CHECK(b.step().st == status::send);  // the moved-to one starts as the original would
  }
  SECTION("initiator and acceptor, mid-handshake: the moved-to ones finish it") {
    Pair p({4}, {4});
    step_result r = p.init.step();
    std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
    r = p.acc.step(t0);
    std::vector<std::uint8_t> t1(r.token.begin(), r.token.end());
    auto ib = std::move(p.init);
    auto ab = std::move(p.acc);
    CHECK(ib.state() == hs_state::await_token);
    CHECK(ib.messages() == 1);  // t0 sent; t1 not yet fed
    check_dead_moved_from(p.init);
    check_dead_moved_from(p.acc);
    r = ib.step(t1);
    REQUIRE(r.st == status::send);
    std::vector<std::uint8_t> t2(r.token.begin(), r.token.end());
    r = ab.step(t2);
    REQUIRE(r.st == status::done);
    std::vector<std::uint8_t> t3(r.token.begin(), r.token.end());
    r = ib.step(t3);
    REQUIRE(r.st == status::done);
    auto cs = std::move(ib).finish();
    auto ss = std::move(ab).finish();
    REQUIRE(cs);
    REQUIRE(ss);
    CHECK(ss->peer().name.view() == "alice");
  }
  SECTION("a done handshake: the moved-from one cannot finish, the moved-to one can") {
    Pair p({2}, {2});
    run_to_done(p);
    auto ib = std::move(p.init);
    auto ab = std::move(p.acc);
    CHECK(ib.is_done());
    CHECK(ab.is_done());
    auto dead_c = std::move(p.init).finish();
    auto dead_s = std::move(p.acc).finish();
    REQUIRE_FALSE(dead_c);
    REQUIRE_FALSE(dead_s);
    CHECK(dead_c.code() == errc::wrong_state);
    CHECK(mentions(dead_c.error_value(), "moved from"));
    CHECK(dead_s.code() == errc::wrong_state);
    check_dead_moved_from(p.init);
    check_dead_moved_from(p.acc);
    auto cs = std::move(ib).finish();
    auto ss = std::move(ab).finish();
    REQUIRE(cs);
    REQUIRE(ss);
    CHECK(cs->peer().name.view() == "host/server.example.test");
  }
  SECTION("a failed handshake moved: both stay failed, the moved-to keeps the original error") {
    Pair p({}, {});
    (void)p.init.on_application_data();
    auto b = std::move(p.init);
    CHECK(b.is_failed());
    CHECK(b.last_error().code() == errc::app_data_before_auth);
    CHECK_FALSE(std::move(b).finish());
    check_dead_moved_from(p.init);
  }
  SECTION("moving twice: the middle one is dead too") {
    Pair p({2}, {2});
    run_to_done(p);
    auto b = std::move(p.init);
    auto c = std::move(b);
    check_dead_moved_from(b);
    check_dead_moved_from(p.init);
    CHECK(std::move(c).finish());
  }
}

TEST_CASE("on_alert maps the peer's reason: unauthorized, or peer_alert naming the reason",
          "[unit][handshake][alert]") {
  struct Case {
    alert_reason why;
    errc code;
    std::string_view says;
  };
  const Case cases[] = {
      {alert_reason::unauthorized, errc::unauthorized, "authorization policy"},
      {alert_reason::handshake_failed, errc::peer_alert, "handshake failed"},
      {alert_reason::unexpected_message, errc::peer_alert, "unexpected message"},
      {alert_reason::aborted, errc::peer_alert, "aborted"},
      {static_cast<alert_reason>(0), errc::peer_alert, "unknown reason"},
      {static_cast<alert_reason>(200), errc::peer_alert, "unknown reason"},
  };
  for (const Case& c : cases) {
    CAPTURE(static_cast<int>(c.why));
    for (int stage = 0; stage < 3; ++stage) {  // start, mid-handshake, done
      CAPTURE(stage);
      Pair p({4}, {4});
      if (stage == 1) {
        step_result r = p.init.step();
        std::vector<std::uint8_t> t0(r.token.begin(), r.token.end());
        (void)p.acc.step(t0);
      } else if (stage == 2) {
        run_to_done(p);
      }
      step_result a = p.init.on_alert(c.why);
      step_result b = p.acc.on_alert(c.why);
      CHECK(a.st == status::failed);
      CHECK(a.code == c.code);
      CHECK(b.code == c.code);
      CHECK(p.init.last_error().code() == c.code);
      CHECK(mentions(p.init.last_error(), c.says));
      CHECK(mentions(p.acc.last_error(), c.says));
      CHECK(p.init.is_failed());
      CHECK(p.acc.is_failed());
      CHECK(std::move(p.init).finish().code() == c.code);
      CHECK(std::move(p.acc).finish().code() == c.code);
    }
  }
  SECTION("the default reason is handshake_failed") {
    Pair p({}, {});
    CHECK(p.init.on_alert().code == errc::peer_alert);
    CHECK(mentions(p.init.last_error(), "handshake failed"));
  }
  SECTION("an alert after a failure returns the first error") {
    Pair p({}, {});
    (void)p.init.on_application_data();
    CHECK(p.init.on_alert(alert_reason::unauthorized).code == errc::app_data_before_auth);
  }
  SECTION("the clear alert record reaches on_alert through feed_record") {
    Pair p({4}, {4});
    (void)p.init.step();
    const std::uint8_t unauthorized = 3, aborted = 4;
    CHECK(feed_record(p.init, record{record_type::alert, {&unauthorized, 1}}).code ==
          errc::unauthorized);
    CHECK(feed_record(p.acc, record{record_type::alert, {&aborted, 1}}).code == errc::peer_alert);
    CHECK(mentions(p.acc.last_error(), "aborted"));
  }
}

// G1 as a property of the types: no way to seal or open through a handshake object.
template <class H>
concept can_seal = requires(H& h, bytes_view in, bytes_span out) {
  h.seal(in, out);
};
template <class H>
concept can_open = requires(H& h, bytes_view in, bytes_span out) {
  h.open(in, out);
};
static_assert(!can_seal<Initiator<Scripted>> && !can_open<Initiator<Scripted>>);
static_assert(!can_seal<Acceptor<Scripted>> && !can_open<Acceptor<Scripted>>);
static_assert(can_seal<Session<Scripted>> && can_open<Session<Scripted>>);
static_assert(!std::is_default_constructible_v<Session<Scripted>>);
static_assert(!std::is_copy_constructible_v<Session<Scripted>>);
static_assert(!std::is_constructible_v<Session<Scripted>, role, Concluded<Scripted>&&>);
