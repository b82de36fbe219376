// mutauth — the acceptor's authorization hook (G3). Authentication says who the client is;
// this says whether that client may come in. The acceptor cannot be built without one.
#pragma once

#include <type_traits>  // std::is_invocable_r_v, std::is_pointer_v
#include <utility>      // std::forward

#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {

/// A non-owning reference to an authorization decision `bool(const Principal&)`.
/// No heap, no std::function: a plain function (or captureless lambda) is held by pointer,
/// a stateful callable by reference — so it MUST outlive the Acceptor that holds it. Binding a
/// temporary callable is refused at compile time for that reason.
class Authorizer {
 public:
  using function_type = bool (*)(const Principal&) noexcept;

  // NOLINTNEXTLINE(google-explicit-constructor): a function is the common case.
  constexpr Authorizer(function_type fn) noexcept : fn_(fn) {}

  template <class F>
    requires(std::is_invocable_r_v<bool, F&, const Principal&> &&
             !std::is_convertible_v<F, function_type> &&
             !std::is_same_v<std::remove_cv_t<F>, Authorizer>)
  constexpr Authorizer(F& callable) noexcept
      : obj_(static_cast<void*>(&callable)), call_obj_(&call_obj<F>) {}

  // A temporary stateful callable would dangle once the Acceptor outlives the full expression.
  template <class F>
    requires(std::is_invocable_r_v<bool, F&, const Principal&> && !std::is_lvalue_reference_v<F> &&
             !std::is_convertible_v<F, function_type> &&
             !std::is_same_v<std::remove_cvref_t<F>, Authorizer>)
  Authorizer(F&&) = delete;

  [[nodiscard]] bool operator()(const Principal& who) const noexcept {
    return fn_ ? fn_(who) : call_obj_(obj_, who);
  }

  /// Admit nobody. Useful as an explicit default: authentication still runs, then fails closed.
  [[nodiscard]] static constexpr Authorizer deny_all() noexcept { return Authorizer(&deny); }

 private:
  static bool deny(const Principal&) noexcept { return false; }
  template <class F>
  static bool call_obj(void* ctx, const Principal& who) noexcept {
    return static_cast<bool>((*static_cast<F*>(ctx))(who));
  }
  function_type fn_ = nullptr;
  void* obj_ = nullptr;
  bool (*call_obj_)(void*, const Principal&) noexcept = nullptr;
};

}  // namespace v0
}  // namespace mutauth
