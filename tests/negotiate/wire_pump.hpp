// TEST ONLY. Two Connection<M> ends joined in memory by a man in the middle: every record each
// side sends is split off the byte stream and handed to `tamper(from_client, index, body)`,
// which may rewrite its body (any length) before it is framed again and delivered. So a test
// alters real bytes between the two sides and watches what each side concludes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "mutauth/authorization.hpp"
#include "mutauth/connection.hpp"
#include "mutauth/negotiate.hpp"

namespace mutauth::testing {

using wire_bytes = std::vector<std::uint8_t>;
/// (from_client, index of the record in that direction, its type, its body): return false to drop it.
using record_tamper = std::function<bool(bool, int, record_type, wire_bytes&)>;

template <Mechanism M>
struct WireEnd {
  std::unique_ptr<Connection<M>>
      conn;  // Negotiate with krb5 holds 64 KiB buffers: not on the stack
  int established = 0, failed = 0, records_out = 0;
  wire_bytes data;
};

/// Both ends of one connection over the relay: a client demanding `target`, and a server that
/// decides with `admit` (a stateful policy must outlive the pair: authorization.hpp).
template <Mechanism M>
struct WirePair {
  WireEnd<M> c, s;
  WirePair(const ServicePrincipal& target, const typename M::InitiatorConfig& ic,
           const typename M::AcceptorConfig& ac, Authorizer admit) {
    c.conn = std::make_unique<Connection<M>>(as_client, target, ic);
    s.conn = std::make_unique<Connection<M>>(as_server, ac, admit);
  }
};

/// Neither side established, and both failed.
template <Mechanism M>
void check_both_failed(WirePair<M>& p) {
  CHECK(p.c.established == 0);
  CHECK(p.s.established == 0);
  CHECK(p.c.conn->failed());
  CHECK(p.s.conn->failed());
}

// Moves everything `from` has queued into `to`, record by record through `tamper`.
template <Mechanism M>
void deliver(WireEnd<M>& from, WireEnd<M>& to, bool from_client, const record_tamper& tamper) {
  const bytes_view p = from.conn->pending_output();
  wire_bytes out(p.begin(), p.end());
  from.conn->consume_output(p.size());
  wire_bytes wire;
  for (std::size_t off = 0; off + 3 <= out.size();) {
    const auto type = static_cast<record_type>(out[off]);
    const std::size_t len = (std::size_t{out[off + 1]} << 8) | out[off + 2];
    wire_bytes body(out.begin() + static_cast<long>(off + 3),
                    out.begin() + static_cast<long>(off + 3 + len));
    off += 3 + len;
    if (tamper && !tamper(from_client, from.records_out++, type, body)) continue;
    wire.push_back(static_cast<std::uint8_t>(type));
    wire.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    wire.push_back(static_cast<std::uint8_t>(body.size()));
    wire.insert(wire.end(), body.begin(), body.end());
  }
  for (std::size_t off = 0; off < wire.size() && !to.conn->failed();) {
    auto n = to.conn->receive(bytes_view(wire.data() + off, wire.size() - off));
    for (auto ev = to.conn->next_event(); ev.kind != connection_event::none;
         ev = to.conn->next_event()) {
      if (ev.kind == connection_event::established) ++to.established;
      if (ev.kind == connection_event::failed) ++to.failed;
      if (ev.kind == connection_event::data)
        to.data.insert(to.data.end(), ev.data.begin(), ev.data.end());
    }
    if (!n) break;
    off += *n;
    if (*n == 0) deliver(to, from, !from_client, tamper);  // it waits for its own output to go out
  }
}

/// Runs the handshake through the relay until both are established, one side is stuck with
/// nothing to send, or 12 exchanges have passed.
template <Mechanism M>
void run_handshake(WireEnd<M>& c, WireEnd<M>& s, const record_tamper& tamper = {}) {
  if (!c.conn->start()) return;
  for (int i = 0; i < 12; ++i) {
    if (!c.conn->wants_write() && !s.conn->wants_write()) break;
    deliver(c, s, true, tamper);
    deliver(s, c, false, tamper);
  }
  // A side that failed reports it once through next_event(); collect it for both.
  for (auto* e : {&c, &s})
    for (auto ev = e->conn->next_event(); ev.kind != connection_event::none;
         ev = e->conn->next_event())
      if (ev.kind == connection_event::failed) ++e->failed;
}

inline std::string detail_of(const error& e) { return std::string(e.detail()); }

/// A negotiation offer (docs/protocol/negotiate.md §3.1) with its list replaced by `names`, the
/// token kept; empty when `msg` is not an offer or `names` break the list rules.
inline wire_bytes with_offers(const wire_bytes& msg, const std::vector<std::string_view>& names) {
  auto o = negotiation::parse_offer(msg);
  std::array<std::uint8_t, negotiation::max_list_size> list{};
  const std::size_t n = o ? negotiation::encode_list(names.data(), names.size(), list) : 0;
  if (n == 0) return {};
  wire_bytes out(msg.begin(), msg.begin() + negotiation::header_size);
  out.insert(out.end(), list.begin(), list.begin() + static_cast<long>(n));
  out.insert(out.end(), o->token.begin(), o->token.end());
  return out;
}

/// A relay that replaces the offer list of the client's first record by `names` (with_offers)
/// and passes everything else as it is.
inline record_tamper rewrite_offers(std::vector<std::string_view> names) {
  return [names = std::move(names)](bool from_client, int i, record_type, wire_bytes& body) {
    if (from_client && i == 0) body = with_offers(body, names);
    return true;
  };
}

}  // namespace mutauth::testing
