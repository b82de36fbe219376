// The seed-corpus generators' one output routine (make_corpus.cpp, make_krb5_corpus.cpp): each
// seed is a file <seed_root>/<target>/<name>; main() sets seed_root from its command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

namespace mutauth {
inline namespace v0 {
namespace fuzz {

inline std::filesystem::path seed_root;

inline void put(const char* target, const char* name, const std::vector<std::uint8_t>& b) {
  const std::filesystem::path dir = seed_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
