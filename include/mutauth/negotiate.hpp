// mutauth — Negotiate<M1, M2, ...>: a Mechanism composed of mechanisms (docs/protocol/negotiate.md).
//
//   I -> R   offer:  'N' 01 01 | offer list (the initiator's mechanisms, its preference order)
//                    | the first token of the first offer (optimistic)
//   R -> I   choice: 'N' 01 02 | index of the first offer the acceptor supports
//                    | its answer to the optimistic token (index 0), or nothing (then the
//                    initiator starts the chosen mechanism and sends its first token bare)
//   then the chosen mechanism's own tokens, bare.
//   R -> I   refusal (instead of a choice): 'N' 01 03 | the mechanisms the acceptor accepts;
//            both sides fail with errc::no_common_mechanism.
//
// The downgrade rule (negotiate.md §4): the chosen mechanism runs with a channel binding of
// SHA-256(label | offer list as sent | choice | caller's binding), so a man in the middle who
// removes, reorders or replaces offers, or changes the choice, makes the two sides bind
// different bytes, and the chosen mechanism's own authenticated exchange fails on both sides
// (pk: the Noise prologue, docs/protocol/mutauth-pk.md §3.3; krb5: the GSS channel bindings'
// application data, which the acceptor requires, docs/kerberos.md). No exemptions, no fallback:
// every alternative is itself a Mechanism (mechanism.hpp), and nothing runs unbound.
//
// No heap and no exceptions of its own: the pk-only instantiation allocates nothing and builds
// with -fno-exceptions -fno-rtti. Parsing is bounded (at most 8 offers of at most 32 bytes).
#pragma once

#include <algorithm>    // std::max, std::min, std::copy
#include <array>        // fixed buffers
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstring>      // std::memset
#include <string_view>  // mechanism names
#include <tuple>        // per-mechanism configurations
#include <type_traits>  // std::integral_constant
#include <utility>      // std::move
#include <variant>      // the chosen mechanism's context and keys

#include "mutauth/bytes.hpp"
#include "mutauth/detail/sha256.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"
#include "mutauth/session.hpp"

namespace mutauth {
inline namespace v0 {

/// The wire format of docs/protocol/negotiate.md: constants, encoders and the bounded parsers.
namespace negotiation {

inline constexpr std::uint8_t magic = 0x4E;  // 'N': neither mutauth-pk's 0x01 nor GSS-API's 0x60
inline constexpr std::uint8_t version = 1;
enum class message_type : std::uint8_t { offer = 1, choice = 2, refusal = 3 };
inline constexpr std::size_t header_size = 3;
inline constexpr std::size_t max_offers = 8;
inline constexpr std::size_t max_name = 32;
/// u8 count | count x (u8 length | name).
inline constexpr std::size_t max_list_size = 1 + max_offers * (1 + max_name);
/// What the negotiation adds to the first token (an offer's header and list).
inline constexpr std::size_t max_overhead = header_size + max_list_size;
/// The caller's channel binding enters the hash with a u16 length (negotiate.md §4).
inline constexpr std::size_t max_channel_binding = 0xFFFF;
inline constexpr std::string_view binding_label = "mutauth-negotiate/1 channel binding";
inline constexpr std::size_t binding_size = detail::sha256::digest_size;
using binding_value = detail::sha256::digest;

/// A mechanism name as the offer list carries it: 1..32 bytes of printable ASCII, no space.
[[nodiscard]] constexpr bool valid_name(std::string_view n) noexcept {
  if (n.empty() || n.size() > max_name) return false;
  for (char c : n)
    if (!mutauth::detail::ascii_is_graph(c)) return false;
  return true;
}

/// A parsed list (offers or a refusal's accepted mechanisms): names view the message.
struct name_list {
  bytes_view encoded{};  ///< u8 count | entries, exactly as on the wire (what the binding hashes)
  std::uint8_t count = 0;
  std::array<std::string_view, max_offers> names{};
};

/// Encodes `names` (each valid_name, at most max_offers) as a list into `out`; returns the size,
/// 0 when they break a rule or `out` is short.
[[nodiscard]] inline std::size_t encode_list(const std::string_view* names, std::size_t n,
                                             bytes_span out) noexcept {
  if (n > max_offers || out.empty()) return 0;
  std::size_t at = 0;
  out[at++] = static_cast<std::uint8_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid_name(names[i]) || out.size() - at < 1 + names[i].size()) return 0;
    out[at++] = static_cast<std::uint8_t>(names[i].size());
    for (char c : names[i]) out[at++] = static_cast<std::uint8_t>(c);
  }
  return at;
}

// Parses a list at the front of `in`; `min_count` is 1 for offers, 0 for a refusal. Every rule
// is checked before the next byte is read (negotiate.md §3.4).
[[nodiscard]] inline result<name_list> parse_list(bytes_view in, std::size_t min_count) noexcept {
  if (in.empty())
    return error(errc::truncated, "negotiation message ends before its mechanism list");
  name_list l;
  const std::size_t n = in[0];
  if (n < min_count) return error(errc::malformed, "negotiation offer lists no mechanism");
  if (n > max_offers) return error(errc::too_large, "negotiation list of more than 8 mechanisms");
  std::size_t at = 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (at >= in.size()) return error(errc::truncated, "negotiation list ends inside an entry");
    const std::size_t len = in[at++];
    if (len == 0 || len > max_name)
      return error(errc::malformed,
                   "negotiation list: a mechanism name of 0 or more than 32 bytes");
    if (in.size() - at < len) return error(errc::truncated, "negotiation list ends inside a name");
    const std::string_view name(reinterpret_cast<const char*>(in.data() + at), len);
    if (!valid_name(name))
      return error(errc::bad_encoding,
                   "negotiation list: a mechanism name outside printable ASCII");
    for (std::size_t j = 0; j < i; ++j)
      if (l.names[j] == name)
        return error(errc::malformed, "negotiation list names a mechanism twice");
    l.names[i] = name;
    at += len;
  }
  l.count = static_cast<std::uint8_t>(n);
  l.encoded = in.first(at);
  return l;
}

[[nodiscard]] inline result<void> check_header(bytes_view msg, bool from_acceptor) noexcept {
  if (msg.size() < header_size)
    return error(errc::truncated, "negotiation message shorter than its header");
  if (msg[0] != magic) {
    if (from_acceptor)
      return error(errc::version_mismatch,
                   "the server answered without negotiation (not a mutauth-negotiate/1 message)",
                   "the server speaks one mechanism only: connect with that mechanism alone");
    if (msg[0] == 0x01)
      return error(errc::version_mismatch,
                   "the client speaks mutauth-pk/1 without negotiation; this server negotiates "
                   "(docs/protocol/negotiate.md)",
                   "let the client negotiate, or serve mutauth-pk/1 alone");
    if (msg[0] == 0x60)
      return error(errc::version_mismatch,
                   "the client sent a bare GSS-API (Kerberos) token without negotiation; this "
                   "server negotiates (docs/protocol/negotiate.md)",
                   "let the client negotiate, or serve krb5 alone");
    return error(errc::version_mismatch, "not a mutauth-negotiate/1 message");
  }
  if (msg[1] != version)
    return error(errc::version_mismatch, "peer speaks another version of mutauth-negotiate than 1");
  return ok();
}

struct offer_view {
  name_list offers;
  bytes_view token;  ///< the first token of offers[0]: at least one byte
};

/// Message 1 (I -> R), negotiate.md §3.1.
[[nodiscard]] inline result<offer_view> parse_offer(bytes_view msg) noexcept {
  MUTAUTH_TRY(check_header(msg, false));
  if (msg[2] != static_cast<std::uint8_t>(message_type::offer))
    return error(errc::unexpected_message, "negotiation: expected an offer");
  auto l = parse_list(msg.subspan(header_size), 1);
  if (!l) return l.error_value();
  offer_view v;
  v.offers = *l;
  v.token = msg.subspan(header_size + l->encoded.size());
  if (v.token.empty())
    return error(errc::truncated, "negotiation offer without the first offer's token");
  return v;
}

struct reply_view {
  message_type type = message_type::choice;
  std::uint8_t choice = 0;  ///< choice: an index into the offer list
  bytes_view token{};       ///< choice: the answer to the optimistic token (choice 0 only)
  name_list accepted{};     ///< refusal: what the acceptor accepts
};

/// Message 2 (R -> I): a choice or a refusal, negotiate.md §3.2-§3.3.
[[nodiscard]] inline result<reply_view> parse_reply(bytes_view msg) noexcept {
  MUTAUTH_TRY(check_header(msg, true));
  reply_view r;
  if (msg[2] == static_cast<std::uint8_t>(message_type::choice)) {
    if (msg.size() < header_size + 1)
      return error(errc::truncated, "negotiation choice without its index");
    r.choice = msg[header_size];
    r.token = msg.subspan(header_size + 1);
    if (r.choice >= max_offers)
      return error(errc::malformed, "negotiation choice beyond any offer list");
    if ((r.choice == 0) == r.token.empty())
      return error(errc::malformed,
                   r.choice == 0 ? "negotiation choice 0 without the answer to the first token"
                                 : "negotiation choice of a later offer carries a token");
    return r;
  }
  if (msg[2] == static_cast<std::uint8_t>(message_type::refusal)) {
    r.type = message_type::refusal;
    auto l = parse_list(msg.subspan(header_size), 0);
    if (!l) return l.error_value();
    if (header_size + l->encoded.size() != msg.size())
      return error(errc::trailing_bytes, "bytes after the negotiation refusal's list");
    r.accepted = *l;
    return r;
  }
  return error(errc::unexpected_message, "negotiation: expected a choice or a refusal");
}

inline void put_header(bytes_span out, message_type t) noexcept {
  out[0] = magic;
  out[1] = version;
  out[2] = static_cast<std::uint8_t>(t);
}

/// The channel binding the chosen mechanism runs with (negotiate.md §4):
/// SHA-256(label | 0x00 | offer list as sent | u8 choice | u16 len(cb) | cb [| first token]).
/// For a choice other than 0 the offer's first token, which the acceptor discarded, is hashed
/// last, so that no byte of the offer goes unbound; for choice 0 it is the chosen mechanism's
/// own first message, which that mechanism authenticates (and which is made with this binding,
/// so it cannot be part of it).
[[nodiscard]] inline binding_value binding(bytes_view offer_list, std::uint8_t choice,
                                           bytes_view caller, bytes_view discarded = {}) noexcept {
  detail::sha256 h;
  h.update(bytes_view(reinterpret_cast<const std::uint8_t*>(binding_label.data()),
                      binding_label.size()));
  h.update(std::uint8_t{0});
  h.update(offer_list);
  h.update(choice);
  h.update(static_cast<std::uint8_t>(caller.size() >> 8));
  h.update(static_cast<std::uint8_t>(caller.size()));
  h.update(caller);
  if (choice != 0) h.update(discarded);
  return h.finish();
}

/// "the server accepts krb5 only; this client offered mutauth-pk/1" (negotiate.md §5): the same
/// text on both sides.
[[nodiscard]] inline error mismatch(const name_list& accepted, const name_list& offered,
                                    const char* hint) noexcept {
  error e(errc::no_common_mechanism,
          accepted.count == 0 ? "the server accepts no mechanism" : "the server accepts ", hint);
  for (std::size_t i = 0; i < accepted.count; ++i) {
    if (i != 0) e.append(", ");
    e.append(accepted.names[i]);
  }
  if (accepted.count == 1) e.append(" only");
  e.append("; this client offered ");
  for (std::size_t i = 0; i < offered.count; ++i) {
    if (i != 0) e.append(", ");
    e.append(offered.names[i]);
  }
  return e;
}

}  // namespace negotiation

namespace detail {

/// What Negotiate needs of each alternative beyond being a Mechanism: a channel-binding input on
/// both configurations, which it fills with the negotiation's binding.
template <class M>
concept NegotiableMechanism = Mechanism<M> &&
    requires(typename M::InitiatorConfig& i, typename M::AcceptorConfig& a) {
  i.channel_binding = bytes_view{};
  a.channel_binding = bytes_view{};
};

template <class K>
concept rekeyable = requires(K& k) {
  k.rekey_outbound();
  k.rekey_inbound();
};

template <class... Ms>
constexpr bool distinct_valid_names() noexcept {
  constexpr std::string_view names[] = {Ms::name...};
  for (std::size_t i = 0; i < sizeof...(Ms); ++i) {
    if (!negotiation::valid_name(names[i])) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) return false;
  }
  return true;
}

// Calls f(integral_constant<I>) for the I == i (i < N).
template <std::size_t N, std::size_t I = 0, class F>
constexpr void with_index(std::size_t i, F& f) noexcept {
  if constexpr (I < N) {
    if (i == I) f(std::integral_constant<std::size_t, I>{});
    else with_index<N, I + 1>(i, f);
  }
}

// memset + barrier, so the store of a buffer that dies next is not dropped (as connection.hpp).
inline void negotiate_zero(void* p, std::size_t n) noexcept {
  if (n == 0) return;
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace detail

/// Negotiate<M1, M2, ...>: the initiator offers the mechanisms it has configurations for, in its
/// preference order; the acceptor picks the first it has a configuration for; the choice and the
/// offer list are bound into the chosen mechanism's exchange. Session<Negotiate<...>>::mechanism()
/// names the mechanism negotiated, and peer().mechanism is that mechanism's name too.
template <class... Ms>
  requires(sizeof...(Ms) >= 1 && sizeof...(Ms) <= negotiation::max_offers &&
           (detail::NegotiableMechanism<Ms> && ...))
struct Negotiate {
  static_assert(
      detail::distinct_valid_names<Ms...>(),
      "mechanism names must be distinct, 1..32 printable ASCII bytes (negotiate.md section 3.4)");

  static constexpr std::size_t count = sizeof...(Ms);
  template <std::size_t I>
  using mechanism_at = std::tuple_element_t<I, std::tuple<Ms...>>;
  template <class M>
  static constexpr std::size_t index_of = [] {
    constexpr bool same[] = {std::is_same_v<M, Ms>...};
    for (std::size_t i = 0; i < count; ++i)
      if (same[i]) return i;
    return count;
  }();
  static constexpr std::array<std::string_view, count> names = {Ms::name...};

  static constexpr std::string_view name = "mutauth-negotiate/1";
  static constexpr bool mutual_authentication = true;
  /// Every alternative's acceptor ends on its admission (the Mechanism concept, part (c)), and
  /// the negotiation passes the chosen one's tokens through unchanged after its first.
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::size_t max_token_size =
      std::min<std::size_t>(0xFFFF, std::max({Ms::max_token_size...}) + negotiation::max_overhead);
  /// The chosen mechanism's messages, plus the offer and a bare choice when the acceptor took a
  /// later offer than the first.
  static constexpr std::size_t max_handshake_messages =
      std::max({Ms::max_handshake_messages...}) + 2;

  /// The initiator's mechanisms: offer<M>(config) for each, in preference order (the first call
  /// is the most preferred). Each config MUST outlive the handshake and leave its own
  /// channel_binding empty: the negotiation sets it.
  struct InitiatorConfig {
    std::tuple<const typename Ms::InitiatorConfig*...> configs{};
    std::array<std::uint8_t, count> order{};
    std::uint8_t offered = 0;
    /// Optional bytes from a lower layer both sides must agree on (at most 65535); they enter
    /// the binding hash with the negotiation transcript (negotiate.md §4).
    bytes_view channel_binding{};

    template <class M>
    InitiatorConfig& offer(const typename M::InitiatorConfig& c) noexcept {
      constexpr std::size_t i = index_of<M>;
      static_assert(i < count, "not one of this Negotiate's mechanisms");
      std::get<i>(configs) = &c;
      for (std::size_t k = 0; k < offered; ++k)
        if (order[k] == i) return *this;
      order[offered++] = static_cast<std::uint8_t>(i);
      return *this;
    }
  };

  /// The acceptor's mechanisms: accept<M>(config) for each it serves. Which it picks is the
  /// client's preference; each config MUST outlive the handshake and leave channel_binding empty.
  struct AcceptorConfig {
    std::tuple<const typename Ms::AcceptorConfig*...> configs{};
    bytes_view channel_binding{};

    template <class M>
    AcceptorConfig& accept(const typename M::AcceptorConfig& c) noexcept {
      constexpr std::size_t i = index_of<M>;
      static_assert(i < count, "not one of this Negotiate's mechanisms");
      std::get<i>(configs) = &c;
      return *this;
    }
    [[nodiscard]] bool accepts(std::size_t i) const noexcept {
      bool yes = false;
      auto f = [&](auto I) { yes = std::get<decltype(I)::value>(configs) != nullptr; };
      detail::with_index<count>(i, f);
      return yes;
    }
  };

  /// The negotiated mechanism's session keys.
  class SessionKeys {
   public:
    static constexpr std::size_t seal_overhead = std::max({Ms::SessionKeys::seal_overhead...});
    static constexpr std::size_t open_overhead =
        std::min({mutauth::detail::open_overhead_of<typename Ms::SessionKeys>()...});

    SessionKeys() noexcept = default;
    SessionKeys(SessionKeys&& o) noexcept : k_(std::move(o.k_)), which_(o.which_) { o.wipe(); }
    SessionKeys& operator=(SessionKeys&& o) noexcept {
      if (this != &o) {
        wipe();
        k_ = std::move(o.k_);
        which_ = o.which_;
        o.wipe();
      }
      return *this;
    }
    SessionKeys(const SessionKeys&) = delete;
    SessionKeys& operator=(const SessionKeys&) = delete;
    ~SessionKeys() { wipe(); }

    template <std::size_t I>
    explicit SessionKeys(std::integral_constant<std::size_t, I>,
                         typename mechanism_at<I>::SessionKeys&& k) noexcept
        : k_(std::in_place_index<I + 1>, std::move(k)), which_(static_cast<std::uint8_t>(I)) {}

    /// Index of the negotiated mechanism in Ms...
    [[nodiscard]] std::size_t index() const noexcept { return which_; }
    [[nodiscard]] std::string_view mechanism_name() const noexcept { return names[which_]; }
    /// The negotiated mechanism's own keys (its mechanism_info()), or nullptr for another one.
    template <class M>
    [[nodiscard]] const typename M::SessionKeys* get() const noexcept {
      return std::get_if<index_of<M> + 1>(&k_);
    }

    [[nodiscard]] result<std::size_t> seal(bytes_view in, bytes_span out) noexcept {
      return on_keys<result<std::size_t>>([&](auto& k) { return k.seal(in, out); });
    }
    [[nodiscard]] result<std::size_t> seal_with_type(bytes_view in, std::uint8_t type,
                                                     bytes_span out) noexcept {
      return on_keys<result<std::size_t>>([&](auto& k) -> result<std::size_t> {
        if constexpr (requires { k.seal_with_type(in, type, out); }) {
          return k.seal_with_type(in, type, out);
        } else {
          // Session's own path for a mechanism without it (session.hpp, seal_record).
          if (out.size() < in.size() + 1)
            return error(errc::buffer_too_small).with_required_size(in.size() + 1);
          if (in.data() != out.data() && !in.empty())
            std::memmove(out.data(), in.data(), in.size());
          out[in.size()] = type;
          return k.seal(bytes_view(out.data(), in.size() + 1), out);
        }
      });
    }
    [[nodiscard]] result<std::size_t> open(bytes_view in, bytes_span out) noexcept {
      return on_keys<result<std::size_t>>([&](auto& k) { return k.open(in, out); });
    }
    [[nodiscard]] result<void> export_keying_material(std::string_view label, bytes_view context,
                                                      bytes_span out) const noexcept {
      return on_keys<result<void>>(
          [&](const auto& k) { return k.export_keying_material(label, context, out); });
    }
    [[nodiscard]] bytes_view channel_binding() const noexcept {
      const auto* me = this;
      bytes_view v{};
      auto f = [&](auto I) {
        if (const auto* k = std::get_if<decltype(I)::value + 1>(&me->k_)) v = k->channel_binding();
      };
      detail::with_index<count>(which_, f);
      return v;
    }
    [[nodiscard]] result<void> rekey_outbound() noexcept
        requires(detail::rekeyable<typename Ms::SessionKeys>&&...) {
      return on_keys<result<void>>([&](auto& k) { return k.rekey_outbound(); });
    }
    [[nodiscard]] result<void> rekey_inbound() noexcept
        requires(detail::rekeyable<typename Ms::SessionKeys>&&...) {
      return on_keys<result<void>>([&](auto& k) { return k.rekey_inbound(); });
    }

    void wipe() noexcept {
      auto f = [&](auto I) {
        if (auto* k = std::get_if<decltype(I)::value + 1>(&k_)) k->wipe();
      };
      detail::with_index<count>(which_, f);
      k_.template emplace<0>();
    }

   private:
    template <class R, class F>
    R on_keys(F&& fn) noexcept {
      R r = error(errc::wrong_state, "negotiated session keys are wiped");
      auto f = [&](auto I) {
        if (auto* k = std::get_if<decltype(I)::value + 1>(&k_)) r = fn(*k);
      };
      detail::with_index<count>(which_, f);
      return r;
    }
    template <class R, class F>
    R on_keys(F&& fn) const noexcept {
      R r = error(errc::wrong_state, "negotiated session keys are wiped");
      auto f = [&](auto I) {
        if (const auto* k = std::get_if<decltype(I)::value + 1>(&k_)) r = fn(*k);
      };
      detail::with_index<count>(which_, f);
      return r;
    }

    std::variant<std::monostate, typename Ms::SessionKeys...> k_{};
    std::uint8_t which_ = 0;  // kept through wipe(): a dead session still says what it was
  };

 private:
  // Re-labels the chosen mechanism's conclusion. The witness was minted by that mechanism on the
  // line where it verified the peer's proof (mechanism.hpp); the negotiation adds no claim of its
  // own — its binding was checked inside that same proof.
  template <std::size_t I, class C>
  static result<Concluded<Negotiate>> lift(result<C>&& c) noexcept {
    if (!c) return c.error_value();
    return Concluded<Negotiate>{
        PeerVerified<Negotiate>::assert_peer_verified(c->peer.principal()), std::move(c->local),
        c->service, SessionKeys(std::integral_constant<std::size_t, I>{}, std::move(c->keys))};
  }

  // The chosen mechanism's configuration (a copy carrying the negotiation's binding) and its
  // context, which may keep a pointer to that copy: a slot is never moved.
  template <class M, class Ctx, class Cfg>
  struct slot {
    template <class... A>
    slot(const Cfg& base, bytes_view cb, A&&... a) noexcept
        : cfg(with_binding(base, cb)), ctx(static_cast<A&&>(a)..., cfg) {}
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    static Cfg with_binding(const Cfg& base, bytes_view cb) noexcept {
      Cfg c = base;
      c.channel_binding = cb;
      return c;
    }
    Cfg cfg;
    Ctx ctx;
    std::size_t messages = 0;  // the chosen mechanism's own bound, counted here
  };

  static constexpr const char* hint_moved =
      "construct the handshake where it stays (Connection<M> does); moving is fine before the "
      "first step";

  static error own_binding_set(std::string_view mech) noexcept {
    error e(errc::invalid_argument, "the ",
            "set Negotiate's own channel_binding: the negotiation binds it together with its "
            "transcript");
    e.append(mech);
    e.append(" configuration given to Negotiate has its own channel_binding");
    return e;
  }

  // Counts one token into or out of the chosen mechanism against its own bound (G6).
  template <class S>
  static result<void> count_message(S& s, std::string_view mech, std::size_t bound) noexcept {
    if (++s.messages <= bound) return ok();
    error e(errc::too_many_messages, "more handshake messages than ");
    e.append(mech);
    e.append(" allows");
    return e;
  }

  // What both roles share: the chosen mechanism's slot, the binding it runs with, the buffer of
  // the first negotiation message, and stepping, concluding and wiping the chosen mechanism.
  template <role R>
  class role_base {
   protected:
    template <class M>
    using ctx_t =
        std::conditional_t<R == role::initiator, typename M::Initiator, typename M::Acceptor>;
    template <class M>
    using cfg_t = std::conditional_t<R == role::initiator, typename M::InitiatorConfig,
                                     typename M::AcceptorConfig>;

    role_base() noexcept = default;
    role_base(const role_base&) = delete;
    role_base& operator=(const role_base&) = delete;
    ~role_base() { wipe_all(); }

    [[nodiscard]] bool started() const noexcept { return inner_.index() != 0; }

    // The error a role moved from `from` starts with: the chosen mechanism's context may point
    // into its slot's configuration copy (slot above), which stays behind, so a move after the
    // first step leaves a handle that only fails; before it, the move is whole.
    [[nodiscard]] static error error_after_move(const role_base& from, const error& e) noexcept {
      if (from.started() && !e)
        return error(errc::wrong_state, "a negotiated handshake was moved after its first step",
                     hint_moved);
      return e;
    }

    // One token into the chosen mechanism, and its answer, each counted against its bound.
    result<mech_step> step_inner(bytes_view in) noexcept {
      result<mech_step> r = error(errc::wrong_state, "negotiation: no mechanism chosen");
      auto f = [&](auto I) {
        auto* s = std::get_if<decltype(I)::value + 1>(&inner_);
        if (s == nullptr) return;
        constexpr std::size_t bound = mechanism_at<decltype(I)::value>::max_handshake_messages;
        constexpr std::string_view mech = mechanism_at<decltype(I)::value>::name;
        if (auto c = count_message(*s, mech, bound); !c) {
          r = c.error_value();
          return;
        }
        r = s->ctx.on_token(in);
        if (r && !r->token.empty())
          if (auto c = count_message(*s, mech, bound); !c) r = c.error_value();
      };
      detail::with_index<count>(chosen_, f);
      return r;
    }

    result<Concluded<Negotiate>> conclude_inner() noexcept {
      result<Concluded<Negotiate>> c =
          error(errc::wrong_state, "conclude() before the negotiated mechanism completed");
      auto f = [&](auto I) {
        if (auto* s = std::get_if<decltype(I)::value + 1>(&inner_))
          c = lift<decltype(I)::value>(std::move(s->ctx).conclude());
      };
      detail::with_index<count>(chosen_, f);
      return c;
    }

    void wipe_inner() noexcept {
      auto f = [&](auto I) {
        if (auto* s = std::get_if<decltype(I)::value + 1>(&inner_)) s->ctx.wipe();
      };
      detail::with_index<count>(chosen_, f);
      inner_.template emplace<0>();
    }

    // Either role's wipe(): a negotiation that had started cannot go on afterwards.
    template <class Phase>
    void wipe_and_end(Phase& p) noexcept {
      wipe_all();
      if (p != Phase::start) p = Phase::dead;
    }

    void wipe_all() noexcept {
      wipe_inner();
      detail::negotiate_zero(out_.data(), out_high_);
      out_high_ = 0;
      detail::negotiate_zero(cb_.data(), cb_.size());
    }

    std::size_t chosen_ = 0;  // index in Ms... of the chosen mechanism
    negotiation::binding_value cb_{};
    std::variant<std::monostate, slot<Ms, ctx_t<Ms>, cfg_t<Ms>>...> inner_{};
    std::array<std::uint8_t, max_token_size> out_{};
    std::size_t out_high_ = 0;
  };

 public:
  class Initiator : role_base<role::initiator> {
    using base = role_base<role::initiator>;
    using base::cb_;
    using base::chosen_;
    using base::inner_;
    using base::out_;
    using base::out_high_;
    using base::step_inner;
    using base::wipe_inner;

   public:
    Initiator(const ServicePrincipal& target, const InitiatorConfig& cfg) noexcept
        : target_(target), config_(&cfg) {
      if (cfg.offered == 0) {
        err_ =
            error(errc::invalid_argument, "Negotiate offers no mechanism",
                  "call InitiatorConfig::offer<M>(config) for each mechanism this client may use");
        return;
      }
      if (cfg.channel_binding.size() > negotiation::max_channel_binding) {
        err_ = error(errc::invalid_argument, "channel binding longer than 65535 bytes");
        return;
      }
      std::array<std::string_view, count> offered{};
      for (std::size_t k = 0; k < cfg.offered; ++k) {
        offered[k] = names[cfg.order[k]];
        bool bound = false;
        auto f = [&](auto I) {
          bound = !std::get<decltype(I)::value>(cfg.configs)->channel_binding.empty();
        };
        detail::with_index<count>(cfg.order[k], f);
        if (bound) {
          err_ = own_binding_set(offered[k]);
          return;
        }
      }
      list_len_ = negotiation::encode_list(offered.data(), cfg.offered, bytes_span(list_));
    }
    Initiator(Initiator&& o) noexcept
        : target_(o.target_),
          config_(o.config_),
          list_(o.list_),
          list_len_(o.list_len_),
          phase_(o.phase_),
          err_(base::error_after_move(o, o.err_)) {
      o.wipe();
    }
    Initiator& operator=(Initiator&&) = delete;
    ~Initiator() { wipe(); }

    [[nodiscard]] result<mech_step> initiate() noexcept {
      if (err_) return err_;
      if (phase_ != phase::start) return error(errc::wrong_state, "negotiation already started");
      result<mech_step> s = start(0);
      if (!s) return s;
      if (s->complete || s->token.empty())
        return error(errc::mechanism_failure,
                     "the first offer's mechanism produced no first token");
      const std::size_t n = negotiation::header_size + list_len_ + s->token.size();
      if (n > max_token_size)
        return error(errc::too_large, "the first token does not fit a negotiation offer");
      negotiation::put_header(bytes_span(out_), negotiation::message_type::offer);
      std::copy_n(list_.data(), list_len_, out_.data() + negotiation::header_size);
      std::copy(s->token.begin(), s->token.end(),
                out_.data() + negotiation::header_size + list_len_);
      out_high_ = n;
      phase_ = phase::offered;
      return mech_step{bytes_view(out_.data(), n), false};
    }

    [[nodiscard]] result<mech_step> on_token(bytes_view in) noexcept {
      if (err_) return err_;
      if (phase_ == phase::running) return step_inner(in);
      if (phase_ != phase::offered)
        return error(errc::wrong_state, "negotiation: no token expected");
      auto r = negotiation::parse_reply(in);
      if (!r) return r.error_value();
      if (r->type == negotiation::message_type::refusal) {
        auto mine = negotiation::parse_list(bytes_view(list_.data(), list_len_), 1);
        return negotiation::mismatch(
            r->accepted, *mine,
            "configure this client for a mechanism the server accepts (the refusal is not "
            "authenticated: docs/protocol/negotiate.md section 5)");
      }
      if (r->choice >= config_->offered) {
        error e(errc::malformed, "the server chose an offer this client did not make (index ");
        const char d[2] = {static_cast<char>('0' + r->choice), ')'};
        e.append(std::string_view(d, 2));
        return e;
      }
      phase_ = phase::running;
      if (r->choice == 0) return step_inner(r->token);
      // The acceptor took a later offer: the optimistic context goes, the chosen one starts
      // with the binding of this choice.
      result<mech_step> s = start(r->choice);
      if (!s) return s;
      if (s->complete || s->token.empty())
        return error(errc::mechanism_failure, "the chosen mechanism produced no first token");
      return s;
    }

    [[nodiscard]] result<Concluded<Negotiate>> conclude() && noexcept {
      if (err_) return err_;
      return this->conclude_inner();
    }

    void wipe() noexcept { this->wipe_and_end(phase_); }

    /// The offer list this initiator sends (for tests and the spec's vector).
    [[nodiscard]] bytes_view offer_list() const noexcept {
      return bytes_view(list_.data(), list_len_);
    }

   private:
    enum class phase : std::uint8_t { start, offered, running, dead };

    // Starts the mechanism of offer `k` with the binding of choice k and returns its first token.
    result<mech_step> start(std::size_t k) noexcept {
      const std::size_t i = config_->order[k];
      wipe_inner();
      // For k > 0 the first token is still in out_, after the offer's header and list.
      const std::size_t first = negotiation::header_size + list_len_;
      const bytes_view discarded =
          k == 0 ? bytes_view() : bytes_view(out_.data() + first, out_high_ - first);
      cb_ = negotiation::binding(bytes_view(list_.data(), list_len_), static_cast<std::uint8_t>(k),
                                 config_->channel_binding, discarded);
      chosen_ = i;
      result<mech_step> r = error(errc::wrong_state);
      auto f = [&](auto I) {
        auto& s = inner_.template emplace<decltype(I)::value + 1>(
            *std::get<decltype(I)::value>(config_->configs), bytes_view(cb_), target_);
        r = s.ctx.initiate();
        if (r && !r->token.empty())
          if (auto c = count_message(s, mechanism_at<decltype(I)::value>::name,
                                     mechanism_at<decltype(I)::value>::max_handshake_messages);
              !c)
            r = c.error_value();
      };
      detail::with_index<count>(i, f);
      return r;
    }

    ServicePrincipal target_;
    const InitiatorConfig* config_;
    std::array<std::uint8_t, negotiation::max_list_size> list_{};
    std::size_t list_len_ = 0;
    phase phase_ = phase::start;
    error err_{};
  };

  class Acceptor : role_base<role::acceptor> {
    using base = role_base<role::acceptor>;
    using base::cb_;
    using base::chosen_;
    using base::inner_;
    using base::out_;
    using base::out_high_;
    using base::step_inner;
    using base::wipe_inner;

   public:
    explicit Acceptor(const AcceptorConfig& cfg) noexcept : config_(&cfg) {
      std::array<std::string_view, count> accepted{};
      std::size_t n = 0;
      for (std::size_t i = 0; i < count; ++i) {
        if (!cfg.accepts(i)) continue;
        accepted[n++] = names[i];
        bool bound = false;
        auto f = [&](auto I) {
          bound = !std::get<decltype(I)::value>(cfg.configs)->channel_binding.empty();
        };
        detail::with_index<count>(i, f);
        if (bound && !err_) err_ = own_binding_set(names[i]);
      }
      if (n == 0 && !err_)
        err_ =
            error(errc::invalid_argument, "Negotiate accepts no mechanism",
                  "call AcceptorConfig::accept<M>(config) for each mechanism this server serves");
      if (cfg.channel_binding.size() > negotiation::max_channel_binding && !err_)
        err_ = error(errc::invalid_argument, "channel binding longer than 65535 bytes");
      // The refusal is public and outlives wipe(): the core sends it after this side failed.
      negotiation::put_header(bytes_span(refusal_), negotiation::message_type::refusal);
      refusal_len_ =
          negotiation::header_size +
          negotiation::encode_list(accepted.data(), n,
                                   bytes_span(refusal_).subspan(negotiation::header_size));
    }
    Acceptor(Acceptor&& o) noexcept
        : config_(o.config_),
          refusal_(o.refusal_),
          refusal_len_(o.refusal_len_),
          phase_(o.phase_),
          err_(base::error_after_move(o, o.err_)),
          refused_(o.refused_) {
      o.wipe();
    }
    Acceptor& operator=(Acceptor&&) = delete;
    ~Acceptor() { wipe(); }

    [[nodiscard]] result<mech_step> on_token(bytes_view in) noexcept {
      if (err_) return err_;
      if (phase_ == phase::running) return step_inner(in);
      if (phase_ != phase::start) return error(errc::wrong_state, "negotiation: no token expected");
      auto o = negotiation::parse_offer(in);
      if (!o) return o.error_value();
      // The first offer this acceptor has a configuration for: the client's preference decides.
      for (std::size_t k = 0; k < o->offers.count; ++k) {
        for (std::size_t i = 0; i < count; ++i) {
          if (o->offers.names[k] != names[i] || !config_->accepts(i)) continue;
          phase_ = phase::running;
          return start(*o, k, i);
        }
      }
      refused_ = true;
      phase_ = phase::dead;
      auto accepted = negotiation::parse_list(
          bytes_view(refusal_.data(), refusal_len_).subspan(negotiation::header_size), 0);
      return negotiation::mismatch(
          *accepted, o->offers,
          "give the client credentials for a mechanism this server accepts, or configure "
          "this server for one the client offers");
    }

    [[nodiscard]] result<Concluded<Negotiate>> conclude() && noexcept {
      if (err_) return err_;
      return this->conclude_inner();
    }

    void wipe() noexcept { this->wipe_and_end(phase_); }

    /// After a failure for want of a common mechanism: the refusal naming what this acceptor
    /// accepts, which the core sends before the alert (handshake.hpp); public, never secret.
    [[nodiscard]] bytes_view refusal_token() const noexcept {
      return refused_ ? bytes_view(refusal_.data(), refusal_len_) : bytes_view();
    }

   private:
    enum class phase : std::uint8_t { start, running, dead };

    result<mech_step> start(const negotiation::offer_view& o, std::size_t k,
                            std::size_t i) noexcept {
      cb_ = negotiation::binding(o.offers.encoded, static_cast<std::uint8_t>(k),
                                 config_->channel_binding, o.token);
      chosen_ = i;
      result<mech_step> r = error(errc::wrong_state);
      auto f = [&](auto I) {
        auto& s = inner_.template emplace<decltype(I)::value + 1>(
            *std::get<decltype(I)::value>(config_->configs), bytes_view(cb_));
        if (k != 0) {
          r = mech_step{reply(k, {}), false};
          return;
        }
        constexpr std::size_t bound = mechanism_at<decltype(I)::value>::max_handshake_messages;
        if (auto c = count_message(s, mechanism_at<decltype(I)::value>::name, bound); !c) {
          r = c.error_value();
          return;
        }
        result<mech_step> t = s.ctx.on_token(o.token);
        if (!t) {
          r = t.error_value();
          return;
        }
        // The choice carries the answer: a mechanism whose acceptor says nothing to its first
        // token would leave the initiator with nothing to step on.
        if (t->token.empty()) {
          r = error(errc::mechanism_failure,
                    "the chosen mechanism's acceptor did not answer its first token");
          return;
        }
        if (auto c = count_message(s, mechanism_at<decltype(I)::value>::name, bound); !c) {
          r = c.error_value();
          return;
        }
        if (negotiation::header_size + 1 + t->token.size() > max_token_size) {
          r = error(errc::too_large, "the first answer does not fit a negotiation choice");
          return;
        }
        r = mech_step{reply(0, t->token), t->complete};
      };
      detail::with_index<count>(i, f);
      return r;
    }

    bytes_view reply(std::size_t k, bytes_view token) noexcept {
      negotiation::put_header(bytes_span(out_), negotiation::message_type::choice);
      out_[negotiation::header_size] = static_cast<std::uint8_t>(k);
      std::copy(token.begin(), token.end(), out_.data() + negotiation::header_size + 1);
      const std::size_t n = negotiation::header_size + 1 + token.size();
      out_high_ = std::max(out_high_, n);
      return bytes_view(out_.data(), n);
    }

    const AcceptorConfig* config_;
    std::array<std::uint8_t, negotiation::header_size + 1 + count*(1 + negotiation::max_name)>
        refusal_{};
    std::size_t refusal_len_ = 0;
    phase phase_ = phase::start;
    error err_{};
    bool refused_ = false;
  };
};

}  // namespace v0
}  // namespace mutauth
