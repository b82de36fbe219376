// mutauth — what a mechanism is: the Mechanism concept and the witness types a mechanism must
// produce. The core (handshake.hpp, session.hpp) is written against this concept only.
//
// Mutual authentication is not optional (docs/design.md §1, G4). A policy type is a
// Mechanism only if it
//   (a) declares `static constexpr bool mutual_authentication = true;` and
//   (b) implements it: both role contexts conclude with a Concluded<M>, which cannot be formed
//       without a PeerVerified<M> witness for the peer and the local principal it proved; and
//   (c) declares `static constexpr bool initiator_learns_admission = true;`: the acceptor's last
//       token is an authenticated statement that it verified and admitted the client, released
//       only after its authorization policy said yes, and the initiator completes only on
//       receiving it (G1). The core enforces the shape: an acceptor completes only while
//       emitting a token, an initiator only on a received token with nothing left to send.
// A type missing any of these does not compile as a policy (tests/compile_fail shows the
// diagnostics).
#pragma once

#include <concepts>     // std::same_as, std::constructible_from
#include <cstddef>      // std::size_t
#include <string_view>  // mechanism names, exporter labels
#include <type_traits>  // std::bool_constant
#include <utility>      // std::move

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {

enum class role : std::uint8_t { initiator = 0, acceptor = 1 };

[[nodiscard]] constexpr std::string_view to_string(role r) noexcept {
  return r == role::initiator ? "initiator" : "acceptor";
}

/// One step of a mechanism's role context.
/// `token`: bytes to send to the peer, possibly empty; it views storage inside the context and
/// stays valid until the next call on that context.
/// `complete`: the mechanism has verified the peer and expects no further token. After a
/// complete step the core calls conclude().
struct mech_step {
  bytes_view token{};
  bool complete = false;
};

/// Witness that a mechanism verified the peer's proof (rustls' ServerCertVerified): a mechanism
/// mints it at the line where the peer's signature (or GSS-API's verdict) has just checked out.
/// It can be minted only through the loudly named assert_peer_verified(): every call site is a
/// place where a mechanism claims a cryptographic proof was checked, so review greps for it.
template <class M>
class PeerVerified {
 public:
  /// MUST be called only after the peer's proof of `who` has been verified cryptographically.
  [[nodiscard]] static PeerVerified assert_peer_verified(const Principal& who) noexcept {
    return PeerVerified(who);
  }
  [[nodiscard]] const Principal& principal() const noexcept { return who_; }

 private:
  explicit PeerVerified(const Principal& who) noexcept : who_(who) {}
  Principal who_;
};

/// What a finished mechanism hands to the core: the verified peer, the identity this side
/// proved, the service principal the exchange authenticated, and the session keys.
template <class M>
struct Concluded {
  PeerVerified<M> peer;
  Principal local;
  /// The service principal that the server proved (initiator) or was addressed as (acceptor).
  /// The initiator's core compares it with the name the client composed (G2).
  ServicePrincipal service;
  typename M::SessionKeys keys;
};

// ---- the concept, in parts, so a failing policy gets a diagnostic that names the rule ----

/// (a) The policy declares mutual authentication, as a constant expression equal to true.
template <class M>
concept DeclaresMutualAuthentication = requires {
  requires std::bool_constant<M::mutual_authentication>::value;
};

/// (c) The initiator learns that the acceptor admitted it (G1): see the header comment.
template <class M>
concept DeclaresAdmission = requires {
  requires std::bool_constant<M::initiator_learns_admission>::value;
};

/// Session keys: seal/open records, derive exporter keying material, wipe.
/// seal() and open() MUST work in place (`in.data() == out.data()`): Session<M> builds the
/// record's inner plaintext (content | type, docs/protocol/mutauth-pk.md §8.1) in the caller's
/// output buffer and seals it there, so that no record needs a buffer of its own.
template <class K>
concept SessionKeysConcept = requires(K& k, const K& ck, bytes_view in, bytes_span out,
                                      std::string_view label) {
  { K::seal_overhead } -> std::convertible_to<std::size_t>;
  { k.seal(in, out) }
  noexcept->std::same_as<result<std::size_t>>;
  { k.open(in, out) }
  noexcept->std::same_as<result<std::size_t>>;
  { ck.export_keying_material(label, in, out) }
  noexcept->std::same_as<result<void>>;
  { ck.channel_binding() }
  noexcept->std::same_as<bytes_view>;
  { k.wipe() }
  noexcept;
};

/// (b) The policy implements mutual authentication: each role context steps through tokens and
/// concludes with a PeerVerified witness; secrets can be wiped on demand.
template <class M>
concept ImplementsMutualAuthentication = requires(typename M::Initiator& i, typename M::Acceptor& a,
                                                  bytes_view in) {
  typename M::InitiatorConfig;
  typename M::AcceptorConfig;
  requires std::constructible_from<typename M::Initiator, const ServicePrincipal&,
                                   const typename M::InitiatorConfig&>;
  requires std::constructible_from<typename M::Acceptor, const typename M::AcceptorConfig&>;
  { i.initiate() }
  noexcept->std::same_as<result<mech_step>>;
  { i.on_token(in) }
  noexcept->std::same_as<result<mech_step>>;
  { a.on_token(in) }
  noexcept->std::same_as<result<mech_step>>;
  { std::move(i).conclude() }
  noexcept->std::same_as<result<Concluded<M>>>;
  { std::move(a).conclude() }
  noexcept->std::same_as<result<Concluded<M>>>;
  { i.wipe() }
  noexcept;
  { a.wipe() }
  noexcept;
};

/// Bounds every mechanism states (G6): the largest token it sends or accepts and the most
/// handshake messages (both directions) an exchange may take.
template <class M>
concept DeclaresBounds = requires {
  { M::name } -> std::convertible_to<std::string_view>;
  { M::max_token_size } -> std::convertible_to<std::size_t>;
  { M::max_handshake_messages } -> std::convertible_to<std::size_t>;
  requires M::max_token_size >
  0;
  // One message each way is the least "mutual" needs; the admission (c) makes the acceptor's
  // token the last, so the initiator must have sent one before it.
  requires M::max_handshake_messages >= 2;
};

template <class M>
concept Mechanism = DeclaresMutualAuthentication<M> && DeclaresAdmission<M> && DeclaresBounds<M> &&
    ImplementsMutualAuthentication<M> && SessionKeysConcept<typename M::SessionKeys>;

}  // namespace v0
}  // namespace mutauth
