// TEST ONLY. The command-line trait of a third mechanism, alt-pk/1 (tests/support/pk_alias.hpp:
// mutauth-pk/1 under another name), for the tool built by tests/mechanism/CMakeLists.txt: it
// shows that a mechanism added as data (docs/adding-a-mechanism.md) reaches --mech, --help,
// --version and the handshake without the generic CLI naming it. Its own options, so that its
// credentials are told apart from pk's on one command line.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "mech_command.hpp"

namespace mutauth::testing {

struct AltPkFlags {
  static constexpr const char* word = "altpk";
  static constexpr const char* wire_name = "alt-pk/1";
  struct values {
    std::string alt_identity, alt_trust;
  };
  static constexpr const char* usage =
      "altpk:       --alt-identity KEYFILE           test only: pk's --identity, for alt-pk/1\n"
      "             --alt-trust FILE                 test only: pk's --trust, for alt-pk/1\n";
  static constexpr const char* usage_listen_flags = "--alt-identity";
  static constexpr const char* usage_connect_flags = "--alt-identity";
  static std::string credential_flags(bool /*listen*/) { return "--alt-identity"; }
  static bool has_credentials(const values& v, bool /*listen*/) { return !v.alt_identity.empty(); }
  template <class Add>
  static void add_options(CLI::App& app, const Add& add, values& v) {
    using namespace cli::detail;
    add(for_listen | for_connect, "altpk", [&] {
      return app.add_option("--alt-identity", v.alt_identity, "alt-pk/1: pk's --identity")
          ->type_name("KEYFILE");
    });
    add(for_listen | for_connect, "altpk", [&] {
      return app.add_option("--alt-trust", v.alt_trust, "alt-pk/1: pk's --trust")
          ->type_name("FILE");
    });
  }
  static constexpr const char* name_refused = nullptr;
  static constexpr const char* not_built = "this build has no alt-pk/1";
  static constexpr const char* hint_unauthorized = "alt-pk/1: ask for --allow";
  static constexpr const char* hint_server_failed = "alt-pk/1: the server's log says why";
  static constexpr const char* hint_client_refused = "alt-pk/1: the client's log says why";
};

}  // namespace mutauth::testing

#define MUTAUTH_CLI_TEST_MECHANISM ::mutauth::testing::AltPkFlags
