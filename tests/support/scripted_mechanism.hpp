// TEST ONLY — never installed, PROVIDES NO SECURITY.
// A mechanism that exchanges a configurable number of plain tokens so that the core's rules
// (transition table, bounds, sticky failure, authorization, G1/G2) can be tested on their own,
// without crypto (rustls' "provides NO SECURITY" fuzzing provider is the model).
//
// Token: 'S' | index | sender role | total | name length | name
// The name is the sender's identity: the acceptor sends its service principal text, the
// initiator its client name. Whoever sends the last message completes on sending it; the other
// side completes on receiving it. The initiator sends the even indexes, the acceptor the odd
// ones, so an exchange of an EVEN number of messages ends with the acceptor's token, as the core's
// admission rule (mechanism.hpp (c)) requires; with an odd number the initiator would complete
// while sending, and the core refuses that (errc::mechanism_failure) — a test uses it so.
//
// The session keys are toys (XOR and a checksum): they exist so that the core's record layer
// (content types, close, alerts, stickiness, in-place sealing) can be tested. NO SECURITY.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mutauth/handshake.hpp"
#include "mutauth/mechanism.hpp"
#include "mutauth/principal.hpp"

namespace mutauth::testing {

enum class misbehave : std::uint8_t {
  none,
  oversized_token,         // emit a token above max_token_size
  never_complete,          // keep sending, never complete
  complete_on_first,       // initiator claims completion with its first token
  wrong_index,             // emit the wrong message index
  complete_silently,       // complete where the last token is due, but emit none (the admission
                           // rule, mechanism.hpp (c): an acceptor must complete WITH a token)
  complete_while_sending,  // claim completion with every token after the first (an initiator
                           // must complete only on a received token, with nothing to send)
};

/// Observes wipes so tests can check G5 (secrets gone after failure / destruction).
struct wipe_observer {
  int wipes = 0;
  int mechanism_calls = 0;  // initiate() and on_token() calls: did the core consult the mechanism?
  const std::uint8_t* last_secret = nullptr;  // storage of the most recently wiped secret
};
inline wipe_observer* g_wipe_observer = nullptr;

template <std::size_t MaxMessages = 8>
struct ScriptedMechanism {
  static constexpr std::string_view name = "scripted-test-only";
  static constexpr bool mutual_authentication = true;
  static constexpr bool initiator_learns_admission = true;
  static constexpr std::size_t max_token_size = 320;
  static constexpr std::size_t max_handshake_messages = MaxMessages;

  struct InitiatorConfig {
    std::uint8_t messages = 4;
    std::string_view client_name = "alice";
    misbehave bad = misbehave::none;
  };
  struct AcceptorConfig {
    std::uint8_t messages = 4;
    std::string_view service_name = "host/server.example.test";
    misbehave bad = misbehave::none;
  };

  class SessionKeys {
   public:
    static constexpr std::size_t seal_overhead = 9;  // 8-byte sequence + 1-byte checksum
    SessionKeys() noexcept = default;
    explicit SessionKeys(std::uint8_t key) noexcept : key_(key) {}
    SessionKeys(SessionKeys&& o) noexcept : key_(o.key_), send_(o.send_), recv_(o.recv_) {
      o.wipe();
    }
    SessionKeys& operator=(SessionKeys&& o) noexcept {
      key_ = o.key_;
      send_ = o.send_;
      recv_ = o.recv_;
      o.wipe();
      return *this;
    }
    // In place too (`in.data() == out.data()`, SessionKeysConcept): the body moves back by the
    // 8-byte sequence, so it is written from the end, and the sequence last.
    result<std::size_t> seal(bytes_view in, bytes_span out) noexcept {
      if (key_ == 0) return error(errc::wrong_state, "keys wiped");
      const std::size_t n = in.size();
      if (out.size() < n + seal_overhead)
        return error(errc::buffer_too_small).with_required_size(n + seal_overhead);
      std::uint8_t sum = 0;
      for (std::size_t i = n; i-- > 0;) {
        const std::uint8_t b = in[i];
        sum = static_cast<std::uint8_t>(sum + b);
        out[8 + i] = b ^ key_;
      }
      out[8 + n] = sum;
      for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(send_ >> (8 * i));
      ++send_;
      return n + seal_overhead;
    }
    // In place too: the body moves forward, so reading in[8 + i] after writing out[i] is safe.
    result<std::size_t> open(bytes_view in, bytes_span out) noexcept {
      if (key_ == 0) return error(errc::wrong_state, "keys wiped");
      if (in.size() < seal_overhead)
        return error(errc::truncated, "record shorter than its overhead");
      if (out.size() < in.size() - seal_overhead)
        return error(errc::buffer_too_small).with_required_size(in.size() - seal_overhead);
      std::uint64_t seq = 0;
      for (int i = 0; i < 8; ++i) seq |= std::uint64_t{in[i]} << (8 * i);
      if (seq < recv_) return error(errc::replayed, "record sequence seen before");
      if (seq > recv_) return error(errc::out_of_order, "record sequence skipped ahead");
      const std::size_t n = in.size() - seal_overhead;
      const std::uint8_t want = in[8 + n];
      std::uint8_t sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = in[8 + i] ^ key_;
        sum = static_cast<std::uint8_t>(sum + out[i]);
      }
      if (sum != want) return error(errc::decrypt_failed, "checksum mismatch");
      ++recv_;
      return n;
    }
    result<void> export_keying_material(std::string_view label, bytes_view context,
                                        bytes_span out) const noexcept {
      if (key_ == 0) return error(errc::wrong_state, "keys wiped");
      std::uint8_t acc = key_;
      for (char c : label) acc = static_cast<std::uint8_t>(acc * 31 + static_cast<std::uint8_t>(c));
      acc = static_cast<std::uint8_t>(acc * 31 + 0xFF);  // separates label from context
      for (std::uint8_t c : context) acc = static_cast<std::uint8_t>(acc * 31 + c);
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(acc + i);
      return ok();
    }
    bytes_view channel_binding() const noexcept { return {&key_, 1}; }
    void wipe() noexcept {
      key_ = 0;
      send_ = recv_ = 0;
    }
    std::uint8_t key() const noexcept { return key_; }

   private:
    std::uint8_t key_ = 0;
    std::uint64_t send_ = 0, recv_ = 0;
  };

  // Shared by both roles: token I/O and the bookkeeping of who is next.
  class Context {
   public:
    Context(role self, std::uint8_t total, std::string_view my_name, misbehave bad) noexcept
        : self_(self), total_(total), bad_(bad) {
      my_name_len_ = static_cast<std::uint8_t>(my_name.size() < 255 ? my_name.size() : 255);
      std::memcpy(my_name_.data(), my_name.data(), my_name_len_);
      secret_.fill(0xA5);
    }
    Context(Context&&) noexcept = default;
    ~Context() { wipe(); }

    void wipe() noexcept {
      secret_.fill(0);
      if (g_wipe_observer) {
        ++g_wipe_observer->wipes;
        g_wipe_observer->last_secret = secret_.data();
      }
    }
    const std::array<std::uint8_t, 32>& secret() const noexcept { return secret_; }

   protected:
    result<mech_step> emit(std::uint8_t index) noexcept {
      std::size_t n = 5 + my_name_len_;
      out_[0] = 'S';
      out_[1] = bad_ == misbehave::wrong_index ? static_cast<std::uint8_t>(index + 7) : index;
      out_[2] = static_cast<std::uint8_t>(self_);
      out_[3] = total_;
      out_[4] = my_name_len_;
      std::memcpy(&out_[5], my_name_.data(), my_name_len_);
      if (bad_ == misbehave::oversized_token) n = max_token_size + 1;
      next_ = static_cast<std::uint8_t>(index + 1);
      const bool last = (index + 1 == total_) && bad_ != misbehave::never_complete;
      if (last && bad_ == misbehave::complete_silently) return mech_step{{}, true};
      const bool claim = bad_ == misbehave::complete_on_first ||
                         (bad_ == misbehave::complete_while_sending && index > 0);
      return mech_step{bytes_view(out_.data(), n), last || claim};
    }
    // Parses a peer token; on success either completes or emits the next token.
    result<mech_step> receive(bytes_view in) noexcept {
      if (in.size() < 5 || in[0] != 'S') return error(errc::malformed, "not a scripted token");
      if (in[2] == static_cast<std::uint8_t>(self_))
        return error(errc::unexpected_message, "token from my own role (reflection)");
      if (in[1] != next_) return error(errc::unexpected_message, "wrong message index");
      if (in[3] != total_)
        return error(errc::version_mismatch, "peer expects another message count");
      if (in.size() != 5u + in[4]) return error(errc::trailing_bytes, "token length mismatch");
      peer_name_len_ = in[4];
      std::memcpy(peer_name_.data(), &in[5], peer_name_len_);
      if (in[1] + 1 == total_ && bad_ != misbehave::never_complete) {
        next_ = total_;
        return mech_step{{}, true};
      }
      return emit(static_cast<std::uint8_t>(in[1] + 1));
    }
    std::string_view peer_name() const noexcept {
      return {reinterpret_cast<const char*>(peer_name_.data()), peer_name_len_};
    }
    std::string_view my_name() const noexcept {
      return {reinterpret_cast<const char*>(my_name_.data()), my_name_len_};
    }
    result<Concluded<ScriptedMechanism>> conclude_with(std::string_view service_text,
                                                       std::string_view client_name) noexcept {
      auto sp = ServicePrincipal::parse(service_text);
      if (!sp) return sp.error_value();
      Principal peer, local;
      peer.mechanism = local.mechanism = name;
      (void)peer.name.append(peer_name());
      (void)local.name.append(my_name());
      (void)client_name;
      wipe();  // handshake secrets are no longer needed once the keys exist
      return Concluded<ScriptedMechanism>{
          PeerVerified<ScriptedMechanism>::assert_peer_verified(peer), local, *sp,
          SessionKeys(0x5A)};
    }

    role self_;
    std::uint8_t total_;
    misbehave bad_;
    std::uint8_t next_ = 0;
    std::array<std::uint8_t, 32> secret_{};
    std::array<std::uint8_t, 255> my_name_{};
    std::uint8_t my_name_len_ = 0;
    std::array<std::uint8_t, 255> peer_name_{};
    std::uint8_t peer_name_len_ = 0;
    std::array<std::uint8_t, max_token_size + 8> out_{};
  };

  class Initiator : public Context {
   public:
    Initiator(const ServicePrincipal&, const InitiatorConfig& c) noexcept
        : Context(role::initiator, c.messages, c.client_name, c.bad) {}
    result<mech_step> initiate() noexcept {
      if (g_wipe_observer) ++g_wipe_observer->mechanism_calls;
      return this->emit(0);
    }
    result<mech_step> on_token(bytes_view in) noexcept {
      if (g_wipe_observer) ++g_wipe_observer->mechanism_calls;
      return this->receive(in);
    }
    result<Concluded<ScriptedMechanism>> conclude() && noexcept {
      // The service the server proved is the name it sent (in a real mechanism: the name its
      // credential carries). The core compares it with the composed target.
      return this->conclude_with(this->peer_name(), this->my_name());
    }
  };

  class Acceptor : public Context {
   public:
    explicit Acceptor(const AcceptorConfig& c) noexcept
        : Context(role::acceptor, c.messages, c.service_name, c.bad) {}
    result<mech_step> on_token(bytes_view in) noexcept {
      if (g_wipe_observer) ++g_wipe_observer->mechanism_calls;
      return this->receive(in);
    }
    result<Concluded<ScriptedMechanism>> conclude() && noexcept {
      return this->conclude_with(this->my_name(), this->peer_name());
    }
  };
};

using Scripted = ScriptedMechanism<>;
static_assert(Mechanism<Scripted>);

}  // namespace mutauth::testing
