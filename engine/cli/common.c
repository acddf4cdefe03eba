/*
 * common.c - what the command's subcommands share (common.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "xlsx.h"

int cli_exit_code(tr_status st)
{
    switch (st) {
    case TR_OK:
        return 0;
    case TR_E_INPUT:
        return EXIT_INPUT;
    case TR_E_INTERRUPTED:
        return EXIT_INTERRUPTED;
    default:
        return EXIT_INTERNAL;
    }
}

int cli_fail_with(tr_error *err)
{
    tr_error_print(err, stderr);
    int code = cli_exit_code(tr_error_status(err));
    tr_error_clear(err);
    return code == 0 ? EXIT_INTERNAL : code;
}

int cli_bad_usage(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "trustrisk: ");
    tr_text_print(stderr, msg); /* arguments may hold control characters */
    fprintf(stderr, "\nrun 'trustrisk --help' for usage\n");
    return EXIT_INPUT;
}

void cli_print_text(FILE *fp, const char *s, const char *after)
{
    tr_text_print(fp, s);
    fputs(after, fp);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') return -1;
    *out = (uint64_t)v;
    return 0;
}

int cli_no_xlsx(void)
{
    fputs("trustrisk: --xlsx: " CLI_XLSX_UNSUPPORTED "; install libxlsxwriter (Debian: "
          "libxlsxwriter-dev) and build trustrisk again\n",
          stderr);
    return EXIT_INPUT;
}

void cli_opts_init(cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out = "out";
    o->checkpoint_every = 60.0;
}

/* --shard I/N: 0 <= I < N, both decimal. */
static int parse_shard(const char *v, cli_opts *o)
{
    const char *slash = strchr(v, '/');
    char first[32];
    uint64_t i = 0, n = 0;
    if (slash == NULL || (size_t)(slash - v) >= sizeof first) return -1;
    memcpy(first, v, (size_t)(slash - v));
    first[slash - v] = '\0';
    if (cli_parse_u64(first, &i) || cli_parse_u64(slash + 1, &n) || n < 1 || n > UINT32_MAX ||
        i >= n)
        return -1;
    o->shard_i = (uint32_t)i;
    o->shard_n = (uint32_t)n;
    return 0;
}

/* --checkpoint-every SECONDS: a plain decimal number, 0 to a billion. */
static int parse_seconds(const char *v, double *out)
{
    if (v == NULL || !((*v >= '0' && *v <= '9') || *v == '.')) return -1;
    char *end = NULL;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(x) || x < 0 || x > 1e9) return -1;
    *out = x;
    return 0;
}

int cli_parse_opts(int argc, char **argv, cli_opts *o, int run, int path)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n = 0;
        if (a[0] != '-' || a[1] == '\0') {
            if (o->config) return cli_bad_usage("unexpected argument '%s'", a);
            o->config = a;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cli_usage, stdout);
            return -1;
        }
        if (run && strcmp(a, "--quiet") == 0) {
            o->progress = TR_CLI_PROGRESS_QUIET;
            continue;
        }
        if (run && strcmp(a, "--progress") == 0) {
            o->progress = TR_CLI_PROGRESS_BAR;
            continue;
        }
        if (run && strcmp(a, "--report") == 0) {
            o->report = 1;
            continue;
        }
        if (run && strcmp(a, "--xlsx") == 0) {
            if (!cli_xlsx_supported()) return cli_no_xlsx();
            o->xlsx = 1;
            continue;
        }
        if (run && strcmp(a, "--resume") == 0) {
            o->resume = 1;
            continue;
        }
        if (v == NULL) return cli_bad_usage("option '%s' needs a value", a);
        if (v[0] == '-' && v[1] == '-')
            return cli_bad_usage("option '%s' needs a value, got the option '%s'", a, v);
        if (strcmp(a, "--seed") == 0) {
            if (cli_parse_u64(v, &n) || n > TR_MAX_SEED)
                return cli_bad_usage("--seed: expected an integer in [0, 2^53], got '%s'", v);
            o->seed = n;
            o->has_seed = 1;
        } else if (run && strcmp(a, "--out") == 0) {
            if (v[0] == '\0') return cli_bad_usage("%s", "--out: expected a folder, got ''");
            if (v[0] == '-')
                return cli_bad_usage("--out: '%s' looks like an option, not a folder (write "
                                     "./%s for a folder of that name)",
                                     v, v);
            o->out = v;
        } else if (run && strcmp(a, "--paths") == 0) {
            if (cli_parse_u64(v, &n) || n < 1 || n > TR_MAX_PATHS)
                return cli_bad_usage("--paths: expected an integer in [1, %llu], got '%s'",
                                     (unsigned long long)TR_MAX_PATHS, v);
            o->paths = n;
            o->has_paths = 1;
        } else if (run && strcmp(a, "--threads") == 0) {
            if (cli_parse_u64(v, &n) || n < 1 || n > 4096)
                return cli_bad_usage("--threads: expected an integer in [1, 4096], got '%s'", v);
            o->threads = (int)n;
        } else if (run && strcmp(a, "--checkpoint-every") == 0) {
            if (parse_seconds(v, &o->checkpoint_every))
                return cli_bad_usage("--checkpoint-every: expected seconds, a number from 0 "
                                     "(only when stopped by a signal) up, got '%s'",
                                     v);
        } else if (run && strcmp(a, "--target-se") == 0) {
            char *end = NULL;
            double x = strtod(v, &end);
            if (*end != '\0' || !(x > 0.0 && x < 0.5))
                return cli_bad_usage("--target-se: expected a standard error between 0 and 0.5, "
                                     "say 0.005 for every P(fail) to about +-1 point, got '%s'",
                                     v);
            o->target_se = x;
        } else if (run && strcmp(a, "--target-rel") == 0) {
            char *end = NULL;
            double x = strtod(v, &end);
            if (*end != '\0' || !(x > 0.0 && x < 1.0))
                return cli_bad_usage("--target-rel: expected a fraction of the estimate between 0 "
                                     "and 1, say 0.1 for every P(fail) to 10 %% of itself, got "
                                     "'%s'",
                                     v);
            o->target_rel = x;
        } else if (run && strcmp(a, "--shard") == 0) {
            if (parse_shard(v, o))
                return cli_bad_usage("--shard: expected I/N, shard I of N numbered from 0 "
                                     "(0 <= I < N), got '%s'",
                                     v);
        } else if (path && strcmp(a, "--index") == 0) {
            if (cli_parse_u64(v, &n))
                return cli_bad_usage("--index: expected a non-negative integer, got '%s'", v);
            o->index = n;
            o->has_index = 1;
        } else {
            return cli_bad_usage("unknown option '%s'", a);
        }
        i++;
    }
    if (!o->config) return cli_bad_usage("missing %s file", o->input ? o->input : "CONFIG");
    return 0;
}

int cli_flush_stdout(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    fprintf(stderr, "trustrisk: writing to standard output failed\n");
    return EXIT_INTERNAL;
}
