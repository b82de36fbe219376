// Harness for docs/kerberos.md's session blocks: an established `session` of the Kerberos
// mechanism, a plaintext `msg` to seal, a received record `in`, and `send()`. Compiled, not run:
// sessions need a KDC, which tests/krb5/test_krb5.cpp provides (and checks every call shown).
#include <cstdint>
#include <span>
#include <vector>

#include <mutauth/session.hpp>
#include <mutauth/mech/krb5/krb5.hpp>
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

void send(mutauth::bytes_view) {}

void example(mutauth::Session<Kerberos>& session, [[maybe_unused]] mutauth::bytes_view msg,
             [[maybe_unused]] mutauth::bytes_view in) {
  // @DOCTEST_BODY@
}

int main() { return 0; }
