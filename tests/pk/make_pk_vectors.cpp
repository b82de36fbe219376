// Writes the mutauth-pk/1 test vectors tests/pk/vectors/{pinned,ca,refused}.txt
// (docs/protocol/mutauth-pk.md §18). Not run by CTest: run it by hand after a deliberate change
// of the wire format, review the diff, and commit the files.
//
//   make_pk_vectors [output-dir]        (default: <source>/tests/pk/vectors)
//
// Inputs are fixed below (identity seeds, ephemerals, channel binding, names, exporter triples,
// record contents). The CA-mode certificates were made ONCE with stock ssh-keygen and are
// reused from an existing <output-dir>/ca.txt; without one, new certificates are made (a new CA
// key from ssh-keygen -t ed25519, then ssh-keygen -s for the fixed-seed host and user keys).
//
// The messages, records, exporter outputs and channel binding come from the library (Initiator/
// Acceptor/Session with fixed ephemerals); the values the library does not expose (h after each
// message, ck, the handshake key, the transport keys, the exporter secret) come from the
// independent spec model (vectors/spec_model.hpp). Nothing is written unless the library and the
// model agree on every byte they both produce.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "vectors/spec_model.hpp"
#include "vectors/vector_support.hpp"

using namespace mutauth;
using namespace mutauth::testing;
using namespace mutauth::testing::pkvec;
using pkspec::bytes;

namespace {

bytes fill(std::uint8_t base, std::size_t n = 32) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(base + i);
  return b;
}

const std::string target = "host/server.example.test";
const std::uint64_t ca_clock = 1798761600;  // 2027-01-01T00:00:00Z, inside 2026-01-01 .. 2036-01-01

std::vector<Exporter> exporter_triples() {
  return {{"EXPORTER-mutauth-pk-vector", {}, 32},
          {"EXPORTER-mutauth-pk-vector", fill(0x00, 16), 64},
          {"application key", pkspec::text("session 1"), 100}};
}

struct CaMaterial {
  bytes ca_key, host_cert, user_cert;
};

std::string sh_quote(const std::string& s) { return "'" + s + "'"; }

void run(const std::string& cmd) {
  if (std::system((cmd + " </dev/null >/dev/null").c_str()) != 0)
    throw std::runtime_error("failed: " + cmd);
}

bytes blob_of_pub_file(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string type, b64;
  in >> type >> b64;
  bytes out(b64.size());
  std::size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    throw std::runtime_error("bad base64 in " + path);
  out.resize(len);
  return out;
}

// Certificates for the fixed-seed server and client keys, by the real ssh-keygen.
CaMaterial make_certificates(const bytes& server_pub, const bytes& client_pub) {
  const std::string dir = (std::filesystem::temp_directory_path() / "mutauth-pk-vectors").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir + "/server.pub") << ssh_key_text(server_pub) << " server\n";
    std::ofstream(dir + "/alice.pub") << ssh_key_text(client_pub) << " alice\n";
  }
  run("ssh-keygen -q -t ed25519 -N '' -C vector-ca -f " + sh_quote(dir + "/ca"));
  run("TZ=UTC ssh-keygen -q -s " + sh_quote(dir + "/ca") +
      " -I server.example.test -h -n host/server.example.test -V 20260101:20360101 -z 1 " +
      sh_quote(dir + "/server.pub"));
  run("TZ=UTC ssh-keygen -q -s " + sh_quote(dir + "/ca") +
      " -I alice -n alice,bob -V 20260101:20360101 -z 2 " + sh_quote(dir + "/alice.pub"));
  CaMaterial m;
  const bytes ca_blob = blob_of_pub_file(dir + "/ca.pub");
  m.ca_key.assign(ca_blob.end() - 32, ca_blob.end());
  m.host_cert = blob_of_pub_file(dir + "/server-cert.pub");
  m.user_cert = blob_of_pub_file(dir + "/alice-cert.pub");
  std::filesystem::remove_all(dir);  // the CA private key is not kept: the certificates are data
  return m;
}

struct Scenario {
  std::string name;  // pinned, ca, refused
  LibraryInputs li;
  std::map<std::string, std::string> extra;  // ca.txt: the CA key, certificates and clock
};

void check_equal(const std::string& what, const bytes& model, const bytes& library) {
  if (model != library)
    throw std::runtime_error("SPEC/CODE DISAGREEMENT in " + what + ":\n  model   " + hex(model) +
                             "\n  library " + hex(library));
}

std::string header(const std::string& vector, unsigned mode) {
  std::string h;
  h += "# mutauth-pk/1 test vector: " + vector + " (docs/protocol/mutauth-pk.md §18)\n";
  h += "# Written by tests/pk/make_pk_vectors.cpp; checked by tests/pk/test_pk_vectors.cpp.\n";
  if (vector == "pinned")
    h += "# A full handshake with pinned raw keys (credential type 1 both ways) and a non-empty\n"
         "# channel binding, the key schedule, exporter outputs and the first stream records.\n";
  if (vector == "ca")
    h += "# A full handshake in CA mode: both sides present OpenSSH certificates (credential type "
         "2)\n"
         "# signed by one CA, verified at the fixed clock; empty channel binding.\n";
  if (vector == "refused")
    h +=
        "# The client is verified (pinned key) and then refused by the server's authorization\n"
        "# policy: messages 1-3, no message 4, the clear alert 15 00 01 03; no keys are derived.\n";
  h += "#\n"
       "# Format: UTF-8/ASCII lines. A line starting with '#' is a comment; blank lines are\n"
       "# ignored. Every other line is `name = value`, one per field, in the order below, each\n"
       "# field exactly once. Values are one of:\n"
       "#   hex   lower-case hex digits, two per byte, possibly none (an empty value);\n"
       "#   text  the characters between the first and the last '\"' on the line (no escapes);\n"
       "#   int   an unsigned decimal integer.\n"
       "# Messages are whole mutauth-pk messages including the 2-byte header (§4.1); records are\n"
       "# §8.1 stream records (not framed), except alert_record, which is a §9.1 framed record.\n"
       "# h0..h7, ck1, DH_ee, h_R, h_I are the names of §4.6.\n"
       "#\n"
       "# Fields:\n";
  for (const field& f : fields()) {
    if (!(f.modes & mode)) continue;
    const char* k = f.type == kind::hex ? "hex" : f.type == kind::text ? "text" : "int";
    h += "#   " + std::string(f.name) + " (" + k + "): " + f.meaning + "\n";
  }
  h += "\n";
  return h;
}

void write_vector(const std::string& dir, const Scenario& s) {
  const unsigned mode = mode_of(s.name);
  const pkspec::Inputs& in = s.li.in;
  const pkspec::Derived d = pkspec::run(in);
  const LibraryOutputs lib = run_library(s.li);

  // The library and the independent model must agree before anything is written.
  check_equal("msg1", d.msg1, lib.msg1);
  check_equal("msg2", d.msg2, lib.msg2);
  check_equal("msg3", d.msg3, lib.msg3);
  std::map<std::string, std::string> v;
  auto H = [&v](const char* n, const bytes& b) { v[n] = hex(b); };
  auto T = [&v](const char* n, const std::string& t) { v[n] = "\"" + t + "\""; };
  T("vector", s.name);
  H("client_identity_seed", in.client_seed);
  H("client_public_key", d.client_pub);
  H("server_identity_seed", in.server_seed);
  H("server_public_key", d.server_pub);
  H("client_ephemeral_private", in.client_eph);
  H("client_ephemeral_public", d.e_I);
  H("server_ephemeral_private", in.server_eph);
  H("server_ephemeral_public", d.e_R);
  H("channel_binding_input", in.cb);
  T("target", in.target);
  T("client_name", in.client_name);
  T("known_hosts_line", s.li.known_hosts);
  T("authorized_keys_line", s.li.authorized_keys);
  H("prologue", d.prologue);
  H("h_initial", d.h_initial);
  H("h_after_prologue", d.h_after_prologue);
  H("msg1", lib.msg1);
  H("h_after_msg1", d.h_after_msg1);
  H("dh_ee", d.dh_ee);
  H("ck_after_ee", d.ck_after_ee);
  H("k_handshake", d.k_handshake);
  H("h_server_signs", d.h_server_signs);
  H("proof_server", d.proof_server);
  H("msg2", lib.msg2);
  H("h_after_msg2", d.h_after_msg2);
  H("proof_client", d.proof_client);
  H("msg3", lib.msg3);
  H("h_after_msg3", d.h_after_msg3);
  if (mode == R) {
    T("admitted_principal", s.li.admitted);
    T("outcome", "unauthorized");
    H("alert_record", lib.alert_record);
  } else {
    check_equal("msg4", d.msg4, lib.msg4);
    check_equal("channel_binding", d.channel_binding, lib.channel_binding);
    H("admission", d.admission);
    H("msg4", lib.msg4);
    H("h_after_msg4", d.h_after_msg4);
    H("h_final", d.h_final);
    H("transport_key_i2r", d.k_i2r);
    H("transport_key_r2i", d.k_r2i);
    H("exporter_secret", d.exporter_secret);
    H("channel_binding", lib.channel_binding);
    for (std::size_t i = 0; i < s.li.exporters.size(); ++i) {
      const Exporter& e = s.li.exporters[i];
      const std::string p = "exporter_" + std::to_string(i + 1) + "_";
      check_equal(p + "output", pkspec::exporter(d.exporter_secret, e.label, e.context, e.length),
                  lib.exporter_outputs[i]);
      v[p + "label"] = "\"" + e.label + "\"";
      v[p + "context"] = hex(e.context);
      v[p + "length"] = std::to_string(e.length);
      v[p + "output"] = hex(lib.exporter_outputs[i]);
    }
    check_equal("record_i2r", pkspec::seal_record(d.k_i2r, 0, s.li.i2r_plaintext, 1),
                lib.record_i2r);
    check_equal("record_r2i", pkspec::seal_record(d.k_r2i, 0, s.li.r2i_plaintext, 1),
                lib.record_r2i);
    check_equal("record_i2r_close", pkspec::seal_record(d.k_i2r, 1, {}, 2), lib.record_i2r_close);
    H("record_i2r_plaintext", s.li.i2r_plaintext);
    H("record_i2r", lib.record_i2r);
    H("record_r2i_plaintext", s.li.r2i_plaintext);
    H("record_r2i", lib.record_r2i);
    H("record_i2r_close", lib.record_i2r_close);
  }
  for (const auto& [name, value] : s.extra) v[name] = value;
  std::string out = header(s.name, mode);
  for (const field& f : fields()) {
    if (!(f.modes & mode)) continue;
    auto it = v.find(f.name);
    if (it == v.end()) throw std::runtime_error(s.name + ": generator did not set " + f.name);
    // An empty value is written `name =`, without a trailing blank.
    out += std::string(f.name) + (it->second.empty() ? " =" : " = " + it->second) + "\n";
  }
  const std::string path = dir + "/" + s.name + ".txt";
  std::ofstream(path, std::ios::binary) << out;
  // The written file must read back through the checker's strict parser.
  (void)parse(read_file(path));
  std::cout << "wrote " << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string dir =
        argc > 1 ? argv[1] : std::string(MUTAUTH_SOURCE_DIR) + "/tests/pk/vectors";
    if (sodium_init() < 0) throw std::runtime_error("sodium_init");
    const bytes server_seed = fill(0x40), client_seed = fill(0x20), mallory_seed = fill(0xa0);
    const pkspec::Ed25519 server(server_seed), client(client_seed), mallory(mallory_seed);

    auto base = [&](const std::string& name) {
      Scenario s;
      s.name = name;
      s.li.in.server_seed = server_seed;
      s.li.in.client_seed = client_seed;
      s.li.in.target = target;
      s.li.in.client_name = "alice";
      s.li.known_hosts = target + " " + ssh_key_text(server.pub) + " server";
      s.li.authorized_keys = "principals=\"alice\" " + ssh_key_text(client.pub) + " alice";
      s.li.exporters = exporter_triples();
      s.li.i2r_plaintext = pkspec::text("ping from the initiator");
      s.li.r2i_plaintext = pkspec::cat({pkspec::text("pong from the acceptor"), bytes{0, 0}});
      return s;
    };

    Scenario pinned = base("pinned");
    pinned.li.in.client_eph = fill(0x60);
    pinned.li.in.server_eph = fill(0x80);
    pinned.li.in.cb = fill(0xc0, 32);

    // CA mode: reuse the committed certificates when there are some.
    CaMaterial ca;
    const std::string ca_path = dir + "/ca.txt";
    if (std::filesystem::exists(ca_path)) {
      const VectorFile old = parse(read_file(ca_path));
      ca = {old.hex("ca_public_key"), old.hex("host_certificate"), old.hex("user_certificate")};
      std::cout << "reusing the CA key and certificates of " << ca_path << "\n";
    } else {
      ca = make_certificates(server.pub, client.pub);
      std::cout << "made a new CA and certificates with ssh-keygen\n";
    }
    Scenario cam = base("ca");
    cam.li.in.client_eph = fill(0x68);
    cam.li.in.server_eph = fill(0x88);
    cam.li.in.server_cert = ca.host_cert;
    cam.li.in.client_cert = ca.user_cert;
    cam.li.clock = ca_clock;
    cam.li.known_hosts = "@cert-authority *.example.test " + ssh_key_text(ca.ca_key) + " vector-ca";
    cam.li.authorized_keys = "cert-authority " + ssh_key_text(ca.ca_key) + " vector-ca";
    cam.extra = {{"ca_public_key", hex(ca.ca_key)},
                 {"host_certificate", hex(ca.host_cert)},
                 {"user_certificate", hex(ca.user_cert)},
                 {"clock", std::to_string(ca_clock)}};

    Scenario refused = base("refused");
    refused.li.in.client_seed = mallory_seed;
    refused.li.in.client_name = "mallory";
    refused.li.in.client_eph = fill(0x70);
    refused.li.in.server_eph = fill(0x90);
    refused.li.in.cb = pkspec::text("refused vector");
    refused.li.authorized_keys = "principals=\"mallory\" " + ssh_key_text(mallory.pub) + " mallory";
    refused.li.admitted = "alice";
    refused.li.in.admitted = false;

    for (const Scenario* s : {&pinned, &cam, &refused}) write_vector(dir, *s);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "make_pk_vectors: " << e.what() << "\n";
    return 1;
  }
}
