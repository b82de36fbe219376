// mutauth — Initiator<M> and Acceptor<M>: the sans-IO handshake state machine
// (docs/design.md §2).
//
// The caller moves whole tokens; nothing here touches a socket. Typical loop (initiator):
//
//   mutauth::Initiator<M> hs(target, config);
//   auto r = hs.step();                       // first token
//   while (r.st == status::send || r.st == status::receive) {
//     if (!r.token.empty()) transport.send(r.token);
//     r = hs.step(transport.recv());
//   }
//   if (r.st == status::done) { if (!r.token.empty()) transport.send(r.token);
//                               auto session = std::move(hs).finish(); }
//
// A handshake object has no way to send or receive application data: there is no seal/open on
// it (G1). Its states and legal events are the constexpr table in detail/transition_table.hpp.
// The initiator is done only after the acceptor's last token, which says that the acceptor
// verified and admitted this client (mechanism.hpp (c)); the acceptor releases that token only
// after its authorization policy said yes.
#pragma once

#include <algorithm>    // std::copy
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint16_t
#include <optional>     // the concluded mechanism, once done
#include <type_traits>  // std::conditional_t
#include <utility>      // std::move

#include "mutauth/alert.hpp"
#include "mutauth/authorization.hpp"
#include "mutauth/bytes.hpp"
#include "mutauth/detail/transition_table.hpp"
#include "mutauth/error.hpp"
#include "mutauth/framing.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"
#include "mutauth/session.hpp"

namespace mutauth {
inline namespace v0 {

/// What the caller must do after a step.
enum class status : std::uint8_t {
  send,     ///< send `token`, then feed the peer's next token to step()
  receive,  ///< nothing to send; feed the peer's next token to step()
  done,     ///< send `token` if it is not empty, then call std::move(hs).finish()
  failed,   ///< the handshake is dead; last_error() says why (send nothing but an alert, after
  ///< `token` when it is not empty: a refusal the peer needs, docs/protocol/negotiate.md §3.3)
};

[[nodiscard]] constexpr std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::send: return "send";
    case status::receive: return "receive";
    case status::done: return "done";
    case status::failed: return "failed";
  }
  return "?";
}

/// The outcome of one step. `token` views storage inside the handshake (or the caller's `out`
/// buffer for the two-argument step) and stays valid until the next call on the handshake.
struct [[nodiscard]] step_result {
  status st = status::failed;
  bytes_view token{};
  errc code = errc::ok;
};

namespace detail {

template <Mechanism M, role R, class Ctx>
class handshake_base {
 public:
  handshake_base(const handshake_base&) = delete;
  handshake_base& operator=(const handshake_base&) = delete;
  // A moved-from handshake is dead: every call on it fails with a clear error, and it can never
  // finish (its keys went with the move).
  handshake_base(handshake_base&& o) noexcept
      : mech_(std::move(o.mech_)),
        state_(o.state_),
        messages_(o.messages_),
        err_(o.err_),
        session_(std::move(o.session_)) {
    o.kill_moved_from();
  }
  handshake_base& operator=(handshake_base&&) = delete;

  [[nodiscard]] hs_state state() const noexcept { return state_; }
  [[nodiscard]] bool is_done() const noexcept { return state_ == hs_state::done; }
  [[nodiscard]] bool is_failed() const noexcept { return state_ == hs_state::failed; }
  /// The sticky error of a failed handshake (errc::ok otherwise).
  [[nodiscard]] const error& last_error() const noexcept { return err_; }
  /// Handshake messages sent plus received so far.
  [[nodiscard]] std::size_t messages() const noexcept { return messages_; }

  /// The wire delivered an application record while the handshake runs: a protocol violation
  /// that ends the handshake (G1), whatever the state.
  step_result on_application_data() noexcept { return dispatch(hs_event::application_data, {}); }
  /// The peer sent an alert: the handshake is over. An `unauthorized` alert (the server
  /// verified this client and its policy refused it) fails with errc::unauthorized; note that a
  /// clear-text alert is not authenticated, so it can only ever end a handshake, never start
  /// anything.
  step_result on_alert(alert_reason why = alert_reason::handshake_failed) noexcept {
    if (state_ == hs_state::failed) return {status::failed, {}, err_.code()};
    if (why == alert_reason::unauthorized)
      return fail(error(errc::unauthorized,
                        "the server refused this client: it verified the client's identity and "
                        "its authorization policy said no",
                        "ask the server's operator to admit this principal"));
    error e(errc::peer_alert, "the peer sent an alert and ended the handshake: ");
    e.append(is_known(why) ? to_string(why) : std::string_view("unknown reason"));
    e.with_hint("the peer's own log says why; peers learn no details of each other's errors");
    return fail(e);
  }

  /// Largest token this mechanism ever emits: the size `out` must have in step(in, out).
  static constexpr std::size_t max_token_size = M::max_token_size;

 protected:
  template <class... A>
  explicit handshake_base(A&&... a) noexcept : mech_(static_cast<A&&>(a)...) {}

  ~handshake_base() {
    mech_.wipe();  // session_'s own destructor wipes its keys
  }

  step_result dispatch(hs_event ev, bytes_view in) noexcept {
    if (state_ == hs_state::failed) return {status::failed, {}, err_.code()};
    const transition* t = find_transition(R, state_, ev);
    if (t == nullptr) return fail(refusal_for(ev));

    if (ev == hs_event::handshake_token) {
      // G6: bound what we accept before any mechanism code parses it.
      if (in.size() > M::max_token_size)
        return fail(error(errc::too_large, "handshake token exceeds the mechanism's maximum"));
      if (++messages_ > M::max_handshake_messages)
        return fail(error(errc::too_many_messages,
                          "peer sent more handshake messages than the mechanism allows"));
    }

    result<mech_step> r = (ev == hs_event::initiate) ? initiate_impl() : mech_.on_token(in);
    if (!r) return fail_with_refusal(r.error_value());
    const mech_step s = *r;

    if (!s.token.empty()) {
      if (s.token.size() > M::max_token_size)
        return fail(error(errc::mechanism_failure, "mechanism produced an oversized token"));
      if (++messages_ > M::max_handshake_messages)
        return fail(
            error(errc::too_many_messages, "handshake would exceed the mechanism's message bound"));
    }
    if (s.complete && !t->may_complete)
      return fail(error(errc::mechanism_failure, "mechanism completed before verifying its peer"));
    // G1's admission rule (mechanism.hpp (c)): the acceptor's last token is its admission of the
    // client, so it completes only while emitting one; the initiator completes only on that
    // token, with nothing left to send.
    if constexpr (R == role::acceptor) {
      if (s.complete && s.token.empty())
        return fail(
            error(errc::mechanism_failure,
                  "acceptor completed without the admission token its initiator must receive"));
    } else {
      if (s.complete && !s.token.empty())
        return fail(error(errc::mechanism_failure,
                          "initiator completed while still sending: it has not learned that the "
                          "acceptor admitted it"));
    }
    if (!s.complete && s.token.empty() && ev == hs_event::initiate)
      return fail(error(errc::mechanism_failure, "mechanism produced no first token"));

    if (!s.complete) {
      state_ = t->on_more;
      return {s.token.empty() ? status::receive : status::send, s.token, errc::ok};
    }

    // The mechanism says the peer is verified. Conclude, then apply the role's own rule before
    // releasing the last token: the acceptor's authorization runs before its final token leaves,
    // so a refused client does not even get the server's proof (Kerberos AP-REP).
    if (result<void> ok = conclude_session(); !ok) return fail(ok.error_value());
    state_ = t->on_complete;
    return {status::done, s.token, errc::ok};
  }

  // The mechanism's conclusion, checked and turned into the Session. Out of line so that
  // dispatch()'s frame, which lies below every mechanism step, does not also hold the Concluded
  // (about 3 KB on the Cortex-M4: docs/embedded.md, "Sizes").
  [[gnu::noinline]] result<void> conclude_session() noexcept {
    if constexpr (concludes_in_place) {
      // The checks of the conclusion, on the names the Session will hold (a scratch table):
      // they fit, and G2. The mechanism keeps its keys until finish() builds the Session
      // (finish_impl), so the handshake object holds no Session (docs/embedded.md, "Sizes").
      session_names names;
      result<void> r = mech_.conclude_names(names);
      if (r) r = check_service(names.service());
      return r;
    } else {
      return conclude_from_concluded();
    }
  }

  result<void> conclude_from_concluded() noexcept {
    result<Concluded<M>> c = std::move(mech_).conclude();
    if (!c) return c.error_value();
    if (result<void> ok = check_concluded(*c); !ok) {
      c->keys.wipe();
      return ok;
    }
    // The Session is built here, so the handshake holds its compact form (keys and one name
    // table) rather than the Concluded with three fixed-capacity names; names that do not fit
    // the table fail the handshake before its last token leaves.
    {
      detail::session_names names;
      if (!names.assign(c->peer.principal(), c->local, c->service)) {
        c->keys.wipe();
        return session_names_too_large();
      }
      session_.emplace(session_passkey{}, R, std::move(*c), names);
    }
    return mutauth::ok();
  }

  // Copies a step's token into caller storage. The size is checked against the mechanism's
  // bound *before* stepping, so a short buffer changes nothing (BearSSL/rustls rule).
  step_result dispatch_into(hs_event ev, bytes_view in, bytes_span out) noexcept {
    if (state_ != hs_state::failed && out.size() < M::max_token_size) {
      // Not a failure of the handshake: the state is untouched and the call may be repeated
      // with max_token_size bytes of storage.
      return {status::failed, {}, errc::buffer_too_small};
    }
    step_result r = dispatch(ev, in);
    if (!r.token.empty()) {
      std::copy(r.token.begin(), r.token.end(), out.begin());
      r.token = bytes_view(out.data(), r.token.size());
    }
    return r;
  }

  result<Session<M>> finish_impl() noexcept {
    if (state_ != hs_state::done) {
      step_result r = dispatch(hs_event::finish, {});
      (void)r;
      return err_;
    }
    state_ = hs_state::finished;
    if constexpr (concludes_in_place) {
      // Built where the caller receives it: the mechanism writes the names (those the completing
      // step checked) and moves its keys into the Session's own storage, with no Concluded and
      // no second Session on the way.
      result<Session<M>> s(std::in_place, session_passkey{}, R);
      if (result<void> r = std::move(mech_).conclude_into(s->names_, s->keys_); !r) {
        (void)fail(r.error_value());
        into_error(s, err_);
      }
      return s;
    } else {
      result<Session<M>> s(std::move(*session_));
      session_.reset();
      return s;
    }
  }

  // Out of line: the temporary is not in finish()'s frame on the way that succeeds.
  [[gnu::noinline]] static void into_error(result<Session<M>>& s, const error& e) noexcept {
    s = result<Session<M>>(e);
  }

  // A mechanism whose peer must read why it refused (negotiate.hpp: the mechanisms the server
  // accepts, docs/protocol/negotiate.md §3.3) exposes that token as refusal_token(): public, and
  // kept through wipe(). The failed step carries it for the caller to send before the alert.
  step_result fail_with_refusal(const error& e) noexcept {
    step_result f = fail(e);
    if constexpr (requires(const Ctx& c) {
                    { c.refusal_token() }
                    noexcept->std::same_as<bytes_view>;
                  })
      f.token = mech_.refusal_token();
    return f;
  }

  void kill_moved_from() noexcept { (void)fail(detail::moved_from("this handshake")); }

  [[gnu::noinline]] step_result fail(const error& e) noexcept {
    state_ = hs_state::failed;
    err_ = e;
    mech_.wipe();                                         // G5: a dead context holds no secrets
    if constexpr (!concludes_in_place) session_.reset();  // its destructor wipes the keys
    return {status::failed, {}, e.code()};
  }

  // A mechanism (role context) that fills the Session itself: conclude_names(names) puts the
  // verified peer, this side and the service principal into `names` (errc::too_large when they
  // do not fit) and conclude_into(names, keys) does the same into the Session and moves its keys
  // there. It is still a Mechanism: conclude() with its Concluded stays (mechanism.hpp).
  static constexpr bool concludes_in_place =
      requires(Ctx && c, const Ctx& cc, session_names& n, typename M::SessionKeys& k) {
    { cc.conclude_names(n) }
    noexcept->std::same_as<result<void>>;
    { static_cast<Ctx&&>(c).conclude_into(n, k) }
    noexcept->std::same_as<result<void>>;
  };
  struct no_session {};

  Ctx mech_;
  hs_state state_ = hs_state::start;
  std::uint16_t messages_ = 0;
  error err_{};
  // The concluded Session, for a mechanism that concludes through a Concluded.
  [[no_unique_address]] std::conditional_t<concludes_in_place, no_session,
                                           std::optional<Session<M>>>
      session_;

 private:
  static error refusal_for(hs_event ev) noexcept {
    switch (ev) {
      case hs_event::application_data:
        return error(errc::app_data_before_auth,
                     "application data arrived before both identities were proven");
      case hs_event::alert:
        return error(errc::peer_alert, "the peer sent an alert and ended the handshake",
                     "the peer's own log says why; peers learn no details of each other's errors");
      case hs_event::finish:
        return error(errc::handshake_not_finished, "finish() called before the handshake was done",
                     "step() until it reports status::done");
      case hs_event::initiate:
        return error(errc::wrong_state, "only an initiator at the start may step without input");
      case hs_event::handshake_token:
        return error(errc::unexpected_message, "handshake token not expected in this state");
    }
    return error(errc::wrong_state);
  }

  result<mech_step> initiate_impl() noexcept {
    if constexpr (R == role::initiator) return mech_.initiate();
    else return error(errc::wrong_state);
  }

  result<void> check_concluded(const Concluded<M>& c) noexcept;
  // G2 for the initiator, on the service principal the conclusion holds.
  template <class Service>
  result<void> check_service(const Service& service) noexcept;
};

}  // namespace detail

/// The client side. It is built with the service principal the client composed (G2) and fails
/// unless the server proves exactly that name.
template <Mechanism M>
class Initiator : public detail::handshake_base<M, role::initiator, typename M::Initiator> {
  using base = detail::handshake_base<M, role::initiator, typename M::Initiator>;

 public:
  using config_type = typename M::InitiatorConfig;

  /// `config` (and anything it refers to) MUST outlive the handshake.
  Initiator(const ServicePrincipal& target, const config_type& config) noexcept
      : base(target, config), target_(target) {}

  /// Drives the handshake. At the start, call it with no input to get the first token; then
  /// feed each token the peer sends. See status for what to do with the result.
  step_result step(bytes_view in = {}) noexcept { return this->dispatch(initial_event(in), in); }
  /// As step(in), writing the token into `out`, which MUST hold max_token_size bytes; a shorter
  /// buffer returns errc::buffer_too_small and changes nothing.
  step_result step(bytes_view in, bytes_span out) noexcept {
    return this->dispatch_into(initial_event(in), in, out);
  }

  /// Consumes the handshake. A Session only from a handshake that is done; otherwise the
  /// handshake's error (or errc::handshake_not_finished) and the handshake is dead.
  [[nodiscard]] result<Session<M>> finish() && noexcept { return this->finish_impl(); }

  [[nodiscard]] const ServicePrincipal& target() const noexcept {
    if constexpr (mechanism_keeps_target) return this->mech_.target();
    else return target_;
  }

 private:
  hs_event initial_event(bytes_view in) const noexcept {
    return (this->state_ == hs_state::start && in.empty()) ? hs_event::initiate
                                                           : hs_event::handshake_token;
  }
  // A role context that keeps the composed target itself (and says so with target()) is not
  // given a second copy here (docs/embedded.md, "Sizes": 200 bytes on the Cortex-M4).
  static constexpr bool mechanism_keeps_target = requires(const typename M::Initiator& c) {
    { c.target() }
    noexcept->std::same_as<const ServicePrincipal&>;
  };
  struct no_target {
    explicit no_target(const ServicePrincipal& /*kept by the mechanism*/) noexcept {}
  };
  [[no_unique_address]] std::conditional_t<mechanism_keeps_target, no_target, ServicePrincipal>
      target_;
  template <Mechanism, role, class>
  friend class detail::handshake_base;
};

/// The server side. It cannot be built without an authorization policy (G3): a client is
/// admitted only if its *proven* principal passes it.
template <Mechanism M>
class Acceptor : public detail::handshake_base<M, role::acceptor, typename M::Acceptor> {
  using base = detail::handshake_base<M, role::acceptor, typename M::Acceptor>;

 public:
  using config_type = typename M::AcceptorConfig;

  /// `config`, and the callable behind `authorize`, MUST outlive the handshake.
  Acceptor(const config_type& config, Authorizer authorize) noexcept
      : base(config), authorize_(authorize) {}

  /// Feeds one token from the client. See status for what to do with the result.
  step_result step(bytes_view in) noexcept { return this->dispatch(hs_event::handshake_token, in); }
  step_result step(bytes_view in, bytes_span out) noexcept {
    return this->dispatch_into(hs_event::handshake_token, in, out);
  }

  [[nodiscard]] result<Session<M>> finish() && noexcept { return this->finish_impl(); }

 private:
  Authorizer authorize_;
  template <Mechanism, role, class>
  friend class detail::handshake_base;
};

namespace detail {
template <Mechanism M, role R, class Ctx>
result<void> handshake_base<M, R, Ctx>::check_concluded(const Concluded<M>& c) noexcept {
  if constexpr (R == role::initiator) {
    // G2 in the core, not only in each mechanism: the server must have proven exactly the name
    // the client composed.
    return check_service(c.service);
  } else {
    const auto& self = static_cast<const Acceptor<M>&>(*this);
    const authorization verdict = self.authorize_.decide(c.peer.principal());
    if (verdict == authorization::failed) {
      // A throwing policy is a refusal (fail closed, G5), told apart from a deliberate "no".
      error e(errc::unauthorized, "the authorization policy threw an exception; client refused: ",
              "fix the policy: it must return true or false; an exception refuses the client");
      e.append(c.peer.principal().name.view());
      return e;
    }
    if (verdict != authorization::admitted) {
      error e(errc::unauthorized, "authenticated client refused by the authorization policy: ");
      e.append(c.peer.principal().name.view());
      return e;
    }
  }
  return ok();
}

template <Mechanism M, role R, class Ctx>
template <class Service>
result<void> handshake_base<M, R, Ctx>::check_service(const Service& service) noexcept {
  // G2 in the core, not only in each mechanism: the server must have proven exactly the name
  // the client composed (target(): the core's copy, or the one the role context keeps from its
  // construction).
  const auto& self = static_cast<const Initiator<M>&>(*this);
  if (!(service == self.target()))
    return error(errc::name_mismatch,
                 "server proved a different service principal than the one composed");
  return ok();
}
}  // namespace detail

/// Hands one decoded record (framing.hpp) to a handshake: handshake records are stepped, an
/// application record or an alert ends the handshake (G1).
template <class Handshake>
[[nodiscard]] step_result feed_record(Handshake& hs, const record& r) noexcept {
  switch (r.type) {
    case record_type::handshake: return hs.step(r.body);
    case record_type::application: return hs.on_application_data();
    case record_type::alert:
      return hs.on_alert(r.body.empty() ? alert_reason::handshake_failed
                                        : static_cast<alert_reason>(r.body[0]));
  }
  return hs.on_application_data();
}

}  // namespace v0
}  // namespace mutauth
