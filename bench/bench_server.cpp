// bench_server — server handshakes over loopback TCP: the `mutauth listen` CLI server (pinned and
// CA mode) against `openssl s_server` doing mutual TLS 1.3, in one run, each driven by an
// in-process client loop (no process per connection), with the server's CPU per handshake.
//
// Not Google Benchmark, on purpose: what is measured is another process (the server's utime +
// stime from /proc/<pid>/stat, divided by the handshakes it served) and a wall-clock rate over a
// real socket, for a fixed number of handshakes per configuration, with the configurations
// interleaved round by round so that load from other work on the machine hits all of them alike.
// Google Benchmark would time this thread's loop, which is the wrong process. The program writes
// JSON (--out) that bench/report.py turns into the "Server handshakes over loopback" table.
//
// One handshake, both stacks alike: connect (TCP_NODELAY), full mutual handshake, the client's
// close (mutauth: sealed close, docs/protocol/mutauth-pk.md §9.3; TLS: close_notify), read until
// the server's close and EOF, close the socket. Keys and certificates are made at start-up in a
// temp dir by the stock tools (ssh-keygen; openssl genpkey/req/x509), as the tests make theirs.
//
// Configurations (the server side is always the real CLI binary, MUTAUTH_CLI, as it ships; it
// keeps a verified-certificate cache, include/mutauth/mech/pk/verify_cache.hpp):
//   pk_pinned     raw Ed25519 keys pinned on both sides
//   pk_ca_miss    CA mode, every cache lookup misses: the client cycles through 128 certificates
//                 of its key (more than the server's 64 entries, so LRU never hits) and the client
//                 loop has no cache. This is the cache-off cost (plus a lookup that fails, ~1 µs)
//   pk_ca_cache   CA mode, one client certificate (a repeat peer): the server's cache hits, and
//                 the client loop keeps a cache of the server's certificate too
//   pk_ca_cache_library  the same client against a reference server that is the library alone
//                 (this program re-run as `--serve`: one thread, Connection<PK> over a blocking
//                 socket, the CLI's CA configuration with its cache): what the CLI adds per
//                 connection is the difference
//   tls13         openssl s_server -tls1_3 -Verify 1 (client certificate required), Ed25519
//                 certificates from one Ed25519 CA, X25519, TLS_CHACHA20_POLY1305_SHA256, no
//                 tickets, no session cache; the client never resumes (no session is kept)
//
// usage: bench_server [--cli PATH] [--n N] [--rounds R] [--out FILE] [--only NAME]...
//   --only NAME  measure only these configurations (for profiling one; the report wants all)
//   --clients K  client loops at once in the concurrent measurement (default 4; 1: none)
// Each configuration is measured twice per round: sequential (one client loop, one connection at
// a time: the rate is a round trip of both sides, client CPU included) and concurrent (K client
// threads, each one connection at a time: the server always has a connection to serve, so the rate
// is the server's capacity, what a server's handshakes per second means).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mutauth/connection.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "mutauth/mech/pk/verify_cache.hpp"

#ifndef MUTAUTH_CLI
#define MUTAUTH_CLI ""
#endif

namespace {

using namespace mutauth;
using PK = pk::PublicKey;
using steady = std::chrono::steady_clock;

constexpr const char* service = "host/server.example.test";
constexpr const char* tls_host = "server.example.test";
constexpr int ca_certificates = 128;  // > the CLI's cache (64 entries): pk_ca_miss never hits

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_server: %s\n", why.c_str());
  std::exit(1);
}

std::string quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

void sh(const std::string& cmd) {
  if (std::system((cmd + " </dev/null >/dev/null 2>&1").c_str()) != 0)
    die("command failed: " + cmd);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) die("cannot write " + path);
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string t = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                    std::string("/mutauth-bench-server.XXXXXX");
    if (::mkdtemp(t.data()) == nullptr) die("mkdtemp failed");
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  [[nodiscard]] std::string file(const std::string& n) const { return path + "/" + n; }
};

// ---------------------------------------------------------------- processes and sockets

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    die("no free port");
  ::close(s);
  return ntohs(a.sin_port);
}

int connect_loopback(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  const int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{5, 0};  // a stuck server fails the run instead of hanging it
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

/// A server child; stdout and stderr go to a log file (shown if it dies), killed at the end.
class Server {
 public:
  Server(std::vector<std::string> argv, std::string log) : log_(std::move(log)) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) die("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int in = ::open("/dev/null", O_RDONLY);
      const int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0) ::_exit(125);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool alive() {
    int st = 0;
    return ::waitpid(pid_, &st, WNOHANG) == 0;
  }
  [[nodiscard]] std::string log() const { return slurp(log_); }
  /// The server's CPU time so far (all its threads, exited ones included), in microseconds.
  [[nodiscard]] double cpu_us() const {
    std::string s = slurp("/proc/" + std::to_string(pid_) + "/stat");
    // Fields after the command name, which is in parentheses and may hold spaces (proc(5)).
    std::istringstream in(s.substr(s.rfind(')') + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> f; ++i) {
      if (i == 14) utime = std::stoull(f);
      if (i == 15) stime = std::stoull(f);
    }
    return static_cast<double>(utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

/// Waits until `port` accepts a connection (the server is up), or dies with the server's log.
void wait_listening(Server& s, int port, const std::string& what) {
  const auto t0 = steady::now();
  while (steady::now() - t0 < std::chrono::seconds(10)) {
    if (!s.alive()) die(what + " exited at start-up:\n" + s.log());
    const int fd = connect_loopback(port);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  die(what + " did not start listening:\n" + s.log());
}

double cpu_us(clockid_t which) {
  timespec ts{};
  ::clock_gettime(which, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// ---------------------------------------------------------------- mutauth client

bool send_all(int fd, bytes_view b) {
  while (!b.empty()) {
    const ssize_t n = ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b = b.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

// Drives a Connection<PK> over a blocking socket: handshake, our sealed close as soon as it is
// established, then the peer's close. The client reads on to EOF (the server closes first); the
// server stops at the client's close and closes the socket, as `mutauth listen` does.
bool drive(Connection<PK>& conn, int fd, bool until_eof, std::string& why) {
  bool ok = static_cast<bool>(conn.start());
  bool established = false, closed = false, peer_closed = false, fin_sent = false;
  std::array<std::uint8_t, 4096> buf{};
  auto flush = [&] {
    for (bytes_view p = conn.pending_output(); !p.empty(); p = conn.pending_output()) {
      if (!send_all(fd, p)) return false;
      conn.consume_output(p.size());
    }
    return true;
  };
  ok = ok && flush();
  while (ok && !(peer_closed && closed && !until_eof)) {
    ssize_t n;
    do n = ::read(fd, buf.data(), buf.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      why = "read failed or timed out";
      ok = false;
      break;
    }
    if (n == 0) {
      ok = static_cast<bool>(conn.receive_eof()) && peer_closed && closed;
      if (!ok && why.empty()) why = "EOF before the handshake and both closes";
      break;
    }
    bytes_view in(buf.data(), static_cast<std::size_t>(n));
    while (ok && !in.empty()) {
      auto r = conn.receive(in);
      if (!r) {
        ok = false;
        break;
      }
      in = in.subspan(*r);
      for (auto ev = conn.next_event(); ev.kind != connection_event::none; ev = conn.next_event()) {
        if (ev.kind == connection_event::established) established = true;
        if (ev.kind == connection_event::peer_closed) peer_closed = true;
        if (ev.kind == connection_event::failed) ok = false;
      }
      if (established && !closed) {  // handshake done: our sealed close, at once
        ok = ok && static_cast<bool>(conn.close());
        closed = true;
      }
      ok = ok && flush();
      if (ok && closed && !until_eof && !fin_sent) {
        ::shutdown(fd,
                   SHUT_WR);  // our close is out and nothing follows: the FIN with it, as the CLI
        fin_sent = true;
      }
    }
  }
  (void)flush();  // the alert of a failure, if any
  if (!ok && why.empty())
    why = std::string(to_string(conn.last_error().code())) + ": " +
          std::string(conn.last_error().detail());
  return ok && established;
}

// One handshake-only connection through Connection<PK> over a blocking socket.
bool mutauth_once(int port, const ServicePrincipal& target, const pk::InitiatorConfig& cfg,
                  std::string& why) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    why = "connect failed";
    return false;
  }
  Connection<PK> conn(as_client, target, cfg);
  const bool ok = drive(conn, fd, true, why);
  ::close(fd);
  return ok;
}

bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice"; }

// `bench_server --serve PORT DIR`: the reference server, the library alone: one thread, one
// blocking connection at a time, the CLI's configuration (CA mode, cache on), none of its
// per-connection machinery. Runs until killed.
[[noreturn]] void serve_library(int port, const std::string& dir) {
  auto key = pk::load_private_key_file((dir + "/server").c_str());
  std::array<std::uint8_t, pk::max_certificate_size> cert_buf{};
  auto cert = pk::load_certificate_file((dir + "/server-cert.pub").c_str(), cert_buf);
  auto spn = ServicePrincipal::parse(service);
  static pk::AuthorizedKeys<4, 4> trust;
  static std::string text = slurp(dir + "/authorized_keys_ca");
  if (!key || !cert || !spn || !trust.parse(text)) die("--serve: credentials");
  pk::AcceptorConfig cfg{.identity = {&*key, {}, *cert},
                         .service = *spn,
                         .trust = trust.trust(),
                         .channel_binding = {}};
  static pk::FixedVerifyCache<64> cache;
  cfg.trust.cert_cache = &cache;
  const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 128) != 0)
    die("--serve: cannot listen");
  for (;;) {
    const int c = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    Connection<PK> conn(as_server, cfg, allow_alice);
    std::string why;
    (void)drive(conn, c, false, why);  // a port probe (the start-up check) fails here: fine
    ::close(c);
  }
}

// ---------------------------------------------------------------- OpenSSL client

struct CtxFree {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
};
using Ctx = std::unique_ptr<SSL_CTX, CtxFree>;

// The client side of bench_tls's configuration (bench/bench_tls.cpp make_ctx), from files.
Ctx tls_client_ctx(const TempDir& d) {
  Ctx c(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* x = c.get();
  const bool ok =
      x != nullptr && SSL_CTX_set_min_proto_version(x, TLS1_3_VERSION) == 1 &&
      SSL_CTX_set_max_proto_version(x, TLS1_3_VERSION) == 1 &&
      SSL_CTX_set_ciphersuites(x, "TLS_CHACHA20_POLY1305_SHA256") == 1 &&
      SSL_CTX_set1_groups_list(x, "X25519") == 1 &&
      SSL_CTX_use_certificate_file(x, d.file("tls_client.crt").c_str(), SSL_FILETYPE_PEM) == 1 &&
      SSL_CTX_use_PrivateKey_file(x, d.file("tls_client.key").c_str(), SSL_FILETYPE_PEM) == 1 &&
      SSL_CTX_check_private_key(x) == 1 &&
      SSL_CTX_load_verify_locations(x, d.file("tls_ca.crt").c_str(), nullptr) == 1;
  if (!ok) {
    ERR_print_errors_fp(stderr);
    die("TLS client context");
  }
  // No resumption: no session cache and no tickets; every SSL starts without a session.
  SSL_CTX_set_options(x, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(x, SSL_VERIFY_PEER, nullptr);
  return c;
}

bool tls_once(int port, SSL_CTX* ctx, bool check_params, std::string& why) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    why = "connect failed";
    return false;
  }
  SSL* s = SSL_new(ctx);
  bool ok = s != nullptr && SSL_set_fd(s, fd) == 1 && SSL_set1_host(s, tls_host) == 1 &&
            SSL_set_tlsext_host_name(s, tls_host) == 1 && SSL_connect(s) == 1 &&
            SSL_get_verify_result(s) == X509_V_OK && SSL_get0_peer_certificate(s) != nullptr &&
            !SSL_session_reused(s);
  if (ok && check_params) {
    // Once, outside the timed loop: the handshake is the configuration this file claims.
    const SSL_CIPHER* cs = SSL_get_current_cipher(s);
    EVP_PKEY* k = X509_get0_pubkey(SSL_get0_peer_certificate(s));
    ok = SSL_version(s) == TLS1_3_VERSION && cs != nullptr &&
         std::strcmp(SSL_CIPHER_get_name(cs), "TLS_CHACHA20_POLY1305_SHA256") == 0 &&
         SSL_get_negotiated_group(s) == NID_X25519 && k != nullptr &&
         EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
    if (!ok) why = "negotiated parameters differ from the intended ones";
  }
  if (ok) {
    // close_notify, then the server's reply: an SSL_read that ends with its close_notify (0) or
    // EOF. The server verified our certificate before it reads anything from us: a refusal shows
    // as an alert here.
    (void)SSL_shutdown(s);
    char b[256];
    int r;
    while ((r = SSL_read(s, b, sizeof b)) > 0) {
    }
    const int e = SSL_get_error(s, r);
    ok = e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0);
    if (!ok) why = "the server did not close cleanly (error " + std::to_string(e) + ")";
  } else if (why.empty()) {
    why = "TLS handshake or verification failed";
  }
  if (!ok) ERR_print_errors_fp(stderr);
  ERR_clear_error();
  SSL_free(s);
  ::close(fd);
  return ok;
}

// ---------------------------------------------------------------- measurement

struct Sample {
  double rate = 0, server_us = 0, client_us = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

// n handshakes by `clients` client loops at once: 1 is this thread alone, one connection at a time
// (the rate is the round trip of both sides); more are threads of this process, each one
// connection at a time, so that the server always has work (the rate is the server's capacity).
// The client CPU is this process's (its threads; the waiting main thread uses none).
template <class F>
Sample measure(Server& srv, int n, int clients, F once) {
  const clockid_t clock = clients == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
  const double s0 = srv.cpu_us(), c0 = cpu_us(clock);
  const auto t0 = steady::now();
  std::atomic<int> next{0};
  auto loop = [&](int thread) {
    for (int i = next++; i < n; i = next++) {
      std::string why;
      if (!once(i, thread, why))
        die("handshake " + std::to_string(i) + " failed: " + why + "\nserver log:\n" + srv.log());
    }
  };
  if (clients == 1) {
    loop(0);
  } else {
    std::vector<std::thread> ts;
    for (int t = 0; t < clients; ++t) ts.emplace_back(loop, t);
    for (std::thread& t : ts) t.join();
  }
  const double secs = std::chrono::duration<double>(steady::now() - t0).count();
  Sample s;
  s.rate = n / secs;
  s.server_us = (srv.cpu_us() - s0) / n;
  s.client_us = (cpu_us(clock) - c0) / n;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--serve") {
    ::signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0) die("sodium_init failed");
    serve_library(std::stoi(argv[2]), argv[3]);
  }
  std::string cli = MUTAUTH_CLI, out;
  std::vector<std::string> only;
  int n = 1000, rounds = 3, clients = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) die(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--cli") cli = value();
    else if (a == "--n") n = std::stoi(value());
    else if (a == "--rounds") rounds = std::stoi(value());
    else if (a == "--out") out = value();
    else if (a == "--only") only.push_back(value());
    else if (a == "--clients") clients = std::stoi(value());
    else
      die("usage: bench_server [--cli PATH] [--n N] [--rounds R] [--out FILE] [--only NAME]... "
          "[--clients K]");
  }
  if (cli.empty() || ::access(cli.c_str(), X_OK) != 0)
    die("no mutauth CLI at '" + cli + "' (--cli PATH)");
  if (n < 1 || rounds < 1 || clients < 1) die("--n, --rounds and --clients must be positive");
  ::signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) die("sodium_init failed");

  // ---- credentials, by the stock tools
  TempDir d;
  auto keygen = [&](const std::string& name) {
    sh("ssh-keygen -q -t ed25519 -N '' -C " + name + " -f " + quote(d.file(name)));
  };
  for (const char* k : {"ca", "server", "server_raw", "alice", "alice_raw"}) keygen(k);
  sh("ssh-keygen -q -s " + quote(d.file("ca")) + " -I server -h -n " + service + " " +
     quote(d.file("server.pub")));
  sh("ssh-keygen -q -s " + quote(d.file("ca")) + " -I alice -z 1 -n alice " +
     quote(d.file("alice.pub")));
  for (int i = 0; i < ca_certificates; ++i) {
    const std::string label = "alice" + std::to_string(i);
    std::filesystem::copy_file(d.file("alice.pub"), d.file(label + ".pub"));
    sh("ssh-keygen -q -s " + quote(d.file("ca")) + " -I " + label + " -z " +
       std::to_string(100 + i) + " -n alice " + quote(d.file(label + ".pub")));
  }
  auto key_text = [&](const std::string& name) {  // "ssh-ed25519 AAAA..." without the comment
    std::istringstream in(slurp(d.file(name + ".pub")));
    std::string type, b64;
    in >> type >> b64;
    return type + " " + b64;
  };
  spit(d.file("authorized_keys_ca"), "cert-authority " + key_text("ca") + "\n");
  spit(d.file("authorized_keys_pinned"), "principals=\"alice\" " + key_text("alice_raw") + "\n");

  // TLS: an Ed25519 CA and two leaves, as bench_tls makes them in memory.
  const std::string ossl = "openssl";
  sh(ossl + " genpkey -algorithm ed25519 -out " + quote(d.file("tls_ca.key")));
  sh(ossl + " req -x509 -new -key " + quote(d.file("tls_ca.key")) +
     " -subj /CN=mutauth-bench-CA -days 30" +
     " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign "
     "-out " +
     quote(d.file("tls_ca.crt")));
  auto leaf = [&](const std::string& name, const std::string& cn, const std::string& ext) {
    spit(d.file(name + ".ext"),
         "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n" + ext);
    sh(ossl + " genpkey -algorithm ed25519 -out " + quote(d.file(name + ".key")));
    sh(ossl + " req -new -key " + quote(d.file(name + ".key")) + " -subj /CN=" + cn + " -out " +
       quote(d.file(name + ".csr")));
    sh(ossl + " x509 -req -in " + quote(d.file(name + ".csr")) + " -CA " +
       quote(d.file("tls_ca.crt")) + " -CAkey " + quote(d.file("tls_ca.key")) + " -set_serial " +
       std::to_string(name.size()) + " -days 30 -extfile " + quote(d.file(name + ".ext")) +
       " -out " + quote(d.file(name + ".crt")));
  };
  leaf("tls_server", tls_host,
       std::string("subjectAltName=DNS:") + tls_host + "\nextendedKeyUsage=serverAuth\n");
  leaf("tls_client", "alice", "extendedKeyUsage=clientAuth\n");

  // ---- the client side's configuration (library, in process)
  const auto target = ServicePrincipal::parse(service);
  if (!target) die("bad service name");
  auto load_key = [&](const std::string& name) {
    auto k = pk::load_private_key_file(d.file(name).c_str());
    if (!k) die("key " + name + ": " + std::string(k.error_value().detail()));
    return std::move(*k);
  };
  const pk::Ed25519SecretKey alice = load_key("alice"), alice_raw = load_key("alice_raw");
  const auto server_raw_pub = pk::load_public_key_file(d.file("server_raw.pub").c_str());
  const auto ca_pub = pk::load_public_key_file(d.file("ca.pub").c_str());
  if (!server_raw_pub || !ca_pub) die("public keys");
  std::vector<std::array<std::uint8_t, pk::max_certificate_size>> cert_store(ca_certificates + 1);
  std::vector<bytes_view> certs;  // [0] the repeat client's; [1..] the distinct ones
  for (int i = 0; i <= ca_certificates; ++i) {
    const std::string path =
        i == 0 ? d.file("alice-cert.pub") : d.file("alice" + std::to_string(i - 1) + "-cert.pub");
    auto c = pk::load_certificate_file(path.c_str(), cert_store[static_cast<std::size_t>(i)]);
    if (!c) die("certificate " + path + ": " + std::string(c.error_value().detail()));
    certs.push_back(*c);
  }
  const std::array<pk::PinnedServer, 1> pins{{{*target, *server_raw_pub}}};
  const std::array<pk::HostCertAuthority, 1> host_cas{{{*ca_pub, "*.example.test"}}};
  pk::InitiatorConfig pinned_cfg;
  pinned_cfg.identity = {&alice_raw, "alice"};
  pinned_cfg.trust.pinned = pins;
  pk::InitiatorConfig ca_cfg;
  ca_cfg.identity = {&alice, "alice", certs[0]};
  ca_cfg.trust.authorities = host_cas;
  // One host-certificate cache per client thread (a cache is not shared between threads).
  std::vector<std::unique_ptr<pk::FixedVerifyCache<64>>> client_caches;
  std::vector<pk::InitiatorConfig> ca_cached_cfgs;
  for (int t = 0; t < clients; ++t) {
    client_caches.push_back(std::make_unique<pk::FixedVerifyCache<64>>());
    ca_cached_cfgs.push_back(ca_cfg);
    ca_cached_cfgs.back().trust.cert_cache = client_caches.back().get();
  }
  const Ctx tls_ctx = tls_client_ctx(d);

  // ---- the servers, all up for the whole run (an idle one uses no CPU)
  const int port_pinned = free_port(), port_ca = free_port(), port_tls = free_port(),
            port_lib = free_port();
  auto mutauth_server = [&](int port, const std::string& identity, const std::string& trust) {
    return std::make_unique<Server>(
        std::vector<std::string>{cli, "listen", "127.0.0.1:" + std::to_string(port), "--service",
                                 service, "--identity", d.file(identity), "--trust", d.file(trust),
                                 "--allow", "alice", "-q"},
        d.file(identity + ".log"));
  };
  auto srv_pinned = mutauth_server(port_pinned, "server_raw", "authorized_keys_pinned");
  auto srv_ca = mutauth_server(port_ca, "server", "authorized_keys_ca");
  auto srv_tls =
      std::make_unique<Server>(std::vector<std::string>{ossl,
                                                        "s_server",
                                                        "-quiet",
                                                        "-rev",
                                                        "-accept",
                                                        "127.0.0.1:" + std::to_string(port_tls),
                                                        "-tls1_3",
                                                        "-ciphersuites",
                                                        "TLS_CHACHA20_POLY1305_SHA256",
                                                        "-groups",
                                                        "X25519",
                                                        "-cert",
                                                        d.file("tls_server.crt"),
                                                        "-key",
                                                        d.file("tls_server.key"),
                                                        "-CAfile",
                                                        d.file("tls_ca.crt"),
                                                        "-Verify",
                                                        "1",
                                                        "-verify_return_error",
                                                        "-no_ticket",
                                                        "-num_tickets",
                                                        "0",
                                                        "-no_cache"},
                               d.file("s_server.log"));
  auto srv_lib = std::make_unique<Server>(
      std::vector<std::string>{"/proc/self/exe", "--serve", std::to_string(port_lib), d.path},
      d.file("lib.log"));
  wait_listening(*srv_lib, port_lib, "bench_server --serve");
  wait_listening(*srv_pinned, port_pinned, "mutauth listen (pinned)");
  wait_listening(*srv_ca, port_ca, "mutauth listen (CA)");
  wait_listening(*srv_tls, port_tls, "openssl s_server");

  // A first handshake of each kind, untimed: checks the configuration, warms caches and pages.
  {
    std::string why;
    if (!mutauth_once(port_pinned, *target, pinned_cfg, why))
      die("pinned check: " + why + "\n" + srv_pinned->log());
    if (!mutauth_once(port_ca, *target, ca_cfg, why))
      die("CA check: " + why + "\n" + srv_ca->log());
    if (!tls_once(port_tls, tls_ctx.get(), true, why))
      die("TLS check: " + why + "\n" + srv_tls->log());
    if (!mutauth_once(port_lib, *target, ca_cfg, why))
      die("library server check: " + why + "\n" + srv_lib->log());
  }

  struct Config {
    const char* name;
    Server* srv;
    std::function<bool(int, int, std::string&)> once;  // (handshake, client thread, why)
    std::vector<Sample> samples, concurrent;
  };
  std::vector<Config> configs;
  configs.push_back({"pk_pinned",
                     srv_pinned.get(),
                     [&](int, int, std::string& why) {
                       return mutauth_once(port_pinned, *target, pinned_cfg, why);
                     },
                     {},
                     {}});
  configs.push_back({"pk_ca_miss",
                     srv_ca.get(),
                     [&](int i, int, std::string& why) {
                       pk::InitiatorConfig c = ca_cfg;
                       c.identity.certificate =
                           certs[static_cast<std::size_t>(i % ca_certificates + 1)];
                       return mutauth_once(port_ca, *target, c, why);
                     },
                     {},
                     {}});
  configs.push_back({"pk_ca_cache",
                     srv_ca.get(),
                     [&](int, int t, std::string& why) {
                       return mutauth_once(port_ca, *target,
                                           ca_cached_cfgs[static_cast<std::size_t>(t)], why);
                     },
                     {},
                     {}});
  configs.push_back({"pk_ca_cache_library",
                     srv_lib.get(),
                     [&](int, int t, std::string& why) {
                       return mutauth_once(port_lib, *target,
                                           ca_cached_cfgs[static_cast<std::size_t>(t)], why);
                     },
                     {},
                     {}});
  configs.push_back(
      {"tls13",
       srv_tls.get(),
       [&](int, int, std::string& why) { return tls_once(port_tls, tls_ctx.get(), false, why); },
       {},
       {}});

  if (!only.empty()) {
    std::erase_if(configs, [&](const Config& c) {
      return std::find(only.begin(), only.end(), c.name) == only.end();
    });
    if (configs.empty()) die("--only: no such configuration");
  }
  for (int r = 0; r < rounds; ++r) {
    // Rotate the order each round, so that no configuration always runs first or last.
    for (std::size_t k = 0; k < configs.size(); ++k) {
      Config& c = configs[(k + static_cast<std::size_t>(r)) % configs.size()];
      c.samples.push_back(measure(*c.srv, n, 1, c.once));
      const Sample& s = c.samples.back();
      std::fprintf(stderr, "round %d %-20s %8.0f handshakes/s  server %7.1f us  client %7.1f us\n",
                   r + 1, c.name, s.rate, s.server_us, s.client_us);
      if (clients > 1) {
        c.concurrent.push_back(measure(*c.srv, n, clients, c.once));
        const Sample& k = c.concurrent.back();
        std::fprintf(stderr,
                     "round %d %-20s %8.0f handshakes/s  server %7.1f us  client %7.1f us  (%d "
                     "clients)\n",
                     r + 1, c.name, k.rate, k.server_us, k.client_us, clients);
      }
    }
  }
  for (Server* s : {srv_pinned.get(), srv_ca.get(), srv_tls.get(), srv_lib.get()})
    if (!s->alive()) die("a server died during the run:\n" + s->log());

  // ---- JSON: medians over rounds, and every round
  std::size_t hits = 0, misses = 0;
  for (const auto& c : client_caches) {
    hits += c->hits();
    misses += c->misses();
  }
  std::ostringstream j;
  j << "{\n  \"handshakes_per_round\": " << n << ",\n  \"rounds\": " << rounds
    << ",\n  \"server_cache_entries\": 64,\n  \"distinct_client_certificates\": " << ca_certificates
    << ",\n  \"client_cache_hits\": " << hits << ",\n  \"client_cache_misses\": " << misses
    << ",\n  \"concurrent_clients\": " << clients << ",\n  \"clk_tck\": " << ::sysconf(_SC_CLK_TCK)
    << ",\n  \"openssl\": \"" << OpenSSL_version(OPENSSL_VERSION) << "\",\n  \"configs\": {";
  for (std::size_t k = 0; k < configs.size(); ++k) {
    const Config& c = configs[k];
    // {"handshakes_per_s": median, "server_cpu_us": .., "client_cpu_us": .., "rounds": [[..]..]}
    auto fields = [&j](const std::vector<Sample>& ss) {
      std::vector<double> rate, srv, cl;
      for (const Sample& s : ss) {
        rate.push_back(s.rate);
        srv.push_back(s.server_us);
        cl.push_back(s.client_us);
      }
      j << "\"handshakes_per_s\": " << median(rate) << ", \"server_cpu_us\": " << median(srv)
        << ", \"client_cpu_us\": " << median(cl) << ", \"rounds\": [";
      for (std::size_t i = 0; i < ss.size(); ++i)
        j << (i ? ", " : "") << "[" << ss[i].rate << ", " << ss[i].server_us << ", "
          << ss[i].client_us << "]";
      j << "]";
    };
    j << (k ? "," : "") << "\n    \"" << c.name << "\": {";
    fields(c.samples);
    if (!c.concurrent.empty()) {
      j << ", \"concurrent\": {";
      fields(c.concurrent);
      j << "}";
    }
    j << "}";
  }
  j << "\n  }\n}\n";
  if (out.empty()) std::fputs(j.str().c_str(), stdout);
  else spit(out, j.str());
  return 0;
}
