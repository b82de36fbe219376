// Harness for docs/kerberos.md's record block, run by kdc_realm.sh in a real MIT realm:
// `session` is the server's Session<Kerberos> of a real handshake with alice, `msg` the bytes to
// seal, `in` a record the client sealed, and `send()` records what it is given. Passes only if
// the block opened `in` to the client's bytes and the client opens what the block sent to `msg`.
#include <cstdint>
#include <string>
#include <vector>

#include <mutauth/mech/krb5/krb5.hpp>  // also tells extract_blocks.py to link mutauth::krb5

#include "docs/harness/krb5_pair.hpp"
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

namespace {
std::vector<std::uint8_t> sent;
void send(mutauth::bytes_view b) { sent.assign(b.begin(), b.end()); }
}  // namespace

int main() {
  using namespace mutauth;
  docs::Krb5Pair pair;
  if (!docs::krb5_handshake(Kerberos::InitiatorConfig{}, pair))
    return docs::verdict(false, "handshake");
  Session<Kerberos>& session = *pair.server;
  const std::string from_client = "from the client", to_client = "to the client";
  std::vector<std::uint8_t> in_rec(from_client.size() + Session<Kerberos>::seal_overhead);
  auto in_n = pair.client->seal(
      bytes_view(reinterpret_cast<const std::uint8_t*>(from_client.data()), from_client.size()),
      in_rec);
  if (!in_n) return docs::verdict(false, "client seal");
  const bytes_view msg(reinterpret_cast<const std::uint8_t*>(to_client.data()), to_client.size());
  const bytes_view in(in_rec.data(), *in_n);
  {
    // @DOCTEST_BODY@
    const bool opened =
        got && got->type == content_type::data &&
        std::string(out.begin(), out.begin() + static_cast<long>(got->size)) == from_client;
    std::vector<std::uint8_t> back(sent.size());
    auto b = pair.client->open(sent, back);
    const bool sealed =
        b && b->type == content_type::data &&
        std::string(back.begin(), back.begin() + static_cast<long>(b->size)) == to_client;
    std::printf("opened the client's record: %d, the client opened the block's: %d\n", opened,
                sealed);
    return docs::verdict(opened && sealed, "kerberos record block");
  }
}
