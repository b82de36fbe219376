# cmake -P check_listed.cmake -DINCLUDE_DIR=<include/mutauth> -DLISTED=<a,b,...>
# Fails when a header under INCLUDE_DIR is missing from tests/headers/CMakeLists.txt, or the list
# names one that no longer exists. (Listing the directory here is the check itself: the build
# never takes its sources from a directory listing.)
cmake_minimum_required(VERSION 3.25)  # IN_LIST
string(REPLACE "," ";" LISTED "${LISTED}")
file(GLOB_RECURSE found RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/*.hpp")
set(bad 0)
foreach(h IN LISTS found)
  if(NOT h IN_LIST LISTED)
    message(SEND_ERROR "include/mutauth/${h} is not in tests/headers/CMakeLists.txt")
    set(bad 1)
  endif()
endforeach()
foreach(h IN LISTS LISTED)
  if(NOT h IN_LIST found)
    message(SEND_ERROR "tests/headers/CMakeLists.txt lists ${h}, which include/mutauth/ lacks")
    set(bad 1)
  endif()
endforeach()
list(LENGTH found n)
if(NOT bad)
  message(STATUS "headers.listed: all ${n} headers of include/mutauth/ are checked")
endif()
