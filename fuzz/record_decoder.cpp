// Fuzz target: RecordDecoder, the only parser that sees raw stream bytes (framing.hpp).
// Input: u8 ctl | n chunk sizes | stream, where ctl bits 0-2 = n, bit 3 = open the application
// gate (allow_application_data with a real Session) once `ctl >> 4` records were decoded (0: from
// the start; the gate needs mutauth::pk in the build, else bit 3 is ignored). The stream is
// decoded three ways — whole, in the chunks the input names (0 = everything left), and one byte
// at a time — and the three must agree record for record and end in the same error: the decoder
// promises to work byte-at-a-time. All three must also agree with an independent reading of the
// framing rules (docs/protocol/mutauth-pk.md §9): no application record while the gate is shut;
// after it opened, a clear alert is a forgery refused with errc::truncation (closure and alerts
// are sealed then); errors are sticky; every call makes progress.
#include <memory>
#include <vector>

#include "fuzz_common.hpp"
#include "mutauth/framing.hpp"
#if MUTAUTH_FUZZ_WITH_PK
#include "fuzz_pk.hpp"
#endif

using namespace mutauth;

namespace {
struct outcome {
  std::vector<std::uint8_t> log;  // type | length | body of every record, in order
  errc err = errc::ok;
  friend bool operator==(const outcome&, const outcome&) = default;
};

constexpr std::size_t never = ~std::size_t{0};

template <std::size_t MaxBody>
void open_gate(RecordDecoder<MaxBody>& dec) {
#if MUTAUTH_FUZZ_WITH_PK
  // Only an established Session opens the gate; one pair serves every input.
  static const auto pair = fuzz::establish(0);
  dec.allow_application_data(pair->client);
#else
  (void)dec;
#endif
}
#if MUTAUTH_FUZZ_WITH_PK
constexpr bool have_gate = true;
#else
constexpr bool have_gate = false;
#endif

void log_record(outcome& o, std::uint8_t type, bytes_view body) {
  o.log.push_back(type);
  o.log.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  o.log.push_back(static_cast<std::uint8_t>(body.size()));
  o.log.insert(o.log.end(), body.begin(), body.end());
}

template <std::size_t MaxBody>
outcome decode(bytes_view stream, bytes_view sizes, std::size_t gate_after) {
  auto dec = std::make_unique<RecordDecoder<MaxBody>>();
  outcome o;
  std::size_t records = 0;
  bool gate = false;
  if (gate_after == 0) {
    open_gate(*dec);
    gate = true;
  }
  for (std::size_t i = 0; !stream.empty(); ++i) {
    std::size_t n = sizes.empty() ? 0 : sizes[i % sizes.size()];
    bytes_view chunk = stream.first(n == 0 || n > stream.size() ? stream.size() : n);
    stream = stream.subspan(chunk.size());
    while (!chunk.empty()) {
      auto r = dec->decode(chunk);
      if (!r) {
        o.err = r.code();
        MUTAUTH_FUZZ_CHECK(dec->failed() && dec->decode(chunk).code() == o.err);  // sticky
        MUTAUTH_FUZZ_CHECK(gate || o.err != errc::truncation);
        return o;
      }
      MUTAUTH_FUZZ_CHECK(r->consumed > 0 && r->consumed <= chunk.size());  // always progresses
      chunk = chunk.subspan(r->consumed);
      if (!r->has_record) continue;
      const record& rec = r->rec;
      MUTAUTH_FUZZ_CHECK(gate || rec.type != record_type::application);  // G1: gate shut
      MUTAUTH_FUZZ_CHECK(!gate || rec.type != record_type::alert);       // sealed only, now
      if (rec.type == record_type::handshake) MUTAUTH_FUZZ_CHECK(!rec.body.empty());
      if (rec.type == record_type::alert) MUTAUTH_FUZZ_CHECK(rec.body.size() == 1);
      MUTAUTH_FUZZ_CHECK(rec.body.size() <= MaxBody);
      log_record(o, static_cast<std::uint8_t>(rec.type), rec.body);
      if (++records == gate_after) {
        open_gate(*dec);
        gate = true;
      }
    }
  }
  return o;
}

// The framing rules restated: header type | u16 length, checked in this order.
outcome reference(bytes_view s, std::size_t max_body, std::size_t gate_after) {
  outcome o;
  std::size_t records = 0;
  while (s.size() >= record_header_size) {
    const bool gate = records >= gate_after;
    const std::uint8_t type = s[0];
    const std::size_t len = (std::size_t{s[1]} << 8) | s[2];
    errc bad = errc::ok;
    if (type == 0x16) bad = len == 0 ? errc::malformed : errc::ok;
    else if (type == 0x15) bad = gate ? errc::truncation : len != 1 ? errc::malformed : errc::ok;
    else if (type == 0x17) bad = gate ? errc::ok : errc::app_data_before_auth;
    else bad = errc::malformed;
    if (bad == errc::ok && len > max_body) bad = errc::too_large;
    if (bad != errc::ok) {
      o.err = bad;
      return o;
    }
    if (s.size() - record_header_size < len) return o;  // a partial record: no verdict yet
    log_record(o, type, s.subspan(record_header_size, len));
    s = s.subspan(record_header_size + len);
    ++records;
  }
  return o;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t ctl = in.u8();
  const bytes_view sizes = in.take(ctl % 8);
  const std::size_t gate_after =
      have_gate && (ctl & 8) ? static_cast<std::size_t>(ctl >> 4) : never;
  const bytes_view stream = in.rest();
  const std::uint8_t one[1] = {1};
  const outcome whole = decode<default_max_record_body>(stream, {}, gate_after);
  MUTAUTH_FUZZ_CHECK(whole == reference(stream, default_max_record_body, gate_after));
  MUTAUTH_FUZZ_CHECK(decode<default_max_record_body>(stream, sizes, gate_after) == whole);
  MUTAUTH_FUZZ_CHECK(decode<default_max_record_body>(stream, one, gate_after) == whole);
  // A smaller limit sees the same records until the first one too long for it.
  const outcome small = decode<64>(stream, sizes, gate_after);
  MUTAUTH_FUZZ_CHECK(small == reference(stream, 64, gate_after));
  MUTAUTH_FUZZ_CHECK(small.log.size() <= whole.log.size() &&
                     std::equal(small.log.begin(), small.log.end(), whole.log.begin()));
  MUTAUTH_FUZZ_CHECK(small.err == errc::too_large || small == whole);
  return 0;
}
