/* Board setup for examples/serial_link.cpp on the MCU: the example calls no board code, so
   randomness is installed before main() by a constructor. NOT FOR PRODUCTION: the seed comes
   from the host over semihosting (-semihosting-config arg=seed=<64 hex>), see
   randombytes_test_only.c; a real board installs its TRNG-backed randombytes_implementation here. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "randombytes_test_only.h"

void fw_fault(uint32_t kind);

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

__attribute__((constructor)) static void board_init(void) {
  static char cmdline[256];
  uint32_t block[2] = {(uint32_t)(uintptr_t)cmdline, sizeof cmdline};
  register uint32_t r0 __asm("r0") = 0x15; /* SYS_GET_CMDLINE */
  register uint32_t* r1 __asm("r1") = block;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  const char* s = r0 == 0 ? strstr(cmdline, "seed=") : NULL;
  unsigned char seed[32];
  for (int i = 0; s != NULL && i < 32; ++i) {
    const int hi = hexval(s[5 + 2 * i]), lo = hi < 0 ? -1 : hexval(s[6 + 2 * i]);
    if (lo < 0) s = NULL;
    else seed[i] = (unsigned char)(hi << 4 | lo);
  }
  if (s == NULL) fw_fault(1); /* no seed: refuse to run with predictable randomness */
  fw_test_only_seed(seed);
  if (randombytes_set_implementation(&fw_test_only_randombytes) != 0) fw_fault(1);
}
