# Issue 12: the mutauth-pk/1 test vectors (tests/pk/vectors/, docs/protocol/mutauth-pk.md §18).
# The checker recomputes every field from the file's inputs with an independent model of the spec
# and replays the library with the same fixed keys and ephemerals (test-only hook). The generator
# is built but never run by CTest: run it by hand and commit what it writes.
# Labels pk and unit. mutauth_test() takes one label, and catch_discover_tests() of Catch2 v2
# splits a list in PROPERTIES, so the program is registered here as mutauth_test() would, and a
# CTest include file that runs after the discovered tests are added sets both labels.
add_executable(test_pk_vectors ${CMAKE_CURRENT_LIST_DIR}/test_pk_vectors.cpp)
target_link_libraries(test_pk_vectors PRIVATE mutauth_catch_main mutauth_warnings mutauth::pk)
target_include_directories(test_pk_vectors PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/tests)
target_compile_definitions(test_pk_vectors PRIVATE MUTAUTH_TESTING_ONLY_HOOKS
  MUTAUTH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
catch_discover_tests(test_pk_vectors TEST_PREFIX "test_pk_vectors: " TEST_LIST test_pk_vectors_TESTS)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/test_pk_vectors_labels.cmake
  "foreach(t IN LISTS test_pk_vectors_TESTS)\n"
  "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"pk;unit\")\n"
  "endforeach()\n")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_CURRENT_BINARY_DIR}/test_pk_vectors_labels.cmake)
mutauth_sanitizer_environment_discovered(test_pk_vectors test_pk_vectors_TESTS)

add_executable(make_pk_vectors ${CMAKE_CURRENT_LIST_DIR}/make_pk_vectors.cpp)
target_link_libraries(make_pk_vectors PRIVATE mutauth::pk mutauth_warnings)
target_include_directories(make_pk_vectors PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/tests)
target_compile_definitions(make_pk_vectors PRIVATE MUTAUTH_TESTING_ONLY_HOOKS MUTAUTH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
