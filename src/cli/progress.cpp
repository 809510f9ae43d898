#include "progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace atman::cli {
namespace {

std::string clock_time(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return text;
}

}  // namespace

Progress::Progress(std::string what, int64_t total)
    : what_(std::move(what)), total_(total), terminal_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void Progress::update(int64_t finished, int64_t failed) {
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  // A bar is redrawn at most 10 times a second; a log line every 10 seconds.
  if (since_draw < (terminal_ ? 0.1 : 10.0) && !(total_ > 0 && finished == total_)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(finished) / elapsed : 0.0;
  std::string eta = "?";
  if (total_ > 0 && rate > 0) eta = clock_time(static_cast<double>(total_ - finished) / rate);
  if (terminal_) {
    std::string bar;
    if (total_ > 0) {
      const int width = 30;
      const int filled = static_cast<int>(width * finished / total_);
      bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    std::fprintf(stderr, "\r%s%s %lld%s%s, %lld failed, %.2f/s, ETA %s   ", bar.c_str(), what_.c_str(),
                 static_cast<long long>(finished), total_ > 0 ? "/" : "",
                 total_ > 0 ? std::to_string(total_).c_str() : "", static_cast<long long>(failed), rate, eta.c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    spdlog::info("{}: {}{}{} finished, {} failed, {:.2f}/s, ETA {}", what_, finished, total_ > 0 ? "/" : "",
                 total_ > 0 ? std::to_string(total_) : "", failed, rate, eta);
  }
}

void Progress::finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace atman::cli
