// Compile check for a bare-metal target (arm-none-eabi, -fno-exceptions -fno-rtti -Os): the core
// headers and the scripted test mechanism must need nothing a hosted library alone provides.
// Compiled, not linked; embedded/ links and runs the pk mechanism on a board (docs/embedded.md).
#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/principal.hpp"
#include "support/scripted_mechanism.hpp"

#if !defined(__arm__)
#error "this file is built for arm-none-eabi"
#endif

using namespace mutauth;
using mutauth::testing::Scripted;

namespace {
bool allow(const Principal& p) noexcept { return p.name.view() == "alice"; }
}  // namespace

// One whole handshake and one record each way, as firmware would run it: objects in static
// storage, tokens moved through a record decoder.
extern "C" int mutauth_embedded_smoke() {
  static const auto target = ServicePrincipal::parse("host/gateway.example.test");
  if (!target) return 1;
  static Scripted::InitiatorConfig icfg{4};
  static Scripted::AcceptorConfig acfg{4};
  static Initiator<Scripted> client(*target, icfg);
  static Acceptor<Scripted> server(acfg, allow);
  static RecordDecoder<512> wire;
  std::uint8_t buf[600];
  step_result r = client.step();
  for (int i = 0; i < 6 && r.st != status::failed && !(client.is_done() && server.is_done()); ++i) {
    auto n = encode_record(record_type::handshake, r.token, buf);
    if (!n) return 2;
    auto d = wire.decode(bytes_view(buf, *n));
    if (!d || !d->has_record) return 3;
    r = (i % 2 == 0) ? feed_record(server, d->rec) : feed_record(client, d->rec);
  }
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  if (!cs || !ss) return 4;
  wire.allow_application_data(*ss);
  std::uint8_t pt[4] = {1, 2, 3, 4}, sealed[16], out[16];
  auto n = cs->seal(pt, sealed);
  if (!n) return 5;
  auto m = ss->open(bytes_view(sealed, *n), out);
  if (!m || m->type != content_type::data || m->size != 4) return 6;
  auto c = cs->close(sealed);
  if (!c) return 7;
  m = ss->open(bytes_view(sealed, *c), out);
  return (m && m->type == content_type::close && ss->peer_closed()) ? 0 : 8;
}
