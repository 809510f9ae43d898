// The cgroup CPU limit from /proc/self/cgroup and /proc/self/mountinfo texts as the kernel writes
// them, over cgroup trees built in a temporary directory: v2 and v1, in a container (the mount
// shows the process's own cgroup) and on a host, nested limits, and files that hold no limit.
// tests/cli/cgroup_cpu_limit_test.sh checks the same in a real cgroup.
#include "atman/cgroup_cpu_limit.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text << "\n";
}

// A cgroup2 mount at /sys/fs/cgroup showing the hierarchy from `root`.
std::string v2_mountinfo(const std::string& root) {
  return "22 1 0:21 / / rw,relatime - overlay overlay rw\n"
         "30 22 0:26 " +
         root + " /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
}

TEST(CgroupCpuLimitTest, V2InAContainerReadsItsOwnCpuMax) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "150000 100000");
  const auto limit = cgroup_cpu_limit("0::/\n", v2_mountinfo("/"), fs.path().string());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 1.5);
}

TEST(CgroupCpuLimitTest, V2MaxMeansNoLimit) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "max 100000");
  EXPECT_FALSE(cgroup_cpu_limit("0::/\n", v2_mountinfo("/"), fs.path().string()).has_value());
}

TEST(CgroupCpuLimitTest, V2AncestorsLimitTheirChildren) {
  TempDir fs;
  const auto base = fs.path() / "sys/fs/cgroup";
  write(base / "cpu.max", "max 100000");
  write(base / "kubepods.slice/cpu.max", "400000 100000");
  write(base / "kubepods.slice/pod1/cpu.max", "max 100000");
  const std::string cgroup = "0::/kubepods.slice/pod1\n";
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(cgroup, v2_mountinfo("/"), fs.path().string()).value_or(0),
                   4.0);
  write(base / "kubepods.slice/pod1/cpu.max", "25000 50000");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(cgroup, v2_mountinfo("/"), fs.path().string()).value_or(0),
                   0.5);
}

// Docker on cgroup v1 without a cgroup namespace: /proc/self/cgroup names the host's path, and
// the mount shows exactly that cgroup at /sys/fs/cgroup/cpu,cpuacct.
TEST(CgroupCpuLimitTest, V1MountOfTheProcessesOwnCgroup) {
  TempDir fs;
  const auto base = fs.path() / "sys/fs/cgroup/cpu,cpuacct";
  write(base / "cpu.cfs_quota_us", "200000");
  write(base / "cpu.cfs_period_us", "100000");
  const std::string cgroup =
      "12:memory:/docker/abc\n"
      "4:cpu,cpuacct:/docker/abc\n"
      "1:name=systemd:/docker/abc\n"
      "0::/system.slice/docker-abc.scope\n";
  const std::string mountinfo =
      "40 30 0:35 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
      "41 30 0:36 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(cgroup, mountinfo, fs.path().string()).value_or(0), 2.0);
  write(base / "cpu.cfs_quota_us", "-1");
  EXPECT_FALSE(cgroup_cpu_limit(cgroup, mountinfo, fs.path().string()).has_value());
}

TEST(CgroupCpuLimitTest, V1OnAHostWalksUpFromTheProcessesCgroup) {
  TempDir fs;
  const auto base = fs.path() / "sys/fs/cgroup/cpu";
  write(base / "cpu.cfs_quota_us", "-1");
  write(base / "cpu.cfs_period_us", "100000");
  write(base / "batch/cpu.cfs_quota_us", "300000");
  write(base / "batch/cpu.cfs_period_us", "100000");
  write(base / "batch/job7/cpu.cfs_quota_us", "-1");
  write(base / "batch/job7/cpu.cfs_period_us", "100000");
  const std::string mountinfo =
      "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
  EXPECT_DOUBLE_EQ(
      cgroup_cpu_limit("1:cpu:/batch/job7\n", mountinfo, fs.path().string()).value_or(0), 3.0);
}

// A mount that shows another cgroup than the process's tells nothing about its limit.
TEST(CgroupCpuLimitTest, MountOfAnotherCgroupIsNotRead) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 100000");
  EXPECT_FALSE(
      cgroup_cpu_limit("0::/other\n", v2_mountinfo("/mine"), fs.path().string()).has_value());
  EXPECT_FALSE(
      cgroup_cpu_limit("0::/mine2\n", v2_mountinfo("/mine"), fs.path().string()).has_value());
  EXPECT_DOUBLE_EQ(
      cgroup_cpu_limit("0::/mine\n", v2_mountinfo("/mine"), fs.path().string()).value_or(0), 1.0);
}

// mountinfo escapes a space in a mount point as \040.
TEST(CgroupCpuLimitTest, EscapedMountPoint) {
  TempDir fs;
  write(fs.path() / "cgroup root/cpu.max", "300000 100000");
  const std::string mountinfo = "30 22 0:26 / /cgroup\\040root rw - cgroup2 cgroup2 rw\n";
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit("0::/\n", mountinfo, fs.path().string()).value_or(0), 3.0);
}

TEST(CgroupCpuLimitTest, MalformedFilesHoldNoLimit) {
  TempDir fs;
  const std::string root = fs.path().string();
  write(fs.path() / "sys/fs/cgroup/cpu.max", "fast 100000");
  EXPECT_FALSE(cgroup_cpu_limit("0::/\n", v2_mountinfo("/"), root).has_value());
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 0");
  EXPECT_FALSE(cgroup_cpu_limit("0::/\n", v2_mountinfo("/"), root).has_value());
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 100000");
  EXPECT_FALSE(cgroup_cpu_limit("", v2_mountinfo("/"), root).has_value());
  EXPECT_FALSE(cgroup_cpu_limit("0::/\n", "", root).has_value());
  EXPECT_FALSE(
      cgroup_cpu_limit("garbage\n0:\n::\n", "- cgroup2\n1 2 3 - cgroup2\n", root).has_value());
}

}  // namespace
}  // namespace atman::test
