// Replays the public Noise test vectors for Noise_NN_25519_ChaChaPoly_BLAKE2b from three
// independent implementations (cacophony, snow, noise-c; see ../shared/vectors/noise/README.md)
// through our HandshakeState and the Split() CipherStates, byte for byte.
// Built with MUTAUTH_TESTING_ONLY_HOOKS: the vectors fix the ephemeral keys and put a payload in
// message 1.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sodium.h>

#include "mutauth/noise/handshake_state.hpp"
#include "support/hex.hpp"

namespace noise = mutauth::noise;
using bytes = std::vector<std::uint8_t>;
using mutauth::testing::hex;
using mutauth::testing::unhex;

namespace {

// --- a minimal JSON reader: objects, arrays, strings, and literals/numbers kept as raw text ---
struct Json {
  enum class Kind { null, literal, string, array, object } kind = Kind::null;
  std::string text;  // string value, or the raw literal/number
  std::vector<Json> items;        // array elements, or object member values
  std::vector<std::string> keys;  // object member names, parallel to `items`
  // (std::vector<Json> of the incomplete Json is allowed since C++17; std::pair<.., Json> is not.)

  const Json* find(const std::string& key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}

  Json parse_document() {
    Json v = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("JSON: " + why + " at offset " + std::to_string(pos_));
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  Json parse_value(int depth) {
    if (depth > 64) fail("nesting too deep");
    Json v;
    const char c = peek();
    if (c == '{') {
      v.kind = Json::Kind::object;
      ++pos_;
      if (peek() == '}') {
        ++pos_;
        return v;
      }
      for (;;) {
        std::string key = parse_string();
        expect(':');
        v.keys.push_back(std::move(key));
        v.items.push_back(parse_value(depth + 1));
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Kind::array;
      ++pos_;
      if (peek() == ']') {
        ++pos_;
        return v;
      }
      for (;;) {
        v.items.push_back(parse_value(depth + 1));
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::Kind::string;
      v.text = parse_string();
      return v;
    }
    // Numbers, true, false, null: kept as raw text (the vectors do not need their values).
    const std::size_t start = pos_;
    while (pos_ < s_.size() && std::string("+-.0123456789eEtrufalsn").find(s_[pos_]) != std::string::npos)
      ++pos_;
    if (pos_ == start) fail("unexpected character");
    v.kind = Json::Kind::literal;
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {  // only ASCII escapes are expected in these files
          if (pos_ + 4 > s_.size()) fail("short \\u escape");
          unsigned cp = std::stoul(s_.substr(pos_, 4), nullptr, 16);
          pos_ += 4;
          if (cp > 0x7f) fail("non-ASCII \\u escape");
          out.push_back(static_cast<char>(cp));
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  const std::string& s_;
  std::size_t pos_ = 0;
};

// The hooks this file relies on exist here (MUTAUTH_TESTING_ONLY_HOOKS is defined for this
// target); test_noise_unit.cpp asserts the same concepts are false in a build without it.
template <class H>
concept has_fixed_ephemeral_hook = requires(H& h, std::span<const std::uint8_t, 32> k) {
  h.set_fixed_ephemeral_for_testing_only(k);
};
template <class H>
concept has_first_payload_hook = requires(H& h) { h.allow_first_message_payload_for_testing_only(); };
static_assert(has_fixed_ephemeral_hook<noise::HandshakeState>);
static_assert(has_first_payload_hook<noise::HandshakeState>);

// --- helpers ---

std::string str_field(const Json& obj, const std::string& key) {
  const Json* v = obj.find(key);
  if (!v || v->kind != Json::Kind::string) throw std::runtime_error("missing string field " + key);
  return v->text;
}

constexpr const char* kProtocol = "Noise_NN_25519_ChaChaPoly_BLAKE2b";

struct Vector {
  std::string file;
  bytes init_prologue, init_ephemeral, resp_prologue, resp_ephemeral;
  std::optional<bytes> handshake_hash;
  std::vector<std::pair<bytes, bytes>> messages;  // payload, ciphertext
};

std::vector<Vector> load_nn_vectors(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  JsonParser parser(text);
  Json doc = parser.parse_document();
  const Json* list = doc.find("vectors");
  if (!list || list->kind != Json::Kind::array) throw std::runtime_error("no vectors array");
  std::vector<Vector> found;
  for (const Json& v : list->items) {
    // cacophony and snow name the protocol `protocol_name`, noise-c `name` (README).
    const Json* name = v.find("protocol_name");
    if (!name) name = v.find("name");
    if (!name || name->text != kProtocol) continue;
    Vector vec;
    vec.file = file.filename().string();
    vec.init_prologue = unhex(str_field(v, "init_prologue"));
    vec.resp_prologue = unhex(str_field(v, "resp_prologue"));
    vec.init_ephemeral = unhex(str_field(v, "init_ephemeral"));
    vec.resp_ephemeral = unhex(str_field(v, "resp_ephemeral"));
    if (v.find("handshake_hash")) vec.handshake_hash = unhex(str_field(v, "handshake_hash"));
    const Json* msgs = v.find("messages");
    if (!msgs || msgs->kind != Json::Kind::array) throw std::runtime_error("no messages");
    for (const Json& m : msgs->items)
      vec.messages.emplace_back(unhex(str_field(m, "payload")), unhex(str_field(m, "ciphertext")));
    found.push_back(std::move(vec));
  }
  return found;
}

noise::HandshakeState start(noise::Role role, const bytes& prologue, const bytes& ephemeral) {
  auto r = noise::HandshakeState::create(role, prologue);
  REQUIRE(r.has_value());
  noise::HandshakeState hs = std::move(r).value();
  REQUIRE(ephemeral.size() == 32);
  REQUIRE(hs.set_fixed_ephemeral_for_testing_only(std::span<const std::uint8_t, 32>(ephemeral.data(), 32))
              .has_value());
  hs.allow_first_message_payload_for_testing_only();
  return hs;
}

void replay(const Vector& v) {
  INFO("vector file: " << v.file);
  REQUIRE(v.messages.size() >= 2);
  auto ini = start(noise::Role::initiator, v.init_prologue, v.init_ephemeral);
  auto res = start(noise::Role::responder, v.resp_prologue, v.resp_ephemeral);

  // Handshake: message 1 from the initiator ("-> e"), message 2 from the responder ("<- e, ee").
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("handshake message " << i + 1);
    const auto& [payload, ciphertext] = v.messages[i];
    auto& writer = i == 0 ? ini : res;
    auto& reader = i == 0 ? res : ini;
    bytes out(ciphertext.size() + 64);
    auto w = writer.write_message(payload, out);
    REQUIRE(w.has_value());
    out.resize(*w);
    CHECK(hex(out) == hex(ciphertext));
    bytes pl(ciphertext.size());
    auto r = reader.read_message(ciphertext, pl);
    REQUIRE(r.has_value());
    pl.resize(*r);
    CHECK(hex(pl) == hex(payload));
  }
  REQUIRE(ini.is_complete());
  REQUIRE(res.is_complete());
  CHECK(hex(ini.handshake_hash()) == hex(res.handshake_hash()));
  if (v.handshake_hash) CHECK(hex(ini.handshake_hash()) == hex(*v.handshake_hash));

  auto ti = ini.split();
  auto tr = res.split();
  REQUIRE(ti.has_value());
  REQUIRE(tr.has_value());

  // Transport: messages keep alternating initiator, responder, ... (README).
  for (std::size_t i = 2; i < v.messages.size(); ++i) {
    INFO("transport message " << i + 1);
    const auto& [payload, ciphertext] = v.messages[i];
    const bool from_initiator = i % 2 == 0;
    auto& send = from_initiator ? ti->send : tr->send;
    auto& recv = from_initiator ? tr->recv : ti->recv;
    bytes out(payload.size() + 16);
    auto w = send.encrypt_with_ad({}, payload, out);
    REQUIRE(w.has_value());
    out.resize(*w);
    CHECK(hex(out) == hex(ciphertext));
    bytes pl(ciphertext.size());
    auto r = recv.decrypt_with_ad({}, ciphertext, pl);
    REQUIRE(r.has_value());
    pl.resize(*r);
    CHECK(hex(pl) == hex(payload));
  }
}

}  // namespace

TEST_CASE("JSON reader handles the constructs the vector files use", "[noise][vectors][json]") {
  std::string doc = R"( {"a": ["x", "y\"z"], "b": {"c": []}, "n": -1.5e3, "t": true, "z": null} )";
  Json j = JsonParser(doc).parse_document();
  REQUIRE(j.kind == Json::Kind::object);
  REQUIRE(j.find("a"));
  REQUIRE(j.find("a")->items.size() == 2);
  CHECK(j.find("a")->items[1].text == "y\"z");
  CHECK(j.find("b")->find("c")->kind == Json::Kind::array);
  CHECK(j.find("n")->text == "-1.5e3");
  std::string bad = R"({"a": "x"} extra)";
  CHECK_THROWS(JsonParser(bad).parse_document());
  std::string open = R"({"a": ["x")";
  CHECK_THROWS(JsonParser(open).parse_document());
}

TEST_CASE("Noise_NN_25519_ChaChaPoly_BLAKE2b public test vectors", "[noise][vectors]") {
  const std::filesystem::path dir = std::filesystem::path(MUTAUTH_SHARED_DIR) / "vectors" / "noise";
  if (!std::filesystem::is_directory(dir)) {
    WARN("Noise vector replay skipped: ../shared/vectors/noise not found (looked in " << dir.string()
                                                                                      << ")");
    SUCCEED();
    return;
  }
  std::vector<Vector> all;
  for (const char* f : {"cacophony.json", "snow.json", "noise-c-basic.json"}) {
    INFO("file " << f);
    REQUIRE(std::filesystem::exists(dir / f));
    auto found = load_nn_vectors(dir / f);
    CHECK(found.size() == 1);
    for (auto& v : found) all.push_back(std::move(v));
  }
  REQUIRE(all.size() == 3);
  std::size_t with_hash = 0, transport = 0;
  for (const auto& v : all) {
    replay(v);
    if (v.handshake_hash) ++with_hash;
    transport += v.messages.size() - 2;
  }
  // Guards against silently replaying less than the files hold: cacophony and noise-c give the
  // handshake hash; every file has transport messages.
  CHECK(with_hash >= 2);
  CHECK(transport >= 6);
}
