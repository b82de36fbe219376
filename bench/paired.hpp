// A ratio measured so that load from other processes cancels out, for bench_pk (handshake vs its
// crypto floor) and bench_krb5 (adapter vs raw GSS-API): each iteration times one call of each
// side back to back on this thread's CPU clock, alternating which goes first, and the counters
// are the medians of those per-call times. Two benchmarks that run seconds apart would also
// measure how the machine's load changed in between; here both sides see the same moment.
#pragma once

#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mutauth {
inline namespace v0 {
namespace bench {

inline double thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

inline double median(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// Runs `a` and `b` (each returns false on failure) once per iteration in alternating order and
/// sets the counters `<a_name>_us`, `<b_name>_us` and `ratio` (a / b, of the medians).
template <class A, class B>
void run_paired(benchmark::State& state, A&& a, B&& b, const std::string& a_name,
                const std::string& b_name, const char* failure) {
  std::vector<double> ta, tb;
  bool a_first = true;
  for (auto _ : state) {
    bool ok = true;
    for (int k = 0; k < 2; ++k) {
      const bool do_a = (k == 0) == a_first;
      const double t0 = thread_cpu_ns();
      ok &= do_a ? a() : b();
      (do_a ? ta : tb).push_back(thread_cpu_ns() - t0);
    }
    a_first = !a_first;
    if (!ok) {
      state.SkipWithError(failure);
      break;
    }
  }
  if (ta.empty()) return;
  const double ma = median(ta), mb = median(tb);
  state.counters[a_name + "_us"] = ma / 1e3;
  state.counters[b_name + "_us"] = mb / 1e3;
  state.counters["ratio"] = ma / mb;
}

}  // namespace bench
}  // namespace v0
}  // namespace mutauth
