// Prints the worked vector of docs/protocol/negotiate.md §6 (test_negotiate checks the document
// against the same function).
#include <cstdio>

#include "negotiate/negotiate_vector.hpp"

int main() {
  std::fputs(mutauth::testing::negotiate_vector().c_str(), stdout);
  return 0;
}
