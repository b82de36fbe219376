// mutauth CLI — blocking TCP with deadlines (poll), outside the library on purpose: the library
// never touches a socket (docs/design.md §2). Addresses are for dialling only; no name is ever derived
// from them.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace mutauth::cli {

using clock = std::chrono::steady_clock;

/// Set by SIGINT/SIGTERM; every wait returns early when it is set.
inline std::atomic<bool> g_stop{false};

struct Deadline {
  clock::time_point at;
  bool none = false;
  static Deadline in_seconds(double s) {
    if (s <= 0) return {clock::time_point::max(), true};
    return {clock::now() + std::chrono::microseconds(static_cast<long long>(s * 1e6)), false};
  }
  int poll_ms() const {
    if (none) return 1000;  // wake up now and then to notice g_stop
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - clock::now()).count();
    if (left < 0) return 0;
    return left > 1000 ? 1000 : static_cast<int>(left);
  }
  bool passed() const { return !none && clock::now() >= at; }
};

enum class io { ok, eof, timeout, error, stopped, reset };

struct Endpoint {
  std::string host;
  std::string port;
};

/// Parses HOST:PORT, [IPv6]:PORT. Returns false on a malformed address.
inline bool parse_endpoint(const std::string& s, Endpoint& out) {
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    out.host = s.substr(1, close - 1);
    out.port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos || s.find(':') != colon) return false;
    out.host = s.substr(0, colon);
    out.port = s.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()) return false;
  for (char c : out.port)
    if (c < '0' || c > '9') return false;
  return std::stoul(out.port) > 0 && std::stoul(out.port) < 65536;
}

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  ~Socket() { close(); }
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// One non-blocking send: `n` bytes went (0 when the socket's buffer is full).
  io write_some(const void* p, std::size_t len, std::size_t& n) {
    n = 0;
    const ssize_t w = ::send(fd_, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0)
      return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? io::ok : io::error;
    n = static_cast<std::size_t>(w);
    sent += n;
    return io::ok;
  }

  /// One non-blocking receive: `got` bytes (0 when none are there yet).
  io recv_some(void* p, std::size_t len, std::size_t& got) {
    got = 0;
    const ssize_t r = ::recv(fd_, p, len, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return io::ok;
      return errno == ECONNRESET ? io::reset : io::error;
    }
    if (r == 0) return io::eof;
    got = static_cast<std::size_t>(r);
    received += got;
    return io::ok;
  }

  std::size_t sent = 0;
  std::size_t received = 0;

 private:
  int fd_ = -1;
};

/// Connects to host:port (numeric or resolvable) before the deadline. `why` says what failed.
inline Socket connect_to(const Endpoint& ep, Deadline dl, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res); rc != 0) {
    why = std::string("cannot resolve ") + ep.host + ": " + gai_strerror(rc);
    return {};
  }
  Socket out;
  why = "no address to connect to";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    Socket s(fd);
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno != EINPROGRESS) {
      why = std::string("connect: ") + std::strerror(errno);
      continue;
    }
    if (rc < 0) {
      pollfd pfd{fd, POLLOUT, 0};
      int pr = 0;
      while ((pr = ::poll(&pfd, 1, dl.poll_ms())) == 0 && !dl.passed() && !g_stop) {
      }
      if (pr <= 0) {
        why = g_stop ? "interrupted" : "connect: timed out";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        why = std::string("connect: ") + std::strerror(err);
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    out = std::move(s);
    break;
  }
  ::freeaddrinfo(res);
  return out;
}

inline Socket listen_on(const Endpoint& ep, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res); rc != 0) {
    why = std::string("cannot resolve ") + ep.host + ": " + gai_strerror(rc);
    return {};
  }
  Socket out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    Socket s(fd);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // The kernel's largest accept queue: a burst of connections (a flood, or many clients at
    // once) must reach the pre-authentication policy, not be dropped as SYNs and retried a
    // second later (RFC 6298 §2's initial RTO).
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || ::listen(fd, SOMAXCONN) < 0) {
      why = std::string("bind/listen: ") + std::strerror(errno);
      continue;
    }
    out = std::move(s);
    break;
  }
  ::freeaddrinfo(res);
  return out;
}

/// Accepts one connection. Returns an invalid socket when stopped (`why` empty), or for a failed
/// accept() (`why` says what failed): those are transient (EMFILE, ENFILE, ENOBUFS, ENOMEM,
/// EPROTO, a network error on the pending connection), and the caller logs them and calls again.
/// Out of descriptors or memory, the pending connection stays queued and poll() reports it at
/// once: this backs off briefly so that a full table is not a busy loop.
inline Socket accept_one(Socket& l, std::string& why) {
  why.clear();
  for (;;) {
    if (g_stop) return {};
    pollfd pfd{l.fd(), POLLIN, 0};
    int pr = ::poll(&pfd, 1, 500);
    if (pr < 0 && errno != EINTR) {
      why = std::string("poll: ") + std::strerror(errno);
      ::usleep(100 * 1000);
      return {};
    }
    if (pr <= 0) continue;
    int fd = ::accept4(l.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      const int err = errno;
      if (err == EINTR || err == EAGAIN || err == ECONNABORTED) continue;
      why = std::string("accept: ") + std::strerror(err);
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) ::usleep(200 * 1000);
      return {};
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Socket(fd);
  }
}

}  // namespace mutauth::cli
