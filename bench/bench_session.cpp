// bench_session — record throughput of an established pk Session (stream mode: seal on one side,
// open on the other) against raw libsodium ChaCha20-Poly1305 IETF encrypt + decrypt of the same
// sizes with the same nonce construction. Target: Session >= 0.9 x raw at every size.
//
// One iteration = one record sealed by the client and opened by the server, so bytes/s counts
// each plaintext byte once for both operations in both benchmarks.
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

// A fresh pair per benchmark keeps nonce counters and failure state independent of order.
void BM_session_seal_open(benchmark::State& state) {
  Sessions s;
  if (!s.ok) {
    state.SkipWithError("pk handshake failed");
    return;
  }
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> pt(n, 0xa5), rec(n + Session<PK>::seal_overhead), out(n);
  for (auto _ : state) {
    auto c = s.client->seal(pt, rec);
    auto p = s.server->open(bytes_view(rec.data(), c ? *c : 0), out);
    if (!c || !p || *p != n) {
      state.SkipWithError("seal/open failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// The same work with nothing around it: Noise's nonce layout (4 zero bytes, 64-bit LE counter),
// no associated data, a counter per direction.
void BM_raw_aead_encrypt_decrypt(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::array<std::uint8_t, 32> k{};
  randombytes_buf(k.data(), k.size());
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
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
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
    benchmark::RegisterBenchmark("BM_raw_aead_encrypt_decrypt", BM_raw_aead_encrypt_decrypt)->Arg(n);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
