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
