// TEST ONLY. The loader of alt-pk/1 credentials (tools/mutauth/config.hpp mech_loader) for the
// trait in alt_pk_flags.hpp: pk's loader (tools/mutauth/mech_pk.hpp) run on --alt-identity and
// --alt-trust, its configurations handed to PkAlias, which takes pk's.
#pragma once

#include <string>

#include "alt_pk_flags.hpp"
#include "config.hpp"
#include "mech_pk.hpp"
#include "support/pk_alias.hpp"

namespace mutauth::cli {

template <>
struct mech_loader<testing::AltPkFlags> {
  using Mech = testing::AltPk;
  static_assert(Mech::name == std::string_view(testing::AltPkFlags::wire_name));
  mech_loader<PkFlags> pk;

  void load(const Options& o, bool listen) {
    Options alt = o;
    alt.identity = o.alt_identity;
    alt.trust = o.alt_trust;
    pk.load(alt, listen);
  }
  const Mech::InitiatorConfig& initiator() const { return pk.initiator(); }
  const Mech::AcceptorConfig& acceptor() const { return pk.acceptor(); }
  std::string self() const { return pk.self(); }
};

}  // namespace mutauth::cli
