// mutauth CLI: which commands use an option (the grouping of each command's --help), shared by
// options.hpp and the mechanisms' command-line traits (mechanisms.hpp).
#pragma once

namespace mutauth::cli::detail {

constexpr unsigned for_listen = 1, for_connect = 2, for_inspect = 4, for_all = 7;

}  // namespace mutauth::cli::detail
