// mutauth — a bounded reader for the SSH wire encoding (RFC 4251 §5): byte, boolean, uint32,
// uint64 and length-prefixed strings, all big-endian. Shared by the OpenSSH key, certificate and
// KRL parsers. Every read checks the caller's cap and what is left before it moves; a failed read
// leaves the position unchanged and returns a precise error naming the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "mutauth/error.hpp"

// Declares `var` and assigns it the value of the result `expr`, or returns its error. The
// result lives only inside the if-statement, so a parser with fifteen fields does not keep
// fifteen results (each with a 200-byte error) alive in its frame at once (docs/embedded.md,
// "Sizes": parse_certificate's frame was 5.9 KB on the Cortex-M4).
#define MUTAUTH_PK_TAKE(var, expr)                                              \
  std::remove_cvref_t<decltype(*(expr))> var{};                                 \
  if (auto mutauth_pk_take_ = (expr); !mutauth_pk_take_)                        \
    return mutauth_pk_take_.error_value();                                      \
  else                                                                          \
    var = *mutauth_pk_take_

namespace mutauth {
inline namespace v0 {
namespace pk {
namespace detail {

class ssh_reader {
 public:
  constexpr ssh_reader() noexcept = default;
  constexpr explicit ssh_reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

  /// Bytes not yet consumed.
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return in_.size() - pos_; }
  [[nodiscard]] constexpr bool at_end() const noexcept { return pos_ == in_.size(); }
  /// Bytes consumed so far (offset of the next read).
  [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
  /// The unconsumed bytes, without consuming them.
  [[nodiscard]] constexpr std::span<const std::uint8_t> rest() const noexcept {
    return in_.subspan(pos_);
  }

  /// RFC 4251 §5 `byte`.
  result<std::uint8_t> read_u8(std::string_view field = {}) noexcept {
    if (remaining() < 1) return short_input(field);
    return in_[pos_++];
  }

  /// RFC 4251 §5 `boolean`. The RFC lets a reader take any non-zero byte as TRUE; we accept
  /// only 0 and 1 so that one value has one encoding (signed structures must not be malleable).
  result<bool> read_bool(std::string_view field = {}) noexcept {
    if (remaining() < 1) return short_input(field);
    const std::uint8_t b = in_[pos_];
    if (b > 1) return with_field(error(errc::bad_encoding), field, "boolean is neither 0 nor 1");
    ++pos_;
    return b == 1;
  }

  /// RFC 4251 §5 `uint32`, network byte order.
  result<std::uint32_t> read_u32(std::string_view field = {}) noexcept {
    if (remaining() < 4) return short_input(field);
    const auto v = static_cast<std::uint32_t>(load_be(4));
    pos_ += 4;
    return v;
  }

  /// RFC 4251 §5 `uint64`, network byte order.
  result<std::uint64_t> read_u64(std::string_view field = {}) noexcept {
    if (remaining() < 8) return short_input(field);
    const std::uint64_t v = load_be(8);
    pos_ += 8;
    return v;
  }

  /// Exactly `n` raw bytes (no length prefix), e.g. a magic or a fixed-size field.
  result<std::span<const std::uint8_t>> read_bytes(std::size_t n,
                                                   std::string_view field = {}) noexcept {
    if (remaining() < n) return short_input(field);
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  /// RFC 4251 §5 `string`: uint32 length, then that many bytes. A length above `max_len` is
  /// refused before the input is looked at (too_large), so a hostile length never sizes anything;
  /// a length beyond the input is truncated. The returned span points into the input.
  result<std::span<const std::uint8_t>> read_string(std::size_t max_len,
                                                    std::string_view field = {}) noexcept {
    if (remaining() < 4) return short_input(field);
    const std::uint32_t len = static_cast<std::uint32_t>(load_be(4));
    if (len > max_len) return with_field(error(errc::too_large), field, "length exceeds its bound");
    if (remaining() - 4 < len) return short_input(field);
    auto out = in_.subspan(pos_ + 4, len);
    pos_ += 4 + static_cast<std::size_t>(len);
    return out;
  }

  /// A `string` viewed as characters (key type names, comments, principals). No character-set
  /// check here: callers that need one (no NUL, printable) apply their own rule.
  result<std::string_view> read_text(std::size_t max_len, std::string_view field = {}) noexcept {
    auto s = read_string(max_len, field);
    if (!s) return s.error_value();
    return as_text(*s);
  }

  /// Succeeds only if everything was consumed: structures are closed, trailing bytes refused.
  result<void> expect_end(std::string_view field = {}) noexcept {
    if (!at_end()) return with_field(error(errc::trailing_bytes), field, "bytes after the end");
    return ok();
  }

  [[nodiscard]] static std::string_view as_text(std::span<const std::uint8_t> s) noexcept {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }

 private:
  [[nodiscard]] constexpr std::uint64_t load_be(std::size_t n) const noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | in_[pos_ + i];
    return v;
  }
  static error with_field(error e, std::string_view field, std::string_view what) noexcept {
    if (!field.empty()) e.append(field).append(": ");
    e.append(what);
    return e;
  }
  static error short_input(std::string_view field) noexcept {
    return with_field(error(errc::truncated), field, "input ends inside the field");
  }

  std::span<const std::uint8_t> in_{};
  std::size_t pos_ = 0;
};

}  // namespace detail
}  // namespace pk
}  // namespace v0
}  // namespace mutauth
