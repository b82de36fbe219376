// mutauth — mutauth::asio::stream<NextLayer, M>: Connection<M> (connection.hpp) over a standalone
// asio stream (Debian libasio-dev, no Boost), in the shape of ::asio::ssl::stream:
//
//   mutauth::asio::stream<::asio::ip::tcp::socket, pk::PublicKey> s(std::move(sock), target, cfg);
//   co_await s.async_handshake(::asio::use_awaitable);       // G1: nothing sealed before this
//   s.session()->peer();                                      // the proven peer
//   co_await ::asio::async_write(s, ::asio::buffer(msg), ::asio::use_awaitable);
//   n = co_await s.async_read_some(buf, ::asio::use_awaitable);
//   co_await s.async_shutdown(::asio::use_awaitable);        // sealed close, bounded wait
//
// Every operation is an ::asio::async_compose operation, so any completion token works
// (callbacks, use_future, use_awaitable) and asio::async_read / async_write compose
// with it (it models AsyncReadStream and AsyncWriteStream).
//
// Write `::asio::` for the standalone asio namespace wherever `mutauth` is in scope
// (`using namespace mutauth;` makes a bare `asio::` ambiguous with this mutauth::asio).
//
// Errors (std::error_code):
// - mutauth's own errors are errc values in mutauth_category() (error_category.hpp), e.g.
//   errc::unauthorized from a refused handshake; last_error() keeps their detail and hint.
// - Reads: the peer's sealed close is ::asio::error::eof (a clean end, docs/protocol/mutauth-pk.md
//   §9.3); the transport ending without it — or a clear-text close or alert after the handshake —
//   is errc::truncation (where ::asio::ssl::stream says stream_truncated). Never confuse them: only
//   eof means the peer really finished.
// - The handshake: the transport ending mid-handshake is errc::truncation too (the peer vanished);
//   other transport errors pass through (connection_reset, operation_aborted, ...).
// - async_shutdown: ::asio::error::timed_out when the peer's close did not come within
//   shutdown_timeout() (default 5 s): it never waits longer.
//
// Concurrency (as for ::asio::ssl::stream): at most one read and one write outstanding at a time;
// async_handshake and async_shutdown overlap no other operation (shutdown reads, to wait for the
// peer's close, and discards data that arrives meanwhile). Operations run on the next layer's
// executor; call them from one thread or strand. Do not move or destroy a stream with operations
// outstanding; a moved-from stream may only be destroyed or assigned to.
//
// Cancellation: terminal per-operation cancellation (::asio::bind_cancellation_slot, awaitable
// operators) and next_layer().cancel() complete the operation with operation_aborted. A cancelled
// read loses nothing (the stream goes on); a cancelled write or shutdown may have cut a record,
// so later writes fail with the same error; a cancelled handshake is over (close the socket).
//
// Lifetimes: the configuration, and the callable behind the Authorizer, MUST outlive the stream
// (Connection<M> refers to them); the target is copied. The Connection (with its fixed buffers)
// lives on the heap here, which keeps the stream movable: this layer is for hosted programs; the
// embedded path uses Connection<M> directly. Kerberos' GSS-API calls (which may reach the KDC)
// run inside the operations, on the executor's thread.
#pragma once

#include <chrono>        // the shutdown bound
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint8_t
#include <memory>        // std::unique_ptr, std::shared_ptr
#include <optional>      // the client's target
#include <system_error>  // std::error_code
#include <type_traits>   // std::remove_reference_t
#include <utility>       // std::move, std::forward
#include <vector>        // the bytes in flight

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "mutauth/authorization.hpp"
#include "mutauth/connection.hpp"
#include "mutauth/error.hpp"
#include "mutauth/error_category.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"
#include "mutauth/session.hpp"

namespace mutauth {
inline namespace v0 {
namespace asio {

/// The error_code for a mutauth error (its errc, in mutauth_category()).
[[nodiscard]] inline std::error_code to_error_code(const mutauth::error& e) noexcept {
  return make_error_code(e.code());
}

namespace detail {

enum class pumped : std::uint8_t { need_input, progress };

/// Everything an operation touches, on the heap so that the stream moves (Connection does not).
template <Mechanism M>
struct stream_core {
  std::optional<ServicePrincipal> target;  // the client's own copy, which the Connection refers to
  Connection<M> conn;
  // Room for one whole record per read; Connection takes any split anyway.
  std::vector<std::uint8_t> in =
      std::vector<std::uint8_t>(record_header_size + Connection<M>::max_record_body);
  std::size_t in_off = 0, in_len = 0;
  bytes_view data{};              // opened by the Connection, not yet handed to a reader
  std::vector<std::uint8_t> out;  // the bytes in flight: a copy (see flush())
  std::error_code broken{};       // a write failed or was cancelled: a record may be cut
  bool writing = false;           // `out` is being written
  bool transport_eof = false;
  bool handshake_started = false;
  bool established = false;

  // Not noexcept: the receive buffer is allocated (std::bad_alloc, like make_unique itself).
  stream_core(const ServicePrincipal& t, const typename M::InitiatorConfig& c)
      : target(t), conn(as_client, *target, c) {}
  stream_core(const typename M::AcceptorConfig& c, Authorizer a) : conn(as_server, c, a) {}

  void take_events() noexcept {
    for (auto ev = conn.next_event(); ev.kind != connection_event::none; ev = conn.next_event()) {
      if (ev.kind == connection_event::established) established = true;
      if (ev.kind == connection_event::data) data = ev.data;  // valid until the next receive()
    }
  }
  /// Feeds buffered input until something happened (an event, a failure, output to send) or the
  /// buffer is empty. Never called while `data` still holds bytes (they would be overwritten).
  pumped pump() noexcept {
    while (in_off < in_len) {
      auto n = conn.receive(bytes_view(in.data() + in_off, in_len - in_off));
      take_events();
      if (!n) return pumped::progress;  // failed: the caller sees conn.failed()
      in_off += *n;
      // 0 consumed: an event to take (taken above) or output to drain first (handshake).
      if (*n == 0 || established || !data.empty() || conn.peer_closed() || conn.wants_write())
        return pumped::progress;
    }
    return pumped::need_input;
  }
  void on_read(std::size_t n) noexcept {
    in_off = 0;
    in_len = n;
  }
  void on_eof() noexcept {
    transport_eof = true;
    in_off = in_len = 0;
    (void)conn.receive_eof();  // truncation unless the peer's sealed close came
    take_events();
  }
};

// Which child operation an op is waiting for.
enum class child : std::uint8_t { none, post, read, write };

}  // namespace detail

template <class NextLayer, Mechanism M>
class stream {
  using core_type = detail::stream_core<M>;

 public:
  using next_layer_type = std::remove_reference_t<NextLayer>;
  using executor_type = typename next_layer_type::executor_type;
  using mechanism_type = M;
  using duration = std::chrono::steady_clock::duration;

  /// A client that demands `target` (G2); `config` MUST outlive the stream.
  template <class Arg>
  stream(Arg&& next, const ServicePrincipal& target, const typename M::InitiatorConfig& config)
      : next_(std::forward<Arg>(next)), core_(std::make_unique<core_type>(target, config)) {}
  /// A server; `config` and the callable behind `authorize` MUST outlive the stream (G3).
  template <class Arg>
  stream(Arg&& next, const typename M::AcceptorConfig& config, Authorizer authorize)
      : next_(std::forward<Arg>(next)), core_(std::make_unique<core_type>(config, authorize)) {}

  stream(stream&&) noexcept = default;
  stream& operator=(stream&&) noexcept = default;
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() = default;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }

  /// The session (peer(), local(), service(), export_keying_material(), channel_binding()) once
  /// the handshake finished; nullptr before it and after a failure.
  [[nodiscard]] const Session<M>* session() const noexcept { return core_->conn.session(); }
  /// The mutauth error behind an errc error_code: code, detail and hint (empty when none).
  [[nodiscard]] const mutauth::error& last_error() const noexcept {
    return core_->conn.last_error();
  }
  [[nodiscard]] bool is_established() const noexcept { return core_->conn.is_established(); }
  [[nodiscard]] role side() const noexcept { return core_->conn.side(); }

  /// How long async_shutdown waits for the flush of our close and the peer's close, together.
  void set_shutdown_timeout(duration d) noexcept { shutdown_timeout_ = d; }
  [[nodiscard]] duration shutdown_timeout() const noexcept { return shutdown_timeout_; }

  /// Runs the handshake: void(std::error_code). Success means G1: the peer is proven (and, for
  /// a client, the server admitted it); session() is then set. A second call is errc::wrong_state.
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_handshake(Token&& token = Token()) {
    return ::asio::async_compose<Token, void(std::error_code)>(handshake_op{*this}, token, next_);
  }

  /// Reads opened application bytes: void(std::error_code, std::size_t). ::asio::error::eof after
  /// the peer's sealed close; errc::truncation when the stream ended without it.
  template <class MutableBuffers, class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBuffers& buffers, Token&& token = Token()) {
    return ::asio::async_compose<Token, void(std::error_code, std::size_t)>(
        read_op<MutableBuffers>{*this, buffers}, token, next_);
  }

  /// Seals up to one output buffer's worth (16 KiB records) of `buffers` and sends it:
  /// void(std::error_code, std::size_t). Before the handshake: errc::wrong_state, nothing sent (G1).
  template <class ConstBuffers, class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBuffers& buffers, Token&& token = Token()) {
    return ::asio::async_compose<Token, void(std::error_code, std::size_t)>(
        write_op<ConstBuffers>{*this, buffers}, token, next_);
  }

  /// Sends our sealed close and waits for the peer's, within shutdown_timeout(): void(error_code).
  /// Ok: both closes crossed. ::asio::error::timed_out: the bound passed (our close may or may not
  /// have reached the peer). errc::truncation: the peer ended the stream without its close. Data
  /// arriving meanwhile is discarded. When the peer had closed already, a failure to send ours
  /// (it may have gone) is not an error. Close the socket afterwards in every case.
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_shutdown(Token&& token = Token()) {
    return ::asio::async_compose<Token, void(std::error_code)>(
        shutdown_op{*this, std::make_shared<shutdown_wait>(next_.get_executor())}, token, next_);
  }

 private:
  // Sends everything the Connection has queued. A copy is written, not pending_output() itself:
  // a read running beside this write may make the Connection queue an alert, which moves its
  // buffer (connection.hpp: pending_output() is valid until the next non-const call).
  template <class Handler>
  void flush(Handler&& h) {
    core_type& c = *core_;
    const bytes_view p = c.conn.pending_output();
    c.out.assign(p.begin(), p.end());
    c.conn.consume_output(p.size());
    c.writing = true;
    ::asio::async_write(next_, ::asio::buffer(c.out), std::forward<Handler>(h));
  }
  template <class Handler>
  void read_more(Handler&& h) {
    core_type& c = *core_;
    next_.async_read_some(::asio::buffer(c.in), std::forward<Handler>(h));
  }

  // An operation that can finish inside its initiating call posts itself first: asio's rule is
  // that a handler never runs inside the initiating function.
  struct op_base {
    detail::child pending = detail::child::none;
    std::error_code result{};
    std::size_t result_n = 0;

    template <class Self, class... N>
    void finish(Self& self, bool first, std::error_code ec, N... n) {
      if (first) {
        pending = detail::child::post;
        result = ec;
        ((result_n = n), ...);
        ::asio::post(std::move(self));
        return;
      }
      self.complete(ec, n...);
    }
  };

  struct handshake_op : op_base {
    stream& s;
    explicit handshake_op(stream& st) : s(st) {}

    template <class Self>
    void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
      core_type& c = *s.core_;
      const bool first = this->pending == detail::child::none;
      switch (this->pending) {
        case detail::child::none:
          if (c.handshake_started)
            return this->finish(self, true, make_error_code(errc::wrong_state));
          c.handshake_started = true;
          (void)c.conn.start();  // client: message 1; a failure shows in conn.failed()
          break;
        case detail::child::post: return self.complete(this->result);
        case detail::child::read:
          if (ec == ::asio::error::eof) c.on_eof();
          else if (ec) return self.complete(ec);
          else c.on_read(n);
          break;
        case detail::child::write:
          c.writing = false;
          if (ec) {
            // Flushing the alert of a failure: the failure is the news, not the transport.
            if (c.conn.failed()) return self.complete(to_error_code(c.conn.last_error()));
            c.broken = ec;
            return self.complete(ec);
          }
          break;
      }
      for (;;) {
        if (c.conn.wants_write()) {
          this->pending = detail::child::write;
          return s.flush(std::move(self));
        }
        if (c.conn.failed()) return this->finish(self, first, to_error_code(c.conn.last_error()));
        if (c.established) return this->finish(self, first, std::error_code());
        if (c.pump() == detail::pumped::progress) continue;
        this->pending = detail::child::read;
        return s.read_more(std::move(self));
      }
    }
  };

  template <class MutableBuffers>
  struct read_op : op_base {
    stream& s;
    MutableBuffers buffers;
    read_op(stream& st, const MutableBuffers& b) : s(st), buffers(b) {}

    template <class Self>
    void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
      core_type& c = *s.core_;
      const bool first = this->pending == detail::child::none;
      switch (this->pending) {
        case detail::child::none:
          if (::asio::buffer_size(buffers) == 0)
            return this->finish(self, true, std::error_code(), std::size_t{0});
          if (!c.established)
            return this->finish(self, true,
                                c.conn.failed() ? to_error_code(c.conn.last_error())
                                                : make_error_code(errc::wrong_state),
                                std::size_t{0});
          break;
        case detail::child::post: return self.complete(this->result, this->result_n);
        case detail::child::read:
          if (ec == ::asio::error::eof) c.on_eof();
          else if (ec) return self.complete(ec, 0);
          else c.on_read(n);
          break;
        case detail::child::write:  // the alert of a failure, best effort
          c.writing = false;
          return self.complete(to_error_code(c.conn.last_error()), 0);
      }
      for (;;) {
        if (!c.data.empty()) {
          const std::size_t got =
              ::asio::buffer_copy(buffers, ::asio::buffer(c.data.data(), c.data.size()));
          c.data = c.data.subspan(got);
          return this->finish(self, first, std::error_code(), got);
        }
        if (c.conn.failed()) {
          // A write in progress sends the queued alert when it finishes; else send it here.
          if (c.conn.wants_write() && !c.writing) {
            this->pending = detail::child::write;
            return s.flush(std::move(self));
          }
          return this->finish(self, first, to_error_code(c.conn.last_error()), std::size_t{0});
        }
        if (c.conn.peer_closed())
          return this->finish(self, first, make_error_code(::asio::error::eof), std::size_t{0});
        if (c.pump() == detail::pumped::progress) continue;
        if (c.transport_eof) {
          c.on_eof();  // again: sticky truncation
          continue;
        }
        this->pending = detail::child::read;
        return s.read_more(std::move(self));
      }
    }
  };

  template <class ConstBuffers>
  struct write_op : op_base {
    stream& s;
    ConstBuffers buffers;
    std::size_t taken = 0;
    write_op(stream& st, const ConstBuffers& b) : s(st), buffers(b) {}

    template <class Self>
    void operator()(Self& self, std::error_code ec = {}, std::size_t = 0) {
      core_type& c = *s.core_;
      switch (this->pending) {
        case detail::child::none: {
          if (c.broken) return this->finish(self, true, c.broken, std::size_t{0});
          if (c.writing)
            return this->finish(self, true, make_error_code(::asio::error::in_progress),
                                std::size_t{0});
          // Sealed here, when the operation runs (not when a deferred token builds it).
          for (auto it = ::asio::buffer_sequence_begin(buffers);
               it != ::asio::buffer_sequence_end(buffers); ++it) {
            const ::asio::const_buffer b(*it);
            auto r = c.conn.write(bytes_view(static_cast<const std::uint8_t*>(b.data()), b.size()));
            if (!r) {
              if (taken != 0) break;  // send what was sealed; the error comes with the next call
              return this->finish(self, true, to_error_code(r.error_value()), std::size_t{0});
            }
            taken += *r;
            if (*r < b.size()) break;  // the output buffer is full
          }
          if (taken == 0 && !c.conn.wants_write())
            return this->finish(self, true, std::error_code(), std::size_t{0});
          break;
        }
        case detail::child::post: return self.complete(this->result, this->result_n);
        case detail::child::read:
          return self.complete(make_error_code(errc::wrong_state), 0);  // never
        case detail::child::write:
          c.writing = false;
          if (ec) {
            c.broken = ec;
            return self.complete(ec, 0);
          }
          break;
      }
      if (c.conn.wants_write()) {  // ours, or an alert a reader queued meanwhile
        this->pending = detail::child::write;
        return s.flush(std::move(self));
      }
      return self.complete(std::error_code(), taken);
    }
  };

  // The shutdown's bound: a timer whose expiry cancels whichever child is running, through a
  // signal of our own that the children are bound to (the caller's slot forwards to it too).
  struct shutdown_wait {
    explicit shutdown_wait(const executor_type& ex) : timer(ex) {}
    ::asio::steady_timer timer;
    ::asio::cancellation_signal signal;
    bool timed_out = false;
  };

  struct shutdown_op : op_base {
    stream& s;
    std::shared_ptr<shutdown_wait> w;
    bool peer_had_closed = false;
    shutdown_op(stream& st, std::shared_ptr<shutdown_wait> wt) : s(st), w(std::move(wt)) {}

    template <class Self>
    void done(Self& self, std::error_code ec) {
      w->timer.cancel();
      self.complete(ec);
    }
    template <class Self>
    void forward_cancellation(Self& self) {
      // The composed operation clears this slot on every resumption: assigned before each child.
      auto slot = self.get_cancellation_state().slot();
      if (slot.is_connected())
        slot.assign([sig = &w->signal](::asio::cancellation_type t) { sig->emit(t); });
    }

    template <class Self>
    void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
      core_type& c = *s.core_;
      switch (this->pending) {
        case detail::child::none: {
          if (c.broken) return this->finish(self, true, c.broken);
          if (c.writing)
            return this->finish(self, true, make_error_code(::asio::error::in_progress));
          if (!c.established) return this->finish(self, true, make_error_code(errc::wrong_state));
          peer_had_closed = c.conn.peer_closed();
          if (auto r = c.conn.close(); !r)
            return this->finish(self, true, to_error_code(r.error_value()));
          w->timer.expires_after(s.shutdown_timeout_);
          w->timer.async_wait([wk = std::weak_ptr<shutdown_wait>(w)](std::error_code tec) {
            if (tec) return;
            if (auto sw = wk.lock()) {
              sw->timed_out = true;
              sw->signal.emit(::asio::cancellation_type::terminal);
            }
          });
          forward_cancellation(self);
          this->pending = detail::child::write;
          return s.flush(::asio::bind_cancellation_slot(w->signal.slot(), std::move(self)));
        }
        case detail::child::post: return self.complete(this->result);
        case detail::child::write:
          c.writing = false;
          if (ec) {
            c.broken = ec;
            if (w->timed_out) return done(self, make_error_code(::asio::error::timed_out));
            return done(self, peer_had_closed ? std::error_code() : ec);
          }
          break;
        case detail::child::read:
          if (ec == ::asio::error::eof) c.on_eof();
          else if (ec)
            return done(self, w->timed_out ? make_error_code(::asio::error::timed_out) : ec);
          else c.on_read(n);
          break;
      }
      for (;;) {
        c.data = {};  // after our close nobody reads: discard
        if (c.conn.peer_closed()) return done(self, std::error_code());
        if (c.conn.failed()) return done(self, to_error_code(c.conn.last_error()));
        if (c.pump() == detail::pumped::progress) continue;
        // The timer may have fired between two children, when no slot was listening.
        if (w->timed_out) return done(self, make_error_code(::asio::error::timed_out));
        forward_cancellation(self);
        this->pending = detail::child::read;
        return s.read_more(::asio::bind_cancellation_slot(w->signal.slot(), std::move(self)));
      }
    }
  };

  NextLayer next_;
  std::unique_ptr<core_type> core_;
  duration shutdown_timeout_ = std::chrono::seconds(5);
};

}  // namespace asio
}  // namespace v0
}  // namespace mutauth
