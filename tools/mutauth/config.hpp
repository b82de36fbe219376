// mutauth CLI: what the loaders of every mechanism (mech_*.hpp) and main.cpp share when they
// read the command line's files and names: a configuration error is exit 4 with the library's
// error in the tool's words (error_text.hpp).
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "error_text.hpp"
#include "mutauth/principal.hpp"
#include "options.hpp"

namespace mutauth::cli {

[[noreturn]] inline void config_error(const std::string& what, const mutauth::error& e) {
  std::fprintf(stderr, "mutauth: %s: %s\n", what.c_str(), error_text(e).c_str());
  std::exit(exit_config);
}

inline ServicePrincipal parse_spn(const std::string& flag, const std::string& text) {
  auto r = ServicePrincipal::parse(text);
  if (!r) config_error(flag + " '" + text + "'", r.error_value());
  return *r;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "mutauth: cannot read %s\n", path.c_str());
    std::exit(exit_config);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

/// The loader of a mechanism's credentials (mech_pk.hpp, mech_krb5.hpp), for the command-line
/// trait F of mechanisms.hpp; left undefined for a mechanism this build lacks. A loader defines
/// Mech, load(Options, listen), initiator(), acceptor() and self() (the principal a client
/// asserts, for messages; empty when only the mechanism knows it).
template <class F>
struct mech_loader;

}  // namespace mutauth::cli
