// mutauth-pk/1 — the identity proof carried (encrypted) in messages 2 and 3, and the admission
// of message 4 (docs/protocol/mutauth-pk.md §5, §6):
//
//   proof:      u8  proof version (1)
//               u8  credential type (1 = raw Ed25519 key; 2 = OpenSSH ssh-ed25519-cert-v01)
//               u16 credential length | credential
//               u16 name length | name   (server: the service principal it proves;
//                                         client: the principal it asserts; never empty)
//               64  Ed25519 signature over signed_data()
//   admission:  u8  admission version (1)
//               u16 name length | name   (the client principal the server verified and admitted)
//
// All integers big-endian. Every length is bounded before use and trailing bytes are refused.
#pragma once

#include <array>        // fixed buffers
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <string_view>  // names

#include <sodium.h>

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/limits.hpp"
#include "mutauth/mechanism.hpp"  // role
#include "mutauth/noise/primitives.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {
namespace detail {

inline constexpr std::uint8_t proof_version = 1;
enum class credential_type : std::uint8_t { raw_ed25519 = 1, openssh_certificate = 2 };

// A pinned-only build (limits.hpp) sends and accepts raw keys only: 32 bytes (§5.2).
inline constexpr std::size_t raw_key_credential_size = 32;
inline constexpr std::size_t max_credential_size =
    certificates_trusted ? max_certificate_size : raw_key_credential_size;  // limits.hpp
inline constexpr std::size_t max_name_size = ServicePrincipal::max_text;
inline constexpr std::size_t signature_size = 64;
inline constexpr std::size_t max_proof_size =
    1 + 1 + 2 + max_credential_size + 2 + max_name_size + signature_size;
inline constexpr std::uint8_t admission_version = 1;
inline constexpr std::size_t max_admission_size = 1 + 2 + max_name_size;

// Never sign raw h: an SSH host key also signs 64-byte exchange hashes, so a context label keeps
// our signatures from being valid anywhere else (docs/protocol/mutauth-pk.md §5.4).
inline constexpr std::string_view signature_label = "mutauth-pk/1 identity proof";
inline constexpr std::size_t max_signed_size = signature_label.size() + 1 + 1 +
                                               mutauth::noise::hashlen + 1 +
                                               mutauth::noise::hashlen + 2 + max_name_size;

struct proof_view {
  credential_type type{};
  bytes_view credential{};
  std::string_view name{};
  bytes_view signature{};
};

/// label | 0x00 | role | h | credential type | HASH(credential) | u16 name length | name — what
/// the proof's signature covers (docs/protocol/mutauth-pk.md §5.4). The sender's role stops a
/// proof from being reflected to its author; h binds it to this handshake; the credential hash
/// binds the signer's own certificate or key (as TLS 1.3's CertificateVerify covers the
/// Certificate, RFC 8446 §4.4.3), so a proof cannot be re-wrapped around another credential for
/// the same key; the name binds the identity claimed.
[[nodiscard]] inline std::size_t signed_data(
    role sender, bytes_view h, credential_type type, bytes_view credential, std::string_view name,
    std::array<std::uint8_t, max_signed_size>& out) noexcept {
  namespace nz = mutauth::noise;
  std::size_t n = 0;
  for (char c : signature_label) out[n++] = static_cast<std::uint8_t>(c);
  out[n++] = 0;
  out[n++] = sender == role::initiator ? 1 : 2;
  for (auto b : h) out[n++] = b;
  out[n++] = static_cast<std::uint8_t>(type);
  nz::hash(std::span<std::uint8_t, nz::hashlen>(out.data() + n, nz::hashlen), {credential});
  n += nz::hashlen;
  out[n++] = static_cast<std::uint8_t>(name.size() >> 8);
  out[n++] = static_cast<std::uint8_t>(name.size());
  for (char c : name) out[n++] = static_cast<std::uint8_t>(c);
  return n;
}

/// Encodes a proof into `out` (at least max_proof_size bytes). Returns its length.
[[nodiscard]] inline std::size_t encode_proof(credential_type type, bytes_view credential,
                                              std::string_view name, bytes_view signature,
                                              bytes_span out) noexcept {
  std::size_t n = 0;
  out[n++] = proof_version;
  out[n++] = static_cast<std::uint8_t>(type);
  out[n++] = static_cast<std::uint8_t>(credential.size() >> 8);
  out[n++] = static_cast<std::uint8_t>(credential.size());
  for (auto b : credential) out[n++] = b;
  out[n++] = static_cast<std::uint8_t>(name.size() >> 8);
  out[n++] = static_cast<std::uint8_t>(name.size());
  for (char c : name) out[n++] = static_cast<std::uint8_t>(c);
  for (auto b : signature) out[n++] = b;
  return n;
}

/// Strict parse: version, known credential type, bounded lengths, no trailing bytes.
[[nodiscard]] inline result<proof_view> parse_proof(bytes_view in) noexcept {
  std::size_t pos = 0;
  auto need = [&](std::size_t k) noexcept { return in.size() - pos >= k; };
  if (!need(4)) return error(errc::truncated, "identity proof shorter than its header");
  if (in[0] != proof_version) {
    error e(errc::version_mismatch, "identity proof version not supported: ");
    char v[4] = {static_cast<char>('0' + in[0] / 100), static_cast<char>('0' + in[0] / 10 % 10),
                 static_cast<char>('0' + in[0] % 10), 0};
    e.append(v);
    return e;
  }
  proof_view p;
  if (in[1] != static_cast<std::uint8_t>(credential_type::raw_ed25519) &&
      in[1] != static_cast<std::uint8_t>(credential_type::openssh_certificate))
    return error(errc::unsupported_key_type, "identity proof carries an unknown credential type");
  p.type = static_cast<credential_type>(in[1]);
  // Refused by type before the length, which a pinned-only build bounds at a raw key's size.
  if (!certificates_trusted && p.type == credential_type::openssh_certificate)
    return error(errc::untrusted_issuer,
                 "the peer's proof carries a certificate, and this build trusts pinned keys only",
                 "pin the peer's raw key, or build with MUTAUTH_PK_TRUST_CERTIFICATES=1");
  const std::size_t cred_len = (std::size_t{in[2]} << 8) | in[3];
  pos = 4;
  if (cred_len > max_credential_size) return error(errc::too_large, credential_too_large);
  if (!need(cred_len)) return error(errc::truncated, "identity proof ends inside the credential");
  p.credential = in.subspan(pos, cred_len);
  pos += cred_len;
  if (!need(2)) return error(errc::truncated, "identity proof ends before the name length");
  const std::size_t name_len = (std::size_t{in[pos]} << 8) | in[pos + 1];
  pos += 2;
  if (name_len > max_name_size)
    return error(errc::too_large, "proved name longer than a service principal");
  if (!need(name_len)) return error(errc::truncated, "identity proof ends inside the name");
  if (name_len == 0) return error(errc::malformed, "identity proof names no principal");
  p.name = std::string_view(reinterpret_cast<const char*>(in.data() + pos), name_len);
  pos += name_len;
  if (!need(signature_size))
    return error(errc::truncated, "identity proof ends inside the signature");
  p.signature = in.subspan(pos, signature_size);
  pos += signature_size;
  if (pos != in.size())
    return error(errc::trailing_bytes, "bytes after the identity proof's signature");
  return p;
}

/// Encodes message 4's admission of `name` into `out` (at least max_admission_size bytes).
[[nodiscard]] inline std::size_t encode_admission(std::string_view name, bytes_span out) noexcept {
  std::size_t n = 0;
  out[n++] = admission_version;
  out[n++] = static_cast<std::uint8_t>(name.size() >> 8);
  out[n++] = static_cast<std::uint8_t>(name.size());
  for (char c : name) out[n++] = static_cast<std::uint8_t>(c);
  return n;
}

/// Strict parse of an admission: version, bounded non-empty name, no trailing bytes.
[[nodiscard]] inline result<std::string_view> parse_admission(bytes_view in) noexcept {
  if (in.size() < 3) return error(errc::truncated, "admission shorter than its header");
  if (in[0] != admission_version)
    return error(errc::version_mismatch, "admission version not supported");
  const std::size_t len = (std::size_t{in[1]} << 8) | in[2];
  if (len == 0) return error(errc::malformed, "admission names no principal");
  if (len > max_name_size) return error(errc::too_large, "admitted name longer than a principal");
  if (in.size() - 3 < len) return error(errc::truncated, "admission ends inside the name");
  if (in.size() - 3 > len) return error(errc::trailing_bytes, "bytes after the admitted name");
  return std::string_view(reinterpret_cast<const char*>(in.data() + 3), len);
}

}  // namespace detail
}  // namespace pk
}  // namespace v0
}  // namespace mutauth
