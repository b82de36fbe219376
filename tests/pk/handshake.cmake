mutauth_test(test_pk_handshake LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_handshake.cpp LIBS mutauth::pk)

# G6 / embedded: pk handshake and session with -fno-exceptions -fno-rtti and no heap.
add_executable(pk_no_heap ${CMAKE_CURRENT_LIST_DIR}/pk_no_heap.cpp)
target_link_libraries(pk_no_heap PRIVATE mutauth::pk mutauth_warnings)
target_compile_options(pk_no_heap PRIVATE -fno-exceptions -fno-rtti)
add_test(NAME pk_no_heap COMMAND pk_no_heap)
set_tests_properties(pk_no_heap PROPERTIES LABELS pk)
