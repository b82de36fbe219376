# Ed25519 key files from ssh-keygen (keys.hpp) and the SSH wire reader.
mutauth_test(test_keys LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keys.cpp LIBS mutauth::pk)
# Self-wiping members (mutauth/detail/secret.hpp) and the secret-holding types built on them.
mutauth_test(test_secret LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_secret.cpp LIBS mutauth::pk)
target_compile_definitions(test_secret PRIVATE MUTAUTH_TESTING_ONLY_HOOKS)
if(TARGET mutauth::krb5)
  target_link_libraries(test_secret PRIVATE mutauth::krb5)
  target_compile_definitions(test_secret PRIVATE MUTAUTH_TEST_WITH_KRB5)
endif()
