// TEST ONLY. For the no-exceptions/no-heap test programs: a global operator new that counts
// allocations and aborts the program while the heap is forbidden, and an EXPECT macro (these
// programs cannot use Catch2, which needs exceptions). Include from exactly one file per program:
// it defines the replaceable global allocation functions.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(__cpp_exceptions) || defined(__GXX_RTTI)
#error "the no-heap test programs must be built with -fno-exceptions -fno-rtti"
#endif

namespace mutauth::testing {
inline bool g_forbid_heap = false;
inline unsigned long g_allocations = 0;
}  // namespace mutauth::testing

void* operator new(std::size_t n) {
  ++mutauth::testing::g_allocations;
  if (mutauth::testing::g_forbid_heap) {
    std::fputs("FAIL: heap allocation where the heap is forbidden (handshake or session path)\n",
               stderr);
    std::abort();
  }
  void* p = std::malloc(n ? n : 1);
  if (!p) std::abort();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

#define EXPECT(c)                                                       \
  do {                                                                  \
    if (!(c)) {                                                         \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
      return 1;                                                         \
    }                                                                   \
  } while (0)

namespace mutauth::testing {

/// Drives a four-message exchange (mutauth-pk/1: initiator first, the acceptor's admission
/// last) to both sides done, in memory, allocating nothing itself: the no-heap programs call it
/// with the heap forbidden. Returns the failing step (1..5) or 0.
template <class Client, class Server>
int run_handshake_no_heap(Client& client, Server& server) noexcept {
  const auto r1 = client.step();
  if (r1.st != mutauth::status::send) return 1;
  const auto r2 = server.step(r1.token);
  if (r2.st != mutauth::status::send) return 2;
  const auto r3 = client.step(r2.token);
  if (r3.st != mutauth::status::send) return 3;
  const auto r4 = server.step(r3.token);  // done WITH the admission token
  if (r4.st != mutauth::status::done || r4.token.empty()) return 4;
  const auto r5 = client.step(r4.token);  // done on it, with nothing to send
  return (r5.st == mutauth::status::done && r5.token.empty()) ? 0 : 5;
}

}  // namespace mutauth::testing
