// The acceptor's policy hook and the names a session reports, for the Kerberos mechanism against
// a real MIT KDC (issue 16 items 2 and 4): every kind of callable an Authorizer takes runs on the
// principal GSS-API authenticated, a policy that throws refuses the client (no AP-REP leaves)
// instead of terminating, and local()/peer() of both roles are the proven names (README
// "local() and peer()").
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "krb5/kdc_fixture.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "support/names.hpp"

using namespace mutauth;
using mutauth::testing::Realms;
using mutauth::testing::spn;
using K = mutauth::krb5::Kerberos;
using bytes = std::vector<std::uint8_t>;

namespace {

struct Outcome {
  step_result reply;  // the acceptor's answer to the AP-REQ
  bool client_done = false;
  error server_error;
};

// One handshake with the fixture's default credentials (alice's ccache, the service keytab).
Outcome run(Authorizer policy) {
  const auto target = spn("host/server.example.test");
  const K::InitiatorConfig icfg{};
  const K::AcceptorConfig acfg{target};
  Initiator<K> client(target, icfg);
  Acceptor<K> server(acfg, policy);
  auto ap_req = client.step();
  INFO(std::string(client.last_error().detail()));
  REQUIRE(ap_req.st == status::send);
  Outcome o;
  o.reply = server.step(bytes(ap_req.token.begin(), ap_req.token.end()));
  if (o.reply.st == status::done && !o.reply.token.empty()) {
    auto r = client.step(bytes(o.reply.token.begin(), o.reply.token.end()));
    o.client_done = r.st == status::done;
  }
  o.server_error = server.last_error();
  return o;
}

bool plain_function(const Principal& who) { return who.name.view() == "alice@EXAMPLE.TEST"; }
bool noexcept_function(const Principal& who) noexcept { return who.realm.view() == "EXAMPLE.TEST"; }
struct EmptyFunctor {
  bool operator()(const Principal& who) const { return who.mechanism == "krb5"; }
};
struct ThrowingPolicy {
  int calls = 0;
  bool operator()(const Principal&) {
    ++calls;
    throw std::runtime_error("directory lookup failed");
  }
};

void admitted(const Outcome& o) {
  INFO(std::string(o.server_error.detail()));
  CHECK(o.reply.st == status::done);
  CHECK_FALSE(o.reply.token.empty());  // the AP-REP, released only after the policy said yes
  CHECK(o.client_done);
}

}  // namespace

TEST_CASE("krb5: the Authorizer takes functions, pointers, lambdas and functors, noexcept or not",
          "[kerberos]") {
  Realms realm;
  admitted(run(plain_function));
  admitted(run(noexcept_function));
  bool (*pointer)(const Principal&) = &plain_function;
  admitted(run(pointer));
  admitted(run([](const Principal& who) { return who.name.view() == "alice@EXAMPLE.TEST"; }));
  admitted(run(EmptyFunctor{}));
  std::vector<std::string> seen;
  auto recording = [&seen](const Principal& who) {
    seen.emplace_back(who.name.view());
    return true;
  };
  admitted(run(recording));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "alice@EXAMPLE.TEST");

  const Outcome refused =
      run([](const Principal& who) { return who.name.view() == "bob@EXAMPLE.TEST"; });
  CHECK(refused.reply.st == status::failed);
  CHECK(refused.reply.code == errc::unauthorized);
  CHECK(refused.reply.token.empty());
  CHECK_FALSE(refused.client_done);
}

TEST_CASE("krb5: a policy that throws refuses the client (fail closed), it does not terminate",
          "[kerberos]") {
  Realms realm;
  ThrowingPolicy policy;
  const Outcome o = run(policy);
  CHECK(policy.calls == 1);
  CHECK(o.reply.st == status::failed);
  CHECK(o.reply.code == errc::unauthorized);
  CHECK(o.reply.token.empty());  // no AP-REP: the client never learns it was admitted
  CHECK_FALSE(o.client_done);
  INFO(std::string(o.server_error.detail()));
  CHECK(o.server_error.detail().find("policy threw") != std::string_view::npos);
  CHECK(o.server_error.detail().find("alice@EXAMPLE.TEST") != std::string_view::npos);
}

TEST_CASE("krb5: local() and peer() of both roles are the proven principals", "[kerberos]") {
  Realms realm;
  const auto target = spn("host/server.example.test");
  const K::InitiatorConfig icfg{};
  const K::AcceptorConfig acfg{target};
  Initiator<K> client(target, icfg);
  Acceptor<K> server(acfg, mutauth::testing::allow_all);
  auto ap_req = client.step();
  REQUIRE(ap_req.st == status::send);
  auto ap_rep = server.step(bytes(ap_req.token.begin(), ap_req.token.end()));
  REQUIRE(ap_rep.st == status::done);
  REQUIRE(client.step(bytes(ap_rep.token.begin(), ap_rep.token.end())).st == status::done);
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  REQUIRE(cs);
  REQUIRE(ss);

  // The server: local() is its service principal as the KDC named it, peer() the ticket's client.
  CHECK(ss->local().name.view() == "host/server.example.test@EXAMPLE.TEST");
  CHECK(ss->local().realm.view() == "EXAMPLE.TEST");
  CHECK(ss->local().mechanism == "krb5");
  CHECK(ss->peer().name.view() == "alice@EXAMPLE.TEST");
  CHECK(ss->peer().realm.view() == "EXAMPLE.TEST");
  CHECK(ss->service() == target);

  // The client: the mirror image.
  CHECK(cs->local().name.view() == "alice@EXAMPLE.TEST");
  CHECK(cs->local().realm.view() == "EXAMPLE.TEST");
  CHECK(cs->peer().name.view() == "host/server.example.test@EXAMPLE.TEST");
  CHECK(cs->peer().realm.view() == "EXAMPLE.TEST");
  CHECK(cs->service() == target);

  CHECK(cs->local().name.view() == ss->peer().name.view());
  CHECK(ss->local().name.view() == cs->peer().name.view());
  // Kerberos proves no key fingerprints or certificates.
  CHECK(ss->peer().fingerprint.empty());
  CHECK(ss->peer().key_id.empty());
}
