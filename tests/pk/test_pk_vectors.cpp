// The mutauth-pk/1 test vectors (tests/pk/vectors/*.txt, docs/protocol/mutauth-pk.md §18).
//
// Each file is checked two ways:
//  (a) every derived field is recomputed from the file's inputs (seeds, ephemeral private keys,
//      channel binding, names, certificates) by an independent model of the spec
//      (vectors/spec_model.hpp: only HASH/HMAC/HKDF of mutauth/noise/primitives.hpp and libsodium's
//      X25519, Ed25519 and ChaCha20-Poly1305), including h after each message, the handshake and
//      transport keys, the exporter secret and outputs and the sealed records;
//  (b) the LIBRARY, run with the same identity keys, fixed ephemerals (test-only hook), trust
//      lines and clock, must produce msg1..msg4 byte for byte, seal the committed records and
//      close, open the peer's, export the committed outputs and report the committed channel
//      binding; the refused client must end with errc::unauthorized after the alert 15 00 01 03.
// A last test flips each field of each file in memory and requires that the check notices.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "vectors/spec_model.hpp"
#include "vectors/vector_support.hpp"

using namespace mutauth;
using namespace mutauth::testing;
using namespace mutauth::testing::pkvec;
using pkspec::bytes;

namespace {

std::string vector_path(const std::string& name) {
  return std::string(MUTAUTH_SOURCE_DIR) + "/tests/pk/vectors/" + name + ".txt";
}

// ---- an independent reader for the parts of an OpenSSH certificate the vectors rely on ----
struct SshReader {
  const bytes& b;
  std::size_t at = 0;
  std::uint64_t uint(int n) {
    if (at + static_cast<std::size_t>(n) > b.size())
      throw std::runtime_error("certificate truncated");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | b[at++];
    return v;
  }
  bytes str() {
    const std::size_t n = static_cast<std::size_t>(uint(4));
    if (at + n > b.size()) throw std::runtime_error("certificate truncated");
    bytes s(b.begin() + static_cast<std::ptrdiff_t>(at),
            b.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return s;
  }
};

// PROTOCOL.certkeys layout (§11.1): the certified key, the type, a principal, the validity at
// `clock`, no critical options, the CA key and a CA signature that verifies.
std::string check_certificate(const bytes& blob, const bytes& key, std::uint32_t type,
                              const std::string& principal, std::uint64_t clock,
                              const bytes& ca_key) {
  SshReader r{blob};
  if (r.str() != pkspec::text("ssh-ed25519-cert-v01@openssh.com"))
    return "not an ssh-ed25519 certificate";
  (void)r.str();  // nonce
  if (r.str() != key) return "certifies another key than the identity key";
  (void)r.uint(8);  // serial
  if (r.uint(4) != type) return "wrong certificate type";
  (void)r.str();  // key id
  const bytes principals = r.str();
  bool listed = false;
  for (SshReader p{principals}; p.at < principals.size();)
    if (p.str() == pkspec::text(principal)) listed = true;
  if (!listed) return "does not list " + principal;
  const std::uint64_t after = r.uint(8), before = r.uint(8);
  if (!(after <= clock && clock < before)) return "not valid at the vector's clock";
  if (!r.str().empty()) return "has critical options";
  (void)r.str();  // extensions
  if (!r.str().empty()) return "reserved field not empty";
  if (r.str() != ssh_key_blob(ca_key)) return "not signed by ca_public_key";
  const std::size_t signed_len = r.at;
  const bytes sig = r.str();
  if (r.at != blob.size()) return "trailing bytes";
  SshReader s{sig};
  if (s.str() != pkspec::text("ssh-ed25519")) return "signature is not ssh-ed25519";
  const bytes raw = s.str();
  if (!pkspec::VERIFY(
          ca_key, bytes(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(signed_len)), raw))
    return "CA signature does not verify";
  return {};
}

struct Problems {
  std::vector<std::string> list;
  const VectorFile& v;
  void same(const std::string& field, const bytes& computed, const char* by) {
    const bytes file = v.hex(field);
    if (file != computed)
      list.push_back(field + " differs from the " + by + ":\n    file     " + hex(file) +
                     "\n    computed " + hex(computed));
  }
  void require(bool ok, const std::string& what) {
    if (!ok) list.push_back(what);
  }
};

pkspec::Inputs inputs_of(const VectorFile& v) {
  const unsigned mode = mode_of(v.text("vector"));
  pkspec::Inputs in;
  in.client_seed = v.hex("client_identity_seed");
  in.server_seed = v.hex("server_identity_seed");
  in.client_eph = v.hex("client_ephemeral_private");
  in.server_eph = v.hex("server_ephemeral_private");
  in.cb = v.hex("channel_binding_input");
  in.target = v.text("target");
  in.client_name = v.text("client_name");
  if (mode == C) {
    in.server_cert = v.hex("host_certificate");
    in.client_cert = v.hex("user_certificate");
  }
  in.admitted = mode != R;
  return in;
}

// (a) the independent recomputation.
void check_model(const VectorFile& v, Problems& p) {
  const unsigned mode = mode_of(v.text("vector"));
  const pkspec::Inputs in = inputs_of(v);
  const pkspec::Derived d = pkspec::run(in);
  const char* by = "spec model";
  p.same("client_public_key", d.client_pub, by);
  p.same("server_public_key", d.server_pub, by);
  p.same("client_ephemeral_public", d.e_I, by);
  p.same("server_ephemeral_public", d.e_R, by);
  p.require(in.cb.size() <= 128, "channel_binding_input longer than 128 bytes");
  p.same("prologue", d.prologue, by);
  p.same("h_initial", d.h_initial, by);
  p.same("h_after_prologue", d.h_after_prologue, by);
  p.same("msg1", d.msg1, by);
  p.same("h_after_msg1", d.h_after_msg1, by);
  p.same("dh_ee", d.dh_ee, by);
  p.same("ck_after_ee", d.ck_after_ee, by);
  p.same("k_handshake", d.k_handshake, by);
  p.same("h_server_signs", d.h_server_signs, by);
  p.same("proof_server", d.proof_server, by);
  p.same("msg2", d.msg2, by);
  p.same("h_after_msg2", d.h_after_msg2, by);
  p.same("proof_client", d.proof_client, by);
  p.same("msg3", d.msg3, by);
  p.same("h_after_msg3", d.h_after_msg3, by);

  // The committed messages decrypt under the recomputed handshake key to the committed proofs,
  // and the proofs' signatures verify under the keys they claim (§4.3, §4.4, §5.4).
  const bytes m2 = v.hex("msg2"), m3 = v.hex("msg3");
  if (m2.size() >= 50 && m3.size() >= 18) {
    try {
      const bytes c2(m2.begin() + 34, m2.end()), c3(m3.begin() + 2, m3.end());
      p.same("proof_server", pkspec::DECRYPT(d.k_handshake, 0, d.h_server_signs, c2),
             "decryption of msg2");
      p.same("proof_client", pkspec::DECRYPT(d.k_handshake, 1, d.h_after_msg2, c3),
             "decryption of msg3");
    } catch (const std::exception& e) {
      p.require(false, std::string("committed messages do not decrypt: ") + e.what());
    }
  }
  const std::string kh = v.text("known_hosts_line"), ak = v.text("authorized_keys_line");
  if (mode == C) {
    const bytes ca = v.hex("ca_public_key");
    const std::uint64_t clock = v.integer("clock");
    p.require(kh.find(ssh_key_text(ca)) != std::string::npos,
              "known_hosts_line does not hold ca_public_key");
    p.require(ak.find(ssh_key_text(ca)) != std::string::npos,
              "authorized_keys_line does not hold ca_public_key");
    try {
      const std::string h =
          check_certificate(in.server_cert, d.server_pub, 2, in.target, clock, ca);
      p.require(h.empty(), "host_certificate: " + h);
      const std::string u =
          check_certificate(in.client_cert, d.client_pub, 1, in.client_name, clock, ca);
      p.require(u.empty(), "user_certificate: " + u);
    } catch (const std::exception& e) {
      p.require(false, std::string("certificate: ") + e.what());
    }
  } else {
    p.require(kh.find(ssh_key_text(d.server_pub)) != std::string::npos,
              "known_hosts_line does not pin server_public_key");
    p.require(ak.find("principals=\"" + in.client_name + "\" " + ssh_key_text(d.client_pub)) !=
                  std::string::npos,
              "authorized_keys_line does not pin client_public_key for client_name");
  }

  if (mode == R) {
    p.require(v.text("outcome") == "unauthorized", "outcome is not \"unauthorized\"");
    p.same("alert_record", bytes{0x15, 0x00, 0x01, 0x03}, "spec (§9.2)");
    p.require(v.text("admitted_principal") != in.client_name,
              "admitted_principal must not be client_name");
    return;
  }
  p.same("admission", d.admission, by);
  p.same("msg4", d.msg4, by);
  p.same("h_after_msg4", d.h_after_msg4, by);
  p.same("h_final", d.h_final, by);
  p.same("transport_key_i2r", d.k_i2r, by);
  p.same("transport_key_r2i", d.k_r2i, by);
  p.same("exporter_secret", d.exporter_secret, by);
  p.same("channel_binding", d.channel_binding, by);
  bool has_empty_context = false, has_long = false;
  for (int i = 1; i <= 3; ++i) {
    const std::string n = "exporter_" + std::to_string(i) + "_";
    const bytes ctx = v.hex(n + "context");
    const std::uint64_t len = v.integer(n + "length");
    has_empty_context = has_empty_context || ctx.empty();
    has_long = has_long || len > 64;
    p.require(len >= 1 && len <= 16320, n + "length out of range");
    p.same(n + "output",
           pkspec::exporter(d.exporter_secret, v.text(n + "label"), ctx,
                            static_cast<std::size_t>(len)),
           by);
  }
  p.require(has_empty_context && has_long,
            "the exporter triples need an empty context and a length over 64");
  p.same("record_i2r", pkspec::seal_record(d.k_i2r, 0, v.hex("record_i2r_plaintext"), 1), by);
  p.same("record_r2i", pkspec::seal_record(d.k_r2i, 0, v.hex("record_r2i_plaintext"), 1), by);
  p.same("record_i2r_close", pkspec::seal_record(d.k_i2r, 1, {}, 2), by);
}

// (b) the library with the same inputs.
void check_library(const VectorFile& v, Problems& p) {
  const unsigned mode = mode_of(v.text("vector"));
  LibraryInputs li;
  li.in = inputs_of(v);
  li.known_hosts = v.text("known_hosts_line");
  li.authorized_keys = v.text("authorized_keys_line");
  if (mode == C) li.clock = v.integer("clock");
  if (mode == R) li.admitted = v.text("admitted_principal");
  if (mode != R) {
    for (int i = 1; i <= 3; ++i) {
      const std::string n = "exporter_" + std::to_string(i) + "_";
      li.exporters.push_back({v.text(n + "label"), v.hex(n + "context"),
                              static_cast<std::size_t>(v.integer(n + "length"))});
    }
    li.i2r_plaintext = v.hex("record_i2r_plaintext");
    li.r2i_plaintext = v.hex("record_r2i_plaintext");
  }
  const LibraryOutputs lib = run_library(li);
  const char* by = "library";
  p.same("msg1", lib.msg1, by);
  p.same("msg2", lib.msg2, by);
  p.same("msg3", lib.msg3, by);
  if (mode == R) {
    p.same("alert_record", lib.alert_record, by);
    return;
  }
  p.same("msg4", lib.msg4, by);
  p.same("channel_binding", lib.channel_binding, by);
  for (int i = 1; i <= 3; ++i)
    p.same("exporter_" + std::to_string(i) + "_output",
           lib.exporter_outputs[static_cast<std::size_t>(i - 1)], by);
  p.same("record_i2r", lib.record_i2r, by);
  p.same("record_r2i", lib.record_r2i, by);
  p.same("record_i2r_close", lib.record_i2r_close, by);
}

std::vector<std::string> problems_of(const VectorFile& v) {
  Problems p{{}, v};
  try {
    check_model(v, p);
  } catch (const std::exception& e) {
    p.list.push_back(std::string("spec model: ") + e.what());
  }
  try {
    check_library(v, p);
  } catch (const std::exception& e) {
    p.list.push_back(std::string("library: ") + e.what());
  }
  return p.list;
}

VectorFile load(const std::string& name) {
  const std::string path = vector_path(name);
  INFO(path);
  std::string text;
  REQUIRE_NOTHROW(text = read_file(path));
  VectorFile v;
  REQUIRE_NOTHROW(v = parse(text));  // every field of the mode present, in order, once, well-formed
  REQUIRE(v.text("vector") == name);
  for (const field& f : fields())
    if (f.modes & mode_of(name)) REQUIRE(v.has(f.name));
  // The header comment describes every field.
  for (const field& f : fields())
    if (f.modes & mode_of(name))
      CHECK(text.find("#   " + std::string(f.name) + " (") != std::string::npos);
  return v;
}

void check_file(const std::string& name) {
  const VectorFile v = load(name);
  const auto problems = problems_of(v);
  for (const std::string& s : problems) UNSCOPED_INFO(s);
  CHECK(problems.empty());
}

}  // namespace

TEST_CASE("pk vectors: pinned.txt (raw keys, channel binding)", "[pk][vectors]") {
  check_file("pinned");
}
TEST_CASE("pk vectors: ca.txt (OpenSSH certificates, fixed clock)", "[pk][vectors]") {
  check_file("ca");
}
TEST_CASE("pk vectors: refused.txt (verified, then refused: alert 3)", "[pk][vectors]") {
  check_file("refused");
}

TEST_CASE("pk vectors: the check notices a change in any field", "[pk][vectors]") {
  for (const char* name : {"pinned", "ca", "refused"}) {
    const VectorFile v = load(name);
    for (const std::string& f : v.order) {
      if (f == "vector") continue;
      VectorFile w = v;
      std::string& s = w.values[f];
      const field* meta = nullptr;
      for (const field& x : fields())
        if (f == x.name) meta = &x;
      REQUIRE(meta != nullptr);
      // Two inputs matter only by range: any clock inside both validity windows and any
      // admitted principal other than client_name give the same vector. Move them out of it.
      if (f == "clock") s = "1";
      else if (f == "admitted_principal") s = v.text("client_name");
      else if (meta->type == kind::hex)
        s = s.empty() ? "00" : std::string(1, s[0] == '0' ? '1' : '0') + s.substr(1);
      else if (meta->type == kind::integer) s = std::to_string(std::stoull(s) + 1);
      else s = s.empty() ? "x" : (s[0] == 'X' ? "Y" : "X") + s.substr(1);
      INFO(name << ".txt, field " << f << " changed to " << s);
      CHECK_FALSE(problems_of(w).empty());
    }
  }
}
