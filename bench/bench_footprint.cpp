// bench_footprint — memory figures of the pk path, printed as one JSON object (report.py reads
// it): sizeof the handshake and session objects, and heap allocations per full handshake
// (construction, four steps, finish() on both sides, session teardown), counted by a replaced
// global operator new. The promise (DESIGN §2, G6) is zero; a non-zero count exits 1.
//
// Not a Google Benchmark binary: a count is not a timing, and the benchmark library's own
// allocations would only have to be subtracted out again.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

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

int main(int argc, char** argv) {
  using namespace mutauth;
  using namespace mutauth::bench;
  constexpr int handshakes = 100;
  static PkFixture f;  // static: the fixture's own setup is not what we count
  PkWire wire;
  if (!f.ok || !run_pk_handshake(f, &wire)) {
    std::fputs("bench_footprint: pk handshake failed\n", stderr);
    return 2;
  }
  const unsigned long before = g_allocations;
  for (int i = 0; i < handshakes; ++i) {
    if (!run_pk_handshake(f)) {
      std::fputs("bench_footprint: pk handshake failed\n", stderr);
      return 2;
    }
  }
  const unsigned long allocs = g_allocations - before;

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
               "  \"pk_message_bytes\": [%zu, %zu, %zu]\n"
               "}\n",
               sizeof(Initiator<PK>), sizeof(Acceptor<PK>), sizeof(Session<PK>), PK::max_token_size,
               handshakes, allocs, static_cast<double>(allocs) / handshakes, wire.msg[0], wire.msg[1],
               wire.msg[2]);
  if (out != stdout) std::fclose(out);
  if (allocs != 0) {
    std::fprintf(stderr, "bench_footprint: %lu heap allocations in %d pk handshakes (expected 0)\n",
                 allocs, handshakes);
    return 1;
  }
  return 0;
}
