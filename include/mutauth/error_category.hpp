// mutauth — optional bridge to <system_error>: a std::error_category for errc, so callers who
// use std::error_code can keep doing so. Separate from error.hpp because <system_error> is a
// hosted-only header that the embedded build of the core must not need.
#pragma once

#include <string>        // std::string (error_category::message returns one)
#include <system_error>  // std::error_category, std::error_code

#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {

class mutauth_category_t final : public std::error_category {
 public:
  const char* name() const noexcept override { return "mutauth"; }
  std::string message(int ev) const override {
    return std::string(to_string(static_cast<errc>(ev)));
  }
};

inline const std::error_category& mutauth_category() noexcept {
  static const mutauth_category_t cat;
  return cat;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), mutauth_category()};
}

}  // namespace v0
}  // namespace mutauth

template <>
struct std::is_error_code_enum<mutauth::errc> : std::true_type {};
