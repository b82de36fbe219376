// A third mechanism registered as data (docs/adding-a-mechanism.md): alt-pk/1, test only
// (tests/support/pk_alias.hpp), declared with mutauth_mechanism() in tests/CMakeLists.txt and
// given a command-line trait (alt_pk_flags.hpp, alt_pk_cli.hpp) at the end of the tool's list
// (tools/mutauth/mechanisms.hpp). The tool built with it must offer it in --mech, --help and
// --version, and run its handshakes alone and negotiated, with no other change to the tool; the
// production tool must not know it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "support/pk_alias.hpp"
#include "support/ssh_tools.hpp"

namespace {

using mutauth::testing::shell_quote;
using mutauth::testing::TempDir;

const std::string alt_cli = MUTAUTH_ALTPK_CLI;
const std::string prod_cli = MUTAUTH_CLI;
const std::string spn = "host/server.example.test";

struct Ran {
  int status;
  std::string out;  // stdout and stderr
};

Ran run(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string key_of(const std::string& pub) {
  std::istringstream in(slurp(pub));
  std::string type, key;
  in >> type >> key;
  return type + " " + key;
}

/// ssh-keygen keys for a server and for alice, the server pinned by the client and alice by the
/// server.
struct Keys {
  TempDir dir{"mutauth-altpk"};
  Keys() {
    mutauth::testing::keygen(dir, "server", "-t ed25519", "server");
    mutauth::testing::keygen(dir, "alice", "-t ed25519", "alice");
    std::ofstream(dir.file("known_hosts")) << spn << " " << key_of(dir.file("server.pub")) << "\n";
    std::ofstream(dir.file("authorized_keys"))
        << "principals=\"alice\" " << key_of(dir.file("alice.pub")) << "\n";
  }
  std::string f(const std::string& n) const { return shell_quote(dir.file(n)); }
};

/// `listen --once --echo` with `server_args` in the background, one `connect` with
/// `client_args` sending "hello"; both stderrs and the client's stdout.
struct Exchange {
  Ran client;
  std::string server_err;
  int server_status = -1;
};

Exchange exchange(const Keys& k, const std::string& server_args, const std::string& client_args) {
  const int port = free_port();
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  const std::string err = k.dir.file("server.err"), rc = k.dir.file("server.rc");
  std::remove(rc.c_str());
  const std::string server = "timeout 30 " + shell_quote(alt_cli) + " listen " + addr +
                             " --service " + spn + " --allow alice --once --echo " + server_args;
  REQUIRE(std::system(("(" + server + " </dev/null >/dev/null 2>" + shell_quote(err) +
                       "; echo $? >" + shell_quote(rc) + ") &")
                          .c_str()) == 0);
  for (int i = 0; i < 200 && slurp(err).find("listening on") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  INFO(slurp(err));
  REQUIRE(slurp(err).find("listening on") != std::string::npos);
  Exchange e;
  e.client = run("echo hello | timeout 30 " + shell_quote(alt_cli) + " connect " + addr +
                 " --target " + spn + " " + client_args);
  for (int i = 0; i < 200 && slurp(rc).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  e.server_err = slurp(err);
  e.server_status = slurp(rc).empty() ? -1 : std::atoi(slurp(rc).c_str());
  return e;
}

}  // namespace

TEST_CASE("mechanism registry: the test-only mechanism is a library target of its own", "[altpk]") {
  STATIC_REQUIRE(mutauth::testing::AltPk::name == std::string_view("alt-pk/1"));
  STATIC_REQUIRE(mutauth::Mechanism<mutauth::testing::AltPk>);
}

TEST_CASE("mechanism registry: --mech, --help and --version come from the traits", "[altpk]") {
  const Ran help = run(shell_quote(alt_cli) + " --help");
  REQUIRE(help.status == 0);
  CHECK(help.out.find("altpk:       --alt-identity KEYFILE") != std::string::npos);
  CHECK(help.out.find("--mech pk|krb5|altpk|auto|pk,krb5|pk,altpk|krb5,pk|krb5,altpk|altpk,pk|"
                      "altpk,krb5|pk,krb5,altpk|") != std::string::npos);
  CHECK(help.out.find("listen with --identity and --keytab and --alt-identity,") !=
        std::string::npos);
  const Ran listen_help = run(shell_quote(alt_cli) + " listen --help");
  REQUIRE(listen_help.status == 0);
  CHECK(listen_help.out.find("--alt-identity KEYFILE") != std::string::npos);
  CHECK(listen_help.out.find("pk, krb5, altpk, auto, or a list") != std::string::npos);
  const Ran version = run(shell_quote(alt_cli) + " --version");
  REQUIRE(version.status == 0);
  CHECK(version.out.find("alt-pk/1") != std::string::npos);
  const Ran bad =
      run(shell_quote(alt_cli) + " listen 127.0.0.1:1 --service " + spn + " --mech tls");
  CHECK(bad.status == 2);
  CHECK(bad.out.find("--mech: is pk, krb5, altpk, auto, pk,krb5, pk,altpk,") != std::string::npos);
  const Ran none =
      run(shell_quote(alt_cli) + " connect 127.0.0.1:1 --target " + spn + " --mech auto");
  CHECK(none.status == 2);
  CHECK(none.out.find("give --identity (pk) and/or --keytab or --ccache (krb5) and/or "
                      "--alt-identity (altpk)") != std::string::npos);
  // The production tool's list has no test mechanism in it.
  const Ran prod = run(shell_quote(prod_cli) + " --help");
  REQUIRE(prod.status == 0);
  CHECK(prod.out.find("altpk") == std::string::npos);
  CHECK(run(shell_quote(prod_cli) + " connect 127.0.0.1:1 --target " + spn + " --mech altpk")
            .status == 2);
}

TEST_CASE("mechanism registry: the test-only mechanism authenticates alone", "[altpk]") {
  Keys k;
  const Exchange e = exchange(
      k, "--mech altpk --alt-identity " + k.f("server") + " --alt-trust " + k.f("authorized_keys"),
      "--mech altpk --alt-identity " + k.f("alice") + " --alt-trust " + k.f("known_hosts"));
  INFO(e.client.out);
  INFO(e.server_err);
  CHECK(e.client.status == 0);
  CHECK(e.client.out.find("hello") != std::string::npos);  // echoed through the session
  CHECK(e.client.out.find("authenticated mech=alt-pk/1 local=alice") != std::string::npos);
  CHECK(e.server_err.find("(mech alt-pk/1)") != std::string::npos);
  CHECK(e.server_err.find("[client 1] authenticated mech=alt-pk/1") != std::string::npos);
  CHECK(e.server_status == 0);
}

TEST_CASE("mechanism registry: the test-only mechanism is negotiated beside pk", "[altpk]") {
  Keys k;
  const std::string server_both = "--mech pk,altpk --identity " + k.f("server") + " --trust " +
                                  k.f("authorized_keys") + " --alt-identity " + k.f("server") +
                                  " --alt-trust " + k.f("authorized_keys");
  const std::string client_both = "--identity " + k.f("alice") + " --trust " + k.f("known_hosts") +
                                  " --alt-identity " + k.f("alice") + " --alt-trust " +
                                  k.f("known_hosts");
  SECTION("the client's first offer is chosen") {
    const Exchange e = exchange(k, server_both, "--mech altpk,pk " + client_both);
    INFO(e.client.out);
    INFO(e.server_err);
    CHECK(e.server_err.find("(mech mutauth-negotiate/1: mutauth-pk/1, alt-pk/1)") !=
          std::string::npos);
    CHECK(e.client.status == 0);
    CHECK(e.client.out.find("authenticated mech=alt-pk/1 local=alice") != std::string::npos);
    CHECK(e.server_status == 0);
  }
  SECTION("--mech auto offers what this side has credentials for, in the list's order") {
    const Exchange e = exchange(k, server_both, "--mech auto " + client_both);
    INFO(e.client.out);
    CHECK(e.client.status == 0);
    CHECK(e.client.out.find("authenticated mech=mutauth-pk/1 local=alice") != std::string::npos);
  }
}
