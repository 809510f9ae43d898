#pragma once
// Where a command writes a result: stdout ("-"), or a path. A regular file (new or existing) is
// written beside its final place and renamed over it on commit(), so a failed run never leaves
// a half-written file; an existing file keeps its permission bits. A symlink is followed and
// the file it names is replaced, the link kept. A FIFO or device (/dev/null, /dev/stdout) is
// written in place, since it cannot be replaced.
#include <fstream>
#include <ostream>
#include <string>

namespace atman {

class OutputFile {
 public:
  // Throws atman::Error at once when the path cannot be written (missing directory, no
  // permission, a directory), before any expensive work.
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream();
  bool is_terminal() const;
  // Flushes and moves the file into place; throws on a write error (e.g. disk full).
  void commit();

 private:
  std::string path_;        // as given, for messages
  std::string final_path_;  // symlinks resolved: the file that ends up holding the output
  std::string temp_path_;   // empty when writing in place (stdout, FIFO, device)
  std::ofstream file_;
  bool committed_ = false;
};

}  // namespace atman
