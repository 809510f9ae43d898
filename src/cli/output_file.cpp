#include "output_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "atman/error.hpp"

namespace atman::cli {

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path_ == "-") return;
  temp_path_ = path_ + ".tmp" + std::to_string(::getpid());
  file_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!file_) {
    throw Error("cannot write output file '" + path_ + "' (does its directory exist and is it writable?)");
  }
}

OutputFile::~OutputFile() {
  if (!temp_path_.empty() && !committed_) {
    file_.close();
    std::remove(temp_path_.c_str());
  }
}

std::ostream& OutputFile::stream() { return path_ == "-" ? std::cout : file_; }

bool OutputFile::is_terminal() const { return path_ == "-" && ::isatty(STDOUT_FILENO); }

void OutputFile::commit() {
  if (path_ == "-") {
    std::cout.flush();
    if (!std::cout) throw Error("writing to stdout failed");
    return;
  }
  file_.close();
  if (!file_) throw Error("writing output file '" + path_ + "' failed");
  std::error_code ec;
  std::filesystem::rename(temp_path_, path_, ec);
  if (ec) throw Error("cannot move output into place at '" + path_ + "': " + ec.message());
  committed_ = true;
}

int64_t parse_byte_size(const std::string& text, const char* option) {
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string suffix = text.substr(used);
  double scale = 0;
  if (suffix.empty() || suffix == "B") scale = 1;
  else if (suffix == "K" || suffix == "KiB") scale = 1024.0;
  else if (suffix == "M" || suffix == "MiB") scale = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GiB") scale = 1024.0 * 1024 * 1024;
  if (used == 0 || scale == 0 || !(value > 0)) {
    throw Error(std::string(option) + ": '" + text + "' is not a size (e.g. 1000, 512M, 2G)");
  }
  return static_cast<int64_t>(value * scale);
}

}  // namespace atman::cli
