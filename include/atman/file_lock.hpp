#pragma once
// An exclusive advisory lock (flock) on a file, held while the object lives, so that two runs
// writing the same output refuse instead of interleaving their lines.
#include <string>

namespace atman {

class FileLock {
 public:
  // Opens `path` read-write (creating it when `create`) and locks it without waiting. Throws
  // atman::Error naming the file when another process holds the lock or it cannot be opened.
  FileLock(const std::string& path, bool create);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Empties the locked file (for --overwrite, once the run is sure to start).
  void truncate();

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace atman
