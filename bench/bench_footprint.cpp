// bench_footprint — memory figures of the pk path, printed as one JSON object (report.py reads
// it): sizeof the handshake and session objects, and heap allocations per full handshake
// (construction, five steps for the four messages, finish() on both sides, session teardown), counted by a replaced
// global operator new, in pinned mode and in CA mode (OpenSSH certificates from one CA, parsed
// and verified on every handshake), and in CA mode again with a verified-certificate cache on both
// sides (pk/verify_cache.hpp: hits after the warm-up). The promise (docs/design.md §1, G6) is zero
// in all three; a non-zero count exits 1.
//
// Not a Google Benchmark binary: a count is not a timing, and the benchmark library's own
// allocations would only have to be subtracted out again.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "mutauth/mech/pk/verify_cache.hpp"
#include "pk_fixture.hpp"

namespace {
unsigned long g_allocations = 0;

void* counted_alloc(std::size_t n) {
  ++g_allocations;
  void* p = std::malloc(n ? n : 1);
  if (p == nullptr) std::abort();  // no std::bad_alloc: the bench may be built without exceptions
  return p;
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t a) {
  ++g_allocations;
  const auto al = static_cast<std::size_t>(a);
  void* p = std::aligned_alloc(al, (n + al - 1) / al * al);  // size must be a multiple of al
  if (p == nullptr) std::abort();
  return p;
}
}  // namespace

// Every form funnels into the counter. The array forms call these by default; the aligned ones
// do not (libstdc++ calls aligned_alloc directly), so they are replaced too: libsodium's hash
// state is 64-byte aligned, and a heap copy of one must not go unseen.
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {
constexpr int handshakes = 100;

// Heap allocations over `handshakes` full handshakes after one warm-up handshake (which also
// fills `wire`), or -1 if a handshake fails. The warm-up keeps one-time lazy initialisation
// (libsodium's, libc's) out of the count: it is not per handshake.
template <class F>
long count_allocations(const F& f, mutauth::bench::PkWire& wire) {
  if (!f.ok || !mutauth::bench::run_pk_handshake(f, &wire)) return -1;
  const unsigned long before = g_allocations;
  for (int i = 0; i < handshakes; ++i)
    if (!mutauth::bench::run_pk_handshake(f)) return -1;
  return static_cast<long>(g_allocations - before);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace mutauth;
  using namespace mutauth::bench;
  // Static: the fixtures' own setup (and, for CA mode, ssh-keygen) is not what we count.
  static PkFixture f;
  static PkCaFixture ca;
  PkWire wire, wire_ca;
  const long allocs_pinned = count_allocations(f, wire);
  if (allocs_pinned < 0) {
    std::fputs("bench_footprint: pk handshake (pinned) failed\n", stderr);
    return 2;
  }
  const long allocs_ca = count_allocations(ca, wire_ca);
  if (allocs_ca < 0) {
    std::fputs("bench_footprint: pk handshake (CA mode) failed\n", stderr);
    return 2;
  }
  // The same CA fixture with a cache on each side: the warm-up fills them, the counted handshakes hit.
  static pk::FixedVerifyCache<> client_cache, server_cache;
  ca.icfg.trust.cert_cache = &client_cache;
  ca.acfg->trust.cert_cache = &server_cache;
  PkWire wire_cached;
  const long allocs_cached = count_allocations(ca, wire_cached);
  ca.icfg.trust.cert_cache = nullptr;
  ca.acfg->trust.cert_cache = nullptr;
  if (allocs_cached < 0 || server_cache.hits() < static_cast<std::size_t>(handshakes)) {
    std::fputs("bench_footprint: pk handshake (CA mode, cache) failed or did not hit\n", stderr);
    return 2;
  }
  const unsigned long allocs = static_cast<unsigned long>(allocs_pinned);

  FILE* out = stdout;
  if (argc == 3 && std::strcmp(argv[1], "--out") == 0) {
    out = std::fopen(argv[2], "w");
    if (out == nullptr) return 2;
  }
  std::fprintf(out,
               "{\n"
               "  \"sizeof_initiator_pk\": %zu,\n"
               "  \"sizeof_acceptor_pk\": %zu,\n"
               "  \"sizeof_session_pk\": %zu,\n"
               "  \"max_token_size_pk\": %zu,\n"
               "  \"handshakes_counted\": %d,\n"
               "  \"heap_allocations_total\": %lu,\n"
               "  \"heap_allocations_per_handshake\": %.3f,\n"
               "  \"pk_message_bytes\": [%zu, %zu, %zu, %zu],\n"
               "  \"heap_allocations_total_ca\": %ld,\n"
               "  \"heap_allocations_per_handshake_ca\": %.3f,\n"
               "  \"pk_message_bytes_ca\": [%zu, %zu, %zu, %zu],\n"
               "  \"heap_allocations_per_handshake_ca_cache\": %.3f\n"
               "}\n",
               sizeof(Initiator<PK>), sizeof(Acceptor<PK>), sizeof(Session<PK>), PK::max_token_size,
               handshakes, allocs, static_cast<double>(allocs) / handshakes, wire.msg[0],
               wire.msg[1], wire.msg[2], wire.msg[3], allocs_ca,
               static_cast<double>(allocs_ca) / handshakes, wire_ca.msg[0], wire_ca.msg[1],
               wire_ca.msg[2], wire_ca.msg[3], static_cast<double>(allocs_cached) / handshakes);
  if (out != stdout) std::fclose(out);
  int rc = 0;
  if (allocs != 0) {
    std::fprintf(stderr,
                 "bench_footprint: %lu heap allocations in %d pinned pk handshakes (expected 0)\n",
                 allocs, handshakes);
    rc = 1;
  }
  if (allocs_ca != 0) {
    std::fprintf(stderr,
                 "bench_footprint: %ld heap allocations in %d CA-mode pk handshakes (expected 0)\n",
                 allocs_ca, handshakes);
    rc = 1;
  }
  if (allocs_cached != 0) {
    std::fprintf(stderr,
                 "bench_footprint: %ld heap allocations in %d CA-mode pk handshakes with the cache "
                 "(expected 0)\n",
                 allocs_cached, handshakes);
    rc = 1;
  }
  return rc;
}
