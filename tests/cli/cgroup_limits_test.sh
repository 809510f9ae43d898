#!/usr/bin/env bash
# atman under real cgroup limits, as `docker run --cpus/--memory`, a Kubernetes pod's limits or a
# Slurm job's --mem set them: this test creates a cgroup (v2 where the controller can be enabled,
# else v1's hierarchy of that controller), sets a limit, moves a shell into it and runs atman there.
#   cpu:    0.5 cores. The process keeps its CPU affinity of every core; `--threads 0` must still
#           use 1 thread, and `atman doctor` say why.
#   memory: 128 MiB, and a model whose bfloat16 weights take 159 MiB as float32. Loading must be
#           refused with the figures (the kernel killed the process without a word before).
# The cgroup is removed whatever the outcome. Exit 77 (ctest: skipped) with the reason where no
# cgroup can be created here (not root, or a read-only cgroup file system).
#   cgroup_limits_test.sh cpu|memory ATMAN WORKDIR
set -uo pipefail
controller=$1 atman=$2 work=$3
name=atman-$controller-limit-test-$$

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}

# Writes the limit files of a new cgroup and prints its directory, or fails.
make_limited_cgroup() {
  local v2=/sys/fs/cgroup v1=/sys/fs/cgroup/$controller
  if [[ -f $v2/cgroup.subtree_control ]] && grep -qw "$controller" "$v2/cgroup.controllers" 2>/dev/null &&
    { grep -qw "$controller" "$v2/cgroup.subtree_control" || echo "+$controller" >"$v2/cgroup.subtree_control"; } 2>/dev/null &&
    mkdir "$v2/$name" 2>/dev/null; then
    if [[ $controller == cpu ]]; then echo "50000 100000" >"$v2/$name/cpu.max"; else echo $((128 << 20)) >"$v2/$name/memory.max"; fi &&
      echo "$v2/$name" && return 0
    rmdir "$v2/$name"
  fi
  if [[ -d $v1 ]] && mkdir "$v1/$name" 2>/dev/null; then
    if [[ $controller == cpu ]]; then
      echo 50000 >"$v1/$name/cpu.cfs_quota_us" && echo 100000 >"$v1/$name/cpu.cfs_period_us"
    else
      echo $((128 << 20)) >"$v1/$name/memory.limit_in_bytes"
    fi && echo "$v1/$name" && return 0
    rmdir "$v1/$name"
  fi
  return 1
}

# Runs atman with ARGS inside the cgroup: the shell joins it, then becomes atman (exec).
run_limited() {
  sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" "$atman" "$@" 2>&1
}

[[ $(id -u) == 0 ]] || skip "creating a cgroup needs root"
if [[ $controller == memory ]]; then
  # Made before the limit applies: llama-25m's shape, stored as bfloat16 (80 MiB on disk).
  mkdir -p "$work" && "$atman" -q init-model --preset llama-25m --dtype bfloat16 --out "$work/bf16_model" --overwrite ||
    fail "init-model failed"
fi
cgroup=$(make_limited_cgroup) || skip "no cgroup with a $controller limit can be created here (read-only cgroup file system?)"
trap 'rmdir "$cgroup" 2>/dev/null' EXIT
echo "cgroup: $cgroup"

if [[ $controller == cpu ]]; then
  out=$(run_limited doctor)
  rc=$?
  echo "$out"
  [[ $rc == 0 ]] || fail "atman doctor exited $rc"
  grep -Eq '^cores: +1 this process may use, of [0-9]+ on the machine \(cgroup CPU limit: 0.5 cores\)$' <<<"$out" ||
    fail "doctor does not report 1 core under a 0.5-core limit"
  grep -Eq '^torch threads: +1$' <<<"$out" || fail "--threads 0 did not follow the cgroup limit"
  echo "ok: 1 thread under a 0.5-core cgroup limit"
else
  out=$(run_limited doctor)
  echo "$out" | grep '^memory:'
  grep -Eq '^memory: +128.0 MiB \(cgroup memory limit\) this process may use$' <<<"$out" ||
    fail "doctor does not report the 128 MiB cgroup memory limit"
  out=$(run_limited explain --model "$work/bf16_model" --prompt "Once upon a time" --target " there")
  rc=$?
  echo "$out"
  ((rc < 128)) || fail "killed by signal $((rc - 128)) instead of a refusal"
  [[ $rc == 1 ]] || fail "exit code $rc, expected 1"
  grep -Eq "^error: .*bf16_model.: converting the BF16 weights to float32 takes 159.0 MiB, more than the 128.0 MiB of memory this process may use \(cgroup memory limit\) \(HINT: --dtype bfloat16" <<<"$out" ||
    fail "no refusal naming the figures"
  echo "ok: a model too large for a 128 MiB cgroup is refused with the figures"
fi
