// mutauth-pk — reads a whole small file (key, certificate, trust file, KRL) into caller storage.
// Hosted-only (<cstdio>), which is why it lives with the pk loaders and not in the core.
#pragma once

#include <cstdio>       // std::fopen, std::fread, std::setvbuf
#include <span>         // caller storage
#include <string_view>  // error text

#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {
namespace pk {
namespace detail {

/// Reads all of `path` into `buf`. A file that does not fit is refused with `too_big` (detail
/// `what` + the path), never truncated. `secret`: no stdio buffer, so libc keeps no copy of the
/// bytes on its heap (key files).
template <class Byte>
[[nodiscard]] inline result<std::size_t> read_whole_file(const char* path, std::span<Byte> buf,
                                                         bool secret, errc too_big,
                                                         std::string_view what) noexcept {
  static_assert(sizeof(Byte) == 1);
  if (path == nullptr) return error(errc::invalid_argument, "null path");
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return error(errc::io_error, "cannot open ").append(path);
  if (secret) std::setvbuf(f, nullptr, _IONBF, 0);
  std::size_t n = 0;
  bool more = false;
  for (;;) {
    if (n == buf.size()) {  // full: one probe byte tells "exactly fits" from "too big"
      unsigned char probe = 0;
      more = std::fread(&probe, 1, 1, f) == 1;
      break;
    }
    const std::size_t got = std::fread(buf.data() + n, 1, buf.size() - n, f);
    if (got == 0) break;
    n += got;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return error(errc::io_error, "cannot read ").append(path);
  if (more) return error(too_big, what).append(path);
  return n;
}

}  // namespace detail
}  // namespace pk
}  // namespace v0
}  // namespace mutauth
