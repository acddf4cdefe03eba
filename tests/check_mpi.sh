#!/bin/sh
# `mpirun -np K trustrisk run` against one process (CTest tests mpi_identical
# and mpi_failures):
#   tests/check_mpi.sh identical BUILD/trustrisk CONFIG HAVE_MPI [K...]
#   tests/check_mpi.sh failures  BUILD/trustrisk CONFIG HAVE_MPI
#
# identical: for each K (default 1 2 3 5), results.json and the CSVs written
#   by `mpirun -np K` are byte for byte those of one process (one thread a
#   process, and two for the last K), and nothing else is left behind; so
#   are those of `mpirun -np 2 ... --resume` with nothing to resume.
# failures: a rank that cannot write its checkpoints (its --out, given by an
#   MPMD launch, is under a file), a rank that fails after its part
#   (TRUSTRISK_TEST_FAIL_RANK, a testing aid) and a damaged checkpoint of
#   one rank at --resume each make the job exit non-zero with no results
#   written; SIGTERM to the ranks gives exit 3, each rank's checkpoint and
#   the command that resumes, which run as printed gives the bytes of one
#   process; commands other than run, and --shard, are refused under mpirun.
#
# Exits 77 (CTest: skipped) when this trustrisk was built without MPI, or
# no Open MPI mpirun is installed. Root (CI, containers) is allowed, ranks
# may outnumber cores, and only this machine is used (no ssh, no network).
set -u
mode=$1
bin=$2
config=$3
have_mpi=$4
shift 4

if [ "$have_mpi" != ON ]; then
  echo "SKIP: this trustrisk was built without MPI (CMake TR_MPI=OFF, or no MPI found)"
  exit 77
fi
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: no mpirun (Debian: apt-get install openmpi-bin)"
  exit 77
fi
if ! mpirun --version 2>/dev/null | grep -q "Open MPI"; then
  echo "SKIP: mpirun is not Open MPI's: $(mpirun --version 2>&1 | head -n 1)"
  exit 77
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # also for the printed command
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_plm=isolated                          # this machine only, no ssh
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader       # shared memory, no network probing
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers forbid cross-process reads
# Under AddressSanitizer, Open MPI's own allocations at exit are not leaks of
# ours: they are suppressed by library, which needs whole stacks (the slow
# unwinder); the variables mean nothing to a build without sanitizers.
if [ -n "${TR_LSAN_SUPPRESSIONS:-}" ]; then
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TR_LSAN_SUPPRESSIONS"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
fi
mpi() {
  mpirun --oversubscribe --allow-run-as-root "$@"
}

work=$(mktemp -d /tmp/tr-mpi-XXXXXX) || exit 1
trap '[ -n "${TR_KEEP:-}" ] || rm -rf "$work"' EXIT
status=0
fail() {
  echo "FAIL: $*"
  status=1
}

paths=12288 # 12 blocks: K = 5 does not divide them
files="results.json trusts.csv consortia.csv failure_curves.csv schemes.csv"

# run_one OUT [ARGS...]: one process, no mpirun.
run_one() {
  out=$1
  shift
  "$bin" run "$config" --out "$out" --paths "$paths" --threads 1 --quiet "$@" >"$work/one.log" 2>&1 ||
    { cat "$work/one.log"; echo "FAIL: one process into $out failed"; exit 1; }
}

# same DIR REF WHAT: DIR's outputs are REF's, and DIR holds no checkpoint.
same() {
  for f in $files; do
    cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs from one process's"
  done
  for f in "$1"/checkpoint* "$1"/.[!.]*; do
    [ -e "$f" ] && fail "$3: $f was left behind"
  done
}

# nothing_written DIR WHAT: no results in DIR, no staging folder beside it.
nothing_written() {
  [ -e "$1/results.json" ] && fail "$2: results.json was written"
  for f in "$(dirname "$1")"/.trustrisk-*; do
    [ -e "$f" ] && fail "$2: the staging folder $f was left"
  done
}

# expect_in LOG TEXT WHAT
expect_in() {
  grep -qF -- "$2" "$1" || { cat "$1"; fail "$3: the messages lack '$2'"; }
}

identical() {
  ks=${*:-1 2 3 5}
  run_one "$work/one"
  last=$(echo "$ks" | awk '{print $NF}')
  for k in $ks; do
    threads=1
    [ "$k" = "$last" ] && threads=2
    start=$(date +%s)
    if ! mpi -np "$k" "$bin" run "$config" --out "$work/np$k" --paths "$paths" \
      --threads "$threads" --quiet >"$work/np$k.log" 2>&1; then
      cat "$work/np$k.log"
      fail "mpirun -np $k failed"
      continue
    fi
    same "$work/np$k" "$work/one" "mpirun -np $k (threads $threads)"
    if [ "$k" -gt 1 ]; then
      grep -q "\"mpi_ranks\":[[:space:]]*$k" "$work/np$k/run.json" ||
        fail "mpirun -np $k: run.json does not say mpi_ranks $k"
    fi
    echo "mpirun -np $k, $threads thread(s) each: the bytes of one process ($(($(date +%s) - start)) s)"
  done
  # --resume with nothing to resume: every process starts afresh.
  if mpi -np 2 "$bin" run "$config" --out "$work/fresh" --paths "$paths" --threads 1 --quiet \
    --resume >"$work/fresh.log" 2>&1; then
    same "$work/fresh" "$work/one" "mpirun -np 2 --resume with no checkpoint"
    expect_in "$work/fresh.log" "nothing to resume" "mpirun -np 2 --resume with no checkpoint"
    echo "mpirun -np 2 --resume with no checkpoint: starts afresh, the bytes of one process"
  else
    cat "$work/fresh.log"
    fail "mpirun -np 2 --resume with no checkpoint failed"
  fi
}

# The ranks (the children of mpirun $1), once all $2 have stopped (SIGSTOP
# at a pause point); gives up after 120 s.
stopped_ranks() {
  tries=0
  while [ $tries -lt 1200 ]; do
    ranks=$(pgrep -P "$1")
    n=0
    for p in $ranks; do
      [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && n=$((n + 1))
    done
    [ "$n" -eq "$2" ] && { echo "$ranks"; return 0; }
    sleep 0.1
    tries=$((tries + 1))
  done
  return 1
}

failures() {
  # A rank whose output folder cannot be written: rank 1's --out is under a
  # file, so its first checkpoint fails (exit 1) while rank 0 runs on.
  out=$work/io
  : >"$work/a-file"
  args="run $config --paths $paths --threads 1 --quiet --checkpoint-every 0.000001"
  # shellcheck disable=SC2086
  mpi -np 1 "$bin" $args --out "$out" : -np 1 "$bin" $args --out "$work/a-file/sub" \
    >"$work/io.log" 2>&1
  rc=$?
  [ $rc -ne 0 ] || fail "a rank that cannot write its checkpoint: the job exited 0"
  nothing_written "$out" "a rank that cannot write its checkpoint"
  expect_in "$work/io.log" "rank 1 of 2" "a rank that cannot write its checkpoint"
  expect_in "$work/io.log" "a-file/sub" "a rank that cannot write its checkpoint"
  echo "a rank that cannot write its checkpoint: exit $rc, no results"

  # A rank that fails once its part is done (the testing aid).
  out=$work/late
  mpi -np 3 -x TRUSTRISK_TEST_FAIL_RANK=2 "$bin" run "$config" --out "$out" \
    --paths "$paths" --threads 1 --quiet >"$work/late.log" 2>&1
  rc=$?
  [ $rc -ne 0 ] || fail "a rank failing after its part: the job exited 0"
  nothing_written "$out" "a rank failing after its part"
  expect_in "$work/late.log" "rank 2 of 3" "a rank failing after its part"
  echo "a rank failing after its part: exit $rc, no results"

  # SIGTERM to every rank while each writes its first checkpoint: exit 3,
  # each rank's checkpoint, the command that resumes. 40 blocks, so that
  # every rank has more than one round of work.
  paths=40960
  run_one "$work/one40"
  out=$work/stop
  # (mpirun itself in the background, not mpi(), so that $! is mpirun's)
  mpirun --oversubscribe --allow-run-as-root -np 2 -x TRUSTRISK_TEST_PAUSE=replacing \
    "$bin" run "$config" --out "$out" \
    --paths "$paths" --threads 1 --quiet --checkpoint-every 0.000001 >"$work/stop.log" 2>&1 &
  job=$!
  if ranks=$(stopped_ranks $job 2); then
    for p in $ranks; do kill -TERM "$p"; done
    while kill -0 $job 2>/dev/null; do # on through the pauses of the final checkpoints
      for p in $(pgrep -P $job); do kill -CONT "$p" 2>/dev/null; done
      sleep 0.05
    done
  else
    for p in $(pgrep -P $job); do kill -KILL "$p"; done
    kill -KILL $job
    wait $job
    cat "$work/stop.log"
    fail "the ranks never paused at their first checkpoint"
    return
  fi
  wait $job
  rc=$?
  if [ $rc -ne 3 ]; then
    cat "$work/stop.log"
    fail "SIGTERM: exit $rc, not 3"
    return
  fi
  for r in 0 1; do
    [ -s "$out/checkpoint-$r-of-2.trs" ] || fail "SIGTERM: rank $r saved no checkpoint"
  done
  nothing_written "$out" "SIGTERM"
  expect_in "$work/stop.log" "interrupted by SIGTERM" "SIGTERM"
  cmd=$(grep -- '^  mpirun -np 2 .* --resume$' "$work/stop.log" | head -n 1)
  [ -n "$cmd" ] || { cat "$work/stop.log"; fail "SIGTERM: no 'mpirun -np 2 ... --resume' printed"; }
  echo "SIGTERM: exit 3, both checkpoints saved"

  # One rank's checkpoint damaged: the resume fails (exit 2), naming it.
  cp "$out/checkpoint-1-of-2.trs" "$work/saved.trs"
  printf 'X' | dd of="$out/checkpoint-1-of-2.trs" bs=1 seek=200 conv=notrunc 2>/dev/null
  sh -c "$cmd" >"$work/damaged.log" 2>&1
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/damaged.log"; fail "a damaged checkpoint: exit $rc, not 2"; }
  nothing_written "$out" "a damaged checkpoint"
  expect_in "$work/damaged.log" "checkpoint-1-of-2.trs" "a damaged checkpoint"
  echo "a damaged checkpoint at --resume: exit $rc, no results"

  # The command as printed, with the checkpoint restored: one process's bytes.
  cp "$work/saved.trs" "$out/checkpoint-1-of-2.trs"
  if sh -c "$cmd" >"$work/resume.log" 2>&1; then
    same "$out" "$work/one40" "resumed under mpirun -np 2"
    echo "resumed as printed: the bytes of one process"
  else
    cat "$work/resume.log"
    fail "the printed resume command failed"
  fi

  # Only run and batch spread over MPI processes, and not with --shard.
  mpi -np 2 "$bin" merge "$work/one40" --out "$work/m" >"$work/merge.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] || [ -e "$work/m" ]; then fail "merge under mpirun: exit $rc"; fi
  expect_in "$work/merge.log" "only run and batch spread their work over MPI" "merge under mpirun"
  mpi -np 2 "$bin" run "$config" --shard 0/2 --out "$work/sh" >"$work/shard.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] || [ -e "$work/sh" ]; then fail "--shard under mpirun: exit $rc"; fi
  expect_in "$work/shard.log" "--shard: under mpirun" "--shard under mpirun"
  echo "merge and --shard under mpirun: refused"
}

case $mode in
identical) identical "$@" ;;
failures) failures ;;
*) echo "usage: $0 identical|failures BIN CONFIG HAVE_MPI [K...]"; exit 2 ;;
esac
[ $status -eq 0 ] && echo "mpi $mode: passed"
exit $status
