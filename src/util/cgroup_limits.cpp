#include "atman/cgroup_limits.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "atman/error.hpp"
#include "atman/input_file.hpp"

namespace atman {
namespace {

enum class Version { v1, v2 };

// The process's place in one hierarchy.
struct Membership {
  Version version;
  std::string controllers;  // v1: "cpu,cpuacct"; v2: "" (the one hierarchy holds them all)
  std::string path;         // from the hierarchy's root, "/" or "/a/b"
};

// Where a hierarchy is mounted: `root` is the cgroup shown at `point` (a container sees its own
// cgroup as the mount's root, e.g. "/docker/<id>" at /sys/fs/cgroup/cpu).
struct Mount {
  Version version;
  std::string options;  // v1: the super options, which name the controllers ("rw,cpu,cpuacct")
  std::string root;
  std::string point;
};

// A directory whose files may limit the process, and how they are named.
struct LimitDirectory {
  Version version;
  std::string path;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

bool has_token(const std::string& list, const std::string& token) {
  const auto tokens = split(list, ',');
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// Lines "id:controllers:path"; v2 is "0::path".
std::vector<Membership> memberships(const std::string& cgroup_text) {
  std::vector<Membership> found;
  for (const std::string& line : split(cgroup_text, '\n')) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string id = line.substr(0, first);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    found.push_back(
        {id == "0" && controllers.empty() ? Version::v2 : Version::v1, controllers, path});
  }
  return found;
}

bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }

// mountinfo writes space, tab, newline and backslash in paths as \ooo octal escapes.
std::string unescape_octal(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    const bool escape = field[i] == '\\' && i + 3 < field.size() && is_octal_digit(field[i + 1]) &&
                        is_octal_digit(field[i + 2]) && is_octal_digit(field[i + 3]);
    if (!escape) {
      out += field[i];
      continue;
    }
    out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
    i += 3;
  }
  return out;
}

// Lines "id parent major:minor root point options [optional...] - fstype source super-options".
std::vector<Mount> cgroup_mounts(const std::string& mountinfo_text) {
  std::vector<Mount> found;
  for (const std::string& line : split(mountinfo_text, '\n')) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    const auto dash = std::find(words.begin(), words.end(), "-");
    if (dash == words.end() || dash - words.begin() < 6 || words.end() - dash < 2) continue;
    const std::string& fstype = *(dash + 1);
    const std::string super_options = words.end() - dash >= 4 ? *(dash + 3) : "";
    if (fstype == "cgroup2" || fstype == "cgroup") {
      found.push_back({fstype == "cgroup2" ? Version::v2 : Version::v1, super_options,
                       unescape_octal(words[3]), unescape_octal(words[4])});
    }
  }
  return found;
}

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (!file || !std::getline(file, line)) return std::nullopt;
  return line;
}

std::optional<double> parse_positive(const std::string& text) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The process's cgroup directory under `mount`, or nullopt when the mount shows another part
// of the hierarchy than the one the process is in.
std::optional<std::string> directory_under(const Mount& mount, const std::string& path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  if (mount.root == "/") return path == "/" ? "" : path;
  if (path == mount.root) return "";
  if (path.compare(0, mount.root.size() + 1, mount.root + "/") == 0)
    return path.substr(mount.root.size());
  return std::nullopt;
}

// v2 "cpu.max" holds "max 100000" (no limit) or "150000 100000"; v1 holds the quota (-1 for
// none) and the period in two files.
std::optional<double> cpu_limit(const LimitDirectory& directory) {
  std::optional<std::string> quota;
  std::optional<std::string> period;
  if (directory.version == Version::v2) {
    const auto line = read_first_line(directory.path + "/cpu.max");
    const auto parts = line ? split(*line, ' ') : std::vector<std::string>();
    if (parts.size() != 2) return std::nullopt;
    quota = parts[0];
    period = parts[1];
  } else {
    quota = read_first_line(directory.path + "/cpu.cfs_quota_us");
    period = read_first_line(directory.path + "/cpu.cfs_period_us");
    if (!quota || !period) return std::nullopt;
  }
  const auto q = parse_positive(*quota);
  const auto p = parse_positive(*period);
  if (!q || !p) return std::nullopt;
  return *q / *p;
}

// v2 "memory.max" holds "max" or bytes; v1 "memory.limit_in_bytes" holds bytes, and "no limit"
// as the largest multiple of the page size under 2^63.
std::optional<int64_t> memory_limit(const LimitDirectory& directory) {
  const auto line = read_first_line(directory.path + (directory.version == Version::v2
                                                          ? "/memory.max"
                                                          : "/memory.limit_in_bytes"));
  const auto bytes = line ? parse_positive(*line) : std::nullopt;
  if (!bytes || *bytes >= 0x1p62) return std::nullopt;
  return static_cast<int64_t>(*bytes);
}

// The directories whose files limit `controller` for this process: its own cgroup and every
// ancestor up to the mount's root (a parent's limit binds its children too).
std::vector<LimitDirectory> limiting_directories(const std::vector<Membership>& memberships,
                                                 const std::vector<Mount>& mounts,
                                                 const std::string& controller,
                                                 const std::string& fs_root) {
  std::vector<LimitDirectory> found;
  for (const Membership& membership : memberships) {
    const bool v1 = membership.version == Version::v1;
    if (v1 && !has_token(membership.controllers, controller)) continue;
    for (const Mount& mount : mounts) {
      if (mount.version != membership.version) continue;
      if (v1 && !has_token(mount.options, controller)) continue;
      const auto relative = directory_under(mount, membership.path);
      if (!relative) continue;
      for (std::string below = *relative;; below.erase(below.rfind('/'))) {
        found.push_back({mount.version, fs_root + mount.point + below});
        if (below.empty()) break;
      }
    }
  }
  return found;
}

template <typename T>
void keep_tightest(std::optional<T>& tightest, const std::optional<T>& limit) {
  if (limit && (!tightest || *limit < *tightest)) tightest = limit;
}

}  // namespace

CgroupLimits cgroup_limits(const std::string& cgroup_text, const std::string& mountinfo_text,
                           const std::string& fs_root) {
  const auto in = memberships(cgroup_text);
  const auto mounts = cgroup_mounts(mountinfo_text);
  CgroupLimits limits;
  for (const auto& directory : limiting_directories(in, mounts, "cpu", fs_root)) {
    keep_tightest(limits.cpu_cores, cpu_limit(directory));
  }
  for (const auto& directory : limiting_directories(in, mounts, "memory", fs_root)) {
    keep_tightest(limits.memory_bytes, memory_limit(directory));
  }
  return limits;
}

CgroupLimits process_cgroup_limits() {
  // Without /proc (not Linux, or not mounted) there is no limit to read.
  const auto read = [](const char* path) {
    try {
      return read_file_capped(path, "cgroup", int64_t{1} << 20);
    } catch (const Error&) {
      return std::string();
    }
  };
  return cgroup_limits(read("/proc/self/cgroup"), read("/proc/self/mountinfo"), "");
}

}  // namespace atman
