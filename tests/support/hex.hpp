// Hex for test data and diagnostics: lower-case encoding, and strict decoding that throws (a
// Catch2 test then fails at the bad vector, not later at a wrong comparison).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mutauth/bytes.hpp"

namespace mutauth::testing {

inline std::string hex(bytes_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (const std::uint8_t c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

/// Throws std::invalid_argument on an odd length or a character that is not a hex digit.
inline std::vector<std::uint8_t> unhex(std::string_view h) {
  if (h.size() % 2 != 0) throw std::invalid_argument("odd-length hex: " + std::string(h));
  const auto nibble = [h](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex: " + std::string(h));
  };
  std::vector<std::uint8_t> out(h.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
  return out;
}

}  // namespace mutauth::testing
