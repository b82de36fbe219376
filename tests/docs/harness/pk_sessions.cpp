// Harness for README.md's datagram block: `client` and `server`, the two Session<pk::PublicKey>
// of a real handshake run in memory (keys from fixed seeds, tests/connection/pk_fixture.hpp), in
// main()'s scope. Passes only if the block's datagram opened to the bytes sealed and its replay
// was refused with errc::replayed while the session stayed usable.
#include <cstdio>
#include <cstring>
#include <vector>

#include <mutauth/mech/pk/pk.hpp>  // also tells extract_blocks.py to link mutauth::pk

#include "connection/pk_fixture.hpp"
// @DOCTEST_PRELUDE@

namespace {
using PK = mutauth::pk::PublicKey;

struct Pair {
  mutauth::result<mutauth::Session<PK>> client = mutauth::error(mutauth::errc::wrong_state);
  mutauth::result<mutauth::Session<PK>> server = mutauth::error(mutauth::errc::wrong_state);
};

bool handshake(mutauth::testing::PkPeers& p, Pair& out) {
  using namespace mutauth;
  Initiator<PK> c(p.target, p.icfg);
  Acceptor<PK> s(p.acfg, testing::admit_alice);
  std::vector<std::uint8_t> to_server, to_client;
  step_result rc = c.step();
  while (rc.st != status::failed) {
    to_server.assign(rc.token.begin(), rc.token.end());
    if (rc.st == status::done) break;
    step_result rs = s.step(to_server);
    if (rs.st == status::failed) return false;
    to_client.assign(rs.token.begin(), rs.token.end());
    rc = c.step(to_client);
  }
  if (rc.st != status::done) return false;
  out.client = std::move(c).finish();
  out.server = std::move(s).finish();
  return out.client && out.server;
}
}  // namespace

int main() {
  using namespace mutauth;
  static testing::PkPeers peers;
  Pair pair;
  if (!handshake(peers, pair)) return std::puts("datagram block: FAILED (handshake)"), 1;
  Session<PK> client = std::move(*pair.client);
  Session<PK> server = std::move(*pair.server);
  {
    // @DOCTEST_BODY@
    const bool opened = got && *got == sizeof msg && std::memcmp(plain, msg, sizeof msg) == 0;
    const bool replay_refused = !again && again.code() == errc::replayed && !ds->failed();
    std::printf("datagram opened: %d, replay refused: %d\n", opened, replay_refused);
    std::printf("datagram block: %s\n", opened && replay_refused ? "ok" : "FAILED");
    return opened && replay_refused ? 0 : 1;
  }
}
