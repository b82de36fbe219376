// mutauth CLI: a library error in the tool's words. The line is the library's own
// (mutauth::error_message: the code's name and the detail, never a name twice); the hint is the
// library's with each configuration field a library user sets replaced by the flag that sets it
// here, since a user of the tool has flags, not AcceptorConfig::keytab.
#pragma once

#include <string>
#include <string_view>

#include "mutauth/error.hpp"

namespace mutauth::cli {

struct hint_rewrite {
  std::string_view library;
  std::string_view cli;
};

// Applied in order, each to every occurrence: whole phrases first, then bare field names, so that
// "set X to ..." reads as an instruction for the tool ("give --name ...") where it can.
inline constexpr hint_rewrite hint_rewrites[] = {
    {"set Identity::name to the principal", "give --name, the principal"},
    {"set identity.name to the principal", "give --name, the principal"},
    {"set Identity::name to one of", "give --name with one of"},
    {"set identity.name to one of", "give --name with one of"},
    {"set InitiatorConfig::identity.key", "give --identity KEYFILE"},
    {"set AcceptorConfig::identity.key", "give --identity KEYFILE"},
    {"load one with pk::load_private_key_file()", "give --identity KEYFILE"},
    {"set ServerTrust::allow_host_wide_credentials to accept", "pass --host-wide to accept"},
    {"ServerTrust::allow_host_wide_credentials", "--host-wide"},
    {"KRB5_CLIENT_KTNAME (initiator)", "KRB5_CLIENT_KTNAME or --keytab (connect)"},
    {"AcceptorConfig::keytab (acceptor)", "--keytab (listen)"},
    {"AcceptorConfig::keytab", "--keytab"},
    {"InitiatorConfig::client_keytab", "--keytab"},
    {"InitiatorConfig::ccache", "--ccache"},
    {"ServerTrust::revoked", "--krl"},
    {"ClientTrust::revoked", "--krl"},
};

/// The library's hint with library fields replaced by the tool's flags.
inline std::string cli_hint(std::string_view library_hint) {
  std::string h(library_hint);
  for (const auto& r : hint_rewrites) {
    for (auto at = h.find(r.library); at != std::string::npos;
         at = h.find(r.library, at + r.cli.size()))
      h.replace(at, r.library.size(), r.cli);
  }
  return h;
}

/// One line: what failed and why (no hint).
inline std::string error_line(const mutauth::error& e) {
  return std::string(mutauth::message(e).view());
}

/// The line, then the hint on its own indented line when there is one.
inline std::string error_text(const mutauth::error& e) {
  std::string s = error_line(e);
  if (!e.hint().empty()) s += "\n  hint: " + cli_hint(e.hint());
  return s;
}

}  // namespace mutauth::cli
