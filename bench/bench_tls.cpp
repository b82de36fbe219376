// bench_tls — the reference point for bench_pk: an OpenSSL 3 TLS 1.3 handshake with mutual
// certificate authentication, both sides in memory, configured as close to mutauth-pk/1 as TLS
// allows: X25519 only, TLS_CHACHA20_POLY1305_SHA256 only, Ed25519 certificates from one Ed25519
// CA for both sides, no session resumption (no tickets, no session cache), the server requires a
// client certificate, both verify the peer against the CA, and the client checks the server's
// DNS name (mutauth's G2 equivalent).
//
// Two chain configurations: the default (OpenSSL builds the chain it sends from its store, so
// the CA certificate travels too) and SSL_MODE_NO_AUTO_CHAIN (leaf only).
//
// Per handshake (the timed loop): SSL_new x2, one BIO pair joining them, SSL_do_handshake on
// each side in turn until both are done, peer-verification checks, SSL_free x2. Keys,
// certificates and SSL_CTX are built once in setup (an application builds them once too).
// Counters: bytes on the wire (everything written into the BIO pair, both directions) and
// flights (direction changes of those writes, counting the first).
#include <benchmark/benchmark.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

namespace mutauth {
inline namespace v0 {
namespace bench {
namespace {

constexpr const char* server_dns = "server.example.test";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct CtxFree {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Ctx = std::unique_ptr<SSL_CTX, CtxFree>;

Pkey ed25519_key() {
  EVP_PKEY* k = nullptr;
  EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  if (c != nullptr && EVP_PKEY_keygen_init(c) == 1) (void)EVP_PKEY_keygen(c, &k);
  EVP_PKEY_CTX_free(c);
  return Pkey(k);
}

bool add_ext(X509* x, X509V3_CTX* v3, int nid, const char* value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, v3, nid, value);
  if (e == nullptr) return false;
  const bool ok = X509_add_ext(x, e, -1) == 1;
  X509_EXTENSION_free(e);
  return ok;
}

// A v3 certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
// Ed25519 signs the whole message itself, so X509_sign takes no digest.
Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial,
               bool ca, const char* san, const char* eku) {
  Cert x(X509_new());
  if (!x) return {};
  bool ok = X509_set_version(x.get(), 2) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(x.get()), 30L * 24 * 3600) != nullptr &&
            X509_set_pubkey(x.get(), key) == 1;
  X509_NAME* name = X509_get_subject_name(x.get());
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(cn), -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name) == 1;
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  ok = ok &&
       add_ext(x.get(), &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  ok = ok && add_ext(x.get(), &v3, NID_key_usage,
                     ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  ok = ok && add_ext(x.get(), &v3, NID_subject_key_identifier, "hash");
  if (!ca) ok = ok && add_ext(x.get(), &v3, NID_authority_key_identifier, "keyid:always");
  if (san != nullptr) ok = ok && add_ext(x.get(), &v3, NID_subject_alt_name, san);
  if (eku != nullptr) ok = ok && add_ext(x.get(), &v3, NID_ext_key_usage, eku);
  ok = ok && X509_sign(x.get(), issuer_key, nullptr) > 0;
  return ok ? std::move(x) : Cert();
}

Ctx make_ctx(bool server, X509* leaf, EVP_PKEY* key, X509* ca, bool no_auto_chain) {
  Ctx c(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!c) return {};
  SSL_CTX* x = c.get();
  bool ok = SSL_CTX_set_min_proto_version(x, TLS1_3_VERSION) == 1 &&
            SSL_CTX_set_max_proto_version(x, TLS1_3_VERSION) == 1 &&
            SSL_CTX_set_ciphersuites(x, "TLS_CHACHA20_POLY1305_SHA256") == 1 &&
            SSL_CTX_set1_groups_list(x, "X25519") == 1 && SSL_CTX_use_certificate(x, leaf) == 1 &&
            SSL_CTX_use_PrivateKey(x, key) == 1 && SSL_CTX_check_private_key(x) == 1 &&
            X509_STORE_add_cert(SSL_CTX_get_cert_store(x), ca) == 1;
  // No resumption of any kind: in TLS 1.3 SSL_OP_NO_TICKET alone switches to stateful tickets,
  // so the server is also told to issue none.
  SSL_CTX_set_options(x, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_OFF);
  ok = ok && SSL_CTX_set_num_tickets(x, 0) == 1;
  SSL_CTX_set_verify(
      x, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER, nullptr);
  if (no_auto_chain) SSL_CTX_set_mode(x, SSL_MODE_NO_AUTO_CHAIN);
  return ok ? std::move(c) : Ctx();
}

struct TlsSetup {
  Pkey ca_key, server_key, client_key;
  Cert ca, server_cert, client_cert;
  Ctx client_ctx[2], server_ctx[2];  // [0] default chain, [1] SSL_MODE_NO_AUTO_CHAIN
  bool ok = false;
  TlsSetup() {
    ca_key = ed25519_key();
    server_key = ed25519_key();
    client_key = ed25519_key();
    if (!ca_key || !server_key || !client_key) return;
    ca = make_cert(ca_key.get(), "mutauth bench CA", nullptr, ca_key.get(), 1, true, nullptr,
                   nullptr);
    if (!ca) return;
    server_cert = make_cert(server_key.get(), server_dns, ca.get(), ca_key.get(), 2, false,
                            "DNS:server.example.test", "serverAuth");
    client_cert = make_cert(client_key.get(), "alice", ca.get(), ca_key.get(), 3, false, nullptr,
                            "clientAuth");
    if (!server_cert || !client_cert) return;
    for (int i = 0; i < 2; ++i) {
      client_ctx[i] = make_ctx(false, client_cert.get(), client_key.get(), ca.get(), i == 1);
      server_ctx[i] = make_ctx(true, server_cert.get(), server_key.get(), ca.get(), i == 1);
      if (!client_ctx[i] || !server_ctx[i]) return;
    }
    ok = true;
  }
};

const TlsSetup& setup() {
  static const TlsSetup s;
  return s;
}

struct TlsWire {
  std::uint64_t c2s = 0, s2c = 0;
  int flights = 0;
  int server_chain_certs = 0;  // certificates the client received from the server
};

// Returns true when both sides completed and each verified the other against the CA.
bool tls_handshake(SSL_CTX* cctx, SSL_CTX* sctx, TlsWire* wire) {
  SSL* c = SSL_new(cctx);
  SSL* s = SSL_new(sctx);
  BIO *bc = nullptr, *bs = nullptr;
  bool ok = c != nullptr && s != nullptr && BIO_new_bio_pair(&bc, 0, &bs, 0) == 1;
  if (ok) {
    SSL_set_bio(c, bc, bc);  // each SSL owns its end of the pair from here
    SSL_set_bio(s, bs, bs);
    ok = SSL_set1_host(c, server_dns) == 1;
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
  }
  bool cdone = false, sdone = false;
  std::uint64_t cw = 0, sw = 0;
  int last_writer = -1, flights = 0;
  for (int round = 0; ok && !(cdone && sdone) && round < 16; ++round) {
    SSL* side[2] = {c, s};
    bool* done[2] = {&cdone, &sdone};
    for (int i = 0; i < 2 && ok; ++i) {
      if (!*done[i]) {
        const int r = SSL_do_handshake(side[i]);
        if (r == 1) {
          *done[i] = true;
        } else {
          const int e = SSL_get_error(side[i], r);
          ok = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        }
      }
      std::uint64_t& seen = i == 0 ? cw : sw;
      const std::uint64_t now = BIO_number_written(i == 0 ? bc : bs);
      if (now != seen) {
        if (last_writer != i) ++flights;
        last_writer = i;
        seen = now;
      }
    }
  }
  ok = ok && cdone && sdone && SSL_get_verify_result(c) == X509_V_OK &&
       SSL_get_verify_result(s) == X509_V_OK && SSL_get0_peer_certificate(c) != nullptr &&
       SSL_get0_peer_certificate(s) != nullptr;
  if (ok && wire != nullptr) {
    // Setup-time check (wire is only asked for outside the timed loop) that the handshake really
    // is the configuration this file claims to measure.
    const SSL_CIPHER* cs = SSL_get_current_cipher(c);
    X509* peer = SSL_get0_peer_certificate(c);
    EVP_PKEY* peer_key = peer != nullptr ? X509_get0_pubkey(peer) : nullptr;
    ok = SSL_version(c) == TLS1_3_VERSION && cs != nullptr &&
         std::strcmp(SSL_CIPHER_get_name(cs), "TLS_CHACHA20_POLY1305_SHA256") == 0 &&
         SSL_get_negotiated_group(c) == NID_X25519 && peer_key != nullptr &&
         EVP_PKEY_get_id(peer_key) == EVP_PKEY_ED25519;
    if (!ok) std::fputs("bench_tls: negotiated parameters differ from the intended ones\n", stderr);
  }
  if (ok && wire != nullptr) {
    wire->c2s = cw;
    wire->s2c = sw;
    wire->flights = flights;
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(c);
    wire->server_chain_certs = chain ? sk_X509_num(chain) : 0;
  }
  if (!ok) ERR_print_errors_fp(stderr);
  SSL_free(c);  // frees its BIO end too
  SSL_free(s);
  return ok;
}

void BM_tls13_mutual(benchmark::State& state, int config) {
  const TlsSetup& t = setup();
  TlsWire wire;
  if (!t.ok || !tls_handshake(t.client_ctx[config].get(), t.server_ctx[config].get(), &wire)) {
    state.SkipWithError("TLS setup or handshake failed");
    return;
  }
  for (auto _ : state) {
    if (!tls_handshake(t.client_ctx[config].get(), t.server_ctx[config].get(), nullptr)) {
      state.SkipWithError("TLS handshake failed");
      break;
    }
  }
  state.counters["handshakes_per_s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_on_wire"] = static_cast<double>(wire.c2s + wire.s2c);
  state.counters["c2s_bytes"] = static_cast<double>(wire.c2s);
  state.counters["s2c_bytes"] = static_cast<double>(wire.s2c);
  state.counters["flights"] = wire.flights;
  state.counters["server_chain_certs"] = wire.server_chain_certs;
}
void BM_tls13_mutual_default_chain(benchmark::State& state) { BM_tls13_mutual(state, 0); }
void BM_tls13_mutual_no_auto_chain(benchmark::State& state) { BM_tls13_mutual(state, 1); }

}  // namespace
}  // namespace bench
}  // namespace v0
}  // namespace mutauth

int main(int argc, char** argv) {
  using namespace mutauth::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
  benchmark::RegisterBenchmark("BM_tls13_mutual_default_chain", BM_tls13_mutual_default_chain)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_tls13_mutual_no_auto_chain", BM_tls13_mutual_no_auto_chain)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
