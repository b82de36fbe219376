/* NOT FOR PRODUCTION: see randombytes_test_only.c. */
#pragma once

#include <sodium/randombytes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Keys the test-only generator; call before installing it (randombytes_set_implementation takes a
   non-const pointer, hence no const below). */
void fw_test_only_seed(const unsigned char seed[32]);
extern randombytes_implementation fw_test_only_randombytes;

#ifdef __cplusplus
}
#endif
