#pragma once
// Memory sizes as users type them on the command line.
#include <cstdint>
#include <string>

namespace atman::cli {

// "2G", "512M", "64K", "1000", "1.5GiB" -> bytes; "auto" and "0" -> 0 (automatic). Throws
// atman::UsageError naming `option` for anything else: text that is not a size, a size under one
// byte (e.g. 0.5), or one over 1 EiB (e.g. 1e30, which would not fit the byte counters).
int64_t parse_byte_size(const std::string& text, const char* option);

}  // namespace atman::cli
