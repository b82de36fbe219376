# shellcheck shell=bash
# mutauth — the Debian/Ubuntu packages the build, the tests and the demos need, and a function
# that installs the missing ones. Source this file; it defines functions and variables only.
#
#   source "$repo/scripts/lib/deps.sh"
#   mutauth_deps_ensure || exit 1          # the standard list
#   mutauth_deps_ensure extra-pkg ...      # the standard list plus extras
#
# Environment: MUTAUTH_SKIP_DEPS=1 skips the check (offline machines, other distributions).

# Everything the project's scripts may call. The clang runtime package (sanitizers, libFuzzer) is
# added by mutauth_deps_list, because its name depends on the default clang's major version and on
# the release (libclang-rt-N-dev on Debian 12; libclang-common-N-dev on older Ubuntu).
MUTAUTH_DEB_PACKAGES=(
  cmake ninja-build g++ clang pkg-config
  libsodium-dev catch2 nlohmann-json3-dev libcli11-dev openssh-client libasio-dev
  libkrb5-dev krb5-kdc krb5-admin-server krb5-user python3 python3-gssapi python3-cryptography
  libbenchmark-dev libssl-dev openssl valgrind gnuplot-nox
  gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi
  qemu-system-arm dpkg-dev autoconf automake libtool
  clang-format-14 clang-tidy-14
)

_mutauth_apt_updated=0

_mutauth_log() { printf '%s\n' "mutauth-deps: $*" >&2; }

# True when the package is installed (not just known to dpkg).
mutauth_deb_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Runs a command as root: directly, through sudo, or not at all (returns 1).
_mutauth_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 1
  fi
}

_mutauth_can_be_root() { [[ $EUID -eq 0 ]] || command -v sudo >/dev/null 2>&1; }

# apt-get update, at most once per script run. Waits for a dpkg/apt lock held by someone else.
_mutauth_apt_update() {
  if ((_mutauth_apt_updated)); then return 0; fi
  _mutauth_log "apt-get update"
  local try
  for try in 1 2 3 4 5 6; do
    if _mutauth_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null; then
      _mutauth_apt_updated=1
      return 0
    fi
    _mutauth_log "apt-get update failed (attempt $try); retrying in 10 s"
    sleep 10
  done
  return 1
}

# The major version of the clang that "clang" is or would be: from the installed compiler, else
# from the candidate of the "clang" metapackage (needs apt lists).
_mutauth_clang_major() {
  local v=""
  if command -v clang >/dev/null 2>&1; then
    v=$(clang -dumpversion 2>/dev/null)
    v=${v%%.*}
  fi
  if [[ -z "$v" ]]; then
    v=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n1)
  fi
  printf '%s' "$v"
}

# Prints the clang runtime package for the default clang (sanitizer and libFuzzer runtimes).
# Returns 1 when it cannot be determined yet (no clang, no apt lists).
_mutauth_clang_rt_package() {
  local v
  v=$(_mutauth_clang_major)
  [[ -n "$v" ]] || return 1
  local p
  for p in "libclang-rt-$v-dev" "libclang-common-$v-dev"; do
    if mutauth_deb_installed "$p"; then printf '%s' "$p"; return 0; fi
  done
  for p in "libclang-rt-$v-dev" "libclang-common-$v-dev"; do
    if [[ -n "$(apt-cache show --no-all-versions "$p" 2>/dev/null | head -n1)" ]]; then
      printf '%s' "$p"; return 0
    fi
  done
  return 1
}

# Prints, one per line, the packages of MUTAUTH_DEB_PACKAGES (+ arguments) that are not installed.
# The clang runtime package is listed as "clang-rt" when its name is not known yet.
mutauth_deps_missing() {
  local p rt
  for p in "${MUTAUTH_DEB_PACKAGES[@]}" "$@"; do
    mutauth_deb_installed "$p" || printf '%s\n' "$p"
  done
  if rt=$(_mutauth_clang_rt_package); then
    mutauth_deb_installed "$rt" || printf '%s\n' "$rt"
  else
    printf '%s\n' "clang-rt"
  fi
}

# Installs whatever is missing. Returns 0 when everything is installed afterwards; otherwise prints
# what is missing and how to install it, and returns 1.
mutauth_deps_ensure() {
  if [[ "${MUTAUTH_SKIP_DEPS:-0}" == 1 ]]; then
    _mutauth_log "MUTAUTH_SKIP_DEPS=1: not checking packages"
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    _mutauth_log "not a Debian/Ubuntu system (no dpkg-query/apt-get). Install the equivalents of:"
    _mutauth_log "  ${MUTAUTH_DEB_PACKAGES[*]} $* <clang runtime dev package>"
    _mutauth_log "then rerun with MUTAUTH_SKIP_DEPS=1."
    return 1
  fi
  local -a missing
  mapfile -t missing < <(mutauth_deps_missing "$@")
  if ((${#missing[@]} == 0)); then return 0; fi

  if ! _mutauth_can_be_root; then
    _mutauth_log "missing packages, and neither root nor sudo is available to install them:"
    _mutauth_log "  ${missing[*]/#clang-rt/libclang-rt-<clang major>-dev}"
    _mutauth_log "install them as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]/#clang-rt/libclang-rt-<N>-dev}"
    return 1
  fi

  _mutauth_apt_update || { _mutauth_log "apt-get update failed"; return 1; }
  # With apt lists (and perhaps clang) present, the clang runtime name can be resolved now.
  mapfile -t missing < <(mutauth_deps_missing "$@")
  local -a install=()
  local p
  for p in "${missing[@]}"; do
    if [[ "$p" != clang-rt ]]; then install+=("$p"); fi
  done

  if ((${#install[@]})); then
    _mutauth_log "installing: ${install[*]}"
    if ! _mutauth_as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
        -o DPkg::Lock::Timeout=300 install --no-install-recommends "${install[@]}"; then
      _mutauth_log "apt-get install failed for: ${install[*]}"
      return 1
    fi
  fi
  # clang itself may just have been installed: resolve and install its runtime package.
  mapfile -t missing < <(mutauth_deps_missing "$@")
  if ((${#missing[@]})); then
    if printf '%s\n' "${missing[@]}" | grep -qx clang-rt; then
      _mutauth_log "cannot determine the clang runtime package (libclang-rt-N-dev) for this release"
      return 1
    fi
    _mutauth_log "installing: ${missing[*]}"
    _mutauth_as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
        -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}" || return 1
    mapfile -t missing < <(mutauth_deps_missing "$@")
    if ((${#missing[@]})); then
      _mutauth_log "still missing after install: ${missing[*]}"
      return 1
    fi
  fi
  return 0
}
