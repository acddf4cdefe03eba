/*
 * jsonout.h - what every JSON document the library writes (results.json,
 * comparison.json) shares (private): numbers that are never NaN or
 * infinity, and printing that refuses a tree holding one.
 */
#ifndef TR_JSONOUT_H
#define TR_JSONOUT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "trustrisk/error.h"

/* A JSON number, with no negative zero. A non-finite x is never written:
 * it becomes a null that remembers x, and tr__json_doc refuses the tree.
 * (null in a document means "undefined": cJSON_CreateNull.) */
cJSON *tr__json_num(double x);

/* A whole number, written with every digit (cJSON prints a double with 15
 * significant digits when that reads back within a relative 2^-52, which
 * loses seeds above about 5.7e15). */
cJSON *tr__json_u64(uint64_t x);

/* obj[key] = item (when both exist); returns item. */
cJSON *tr__json_add(cJSON *obj, const char *key, cJSON *item);

/* The text of root (deleted here) with a final newline, as a string the
 * caller frees with free(); `what` names the document in messages. */
tr_status tr__json_doc(cJSON *root, const char *what, char **json, tr_error *err);

#endif /* TR_JSONOUT_H */
