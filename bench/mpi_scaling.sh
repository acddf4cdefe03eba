#!/usr/bin/env bash
# bench/mpi_scaling.sh - the national workload over 1..K MPI ranks x 1..T
# threads on this machine (issue 12), and what a 10^7-path national run
# would take on a cluster of 16-core nodes.
#
#   bench/mpi_scaling.sh [TRUSTRISK] [--ranks K] [--threads T] [--paths N] [--nodes "1 4 16"]
#
# TRUSTRISK is a build of the command with MPI (default build/trustrisk).
# Each cell runs `mpirun -np R trustrisk run bench/national.json --threads
# t --paths N` once and reads its wall time; efficiency is the 1 x 1 time
# over (R x t x the cell's time). The projection is arithmetic, not a
# measurement, and is marked as such: the fixed cost of one process (a run
# of one path) plus 10^7 paths at the measured per-core rate of the 1 x 1
# run, divided by 16 cores a node times the nodes times the best efficiency
# measured here at the largest R x t (a cluster's interconnect adds only
# the final gather of a few megabytes of state per rank).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/trustrisk
ranks=2 threads=2 paths=8192 nodes="1 4 16"
while [ $# -gt 0 ]; do
  case $1 in
    --ranks) ranks=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --paths) paths=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) bin=$1; shift ;;
  esac
done
command -v mpirun >/dev/null || { echo "mpi_scaling: mpirun not found (apt install openmpi-bin)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated \
  OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg=$root/bench/national.json

wall() { # ranks threads paths -> seconds of wall time
  local t0 t1
  t0=$(date +%s.%N)
  mpirun --oversubscribe -np "$1" "$bin" run "$cfg" --threads "$2" --paths "$3" \
    --out "$tmp/o-$1-$2-$3" --quiet --checkpoint-every 0 >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

fixed=$(wall 1 1 1)
for r in $(seq 1 "$ranks"); do
  for h in $(seq 1 "$threads"); do
    echo "$r $h $(wall "$r" "$h" "$paths")" >>"$tmp/cells"
  done
done
cmp -s "$tmp/o-1-1-$paths/results.json" "$tmp/o-$ranks-$threads-$paths/results.json" ||
  { echo "mpi_scaling: results.json differs between 1 x 1 and $ranks x $threads" >&2; exit 1; }

python3 - "$fixed" "$paths" "$ranks" "$threads" "$nodes" "$tmp/cells" <<'EOF'
import sys
fixed, paths, R, T = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
nodes = [int(x) for x in sys.argv[5].split()]
t = {}
for line in open(sys.argv[6]):
    r, h, x = line.split(); t[(int(r), int(h))] = float(x)
base = t[(1, 1)]
print("national workload, %d paths, wall seconds (efficiency against 1 rank x 1 thread)" % paths)
print("ranks \\ threads " + "".join("%16d" % h for h in range(1, T + 1)))
for r in range(1, R + 1):
    print("%15d " % r + "".join("%9.2f (%3.0f%%)" % (t[(r, h)], 100 * base / (r * h * t[(r, h)]))
                                 for h in range(1, T + 1)))
per_path = (base - fixed) / paths
eff = base / (R * T * t[(R, T)])
print("fixed cost of one process: %.2f s; per path on one core: %.2f us; efficiency at %d x %d: %.0f%%"
      % (fixed, 1e6 * per_path, R, T, 100 * eff))
print("projection (arithmetic, not measured): 10^7 national paths on 16-core nodes")
for n in nodes:
    print("  %3d node(s): %8.1f s" % (n, fixed + 1e7 * per_path / (16 * n * eff)))
print("results.json: the same bytes at 1 x 1 and %d x %d" % (R, T))
EOF
