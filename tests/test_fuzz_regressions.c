/*
 * test_fuzz_regressions.c - the loader on inputs that once broke it.
 *
 * tests/fuzz/regressions/ keeps every input the fuzzer (tests/fuzz/) found
 * crashing, minimised; tests/fuzz/corpus/ is the fuzzer's seed corpus and
 * tests/invalid/ the invalid-config corpus. Each file is loaded in-process
 * through tr_config_load_buffer, the same entry point the fuzzer uses, so a
 * sanitizer build (TR_SANITIZE) of this test replays them all under ASan and
 * UBSan without libFuzzer. The loader must not crash and must keep its
 * contract: TR_OK with a config and no diagnostics, or TR_E_INPUT with no
 * config and at least one diagnostic. Invalid-corpus files must be rejected.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"

#define MAX_FILES 4096

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of regular-looking files in `dir` (skips dotfiles and
 * READMEs); a folder that cannot be read fails the test. */
static size_t list_inputs(const char *dir, char **names, size_t max)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot read the folder %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0) {
            continue;
        }
        size_t len = strlen(e->d_name);
        if (len > 7 && strcmp(e->d_name + len - 7, ".expect") == 0) {
            continue;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

/* A whole file (its length in *len); the test fails if it cannot be read. */
static char *read_ok(const char *path, size_t *len)
{
    char *s = th_read(path, len);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

/*
 * Load one file and check the contract. The bytes are copied into a buffer
 * of exactly their length, with no NUL after them, so that ASan catches a
 * loader that reads past `len` expecting a terminator.
 */
static tr_status load_one(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *text = read_ok(path, &len);
    char *exact = malloc(len ? len : 1);
    cr_assert_not_null(exact);
    memcpy(exact, text, len);
    free(text);

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(exact, len, name, &cfg, &err);
    cr_expect(st == TR_OK || st == TR_E_INPUT, "%s: status %d (%s)", name, (int)st,
              tr_status_string(st));
    if (st == TR_OK) {
        cr_expect_not_null(cfg, "%s: TR_OK without a config", name);
        cr_expect_eq(err.count, 0, "%s: TR_OK with %zu diagnostics", name, err.count);
        if (cfg) {
            FILE *devnull = fopen("/dev/null", "w");
            cr_assert_not_null(devnull);
            tr_config_describe(cfg, devnull);
            fclose(devnull);
        }
    } else {
        cr_expect_null(cfg, "%s: failure but a config was returned", name);
        cr_expect(err.count > 0, "%s: failure without a diagnostic", name);
        for (size_t i = 0; i < err.count; i++) {
            cr_expect_not_null(err.diags[i].message, "%s: diagnostic %zu has no message", name, i);
        }
    }
    tr_config_free(cfg);
    tr_error_clear(&err);
    free(exact);
    return st;
}

static size_t load_all(const char *dir, int must_reject)
{
    char *names[MAX_FILES];
    size_t n = list_inputs(dir, names, MAX_FILES);
    for (size_t i = 0; i < n; i++) {
        tr_status st = load_one(dir, names[i]);
        if (must_reject) {
            cr_expect_eq(st, TR_E_INPUT, "%s/%s was accepted", dir, names[i]);
        }
        free(names[i]);
    }
    return n;
}

Test(fuzz_regressions, crashers_load_cleanly)
{
    /* The folder holds at least the crash the fuzzer found first; a missing
     * or emptied folder would make this test pass on nothing. */
    size_t n = load_all(TR_SOURCE_DIR "/tests/fuzz/regressions", 0);
    cr_expect_gt(n, 0, "tests/fuzz/regressions is empty");
}

Test(fuzz_regressions, seed_corpus_loads_cleanly)
{
    size_t n = load_all(TR_SOURCE_DIR "/tests/fuzz/corpus", 0);
    cr_expect_gt(n, 0, "tests/fuzz/corpus is empty");
}

Test(fuzz_regressions, invalid_corpus_rejected_in_process)
{
    size_t n = load_all(TR_SOURCE_DIR "/tests/invalid", 1);
    cr_expect_geq(n, 45, "tests/invalid has only %zu configs", n);
}

/* Degenerate buffers: empty, truncated and non-object documents. */
Test(fuzz_regressions, degenerate_buffers)
{
    static const char *const inputs[] = {"",   "{",    "}", "[", "\"",
                                         "{}", "null", "0", "-", "{\"trusts\":"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        tr_error err;
        tr_error_init(&err);
        tr_config *cfg = NULL;
        tr_status st = tr_config_load_buffer(inputs[i], strlen(inputs[i]), NULL, &cfg, &err);
        cr_expect_eq(st, TR_E_INPUT, "input \"%s\": status %d", inputs[i], (int)st);
        cr_expect_null(cfg);
        cr_expect(err.count > 0, "input \"%s\": no diagnostic", inputs[i]);
        tr_config_free(cfg);
        tr_error_clear(&err);
    }
}
