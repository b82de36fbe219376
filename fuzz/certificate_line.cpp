// Fuzz target: parse_certificate_line (a `*-cert.pub` line, certificate.hpp). The first byte
// picks the size of the output buffer (0: the documented max_certificate_size; else 1..255
// bytes), so that buffer_too_small is reached as well as the base64 and parser paths.
// Invariants: an accepted line yields a prefix of the caller's buffer that parse_certificate
// accepts; a smaller buffer either gives the same blob or says buffer_too_small and asks for
// max_certificate_size; refusals are log-safe; base64-encoding the blob back gives a line that
// parses to the same blob.
#include <sodium.h>

#include <array>
#include <memory>
#include <string>

#include "fuzz_common.hpp"
#include "mutauth/mech/pk/certificate.hpp"

using namespace mutauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool init = sodium_init() >= 0;
  MUTAUTH_FUZZ_CHECK(init);
  fuzz::input in(data, size);
  const std::size_t small_size = in.u8();
  const std::string_view line = fuzz::as_text(in.rest());

  static std::array<std::uint8_t, pk::max_certificate_size> big;
  auto r = pk::parse_certificate_line(line, big);
  if (!r) {
    MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(r.error_value()));
  } else {
    MUTAUTH_FUZZ_CHECK(r->data() == big.data() && r->size() <= big.size());
    MUTAUTH_FUZZ_CHECK(pk::parse_certificate(*r));
    // Canonical re-encoding parses to the same bytes.
    std::string b64(sodium_base64_ENCODED_LEN(r->size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), r->data(), r->size(), sodium_base64_VARIANT_ORIGINAL);
    b64.resize(b64.size() - 1);  // the terminating NUL
    const std::string again_line = std::string(pk::ed25519_cert_type) + " " + b64 + " c";
    std::array<std::uint8_t, pk::max_certificate_size> again{};
    auto r2 = pk::parse_certificate_line(again_line, again);
    MUTAUTH_FUZZ_CHECK(r2 && fuzz::same(*r, *r2));
  }
  if (small_size != 0) {
    // An exactly-sized heap buffer, so that ASan sees any write past the caller's span.
    std::unique_ptr<std::uint8_t[]> small(new std::uint8_t[small_size]);
    auto s = pk::parse_certificate_line(line, bytes_span(small.get(), small_size));
    if (s) {
      MUTAUTH_FUZZ_CHECK(r && fuzz::same(*r, *s) && s->data() == small.get());
    } else if (s.code() == errc::buffer_too_small) {
      MUTAUTH_FUZZ_CHECK(s.error_value().required_size() == pk::max_certificate_size);
    } else {
      // Otherwise the refusal is exactly the one the full-size buffer gave (the size check uses
      // the exact decoded length, so a short buffer is never reported as bad base64).
      MUTAUTH_FUZZ_CHECK(!r && r.code() == s.code());
    }
  }
  return 0;
}
