/*
 * trustrisk/sensitivity.h - which assumption drives the risk: one-at-a-time
 * bumps of a config's assumptions, each simulated on the same paths as the
 * base config (common random numbers), ranked by their effect.
 *
 * A bump changes one assumption of one scheme, trust or consortium by a
 * documented amount (tr_sensitivity_sizes). For every scheme: its mean
 * delivered fraction down by `delivery` (0.10), its slippage times
 * `slippage` (1.5), and its paper, stay and compromise probabilities up by
 * `probability` (0.10, capped at 1); for every trust, its annual cost growth
 * up by `cost_growth` (0.01); for every consortium, its reserve cut by the
 * share `reserve` (0.5). Each bump is an overlay on the base config
 * (trustrisk/batch.h), and the bumps run as a batch whose reference is the
 * base itself: every bump is compared with the base path by path, so even a
 * small effect stands out of the Monte Carlo noise.
 *
 * How each distribution moves (docs/sensitivity.md spells it out with
 * examples):
 *
 *   - delivery, mean down by d: fixed, uniform, triangular, pert and
 *     discrete are shifted down by d, no value going below 0 (or below the
 *     distribution's own lowest value, if that is already negative): a
 *     value that would is set there, and the mean then falls by less than d
 *     (the bump says "capped"); a beta keeps its range and its
 *     concentration alpha + beta, so its mean falls by d and its sd
 *     follows (capped where the shapes would leave the range the engine
 *     supports); a normal's mean falls by d; a lognormal's median is scaled
 *     so that its mean falls by d (skipped if the mean is d or less);
 *   - slippage times f: the delay X becomes f X, for every family (all its
 *     location and scale parameters times f; a lognormal's median);
 *   - cost growth up by g: every family shifted up by g (a beta with its
 *     range; a lognormal's median scaled so that its mean rises by g);
 *   - a probability p becomes min(1, p + q); a reserve R becomes R (1 - r).
 *
 * A bump that cannot change anything is skipped and listed with the reason:
 * a probability already 1, a scheme without slippage, stay or compromise, a
 * scheme always on paper or with nothing to save, a reserve of 0, a
 * delivered fraction already at its floor, or a bumped config that the
 * loader refuses (its first message is the reason).
 *
 * The ranking: for each trust's P(fail) and E[bail-out] and the system's
 * number of failures, total bail-out and national top-up, the bumps that
 * change the quantity on at least one path, largest |delta| first, each
 * with the paired standard error, a 95 % interval, the standard error two
 * independent runs would have had, and "within noise" when |delta| < 2 se.
 *
 * Ownership: a plan and a sensitivity own every string they return, valid
 * until they are freed; functions returning char ** hand over a string the
 * caller frees with free().
 */
#ifndef TRUSTRISK_SENSITIVITY_H
#define TRUSTRISK_SENSITIVITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trustrisk/config.h"
#include "trustrisk/error.h"
#include "trustrisk/export.h"
#include "trustrisk/report.h"
#include "trustrisk/run.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Names of the files the command writes into its output folder. */
#define TR_SENSITIVITY_JSON "sensitivity.json"
#define TR_SENSITIVITY_CSV "sensitivity.csv"
#define TR_SENSITIVITY_HTML "sensitivity.html"

/** How far each assumption is bumped. Initialise with tr_sensitivity_sizes_init. */
typedef struct tr_sensitivity_sizes {
    double delivery;    /**< off each scheme's mean delivered fraction, in (0, 1]; 0.10 */
    double slippage;    /**< factor on each scheme's slippage, in (1, 100]; 1.5 */
    double probability; /**< added to paper, stay and compromise probabilities, in (0, 1]; 0.10 */
    double cost_growth; /**< added to each trust's annual cost growth, in (0, 1]; 0.01 */
    double reserve;     /**< share cut from each consortium's reserve, in (0, 1]; 0.5 */
} tr_sensitivity_sizes;

/** The default sizes (above). */
TR_API void tr_sensitivity_sizes_init(tr_sensitivity_sizes *s);

/** TR_OK, or TR_E_INPUT with a message per size outside its range (the
 *  path names it: "delivery", "slippage", ...). */
TR_API tr_status tr_sensitivity_sizes_check(const tr_sensitivity_sizes *s, tr_error *err);

/** One bump (or one skipped). Strings owned by its plan; NULL where not applicable. */
typedef struct tr_sensitivity_bump {
    const char *id;     /**< "KIND:TRUST/SCHEME", "cost_growth:TRUST", "reserve:CONSORTIUM" */
    const char *kind;   /**< delivery, slippage, paper, stay, compromise, cost_growth, reserve */
    const char *trust;  /**< the trust's id (scheme and trust bumps) */
    const char *scheme; /**< the scheme's id (scheme bumps) */
    const char *consortium;  /**< the consortium's id (reserve bumps) */
    const char *description; /**< what changes, from what to what: one line of ASCII */
    const char *overlay;     /**< the overlay (JSON), NULL for a skipped bump */
    const char *reason;      /**< why it was skipped, NULL for a bump that runs */
    int capped;              /**< the full size could not be applied (the description says so) */
} tr_sensitivity_bump;

/** The bumps of one config. */
typedef struct tr_sensitivity_plan tr_sensitivity_plan;

/**
 * Make the bumps of `cfg` with `sizes` (NULL: the defaults), in the
 * config's order: per trust its cost growth, then per scheme its delivery,
 * slippage, paper, stay and compromise; then the consortia's reserves.
 * Every bumped config is checked with the config loader. On success *out
 * receives a plan freed with tr_sensitivity_plan_free. TR_E_INPUT for sizes
 * out of range, TR_E_NOMEM.
 */
TR_API tr_status tr_sensitivity_plan_make(const tr_config *cfg, const tr_sensitivity_sizes *sizes,
                                          tr_sensitivity_plan **out, tr_error *err);

/** Free a plan. NULL is allowed. */
TR_API void tr_sensitivity_plan_free(tr_sensitivity_plan *p);

/** Bumps that run, and bump i of them. */
TR_API size_t tr_sensitivity_plan_count(const tr_sensitivity_plan *p);
TR_API const tr_sensitivity_bump *tr_sensitivity_plan_bump(const tr_sensitivity_plan *p, size_t i);

/** Bumps skipped, and skipped bump k (its `reason` says why). */
TR_API size_t tr_sensitivity_plan_skipped_count(const tr_sensitivity_plan *p);
TR_API const tr_sensitivity_bump *tr_sensitivity_plan_skipped(const tr_sensitivity_plan *p,
                                                              size_t k);

/**
 * The batch manifest (trustrisk/batch.h) of bumps first .. first + n - 1:
 * the base config `base_file` as its first scenario, "base" (the
 * reference), then one scenario per bump, "b<i>" named by the bump's id,
 * with `paths` and `seed`. tr_batch_run of it gives each bump's comparison
 * with the base: the numbers tr_sensitivity_run ranks.
 */
TR_API tr_status tr_sensitivity_plan_manifest(const tr_sensitivity_plan *p, const char *base_file,
                                              uint64_t paths, uint64_t seed, size_t first, size_t n,
                                              char **json, tr_error *err);

/** Options of a sensitivity run. Initialise with tr_sensitivity_options_init. */
typedef struct tr_sensitivity_options {
    uint64_t paths;             /**< paths (default: the config's) */
    uint64_t seed;              /**< seed (default: the config's) */
    int threads;                /**< worker threads; 0 = OpenMP's default */
    tr_sensitivity_sizes sizes; /**< default: tr_sensitivity_sizes_init */
    /** Bumps simulated together with the base in one batch (the base runs
     *  again with each such group); 0: as many as fit in a quarter of the
     *  memory (at most 2 GiB), at most 64. The results do not depend on it. */
    size_t group;
    tr_progress_fn progress; /**< counts paths, each simulated in every scenario */
    void *progress_user;
} tr_sensitivity_options;

/** Defaults: paths and seed from the config, threads 0, default sizes. */
TR_API void tr_sensitivity_options_init(tr_sensitivity_options *opt, const tr_config *cfg);

/** A finished sensitivity analysis. */
typedef struct tr_sensitivity tr_sensitivity;

/**
 * Bump every assumption of `cfg`, loaded from `config_file` (the batches
 * read the base from that file: it must not change meanwhile), simulate
 * each bump with the base on the same paths, and rank them. On success *out
 * receives the analysis, freed with tr_sensitivity_free. TR_E_INPUT for bad
 * options, a config file that changed, or a config with nothing to bump;
 * TR_E_NOMEM; TR_E_IO when the config file can no longer be read.
 */
TR_API tr_status tr_sensitivity_run(const tr_config *cfg, const char *config_file,
                                    const tr_sensitivity_options *opt, tr_sensitivity **out,
                                    tr_error *err);

/** Free an analysis. NULL is allowed. */
TR_API void tr_sensitivity_free(tr_sensitivity *s);

/** Its bumps. */
TR_API const tr_sensitivity_plan *tr_sensitivity_bumps(const tr_sensitivity *s);

/**
 * sensitivity.json (docs/results.md, "sensitivity.json"): the bumps, the
 * skipped ones, and per quantity the ranked effects. A pure function of the
 * config, sizes, seed, paths and engine version (no timings).
 */
TR_API tr_status tr_sensitivity_json(const tr_sensitivity *s, char **json, tr_error *err);

/** sensitivity.csv: one row per quantity and bump that changes it, ranked. */
TR_API tr_status tr_sensitivity_csv(const tr_sensitivity *s, FILE *fp, tr_error *err);

/** The printed summary: the top drivers of the system's quantities and of the
 *  `max_trusts` trusts most at risk. */
TR_API void tr_sensitivity_print_summary(const tr_sensitivity *s, size_t max_trusts, FILE *fp);

/** Wall-clock seconds the batches took, the threads they used, and the paths
 *  simulated over all scenarios (the base once per group). */
TR_API double tr_sensitivity_seconds(const tr_sensitivity *s);
TR_API int tr_sensitivity_threads(const tr_sensitivity *s);
TR_API uint64_t tr_sensitivity_work(const tr_sensitivity *s);

/**
 * sensitivity.html: a self-contained page from the text of sensitivity.json
 * (`len` bytes): tornado charts of the bumps' effects for the system and for
 * each trust at risk (base P(fail) of at least 1 %, the ten most at risk),
 * with tables. Charts are drawn as tr_report_html draws them (report.h).
 * TR_E_INPUT when the text is not a sensitivity.json; TR_E_NOMEM.
 */
TR_API tr_status tr_sensitivity_html(const char *json, size_t len, const char *source_name,
                                     tr_chart_fn chart, void *chart_user, char **html,
                                     tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_SENSITIVITY_H */
