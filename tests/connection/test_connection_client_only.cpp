// A client-only Connection (MUTAUTH_CONNECTION_ACCEPTOR=0, set for this whole program in
// tests/connection/CMakeLists.txt; include/mutauth/connection.hpp): it cannot be built as a
// server, and it still runs the whole pk handshake and a sealed record against an Acceptor driven
// record by record (feed_record, handshake.hpp) as a server would.
#include <catch2/catch.hpp>
#include <cstring>
#include <type_traits>
#include <vector>

#include "connection/pk_fixture.hpp"

using namespace mutauth;
using PK = pk::PublicKey;
using Conn = Connection<PK>;

static_assert(MUTAUTH_CONNECTION_ACCEPTOR == 0, "this test is built client-only");
static_assert(std::is_constructible_v<Conn, as_client_t, const ServicePrincipal&,
                                      const pk::InitiatorConfig&>);
static_assert(!std::is_constructible_v<Conn, as_server_t, const pk::AcceptorConfig&, Authorizer>,
              "a client-only build has no server connection");

namespace {

// Splits the client's pending output into records (docs/protocol/mutauth-pk.md §9: a type byte
// and a 16-bit big-endian length before each body).
std::vector<std::pair<record_type, std::vector<std::uint8_t>>> take_records(Conn& c) {
  std::vector<std::pair<record_type, std::vector<std::uint8_t>>> out;
  const bytes_view p = c.pending_output();
  std::size_t off = 0;
  while (off + record_header_size <= p.size()) {
    const std::size_t len = (std::size_t{p[off + 1]} << 8) | p[off + 2];
    REQUIRE(off + record_header_size + len <= p.size());
    out.emplace_back(
        static_cast<record_type>(p[off]),
        std::vector<std::uint8_t>(p.begin() + static_cast<std::ptrdiff_t>(off + 3),
                                  p.begin() + static_cast<std::ptrdiff_t>(off + 3 + len)));
    off += record_header_size + len;
  }
  REQUIRE(off == p.size());
  c.consume_output(p.size());
  return out;
}

void give(Conn& c, record_type t, bytes_view body) {
  std::vector<std::uint8_t> wire(record_header_size + body.size());
  auto n = encode_record(t, body, wire);
  REQUIRE(n);
  std::size_t off = 0;
  while (off < *n) {
    auto r = c.receive(bytes_view(wire.data() + off, *n - off));
    REQUIRE(r);
    REQUIRE(*r > 0);
    off += *r;
  }
}

}  // namespace

TEST_CASE("a client-only connection completes the handshake and seals to a real acceptor") {
  static mutauth::testing::PkPeers peers;
  static Conn client(as_client, peers.target, peers.icfg);
  Acceptor<PK> server(peers.acfg, mutauth::testing::admit_alice);
  REQUIRE(client.start());
  bool server_done = false;
  for (int round = 0; round < 4 && !client.is_established(); ++round) {
    for (auto& [type, body] : take_records(client)) {
      REQUIRE(type == record_type::handshake);
      step_result r = feed_record(server, record{type, body});
      REQUIRE(r.st != status::failed);
      if (!r.token.empty()) give(client, record_type::handshake, r.token);
      server_done = r.st == status::done;
    }
  }
  REQUIRE(server_done);
  REQUIRE(client.is_established());
  CHECK(client.next_event().kind == connection_event::established);
  auto session = std::move(server).finish();
  REQUIRE(session);
  CHECK(session->peer().name.view() == "alice");
  CHECK(client.session()->peer().name.view() == "host/server.example.test");

  const char msg[] = "from a client-only build";
  auto w = client.write(bytes_view(reinterpret_cast<const std::uint8_t*>(msg), sizeof msg - 1));
  REQUIRE(w);
  auto recs = take_records(client);
  REQUIRE(recs.size() == 1);
  REQUIRE(recs[0].first == record_type::application);
  std::vector<std::uint8_t> plain(recs[0].second.size());
  auto got = session->open(recs[0].second, plain);
  REQUIRE(got);
  CHECK(got->type == content_type::data);
  CHECK(std::string_view(reinterpret_cast<const char*>(plain.data()), got->size) == msg);
}
