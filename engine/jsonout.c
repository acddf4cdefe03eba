/*
 * jsonout.c - writing the library's JSON documents (see jsonout.h).
 */
#include "jsonout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A JSON number, with no negative zero. A non-finite x is never written:
 * it becomes a null that remembers x (in valuedouble, which a null does not
 * otherwise use), and tr_results_json refuses to print a tree holding one.
 * null in results.json means "undefined" only (cJSON_CreateNull below). */
cJSON *tr__json_num(double x)
{
    if (isfinite(x)) return cJSON_CreateNumber(x + 0.0);
    cJSON *n = cJSON_CreateNull();
    if (n) n->valuedouble = x;
    return n;
}

cJSON *tr__json_u64(uint64_t x)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)x);
    return cJSON_CreateRaw(text);
}

/* The path of the first non-finite number num() met (into path), or 0. */
static int find_nonfinite(const cJSON *n, char *path, size_t len, size_t size, double *x)
{
    if (cJSON_IsNull(n) && !isfinite(n->valuedouble)) {
        *x = n->valuedouble;
        return 1;
    }
    size_t i = 0;
    for (const cJSON *c = n->child; c; c = c->next, i++) {
        int w = c->string ? snprintf(path + len, size - len, "%s%s", len ? "." : "", c->string)
                          : snprintf(path + len, size - len, "[%zu]", i);
        size_t end = w < 0 ? len : len + (size_t)w;
        if (end >= size) end = size - 1;
        if (find_nonfinite(c, path, end, size, x)) return 1;
        path[len] = '\0';
    }
    return 0;
}

cJSON *tr__json_add(cJSON *obj, const char *key, cJSON *item)
{
    if (obj && item) cJSON_AddItemToObject(obj, key, item);
    return item;
}

/* The text of `root` (deleted here) with a final newline, as a string the
 * caller frees with free(). */
tr_status tr__json_doc(cJSON *root, const char *what, char **json, tr_error *err)
{
    *json = NULL;
    char where[512] = "";
    double bad;
    if (root && find_nonfinite(root, where, 0, sizeof where, &bad)) {
        cJSON_Delete(root);
        return tr_error_add(err, TR_E_INTERNAL, NULL, where, 0, 0,
                            "internal error: %s would hold %g here, which is not a "
                            "number; nothing was written. Please report this",
                            what, bad);
    }
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing %s", what);
    /* cJSON allocates with malloc by default: the caller frees with free(). */
    size_t len = strlen(text);
    char *out = malloc(len + 2);
    if (!out) {
        cJSON_free(text);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing %s", what);
    }
    memcpy(out, text, len);
    out[len] = '\n';
    out[len + 1] = '\0';
    cJSON_free(text);
    *json = out;
    return TR_OK;
}
