// mutauth — GSS-API plumbing for the Kerberos mechanism: owning handles for the four kinds of
// object GSS hands out (names, credentials, security contexts, buffers), display-name and
// status-text extraction. Not part of the public API.
//
// Every GSS handle is released exactly once, on every path: each wrapper owns one handle, is
// move-only, and frees it in its destructor (RFC 2744 §5: names, credentials and buffers that
// GSS allocates belong to the caller, who must release them; contexts end with
// gss_delete_sec_context, which in MIT also zeroes the session keys).
#pragma once

#include <gssapi/gssapi.h>       // the GSS-API C bindings (RFC 2744)
#include <gssapi/gssapi_ext.h>   // gss_acquire_cred_from, gss_key_value_set_desc
#include <gssapi/gssapi_krb5.h>  // gss_mech_krb5, GSS_KRB5_NT_PRINCIPAL_NAME

#include <cstddef>      // std::size_t
#include <string_view>  // names and texts
#include <utility>      // std::exchange

#include "mutauth/bytes.hpp"
#include "mutauth/detail/fixed_string.hpp"
#include "mutauth/detail/secret.hpp"
#include "mutauth/error.hpp"

namespace mutauth {
inline namespace v0 {
namespace krb5 {
namespace detail {

// Plaintext and PRF output that GSS allocated and would free unzeroed.
using mutauth::detail::secure_zero;

/// A buffer GSS allocated (an output token, a wrapped or unwrapped message, a display string,
/// PRF output). `secret` buffers are zeroed before they are handed back to GSS.
class gss_buffer {
 public:
  gss_buffer() noexcept = default;
  explicit gss_buffer(bool secret) noexcept : secret_(secret) {}
  gss_buffer(gss_buffer&& o) noexcept
      : buf_(std::exchange(o.buf_, gss_buffer_desc{0, nullptr})), secret_(o.secret_) {}
  gss_buffer& operator=(gss_buffer&& o) noexcept {
    if (this != &o) {
      release();
      buf_ = std::exchange(o.buf_, gss_buffer_desc{0, nullptr});
      secret_ = o.secret_;
    }
    return *this;
  }
  gss_buffer(const gss_buffer&) = delete;
  gss_buffer& operator=(const gss_buffer&) = delete;
  ~gss_buffer() { release(); }

  /// For the output parameter of a GSS call; releases what the buffer held before.
  gss_buffer_t out() noexcept {
    release();
    return &buf_;
  }
  [[nodiscard]] bytes_view bytes() const noexcept {
    return {static_cast<const std::uint8_t*>(buf_.value), buf_.length};
  }
  [[nodiscard]] std::string_view text() const noexcept {
    // Display strings may or may not count a trailing NUL (RFC 2744 §3.2 leaves it open).
    std::string_view s(static_cast<const char*>(buf_.value), buf_.length);
    while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
    return s;
  }
  [[nodiscard]] bool empty() const noexcept { return buf_.length == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return buf_.length; }

  void release() noexcept {
    if (buf_.value != nullptr || buf_.length != 0) {
      if (secret_) secure_zero(buf_.value, buf_.length);
      OM_uint32 minor = 0;
      (void)gss_release_buffer(&minor, &buf_);
      buf_ = gss_buffer_desc{0, nullptr};
    }
  }

 private:
  gss_buffer_desc buf_{0, nullptr};
  bool secret_ = false;
};

/// A read-only input buffer over caller memory (GSS input parameters are non-const pointers in
/// the C bindings but are never written, RFC 2744 §3.2).
[[nodiscard]] inline gss_buffer_desc input_buffer(bytes_view b) noexcept {
  return gss_buffer_desc{b.size(), const_cast<std::uint8_t*>(b.data())};
}
[[nodiscard]] inline gss_buffer_desc input_buffer(std::string_view s) noexcept {
  return gss_buffer_desc{s.size(), const_cast<char*>(s.data())};
}

/// One GSS object handle (a name, a credential, a security context), released exactly once by
/// `Release` (gss_release_name, gss_release_cred, gss_delete_sec_context; RFC 2744 §5) when the
/// owner is destroyed, assigned to, or asked for a fresh output handle. Move-only; a moved-from
/// owner holds no handle.
template <class Handle, OM_uint32 (*Release)(OM_uint32*, Handle*)>
class gss_handle {
 public:
  gss_handle() noexcept = default;
  gss_handle(gss_handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  gss_handle& operator=(gss_handle&& o) noexcept {
    if (this != &o) {
      release();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  gss_handle(const gss_handle&) = delete;
  gss_handle& operator=(const gss_handle&) = delete;
  ~gss_handle() { release(); }

  /// For the output parameter of a GSS call; releases what the owner held before.
  Handle* out() noexcept {
    release();
    return &h_;
  }
  /// In/out handle for gss_init_sec_context / gss_accept_sec_context (not released first: the
  /// same handle is passed on every step of one establishment, RFC 2743 §2.2.1).
  Handle* inout() noexcept { return &h_; }
  [[nodiscard]] Handle get() const noexcept { return h_; }
  [[nodiscard]] explicit operator bool() const noexcept { return h_ != nullptr; }
  void release() noexcept {
    if (h_ != nullptr) {
      OM_uint32 minor = 0;
      (void)Release(&minor, &h_);
      h_ = nullptr;
    }
  }

 private:
  Handle h_ = nullptr;  // GSS_C_NO_NAME, GSS_C_NO_CREDENTIAL, GSS_C_NO_CONTEXT
};

/// Deletes a context; MIT frees its keys with krb5_k_free_key, which zeroes them. No
/// context-deletion token is produced (RFC 2744 §5.9 deprecates it: GSS_C_NO_BUFFER).
inline OM_uint32 delete_sec_context(OM_uint32* minor, gss_ctx_id_t* h) noexcept {
  return gss_delete_sec_context(minor, h, GSS_C_NO_BUFFER);
}

using gss_name = gss_handle<gss_name_t, gss_release_name>;
using gss_cred = gss_handle<gss_cred_id_t, gss_release_cred>;
using gss_context = gss_handle<gss_ctx_id_t, delete_sec_context>;

/// Appends every message gss_display_status has for `status` of `type` (GSS_C_GSS_CODE or
/// GSS_C_MECH_CODE). RFC 2744 §5.11: a status value may map to several messages, fetched one
/// by one with message_context until it comes back 0. Bounded: at most 8 messages.
inline void append_status_text(error& e, OM_uint32 status, int type) noexcept {
  OM_uint32 msg_ctx = 0;
  bool first = true;
  for (int i = 0; i < 8; ++i) {
    OM_uint32 minor = 0;
    gss_buffer text;
    const OM_uint32 major =
        gss_display_status(&minor, status, type, gss_mech_krb5, &msg_ctx, text.out());
    if (GSS_ERROR(major)) break;
    if (!text.empty()) {
      if (!first) e.append("; ");
      e.append(text.text());
      first = false;
    }
    if (msg_ctx == 0) break;
  }
}

/// The display form of a name (`alice@EXAMPLE.TEST`, `host/server.example.test@EXAMPLE.TEST`),
/// into `out`, and its name type into `*type` when asked. Fails when GSS cannot display it or it does not fit.
template <std::size_t N>
[[nodiscard]] result<void> display_name(gss_name_t name, mutauth::detail::fixed_string<N>& out,
                                        gss_OID* type = nullptr) noexcept {
  OM_uint32 minor = 0;
  gss_buffer text;
  const OM_uint32 major = gss_display_name(&minor, name, text.out(), type);
  if (GSS_ERROR(major)) return error(errc::mechanism_failure, "gss_display_name failed");
  out.clear();
  if (!out.append(text.text())) {
    return error(errc::too_large, "Kerberos principal name longer than 255 characters");
  }
  return ok();
}

}  // namespace detail
}  // namespace krb5
}  // namespace v0
}  // namespace mutauth
