# shellcheck shell=bash
# mutauth — libsodium for a bare-metal Cortex-M4 (arm-none-eabi), from Debian's own source
# package, cached under a build directory. Source this file; it defines functions only.
#
#   source "$repo/scripts/lib/mcu.sh"
#   prefix=$(mutauth_mcu_libsodium /work/build-x/mcu) || exit 1
#   # $prefix/include/sodium.h, $prefix/lib/libsodium.a
#
# Why Debian's source package: the same archive (and the same security patches) as the
# libsodium-dev the host build links, fetched with apt-get source; nothing is downloaded from
# anywhere else. docs/embedded.md explains the flags.
#
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi dpkg-dev autoconf automake libtool (listed in
# scripts/lib/deps.sh), network access to the Debian archive on the first run, root or write
# access to the build directory only (the system's apt configuration is not touched).

_mutauth_mcu_log() { printf '%s\n' "mutauth-mcu: $*" >&2; }

# The flags libsodium is compiled with for the MCU. -DNDEBUG keeps assert() from pulling newlib's
# fprintf into the image.
MUTAUTH_MCU_CFLAGS="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections -DNDEBUG"

# A private apt configuration with only deb-src entries for the release this machine runs, so
# that `apt-get source` works without adding deb-src lines to /etc/apt.
_mutauth_mcu_apt_conf() {
  local dir=$1 codename uri sec_uri
  codename=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-bookworm}")
  [[ -n "$codename" ]] || codename=bookworm
  uri=http://deb.debian.org/debian
  sec_uri=http://deb.debian.org/debian-security
  mkdir -p "$dir/parts" "$dir/lists/partial"
  cat >"$dir/parts/mutauth-src.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $sec_uri
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

_mutauth_mcu_apt() {
  local dir=$1
  shift
  apt-get -q -o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$dir/parts" \
    -o Dir::State::Lists="$dir/lists" -o Debug::NoLocking=1 "$@"
}

# Fetches and unpacks Debian's libsodium source into $1/src; prints the source tree's path.
mutauth_mcu_fetch_libsodium() {
  local base=$1 apt_dir=$1/apt tree
  tree=$(find "$base/src" -maxdepth 1 -type d -name 'libsodium-*' 2>/dev/null | head -n1)
  if [[ -n "$tree" && -f "$tree/configure.ac" ]]; then
    printf '%s' "$tree"
    return 0
  fi
  command -v dpkg-source >/dev/null || { _mutauth_mcu_log "dpkg-source missing (apt-get install dpkg-dev)"; return 1; }
  _mutauth_mcu_apt_conf "$apt_dir"
  _mutauth_mcu_log "apt-get update (deb-src, private lists under $apt_dir)"
  _mutauth_mcu_apt "$apt_dir" update >"$apt_dir/update.log" 2>&1 ||
    { _mutauth_mcu_log "apt-get update failed; see $apt_dir/update.log"; return 1; }
  mkdir -p "$base/src"
  _mutauth_mcu_log "apt-get source libsodium"
  (cd "$base/src" && _mutauth_mcu_apt "$apt_dir" source libsodium) >"$base/src/source.log" 2>&1 ||
    { _mutauth_mcu_log "apt-get source libsodium failed; see $base/src/source.log"; return 1; }
  tree=$(find "$base/src" -maxdepth 1 -type d -name 'libsodium-*' | head -n1)
  [[ -n "$tree" ]] || { _mutauth_mcu_log "no libsodium-* directory after apt-get source"; return 1; }
  printf '%s' "$tree"
}

# Builds a static libsodium for Cortex-M4 under $1 (cached: a second call only prints the
# prefix). Prints the install prefix ($1/libsodium-arm).
mutauth_mcu_libsodium() {
  local base=$1 prefix tree stamp
  base=$(mkdir -p "$base" && cd "$base" && pwd) || return 1
  prefix=$base/libsodium-arm
  stamp="$MUTAUTH_MCU_CFLAGS"
  if [[ -f "$prefix/lib/libsodium.a" && "$(cat "$prefix/.flags" 2>/dev/null)" == "$stamp" ]]; then
    printf '%s' "$prefix"
    return 0
  fi
  command -v arm-none-eabi-gcc >/dev/null ||
    { _mutauth_mcu_log "arm-none-eabi-gcc missing (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"; return 1; }
  tree=$(mutauth_mcu_fetch_libsodium "$base") || return 1
  _mutauth_mcu_log "building $(basename "$tree") for arm-none-eabi in $base/obj"
  # Debian's orig tarball carries no generated configure script.
  if [[ ! -x "$tree/configure" ]]; then
    (cd "$tree" && ./autogen.sh -s) >"$base/autogen.log" 2>&1 ||
      { _mutauth_mcu_log "autogen.sh failed; see $base/autogen.log"; return 1; }
  fi
  rm -rf "$base/obj" "$prefix"
  mkdir -p "$base/obj"
  # configure adds -fPIC and _FORTIFY_SOURCE on its own; neither exists on bare metal. The
  # cache variable answers configure's -fPIC probe with "no". --enable-minimal drops what
  # mutauth never calls (e.g. scrypt, XChaCha20 boxes).
  (cd "$base/obj" && "$tree/configure" --host=arm-none-eabi --prefix="$prefix" \
      --disable-shared --enable-static --with-pic=no --disable-pie --enable-minimal \
      --disable-ssp --without-pthreads ax_cv_check_cflags___fPIC=no \
      CPPFLAGS=-D_FORTIFY_SOURCE=0 CFLAGS="$MUTAUTH_MCU_CFLAGS" \
      LDFLAGS="--specs=nano.specs --specs=nosys.specs") >"$base/configure.log" 2>&1 ||
    { _mutauth_mcu_log "configure failed; see $base/configure.log"; return 1; }
  (cd "$base/obj" && make -j"${MUTAUTH_MCU_JOBS:-2}" && make install) >"$base/make.log" 2>&1 ||
    { _mutauth_mcu_log "make failed; see $base/make.log"; return 1; }
  printf '%s' "$stamp" >"$prefix/.flags"
  (cd "$tree" && dpkg-parsechangelog -S Version 2>/dev/null) >"$prefix/.debian-version" || true
  printf '%s' "$prefix"
}

# Prints, space-separated, the programs the MCU build and run need that are missing.
mutauth_mcu_missing_tools() {
  local t missing=()
  for t in arm-none-eabi-gcc arm-none-eabi-g++ arm-none-eabi-size arm-none-eabi-nm qemu-system-arm \
           ssh-keygen cmake ninja dpkg-source autoreconf libtoolize make; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  printf '%s' "${missing[*]}"
}

# Keys and certificates for the firmware and its host peers, fresh from ssh-keygen, into $1
# (docs/embedded.md lists them). Certificates are valid from 5 minutes ago for 1 hour.
mutauth_mcu_credentials() {
  local d=$1
  rm -rf "$d" && mkdir -p "$d/pin" || return 1
  (
    set -e
    cd "$d"
    k() { ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"; }
    k ca ca; k rogue_ca rogue_ca; k mcu mcu-sensor; k server server; k operator operator
    k rogue-server rogue-server; k rogue-operator rogue-operator
    v=-5m:+1h
    ssh-keygen -q -s ca -I mcu-user -n mcu-sensor -V $v mcu.pub && mv mcu-cert.pub mcu-user-cert.pub
    ssh-keygen -q -s ca -I mcu-host -h -n host/mcu.example.test -V $v mcu.pub && mv mcu-cert.pub mcu-host-cert.pub
    ssh-keygen -q -s ca -I server -h -n host/server.example.test -V $v server.pub
    ssh-keygen -q -s ca -I operator -n operator -V $v operator.pub
    ssh-keygen -q -s rogue_ca -I rogue-server -h -n host/server.example.test -V $v rogue-server.pub
    ssh-keygen -q -s rogue_ca -I rogue-operator -n operator -V $v rogue-operator.pub
    cp server server.pub pin/ && cp operator operator.pub pin/   # the same keys without certificates
    key() { cut -d' ' -f1,2 "$1"; }
    # The firmware's trust (linked into the image): CA lines for CA mode, pins for pinned mode.
    printf '@cert-authority *.example.test %s\nserver.example.test %s\n' "$(key ca.pub)" "$(key server.pub)" >mcu_known_hosts
    printf 'cert-authority %s\nprincipals="operator" %s\n' "$(key ca.pub)" "$(key operator.pub)" >mcu_authorized_keys
    # The host's trust in the firmware.
    printf '@cert-authority *.example.test %s\nmcu.example.test %s\n' "$(key ca.pub)" "$(key mcu.pub)" >host_known_hosts
    printf 'cert-authority %s\nprincipals="mcu-sensor" %s\n' "$(key ca.pub)" "$(key mcu.pub)" >host_authorized_keys
  ) || { _mutauth_mcu_log "ssh-keygen failed in $d"; return 1; }
}

# Builds libsodium (cached) and the firmware images with the credentials in $2 linked in, in
# $1/fw. $3: the repository. Prints the firmware build directory.
mutauth_mcu_firmware() {
  local work=$1 creds=$2 repo=$3 sodium
  sodium=$(mutauth_mcu_libsodium "${MUTAUTH_MCU_SODIUM_DIR:-$work/sodium}") || return 1
  if [[ ! -f "$work/fw/build.ninja" ]]; then
    cmake -S "$repo/embedded" -B "$work/fw" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/arm-none-eabi.cmake" \
      -DMUTAUTH_MCU_SODIUM="$sodium" -DMUTAUTH_FW_CREDENTIALS="$creds" >"$work/fw-configure.log" 2>&1 ||
      { _mutauth_mcu_log "firmware configure failed; see $work/fw-configure.log"; return 1; }
  fi
  cmake --build "$work/fw" -j"${MUTAUTH_MCU_JOBS:-2}" >"$work/fw-build.log" 2>&1 ||
    { _mutauth_mcu_log "firmware build failed; see $work/fw-build.log"; cat "$work/fw-build.log" >&2; return 1; }
  printf '%s' "$work/fw"
}

# A TCP port on 127.0.0.1 that nothing listens on now.
mutauth_mcu_free_port() {
  local p hex
  while :; do
    p=$((20000 + RANDOM % 40000))
    printf -v hex ':%04X ' "$p"
    grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { printf '%s' "$p"; return 0; }
  done
}

# Waits (up to $2 seconds, default 10) until something listens on 127.0.0.1:$1.
mutauth_mcu_wait_listen() {
  local hex i
  printf -v hex '0100007F:%04X 00000000:0000 0A' "$1"
  for ((i = 0; i < ${2:-10} * 20; ++i)); do
    grep -q "$hex" /proc/net/tcp 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# Runs a firmware image under QEMU: mutauth_mcu_qemu ELF CHARDEV-SPEC WORD...
# CHARDEV-SPEC: QEMU -chardev socket options for UART0 (e.g. host=127.0.0.1,port=P,server=off),
# or "none". WORD...: the firmware's command line. -icount shift=0: one instruction per virtual
# nanosecond, so the firmware's SysTick counts instructions (docs/embedded.md). The seed word is
# added here, fresh from /dev/urandom (TEST ONLY: the board has no TRNG).
mutauth_mcu_qemu() {
  local elf=$1 chardev=$2 seed w
  shift 2
  seed=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  local -a args=(-M mps2-an386 -nographic -monitor none -icount shift=0)
  if [[ "$chardev" == none ]]; then
    args+=(-serial none)
  else
    args+=(-chardev "socket,id=uart0,$chardev" -serial chardev:uart0)
  fi
  local semi
  semi="enable=on,target=native,arg=$(basename "$elf")"
  for w in "$@" "seed=$seed"; do semi+=",arg=$w"; done
  timeout "${MUTAUTH_MCU_TIMEOUT:-30}" qemu-system-arm "${args[@]}" -semihosting-config "$semi" -kernel "$elf"
}
