// The cgroup CPU and memory limits from /proc/self/cgroup and /proc/self/mountinfo texts as the
// kernel writes them, over cgroup trees built in a temporary directory: v2 and v1, in a container
// (the mount shows the process's own cgroup) and on a host, nested limits, and files that hold no
// limit. tests/cli/cgroup_limits_test.sh checks the same in a real cgroup.
#include "atman/cgroup_limits.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

std::optional<double> cpu_limit(const std::string& cgroup, const std::string& mountinfo,
                                const std::string& fs_root) {
  return cgroup_limits(cgroup, mountinfo, fs_root).cpu_cores;
}

std::optional<int64_t> memory_limit(const std::string& cgroup, const std::string& mountinfo,
                                    const std::string& fs_root) {
  return cgroup_limits(cgroup, mountinfo, fs_root).memory_bytes;
}

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

TEST(CgroupLimitsTest, V2InAContainerReadsItsOwnCpuMax) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "150000 100000");
  const auto limit = cpu_limit("0::/\n", v2_mountinfo("/"), fs.path().string());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 1.5);
}

TEST(CgroupLimitsTest, V2MaxMeansNoLimit) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "max 100000");
  EXPECT_FALSE(cpu_limit("0::/\n", v2_mountinfo("/"), fs.path().string()).has_value());
}

TEST(CgroupLimitsTest, V2AncestorsLimitTheirChildren) {
  TempDir fs;
  const auto base = fs.path() / "sys/fs/cgroup";
  write(base / "cpu.max", "max 100000");
  write(base / "kubepods.slice/cpu.max", "400000 100000");
  write(base / "kubepods.slice/pod1/cpu.max", "max 100000");
  const std::string cgroup = "0::/kubepods.slice/pod1\n";
  EXPECT_DOUBLE_EQ(cpu_limit(cgroup, v2_mountinfo("/"), fs.path().string()).value_or(0), 4.0);
  write(base / "kubepods.slice/pod1/cpu.max", "25000 50000");
  EXPECT_DOUBLE_EQ(cpu_limit(cgroup, v2_mountinfo("/"), fs.path().string()).value_or(0), 0.5);
}

// Docker on cgroup v1 without a cgroup namespace: /proc/self/cgroup names the host's path, and
// the mount shows exactly that cgroup at /sys/fs/cgroup/cpu,cpuacct.
TEST(CgroupLimitsTest, V1MountOfTheProcessesOwnCgroup) {
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
  EXPECT_DOUBLE_EQ(cpu_limit(cgroup, mountinfo, fs.path().string()).value_or(0), 2.0);
  write(base / "cpu.cfs_quota_us", "-1");
  EXPECT_FALSE(cpu_limit(cgroup, mountinfo, fs.path().string()).has_value());
}

TEST(CgroupLimitsTest, V1OnAHostWalksUpFromTheProcessesCgroup) {
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
  EXPECT_DOUBLE_EQ(cpu_limit("1:cpu:/batch/job7\n", mountinfo, fs.path().string()).value_or(0),
                   3.0);
}

// A mount that shows another cgroup than the process's tells nothing about its limit.
TEST(CgroupLimitsTest, MountOfAnotherCgroupIsNotRead) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 100000");
  EXPECT_FALSE(cpu_limit("0::/other\n", v2_mountinfo("/mine"), fs.path().string()).has_value());
  EXPECT_FALSE(cpu_limit("0::/mine2\n", v2_mountinfo("/mine"), fs.path().string()).has_value());
  EXPECT_DOUBLE_EQ(cpu_limit("0::/mine\n", v2_mountinfo("/mine"), fs.path().string()).value_or(0),
                   1.0);
}

// mountinfo escapes a space in a mount point as \040.
TEST(CgroupLimitsTest, EscapedMountPoint) {
  TempDir fs;
  write(fs.path() / "cgroup root/cpu.max", "300000 100000");
  const std::string mountinfo = "30 22 0:26 / /cgroup\\040root rw - cgroup2 cgroup2 rw\n";
  EXPECT_DOUBLE_EQ(cpu_limit("0::/\n", mountinfo, fs.path().string()).value_or(0), 3.0);
}

TEST(CgroupLimitsTest, MalformedFilesHoldNoLimit) {
  TempDir fs;
  const std::string root = fs.path().string();
  write(fs.path() / "sys/fs/cgroup/cpu.max", "fast 100000");
  EXPECT_FALSE(cpu_limit("0::/\n", v2_mountinfo("/"), root).has_value());
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 0");
  EXPECT_FALSE(cpu_limit("0::/\n", v2_mountinfo("/"), root).has_value());
  write(fs.path() / "sys/fs/cgroup/cpu.max", "100000 100000");
  EXPECT_FALSE(cpu_limit("", v2_mountinfo("/"), root).has_value());
  EXPECT_FALSE(cpu_limit("0::/\n", "", root).has_value());
  EXPECT_FALSE(cpu_limit("garbage\n0:\n::\n", "- cgroup2\n1 2 3 - cgroup2\n", root).has_value());
}

TEST(CgroupLimitsTest, V2MemoryMax) {
  TempDir fs;
  const auto base = fs.path() / "sys/fs/cgroup";
  write(base / "memory.max", "max");
  write(base / "job/memory.max", "8589934592");
  write(base / "job/step/memory.max", "max");
  EXPECT_EQ(memory_limit("0::/job/step\n", v2_mountinfo("/"), fs.path().string()).value_or(0),
            int64_t{8} << 30);
  EXPECT_FALSE(memory_limit("0::/\n", v2_mountinfo("/"), fs.path().string()).has_value());
}

// v1 keeps memory in a hierarchy of its own, and writes "no limit" as 2^63 rounded down to pages.
TEST(CgroupLimitsTest, V1MemoryHierarchyIsNotTheCpuHierarchy) {
  TempDir fs;
  write(fs.path() / "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712");
  write(fs.path() / "sys/fs/cgroup/memory/slurm/job_9/memory.limit_in_bytes", "4294967296");
  write(fs.path() / "sys/fs/cgroup/cpu/cpu.cfs_quota_us", "100000");
  write(fs.path() / "sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000");
  const std::string mountinfo =
      "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
  const std::string cgroup = "4:memory:/slurm/job_9\n1:cpu:/\n";
  const CgroupLimits limits = cgroup_limits(cgroup, mountinfo, fs.path().string());
  EXPECT_EQ(limits.memory_bytes.value_or(0), int64_t{4} << 30);
  EXPECT_DOUBLE_EQ(limits.cpu_cores.value_or(0), 1.0);
  EXPECT_FALSE(memory_limit("4:memory:/\n", mountinfo, fs.path().string()).has_value());
}

}  // namespace
}  // namespace atman::test
