/*
 * json_print.h - the canonical printing of a JSON tree (private; defined in
 * import.c, whose configs are printed this way).
 */
#ifndef TR_JSON_PRINT_H
#define TR_JSON_PRINT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* `v` as pretty JSON: two-space indent, one member per line, ": " after
 * keys; members in the tree's order; strings with only '"', '\\' and
 * control characters escaped (UTF-8 kept); numbers as integers when whole
 * (up to 2^53), else in the shortest form that reads back as the same
 * double. Ends with a newline. Returns a NUL-terminated string the caller
 * frees with free() (its length, without the NUL, in *len when len is not
 * NULL), or NULL when memory runs out. */
char *tr__json_print(const cJSON *v, size_t *len);

#endif /* TR_JSON_PRINT_H */
