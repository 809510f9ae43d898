#!/usr/bin/env bash
# `--threads 0` under a real cgroup CPU limit, as `docker run --cpus` or a Kubernetes limit sets
# it: this test creates a cgroup (v2 where its cpu controller can be enabled, else v1's cpu
# hierarchy), limits it to half a core, moves a shell into it and runs `atman doctor` there. The
# process keeps its CPU affinity of every core; atman must still use 1 thread and say why.
# The cgroup is removed whatever the outcome. Exit 77 (ctest: skipped) with the reason where no
# cgroup can be created here (not root, or a read-only cgroup file system).
#   cgroup_cpu_limit_test.sh ATMAN
set -uo pipefail
atman=$1
name=atman-cpu-limit-test-$$

skip() {
  echo "SKIP: $*"
  exit 77
}

# Returns the directory of a new cgroup limited to 0.5 cores, or fails.
make_limited_cgroup() {
  local v2=/sys/fs/cgroup v1=/sys/fs/cgroup/cpu
  if [[ -f $v2/cgroup.subtree_control ]] && grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null &&
    { grep -qw cpu "$v2/cgroup.subtree_control" || echo +cpu >"$v2/cgroup.subtree_control"; } 2>/dev/null &&
    mkdir "$v2/$name" 2>/dev/null; then
    echo "50000 100000" >"$v2/$name/cpu.max" && echo "$v2/$name" && return 0
    rmdir "$v2/$name"
  fi
  if [[ -f $v1/cpu.cfs_quota_us ]] && mkdir "$v1/$name" 2>/dev/null; then
    echo 50000 >"$v1/$name/cpu.cfs_quota_us" && echo 100000 >"$v1/$name/cpu.cfs_period_us" && echo "$v1/$name" &&
      return 0
    rmdir "$v1/$name"
  fi
  return 1
}

[[ $(id -u) == 0 ]] || skip "creating a cgroup needs root"
cgroup=$(make_limited_cgroup) || skip "no cgroup with a CPU limit can be created here (read-only cgroup file system?)"
trap 'rmdir "$cgroup" 2>/dev/null' EXIT
echo "cgroup: $cgroup ($(cat "$cgroup"/cpu.max "$cgroup"/cpu.cfs_quota_us 2>/dev/null | tr '\n' ' '))"

# The shell joins the cgroup, then becomes atman (exec): atman starts inside it.
out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" doctor' sh "$cgroup" "$atman" 2>&1)
rc=$?
echo "$out"
[[ $rc == 0 ]] || { echo "FAIL: atman doctor exited $rc"; exit 1; }
affinity=$(nproc --all)
grep -Eq '^cores: +1 this process may use, of [0-9]+ on the machine \(cgroup CPU limit: 0.5 cores\)$' <<<"$out" ||
  { echo "FAIL: doctor does not report 1 core under a 0.5-core limit"; exit 1; }
grep -Eq '^torch threads: +1$' <<<"$out" || { echo "FAIL: --threads 0 did not follow the cgroup limit"; exit 1; }
echo "ok: 1 thread under a 0.5-core cgroup limit (machine: $affinity cores)"
