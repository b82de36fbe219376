mutauth_test(test_pk_handshake LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_handshake.cpp LIBS mutauth::pk)
