# The krb5 mechanism's benchmark (listed in bench/CMakeLists.txt), included from there through
# mutauth_mechanism_parts(BENCH) (cmake/MutauthMechanism.cmake): Kerberos on a real MIT KDC.
mutauth_bench(bench_krb5 mutauth::krb5 benchmark::benchmark)
# It starts the tests' KDC fixture (tests/krb5/kdc_fixture.sh) once for the whole run.
target_compile_definitions(bench_krb5 PRIVATE MUTAUTH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_include_directories(bench_krb5 PRIVATE ${PROJECT_SOURCE_DIR}/tests)
