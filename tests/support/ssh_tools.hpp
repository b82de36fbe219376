// Test helpers: a self-removing temp dir and the real ssh-keygen (artefacts are never committed).
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <catch2/catch.hpp>

namespace mutauth::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "mutauth") {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

/// Runs ssh-keygen to make a key pair at dir/name; `extra` holds the type options.
inline std::string keygen(const TempDir& d, const std::string& name,
                          const std::string& extra = "-t ed25519",
                          const std::string& comment = "alice@example",
                          const std::string& pass = "") {
  const std::string path = d.file(name);
  const std::string cmd = "ssh-keygen -q " + extra + " -N " + shell_quote(pass) + " -C " +
                          shell_quote(comment) + " -f " + shell_quote(path) +
                          " </dev/null >/dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  return path;
}

/// Runs a command and returns its stdout; the command must succeed.
inline std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 256> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  REQUIRE(::pclose(p) == 0);
  return out;
}

}  // namespace mutauth::testing
