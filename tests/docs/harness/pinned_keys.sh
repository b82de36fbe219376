# Runs a documentation program ($1) beside the key files README.md's handshake blocks name, made
# with stock ssh-keygen in the (empty) current directory: id_ed25519 (alice) and db1_host_key
# (host/db1.example.com). The harness's own peer pins each side's .pub.
command -v ssh-keygen >/dev/null 2>&1 || { echo "SKIPPED: ssh-keygen not found (Debian: openssh-client)"; exit 77; }
ssh-keygen -q -t ed25519 -N '' -C alice -f id_ed25519 || exit 1
ssh-keygen -q -t ed25519 -N '' -C db1 -f db1_host_key || exit 1
exec "$1"
