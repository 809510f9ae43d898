#pragma once
// Progress of a long run on stderr: a redrawn bar (records, rate, ETA) on a terminal, a log
// line every few seconds otherwise, so batch logs stay readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace atman::cli {

class Progress {
 public:
  // `total` records expected, or 0 when unknown (no bar length, no ETA).
  Progress(std::string what, int64_t total);
  // `finished` records so far (done + failed), `failed` of them errors, `skipped` not counted.
  void update(int64_t finished, int64_t failed);
  void finish();  // ends the bar's line

 private:
  std::string what_;
  int64_t total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace atman::cli
