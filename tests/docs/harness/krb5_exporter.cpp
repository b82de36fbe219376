// Harness for docs/kerberos.md's exporter block, run by kdc_realm.sh in a real MIT realm:
// `session` is the server's Session<Kerberos> of a real handshake with alice. Passes only if the
// block's `key` is what the client exports for the same label and context (RFC 4401 PRF on
// both ends of one context) and is not all zero.
#include <algorithm>
#include <cstdint>

#include <mutauth/mech/krb5/krb5.hpp>  // also tells extract_blocks.py to link mutauth::krb5

#include "docs/harness/krb5_pair.hpp"
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

int main() {
  using namespace mutauth;
  docs::Krb5Pair pair;
  if (!docs::krb5_handshake(Kerberos::InitiatorConfig{}, pair))
    return docs::verdict(false, "handshake");
  Session<Kerberos>& session = *pair.server;
  {
    // @DOCTEST_BODY@
    std::uint8_t theirs[sizeof key]{};
    const bool same = pair.client->export_keying_material("myapp key", ctx, theirs) &&
                      std::equal(key, key + sizeof key, theirs) &&
                      std::any_of(key, key + sizeof key, [](std::uint8_t b) { return b != 0; });
    std::printf("both ends exported the same key: %d\n", same);
    return docs::verdict(same, "kerberos exporter block");
  }
}
