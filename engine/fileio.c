/*
 * fileio.c - reading a whole file (fileio.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

/* strerror_r's text of `e` in buf. */
static const char *why(int e, char buf[128])
{
    if (strerror_r(e, buf, 128) != 0) snprintf(buf, 128, "error %d", e);
    return buf;
}

tr_status tr__file_read(const char *file, size_t max, const char *hint, char **data, size_t *len,
                        tr_error *err)
{
    char w[128];
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(file, "rb");
    if (!fp) {
        /* a name that leads nowhere is bad input; anything else (no
         * permission, no descriptors, a failing disk) is an I/O failure */
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP)
            return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "cannot open: %s%s%s", why(e, w),
                                hint ? "; " : "", hint ? hint : "");
        return tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot open: %s", why(e, w));
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0) {
        int e = errno;
        fclose(fp);
        return tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s", why(e, w));
    }
    if (S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "cannot read: is a directory");
    }
    if (S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size > (unsigned long long)max) {
        fclose(fp);
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "file is too large (%lld bytes; the limit is %zu bytes)",
                            (long long)sb.st_size, max);
    }
    size_t cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 65536, n = 0;
    char *buf = malloc(cap);
    tr_status st = TR_OK;
    bool nomem = !buf;
    while (!nomem && st == TR_OK) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            nomem = !nb;
            if (nomem) break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (n > max)
            st = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                              "file is too large (the limit is %zu bytes)", max);
        else if (got == 0 && ferror(fp))
            st = tr_error_add(err, TR_E_IO, file, NULL, 0, 0, "cannot read: %s", why(errno, w));
        else if (got == 0)
            break;
    }
    fclose(fp);
    if (st == TR_OK && nomem) st = TR_E_NOMEM;
    if (st != TR_OK) {
        free(buf);
        if (st == TR_E_NOMEM)
            tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory reading the file");
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return TR_OK;
}
