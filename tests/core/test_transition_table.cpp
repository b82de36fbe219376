// Sweeps state x event x role: anything the table does not list must fail and leave the context
// dead; everything it lists must move exactly as the table says (s2n's state-machine test idea).
#include <catch2/catch.hpp>

#include <vector>

#include "mutauth/handshake.hpp"
#include "support/names.hpp"
#include "support/scripted_mechanism.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::Scripted;

namespace {

const ServicePrincipal& tgt() {
  static const ServicePrincipal t = *ServicePrincipal::parse("host/server.example.test");
  return t;
}

// Probes expose the protected dispatch() so every event can be fired in every state, including
// events the public API cannot produce in that state.
struct InitProbe : Initiator<Scripted> {
  using Initiator<Scripted>::Initiator;
  using Initiator<Scripted>::dispatch;
};
struct AccProbe : Acceptor<Scripted> {
  using Acceptor<Scripted>::Acceptor;
  using Acceptor<Scripted>::dispatch;
};

// A 4-message exchange: every role passes through start, await_token and done.
const Scripted::InitiatorConfig icfg{4};
const Scripted::AcceptorConfig acfg{4};

std::vector<std::uint8_t> copy(bytes_view v) { return {v.begin(), v.end()}; }

// Brings a fresh probe of the given role to `target` state. Returns the token the peer would
// legitimately send next (for the handshake_token event), empty where there is none.
template <class Probe>
std::vector<std::uint8_t> drive(Probe& p, hs_state target);

template <>
std::vector<std::uint8_t> drive<InitProbe>(InitProbe& p, hs_state target) {
  Acceptor<Scripted> peer(acfg, allow_all);
  if (target == hs_state::start) return {'S', 1, 1, 4, 0};
  auto t0 = copy(p.step().token);
  auto t1 = copy(peer.step(t0).token);
  if (target == hs_state::await_token) return t1;
  auto t2 = copy(p.step(t1).token);
  auto t3 = copy(peer.step(t2).token);
  (void)p.step(t3);
  REQUIRE(p.is_done());
  if (target == hs_state::done) return t3;
  if (target == hs_state::finished) {
    auto s = std::move(p).finish();
    REQUIRE(s);
    return t3;
  }
  (void)p.on_application_data();  // failed
  return t3;
}

template <>
std::vector<std::uint8_t> drive<AccProbe>(AccProbe& p, hs_state target) {
  Initiator<Scripted> peer(tgt(), icfg);
  auto t0 = copy(peer.step().token);
  if (target == hs_state::start) return t0;
  auto t1 = copy(p.step(t0).token);
  auto t2 = copy(peer.step(t1).token);
  if (target == hs_state::await_token) return t2;
  auto t3 = copy(p.step(t2).token);
  REQUIRE(p.is_done());
  if (target == hs_state::done) return t2;
  if (target == hs_state::finished) {
    auto s = std::move(p).finish();
    REQUIRE(s);
    return t2;
  }
  (void)p.on_application_data();
  return t2;
}

template <class Probe, class Make>
void sweep(role who, Make make) {
  for (std::size_t si = 0; si < hs_state_count; ++si) {
    for (std::size_t ei = 0; ei < hs_event_count; ++ei) {
      const auto s = static_cast<hs_state>(si);
      const auto e = static_cast<hs_event>(ei);
      INFO(to_string(who) << " " << to_string(s) << " x " << to_string(e));
      Probe p = make();
      auto tok = drive(p, s);
      REQUIRE(p.state() == s);
      const transition* t = find_transition(who, s, e);
      if (e == hs_event::finish) {
        auto r = std::move(p).finish();
        if (t) {
          CHECK(r.has_value());
          CHECK(p.state() == t->on_complete);
        } else {
          CHECK_FALSE(r.has_value());
          CHECK(p.is_failed());
        }
        continue;
      }
      bytes_view in = e == hs_event::handshake_token ? bytes_view(tok) : bytes_view();
      mutauth::testing::wipe_observer obs;
      mutauth::testing::g_wipe_observer = &obs;
      step_result r = p.dispatch(e, in);
      mutauth::testing::g_wipe_observer = nullptr;
      if (t) {
        // A legal event that steps reaches the mechanism exactly once.
        const bool steps = e == hs_event::initiate || e == hs_event::handshake_token;
        CHECK(obs.mechanism_calls == (steps ? 1 : 0));
        CHECK(r.st != status::failed);
        CHECK((p.state() == t->on_more || p.state() == t->on_complete));
      } else {
        // The core refuses it by itself: the mechanism never sees an event outside the table.
        CHECK(obs.mechanism_calls == 0);
        CHECK(r.st == status::failed);
        CHECK(p.is_failed());
        // Dead stays dead: a call that would have been legal from start fails the same way.
        const errc first = p.last_error().code();
        CHECK(p.dispatch(hs_event::handshake_token, tok).code == first);
        CHECK(p.dispatch(hs_event::initiate, {}).code == first);
      }
    }
  }
}

}  // namespace

TEST_CASE("transition table sweep: initiator", "[unit][table]") {
  sweep<InitProbe>(role::initiator, [] { return InitProbe(tgt(), icfg); });
}

TEST_CASE("transition table sweep: acceptor", "[unit][table]") {
  sweep<AccProbe>(role::acceptor, [] { return AccProbe(acfg, allow_all); });
}

TEST_CASE("application data and alerts fail in every state for both roles", "[unit][table]") {
  for (std::size_t si = 0; si < hs_state_count; ++si) {
    const auto s = static_cast<hs_state>(si);
    for (role who : {role::initiator, role::acceptor}) {
      CHECK(find_transition(who, s, hs_event::application_data) == nullptr);
      CHECK(find_transition(who, s, hs_event::alert) == nullptr);
    }
  }
  // Every state and event has a name (the diagnostics rely on it).
  for (std::size_t i = 0; i < hs_state_count; ++i)
    CHECK(to_string(static_cast<hs_state>(i)) != "?");
  for (std::size_t i = 0; i < hs_event_count; ++i)
    CHECK(to_string(static_cast<hs_event>(i)) != "?");
}

// on_alert() does not consult the table's rows (no state accepts an alert, G1): in every state,
// for both roles and every reason, it kills the context without reaching the mechanism, and a
// dead context stays dead with its first error.
template <class Probe, class Make>
void sweep_alerts(Make make) {
  for (std::size_t si = 0; si < hs_state_count; ++si) {
    const auto s = static_cast<hs_state>(si);
    for (std::uint8_t reason = 0; reason <= 5; ++reason) {
      const auto why = static_cast<alert_reason>(reason);
      INFO(to_string(s) << " x on_alert(" << int{reason} << ")");
      Probe p = make();
      auto tok = drive(p, s);
      REQUIRE(p.state() == s);
      const errc before = p.last_error().code();
      mutauth::testing::wipe_observer obs;
      mutauth::testing::g_wipe_observer = &obs;
      step_result r = p.on_alert(why);
      mutauth::testing::g_wipe_observer = nullptr;
      CHECK(obs.mechanism_calls == 0);
      CHECK(r.st == status::failed);
      CHECK(p.is_failed());
      if (s == hs_state::failed) {
        CHECK(r.code == before);  // sticky: the alert does not overwrite the first error
      } else {
        CHECK(r.code ==
              (why == alert_reason::unauthorized ? errc::unauthorized : errc::peer_alert));
      }
      CHECK(p.dispatch(hs_event::handshake_token, tok).code == r.code);
      CHECK_FALSE(std::move(p).finish());
    }
  }
}

TEST_CASE("transition table sweep: on_alert in every state", "[unit][table]") {
  sweep_alerts<InitProbe>([] { return InitProbe(tgt(), icfg); });
  sweep_alerts<AccProbe>([] { return AccProbe(acfg, allow_all); });
}
