// The command line as tools/mutauth/options.hpp reads it (issue 16 item 10): what each accepted
// command line puts into Options, in process. What it refuses (exit 2, the flag named first) is
// checked against the real binary in test_cli.cpp, since a refusal exits.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "options.hpp"

using mutauth::cli::Options;

namespace {

Options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mutauth");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return mutauth::cli::parse_args(static_cast<int>(args.size()), argv.data());
}

}  // namespace

TEST_CASE("cli options: the defaults the README and --help state", "[cli]") {
  const Options o = parse({"listen", "127.0.0.1:7000", "--service", "host/s.example.test"});
  CHECK(o.command == "listen");
  CHECK(o.address == "127.0.0.1:7000");
  CHECK(o.service == "host/s.example.test");
  CHECK(o.mech == "pk");
  CHECK_FALSE(o.mech_given);
  CHECK(o.max_clients == 64);
  CHECK(o.max_preauth_per_source == 10);
  CHECK(o.startups_start == 100);
  CHECK(o.startups_rate == 30);
  CHECK(o.startups_full == 1000);
  CHECK(o.connect_timeout == 10);
  CHECK(o.handshake_timeout == 10);
  CHECK(o.preauth_timeout == 5);
  CHECK(o.idle_timeout == 300);
  CHECK_FALSE(o.echo);
  CHECK_FALSE(o.once);
  CHECK_FALSE(o.quiet);
  CHECK(o.allow.empty());
}

TEST_CASE("cli options: every flag reaches its field", "[cli]") {
  const Options o = parse({"listen",
                           "--service",
                           "host/s.example.test",
                           "--allow",
                           "alice",
                           "--identity",
                           "server",
                           "--trust",
                           "authorized_keys",
                           "--krl",
                           "revoked.krl",
                           "--keytab",
                           "svc.keytab",
                           "--allow",
                           "bob@EXAMPLE.TEST",
                           "--allow-file",
                           "allow.txt",
                           "--echo",
                           "--once",
                           "--host-wide",
                           "--max-clients=3",
                           "--max-preauth-per-source",
                           "2",
                           "--max-startups",
                           "5:50:20",
                           "--idle-timeout",
                           "0",
                           "[::1]:7000",
                           "-q",
                           "--mech",
                           "pk,krb5"});
  CHECK(o.address == "[::1]:7000");  // after the options: --allow takes one value only
  CHECK(o.allow == std::vector<std::string>{"alice", "bob@EXAMPLE.TEST"});
  CHECK(o.identity == "server");
  CHECK(o.trust == "authorized_keys");
  CHECK(o.krl == "revoked.krl");
  CHECK(o.keytab == "svc.keytab");
  CHECK(o.allow_file == "allow.txt");
  CHECK(o.echo);
  CHECK(o.once);
  CHECK(o.host_wide);
  CHECK(o.quiet);
  CHECK(o.max_clients == 3);
  CHECK(o.max_preauth_per_source == 2);
  CHECK(o.startups_start == 5);
  CHECK(o.startups_rate == 50);
  CHECK(o.startups_full == 20);
  CHECK(o.idle_timeout == 0);
  CHECK(o.mech == "pk,krb5");
  CHECK(o.mech_given);

  const Options c = parse({"connect", "127.0.0.1:1", "--target", "host/s.example.test", "--as",
                           "alice", "--ccache", "MEMORY:x", "--connect-timeout", "0.25",
                           "--handshake-timeout", "1e1", "--mech", "pk"});
  CHECK(c.command == "connect");
  CHECK(c.target == "host/s.example.test");
  CHECK(c.name == "alice");
  CHECK(c.ccache == "MEMORY:x");
  CHECK(c.connect_timeout == 0.25);
  CHECK(c.handshake_timeout == 10);
  CHECK(c.mech_given);
}

TEST_CASE("cli options: the last of a repeated flag wins, the timeout aliases included", "[cli]") {
  const std::vector<std::string> base = {"listen", "127.0.0.1:1", "--service", "a/b"};
  auto with = [&](std::initializer_list<std::string> more) {
    std::vector<std::string> v = base;
    v.insert(v.end(), more);
    return parse(v);
  };
  CHECK(with({"--service", "c/d"}).service == "c/d");
  CHECK(with({"--max-clients", "7", "--max-clients", "9"}).max_clients == 9);
  Options o = with({"--handshake-timeout", "3", "--preauth-timeout", "4"});
  CHECK(o.preauth_timeout == 4);
  CHECK(o.handshake_timeout == 4);
  o = with({"--preauth-timeout", "4", "--handshake-timeout", "3"});
  CHECK(o.preauth_timeout == 3);
  CHECK(o.handshake_timeout == 3);
}

TEST_CASE("cli options: inspect takes files between its options", "[cli]") {
  const Options o = parse({"inspect", "server-cert.pub", "--target", "host/s.example.test",
                           "known_hosts", "--as-client", "--allow", "alice", "revoked.krl"});
  CHECK(o.command == "inspect");
  CHECK(o.files == std::vector<std::string>{"server-cert.pub", "known_hosts", "revoked.krl"});
  CHECK(o.target == "host/s.example.test");
  CHECK(o.as_client);
  CHECK(o.allow == std::vector<std::string>{"alice"});
  CHECK(o.address.empty());
}

TEST_CASE("cli options: --version and version ask for the version", "[cli]") {
  CHECK(parse({"--version"}).command == "version");
  CHECK(parse({"version"}).command == "version");
}
