// mutauth — the optional record layer for byte streams (TCP, pipes, UARTs).
//
// Record: type (1 byte) | length (2 bytes, big-endian) | body.
// The decoder is incremental: it accepts bytes one at a time or many records at once, keeps at
// most one partial record in a fixed buffer, and refuses an application record until it has
// been shown an established Session — so on the wire, as in the types, no application data is
// accepted before both identities are proven (G1). After that, every record is a sealed session
// record (closure and alerts included), and a clear-text alert is refused as the forgery it must
// be (errc::truncation, docs/protocol/mutauth-pk.md §9).
//
// A codec only: it knows records, not handshakes (handshake.hpp's feed_record() joins them).
#pragma once

#include <algorithm>  // std::copy_n, std::min
#include <array>      // the reassembly buffer
#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint8_t

#include "mutauth/alert.hpp"
#include "mutauth/bytes.hpp"
#include "mutauth/error.hpp"
#include "mutauth/mechanism.hpp"

namespace mutauth {
inline namespace v0 {

template <Mechanism M>
class Session;

enum class record_type : std::uint8_t {
  handshake = 0x16,    ///< a whole handshake token
  alert = 0x15,        ///< one byte, an alert_reason; in clear, so only during the handshake
  application = 0x17,  ///< a sealed session record (Session::seal, close or alert output)
};

inline constexpr std::size_t record_header_size = 3;
/// Default body limit: a 16 KiB plaintext plus room for a mechanism's tag and nonce.
inline constexpr std::size_t default_max_record_body = 16 * 1024 + 256;

/// Writes one record into `out`. A short `out` returns errc::buffer_too_small with the size.
[[nodiscard]] inline result<std::size_t> encode_record(
    record_type type, bytes_view body, bytes_span out,
    std::size_t max_body = default_max_record_body) noexcept {
  if (body.size() > max_body || body.size() > 0xFFFF)
    return error(errc::record_too_large, "record body exceeds the record limit");
  const std::size_t need = record_header_size + body.size();
  if (out.size() < need) return error(errc::buffer_too_small).with_required_size(need);
  out[0] = static_cast<std::uint8_t>(type);
  out[1] = static_cast<std::uint8_t>(body.size() >> 8);
  out[2] = static_cast<std::uint8_t>(body.size());
  std::copy_n(body.data(), body.size(), out.data() + record_header_size);
  return need;
}

/// A complete record; `body` is valid until the next call on the decoder.
struct record {
  record_type type;
  bytes_view body;
};

/// What one decode() call did: how many input bytes it consumed and, when a record completed,
/// that record. The caller advances its input by `consumed` and calls again until it is empty.
struct decoded {
  std::size_t consumed = 0;
  bool has_record = false;
  record rec{record_type::handshake, {}};
};

template <std::size_t MaxBody = default_max_record_body>
class RecordDecoder {
  static_assert(MaxBody <= 0xFFFF, "the length field has 16 bits");

 public:
  static constexpr std::size_t max_body = MaxBody;

  /// Consumes bytes until one record completes (then stops, so the caller can act on it before
  /// the next one — e.g. finish the handshake before application records are decoded).
  /// Errors are sticky: a stream that framed one record wrong cannot be trusted to resync.
  [[nodiscard]] result<decoded> decode(bytes_view in) noexcept {
    if (err_) return err_;
    decoded d;
    // Fast path: a whole record in the input and nothing buffered — hand out a view, no copy.
    while (d.consumed < in.size()) {
      if (have_ < record_header_size) {
        header_[have_++] = in[d.consumed++];
        if (have_ == record_header_size) {
          if (result<void> ok = check_header(); !ok) return fail(ok.error_value());
          if (len_ == 0) return complete(d, {});
          const std::size_t rest = in.size() - d.consumed;
          if (rest >= len_ && body_have_ == 0) {
            bytes_view body = in.subspan(d.consumed, len_);
            d.consumed += len_;
            return complete(d, body);
          }
        }
        continue;
      }
      const std::size_t take = std::min(in.size() - d.consumed, std::size_t{len_} - body_have_);
      std::copy_n(in.data() + d.consumed, take, body_.data() + body_have_);
      body_have_ += take;
      d.consumed += take;
      if (body_have_ == len_) return complete(d, bytes_view(body_.data(), len_));
    }
    return d;
  }

  /// Opens the gate for application records. Only an established Session can be shown here,
  /// and only a finished mutual handshake makes one.
  template <Mechanism M>
  void allow_application_data(const Session<M>&) noexcept {
    app_allowed_ = true;
  }

  [[nodiscard]] bool failed() const noexcept { return static_cast<bool>(err_); }
  [[nodiscard]] const error& last_error() const noexcept { return err_; }
  /// True when no partial record is buffered (a clean place for the stream to end).
  [[nodiscard]] bool idle() const noexcept { return have_ == 0; }

 private:
  result<void> check_header() noexcept {
    const auto t = header_[0];
    len_ = static_cast<std::uint16_t>((header_[1] << 8) | header_[2]);
    switch (static_cast<record_type>(t)) {
      case record_type::handshake:
        if (len_ == 0) return error(errc::malformed, "empty handshake record");
        break;
      case record_type::alert:
        // After the handshake, closure and alerts are sealed: a clear one is forged, and a
        // forged close is how a stream gets truncated unnoticed.
        if (app_allowed_)
          return error(errc::truncation,
                       "clear-text alert after the handshake: the peer closes and alerts only "
                       "inside sealed records, so this one is forged (truncation attack?)");
        if (len_ != 1) return error(errc::malformed, "alert record must carry exactly one byte");
        break;
      case record_type::application:
        // Refused at the header, before a single body byte is buffered.
        if (!app_allowed_)
          return error(errc::app_data_before_auth,
                       "application record before mutual authentication completed");
        break;
      default: return error(errc::malformed, "unknown record type");
    }
    if (len_ > MaxBody) return error(errc::too_large, "record longer than the decoder's limit");
    return ok();
  }

  result<decoded> complete(decoded& d, bytes_view body) noexcept {
    d.has_record = true;
    d.rec = record{static_cast<record_type>(header_[0]), body};
    have_ = 0;
    body_have_ = 0;
    return d;
  }

  result<decoded> fail(const error& e) noexcept {
    err_ = e;
    return e;
  }

  std::array<std::uint8_t, record_header_size> header_{};
  std::size_t have_ = 0;
  std::uint16_t len_ = 0;
  std::size_t body_have_ = 0;
  bool app_allowed_ = false;
  error err_{};
  std::array<std::uint8_t, MaxBody> body_{};
};

}  // namespace v0
}  // namespace mutauth
