// mutauth fuzz targets — invariants every handshake target checks, whatever the mechanism
// (pk and krb5 alike): a failed handshake is dead for good (G5), and a step's status agrees with
// the handshake object's state.
#pragma once

#include "fuzz_common.hpp"
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
  MUTAUTH_FUZZ_CHECK(hs.on_application_data().code == code);
  auto s = std::move(hs).finish();
  MUTAUTH_FUZZ_CHECK(!s && s.code() == code);
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

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
