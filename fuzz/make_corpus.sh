#!/bin/sh
# Regenerates the fuzz seed corpora: project-made seeds (fuzz_make_corpus, deterministic) and key
# files from the real ssh-keygen (random keys: a rerun changes those files, which is fine).
# Leaves other files, such as regress-* inputs, alone.
# Usage: fuzz/make_corpus.sh [build-dir]   (default: build-fuzzreplay beside fuzz/; configured
#        with MUTAUTH_FUZZ_REPLAY=ON)
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=${1:-$src/../build-fuzzreplay}
corpus=$src/corpus

cmake --build "$build" --target fuzz_make_corpus
"$build/fuzz/fuzz_make_corpus" "$corpus"

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
echo "make_corpus.sh: corpora under $corpus"
for d in "$corpus"/*/; do
  printf '  %-20s %3d files %6d bytes\n' "$(basename "$d")" "$(ls "$d" | wc -l)" "$(cat "$d"* | wc -c)"
done
