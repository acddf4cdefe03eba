/*
 * fileio.c - reading a whole file (fileio.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* errno's words into why (strerror_r, thread-safe). */
static const char *reason(int e, char *why, size_t size)
{
    if (strerror_r(e, why, size) != 0) snprintf(why, size, "error %d", e);
    return why;
}

/* Read fd into a buffer of at most max bytes (cap: the first guess). */
static tr_status read_fd(int fd, const char *file, size_t max, size_t cap, char **data, size_t *len,
                         tr_error *err)
{
    char why[128];
    size_t n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory reading the file");
    for (;;) {
        if (n == cap) {
            size_t ncap = cap > max / 2 ? max + 1 : cap * 2;
            char *nb = ncap > cap ? realloc(buf, ncap + 1) : NULL;
            if (!nb) {
                free(buf);
                if (ncap <= cap)
                    return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                                        "file is too large (the limit is %zu bytes)", max);
                return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0,
                                    "out of memory reading the file");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s",
                                reason(e, why, sizeof why));
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) {
            free(buf);
            return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                                "file is too large (the limit is %zu bytes)", max);
        }
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return TR_OK;
}

tr_status tr__file_read(const char *file, size_t max, const char *hint, char **data, size_t *len,
                        tr_error *err)
{
    *data = NULL;
    *len = 0;
    char why[128];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        /* a name that leads nowhere is a bad argument; anything else (no
         * permission, no descriptors, a failing disk) is an I/O failure */
        int e = errno;
        tr_status st =
            e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP ? TR_E_INPUT : TR_E_IO;
        return tr_error_add(err, st, file, NULL, 0, 0, "cannot open: %s%s%s",
                            reason(e, why, sizeof why), hint ? "; " : "", hint ? hint : "");
    }
    struct stat sb;
    tr_status st;
    if (fstat(fd, &sb) != 0) {
        st = tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s",
                          reason(errno, why, sizeof why));
    } else if (S_ISDIR(sb.st_mode)) {
        st = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "cannot read: is a directory");
    } else if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > max) {
        st = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                          "file is too large (%jd bytes; the limit is %zu bytes)",
                          (intmax_t)sb.st_size, max);
    } else {
        /* one byte more than a regular file holds: reading it whole then
         * takes one read past its end, and no copy */
        size_t cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 65536;
        st = read_fd(fd, file, max, cap, data, len, err);
    }
    close(fd);
    return st;
}
