// TEST ONLY. A tiny blocking POSIX driver for Connection<M> over a connected stream socket:
// what an application's socket glue looks like with Connection (a handful of lines per
// operation). It lives in tests/, never in include/mutauth/ (docs/design.md §2).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include "mutauth/connection.hpp"

namespace mutauth::testing {

inline bool make_socketpair(int fds[2]) { return ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0; }
inline void close_fd(int fd) { ::close(fd); }

template <Mechanism M>
class BlockingConnection {
 public:
  BlockingConnection(Connection<M>& c, int fd) : c_(c), fd_(fd) {}

  /// Runs the handshake to the established event.
  bool handshake() {
    if (auto r = c_.start(); !r) return fail(r.error_value());
    if (!flush()) return false;
    while (!established_)
      if (!step()) return false;
    return true;
  }
  /// Sends all of `data` as sealed records.
  bool write(const std::vector<std::uint8_t>& data) {
    for (std::size_t off = 0; off < data.size();) {
      auto n = c_.write(bytes_view(data.data() + off, data.size() - off));
      if (!n) return fail(n.error_value());
      off += *n;
      if (!flush()) return false;
    }
    return flush();
  }
  /// Next application bytes; false once the peer's sealed close came (or on failure).
  bool read(std::vector<std::uint8_t>& out) {
    out.clear();
    while (data_.empty() && !peer_closed_)
      if (!step()) return false;
    out.swap(data_);
    return !out.empty();
  }
  /// Sealed close, then the socket's write side is shut down.
  bool close() {
    if (auto r = c_.close(); !r) return fail(r.error_value());
    if (!flush()) return false;
    ::shutdown(fd_, SHUT_WR);
    return true;
  }
  /// Reads to EOF: true only for a clean end (the peer's sealed close, then EOF).
  bool finish() {
    while (!eof_)
      if (!step() && !eof_) return false;
    return eof_ok_;
  }
  [[nodiscard]] bool peer_closed() const { return peer_closed_; }
  [[nodiscard]] const std::string& error() const { return err_; }

 private:
  bool flush() {
    for (bytes_view p = c_.pending_output(); !p.empty(); p = c_.pending_output()) {
      const ssize_t n = ::send(fd_, p.data(), p.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail_io("send failed");
      c_.consume_output(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool step() {
    if (off_ == len_) {
      if (eof_) return false;
      ssize_t n;
      do n = ::read(fd_, buf_.data(), buf_.size());
      while (n < 0 && errno == EINTR);
      if (n < 0) return fail_io("read failed");
      if (n == 0) {
        eof_ = true;
        auto r = c_.receive_eof();
        events();
        eof_ok_ = static_cast<bool>(r);
        return r ? true : fail(r.error_value());
      }
      off_ = 0;
      len_ = static_cast<std::size_t>(n);
    }
    auto r = c_.receive(bytes_view(buf_.data() + off_, len_ - off_));
    events();
    const bool sent = flush();  // the alert of a failure too
    if (!r) return fail(r.error_value());
    off_ += *r;
    return sent;
  }
  void events() {
    for (auto ev = c_.next_event(); ev.kind != connection_event::none; ev = c_.next_event()) {
      if (ev.kind == connection_event::established) established_ = true;
      if (ev.kind == connection_event::data)
        data_.insert(data_.end(), ev.data.begin(), ev.data.end());
      if (ev.kind == connection_event::peer_closed) peer_closed_ = true;
    }
  }
  bool fail(const mutauth::error& e) {
    err_ = std::string(to_string(e.code())) + ": " + std::string(e.detail());
    return false;
  }
  bool fail_io(const char* what) {
    err_ = what;
    return false;
  }

  Connection<M>& c_;
  int fd_;
  std::array<std::uint8_t, 4096> buf_{};
  std::size_t off_ = 0, len_ = 0;
  std::vector<std::uint8_t> data_;
  bool established_ = false, peer_closed_ = false, eof_ = false, eof_ok_ = false;
  std::string err_;
};

}  // namespace mutauth::testing
