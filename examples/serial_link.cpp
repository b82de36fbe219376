// mutauth over a serial line: the mutauth-pk/1 handshake and sealed messages carried over a
// byte channel that is not a socket — a simulated UART that accepts a few bytes per write and
// delivers ONE byte per read. Nothing in mutauth touches I/O (sans-IO), so any channel that moves
// bytes will do: a Connection<M> (connection.hpp) takes the received bytes in any split, one at a
// time included, hands out the bytes it wants sent, and reports events (established, data, the
// peer's sealed close); the framing, the handshake and the session are inside it.
//
// The file has two parts:
//   1. the simulated serial line (scaffolding standing in for a UART driver; skip it), and
//   2. the USER CODE: everything an application writes to authenticate over such a link.
// The user code is under 100 lines, counted without blank and comment-only lines by
//   sed -n '/^\/\/ =* BEGIN USER/,/^\/\/ =* END USER/p' examples/serial_link.cpp | grep -cv '^\s*$\|^\s*//'
// (CTest runs that count too: example_serial_link_user_lines). The same file builds for a
// bare-metal Cortex-M4 and runs under QEMU (embedded/CMakeLists.txt, docs/embedded.md).
#include <cstdint>
#include <cstdio>
#include <deque>
#include <span>
#include <string>
#include <string_view>

#include "mutauth/connection.hpp"
#include "mutauth/mech/pk/pk.hpp"

// ============================ SIMULATED SERIAL LINE (not user code) ============================

/// One end of a full-duplex serial line. write() takes 1..8 bytes at a time, as a small transmit
/// FIFO would, so a sender must loop; read() hands out one received byte at a time. The split
/// pattern comes from a fixed-seed generator: every run cuts the stream the same way.
class SerialPort {
 public:
  SerialPort(std::deque<std::uint8_t>& tx, std::deque<std::uint8_t>& rx, std::uint64_t seed)
      : tx_(tx), rx_(rx), rng_(seed) {}

  std::size_t write(std::span<const std::uint8_t> data) {
    rng_ ^= rng_ << 13;  // xorshift64: deterministic, good enough to cut a byte stream
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const std::size_t n = std::min<std::size_t>(data.size(), 1 + rng_ % 8);
    tx_.insert(tx_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    written += n;
    ++writes;
    return n;
  }
  bool read(std::uint8_t& byte) {
    if (rx_.empty()) return false;
    byte = rx_.front();
    rx_.pop_front();
    return true;
  }
  std::size_t written = 0, writes = 0;

 private:
  std::deque<std::uint8_t>& tx_;
  std::deque<std::uint8_t>& rx_;
  std::uint64_t rng_;
};

struct SerialLine {
  std::deque<std::uint8_t> a_to_b, b_to_a;
  SerialPort a{a_to_b, b_to_a, 0x9E3779B97F4A7C15u}, b{b_to_a, a_to_b, 0xD1B54A32D192ED03u};
};

// ======================================= BEGIN USER CODE =======================================
using namespace mutauth;
using PK = pk::PublicKey;

/// One end of the link: the connection's output goes out through a UART that takes a few bytes
/// per call; received bytes go in one at a time.
struct Link {
  SerialPort& port;
  Connection<PK>& conn;
  std::string received;  // application bytes from the peer
  bool peer_closed = false;

  void send() {
    for (bytes_view out = conn.pending_output(); !out.empty(); out = conn.pending_output())
      conn.consume_output(port.write(out));
  }
  /// One turn: send what the connection wants sent, feed it what arrived, collect its events.
  bool pump() {
    send();
    std::uint8_t byte = 0;
    while (port.read(byte)) {
      // receive() consumes nothing while an event waits to be taken, or while its output buffer
      // lacks room for an answer: take the event, send, then feed the byte again.
      for (bool taken = false; !taken;) {
        auto n = conn.receive(bytes_view(&byte, 1));
        for (auto ev = conn.next_event(); ev.kind != connection_event::none;
             ev = conn.next_event()) {
          if (ev.kind == connection_event::data)
            received.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
          if (ev.kind == connection_event::peer_closed) peer_closed = true;
        }
        if (!n) return false;  // the connection is dead; its alert, if any, is in pending_output()
        taken = *n == 1;
        send();
      }
    }
    return true;
  }
};

/// Seals `text` (nothing is sealed before the handshake finished: write() refuses, G1).
bool say(Connection<PK>& conn, std::string_view text) {
  auto n = conn.write(bytes_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return n && *n == text.size();
}

bool admit(const Principal& p) noexcept { return p.name.view() == "sensor-17"; }

int run(SerialPort& sensor_port, SerialPort& gateway_port) {
  // Identity keys from fixed seeds, so the example is reproducible. A device keeps its seed in
  // protected storage; keys from ssh-keygen work too (pk::load_private_key_file).
  const std::uint8_t sensor_seed[32] = {0x51}, gateway_seed[32] = {0x47};
  auto sensor_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(sensor_seed));
  auto gateway_key =
      pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(gateway_seed));
  auto gateway_name = ServicePrincipal::parse("telemetry/gateway.plant.example");
  if (!sensor_key || !gateway_key || !gateway_name) return 1;

  // Each side pins the other's public key (CA certificates work the same way, docs/protocol/mutauth-pk.md §11).
  const pk::PinnedServer known_gateway[] = {{*gateway_name, gateway_key->public_key()}};
  const pk::PinnedClient known_sensor[] = {{"sensor-17", sensor_key->public_key()}};
  pk::InitiatorConfig sensor_cfg;
  sensor_cfg.identity = {&*sensor_key, "sensor-17"};
  sensor_cfg.trust.pinned = known_gateway;
  pk::AcceptorConfig gateway_cfg{.identity = {&*gateway_key, {}},
                                 .service = *gateway_name,
                                 .trust = {},
                                 .channel_binding = {}};
  gateway_cfg.trust.pinned = known_sensor;

  // The connections keep their buffers inline (about 52 KiB each, no heap on the pk path); a
  // microcontroller would give them static storage.
  Connection<PK> sensor(as_client, *gateway_name,
                        sensor_cfg);                      // the sensor demands the gateway by name
  Connection<PK> gateway(as_server, gateway_cfg, admit);  // the gateway admits sensor-17 only
  Link sensor_link{sensor_port, sensor, {}}, gateway_link{gateway_port, gateway, {}};

  // Both ends run in one loop, as two cooperative tasks on one microcontroller would.
  bool ok = static_cast<bool>(sensor.start());  // queues message 1
  auto run_until = [&](auto done) {
    for (int tick = 0; ok && tick < 100000 && !done(); ++tick)
      ok = gateway_link.pump() && sensor_link.pump();
    return ok && done();
  };
  if (!run_until([&] { return sensor.is_established() && gateway.is_established(); })) {
    // The side that failed has the precise reason; the other may just have been left waiting.
    const error& e = sensor.failed() ? sensor.last_error() : gateway.last_error();
    std::printf("handshake failed: %.*s\n", static_cast<int>(e.detail().size()), e.detail().data());
    return 1;
  }
  std::printf(
      "proven over the serial line, before any application byte:\n"
      "  to the sensor:  its peer is %s (key %s)\n  to the gateway: its peer is %s (key %s)\n",
      sensor.session()->peer().to_string().c_str(), sensor.session()->peer().fingerprint.c_str(),
      gateway.session()->peer().to_string().c_str(), gateway.session()->peer().fingerprint.c_str());

  // Four messages: the sensor is established only once it has opened message 4, the gateway's
  // admission, so it knows it was verified and admitted before it sends a reading.
  const bool sent = say(sensor, "temperature=21.5C") &&
                    run_until([&] { return gateway_link.received == "temperature=21.5C"; }) &&
                    say(gateway, "ack, sensor-17") &&
                    run_until([&] { return sensor_link.received == "ack, sensor-17"; });
  if (sent)
    std::printf("  sealed, sent byte by byte, opened: \"%s\" and \"%s\"\n",
                gateway_link.received.c_str(), sensor_link.received.c_str());
  // Each direction ends with a sealed close (a clear one could be forged to truncate the stream).
  const bool closed = sent && sensor.close() &&
                      run_until([&] { return gateway_link.peer_closed; }) && gateway.close() &&
                      run_until([&] { return sensor_link.peer_closed; });
  if (closed) std::printf("  both directions ended with a sealed close\n");
  return closed ? 0 : 1;
}
// ======================================== END USER CODE ========================================

int main() {
  SerialLine line;
  const int rc = run(line.a, line.b);
  // %lu, not %zu: newlib-nano's printf (the MCU build, docs/embedded.md) has no C99 length modifiers.
  std::printf(
      "serial line: sensor wrote %lu bytes in %lu writes, gateway %lu bytes in %lu writes; every "
      "byte read "
      "singly\n",
      static_cast<unsigned long>(line.a.written), static_cast<unsigned long>(line.a.writes),
      static_cast<unsigned long>(line.b.written), static_cast<unsigned long>(line.b.writes));
  std::puts(rc == 0 ? "serial_link: OK" : "serial_link: FAILED");
  return rc;
}
