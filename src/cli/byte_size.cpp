#include "byte_size.hpp"

#include <cmath>

#include "atman/error.hpp"

namespace atman::cli {

int64_t parse_byte_size(const std::string& text, const char* option) {
  if (text == "auto" || text == "0") return 0;
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string suffix = text.substr(used);
  double scale = 0;
  if (suffix.empty() || suffix == "B")
    scale = 1;
  else if (suffix == "K" || suffix == "KiB")
    scale = 1024.0;
  else if (suffix == "M" || suffix == "MiB")
    scale = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GiB")
    scale = 1024.0 * 1024 * 1024;
  const std::string quoted = std::string(option) + ": '" + text + "'";
  if (used == 0 || scale == 0 || !std::isfinite(value) || value < 0) {
    throw UsageError(quoted + " is not a size (e.g. 1000, 512M, 2G; 0 or auto = automatic)");
  }
  const double bytes = value * scale;
  if (bytes < 1) throw UsageError(quoted + " is less than one byte (0 or auto = automatic)");
  if (bytes > std::ldexp(1.0, 60)) throw UsageError(quoted + " is larger than 1 EiB");
  return static_cast<int64_t>(bytes);
}

}  // namespace atman::cli
