// mutauth — the library's version. It is the version in the top-level CMakeLists.txt project()
// (the configure step refuses a mismatch, and tests/cli checks it too).
//
// Before 1.0 the API and the wire format may change in any release, with no compatibility with
// earlier formats (README "Versioning"); `inline namespace v0` in every header keeps programs built
// against different pre-1.0 versions from linking together by mistake. The wire format's own
// version is the mechanism's (mutauth-pk/1: pk::protocol_version), not this one.
#pragma once

#define MUTAUTH_VERSION_MAJOR 0
#define MUTAUTH_VERSION_MINOR 1
#define MUTAUTH_VERSION_PATCH 0

namespace mutauth {
inline namespace v0 {

/// "MAJOR.MINOR.PATCH".
inline constexpr char version_string[] = "0.1.0";
inline constexpr int version_major = MUTAUTH_VERSION_MAJOR;
inline constexpr int version_minor = MUTAUTH_VERSION_MINOR;
inline constexpr int version_patch = MUTAUTH_VERSION_PATCH;

}  // namespace v0
}  // namespace mutauth
