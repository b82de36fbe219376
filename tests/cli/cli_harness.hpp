// TEST ONLY. Drives the real `mutauth` binary over loopback TCP: child processes with all three
// standard streams on pipes, free ports, a recording TCP relay and raw sockets for misbehaving
// peers. Every wait here is bounded in time, and every child is killed when its Proc goes away
// (and by the kernel when this test process dies: PR_SET_PDEATHSIG), so a failed or crashed test
// leaves no server behind.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

extern char** environ;

namespace mutauth::clitest {

/// A whole file's bytes ("" when it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// "ssh-ed25519 AAAA..." of a .pub file (type and key, no comment).
inline std::string key_of(const std::string& pub) {
  std::istringstream in(read_text(pub));
  std::string type, b64;
  in >> type >> b64;
  return type + " " + b64;
}

using bytes = std::vector<std::uint8_t>;
using steady = std::chrono::steady_clock;

inline std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

inline double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

// A child that dies while we write its stdin must fail the write, not kill the test.
inline void ignore_sigpipe() {
  static const bool once = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)once;
}

/// A child process with stdin, stdout and stderr on pipes. A thread drains stdout and stderr
/// as they come, so a chatty child never blocks on a full pipe and the test can wait for a line.
/// Construct Procs on the test's main thread: PR_SET_PDEATHSIG follows the creating thread.
class Proc {
 public:
  Proc(const std::vector<std::string>& argv, const std::string& input = "",
       bool close_input = true) {
    ignore_sigpipe();
    int in[2], out[2], err[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    // Everything the child needs is built before fork(): between fork and exec a multithreaded
    // parent's child may only make async-signal-safe calls.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char** env = environ;
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);  // the parent died before prctl took effect
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::execve(args[0], args.data(), env);
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    reader_ = std::thread([this, o = out[0], e = err[0]] { drain(o, e); });
    if (!input.empty()) write(input);
    if (close_input) close_stdin();
  }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;

  ~Proc() {
    close_stdin();
    if (!reaped_) {
      ::kill(pid_, SIGTERM);
      if (!wait_exit(3)) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        reaped_ = true;
      }
    }
    if (reader_.joinable()) reader_.join();
  }

  pid_t pid() const { return pid_; }

  void write(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t w = ::write(stdin_, data.data() + done, data.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // the child has exited (EPIPE): its exit code and stderr tell why
      done += static_cast<std::size_t>(w);
    }
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  /// Waits for the child to exit; its exit code (128 + signal when killed by one), or nullopt
  /// when it is still running after `seconds`. Once it has exited, out() and err() are complete.
  std::optional<int> wait_exit(double seconds) {
    if (reaped_) return code_;
    const auto t0 = steady::now();
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (reader_.joinable()) reader_.join();  // the pipes reach EOF with the child
        return code_;
      }
      if (seconds_since(t0) > seconds) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  /// Sends `sig` (e.g. SIGKILL: a peer that dies without a word).
  void signal(int sig) {
    if (!reaped_) ::kill(pid_, sig);
  }

  /// SIGTERM (the CLI's clean shutdown), then the exit code.
  std::optional<int> stop(double seconds = 8) {
    if (!reaped_) ::kill(pid_, SIGTERM);
    return wait_exit(seconds);
  }

  std::string out() const {
    std::lock_guard<std::mutex> l(m_);
    return out_;
  }
  std::string err() const {
    std::lock_guard<std::mutex> l(m_);
    return err_;
  }

  /// Waits until stderr holds `needle` `times` times (or the child closed it).
  bool wait_for_err(const std::string& needle, double seconds, std::size_t times = 1) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, ms(seconds), [&] { return count(err_, needle) >= times || eof_; }) &&
           count(err_, needle) >= times;
  }
  /// Waits until stdout holds at least `n` bytes.
  bool wait_for_out(std::size_t n, double seconds) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, ms(seconds), [&] { return out_.size() >= n || eof_; }) &&
           out_.size() >= n;
  }

  static std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size()))
      ++n;
    return n;
  }

 private:
  void drain(int o, int e) {
    pollfd fds[2] = {{o, POLLIN, 0}, {e, POLLIN, 0}};
    char buf[4096];
    int open = 2;
    while (open > 0) {
      if (::poll(fds, 2, 1000) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard<std::mutex> l(m_);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open;
        } else {
          (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
        }
        cv_.notify_all();
      }
    }
    std::lock_guard<std::mutex> l(m_);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  bool reaped_ = false;
  int code_ = -1;
  std::thread reader_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::string out_, err_;
  bool eof_ = false;
};

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> v;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    v.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return v;
}

// ---------------- sockets ----------------

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/// A port nobody listens on right now (the kernel's choice for port 0). Another process may take
/// it before the server binds, so servers are started with a retry (start_server).
inline int free_port() {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd >= 0);
  sockaddr_in a = loopback(0);
  REQUIRE(::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  return ntohs(a.sin_port);
}

/// A blocking loopback connection whose reads give up after `timeout` seconds.
inline Fd tcp_connect(int port, double timeout = 5) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd >= 0);
  timeval tv{static_cast<time_t>(timeout),
             static_cast<suseconds_t>((timeout - static_cast<long>(timeout)) * 1e6)};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = loopback(port);
  REQUIRE(::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return s;
}

inline void send_all(const Fd& s, const bytes& b) {
  std::size_t done = 0;
  while (done < b.size()) {
    const ssize_t w = ::send(s.fd, b.data() + done, b.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    REQUIRE(w > 0);
    done += static_cast<std::size_t>(w);
  }
}

/// Reads until the peer closes (true) or a read times out / fails (false).
inline bool read_to_eof(const Fd& s, bytes& out, std::size_t limit = 1 << 20) {
  std::uint8_t buf[4096];
  while (out.size() < limit) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET;  // a reset is also "the peer closed"
    }
    out.insert(out.end(), buf, buf + n);
  }
  return false;
}

/// Reads exactly n bytes (false on EOF, timeout or error).
inline bool read_exact(const Fd& s, bytes& out, std::size_t n) {
  std::uint8_t buf[4096];
  while (out.size() < n) {
    const ssize_t r = ::recv(s.fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    out.insert(out.end(), buf, buf + r);
  }
  return true;
}

// ---------------- a recording relay ----------------

/// One chunk the relay forwarded, in forwarding order: a byte from the server can only have
/// caused a client byte that comes after it in this log.
struct Chunk {
  bool to_server;
  bytes data;
};

/// A record seen on the wire, with the log index of the chunk in which its header began.
struct WireRecord {
  std::uint8_t type;
  bytes body;
  std::size_t chunk;
};

/// Splits one direction of the log into records (type | 16-bit length | body). Returns false if
/// the bytes do not frame (a truncated last record included).
inline bool split_records(const std::vector<Chunk>& log, bool to_server,
                          std::vector<WireRecord>& out) {
  bytes pending;
  std::vector<std::size_t> origin;  // chunk index of every pending byte
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i].to_server != to_server) continue;
    pending.insert(pending.end(), log[i].data.begin(), log[i].data.end());
    origin.insert(origin.end(), log[i].data.size(), i);
  }
  std::size_t p = 0;
  while (p + 3 <= pending.size()) {
    const std::size_t len = (std::size_t{pending[p + 1]} << 8) | pending[p + 2];
    if (p + 3 + len > pending.size()) return false;
    out.push_back({pending[p],
                   bytes(pending.begin() + static_cast<long>(p + 3),
                         pending.begin() + static_cast<long>(p + 3 + len)),
                   origin[p]});
    p += 3 + len;
  }
  return p == pending.size();
}

/// A man in the middle: what the relay does to the server->client stream once `after_records`
/// whole records have gone to the client (counted on record boundaries, however TCP cut them).
struct Tamper {
  std::size_t after_records = 0;  // 0: never act
  bytes inject;                   // sent to the client at that point (e.g. a forged clear alert)
  bool drop_rest = false;         // then forward nothing more to the client
  bool cut = false;  // then close both TCP connections (no sealed close reaches anyone)
  /// When set, the body of the client's FIRST record is replaced by what this returns before it
  /// reaches the server (e.g. a negotiation offer with an offer stripped); the rest is relayed.
  std::function<bytes(const bytes&)> rewrite_first_to_server;
};

/// Relays ONE loopback connection to 127.0.0.1:upstream and logs every byte, so a test can say
/// exactly which records crossed the wire and in what order. Bounded: it gives up after 20 s.
/// With a Tamper it also acts as an active attacker on the server->client direction; injected
/// bytes are logged (they crossed the wire), dropped ones are not.
class RecordingRelay {
 public:
  explicit RecordingRelay(int upstream, Tamper tamper = {})
      : upstream_(upstream), tamper_(std::move(tamper)) {
    listener_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener_.fd >= 0);
    sockaddr_in a = loopback(0);
    REQUIRE(::bind(listener_.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener_.fd, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listener_.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~RecordingRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

  /// True once the tamper action has happened.
  bool tampered() const {
    std::lock_guard<std::mutex> l(m_);
    return tampered_;
  }

  /// Waits for both directions to close; then the log is complete.
  bool wait_done(double seconds) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, ms(seconds), [&] { return done_; });
  }
  std::vector<Chunk> log() const {
    std::lock_guard<std::mutex> l(m_);
    return log_;
  }

 private:
  void run() {
    const auto t0 = steady::now();
    auto finish = [&] {
      std::lock_guard<std::mutex> l(m_);
      done_ = true;
      cv_.notify_all();
    };
    pollfd pl{listener_.fd, POLLIN, 0};
    while (::poll(&pl, 1, 100) <= 0)
      if (stop_ || seconds_since(t0) > 20) return finish();
    Fd client(::accept4(listener_.fd, nullptr, nullptr, SOCK_CLOEXEC));
    Fd server(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = loopback(upstream_);
    if (client.fd < 0 || ::connect(server.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return finish();
    bool open[2] = {true, true};  // client->server, server->client
    std::uint8_t buf[8192];
    while ((open[0] || open[1]) && !stop_ && seconds_since(t0) < 20) {
      pollfd fds[2] = {{open[0] ? client.fd : -1, POLLIN, 0},
                       {open[1] ? server.fd : -1, POLLIN, 0}};
      if (::poll(fds, 2, 100) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const int from = i == 0 ? client.fd : server.fd, to = i == 0 ? server.fd : client.fd;
        const ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0) {
          open[i] = false;
          ::shutdown(to, SHUT_WR);  // pass the half-close on, as TCP would
          continue;
        }
        std::size_t forward = static_cast<std::size_t>(n);
        bool act = false;
        if (i == 0 && tamper_.rewrite_first_to_server && !first_done_) {
          // Hold the client's bytes until its first record is whole, then send it rewritten.
          first_.insert(first_.end(), buf, buf + n);
          if (first_.size() < 3) continue;
          const std::size_t len = (std::size_t{first_[1]} << 8) | first_[2];
          if (first_.size() < 3 + len) continue;
          const bytes body = tamper_.rewrite_first_to_server(
              bytes(first_.begin() + 3, first_.begin() + 3 + static_cast<long>(len)));
          bytes out = {first_[0], static_cast<std::uint8_t>(body.size() >> 8),
                       static_cast<std::uint8_t>(body.size())};
          out.insert(out.end(), body.begin(), body.end());
          out.insert(out.end(), first_.begin() + 3 + static_cast<long>(len), first_.end());
          first_done_ = true;
          {
            std::lock_guard<std::mutex> l(m_);
            log_.push_back({true, out});
            tampered_ = true;
          }
          if (::send(to, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
            open[i] = false;
          continue;
        }
        if (i == 1 && tamper_.after_records > 0 && !acted_) {
          // Find where the after_records-th record to the client ends inside this chunk.
          for (std::size_t k = 0; k < forward && !act; ++k) {
            if (hdr_have_ < 3) {
              hdr_[hdr_have_++] = buf[k];
              if (hdr_have_ == 3) body_left_ = (std::size_t{hdr_[1]} << 8) | hdr_[2];
            } else {
              --body_left_;
            }
            if (hdr_have_ == 3 && body_left_ == 0) {
              hdr_have_ = 0;
              if (++records_ == tamper_.after_records) {
                act = true;
                forward = k + 1;
              }
            }
          }
        }
        if (i == 1 && dropping_) forward = 0;
        if (forward > 0) {
          {
            std::lock_guard<std::mutex> l(m_);
            log_.push_back({i == 0, bytes(buf, buf + forward)});
          }
          if (::send(to, buf, forward, MSG_NOSIGNAL) != static_cast<ssize_t>(forward))
            open[i] = false;
        }
        if (act) {
          acted_ = true;
          if (!tamper_.inject.empty()) {
            {
              std::lock_guard<std::mutex> l(m_);
              log_.push_back({false, tamper_.inject});
            }
            (void)::send(client.fd, tamper_.inject.data(), tamper_.inject.size(), MSG_NOSIGNAL);
          }
          dropping_ = tamper_.drop_rest;
          {
            std::lock_guard<std::mutex> l(m_);
            tampered_ = true;
          }
          if (tamper_.cut) {
            ::shutdown(client.fd, SHUT_RDWR);
            ::shutdown(server.fd, SHUT_RDWR);
            open[0] = open[1] = false;
          } else if (!dropping_ && forward < static_cast<std::size_t>(n)) {
            const std::size_t rest = static_cast<std::size_t>(n) - forward;
            {
              std::lock_guard<std::mutex> l(m_);
              log_.push_back({false, bytes(buf + forward, buf + n)});
            }
            if (::send(to, buf + forward, rest, MSG_NOSIGNAL) != static_cast<ssize_t>(rest))
              open[i] = false;
          }
        }
      }
    }
    finish();
  }

  int upstream_;
  Tamper tamper_;
  // Record boundaries of the server->client stream, for the tamper point.
  std::uint8_t hdr_[3] = {0, 0, 0};
  std::size_t hdr_have_ = 0, body_left_ = 0, records_ = 0;
  bool acted_ = false, dropping_ = false, tampered_ = false;
  bytes first_;  // the client's first record, while rewrite_first_to_server waits for all of it
  bool first_done_ = false;
  int port_ = 0;
  Fd listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<Chunk> log_;
  bool done_ = false;
};

}  // namespace mutauth::clitest
