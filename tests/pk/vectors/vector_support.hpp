// TEST ONLY: the mutauth-pk/1 vector files (docs/protocol/mutauth-pk.md §18): their fields in
// order, a strict reader and writer, and a run of the LIBRARY (Initiator/Acceptor/Session with
// fixed ephemerals) over a vector's inputs. Shared by make_pk_vectors.cpp and test_pk_vectors.cpp.
// Needs MUTAUTH_TESTING_ONLY_HOOKS. Failures throw std::runtime_error.
#pragma once

#ifndef MUTAUTH_TESTING_ONLY_HOOKS
#error "the pk vectors need MUTAUTH_TESTING_ONLY_HOOKS (see tests/pk/vectors.cmake)"
#endif

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sodium.h>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "spec_model.hpp"
#include "support/hex.hpp"

namespace mutauth::testing::pkvec {

using bytes = std::vector<std::uint8_t>;
using PK = pk::PublicKey;

enum class kind { hex, text, integer };
enum mode_bit : unsigned { P = 1, C = 2, R = 4 };  // pinned.txt, ca.txt, refused.txt

struct field {
  const char* name;
  kind type;
  unsigned modes;
  const char* meaning;
};

inline constexpr unsigned PCR = P | C | R, PC = P | C;

// The fields of the vector files, in file order. A file holds exactly the fields of its mode.
inline const std::vector<field>& fields() {
  static const std::vector<field> f = {
      {"vector", kind::text, PCR, "which vector: \"pinned\", \"ca\" or \"refused\""},
      // ---- inputs ----
      {"client_identity_seed", kind::hex, PCR,
       "32-byte Ed25519 seed (RFC 8032 §5.1.5) of the client's identity key"},
      {"client_public_key", kind::hex, PCR, "32-byte Ed25519 public key of that seed"},
      {"server_identity_seed", kind::hex, PCR, "32-byte Ed25519 seed of the server's identity key"},
      {"server_public_key", kind::hex, PCR, "32-byte Ed25519 public key of that seed"},
      {"client_ephemeral_private", kind::hex, PCR,
       "32-byte X25519 private key used as e_I (clamped by X25519, §2.4)"},
      {"client_ephemeral_public", kind::hex, PCR, "X25519(client_ephemeral_private, 9) = e_I"},
      {"server_ephemeral_private", kind::hex, PCR, "32-byte X25519 private key used as e_R"},
      {"server_ephemeral_public", kind::hex, PCR, "X25519(server_ephemeral_private, 9) = e_R"},
      {"channel_binding_input", kind::hex, PCR,
       "cb of the prologue (§3.3), 0..128 bytes, the same on both sides; may be empty"},
      {"target", kind::text, PCR,
       "the service principal the client asks for and the server proves (§10.1)"},
      {"client_name", kind::text, PCR, "the client principal the client asserts (§10.2)"},
      {"known_hosts_line", kind::text, PCR, "the client's whole trust (§12 known_hosts subset)"},
      {"authorized_keys_line", kind::text, PCR,
       "the server's whole trust (§12 authorized_keys subset)"},
      {"ca_public_key", kind::hex, C,
       "32-byte Ed25519 key of the CA that signed both certificates (the key of both trust lines)"},
      {"host_certificate", kind::hex, C,
       "the server's ssh-ed25519-cert-v01@openssh.com blob (§11), made by ssh-keygen -s -h; "
       "credential type 2 of proof_server"},
      {"user_certificate", kind::hex, C,
       "the client's user certificate blob (§11), made by ssh-keygen -s; credential type 2 of "
       "proof_client"},
      {"clock", kind::integer, C,
       "decimal seconds since 1970-01-01 UTC: 'now' of both verifiers (§11.5, skew 300)"},
      {"admitted_principal", kind::text, R,
       "the server's authorization policy admits only this principal (not client_name)"},
      // ---- handshake (§4.6) ----
      {"prologue", kind::hex, PCR, "\"mutauth-pk\" | 01 | u8 len(cb) | cb (§3.3)"},
      {"h_initial", kind::hex, PCR,
       "h0 = \"Noise_NN_25519_ChaChaPoly_BLAKE2b\" | 31 zero bytes (also ck0)"},
      {"h_after_prologue", kind::hex, PCR, "h1 = HASH(h0 | prologue)"},
      {"msg1", kind::hex, PCR, "message 1 with its 2-byte header: 01 01 | e_I (34 bytes)"},
      {"h_after_msg1", kind::hex, PCR,
       "h3 = HASH(HASH(h1 | e_I)) (the second hash is MixHash(empty))"},
      {"dh_ee", kind::hex, PCR, "DH_ee = X25519(e_R.priv, e_I) = X25519(e_I.priv, e_R)"},
      {"ck_after_ee", kind::hex, PCR, "ck1, first output of HKDF(ck0, dh_ee, 2)"},
      {"k_handshake", kind::hex, PCR,
       "first 32 bytes of the second output of HKDF(ck0, dh_ee, 2): encrypts messages 2, 3, 4 with "
       "n = 0, 1, 2"},
      {"h_server_signs", kind::hex, PCR,
       "h_R = h4 = HASH(h3 | e_R): the h in the server's signed_data and the AD of c2"},
      {"proof_server", kind::hex, PCR, "plaintext of c2: the server's identity proof (§5.1)"},
      {"msg2", kind::hex, PCR, "message 2: 01 02 | e_R | c2"},
      {"h_after_msg2", kind::hex, PCR,
       "h5 = HASH(h4 | c2) = h_I: the h in the client's signed_data and the AD of c3"},
      {"proof_client", kind::hex, PCR, "plaintext of c3: the client's identity proof"},
      {"msg3", kind::hex, PCR, "message 3: 01 03 | c3"},
      {"h_after_msg3", kind::hex, PCR, "h6 = HASH(h5 | c3): the AD of c4"},
      {"admission", kind::hex, PC, "plaintext of c4: 01 | u16 len(client_name) | client_name (§6)"},
      {"msg4", kind::hex, PC, "message 4: 01 04 | c4"},
      {"h_after_msg4", kind::hex, PC, "h7 = HASH(h6 | c4)"},
      // ---- key schedule (§7) ----
      {"h_final", kind::hex, PC, "h_final = h7, the ikm of the split"},
      {"transport_key_i2r", kind::hex, PC,
       "k_IR = first 32 bytes of out1 of HKDF(ck1, h_final, 3)"},
      {"transport_key_r2i", kind::hex, PC, "k_RI = first 32 bytes of out2"},
      {"exporter_secret", kind::hex, PC, "xs = out3 (64 bytes)"},
      {"channel_binding", kind::hex, PC,
       "Session::channel_binding() on both sides = h_final (public)"},
      // ---- exporter (§7.2) ----
      {"exporter_1_label", kind::text, PC, "exporter label (1..255 bytes)"},
      {"exporter_1_context", kind::hex, PC, "exporter context; empty = no context"},
      {"exporter_1_length", kind::integer, PC, "decimal output length L"},
      {"exporter_1_output", kind::hex, PC, "Exporter(label, context, L) on both sides"},
      {"exporter_2_label", kind::text, PC, "as exporter_1"},
      {"exporter_2_context", kind::hex, PC, "as exporter_1"},
      {"exporter_2_length", kind::integer, PC, "as exporter_1"},
      {"exporter_2_output", kind::hex, PC, "as exporter_1"},
      {"exporter_3_label", kind::text, PC, "as exporter_1"},
      {"exporter_3_context", kind::hex, PC, "as exporter_1"},
      {"exporter_3_length", kind::integer, PC, "as exporter_1 (more than 64: two HMAC blocks)"},
      {"exporter_3_output", kind::hex, PC, "as exporter_1"},
      // ---- stream records (§8.1) ----
      {"record_i2r_plaintext", kind::hex, PC, "content of the client's first data record"},
      {"record_i2r", kind::hex, PC,
       "ENCRYPT(k_IR, 0, empty, content | 01): the client's first sealed record"},
      {"record_r2i_plaintext", kind::hex, PC,
       "content of the server's first data record (ends in zero bytes on purpose)"},
      {"record_r2i", kind::hex, PC,
       "ENCRYPT(k_RI, 0, empty, content | 01): the server's first sealed record"},
      {"record_i2r_close", kind::hex, PC,
       "ENCRYPT(k_IR, 1, empty, 02): the client's sealed close, its second record"},
      // ---- refusal (§9.2, §16.2) ----
      {"outcome", kind::text, R,
       "\"unauthorized\": the server verifies proof_client, its policy refuses client_name, it "
       "sends no message 4 and the client ends with errc::unauthorized"},
      {"alert_record", kind::hex, R,
       "the framed clear alert (§9.1) the server sends instead of message 4"},
  };
  return f;
}

inline unsigned mode_of(std::string_view v) {
  if (v == "pinned") return P;
  if (v == "ca") return C;
  if (v == "refused") return R;
  throw std::runtime_error("unknown vector kind: " + std::string(v));
}

/// A parsed vector file: name -> raw value (hex digits, text without quotes, decimal digits).
struct VectorFile {
  std::map<std::string, std::string> values;
  std::vector<std::string> order;

  bool has(const std::string& n) const { return values.count(n) != 0; }
  const std::string& raw(const std::string& n) const {
    auto it = values.find(n);
    if (it == values.end()) throw std::runtime_error("vector field missing: " + n);
    return it->second;
  }
  bytes hex(const std::string& n) const { return unhex(raw(n)); }
  std::string text(const std::string& n) const { return raw(n); }
  std::uint64_t integer(const std::string& n) const {
    const std::string& s = raw(n);
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      throw std::runtime_error("not a decimal integer: " + n);
    return std::stoull(s);
  }
};

inline std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

/// Strict reader: '#' comment lines and blank lines are skipped; every other line is
/// `name = value`. Refuses unknown names, duplicates, a value of the wrong kind, and a file that
/// does not hold exactly its mode's fields in the order of fields().
inline VectorFile parse(const std::string& text) {
  VectorFile v;
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) throw std::runtime_error("line " + std::to_string(n) + ": no '='");
    const std::string name = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 1));
    const field* f = nullptr;
    for (const field& x : fields())
      if (name == x.name) f = &x;
    if (f == nullptr)
      throw std::runtime_error("line " + std::to_string(n) + ": unknown field " + name);
    if (v.has(name))
      throw std::runtime_error("line " + std::to_string(n) + ": duplicate field " + name);
    if (f->type == kind::text) {
      if (value.size() < 2 || value.front() != '"' || value.back() != '"')
        throw std::runtime_error("line " + std::to_string(n) + ": " + name +
                                 " is not a quoted text");
      value = value.substr(1, value.size() - 2);
    } else if (f->type == kind::hex) {
      if (value.size() % 2 != 0 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw std::runtime_error("line " + std::to_string(n) + ": " + name +
                                 " is not lower-case hex");
    } else if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error("line " + std::to_string(n) + ": " + name +
                               " is not a decimal integer");
    }
    v.values[name] = value;
    v.order.push_back(name);
  }
  const unsigned m = mode_of(v.text("vector"));
  std::vector<std::string> expected;
  for (const field& f : fields())
    if (f.modes & m) expected.push_back(f.name);
  for (const std::string& e : expected)
    if (!v.has(e)) throw std::runtime_error("vector field missing: " + e);
  if (v.order != expected)
    throw std::runtime_error("vector fields not in the order of §18.1 (or extra fields)");
  return v;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// ---- OpenSSH text for trust lines (§12) ----
inline bytes ssh_key_blob(const bytes& key32) {
  return pkspec::cat({bytes{0, 0, 0, 11}, pkspec::text("ssh-ed25519"), bytes{0, 0, 0, 32}, key32});
}
inline std::string base64(const bytes& b) {
  std::string s(sodium_base64_ENCODED_LEN(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(s.data(), s.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  s.resize(std::strlen(s.c_str()));
  return s;
}
inline std::string ssh_key_text(const bytes& key32) {
  return "ssh-ed25519 " + base64(ssh_key_blob(key32));
}

// ---- the library run ----

struct Exporter {
  std::string label;
  bytes context;
  std::size_t length = 0;
};

struct LibraryInputs {
  pkspec::Inputs in;
  std::string known_hosts, authorized_keys;
  std::uint64_t clock = 0;  // 0: no clock injected (pinned keys do not need one)
  std::string admitted;     // refused vectors: the only principal admitted
  std::vector<Exporter> exporters;
  bytes i2r_plaintext, r2i_plaintext;
};

struct LibraryOutputs {
  bytes msg1, msg2, msg3, msg4;
  bytes channel_binding;                // equal on both sides (checked)
  std::vector<bytes> exporter_outputs;  // equal on both sides (checked)
  bytes record_i2r, record_r2i, record_i2r_close;
  bytes alert_record;  // refused: what the server sends instead of message 4
};

namespace detail {
inline std::uint64_t g_clock = 0;
inline std::uint64_t vector_clock() noexcept { return g_clock; }
inline std::string g_admitted;
inline bool vector_policy(const Principal& who) noexcept {
  return g_admitted.empty() || who.name.view() == g_admitted;
}
inline void need(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("library run: " + what);
}
struct FixedClient : Initiator<PK> {
  using Initiator<PK>::Initiator;
  void fix(const bytes& e) {
    need(e.size() == 32, "ephemeral is not 32 bytes");
    need(static_cast<bool>(this->mech_.set_fixed_ephemeral_for_testing_only(
             std::span<const std::uint8_t, 32>(e.data(), 32))),
         "client: set_fixed_ephemeral_for_testing_only failed");
  }
};
struct FixedServer : Acceptor<PK> {
  using Acceptor<PK>::Acceptor;
  void fix(const bytes& e) {
    need(e.size() == 32, "ephemeral is not 32 bytes");
    need(static_cast<bool>(this->mech_.set_fixed_ephemeral_for_testing_only(
             std::span<const std::uint8_t, 32>(e.data(), 32))),
         "server: set_fixed_ephemeral_for_testing_only failed");
  }
};
inline pk::Ed25519SecretKey key_from_seed(const bytes& seed) {
  need(seed.size() == 32, "seed is not 32 bytes");
  auto k = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed.data(), 32));
  need(static_cast<bool>(k), "from_seed failed");
  return std::move(*k);
}
inline std::string err(const error& e) {
  return std::string(e.detail()) + " (code " + std::to_string(static_cast<int>(e.code())) + ")";
}
}  // namespace detail

/// Runs Initiator/Acceptor<pk::PublicKey> with the vector's keys, ephemerals, channel binding,
/// trust lines and clock, relays the messages, and for an admitted client seals the first
/// records each way and the client's close on the library's Sessions.
inline LibraryOutputs run_library(const LibraryInputs& li) {
  using detail::need;
  LibraryOutputs out;
  const auto client_key = detail::key_from_seed(li.in.client_seed);
  const auto server_key = detail::key_from_seed(li.in.server_seed);
  pk::KnownHosts<> kh;
  pk::AuthorizedKeys<> ak;
  auto khr = kh.parse(li.known_hosts);
  need(static_cast<bool>(khr),
       "known_hosts_line does not parse: " + (khr ? "" : detail::err(khr.error_value())));
  auto akr = ak.parse(li.authorized_keys);
  need(static_cast<bool>(akr),
       "authorized_keys_line does not parse: " + (akr ? "" : detail::err(akr.error_value())));
  detail::g_clock = li.clock;
  detail::g_admitted = li.admitted;

  auto target = ServicePrincipal::parse(li.in.target);
  need(static_cast<bool>(target), "target does not parse");
  pk::InitiatorConfig ic;
  ic.identity = {&client_key, li.in.client_name, li.in.client_cert};
  ic.trust = kh.trust();
  ic.channel_binding = li.in.cb;
  pk::AcceptorConfig ac{.identity = {&server_key, {}, li.in.server_cert},
                        .service = *target,
                        .trust = ak.trust(),
                        .channel_binding = li.in.cb};
  if (li.clock != 0) {
    ic.trust.now = detail::vector_clock;
    ac.trust.now = detail::vector_clock;
  }

  detail::FixedClient client(*target, ic);
  detail::FixedServer server(ac, Authorizer(detail::vector_policy));
  client.fix(li.in.client_eph);
  server.fix(li.in.server_eph);

  auto tok = [](const step_result& r) { return bytes(r.token.begin(), r.token.end()); };
  auto r1 = client.step();
  need(r1.st == status::send, "client message 1: " + detail::err(client.last_error()));
  out.msg1 = tok(r1);
  auto r2 = server.step(out.msg1);
  need(r2.st == status::send, "server message 2: " + detail::err(server.last_error()));
  out.msg2 = tok(r2);
  auto r3 = client.step(out.msg2);
  need(r3.st == status::send, "client message 3: " + detail::err(client.last_error()));
  out.msg3 = tok(r3);
  auto r4 = server.step(out.msg3);

  if (!li.admitted.empty() && li.admitted != li.in.client_name) {
    need(r4.st == status::failed && r4.code == errc::unauthorized && r4.token.empty(),
         "the server should refuse the client with errc::unauthorized and no message 4");
    std::array<std::uint8_t, 8> rec{};
    const std::uint8_t reason = static_cast<std::uint8_t>(alert_reason::unauthorized);
    auto n = encode_record(record_type::alert, bytes_view(&reason, 1), rec);
    need(static_cast<bool>(n), "encode_record");
    out.alert_record.assign(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(*n));
    auto ra = feed_record(client, record{record_type::alert, bytes_view(rec.data() + 3, 1)});
    need(ra.st == status::failed && ra.code == errc::unauthorized,
         "the client should end with errc::unauthorized");
    need(!std::move(client).finish().has_value(), "a refused client must not get a session");
    return out;
  }

  need(r4.st == status::done && !r4.token.empty(),
       "server message 4: " + detail::err(server.last_error()));
  out.msg4 = tok(r4);
  auto r5 = client.step(out.msg4);
  need(r5.st == status::done && r5.token.empty(),
       "client on message 4: " + detail::err(client.last_error()));
  auto cs = std::move(client).finish();
  auto ss = std::move(server).finish();
  need(cs.has_value() && ss.has_value(), "finish()");

  const bytes cb_c(cs->channel_binding().begin(), cs->channel_binding().end());
  const bytes cb_s(ss->channel_binding().begin(), ss->channel_binding().end());
  need(cb_c == cb_s, "channel_binding() differs between the sides");
  out.channel_binding = cb_c;

  for (const Exporter& e : li.exporters) {
    bytes a(e.length), b(e.length);
    need(static_cast<bool>(cs->export_keying_material(e.label, e.context, a)), "client exporter");
    need(static_cast<bool>(ss->export_keying_material(e.label, e.context, b)), "server exporter");
    need(a == b, "exporter outputs differ between the sides");
    out.exporter_outputs.push_back(a);
  }

  using S = Session<PK>;
  bytes buf(li.i2r_plaintext.size() + S::seal_overhead);
  auto n = cs->seal(li.i2r_plaintext, buf);
  need(static_cast<bool>(n), "client seal");
  out.record_i2r.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  bytes plain(out.record_i2r.size());
  auto got = ss->open(out.record_i2r, plain);
  need(got && got->type == content_type::data &&
           bytes(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(got->size)) ==
               li.i2r_plaintext,
       "server open of the client's record");

  buf.assign(li.r2i_plaintext.size() + S::seal_overhead, 0);
  n = ss->seal(li.r2i_plaintext, buf);
  need(static_cast<bool>(n), "server seal");
  out.record_r2i.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  plain.assign(out.record_r2i.size(), 0);
  got = cs->open(out.record_r2i, plain);
  need(got && got->type == content_type::data &&
           bytes(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(got->size)) ==
               li.r2i_plaintext,
       "client open of the server's record");

  buf.assign(S::seal_overhead, 0);
  n = cs->close(buf);
  need(static_cast<bool>(n), "client close");
  out.record_i2r_close.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  plain.assign(out.record_i2r_close.size(), 0);
  got = ss->open(out.record_i2r_close, plain);
  need(got && got->type == content_type::close && ss->peer_closed(),
       "server open of the client's close");
  return out;
}

}  // namespace mutauth::testing::pkvec
