#!/bin/sh
# Writes the trampolines of sodium_meter.c, one per libsodium function in $2... (linked with
# ld --wrap=NAME), into $1. Thumb-2 (Cortex-M4): arguments r0-r3 and any on the stack are passed
# through untouched, the return value (r0, r0:r1) is kept across the leave hook.
out=$1; shift
{
  echo '  .syntax unified'
  echo '  .thumb'
  echo '  .text'
  for f in "$@"; do
    cat <<EOT
  .global __wrap_$f
  .type __wrap_$f, %function
  .thumb_func
__wrap_$f:
  push {r0-r3}
  mov r0, lr
  add r1, sp, #16
  bl fw_sodium_enter
  pop {r0-r3}
  bl __real_$f
  push {r0, r1}
  bl fw_sodium_leave
  mov lr, r0
  pop {r0, r1}
  bx lr
  .size __wrap_$f, . - __wrap_$f
EOT
  done
} >"$out"
