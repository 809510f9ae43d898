#include "atman/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "atman/error.hpp"

namespace atman {
namespace {

namespace fs = std::filesystem;

// The path a chain of symlinks ends at (which need not exist yet); `path` itself otherwise.
fs::path follow_symlinks(const fs::path& path) {
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {  // 40: the kernel's own limit (ELOOP)
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) return p;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  throw Error("cannot write output file '" + path.string() +
              "': too many levels of symbolic links");
}

}  // namespace

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path_ == "-") return;
  final_path_ = follow_symlinks(path_).string();
  struct stat st {};
  const bool exists = ::stat(final_path_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw Error("cannot write output file '" + path_ + "': it is a directory");
  if (exists && !S_ISREG(st.st_mode)) {
    // A FIFO or device: replacing it would turn it into a regular file.
    file_.open(final_path_, std::ios::binary | std::ios::out);
  } else {
    temp_path_ = final_path_ + ".tmp" + std::to_string(::getpid());
    file_.open(temp_path_, std::ios::binary | std::ios::trunc);
    if (file_ && exists) {
      // Keep the mode (and, where permitted, the owner) of the file being replaced.
      ::chmod(temp_path_.c_str(), st.st_mode & 07777);
      if (::chown(temp_path_.c_str(), st.st_uid, st.st_gid) != 0) {
        // Not permitted for another user's file: the new file is the writer's, as with any copy.
      }
    }
  }
  if (!file_) {
    throw Error("cannot write output file '" + path_ +
                "' (does its directory exist and is it writable?)");
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
  if (!temp_path_.empty()) {
    std::error_code ec;
    fs::rename(temp_path_, final_path_, ec);
    if (ec) throw Error("cannot move output into place at '" + path_ + "': " + ec.message());
  }
  committed_ = true;
}

}  // namespace atman
