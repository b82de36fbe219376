// TEST ONLY (the documentation harnesses, tests/docs/README.md). Whole handshake tokens over a
// connected socket, one framing.hpp record each, and the pk peer a README handshake block talks
// to: a real Initiator or Acceptor in a thread, with keys that harness/pinned_keys.sh made with
// ssh-keygen (id_ed25519 for alice, db1_host_key for host/db1.example.com, pinned both ways).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"

namespace mutauth::docs {

class TokenPipe {
 public:
  explicit TokenPipe(int fd) : fd_(fd) {}
  TokenPipe(const TokenPipe&) = delete;
  TokenPipe& operator=(const TokenPipe&) = delete;
  ~TokenPipe() { hang_up(); }

  void send(bytes_view token) {
    std::vector<std::uint8_t> rec(record_header_size + token.size());
    auto n = encode_record(record_type::handshake, token, rec);
    if (!n) return;
    for (std::size_t off = 0; off < *n;) {
      const ssize_t w = ::send(fd_, rec.data() + off, *n - off, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;
      off += static_cast<std::size_t>(w);
    }
  }
  /// The next token, or an empty view at EOF or on a framing error.
  bytes_view receive() {
    std::uint8_t b[512];
    for (;;) {
      while (len_ > off_) {
        auto d = dec_.decode(bytes_view(buf_ + off_, len_ - off_));
        if (!d) return {};
        off_ += d->consumed;
        if (d->has_record) {
          last_.assign(d->rec.body.begin(), d->rec.body.end());
          return bytes_view(last_.data(), last_.size());
        }
      }
      ssize_t n;
      do n = ::read(fd_, b, sizeof b);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return {};
      std::copy(b, b + n, buf_);
      off_ = 0;
      len_ = static_cast<std::size_t>(n);
    }
  }
  void hang_up() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  RecordDecoder<> dec_;
  std::uint8_t buf_[512];
  std::size_t off_ = 0, len_ = 0;
  std::vector<std::uint8_t> last_;
};

/// What the harness's own side of the handshake saw.
struct PeerOutcome {
  bool done = false;
  std::string peer, error;
};

inline bool admit_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

inline bool fail(PeerOutcome& o, const char* what, const error& e) {
  o.error = std::string(what) + ": " + std::string(e.detail());
  return false;
}

/// host/db1.example.com with db1_host_key, admitting alice's pinned id_ed25519.pub.
inline bool serve_db1(TokenPipe& pipe, PeerOutcome& o) {
  auto key = pk::load_private_key_file("db1_host_key");
  auto alice = pk::load_public_key_file("id_ed25519.pub");
  if (!key) return fail(o, "db1_host_key", key.error_value());
  if (!alice) return fail(o, "id_ed25519.pub", alice.error_value());
  pk::PinnedClient pins[] = {{"alice", *alice}};
  pk::AcceptorConfig cfg{.identity = {&*key, {}, {}},
                         .service = *ServicePrincipal::parse("host/db1.example.com"),
                         .trust = {},
                         .channel_binding = {}};
  cfg.trust.pinned = pins;
  Acceptor<pk::PublicKey> hs(cfg, admit_alice);
  step_result r = hs.step(pipe.receive());
  while (r.st == status::send) {
    pipe.send(r.token);
    r = hs.step(pipe.receive());
  }
  if (r.st != status::done) return fail(o, "harness acceptor", hs.last_error());
  pipe.send(r.token);
  auto s = std::move(hs).finish();
  if (!s) return fail(o, "harness acceptor finish", s.error_value());
  o.done = true;
  o.peer = std::string(s->peer().name.view());
  return true;
}

/// alice with id_ed25519, demanding host/db1.example.com pinned to db1_host_key.pub.
inline bool connect_db1(TokenPipe& pipe, PeerOutcome& o) {
  auto key = pk::load_private_key_file("id_ed25519");
  auto db1 = pk::load_public_key_file("db1_host_key.pub");
  if (!key) return fail(o, "id_ed25519", key.error_value());
  if (!db1) return fail(o, "db1_host_key.pub", db1.error_value());
  auto target = ServicePrincipal::parse("host/db1.example.com");
  pk::PinnedServer pins[] = {{*target, *db1}};
  pk::InitiatorConfig cfg;
  cfg.identity = {&*key, "alice", {}};
  cfg.trust.pinned = pins;
  Initiator<pk::PublicKey> hs(*target, cfg);
  step_result r = hs.step();
  while (r.st == status::send || r.st == status::receive) {
    if (!r.token.empty()) pipe.send(r.token);
    r = hs.step(pipe.receive());
  }
  if (r.st != status::done) return fail(o, "harness initiator", hs.last_error());
  auto s = std::move(hs).finish();
  if (!s) return fail(o, "harness initiator finish", s.error_value());
  o.done = true;
  o.peer = std::string(s->peer().name.view());
  return true;
}

inline int verdict(bool ok, const char* what) {
  std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace mutauth::docs
