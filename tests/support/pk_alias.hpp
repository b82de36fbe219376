// TEST ONLY. PkAlias<Name>: mutauth-pk/1 under another mechanism name, so that negotiation
// (negotiate.hpp) can be tested between two real, distinct-named mechanisms without a KDC. Its
// tokens are mutauth-pk/1's: a relay that swaps the two names leaves every token valid, which
// is exactly the downgrade only the negotiation binding can catch.
#pragma once

#include <string_view>
#include <utility>

#include "mutauth/mech/pk/pk.hpp"

namespace mutauth::testing {

template <class Name>
struct PkAlias {
  static constexpr std::string_view name = Name::value;
  static constexpr bool mutual_authentication = true;
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::size_t max_token_size = pk::PublicKey::max_token_size;
  static constexpr std::size_t max_handshake_messages = pk::PublicKey::max_handshake_messages;
  using InitiatorConfig = pk::InitiatorConfig;
  using AcceptorConfig = pk::AcceptorConfig;
  using SessionKeys = pk::SessionKeys;

  template <class C>
  static result<Concluded<PkAlias>> relabel(result<C>&& c) noexcept {
    if (!c) return c.error_value();
    // pk minted the witness where it verified the proof; this test mechanism only renames it.
    Principal peer = c->peer.principal(), local = c->local;
    peer.mechanism = name;
    local.mechanism = name;
    return Concluded<PkAlias>{PeerVerified<PkAlias>::assert_peer_verified(peer), local, c->service,
                              std::move(c->keys)};
  }

  class Initiator {
   public:
    Initiator(const ServicePrincipal& t, const InitiatorConfig& c) noexcept : in_(t, c) {}
    result<mech_step> initiate() noexcept { return in_.initiate(); }
    result<mech_step> on_token(bytes_view in) noexcept { return in_.on_token(in); }
    result<Concluded<PkAlias>> conclude() && noexcept { return relabel(std::move(in_).conclude()); }
    void wipe() noexcept { in_.wipe(); }

   private:
    pk::PublicKey::Initiator in_;
  };
  class Acceptor {
   public:
    explicit Acceptor(const AcceptorConfig& c) noexcept : in_(c) {}
    result<mech_step> on_token(bytes_view in) noexcept { return in_.on_token(in); }
    result<Concluded<PkAlias>> conclude() && noexcept { return relabel(std::move(in_).conclude()); }
    void wipe() noexcept { in_.wipe(); }

   private:
    pk::PublicKey::Acceptor in_;
  };
};

struct AltPkName {
  static constexpr std::string_view value = "alt-pk/1";
};
using AltPk = PkAlias<AltPkName>;

}  // namespace mutauth::testing
