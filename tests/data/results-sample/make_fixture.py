#!/usr/bin/env python3
"""Make tests/data/results-sample/results.json, a hand-made fixture in the
shape of docs/results.md (with the "exceedance" curves and scheme names), for developing and testing `trustrisk report` without the
engine. It runs a deliberately crude Monte Carlo of a few trusts (monthly
deficit, schemes that deliver a random fraction, a bail-out whenever cash
falls below the floor) so that every number is internally consistent. It is
NOT the engine's model; the numbers only need to look like real output.
One trust name carries HTML metacharacters to test escaping.

Usage: python3 make_fixture.py > results.json
"""
import json
import math
import random

PATHS = 2000
H = 24
random.seed(20120716)

CONSORTIA = [("se-london", "South East London GP consortium", 25.0),
             ("kent-border", "Kent Border <GP> & Partners", 8.0)]
# id, name, cash, floor, monthly gap (£m), noise sd, shares, schemes
TRUSTS = [
    ("slht", "South London Healthcare NHS Trust", 6.0, 0.0, -2.2, 1.5,
     {"se-london": 0.8, "kent-border": 0.1},
     [("agency", "Cut agency staff", 12.0, 0.6), ("beds", "Close 60 beds", 18.0, 0.5),
      ("pfi", "Renegotiate PFI", 6.0, 0.2)]),
    ("lewisham", "Lewisham Healthcare NHS Trust", 9.0, 0.0, -0.7, 1.2,
     {"se-london": 0.9},
     [("overtime", "Reduce overtime", 4.0, 0.8), ("vacancy", "Hold vacancies", 5.0, 0.7)]),
    ("kings", "King's College Hospital FT", 40.0, -20.0, -2.3, 2.0,
     {"se-london": 0.7},
     [("consultants", "Consultant job plans", 8.0, 0.7)]),
    ("qeh", "Queen Elizabeth <Woolwich> & \"Princess Royal\"", 3.0, 0.0, -0.6, 1.0,
     {"se-london": 0.6, "kent-border": 0.3},
     [("absence", "Sickness absence", 3.0, 0.75), ("theatres", "Theatre productivity", 6.0, 0.6)]),
    ("gstt", "Guy's and St Thomas' FT", 120.0, -60.0, 0.4, 3.0,
     {"se-london": 0.5},
     [("procure", "Procurement", 10.0, 0.9)]),
]

LEVELS = ["0.5", "0.9", "0.95", "0.99", "0.995"]


def quantile(sorted_v, a):
    """Smallest x with P(value <= x) >= a."""
    n = len(sorted_v)
    k = max(0, math.ceil(a * n - 1e-12) - 1)
    return sorted_v[k]


def es(sorted_v, a):
    n = len(sorted_v)
    tail = sorted_v[int(math.floor(a * n)):]
    return sum(tail) / len(tail)


def dist(values):
    v = sorted(values)
    n = len(v)
    m = sum(v) / n
    var = sum((x - m) ** 2 for x in v) / (n - 1)
    sd = math.sqrt(var)
    top = v[-1]
    xs = [top * i / 59.0 for i in range(60)] if top > 0 else [0.0]
    ps = []
    j = 0
    for x in xs:
        while j < n and v[j] <= x:
            j += 1
        ps.append((n - j) / n)
    return {"mean": r(m), "se": r(sd / math.sqrt(n)), "sd": r(sd),
            "quantiles": {a: r(quantile(v, float(a))) for a in LEVELS},
            "es": {"0.95": r(es(v, 0.95)), "0.99": r(es(v, 0.99))},
            "exceedance": {"x": [r(x) for x in xs], "p": ps}}


def r(x):
    return float("%.6g" % x)


def wilson(k, n):
    z = 1.959963984540054
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return {"estimate": r(p), "se": r(math.sqrt(p * (1 - p) / n)),
            "ci95": [0.0 if k == 0 else r(max(0.0, c - h)),
                     1.0 if k == n else r(min(1.0, c + h))]}


def main():
    nt = len(TRUSTS)
    fail_month = [[] for _ in range(nt)]
    bailouts = [[] for _ in range(nt)]
    cash = [[[] for _ in range(H)] for _ in range(nt)]
    short = [[[] for _ in t[7]] for t in TRUSTS]
    short_f = [[[] for _ in t[7]] for t in TRUSTS]
    req = {c[0]: [] for c in CONSORTIA}
    paid = {c[0]: [] for c in CONSORTIA}
    topc = {c[0]: [] for c in CONSORTIA}
    exh = {c[0]: [] for c in CONSORTIA}
    nfail, sys_bo, sys_nat = [], [], []
    for _ in range(PATHS):
        common = random.gauss(0, 1)
        monthly_b = [[0.0] * H for _ in range(nt)]
        nf = 0
        for i, (tid, _, c0, floor, gap, noise, shares, schemes) in enumerate(TRUSTS):
            plan = [s[2] / 12 * H for s in schemes]
            got = []
            for s in schemes:
                u = 0.5 * common + math.sqrt(0.75) * random.gauss(0, 1)
                d = min(1.0, max(0.0, s[3] - 0.25 * u))
                if random.random() < 0.15:
                    d = 0.0
                got.append(d)
            c = c0
            tau = None
            bo = 0.0
            for t in range(H):
                flow = gap + sum(s[2] / 12 * d for s, d in zip(schemes, got)) + random.gauss(0, noise)
                pre = c + flow
                if pre < floor:
                    b = floor - pre
                    if tau is None:
                        tau = t + 1
                    bo += b
                    monthly_b[i][t] = b
                    c = floor
                else:
                    c = pre
                cash[i][t].append(c)
            fail_month[i].append(tau)
            bailouts[i].append(bo)
            nf += tau is not None
            for k, (p, d) in enumerate(zip(plan, got)):
                short[i][k].append(p * (1 - d))
                if tau is not None:
                    short_f[i][k].append(p * (1 - d))
        nfail.append(nf)
        nat = 0.0
        for cid, _, reserve in CONSORTIA:
            left = reserve
            rq = pd = 0.0
            ex = None
            for t in range(H):
                q = sum(TRUSTS[i][6].get(cid, 0.0) * monthly_b[i][t] for i in range(nt))
                pay = min(q, left)
                if pay < q and ex is None:
                    ex = t + 1
                left -= pay
                rq += q
                pd += pay
            req[cid].append(rq)
            paid[cid].append(pd)
            topc[cid].append(rq - pd)
            exh[cid].append(ex)
            nat += rq - pd
        total = sum(bailouts[i][-1] for i in range(nt))
        unalloc = sum((1 - sum(TRUSTS[i][6].values())) * bailouts[i][-1] for i in range(nt))
        sys_bo.append(total)
        sys_nat.append(nat + unalloc)

    out = {"engine": {"name": "trustrisk", "version": "0.1.0"},
           "config": {"name": "Fixture: South East London & Kent <2012>",
                      "sha256": "3f1c0d4e5a6b7c8d9e0f11223344556677889900aabbccddeeff001122334455"},
           "paths": PATHS, "seed": 42, "horizon_months": H, "trusts": [], "consortia": []}
    for i, (tid, name, *_rest) in enumerate(TRUSTS):
        taus = fail_month[i]
        k = sum(t is not None for t in taus)
        fails = [t for t in taus if t is not None]
        bands = {}
        for key, a in (("p5", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)):
            bands[key] = [r(quantile(sorted(cash[i][t]), a)) for t in range(H)]
        schemes = []
        for kk, s in enumerate(TRUSTS[i][7]):
            sf = short_f[i][kk]
            schemes.append({"id": s[0], "name": s[1],
                            "shortfall_mean": r(sum(short[i][kk]) / PATHS),
                            "shortfall_mean_given_fail": r(sum(sf) / len(sf)) if sf else None})
        out["trusts"].append({
            "id": tid, "name": name, "p_fail": wilson(k, PATHS),
            "failure_curve": [r(sum(1 for t in fails if t <= m) / PATHS) for m in range(1, H + 1)],
            "failure_month_mean": r(sum(fails) / len(fails)) if fails else None,
            "bailout": dist(bailouts[i]), "cash_bands": bands, "schemes": schemes})
    for cid, name, reserve in CONSORTIA:
        ex = exh[cid]
        out["consortia"].append({
            "id": cid, "name": name,
            "requested": dist(req[cid]), "paid": dist(paid[cid]),
            "national_topup": dist(topc[cid]),
            "p_exhausted": wilson(sum(e is not None for e in ex), PATHS),
            "exhaustion_curve": [r(sum(1 for e in ex if e is not None and e <= m) / PATHS)
                                 for m in range(1, H + 1)]})
    distn = [r(sum(1 for x in nfail if x == k) / PATHS) for k in range(nt + 1)]
    out["system"] = {"failures": {"mean": r(sum(nfail) / PATHS), "distribution": distn},
                     "bailout": dist(sys_bo), "national_topup": dist(sys_nat)}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
