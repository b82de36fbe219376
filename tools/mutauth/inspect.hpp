// mutauth inspect — explains a key, certificate, KRL or trust file, and with --target /
// --as-server / --as-client whether a certificate would be accepted and why not. The tool people
// reach for when a deployment fails: it runs the library's own parsers and verifiers, so what it
// says is what a handshake would do.
#pragma once

#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "error_text.hpp"
#include "mutauth/mech/pk/certificate.hpp"
#include "mutauth/mech/pk/keys.hpp"
#include "mutauth/mech/pk/krl.hpp"
#include "mutauth/mech/pk/trust_file.hpp"

namespace mutauth::cli {

namespace inspect_detail {

inline std::string read_file(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  std::stringstream ss;
  if (ok) ss << f.rdbuf();
  return ss.str();
}

inline std::string utc(std::uint64_t t) {
  if (t == 0) return "always";
  if (t == ~std::uint64_t{0}) return "forever";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

inline std::string err(const mutauth::error& e) {
  std::string s = error_line(e);
  if (!e.hint().empty()) s += " (hint: " + cli_hint(e.hint()) + ")";
  return s;
}

struct Trust {
  std::string text;
  pk::KnownHosts<256, 32> known_hosts;
  pk::AuthorizedKeys<256, 32> authorized_keys;
  bool have_hosts = false, have_users = false;
  std::vector<std::uint8_t> krl_buf;
  std::optional<pk::Krl> krl;
};

// The comment a client using this certificate would take as its principal when it names none:
// that of the private key beside the certificate (KEY for KEY-cert.pub, what `mutauth connect
// --identity KEY` loads), else the certificate line's own comment (ssh-keygen copies the key's).
inline std::string key_comment_for(const std::string& cert_path, const std::string& cert_text) {
  const std::string suffix = "-cert.pub";
  if (cert_path.size() > suffix.size() &&
      cert_path.compare(cert_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    bool ok = false;
    const std::string key_text =
        read_file(cert_path.substr(0, cert_path.size() - suffix.size()), ok);
    if (ok) {
      auto k = pk::parse_private_key(key_text);
      if (k) return std::string(k->comment());
    }
  }
  std::istringstream in(cert_text);
  std::string type, b64, comment;
  in >> type >> b64;
  std::getline(in, comment);
  while (!comment.empty() && (comment.front() == ' ' || comment.front() == '\t'))
    comment.erase(0, 1);
  while (!comment.empty() &&
         (comment.back() == ' ' || comment.back() == '\r' || comment.back() == '\n'))
    comment.pop_back();
  return comment;
}

inline int explain_certificate(const std::string& path, const std::string& text, bytes_view blob,
                               const std::string& target_text, bool as_server, bool as_client,
                               Trust& t, bool host_wide, const std::string& client_name,
                               const std::vector<std::string>* allow) {
  auto c = pk::parse_certificate(blob);
  if (!c) {
    std::printf("%s: OpenSSH certificate, REFUSED by the parser: %s\n", path.c_str(),
                err(c.error_value()).c_str());
    return 1;
  }
  const bool host = c->type == pk::certificate_type::host;
  std::printf("%s: OpenSSH %s certificate (ssh-ed25519-cert-v01@openssh.com)\n", path.c_str(),
              host ? "host" : "user");
  std::printf("  key:        %s\n", std::string(pk::fingerprint(c->key).view()).c_str());
  std::printf("  signing CA: %s\n", std::string(pk::fingerprint(c->signature_key).view()).c_str());
  std::printf("  key id:     \"%.*s\"\n", static_cast<int>(c->key_id.size()), c->key_id.data());
  std::printf("  serial:     %llu\n", static_cast<unsigned long long>(c->serial));
  std::printf("  valid:      %s .. %s\n", utc(c->valid_after).c_str(),
              utc(c->valid_before).c_str());
  std::printf("  principals:");
  if (c->principals().empty()) std::printf(" (none: refused, CVE-2024-7594)");
  for (auto p : c->principals()) std::printf(" %.*s", static_cast<int>(p.size()), p.data());
  std::printf("\n  critical options:");
  pk::CertificateOptions crit(c->critical_options);
  pk::CertificateOption opt;
  bool any = false;
  while (crit.next(opt)) {
    std::printf(" %.*s", static_cast<int>(opt.name.size()), opt.name.data());
    any = true;
  }
  std::printf("%s\n  extensions:",
              any ? "  (mutauth refuses certificates with critical options)" : " (none)");
  pk::CertificateOptions ext(c->extensions);
  if (ext.empty()) std::printf(" (none)");
  while (ext.next(opt)) std::printf(" %.*s", static_cast<int>(opt.name.size()), opt.name.data());
  std::printf("\n");

  if (target_text.empty() && !as_server && !as_client) return 0;
  if (as_server || !target_text.empty()) {
    if (target_text.empty()) {
      std::printf("  verdict: --as-server needs --target SPN (the name a client would demand)\n");
      return 2;
    }
    auto target = ServicePrincipal::parse(target_text);
    if (!target) {
      std::printf("  verdict: the target itself is refused: %s\n",
                  err(target.error_value()).c_str());
      return 1;
    }
    pk::ServerTrust st;
    // Without a trust file, judge everything but the issuer: trust the certificate's own CA.
    pk::HostCertAuthority self_ca{c->signature_key, "*"};
    if (t.have_hosts) st = t.known_hosts.trust();
    else st.authorities = std::span<const pk::HostCertAuthority>(&self_ca, 1);
    st.allow_host_wide_credentials = host_wide;
    if (t.krl) st.revoked = &*t.krl;
    auto v = pk::verify_host_certificate(*c, *target, st);
    if (!v) {
      std::printf("  verdict: a client demanding %s would REFUSE this certificate: %s\n",
                  target_text.c_str(), err(v.error_value()).c_str());
      return 1;
    }
    std::printf("  verdict: ACCEPTED as proof of %s%s\n", target_text.c_str(),
                t.have_hosts ? "" : " (CA trust not checked: no --trust known_hosts file given)");
    return 0;
  }
  // The principal `mutauth connect` would assert with this certificate (same rule as main.cpp's
  // client_principal): --name; else the certificate's only principal; else the key's comment.
  std::string name = client_name;
  const char* source = "--name";
  if (name.empty() && c->principal_count == 1) {
    name = std::string(c->principals()[0]);
    source = "the certificate's only principal";
  }
  if (name.empty()) {
    name = key_comment_for(path, text);
    source = "the key's comment";
  }
  if (name.empty()) {
    std::printf(
        "  verdict: a client would assert no principal (the certificate lists several and the key "
        "has no "
        "comment): give --name NAME\n");
    return 1;
  }
  std::printf("  client asserts: %s (%s)\n", name.c_str(), source);
  pk::ClientTrust ct;
  pk::UserCertAuthority self_ca{c->signature_key, {}};
  if (t.have_users) ct = t.authorized_keys.trust();
  else ct.authorities = std::span<const pk::UserCertAuthority>(&self_ca, 1);
  if (t.krl) ct.revoked = &*t.krl;
  auto v = pk::verify_user_certificate(*c, ct, name);
  if (!v) {
    std::printf("  verdict: a server would REFUSE this client certificate: %s\n",
                err(v.error_value()).c_str());
    return 1;
  }
  std::printf("  verdict: ACCEPTED as client %.*s%s\n", static_cast<int>(v->principal.size()),
              v->principal.data(),
              t.have_users ? "" : " (CA trust not checked: no --trust authorized_keys file given)");
  if (allow == nullptr) return 0;
  // What `mutauth listen --allow` would do with the authenticated principal.
  const std::string who(v->principal);
  for (const auto& a : *allow)
    if (a == who) {
      std::printf("  admission: ADMITTED: %s is on the allow list\n", a.c_str());
      return 0;
    }
  std::printf(
      "  admission: REFUSED: %s is not on the allow list (the server would answer \"peer not "
      "authorized\")\n",
      who.c_str());
  return 1;
}

inline int explain_trust_file(const std::string& path, const std::string& text) {
  pk::KnownHosts<256, 32> kh;
  auto a = kh.parse(text);
  pk::AuthorizedKeys<256, 32> ak;
  auto b = ak.parse(text);
  if (a) {
    std::printf(
        "%s: known_hosts trust file (for `mutauth connect --trust`): %zu pinned server key(s), %zu "
        "host CA(s)\n",
        path.c_str(), a->pinned, a->authorities);
    for (const auto& p : kh.pinned())
      std::printf("  pinned  %s  %s\n", p.name.to_string().c_str(),
                  std::string(pk::fingerprint(p.key).view()).c_str());
    for (const auto& ca : kh.authorities())
      std::printf("  CA      %s  for hosts %.*s\n",
                  std::string(pk::fingerprint(ca.key).view()).c_str(),
                  static_cast<int>(ca.host_patterns.size()), ca.host_patterns.data());
  }
  if (b) {
    std::printf(
        "%s: authorized_keys trust file (for `mutauth listen --trust`): %zu pinned client key(s), "
        "%zu user CA(s)\n",
        path.c_str(), b->pinned, b->authorities);
    for (const auto& p : ak.pinned())
      std::printf("  pinned  %.*s  %s\n", static_cast<int>(p.principal.size()), p.principal.data(),
                  std::string(pk::fingerprint(p.key).view()).c_str());
    for (const auto& ca : ak.authorities())
      std::printf("  CA      %s  principals %s\n",
                  std::string(pk::fingerprint(ca.key).view()).c_str(),
                  ca.principals.empty() ? "(any)" : std::string(ca.principals).c_str());
  }
  if (a || b) return 0;
  std::printf("%s: not a key, certificate, KRL or trust file mutauth accepts\n", path.c_str());
  std::printf("  as known_hosts:      %s\n", err(a.error_value()).c_str());
  std::printf("  as authorized_keys:  %s\n", err(b.error_value()).c_str());
  return 1;
}

}  // namespace inspect_detail

/// `client_name`: with --as-client, the principal the client would assert (--name); empty: the
/// same default as `mutauth connect`. `allow`: with --as-client, the names `mutauth listen
/// --allow` would admit (null: admission not judged).
inline int inspect(const std::vector<std::string>& files, const std::string& target, bool as_server,
                   bool as_client, const std::string& trust_path, const std::string& krl_path,
                   bool host_wide, const std::string& client_name = {},
                   const std::vector<std::string>* allow = nullptr) {
  using namespace inspect_detail;
  Trust t;
  if (!trust_path.empty()) {
    bool ok = false;
    t.text = read_file(trust_path, ok);
    if (!ok) {
      std::printf("cannot read trust file %s\n", trust_path.c_str());
      return 2;
    }
    t.have_hosts = static_cast<bool>(t.known_hosts.parse(t.text));
    t.have_users = static_cast<bool>(t.authorized_keys.parse(t.text));
    if (!t.have_hosts && !t.have_users) return explain_trust_file(trust_path, t.text) == 0 ? 0 : 2;
  }
  if (!krl_path.empty()) {
    t.krl_buf.resize(1 << 20);
    auto k = pk::load_krl_file(krl_path.c_str(), t.krl_buf);
    if (!k) {
      std::printf("KRL %s refused: %s\n", krl_path.c_str(), err(k.error_value()).c_str());
      return 2;
    }
    t.krl.emplace(*k);
  }
  int worst = 0;
  for (const auto& path : files) {
    bool ok = false;
    const std::string text = read_file(path, ok);
    int rc = 0;
    if (!ok) {
      std::printf("%s: cannot read\n", path.c_str());
      rc = 2;
    } else if (text.rfind("SSHKRL\n", 0) == 0) {
      auto k = pk::Krl::parse(
          bytes_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      if (!k) {
        std::printf("%s: OpenSSH KRL, REFUSED: %s\n", path.c_str(), err(k.error_value()).c_str());
        rc = 1;
      } else {
        auto s = k->summary();
        std::printf("%s: OpenSSH KRL version %llu, generated %s\n", path.c_str(),
                    static_cast<unsigned long long>(k->version()),
                    utc(k->generated_date()).c_str());
        std::printf(
            "  revokes: %zu serial(s), %zu serial range(s), %zu serial bitmap(s), %zu key id(s), "
            "%zu explicit key(s), %zu SHA256 key hash(es)\n",
            s.serials, s.serial_ranges, s.serial_bitmaps, s.key_ids, s.explicit_keys,
            s.sha256_hashes);
      }
    } else if (text.rfind("-----BEGIN OPENSSH PRIVATE KEY-----", 0) == 0) {
      auto k = pk::parse_private_key(text);
      if (!k) {
        std::printf("%s: OpenSSH private key, REFUSED: %s\n", path.c_str(),
                    err(k.error_value()).c_str());
        rc = 1;
      } else {
        std::printf("%s: Ed25519 private key \"%.*s\", public key %s\n", path.c_str(),
                    static_cast<int>(k->comment().size()), k->comment().data(),
                    std::string(pk::fingerprint(k->public_key()).view()).c_str());
      }
    } else if (text.rfind("ssh-ed25519-cert-v01@openssh.com ", 0) == 0) {
      std::array<std::uint8_t, pk::max_certificate_size> buf{};
      auto blob = pk::parse_certificate_line(text, buf);
      if (!blob) {
        std::printf("%s: OpenSSH certificate, REFUSED: %s\n", path.c_str(),
                    err(blob.error_value()).c_str());
        rc = 1;
      } else {
        rc = explain_certificate(path, text, *blob, target, as_server, as_client, t, host_wide,
                                 client_name, allow);
      }
    } else if (text.rfind("ssh-", 0) == 0 || text.rfind("ecdsa-", 0) == 0) {
      auto k = pk::parse_public_key_line(text);
      if (!k) {
        std::printf("%s: public key, REFUSED: %s\n", path.c_str(), err(k.error_value()).c_str());
        rc = 1;
      } else {
        std::printf("%s: Ed25519 public key %s\n", path.c_str(),
                    std::string(pk::fingerprint(*k).view()).c_str());
      }
    } else {
      rc = explain_trust_file(path, text);
    }
    if (rc > worst) worst = rc;
  }
  return worst;
}

}  // namespace mutauth::cli
