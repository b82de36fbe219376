// mutauth — the byte-view vocabulary shared by every layer.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint8_t
#include <span>     // std::span

namespace mutauth {
inline namespace v0 {

// uint8_t rather than std::byte: every crypto backend we sit on (libsodium, GSS-API buffers)
// speaks unsigned char, and conversions at each call would hide real mistakes among noise.
using bytes_view = std::span<const std::uint8_t>;
using bytes_span = std::span<std::uint8_t>;

}  // namespace v0
}  // namespace mutauth
