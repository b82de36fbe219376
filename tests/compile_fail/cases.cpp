// Compile-fail cases. Each CASE must NOT compile, and the compiler's diagnostic must name the
// rule (checked by run_case.cmake). CASE 0 must compile: it proves the harness and includes are
// sound, so a failure of the other cases is the rule's doing, not a typo's.
#include <utility>

#include "mutauth/handshake.hpp"
#include "support/scripted_mechanism.hpp"

#if CASE == 12  // a pk certificate limit too small for even a pinned key's credential
#define MUTAUTH_PK_MAX_CERTIFICATE_SIZE 32
#include "mutauth/mech/pk/limits.hpp"
#endif
#if CASE == 13 || CASE == 14  // the Noise engine and its pattern tables
#include "mutauth/noise/handshake_state.hpp"
// §7.3: "ee" before either party has sent "e".
inline constexpr mutauth::noise::handshake_pattern malformed{
    "BAD", {{mutauth::noise::token::ee}, {mutauth::noise::token::e}}};
#endif

using namespace mutauth;
using mutauth::testing::Scripted;

// A policy that is a Scripted mechanism in every respect but the one under test.
struct NotMutual : Scripted {
  static constexpr bool mutual_authentication = false;
};
struct Undeclared {
  // Everything a mechanism needs except the declaration of mutual authentication.
  static constexpr std::string_view name = "undeclared";
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::size_t max_token_size = 16;
  static constexpr std::size_t max_handshake_messages = 2;
  using InitiatorConfig = Scripted::InitiatorConfig;
  using AcceptorConfig = Scripted::AcceptorConfig;
  using SessionKeys = Scripted::SessionKeys;
  using Initiator = Scripted::Initiator;
  using Acceptor = Scripted::Acceptor;
};
// Declares mutual authentication but its contexts cannot conclude with a verified peer.
struct DeclaresOnly {
  static constexpr bool mutual_authentication = true;
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::string_view name = "declares-only";
  static constexpr std::size_t max_token_size = 16;
  static constexpr std::size_t max_handshake_messages = 2;
  using InitiatorConfig = Scripted::InitiatorConfig;
  using AcceptorConfig = Scripted::AcceptorConfig;
  using SessionKeys = Scripted::SessionKeys;
  struct Initiator {
    Initiator(const ServicePrincipal&, const InitiatorConfig&) noexcept {}
    result<mech_step> initiate() noexcept { return mech_step{}; }
    result<mech_step> on_token(bytes_view) noexcept { return mech_step{}; }
    void wipe() noexcept {}
    // no conclude(): nothing ever proves the peer
  };
  using Acceptor = Scripted::Acceptor;
};

// (c) the admission declaration. AdmissionVariant<Declares, Value> is a complete, working
// mechanism (its contexts conclude with Concluded<AdmissionVariant>) in every respect but the
// declaration `initiator_learns_admission`: present and true (a Mechanism, CASE 0 checks it),
// present and false (CASE 16), or absent (CASE 15). So a refusal is the declaration's doing.
template <bool Declares, bool Value>
struct AdmissionFlag {};
template <bool Value>
struct AdmissionFlag<true, Value> {
  static constexpr bool initiator_learns_admission = Value;
};
template <bool Declares, bool Value>
struct AdmissionVariant : AdmissionFlag<Declares, Value> {
  static constexpr std::string_view name = "admission-variant";
  static constexpr bool mutual_authentication = true;
  static constexpr std::size_t max_token_size = Scripted::max_token_size;
  static constexpr std::size_t max_handshake_messages = 8;
  using InitiatorConfig = Scripted::InitiatorConfig;
  using AcceptorConfig = Scripted::AcceptorConfig;
  using SessionKeys = Scripted::SessionKeys;
  static result<Concluded<AdmissionVariant>> rebrand(result<Concluded<Scripted>>&& c) noexcept {
    if (!c) return c.error_value();
    return Concluded<AdmissionVariant>{
        PeerVerified<AdmissionVariant>::assert_peer_verified(c->peer.principal()), c->local,
        c->service, std::move(c->keys)};
  }
  struct Initiator : Scripted::Initiator {
    using Scripted::Initiator::Initiator;
    result<Concluded<AdmissionVariant>> conclude() && noexcept {
      return rebrand(std::move(static_cast<Scripted::Initiator&>(*this)).conclude());
    }
  };
  struct Acceptor : Scripted::Acceptor {
    using Scripted::Acceptor::Acceptor;
    result<Concluded<AdmissionVariant>> conclude() && noexcept {
      return rebrand(std::move(static_cast<Scripted::Acceptor&>(*this)).conclude());
    }
  };
};
using DeclaresAdmissionTrue = AdmissionVariant<true, true>;
using NoAdmission = AdmissionVariant<false, false>;
using AdmissionFalse = AdmissionVariant<true, false>;

// Policies for the control case and cases 21-22 (authorization.hpp).
bool plain_policy(const Principal&) { return true; }
struct EmptyPolicy {
  bool operator()(const Principal&) const { return true; }
};
struct CountingPolicy {
  int n = 0;
  bool operator()(const Principal&) { return ++n > 0; }
};

int main() {
  [[maybe_unused]] const auto target = *ServicePrincipal::parse("host/a.example.test");
  [[maybe_unused]] Scripted::InitiatorConfig icfg;
#if CASE == 0
  Initiator<Scripted> hs(target, icfg);
  (void)hs.step();
  // The admission variants differ only in the declaration: with it, a Mechanism.
  static_assert(Mechanism<DeclaresAdmissionTrue>);
  Initiator<DeclaresAdmissionTrue> with_admission(target, icfg);
  (void)with_admission.step();
  static_assert(DeclaresMutualAuthentication<NoAdmission> && DeclaresBounds<NoAdmission> &&
                ImplementsMutualAuthentication<NoAdmission>);
  static_assert(DeclaresMutualAuthentication<AdmissionFalse> && DeclaresBounds<AdmissionFalse> &&
                ImplementsMutualAuthentication<AdmissionFalse>);
  // Handshakes move-construct (but are not move-assigned: 17, 18); Session has mechanism_info().
  Initiator<Scripted> moved_to = std::move(hs);
  (void)moved_to;
  static_assert(requires(const Session<Scripted>& s) { s.mechanism_info().key(); });
  // Every kind of policy the Authorizer takes (cases 10, 21 and 22 are its refusals): functions
  // and captureless lambdas with or without noexcept, stateless temporaries, a named stateful one.
  Acceptor<Scripted> by_function(Scripted::AcceptorConfig{}, plain_policy);
  Acceptor<Scripted> by_pointer(Scripted::AcceptorConfig{}, &plain_policy);
  Acceptor<Scripted> by_lambda(Scripted::AcceptorConfig{}, [](const Principal&) { return true; });
  Acceptor<Scripted> by_functor(Scripted::AcceptorConfig{}, EmptyPolicy{});
  int admitted = 0;
  auto counting = [&admitted](const Principal&) { return ++admitted > 0; };
  Acceptor<Scripted> by_reference(Scripted::AcceptorConfig{}, counting);
#elif CASE == 1   // mutual_authentication = false
  Initiator<NotMutual> hs(target, icfg);
#elif CASE == 2   // no mutual_authentication declaration at all
  Initiator<Undeclared> hs(target, icfg);
#elif CASE == 3   // declared but not implemented: no way to conclude with a verified peer
  Initiator<DeclaresOnly> hs(target, icfg);
#elif CASE == 4   // application data cannot be sealed through a handshake
  Initiator<Scripted> hs(target, icfg);
  std::uint8_t buf[64] = {};
  (void)hs.seal(bytes_view(buf, 4), bytes_span(buf));
#elif CASE == 5   // ... nor opened
  Acceptor<Scripted> hs(Scripted::AcceptorConfig{}, Authorizer::deny_all());
  std::uint8_t buf[64] = {};
  (void)hs.open(bytes_view(buf, 16), bytes_span(buf));
#elif CASE == 6   // a Session cannot be made except by finish()
  Initiator<Scripted> hs(target, icfg);
  Concluded<Scripted>* c = nullptr;
  detail::session_names names;
  Session<Scripted> s(role::initiator, std::move(*c), names);
#elif CASE == 7   // nor default-constructed
  Session<Scripted> s;
#elif CASE == 8   // finish() only on an rvalue: the handshake is consumed
  Initiator<Scripted> hs(target, icfg);
  auto s = hs.finish();
#elif CASE == 9   // an acceptor cannot be built without an authorization policy (G3)
  Acceptor<Scripted> hs(Scripted::AcceptorConfig{});
#elif CASE == 10  // a temporary stateful policy would dangle: refused
  int n = 0;
  Acceptor<Scripted> hs(Scripted::AcceptorConfig{}, [&n](const Principal&) { return ++n > 0; });
#elif CASE == 21  // a policy answers bool: an int (or a pointer) would convert silently
  Authorizer a([](const Principal&) { return 1; });
#elif CASE == 22  // ... and a stateful functor temporary dangles like a capturing lambda
  Acceptor<Scripted> hs(Scripted::AcceptorConfig{}, CountingPolicy{});
#elif CASE == 11  // the witness of a verified peer cannot be made up with a constructor
  Principal p;
  PeerVerified<Scripted> w(p);
#elif CASE == 13  // a valid pattern with static keys: the engine has none (pattern.hpp)
  (void)sizeof(mutauth::noise::basic_handshake_state<mutauth::noise::patterns::XX>);
#elif CASE == 14  // a token table that breaks Noise §7.3
  (void)sizeof(mutauth::noise::basic_handshake_state<malformed>);
#elif CASE == 15  // no initiator_learns_admission declaration at all
  Initiator<NoAdmission> hs(target, icfg);
#elif CASE == 16  // initiator_learns_admission = false
  Initiator<AdmissionFalse> hs(target, icfg);
#elif CASE == 17  // a handshake cannot be move-assigned (a live one would be overwritten)
  Initiator<Scripted> a(target, icfg), b(target, icfg);
  b = std::move(a);
#elif CASE == 18  // ... an acceptor neither
  Acceptor<Scripted> a(Scripted::AcceptorConfig{}, Authorizer::deny_all());
  Acceptor<Scripted> b(Scripted::AcceptorConfig{}, Authorizer::deny_all());
  b = std::move(a);
#elif CASE == 19  // Session has no mechanism_keys() any more (mechanism_info() is read-only)
  Session<Scripted>* s = nullptr;
  (void)s->mechanism_keys();
#elif CASE == 20  // nothing reachable through mechanism_info() seals, opens or wipes
  Session<Scripted>* s = nullptr;
  std::uint8_t buf[64] = {};
  (void)s->mechanism_info().seal(bytes_view(buf, 4), bytes_span(buf));
#endif
  return 0;
}
