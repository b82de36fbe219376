# Runs a documentation program ($1) inside a throwaway MIT Kerberos realm, EXAMPLE.TEST on
# 127.0.0.1 (tests/krb5/kdc_fixture.sh, the krb5 tests' fixture): alice's client keytab and
# host/server.example.test's service keytab are the defaults (KRB5_CLIENT_KTNAME, KRB5_KTNAME),
# so the program's default configurations authenticate for real. The realm goes when the
# fixture's stdin closes.
here=$(cd "$(dirname "$0")" && pwd)
fixture=$here/../../krb5/kdc_fixture.sh
command -v bash >/dev/null 2>&1 || { echo "SKIPPED: bash not found (the KDC fixture needs it)"; exit 77; }
mkfifo fixture.in fixture.out || exit 1
bash "$fixture" serve <fixture.in >fixture.out 2>fixture.err &
fixture_pid=$!
exec 3>fixture.in  # the fixture serves while this stays open
exec 4<fixture.out
ready=0
while read -r line <&4; do
  case $line in
    "ENV "*) export "${line#ENV }" ;;
    READY) ready=1; break ;;
    ERR*) echo "kdc_fixture.sh: $line"; break ;;
  esac
done
if [ $ready != 1 ]; then
  cat fixture.err
  exec 3>&-
  wait $fixture_pid
  # Only a machine without the KDC tools (and no root to install them) is a skip.
  [ -x /usr/sbin/krb5kdc ] || { echo "SKIPPED: no MIT KDC (apt-get install krb5-kdc krb5-admin-server krb5-user)"; exit 77; }
  exit 1
fi
"$1"
rc=$?
exec 3>&-
wait $fixture_pid
exit $rc
