# The verified-certificate cache (include/mutauth/mech/pk/verify_cache.hpp): hits skip only the CA
# signature. The test plants entries through the cache's test-only hook and replays a certificate
# with the wrong key through pk.hpp's, so it needs MUTAUTH_TESTING_ONLY_HOOKS.
mutauth_test(test_verify_cache LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verify_cache.cpp LIBS mutauth::pk)
target_compile_definitions(test_verify_cache PRIVATE MUTAUTH_TESTING_ONLY_HOOKS)
