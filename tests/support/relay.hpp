// TEST ONLY: runs a handshake between an initiator and an acceptor held in memory, the way a
// transport would carry it, letting a test play the man in the middle.
#pragma once

#include <cstdint>
#include <vector>

#include "mutauth/handshake.hpp"

namespace mutauth::testing {

/// Relays tokens until one side fails, the side that spoke last is done, or `max_messages` have
/// passed. `tamper(index, message)` may change each message before delivery. Returns what was
/// delivered, in order.
template <class Initiator, class Acceptor, class Tamper>
std::vector<std::vector<std::uint8_t>> relay_handshake(Initiator& client, Acceptor& server,
                                                       Tamper tamper, int max_messages) {
  std::vector<std::vector<std::uint8_t>> delivered;
  step_result r = client.step();
  bool to_server = true;
  for (int i = 0; i < max_messages && !r.token.empty(); ++i) {
    std::vector<std::uint8_t> m(r.token.begin(), r.token.end());
    tamper(i, m);
    delivered.push_back(m);
    const bool sender_done = r.st == status::done;
    r = to_server ? server.step(m) : client.step(m);
    to_server = !to_server;
    if (r.st == status::failed || (sender_done && r.token.empty())) break;
  }
  return delivered;
}

}  // namespace mutauth::testing
