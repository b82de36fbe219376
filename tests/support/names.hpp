// What every Catch2 handshake test needs: a service principal name that must parse, and an
// authorization hook that admits every authenticated peer (the tests of refusals bring their own).
#pragma once

#include <catch2/catch.hpp>

#include <string_view>

#include "mutauth/principal.hpp"

namespace mutauth::testing {

inline ServicePrincipal spn(std::string_view text) {
  auto r = ServicePrincipal::parse(text);
  REQUIRE(r);
  return *r;
}

inline bool allow_all(const Principal&) noexcept { return true; }

}  // namespace mutauth::testing
