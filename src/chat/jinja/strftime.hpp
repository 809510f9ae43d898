#pragma once
// strftime_now(fmt): Python's datetime.strftime over a clock that tests can pin.
#include <cstdint>
#include <optional>
#include <string>

namespace atman::jinja {

struct RenderClock {
  int64_t epoch_seconds;
  bool utc;  // a pinned clock is read as UTC; the live one as local time, like datetime.now()
};

// `pinned` when given, else SOURCE_DATE_EPOCH (UTC) when set, else the current local time.
RenderClock resolve_clock(std::optional<int64_t> pinned);

// datetime.strftime(fmt) of a naive datetime: %z and %Z are empty, %f is 000000, the rest is the
// C library's strftime in the "C" locale (what CPython calls on Linux).
std::string python_strftime(const std::string& format, const RenderClock& clock);

}  // namespace atman::jinja
