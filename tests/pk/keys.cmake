# Ed25519 key files from ssh-keygen (keys.hpp) and the SSH wire reader.
mutauth_test(test_keys LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keys.cpp LIBS mutauth::pk)
