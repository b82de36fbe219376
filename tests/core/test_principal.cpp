#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/principal.hpp"

using namespace mutauth;
using detail::fixed_string;

namespace {

// --- fixed_string ---

constexpr bool constexpr_fixed_string_works() {
  fixed_string<8> s;
  if (!s.append("abc")) return false;
  if (!s.append_uint(42)) return false;
  if (s.append("toolong")) return false;  // 5 + 7 > 8
  return s == std::string_view("abc42") && s.size() == 5;
}
static_assert(constexpr_fixed_string_works(),
              "fixed_string must be usable in constant expressions");
static_assert(sizeof(fixed_string<255>) <= 257, "a 255-char fixed_string has a one-byte length");
static_assert(std::is_trivially_copyable_v<fixed_string<63>>);

TEST_CASE("fixed_string appends until full and never truncates", "[unit][fixed_string]") {
  fixed_string<5> s;
  CHECK(s.empty());
  CHECK(s.size() == 0);
  CHECK(std::strlen(s.c_str()) == 0);
  REQUIRE(s.append("abc"));
  CHECK_FALSE(s.append("def"));  // would be 6 > 5
  CHECK(s.view() == "abc");      // unchanged
  CHECK(s.append("de"));         // exactly full
  CHECK(s.view() == "abcde");
  CHECK(std::string(s.c_str()) == "abcde");
  CHECK_FALSE(s.push_back('x'));
  CHECK_FALSE(s.append("x"));
  CHECK(s.append(""));
  CHECK(s.size() == 5);
  s.clear();
  CHECK(s.empty());
  CHECK(std::string(s.c_str()).empty());
  CHECK(s.push_back('z'));
  CHECK(s == "z");
}

TEST_CASE("fixed_string renders unsigned integers", "[unit][fixed_string]") {
  fixed_string<20> a;
  REQUIRE(a.append_uint(0));
  CHECK(a == "0");
  a.clear();
  REQUIRE(a.append_uint(UINT64_MAX));
  CHECK(a == "18446744073709551615");
  fixed_string<19> b;
  REQUIRE(b.append("x"));
  CHECK_FALSE(b.append_uint(UINT64_MAX));  // 20 digits do not fit
  CHECK(b == "x");
  fixed_string<10> c;
  REQUIRE(c.append("port "));
  REQUIRE(c.append_uint(65535));
  CHECK(c == "port 65535");
  CHECK_FALSE(c.append_uint(1));
}

TEST_CASE("fixed_string::from and comparisons", "[unit][fixed_string]") {
  auto ok = fixed_string<4>::from("abcd");
  REQUIRE(ok);
  CHECK(ok->view() == "abcd");
  auto bad = fixed_string<4>::from("abcde");
  REQUIRE_FALSE(bad);
  CHECK(bad.code() == errc::too_large);
  CHECK_FALSE(bad.error_value().detail().empty());

  fixed_string<4> x;
  fixed_string<100> y;
  REQUIRE(x.append("ab"));
  REQUIRE(y.append("ab"));
  CHECK(x == y);
  CHECK(y == x);
  CHECK(x == "ab");
  CHECK("ab" == x);
  CHECK_FALSE(x == "abc");
  CHECK_FALSE(x == "a");
  REQUIRE(y.push_back('c'));
  CHECK(x != y);
  CHECK(x != std::string_view("AB"));
}

TEST_CASE("ASCII helpers ignore locale and non-ASCII bytes", "[unit][fixed_string]") {
  CHECK(detail::ascii_to_lower('A') == 'a');
  CHECK(detail::ascii_to_lower('z') == 'z');
  CHECK(detail::ascii_to_lower('-') == '-');
  CHECK(detail::ascii_to_lower('\xC9') == '\xC9');
  CHECK(detail::ascii_iequal("FileSrv01.Example.COM", "filesrv01.example.com"));
  CHECK_FALSE(detail::ascii_iequal("a.example.com", "a.example.co"));
  CHECK_FALSE(detail::ascii_iequal("\xC9", "\xE9"));  // no Latin-1 case folding
  CHECK(detail::ascii_is_alnum('7'));
  CHECK_FALSE(detail::ascii_is_alnum('_'));
  CHECK_FALSE(detail::ascii_is_graph(' '));
  CHECK_FALSE(detail::ascii_is_graph('\x7f'));
  CHECK(detail::ascii_is_graph('~'));
}

// --- ServicePrincipal: the table ---

static_assert(std::is_trivially_copyable_v<ServicePrincipal>);
static_assert(std::is_nothrow_move_constructible_v<ServicePrincipal>);
static_assert(!std::is_default_constructible_v<ServicePrincipal>,
              "a ServicePrincipal only comes from parse() or compose()");

struct Case {
  std::string input;
  errc expect;  // errc::ok = accepted
  std::string service{};
  std::string host{};
  std::uint16_t port = 0;
  std::string realm{};
};

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

// A host of exactly `n` characters made of 63-char labels and a short alphabetic tail.
std::string host_of_length(std::size_t n) {
  std::string h;
  while (h.size() + 64 < n) h += repeat('a', 63) + ".";
  h += repeat('b', n - h.size() - 4) + ".com";
  return h;
}

std::vector<Case> table() {
  const std::string label63 = repeat('x', 63);
  const std::string label64 = repeat('x', 64);
  const std::string host253 = host_of_length(253);
  const std::string host254 = host_of_length(254);
  const std::string svc63 = repeat('s', 63);
  const std::string realm255 = repeat('R', 255);
  using e = errc;
  return {
      // accepted forms
      {"host/filesrv01.example.com", e::ok, "host", "filesrv01.example.com", 0, ""},
      {"HTTP/www.example.com:8443", e::ok, "HTTP", "www.example.com", 8443, ""},
      {"host/db1.example.com@EXAMPLE.COM", e::ok, "host", "db1.example.com", 0, "EXAMPLE.COM"},
      {"postgres/db1.example.com:5432@EXAMPLE.COM", e::ok, "postgres", "db1.example.com", 5432,
       "EXAMPLE.COM"},
      {"HTTP@www.example.com", e::ok, "HTTP", "www.example.com", 0, ""},
      {"host/FileSrv01.Example.COM.", e::ok, "host", "filesrv01.example.com", 0, ""},
      {"host/example.com.@R", e::ok, "host", "example.com", 0, "R"},
      {"ldap/dc1.corp.example.com@corp.Example.COM", e::ok, "ldap", "dc1.corp.example.com", 0,
       "corp.Example.COM"},
      {"krb5_svc-2/a-b.example.com", e::ok, "krb5_svc-2", "a-b.example.com", 0, ""},
      {"host/1host.example.com", e::ok, "host", "1host.example.com", 0, ""},
      {"host/a.123.example", e::ok, "host", "a.123.example", 0, ""},
      {"host/a.b", e::ok, "host", "a.b", 0, ""},
      {"svc/x.example.com:1", e::ok, "svc", "x.example.com", 1, ""},
      {"svc/x.example.com:65535@X", e::ok, "svc", "x.example.com", 65535, "X"},
      {"host/xn--bcher-kva.example.com", e::ok, "host", "xn--bcher-kva.example.com", 0, ""},
      {"host/" + label63 + ".example.com", e::ok, "host", label63 + ".example.com", 0, ""},
      {"host/" + host253, e::ok, "host", host253, 0, ""},
      {"host/" + host253 + ".", e::ok, "host", host253, 0, ""},  // 254 with the root dot
      {svc63 + "/a.example.com", e::ok, svc63, "a.example.com", 0, ""},
      {"host/a.example.com@" + realm255, e::ok, "host", "a.example.com", 0, realm255},
      {"host/a.example.com@C=US,O=Example", e::ok, "host", "a.example.com", 0, "C=US,O=Example"},
      {"MSSQLSvc@SQL01.corp.example.com", e::ok, "MSSQLSvc", "sql01.corp.example.com", 0, ""},

      // empty and NUL (checked first)
      {"", e::name_empty},
      {std::string("host/a\0b.example.com", 20), e::name_nul_byte},
      {std::string("host/a.example.com@REA\0LM", 25), e::name_nul_byte},
      {std::string("\0", 1), e::name_nul_byte},
      {std::string("host/FILESRV01\0", 15), e::name_nul_byte},

      // service class
      {"/host.example.com", e::name_missing_service},
      {"host.example.com", e::name_missing_service},
      {"@host.example.com", e::name_missing_service},
      {"h*st/a.example.com", e::name_bad_service},
      {"ht tp/a.example.com", e::name_bad_service},
      {"svc.x/a.example.com", e::name_bad_service},
      {repeat('s', 64) + "/a.example.com", e::name_bad_service},

      // host presence
      {"host/", e::name_empty_host},
      {"host/@EXAMPLE.COM", e::name_empty_host},
      {"host/:80", e::name_empty_host},
      {"HTTP@", e::name_empty_host},

      // single label
      {"host/FILESRV01", e::name_single_label},
      {"host/FILESRV01.", e::name_single_label},
      {"HTTP@filesrv01", e::name_single_label},
      {"host/localhost:22", e::name_single_label},

      // IP literals
      {"host/192.168.1.10", e::name_ip_literal},
      {"host/10.1.2.3:22", e::name_ip_literal},
      {"host/10.1.2.3.", e::name_ip_literal},
      {"host/1.2.3", e::name_ip_literal},
      {"host/3232235786", e::name_ip_literal},
      {"host/[::1]", e::name_ip_literal},
      {"host/::1", e::name_ip_literal},
      {"host/fe80::1", e::name_ip_literal},
      {"host/[fe80::1]:443@EXAMPLE.COM", e::name_ip_literal},
      {"host@::1", e::name_ip_literal},
      {"host/[a.example.com]", e::name_ip_literal},

      // wildcards
      {"host/*.example.com", e::name_wildcard},
      {"host/a.*.example.com", e::name_wildcard},
      {"host/*", e::name_wildcard},
      {"host/*.example.com@", e::name_wildcard},  // host is checked before realm

      // labels
      {"host/a..b", e::name_empty_label},
      {"host/a..example.com", e::name_empty_label},
      {"host/.example.com", e::name_empty_label},
      {"host/.", e::name_empty_label},
      {"host/a.example.com..", e::name_empty_label},
      {"host/" + label64 + ".example.com", e::name_label_too_long},
      {"host/a." + label64, e::name_label_too_long},
      {"host/" + host254, e::name_too_long},
      {"host/" + repeat('a', 10000), e::name_too_long},

      // characters
      {"host/under_score.example.com", e::name_bad_character},
      {"host/-bad.example.com", e::name_bad_character},
      {"host/bad-.example.com", e::name_bad_character},
      {"host/caf\xC3\xA9.example.com", e::name_bad_character},
      {"host/a b.example.com", e::name_bad_character},
      {"host/a.example.com/x", e::name_bad_character},
      {"host@a.example.com@b", e::name_bad_character},

      // ports
      {"host/a.example.com:0", e::name_bad_port},
      {"host/a.example.com:65536", e::name_bad_port},
      {"host/a.example.com:99999", e::name_bad_port},
      {"host/a.example.com:abc", e::name_bad_port},
      {"host/a.example.com:", e::name_bad_port},
      {"host/a.example.com:@EXAMPLE.COM", e::name_bad_port},
      {"host/a.example.com:-1", e::name_bad_port},
      {"host/a.example.com:+80", e::name_bad_port},
      {"host/a.example.com:080", e::name_bad_port},
      {"host/a.example.com:00", e::name_bad_port},
      {"host/a.example.com:123456", e::name_bad_port},
      {"host/a.example.com: 80", e::name_bad_port},
      {"HTTP@www.example.com:80", e::name_bad_port},  // host-based form has no port

      // realms
      {"host/a.example.com@", e::name_bad_realm},
      {"host/a.example.com@EXA MPLE", e::name_bad_realm},
      {"host/a.example.com@A/B", e::name_bad_realm},
      {"host/a.example.com@A@B", e::name_bad_realm},
      {"host/a.example.com@A:B", e::name_bad_realm},
      {"host/a.example.com@R\x01", e::name_bad_realm},
      {"host/a.example.com@R\xC3\xA9", e::name_bad_realm},
      {"host/a.example.com@" + repeat('R', 256), e::name_bad_realm},

      // precedence: left to right once NUL and empty are ruled out
      {"host/FILESRV01:0", e::name_single_label},
      {"host/*:abc", e::name_wildcard},
      {"h_st!/FILESRV01", e::name_bad_service},
      {"host/a.example.com:0@", e::name_bad_port},
  };
}

std::string sv(std::string_view v) { return std::string(v); }

TEST_CASE("ServicePrincipal::parse table", "[unit][principal]") {
  const auto cases = table();
  REQUIRE(cases.size() >= 40);
  for (const Case& c : cases) {
    INFO("input: " << c.input << " (size " << c.input.size() << ")");
    auto r = ServicePrincipal::parse(c.input);
    if (c.expect == errc::ok) {
      if (!r) FAIL("refused: " << sv(r.error_value().detail()));
      CHECK(sv(r->service()) == c.service);
      CHECK(sv(r->host()) == c.host);
      CHECK(r->port() == c.port);
      CHECK(r->has_port() == (c.port != 0));
      CHECK(sv(r->realm()) == c.realm);
      CHECK(r->has_realm() == !c.realm.empty());
    } else {
      REQUIRE_FALSE(r);
      const error& err = r.error_value();
      INFO("detail: " << sv(err.detail()));
      CHECK(sv(to_string(err.code())) == sv(to_string(c.expect)));
      CHECK(err.category() == error_category_id::malformed);
      CHECK_FALSE(err.detail().empty());
      CHECK(err.detail().size() <= error::max_detail);
    }
  }
}

TEST_CASE("name errors explain the rule and quote the offending part", "[unit][principal]") {
  auto single = ServicePrincipal::parse("host/FILESRV01");
  REQUIRE(single.code() == errc::name_single_label);
  CHECK(sv(single.error_value().detail()).find("single-label") != std::string::npos);
  CHECK(sv(single.error_value().detail()).find("'FILESRV01'") != std::string::npos);
  CHECK(single.error_value().hint() ==
        "use the fully qualified DNS name, e.g. filesrv01.example.com");

  auto ip = ServicePrincipal::parse("host/192.168.1.10");
  REQUIRE(ip.code() == errc::name_ip_literal);
  CHECK(sv(ip.error_value().detail()).find("192.168.1.10") != std::string::npos);
  CHECK(ip.error_value().hint() ==
        "name the service by its DNS host name; addresses are for dialling, not for identity");
  CHECK(ServicePrincipal::parse("host/[::1]").error_value().hint() == ip.error_value().hint());

  auto under = ServicePrincipal::parse("host/under_score.example.com");
  REQUIRE(under.code() == errc::name_bad_character);
  CHECK(sv(under.error_value().detail()).find("'_'") != std::string::npos);
  CHECK(sv(under.error_value().detail()).find("'under_score'") != std::string::npos);

  auto port = ServicePrincipal::parse("host/a.example.com:65536");
  CHECK(sv(port.error_value().detail()).find("65536") != std::string::npos);
  CHECK_FALSE(port.error_value().hint().empty());

  auto realm = ServicePrincipal::parse("host/a.example.com@");
  CHECK(sv(realm.error_value().detail()).find("realm") != std::string::npos);

  auto label = ServicePrincipal::parse("host/" + repeat('x', 64) + ".example.com");
  CHECK(sv(label.error_value().detail()).find("63") != std::string::npos);

  // Quotes are bounded and control bytes escaped, so hostile input cannot flood or forge logs.
  auto huge = ServicePrincipal::parse("host/" + repeat('a', 10000));
  REQUIRE(huge.code() == errc::name_too_long);
  CHECK(huge.error_value().detail().size() < error::max_detail);
  CHECK(sv(huge.error_value().detail()).find("...'") != std::string::npos);
  auto ctl = ServicePrincipal::parse(std::string("host/a.example.com@R\n\x01"));
  REQUIRE(ctl.code() == errc::name_bad_realm);
  CHECK(sv(ctl.error_value().detail()).find('\n') == std::string::npos);
  CHECK(sv(ctl.error_value().detail()).find("\\x0a") != std::string::npos);
  auto nul = ServicePrincipal::parse(std::string("host/a\0b.example.com", 20));
  CHECK(sv(nul.error_value().detail()).find("\\x00") != std::string::npos);
  CHECK(sv(nul.error_value().detail()).find('\0') == std::string::npos);
}

TEST_CASE("ServicePrincipal::compose validates like parse", "[unit][principal]") {
  auto c = ServicePrincipal::compose("host", "FileSrv01.Example.com.");
  REQUIRE(c);
  auto p = ServicePrincipal::parse("host/filesrv01.example.com");
  REQUIRE(p);
  CHECK(*c == *p);
  CHECK(c->host() == "filesrv01.example.com");
  CHECK_FALSE(c->has_port());
  CHECK_FALSE(c->has_realm());

  auto full = ServicePrincipal::compose("postgres", "db1.example.com", 5432, "EXAMPLE.COM");
  REQUIRE(full);
  CHECK(full->to_string() == "postgres/db1.example.com:5432@EXAMPLE.COM");
  CHECK(*full == *ServicePrincipal::parse("postgres/db1.example.com:5432@EXAMPLE.COM"));

  CHECK(ServicePrincipal::compose("", "", 0, "").code() == errc::name_empty);
  CHECK(ServicePrincipal::compose("", "a.example.com").code() == errc::name_missing_service);
  CHECK(ServicePrincipal::compose("h/st", "a.example.com").code() == errc::name_bad_service);
  CHECK(ServicePrincipal::compose("host", "").code() == errc::name_empty_host);
  CHECK(ServicePrincipal::compose("host", "FILESRV01").code() == errc::name_single_label);
  CHECK(ServicePrincipal::compose("host", "10.0.0.1").code() == errc::name_ip_literal);
  CHECK(ServicePrincipal::compose("host", "[::1]").code() == errc::name_ip_literal);
  CHECK(ServicePrincipal::compose("host", "fe80::1").code() == errc::name_ip_literal);
  CHECK(ServicePrincipal::compose("host", "*.example.com").code() == errc::name_wildcard);
  CHECK(ServicePrincipal::compose("host", "a..example.com").code() == errc::name_empty_label);
  CHECK(ServicePrincipal::compose("host", repeat('a', 254)).code() == errc::name_too_long);
  CHECK(ServicePrincipal::compose("host", "a.example.com", 0, "A B").code() ==
        errc::name_bad_realm);
  CHECK(ServicePrincipal::compose("host", std::string("a\0.example.com", 14)).code() ==
        errc::name_nul_byte);
  CHECK(ServicePrincipal::compose("host", "a.example.com", 0, std::string("R\0", 2)).code() ==
        errc::name_nul_byte);
  // The port is its own argument; a host carrying one is refused, with a hint saying so.
  auto hp = ServicePrincipal::compose("host", "a.example.com:80");
  REQUIRE(hp.code() == errc::name_bad_character);
  CHECK_FALSE(hp.error_value().hint().empty());
  CHECK(ServicePrincipal::compose("host", "a.example.com@R").code() == errc::name_bad_character);
  CHECK(ServicePrincipal::compose("host", "a.example.com/x").code() == errc::name_bad_character);
  auto maxport = ServicePrincipal::compose("svc", "a.example.com", 65535);
  REQUIRE(maxport);
  CHECK(maxport->pk_name() == "svc/a.example.com:65535");
}

TEST_CASE("ServicePrincipal renderings", "[unit][principal]") {
  auto a = ServicePrincipal::parse("postgres/DB1.Example.com.:5432@EXAMPLE.COM");
  REQUIRE(a);
  CHECK(a->to_string() == "postgres/db1.example.com:5432@EXAMPLE.COM");
  CHECK(a->krb5_name() == "postgres/db1.example.com:5432@EXAMPLE.COM");
  CHECK(a->gss_hostbased_name() == "postgres@db1.example.com");
  CHECK(a->pk_name() == "postgres/db1.example.com:5432");
  CHECK(std::strlen(a->to_string().c_str()) == a->to_string().size());

  auto b = ServicePrincipal::parse("host/a.example.com");
  REQUIRE(b);
  CHECK(b->to_string() == "host/a.example.com");
  CHECK(b->krb5_name() == "host/a.example.com");
  CHECK(b->gss_hostbased_name() == "host@a.example.com");
  CHECK(b->pk_name() == "host/a.example.com");

  auto g = ServicePrincipal::parse("HTTP@WWW.example.com");
  REQUIRE(g);
  CHECK(g->to_string() == "HTTP/www.example.com");
  CHECK(g->gss_hostbased_name() == "HTTP@www.example.com");

  auto r = ServicePrincipal::parse("ldap/dc1.example.com@Example.Com");
  REQUIRE(r);
  CHECK(r->krb5_name() == "ldap/dc1.example.com@Example.Com");
  CHECK(r->pk_name() == "ldap/dc1.example.com");

  // The longest possible name renders in full.
  std::string longest = repeat('s', 63) + "/" + host_of_length(253) + ":65535@" + repeat('R', 255);
  auto m = ServicePrincipal::parse(longest);
  REQUIRE(m);
  CHECK(m->to_string().size() == ServicePrincipal::max_text);
  CHECK(sv(m->to_string().view()) == longest);
}

TEST_CASE("ServicePrincipal equality", "[unit][principal]") {
  auto P = [](const char* s) {
    auto r = ServicePrincipal::parse(s);
    REQUIRE(r);
    return *r;
  };
  CHECK(P("host/FILESRV01.example.com.") == P("host/filesrv01.EXAMPLE.com"));
  CHECK(P("HTTP@www.example.com") == P("HTTP/www.example.com"));
  CHECK_FALSE(P("HTTP/a.example.com") == P("http/a.example.com"));  // service case matters
  CHECK_FALSE(P("host/a.example.com:22") == P("host/a.example.com"));
  CHECK_FALSE(P("host/a.example.com:22") == P("host/a.example.com:2222"));
  CHECK_FALSE(P("host/a.example.com@EXAMPLE.COM") == P("host/a.example.com@example.com"));
  CHECK_FALSE(P("host/a.example.com@EXAMPLE.COM") == P("host/a.example.com"));
  CHECK_FALSE(P("host/a.example.com") == P("host/b.example.com"));
  CHECK(P("host/a.example.com") != P("host/a.example.org"));
}

TEST_CASE("parse(to_string(x)) == x for every accepted name", "[unit][principal]") {
  std::size_t accepted = 0;
  for (const Case& c : table()) {
    if (c.expect != errc::ok) continue;
    INFO("input: " << c.input);
    auto x = ServicePrincipal::parse(c.input);
    REQUIRE(x);
    auto text = x->to_string();
    auto y = ServicePrincipal::parse(text.view());
    REQUIRE(y);
    CHECK(*y == *x);
    CHECK(y->to_string() == text);
    // krb5_name parses back too, and the host-based rendering keeps service and host.
    auto k = ServicePrincipal::parse(x->krb5_name().view());
    REQUIRE(k);
    CHECK(*k == *x);
    auto g = ServicePrincipal::parse(x->gss_hostbased_name().view());
    REQUIRE(g);
    CHECK(g->service() == x->service());
    CHECK(g->host() == x->host());
    auto composed = ServicePrincipal::compose(x->service(), x->host(), x->port(), x->realm());
    REQUIRE(composed);
    CHECK(*composed == *x);
    ++accepted;
  }
  CHECK(accepted >= 20);
}

// --- Principal ---

TEST_CASE("Principal renders name@realm once", "[unit][principal]") {
  Principal p;
  p.mechanism = "krb5";
  REQUIRE(p.name.append("alice"));
  CHECK(p.to_string() == "alice");
  REQUIRE(p.realm.append("EXAMPLE.TEST"));
  CHECK(p.to_string() == "alice@EXAMPLE.TEST");

  Principal full;
  REQUIRE(full.name.append("alice@EXAMPLE.TEST"));
  REQUIRE(full.realm.append("EXAMPLE.TEST"));
  CHECK(full.to_string() == "alice@EXAMPLE.TEST");  // not alice@EXAMPLE.TEST@EXAMPLE.TEST

  Principal pk;
  pk.mechanism = "mutauth-pk/1";
  REQUIRE(pk.name.append("host/db1.example.com"));
  REQUIRE(pk.key_id.append("db1 host key 2024"));
  pk.serial = 18446744073709551615u;
  pk.has_serial = true;
  REQUIRE(pk.fingerprint.append("SHA256:" + repeat('A', 43)));
  CHECK(pk.to_string() == "host/db1.example.com");
  CHECK(pk.mechanism == "mutauth-pk/1");

  Principal longest;
  // A proven name must hold the longest service principal rendering (pk names are svc/host:port).
  REQUIRE(longest.name.append(repeat('n', ServicePrincipal::max_text)));
  REQUIRE(longest.realm.append(repeat('R', 255)));
  CHECK(longest.to_string().size() == ServicePrincipal::max_text + 1 + 255);
  CHECK_FALSE(longest.name.append("x"));

  Principal empty;
  CHECK(empty.to_string().empty());
  CHECK_FALSE(empty.has_serial);
  CHECK(empty.mechanism.empty());
}

}  // namespace

TEST_CASE("name_table: a principal put piece by piece equals one assigned whole",
          "[unit][principal]") {
  // The pk initiator writes its conclusion straight into the Session's table (handshake.hpp,
  // conclude_into): the server's name as the target's parts, no Principal built.
  const auto svc = ServicePrincipal::parse("postgres/db1.example.com:5432");
  REQUIRE(svc);
  Principal peer;
  peer.mechanism = "mutauth-pk/1";
  (void)peer.name.append("postgres/db1.example.com:5432");
  (void)peer.key_id.append("db1 host key");
  peer.serial = 7;
  peer.has_serial = true;
  (void)peer.fingerprint.append("SHA256:peerpeerpeer");
  Principal local;
  local.mechanism = "mutauth-pk/1";
  (void)local.name.append("alice");
  (void)local.fingerprint.append("SHA256:alicealice");

  detail::name_table<176> whole;
  REQUIRE(whole.assign(peer, local, *svc));
  detail::name_table<176> parts;
  REQUIRE(parts.put_principal(0, "mutauth-pk/1", {"postgres", "/", "db1.example.com", ":", "5432"},
                              {}, "db1 host key", "SHA256:peerpeerpeer", 7, true));
  REQUIRE(parts.put_principal(1, "mutauth-pk/1", {"alice"}, {}, {}, "SHA256:alicealice", 0, false));
  REQUIRE(parts.put_service(*svc));
  for (std::size_t which : {std::size_t{0}, std::size_t{1}}) {
    const PrincipalView a = whole.principal(which), b = parts.principal(which);
    CHECK(a.mechanism == b.mechanism);
    CHECK(a.name.view() == b.name.view());
    CHECK(std::strlen(b.name.c_str()) == b.name.size());  // NUL-terminated in the table
    CHECK(a.realm.view() == b.realm.view());
    CHECK(a.key_id.view() == b.key_id.view());
    CHECK(a.fingerprint.view() == b.fingerprint.view());
    CHECK(a.serial == b.serial);
    CHECK(a.has_serial == b.has_serial);
  }
  CHECK(parts.principal(0).name.view() == "postgres/db1.example.com:5432");
  CHECK(parts.service() == *svc);
  CHECK(parts.service() == whole.service());
}

TEST_CASE("name_table: joined parts that do not fit are refused", "[unit][principal]") {
  detail::name_table<16> t;
  CHECK_FALSE(t.put_principal(0, "m", {"host", "/", "db1.example.com"}, {}, {}, {}, 0, false));
  t.clear();
  CHECK(t.put_principal(0, "m", {"host", "/", "a.example"}, {}, {}, {}, 0, false));  // 14 + NUL
  CHECK(t.principal(0).name.view() == "host/a.example");
}
