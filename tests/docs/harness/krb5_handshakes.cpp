// Harness for docs/kerberos.md's refusal block, run by kdc_realm.sh in a real MIT realm: the
// block gets a real acceptor `server` whose policy refuses alice, the real initiator `client`
// that just sent its AP-REQ `ap_req`, the clear `unauthorized` alert record `rec` such a server
// sends, and a `send()` that records what it is given. Passes only if the block's server part
// sent exactly that alert and its client part failed with errc::unauthorized.
#include <cstdint>
#include <vector>

#include <mutauth/mech/krb5/krb5.hpp>  // also tells extract_blocks.py to link mutauth::krb5

#include <mutauth/framing.hpp>
#include "docs/harness/krb5_pair.hpp"
// @DOCTEST_PRELUDE@
using mutauth::krb5::Kerberos;

namespace {
std::vector<std::uint8_t> sent;
void send(mutauth::bytes_view b) { sent.insert(sent.end(), b.begin(), b.end()); }
bool only_bob(const mutauth::Principal& p) noexcept { return p.name.view() == "bob@EXAMPLE.TEST"; }
}  // namespace

void example(mutauth::Acceptor<Kerberos>& server, mutauth::Initiator<Kerberos>& client,
             mutauth::bytes_view ap_req, const mutauth::record& rec) {
  // @DOCTEST_BODY@
}

int main() {
  using namespace mutauth;
  const ServicePrincipal target = docs::krb5_target();
  const Kerberos::InitiatorConfig icfg{};
  const Kerberos::AcceptorConfig acfg{.service = target, .keytab = {}, .credential = nullptr};
  Initiator<Kerberos> client(target, icfg);
  Acceptor<Kerberos> server(acfg, only_bob);
  step_result r = client.step();
  if (r.st != status::send) return docs::say("AP-REQ", client.last_error()), 1;
  const std::vector<std::uint8_t> ap_req(r.token.begin(), r.token.end());
  const std::uint8_t reason[] = {static_cast<std::uint8_t>(alert_reason::unauthorized)};
  const record rec{record_type::alert, reason};
  example(server, client, ap_req, rec);
  const std::vector<std::uint8_t> alert = {0x15, 0x00, 0x01, 0x03};
  const bool ok =
      sent == alert && client.is_failed() && client.last_error().code() == errc::unauthorized;
  std::printf("server sent the alert: %d, client: %.*s\n", sent == alert,
              static_cast<int>(client.last_error().detail().size()),
              client.last_error().detail().data());
  return docs::verdict(ok, "kerberos refusal block");
}
