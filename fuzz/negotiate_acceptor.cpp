// Fuzz target: the combined mechanism, Acceptor<Negotiate<pk, alt-pk/1>> (fuzz_negotiate.hpp).
//   byte 0: bits 0-3 the setup (the client's offers, the server's accepted set); bit 4 clear: the
//   rest is message 1 to a fresh acceptor; bit 4 set: the honest message 1 first, then the rest
//   as the client's next message.
// Invariants beyond "no crash", against an independent reading of docs/protocol/negotiate.md:
// an offer the parser refuses fails with the parser's code and sends nothing; otherwise the
// acceptor takes exactly the first offer it accepts — a later one is answered with exactly the
// 4-byte choice, the first with a choice of 0 carrying mutauth-pk/1 message 2, and none with
// exactly the refusal listing what it accepts (no_common_mechanism) — and a first token that is
// not a mutauth-pk/1 message 1 never gets an answer. After the honest offer, the acceptor is done
// only on the honest next message, and then its Session names the negotiated mechanism and
// alice. A failed handshake is dead (G5).
#include "fuzz_negotiate.hpp"

using namespace mutauth;
using namespace mutauth::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const std::uint8_t ctl = in.u8();
  const NegotiateSetup setup(ctl & 15);
  const NegotiateTranscript& honest = honest_negotiation(static_cast<std::uint8_t>(ctl & 15));
  auto e = fresh_negotiate(setup);
  const bytes msg = copy(in.rest());

  if ((ctl & 16) == 0) {
    const step_result r = e->server.step(msg);
    auto o = negotiation::parse_offer(msg);
    if (!o) {
      MUTAUTH_FUZZ_CHECK(r.st == status::failed && r.code == o.code() && r.token.empty());
      check_dead(e->server, r.code, msg);
      return 0;
    }
    int k = -1;
    for (std::size_t j = 0; j < o->offers.count && k < 0; ++j)
      for (std::size_t i = 0; i < NG::count; ++i)
        if (o->offers.names[j] == NG::names[i] && setup.ac.accepts(i)) k = static_cast<int>(j);
    if (k < 0) {
      MUTAUTH_FUZZ_CHECK(r.st == status::failed && r.code == errc::no_common_mechanism);
      bytes want = {0x4E, 0x01, 0x03, 0};
      for (std::size_t i = 0; i < NG::count; ++i) {
        if (!setup.ac.accepts(i)) continue;
        ++want[3];
        want.push_back(static_cast<std::uint8_t>(NG::names[i].size()));
        want.insert(want.end(), NG::names[i].begin(), NG::names[i].end());
      }
      MUTAUTH_FUZZ_CHECK(same(r.token, want));
      check_dead(e->server, r.code, msg);
      return 0;
    }
    if (k > 0) {
      MUTAUTH_FUZZ_CHECK(r.st == status::send);
      MUTAUTH_FUZZ_CHECK(same(r.token, bytes{0x4E, 0x01, 0x02, static_cast<std::uint8_t>(k)}));
      return 0;
    }
    const bool pk_message1 = o->token.size() == 34 && o->token[0] == 0x01 && o->token[1] == 0x01;
    if (!pk_message1) MUTAUTH_FUZZ_CHECK(r.st == status::failed);
    if (r.st == status::failed) {
      MUTAUTH_FUZZ_CHECK(r.token.empty());
      check_dead(e->server, r.code, msg);
      return 0;
    }
    MUTAUTH_FUZZ_CHECK(r.st == status::send && r.token.size() > 6);
    MUTAUTH_FUZZ_CHECK(same(r.token.first(6), bytes{0x4E, 0x01, 0x02, 0x00, 0x01, 0x02}));
    return 0;
  }

  // The honest offer, then the fuzz bytes as the client's next message.
  // The client steps first, as in the honest run, so that the server draws the same ephemeral.
  MUTAUTH_FUZZ_CHECK(same(e->client.step().token, honest.msg[0]));
  step_result r = e->server.step(honest.msg[0]);
  MUTAUTH_FUZZ_CHECK(same(r.token, honest.msg[1]));
  if (r.st == status::failed) return 0;  // no common mechanism in this setup: nothing follows
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  // And the client answers, drawing what it drew then (a later choice starts a new ephemeral).
  MUTAUTH_FUZZ_CHECK(same(e->client.step(honest.msg[1]).token, honest.msg[2]));
  r = e->server.step(msg);
  check_step(e->server, r);
  const bool is_honest = honest.msg.size() > 2 && same(msg, honest.msg[2]);
  if (is_honest)
    MUTAUTH_FUZZ_CHECK(same(r.token, honest.msg[3]) &&
                       r.st == (honest.msg.size() == 4 ? status::done : status::send));
  if (!is_honest) MUTAUTH_FUZZ_CHECK(r.st != status::done);
  if (r.st == status::failed) {
    check_dead(e->server, r.code, msg);
  } else if (r.st == status::done) {
    auto s = std::move(e->server).finish();
    MUTAUTH_FUZZ_CHECK(s &&
                       s->mechanism() == NG::names[static_cast<std::size_t>(setup.expected())]);
    MUTAUTH_FUZZ_CHECK(s->peer().name.view() == client_name);
  } else {
    check_no_session(e->server);
  }
  return 0;
}
