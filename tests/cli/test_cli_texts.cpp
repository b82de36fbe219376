// The tool's wording of library errors (issue 16 item 3): library hints name the configuration
// fields a library user sets, and the tool's hints name the flags that set them
// (tools/mutauth/error_text.hpp). Each library hint here comes from the library itself.
#include <catch2/catch.hpp>

#include <string>

#include "error_text.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/pk/pk.hpp"
#include "mutauth/mech/pk/trust_file.hpp"
#include "support/names.hpp"
#include "support/ssh_tools.hpp"
#if MUTAUTH_CLI_TEXTS_KRB5
#include "mutauth/mech/krb5/krb5.hpp"
#endif

using namespace mutauth;
using mutauth::cli::cli_hint;
using mutauth::testing::spn;

namespace {

// A tool hint names no library field: no C++ scope, no member access, no function call.
void names_flags_only(const std::string& hint, const std::string& flag) {
  INFO("tool hint: " << hint);
  CHECK(hint.find("::") == std::string::npos);
  CHECK(hint.find("identity.") == std::string::npos);
  CHECK(hint.find("()") == std::string::npos);
  CHECK(hint.find("allow_host_wide") == std::string::npos);
  CHECK(hint.find(flag) != std::string::npos);
}

}  // namespace

TEST_CASE("cli texts: library hints become hints about the tool's flags", "[cli]") {
  mutauth::testing::TempDir dir("mutauth-cli-texts");
  auto key = pk::load_private_key_file(
      mutauth::testing::keygen(dir, "alice", "-t ed25519", "alice").c_str());
  REQUIRE(key);

  // No key at all: pk::validate and the handshake itself.
  pk::InitiatorConfig keyless;
  const auto no_key = pk::validate(keyless);
  REQUIRE_FALSE(no_key);
  CHECK(no_key.error_value().hint().find("InitiatorConfig::identity.key") !=
        std::string_view::npos);
  names_flags_only(cli_hint(no_key.error_value().hint()), "--identity");
  Initiator<pk::PublicKey> hs(spn("host/server.example.test"), keyless);
  CHECK(hs.step().st == status::failed);
  CHECK(hs.last_error().hint().find("pk::load_private_key_file()") != std::string_view::npos);
  names_flags_only(cli_hint(hs.last_error().hint()), "--identity");

  // A raw key that asserts no name.
  pk::InitiatorConfig nameless;
  nameless.identity = {&*key, {}};
  const auto no_name = pk::validate(nameless);
  REQUIRE_FALSE(no_name);
  CHECK(no_name.error_value().hint().find("identity.name") != std::string_view::npos);
  names_flags_only(cli_hint(no_name.error_value().hint()), "--name");

  // A known_hosts @revoked line: the library points at ServerTrust::revoked, the tool at --krl.
  pk::KnownHosts<4, 4> kh;
  const auto revoked = kh.parse("@revoked * ssh-ed25519 AAAA\n");
  REQUIRE_FALSE(revoked);
  names_flags_only(cli_hint(revoked.error_value().hint()), "--krl");

#if MUTAUTH_CLI_TEXTS_KRB5
  // No Kerberos credentials: kinit / KRB5CCNAME for the client, a keytab for the server.
  const std::string krb = cli_hint(krb5::detail::hint_no_credentials);
  names_flags_only(krb, "--keytab (listen)");
  CHECK(krb.find("--keytab (connect)") != std::string::npos);
#endif

  // The line itself is the library's, hint apart and rewritten.
  const std::string text = mutauth::cli::error_text(no_name.error_value());
  CHECK(text.rfind(std::string(message(no_name.error_value()).view()) + "\n  hint: give --name",
                   0) == 0);
}

TEST_CASE("cli texts: every rewrite names a flag, wherever the phrase stands", "[cli]") {
  for (const auto& r : mutauth::cli::hint_rewrites) {
    INFO(r.library << " -> " << r.cli);
    CHECK(r.cli.find("--") != std::string_view::npos);
    CHECK(cli_hint(std::string("before ") + std::string(r.library) + " after").find(r.cli) !=
          std::string::npos);
  }
  CHECK(cli_hint("nothing to rewrite here") == "nothing to rewrite here");
}
