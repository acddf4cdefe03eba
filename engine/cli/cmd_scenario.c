/*
 * cmd_scenario.c - `trustrisk scenario MANIFEST [--print ID] [--paths N]
 * [--seed S]`.
 *
 * Without --print: load the batch manifest (the manifest, its base config,
 * its overlays and every merged config, all checked) and print one line per
 * scenario saying what its overlay changes. With --print ID: print scenario
 * ID's merged config, canonical JSON that `trustrisk run` accepts as it is.
 * --paths and --seed replace the manifest's, as `trustrisk batch` does
 * with the same options: the merged config printed is then the one the
 * batch ran, so that `trustrisk run` of it gives the scenario's bytes.
 * Problems go to stderr and nothing to stdout; the exit status is 2 for bad
 * input (an unknown ID included), 1 for a run-time failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_batch.h"
#include "cmd_scenario.h"
#include "common.h"
#include "trustrisk/trustrisk.h"

/* Changes of one kind named on a scenario's line before "and N more". */
#define SHOWN 2

/* "trustrisk: scenario: WHAT 'ARG'" and the way to the help; exit status 2. */
static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "trustrisk: scenario: %s", what);
    if (arg) {
        fputs(" '", stderr);
        tr_text_print(stderr, arg); /* arguments may hold control characters */
        fputs("'", stderr);
    }
    fputs("\nrun 'trustrisk --help' for usage\n", stderr);
    return EXIT_INPUT;
}

/* Print the problems, return the exit status they call for. */
static int fail_with(const char *manifest, tr_error *err)
{
    if (manifest) {
        tr_text_print(stderr, manifest);
        fprintf(stderr, ": rejected (%zu problem%s)\n", err->count, err->count == 1 ? "" : "s");
    }
    tr_error_print(err, stderr);
    tr_status st = tr_error_status(err);
    tr_error_clear(err);
    return st == TR_E_INPUT ? EXIT_INPUT : EXIT_INTERNAL;
}

/* What scenario i's overlay changes, in a few words: "removes trusts[x];
 * sets a, b and 3 more; adds c". */
static void print_changes(const tr_manifest *m, size_t i)
{
    static const tr_change_kind order[] = {TR_CHANGE_REMOVE, TR_CHANGE_ADD, TR_CHANGE_SET,
                                           TR_CHANGE_UNSET};
    static const char *const verb[] = {"sets", "resets to the default", "adds", "removes"};
    size_t n = tr_manifest_change_count(m, i);
    if (n == 0) {
        printf("the base config, unchanged");
        return;
    }
    const char *sep = "";
    for (size_t g = 0; g < sizeof order / sizeof order[0]; g++) {
        size_t count = 0;
        for (size_t k = 0; k < n; k++) {
            tr_change_kind kind;
            const char *where = tr_manifest_change(m, i, k, &kind);
            if (kind != order[g]) continue;
            if (count == 0) printf("%s%s ", sep, verb[order[g]]);
            if (count < SHOWN) {
                printf("%s", count ? ", " : "");
                tr_text_print(stdout, *where ? where : "(the whole config)");
            }
            count++;
        }
        if (count > SHOWN) printf(" and %zu more", count - SHOWN);
        if (count) sep = "; ";
    }
}

static void print_summary(const tr_manifest *m)
{
    size_t n = tr_manifest_scenario_count(m), width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = strlen(tr_manifest_scenario_id(m, i));
        if (w > width) width = w;
    }
    tr_text_print(stdout, tr_manifest_file(m));
    printf(": ok\n  ");
    tr_text_print(stdout, tr_manifest_name(m));
    printf(": %zu scenario%s on ", n, n == 1 ? "" : "s");
    tr_text_print(stdout, tr_manifest_base_file(m));
    printf(", %llu paths, seed %llu, compared with \"", (unsigned long long)tr_manifest_paths(m),
           (unsigned long long)tr_manifest_seed(m));
    tr_text_print(stdout, tr_manifest_scenario_id(m, tr_manifest_reference(m)));
    printf("\"\n");
    for (size_t i = 0; i < n; i++) {
        const char *id = tr_manifest_scenario_id(m, i); /* letters, digits, - _ . only */
        const char *name = tr_manifest_scenario_name(m, i);
        printf("  %-*s  ", (int)width, id);
        if (strcmp(name, id) != 0) {
            tr_text_print(stdout, name);
            printf(": ");
        }
        print_changes(m, i);
        printf("\n");
    }
}

int cli_cmd_scenario(int argc, char **argv, const char *usage)
{
    const char *manifest = NULL, *print = NULL;
    cli_batch_run run = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(a, "--print") == 0) {
            if (i + 1 >= argc) return usage_error("option '--print' needs a scenario ID", NULL);
            print = argv[++i];
        } else if (strcmp(a, "--paths") == 0 || strcmp(a, "--seed") == 0) {
            int code = cli_batch_run_option(a, i + 1 < argc ? argv[++i] : NULL, &run);
            if (code) return code;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option", a);
        } else if (manifest) {
            return usage_error("unexpected argument", a);
        } else {
            manifest = a;
        }
    }
    if (!manifest) return usage_error("missing MANIFEST file", NULL);

    tr_error err;
    tr_error_init(&err);
    tr_manifest *m = NULL;
    if (cli_manifest_load(manifest, &run, &m, &err) != TR_OK) return fail_with(manifest, &err);
    int code = 0;
    if (!print) {
        print_summary(m);
        code = cli_flush_stdout();
    } else {
        long i = tr_manifest_find(m, print);
        char *json = NULL;
        if (i < 0) {
            fprintf(stderr, "trustrisk: no scenario \"");
            tr_text_print(stderr, print);
            fprintf(stderr, "\" in ");
            tr_text_print(stderr, manifest);
            fprintf(stderr, "; its scenarios are:");
            for (size_t k = 0; k < tr_manifest_scenario_count(m); k++)
                fprintf(stderr, "%s %s", k ? "," : "", tr_manifest_scenario_id(m, k));
            fprintf(stderr, "\n");
            code = EXIT_INPUT;
        } else if (tr_manifest_merged_json(m, (size_t)i, &json, &err) != TR_OK) {
            code = fail_with(NULL, &err);
        } else {
            fputs(json, stdout);
            code = cli_flush_stdout();
        }
        free(json);
    }
    tr_manifest_free(m);
    tr_error_clear(&err);
    return code;
}
