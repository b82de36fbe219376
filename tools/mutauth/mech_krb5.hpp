// mutauth CLI: the loader of Kerberos credentials (config.hpp mech_loader), for the
// command-line trait Krb5Flags (mech_krb5_flags.hpp), in builds with mutauth::krb5
// (tools/CMakeLists.txt defines MUTAUTH_CLI_WITH_KRB5); without it the trait has no loader and
// the CLI says Krb5Flags::not_built when krb5 is asked for.
#pragma once

#include "config.hpp"
#include "mech_krb5_flags.hpp"

#if MUTAUTH_CLI_WITH_KRB5
#include <unistd.h>

#include <optional>
#include <string>

#include "mutauth/mech/krb5/krb5.hpp"

namespace mutauth::cli {

template <>
struct mech_loader<Krb5Flags> {
  using Mech = krb5::Kerberos;
  static_assert(Mech::name == std::string_view(Krb5Flags::wire_name),
                "the trait's wire name is the mechanism's");
  krb5::InitiatorConfig icfg;
  std::optional<krb5::AcceptorConfig> acfg;

  void load(const Options& o, bool listen) {
    if (!listen) {
      icfg.ccache = o.ccache;
      icfg.client_keytab = o.keytab;
      // A client keytab names who we are; without a ccache of its own, tickets of whoever else is
      // in the default ccache would be used instead. A private in-memory ccache keeps them apart.
      static const std::string private_ccache = "MEMORY:mutauth-cli-" + std::to_string(::getpid());
      if (!o.keytab.empty() && o.ccache.empty()) icfg.ccache = private_ccache;
    } else {
      acfg.emplace(krb5::AcceptorConfig{parse_spn("--service", o.service), o.keytab});
      if (auto v = krb5::validate(*acfg); !v)
        config_error("--keytab " + (o.keytab.empty() ? std::string("(default)") : o.keytab) +
                         " cannot prove --service " + o.service,
                     v.error_value());
    }
  }
  const krb5::InitiatorConfig& initiator() const { return icfg; }
  const krb5::AcceptorConfig& acceptor() const { return *acfg; }
  // A Kerberos client is the principal of its ticket, known only to GSS-API here.
  std::string self() const { return {}; }
};

}  // namespace mutauth::cli
#endif
