# cmake -DCTEST=... -DBUILD_DIR=... -DLABELS=name=label,... -DEXPORTED=a,b -DCONFIG=... -P registered.cmake
# Fails when a mechanism declared with mutauth_mechanism() has no test under its label (its
# TESTS part was not added), or when the package config's mutauth_MECHANISMS is not the list
# of installable mechanisms (cmake/MutauthMechanism.cmake).
string(REPLACE "," ";" LABELS "${LABELS}")
if(NOT LABELS MATCHES "(^|;)pk=pk(;|$)" OR NOT LABELS MATCHES "(^|;)altpk=altpk(;|$)")
  message(FATAL_ERROR "expected pk, krb5 (when built) and altpk declared, got: ${LABELS}")
endif()
foreach(entry IN LISTS LABELS)
  string(REPLACE "=" ";" pair "${entry}")
  list(GET pair 0 mech)
  list(GET pair 1 label)
  execute_process(COMMAND ${CTEST} --test-dir ${BUILD_DIR} -N -L "^${label}$"
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  string(REGEX MATCH "Total Tests: ([0-9]+)" _ "${out}")
  if(NOT rc EQUAL 0 OR NOT CMAKE_MATCH_1 OR CMAKE_MATCH_1 EQUAL 0)
    message(FATAL_ERROR "mechanism ${mech}: no test labelled ${label} is registered\n${out}")
  endif()
  message(STATUS "mechanism ${mech}: ${CMAKE_MATCH_1} test(s) labelled ${label}")
endforeach()
if(CONFIG STREQUAL "")  # MUTAUTH_INSTALL=OFF: no package config to check
  return()
endif()
file(READ "${CONFIG}" config)
string(REGEX MATCH "set\\(mutauth_MECHANISMS \"([^\"]*)\"\\)" _ "${config}")
string(REPLACE "," ";" EXPORTED "${EXPORTED}")
if(NOT CMAKE_MATCH_1 STREQUAL "${EXPORTED}")
  message(FATAL_ERROR "mutauth-config.cmake lists mechanisms '${CMAKE_MATCH_1}', not '${EXPORTED}'")
endif()
if(CMAKE_MATCH_1 MATCHES "altpk")
  message(FATAL_ERROR "the test-only mechanism altpk is in the package config")
endif()
message(STATUS "package config mechanisms: ${CMAKE_MATCH_1}")
