#!/usr/bin/env python3
"""Regenerate the invalid-config corpus in tests/invalid/ (see README.md).

Each case is the small valid config BASE (docs/model.md section 9's minimal
config) with one rule broken, or a few for the several-errors cases. It is
written as NN-name.json with its NN-name.expect sidecar: substrings that must
all appear in `trustrisk validate`'s stderr. For syntax errors the expected
`:line:column:` is computed here from the text itself: 1-based line and
1-based column (in characters) of the offending character.

Usage: python3 tests/invalid/make_corpus.py [OUTDIR]   (default: this folder)
Cases are numbered in the order they are declared below, so append new ones
at the end of a group only if renumbering the rest is acceptable.
"""
import copy, json, os, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

BASE = {
    "name": "Invalid-config corpus base",
    "horizon_months": 24,
    "seed": 42,
    "factors": [{"name": "national", "scope": "global"}],
    "consortia": [{"id": "north", "name": "North GP consortium", "reserve": 10}],
    "trusts": [
        {
            "id": "general",
            "cash": 8,
            "min_cash": 2,
            "income": 240,
            "expenditure": 252,
            "cost_growth": {"dist": "pert", "min": 0.01, "mode": 0.025, "max": 0.05,
                            "factors": {"national": 0.5}},
            "cash_noise": 1.0,
            "commissioners": [{"consortium": "north", "share": 0.9}],
            "schemes": [
                {"id": "agency-ban", "kind": "efficiency", "saving": 6, "start_month": 1,
                 "ramp_months": 6, "delivery": {"dist": "beta", "mean": 0.6, "sd": 0.2},
                 "paper": 0.25, "factors": {"national": 0.3}},
                {"id": "close-ward", "kind": "closure", "saving": 9, "start_month": 4,
                 "ramp_months": 9,
                 "slippage": {"dist": "lognormal", "median": 3, "sigma": 0.7},
                 "stay": {"probability": 0.35,
                          "delay": {"dist": "uniform", "min": 3, "max": 12}},
                 "compromise": {"probability": 0.3,
                                "retained": {"dist": "uniform", "min": 0.3, "max": 0.8}},
                 "one_off_cost": 2.5},
            ],
        }
    ],
}


def has_special(v):
    if isinstance(v, (Raw, Dup)):
        return True
    if isinstance(v, dict):
        return any(has_special(x) for x in v.values())
    if isinstance(v, list):
        return any(has_special(x) for x in v)
    return False


def is_leaf(v):
    if has_special(v):
        return False
    if isinstance(v, dict):
        return all(not isinstance(x, (dict, list)) or (isinstance(x, dict) and is_leaf(x) and len(x) <= 2)
                   for x in v.values()) and len(json.dumps(v)) <= 78
    if isinstance(v, list):
        return all(not isinstance(x, (dict, list)) for x in v) or (
            all(isinstance(x, dict) and is_leaf(x) for x in v) and len(json.dumps(v)) <= 70)
    return True


class Raw:
    """Literal JSON text inserted verbatim (NaN, 1e999, duplicate keys)."""
    def __init__(self, text):
        self.text = text


class Dup:
    """An object with repeated keys: list of (key, value) pairs."""
    def __init__(self, pairs):
        self.pairs = pairs


def dump(v, ind=0):
    pad = "  " * ind
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, Dup):
        items = [json.dumps(k) + ": " + dump(x, ind + 1) for k, x in v.pairs]
        return "{\n" + ",\n".join("  " * (ind + 1) + s for s in items) + "\n" + pad + "}"
    if isinstance(v, dict):
        if not v:
            return "{}"
        if is_leaf(v) and not any(isinstance(x, (Raw, Dup)) for x in v.values()):
            return json.dumps(v)
        items = [json.dumps(k) + ": " + dump(x, ind + 1) for k, x in v.items()]
        return "{\n" + ",\n".join("  " * (ind + 1) + s for s in items) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        if is_leaf(v) and not any(isinstance(x, (Raw, Dup)) for x in v):
            return json.dumps(v)
        items = [dump(x, ind + 1) for x in v]
        return "[\n" + ",\n".join("  " * (ind + 1) + s for s in items) + "\n" + pad + "]"
    return json.dumps(v)


def base():
    return copy.deepcopy(BASE)


def rename(d, old, new):
    """Rename a key keeping its position."""
    items = list(d.items())
    d.clear()
    for k, v in items:
        d[new if k == old else k] = v


cases = []  # (name, text(bytes or str), [expect])


def case(name, cfg, expect):
    text = cfg if isinstance(cfg, (str, bytes)) else dump(cfg) + "\n"
    cases.append((name, text, expect))


def pos(text, index):
    """1-based line and column (in characters) of text[index]."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def T(c):
    return c["trusts"][0]


def S(c, i=0):
    return c["trusts"][0]["schemes"][i]


BASETEXT = dump(BASE) + "\n"

# --- whole-file shape -------------------------------------------------------
case("empty-file", "", ["syntax error", "empty"])
case("top-level-array", "[\n" + dump(BASE, 1) + "\n]\n", ["must be a JSON object", "got an array"])
case("top-level-string", "\"trusts\"\n", ["must be a JSON object", "got a string"])

# --- syntax errors with exact line:column ------------------------------------
def syntax(name, old, new, offending_in_new, extra=()):
    i = BASETEXT.index(old)
    text = BASETEXT[:i] + new + BASETEXT[i + len(old):]
    off = i + new.index(offending_in_new) if offending_in_new is not None else None
    line, col = pos(text, off)
    case(name, text, ["syntax error", ":%d:%d:" % (line, col)] + list(extra))

# missing comma between two members: the offending char is the next key's quote
i = BASETEXT.index('"cash": 8,')
t = BASETEXT[:i] + '"cash": 8' + BASETEXT[i + len('"cash": 8,'):]
j = t.index('"min_cash"')
case("syntax-missing-comma", t, ["syntax error", ":%d:%d:" % pos(t, j)])
# trailing comma before a closing brace
syntax("syntax-trailing-comma", '"reserve": 10}', '"reserve": 10,}', '}')
# single-quoted key
syntax("syntax-single-quotes", '"seed": 42', "'seed': 42", "'")
# NaN literal (not JSON)
syntax("nan-literal", '"cash_noise": 1.0', '"cash_noise": NaN', 'N')
# missing colon
syntax("syntax-missing-colon", '"income": 240', '"income" 240', '2')
# misspelt literal
syntax("syntax-bad-literal", '"ramp_months": 9,', '"ramp_months": 9, "recurrent": tru,', 'tru')
# garbage after the document
t = BASETEXT + "x\n"
case("syntax-trailing-garbage", t, ["syntax error", ":%d:%d:" % pos(t, len(BASETEXT))])
# truncated file: ends in the middle of the trusts array
i = BASETEXT.index('"income": 240,') + len('"income": 240,')
t = BASETEXT[:i]
# the position is that of the end of input, just past the last character
case("syntax-truncated", t, ["syntax error", ":%d:%d:" % pos(t + " ", len(t)), "end of input"])
# raw NUL byte between two members
i = BASETEXT.index('"seed": 42,') + len('"seed": 42,')
t = BASETEXT[:i] + "\0" + BASETEXT[i:]
case("nul-byte", t, ["NUL byte", ":%d:%d:" % pos(t, i)])
# invalid UTF-8 in a string
i = BASETEXT.index('corpus base')
tb = BASETEXT[:i].encode() + b"corpus \xff\xfe base" + BASETEXT[i + len("corpus base"):].encode()
case("invalid-utf8", tb, ["UTF-8", ":%d:%d:" % pos(BASETEXT, i + len("corpus "))])
# pathological nesting depth (must be refused, not overflow the stack)
c = base(); c["notes"] = Raw("[" * 5000 + "]" * 5000)
t = dump(c) + "\n"
case("deep-nesting", t, ["nesting", ":%d:" % pos(t, t.index('"notes"'))[0]])

# --- non-finite and out-of-range numbers --------------------------------------
c = base(); T(c)["cash"] = Raw("1e999")
case("number-1e999", c, ["trusts[0].cash", "number is not finite"])
c = base(); S(c, 1)["slippage"]["median"] = Raw("-1e999")
case("number-minus-1e999", c, ["trusts[0].schemes[1].slippage.median", "number is not finite"])
c = base(); c["horizon_months"] = 1000000000
case("horizon-1000000000", c, ["horizon_months", "1000000000"])
c = base(); c["horizon_months"] = 0
case("horizon-zero", c, ["horizon_months", "(got 0)"])
c = base(); c["horizon_months"] = 24.5
case("horizon-not-integer", c, ["horizon_months", "expected an integer"])
c = base(); c["paths"] = 5000000000
case("paths-too-many", c, ["paths", "5000000000"])
c = base(); c["paths"] = 0
case("paths-zero", c, ["paths", "(got 0)"])
c = base(); c["seed"] = -1
case("seed-negative", c, ["seed", "(got -1)"])
c = base(); c["seed"] = 1.5
case("seed-not-integer", c, ["seed", "expected an integer"])
c = base(); S(c)["saving"] = -3
case("saving-negative", c, ["trusts[0].schemes[0].saving", "must be >= 0 (got -3)"])
c = base(); S(c)["paper"] = 1.5
case("paper-above-1", c, ["trusts[0].schemes[0].paper", "must be in [0, 1] (got 1.5)"])
c = base(); S(c, 1)["stay"]["probability"] = -0.1
case("stay-probability-negative", c, ["trusts[0].schemes[1].stay.probability", "must be in [0, 1]"])
c = base(); S(c)["start_month"] = 0
case("start-month-zero", c, ["trusts[0].schemes[0].start_month", "(got 0)"])
c = base(); S(c)["ramp_months"] = -2
case("ramp-negative", c, ["trusts[0].schemes[0].ramp_months", "(got -2)"])
c = base(); T(c)["cash_noise"] = -1
case("cash-noise-negative", c, ["trusts[0].cash_noise", "must be >= 0 (got -1)"])
c = base(); T(c)["fixed_indexation"] = -1
case("fixed-indexation-minus-1", c, ["trusts[0].fixed_indexation", "(got -1)"])
c = base(); c["consortia"][0]["reserve"] = -5
case("reserve-negative", c, ["consortia[0].reserve", "must be >= 0 (got -5)"])
c = base(); T(c)["commissioners"][0]["share"] = 1.2
case("share-above-1", c, ["trusts[0].commissioners[0].share", "must be in [0, 1] (got 1.2)"])
c = base(); T(c)["cash"] = 1e12
case("money-too-large", c, ["trusts[0].cash", "(got 1000000000000)"])

# --- distributions -----------------------------------------------------------
c = base(); T(c)["income_growth"] = {"dist": "normal", "mean": 0.02, "sd": -1}
case("normal-sd-negative", c, ["trusts[0].income_growth.sd", "must be > 0 (got -1)"])
c = base(); S(c, 1)["slippage"]["sigma"] = 0
case("lognormal-sigma-zero", c, ["trusts[0].schemes[1].slippage.sigma", "must be > 0"])
c = base(); S(c, 1)["slippage"]["median"] = -3
case("lognormal-median-negative", c, ["trusts[0].schemes[1].slippage.median", "must be > 0"])
c = base(); S(c, 1)["stay"]["delay"] = {"dist": "uniform", "min": 12, "max": 3}
case("uniform-min-above-max", c, ["trusts[0].schemes[1].stay.delay.max", "must be >= min"])
c = base(); T(c)["cost_growth"]["mode"] = 0.1
case("pert-mode-outside", c, ["trusts[0].cost_growth.mode", "(got 0.1)"])
c = base(); S(c)["delivery"] = {"dist": "gamma", "shape": 2, "scale": 0.3}
case("unknown-distribution", c, ["trusts[0].schemes[0].delivery.dist", "unknown distribution"])
c = base(); S(c)["delivery"] = {"dist": "beta", "mean": 0.6, "sd": 0.5}
case("beta-infeasible", c, ["trusts[0].schemes[0].delivery", "infeasible beta"])
c = base(); S(c)["delivery"] = {"dist": "discrete", "values": [0, 0.5, 1], "probs": [0.2, 0.3, 0.4]}
case("discrete-probs-sum", c, ["trusts[0].schemes[0].delivery.probs", "probs sum to"])
c = base(); S(c)["delivery"] = {"dist": "discrete", "values": [0, 1], "probs": [-0.2, 1.2]}
case("discrete-prob-negative", c, ["trusts[0].schemes[0].delivery.probs[0]", "(got -0.2)"])
c = base(); S(c)["delivery"] = {"dist": "discrete", "values": [0, 0.5, 1], "probs": [0.5, 0.5]}
case("discrete-length-mismatch", c, ["trusts[0].schemes[0].delivery", "as many"])
c = base(); S(c)["delivery"] = {"dist": "discrete", "values": [0, Raw("1e999")], "probs": [0.5, 0.5]}
case("discrete-value-infinite", c, ["trusts[0].schemes[0].delivery.values[1]", "number is not finite"])
c = base(); S(c)["delivery"] = {"dist": "beta", "mean": 0.6}
case("beta-missing-sd", c, ["trusts[0].schemes[0].delivery", "missing required field", "sd"])

# --- dependence --------------------------------------------------------------
c = base(); c["factors"].append({"name": "regional", "scope": "global"})
S(c)["factors"] = {"national": 0.8, "regional": 0.8}
case("loadings-above-1", c, ["trusts[0].schemes[0].factors", "sum of squared loadings"])
c = base(); T(c)["cost_growth"]["factors"] = {"national": 1.5}
case("loading-single-above-1", c, ["trusts[0].cost_growth.factors.national", "(got 1.5)"])
c = base(); S(c)["factors"] = {"regional": 0.3}
case("unknown-factor", c, ["trusts[0].schemes[0].factors.regional", "unknown factor"])
c = base(); c["factors"][0]["scope"] = "regional"
case("unknown-scope", c, ["factors[0].scope", "unknown scope"])
c = base(); c["factors"].append({"name": "ics", "scope": "consortium"})
del T(c)["commissioners"]; S(c)["factors"] = {"national": 0.3, "ics": 0.4}
case("consortium-factor-no-commissioners", c,
     ["trusts[0].schemes[0].factors.ics", "has consortium scope but"])
c = base(); c["copula"] = {"type": "t", "dof": 2}
case("t-copula-dof-2", c, ["copula.dof", "must be > 2"])
c = base(); c["copula"] = {"type": "clayton"}
case("unknown-copula", c, ["copula.type", "clayton"])

# --- references and ids --------------------------------------------------------
c = base(); T(c)["commissioners"][0]["consortium"] = "south"
case("unknown-consortium", c, ["trusts[0].commissioners[0].consortium", "unknown consortium", "south"])
c = base(); c["consortia"].append({"id": "south", "reserve": 5})
T(c)["commissioners"] = [{"consortium": "north", "share": 0.7}, {"consortium": "south", "share": 0.6}]
case("commissioner-shares-sum", c, ["trusts[0].commissioners", "commissioner shares sum to"])
c = base(); t2 = copy.deepcopy(T(c)); t2["schemes"] = []; c["trusts"].append(t2)
case("duplicate-trust-id", c, ["trusts[1].id", "duplicate id", "general", "also at trusts[0].id"])
c = base(); s2 = copy.deepcopy(S(c, 1)); s2["id"] = "agency-ban"; T(c)["schemes"][1] = s2
case("duplicate-scheme-id", c, ["trusts[0].schemes[1].id", "duplicate id", "agency-ban",
                                   "also at trusts[0].schemes[0].id"])
c = base(); c["consortia"].append({"id": "north", "reserve": 3})
case("duplicate-consortium-id", c, ["consortia[1].id", "duplicate id", "north", "also at consortia[0].id"])
c = base(); c["factors"].append({"name": "national", "scope": "trust"})
case("duplicate-factor-name", c, ["factors[1].name", "duplicate", "national", "also at factors[0].name"])
c = base()
items = list(c.items())
c = Dup(items[:3] + [("seed", 7)] + items[3:])
case("duplicate-key-top", c, ["seed", "duplicate key"])
c = base(); s = S(c)
T(c)["schemes"][0] = Dup(list(s.items())[:3] + [("saving", 4)] + list(s.items())[3:])
case("duplicate-key-scheme", c, ["trusts[0].schemes[0].saving", "duplicate key"])

# --- missing and empty ----------------------------------------------------------
c = base(); c["trusts"] = []
case("empty-trusts", c, ["trusts", "must contain at least one trust"])
c = base(); del c["trusts"]
case("missing-trusts", c, ["trusts", "missing required field"])
c = base(); del c["horizon_months"]
case("missing-horizon", c, ["horizon_months", "missing required field"])
c = base(); del T(c)["expenditure"]
case("missing-trust-expenditure", c, ["trusts[0]", "expenditure", "missing required field"])
c = base(); del S(c)["saving"]
case("missing-scheme-saving", c, ["trusts[0].schemes[0]", "saving", "missing required field"])
c = base(); del c["consortia"][0]["reserve"]
case("missing-consortium-reserve", c, ["consortia[0]", "reserve", "missing required field"])
c = base(); del c["factors"][0]["scope"]
case("missing-factor-scope", c, ["factors[0]", "scope", "missing required field"])
c = base(); del T(c)["commissioners"][0]["share"]
case("missing-commissioner-share", c,
     ["trusts[0].commissioners[0]", "share", "missing required field"])

# --- wrong types -----------------------------------------------------------------
c = base(); T(c)["cash"] = "8"
case("type-string-for-number", c, ["trusts[0].cash", "expected a number, got a string"])
c = base(); S(c, 1)["recurrent"] = "yes"
case("type-string-for-boolean", c, ["trusts[0].schemes[1].recurrent", "expected a boolean, got a string"])
c = base(); c["trusts"] = {"general": T(c)}
case("type-object-for-array", c, ["trusts", "expected an array, got an object"])
c = base(); T(c)["id"] = 7
case("type-number-for-string", c, ["trusts[0].id", "expected a string, got a number"])
c = base(); c["trusts"].append(5)
case("type-number-for-object", c, ["trusts[1]", "expected an object, got a number"])
c = base(); T(c)["income"] = None
case("type-null-for-number", c, ["trusts[0].income", "expected a number"])
c = base(); c["horizon_months"] = True
case("type-boolean-for-integer", c, ["horizon_months", "expected an integer, got a boolean"])
c = base(); S(c)["delivery"] = 0.8
case("type-number-for-distribution", c, ["trusts[0].schemes[0].delivery", "expected an object, got a number"])
c = base(); S(c)["kind"] = "merger"
case("unknown-scheme-kind", c, ["trusts[0].schemes[0].kind", "merger", "efficiency"])

# --- unknown keys at every level ---------------------------------------------------
c = base(); rename(c, "seed", "sede")
case("unknown-key-top", c, ["sede", "unknown key", 'did you mean "seed"'])
c = base(); rename(T(c), "min_cash", "min_csh")
case("unknown-key-trust", c, ["trusts[0].min_csh", "unknown key", 'did you mean "min_cash"'])
c = base(); rename(S(c), "ramp_months", "ramp_mnths")
case("unknown-key-scheme", c, ["trusts[0].schemes[0].ramp_mnths", "unknown key", 'did you mean "ramp_months"'])
c = base(); T(c)["cost_growth"]["lamda"] = 4
case("unknown-key-distribution", c, ["trusts[0].cost_growth.lamda", "unknown key", 'did you mean "lambda"'])
c = base(); rename(S(c, 1)["stay"], "probability", "probabilty")
case("unknown-key-stay", c, ["trusts[0].schemes[1].stay.probabilty", "unknown key", 'did you mean "probability"'])
c = base(); rename(S(c, 1)["compromise"], "retained", "retaind")
case("unknown-key-compromise", c, ["trusts[0].schemes[1].compromise.retaind", "unknown key", 'did you mean "retained"'])
c = base(); rename(c["consortia"][0], "reserve", "reserves")
case("unknown-key-consortium", c, ["consortia[0].reserves", "unknown key", 'did you mean "reserve"'])
c = base(); rename(T(c)["commissioners"][0], "share", "shares")
case("unknown-key-commissioner", c, ["trusts[0].commissioners[0].shares", "unknown key", 'did you mean "share"'])
c = base(); c["factors"][0]["scop"] = "trust"
case("unknown-key-factor", c, ["factors[0].scop", "unknown key", 'did you mean "scope"'])
c = base(); c["copula"] = {"type": "t", "dfo": 5}
case("unknown-key-copula", c, ["copula.dfo", "unknown key", 'did you mean "dof"'])

# --- several errors in one file ----------------------------------------------------
c = base()
rename(S(c), "ramp_months", "ramp_mnths"); S(c)["saving"] = -3; S(c)["paper"] = 1.5
S(c, 1)["slippage"]["sigma"] = -0.7
case("several-errors-schemes", c, [
    "trusts[0].schemes[0].ramp_mnths", 'did you mean "ramp_months"',
    "trusts[0].schemes[0].saving", "must be >= 0 (got -3)",
    "trusts[0].schemes[0].paper", "must be in [0, 1] (got 1.5)",
    "trusts[0].schemes[1].slippage.sigma", "must be > 0"])
c = base()
c["horizn"] = 12
c["consortia"][0]["reserve"] = -1
t2 = copy.deepcopy(T(c)); t2["id"] = "district"; t2["commissioners"][0]["consortium"] = "south"
t2["schemes"][0]["delivery"] = {"dist": "beta", "mean": 0.6, "sd": 0.5}
c["trusts"].append(t2)
t3 = copy.deepcopy(T(c)); t3["schemes"] = []; t3["income"] = "240"
c["trusts"].append(t3)
case("several-errors-across-trusts", c, [
    "horizn", "unknown key",
    "consortia[0].reserve", "must be >= 0 (got -1)",
    "trusts[1].commissioners[0].consortium", "unknown consortium",
    "trusts[1].schemes[0].delivery", "infeasible beta",
    "trusts[2].id", "duplicate id",
    "trusts[2].income", "expected a number, got a string"])
c = base()
c["horizon_months"] = 1000000000
c["copula"] = {"type": "t", "dof": 1}
c["factors"][0]["scope"] = "planet"
T(c)["cash"] = Raw("1e999")
case("several-errors-top-level", c, [
    "horizon_months", "copula.dof", "factors[0].scope", "unknown scope",
    "trusts[0].cash", "number is not finite"])

# --- limits that keep a run finite and correct (issue 8) -------------------------------
c = base(); S(c)["delivery"] = {"dist": "beta", "mean": 0.6, "sd": 1e-4}
case("beta-too-concentrated", c, ["trusts[0].schemes[0].delivery.sd", "beta too concentrated",
                                  "(1.44e+07, 9.6e+06)", "normal"])
c = base(); S(c)["delivery"] = {"dist": "beta", "mean": 0.5, "sd": 0.4999}
case("beta-all-or-nothing", c, ["trusts[0].schemes[0].delivery.sd", "all-or-nothing", "discrete"])
c = base(); T(c)["cost_growth"]["lambda"] = 1e8
case("pert-lambda-huge", c, ["trusts[0].cost_growth.lambda", "pert too concentrated",
                             "lambda at most 159998"])
c = base(); T(c)["cost_growth"] = {"dist": "fixed", "value": 1e300}
case("cost-growth-overflows", c, ["trusts[0].cost_growth", "monthly expenditure would reach",
                                  "in month 24"])
c = base(); T(c)["fixed_charges"] = 61; T(c)["fixed_indexation"] = 1e300
case("indexation-overflows", c, ["trusts[0].fixed_indexation", "monthly fixed charges would reach"])
c = base(); T(c)["income_growth"] = {"dist": "uniform", "min": 0, "max": 1e300}
case("income-growth-bound-huge", c, ["trusts[0].income_growth", "monthly income would reach"])
c = base(); S(c)["delivery"] = {"dist": "fixed", "value": 1e300}
case("delivery-huge", c, ["trusts[0].schemes[0].delivery", "monthly saving could reach 5e+299"])
c = base(); S(c, 1)["slippage"] = {"dist": "uniform", "min": -1e308, "max": 1e308}
case("distribution-range-overflows", c, ["trusts[0].schemes[1].slippage", "values overflow",
                                         "max - min is more than 1e308"])

# --- precision targets and importance sampling ----------------------------------
c = base(); c["precision"] = {"target_se": -0.001}
case("precision-target-negative", c, ["precision.target_se", "must be in (0, 0.5) (got -0.001)"])
c = base(); c["precision"] = {"target_rel": 1.5}
case("precision-target-rel-above-1", c, ["precision.target_rel", "must be in (0, 1) (got 1.5)"])
c = base(); c["precision"] = {}
case("precision-empty", c, ["precision", 'needs "target_se"', '"target_rel"'])
c = base(); c["sampling"] = {"method": "shift", "shift": {"nationl": 2}}
case("shift-unknown-factor", c, ["sampling.shift.nationl", 'unknown factor "nationl"',
                                 'did you mean "national"'])
c = base(); c["factors"].append({"name": "local", "scope": "trust"})
c["sampling"] = {"method": "shift", "shift": {"local": 1}}
case("shift-trust-scoped-factor", c, ["sampling.shift.local", "has trust scope and cannot be shifted"])
c = base(); c["sampling"] = {"method": "shift", "shift": {"national": 12}}
case("shift-too-large", c, ["sampling.shift.national", "must be in [-10, 10] (got 12)"])
c = base(); c["sampling"] = {"method": "shift", "shift": {"national": 2},
                             "auto": {"event": {"failures_at_least": 1}}}
case("shift-and-auto", c, ["sampling.auto", '"shift" and "auto" exclude each other'])
c = base(); c["sampling"] = {"method": "plain", "shift": {"national": 2}}
case("plain-with-shift", c, ["sampling.shift", '"shift" is only used with "method": "shift"'])
c = base(); c["sampling"] = {"method": "shift"}
case("shift-without-shift-or-auto", c, ["sampling", '"method": "shift" needs "shift"'])
c = base(); c["sampling"] = {"method": "importance"}
case("unknown-sampling-method", c, ["sampling.method", 'unknown sampling method "importance"'])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"failures_at_least": 0}}}
case("auto-k-zero", c, ["sampling.auto.event.failures_at_least", "must be >= 1 (got 0)"])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"failures_at_least": 2}}}
case("auto-k-above-trusts", c, ["sampling.auto.event.failures_at_least",
                                "must be at most the number of trusts, 1 (got 2)"])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"trust_fails": "genral"}}}
case("auto-unknown-trust", c, ["sampling.auto.event.trust_fails", 'unknown trust "genral"',
                               'did you mean "general"'])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"total_bailout_above": -5}}}
case("auto-bailout-negative", c, ["sampling.auto.event.total_bailout_above", "must be >= 0 (got -5)"])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"failures_at_least": 1,
                                                                  "trust_fails": "general"}}}
case("auto-two-events", c, ["sampling.auto.event", "names 2 events; give exactly one"])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": "failures_at_least"}}
case("auto-event-a-string", c, ["sampling.auto.event", "expected an object naming the event",
                                '{"failures_at_least": 8}'])
c = base(); c["sampling"] = {"method": "shift", "auto": {"event": {"failures_at_least": 1},
                                                         "pilot_paths": 100}}
case("auto-pilot-too-small", c, ["sampling.auto.pilot_paths", "must be in [1000, 10000000] (got 100)"])
c = base(); c["factors"] = [{"name": "national", "scope": "trust"}]
c["sampling"] = {"method": "shift", "auto": {"event": {"failures_at_least": 1}}}
case("auto-nothing-to-shift", c, ["sampling.auto", "the config declares none"])

os.makedirs(OUT, exist_ok=True)
for n, (name, text, expect) in enumerate(cases, 1):
    stem = "%02d-%s" % (n, name)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    with open(os.path.join(OUT, stem + ".json"), "wb") as f:
        f.write(data)
    with open(os.path.join(OUT, stem + ".expect"), "w") as f:
        f.write("".join(e + "\n" for e in expect))
print(len(cases), "cases")
