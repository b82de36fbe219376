# The pk mechanism's fuzz targets (fuzz/README.md), registered from fuzz/CMakeLists.txt through
# mutauth_mechanism_parts(FUZZ) (cmake/MutauthMechanism.cmake): the key, certificate, KRL and
# trust-file parsers, both handshake roles, the session, the transcript oracles.
mutauth_fuzz_target(public_key LIBS mutauth::pk DICT openssh.dict)
mutauth_fuzz_target(private_key LIBS mutauth::pk DICT openssh.dict)
mutauth_fuzz_target(pk_acceptor LIBS mutauth::pk DICT pk.dict)
mutauth_fuzz_target(pk_initiator LIBS mutauth::pk DICT pk.dict)
mutauth_fuzz_target(pk_session LIBS mutauth::pk DICT pk.dict)
mutauth_fuzz_target(pk_transcript LIBS mutauth::pk DICT pk.dict)
mutauth_fuzz_target(pk_transcript_ca LIBS mutauth::pk DICT pk.dict)
mutauth_fuzz_target(certificate LIBS mutauth::pk DICT certificate.dict)
mutauth_fuzz_target(certificate_line LIBS mutauth::pk DICT certificate.dict)
mutauth_fuzz_target(krl LIBS mutauth::pk DICT krl.dict)
mutauth_fuzz_target(known_hosts LIBS mutauth::pk DICT trust_file.dict)
mutauth_fuzz_target(authorized_keys LIBS mutauth::pk DICT trust_file.dict)

# Regenerates the project-made seeds (fuzz/make_corpus.sh runs it); not a test.
if(MUTAUTH_FUZZ_REPLAY)
  add_executable(fuzz_make_corpus ${CMAKE_CURRENT_SOURCE_DIR}/make_corpus.cpp)
  target_link_libraries(fuzz_make_corpus PRIVATE mutauth::pk mutauth_warnings)
endif()
