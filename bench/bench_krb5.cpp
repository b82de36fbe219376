// bench_krb5 — the cost of the Kerberos adapter (docs/design.md §5) against the GSS-API calls it wraps,
// on a real MIT KDC (tests/krb5/kdc_fixture.sh, started once for the whole run), and Kerberos
// record throughput for comparison with the pk session.
//
//   BM_krb5_raw_gss      one full mutual exchange with bare GSS-API calls: import the composed
//                        target, gss_init_sec_context (AP-REQ), gss_accept_sec_context (AP-REP),
//                        gss_init_sec_context (verifies the AP-REP), the same ret_flags and mech
//                        checks, and gss_inquire_context + gss_display_name of the target on the
//                        initiator with a compare against the composed name — the checks a
//                        careful raw-GSS program makes. Same flags (MUTUAL|REPLAY|SEQUENCE|CONF|
//                        INTEG), same target name, same credentials: the initiator's default
//                        (ccache + client keytab), an acceptor credential bound to the SPN —
//                        acquired ONCE, as a raw server would.
//   BM_krb5_adapter      the same exchange through Initiator/Acceptor<krb5::Kerberos> + finish()
//                        on both sides, sessions destroyed.
//   BM_krb5_adapter_vs_raw_paired  both back to back per iteration (alternating order) on this
//                        thread's CPU clock; the medians and their ratio. On a shared machine the
//                        two separate benchmarks run seconds apart and their ratio also measures
//                        how the load changed; this one does not.
//   BM_krb5_adapter_vs_raw_cb_paired  the same with 32 bytes of channel bindings on both sides
//                        (InitiatorConfig/AcceptorConfig::channel_binding; the raw loop passes
//                        the same gss_channel_bindings_struct and checks GSS_C_CHANNEL_BOUND_FLAG).
//   BM_krb5_session_seal_open/N    Session<Kerberos> seal on the client + open on the server of
//                        one N-byte data record (gss_wrap/gss_unwrap with confidentiality of
//                        N + 1 bytes: the content and its type byte), as bench_session does for pk.
//   *_held_paired        the same pairs with the initiator's credential acquired ONCE and shared
//                        by every handshake, on both sides of the comparison: the adapter through
//                        InitiatorConfig::credential (krb5::InitiatorCredential, which also fixes
//                        Session::local() once), the raw loop passing its own gss_acquire_cred
//                        handle as claimant_cred_handle — what a raw client holding a
//                        credential does. (Holding one also spares MIT's per-handshake default
//                        credential lookup, so the raw loop must hold one too to be fair.)
//   *_rcache_none        the two handshakes again with KRB5RCACHETYPE=none — NOT how the fixture
//                        or any production acceptor runs (no replay detection of AP-REQs); only
//                        there to show what the replay cache costs. The headline rows keep the
//                        fixture's configuration: replay cache on, in KRB5RCACHEDIR.
//
// What the adapter does per handshake beyond the raw loop (each is a docs/design.md §5 / §1 choice;
// callgrind attributes the difference — see the report). Counted with gdb on krb5_init_context,
// MIT 1.20: every name a GSS call hands out costs one fresh krb5_context when it is made (the
// mechglue displays it into its union name), one per gss_display_name and one per
// gss_release_name.
//   * acceptor: gss_display_name of the client (its Principal, and the anonymity check, G3).
//     Its own name is fixed by its credential (a realm in the service, or the one realm the
//     keytab holds it in, AcceptorCredential), so it is not inquired; only a per-handshake
//     credential for a realm-less service still inquires, displays and releases it;
//   * initiator: its own name (Session::local()) from gss_inquire_context: made, displayed and
//     released (3 krb5_contexts) — unless a held InitiatorCredential fixes it (then none); for
//     a target without a realm a [domain_realm] lookup in a per-thread krb5.conf profile (no
//     krb5_context after the first);
//   * and one call FEWER than the raw loop's: the target is imported for krb5 once
//     (gss_canonicalize_name), where the raw loop's host-based name is imported and released
//     inside each of its two gss_init_sec_context calls (4 krb5_contexts instead of 2);
//   * not at the handshake any more: gss_wrap_size_limit runs on the first seal/open, and the
//     channel-binding PRF when channel_binding() is first asked for;
//   * the core: state machine, token bounds, authorization callback, Principal copies.
//
// The first handshake (AS + TGS exchange with the KDC, ccache filled) runs in setup, outside any
// timing: every timed handshake uses the cached service ticket, so the KDC is not in the loop.
//
//   BM_krb5_raw_gss_adapter_calls  the raw loop making every GSS call the adapter makes (the
//                        list above): adapter / this = what the C++ layer itself costs;
//                        BM_krb5_adapter_vs_raw_calls_paired measures that ratio paired.
//
// Also: `bench_krb5 --loop=adapter|raw|rawcalls:N` runs N handshakes of one kind without Google
// Benchmark, for load-independent instruction counts:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*loop_adapter*'
//            build-bench/bench/bench_krb5 --loop=adapter:200   (likewise loop_raw, loop_rawcalls)
// and with a held initiator credential on both sides: --loop=adapter_held|raw_held|rawcalls_held
// (toggle '*loop_adapter*' / '*loop_raw*': the held loops are loop_adapter_held, loop_raw_held...).
// Why the extra calls are expensive: MIT builds a fresh krb5_context (krb5_init_context, which
// re-walks the krb5.conf profile) inside almost every GSS call — display_name, inquire_context,
// release_name, pseudo_random, wrap_size_limit included — so each extra call costs about the same
// whatever it does, and acquiring the acceptor credential per handshake adds a keytab and replay
// cache open/close on top.
#include <benchmark/benchmark.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "krb5/fixture_process.hpp"
#include "mutauth/handshake.hpp"
#include "mutauth/mech/krb5/krb5.hpp"
#include "paired.hpp"

#ifndef MUTAUTH_SOURCE_DIR
#error \
    "bench_krb5 needs MUTAUTH_SOURCE_DIR (bench/CMakeLists.txt) to find tests/krb5/kdc_fixture.sh"
#endif

namespace mutauth {
inline namespace v0 {
namespace bench {
namespace {

using K = krb5::Kerberos;

constexpr std::string_view target_text = "host/server.example.test";
// What gss_display_name shows for the target once the context is established (host-based name
// mapped to EXAMPLE.TEST by the fixture's [domain_realm]).
constexpr std::string_view target_shown = "host/server.example.test@EXAMPLE.TEST";
constexpr OM_uint32 req_flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG |
                                GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
// Exit status when no KDC can be brought up: report.sh says "skipped" instead of failing.
constexpr int exit_no_kdc = 77;

// ---- the KDC --------------------------------------------------------------------------------
// The tests' fixture (tests/krb5/fixture_process.hpp), started once for the whole run; it tears
// the realms down when its stdin reaches EOF, which also happens if this process dies.
class Kdc {
 public:
  bool start(std::string& why) {
    const char* script = std::getenv("MUTAUTH_KDC_FIXTURE");
    if (!process_.start(
            script != nullptr ? script : MUTAUTH_SOURCE_DIR "/tests/krb5/kdc_fixture.sh", why))
      return false;
    process_.export_env();  // and the replay cache on, as in the tests
    return true;
  }
  void stop() noexcept { process_.stop(); }

 private:
  testing::KdcFixtureProcess process_;
};

Kdc g_kdc;

// ---- shared setup ---------------------------------------------------------------------------
bool allow_alice(const Principal& p) noexcept { return p.name.view() == "alice@EXAMPLE.TEST"; }

// The channel-binding variant's bytes: the size of an RFC 9266 tls-exporter value.
constexpr std::uint8_t cb_value[32] = {
    0x6d, 0x75, 0x74, 0x61, 0x75, 0x74, 0x68, 0x00, 0x01, 0x02, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50,
    0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};

struct Setup {
  std::optional<ServicePrincipal> target;
  K::InitiatorConfig icfg{};              // default credentials: KRB5CCNAME, KRB5_CLIENT_KTNAME
  std::optional<K::AcceptorConfig> acfg;  // keytab from KRB5_KTNAME
  K::InitiatorConfig icfg_cb{};           // the same with channel bindings
  std::optional<K::AcceptorConfig> acfg_cb;
  // Acquired once, as a server does (and as the raw loop does): AcceptorConfig::credential.
  std::optional<krb5::AcceptorCredential> acceptor_cred;
  gss_cred_id_t raw_acceptor_cred = GSS_C_NO_CREDENTIAL;  // for the raw loop, acquired once
  // The *_held rows: the client's credential acquired once, by each side of the comparison.
  std::optional<krb5::InitiatorCredential> initiator_cred;
  K::InitiatorConfig icfg_held{};  // credential = &*initiator_cred
  gss_cred_id_t raw_initiator_cred = GSS_C_NO_CREDENTIAL;
  std::string error;
};
Setup g_setup;

struct Wire {
  std::size_t c2s = 0, s2c = 0;
  int flights = 0;
};

// One handshake through the adapter, both sides, sessions kept when asked.
bool adapter_handshake(Wire* wire = nullptr, std::optional<Session<K>>* cs = nullptr,
                       std::optional<Session<K>>* ss = nullptr, bool cb = false,
                       bool held = false) noexcept {
  Initiator<K> client(*g_setup.target,
                      held ? g_setup.icfg_held : (cb ? g_setup.icfg_cb : g_setup.icfg));
  Acceptor<K> server(cb ? *g_setup.acfg_cb : *g_setup.acfg, allow_alice);
  const step_result r1 = client.step();
  if (r1.st != status::send) return false;
  const std::size_t ap_req = r1.token.size();
  const step_result r2 = server.step(r1.token);
  if (r2.st != status::done || r2.token.empty()) return false;
  const std::size_t ap_rep = r2.token.size();
  const step_result r3 = client.step(r2.token);
  if (r3.st != status::done || !r3.token.empty()) return false;
  auto c = std::move(client).finish();
  auto s = std::move(server).finish();
  if (!c || !s) return false;
  if (wire != nullptr) *wire = {ap_req, ap_rep, 2};  // AP-REQ, then AP-REP: two flights
  if (cs != nullptr) cs->emplace(std::move(*c));
  if (ss != nullptr) ss->emplace(std::move(*s));
  return true;
}

// The adapter's first handshake with its error texts, for setup diagnostics.
std::string adapter_error() {
  Initiator<K> client(*g_setup.target, g_setup.icfg);
  Acceptor<K> server(*g_setup.acfg, allow_alice);
  const step_result r1 = client.step();
  if (r1.st != status::send) return "initiator: " + std::string(client.last_error().detail());
  const step_result r2 = server.step(r1.token);
  if (r2.st != status::done) return "acceptor: " + std::string(server.last_error().detail());
  const step_result r3 = client.step(r2.token);
  if (r3.st != status::done) return "initiator: " + std::string(client.last_error().detail());
  return "finish failed";
}

// Acquires an ACCEPT credential bound to the SPN exactly as the adapter does (same name type,
// same mech set, the default keytab), so the raw loop and the adapter accept with the same key.
bool acquire_acceptor_cred(gss_cred_id_t* out) noexcept {
  const std::string host_based = "host@server.example.test";
  gss_buffer_desc nb{host_based.size(), const_cast<char*>(host_based.data())};
  gss_name_t name = GSS_C_NO_NAME;
  OM_uint32 minor = 0;
  if (GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &name))) return false;
  gss_OID_set_desc mechs{1, gss_mech_krb5};
  const gss_key_value_set_desc store{0, nullptr};
  const OM_uint32 major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs,
                                                GSS_C_ACCEPT, &store, out, nullptr, nullptr);
  gss_release_name(&minor, &name);
  return !GSS_ERROR(major);
}

// Display form of a name into `out`; false on a GSS error.
bool display(gss_name_t n, std::string& out) noexcept {
  OM_uint32 minor = 0;
  gss_buffer_desc text{0, nullptr};
  if (GSS_ERROR(gss_display_name(&minor, n, &text, nullptr))) return false;
  out.assign(static_cast<const char*>(text.value), text.length);
  gss_release_buffer(&minor, &text);
  return true;
}

// The [domain_realm] lookup the adapter's initiator makes for a target without a realm.
bool mapped_realm_is(std::string_view host, std::string_view realm) noexcept {
  mutauth::detail::fixed_string<255> out;
  return krb5::detail::configured_realm(host, out) && out.view() == realm;
}

// One mutual exchange with bare GSS-API (see the header for what it includes and why).
// With `adapter_calls` the raw loop makes every GSS call the adapter makes, in the adapter's
// order (BM_krb5_raw_gss_adapter_calls): the target imported for krb5 once, the client's
// display name on the acceptor, the initiator's own name inquired and displayed (not with a
// held credential, which fixes it), the [domain_realm] lookup. The adapter against THAT loop
// is the cost of the C++ around the GSS calls, nothing else. With `cb`, both sides bind
// cb_value (and the acceptor requires GSS_C_CHANNEL_BOUND_FLAG, as the adapter does). `icred`:
// the initiator's credential, GSS_C_NO_CREDENTIAL for MIT's default (the *_held rows pass
// one acquired once).
bool raw_handshake(gss_cred_id_t acred, Wire* wire = nullptr, bool adapter_calls = false,
                   bool cb = false, gss_cred_id_t icred = GSS_C_NO_CREDENTIAL) noexcept {
  OM_uint32 minor = 0;
  bool ok = false;
  std::string peer, local;
  gss_name_t target = GSS_C_NO_NAME, src = GSS_C_NO_NAME, shown = GSS_C_NO_NAME;
  gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
  gss_buffer_desc ap_req{0, nullptr}, ap_rep{0, nullptr}, last{0, nullptr}, text{0, nullptr};
  OM_uint32 iflags = 0, aflags = 0;
  gss_OID mech = GSS_C_NO_OID;
  // The client composes the target per connection, like the adapter (and as import_service_name
  // does: host-based form, no realm given).
  const std::string_view hb = "host@server.example.test";
  gss_buffer_desc nb{hb.size(), const_cast<char*>(hb.data())};
  gss_channel_bindings_struct bindings{};
  bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
  bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
  bindings.application_data = {sizeof cb_value, const_cast<std::uint8_t*>(cb_value)};
  const gss_channel_bindings_t chan = cb ? &bindings : GSS_C_NO_CHANNEL_BINDINGS;
  const bool inquire_self = adapter_calls && icred == GSS_C_NO_CREDENTIAL;
  do {
    if (GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target))) break;
    if (adapter_calls) {  // the adapter's krb5 form of the target, made once
      gss_name_t mn = GSS_C_NO_NAME;
      const OM_uint32 canon = gss_canonicalize_name(&minor, target, gss_mech_krb5, &mn);
      gss_release_name(&minor, &target);
      target = mn;
      if (GSS_ERROR(canon)) break;
    }
    OM_uint32 major = gss_init_sec_context(&minor, icred, &ictx, target, gss_mech_krb5, req_flags,
                                           GSS_C_INDEFINITE, chan, GSS_C_NO_BUFFER, nullptr,
                                           &ap_req, &iflags, nullptr);
    if (major != GSS_S_CONTINUE_NEEDED || ap_req.length == 0) break;
    major = gss_accept_sec_context(&minor, &actx, acred, &ap_req, chan, &src, &mech, &ap_rep,
                                   &aflags, nullptr, nullptr);
    if (major != GSS_S_COMPLETE || ap_rep.length == 0) break;
    // The checks the adapter also makes: krb5 mech, and every requested flag granted.
    if (mech == GSS_C_NO_OID || mech->length != gss_mech_krb5->length ||
        std::memcmp(mech->elements, gss_mech_krb5->elements, mech->length) != 0)
      break;
    if ((aflags & req_flags) != req_flags) break;
    if (cb && (aflags & GSS_C_CHANNEL_BOUND_FLAG) == 0) break;
    // The adapter's acceptor displays the client (the shared credential fixes its own name).
    if (adapter_calls && !display(src, peer)) break;
    major = gss_init_sec_context(&minor, icred, &ictx, target, gss_mech_krb5, req_flags,
                                 GSS_C_INDEFINITE, chan, &ap_rep, nullptr, &last, &iflags, nullptr);
    if (major != GSS_S_COMPLETE || last.length != 0) break;
    if ((iflags & req_flags) != req_flags) break;
    // G2 in raw form: the context must have authenticated exactly the composed name.
    // (The adapter also asks for and displays the initiator's own name.)
    gss_name_t self = GSS_C_NO_NAME;
    if (GSS_ERROR(gss_inquire_context(&minor, ictx, inquire_self ? &self : nullptr, &shown, nullptr,
                                      nullptr, nullptr, nullptr, nullptr)))
      break;
    if (GSS_ERROR(gss_display_name(&minor, shown, &text, nullptr))) break;
    std::string_view s(static_cast<const char*>(text.value), text.length);
    if (adapter_calls && !mapped_realm_is("server.example.test", "EXAMPLE.TEST")) break;
    if (s != target_shown) break;
    if (inquire_self) {
      const bool named = display(self, local);
      gss_release_name(&minor, &self);
      if (!named) break;
    }
    if (wire != nullptr) *wire = {ap_req.length, ap_rep.length, 2};
    ok = true;
  } while (false);
  gss_release_buffer(&minor, &text);
  gss_release_buffer(&minor, &last);
  gss_release_buffer(&minor, &ap_rep);
  gss_release_buffer(&minor, &ap_req);
  gss_release_name(&minor, &shown);
  gss_release_name(&minor, &src);
  gss_release_name(&minor, &target);
  gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
  gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
  return ok;
}

bool setup() {
  std::string why;
  if (!g_kdc.start(why)) {
    g_setup.error = "KDC fixture: " + why;
    return false;
  }
  auto t = ServicePrincipal::parse(target_text);
  if (!t) {
    g_setup.error = "target name";
    return false;
  }
  g_setup.target.emplace(*t);
  auto cred = krb5::AcceptorCredential::acquire(*t);
  if (!cred) {
    g_setup.error = "AcceptorCredential::acquire failed";
    return false;
  }
  g_setup.acceptor_cred.emplace(std::move(*cred));
  g_setup.acfg.emplace(K::AcceptorConfig{*t, {}, &*g_setup.acceptor_cred});
  g_setup.icfg_cb.channel_binding = bytes_view(cb_value, sizeof cb_value);
  g_setup.acfg_cb.emplace(*g_setup.acfg);
  g_setup.acfg_cb->channel_binding = bytes_view(cb_value, sizeof cb_value);
  // Outside any timing: AS + TGS with the KDC; the ccache now holds the service ticket.
  if (!adapter_handshake()) {
    g_setup.error = "first Kerberos handshake failed: " + adapter_error();
    return false;
  }
  if (!acquire_acceptor_cred(&g_setup.raw_acceptor_cred)) {
    g_setup.error = "gss_acquire_cred_from (acceptor) failed";
    return false;
  }
  if (!raw_handshake(g_setup.raw_acceptor_cred)) {
    g_setup.error = "raw GSS handshake failed";
    return false;
  }
  auto icred = krb5::InitiatorCredential::acquire();
  if (!icred) {
    g_setup.error =
        "InitiatorCredential::acquire failed: " + std::string(icred.error_value().detail());
    return false;
  }
  g_setup.initiator_cred.emplace(std::move(*icred));
  g_setup.icfg_held.credential = &*g_setup.initiator_cred;
  {
    // What a raw client holding its credential does: the default one, acquired once.
    gss_OID_set_desc mechs{1, gss_mech_krb5};
    OM_uint32 minor = 0;
    if (GSS_ERROR(gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                   &g_setup.raw_initiator_cred, nullptr, nullptr))) {
      g_setup.error = "gss_acquire_cred (initiator) failed";
      return false;
    }
  }
  if (!adapter_handshake(nullptr, nullptr, nullptr, false, true) ||
      !raw_handshake(g_setup.raw_acceptor_cred, nullptr, false, false,
                     g_setup.raw_initiator_cred) ||
      !raw_handshake(g_setup.raw_acceptor_cred, nullptr, true, false, g_setup.raw_initiator_cred)) {
    g_setup.error = "a held-credential handshake failed";
    return false;
  }
  if (!adapter_handshake(nullptr, nullptr, nullptr, true) ||
      !raw_handshake(g_setup.raw_acceptor_cred, nullptr, false, true) ||
      !raw_handshake(g_setup.raw_acceptor_cred, nullptr, true, false)) {
    g_setup.error = "a channel-binding or adapter-calls handshake failed";
    return false;
  }
  return true;
}

void teardown() {
  OM_uint32 minor = 0;
  if (g_setup.raw_acceptor_cred != GSS_C_NO_CREDENTIAL)
    gss_release_cred(&minor, &g_setup.raw_acceptor_cred);
  if (g_setup.raw_initiator_cred != GSS_C_NO_CREDENTIAL)
    gss_release_cred(&minor, &g_setup.raw_initiator_cred);
  g_kdc.stop();
}

// Size of the replay cache file(s) in KRB5RCACHEDIR, to show whether it grows with the run.
long long rcache_bytes() {
  const char* dir = std::getenv("KRB5RCACHEDIR");
  if (dir == nullptr) return -1;
  const std::string p = std::string(dir) + "/krb5_" + std::to_string(geteuid()) + ".rcache2";
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

void set_counters(benchmark::State& state, const Wire& w) {
  state.counters["handshakes_per_s"] =
      benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_on_wire"] = static_cast<double>(w.c2s + w.s2c);
  state.counters["ap_req_bytes"] = static_cast<double>(w.c2s);
  state.counters["ap_rep_bytes"] = static_cast<double>(w.s2c);
  state.counters["flights"] = w.flights;
  state.counters["rcache_bytes_after"] = static_cast<double>(rcache_bytes());
}

// ---- benchmarks -----------------------------------------------------------------------------
// One handshake outside the timing, which records the bytes on the wire, then one per iteration.
// `handshake(wire)` returns false on failure; `wire` is null inside the loop.
template <class F>
void handshake_loop(benchmark::State& state, F handshake, const char* failure) {
  Wire w;
  if (!handshake(&w)) {
    state.SkipWithError(failure);
    return;
  }
  for (auto _ : state) {
    if (!handshake(nullptr)) {
      state.SkipWithError(failure);
      break;
    }
  }
  set_counters(state, w);
}

void BM_krb5_raw_gss(benchmark::State& state) {
  handshake_loop(
      state, [](Wire* w) { return raw_handshake(g_setup.raw_acceptor_cred, w); },
      "raw GSS handshake failed");
}

void BM_krb5_raw_gss_adapter_calls(benchmark::State& state) {
  handshake_loop(
      state, [](Wire* w) { return raw_handshake(g_setup.raw_acceptor_cred, w, true); },
      "raw GSS handshake (adapter's calls) failed");
}

void BM_krb5_adapter(benchmark::State& state) {
  handshake_loop(
      state, [](Wire* w) { return adapter_handshake(w); }, "adapter handshake failed");
}

// `calls`: compare with the raw loop that makes the adapter's GSS calls (C++ layer alone).
// `cb`: both loops with channel bindings on both sides. `held`: both with an initiator
// credential acquired once (the adapter's InitiatorCredential, the raw loop's own handle).
void BM_paired(benchmark::State& state, bool calls, bool cb, bool held = false) {
  const gss_cred_id_t icred = held ? g_setup.raw_initiator_cred : GSS_C_NO_CREDENTIAL;
  run_paired(
      state, [cb, held] { return adapter_handshake(nullptr, nullptr, nullptr, cb, held); },
      [calls, cb, icred] {
        return raw_handshake(g_setup.raw_acceptor_cred, nullptr, calls, cb, icred);
      },
      "adapter", "raw", "handshake failed");
}
void BM_krb5_adapter_vs_raw_paired(benchmark::State& state) { BM_paired(state, false, false); }
void BM_krb5_adapter_vs_raw_calls_paired(benchmark::State& state) { BM_paired(state, true, false); }
void BM_krb5_adapter_vs_raw_cb_paired(benchmark::State& state) { BM_paired(state, false, true); }
void BM_krb5_adapter_vs_raw_held_paired(benchmark::State& state) {
  BM_paired(state, false, false, true);
}
void BM_krb5_adapter_vs_raw_calls_held_paired(benchmark::State& state) {
  BM_paired(state, true, false, true);
}

// KRB5RCACHETYPE=none for the duration of one benchmark (the raw loop needs its own acceptor
// credential: MIT resolves the replay cache when the ACCEPT credential is acquired).
struct NoReplayCache {
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  bool ok = false;
  NoReplayCache() noexcept {
    setenv("KRB5RCACHETYPE", "none", 1);
    ok = acquire_acceptor_cred(&cred);
  }
  ~NoReplayCache() {
    OM_uint32 minor = 0;
    if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred);
    unsetenv("KRB5RCACHETYPE");
  }
};

void BM_krb5_raw_gss_rcache_none(benchmark::State& state) {
  NoReplayCache nr;
  if (!nr.ok) {
    state.SkipWithError("raw GSS handshake failed");
    return;
  }
  handshake_loop(
      state, [&nr](Wire* w) { return raw_handshake(nr.cred, w); }, "raw GSS handshake failed");
}

void BM_krb5_adapter_rcache_none(benchmark::State& state) {
  NoReplayCache nr;
  if (!nr.ok) {
    state.SkipWithError("adapter handshake failed");
    return;
  }
  handshake_loop(
      state, [](Wire* w) { return adapter_handshake(w); }, "adapter handshake failed");
}

// One record sealed by the client, opened by the server: the same unit as bench_session.
void BM_krb5_session_seal_open(benchmark::State& state) {
  std::optional<Session<K>> client, server;
  if (!adapter_handshake(nullptr, &client, &server)) {
    state.SkipWithError("adapter handshake failed");
    return;
  }
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> pt(n, 0xa5), rec(n + Session<K>::seal_overhead),
      out(n + Session<K>::seal_overhead);
  std::size_t record = 0;
  for (auto _ : state) {
    auto c = client->seal(pt, rec);
    auto p = server->open(bytes_view(rec.data(), c ? *c : 0), out);
    if (!c || !p || p->type != content_type::data || p->size != n) {
      state.SkipWithError("seal/open failed");
      break;
    }
    record = *c;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
  // The wrap token's overhead plus the sealed content-type byte (the wrapped plaintext is
  // content | type, session.hpp).
  state.counters["record_overhead_bytes"] = static_cast<double>(record - n);
}

// --loop=adapter:N / --loop=raw:N — N handshakes and nothing else, for callgrind.
__attribute__((noinline)) bool loop_adapter(long n) {
  bool ok = true;
  for (long i = 0; i < n; ++i) ok &= adapter_handshake();
  return ok;
}
__attribute__((noinline)) bool loop_raw(long n) {
  bool ok = true;
  for (long i = 0; i < n; ++i) ok &= raw_handshake(g_setup.raw_acceptor_cred);
  return ok;
}
__attribute__((noinline)) bool loop_rawcalls(long n) {
  bool ok = true;
  for (long i = 0; i < n; ++i) ok &= raw_handshake(g_setup.raw_acceptor_cred, nullptr, true);
  return ok;
}
__attribute__((noinline)) bool loop_adapter_held(long n) {
  bool ok = true;
  for (long i = 0; i < n; ++i) ok &= adapter_handshake(nullptr, nullptr, nullptr, false, true);
  return ok;
}
__attribute__((noinline)) bool loop_raw_held(long n, bool calls) {
  bool ok = true;
  for (long i = 0; i < n; ++i)
    ok &=
        raw_handshake(g_setup.raw_acceptor_cred, nullptr, calls, false, g_setup.raw_initiator_cred);
  return ok;
}

}  // namespace
}  // namespace bench
}  // namespace v0
}  // namespace mutauth

int main(int argc, char** argv) {
  using namespace mutauth::bench;
  // No signal handlers: if this process dies, the kernel closes the fixture's stdin and the
  // fixture tears the KDC down by itself (kdc_fixture.sh: EOF -> trap EXIT).
  const char* loop = nullptr;
  if (argc >= 2 && std::strncmp(argv[1], "--loop=", 7) == 0) loop = argv[1] + 7;
  if (!setup()) {
    std::fprintf(stderr, "bench_krb5: %s\n", g_setup.error.c_str());
    teardown();
    return g_setup.error.rfind("KDC fixture:", 0) == 0 ? exit_no_kdc : 1;
  }
  if (loop != nullptr) {
    const char* colon = std::strchr(loop, ':');
    const long n = colon != nullptr ? std::atol(colon + 1) : 100;
    const std::string_view kind(
        loop, colon != nullptr ? static_cast<std::size_t>(colon - loop) : std::strlen(loop));
    bool ok = false;
    if (kind == "adapter") ok = loop_adapter(n);
    else if (kind == "raw") ok = loop_raw(n);
    else if (kind == "rawcalls") ok = loop_rawcalls(n);
    else if (kind == "adapter_held") ok = loop_adapter_held(n);
    else if (kind == "raw_held") ok = loop_raw_held(n, false);
    else if (kind == "rawcalls_held") ok = loop_raw_held(n, true);
    else
      std::fprintf(
          stderr,
          "bench_krb5: --loop=adapter|raw|rawcalls|adapter_held|raw_held|rawcalls_held:N\n");
    std::printf("%.*s: %ld handshakes %s\n", static_cast<int>(kind.size()), kind.data(), n,
                ok ? "ok" : "FAILED");
    teardown();
    return ok ? 0 : 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    teardown();
    return 1;
  }
  benchmark::RegisterBenchmark("BM_krb5_raw_gss", BM_krb5_raw_gss)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter", BM_krb5_adapter)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_raw_gss_adapter_calls", BM_krb5_raw_gss_adapter_calls)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_vs_raw_paired", BM_krb5_adapter_vs_raw_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_vs_raw_calls_paired",
                               BM_krb5_adapter_vs_raw_calls_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_vs_raw_cb_paired", BM_krb5_adapter_vs_raw_cb_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_vs_raw_held_paired",
                               BM_krb5_adapter_vs_raw_held_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_vs_raw_calls_held_paired",
                               BM_krb5_adapter_vs_raw_calls_held_paired)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_raw_gss_rcache_none", BM_krb5_raw_gss_rcache_none)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_krb5_adapter_rcache_none", BM_krb5_adapter_rcache_none)
      ->Unit(benchmark::kMicrosecond);
  for (const long n : {64L, 1024L, 16384L})
    benchmark::RegisterBenchmark("BM_krb5_session_seal_open", BM_krb5_session_seal_open)->Arg(n);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  teardown();
  return 0;
}
