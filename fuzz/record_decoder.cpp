// Fuzz target: RecordDecoder, the only parser that sees raw stream bytes (framing.hpp).
// Input: u8 n | n chunk sizes | stream. The stream is decoded three ways — whole, in the chunks
// the input names (0 = everything left), and one byte at a time — and the three must agree
// record for record and end in the same error: the decoder promises to work byte-at-a-time.
// No session exists here, so the application gate is shut and no application record may emerge.
#include <memory>
#include <vector>

#include "fuzz_common.hpp"
#include "mutauth/framing.hpp"

using namespace mutauth;

namespace {
struct outcome {
  std::vector<std::uint8_t> log;  // type | length | body of every record, in order
  errc err = errc::ok;
  friend bool operator==(const outcome&, const outcome&) = default;
};

template <std::size_t MaxBody>
outcome decode(bytes_view stream, bytes_view sizes) {
  auto dec = std::make_unique<RecordDecoder<MaxBody>>();
  outcome o;
  for (std::size_t i = 0; !stream.empty(); ++i) {
    std::size_t n = sizes.empty() ? 0 : sizes[i % sizes.size()];
    bytes_view chunk = stream.first(n == 0 || n > stream.size() ? stream.size() : n);
    stream = stream.subspan(chunk.size());
    while (!chunk.empty()) {
      auto r = dec->decode(chunk);
      if (!r) {
        o.err = r.code();
        MUTAUTH_FUZZ_CHECK(dec->failed() && dec->decode(chunk).code() == o.err);  // sticky
        return o;
      }
      MUTAUTH_FUZZ_CHECK(r->consumed > 0 && r->consumed <= chunk.size());  // always progresses
      chunk = chunk.subspan(r->consumed);
      if (!r->has_record) continue;
      const record& rec = r->rec;
      MUTAUTH_FUZZ_CHECK(rec.type != record_type::application);  // G1: gate shut
      MUTAUTH_FUZZ_CHECK(rec.type == record_type::handshake ? !rec.body.empty() : rec.body.size() == 1);
      MUTAUTH_FUZZ_CHECK(rec.body.size() <= MaxBody);
      o.log.push_back(static_cast<std::uint8_t>(rec.type));
      o.log.push_back(static_cast<std::uint8_t>(rec.body.size() >> 8));
      o.log.push_back(static_cast<std::uint8_t>(rec.body.size()));
      o.log.insert(o.log.end(), rec.body.begin(), rec.body.end());
    }
  }
  return o;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const bytes_view sizes = in.take(in.u8() % 8);
  const bytes_view stream = in.rest();
  const std::uint8_t one[1] = {1};
  const outcome whole = decode<default_max_record_body>(stream, {});
  MUTAUTH_FUZZ_CHECK(decode<default_max_record_body>(stream, sizes) == whole);
  MUTAUTH_FUZZ_CHECK(decode<default_max_record_body>(stream, one) == whole);
  // A smaller limit sees the same records until the first one too long for it.
  const outcome small = decode<64>(stream, sizes);
  MUTAUTH_FUZZ_CHECK(small.log.size() <= whole.log.size() &&
                     std::equal(small.log.begin(), small.log.end(), whole.log.begin()));
  MUTAUTH_FUZZ_CHECK(small.err == errc::too_large || small == whole);
  return 0;
}
