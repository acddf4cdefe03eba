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

Every failure is printed; the exit status is 1 if there was any. It needs
Debian's python3-jsonschema (draft 2020-12 support: version 4 or later).
"""
import argparse
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
        for name in ("config", "manifest", "results"):
            fname = name + ".schema.json"
            with open(os.path.join(tmp, fname), "rb") as a, \
                    open(os.path.join(sdir, fname), "rb") as b:
                if a.read() != b.read():
                    fail("docs/schemas/%s is not what make_schemas.py writes: run "
                         "python3 docs/schemas/make_schemas.py" % fname)
            with open(os.path.join(sdir, fname), encoding="utf-8") as f:
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

    checked = len(valid) + 2 + len(cases) + len(mcases) + len(bundled) + len(checked_overlays)
    print("%d files checked, %d failures" % (checked, len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
