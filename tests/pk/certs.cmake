# Issue 4: OpenSSH certificates, trust files (known_hosts / authorized_keys subsets), KRLs and
# CA-mode handshakes (include/mutauth/mech/pk/{certificate,trust_file,krl}.hpp). Every artefact
# is made by the real ssh-keygen at test time.
mutauth_test(test_certificates LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_certificates.cpp LIBS mutauth::pk)
mutauth_test(test_trust_files LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_trust_files.cpp LIBS mutauth::pk)
mutauth_test(test_krl LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_krl.cpp LIBS mutauth::pk)
# The CA handshake test uses the one test-only hook of pk.hpp (a sender that skips its own
# certificate checks) to show that the PEER refuses truncated and foreign certificates.
mutauth_test(test_pk_ca LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_ca.cpp LIBS mutauth::pk)
target_compile_definitions(test_pk_ca PRIVATE MUTAUTH_TESTING_ONLY_HOOKS)

# G6 / embedded: a CA-mode handshake (certificates, trust files and a KRL on both sides) with
# -fno-exceptions -fno-rtti and a global operator new that aborts. ssh-keygen runs before the
# heap is forbidden.
mutauth_no_heap_test(pk_ca_no_heap ${CMAKE_CURRENT_LIST_DIR}/pk_ca_no_heap.cpp pk mutauth::pk)

# The certificate size limit (include/mutauth/mech/pk/limits.hpp) at 1 KiB: a CA handshake, the
# refusals of larger certificates and messages, and the no-heap CA program again. Built only when
# the project does not set the limit itself, which would give these programs a second value.
if(MUTAUTH_PK_MAX_CERTIFICATE_SIZE STREQUAL "")
  mutauth_test(test_pk_small_limit LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_small_limit.cpp LIBS mutauth::pk)
  target_compile_definitions(test_pk_small_limit PRIVATE MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024)
  mutauth_no_heap_test(pk_ca_no_heap_1k ${CMAKE_CURRENT_LIST_DIR}/pk_ca_no_heap.cpp pk mutauth::pk)
  target_compile_definitions(pk_ca_no_heap_1k PRIVATE MUTAUTH_PK_MAX_CERTIFICATE_SIZE=1024)
  # As a firmware builds it: pinned keys only, error codes without texts (docs/embedded.md).
  mutauth_test(test_pk_compact LABEL pk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_compact.cpp LIBS mutauth::pk)
  target_compile_definitions(test_pk_compact PRIVATE MUTAUTH_PK_TRUST_CERTIFICATES=0 MUTAUTH_ERROR_TEXT=0)
endif()
