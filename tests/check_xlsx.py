#!/usr/bin/env python3
"""Check the workbook `trustrisk run --xlsx` writes (a CTest test).

    python3 tests/check_xlsx.py --source SRC --binary BUILD/trustrisk

Runs the bundled example with --xlsx and opens OUT/results.xlsx with
openpyxl (Debian's python3-openpyxl):

1. the sheets, in order: Summary, Trusts, Consortia, Failure curves,
   Cash bands, Schemes, Exceedance;
2. the Summary's provenance first (version, config, its file and hash,
   seed, paths, date and time, threads), then the headline numbers;
3. every number of every sheet is a number cell equal to results.json's
   value (to the 16 significant digits an xlsx file keeps), with its
   display format (probabilities 0.0%, money #,##0.0, months 0), trusts
   ranked most at risk first, frozen header rows;
4. the charts, which openpyxl reads poorly, from the file's XML: four
   charts in the Summary's drawing (failure curves and expected failures
   as lines, exceedance as a scatter, the schemes' tornado as horizontal
   bars), their series referencing the right cells;
5. a run whose workbook fails leaves no workbook and no folder.

Exits 77 (CTest: skipped) when openpyxl is missing, 1 naming every failure.
"""
import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import zipfile

try:
    import openpyxl
except ImportError:
    print("skipped: python3-openpyxl is not installed (Debian: apt-get install python3-openpyxl)")
    sys.exit(77)

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg)


def same(cell, want, where, fmt=None):
    """A number cell holding `want` (None: an empty cell), shown with `fmt`."""
    v = cell.value
    if want is None:
        if v is not None:
            fail(f"{where}: expected an empty cell, got {v!r}")
        return
    if cell.data_type != "n" or not isinstance(v, (int, float)) or isinstance(v, bool):
        fail(f"{where}: expected the number {want!r}, got {v!r} ({cell.data_type})")
        return
    if not math.isclose(v, want, rel_tol=1e-15, abs_tol=1e-300):
        fail(f"{where}: {v!r} != results.json's {want!r}")
    if fmt is not None and cell.number_format != fmt:
        fail(f"{where}: number format {cell.number_format!r}, expected {fmt!r}")


def text(cell, want, where):
    if cell.value != want:
        fail(f"{where}: {cell.value!r}, expected {want!r}")


Q = ["0.5", "0.9", "0.95", "0.99", "0.995"]
ES = ["0.95", "0.99"]


def ranked(res):
    """Trusts most at risk first, as the report and the workbook rank them."""
    idx = list(range(len(res["trusts"])))

    def key(i):
        t = res["trusts"][i]
        p = t["p_fail"]["estimate"]
        b = t["bailout"]["mean"]
        return (-(p if p is not None else -1), -(b if b is not None else -1), i)

    return [res["trusts"][i] for i in sorted(idx, key=key)]


def check_summary(ws, res, run, config_file, version):
    labels = {}
    order = []
    for row in ws.iter_rows(min_col=1, max_col=2):
        a, b = row
        if isinstance(a.value, str) and a.value:
            labels.setdefault(a.value, b)
            order.append(a.value)
    text(ws["A1"], "Provenance", "Summary!A1")
    for key in ["trustrisk version", "Config", "Config file", "Config SHA-256 (canonical form)",
                "Seed", "Paths", "Horizon, months", "Copula", "Written (UTC)", "Threads",
                "Expected number of trusts failing", "Expected total bail-out"]:
        if key not in labels:
            fail(f"Summary: no row '{key}'")
    if FAILURES:
        return
    if order.index("Written (UTC)") > order.index("Expected total bail-out"):
        fail("Summary: the provenance does not come first")
    text(labels["trustrisk version"], version, "Summary: version")
    text(labels["Config"], res["config"]["name"], "Summary: config")
    text(labels["Config file"], config_file, "Summary: config file")
    text(labels["Config SHA-256 (canonical form)"], res["config"]["sha256"], "Summary: hash")
    same(labels["Seed"], res["seed"], "Summary: seed")
    same(labels["Paths"], res["paths"], "Summary: paths")
    same(labels["Horizon, months"], res["horizon_months"], "Summary: horizon")
    text(labels["Copula"], res["copula"], "Summary: copula")
    same(labels["Threads"], run["threads"], "Summary: threads")
    when = labels["Written (UTC)"].value
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if not isinstance(when, datetime.datetime) or abs((now - when).total_seconds()) > 3600:
        fail(f"Summary: 'Written (UTC)' is {when!r}, not a date and time near {now}")
    sysj = res["system"]
    same(labels["Expected number of trusts failing"], sysj["failures"]["mean"],
         "Summary: expected failures", "0.00")
    same(labels["Probability that at least one trust fails"],
         1.0 - sysj["failures"]["distribution"][0], "Summary: P(any)", "0.0%")
    same(labels["Expected total bail-out"], sysj["bailout"]["mean"], "Summary: bail-out", "#,##0.0")
    same(labels["Total bail-out exceeded on 1 path in 100"], sysj["bailout"]["quantiles"]["0.99"],
         "Summary: bail-out q99")
    same(labels["Expected national top-up"], sysj["national_topup"]["mean"], "Summary: top-up")
    text(labels["Trust most at risk"], ranked(res)[0]["name"], "Summary: most at risk")


def check_trusts(ws, res):
    if ws.freeze_panes != "D2":
        fail(f"Trusts: panes frozen at {ws.freeze_panes}, expected D2")
    rk = ranked(res)
    if ws.max_row != len(rk) + 1:
        fail(f"Trusts: {ws.max_row - 1} rows for {len(rk)} trusts")
    for i, t in enumerate(rk):
        r = i + 2
        w = f"Trusts row {r} ({t['id']})"
        same(ws.cell(r, 1), i + 1, w + " rank")
        text(ws.cell(r, 2), t["id"], w + " id")
        text(ws.cell(r, 3), t["name"], w + " name")
        p, bo = t["p_fail"], t["bailout"]
        same(ws.cell(r, 4), p["estimate"], w + " P(fail)", "0.0%")
        same(ws.cell(r, 5), p["se"], w + " se", "0.00%")
        same(ws.cell(r, 6), p["ci95"][0], w + " low", "0.0%")
        same(ws.cell(r, 7), p["ci95"][1], w + " high", "0.0%")
        same(ws.cell(r, 8), t["failure_month_mean"], w + " month",
             "0" if t["failure_month_mean"] is not None else None)
        same(ws.cell(r, 9), bo["mean"], w + " E[bail-out]", "#,##0.0")
        same(ws.cell(r, 10), bo["se"], w + " bail-out se")
        for k, q in enumerate(Q):
            same(ws.cell(r, 11 + k), bo["quantiles"][q], w + " q" + q, "#,##0.0")
        for k, q in enumerate(ES):
            same(ws.cell(r, 16 + k), bo["es"][q], w + " es" + q, "#,##0.0")
    ps = [ws.cell(i + 2, 4).value for i in range(len(rk))]
    if ps != sorted(ps, reverse=True):
        fail(f"Trusts: not ranked by P(fail): {ps}")


def check_consortia(ws, res):
    cons = res["consortia"]
    if ws.max_row != len(cons) + 1:
        fail(f"Consortia: {ws.max_row - 1} rows for {len(cons)} consortia")
    for i, c in enumerate(cons):
        r = i + 2
        w = f"Consortia row {r} ({c['id']})"
        text(ws.cell(r, 1), c["id"], w + " id")
        same(ws.cell(r, 3), c["reserve"], w + " reserve", "#,##0.0")
        same(ws.cell(r, 4), c["p_exhausted"]["estimate"], w + " P(exhausted)", "0.0%")
        same(ws.cell(r, 6), c["p_exhausted"]["ci95"][0], w + " low")
        same(ws.cell(r, 8), c["requested"]["mean"], w + " requested")
        same(ws.cell(r, 9), c["requested"]["quantiles"]["0.99"], w + " requested q99")
        same(ws.cell(r, 10), c["paid"]["mean"], w + " paid")
        same(ws.cell(r, 12), c["national_topup"]["mean"], w + " top-up")
        same(ws.cell(r, 16), c["national_topup"]["es"]["0.99"], w + " top-up es99")


def check_curves(ws, res):
    if ws.freeze_panes != "C3":
        fail(f"Failure curves: panes frozen at {ws.freeze_panes}, expected C3")
    rk = ranked(res)
    h = res["horizon_months"]
    for i, t in enumerate(rk):
        text(ws.cell(1, 3 + i), t["id"], f"Failure curves: column {3 + i} id")
        text(ws.cell(2, 3 + i), t["name"], f"Failure curves: column {3 + i} name")
    for m in range(h):
        r = m + 3
        same(ws.cell(r, 1), m + 1, f"Failure curves: month of row {r}")
        total = sum(t["failure_curve"][m] for t in rk)
        c = ws.cell(r, 2)
        if c.data_type != "n" or not math.isclose(c.value, total, rel_tol=1e-12, abs_tol=1e-15):
            fail(f"Failure curves: expected failures in month {m + 1}: {c.value!r} != {total!r}")
        for i, t in enumerate(rk):
            same(ws.cell(r, 3 + i), t["failure_curve"][m], f"Failure curves: {t['id']} m{m + 1}",
                 "0.0%")


def check_bands(ws, res):
    rk = ranked(res)
    h = res["horizon_months"]
    r = 2
    for i, t in enumerate(rk):
        for m in range(h):
            w = f"Cash bands row {r}"
            same(ws.cell(r, 1), i + 1, w + " rank")
            text(ws.cell(r, 2), t["id"], w + " id")
            same(ws.cell(r, 3), m + 1, w + " month")
            for k, b in enumerate(["p5", "p25", "p50", "p75", "p95"]):
                same(ws.cell(r, 4 + k), t["cash_bands"][b][m], f"{w} {b}", "#,##0.0")
            r += 1
    if ws.max_row != r - 1:
        fail(f"Cash bands: {ws.max_row} rows, expected {r - 1}")


def check_schemes(ws, res):
    r = 2
    for i, t in enumerate(ranked(res)):
        for s in t["schemes"]:
            w = f"Schemes row {r} ({s['id']})"
            same(ws.cell(r, 1), i + 1, w + " trust rank")
            text(ws.cell(r, 2), t["id"], w + " trust")
            text(ws.cell(r, 3), s["id"], w + " id")
            text(ws.cell(r, 4), s["name"], w + " name")
            same(ws.cell(r, 5), s["planned"], w + " planned", "#,##0.0")
            same(ws.cell(r, 6), s["shortfall_mean"], w + " shortfall")
            g = s["shortfall_mean_given_fail"]
            same(ws.cell(r, 7), g, w + " given fail")
            d = ws.cell(r, 8).value
            if (g is None) != (d is None) or (g is not None and
                                              not math.isclose(d, g - s["shortfall_mean"],
                                                               rel_tol=1e-12, abs_tol=1e-12)):
                fail(f"{w}: difference {d!r}")
            r += 1


def check_exceedance(ws, res):
    ex = res["system"]["bailout"]["exceedance"]
    for i, (x, p) in enumerate(zip(ex["x"], ex["p"])):
        r = i + 2
        text(ws.cell(r, 1), "Total bail-out, all trusts", f"Exceedance row {r}")
        same(ws.cell(r, 3), x, f"Exceedance row {r} x")
        same(ws.cell(r, 4), p, f"Exceedance row {r} p")


def check_charts(path, res):
    z = zipfile.ZipFile(path)
    names = z.namelist()
    charts = sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    if len(charts) != 4:
        fail(f"charts: {charts}, expected four")
        return
    rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    if "../drawings/drawing1.xml" not in rels:
        fail("the Summary sheet has no drawing")
    drels = z.read("xl/drawings/_rels/drawing1.xml.rels").decode()
    for k in range(1, 5):
        if f"../charts/chart{k}.xml" not in drels:
            fail(f"the Summary's drawing does not hold chart{k}.xml")
    if z.read("xl/drawings/drawing1.xml").decode().count("<xdr:graphicFrame") != 4:
        fail("the Summary's drawing does not place four charts")
    xml = [z.read(f"xl/charts/chart{k}.xml").decode() for k in range(1, 5)]
    nt = len(res["trusts"])
    h = res["horizon_months"]
    kinds = [("lineChart", min(nt, 10)), ("lineChart", 1), ("scatterChart", 2), ("barChart", 2)]
    for k, (kind, series) in enumerate(kinds):
        if f"<c:{kind}>" not in xml[k]:
            fail(f"chart{k + 1}: not a {kind}")
        if xml[k].count("<c:ser>") != series:
            fail(f"chart{k + 1}: {xml[k].count('<c:ser>')} series, expected {series}")
    refs = re.findall(r"<c:f>([^<]*)</c:f>", xml[0])
    want = f"'Failure curves'!$C$3:$C${h + 2}"
    if want not in refs:
        fail(f"chart1 (failure curves) does not plot {want}: {refs[:6]}")
    if '<c:barDir val="bar"/>' not in xml[3] or '<c:overlap val="100"/>' not in xml[3]:
        fail("chart4 (tornado) is not horizontal overlapping bars")
    if "Schemes whose shortfall drives failure" not in xml[3]:
        fail("chart4 is not the schemes' tornado")
    if '<c:logBase val="10"/>' not in xml[2]:
        fail("chart3 (exceedance) has no log scale")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    config = os.path.join(a.source, "configs", "example.json")
    version = subprocess.run([a.binary, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[1]
    with tempfile.TemporaryDirectory(prefix="tr-xlsx-") as tmp:
        out = os.path.join(tmp, "out")
        p = subprocess.run([a.binary, "run", config, "--out", out, "--paths", "3000", "--xlsx",
                            "--quiet"], capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stdout, p.stderr)
            if "without Excel support" in p.stderr:
                print("skipped: this trustrisk was built without libxlsxwriter")
                return 77
            fail(f"run --xlsx exited {p.returncode}")
            return 1
        path = os.path.join(out, "results.xlsx")
        with open(os.path.join(out, "results.json")) as f:
            res = json.load(f)
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        wb = openpyxl.load_workbook(path)
        want = ["Summary", "Trusts", "Consortia", "Failure curves", "Cash bands", "Schemes",
                "Exceedance"]
        if wb.sheetnames != want:
            fail(f"sheets {wb.sheetnames}, expected {want}")
        else:
            check_summary(wb["Summary"], res, run, config, version)
            check_trusts(wb["Trusts"], res)
            check_consortia(wb["Consortia"], res)
            check_curves(wb["Failure curves"], res)
            check_bands(wb["Cash bands"], res)
            check_schemes(wb["Schemes"], res)
            check_exceedance(wb["Exceedance"], res)
        check_charts(path, res)

        # A run whose workbook fails writes nothing: no folder, no workbook.
        bad = os.path.join(tmp, "bad")
        env = dict(os.environ, TRUSTRISK_TEST_FAIL_XLSX="1")
        p = subprocess.run([a.binary, "run", config, "--out", bad, "--paths", "1000", "--xlsx",
                            "--quiet"], capture_output=True, text=True, env=env)
        if p.returncode != 1:
            fail(f"a failing workbook: exit {p.returncode}, expected 1")
        left = sorted(os.listdir(tmp))
        if left != ["out"]:
            fail(f"a failing workbook left {left} beside the earlier output")
    if FAILURES:
        print(f"{len(FAILURES)} problem(s)")
        return 1
    print("workbook: sheets, provenance, every number, formats and the four charts as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
