// mutauth CLI: the mechanisms the tool knows, as a compile-time list of command-line traits
// (docs/adding-a-mechanism.md). Each trait is library-free: its --mech word, its options and
// their lines in the usage text, which of its options count as credentials, and the hints of a
// refusal. What loads credentials with the mechanism's library is its loader (mech_pk.hpp,
// mech_krb5.hpp), used only by main.cpp. The generic CLI (options.hpp, main.cpp) iterates this
// list and never names a mechanism; the first one is the default of --mech.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mech_krb5_flags.hpp"
#include "mech_pk_flags.hpp"
#ifdef MUTAUTH_CLI_TEST_MECHANISM_FLAGS
#include MUTAUTH_CLI_TEST_MECHANISM_FLAGS  // tests/mechanism: a test-only third trait
#endif

namespace mutauth::cli {

template <class... Ts>
struct mech_list {
  /// Every trait's option values, as one struct: Options derives from it, so `o.identity` is
  /// the pk trait's value and `o.keytab` the krb5 trait's.
  struct values : Ts::values... {};
  static constexpr std::size_t size = sizeof...(Ts);
  /// f.template operator()<T>() for each trait, in list order.
  template <class F>
  static void each(F&& f) {
    (f.template operator()<Ts>(), ...);
  }
};

// tests/mechanism builds the tool once more with a test-only third mechanism at the end of the
// list (its trait's header defines MUTAUTH_CLI_TEST_MECHANISM): the list is the only place the
// generic code learns of mechanisms, and that test shows it.
#ifdef MUTAUTH_CLI_TEST_MECHANISM_FLAGS
using cli_mechanisms = mech_list<PkFlags, Krb5Flags, MUTAUTH_CLI_TEST_MECHANISM>;
#else
using cli_mechanisms = mech_list<PkFlags, Krb5Flags>;
#endif

/// The --mech words, in list order.
inline std::vector<std::string> mech_words() {
  std::vector<std::string> w;
  cli_mechanisms::each([&]<class T>() { w.emplace_back(T::word); });
  return w;
}

/// Every accepted --mech value: each word, auto, then each ordered list of two or more distinct
/// words (a list negotiates in its order, docs/protocol/negotiate.md).
inline std::vector<std::string> mech_values() {
  const std::vector<std::string> words = mech_words();
  std::vector<std::string> out(words.begin(), words.end());
  out.emplace_back("auto");
  // Depth-first over arrangements, shortest first: for two words, "pk,krb5" then "krb5,pk".
  for (std::size_t len = 2; len <= words.size(); ++len) {
    std::vector<std::size_t> pick;
    std::vector<bool> used(words.size(), false);
    auto rec = [&](auto& self) -> void {
      if (pick.size() == len) {
        std::string s;
        for (std::size_t i : pick) s += (s.empty() ? "" : ",") + words[i];
        out.push_back(s);
        return;
      }
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (used[i]) continue;
        used[i] = true;
        pick.push_back(i);
        self(self);
        pick.pop_back();
        used[i] = false;
      }
    };
    rec(rec);
  }
  return out;
}

}  // namespace mutauth::cli
