// TEST ONLY: what an error's text must look like (issue 16 item 3). The line a log or the CLI
// prints is mutauth::message(e): the code's name and the detail, with no phrase said twice and
// no escaped byte that the library wrote itself. Only bytes from a peer or a file may appear
// escaped (\xHH), and `peer_bytes_escaped` says whether the input had any.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "mutauth/error.hpp"

namespace mutauth::testing {

inline std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

/// The phrases of a line: the pieces between ": " and "; " separators.
inline std::vector<std::string> phrases(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] == ':' || text[i] == ';') && text[i + 1] == ' ') {
      out.emplace_back(text.substr(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  out.emplace_back(text.substr(start));
  return out;
}

/// Why `text` repeats itself, or "" when it does not: a phrase of 8 characters or more said
/// twice, or a later phrase that starts with the first one ("X: X; more").
inline std::string repetition(std::string_view text) {
  const auto p = phrases(text);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() < 8) continue;
    for (std::size_t j = i + 1; j < p.size(); ++j) {
      if (lower(p[j]) == lower(p[i])) return "phrase said twice: '" + p[i] + "'";
      if (i == 0 && lower(p[j]).rfind(lower(p[0]), 0) == 0)
        return "later phrase starts with the first: '" + p[0] + "'";
    }
  }
  return {};
}

inline bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (c < ' ' || c > '~') return false;
  return true;
}

/// The words of a phrase, lower-cased, without punctuation or a plural "s".
inline std::vector<std::string> words(std::string_view phrase) {
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (w.size() > 3 && w.back() == 's') w.pop_back();
    if (!w.empty()) out.push_back(w);
    w.clear();
  };
  for (char c : phrase) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) w += c;
    else if (c >= 'A' && c <= 'Z') w += static_cast<char>(c - 'A' + 'a');
    else flush();
  }
  flush();
  return out;
}

/// Whether the phrase after "<name>: " says the name again in other words: a name of three
/// words or more, four fifths of which come back ("encrypted private key not supported:
/// encrypted private keys are not supported").
inline bool restates_name(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() + 2 || line.substr(0, name.size()) != name ||
      line.substr(name.size(), 2) != ": ")
    return false;
  const auto name_words = words(name);
  if (name_words.size() < 3) return false;
  const auto next = words(phrases(line.substr(name.size() + 2)).front());
  std::size_t back = 0;
  for (const auto& w : name_words)
    for (const auto& n : next)
      if (w == n) {
        ++back;
        break;
      }
  return back * 5 >= name_words.size() * 4;
}

/// Checks the line of `e` against the rules and returns it (printed for the test log).
inline std::string check_error_text(const error& e, bool peer_bytes_escaped = false) {
  const error_message m(e);
  const std::string line(m.view());
  const std::string name(to_string(e.code()));
  INFO("code " << name << ", line: " << line);
  std::printf("[error-text] %s\n", line.c_str());
  CHECK(!line.empty());
  CHECK(repetition(line).empty());
  CHECK_FALSE(restates_name(line, name));
  // The code's name appears once at most (it may be absent when the detail says more).
  CHECK((line.find(name) == std::string::npos ||
         line.find(name, line.find(name) + 1) == std::string::npos));
  // Our own words are plain ASCII: no section sign, escaped or not.
  CHECK(line.find("\\xc2\\xa7") == std::string::npos);
  CHECK(printable_ascii(line));
  if (!peer_bytes_escaped) CHECK(line.find("\\x") == std::string::npos);
  CHECK(printable_ascii(e.hint()));
  return line;
}

}  // namespace mutauth::testing
