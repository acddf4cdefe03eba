#!/usr/bin/env bash
# Mutation testing: apply every mutant in tests/mutation/mutants.txt to a
# temporary copy of the working tree, rebuild, run the whole test suite, and
# report which mutants the tests failed to notice. The real tree is never
# modified. `tests/mutation/run.sh --help` lists the options; the work is
# done by mutate.py beside this script (python3, standard library only).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "mutation: python3 is needed (apt-get install python3)" >&2
    exit 2
fi
exec python3 "$here/mutate.py" "$@"
