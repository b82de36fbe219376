// mutauth fuzz targets — the pk harness: fixed identity keys, a deterministic RNG, genuine
// handshakes and sessions, and a Noise peer that speaks the wire format with a payload of the
// fuzzer's choosing (to reach proof parsing, which no blind mutation of ciphertext can).
//
// NO SECURITY: this file replaces libsodium's RNG with a seeded stream so that every run of a
// target makes the same ephemerals. That makes fuzzing reproducible and lets the seed corpora
// hold *genuine* messages that the targets accept, so the fuzzer starts on the success paths.
// It must never be linked into anything but a fuzz or replay program.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <memory>  // the handshakes are ~15 KB: on the heap, not the fuzzer's stack
#include <utility>
#include <vector>

#include "fuzz_cert.hpp"
#include "fuzz_common.hpp"
#include "fuzz_handshake.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

using PK = pk::PublicKey;

// ---- deterministic RNG (libsodium's randombytes_implementation hook) ----

struct rng_state {
  std::uint64_t stream = 0;
  std::uint64_t counter = 0;
};
inline rng_state g_rng;

inline void rng_buf(void* const buf, const std::size_t size) {
  // Each draw uses its own seed (stream, counter), so the bytes of one draw never depend on the
  // sizes of earlier draws.
  std::uint8_t seed[randombytes_SEEDBYTES] = {'m', 'u', 't', 'a', 'u', 't',
                                              'h', '-', 'f', 'u', 'z', 'z'};
  for (int i = 0; i < 8; ++i) {
    seed[16 + i] = static_cast<std::uint8_t>(g_rng.stream >> (8 * i));
    seed[24 + i] = static_cast<std::uint8_t>(g_rng.counter >> (8 * i));
  }
  ++g_rng.counter;
  randombytes_buf_deterministic(buf, size, seed);
}
inline std::uint32_t rng_random() {
  std::uint32_t v = 0;
  rng_buf(&v, sizeof v);
  return v;
}
inline const char* rng_name() { return "mutauth-fuzz-deterministic (NO SECURITY)"; }
inline randombytes_implementation g_rng_impl = {rng_name, rng_random, nullptr,
                                                nullptr,  rng_buf,    nullptr};

/// Restarts the RNG: the next handshake draws exactly the ephemerals of every earlier one made
/// after reset_rng(stream) with the same stream.
inline void reset_rng(std::uint64_t stream = 0) noexcept { g_rng = {stream, 0}; }

// ---- fixed identities ----

inline pk::Ed25519SecretKey key_from_seed(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  auto k = pk::Ed25519SecretKey::from_seed(seed);
  MUTAUTH_FUZZ_CHECK(k);
  return std::move(*k);
}

inline ServicePrincipal must_parse(std::string_view s) {
  auto p = ServicePrincipal::parse(s);
  MUTAUTH_FUZZ_CHECK(p);
  return *p;
}

inline bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

/// Server host/server.example.test and client alice, pinned to each other (icfg/acfg) or
/// proven by certificates from one CA at the harness's fixed clock (icfg_ca/acfg_ca).
struct World {
  pk::Ed25519SecretKey server = key_from_seed(1);
  pk::Ed25519SecretKey client = key_from_seed(2);
  pk::Ed25519SecretKey ca = key_from_seed(3);
  ServicePrincipal target = must_parse("host/server.example.test");
  std::array<pk::PinnedServer, 1> server_pins{{{target, server.public_key()}}};
  std::array<pk::PinnedClient, 1> client_pins{{{"alice", client.public_key()}}};
  pk::InitiatorConfig icfg{
      .identity = {&client, "alice"}, .trust = {server_pins}, .channel_binding = {}};
  pk::AcceptorConfig acfg{
      .identity = {&server, {}}, .service = target, .trust = {client_pins}, .channel_binding = {}};

  // CA mode: a host certificate naming exactly the target, a user certificate for alice, both
  // valid for a year around the fixed clock, with serials and key ids as ssh-keygen -s writes.
  bytes server_cert = sign_cert_body(cert_body({.key = server.public_key(),
                                                .serial = 7,
                                                .type = pk::certificate_type::host,
                                                .key_id = "server-id",
                                                .principals = {"host/server.example.test"},
                                                .valid_after = fixed_now_value - 3600,
                                                .valid_before = fixed_now_value + 31536000,
                                                .critical = {},
                                                .extensions = {}}),
                                     ca);
  bytes client_cert = sign_cert_body(cert_body({.key = client.public_key(),
                                                .serial = 8,
                                                .type = pk::certificate_type::user,
                                                .key_id = "alice-id",
                                                .principals = {"alice"},
                                                .valid_after = fixed_now_value - 3600,
                                                .valid_before = fixed_now_value + 31536000,
                                                .critical = {},
                                                .extensions = {{"permit-pty", ""}}}),
                                     ca);
  std::array<pk::HostCertAuthority, 1> host_cas{{{ca.public_key(), "*.example.test"}}};
  std::array<pk::UserCertAuthority, 1> user_cas{{{ca.public_key(), ""}}};
  pk::InitiatorConfig icfg_ca{.identity = {&client, "alice", client_cert},
                              .trust = {.authorities = host_cas, .now = fixed_now},
                              .channel_binding = {}};
  pk::AcceptorConfig acfg_ca{.identity = {&server, {}, server_cert},
                             .service = target,
                             .trust = {.authorities = user_cas, .now = fixed_now},
                             .channel_binding = {}};
};

inline World& world() {
  // The RNG must be in place before anything calls sodium_init() (libsodium's rule).
  static const bool rng = [] {
    randombytes_set_implementation(&g_rng_impl);
    return sodium_init() >= 0;
  }();
  MUTAUTH_FUZZ_CHECK(rng);
  static World w;
  return w;
}

struct Endpoints {
  explicit Endpoints(bool ca)
      : client(world().target, ca ? world().icfg_ca : world().icfg),
        server(ca ? world().acfg_ca : world().acfg, allow_alice) {}
  Initiator<PK> client;
  Acceptor<PK> server;
};

/// A fresh client/server pair whose handshakes will draw the ephemerals of RNG stream `stream`;
/// `ca` picks the certificate configurations instead of the pinned keys.
inline std::unique_ptr<Endpoints> fresh_endpoints(std::uint64_t stream = 0, bool ca = false) {
  world();
  reset_rng(stream);
  return std::make_unique<Endpoints>(ca);
}

// ---- genuine handshakes ----

/// The client principal the harness client asserts (and the server's policy admits).
inline constexpr std::string_view client_name = "alice";

struct Transcript {
  std::array<bytes, 4> msg;
};

/// The four messages of a successful handshake on RNG stream `stream`.
inline Transcript genuine_transcript(std::uint64_t stream = 0, bool ca = false) {
  auto e = fresh_endpoints(stream, ca);
  Transcript t;
  step_result r = e->client.step();
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  t.msg[0] = copy(r.token);
  r = e->server.step(t.msg[0]);
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  t.msg[1] = copy(r.token);
  r = e->client.step(t.msg[1]);
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  t.msg[2] = copy(r.token);
  r = e->server.step(t.msg[2]);  // done, with message 4: the admission the client must receive
  MUTAUTH_FUZZ_CHECK(r.st == status::done && !r.token.empty());
  t.msg[3] = copy(r.token);
  r = e->client.step(t.msg[3]);
  MUTAUTH_FUZZ_CHECK(r.st == status::done && r.token.empty());
  return t;
}

struct SessionPair {
  Session<PK> client;
  Session<PK> server;
};

/// Both sessions of a successful handshake on RNG stream `stream`.
inline std::unique_ptr<SessionPair> establish(std::uint64_t stream = 0) {
  auto e = fresh_endpoints(stream);
  step_result r = e->client.step();
  for (int i = 0; i < 4; ++i) {
    const bytes tok = copy(r.token);
    r = (i % 2 == 0) ? e->server.step(tok) : e->client.step(tok);
  }
  MUTAUTH_FUZZ_CHECK(r.st == status::done && e->server.is_done());
  auto cs = std::move(e->client).finish();
  auto ss = std::move(e->server).finish();
  MUTAUTH_FUZZ_CHECK(cs && ss);
  return std::unique_ptr<SessionPair>(new SessionPair{std::move(*cs), std::move(*ss)});
}

/// Invariants of any established pair: the same public channel binding, the same exporter
/// output (with and without a context; a different label or context gives another one), and
/// records flow both ways.
inline void check_pair_agrees(Session<PK>& c, Session<PK>& s) {
  MUTAUTH_FUZZ_CHECK(!c.failed() && !s.failed());
  MUTAUTH_FUZZ_CHECK(c.channel_binding().size() == 64 &&
                     same(c.channel_binding(), s.channel_binding()));
  std::array<std::uint8_t, 32> k1{}, k2{}, k3{};
  static constexpr std::uint8_t ctx[] = {'c', 't', 'x'};
  MUTAUTH_FUZZ_CHECK(c.export_keying_material("fuzz", k1) && s.export_keying_material("fuzz", k2));
  MUTAUTH_FUZZ_CHECK(k1 == k2);
  MUTAUTH_FUZZ_CHECK(c.export_keying_material("fuzz", ctx, k2) &&
                     s.export_keying_material("fuzz", ctx, k3));
  MUTAUTH_FUZZ_CHECK(k2 == k3 && k1 != k2);
  // The exporter is secret, the channel binding public: they never coincide.
  MUTAUTH_FUZZ_CHECK(!same(bytes_view(k1), c.channel_binding().first(32)));
  static constexpr std::uint8_t ping[] = {'p', 'i', 'n', 'g'};
  std::array<std::uint8_t, sizeof ping + Session<PK>::seal_overhead> rec{};
  std::array<std::uint8_t, sizeof rec> out{};
  for (int dir = 0; dir < 2; ++dir) {
    Session<PK>& tx = dir ? s : c;
    Session<PK>& rx = dir ? c : s;
    auto n = tx.seal(ping, rec);
    MUTAUTH_FUZZ_CHECK(n && *n == rec.size());
    auto got = rx.open(rec, out);
    MUTAUTH_FUZZ_CHECK(got && got->type == content_type::data &&
                       same(bytes_view(out).first(got->size), ping));
  }
  MUTAUTH_FUZZ_CHECK(c.local().name.view() == client_name && s.peer().name.view() == client_name);
  MUTAUTH_FUZZ_CHECK(c.peer().name.view() == "host/server.example.test");
}

// ---- a Noise peer that carries the fuzzer's payload ----
//
// It rebuilds the wire format from the library's own constants (header, prologue, Noise NN, proof
// and admission encodings), so that the fuzz bytes arrive as a correctly encrypted identity proof
// or admission and reach parse_proof / parse_admission and verification. Each target first checks
// that this peer, sending genuine payloads, completes a handshake: if the wire format ever
// changes, the harness fails loudly instead of silently fuzzing nothing but AEAD failures.

namespace nz = mutauth::noise;

inline nz::HandshakeState noise_peer(nz::Role role) {
  bytes prologue(pk::detail::prologue_label.begin(), pk::detail::prologue_label.end());
  prologue.push_back(pk::protocol_version);
  prologue.push_back(0);  // no channel binding
  auto hs = nz::HandshakeState::create(role, prologue);
  MUTAUTH_FUZZ_CHECK(hs);
  return std::move(*hs);
}

/// A raw-key proof exactly as the library writes it: signed by `key` for `sender` over `h`, the
/// credential (the raw public key) and `name`.
inline bytes genuine_proof(const pk::Ed25519SecretKey& key, role sender, bytes_view h,
                           std::string_view name) {
  namespace d = pk::detail;
  const auto pub = key.public_key();
  const bytes_view credential(pub.bytes);
  std::array<std::uint8_t, d::max_signed_size> tbs{};
  const std::size_t n =
      d::signed_data(sender, h, d::credential_type::raw_ed25519, credential, name, tbs);
  std::array<std::uint8_t, 64> sig{};
  MUTAUTH_FUZZ_CHECK(key.sign(bytes_view(tbs.data(), n), sig));
  bytes out(d::max_proof_size);
  out.resize(d::encode_proof(d::credential_type::raw_ed25519, credential, name, sig, out));
  return out;
}

inline bytes genuine_admission(std::string_view name) {
  bytes out(pk::detail::max_admission_size);
  out.resize(pk::detail::encode_admission(name, out));
  return out;
}

inline bytes encrypt_payload(nz::HandshakeState& hs, bytes out, bytes_view payload) {
  const std::size_t at = out.size();
  out.resize(at + payload.size() + nz::taglen);
  auto c = hs.encrypt_and_hash(payload, bytes_span(out).subspan(at));
  MUTAUTH_FUZZ_CHECK(c);
  out.resize(at + *c);
  return out;
}

/// The transport keys of the Noise peer after message 4, as the library derives them (§4).
inline pk::SessionKeys peer_keys(nz::HandshakeState& hs) {
  nz::hash_bytes xs{};
  auto t = hs.split_with_transcript(xs);
  MUTAUTH_FUZZ_CHECK(t);
  const auto h = hs.handshake_hash();
  return pk::SessionKeys(std::move(t->send), std::move(t->recv), xs,
                         bytes_view(h.data(), h.size()));
}

/// The harness as the server, facing a real Initiator.
struct PeerServer {
  nz::HandshakeState hs = noise_peer(nz::Role::responder);

  /// Answers message 1 with a message 2 carrying `proof` (or, when null, the genuine server
  /// proof, also stored in `*made` if given).
  bytes message2(bytes_view msg1, const bytes* proof, bytes* made = nullptr) {
    MUTAUTH_FUZZ_CHECK(msg1.size() == 2 + nz::dhlen);
    MUTAUTH_FUZZ_CHECK(hs.read_message(msg1.subspan(2), {}));
    bytes out{pk::protocol_version, 2};
    out.resize(2 + nz::dhlen);
    MUTAUTH_FUZZ_CHECK(hs.write_message2_tokens(bytes_span(out).subspan(2)));
    const auto h = hs.handshake_hash();
    const auto name = world().target.pk_name();  // owns the text the proof signs
    const bytes real =
        proof ? bytes() : genuine_proof(world().server, role::acceptor, h, name.view());
    if (made) *made = real;
    return encrypt_payload(hs, std::move(out), proof ? *proof : real);
  }

  /// Reads the client's (genuine) message 3 and answers with a message 4 carrying `admission`
  /// (or, when null, the genuine admission of alice, also stored in `*made` if given).
  bytes message4(bytes_view msg3, const bytes* admission, bytes* made = nullptr) {
    MUTAUTH_FUZZ_CHECK(msg3.size() > 2 + nz::taglen && msg3[0] == pk::protocol_version &&
                       msg3[1] == 3);
    bytes plain(msg3.size());
    MUTAUTH_FUZZ_CHECK(hs.decrypt_and_hash(msg3.subspan(2), plain));
    const bytes real = admission ? bytes() : genuine_admission(client_name);
    if (made) *made = real;
    return encrypt_payload(hs, bytes{pk::protocol_version, 4}, admission ? *admission : real);
  }
};

/// The harness as the client, facing a real Acceptor.
struct PeerClient {
  nz::HandshakeState hs = noise_peer(nz::Role::initiator);

  bytes message1() {
    bytes m1{pk::protocol_version, 1};
    m1.resize(2 + nz::dhlen);
    MUTAUTH_FUZZ_CHECK(hs.write_message({}, bytes_span(m1).subspan(2)));
    return m1;
  }

  /// Reads the server's (genuine) message 2 and returns a message 3 carrying `proof` (or, when
  /// null, the genuine proof of alice, also stored in `*made` if given).
  bytes message3(bytes_view msg2, const bytes* proof, bytes* made = nullptr) {
    MUTAUTH_FUZZ_CHECK(msg2.size() > 2 + nz::dhlen && msg2[0] == pk::protocol_version &&
                       msg2[1] == 2);
    const bytes_view body = msg2.subspan(2);
    MUTAUTH_FUZZ_CHECK(hs.read_message2_tokens(body));
    bytes plain(body.size());
    MUTAUTH_FUZZ_CHECK(hs.decrypt_and_hash(body.subspan(nz::dhlen), plain));
    const auto h = hs.handshake_hash();
    const bytes real =
        proof ? bytes() : genuine_proof(world().client, role::initiator, h, client_name);
    if (made) *made = real;
    return encrypt_payload(hs, bytes{pk::protocol_version, 3}, proof ? *proof : real);
  }

  /// Decrypts the server's message 4; returns the admission plaintext.
  bytes read_message4(bytes_view msg4) {
    MUTAUTH_FUZZ_CHECK(msg4.size() >= 2 + nz::taglen && msg4[0] == pk::protocol_version &&
                       msg4[1] == 4);
    bytes plain(msg4.size());
    auto n = hs.decrypt_and_hash(msg4.subspan(2), plain);
    MUTAUTH_FUZZ_CHECK(n);
    plain.resize(*n);
    return plain;
  }

  /// Runs messages 1 and 2 with `server` and returns the message 3 (see message3()).
  bytes run_to_message3(Acceptor<PK>& server, const bytes* proof, bytes* made = nullptr) {
    const step_result r = server.step(message1());
    MUTAUTH_FUZZ_CHECK(r.st == status::send);
    return message3(r.token, proof, made);
  }
};

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
