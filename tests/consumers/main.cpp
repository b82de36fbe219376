// A program outside mutauth that uses it the way a user would (see run_consumer.cmake).
// It prints one line ending in "ok" and returns 0 only if what it printed is what it expected.
#include <cstdint>      // std::uint8_t
#include <cstdio>       // std::printf
#include <cstring>      // std::memcmp
#include <string_view>  // std::string_view

#include <mutauth/error.hpp>
#if __has_include(<mutauth/principal.hpp>)
#include <mutauth/principal.hpp>  // compile check: the header is self-contained for consumers
#endif

#if defined(CONSUMER_HAS_PK)
#include <sodium.h>  // the pk target must bring libsodium's include path and library

#include <mutauth/mech/pk/limits.hpp>
#endif
#if defined(CONSUMER_HAS_NOISE)
#include <mutauth/noise/handshake_state.hpp>
#endif
#if defined(CONSUMER_HAS_KRB5)
#include <gssapi/gssapi.h>  // the krb5 target must bring GSS-API's include path and library
#endif

#ifndef CONSUMER_KIND
#error "CONSUMER_KIND must be defined by the consumer's CMakeLists.txt"
#endif

int main() {
  int failures = 0;

  constexpr std::string_view text = mutauth::to_string(mutauth::errc::revoked);
  static_assert(!text.empty());
  std::printf("errc::revoked: %.*s\n", static_cast<int>(text.size()), text.data());
  if (text != "credential revoked") ++failures;
  if (mutauth::category_of(mutauth::errc::revoked) != mutauth::error_category_id::identity) {
    ++failures;
  }

#if defined(CONSUMER_HAS_PK)
  if (sodium_init() < 0) ++failures;
  std::printf("libsodium %s linked\n", sodium_version_string());
  // The certificate limit reaches consumers through mutauth::pk's compile definitions.
  std::printf("pk certificate limit %zu (expected %d)\n", mutauth::pk::max_certificate_size,
              CONSUMER_PK_LIMIT);
  if (mutauth::pk::max_certificate_size != CONSUMER_PK_LIMIT) ++failures;
#endif
#if defined(CONSUMER_HAS_NOISE)
  {  // One Noise NN handshake in memory: both sides must end with the same handshake hash.
    namespace nz = mutauth::noise;
    auto ini = nz::HandshakeState::create(nz::Role::initiator, {});
    auto res = nz::HandshakeState::create(nz::Role::responder, {});
    std::uint8_t m1[nz::HandshakeState::message1_size]{},
        m2[nz::HandshakeState::message2_overhead]{};
    bool ok = ini && res && ini->write_message({}, m1) && res->read_message(m1, {}) &&
              res->write_message({}, m2) && ini->read_message(m2, {});
    ok = ok &&
         std::memcmp(ini->handshake_hash().data(), res->handshake_hash().data(), nz::hashlen) == 0;
    std::printf("%.*s handshake: %s\n", static_cast<int>(nz::HandshakeState::protocol_name.size()),
                nz::HandshakeState::protocol_name.data(), ok ? "same hash" : "FAILED");
    if (!ok) ++failures;
  }
#endif
#if defined(CONSUMER_HAS_KRB5)
  OM_uint32 minor = 0;
  gss_buffer_desc empty = GSS_C_EMPTY_BUFFER;
  if (gss_release_buffer(&minor, &empty) != GSS_S_COMPLETE) ++failures;
  std::printf("GSS-API linked\n");
#endif

  std::printf("mutauth consumer (%s): %s\n", CONSUMER_KIND, failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
