/*
 * trustrisk/batch.h - scenarios as overlays on a base config, and batch
 * manifests (configs/README.md, "Batches", documents the format).
 *
 * A scenario is a base config with an overlay applied: a JSON object in the
 * config's own shape holding only what changes. The merge rules:
 *
 *   - object onto object, key by key, recursively; an overlay value null
 *     removes the key (the field takes its default);
 *   - the lists trusts, consortia, schemes (matched by "id"), factors (by
 *     "name") and commissioners (by "consortium") merge element by element:
 *     an overlay element is merged into the base element of the same
 *     identity; {"id": ..., "remove": true} removes it; an element with a
 *     new identity is appended (and must be a complete element);
 *   - anything else (numbers, strings, other arrays such as a discrete
 *     distribution's values and probs) replaces the base's value.
 *
 * An overlay may not set "paths" or "seed": every scenario of a batch runs
 * the same paths with the same seed (common random numbers).
 *
 * A batch manifest names a base config and a list of scenarios; loading it
 * checks the manifest, the base, every overlay and every merged config, and
 * reports every problem at once; tr_batch_run (below) simulates it.
 *
 * Ownership: a tr_manifest owns everything its accessors return (strings,
 * configs); they stay valid until tr_manifest_free. Functions that return a
 * char ** hand over a string the caller frees with free(). A loaded
 * tr_manifest is immutable and may be shared between threads.
 */
#ifndef TRUSTRISK_BATCH_H
#define TRUSTRISK_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trustrisk/config.h"
#include "trustrisk/error.h"
#include "trustrisk/export.h"
#include "trustrisk/run.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Merge the overlay `overlay_json` (`overlay_len` bytes) onto the base
 * config `base_json` (`base_len` bytes); neither need be NUL-terminated.
 * Both must be strict JSON objects (as configs: UTF-8, no duplicate keys).
 * On success *merged receives the merged config as canonical, pretty JSON
 * (the printing of tr_manifest_merged_json), which the caller frees with
 * free(). The merged config is not validated: load it with
 * tr_config_load_buffer. Problems of the overlay itself (an element without
 * its identity, "remove" of an element the base lacks, duplicate
 * identities, "paths" or "seed") are added to `err` with the file name
 * "overlay" and their JSON path; problems of the text with "base" or
 * "overlay" and line:column. On failure *merged is NULL and the status is
 * TR_E_INPUT or TR_E_NOMEM.
 */
TR_API tr_status tr_overlay_merge(const char *base_json, size_t base_len, const char *overlay_json,
                                  size_t overlay_len, char **merged, tr_error *err);

/** A loaded, fully validated batch manifest. */
typedef struct tr_manifest tr_manifest;

/**
 * Load the batch manifest in `file` and everything it names: the base
 * config and the overlay files (both relative to the manifest's folder),
 * and validate the merged config of every scenario with the config loader.
 * On success *out receives a manifest the caller frees with
 * tr_manifest_free. On failure *out is NULL and every problem is added to
 * `err`:
 *
 *   - problems of the manifest: its file name and JSON path
 *     ("scenarios[2].overlay.trusts[0].remove"), line:column for syntax;
 *     a base or overlay file that cannot be read is reported at the
 *     manifest's "base" or "scenarios[i].overlay_file";
 *   - problems of the base config: as tr_config_load_file reports them;
 *   - problems of an overlay file: that file's name and path;
 *   - problems of a merged config (the config loader's rules): at the
 *     overlay value that caused them when the value came from an overlay
 *     (file and path of the overlay, the message starting with
 *     `scenario "ID": `); otherwise with the file `MANIFEST: scenario "ID"`
 *     and the path in the merged config, its list elements named by their
 *     identity ("trusts[vale-hospital].commissioners[north].consortium").
 *
 * The status is TR_E_INPUT (bad input, or a file that does not exist),
 * TR_E_IO (a file that exists but cannot be read) or TR_E_NOMEM.
 */
TR_API tr_status tr_manifest_load_file(const char *file, tr_manifest **out, tr_error *err);

/**
 * Same as tr_manifest_load_file for a manifest held in memory (`len` bytes,
 * need not be NUL-terminated). `source_name` names it in diagnostics (may
 * be NULL: "<manifest>"); `dir` is the folder that relative "base" and
 * "overlay_file" names start from (NULL: the current folder).
 */
TR_API tr_status tr_manifest_load_buffer(const char *data, size_t len, const char *source_name,
                                         const char *dir, tr_manifest **out, tr_error *err);

/** Free a manifest and everything it owns. NULL is allowed. */
TR_API void tr_manifest_free(tr_manifest *m);

/** The manifest's `name` (never NULL). */
TR_API const char *tr_manifest_name(const tr_manifest *m);

/** The manifest's `notes`, or NULL. */
TR_API const char *tr_manifest_notes(const tr_manifest *m);

/** The manifest's file name as given to the loader ("<manifest>" for a buffer without a name). */
TR_API const char *tr_manifest_file(const tr_manifest *m);

/** The base config's file name as opened (the manifest's folder joined with `base`). */
TR_API const char *tr_manifest_base_file(const tr_manifest *m);

/** The base config itself. */
TR_API const tr_config *tr_manifest_base(const tr_manifest *m);

/** Paths of every scenario: the manifest's `paths`, else the base's. */
TR_API uint64_t tr_manifest_paths(const tr_manifest *m);

/** Seed of every scenario: the manifest's `seed`, else the base's. */
TR_API uint64_t tr_manifest_seed(const tr_manifest *m);

/** Number of scenarios (at least 1). */
TR_API size_t tr_manifest_scenario_count(const tr_manifest *m);

/** Index of the reference scenario (`reference`, default 0). */
TR_API size_t tr_manifest_reference(const tr_manifest *m);

/** Index of the scenario with id `id`, or -1 when there is none. */
TR_API long tr_manifest_find(const tr_manifest *m, const char *id);

/** Scenario `i`'s id. Ids are 1 to 64 letters, digits, '-', '_' or '.' (not
 *  starting with '.'), so they are safe as folder names. */
TR_API const char *tr_manifest_scenario_id(const tr_manifest *m, size_t i);

/** Scenario `i`'s name (default: its id). */
TR_API const char *tr_manifest_scenario_name(const tr_manifest *m, size_t i);

/** Scenario `i`'s notes, or NULL. */
TR_API const char *tr_manifest_scenario_notes(const tr_manifest *m, size_t i);

/** Scenario `i`'s overlay file as opened, or NULL (an inline overlay or none). */
TR_API const char *tr_manifest_scenario_overlay_file(const tr_manifest *m, size_t i);

/**
 * Scenario `i`'s merged config, validated; its `paths` and `seed` are the
 * batch's (tr_manifest_paths, tr_manifest_seed), so running it alone gives
 * the scenario's results. Owned by the manifest.
 */
TR_API const tr_config *tr_manifest_scenario_config(const tr_manifest *m, size_t i);

/**
 * Scenario `i`'s merged config as canonical, pretty JSON (keys in the
 * documented order, lists in the base's order with new elements last,
 * numbers in their shortest exact form, two-space indent, a final newline)
 * in *json, which the caller frees with free(). The text loads to a config
 * with the same sha256 as tr_manifest_scenario_config. TR_E_INPUT for an
 * index out of range, TR_E_NOMEM; on failure *json is NULL.
 */
TR_API tr_status tr_manifest_merged_json(const tr_manifest *m, size_t i, char **json,
                                         tr_error *err);

/** What one change of an overlay does. */
typedef enum tr_change_kind {
    TR_CHANGE_SET = 0, /**< a value set or replaced (or merged onto nothing) */
    TR_CHANGE_UNSET,   /**< a key removed with null (back to its default) */
    TR_CHANGE_ADD,     /**< an element appended to a list */
    TR_CHANGE_REMOVE   /**< an element removed with "remove": true */
} tr_change_kind;

/** Number of changes scenario `i`'s overlay makes to the base (0 without one). */
TR_API size_t tr_manifest_change_count(const tr_manifest *m, size_t i);

/**
 * Change `k` of scenario `i`, in the overlay's order: where, as a path with
 * list elements named by identity ("consortia[north].reserve",
 * "trusts[vale-community]"; an identity that is not a plain word is
 * quoted: trusts["3"]), and in *kind (may be NULL) what. A value merged onto
 * a key the base lacks, or an element appended, counts once, however many
 * members it holds.
 */
TR_API const char *tr_manifest_change(const tr_manifest *m, size_t i, size_t k,
                                      tr_change_kind *kind);

/**
 * Lower-case hex SHA-256 (64 characters) of the manifest's canonical
 * content: its name and notes, the batch's paths and seed, the reference's
 * id, and each scenario's id, name, notes and merged config's sha256 (which
 * covers the base and the overlay). Reformatting the manifest, moving its
 * files or rewriting an overlay to the same effect keeps it; any change to
 * what the batch runs or how it is labelled changes it.
 */
TR_API const char *tr_manifest_sha256(const tr_manifest *m);

/* ---- running a batch ------------------------------------------------------
 *
 * tr_batch_run simulates every scenario of a manifest on the same paths
 * with the same seed (common random numbers): block by block, every
 * scenario on each chunk of paths, so that each scenario's results are
 * byte for byte those of tr_run on its merged config, and every scenario is
 * compared with the reference path by path (paired differences) without
 * storing a single path. Checkpoints, resume, shards and merging work as
 * for a run (run.h); a batch's state holds every scenario's statistics and
 * the paired sums (docs/state-format.md).
 */

/** Options of a batch. Initialise with tr_batch_options_init. */
typedef struct tr_batch_options {
    int threads;             /**< worker threads; 0 = OpenMP's default */
    tr_progress_fn progress; /**< optional; counts paths (each simulated in every scenario) */
    void *progress_user;
    uint32_t shard_index, shard_count; /**< as tr_run_options */
    const void *resume;                /**< a checkpoint of this batch, or NULL */
    size_t resume_len;
    const char *resume_name;
    tr_state_fn checkpoint; /**< as tr_run_options */
    void *checkpoint_user;
    double checkpoint_every;
    const volatile int *stop;
} tr_batch_options;

/** Defaults: threads 0, no progress, no checkpoints, the whole batch. */
TR_API void tr_batch_options_init(tr_batch_options *opt);

/** A batch's results: every scenario's, and the comparisons. */
typedef struct tr_batch tr_batch;

/**
 * Run the batch of manifest `m` (which must outlive the batch). On success
 * *out receives the batch, freed with tr_batch_free. TR_E_INTERRUPTED when
 * opt->stop stopped it (its state went to opt->checkpoint); TR_E_NOMEM when
 * the scenarios' statistics cannot fit in memory (the message gives the
 * estimate).
 */
TR_API tr_status tr_batch_run(const tr_manifest *m, const tr_batch_options *opt, tr_batch **out,
                              tr_error *err);

/**
 * Merge the states of a batch's shards (n states, names[k] naming each in
 * messages) into the batch's results, byte for byte those of the batch run
 * whole. The states must be of this manifest's batch and cover every block
 * exactly once; a missing, duplicated, foreign or damaged state is an error
 * naming it (TR_E_INPUT).
 */
TR_API tr_status tr_batch_merge(const tr_manifest *m, const void *const *states, const size_t *lens,
                                const char *const *names, size_t n, tr_batch **out, tr_error *err);

/** The batch's state (a finished batch or a shard), freed with free(). */
TR_API tr_status tr_batch_state(const tr_batch *b, void **state, size_t *len, tr_error *err);

/** Scenario i's results (owned by the batch): tr_results_json of them is
 *  the scenario's results.json. A shard's are partial (run.h). */
TR_API const tr_results *tr_batch_results(const tr_batch *b, size_t i);

/**
 * comparison.json: every scenario against the reference, quantity by
 * quantity: the paired difference of means with its standard error and 95 %
 * interval, and the standard error two independent runs would have had
 * (docs/results.md, "comparison.json"). Deterministic: no timings.
 */
TR_API tr_status tr_batch_comparison_json(const tr_batch *b, char **json, tr_error *err);

/** comparison.csv: the same numbers, a row per scenario, item and quantity. */
TR_API tr_status tr_batch_comparison_csv(const tr_batch *b, FILE *fp, tr_error *err);

/** Wall-clock seconds the simulation took, and the threads it used. */
TR_API double tr_batch_seconds(const tr_batch *b);
TR_API int tr_batch_threads(const tr_batch *b);

/** Free a batch. NULL is allowed. */
TR_API void tr_batch_free(tr_batch *b);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_BATCH_H */
