#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"  // feed_record()
#include "support/names.hpp"
#include "support/scripted_mechanism.hpp"

using namespace mutauth;
using mutauth::testing::Scripted;

namespace {
std::vector<std::uint8_t> rec(record_type t, std::vector<std::uint8_t> body) {
  std::vector<std::uint8_t> out(record_header_size + body.size());
  auto n = encode_record(t, body, out);
  REQUIRE(n);
  out.resize(*n);
  return out;
}
// The positive control of test_framing_only.cpp's check that framing.hpp alone does not
// declare feed_record: with handshake.hpp included, ADL finds it.
template <class T>
concept has_feed_record = requires(T& t, const record& r) {
  feed_record(t, r);
};
static_assert(has_feed_record<Acceptor<Scripted>>);
static_assert(has_feed_record<RecordDecoder<>>);  // unconstrained: what the other TU refutes

// A finished 2-message scripted exchange's acceptor session.
result<Session<Scripted>> make_session() {
  Scripted::InitiatorConfig ic{2, "alice", testing::misbehave::none};
  Scripted::AcceptorConfig ac{2, "host/server.example.test", testing::misbehave::none};
  Initiator<Scripted> init(*ServicePrincipal::parse("host/server.example.test"), ic);
  Acceptor<Scripted> acc(ac, testing::allow_all);
  auto r1 = init.step();
  std::vector<std::uint8_t> t1(r1.token.begin(), r1.token.end());
  auto r2 = acc.step(t1);
  std::vector<std::uint8_t> t2(r2.token.begin(), r2.token.end());
  (void)init.step(t2);
  return std::move(acc).finish();
}

struct Collected {
  record_type type;
  std::vector<std::uint8_t> body;
};
// Feeds `stream` in chunks of `chunk` bytes; collects every record.
template <std::size_t N>
result<void> feed_all(RecordDecoder<N>& d, const std::vector<std::uint8_t>& stream,
                      std::size_t chunk, std::vector<Collected>& got) {
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n = std::min(chunk, stream.size() - pos);
    bytes_view in(stream.data() + pos, n);
    while (!in.empty()) {
      auto r = d.decode(in);
      if (!r) return r.error_value();
      if (r->has_record) got.push_back({r->rec.type, {r->rec.body.begin(), r->rec.body.end()}});
      in = in.subspan(r->consumed);
    }
    pos += n;
  }
  return ok();
}
}  // namespace

TEST_CASE("the decoder reassembles records arriving a byte at a time or many at once",
          "[unit][framing]") {
  std::vector<std::uint8_t> stream;
  std::vector<std::vector<std::uint8_t>> bodies;
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    std::vector<std::uint8_t> body(1 + rng() % 700);
    for (auto& b : body) b = static_cast<std::uint8_t>(rng());
    bodies.push_back(body);
    auto r = rec(record_type::handshake, body);
    stream.insert(stream.end(), r.begin(), r.end());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7},
                            std::size_t{100}, std::size_t{4096}, stream.size()}) {
    CAPTURE(chunk);
    RecordDecoder<> d;
    std::vector<Collected> got;
    REQUIRE(feed_all(d, stream, chunk, got));
    REQUIRE(got.size() == bodies.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].type == record_type::handshake);
      CHECK(got[i].body == bodies[i]);
    }
    CHECK(d.idle());
  }
}

TEST_CASE("application records are refused before a session exists, at the header",
          "[unit][framing]") {
  RecordDecoder<> d;
  auto stream = rec(record_type::application, {1, 2, 3});
  auto r = d.decode(bytes_view(stream.data(), 3));  // only the header
  REQUIRE_FALSE(r);
  CHECK(r.code() == errc::app_data_before_auth);
  CHECK(d.failed());
  CHECK(d.decode(stream).code() == errc::app_data_before_auth);  // sticky
}

TEST_CASE("an established session opens the gate for application records", "[unit][framing]") {
  Scripted::InitiatorConfig ic{2};
  Scripted::AcceptorConfig ac{2};
  Initiator<Scripted> init(*ServicePrincipal::parse("host/server.example.test"), ic);
  Acceptor<Scripted> acc(
      ac, +[](const Principal&) noexcept { return true; });
  auto r1 = init.step();
  std::vector<std::uint8_t> t1(r1.token.begin(), r1.token.end());
  auto r2 = acc.step(t1);
  std::vector<std::uint8_t> t2(r2.token.begin(), r2.token.end());
  (void)init.step(t2);
  auto session = std::move(acc).finish();
  REQUIRE(session);
  RecordDecoder<> d;
  d.allow_application_data(*session);
  auto stream = rec(record_type::application, {9, 9});
  auto r = d.decode(stream);
  REQUIRE(r);
  REQUIRE(r->has_record);
  CHECK(r->rec.type == record_type::application);
}

TEST_CASE("an application record fed to a handshake kills it", "[unit][framing]") {
  Acceptor<Scripted> acc(
      Scripted::AcceptorConfig{}, +[](const Principal&) noexcept { return true; });
  std::uint8_t b = 1;
  CHECK(feed_record(acc, record{record_type::application, {&b, 1}}).code ==
        errc::app_data_before_auth);
  CHECK(acc.is_failed());
  Acceptor<Scripted> acc2(
      Scripted::AcceptorConfig{}, +[](const Principal&) noexcept { return true; });
  CHECK(feed_record(acc2, record{record_type::alert, {&b, 1}}).code == errc::peer_alert);
}

TEST_CASE("malformed framing is refused with its own error", "[unit][framing]") {
  SECTION("unknown type") {
    RecordDecoder<> d;
    std::vector<std::uint8_t> s{0x42, 0, 1, 0};
    CHECK(d.decode(s).code() == errc::malformed);
  }
  SECTION("record above the limit, refused before buffering") {
    RecordDecoder<64> d;
    std::vector<std::uint8_t> s{0x16, 0, 65};
    CHECK(d.decode(s).code() == errc::too_large);
  }
  SECTION("empty handshake record") {
    RecordDecoder<> d;
    std::vector<std::uint8_t> s{0x16, 0, 0};
    CHECK(d.decode(s).code() == errc::malformed);
  }
  SECTION("alert of the wrong size") {
    RecordDecoder<> d;
    std::vector<std::uint8_t> s{0x15, 0, 2, 1, 1};
    CHECK(d.decode(s).code() == errc::malformed);
  }
  SECTION("encoder refuses bodies above the limit and short buffers") {
    std::vector<std::uint8_t> body(100), out(50);
    CHECK(encode_record(record_type::handshake, body, out, 64).code() == errc::record_too_large);
    auto r = encode_record(record_type::handshake, body, out);
    CHECK(r.code() == errc::buffer_too_small);
    CHECK(r.error_value().required_size() == 103);
  }
}

TEST_CASE("after the handshake, a clear alert record is refused as a forgery (truncation)",
          "[unit][framing]") {
  auto session = make_session();
  REQUIRE(session);
  for (std::uint8_t reason : {1, 2, 3, 4, 0, 0xFF}) {
    CAPTURE(int{reason});
    const std::vector<std::uint8_t> alert{0x15, 0x00, 0x01, reason};
    SECTION("before allow_application_data() it is still a record (the handshake's clear alert)") {
      RecordDecoder<> d;
      auto r = d.decode(alert);
      REQUIRE(r);
      REQUIRE(r->has_record);
      CHECK(r->rec.type == record_type::alert);
      REQUIRE(r->rec.body.size() == 1);
      CHECK(r->rec.body[0] == reason);
      CHECK(r->consumed == alert.size());
    }
    SECTION("in one piece") {
      RecordDecoder<> d;
      d.allow_application_data(*session);
      auto r = d.decode(alert);
      REQUIRE_FALSE(r);
      CHECK(r.code() == errc::truncation);
      CHECK(d.failed());
      CHECK(d.last_error().code() == errc::truncation);
      // Sticky: the sealed records that would follow are not decoded any more.
      const std::vector<std::uint8_t> app{0x17, 0, 1, 0};
      CHECK(d.decode(app).code() == errc::truncation);
    }
    SECTION("a byte at a time: refused at the header, before the body") {
      RecordDecoder<> d;
      d.allow_application_data(*session);
      for (std::size_t i = 0; i < 2; ++i) {
        auto r = d.decode(bytes_view(&alert[i], 1));
        REQUIRE(r);
        CHECK_FALSE(r->has_record);
      }
      auto r = d.decode(bytes_view(&alert[2], 1));
      REQUIRE_FALSE(r);
      CHECK(r.code() == errc::truncation);
      CHECK(d.decode(bytes_view(&alert[3], 1)).code() == errc::truncation);
    }
    SECTION("after a sealed record in the same buffer") {
      RecordDecoder<> d;
      d.allow_application_data(*session);
      std::vector<std::uint8_t> stream = rec(record_type::application, {1, 2, 3});
      stream.insert(stream.end(), alert.begin(), alert.end());
      auto r = d.decode(stream);
      REQUIRE(r);
      REQUIRE(r->has_record);
      CHECK(r->rec.type == record_type::application);
      auto r2 = d.decode(bytes_view(stream).subspan(r->consumed));
      CHECK(r2.code() == errc::truncation);
    }
  }
}

TEST_CASE("a clear alert record fed to a handshake maps its reason", "[unit][framing]") {
  Acceptor<Scripted> acc(Scripted::AcceptorConfig{}, testing::allow_all);
  const std::uint8_t unauthorized = 3;
  CHECK(feed_record(acc, record{record_type::alert, {&unauthorized, 1}}).code ==
        errc::unauthorized);
  const Scripted::InitiatorConfig icfg{};
  Initiator<Scripted> init(*ServicePrincipal::parse("host/server.example.test"), icfg);
  (void)init.step();
  CHECK(feed_record(init, record{record_type::alert, {}}).code == errc::peer_alert);
  CHECK(init.last_error().detail().find("handshake failed") != std::string_view::npos);
}
