#!/usr/bin/env bash
# The firmware's footprint and cost on the emulated Cortex-M4, measured on the running firmware
# (docs/embedded.md, "Measurements"): writes bench/results/mcu.json and bench/results/mcu.md.
#
#   bench/mcu_report.sh [BUILD_DIR]      (default build/dev; builds its mutauth_cli target)
#
# Flash and static RAM come from the linker map (bench/mcu_sizes.py), peak stack from stack
# painting, instruction counts from SysTick under QEMU -icount shift=0, sizes from sizeof on the
# target; each scenario is one real handshake and sealed echo against the host's mutauth CLI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/dev}
out=$repo/bench/results
work=$build/mcu-report
if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build" -j2 --target mutauth_cli >/dev/null
cli=$build/bin/mutauth
t=$repo/tests/embedded/mcu_test.sh
bash "$t" prepare "$work" "$repo" || { echo "mcu_report: the firmware could not be built here" >&2; exit 1; }
: >"$work/results.txt"
for s in client_ca client_pinned server_ca server_pinned; do
  bash "$t" "$s" "$work" "$cli" >"$work/$s.log" 2>&1 || { cat "$work/$s.log"; exit 1; }
  grep '^mcu: result ' "$work/$s.log" >>"$work/results.txt"
done
python3 "$repo/bench/mcu_sizes.py" "$work/fw/mutauth_fw.map" >"$work/sizes.json"
mkdir -p "$out"
python3 - "$work" "$out" "$(cat "$work/sodium/libsodium-arm/.debian-version" 2>/dev/null)" \
  "$(arm-none-eabi-gcc -dumpversion)" "$(qemu-system-arm --version | head -n1)" <<'PY'
import json, sys
work, out, sodium_ver, gcc_ver, qemu_ver = sys.argv[1:6]
sizes = json.load(open(f"{work}/sizes.json"))
runs = []
for line in open(f"{work}/results.txt"):
    kv = dict(w.split("=", 1) for w in line.split()[2:])
    r = {k: (v if k in ("role", "mode") else int(v)) for k, v in kv.items()}
    # SysTick runs at the board's 25 MHz; with -icount shift=0 one instruction is 1 ns: 40 per tick.
    r["handshake_instructions"] = r["handshake_ticks"] * 40
    r["setup_instructions"] = r["setup_ticks"] * 40
    runs.append(r)
first = runs[0]
doc = {
    "board": "QEMU mps2-an386 (Cortex-M4), -icount shift=0",
    "toolchain": f"arm-none-eabi-gcc {gcc_ver}, newlib-nano, -Os",
    "libsodium": f"Debian source package {sodium_ver}, --enable-minimal, -Os",
    "qemu": qemu_ver,
    "sizeof": {k[len("sizeof_"):]: v for k, v in first.items() if k.startswith("sizeof_")},
    "flash_by_origin": sizes["flash_by_origin"],
    "ram_by_origin": sizes["ram_by_origin"],
    "largest_static_objects": sizes["largest_static_objects"],
    "libsodium_members": sizes["libsodium_members"],
    "libsodium_dead_weight": sizes["libsodium_dead_weight"],
    "runs": [{k: v for k, v in r.items() if not k.startswith("sizeof_")} for r in runs],
}
json.dump(doc, open(f"{out}/mcu.json", "w"), indent=1)
f, ram = sizes["flash_by_origin"], sizes["ram_by_origin"]
total_flash, total_ram = sum(f.values()), sum(ram.values())
L = []
L.append("# mutauth on a Cortex-M4 (QEMU mps2-an386)\n")
L.append("Written by `bench/mcu_report.sh` (method: docs/embedded.md, \"Measurements\"). "
         f"{doc['toolchain']}; libsodium from the {doc['libsodium']}; {qemu_ver}. "
         "Each row is one real handshake and sealed echo against the host's `mutauth` CLI over the emulated UART. "
         "docs/embedded.md, \"Sizes\", compares them with the figures before issue 14 item 4 (\"make it small\").\n")
L.append("## Flash (bytes; code + read-only data + .data initialisers)\n")
L.append("| origin | flash |\n|---|---:|")
names = {"mutauth": "mutauth (the header-only library as instantiated in firmware.cpp, with the std:: templates it uses)",
         "libsodium": "libsodium", "firmware": "firmware glue (embedded/firmware.cpp's own code)",
         "runtime": "toolchain runtime (newlib-nano, libgcc, libstdc++)", "board": "startup, test-only randombytes, syscalls",
         "credentials": "embedded credentials (key, 2 certificates, 2 trust files)", "other": "other"}
for k in ("mutauth", "libsodium", "firmware", "runtime", "board", "credentials", "other"):
    if k in f:
        L.append(f"| {names[k]} | {f[k]:,} |")
L.append(f"| **total** | **{total_flash:,}** |\n")
L.append(f"Of libsodium's {f['libsodium']:,} bytes, **{sizes['libsodium_dead_weight']:,} are dead weight for mutauth**: "
         "members pulled in only by `sodium_init()` (CPU-feature probing and the Argon2/Salsa20 implementation pickers) and the "
         "default system random source (replaced by the board's `randombytes` before `sodium_init()`):\n")
L.append("| libsodium member | flash | pulled in by (symbol) | dead weight |\n|---|---:|---|---|")
for m in sizes["libsodium_members"]:
    L.append(f"| {m['member']} | {m['flash']:,} | {m['pulled_in_by']} (`{m['symbol']}`) | {'yes' if m['dead_weight'] else ''} |")
L.append("\n## Static RAM (bytes; .data + .bss)\n")
L.append("| origin | RAM |\n|---|---:|")
ram_names = dict(names, firmware="firmware's static storage (the mutauth objects it keeps: connection, trust stores, key, certificate)")
for k, v in sorted(ram.items(), key=lambda kv: -kv[1]):
    L.append(f"| {ram_names.get(k, k)} | {v:,} |")
L.append(f"| **total** | **{total_ram:,}** |\n")
import re
L.append("Largest static objects: " + ", ".join(f"`{re.sub(r'^_ZN12_GLOBAL__N_1[0-9]+', '', k).rstrip('E')}` {v:,}"
                                               for k, v in sizes["largest_static_objects"].items()) +
         " (the connection holds its handshake, session and record buffers inline).\n")
L.append("## Object sizes on the target (sizeof, bytes)\n")
L.append("| type | bytes |\n|---|---:|")
for k, v in doc["sizeof"].items():
    L.append(f"| {k} | {v:,} |")
L.append("\n## Per handshake: instructions and peak stack\n")
L.append("Instructions: SysTick read around every mutauth call (the UART polling between calls is not counted), "
         "40 instructions per tick under `-icount shift=0`; resolution ±40 per call. Instructions, not cycles: a real "
         "M4 with flash wait states takes more cycles. Peak stack: the stack is painted at reset and again after the "
         "setup; the lowest word that lost the paint gives the high-water mark.\n")
L.append("| role | mode | handshake instructions | setup instructions (parse key, certificate, trust file) | peak stack, setup | peak stack, handshake | peak stack, handshake + echo |")
L.append("|---|---|---:|---:|---:|---:|---:|")
for r in runs:
    L.append(f"| {r['role']} | {r['mode']} | {r['handshake_instructions']:,} | {r['setup_instructions']:,} | "
             f"{r['stack_peak_setup']:,} | {r['stack_peak_handshake']:,} | {r['stack_peak_run']:,} |")
L.append("")
open(f"{out}/mcu.md", "w").write("\n".join(L) + "\n")
print(f"wrote {out}/mcu.md and {out}/mcu.json")
PY
