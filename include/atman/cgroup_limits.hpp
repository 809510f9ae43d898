#pragma once
// The limits a cgroup sets on this process: `docker run --cpus 2 --memory 8g`, a Kubernetes
// pod's limits, a Slurm job's --mem, systemd's CPUQuota= and MemoryMax=.
// - A CPU limit leaves every core visible (and in the CPU affinity) but throttles the process
//   once its threads together use more than quota/period cores: a thread per visible core then
//   runs in bursts and stalls.
// - A memory limit kills the process with SIGKILL, without a word, once it is exceeded.
// No packaged library reads them (libcgroup manages cgroups; it does not resolve a process's
// limits), so this does, from the files named below.
#include <cstdint>
#include <optional>
#include <string>

namespace atman {

// The tightest limit of the process's cgroup and its ancestors up to the hierarchy's mount;
// std::nullopt where none is set or none can be read. cgroup v2 (cpu.max, memory.max) and v1
// (cpu.cfs_quota_us / cpu.cfs_period_us, memory.limit_in_bytes).
struct CgroupLimits {
  std::optional<double> cpu_cores;      // quota / period, e.g. 1.5
  std::optional<int64_t> memory_bytes;  // anonymous and page-cache memory together
};

//   cgroup_text:    the contents of /proc/self/cgroup ("0::/path", "4:cpu,cpuacct:/path")
//   mountinfo_text: the contents of /proc/self/mountinfo (where each hierarchy is mounted)
//   fs_root:        prefixed to the mount points; "" for the real file system (tests pass a tree)
CgroupLimits cgroup_limits(const std::string& cgroup_text, const std::string& mountinfo_text,
                           const std::string& fs_root);

// The same for this process, from /proc/self.
CgroupLimits process_cgroup_limits();

}  // namespace atman
