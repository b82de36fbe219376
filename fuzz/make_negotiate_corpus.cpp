// Writes the seeds of the negotiation targets (fuzz/make_corpus.sh runs it): the honest messages
// of every setup of fuzz_negotiate.hpp — offers, choices, refusals, and the mechanism tokens that
// follow —, so that fuzzing starts on the success paths, plus mutation programs for the
// transcript target that reorder, strip or alter offers and the choice.
#include <string>

#include "fuzz_negotiate.hpp"
#include "seed_writer.hpp"

using namespace mutauth;
using namespace mutauth::fuzz;

int main(int argc, char** argv) {
  seed_root = argc > 1 ? argv[1] : "fuzz/corpus";
  for (std::uint8_t ctl = 0; ctl < 16; ++ctl) {
    const NegotiateTranscript& t = honest_negotiation(ctl);
    const std::string c = std::to_string(ctl);
    for (std::size_t m = 0; m < t.msg.size() && m < 2; ++m)
      put("negotiate_message", ("setup" + c + "-msg" + std::to_string(m)).c_str(), t.msg[m]);
    bytes a = {ctl};
    a.insert(a.end(), t.msg[0].begin(), t.msg[0].end());
    put("negotiate_acceptor", ("offer-setup" + c).c_str(), a);
    if (t.msg.size() > 2) {
      bytes b = {static_cast<std::uint8_t>(ctl | 16)};
      b.insert(b.end(), t.msg[2].begin(), t.msg[2].end());
      put("negotiate_acceptor", ("next-setup" + c).c_str(), b);
    }
    put("negotiate_transcript", ("honest-setup" + c).c_str(), bytes{ctl});
    // op byte: opcode | message << 3; then u16 offset, u8 value.
    put("negotiate_transcript", ("swap-offers-setup" + c).c_str(), bytes{ctl, 5, 0, 0, 0});
    put("negotiate_transcript", ("flip-list-setup" + c).c_str(), bytes{ctl, 0, 0, 5, 1});
    put("negotiate_transcript", ("flip-choice-setup" + c).c_str(),
        bytes{ctl, 0 | (1 << 3), 0, 3, 1});
    put("negotiate_transcript", ("flip-token-setup" + c).c_str(), bytes{ctl, 0, 0, 40, 0x80});
    put("negotiate_transcript", ("drop-third-setup" + c).c_str(),
        bytes{ctl, 6 | (2 << 3), 0, 0, 0});
    put("negotiate_transcript", ("replay-last-setup" + c).c_str(),
        bytes{ctl, 4 | (3 << 3), 0, 0, 1});
  }
  put("negotiate_message", "refusal-none", bytes{0x4E, 1, 3, 0});
  put("negotiate_message", "offer-krb5", bytes{0x4E, 1, 1, 1, 4, 'k', 'r', 'b', '5', 0x60, 0x00});
  put("negotiate_message", "choice-1", bytes{0x4E, 1, 2, 1});
  return 0;
}
