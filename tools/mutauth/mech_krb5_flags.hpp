// mutauth CLI: the command line of Kerberos v5 (docs/kerberos.md), a trait of the list in
// mechanisms.hpp: its --mech word, its options, its lines of the usage text, and the hints of a
// refusal (session_io.hpp alert_error). Library-free; mech_krb5.hpp loads credentials.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "mech_command.hpp"

namespace mutauth::cli {

struct Krb5Flags {
  static constexpr const char* word = "krb5";
  /// The mechanism's name on the wire and in Principal::mechanism (its Mech::name).
  static constexpr const char* wire_name = "krb5";
  struct values {
    std::string keytab, ccache;
  };
  static constexpr const char* usage =
      "krb5:        --keytab FILE                    service keytab (listen) / client keytab "
      "(connect)\n"
      "             --ccache NAME                    credential cache (connect)\n";
  /// Its credential flags in the --mech line of the usage text, for listen and for connect.
  static constexpr const char* usage_listen_flags = "--keytab";
  static constexpr const char* usage_connect_flags = "--keytab/--ccache";
  static std::string credential_flags(bool listen) {
    return listen ? "--keytab" : "--keytab or --ccache";
  }
  /// A server needs a keytab; a client a keytab or a credential cache.
  static bool has_credentials(const values& v, bool listen) {
    return !v.keytab.empty() || (!listen && !v.ccache.empty());
  }
  template <class Add>
  static void add_options(CLI::App& app, const Add& add, values& v) {
    using namespace detail;
    add(for_listen | for_connect, "krb5", [&] {
      return app
          .add_option("--keytab", v.keytab, "service keytab (listen) / client keytab (connect)")
          ->type_name("FILE");
    });
    add(for_connect, "krb5", [&] {
      return app.add_option("--ccache", v.ccache, "credential cache")->type_name("NAME");
    });
  }
  /// Why a client of this mechanism alone cannot take --name (nullptr: it can).
  static constexpr const char* name_refused =
      "--name is for --mech pk: a Kerberos client is the principal of its ticket (--keytab, "
      "--ccache)";
  static constexpr const char* not_built =
      "this build has no Kerberos support (install libkrb5-dev and rebuild)";
  static constexpr const char* hint_unauthorized =
      "ask the server's operator to admit your Kerberos principal, realm included (mutauth listen "
      "--allow user@REALM; klist shows yours)";
  static constexpr const char* hint_server_failed =
      "the peer's log says why; check that its keytab holds the current key of the service "
      "principal you demand (klist -k on the server, kvno SPN here), that it accepts your realm, "
      "and that both clocks agree";
  static constexpr const char* hint_client_refused =
      "the client's log says why; check the service principal it demands (--target) and that this "
      "server's keytab holds it (klist -k)";
};

}  // namespace mutauth::cli
