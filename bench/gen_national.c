/*
 * gen_national.c - writes the benchmark's generated workloads.
 *
 * `national.json` is a config the size of England's provider sector: 220
 * trusts in 42 commissioning consortia (7 regions of 6), about 20 savings
 * schemes per trust mixing efficiencies (absence, overtime, agency, vacancy
 * freezes, consultant job plans, ...), phased closures (slippage, stays,
 * compromises, one-off costs) and other schemes, with global, consortium and
 * trust factors under a Student-t copula, over 36 months. The magnitudes
 * follow published figures: income £150m-£1.5bn, two trusts in three in deficit, PFI
 * on about a quarter of trusts, savings plans of 4-6 % of costs delivered
 * about 75-85 %, reserves about 1 % of each consortium's allocation. Every
 * trust and consortium is invented.
 *
 * `credit.json` is a credit-portfolio engine's workload in trustrisk's terms:
 * 1,000 identical trusts whose only risk is one paper event (probability
 * 0.02, loaded 0.4 on one global factor) over 12 months.
 *
 * `national-distinct.json` is the national config with every scheme's
 * delivery a beta distribution of its own shape, as real plans have: the
 * engine cannot share a quantile table between two schemes, so its set-up
 * is measured at its worst.
 *
 * The generator is deterministic: its only randomness is SplitMix64 (Steele,
 * Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
 * 2014) from a fixed seed, and it uses nothing but +, -, *, / on doubles
 * (no libm), printed with fixed decimals, so the files are the same bytes on
 * every IEEE-754 machine. Usage:
 *   trustrisk-bench-gen NATIONAL.json CREDIT.json [NATIONAL-DISTINCT.json] [SEED]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TRUSTS 220
#define N_REGIONS 7
#define PER_REGION 6
#define N_CONSORTIA (N_REGIONS * PER_REGION)
#define N_CREDIT 1000
#define MAX_SCHEMES 24

/* ---- deterministic random numbers -------------------------------------- */

static uint64_t sm_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, 1): the top 53 bits. */
static double unif(uint64_t *s)
{
    return (double)(sm_next(s) >> 11) * 0x1p-53;
}

/* Uniform in [lo, hi). */
static double between(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * unif(s);
}

/* Integer in [lo, hi]. */
static int pick_int(uint64_t *s, int lo, int hi)
{
    return lo + (int)(sm_next(s) % (uint64_t)(hi - lo + 1));
}

static int chance(uint64_t *s, double p)
{
    return unif(s) < p;
}

/* ---- names ------------------------------------------------------------- */

static const char *const REGIONS[N_REGIONS] = {"North East and Yorkshire",
                                               "North West",
                                               "Midlands",
                                               "East of England",
                                               "London",
                                               "South East",
                                               "South West"};

static const char *const PLACE_A[] = {
    "Ash", "Bram", "Cal", "Dun", "Elm",  "Fern",  "Glen", "Hal",  "Ing",   "Kel",  "Lang", "Mar",
    "Nor", "Oak",  "Pen", "Rad", "Sand", "Thorn", "Wes",  "Whit", "Brook", "Carr", "Dray", "Fair"};
static const char *const PLACE_B[] = {"ford",  "ton", "bury",  "ley",   "wick", "field",
                                      "mouth", "ham", "worth", "stead", "by",   "combe"};

static void place_name(uint64_t *s, char *buf, size_t n)
{
    size_t a = (size_t)(sm_next(s) % (sizeof PLACE_A / sizeof *PLACE_A));
    size_t b = (size_t)(sm_next(s) % (sizeof PLACE_B / sizeof *PLACE_B));
    snprintf(buf, n, "%s%s", PLACE_A[a], PLACE_B[b]);
}

/* ---- trust types ------------------------------------------------------- */

typedef enum { ACUTE, MENTAL, COMMUNITY, AMBULANCE, SPECIALIST } ttype;

static const char *const TYPE_NAME[] = {"Hospitals NHS Foundation Trust",
                                        "Mental Health NHS Foundation Trust",
                                        "Community Health NHS Trust", "Ambulance Service NHS Trust",
                                        "Specialist Hospital NHS Foundation Trust"};

/* Income (£m a year) by type: skewed towards the small end, 150..1500. */
static double draw_income(uint64_t *s, ttype ty)
{
    double u = unif(s);
    switch (ty) {
    case ACUTE:
        return 150.0 + 1350.0 * u * u * u;
    case MENTAL:
    case COMMUNITY:
        return 150.0 + 350.0 * u * u;
    case AMBULANCE:
        return 200.0 + 250.0 * u;
    default:
        return 150.0 + 550.0 * u * u;
    }
}

/* ---- schemes ----------------------------------------------------------- */

typedef enum { EFF, CLOSURE, OTHER } skind;

typedef struct tmpl {
    const char *id, *name;
} tmpl;

static const tmpl EFFICIENCIES[] = {
    {"absence", "Cut sickness absence"},
    {"overtime", "Reduce overtime and bank shifts"},
    {"agency", "Cap agency and locum staff"},
    {"vacancies", "Vacancy freeze (one-off)"},
    {"consultants", "Consultant job planning"},
    {"procurement", "Procurement and supplies"},
    {"theatres", "Theatre productivity"},
    {"length-of-stay", "Reduce length of stay"},
    {"outpatients", "Outpatient follow-up redesign"},
    {"medicines", "Medicines optimisation"},
    {"estates", "Estates rationalisation"},
    {"back-office", "Back-office consolidation"},
    {"skill-mix", "Nursing skill mix review"},
    {"pathology", "Pathology network"},
    {"energy", "Energy efficiency"},
    {"rostering", "E-rostering (invest to save)"},
    {"discharge", "Discharge to assess"},
    {"corporate", "Corporate services review"},
    {"clinical-admin", "Clinical admin redesign"},
    {"car-fleet", "Transport and fleet"},
};
#define N_EFF (sizeof EFFICIENCIES / sizeof *EFFICIENCIES)

static const tmpl CLOSURES[] = {
    {"close-ward", "Close an elderly-care ward"},
    {"downgrade-ae", "Downgrade A&E to an urgent care centre"},
    {"maternity", "Consolidate maternity on one site"},
    {"close-site", "Close the community hospital"},
    {"stroke", "Centralise hyper-acute stroke"},
    {"beds", "Reduce inpatient beds"},
};
#define N_CLOSURES (sizeof CLOSURES / sizeof *CLOSURES)

static const tmpl OTHERS[] = {
    {"private-patients", "Private patient income"},
    {"car-parking", "Car parking and commercial income"},
    {"pfi-refinance", "PFI contract renegotiation"},
};
#define N_OTHERS (sizeof OTHERS / sizeof *OTHERS)

/* Up to four numbers drawn in order. (C leaves the order in which a call's
 * arguments are evaluated unspecified, so no call below draws in its
 * arguments: every draw is its own statement.) */
typedef struct draws {
    double v[4];
} draws;

static draws draw2(uint64_t *s, double lo0, double hi0, double lo1, double hi1)
{
    draws d = {{0}};
    d.v[0] = between(s, lo0, hi0);
    d.v[1] = between(s, lo1, hi1);
    return d;
}

/* A delivery distribution (fraction delivered), in one of several families,
 * as JSON into buf. */
static void family_delivery(char *buf, size_t n, uint64_t *s, skind kind)
{
    draws d;
    if (kind == CLOSURE) {
        if (chance(s, 0.6)) {
            d = draw2(s, 0.3, 0.55, 0.75, 0.95);
            snprintf(buf, n, "{\"dist\": \"pert\", \"min\": %.2f, \"mode\": %.2f, \"max\": 1.0}",
                     d.v[0], d.v[1]);
        } else {
            d = draw2(s, 0.65, 0.85, 0.1, 0.2);
            snprintf(buf, n, "{\"dist\": \"beta\", \"mean\": %.2f, \"sd\": %.2f}", d.v[0], d.v[1]);
        }
        return;
    }
    if (kind == OTHER) {
        if (chance(s, 0.5)) {
            d = draw2(s, 0.7, 0.9, 0.1, 0.25);
            snprintf(buf, n, "{\"dist\": \"normal\", \"mean\": %.2f, \"sd\": %.2f}", d.v[0],
                     d.v[1]);
        } else {
            snprintf(buf, n, "{\"dist\": \"fixed\", \"value\": %.2f}", between(s, 0.8, 1.0));
        }
        return;
    }
    double u = unif(s);
    if (u < 0.6) {
        d = draw2(s, 0.55, 0.88, 0.08, 0.2);
        snprintf(buf, n, "{\"dist\": \"beta\", \"mean\": %.2f, \"sd\": %.2f}", d.v[0], d.v[1]);
    } else if (u < 0.8) {
        d = draw2(s, 0.2, 0.5, 0.7, 0.95);
        snprintf(buf, n, "{\"dist\": \"pert\", \"min\": %.2f, \"mode\": %.2f, \"max\": 1.0}",
                 d.v[0], d.v[1]);
    } else if (u < 0.9) {
        d = draw2(s, 0.3, 0.5, 0.7, 0.9);
        snprintf(buf, n, "{\"dist\": \"triangular\", \"min\": %.2f, \"mode\": %.2f, \"max\": 1.0}",
                 d.v[0], d.v[1]);
    } else {
        d = draw2(s, 0.4, 0.6, 0.9, 1.0);
        snprintf(buf, n, "{\"dist\": \"uniform\", \"min\": %.2f, \"max\": %.2f}", d.v[0], d.v[1]);
    }
}

/* The national-distinct variant's delivery shapes: every scheme's delivery
 * a Beta distribution of its own (mean, sd), both in steps of 0.0001, drawn
 * from a second stream so that the first, and with it everything else in
 * the config, is national.json's, and redrawn until no two schemes share a
 * shape. */
#define MAX_SHAPES 8192
typedef struct shapes {
    uint64_t s;
    size_t n;
    int mean[MAX_SHAPES], sd[MAX_SHAPES]; /* in units of 0.0001 */
} shapes;

static int shape_used(const shapes *sh, int mean, int sd)
{
    for (size_t k = 0; k < sh->n; k++)
        if (sh->mean[k] == mean && sh->sd[k] == sd) return 1;
    return 0;
}

/* A new shape: mean and sd in the ranges of the national config's beta
 * deliveries of this kind (so sd^2 < mean (1 - mean) always holds). */
static int distinct_delivery(char *buf, size_t n, shapes *sh, skind kind)
{
    if (sh->n == MAX_SHAPES) return -1;
    int mean, sd;
    do {
        mean = kind == CLOSURE ? pick_int(&sh->s, 6500, 8500) : pick_int(&sh->s, 5500, 8800);
        sd = kind == CLOSURE ? pick_int(&sh->s, 1000, 2000) : pick_int(&sh->s, 800, 2000);
    } while (shape_used(sh, mean, sd));
    sh->mean[sh->n] = mean;
    sh->sd[sh->n] = sd;
    sh->n++;
    snprintf(buf, n, "{\"dist\": \"beta\", \"mean\": 0.%04d, \"sd\": 0.%04d}", mean, sd);
    return 0;
}

/* A scheme's delivery: its family's draws always come from s (so the rest of
 * the config does not depend on sh); the distinct shape replaces them when
 * sh is set. */
static void print_delivery(FILE *fp, uint64_t *s, skind kind, shapes *sh)
{
    char buf[256];
    family_delivery(buf, sizeof buf, s, kind);
    if (sh && distinct_delivery(buf, sizeof buf, sh, kind) != 0) {
        fprintf(stderr, "trustrisk-bench-gen: more than %d schemes\n", MAX_SHAPES);
        exit(1);
    }
    fputs(buf, fp);
}

/* Planned start and ramp, in months. */
static void print_timing(FILE *fp, uint64_t *s, int s_lo, int s_hi, int r_lo, int r_hi)
{
    int start = pick_int(s, s_lo, s_hi);
    int ramp = pick_int(s, r_lo, r_hi);
    fprintf(fp, ", \"start_month\": %d, \"ramp_months\": %d", start, ramp);
}

/* One scheme as a JSON object on one line. */
static void print_scheme(FILE *fp, uint64_t *s, shapes *sh, skind kind, const tmpl *t, int dup,
                         double saving)
{
    char id[64];
    draws d;
    if (dup)
        snprintf(id, sizeof id, "%s-%d", t->id, dup + 1);
    else
        snprintf(id, sizeof id, "%s", t->id);
    static const char *const KIND[] = {"efficiency", "closure", "other"};
    fprintf(fp, "{\"id\": \"%s\", \"name\": \"%s%s\", \"kind\": \"%s\", \"saving\": %.2f", id,
            t->name, dup ? " (phase 2)" : "", KIND[kind], saving);
    if (kind == CLOSURE) {
        print_timing(fp, s, 3, 18, 6, 12);
        fputs(", \"delivery\": ", fp);
        print_delivery(fp, s, kind, sh);
        fprintf(fp, ", \"paper\": %.3f", between(s, 0.03, 0.15));
        d = draw2(s, 2.0, 6.0, 0.5, 1.0);
        d.v[2] = between(s, 0.3, 0.5);
        fprintf(fp,
                ", \"slippage\": {\"dist\": \"lognormal\", \"median\": %.1f, \"sigma\": %.2f, "
                "\"factors\": {\"politics\": %.2f}}",
                d.v[0], d.v[1], d.v[2]);
        fprintf(fp, ", \"stay\": {\"probability\": %.2f, \"delay\": ", between(s, 0.1, 0.4));
        double u = unif(s);
        if (u < 0.4) {
            int lo = pick_int(s, 2, 4);
            int hi = pick_int(s, 9, 15);
            fprintf(fp, "{\"dist\": \"uniform\", \"min\": %d, \"max\": %d}", lo, hi);
        } else if (u < 0.7) {
            fputs("{\"dist\": \"discrete\", \"values\": [6, 12, 24], \"probs\": [0.5, 0.3, 0.2]}",
                  fp);
        } else {
            fprintf(fp, "{\"dist\": \"lognormal\", \"median\": %.1f, \"sigma\": 0.6}",
                    between(s, 4.0, 9.0));
        }
        fputs("}", fp);
        fprintf(fp,
                ", \"compromise\": {\"probability\": %.2f, \"retained\": ", between(s, 0.15, 0.4));
        if (chance(s, 0.6)) {
            d = draw2(s, 0.25, 0.45, 0.7, 0.9);
            fprintf(fp, "{\"dist\": \"uniform\", \"min\": %.2f, \"max\": %.2f}", d.v[0], d.v[1]);
        } else {
            fprintf(fp, "{\"dist\": \"triangular\", \"min\": 0.3, \"mode\": %.2f, \"max\": 0.9}",
                    between(s, 0.5, 0.7));
        }
        fputs("}", fp);
        fprintf(fp, ", \"one_off_cost\": %.2f", saving * between(s, 0.2, 0.6));
        d = draw2(s, 0.35, 0.5, 0.2, 0.35);
        fprintf(fp, ", \"factors\": {\"politics\": %.2f, \"local\": %.2f}", d.v[0], d.v[1]);
    } else if (kind == OTHER) {
        print_timing(fp, s, 1, 12, 0, 6);
        fputs(", \"delivery\": ", fp);
        print_delivery(fp, s, kind, sh);
        fprintf(fp, ", \"paper\": %.3f", between(s, 0.1, 0.35));
        fprintf(fp, ", \"factors\": {\"national\": %.2f}", between(s, 0.3, 0.5));
    } else {
        int one_off = strcmp(t->id, "vacancies") == 0 || chance(s, 0.15);
        print_timing(fp, s, 1, 6, 3, 12);
        fputs(", \"delivery\": ", fp);
        print_delivery(fp, s, kind, sh);
        fprintf(fp, ", \"paper\": %.3f", between(s, 0.05, 0.3));
        if (chance(s, 0.4)) {
            d = draw2(s, 1.0, 3.0, 0.5, 0.9);
            fprintf(fp,
                    ", \"slippage\": {\"dist\": \"lognormal\", \"median\": %.1f, \"sigma\": %.2f}",
                    d.v[0], d.v[1]);
        }
        if (chance(s, 0.2)) {
            d = draw2(s, 0.1, 0.3, 0.4, 0.6);
            fprintf(fp,
                    ", \"compromise\": {\"probability\": %.2f, \"retained\": {\"dist\": "
                    "\"uniform\", \"min\": %.2f, \"max\": 0.9}}",
                    d.v[0], d.v[1]);
        }
        if (strcmp(t->id, "rostering") == 0 || strcmp(t->id, "energy") == 0 || chance(s, 0.1))
            fprintf(fp, ", \"one_off_cost\": %.2f", saving * between(s, 0.1, 0.5));
        if (one_off) fputs(", \"recurrent\": false", fp);
        d = draw2(s, 0.35, 0.55, 0.15, 0.3);
        fprintf(fp, ", \"factors\": {\"management\": %.2f, \"national\": %.2f}", d.v[0], d.v[1]);
    }
    fputs("}", fp);
}

/* Split `total` into n positive parts with random weights. */
static void split(uint64_t *s, double total, int n, double *out)
{
    double w = 0.0;
    for (int k = 0; k < n; k++) {
        out[k] = 0.5 + unif(s);
        w += out[k];
    }
    for (int k = 0; k < n; k++)
        out[k] = total * out[k] / w;
}

/* ---- the national config ----------------------------------------------- */

typedef struct trust_row {
    ttype type;
    double income, expenditure, fixed;
    int lead, second;
    double share_lead, share_second;
} trust_row;

/* The national config; with sh, its national-distinct variant. */
static int write_national(FILE *fp, uint64_t seed, shapes *sh)
{
    uint64_t s = seed;
    trust_row rows[N_TRUSTS];
    double alloc[N_CONSORTIA] = {0};

    /* First the trusts' sizes and commissioners, so that reserves can be sized. */
    for (int i = 0; i < N_TRUSTS; i++) {
        trust_row *r = &rows[i];
        double u = unif(&s);
        r->type = u < 0.62   ? ACUTE
                  : u < 0.76 ? MENTAL
                  : u < 0.86 ? COMMUNITY
                  : u < 0.91 ? AMBULANCE
                             : SPECIALIST;
        r->income = draw_income(&s, r->type);
        r->lead = i * N_CONSORTIA / N_TRUSTS; /* 5 or 6 trusts lead-commissioned by each */
        r->share_lead = between(&s, 0.55, 0.8);
        r->second = -1;
        r->share_second = 0.0;
        if (chance(&s, 0.5)) {
            int region = r->lead / PER_REGION;
            r->second = region * PER_REGION + (r->lead % PER_REGION + 1) % PER_REGION;
            r->share_second = between(&s, 0.05, 0.2);
        }
        r->share_lead = (double)(int)(r->share_lead * 100.0) / 100.0;
        r->share_second = (double)(int)(r->share_second * 100.0) / 100.0;
        alloc[r->lead] += r->share_lead * r->income;
        if (r->second >= 0) alloc[r->second] += r->share_second * r->income;
    }

    fputs("{\n", fp);
    if (sh)
        fputs("  \"name\": \"National benchmark, every scheme its own beta delivery shape: 220 "
              "trusts, 42 consortia (generated)\",\n"
              "  \"notes\": \"The national benchmark with every scheme's delivery a beta "
              "distribution of a shape no other scheme has (mean and sd in steps of 0.0001 from a "
              "second SplitMix64 stream), as in real savings plans, so no two schemes can share a "
              "quantile table; everything else is as in national.json. ",
              fp);
    else
        fputs("  \"name\": \"National benchmark: 220 trusts, 42 consortia (generated)\",\n"
              "  \"notes\": \"",
              fp);
    fputs("Generated by bench/gen_national.c (SplitMix64, fixed seed) for the "
          "benchmark: the size of England's provider sector, every trust and consortium "
          "invented. Income 150-1500 GBP m a year, two trusts in three in deficit (2015-16: "
          "GBP 2.45bn on GBP 76bn), PFI on about a quarter (up to 16 % of income, South London "
          "Healthcare), PDC dividend about 1 % of income, cash one to six weeks of spending, "
          "facilities about a month of spending (HSJ). Savings plans 4-6 % of costs (national "
          "ask about 5 %; acute trusts planned 6 % in 2011-12), delivered about 75-85 % "
          "(Monitor, HFMA), some one-off; closures slip, are stayed and are watered down "
          "(Chase Farm 2004-13, Lewisham 2013). Reserves about 1 % of each consortium's "
          "allocation (West Midlands SHA top-slice 2010/11). Do not edit: regenerate.\",\n",
          fp);
    fprintf(fp, "  \"horizon_months\": 36,\n  \"paths\": 10000,\n  \"seed\": %llu,\n",
            (unsigned long long)seed);
    fputs("  \"copula\": {\"type\": \"t\", \"dof\": 5},\n", fp);
    fputs("  \"factors\": [\n"
          "    {\"name\": \"national\", \"scope\": \"global\"},\n"
          "    {\"name\": \"politics\", \"scope\": \"global\"},\n"
          "    {\"name\": \"local\", \"scope\": \"consortium\"},\n"
          "    {\"name\": \"management\", \"scope\": \"trust\"}\n"
          "  ],\n",
          fp);

    fputs("  \"consortia\": [\n", fp);
    for (int c = 0; c < N_CONSORTIA; c++) {
        char place[32];
        place_name(&s, place, sizeof place);
        double reserve = alloc[c] * between(&s, 0.006, 0.014);
        fprintf(fp,
                "    {\"id\": \"cons-%02d\", \"name\": \"%s and district GP consortium (%s)\", "
                "\"reserve\": %.2f}%s\n",
                c + 1, place, REGIONS[c / PER_REGION], reserve, c + 1 < N_CONSORTIA ? "," : "");
    }
    fputs("  ],\n", fp);

    fputs("  \"trusts\": [\n", fp);
    for (int i = 0; i < N_TRUSTS; i++) {
        trust_row *r = &rows[i];
        char place[32];
        place_name(&s, place, sizeof place);
        double I = r->income;
        double deficit = chance(&s, 0.08) ? between(&s, 0.06, 0.14) : between(&s, -0.025, 0.05);
        double pdc = I * between(&s, 0.008, 0.016);
        int pfi = r->type == ACUTE ? chance(&s, 0.35) : chance(&s, 0.08);
        double pfi_charge = pfi ? I * between(&s, 0.04, 0.16) : 0.0;
        double fixed = pdc + pfi_charge;
        double expenditure = I * (1.0 + deficit) - fixed;
        double cash = expenditure / 12.0 * between(&s, 0.25, 1.5);
        int ft = chance(&s, 0.6);
        double facility = ft ? expenditure / 12.0 * between(&s, 0.4, 1.0) : 0.0;
        double indexation = pfi ? between(&s, 0.025, 0.035) : 0.0;

        fprintf(fp, "    {\n      \"id\": \"trust-%03d\", \"name\": \"%s %s\",\n", i + 1, place,
                TYPE_NAME[r->type]);
        if (pfi)
            fprintf(fp,
                    "      \"notes\": \"PFI unitary payment GBP %.1fm a year (%.0f %% of income), "
                    "RPI-indexed.\",\n",
                    pfi_charge, 100.0 * pfi_charge / I);
        fprintf(fp,
                "      \"cash\": %.2f, \"min_cash\": %.2f, \"facility\": %.2f,\n"
                "      \"income\": %.2f, \"expenditure\": %.2f, \"fixed_charges\": %.2f, "
                "\"fixed_indexation\": %.3f,\n",
                cash, I * 0.005, facility, I, expenditure, fixed, indexation);
        draws g = draw2(&s, -0.01, 0.005, 0.015, 0.025);
        g.v[2] = between(&s, 0.03, 0.04);
        fprintf(fp,
                "      \"income_growth\": {\"dist\": \"pert\", \"min\": %.3f, \"mode\": %.3f, "
                "\"max\": %.3f, \"factors\": {\"national\": 0.4, \"local\": 0.3}},\n",
                g.v[0], g.v[1], g.v[2]);
        if (chance(&s, 0.3)) {
            g = draw2(&s, 0.025, 0.032, 0.005, 0.01);
            fprintf(fp,
                    "      \"cost_growth\": {\"dist\": \"normal\", \"mean\": %.3f, \"sd\": %.3f, "
                    "\"factors\": {\"national\": 0.5}},\n",
                    g.v[0], g.v[1]);
        } else {
            g = draw2(&s, 0.01, 0.02, 0.025, 0.032);
            g.v[2] = between(&s, 0.04, 0.055);
            fprintf(fp,
                    "      \"cost_growth\": {\"dist\": \"pert\", \"min\": %.3f, \"mode\": %.3f, "
                    "\"max\": %.3f, \"factors\": {\"national\": 0.5}},\n",
                    g.v[0], g.v[1], g.v[2]);
        }
        double noise = I * between(&s, 0.002, 0.006);
        double buffer = chance(&s, 0.25) ? I * 0.01 : 0.0;
        fprintf(fp, "      \"cash_noise\": %.2f, \"bailout_buffer\": %.2f,\n", noise, buffer);
        fprintf(fp, "      \"commissioners\": [{\"consortium\": \"cons-%02d\", \"share\": %.2f}",
                r->lead + 1, r->share_lead);
        if (r->second >= 0)
            fprintf(fp, ", {\"consortium\": \"cons-%02d\", \"share\": %.2f}", r->second + 1,
                    r->share_second);
        fputs("],\n", fp);
        fprintf(fp, "      \"factors\": {\"management\": %.2f},\n", between(&s, 0.2, 0.4));

        /* The savings plan: 4-6 % of costs, split over about 20 schemes. */
        double plan = (expenditure + fixed) * between(&s, 0.04, 0.06);
        int n = pick_int(&s, 18, 22);
        int n_clo = r->type == ACUTE ? pick_int(&s, 2, 4) : pick_int(&s, 1, 2);
        int n_oth = pick_int(&s, 1, 2);
        int n_eff = n - n_clo - n_oth;
        double parts[MAX_SCHEMES];
        double clo_total = plan * between(&s, 0.25, 0.4), oth_total = plan * 0.08;
        fputs("      \"schemes\": [\n", fp);
        int written = 0;
        /* Efficiencies: walk the templates from a random start, numbering repeats. */
        split(&s, plan - clo_total - oth_total, n_eff, parts);
        size_t start = (size_t)(sm_next(&s) % N_EFF);
        for (int k = 0; k < n_eff; k++, written++) {
            size_t idx = (start + (size_t)k) % N_EFF;
            fputs("        ", fp);
            print_scheme(fp, &s, sh, EFF, &EFFICIENCIES[idx], (int)((start + (size_t)k) / N_EFF),
                         parts[k]);
            fputs(",\n", fp);
        }
        split(&s, clo_total, n_clo, parts);
        start = (size_t)(sm_next(&s) % N_CLOSURES);
        for (int k = 0; k < n_clo; k++, written++) {
            fputs("        ", fp);
            print_scheme(fp, &s, sh, CLOSURE, &CLOSURES[(start + (size_t)k) % N_CLOSURES], 0,
                         parts[k]);
            fputs(",\n", fp);
        }
        split(&s, oth_total, n_oth, parts);
        start = (size_t)(sm_next(&s) % N_OTHERS);
        for (int k = 0; k < n_oth; k++, written++) {
            fputs("        ", fp);
            print_scheme(fp, &s, sh, OTHER, &OTHERS[(start + (size_t)k) % N_OTHERS], 0, parts[k]);
            fputs(k + 1 < n_oth ? ",\n" : "\n", fp);
        }
        fprintf(fp, "      ]\n    }%s\n", i + 1 < N_TRUSTS ? "," : "");
    }
    fputs("  ]\n}\n", fp);
    return ferror(fp) ? -1 : 0;
}

/* ---- the credit config ------------------------------------------------- */

static int write_credit(FILE *fp)
{
    fputs("{\n", fp);
    fputs("  \"name\": \"Credit benchmark: 1,000 identical trusts, one paper event each\",\n", fp);
    fputs("  \"notes\": \"Generated by bench/gen_national.c. A credit-portfolio engine's workload "
          "in trustrisk's terms: each trust runs a deficit of GBP 6m a year that one savings "
          "scheme exactly closes; the scheme is paper with probability 0.02 (the default "
          "probability), loaded 0.4 on one global factor under the Gaussian copula (a one-factor "
          "Vasicek portfolio); a paper scheme exhausts the trust's cash in month 5. Nothing "
          "else is random. Do not edit: regenerate.\",\n",
          fp);
    fputs("  \"horizon_months\": 12,\n  \"paths\": 100000,\n  \"seed\": 1,\n", fp);
    fputs("  \"factors\": [{\"name\": \"economy\", \"scope\": \"global\"}],\n", fp);
    fputs("  \"trusts\": [\n", fp);
    for (int i = 0; i < N_CREDIT; i++)
        fprintf(fp,
                "    {\"id\": \"obligor-%04d\", \"cash\": 2, \"income\": 100, \"expenditure\": "
                "106, \"schemes\": [{\"id\": \"plan\", \"saving\": 6, \"start_month\": 1, "
                "\"paper\": 0.02, \"factors\": {\"economy\": 0.4}}]}%s\n",
                i + 1, i + 1 < N_CREDIT ? "," : "");
    fputs("  ]\n}\n", fp);
    return ferror(fp) ? -1 : 0;
}

/* Which file: the national config, credit, or national-distinct. */
enum { NATIONAL, CREDIT, DISTINCT };

static int write_file(const char *path, int which, uint64_t seed)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        return -1;
    }
    int rc;
    if (which == DISTINCT) {
        shapes *sh = calloc(1, sizeof *sh);
        if (!sh) {
            fclose(fp);
            fprintf(stderr, "%s: out of memory\n", path);
            return -1;
        }
        sh->s = seed ^ UINT64_C(0x64697374696e6374); /* "distinct" */
        rc = write_national(fp, seed, sh);
        free(sh);
    } else {
        rc = which == CREDIT ? write_credit(fp) : write_national(fp, seed, NULL);
    }
    if (fclose(fp) != 0) rc = -1;
    if (rc != 0) fprintf(stderr, "%s: write failed\n", path);
    return rc;
}

static int is_number(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

int main(int argc, char **argv)
{
    /* NATIONAL CREDIT [DISTINCT] [SEED]; the older NATIONAL CREDIT SEED still works. */
    const char *distinct = argc >= 4 && !is_number(argv[3]) ? argv[3] : NULL;
    int seed_at = distinct ? 4 : 3;
    if (argc < 3 || argc > seed_at + 1 || (argc == seed_at + 1 && !is_number(argv[seed_at]))) {
        fprintf(stderr, "usage: %s NATIONAL.json CREDIT.json [NATIONAL-DISTINCT.json] [SEED]\n",
                argv[0]);
        return 2;
    }
    uint64_t seed = argc == seed_at + 1 ? strtoull(argv[seed_at], NULL, 10) : UINT64_C(20120716);
    if (write_file(argv[1], NATIONAL, seed) != 0 || write_file(argv[2], CREDIT, seed) != 0 ||
        (distinct && write_file(distinct, DISTINCT, seed) != 0))
        return 1;
    return 0;
}
