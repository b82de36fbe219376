// mutauth-pk — a bounded cache of CA signatures already verified (local optimisation, not a wire
// change; docs/protocol/mutauth-pk.md §19.11).
//
// A server that sees the same client certificates again and again (and a client that reconnects
// to the same servers) spends one Ed25519 verification per handshake on a CA signature it has
// already checked: about a quarter of a CA-mode side's CPU (bench/results/REPORT.md). The
// signature covers bytes of the certificate itself (§11.1), so its verdict depends on nothing
// but the blob: once `HASH(blob)` (the Noise HASH, BLAKE2b-512, as §5.4 hashes credentials) is
// known to carry a CA signature that verified under CA key K, the same blob always will.
//
// What a hit skips, and what it does not:
//   * skipped: only §11.3 step 7 / §11.4 step 9, the CA signature over the certificate;
//   * still checked on every handshake, before the cache is consulted: the issuer is a CA the
//     trust store holds NOW (a CA removed from trust makes a cached entry useless), the type, the
//     validity window against the clock, the principals and principals= narrowing, critical
//     options and the KRL; and after it the handshake's proof signature by the certified key
//     (§14), which binds the certificate to a key holder in this handshake.
//   * only successful verifications are remembered (a refusal is never cached, so nothing an
//     attacker sends can evict-and-poison: it can only evict, costing a later verification).
//
// Bounded and without heap: the entries live in the cache object (FixedVerifyCache<N>, N entries
// of about 100 bytes; the caller owns it, like the trust stores and the KRL of trust.hpp). When
// full, the least recently used entry is replaced (a use counter per entry).
//
// Threads: one cache may be shared by handshakes running on several threads (the CLI server
// runs one per connection). Every access takes a spin flag with a single test_and_set and never
// waits: when another thread holds it, the lookup counts as a miss (the signature is verified as
// without a cache) and the insertion is skipped. A miss is always safe, so contention costs
// speed, never correctness, and no thread blocks on another (no mutex: this builds freestanding).
//
// Off unless configured: ServerTrust::cert_cache / ClientTrust::cert_cache is nullptr by
// default. The reasons: the library allocates nothing, so the caller must own the storage; and
// a hit is faster than a miss, so a peer can time whether a given certificate was verified
// recently (certificates are not secret, but whether alice connected lately may be). The
// `mutauth` CLI server turns it on.
#pragma once

#include <array>    // entries
#include <atomic>   // the spin flag, the counters
#include <cstddef>  // std::size_t
#include <cstdint>  // use counters
#include <span>     // the entries as seen by the non-template base

#include "mutauth/bytes.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/noise/primitives.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {

namespace detail {
struct verify_cache_access;
}

/// One remembered verification: HASH(certificate blob) and the CA key it verified under.
struct VerifyCacheEntry {
  noise::hash_bytes digest{};
  Ed25519PublicKey ca{};
  std::uint64_t last_use = 0;  ///< 0: empty slot
};

/// The cache as the trust stores point to it (capacity-independent). Make one with
/// FixedVerifyCache<N>; it MUST outlive every handshake whose trust points to it.
class VerifyCache {
 public:
  VerifyCache(const VerifyCache&) = delete;  // the entries view points into the derived object
  VerifyCache& operator=(const VerifyCache&) = delete;

  /// Lookups that skipped a CA signature verification.
  [[nodiscard]] std::size_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  /// Lookups that found nothing (the signature was then verified), contended ones included.
  [[nodiscard]] std::size_t misses() const noexcept {
    return misses_.load(std::memory_order_relaxed);
  }
  /// Lookups or insertions that found the cache busy with another thread and went without it.
  [[nodiscard]] std::size_t contended() const noexcept {
    return contended_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  /// Entries in use (never more than capacity()).
  [[nodiscard]] std::size_t size() const noexcept { return used_.load(std::memory_order_relaxed); }

  /// Forgets every entry (e.g. after the trust file or KRL was reloaded; not required for
  /// correctness, since trust and revocation are checked on every handshake anyway).
  /// Returns false, changing nothing, if another thread holds the cache right now.
  bool clear() noexcept {
    if (!try_lock()) return false;
    for (VerifyCacheEntry& e : slots_) e = VerifyCacheEntry{};
    used_.store(0, std::memory_order_relaxed);
    unlock();
    return true;
  }

#ifdef MUTAUTH_TESTING_ONLY_HOOKS
  /// TEST BUILDS ONLY: remember `blob` as verified under `ca` without verifying it, so that tests
  /// can show a hit skips the CA signature and that every other check still runs.
  void remember_unverified_for_testing_only(bytes_view blob, const Ed25519PublicKey& ca) noexcept {
    insert(digest_of(blob), ca);
  }
#endif

 protected:
  explicit VerifyCache(std::span<VerifyCacheEntry> slots) noexcept : slots_(slots) {}
  ~VerifyCache() = default;

 private:
  friend struct detail::verify_cache_access;

  [[nodiscard]] static noise::hash_bytes digest_of(bytes_view blob) noexcept {
    noise::hash_bytes d{};
    noise::hash(d, {blob});
    return d;
  }

  [[nodiscard]] bool try_lock() noexcept { return !busy_.test_and_set(std::memory_order_acquire); }
  void unlock() noexcept { busy_.clear(std::memory_order_release); }

  // The digest is of public data (a certificate), so an ordinary comparison is fine.
  [[nodiscard]] bool lookup(const noise::hash_bytes& d, const Ed25519PublicKey& ca) noexcept {
    if (!try_lock()) {
      contended_.fetch_add(1, std::memory_order_relaxed);
      misses_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    bool found = false;
    for (VerifyCacheEntry& e : slots_) {
      if (e.last_use != 0 && e.digest == d && e.ca == ca) {
        e.last_use = ++clock_;
        found = true;
        break;
      }
    }
    unlock();
    (found ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return found;
  }

  void insert(const noise::hash_bytes& d, const Ed25519PublicKey& ca) noexcept {
    if (slots_.empty()) return;
    if (!try_lock()) {
      contended_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    VerifyCacheEntry* victim = &slots_[0];
    for (VerifyCacheEntry& e : slots_) {
      if (e.last_use != 0 && e.digest == d && e.ca == ca) {  // raced in by another thread
        victim = nullptr;
        break;
      }
      if (e.last_use < victim->last_use) victim = &e;  // an empty slot (0) wins
    }
    if (victim != nullptr) {
      if (victim->last_use == 0) used_.fetch_add(1, std::memory_order_relaxed);
      *victim = {d, ca, ++clock_};
    }
    unlock();
  }

  std::span<VerifyCacheEntry> slots_;
  std::uint64_t clock_ = 0;  // only touched under the flag
  std::atomic_flag busy_{};  // clear (C++20: the default constructor clears it)
  std::atomic<std::size_t> hits_{0}, misses_{0}, contended_{0}, used_{0};
};

/// A verified-certificate cache of N entries, held in the object (no heap).
template <std::size_t N = 64>
class FixedVerifyCache final : public VerifyCache {
  static_assert(N >= 1, "a cache needs at least one entry");

 public:
  FixedVerifyCache() noexcept : VerifyCache(std::span<VerifyCacheEntry>(entries_)) {}
  static constexpr std::size_t max_entries = N;

 private:
  std::array<VerifyCacheEntry, N> entries_{};
};

namespace detail {
// The only way into lookup()/insert(): the certificate verifiers (certificate.hpp), so that an
// entry can only come from a CA signature that really verified.
struct verify_cache_access {
  static noise::hash_bytes digest_of(bytes_view blob) noexcept {
    return VerifyCache::digest_of(blob);
  }
  static bool lookup(VerifyCache& c, const noise::hash_bytes& d,
                     const Ed25519PublicKey& ca) noexcept {
    return c.lookup(d, ca);
  }
  static void insert(VerifyCache& c, const noise::hash_bytes& d,
                     const Ed25519PublicKey& ca) noexcept {
    c.insert(d, ca);
  }
};
}  // namespace detail

}  // namespace pk
}  // namespace v0
}  // namespace mutauth
