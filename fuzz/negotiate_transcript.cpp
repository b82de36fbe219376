// Fuzz target: a whole negotiated handshake, Negotiate<pk, alt-pk/1>, under a man in the middle
// (the downgrade oracle of issue 15 item 8).
//   byte 0: bits 0-3 the setup (fuzz_negotiate.hpp: the client's offers, the server's accepted
//   set); then a mutation program as pk_transcript's: op byte (bits 0-2 opcode, bits 3-5
//   message 0-7), u16 offset, u8 value:
//   0 xor value (0 counts as 1)  1 truncate   2 insert value   3 erase one byte
//   4 replace with honest message value%8 of this setup   5 swap the two offer names
//   6 drop the message           7 append offset%64+1 copies of value
// Invariants: with nothing altered, the run is the honest one — both sides established, on the
// same mechanism, the first offer the server accepts (or both refused with no_common_mechanism
// when there is none). With anything altered, the CLIENT is never established, and the SERVER
// (which completes before its last message) only if every message it received was unaltered.
// Established sides agree (mechanism, channel binding, records); failed sides are dead.
#include "fuzz_negotiate.hpp"
#include "mutation.hpp"

#include <vector>

using namespace mutauth;
using namespace mutauth::fuzz;

namespace {

// Swaps the offer names of a message 1 (reorders the list) when it parses; else changes nothing.
void swap_offers(bytes& b) {
  auto o = negotiation::parse_offer(b);
  if (!o || o->offers.count < 2) return;
  std::array<std::string_view, 2> swapped = {o->offers.names[1], o->offers.names[0]};
  std::array<std::uint8_t, negotiation::max_list_size> list{};
  const std::size_t n = negotiation::encode_list(swapped.data(), 2, list);
  bytes out(b.begin(), b.begin() + negotiation::header_size);
  out.insert(out.end(), list.begin(), list.begin() + static_cast<long>(n));
  out.insert(out.end(), o->token.begin(), o->token.end());
  b = out;
}

// Opcodes 4 and 5: an honest message of this setup, or the offer names swapped.
bool mutate(const std::vector<mutation_op>& prog, std::uint8_t m, bytes& b,
            const NegotiateTranscript& h) {
  return apply_mutations(prog, m, b, [&](const mutation_op& o, bytes& out) {
    if (o.code == 4) out = h.msg[o.value % h.msg.size()];
    else swap_offers(out);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const std::uint8_t ctl = in.u8() & 15;
  const NegotiateSetup setup(ctl);
  const NegotiateTranscript& honest = honest_negotiation(ctl);
  const std::vector<mutation_op> prog = read_mutations(in, 7);  // messages 0-7

  auto e = fresh_negotiate(setup);
  bool tampered = false, tampered_to_server = false, server_failed = false;
  bytes refusal;
  step_result r = e->client.step();
  for (std::uint8_t m = 0; m < 8 && !r.token.empty(); ++m) {
    // Until something was altered, each side produces exactly the honest message.
    MUTAUTH_FUZZ_CHECK(tampered || (m < honest.msg.size() && same(r.token, honest.msg[m])));
    const bool sender_done = r.st == status::done;
    bytes wire = copy(r.token);
    const bool delivered = mutate(prog, m, wire, honest);
    const bool altered = !delivered || !same(wire, r.token);
    tampered |= altered;
    if (m % 2 == 0) tampered_to_server |= altered;
    if (!delivered) break;
    if (m % 2 == 0) {
      r = e->server.step(wire);
      // A failed acceptor may still have its refusal to send (negotiate.md §3.3): relay it next.
      if (r.st == status::failed && !r.token.empty()) {
        refusal = copy(r.token);
        r.token = refusal;
        r.st = status::send;
        server_failed = true;
        continue;
      }
      if (r.st == status::failed) check_dead(e->server, r.code, wire);
    } else {
      r = e->client.step(wire);
      check_step(e->client, r);
      if (r.st == status::failed) check_dead(e->client, r.code, wire);
    }
    MUTAUTH_FUZZ_CHECK(tampered || r.st != status::failed || !honest.established);
    if (r.st == status::failed || sender_done || (server_failed && m % 2 == 1)) break;
  }
  if (server_failed) check_dead(e->server, e->server.last_error().code(), {});
  const bool client_done = e->client.is_done(), server_done = e->server.is_done();
  // The heart of it: nothing altered <=> established; and an altered offer, list, choice or
  // token never yields a session on the side that received it.
  if (!tampered) {
    MUTAUTH_FUZZ_CHECK(client_done == honest.established && server_done == honest.established);
    if (!honest.established) {
      MUTAUTH_FUZZ_CHECK(e->client.last_error().code() == errc::no_common_mechanism);
      MUTAUTH_FUZZ_CHECK(e->server.last_error().code() == errc::no_common_mechanism);
    }
  }
  if (tampered) MUTAUTH_FUZZ_CHECK(!client_done);
  if (tampered_to_server) MUTAUTH_FUZZ_CHECK(!server_done);
  auto cs = session_of(e->client);
  auto ss = session_of(e->server);
  const std::string_view want =
      setup.expected() >= 0 ? NG::names[static_cast<std::size_t>(setup.expected())] : "";
  if (ss) MUTAUTH_FUZZ_CHECK(ss->mechanism() == want && ss->peer().name.view() == client_name);
  if (cs && ss) {
    // The negotiated mechanism is the same on both sides, and the sessions interoperate.
    MUTAUTH_FUZZ_CHECK(cs->mechanism() == ss->mechanism());
    MUTAUTH_FUZZ_CHECK(!cs->channel_binding().empty() &&
                       same(cs->channel_binding(), ss->channel_binding()));
    static constexpr std::uint8_t ping[] = {'p', 'i', 'n', 'g'};
    std::array<std::uint8_t, sizeof ping + Session<NG>::seal_overhead> rec{};
    std::array<std::uint8_t, sizeof rec> out{};
    auto n = cs->seal(ping, rec);
    MUTAUTH_FUZZ_CHECK(n);
    auto got = ss->open(bytes_view(rec).first(*n), out);
    MUTAUTH_FUZZ_CHECK(got && got->type == content_type::data &&
                       same(bytes_view(out).first(got->size), ping));
  }
  return 0;
}
