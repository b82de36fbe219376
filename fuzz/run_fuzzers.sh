#!/usr/bin/env bash
# Runs every libFuzzer target of a MUTAUTH_FUZZ=ON build for a fixed time each, on a scratch copy
# of its seed corpus (the committed corpus is never written), with its dictionary if it has one,
# N targets at a time. Prints one summary line per target and exits non-zero if any target
# crashed, leaked, tripped a sanitizer, broke an invariant or did not run. Crashing inputs land in
# <build>/fuzz/artifacts/<target>/, logs in <build>/fuzz/logs/<target>.log.
#
# Usage: fuzz/run_fuzzers.sh [seconds-per-target (15)] [build-dir (build-fuzz)] [target...]
#   MUTAUTH_FUZZ_PARALLEL=N          targets run at once (default 2: one per core of a small CI
#                                    machine; each target is one process)
#   MUTAUTH_FUZZ_ARGS="..."          extra libFuzzer flags
#   MUTAUTH_FUZZ_KEEP_CORPUS=1       keep the grown scratch corpora (path printed at the end)
# With the defaults the whole run takes about 15 s x targets / 2 (under 3 minutes for 18 targets).
set -u
secs=${1:-15}
build=${2:-build-fuzz}
shift $(( $# > 2 ? 2 : $# ))
want=" $* "
parallel=${MUTAUTH_FUZZ_PARALLEL:-2}
[[ $parallel =~ ^[1-9][0-9]*$ ]] || { echo "run_fuzzers.sh: MUTAUTH_FUZZ_PARALLEL must be a positive integer" >&2; exit 2; }

manifest=$build/fuzz/fuzz_targets.txt
if [[ ! -f $manifest ]]; then
  echo "run_fuzzers.sh: no $manifest; configure with -DCMAKE_CXX_COMPILER=clang++ -DMUTAUTH_FUZZ=ON and build" >&2
  exit 2
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mutauth-fuzz.XXXXXX")
[[ -n ${MUTAUTH_FUZZ_KEEP_CORPUS:-} ]] || trap 'rm -rf "$scratch"' EXIT
logs=$build/fuzz/logs
mkdir -p "$logs"

# Runs one target and writes its summary line to $scratch/<name>.result; the line starts with
# "ok" or "FAIL" so that the caller can tell without parsing the rest.
run_one() {
  local name=$1 corpus=$2 dict=$3
  local bin=$build/fuzz/fuzz_$name result=$scratch/$name.result
  if [[ ! -x $bin ]]; then
    printf 'FAIL %-18s MISSING %s (not built)\n' "$name" "$bin" >"$result"
    return
  fi
  local work=$scratch/$name arts=$build/fuzz/artifacts/$name log=$logs/$name.log
  mkdir -p "$work" "$arts"
  cp -R "$corpus"/. "$work"/ 2>/dev/null
  # -timeout: a single input slower than this is a finding (the krb5 targets set up their
  # Kerberos environment in LLVMFuzzerInitialize, outside any input's time).
  local args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
              -artifact_prefix="$arts/")
  [[ $dict != - ]] && args+=(-dict="$dict")
  # shellcheck disable=SC2086  # MUTAUTH_FUZZ_ARGS is a list of flags
  "$bin" "${args[@]}" ${MUTAUTH_FUZZ_ARGS:-} "$work" >"$log" 2>&1
  local rc=$?

  local execs rate last cov ft corp verdict=ok
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  if [[ $rc -ne 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz invariant violated|deadly signal|fuzz krb5 harness:' "$log"; then
    verdict="FAIL (exit $rc; log $log; inputs in $arts/)"
  fi
  printf '%s %-18s %6ss  execs %-9s exec/s %-6s cov %-5s ft %-6s corpus %-10s %s\n' \
    "${verdict%% *}" "$name" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
    "$verdict" >"$result"
}

names=()
running=0
while read -r name corpus dict; do
  [[ -z $name ]] && continue
  [[ $want != "  " && $want != *" $name "* ]] && continue
  names+=("$name")
  run_one "$name" "$corpus" "$dict" &
  running=$((running + 1))
  if (( running >= parallel )); then
    wait -n
    running=$((running - 1))
  fi
done <"$manifest"
wait

if [[ ${#names[@]} -eq 0 ]]; then
  echo "run_fuzzers.sh: no target ran" >&2
  exit 2
fi
failed=0
for name in "${names[@]}"; do
  line=$(cat "$scratch/$name.result" 2>/dev/null || echo "FAIL $name produced no result")
  [[ $line == ok* ]] || failed=1
  echo "${line#* }"
done
[[ -n ${MUTAUTH_FUZZ_KEEP_CORPUS:-} ]] && echo "grown corpora kept in $scratch"
exit $failed
