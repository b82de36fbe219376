// mutauth fuzz targets — the Kerberos harness: a private Kerberos environment for one fuzz (or
// replay) process, set up once in LLVMFuzzerInitialize, before the first GSS call reads it.
//
//   * Acceptor side (both targets): a keytab for fuzz/server.example.test@EXAMPLE.TEST written
//     OFFLINE by ktutil from a fixed password. The key then depends only on the password and the
//     salt (realm + name), so AP-REQs captured once (make_krb5_corpus) stay decryptable in every
//     later run: the seed corpus holds genuine tickets, and fuzzing starts on the success path.
//   * krb5.conf: clockskew of ~31 years and KRB5RCACHETYPE=none, for the same reason: a stored
//     AP-REQ is old and replayed by design. NO SECURITY — fuzz and replay programs only.
//   * Initiator side (krb5_initiator, make_krb5_corpus): a real KDC (tests/krb5/kdc_fixture.sh,
//     started once per process; it tears itself down when our end of its stdin closes, i.e. when
//     this process exits, however it exits). The service principal is added there with the same
//     fixed password, so the KDC's tickets decrypt under the offline keytab. The client alice
//     gets her TGT from the fixture's client keytab into a MEMORY ccache: after the first
//     handshake every service ticket comes from that cache, with no KDC round trip per input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz_common.hpp"
#include "fuzz_handshake.hpp"
#include "krb5/fixture_process.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/krb5/krb5.hpp"

namespace mutauth {
inline namespace v0 {
namespace fuzz {

using KRB = krb5::Kerberos;

inline constexpr const char* krb5_service_password = "mutauth-fuzz-service (NO SECURITY)";
inline constexpr std::string_view krb5_service = "fuzz/server.example.test@EXAMPLE.TEST";

/// Stops the process with a message: the environment is a precondition, not a finding.
[[noreturn]] inline void krb5_setup_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz krb5 harness: %s\n", what.c_str());
  std::_Exit(3);
}

struct KrbEnv {
  std::string dir;
  std::string keytab;  // FILE:<dir>/service.keytab
  ServicePrincipal service = *ServicePrincipal::parse(krb5_service);
  krb5::AcceptorConfig acfg{service, {}};
  krb5::InitiatorConfig icfg{};
  // The KDC fixture, kept for the life of the process; stopping it (here, or the kernel closing
  // its stdin if this process dies) stops the KDC and removes the realm's temp dir.
  testing::KdcFixtureProcess kdc;

  ~KrbEnv() {
    kdc.stop();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

inline KrbEnv& krb5_env() {
  static KrbEnv env;
  return env;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) krb5_setup_failed("cannot write " + path);
}

inline void write_krb5_conf(const KrbEnv& e, const std::string& kdc) {
  std::string conf =
      "[libdefaults]\n"
      "  default_realm = EXAMPLE.TEST\n"
      "  dns_lookup_kdc = false\n"
      "  dns_lookup_realm = false\n"
      "  dns_canonicalize_hostname = false\n"
      "  rdns = false\n"
      // Stored AP-REQs are old by design (see the top of this file).
      "  clockskew = 1000000000\n"
      "[realms]\n"
      "  EXAMPLE.TEST = {\n";
  if (!kdc.empty()) conf += "    kdc = " + kdc + "\n";
  conf += "  }\n[domain_realm]\n  .example.test = EXAMPLE.TEST\n";
  write_file(e.dir + "/krb5.conf", conf);
}

/// The acceptor's keytab, offline: ktutil derives the keys from the fixed password with the
/// default salt, exactly as the KDC does for `addprinc -pw`.
inline void write_service_keytab(const KrbEnv& e) {
  const std::string path = e.dir + "/service.keytab";
  const std::string cmd = "ktutil >" + e.dir + "/ktutil.log 2>&1";
  std::FILE* p = popen(cmd.c_str(), "w");
  if (p == nullptr) krb5_setup_failed("cannot run ktutil");
  for (const char* enctype : {"aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96",
                              "aes256-cts-hmac-sha384-192", "aes128-cts-hmac-sha256-128"}) {
    std::fprintf(p, "addent -password -p %s -k 1 -e %s\n%s\n", std::string(krb5_service).c_str(),
                 enctype, krb5_service_password);
  }
  std::fprintf(p, "wkt %s\nquit\n", path.c_str());
  if (pclose(p) != 0 || !std::filesystem::exists(path))
    krb5_setup_failed("ktutil failed; see " + e.dir + "/ktutil.log");
}

/// Starts tests/krb5/kdc_fixture.sh, returns its KDC address and client keytab, and adds the
/// fuzz service principal with the fixed password. The fixture's ENV lines are not exported:
/// this harness writes its own krb5.conf.
inline void start_kdc(KrbEnv& e, std::string& kdc, std::string& client_keytab) {
  const char* script = std::getenv("MUTAUTH_KDC_FIXTURE");
  std::string why;
  if (!e.kdc.start(script != nullptr ? script : MUTAUTH_KDC_FIXTURE, why))
    krb5_setup_failed("KDC fixture: " + why);
  const std::string port = e.kdc.var("PORT");
  client_keytab = e.kdc.env("KRB5_CLIENT_KTNAME");
  if (port.empty() || client_keytab.empty())
    krb5_setup_failed("KDC fixture printed no port/keytab");
  kdc = "127.0.0.1:" + port;
  const std::string ok =
      e.kdc.command("kadmin EXAMPLE.TEST addprinc -pw \"" + std::string(krb5_service_password) +
                    "\" " + std::string(krb5_service));
  if (ok != "OK") krb5_setup_failed("kadmin addprinc: " + ok);
}

/// Sets up the environment; `with_kdc` also starts a KDC (the initiator needs tickets).
/// Must run before the first GSS call: MIT reads KRB5_CONFIG when it makes its first context.
inline KrbEnv& krb5_setup(bool with_kdc) {
  KrbEnv& e = krb5_env();
  if (!e.dir.empty()) return e;
  std::string tmpl = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                     "/mutauth-fuzz-krb5.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) krb5_setup_failed("mkdtemp failed");
  e.dir = tmpl;
  std::string kdc, client_keytab;
  if (with_kdc) start_kdc(e, kdc, client_keytab);
  write_krb5_conf(e, kdc);
  write_service_keytab(e);
  e.keytab = "FILE:" + e.dir + "/service.keytab";
  e.acfg.keytab = e.keytab;
  setenv("KRB5_CONFIG", (e.dir + "/krb5.conf").c_str(), 1);
  setenv("KRB5_KTNAME", e.keytab.c_str(), 1);
  setenv("KRB5RCACHETYPE", "none", 1);  // stored AP-REQs are replays by design
  setenv("KRB5CCNAME", "MEMORY:mutauth-fuzz", 1);
  unsetenv("KRB5_TRACE");
  if (with_kdc) setenv("KRB5_CLIENT_KTNAME", client_keytab.c_str(), 1);
  else unsetenv("KRB5_CLIENT_KTNAME");
  return e;
}

/// krb5 error details must be log-safe like every other target's. Fixed finding: MIT's accept-path
/// text names the ticket's server principal, which travels unencrypted in the AP-REQ, so any
/// client could put control bytes in the acceptor's error detail; error::append now escapes them.
/// Regression input: corpus/krb5_acceptor/regress-log-injection-sname.
inline constexpr bool krb5_details_log_safe = true;

inline bool allow_any(const Principal&) noexcept { return true; }

/// A session pair must carry records both ways: what one seals, the other opens unchanged, as
/// a data record; then `a`'s sealed close reaches `b` as a close (session.hpp: content | type
/// inside gss_wrap).
inline bool sessions_agree(Session<KRB>& a, Session<KRB>& b) {
  static constexpr std::string_view msg = "mutauth fuzz record";
  for (int dir = 0; dir < 2; ++dir) {
    Session<KRB>& from = dir == 0 ? a : b;
    Session<KRB>& to = dir == 0 ? b : a;
    bytes rec(msg.size() + Session<KRB>::seal_overhead);
    auto n =
        from.seal(bytes_view(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), rec);
    if (!n) return false;
    bytes plain(*n - Session<KRB>::open_overhead);
    auto m = to.open(bytes_view(rec.data(), *n), plain);
    if (!m || m->type != content_type::data || as_text(bytes_view(plain.data(), m->size)) != msg)
      return false;
  }
  bytes close(Session<KRB>::seal_overhead);
  auto n = a.close(close);
  if (!n) return false;
  bytes plain(*n - Session<KRB>::open_overhead);
  auto m = b.open(bytes_view(close.data(), *n), plain);
  return m && m->type == content_type::close && b.peer_closed();
}

}  // namespace fuzz
}  // namespace v0
}  // namespace mutauth
