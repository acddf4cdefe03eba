/*
 * outdir.c - the command's output folder, written all or nothing (see
 * outdir.h for the design).
 *
 * Staging folders are named ".trustrisk-<hash of the output folder's
 * name>-<process>-<n>" in the output folder's parent, so that the next run
 * into the same folder finds what a killed run left. A live run holds an
 * exclusive flock on its staging folder; a folder whose lock can be taken
 * belongs to a dead run and is removed. Removal only ever deletes regular
 * files with the names trustrisk writes; a folder holding anything else is
 * left where it is, with a warning.
 *
 * SIGINT, SIGTERM and SIGHUP remove the staging folder before the process
 * dies (the one piece of process-wide state here, as a signal handler needs
 * it). Once the swap has begun they no longer do, and end the process as
 * SIGKILL would: the swap is one atomic step wherever the file system
 * supports it. While a run can stop between blocks, the first SIGINT or
 * SIGTERM asks it to (cli_signals_stop) instead.
 */
#define _GNU_SOURCE /* renameat2's flags, O_TMPFILE, flock, realpath */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "outdir.h"
#include "xlsx.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1u << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1u << 1)
#endif

/* A file made in a staging folder to check that it can be written. */
#define PROBE_FILE ".trustrisk-probe"

/* renameat2 through syscall(), whether or not the C library wraps it. */
static int rename2(int dir, const char *from, const char *to, unsigned flags)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, dir, from, dir, to, flags);
#else
    (void)dir, (void)from, (void)to, (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

/* Errors that mean "this file system (or kernel) cannot do that flag". */
static int unsupported(int e)
{
    return e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == ENOTTY;
}

/* ---- the files trustrisk writes ---------------------------------------- */

enum { N_OURS = 5 + TR_CSV_VIEWS + 4 + 3 + 1 };
static const char *ours[N_OURS];

static void ours_init(void)
{
    if (ours[0]) return;
    int k = 0;
    ours[k++] = "results.json";
    ours[k++] = "run.json";
    ours[k++] = TR_REPORT_FILE;
    ours[k++] = CLI_XLSX_FILE;
    ours[k++] = CLI_CHECKPOINT_FILE;
    for (int v = 0; v < TR_CSV_VIEWS; v++)
        ours[k++] = tr_csv_view_file((tr_csv_view)v);
    ours[k++] = CLI_COMPARISON_JSON;
    ours[k++] = CLI_COMPARISON_CSV;
    ours[k++] = TR_COMPARISON_FILE;
    ours[k++] = CLI_BATCH_LOG;
    ours[k++] = TR_SENSITIVITY_JSON;
    ours[k++] = TR_SENSITIVITY_CSV;
    ours[k++] = TR_SENSITIVITY_HTML;
    ours[k] = PROBE_FILE;
}

/* The length of the state file name at the start of s ("shard-I-of-N.trs",
 * "checkpoint-I-of-N.trs": cli_state_name), or 0 when s does not start with
 * one. */
static size_t state_name_len(const char *s)
{
    const char *p = s;
    if (strncmp(p, "shard-", 6) == 0)
        p += 6;
    else if (strncmp(p, "checkpoint-", 11) == 0)
        p += 11;
    else
        return 0;
    for (int part = 0; part < 2; part++) {
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9')
            p++;
        if (part == 0) {
            if (strncmp(p, "-of-", 4) != 0) return 0;
            p += 4;
        }
    }
    return strncmp(p, ".trs", 4) == 0 ? (size_t)(p + 4 - s) : 0;
}

int cli_is_state_name(const char *name, int shard_only)
{
    size_t n = state_name_len(name);
    return n > 0 && name[n] == '\0' && (!shard_only || name[0] == 's');
}

/* A name trustrisk writes, or a temporary form of one (".results.json.tmp-1"). */
static int is_ours(const char *name)
{
    ours_init();
    for (int k = 0; k < N_OURS; k++) {
        size_t n = strlen(ours[k]);
        if (strcmp(name, ours[k]) == 0) return 1;
        if (name[0] == '.' && strncmp(name + 1, ours[k], n) == 0 && name[n + 1] == '.') return 1;
    }
    if (cli_is_state_name(name, 0)) return 1;
    size_t n = name[0] == '.' ? state_name_len(name + 1) : 0;
    return n > 0 && name[n + 1] == '.';
}

/* Does the file `name` in folder `fd`, which has one of trustrisk's names,
 * hold what trustrisk writes there? A file of the user's that happens to
 * share a name (their own results.json) must never make the folder look
 * like trustrisk's and be replaced. JSON documents name the engine near
 * their start, batch.log starts with its first event, pages name
 * trustrisk; state files (whose names no one else uses, and a damaged one
 * of which a run must still replace), CSV views, the workbook and
 * temporary forms are known by name alone. */
static int content_ours(int fd, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (name[0] == '.' || dot == NULL) return 1;
    int json = strcmp(dot, ".json") == 0, log = strcmp(dot, ".log") == 0,
        html = strcmp(dot, ".html") == 0;
    if (!json && !log && !html) return 1;
    int f = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return 0;
    char head[4097];
    ssize_t got = read(f, head, sizeof head - 1);
    close(f);
    if (got < 0) return 0;
    head[got] = '\0';
    if (log) return strncmp(head, "{\"time\":\"", 9) == 0 && strstr(head, "\"event\":") != NULL;
    if (json) head[got < 512 ? got : 512] = '\0';
    return strstr(head, json ? "\"trustrisk\"" : "trustrisk") != NULL;
}

/* ---- signals ------------------------------------------------------------
 * A signal handler may run in any thread (the simulation's threads too), so
 * it and the swap claim the staging folder with one atomic step: either the
 * handler removes the staging folder and the swap never happens, or the
 * swap has begun and the handler only lets the signal kill the process,
 * which is then no different from SIGKILL at that instant.
 *
 * While a run can stop between blocks (cli_signals_stop), the first SIGINT
 * or SIGTERM only sets the run's flag: the run saves its state and ends.
 * Any later signal acts as above. */

enum { STAGE_IDLE, STAGE_REMOVING, STAGE_SWAPPING };
static _Atomic int stage_state = STAGE_IDLE;
static cli_outdir *volatile active;          /* the staging folder a signal removes */
static volatile sig_atomic_t *volatile stop; /* the flag a first signal sets, or NULL */

static void on_signal(int sig)
{
    volatile sig_atomic_t *flag = stop;
    if (flag && *flag == 0 && sig != SIGHUP) {
        *flag = sig;
        return;
    }
    cli_outdir *o = active;
    int idle = STAGE_IDLE;
    if (o && atomic_compare_exchange_strong(&stage_state, &idle, STAGE_REMOVING)) {
        int fd = openat(o->parent_fd, o->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            for (int k = 0; k < N_OURS; k++)
                unlinkat(fd, ours[k], 0);
            close(fd);
        }
        unlinkat(o->parent_fd, o->stage, AT_REMOVEDIR);
    }
    struct sigaction sa; /* the default action, which ends the process */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig); /* SA_NODEFER: delivered at once */
}

static void install_handler(void)
{
    ours_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    static const int caught[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int k = 0; k < 3; k++)
        sigaction(caught[k], &sa, NULL);
}

static void catch_signals(cli_outdir *o)
{
    active = o;
    atomic_store(&stage_state, STAGE_IDLE);
    install_handler();
}

void cli_signals_stop(volatile sig_atomic_t *flag)
{
    stop = flag;
    install_handler();
}

/* Claim the staging folder for the swap; if a handler is already removing
 * it, wait for the signal to end the process. */
static void claim_stage(void)
{
    int idle = STAGE_IDLE;
    if (!atomic_compare_exchange_strong(&stage_state, &idle, STAGE_SWAPPING))
        for (;;)
            pause();
}

void cli_test_pause(const char *point)
{
    const char *want = getenv("TRUSTRISK_TEST_PAUSE");
    if (want == NULL || strcmp(want, point) != 0) return;
    fprintf(stderr, "trustrisk: paused at %s\n", point);
    fflush(stderr);
    raise(SIGSTOP);
}

/* ---- helpers ------------------------------------------------------------ */

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (s) snprintf(s, na + nb + 2, "%s%s%s", a, na && a[na - 1] != '/' ? "/" : "", b);
    return s;
}

/* 64-bit FNV-1a of a name, for the staging folders' prefix. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static void stage_prefix(const cli_outdir *o, char *buf, size_t n)
{
    snprintf(buf, n, ".trustrisk-%016llx-", (unsigned long long)name_hash(o->base));
}

/* A batch's folder of scenarios' folders, or one of those (`depth` 1 or 2
 * below the output folder). */
static int is_our_folder(const char *name, int depth)
{
    return depth == 0 ? strcmp(name, CLI_SCENARIOS_DIR) == 0
                      : name[0] != '.' && strchr(name, '/') == NULL;
}

/*
 * Delete the files trustrisk writes in folder `name` of `dir` (`depth` 0:
 * an output or staging folder, whose scenarios' folders go too), then the
 * folder. -1 with errno (ENOTEMPTY when something else is in it); a folder
 * already gone counts as removed. `pause` names a test pause point after
 * the first file, or is NULL.
 */
static int remove_tree(int dir, const char *name, int depth, const char *pause)
{
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    int first = 1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) && depth < 2 && is_our_folder(e->d_name, depth)) {
            remove_tree(fd, e->d_name, depth + 1, NULL); /* what it leaves keeps this one */
            continue;
        }
        if (!is_ours(e->d_name) || !S_ISREG(sb.st_mode)) continue;
        if (unlinkat(fd, e->d_name, 0) == 0 && first && pause) {
            first = 0;
            cli_test_pause(pause);
        }
    }
    closedir(d);
    if (unlinkat(dir, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return -1;
    return 0;
}

static int remove_ours(int dir, const char *name, const char *pause)
{
    return remove_tree(dir, name, 0, pause);
}

/* Remove the staging folders of this output folder that no live run holds. */
static void clean_leftovers(const cli_outdir *o)
{
    char prefix[64];
    stage_prefix(o, prefix, sizeof prefix);
    size_t plen = strlen(prefix);
    int fd = openat(o->parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0) close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, plen) != 0) continue;
        int sfd = openat(o->parent_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0) continue;
        if (flock(sfd, LOCK_EX | LOCK_NB) == 0) remove_ours(o->parent_fd, e->d_name, NULL);
        close(sfd);
    }
    closedir(d);
}

static void outdir_free(cli_outdir *o)
{
    if (active == o) active = NULL;
    if (o->stage_fd >= 0) close(o->stage_fd);
    if (o->parent_fd >= 0) close(o->parent_fd);
    free(o->target);
    free(o->parent);
    free(o->base);
    memset(o, 0, sizeof *o);
    o->parent_fd = o->stage_fd = -1;
}

/* Exit code 2 (a bad --out) for a path that cannot name a folder (too
 * long, or a file where a folder should be), else 1 (the machine's). */
static tr_status io_status(int e)
{
    return e == ENAMETOOLONG || e == ENOTDIR ? TR_E_INPUT : TR_E_IO;
}

/* Split path (no trailing slash, not "/") into o->parent and o->base. */
static int split_path(cli_outdir *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    free(o->parent);
    free(o->base);
    if (slash == NULL) {
        o->parent = strdup(".");
        o->base = strdup(path);
    } else {
        o->parent = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
        o->base = strdup(slash + 1);
    }
    return o->parent && o->base ? 0 : -1;
}

/* mkdir -p of `dir`; the first component that fails is named. */
static tr_status make_parents(const char *target, const char *dir, tr_error *err)
{
    char *p = strdup(dir);
    if (p == NULL) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    tr_status st = TR_OK;
    for (char *s = p + 1;; s++) {
        int end = *s == '\0';
        if (*s != '/' && !end) continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            st = tr_error_add(err, io_status(e), target, NULL, 0, 0,
                              "cannot create the output folder: cannot make %s: %s%s", p,
                              strerror(e),
                              e == ENOTDIR ? " (a part of the path is a file, not a folder)" : "");
            break;
        }
        if (end) break;
        *s = '/';
    }
    free(p);
    return st;
}

/* The output folder, open to be listed (*fd its descriptor), or NULL with
 * a message. */
static DIR *open_target(const cli_outdir *o, int *fd, tr_error *err)
{
    *fd = openat(o->parent_fd, o->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = *fd >= 0 ? fdopendir(*fd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (*fd >= 0) close(*fd);
        tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot read the output folder: %s",
                     strerror(e));
    }
    return d;
}

/* The entry of folder `fd` in the output folder that trustrisk did not
 * write ("scenarios/x/notes.txt"), into `what` (`n` bytes), and its kind;
 * "" when there is none. `depth` as remove_tree's. */
static const char *foreign_entry(int fd, int depth, char *what, size_t n)
{
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        snprintf(what, n, "?");
        return "";
    }
    const char *kind = "";
    what[0] = '\0';
    for (struct dirent *e; what[0] == '\0' && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat sb;
        int stat_ok = fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
        if (stat_ok && S_ISREG(sb.st_mode) && is_ours(e->d_name) && depth != 1 &&
            content_ours(fd, e->d_name))
            continue;
        if (stat_ok && S_ISDIR(sb.st_mode) && depth < 2 && is_our_folder(e->d_name, depth)) {
            int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            char inner[2 * NAME_MAX + 2]; /* "ID/FILE" */
            kind = sub >= 0 ? foreign_entry(sub, depth + 1, inner, sizeof inner) : "";
            if (sub < 0 || inner[0]) snprintf(what, n, "%s/%s", e->d_name, sub < 0 ? "" : inner);
            continue;
        }
        kind = !stat_ok              ? ""
               : S_ISDIR(sb.st_mode) ? "a folder "
               : S_ISLNK(sb.st_mode) ? "a symbolic link "
               : S_ISREG(sb.st_mode) ? "a file "
                                     : "a special file ";
        snprintf(what, n, "%s", e->d_name);
    }
    closedir(d);
    return kind;
}

/* Refuse a folder holding anything trustrisk did not write. */
static tr_status check_contents(const cli_outdir *o, tr_error *err)
{
    int fd = -1;
    DIR *d = open_target(o, &fd, err);
    if (d == NULL) return TR_E_IO;
    tr_status st = TR_OK;
    for (struct dirent *e; st == TR_OK && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat sb;
        int stat_ok = fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
        if (stat_ok && S_ISREG(sb.st_mode) && is_ours(e->d_name) && content_ours(fd, e->d_name))
            continue;
        if (stat_ok && S_ISDIR(sb.st_mode) && is_our_folder(e->d_name, 0)) {
            char what[PATH_MAX];
            int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            const char *kind = sub >= 0 ? foreign_entry(sub, 1, what, sizeof what) : "";
            if (sub >= 0 && what[0] == '\0') continue;
            st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                              "not a trustrisk output folder: it holds %s\"%s/%s\", which "
                              "trustrisk did not write. A run replaces its output folder as a "
                              "whole, so it will not use this one; give --out a new folder or one "
                              "written by an earlier run",
                              kind, e->d_name, sub >= 0 ? what : "");
            continue;
        }
        const char *kind = !stat_ok              ? ""
                           : S_ISDIR(sb.st_mode) ? "a folder "
                           : S_ISLNK(sb.st_mode) ? "a symbolic link "
                           : S_ISREG(sb.st_mode) ? "a file "
                                                 : "a special file ";
        st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                          "not a trustrisk output folder: it holds %s\"%s\", which trustrisk did "
                          "not write. A run replaces its output folder as a whole, so it will not "
                          "use this one; give --out a new folder or one written by an earlier run",
                          kind, e->d_name);
    }
    closedir(d);
    return st;
}

/* An existing output folder: can it be replaced? */
static tr_status check_existing(cli_outdir *o, const struct stat *sb, tr_error *err)
{
    struct stat ps;
    if (fstat(o->parent_fd, &ps) != 0)
        return tr_error_add(err, TR_E_IO, o->parent, NULL, 0, 0, "cannot read the folder: %s",
                            strerror(errno));
    if (!S_ISDIR(sb->st_mode))
        return tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                            "exists and is not a folder; --out names the folder the results go "
                            "into");
    if (sb->st_dev != ps.st_dev)
        return tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                            "is a mount point; a run replaces its output folder as a whole, so "
                            "give --out a folder inside it");
    tr_status st = check_contents(o, err);
    if (st != TR_OK) return st;
    if (faccessat(o->parent_fd, o->base, W_OK | X_OK, 0) != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0,
                            "cannot replace the output folder's files: %s", strerror(errno));
    uid_t me = geteuid();
    if ((ps.st_mode & S_ISVTX) && sb->st_uid != me && ps.st_uid != me && me != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0,
                            "cannot replace the output folder: it belongs to another user in a "
                            "shared folder");
    return TR_OK;
}

/* Make, lock and probe a fresh staging folder. */
static tr_status make_stage(cli_outdir *o, mode_t mode, tr_error *err)
{
    char prefix[64];
    stage_prefix(o, prefix, sizeof prefix);
    static unsigned counter;
    int e = 0;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(o->stage, sizeof o->stage, "%s%lx-%x", prefix, (long)getpid(), counter++);
        if (mkdirat(o->parent_fd, o->stage, 0777) == 0) {
            e = 0;
            break;
        }
        e = errno;
        if (e != EEXIST) break;
    }
    if (e != 0) {
        o->stage[0] = '\0';
        return tr_error_add(err, io_status(e), o->target, NULL, 0, 0,
                            "cannot write the output folder: cannot create a folder in %s: %s",
                            o->parent, strerror(e));
    }
    /* The lock tells a later run that this folder is in use (a failure to
     * lock only loses that); the probe, that files can be written in it. */
    o->stage_fd = openat(o->parent_fd, o->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (o->stage_fd < 0) {
        e = errno;
    } else {
        (void)flock(o->stage_fd, LOCK_EX | LOCK_NB);
        int fd = -1;
        if (mode != 0 && fchmod(o->stage_fd, mode) != 0)
            e = errno;
        else if ((fd = openat(o->stage_fd, PROBE_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                              0600)) < 0)
            e = errno;
        else if (write(fd, "x", 1) != 1)
            e = errno ? errno : EIO;
        if (fd >= 0 && close(fd) != 0 && e == 0) e = errno;
        if (fd >= 0) unlinkat(o->stage_fd, PROBE_FILE, 0);
    }
    if (e != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0,
                            "cannot write the output folder: %s", strerror(e));
    return TR_OK;
}

tr_status cli_outdir_prepare(cli_outdir *o, const char *dir, tr_error *err)
{
    memset(o, 0, sizeof *o);
    o->parent_fd = o->stage_fd = -1;
    if (dir == NULL || *dir == '\0')
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "no output folder given");
    size_t n = strlen(dir);
    if (n >= PATH_MAX)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "output folder's path is too long (%zu bytes; at most %d)", n,
                            PATH_MAX - 1);
    o->target = strdup(dir);
    char *path = strdup(dir);
    if (o->target == NULL || path == NULL) {
        free(path);
        outdir_free(o);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    tr_status st = TR_OK;
    if (strcmp(path, "/") == 0)
        st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                          "the root folder cannot be an output folder");
    if (st == TR_OK && split_path(o, path) != 0)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    /* A symbolic link, "." or "..": work on the folder it stands for. */
    struct stat sb;
    int linked = st == TR_OK && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
    if (st == TR_OK && (linked || strcmp(o->base, ".") == 0 || strcmp(o->base, "..") == 0)) {
        char *real = realpath(path, NULL);
        if (real == NULL)
            st = tr_error_add(err, io_status(errno), o->target, NULL, 0, 0,
                              "cannot find the output folder: %s", strerror(errno));
        else if (strcmp(real, "/") == 0)
            st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                              "the root folder cannot be an output folder");
        else if (split_path(o, real) != 0)
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        free(real);
    }
    free(path);
    /* (checked again below against the file system's own limit) */
    if (st == TR_OK && strlen(o->base) > NAME_MAX)
        st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                          "the output folder's name is too long (%zu bytes; at most %d)",
                          strlen(o->base), NAME_MAX);
    if (st == TR_OK && strcmp(o->parent, ".") != 0) st = make_parents(o->target, o->parent, err);
    if (st == TR_OK) {
        o->parent_fd = open(o->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->parent_fd < 0)
            st = tr_error_add(err, io_status(errno), o->target, NULL, 0, 0,
                              "cannot use the output folder's parent %s: %s", o->parent,
                              strerror(errno));
    }
    if (st == TR_OK) {
        long max = fpathconf(o->parent_fd, _PC_NAME_MAX);
        if (max <= 0) max = NAME_MAX;
        if ((long)strlen(o->base) > max)
            st = tr_error_add(err, TR_E_INPUT, o->target, NULL, 0, 0,
                              "the output folder's name is too long (%zu bytes; at most %ld)",
                              strlen(o->base), max);
    }
    mode_t mode = 0;
    if (st == TR_OK) {
        if (fstatat(o->parent_fd, o->base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
            o->existed = 1;
            mode = sb.st_mode & 07777;
            st = check_existing(o, &sb, err);
        } else if (errno != ENOENT) {
            st = tr_error_add(err, io_status(errno), o->target, NULL, 0, 0,
                              "cannot use the output folder: %s", strerror(errno));
        }
    }
    if (st == TR_OK) {
        clean_leftovers(o);
        st = make_stage(o, mode, err);
    }
    if (st != TR_OK) {
        cli_outdir_abandon(o);
        return st;
    }
    catch_signals(o);
    return TR_OK;
}

/* Write all of data to fd, and flush it to disk when `sync`; 0 or an errno
 * value. */
static int write_all(int fd, const char *data, size_t len, int sync)
{
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : EIO;
        off += (size_t)w;
    }
    return sync && fsync(fd) != 0 && errno != EINVAL ? errno : 0;
}

FILE *cli_outdir_open(cli_outdir *o, const char *name, tr_error *err)
{
    int fd = openat(o->stage_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fp == NULL) {
        int e = errno;
        if (fd >= 0) close(fd);
        tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot write %s: %s", name, strerror(e));
    }
    return fp;
}

tr_status cli_outdir_close(cli_outdir *o, FILE *fp, const char *name, tr_error *err)
{
    int e = 0;
    if (fflush(fp) != 0 || ferror(fp)) e = errno ? errno : EIO;
    if (e == 0 && fsync(fileno(fp)) != 0 && errno != EINVAL) e = errno;
    if (fclose(fp) != 0 && e == 0) e = errno;
    if (e != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot write %s: %s", name,
                            strerror(e));
    return TR_OK;
}

tr_status cli_outdir_add(cli_outdir *o, const char *name, const char *data, size_t len,
                         tr_error *err)
{
    int fd = openat(o->stage_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int e = fd < 0 ? errno : write_all(fd, data, len, 1);
    if (fd >= 0 && close(fd) != 0 && e == 0) e = errno;
    if (e != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot write %s: %s", name,
                            strerror(e));
    return TR_OK;
}

/* Copy file `name` of folder `from` into folder `to`, flushed to disk; 0 or
 * an errno value. */
static int copy_file(int from, int to, const char *name)
{
    int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) return errno;
    int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int e = out < 0 ? errno : 0;
    static char buf[1 << 16];
    for (ssize_t got; e == 0 && (got = read(in, buf, sizeof buf)) != 0;) {
        if (got < 0 && errno == EINTR) continue;
        e = got < 0 ? errno : write_all(out, buf, (size_t)got, 0);
    }
    if (e == 0 && fsync(out) != 0 && errno != EINVAL) e = errno;
    if (out >= 0 && close(out) != 0 && e == 0) e = errno;
    close(in);
    return e;
}

/* The shard states (shard-I-of-N.trs) of the folder being replaced go into
 * the new one too, linked (or copied where the file system has no links):
 * finished shards are never lost to a run into their folder. */
static tr_status keep_shards(cli_outdir *o, tr_error *err)
{
    int fd = -1;
    DIR *d = open_target(o, &fd, err);
    if (d == NULL) return TR_E_IO;
    tr_status st = TR_OK;
    for (struct dirent *e; st == TR_OK && (e = readdir(d)) != NULL;) {
        struct stat sb;
        if (!cli_is_state_name(e->d_name, 1) ||
            fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (linkat(fd, e->d_name, o->stage_fd, e->d_name, 0) == 0) continue;
        int failed = errno == EEXIST ? 0 : copy_file(fd, o->stage_fd, e->d_name);
        if (failed)
            st = tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0,
                              "cannot keep the shard state %s in the new folder: %s; the new "
                              "results are in %s/%s until the next run into this folder",
                              e->d_name, strerror(failed), o->parent, o->stage);
    }
    closedir(d);
    return st;
}

/* The swap itself; `old` receives the name the previous folder now has
 * ("" if none). 0, or -1 with errno. */
static int swap_in(cli_outdir *o, char *old, size_t oldlen)
{
    old[0] = '\0';
    if (!o->existed) {
        int r = rename2(o->parent_fd, o->stage, o->base, RENAME_NOREPLACE);
        if (r != 0 && unsupported(errno))
            r = renameat(o->parent_fd, o->stage, o->parent_fd, o->base);
        return r;
    }
    if (rename2(o->parent_fd, o->stage, o->base, RENAME_EXCHANGE) == 0) {
        snprintf(old, oldlen, "%s", o->stage);
        return 0;
    }
    if (!unsupported(errno)) return -1;
    /* No exchange here: the old folder aside, the new one in. */
    char prefix[64];
    stage_prefix(o, prefix, sizeof prefix);
    snprintf(old, oldlen, "%sold-%lx", prefix, (long)getpid());
    if (renameat(o->parent_fd, o->base, o->parent_fd, old) != 0) {
        old[0] = '\0';
        return -1;
    }
    if (renameat(o->parent_fd, o->stage, o->parent_fd, o->base) != 0) {
        int e = errno;
        renameat(o->parent_fd, old, o->parent_fd, o->base);
        old[0] = '\0';
        errno = e;
        return -1;
    }
    return 0;
}

/* Flush the folders below folder `fd` to disk (a batch's scenarios'), so
 * that their entries are as durable as the files; 0 or an errno value. */
static int sync_folders(int fd, int depth)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (d == NULL) {
        if (dup_fd >= 0) close(dup_fd);
        return errno;
    }
    int e = 0;
    for (struct dirent *ent; e == 0 && (ent = readdir(d)) != NULL;) {
        if (!is_our_folder(ent->d_name, depth) || depth >= 2) continue;
        int sub = openat(fd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue; /* a file of that name */
        e = sync_folders(sub, depth + 1);
        if (e == 0 && fsync(sub) != 0 && errno != EINVAL) e = errno;
        close(sub);
    }
    closedir(d);
    return e;
}

tr_status cli_outdir_mkdir(cli_outdir *o, const char *name, tr_error *err)
{
    if (mkdirat(o->stage_fd, name, 0777) != 0)
        return tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot make the folder %s: %s",
                            name, strerror(errno));
    return TR_OK;
}

tr_status cli_outdir_commit(cli_outdir *o, tr_error *err)
{
    tr_status st = TR_OK;
    int synced = sync_folders(o->stage_fd, 0);
    if (synced != 0)
        st = tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot write the output folder: %s",
                          strerror(synced));
    if (st == TR_OK && fsync(o->stage_fd) != 0 && errno != EINVAL)
        st = tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0, "cannot write the output folder: %s",
                          strerror(errno));
    /* A checkpoint may have made the folder since it was prepared. */
    struct stat sb;
    o->existed = fstatat(o->parent_fd, o->base, &sb, AT_SYMLINK_NOFOLLOW) == 0;
    if (st == TR_OK && o->existed) st = keep_shards(o, err);
    cli_test_pause("staged");
    claim_stage();
    active = NULL;
    char old[128];
    if (st == TR_OK && swap_in(o, old, sizeof old) != 0) {
        int e = errno;
        st = tr_error_add(err, TR_E_IO, o->target, NULL, 0, 0,
                          "cannot put the new results in place: %s; they are in %s/%s until the "
                          "next run into this folder",
                          strerror(e), o->parent, o->stage);
    }
    if (st == TR_OK) {
        fsync(o->parent_fd);
        cli_test_pause("exchanged");
        if (old[0] && remove_ours(o->parent_fd, old, "removing") != 0) {
            int e = errno;
            fputs("trustrisk: warning: the previous results were replaced, but their folder ",
                  stderr);
            tr_text_print(stderr, o->parent);
            fputc('/', stderr);
            tr_text_print(stderr, old);
            fprintf(stderr, " was not removed: %s\n",
                    e == ENOTEMPTY ? "it holds files trustrisk did not write" : strerror(e));
        }
    }
    outdir_free(o);
    return st;
}

void cli_outdir_abandon(cli_outdir *o)
{
    if (active == o) active = NULL;
    if (o->parent_fd >= 0 && o->stage[0]) remove_ours(o->parent_fd, o->stage, NULL);
    outdir_free(o);
}

tr_status cli_file_replace(const char *dir, const char *name, const char *data, size_t len,
                           tr_error *err)
{
    char *final = join(dir, name);
    if (final == NULL) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        tr_status st = tr_error_add(err, io_status(errno), dir, NULL, 0, 0,
                                    "cannot use the folder: %s", strerror(errno));
        free(final);
        return st;
    }
    char tmp[NAME_MAX + 1];
    snprintf(tmp, sizeof tmp, ".%s.tmp-%lx", name, (long)getpid());
    unlinkat(dfd, tmp, 0); /* left by an earlier process with the same id */
    /* First an unnamed file, which a kill leaves nowhere; it gets its
     * temporary name only once complete. */
    int e = 0, named = 0;
    int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        e = write_all(fd, data, len, 1);
        if (e == 0 && linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW) == 0) named = 1;
        close(fd);
    }
    if (!named && e == 0) {
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = fd < 0 ? errno : write_all(fd, data, len, 1);
        if (fd >= 0 && close(fd) != 0 && e == 0) e = errno;
        named = fd >= 0;
    }
    if (e == 0) {
        cli_test_pause("replacing");
        if (renameat(dfd, tmp, dfd, name) != 0) e = errno;
    }
    if (e != 0 && named) unlinkat(dfd, tmp, 0);
    if (e == 0) fsync(dfd);
    close(dfd);
    tr_status st = TR_OK;
    if (e != 0) st = tr_error_add(err, TR_E_IO, final, NULL, 0, 0, "cannot write: %s", strerror(e));
    free(final);
    return st;
}

tr_status cli_outdir_keep(cli_outdir *o, const char *name, const void *data, size_t len,
                          tr_error *err)
{
    int made = mkdirat(o->parent_fd, o->base, 0777) == 0;
    if (!made && errno != EEXIST)
        return tr_error_add(err, io_status(errno), o->target, NULL, 0, 0,
                            "cannot create the output folder: %s", strerror(errno));
    char *dir = join(o->parent, o->base);
    tr_status st = dir == NULL ? tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory")
                               : cli_file_replace(dir, name, data, len, err);
    free(dir);
    /* a folder made for this state alone is not left behind empty (a full disk) */
    if (st != TR_OK && made) unlinkat(o->parent_fd, o->base, AT_REMOVEDIR);
    return st;
}

tr_status cli_file_append(const char *dir, const char *name, const char *data, size_t len,
                          int fresh, tr_error *err)
{
    char *file = join(dir, name);
    if (file == NULL) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    int fd = open(
        file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0666);
    int e = fd < 0 ? errno : write_all(fd, data, len, 0);
    if (e == 0 && fdatasync(fd) != 0 && errno != EINVAL) e = errno;
    if (fd >= 0 && close(fd) != 0 && e == 0) e = errno;
    tr_status st = TR_OK;
    if (e != 0) st = tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot write: %s", strerror(e));
    free(file);
    return st;
}

tr_status cli_dir_ensure(const char *dir, tr_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return TR_OK;
        return tr_error_add(err, TR_E_INPUT, dir, NULL, 0, 0,
                            "exists and is not a folder; --out names the folder the state goes "
                            "into");
    }
    size_t n = strlen(dir);
    if (n == 0) return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "no output folder given");
    if (n >= PATH_MAX)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "output folder's path is too long (%zu bytes; at most %d)", n,
                            PATH_MAX - 1);
    return make_parents(dir, dir, err);
}
