// Connection<pk::PublicKey> (include/mutauth/connection.hpp): two connections wired in memory
// with every split of the byte stream, refusals, tampering, forged clear alerts, truncation,
// misuse before the handshake, and one run over a real socketpair with a blocking helper that
// lives here in tests/, not in include/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "connection/blocking_io.hpp"
#include "connection/pk_fixture.hpp"

using namespace mutauth;
using PK = pk::PublicKey;
using Conn = Connection<PK>;
using bytes = std::vector<std::uint8_t>;

namespace {

mutauth::testing::PkPeers& peers() {
  static mutauth::testing::PkPeers p;
  return p;
}

bool deny(const Principal&) noexcept { return false; }

// How the wire cuts the stream: returns how many of `left` bytes the next receive() gets.
using Split = std::function<std::size_t(std::size_t left)>;

struct Side {
  std::unique_ptr<Conn> conn;
  int established = 0, peer_closed = 0, failed = 0, data_events = 0;
  bytes data;
  errc code = errc::ok;
};

// Two connections and the two byte queues between them. `tamper(dir, offset, byte)` sees every
// byte the wire carries (dir 0: client → server) and may change it.
struct Wire {
  Side c, s;
  bytes c2s, s2c;
  std::size_t sent[2] = {0, 0};
  std::function<void(int, std::size_t, std::uint8_t&)> tamper = [](int, std::size_t,
                                                                   std::uint8_t&) {};
  Split split = [](std::size_t left) { return left; };

  explicit Wire(Authorizer authz = mutauth::testing::admit_alice) {
    c.conn = std::make_unique<Conn>(as_client, peers().target, peers().icfg);
    s.conn = std::make_unique<Conn>(as_server, peers().acfg, authz);
  }

  void take(Side& from, bytes& to, int dir) {
    const bytes_view p = from.conn->pending_output();
    for (std::uint8_t b : p) {
      tamper(dir, sent[dir]++, b);
      to.push_back(b);
    }
    from.conn->consume_output(p.size());
  }
  static void events(Side& x) {
    for (auto ev = x.conn->next_event(); ev.kind != connection_event::none;
         ev = x.conn->next_event()) {
      switch (ev.kind) {
        case connection_event::established: ++x.established; break;
        case connection_event::data:
          ++x.data_events;
          x.data.insert(x.data.end(), ev.data.begin(), ev.data.end());
          break;
        case connection_event::peer_closed: ++x.peer_closed; break;
        case connection_event::failed:
          ++x.failed;
          x.code = x.conn->last_error().code();
          break;
        case connection_event::none: break;
      }
    }
  }
  // Feeds `in` to `to`, cut by `split`; returns true if any byte moved.
  bool feed(Side& to, bytes& in, Side& other, bytes& back, int back_dir) {
    bool moved = false;
    std::size_t off = 0;
    while (off < in.size() && !to.conn->failed()) {
      const std::size_t n =
          std::max<std::size_t>(1, std::min(split(in.size() - off), in.size() - off));
      auto r = to.conn->receive(bytes_view(in.data() + off, n));
      events(to);
      if (!r) break;
      off += *r;
      moved |= *r != 0;
      take(to, back, back_dir);  // the receiver's answer goes out as it is produced
      (void)other;
    }
    in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(off));
    if (to.conn->failed()) in.clear();
    return moved;
  }
  // Moves bytes both ways until nothing moves.
  void pump() {
    for (int i = 0; i < 100000; ++i) {
      take(c, c2s, 0);
      take(s, s2c, 1);
      const bool a = feed(s, c2s, c, s2c, 1);
      const bool b = feed(c, s2c, s, c2s, 0);
      if (!a && !b && c.conn->pending_output().empty() && s.conn->pending_output().empty()) return;
    }
    FAIL("pump did not settle");
  }
  // Writes all of `data` from one side, pumping whenever its output buffer is full.
  void write_all(Side& from, const bytes& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      auto n = from.conn->write(bytes_view(data.data() + off, data.size() - off));
      REQUIRE(n);
      off += *n;
      if (*n == 0 || off < data.size()) pump();
    }
  }
  void handshake() {
    REQUIRE(c.conn->start());
    pump();
  }
};

bytes pattern(std::size_t n, std::uint8_t salt) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + salt + (i >> 8));
  return b;
}

void full_conversation(Split split) {
  Wire w;
  w.split = std::move(split);
  w.handshake();
  REQUIRE(w.c.established == 1);
  REQUIRE(w.s.established == 1);
  REQUIRE(w.c.conn->is_established());
  REQUIRE(w.s.conn->session()->peer().name.view() == "alice");
  REQUIRE(w.c.conn->session()->peer().name.view() == "host/server.example.test");
  std::array<std::uint8_t, 32> e1{}, e2{};
  REQUIRE(w.c.conn->session()->export_keying_material("test", e1));
  REQUIRE(w.s.conn->session()->export_keying_material("test", e2));
  REQUIRE(e1 == e2);

  const bytes up = pattern(40000, 1), down = pattern(20000, 2), small = pattern(5, 3);
  w.write_all(w.c, up);
  w.write_all(w.s, down);
  w.write_all(w.c, small);
  w.pump();
  bytes up_all = up;
  up_all.insert(up_all.end(), small.begin(), small.end());
  REQUIRE(w.s.data == up_all);
  REQUIRE(w.c.data == down);
  // A 40000-byte write travels as ceil(40000 / 16384) = 3 records at least.
  REQUIRE(w.s.data_events >= 4);
  REQUIRE(w.c.data_events >= 2);

  REQUIRE(w.c.conn->close());
  w.pump();
  REQUIRE(w.s.peer_closed == 1);
  REQUIRE(w.s.conn->peer_closed());
  // Its direction is closed: no more writes; the other direction still flows.
  REQUIRE(w.c.conn->write(small).error_value().code() == errc::wrong_state);
  w.write_all(w.s, small);
  REQUIRE(w.s.conn->close());
  w.pump();
  REQUIRE(w.c.peer_closed == 1);
  REQUIRE(w.c.data.size() == down.size() + small.size());
  REQUIRE(w.c.conn->receive_eof());
  REQUIRE(w.s.conn->receive_eof());
  REQUIRE(w.c.failed == 0);
  REQUIRE(w.s.failed == 0);
}

}  // namespace

TEST_CASE("connection: sizes of the fixed buffers (pk)", "[connection]") {
  // No 64 KiB buffer on the pk path: the decoder holds one record of up to 16 KiB + 256 (§9.1),
  // the output one full sealed record plus room for a close or alert, the plaintext buffer one
  // opened record (sharing storage with the handshake, which is gone by then).
  STATIC_REQUIRE(Conn::max_record_body == default_max_record_body);
  STATIC_REQUIRE(Conn::max_handshake_body == PK::max_token_size);
  STATIC_REQUIRE(Conn::output_capacity < 17 * 1024);
  STATIC_REQUIRE(Conn::plaintext_capacity == 16640);
  WARN("sizeof(Connection<pk::PublicKey>) = "
       << sizeof(Conn) << " bytes; sizeof(Initiator<pk>) = " << sizeof(Initiator<PK>)
       << ", sizeof(Acceptor<pk>) = " << sizeof(Acceptor<PK>)
       << ", sizeof(Session<pk>) = " << sizeof(Session<PK>) << ", max token " << PK::max_token_size
       << ", decoder body " << Conn::max_record_body << ", output " << Conn::output_capacity
       << ", plaintext " << Conn::plaintext_capacity);
  REQUIRE(sizeof(Conn) < 64 * 1024);
  // No 64 KiB buffer in a pk build (issue 15: only Kerberos tokens reach 64 KiB): each fixed
  // buffer stays under 20 KiB.
  STATIC_REQUIRE(sizeof(RecordDecoder<Conn::max_record_body>) < 20 * 1024);
  STATIC_REQUIRE(Conn::output_capacity < 20 * 1024);
  STATIC_REQUIRE(Conn::plaintext_capacity < 20 * 1024);
}

TEST_CASE("connection: a pk server refuses a handshake record above 16640 bytes at its header",
          "[connection]") {
  // §9.1: the decoder's bound for pk is 16 KiB + 256; a longer body is too_large before any
  // of it is buffered, and no clear alert answers a framing error (§16.2).
  const std::size_t len = default_max_record_body + 1;
  const bytes header{0x16, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  auto s = std::make_unique<Conn>(as_server, peers().acfg, mutauth::testing::admit_alice);
  auto r = s->receive(header);
  REQUIRE(!r);
  CHECK(r.error_value().code() == errc::too_large);
  CHECK(s->pending_output().empty());
  // One byte less is a record the decoder takes (and the handshake then judges).
  const std::size_t ok_len = default_max_record_body;
  RecordDecoder<Conn::max_record_body> d;
  const bytes ok_header{0x16, static_cast<std::uint8_t>(ok_len >> 8),
                        static_cast<std::uint8_t>(ok_len)};
  auto h = d.decode(ok_header);
  REQUIRE(h);
  CHECK(h->consumed == 3);
  CHECK_FALSE(h->has_record);
}

TEST_CASE("connection: bytes delivered all at once", "[connection]") {
  full_conversation([](std::size_t left) { return left; });
}

TEST_CASE("connection: bytes delivered one at a time", "[connection]") {
  full_conversation([](std::size_t) { return std::size_t{1}; });
}

TEST_CASE("connection: bytes delivered in random splits", "[connection]") {
  for (unsigned seed : {1u, 2u, 3u, 4u}) {
    auto rng = std::make_shared<std::mt19937>(seed);
    full_conversation([rng](std::size_t left) {
      return std::uniform_int_distribution<std::size_t>(1, std::min<std::size_t>(left, 3000))(*rng);
    });
  }
}

TEST_CASE("connection: a refused client gets unauthorized and never an established event",
          "[connection]") {
  Wire w(deny);
  w.handshake();
  REQUIRE(w.c.established == 0);
  REQUIRE(w.s.established == 0);
  REQUIRE(w.c.failed == 1);
  REQUIRE(w.c.code == errc::unauthorized);
  REQUIRE(w.s.code == errc::unauthorized);
  REQUIRE(!w.c.conn->is_established());
  REQUIRE(w.c.conn->session() == nullptr);
  REQUIRE(w.c.conn->write(pattern(3, 0)).error_value().code() == errc::unauthorized);  // sticky
}

TEST_CASE("connection: write and close before established are wrong_state and seal nothing",
          "[connection]") {
  Wire w;
  REQUIRE(w.c.conn->write(pattern(3, 0)).error_value().code() == errc::wrong_state);
  REQUIRE(w.s.conn->write(pattern(3, 0)).error_value().code() == errc::wrong_state);
  REQUIRE(w.c.conn->close().error_value().code() == errc::wrong_state);
  REQUIRE(w.c.conn->pending_output().empty());
  REQUIRE(w.c.conn->receive(pattern(3, 0)).error_value().code() ==
          errc::wrong_state);  // before start()
  REQUIRE(w.c.conn->start());
  REQUIRE(w.c.conn->start().error_value().code() == errc::wrong_state);
  // Mid-handshake (message 1 out, message 2 not yet in): still refused.
  REQUIRE(w.c.conn->write(pattern(3, 0)).error_value().code() == errc::wrong_state);
  REQUIRE(!w.c.conn->failed());  // misuse is not sticky
  w.pump();
  REQUIRE(w.c.conn->is_established());
}

TEST_CASE(
    "connection: tampering with any byte of the stream fails the connection and forges no data",
    "[connection]") {
  // The honest stream once, to learn its length per direction.
  const bytes up = pattern(300, 5), down = pattern(200, 6);
  auto script = [&](Wire& w) {
    w.handshake();
    if (w.c.conn->is_established() && w.s.conn->is_established()) {
      w.write_all(w.c, up);
      w.write_all(w.s, down);
      if (w.c.conn->is_established()) (void)w.c.conn->close();
      w.pump();
      if (w.s.conn->is_established()) (void)w.s.conn->close();
      w.pump();
    }
    // The transport ends: whoever has not failed sees EOF.
    if (!w.c.conn->failed()) (void)w.c.conn->receive_eof();
    if (!w.s.conn->failed()) (void)w.s.conn->receive_eof();
  };
  std::size_t len[2];
  {
    Wire w;
    script(w);
    REQUIRE(!w.c.conn->failed());
    REQUIRE(!w.s.conn->failed());
    len[0] = w.sent[0];
    len[1] = w.sent[1];
  }
  std::size_t runs = 0;
  for (int dir = 0; dir < 2; ++dir) {
    for (std::size_t at = 0; at < len[dir]; ++at) {
      Wire w;
      w.tamper = [&](int d, std::size_t off, std::uint8_t& b) {
        if (d == dir && off == at) b ^= 0x01;
      };
      script(w);
      ++runs;
      Side& rx = dir == 0 ? w.s : w.c;
      Side& tx = dir == 0 ? w.c : w.s;
      INFO("direction " << dir << " byte " << at);
      REQUIRE(rx.conn->failed());
      // Nothing forged is delivered: what each side got is a prefix of what was sent.
      const bytes& sent_rx = dir == 0 ? up : down;
      REQUIRE(rx.data.size() <= sent_rx.size());
      REQUIRE(std::equal(rx.data.begin(), rx.data.end(), sent_rx.begin()));
      const bytes& sent_tx = dir == 0 ? down : up;
      REQUIRE(std::equal(tx.data.begin(), tx.data.end(), sent_tx.begin()));
      // The sender fails too, unless it had already received the receiver's whole, sealed
      // stream (the receiver's close came before the tampered byte).
      if (!tx.conn->failed()) REQUIRE(tx.peer_closed == 1);
      // A byte tampered during the handshake: neither side ever saw an established event
      // before failing, or (message 4 tampered) only the server did.
      if (rx.established == 0) REQUIRE(rx.data.empty());
    }
  }
  REQUIRE(runs == len[0] + len[1]);
}

TEST_CASE("connection: a clear alert after the handshake is a forgery: truncation",
          "[connection]") {
  Wire w;
  w.handshake();
  REQUIRE(w.c.conn->is_established());
  w.s2c.insert(w.s2c.end(), {0x15, 0x00, 0x01, 0x02});
  w.pump();
  REQUIRE(w.c.code == errc::truncation);
  REQUIRE(w.c.data.empty());
  // The client told the server with a sealed alert (the session could still seal).
  REQUIRE(w.s.code == errc::peer_alert);
}

TEST_CASE("connection: EOF before the sealed close is truncation", "[connection]") {
  Wire w;
  w.handshake();
  w.write_all(w.s, pattern(100, 0));
  w.pump();
  REQUIRE(w.c.data.size() == 100);
  auto r = w.c.conn->receive_eof();
  REQUIRE(!r);
  REQUIRE(r.error_value().code() == errc::truncation);
  REQUIRE(w.c.conn->failed());
  // EOF during the handshake is truncation too.
  Wire h;
  REQUIRE(h.c.conn->start());
  REQUIRE(h.s.conn->receive_eof().error_value().code() == errc::truncation);
  // EOF inside a record after the peer's close would also be caught by the decoder: not idle.
}

TEST_CASE("connection: an application record during the handshake ends it without an alert",
          "[connection]") {
  Wire w;
  REQUIRE(w.c.conn->start());
  w.s2c.insert(w.s2c.end(), {0x17, 0x00, 0x01, 0x00});
  w.take(w.c, w.c2s, 0);
  w.c2s.clear();  // message 1 never reaches the server
  w.pump();
  REQUIRE(w.c.code == errc::app_data_before_auth);
  REQUIRE(w.c.conn->pending_output().empty());  // §16.2: no alert for a framing error
}

TEST_CASE("connection: over a socketpair with a blocking helper", "[connection]") {
  int fds[2];
  REQUIRE(mutauth::testing::make_socketpair(fds));
  const bytes up = pattern(50000, 7);
  bytes got_by_server, got_by_client;
  std::string server_err, client_err;
  std::thread server([&] {
    Conn conn(as_server, peers().acfg, mutauth::testing::admit_alice);
    mutauth::testing::BlockingConnection<PK> io(conn, fds[1]);
    if (!io.handshake()) {
      server_err = io.error();
      return;
    }
    // Echo until the client's close, then close.
    bytes buf;
    while (io.read(buf)) got_by_server.insert(got_by_server.end(), buf.begin(), buf.end());
    if (!io.peer_closed() || !io.write(got_by_server) || !io.close() || !io.finish())
      server_err = io.error();
  });
  {
    Conn conn(as_client, peers().target, peers().icfg);
    mutauth::testing::BlockingConnection<PK> io(conn, fds[0]);
    if (!io.handshake() || !io.write(up) || !io.close()) {
      client_err = io.error();
    } else {
      bytes buf;
      while (io.read(buf)) got_by_client.insert(got_by_client.end(), buf.begin(), buf.end());
      if (!io.peer_closed() || !io.finish()) client_err = io.error();
    }
  }
  server.join();
  mutauth::testing::close_fd(fds[0]);
  mutauth::testing::close_fd(fds[1]);
  REQUIRE(client_err == "");
  REQUIRE(server_err == "");
  REQUIRE(got_by_server == up);
  REQUIRE(got_by_client == up);
}
