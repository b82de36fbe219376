# Driver for the consumer tests: cmake -DMODE=find_package|add_subdirectory ... -P run_consumer.cmake
#   CONSUMER_SOURCE_DIR  the consumer project          WORK_DIR  scratch dir (wiped first)
#   MUTAUTH_SOURCE_DIR   mutauth's source tree          MUTAUTH_BINARY_DIR  (find_package) tree to install
#   CONSUMER_CXX_COMPILER, CONSUMER_GENERATOR, CONSUMER_MAKE_PROGRAM, CONSUMER_CXX_FLAGS,
#   CONSUMER_EXE_LINKER_FLAGS, CONSUMER_BUILD_TYPE  copied from the outer build
cmake_minimum_required(VERSION 3.25)

foreach(var MODE CONSUMER_SOURCE_DIR WORK_DIR MUTAUTH_SOURCE_DIR CONSUMER_CXX_COMPILER
            CONSUMER_GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

# run(<step> COMMAND ...): echoes the command, streams its output, fails the test on non-zero exit.
function(run step)
  cmake_parse_arguments(R "" "OUTPUT" "COMMAND" ${ARGN})
  list(JOIN R_COMMAND " " shown)
  message(STATUS "[${step}] ${shown}")
  if(R_OUTPUT)
    execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc
      OUTPUT_VARIABLE out ERROR_VARIABLE out)
    set(${R_OUTPUT} "${out}" PARENT_SCOPE)
    message("${out}")
  else()
    execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc)
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer.${MODE}: step '${step}' failed (exit ${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(configure_args
  -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build"
  -G "${CONSUMER_GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}"
  "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_EXE_LINKER_FLAGS}")
if(CONSUMER_MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM}")
endif()
if(CONSUMER_BUILD_TYPE)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONSUMER_BUILD_TYPE}")
else()
  set(CONSUMER_BUILD_TYPE Debug)
endif()

if(MODE STREQUAL "find_package")
  if(NOT MUTAUTH_BINARY_DIR)
    message(FATAL_ERROR "run_consumer.cmake: -DMUTAUTH_BINARY_DIR=... is required for find_package")
  endif()
  set(prefix "${WORK_DIR}/prefix")
  run(install COMMAND "${CMAKE_COMMAND}" --install "${MUTAUTH_BINARY_DIR}" --prefix "${prefix}"
    --config "${CONSUMER_BUILD_TYPE}")
  # Only the install prefix: the build tree must not leak in through the package registry.
  if(CONSUMER_COMPONENTS)
    list(APPEND configure_args "-DCONSUMER_COMPONENTS=${CONSUMER_COMPONENTS}")  # comma-separated
  endif()
  if(CONSUMER_README_EXAMPLE)
    # Asked for and missing is a broken newcomer path (the extractor did not write it), not a skip.
    if(NOT EXISTS "${CONSUMER_README_EXAMPLE}")
      message(FATAL_ERROR "run_consumer.cmake: the README example ${CONSUMER_README_EXAMPLE} was not extracted")
    endif()
    list(APPEND configure_args "-DCONSUMER_README_EXAMPLE=${CONSUMER_README_EXAMPLE}")
  endif()
  list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args "-DMUTAUTH_SOURCE_DIR=${MUTAUTH_SOURCE_DIR}")
else()
  message(FATAL_ERROR "run_consumer.cmake: MODE must be find_package or add_subdirectory")
endif()

run(configure COMMAND "${CMAKE_COMMAND}" ${configure_args})
run(build COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" --config "${CONSUMER_BUILD_TYPE}")

find_program(consumer_exe NAMES consumer
  PATHS "${WORK_DIR}/build" "${WORK_DIR}/build/${CONSUMER_BUILD_TYPE}" NO_DEFAULT_PATH)
if(NOT consumer_exe)
  message(FATAL_ERROR "consumer.${MODE}: the consumer program was not built")
endif()
run(run COMMAND "${consumer_exe}" OUTPUT out)
if(NOT out MATCHES "mutauth consumer \\(${MODE}\\): ok")
  message(FATAL_ERROR "consumer.${MODE}: unexpected output from the consumer program")
endif()

# find_package also builds a program that links mutauth::noise alone (find_package/CMakeLists.txt).
find_program(consumer_noise_exe NAMES consumer_noise
  PATHS "${WORK_DIR}/build" "${WORK_DIR}/build/${CONSUMER_BUILD_TYPE}" NO_DEFAULT_PATH)
if(consumer_noise_exe)
  run(run-noise COMMAND "${consumer_noise_exe}" OUTPUT out)
  if(NOT out MATCHES "mutauth consumer \\(${MODE}, noise only\\): ok")
    message(FATAL_ERROR "consumer.${MODE}: unexpected output from the noise-only consumer program")
  endif()
elseif(MODE STREQUAL "find_package" AND EXISTS "${MUTAUTH_BINARY_DIR}/mutauth-config.cmake")
  file(READ "${MUTAUTH_BINARY_DIR}/CMakeCache.txt" cache)
  if(cache MATCHES "MUTAUTH_WITH_PK:BOOL=ON")
    message(FATAL_ERROR "consumer.${MODE}: mutauth::noise was not found in the installed package")
  endif()
endif()
