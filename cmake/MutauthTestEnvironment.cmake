# Sanitizer settings belong to the tests, not to whoever runs them: in a build whose
# CMAKE_CXX_FLAGS carry -fsanitize=, every test that runs one of our programs gets ASan, UBSan and
# LeakSanitizer options and the LeakSanitizer suppressions (tests/sanitizers/lsan.supp) as its
# ENVIRONMENT property, so `ctest` (with or without --preset asan) passes with an empty
# environment. A plain build registers no environment at all.
#
#   mutauth_sanitizer_environment(TEST...)        tests registered with add_test() in this directory
#   mutauth_sanitizer_environment_discovered(TARGET LIST_VAR)
#                                                 Catch2 tests found at ctest time by
#                                                 catch_discover_tests(TARGET ... TEST_LIST LIST_VAR)
# No include_guard: the variables below are directory-scoped, and fuzz/, examples/ and tests/
# each include this file from their own scope.

set(MUTAUTH_SANITIZED OFF)
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  set(MUTAUTH_SANITIZED ON)
endif()

# detect_leaks: on by default on x86-64 Linux, said anyway so that the intent survives a port;
# halt_on_error with print_stacktrace: a UBSan report fails the test and says where.
set(MUTAUTH_SANITIZER_ENV
  "ASAN_OPTIONS=detect_leaks=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp:print_suppressions=0")

function(mutauth_sanitizer_environment)
  if(MUTAUTH_SANITIZED AND ARGN)
    set_property(TEST ${ARGN} APPEND PROPERTY ENVIRONMENT ${MUTAUTH_SANITIZER_ENV})
  endif()
endfunction()

# Catch2 v2's catch_discover_tests() flattens a list given in PROPERTIES (ENVIRONMENT would lose
# all but its first entry), so the property is set by a CTest include file that runs after the
# discovered tests exist: CTest reads a directory's TEST_INCLUDE_FILES in order, and the
# discovery's own file was appended first.
function(mutauth_sanitizer_environment_discovered target list_var)
  if(NOT MUTAUTH_SANITIZED)
    return()
  endif()
  set(file ${CMAKE_CURRENT_BINARY_DIR}/${target}_sanitizer_environment.cmake)
  file(WRITE ${file}
    "foreach(t IN LISTS ${list_var})\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES ENVIRONMENT \"${MUTAUTH_SANITIZER_ENV}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${file})
endfunction()
