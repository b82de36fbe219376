// mutauth — command-line tool: a real TCP client and server that authenticate each other, then
// pipe stdin/stdout through the sealed session (like nc); and `inspect` for deployment trouble.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "inspect.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "mutauth/negotiate.hpp"
#include "mutauth/version.hpp"
#if MUTAUTH_CLI_WITH_KRB5
#include "mutauth/mech/krb5/krb5.hpp"
#endif
#include "error_text.hpp"
#include "event_server.hpp"
#include "net.hpp"
#include "options.hpp"
#include "session_io.hpp"

namespace cli = mutauth::cli;
using namespace mutauth;

namespace {

// The library's version, then the wire protocols this build speaks (each versioned on its own).
void print_version() {
  std::printf("mutauth %s (%.*s", mutauth::version_string,
              static_cast<int>(pk::PublicKey::name.size()), pk::PublicKey::name.data());
#if MUTAUTH_CLI_WITH_KRB5
  std::printf(", %.*s", static_cast<int>(krb5::Kerberos::name.size()), krb5::Kerberos::name.data());
#else
  std::printf("; built without krb5");
#endif
  std::printf(")\n");
}

using cli::exit_auth;
using cli::exit_config;
using cli::exit_ok;
using cli::exit_transport;
using cli::Options;
using cli::usage_error;

using cli::error_text;

[[noreturn]] void config_error(const std::string& what, const mutauth::error& e) {
  std::fprintf(stderr, "mutauth: %s: %s\n", what.c_str(), error_text(e).c_str());
  std::exit(exit_config);
}

ServicePrincipal parse_spn(const std::string& flag, const std::string& text) {
  auto r = ServicePrincipal::parse(text);
  if (!r) config_error(flag + " '" + text + "'", r.error_value());
  return *r;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "mutauth: cannot read %s\n", path.c_str());
    std::exit(exit_config);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

// ---------------- pk material, loaded once, outliving every handshake ----------------
struct PkMaterial {
  std::optional<pk::Ed25519SecretKey> key;
  std::array<std::uint8_t, pk::max_certificate_size> cert_buf{};
  bytes_view cert{};
  std::string trust_text;
  std::unique_ptr<pk::KnownHosts<256, 32>> known_hosts;
  std::unique_ptr<pk::AuthorizedKeys<256, 32>> authorized_keys;
  std::vector<std::uint8_t> krl_buf;
  std::optional<pk::Krl> krl;
  std::string local_name;
};

void load_pk(const Options& o, PkMaterial& m, bool server) {
  if (o.identity.empty()) usage_error("--identity KEYFILE is required with --mech pk");
  auto k = pk::load_private_key_file(o.identity.c_str());
  if (!k) config_error("identity " + o.identity, k.error_value());
  m.key.emplace(std::move(*k));
  const std::string cert_path = o.identity + "-cert.pub";
  if (exists(cert_path)) {
    auto c = pk::load_certificate_file(cert_path.c_str(), m.cert_buf);
    if (!c) config_error("certificate " + cert_path, c.error_value());
    m.cert = *c;
  }
  if (!o.trust.empty()) {
    m.trust_text = slurp(o.trust);
    if (server) {
      m.authorized_keys = std::make_unique<pk::AuthorizedKeys<256, 32>>();
      auto r = m.authorized_keys->parse(m.trust_text);
      if (!r) config_error("trust file " + o.trust, r.error_value());
    } else {
      m.known_hosts = std::make_unique<pk::KnownHosts<256, 32>>();
      auto r = m.known_hosts->parse(m.trust_text);
      if (!r) config_error("trust file " + o.trust, r.error_value());
    }
  } else {
    std::fprintf(stderr, "mutauth: warning: no --trust file: no %s can be authenticated\n",
                 server ? "client" : "server");
  }
  if (!o.krl.empty()) {
    m.krl_buf.resize(1 << 20);
    auto r = pk::load_krl_file(o.krl.c_str(), m.krl_buf);
    if (!r) config_error("KRL " + o.krl, r.error_value());
    m.krl.emplace(*r);
  }
}

// The principal a pk client asserts: --name; else its certificate's principal when it lists
// exactly one; else the key's comment (ssh-keygen -C). A name the certificate does not list is a
// configuration error here, before any connection (the server would refuse it).
std::string client_principal(const Options& o, const PkMaterial& m) {
  std::optional<pk::CertificateView> cert;
  if (!m.cert.empty()) {
    auto c = pk::parse_certificate(m.cert);
    if (!c) config_error("certificate " + o.identity + "-cert.pub", c.error_value());
    cert = *c;
  }
  std::string name = o.name;
  if (name.empty() && cert && cert->principal_count == 1) name = std::string(cert->principals()[0]);
  if (name.empty()) name = std::string(m.key->comment());
  if (name.empty())
    config_error(
        "identity " + o.identity,
        mutauth::error(
            errc::invalid_argument, "this client asserts no principal: its key has no comment",
            "give --name NAME, the principal the server knows this key or certificate by"));
  if (cert) {
    bool listed = false;
    std::string all;
    for (std::string_view p : cert->principals()) {
      listed = listed || p == name;
      // Appended piecewise: GCC 12 at -O3 reports a false -Wrestrict for `"," + std::string(p)`.
      if (!all.empty()) all += ',';
      all += p;
    }
    if (!listed) {
      mutauth::error e(errc::invalid_argument,
                       "the certificate does not list the principal this client asserts, ");
      e.append(name);
      e.append(" (it lists ");
      e.append(all);
      e.append(")");
      config_error("certificate " + o.identity + "-cert.pub",
                   e.with_hint("give --name with one of the certificate's principals"));
    }
  }
  return name;
}

// ---------------- authorization (server) ----------------
struct AllowList {
  std::vector<std::string> names;
  bool operator()(const Principal& p) const {
    const auto full = p.to_string();
    for (const auto& n : names)
      if (n == p.name.view() || n == full.view()) return true;
    return false;
  }
};

AllowList make_allow_list(const Options& o) {
  AllowList a{o.allow};
  if (!o.allow_file.empty()) {
    std::istringstream in(slurp(o.allow_file));
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      a.names.push_back(line);
    }
  }
  if (a.names.empty())
    std::fprintf(stderr,
                 "mutauth: warning: no --allow or --allow-file: every client will be refused after "
                 "authentication\n");
  return a;
}

std::mutex g_out_mutex;

void write_out(bytes_view data) {
  std::lock_guard<std::mutex> lock(g_out_mutex);
  std::fwrite(data.data(), 1, data.size(), stdout);
  std::fflush(stdout);
}

void report_failure(const std::string& who, const cli::Failure& f) {
  std::lock_guard<std::mutex> lock(g_out_mutex);
  std::string text = error_text(f.err);
  // After the handshake, a truncation or the peer's sealed alert says it all in its detail.
  if ((f.where == "session" || f.where == "busy") &&
      (f.err.code() == errc::truncation || f.err.code() == errc::peer_alert)) {
    text = std::string(f.err.detail());
    if (!f.err.hint().empty()) text += "\n  hint: " + cli::cli_hint(f.err.hint());
  }
  if (f.where == "busy") {  // the server shed this connection: not an authentication failure
    std::fprintf(stderr, "mutauth: %sserver busy: %s\n", who.c_str(), text.c_str());
    return;
  }
  std::fprintf(stderr, "mutauth: %s%s failed: %s\n", who.c_str(), f.where.c_str(), text.c_str());
  // "authentication": the peer's alert ended the handshake (the client's view of a refusal).
  if (f.where == "handshake" || f.where == "authentication")
    std::fprintf(stderr, "mutauth: %sno application data was sent or accepted\n", who.c_str());
}

void report_note(const std::string& who, const char* what) {
  std::lock_guard<std::mutex> lock(g_out_mutex);
  std::fprintf(stderr, "mutauth: %s%s\n", who.c_str(), what);
}

template <class M>
void report_success(const std::string& who, const Session<M>& s, const cli::HandshakeStats& st,
                    std::size_t round_trips) {
  std::lock_guard<std::mutex> lock(g_out_mutex);
  std::fprintf(stderr,
               "mutauth: %sauthenticated mech=%.*s local=%s peer=%s messages=%zu round_trips=%zu "
               "bytes_sent=%zu bytes_received=%zu handshake_ms=%.2f\n",
               who.c_str(), static_cast<int>(s.mechanism().size()), s.mechanism().data(),
               s.local().to_string().c_str(), s.peer().to_string().c_str(), st.messages,
               round_trips, st.bytes_sent, st.bytes_received, st.millis);
}

// ---------------- client ----------------
// `self`: the principal this client asserts, for messages (empty when only the mechanism knows it).
template <class M>
int run_client(const Options& o, const ServicePrincipal& target,
               const typename M::InitiatorConfig& cfg, const std::string& self = {}) {
  cli::Endpoint ep;
  if (!cli::parse_endpoint(o.address, ep))
    usage_error("bad address '" + o.address + "' (HOST:PORT or [IPv6]:PORT)");
  std::string why;
  cli::Socket s = cli::connect_to(ep, cli::Deadline::in_seconds(o.connect_timeout), why);
  if (!s.valid()) {
    std::fprintf(stderr, "mutauth: cannot connect to %s: %s\n", o.address.c_str(), why.c_str());
    return exit_transport;
  }
  // The connection is done only after the server's last message (pk: message 4, krb5: the
  // AP-REP), which says it verified and admitted this client: application data flows only then (G1).
  Connection<M> conn(as_client, target, cfg);
  cli::PumpOptions po;
  po.in_fd = STDIN_FILENO;
  po.deliver = write_out;
  po.handshake_timeout = o.handshake_timeout;
  po.idle_timeout = o.idle_timeout;
  po.client = true;
  po.self = self;
  po.kerberos = M::name == std::string_view("krb5");
  bool established = false;
  cli::Failure f;
  const bool ok = cli::drive(
      conn, s, po,
      [&](const Session<M>& session, const cli::HandshakeStats& st) {
        established = true;
        // Flights the client waited for: the server's handshake replies.
        if (!o.quiet) report_success("", session, st, st.messages / 2 + st.messages % 2);
      },
      f);
  if (ok) return exit_ok;
  report_failure("", f);
  // A transport failure before the server's admission (message 4 / the AP-REP) is not a
  // refusal: nobody said no, the connection just failed. Still, nothing was sent.
  if (!established && f.io) report_note("", "no application data was sent or accepted");
  return f.io ? exit_transport : exit_auth;
}

// ---------------- server ----------------
template <class M>
struct CliServerLog {
  void failure(const std::string& who, const cli::Failure& f) { report_failure(who, f); }
  void success(const std::string& who, const Session<M>& s, const cli::HandshakeStats& st,
               std::size_t round_trips) {
    report_success(who, s, st, round_trips);
  }
  void note(const std::string& who, const std::string& what) { report_note(who, what.c_str()); }
  void line(const std::string& text) {
    std::lock_guard<std::mutex> lock(g_out_mutex);
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  void data(bytes_view b) { write_out(b); }
};

// --once: one client, this process's stdin and stdout piped through its session.
template <class M>
bool serve_one(const Options& o, cli::Socket s, const typename M::AcceptorConfig& cfg,
               AllowList& allow) {
  const std::string who = "[client 1] ";
  Connection<M> conn(as_server, cfg, Authorizer(allow));
  cli::PumpOptions po;
  po.in_fd = STDIN_FILENO;
  po.deliver = write_out;
  po.echo = o.echo;
  po.handshake_timeout = o.preauth_timeout;
  po.idle_timeout = o.idle_timeout;
  po.client = false;
  po.kerberos = M::name == std::string_view("krb5");
  cli::Failure f;
  const bool ok = cli::drive(
      conn, s, po,
      [&](const Session<M>& session, const cli::HandshakeStats& st) {
        if (!o.quiet) report_success(who, session, st, (st.messages + 1) / 2);
      },
      f);
  if (ok) return true;
  if (f.io && s.received == 0) {
    // A connection that closes before saying anything (a port probe) is not worth an alarm.
    if (!o.quiet) report_note(who, "closed before any handshake record");
    return false;
  }
  report_failure(who, f);
  return false;
}

// What a server admits, for its first line: the mechanism, or a negotiation's accepted ones.
template <class M>
std::string mech_list(const typename M::AcceptorConfig& cfg) {
  if constexpr (requires { M::names; }) {
    std::string s = std::string(M::name) + ":";
    const char* sep = " ";
    for (std::size_t i = 0; i < M::count; ++i) {
      if (!cfg.accepts(i)) continue;
      s += sep;
      s += std::string(M::names[i]);
      sep = ", ";
    }
    return s;
  } else {
    return std::string(M::name);
  }
}

template <class M>
int run_server(const Options& o, const typename M::AcceptorConfig& cfg) {
  cli::Endpoint ep;
  if (!cli::parse_endpoint(o.address, ep))
    usage_error("bad address '" + o.address + "' (HOST:PORT or [IPv6]:PORT)");
  std::string why;
  cli::Socket l = cli::listen_on(ep, why);
  if (!l.valid()) {
    std::fprintf(stderr, "mutauth: cannot listen on %s: %s\n", o.address.c_str(), why.c_str());
    return exit_transport;
  }
  AllowList allow = make_allow_list(o);
  if (!o.quiet)
    std::fprintf(stderr, "mutauth: listening on %s as %s (mech %s)\n", o.address.c_str(),
                 o.service.c_str(), mech_list<M>(cfg).c_str());
  if (o.once) {
    for (;;) {
      cli::Socket c = cli::accept_one(l, why);
      if (c.valid()) return serve_one<M>(o, std::move(c), cfg, allow) ? exit_ok : exit_auth;
      if (cli::g_stop) return exit_ok;
      std::fprintf(stderr, "mutauth: %s (still listening)\n", why.c_str());
    }
  }
  cli::ServerOptions so;
  so.preauth_timeout = o.preauth_timeout;
  so.idle_timeout = o.idle_timeout;
  so.max_preauth_per_source = o.max_preauth_per_source;
  so.startups_start = o.startups_start;
  so.startups_rate = o.startups_rate;
  so.startups_full = o.startups_full;
  so.max_clients = o.max_clients;
  so.echo = o.echo;
  so.quiet = o.quiet;
  CliServerLog<M> log;
  cli::EventServer<M, CliServerLog<M>> server(so, cfg, Authorizer(allow), log, l);
  std::size_t served = 0;
  const std::size_t failures = server.run(served);
  if (!o.quiet)
    std::fprintf(
        stderr, "mutauth: stopped after %zu connection(s), %zu of them failed or ended uncleanly\n",
        served, failures);
  return exit_ok;
}

void on_signal(int) { cli::g_stop = true; }

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR and the loops notice g_stop
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace

// Thousands of connections need thousands of descriptors: the soft limit goes up to the hard one.
void raise_nofile_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int main(int argc, char** argv) {
  Options o = cli::parse_args(argc, argv);
  if (o.command == "version") {
    print_version();
    return exit_ok;
  }
  install_signals();
  if (o.command == "listen") raise_nofile_limit();
  if (o.command == "inspect") {
    std::optional<AllowList> allow;
    if (!o.allow.empty() || !o.allow_file.empty()) allow = make_allow_list(o);
    return mutauth::cli::inspect(o.files, o.target, o.as_server, o.as_client, o.trust, o.krl,
                                 o.host_wide, o.name, allow ? &allow->names : nullptr);
  }

  // Which mechanisms: one (the wire protocol of that mechanism alone, as before), or a
  // negotiation over several (docs/protocol/negotiate.md), offered in the order given.
  const bool listen = o.command == "listen";
  const bool has_pk = !o.identity.empty();
  const bool has_krb5 = !o.keytab.empty() || (!listen && !o.ccache.empty());
  std::vector<std::string> mechs;
  if (o.mech == "auto" || (!o.mech_given && has_pk && has_krb5)) {
    if (has_pk) mechs.push_back("pk");
    if (has_krb5) mechs.push_back("krb5");
    if (mechs.empty())
      usage_error("--mech auto found no credentials: give --identity (pk) and/or --keytab" +
                  std::string(listen ? "" : " or --ccache") + " (krb5)");
  } else if (o.mech == "pk,krb5") {
    mechs = {"pk", "krb5"};
  } else if (o.mech == "krb5,pk") {
    mechs = {"krb5", "pk"};
  } else {
    mechs = {o.mech};
  }
  const bool negotiate = o.mech == "auto" || mechs.size() > 1;
  const bool want_pk = std::find(mechs.begin(), mechs.end(), "pk") != mechs.end();
  const bool want_krb5 = std::find(mechs.begin(), mechs.end(), "krb5") != mechs.end();
#if !MUTAUTH_CLI_WITH_KRB5
  if (want_krb5) {
    std::fprintf(stderr,
                 "mutauth: this build has no Kerberos support (install libkrb5-dev and rebuild)\n");
    return exit_config;
  }
#endif

  // Each mechanism's configuration, built once and outliving every handshake.
  PkMaterial m;
  pk::InitiatorConfig pk_icfg;
  std::optional<pk::AcceptorConfig> pk_acfg;
  if (want_pk) {
    load_pk(o, m, listen);
    if (!listen) {
      // The principal this client asserts (OpenSSH's rule): the server verifies it against our
      // certificate's principals or the principal our key is pinned for, then its allow list.
      m.local_name = client_principal(o, m);
      pk_icfg.identity = {&*m.key, m.local_name, m.cert};
      if (m.known_hosts) pk_icfg.trust = m.known_hosts->trust();
      pk_icfg.trust.allow_host_wide_credentials = o.host_wide;
      if (m.krl) pk_icfg.trust.revoked = &*m.krl;
      if (auto v = pk::validate(pk_icfg); !v)
        config_error("--identity " + o.identity + " cannot prove " + m.local_name, v.error_value());
    } else {
      pk_acfg.emplace(pk::AcceptorConfig{.identity = {&*m.key, {}, m.cert},
                                         .service = parse_spn("--service", o.service),
                                         .trust = {},
                                         .channel_binding = {}});
      if (m.authorized_keys) pk_acfg->trust = m.authorized_keys->trust();
      if (m.krl) pk_acfg->trust.revoked = &*m.krl;
      // Repeat clients skip only the CA signature already verified (pk/verify_cache.hpp); trust,
      // validity, KRL, principals and the proof signature are checked on every handshake.
      static pk::FixedVerifyCache<64> cert_cache;
      pk_acfg->trust.cert_cache = &cert_cache;
      // Refuse to start when these credentials can never prove --service.
      if (auto v = pk::validate(*pk_acfg, o.host_wide); !v)
        config_error("--identity " + o.identity + " cannot prove --service " + o.service,
                     v.error_value());
    }
  }
#if MUTAUTH_CLI_WITH_KRB5
  krb5::InitiatorConfig krb5_icfg;
  std::optional<krb5::AcceptorConfig> krb5_acfg;
  if (want_krb5) {
    if (!listen) {
      krb5_icfg.ccache = o.ccache;
      krb5_icfg.client_keytab = o.keytab;
      // A client keytab names who we are; without a ccache of its own, tickets of whoever else is
      // in the default ccache would be used instead. A private in-memory ccache keeps them apart.
      static const std::string private_ccache = "MEMORY:mutauth-cli-" + std::to_string(::getpid());
      if (!o.keytab.empty() && o.ccache.empty()) krb5_icfg.ccache = private_ccache;
    } else {
      krb5_acfg.emplace(krb5::AcceptorConfig{parse_spn("--service", o.service), o.keytab});
      if (auto v = krb5::validate(*krb5_acfg); !v)
        config_error("--keytab " + (o.keytab.empty() ? std::string("(default)") : o.keytab) +
                         " cannot prove --service " + o.service,
                     v.error_value());
    }
  }
  if (negotiate) {
    using N = Negotiate<pk::PublicKey, krb5::Kerberos>;
    if (!listen) {
      N::InitiatorConfig cfg;
      for (const std::string& mech : mechs) {
        if (mech == "pk") cfg.offer<pk::PublicKey>(pk_icfg);
        else cfg.offer<krb5::Kerberos>(krb5_icfg);
      }
      return run_client<N>(o, parse_spn("--target", o.target), cfg,
                           want_pk ? m.local_name : std::string());
    }
    N::AcceptorConfig cfg;
    if (want_pk) cfg.accept<pk::PublicKey>(*pk_acfg);
    if (want_krb5) cfg.accept<krb5::Kerberos>(*krb5_acfg);
    return run_server<N>(o, cfg);
  }
  if (want_krb5) {
    if (!listen) return run_client<krb5::Kerberos>(o, parse_spn("--target", o.target), krb5_icfg);
    return run_server<krb5::Kerberos>(o, *krb5_acfg);
  }
#else
  if (negotiate) {
    using N = Negotiate<pk::PublicKey>;
    if (!listen) {
      N::InitiatorConfig cfg;
      cfg.offer<pk::PublicKey>(pk_icfg);
      return run_client<N>(o, parse_spn("--target", o.target), cfg, m.local_name);
    }
    N::AcceptorConfig cfg;
    cfg.accept<pk::PublicKey>(*pk_acfg);
    return run_server<N>(o, cfg);
  }
#endif
  if (!listen)
    return run_client<pk::PublicKey>(o, parse_spn("--target", o.target), pk_icfg, m.local_name);
  return run_server<pk::PublicKey>(o, *pk_acfg);
}
