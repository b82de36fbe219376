mutauth_test(test_handshake LABEL unit SOURCES test_handshake.cpp LIBS mutauth::core)
mutauth_test(test_transition_table LABEL unit SOURCES test_transition_table.cpp LIBS mutauth::core)
mutauth_test(test_framing LABEL unit SOURCES test_framing.cpp LIBS mutauth::core)

# G6/embedded: the core without exceptions or RTTI, and with no heap on the handshake path.
mutauth_no_heap_test(no_exceptions_handshake no_exceptions_handshake.cpp unit mutauth::core)
mutauth_test(test_error_texts LABEL unit SOURCES test_error_texts.cpp LIBS mutauth::core)
