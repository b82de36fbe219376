// mutauth fuzz targets — invariants every handshake target checks, whatever the mechanism
// (pk and krb5 alike): a failed handshake is dead for good (G5), and a step's status agrees with
// the handshake object's state.
#pragma once

#include "fuzz_common.hpp"
#include "mutauth/alert.hpp"
#include "mutauth/handshake.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

/// G5: a failed handshake stays failed with the same code, refuses everything, and yields no
/// session. Its error detail must be log-safe, unless `log_safe` is false (only while a known
/// bug in that mechanism's error texts is open; see fuzz_krb5.hpp).
template <class Handshake>
void check_dead(Handshake& hs, errc code, bytes_view again, bool log_safe = true) {
  MUTAUTH_FUZZ_CHECK(code != errc::ok);
  MUTAUTH_FUZZ_CHECK(hs.is_failed() && hs.last_error().code() == code);
  MUTAUTH_FUZZ_CHECK(!log_safe || detail_is_log_safe(hs.last_error()));
  const step_result r = hs.step(again);
  MUTAUTH_FUZZ_CHECK(r.st == status::failed && r.code == code && r.token.empty());
  // Every later call returns the same error: a step into caller storage, an application
  // record, any alert (even unauthorized, which would otherwise fail with its own code).
  static std::uint8_t out[Handshake::max_token_size];
  const step_result r2 = hs.step(again, bytes_span(out, sizeof out));
  MUTAUTH_FUZZ_CHECK(r2.st == status::failed && r2.code == code && r2.token.empty());
  MUTAUTH_FUZZ_CHECK(hs.on_application_data().code == code);
  MUTAUTH_FUZZ_CHECK(hs.on_alert(alert_reason::unauthorized).code == code);
  MUTAUTH_FUZZ_CHECK(hs.on_alert(alert_reason::handshake_failed).code == code);
  MUTAUTH_FUZZ_CHECK(hs.is_failed() && hs.last_error().code() == code);
  auto s = std::move(hs).finish();
  MUTAUTH_FUZZ_CHECK(!s && s.code() == code);
}

/// No Session from a handshake that is not done: finish() fails (handshake_not_finished, or
/// the handshake's own error) and leaves it dead.
template <class Handshake>
void check_no_session(Handshake& hs) {
  MUTAUTH_FUZZ_CHECK(!hs.is_done());
  const bool was_failed = hs.is_failed();
  const errc before = hs.last_error().code();
  auto s = std::move(hs).finish();
  MUTAUTH_FUZZ_CHECK(!s);
  MUTAUTH_FUZZ_CHECK(was_failed ? s.code() == before : s.code() == errc::handshake_not_finished);
}

/// A step's result is one of the four statuses and agrees with the object's state.
template <class Handshake>
void check_step(const Handshake& hs, const step_result& r) {
  MUTAUTH_FUZZ_CHECK(r.token.size() <= Handshake::max_token_size);
  switch (r.st) {
    case status::send: MUTAUTH_FUZZ_CHECK(!r.token.empty() && !hs.is_failed()); break;
    case status::receive: MUTAUTH_FUZZ_CHECK(r.token.empty() && !hs.is_failed()); break;
    case status::done: MUTAUTH_FUZZ_CHECK(hs.is_done()); break;
    case status::failed: MUTAUTH_FUZZ_CHECK(hs.is_failed() && r.token.empty()); break;
  }
}

/// A side's Session at the end of a run: finish() must give one when the side is done; when it
/// is not, finish() must refuse (check_no_session) and there is none.
template <class Handshake>
auto session_of(Handshake& hs) {
  using session_result = decltype(std::move(hs).finish());
  if (!hs.is_done()) {
    check_no_session(hs);
    return session_result(error(errc::wrong_state));
  }
  session_result s = std::move(hs).finish();
  MUTAUTH_FUZZ_CHECK(s);
  return s;
}

/// One side's step on the fuzzed message `msg`, checked: only bytes other than the honest ones
/// may fail it, and a failed side is dead (G5). The caller stops on a failed step.
template <class Handshake>
step_result step_fuzzed(Handshake& hs, bytes_view msg, bool honest_bytes) {
  const step_result r = hs.step(msg);
  check_step(hs, r);
  if (r.st == status::failed) {
    MUTAUTH_FUZZ_CHECK(!honest_bytes);
    check_dead(hs, r.code, msg);
  }
  return r;
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
