/* NOT FOR PRODUCTION. The MPS2 board QEMU models has no true random number generator, so under
   QEMU the firmware's randomness (the Noise ephemeral keys, docs/protocol/mutauth-pk.md §6) is a
   ChaCha20 keystream under a 32-byte seed that the test harness draws from the host's
   /dev/urandom at test time and passes over semihosting. Anyone who learns the seed learns every
   ephemeral key, so a real board MUST install its own randombytes_implementation (libsodium's
   hook, randombytes.h) over its TRNG before the first sodium_init(); docs/embedded.md says how. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "randombytes_test_only.h"

static unsigned char test_only_key[crypto_stream_chacha20_ietf_KEYBYTES];
static uint64_t test_only_counter;
static int test_only_seeded;

void fw_test_only_seed(const unsigned char seed[32]) {
  memcpy(test_only_key, seed, sizeof test_only_key);
  test_only_counter = 0;
  test_only_seeded = 1;
}

static const char* test_only_name(void) { return "TEST-ONLY seeded ChaCha20 (QEMU, no TRNG)"; }

static void test_only_buf(void* const buf, const size_t size) {
  /* Unseeded use is a bug in the firmware: fail closed rather than emit a known stream. */
  if (!test_only_seeded) {
    extern void fw_fault(uint32_t kind);
    fw_fault(1);
  }
  unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};
  memcpy(nonce, &test_only_counter, sizeof test_only_counter);
  ++test_only_counter;
  memset(buf, 0, size);
  crypto_stream_chacha20_ietf_xor((unsigned char*)buf, (const unsigned char*)buf, size, nonce,
                                  test_only_key);
}

static uint32_t test_only_random(void) {
  uint32_t r;
  test_only_buf(&r, sizeof r);
  return r;
}

randombytes_implementation fw_test_only_randombytes = {
    .implementation_name = test_only_name,
    .random = test_only_random,
    .stir = NULL,
    .uniform = NULL, /* libsodium derives uniform() from random() */
    .buf = test_only_buf,
    .close = NULL,
};
