// Fuzz target: Session<pk::PublicKey> records (session.hpp, session_keys.hpp).
// Input: u8 mode | records, each u16 length | bytes. Mode % 2: 0 = stream (Session::open),
// 1 = datagram (open_datagram). Every input gets a freshly established session pair; the RNG is
// deterministic, so it is the same pair every time and genuine records in the corpus open.
// Invariants:
//  * a record opens only if it is byte-for-byte what the honest peer seals for that plaintext
//    at that position (no forgery);
//  * stream: the first failure kills the session for good (same code for open and seal);
//  * datagram: a failed datagram harms nothing — an honest datagram sent afterwards opens —
//    and an opened one is refused when replayed.
#include "fuzz_pk.hpp"

using namespace mutauth;

namespace {
using Keys = pk::SessionKeys;

void stream_mode(fuzz::input& in) {
  auto p = fuzz::establish(0);
  fuzz::bytes out(1 << 16), again(1 << 16);
  while (!in.empty()) {
    const bytes_view rec = in.take(in.u16());
    auto n = p->server.open(rec, out);
    if (!n) {
      MUTAUTH_FUZZ_CHECK(n.error_value().category() != error_category_id::misuse);
      MUTAUTH_FUZZ_CHECK(p->server.failed() && p->server.open(rec, out).code() == n.code());
      MUTAUTH_FUZZ_CHECK(p->server.seal(rec, again).code() == n.code());
      return;
    }
    auto m = p->client.seal(bytes_view(out).first(*n), again);
    MUTAUTH_FUZZ_CHECK(m && fuzz::same(bytes_view(again).first(*m), rec));
  }
}

// What the honest client seals as its datagram number `nonce` for `plaintext`.
fuzz::bytes honest_datagram(std::uint64_t nonce, bytes_view plaintext) {
  auto ref = fuzz::establish(0);
  fuzz::bytes d(plaintext.size() + Keys::datagram_overhead);
  for (std::uint64_t i = 0; i <= nonce; ++i) {
    auto n = ref->client.mechanism_keys().seal_datagram(plaintext, d);
    MUTAUTH_FUZZ_CHECK(n);
  }
  return d;
}

void datagram_mode(fuzz::input& in) {
  auto p = fuzz::establish(0);
  Keys& rx = p->server.mechanism_keys();
  fuzz::bytes out(1 << 16);
  std::uint64_t next_unused = 0;  // above every nonce opened so far
  while (!in.empty()) {
    const bytes_view d = in.take(in.u16());
    auto n = rx.open_datagram(d, out);
    if (!n) continue;
    std::uint64_t nonce = 0;
    for (int i = 0; i < 8; ++i) nonce = (nonce << 8) | d[i];
    MUTAUTH_FUZZ_CHECK(nonce < Keys::replay_window);  // the corpus holds no further ones
    MUTAUTH_FUZZ_CHECK(fuzz::same(honest_datagram(nonce, bytes_view(out).first(*n)), d));
    MUTAUTH_FUZZ_CHECK(rx.open_datagram(d, out).code() == errc::replayed);
    if (nonce >= next_unused) next_unused = nonce + 1;
  }
  // Whatever came before, an honest datagram with a fresh nonce still opens.
  Keys& tx = p->client.mechanism_keys();
  static constexpr std::uint8_t probe[] = {'p', 'r', 'o', 'b', 'e'};
  fuzz::bytes d(sizeof probe + Keys::datagram_overhead);
  for (std::uint64_t i = 0; i <= next_unused; ++i) MUTAUTH_FUZZ_CHECK(tx.seal_datagram(probe, d));
  auto n = rx.open_datagram(d, out);
  MUTAUTH_FUZZ_CHECK(n && *n == sizeof probe && !p->server.failed());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  if (in.u8() % 2 == 0) stream_mode(in);
  else datagram_mode(in);
  return 0;
}
