# Session<M>'s record layer (sealed close and alerts, moved-from sessions), and framing.hpp on its
# own; included by tests/core/CMakeLists.txt.
mutauth_test(test_session LABEL unit SOURCES test_session.cpp LIBS mutauth::core)
mutauth_test(test_framing_only LABEL unit SOURCES test_framing_only.cpp LIBS mutauth::core)
