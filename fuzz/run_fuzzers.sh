#!/usr/bin/env bash
# Runs every libFuzzer target of a MUTAUTH_FUZZ=ON build for a fixed time each, on a scratch copy
# of its seed corpus (the committed corpus is never written), with its dictionary if it has one.
# Prints one summary line per target and exits non-zero if any target crashed, leaked, tripped a
# sanitizer or broke an invariant. Crashing inputs land in <build>/fuzz/artifacts/<target>/.
#
# Usage: fuzz/run_fuzzers.sh [seconds-per-target (20)] [build-dir (build-fuzz)] [target...]
#   MUTAUTH_FUZZ_ARGS="-jobs=2 ..."  extra libFuzzer flags
#   MUTAUTH_FUZZ_KEEP_CORPUS=1       keep the grown scratch corpora (path printed at the end)
set -u
secs=${1:-20}
build=${2:-build-fuzz}
shift $(( $# > 2 ? 2 : $# ))
want=" $* "

manifest=$build/fuzz/fuzz_targets.txt
if [[ ! -f $manifest ]]; then
  echo "run_fuzzers.sh: no $manifest; configure with -DCMAKE_CXX_COMPILER=clang++ -DMUTAUTH_FUZZ=ON and build" >&2
  exit 2
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mutauth-fuzz.XXXXXX")
[[ -n ${MUTAUTH_FUZZ_KEEP_CORPUS:-} ]] || trap 'rm -rf "$scratch"' EXIT
logs=$build/fuzz/logs
mkdir -p "$logs"

failed=0
ran=0
while read -r name corpus dict; do
  [[ -z $name ]] && continue
  [[ $want != "  " && $want != *" $name "* ]] && continue
  bin=$build/fuzz/fuzz_$name
  if [[ ! -x $bin ]]; then
    printf '%-18s MISSING %s (not built)\n' "$name" "$bin"
    failed=1
    continue
  fi
  work=$scratch/$name
  arts=$build/fuzz/artifacts/$name
  mkdir -p "$work" "$arts"
  cp -R "$corpus"/. "$work"/ 2>/dev/null
  args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$arts/")
  [[ $dict != - ]] && args+=(-dict="$dict")
  log=$logs/$name.log
  # shellcheck disable=SC2086  # MUTAUTH_FUZZ_ARGS is a list of flags
  "$bin" "${args[@]}" ${MUTAUTH_FUZZ_ARGS:-} "$work" >"$log" 2>&1
  rc=$?
  ran=$((ran + 1))

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  verdict=ok
  if [[ $rc -ne 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz invariant violated|deadly signal' "$log"; then
    verdict="FAIL (exit $rc; log $log; inputs in $arts/)"
    failed=1
  fi
  printf '%-18s %6ss  execs %-9s exec/s %-6s cov %-5s ft %-6s corpus %-10s %s\n' \
    "$name" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict"
done <"$manifest"

[[ -n ${MUTAUTH_FUZZ_KEEP_CORPUS:-} ]] && echo "grown corpora kept in $scratch"
if [[ $ran -eq 0 ]]; then
  echo "run_fuzzers.sh: no target ran" >&2
  exit 2
fi
exit $failed
