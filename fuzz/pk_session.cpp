// Fuzz target: Session<pk::PublicKey> and DatagramSession<pk::PublicKey> records (session.hpp,
// session_keys.hpp). Input: u8 mode | records, each u16 length | bytes. Mode % 3:
//   0  stream records to the server's Session::open();
//   1  datagrams to the server's DatagramSession (both sides std::move(s).into_datagram());
//   2  INNER plaintexts (content | type) that a harness client, which ran a genuine handshake
//      with the real server and derived its own keys, seals correctly; so the content-type
//      parsing behind the AEAD (data / close / alert / malformed) is reached.
// Every input gets a freshly established session pair; the RNG is deterministic, so it is the
// same pair every time and genuine records in the corpus open.
// Invariants:
//  * stream: a record opens only if it is byte-for-byte what the honest peer seals at that
//    position — its data (seal), its close (close) or its alert (alert) — (no forgery); the first
//    failure kills the session for good (same code for open and seal); a close sets
//    peer_closed(), leaves this side able to send, and any record after it is refused
//    (unexpected_message) and kills the session; a sealed alert kills the receiving session
//    (peer_alert) and reports the peer's reason;
//  * inner: open() reports exactly what an independent reading of the inner plaintext says, and
//    the harness's exporter equals the server session's;
//  * datagram: the moved-from stream sessions are dead; a failed datagram harms nothing — an
//    honest datagram sent afterwards opens — and an opened one is refused when replayed.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
using Keys = pk::SessionKeys;
using S = Session<fuzz::PK>;

void check_dead_session(S& s, errc code) {
  fuzz::bytes out(64);
  static constexpr std::uint8_t junk[24] = {};
  MUTAUTH_FUZZ_CHECK(s.failed() && s.last_error().code() == code);
  MUTAUTH_FUZZ_CHECK(s.open(junk, out).code() == code);
  MUTAUTH_FUZZ_CHECK(s.seal(junk, out).code() == code);
  MUTAUTH_FUZZ_CHECK(s.close(out).code() == code);
  MUTAUTH_FUZZ_CHECK(s.alert(alert_reason::aborted, out).code() == code);
  std::array<std::uint8_t, 16> k{};
  MUTAUTH_FUZZ_CHECK(s.export_keying_material("fuzz", k).code() == code);
  MUTAUTH_FUZZ_CHECK(s.channel_binding().empty());
}

// After the peer's close: this side may still send (half-close), and the next record kills it.
void check_after_peer_close(fuzz::SessionPair& p, bytes_view next) {
  MUTAUTH_FUZZ_CHECK(p.server.peer_closed() && !p.server.failed());
  fuzz::bytes out(1 << 16);
  static constexpr std::uint8_t bye[] = {'b', 'y', 'e'};
  fuzz::bytes rec(sizeof bye + S::seal_overhead);
  MUTAUTH_FUZZ_CHECK(p.server.seal(bye, rec));
  auto got = p.client.open(rec, out);
  MUTAUTH_FUZZ_CHECK(got && got->type == content_type::data &&
                     fuzz::same(bytes_view(out).first(got->size), bye));
  auto r = p.server.open(next, out);
  MUTAUTH_FUZZ_CHECK(!r && r.code() == errc::unexpected_message);
  check_dead_session(p.server, errc::unexpected_message);
}

void stream_mode(fuzz::input& in) {
  auto p = fuzz::establish(0);
  fuzz::bytes out(1 << 16), again(1 << 16);
  while (!in.empty()) {
    const bytes_view rec = in.take(in.u16());
    if (p->server.peer_closed()) return check_after_peer_close(*p, rec);
    auto n = p->server.open(rec, out);
    if (!n) {
      MUTAUTH_FUZZ_CHECK(n.error_value().category() != error_category_id::misuse);
      return check_dead_session(p->server, n.code());
    }
    switch (n->type) {
      case content_type::data: {
        auto m = p->client.seal(bytes_view(out).first(n->size), again);
        MUTAUTH_FUZZ_CHECK(m && fuzz::same(bytes_view(again).first(*m), rec));
        break;
      }
      case content_type::close: {
        MUTAUTH_FUZZ_CHECK(n->size == 0);
        auto m = p->client.close(again);
        MUTAUTH_FUZZ_CHECK(m && fuzz::same(bytes_view(again).first(*m), rec));
        break;
      }
      case content_type::alert: {
        MUTAUTH_FUZZ_CHECK(n->size == 0);
        auto m = p->client.alert(n->reason, again);
        MUTAUTH_FUZZ_CHECK(m && fuzz::same(bytes_view(again).first(*m), rec));
        return check_dead_session(p->server, errc::peer_alert);
      }
      default: MUTAUTH_FUZZ_CHECK(!"open() reported an unknown content type");
    }
  }
  // The input ended: after a close, any further record is refused.
  if (p->server.peer_closed())
    check_after_peer_close(*p, bytes_view(out).first(S::seal_overhead + 1));
}

// What an independent reading of an inner plaintext says open() must report.
struct expected {
  bool ok;
  content_type type;
  std::size_t size;
};
expected read_inner(bytes_view inner) {
  if (inner.empty()) return {false, content_type::data, 0};
  const std::size_t len = inner.size() - 1;
  switch (inner[len]) {
    case 1: return {true, content_type::data, len};
    case 2: return {len == 0, content_type::close, 0};
    case 3: return {len == 1, content_type::alert, 0};
    default: return {false, content_type::data, 0};
  }
}

void inner_mode(fuzz::input& in) {
  auto e = fuzz::fresh_endpoints(0);
  fuzz::PeerClient peer;
  const step_result r = e->server.step(peer.run_to_message3(e->server, nullptr));
  MUTAUTH_FUZZ_CHECK(r.st == status::done);
  (void)peer.read_message4(r.token);
  Keys tx = fuzz::peer_keys(peer.hs);
  auto s = std::move(e->server).finish();
  MUTAUTH_FUZZ_CHECK(s);
  std::array<std::uint8_t, 48> k1{}, k2{};
  MUTAUTH_FUZZ_CHECK(tx.export_keying_material("fuzz", {}, k1) &&
                     s->export_keying_material("fuzz", k2) && k1 == k2);
  MUTAUTH_FUZZ_CHECK(fuzz::same(tx.channel_binding(), s->channel_binding()));
  fuzz::bytes rec(1 << 17), out(1 << 17);
  bool closed = false;
  while (!in.empty()) {
    const bytes_view inner = in.take(in.u16());
    auto n = tx.seal(inner, rec);
    if (!n) return;  // too long for one Noise message: nothing to deliver
    auto got = s->open(bytes_view(rec).first(*n), out);
    if (closed) {
      MUTAUTH_FUZZ_CHECK(!got && got.code() == errc::unexpected_message);
      return check_dead_session(*s, errc::unexpected_message);
    }
    const expected x = read_inner(inner);
    if (!x.ok) {
      MUTAUTH_FUZZ_CHECK(!got && got.error_value().category() != error_category_id::misuse);
      return check_dead_session(*s, got.code());
    }
    MUTAUTH_FUZZ_CHECK(got && got->type == x.type && got->size == x.size);
    if (x.type == content_type::data) {
      MUTAUTH_FUZZ_CHECK(fuzz::same(bytes_view(out).first(got->size), inner.first(x.size)) &&
                         !s->failed());
    } else if (x.type == content_type::close) {
      MUTAUTH_FUZZ_CHECK(s->peer_closed() && !s->failed());
      closed = true;
    } else {
      MUTAUTH_FUZZ_CHECK(static_cast<std::uint8_t>(got->reason) == inner[0]);
      return check_dead_session(*s, errc::peer_alert);
    }
  }
}

struct DatagramPair {
  DatagramSession<fuzz::PK> client;
  DatagramSession<fuzz::PK> server;
};

std::unique_ptr<DatagramPair> datagram_pair() {
  auto p = fuzz::establish(0);
  auto c = std::move(p->client).into_datagram();
  auto s = std::move(p->server).into_datagram();
  MUTAUTH_FUZZ_CHECK(c && s);
  // The stream sessions they came from are dead, and keep no identity.
  fuzz::bytes out(64);
  static constexpr std::uint8_t x[1] = {0};
  MUTAUTH_FUZZ_CHECK(p->client.failed() && p->client.seal(x, out).code() == errc::wrong_state);
  MUTAUTH_FUZZ_CHECK(p->server.failed() && p->server.peer().name.view().empty());
  MUTAUTH_FUZZ_CHECK(s->peer().name.view() == fuzz::client_name);
  return std::unique_ptr<DatagramPair>(new DatagramPair{std::move(*c), std::move(*s)});
}

// What the honest client seals as its datagram number `nonce` for `plaintext`.
fuzz::bytes honest_datagram(std::uint64_t nonce, bytes_view plaintext) {
  auto ref = datagram_pair();
  fuzz::bytes d(plaintext.size() + DatagramSession<fuzz::PK>::overhead);
  for (std::uint64_t i = 0; i <= nonce; ++i) {
    auto n = ref->client.seal(plaintext, d);
    MUTAUTH_FUZZ_CHECK(n);
  }
  return d;
}

void datagram_mode(fuzz::input& in) {
  auto p = datagram_pair();
  fuzz::bytes out(1 << 16);
  std::uint64_t next_unused = 0;  // above every nonce opened so far
  while (!in.empty()) {
    const bytes_view d = in.take(in.u16());
    auto n = p->server.open(d, out);
    if (!n) {
      MUTAUTH_FUZZ_CHECK(!p->server.failed());  // a bad datagram is dropped, not fatal
      continue;
    }
    std::uint64_t nonce = 0;
    for (int i = 0; i < 8; ++i) nonce = (nonce << 8) | d[i];
    MUTAUTH_FUZZ_CHECK(nonce < Keys::replay_window);  // the corpus holds no further ones
    MUTAUTH_FUZZ_CHECK(fuzz::same(honest_datagram(nonce, bytes_view(out).first(*n)), d));
    MUTAUTH_FUZZ_CHECK(p->server.open(d, out).code() == errc::replayed);
    if (nonce >= next_unused) next_unused = nonce + 1;
  }
  // Whatever came before, an honest datagram with a fresh nonce still opens.
  static constexpr std::uint8_t probe[] = {'p', 'r', 'o', 'b', 'e'};
  fuzz::bytes d(sizeof probe + DatagramSession<fuzz::PK>::overhead);
  for (std::uint64_t i = 0; i <= next_unused; ++i) MUTAUTH_FUZZ_CHECK(p->client.seal(probe, d));
  auto n = p->server.open(d, out);
  MUTAUTH_FUZZ_CHECK(n && *n == sizeof probe && !p->server.failed());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  switch (in.u8() % 3) {
    case 0: stream_mode(in); break;
    case 1: datagram_mode(in); break;
    default: inner_mode(in); break;
  }
  return 0;
}
