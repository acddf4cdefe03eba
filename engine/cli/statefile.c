/*
 * statefile.c - state files on disk (statefile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outdir.h"
#include "statefile.h"

/* Physical memory in bytes (a state larger than that cannot be merged
 * here); a large number when unknown. */
static uint64_t memory_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0) return UINT64_MAX;
    return (uint64_t)pages * (uint64_t)size;
}

tr_status cli_state_read(const char *file, cli_state *st, tr_error *err)
{
    memset(st, 0, sizeof *st);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    tr_status s = TR_OK;
    if (fstat(fd, &sb) != 0)
        s = tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s", strerror(errno));
    else if (S_ISDIR(sb.st_mode))
        s = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "is a folder, not a state file");
    else if (!S_ISREG(sb.st_mode))
        s = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                         "is not a regular file, so not a state file");
    else if ((uint64_t)sb.st_size > memory_bytes() || (uint64_t)sb.st_size >= SIZE_MAX)
        s = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                         "is %" PRIu64 " bytes, more than this machine's memory: not a state "
                         "it can read",
                         (uint64_t)sb.st_size);
    size_t len = s == TR_OK ? (size_t)sb.st_size : 0;
    char *data = s == TR_OK ? malloc(len ? len : 1) : NULL;
    if (s == TR_OK && !data)
        s = tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory reading %zu bytes", len);
    for (size_t off = 0; s == TR_OK && off < len;) {
        ssize_t got = read(fd, data + off, len - off);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            s = tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s", strerror(errno));
        else if (got == 0)
            s = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                             "ended after %zu of its %zu bytes (changed while being read?)", off,
                             len);
        else
            off += (size_t)got;
    }
    close(fd);
    st->name = s == TR_OK ? strdup(file) : NULL;
    if (s == TR_OK && !st->name)
        s = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (s != TR_OK) {
        free(data);
        free(st->name);
        memset(st, 0, sizeof *st);
        return s;
    }
    st->data = data;
    st->len = len;
    return TR_OK;
}

void cli_state_free(cli_state *st)
{
    free(st->name);
    free(st->data);
    memset(st, 0, sizeof *st);
}

/* "DIR/NAME" (malloc'd), or NAME alone when dir is NULL. */
static char *join_path(const char *dir, const char *name)
{
    if (dir == NULL) return strdup(name);
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name);
    return path;
}

char *cli_state_file(const char *dir, const char *kind, uint32_t i, uint32_t n)
{
    char name[64];
    if (n == 0)
        snprintf(name, sizeof name, "%s.trs", kind);
    else
        snprintf(name, sizeof name, "%s-%" PRIu32 "-of-%" PRIu32 ".trs", kind, i, n);
    return join_path(dir, name);
}

static uint32_t u32_at(const char *s)
{
    unsigned long long v = strtoull(s, NULL, 10);
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int cli_state_name_parse(const char *path, int shard_only, uint32_t *i, uint32_t *n)
{
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    if (!cli_is_state_name(name, shard_only)) return 0;
    if (i) *i = u32_at(strchr(name, '-') + 1);
    if (n) *n = u32_at(strstr(name, "-of-") + 4);
    return 1;
}

/* A shard state's place in the listing: by N, then I. */
typedef struct shard_entry {
    uint32_t i, n;
    char *path;
} shard_entry;

static int by_shard(const void *a, const void *b)
{
    const shard_entry *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return strcmp(x->path, y->path);
}

tr_status cli_state_list_shards(const char *dir, char ***list, size_t *n, tr_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return tr_error_add(err, errno == EACCES || errno == EIO ? TR_E_IO : TR_E_INPUT, dir, NULL,
                            0, 0, "cannot read the folder: %s", strerror(errno));
    shard_entry *found = NULL;
    size_t count = 0, cap = 0;
    tr_status st = TR_OK;
    for (struct dirent *e; st == TR_OK && (e = readdir(d)) != NULL;) {
        uint32_t si = 0, sn = 0;
        if (!cli_state_name_parse(e->d_name, 1, &si, &sn)) continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            shard_entry *more = realloc(found, cap * sizeof *found);
            if (!more) {
                st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
                break;
            }
            found = more;
        }
        shard_entry *s = &found[count];
        s->i = si;
        s->n = sn;
        s->path = join_path(dir, e->d_name);
        if (!s->path) {
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
            break;
        }
        count++;
    }
    closedir(d);
    if (st == TR_OK && count == 0)
        st = tr_error_add(err, TR_E_INPUT, dir, NULL, 0, 0,
                          "holds no shard states (shard-I-of-N.trs, written by `trustrisk run "
                          "--shard I/N`)");
    char **grown = st == TR_OK ? realloc(*list, (*n + count) * sizeof **list) : NULL;
    if (st == TR_OK && !grown)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK) {
        qsort(found, count, sizeof *found, by_shard);
        *list = grown;
        for (size_t k = 0; k < count; k++)
            (*list)[(*n)++] = found[k].path;
    } else {
        for (size_t k = 0; k < count; k++)
            free(found[k].path);
    }
    free(found);
    return st;
}
