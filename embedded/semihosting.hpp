// Arm semihosting (the "Semihosting for AArch32 and AArch64" specification, version 2): the
// debugger — here QEMU with -semihosting-config enable=on — services `bkpt 0xab` with r0 = the
// operation and r1 = a pointer to its arguments. The firmware uses it for console text, the
// host's clock, its command line (test parameters) and its exit status. A real board has none of
// this unless a debugger is attached; docs/embedded.md says what replaces each call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw::semihosting {

inline std::uintptr_t call(std::uintptr_t op, const void* args) noexcept {
  register std::uintptr_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = args;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/// SYS_WRITE0 (0x04): a NUL-terminated string to the debugger's console.
inline void write0(const char* s) noexcept { (void)call(0x04, s); }

/// SYS_TIME (0x11): seconds since 1970-01-01 UTC on the host.
inline std::uint64_t time() noexcept { return call(0x11, nullptr); }

/// SYS_GET_CMDLINE (0x15): the command line QEMU passes (-semihosting-config arg=...), space
/// separated, NUL-terminated into `buf`. Returns false when there is none.
inline bool cmdline(char* buf, std::size_t size) noexcept {
  std::uintptr_t block[2] = {reinterpret_cast<std::uintptr_t>(buf), size};
  return call(0x15, block) == 0;
}

/// SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit: QEMU exits with `code` as its own
/// status (plain SYS_EXIT on AArch32 carries no status code).
[[noreturn]] inline void exit(int code) noexcept {
  std::uintptr_t block[2] = {0x20026, static_cast<std::uintptr_t>(code)};
  (void)call(0x20, block);
  for (;;) {
  }
}

}  // namespace fw::semihosting
