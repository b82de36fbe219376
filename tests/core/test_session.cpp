// Session<M>'s record layer with the scripted (no-crypto) mechanism: every record is sealed,
// closure and alerts included (content | type inner plaintext, docs/protocol/mutauth-pk.md §8),
// failures are sticky, and a moved-from session is dead.
//
// The scripted keys are toys (XOR and a checksum, NO SECURITY), which lets forge() below build a
// record that opens under them with any inner plaintext: the way to show what Session::open()
// does with an unknown content type or a malformed close/alert, which a real AEAD would never
// let an attacker produce.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mutauth/handshake.hpp"
#include "mutauth/session.hpp"
#include "support/names.hpp"
#include "support/scripted_mechanism.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::Scripted;
using S = Session<Scripted>;
using bytes = std::vector<std::uint8_t>;

namespace {

struct Sessions {
  S client;
  S server;
};

// A finished 2-message scripted exchange.
Sessions make_sessions() {
  const auto target = ServicePrincipal::parse("host/server.example.test");
  REQUIRE(target);
  static const Scripted::InitiatorConfig icfg{2, "alice", testing::misbehave::none};
  static const Scripted::AcceptorConfig acfg{2, "host/server.example.test",
                                             testing::misbehave::none};
  Initiator<Scripted> init(*target, icfg);
  Acceptor<Scripted> acc(acfg, allow_all);
  step_result r = init.step();
  bytes t0(r.token.begin(), r.token.end());
  r = acc.step(t0);
  REQUIRE(r.st == status::done);
  bytes t1(r.token.begin(), r.token.end());
  r = init.step(t1);
  REQUIRE(r.st == status::done);
  auto cs = std::move(init).finish();
  auto ss = std::move(acc).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  return Sessions{std::move(*cs), std::move(*ss)};
}

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

// Seals `pt` with `s`; returns the record.
bytes seal(S& s, const bytes& pt) {
  bytes rec(pt.size() + S::seal_overhead);
  auto n = s.seal(pt, rec);
  REQUIRE(n);
  rec.resize(*n);
  return rec;
}
bytes close(S& s) {
  bytes rec(S::seal_overhead);
  auto n = s.close(rec);
  REQUIRE(n);
  rec.resize(*n);
  return rec;
}
bytes alert(S& s, alert_reason why) {
  bytes rec(S::seal_overhead + 1);
  auto n = s.alert(why, rec);
  REQUIRE(n);
  rec.resize(*n);
  return rec;
}

// Opens `rec` with `s` into a buffer of exactly the size open() asks for.
struct Opened {
  result<received> r;
  bytes data;
};
Opened open(S& s, const bytes& rec) {
  bytes out(rec.size() > S::open_overhead ? rec.size() - S::open_overhead : 0);
  auto r = s.open(rec, out);
  if (r && r->type == content_type::data) out.resize(r->size);
  return Opened{std::move(r), std::move(out)};
}

// A record that opens under the scripted toy keys (key 0x5A) as `inner` (content | type), with
// sequence number `seq`. Possible only because those keys provide no security.
bytes forge(std::uint64_t seq, const bytes& inner) {
  constexpr std::uint8_t key = 0x5A;
  bytes rec;
  for (int i = 0; i < 8; ++i) rec.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
  std::uint8_t sum = 0;
  for (std::uint8_t b : inner) {
    rec.push_back(static_cast<std::uint8_t>(b ^ key));
    sum = static_cast<std::uint8_t>(sum + b);
  }
  rec.push_back(sum);
  return rec;
}

bool mentions(const error& e, std::string_view what) {
  return e.detail().find(what) != std::string_view::npos;
}

// A dead session refuses everything with `code`.
void check_dead(S& s, errc code) {
  CHECK(s.failed());
  CHECK(s.last_error().code() == code);
  bytes pt = text("x"), rec(64), out(64);
  CHECK(s.seal(pt, rec).code() == code);
  CHECK(s.close(rec).code() == code);
  CHECK(s.alert(alert_reason::aborted, rec).code() == code);
  CHECK(s.open(forge(0, {'x', 1}), out).code() == code);
  std::array<std::uint8_t, 16> ek{};
  CHECK(s.export_keying_material("label", ek).code() == code);
  CHECK(s.export_keying_material("label", text("ctx"), ek).code() == code);
  CHECK(s.channel_binding().empty());
  CHECK(s.mechanism_info().key() == 0);  // keys wiped
}

}  // namespace

TEST_CASE("the scripted toy keys seal and open in place, and so does the Session",
          "[unit][session]") {
  // SessionKeysConcept: seal() and open() MUST work with in.data() == out.data().
  Scripted::SessionKeys tx(0x5A), rx(0x5A);
  const bytes msg = text("in place, please");
  bytes buf(msg.size() + Scripted::SessionKeys::seal_overhead);
  std::copy(msg.begin(), msg.end(), buf.begin());
  auto n = tx.seal(bytes_view(buf.data(), msg.size()), buf);
  REQUIRE(n);
  REQUIRE(*n == buf.size());
  bytes separate(msg.size() + Scripted::SessionKeys::seal_overhead);
  Scripted::SessionKeys tx2(0x5A);
  REQUIRE(tx2.seal(msg, separate));
  CHECK(separate == buf);  // in place yields the same record as out of place
  auto m = rx.open(buf, buf);
  REQUIRE(m);
  REQUIRE(*m == msg.size());
  CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*m)) == msg);

  auto [c, s] = make_sessions();
  bytes rec(msg.size() + S::seal_overhead);
  std::copy(msg.begin(), msg.end(), rec.begin());
  auto sealed = c.seal(bytes_view(rec.data(), msg.size()), rec);
  REQUIRE(sealed);
  CHECK(*sealed == msg.size() + S::seal_overhead);
  CHECK(forge(0, [&] {
          bytes i = msg;
          i.push_back(1);
          return i;
        }()) == rec);  // content | 0x01
  auto opened = s.open(bytes_view(rec.data(), *sealed), rec);
  REQUIRE(opened);
  CHECK(opened->type == content_type::data);
  REQUIRE(opened->size == msg.size());
  CHECK(bytes(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(opened->size)) == msg);
  CHECK(S::seal_overhead == Scripted::SessionKeys::seal_overhead + 1);
  CHECK(S::open_overhead == Scripted::SessionKeys::seal_overhead);
}

TEST_CASE("a sealed close ends one direction, and a record after it is refused, stickily",
          "[unit][session][close]") {
  auto [c, s] = make_sessions();
  const bytes before = seal(c, text("last words"));
  const bytes fin = close(c);
  CHECK(c.closed());
  CHECK_FALSE(c.failed());

  // This side can send no more: misuse, not a failure of the session.
  bytes rec(64);
  auto after = c.seal(text("more"), rec);
  REQUIRE_FALSE(after);
  CHECK(after.code() == errc::wrong_state);
  CHECK(c.close(rec).code() == errc::wrong_state);
  CHECK_FALSE(c.failed());

  // The peer reads everything up to the close, then learns of it.
  Opened o1 = open(s, before);
  REQUIRE(o1.r);
  CHECK(o1.r->type == content_type::data);
  CHECK(o1.data == text("last words"));
  CHECK_FALSE(s.peer_closed());
  Opened o2 = open(s, fin);
  REQUIRE(o2.r);
  CHECK(o2.r->type == content_type::close);
  CHECK(o2.r->size == 0);
  CHECK(s.peer_closed());
  CHECK_FALSE(s.failed());

  // The other direction is still open: the server may answer, and the closed client reads it.
  const bytes reply = seal(s, text("reply after your close"));
  Opened o3 = open(c, reply);
  REQUIRE(o3.r);
  CHECK(o3.data == text("reply after your close"));
  const bytes sfin = close(s);
  Opened o4 = open(c, sfin);
  REQUIRE(o4.r);
  CHECK(o4.r->type == content_type::close);
  CHECK(c.peer_closed());

  SECTION("a valid record after the close (forged with the next sequence number) is refused") {
    Opened bad = open(s, forge(2, {'h', 'i', 1}));
    REQUIRE_FALSE(bad.r);
    CHECK(bad.r.code() == errc::unexpected_message);
    check_dead(s, errc::unexpected_message);  // sticky
  }
  SECTION("a replayed close is refused too") {
    Opened bad = open(s, fin);
    REQUIRE_FALSE(bad.r);
    CHECK(bad.r.code() == errc::unexpected_message);
    check_dead(s, errc::unexpected_message);
  }
  SECTION("into nothing: close() needs seal_overhead bytes and a short buffer changes nothing") {
    auto [c2, s2] = make_sessions();
    bytes tiny(S::seal_overhead - 1);
    auto r = c2.close(tiny);
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::buffer_too_small);
    CHECK(r.error_value().required_size() == S::seal_overhead);
    CHECK_FALSE(c2.closed());
    CHECK_FALSE(c2.failed());
    Opened ok = open(s2, seal(c2, text("still open")));
    CHECK(ok.r);
  }
}

TEST_CASE("a sealed alert ends the session for both sides", "[unit][session][alert]") {
  for (alert_reason why : {alert_reason::handshake_failed, alert_reason::unexpected_message,
                           alert_reason::unauthorized, alert_reason::aborted}) {
    CAPTURE(static_cast<int>(why));
    auto [c, s] = make_sessions();
    (void)open(s, seal(c, text("one record first")));
    const bytes a = alert(c, why);
    CHECK(a.size() == S::seal_overhead + 1);
    // The sender is dead at once, whatever the peer does.
    CHECK(c.failed());
    check_dead(c, errc::wrong_state);

    Opened o = open(s, a);
    REQUIRE(o.r);
    CHECK(o.r->type == content_type::alert);
    CHECK(o.r->reason == why);
    CHECK(o.r->size == 0);
    // The receiver is dead, with the peer's reason in the detail.
    CHECK(s.last_error().code() == errc::peer_alert);
    CHECK(mentions(s.last_error(), to_string(why)));
    check_dead(s, errc::peer_alert);
  }
  SECTION("an unknown reason is delivered as such, and still kills the session") {
    auto [c, s] = make_sessions();
    Opened o = open(s, forge(0, {9, 3}));
    REQUIRE(o.r);
    CHECK(o.r->type == content_type::alert);
    CHECK(static_cast<int>(o.r->reason) == 9);
    CHECK(mentions(s.last_error(), "unknown reason"));
    check_dead(s, errc::peer_alert);
  }
  SECTION("alert() needs seal_overhead + 1 bytes; a short buffer changes nothing") {
    auto [c, s] = make_sessions();
    bytes tiny(S::seal_overhead);
    auto r = c.alert(alert_reason::aborted, tiny);
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::buffer_too_small);
    CHECK(r.error_value().required_size() == S::seal_overhead + 1);
    CHECK_FALSE(c.failed());
  }
  SECTION("no alert after this side's close: nothing follows a close in its direction") {
    auto [c, s] = make_sessions();
    const bytes fin = close(c);
    bytes rec(S::seal_overhead + 1);
    auto r = c.alert(alert_reason::aborted, rec);
    REQUIRE_FALSE(r);
    CHECK(r.code() == errc::wrong_state);  // misuse: the session is not killed by it
    CHECK_FALSE(c.failed());
    REQUIRE(open(s, fin).r);
    CHECK(s.peer_closed());
    // A record after the close (here, a forged second close) is refused by the receiver.
    Opened o = open(s, fin);
    REQUIRE_FALSE(o.r);
    CHECK(o.r.code() == errc::unexpected_message);
    check_dead(s, errc::unexpected_message);
  }
}

TEST_CASE("a tampered or unknown content type kills the session, stickily",
          "[unit][session][tamper]") {
  SECTION("a flipped type byte fails the integrity check") {
    auto [c, s] = make_sessions();
    bytes rec = seal(c, text("data"));
    rec[8 + 4] ^= 0x03;  // the type byte's ciphertext: data (1) would read as close (2)
    Opened o = open(s, rec);
    REQUIRE_FALSE(o.r);
    CHECK(o.r.code() == errc::decrypt_failed);
    rec[8 + 4] ^= 0x03;
    check_dead(s, errc::decrypt_failed);
    bytes out(64);
    CHECK(s.open(rec, out).code() == errc::decrypt_failed);  // the genuine record no longer opens
  }
  struct Bad {
    const char* what;
    bytes inner;
  };
  const Bad bad[] = {
      {"an unknown content type", {'h', 'i', 7}}, {"content type zero", {'h', 'i', 0}},
      {"a close with content", {'x', 2}},         {"an empty alert", {3}},
      {"an alert of two bytes", {4, 4, 3}},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.what);
    auto [c, s] = make_sessions();
    Opened o = open(s, forge(0, b.inner));
    REQUIRE_FALSE(o.r);
    CHECK(o.r.code() == errc::malformed);
    check_dead(s, errc::malformed);
    CHECK_FALSE(s.peer_closed());
    // Sticky: the next genuine record is refused with the same error.
    bytes out(64);
    CHECK(s.open(seal(c, text("genuine")), out).code() == errc::malformed);
  }
  SECTION("a record no longer than the overhead is refused") {
    auto [c, s] = make_sessions();
    bytes rec(S::open_overhead), out(16);
    CHECK(s.open(rec, out).code() == errc::truncated);
    CHECK(s.failed());
  }
}

TEST_CASE("a moved-from session is dead, and the moved-to one works", "[unit][session][move]") {
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<S>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<S>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<S>);

  auto [c, s] = make_sessions();
  const bytes binding(c.channel_binding().begin(), c.channel_binding().end());
  REQUIRE_FALSE(binding.empty());
  (void)open(s, seal(c, text("before the move")));
  S c2 = std::move(c);

  CHECK(c.last_error().code() == errc::wrong_state);
  CHECK(mentions(c.last_error(), "moved from"));
  CHECK(c.peer().name.empty());
  CHECK(c.local().name.empty());
  CHECK(c.channel_binding().empty());
  check_dead(c, errc::wrong_state);

  // The moved-to session has the identities, the keys and the sequence numbers.
  CHECK(c2.peer().name.view() == "host/server.example.test");
  CHECK(c2.local().name.view() == "alice");
  CHECK(bytes(c2.channel_binding().begin(), c2.channel_binding().end()) == binding);
  Opened o = open(s, seal(c2, text("after the move")));
  REQUIRE(o.r);
  CHECK(o.data == text("after the move"));
  Opened back = open(c2, seal(s, text("and back")));
  REQUIRE(back.r);
  CHECK(back.data == text("and back"));
  std::array<std::uint8_t, 8> e1{}, e2{};
  REQUIRE(c2.export_keying_material("l", e1));
  REQUIRE(s.export_keying_material("l", e2));
  CHECK(e1 == e2);

  SECTION("move assignment: the source dies, the target takes its place") {
    auto [other_c, other_s] = make_sessions();
    other_c = std::move(c2);
    check_dead(c2, errc::wrong_state);
    CHECK(c2.peer().name.empty());
    CHECK(other_c.peer().name.view() == "host/server.example.test");
    Opened o2 = open(s, seal(other_c, text("assigned")));
    REQUIRE(o2.r);
    CHECK(o2.data == text("assigned"));
  }
  SECTION("the close state moves with the session") {
    (void)open(s, close(c2));
    S c3 = std::move(c2);
    CHECK(c3.closed());
    bytes rec(64);
    CHECK(c3.seal(text("x"), rec).code() == errc::wrong_state);
    check_dead(c2, errc::wrong_state);
  }
  SECTION("a dead session moved stays dead with its error") {
    (void)alert(c2, alert_reason::aborted);
    S c3 = std::move(c2);
    CHECK(c3.failed());
    CHECK(c3.last_error().code() == errc::wrong_state);
    CHECK(mentions(c3.last_error(), "alert"));
  }
}
