// Test helpers for issue 4: certificate authorities, certificates and KRLs made by the real
// ssh-keygen in a temp dir at test time (nothing is committed).
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/pk_keys.hpp"
#include "support/ssh_tools.hpp"

namespace mutauth::testing {

using bytes = std::vector<std::uint8_t>;

// A minimal SSH wire writer (RFC 4251 §5) for structures ssh-keygen will not make.
struct Writer {
  bytes b;
  void u32(std::uint32_t v) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void str(const bytes& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void str(std::string_view s) { str(bytes(s.begin(), s.end())); }
};

/// Runs a shell command that must succeed (its output goes to /dev/null).
inline void sh(const std::string& cmd) {
  INFO(cmd);
  REQUIRE(std::system((cmd + " </dev/null >/dev/null 2>&1").c_str()) == 0);
}

/// Runs a shell command and reports whether it succeeded.
inline bool sh_ok(const std::string& cmd) {
  return std::system((cmd + " </dev/null >/dev/null 2>&1").c_str()) == 0;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  REQUIRE(f.good());
}

inline bytes read_bytes(const std::string& path) {
  const std::string t = read_text(path);
  return {t.begin(), t.end()};
}

/// Signs `key_name`.pub with the CA at `ca_name` as a certificate called `label`; `opts` are
/// ssh-keygen options (-h, -n, -V, -z, -O ...). Returns the path of label-cert.pub.
inline std::string sign(const TempDir& d, const std::string& ca_name, const std::string& key_name,
                        const std::string& label, const std::string& opts) {
  std::filesystem::copy_file(d.file(key_name + ".pub"), d.file(label + ".pub"),
                             std::filesystem::copy_options::overwrite_existing);
  sh("ssh-keygen -q -s " + shell_quote(d.file(ca_name)) + " " + opts + " " +
     shell_quote(d.file(label + ".pub")));
  return d.file(label + "-cert.pub");
}

/// The certificate blob of a -cert.pub file, loaded through the library.
inline bytes cert_blob(const std::string& path) {
  std::array<std::uint8_t, pk::max_certificate_size> buf{};
  auto b = pk::load_certificate_file(path.c_str(), buf);
  INFO(path << ": " << (b ? "" : b.error_value().detail()));
  REQUIRE(b);
  return {b->begin(), b->end()};
}

/// The base64 blob of a -cert.pub (or .pub) file decoded without the library's checks.
inline bytes raw_blob(const std::string& path) {
  std::istringstream in(read_text(path));
  std::string type, b64;
  in >> type >> b64;
  bytes out(b64.size());
  std::size_t n = 0;
  REQUIRE(sodium_base642bin(out.data(), out.size(), b64.data(), b64.size(), nullptr, &n, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) == 0);
  out.resize(n);
  return out;
}

inline pk::Ed25519PublicKey pub(const TempDir& d, const std::string& name) {
  auto k = pk::load_public_key_file(d.file(name + ".pub").c_str());
  REQUIRE(k);
  return *k;
}

inline pk::Ed25519SecretKey secret(const TempDir& d, const std::string& name) {
  auto k = pk::load_private_key_file(d.file(name).c_str());
  REQUIRE(k);
  return std::move(*k);
}

/// Seconds since the epoch for a UTC date, as ssh-keygen -V YYYYMMDD reads it with TZ=UTC.
inline std::uint64_t utc(int y, unsigned m, unsigned d) {
  // days_from_civil (H. Hinnant, public domain)
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::uint64_t>(era * 146097 + static_cast<int>(doe) - 719468) * 86400;
}

/// The test's clock for ClientTrust/ServerTrust::now (docs/protocol/mutauth-pk.md §14: validity
/// is checked against it), so that a test can step in and out of a certificate's window.
inline std::uint64_t g_now = 0;
inline std::uint64_t test_clock() noexcept { return g_now; }

/// The start of a CA test's world: a temp dir, the server's, alice's and mallory's ed25519 keys
/// made there by ssh-keygen, and the certificates the world signs, which live as long as it.
struct CaWorldBase {
  explicit CaWorldBase(const std::string& tag)
      : dir(tag),
        server(new_ed25519(dir, "server")),
        alice(new_ed25519(dir, "alice")),
        mallory(new_ed25519(dir, "mallory")) {}
  TempDir dir;
  pk::Ed25519SecretKey server, alice, mallory;
  // The authorities each side trusts (the client's for hosts, the server's for users), and the
  // two main certificates; the world sets them once its CAs exist.
  std::array<pk::HostCertAuthority, 1> host_cas{};
  std::array<pk::UserCertAuthority, 1> user_cas{};
  bytes server_cert, alice_cert;
  std::deque<bytes> blobs;

  /// A certificate that lives as long as the world.
  bytes_view keep(bytes blob) { return blobs.emplace_back(std::move(blob)); }
};

}  // namespace mutauth::testing
