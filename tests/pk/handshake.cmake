mutauth_test(test_pk_handshake LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_handshake.cpp LIBS mutauth::pk)

# G6 / embedded: pk handshake and session with -fno-exceptions -fno-rtti and no heap.
mutauth_no_heap_test(pk_no_heap ${CMAKE_CURRENT_LIST_DIR}/pk_no_heap.cpp pk mutauth::pk)
# The Authorizer kinds and local()/peer() of both roles (issue 16 items 2 and 4).
mutauth_test(test_pk_api LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_api.cpp LIBS mutauth::pk)
# Error texts of the pk mechanism, each error provoked for real (issue 16 item 3).
mutauth_test(test_pk_error_texts LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_error_texts.cpp LIBS mutauth::pk)
