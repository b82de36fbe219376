// mutauth — the handshake state machine as data (s2n's state_machine[] idea, docs/design.md §2).
// Every legal (role, state, event) is a row; everything else is a protocol violation or misuse
// that kills the context. tests/core/test_transition_table.cpp sweeps the whole product.
#pragma once

#include <array>        // the table
#include <cstdint>      // std::uint8_t
#include <optional>     // lookup result
#include <string_view>  // names

#include "mutauth/mechanism.hpp"  // role

namespace mutauth {
inline namespace v0 {

/// Where a handshake stands.
enum class hs_state : std::uint8_t {
  start,        ///< nothing exchanged yet
  await_token,  ///< waiting for the peer's next handshake token
  done,         ///< both identities proven on this side; finish() is the only way on
  finished,     ///< finish() has handed the keys to a Session; the handshake is empty
  failed,       ///< sticky: every later call returns the same error
};
inline constexpr std::size_t hs_state_count = 5;

/// What can happen to a handshake.
enum class hs_event : std::uint8_t {
  initiate,          ///< the initiator asks for its first token (step with no input at start)
  handshake_token,   ///< a handshake token from the peer
  application_data,  ///< an application record arrived (only ever legal after finish)
  alert,             ///< the peer aborted
  finish,            ///< the caller asks for the Session
};
inline constexpr std::size_t hs_event_count = 5;

[[nodiscard]] constexpr std::string_view to_string(hs_state s) noexcept {
  switch (s) {
    case hs_state::start: return "start";
    case hs_state::await_token: return "await_token";
    case hs_state::done: return "done";
    case hs_state::finished: return "finished";
    case hs_state::failed: return "failed";
  }
  return "?";
}

[[nodiscard]] constexpr std::string_view to_string(hs_event e) noexcept {
  switch (e) {
    case hs_event::initiate: return "initiate";
    case hs_event::handshake_token: return "handshake_token";
    case hs_event::application_data: return "application_data";
    case hs_event::alert: return "alert";
    case hs_event::finish: return "finish";
  }
  return "?";
}

/// One legal transition. Events that consult the mechanism have two outcomes: the mechanism
/// wants more (`on_more`) or has verified the peer (`on_complete`).
struct transition {
  role who;
  hs_state from;
  hs_event event;
  hs_state on_more;
  hs_state on_complete;
  /// The mechanism may declare completion on this row. The initiator's first token can never
  /// complete: nothing from the peer has been verified yet.
  bool may_complete;
};

// clang-format off
inline constexpr std::array<transition, 6> transition_table{{
  {role::initiator, hs_state::start,       hs_event::initiate,        hs_state::await_token, hs_state::await_token, false},
  {role::initiator, hs_state::await_token, hs_event::handshake_token, hs_state::await_token, hs_state::done,        true},
  {role::initiator, hs_state::done,        hs_event::finish,          hs_state::finished,    hs_state::finished,    false},
  {role::acceptor,  hs_state::start,       hs_event::handshake_token, hs_state::await_token, hs_state::done,        true},
  {role::acceptor,  hs_state::await_token, hs_event::handshake_token, hs_state::await_token, hs_state::done,        true},
  {role::acceptor,  hs_state::done,        hs_event::finish,          hs_state::finished,    hs_state::finished,    false},
  // No row mentions application_data or alert: there is no state in which a handshake accepts
  // them (G1). No row leaves `failed` or `finished`.
}};
// clang-format on

[[nodiscard]] constexpr const transition* find_transition(role who, hs_state from,
                                                          hs_event ev) noexcept {
  for (const auto& t : transition_table)
    if (t.who == who && t.from == from && t.event == ev) return &t;
  return nullptr;
}

// Invariants checked at compile time, so an edit that opens a hole does not build.
namespace detail {
constexpr bool table_is_closed() noexcept {
  for (const auto& t : transition_table) {
    if (t.event == hs_event::application_data || t.event == hs_event::alert) return false;
    if (t.from == hs_state::failed || t.from == hs_state::finished) return false;
    if (t.on_complete == hs_state::finished && t.event != hs_event::finish) return false;
    // Only finish leaves done; only done reaches finish.
    if ((t.event == hs_event::finish) != (t.from == hs_state::done)) return false;
  }
  return true;
}
static_assert(table_is_closed(), "the transition table must never accept application data");
}  // namespace detail

}  // namespace v0
}  // namespace mutauth
