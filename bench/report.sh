#!/usr/bin/env bash
# mutauth benchmark report — one command: configure + build the benchmarks, run them, and write
# bench/results/ (raw JSON per binary, console logs, footprint.json, REPORT.md, handshake.svg, and
# the Cortex-M4 firmware's mcu.md/mcu.json through bench/mcu_report.sh).
#
#   bench/report.sh            full report, median of 5 repetitions (about 3 minutes)
#   bench/report.sh --smoke    CI: build, run every binary once briefly, report into a temp dir;
#                              fails only if something fails to build or run, never on timings
#
# Environment: MUTAUTH_BENCH_BUILD_DIR (default <repo>/build-bench), MUTAUTH_BENCH_REPS (5),
# MUTAUTH_BENCH_SERVER_N (500 handshakes per configuration and round of bench_server) and
# MUTAUTH_BENCH_SERVER_ROUNDS (10: short rounds, so that each round's ratios pair configurations
# measured seconds apart). bench_server needs the CLI, hence MUTAUTH_TOOLS=ON below.
# Benchmarks are single-threaded; other work on the machine shows up in the load average the
# report records. Kerberos: bench_krb5 is run when it was built (see bench/CMakeLists.txt); it
# brings up a throwaway MIT KDC (tests/krb5/kdc_fixture.sh) for its run, and is reported as skipped
# if none can be started.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${MUTAUTH_BENCH_BUILD_DIR:-$root/build-bench}
reps=${MUTAUTH_BENCH_REPS:-5}
smoke=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac

if [ "$smoke" = 1 ]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/mutauth-bench-smoke.XXXXXX")
  run_flags=(--benchmark_min_time=0.01)
  reps=1
  server_flags=(--n 5 --rounds 1)
else
  out=$here/results
  mkdir -p "$out"
  run_flags=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true
             --benchmark_enable_random_interleaving=true --benchmark_min_time=0.4)
  server_flags=(--n "${MUTAUTH_BENCH_SERVER_N:-500}" --rounds "${MUTAUTH_BENCH_SERVER_ROUNDS:-10}")
fi
export MUTAUTH_BENCH_LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
export MUTAUTH_BENCH_SMOKE=$smoke MUTAUTH_BENCH_REPS=$reps

echo "== configure + build ($build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMUTAUTH_BENCH=ON \
  -DMUTAUTH_TESTS=OFF -DMUTAUTH_FUZZ_REPLAY=OFF -DMUTAUTH_TOOLS=ON >/dev/null
cmake --build "$build"

bin=$build/bench
for b in bench_pk bench_tls bench_session bench_footprint bench_server min_client; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b" >&2; exit 1; }
done

# One binary at a time: two benchmarks running at once on 2 cores would measure each other.
run() {
  local name=$1
  echo "== $name"
  "$bin/$name" "${run_flags[@]}" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
    | tee "$out/$name.txt"
}
run bench_pk
run bench_tls
run bench_session
# Kerberos: bench_krb5 starts the tests' KDC fixture itself and tears it down when it exits. Exit 77
# means no KDC could be started (tools missing and not installable): reported as skipped, with the
# reason, instead of failing the whole report.
rm -f "$out/bench_krb5.skipped"
if [ -x "$bin/bench_krb5" ]; then
  krb_rc=0
  run bench_krb5 || krb_rc=$?
  if [ "$krb_rc" = 77 ]; then
    echo "bench_krb5 skipped: no KDC could be started (its reason is above)" >&2
    echo "no KDC could be started (see bench_krb5's stderr)" > "$out/bench_krb5.skipped"
    rm -f "$out/bench_krb5.json" "$out/bench_krb5.txt"
  elif [ "$krb_rc" != 0 ]; then
    echo "bench_krb5 failed ($krb_rc)" >&2; exit 1
  fi
else
  rm -f "$out/bench_krb5.json" "$out/bench_krb5.txt"
fi
# Servers over loopback: the CLI and openssl s_server as child processes, the client loops in
# process. Its progress lines (stderr) are the console log; the figures are in the JSON.
echo "== bench_server"
"$bin/bench_server" "${server_flags[@]}" --out "$out/bench_server.json" 2>&1 | tee "$out/bench_server.txt"
echo "== bench_footprint"
# Exit 1 = it ran but counted heap allocations: still write the report (it shows the failure),
# then fail. Anything else non-zero is a crash or a failed handshake: stop here.
fp_rc=0
"$bin/bench_footprint" --out "$out/footprint.json" || fp_rc=$?
[ "$fp_rc" -le 1 ] || { echo "bench_footprint failed ($fp_rc)" >&2; exit 1; }
cat "$out/footprint.json"
rm -f "$out/footprint_1k.json"
if [ -x "$bin/bench_footprint_1k" ]; then
  "$bin/bench_footprint_1k" --out "$out/footprint_1k.json" || fp_rc=$?
  [ "$fp_rc" -le 1 ] || { echo "bench_footprint_1k failed ($fp_rc)" >&2; exit 1; }
  cat "$out/footprint_1k.json"
fi

# The Cortex-M4 section (bench/results/mcu.md, docs/embedded.md): the firmware under QEMU against
# this build's CLI. Skipped, with the reason, where the cross toolchain or QEMU is missing; not in
# --smoke (its first run fetches and builds libsodium for the target).
rm -f "$out/mcu.skipped"
if [ "$smoke" = 1 ]; then
  echo "== mcu_report: skipped in --smoke (run bench/report.sh or bench/mcu_report.sh for it)"
else
  # shellcheck source=scripts/lib/mcu.sh
  mcu_missing=$(source "$root/scripts/lib/mcu.sh" && mutauth_mcu_missing_tools)
  if [ -n "$mcu_missing" ]; then
    echo "== mcu_report: skipped: missing $mcu_missing (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev autoconf automake libtool)" >&2
    echo "missing $mcu_missing" > "$out/mcu.skipped"
  else
    echo "== mcu_report"
    bash "$here/mcu_report.sh" "$build"
  fi
fi

echo "== report"
python3 "$here/report.py" "$out" "$build" "$root" "bench/report.sh" "$@"
if [ "$fp_rc" != 0 ]; then echo "FAIL: heap allocations on the pk handshake path" >&2; exit 1; fi
if [ "$smoke" = 1 ]; then echo "smoke OK: $out"; fi
