// mutauth benchmarks — one deterministic pk setup shared by bench_pk, bench_session and
// bench_footprint, so that every figure in bench/results/REPORT.md comes from the same keys,
// names and message sizes.
#pragma once

#include <array>     // seeds
#include <cstddef>   // std::size_t
#include <cstdint>   // std::uint8_t
#include <optional>  // keys without a default constructor
#include <span>      // seed spans
#include <utility>   // std::move

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"

namespace mutauth {
inline namespace v0 {
namespace bench {

using PK = pk::PublicKey;

/// The service name the client composes. Its length enters message 2 (the server proves it), so
/// the floor benchmark derives its AEAD and hash sizes from a real run instead of assuming them.
inline constexpr std::string_view target_text = "host/server.example.test";

inline bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

/// Pinned mode: the client pins the server's raw Ed25519 key for the target name, the server maps
/// the client's raw key to "alice". Built once; every handshake only reads it.
struct PkFixture {
  std::optional<pk::Ed25519SecretKey> server_key;
  std::optional<pk::Ed25519SecretKey> client_key;
  // ServicePrincipal has no public default constructor (a name is always a validated one), so
  // everything that holds one is built in place once the name has parsed.
  std::optional<ServicePrincipal> target;
  std::optional<pk::PinnedServer> server_pin;
  std::array<pk::PinnedClient, 1> client_pins{};
  pk::InitiatorConfig icfg{};
  std::optional<pk::AcceptorConfig> acfg;
  bool ok = false;

  PkFixture() noexcept {
    // Fixed seeds: the run is reproducible and no keygen cost leaks into the measured loop.
    const std::array<std::uint8_t, 32> seed_s{1}, seed_c{2};
    auto s = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed_s));
    auto c = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed_c));
    auto t = ServicePrincipal::parse(target_text);
    if (!s || !c || !t) return;
    server_key.emplace(std::move(*s));
    client_key.emplace(std::move(*c));
    target.emplace(*t);
    server_pin.emplace(pk::PinnedServer{*t, server_key->public_key()});
    client_pins[0] = {"alice", client_key->public_key()};
    icfg.identity = {&*client_key, "alice"};
    icfg.trust.pinned = std::span<const pk::PinnedServer>(&*server_pin, 1);
    acfg.emplace(pk::AcceptorConfig{.identity = {&*server_key, {}}, .service = *t, .trust = {},
                                    .channel_binding = {}});
    acfg->trust.pinned = client_pins;
    ok = true;
  }
  PkFixture(const PkFixture&) = delete;  // the configs point into this object
  PkFixture& operator=(const PkFixture&) = delete;
};

/// What one handshake put on the wire.
struct PkWire {
  std::array<std::size_t, 3> msg{};  // sizes of messages 1, 2, 3
  int flights = 0;                   // direction changes, counting the first send
  [[nodiscard]] std::size_t total() const noexcept { return msg[0] + msg[1] + msg[2]; }
};

/// One full mutual handshake in memory, both sides, as an application would drive it:
/// construct, four steps, finish() on both. Sessions go to `cs`/`ss` when given (bench_session
/// keeps them), otherwise they are destroyed here — their teardown (key wiping) is part of the
/// cost of a handshake whose session is then discarded.
inline bool run_pk_handshake(const PkFixture& f, PkWire* wire = nullptr,
                             std::optional<Session<PK>>* cs = nullptr,
                             std::optional<Session<PK>>* ss = nullptr) noexcept {
  Initiator<PK> client(*f.target, f.icfg);
  Acceptor<PK> server(*f.acfg, allow_alice);
  const step_result r1 = client.step();
  if (r1.st != status::send) return false;
  const step_result r2 = server.step(r1.token);
  if (r2.st != status::send) return false;
  const step_result r3 = client.step(r2.token);
  if (r3.st != status::done) return false;
  const step_result r4 = server.step(r3.token);
  if (r4.st != status::done || !r4.token.empty()) return false;
  auto c = std::move(client).finish();
  auto s = std::move(server).finish();
  if (!c || !s) return false;
  if (wire != nullptr) {
    wire->msg = {r1.token.size(), r2.token.size(), r3.token.size()};
    wire->flights = 3;  // I→R, R→I, I→R: each message is its own flight by construction
  }
  if (cs != nullptr) cs->emplace(std::move(*c));
  if (ss != nullptr) ss->emplace(std::move(*s));
  return true;
}

}  // namespace bench
}  // namespace v0
}  // namespace mutauth
