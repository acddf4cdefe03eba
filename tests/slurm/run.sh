#!/usr/bin/env bash
# tests/slurm/run.sh - one trustrisk run as a Slurm job array, end to end, on
# a throw-away one-node Slurm cluster that this script starts and stops.
#
# It starts munged (a fresh key, a private socket) and slurmctld and slurmd
# (a minimal slurm.conf: this host as the only node, its CPUs, no cgroups, no
# accounting, free non-default ports, everything in a temporary folder), waits
# for the node to be idle, then submits configs/cluster/array.sbatch as
# `sbatch --array=0-(N-1)` and configs/cluster/merge.sbatch with
# `--dependency=afterok:ARRAY` — the job scripts the README documents — and
# waits for both. Whatever happens, the daemons and the jobs are stopped and
# the folder removed: by a trap on exit, Ctrl-C and TERM, and by a detached
# watchdog if this script is killed outright (CTest's timeout sends SIGKILL).
#
# Modes:
#   ok             (default) the merged results.json and CSVs must be the
#                  same bytes as a plain `trustrisk run` with the same config,
#                  paths and seed, and the shards' folder must hold exactly
#                  shard-I-of-N.trs for I = 0..N-1;
#   failing-shard  one shard cannot write its state (its file name is taken
#                  by a folder): that task must fail, the others succeed, and
#                  the merge must never run (afterok; --kill-on-invalid-dep
#                  cancels it) and write nothing. Then, as the README says,
#                  the folder is removed, just that task is rerun
#                  (TR_SHARDS=N, --array=I) with a new merge, and the outputs
#                  must be the unsplit run's bytes, as in ok.
#   resumed-shard  shard 1 was stopped by SIGTERM part-way (run here first,
#                  stopped at its first checkpoint with the command's testing
#                  aid TRUSTRISK_TEST_PAUSE, as a time limit or scancel would
#                  stop it), leaving SHARDS/checkpoint-1-of-N.trs; then the
#                  whole array is submitted: shard 1's task must continue
#                  from the checkpoint (array.sbatch adds --resume), and the
#                  outputs must be the unsplit run's bytes, as in ok. It
#                  needs a shard of at least 5 blocks: --paths 20000 or more.
#
# usage: run.sh --trustrisk BIN [--mode ok|failing-shard|resumed-shard] [--config FILE]
#               [--shards N] [--paths P] [--seed S] [--timeout SEC] [--keep]
#   --trustrisk BIN  the trustrisk binary the jobs and the reference run use
#   --timeout SEC    give up (and clean up) after SEC seconds (default 120)
#   --keep           keep the temporary folder (daemons are stopped anyway)
#
# Needs root, and slurm-wlm and munge (Debian packages). Exit status: 0
# passed, 1 failed, 77 skipped (not root, or Slurm or munge missing); with
# TR_SLURM_REQUIRED=1 (.ci/run sets it, as CI installs them) a skip is a
# failure.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# ---------------------------------------------------------------- cleanup
# Shared by the trap and the watchdog: stop what was started in folder $1.

# Is process $1 one of ours? Everything started here carries the marker.
ours() {
    [ -r "/proc/$1/environ" ] && grep -qzxF "TR_SLURM_TEST_DIR=$2" "/proc/$1/environ" 2>/dev/null
}

stop_pid() { # pid dir: TERM, up to 5 s, then KILL
    local pid=$1 dir=$2 k
    ours "$pid" "$dir" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((k = 0; k < 50; k++)); do
        ours "$pid" "$dir" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop_all() { # dir
    local dir=$1 name pid p
    [ -d "$dir" ] || return 0
    # Jobs first, while slurmctld and slurmd can still end them cleanly.
    if [ -f "$dir/pids/slurmctld" ] && ours "$(cat "$dir/pids/slurmctld")" "$dir"; then
        SLURM_CONF=$dir/etc/slurm.conf timeout 10 scancel --quiet --user=root 2>/dev/null || true
        for ((k = 0; k < 50; k++)); do
            [ -z "$(SLURM_CONF=$dir/etc/slurm.conf timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
    for name in slurmd slurmctld munged; do
        [ -f "$dir/pids/$name" ] && stop_pid "$(cat "$dir/pids/$name")" "$dir"
    done
    # Whatever is left that carries the marker: slurmstepd and job processes
    # (slurmd detaches them), killed by pid.
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || ! ours "$pid" "$dir" || kill -KILL "$pid" 2>/dev/null || true
    done
}

if [ "${1:-}" = --watchdog ]; then # --watchdog PID DIR KEEP
    set +e
    while kill -0 "$2" 2>/dev/null; do sleep 1; done
    [ -e "$3/.cleaned" ] && exit 0
    stop_all "$3"
    [ "$4" = 1 ] || rm -rf "$3"
    exit 0
fi

# ---------------------------------------------------------------- options
bin="" mode=ok config=$root/configs/example.json shards=3 paths=10000 seed=7 timeout=120 keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --trustrisk) bin=$2 && shift 2 ;;
    --mode) mode=$2 && shift 2 ;;
    --config) config=$2 && shift 2 ;;
    --shards) shards=$2 && shift 2 ;;
    --paths) paths=$2 && shift 2 ;;
    --seed) seed=$2 && shift 2 ;;
    --timeout) timeout=$2 && shift 2 ;;
    --keep) keep=1 && shift ;;
    *) echo "run.sh: unknown option '$1' (see the comment at the top)" >&2 && exit 2 ;;
    esac
done
case $mode in ok | failing-shard | resumed-shard) ;; *) echo "run.sh: --mode ok|failing-shard|resumed-shard" >&2 && exit 2 ;; esac
[ -n "$bin" ] || { echo "run.sh: --trustrisk BIN is required" >&2 && exit 2; }
bin=$(realpath "$bin")
config=$(realpath "$config")
[ "$shards" -ge 2 ] || { echo "run.sh: --shards must be at least 2" >&2 && exit 2; }

start=$SECONDS
deadline=$((SECONDS + timeout))
say() { printf '[%3d s] %s\n' $((SECONDS - start)) "$*"; }

skip() {
    if [ "${TR_SLURM_REQUIRED:-}" = 1 ]; then
        echo "FAILED: $* (TR_SLURM_REQUIRED=1: this test must run here)"
        exit 1
    fi
    echo "skipped: $*"
    exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (it starts slurmctld, slurmd and munged)"
missing=()
for c in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$c" >/dev/null || missing+=("$c")
done
[ ${#missing[@]} -eq 0 ] || skip "not installed: ${missing[*]} (Debian: apt-get install slurm-wlm munge)"
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable" >&2 && exit 2; }

# The job scripts under test, and the command they run.
array_script=$root/configs/cluster/array.sbatch
merge_script=$root/configs/cluster/merge.sbatch
trustrisk=$bin

# Nothing from a surrounding Slurm job or the caller's Slurm settings.
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(\(SLURM\|SBATCH\|SQUEUE\|SINFO\|SCONTROL\|SCANCEL\)_[A-Za-z0-9_]*\)=.*/\1/p')

# ---------------------------------------------------------------- set-up
base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp # the munge socket's path must stay short
tmp=$(mktemp -d "$base/trustrisk-slurm.XXXXXX")
chmod 711 "$tmp" # munged wants its socket reachable by all
mkdir -p "$tmp"/{etc,pids,run,log,state,spool,munge,jobs,tmp}
chmod 755 "$tmp/munge"
export SLURM_CONF=$tmp/etc/slurm.conf
marker=TR_SLURM_TEST_DIR=$tmp
status=1
daemon_logs=0 # show the daemons' logs when done (set when the cluster misbehaved)

cleanup() {
    trap - EXIT INT TERM
    set +e # clean up as much as can be, whatever fails
    if [ "$daemon_logs" = 1 ] && [ -d "$tmp" ]; then
        for f in munged slurmctld slurmd; do
            [ -s "$tmp/log/$f.log" ] && f=$f.log || f=$f.stderr
            [ -s "$tmp/log/$f" ] || continue
            echo "---- last lines of log/$f"
            tail -n 15 "$tmp/log/$f"
        done
    fi
    say "stopping the jobs and daemons"
    stop_all "$tmp"
    touch "$tmp/.cleaned"
    if [ "$keep" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
    say "done"
    exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; status=130; exit 130' INT
trap 'say "terminated"; status=143; exit 143' TERM
# The watchdog: a detached process (not a child, so a kill of this script's
# process tree spares it) that cleans up if this script dies without its traps.
(setsid "$0" --watchdog $$ "$tmp" "$keep" </dev/null >/dev/null 2>&1 &)

fail() { # the cluster or a job failed to do its part
    echo "FAILED: $*"
    status=1
    daemon_logs=1
    exit 1
}

# Free TCP ports (not listening, from /proc/net/tcp*), two in a row.
listening=" "
for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local _ st _; do
        [ "$st" = 0A ] && listening+="$((16#${local##*:})) "
    done < <(tail -n +2 "$f")
done
port=$((20000 + RANDOM % 20000))
while [[ $listening == *" $port "* || $listening == *" $((port + 1)) "* ]]; do port=$((port + 2)); done

node=$(hostname -s 2>/dev/null || uname -n)
node=${node%%.*}
cpus=$(nproc)
say "cluster in $tmp: node $node, $cpus CPUs, ports $port and $((port + 1))"

# munge: a fresh key and munged on a private socket.
sock=$tmp/munge/munge.socket
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
env "$marker" munged --foreground --socket="$sock" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/run/munged.pid" --log-file="$tmp/log/munged.log" \
    --seed-file="$tmp/munge/munged.seed" </dev/null >>"$tmp/log/munged.stderr" 2>&1 &
echo $! >"$tmp/pids/munged"
until munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; do
    if [ $SECONDS -ge $((start + 15)) ] || ! kill -0 "$(cat "$tmp/pids/munged")" 2>/dev/null; then
        fail "munged did not start"
    fi
    sleep 0.1
done

: >"$tmp/etc/plugstack.conf"
cat >"$SLURM_CONF" <<EOF
# A throw-away one-node cluster for tests/slurm/run.sh.
ClusterName=trustrisk-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$tmp/tmp
PlugStackConfig=$tmp/etc/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_min_interval=100000,batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=3600
KillWait=2
InactiveLimit=0
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

env "$marker" slurmctld -D -f "$SLURM_CONF" </dev/null >>"$tmp/log/slurmctld.stderr" 2>&1 &
echo $! >"$tmp/pids/slurmctld"
env "$marker" slurmd -D -f "$SLURM_CONF" -N "$node" </dev/null >>"$tmp/log/slurmd.stderr" 2>&1 &
echo $! >"$tmp/pids/slurmd"

state=""
while :; do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    for d in slurmctld slurmd; do
        kill -0 "$(cat "$tmp/pids/$d")" 2>/dev/null || fail "$d exited while starting"
    done
    [ $SECONDS -lt $((start + 30)) ] || fail "node $node not idle after 30 s (state '$state'; $(sinfo -h -R 2>/dev/null))"
    sleep 0.2
done
say "node $node idle"

# ---------------------------------------------------------------- the jobs
run_opts=(--paths "$paths" --seed "$seed")
shard_dir=$tmp/jobs/shards
out_dir=$tmp/jobs/out
jobenv="ALL,$marker,TRUSTRISK=$trustrisk"

# submit ARRAY [VAR=VALUE...]: the array job (--array=ARRAY) and its merge.
submit() {
    local spec=$1 env=$jobenv
    shift
    for v in "$@"; do env+=",$v"; done
    array_job=$(sbatch --parsable --array="$spec" --cpus-per-task=1 --export="$env" \
        --chdir="$tmp/jobs" --output="$tmp/log/shard-%A_%a.out" \
        "$array_script" "$config" "$shard_dir" "${run_opts[@]}") || fail "sbatch (array) failed"
    array_job=${array_job%%;*}
    merge_job=$(sbatch --parsable --dependency=afterok:"$array_job" --kill-on-invalid-dep=yes \
        --cpus-per-task=1 --export="$env" --chdir="$tmp/jobs" --output="$tmp/log/merge-%j.out" \
        "$merge_script" "$shard_dir" "$out_dir") || fail "sbatch (merge) failed"
    merge_job=${merge_job%%;*}
    say "submitted: array job $array_job (--array=$spec${*:+, $*}), merge job $merge_job (afterok:$array_job)"
}

# Every job's state, one line each: "TASK-OR-ID STATE EXIT REASON" (from
# scontrol, which keeps finished jobs for MinJobAge; there is no accounting).
job_lines() {
    scontrol -o show job "$1" 2>/dev/null |
        awk '{ id = ""; t = ""; s = ""; e = ""; r = ""
               for (k = 1; k <= NF; k++) {
                   if ($k ~ /^JobId=/) id = substr($k, 7)
                   if ($k ~ /^ArrayTaskId=/) t = substr($k, 13)
                   if ($k ~ /^JobState=/) s = substr($k, 10)
                   if ($k ~ /^ExitCode=/) e = substr($k, 10)
                   if ($k ~ /^Reason=/) r = substr($k, 8)
               }
               print (t == "" ? id : t), s, e, r }'
}

# Is every line of job_lines (at least one) in a final state?
all_final() {
    local final='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'
    local lines=0 s
    while read -r _ s _; do
        [[ $s =~ $final ]] || return 1
        lines=$((lines + 1))
    done < <(job_lines "$1")
    [ "$lines" -gt 0 ]
}

# Wait until squeue lists neither job and scontrol shows both finished.
wait_jobs() {
    local left
    while :; do
        left=$(squeue -h -j "$array_job,$merge_job" -t PD,R,CG,CF,S,RQ,RS -o %i 2>/dev/null | wc -l) || left=1
        if [ "$left" -eq 0 ] && all_final "$array_job" && all_final "$merge_job"; then
            break
        fi
        [ $SECONDS -lt $deadline ] ||
            fail "timed out after $timeout s; squeue: $(squeue -h -o '%i %T %r' | tr '\n' ';')"
        sleep 0.2
    done
}

# Say how every task and the merge ended; sets failed_tasks, merge_state,
# merge_exit, merge_reason and merge_log.
report_jobs() {
    local task s e r
    failed_tasks=()
    while read -r task s e r; do
        if [ "$s" = COMPLETED ] && [ "$e" = 0:0 ]; then
            say "shard $task/$shards (job ${array_job}_$task): COMPLETED"
        else
            failed_tasks+=("$task")
            say "shard $task/$shards (job ${array_job}_$task): $s, exit $e ($r); its log:"
            sed 's/^/    | /' "$tmp/log/shard-${array_job}_$task.out" 2>/dev/null || echo "    | (no log)"
        fi
    done < <(job_lines "$array_job" | sort -n)
    merge_state=unknown merge_exit='?' merge_reason='?'
    read -r _ merge_state merge_exit merge_reason < <(job_lines "$merge_job") || true
    merge_log=$tmp/log/merge-$merge_job.out
    say "merge (job $merge_job): $merge_state, exit $merge_exit ($merge_reason)"
    if [ "$merge_state" != COMPLETED ] && [ -e "$merge_log" ]; then sed 's/^/    | /' "$merge_log"; fi
}

# The unsplit run to compare with, in the background while the jobs run
# (polled, so that the deadline and the traps act at once).
reference() {
    local pid
    say "reference: $trustrisk run $(basename "$config") ${run_opts[*]} (unsplit)"
    env "$marker" "$trustrisk" run "$config" "${run_opts[@]}" --out "$tmp/reference" --quiet \
        </dev/null >"$tmp/log/reference.out" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || fail "timed out after $timeout s (the unsplit run had not finished)"
        sleep 0.2
    done
    wait "$pid" || fail "the unsplit run failed: $(cat "$tmp/log/reference.out")"
}

# After a run that should have succeeded: every task and the merge did, the
# shards' folder holds exactly their N states, and the outputs are the
# unsplit run's bytes.
expect_success() {
    local f got expected ref_csvs out_csvs compared=()
    [ ${#failed_tasks[@]} -eq 0 ] || errors+=("shards that failed: ${failed_tasks[*]} (their logs are above)")
    if [ "$merge_state" = CANCELLED ] && [ "$merge_reason" = DependencyNeverSatisfied ]; then
        errors+=("the merge job never ran: a shard failed, so afterok:$array_job cannot be met")
    elif [ "$merge_state" != COMPLETED ] || [ "$merge_exit" != 0:0 ]; then
        errors+=("the merge job failed ($merge_state, exit $merge_exit, $merge_reason; its log is above)")
    fi
    [ ${#errors[@]} -eq 0 ] || return 0
    expected=$(for ((i = 0; i < shards; i++)); do echo "shard-$i-of-$shards.trs"; done | sort)
    got=$(find "$shard_dir" -mindepth 1 -maxdepth 1 -printf '%P\n' 2>/dev/null | sort) || true
    [ "$got" = "$expected" ] || errors+=("$shard_dir holds [${got//$'\n'/ }], expected [${expected//$'\n'/ }]")
    if [ ! -d "$out_dir" ]; then
        errors+=("the merge job succeeded but wrote nothing in $out_dir")
        return 0
    fi
    [ -s "$out_dir/run.json" ] || errors+=("the merge wrote no run.json")
    ref_csvs=$(cd "$tmp/reference" && shopt -s nullglob && printf '%s\n' *.csv)
    out_csvs=""
    [ ! -d "$out_dir" ] || out_csvs=$(cd "$out_dir" && shopt -s nullglob && printf '%s\n' *.csv)
    [ "$ref_csvs" = "$out_csvs" ] ||
        errors+=("CSVs differ: the unsplit run wrote [${ref_csvs//$'\n'/ }], the merge [${out_csvs//$'\n'/ }]")
    for f in results.json $ref_csvs; do
        if cmp -s "$tmp/reference/$f" "$out_dir/$f"; then
            compared+=("$f ($(stat -c %s "$out_dir/$f") bytes)")
        else
            errors+=("$f: the merged file is not the unsplit run's ($(cmp "$tmp/reference/$f" "$out_dir/$f" 2>&1 |
                sed -n '1s/.* differ: /first difference at /p' || true))")
        fi
    done
    [ ${#errors[@]} -gt 0 ] || say "identical to the unsplit run: ${compared[*]}"
}

# The state of process $1 (R, S, T for stopped, Z...), or nothing once gone.
proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    echo "${stat%% *}"
}

# Leave SHARDS/checkpoint-$1-of-N.trs as a task stopped part-way by SIGTERM
# does: run the shard here, one thread, a checkpoint after every round, and
# TRUSTRISK_TEST_PAUSE=replacing so that it stops itself (SIGSTOP) while
# writing its first checkpoint; then SIGTERM, and SIGCONT until it has
# saved its state and exited 3.
interrupt_shard() {
    local i=$1 pid rc=0 log=$tmp/log/interrupted.out
    mkdir -p "$shard_dir"
    env "$marker" TRUSTRISK_TEST_PAUSE=replacing "$trustrisk" run "$config" --shard "$i/$shards" \
        --out "$shard_dir" "${run_opts[@]}" --threads 1 --quiet --checkpoint-every 0.000001 \
        </dev/null >"$log" 2>&1 &
    pid=$!
    while [ "$(proc_state "$pid")" != T ]; do
        case $(proc_state "$pid") in "" | Z) fail "shard $i ended before its first checkpoint: $(cat "$log")" ;; esac
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for shard $i's first checkpoint"
        sleep 0.05
    done
    kill -TERM "$pid"
    while case $(proc_state "$pid") in "" | Z) false ;; *) true ;; esac do
        kill -CONT "$pid" 2>/dev/null || true
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for the interrupted shard $i to exit"
        sleep 0.05
    done
    wait "$pid" || rc=$?
    if [ "$rc" -ne 3 ] || [ ! -f "$shard_dir/checkpoint-$i-of-$shards.trs" ]; then
        fail "shard $i should have stopped with exit 3 and its checkpoint (more --paths?)," \
            "it exited $rc: $(cat "$log")"
    fi
    say "shard $i stopped part-way: $(grep -o 'stopped after [0-9]* of [0-9]* blocks' "$log" || echo '?')"
}

errors=()
if [ "$mode" = resumed-shard ]; then
    interrupt_shard 1
    submit "0-$((shards - 1))"
    reference
    wait_jobs
    report_jobs
    expect_success
    log1=$tmp/log/shard-${array_job}_1.out
    grep -q -- ' --resume' "$log1" 2>/dev/null || errors+=("shard 1's task did not pass --resume")
    if grep -q 'nothing to resume\|starts afresh' "$log1" 2>/dev/null; then
        errors+=("shard 1 started afresh instead of continuing: $(cat "$log1")")
    fi
    [ ${#errors[@]} -gt 0 ] || say "shard 1 continued from its checkpoint"
elif [ "$mode" = ok ]; then
    submit "0-$((shards - 1))"
    reference
    wait_jobs
    report_jobs
    expect_success
else
    # 1. Shard $bad cannot write its state: the merge must never run.
    bad=$((shards / 2))
    mkdir -p "$shard_dir/shard-$bad-of-$shards.trs"
    echo "a folder where shard $bad's state should go" >"$shard_dir/shard-$bad-of-$shards.trs/README"
    say "failing-shard: shard $bad's state file name is taken by a folder"
    submit "0-$((shards - 1))"
    wait_jobs
    report_jobs
    [ "${failed_tasks[*]:-}" = "$bad" ] ||
        errors+=("expected exactly shard $bad to fail, but failed: [${failed_tasks[*]:-none}]")
    [ "$merge_state" = CANCELLED ] && [ "$merge_reason" = DependencyNeverSatisfied ] ||
        errors+=("expected the merge to be cancelled (DependencyNeverSatisfied), it is $merge_state ($merge_reason)")
    [ ! -e "$merge_log" ] || errors+=("the merge job ran (it has a log)")
    [ ! -e "$out_dir" ] || errors+=("$out_dir exists: something was written")
    if [ ${#errors[@]} -eq 0 ]; then
        say "as expected: shard $bad failed, the merge never ran, nothing was written"
        # 2. Rerun just that task, as the README says, and merge again.
        rm -r "${shard_dir:?}/shard-$bad-of-$shards.trs"
        submit "$bad" "TR_SHARDS=$shards"
        reference
        wait_jobs
        report_jobs
        expect_success
    fi
fi

if [ ${#errors[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${errors[@]}"
    status=1
else
    say "PASSED ($mode, $shards shards, $((SECONDS - start)) s)"
    status=0
fi
