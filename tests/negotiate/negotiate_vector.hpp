// TEST ONLY. The worked vector of docs/protocol/negotiate.md §6, computed from the code's own
// encoders: make_negotiate_vector prints it, and test_negotiate checks the document holds
// exactly this text.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "mutauth/negotiate.hpp"
#include "support/hex.hpp"

namespace mutauth::testing {

inline std::string negotiate_vector() {
  using namespace mutauth::negotiation;
  const std::string_view offers[] = {"mutauth-pk/1", "krb5"};
  std::array<std::uint8_t, max_list_size> list{};
  const std::size_t n = encode_list(offers, 2, list);
  const bytes_view l(list.data(), n);
  std::array<std::uint8_t, 16> cb{};
  for (std::size_t i = 0; i < cb.size(); ++i) cb[i] = static_cast<std::uint8_t>(i);
  // A stand-in for the discarded first token (mutauth-pk/1 message 1: 0101 | e_I).
  std::array<std::uint8_t, 34> first{0x01, 0x01};
  for (std::size_t i = 2; i < first.size(); ++i) first[i] = static_cast<std::uint8_t>(0x20 + i - 2);
  const auto b0 = binding(l, 0, cb), b1 = binding(l, 1, cb, first), bnone = binding(l, 0, {});
  const std::string_view accepted[] = {"krb5"};
  std::array<std::uint8_t, max_list_size> refused{};
  const std::size_t rn = encode_list(accepted, 1, refused);
  std::string s;
  auto line = [&s](std::string_view k, const std::string& v) {
    s += std::string(k);
    s.append(k.size() < 28 ? 28 - k.size() : 1, ' ');
    s += v + "\n";
  };
  line("offers", "mutauth-pk/1, krb5 (the initiator's preference order)");
  line("offer list", hex(l));
  line("message 1", "4e0101 | offer list | mutauth-pk/1 message 1 (0101 | e_I)");
  line("caller channel binding", hex(cb));
  line("binding, choice 0", hex(b0));
  line("first token (stand-in)", hex(first));
  line("binding, choice 1", hex(b1));
  line("binding, choice 0, no cb", hex(bnone));
  line("pk prologue, choice 0", "6d7574617574682d706b0120" + hex(b0));
  line("message 2, choice 0", "4e010200 | mutauth-pk/1 message 2 (0102 | e_R | c2)");
  line("message 2, choice 1", "4e010201");
  line("message 3, choice 1", "the krb5 initial context token (60 ...), bare");
  line("refusal (accepts krb5)", "4e0103" + hex(bytes_view(refused.data(), rn)));
  return s;
}

}  // namespace mutauth::testing
