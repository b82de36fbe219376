// A main() for fuzz targets without libFuzzer (fmt's FMT_FUZZ_LINKMAIN idea): runs
// LLVMFuzzerTestOneInput once over every file named on the command line, or found (recursively)
// in a directory named there. A missing path or no inputs at all is a failure, so that a corpus
// that vanished cannot make its CTest test pass vacuously.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    const fs::path p(argv[i]);
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>...  (found no inputs)\n", argv[0]);
    return 2;
  }
  std::sort(files.begin(), files.end());  // a stable order makes a failure reproducible
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<char> raw((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], f.c_str());
      return 2;
    }
    // An exactly-sized heap copy, so that a sanitizer build catches any read past the end.
    std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[raw.size() ? raw.size() : 1]);
    std::copy(raw.begin(), raw.end(), data.get());
    std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), raw.size());
    LLVMFuzzerTestOneInput(data.get(), raw.size());
  }
  std::printf("%s: %zu inputs ran without a crash or a broken invariant\n",
              fs::path(argv[0]).filename().c_str(), files.size());
  return 0;
}
