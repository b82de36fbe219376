# The Noise layer (include/mutauth/noise/), which the pk mechanism runs on.
# The vector replay needs the test-only hooks (fixed ephemerals, payload in message 1); the unit
# test is built WITHOUT them and checks at compile time that they do not exist there.
mutauth_test(test_noise_vectors LABEL pk
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_noise_vectors.cpp LIBS mutauth::noise)
target_compile_definitions(test_noise_vectors PRIVATE MUTAUTH_TESTING_ONLY_HOOKS)

mutauth_test(test_noise_unit LABEL pk
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_noise_unit.cpp LIBS mutauth::noise)
