// mutauth-pk — who this side is (Identity) and whom it trusts (ServerTrust, ClientTrust).
// Trust stores are views over caller-owned storage: no heap here, and a store can be built
// once at start-up and shared by every handshake. Two kinds of trust sit side by side
// (docs/design.md §4): (a) OpenSSH certificate authorities, with an optional KRL and an injectable clock,
// and (b) pinned raw keys. trust_file.hpp fills both from OpenSSH-syntax files.
#pragma once

#include <cstdint>      // clock values
#include <ctime>        // std::time, the default clock
#include <span>         // views over caller storage
#include <string_view>  // principal names

#include "mutauth/bytes.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

class VerifyCache;  // verify_cache.hpp

/// The identity this side proves: its Ed25519 key as ssh-keygen writes it.
/// The key MUST outlive every handshake that uses it.
struct Identity {
  const Ed25519SecretKey* key = nullptr;
  /// A client: the principal it asserts inside its signed proof (docs/protocol/mutauth-pk.md
  /// §10.2, OpenSSH's rule): its certificate must list it, or its pinned key must be bound to it;
  /// empty means its certificate's only principal. A server: unused (it proves its service
  /// principal).
  std::string_view name{};
  /// Optional: an OpenSSH `ssh-ed25519-cert-v01@openssh.com` certificate for `key` (the blob, e.g.
  /// from load_certificate_file()). When set, the proof carries it instead of the raw key, and the
  /// peer verifies it against its certificate authorities. A certificate for another key than
  /// `key` is refused when the handshake starts (errc::key_mismatch). MUST outlive the handshake.
  bytes_view certificate{};
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

/// A CA trusted to sign host certificates for the hosts its patterns match (the initiator's
/// `@cert-authority <patterns> ssh-ed25519 ...` line in known_hosts, sshd(8)).
struct HostCertAuthority {
  Ed25519PublicKey key;
  /// Comma-separated ssh_config(5) PATTERNS matched against the target's host name: `*` and `?`
  /// wildcards, a leading `!` negates (a negated match excludes the host whatever else matches),
  /// ASCII case-insensitive. `*` trusts the CA for every host; an empty list for none.
  /// Storage MUST outlive the handshake.
  std::string_view host_patterns{};
};

/// A CA trusted to sign user certificates (the acceptor's `cert-authority` line in
/// authorized_keys, sshd(8)).
struct UserCertAuthority {
  Ed25519PublicKey key;
  /// Empty: any principal of a certificate from this CA may log in. Otherwise a comma-separated
  /// list (the `principals="..."` option): the certificate must list one of these exactly, and
  /// that one becomes the client's principal. Storage MUST outlive the handshake.
  std::string_view principals{};
};

/// Seconds since 1970-01-01 UTC. Certificate validity is checked against this (docs/design.md §4: an
/// injectable clock); nullptr means the system clock.
using clock_fn = std::uint64_t (*)() noexcept;

inline constexpr std::uint64_t default_clock_skew = 300;

namespace detail {
inline std::uint64_t system_now() noexcept {
  const std::time_t t = std::time(nullptr);
  return t < 0 ? 0 : static_cast<std::uint64_t>(t);
}
inline std::uint64_t now(clock_fn f) noexcept { return f != nullptr ? f() : system_now(); }
}  // namespace detail

/// What an initiator trusts to prove a server's name.
struct ServerTrust {
  std::span<const PinnedServer> pinned{};
  std::span<const HostCertAuthority> authorities{};
  /// A bare host-name principal `h` in a host certificate (the usual ssh-keygen -h -n h) stands
  /// for `host/h`. With this set it also proves every other service class on `h`, at any port
  /// (docs/design.md §3: only when the initiator's policy explicitly allows host-wide credentials).
  bool allow_host_wide_credentials = false;
  /// Optional revocation list, consulted for certificates (serial, key id, key, CA key) and for
  /// pinned keys. MUST outlive the handshake.
  const Krl* revoked = nullptr;
  clock_fn now = nullptr;
  /// Seconds a certificate is still accepted before its valid-after and after its valid-before.
  std::uint64_t clock_skew = default_clock_skew;
  /// Optional cache of CA signatures already verified (verify_cache.hpp): a hit skips only that
  /// signature; every other check still runs. nullptr: off. MUST outlive the handshake.
  VerifyCache* cert_cache = nullptr;
};

/// What an acceptor trusts to prove a client's identity.
struct ClientTrust {
  std::span<const PinnedClient> pinned{};
  std::span<const UserCertAuthority> authorities{};
  const Krl* revoked = nullptr;
  clock_fn now = nullptr;
  std::uint64_t clock_skew = default_clock_skew;
  /// As ServerTrust::cert_cache.
  VerifyCache* cert_cache = nullptr;
};

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
