// mutauth-pk — OpenSSH key revocation lists as `ssh-keygen -k` writes them (OpenSSH PROTOCOL.krl).
//
// A Krl is a VIEW over caller-owned bytes: parse() validates the whole file once, strictly, and the
// queries walk it again (linear scans, no allocation, no index). The bytes MUST outlive the Krl.
//
// Supported (PROTOCOL.krl section numbers):
//   §2   KRL_SECTION_CERTIFICATES, scoped to one CA key or (empty CA key) to every CA, with
//        §2.1 CERT_SERIAL_LIST, §2.2 CERT_SERIAL_RANGE, §2.3 CERT_SERIAL_BITMAP, §2.4 CERT_KEY_ID
//   §3   KRL_SECTION_EXPLICIT_KEY
//   §4   KRL_SECTION_FINGERPRINT_SHA256
//   §2.5, §5 extension (sub)sections: non-critical ones are skipped, as the spec allows (the only
//        ones defined are Bloom filters, which are lookup hints; §7); critical ones are refused.
// Refused, never ignored: KRL_SECTION_FINGERPRINT_SHA1 (libsodium has no SHA-1; `ssh-keygen -k`
// writes one only for `sha1:` spec lines; use `key:` or `sha256:` lines instead), and
// KRL_SECTION_SIGNATURE (PROTOCOL.krl §6: OpenSSH >= 9.4 refuses signed KRLs too; authenticate a
// KRL with `ssh-keygen -Y sign` and check it before loading), unknown section types, unknown
// header flags, and non-empty reserved fields (fail closed: a future meaning of those fields
// could only be a restriction we would miss).
#pragma once

#include <sodium.h>

#include <algorithm>    // std::equal, std::lexicographical_compare
#include <array>        // SHA-256 digests
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <span>         // views over caller bytes
#include <string_view>  // key ids, comment

#include "mutauth/bytes.hpp"
#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/detail/file.hpp"
#include "mutauth/mech/pk/detail/ssh_reader.hpp"
#include "mutauth/mech/pk/keys.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

/// A KRL larger than this is refused before parsing (a KRL revoking a million serials by bitmap
/// is about 128 KiB).
inline constexpr std::size_t max_krl_size = 16u * 1024 * 1024;

namespace detail {

inline constexpr std::uint64_t krl_magic = 0x5353484b524c0a00ULL;  // "SSHKRL\n\0"
inline constexpr std::uint32_t krl_format_version = 1;

enum krl_section : std::uint8_t {
  krl_certificates = 1,
  krl_explicit_key = 2,
  krl_fingerprint_sha1 = 3,
  krl_signature = 4,
  krl_fingerprint_sha256 = 5,
  krl_extension = 255,
};
enum krl_cert_section : std::uint8_t {
  krl_serial_list = 0x20,
  krl_serial_range = 0x21,
  krl_serial_bitmap = 0x22,
  krl_key_id = 0x23,
  krl_cert_extension = 0x39,
};

// Field bounds. Each is far above what ssh-keygen writes and below the file cap.
inline constexpr std::size_t krl_max_comment = 4096;
inline constexpr std::size_t krl_max_key_blob = 16 * 1024;  // an RSA-16384 key is ~2 KiB
inline constexpr std::size_t krl_max_key_id = 4096;
inline constexpr std::size_t krl_max_extension_name = 256;

/// What a walk of a KRL reports; a visitor derives from this and hides the events it wants (the
/// walk is a template, so there are no virtual calls). An event returns true to stop the walk
/// early (a match).
struct krl_events {
  // ca: the SSH wire blob of the CA key; empty = the section applies to every CA (PROTOCOL.krl §2).
  // A serial list entry is reported as the range [s, s]; `range` tells a §2.2 range (which may
  // also have lo == hi) from a §2.1 list entry.
  bool on_serial(bytes_view /*ca*/, std::uint64_t /*lo*/, std::uint64_t /*hi*/,
                 bool /*range*/) noexcept {
    return false;
  }
  // bits: the magnitude bytes of the mpint, big-endian, without a leading zero.
  bool on_bitmap(bytes_view /*ca*/, std::uint64_t /*offset*/, bytes_view /*bits*/) noexcept {
    return false;
  }
  bool on_key_id(bytes_view /*ca*/, std::string_view /*id*/) noexcept { return false; }
  bool on_explicit_key(bytes_view /*blob*/) noexcept { return false; }
  bool on_sha256(bytes_view /*digest*/) noexcept { return false; }
};

inline error krl_error(errc c, std::string_view what) noexcept {
  error e(c, "KRL: ");
  e.append(what);
  return e;
}

// "KRL: unsupported <what> type NNN": a type byte the walk does not know (fail closed).
inline error krl_unsupported(std::string_view what, std::uint8_t type) noexcept {
  error e(errc::bad_encoding, "KRL: unsupported ");
  const char num[4] = {static_cast<char>('0' + type / 100), static_cast<char>('0' + type / 10 % 10),
                       static_cast<char>('0' + type % 10), 0};
  return e.append(what).append(" type ").append(num);
}

// PROTOCOL.krl §2.5 / §5: string name | boolean critical | string contents, nothing after.
inline void krl_check_extension(bytes_view data, std::string_view where, error& first) noexcept {
  ssh_reader r(data, first);
  const std::string_view name = r.read_text(krl_max_extension_name, "KRL extension name");
  const bool critical = r.read_bool("KRL extension criticality");
  (void)r.read_string(max_krl_size, "KRL extension contents");
  r.expect_end("KRL extension");
  // Non-critical: "may be safely ignored" (PROTOCOL.krl §5).
  r.check(!critical, [&] {
    error e(errc::bad_encoding, "KRL: critical ");
    e.append(where).append(" extension '");
    append_printable(e, name).append("' is not supported");
    return e;
  });
}

// PROTOCOL.krl §2.3: an mpint; a negative one has no meaning as a bitmap. One value, one
// encoding (RFC 4251 §5): no superfluous leading zero byte.
inline bytes_view krl_bitmap_bits(ssh_reader& r, bytes_view mpint) noexcept {
  if (mpint.empty()) return mpint;
  r.check((mpint[0] & 0x80) == 0, errc::bad_encoding, "KRL: negative serial bitmap");
  if (mpint[0] != 0) return mpint;
  r.check(mpint.size() > 1 && (mpint[1] & 0x80) != 0, errc::bad_encoding,
          "KRL: serial bitmap mpint has a superfluous leading zero");
  return mpint.subspan(1);
}

// PROTOCOL.krl §2: string ca_key | string reserved | one or more (byte type | string data).
// True if the visitor stopped the walk.
template <class V>
inline bool krl_walk_certificates(bytes_view data, V& ev, error& first) noexcept {
  ssh_reader r(data, first);
  const bytes_view ca = r.read_string(krl_max_key_blob, "KRL CA key");
  if (!ca.empty()) {
    ssh_reader kr(ca, first);
    const std::string_view type = kr.read_text(64, "KRL CA key type");
    kr.check(!type.empty(), errc::bad_encoding, "KRL: CA key without a key type");
    if (type == ed25519_key_type) (void)read_blob(ssh_reader(ca, first));
  }
  r.check(r.read_string(max_krl_size, "KRL certificate section reserved field").empty(),
          errc::bad_encoding, "KRL: non-empty reserved field in a certificate section");
  r.check(!r.at_end(), errc::malformed, "KRL: certificate section without subsections");
  bool stop = false;
  while (!stop && !r.at_end()) {
    const std::uint8_t type = r.read_u8("KRL certificate subsection type");
    const bytes_view body = r.read_string(max_krl_size, "KRL certificate subsection");
    ssh_reader b(body, first);
    switch (type) {
      case krl_serial_list:  // §2.1: uint64 serial...
        b.check(!body.empty() && body.size() % 8 == 0, errc::malformed,
                "KRL: serial list is empty or not a whole number of serials");
        while (!stop && !b.at_end()) {
          const std::uint64_t s = b.read_u64("KRL serial");
          stop = !b.failed() && ev.on_serial(ca, s, s, false);
        }
        break;
      case krl_serial_range: {  // §2.2: uint64 serial_min | uint64 serial_max
        const std::uint64_t lo = b.read_u64("KRL serial_min");
        const std::uint64_t hi = b.read_u64("KRL serial_max");
        b.expect_end("KRL serial range");
        b.check(lo <= hi, errc::malformed, "KRL: serial range with min > max");
        stop = !b.failed() && ev.on_serial(ca, lo, hi, true);
        break;
      }
      case krl_serial_bitmap: {  // §2.3: uint64 serial_offset | mpint bitmap
        const std::uint64_t off = b.read_u64("KRL bitmap offset");
        const bytes_view mp = b.read_string(max_krl_size, "KRL serial bitmap");
        b.expect_end("KRL serial bitmap");
        const bytes_view bits = krl_bitmap_bits(b, mp);
        stop = !b.failed() && ev.on_bitmap(ca, off, bits);
        break;
      }
      case krl_key_id:  // §2.4: string key_id... (at least one)
        b.check(!body.empty(), errc::malformed, "KRL: key id section without key ids");
        while (!stop && !b.at_end()) {
          const std::string_view id = b.read_text(krl_max_key_id, "KRL key id");
          stop = !b.failed() && ev.on_key_id(ca, id);
        }
        break;
      case krl_cert_extension: krl_check_extension(body, "certificate section", first); break;
      default: b.fail_with([&] { return krl_unsupported("certificate subsection", type); });
    }
  }
  return stop;
}

/// Walks a whole KRL, validating every field. Returns true if a visitor stopped the walk.
template <class V>
inline result<bool> krl_walk(bytes_view data, V& ev, std::uint64_t* version = nullptr,
                             std::uint64_t* generated = nullptr,
                             std::string_view* comment = nullptr) noexcept {
  if (data.size() > max_krl_size) return krl_error(errc::too_large, "larger than 16 MiB");
  error first;
  ssh_reader r(data, first);
  // PROTOCOL.krl §1: uint64 magic | uint32 format version | uint64 krl_version |
  // uint64 generated_date | uint64 flags | string reserved | string comment.
  r.check(r.read_u64("KRL magic") == krl_magic, errc::bad_encoding,
          "KRL: not an OpenSSH KRL (bad magic)");
  r.check(r.read_u32("KRL format version") == krl_format_version, errc::version_mismatch,
          "KRL: format version is not 1");
  const std::uint64_t ver = r.read_u64("KRL version");
  const std::uint64_t date = r.read_u64("KRL generated date");
  r.check(r.read_u64("KRL flags") == 0, errc::bad_encoding, "KRL: unknown header flags");
  r.check(r.read_string(max_krl_size, "KRL reserved field").empty(), errc::bad_encoding,
          "KRL: non-empty reserved header field");
  const std::string_view cmt = r.read_text(krl_max_comment, "KRL comment");

  bool stop = false;
  while (!stop && !r.at_end()) {
    const std::uint8_t type = r.read_u8("KRL section type");
    r.check(type != krl_signature, errc::bad_encoding,
            "KRL: signed KRLs are not supported (OpenSSH >= 9.4 refuses them too); "
            "authenticate the KRL file by other means");
    const bytes_view body = r.read_string(max_krl_size, "KRL section");
    ssh_reader b(body, first);
    switch (type) {
      case krl_certificates: stop = krl_walk_certificates(body, ev, first); break;
      case krl_explicit_key:  // §3: string public_key_blob... (at least one, no certificates)
        b.check(!body.empty(), errc::malformed, "KRL: explicit key section without keys");
        while (!stop && !b.at_end()) {
          const bytes_view blob = b.read_string(krl_max_key_blob, "KRL explicit key");
          const std::string_view kt =
              ssh_reader(blob, first).read_text(64, "KRL explicit key type");
          b.check(!kt.empty() && !kt.ends_with("-cert-v01@openssh.com"), errc::bad_encoding,
                  "KRL: explicit key section holds a certificate or no key");
          if (kt == ed25519_key_type) (void)read_blob(ssh_reader(blob, first));
          stop = !b.failed() && ev.on_explicit_key(blob);
        }
        break;
      case krl_fingerprint_sha256: {  // §4: string hash... in ascending numeric order
        b.check(!body.empty(), errc::malformed, "KRL: SHA256 section without hashes");
        bytes_view prev{};
        while (!stop && !b.at_end()) {
          const bytes_view h = b.read_string_of(crypto_hash_sha256_BYTES, "KRL SHA256 hash",
                                                "KRL: SHA256 hash is not 32 bytes");
          // Equal-length big-endian numbers compare as byte strings.
          b.check(prev.empty() ||
                      std::lexicographical_compare(prev.begin(), prev.end(), h.begin(), h.end()),
                  errc::malformed, "KRL: SHA256 hashes not in ascending order");
          prev = h;
          stop = !b.failed() && ev.on_sha256(h);
        }
        break;
      }
      case krl_fingerprint_sha1:
        b.fail(errc::bad_encoding,
               "KRL: SHA1 fingerprint sections are not supported; revoke with 'key:' or "
               "'sha256:' lines in the ssh-keygen -k spec");
        break;
      case krl_extension: krl_check_extension(body, "KRL", first); break;
      default: b.fail_with([&] { return krl_unsupported("section", type); });
    }
  }
  if (first) return first;
  if (version) *version = ver;
  if (generated) *generated = date;
  if (comment) *comment = cmt;
  return stop;
}

inline bool blob_equal(bytes_view a, bytes_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace detail

/// How many entries of each kind a KRL holds (for tests and diagnostics).
struct KrlSummary {
  std::size_t serials = 0;         ///< serial list entries (§2.1)
  std::size_t serial_ranges = 0;   ///< §2.2
  std::size_t serial_bitmaps = 0;  ///< §2.3
  std::size_t key_ids = 0;         ///< §2.4
  std::size_t explicit_keys = 0;   ///< §3
  std::size_t sha256_hashes = 0;   ///< §4 (SHA256 only)
};

/// A parsed, validated KRL: a view over caller bytes.
class Krl {
 public:
  /// Validates `data` completely (PROTOCOL.krl). `data` MUST outlive the Krl.
  [[nodiscard]] static result<Krl> parse(bytes_view data) noexcept {
    detail::krl_events none;  // validate only
    Krl k;
    auto r = detail::krl_walk(data, none, &k.version_, &k.generated_, &k.comment_);
    if (!r) return r.error_value();
    k.data_ = data;
    return k;
  }

  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
  [[nodiscard]] std::uint64_t generated_date() const noexcept { return generated_; }
  [[nodiscard]] std::string_view comment() const noexcept { return comment_; }

  /// errc::revoked if `key` (a plain key, a certificate's key or a CA key) is listed as an
  /// explicit key (§3) or by the SHA-256 of its wire blob (§4). `what` names the key in the detail.
  [[nodiscard]] result<void> check_key(const Ed25519PublicKey& key,
                                       std::string_view what = "key") const noexcept {
    const auto blob = wire_blob(key);
    std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), blob.data(), blob.size());
    struct finder : detail::krl_events {
      bytes_view blob, digest;
      bool by_hash = false;
      bool on_explicit_key(bytes_view b) noexcept { return detail::blob_equal(b, blob); }
      bool on_sha256(bytes_view h) noexcept { return by_hash = detail::blob_equal(h, digest); }
    } f;
    f.blob = blob;
    f.digest = digest;
    auto hit = detail::krl_walk(data_, f);
    if (!hit) return hit.error_value();  // cannot happen after parse(); fail closed anyway
    if (!*hit) return ok();
    error e(errc::revoked, what);
    e.append(" ").append(fingerprint(key).view());
    e.append(f.by_hash ? " is revoked by its SHA256 hash in the KRL"
                       : " is revoked as an explicit key in the KRL");
    return e;
  }

  /// errc::revoked if a certificate issued by `ca` with `serial` and `key_id` is revoked by a
  /// certificate section for that CA or for every CA (§2). As in OpenSSH, serial 0 (a CA that
  /// does not number its certificates, PROTOCOL.certkeys) is never revoked by serial, only by
  /// key id.
  [[nodiscard]] result<void> check_certificate(const Ed25519PublicKey& ca, std::uint64_t serial,
                                               std::string_view key_id) const noexcept {
    const auto ca_blob = wire_blob(ca);
    struct finder : detail::krl_events {
      bytes_view ca;
      std::uint64_t want = 0;
      std::string_view id;
      const char* how = nullptr;
      bool mine(bytes_view c) const noexcept { return c.empty() || detail::blob_equal(c, ca); }
      bool on_serial(bytes_view c, std::uint64_t lo, std::uint64_t hi, bool) noexcept {
        if (want == 0 || !mine(c) || want < lo || want > hi) return false;
        how = lo == hi ? " is revoked in the KRL (serial list)"
                       : " is revoked in the KRL (serial range)";
        return true;
      }
      bool on_bitmap(bytes_view c, std::uint64_t off, bytes_view bits) noexcept {
        if (want == 0 || !mine(c) || want < off) return false;
        const std::uint64_t idx = want - off;
        if (idx / 8 >= bits.size()) return false;
        const std::uint8_t byte = bits[bits.size() - 1 - static_cast<std::size_t>(idx / 8)];
        if (((byte >> (idx % 8)) & 1u) == 0) return false;
        how = " is revoked in the KRL (serial bitmap)";
        return true;
      }
      bool on_key_id(bytes_view c, std::string_view k) noexcept {
        if (!mine(c) || k != id) return false;
        how = nullptr;
        return true;
      }
    } f;
    f.ca = ca_blob;
    f.want = serial;
    f.id = key_id;
    auto hit = detail::krl_walk(data_, f);
    if (!hit) return hit.error_value();
    if (!*hit) return ok();
    error e(errc::revoked, "certificate ");
    if (f.how == nullptr) {
      e.append("key id \"");
      detail::append_printable(e, key_id).append("\" is revoked in the KRL");
    } else {
      mutauth::detail::fixed_string<20> s;
      (void)s.append_uint(serial);
      e.append("serial ").append(s.view()).append(f.how);
    }
    return e;
  }

  [[nodiscard]] KrlSummary summary() const noexcept {
    struct counter : detail::krl_events {
      KrlSummary s;
      bool on_serial(bytes_view, std::uint64_t, std::uint64_t, bool range) noexcept {
        ++(range ? s.serial_ranges : s.serials);
        return false;
      }
      bool on_bitmap(bytes_view, std::uint64_t, bytes_view) noexcept {
        ++s.serial_bitmaps;
        return false;
      }
      bool on_key_id(bytes_view, std::string_view) noexcept {
        ++s.key_ids;
        return false;
      }
      bool on_explicit_key(bytes_view) noexcept {
        ++s.explicit_keys;
        return false;
      }
      bool on_sha256(bytes_view) noexcept {
        ++s.sha256_hashes;
        return false;
      }
    } c;
    (void)detail::krl_walk(data_, c);
    return c.s;
  }

 private:
  Krl() noexcept = default;
  bytes_view data_{};
  std::uint64_t version_ = 0;
  std::uint64_t generated_ = 0;
  std::string_view comment_{};
};

/// Reads a KRL file into `buffer` (caller storage, e.g. a static array) and parses it. The
/// returned Krl views `buffer`, which MUST outlive it.
[[nodiscard]] inline result<Krl> load_krl_file(const char* path, bytes_span buffer) noexcept {
  auto n = detail::read_whole_file(path, buffer, false, errc::buffer_too_small,
                                   "KRL file larger than the buffer: ");
  if (!n) return n.error_value();
  return Krl::parse(bytes_view(buffer.data(), *n));
}

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
