// mutauth-pk — the one build-time limit of the public-key mechanism.
//
// MUTAUTH_PK_MAX_CERTIFICATE_SIZE bounds the credential an identity proof may carry, i.e. the
// largest OpenSSH certificate either side sends or accepts. Each handshake object holds two
// buffers sized by it (the decrypted peer proof and the outgoing message), so it sets most of
// sizeof(Initiator<pk::PublicKey>) and sizeof(Acceptor<pk::PublicKey>): the default 4096 makes
// them about 15 KiB; 1024 (room for a certificate with a dozen principals; ssh-keygen's usual ones
// are 300–500 bytes) saves 6 KiB per handshake, which matters on a microcontroller's stack.
// A peer's larger certificate is then refused with errc::too_large, never truncated.
//
// Set it once for the whole program. Configuring mutauth with
// -DMUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024 makes it an INTERFACE compile definition of mutauth::pk
// (also in the installed package), so every target that links mutauth::pk sees the same value:
// two translation units of one program built with different values would break the one-definition
// rule.
#pragma once

#include <cstddef>

#ifndef MUTAUTH_PK_MAX_CERTIFICATE_SIZE
#define MUTAUTH_PK_MAX_CERTIFICATE_SIZE 4096
#endif

// MUTAUTH_PK_TRUST_CERTIFICATES (default 1) chooses the trust modes compiled in, program-wide like
// the size above (docs/design.md §4 names both kinds of trust): 1 = OpenSSH CA certificates with
// KRLs, and pinned raw keys; 0 = pinned raw keys only, for a firmware that pins its peers. With 0
// no certificate or KRL code is instantiated, a proof's credential is at most a raw key (so the
// message buffers shrink to a few hundred bytes), a peer whose proof carries a certificate is
// refused with errc::untrusted_issuer (or errc::too_large if its message exceeds that bound), and
// configuring a certificate, a CA, a KRL or a verify cache is refused with errc::invalid_argument
// when the handshake starts.
#ifndef MUTAUTH_PK_TRUST_CERTIFICATES
#define MUTAUTH_PK_TRUST_CERTIFICATES 1
#endif

#define MUTAUTH_PK_DETAIL_STR2(x) #x
#define MUTAUTH_PK_DETAIL_STR(x) MUTAUTH_PK_DETAIL_STR2(x)

namespace mutauth {
inline namespace v0 {
namespace pk {

/// Largest certificate (and identity-proof credential) accepted or sent, in bytes.
inline constexpr std::size_t max_certificate_size = MUTAUTH_PK_MAX_CERTIFICATE_SIZE;

// Lower bound: a pinned proof's credential is an ssh-ed25519 public key blob (51 bytes; RFC 8709
// §4). Upper bound: a -cert.pub line of that size must still fit the 16 KiB key-file buffer
// (keys.hpp) once base64-encoded.
static_assert(max_certificate_size >= 64 && max_certificate_size <= 8192,
              "MUTAUTH_PK_MAX_CERTIFICATE_SIZE must be between 64 and 8192");

/// Whether this build verifies certificates (MUTAUTH_PK_TRUST_CERTIFICATES).
inline constexpr bool certificates_trusted = MUTAUTH_PK_TRUST_CERTIFICATES != 0;

namespace detail {
/// "certificate larger than N bytes", with N spelled as the macro was defined.
inline constexpr const char* certificate_too_large =
    "certificate larger than " MUTAUTH_PK_DETAIL_STR(MUTAUTH_PK_MAX_CERTIFICATE_SIZE) " bytes";
inline constexpr const char* credential_too_large =
    "credential larger than " MUTAUTH_PK_DETAIL_STR(MUTAUTH_PK_MAX_CERTIFICATE_SIZE) " bytes";
}  // namespace detail

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
