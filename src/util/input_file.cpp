#include "atman/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "atman/error.hpp"

namespace atman {

void require_readable_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(what + ": cannot read '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw Error(what + ": '" + path + "' is a directory, not a file");
  if (::access(path.c_str(), R_OK) != 0) {
    throw Error(what + ": cannot read '" + path + "': " + std::strerror(errno));
  }
}

std::string read_file_capped(const std::string& path, const std::string& what, int64_t max_bytes) {
  require_readable_file(path, what);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(what + ": cannot read '" + path + "': " + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw Error(what + ": reading '" + path + "' failed: " + std::strerror(error));
    }
    if (n == 0) break;
    if (static_cast<int64_t>(text.size()) + n > max_bytes) {
      ::close(fd);
      throw Error(what + ": '" + path + "' is larger than " + std::to_string(max_bytes >> 20) +
                  " MiB");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::ifstream open_input_file(const std::string& path, const std::string& what) {
  require_readable_file(path, what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(what + ": cannot read '" + path + "'");
  return in;
}

}  // namespace atman
