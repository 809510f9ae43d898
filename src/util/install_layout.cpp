#include "install_layout.hpp"

namespace atman {

std::filesystem::path installed_or_built(const std::filesystem::path& installed_relative,
                                         const std::filesystem::path& built) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / installed_relative;
    if (std::filesystem::exists(installed, ec)) return installed;
  }
  return built;
}

}  // namespace atman
