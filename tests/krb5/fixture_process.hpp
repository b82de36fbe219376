// TEST ONLY. The client side of tests/krb5/kdc_fixture.sh's `serve` protocol, shared by the
// Kerberos tests (kdc_fixture.hpp), the Kerberos benchmark and the Kerberos fuzz harness.
//
// The script runs as a child with its stdin and stdout on pipes (stderr inherited). It prints
// "ENV K=V" and "VAR K=V" lines, then READY (or "ERR why"), answers each command line with one
// line, and tears its realms down when its stdin reaches EOF — which also happens when this
// process dies, however it dies, so nothing is left behind. No exceptions and no Catch2 here:
// each user reports failures its own way.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace mutauth::testing {

/// A child process whose stdin and stdout are line-oriented pipes.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  /// Starts argv[0] (a path) with argv; false with `why` set if it cannot.
  bool spawn(const std::vector<std::string>& argv, std::string& why) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
      why = "pipe failed";
      return false;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      why = "pipe failed";
      return false;
    }
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
      pid_ = -1;
      why = "cannot run " + argv[0];
      return false;
    }
    to_ = in[1];
    from_ = fdopen(out[0], "r");
    return true;
  }

  /// Writes `line` and a newline; false if the child no longer reads.
  bool send_line(const std::string& line) {
    const std::string l = line + "\n";
    const char* p = l.data();
    std::size_t n = l.size();
    while (n > 0) {
      const ssize_t w = write(to_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }

  /// The next line without its line ending; false at EOF with nothing read.
  bool read_line(std::string& line) {
    line.clear();
    if (from_ == nullptr) return false;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, from_) != nullptr) {
      line += buf;
      if (line.back() == '\n') break;
    }
    if (line.empty()) return false;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return true;
  }

  void close_input() noexcept {
    if (to_ >= 0) close(to_);
    to_ = -1;
  }

  /// EOF on the child's stdin, then drain its output (so that a child still writing sees its
  /// reader) and wait for it.
  void stop() noexcept {
    close_input();
    if (from_ != nullptr) {
      char buf[4096];
      while (std::fgets(buf, sizeof buf, from_) != nullptr) {
      }
      std::fclose(from_);
      from_ = nullptr;
    }
    if (pid_ > 0) {
      int st = 0;
      while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  std::FILE* from_ = nullptr;
};

/// A running kdc_fixture.sh: its ENV and VAR lines, and its command channel.
class KdcFixtureProcess {
 public:
  /// Runs `bash <script> serve` and reads up to READY; false with `why` set on ERR, early exit or
  /// a failed start.
  bool start(const std::string& script, std::string& why) {
    if (!child_.spawn({"/bin/bash", script, "serve"}, why)) return false;
    std::string line;
    while (child_.read_line(line)) {
      if (line == "READY") return true;
      if (line.rfind("ERR ", 0) == 0) {
        why = line.substr(4);
        return false;
      }
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      if (line.rfind("ENV ", 0) == 0) env_[line.substr(4, eq - 4)] = line.substr(eq + 1);
      else if (line.rfind("VAR ", 0) == 0) vars_[line.substr(4, eq - 4)] = line.substr(eq + 1);
    }
    why = "kdc_fixture.sh exited before READY (see its stderr)";
    return false;
  }

  /// Sends one command; returns its answer ("OK" or "ERR ..."), or "ERR fixture gone".
  std::string command(const std::string& line) {
    std::string answer;
    if (!child_.send_line(line) || !child_.read_line(answer)) return "ERR fixture gone";
    return answer;
  }

  /// The script's ENV lines become this process's environment, until stop(). The replay cache
  /// must be on, as in the tests (KERBEROS-TESTING.md): a stray KRB5RCACHETYPE would silently
  /// turn it off.
  void export_env() {
    for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
    unsetenv("KRB5RCACHETYPE");
    exported_ = true;
  }

  /// Undoes export_env(); EOF on the script's stdin, then waits: on return the KDC is gone and
  /// its temp dir removed.
  void stop() noexcept {
    if (exported_)
      for (const auto& kv : env_) unsetenv(kv.first.c_str());
    exported_ = false;
    child_.stop();
  }
  ~KdcFixtureProcess() { stop(); }

  /// An ENV or VAR value, or "" when the script printed none.
  [[nodiscard]] std::string env(const std::string& k) const { return find(env_, k); }
  [[nodiscard]] std::string var(const std::string& k) const { return find(vars_, k); }

 private:
  static std::string find(const std::map<std::string, std::string>& m, const std::string& k) {
    const auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  }

  ChildProcess child_;
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> vars_;
  bool exported_ = false;
};

}  // namespace mutauth::testing
