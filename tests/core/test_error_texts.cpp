// Error texts (issue 16 item 3): for every errc, the line built the way the library builds its
// errors says nothing twice; the library's own words are plain ASCII, so that only bytes from
// peers and files are ever escaped; and every name rule of docs/design.md section 3 is reached
// through ServicePrincipal::parse with a text that follows those rules.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "mutauth/error.hpp"
#include "mutauth/principal.hpp"
#include "support/error_text_rules.hpp"

using namespace mutauth;
using mutauth::testing::check_error_text;
using mutauth::testing::repetition;

namespace {

// Every code the enum names: the categories are the high byte (error.hpp), and a value without
// a name of its own is not a code.
std::vector<errc> every_errc() {
  std::vector<errc> all;
  for (unsigned v = 0x0100; v < 0x0600; ++v) {
    const auto c = static_cast<errc>(v);
    if (to_string(c) != "unknown error") all.push_back(c);
  }
  return all;
}

}  // namespace

TEST_CASE("error texts: every errc has a short plain-ASCII name and a line that says it once",
          "[errors]") {
  const auto all = every_errc();
  // Every enumerator is found: -Wswitch (-Werror) makes to_string name each one, and within a
  // category the codes run on from its base without a gap.
  CHECK(all.size() >= 61);
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto prev = static_cast<unsigned>(all[i - 1]), cur = static_cast<unsigned>(all[i]);
    INFO("after 0x" << std::hex << prev << ": 0x" << cur);
    CHECK((cur == prev + 1 || (cur & 0xFFu) == 0));
  }
  CHECK(all.back() == errc::nonce_exhausted);
  for (errc c : all) {
    const std::string name(to_string(c));
    INFO("errc 0x" << std::hex << static_cast<unsigned>(c) << " " << name);
    CHECK(!name.empty());
    CHECK(name.size() <= error_message::max_name);
    CHECK(mutauth::testing::printable_ascii(name));

    // The shapes in which the library builds errors (error.hpp, principal.hpp, the mechanisms):
    // a bare code; a detail that restates the name and says why; a rule then a quoted part; a
    // lower layer's operation and text; a context prefixed as an error travels up.
    CHECK(message(error(c)).view() == name);
    CHECK(message(error(c, name)).view() == name);
    const error restated(c, name + "; the reason it is wrong, and what to do about it");
    CHECK(message(restated).view() == restated.detail());
    error rule(c, "the rule that was broken");
    rule.append(": ");
    rule.append("'offending part'");
    CHECK(message(rule).view() == name + ": the rule that was broken: 'offending part'");
    error lower(c, "gss_init_sec_context");
    lower.append(": ");
    lower.append("Server not found in Kerberos database (Unspecified GSS failure)");
    CHECK(message(lower).view() == name + ": " + std::string(lower.detail()));
    error wrapped(restated.code(), "identity certificate: ");
    wrapped.append(restated.detail());
    CHECK(message(wrapped).view() == wrapped.detail());  // it says the name after its context
    for (const error& e : {error(c), error(c, name), restated, rule, lower, wrapped})
      check_error_text(e);
    // Case and a following word do not fool the rule: "bad port" is not "bad portion".
    CHECK(message(error(c, mutauth::testing::lower(name))).view() == mutauth::testing::lower(name));
  }
  CHECK(message(error(errc::name_bad_port, "bad portion")).view() == "bad port: bad portion");
}

TEST_CASE("error texts: the repetition check itself finds what it must", "[errors]") {
  // The text issue 16 quotes, as the CLI printed it before error_message.
  CHECK_FALSE(
      repetition("single-label (NetBIOS-style) host name: single-label (NetBIOS-style) host "
                 "name; a service host must be a fully qualified DNS name: 'srv01'")
          .empty());
  CHECK_FALSE(repetition("decryption failed: record: decryption failed").empty());
  CHECK(
      repetition("name mismatch: the host certificate does not name host/a.example.test").empty());
  CHECK(mutauth::testing::restates_name(
      "encrypted private key not supported: encrypted private keys are not "
      "supported",
      "encrypted private key not supported"));
  CHECK(mutauth::testing::restates_name(
      "wildcard in host name: wildcard '*' in host name; name one host", "wildcard in host name"));
  CHECK_FALSE(mutauth::testing::restates_name("bad port: port outside 1..65535: '0'", "bad port"));
  CHECK_FALSE(mutauth::testing::restates_name(
      "principal name has no host: no host after the service class", "principal name has no host"));
}

TEST_CASE("error texts: every name rule, reached through ServicePrincipal::parse", "[errors]") {
  const std::string long_label(64, 'a');
  std::string long_host;
  for (int i = 0; i < 5; ++i) long_host += std::string(60, 'b') + ".";
  long_host += "example.com";
  const std::vector<std::pair<std::string, errc>> cases = {
      {"", errc::name_empty},
      {std::string("host/a\0b.example.com", 20), errc::name_nul_byte},
      {"/db1.example.com", errc::name_missing_service},
      {"ho$t/db1.example.com", errc::name_bad_service},
      {"host/", errc::name_empty_host},
      {"host/srv01", errc::name_single_label},
      {"host/10.1.2.3", errc::name_ip_literal},
      {"host/fe80::1", errc::name_ip_literal},
      {"host/*.example.com", errc::name_wildcard},
      {"host/db1..example.com", errc::name_empty_label},
      {"host/" + long_label + ".example.com", errc::name_label_too_long},
      {"host/" + long_host, errc::name_too_long},
      {"host/db_1.example.com", errc::name_bad_character},
      {"host/-db1.example.com", errc::name_bad_character},
      {"host/db1.example.com:0", errc::name_bad_port},
      {"host/db1.example.com:", errc::name_bad_port},
      {"host/db1.example.com@", errc::name_bad_realm},
      {"host/db1.example.com@EXA MPLE", errc::name_bad_realm},
  };
  for (const auto& [text, code] : cases) {
    auto r = ServicePrincipal::parse(text);
    REQUIRE_FALSE(r);
    INFO("input: " << text);
    CHECK(r.error_value().code() == code);
    check_error_text(r.error_value(), /*peer_bytes_escaped=*/code == errc::name_nul_byte);
  }
  // The section sign of the rules' citations is written "section", so nothing of ours is escaped.
  auto single = ServicePrincipal::parse("host/srv01");
  REQUIRE_FALSE(single);
  CHECK(single.error_value().detail().find("docs/design.md section 3") != std::string_view::npos);
  CHECK(message(single.error_value()).view().substr(0, 39) ==
        "single-label (NetBIOS-style) host name;");
  // Bytes from the caller's input are escaped, and only they are.
  auto utf8 = ServicePrincipal::parse("host/b\xc3\xa4r.example.com");
  REQUIRE_FALSE(utf8);
  const std::string line = check_error_text(utf8.error_value(), /*peer_bytes_escaped=*/true);
  CHECK(line.find("'\\xc3'") != std::string::npos);
}

// Every string literal under include/ and tools/ is 7-bit ASCII: error details and hints are
// literals, and error::append escapes anything else as \xHH (docs/design.md section 2,
// "Errors"), so a non-ASCII literal would reach logs as escapes of our own making.
TEST_CASE("error texts: the library's and the tool's string literals are plain ASCII", "[errors]") {
  namespace fs = std::filesystem;
  std::vector<std::string> offenders;
  std::size_t files = 0;
  for (const char* dir : {"include", "tools"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(MUTAUTH_SOURCE_DIR) / dir)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".hpp" && ext != ".cpp" && ext != ".h")) continue;
      ++files;
      std::ifstream f(entry.path(), std::ios::binary);
      const std::string s{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
      std::size_t line = 1;
      for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\n') {
          ++line;
        } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {  // comments may cite "§"
          while (i < s.size() && s[i] != '\n') ++i;
          --i;
        } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
          for (i += 2; i + 1 < s.size() && !(s[i] == '*' && s[i + 1] == '/'); ++i)
            if (s[i] == '\n') ++line;
          ++i;
        } else if (c == '"' || c == '\'') {
          const std::size_t start = line;
          bool non_ascii = false;
          for (++i; i < s.size() && s[i] != c && s[i] != '\n'; ++i) {
            if (s[i] == '\\') ++i;
            else if (static_cast<unsigned char>(s[i]) >= 0x80) non_ascii = true;
          }
          if (non_ascii) offenders.push_back(entry.path().string() + ":" + std::to_string(start));
        }
      }
    }
  }
  CHECK(files > 30);
  std::string where;
  for (const auto& o : offenders) where += "\n  " + o;
  INFO(
      "string literals with non-ASCII bytes (write 'section 9.4', not the section sign):" << where);
  CHECK(offenders.empty());
}
