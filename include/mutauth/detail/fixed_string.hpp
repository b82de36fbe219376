// mutauth — fixed-capacity strings and ASCII helpers for names.
// Not part of the public API. Freestanding-friendly: no <string>, no locale; names on the wire and
// in certificates are ASCII byte strings, and the C locale functions (tolower, isalnum) are both
// locale-dependent and unavailable on bare-metal targets, so the few we need are written here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {
namespace detail {

// --- ASCII helpers (byte-wise; bytes >= 0x80 are never letters or digits) ---

[[nodiscard]] constexpr bool ascii_is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr bool ascii_is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
[[nodiscard]] constexpr bool ascii_is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
[[nodiscard]] constexpr bool ascii_is_alpha(char c) noexcept {
  return ascii_is_upper(c) || ascii_is_lower(c);
}
[[nodiscard]] constexpr bool ascii_is_alnum(char c) noexcept {
  return ascii_is_alpha(c) || ascii_is_digit(c);
}
/// Printable and not a space: 0x21..0x7E.
[[nodiscard]] constexpr bool ascii_is_graph(char c) noexcept { return c > ' ' && c <= '~'; }
[[nodiscard]] constexpr char ascii_to_lower(char c) noexcept {
  return ascii_is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
/// ASCII case-insensitive equality (DNS names compare this way: RFC 4343 §3).
[[nodiscard]] constexpr bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_to_lower(a[i]) != ascii_to_lower(b[i])) return false;
  }
  return true;
}

/// A string of at most N chars stored inline with a NUL terminator. Never allocates; an append
/// that would not fit fails and leaves the string unchanged, so a truncated name can never be
/// mistaken for the real one.
template <std::size_t N>
class fixed_string {
  static_assert(N > 0 && N <= 0xFFFF, "fixed_string capacity must be 1..65535");
  using size_type = std::conditional_t<(N <= 0xFF), std::uint8_t, std::uint16_t>;

 public:
  static constexpr std::size_t max_size = N;

  constexpr fixed_string() noexcept = default;

  /// Checked factory: fails with errc::too_large when `s` is longer than N.
  [[nodiscard]] static result<fixed_string> from(std::string_view s) noexcept {
    fixed_string out;
    if (!out.append(s)) return error(errc::too_large, "string longer than its fixed capacity");
    return out;
  }

  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return N; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return len_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return len_ == 0; }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {buf_.data(), len_}; }
  [[nodiscard]] constexpr const char* c_str() const noexcept { return buf_.data(); }
  [[nodiscard]] constexpr const char* data() const noexcept { return buf_.data(); }
  [[nodiscard]] constexpr char operator[](std::size_t i) const noexcept { return buf_[i]; }

  constexpr void clear() noexcept {
    len_ = 0;
    buf_[0] = '\0';
  }

  /// Appends all of `s`, or nothing (returns false) when it would exceed N.
  [[nodiscard]] constexpr bool append(std::string_view s) noexcept {
    if (s.size() > N - len_) return false;
    for (char c : s) buf_[len_++] = c;
    buf_[len_] = '\0';
    return true;
  }

  [[nodiscard]] constexpr bool push_back(char c) noexcept {
    if (len_ >= N) return false;
    buf_[len_++] = c;
    buf_[len_] = '\0';
    return true;
  }

  /// Appends `v` in decimal (ports, certificate serials), or nothing when it would not fit.
  [[nodiscard]] constexpr bool append_uint(std::uint64_t v) noexcept {
    char digits[20] = {};  // 2^64-1 has 20 decimal digits
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    if (n > N - len_) return false;
    while (n > 0) buf_[len_++] = digits[--n];
    buf_[len_] = '\0';
    return true;
  }

  template <std::size_t M>
  [[nodiscard]] friend constexpr bool operator==(const fixed_string& a,
                                                 const fixed_string<M>& b) noexcept {
    return a.view() == b.view();
  }
  [[nodiscard]] friend constexpr bool operator==(const fixed_string& a,
                                                 std::string_view b) noexcept {
    return a.view() == b;
  }

 private:
  std::array<char, N + 1> buf_{};
  size_type len_ = 0;
};

}  // namespace detail
}  // namespace v0
}  // namespace mutauth
