// mutauth over a serial line: the mutauth-pk/1 handshake and sealed messages carried over a
// byte channel that is not a socket — a simulated UART that accepts a few bytes per write and
// delivers ONE byte per read. Nothing in mutauth touches I/O (sans-IO), so any channel that moves
// bytes will do: framing.hpp turns the byte stream into whole records, the handshake consumes
// whole tokens.
//
// The file has two parts:
//   1. the simulated serial line (scaffolding standing in for a UART driver; skip it), and
//   2. the USER CODE: everything an application writes to authenticate over such a link.
// The user code is under 100 lines, counted without blank and comment-only lines by
//   sed -n '/^\/\/ =* BEGIN USER/,/^\/\/ =* END USER/p' examples/serial_link.cpp | grep -cv '^\s*$\|^\s*//'
// (CTest runs that count too: example_serial_link_user_lines).
#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <span>
#include <string_view>

#include "mutauth/framing.hpp"
#include "mutauth/handshake.hpp"
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

/// One end of the link: whole records out through a UART that takes a few bytes per call; bytes
/// in, one at a time, until the record decoder holds a whole record.
struct Link {
  SerialPort& port;
  RecordDecoder<1024> decoder{};  // the largest record this link carries: it bounds the buffer

  bool send(record_type type, bytes_view body) {
    std::array<std::uint8_t, 1024 + record_header_size> frame{};
    auto n = encode_record(type, body, frame);
    for (std::size_t off = 0, tries = 0; n && off < *n && tries < 4096; ++tries)
      off += port.write(std::span(frame).subspan(off, *n - off));
    return static_cast<bool>(n);
  }
  // nullopt while bytes are missing, or after a framing error (decoder.failed() tells). The
  // record views the decoder's buffer: use it before the next poll().
  std::optional<record> poll() {
    std::uint8_t byte = 0;
    while (!decoder.failed() && port.read(byte))
      if (auto d = decoder.decode(bytes_view(&byte, 1)); d && d->has_record) return d->rec;
    return std::nullopt;
  }
};

/// One turn of either side: hand an arrived record to the handshake, send what it answers.
template <class Handshake>
bool drive(Handshake& hs, Link& link, bool& done) {
  auto rec = link.poll();
  if (!rec || done) return !link.decoder.failed();
  step_result r = feed_record(hs, *rec);  // an alert or application record ends it (G1)
  if (!r.token.empty() && !link.send(record_type::handshake, r.token)) return false;
  done = r.st == status::done;
  return r.st != status::failed;
}

/// Ends `tx`'s direction with a sealed close (a clear one could be forged to truncate the stream).
bool close_link(Session<PK>& tx, Link& out, Session<PK>& rx, Link& in) {
  std::array<std::uint8_t, 64> sealed{}, opened{};
  auto n = tx.close(sealed);
  if (!n || !out.send(record_type::application, bytes_view(sealed.data(), *n))) return false;
  auto rec = in.poll();
  auto m = rec ? rx.open(rec->body, opened) : result<received>(error(errc::truncation));
  return m && m->type == content_type::close && rx.peer_closed();
}

/// Seals `text` on one side, carries it over the line, opens it on the other.
bool transfer(Session<PK>& tx, Link& out, Session<PK>& rx, Link& in, std::string_view text) {
  std::array<std::uint8_t, 256> sealed{}, opened{};
  auto n = tx.seal(bytes_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), sealed);
  if (!n || !out.send(record_type::application, bytes_view(sealed.data(), *n))) return false;
  auto rec = in.poll();  // the bytes are all on the line already: one poll delivers the record
  if (!rec) return false;
  auto m = rx.open(rec->body, opened);  // data, close or alert: every record is sealed
  if (!m || m->type != content_type::data) return false;
  const std::string_view got(reinterpret_cast<const char*>(opened.data()), m->size);
  std::printf("  sealed, sent byte by byte, opened: \"%.*s\"\n", static_cast<int>(got.size()), got.data());
  return got == text;
}

bool admit(const Principal& p) noexcept { return p.name.view() == "sensor-17"; }

int run(SerialPort& sensor_port, SerialPort& gateway_port) {
  // Identity keys from fixed seeds, so the example is reproducible. A device keeps its seed in
  // protected storage; keys from ssh-keygen work too (pk::load_private_key_file).
  const std::uint8_t sensor_seed[32] = {0x51}, gateway_seed[32] = {0x47};
  auto sensor_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(sensor_seed));
  auto gateway_key = pk::Ed25519SecretKey::from_seed(std::span<const std::uint8_t, 32>(gateway_seed));
  auto gateway_name = ServicePrincipal::parse("telemetry/gateway.plant.example");
  if (!sensor_key || !gateway_key || !gateway_name) return 1;

  // Each side pins the other's public key (CA certificates work the same way, docs/protocol/mutauth-pk.md §11).
  const pk::PinnedServer known_gateway[] = {{*gateway_name, gateway_key->public_key()}};
  const pk::PinnedClient known_sensor[] = {{"sensor-17", sensor_key->public_key()}};
  pk::InitiatorConfig sensor_cfg;
  sensor_cfg.identity = {&*sensor_key, "sensor-17"};
  sensor_cfg.trust.pinned = known_gateway;
  pk::AcceptorConfig gateway_cfg{.identity = {&*gateway_key, {}}, .service = *gateway_name, .trust = {},
                                 .channel_binding = {}};
  gateway_cfg.trust.pinned = known_sensor;

  // The handshake objects keep their buffers inline: no heap on the pk path.
  Initiator<PK> sensor(*gateway_name, sensor_cfg);  // the sensor demands the gateway by name
  Acceptor<PK> gateway(gateway_cfg, admit);          // the gateway admits sensor-17 only
  Link sensor_link{sensor_port}, gateway_link{gateway_port};

  // Both ends run in this one loop, as two cooperative tasks on one microcontroller would.
  step_result first = sensor.step();
  bool ok = first.st == status::send && sensor_link.send(record_type::handshake, first.token);
  bool sensor_done = false, gateway_done = false;
  for (int tick = 0; ok && tick < 100000 && !(sensor_done && gateway_done); ++tick)
    ok = drive(gateway, gateway_link, gateway_done) && drive(sensor, sensor_link, sensor_done);
  if (!ok || !sensor_done || !gateway_done) {
    // The side that failed has the precise reason; the other may just have been left waiting.
    const error& e = sensor.is_failed() ? sensor.last_error() : gateway.last_error();
    std::printf("handshake failed: %.*s\n", static_cast<int>(e.detail().size()), e.detail().data());
    return 1;
  }
  auto sensor_session = std::move(sensor).finish();  // a Session only from a finished handshake
  auto gateway_session = std::move(gateway).finish();
  if (!sensor_session || !gateway_session) return 1;
  std::printf("proven over the serial line, before any application byte:\n"
              "  to the sensor:  its peer is %s (key %s)\n  to the gateway: its peer is %s (key %s)\n",
              sensor_session->peer().to_string().c_str(), sensor_session->peer().fingerprint.c_str(),
              gateway_session->peer().to_string().c_str(), gateway_session->peer().fingerprint.c_str());

  // Only established sessions open the decoders to application records (G1).
  sensor_link.decoder.allow_application_data(*sensor_session);
  gateway_link.decoder.allow_application_data(*gateway_session);
  // Four messages: the sensor's session exists only once it has opened message 4, the gateway's
  // admission, so it knows it was verified and admitted before it sends a reading.
  const bool sent = transfer(*sensor_session, sensor_link, *gateway_session, gateway_link, "temperature=21.5C") &&
                    transfer(*gateway_session, gateway_link, *sensor_session, sensor_link, "ack, sensor-17") &&
                    close_link(*sensor_session, sensor_link, *gateway_session, gateway_link) &&
                    close_link(*gateway_session, gateway_link, *sensor_session, sensor_link);
  if (sent) std::printf("  both directions ended with a sealed close\n");
  return sent ? 0 : 1;
}
// ======================================== END USER CODE ========================================

int main() {
  SerialLine line;
  const int rc = run(line.a, line.b);
  std::printf("serial line: sensor wrote %zu bytes in %zu writes, gateway %zu bytes in %zu writes; every byte read "
              "singly\n",
              line.a.written, line.a.writes, line.b.written, line.b.writes);
  std::puts(rc == 0 ? "serial_link: OK" : "serial_link: FAILED");
  return rc;
}
