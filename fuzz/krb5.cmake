# The krb5 mechanism's fuzz targets, registered from fuzz/CMakeLists.txt through
# mutauth_mechanism_parts(FUZZ) (cmake/MutauthMechanism.cmake).
# Kerberos: the targets make their own throwaway environment (fuzz_krb5.hpp). krb5_acceptor
# needs only ktutil (offline keytab); krb5_initiator starts the KDC fixture once per process
# (a few seconds), so its replay test also carries the kerberos label.
set(kdc_fixture MUTAUTH_KDC_FIXTURE="${PROJECT_SOURCE_DIR}/tests/krb5/kdc_fixture.sh")
mutauth_fuzz_target(krb5_acceptor LIBS mutauth::krb5 DICT krb5.dict DEFS ${kdc_fixture})
mutauth_fuzz_target(krb5_initiator LIBS mutauth::krb5 DICT krb5.dict DEFS ${kdc_fixture}
                    LABELS kerberos fuzz-replay)
if(MUTAUTH_FUZZ_REPLAY)
  add_executable(fuzz_make_krb5_corpus ${CMAKE_CURRENT_SOURCE_DIR}/make_krb5_corpus.cpp)
  target_link_libraries(fuzz_make_krb5_corpus PRIVATE mutauth::krb5 mutauth_warnings)
  target_compile_definitions(fuzz_make_krb5_corpus PRIVATE ${kdc_fixture})
endif()
# The KDC fixture's client (tests/krb5/fixture_process.hpp), shared with the tests and bench.
mutauth_fuzz_see_tests(fuzz_krb5_acceptor fuzz_krb5_initiator fuzz_replay_krb5_acceptor
                       fuzz_replay_krb5_initiator fuzz_make_krb5_corpus)
