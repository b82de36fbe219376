# The pk mechanism's benchmarks (listed in bench/CMakeLists.txt), included from there through
# mutauth_mechanism_parts(BENCH) (cmake/MutauthMechanism.cmake).
mutauth_bench(bench_pk mutauth::pk benchmark::benchmark)
mutauth_bench(bench_session mutauth::pk benchmark::benchmark)
mutauth_bench(bench_footprint mutauth::pk)
# The same program with a 1 KiB certificate limit (include/mutauth/mech/pk/limits.hpp), when the
# project leaves the limit at its default.
if(MUTAUTH_PK_MAX_CERTIFICATE_SIZE STREQUAL "")
  add_executable(bench_footprint_1k bench_footprint.cpp)
  target_link_libraries(bench_footprint_1k PRIVATE mutauth_warnings mutauth::pk)
  target_compile_features(bench_footprint_1k PRIVATE cxx_std_20)
  target_compile_definitions(bench_footprint_1k PRIVATE MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024)
endif()

# Code size: -Os, no exceptions or RTTI (the library supports both off), dead sections dropped.
# Two links: against the shared libsodium (what mutauth itself adds) and against the static
# one (everything the client needs besides libc).
set(MUTAUTH_MIN_FLAGS -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections)
add_executable(min_client min_client.cpp)
target_compile_options(min_client PRIVATE ${MUTAUTH_MIN_FLAGS})
target_link_options(min_client PRIVATE -Wl,--gc-sections)
target_link_libraries(min_client PRIVATE mutauth_warnings mutauth::pk)

find_library(MUTAUTH_SODIUM_STATIC NAMES libsodium.a)
if(MUTAUTH_SODIUM_STATIC)
  add_executable(min_client_static_sodium min_client.cpp)
  target_compile_options(min_client_static_sodium PRIVATE ${MUTAUTH_MIN_FLAGS})
  target_link_options(min_client_static_sodium PRIVATE -Wl,--gc-sections)
  target_include_directories(min_client_static_sodium PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(min_client_static_sodium PRIVATE mutauth_warnings mutauth::core
                        ${MUTAUTH_SODIUM_STATIC})
endif()
