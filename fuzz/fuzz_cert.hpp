// mutauth fuzz targets — certificate and KRL pieces for the pk trust targets: an SSH wire writer,
// a certificate signer (so that the harness can re-sign fuzzed certificate bodies and reach
// every verification step after the CA signature check would otherwise stop a mutant), a fixed
// KRL and a fixed clock.
//
// The writer is the harness's own, independent of the parsers it feeds: a certificate the
// harness makes and the library refuses (or the reverse) is a finding, not a tautology.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/krl.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

/// RFC 4251 §5 encoder: just enough for certificates and KRLs.
struct ssh_writer {
  bytes b;
  ssh_writer& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  ssh_writer& u32(std::uint32_t v) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  ssh_writer& u64(std::uint64_t v) {
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  ssh_writer& str(bytes_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  ssh_writer& str(std::string_view s) {
    return str(bytes_view(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
};

/// The fixed "now" of every certificate check in the fuzz targets: 2025-01-01T00:00:00Z. A
/// fixed clock keeps runs reproducible; the seeds' validity windows are chosen around it.
inline constexpr std::uint64_t fixed_now_value = 1735689600;
inline std::uint64_t fixed_now() noexcept { return fixed_now_value; }

/// The fields of an ssh-ed25519-cert-v01@openssh.com certificate the harness writes.
struct cert_fields {
  pk::Ed25519PublicKey key{};
  std::uint64_t serial = 0;
  pk::certificate_type type = pk::certificate_type::user;
  std::string_view key_id{};
  std::vector<std::string_view> principals;
  std::uint64_t valid_after = 0;
  std::uint64_t valid_before = ~std::uint64_t{0};
  std::vector<std::pair<std::string_view, std::string_view>> critical;  // name, raw data
  std::vector<std::pair<std::string_view, std::string_view>> extensions;
};

/// Everything the CA signs except the CA key: the part a structure-aware fuzz input supplies.
inline bytes cert_body(const cert_fields& f) {
  ssh_writer w;
  w.str(pk::ed25519_cert_type);
  static constexpr std::array<std::uint8_t, 32> nonce{'f', 'u', 'z', 'z', '-',
                                                      'n', 'o', 'n', 'c', 'e'};
  w.str(bytes_view(nonce));
  w.str(bytes_view(f.key.bytes));
  w.u64(f.serial).u32(static_cast<std::uint32_t>(f.type)).str(f.key_id);
  ssh_writer p;
  for (std::string_view s : f.principals) p.str(s);
  w.str(bytes_view(p.b)).u64(f.valid_after).u64(f.valid_before);
  ssh_writer crit, ext;
  for (auto& [n, d] : f.critical) {
    ssh_writer inner;
    inner.str(d);  // option data is itself a string list (PROTOCOL.certkeys)
    crit.str(n).str(bytes_view(inner.b));
  }
  for (auto& [n, d] : f.extensions) ext.str(n).str(d);
  w.str(bytes_view(crit.b)).str(bytes_view(ext.b)).str(std::string_view{});
  return std::move(w.b);
}

/// Appends the CA key and the CA's signature over body | CA key: a complete certificate.
inline bytes sign_cert_body(bytes_view body, const pk::Ed25519SecretKey& ca) {
  ssh_writer w;
  w.b.assign(body.begin(), body.end());
  const auto ca_blob = pk::wire_blob(ca.public_key());
  w.str(bytes_view(ca_blob));
  std::array<std::uint8_t, 64> sig{};
  MUTAUTH_FUZZ_CHECK(ca.sign(bytes_view(w.b), sig));
  ssh_writer s;
  s.str(pk::ed25519_key_type).str(bytes_view(sig));
  w.str(bytes_view(s.b));
  return std::move(w.b);
}

inline pk::Ed25519SecretKey fixed_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  auto k = pk::Ed25519SecretKey::from_seed(seed);
  MUTAUTH_FUZZ_CHECK(k);
  return std::move(*k);
}

// ---- the fixed KRL the certificate target checks against ----
// Revokes, for every CA: serial 13, serials 100..199, bitmap serials 300 and 307, and key id
// "revoked-id". The certificate target's oracle restates these facts independently.

inline constexpr std::string_view krl_revoked_id = "revoked-id";
inline bool krl_revokes_serial(std::uint64_t s) noexcept {
  return s != 0 && (s == 13 || (s >= 100 && s <= 199) || s == 300 || s == 307);
}

inline bytes fixed_krl() {
  ssh_writer cs;  // certificate section: empty CA key (= every CA), empty reserved
  cs.str(std::string_view{}).str(std::string_view{});
  ssh_writer list;
  list.u64(13);
  cs.u8(0x20).str(bytes_view(list.b));
  ssh_writer range;
  range.u64(100).u64(199);
  cs.u8(0x21).str(bytes_view(range.b));
  // Bitmap at offset 300, mpint 0x0081: bits 0 and 7. The leading zero keeps the mpint
  // positive, since 0x81 has its top bit set (RFC 4251 §5).
  static constexpr std::array<std::uint8_t, 2> bits{0x00, 0x81};
  ssh_writer bitmap;
  bitmap.u64(300).str(bytes_view(bits));
  cs.u8(0x22).str(bytes_view(bitmap.b));
  ssh_writer ids;
  ids.str(krl_revoked_id);
  cs.u8(0x23).str(bytes_view(ids.b));
  ssh_writer k;
  k.u64(0x5353484b524c0a00ULL).u32(1).u64(1).u64(fixed_now_value).u64(0);
  k.str(std::string_view{}).str(std::string_view{"fuzz KRL"});
  k.u8(1).str(bytes_view(cs.b));
  return std::move(k.b);
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
