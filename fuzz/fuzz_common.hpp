// mutauth fuzz targets — shared harness pieces: the invariant check, an input cursor, and (for
// the pk targets, fuzz_pk.hpp) fixed keys and a deterministic RNG. Nothing here is library code:
// it exists so that each target stays a short list of what it feeds and what must hold.
#pragma once

#include <algorithm>    // std::equal
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstdio>       // std::fprintf: say which invariant broke before trapping
#include <string_view>  // text views of the input
#include <vector>       // owned copies of messages

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"

// A violated invariant is a finding, not an input error: trap so that libFuzzer (and the replay
// programs) report it with a stack, after naming the rule that broke.
#define MUTAUTH_FUZZ_CHECK(cond)                                                                 \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                                          \
    }                                                                                            \
  } while (0)

namespace mutauth {
inline namespace v0 {
namespace fuzz {

/// Reads control values off the front of a fuzz input. Running out yields zeros rather than an
/// error, so that every input — however short — is still a valid program for the harness.
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) noexcept : rest_(data, size) {}
  std::uint8_t u8() noexcept {
    if (rest_.empty()) return 0;
    const std::uint8_t v = rest_[0];
    rest_ = rest_.subspan(1);
    return v;
  }
  std::uint16_t u16() noexcept {  // big-endian; two statements: the operands of | are unsequenced
    const unsigned hi = u8();
    const unsigned lo = u8();
    return static_cast<std::uint16_t>((hi << 8) | lo);
  }
  bytes_view take(std::size_t n) noexcept {
    if (n > rest_.size()) n = rest_.size();
    const bytes_view v = rest_.first(n);
    rest_ = rest_.subspan(n);
    return v;
  }
  [[nodiscard]] bytes_view rest() const noexcept { return rest_; }
  [[nodiscard]] bool empty() const noexcept { return rest_.empty(); }

 private:
  bytes_view rest_;
};

using bytes = std::vector<std::uint8_t>;
inline bytes copy(bytes_view v) { return bytes(v.begin(), v.end()); }
inline bool same(bytes_view a, bytes_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

/// The input of a target whose first byte picks a mode (modulo `modes`) for the bytes after it.
struct mode_input {
  mode_input(const std::uint8_t* data, std::size_t size, int modes) {
    input in(data, size);
    mode = in.u8() % modes;
    fz = copy(in.rest());
  }
  int mode = 0;
  bytes fz;
};

inline std::string_view as_text(bytes_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Error details end up in logs; the library promises that hostile bytes are escaped there
/// (principal.hpp, keys.hpp), so no control character may ever appear in one.
inline bool detail_is_log_safe(const error& e) noexcept {
  for (char c : e.detail()) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
