// The acceptor's policy hook and the names a session reports, for the pk mechanism (issue 16
// items 2 and 4): every kind of callable an Authorizer takes runs on the proven principal, a
// policy that throws refuses the client instead of terminating, and local()/peer() are what each
// side proved (README "local() and peer()").
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "support/names.hpp"
#include "support/pk_keys.hpp"
#include "support/relay.hpp"

using namespace mutauth;
using mutauth::testing::spn;
using PK = pk::PublicKey;
using bytes = std::vector<std::uint8_t>;

namespace {

struct Keys : mutauth::testing::PinnedKeys {
  Keys() : PinnedKeys("mutauth-pk-api") {}
  std::array<pk::PinnedServer, 1> server_pins{
      {{spn("host/server.example.test"), server.public_key()}}};
};

Keys& keys() {
  static Keys k;
  return k;
}

struct Outcome {
  step_result last;  // the acceptor's answer to message 3
  bool client_done = false;
  error server_error;
};

// One handshake against `policy`; the server's Identity::name is free text on purpose.
Outcome run(Authorizer policy) {
  Keys& k = keys();
  pk::InitiatorConfig ic;
  ic.identity = {&k.alice, "alice"};
  ic.trust.pinned = k.server_pins;
  pk::AcceptorConfig ac{.identity = {&k.server, "server"},
                        .service = spn("host/server.example.test")};
  ac.trust.pinned = k.client_pins;
  Initiator<PK> client(spn("host/server.example.test"), ic);
  Acceptor<PK> server(ac, policy);
  Outcome o;
  auto r1 = client.step();
  auto r2 = server.step(bytes(r1.token.begin(), r1.token.end()));
  auto r3 = client.step(bytes(r2.token.begin(), r2.token.end()));
  REQUIRE(r3.st == status::send);
  o.last = server.step(bytes(r3.token.begin(), r3.token.end()));
  if (o.last.st == status::done) {
    auto r5 = client.step(bytes(o.last.token.begin(), o.last.token.end()));
    o.client_done = r5.st == status::done;
  }
  o.server_error = server.last_error();
  return o;
}

// The kinds of policy, each answering from the proven name.
bool plain_function(const Principal& who) { return who.name.view() == "alice"; }
bool noexcept_function(const Principal& who) noexcept { return who.name.view() == "alice"; }
struct EmptyFunctor {
  bool operator()(const Principal& who) const { return who.name.view() == "alice"; }
};
struct CountingFunctor {
  std::vector<std::string> seen;
  bool operator()(const Principal& who) {
    seen.emplace_back(who.name.view());
    return who.name.view() == "alice";
  }
};
struct ThrowingPolicy {
  int calls = 0;
  bool operator()(const Principal&) {
    ++calls;
    throw std::runtime_error("policy database unreachable");
  }
};

void admitted(const Outcome& o) {
  INFO(std::string(o.server_error.detail()));
  CHECK(o.last.st == status::done);
  CHECK_FALSE(o.last.token.empty());  // message 4, the admission
  CHECK(o.client_done);
}

}  // namespace

TEST_CASE("pk: the Authorizer takes functions, pointers, lambdas and functors, noexcept or not",
          "[pk]") {
  SECTION("a function without noexcept") { admitted(run(plain_function)); }
  SECTION("a noexcept function") { admitted(run(noexcept_function)); }
  SECTION("a function pointer") {
    bool (*p)(const Principal&) = &plain_function;
    admitted(run(p));
  }
  SECTION("a temporary captureless lambda, no noexcept and no unary +") {
    admitted(run([](const Principal& who) { return who.name.view() == "alice"; }));
  }
  SECTION("a temporary empty functor") { admitted(run(EmptyFunctor{})); }
  SECTION("a named lambda with captures, called on the proven name") {
    std::string allowed = "alice";
    int calls = 0;
    auto policy = [&](const Principal& who) {
      ++calls;
      return who.name.view() == allowed;
    };
    admitted(run(policy));
    CHECK(calls == 1);
    allowed = "bob";  // held by reference: the next handshake sees the change
    const Outcome o = run(policy);
    CHECK(calls == 2);
    CHECK(o.last.code == errc::unauthorized);
    CHECK_FALSE(o.client_done);
  }
  SECTION("a named stateful functor sees the proven principal") {
    CountingFunctor f;
    admitted(run(f));
    REQUIRE(f.seen.size() == 1);
    CHECK(f.seen[0] == "alice");
  }
  SECTION("a refusing lambda refuses") {
    const Outcome o = run([](const Principal&) { return false; });
    CHECK(o.last.st == status::failed);
    CHECK(o.last.code == errc::unauthorized);
    CHECK(o.last.token.empty());
    CHECK(o.server_error.detail().find("refused by the authorization policy") !=
          std::string_view::npos);
  }
}

TEST_CASE("pk: a policy that throws refuses the client (fail closed), it does not terminate",
          "[pk]") {
  ThrowingPolicy policy;
  const Outcome o = run(policy);
  CHECK(policy.calls == 1);
  CHECK(o.last.st == status::failed);
  CHECK(o.last.code == errc::unauthorized);
  CHECK(o.last.token.empty());  // no message 4: the client is never admitted
  CHECK_FALSE(o.client_done);
  INFO(std::string(o.server_error.detail()));
  CHECK(o.server_error.detail().find("policy threw") != std::string_view::npos);
  CHECK(o.server_error.detail().find("alice") != std::string_view::npos);
  CHECK_FALSE(o.server_error.hint().empty());
  // Authorizer::decide tells a throw from a "no"; operator() is false for both.
  Principal who;
  (void)who.name.append("alice");
  CHECK(Authorizer(policy).decide(who) == authorization::failed);
  CHECK_FALSE(Authorizer(policy)(who));
  CHECK(Authorizer(plain_function).decide(who) == authorization::admitted);
  CHECK(Authorizer::deny_all().decide(who) == authorization::refused);
}

TEST_CASE("pk: local() and peer() of both roles are the proven principals", "[pk]") {
  Keys& k = keys();
  pk::InitiatorConfig ic;
  ic.identity = {&k.alice, "alice"};
  ic.trust.pinned = k.server_pins;
  // Identity::name "server" is free text a server never proves: its local() must not be it.
  pk::AcceptorConfig ac{.identity = {&k.server, "server"},
                        .service = spn("host/server.example.test")};
  ac.trust.pinned = k.client_pins;
  Initiator<PK> client(spn("host/server.example.test"), ic);
  Acceptor<PK> server(ac, mutauth::testing::allow_all);
  (void)mutauth::testing::relay_handshake(
      client, server, [](int, bytes&) {}, 4);
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  REQUIRE(cs);
  REQUIRE(ss);
  const std::string server_fp(pk::fingerprint(k.server.public_key()).view());
  const std::string alice_fp(pk::fingerprint(k.alice.public_key()).view());

  // The server: local() is the service principal it proved, peer() the client it verified.
  CHECK(ss->local().name.view() == "host/server.example.test");
  CHECK(ss->local().fingerprint.view() == server_fp);
  CHECK(ss->local().mechanism == "mutauth-pk/1");
  CHECK(ss->peer().name.view() == "alice");
  CHECK(ss->peer().fingerprint.view() == alice_fp);
  CHECK(ss->service() == spn("host/server.example.test"));

  // The client: the mirror image.
  CHECK(cs->local().name.view() == "alice");
  CHECK(cs->local().fingerprint.view() == alice_fp);
  CHECK(cs->peer().name.view() == "host/server.example.test");
  CHECK(cs->peer().fingerprint.view() == server_fp);
  CHECK(cs->service() == spn("host/server.example.test"));

  // Each side's local() is the other's peer(): both proved the same two names.
  CHECK(cs->local().name.view() == ss->peer().name.view());
  CHECK(ss->local().name.view() == cs->peer().name.view());
}
