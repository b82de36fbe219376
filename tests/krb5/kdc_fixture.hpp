// TEST ONLY. A real MIT KDC per test: RAII around tests/krb5/kdc_fixture.sh (two throwaway realms
// in a temp dir on a free loopback port), plus a line-oriented child-process helper that the
// python3-gssapi interop peer uses too.
//
// Each Catch2 TEST_CASE that needs Kerberos makes its own `Realms`. ctest runs every test case in
// its own process (catch_discover_tests), so parallel runs get separate temp dirs, ports and
// environments. The script tears the realms down when its stdin closes, which also happens when
// this process dies, so a crashed test leaves no KDC behind.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace mutauth::testing {

/// A child process whose stdin and stdout are pipes; stderr is inherited (shows in ctest logs).
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
      close(in[1]);
      close(out[0]);
      throw std::runtime_error("posix_spawn " + argv[0] + " failed");
    }
    to_ = in[1];
    from_ = fdopen(out[0], "r");
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    close_input();
    if (from_) {
      // Drain, so that a child still writing sees its reader until it exits.
      char buf[4096];
      while (fgets(buf, sizeof buf, from_) != nullptr) {
      }
      fclose(from_);
    }
    if (pid_ > 0) {
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }

  void send_line(const std::string& line) {
    std::string l = line + "\n";
    const char* p = l.data();
    std::size_t n = l.size();
    while (n > 0) {
      const ssize_t w = write(to_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw std::runtime_error("write to child failed");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  /// Next line without its newline; throws at EOF.
  std::string read_line() {
    std::string line;
    char buf[4096];
    while (fgets(buf, sizeof buf, from_) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        return line;
      }
    }
    if (!line.empty()) return line;
    throw std::runtime_error("child closed its output");
  }
  void close_input() {
    if (to_ >= 0) close(to_);
    to_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  FILE* from_ = nullptr;
};

/// EXAMPLE.TEST and OTHER.TEST served by one krb5kdc. Principals: alice (client.keytab),
/// bob (bob.keytab), host/server.example.test (service.keytab) in EXAMPLE.TEST;
/// host/server.other.test (other.keytab) in OTHER.TEST. No cross-realm trust until trust().
/// The constructor exports the realm's environment (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME,
/// KRB5_CLIENT_KTNAME, KRB5RCACHEDIR, KRB5_KDC_PROFILE); the destructor removes it.
class Realms {
 public:
  Realms() : child_({"/bin/bash", std::string(MUTAUTH_SOURCE_DIR) + "/tests/krb5/kdc_fixture.sh", "serve"}) {
    for (;;) {
      std::string line;
      try {
        line = child_.read_line();
      } catch (const std::exception&) {
        FAIL("kdc_fixture.sh exited before READY (see its stderr above)");
      }
      if (line == "READY") break;
      if (line.rfind("ERR ", 0) == 0) FAIL("kdc_fixture.sh: " << line.substr(4));
      const auto eq = line.find('=');
      if (line.rfind("ENV ", 0) == 0 && eq != std::string::npos) {
        const std::string k = line.substr(4, eq - 4), v = line.substr(eq + 1);
        env_[k] = v;
        setenv(k.c_str(), v.c_str(), 1);
      } else if (line.rfind("VAR ", 0) == 0 && eq != std::string::npos) {
        vars_[line.substr(4, eq - 4)] = line.substr(eq + 1);
      }
    }
    // The replay cache must be on for replay tests (KERBEROS-TESTING.md); tracing only on demand.
    unsetenv("KRB5RCACHETYPE");
  }
  Realms(const Realms&) = delete;
  Realms& operator=(const Realms&) = delete;
  ~Realms() {
    for (const auto& kv : env_) unsetenv(kv.first.c_str());
    child_.close_input();  // EOF: the script kills the KDC and removes the temp dir
  }

  const std::string& dir() const { return vars_.at("DIR"); }
  std::string path(const std::string& file) const { return dir() + "/" + file; }
  const std::string& env(const std::string& k) const { return env_.at(k); }

  /// Sends one fixture command; returns its answer ("OK" or "ERR ...").
  std::string command(const std::string& line) {
    child_.send_line(line);
    return child_.read_line();
  }
  void kadmin(const std::string& realm, const std::string& cmd) {
    const std::string r = command("kadmin " + realm + " " + cmd);
    INFO("kadmin " << realm << " " << cmd);
    REQUIRE(r == "OK");
  }
  void stop_kdc() { REQUIRE(command("stop-kdc") == "OK"); }
  /// Direct trust EXAMPLE.TEST -> OTHER.TEST: krbtgt/OTHER.TEST@EXAMPLE.TEST with the same
  /// password and enctypes in both databases (KERBEROS-TESTING.md, "Cross-realm").
  void trust() {
    const std::string p =
        "addprinc -pw mutauth-xrealm-test -e aes256-cts-hmac-sha1-96:normal,"
        "aes128-cts-hmac-sha1-96:normal krbtgt/OTHER.TEST@EXAMPLE.TEST";
    kadmin("EXAMPLE.TEST", p);
    kadmin("OTHER.TEST", p);
  }

 private:
  Child child_;
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> vars_;
};

inline std::vector<unsigned char> read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline void write_file(const std::string& p, const std::vector<unsigned char>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace mutauth::testing
