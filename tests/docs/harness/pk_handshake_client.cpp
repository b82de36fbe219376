// Harness for a client-side handshake block (README.md, "The library API in one screen"). The
// block runs inside main() as the client; its send() and receive() carry whole tokens over a
// socketpair to a real Acceptor<pk::PublicKey> in a thread (token_pipe.hpp), which proves
// host/db1.example.com and admits alice. Run by pinned_keys.sh, which makes the key files the
// block names with ssh-keygen. Passes only if both sides finished the handshake and the server
// saw alice.
#include <thread>

#include <mutauth/mech/pk/pk.hpp>  // also tells extract_blocks.py to link mutauth::pk

#include "docs/harness/token_pipe.hpp"
// @DOCTEST_PRELUDE@

namespace {
mutauth::docs::TokenPipe* client_side = nullptr;
void send(mutauth::bytes_view token) { client_side->send(token); }
mutauth::bytes_view receive() { return client_side->receive(); }
}  // namespace

int main() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
  mutauth::docs::TokenPipe client_pipe(fds[0]);
  client_side = &client_pipe;
  mutauth::docs::PeerOutcome server;
  std::thread peer([&, fd = fds[1]] {
    mutauth::docs::TokenPipe pipe(fd);
    (void)mutauth::docs::serve_db1(pipe, server);
  });
  bool client_done = false;
  {
    // @DOCTEST_BODY@
    client_done = r.st == status::done;
  }
  client_pipe.hang_up();
  peer.join();
  if (!server.error.empty()) std::printf("server: %s\n", server.error.c_str());
  std::printf("client done: %d, server done: %d, server saw: %s\n", client_done, server.done,
              server.peer.c_str());
  return mutauth::docs::verdict(client_done && server.done && server.peer == "alice",
                                "client handshake block");
}
