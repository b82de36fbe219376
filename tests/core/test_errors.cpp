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

TEST_CASE("error details are safe to log: bytes outside printable ASCII are escaped",
          "[unit][error]") {
  // A Kerberos ticket's server name or a certificate key id can carry any byte an attacker
  // chooses; it must not reach a log as a raw control character (fuzz finding, krb5_acceptor).
  error e(errc::malformed, std::string_view("fuzz/serv\0\x01\x86\n", 13));
  CHECK(e.detail() == "fuzz/serv\\x00\\x01\\x86\\x0a");
  error f(errc::malformed, "ok: ");
  f.append("\x1b[31mred");
  CHECK(f.detail() == "ok: \\x1b[31mred");
  // An escape is never cut in half at the bound.
  std::string fill(error::max_detail - 2, 'a');
  error g(errc::malformed, fill);
  g.append("\x01");
  CHECK(g.detail() == fill);
}
