# Runs README.md's echo program ($1) in certificate mode against real peers on 127.0.0.1, in the
# (empty) current directory: keys, certificates and trust files made with stock ssh-keygen
# exactly as README.md's "The mutauth tool" shows, then
#   1. its client against `mutauth listen --echo` (the CLI, $MUTAUTH_CLI),
#   2. `mutauth connect` against its server,
#   3. its client against its server.
# 1 and 2 are skipped when the CLI was not built; 3 always runs.
command -v ssh-keygen >/dev/null 2>&1 || { echo "SKIPPED: ssh-keygen not found (Debian: openssh-client)"; exit 77; }
program=$1
set -e
ssh-keygen -q -t ed25519 -N '' -f ca
ssh-keygen -q -t ed25519 -N '' -f server && ssh-keygen -q -s ca -I server -h -n host/server.example.test server.pub
ssh-keygen -q -t ed25519 -N '' -f alice  && ssh-keygen -q -s ca -I alice -n alice alice.pub
echo "@cert-authority *.example.test $(cut -d' ' -f1,2 ca.pub)" > known_hosts
echo "cert-authority $(cut -d' ' -f1,2 ca.pub)"                  > authorized_keys
set +e

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for FILE TEXT: up to 10 s for a server to say it listens.
wait_for() {
  i=0
  while ! grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "FAILED: no '$2' in $1:"; cat "$1"; return 1; }
    sleep 0.1
  done
}
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done' EXIT
failures=0
check() {  # check WHAT EXPECTED ACTUAL STATUS
  if [ "$4" = 0 ] && [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: status $4, output '$3' (expected '$2')"; failures=$((failures + 1)); fi
}

if [ -n "$MUTAUTH_CLI" ] && [ -x "$MUTAUTH_CLI" ]; then
  port=$(free_port)
  "$MUTAUTH_CLI" listen "127.0.0.1:$port" --service host/server.example.test --identity server \
    --trust authorized_keys --allow alice --echo >/dev/null 2>cli-server.log &
  pids="$pids $!"
  wait_for cli-server.log listening || exit 1
  out=$("$program" client "$port" "hello from the README" 2>client.err); rc=$?
  cat client.err
  check "README client -> mutauth listen --echo" "hello from the README" "$out" $rc
else
  echo "note: MUTAUTH_CLI not built; the runs against the mutauth tool are skipped"
fi

port=$(free_port)
"$program" server "$port" >server.log 2>&1 &
pids="$pids $!"
wait_for server.log listening || exit 1
if [ -n "$MUTAUTH_CLI" ] && [ -x "$MUTAUTH_CLI" ]; then
  out=$(echo "hi from the CLI" | "$MUTAUTH_CLI" connect "127.0.0.1:$port" --target host/server.example.test \
          --identity alice --trust known_hosts 2>cli-client.log); rc=$?
  cat cli-client.log
  check "mutauth connect -> README server" "hi from the CLI" "$out" $rc
fi
out=$("$program" client "$port" "README to README" 2>client.err); rc=$?
cat client.err
check "README client -> README server" "README to README" "$out" $rc
sleep 0.2
cat server.log
grep -q "peer alice, local host/server.example.test" server.log || { echo "FAILED: the server did not log its proven peer and local names"; failures=$((failures + 1)); }
[ $failures = 0 ]
