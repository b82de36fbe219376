/* The stack split between mutauth and libsodium (sodium_meter.c). */
#pragma once
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Ticks the hooks spent, to be subtracted from the instruction meter. */
extern uint32_t fw_sodium_overhead_ticks;
/* Forget the peaks (after the setup, with the stack repainted). */
void fw_sodium_meter_reset(void);
/* Deepest stack mutauth's own frames reached since the reset (bytes below the stack top). */
uint32_t fw_sodium_mutauth_stack(void);
/* Deepest stack reached since the reset, libsodium's frames included. */
uint32_t fw_sodium_total_stack(void);
#ifdef __cplusplus
}
#endif
