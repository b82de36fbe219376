// Harness for docs/kerberos.md's refusal block: a Kerberos acceptor `server` and initiator
// `client` in scope, the AP-REQ `ap_req` and a decoded record `rec`, and `send()` for a record.
// Compiled, not run: the block is one branch of a handshake against a real KDC, which
// tests/krb5/test_krb5.cpp drives (the refusal included).
#include <cstdint>

#include <mutauth/framing.hpp>
#include <mutauth/handshake.hpp>
#include <mutauth/mech/krb5/krb5.hpp>
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

void send(mutauth::bytes_view) {}

void example([[maybe_unused]] mutauth::Acceptor<Kerberos>& server,
             [[maybe_unused]] mutauth::Initiator<Kerberos>& client,
             [[maybe_unused]] mutauth::bytes_view ap_req, [[maybe_unused]] const mutauth::record& rec) {
  // @DOCTEST_BODY@
}

int main() { return 0; }
