#pragma once
// The CPU bandwidth a cgroup grants this process: `docker run --cpus 2`, a Kubernetes CPU limit,
// systemd's CPUQuota=. Such a limit leaves every core visible (and in the CPU affinity) but
// throttles the process once its threads together use more than quota/period cores, so a
// thread per visible core runs in bursts and stalls. No packaged library reads it (libcgroup
// manages cgroups; it does not resolve a process's limit), so this does, from the files below.
#include <optional>
#include <string>

namespace atman {

// The tightest quota/period, in cores, of the process's cgroup and its ancestors up to the
// hierarchy's mount, for cgroup v2 (cpu.max) and v1 (cpu.cfs_quota_us, cpu.cfs_period_us);
// std::nullopt where no limit is set or none can be read.
//   cgroup_text:    the contents of /proc/self/cgroup ("0::/path", "4:cpu,cpuacct:/path")
//   mountinfo_text: the contents of /proc/self/mountinfo (where each hierarchy is mounted)
//   fs_root:        prefixed to the mount points; "" for the real file system (tests pass a tree)
std::optional<double> cgroup_cpu_limit(const std::string& cgroup_text,
                                       const std::string& mountinfo_text,
                                       const std::string& fs_root);

// The same for this process, from /proc/self.
std::optional<double> process_cgroup_cpu_limit();

}  // namespace atman
