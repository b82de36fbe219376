# Compiles cases.cpp with -DCASE=${CASE}. EXPECT is "compile" or a regular expression that the
# diagnostic must match; the test passes only if compilation fails AND the regex matches (so a
# case that fails for an unrelated reason — a typo, a missing include — does not count).
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -DCASE=${CASE} -I${INCLUDE_DIR} -I${TESTS_DIR}
          ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(EXPECT STREQUAL "compile")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "control case ${CASE} failed to compile:\n${err}")
  endif()
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE} compiled, but it must not")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "case ${CASE} failed to compile, but not for the expected reason "
                      "(wanted /${EXPECT}/):\n${err}")
endif()
message(STATUS "case ${CASE} refused as expected")
