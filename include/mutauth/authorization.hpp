// mutauth — the acceptor's authorization hook (G3). Authentication says who the client is;
// this says whether that client may come in. The acceptor cannot be built without one.
#pragma once

#include <concepts>     // std::same_as
#include <memory>       // std::addressof
#include <type_traits>  // std::invoke_result_t, std::is_empty_v, ...

#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {

/// What an authorization policy decided. `failed` is a policy that threw: it counts as a
/// refusal (docs/design.md §1, G5: fail closed), but the acceptor reports it apart so that a
/// broken policy is not mistaken for a deliberate "no".
enum class authorization : unsigned char { refused = 0, admitted = 1, failed = 2 };

namespace detail {
// A policy answers exactly `bool`: a callable returning a pointer, an int or a result type
// would convert silently, and "non-null" is not a decision.
template <class F>
concept bool_policy = requires(F& f, const Principal& who) {
  { f(who) } -> std::same_as<bool>;
};

// Stateless (a captureless lambda, an empty functor): nothing to keep alive, so a temporary
// may be bound; the call default-constructs a fresh one, which is the same callable.
template <class F>
concept stateless_policy = std::is_class_v<F> && std::is_empty_v<F> &&
    std::is_trivially_default_constructible_v<F> && bool_policy<F>;

template <class F>
[[nodiscard]] authorization run_policy(F& policy, const Principal& who) noexcept {
#if __cpp_exceptions
  if constexpr (!std::is_nothrow_invocable_v<F&, const Principal&>) {
    // An exception must not escape into the noexcept handshake (that is std::terminate) nor
    // be read as an answer: whatever the policy meant, it did not say yes.
    try {
      return policy(who) ? authorization::admitted : authorization::refused;
    } catch (...) {
      return authorization::failed;
    }
  }
#endif
  return policy(who) ? authorization::admitted : authorization::refused;
}
}  // namespace detail

/// A non-owning reference to an authorization decision `bool(const Principal&)`: a function, a
/// function pointer, a lambda or a functor, `noexcept` or not. No heap, no std::function.
/// - functions and function pointers are held by pointer;
/// - stateless callables (captureless lambdas, empty functors) are held by type, so a temporary
///   is fine: `Acceptor<M> hs(cfg, [](const Principal& p) { return p.name.view() == "alice"; });`
/// - a stateful callable (a lambda with captures, a functor with members) is held by reference,
///   so it MUST outlive the Acceptor that holds it. Binding a temporary one is refused at compile
///   time for that reason (tests/compile_fail).
/// A policy that throws refuses the client (authorization::failed); it never terminates.
class Authorizer {
 public:
  using function_type = bool (*)(const Principal&);

  // NOLINTNEXTLINE(google-explicit-constructor): a function is the common case.
  constexpr Authorizer(function_type fn) noexcept : fn_(fn), call_(&call_function) {}

  template <class F>
    requires(detail::stateless_policy<std::remove_cvref_t<F>>)
  // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
  constexpr Authorizer(F&&) noexcept : call_(&call_stateless<std::remove_cvref_t<F>>) {}

  template <class F>
    requires(std::is_class_v<F> && !detail::stateless_policy<std::remove_cv_t<F>> &&
             detail::bool_policy<F> && !std::is_same_v<std::remove_cv_t<F>, Authorizer>)
  // NOLINTNEXTLINE(google-explicit-constructor)
  constexpr Authorizer(F& callable) noexcept
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
        call_(&call_object<F>) {}

  // A temporary stateful callable would dangle once the Acceptor outlives the full expression.
  template <class F>
    requires(std::is_class_v<std::remove_cvref_t<F>> && !std::is_lvalue_reference_v<F> &&
             !detail::stateless_policy<std::remove_cvref_t<F>> && detail::bool_policy<F> &&
             !std::is_same_v<std::remove_cvref_t<F>, Authorizer>)
  Authorizer(F&&)
  = delete;

  /// The policy's answer; a policy that threw is `failed`.
  [[nodiscard]] authorization decide(const Principal& who) const noexcept {
    return call_(*this, who);
  }

  /// True only when the policy admitted `who` (a throw is a no).
  [[nodiscard]] bool operator()(const Principal& who) const noexcept {
    return decide(who) == authorization::admitted;
  }

  /// Admit nobody. Useful as an explicit default: authentication still runs, then fails closed.
  [[nodiscard]] static constexpr Authorizer deny_all() noexcept {
    return Authorizer([](const Principal&) noexcept { return false; });
  }

 private:
  static authorization call_function(const Authorizer& self, const Principal& who) noexcept {
    if (self.fn_ == nullptr) return authorization::refused;  // no policy admits nobody (G3)
    return detail::run_policy(*self.fn_, who);
  }
  template <class F>
  static authorization call_stateless(const Authorizer&, const Principal& who) noexcept {
    F policy{};
    return detail::run_policy(policy, who);
  }
  template <class F>
  static authorization call_object(const Authorizer& self, const Principal& who) noexcept {
    return detail::run_policy(*static_cast<F*>(self.obj_), who);
  }

  function_type fn_ = nullptr;
  void* obj_ = nullptr;
  authorization (*call_)(const Authorizer&, const Principal&) noexcept = nullptr;
};

}  // namespace v0
}  // namespace mutauth
