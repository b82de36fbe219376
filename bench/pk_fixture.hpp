// mutauth benchmarks — one deterministic pk setup shared by bench_pk, bench_session and
// bench_footprint, so that every figure in bench/results/REPORT.md comes from the same keys,
// names and message sizes.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <array>         // seeds, certificate storage
#include <cstddef>       // std::size_t
#include <cstdio>        // std::snprintf, std::fprintf
#include <cstdlib>       // std::system, std::getenv
#include <cstring>       // std::strchr
#include <filesystem>    // removing the CA fixture's temp dir
#include <optional>      // keys without a default constructor
#include <span>          // seed spans
#include <string_view>   // certificate options
#include <system_error>  // std::error_code (remove_all without exceptions)
#include <utility>       // std::move

#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/certificate.hpp"
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
    acfg.emplace(pk::AcceptorConfig{
        .identity = {&*server_key, {}}, .service = *t, .trust = {}, .channel_binding = {}});
    acfg->trust.pinned = client_pins;
    ok = true;
  }
  PkFixture(const PkFixture&) = delete;  // the configs point into this object
  PkFixture& operator=(const PkFixture&) = delete;
};

/// CA mode (docs/protocol/mutauth-pk.md §11): one Ed25519 CA made by ssh-keygen signs a HOST certificate for
/// the server and a USER certificate for the client; the client trusts the CA for *.example.test
/// hosts, the server trusts it for user certificates. The artefacts come from the real ssh-keygen,
/// as every test artefact in the project does (tests/pk/ca_tools.hpp), so the certificates have
/// the size and extension set users will actually present (ssh-keygen adds the five default
/// permit-* extensions to user certificates). They are made in a temp dir in the constructor,
/// loaded, and the dir is removed before any benchmark runs: nothing of it is timed, and nothing
/// is left behind. The principals, key ids and serials are those of tests/pk/test_pk_ca.cpp.
struct PkCaFixture {
  std::optional<pk::Ed25519SecretKey> server_key;
  std::optional<pk::Ed25519SecretKey> client_key;
  std::optional<ServicePrincipal> target;
  std::array<std::uint8_t, pk::max_certificate_size> server_cert_buf{}, client_cert_buf{};
  bytes_view server_cert{}, client_cert{};
  std::array<pk::HostCertAuthority, 1> host_cas{};
  std::array<pk::UserCertAuthority, 1> user_cas{};
  pk::InitiatorConfig icfg{};
  std::optional<pk::AcceptorConfig> acfg;
  bool ok = false;

  PkCaFixture() noexcept {
    const char* tmp = std::getenv("TMPDIR");
    char dir[512];
    std::snprintf(dir, sizeof dir, "%s/mutauth-bench-ca-XXXXXX",
                  tmp != nullptr && *tmp ? tmp : "/tmp");
    // The path goes into a shell command in single quotes: refuse one that could break out.
    if (std::strchr(dir, '\'') != nullptr || ::mkdtemp(dir) == nullptr) {
      std::fprintf(stderr, "pk CA fixture: cannot make a temp dir under %s\n", dir);
      return;
    }
    ok = make(dir);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);  // error_code form: the benches may lack exceptions
    if (!ok)
      std::fprintf(stderr, "pk CA fixture: ssh-keygen or loading its output failed (%s)\n", dir);
  }
  PkCaFixture(const PkCaFixture&) = delete;  // the configs point into this object
  PkCaFixture& operator=(const PkCaFixture&) = delete;

 private:
  bool make(const char* dir) noexcept {
    // One shell: the CA, both identity keys, then the two signatures. The validity window is a
    // real one (not ssh-keygen's default "forever") so that the validity check does the work it
    // does in production; a day covers any report run.
    char cmd[1536];
    std::snprintf(cmd, sizeof cmd,
                  "cd '%s' && ssh-keygen -q -t ed25519 -N '' -C ca -f ca"
                  " && ssh-keygen -q -t ed25519 -N '' -C server -f server"
                  " && ssh-keygen -q -t ed25519 -N '' -C alice -f alice"
                  " && ssh-keygen -q -s ca -I server-id -h -z 7"
                  " -n server.example.test,host/server.example.test -V -1h:+1d server.pub"
                  " && ssh-keygen -q -s ca -I alice-id -z 42 -n alice -V -1h:+1d alice.pub",
                  dir);
    char full[1700];
    std::snprintf(full, sizeof full, "{ %s; } </dev/null >/dev/null", cmd);
    if (std::system(full) != 0) return false;
    char path[600];
    auto at = [&](const char* name) {
      std::snprintf(path, sizeof path, "%s/%s", dir, name);
      return path;
    };
    auto s = pk::load_private_key_file(at("server"));
    if (!s) return false;
    server_key.emplace(std::move(*s));
    auto c = pk::load_private_key_file(at("alice"));
    if (!c) return false;
    client_key.emplace(std::move(*c));
    auto ca = pk::load_public_key_file(at("ca.pub"));
    if (!ca) return false;
    auto sc = pk::load_certificate_file(at("server-cert.pub"), server_cert_buf);
    if (!sc) return false;
    server_cert = *sc;
    auto cc = pk::load_certificate_file(at("alice-cert.pub"), client_cert_buf);
    if (!cc) return false;
    client_cert = *cc;
    auto t = ServicePrincipal::parse(target_text);
    if (!t) return false;
    target.emplace(*t);
    host_cas[0] = {*ca, "*.example.test"};
    user_cas[0] = {*ca, {}};
    icfg.identity = {&*client_key, "alice", client_cert};
    icfg.trust.authorities = host_cas;
    acfg.emplace(pk::AcceptorConfig{.identity = {&*server_key, {}, server_cert},
                                    .service = *t,
                                    .trust = {},
                                    .channel_binding = {}});
    acfg->trust.authorities = user_cas;
    return true;
  }
};

/// What one handshake put on the wire.
struct PkWire {
  std::array<std::size_t, 4> msg{};  // sizes of messages 1, 2, 3 and 4 (the admission)
  int flights = 0;                   // direction changes, counting the first send
  [[nodiscard]] std::size_t total() const noexcept { return msg[0] + msg[1] + msg[2] + msg[3]; }
  [[nodiscard]] std::size_t client_to_server() const noexcept { return msg[0] + msg[2]; }
  [[nodiscard]] std::size_t server_to_client() const noexcept { return msg[1] + msg[3]; }
};

/// One full mutual handshake in memory, both sides, as an application would drive it:
/// construct, five steps (docs/protocol/mutauth-pk.md §1.1: the client sends message 1, the server
/// answers with 2, the client with 3, the server's step(3) is `done` WITH message 4 (the
/// admission), which the caller sends; the client's step(4) is `done` with nothing to send),
/// finish() on both. Sessions go to `cs`/`ss` when given (bench_session keeps them), otherwise
/// they are destroyed here — their teardown (key wiping) is part of the cost of a handshake whose
/// session is then discarded.
/// `F` is PkFixture or PkCaFixture: the handshake code is the same, only the configs differ.
template <class F>
inline bool run_pk_handshake(const F& f, PkWire* wire = nullptr,
                             std::optional<Session<PK>>* cs = nullptr,
                             std::optional<Session<PK>>* ss = nullptr) noexcept {
  Initiator<PK> client(*f.target, f.icfg);
  Acceptor<PK> server(*f.acfg, allow_alice);
  const step_result r1 = client.step();
  if (r1.st != status::send) return false;
  const step_result r2 = server.step(r1.token);
  if (r2.st != status::send) return false;
  const step_result r3 = client.step(r2.token);
  if (r3.st != status::send) return false;
  const step_result r4 = server.step(r3.token);
  if (r4.st != status::done || r4.token.empty()) return false;  // done, with message 4 to send
  const step_result r5 = client.step(r4.token);
  if (r5.st != status::done || !r5.token.empty()) return false;  // done, nothing to send
  auto c = std::move(client).finish();
  auto s = std::move(server).finish();
  if (!c || !s) return false;
  if (wire != nullptr) {
    // The spans' sizes stay valid after the next step reuses the buffers they viewed.
    wire->msg = {r1.token.size(), r2.token.size(), r3.token.size(), r4.token.size()};
    wire->flights = 4;  // I→R, R→I, I→R, R→I: each message is its own flight by construction
  }
  if (cs != nullptr) cs->emplace(std::move(*c));
  if (ss != nullptr) ss->emplace(std::move(*s));
  return true;
}

}  // namespace bench
}  // namespace v0
}  // namespace mutauth
