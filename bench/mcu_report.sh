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
# Where mcu_test.sh prepare builds (or finds) libsodium: MUTAUTH_MCU_SODIUM_DIR when the caller
# shares one between build directories (tests/embedded/CMakeLists.txt).
sodium=${MUTAUTH_MCU_SODIUM_DIR:-$work/sodium}/libsodium-arm
if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build" -j2 --target mutauth_cli >/dev/null
cli=$build/bin/mutauth
t=$repo/tests/embedded/mcu_test.sh
bash "$t" prepare "$work" "$repo" || { echo "mcu_report: the firmware could not be built here" >&2; exit 1; }
: >"$work/results.txt"
for s in client_ca client_pinned server_ca server_pinned client_only; do
  bash "$t" "$s" "$work" "$cli" >"$work/$s.log" 2>&1 || { cat "$work/$s.log"; exit 1; }
  grep '^mcu: result ' "$work/$s.log" >>"$work/results.txt"
done
# Every libsodium function firmware.cpp calls must go through the stack meter's trampolines
# (embedded/CMakeLists.txt), or its frames would be counted as mutauth's.
for img in mutauth_fw mutauth_fw_pinned mutauth_fw_client; do
  obj=$work/fw/CMakeFiles/$img.dir/firmware.cpp.obj
  unwrapped=$(comm -23 <(arm-none-eabi-nm -u "$obj" | awk '{print $2}' | sort -u |
                         comm -12 - <(arm-none-eabi-nm -g --defined-only "$sodium/lib/libsodium.a" |
                                      awk 'NF==3{print $3}' | sort -u)) \
                       <(tr ' ' '\n' <"$work/fw/sodium_wraps.txt" | sort -u))
  [[ -z "$unwrapped" ]] || { echo "mcu_report: libsodium calls without a stack-meter trampoline: $unwrapped" >&2; exit 1; }
done
python3 "$repo/bench/mcu_sizes.py" "$work/fw/mutauth_fw.map" >"$work/sizes.json"
python3 "$repo/bench/mcu_sizes.py" "$work/fw/mutauth_fw_pinned.map" >"$work/sizes_pinned.json"
python3 "$repo/bench/mcu_sizes.py" "$work/fw/mutauth_fw_client.map" >"$work/sizes_client.json"
mkdir -p "$out"
python3 - "$work" "$out" "$(cat "$sodium/.debian-version")" \
  "$(arm-none-eabi-gcc -dumpversion)" "$(qemu-system-arm --version | head -n1)" <<'PY'
import json, re, sys
work, out, sodium_ver, gcc_ver, qemu_ver = sys.argv[1:6]
images = {"ca": json.load(open(f"{work}/sizes.json")), "pinned": json.load(open(f"{work}/sizes_pinned.json")),
          "client_only": json.load(open(f"{work}/sizes_client.json"))}
image_name = {"ca": "mutauth_fw (CA + pinned, certificates <= 1 KiB)", "pinned": "mutauth_fw_pinned (pinned keys only)",
              "client_only": "mutauth_fw_client (pinned-key client only, raw key seed and pin)"}
image_file = {"ca": "mutauth_fw", "pinned": "mutauth_fw_pinned", "client_only": "mutauth_fw_client"}
runs = []
for line in open(f"{work}/results.txt"):
    kv = dict(w.split("=", 1) for w in line.split()[2:])
    r = {k: (v if k in ("role", "mode") else int(v)) for k, v in kv.items()}
    # SysTick runs at the board's 25 MHz; with -icount shift=0 one instruction is 1 ns: 40 per tick.
    r["handshake_instructions"] = r["handshake_ticks"] * 40
    r["setup_instructions"] = r["setup_ticks"] * 40
    # The client-only image runs the pinned mode; its runs are keyed apart.
    if r.get("client_only"):
        r["image"], key_mode = "mutauth_fw_client", "client_only"
    else:
        r["image"], key_mode = ("mutauth_fw_pinned" if r["certificates"] == 0 else "mutauth_fw"), r["mode"]
    r["key"] = (r["role"], key_mode)
    runs.append(r)
run = {r["key"]: r for r in runs}
sizeof = {m: {k[len("sizeof_"):]: v for k, v in run[("client", m)].items() if k.startswith("sizeof_")}
          for m in ("ca", "pinned", "client_only")}
def static_mutauth(m):
    return images[m]["ram_by_origin"].get("mutauth", 0)
# The issue's RAM figure (issue 14 item 4): handshake object + peak stack beyond libsodium's frames
# + mutauth's own static data; the caller's objects (connection buffers, trust stores, key) apart.
targets = []
what = {"pinned": "pinned-key client RAM, mutauth_fw_pinned (both roles)",
        "client_only": "pinned-key client RAM, mutauth_fw_client (client only)",
        "ca": "CA-mode (certificates <= 1024 B) client RAM, mutauth_fw"}
for m, limit in (("pinned", 4096), ("client_only", 4096), ("ca", 6144)):
    c = run[("client", m)]
    ram = c["sizeof_initiator"] + c["stack_mutauth_handshake"] + static_mutauth(m)
    targets.append({"what": what[m],
                    "handshake_object": c["sizeof_initiator"], "stack_beyond_libsodium": c["stack_mutauth_handshake"],
                    "mutauth_static": static_mutauth(m), "now": ram, "target": limit, "met": ram <= limit})
for m in ("pinned", "client_only"):
    fp = images[m]["flash_by_origin"]["mutauth"]
    targets.append({"what": f"pinned-key client mutauth flash, {image_file[m]}", "now": fp, "target": 16384, "met": fp <= 16384})
for m in ("ca", "pinned", "client_only"):
    targets.append({"what": f"sizeof(Session<pk::PublicKey>), {image_name[m]}", "now": sizeof[m]["session"],
                    "target": 512, "met": sizeof[m]["session"] <= 512})
doc = {
    "board": "QEMU mps2-an386 (Cortex-M4), -icount shift=0",
    "toolchain": f"arm-none-eabi-gcc {gcc_ver}, newlib-nano, -Os",
    "libsodium": f"Debian source package {sodium_ver}, --enable-minimal, -Os",
    "qemu": qemu_ver,
    "images": {m: {"name": image_name[m], "sizeof": sizeof[m], **images[m]} for m in images},
    "targets": targets,
    "runs": [{k: v for k, v in r.items() if not k.startswith("sizeof_") and k != "key"} for r in runs],
}
json.dump(doc, open(f"{out}/mcu.json", "w"), indent=1)
L = []
L.append("# mutauth on a Cortex-M4 (QEMU mps2-an386)\n")
L.append("Written by `bench/mcu_report.sh` (method: docs/embedded.md, \"Measurements\"). "
         f"{doc['toolchain']}; libsodium from the {doc['libsodium']}; {qemu_ver}. "
         "Three images, all built with `MUTAUTH_ERROR_TEXT=0` (codes without texts): `mutauth_fw` with every trust mode and "
         "`MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024`, `mutauth_fw_pinned` with `MUTAUTH_PK_TRUST_CERTIFICATES=0` (both roles, the "
         "OpenSSH key and trust-file parsers), and `mutauth_fw_client`, a pinned-key client only "
         "(`MUTAUTH_CONNECTION_ACCEPTOR=0`, its key a raw seed and its host pin a raw key: no parsers, errors as numbers); "
         "pinned-mode rows run the pinned-only image, client_only rows the client-only one. Each row is one real handshake and sealed echo against the host's `mutauth` CLI over "
         "the emulated UART. docs/embedded.md, \"Sizes\", compares them with the figures before issue 14 item 4.\n")
L.append("## Against the targets (issue 14 item 4)\n")
L.append("RAM = handshake object (`sizeof(Initiator<pk::PublicKey>)`) + peak stack beyond libsodium's frames (stack painting, "
         "split at every libsodium call: embedded/sodium_meter.c) + mutauth's own static data; the caller's connection "
         "buffers, trust stores and key are not counted.\n")
L.append("| figure | handshake object | stack beyond libsodium | mutauth static | now | target | met |\n|---|---:|---:|---:|---:|---:|---|")
for t in targets:
    if "handshake_object" in t:
        L.append(f"| {t['what']} | {t['handshake_object']:,} | {t['stack_beyond_libsodium']:,} | {t['mutauth_static']:,} | "
                 f"**{t['now']:,}** | {t['target']:,} | {'yes' if t['met'] else 'no'} |")
    else:
        L.append(f"| {t['what']} | | | | **{t['now']:,}** | {t['target']:,} | {'yes' if t['met'] else 'no'} |")
L.append("")
names = {"mutauth": "mutauth (the header-only library as instantiated in firmware.cpp, with the std:: templates it uses)",
         "libsodium": "libsodium", "firmware": "firmware glue (embedded/firmware.cpp's own code)",
         "runtime": "toolchain runtime (newlib-nano, libgcc, libstdc++)",
         "board": "startup, test-only randombytes, syscalls, stack meter",
         "credentials": "embedded credentials (key, 2 certificates, 2 trust files, raw key seed and host pin)", "other": "other"}
L.append("## Flash (bytes; code + read-only data + .data initialisers)\n")
L.append("| origin | mutauth_fw | mutauth_fw_pinned | mutauth_fw_client |\n|---|---:|---:|---:|")
fc, fpn, fcl = (images[m]["flash_by_origin"] for m in ("ca", "pinned", "client_only"))
for k in ("mutauth", "libsodium", "firmware", "runtime", "board", "credentials", "other"):
    if k in fc or k in fpn or k in fcl:
        L.append(f"| {names[k]} | {fc.get(k, 0):,} | {fpn.get(k, 0):,} | {fcl.get(k, 0):,} |")
L.append(f"| **total** | **{sum(fc.values()):,}** | **{sum(fpn.values()):,}** | **{sum(fcl.values()):,}** |\n")
sz = images["ca"]
L.append(f"Of libsodium's {fc['libsodium']:,} bytes in mutauth_fw, **{sz['libsodium_dead_weight']:,} are dead weight for mutauth**: "
         "members pulled in only by `sodium_init()` (CPU-feature probing and the Argon2/Salsa20 implementation pickers) and the "
         "default system random source (replaced by the board's `randombytes` before `sodium_init()`):\n")
L.append("| libsodium member | flash | pulled in by (symbol) | dead weight |\n|---|---:|---|---|")
for m in sz["libsodium_members"]:
    L.append(f"| {m['member']} | {m['flash']:,} | {m['pulled_in_by']} (`{m['symbol']}`) | {'yes' if m['dead_weight'] else ''} |")
L.append("\n## Static RAM (bytes; .data + .bss)\n")
L.append("| origin | mutauth_fw | mutauth_fw_pinned | mutauth_fw_client |\n|---|---:|---:|---:|")
rc, rp, rcl = (images[m]["ram_by_origin"] for m in ("ca", "pinned", "client_only"))
ram_names = dict(names, firmware="firmware's static storage (the mutauth objects it keeps: connection, trust stores, key, certificate)")
for k in sorted(set(rc) | set(rp), key=lambda k: -rc.get(k, 0)):
    L.append(f"| {ram_names.get(k, k)} | {rc.get(k, 0):,} | {rp.get(k, 0):,} | {rcl.get(k, 0):,} |")
L.append(f"| **total** | **{sum(rc.values()):,}** | **{sum(rp.values()):,}** | **{sum(rcl.values()):,}** |\n")
def objs(m):
    return ", ".join(f"`{re.sub(r'^_ZN12_GLOBAL__N_1[0-9]+', '', k).rstrip('E')}` {v:,}"
                     for k, v in images[m]["largest_static_objects"].items())
L.append(f"Largest static objects, mutauth_fw: {objs('ca')}; mutauth_fw_pinned: {objs('pinned')}; "
         f"mutauth_fw_client: {objs('client_only')} "
         "(the connection holds its handshake, session and record buffers inline).\n")
L.append("## Object sizes on the target (sizeof, bytes)\n")
L.append("| type | mutauth_fw | mutauth_fw_pinned | mutauth_fw_client |\n|---|---:|---:|---:|")
for k in sizeof["ca"]:
    L.append(f"| {k} | {sizeof['ca'][k]:,} | {sizeof['pinned'].get(k, 0):,} | {sizeof['client_only'].get(k, 0):,} |")
L.append("\n## Per handshake: instructions and peak stack\n")
L.append("Instructions: SysTick read around every mutauth call (the UART polling between calls and the stack meter's hooks "
         "are not counted), 40 instructions per tick under `-icount shift=0`; resolution ±40 per call. Instructions, not "
         "cycles: a real M4 with flash wait states takes more cycles. Peak stack: the stack is painted at reset and again "
         "after the setup; a trampoline around every libsodium call records the depth there and paints libsodium's frames "
         "over again (embedded/sodium_meter.c), so the peak splits into the whole (libsodium included) and mutauth's part "
         "(everything outside libsodium's frames, the firmware's own main() included; up to 64 bytes too high).\n")
L.append("| role | mode (image) | handshake instructions | setup instructions (parse key, certificate, trust file; mutauth_fw_client: key from its seed) | peak stack, setup | peak stack, handshake | of it beyond libsodium | peak stack, handshake + echo |")
L.append("|---|---|---:|---:|---:|---:|---:|---:|")
for r in runs:
    L.append(f"| {r['role']} | {r['mode']} ({r['image']}) | {r['handshake_instructions']:,} | {r['setup_instructions']:,} | "
             f"{r['stack_peak_setup']:,} | {r['stack_peak_handshake']:,} | {r['stack_mutauth_handshake']:,} | {r['stack_peak_run']:,} |")
L.append("")
open(f"{out}/mcu.md", "w").write("\n".join(L) + "\n")
print(f"wrote {out}/mcu.md and {out}/mcu.json")
PY
