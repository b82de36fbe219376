// The CMSDK APB UART (Arm CoreLink SDK, DDI 0479, "APB UART"), polled: UART0 of the MPS2 boards
// at 0x40004000, which QEMU wires to its first -serial / -chardev. It has one-byte transmit and
// receive buffers; the firmware polls STATE. The two calls have the shape of the SerialPort in
// examples/serial_link.cpp: write() takes what fits now, read() hands out one byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fw {

class CmsdkUart {
 public:
  explicit CmsdkUart(std::uintptr_t base) noexcept
      : r_(reinterpret_cast<volatile std::uint32_t*>(base)) {}

  void init() noexcept {
    r_[bauddiv] = 16;  // the smallest divider the UART accepts; QEMU moves bytes at socket speed
    r_[ctrl] = ctrl_tx_en | ctrl_rx_en;
  }

  /// Sends as many bytes as the transmit buffer takes now (0 or 1 on this UART); never blocks.
  std::size_t write(std::span<const std::uint8_t> data) noexcept {
    std::size_t n = 0;
    while (n < data.size() && (r_[state] & state_tx_full) == 0) r_[this->data] = data[n++];
    return n;
  }
  /// One received byte, if one is there.
  bool read(std::uint8_t& byte) noexcept {
    if ((r_[state] & state_rx_full) == 0) return false;
    byte = static_cast<std::uint8_t>(r_[data]);
    return true;
  }
  [[nodiscard]] bool tx_idle() const noexcept { return (r_[state] & state_tx_full) == 0; }

 private:
  // Word offsets of the registers (DDI 0479 table 4-5).
  static constexpr std::size_t data = 0, state = 1, ctrl = 2, bauddiv = 4;
  static constexpr std::uint32_t state_tx_full = 1u << 0, state_rx_full = 1u << 1;
  static constexpr std::uint32_t ctrl_tx_en = 1u << 0, ctrl_rx_en = 1u << 1;
  volatile std::uint32_t* r_;
};

}  // namespace fw
