// Harness for docs/kerberos.md's delegation block, run by kdc_realm.sh in a real MIT realm:
// `session` is the server's Session<Kerberos> of a real handshake in which alice delegated her
// (forwardable) TGT. Passes only if the block's branch was taken — the flags carry
// GSS_C_DELEG_FLAG and the session holds the forwarded credential — and the block ran on it.
#include <cstdint>

#include <mutauth/mech/krb5/krb5.hpp>  // also tells extract_blocks.py to link mutauth::krb5

#include "docs/harness/krb5_pair.hpp"
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

int main() {
  using namespace mutauth;
  Kerberos::InitiatorConfig icfg{};
  icfg.delegate = true;
  docs::Krb5Pair pair;
  if (!docs::krb5_handshake(icfg, pair)) return docs::verdict(false, "handshake");
  Session<Kerberos>& session = *pair.server;
  {
    // @DOCTEST_BODY@
  }
  const bool delegated = (session.mechanism_info().flags() & GSS_C_DELEG_FLAG) != 0 &&
                         session.mechanism_info().delegated_credential() != GSS_C_NO_CREDENTIAL;
  std::printf("the server holds alice's delegated TGT: %d\n", delegated);
  return docs::verdict(delegated, "kerberos delegation block");
}
