// Harness for a server-side handshake block (README.md, "The acceptor side"). The block sits at
// file scope and defines `accept_one()`; main() calls it while a real Initiator<pk::PublicKey>
// (alice, demanding host/db1.example.com, token_pipe.hpp) runs in a thread over a socketpair;
// the block's send() and receive() carry the tokens. Run by pinned_keys.sh (keys from
// ssh-keygen). Passes only if both sides finished and the block's Session names alice as its
// peer and host/db1.example.com as itself.
#include <thread>

#include <mutauth/mech/pk/pk.hpp>  // also tells extract_blocks.py to link mutauth::pk

#include "docs/harness/token_pipe.hpp"
// @DOCTEST_PRELUDE@

namespace {
mutauth::docs::TokenPipe* server_side = nullptr;
void send(mutauth::bytes_view token) { server_side->send(token); }
mutauth::bytes_view receive() { return server_side->receive(); }
}  // namespace

// @DOCTEST_BODY@

int main() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
  mutauth::docs::TokenPipe server_pipe(fds[1]);
  server_side = &server_pipe;
  mutauth::docs::PeerOutcome client;
  std::thread peer([&, fd = fds[0]] {
    mutauth::docs::TokenPipe pipe(fd);
    (void)mutauth::docs::connect_db1(pipe, client);
  });
  auto session = accept_one();
  server_pipe.hang_up();
  peer.join();
  if (!client.error.empty()) std::printf("client: %s\n", client.error.c_str());
  const bool ok = session.has_value() && session->peer().name.view() == "alice" &&
                  session->local().name.view() == "host/db1.example.com" && client.done &&
                  client.peer == "host/db1.example.com";
  if (session)
    std::printf("server session: local %s, peer %s; client done: %d, client saw: %s\n",
                session->local().name.c_str(), session->peer().name.c_str(), client.done,
                client.peer.c_str());
  return mutauth::docs::verdict(ok, "server handshake block");
}
