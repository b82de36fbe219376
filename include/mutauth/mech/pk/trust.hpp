// mutauth-pk — who this side is (Identity) and whom it trusts (ServerTrust, ClientTrust).
// Trust stores are views over caller-owned storage: no heap here, and a store can be built
// once at start-up and shared by every handshake. Certificate authorities and revocation slot in
// beside the pinned keys (DESIGN §4 trust (a)).
#pragma once

#include <span>         // views over caller storage
#include <string_view>  // principal names

#include "mutauth/bytes.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

/// The identity this side proves: its Ed25519 key as ssh-keygen writes it.
/// The key MUST outlive every handshake that uses it.
struct Identity {
  const Ed25519SecretKey* key = nullptr;
  /// The name this side calls itself in logs and in Session::local(). The peer never learns it
  /// from us: it derives our principal from our verified key.
  std::string_view name{};
};

/// A server principal pinned to a raw Ed25519 key (the initiator's `known_hosts` idea).
struct PinnedServer {
  ServicePrincipal name;
  Ed25519PublicKey key;
};

/// A client key mapped to the principal it proves (the acceptor's `authorized_keys` idea).
struct PinnedClient {
  std::string_view principal;  // e.g. "alice"; storage MUST outlive the handshake
  Ed25519PublicKey key;
};

/// What an initiator trusts to prove a server's name.
struct ServerTrust {
  std::span<const PinnedServer> pinned{};
};

/// What an acceptor trusts to prove a client's identity.
struct ClientTrust {
  std::span<const PinnedClient> pinned{};
};

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
