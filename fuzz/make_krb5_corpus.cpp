// Writes the seed inputs of the Kerberos fuzz targets: genuine tokens of real exchanges against
// the KDC fixture, for the fixed-password service of fuzz_krb5.hpp. The AP-REQs stay valid for
// krb5_acceptor in later runs because its keytab is derived from the same password and its
// krb5.conf tolerates old authenticators (see fuzz_krb5.hpp).
// Usage: fuzz_make_krb5_corpus <corpus dir>   (fuzz/make_corpus.sh runs it when it was built)
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fuzz_krb5.hpp"
#include "seed_writer.hpp"

using namespace mutauth;
using fuzz::bytes;

namespace {
using fuzz::put;

// An AP-REQ made by plain GSS-API with the given flags (our Initiator always asks for all of
// them, so the refusals of a client that did not need raw calls).
bytes raw_ap_req(std::string_view service, OM_uint32 flags) {
  gss_buffer_desc name_buf{service.size(), const_cast<char*>(service.data())};
  gss_name_t name = GSS_C_NO_NAME;
  OM_uint32 minor = 0;
  MUTAUTH_FUZZ_CHECK(
      !GSS_ERROR(gss_import_name(&minor, &name_buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name)));
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_buffer_desc out{0, nullptr};
  const OM_uint32 major = gss_init_sec_context(
      &minor, GSS_C_NO_CREDENTIAL, &ctx, name, gss_mech_krb5, flags, GSS_C_INDEFINITE,
      GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, nullptr, &out, nullptr, nullptr);
  MUTAUTH_FUZZ_CHECK(!GSS_ERROR(major) && out.length > 0);
  const auto* p = static_cast<const std::uint8_t*>(out.value);
  bytes b(p, p + out.length);
  gss_release_buffer(&minor, &out);
  gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  gss_release_name(&minor, &name);
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  fuzz::seed_root = argv[1];
  fuzz::KrbEnv& env = fuzz::krb5_setup(/*with_kdc=*/true);

  Initiator<fuzz::KRB> client(env.service, env.icfg);
  step_result r = client.step();
  MUTAUTH_FUZZ_CHECK(r.st == status::send);
  const bytes ap_req = fuzz::copy(r.token);
  Acceptor<fuzz::KRB> server(env.acfg, fuzz::allow_any);
  const step_result a = server.step(ap_req);
  MUTAUTH_FUZZ_CHECK(a.st == status::done);
  const bytes ap_rep = fuzz::copy(a.token);
  MUTAUTH_FUZZ_CHECK(client.step(ap_rep).st == status::done);

  // krb5_acceptor: the whole input is the token.
  put("krb5_acceptor", "ap-req-alice", ap_req);
  constexpr OM_uint32 all = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG |
                            GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
  put("krb5_acceptor", "ap-req-no-mutual",
      raw_ap_req(fuzz::krb5_service, all & ~GSS_C_MUTUAL_FLAG));
  put("krb5_acceptor", "ap-req-no-sequence",
      raw_ap_req(fuzz::krb5_service, all & ~GSS_C_SEQUENCE_FLAG));
  // A ticket for a service whose key the acceptor does not hold (the fixture's own host key).
  put("krb5_acceptor", "ap-req-other-service",
      raw_ap_req("host/server.example.test@EXAMPLE.TEST", all));

  // krb5_initiator: mode byte | AP-REP (mode 0) or mutation program (mode 1).
  bytes raw{0};
  raw.insert(raw.end(), ap_rep.begin(), ap_rep.end());
  put("krb5_initiator", "raw-ap-rep-of-another-exchange", raw);
  put("krb5_initiator", "honest", bytes{1});
  put("krb5_initiator", "xor-byte-40", bytes{1, 0, 0, 40, 0x01});
  put("krb5_initiator", "truncate-30", bytes{1, 1, 0, 30, 0});
  put("krb5_initiator", "append-16", bytes{1, 4, 0, 15, 0x30});
  std::printf("fuzz_make_krb5_corpus: wrote seeds under %s\n", fuzz::seed_root.c_str());
  return 0;
}
