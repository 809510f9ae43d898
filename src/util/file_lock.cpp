#include "atman/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "atman/error.hpp"

namespace atman {

FileLock::FileLock(const std::string& path, bool create) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0666);
  if (fd_ < 0) throw Error("cannot write output file '" + path + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw Error("'" + path +
                  "' is being written by another atman process (it holds the file's lock); "
                  "wait for it to finish or choose another --output");
    }
    throw Error("cannot lock '" + path + "': " + std::strerror(error));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void FileLock::truncate() {
  if (::ftruncate(fd_, 0) != 0)
    throw Error("cannot empty '" + path_ + "': " + std::strerror(errno));
}

}  // namespace atman
