# A mechanism is registered as data (docs/adding-a-mechanism.md): one mutauth_mechanism() call
# makes its INTERFACE target mutauth::<name>, its install/export rules and its package-config
# component, and records where its tests, fuzz targets and benchmarks are registered. The
# directories that own the helpers (tests/: mutauth_test, fuzz/: mutauth_fuzz_target, bench/:
# mutauth_bench) call mutauth_mechanism_parts() once, which adds each mechanism's part in the
# order the mechanisms were declared. Every part is named explicitly: a missing or misnamed one
# stops the configure step instead of silently dropping tests.
#
#   mutauth_mechanism(<name>
#     [WITH <option>]            provided only while this option is ON (declared by the caller)
#     [FIND <package>...]        find_package()d here and find_dependency()d by the package config
#     [FIND_MODULES <file>...]   Find<package>.cmake files to install beside the package config
#     [OPTIONAL]                 a FIND package that is missing drops the mechanism (status line)
#     [LINK <target>...]         INTERFACE dependencies besides mutauth::core
#     [HEADERS <header>...]      its public headers, under include/mutauth/ (tests/headers
#                                compiles each alone and headers.listed checks none is missing)
#     [INCLUDE_DIRS <dir>...]    extra include directories (test-only mechanisms)
#     [LABEL <ctest label>]      the label of its tests; the registration check asks for >= 1
#     [TESTS <dir>]              a directory with a CMakeLists.txt, added from tests/
#     [FUZZ <file>]              a .cmake file included from fuzz/ (below mutauth_fuzz_target)
#     [BENCH <file>]             a .cmake file included from bench/ (mutauth_bench is defined)
#     [TEST_ONLY])               neither linked into mutauth::mutauth nor installed or exported
#
# Relative paths are relative to the directory of the call. Sets MUTAUTH_HAVE_<NAME> (upper case)
# in the caller's scope. The global property MUTAUTH_MECHANISMS lists the provided mechanisms.
include_guard(GLOBAL)

# mutauth_package_dependency(<package> [MODULE <Find file>]): find_dependency(<package>) in the
# installed package config, and the find module installed beside it. Each package once.
function(mutauth_package_dependency package)
  cmake_parse_arguments(D "" "MODULE" "" ${ARGN})
  get_property(deps GLOBAL PROPERTY MUTAUTH_PACKAGE_DEPENDENCIES)
  if(NOT package IN_LIST deps)
    set_property(GLOBAL APPEND PROPERTY MUTAUTH_PACKAGE_DEPENDENCIES ${package})
  endif()
  if(D_MODULE)
    get_filename_component(module "${D_MODULE}" ABSOLUTE)
    get_property(modules GLOBAL PROPERTY MUTAUTH_FIND_MODULES)
    if(NOT module IN_LIST modules)
      set_property(GLOBAL APPEND PROPERTY MUTAUTH_FIND_MODULES ${module})
    endif()
  endif()
endfunction()

# mutauth_export(<target>...): installed and exported as mutauth::<EXPORT_NAME>, a component of
# find_package(mutauth COMPONENTS ...) (cmake/mutauth-config.cmake.in).
function(mutauth_export)
  set_property(GLOBAL APPEND PROPERTY MUTAUTH_EXPORTED_TARGETS ${ARGN})
  if(MUTAUTH_INSTALL)
    install(TARGETS ${ARGN} EXPORT mutauth-targets)
  endif()
endfunction()

function(mutauth_mechanism name)
  cmake_parse_arguments(M "OPTIONAL;TEST_ONLY" "WITH;LABEL;TESTS;FUZZ;BENCH"
                        "FIND;FIND_MODULES;LINK;INCLUDE_DIRS;HEADERS" ${ARGN})
  if(M_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mutauth_mechanism(${name}): unknown arguments ${M_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "mutauth_mechanism(${name}): a name is [a-z][a-z0-9_]* (it becomes mutauth::${name})")
  endif()
  string(TOUPPER "${name}" upper)
  set(MUTAUTH_HAVE_${upper} OFF PARENT_SCOPE)
  get_property(known GLOBAL PROPERTY MUTAUTH_MECHANISMS)
  if(name IN_LIST known)
    message(FATAL_ERROR "mutauth_mechanism(${name}): declared twice")
  endif()
  # One that is declared but not provided here: headers.listed can only run when none is.
  set_property(GLOBAL APPEND PROPERTY MUTAUTH_MISSING_MECHANISMS ${name})
  if(M_WITH AND NOT ${M_WITH})
    return()
  endif()
  set(module_dir ${PROJECT_SOURCE_DIR}/cmake)
  list(APPEND CMAKE_MODULE_PATH ${module_dir})
  foreach(package IN LISTS M_FIND)
    if(M_OPTIONAL)
      find_package(${package})
      if(NOT ${package}_FOUND)
        message(STATUS "mutauth: ${package} not found; mutauth::${name} not provided")
        return()
      endif()
    else()
      find_package(${package} REQUIRED)
    endif()
  endforeach()

  add_library(mutauth_${name} INTERFACE)
  add_library(mutauth::${name} ALIAS mutauth_${name})
  set_target_properties(mutauth_${name} PROPERTIES EXPORT_NAME ${name})
  target_link_libraries(mutauth_${name} INTERFACE mutauth_core ${M_LINK})
  foreach(dir IN LISTS M_INCLUDE_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    target_include_directories(mutauth_${name} INTERFACE $<BUILD_INTERFACE:${dir}>)
  endforeach()
  if(NOT M_TEST_ONLY)
    target_link_libraries(mutauth INTERFACE mutauth_${name})
    mutauth_export(mutauth_${name})
    foreach(package IN LISTS M_FIND)
      mutauth_package_dependency(${package})
    endforeach()
    foreach(module IN LISTS M_FIND_MODULES)
      mutauth_package_dependency(_unused MODULE ${module})
    endforeach()
    set_property(GLOBAL APPEND PROPERTY MUTAUTH_MECHANISMS ${name})
  else()
    set_property(GLOBAL APPEND PROPERTY MUTAUTH_TEST_ONLY_MECHANISMS ${name})
  endif()
  set_property(GLOBAL APPEND PROPERTY MUTAUTH_ALL_MECHANISMS ${name})
  get_property(missing GLOBAL PROPERTY MUTAUTH_MISSING_MECHANISMS)
  list(REMOVE_ITEM missing ${name})
  set_property(GLOBAL PROPERTY MUTAUTH_MISSING_MECHANISMS ${missing})
  set_property(GLOBAL PROPERTY MUTAUTH_MECHANISM_${name}_HEADERS ${M_HEADERS})
  foreach(part TESTS FUZZ BENCH)
    # A part whose directory has been configured already would be dropped without a word (a
    # mechanism declared in tests/ can have TESTS only).
    get_property(consumed GLOBAL PROPERTY MUTAUTH_MECHANISM_PARTS_${part}_CONSUMED)
    if(M_${part} AND consumed)
      message(FATAL_ERROR "mutauth_mechanism(${name}): its ${part} part is declared after the "
                          "directory that registers ${part} parts was configured")
    endif()
  endforeach()
  foreach(part LABEL TESTS FUZZ BENCH)
    if(M_${part})
      set(value "${M_${part}}")
      if(NOT part STREQUAL "LABEL")
        get_filename_component(value "${value}" ABSOLUTE)
      endif()
      set_property(GLOBAL PROPERTY MUTAUTH_MECHANISM_${name}_${part} "${value}")
    endif()
  endforeach()
  set(MUTAUTH_HAVE_${upper} ON PARENT_SCOPE)
endfunction()

# mutauth_mechanism_parts(TESTS|FUZZ|BENCH): add that part of every mechanism declared so far
# (tests/ add_subdirectory()s a TESTS directory; fuzz/ and bench/ include() their file). A macro,
# so that an included file registers into the calling directory's scope as if written there.
macro(mutauth_mechanism_parts _mutauth_part)
  set_property(GLOBAL PROPERTY MUTAUTH_MECHANISM_PARTS_${_mutauth_part}_CONSUMED ON)
  get_property(_mutauth_mechs GLOBAL PROPERTY MUTAUTH_ALL_MECHANISMS)
  foreach(_mutauth_mech IN LISTS _mutauth_mechs)
    get_property(_mutauth_where GLOBAL PROPERTY MUTAUTH_MECHANISM_${_mutauth_mech}_${_mutauth_part})
    get_property(_mutauth_done GLOBAL PROPERTY MUTAUTH_MECHANISM_${_mutauth_mech}_${_mutauth_part}_ADDED)
    if(_mutauth_where AND NOT _mutauth_done)
      set_property(GLOBAL PROPERTY MUTAUTH_MECHANISM_${_mutauth_mech}_${_mutauth_part}_ADDED ON)
      if("${_mutauth_part}" STREQUAL "TESTS")
        # The same build directory as the source's place in the tree (tests/krb5 -> tests/krb5).
        file(RELATIVE_PATH _mutauth_rel ${PROJECT_SOURCE_DIR} ${_mutauth_where})
        add_subdirectory(${_mutauth_where} ${PROJECT_BINARY_DIR}/${_mutauth_rel})
      else()
        include(${_mutauth_where})
      endif()
    endif()
  endforeach()
  unset(_mutauth_mechs)
  unset(_mutauth_mech)
  unset(_mutauth_where)
  unset(_mutauth_done)
  unset(_mutauth_rel)
endmacro()
