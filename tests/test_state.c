/*
 * test_state.c - a run's state: shards merged in any order, runs stopped and
 * resumed from checkpoints, give results.json and every CSV byte for byte
 * those of the run done at once; a state that is damaged, truncated, of
 * another run, missing or given twice is refused with a message that names
 * it and says what is wrong.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"
#include "sha256.h"
#include "state.h"

/* Every output of a run (results.json and the CSV views), concatenated. */
static char *outputs(const tr_results *res)
{
    char *json = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    cr_assert_not_null(fp);
    fputs(json, fp);
    for (int v = 0; v < TR_CSV_VIEWS; v++)
        cr_assert_eq(tr_results_csv(res, (tr_csv_view)v, fp, &err), TR_OK);
    fclose(fp);
    free(json);
    tr_error_clear(&err);
    return buf;
}

static tr_config *example(void)
{
    char *file = th_fmt("%s/configs/example.json", TR_SOURCE_DIR);
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(file, &cfg, &err), TR_OK);
    free(file);
    return cfg;
}

/* The outputs of a whole run. */
static char *whole(const tr_config *cfg, uint64_t paths, uint64_t first, int threads)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.first_path = first;
    opt.threads = threads;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    char *out = outputs(res);
    tr_results_free(res);
    return out;
}

/* The state of shard i of n. */
static void *shard(const tr_config *cfg, uint64_t paths, uint64_t first, uint32_t i, uint32_t n,
                   size_t *len)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.first_path = first;
    opt.threads = 2;
    opt.shard_index = i;
    opt.shard_count = n;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK, "shard %u/%u: %s", i, n,
                 err.count ? err.diags[0].message : "");
    /* a shard's results are partial: no results.json of their own */
    char *json = NULL;
    cr_assert_eq(tr_results_json(res, &json, &err), TR_E_INPUT);
    cr_assert_null(json);
    cr_assert(strstr(err.diags[err.count - 1].message, "merge"));
    void *state = NULL;
    cr_assert_eq(tr_results_state(res, &state, len, &err), TR_OK);
    tr_results_free(res);
    tr_error_clear(&err);
    return state;
}

/* Merge n states (in the order given); the outputs, or NULL with the
 * messages in *msg when the merge is refused. */
static char *merge(void **states, size_t *lens, const char **names, size_t n, char **msg)
{
    tr_config *cfg = NULL;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    tr_status st = tr_results_merge((const void *const *)states, lens, names, n, &cfg, &res, &err);
    char *out = NULL;
    if (msg) *msg = NULL;
    if (st == TR_OK) {
        cr_assert_eq(err.count, 0);
        out = outputs(res);
    } else {
        cr_assert_null(res);
        cr_assert_null(cfg);
        cr_assert_gt(err.count, 0);
        if (msg) {
            size_t cap = 1;
            for (size_t d = 0; d < err.count; d++)
                cap += strlen(err.diags[d].message) +
                       strlen(err.diags[d].file ? err.diags[d].file : "") + 4;
            *msg = calloc(cap, 1);
            for (size_t d = 0; d < err.count; d++) {
                strcat(*msg, err.diags[d].file ? err.diags[d].file : "");
                strcat(*msg, ": ");
                strcat(*msg, err.diags[d].message);
                strcat(*msg, "\n");
            }
        }
    }
    tr_results_free(res);
    tr_config_free(cfg);
    tr_error_clear(&err);
    return out;
}

Test(state, shards_merge_to_the_bytes_of_the_whole_run_in_any_order)
{
    tr_config *cfg = example();
    /* 9 full blocks and a partial one; and a run that starts mid-block */
    const uint64_t runs[2][2] = {{9500, 0}, {6000, 1500}};
    const uint32_t counts[] = {1, 2, 3, 7, 13};
    for (int r = 0; r < 2; r++) {
        char *want = whole(cfg, runs[r][0], runs[r][1], 1);
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            uint32_t n = counts[c];
            void *st[13], *rev[13];
            size_t len[13], rlen[13];
            const char *names[13], *rnames[13];
            for (uint32_t i = 0; i < n; i++) {
                st[i] = shard(cfg, runs[r][0], runs[r][1], i, n, &len[i]);
                names[i] = "shard";
            }
            for (uint32_t i = 0; i < n; i++) { /* a different order */
                uint32_t j = (i * 5 + 3) % n;
                if (n % 5 == 0) j = n - 1 - i;
                rev[i] = st[j];
                rlen[i] = len[j];
                rnames[i] = names[j];
            }
            char *a = merge(st, len, names, n, NULL), *b = merge(rev, rlen, rnames, n, NULL);
            cr_assert_not_null(a, "%u shards", n);
            cr_assert_not_null(b, "%u shards", n);
            cr_assert_str_eq(a, want, "%u shards of run %d differ from the whole run", n, r);
            cr_assert_str_eq(b, want, "%u shards in another order", n);
            free(a);
            free(b);
            for (uint32_t i = 0; i < n; i++)
                free(st[i]);
        }
        free(want);
    }
    tr_config_free(cfg);
}

Test(state, merged_extremes_are_the_smallest_and_largest_of_the_parts)
{
    /* A trust that fails on every path, with noise: every bail-out is
     * positive and continuous, so each part's histograms have their own
     * exact minimum and maximum, which the results show (the ends of each
     * exceedance curve); the merge keeps the smallest and the largest
     * whichever part it reads first. */
    char *json = th_json("{'name': 'noisy', 'horizon_months': 12, 'trusts': [{'id': 'a', 'cash': "
                         "0, 'income': 120, 'expenditure': 132, 'cash_noise': 1.0, 'schemes': "
                         "[{'id': 's', 'saving': 1, 'start_month': 1}]}]}");
    tr_config *cfg = th_load(json);
    free(json);
    char *want = whole(cfg, 4000, 0, 1);
    void *st[4];
    size_t len[4];
    const char *names[4] = {"part", "part", "part", "part"};
    for (uint32_t i = 0; i < 4; i++)
        st[i] = shard(cfg, 4000, 0, i, 4, &len[i]);
    for (uint32_t first = 0; first < 4; first++) { /* each part read first, the rest after */
        void *o[4];
        size_t ol[4];
        for (uint32_t k = 0; k < 4; k++) {
            o[k] = st[(first + k) % 4];
            ol[k] = len[(first + k) % 4];
        }
        char *got = merge(o, ol, names, 4, NULL);
        cr_assert_str_eq(got, want, "merged from part %u on", first);
        free(got);
    }
    for (uint32_t i = 0; i < 4; i++)
        free(st[i]);
    free(want);
    tr_config_free(cfg);
}

Test(state, the_state_of_a_whole_run_merges_alone_to_its_bytes)
{
    tr_config *cfg = example();
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 3000;
    opt.seed = 77;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    char *want = outputs(res);
    void *state = NULL;
    size_t len = 0;
    cr_assert_eq(tr_results_state(res, &state, &len, &err), TR_OK);
    /* the same bytes on a second call: a state is a function of the results */
    void *again = NULL;
    size_t len2 = 0;
    cr_assert_eq(tr_results_state(res, &again, &len2, &err), TR_OK);
    cr_assert_eq(len, len2);
    cr_assert_eq(memcmp(state, again, len), 0);
    const char *name = "run.trs";
    char *got = merge(&state, &len, &name, 1, NULL);
    cr_assert_str_eq(got, want);
    free(got);
    free(again);
    free(state);
    free(want);
    tr_results_free(res);
    tr_config_free(cfg);
}

/* Checkpoints kept by a test. */
typedef struct kept {
    void *state[256];
    size_t len[256];
    size_t n;
    int stop_at; /* set *stop at this checkpoint (-1: never) */
    volatile int *stop;
    int fail; /* the callback reports failure */
} kept;

static int keep(void *user, const void *state, size_t len)
{
    kept *k = user;
    if (k->fail) return 1;
    cr_assert_lt(k->n, 256);
    k->state[k->n] = malloc(len);
    memcpy(k->state[k->n], state, len);
    k->len[k->n] = len;
    if ((int)k->n == k->stop_at) *k->stop = 1;
    k->n++;
    return 0;
}

static void kept_free(kept *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->state[i]);
}

/* Run with a checkpoint after every round; stop at checkpoint stop_at. */
static tr_status checkpointed(const tr_config *cfg, uint64_t paths, int threads, kept *k,
                              const void *resume, size_t resume_len, char **out, tr_error *err)
{
    static volatile int stop;
    stop = 0;
    k->stop = &stop;
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.threads = threads;
    opt.checkpoint = keep;
    opt.checkpoint_user = k;
    opt.checkpoint_every = 1e-9;
    opt.stop = (const volatile int *)&stop;
    opt.resume = resume;
    opt.resume_len = resume_len;
    opt.resume_name = "checkpoint.trs";
    tr_results *res = NULL;
    tr_status st = tr_run(cfg, &opt, &res, err);
    if (out) *out = st == TR_OK ? outputs(res) : NULL;
    if (st != TR_OK) cr_assert_null(res);
    tr_results_free(res);
    return st;
}

Test(state, a_run_resumed_from_any_checkpoint_gives_the_same_bytes)
{
    tr_config *cfg = example();
    const uint64_t paths = 20 * 1024 + 300;
    char *want = whole(cfg, paths, 0, 2);
    kept k = {.stop_at = -1};
    tr_error err;
    tr_error_init(&err);
    char *got = NULL;
    cr_assert_eq(checkpointed(cfg, paths, 2, &k, NULL, 0, &got, &err), TR_OK);
    cr_assert_str_eq(got, want, "checkpointing changed the results");
    free(got);
    cr_assert_geq(k.n, 2, "a checkpoint after every round (got %zu)", k.n);
    for (size_t c = 0; c < k.n; c++) {
        kept k2 = {.stop_at = -1};
        cr_assert_eq(
            checkpointed(cfg, paths, 1 + (int)(c % 3), &k2, k.state[c], k.len[c], &got, &err),
            TR_OK, "%s", err.count ? err.diags[0].message : "");
        cr_assert_str_eq(got, want, "resumed from checkpoint %zu", c);
        free(got);
        kept_free(&k2);
    }
    kept_free(&k);
    free(want);
    tr_error_clear(&err);
    tr_config_free(cfg);
}

Test(state, a_stopped_run_hands_over_its_state_and_resumes_to_the_same_bytes)
{
    tr_config *cfg = example();
    const uint64_t paths = 40 * 1024; /* 5 rounds of 8 blocks on 2 threads */
    char *want = whole(cfg, paths, 0, 1);
    for (int at = 0; at < 3; at++) {
        kept k = {.stop_at = at};
        tr_error err;
        tr_error_init(&err);
        cr_assert_eq(checkpointed(cfg, paths, 2, &k, NULL, 0, NULL, &err), TR_E_INTERRUPTED);
        cr_assert(strstr(err.diags[0].message, "stopped after"), "%s", err.diags[0].message);
        tr_error_clear(&err);
        /* the last checkpoint is the state at the stop; resume it, stopping
         * once more, then to the end */
        kept k2 = {.stop_at = 0};
        void *last = k.state[k.n - 1];
        tr_status st = checkpointed(cfg, paths, 2, &k2, last, k.len[k.n - 1], NULL, &err);
        cr_assert(st == TR_E_INTERRUPTED || st == TR_OK);
        tr_error_clear(&err);
        kept k3 = {.stop_at = -1};
        char *got = NULL;
        cr_assert_eq(
            checkpointed(cfg, paths, 3, &k3, k2.state[k2.n - 1], k2.len[k2.n - 1], &got, &err),
            TR_OK);
        cr_assert_str_eq(got, want, "stopped at checkpoint %d", at);
        free(got);
        kept_free(&k);
        kept_free(&k2);
        kept_free(&k3);
    }
    free(want);
    tr_config_free(cfg);
}

Test(state, a_stop_before_the_first_block_leaves_an_empty_state_that_resumes)
{
    tr_config *cfg = example();
    char *want = whole(cfg, 5000, 0, 1);
    static volatile int stop = 1;
    kept k = {.stop_at = -1};
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 5000;
    opt.checkpoint = keep;
    opt.checkpoint_user = &k;
    opt.stop = (const volatile int *)&stop;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INTERRUPTED);
    cr_assert_null(res);
    cr_assert_eq(k.n, 1);
    tr_error_clear(&err);
    kept k2 = {.stop_at = -1};
    char *got = NULL;
    cr_assert_eq(checkpointed(cfg, 5000, 2, &k2, k.state[0], k.len[0], &got, &err), TR_OK);
    cr_assert_str_eq(got, want);
    free(got);
    kept_free(&k);
    kept_free(&k2);
    free(want);
    tr_config_free(cfg);
}

Test(state, a_failing_checkpoint_stops_the_run_with_an_io_error)
{
    tr_config *cfg = example();
    kept k = {.stop_at = -1, .fail = 1};
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(checkpointed(cfg, 20000, 2, &k, NULL, 0, NULL, &err), TR_E_IO);
    cr_assert(strstr(err.diags[0].message, "checkpoint"), "%s", err.diags[0].message);
    tr_error_clear(&err);
    tr_config_free(cfg);
}

/* The messages of resuming `state` into a run of cfg with these options. */
static char *resume_messages(const tr_config *cfg, uint64_t paths, uint64_t seed, uint32_t si,
                             uint32_t sn, const void *state, size_t len)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = seed;
    opt.shard_index = si;
    opt.shard_count = sn;
    opt.resume = state;
    opt.resume_len = len;
    opt.resume_name = "out/checkpoint.trs";
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INPUT);
    cr_assert_null(res);
    char *all = calloc(1, 1);
    for (size_t d = 0; d < err.count; d++) {
        cr_assert_str_eq(err.diags[d].file, "out/checkpoint.trs");
        char *more = th_fmt("%s%s\n", all, err.diags[d].message);
        free(all);
        all = more;
    }
    tr_error_clear(&err);
    return all;
}

Test(state, a_checkpoint_of_another_run_is_refused_saying_what_differs)
{
    tr_config *cfg = example();
    kept k = {.stop_at = 0};
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(checkpointed(cfg, 20000, 2, &k, NULL, 0, NULL, &err), TR_E_INTERRUPTED);
    tr_error_clear(&err);
    const void *st = k.state[0];
    size_t len = k.len[0];
    char *m = resume_messages(cfg, 20000, 99, 0, 0, st, len);
    cr_assert(strstr(m, "seed is 1") || strstr(m, "its seed is"), "%s", m);
    cr_assert(strstr(m, "this run's is 99"), "%s", m);
    free(m);
    m = resume_messages(cfg, 30000, tr_config_seed(cfg), 0, 0, st, len);
    cr_assert(strstr(m, "number of paths is 20000, this run's is 30000"), "%s", m);
    free(m);
    m = resume_messages(cfg, 20000, tr_config_seed(cfg), 1, 2, st, len);
    cr_assert(strstr(m, "shard"), "%s", m);
    free(m);
    /* another config: its name changed */
    char *text = th_read_ok(TR_SOURCE_DIR "/configs/example.json");
    char *p = strstr(text, "\"name\": \"");
    cr_assert_not_null(p);
    p += strlen("\"name\": \"");
    char *changed = th_fmt("%.*sOther %s", (int)(p - text), text, p);
    tr_config *other = NULL;
    cr_assert_eq(tr_config_load_buffer(changed, strlen(changed), "other.json", &other, &err), TR_OK,
                 "%s", err.count ? err.diags[0].message : "");
    m = resume_messages(other, 20000, tr_config_seed(cfg), 0, 0, st, len);
    cr_assert(strstr(m, "config (sha256)"), "%s", m);
    free(m);
    tr_config_free(other);
    free(changed);
    free(text);
    kept_free(&k);
    tr_config_free(cfg);
}

/* A small state to damage. */
static void *small_state(size_t *len)
{
    char *json = th_json(
        "{'name':'s','horizon_months':3,'trusts':[{'id':'a','cash':1,"
        "'income':12,'expenditure':13,'schemes':[{'id':'x','saving':1,'start_month':1}]}]}");
    tr_config *cfg = th_load(json);
    free(json);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 1100;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    void *state = NULL;
    cr_assert_eq(tr_results_state(res, &state, len, &err), TR_OK);
    tr_results_free(res);
    tr_config_free(cfg);
    return state;
}

Test(state, every_damaged_or_truncated_state_is_refused_without_a_crash)
{
    size_t len = 0;
    unsigned char *state = small_state(&len);
    const char *name = "s.trs";
    char *msg = NULL;
    char *ok = merge((void **)&state, &len, &name, 1, &msg);
    cr_assert_not_null(ok);
    free(ok);
    unsigned char *copy = malloc(len);
    for (size_t at = 0; at < len; at++) { /* one bit flipped anywhere */
        memcpy(copy, state, len);
        copy[at] ^= (unsigned char)(1u << (at % 8));
        void *p = copy;
        char *out = merge(&p, &len, &name, 1, &msg);
        cr_assert_null(out, "a flipped bit at byte %zu was not noticed", at);
        cr_assert(strstr(msg, "s.trs: "), "%s", msg);
        cr_assert(strstr(msg, at < 8 ? "not a trustrisk state" : "damaged or incomplete"),
                  "byte %zu: %s", at, msg);
        free(msg);
    }
    for (size_t n = 0; n < len; n += 1 + n / 16) { /* cut short anywhere */
        void *p = state;
        size_t l = n;
        char *out = merge(&p, &l, &name, 1, &msg);
        cr_assert_null(out, "a state cut to %zu bytes was read", n);
        free(msg);
    }
    free(copy);
    free(state);
}

/* Write x at byte `at` of a state (little-endian, as the format has it)
 * and make its checksum right again: a crafted file, not a damaged one. */
static void forge_u64(unsigned char *state, size_t len, size_t at, uint64_t x)
{
    for (int i = 0; i < 8; i++)
        state[at + (size_t)i] = (unsigned char)(x >> (8 * i));
    tr__sha256_ctx c;
    tr__sha256_init(&c);
    tr__sha256_update(&c, state, len - 32);
    tr__sha256_final(&c, state + len - 32);
}

Test(state, a_crafted_state_with_a_valid_checksum_is_refused_when_it_cannot_be_a_runs)
{
    size_t len = 0;
    unsigned char *state = small_state(&len);
    tr__state_info info;
    size_t payload = 0;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr__state_decode_info(state, len, "s.trs", &info, &payload, &err), TR_OK);
    /* the header: magic, format, kind, the engine (u32 length, bytes), seed */
    size_t seed_at = 8 + 4 + 4 + 4 + strlen(info.engine);
    tr__state_info_free(&info);
    /* the statistics: the number of configs, nt, ns, nc, H, then the paths
     * and the one trust's failure count */
    size_t n_at = payload + 4 + 16, fail_at = n_at + 8;
    const struct {
        size_t at;
        uint64_t x;
        const char *why;
    } forged[] = {
        {n_at, 0, "another number of paths than its blocks hold"},
        {n_at, 1, "another number of paths than its blocks hold"},
        {n_at, UINT64_MAX, "another number of paths than its blocks hold"},
        {fail_at, 5000, "counts that do not agree"},
        {seed_at, (UINT64_C(1) << 53) + 1, "a seed above 2^53"},
    };
    unsigned char *copy = malloc(len);
    const char *name = "s.trs";
    for (size_t k = 0; k < sizeof forged / sizeof *forged; k++) {
        memcpy(copy, state, len);
        forge_u64(copy, len, forged[k].at, forged[k].x);
        void *p = copy;
        char *msg = NULL;
        char *out = merge(&p, &len, &name, 1, &msg);
        cr_expect_null(out, "case %zu was merged", k);
        cr_expect(msg && strstr(msg, forged[k].why), "case %zu: %s", k, msg ? msg : "");
        cr_expect(msg && strstr(msg, "not a valid trustrisk state"), "%s", msg ? msg : "");
        free(out);
        free(msg);
    }
    /* the same bytes written back unchanged still merge */
    memcpy(copy, state, len);
    forge_u64(copy, len, n_at, 1100);
    void *p = copy;
    char *out = merge(&p, &len, &name, 1, NULL);
    cr_expect_not_null(out);
    free(out);
    free(copy);
    free(state);
}

Test(state, merge_names_the_missing_the_duplicated_and_the_foreign_shard)
{
    tr_config *cfg = example();
    void *st[4];
    size_t len[4];
    const char *names[4] = {"shard-0-of-3.trs", "shard-1-of-3.trs", "shard-2-of-3.trs", "x"};
    for (uint32_t i = 0; i < 3; i++)
        st[i] = shard(cfg, 9000, 0, i, 3, &len[i]);
    char *msg = NULL;
    /* missing: shard 1 holds blocks 3-5 (paths 3072-6143) */
    void *two[2] = {st[0], st[2]};
    size_t two_len[2] = {len[0], len[2]};
    const char *two_names[2] = {names[0], names[2]};
    cr_assert_null(merge(two, two_len, two_names, 2, &msg));
    cr_assert(strstr(msg, "no state covers blocks 3-5"), "%s", msg);
    cr_assert(strstr(msg, "missing"), "%s", msg);
    free(msg);
    /* duplicated */
    void *dup[4] = {st[0], st[1], st[2], st[1]};
    size_t dup_len[4] = {len[0], len[1], len[2], len[1]};
    names[3] = "copy-of-shard-1.trs";
    cr_assert_null(merge(dup, dup_len, names, 4, &msg));
    cr_assert(strstr(msg, "copy-of-shard-1.trs: covers blocks 3-5, which shard-1-of-3.trs covers"),
              "%s", msg);
    free(msg);
    /* foreign: a shard of a run with another seed */
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 9000;
    opt.seed = 5;
    opt.shard_index = 1;
    opt.shard_count = 3;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    void *foreign = NULL;
    size_t flen = 0;
    cr_assert_eq(tr_results_state(res, &foreign, &flen, &err), TR_OK);
    tr_results_free(res);
    void *mix[3] = {st[0], foreign, st[2]};
    size_t mix_len[3] = {len[0], flen, len[2]};
    const char *mix_names[3] = {names[0], "other-seed.trs", names[2]};
    cr_assert_null(merge(mix, mix_len, mix_names, 3, &msg));
    cr_assert(strstr(msg, "other-seed.trs: it belongs to another run: its seed is 5, that of "
                          "shard-0-of-3.trs is 42"),
              "%s", msg);
    free(msg);
    /* nothing to merge */
    cr_assert_null(merge(NULL, NULL, NULL, 0, &msg));
    cr_assert(strstr(msg, "no states"), "%s", msg);
    free(msg);
    /* the right three in any order still merge */
    void *back[3] = {st[2], st[0], st[1]};
    size_t back_len[3] = {len[2], len[0], len[1]};
    char *got = merge(back, back_len, names, 3, NULL), *want = whole(cfg, 9000, 0, 2);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    free(foreign);
    for (int i = 0; i < 3; i++)
        free(st[i]);
    tr_config_free(cfg);
}

Test(state, merge_finds_a_single_missing_block_at_either_end)
{
    /* 2,000 paths are two blocks; each of two shards holds one */
    tr_config *cfg = example();
    size_t len[2];
    void *st[2] = {shard(cfg, 2000, 0, 0, 2, &len[0]), shard(cfg, 2000, 0, 1, 2, &len[1])};
    const char *names[2] = {"first.trs", "second.trs"};
    char *msg = NULL;
    cr_assert_null(merge(&st[0], &len[0], &names[0], 1, &msg));
    cr_assert(strstr(msg, "no state covers blocks 1-1 of the run's 0-1"), "%s", msg);
    free(msg);
    cr_assert_null(merge(&st[1], &len[1], &names[1], 1, &msg));
    cr_assert(strstr(msg, "no state covers blocks 0-0 of the run's 0-1"), "%s", msg);
    free(msg);
    char *got = merge(st, len, names, 2, NULL), *want = whole(cfg, 2000, 0, 1);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    free(st[0]);
    free(st[1]);
    tr_config_free(cfg);
}

Test(state, shard_options_are_checked)
{
    tr_config *cfg = example();
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.shard_index = 3;
    opt.shard_count = 3;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INPUT);
    cr_assert(strstr(err.diags[0].message, "below the count"), "%s", err.diags[0].message);
    tr_error_clear(&err);
    opt.shard_count = 0;
    opt.shard_index = 1;
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INPUT);
    tr_error_clear(&err);
    tr_config_free(cfg);
}
