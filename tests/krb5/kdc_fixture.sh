#!/usr/bin/env bash
# mutauth test fixture: two throwaway MIT Kerberos realms on loopback (EXAMPLE.TEST, OTHER.TEST).
#
#   kdc_fixture.sh serve
#
# Brings the realms up in a fresh temp dir on a free loopback port, then prints
#   ENV NAME=value      (one per variable a client/acceptor of the realm needs)
#   VAR NAME=value      (paths and ports the tests use: DIR, PORT, KDC_PID)
#   READY
# and serves commands read from stdin, one per line, each answered by OK or ERR <text>:
#   kadmin <REALM> <kadmin.local command>   e.g. "kadmin EXAMPLE.TEST cpw -randkey alice"
#   stop-kdc / start-kdc                    stop or (re)start the KDC process
# When stdin reaches EOF — the test closed it, finished, or crashed — the KDC is killed by pid
# and the temp dir removed (trap EXIT), so an aborted test leaves nothing behind.
#
# Facts this relies on (verified, see ../shared/KERBEROS-TESTING.md): krb5kdc -n stays in the
# foreground as our child; its pid file appears once its sockets are bound; kadmin.local exits
# 0 even when a command fails, so its stderr is the only failure signal.
set -u

die() { echo "ERR $*"; exit 1; }

SBIN=/usr/sbin
need_tools() {
  [[ -x $SBIN/krb5kdc && -x $SBIN/kdb5_util && -x $SBIN/kadmin.local ]]
}

# The packages are installed on demand so that CI needs no preparation; parallel test processes
# serialize on a lock file and re-check after taking it.
install_packages() {
  need_tools && return 0
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "MIT Kerberos KDC tools missing ($SBIN/krb5kdc, kdb5_util, kadmin.local); install them:" \
        "apt-get install -y krb5-kdc krb5-admin-server krb5-user python3-gssapi"
  fi
  exec 9>"${TMPDIR:-/tmp}/mutauth-krb5-apt.lock"
  flock 9
  if ! need_tools; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 \
      krb5-kdc krb5-admin-server krb5-user python3-gssapi >&2 ||
      die "apt-get install krb5-kdc krb5-admin-server krb5-user python3-gssapi failed"
  fi
  exec 9>&-
  need_tools || die "KDC tools still missing after apt-get install"
}

# A port that is free for both TCP and UDP right now, chosen by the kernel (bind to port 0).
# Another process may still take it before krb5kdc binds: start_kdc retries with a new port.
free_port() {
  /usr/bin/python3 - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    u.close(); t.close()
    print(port)
    break
EOF
}

W=""
KDC_PID=""
cleanup() {
  if [[ -n $KDC_PID ]]; then
    kill "$KDC_PID" 2>/dev/null
    wait "$KDC_PID" 2>/dev/null
  fi
  [[ -n $W && -d $W ]] && rm -rf -- "$W"
}

write_config() {
  local port=$1
  cat >"$W/krb5.conf" <<EOF
[libdefaults]
  default_realm = EXAMPLE.TEST
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  forwardable = true
[realms]
  EXAMPLE.TEST = {
    kdc = 127.0.0.1:$port
  }
  OTHER.TEST = {
    kdc = 127.0.0.1:$port
  }
[domain_realm]
  .example.test = EXAMPLE.TEST
  example.test = EXAMPLE.TEST
  .other.test = OTHER.TEST
  other.test = OTHER.TEST
EOF
  cat >"$W/kdc/kdc.conf" <<EOF
[kdcdefaults]
  kdc_listen = 127.0.0.1:$port
  kdc_tcp_listen = 127.0.0.1:$port
[realms]
  EXAMPLE.TEST = {
    database_name = $W/kdc/example.principal
    key_stash_file = $W/kdc/example.stash
    max_life = 1d
  }
  OTHER.TEST = {
    database_name = $W/kdc/other.principal
    key_stash_file = $W/kdc/other.stash
    max_life = 1d
  }
[logging]
  kdc = FILE:$W/kdc/kdc.log
EOF
}

# kadmin.local REALM, commands on stdin (it honours only one -q). Prints ERR lines for any
# stderr output except the harmless "No policy specified" notice.
kadmin() {
  local realm=$1 err
  err=$($SBIN/kadmin.local -r "$realm" 2>&1 >/dev/null | grep -v -e '^No policy specified' -e '^Authenticating as principal')
  if [[ -n $err ]]; then
    echo "$err" | tr '\n' ' '
    return 1
  fi
}

start_kdc() {
  rm -f "$W/kdc/kdc.pid"
  $SBIN/krb5kdc -n -r EXAMPLE.TEST -r OTHER.TEST -P "$W/kdc/kdc.pid" \
    </dev/null >>"$W/kdc/kdc.stdout" 2>&1 &
  KDC_PID=$!
  for _ in $(seq 1 300); do
    [[ -s $W/kdc/kdc.pid ]] && return 0
    kill -0 "$KDC_PID" 2>/dev/null || { wait "$KDC_PID" 2>/dev/null; KDC_PID=""; return 1; }
    sleep 0.01
  done
  return 1
}

stop_kdc() {
  [[ -n $KDC_PID ]] || return 0
  kill "$KDC_PID" 2>/dev/null
  wait "$KDC_PID" 2>/dev/null
  KDC_PID=""
}

serve() {
  install_packages
  [[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 is needed to pick a free port"
  trap cleanup EXIT
  trap 'exit 1' INT TERM HUP
  W=$(mktemp -d "${TMPDIR:-/tmp}/mutauth-kdc.XXXXXXXX") || die "mktemp failed"
  mkdir -p "$W/kdc"
  export KRB5_CONFIG=$W/krb5.conf KRB5_KDC_PROFILE=$W/kdc/kdc.conf
  local port=""
  write_config 0
  local pw
  for realm in EXAMPLE.TEST OTHER.TEST; do
    pw=$(head -c 18 /dev/urandom | base64)
    $SBIN/kdb5_util -r "$realm" create -s -P "$pw" >/dev/null 2>"$W/kdc/kdb5_util.err" ||
      die "kdb5_util create $realm failed: $(tr '\n' ' ' <"$W/kdc/kdb5_util.err")"
  done
  local out
  out=$(kadmin EXAMPLE.TEST <<EOF
addprinc -randkey alice
ktadd -k $W/client.keytab alice
addprinc -randkey bob
ktadd -k $W/bob.keytab bob
addprinc -randkey host/server.example.test
ktadd -k $W/service.keytab host/server.example.test
EOF
) || die "kadmin EXAMPLE.TEST: $out"
  out=$(kadmin OTHER.TEST <<EOF
addprinc -randkey host/server.other.test
ktadd -k $W/other.keytab host/server.other.test
EOF
) || die "kadmin OTHER.TEST: $out"

  local started=0
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    [[ -n $port ]] || die "no free loopback port"
    write_config "$port"
    if start_kdc; then started=1; break; fi
  done
  [[ $started == 1 ]] || die "krb5kdc did not start: $(tail -n 5 "$W/kdc/kdc.log" "$W/kdc/kdc.stdout" 2>/dev/null | tr '\n' ' ')"

  echo "ENV KRB5_CONFIG=$W/krb5.conf"
  echo "ENV KRB5_KDC_PROFILE=$W/kdc/kdc.conf"
  echo "ENV KRB5CCNAME=FILE:$W/ccache"
  echo "ENV KRB5_KTNAME=FILE:$W/service.keytab"
  echo "ENV KRB5_CLIENT_KTNAME=FILE:$W/client.keytab"
  echo "ENV KRB5RCACHEDIR=$W"
  echo "VAR DIR=$W"
  echo "VAR PORT=$port"
  echo "VAR KDC_PID=$KDC_PID"
  echo "READY"

  local cmd realm rest
  while IFS= read -r line; do
    read -r cmd realm rest <<<"$line"
    case $cmd in
      kadmin)
        if out=$(kadmin "$realm" <<<"$rest"); then echo "OK"; else echo "ERR $out"; fi ;;
      stop-kdc) stop_kdc; echo "OK" ;;
      start-kdc)
        if [[ -n $KDC_PID ]] || start_kdc; then echo "OK"; else echo "ERR krb5kdc did not start"; fi ;;
      "") ;;
      *) echo "ERR unknown command: $cmd" ;;
    esac
  done
}

case ${1:-} in
  serve) serve ;;
  *) echo "usage: $0 serve   (then commands on stdin; EOF tears the realms down)" >&2; exit 2 ;;
esac
