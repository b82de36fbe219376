// mutauth — Noise handshake patterns (Noise rev 34 §7) as constexpr token tables, the way
// noise-c and snow describe them: a pattern is a name, the pre-message tokens of each side (§7.1) and the
// list of messages, each a list of tokens (§7.1: "e", "s", "ee", "es", "se", "ss"; §9: "psk").
// Messages alternate between the parties, the initiator first (§7.1).
//
// The tables are data only. HandshakeState (handshake_state.hpp) interprets them and refuses at
// compile time any pattern whose tokens it cannot run (engine_can_run()).
#pragma once

#include <array>             // std::array
#include <cstddef>           // std::size_t
#include <cstdint>           // std::uint8_t
#include <initializer_list>  // std::initializer_list
#include <string_view>       // std::string_view

namespace mutauth {
inline namespace v0 {
namespace noise {

/// The two parties of a handshake (Noise §5.3: the initiator sends the first message).
enum class Role : std::uint8_t { initiator, responder };

/// The tokens of a message pattern (Noise §7.1) and the PSK token (Noise §9).
enum class token : std::uint8_t { e, s, ee, es, se, ss, psk };

/// One message (or pre-message) pattern: a short list of tokens. The longest in the spec's
/// tables has 4 (IK message 1, "e, es, s, ss"); psk modifiers (§9.2) may add one more.
struct token_list {
  static constexpr std::size_t capacity = 6;

  std::array<token, capacity> items{};
  std::size_t count = 0;
  bool overflow = false;  ///< more than `capacity` tokens were given (is_well_formed() says no)

  constexpr token_list() noexcept = default;
  constexpr token_list(std::initializer_list<token> tokens) noexcept {
    for (token t : tokens) {
      if (count == capacity) break;  // a table this long is rejected by is_well_formed()
      items[count++] = t;
    }
    overflow = tokens.size() > capacity;
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return count; }
  [[nodiscard]] constexpr bool empty() const noexcept { return count == 0; }
  [[nodiscard]] constexpr const token* begin() const noexcept { return items.data(); }
  [[nodiscard]] constexpr const token* end() const noexcept { return items.data() + count; }
  [[nodiscard]] constexpr token operator[](std::size_t i) const noexcept { return items[i]; }
  [[nodiscard]] constexpr bool contains(token t) const noexcept {
    for (token x : *this) {
      if (x == t) return true;
    }
    return false;
  }
  friend constexpr bool operator==(const token_list& a, const token_list& b) noexcept {
    if (a.count != b.count) return false;
    for (std::size_t i = 0; i < a.count; ++i) {
      if (a.items[i] != b.items[i]) return false;
    }
    return true;
  }
};

/// A handshake pattern (Noise §7): name, pre-messages (§7.1), messages. NN is written
/// `{"NN", {{token::e}, {token::e, token::ee}}}`; a pattern with pre-messages passes them before
/// the message list, e.g. IK's `{"IK", {}, {token::s}, {...}}`.
struct handshake_pattern {
  static constexpr std::size_t max_messages = 8;

  std::string_view name{};
  token_list initiator_pre{};  ///< "->" pre-message (§7.1): keys the responder knows in advance
  token_list responder_pre{};  ///< "<-" pre-message (§7.1): keys the initiator knows in advance
  std::array<token_list, max_messages> messages{};
  std::size_t message_count = 0;
  bool overflow = false;

  constexpr handshake_pattern(std::string_view n, std::initializer_list<token_list> msgs) noexcept
      : name(n) {
    set_messages(msgs);
  }
  constexpr handshake_pattern(std::string_view n, token_list pre_i, token_list pre_r,
                              std::initializer_list<token_list> msgs) noexcept
      : name(n), initiator_pre(pre_i), responder_pre(pre_r) {
    set_messages(msgs);
  }

  /// Who sends message `i` (0-based): the initiator the even ones (Noise §7.1).
  [[nodiscard]] static constexpr Role sender(std::size_t i) noexcept {
    return i % 2 == 0 ? Role::initiator : Role::responder;
  }

 private:
  constexpr void set_messages(std::initializer_list<token_list> msgs) noexcept {
    for (const token_list& m : msgs) {
      if (message_count == max_messages) break;
      messages[message_count++] = m;
    }
    overflow = msgs.size() > max_messages;
  }
};

/// The patterns of Noise §7.4 / §7.5 that mutauth has tables for. Only NN runs (the engine has no
/// static keys, see HandshakeState); XX and IK are here so that the table format is checked
/// against the spec's interactive patterns, and so that the engine's refusal is testable.
namespace patterns {

/// NN (Noise §7.5): `-> e`, `<- e, ee`.
inline constexpr handshake_pattern NN{"NN", {{token::e}, {token::e, token::ee}}};
/// XX (Noise §7.5): `-> e`, `<- e, ee, s, es`, `-> s, se`.
inline constexpr handshake_pattern XX{
    "XX", {{token::e}, {token::e, token::ee, token::s, token::es}, {token::s, token::se}}};
/// IK (Noise §7.5): `<- s`, `...`, `-> e, es, s, ss`, `<- e, ee, se`.
inline constexpr handshake_pattern IK{
    "IK",
    {},
    {token::s},
    {{token::e, token::es, token::s, token::ss}, {token::e, token::ee, token::se}}};

}  // namespace patterns

namespace detail {

[[nodiscard]] constexpr bool is_dh(token t) noexcept {
  return t == token::ee || t == token::es || t == token::se || t == token::ss;
}

}  // namespace detail

/// The validity rules of Noise §7.3 that can be checked on the table alone, for patterns without
/// PSKs: at least one message, nothing truncated; each party sends "e" and "s" at most once
/// (pre-messages included) and only "e"/"s" in pre-messages; each DH token at most once; "ee"
/// needs both ephemerals, "es" the initiator's e and the responder's s, "se" the initiator's s
/// and the responder's e, "ss" both statics, already sent (or pre-known) when it runs.
[[nodiscard]] constexpr bool is_well_formed(const handshake_pattern& p) noexcept {
  if (p.overflow || p.message_count == 0) return false;
  if (p.initiator_pre.overflow || p.responder_pre.overflow) return false;
  bool e[2] = {false, false}, s[2] = {false, false};  // [0] initiator, [1] responder
  bool dh_done[4] = {false, false, false, false};     // ee, es, se, ss
  auto send_key = [&](int side, token t) {
    bool& have = t == token::e ? e[side] : s[side];
    if (have) return false;
    have = true;
    return true;
  };
  for (int side = 0; side < 2; ++side) {
    for (token t : side == 0 ? p.initiator_pre : p.responder_pre) {
      if (t != token::e && t != token::s) return false;
      if (!send_key(side, t)) return false;
    }
  }
  for (std::size_t i = 0; i < p.message_count; ++i) {
    const token_list& m = p.messages[i];
    if (m.overflow) return false;
    const int side = handshake_pattern::sender(i) == Role::initiator ? 0 : 1;
    for (token t : m) {
      switch (t) {
        case token::e:
        case token::s:
          if (!send_key(side, t)) return false;
          break;
        case token::ee:
        case token::es:
        case token::se:
        case token::ss: {
          const int k = static_cast<int>(t) - static_cast<int>(token::ee);
          if (dh_done[k]) return false;
          dh_done[k] = true;
          const bool ok = (t == token::ee && e[0] && e[1]) || (t == token::es && e[0] && s[1]) ||
                          (t == token::se && s[0] && e[1]) || (t == token::ss && s[0] && s[1]);
          if (!ok) return false;
          break;
        }
        case token::psk: return false;  // PSK patterns (§9) are out of scope for this table checker
      }
    }
  }
  return true;
}

static_assert(is_well_formed(patterns::NN));
static_assert(is_well_formed(patterns::XX));
static_assert(is_well_formed(patterns::IK));

/// What the engine in handshake_state.hpp can run: a well-formed pattern (above) with no
/// pre-messages and no token other than "e" and "ee" — mutauth has no static Noise keys (identity
/// is proven inside the handshake payloads instead), so "s", "es", "se", "ss" and "psk" have no
/// key to work with. Of the spec's patterns that leaves NN.
[[nodiscard]] constexpr bool engine_can_run(const handshake_pattern& p) noexcept {
  if (!is_well_formed(p) || !p.initiator_pre.empty() || !p.responder_pre.empty()) return false;
  for (std::size_t i = 0; i < p.message_count; ++i) {
    for (token t : p.messages[i]) {
      if (t != token::e && t != token::ee) return false;
    }
  }
  return true;
}

static_assert(engine_can_run(patterns::NN));
static_assert(!engine_can_run(patterns::XX) && !engine_can_run(patterns::IK));

}  // namespace noise
}  // namespace v0
}  // namespace mutauth
