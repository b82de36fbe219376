/* Splits the painted stack's high-water mark into mutauth's part and libsodium's: every libsodium
   function mutauth calls is linked through a trampoline (sodium_meter.S, ld --wrap) that calls
   fw_sodium_enter() before it and fw_sodium_leave() after it. docs/embedded.md, "Measurements",
   gives the method; the RAM target counts the stack beyond libsodium's own frames.

   enter: the lowest unpainted word so far was written by mutauth (libsodium's frames are painted
   over again on every leave), unless it lies within the trampoline's and this hook's own frames
   just below the caller's stack pointer; either way the caller's depth counts for mutauth.
   leave: records the whole depth (libsodium's frames included), then paints the stack below the
   hook again, so that the next enter sees only what mutauth used since.
   The ticks spent here are subtracted from the firmware's instruction meter. */
#include <stdint.h>

#include "sodium_meter.h"

extern uint32_t __stack_bottom[], __stack_top[];

#define FW_STACK_PAINT 0xC5AC5AC5u
/* Trampoline (16 bytes) plus this hook's frame: what the enter hook itself leaves below the
   caller's stack pointer. Resolution of the mutauth figure: up to this much too high. */
#define FW_HOOK_SLACK 64u

static volatile uint32_t* const syst_cvr = (volatile uint32_t*)0xE000E018u;

uint32_t fw_sodium_mutauth_peak, fw_sodium_total_peak, fw_sodium_overhead_ticks;
static uint32_t depth, saved_lr[16];

static uint32_t lowest_unpainted_depth(void) {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == FW_STACK_PAINT) ++p;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void fw_sodium_enter(uint32_t lr, uint32_t caller_sp) {
  if (depth < sizeof saved_lr / sizeof saved_lr[0]) saved_lr[depth] = lr;
  if (depth++ != 0) return; /* libsodium calling itself through a wrapped symbol */
  const uint32_t t0 = *syst_cvr;
  const uint32_t caller = (uint32_t)((uintptr_t)__stack_top - caller_sp);
  const uint32_t hw = lowest_unpainted_depth();
  uint32_t m = hw > caller + FW_HOOK_SLACK ? hw : caller;
  if (m > fw_sodium_mutauth_peak) fw_sodium_mutauth_peak = m;
  fw_sodium_overhead_ticks += (t0 - *syst_cvr) & 0xFFFFFFu;
}

uint32_t fw_sodium_leave(void) {
  --depth;
  const uint32_t lr = saved_lr[depth < sizeof saved_lr / sizeof saved_lr[0] ? depth : 0];
  if (depth != 0) return lr;
  const uint32_t t0 = *syst_cvr;
  const uint32_t hw = lowest_unpainted_depth();
  if (hw > fw_sodium_total_peak) fw_sodium_total_peak = hw;
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = (uint32_t*)((uintptr_t)__stack_top - hw); p < sp - 8; ++p) *p = FW_STACK_PAINT;
  __asm__ volatile("" ::: "memory");
  fw_sodium_overhead_ticks += (t0 - *syst_cvr) & 0xFFFFFFu;
  return lr;
}

void fw_sodium_meter_reset(void) {
  fw_sodium_mutauth_peak = 0;
  fw_sodium_total_peak = 0;
}

uint32_t fw_sodium_mutauth_stack(void) {
  /* Since the last leave only mutauth wrote below the painted line. */
  const uint32_t hw = lowest_unpainted_depth();
  return hw > fw_sodium_mutauth_peak ? hw : fw_sodium_mutauth_peak;
}

uint32_t fw_sodium_total_stack(void) {
  const uint32_t hw = lowest_unpainted_depth();
  return hw > fw_sodium_total_peak ? hw : fw_sodium_total_peak;
}
