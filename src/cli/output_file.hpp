#pragma once
// Where a command writes its result: stdout ("-") or a file written beside its final path and
// renamed into place on commit(), so a failed run never leaves a half-written file.
#include <cstdint>
#include <fstream>
#include <ostream>
#include <string>

namespace atman::cli {

class OutputFile {
 public:
  // Throws atman::Error at once when the path cannot be written (missing directory, no
  // permission), before any expensive work.
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream();
  bool is_terminal() const;
  // Flushes and moves the file into place; throws on a write error (e.g. disk full).
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream file_;
  bool committed_ = false;
};

// "2G", "512M", "64K", "1000" -> bytes; throws naming `option` otherwise.
int64_t parse_byte_size(const std::string& text, const char* option);

}  // namespace atman::cli
