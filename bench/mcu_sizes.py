#!/usr/bin/env python3
"""Splits the firmware's flash and static RAM by origin, from the GNU ld map file
(embedded/CMakeLists.txt links with -Map): mutauth's code, the firmware's own glue, libsodium
(per archive member, with the symbol that pulled each in), the toolchain runtime, startup and the
credentials. Only sections that survive --gc-sections are in the memory map part of the file.

    mcu_sizes.py FIRMWARE.map  -> JSON on stdout
"""
import json
import re
import sys

FLASH_OUT = {".text", ".ARM.exidx", ".data"}  # .data's initial values are stored in flash too
RAM_OUT = {".data", ".bss"}


def origin(obj, section):
    if "libsodium.a(" in obj:
        return "libsodium"
    if "firmware.cpp" in obj:
        # firmware.cpp instantiates the header-only library; its own code is fw::, the anonymous
        # namespace and main, the rest (mutauth:: and the std:: templates it uses) is mutauth's.
        # main's string literals (.rodata.main.str1.1: the console text) are the firmware's too.
        if ("_GLOBAL__N_1" in section or re.search(r"\.main(\.|$)", section) or "_ZN2fw" in section
                or "_ZL" in section):
            return "firmware"
        return "mutauth"
    if "credentials" in obj:
        return "credentials"
    if any(s in obj for s in ("startup.c", "randombytes_test_only", "syscalls.c", "sodium_meter", "sodium_wraps")):
        return "board"
    if obj.startswith("/usr/lib/") or "arm-none-eabi" in obj:
        return "runtime"
    return "other"


def main(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    head, _, body = text.partition("Linker script and memory map")
    head = head.split("Discarded input sections")[0]
    # Archive member -> (referencing file, symbol), the linker's first reason to include it.
    pulled = {}
    for m in re.finditer(r"^(\S+\.a\(([^)]+)\))\n\s+(\S+) \(([^)]+)\)", head, re.M):
        ref = m.group(3)
        ref = re.sub(r".*\(([^)]+)\)$", r"\1", ref).split("/")[-1]
        pulled[m.group(2)] = {"by": ref, "symbol": m.group(4)}
    flash, ram, members = {}, {}, {}
    out = None
    lines = body.splitlines()
    i = 0
    pat = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*)$")
    while i < len(lines):
        line = lines[i]
        if re.match(r"^\.\S+", line):
            out = line.split()[0]
        m = re.match(r"^ (\.\S+|COMMON)(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*))?$", line)
        if m and out:
            sec = m.group(1)
            if m.group(2) is None and i + 1 < len(lines):
                m2 = pat.match(lines[i + 1])
                if not m2:
                    i += 1
                    continue
                size, obj = int(m2.group(2), 16), m2.group(3)
                i += 1
            elif m.group(2) is not None:
                size, obj = int(m.group(3), 16), m.group(4)
            else:
                i += 1
                continue
            who = origin(obj, sec)
            if out in FLASH_OUT:
                flash[who] = flash.get(who, 0) + size
            if out in RAM_OUT:
                ram[who] = ram.get(who, 0) + size
            if who == "libsodium" and out in FLASH_OUT:
                mem = re.sub(r".*\(([^)]+)\)$", r"\1", obj)
                members[mem] = members.get(mem, 0) + size
        i += 1
    # Dead weight for mutauth: what only sodium_init() (CPU feature probing) and the default
    # system random source (replaced by the board's implementation before sodium_init) pull in.
    # Transitively: a member pulled in only by a dead member is dead too.
    dead = set()
    changed = True
    while changed:
        changed = False
        for mem in members:
            why = pulled.get(mem, {})
            by = why.get("by", "")
            if mem not in dead and (by.endswith("core.o") or by in dead or
                                    why.get("symbol") == "randombytes_sysrandom_implementation"):
                dead.add(mem)
                changed = True
    bss = {}
    for m in re.finditer(r"^ \.bss\.(\S+)\n?\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+\S+", body, re.M):
        bss[m.group(1)] = int(m.group(2), 16)
    result = {
        "largest_static_objects": dict(sorted(bss.items(), key=lambda kv: -kv[1])[:8]),
        "flash_by_origin": flash,
        "ram_by_origin": ram,
        "libsodium_members": [
            {"member": k, "flash": v, "pulled_in_by": pulled.get(k, {}).get("by", ""),
             "symbol": pulled.get(k, {}).get("symbol", ""), "dead_weight": k in dead}
            for k, v in sorted(members.items(), key=lambda kv: -kv[1])
        ],
        "libsodium_dead_weight": sum(members[k] for k in dead),
    }
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
