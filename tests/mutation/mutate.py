#!/usr/bin/env python3
"""Mutation testing for trustrisk (driven by tests/mutation/run.sh).

Each mutant in the list is a one-line change a tired engineer could make.
The working tree (tracked files and untracked ones git does not ignore) is
copied into a temporary folder, built once (Release, no benchmark) and
tested once; then every mutant is applied there in turn, the build is
brought up to date, the whole CTest suite is run, and the file is restored.
A mutant is KILLED when any test fails or times out, SURVIVED when every
test passes, STALE when its original text no longer occurs exactly once in
its file (the list needs updating after a refactor), and BUILD-FAIL when it
does not compile. The real working tree is never written to.

The score is killed / (total - stale - build-fail). The exit status is 0 when
it reaches --min-score, 1 when it does not, 2 on a usage error or when the
unmutated suite fails.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ("id", "file", "desc", "from", "to", "equivalent")
REQUIRED = ("id", "file", "desc", "from", "to")
QUICK_SECONDS = 5.0  # --quick: tests faster than this (unmutated) run first


class Abort(Exception):
    """Stop the run (a signal, or the unmutated suite failing)."""


def die(msg, code=2):
    print("mutation: " + msg, file=sys.stderr)
    sys.exit(code)


# ---- the list ---------------------------------------------------------------


def parse_mutants(path):
    """Blocks of `key: value` lines separated by blank lines; # starts a comment
    line. Values are trimmed; `to:` may be empty."""
    try:
        with open(path, encoding="utf-8") as fp:
            lines = fp.read().split("\n")
    except OSError as e:
        die("cannot read %s: %s" % (path, e.strerror))
    mutants, cur, errors = [], None, []

    def close(cur):
        if cur is None:
            return
        missing = [k for k in REQUIRED if k not in cur]
        if missing:
            errors.append("%s:%d: missing %s" % (path, cur["line"], ", ".join(missing)))
        elif cur["from"] == "":
            errors.append("%s:%d: empty from:" % (path, cur["line"]))
        elif cur["from"] == cur["to"]:
            errors.append("%s:%d: from: and to: are the same" % (path, cur["line"]))
        else:
            mutants.append(cur)

    for no, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if line.strip() == "":
            close(cur)
            cur = None
            continue
        m = re.match(r"([a-z]+):(.*)$", line)
        if not m or m.group(1) not in KEYS:
            errors.append("%s:%d: expected one of %s followed by ':'" % (path, no, ", ".join(KEYS)))
            continue
        if cur is None:
            cur = {"line": no}
        key = m.group(1)
        if key in cur:
            errors.append("%s:%d: %s: given twice" % (path, no, key))
        cur[key] = m.group(2).strip()
    close(cur)
    seen = set()
    for m in mutants:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", m["id"]):
            errors.append("%s:%d: bad id %r (letters, digits, . _ -)" % (path, m["line"], m["id"]))
        if m["id"] in seen:
            errors.append("%s:%d: id %s used twice" % (path, m["line"], m["id"]))
        seen.add(m["id"])
    if errors:
        die("bad mutant list:\n  " + "\n  ".join(errors))
    return mutants


def occurrences(root, m):
    """How often m's original text occurs in its file under root (-1: no file)."""
    try:
        with open(os.path.join(root, m["file"]), encoding="utf-8", newline="") as fp:
            return fp.read().count(m["from"])
    except OSError:
        return -1


def moved_to(root, m):
    """Other files beside m's (same folder, recursively) that hold its original
    text exactly once: where it probably went in a refactor."""
    top = os.path.join(root, os.path.dirname(m["file"]) or ".")
    found = []
    for d, _, names in os.walk(top):
        for n in sorted(names):
            f = os.path.join(d, n)
            rel = os.path.relpath(f, root)
            if rel == m["file"] or not n.endswith((".c", ".h")):
                continue
            try:
                with open(f, encoding="utf-8", newline="") as fp:
                    if fp.read().count(m["from"]) == 1:
                        found.append(rel)
            except (OSError, UnicodeDecodeError):
                pass
    return found


def stale_reason(root, m, n):
    why = "no such file" if n < 0 else "original text found %d times (must be exactly once)" % n
    moved = moved_to(root, m) if n <= 0 else []
    return why + ("; once in " + ", ".join(moved) if moved else "")


# ---- copying, building, testing ----------------------------------------------


def repo_root():
    r = subprocess.run(["git", "-C", HERE, "rev-parse", "--show-toplevel"],
                       capture_output=True, text=True)
    if r.returncode == 0:
        return r.stdout.strip(), True
    # Not a git checkout (an unpacked archive): the folder two levels up.
    return os.path.dirname(os.path.dirname(HERE)), False


def copy_tree(root, is_git, dst):
    """Tracked files and untracked ones git does not ignore (or, outside git,
    everything but build folders) into dst."""
    if is_git:
        r = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], capture_output=True, check=True)
        names = sorted({n for n in r.stdout.decode("utf-8", "surrogateescape").split("\0") if n})
        for n in names:
            src = os.path.join(root, n)
            if os.path.islink(src) or os.path.isfile(src):  # skips deleted files, submodules
                os.makedirs(os.path.dirname(os.path.join(dst, n)), exist_ok=True)
                shutil.copy2(src, os.path.join(dst, n), follow_symlinks=False)
    else:
        shutil.copytree(root, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", ".git", "out"))


class Runner:
    """Runs commands in their own process group so that an interrupted run
    leaves nothing behind."""

    def __init__(self):
        self.proc = None

    def run(self, cmd, log, timeout=None):
        with open(log, "w") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                rc = None
            finally:
                self.kill()
                self.proc = None
        return rc

    def kill(self):
        p = self.proc
        if p is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                continue
            # the leader is gone; stragglers in the group get SIGKILL below
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def parse_ctest(log, times=None):
    """(failed tests as 'name (why)', seconds of the slowest test) from a CTest log;
    each test's seconds into the dict `times` when given."""
    failed, slowest = [], 0.0
    try:
        text = open(log, errors="replace").read()
    except OSError:
        return ["(no ctest log)"], 0.0
    for m in re.finditer(r"Test\s+#\d+:\s+(\S+)\s+\.*\s*(.*?)\s+([0-9.]+) sec", text):
        slowest = max(slowest, float(m.group(3)))
        if times is not None:
            times[m.group(1)] = float(m.group(3))
    tail = text.split("The following tests FAILED:", 1)
    if len(tail) == 2:
        for line in tail[1].splitlines():
            m = re.match(r"\s*\d+ - (\S+) \((.+)\)\s*$", line)
            if m:
                why = m.group(2)
                failed.append(m.group(1) if why == "Failed" else "%s (%s)" % (m.group(1), why.lower()))
    return failed, slowest


# ---- reporting -----------------------------------------------------------------


def score_of(results):
    counted = [r for r in results if r["status"] in ("KILLED", "SURVIVED")]
    killed = sum(r["status"] == "KILLED" for r in counted)
    return killed, len(counted)


def write_summary(path, results, killed, counted, score):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    if path.endswith(".json"):
        with open(path, "w") as fp:
            json.dump({"killed": killed, "counted": counted, "score": score,
                       "mutants": results}, fp, indent=2)
            fp.write("\n")
        return
    with open(path, "w") as fp:
        fp.write("id\tfile\tstatus\tdetail\tseconds\tdescription\n")
        for r in results:
            fp.write("\t".join([r["id"], r["file"], r["status"], r["detail"].replace("\t", " "),
                                "%.1f" % r["seconds"], r["desc"]]) + "\n")


def print_table(results):
    w_id = max([len(r["id"]) for r in results] + [2])
    w_file = max([len(r["file"]) for r in results] + [4])
    print()
    print("%-*s  %-*s  %-10s  %s" % (w_id, "id", w_file, "file", "result", "description / detail"))
    for r in results:
        print("%-*s  %-*s  %-10s  %s" % (w_id, r["id"], w_file, r["file"], r["status"], r["desc"]))
        if r["detail"]:
            print("%-*s  %-*s  %-10s    %s" % (w_id, "", w_file, "", "", r["detail"]))


# ---- main ------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        prog="tests/mutation/run.sh",
        description="Apply each mutant of the list to a copy of the working tree, rebuild, run "
                    "the tests, and report which mutants survived.")
    ap.add_argument("--mutants", metavar="FILE",
                    help="the mutant list (default: tests/mutation/mutants.txt)")
    ap.add_argument("--only", metavar="ID[,ID]", help="run only these mutants")
    ap.add_argument("--list", action="store_true",
                    help="list the mutants and whether each still applies (exit 1 if any is "
                         "stale); build nothing")
    ap.add_argument("--jobs", type=int, default=2, metavar="N",
                    help="parallel build and test jobs (default 2)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary folder (build and per-mutant logs)")
    ap.add_argument("--min-score", type=float, default=0.9, metavar="S",
                    help="exit 1 when the score is below S (default 0.9)")
    ap.add_argument("--summary", metavar="FILE",
                    help="write a machine-readable summary: JSON if FILE ends in .json, else TSV")
    ap.add_argument("--timeout", type=float, metavar="SEC",
                    help="per-test timeout (default: 10 x the slowest unmutated test, at least 30)")
    ap.add_argument("--exclude", metavar="REGEX",
                    help="leave out the tests whose names match (ctest -E), unmutated and mutated")
    ap.add_argument("--quick", action="store_true",
                    help="run each mutant's fast tests (under %g s unmutated) first and the rest "
                         "only if they all pass: a mutant is KILLED by the first group that "
                         "fails" % QUICK_SECONDS)
    args = ap.parse_args()
    if args.jobs < 1:
        die("--jobs must be at least 1")

    root, is_git = repo_root()
    listing = args.mutants or os.path.join(root, "tests", "mutation", "mutants.txt")
    mutants = parse_mutants(listing)
    if args.only:
        want = [s for s in args.only.split(",") if s]
        known = {m["id"] for m in mutants}
        unknown = [s for s in want if s not in known]
        if unknown:
            die("unknown mutant id(s): " + ", ".join(unknown))
        mutants = [m for m in mutants if m["id"] in want]

    if args.list:
        stale = 0
        w = max([len(m["id"]) for m in mutants] + [2])
        for m in mutants:
            n = occurrences(root, m)
            stale += n != 1
            print("%-*s  %-18s %-6s %s" % (w, m["id"], m["file"], "ok" if n == 1 else "STALE",
                                           m["desc"]))
            if n != 1:
                print("%-*s  %s" % (w, "", stale_reason(root, m, n)))
        print("%d mutants, %d stale" % (len(mutants), stale))
        return 1 if stale else 0

    for tool in ("cmake", "ctest"):
        if shutil.which(tool) is None:
            die("%s is not installed" % tool)

    runner = Runner()

    def on_signal(signum, frame):
        raise Abort("interrupted by signal %d" % signum)

    # SIGINT explicitly too (a job started in the background inherits it
    # ignored); SIGHUP only when not ignored (nohup).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if sig != signal.SIGHUP or signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, on_signal)
    tmp = tempfile.mkdtemp(prefix="trustrisk-mutation-")
    src, build, logs = (os.path.join(tmp, d) for d in ("src", "build", "logs"))
    results = []
    try:
        os.makedirs(src)
        os.makedirs(logs)
        print("mutation: copying %s into %s" % (root, src), flush=True)
        copy_tree(root, is_git, src)
        gen = ["-G", "Ninja"] if shutil.which("ninja") else []
        rc = runner.run(["cmake", "-S", src, "-B", build] + gen +
                        ["-DCMAKE_BUILD_TYPE=Release", "-DTR_BUILD_BENCH=OFF", "-DTR_WERROR=OFF"],
                        os.path.join(logs, "configure.log"))
        if rc != 0:
            raise Abort("configuring failed; see %s/logs/configure.log (use --keep)" % tmp)
        build_cmd = ["cmake", "--build", build, "-j", str(args.jobs)]
        print("mutation: building (Release, %d jobs)" % args.jobs, flush=True)
        if runner.run(build_cmd, os.path.join(logs, "build.log")) != 0:
            raise Abort("the unmutated tree does not build; see logs/build.log (use --keep)")

        def ctest(log, timeout, only=None, times=None):
            cmd = ["ctest", "--test-dir", build, "-j", str(args.jobs)]
            if timeout:
                cmd += ["--timeout", "%g" % timeout]
            if args.exclude:
                cmd += ["-E", args.exclude]
            if only:
                cmd += ["-R", "^(%s)$" % "|".join(re.escape(t) for t in only)]
            rc = runner.run(cmd, log)
            failed, slowest = parse_ctest(log, times)
            if rc != 0 and not failed:
                failed = ["(ctest exit %s)" % rc]
            return failed, slowest

        print("mutation: running the unmutated suite", flush=True)
        t0 = time.time()
        times = {}
        failed, slowest = ctest(os.path.join(logs, "baseline.ctest.log"), args.timeout,
                                times=times)
        if failed:
            raise Abort("the unmutated suite fails (%s): fix that first, or leave it out "
                        "with --exclude" % ", ".join(failed))
        timeout = args.timeout or max(30.0, 10.0 * slowest)
        print("mutation: suite passes in %.1f s; per-test timeout %g s; %d mutants"
              % (time.time() - t0, timeout, len(mutants)), flush=True)
        # --quick: the fast tests first, then (only if they all pass) the rest
        groups = [None]
        if args.quick and times:
            fast = sorted(t for t, sec in times.items() if sec < QUICK_SECONDS)
            slow = sorted(t for t, sec in times.items() if sec >= QUICK_SECONDS)
            groups = [g for g in (fast, slow) if g]
            print("mutation: --quick: %d fast tests first, then %d slower ones"
                  % (len(fast), len(slow)), flush=True)

        for k, m in enumerate(mutants, 1):
            t0 = time.time()
            path = os.path.join(src, m["file"])
            r = {"id": m["id"], "file": m["file"], "desc": m["desc"], "status": "", "detail": "",
                 "seconds": 0.0}
            if m.get("equivalent"):
                r["equivalent"] = m["equivalent"]
            n = occurrences(src, m)
            if n != 1:
                r["status"] = "STALE"
                r["detail"] = stale_reason(src, m, n)
            else:
                with open(path, encoding="utf-8", newline="") as fp:
                    original = fp.read()
                try:
                    with open(path, "w", encoding="utf-8", newline="") as fp:
                        fp.write(original.replace(m["from"], m["to"], 1))
                    blog = os.path.join(logs, m["id"] + ".build.log")
                    if runner.run(build_cmd, blog, timeout=1800) != 0:
                        r["status"] = "BUILD-FAIL"
                        r["detail"] = "does not compile (see logs/%s.build.log with --keep)" % m["id"]
                    else:
                        failed = []
                        for g, only in enumerate(groups):
                            log = os.path.join(logs, "%s.ctest%s.log"
                                               % (m["id"], "" if g == 0 else str(g + 1)))
                            failed, _ = ctest(log, timeout, only)
                            if failed:
                                break
                        if failed:
                            r["status"] = "KILLED"
                            r["detail"] = "by " + ", ".join(failed)
                        else:
                            r["status"] = "SURVIVED"
                            if m.get("equivalent"):
                                r["detail"] = "equivalent: " + m["equivalent"]
                finally:
                    with open(path, "w", encoding="utf-8", newline="") as fp:
                        fp.write(original)
                if r["status"] == "KILLED" and m.get("equivalent"):
                    r["detail"] += "; NOTE: the list calls it equivalent, it is not"
            r["seconds"] = time.time() - t0
            results.append(r)
            print("[%d/%d] %s: %s (%.0f s)" % (k, len(mutants), m["id"],
                                             " ".join(x for x in (r["status"], r["detail"]) if x),
                                             r["seconds"]),
                  flush=True)
    except (Abort, KeyboardInterrupt) as e:
        runner.kill()
        msg = str(e) or "interrupted"
        print("\nmutation: %s" % msg, file=sys.stderr)
        if args.keep:
            print("mutation: kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        return 2
    except BaseException:
        runner.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    if args.keep:
        print("mutation: kept %s (src/, build/, logs/)" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)

    print_table(results)
    killed, counted = score_of(results)
    score = killed / counted if counted else 0.0
    stale = sum(r["status"] == "STALE" for r in results)
    bfail = sum(r["status"] == "BUILD-FAIL" for r in results)
    surv = [r for r in results if r["status"] == "SURVIVED"]
    unexplained = [r["id"] for r in surv if "equivalent" not in r]
    print()
    print("killed %d of %d (%d mutants, %d stale, %d build-fail): score %.1f %%"
          % (killed, counted, len(results), stale, bfail, 100.0 * score))
    if surv:
        print("survived: %d, of which %d explained as equivalent in the list"
              % (len(surv), len(surv) - len(unexplained)))
        if unexplained:
            print("unexplained survivors (each needs a test or a reason): %s"
                  % ", ".join(unexplained))
    if args.summary:
        write_summary(args.summary, results, killed, counted, score)
        print("summary written to %s" % args.summary)
    return 0 if counted and score >= args.min_score else 1


if __name__ == "__main__":
    sys.exit(main())
