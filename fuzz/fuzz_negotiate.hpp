// mutauth fuzz targets — Negotiate<pk::PublicKey, alt-pk/1> (negotiate.hpp): mutauth-pk/1 and the
// same mechanism under a second name (tests/support/pk_alias.hpp), on fuzz_pk.hpp's fixed keys
// and deterministic RNG. A relay that swaps the two names leaves every mechanism token valid:
// only the negotiation's binding can catch it, which is what these targets check.
#pragma once

#include <memory>
#include <string_view>

#include "fuzz_handshake.hpp"
#include "fuzz_pk.hpp"
#include "mutauth/negotiate.hpp"
#include "support/pk_alias.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

using Alt = mutauth::testing::AltPk;
using NG = Negotiate<PK, Alt>;

/// The client's offers (bits 0-1 of a control byte): pk, alt / alt, pk / pk / alt; the server's
/// accepted set (bits 2-3): both / pk / alt / both.
struct NegotiateSetup {
  explicit NegotiateSetup(std::uint8_t ctl) {
    const World& w = world();
    switch (ctl & 3) {
      case 0: ic.offer<PK>(w.icfg).offer<Alt>(w.icfg); break;
      case 1: ic.offer<Alt>(w.icfg).offer<PK>(w.icfg); break;
      case 2: ic.offer<PK>(w.icfg); break;
      default: ic.offer<Alt>(w.icfg); break;
    }
    const int a = (ctl >> 2) & 3;
    if (a != 2) ac.accept<PK>(w.acfg);
    if (a != 1) ac.accept<Alt>(w.acfg);
  }
  /// The mechanism an honest run negotiates (the first offer the server accepts), or -1.
  [[nodiscard]] int expected() const noexcept {
    for (std::size_t k = 0; k < ic.offered; ++k)
      if (ac.accepts(ic.order[k])) return ic.order[k];
    return -1;
  }
  NG::InitiatorConfig ic;
  NG::AcceptorConfig ac;
};

struct NegotiateEndpoints {
  explicit NegotiateEndpoints(const NegotiateSetup& s)
      : client(world().target, s.ic), server(s.ac, allow_alice) {}
  Initiator<NG> client;
  Acceptor<NG> server;
};

inline std::unique_ptr<NegotiateEndpoints> fresh_negotiate(const NegotiateSetup& s,
                                                           std::uint64_t stream = 0) {
  world();
  reset_rng(stream);
  return std::make_unique<NegotiateEndpoints>(s);
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth

namespace mutauth {
inline namespace v0 {
namespace fuzz {

/// The messages of an honest run of `s` on RNG stream 0 (both done, or both failed for want of
/// a common mechanism: then the offer and the refusal).
struct NegotiateTranscript {
  std::vector<bytes> msg;
  bool established = false;
};

inline NegotiateTranscript honest_negotiation(const NegotiateSetup& s) {
  auto e = fresh_negotiate(s);
  NegotiateTranscript t;
  step_result r = e->client.step();
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  for (int m = 0; m < 8; ++m) {
    t.msg.push_back(copy(r.token));
    const bool last = r.st == status::done;
    r = (m % 2 == 0) ? e->server.step(t.msg.back()) : e->client.step(t.msg.back());
    if (r.st == status::failed && !r.token.empty()) {
      // A refusal: the failed acceptor's last word, which the client must read (negotiate.md §3.3).
      t.msg.push_back(copy(r.token));
      r = e->client.step(t.msg.back());
    }
    if (r.st == status::failed || last) break;
  }
  t.established = e->client.is_done() && e->server.is_done();
  MUTAUTH_FUZZ_CHECK(t.established == (s.expected() >= 0));
  if (!t.established) {
    MUTAUTH_FUZZ_CHECK(e->server.last_error().code() == errc::no_common_mechanism);
    MUTAUTH_FUZZ_CHECK(e->client.last_error().code() == errc::no_common_mechanism);
  }
  return t;
}

/// The honest transcript of each of the 16 setups, made once.
inline const NegotiateTranscript& honest_negotiation(std::uint8_t ctl) {
  static const std::array<NegotiateTranscript, 16> all = [] {
    std::array<NegotiateTranscript, 16> a;
    for (std::uint8_t c = 0; c < 16; ++c) a[c] = honest_negotiation(NegotiateSetup(c));
    return a;
  }();
  return all[ctl & 15];
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
