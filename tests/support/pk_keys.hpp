// TEST ONLY. ed25519 keys made by the real ssh-keygen (support/ssh_tools.hpp) in a temp dir at
// test time and loaded through the library (include/mutauth/mech/pk/keys.hpp), and the pinned
// pair most pk tests start from (pinned trust: docs/protocol/mutauth-pk.md).
#pragma once

#include <array>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "mutauth/mech/pk/pk.hpp"
#include "support/ssh_tools.hpp"

namespace mutauth::testing {

/// The private key file at `path`, which must load.
inline pk::Ed25519SecretKey load_secret(const std::string& path) {
  auto k = pk::load_private_key_file(path.c_str());
  REQUIRE(k);
  return std::move(*k);
}

/// A new ed25519 key pair at d/name (its comment: `name`), the private key loaded.
inline pk::Ed25519SecretKey new_ed25519(const TempDir& d, const std::string& name) {
  return load_secret(keygen(d, name, "-t ed25519", name));
}

/// The server's and alice's keys, made once in a temp dir, and alice pinned for the server.
struct PinnedKeys {
  explicit PinnedKeys(const std::string& tag)
      : dir(tag),
        server(new_ed25519(dir, "server")),
        alice(new_ed25519(dir, "alice")),
        client_pins{{{"alice", alice.public_key()}}} {}
  TempDir dir;
  pk::Ed25519SecretKey server, alice;
  std::array<pk::PinnedClient, 1> client_pins;
};

}  // namespace mutauth::testing
