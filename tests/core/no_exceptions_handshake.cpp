// Built with -fno-exceptions -fno-rtti, without Catch2 (which needs exceptions): drives a full
// scripted handshake and session traffic through the framing layer with a global operator new
// that aborts the program, so any heap allocation on these paths fails the test.
#include <cstdio>
#include <cstdlib>
#include <new>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "support/heap_guard.hpp"
#include "support/scripted_mechanism.hpp"

using namespace mutauth;
using mutauth::testing::Scripted;

namespace {
bool allow(const Principal& p) noexcept { return p.name.view() == "alice"; }

// A byte pipe standing in for the transport: records go in framed, come out through a decoder.
struct Pipe {
  std::uint8_t buf[4096];
  std::size_t len = 0;
  bool put(record_type t, bytes_view body) noexcept {
    auto n = encode_record(t, body, bytes_span(buf + len, sizeof buf - len));
    if (!n) return false;
    len += *n;
    return true;
  }
};
}  // namespace

int main() {
  const auto target = ServicePrincipal::parse("host/server.example.test");
  EXPECT(target);
  Scripted::InitiatorConfig icfg{6};
  Scripted::AcceptorConfig acfg{6};

  mutauth::testing::g_forbid_heap = true;
  Initiator<Scripted> client(*target, icfg);
  Acceptor<Scripted> server(acfg, allow);
  RecordDecoder<> client_in, server_in;
  Pipe to_server, to_client;

  step_result r = client.step();
  EXPECT(r.st == status::send);
  EXPECT(to_server.put(record_type::handshake, r.token));
  // Alternate: deliver the pipe to the other side one byte at a time.
  for (int round = 0; round < 10 && !(client.is_done() && server.is_done()); ++round) {
    struct Leg {
      Pipe* pipe;
      RecordDecoder<>* dec;
      bool is_server;
    };
    const Leg legs[2] = {{&to_server, &server_in, true}, {&to_client, &client_in, false}};
    for (const Leg& leg : legs) {
      Pipe* pipe = leg.pipe;
      RecordDecoder<>* dec = leg.dec;
      const bool is_server = leg.is_server;
      for (std::size_t i = 0; i < pipe->len; ++i) {
        auto d = dec->decode(bytes_view(pipe->buf + i, 1));
        EXPECT(d);
        if (!d->has_record) continue;
        step_result s = is_server ? feed_record(server, d->rec) : feed_record(client, d->rec);
        EXPECT(s.st != status::failed);
        if (!s.token.empty())
          EXPECT((is_server ? to_client : to_server).put(record_type::handshake, s.token));
      }
      pipe->len = 0;
    }
  }
  EXPECT(client.is_done() && server.is_done());
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  EXPECT(cs && ss);
  EXPECT(cs->peer().name.view() == "host/server.example.test");
  EXPECT(ss->peer().name.view() == "alice");
  server_in.allow_application_data(*ss);

  std::uint8_t pt[64] = "1000 records, no heap";
  std::uint8_t sealed[128], opened[128], wire[160];
  for (int i = 0; i < 1000; ++i) {
    auto n = cs->seal(bytes_view(pt, 22), sealed);
    EXPECT(n);
    auto w = encode_record(record_type::application, bytes_view(sealed, *n), wire);
    EXPECT(w);
    auto d = server_in.decode(bytes_view(wire, *w));
    EXPECT(d && d->has_record && d->rec.type == record_type::application);
    auto m = ss->open(d->rec.body, opened);
    EXPECT(m && m->type == content_type::data && m->size == 22 && opened[3] == pt[3]);
  }
  // The sealed close and alert take no heap either, and the peer sees them.
  auto c = cs->close(sealed);
  EXPECT(c);
  auto m = ss->open(bytes_view(sealed, *c), opened);
  EXPECT(m && m->type == content_type::close && ss->peer_closed());
  auto a = ss->alert(alert_reason::aborted, sealed);
  EXPECT(a);
  m = cs->open(bytes_view(sealed, *a), opened);
  EXPECT(m && m->type == content_type::alert && m->reason == alert_reason::aborted && cs->failed());
  mutauth::testing::g_forbid_heap = false;
  std::puts("no-exceptions handshake: 1 passed, 0 failed");
  return 0;
}
