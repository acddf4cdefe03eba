/*
 * runinfo.c - run.json: how and when a run ran (runinfo.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "runinfo.h"

static void add(cJSON *obj, const char *key, cJSON *item)
{
    if (obj && item) cJSON_AddItemToObject(obj, key, item);
}

/* A number, or null when it is not finite (a run too fast to time). */
static cJSON *num(double x)
{
    return isfinite(x) ? cJSON_CreateNumber(x + 0.0) : cJSON_CreateNull();
}

static cJSON *build(const tr_config *cfg, const cli_run_facts *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *eng = cJSON_CreateObject();
    add(o, "engine", eng);
    add(eng, "name", cJSON_CreateString("trustrisk"));
    add(eng, "version", cJSON_CreateString(tr_version()));
    add(o, "config_name", cJSON_CreateString(tr_config_name(cfg)));
    add(o, "config_file", f->config_file ? cJSON_CreateString(f->config_file) : cJSON_CreateNull());
    add(o, "paths", cJSON_CreateNumber((double)f->paths));
    add(o, "seed", cli_json_u64(f->seed));
    add(o, "threads", f->threads > 0 ? cJSON_CreateNumber(f->threads) : cJSON_CreateNull());
    add(o, "openmp", cJSON_CreateBool(tr_version_openmp()));
    add(o, "seconds", num(f->seconds));
    add(o, "paths_per_second", num(f->seconds > 0 ? (double)f->paths / f->seconds : NAN));
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    add(o, "host", cJSON_CreateString(host));
    char when[64] = "";
    time_t now = time(NULL);
    struct tm tmv;
    if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    add(o, "finished_at", cJSON_CreateString(when));
    if (f->resumed) add(o, "resumed", cJSON_CreateTrue());
    if (f->scenario) {
        cJSON *b = cJSON_CreateObject();
        add(o, "batch", b);
        add(b, "manifest_file",
            f->manifest_file ? cJSON_CreateString(f->manifest_file) : cJSON_CreateNull());
        add(b, "scenario", cJSON_CreateString(f->scenario));
    }
    if (f->mpi_ranks > 0) add(o, "mpi_ranks", cJSON_CreateNumber(f->mpi_ranks));
    if (f->merged > 0) {
        add(o, "merged_from", cJSON_CreateNumber((double)f->merged));
        cJSON *files = cJSON_CreateArray();
        add(o, "merged_files", files);
        for (size_t k = 0; files && k < f->merged; k++)
            cJSON_AddItemToArray(files, cJSON_CreateString(f->merged_files[k]));
    }
    return o;
}

tr_status cli_run_json(const tr_config *cfg, const cli_run_facts *facts, char **json, tr_error *err)
{
    *json = NULL;
    cJSON *o = build(cfg, facts);
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    size_t len = text ? strlen(text) : 0;
    char *out = text ? malloc(len + 2) : NULL;
    if (!out) {
        cJSON_free(text);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing run.json");
    }
    memcpy(out, text, len);
    memcpy(out + len, "\n", 2);
    cJSON_free(text);
    *json = out;
    return TR_OK;
}

cJSON *cli_json_u64(uint64_t x)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)x);
    return cJSON_CreateRaw(text);
}
