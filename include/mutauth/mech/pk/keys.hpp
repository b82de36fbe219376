// mutauth — Ed25519 identity keys as stock `ssh-keygen -t ed25519` writes them:
// the public line of `id_ed25519.pub`, the SSH wire blob, and the unencrypted
// `-----BEGIN OPENSSH PRIVATE KEY-----` file (OpenSSH PROTOCOL.key). docs/design.md §4: identity keys are
// these files; an encrypted key gets a clear "not supported" error. No heap, no exceptions; every
// buffer that ever held secret bytes is wiped on every path.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>
#include <utility>

#include "mutauth/detail/secret.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mech/pk/detail/file.hpp"
#include "mutauth/mech/pk/detail/ssh_reader.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

/// The SSH name of the only key algorithm the mechanism accepts (RFC 8709 §4).
inline constexpr std::string_view ed25519_key_type = "ssh-ed25519";

/// Files larger than this are refused before parsing (an Ed25519 key file is about 400 bytes).
inline constexpr std::size_t max_key_file_size = 16 * 1024;

/// Longest key comment kept; a longer one is refused rather than silently cut.
inline constexpr std::size_t max_key_comment = 255;

/// Size of the SSH wire blob of an Ed25519 public key: string("ssh-ed25519") + string(32 bytes).
inline constexpr std::size_t ed25519_blob_size = 4 + 11 + 4 + 32;

/// An Ed25519 public key. Public data: plain comparison is fine.
struct Ed25519PublicKey {
  std::array<std::uint8_t, 32> bytes{};

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) noexcept {
    return a.bytes == b.bytes;
  }
};

/// The OpenSSH fingerprint text `SHA256:<base64 without padding>` (as `ssh-keygen -l` prints).
class SshFingerprint {
 public:
  static constexpr std::size_t prefix_size = 7;  // "SHA256:"
  static constexpr std::size_t max_size = prefix_size + 43;

  [[nodiscard]] std::string_view view() const noexcept { return {buf_.data(), len_}; }
  friend bool operator==(const SshFingerprint& a, std::string_view b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const SshFingerprint& a, const SshFingerprint& b) noexcept {
    return a.view() == b.view();
  }

 private:
  friend SshFingerprint fingerprint(const Ed25519PublicKey& key) noexcept;
  std::array<char, max_size + 1> buf_{};
  std::size_t len_ = 0;
};

namespace detail {

inline void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

/// Appends `s` to the error detail with anything outside printable ASCII shown as '?', so that
/// attacker-chosen bytes (a key type name) cannot inject control characters into logs.
inline error& append_printable(error& e, std::string_view s, std::size_t max = 64) noexcept {
  std::array<char, 65> tmp{};
  std::size_t n = 0;
  for (char c : s) {
    if (n >= max || n >= tmp.size()) break;
    tmp[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return e.append({tmp.data(), n});
}

inline error unsupported_type(std::string_view type) noexcept {
  error e(errc::unsupported_key_type, "unsupported key type ");
  append_printable(e, type);
  e.append(" (only ssh-ed25519 is accepted)");
  return e;
}

/// RFC 8709 §4 / RFC 4253 §6.6: the blob is string(type) then string(32-byte key), nothing more.
/// A failure is kept in `r`'s error and gives the zero key.
inline Ed25519PublicKey read_blob(ssh_reader r) noexcept {
  const std::string_view type = r.read_text(64, "key type");
  r.check(type == ed25519_key_type, [&] { return unsupported_type(type); });
  const auto key = r.read_string_of(32, "ssh-ed25519 key", "ssh-ed25519 key is not 32 bytes");
  r.expect_end("public key blob");
  Ed25519PublicKey out;
  std::copy(key.begin(), key.end(), out.bytes.begin());
  return out;
}

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// string_view::substr may throw; every cut here is in range by construction, so slice directly.
inline std::string_view slice(std::string_view s, std::size_t from, std::size_t n) noexcept {
  return {s.data() + from, n};
}

/// One line of a `.pub` / `-cert.pub` file without its surrounding blanks and final CR/LF.
inline std::string_view trim_line(std::string_view line) noexcept {
  while (!line.empty() && (is_blank(line.back()) || line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  return line;
}

/// A control character other than TAB: a second line or a NUL would let one "line" carry two
/// keys or hide text from tools.
inline bool has_control(std::string_view line) noexcept {
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

/// The first two blank-separated fields of a trimmed `type base64 [comment]` line; what
/// follows is the comment, free text, not kept.
struct key_line {
  std::string_view type;
  std::string_view data;
};
inline key_line split_key_line(std::string_view line) noexcept {
  std::size_t i = 0;
  while (i < line.size() && !is_blank(line[i])) ++i;
  const std::string_view type = slice(line, 0, i);
  while (i < line.size() && is_blank(line[i])) ++i;
  std::size_t j = i;
  while (j < line.size() && !is_blank(line[j])) ++j;
  return {type, slice(line, i, j - i)};
}

}  // namespace detail

/// The SSH wire blob of the key (RFC 8709 §4): what fingerprints and certificates hash and embed.
[[nodiscard]] inline std::array<std::uint8_t, ed25519_blob_size> wire_blob(
    const Ed25519PublicKey& key) noexcept {
  std::array<std::uint8_t, ed25519_blob_size> b{};
  detail::put_u32(b.data(), 11);
  for (std::size_t i = 0; i < 11; ++i) b[4 + i] = static_cast<std::uint8_t>(ed25519_key_type[i]);
  detail::put_u32(b.data() + 15, 32);
  for (std::size_t i = 0; i < 32; ++i) b[19 + i] = key.bytes[i];
  return b;
}

/// OpenSSH's default fingerprint: SHA-256 of the wire blob, base64 without '=' padding
/// (sshkey_fingerprint with SSH_FP_SHA256 / SSH_FP_BASE64).
[[nodiscard]] inline SshFingerprint fingerprint(const Ed25519PublicKey& key) noexcept {
  const auto blob = wire_blob(key);
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), blob.data(), blob.size());
  SshFingerprint fp;
  constexpr std::string_view prefix = "SHA256:";
  for (std::size_t i = 0; i < prefix.size(); ++i) fp.buf_[i] = prefix[i];
  static_assert(SshFingerprint::max_size + 1 - SshFingerprint::prefix_size >=
                sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING));
  sodium_bin2base64(fp.buf_.data() + prefix.size(), fp.buf_.size() - prefix.size(), digest.data(),
                    digest.size(), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  fp.len_ = prefix.size() + std::string_view(fp.buf_.data() + prefix.size()).size();
  return fp;
}

/// Parses the SSH wire blob of an Ed25519 public key (RFC 8709 §4).
[[nodiscard]] inline result<Ed25519PublicKey> parse_public_key_blob(
    std::span<const std::uint8_t> blob) noexcept {
  error first;
  const Ed25519PublicKey key = detail::read_blob(detail::ssh_reader(blob, first));
  if (first) return first;
  return key;
}

/// Parses one `ssh-ed25519 AAAA... [comment]` line as in `id_ed25519.pub` (sshd(8) AUTHORIZED_KEYS
/// FILE FORMAT without options). Surrounding blanks and a final CR/LF are allowed; the type in the
/// text must equal the type inside the blob so that the line cannot say one thing and mean another.
[[nodiscard]] inline result<Ed25519PublicKey> parse_public_key_line(
    std::string_view line) noexcept {
  line = detail::trim_line(line);
  if (line.empty()) return error(errc::malformed, "empty public key line");
  if (line.size() > max_key_file_size) return error(errc::too_large, "public key line too long");
  if (detail::has_control(line))
    return error(errc::malformed, "control character in public key line");
  const detail::key_line fields = detail::split_key_line(line);
  const std::string_view type = fields.type, b64 = fields.data;
  if (type.size() > 64) return error(errc::too_large, "key type name too long");
  if (type != ed25519_key_type) return detail::unsupported_type(type);
  if (b64.empty()) return error(errc::malformed, "no key data after the key type");

  std::array<std::uint8_t, 512> blob{};
  if (b64.size() > blob.size() / 3 * 4) return error(errc::too_large, "public key blob too long");
  std::size_t blob_len = 0;
  const char* b64_end = nullptr;
  if (sodium_base642bin(blob.data(), blob.size(), b64.data(), b64.size(), nullptr, &blob_len,
                        &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      b64_end != b64.data() + b64.size())
    return error(errc::bad_encoding, "public key data is not valid base64");

  // A failed read of the type is reported by parse_public_key_blob, which reads it first too.
  detail::ssh_reader r({blob.data(), blob_len});
  const std::string_view blob_type = r.read_text(64, "key type");
  if (!r.failed() && blob_type != type) {
    error e(errc::malformed, "key type in text (");
    detail::append_printable(e, type).append(") differs from the type in the blob (");
    detail::append_printable(e, blob_type).append(")");
    return e;
  }
  return parse_public_key_blob({blob.data(), blob_len});
}

/// An Ed25519 identity key. Holds libsodium's 64-byte secret (seed || public key); never copied,
/// never handed out, wiped on destruction and when moved from.
class Ed25519SecretKey {
 public:
  // Every member wipes itself (mutauth/detail/secret.hpp): a moved-from key is zero and invalid.
  Ed25519SecretKey(Ed25519SecretKey&&) noexcept = default;
  Ed25519SecretKey& operator=(Ed25519SecretKey&&) noexcept = default;

  /// Derives the key pair from a 32-byte seed (RFC 8032 §5.1.5), e.g. for tests or a key
  /// generated with randombytes_buf. The seed is the caller's to wipe.
  [[nodiscard]] static result<Ed25519SecretKey> from_seed(std::span<const std::uint8_t, 32> seed,
                                                          std::string_view comment = {}) noexcept {
    if (sodium_init() < 0) return error(errc::mechanism_failure, "sodium_init failed");
    if (comment.size() > max_key_comment)
      return error(errc::too_large, "key comment longer than 255 bytes");
    Ed25519SecretKey k;
    crypto_sign_ed25519_seed_keypair(k.pk_->bytes.data(), k.sk_.data(), seed.data());
    k.set_comment(comment);
    k.valid_ = true;
    return k;
  }

  [[nodiscard]] const Ed25519PublicKey& public_key() const noexcept { return pk_; }
  [[nodiscard]] std::string_view comment() const noexcept {
    return {comment_.data(), comment_len_};
  }
  /// False only for a moved-from key.
  [[nodiscard]] bool valid() const noexcept { return valid_; }

  /// Ed25519 signature of `msg` (RFC 8032 §5.1.6). A moved-from key refuses (wrong_state) and
  /// leaves `sig` zeroed, so that no signature under an all-zero key ever leaves the process.
  result<void> sign(std::span<const std::uint8_t> msg,
                    std::span<std::uint8_t, 64> sig) const noexcept {
    if (!valid_) {
      sodium_memzero(sig.data(), sig.size());
      return error(errc::wrong_state, "signing with a moved-from key");
    }
    static constexpr std::uint8_t empty = 0;
    const std::uint8_t* m = msg.empty() ? &empty : msg.data();
    crypto_sign_ed25519_detached(sig.data(), nullptr, m, msg.size(), sk_.data());
    return ok();
  }

 private:
  friend result<Ed25519SecretKey> parse_private_key(std::string_view pem_text) noexcept;
  Ed25519SecretKey() noexcept = default;

  void set_comment(std::string_view c) noexcept {
    for (std::size_t i = 0; i < c.size(); ++i) comment_[i] = c[i];
    comment_len_ = c.size();
  }

  mutauth::detail::WipedArray<crypto_sign_ed25519_SECRETKEYBYTES> sk_;
  mutauth::detail::Secret<Ed25519PublicKey> pk_;
  mutauth::detail::WipedArray<max_key_comment, char> comment_;
  mutauth::detail::Secret<std::size_t> comment_len_;
  mutauth::detail::Secret<bool> valid_;
};

namespace detail {

inline constexpr std::string_view pem_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
inline constexpr std::string_view pem_end = "-----END OPENSSH PRIVATE KEY-----";
inline constexpr const char* encrypted_hint =
    "remove the passphrase with ssh-keygen -p, or use an agent";

/// Decoded size bound: base64 turns 4 characters into 3 bytes, and the text is capped.
inline constexpr std::size_t max_private_blob = max_key_file_size / 4 * 3;

/// Strips the armor and decodes the base64 body into `out`. The armor lines must be exact; the
/// body may be wrapped with LF or CRLF; after the END line only blank space may follow.
inline result<std::size_t> unarmor(std::string_view text, std::span<std::uint8_t> out) noexcept {
  if (text.size() > max_key_file_size)
    return error(errc::too_large, "private key file larger than 16 KiB");
  if (!text.starts_with(pem_begin)) {
    if (text.starts_with("-----BEGIN "))
      return error(errc::bad_encoding, "not an OpenSSH-format private key (other PEM type)",
                   "convert it with ssh-keygen -p -f <file>, which rewrites it in OpenSSH format");
    return error(errc::bad_encoding, "missing -----BEGIN OPENSSH PRIVATE KEY----- line");
  }
  text.remove_prefix(pem_begin.size());
  if (text.starts_with("\r\n")) text.remove_prefix(2);
  else if (text.starts_with("\n")) text.remove_prefix(1);
  else return error(errc::bad_encoding, "no line break after the BEGIN line");

  const std::size_t end_at = text.find(pem_end);
  if (end_at == std::string_view::npos)
    return error(errc::bad_encoding, "missing -----END OPENSSH PRIVATE KEY----- line");
  if (end_at != 0 && text[end_at - 1] != '\n')
    return error(errc::bad_encoding, "END line does not start a line");
  const std::string_view body = slice(text, 0, end_at);
  const std::size_t tail_at = end_at + pem_end.size();
  const std::string_view after = slice(text, tail_at, text.size() - tail_at);
  for (char c : after)
    if (c != '\r' && c != '\n' && !is_blank(c))
      return error(errc::trailing_bytes, "text after the END line");

  std::size_t len = 0;
  const char* b64_end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), body.data(), body.size(), "\r\n", &len, &b64_end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      b64_end != body.data() + body.size())
    return error(errc::bad_encoding, "private key body is not valid base64");
  return len;
}

}  // namespace detail

/// Parses an unencrypted OpenSSH private key file holding one Ed25519 key (PROTOCOL.key).
[[nodiscard]] inline result<Ed25519SecretKey> parse_private_key(
    std::string_view pem_text) noexcept {
  if (sodium_init() < 0) return error(errc::mechanism_failure, "sodium_init failed");
  // The decoded file holds the secret seed: it lives in a buffer wiped on every return path.
  mutauth::detail::WipedArray<detail::max_private_blob> raw;
  auto decoded = detail::unarmor(pem_text, raw);
  if (!decoded) return decoded.error_value();
  error first;
  detail::ssh_reader r({raw.data(), *decoded}, first);

  // PROTOCOL.key §1: AUTH_MAGIC "openssh-key-v1" including its terminating NUL.
  constexpr std::string_view magic{"openssh-key-v1\0", 15};
  r.check(detail::ssh_reader::as_text(r.read_bytes(magic.size(), "magic")) == magic,
          errc::bad_encoding, "not an openssh-key-v1 key (bad magic)");
  const std::string_view cipher = r.read_text(64, "ciphername");
  const std::string_view kdf = r.read_text(64, "kdfname");
  const bool kdf_options = !r.read_string(1024, "kdfoptions").empty();
  r.check(cipher == "none" && kdf == "none", errc::encrypted_key_unsupported,
          "the key file is protected by a passphrase", detail::encrypted_hint);
  // PROTOCOL.key §2: options exist only for a real KDF; "none" with options is malformed.
  r.check(!kdf_options, errc::malformed, "kdfoptions present with kdfname none");
  r.check(r.read_u32("number of keys") == 1, errc::malformed, "key file must hold exactly one key");
  const Ed25519PublicKey pub =
      detail::read_blob(detail::ssh_reader(r.read_string(1024, "public key"), first));
  const auto priv_section = r.read_string(detail::max_private_blob, "private keys");
  r.expect_end("private key file");
  // PROTOCOL.key §3: the list is padded to the cipher block size, 8 for cipher "none".
  constexpr std::size_t block = 8;
  r.check(priv_section.size() % block == 0, errc::malformed,
          "private section is not a multiple of the block size");

  detail::ssh_reader p(priv_section, first);
  const std::uint32_t check1 = p.read_u32("checkint");
  const std::uint32_t check2 = p.read_u32("checkint");
  // PROTOCOL.key §3: equal checkints are how OpenSSH tells a good decryption; unencrypted they
  // still catch a damaged file.
  p.check(check1 == check2, errc::malformed, "check integers differ (corrupt key)");
  p.check(p.read_text(64, "private key type") == ed25519_key_type, errc::key_mismatch,
          "private key type differs from the public key type");
  const auto priv_pk =
      p.read_string_of(32, "private section public key", "ssh-ed25519 key is not 32 bytes");
  const auto priv_sk =
      p.read_string_of(64, "private section secret key", "ssh-ed25519 secret key is not 64 bytes");
  const std::string_view comment = p.read_text(max_key_comment, "comment");
  // PROTOCOL.key §3: padding bytes 1, 2, 3, ... up to the block size; fewer than one block.
  const auto pad = p.rest();
  p.check(pad.size() < block, errc::trailing_bytes, "bytes after the private key list");
  bool padding_ok = true;
  for (std::size_t i = 0; i < pad.size(); ++i)
    padding_ok = padding_ok && pad[i] == static_cast<std::uint8_t>(i + 1);
  p.check(padding_ok, errc::bad_encoding, "bad padding in the private section");
  if (first) return first;

  // One key, three copies of its public half: public section, private section, and the tail of
  // libsodium's seed||pk secret. All must agree, and the seed must actually produce it.
  if (!std::equal(priv_pk.begin(), priv_pk.end(), pub.bytes.begin()))
    return error(errc::key_mismatch,
                 "public key in the public section differs from the private section");
  std::array<std::uint8_t, 32> tail{};
  crypto_sign_ed25519_sk_to_pk(tail.data(), priv_sk.data());
  if (tail != pub.bytes)
    return error(errc::key_mismatch, "secret key does not end with its public key");
  mutauth::detail::WipedArray<crypto_sign_ed25519_SECRETKEYBYTES> derived_sk;
  std::array<std::uint8_t, 32> derived_pk{};
  crypto_sign_ed25519_seed_keypair(derived_pk.data(), derived_sk.data(), priv_sk.data());
  if (sodium_memcmp(derived_sk.data(), priv_sk.data(), 64) != 0 || derived_pk != pub.bytes)
    return error(errc::key_mismatch, "secret seed does not produce the stored public key");

  Ed25519SecretKey key;
  for (std::size_t i = 0; i < 64; ++i) key.sk_[i] = priv_sk[i];
  key.pk_ = pub;
  key.set_comment(comment);
  key.valid_ = true;
  return key;
}

namespace detail {

/// Reads a whole small file into `buf`; `secret` turns off stdio buffering so that the only copy
/// of the bytes is the caller's buffer (which the caller wipes), not a libc heap buffer.
inline result<std::size_t> read_small_file(const char* path, std::span<char> buf,
                                           bool secret) noexcept {
  return read_whole_file(path, buf.first(std::min(buf.size(), max_key_file_size)), secret,
                         errc::too_large, "key file larger than 16 KiB: ");
}

}  // namespace detail

/// Loads an OpenSSH private key file (e.g. ~/.ssh/id_ed25519); see parse_private_key.
[[nodiscard]] inline result<Ed25519SecretKey> load_private_key_file(const char* path) noexcept {
  mutauth::detail::WipedArray<max_key_file_size + 1, char> buf;
  auto n = detail::read_small_file(path, buf, true);
  if (!n) return n.error_value();
  return parse_private_key({buf.data(), *n});
}

/// Loads a one-line public key file (e.g. ~/.ssh/id_ed25519.pub); see parse_public_key_line.
[[nodiscard]] inline result<Ed25519PublicKey> load_public_key_file(const char* path) noexcept {
  std::array<char, max_key_file_size + 1> buf{};
  auto n = detail::read_small_file(path, buf, false);
  if (!n) return n.error_value();
  return parse_public_key_line({buf.data(), *n});
}

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
