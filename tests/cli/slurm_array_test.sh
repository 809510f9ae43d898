#!/usr/bin/env bash
# The Slurm recipe of tools/slurm/ on a real single-node Slurm cluster that this test starts
# itself: munged, slurmctld and slurmd (as root) from a slurm.conf written for this host into a
# temporary directory. The shipped array job runs `atman batch --shard K/3` over a data set of
# good and bad records (sbatch --wait); one array task is cancelled midway with scancel, the merge
# job submitted with --dependency=afterok must then stay held, the cancelled task is submitted
# again (atman-array.sbatch always passes --resume) and the merge job merges the shards. The
# merged file must equal one unsharded `atman batch` with the same --threads, byte for byte.
# Every process started here is stopped by pid when the test ends, passed or failed.
# Exit 77 (ctest: skipped) with the reason when Slurm or munge is missing or cannot start;
# under CI (CI=true) that is a failure instead.
#   slurm_array_test.sh ATMAN REPO WORKDIR
set -euo pipefail
atman=$(realpath "$1") repo=$(realpath "$2") work=$(realpath -m "$3")
shards=3 victim=1 threads=1
model=$repo/models/stories260K
started=$SECONDS

fail() { echo "FAIL: $*"; exit 1; }
skip() {
  [[ ${CI:-} == true ]] && fail "$* (CI=true: Slurm must run here; tools/setup.sh --all installs it)"
  echo "SKIP: $*"
  exit 77
}
elapsed() { echo "$((SECONDS - started))s"; }

for tool in munged mungekey munge unmunge slurmctld slurmd sbatch scancel scontrol squeue sinfo; do
  command -v "$tool" >/dev/null ||
    skip "'$tool' is not installed (Debian packages slurm-wlm and munge; tools/setup.sh --all installs them)"
done
((EUID == 0)) || skip "starting slurmd and munged needs root (this runs as uid $EUID)"

rm -rf "$work" && mkdir -p "$work"
# The cluster's files: under /tmp, as a unix socket path must stay short.
cluster=$(mktemp -d /tmp/atman-slurm.XXXXXX)
# Every process of this cluster carries this variable (daemons, job steps, atman), so the
# cleanup finds each one by its environment and stops it by pid.
marker="ATMAN_SLURM_TEST_CLUSTER=$cluster"
daemons=()

cluster_processes() {  # pids of processes carrying the marker
  local p
  for p in /proc/[0-9]*; do
    grep -qzx -- "$marker" "$p/environ" 2>/dev/null && echo "${p#/proc/}"
  done
  return 0
}

running() { [[ -e /proc/$1 ]] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; }  # a zombie is not

stop_cluster() {
  local rc=$? pid left
  set +e
  trap - EXIT
  if [[ -S $cluster/munge.sock ]] && ((${#daemons[@]} > 1)); then
    scancel --quiet --user=root 2>/dev/null  # this cluster's jobs (SLURM_CONF)
    for _ in $(seq 50); do [[ -z $(squeue -h 2>/dev/null) ]] && break; sleep 0.2; done
  fi
  for ((i = ${#daemons[@]} - 1; i >= 0; --i)); do kill -TERM "${daemons[i]}" 2>/dev/null; done
  for pid in "${daemons[@]}"; do
    for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
  done
  for pid in $(cluster_processes); do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null  # reaps the daemons (children of this shell)
  left=$(cluster_processes)
  if [[ -n $left ]]; then
    echo "FAIL: processes of the test cluster still run: $(ps -o pid=,args= -p "${left//$'\n'/,}" | tr '\n' ';')"
    rc=1
  fi
  # The logs stay with the test's other files, for a failure's diagnosis.
  cp -r "$cluster/log" "$work/cluster-log" 2>/dev/null
  rm -rf "$cluster"
  exit "$rc"
}
trap stop_cluster EXIT
trap 'exit 143' TERM INT

# Two free TCP ports: not listening, nor in any connection, on this host.
port_in_use() { grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
free_port() {  # free_port [EXCEPT]
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    port_in_use "$p" || [[ $p == "${1:-}" ]] || { echo "$p"; return 0; }
  done
  return 1
}
ctld_port=$(free_port) && slurmd_port=$(free_port "$ctld_port") ||
  skip "no two free TCP ports found between 20000 and 50000"

node=$(hostname -s)
mkdir -p "$cluster"/{state,spool,log}
: >"$cluster/plugstack.conf"  # no SPANK plugins from the host's /etc/slurm
cat >"$cluster/slurm.conf" <<EOF
# A single-node cluster for tests/cli/slurm_array_test.sh; no cgroups, no accounting.
ClusterName=atmantest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$cluster/munge.sock
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
PlugStackConfig=$cluster/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# sbatch --wait polls every 2s, 8s, 32s, ... while the interval is under MinJobAge/2: 16 keeps it
# at 8s, and a finished job's record for at least 16s (300 by default).
MinJobAge=16
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc)
PartitionName=atman Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$cluster/slurm.conf

# munged with a key of its own; its socket is the one slurm.conf names.
mungekey --create --keyfile="$cluster/munge.key" 2>"$cluster/log/mungekey.log" ||
  skip "mungekey could not create a key: $(cat "$cluster/log/mungekey.log")"
chmod 0400 "$cluster/munge.key"
env "$marker" munged --foreground --force --socket="$cluster/munge.sock" --key-file="$cluster/munge.key" \
  --pid-file="$cluster/munged.pid" --seed-file="$cluster/munged.seed" --log-file="$cluster/log/munged.log" \
  >"$cluster/log/munged.out" 2>&1 &
daemons+=($!)
for _ in $(seq 50); do [[ -S $cluster/munge.sock ]] && break; sleep 0.1; done
munge -n -S "$cluster/munge.sock" 2>/dev/null | unmunge -S "$cluster/munge.sock" >/dev/null 2>&1 ||
  skip "munged did not start: $(tail -n 5 "$cluster/log/munged.out")"

env "$marker" slurmctld -D >"$cluster/log/slurmctld.out" 2>&1 &
daemons+=($!)
env "$marker" slurmd -D -N "$node" >"$cluster/log/slurmd.out" 2>&1 &
daemons+=($!)
state=""
for _ in $(seq 150); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  for pid in "${daemons[@]}"; do kill -0 "$pid" 2>/dev/null || break 2; done
  sleep 0.2
done
[[ $state == idle ]] ||
  skip "Slurm did not start (node state '$state'): slurmctld: $(grep -i error "$cluster/log/slurmctld.out" | grep -v pmix | tail -n 3 | tr '\n' ' ')
slurmd: $(grep -i error "$cluster/log/slurmd.out" | grep -v pmix | tail -n 3 | tr '\n' ' ')"
echo "cluster up after $(elapsed): node $node, $(nproc) CPUs, ports $ctld_port/$slurmd_port"

# The data set: the batch fixture (good records and every kind of bad one, an id repeated
# across shards) and 21 stories of about 90 tokens, so that a shard runs for seconds.
data=$work/data.jsonl
cp "$repo/tests/data/batch_input.jsonl" "$data"
names=(Lily Tom Ben Sue Mia Max Anna Sam Zoe Tim Lucy)
things=(ball kite doll box book hat cake boat)
places=(park garden forest beach)
for i in $(seq 0 20); do
  n=${names[i % 11]} t=${things[i % 8]} p=${places[i % 4]}
  story="Once upon a time, there was a child named $n. $n had a $t and loved it very much."
  story+=" One day, $n took the $t to the $p. The sun was warm and the birds were singing."
  story+=" $n played with the $t all day long and met a new friend. They laughed and ran together."
  story+=" When it was time to go home, $n looked for the $t but could not find it. Then"
  printf '{"id": "story-%d", "prompt": "%s", "target": " %s found the %s"}\n' "$i" "$story" "$n" "$t" >>"$data"
done
records=$(grep -c . "$data")
victim_records=$(awk -v k="$victim" -v n="$shards" 'NF && (NR - 1) % n == k' "$data" | wc -l)

# The reference: one unsharded run with the same --threads (records fail, as planned: exit 1).
set +e
"$atman" -q --threads "$threads" batch --model "$model" --input "$data" --output "$work/unsharded.jsonl" 2>"$work/unsharded.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "unsharded run: exit $rc, expected 1 (some records fail): $(cat "$work/unsharded.err")"
[[ $(wc -l <"$work/unsharded.jsonl") == "$records" ]] || fail "unsharded run wrote $(wc -l <"$work/unsharded.jsonl") of $records lines"
echo "unsharded reference: $records records after $(elapsed)"

cd "$work"  # the jobs' output files (atman-batch-JOB_TASK.out, atman-merge-JOB.out) go here
submit() { env "$marker" ATMAN="$atman" sbatch --parsable "$@"; }
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }
array_args=("$repo/tools/slurm/atman-array.sbatch" "$data" "$work/out" "$model" "$shards")

# 1. The array, waited for; the merge job held by afterok on it.
submit --wait --array=0-$((shards - 1)) --cpus-per-task="$threads" "${array_args[@]}" \
  >"$work/array.id" 2>"$work/array.err" &
array_pid=$!
for _ in $(seq 100); do [[ -s $work/array.id ]] && break; sleep 0.1; done
array_job=$(cut -d';' -f1 "$work/array.id")
[[ $array_job =~ ^[0-9]+$ ]] || fail "sbatch of the array printed no job id: $(cat "$work/array.id" "$work/array.err")"
merge_job=$(submit --dependency=afterok:"$array_job" "$repo/tools/slurm/atman-merge.sbatch" "$work/out" "$shards" "$work/merged.jsonl")

# 2. Task $victim cancelled midway: after 6 of its $victim_records lines.
victim_out=$work/out.$victim.jsonl
for _ in $(seq 600); do
  [[ -f $victim_out ]] && (($(wc -l <"$victim_out") >= 6)) && break
  [[ $(job_state "${array_job}_$victim") =~ ^(PENDING|RUNNING|)$ ]] ||
    fail "task $victim ended ($(job_state "${array_job}_$victim")) before it could be cancelled"
  sleep 0.1
done
(($(wc -l <"$victim_out") >= 6)) || fail "task $victim wrote $(wc -l <"$victim_out") lines in 60s"
scancel "${array_job}_$victim"
for _ in $(seq 50); do [[ $(job_state "${array_job}_$victim") == CANCELLED ]] && break; sleep 0.1; done
[[ $(job_state "${array_job}_$victim") == CANCELLED ]] || fail "task $victim is $(job_state "${array_job}_$victim"), not CANCELLED"

set +e
wait "$array_pid"
rc=$?
set -e
[[ $rc != 0 ]] || fail "sbatch --wait of the array exited 0 although task $victim was cancelled"
for ((k = 0; k < shards; ++k)); do
  expected=$(awk -v k="$k" -v n="$shards" 'NF && (NR - 1) % n == k' "$data" | wc -l)
  ((k == victim)) || [[ $(wc -l <"$work/out.$k.jsonl") == "$expected" ]] ||
    fail "task $k did not finish its $expected records: $(cat "atman-batch-${array_job}_$k.out")"
done
partial=$(wc -l <"$victim_out")  # complete lines; a cut-off last line may follow
((partial >= 6 && partial < victim_records)) || fail "the cancelled task left $partial of $victim_records lines"
echo "array done after $(elapsed): task $victim cancelled with $partial of $victim_records lines written"

# 3. The merge job must not run on the incomplete set: once the array has ended, afterok is
# never satisfied.
held() { scontrol show job "$merge_job" | grep -q 'JobState=PENDING Reason=DependencyNeverSatisfied'; }
for _ in $(seq 50); do held && break; sleep 0.2; done
held || fail "the merge job is not held after the cancelled task: $(scontrol show job "$merge_job" | grep -o 'JobState=.*')"
[[ ! -e $work/merged.jsonl ]] || fail "the merge job ran on an incomplete set of shards"
scancel "$merge_job"

# 4. The cancelled task submitted again: it resumes its output.
resume_job=$(submit --wait --array="$victim" --cpus-per-task="$threads" "${array_args[@]}") ||
  fail "the resubmitted task failed: $(cat "atman-batch-${resume_job%%;*}_$victim.out")"
resume_job=${resume_job%%;*}
resume_log=$work/atman-batch-${resume_job}_$victim.out
grep -q "resuming '$victim_out': $partial records already done" "$resume_log" ||
  fail "the resubmitted task did not resume after $partial records: $(cat "$resume_log")"
[[ $(wc -l <"$victim_out") == "$victim_records" ]] || fail "task $victim holds $(wc -l <"$victim_out") of $victim_records lines after resuming"

# 5. The merge job, after the resumed task.
merge_job=$(submit --wait --dependency=afterok:"$resume_job" "$repo/tools/slurm/atman-merge.sbatch" \
  "$work/out" "$shards" "$work/merged.jsonl") || fail "the merge job failed: $(cat "atman-merge-${merge_job%%;*}.out")"
merge_log=$work/atman-merge-${merge_job%%;*}.out
cmp "$work/merged.jsonl" "$work/unsharded.jsonl" || fail "the merged shards differ from the unsharded run"
! grep -q 'different thread counts' "$merge_log" || fail "merge warned: $(cat "$merge_log")"
echo "ok: $shards-task array with task $victim cancelled and resumed, merged == unsharded ($records records) in $(elapsed)"
