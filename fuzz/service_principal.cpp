// Fuzz target: ServicePrincipal::parse and compose (principal.hpp), the names G2 rests on.
// Every accepted name must be canonical: parse(to_string()) gives back an equal name with the
// same text, its parts rebuild it through compose(), and its pk and GSS renderings parse back to
// the same service and host. Every refusal is a malformed-input error whose text is log-safe.
// The input is also split at '\n' into service / host / realm for compose().
#include "fuzz_common.hpp"
#include "mutauth/principal.hpp"

using namespace mutauth;

namespace {
void check_refusal(const error& e) {
  MUTAUTH_FUZZ_CHECK(e.category() == error_category_id::malformed);
  MUTAUTH_FUZZ_CHECK(fuzz::detail_is_log_safe(e));
}

void check_canonical(const ServicePrincipal& sp) {
  const auto text = sp.to_string();
  auto again = ServicePrincipal::parse(text.view());
  MUTAUTH_FUZZ_CHECK(again && *again == sp && again->to_string().view() == text.view());
  auto parts = ServicePrincipal::compose(sp.service(), sp.host(), sp.port(), sp.realm());
  MUTAUTH_FUZZ_CHECK(parts && *parts == sp);
  for (char c : sp.host()) MUTAUTH_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));  // lower-cased
  MUTAUTH_FUZZ_CHECK(!sp.host().empty() && sp.host().back() != '.' &&
                     sp.host().find('.') != std::string_view::npos);
  auto pk = ServicePrincipal::parse(sp.pk_name().view());
  MUTAUTH_FUZZ_CHECK(pk && pk->service() == sp.service() && pk->host() == sp.host() &&
                     pk->port() == sp.port() && !pk->has_realm());
  auto gss = ServicePrincipal::parse(sp.gss_hostbased_name().view());
  MUTAUTH_FUZZ_CHECK(gss && gss->service() == sp.service() && gss->host() == sp.host() &&
                     !gss->has_port() && !gss->has_realm());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto sp = ServicePrincipal::parse(text)) check_canonical(*sp);
  else check_refusal(sp.error_value());

  const std::size_t a = text.find('\n'), b = a == text.npos ? a : text.find('\n', a + 1);
  if (b == text.npos) return 0;
  const auto port = static_cast<std::uint16_t>(size % 3 == 0 ? 0 : 8000 + size);
  auto composed = ServicePrincipal::compose(text.substr(0, a), text.substr(a + 1, b - a - 1), port,
                                            text.substr(b + 1));
  if (composed) check_canonical(*composed);
  else check_refusal(composed.error_value());
  return 0;
}
