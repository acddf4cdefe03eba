/*
 * helpers.c - what many tests need, written once (helpers.h).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "helpers.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif

extern char **environ;

/* Every test process has GSL's error handler off, as the command has: the
 * library expects a handler that returns (trustrisk/run.h). A test of the
 * default handler sets it back itself. */
__attribute__((constructor)) static void th_gsl_handler_off(void)
{
    gsl_set_error_handler_off();
}

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    cr_assert_geq(n, 0);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

char *th_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vfmt(fmt, ap);
    va_end(ap);
    return s;
}

char *th_json(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vfmt(fmt, ap);
    va_end(ap);
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == '\'') {
            *w++ = '\'';
            r++;
        } else {
            *w++ = *r == '\'' ? '"' : *r;
        }
    }
    *w = '\0';
    return s;
}

tr_config *th_load_as(const char *name, const char *json)
{
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(json, strlen(json), name, &cfg, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK, "the config must load");
    tr_error_clear(&err);
    return cfg;
}

tr_config *th_load(const char *json)
{
    return th_load_as("test.json", json);
}

const tr_diag *th_find_diag(const tr_error *err, const char *path, const char *sub)
{
    for (size_t i = 0; i < err->count; i++) {
        const tr_diag *d = &err->diags[i];
        bool path_ok = path ? d->path && strcmp(d->path, path) == 0 : d->path == NULL;
        if (path_ok && strstr(d->message, sub)) return d;
    }
    return NULL;
}

void th_config_refused(const char *name, const char *json, const char *path, const char *sub)
{
    tr_error e;
    tr_error_init(&e);
    char *j = th_json("%s", json);
    tr_config *cfg = (tr_config *)&e; /* must be overwritten with NULL */
    tr_status st = tr_config_load_buffer(j, strlen(j), name, &cfg, &e);
    free(j);
    if (!th_find_diag(&e, path, sub)) tr_error_print(&e, stderr);
    cr_assert_eq(st, TR_E_INPUT, "status %d", st);
    cr_assert_null(cfg);
    cr_assert_not_null(th_find_diag(&e, path, sub), "no diagnostic at %s containing '%s'",
                       path ? path : "(null)", sub);
    for (size_t i = 0; i < e.count; i++) {
        cr_assert_str_eq(e.diags[i].file, name);
        cr_assert_eq(e.diags[i].status, TR_E_INPUT);
    }
    tr_error_clear(&e);
}

tr_status th_run(const tr_config *cfg, uint64_t paths, uint64_t seed, int threads, tr_results **res,
                 tr_error *err)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = seed;
    opt.threads = threads;
    *res = NULL;
    return tr_run(cfg, &opt, res, err);
}

cJSON *th_results_json(const tr_results *res)
{
    tr_error err;
    tr_error_init(&err);
    char *text = NULL;
    tr_status st = tr_results_json(res, &text, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK, "results.json must be made");
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "results.json must parse");
    free(text);
    tr_error_clear(&err);
    return j;
}

cJSON *th_run_json(const tr_config *cfg, uint64_t paths, uint64_t seed, int threads)
{
    tr_error err;
    tr_error_init(&err);
    tr_results *res = NULL;
    tr_status st = th_run(cfg, paths, seed, threads, &res, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK, "the run must succeed");
    cJSON *j = th_results_json(res);
    tr_results_free(res);
    tr_error_clear(&err);
    return j;
}

const cJSON *th_at(const cJSON *j, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = j;
    char *save = NULL;
    for (char *tok = strtok_r(buf, "/", &save); tok && cur; tok = strtok_r(NULL, "/", &save))
        cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(tok))
                                 : cJSON_GetObjectItemCaseSensitive(cur, tok);
    return cur;
}

double th_num(const cJSON *j, const char *path)
{
    const cJSON *v = th_at(j, path);
    cr_assert_not_null(v, "results.json has no %s", path);
    if (cJSON_IsNull(v)) return NAN;
    cr_assert(cJSON_IsNumber(v), "%s is not a number", path);
    return v->valuedouble;
}

double th_numf(const cJSON *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *path = vfmt(fmt, ap);
    va_end(ap);
    double x = th_num(j, path);
    free(path);
    return x;
}

const char *th_str(const cJSON *j, const char *path)
{
    const cJSON *v = th_at(j, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *th_read(const char *file, size_t *len)
{
    FILE *fp = fopen(file, "rb");
    if (!fp) return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        if (got == 0) break;
        n += got;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

char *th_read_ok(const char *file)
{
    char *s = th_read(file, NULL);
    cr_assert_not_null(s, "cannot read %s", file);
    return s;
}

void th_write(const char *file, const char *data)
{
    FILE *fp = fopen(file, "wb");
    cr_assert_not_null(fp, "cannot create %s", file);
    size_t n = strlen(data);
    cr_assert_eq(fwrite(data, 1, n, fp), n);
    cr_assert_eq(fclose(fp), 0);
}

/* Folders th_tmpdir made in this process, removed when it exits (each test
 * runs in a process of its own), so a run of the suite leaves /tmp as it
 * found it. A folder a test still wants after that is its own to make. */
#define TH_TMP_MAX 64
static char *th_tmp[TH_TMP_MAX];
static size_t th_ntmp;
static pid_t th_tmp_pid;

static void th_tmp_cleanup(void)
{
    if (getpid() != th_tmp_pid) return; /* inherited by a forked child */
    for (size_t i = 0; i < th_ntmp; i++) {
        th_remove_tree(th_tmp[i]);
        free(th_tmp[i]);
    }
    th_ntmp = 0;
}

void th_tmpdir(char *dir, size_t size, const char *tag)
{
    snprintf(dir, size, "/tmp/tr-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    if (th_tmp_pid != getpid()) {
        th_tmp_pid = getpid();
        for (size_t i = 0; i < th_ntmp; i++) /* the parent's to clean */
            free(th_tmp[i]);
        th_ntmp = 0;
        atexit(th_tmp_cleanup);
    }
    if (th_ntmp < TH_TMP_MAX) th_tmp[th_ntmp++] = strdup(dir);
}

void th_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        unlink(dir);
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *f = th_fmt("%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
            th_remove_tree(f);
        else
            unlink(f);
        free(f);
    }
    closedir(d);
    rmdir(dir);
}

int th_count_named(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot list %s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
             strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

int th_count_entries(const char *dir)
{
    return th_count_named(dir, "");
}

int th_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

int th_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vfmt(fmt, ap);
    va_end(ap);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "command did not exit: %s", cmd);
    free(cmd);
    return WEXITSTATUS(st);
}

/* environ with `extra` ("NAME=VALUE" each, NULL-terminated) added, each
 * replacing a variable of the same name; the array (not its strings) is
 * the caller's to free. */
static char **env_with(const char *const *extra)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    char **env = calloc(n + m + 1, sizeof *env);
    cr_assert_not_null(env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < m && !replaced; j++) {
            size_t len = strcspn(extra[j], "=");
            replaced = strncmp(environ[i], extra[j], len) == 0 && environ[i][len] == '=';
        }
        if (!replaced) env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = (char *)extra[j];
    return env;
}

pid_t th_start_cli(const char *const *args, const char *const *env, const char *out_path,
                   const char *err_path)
{
    size_t n = 0;
    while (args[n])
        n++;
    const char **argv = calloc(n + 2, sizeof *argv);
    cr_assert_not_null(argv);
    argv[0] = TR_BINARY;
    for (size_t k = 0; k < n; k++)
        argv[k + 1] = args[k];

    posix_spawn_file_actions_t fa;
    cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char **envp = env_with(env);
    pid_t pid;
    int rc = posix_spawn(&pid, TR_BINARY, &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    free(argv);
    cr_assert_eq(rc, 0, "cannot run %s: %s", TR_BINARY, strerror(rc));
    return pid;
}

int th_wait_cli(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

th_cli th_run_cli(const char *const *args)
{
    th_cli res = {-1, NULL, NULL};
    char dir[64];
    th_tmpdir(dir, sizeof dir, "cli");
    char *out_path = th_fmt("%s/stdout", dir), *err_path = th_fmt("%s/stderr", dir);
    res.status = th_wait_cli(th_start_cli(args, NULL, out_path, err_path));
    res.out = th_read(out_path, NULL);
    res.err = th_read(err_path, NULL);
    cr_assert(res.out && res.err, "cannot read the captured output");
    free(out_path);
    free(err_path);
    th_remove_tree(dir);
    return res;
}

void th_cli_free(th_cli *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
