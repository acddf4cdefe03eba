#!/usr/bin/env python3
"""Check docs/schemas/ against the engine (a CTest test).

    python3 tests/check_schemas.py --source SRC --binary BUILD/trustrisk

1. The committed schemas are what docs/schemas/make_schemas.py writes, they
   are valid draft 2020-12 schemas, and every property has a description.
2. Every bundled config (configs/, bench/credit.json, tests/data/valid/,
   the fuzz corpus's valid-*.json) validates against config.schema.json
   (bench/national.json, 4,394 schemes, would take the validator seconds).
3. Fresh results.json files (three bundled configs, one importance-sampled, run by the real binary)
   validate against results.schema.json.
4. The loader and the schema agree on tests/invalid/*.json and
   tests/data/schemas/config-*.json: every file the loader refuses is refused
   by the schema, or listed in docs/schemas/NOT-EXPRESSIBLE.md with the rule
   the schema cannot state; no listed file is refused by the schema; the
   config-valid-* files pass both.
5. tests/data/schemas/manifest-valid-*.json pass manifest.schema.json and
   manifest-invalid-*.json fail it; the bundled manifests (configs/batches/)
   pass it and `trustrisk scenario` accepts them, and the overlay files they
   name pass the schema's overlay definition.
6. Fresh comparison.json files (`trustrisk batch` of each bundled manifest,
   and of the first on a single path, whose standard errors are null)
   validate against comparison.schema.json.
7. Fresh sensitivity.json files (`trustrisk sensitivity` of
   configs/example.json, also on a single path) validate against
   sensitivity.schema.json.
In 6 and 7, broken copies of the fresh files (a field removed, a misspelt
key added, a wrong type, a null where the engine writes a number, ...) must
be refused, so that a schema that accepts anything fails the test.

Every failure is printed; the exit status is 1 if there was any. It needs
Debian's python3-jsonschema (draft 2020-12 support: version 4 or later).
"""
import argparse
import copy
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg)


def strict_json(path):
    """Parse as the engine does: UTF-8 (a BOM allowed), no NaN/Infinity, no
    duplicate keys. Raises ValueError for anything that is not such JSON."""
    with open(path, "rb") as f:
        data = f.read()

    def pairs(items):
        seen = set()
        for k, _ in items:
            if k in seen:
                raise ValueError("duplicate key %r" % k)
            seen.add(k)
        return dict(items)

    def constant(c):
        raise ValueError("non-finite number %s" % c)

    return json.loads(data.decode("utf-8-sig"), object_pairs_hook=pairs, parse_constant=constant)


def first_error(validator, doc):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if not errors:
        return None
    e = errors[0]
    where = "/".join(str(p) for p in e.path) or "(top)"
    return "%s: %s" % (where, e.message[:160])


def loader_rejects(binary, path):
    r = subprocess.run([binary, "validate", path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if r.returncode not in (0, 2):
        fail("%s: trustrisk validate exited %d" % (path, r.returncode))
    return r.returncode == 2


def listed_not_expressible(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*`([^`]+\.json)`\s*\|\s*(.+?)\s*\|\s*$", line)
            if m:
                rows[m.group(1)] = m.group(2)
    return rows


def refuses(validator, doc, what, broken):
    """Each of `broken` (a description and a function that breaks a copy of
    doc) must make the validator refuse the copy; doc itself must pass."""
    err = first_error(validator, doc)
    if err:
        fail("%s does not validate: %s" % (what, err))
        return
    for desc, breaks in broken:
        bad = copy.deepcopy(doc)
        try:
            breaks(bad)
        except (LookupError, StopIteration):
            fail("%s has nothing to break for the check %r" % (what, desc))
            continue
        if not first_error(validator, bad):
            fail("%s validates with %s, but should not" % (what, desc))


def items_in(cmp_doc, only):
    """The trusts and consortia of a comparison.json in only one scenario
    (only False: in both)."""
    return [it for c in cmp_doc["comparisons"] for kind in ("trusts", "consortia")
            for it in c[kind] if (it["in"] != "both") == only]


def ranked(sens_doc):
    """The first ranked bump of a sensitivity.json."""
    qs = list(sens_doc["system"].values()) + [t[q] for t in sens_doc["trusts"]
                                              for q in ("p_fail", "bailout")]
    return next(r for q in qs for r in q["ranking"])


def bump_of(sens_doc, kind):
    return next(b for b in sens_doc["bumps"] if b["kind"] == kind)


def change(get, key, value=None, remove=False):
    """A way to break a document: set get(doc)[key] to value (value(old
    object) when callable), or remove the key."""
    def breaks(doc):
        where = get(doc)
        if remove:
            del where[key]
        else:
            where[key] = value(where) if callable(value) else value
    return breaks


def top(doc):
    return doc


def cmp_failures(doc):
    return doc["comparisons"][0]["system"]["failures"]


def cmp_both(doc):
    return items_in(doc, False)[0]


def cmp_alone(doc):
    return items_in(doc, True)[0]


def quantities_of_alone(doc):
    """An item in only one scenario given numbers, as if it were in both."""
    it = cmp_alone(doc)
    for k in it:
        if k not in ("id", "name", "in"):
            it[k] = copy.deepcopy(cmp_failures(doc))


def broken_comparisons(doc):
    """How to break a comparison.json; the schema must refuse each."""
    q = "bailout" if "bailout" in cmp_both(doc) else "paid"
    return [
        ("batch.sha256 removed", change(lambda d: d["batch"], "sha256", remove=True)),
        ("se removed from a quantity", change(cmp_failures, "se", remove=True)),
        ("a comparison's consortia removed",
         change(lambda d: d["comparisons"][0], "consortia", remove=True)),
        ("a misspelt key se_unpiared in a quantity", change(cmp_failures, "se_unpiared", 0.1)),
        ("a misspelt top-level key comparison", change(top, "comparison", [])),
        ("a misspelt key p_fial in a trust", change(cmp_both, "p_fial", None)),
        ("paths as a string", change(top, "paths", lambda d: str(d["paths"]))),
        ("paths not whole", change(top, "paths", lambda d: d["paths"] + 0.5)),
        ("a null delta", change(cmp_failures, "delta", None)),
        ("a negative se", change(cmp_failures, "se", -0.1)),
        ("ci95 with one number", change(cmp_failures, "ci95", lambda o: o["ci95"][:1])),
        ("a scenario's notes as a number", change(lambda d: d["scenarios"][0], "notes", 1)),
        ("a config_sha256 in capitals", change(lambda d: d["scenarios"][0], "config_sha256",
                                               lambda o: o["config_sha256"].upper())),
        ("in as neither", change(cmp_both, "in", "neither")),
        ("a null %s of an item in both scenarios" % q, change(cmp_both, q, None)),
        ("numbers for an item in only one scenario", quantities_of_alone),
    ]


def first_bump(doc):
    return doc["bumps"][0]


def bump_of(kind):
    return lambda doc: next(b for b in doc["bumps"] if b["kind"] == kind)


def broken_sensitivities(doc):
    """How to break a sensitivity.json; the schema must refuse each."""
    return [
        ("capped removed from a bump", change(first_bump, "capped", remove=True)),
        ("horizon_months removed", change(top, "horizon_months", remove=True)),
        ("a reason in a bump that ran", change(first_bump, "reason", "none")),
        ("capped in a skipped bump", change(lambda d: d["skipped"][0], "capped", False)),
        ("a misspelt key within_nosie in a ranking", change(ranked, "within_nosie", True)),
        ("a misspelt key size in sizes", change(lambda d: d["sizes"], "size", 0.1)),
        ("unchanged as a string",
         change(lambda d: d["system"]["failures"], "unchanged", "0")),
        ("rank 0", change(ranked, "rank", 0)),
        ("within_noise as 1", change(ranked, "within_noise", 1)),
        ("a negative se_unpaired", change(ranked, "se_unpaired", -1.0)),
        ("a kind misspelt cost-growth", change(first_bump, "kind", "cost-growth")),
        ("a reserve bump with another kind's id",
         change(bump_of("reserve"), "id", lambda b: "cost_growth:" + b["id"].split(":", 1)[1])),
        ("a reserve bump naming a trust", change(bump_of("reserve"), "trust", "a-trust")),
        ("a scheme's bump without its scheme", change(bump_of("delivery"), "scheme", None)),
        ("sizes.slippage 1, outside (1, 100]", change(lambda d: d["sizes"], "slippage", 1)),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True, help="the source tree")
    ap.add_argument("--binary", required=True, help="the trustrisk command")
    args = ap.parse_args()
    src = args.source
    sys.setrecursionlimit(100000)  # tests/invalid/14-deep-nesting.json
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        print("FAIL: python3-jsonschema with draft 2020-12 support is not installed "
              "(Debian: apt-get install python3-jsonschema; .ci/setup installs it)")
        return 1

    sdir = os.path.join(src, "docs", "schemas")
    # 1. up to date, valid, described
    spec = importlib.util.spec_from_file_location("make_schemas",
                                                  os.path.join(sdir, "make_schemas.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    schemas = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(sdir, "make_schemas.py"), tmp], check=True)
        names = ("config", "manifest", "results", "comparison", "sensitivity")
        written = sorted(os.listdir(tmp))
        committed = sorted(os.path.basename(p)
                           for p in glob.glob(os.path.join(sdir, "*.schema.json")))
        if written != committed or written != sorted(n + ".schema.json" for n in names):
            fail("make_schemas.py writes %s, docs/schemas/ holds %s and this test checks %s"
                 % (written, committed, sorted(n + ".schema.json" for n in names)))
        for name in names:
            fname = name + ".schema.json"
            path = os.path.join(sdir, fname)
            if not os.path.exists(path):  # reported above: check what the script writes
                path = os.path.join(tmp, fname)
                if not os.path.exists(path):
                    print("%d failures" % len(FAILURES))
                    return 1
            with open(os.path.join(tmp, fname), "rb") as a, open(path, "rb") as b:
                if a.read() != b.read():
                    fail("docs/schemas/%s is not what make_schemas.py writes: run "
                         "python3 docs/schemas/make_schemas.py" % fname)
            with open(path, encoding="utf-8") as f:
                schemas[name] = json.load(f)
            try:
                Draft202012Validator.check_schema(schemas[name])
            except Exception as e:  # jsonschema.SchemaError
                fail("%s is not a valid draft 2020-12 schema: %s" % (fname, e))
            missing = [m for m in gen.check_descriptions(schemas[name])
                       if not re.search(r"/(if|then|else)/", m)]
            if missing:
                fail("%s: properties without a description: %s" % (fname, ", ".join(missing)))
    config = Draft202012Validator(schemas["config"])
    manifest = Draft202012Validator(schemas["manifest"])
    results = Draft202012Validator(schemas["results"])
    comparison = Draft202012Validator(schemas["comparison"])
    sensitivity = Draft202012Validator(schemas["sensitivity"])

    # 2. bundled configs
    valid = sorted(glob.glob(os.path.join(src, "configs", "*.json")) +
                   glob.glob(os.path.join(src, "bench", "credit.json")) +
                   glob.glob(os.path.join(src, "tests", "data", "valid", "*.json")) +
                   glob.glob(os.path.join(src, "tests", "fuzz", "corpus", "valid-*.json")))
    if len(valid) < 6:
        fail("found only %d bundled configs" % len(valid))
    for path in valid:
        err = first_error(config, strict_json(path))
        if err:
            fail("%s does not validate against config.schema.json: %s" % (path, err))

    # 3. fresh results
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("example", "south-london-2012", "rare-events"):
            out = os.path.join(tmp, name)
            subprocess.run([args.binary, "run", os.path.join(src, "configs", name + ".json"),
                            "--paths", "2000", "--quiet", "--out", out],
                           check=True, stdout=subprocess.DEVNULL)
            err = first_error(results, strict_json(os.path.join(out, "results.json")))
            if err:
                fail("results.json of configs/%s.json does not validate: %s" % (name, err))
        # a run with a precision target (results.json's "precision")
        out = os.path.join(tmp, "target")
        subprocess.run([args.binary, "run", os.path.join(src, "configs", "example.json"),
                        "--paths", "20000", "--target-se", "0.01", "--quiet", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        doc = strict_json(os.path.join(out, "results.json"))
        if "precision" not in doc:
            fail("a run with --target-se wrote no precision object")
        err = first_error(results, doc)
        if err:
            fail("results.json of a run with a precision target does not validate: %s" % err)

    # 4. loader and schema agree
    listed = listed_not_expressible(os.path.join(sdir, "NOT-EXPRESSIBLE.md"))
    cases = sorted(glob.glob(os.path.join(src, "tests", "invalid", "*.json")) +
                   glob.glob(os.path.join(src, "tests", "data", "schemas", "config-*.json")))
    if len(cases) < 90:
        fail("found only %d invalid-corpus files" % len(cases))
    seen_listed = set()
    for path in cases:
        name = os.path.basename(path)
        should_pass = name.startswith("config-valid-")
        refused = loader_rejects(args.binary, path)
        if refused == should_pass:
            fail("%s: the loader %s it" % (name, "refuses" if refused else "accepts"))
            continue
        try:
            doc = strict_json(path)
            err = first_error(config, doc)
        except (ValueError, RecursionError) as e:
            doc, err = None, "not JSON (%s)" % str(e)[:80]
        if should_pass:
            if err:
                fail("%s: the loader accepts it, the schema refuses it: %s" % (name, err))
        elif name in listed:
            seen_listed.add(name)
            if doc is not None and err:
                fail("%s is listed in NOT-EXPRESSIBLE.md, but the schema refuses it (%s): "
                     "remove it from the list" % (name, err))
        elif not err:
            fail("%s: the loader refuses it, the schema accepts it; make the schema refuse "
                 "it or list it in docs/schemas/NOT-EXPRESSIBLE.md with the rule" % name)
        elif doc is None:
            fail("%s: %s; list it in docs/schemas/NOT-EXPRESSIBLE.md" % (name, err))
    for name in sorted(set(listed) - seen_listed):
        fail("NOT-EXPRESSIBLE.md lists %s, which is not in the corpus" % name)

    # 5. manifests
    checked_overlays = []
    mcases = sorted(glob.glob(os.path.join(src, "tests", "data", "schemas", "manifest-*.json")))
    if len(mcases) < 4:
        fail("found only %d manifest examples" % len(mcases))
    for path in mcases:
        name = os.path.basename(path)
        err = first_error(manifest, strict_json(path))
        if name.startswith("manifest-valid-") and err:
            fail("%s does not validate against manifest.schema.json: %s" % (name, err))
        if name.startswith("manifest-invalid-") and not err:
            fail("%s validates against manifest.schema.json but should not" % name)

    # the bundled batches: the schema and the engine agree they are valid
    bundled = sorted(glob.glob(os.path.join(src, "configs", "batches", "*.json")))
    if not bundled:
        fail("no bundled manifest in configs/batches/")
    overlay = Draft202012Validator({"$schema": schemas["manifest"]["$schema"],
                                    "$defs": schemas["manifest"]["$defs"],
                                    "$ref": "#/$defs/overlay"})
    for path in bundled:
        doc = strict_json(path)
        err = first_error(manifest, doc)
        if err:
            fail("%s does not validate against manifest.schema.json: %s" % (path, err))
        r = subprocess.run([args.binary, "scenario", path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail("trustrisk scenario %s exited %d: %s" % (path, r.returncode, r.stderr[:400]))
        for sc in doc.get("scenarios", []):
            if "overlay_file" not in sc:
                continue
            ofile = os.path.join(os.path.dirname(path), sc["overlay_file"])
            err = first_error(overlay, strict_json(ofile))
            if err:
                fail("%s (overlay of %s) does not validate against the manifest schema's "
                     "overlay: %s" % (ofile, sc["id"], err))
            checked_overlays.append(ofile)

    # 6. fresh comparison.json: every bundled batch, and the first on one path
    fresh = 0
    with tempfile.TemporaryDirectory() as tmp:
        alone = 0
        runs = [(p, "2000") for p in bundled] + [(p, "1") for p in bundled[:1]]
        for k, (path, paths) in enumerate(runs):
            out = os.path.join(tmp, "b%d" % k)
            subprocess.run([args.binary, "batch", path, "--paths", paths, "--quiet", "--out",
                            out], check=True, stdout=subprocess.DEVNULL)
            doc = strict_json(os.path.join(out, "comparison.json"))
            what = "comparison.json of %s on %s paths" % (os.path.basename(path), paths)
            refuses(comparison, doc, what, broken_comparisons(doc))
            alone += len(items_in(doc, True))
            fresh += 1
            if paths == "1" and doc["comparisons"] and \
                    doc["comparisons"][0]["system"]["failures"]["se"] is not None:
                fail("%s: a standard error from a single path is not null" % what)
        if not alone:
            fail("no bundled batch has a trust or consortium in only one scenario, so the "
                 "schema's null quantities are not checked against the engine")

    # 7. fresh sensitivity.json
    with tempfile.TemporaryDirectory() as tmp:
        for paths in ("2000", "1"):
            out = os.path.join(tmp, "s" + paths)
            subprocess.run([args.binary, "sensitivity", os.path.join(src, "configs",
                                                                    "example.json"),
                            "--paths", paths, "--quiet", "--out", out],
                           check=True, stdout=subprocess.DEVNULL)
            doc = strict_json(os.path.join(out, "sensitivity.json"))
            what = "sensitivity.json of configs/example.json on %s paths" % paths
            refuses(sensitivity, doc, what, broken_sensitivities(doc))
            fresh += 1
            if paths == "1" and ranked(doc)["se"] is not None:
                fail("%s: a standard error from a single path is not null" % what)

    checked = len(valid) + 2 + len(cases) + len(mcases) + len(bundled) + len(checked_overlays)
    checked += fresh
    print("%d files checked, %d failures" % (checked, len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
