#!/usr/bin/env python3
"""Write trustrisk's JSON Schemas (draft 2020-12) into docs/schemas/.

    python3 docs/schemas/make_schemas.py [OUTDIR]

One description of the config here gives three files, so that they cannot
drift apart:

* config.schema.json   - a config file (configs/README.md);
* manifest.schema.json - a batch manifest, whose scenarios carry overlays:
  partial configs in the config's own shape, derived here from the config
  schema (no field required, null removes a field, list elements matched by
  identity and removable with "remove": true);
* results.schema.json  - the results.json a run writes (docs/results.md).

and two more, of the other outputs that scripts parse (docs/results.md):

* comparison.schema.json  - the comparison.json a batch writes;
* sensitivity.schema.json - the sensitivity.json `trustrisk sensitivity`
  writes.

Every property has a "description", so that an editor shows help while
typing, and every object has "additionalProperties": false, so that a
misspelt key is caught. Rules a schema cannot state (sums over several
values, references between parts of a config, ...) are listed in
docs/schemas/NOT-EXPRESSIBLE.md. tests/check_schemas.py checks that the
committed files are what this script writes, and that the schemas agree
with the engine.
"""
import copy
import json
import os
import sys

DRAFT = "https://json-schema.org/draft/2020-12/schema"

MAX_MONEY = 1e6  # GBP million; engine/model.h TR_MAX_MONEY
MAX_MONTHS_PARAM = 1200
MAX_HORIZON = 120
MAX_PATHS = 4000000000
MAX_SEED = 9007199254740992  # 2^53
MAX_TRUSTS = 100000
MAX_SCHEMES = 10000
MAX_FACTORS = 1000
MAX_CONSORTIA = 10000
MAX_DISCRETE = 10000
MAX_SHIFT = 10  # engine/model_limits.h TR_MAX_SHIFT
PILOT_PATHS = (1000, 10000000, 10000)  # TR_PILOT_PATHS_MIN, _MAX, TR_DEFAULT_PILOT_PATHS


def ref(name):
    return {"$ref": "#/$defs/" + name}


def described(schema, text):
    out = dict(schema)
    out["description"] = text
    return out


# The largest double: bounds that make a number finite (a JSON text such as
# 1e999 is a number to the grammar, but not one the engine can hold).
DBL_MAX = 1.7976931348623157e308
FINITE = {"type": "number", "minimum": -DBL_MAX, "maximum": DBL_MAX}


def num(text, **bounds):
    s = dict({"type": "number"}, **bounds)
    if "minimum" not in s and "exclusiveMinimum" not in s:
        s["minimum"] = -DBL_MAX
    if "maximum" not in s and "exclusiveMaximum" not in s:
        s["maximum"] = DBL_MAX
    return described(s, text)


def money(text):
    return num(text + " (GBP million)", minimum=-MAX_MONEY, maximum=MAX_MONEY)


def money_pos(text):
    return num(text + " (GBP million, >= 0)", minimum=0, maximum=MAX_MONEY)


def prob(text):
    return num(text + " (a probability in [0, 1])", minimum=0, maximum=1)


def text(desc):
    return described({"type": "string"}, desc)


def ident(desc):
    return described({"type": "string", "minLength": 1}, desc)


def obj(desc, props, required=(), **extra):
    out = {"type": "object", "description": desc, "properties": props,
           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


# --------------------------------------------------------------- the config

DIST_PARAMS = {
    # name: ([(param, schema)], required params)
    "fixed": ([("value", num("The value, always drawn."))], ["value"]),
    "uniform": ([("min", num("Lowest value (min <= max).")),
                 ("max", num("Highest value."))], ["min", "max"]),
    "triangular": ([("min", num("Lowest value (min < max).")),
                    ("mode", num("Most likely value, in [min, max].")),
                    ("max", num("Highest value."))], ["min", "mode", "max"]),
    "pert": ([("min", num("Lowest value (min < max).")),
              ("mode", num("Most likely value, in [min, max].")),
              ("max", num("Highest value.")),
              ("lambda", num("Weight of the mode (default 4): higher means more peaked.",
                             exclusiveMinimum=0))], ["min", "mode", "max"]),
    "beta": ([("mean", num("Mean of the value; needs 0 < sd^2 < (mean-min)(max-mean).")),
              ("sd", num("Standard deviation (> 0).", exclusiveMinimum=0)),
              ("min", num("Lower end of the range (default 0).")),
              ("max", num("Upper end of the range (default 1, > min)."))], ["mean", "sd"]),
    "normal": ([("mean", num("Mean.")),
                ("sd", num("Standard deviation (> 0).", exclusiveMinimum=0))], ["mean", "sd"]),
    "lognormal": ([("median", num("Median (> 0).", exclusiveMinimum=0)),
                   ("sigma", num("Standard deviation of the logarithm (> 0).",
                                 exclusiveMinimum=0))], ["median", "sigma"]),
    "discrete": ([("values", described(
                      {"type": "array", "items": FINITE, "minItems": 1,
                       "maxItems": MAX_DISCRETE},
                      "The possible values, in the order the cumulative probabilities are "
                      "taken.")),
                  ("probs", described(
                      {"type": "array", "items": {"type": "number", "minimum": 0,
                                                  "maximum": DBL_MAX},
                       "minItems": 1, "maxItems": MAX_DISCRETE},
                      "Probability of each value (>= 0, as many as values, summing to 1 "
                      "within 1e-9)."))], ["values", "probs"]),
}

DIST_HELP = {
    "fixed": "Always the same value.",
    "uniform": "Every value between min and max equally likely.",
    "triangular": "Most likely at the mode, straight-line tails down to min and max.",
    "pert": "A smooth three-point estimate: a Beta shape on [min, max] peaked at the mode.",
    "beta": "A value in [min, max] (default [0, 1]) with the given mean and sd.",
    "normal": "The bell curve.",
    "lognormal": "Positive and skewed to the right: exp(ln(median) + sigma * Z).",
    "discrete": "One of a list of values, each with its probability.",
}


def dist_kind_def(kind):
    params, required = DIST_PARAMS[kind]
    props = {"dist": described({"const": kind}, "The distribution: \"%s\"." % kind)}
    for p, s in params:
        props[p] = s
    props["factors"] = described(ref("loadings"), "This value's own factor loadings; "
                                 "without them it uses its scheme's or trust's.")
    return obj(DIST_HELP[kind], props, ["dist"] + required)


def dist_def():
    kinds = list(DIST_PARAMS)
    return {
        "type": "object",
        "description": "A distribution: \"dist\" names the family, the other members are its "
                       "parameters, optionally with \"factors\" loadings. Sampled as the "
                       "inverse CDF of the uniform the copula gives.",
        "required": ["dist"],
        "properties": {"dist": described({"enum": kinds}, "The family: " + ", ".join(kinds) + ".")},
        "allOf": [{"if": {"properties": {"dist": {"const": k}}, "required": ["dist"]},
                   "then": ref("dist_" + k)} for k in kinds],
    }


def growth_dist_def():
    """A growth rate must stay above -1 (a fall of 100 % a year) wherever the
    family is bounded below; unbounded ones are clamped by the engine."""
    above = {"exclusiveMinimum": -1}
    rules = [
        ("fixed", {"properties": {"value": above}}),
        ("uniform", {"properties": {"min": above}}),
        ("triangular", {"properties": {"min": above}}),
        ("pert", {"properties": {"min": above}}),
        ("beta", {"properties": {"min": above}}),
        ("discrete", {"properties": {"values": {"items": above}}}),
    ]
    return {
        "description": "A distribution of an annual growth rate (0.03 = 3 % a year): any "
                       "distribution, whose lowest possible value must be above -1 when it "
                       "has one.",
        "allOf": [ref("distribution")] + [
            {"if": {"properties": {"dist": {"const": k}}, "required": ["dist"]}, "then": r}
            for k, r in rules],
    }


def loadings_def():
    return {
        "type": "object",
        "description": "Factor loadings {\"factor name\": weight}: how strongly a value follows "
                       "each factor. Weights in [-1, 1]; their squares sum to at most 1. A "
                       "positive weight means a bad factor makes this value bad too.",
        "additionalProperties": num("Loading on this factor, in [-1, 1].", minimum=-1,
                                    maximum=1),
        "maxProperties": MAX_FACTORS,
    }


def config_defs():
    d = {}
    for k in DIST_PARAMS:
        d["dist_" + k] = dist_kind_def(k)
    d["distribution"] = dist_def()
    d["growth_distribution"] = growth_dist_def()
    d["loadings"] = loadings_def()
    d["copula"] = {
        "type": "object",
        "description": "How the factors and each value's own luck combine into the uniforms "
                       "behind every draw.",
        "properties": {
            "type": described({"enum": ["gaussian", "t"]},
                              "\"gaussian\" (the default) or \"t\" (Student-t: everything "
                              "going wrong at once is more likely)."),
            "dof": num("Degrees of freedom of the t copula (> 2; only with \"type\": \"t\"): "
                       "the lower, the stronger the joint tail.", exclusiveMinimum=2),
        },
        "additionalProperties": False,
        "if": {"properties": {"type": {"const": "t"}}, "required": ["type"]},
        "then": {"required": ["dof"]},
        "else": {"not": {"required": ["dof"]}},
    }
    d["precision"] = obj(
        "Precision targets: the run stops at the first round of paths where every trust's "
        "probability of failure has a standard error se <= max(target_se, target_rel x "
        "estimate), with \"paths\" (or --paths) as the most it runs. At least one target; "
        "--target-se and --target-rel override them.", {
            "target_se": num("Largest standard error of every trust's P(fail), a probability "
                             "(0 < target_se < 0.5).", exclusiveMinimum=0, exclusiveMaximum=0.5),
            "target_rel": num("Largest standard error relative to the estimate (0 < target_rel "
                              "< 1; 0.1 = within 10 %).", exclusiveMinimum=0, exclusiveMaximum=1),
        }, minProperties=1)
    d["shift"] = {
        "type": "object",
        "description": "The shift of each factor {\"factor name\": mu}: every draw of the "
                       "factor becomes mu + E. Only global and consortium-scoped factors, each "
                       "declared in \"factors\"; mu in [-10, 10] standard deviations. A positive "
                       "mu makes bad years more frequent for elements with positive loadings.",
        "additionalProperties": num("The shift mu of this factor, in [-10, 10].",
                                    minimum=-MAX_SHIFT, maximum=MAX_SHIFT),
        "maxProperties": MAX_FACTORS,
    }
    d["rare_event"] = {
        "type": "object",
        "description": "The rare event an automatic shift is chosen for: exactly one of "
                       "failures_at_least, trust_fails and total_bailout_above.",
        "properties": {
            "failures_at_least": described(
                {"type": "integer", "minimum": 1, "maximum": MAX_TRUSTS},
                "At least this many trusts fail within the horizon (1 to the number of trusts)."),
            "trust_fails": ident("This trust (its id) fails within the horizon."),
            "total_bailout_above": money_pos("The system's total bail-out over the horizon is "
                                             "above this amount"),
        },
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
    }
    d["auto_shift"] = obj(
        "An automatic shift: a pilot run on paths of its own chooses the shift that makes the "
        "event common, and the run reports it.", {
            "event": described(ref("rare_event"), "The rare event to make common."),
            "pilot_paths": described(
                {"type": "integer", "minimum": PILOT_PATHS[0], "maximum": PILOT_PATHS[1]},
                "Paths of the pilot (%d..%d, default %d)." % PILOT_PATHS),
        }, ["event"])
    d["sampling"] = {
        "type": "object",
        "description": "How paths are sampled: \"plain\" Monte Carlo (the default), or "
                       "importance sampling that shifts factors towards a rare event and weighs "
                       "each path by its likelihood ratio.",
        "properties": {
            "method": described({"enum": ["plain", "shift"]},
                                "\"plain\" (the default) or \"shift\" (with \"shift\" or "
                                "\"auto\")."),
            "shift": described(ref("shift"), "The shift of each factor (only with \"method\": "
                               "\"shift\"; not with \"auto\")."),
            "auto": described(ref("auto_shift"), "Choose the shift for a rare event (only with "
                              "\"method\": \"shift\"; not with \"shift\")."),
        },
        "required": ["method"],
        "additionalProperties": False,
        "allOf": [
            {"if": {"properties": {"method": {"const": "plain"}}, "required": ["method"]},
             "then": {"not": {"anyOf": [{"required": ["shift"]}, {"required": ["auto"]}]}}},
            {"if": {"properties": {"method": {"const": "shift"}}, "required": ["method"]},
             "then": {"oneOf": [{"required": ["shift"]}, {"required": ["auto"]}]}},
        ],
    }
    d["factor"] = obj("A named common driver of uncertain values.", {
        "name": ident("How loadings refer to the factor; unique among the factors."),
        "scope": described({"enum": ["global", "consortium", "trust"]},
                           "\"global\": one draw per path; \"consortium\": one per consortium "
                           "(a trust uses its lead consortium); \"trust\": one per trust."),
    }, ["name", "scope"])
    d["consortium"] = obj("A commissioning consortium that pays bail-outs from its reserve.", {
        "id": ident("Identifier, used by trusts' commissioners; unique among the consortia."),
        "name": text("Display name (default: the id)."),
        "notes": text("Sources and assumptions; not used by the model."),
        "reserve": money_pos("Money available for bail-outs over the whole horizon; what it "
                             "cannot pay falls to the national level"),
    }, ["id", "reserve"])
    d["commissioner"] = obj("A consortium's share of a trust's bail-outs.", {
        "consortium": ident("Id of a consortium in \"consortia\"."),
        "share": prob("Share of each bail-out this consortium is asked for; the shares of a "
                      "trust sum to at most 1, the rest is national"),
    }, ["consortium", "share"])
    d["event_stay"] = obj("A stay of execution (judicial review, referral, political pause) "
                          "that delays the start.", {
        "probability": prob("Probability that the scheme is stayed"),
        "delay": described(ref("distribution"), "Distribution of the stay's delay in months "
                           "(negative draws count as 0)."),
    }, ["probability", "delay"])
    d["event_compromise"] = obj("A political compromise that waters the plan down.", {
        "probability": prob("Probability of a compromise"),
        "retained": described(ref("distribution"), "Distribution of the fraction of the "
                              "saving kept after a compromise."),
    }, ["probability", "retained"])
    d["scheme"] = obj("A savings scheme of a trust.", {
        "id": ident("Identifier, unique within its trust (also the scheme's address in the "
                    "random streams)."),
        "name": text("Display name (default: the id)."),
        "notes": text("Sources and assumptions; not used by the model."),
        "kind": described({"enum": ["efficiency", "closure", "other"]},
                          "Informational: efficiency, closure or other (default other)."),
        "saving": money_pos("Planned full-year recurrent saving, a year"),
        "start_month": num("Planned month the saving begins (1..1200; may be fractional).",
                           minimum=1, maximum=MAX_MONTHS_PARAM),
        "ramp_months": num("Months of linear phase-in from nothing to the full rate (default "
                           "0).", minimum=0, maximum=MAX_MONTHS_PARAM),
        "delivery": described(ref("distribution"), "Distribution of the fraction of the plan "
                              "delivered (default fixed 1); a high copula draw means low "
                              "delivery."),
        "paper": prob("Probability that the scheme exists only on paper and delivers nothing "
                      "(default 0)"),
        "slippage": described(ref("distribution"), "Distribution of the delay to the start in "
                              "months (default fixed 0; negative draws count as 0)."),
        "stay": described(ref("event_stay"), "A possible stay of execution (default none)."),
        "compromise": described(ref("event_compromise"), "A possible compromise (default "
                                "none)."),
        "one_off_cost": money_pos("Cost paid in the month the scheme starts (not if it is "
                                  "paper; default 0)"),
        "recurrent": described({"type": "boolean"}, "false for a one-off saving that stops 12 "
                               "months after it starts (default true)."),
        "factors": described(ref("loadings"), "Loadings for the scheme's values without their "
                             "own."),
    }, ["id", "saving", "start_month"])
    d["trust"] = obj("An NHS trust, followed month by month.", {
        "id": ident("Identifier, unique among the trusts (also the trust's address in the "
                    "random streams)."),
        "name": text("Display name (default: the id)."),
        "notes": text("Sources and assumptions; not used by the model."),
        "cash": money("Opening cash"),
        "min_cash": money("Cash the trust must keep (default 0)"),
        "facility": money_pos("Undrawn working-capital facility (default 0)"),
        "income": money_pos("Annual income run rate at month 1, before savings"),
        "expenditure": money_pos("Annual spending run rate at month 1, before savings"),
        "fixed_charges": money_pos("Annual fixed charges such as PFI unitary payments and the "
                                   "PDC dividend (default 0)"),
        "fixed_indexation": num("Annual indexation of the fixed charges (> -1; default 0).",
                                exclusiveMinimum=-1),
        "income_growth": described(ref("growth_distribution"), "Distribution of annual income "
                                   "growth, drawn once per path (default fixed 0)."),
        "cost_growth": described(ref("growth_distribution"), "Distribution of annual cost "
                                 "growth, drawn once per path (default fixed 0)."),
        "cash_noise": money_pos("Standard deviation of an independent monthly cash-flow shock "
                                "(default 0)"),
        "commissioners": described({"type": "array", "items": ref("commissioner"),
                                    "maxItems": MAX_CONSORTIA},
                                   "The consortia asked for shares of this trust's bail-outs "
                                   "(default none: all national)."),
        "bailout_buffer": money_pos("Extra cash a bail-out gives above the floor (default 0)"),
        "factors": described(ref("loadings"), "Loadings for the trust's values without their "
                             "own."),
        "schemes": described({"type": "array", "items": ref("scheme"),
                              "maxItems": MAX_SCHEMES},
                             "The trust's savings schemes (ids unique within the trust)."),
    }, ["id", "cash", "income", "expenditure"])
    return d


def config_props():
    return {
        "name": text("Title shown in outputs and the report."),
        "notes": text("Sources and assumptions; not used by the model."),
        "horizon_months": described({"type": "integer", "minimum": 1, "maximum": MAX_HORIZON},
                                    "Number of months simulated (1..120)."),
        "paths": described({"type": "integer", "minimum": 1, "maximum": MAX_PATHS},
                           "Default number of Monte Carlo paths (--paths overrides; default "
                           "10000)."),
        "seed": described({"type": "integer", "minimum": 0, "maximum": MAX_SEED},
                          "Default seed of the random streams (--seed overrides; default 1)."),
        "precision": described(ref("precision"), "Stop once every trust's P(fail) is this "
                               "precise (default: run all the paths)."),
        "sampling": described(ref("sampling"), "Plain Monte Carlo (the default) or importance "
                              "sampling by shifting factors."),
        "copula": described(ref("copula"), "How factors combine into draws (default "
                            "Gaussian)."),
        "factors": described({"type": "array", "items": ref("factor"),
                              "maxItems": MAX_FACTORS},
                             "Named common drivers (names unique)."),
        "consortia": described({"type": "array", "items": ref("consortium"),
                                "maxItems": MAX_CONSORTIA},
                               "Commissioning consortia that pay bail-outs (ids unique)."),
        "trusts": described({"type": "array", "items": ref("trust"), "minItems": 1,
                             "maxItems": MAX_TRUSTS},
                            "The trusts (at least one; ids unique)."),
    }


def config_schema():
    s = {
        "$schema": DRAFT,
        "title": "trustrisk config",
        "description": "A trustrisk config: trusts, their savings schemes, the consortia that "
                       "bail them out and how uncertain values move together. Money in GBP "
                       "million, time in months, rates as fractions a year. See "
                       "configs/README.md.",
        "type": "object",
        "properties": config_props(),
        "required": ["horizon_months", "trusts"],
        "additionalProperties": False,
        "$defs": config_defs(),
    }
    return s


# --------------------------------------------------- overlays and manifests

# Lists merged element by element, and the member that identifies an element.
IDENTITY = {"trust": "id", "consortium": "id", "scheme": "id", "factor": "name",
            "commissioner": "consortium"}
NULL = {"type": "null"}


def nullable(schema):
    """schema, or null (which removes the key so the field takes its default)."""
    desc = schema.get("description")
    inner = {k: v for k, v in schema.items() if k != "description"}
    out = {"anyOf": [inner, NULL]}
    if desc:
        out["description"] = desc + " null removes it."
    return out


def overlay_of(schema):
    """The overlay form of a config schema fragment."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        out = dict(schema)
        out["$ref"] = "#/$defs/overlay_" + name
        return out
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        elem = schema["items"]["$ref"].rsplit("/", 1)[1]
        out = dict(schema)
        out["items"] = {"$ref": "#/$defs/overlay_%s_item" % elem}
        out.pop("minItems", None)
        return out
    return schema  # numbers, strings, other arrays: the overlay's value replaces the base's


def overlay_object(schema, identity=None):
    out = {k: v for k, v in schema.items() if k not in ("required", "properties")}
    out["properties"] = {k: (v if k == identity else nullable(overlay_of(v)))
                         for k, v in schema["properties"].items()}
    if identity:
        out["required"] = [identity]
    return out


def overlay_defs():
    cfg = config_defs()
    d = {}
    for name in ("copula", "event_stay", "event_compromise"):
        d["overlay_" + name] = overlay_object(cfg[name])
        d["overlay_" + name].pop("if", None)
        d["overlay_" + name].pop("then", None)
        d["overlay_" + name].pop("else", None)
    for elem, key in IDENTITY.items():
        part = overlay_object(cfg[elem], key)
        part["description"] = ("Changes to the %s with this %s, merged member by member; a "
                               "new %s must be complete." % (elem, key, key))
        d["overlay_" + elem] = part
        d["overlay_%s_item" % elem] = {
            "description": "Either changes to a %s (matched by \"%s\") or its removal."
                           % (elem, key),
            "anyOf": [
                obj("Removes the %s with this %s." % (elem, key), {
                    key: copy.deepcopy(cfg[elem]["properties"][key]),
                    "remove": described({"const": True}, "true: remove this element."),
                }, [key, "remove"]),
                ref("overlay_" + elem),
            ],
        }
    d["overlay_sampling"] = overlay_object(cfg["sampling"])
    d["overlay_sampling"].pop("allOf")
    d["overlay_auto_shift"] = overlay_object(cfg["auto_shift"])
    d["overlay_rare_event"] = overlay_object(cfg["rare_event"])
    d["overlay_rare_event"].pop("minProperties")
    d["overlay_rare_event"].pop("maxProperties")
    d["overlay_shift"] = {
        "type": "object",
        "description": "Changes to the shift, merged factor by factor; null removes one.",
        "additionalProperties": {"anyOf": [num("New shift, in [-10, 10].", minimum=-MAX_SHIFT,
                                               maximum=MAX_SHIFT), NULL]},
    }
    params = {}
    for kind, (plist, _) in DIST_PARAMS.items():
        for p, s in plist:
            if p in params:
                params[p] = num("A parameter of the distribution (see its family).")
                if p in ("values", "probs"):
                    params[p] = s
            else:
                params[p] = s
    props = {"dist": described({"enum": list(DIST_PARAMS)}, "The family, when it changes.")}
    props.update(params)
    props["factors"] = described(ref("loadings"), "Loadings, merged name by name.")
    d["overlay_distribution"] = overlay_object(obj(
        "Changes to a distribution, merged member by member (a new family needs all its "
        "parameters, and members the new family does not take must be removed with null).",
        props))
    d["overlay_growth_distribution"] = described(ref("overlay_distribution"),
                                                 "Changes to a growth distribution.")
    d["overlay_loadings"] = {
        "type": "object",
        "description": "Changes to loadings, merged factor by factor; null removes one.",
        "additionalProperties": {"anyOf": [num("New loading, in [-1, 1].", minimum=-1,
                                               maximum=1), NULL]},
    }
    # every scenario of a batch runs the same paths with the same seed: the
    # manifest sets them, an overlay may not (nor a precision target, which
    # would stop one scenario earlier than another)
    props = {k: v for k, v in config_props().items()
             if k not in ("paths", "seed", "precision")}
    root = overlay_object({"type": "object", "properties": props,
                           "additionalProperties": False})
    root["description"] = ("A partial config in the config's own shape holding only what "
                           "changes: objects merge key by key (null removes a key), the lists "
                           "trusts, consortia, schemes (by id), factors (by name) and "
                           "commissioners (by consortium) merge element by element, anything "
                           "else replaces the base's value. \"paths\" and \"seed\" are the "
                           "batch's (set in the manifest), the same for every scenario, and "
                           "so is \"precision\".")
    d["overlay"] = root
    return d


# A scenario's id: also the name of its folder in a batch's outputs.
SCENARIO_ID = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"


def manifest_schema():
    scenario = obj("One scenario: the base config with an overlay applied (or the base "
                   "itself, without one).", {
        "id": described({"type": "string", "pattern": SCENARIO_ID},
                        "Identifier of the scenario, unique in the manifest; used by "
                        "\"reference\" and as the name of its folder in the outputs: 1 to 64 "
                        "letters, digits, '-', '_' or '.', not starting with '.'."),
        "name": text("Display name (default: the id)."),
        "notes": text("What the scenario changes and why."),
        "overlay": described(ref("overlay"), "The changes, written inline."),
        "overlay_file": ident("A JSON file holding the overlay, relative to the manifest's "
                              "folder."),
    }, ["id"], **{"not": {"required": ["overlay", "overlay_file"]}})
    s = {
        "$schema": DRAFT,
        "title": "trustrisk batch manifest",
        "description": "A batch of scenarios run on the same paths (common random numbers): "
                       "a base config and, per scenario, an overlay of changes.",
        "type": "object",
        "properties": {
            "name": text("Title of the batch."),
            "notes": text("What the batch is for; not used by the engine."),
            "base": ident("The base config file, relative to the manifest's folder."),
            "paths": described({"type": "integer", "minimum": 1, "maximum": MAX_PATHS},
                               "Number of paths of every scenario (default: the base's)."),
            "seed": described({"type": "integer", "minimum": 0, "maximum": MAX_SEED},
                              "Seed of every scenario (default: the base's)."),
            "reference": ident("Id of the scenario the others are compared with (default: "
                               "the first)."),
            "scenarios": described({"type": "array", "items": ref("scenario"), "minItems": 1},
                                   "The scenarios (ids unique)."),
        },
        "required": ["name", "base", "scenarios"],
        "additionalProperties": False,
        "$defs": dict(overlay_defs(), scenario=scenario),
    }
    return s


# ------------------------------------------------------------------ results

def sha256(desc):
    return described({"type": "string", "pattern": "^[0-9a-f]{64}$"}, desc)


def engine_obj():
    return obj("The engine that wrote the file.", {
        "name": described({"const": "trustrisk"}, "Always \"trustrisk\"."),
        "version": ident("Engine version; results may change between versions."),
    }, ["name", "version"])


def config_obj(desc):
    return obj(desc, {
        "name": text("The config's name."),
        "sha256": sha256("SHA-256 of the config's canonical form (not of the file)."),
    }, ["name", "sha256"])


def estimate(desc):
    return obj(desc, {
        "estimate": prob("The estimated probability"),
        "se": num("Its Monte Carlo standard error, sqrt(p(1-p)/n).", minimum=0),
        "ci95": described({"type": "array", "items": {"type": "number", "minimum": 0,
                                                      "maximum": 1},
                           "minItems": 2, "maxItems": 2},
                          "Wilson 95 % interval [low, high]."),
    }, ["estimate", "se", "ci95"])


def curve(desc):
    return described({"type": "array", "items": {"type": "number", "minimum": 0,
                                                 "maximum": 1}}, desc)


def results_defs():
    qlevels = ["0.5", "0.9", "0.95", "0.99", "0.995"]
    d = {}
    d["dist"] = obj("Summary of a per-path amount (GBP million over the horizon) across "
                    "paths.", {
        "mean": num("Mean over all paths (zeros included)."),
        "se": num("Monte Carlo standard error of the mean, sd / sqrt(n).", minimum=0),
        "sd": num("Standard deviation across paths.", minimum=0),
        "quantiles": obj("Quantile q_a: the smallest x with P(value <= x) >= a (histogram "
                         "error at most 0.5 % or 0.01, whichever is larger).",
                         {q: num("Quantile at %s." % q) for q in qlevels}, qlevels),
        "es": obj("Expected shortfall ES_a: the mean of the worst 1 - a of paths.",
                  {q: num("Expected shortfall at %s." % q) for q in ("0.95", "0.99")},
                  ["0.95", "0.99"]),
        "exceedance": obj("Exceedance curve for charts: P(value > x) at up to 61 points (60 "
                          "spread over the range, plus the largest value).", {
            "x": described({"type": "array", "items": {"type": "number"}, "maxItems": 61},
                           "Amounts, increasing."),
            "p": described({"type": "array", "items": {"type": "number", "minimum": 0,
                                                       "maximum": 1}, "maxItems": 61},
                           "P(value > x) at each x."),
        }, ["x", "p"]),
    }, ["mean", "se", "sd", "quantiles", "es", "exceedance"])
    d["estimate"] = estimate("A probability with its standard error and 95 % interval.")
    band = described({"type": "array", "items": {"type": "number"}},
                     "Percentile of month-end cash (GBP million) at months 1..H.")
    d["scheme"] = obj("Shortfall of one savings scheme against its plan.", {
        "id": ident("The scheme's id."),
        "name": text("The scheme's name."),
        "planned": num("Savings the scheme would book within the horizon if delivered in full "
                       "and on time (GBP million)."),
        "shortfall_mean": num("Mean of planned minus booked savings over all paths."),
        "shortfall_mean_given_fail": described(
            {"type": ["number", "null"]},
            "The same mean over the paths where the trust fails; null if it never fails."),
    }, ["id", "name", "planned", "shortfall_mean", "shortfall_mean_given_fail"])
    d["trust"] = obj("Results for one trust.", {
        "id": ident("The trust's id."),
        "name": text("The trust's name."),
        "p_fail": described(ref("estimate"), "Probability that the trust fails within the "
                            "horizon."),
        "failure_curve": curve("P(failed by month t), t = 1..H."),
        "failure_month_mean": described({"type": ["number", "null"]},
                                        "Mean month of first failure over the paths where it "
                                        "fails; null if it never fails."),
        "bailout": described(ref("dist"), "The trust's total bail-out over the horizon."),
        "cash_bands": obj("Percentile bands of month-end cash, after bail-outs.",
                          {b: band for b in ("p5", "p25", "p50", "p75", "p95")},
                          ["p5", "p25", "p50", "p75", "p95"]),
        "schemes": described({"type": "array", "items": ref("scheme")},
                             "The trust's schemes, by id."),
    }, ["id", "name", "p_fail", "failure_curve", "failure_month_mean", "bailout",
        "cash_bands", "schemes"])
    d["consortium"] = obj("Results for one consortium.", {
        "id": ident("The consortium's id."),
        "name": text("The consortium's name."),
        "reserve": num("Its reserve (GBP million)."),
        "requested": described(ref("dist"), "Bail-out money asked of it over the horizon."),
        "paid": described(ref("dist"), "What it paid from its reserve."),
        "national_topup": described(ref("dist"), "Requested minus paid: what fell to the "
                                    "national level because its reserve ran out."),
        "p_exhausted": described(ref("estimate"), "Probability that its reserve is exhausted "
                                 "(a request not paid in full) within the horizon."),
        "exhaustion_curve": curve("P(exhausted by month t), t = 1..H."),
    }, ["id", "name", "reserve", "requested", "paid", "national_topup", "p_exhausted",
        "exhaustion_curve"])
    return d


def results_schema():
    return {
        "$schema": DRAFT,
        "title": "trustrisk results.json",
        "description": "Every estimate of a run, a pure function of (config, seed, paths, "
                       "engine version). See docs/results.md.",
        "type": "object",
        "properties": {
            "engine": engine_obj(),
            "config": config_obj("The config that was run."),
            "paths": described({"type": "integer", "minimum": 1}, "Number of paths run."),
            "seed": described({"type": "integer", "minimum": 0}, "Seed of the run."),
            "first_path": described({"type": "integer", "minimum": 1},
                                    "Index of the first path, when not 0 (a part of a split "
                                    "run)."),
            "precision": obj("A run with a precision target: the target, the paths used and "
                             "whether it was met (docs/results.md).", {
                "target_se": described({"type": ["number", "null"], "exclusiveMinimum": 0},
                                       "The absolute target, or null."),
                "target_rel": described({"type": ["number", "null"], "exclusiveMinimum": 0},
                                        "The relative target, or null."),
                "max_paths": described({"type": "integer", "minimum": 1},
                                       "The most paths the run could use."),
                "paths_used": described({"type": "integer", "minimum": 0},
                                        "The paths the statistics hold."),
                "met": described({"type": "boolean"}, "Every trust meets the target (and, "
                                 "when importance sampled, the weights are sound)."),
                "weights_sound": described({"type": "boolean"}, "Importance-sampled runs only: "
                                           "the mean weight is within 4 of its standard errors "
                                           "of 1; until it is, the target is not met."),
                "worst": obj("The trust furthest from its target.", {
                    "trust": text("Its id."),
                    "se": num("Its standard error (a trust that never failed counting one "
                              "failure).", minimum=0),
                    "allowed": num("What the target allows it.", minimum=0),
                }, ["trust", "se", "allowed"]),
            }, ["target_se", "target_rel", "max_paths", "paths_used", "met"]),
            "sampling": obj("Importance sampling: present only when the config shifts "
                            "factors; every estimate is then weighted (docs/results.md).", {
                "method": described({"const": "shift"}, "Always \"shift\"."),
                "shift": described({"type": "object", "additionalProperties": num(
                    "The factor's shift.", minimum=-10, maximum=10)},
                    "Each shifted factor's name and its shift mu."),
                "effective_sample_size": num("(sum L)^2 / sum L^2.", minimum=0),
                "mean_weight": num("sum L / n.", minimum=0),
                "pilot": obj("An automatic shift's pilot.", {
                    "paths": described({"type": "integer", "minimum": 1},
                                       "Pilot paths a step."),
                    "iterations": described({"type": "integer", "minimum": 1},
                                            "Cross-entropy steps taken."),
                    "level": described({"type": ["number", "null"]},
                                       "The elite's lowest score in the last step (null: "
                                       "a trust's failure)."),
                    "reached": described({"type": "boolean"},
                                         "The last step's elite was the event itself."),
                    "hit_rate": num("The share of the last step's paths in the event.",
                                    minimum=0, maximum=1),
                }, ["paths", "iterations", "level", "reached", "hit_rate"]),
            }, ["method", "shift", "effective_sample_size", "mean_weight"]),
            "horizon_months": described({"type": "integer", "minimum": 1}, "Months simulated, "
                                        "H."),
            "copula": described({"enum": ["gaussian", "t"]}, "The copula used."),
            "trusts": described({"type": "array", "items": ref("trust")}, "Per trust, by id."),
            "consortia": described({"type": "array", "items": ref("consortium")},
                                   "Per consortium, by id."),
            "system": obj("The system as a whole.", {
                "failures": obj("How many trusts fail.", {
                    "mean": num("Expected number of trusts failing.", minimum=0),
                    "distribution": curve("P(exactly k trusts fail), k = 0..N."),
                    "at_least": described({"type": "array", "items": ref("estimate")},
                                          "Under importance sampling only: P(at least k "
                                          "trusts fail), k = 0..N, each with its standard "
                                          "error."),
                }, ["mean", "distribution"]),
                "bailout": described(ref("dist"), "Total bail-out of all trusts."),
                "national_topup": described(ref("dist"), "Total paid nationally: unallocated "
                                            "shares plus what consortia could not pay."),
            }, ["failures", "bailout", "national_topup"]),
        },
        "required": ["engine", "config", "paths", "seed", "horizon_months", "copula", "trusts",
                     "consortia", "system"],
        "additionalProperties": False,
        "$defs": results_defs(),
    }


# --------------------------------------------------------------- comparison

def nullable_num(desc, **bounds):
    """A number that is null where it is undefined (a standard error from a
    single path)."""
    return described(dict({"type": ["number", "null"]}, **bounds), desc)


def ci95(desc):
    return described({"type": "array", "items": {"type": ["number", "null"]},
                      "minItems": 2, "maxItems": 2}, desc)


def comparison_defs():
    d = {}
    d["quantity"] = obj(
        "A quantity X compared path by path: the mean in each scenario and their paired "
        "difference (under importance sampling, of the weighted values).", {
            "scenario": num("The mean in the scenario (the estimate of its results.json)."),
            "reference": num("The mean in the reference (the estimate of its results.json)."),
            "delta": num("Mean over paths of (X of the scenario - X of the reference), which is "
                         "also the difference of the two scenarios' means."),
            "se": nullable_num("The standard deviation over paths of that difference (divisor "
                               "n - 1) / sqrt(n), its standard error: 0 when the difference "
                               "is the same on every path; null with a single path.",
                               minimum=0),
            "ci95": ci95("[delta - 1.96 se, delta + 1.96 se]; [null, null] with a single "
                         "path."),
            "se_unpaired": nullable_num(
                "sqrt((var of X in the scenario + var of X in the reference) / n): the "
                "standard error the same difference would have from two separate runs of n "
                "paths; null with a single path.", minimum=0),
        }, ["scenario", "reference", "delta", "se", "ci95", "se_unpaired"])
    maybe = {"anyOf": [ref("quantity"), NULL]}
    inside = described({"enum": ["both", "scenario", "reference"]},
                       "\"both\", or the one of the two scenarios that has it: \"scenario\" "
                       "or \"reference\".")

    def item(desc, what, q):
        props = {"id": ident("The %s's id." % what), "name": text("The %s's name." % what),
                 "in": inside}
        props.update((k, described(maybe, v)) for k, v in q)
        keys = [k for k, _ in q]
        out = obj(desc, props, ["id", "name", "in"] + keys)
        out["if"] = {"properties": {"in": {"const": "both"}}, "required": ["in"]}
        out["then"] = {"properties": {k: {"type": "object"} for k in keys}}
        out["else"] = {"properties": {k: NULL for k in keys}}
        return out

    d["trust"] = item("A trust of either scenario; its quantities are null when only one of "
                      "the two has it.", "trust", [
                          ("p_fail", "The failure indicator within the horizon: delta is a "
                                     "difference of probabilities (null when not in both)."),
                          ("bailout", "The trust's total bail-out over the horizon, GBP "
                                      "million (null when not in both).")])
    d["consortium"] = item("A consortium of either scenario; its quantities are null when "
                           "only one of the two has it.", "consortium", [
                               ("paid", "What it paid from its reserve, GBP million (null when "
                                        "not in both)."),
                               ("national_topup", "What fell to the national level because "
                                                  "its reserve ran out, GBP million (null "
                                                  "when not in both).")])
    d["scenario"] = obj("A scenario of the batch.", {
        "id": described({"type": "string", "pattern": SCENARIO_ID},
                        "The scenario's id (also its folder, scenarios/ID)."),
        "name": text("The scenario's name (default: the id)."),
        "notes": described({"type": ["string", "null"]}, "The scenario's notes, or null."),
        "config_sha256": sha256("SHA-256 of its merged config's canonical form, as in its "
                                "results.json."),
    }, ["id", "name", "notes", "config_sha256"])
    d["comparison"] = obj("One scenario against the reference, quantity by quantity.", {
        "scenario": described({"type": "string", "pattern": SCENARIO_ID},
                              "The scenario's id."),
        "reference": described({"type": "string", "pattern": SCENARIO_ID},
                               "The reference's id."),
        "system": obj("The system as a whole.", {
            "failures": described(ref("quantity"), "The number of trusts failing."),
            "bailout": described(ref("quantity"), "Total bail-out of all trusts (GBP "
                                 "million)."),
            "national_topup": described(ref("quantity"), "Total paid nationally (GBP "
                                        "million)."),
        }, ["failures", "bailout", "national_topup"]),
        "trusts": described({"type": "array", "items": ref("trust")},
                            "The trusts of either scenario: the scenario's, by id, then those "
                            "only the reference has, by id."),
        "consortia": described({"type": "array", "items": ref("consortium")},
                               "The consortia of either scenario: the scenario's, by id, then "
                               "those only the reference has, by id."),
    }, ["scenario", "reference", "system", "trusts", "consortia"])
    return d


def comparison_schema():
    return {
        "$schema": DRAFT,
        "title": "trustrisk comparison.json",
        "description": "A batch's scenarios, each against the reference on the same paths: "
                       "paired differences with their standard errors, a pure function of "
                       "(manifest, seed, paths, engine version). See docs/results.md.",
        "type": "object",
        "properties": {
            "engine": engine_obj(),
            "batch": obj("The batch.", {
                "name": text("The manifest's name."),
                "sha256": sha256("SHA-256 of the batch's canonical content."),
            }, ["name", "sha256"]),
            "paths": described({"type": "integer", "minimum": 1}, "The batch's number of "
                               "paths."),
            "seed": described({"type": "integer", "minimum": 0}, "The batch's seed."),
            "reference": described({"type": "string", "pattern": SCENARIO_ID},
                                   "The reference scenario's id."),
            "scenarios": described({"type": "array", "items": ref("scenario"), "minItems": 1},
                                   "Every scenario, in the manifest's order."),
            "comparisons": described({"type": "array", "items": ref("comparison")},
                                     "One per scenario other than the reference, in the "
                                     "manifest's order."),
        },
        "required": ["engine", "batch", "paths", "seed", "reference", "scenarios",
                     "comparisons"],
        "additionalProperties": False,
        "$defs": comparison_defs(),
    }


# -------------------------------------------------------------- sensitivity

SCHEME_BUMPS = ["delivery", "slippage", "paper", "stay", "compromise"]
BUMP_KINDS = SCHEME_BUMPS + ["cost_growth", "reserve"]


def sensitivity_defs():
    d = {}
    d["ranked"] = obj("A bump that changes the quantity, with its effect.", {
        "rank": described({"type": "integer", "minimum": 1}, "1, 2, ...: by |delta|, largest "
                          "first (the bumps' order on a tie)."),
        "bump": ident("The bump's id."),
        "description": text("The bump's description."),
        "delta": num("Mean over paths of (bumped - base): a probability difference for p_fail "
                     "(0.05 = 5 points)."),
        "se": nullable_num("The paired standard error: the sample standard deviation of the "
                           "per-path differences over sqrt(n) (null with one path).",
                           minimum=0),
        "ci95": ci95("[delta - 1.96 se, delta + 1.96 se] ([null, null] with one path)."),
        "se_unpaired": nullable_num("sqrt((var bumped + var base) / n): the standard error two "
                                    "independent runs would have had (null with one path).",
                                    minimum=0),
        "within_noise": described({"type": "boolean"}, "true when |delta| < 2 se (or se is "
                                  "null): the change could be Monte Carlo noise."),
    }, ["rank", "bump", "description", "delta", "se", "ci95", "se_unpaired", "within_noise"])
    d["quantity"] = obj("A quantity's base and the bumps ranked by their effect on it.", {
        "base": num("The quantity's mean in the base config: P(fail), E[bail-out], the "
                    "expected number failing, ..."),
        "unchanged": described({"type": "integer", "minimum": 0},
                               "How many bumps change it on no path (delta 0 and se 0); they "
                               "are not ranked."),
        "ranking": described({"type": "array", "items": ref("ranked")},
                             "The other bumps, largest |delta| first (the bumps' order on a "
                             "tie)."),
    }, ["base", "unchanged", "ranking"])
    string_or_null = {"type": ["string", "null"], "minLength": 1}

    def bump(desc, last):
        props = {
            "id": described({"type": "string", "pattern": "^(%s):." % "|".join(BUMP_KINDS)},
                            "KIND:TRUST/SCHEME for a scheme's bump, cost_growth:TRUST, "
                            "reserve:CONSORTIUM (an id that would repeat gets ~2, ~3, ...)."),
            "kind": described({"enum": BUMP_KINDS}, ", ".join(BUMP_KINDS[:-1]) + " or " +
                              BUMP_KINDS[-1] + "."),
            "trust": described(string_or_null, "The id of the trust it changes (null for a "
                               "reserve)."),
            "scheme": described(string_or_null, "The id of the scheme it changes (null for "
                                "cost_growth and reserve)."),
            "consortium": described(string_or_null, "The id of the consortium it changes "
                                    "(null but for a reserve)."),
            "description": text("One line: what changes, from what to what, and the mean "
                                "before and after."),
        }
        props.update(last)
        out = obj(desc, props, list(props))
        # each kind's id, and which of trust, scheme and consortium it names
        rules = [(k, ".+/.", "string", "string", "null") for k in SCHEME_BUMPS]
        rules += [("cost_growth", ".", "string", "null", "null"),
                  ("reserve", ".", "null", "null", "string")]
        out["allOf"] = [
            {"if": {"properties": {"kind": {"const": k}}, "required": ["kind"]},
             "then": {"properties": {"id": {"pattern": "^%s:%s" % (k, tail)},
                                     "trust": {"type": t}, "scheme": {"type": s},
                                     "consortium": {"type": c}}}}
            for k, tail, t, s, c in rules]
        return out

    d["bump"] = bump("A bump that ran.", {
        "capped": described({"type": "boolean"}, "true when the full size could not be applied "
                            "(a delivered fraction at 0, a probability at 1); the description "
                            "says by how much it moved.")})
    d["skipped"] = bump("A bump that cannot change anything, and was not run.", {
        "reason": text("Why it cannot change anything.")})
    d["trust"] = obj("A trust's quantities.", {
        "id": ident("The trust's id."),
        "name": text("The trust's name."),
        "p_fail": described(ref("quantity"), "The trust's probability of failure (deltas are "
                            "probability differences)."),
        "bailout": described(ref("quantity"), "The trust's expected bail-out (GBP million)."),
    }, ["id", "name", "p_fail", "bailout"])
    return d


def size(desc, low, high):
    """A bump size: in (low, high] (engine/sensitivity.c checks the same)."""
    return num(desc, exclusiveMinimum=low, maximum=high)


def sensitivity_schema():
    return {
        "$schema": DRAFT,
        "title": "trustrisk sensitivity.json",
        "description": "One-at-a-time bumps of a config's assumptions ranked by their effect "
                       "on each quantity, a pure function of (config, bump sizes, seed, "
                       "paths, engine version). See docs/results.md and docs/sensitivity.md.",
        "type": "object",
        "properties": {
            "engine": engine_obj(),
            "config": config_obj("The base config."),
            "paths": described({"type": "integer", "minimum": 1}, "Every bump and the base "
                               "ran these paths."),
            "seed": described({"type": "integer", "minimum": 0}, "Every bump and the base ran "
                              "with this seed."),
            "horizon_months": described({"type": "integer", "minimum": 1}, "Months simulated, "
                                        "H."),
            "sizes": obj("How far each assumption was bumped.", {
                "delivery": size("Points taken off each scheme's mean delivered fraction, in "
                                 "(0, 1].", 0, 1),
                "slippage": size("Factor on each scheme's slippage, in (1, 100].", 1, 100),
                "probability": size("Added to each paper, stay and compromise probability "
                                    "(capped at 1), in (0, 1].", 0, 1),
                "cost_growth": size("Added to each trust's annual cost growth, in (0, 1].", 0, 1),
                "reserve": size("Share cut from each consortium's reserve, in (0, 1].", 0, 1),
            }, ["delivery", "slippage", "probability", "cost_growth", "reserve"]),
            "bumps": described({"type": "array", "items": ref("bump")},
                               "The bumps that ran: for each trust in the config's order its "
                               "cost growth, then for each of its schemes delivery, slippage, "
                               "paper, stay and compromise; then the consortia's reserves, "
                               "by id."),
            "skipped": described({"type": "array", "items": ref("skipped")},
                                 "The bumps that cannot change anything, each with its "
                                 "reason, in the same order."),
            "system": obj("The system as a whole.", {
                "failures": described(ref("quantity"), "The number of trusts failing."),
                "bailout": described(ref("quantity"), "The total bail-out (GBP million)."),
                "national_topup": described(ref("quantity"), "The national top-up (GBP "
                                            "million)."),
            }, ["failures", "bailout", "national_topup"]),
            "trusts": described({"type": "array", "items": ref("trust")},
                                "Per trust, in the config's order."),
        },
        "required": ["engine", "config", "paths", "seed", "horizon_months", "sizes", "bumps",
                     "skipped", "system", "trusts"],
        "additionalProperties": False,
        "$defs": sensitivity_defs(),
    }


def check_descriptions(schema, where="#"):
    """Every property of every object carries a description."""
    missing = []
    if isinstance(schema, dict):
        for k, v in schema.get("properties", {}).items():
            if isinstance(v, dict) and "description" not in v:
                missing.append("%s/properties/%s" % (where, k))
        for k, v in schema.items():
            missing += check_descriptions(v, "%s/%s" % (where, k))
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            missing += check_descriptions(v, "%s/%d" % (where, i))
    return missing


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    schemas = {"config.schema.json": config_schema(),
               "manifest.schema.json": manifest_schema(),
               "results.schema.json": results_schema(),
               "comparison.schema.json": comparison_schema(),
               "sensitivity.schema.json": sensitivity_schema()}
    for name, s in schemas.items():
        # the overlay's "if" parts use properties only to select: they need none
        missing = [m for m in check_descriptions(s) if "/if/" not in m and "/then/" not in m
                   and "/else/" not in m]
        if missing:
            sys.exit("%s: properties without a description: %s" % (name, ", ".join(missing)))
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(s, f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
