// Replays the public Noise test vectors for Noise_NN_25519_ChaChaPoly_BLAKE2b from three
// independent implementations (cacophony, snow, noise-c), kept as public test data beside the
// project, through our HandshakeState and the Split() CipherStates (Noise rev 34 §5.3), byte for
// byte.
// Built with MUTAUTH_TESTING_ONLY_HOOKS: the vectors fix the ephemeral keys and put a payload in
// message 1.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sodium.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "mutauth/noise/handshake_state.hpp"
#include "support/hex.hpp"

namespace noise = mutauth::noise;
using bytes = std::vector<std::uint8_t>;
using mutauth::testing::hex;
using mutauth::testing::unhex;

namespace {

// The hooks this file relies on exist here (MUTAUTH_TESTING_ONLY_HOOKS is defined for this
// target); test_noise_unit.cpp asserts the same concepts are false in a build without it.
template <class H>
concept has_fixed_ephemeral_hook = requires(H& h, std::span<const std::uint8_t, 32> k) {
  h.set_fixed_ephemeral_for_testing_only(k);
};
template <class H>
concept has_first_payload_hook = requires(H& h) {
  h.allow_first_message_payload_for_testing_only();
};
static_assert(has_fixed_ephemeral_hook<noise::HandshakeState>);
static_assert(has_first_payload_hook<noise::HandshakeState>);

// --- helpers ---

using nlohmann::json;

// A missing or non-string field is an error in the vector file, never a default (json::at throws
// on a missing key; get<std::string>() on a value of another type).
std::string str_field(const json& obj, const char* key) { return obj.at(key).get<std::string>(); }

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
  const json doc = json::parse(in);  // throws json::parse_error on a malformed file
  const json& list = doc.at("vectors");
  if (!list.is_array()) throw std::runtime_error("no vectors array");
  std::vector<Vector> found;
  for (const json& v : list) {
    // cacophony and snow name the protocol `protocol_name`, noise-c `name`.
    const auto name = v.contains("protocol_name") ? v.find("protocol_name") : v.find("name");
    if (name == v.end() || !name->is_string() || name->get<std::string>() != kProtocol) continue;
    Vector vec;
    vec.file = file.filename().string();
    vec.init_prologue = unhex(str_field(v, "init_prologue"));
    vec.resp_prologue = unhex(str_field(v, "resp_prologue"));
    vec.init_ephemeral = unhex(str_field(v, "init_ephemeral"));
    vec.resp_ephemeral = unhex(str_field(v, "resp_ephemeral"));
    if (v.contains("handshake_hash")) vec.handshake_hash = unhex(str_field(v, "handshake_hash"));
    const json& msgs = v.at("messages");
    if (!msgs.is_array()) throw std::runtime_error("no messages");
    for (const json& m : msgs)
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
  REQUIRE(hs.set_fixed_ephemeral_for_testing_only(
                std::span<const std::uint8_t, 32>(ephemeral.data(), 32))
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

  // Transport: messages keep alternating initiator, responder, ... (the vector format's rule).
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

TEST_CASE("A malformed vector file is refused, not half-read", "[noise][vectors][json]") {
  // One directory per process: the GCC and Clang builds may run this test at the same time.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mutauth_noise_vectors_malformed." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  };
  CHECK_THROWS_AS(load_nn_vectors(write("truncated.json", R"({"vectors": [{"name": ")")),
                  json::parse_error);
  CHECK_THROWS(load_nn_vectors(write("novectors.json", R"({"other": []})")));
  // The protocol we replay, with a field missing: an error, not a vector with an empty prologue.
  CHECK_THROWS(load_nn_vectors(write(
      "nofield.json", std::string(R"({"vectors": [{"protocol_name": ")") + kProtocol + R"("}]})")));
  // Another protocol is skipped, whatever it holds.
  CHECK(load_nn_vectors(
            write("other.json", R"({"vectors": [{"name": "Noise_XX_448_AESGCM_SHA512"}]})"))
            .empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("Noise_NN_25519_ChaChaPoly_BLAKE2b public test vectors", "[noise][vectors]") {
  const std::filesystem::path dir = std::filesystem::path(MUTAUTH_SHARED_DIR) / "vectors" / "noise";
  // The vectors are public test data beside the project (../shared); without them this test
  // fails rather than passing on nothing.
  INFO("vector directory " << dir.string());
  REQUIRE(std::filesystem::is_directory(dir));
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
