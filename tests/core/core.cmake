mutauth_test(test_handshake LABEL unit SOURCES test_handshake.cpp LIBS mutauth::core)
mutauth_test(test_transition_table LABEL unit SOURCES test_transition_table.cpp LIBS mutauth::core)
mutauth_test(test_framing LABEL unit SOURCES test_framing.cpp LIBS mutauth::core)

# G6/embedded: the core without exceptions or RTTI, and with no heap on the handshake path.
add_executable(no_exceptions_handshake no_exceptions_handshake.cpp)
target_link_libraries(no_exceptions_handshake PRIVATE mutauth::core mutauth_warnings)
target_include_directories(no_exceptions_handshake PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_compile_options(no_exceptions_handshake PRIVATE -fno-exceptions -fno-rtti)
add_test(NAME no_exceptions_handshake COMMAND no_exceptions_handshake)
set_tests_properties(no_exceptions_handshake PROPERTIES LABELS unit)
