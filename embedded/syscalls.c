/* newlib's output path for programs that use stdio (examples/serial_link.cpp's printf): _write
   to stdout/stderr goes to the host console through semihosting SYS_WRITE. The firmware
   itself prints through SYS_WRITE0 and does not need this file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint32_t semihost(uint32_t op, const void* args) {
  register uint32_t r0 __asm("r0") = op;
  register const void* r1 __asm("r1") = args;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int _write(int fd, const char* buf, int len) {
  /* Semihosting handles are not file descriptors: the console is opened by the special name
     ":tt", mode 4 ("w") giving stdout and mode 8 ("a") stderr (semihosting spec, SYS_OPEN). */
  static int32_t handle[3] = {-1, -1, -1};
  if (fd != 1 && fd != 2) return -1;
  if (handle[fd] < 0) {
    const uint32_t open_args[3] = {(uint32_t)(uintptr_t) ":tt", fd == 1 ? 4u : 8u, 3};
    handle[fd] = (int32_t)semihost(0x01, open_args); /* SYS_OPEN */
    if (handle[fd] < 0) return -1;
  }
  const uint32_t write_args[3] = {(uint32_t)handle[fd], (uint32_t)(uintptr_t)buf, (uint32_t)len};
  return len - (int)semihost(0x05, write_args); /* SYS_WRITE returns the bytes not written */
}

/* The console is a character device, so newlib line-buffers stdout: each line reaches the host
   before the program exits (fw_exit does not flush stdio). */
#include <sys/stat.h>

int _fstat(int fd, struct stat* st) {
  if (fd < 0 || fd > 2) return -1;
  memset(st, 0, sizeof *st);
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int fd) { return fd >= 0 && fd <= 2; }
