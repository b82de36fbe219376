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
#include <tuple>
#include <type_traits>
#include <vector>

#include "inspect.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/negotiate.hpp"
#include "mutauth/version.hpp"
// The mechanisms' loaders (config.hpp mech_loader), one include each; the list itself, and each
// mechanism's options, are mechanisms.hpp's.
#include "mech_krb5.hpp"
#include "mech_pk.hpp"
#ifdef MUTAUTH_CLI_TEST_MECHANISM_LOADER
#include MUTAUTH_CLI_TEST_MECHANISM_LOADER  // tests/mechanism: a test-only third mechanism
#endif
#include "error_text.hpp"
#include "event_server.hpp"
#include "net.hpp"
#include "options.hpp"
#include "session_io.hpp"

namespace cli = mutauth::cli;
using namespace mutauth;

namespace {

// Which traits of the list (mechanisms.hpp) this build has a loader for.
template <class F>
concept built = requires {
  typename cli::mech_loader<F>::Mech;
};

// The library's version, then the wire protocols this build speaks (each versioned on its own),
// then the mechanisms it was built without.
void print_version() {
  std::string built_names, missing;
  cli::cli_mechanisms::each([&]<class F>() {
    if constexpr (built<F>) {
      if (!built_names.empty()) built_names += ", ";
      built_names += std::string(cli::mech_loader<F>::Mech::name);
    } else {
      missing += std::string("; built without ") + F::word;
    }
  });
  std::printf("mutauth %s (%s%s)\n", mutauth::version_string, built_names.c_str(), missing.c_str());
}

using cli::exit_auth;
using cli::exit_config;
using cli::exit_ok;
using cli::exit_transport;
using cli::Options;
using cli::usage_error;

using cli::error_text;

using cli::parse_spn;
using cli::slurp;

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
  po.hints = &cli::alert_hints(M::name);
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
  po.hints = &cli::alert_hints(M::name);
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

// The traits of a list that this build has loaders for, as a list.
template <class Out, class... In>
struct filter_built {
  using type = Out;
};
template <class... Out, class F, class... In>
struct filter_built<cli::mech_list<Out...>, F, In...> {
  using type = typename filter_built<
      std::conditional_t<built<F>, cli::mech_list<Out..., F>, cli::mech_list<Out...>>, In...>::type;
};
template <class L>
struct built_of;
template <class... Fs>
struct built_of<cli::mech_list<Fs...>> {
  using type = typename filter_built<cli::mech_list<>, Fs...>::type;
};
template <class L>
using built_mechanisms = typename built_of<L>::type;

// Each wanted mechanism's credentials, loaded once in list order and outliving every handshake;
// then the client or the server of that mechanism, or of a negotiation over them.
template <class... Fs>
int run_mechanisms(cli::mech_list<Fs...>, const Options& o, const std::vector<std::string>& mechs,
                   bool negotiate, bool listen) {
  auto wanted = [&](const char* word) {
    return std::find(mechs.begin(), mechs.end(), word) != mechs.end();
  };
  std::tuple<std::optional<cli::mech_loader<Fs>>...> loaders;
  std::string self;  // the principal this client asserts, for messages: the first one known
  (
      [&] {
        if (!wanted(Fs::word)) return;
        auto& l = std::get<std::optional<cli::mech_loader<Fs>>>(loaders).emplace();
        l.load(o, listen);
        if (self.empty()) self = l.self();
      }(),
      ...);
  auto loader = [&]<class F>() -> const cli::mech_loader<F>& {
    return *std::get<std::optional<cli::mech_loader<F>>>(loaders);
  };
  if (negotiate) {
    using N = Negotiate<typename cli::mech_loader<Fs>::Mech...>;
    if (!listen) {
      typename N::InitiatorConfig cfg;
      for (const std::string& mech : mechs)
        (
            [&] {
              if (mech == Fs::word)
                cfg.template offer<typename cli::mech_loader<Fs>::Mech>(
                    loader.template operator()<Fs>().initiator());
            }(),
            ...);
      return run_client<N>(o, parse_spn("--target", o.target), cfg, self);
    }
    typename N::AcceptorConfig cfg;
    (
        [&] {
          if (wanted(Fs::word))
            cfg.template accept<typename cli::mech_loader<Fs>::Mech>(
                loader.template operator()<Fs>().acceptor());
        }(),
        ...);
    return run_server<N>(o, cfg);
  }
  int rc = exit_config;
  (
      [&] {
        if (mechs.front() != Fs::word) return;
        using M = typename cli::mech_loader<Fs>::Mech;
        const auto& l = loader.template operator()<Fs>();
        rc = listen ? run_server<M>(o, l.acceptor())
                    : run_client<M>(o, parse_spn("--target", o.target), l.initiator(), l.self());
      }(),
      ...);
  return rc;
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
  std::vector<std::string> has, mechs;
  std::string give;
  cli::cli_mechanisms::each([&]<class F>() {
    if (F::has_credentials(o, listen)) has.emplace_back(F::word);
    if (!give.empty()) give += " and/or ";
    give += F::credential_flags(listen) + " (" + F::word + ")";
  });
  if (o.mech == "auto" || (!o.mech_given && has.size() > 1)) {
    mechs = has;
    if (mechs.empty()) usage_error("--mech auto found no credentials: give " + give);
  } else {
    std::stringstream words(o.mech);  // a list, checked by options.hpp (one_of_mechs)
    for (std::string w; std::getline(words, w, ',');) mechs.push_back(w);
  }
  const bool negotiate = o.mech == "auto" || mechs.size() > 1;
  int missing = 0;
  cli::cli_mechanisms::each([&]<class F>() {
    if constexpr (!built<F>) {
      if (missing == 0 && std::find(mechs.begin(), mechs.end(), F::word) != mechs.end()) {
        std::fprintf(stderr, "mutauth: %s\n", F::not_built);
        missing = 1;
      }
    }
  });
  if (missing != 0) return exit_config;
  return run_mechanisms(built_mechanisms<cli::cli_mechanisms>{}, o, mechs, negotiate, listen);
}
