// TEST ONLY. A real MIT KDC per test: RAII around tests/krb5/kdc_fixture.sh (two throwaway realms
// in a temp dir on a free loopback port, driven through fixture_process.hpp), plus a throwing
// child-process helper that the python3-gssapi interop peer uses too.
//
// Each Catch2 TEST_CASE that needs Kerberos makes its own `Realms`. ctest runs every test case in
// its own process (catch_discover_tests), so parallel runs get separate temp dirs, ports and
// environments. The script tears the realms down when its stdin closes, which also happens when
// this process dies, so a crashed test leaves no KDC behind.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "krb5/fixture_process.hpp"
#include "support/names.hpp"

namespace mutauth::testing {

/// A child process with line-oriented pipes (fixture_process.hpp) whose failures throw, so that a
/// test stops at the first one.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    std::string why;
    if (!process_.spawn(argv, why)) throw std::runtime_error(why);
  }
  void send_line(const std::string& line) {
    if (!process_.send_line(line)) throw std::runtime_error("write to child failed");
  }
  /// Next line without its newline; throws at EOF.
  std::string read_line() {
    std::string line;
    if (!process_.read_line(line)) throw std::runtime_error("child closed its output");
    return line;
  }
  void close_input() { process_.close_input(); }
  pid_t pid() const { return process_.pid(); }

 private:
  ChildProcess process_;
};

/// EXAMPLE.TEST and OTHER.TEST served by one krb5kdc. Principals: alice (client.keytab),
/// bob (bob.keytab), host/server.example.test (service.keytab) in EXAMPLE.TEST;
/// host/server.other.test (other.keytab) in OTHER.TEST. No cross-realm trust until trust().
/// The constructor exports the realm's environment (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME,
/// KRB5_CLIENT_KTNAME, KRB5RCACHEDIR, KRB5_KDC_PROFILE); the destructor removes it.
class Realms {
 public:
  Realms() {
    std::string why;
    if (!kdc_.start(std::string(MUTAUTH_SOURCE_DIR) + "/tests/krb5/kdc_fixture.sh", why))
      FAIL("kdc_fixture.sh: " << why);
    kdc_.export_env();  // also unsets KRB5RCACHETYPE: replay tests need the cache (KERBEROS-TESTING.md)
    REQUIRE_FALSE(dir().empty());
  }
  Realms(const Realms&) = delete;
  Realms& operator=(const Realms&) = delete;
  ~Realms() { kdc_.stop(); }  // EOF: the script kills the KDC and removes the temp dir

  std::string dir() const { return kdc_.var("DIR"); }
  std::string path(const std::string& file) const { return dir() + "/" + file; }
  std::string env(const std::string& k) const { return kdc_.env(k); }

  /// Sends one fixture command; returns its answer ("OK" or "ERR ...").
  std::string command(const std::string& line) { return kdc_.command(line); }
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
  KdcFixtureProcess kdc_;
};

inline std::vector<unsigned char> read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline void write_file(const std::string& p, const std::vector<unsigned char>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

/// The service whose key the fixture's keytab holds.
inline const ServicePrincipal& server() {
  static const ServicePrincipal s = spn("host/server.example.test");
  return s;
}

/// The fixture's own krb5.conf, as text.
inline std::string fixture_conf(const Realms& realm) {
  const std::vector<unsigned char> c = read_file(realm.env("KRB5_CONFIG"));
  return {c.begin(), c.end()};
}
/// Writes `conf` as realm.path(name) and points KRB5_CONFIG at it (MIT reads the file it names,
/// docs/kerberos.md); use_fixture_conf() goes back. Returns the path.
inline std::string use_conf(const Realms& realm, const std::string& name, const std::string& conf) {
  const std::string path = realm.path(name);
  write_file(path, std::vector<unsigned char>(conf.begin(), conf.end()));
  setenv("KRB5_CONFIG", path.c_str(), 1);
  return path;
}
inline void use_fixture_conf(const Realms& realm) {
  setenv("KRB5_CONFIG", realm.env("KRB5_CONFIG").c_str(), 1);
}

}  // namespace mutauth::testing
