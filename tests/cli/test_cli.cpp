// End-to-end tests of the `mutauth` command-line tool (issue 6): the real binary, real TCP on
// 127.0.0.1, keys, CAs and certificates made by the real ssh-keygen. Each TEST_CASE runs in its
// own process under ctest (catch_discover_tests), with its own temp dir and ports.
//
// What "no application byte crossed" means here, checked three ways: neither side wrote anything
// to stdout, and a recording relay between them saw no application record (type 0x17) in either
// direction.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "mutauth/connection.hpp"
#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/version.hpp"
#include "negotiate/wire_pump.hpp"
#include "support/ssh_tools.hpp"
#if MUTAUTH_CLI_TEST_KRB5
#include "krb5/kdc_fixture.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#endif

using namespace mutauth::clitest;
using mutauth::testing::shell_quote;
using mutauth::testing::TempDir;

namespace {

constexpr const char* cli = MUTAUTH_CLI;
constexpr std::uint8_t rec_handshake = 0x16, rec_alert = 0x15, rec_app = 0x17;
constexpr std::uint8_t alert_failed = 1, alert_unauthorized = 3;
// A sealed record's body: its content, the content type byte, the 16-byte AEAD tag.
constexpr std::size_t sealed_close_size = 0 + 1 + 16;
const std::string truncated = "without the peer's sealed close: the data may have been truncated";
const std::string spn = "host/server.example.test";

void sh(const std::string& cmd) {
  INFO(cmd);
  REQUIRE(std::system((cmd + " </dev/null >/dev/null 2>&1").c_str()) == 0);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  REQUIRE(f.good());
}

/// The SHA256 fingerprint ssh-keygen itself prints for a key: the tool under test must agree.
std::string fingerprint(const std::string& pub) {
  std::istringstream in(
      mutauth::testing::run_capture("ssh-keygen -l -E sha256 -f " + shell_quote(pub)));
  std::string bits, fp;
  in >> bits >> fp;
  return fp;
}

/// Every identity the tests need, made by ssh-keygen. One CA signs the server's host
/// certificate and the user certificates (as in scripts/demo), so "wrong certificate type" is
/// reached after the issuer check; other-ca is the CA nobody trusts. The pin-* keys have no
/// certificate beside them, so the CLI presents them as raw keys.
struct Pki {
  TempDir dir{"mutauth-cli"};
  Pki() {
    auto kg = [&](const std::string& name) {
      sh("ssh-keygen -q -t ed25519 -N '' -C " + name + " -f " + shell_quote(dir.file(name)));
    };
    auto sign = [&](const std::string& ca, const std::string& key, const std::string& opts) {
      sh("ssh-keygen -q -s " + shell_quote(dir.file(ca)) + " -I " + key + " " + opts + " " +
         shell_quote(dir.file(key + ".pub")));
    };
    for (const char* n : {"ca", "other-ca", "server", "alice", "mallory", "eve", "rogue",
                          "pin-server", "pin-alice", "pin-bob", "duo"})
      kg(n);
    sign("ca", "server", "-h -n " + spn);
    sign("ca", "alice", "-n alice");
    sign("ca", "mallory", "-n mallory");
    sign("other-ca", "eve", "-n eve");
    sign("ca", "rogue", "-n " + spn);   // a USER certificate naming the service
    sign("ca", "duo", "-n ops,alice");  // two principals: the client must say which it asserts
    write_text(file("known_hosts_ca"),
               "@cert-authority *.example.test " + key_of(file("ca.pub")) + "\n");
    write_text(file("authorized_keys_ca"), "cert-authority " + key_of(file("ca.pub")) + "\n");
    write_text(file("authorized_keys_ca_alice"),
               "cert-authority,principals=\"alice\" " + key_of(file("ca.pub")) + "\n");
    write_text(file("known_hosts_pin"), spn + " " + key_of(file("pin-server.pub")) + "\n");
    write_text(file("authorized_keys_pin"),
               "principals=\"alice\" " + key_of(file("pin-alice.pub")) + "\nprincipals=\"bob\" " +
                   key_of(file("pin-bob.pub")) + "\n");
  }
  std::string file(const std::string& n) const { return dir.file(n); }
};

/// A running `mutauth listen`. Port races (free_port() then bind) are retried with a new port.
struct Server {
  std::unique_ptr<Proc> proc;
  int port = 0;
};

Server start_server(const std::vector<std::string>& args, const std::string& host = "127.0.0.1") {
  for (int attempt = 0; attempt < 5; ++attempt) {
    Server s;
    s.port = free_port();
    std::vector<std::string> argv = {cli, "listen", host + ":" + std::to_string(s.port)};
    argv.insert(argv.end(), args.begin(), args.end());
    s.proc = std::make_unique<Proc>(argv);
    if (s.proc->wait_for_err("mutauth: listening on ", 10)) return s;
    const auto rc = s.proc->wait_exit(5);
    INFO("server stderr: " << s.proc->err());
    REQUIRE(rc);
    REQUIRE(s.proc->err().find("cannot listen") !=
            std::string::npos);  // only a port race is retried
  }
  FAIL("no free port after 5 attempts");
  return {};
}

/// The usual pk server of these tests: admits alice only, echoes.
Server pk_server(const Pki& p, const std::string& identity, const std::string& trust,
                 std::vector<std::string> extra = {"--allow", "alice", "--echo"}) {
  std::vector<std::string> args = {"--service",           spn,       "--identity",
                                   p.file(identity),      "--trust", p.file(trust),
                                   "--handshake-timeout", "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_server(args);
}

/// The pinned-key echo server that admits alice, with one more option (a limit or a timeout).
Server pinned_echo_server(const Pki& p, const std::string& option, const std::string& value) {
  return pk_server(p, "pin-server", "authorized_keys_pin",
                   {"--allow", "alice", "--echo", option, value});
}

struct Run {
  int rc = -1;
  std::string out, err;
};

/// Runs `mutauth connect` to completion (bounded) with `input` on its stdin.
Run connect_cli(int port, const std::vector<std::string>& args, const std::string& input,
                double timeout = 20, const std::string& host = "127.0.0.1") {
  std::vector<std::string> argv = {cli,
                                   "connect",
                                   host + ":" + std::to_string(port),
                                   "--connect-timeout",
                                   "5",
                                   "--handshake-timeout",
                                   "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  Proc c(argv, input);
  const auto rc = c.wait_exit(timeout);
  INFO("client stderr: " << c.err());
  REQUIRE(rc);
  return {*rc, c.out(), c.err()};
}

std::vector<std::string> pk_client(const Pki& p, const std::string& identity,
                                   const std::string& trust, const std::string& target = spn) {
  return {"--target", target, "--identity", p.file(identity), "--trust", p.file(trust)};
}

/// pin-alice is pinned as alice (authorized_keys_pin): its key comment is not that name, so it
/// asserts alice with --name, as an ssh user names the account it logs in as.
std::vector<std::string> pin_alice(const Pki& p) {
  auto a = pk_client(p, "pin-alice", "known_hosts_pin");
  a.insert(a.end(), {"--name", "alice"});
  return a;
}

std::string re_escape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\/])");
  return std::regex_replace(s, special, R"(\$&)");
}

/// The one success line each side prints (main.cpp report_success).
std::regex success_line(const std::string& who, const std::string& local, const std::string& peer,
                        const std::string& mech = "mutauth-pk/1",
                        const std::string& shape = "messages=4 round_trips=2") {
  return std::regex("mutauth: " + re_escape(who) + "authenticated mech=" + re_escape(mech) +
                    " local=" + re_escape(local) + " peer=" + re_escape(peer) + " " + shape +
                    " bytes_sent=[0-9]+ bytes_received=[0-9]+ handshake_ms=[0-9]+\\.[0-9]{2}");
}

/// The first line of `text` that starts with `prefix` (empty if none).
std::string line_starting(const std::string& text, const std::string& prefix) {
  for (const auto& l : lines(text))
    if (l.rfind(prefix, 0) == 0) return l;
  return {};
}

std::size_t field(const std::string& line, const std::string& name) {
  const auto p = line.find(" " + name + "=");
  REQUIRE(p != std::string::npos);
  return std::stoul(line.substr(p + name.size() + 2));
}

std::string listening_line(const Server& s) {
  return "mutauth: listening on 127.0.0.1:" + std::to_string(s.port) + " as " + spn +
         " (mech mutauth-pk/1)";
}

/// Types of the records one direction of a relay log carried; the log must frame exactly.
std::vector<std::uint8_t> types(const std::vector<WireRecord>& v) {
  std::vector<std::uint8_t> t;
  for (const auto& r : v) t.push_back(r.type);
  return t;
}

struct Wire {
  std::vector<WireRecord> to_server, to_client;
};

Wire wire_of(RecordingRelay& relay) {
  REQUIRE(relay.wait_done(15));
  Wire w;
  const auto log = relay.log();
  REQUIRE(split_records(log, true, w.to_server));
  REQUIRE(split_records(log, false, w.to_client));
  return w;
}

using T = std::vector<std::uint8_t>;

/// A refusal through the recording relay: the client must fail, nothing may reach either
/// stdout, no application record may cross. Returns the client's run and the wire.
struct Refusal {
  Run client;
  Wire wire;
};

Refusal refuse(Server& s, const std::vector<std::string>& client_args) {
  RecordingRelay relay(s.port);
  Refusal r;
  r.client = connect_cli(relay.port(), client_args, "this must never reach the server\n");
  r.wire = wire_of(relay);
  INFO("client stderr:\n" << r.client.err << "server stderr:\n" << s.proc->err());
  CHECK(r.client.rc == 1);
  CHECK(r.client.out.empty());
  CHECK(lines(r.client.err).back() == "mutauth: no application data was sent or accepted");
  REQUIRE(s.proc->wait_for_err("[client 1] no application data was sent or accepted", 10));
  CHECK(s.proc->out().empty());
  for (const auto& rec : r.wire.to_server) CHECK(rec.type != rec_app);
  for (const auto& rec : r.wire.to_client) CHECK(rec.type != rec_app);
  return r;
}

/// A unique payload per client, so an echo that went to the wrong client is caught.
std::string payload(const std::string& tag) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << tag << " " << std::hex << rng() << "\n";
  return s.str();
}

/// The alert byte of the last record of a direction (which must be an alert).
std::uint8_t last_alert(const std::vector<WireRecord>& v) {
  REQUIRE(!v.empty());
  REQUIRE(v.back().type == rec_alert);
  REQUIRE(v.back().body.size() == 1);
  return v.back().body[0];
}

/// A valid first handshake message (mutauth-pk/1 `-> e`) in a record, made by the library.
bytes first_handshake_record() {
  static const std::uint8_t seed[32] = {42};
  auto key = mutauth::pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(seed, 32));
  REQUIRE(key);
  auto target = mutauth::ServicePrincipal::parse(spn);
  REQUIRE(target);
  mutauth::pk::InitiatorConfig cfg;
  cfg.identity = {&*key, "raw"};
  mutauth::Initiator<mutauth::pk::PublicKey> hs(*target, cfg);
  auto r = hs.step();
  REQUIRE(r.st == mutauth::status::send);
  bytes out(mutauth::record_header_size + r.token.size());
  REQUIRE(mutauth::encode_record(mutauth::record_type::handshake, r.token, out));
  return out;
}

/// A real client that must succeed against `s` (pinned keys) and get its payload echoed.
void good_pinned_client(const Pki& p, const Server& s, const std::string& tag) {
  const std::string msg = payload(tag);
  const Run c = connect_cli(s.port, pin_alice(p), msg);
  INFO("client stderr: " << c.err);
  CHECK(c.rc == 0);
  CHECK(c.out == msg);
}

/// An authenticated pinned session (alice) that the test holds open against `s`: its "held\n"
/// has come back; end() closes its input and it must exit cleanly.
struct HeldSession {
  HeldSession(const Pki& p, const Server& s)
      : proc({cli, "connect", "127.0.0.1:" + std::to_string(s.port), "--target", spn, "--identity",
              p.file("pin-alice"), "--name", "alice", "--trust", p.file("known_hosts_pin")},
             "held\n", false) {
    REQUIRE(proc.wait_for_out(5, 10));
  }
  void end() {
    proc.close_stdin();
    REQUIRE(proc.wait_exit(10) == 0);
  }
  Proc proc;
};

}  // namespace

// ---------------------------------------------------------------- success

TEST_CASE("cli: pinned keys: both sides authenticate, data is echoed sealed, the wire shows G1",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  RecordingRelay relay(s.port);
  const auto t0 = steady::now();
  const Run c = connect_cli(relay.port(), pin_alice(p), "hi\n");
  const Wire w = wire_of(relay);
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(seconds_since(t0) < 5);
  REQUIRE(c.rc == 0);
  CHECK(c.out == "hi\n");
  const auto cl = lines(c.err);
  REQUIRE(cl.size() == 1);
  CHECK(std::regex_match(cl[0], success_line("", "alice", spn)));

  REQUIRE(s.proc->wait_for_out(3, 10));
  CHECK(s.proc->out() == "hi\n");
  const auto sl = lines(s.proc->err());
  REQUIRE(sl.size() == 2);
  CHECK(sl[0] == listening_line(s));
  CHECK(std::regex_match(sl[1], success_line("[client 1] ", spn, "alice")));

  // On the wire: four handshake messages (the server's message 4, its admission, before the
  // client's first application byte), then the data and its echo, then a SEALED close each way:
  // no clear-text alert after the handshake.
  CHECK(types(w.to_server) == T{rec_handshake, rec_handshake, rec_app, rec_app});
  CHECK(types(w.to_client) == T{rec_handshake, rec_handshake, rec_app, rec_app});
  CHECK(w.to_server[2].chunk > w.to_client[1].chunk);
  CHECK(w.to_server[2].body.size() == 3 + 1 + 16);  // "hi\n" | data type | tag
  CHECK(w.to_server[3].body.size() == sealed_close_size);
  CHECK(w.to_client[3].body.size() == sealed_close_size);
  // The byte counts each side reports are the handshake bytes that really crossed.
  auto wire_bytes = [](const std::vector<WireRecord>& v, std::size_t n) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) total += 3 + v[i].body.size();
    return total;
  };
  CHECK(field(cl[0], "bytes_sent") == wire_bytes(w.to_server, 2));
  CHECK(field(cl[0], "bytes_received") == wire_bytes(w.to_client, 2));
  CHECK(field(sl[1], "bytes_sent") == wire_bytes(w.to_client, 2));
  CHECK(field(sl[1], "bytes_received") == wire_bytes(w.to_server, 2));

  REQUIRE(s.proc->stop() == 0);  // SIGTERM is a clean shutdown
}

TEST_CASE("cli: CA mode: host certificate for the server, user certificate found beside --identity",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  const Run c = connect_cli(s.port, pk_client(p, "alice", "known_hosts_ca"), "hi\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  REQUIRE(c.rc == 0);
  CHECK(c.out == "hi\n");
  const auto cl = lines(c.err);
  REQUIRE(cl.size() == 1);
  CHECK(std::regex_match(cl[0], success_line("", "alice", spn)));
  // Certificates ride in the proofs: both flights are far larger than with raw keys.
  CHECK(field(cl[0], "bytes_sent") > 300);
  REQUIRE(s.proc->wait_for_err("authenticated", 10));
  const auto sl = lines(s.proc->err());
  REQUIRE(sl.size() == 2);
  CHECK(std::regex_match(sl[1], success_line("[client 1] ", spn, "alice")));
  REQUIRE(s.proc->wait_for_out(3, 10));
  CHECK(s.proc->out() == "hi\n");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: --once pipes stdin both ways and exits after one client", "[cli]") {
  Pki p;
  Server s;
  // --once reads the server's stdin: start it by hand with data on it.
  for (int attempt = 0; attempt < 5 && !s.proc; ++attempt) {
    s.port = free_port();
    auto proc = std::make_unique<Proc>(
        std::vector<std::string>{cli, "listen", "127.0.0.1:" + std::to_string(s.port), "--service",
                                 spn, "--identity", p.file("server"), "--trust",
                                 p.file("authorized_keys_ca"), "--allow", "alice", "--once"},
        "from the server\n");
    if (proc->wait_for_err("listening on", 10)) s.proc = std::move(proc);
  }
  REQUIRE(s.proc);
  const Run c = connect_cli(s.port, pk_client(p, "alice", "known_hosts_ca"), "from the client\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 0);
  CHECK(c.out == "from the server\n");
  REQUIRE(s.proc->wait_exit(10) == 0);
  CHECK(s.proc->out() == "from the client\n");
}

TEST_CASE("cli: IPv6 loopback", "[cli]") {
  {
    Fd probe(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (probe.fd < 0 || ::bind(probe.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      WARN("no IPv6 loopback here: skipped");
      return;
    }
  }
  Pki p;
  Server s = start_server({"--service", spn, "--identity", p.file("pin-server"), "--trust",
                           p.file("authorized_keys_pin"), "--allow", "alice", "--echo"},
                          "[::1]");
  const Run c = connect_cli(s.port, pin_alice(p), "over ::1\n", 20, "[::1]");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 0);
  CHECK(c.out == "over ::1\n");
  CHECK(lines(s.proc->err())[0] == "mutauth: listening on [::1]:" + std::to_string(s.port) +
                                       " as " + spn + " (mech mutauth-pk/1)");
  CHECK(s.proc->stop() == 0);
}

// ---------------------------------------------------------------- refusals

TEST_CASE("cli: a client that demands another name refuses the server before showing its identity",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  const Refusal r = refuse(s, pk_client(p, "alice", "known_hosts_ca", "host/other.example.test"));
  CHECK(lines(r.client.err) ==
        std::vector<std::string>{"mutauth: handshake failed: name mismatch: server proved " + spn +
                                     " but the client asked for host/other.example.test",
                                 "mutauth: no application data was sent or accepted"});
  // The client's message 3 (its certificate and proof) never left: one handshake record, then
  // a generic alert; the server learns nothing about why.
  CHECK(types(r.wire.to_server) == T{rec_handshake, rec_alert});
  CHECK(last_alert(r.wire.to_server) == alert_failed);
  CHECK(lines(s.proc->err()) ==
        std::vector<std::string>{
            listening_line(s),
            "mutauth: [client 1] handshake failed: the peer sent an alert: the client "
            "refused this server's proof",
            "  hint: the client's log says why; check the name it demands and what it trusts "
            "(mutauth inspect <certificate> --target SPN --trust known_hosts)",
            "mutauth: [client 1] no application data was sent or accepted"});
}

TEST_CASE("cli: a client certificate from an untrusted CA is refused", "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  const Refusal r = refuse(s, pk_client(p, "eve", "known_hosts_ca"));
  CHECK(types(r.wire.to_server) == T{rec_handshake, rec_handshake});
  // The server refused message 3: a clear alert instead of message 4.
  CHECK(types(r.wire.to_client) == T{rec_handshake, rec_alert});
  CHECK(last_alert(r.wire.to_client) == alert_failed);  // generic: not "unauthorized"
  CHECK(lines(s.proc->err()) ==
        std::vector<std::string>{
            listening_line(s),
            "mutauth: [client 1] handshake failed: certificate issuer not trusted: client "
            "certificate: "
            "certificate signed by CA " +
                fingerprint(p.file("other-ca.pub")) + ", which is not a trusted user CA",
            "  hint: add a cert-authority line for the CA to the authorized_keys trust file",
            "mutauth: [client 1] no application data was sent or accepted"});
  // The client is told its proof was refused, not that it was authenticated and not admitted.
  CHECK(
      lines(r.client.err) ==
      std::vector<std::string>{
          "mutauth: authentication failed: the peer sent an alert: the peer could not complete the "
          "authentication",
          "  hint: the peer's log says why; check that it trusts your key, certificate or "
          "principal (mutauth "
          "inspect --as-client)",
          "mutauth: no application data was sent or accepted"});
}

TEST_CASE("cli: an authenticated client that is not on the allow list is told it was refused",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  const Refusal r = refuse(s, pk_client(p, "mallory", "known_hosts_ca"));
  CHECK(lines(r.client.err) ==
        std::vector<std::string>{
            "mutauth: authentication failed: peer not authorized: the server verified this client "
            "as mallory and "
            "its policy refused it",
            "  hint: ask the server's operator to admit your principal (mutauth listen --allow)",
            "mutauth: no application data was sent or accepted"});
  // Message 3 went out, and a clear alert (unauthorized) came back instead of message 4.
  CHECK(types(r.wire.to_server) == T{rec_handshake, rec_handshake});
  CHECK(types(r.wire.to_client) == T{rec_handshake, rec_alert});
  CHECK(last_alert(r.wire.to_client) == alert_unauthorized);
  CHECK(lines(s.proc->err()) ==
        std::vector<std::string>{
            listening_line(s),
            "mutauth: [client 1] handshake failed: peer not authorized: authenticated client "
            "refused by the authorization policy: mallory",
            "mutauth: [client 1] no application data was sent or accepted"});
}

TEST_CASE("cli: a server with a user certificate refuses to start (wrong certificate type)",
          "[cli]") {
  // It could never prove a service: clients refuse user certificates from servers. Once the CLI
  // started with it and every client refused it; now listen says so before listening.
  Pki p;
  Proc l({cli, "listen", "127.0.0.1:" + std::to_string(free_port()), "--service", spn, "--identity",
          p.file("rogue"), "--trust", p.file("authorized_keys_ca"), "--allow", "alice"});
  REQUIRE(l.wait_exit(10) == 4);
  INFO(l.err());
  CHECK(l.err().find("mutauth: --identity " + p.file("rogue") + " cannot prove --service " + spn +
                     ": wrong certificate type") != std::string::npos);
  CHECK(l.err().find("listening") == std::string::npos);
}

TEST_CASE("cli: without --allow the server says nobody is admitted, and admits nobody", "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca", {"--echo"});
  const Refusal r = refuse(s, pk_client(p, "alice", "known_hosts_ca"));
  CHECK(lines(r.client.err).front() ==
        "mutauth: authentication failed: peer not authorized: the server verified this client as "
        "alice and its "
        "policy refused it");
  CHECK(last_alert(r.wire.to_client) == alert_unauthorized);
  CHECK(lines(s.proc->err()) ==
        std::vector<std::string>{
            "mutauth: warning: no --allow or --allow-file: every client will be refused after "
            "authentication",
            listening_line(s),
            "mutauth: [client 1] handshake failed: peer not authorized: authenticated client "
            "refused by the authorization policy: alice",
            "mutauth: [client 1] no application data was sent or accepted"});
}

// ---------------------------------------------------------------- closure and truncation

TEST_CASE("cli: a clean session ends with a sealed close each way and neither side logs a failure",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  RecordingRelay relay(s.port);
  const std::string msg = payload("clean") + payload("session");
  const Run c = connect_cli(relay.port(), pk_client(p, "alice", "known_hosts_ca"), msg);
  const Wire w = wire_of(relay);
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 0);
  CHECK(c.out == msg);
  CHECK(lines(c.err).size() == 1);  // the success line only
  REQUIRE(s.proc->wait_for_out(msg.size(), 10));
  CHECK(s.proc->out() == msg);
  // No clear alert anywhere after the handshake: each direction ends with a sealed close.
  for (const auto& rec : w.to_server) CHECK(rec.type != rec_alert);
  for (const auto& rec : w.to_client) CHECK(rec.type != rec_alert);
  REQUIRE(w.to_server.size() >= 4);
  REQUIRE(w.to_client.size() >= 4);
  CHECK(w.to_server.back().type == rec_app);
  CHECK(w.to_server.back().body.size() == sealed_close_size);
  CHECK(w.to_client.back().type == rec_app);
  CHECK(w.to_client.back().body.size() == sealed_close_size);
  const auto sl = lines(s.proc->err());
  REQUIRE(sl.size() == 2);
  CHECK(std::regex_match(sl[1], success_line("[client 1] ", spn, "alice")));
  REQUIRE(s.proc->stop() == 0);
  CHECK(lines(s.proc->err()).back() ==
        "mutauth: stopped after 1 connection(s), 0 of them failed or ended uncleanly");
}

TEST_CASE(
    "cli: a server with nothing to send ends its direction at once: its FIN follows its close",
    "[cli]") {
  // Without --echo the server seals its close right after admitting the client (§9.3: nothing
  // follows a close). Its FIN goes with it, so a client reads the end of the stream at once
  // instead of a round trip later, after its own close has reached the server; the server still
  // reads the client's direction to its close.
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin", {"--allow", "alice"});
  auto key = mutauth::pk::load_private_key_file(p.file("pin-alice").c_str());
  auto server_pub = mutauth::pk::load_public_key_file(p.file("pin-server.pub").c_str());
  auto target = mutauth::ServicePrincipal::parse(spn);
  REQUIRE(key);
  REQUIRE(server_pub);
  REQUIRE(target);
  const std::array<mutauth::pk::PinnedServer, 1> pins{{{*target, *server_pub}}};
  mutauth::pk::InitiatorConfig cfg;
  cfg.identity = {&*key, "alice"};
  cfg.trust.pinned = pins;
  const Fd sock = tcp_connect(s.port, 3);
  mutauth::Connection<mutauth::pk::PublicKey> conn(mutauth::as_client, *target, cfg);
  REQUIRE(conn.start());
  auto flush = [&] {
    for (auto out = conn.pending_output(); !out.empty(); out = conn.pending_output()) {
      send_all(sock, bytes(out.begin(), out.end()));
      conn.consume_output(out.size());
    }
  };
  flush();
  bool established = false, peer_closed = false, eof = false;
  std::uint8_t buf[4096];
  while (!eof) {
    const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);  // a 3 s timeout here: the server held its FIN back for our close
    if (n == 0) {
      eof = true;
      break;
    }
    mutauth::bytes_view in(buf, static_cast<std::size_t>(n));
    while (!in.empty()) {
      auto used = conn.receive(in);
      REQUIRE(used);
      in = in.subspan(*used);
      for (auto e = conn.next_event(); e.kind != mutauth::connection_event::none;
           e = conn.next_event()) {
        REQUIRE(e.kind != mutauth::connection_event::failed);
        if (e.kind == mutauth::connection_event::established) established = true;
        if (e.kind == mutauth::connection_event::peer_closed) peer_closed = true;
      }
    }
    flush();  // message 3; never our close: the test is that the FIN does not wait for it
  }
  INFO("server stderr:\n" << s.proc->err());
  CHECK(established);
  CHECK(peer_closed);  // the sealed close came before the FIN
  CHECK(conn.receive_eof());
  // Our direction is still open: data and our close still reach the server, which logs them.
  REQUIRE(
      conn.write(mutauth::bytes_view(reinterpret_cast<const std::uint8_t*>("after fin\n"), 10)));
  REQUIRE(conn.close());
  flush();
  REQUIRE(s.proc->wait_for_out(10, 10));
  CHECK(s.proc->out() == "after fin\n");
  REQUIRE(s.proc->stop() == 0);
  CHECK(lines(s.proc->err()).back() ==
        "mutauth: stopped after 1 connection(s), 0 of them failed or ended uncleanly");
}

TEST_CASE("cli: a forged clear-text close after the handshake is refused as a truncation attack",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  // A man in the middle lets the handshake (messages 2 and 4) and the first echo through, then
  // forges the old clear-text close alert and swallows everything else the server sends (its
  // sealed close included): the classic truncation attack.
  Tamper t;
  t.after_records = 3;
  t.inject = {rec_alert, 0, 1, 4};
  t.drop_rest = true;
  RecordingRelay relay(s.port, t);
  const Run c = connect_cli(relay.port(), pin_alice(p), "hi\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  REQUIRE(relay.tampered());
  CHECK(c.rc == 1);
  CHECK(c.out == "hi\n");  // what came before the forgery was sealed and authentic ...
  const auto cl = lines(c.err);
  REQUIRE(cl.size() >= 2);
  CHECK(std::regex_match(cl[0], success_line("", "alice", spn)));
  // ... but the end of the stream is not taken as a clean one.
  CHECK(cl[1].rfind("mutauth: session failed: truncation attack: a clear-text alert arrived after "
                    "the handshake",
                    0) == 0);
  CHECK(c.err.find("the data may have been truncated") != std::string::npos);
}

TEST_CASE("cli: a connection cut after the handshake is reported as truncation by both sides",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  // The relay lets the handshake and the first echo through, then cuts both TCP connections:
  // neither side ever sees the other's sealed close.
  Tamper t;
  t.after_records = 3;
  t.cut = true;
  RecordingRelay relay(s.port, t);
  // The client's stdin stays open: it has not finished sending when the connection dies.
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(relay.port()), "--target", spn,
          "--identity", p.file("pin-alice"), "--name", "alice", "--trust",
          p.file("known_hosts_pin"), "--handshake-timeout", "5"},
         "hi\n", false);
  const auto rc = c.wait_exit(15);
  INFO("client stderr:\n" << c.err() << "server stderr:\n" << s.proc->err());
  REQUIRE(rc);
  CHECK(*rc == 3);
  CHECK(c.out() == "hi\n");
  const auto cl = lines(c.err());
  REQUIRE(cl.size() >= 2);
  CHECK(cl[1].rfind("mutauth: session failed: connection ", 0) == 0);
  CHECK(cl[1].find(truncated) != std::string::npos);
  // The server's outcome for that connection is logged as a failure and counted.
  REQUIRE(s.proc->wait_for_err("[client 1] session failed: ", 10));
  std::string line;
  for (const auto& l : lines(s.proc->err()))
    if (l.find("[client 1] session failed: ") != std::string::npos) line = l;
  CHECK(line.rfind("mutauth: [client 1] session failed: connection ", 0) == 0);
  CHECK(line.find(truncated) != std::string::npos);
  good_pinned_client(p, s, "after the cut");
  REQUIRE(s.proc->wait_for_err("[client 2] authenticated", 10));
  REQUIRE(s.proc->stop() == 0);
  CHECK(lines(s.proc->err()).back() ==
        "mutauth: stopped after 2 connection(s), 1 of them failed or ended uncleanly");
}

TEST_CASE("cli: a server that dies after the handshake leaves the client reporting truncation",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(s.port), "--target", spn, "--identity",
          p.file("pin-alice"), "--name", "alice", "--trust", p.file("known_hosts_pin"),
          "--handshake-timeout", "5"},
         "hi\n", false);
  REQUIRE(c.wait_for_out(3, 10));  // authenticated, and the echo came back
  s.proc->signal(SIGKILL);         // no sealed close, no alert: the process is just gone
  const auto rc = c.wait_exit(10);
  INFO("client stderr:\n" << c.err());
  REQUIRE(rc);
  CHECK(*rc == 3);
  CHECK(c.out() == "hi\n");
  const std::string failed = line_starting(c.err(), "mutauth: session failed: connection ");
  CHECK(failed.find(truncated) != std::string::npos);
}

TEST_CASE("cli: a server stopped mid-session ends it with a sealed alert, not a clean close",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  RecordingRelay relay(s.port);
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(relay.port()), "--target", spn,
          "--identity", p.file("pin-alice"), "--name", "alice", "--trust",
          p.file("known_hosts_pin"), "--handshake-timeout", "5"},
         "hi\n", false);
  REQUIRE(c.wait_for_out(3, 10));
  CHECK(s.proc->stop() == 0);  // SIGTERM: the server aborts the sessions it serves
  const auto rc = c.wait_exit(10);
  INFO("client stderr:\n" << c.err() << "server stderr:\n" << s.proc->err());
  REQUIRE(rc);
  CHECK(*rc == 1);
  CHECK(line_starting(c.err(), "mutauth: session failed: ") ==
        "mutauth: session failed: the peer ended the session with an alert: aborted");
  c.close_stdin();
  const Wire w = wire_of(relay);
  REQUIRE(!w.to_client.empty());
  CHECK(w.to_client.back().type == rec_app);            // the alert is sealed ...
  CHECK(w.to_client.back().body.size() == 1 + 1 + 16);  // ... reason | alert type | tag
  for (const auto& rec : w.to_client) CHECK(rec.type != rec_alert);
}

// ---------------------------------------------------------------- the asserted principal

TEST_CASE(
    "cli: with two principals in its certificate the client asserts --name, and local= shows it",
    "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  // duo's certificate lists ops and alice; the server admits alice only.
  std::vector<std::string> args = pk_client(p, "duo", "known_hosts_ca");
  args.insert(args.end(), {"--name", "alice"});
  const Run c = connect_cli(s.port, args, "as alice\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  REQUIRE(c.rc == 0);
  CHECK(c.out == "as alice\n");
  const auto cl = lines(c.err);
  REQUIRE(cl.size() == 1);
  CHECK(std::regex_match(cl[0], success_line("", "alice", spn)));  // not the key comment "duo"
  REQUIRE(s.proc->wait_for_err("[client 1] authenticated", 10));
  CHECK(std::regex_match(lines(s.proc->err())[1], success_line("[client 1] ", spn, "alice")));

  // --as is the same option; asserting the other principal is verified, then refused by policy.
  args = pk_client(p, "duo", "known_hosts_ca");
  args.insert(args.end(), {"--as", "ops"});
  const Run o = connect_cli(s.port, args, "this must never reach the server\n");
  INFO("client stderr:\n" << o.err);
  CHECK(o.rc == 1);
  CHECK(o.out.empty());
  CHECK(lines(o.err).front() ==
        "mutauth: authentication failed: peer not authorized: the server verified this client as "
        "ops and its "
        "policy refused it");
  REQUIRE(s.proc->wait_for_err(
      "[client 2] handshake failed: peer not authorized: authenticated client refused by "
      "the authorization policy: ops",
      10));

  // Without --name, a certificate with several principals falls back to the key's comment,
  // which it does not list: a configuration error before any connection.
  const Run d = connect_cli(s.port, pk_client(p, "duo", "known_hosts_ca"), "x\n");
  CHECK(d.rc == 4);
  CHECK(lines(d.err).front() ==
        "mutauth: certificate " + p.file("duo") +
            "-cert.pub: invalid argument: the certificate does not list the principal this "
            "client asserts, duo (it lists ops,alice)");
  CHECK(s.proc->out() == "as alice\n");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: inspect --as-client says which principal the client asserts, as the handshake does",
          "[cli]") {
  Pki p;
  auto inspect = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {cli,           "inspect", p.file("duo-cert.pub"),
                                     "--as-client", "--trust", p.file("authorized_keys_ca_alice")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Proc c(argv);
    const auto rc = c.wait_exit(10);
    REQUIRE(rc);
    return Run{*rc, c.out(), c.err()};
  };
  // The server trusts the CA for alice only (cert-authority,principals="alice").
  Server s = pk_server(p, "server", "authorized_keys_ca_alice",
                       {"--allow", "alice", "--allow", "ops", "--echo"});

  // Accepted: alice.
  Run r = inspect({"--name", "alice"});
  INFO(r.out);
  CHECK(r.rc == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() >= 2);
  CHECK(l[l.size() - 2] == "  client asserts: alice (--name)");
  CHECK(l.back() == "  verdict: ACCEPTED as client alice");
  std::vector<std::string> args = pk_client(p, "duo", "known_hosts_ca");
  args.insert(args.end(), {"--name", "alice"});
  Run c = connect_cli(s.port, args, "ok\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 0);
  CHECK(std::regex_match(lines(c.err).front(), success_line("", "alice", spn)));

  // Refused: ops is in the certificate but not in the CA's principals= list, so the server's
  // verification refuses it in the handshake; inspect says so first.
  r = inspect({"--name", "ops"});
  INFO(r.out);
  CHECK(r.rc == 1);
  l = lines(r.out);
  REQUIRE(l.size() >= 2);
  CHECK(l[l.size() - 2] == "  client asserts: ops (--name)");
  CHECK(l.back() ==
        "  verdict: a server would REFUSE this client certificate: name mismatch: "
        "principal ops is not in the principals= list of this CA's cert-authority entry");
  args = pk_client(p, "duo", "known_hosts_ca");
  args.insert(args.end(), {"--name", "ops"});
  RecordingRelay relay(s.port);
  c = connect_cli(relay.port(), args, "this must never reach the server\n");
  const Wire w = wire_of(relay);
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 1);
  CHECK(c.out.empty());
  CHECK(lines(c.err).front() ==
        "mutauth: authentication failed: the peer sent an alert: the peer could not complete the "
        "authentication");
  REQUIRE(s.proc->wait_for_err("[client 2] handshake failed: ", 10));
  CHECK(s.proc->err().find("principal ops is not in the principals= list") != std::string::npos);
  for (const auto& rec : w.to_server) CHECK(rec.type != rec_app);
  for (const auto& rec : w.to_client) CHECK(rec.type != rec_app);

  // The default, as `mutauth connect` takes it: several principals, so the key's comment (duo),
  // which the certificate does not list.
  r = inspect({});
  INFO(r.out);
  CHECK(r.rc == 1);
  l = lines(r.out);
  REQUIRE(l.size() >= 2);
  CHECK(l[l.size() - 2] == "  client asserts: duo (the key's comment)");
  CHECK(l.back().rfind("  verdict: a server would REFUSE this client certificate: ", 0) == 0);
  CHECK(l.back().find("the client asserts principal duo, which its certificate does not list") !=
        std::string::npos);
  c = connect_cli(s.port, pk_client(p, "duo", "known_hosts_ca"), "x\n");
  CHECK(c.rc == 4);
  CHECK(s.proc->out() == "ok\n");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: exit codes for usage, configuration and transport errors", "[cli]") {
  Pki p;
  SECTION("usage: connect without --target (2)") {
    Proc c({cli, "connect", "127.0.0.1:1"});
    REQUIRE(c.wait_exit(10) == 2);
    CHECK(lines(c.err()).front() ==
          "mutauth: --target is required: the service principal you demand, e.g. "
          "host/server.example.test");
  }
  SECTION("configuration: a trust file with an unsupported line (4)") {
    write_text(p.file("bad"), "# ok\n" + key_of(p.file("alice.pub")) +
                                  " alice\ncommand=\"/bin/sh\" " + key_of(p.file("mallory.pub")) +
                                  " mallory\n");
    Proc c({cli, "listen", "127.0.0.1:" + std::to_string(free_port()), "--service", spn,
            "--identity", p.file("server"), "--trust", p.file("bad"), "--allow", "alice"});
    REQUIRE(c.wait_exit(10) == 4);
    CHECK(c.err() == "mutauth: trust file " + p.file("bad") +
                         ": malformed input: line 3: option 'command' is not supported\n");
  }
  SECTION("transport: nobody listening (3)") {
    const Run c = connect_cli(free_port(), pk_client(p, "alice", "known_hosts_ca"), "x\n");
    CHECK(c.rc == 3);
    CHECK(c.err.rfind("mutauth: cannot connect to 127.0.0.1:", 0) == 0);
    CHECK(c.out.empty());
  }
}

// ---------------------------------------------------------------- robustness

TEST_CASE("cli: a peer that drops mid-handshake is logged and the server keeps serving", "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  {
    Fd raw = tcp_connect(s.port);
    send_all(raw, first_handshake_record());
    bytes reply;
    REQUIRE(read_exact(raw, reply, 3));  // the server answered with message 2 ...
    CHECK(reply[0] == rec_handshake);
    // Read all of it: closing with unread bytes would make the kernel send a reset, not a FIN.
    REQUIRE(read_exact(raw, reply, 3 + ((std::size_t{reply[1]} << 8) | reply[2])));
  }  // ... and we hang up instead of sending message 3
  REQUIRE(s.proc->wait_for_err("[client 1] transport failed", 10));
  CHECK(lines(s.proc->err())[1] ==
        "mutauth: [client 1] transport failed: I/O error: peer closed the connection");
  good_pinned_client(p, s, "after the drop");
  CHECK(s.proc->wait_for_err("[client 2] authenticated", 10));
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: garbage and an application record before authentication are refused", "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  const std::string http = "GET / HTTP/1.1\r\nHost: server.example.test\r\n\r\n";
  const std::vector<std::pair<bytes, std::string>> cases = {
      {bytes(http.begin(), http.end()),
       "mutauth: [client 1] framing failed: malformed input: unknown record type"},
      {[] {
         bytes b = {rec_app, 0, 16};
         b.resize(3 + 16, 0xAA);
         return b;
       }(),
       "mutauth: [client 2] framing failed: application data before mutual authentication: "
       "application record "
       "before mutual authentication completed"},
      {[] {
         bytes b = first_handshake_record();
         for (std::size_t i = 3; i < b.size(); ++i) b[i] ^= 0x5A;  // a well-framed record of noise
         return b;
       }(),
       "mutauth: [client 3] handshake failed: "},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Fd raw = tcp_connect(s.port);
    send_all(raw, cases[i].first);
    bytes reply;
    CHECK(read_to_eof(raw, reply));  // the server hangs up ...
    for (std::size_t k = 0; k + 3 <= reply.size();
         k += 3u + ((std::size_t{reply[k + 1]} << 8) | reply[k + 2]))
      CHECK(reply[k] != rec_app);  // ... having sent at most an alert
    const std::string tag = "[client " + std::to_string(i + 1) + "] ";
    REQUIRE(s.proc->wait_for_err(tag, 10));
    std::string line;
    for (const auto& l : lines(s.proc->err()))
      if (l.find(tag) != std::string::npos) {
        line = l;
        break;
      }
    CHECK(line.rfind(cases[i].second, 0) == 0);
  }
  good_pinned_client(p, s, "after the garbage");
  CHECK(s.proc->wait_for_err("[client 4] authenticated", 10));
  CHECK(s.proc->out().find("after the garbage") == 0);
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: a slow-loris peer times out while other clients are served", "[cli]") {
  Pki p;
  // pk_server passes --handshake-timeout 5 first; the later flag wins.
  Server s = pinned_echo_server(p, "--handshake-timeout", "1");
  const auto t0 = steady::now();
  Fd loris = tcp_connect(s.port, 5);
  send_all(loris, bytes{rec_handshake});  // one byte of a record header, then nothing
  good_pinned_client(p, s, "during the loris");
  // Served while the loris still held its connection (when this machine was quick enough to
  // tell: under heavy load the client above may itself take a second).
  if (seconds_since(t0) < 0.8)
    CHECK(s.proc->err().find("[client 1] transport failed") == std::string::npos);
  REQUIRE(s.proc->wait_for_err("[client 1] transport failed", 5));
  const double waited = seconds_since(t0);
  CHECK(waited >= 0.9);
  CHECK(waited < 3.5);
  bytes reply;
  CHECK(read_to_eof(loris, reply));  // the server hung up on it ...
  CHECK(reply.empty());              // ... without a word
  const auto sl = lines(s.proc->err());
  CHECK(std::count(sl.begin(), sl.end(),
                   "mutauth: [client 1] transport failed: I/O error: timed out inside a record: "
                   "the peer sent "
                   "fewer bytes than its record header promised") == 1);
  good_pinned_client(p, s, "after the loris");
  CHECK(s.proc->wait_for_err("authenticated", 10, 2));
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: 50 clients in a row and 8 at once, each gets its own echo", "[cli]") {
  Pki p;
  Server s = pk_server(p, "server", "authorized_keys_ca");
  std::multiset<std::string> sent;
  const auto t0 = steady::now();
  for (int i = 0; i < 50; ++i) {
    const std::string msg = payload("sequential client " + std::to_string(i));
    const Run c = connect_cli(s.port, pk_client(p, "alice", "known_hosts_ca"), msg);
    INFO("client " << i << " stderr: " << c.err);
    REQUIRE(c.rc == 0);
    REQUIRE(c.out == msg);
    sent.insert(msg);
  }
  WARN("50 sequential clients: " << seconds_since(t0) << " s");

  const auto t1 = steady::now();
  std::vector<std::string> msgs;
  std::vector<std::unique_ptr<Proc>> clients;
  for (int i = 0; i < 8; ++i) {
    msgs.push_back(payload("concurrent client " + std::to_string(i)));
    clients.push_back(std::make_unique<Proc>(
        std::vector<std::string>{cli, "connect", "127.0.0.1:" + std::to_string(s.port), "--target",
                                 spn, "--identity", p.file("alice"), "--trust",
                                 p.file("known_hosts_ca"), "--handshake-timeout", "10"},
        msgs.back()));
  }
  for (int i = 0; i < 8; ++i) {
    INFO("client " << i << " stderr: " << clients[static_cast<std::size_t>(i)]->err());
    CHECK(clients[static_cast<std::size_t>(i)]->wait_exit(20) == 0);
    CHECK(clients[static_cast<std::size_t>(i)]->out() == msgs[static_cast<std::size_t>(i)]);
    sent.insert(msgs[static_cast<std::size_t>(i)]);
  }
  WARN("8 concurrent clients: " << seconds_since(t1) << " s");

  // The server saw every payload exactly once (each arrives whole: one record, one write).
  REQUIRE(s.proc->wait_for_err("authenticated", 10, 58));
  std::size_t total = 0;
  for (const auto& m : sent) total += m.size();
  REQUIRE(s.proc->wait_for_out(total, 10));
  const auto got = lines(s.proc->out());
  std::multiset<std::string> received;
  for (const auto& l : got) received.insert(l + "\n");
  CHECK(received == sent);
  CHECK(s.proc->err().find("failed") == std::string::npos);
  CHECK(s.proc->stop() == 0);
}

// ---------------------------------------------------------------- inspect

TEST_CASE("cli: inspect keys and certificates, with accepted and refused verdicts", "[cli]") {
  Pki p;
  auto inspect = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {cli, "inspect"};
    argv.insert(argv.end(), args.begin(), args.end());
    Proc c(argv);
    const auto rc = c.wait_exit(10);
    REQUIRE(rc);
    INFO(c.out() << c.err());
    CHECK(c.err().empty());
    return Run{*rc, c.out(), c.err()};
  };
  const std::string alice_fp = fingerprint(p.file("alice.pub"));

  Run r = inspect({p.file("alice")});
  CHECK(r.rc == 0);
  CHECK(r.out ==
        p.file("alice") + ": Ed25519 private key \"alice\", public key " + alice_fp + "\n");
  r = inspect({p.file("alice.pub")});
  CHECK(r.rc == 0);
  CHECK(r.out == p.file("alice.pub") + ": Ed25519 public key " + alice_fp + "\n");

  const std::string server_cert = p.file("server-cert.pub");
  r = inspect({server_cert, "--target", spn, "--trust", p.file("known_hosts_ca")});
  CHECK(r.rc == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() == 10);
  CHECK(l[0] == server_cert + ": OpenSSH host certificate (ssh-ed25519-cert-v01@openssh.com)");
  CHECK(l[1] == "  key:        " + fingerprint(p.file("server.pub")));
  CHECK(l[2] == "  signing CA: " + fingerprint(p.file("ca.pub")));
  CHECK(l[3] == "  key id:     \"server\"");
  CHECK(l[6] == "  principals: " + spn);
  CHECK(l[9] == "  verdict: ACCEPTED as proof of " + spn);

  r = inspect(
      {server_cert, "--target", "host/other.example.test", "--trust", p.file("known_hosts_ca")});
  CHECK(r.rc == 1);
  CHECK(lines(r.out).back() ==
        "  verdict: a client demanding host/other.example.test would REFUSE this certificate: name "
        "mismatch: "
        "host certificate does not name host/other.example.test (certificate principals: " +
            spn + ")");

  r = inspect({p.file("rogue-cert.pub"), "--target", spn, "--trust", p.file("known_hosts_ca")});
  CHECK(r.rc == 1);
  CHECK(lines(r.out).back().rfind(
            "  verdict: a client demanding " + spn +
                " would REFUSE this certificate: wrong certificate type for the role",
            0) == 0);

  r = inspect({p.file("alice-cert.pub"), "--as-client", "--trust", p.file("authorized_keys_ca")});
  CHECK(r.rc == 0);
  l = lines(r.out);
  REQUIRE(l.size() >= 2);
  CHECK(l[l.size() - 2] == "  client asserts: alice (the certificate's only principal)");
  CHECK(l.back() == "  verdict: ACCEPTED as client alice");

  r = inspect({p.file("eve-cert.pub"), "--as-client", "--trust", p.file("authorized_keys_ca")});
  CHECK(r.rc == 1);
  CHECK(lines(r.out).back() ==
        "  verdict: a server would REFUSE this client certificate: certificate issuer not trusted: "
        "certificate "
        "signed by CA " +
            fingerprint(p.file("other-ca.pub")) +
            ", which is not a trusted user CA (hint: add a cert-authority line for the CA to the "
            "authorized_keys trust "
            "file)");
}

TEST_CASE("cli: inspect a KRL, and a certificate it revokes", "[cli]") {
  Pki p;
  // Revoke mallory's certificate by key id, a serial range, and eve's key outright.
  write_text(p.file("spec"), "serial: 1000-2000000\nid: mallory\n");
  sh("ssh-keygen -q -k -f " + shell_quote(p.file("revoked.krl")) + " -s " +
     shell_quote(p.file("ca.pub")) + " " + shell_quote(p.file("spec")));
  sh("ssh-keygen -q -k -u -f " + shell_quote(p.file("revoked.krl")) + " " +
     shell_quote(p.file("eve.pub")));
  Proc k({cli, "inspect", p.file("revoked.krl")});
  REQUIRE(k.wait_exit(10) == 0);
  const auto l = lines(k.out());
  REQUIRE(l.size() == 2);
  CHECK(l[0].rfind(p.file("revoked.krl") + ": OpenSSH KRL version ", 0) == 0);
  CHECK(l[1] ==
        "  revokes: 0 serial(s), 1 serial range(s), 0 serial bitmap(s), 1 key id(s), 1 explicit "
        "key(s), 0 "
        "SHA256 key hash(es)");

  Proc m({cli, "inspect", p.file("mallory-cert.pub"), "--as-client", "--trust",
          p.file("authorized_keys_ca"), "--krl", p.file("revoked.krl")});
  REQUIRE(m.wait_exit(10) == 1);
  CHECK(lines(m.out()).back().rfind("  verdict: a server would REFUSE this client certificate: ",
                                    0) == 0);
  CHECK(lines(m.out()).back().find("revoked") != std::string::npos);
  Proc a({cli, "inspect", p.file("alice-cert.pub"), "--as-client", "--trust",
          p.file("authorized_keys_ca"), "--krl", p.file("revoked.krl")});
  REQUIRE(a.wait_exit(10) == 0);
  CHECK(lines(a.out()).back() == "  verdict: ACCEPTED as client alice");
}

TEST_CASE("cli: inspect a trust file names the bad line", "[cli]") {
  Pki p;
  write_text(p.file("authorized_keys"), "# admitted users\ncert-authority " +
                                            key_of(p.file("ca.pub")) + "\n\nfrom=\"10.0.0.0/8\" " +
                                            key_of(p.file("alice.pub")) + " alice\n");
  Proc c({cli, "inspect", p.file("authorized_keys")});
  REQUIRE(c.wait_exit(10) == 1);
  const auto l = lines(c.out());
  REQUIRE(l.size() == 3);
  CHECK(l[0] ==
        p.file("authorized_keys") + ": not a key, certificate, KRL or trust file mutauth accepts");
  CHECK(l[1].rfind("  as known_hosts:      ", 0) == 0);
  CHECK(l[2] == "  as authorized_keys:  malformed input: line 4: option 'from' is not supported");

  // The good files are explained, entry by entry.
  Proc g({cli, "inspect", p.file("known_hosts_ca"), p.file("authorized_keys_pin")});
  REQUIRE(g.wait_exit(10) == 0);
  const std::string out = g.out();
  CHECK(out.find(p.file("known_hosts_ca") +
                 ": known_hosts trust file (for `mutauth connect --trust`): 0 pinned "
                 "server key(s), 1 host CA(s)\n  CA      " +
                 fingerprint(p.file("ca.pub")) + "  for hosts *.example.test\n") !=
        std::string::npos);
  CHECK(out.find("  pinned  alice  " + fingerprint(p.file("pin-alice.pub")) + "\n") !=
        std::string::npos);
  CHECK(out.find("  pinned  bob  " + fingerprint(p.file("pin-bob.pub")) + "\n") !=
        std::string::npos);
}

// ---------------------------------------------------------------- Kerberos

#if MUTAUTH_CLI_TEST_KRB5
TEST_CASE("cli: krb5: both sides authenticate against a real KDC", "[cli][krb5]") {
  mutauth::testing::Realms realms;  // exports KRB5_CONFIG etc.; children inherit them
  Server s =
      start_server({"--mech", "krb5", "--service", spn, "--keytab", realms.path("service.keytab"),
                    "--allow", "alice@EXAMPLE.TEST", "--echo", "--handshake-timeout", "10"});
  const Run c = connect_cli(
      s.port, {"--mech", "krb5", "--target", spn, "--keytab", realms.path("client.keytab")},
      "hi over kerberos\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  REQUIRE(c.rc == 0);
  CHECK(c.out == "hi over kerberos\n");
  const auto cl = lines(c.err);
  REQUIRE(cl.size() == 1);
  CHECK(std::regex_match(cl[0], success_line("", "alice@EXAMPLE.TEST", spn + "@EXAMPLE.TEST",
                                             "krb5", "messages=[0-9]+ round_trips=[0-9]+")));
  REQUIRE(s.proc->wait_for_err("authenticated", 10));
  CHECK(std::regex_match(lines(s.proc->err()).back(),
                         success_line("[client 1] ", spn + "@EXAMPLE.TEST", "alice@EXAMPLE.TEST",
                                      "krb5", "messages=[0-9]+ round_trips=[0-9]+")));
  CHECK(s.proc->stop() == 0);
}
TEST_CASE("cli: krb5: a refused client gets Kerberos hints, not pk ones", "[cli][krb5]") {
  mutauth::testing::Realms realms;
  Server s =
      start_server({"--mech", "krb5", "--service", spn, "--keytab", realms.path("service.keytab"),
                    "--allow", "bob@EXAMPLE.TEST", "--echo", "--handshake-timeout", "10"});
  const std::vector<std::string> alice = {"--mech", "krb5",     "--target",
                                          spn,      "--keytab", realms.path("client.keytab")};
  {  // authenticated, not on the allow list
    const Run c = connect_cli(s.port, alice, "never\n");
    INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
    CHECK(c.rc == 1);
    CHECK(c.out.empty());
    CHECK(lines(c.err) ==
          std::vector<std::string>{"mutauth: authentication failed: peer not authorized: the "
                                   "server verified this client and its policy "
                                   "refused it",
                                   "  hint: ask the server's operator to admit your Kerberos "
                                   "principal, realm included (mutauth listen "
                                   "--allow user@REALM; klist shows yours)",
                                   "mutauth: no application data was sent or accepted"});
  }
  // The service's key changes at the KDC: the server's keytab is stale and it cannot read the
  // client's ticket. The client's hint is about keytabs, not keys and certificates.
  realms.kadmin("EXAMPLE.TEST", "cpw -randkey host/server.example.test");
  const Run c = connect_cli(s.port, alice, "never\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 1);
  const auto cl = lines(c.err);
  REQUIRE(cl.size() == 3);
  CHECK(cl[0] ==
        "mutauth: authentication failed: the peer sent an alert: the peer could not complete the "
        "authentication");
  CHECK(
      cl[1] ==
      "  hint: the peer's log says why; check that its keytab holds the current key of the service "
      "principal you demand (klist -k on the server, kvno SPN here), that it accepts your realm, "
      "and "
      "that both clocks agree");
  CHECK(c.err.find("certificate") == std::string::npos);
}

// ---------------------------------------------------------------- negotiation (issue 15 item 2)

TEST_CASE(
    "cli: negotiate: one listen with a keytab and a host certificate admits pk and krb5 clients",
    "[cli][krb5]") {
  mutauth::testing::Realms realms;
  Pki p;
  // Both credentials and no --mech: the server negotiates (docs/protocol/negotiate.md).
  Server s = start_server({"--service", spn, "--identity", p.file("server"), "--trust",
                           p.file("authorized_keys_ca"), "--keytab", realms.path("service.keytab"),
                           "--allow", "alice", "--allow", "alice@EXAMPLE.TEST", "--echo",
                           "--handshake-timeout", "10"});
  CHECK(s.proc->err().find("(mech mutauth-negotiate/1: mutauth-pk/1, krb5)") != std::string::npos);
  {  // a pk client: --mech auto offers what it has, here a key and certificate
    const Run c = connect_cli(s.port,
                              {"--mech", "auto", "--target", spn, "--identity", p.file("alice"),
                               "--trust", p.file("known_hosts_ca")},
                              "hi over pk\n");
    INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
    REQUIRE(c.rc == 0);
    CHECK(c.out == "hi over pk\n");
    CHECK(std::regex_match(lines(c.err).back(), success_line("", "alice", spn, "mutauth-pk/1")));
  }
  {  // a krb5 client through the same port
    const Run c = connect_cli(
        s.port, {"--mech", "auto", "--target", spn, "--keytab", realms.path("client.keytab")},
        "hi over kerberos\n");
    INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
    REQUIRE(c.rc == 0);
    CHECK(c.out == "hi over kerberos\n");
    CHECK(std::regex_match(lines(c.err).back(),
                           success_line("", "alice@EXAMPLE.TEST", spn + "@EXAMPLE.TEST", "krb5",
                                        "messages=2 round_trips=1")));
  }
  {  // both credentials, krb5 preferred: the client's order decides
    const Run c =
        connect_cli(s.port,
                    {"--mech", "krb5,pk", "--target", spn, "--identity", p.file("alice"), "--trust",
                     p.file("known_hosts_ca"), "--keytab", realms.path("client.keytab")},
                    "x\n");
    INFO("client stderr:\n" << c.err);
    REQUIRE(c.rc == 0);
    CHECK(c.err.find("authenticated mech=krb5 ") != std::string::npos);
  }
  REQUIRE(s.proc->wait_for_err("authenticated mech=krb5 ", 10));
  CHECK(s.proc->err().find("[client 1] authenticated mech=mutauth-pk/1 local=" + spn +
                           " peer=alice ") != std::string::npos);
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: negotiate: a relay that strips the client's first offer makes both sides fail",
          "[cli][krb5]") {
  mutauth::testing::Realms realms;
  Pki p;
  Server s = start_server({"--service", spn, "--identity", p.file("server"), "--trust",
                           p.file("authorized_keys_ca"), "--keytab", realms.path("service.keytab"),
                           "--allow", "alice", "--allow", "alice@EXAMPLE.TEST", "--echo",
                           "--handshake-timeout", "10"});
  const std::vector<std::string> both = {"--target",   spn,
                                         "--identity", p.file("alice"),
                                         "--trust",    p.file("known_hosts_ca"),
                                         "--keytab",   realms.path("client.keytab")};
  struct Attack {
    const char* order;
    std::vector<std::string_view> left;  // the offers the server is shown
  };
  int served = 0;
  // pk,krb5 stripped to krb5: the server answers pk's message 1 as if it were an AP-REQ;
  // krb5,pk stripped to krb5: the AP-REQ is intact, but bound to the list the client sent.
  for (const Attack& a : {Attack{"pk,krb5", {"krb5"}}, Attack{"krb5,pk", {"krb5"}}}) {
    INFO(a.order);
    Tamper t;
    t.rewrite_first_to_server = [&](const bytes& body) {
      return mutauth::testing::with_offers(body, a.left);
    };
    RecordingRelay relay(s.port, t);
    std::vector<std::string> args = {"--mech", a.order};
    args.insert(args.end(), both.begin(), both.end());
    const Run c = connect_cli(relay.port(), args, "never\n");
    INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
    CHECK(relay.tampered());
    CHECK(c.rc == 1);
    CHECK(c.out.empty());
    CHECK(c.err.find("authenticated mech=") == std::string::npos);
    ++served;
    REQUIRE(s.proc->wait_for_err("[client " + std::to_string(served) + "] ", 10));
    relay.wait_done(10);
  }
  // The server saw both attempts fail and authenticated nobody.
  REQUIRE(s.proc->wait_for_err("GSS_S_BAD_BINDINGS", 10));
  CHECK(s.proc->err().find("authenticated mech=") == std::string::npos);
  // The same client without the man in the middle: authenticated.
  const Run ok = connect_cli(
      s.port,
      [&] {
        std::vector<std::string> args = {"--mech", "pk,krb5"};
        args.insert(args.end(), both.begin(), both.end());
        return args;
      }(),
      "yes\n");
  CHECK(ok.rc == 0);
  CHECK(ok.out == "yes\n");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE(
    "cli: negotiate: a mechanism mismatch says what the server accepts and what the client offered",
    "[cli][krb5]") {
  mutauth::testing::Realms realms;
  Pki p;
  Server s =
      start_server({"--mech", "auto", "--service", spn, "--keytab", realms.path("service.keytab"),
                    "--allow", "alice@EXAMPLE.TEST", "--handshake-timeout", "10"});
  const Run c = connect_cli(s.port,
                            {"--mech", "auto", "--target", spn, "--identity", p.file("alice"),
                             "--trust", p.file("known_hosts_ca")},
                            "never\n");
  INFO("client stderr:\n" << c.err << "server stderr:\n" << s.proc->err());
  CHECK(c.rc == 1);
  CHECK(c.out.empty());
  const std::string text = "the server accepts krb5 only; this client offered mutauth-pk/1";
  CHECK(c.err.find("no mechanism both sides accept: " + text) != std::string::npos);
  REQUIRE(s.proc->wait_for_err(text, 10));
  CHECK(s.proc->err().find("no mechanism both sides accept: " + text) != std::string::npos);
  CHECK(s.proc->stop() == 0);
}
#endif

// ---------------------------------------------------------------- idle timeouts (issue 13)

TEST_CASE("cli: an idle client is reaped after --idle-timeout (above one second) and told so",
          "[cli]") {
  Pki p;
  Server s = pinned_echo_server(p, "--idle-timeout", "2");
  const auto t0 = steady::now();
  // The client's stdin stays open and silent: an authenticated session with no traffic.
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(s.port), "--target", spn, "--identity",
          p.file("pin-alice"), "--name", "alice", "--trust", p.file("known_hosts_pin"),
          "--handshake-timeout", "5"},
         "", false);
  const auto rc = c.wait_exit(8);
  INFO("client stderr:\n" << c.err() << "server stderr:\n" << s.proc->err());
  REQUIRE(rc);
  CHECK(seconds_since(t0) >= 1.9);
  CHECK(*rc == 1);
  CHECK(line_starting(c.err(), "mutauth: session failed: ") ==
        "mutauth: session failed: the peer ended the session with an alert: aborted");
  CHECK(c.err().find("--idle-timeout") != std::string::npos);
  REQUIRE(s.proc->wait_for_err("[client 1] transport failed: I/O error: idle timeout", 5));
  good_pinned_client(p, s, "after the reaping");
}

TEST_CASE("cli: a record header promising more bytes than arrive times out instead of hanging",
          "[cli]") {
  Pki p;
  Server s = pk_server(p, "pin-server", "authorized_keys_pin");
  // After messages 2 and 4, a man in the middle sends a record header promising 256 bytes, two of
  // them, and nothing more.
  Tamper t;
  t.after_records = 2;
  t.inject = {rec_app, 0x01, 0x00, 0xAA, 0xBB};
  t.drop_rest = true;
  RecordingRelay relay(s.port, t);
  const auto t0 = steady::now();
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(relay.port()), "--target", spn,
          "--identity", p.file("pin-alice"), "--name", "alice", "--trust",
          p.file("known_hosts_pin"), "--handshake-timeout", "5", "--idle-timeout", "2"},
         "", false);
  const auto rc = c.wait_exit(8);
  INFO("client stderr:\n" << c.err() << "server stderr:\n" << s.proc->err());
  REQUIRE(rc);
  CHECK(relay.tampered());
  CHECK(seconds_since(t0) >= 1.9);
  CHECK(*rc == 3);
  CHECK(line_starting(c.err(), "mutauth: transport failed: ") ==
        "mutauth: transport failed: I/O error: timed out inside a record: the peer sent fewer "
        "bytes than its "
        "record header promised");
}

// ---------------------------------------------------------------- accept() failures (issue 13)

// The server serves every connection on its one event-loop thread (tools/mutauth/event_server.hpp),
// so running out of descriptors touches accept() only: no thread has to start for a connection,
// and this test runs under the sanitizers too.
TEST_CASE("cli: out of descriptors, accept() fails and the server keeps listening", "[cli]") {
  Pki p;
  // The server runs with 12 descriptors: idle connections exhaust them (EMFILE in accept).
  Server s;
  for (int attempt = 0; attempt < 5 && !s.proc; ++attempt) {
    s.port = free_port();
    auto proc = std::make_unique<Proc>(std::vector<std::string>{
        "/bin/sh", "-c", "ulimit -n 12 && exec \"$0\" \"$@\"", cli, "listen",
        "127.0.0.1:" + std::to_string(s.port), "--service", spn, "--identity", p.file("pin-server"),
        "--trust", p.file("authorized_keys_pin"), "--allow", "alice", "--echo",
        "--handshake-timeout", "3"});
    if (proc->wait_for_err("mutauth: listening on ", 10)) s.proc = std::move(proc);
  }
  REQUIRE(s.proc);
  {
    std::vector<Fd> idle;
    for (int i = 0; i < 16; ++i) idle.push_back(tcp_connect(s.port, 5));
    INFO("server stderr:\n" << s.proc->err());
    REQUIRE(s.proc->wait_for_err("mutauth: accept: Too many open files (still listening)", 5));
    CHECK(!s.proc->wait_exit(0.3));  // still running
  }                                  // the idle connections go away: their descriptors come back
  REQUIRE(s.proc->wait_for_err("closed before any handshake record", 5, 8));
  good_pinned_client(p, s, "after EMFILE");
  INFO("server stderr:\n" << s.proc->err());
  CHECK(!s.proc->wait_exit(0.1));
  // Logged once per streak of failures, not once per retry (every 200 ms).
  CHECK(Proc::count(s.proc->err(), "Too many open files") <= 3);
  CHECK(s.proc->stop() == 0);
}

// ---------------------------------------------------------------- versions (issue 13)

static_assert(MUTAUTH_VERSION_MAJOR == MUTAUTH_PROJECT_VERSION_MAJOR &&
                  MUTAUTH_VERSION_MINOR == MUTAUTH_PROJECT_VERSION_MINOR &&
                  MUTAUTH_VERSION_PATCH == MUTAUTH_PROJECT_VERSION_PATCH,
              "include/mutauth/version.hpp disagrees with project() in CMakeLists.txt");
static_assert(std::string_view(mutauth::version_string) == MUTAUTH_PROJECT_VERSION);

TEST_CASE("cli: --version names the library version and the protocols this build speaks", "[cli]") {
  Proc v({cli, "--version"});
  REQUIRE(v.wait_exit(10) == 0);
  const std::string want = std::string("mutauth ") + MUTAUTH_PROJECT_VERSION + " (mutauth-pk/1" +
                           (MUTAUTH_CLI_TEST_KRB5 ? ", krb5)\n" : "; built without krb5)\n");
  CHECK(v.out() == want);
  CHECK(v.err().empty());
}

// ---------------------------------------------------------------- waiting for admission (issue 13)

namespace {
/// Reads one record (type | 16-bit length | body) from a blocking socket.
bool read_record(const Fd& s, bytes& rec) {
  rec.clear();
  if (!read_exact(s, rec, 3)) return false;
  return read_exact(s, rec, 3 + ((std::size_t{rec[1]} << 8) | rec[2]));
}
}  // namespace

TEST_CASE(
    "cli: a server that dies after message 3 is a transport failure for the client, not a refusal",
    "[cli]") {
  Pki p;
  const bool reset = GENERATE(false, true);
  INFO((reset ? "the server's connection is reset" : "the server's connection is closed"));
  // A server made of the library: it sends message 2 for pin-server, reads the client's message
  // 3, and is gone before it admits or refuses anyone.
  Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  REQUIRE(::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(l.fd, 1) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  Proc c({cli, "connect", "127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "--target", spn,
          "--identity", p.file("pin-alice"), "--name", "alice", "--trust",
          p.file("known_hosts_pin"), "--handshake-timeout", "5"},
         "never sent\n", false);
  pollfd pl{l.fd, POLLIN, 0};
  REQUIRE(::poll(&pl, 1, 5000) == 1);
  Fd conn(::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(conn.fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto key = mutauth::pk::load_private_key_file(p.file("pin-server").c_str());
  REQUIRE(key);
  auto service = mutauth::ServicePrincipal::parse(spn);
  REQUIRE(service);
  mutauth::pk::AcceptorConfig cfg{
      .identity = {&*key, {}, {}}, .service = *service, .trust = {}, .channel_binding = {}};
  auto admit_all = [](const mutauth::Principal&) { return true; };
  mutauth::Acceptor<mutauth::pk::PublicKey> hs(cfg, mutauth::Authorizer(admit_all));
  bytes rec;
  REQUIRE(read_record(conn, rec));  // message 1
  auto r = mutauth::feed_record(
      hs, mutauth::record{mutauth::record_type::handshake, mutauth::bytes_view(rec).subspan(3)});
  REQUIRE(r.st == mutauth::status::send);
  bytes out(mutauth::record_header_size + r.token.size());
  REQUIRE(mutauth::encode_record(mutauth::record_type::handshake, r.token, out));
  send_all(conn, out);              // message 2
  REQUIRE(read_record(conn, rec));  // message 3: the client's proof
  if (reset) {
    linger lg{1, 0};
    ::setsockopt(conn.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  conn = Fd();  // gone, as a killed process's socket is
  const auto rc = c.wait_exit(10);
  INFO("client stderr:\n" << c.err());
  REQUIRE(rc);
  CHECK(*rc == 3);
  CHECK(c.out().empty());
  CHECK(c.err().find("not authorized") == std::string::npos);
  CHECK(line_starting(c.err(), "mutauth: transport failed: ") ==
        std::string("mutauth: transport failed: I/O error: ") +
            (reset ? "peer reset the connection" : "peer closed the connection"));
  CHECK(lines(c.err()).back() == "mutauth: no application data was sent or accepted");
}

// ---------------------------------------------------------------- inspect --allow (issue 13)

TEST_CASE("cli: inspect --as-client --allow says whether the server would admit the client",
          "[cli]") {
  Pki p;
  auto inspect = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {cli, "inspect", p.file("alice-cert.pub")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Proc c(argv);
    const auto rc = c.wait_exit(10);
    REQUIRE(rc);
    return Run{*rc, c.out(), c.err()};
  };
  const std::vector<std::string> as_client = {"--as-client", "--trust",
                                              p.file("authorized_keys_ca")};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), as_client.begin(), as_client.end());
    return extra;
  };
  Run r = inspect(with({"--allow", "bob", "--allow", "alice"}));
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(lines(r.out).back() == "  admission: ADMITTED: alice is on the allow list");

  r = inspect(with({"--allow", "bob"}));
  INFO(r.out << r.err);
  CHECK(r.rc == 1);
  CHECK(lines(r.out).back() ==
        "  admission: REFUSED: alice is not on the allow list (the server would answer \"peer not "
        "authorized\")");

  write_text(p.file("allow.txt"), "# admitted\nalice\n");
  r = inspect(with({"--allow-file", p.file("allow.txt")}));
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(lines(r.out).back() == "  admission: ADMITTED: alice is on the allow list");

  // Without --as-client there is no client to admit: a usage error, not a silent no-op.
  r = inspect({"--target", spn, "--allow", "alice"});
  INFO(r.out << r.err);
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  REQUIRE(!r.err.empty());
  CHECK(lines(r.err).front() ==
        "mutauth: inspect takes --allow/--allow-file only with --as-client: whether a client "
        "certificate's "
        "principal would be admitted");
}

// ---------------------------------------------------------------- startup validation (issue 13)

namespace {
/// `mutauth listen` that must refuse to start (exit 4) with `reason` and a hint on stderr.
void refuses_to_start(const std::vector<std::string>& args, const std::string& reason) {
  std::vector<std::string> argv = {cli, "listen", "127.0.0.1:" + std::to_string(free_port())};
  argv.insert(argv.end(), args.begin(), args.end());
  Proc l(argv);
  const auto rc = l.wait_exit(10);
  INFO("stderr:\n" << l.err());
  REQUIRE(rc);
  CHECK(*rc == 4);
  CHECK(l.err().find(reason) != std::string::npos);
  CHECK(l.err().find("\n  hint: ") != std::string::npos);
  CHECK(l.err().find("listening on") == std::string::npos);
}

/// A copy of the server's key, with a host certificate signed with `opts` beside it.
std::string server_key_with(const Pki& p, const std::string& name, const std::string& opts) {
  sh("cp " + shell_quote(p.file("server")) + " " + shell_quote(p.file(name)) + " && cp " +
     shell_quote(p.file("server.pub")) + " " + shell_quote(p.file(name + ".pub")));
  sh("ssh-keygen -q -s " + shell_quote(p.file("ca")) + " -I " + name + " -h " + opts + " " +
     shell_quote(p.file(name + ".pub")));
  return p.file(name);
}
}  // namespace

TEST_CASE("cli: listen refuses to start with credentials that can never prove --service", "[cli]") {
  Pki p;
  auto listen_args = [&](const std::string& identity, const std::string& service = spn) {
    return std::vector<std::string>{"--service", service,   "--identity",
                                    identity,    "--trust", p.file("authorized_keys_ca"),
                                    "--allow",   "alice"};
  };
  const std::string cannot = " cannot prove --service " + spn + ": ";
  SECTION("a certificate for another key") {
    sh("cp " + shell_quote(p.file("alice")) + " " + shell_quote(p.file("wrongkey")) + " && cp " +
       shell_quote(p.file("server-cert.pub")) + " " + shell_quote(p.file("wrongkey-cert.pub")));
    refuses_to_start(
        listen_args(p.file("wrongkey")),
        p.file("wrongkey") + cannot +
            "certificate key does not match the proof key: the certificate certifies ");
  }
  SECTION("an expired certificate") {
    const auto k = server_key_with(p, "expired", "-n " + spn + " -V 20200101:20200102");
    refuses_to_start(listen_args(k),
                     k + cannot + "credential expired: certificate expired at 2020-01-02");
  }
  SECTION("a certificate not yet valid") {
    const auto k = server_key_with(p, "future", "-n " + spn + " -V +52w:+104w");
    refuses_to_start(listen_args(k), k + cannot);
    Proc l({cli, "listen", "127.0.0.1:" + std::to_string(free_port()), "--service", spn,
            "--identity", k});
    REQUIRE(l.wait_exit(10) == 4);
    CHECK(l.err().find("certificate is valid only from ") != std::string::npos);
  }
  SECTION("a certificate for another service") {
    const auto k = server_key_with(p, "othersvc", "-n host/other.example.test");
    refuses_to_start(listen_args(k),
                     k + cannot + "name mismatch: the host certificate does not name " + spn);
  }
  SECTION("a bare host name proves host/<host> only, unless --host-wide") {
    const auto k = server_key_with(p, "bare", "-n server.example.test");
    const std::string svc = "imap/server.example.test";
    refuses_to_start(listen_args(k, svc), "cannot prove --service " + svc + ": name mismatch");
    // The library's hint names ServerTrust::allow_host_wide_credentials; the tool's, its flag.
    std::vector<std::string> argv = {cli, "listen", "127.0.0.1:" + std::to_string(free_port())};
    for (const auto& a : listen_args(k, svc)) argv.push_back(a);
    Proc refused(argv);
    REQUIRE(refused.wait_exit(10) == 4);
    CHECK(refused.err().find("accept host-wide credentials (--host-wide)") != std::string::npos);
    CHECK(refused.err().find("::") == std::string::npos);
    Server ok =
        start_server(listen_args(k, spn));  // host/server.example.test: the bare name proves it
    CHECK(ok.proc->stop() == 0);
    auto wide = listen_args(k, svc);
    wide.push_back("--host-wide");
    Server hw = start_server(wide);
    CHECK(hw.proc->stop() == 0);
  }
}

TEST_CASE("pk::validate: the library's startup check of acceptor and initiator configurations",
          "[cli]") {
  Pki p;
  auto key = mutauth::pk::load_private_key_file(p.file("server").c_str());
  auto alice = mutauth::pk::load_private_key_file(p.file("alice").c_str());
  REQUIRE(key);
  REQUIRE(alice);
  std::array<std::uint8_t, mutauth::pk::max_certificate_size> hb{}, ub{};
  auto host_cert = mutauth::pk::load_certificate_file(p.file("server-cert.pub").c_str(), hb);
  auto user_cert = mutauth::pk::load_certificate_file(p.file("alice-cert.pub").c_str(), ub);
  REQUIRE(host_cert);
  REQUIRE(user_cert);
  auto service = mutauth::ServicePrincipal::parse(spn);
  auto other = mutauth::ServicePrincipal::parse("host/other.example.test");
  REQUIRE(service);
  REQUIRE(other);
  using mutauth::errc;

  mutauth::pk::AcceptorConfig a{
      .identity = {&*key, {}, *host_cert}, .service = *service, .trust = {}, .channel_binding = {}};
  CHECK(mutauth::pk::validate(a));
  a.service = *other;
  REQUIRE_FALSE(mutauth::pk::validate(a));
  CHECK(mutauth::pk::validate(a).error_value().code() == errc::name_mismatch);
  a.service = *service;
  a.identity.key = &*alice;  // the host certificate is for another key
  CHECK(mutauth::pk::validate(a).error_value().code() == errc::key_mismatch);
  a.identity = {&*alice, {}, *user_cert};  // the right key, the wrong type
  CHECK(mutauth::pk::validate(a).error_value().code() == errc::wrong_certificate_type);
  std::array<std::uint8_t, mutauth::pk::max_certificate_size> eb{};
  auto expired = mutauth::pk::load_certificate_file(
      (server_key_with(p, "expired", "-n " + spn + " -V 20200101:20200102") + "-cert.pub").c_str(),
      eb);
  REQUIRE(expired);
  a.identity = {&*key, {}, *expired};
  CHECK(mutauth::pk::validate(a).error_value().code() == errc::expired);
  a.identity = {&*key, {}, {}};  // a raw key: clients pin it, nothing to check
  CHECK(mutauth::pk::validate(a));
  a.identity.key = nullptr;
  CHECK(mutauth::pk::validate(a).error_value().code() == errc::invalid_argument);

  mutauth::pk::InitiatorConfig i;
  i.identity = {&*alice, "alice", *user_cert};
  CHECK(mutauth::pk::validate(i));
  i.identity.name = {};  // the certificate's only principal
  CHECK(mutauth::pk::validate(i));
  i.identity.name = "mallory";
  CHECK(mutauth::pk::validate(i).error_value().code() == errc::name_mismatch);
  i.identity = {&*key, "alice", *user_cert};
  CHECK(mutauth::pk::validate(i).error_value().code() == errc::key_mismatch);
  i.identity = {&*key, spn, *host_cert};
  CHECK(mutauth::pk::validate(i).error_value().code() == errc::wrong_certificate_type);
  i.identity = {&*alice, {}, {}};  // a raw key must name the principal it is pinned for
  CHECK(mutauth::pk::validate(i).error_value().code() == errc::invalid_argument);
}

#if MUTAUTH_CLI_TEST_KRB5
TEST_CASE("cli: krb5: listen refuses to start with a keytab that lacks --service", "[cli][krb5]") {
  mutauth::testing::Realms realms;
  // other.keytab holds host/server.other.test only.
  const std::string other = realms.path("other.keytab"), good = realms.path("service.keytab");
  refuses_to_start({"--mech", "krb5", "--service", spn, "--keytab", other, "--allow", "alice"},
                   "mutauth: --keytab " + other + " cannot prove --service " + spn + ": ");
  auto spn_p = mutauth::ServicePrincipal::parse(spn);
  REQUIRE(spn_p);
  CHECK_FALSE(mutauth::krb5::validate(mutauth::krb5::AcceptorConfig{*spn_p, other, nullptr}));
  CHECK(mutauth::krb5::validate(mutauth::krb5::AcceptorConfig{*spn_p, good, nullptr}));
}
#endif

// ---------------------------------------------------------------- pre-authentication policy (issue 13)

namespace {
const std::string busy_line =
    "mutauth: server busy: the server is overloaded and refused this connection before "
    "authentication; try again "
    "later";

/// A client the server sheds: exit 3 (not an authentication failure), "server busy", nothing sent.
void expect_busy(const Run& c) {
  INFO("client stderr:\n" << c.err);
  CHECK(c.rc == 3);
  CHECK(c.out.empty());
  const auto l = lines(c.err);
  REQUIRE(l.size() == 3);
  CHECK(l[0] == busy_line);
  CHECK(l[1].rfind("  hint: too many connections are waiting to authenticate there", 0) == 0);
  CHECK(l[2] == "mutauth: no application data was sent or accepted");
}

/// A raw connection's whole answer: the clear alert busy, then the server's FIN.
/// A pinned client of `s` is told busy before it sends anything.
void expect_busy_client(const Pki& p, const Server& s) {
  const Run c = connect_cli(s.port, pin_alice(p), "never sent\n");
  expect_busy(c);
}

void expect_busy_alert(const Fd& raw) {
  bytes reply;
  CHECK(read_to_eof(raw, reply));
  CHECK(reply == bytes{rec_alert, 0, 1, 5});
}
}  // namespace

TEST_CASE("cli: beyond --max-preauth-per-source a connection is told busy, and the client says so",
          "[cli]") {
  Pki p;
  Server s = pinned_echo_server(p, "--max-preauth-per-source", "2");
  std::vector<Fd> idle;
  for (int i = 0; i < 2; ++i) idle.push_back(tcp_connect(s.port));
  // Wait until the server holds both: a third raw connection is refused at once.
  Fd third = tcp_connect(s.port);
  expect_busy_alert(third);
  REQUIRE(s.proc->wait_for_err(
      "[client 3] refused: server busy: 2 unauthenticated connections from 127.0.0.1 "
      "already (--max-preauth-per-source)",
      10));
  expect_busy_client(p, s);
  REQUIRE(s.proc->wait_for_err("[client 4] refused: server busy: ", 10));
  CHECK(s.proc->out().empty());
  // The idle ones go away: their source may connect again.
  idle.clear();
  REQUIRE(s.proc->wait_for_err("closed before any handshake record", 10, 2));
  good_pinned_client(p, s, "after the idle ones left");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: --max-startups drops unauthenticated connections, never authenticated sessions",
          "[cli]") {
  Pki p;
  // START 1, RATE 100: with one unauthenticated connection held, every new one is dropped.
  Server s = pinned_echo_server(p, "--max-startups", "1:100:5");
  // An authenticated session first: it does not count as unauthenticated, so others still get in.
  HeldSession held(p, s);
  good_pinned_client(p, s, "beside the held session");
  // Now one idle unauthenticated connection: the next is dropped, told busy.
  Fd idle = tcp_connect(s.port);
  {
    Fd probe = tcp_connect(s.port);
    (void)probe;
  }
  REQUIRE(s.proc->wait_for_err(
      "refused: server busy: 1 unauthenticated connections (--max-startups 1:100:5)", 10));
  expect_busy_client(p, s);
  // The held session lives on through all of it, and ends cleanly.
  held.proc.write("still here\n");
  REQUIRE(held.proc.wait_for_out(16, 10));
  held.end();
  CHECK(held.proc.out() == "held\nstill here\n");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE("cli: beyond --max-clients authenticated sessions a new connection is told busy",
          "[cli]") {
  Pki p;
  Server s = pinned_echo_server(p, "--max-clients", "1");
  HeldSession held(p, s);
  expect_busy_client(p, s);
  // The server logs before its alert leaves, but our reader of its stderr may lag behind.
  CHECK(s.proc->wait_for_err(
      "refused: server busy: 1 authenticated sessions already being served (--max-clients)", 10));
  held.end();
  good_pinned_client(p, s, "after the held session");
  CHECK(s.proc->stop() == 0);
}

TEST_CASE(
    "cli: pre-auth options are checked, and --preauth-timeout cuts a silent connection without a "
    "word",
    "[cli]") {
  Pki p;
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--max-startups", "10:30"},
                                             {"--max-startups", "10:101:20"},
                                             {"--max-startups", "20:30:10"},
                                             {"--max-preauth-per-source", "0"},
                                             {"--preauth-timeout", "soon"}}) {
    std::vector<std::string> argv = {cli,
                                     "listen",
                                     "127.0.0.1:" + std::to_string(free_port()),
                                     "--service",
                                     spn,
                                     "--identity",
                                     p.file("pin-server")};
    argv.insert(argv.end(), bad.begin(), bad.end());
    Proc l(argv);
    INFO(bad[0] << " " << bad[1] << ": " << l.err());
    CHECK(l.wait_exit(10) == 2);
    CHECK(l.err().rfind("mutauth: " + bad[0], 0) == 0);
  }
  // --preauth-timeout 1: an idle connection is cut after a second, without a word.
  Server s = pk_server(p, "pin-server", "authorized_keys_pin",
                       {"--allow", "alice", "--preauth-timeout", "1"});
  const auto t0 = steady::now();
  Fd idle = tcp_connect(s.port);
  bytes reply;
  CHECK(read_to_eof(idle, reply));
  CHECK(reply.empty());
  CHECK(seconds_since(t0) >= 0.9);
  CHECK(seconds_since(t0) < 3);
  REQUIRE(s.proc->wait_for_err(
      "[client 1] transport failed: I/O error: timed out waiting for the peer", 5));
  CHECK(s.proc->stop() == 0);
}

// ---------------------------------------------------------------- the command line (issue 16)

namespace {
/// `mutauth ARGS` that must be a usage error: exit 2, nothing on stdout, and a first line on
/// stderr that begins `mutauth: <start>` (the flag it is about), then the usage text.
void usage_error(const std::vector<std::string>& args, const std::string& start) {
  std::vector<std::string> argv = {cli};
  argv.insert(argv.end(), args.begin(), args.end());
  Proc p(argv);
  const std::optional<int> rc = p.wait_exit(10);
  const std::string err = p.err();
  std::string shown;
  for (const std::string& a : args) shown += " " + shell_quote(a);
  INFO("mutauth" << shown << "\n" << err);
  CHECK(rc == 2);
  CHECK(p.out().empty());
  REQUIRE(!err.empty());
  CHECK(lines(err).front().rfind("mutauth: " + start, 0) == 0);
  CHECK(err.find("\nusage:\n  mutauth listen ADDR:PORT") != std::string::npos);
}
}  // namespace

TEST_CASE("cli: a bad number is a usage error naming the flag, never a silent 0", "[cli]") {
  const std::string addr = "127.0.0.1:" + std::to_string(free_port());
  const std::vector<std::string> listen = {"listen", addr, "--service", spn};
  auto with = [&](std::vector<std::string> base, std::initializer_list<std::string> more) {
    base.insert(base.end(), more);
    return base;
  };
  // What atoi read as 0 (or 5) and sscanf as a partial match.
  usage_error(with(listen, {"--max-clients", "abc"}),
              "--max-clients: takes a whole number of at least 1, not 'abc'");
  usage_error(with(listen, {"--max-clients", "5x"}), "--max-clients: ");
  usage_error(with(listen, {"--max-clients", "0"}), "--max-clients: ");
  usage_error(with(listen, {"--max-clients", "99999999999"}), "--max-clients: ");
  usage_error(with(listen, {"--max-clients", "1.5"}), "--max-clients: ");
  usage_error(with(listen, {"--max-preauth-per-source", "ten"}), "--max-preauth-per-source: ");
  usage_error(with(listen, {"--preauth-timeout", "abc"}),
              "--preauth-timeout: takes a number of seconds (0 or more), not 'abc'");
  usage_error(with(listen, {"--handshake-timeout", "5s"}), "--handshake-timeout: ");
  usage_error(with(listen, {"--idle-timeout", "-1"}), "--idle-timeout: ");
  usage_error(with(listen, {"--idle-timeout", "inf"}), "--idle-timeout: ");
  usage_error(with(listen, {"--idle-timeout", "nan"}), "--idle-timeout: ");
  usage_error({"connect", addr, "--target", spn, "--connect-timeout", ""}, "--connect-timeout: ");
  usage_error(with(listen, {"--max-startups", "1:2"}),
              "--max-startups: takes START:RATE:FULL (1 <= START <= FULL, 0 <= RATE <= 100), e.g. "
              "100:30:1000, not '1:2'");
  usage_error(with(listen, {"--max-startups", "1:2:3:4"}), "--max-startups: ");
  usage_error(with(listen, {"--max-startups", "1:2:3x"}), "--max-startups: ");
  usage_error(with(listen, {"--max-startups", "a:b:c"}), "--max-startups: ");
  usage_error(with(listen, {"--max-startups", "0:30:10"}), "--max-startups: ");
  usage_error(with(listen, {"--mech", "tls"}),
              "--mech: is pk, krb5, auto, pk,krb5 or krb5,pk, not 'tls'");
  usage_error({"connect", addr, "--target", spn, "--name", ""},
              "--name: needs a non-empty principal");
}

TEST_CASE("cli: unknown flags, missing values, stray arguments and unknown commands", "[cli]") {
  const std::string addr = "127.0.0.1:" + std::to_string(free_port());
  usage_error({"listen", addr, "--service", spn, "--bogus"}, "unknown option --bogus");
  usage_error({"connect", addr, "--target", spn, "-x"}, "unknown option -x");
  usage_error({"inspect", "--frob", "file"}, "unknown option --frob");
  // A flag of the whole tool, not of a command.
  usage_error({"listen", addr, "--service", spn, "--version"}, "unknown option --version");
  usage_error({"listen", addr, "--service"}, "--service");
  usage_error({"connect", addr, "--target", spn, "--max-clients"}, "--max-clients");
  usage_error({"listen", addr, addr, "--service", spn}, "unexpected argument '" + addr + "'");
  usage_error({"frob"}, "unknown command 'frob'");
  usage_error({}, "no command");
  usage_error({"listen", "--service", spn}, "no ADDR:PORT");
  usage_error({"inspect"}, "inspect needs at least one file");
  usage_error({"listen", addr, "--service", spn, "--name", "alice"},
              "--name is for clients: a server proves its --service");
}

TEST_CASE("cli: --help is the overview; COMMAND --help lists that command's options", "[cli]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    std::vector<std::string> argv = {cli};
    argv.insert(argv.end(), args.begin(), args.end());
    Proc p(argv);
    INFO(args[0]);
    REQUIRE(p.wait_exit(10) == 0);
    CHECK(p.err().empty());
    CHECK(p.out().rfind("usage:\n  mutauth listen ADDR:PORT --service SPN", 0) == 0);
    CHECK(p.out().find("exit status: 0 ok;") != std::string::npos);
  }
  struct Want {
    std::string command;
    std::vector<std::string> ours, others;  // listed in its groups / among other commands' options
  };
  for (const Want& w : {Want{"listen",
                             {"--service SPN", "--allow PRINCIPAL", "--max-clients N=64",
                              "--max-preauth-per-source N=10", "--max-startups START:RATE:FULL",
                              "--preauth-timeout S", "--idle-timeout S=300", "--mech"},
                             {"--target SPN", "--connect-timeout S=10", "--as-client"}},
                        Want{"connect",
                             {"--target SPN", "--name,--as NAME", "--connect-timeout S=10",
                              "--handshake-timeout S", "--ccache NAME", "--identity KEYFILE"},
                             {"--service SPN", "--echo", "--max-startups START:RATE:FULL"}},
                        Want{"inspect",
                             {"--as-server", "--as-client", "--trust FILE", "--krl FILE"},
                             {"--service SPN", "--identity KEYFILE"}}}) {
    Proc p({cli, w.command, "--help"});
    INFO(w.command);
    REQUIRE(p.wait_exit(10) == 0);
    const std::string out = p.out();
    INFO(out);
    CHECK(p.err().empty());
    CHECK(out.find("Usage: mutauth " + w.command + " [OPTIONS]") != std::string::npos);
    const auto others = out.find("accepted, but for other commands:");
    REQUIRE(others != std::string::npos);
    for (const std::string& o : w.ours) {
      const auto at = out.find("  " + o);
      CHECK(at < others);
    }
    for (const std::string& o : w.others) {
      const auto at = out.find("  " + o);
      CHECK(at != std::string::npos);
      CHECK(at > others);
    }
  }
}
