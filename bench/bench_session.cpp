// bench_session — record throughput of an established pk Session (stream mode: seal on one side,
// open on the other) against raw libsodium ChaCha20-Poly1305 IETF encrypt + decrypt of the same
// sizes with the same nonce construction. Target: Session >= 0.9 x raw at every size.
//
// One iteration = one record sealed by the client and opened by the server, so bytes/s counts
// each plaintext byte once for both operations in both benchmarks.
//
// A stream record's AEAD plaintext is content | type (docs/protocol/mutauth-pk.md §8.1): the
// Session seals N + 1 bytes for N bytes of data, and seal() first copies the data into the output
// buffer and appends the type byte, then encrypts in place. The raw baseline encrypts the N bytes
// alone, straight from the input buffer, so the ratio charges the Session for both the extra
// byte and the copy. Two more rows separate them:
//   BM_raw_aead_record/N            raw AEAD over N + 1 bytes (content | type) from a separate
//                                   buffer: the floor the wire format sets for a stream record;
//   BM_session_seal_open_in_place/N the Session with the plaintext already at the start of the
//                                   record buffer (seal() allows it), so seal() copies nothing.
//
// BM_datagram_seal_open: the same record through DatagramSession (std::move(s).into_datagram(),
// §8.3: explicit 8-byte nonce as the AD, no type byte, replay window on open), against
// BM_raw_aead_datagram, the raw AEAD with the same 8-byte AD.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <sodium.h>

#include "pk_fixture.hpp"

namespace mutauth {
inline namespace v0 {
namespace bench {
namespace {

struct Sessions {
  PkFixture f;
  std::optional<Session<PK>> client, server;
  bool ok = false;
  Sessions() noexcept { ok = f.ok && run_pk_handshake(f, nullptr, &client, &server); }
};

// The same pair turned into datagram sessions on both sides (before any record, as §8.3 says).
struct DatagramSessions {
  Sessions s;
  std::optional<DatagramSession<PK>> client, server;
  bool ok = false;
  DatagramSessions() noexcept {
    if (!s.ok) return;
    auto c = std::move(*s.client).into_datagram();
    auto v = std::move(*s.server).into_datagram();
    if (!c || !v) return;
    client.emplace(std::move(*c));
    server.emplace(std::move(*v));
    ok = true;
  }
};

// False, and the benchmark skipped, when its sessions could not be set up.
template <class Pair>
bool ready(benchmark::State& state, const Pair& s, const char* what) {
  if (!s.ok) state.SkipWithError(what);
  return s.ok;
}

// Every benchmark counts each plaintext byte of an iteration once (see the top of this file).
void count_bytes(benchmark::State& state, std::size_t n) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}

std::array<std::uint8_t, 32> random_key() {
  std::array<std::uint8_t, 32> k{};
  randombytes_buf(k.data(), k.size());
  return k;
}

// The stream benchmarks' loop: the client seals the n bytes of `in` into `rec`, the server opens
// the record into `out` (open() needs record.size() - open_overhead bytes: the content and its
// type byte).
void seal_open_loop(benchmark::State& state, Sessions& s, bytes_view in,
                    std::vector<std::uint8_t>& rec, std::vector<std::uint8_t>& out) {
  const std::size_t n = in.size();
  for (auto _ : state) {
    auto c = s.client->seal(in, rec);
    auto p = s.server->open(bytes_view(rec.data(), c ? *c : 0), out);
    if (!c || !p || p->type != content_type::data || p->size != n) {
      state.SkipWithError("seal/open failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  count_bytes(state, n);
}

// A fresh pair per benchmark keeps nonce counters and failure state independent of order.
void BM_session_seal_open(benchmark::State& state) {
  Sessions s;
  if (!ready(state, s, "pk handshake failed")) return;
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> pt(n, 0xa5), rec(n + Session<PK>::seal_overhead),
      out(n + Session<PK>::seal_overhead - Session<PK>::open_overhead);
  seal_open_loop(state, s, pt, rec, out);
}

// The same, sealing in place: the data already sits where the record goes, so seal() only appends
// the type byte (what an application that builds its data in the record buffer gets). After the
// first record rec holds ciphertext; sealing those bytes costs the same.
void BM_session_seal_open_in_place(benchmark::State& state) {
  Sessions s;
  if (!ready(state, s, "pk handshake failed")) return;
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> rec(n + Session<PK>::seal_overhead, 0xa5),
      out(n + Session<PK>::seal_overhead - Session<PK>::open_overhead);
  seal_open_loop(state, s, bytes_view(rec.data(), n), rec, out);
}

void BM_datagram_seal_open(benchmark::State& state) {
  DatagramSessions s;
  if (!ready(state, s, "pk handshake or into_datagram() failed")) return;
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> pt(n, 0xa5), rec(n + DatagramSession<PK>::overhead), out(n);
  for (auto _ : state) {
    auto c = s.client->seal(pt, rec);
    auto p = s.server->open(bytes_view(rec.data(), c ? *c : 0), out);
    if (!c || !p || *p != n) {
      state.SkipWithError("datagram seal/open failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  count_bytes(state, n);
}

// The same work with nothing around it: Noise's nonce layout (4 zero bytes, 64-bit LE counter),
// no associated data, a counter per direction.
void BM_raw_aead_encrypt_decrypt(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::array<std::uint8_t, 32> k = random_key();
  std::vector<std::uint8_t> pt(n, 0xa5), rec(n + 16), out(n);
  std::uint64_t send_n = 0, recv_n = 0;
  auto nonce_of = [](std::uint64_t c) {
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(c >> (8 * i));
    return nonce;
  };
  for (auto _ : state) {
    unsigned long long clen = 0, mlen = 0;
    const auto ne = nonce_of(send_n++);
    crypto_aead_chacha20poly1305_ietf_encrypt(rec.data(), &clen, pt.data(), n, nullptr, 0, nullptr,
                                              ne.data(), k.data());
    const auto nd = nonce_of(recv_n++);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, rec.data(), clen,
                                                  nullptr, 0, nd.data(), k.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  count_bytes(state, n);
}

// The wire format's floor for a stream record of N data bytes: one AEAD over content | type
// (N + 1 bytes, §8.1) each way, from a buffer that already holds them.
void BM_raw_aead_record(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::array<std::uint8_t, 32> k = random_key();
  std::vector<std::uint8_t> inner(n + 1, 0xa5), rec(n + 1 + 16), out(n + 1);
  inner[n] = 1;  // content_type::data
  std::uint64_t ctr = 0;
  for (auto _ : state) {
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(ctr >> (8 * i));
    ++ctr;
    unsigned long long clen = 0, mlen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(rec.data(), &clen, inner.data(), n + 1, nullptr, 0,
                                              nullptr, nonce.data(), k.data());
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, rec.data(), clen,
                                                  nullptr, 0, nonce.data(), k.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  count_bytes(state, n);
}

// Raw AEAD as a datagram record uses it: the 8-byte big-endian counter in front, and as the AD.
void BM_raw_aead_datagram(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::array<std::uint8_t, 32> k = random_key();
  std::vector<std::uint8_t> pt(n, 0xa5), rec(8 + n + 16), out(n);
  std::uint64_t send_n = 0;
  for (auto _ : state) {
    const std::uint64_t c = send_n++;
    std::array<std::uint8_t, 12> nonce{};
    for (int i = 0; i < 8; ++i) {
      nonce[4 + i] = static_cast<std::uint8_t>(c >> (8 * i));
      rec[i] = static_cast<std::uint8_t>(c >> (56 - 8 * i));
    }
    unsigned long long clen = 0, mlen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(rec.data() + 8, &clen, pt.data(), n, rec.data(), 8,
                                              nullptr, nonce.data(), k.data());
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, rec.data() + 8, clen,
                                                  rec.data(), 8, nonce.data(), k.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  count_bytes(state, n);
}

}  // namespace
}  // namespace bench
}  // namespace v0
}  // namespace mutauth

int main(int argc, char** argv) {
  using namespace mutauth::bench;
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const long n : {64L, 1024L, 16384L}) {
    benchmark::RegisterBenchmark("BM_session_seal_open", BM_session_seal_open)->Arg(n);
    benchmark::RegisterBenchmark("BM_raw_aead_encrypt_decrypt", BM_raw_aead_encrypt_decrypt)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_session_seal_open_in_place", BM_session_seal_open_in_place)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_raw_aead_record", BM_raw_aead_record)->Arg(n);
  }
  for (const long n : {64L, 1024L, 16384L}) {
    benchmark::RegisterBenchmark("BM_datagram_seal_open", BM_datagram_seal_open)->Arg(n);
    benchmark::RegisterBenchmark("BM_raw_aead_datagram", BM_raw_aead_datagram)->Arg(n);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
