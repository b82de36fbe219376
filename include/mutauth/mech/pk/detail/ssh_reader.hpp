// mutauth — a bounded reader for the SSH wire encoding (RFC 4251 §5): byte, boolean, uint32,
// uint64 and length-prefixed strings, all big-endian. Shared by the OpenSSH key, certificate and
// KRL parsers. Every read checks the caller's cap and what is left before it moves.
//
// Errors are sticky, as in RecordDecoder (framing.hpp): the first failed read or check is kept,
// the reader then reports itself at its end, and every later read returns a zero value and does
// nothing. A parser therefore reads its structure field after field as the format lists it and
// looks at the error once, where it needs the values; the error it returns is the one an early
// return at the first failure would have given. The readers of one parse (its nested strings: a
// key blob inside a certificate, a section inside a KRL) share one `error`, so a nested failure
// stops the outer walk too and a parser's frame holds one error, not one per field
// (docs/embedded.md, "Sizes").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {
namespace detail {

class ssh_reader {
 public:
  constexpr ssh_reader() noexcept = default;
  /// A reader that keeps no error: a failed read only ends it. For walking bytes a parser has
  /// already validated (certificate principals and options).
  constexpr explicit ssh_reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}
  /// A reader whose first failure is stored in `first` (unless `first` already holds one, in
  /// which case the reader starts failed). `first` MUST outlive the reader.
  constexpr ssh_reader(std::span<const std::uint8_t> in, error& first) noexcept
      : in_(in), first_(&first) {}

  /// True once a read or check failed, here or in a reader sharing this one's error.
  [[nodiscard]] constexpr bool failed() const noexcept {
    return failed_ || (first_ != nullptr && static_cast<bool>(*first_));
  }
  /// Bytes not yet consumed (none once failed).
  [[nodiscard]] constexpr std::size_t remaining() const noexcept {
    return failed() ? 0 : in_.size() - pos_;
  }
  [[nodiscard]] constexpr bool at_end() const noexcept { return remaining() == 0; }
  /// Bytes consumed so far (offset of the next read).
  [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
  /// The unconsumed bytes, without consuming them.
  [[nodiscard]] constexpr std::span<const std::uint8_t> rest() const noexcept {
    return in_.subspan(in_.size() - remaining());
  }

  /// RFC 4251 §5 `byte`.
  std::uint8_t read_u8(std::string_view field = {}) noexcept {
    const std::uint8_t* p = take(1, field);
    return p ? p[0] : 0;
  }

  /// RFC 4251 §5 `boolean`. The RFC lets a reader take any non-zero byte as TRUE; we accept
  /// only 0 and 1 so that one value has one encoding (signed structures must not be malleable).
  bool read_bool(std::string_view field = {}) noexcept {
    const std::uint8_t* p = take(1, field);
    if (p && *p > 1) refuse(errc::bad_encoding, field, "boolean is neither 0 nor 1", nullptr);
    return p && *p == 1;
  }

  /// RFC 4251 §5 `uint32`, network byte order.
  std::uint32_t read_u32(std::string_view field = {}) noexcept {
    const std::uint8_t* p = take(4, field);
    return p ? static_cast<std::uint32_t>(load_be(p, 4)) : 0;
  }

  /// RFC 4251 §5 `uint64`, network byte order.
  std::uint64_t read_u64(std::string_view field = {}) noexcept {
    const std::uint8_t* p = take(8, field);
    return p ? load_be(p, 8) : 0;
  }

  /// Exactly `n` raw bytes (no length prefix), e.g. a magic or a fixed-size field.
  std::span<const std::uint8_t> read_bytes(std::size_t n, std::string_view field = {}) noexcept {
    const std::uint8_t* p = take(n, field);
    return p ? std::span<const std::uint8_t>(p, n) : std::span<const std::uint8_t>();
  }

  /// RFC 4251 §5 `string`: uint32 length, then that many bytes. A length above `max_len` is
  /// refused before the input is looked at (too_large), so a hostile length never sizes anything;
  /// a length beyond the input is truncated. The returned span points into the input.
  std::span<const std::uint8_t> read_string(std::size_t max_len,
                                            std::string_view field = {}) noexcept {
    if (remaining() < 4) {
      short_input(field);
      return {};
    }
    const std::uint64_t len = load_be(in_.data() + pos_, 4);
    if (len > max_len) {
      refuse(errc::too_large, field, "length exceeds its bound", nullptr);
      return {};
    }
    if (remaining() - 4 < len) {
      short_input(field);
      return {};
    }
    pos_ += 4;
    return read_bytes(static_cast<std::size_t>(len), field);
  }

  /// A `string` of exactly `n` bytes (a key, a signature, a digest): longer is too_large as for
  /// read_string, shorter fails with errc::malformed and the detail `what`. The result is
  /// empty or `n` bytes long.
  std::span<const std::uint8_t> read_string_of(std::size_t n, std::string_view field,
                                               std::string_view what) noexcept {
    const auto s = read_string(n, field);
    check(s.size() == n, errc::malformed, what);
    return failed() ? std::span<const std::uint8_t>() : s;
  }

  /// A `string` viewed as characters (key type names, comments, principals). No character-set
  /// check here: callers that need one (no NUL, printable) apply their own rule.
  std::string_view read_text(std::size_t max_len, std::string_view field = {}) noexcept {
    return as_text(read_string(max_len, field));
  }

  /// Fails unless everything was consumed: structures are closed, trailing bytes refused.
  void expect_end(std::string_view field = {}) noexcept {
    if (!at_end()) refuse(errc::trailing_bytes, field, "bytes after the end", nullptr);
  }

  /// A rule of the format: fails with `code` and the detail `what` unless `cond` holds.
  void check(bool cond, errc code, std::string_view what, const char* hint = nullptr) noexcept {
    if (!cond) [[unlikely]]
      refuse(code, {}, what, hint);
  }
  /// The same for an error that quotes the input: `make()` builds it, and only when it is kept.
  template <class MakeError>
  void check(bool cond, MakeError&& make) noexcept {
    if (!cond) [[unlikely]]
      fail_with(make);
  }
  /// Fails with `code` and the detail `what` (a rule the input broke, whatever its values).
  void fail(errc code, std::string_view what) noexcept { refuse(code, {}, what, nullptr); }
  /// Fails with the error `make()` builds, unless an error is already kept. Out of line, so the
  /// error is built in this frame and not in every parser's (docs/embedded.md, "Sizes").
  template <class MakeError>
  [[gnu::cold, gnu::noinline]] void fail_with(MakeError&& make) noexcept {
    if (!failed()) keep(make());
  }

  [[nodiscard]] static std::string_view as_text(std::span<const std::uint8_t> s) noexcept {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }

 private:
  // The next `n` bytes, consumed; nullptr (and the reader failed) if fewer are left.
  const std::uint8_t* take(std::size_t n, std::string_view field) noexcept {
    if (remaining() < n) {
      short_input(field);
      return nullptr;
    }
    const std::uint8_t* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  static constexpr std::uint64_t load_be(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
  }
  // "<field>: <what>", or "<what>" for an unnamed field. Out of line for the reason fail_with is.
  [[gnu::cold, gnu::noinline]] void refuse(errc code, std::string_view field, std::string_view what,
                                           const char* hint) noexcept {
    if (failed()) return;
    error e(code);
    if (!field.empty()) e.append(field).append(": ");
    e.append(what);
    keep(e.with_hint(hint));
  }
  void short_input(std::string_view field) noexcept {
    refuse(errc::truncated, field, "input ends inside the field", nullptr);
  }
  void keep(const error& e) noexcept {
    failed_ = true;
    pos_ = in_.size();
    if (first_ != nullptr) *first_ = e;
  }

  std::span<const std::uint8_t> in_{};
  std::size_t pos_ = 0;
  error* first_ = nullptr;
  bool failed_ = false;
};

}  // namespace detail
}  // namespace pk
}  // namespace v0
}  // namespace mutauth
