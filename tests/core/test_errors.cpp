#include <catch2/catch.hpp>

#include <string>

#include "mutauth/error.hpp"
#include "mutauth/error_category.hpp"

using namespace mutauth;

TEST_CASE("error codes carry their category in the high byte", "[unit][error]") {
  CHECK(category_of(errc::truncated) == error_category_id::malformed);
  CHECK(category_of(errc::name_single_label) == error_category_id::malformed);
  CHECK(category_of(errc::app_data_before_auth) == error_category_id::protocol);
  CHECK(category_of(errc::name_mismatch) == error_category_id::identity);
  CHECK(category_of(errc::clock_skew) == error_category_id::environment);
  CHECK(category_of(errc::buffer_too_small) == error_category_id::misuse);
}

TEST_CASE("error detail is bounded and hints are kept", "[unit][error]") {
  std::string long_text(1000, 'x');
  error e(errc::malformed, long_text, "try again");
  CHECK(e.detail().size() == error::max_detail);
  CHECK(e.hint() == "try again");
  CHECK(e.code() == errc::malformed);
  error plain(errc::revoked);
  CHECK(plain.what() == "credential revoked");
  CHECK(plain.hint().empty());
}

TEST_CASE("result<T> holds a value or an error", "[unit][error]") {
  result<int> good = 7;
  REQUIRE(good);
  CHECK(*good == 7);
  CHECK(good.code() == errc::ok);
  result<int> bad = error(errc::expired, "certificate expired at 2020-01-01");
  REQUIRE_FALSE(bad);
  CHECK(bad.code() == errc::expired);
  CHECK(bad.error_value().detail() == "certificate expired at 2020-01-01");
  result<void> v;
  CHECK(v);
  result<void> vbad = errc::unauthorized;
  CHECK_FALSE(vbad);
}

TEST_CASE("std::error_code interop", "[unit][error]") {
  std::error_code ec = errc::clock_skew;
  CHECK(ec.category().name() == std::string("mutauth"));
  CHECK(ec.message() == "clock skew too great");
}
