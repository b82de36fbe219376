#!/usr/bin/env bash
# The firmware (embedded/) on an emulated Cortex-M4 (QEMU mps2-an386) against the host's mutauth
# CLI over the emulated UART (a QEMU chardev socket on 127.0.0.1). docs/embedded.md describes it.
#
#   mcu_test.sh prepare WORK REPO         fresh credentials (ssh-keygen), libsodium and firmware build
#   mcu_test.sh SCENARIO WORK CLI         one scenario (see the case list at the bottom)
#
# Exit 77 (SKIPPED, with the reason) when the toolchain, QEMU or Debian's libsodium source cannot
# be had here; never a silent pass.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib/mcu.sh
source "$repo/scripts/lib/mcu.sh"

skip() { echo "SKIPPED: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

cmd=${1:?usage}; work=${2:?usage}
creds=$work/creds
elf=$work/fw/mutauth_fw.elf                # every trust mode, certificates up to 1 KiB
elf_pinned=$work/fw/mutauth_fw_pinned.elf  # pinned keys only (MUTAUTH_PK_TRUST_CERTIFICATES=0)
elf_client=$work/fw/mutauth_fw_client.elf  # a pinned-key client only, raw key and pin, no parsers

# WORK may be shared by build directories (MUTAUTH_MCU_WORK_DIR, tests/embedded/CMakeLists.txt):
# prepare holds its lock exclusively while it replaces the credentials and the images, and each
# scenario holds it shared while it runs them, so no scenario sees half of another's prepare.
mkdir -p "$work" || die "cannot make $work"
exec 9>"$work/.lock"

if [[ "$cmd" == prepare ]]; then
  flock 9
  absent=$(mutauth_mcu_missing_tools)
  if [[ -n "$absent" ]]; then
    # The test command installs them (scripts/lib/deps.sh); try once more here (needs root or sudo).
    # shellcheck source=scripts/lib/deps.sh
    source "$repo/scripts/lib/deps.sh"
    # shellcheck disable=SC2119  # the standard list, no extras
    mutauth_deps_ensure >/dev/null 2>&1 || true
    absent=$(mutauth_mcu_missing_tools)
    [[ -z "$absent" ]] || skip "missing $absent (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev autoconf automake libtool)"
  fi
  mkdir -p "$work"
  rm -f "$work/ready"
  mutauth_mcu_credentials "$creds" || die "credentials"
  # MUTAUTH_MCU_SODIUM_DIR (tests/embedded/CMakeLists.txt): a libsodium build shared by the
  # presets' build directories, so that the second of them does not build it again; the lock
  # keeps two builds from making it at once.
  sodium_dir=${MUTAUTH_MCU_SODIUM_DIR:-$work/sodium}
  mkdir -p "$sodium_dir"
  sodium=$(flock "$sodium_dir/.lock" bash -c 'source "$1/scripts/lib/mcu.sh" && mutauth_mcu_libsodium "$2"' \
             _ "$repo" "$sodium_dir") ||
    skip "could not fetch or build Debian's libsodium source (apt-get source libsodium; see $sodium_dir/*.log)"
  echo "libsodium $(cat "$sodium/.debian-version" 2>/dev/null) for arm-none-eabi: $sodium"
  fw=$(mutauth_mcu_firmware "$work" "$creds" "$repo") || die "firmware build"
  arm-none-eabi-size "$fw/mutauth_fw.elf" "$fw/mutauth_fw_pinned.elf" "$fw/mutauth_fw_client.elf" "$fw/serial_link.elf"
  touch "$work/ready"
  echo "firmware ready: $fw/mutauth_fw.elf"
  exit 0
fi

flock -s 9
[[ -f "$work/ready" && -f "$elf" && -f "$elf_pinned" && -f "$elf_client" ]] || skip "the firmware was not built (see the embedded.mcu_prepare test's output)"
cli=${3:?usage: mcu_test.sh SCENARIO WORK CLI}
[[ -x "$cli" ]] || die "no CLI at $cli"
# One log directory per scenario and host CLI: two build directories may share WORK.
logs=$work/logs/$cmd-$(printf '%s' "$cli" | cksum | cut -d' ' -f1)
rm -rf "$logs" && mkdir -p "$logs"
hpid=""
cleanup() { if [[ -n "$hpid" ]]; then kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null; fi; }
trap cleanup EXIT

# Only the CLI's documented behaviour is relied on (README, "The mutauth tool"): its exit statuses
# and its "authenticated ... peer=..." success line on stderr.
show() {
  local f
  for f in "$logs"/*; do echo "---- $(basename "$f")"; cat "$f"; done
}
expect() {  # expect FILE REGEX WHAT
  grep -Eq -- "$2" "$1" || { show; die "$3 (no /$2/ in $(basename "$1"))"; }
}
expect_not() {
  if grep -Eq -- "$2" "$1"; then show; die "$3 (/$2/ in $(basename "$1"))"; fi
}

# The firmware as client: the host listens (--echo), QEMU dials it.
# Pinned mode runs the pinned-only image.
# client_only runs the client-only image (pinned keys, MUTAUTH_FW_CLIENT_ONLY).
image_for() {
  case $1 in
    pinned) printf '%s' "$elf_pinned" ;;
    client_only) printf '%s' "$elf_client" ;;
    *) printf '%s' "$elf" ;;
  esac
}

mcu_client() {  # mcu_client MODE HOST_IDENTITY TARGET -> $qrc
  local mode=$1 ident=$2 target=$3 port
  port=$(mutauth_mcu_free_port)
  "$cli" listen "127.0.0.1:$port" --service host/server.example.test --identity "$ident" \
    --trust "$creds/host_authorized_keys" --allow mcu-sensor --echo 2>"$logs/host.log" &
  hpid=$!
  mutauth_mcu_wait_listen "$port" || { show; die "mutauth listen did not start"; }
  local fwmode=$mode; [[ $mode == client_only ]] && fwmode=pinned
  mutauth_mcu_qemu "$(image_for "$mode")" "host=127.0.0.1,port=$port,server=off" role=client mode="$fwmode" target="$target" \
    >"$logs/mcu.log" 2>&1
  qrc=$?
  sleep 0.3  # the host logs the end of the connection
  cleanup; hpid=""
}

# The firmware as server: QEMU listens on the UART's socket, the host's mutauth connect dials.
mcu_server() {  # mcu_server MODE HOST_IDENTITY TARGET [connect options] -> $qrc $crc
  local mode=$1 ident=$2 target=$3 port qpid
  shift 3
  port=$(mutauth_mcu_free_port)
  mutauth_mcu_qemu "$(image_for "$mode")" "host=127.0.0.1,port=$port,server=on,wait=on" role=server mode="$mode" \
    >"$logs/mcu.log" 2>&1 &
  qpid=$!
  mutauth_mcu_wait_listen "$port" || { show; die "QEMU did not open the UART socket"; }
  printf '%s' "$message" | "$cli" connect "127.0.0.1:$port" --target "$target" --identity "$ident" \
    --trust "$creds/host_known_hosts" --handshake-timeout 20 "$@" >"$logs/host.out" 2>"$logs/host.log"
  crc=$?
  wait "$qpid"
  qrc=$?
}

message="sealed-bytes-from-the-host-$RANDOM"
case "$cmd" in
  client_ca | client_pinned)
    mode=${cmd#client_}
    ident=$creds/server; [[ $mode == pinned ]] && ident=$creds/pin/server
    mcu_client "$mode" "$ident" host/server.example.test
    [[ $qrc == 0 ]] || { show; die "firmware exit status $qrc, expected 0"; }
    expect "$logs/mcu.log" '^mcu: established peer=host/server.example.test local=mcu-sensor' "the firmware did not authenticate the host"
    expect "$logs/mcu.log" '^mcu: echo ok: sealed-hello-from-the-mcu$' "no sealed echo round trip"
    expect "$logs/mcu.log" '^mcu: result role=client mode='"$mode"' ' "no measurement line"
    expect "$logs/host.log" 'authenticated .*peer=mcu-sensor' "the host did not authenticate the firmware"
    ;;
  client_only)  # the client-only image: raw key seed and host pin, no acceptor, no parsers
    mcu_client client_only "$creds/pin/server" host/server.example.test
    [[ $qrc == 0 ]] || { show; die "firmware exit status $qrc, expected 0"; }
    expect "$logs/mcu.log" '^mcu: established peer=host/server.example.test local=mcu-sensor' "the firmware did not authenticate the host"
    expect "$logs/mcu.log" '^mcu: echo ok: sealed-hello-from-the-mcu$' "no sealed echo round trip"
    expect "$logs/mcu.log" '^mcu: result role=client mode=pinned .*client_only=1 ' "no measurement line from the client-only image"
    expect "$logs/host.log" 'authenticated .*peer=mcu-sensor' "the host did not authenticate the firmware"
    ;;
  client_only_wrong_key)  # the client-only image, and a host whose key is not the pinned one
    mcu_client client_only "$creds/pin/operator" host/server.example.test
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1 (refused)"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=[0-9]+$' "not refused"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/mcu.log" 'established' "established with an unpinned host key"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  client_only_refuses_server)  # the client-only image has no acceptor: role=server is refused
    mutauth_mcu_qemu "$elf_client" none role=server mode=pinned >"$logs/mcu.log" 2>&1
    qrc=$?
    [[ $qrc == 2 ]] || { show; die "firmware exit status $qrc, expected 2"; }
    expect "$logs/mcu.log" 'pinned-key client only' "no refusal of the server role"
    ;;
  server_ca | server_pinned)
    mode=${cmd#server_}
    ident=$creds/operator; extra=(); [[ $mode == pinned ]] && { ident=$creds/pin/operator; extra=(--name operator); }
    mcu_server "$mode" "$ident" host/mcu.example.test "${extra[@]}"
    [[ $crc == 0 ]] || { show; die "mutauth connect exit status $crc, expected 0"; }
    [[ $qrc == 0 ]] || { show; die "firmware exit status $qrc, expected 0"; }
    [[ "$(cat "$logs/host.out")" == "$message" ]] || { show; die "the echo is not what the host sent"; }
    expect "$logs/mcu.log" '^mcu: established peer=operator local=host/mcu.example.test' "the firmware did not authenticate the host"
    expect "$logs/host.log" 'authenticated .*peer=host/mcu.example.test' "the host did not authenticate the firmware"
    expect "$logs/mcu.log" '^mcu: result role=server mode='"$mode"' ' "no measurement line"
    ;;
  client_wrong_name)  # the firmware demands a name the host's certificate does not carry
    mcu_client ca "$creds/server" host/other.example.test
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1 (refused)"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=name mismatch ' "not refused for the name"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/mcu.log" 'established' "established despite the wrong name"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  client_untrusted_ca)  # the host's certificate comes from a CA the firmware does not trust
    mcu_client ca "$creds/rogue-server" host/server.example.test
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1 (refused)"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=certificate issuer not trusted ' "not refused for the CA"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/mcu.log" 'established' "established with an untrusted CA"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  server_wrong_name)  # the host demands a name the firmware's certificate does not carry
    mcu_server ca "$creds/operator" host/other.example.test
    [[ $crc == 1 ]] || { show; die "mutauth connect exit status $crc, expected 1"; }
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1"; }
    [[ ! -s "$logs/host.out" ]] || { show; die "application data reached the host"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=the peer sent an alert' "the firmware did not see the host's alert"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/mcu.log" 'established' "established despite the wrong name"
    expect "$logs/host.log" 'name mismatch' "the host did not refuse the firmware's name"
    ;;
  server_untrusted_ca)  # the host's user certificate comes from a CA the firmware does not trust
    mcu_server ca "$creds/rogue-operator" host/mcu.example.test
    [[ $crc == 1 ]] || { show; die "mutauth connect exit status $crc, expected 1"; }
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1"; }
    [[ ! -s "$logs/host.out" ]] || { show; die "application data reached the host"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=certificate issuer not trusted ' "not refused for the CA"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  # The pinned-only image bounds a proof at a raw key's size (351-byte messages with 64-character
  # names): a certificate proof that fits is refused by its type (untrusted_issuer; tests/pk
  # test_pk_compact), a longer one, as every ssh-keygen certificate here, by its size (too_large).
  client_pinned_refuses_cert)  # the pinned-only image, and a host that proves itself with a certificate
    mcu_client pinned "$creds/server" host/server.example.test
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1 (refused)"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=(certificate issuer not trusted|field exceeds its bound) ' "the certificate was not refused"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/mcu.log" 'established' "a pinned-only image accepted a certificate"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  server_pinned_refuses_cert)  # the pinned-only image as server, and a client with a certificate
    mcu_server pinned "$creds/operator" host/mcu.example.test
    [[ $crc == 1 ]] || { show; die "mutauth connect exit status $crc, expected 1"; }
    [[ $qrc == 1 ]] || { show; die "firmware exit status $qrc, expected 1"; }
    [[ ! -s "$logs/host.out" ]] || { show; die "application data reached the host"; }
    expect "$logs/mcu.log" '^mcu: handshake failed: errc=(certificate issuer not trusted|field exceeds its bound) ' "the certificate was not refused"
    expect "$logs/mcu.log" 'application bytes received=0' "application bytes after a refusal"
    expect_not "$logs/host.log" 'authenticated mech=' "the host finished a refused handshake"
    ;;
  serial_link)  # examples/serial_link.cpp, unchanged, both ends on the MCU
    mutauth_mcu_qemu "$work/fw/serial_link.elf" none >"$logs/mcu.log" 2>&1
    qrc=$?
    [[ $qrc == 0 ]] || { show; die "serial_link exit status $qrc"; }
    expect "$logs/mcu.log" '^serial_link: OK$' "serial_link did not finish"
    ;;
  *) die "unknown scenario $cmd" ;;
esac
show
echo "PASS: $cmd"
