// Self-wiping members (include/mutauth/detail/secret.hpp) and the secret-holding types built on
// them: the bytes of a moved-from object and of a destroyed one hold no trace of the secret
// (docs/design.md, G5). Each object lives in a byte buffer of its own, so that the buffer can be
// read after the move and after the destructor ran.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sodium.h>

#include "mutauth/detail/secret.hpp"
#ifdef MUTAUTH_TEST_WITH_KRB5
#include "mutauth/mech/krb5/krb5.hpp"
#endif
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/session_keys.hpp"
#include "mutauth/noise/handshake_state.hpp"

namespace {

using mutauth::bytes_view;
using bytes = std::vector<std::uint8_t>;
namespace noise = mutauth::noise;
namespace pk = mutauth::pk;
namespace md = mutauth::detail;

// Storage for one T whose bytes stay readable after T is moved from or destroyed.
template <class T>
struct Slot {
  alignas(T) std::array<unsigned char, sizeof(T)> raw{};
  T* obj = nullptr;

  template <class... A>
  T& make(A&&... a) {
    obj = ::new (static_cast<void*>(raw.data())) T(std::forward<A>(a)...);
    return *obj;
  }
  void destroy() {
    obj->~T();
    obj = nullptr;
  }
  ~Slot() {
    if (obj != nullptr) obj->~T();
  }
  Slot() = default;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // True if any 8 consecutive bytes of `secret` stand anywhere in the storage.
  [[nodiscard]] bool holds(bytes_view secret) const {
    for (std::size_t at = 0; at + 8 <= secret.size(); ++at)
      for (std::size_t i = 0; i + 8 <= raw.size(); ++i)
        if (std::equal(secret.begin() + static_cast<std::ptrdiff_t>(at),
                       secret.begin() + static_cast<std::ptrdiff_t>(at + 8), raw.begin() + i))
          return true;
    return false;
  }
  [[nodiscard]] bool all_zero() const {
    for (unsigned char c : raw)
      if (c != 0) return false;
    return true;
  }
};

// Distinct non-zero bytes, so that a window of them cannot be found by chance.
template <std::size_t N>
std::array<std::uint8_t, N> pattern(std::uint8_t start) {
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = static_cast<std::uint8_t>(start + 3 * i + 1);
  return a;
}

}  // namespace

TEST_CASE("Secret and WipedArray are zero when moved from and when destroyed", "[pk][secret]") {
  const auto key = pattern<32>(7);
  Slot<md::WipedArray<32>> a;
  a.make() = key;
  REQUIRE(a.holds(key));
  md::WipedArray<32> b(std::move(*a.obj));
  CHECK(b == key);
  CHECK(a.all_zero());  // moved from
  Slot<md::WipedArray<32>> c;
  c.make(std::move(b));
  CHECK(c.holds(key));
  c.destroy();
  CHECK(c.all_zero());  // destroyed

  struct Plain {
    std::array<std::uint8_t, 16> k;
    std::uint64_t n;
  };
  Plain v{};
  for (std::size_t i = 0; i < 16; ++i) v.k[i] = key[i];
  v.n = 0x0102030405060708u;
  Slot<md::Secret<Plain>> s;
  s.make(v);
  REQUIRE(s.holds(bytes_view(key).first(16)));
  md::Secret<Plain> t(std::move(*s.obj));
  CHECK(t->n == v.n);
  CHECK(s.all_zero());
  Slot<md::Secret<Plain>> u;
  u.make(std::move(t));
  u.destroy();
  CHECK(u.all_zero());

  // Assignment moves too: the source is wiped, the target holds the value.
  md::Secret<std::uint64_t> x(5), y;
  y = std::move(x);
  CHECK(y == 5u);
  CHECK(x == 0u);  // NOLINT(bugprone-use-after-move): the wipe is the point
}

TEST_CASE("the seven secret-holding types move by default and wipe", "[pk][secret]") {
  REQUIRE(sodium_init() >= 0);
  static_assert(std::is_nothrow_move_constructible_v<noise::CipherState> &&
                std::is_nothrow_move_assignable_v<noise::CipherState> &&
                !std::is_copy_constructible_v<noise::CipherState>);
  static_assert(std::is_nothrow_move_constructible_v<noise::SymmetricState> &&
                !std::is_copy_assignable_v<noise::SymmetricState>);
  static_assert(std::is_nothrow_move_constructible_v<noise::HandshakeState> &&
                !std::is_copy_constructible_v<noise::HandshakeState>);
  static_assert(std::is_nothrow_move_constructible_v<noise::KeyPair> &&
                !std::is_copy_constructible_v<noise::KeyPair>);
  static_assert(std::is_nothrow_move_constructible_v<pk::Ed25519SecretKey> &&
                !std::is_copy_constructible_v<pk::Ed25519SecretKey>);
  static_assert(std::is_nothrow_move_constructible_v<pk::SessionKeys> &&
                !std::is_copy_constructible_v<pk::SessionKeys>);
#ifdef MUTAUTH_TEST_WITH_KRB5
  // Its GSS context is released by its owner (the tests in tests/krb5 move live sessions).
  static_assert(std::is_nothrow_move_constructible_v<mutauth::krb5::SessionKeys> &&
                std::is_nothrow_move_assignable_v<mutauth::krb5::SessionKeys> &&
                !std::is_copy_constructible_v<mutauth::krb5::SessionKeys>);
#endif

  SECTION("CipherState") {
    const auto key = pattern<32>(11);
    Slot<noise::CipherState> a;
    a.make(key).set_nonce(9);
    REQUIRE(a.holds(key));
    noise::CipherState b(std::move(*a.obj));
    CHECK(b.has_key());
    CHECK(b.nonce() == 9);
    CHECK_FALSE(a.holds(key));
    CHECK_FALSE(a.obj->has_key());
    CHECK(a.obj->nonce() == 0);
    Slot<noise::CipherState> c;
    c.make() = std::move(b);
    CHECK(c.holds(key));
    c.destroy();
    CHECK_FALSE(c.holds(key));
  }
  SECTION("KeyPair") {
    const auto sk = pattern<32>(13);
    Slot<noise::KeyPair> a;
    noise::KeyPair& kp = a.make();
    for (std::size_t i = 0; i < 32; ++i) kp.secret[i] = sk[i];
    REQUIRE(kp.derive_public());
    const noise::dh_bytes pub = kp.public_key;
    noise::KeyPair b(std::move(kp));
    CHECK(b.present);
    CHECK(b.public_key == pub);
    CHECK(a.all_zero());
    Slot<noise::KeyPair> c;
    c.make(std::move(b));
    CHECK(c.holds(sk));
    c.destroy();
    CHECK(c.all_zero());
  }
  SECTION("SymmetricState") {
    // After InitializeSymmetric, ck is h: the zero-padded protocol name (Noise §5.2).
    const std::string_view name = noise::HandshakeState::protocol_name;
    const bytes ck(name.begin(), name.end());
    Slot<noise::SymmetricState> a;
    a.make(name).mix_hash(bytes_view(ck));
    const bytes h(a.obj->handshake_hash().begin(), a.obj->handshake_hash().end());
    REQUIRE(a.holds(ck));
    REQUIRE(a.holds(h));
    noise::SymmetricState b(std::move(*a.obj));
    CHECK(bytes(b.handshake_hash().begin(), b.handshake_hash().end()) == h);
    CHECK_FALSE(a.holds(ck));
    CHECK_FALSE(a.holds(h));
    Slot<noise::SymmetricState> c;
    c.make(std::move(b));
    REQUIRE(c.holds(h));
    c.destroy();
    CHECK_FALSE(c.holds(ck));
    CHECK_FALSE(c.holds(h));
  }
  SECTION("HandshakeState") {
    const auto e = pattern<32>(17);
    Slot<noise::HandshakeState> a;
    {
      auto made = noise::HandshakeState::create(noise::Role::initiator, {});
      REQUIRE(made);
      a.make(std::move(made).value());
    }
    REQUIRE(a.obj->set_fixed_ephemeral_for_testing_only(e));
    std::array<std::uint8_t, 64> msg{};
    REQUIRE(a.obj->write_message({}, msg));
    REQUIRE(a.holds(e));
    noise::HandshakeState b(std::move(*a.obj));
    CHECK(b.is_read_turn());
    CHECK_FALSE(a.holds(e));
    CHECK(a.obj->failed());  // a moved-from handshake is dead and says why
    CHECK(a.obj->failure().code() == mutauth::errc::wrong_state);
    CHECK(a.obj->failure().detail() == "Noise HandshakeState was moved from");
    Slot<noise::HandshakeState> c;
    c.make(std::move(b));
    CHECK(c.holds(e));
    c.destroy();
    CHECK_FALSE(c.holds(e));
  }
  SECTION("Ed25519SecretKey") {
    const auto seed = pattern<32>(19);
    Slot<pk::Ed25519SecretKey> a;
    {
      auto made = pk::Ed25519SecretKey::from_seed(seed, "alice@example");
      REQUIRE(made);
      a.make(std::move(made).value());
    }
    const auto pub = a.obj->public_key().bytes;
    const std::string_view comment = "alice@example";
    const bytes comment_bytes(comment.begin(), comment.end());
    for (bytes_view s : {bytes_view(seed), bytes_view(pub), bytes_view(comment_bytes)})
      REQUIRE(a.holds(s));
    pk::Ed25519SecretKey b(std::move(*a.obj));
    CHECK(b.valid());
    CHECK(b.comment() == comment);
    CHECK_FALSE(a.obj->valid());
    CHECK(a.obj->comment().empty());
    for (bytes_view s : {bytes_view(seed), bytes_view(pub), bytes_view(comment_bytes)})
      CHECK_FALSE(a.holds(s));
    Slot<pk::Ed25519SecretKey> c;
    c.make(std::move(b));
    REQUIRE(c.holds(seed));
    c.destroy();
    for (bytes_view s : {bytes_view(seed), bytes_view(pub), bytes_view(comment_bytes)})
      CHECK_FALSE(c.holds(s));
  }
  SECTION("pk::SessionKeys") {
    const auto send = pattern<32>(23), recv = pattern<32>(29);
    const auto exporter = pattern<64>(31), h = pattern<64>(37);
    Slot<pk::SessionKeys> a;
    a.make(noise::CipherState(send), noise::CipherState(recv), bytes_view(exporter), bytes_view(h));
    for (bytes_view s : {bytes_view(send), bytes_view(recv), bytes_view(exporter), bytes_view(h)})
      REQUIRE(a.holds(s));
    pk::SessionKeys b(std::move(*a.obj));
    CHECK(b.channel_binding().size() == h.size());
    CHECK(a.obj->channel_binding().empty());  // dead
    for (bytes_view s : {bytes_view(send), bytes_view(recv), bytes_view(exporter), bytes_view(h)})
      CHECK_FALSE(a.holds(s));
    Slot<pk::SessionKeys> c;
    c.make() = std::move(b);
    REQUIRE(c.holds(exporter));
    c.destroy();
    for (bytes_view s : {bytes_view(send), bytes_view(recv), bytes_view(exporter), bytes_view(h)})
      CHECK_FALSE(c.holds(s));
  }
}
