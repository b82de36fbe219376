# The Noise layer (include/mutauth/noise/), which the pk mechanism runs on.
# The vector replay needs the test-only hooks (fixed ephemerals, payload in message 1); the unit
# test is built WITHOUT them and checks at compile time that they do not exist there.
# The vector files are JSON, read with Debian's nlohmann-json3-dev (tests only; the library never
# parses JSON).
find_package(nlohmann_json 3 REQUIRED)
mutauth_test(test_noise_vectors LABEL pk
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_noise_vectors.cpp LIBS mutauth::noise nlohmann_json::nlohmann_json)
target_compile_definitions(test_noise_vectors PRIVATE MUTAUTH_TESTING_ONLY_HOOKS)

mutauth_test(test_noise_unit LABEL pk
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_noise_unit.cpp LIBS mutauth::noise)
