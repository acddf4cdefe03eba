/*
 * gnuplot.c - drawing the report's charts with gnuplot (gnuplot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gnuplot.h"

extern char **environ;

/* Find an executable `name` on PATH (an empty entry means "."). */
static char *find_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0') return NULL;
    size_t nlen = strlen(name);
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        char *full = malloc(dlen + nlen + 3);
        if (full == NULL) return NULL;
        if (dlen == 0)
            snprintf(full, dlen + nlen + 3, "./%s", name);
        else
            snprintf(full, dlen + nlen + 3, "%.*s/%s", (int)dlen, p, name);
        struct stat sb;
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0) return full;
        free(full);
        if (end == NULL) return NULL;
        p = end + 1;
    }
}

void cli_gnuplot_init(cli_gnuplot *g)
{
    g->program = find_on_path("gnuplot");
}

void cli_gnuplot_free(cli_gnuplot *g)
{
    free(g->program);
    g->program = NULL;
}

/* Close *fd if open and mark it closed. */
static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* A running gnuplot: its standard input, output and error. */
typedef struct child {
    pid_t pid;
    int in, out, err;
} child;

/*
 * Start `prog` with pipes on 0, 1 and 2. Standard input is one end of a
 * socket pair, written with MSG_NOSIGNAL, so that a gnuplot that exits
 * early cannot kill this process with SIGPIPE. Returns 0, or an errno.
 */
static int start(const char *prog, child *c)
{
    int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
    int rc = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, in) != 0 || pipe(o) != 0 || pipe(e) != 0) rc = errno;
    /* The child gets copies on 0, 1 and 2; the originals close on exec. */
    int all[6] = {in[0], in[1], o[0], o[1], e[0], e[1]};
    for (int k = 0; rc == 0 && k < 6; k++)
        fcntl(all[k], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t fa;
    char *argv[] = {(char *)prog, NULL};
    if (rc == 0) rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, o[1], 1);
        if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, e[1], 2);
        if (rc == 0) rc = posix_spawn(&c->pid, prog, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close_fd(&in[0]);
    close_fd(&o[1]);
    close_fd(&e[1]);
    c->in = in[1];
    c->out = o[0];
    c->err = e[0];
    if (rc != 0) {
        close_fd(&c->in);
        close_fd(&c->out);
        close_fd(&c->err);
    } else {
        fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
    }
    return rc;
}

/* Send the script and collect standard output and error (into memory
 * streams) until gnuplot closes both. Returns 0, or an errno. */
static int pump(child *c, const char *script, FILE *out, FILE *log)
{
    size_t len = strlen(script), sent = 0;
    while (c->in >= 0 || c->out >= 0 || c->err >= 0) {
        struct pollfd pf[3] = {{c->in, POLLOUT, 0}, {c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (pf[0].revents) {
            ssize_t w = send(c->in, script + sent, len - sent, MSG_NOSIGNAL);
            if (w > 0) sent += (size_t)w;
            /* All sent, or gnuplot stopped reading: it sees end of input. */
            if (sent == len || (w < 0 && errno != EAGAIN && errno != EINTR)) close_fd(&c->in);
        }
        for (int k = 1; k < 3; k++) {
            if (!pf[k].revents) continue;
            char chunk[16384];
            ssize_t r = read(pf[k].fd, chunk, sizeof chunk);
            if (r > 0)
                fwrite(chunk, 1, (size_t)r, k == 1 ? out : log);
            else if (r == 0 || errno != EINTR)
                close_fd(k == 1 ? &c->out : &c->err);
        }
    }
    return 0;
}

int cli_gnuplot_chart(void *user, const char *script, char **svg, char *why, size_t why_size)
{
    const cli_gnuplot *g = user;
    *svg = NULL;
    child c;
    int rc = start(g->program, &c);
    if (rc != 0) {
        snprintf(why, why_size, "cannot start gnuplot: %s", strerror(rc));
        return -1;
    }
    char *out = NULL, *log = NULL;
    size_t out_len = 0, log_len = 0;
    FILE *fo = open_memstream(&out, &out_len), *fl = open_memstream(&log, &log_len);
    rc = fo && fl ? pump(&c, script, fo, fl) : ENOMEM;
    int oom = !fo || !fl;
    FILE *streams[2] = {fo, fl};
    for (int k = 0; k < 2; k++) {
        if (!streams[k]) continue;
        if (ferror(streams[k])) oom = 1;
        if (fclose(streams[k]) != 0) oom = 1;
    }
    close_fd(&c.in);
    close_fd(&c.out);
    close_fd(&c.err);
    int status = 0;
    pid_t w;
    do {
        w = waitpid(c.pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (rc == 0 && !oom && w >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        free(log);
        *svg = out;
        return 0;
    }
    if (rc != 0 || oom) {
        snprintf(why, why_size, "%s", oom ? "out of memory" : "cannot talk to gnuplot");
    } else {
        /* gnuplot's first error line says what went wrong. */
        const char *m = log ? log : "";
        size_t k = 0;
        if (strstr(m, "line ")) m = strstr(m, "line ");
        while (m[k] && m[k] != '\n' && k < 160)
            k++;
        snprintf(why, why_size, "gnuplot failed%s%.*s", k ? ": " : "", (int)k, m);
    }
    free(out);
    free(log);
    return -1;
}
