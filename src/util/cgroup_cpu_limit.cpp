#include "atman/cgroup_cpu_limit.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "atman/error.hpp"
#include "atman/input_file.hpp"

namespace atman {
namespace {

enum class Version { v1, v2 };

// The process's place in one hierarchy that can hold a CPU limit.
struct Membership {
  Version version;
  std::string path;  // from the hierarchy's root, "/" or "/a/b"
};

// Where such a hierarchy is mounted: `root` is the cgroup shown at `point` (a container sees
// its own cgroup as the mount's root, e.g. "/docker/<id>" at /sys/fs/cgroup/cpu).
struct Mount {
  Version version;
  std::string root;
  std::string point;
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

// Lines "id:controllers:path"; v2 is "0::path", v1's CPU hierarchy lists "cpu" among its
// controllers.
std::vector<Membership> memberships(const std::string& cgroup_text) {
  std::vector<Membership> found;
  for (const std::string& line : split(cgroup_text, '\n')) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string id = line.substr(0, first);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (id == "0" && controllers.empty()) {
      found.push_back({Version::v2, path});
    } else if (has_token(controllers, "cpu")) {
      found.push_back({Version::v1, path});
    }
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
    if (fstype == "cgroup2") {
      found.push_back({Version::v2, unescape_octal(words[3]), unescape_octal(words[4])});
    } else if (fstype == "cgroup" && has_token(super_options, "cpu")) {
      found.push_back({Version::v1, unescape_octal(words[3]), unescape_octal(words[4])});
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

// One directory's own limit: v2 "cpu.max" holds "max 100000" (none) or "150000 100000";
// v1 holds quota (-1 for none) and period in two files.
std::optional<double> directory_limit(Version version, const std::string& directory) {
  std::optional<std::string> quota;
  std::optional<std::string> period;
  if (version == Version::v2) {
    const auto line = read_first_line(directory + "/cpu.max");
    if (!line) return std::nullopt;
    const auto parts = split(*line, ' ');
    if (parts.size() != 2) return std::nullopt;
    quota = parts[0];
    period = parts[1];
  } else {
    quota = read_first_line(directory + "/cpu.cfs_quota_us");
    period = read_first_line(directory + "/cpu.cfs_period_us");
    if (!quota || !period) return std::nullopt;
  }
  const auto q = parse_positive(*quota);
  const auto p = parse_positive(*period);
  if (!q || !p) return std::nullopt;
  return *q / *p;
}

// The process's cgroup directory under `mount`, or nullopt when the mount shows another part
// of the hierarchy than the one the process is in.
std::optional<std::string> directory_under(const Mount& mount, const std::string& path) {
  if (mount.root == "/") return path == "/" ? "" : path;
  if (path == mount.root) return "";
  if (path.compare(0, mount.root.size() + 1, mount.root + "/") == 0)
    return path.substr(mount.root.size());
  return std::nullopt;
}

}  // namespace

std::optional<double> cgroup_cpu_limit(const std::string& cgroup_text,
                                       const std::string& mountinfo_text,
                                       const std::string& fs_root) {
  std::optional<double> tightest;
  const auto mounts = cgroup_mounts(mountinfo_text);
  for (const Membership& membership : memberships(cgroup_text)) {
    for (const Mount& mount : mounts) {
      if (mount.version != membership.version) continue;
      const auto relative = directory_under(mount, membership.path);
      if (!relative) continue;
      // A parent's limit binds its children too: walk up to the mount's root.
      std::string below = *relative;
      while (true) {
        if (const auto limit = directory_limit(mount.version, fs_root + mount.point + below)) {
          tightest = tightest ? std::min(*tightest, *limit) : *limit;
        }
        if (below.empty()) break;
        below.erase(below.rfind('/'));
      }
    }
  }
  return tightest;
}

std::optional<double> process_cgroup_cpu_limit() {
  // Without /proc (not Linux, or not mounted) there is no limit to read.
  const auto read = [](const char* path) {
    try {
      return read_file_capped(path, "cgroup", int64_t{1} << 20);
    } catch (const Error&) {
      return std::string();
    }
  };
  return cgroup_cpu_limit(read("/proc/self/cgroup"), read("/proc/self/mountinfo"), "");
}

}  // namespace atman
