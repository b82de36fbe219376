// mutauth — alert reasons a side tells its peer (docs/protocol/mutauth-pk.md §9). Deliberately
// coarse: the precise error stays with the local caller; the peer learns only that the exchange
// ended and roughly why. During the handshake an alert travels in clear (framing.hpp); after it,
// only inside a sealed session record (Session::alert), so that it cannot be forged.
#pragma once

#include <cstdint>      // std::uint8_t
#include <string_view>  // names

namespace mutauth {
inline namespace v0 {

enum class alert_reason : std::uint8_t {
  handshake_failed = 1,    ///< the handshake failed on this side (any reason not below)
  unexpected_message = 2,  ///< a protocol violation: a message or record this state refuses
  unauthorized = 3,        ///< the client was authenticated, and the server's policy refused it
  aborted = 4,             ///< sealed only: the application ended the session abnormally
  busy = 5,                ///< the server is overloaded and refused the connection: try again later
};

[[nodiscard]] constexpr std::string_view to_string(alert_reason r) noexcept {
  switch (r) {
    case alert_reason::handshake_failed: return "handshake failed";
    case alert_reason::unexpected_message: return "unexpected message";
    case alert_reason::unauthorized: return "unauthorized";
    case alert_reason::aborted: return "aborted";
    case alert_reason::busy: return "busy";
  }
  return "unknown alert";
}

/// True for the reasons a peer may send; anything else is malformed.
[[nodiscard]] constexpr bool is_known(alert_reason r) noexcept {
  return static_cast<std::uint8_t>(r) >= 1 && static_cast<std::uint8_t>(r) <= 5;
}

}  // namespace v0
}  // namespace mutauth
