// mutauth — Session<M>: the only object that can seal and open application data (G1).
// It has no public constructor: the one way to get a Session is std::move(handshake).finish()
// on a handshake that reached `done`, i.e. after both identities were proven.
#pragma once

#include <cstddef>      // std::size_t
#include <string_view>  // exporter labels
#include <utility>      // std::move

#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"

namespace mutauth {
inline namespace v0 {

namespace detail {
template <Mechanism M, role R, class Ctx>
class handshake_base;

// A mechanism whose record overhead varies per session (Kerberos: by enctype) states the least
// overhead a valid record has as `open_overhead`; otherwise it is seal_overhead.
template <class K>
constexpr std::size_t open_overhead_of() noexcept {
  if constexpr (requires { K::open_overhead; }) return K::open_overhead;
  else return K::seal_overhead;
}
}  // namespace detail

template <Mechanism M>
class Session {
  using keys_type = typename M::SessionKeys;

 public:
  /// The most bytes seal() adds to a plaintext (tag, explicit nonce, ...): give seal() this much
  /// room beyond the plaintext.
  static constexpr std::size_t seal_overhead = keys_type::seal_overhead;
  /// The least overhead of a valid record: a shorter record is refused, and open() needs at most
  /// record.size() - open_overhead bytes of output.
  static constexpr std::size_t open_overhead = detail::open_overhead_of<keys_type>();
  static_assert(open_overhead <= seal_overhead);

  Session(Session&& o) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { keys_.wipe(); }

  /// Seals `plaintext` into `out` (needs plaintext.size() + seal_overhead bytes).
  /// A short `out` returns errc::buffer_too_small with required_size() and changes nothing.
  /// Any other failure is sticky: the session is dead and its keys are wiped (G5).
  [[nodiscard]] result<std::size_t> seal(bytes_view plaintext, bytes_span out) noexcept {
    if (err_) return err_;
    const std::size_t need = plaintext.size() + seal_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    return sticky(keys_.seal(plaintext, out));
  }

  /// Opens one sealed record into `out` (needs record.size() - open_overhead bytes).
  /// A tampered, replayed or reordered record kills the session (stream semantics).
  [[nodiscard]] result<std::size_t> open(bytes_view record, bytes_span out) noexcept {
    if (err_) return err_;
    if (record.size() < open_overhead)
      return sticky(result<std::size_t>(error(errc::truncated, "record shorter than its tag")));
    const std::size_t need = record.size() - open_overhead;
    if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
    return sticky(keys_.open(record, out));
  }

  /// Keying material for the application, bound to this session and to `label`
  /// (RFC 5705's idea; the mechanism defines the derivation). Fails on a dead session.
  [[nodiscard]] result<void> export_keying_material(std::string_view label,
                                                    bytes_span out) const noexcept {
    if (err_) return err_;
    return keys_.export_keying_material(label, out);
  }

  /// A value both sides share that identifies this session (for binding upper layers).
  [[nodiscard]] bytes_view channel_binding() const noexcept { return keys_.channel_binding(); }

  /// The peer's identity as its proof established it. Never a claim.
  [[nodiscard]] const Principal& peer() const noexcept { return peer_; }
  /// The identity this side proved.
  [[nodiscard]] const Principal& local() const noexcept { return local_; }
  /// The service principal the exchange authenticated (the composed target, for initiators).
  [[nodiscard]] const ServicePrincipal& service() const noexcept { return service_; }
  [[nodiscard]] role side() const noexcept { return side_; }
  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(err_); }
  [[nodiscard]] const error& last_error() const noexcept { return err_; }

  /// Mechanism-specific features (rekey, datagram mode). Errors from calls made here do not go
  /// through the session's sticky-error bookkeeping; the mechanism enforces its own rules.
  [[nodiscard]] keys_type& mechanism_keys() noexcept { return keys_; }
  [[nodiscard]] const keys_type& mechanism_keys() const noexcept { return keys_; }

 private:
  template <Mechanism, role, class>
  friend class detail::handshake_base;

  Session(role side, Concluded<M>&& c) noexcept
      : keys_(std::move(c.keys)),
        peer_(c.peer.principal()),
        local_(c.local),
        service_(c.service),
        side_(side) {
    c.keys.wipe();
  }

  template <class T>
  result<T> sticky(result<T>&& r) noexcept {
    // Misuse errors changed nothing and are the caller's to fix; everything else ends the
    // session so that no further plaintext flows under keys an attacker has been probing.
    if (!r && r.error_value().category() != error_category_id::misuse) {
      err_ = r.error_value();
      keys_.wipe();
    }
    return std::move(r);
  }

  keys_type keys_;
  Principal peer_;
  Principal local_;
  ServicePrincipal service_;
  role side_;
  error err_{};
};

}  // namespace v0
}  // namespace mutauth
