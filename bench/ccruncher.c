/*
 * ccruncher.c - the credit workload against a peer: CCruncher, a C++
 * credit-portfolio simulator (Gerard Torrent, ccruncher.net; GPL, built
 * from its own sources, never part of this tree), and both against the
 * exact answer.
 *
 * bench/credit.json is a one-factor Gaussian (Vasicek) portfolio in
 * trustrisk's terms: n identical trusts, each failing exactly when its one
 * savings scheme is paper (probability pd over the horizon), loaded w on
 * one global factor. The equivalent CCruncher portfolio, written here from
 * the config's own parameters, has n obligors with one asset each (EAD 1,
 * LGD 100 %, so the portfolio loss is the number of defaults), two ratings
 * (alive, defaulted) whose transition matrix over the horizon defaults with
 * probability pd, one factor with loading w (CCruncher's X = w Z +
 * sqrt(1 - w^2) e, as trustrisk's; w^2 is the asset correlation), the
 * Gaussian copula, and as many simulations as trustrisk's paths.
 *
 * The number of defaults N then has mean n pd and variance
 * n pd (1 - pd) + n (n - 1) (p2 - pd^2), p2 = P(two obligors default) =
 * E[Phi((c + w Z) / sqrt(1 - w^2))^2] with c = Phi^{-1}(pd), Z standard
 * normal (Vasicek, "Probability of loss on loan portfolio", KMV 1987),
 * which is integrated here by Simpson's rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench.h"
#include "rng.h"

/* ---- the workload's parameters and the exact answer --------------------- */

static char *read_text(const char *file)
{
    FILE *fp = fopen(file, "rb");
    if (!fp) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = 2 * cap + 4096 + 1;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, 4096, fp);
        len += got;
        if (got < 4096) break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static double num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

int bench_credit_read(const char *file, bench_credit *cp, char *why, size_t whylen)
{
    memset(cp, 0, sizeof *cp);
    char *text = read_text(file);
    if (!text) {
        snprintf(why, whylen, "cannot read %s", file);
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = -1;
    const cJSON *trusts = cJSON_GetObjectItemCaseSensitive(root, "trusts");
    const cJSON *copula = cJSON_GetObjectItemCaseSensitive(root, "copula");
    const cJSON *ctype = cJSON_GetObjectItemCaseSensitive(copula, "type");
    const cJSON *factors = cJSON_GetObjectItemCaseSensitive(root, "factors");
    if (!root || !cJSON_IsArray(trusts) || cJSON_GetArraySize(trusts) < 1) {
        snprintf(why, whylen, "%s has no trusts", file);
        goto out;
    }
    if (copula && !(cJSON_IsString(ctype) && strcmp(ctype->valuestring, "gaussian") == 0)) {
        snprintf(why, whylen, "the copula is not Gaussian");
        goto out;
    }
    if (!cJSON_IsArray(factors) || cJSON_GetArraySize(factors) != 1) {
        snprintf(why, whylen, "not exactly one factor");
        goto out;
    }
    const char *fname = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(factors, 0), "name"));
    cp->horizon = (int)num(root, "horizon_months", 0);
    cp->seed = (uint64_t)num(root, "seed", 1);
    cp->n = (size_t)cJSON_GetArraySize(trusts);
    int first = 1;
    const cJSON *t;
    cJSON_ArrayForEach(t, trusts)
    {
        const cJSON *schemes = cJSON_GetObjectItemCaseSensitive(t, "schemes");
        const cJSON *sc = cJSON_GetArrayItem(schemes, 0);
        const cJSON *loads = cJSON_GetObjectItemCaseSensitive(sc, "factors");
        double pd = num(sc, "paper", -1.0);
        double w = fname ? num(loads, fname, -1.0) : -1.0;
        if (cJSON_GetArraySize(schemes) != 1 || pd <= 0.0 || pd >= 1.0 || w < 0.0 || w >= 1.0 ||
            cJSON_GetArraySize(loads) != 1 || cJSON_GetObjectItemCaseSensitive(t, "factors") ||
            cJSON_GetObjectItemCaseSensitive(t, "cash_noise")) {
            snprintf(why, whylen,
                     "not a one-factor portfolio: every trust needs exactly one scheme with a "
                     "paper probability and one loading, on %s",
                     fname ? fname : "its factor");
            goto out;
        }
        if (first) {
            cp->pd = pd;
            cp->w = w;
            first = 0;
        } else if (pd != cp->pd || w != cp->w) {
            snprintf(why, whylen, "the obligors are not identical");
            goto out;
        }
    }
    if (cp->horizon < 1 || cp->horizon > 1200) {
        snprintf(why, whylen, "no horizon");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

static double phi_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

void bench_credit_exact(const bench_credit *cp, double *mean, double *var)
{
    const double n = (double)cp->n, p = cp->pd, w = cp->w, r = sqrt(1.0 - w * w);
    const double c = tr__norm_inv(p);
    /* p2 = E[Phi((c + w Z) / r)^2], Simpson's rule on [-12, 12] (the density
     * beyond is below 1e-31) */
    const int m = 24000;
    const double a = -12.0, h = 24.0 / m;
    double s = 0.0;
    for (int k = 0; k <= m; k++) {
        double z = a + h * k;
        double q = phi_cdf((c + w * z) / r);
        double f = q * q * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
        s += (k == 0 || k == m ? 1.0 : k % 2 ? 4.0 : 2.0) * f;
    }
    double p2 = s * h / 3.0;
    *mean = n * p;
    *var = n * p * (1.0 - p) + n * (n - 1.0) * (p2 - p * p);
}

int bench_moments_of_results(const char *results_json, bench_moments *m)
{
    memset(m, 0, sizeof *m);
    cJSON *root = cJSON_Parse(results_json);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(root, "system");
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(sys, "failures");
    const cJSON *dist = cJSON_GetObjectItemCaseSensitive(fl, "distribution");
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
    if (!cJSON_IsArray(dist) || !cJSON_IsNumber(paths)) {
        cJSON_Delete(root);
        return -1;
    }
    double mean = 0.0, k = 0.0;
    const cJSON *d;
    cJSON_ArrayForEach(d, dist)
    {
        mean += k * d->valuedouble;
        k += 1.0;
    }
    double var = 0.0, m4 = 0.0;
    k = 0.0;
    cJSON_ArrayForEach(d, dist)
    {
        double e = k - mean;
        var += e * e * d->valuedouble;
        m4 += e * e * e * e * d->valuedouble;
        k += 1.0;
    }
    m->n = paths->valuedouble;
    m->mean = mean;
    m->var = var;
    m->m4 = m4;
    cJSON_Delete(root);
    return 0;
}

void bench_agreement(const bench_moments *m, double mean, double var, double *z_mean, double *z_var)
{
    *z_mean = (m->mean - mean) / sqrt(var / m->n);
    double v = m->m4 - m->var * m->var;
    *z_var = v > 0.0 ? (m->var - var) / sqrt(v / m->n) : INFINITY;
}

/* ---- running CCruncher --------------------------------------------------- */

/* Run argv with stdout and stderr into `log` (NULL: /dev/null); wall and
 * the child's CPU seconds; its exit status, or -1. */
static int run_child(char *const argv[], const char *log, double *wall, double *cpu)
{
    fflush(NULL);
    double w0 = bench_now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    if (wall) *wall = bench_now() - w0;
    if (cpu)
        *cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
               (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line of `ccruncher-cmd --version` that names a version. */
static void ccr_version(bench_ccr *r)
{
    snprintf(r->version, sizeof r->version, "unknown version");
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/version.txt", r->dir);
    char *argv[] = {(char *)r->exe, "--version", NULL};
    if (run_child(argv, log, NULL, NULL) != 0) return;
    FILE *fp = fopen(log, "r");
    if (!fp) return;
    char line[256];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strstr(line, "ccruncher") && strpbrk(line, "0123456789")) {
            line[sizeof r->version - 1] = '\0';
            memcpy(r->version, line, strlen(line) + 1);
            break;
        }
    }
    fclose(fp);
    unlink(log);
}

/* The input: dates from 2025-01-01 over the horizon, ratings A (alive) and
 * E (defaulted), the transition matrix over the horizon, one factor. */
static int write_input(const char *path, const bench_credit *cp, uint64_t sims)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    int end_year = 2025 + cp->horizon / 12, end_month = 1 + cp->horizon % 12;
    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<ccruncher>\n"
            "  <title>trustrisk-bench credit workload</title>\n"
            "  <description>Written by trustrisk-bench from bench/credit.json: %zu identical "
            "obligors, default probability %.17g over %d months, loading %.17g on one factor, "
            "Gaussian copula.</description>\n"
            "  <parameters>\n"
            "    <parameter name=\"time.0\" value=\"01/01/2025\"/>\n"
            "    <parameter name=\"time.T\" value=\"01/%02d/%d\"/>\n"
            "    <parameter name=\"maxiterations\" value=\"%llu\"/>\n"
            "    <parameter name=\"maxseconds\" value=\"864000\"/>\n"
            "    <parameter name=\"copula\" value=\"gaussian\"/>\n"
            "    <parameter name=\"rng.seed\" value=\"%llu\"/>\n"
            "    <parameter name=\"antithetic\" value=\"false\"/>\n"
            "    <parameter name=\"blocksize\" value=\"128\"/>\n"
            "  </parameters>\n"
            "  <interest type=\"compound\"><rate t=\"0D\" r=\"0%%\"/><rate t=\"100Y\" "
            "r=\"0%%\"/></interest>\n"
            "  <ratings>\n"
            "    <rating name=\"A\" description=\"alive\"/>\n"
            "    <rating name=\"E\" description=\"defaulted\"/>\n"
            "  </ratings>\n"
            "  <transitions period=\"%d\">\n"
            "    <transition from=\"A\" to=\"A\" value=\"%.17g\"/>\n"
            "    <transition from=\"A\" to=\"E\" value=\"%.17g\"/>\n"
            "    <transition from=\"E\" to=\"A\" value=\"0\"/>\n"
            "    <transition from=\"E\" to=\"E\" value=\"1\"/>\n"
            "  </transitions>\n"
            "  <factors><factor name=\"S1\" loading=\"%.17g\"/></factors>\n"
            "  <correlations/>\n"
            "  <segmentations><segmentation name=\"portfolio\"/></segmentations>\n"
            "  <portfolio>\n",
            cp->n, cp->pd, cp->horizon, cp->w, end_month, end_year, (unsigned long long)sims,
            (unsigned long long)cp->seed, cp->horizon, 1.0 - cp->pd, cp->pd, cp->w);
    for (size_t i = 0; i < cp->n; i++)
        fprintf(fp,
                "    <obligor rating=\"A\" factor=\"S1\" id=\"o%zu\"><asset date=\"01/01/2025\" "
                "id=\"a%zu\"><data><values t=\"01/%02d/%d\" ead=\"1\" lgd=\"100%%\"/></data>"
                "</asset></obligor>\n",
                i + 1, i + 1, end_month, end_year);
    fputs("  </portfolio>\n</ccruncher>\n", fp);
    int bad = ferror(fp);
    if (fclose(fp) != 0) bad = 1;
    return bad ? -1 : 0;
}

int bench_ccr_prepare(bench_ccr *r, const char *exe, const bench_credit *cp, uint64_t sims,
                      char *why, size_t whylen)
{
    memset(r, 0, sizeof *r);
    r->exe = exe;
    if (access(exe, X_OK) != 0) {
        snprintf(why, whylen, "%s is not an executable: %s", exe, strerror(errno));
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/trustrisk-bench-ccr.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->dir)) {
        snprintf(why, whylen, "cannot make a directory in %s: %s", tmp && *tmp ? tmp : "/tmp",
                 strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    snprintf(r->input, sizeof r->input, "%s/credit.xml", r->dir);
    if (write_input(r->input, cp, sims) != 0) {
        snprintf(why, whylen, "cannot write %s", r->input);
        bench_ccr_cleanup(r);
        return -1;
    }
    ccr_version(r);
    return 0;
}

int bench_ccr_run(const bench_ccr *r, int threads, double *wall, double *cpu)
{
    char outopt[PATH_MAX + 16], thr[32], log[PATH_MAX + 16];
    snprintf(outopt, sizeof outopt, "--output=%s", r->dir);
    snprintf(thr, sizeof thr, "--threads=%d", threads);
    snprintf(log, sizeof log, "%s/log.txt", r->dir);
    char *argv[] = {(char *)r->exe, "-w", outopt, thr, "--hash=1000000000", (char *)r->input, NULL};
    int st = run_child(argv, log, wall, cpu);
    if (st != 0) {
        fprintf(stderr, "trustrisk-bench: %s failed (status %d); its output is in %s\n", r->exe, st,
                log);
        return -1;
    }
    return 0;
}

int bench_ccr_moments(const bench_ccr *r, bench_moments *m)
{
    memset(m, 0, sizeof *m);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/portfolio.csv", r->dir);
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    /* Two passes over the values: the mean, then the central moments. */
    char line[256];
    double n = 0.0, sum = 0.0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '"' || line[0] == '\n') continue;
        sum += strtod(line, NULL);
        n += 1.0;
    }
    if (n < 2.0) {
        fclose(fp);
        return -1;
    }
    double mean = sum / n, s2 = 0.0, s4 = 0.0;
    rewind(fp);
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '"' || line[0] == '\n') continue;
        double e = strtod(line, NULL) - mean;
        s2 += e * e;
        s4 += e * e * e * e;
    }
    fclose(fp);
    m->n = n;
    m->mean = mean;
    m->var = s2 / n;
    m->m4 = s4 / n;
    return 0;
}

void bench_ccr_cleanup(bench_ccr *r)
{
    if (!r->dir[0]) return;
    static const char *const files[] = {"credit.xml", "portfolio.csv", "log.txt", "version.txt"};
    char path[PATH_MAX + 32];
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        snprintf(path, sizeof path, "%s/%s", r->dir, files[k]);
        unlink(path);
    }
    if (rmdir(r->dir) != 0)
        fprintf(stderr, "trustrisk-bench: could not remove %s: %s\n", r->dir, strerror(errno));
    r->dir[0] = '\0';
}
