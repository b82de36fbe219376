// mutauth — one way to hold secrets: members that wipe themselves.
//
// Secret<T> and WipedArray<N> zero their bytes when destroyed and when moved from (the source of
// a move is left all-zero), the idea of Monocypher's WIPE_CTX and Rust's zeroize. A type whose
// secret members (keys, chaining keys, nonces, and the flags that say a key is there) are held
// this way gets a defaulted move that leaves the source wiped and keyless, and a defaulted
// destructor that wipes: nothing to write member by member, nothing to forget when a member is
// added. The all-zero value of every member is the "no key" state (docs/design.md, G5: a dead or
// moved-from context has its secrets wiped).
//
// Core header: no libsodium. The wipe is memset followed by an asm barrier that "uses" the bytes,
// so that the store is not removed as dead even when the object's lifetime ends right after it.
#pragma once

#include <array>        // WipedArray
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint8_t
#include <cstring>      // std::memset
#include <type_traits>  // std::is_trivially_copyable_v

namespace mutauth {
inline namespace v0 {
namespace detail {

/// Zeroes `n` bytes at `p` in a way the optimizer may not drop.
inline void secure_zero(void* p, std::size_t n) noexcept {
  if (p == nullptr || n == 0) return;
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

/// A value wiped on destruction and when moved from. T is plain data (a key struct, a counter, a
/// flag) whose all-zero bytes are its empty value. Reads and writes go through the conversions
/// and assignment, or get() / operator->. A copy is a Secret too, wiped in its turn; the types
/// that hold secrets stay move-only by declaring their (defaulted) moves.
template <class T>
class Secret {
  static_assert(std::is_trivially_copyable_v<T>, "Secret<T> holds plain data");

 public:
  constexpr Secret() noexcept = default;
  constexpr Secret(const T& v) noexcept : v_(v) {}  // NOLINT(google-explicit-constructor)
  Secret(const Secret&) noexcept = default;
  Secret& operator=(const Secret&) noexcept = default;
  Secret(Secret&& o) noexcept : v_(o.v_) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      v_ = o.v_;
      o.wipe();
    }
    return *this;
  }
  Secret& operator=(const T& v) noexcept {
    v_ = v;
    return *this;
  }
  ~Secret() { wipe(); }

  [[nodiscard]] T& get() noexcept { return v_; }
  [[nodiscard]] const T& get() const noexcept { return v_; }
  operator T&() noexcept { return v_; }              // NOLINT(google-explicit-constructor)
  operator const T&() const noexcept { return v_; }  // NOLINT(google-explicit-constructor)
  T* operator->() noexcept { return &v_; }
  const T* operator->() const noexcept { return &v_; }

  void wipe() noexcept { secure_zero(&v_, sizeof v_); }

 private:
  T v_{};
};

/// A std::array of N bytes (or chars) wiped on destruction and when moved from, copied as Secret
/// is. It is a std::array, so it converts to spans and compares as one.
template <std::size_t N, class Byte = std::uint8_t>
class WipedArray : public std::array<Byte, N> {
  static_assert(sizeof(Byte) == 1, "WipedArray holds bytes");

 public:
  constexpr WipedArray() noexcept : std::array<Byte, N>{} {}
  WipedArray(const WipedArray&) noexcept = default;
  WipedArray& operator=(const WipedArray&) noexcept = default;
  WipedArray(WipedArray&& o) noexcept : std::array<Byte, N>(o) { o.wipe(); }
  WipedArray& operator=(WipedArray&& o) noexcept {
    if (this != &o) {
      std::array<Byte, N>::operator=(o);
      o.wipe();
    }
    return *this;
  }
  WipedArray& operator=(const std::array<Byte, N>& a) noexcept {
    std::array<Byte, N>::operator=(a);
    return *this;
  }
  ~WipedArray() { wipe(); }

  void wipe() noexcept { secure_zero(this->data(), N); }
};

}  // namespace detail
}  // namespace v0
}  // namespace mutauth
