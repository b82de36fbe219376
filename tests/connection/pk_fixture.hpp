// TEST ONLY. Keys, pins and configurations for Connection<pk::PublicKey> tests, from fixed seeds
// (no ssh-keygen, no heap): the no-heap program includes it too.
#pragma once

#include <span>

#include "mutauth/connection.hpp"
#include "mutauth/mech/pk/pk.hpp"

namespace mutauth::testing {

struct PkPeers {
  pk::Ed25519SecretKey server_key, client_key;
  ServicePrincipal target;
  pk::PinnedServer server_pins[1];
  pk::PinnedClient client_pins[1];
  pk::InitiatorConfig icfg;
  pk::AcceptorConfig acfg;

  static pk::Ed25519SecretKey key(std::uint8_t b) noexcept {
    const std::uint8_t seed[32] = {b};
    return *pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed, 32));
  }
  PkPeers() noexcept
      : server_key(key(1)),
        client_key(key(2)),
        target(*ServicePrincipal::parse("host/server.example.test")),
        server_pins{{target, server_key.public_key()}},
        client_pins{{"alice", client_key.public_key()}},
        acfg{.identity = {&server_key, {}}, .service = target, .trust = {}, .channel_binding = {}} {
    icfg.identity = {&client_key, "alice"};
    icfg.trust.pinned = server_pins;
    acfg.trust.pinned = client_pins;
  }
  PkPeers(const PkPeers&) = delete;
  PkPeers& operator=(const PkPeers&) = delete;
};

inline bool admit_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

}  // namespace mutauth::testing
