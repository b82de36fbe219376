// mutauth — the transport phase of Noise (Noise rev 34 §5.2 Split(), §5.3 "transport messages"):
// after the handshake, one CipherState per direction, mapped to the local role.
#pragma once

#include <utility>  // std::move

#include "mutauth/noise/cipher_state.hpp"
#include "mutauth/noise/pattern.hpp"
#include "mutauth/noise/symmetric_state.hpp"

namespace mutauth {
inline namespace v0 {
namespace noise {

/// The transport ciphers of one side after Split(), already mapped to the role: the initiator
/// sends with c1 and receives with c2, the responder the other way round (Noise §5.2, §5.3).
struct TransportCiphers {
  CipherState send;
  CipherState recv;

  /// Maps Split()'s (c1, c2) to `role`'s (send, recv); `s` is left keyless.
  [[nodiscard]] static TransportCiphers from_split(SplitCiphers&& s, Role role) noexcept {
    TransportCiphers t;
    if (role == Role::initiator) {
      t.send = std::move(s.c1);
      t.recv = std::move(s.c2);
    } else {
      t.send = std::move(s.c2);
      t.recv = std::move(s.c1);
    }
    return t;
  }
};

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
