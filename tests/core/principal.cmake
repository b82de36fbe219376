# Principal names and fixed strings (docs/design.md §3); included by tests/core/CMakeLists.txt.
mutauth_test(test_principal LABEL unit SOURCES test_principal.cpp LIBS mutauth::core)
