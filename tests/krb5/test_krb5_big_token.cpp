// Kerberos tokens up to 64 KiB through the record layer (docs/kerberos.md, "Token sizes"): an
// AP-REQ of Active Directory size (tens of KiB: a PAC-heavy ticket; Windows' MaxTokenSize is
// 48,000 bytes) must reach gss_accept_sec_context and be judged there, not be refused by our
// framing (docs/protocol/mutauth-pk.md §9.1). A test KDC issues no PAC, so the big token is a
// real AP-REQ from a real Initiator<Kerberos> grown to 48,000+ bytes; GSS-API refuses it, and
// the test pins that the refusal is GSS-API's.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "krb5/kdc_fixture.hpp"
#include "mutauth/connection.hpp"
#include "mutauth/framing.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "support/names.hpp"

using namespace mutauth;
using mutauth::testing::allow_all;
using mutauth::testing::Realms;
using mutauth::testing::spn;
using K = mutauth::krb5::Kerberos;
using bytes = std::vector<std::uint8_t>;

namespace {

bytes frame(record_type t, const bytes& body) {
  REQUIRE(body.size() <= 0xFFFF);
  bytes wire{static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(body.size() >> 8),
             static_cast<std::uint8_t>(body.size())};
  wire.insert(wire.end(), body.begin(), body.end());
  return wire;
}

// A real AP-REQ (RFC 4121 §4.1: the initial context token of RFC 2743 §3.1, [APPLICATION 0]
// around the mechanism OID and the krb5 token), from a client Connection's first record.
bytes real_ap_req() {
  const K::InitiatorConfig icfg{};
  auto c = std::make_unique<Connection<K>>(as_client, testing::server(), icfg);
  auto st = c->start();
  INFO((st ? std::string() : std::string(st.error_value().detail())));
  REQUIRE(st);
  const bytes_view out = c->pending_output();
  REQUIRE(out.size() > record_header_size);
  REQUIRE(out[0] == static_cast<std::uint8_t>(record_type::handshake));
  const std::size_t len = (std::size_t{out[1]} << 8) | out[2];
  REQUIRE(out.size() == record_header_size + len);
  bytes tok(out.begin() + record_header_size, out.end());
  REQUIRE(tok.size() > 4);
  REQUIRE(tok[0] == 0x60);  // [APPLICATION 0]
  return tok;
}

// The real token grown to `size` bytes with its outer DER length rewritten to cover the growth:
// a syntactically whole initial context token whose inner AP-REQ is followed by padding, the
// shape (a token of tens of KiB) a PAC-heavy ticket has. GSS-API decides what it is worth.
bytes grown(const bytes& tok, std::size_t size) {
  // Skip the outer length (short or long form, X.690 §8.1.3) to the content.
  std::size_t off = 2;
  if (tok[1] & 0x80) off += tok[1] & 0x7f;
  REQUIRE(size > tok.size());
  bytes content(tok.begin() + static_cast<std::ptrdiff_t>(off), tok.end());
  const std::size_t content_len = size - 4;  // 0x60 0x82 hi lo
  REQUIRE(content_len <= 0xFFFF);
  content.resize(content_len, 0x00);
  bytes out{0x60, 0x82, static_cast<std::uint8_t>(content_len >> 8),
            static_cast<std::uint8_t>(content_len)};
  out.insert(out.end(), content.begin(), content.end());
  REQUIRE(out.size() == size);
  return out;
}

// What a fresh Kerberos server Connection made of `wire`, fed in `chunk`-byte pieces: its
// error, or none when it accepted the AP-REQ (then its AP-REP is waiting in its output).
struct Verdict {
  bool accepted = false;
  error err{};
  std::size_t reply = 0;  // bytes of output (the AP-REP record)
};
Verdict server_verdict(const bytes& wire, std::size_t chunk) {
  const K::AcceptorConfig acfg{testing::server()};
  auto s = std::make_unique<Connection<K>>(as_server, acfg, allow_all);
  Verdict v;
  for (std::size_t off = 0; off < wire.size();) {
    auto n = s->receive(bytes_view(wire.data() + off, std::min(chunk, wire.size() - off)));
    if (!n) {
      v.err = n.error_value();
      return v;
    }
    for (auto ev = s->next_event(); ev.kind != connection_event::none; ev = s->next_event())
      if (ev.kind == connection_event::established) v.accepted = true;
    REQUIRE(*n > 0);  // a server has no output to wait for before the AP-REQ is judged
    off += *n;
  }
  v.reply = s->pending_output().size();
  return v;
}

std::string describe(const Verdict& v) {
  if (v.accepted) return "accepted, reply of " + std::to_string(v.reply) + " bytes";
  return std::string(to_string(v.err.code())) + ": " + std::string(v.err.detail());
}

}  // namespace

TEST_CASE(
    "krb5: a 48000+ byte handshake record reaches gss_accept_sec_context, not a framing limit",
    "[kerberos]") {
  Realms realm;
  for (const std::size_t size : {std::size_t{48000}, std::size_t{60000}, std::size_t{0xFFFF}}) {
    for (const std::size_t chunk : {std::size_t{1} << 20, std::size_t{1000}}) {
      // A fresh AP-REQ each time (a new authenticator), or the replay cache would judge it.
      const bytes big = grown(real_ap_req(), size);
      const bytes wire = frame(record_type::handshake, big);
      const Verdict first = server_verdict(wire, chunk);
      INFO("token " << size << " bytes, chunk " << chunk << ": " << describe(first));
      // MIT's AP-REQ decoder stops at the end of the AP-REQ and ignores the padding after it
      // inside the token: GSS-API accepted the big token and answered with an AP-REP.
      CHECK(first.accepted);
      CHECK(first.reply > record_header_size);
      // The same big token again: GSS-API's replay cache refuses it (RFC 4120 §3.2.3), the
      // refusal names gss_accept_sec_context and its GSS major status — not a framing limit.
      const Verdict again = server_verdict(wire, chunk);
      INFO("replayed: " << describe(again));
      CHECK_FALSE(again.accepted);
      CHECK(again.err.code() == errc::replayed);
      CHECK(again.err.code() != errc::too_large);
      const std::string text(again.err.detail());
      CHECK(text.rfind("gss_accept_sec_context", 0) == 0);
      CHECK(text.find("Request is a replay") != std::string::npos);
    }
  }
  // Tampered inside the real AP-REQ (its last byte: the authenticator's ciphertext), grown to
  // 48,000 bytes: GSS-API refuses it with its own error.
  bytes tok = real_ap_req();
  tok.back() ^= 0x01;
  const Verdict bad = server_verdict(frame(record_type::handshake, grown(tok, 48000)), 1000);
  INFO("tampered: " << describe(bad));
  CHECK_FALSE(bad.accepted);
  CHECK(bad.err.code() != errc::too_large);
  CHECK(std::string(bad.err.detail()).rfind("gss_accept_sec_context", 0) == 0);
}

TEST_CASE("krb5: the decoder takes a 65535-byte handshake body", "[kerberos]") {
  STATIC_REQUIRE(K::max_token_size == 0xFFFF);
  STATIC_REQUIRE(Connection<K>::max_handshake_body == 0xFFFF);
  STATIC_REQUIRE(Connection<K>::max_record_body == 0xFFFF);
  const bytes body(0xFFFF, 0x5a);
  const bytes wire = frame(record_type::handshake, body);
  {
    auto d = std::make_unique<RecordDecoder<Connection<K>::max_record_body>>();
    auto r = d->decode(wire);
    REQUIRE(r);
    CHECK(r->consumed == wire.size());
    REQUIRE(r->has_record);
    CHECK(r->rec.body.size() == 0xFFFF);
    // In pieces, through the reassembly buffer.
    auto d2 = std::make_unique<RecordDecoder<Connection<K>::max_record_body>>();
    std::size_t off = 0, got = 0;
    while (off < wire.size()) {
      auto p =
          d2->decode(bytes_view(wire.data() + off, std::min<std::size_t>(4096, wire.size() - off)));
      REQUIRE(p);
      off += p->consumed;
      if (p->has_record) got = p->rec.body.size();
    }
    CHECK(got == 0xFFFF);
  }
  // pk keeps its 16 KiB + 256 limit: tests/connection, "sizes of the fixed buffers (pk)".
}

#ifdef MUTAUTH_CLI
#include "cli/cli_harness.hpp"

TEST_CASE("krb5: the CLI server takes a 48000-byte AP-REQ record over 127.0.0.1", "[kerberos]") {
  namespace ct = mutauth::clitest;
  Realms realm;  // exports KRB5_CONFIG etc.; the server inherits them
  std::unique_ptr<ct::Proc> srv;
  int port = 0;
  for (int attempt = 0; attempt < 5 && !srv; ++attempt) {
    port = ct::free_port();
    auto p = std::make_unique<ct::Proc>(std::vector<std::string>{
        MUTAUTH_CLI, "listen", "127.0.0.1:" + std::to_string(port), "--mech", "krb5", "--service",
        "host/server.example.test", "--keytab", realm.path("service.keytab"), "--allow",
        "alice@EXAMPLE.TEST", "--handshake-timeout", "10"});
    if (p->wait_for_err("mutauth: listening on ", 10)) srv = std::move(p);
  }
  REQUIRE(srv);
  const bytes wire = frame(record_type::handshake, grown(real_ap_req(), 48000));
  {
    // Accepted by GSS-API in the server: its answer is a handshake record (the AP-REP).
    ct::Fd raw = ct::tcp_connect(port);
    ct::send_all(raw, wire);
    bytes reply;
    REQUIRE(ct::read_exact(raw, reply, 3));
    INFO("server stderr:\n" << srv->err());
    CHECK(reply[0] == static_cast<std::uint8_t>(record_type::handshake));
    const std::size_t len = (std::size_t{reply[1]} << 8) | reply[2];
    CHECK(len > 0);
    CHECK(ct::read_exact(raw, reply, 3 + len));
  }
  {
    // The same record again: the server's GSS-API refuses it as a replay, and says so.
    ct::Fd raw = ct::tcp_connect(port);
    ct::send_all(raw, wire);
    bytes reply;
    CHECK(ct::read_to_eof(raw, reply));
    REQUIRE(srv->wait_for_err("replay", 10));
    const std::string log = srv->err();
    INFO("server stderr:\n" << log);
    CHECK(log.find("gss_accept_sec_context") != std::string::npos);
    CHECK(log.find("too large") == std::string::npos);
    CHECK(log.find("framing") == std::string::npos);
  }
  CHECK(srv->stop() == 0);
}
#endif
