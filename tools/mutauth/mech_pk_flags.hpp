// mutauth CLI: the command line of mutauth-pk/1 (docs/protocol/mutauth-pk.md), a trait of the
// list in mechanisms.hpp: its --mech word, its options, its lines of the usage text, and the
// hints of a refusal (session_io.hpp alert_error). Library-free; mech_pk.hpp loads credentials.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "mech_command.hpp"

namespace mutauth::cli {

struct PkFlags {
  static constexpr const char* word = "pk";
  /// The mechanism's name on the wire and in Principal::mechanism (its Mech::name).
  static constexpr const char* wire_name = "mutauth-pk/1";
  struct values {
    std::string identity, trust, krl;
    bool host_wide = false;
  };
  /// Its lines of the usage text (options.hpp usage_text()), after "mechanism:".
  static constexpr const char* usage =
      "pk:          --identity KEYFILE               Ed25519 key from ssh-keygen; KEYFILE-cert.pub "
      "is used when present\n"
      "             --trust FILE                     known_hosts syntax (connect) / "
      "authorized_keys "
      "syntax (listen)\n"
      "             --krl FILE                       OpenSSH key revocation list (ssh-keygen -k)\n"
      "             --host-wide                      a bare host-name certificate principal proves "
      "any service on that host\n";
  /// Its credential flags in the --mech line of the usage text, for listen and for connect.
  static constexpr const char* usage_listen_flags = "--identity";
  static constexpr const char* usage_connect_flags = "--identity";
  /// The flags that give this mechanism credentials, for the --mech auto message and usage text.
  static std::string credential_flags(bool /*listen*/) { return "--identity"; }
  static bool has_credentials(const values& v, bool /*listen*/) { return !v.identity.empty(); }
  /// `add(commands, group, make)` registers one option (options.hpp add_options).
  template <class Add>
  static void add_options(CLI::App& app, const Add& add, values& v) {
    using namespace detail;
    add(for_listen | for_connect, "pk", [&] {
      return app
          .add_option("--identity", v.identity,
                      "Ed25519 key from ssh-keygen; KEYFILE-cert.pub is used when present")
          ->type_name("KEYFILE");
    });
    add(for_all, "pk", [&] {
      return app
          .add_option("--trust", v.trust,
                      "known_hosts syntax (connect) / authorized_keys syntax (listen)")
          ->type_name("FILE");
    });
    add(for_all, "pk", [&] {
      return app.add_option("--krl", v.krl, "OpenSSH key revocation list (ssh-keygen -k)")
          ->type_name("FILE");
    });
    add(for_all, "pk", [&] {
      return app.add_flag("--host-wide", v.host_wide,
                          "a bare host-name certificate principal proves any service on that host");
    });
  }
  /// Said when this build lacks the mechanism (never: the CLI needs pk).
  /// Why a client of this mechanism alone cannot take --name (nullptr: it can).
  static constexpr const char* name_refused = nullptr;
  static constexpr const char* not_built = "this build has no mutauth-pk support";
  /// The hints of a peer's clear alert during the handshake (session_io.hpp alert_error).
  static constexpr const char* hint_unauthorized =
      "ask the server's operator to admit your principal (mutauth listen --allow)";
  static constexpr const char* hint_server_failed =
      "the peer's log says why; check that it trusts your key, certificate or principal (mutauth "
      "inspect --as-client)";
  static constexpr const char* hint_client_refused =
      "the client's log says why; check the name it demands and what it trusts (mutauth inspect "
      "<certificate> --target SPN --trust known_hosts)";
};

}  // namespace mutauth::cli
