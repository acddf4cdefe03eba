/*
 * runinfo.c - run.json: how and when a run ran (runinfo.h).
 */
#include <math.h>
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

static cJSON *build(const tr_config *cfg, const char *config_file, const tr_run_options *opt,
                    const tr_results *res)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *eng = cJSON_CreateObject();
    add(o, "engine", eng);
    add(eng, "name", cJSON_CreateString("trustrisk"));
    add(eng, "version", cJSON_CreateString(tr_version()));
    add(o, "config_name", cJSON_CreateString(tr_config_name(cfg)));
    add(o, "config_file", cJSON_CreateString(config_file ? config_file : ""));
    add(o, "paths", cJSON_CreateNumber((double)opt->paths));
    add(o, "seed", cJSON_CreateNumber((double)opt->seed));
    add(o, "threads", cJSON_CreateNumber(tr_results_threads(res)));
    add(o, "openmp", cJSON_CreateBool(tr_version_openmp()));
    double s = tr_results_seconds(res);
    add(o, "seconds", num(s));
    add(o, "paths_per_second", num(s > 0 ? (double)opt->paths / s : NAN));
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    add(o, "host", cJSON_CreateString(host));
    char when[64] = "";
    time_t now = time(NULL);
    struct tm tmv;
    if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    add(o, "finished_at", cJSON_CreateString(when));
    return o;
}

tr_status cli_run_json(const tr_config *cfg, const char *config_file, const tr_run_options *opt,
                       const tr_results *res, char **json, tr_error *err)
{
    *json = NULL;
    cJSON *o = build(cfg, config_file, opt, res);
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
