/* Reset and fault handlers for the MPS2 AN386 (Cortex-M4) firmware. The vector table layout is
   the ARMv7-M one (Armv7-M Architecture Reference Manual, B1.5.3): initial stack pointer, then
   the handlers. Only what the firmware needs is here: .data copy, .bss clear, C++ constructors,
   the stack painted for the high-water mark docs/embedded.md reports, then main(). */
#include <stdint.h>

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern void (*__preinit_array_start[])(void), (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

int main(void);
__attribute__((noreturn)) void fw_fault(uint32_t kind);
__attribute__((noreturn)) void fw_exit(int code);

/* The pattern the unused stack holds; fw_stack_peak() (firmware.cpp) looks for the lowest word
   that no longer holds it. */
#define FW_STACK_PAINT 0xC5AC5AC5u

__attribute__((noreturn, used)) void Reset_Handler(void) {
  uint32_t* src = __data_load;
  for (uint32_t* dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  /* Paint from the bottom of the stack up to a little below this frame (this function's own
     frame is above the mark and counted as used). */
  uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_bottom; p < sp - 16;) *p++ = FW_STACK_PAINT;
  for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  fw_exit(main());
}

/* main() returned (examples/serial_link.cpp does): its status becomes QEMU's exit status through
   semihosting SYS_EXIT_EXTENDED (semihosting.hpp explains the call). */
__attribute__((noreturn)) void fw_exit(int code) {
  uint32_t block[2] = {0x20026u, (uint32_t)code};
  register uint32_t r0 __asm("r0") = 0x20;
  register uint32_t* r1 __asm("r1") = block;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) {
  }
}

/* A fault, or randomness used before it was seeded (kind 1): say so and stop with 90 + kind. */
void fw_fault(uint32_t kind) {
  register uint32_t r0 __asm("r0") = 0x04; /* SYS_WRITE0 */
  register const char* r1 __asm("r1") =
      kind == 1 ? "mcu: randomness used before it was seeded\n" : "mcu: CPU fault\n";
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  fw_exit(90 + (int)kind);
}

__attribute__((used)) void HardFault_Handler(void) { fw_fault(3); }
__attribute__((used)) void MemManage_Handler(void) { fw_fault(4); }
__attribute__((used)) void BusFault_Handler(void) { fw_fault(5); }
__attribute__((used)) void UsageFault_Handler(void) { fw_fault(6); }
__attribute__((used)) void Default_Handler(void) { fw_fault(0); }

__attribute__((section(".vectors"), used)) void (*const fw_vectors[16])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    Default_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,
    0,
    0,
    0,
    Default_Handler,
    Default_Handler,
    0,
    Default_Handler,
    Default_Handler,
};
