// Writes the project-made seed inputs of the fuzz corpora: genuine handshake messages, proofs,
// records and datagrams made by the library itself under the targets' deterministic RNG (so the
// targets accept them), framed streams, principal names and mutation programs.
// Usage: fuzz_make_corpus <corpus dir>   (fuzz/make_corpus.sh runs it and adds ssh-keygen keys)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "fuzz_pk.hpp"
#include "mutauth/framing.hpp"

using namespace mutauth;
using fuzz::bytes;
namespace fs = std::filesystem;

namespace {
fs::path g_root;

void put(const char* target, const char* name, const bytes& b) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                    static_cast<std::streamsize>(b.size()));
}
void put(const char* target, const char* name, std::string_view s) {
  put(target, name, bytes(s.begin(), s.end()));
}
bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
bytes u16(std::size_t n) { return {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}; }
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
  g_root = argv[1];
  const fuzz::Transcript t = fuzz::genuine_transcript(0);

  // record_decoder: u8 n | n chunk sizes | stream.
  const bytes stream = cat({frame(record_type::handshake, t.msg[0]), frame(record_type::handshake, t.msg[1]),
                            frame(record_type::handshake, t.msg[2]), frame(record_type::alert, {4})});
  put("record_decoder", "handshake-whole", cat({{0}, stream}));
  put("record_decoder", "handshake-chunks-1-7-100", cat({{3, 1, 7, 100}, stream}));
  put("record_decoder", "alert-then-app-refused", cat({{0}, frame(record_type::alert, {1}), frame(record_type::application, {1, 2, 3})}));

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
    (void)fuzz::forged_message3(e->server, nullptr, &client_proof);
  }
  put("pk_acceptor", "mode0-message1", cat({{0}, t.msg[0]}));
  put("pk_acceptor", "mode1-message3", cat({{1}, t.msg[2]}));
  put("pk_acceptor", "mode2-client-proof", cat({{2}, client_proof}));

  // pk_initiator: mode | bytes (see pk_initiator.cpp).
  bytes server_proof;
  {
    auto e = fuzz::fresh_endpoints(0);
    (void)fuzz::forged_message2(e->client.step().token, nullptr, &server_proof);
  }
  put("pk_initiator", "mode0-message2", cat({{0}, t.msg[1]}));
  put("pk_initiator", "mode1-server-proof", cat({{1}, server_proof}));

  // pk_session: mode | (u16 length | record)*, sealed by the honest client of the harness pair.
  {
    auto p = fuzz::establish(0);
    bytes s{0};
    for (std::string_view m : {"hello", "", "a longer third record, to open at nonce 2"}) {
      bytes rec(m.size() + Session<fuzz::PK>::seal_overhead);
      auto n = p->client.seal(bytes(m.begin(), m.end()), rec);
      MUTAUTH_FUZZ_CHECK(n);
      s = cat({s, u16(*n), rec});
    }
    put("pk_session", "stream-3-records", s);
  }
  {
    auto p = fuzz::establish(0);
    std::array<bytes, 3> d;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::string m = "datagram " + std::to_string(i);
      d[i].resize(m.size() + pk::SessionKeys::datagram_overhead);
      MUTAUTH_FUZZ_CHECK(p->client.mechanism_keys().seal_datagram(bytes(m.begin(), m.end()), d[i]));
    }
    // Out of order, with a replay: what a datagram transport may deliver.
    put("pk_session", "datagram-reordered-replayed",
        cat({{1}, u16(d[1].size()), d[1], u16(d[0].size()), d[0], u16(d[1].size()), d[1], u16(d[2].size()), d[2]}));
  }

  // pk_transcript: mutation programs (op | u16 offset | value; see pk_transcript.cpp).
  put("pk_transcript", "honest", bytes{});
  put("pk_transcript", "xor-message2-proof", bytes{0x08, 0x00, 0x40, 0x01});
  put("pk_transcript", "truncate-message3", bytes{0x11, 0x00, 0x20, 0x00});
  put("pk_transcript", "replay-old-message2", bytes{0x0d, 0x00, 0x00, 0x01});
  put("pk_transcript", "insert-message1", bytes{0x02, 0x00, 0x05, 0xaa});
  put("pk_transcript", "drop-message3", bytes{0x16, 0x00, 0x00, 0x00});
  std::printf("fuzz_make_corpus: wrote seeds under %s\n", g_root.c_str());
  return 0;
}
