#include "strftime.hpp"

#include <locale.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "errors.hpp"

namespace atman::jinja {

RenderClock resolve_clock(std::optional<int64_t> pinned) {
  if (pinned) return RenderClock{*pinned, true};
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    errno = 0;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (errno == 0 && *end == '\0') return RenderClock{seconds, true};
  }
  return RenderClock{static_cast<int64_t>(std::time(nullptr)), false};
}

namespace {

// What datetime.strftime does before time.strftime: the directives a naive datetime fills itself.
std::string rewrite_naive_directives(const std::string& format) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out += format[i];
      continue;
    }
    const char directive = format[++i];
    if (directive == 'z' || directive == 'Z') continue;  // no tzinfo: empty
    if (directive == 'f') {
      out += "000000";
      continue;
    }
    out += '%';
    out += directive;
  }
  return out;
}

locale_t c_locale() {
  static const locale_t locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return locale;
}

}  // namespace

std::string python_strftime(const std::string& format, const RenderClock& clock) {
  const std::time_t t = static_cast<std::time_t>(clock.epoch_seconds);
  std::tm tm{};
  if ((clock.utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == nullptr) {
    throw RenderError("OverflowError", "timestamp out of range for platform time_t");
  }
  const std::string rewritten = rewrite_naive_directives(format);
  if (rewritten.empty()) return "";
  // strftime returns 0 both for "too small" and for an empty result: grow, then accept empty.
  for (size_t size = 256; size <= 256 * 1024; size *= 4) {
    std::vector<char> buf(size);
    const size_t n = strftime_l(buf.data(), buf.size(), rewritten.c_str(), &tm, c_locale());
    if (n > 0) return std::string(buf.data(), n);
  }
  return "";
}

}  // namespace atman::jinja
