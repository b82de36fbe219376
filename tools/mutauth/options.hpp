// mutauth CLI: the command line, parsed by CLI11 (Debian's libcli11-dev) into Options. CLI11
// matches flags to values and subcommands and generates each subcommand's --help; the checks that
// need several options at once (a listen without --service, --name on a server) run after it, in
// parse_args. Every failure is a usage error (exit 2) whose first line names the flag. The flags,
// defaults and exit statuses are those README.md documents ("The `mutauth` tool").
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "mechanisms.hpp"

namespace mutauth::cli {

constexpr int exit_ok = 0, exit_auth = 1, exit_usage = 2, exit_transport = 3, exit_config = 4;

namespace detail {

inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace detail

/// The overview (`mutauth --help`). The mechanism lines come from the traits (mechanisms.hpp).
inline const std::string& usage_text() {
  static const std::string text = [] {
    std::vector<std::string> listen_flags, connect_flags, sections;
    cli_mechanisms::each([&]<class T>() {
      listen_flags.emplace_back(T::usage_listen_flags);
      connect_flags.emplace_back(T::usage_connect_flags);
      sections.emplace_back(T::usage);
    });
    const std::vector<std::string> words = mech_words();
    const char* pad = "                                              ";
    std::string s =
        "usage:\n"
        "  mutauth listen ADDR:PORT --service SPN [--allow PRINCIPAL]... [options]\n"
        "  mutauth connect ADDR:PORT --target SPN [options]\n"
        "  mutauth inspect FILE... [--target SPN | --as-server | --as-client [--name NAME] "
        "[--allow "
        "PRINCIPAL]...]\n"
        "                  [--trust FILE] [--krl FILE]\n"
        "  mutauth --version\n"
        "  mutauth COMMAND --help                       the options of listen, connect or inspect\n"
        "\n";
    s += "mechanism:   --mech " + detail::join(mech_values(), "|") + "   (default " +
         words.front() + "; listen with " + detail::join(listen_flags, " and ") + ",\n" + pad +
         "or connect with " + detail::join(connect_flags, " and ") + ": " +
         detail::join(words, ",") + ")\n";
    s += std::string(pad) + "a list negotiates (docs/protocol/negotiate.md): connect\n" + pad +
         "offers them in that order, listen admits each; auto: those\n" + pad +
         "this side has credentials for\n";
    for (const std::string& section : sections) s += section;
    s +=
        "server:      --service SPN                    the service principal this server proves\n"
        "             --allow PRINCIPAL, --allow-file FILE   who is admitted (nobody without "
        "them)\n"
        "             --echo                           send back what each client sends\n"
        "             --once                           serve one client, with stdin/stdout piped, "
        "then "
        "exit\n"
        "             --max-clients N                  authenticated sessions served at once "
        "(default "
        "64)\n"
        "pre-auth:    --preauth-timeout S              a connection must authenticate within S "
        "seconds "
        "(5;\n"
        "                                              --handshake-timeout is its alias for "
        "listen)\n"
        "             --max-preauth-per-source N       unauthenticated connections per source "
        "address "
        "(10)\n"
        "             --max-startups START:RATE:FULL   beyond START unauthenticated connections, "
        "drop "
        "new ones with\n"
        "                                              probability RATE% rising to 100% at FULL "
        "(100:30:1000)\n"
        "             a dropped connection is told `busy` (the client says \"server busy ... try "
        "again "
        "later\");\n"
        "             authenticated sessions are never dropped for pre-authentication pressure\n"
        "client:      --target SPN                     the service principal you demand (never "
        "derived "
        "from ADDR)\n"
        "             --name NAME, --as NAME           pk: the principal this client asserts (the "
        "server verifies it\n"
        "                                              against its certificate or pinned key, then "
        "its "
        "--allow list);\n"
        "                                              default: the certificate's principal if it "
        "lists exactly one,\n"
        "                                              else the key's comment (ssh-keygen -C)\n"
        "timeouts:    --connect-timeout S (10)  --handshake-timeout S (10; listen: "
        "--preauth-timeout)\n"
        "             --idle-timeout S (300, 0 = none)\n"
        "             -q, --quiet                      no success line on stderr\n"
        "\n"
        "After the handshake every record is sealed, closes and alerts included: a connection that "
        "ends\n"
        "without the peer's sealed close may have been truncated, and is reported as a failure.\n"
        "exit status: 0 ok; 1 authentication, authorization or session failure (a peer's alert, a "
        "forged\n"
        "record); 2 usage; 3 transport (including a connection cut before the peer's sealed close, "
        "and "
        "a\n"
        "server too busy to take the connection);\n"
        "4 configuration\n";
    return s;
  }();
  return text;
}

/// Every option's value: the generic ones here, each mechanism's in its trait's `values`.
struct Options : cli_mechanisms::values {
  std::string command, address;  // command: listen, connect, inspect or version
  std::vector<std::string> files;
  std::string mech = mech_words().front();
  bool mech_given = false;
  std::string service, target, allow_file, name;
  std::vector<std::string> allow;
  bool echo = false, once = false, quiet = false, as_server = false, as_client = false;
  int max_clients = 64;
  int max_preauth_per_source = 10, startups_start = 100, startups_rate = 30, startups_full = 1000;
  double connect_timeout = 10, handshake_timeout = 10, idle_timeout = 300;
  double preauth_timeout = 5;
};

[[noreturn]] inline void usage_error(const std::string& msg) {
  std::fprintf(stderr, "mutauth: %s\n\n%s", msg.c_str(), usage_text().c_str());
  std::exit(exit_usage);
}

namespace detail {

/// A whole decimal number in [min, INT_MAX], all of the text: never atoi's silent 0 for "abc".
inline bool parse_int(const std::string& text, int min, int& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end && out >= min;
}

/// CLI11 runs a validator on the text before converting it: the message names the flag
/// ("--max-clients: ..."), as a usage error must.
inline CLI::Validator whole_number(int min) {
  return {[min](std::string& v) -> std::string {
            int n = 0;
            if (parse_int(v, min, n)) return {};
            return "takes a whole number of at least " + std::to_string(min) + ", not '" + v + "'";
          },
          ""};
}

inline CLI::Validator seconds() {
  return {[](std::string& v) -> std::string {
            double d = 0;
            const char* end = v.data() + v.size();
            auto [p, ec] = std::from_chars(v.data(), end, d);
            if (ec == std::errc{} && p == end && std::isfinite(d) && d >= 0) return {};
            return "takes a number of seconds (0 or more), not '" + v + "'";
          },
          ""};
}

inline CLI::Validator one_of_mechs() {
  return {[](std::string& v) -> std::string {
            const std::vector<std::string> values = mech_values();
            for (const std::string& m : values)
              if (v == m) return {};
            std::vector<std::string> head(values.begin(), values.end() - 1);
            return "is " + join(head, ", ") + " or " + values.back() + ", not '" + v + "'";
          },
          ""};
}

inline CLI::Validator non_empty(const char* what) {
  return {[what](std::string& v) -> std::string {
            return v.empty() ? std::string("needs ") + what : std::string();
          },
          ""};
}

/// START:RATE:FULL of --max-startups (sshd's MaxStartups): 1 <= START <= FULL, 0 <= RATE <= 100.
inline void parse_startups(const std::string& v, Options& o) {
  const auto c1 = v.find(':');
  const auto c2 = c1 == std::string::npos ? c1 : v.find(':', c1 + 1);
  int st = 0, rate = 0, full = 0;
  if (c2 == std::string::npos || !parse_int(v.substr(0, c1), 1, st) ||
      !parse_int(v.substr(c1 + 1, c2 - c1 - 1), 0, rate) || rate > 100 ||
      !parse_int(v.substr(c2 + 1), st, full))
    throw CLI::ValidationError(
        "--max-startups",
        "takes START:RATE:FULL (1 <= START <= FULL, 0 <= RATE <= 100), e.g. 100:30:1000, not '" +
            v + "'");
  o.startups_start = st;
  o.startups_rate = rate;
  o.startups_full = full;
}

/// Every subcommand takes every option, as the tool always has (scripts pass one set to several
/// commands): an option another command needs is accepted and ignored, and is listed apart in this
/// command's --help; the checks in parse_args refuse the combinations that mean a mistake.
inline void add_options(CLI::App& app, unsigned command, bool ours, Options& o) {
  // Two passes (ours, then the others'): --help lists groups in the order they were made.
  auto add = [command, ours](unsigned used, const char* name, auto make) {
    if (((used & command) != 0) == ours)
      make()->group(ours ? name : "accepted, but for other commands");
  };
  auto seconds_option = [&app](const char* flag, double& value, const char* what) {
    return app.add_option(flag, value, what)
        ->check(seconds())
        ->type_name("S")
        ->capture_default_str();
  };
  // Both names set both timeouts (--handshake-timeout is the listen alias, --preauth-timeout the
  // connect one): triggered as parsed, so the last one given wins.
  auto handshake = [&o](double s) { o.handshake_timeout = o.preauth_timeout = s; };

  add(for_listen | for_connect, "mechanism", [&] {
    return app
        .add_option("--mech", o.mech,
                    join(mech_words(), ", ") +
                        ", auto, or a list to negotiate in that order "
                        "(docs/protocol/negotiate.md)")
        ->check(one_of_mechs())
        ->type_name(join(mech_values(), "|"))
        ->capture_default_str();
  });
  // Each mechanism's options, in the order of the list (mechanisms.hpp).
  cli_mechanisms::each(
      [&]<class T>() { T::add_options(app, add, static_cast<typename T::values&>(o)); });
  add(for_listen, "server", [&] {
    return app.add_option("--service", o.service, "the service principal this server proves")
        ->type_name("SPN");
  });
  // One principal per --allow: a vector option would otherwise swallow ADDR:PORT after it.
  add(for_listen | for_inspect, "server", [&] {
    return app
        .add_option("--allow", o.allow, "a principal admitted (repeatable; nobody without any)")
        ->type_name("PRINCIPAL")
        ->allow_extra_args(false);
  });
  add(for_listen | for_inspect, "server", [&] {
    return app
        .add_option("--allow-file", o.allow_file,
                    "principals admitted, one a line ('#' starts a comment)")
        ->type_name("FILE");
  });
  add(for_listen, "server",
      [&] { return app.add_flag("--echo", o.echo, "send back what each client sends"); });
  add(for_listen, "server", [&] {
    return app.add_flag("--once", o.once, "serve one client, with stdin/stdout piped, then exit");
  });
  add(for_listen, "server", [&] {
    return app.add_option("--max-clients", o.max_clients, "authenticated sessions served at once")
        ->check(whole_number(1))
        ->type_name("N")
        ->capture_default_str();
  });
  add(for_listen, "pre-auth", [&] {
    return app
        .add_option_function<double>("--preauth-timeout", handshake,
                                     "a connection must authenticate within S seconds (5)")
        ->check(seconds())
        ->type_name("S")
        ->trigger_on_parse();
  });
  add(for_listen, "pre-auth", [&] {
    return app
        .add_option("--max-preauth-per-source", o.max_preauth_per_source,
                    "unauthenticated connections at once per source address")
        ->check(whole_number(1))
        ->type_name("N")
        ->capture_default_str();
  });
  add(for_listen, "pre-auth", [&] {
    return app
        .add_option_function<std::string>(
            "--max-startups", [&o](const std::string& v) { parse_startups(v, o); },
            "beyond START unauthenticated connections, drop new ones with probability RATE% "
            "rising to 100% at FULL (100:30:1000)")
        ->type_name("START:RATE:FULL");
  });
  add(for_connect | for_inspect, "client", [&] {
    return app
        .add_option("--target", o.target,
                    "the service principal you demand (never derived from ADDR)")
        ->type_name("SPN");
  });
  add(for_connect | for_inspect, "client", [&] {
    return app
        .add_option("--name,--as", o.name,
                    "pk: the principal this client asserts (default: the certificate's one "
                    "principal, else the key's comment)")
        ->type_name("NAME")
        ->check(non_empty("a non-empty principal"));
  });
  add(for_inspect, "inspect", [&] {
    return app.add_flag("--as-server", o.as_server, "check FILE as a client would check a server");
  });
  add(for_inspect, "inspect", [&] {
    return app.add_flag("--as-client", o.as_client, "check FILE as a server would check a client");
  });
  add(for_connect, "timeouts",
      [&] { return seconds_option("--connect-timeout", o.connect_timeout, "seconds to connect"); });
  add(for_listen | for_connect, "timeouts", [&] {
    return app
        .add_option_function<double>("--handshake-timeout", handshake,
                                     "seconds to authenticate (10; listen: --preauth-timeout)")
        ->check(seconds())
        ->type_name("S")
        ->trigger_on_parse();
  });
  add(for_listen | for_connect, "timeouts", [&] {
    return seconds_option("--idle-timeout", o.idle_timeout,
                          "an authenticated session without traffic for S seconds ends (0 = none)");
  });
  add(for_listen | for_connect, "output",
      [&] { return app.add_flag("-q,--quiet", o.quiet, "no success line on stderr"); });
}

/// A CLI11 parse error in the words of the tool's usage errors: the flag first.
inline std::string parse_error_text(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* sub = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const std::vector<std::string> extra = (sub != nullptr ? sub : &app)->remaining();
    if (!extra.empty()) {
      const std::string& a = extra.front();
      if (sub == nullptr && (a.empty() || a[0] != '-')) return "unknown command '" + a + "'";
      if (!a.empty() && a[0] == '-') return "unknown option " + a;
      return "unexpected argument '" + a + "'";
    }
  }
  return e.what();
}

}  // namespace detail

/// The options, or an exit: 0 after --help, 2 (usage_error) for anything CLI11 or the checks
/// below refuse. `command` "version" asks the caller to print the version.
inline Options parse_args(int argc, char** argv) {
  Options o;
  if (argc < 2) usage_error("no command");
  CLI::App app("mutauth: mutual authentication over TCP, and inspect for deployment trouble",
               "mutauth");
  // The last of a repeated option wins, as it always has (scripts append overrides).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_help_flag("-h,--help", "the options of this command");
  bool version = false;
  app.add_flag("--version", version, "the library version and the protocols this build speaks");
  app.require_subcommand(0, 1);
  struct Command {
    const char* name;
    const char* what;
    unsigned bit;
  };
  for (const Command c :
       {Command{"listen", "serve clients that authenticate, and admit those --allow names",
                detail::for_listen},
        Command{"connect", "authenticate with a server, then pipe stdin/stdout through the session",
                detail::for_connect},
        Command{"inspect", "say what each file is, and whether it would be accepted",
                detail::for_inspect}}) {
    CLI::App* sub = app.add_subcommand(c.name, c.what);
    sub->footer(
        "exit status: 0 ok; 1 authentication, authorization or session failure; 2 usage;\n"
        "3 transport; 4 configuration. `mutauth --help` explains more.");
    if (c.bit == detail::for_inspect)
      sub->add_option("FILE", o.files, "keys, certificates, KRLs, known_hosts, authorized_keys")
          ->type_name("");
    else sub->add_option("ADDR:PORT", o.address, "HOST:PORT or [IPv6]:PORT")->type_name("");
    detail::add_options(*sub, c.bit, true, o);
    detail::add_options(*sub, c.bit, false, o);
  }
  // `mutauth help` and `mutauth version`, words the tool has always taken as well as the flags.
  CLI::App* help_cmd = app.add_subcommand("help")->group("");
  CLI::App* version_cmd = app.add_subcommand("version")->group("");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (app.get_subcommands().empty()) std::fputs(usage_text().c_str(), stdout);
    else std::fputs(app.help().c_str(), stdout);  // CLI11's help of the subcommand given
    std::exit(exit_ok);
  } catch (const CLI::ParseError& e) {
    usage_error(detail::parse_error_text(app, e));
  }
  if (help_cmd->parsed()) {
    std::fputs(usage_text().c_str(), stdout);
    std::exit(exit_ok);
  }
  if (version || version_cmd->parsed()) {
    o.command = "version";
    return o;
  }
  if (app.get_subcommands().empty()) usage_error("no command");
  o.command = app.get_subcommands().front()->get_name();
  o.mech_given = app.get_subcommands().front()->count("--mech") > 0;

  if (o.command != "inspect" && o.address.empty()) usage_error("no ADDR:PORT");
  if (o.command == "connect" && o.target.empty())
    usage_error(
        "--target is required: the service principal you demand, e.g. host/server.example.test");
  if (o.command == "listen" && o.service.empty())
    usage_error("--service is required: the service principal this server proves");
  if (o.command == "inspect" && o.files.empty()) usage_error("inspect needs at least one file");
  if (o.command == "inspect" && (!o.allow.empty() || !o.allow_file.empty()) && !o.as_client)
    usage_error(
        "inspect takes --allow/--allow-file only with --as-client: whether a client certificate's "
        "principal would be admitted");
  if (!o.name.empty() && o.command == "listen")
    usage_error("--name is for clients: a server proves its --service");
  // A mechanism whose client cannot choose the name it asserts refuses --name (its trait says why).
  cli_mechanisms::each([&]<class T>() {
    if constexpr (T::name_refused != nullptr) {
      if (!o.name.empty() && o.mech == T::word) usage_error(T::name_refused);
    }
  });
  return o;
}

}  // namespace mutauth::cli
