#!/bin/sh
# Check the man page (a CTest test):
#   tests/check_manpage.sh docs/trustrisk.1 BUILD/trustrisk
# 1. groff renders it with every warning on (-ww) and prints nothing;
# 2. every command listed by `trustrisk --help` has its own subsection
#    (.SS "command ...") and every --option of the help is in the page.
# Exits 1, naming every problem, if anything is missing.
set -u
page=$1
bin=$2
status=0
if ! command -v groff >/dev/null 2>&1; then
  echo "FAIL: groff is not installed (Debian: apt-get install groff-base; .ci/setup installs it)"
  exit 1
fi
warnings=$(groff -man -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
  echo "FAIL: groff -man -ww warns about $page:"
  echo "$warnings"
  status=1
fi
help=$("$bin" --help) || { echo "FAIL: $bin --help failed"; exit 1; }
commands=$(printf '%s\n' "$help" | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$commands" ] || { echo "FAIL: no commands found in trustrisk --help"; exit 1; }
n=0
for c in $commands; do
  n=$((n + 1))
  if ! grep -q "^\.SS \"$c" "$page"; then
    echo "FAIL: command '$c' (in trustrisk --help) has no .SS subsection in $page"
    status=1
  fi
done
for o in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  name=${o#--}
  if ! grep -q -- "\\\\-\\\\-$name\\b" "$page"; then
    echo "FAIL: option '$o' (in trustrisk --help) is not in $page"
    status=1
  fi
done
[ $status -eq 0 ] && echo "man page: renders without warnings; $n commands and every option documented"
exit $status
