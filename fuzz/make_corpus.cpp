// Writes the project-made seed inputs of the fuzz corpora: genuine handshake messages, proofs,
// records and datagrams made by the library itself under the targets' deterministic RNG (so the
// targets accept them), framed streams, principal names and mutation programs.
// Usage: fuzz_make_corpus <corpus dir>   (fuzz/make_corpus.sh runs it and adds ssh-keygen keys)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "fuzz_cert.hpp"
#include "fuzz_pk.hpp"
#include "mutauth/framing.hpp"
#include "seed_writer.hpp"

using namespace mutauth;
using fuzz::bytes;

namespace {
using fuzz::put;
bytes bytes_of(std::string_view s) { return bytes(s.begin(), s.end()); }
void put(const char* target, const char* name, std::string_view s) {
  put(target, name, bytes(s.begin(), s.end()));
}
bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
bytes u16(std::size_t n) {
  return {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}
std::string b64(const bytes& b) {
  std::string out(sodium_base64_ENCODED_LEN(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the NUL
  return out;
}
std::string key_line(const pk::Ed25519SecretKey& k, std::string_view comment) {
  const auto blob = pk::wire_blob(k.public_key());
  return std::string(pk::ed25519_key_type) + " " + b64(bytes(blob.begin(), blob.end())) + " " +
         std::string(comment);
}
bytes frame(record_type t, const bytes& body) {
  bytes out(body.size() + record_header_size);
  MUTAUTH_FUZZ_CHECK(encode_record(t, body, out));
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  fuzz::seed_root = argv[1];
  const fuzz::Transcript t = fuzz::genuine_transcript(0);

  // record_decoder: u8 ctl (bits 0-2 n, bit 3 gate, bits 4-7 records before the gate opens) |
  // n chunk sizes | stream.
  const bytes stream =
      cat({frame(record_type::handshake, t.msg[0]), frame(record_type::handshake, t.msg[1]),
           frame(record_type::handshake, t.msg[2]), frame(record_type::handshake, t.msg[3]),
           frame(record_type::alert, {4})});
  put("record_decoder", "handshake-whole", cat({{0}, stream}));
  put("record_decoder", "handshake-chunks-1-7-100", cat({{3, 1, 7, 100}, stream}));
  put("record_decoder", "alert-then-app-refused",
      cat({{0}, frame(record_type::alert, {1}), frame(record_type::application, {1, 2, 3})}));
  {
    // The gate opens after the four handshake records; then sealed records pass, and a clear
    // alert is a forgery (errc::truncation).
    auto p = fuzz::establish(0);
    bytes data(5 + Session<fuzz::PK>::seal_overhead), close(Session<fuzz::PK>::seal_overhead);
    MUTAUTH_FUZZ_CHECK(p->client.seal(bytes_of("hello"), data) && p->client.close(close));
    const bytes hs =
        cat({frame(record_type::handshake, t.msg[0]), frame(record_type::handshake, t.msg[1]),
             frame(record_type::handshake, t.msg[2]), frame(record_type::handshake, t.msg[3])});
    put("record_decoder", "gate-after-handshake-sealed-close",
        cat({{0x48},
             hs,
             frame(record_type::application, data),
             frame(record_type::application, close)}));
    put("record_decoder", "gate-after-handshake-clear-alert-truncation",
        cat({{0x4a, 5, 200},
             hs,
             frame(record_type::application, data),
             frame(record_type::alert, {2})}));
  }

  // service_principal: names, and service \n host \n realm for compose().
  put("service_principal", "host", "host/server.example.test");
  put("service_principal", "port-realm", "postgres/db1.example.com:5432@EXAMPLE.COM");
  put("service_principal", "hostbased", "HTTP@www.example.org");
  put("service_principal", "upper-trailing-dot", "ldap/DC01.Corp.Example.COM.@CORP.EXAMPLE.COM");
  put("service_principal", "compose", "nfs\nfilesrv01.example.com\nEXAMPLE.COM");

  // public_key: the SSH wire blob of the harness keys (ssh-keygen lines come from the script).
  const auto blob = pk::wire_blob(fuzz::world().server.public_key());
  put("public_key", "blob-harness-server", bytes(blob.begin(), blob.end()));

  // pk_acceptor: mode | bytes (see pk_acceptor.cpp).
  bytes client_proof;
  {
    auto e = fuzz::fresh_endpoints(0);
    fuzz::PeerClient peer;
    (void)peer.run_to_message3(e->server, nullptr, &client_proof);
  }
  put("pk_acceptor", "mode0-message1", cat({{0}, t.msg[0]}));
  put("pk_acceptor", "mode1-message3", cat({{1}, t.msg[2]}));
  put("pk_acceptor", "mode1-message1-out-of-order", cat({{1}, t.msg[0]}));
  put("pk_acceptor", "mode2-client-proof", cat({{2}, client_proof}));
  {
    // A correctly signed proof asserting a principal the key is not pinned for (name_mismatch).
    auto e = fuzz::fresh_endpoints(0);
    fuzz::PeerClient peer;
    const step_result r = e->server.step(peer.message1());
    MUTAUTH_FUZZ_CHECK(r.st == status::send);
    fuzz::nz::HandshakeState& hs = peer.hs;
    const bytes_view body = r.token.subspan(2);
    MUTAUTH_FUZZ_CHECK(hs.read_message2_tokens(body));
    bytes plain(body.size());
    MUTAUTH_FUZZ_CHECK(hs.decrypt_and_hash(body.subspan(fuzz::nz::dhlen), plain));
    const auto h = hs.handshake_hash();
    put("pk_acceptor", "mode2-client-proof-asserts-bob",
        cat({{2}, fuzz::genuine_proof(fuzz::world().client, role::initiator, h, "bob")}));
  }

  // pk_initiator: mode | bytes (see pk_initiator.cpp).
  bytes server_proof, admission;
  {
    auto e = fuzz::fresh_endpoints(0);
    fuzz::PeerServer peer;
    const bytes m2 = peer.message2(e->client.step().token, nullptr, &server_proof);
    const step_result r = e->client.step(m2);
    MUTAUTH_FUZZ_CHECK(r.st == status::send);
    (void)peer.message4(fuzz::copy(r.token), nullptr, &admission);
  }
  put("pk_initiator", "mode0-message2", cat({{0}, t.msg[1]}));
  put("pk_initiator", "mode1-server-proof", cat({{1}, server_proof}));
  put("pk_initiator", "mode2-message4", cat({{2}, t.msg[3]}));
  put("pk_initiator", "mode2-message2-again", cat({{2}, t.msg[1]}));
  put("pk_initiator", "mode3-admission", cat({{3}, admission}));
  put("pk_initiator", "mode3-admission-of-bob", cat({{3}, fuzz::genuine_admission("bob")}));

  // pk_session: mode | (u16 length | record)*. Stream records are sealed by the honest client
  // of the harness pair (data, close, alert: Session::seal/close/alert).
  using S = Session<fuzz::PK>;
  {
    auto p = fuzz::establish(0);
    bytes s{0};
    for (std::string_view m : {"hello", "", "a longer third record, to open at nonce 2"}) {
      bytes rec(m.size() + S::seal_overhead);
      auto n = p->client.seal(bytes(m.begin(), m.end()), rec);
      MUTAUTH_FUZZ_CHECK(n);
      s = cat({s, u16(*n), rec});
    }
    put("pk_session", "stream-3-records", s);
    // A close, then a record after it (refused: nothing may follow a close).
    bytes close(S::seal_overhead);
    MUTAUTH_FUZZ_CHECK(p->client.close(close));
    put("pk_session", "stream-3-records-close-then-more",
        cat({s, u16(close.size()), close, u16(5), bytes_of("after")}));
  }
  {
    auto p = fuzz::establish(0);
    bytes data(2 + S::seal_overhead), alert(1 + S::seal_overhead);
    MUTAUTH_FUZZ_CHECK(p->client.seal(bytes_of("hi"), data) &&
                       p->client.alert(alert_reason::aborted, alert));
    put("pk_session", "stream-data-alert-aborted",
        cat({{0}, u16(data.size()), data, u16(alert.size()), alert}));
  }
  {
    auto p = fuzz::establish(0);
    auto c = std::move(p->client).into_datagram();
    MUTAUTH_FUZZ_CHECK(c);
    std::array<bytes, 3> d;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::string m = "datagram " + std::to_string(i);
      d[i].resize(m.size() + DatagramSession<fuzz::PK>::overhead);
      MUTAUTH_FUZZ_CHECK(c->seal(bytes(m.begin(), m.end()), d[i]));
    }
    // Out of order, with a replay: what a datagram transport may deliver.
    put("pk_session", "datagram-reordered-replayed",
        cat({{1},
             u16(d[1].size()),
             d[1],
             u16(d[0].size()),
             d[0],
             u16(d[1].size()),
             d[1],
             u16(d[2].size()),
             d[2]}));
  }
  // Inner plaintexts (content | type), sealed by the harness client's own keys.
  put("pk_session", "inner-data-close-then-more",
      cat({{2},
           u16(3),
           bytes_of("hi\x01"),
           u16(1),
           {0x01},
           u16(1),
           {0x02},
           u16(2),
           bytes_of("x\x01")}));
  put("pk_session", "inner-alert-unauthorized",
      cat({{2}, u16(3), bytes_of("ok\x01"), u16(2), {0x03, 0x03}}));
  put("pk_session", "inner-close-with-content", cat({{2}, u16(2), {0x00, 0x02}}));
  put("pk_session", "inner-unknown-type", cat({{2}, u16(4), bytes_of("abc\x04")}));
  put("pk_session", "inner-empty", cat({{2}, u16(0)}));

  // certificate: control byte | blob (bit 0 clear) or body to be signed by the harness CA
  // (bit 0 set); see certificate.cpp. Bodies cover each verification outcome at the fixed clock.
  {
    using pk::certificate_type;
    const auto& w = fuzz::world();
    const std::uint64_t now = fuzz::fixed_now_value;
    fuzz::cert_fields host{.key = w.server.public_key(),
                           .serial = 5,
                           .type = certificate_type::host,
                           .key_id = "server",
                           .principals = {"server.example.test", "host/server.example.test"},
                           .valid_after = now - 86400,
                           .valid_before = now + 86400,
                           .critical = {},
                           .extensions = {}};
    fuzz::cert_fields user{.key = w.client.public_key(),
                           .serial = 6,
                           .type = certificate_type::user,
                           .key_id = "alice",
                           .principals = {"alice", "bob"},
                           .valid_after = 0,
                           .valid_before = ~std::uint64_t{0},
                           .critical = {},
                           .extensions = {{"permit-X11-forwarding", ""}, {"permit-pty", ""}}};
    put("certificate", "body-host", cat({{1}, fuzz::cert_body(host)}));
    put("certificate", "body-user", cat({{1 | 16}, fuzz::cert_body(user)}));
    auto port = host;
    port.principals = {"postgres/db.example.test:5432"};
    put("certificate", "body-host-port", cat({{1 | 4}, fuzz::cert_body(port)}));
    auto bare = host;
    bare.principals = {"db.example.test"};
    put("certificate", "body-host-bare-hostwide", cat({{1 | 2 | 4}, fuzz::cert_body(bare)}));
    auto revoked = user;
    revoked.serial = 150;
    put("certificate", "body-user-revoked-serial", cat({{1 | 32}, fuzz::cert_body(revoked)}));
    auto revoked_id = host;
    revoked_id.key_id = fuzz::krl_revoked_id;
    put("certificate", "body-host-revoked-id", cat({{1 | 32}, fuzz::cert_body(revoked_id)}));
    auto expired = host;
    expired.valid_before = now - 3600;
    put("certificate", "body-host-expired", cat({{1}, fuzz::cert_body(expired)}));
    auto forced = user;
    forced.critical = {{"force-command", "/bin/true"}, {"source-address", "10.0.0.0/8"}};
    put("certificate", "body-user-critical", cat({{1}, fuzz::cert_body(forced)}));
    const bytes signed_host = fuzz::sign_cert_body(fuzz::cert_body(host), w.ca);
    const bytes signed_user = fuzz::sign_cert_body(fuzz::cert_body(user), w.ca);
    put("certificate", "blob-host", cat({{0}, signed_host}));
    put("certificate", "blob-user", cat({{0 | 32}, signed_user}));

    // certificate_line: control byte (0: full-size buffer only; else a small one too) | line.
    const std::string type(pk::ed25519_cert_type);
    put("certificate_line", "host",
        cat({{0}, bytes_of(type + " " + b64(signed_host) + " server.example.test\n")}));
    put("certificate_line", "user-small-buffer",
        cat({{200}, bytes_of(type + " " + b64(signed_user) + " alice")}));
    put("certificate_line", "user-tabs-crlf",
        cat({{0}, bytes_of("\t" + type + "\t" + b64(signed_user) + "\r\n")}));
  }

  // krl: the fixed KRL of certificate.cpp, and one with every supported section.
  {
    put("krl", "fixed", fuzz::fixed_krl());
    const auto& w = fuzz::world();
    const auto ca_blob = pk::wire_blob(w.ca.public_key());
    const auto key_blob = pk::wire_blob(w.client.public_key());
    const auto other_blob = pk::wire_blob(w.server.public_key());
    std::array<std::uint8_t, 32> h{};
    crypto_hash_sha256(h.data(), other_blob.data(), other_blob.size());
    fuzz::ssh_writer cs;
    cs.str(bytes_view(ca_blob)).str(std::string_view{});
    fuzz::ssh_writer list;
    list.u64(1).u64(7).u64(8);
    cs.u8(0x20).str(bytes_view(list.b));
    fuzz::ssh_writer range;
    range.u64(20).u64(29);
    cs.u8(0x21).str(bytes_view(range.b));
    fuzz::ssh_writer bitmap;
    static constexpr std::array<std::uint8_t, 3> bits{0x05, 0x00, 0x11};
    bitmap.u64(64).str(bytes_view(bits));
    cs.u8(0x22).str(bytes_view(bitmap.b));
    fuzz::ssh_writer ids;
    ids.str("alice-id").str("server-id");
    cs.u8(0x23).str(bytes_view(ids.b));
    fuzz::ssh_writer cext;
    cext.str("bloom@example.test").u8(0).str(std::string_view{"hint"});
    cs.u8(0x39).str(bytes_view(cext.b));
    fuzz::ssh_writer keys;
    keys.str(bytes_view(key_blob));
    fuzz::ssh_writer hashes;
    hashes.str(bytes_view(h));
    fuzz::ssh_writer ext;
    ext.str("ext@example.test").u8(0).str(std::string_view{});
    fuzz::ssh_writer k;
    k.u64(0x5353484b524c0a00ULL).u32(1).u64(2).u64(fuzz::fixed_now_value).u64(0);
    k.str(std::string_view{}).str(std::string_view{"every section"});
    k.u8(1).str(bytes_view(cs.b)).u8(2).str(bytes_view(keys.b)).u8(5).str(bytes_view(hashes.b));
    k.u8(255).str(bytes_view(ext.b));
    put("krl", "every-section", k.b);
  }

  // known_hosts / authorized_keys: trust files over the harness keys (the small stores of the
  // targets hold 2 pins and 1 CA, so some seeds overflow them on purpose).
  {
    const auto& w = fuzz::world();
    const std::string server = key_line(w.server, "server");
    const std::string ca = key_line(w.ca, "ca");
    put("known_hosts", "pins-and-ca",
        "# comment\nserver.example.test " + server + "\n[db.example.test]:5432 " + server +
            "\n@cert-authority *.example.test,!bad.example.test " + ca + "\n");
    put("known_hosts", "overflow",
        "a.example.test,b.example.test,postgres/c.example.test:5432 " + server +
            "\n@cert-authority *.example.test " + ca + "\n@cert-authority *.other.test " + ca +
            "\n");
    put("known_hosts", "refused-hashed", "|1|abc=|def= " + server + "\n");
    const std::string client = key_line(w.client, "alice");
    put("authorized_keys", "pins-and-ca",
        client + "\nprincipals=\"bob\" " + key_line(w.server, "") +
            "\ncert-authority,principals=\"alice,bob\" " + ca + "\n");
    put("authorized_keys", "overflow",
        client + "\n" + client + "\n" + client + "\ncert-authority " + ca + "\ncert-authority " +
            ca + "\n");
    put("authorized_keys", "refused-option", "command=\"/bin/sh\" " + client + "\n");
  }

  // pk_transcript: mutation programs (op | u16 offset | value; op bits 0-2 opcode, bits 3-4
  // message 1-4; see pk_transcript.cpp).
  for (const char* target : {"pk_transcript", "pk_transcript_ca"}) {
    put(target, "honest", bytes{});
    put(target, "insert-message1", bytes{0x02, 0x00, 0x05, 0xaa});
    put(target, "xor-message2-proof", bytes{0x08, 0x00, 0x40, 0x01});
    put(target, "replay-old-message2", bytes{0x0d, 0x00, 0x00, 0x01});
    put(target, "truncate-message3", bytes{0x11, 0x00, 0x20, 0x00});
    put(target, "drop-message3", bytes{0x16, 0x00, 0x00, 0x00});
    put(target, "replace-message3-with-itself", bytes{0x14, 0x00, 0x00, 0x02});
    put(target, "xor-message4-admission", bytes{0x18, 0x00, 0x04, 0x80});
    put(target, "truncate-message4", bytes{0x19, 0x00, 0x02, 0x00});
    put(target, "replay-old-message4", bytes{0x1d, 0x00, 0x00, 0x03});
    put(target, "drop-message4", bytes{0x1e, 0x00, 0x00, 0x00});
  }
  std::printf("fuzz_make_corpus: wrote seeds under %s\n", fuzz::seed_root.c_str());
  return 0;
}
