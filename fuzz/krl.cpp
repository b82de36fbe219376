// Fuzz target: Krl::parse (krl.hpp) and, when the KRL parses, the revocation queries
// check_key / check_certificate and summary().
// The queries are checked against an oracle: a second, independent reading of the validated KRL
// (the harness's own SSH wire reader below, not the library's walker) that collects what the KRL
// revokes. Queried: every Ed25519 key and CA the KRL mentions plus two fixed keys; every serial it
// lists (range ends, bitmap bits) plus neighbours and 0; every key id plus one it does not list.
// Invariants: the answer is ok or revoked (never a parse error after parse() succeeded), and it is
// revoked exactly when the oracle says so; refusals and revocations are log-safe; summary()
// counts what the oracle counted.
#include <sodium.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_cert.hpp"
#include "mutauth/mech/pk/krl.hpp"

using namespace mutauth;

namespace {

// A forgiving reader for data the library has already validated: fails by returning nullopt.
struct rd {
  bytes_view b;
  std::size_t pos = 0;
  bool end() const { return pos == b.size(); }
  std::optional<std::uint64_t> num(std::size_t n) {
    if (b.size() - pos < n) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[pos + i];
    pos += n;
    return v;
  }
  std::optional<bytes_view> str() {
    auto n = num(4);
    if (!n || b.size() - pos < *n) return std::nullopt;
    const bytes_view s = b.subspan(pos, static_cast<std::size_t>(*n));
    pos += static_cast<std::size_t>(*n);
    return s;
  }
};

struct cert_rule {
  fuzz::bytes ca;  // empty: every CA
  enum kind { range, bitmap, key_id } k;
  std::uint64_t lo = 0, hi = 0;
  fuzz::bytes bits;  // bitmap magnitude, big-endian (leading zero kept; harmless)
  std::string id;
};

struct Oracle {
  std::vector<fuzz::bytes> keys;    // explicit key blobs
  std::vector<fuzz::bytes> hashes;  // SHA-256 of key blobs
  std::vector<cert_rule> rules;
  std::size_t serials = 0, ranges = 0, bitmaps = 0, ids = 0;

  bool key_revoked(const pk::Ed25519PublicKey& k) const {
    const auto blob = pk::wire_blob(k);
    std::array<std::uint8_t, 32> h{};
    crypto_hash_sha256(h.data(), blob.data(), blob.size());
    for (const auto& e : keys)
      if (fuzz::same(e, blob)) return true;
    for (const auto& e : hashes)
      if (fuzz::same(e, h)) return true;
    return false;
  }
  bool cert_revoked(const pk::Ed25519PublicKey& ca, std::uint64_t serial,
                    std::string_view id) const {
    const auto ca_blob = pk::wire_blob(ca);
    for (const cert_rule& r : rules) {
      if (!r.ca.empty() && !fuzz::same(r.ca, ca_blob)) continue;
      switch (r.k) {
        case cert_rule::range:
          if (serial != 0 && serial >= r.lo && serial <= r.hi) return true;
          break;
        case cert_rule::bitmap: {
          // Bit i of the big-endian number stands for serial offset + i (PROTOCOL.krl §2.3).
          if (serial == 0 || serial < r.lo) break;
          const std::uint64_t i = serial - r.lo;
          if (i / 8 >= r.bits.size()) break;
          if ((r.bits[r.bits.size() - 1 - i / 8] >> (i % 8)) & 1) return true;
          break;
        }
        case cert_rule::key_id:
          if (r.id == id) return true;
          break;
      }
    }
    return false;
  }
};

// Reads a KRL that Krl::parse accepted. Any surprise is a finding: parse() claimed it valid.
Oracle read_krl(bytes_view data) {
  Oracle o;
  rd r{data};
  MUTAUTH_FUZZ_CHECK(r.num(8) && r.num(4) && r.num(8) && r.num(8) && r.num(8) && r.str() &&
                     r.str());
  while (!r.end()) {
    auto type = r.num(1);
    auto body = r.str();
    MUTAUTH_FUZZ_CHECK(type && body);
    rd b{*body};
    switch (*type) {
      case 1: {
        auto ca = b.str();
        MUTAUTH_FUZZ_CHECK(ca && b.str());
        while (!b.end()) {
          auto st = b.num(1);
          auto sb = b.str();
          MUTAUTH_FUZZ_CHECK(st && sb);
          rd s{*sb};
          cert_rule rule;
          rule.ca.assign(ca->begin(), ca->end());
          if (*st == 0x20) {
            while (!s.end()) {
              auto v = s.num(8);
              MUTAUTH_FUZZ_CHECK(v);
              rule.k = cert_rule::range;
              rule.lo = rule.hi = *v;
              o.rules.push_back(rule);
              ++o.serials;
            }
          } else if (*st == 0x21) {
            auto lo = s.num(8), hi = s.num(8);
            MUTAUTH_FUZZ_CHECK(lo && hi);
            rule.k = cert_rule::range;
            rule.lo = *lo;
            rule.hi = *hi;
            o.rules.push_back(rule);
            ++o.ranges;  // also when min == max (regress-summary-range-min-equals-max)
          } else if (*st == 0x22) {
            auto off = s.num(8);
            auto mp = s.str();
            MUTAUTH_FUZZ_CHECK(off && mp);
            rule.k = cert_rule::bitmap;
            rule.lo = *off;
            rule.bits.assign(mp->begin(), mp->end());
            o.rules.push_back(rule);
            ++o.bitmaps;
          } else if (*st == 0x23) {
            while (!s.end()) {
              auto id = s.str();
              MUTAUTH_FUZZ_CHECK(id);
              rule.k = cert_rule::key_id;
              rule.id.assign(id->begin(), id->end());
              o.rules.push_back(rule);
              ++o.ids;
            }
          }
        }
        break;
      }
      case 2:
        while (!b.end()) {
          auto k = b.str();
          MUTAUTH_FUZZ_CHECK(k);
          o.keys.emplace_back(k->begin(), k->end());
        }
        break;
      case 5:
        while (!b.end()) {
          auto h = b.str();
          MUTAUTH_FUZZ_CHECK(h);
          o.hashes.emplace_back(h->begin(), h->end());
        }
        break;
      default: break;  // extensions (non-critical, skipped)
    }
  }
  return o;
}

// Ed25519 keys named by a blob, when the blob is one.
void collect_key(bytes_view blob, std::vector<pk::Ed25519PublicKey>& out) {
  if (auto k = pk::parse_public_key_blob(blob)) out.push_back(*k);
}

void check_answer(const result<void>& r, bool expect_revoked) {
  if (r) {
    MUTAUTH_FUZZ_CHECK(!expect_revoked);
  } else {
    MUTAUTH_FUZZ_CHECK(r.code() == errc::revoked && expect_revoked);
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(r.error_value()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool init = sodium_init() >= 0;
  MUTAUTH_FUZZ_CHECK(init);
  // An exact-size copy, so that ASan sees a read past the end of the caller's bytes.
  const fuzz::bytes in(data, data + size);
  auto krl = pk::Krl::parse(in);
  if (!krl) {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(krl.error_value()));
    return 0;
  }
  const Oracle o = read_krl(in);

  const pk::KrlSummary s = krl->summary();
  MUTAUTH_FUZZ_CHECK(s.serials == o.serials && s.serial_ranges == o.ranges &&
                     s.serial_bitmaps == o.bitmaps && s.key_ids == o.ids &&
                     s.explicit_keys == o.keys.size() && s.sha256_hashes == o.hashes.size());

  std::vector<pk::Ed25519PublicKey> keys{fuzz::fixed_key(3).public_key(),
                                         fuzz::fixed_key(4).public_key()};
  for (const auto& k : o.keys) collect_key(k, keys);
  for (const auto& r : o.rules) collect_key(r.ca, keys);
  if (keys.size() > 12) keys.resize(12);  // bound the work per input
  for (const auto& k : keys) check_answer(krl->check_key(k), o.key_revoked(k));

  std::vector<std::uint64_t> serials{0, 1, 13, ~std::uint64_t{0}};
  std::vector<std::string> ids{"", "not-listed-id"};
  for (const auto& r : o.rules) {
    if (serials.size() > 24) break;
    switch (r.k) {
      case cert_rule::range:
        for (std::uint64_t v : {r.lo - 1, r.lo, r.hi, r.hi + 1}) serials.push_back(v);
        break;
      case cert_rule::bitmap:
        for (std::uint64_t i = 0; i < 16 && i < r.bits.size() * 8; ++i) serials.push_back(r.lo + i);
        break;
      case cert_rule::key_id: ids.push_back(r.id); break;
    }
  }
  if (ids.size() > 6) ids.resize(6);
  std::size_t cas = 0;
  for (const auto& ca : keys) {
    if (++cas > 4) break;
    for (std::uint64_t serial : serials)
      for (const std::string& id : ids)
        check_answer(krl->check_certificate(ca, serial, id), o.cert_revoked(ca, serial, id));
  }
  return 0;
}
