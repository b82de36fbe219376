// framing.hpp on its own: the record codec compiles and works without handshake.hpp (it is a
// codec only; handshake.hpp's feed_record() joins it to a handshake). This file must include no
// other mutauth header.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "mutauth/framing.hpp"

using namespace mutauth;

namespace {
// Found by ADL (record and RecordDecoder live in mutauth) if anything declared it; the positive
// control is in test_framing.cpp, which includes handshake.hpp and asserts the opposite.
template <class T>
concept has_feed_record = requires(T& t, const record& r) {
  feed_record(t, r);
};
}  // namespace

static_assert(!has_feed_record<RecordDecoder<>>, "framing.hpp must not define feed_record");
static_assert(!has_feed_record<record>, "framing.hpp must not define feed_record");

TEST_CASE("framing.hpp alone: encode and decode a handshake and an alert record",
          "[unit][framing]") {
  std::array<std::uint8_t, 32> wire{};
  const std::array<std::uint8_t, 3> body{1, 2, 3};
  auto n = encode_record(record_type::handshake, body, wire);
  REQUIRE(n);
  CHECK(*n == record_header_size + body.size());
  const std::uint8_t reason = static_cast<std::uint8_t>(alert_reason::unauthorized);
  auto m = encode_record(record_type::alert, bytes_view(&reason, 1), bytes_span(wire).subspan(*n));
  REQUIRE(m);
  RecordDecoder<64> d;
  bytes_view in(wire.data(), *n + *m);
  std::vector<record_type> types;
  std::vector<std::uint8_t> last_body;
  while (!in.empty()) {
    auto r = d.decode(in);
    REQUIRE(r);
    if (r->has_record) {
      types.push_back(r->rec.type);
      last_body.assign(r->rec.body.begin(), r->rec.body.end());
    }
    in = in.subspan(r->consumed);
  }
  REQUIRE(types.size() == 2);
  CHECK(types[0] == record_type::handshake);
  CHECK(types[1] == record_type::alert);
  CHECK(last_body == std::vector<std::uint8_t>{3});
  CHECK(d.idle());
  const std::array<std::uint8_t, 4> app{0x17, 0, 1, 0};
  CHECK(d.decode(app).code() == errc::app_data_before_auth);
}
