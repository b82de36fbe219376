#!/bin/sh
# Regenerates the fuzz seed corpora: project-made seeds (fuzz_make_corpus, deterministic), key
# files, certificates and KRLs from the real ssh-keygen (random keys: a rerun changes those files,
# which is fine), and — when the build has mutauth::krb5 — genuine Kerberos tokens from a
# throwaway KDC (fuzz_make_krb5_corpus; they stay valid, see fuzz/fuzz_krb5.hpp).
# Leaves other files, such as regress-* inputs, alone.
# Usage: fuzz/make_corpus.sh [build-dir]   (default: build-fuzzreplay beside fuzz/; configured
#        with MUTAUTH_FUZZ_REPLAY=ON)
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=${1:-$src/../build-fuzzreplay}
corpus=$src/corpus

cmake --build "$build" --target fuzz_make_corpus fuzz_make_negotiate_corpus
"$build/fuzz/fuzz_make_corpus" "$corpus"
"$build/fuzz/fuzz_make_negotiate_corpus" "$corpus"
if cmake --build "$build" --target fuzz_make_krb5_corpus >/dev/null 2>&1; then
  "$build/fuzz/fuzz_make_krb5_corpus" "$corpus"
else
  echo "make_corpus.sh: no mutauth::krb5 in $build; Kerberos seeds left as they are" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ssh-keygen -q -t ed25519 -N '' -C 'alice@example.test' -f "$tmp/ed25519"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$tmp/ed25519-nocomment"
ssh-keygen -q -t ed25519 -N 'not-a-secret' -C 'encrypted' -f "$tmp/ed25519-encrypted"
ssh-keygen -q -t ecdsa -b 256 -N '' -C 'ecdsa' -f "$tmp/ecdsa"

mkdir -p "$corpus/private_key" "$corpus/public_key"
cp "$tmp/ed25519" "$corpus/private_key/ssh-keygen-ed25519"
cp "$tmp/ed25519-nocomment" "$corpus/private_key/ssh-keygen-ed25519-nocomment"
cp "$tmp/ed25519-encrypted" "$corpus/private_key/ssh-keygen-ed25519-encrypted"
cp "$tmp/ecdsa" "$corpus/private_key/ssh-keygen-ecdsa"
cp "$tmp/ed25519.pub" "$corpus/public_key/ssh-keygen-ed25519.pub"
cp "$tmp/ed25519-nocomment.pub" "$corpus/public_key/ssh-keygen-ed25519-nocomment.pub"
cp "$tmp/ecdsa.pub" "$corpus/public_key/ssh-keygen-ecdsa.pub"
cut -d' ' -f2 "$tmp/ed25519.pub" | base64 -d > "$corpus/public_key/blob-ssh-keygen-ed25519"
# Certificates (certificate: control byte 0 | blob; certificate_line: control byte 0 | line) and
# KRLs, as ssh-keygen -s / -k write them. Windows are chosen around the targets' fixed clock
# (2025-01-01, fuzz_cert.hpp).
ssh-keygen -q -t ed25519 -N '' -C 'ca' -f "$tmp/ca"
ssh-keygen -q -t ed25519 -N '' -C 'host' -f "$tmp/host"
ssh-keygen -q -t ed25519 -N '' -C 'user' -f "$tmp/user"
mkdir -p "$corpus/certificate" "$corpus/certificate_line" "$corpus/krl"
sign() {  # <name> <key> <ssh-keygen -s options...>
  name=$1 key=$2
  shift 2
  cp "$tmp/$key.pub" "$tmp/$name.pub"
  ssh-keygen -q -s "$tmp/ca" "$@" "$tmp/$name.pub"
  { printf '\000'; cut -d' ' -f2 "$tmp/$name-cert.pub" | base64 -d; } >"$corpus/certificate/ssh-keygen-$name"
  { printf '\000'; cat "$tmp/$name-cert.pub"; } >"$corpus/certificate_line/ssh-keygen-$name"
}
sign server host -I server-id -h -n server.example.test,host/server.example.test -z 5 -V 20240101:20260101
sign host-port host -I db-id -h -n postgres/db.example.test:5432 -V always:forever
sign alice user -I alice-id -n alice,bob -z 13 -V 20240101:20260101
sign user-forced user -I forced -n alice -O force-command=/bin/true -O source-address=10.0.0.0/8 -V always:forever
sign user-noext user -I noext -n alice -O clear -V 20300101:20310101
{
  echo 'serial: 1-5'
  echo 'serial: 13'
  echo 'serial: 300'
  echo 'id: alice-id'
  echo "key: $(cat "$tmp/user.pub")"
  echo "hash: $(ssh-keygen -lf "$tmp/host.pub" -E sha256 | cut -d' ' -f2)"
  echo "sha256: $(cat "$tmp/ca.pub")"
} >"$tmp/krl.spec"
ssh-keygen -q -k -f "$corpus/krl/ssh-keygen-ca-scoped" -s "$tmp/ca.pub" -z 3 "$tmp/krl.spec"
ssh-keygen -q -k -f "$corpus/krl/ssh-keygen-keys" "$tmp/user.pub" "$tmp/host.pub"

echo "make_corpus.sh: corpora under $corpus"
for d in "$corpus"/*/; do
  printf '  %-20s %3d files %6d bytes\n' "$(basename "$d")" "$(ls "$d" | wc -l)" "$(cat "$d"* | wc -c)"
done
