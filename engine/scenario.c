/*
 * scenario.c - scenarios as overlays on a base config, and batch manifests
 * (include/trustrisk/batch.h; configs/README.md, "Batches").
 *
 * The merge works on cJSON trees: a copy of the base is changed in place by
 * the overlay (merge_object, merge_member, merge_element). While it merges
 * it keeps
 *
 *   - the overlay's own JSON path and the path by identity
 *     ("trusts[vale-hospital].cash"), for its own messages and the list of
 *     changes a scenario makes;
 *   - which nodes of the merged tree the overlay supplied (a replaced value,
 *     an appended element, an object merged onto nothing), with the overlay
 *     path they came from.
 *
 * The merged tree is put in the documented key order and printed (import.c's
 * printer), and the text goes through the config loader like any config.
 * Each of the loader's messages carries a path in the merged config; walking
 * that path down the merged tree finds the first node the overlay supplied,
 * if any, and the message is then reported where the author wrote the value
 * (the manifest's scenarios[2].overlay.trusts[0].cash, or the overlay
 * file's trusts[0].cash). Other messages (a base value that no longer fits,
 * a consortium removed while a trust still names it) keep the merged path,
 * with every list element named by identity, since positions in the merged
 * config are nowhere in the author's files.
 *
 * A manifest is checked with the config loader's strictness (strict JSON,
 * unknown and duplicate keys, types, ranges), and every problem of the
 * manifest, the base, the overlays and the merged configs is reported in
 * one pass; a manifest is returned only when there is none.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "config_keys.h"
#include "json_print.h"
#include "json_scan.h"
#include "sbuf.h"
#include "sha256.h"
#include "suggest.h"
#include "trustrisk/batch.h"
#include "trustrisk/config.h"
#include "trustrisk/limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define TR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TR_PRINTF(fmt, args)
#endif

/* Largest seed a JSON number carries exactly (as --seed and configs). */
#define SEED_MAX_TEXT "9007199254740992"
#define SEED_MAX ((double)TR_MAX_SEED)
/* Longest scenario id: it names a folder of a batch's output. */
#define ID_MAX 64
/* Items of a list quoted in a message before "...". */
#define HINT_ITEMS 8

/* ------------------------------------------------------------------------- */
/* Growable strings, and JSON paths                                          */
/* ------------------------------------------------------------------------- */

static void pb_pop(sbuf *p, size_t mark)
{
    p->len = mark;
    if (p->s) p->s[mark] = '\0';
}

/* The path so far, or NULL when it is empty (the top level). */
static const char *pb_str(const sbuf *p)
{
    return p->len && !p->nomem ? p->s : NULL;
}

/* A word that a path may show bare: letters, digits, '_' and '-'. */
static bool plain_word(const char *k)
{
    if (!*k) return false;
    for (const unsigned char *c = (const unsigned char *)k; *c; c++)
        if (!(*c == '_' || *c == '-' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z')))
            return false;
    return true;
}

/* `s` in double quotes, with '"', '\\' and control characters escaped. */
static void pb_quoted(sbuf *p, const char *s)
{
    sb_put(p, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            sb_put(p, esc, 2);
        } else if (*c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *c);
            sb_puts(p, esc);
        } else {
            sb_put(p, (const char *)c, 1);
        }
    }
    sb_put(p, "\"", 1);
}

/* ".key" (a bare "key" at the start) for a plain word, else ["key"]: the
 * config loader's way of writing paths. Returns the mark to pop back to. */
static size_t pb_key(sbuf *p, const char *key)
{
    size_t mark = p->len;
    if (plain_word(key)) {
        if (p->len) sb_put(p, ".", 1);
        sb_puts(p, key);
    } else {
        sb_put(p, "[", 1);
        pb_quoted(p, key);
        sb_put(p, "]", 1);
    }
    return mark;
}

static size_t pb_index(sbuf *p, size_t i)
{
    size_t mark = p->len;
    char b[32];
    snprintf(b, sizeof b, "[%zu]", i);
    sb_puts(p, b);
    return mark;
}

/* An element named by its identity: [north], or ["3"] for one that is not a
 * plain word or that would read as an index. */
static size_t pb_ident(sbuf *p, const char *id)
{
    size_t mark = p->len;
    sb_put(p, "[", 1);
    if (plain_word(id) && strspn(id, "0123456789") < strlen(id))
        sb_puts(p, id);
    else
        pb_quoted(p, id);
    sb_put(p, "]", 1);
    return mark;
}

/* ------------------------------------------------------------------------- */
/* Messages                                                                  */
/* ------------------------------------------------------------------------- */

static const char *kind_of(const cJSON *n)
{
    if (cJSON_IsNumber(n)) return "a number";
    if (cJSON_IsString(n)) return "a string";
    if (cJSON_IsBool(n)) return "a boolean";
    if (cJSON_IsNull(n)) return "null";
    if (cJSON_IsArray(n)) return "an array";
    if (cJSON_IsObject(n)) return "an object";
    return "an invalid value";
}

/* The number as the author wrote it: the shortest of %.15g to %.17g that
 * reads back as the same double (as the config loader quotes numbers). */
static const char *fmt_num(double x, char buf[40])
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

/* Where problems go, and the JSON path of the value being read. */
typedef struct reporter {
    tr_error *err;      /* the list problems are added to */
    const char *file;   /* the file they are in */
    const char *prefix; /* the start of every message ("scenario \"x\": "), never NULL */
    sbuf path;          /* the current JSON path */
    size_t nerr;        /* problems reported */
} reporter;

/* Report a problem at the member `key` of the current object (at the current
 * path when key is NULL). */
static void report(reporter *r, const char *key, const char *fmt, ...) TR_PRINTF(3, 4);
static void report(reporter *r, const char *key, const char *fmt, ...)
{
    size_t mark = key ? pb_key(&r->path, key) : r->path.len;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    r->nerr++;
    if (msg)
        tr_error_add(r->err, TR_E_INPUT, r->file, pb_str(&r->path), 0, 0, "%s%s", r->prefix, msg);
    else
        r->err->truncated = 1;
    free(msg);
    pb_pop(&r->path, mark);
}

/* Up to HINT_ITEMS of `names` as "a, b, c" (", ..." when there are more). */
static void pb_list(sbuf *p, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < HINT_ITEMS; i++) {
        if (i) sb_puts(p, ", ");
        sb_puts(p, names[i]);
    }
    if (n > HINT_ITEMS) sb_puts(p, ", ...");
}

/* "did you mean \"x\"?" when `word` is a plausible typo of one of `names`,
 * else "<what> are: a, b, c" (or "there are none"), into `out`. */
static void pb_hint(sbuf *out, const char *word, const char *const *names, size_t n,
                    const char *what)
{
    const char *near = tr__suggest(word, names, n);
    if (near) {
        sb_puts(out, "did you mean \"");
        sb_puts(out, near);
        sb_puts(out, "\"?");
    } else if (n == 0) {
        sb_puts(out, "there are no ");
        sb_puts(out, what);
    } else {
        sb_puts(out, "the ");
        sb_puts(out, what);
        sb_puts(out, " are: ");
        pb_list(out, names, n);
    }
}

/* ------------------------------------------------------------------------- */
/* The shape of a config: the lists merged by identity, and the key order    */
/* ------------------------------------------------------------------------- */

typedef enum node_kind {
    K_ANY = 0, /* any other object (loadings): merged key by key, order kept */
    K_ROOT,
    K_COPULA,
    K_FACTOR,
    K_CONSORTIUM,
    K_TRUST,
    K_COMMISSIONER,
    K_SCHEME,
    K_STAY,
    K_COMPROMISE,
    K_DIST,
    K_PRECISION,
    K_SAMPLING,
    K_AUTO,
    K_KINDS
} node_kind;

/* A member that is not a plain value: an object of a known kind, or a list
 * merged element by element (identity non-NULL). */
typedef struct member_kind {
    const char *key;
    node_kind kind;       /* the member's kind, or each element's */
    const char *identity; /* the member that names an element, or NULL */
} member_kind;

typedef struct kind_info {
    const char *what;         /* an element of this kind, in messages */
    const char *const *order; /* the documented order of its keys */
    size_t norder;
    const member_kind *members;
    size_t nmembers;
} kind_info;

static const char *const ORDER_ROOT[] = {TR__KEYS_ROOT};
static const char *const ORDER_PRECISION[] = {TR__KEYS_PRECISION};
static const char *const ORDER_SAMPLING[] = {TR__KEYS_SAMPLING};
static const char *const ORDER_AUTO[] = {TR__KEYS_AUTO};
static const char *const ORDER_COPULA[] = {"type", "dof"};
static const char *const ORDER_FACTOR[] = {"name", "scope"};
static const char *const ORDER_CONSORTIUM[] = {"id", "name", "notes", "reserve"};
static const char *const ORDER_TRUST[] = {"id",
                                          "name",
                                          "notes",
                                          "cash",
                                          "min_cash",
                                          "facility",
                                          "income",
                                          "expenditure",
                                          "fixed_charges",
                                          "fixed_indexation",
                                          "income_growth",
                                          "cost_growth",
                                          "cash_noise",
                                          "commissioners",
                                          "bailout_buffer",
                                          "factors",
                                          "schemes"};
static const char *const ORDER_COMMISSIONER[] = {"consortium", "share"};
static const char *const ORDER_SCHEME[] = {
    "id",          "name",        "notes",        "kind",      "saving",
    "start_month", "ramp_months", "delivery",     "paper",     "slippage",
    "stay",        "compromise",  "one_off_cost", "recurrent", "factors"};
static const char *const ORDER_STAY[] = {"probability", "delay"};
static const char *const ORDER_COMPROMISE[] = {"probability", "retained"};
/* Every family's parameters, in the order each family lists them. */
static const char *const ORDER_DIST[] = {"dist",   "value", "mean",   "sd",  "median",
                                         "sigma",  "min",   "mode",   "max", "lambda",
                                         "values", "probs", "factors"};

static const member_kind ROOT_MEMBERS[] = {
    {"precision", K_PRECISION, NULL}, {"sampling", K_SAMPLING, NULL},    {"copula", K_COPULA, NULL},
    {"factors", K_FACTOR, "name"},    {"consortia", K_CONSORTIUM, "id"}, {"trusts", K_TRUST, "id"}};
static const member_kind TRUST_MEMBERS[] = {{"income_growth", K_DIST, NULL},
                                            {"cost_growth", K_DIST, NULL},
                                            {"commissioners", K_COMMISSIONER, "consortium"},
                                            {"schemes", K_SCHEME, "id"}};
static const member_kind SCHEME_MEMBERS[] = {{"delivery", K_DIST, NULL},
                                             {"slippage", K_DIST, NULL},
                                             {"stay", K_STAY, NULL},
                                             {"compromise", K_COMPROMISE, NULL}};
static const member_kind SAMPLING_MEMBERS[] = {{"auto", K_AUTO, NULL}};
static const member_kind STAY_MEMBERS[] = {{"delay", K_DIST, NULL}};
static const member_kind COMPROMISE_MEMBERS[] = {{"retained", K_DIST, NULL}};

#define ORDER(a) a, COUNT(a)
#define MEMBERS(a) a, COUNT(a)
static const kind_info KINDS[K_KINDS] = {
    [K_ANY] = {"value", NULL, 0, NULL, 0},
    [K_ROOT] = {"config", ORDER(ORDER_ROOT), MEMBERS(ROOT_MEMBERS)},
    [K_COPULA] = {"copula", ORDER(ORDER_COPULA), NULL, 0},
    [K_FACTOR] = {"factor", ORDER(ORDER_FACTOR), NULL, 0},
    [K_CONSORTIUM] = {"consortium", ORDER(ORDER_CONSORTIUM), NULL, 0},
    [K_TRUST] = {"trust", ORDER(ORDER_TRUST), MEMBERS(TRUST_MEMBERS)},
    [K_COMMISSIONER] = {"commissioner", ORDER(ORDER_COMMISSIONER), NULL, 0},
    [K_SCHEME] = {"scheme", ORDER(ORDER_SCHEME), MEMBERS(SCHEME_MEMBERS)},
    [K_STAY] = {"stay", ORDER(ORDER_STAY), MEMBERS(STAY_MEMBERS)},
    [K_COMPROMISE] = {"compromise", ORDER(ORDER_COMPROMISE), MEMBERS(COMPROMISE_MEMBERS)},
    [K_DIST] = {"distribution", ORDER(ORDER_DIST), NULL, 0},
    [K_PRECISION] = {"precision", ORDER(ORDER_PRECISION), NULL, 0},
    [K_SAMPLING] = {"sampling", ORDER(ORDER_SAMPLING), MEMBERS(SAMPLING_MEMBERS)},
    [K_AUTO] = {"automatic shift", ORDER(ORDER_AUTO), NULL, 0},
};

static const member_kind *member_of(node_kind k, const char *key)
{
    const kind_info *ki = &KINDS[k];
    for (size_t i = 0; key && i < ki->nmembers; i++)
        if (strcmp(ki->members[i].key, key) == 0) return &ki->members[i];
    return NULL;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* The member of `obj` before `m` with m's name, or NULL. */
static const cJSON *earlier_twin(const cJSON *obj, const cJSON *m)
{
    for (const cJSON *p = obj->child; p && p != m; p = p->next)
        if (p->string && m->string && strcmp(p->string, m->string) == 0) return p;
    return NULL;
}

/* The element of the list `arr` whose member `idk` is the string `id`. */
static cJSON *find_element(const cJSON *arr, const char *idk, const char *id)
{
    for (cJSON *e = arr->child; e; e = e->next) {
        const cJSON *v = cJSON_IsObject(e) ? member(e, idk) : NULL;
        if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0) return e;
    }
    return NULL;
}

/* Stable-sort the members of every object below `node` (of kind k) into
 * the documented order; members the order does not know come last, as they
 * were. False when memory runs out. */
static bool reorder(cJSON *node, node_kind k)
{
    if (cJSON_IsArray(node)) {
        for (cJSON *e = node->child; e; e = e->next)
            if (!reorder(e, k)) return false;
        return true;
    }
    if (!cJSON_IsObject(node)) return true;
    size_t n = 0;
    for (cJSON *c = node->child; c; c = c->next) {
        const member_kind *mk = member_of(k, c->string);
        if (!reorder(c, mk ? mk->kind : K_ANY)) return false;
        n++;
    }
    const kind_info *ki = &KINDS[k];
    if (!ki->norder || n < 2) return true;
    cJSON **v = malloc(n * sizeof *v);
    size_t *rank = malloc(n * sizeof *rank);
    if (!v || !rank) {
        free(v);
        free(rank);
        return false;
    }
    size_t i = 0;
    for (cJSON *c = node->child; c; c = c->next, i++) {
        size_t r = 0;
        while (r < ki->norder && strcmp(ki->order[r], c->string) != 0)
            r++;
        size_t j = i; /* insertion sort: objects are short */
        for (; j > 0 && rank[j - 1] > r; j--) {
            v[j] = v[j - 1];
            rank[j] = rank[j - 1];
        }
        v[j] = c;
        rank[j] = r;
    }
    node->child = v[0];
    for (i = 0; i < n; i++) {
        v[i]->prev = v[i ? i - 1 : n - 1]; /* cJSON: the first's prev is the last */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    free(v);
    free(rank);
    return true;
}

/* ------------------------------------------------------------------------- */
/* The merge                                                                 */
/* ------------------------------------------------------------------------- */

typedef struct change {
    tr_change_kind kind;
    char *where; /* the path by identity */
} change;

/* A node of the merged tree that the overlay supplied, and its overlay path;
 * for an element it appends, why it is new ("the base has no trust \"x\";
 * did you mean \"y\"?"). */
typedef struct supplied {
    const cJSON *node;
    char *from;
    char *added;
} supplied;

typedef struct merger {
    reporter *r;        /* r->path is the overlay path */
    sbuf where;         /* the same place by identity */
    int quiet;          /* > 0 inside a subtree the overlay supplies whole */
    bool blind;         /* no base: removals cannot be checked */
    const char *adding; /* inside an element the overlay appends: why it is new */
    bool fixed_run;     /* "paths", "seed" and "precision" may not be changed */
    bool nomem;
    change *changes;
    size_t nchanges, capchanges;
    supplied *sup;
    size_t nsup, capsup;
} merger;

static bool grow(merger *m, void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, c * size);
    if (!q) {
        m->nomem = true;
        return false;
    }
    *p = q;
    *cap = c;
    return true;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void note_change(merger *m, tr_change_kind kind)
{
    if (m->quiet || !grow(m, (void **)&m->changes, &m->capchanges, m->nchanges, sizeof *m->changes))
        return;
    char *w = dup_str(m->where.s && !m->where.nomem ? m->where.s : "");
    if (!w) {
        m->nomem = true;
        return;
    }
    m->changes[m->nchanges].kind = kind;
    m->changes[m->nchanges++].where = w;
}

static void note_supplied(merger *m, const cJSON *node, char *added)
{
    char *f = dup_str(m->r->path.s && !m->r->path.nomem ? m->r->path.s : "");
    if (!f || !grow(m, (void **)&m->sup, &m->capsup, m->nsup, sizeof *m->sup)) {
        free(f);
        free(added);
        m->nomem = true;
        return;
    }
    m->sup[m->nsup].node = node;
    m->sup[m->nsup].added = added;
    m->sup[m->nsup++].from = f;
}

static void merger_free(merger *m)
{
    for (size_t i = 0; i < m->nchanges; i++)
        free(m->changes[i].where);
    for (size_t i = 0; i < m->nsup; i++) {
        free(m->sup[i].from);
        free(m->sup[i].added);
    }
    free(m->changes);
    free(m->sup);
    free(m->where.s);
    memset(m, 0, sizeof *m);
}

/* dst[key] = v, replacing the member of that name or adding one; v is owned
 * by dst afterwards, or freed. */
static cJSON *put_member(merger *m, cJSON *dst, const char *key, cJSON *v)
{
    bool ok = v && (member(dst, key) ? cJSON_ReplaceItemInObjectCaseSensitive(dst, key, v)
                                     : cJSON_AddItemToObject(dst, key, v));
    if (!ok) {
        cJSON_Delete(v);
        m->nomem = true;
        return NULL;
    }
    return v;
}

static void merge_object(merger *m, cJSON *dst, const cJSON *ov, node_kind k, const char *skip);

/* A new subtree: `ov` merged onto nothing (so that null, "remove" and
 * identified lists mean inside it what they mean anywhere). */
static cJSON *merged_onto_nothing(merger *m, const cJSON *ov, node_kind k)
{
    cJSON *n = cJSON_CreateObject();
    if (!n) {
        m->nomem = true;
        return NULL;
    }
    m->quiet++;
    merge_object(m, n, ov, k, NULL);
    m->quiet--;
    return n;
}

/* One element `e` of the overlay's list `ovlist` (the member `list`) onto
 * the merged list `dst`. */
static void merge_element(merger *m, cJSON *dst, const cJSON *ovlist, const cJSON *e,
                          const char *list, const member_kind *mk)
{
    reporter *r = m->r;
    const char *idk = mk->identity, *what = KINDS[mk->kind].what;
    if (!cJSON_IsObject(e)) {
        report(r, NULL, "expected an object (a %s, matched by \"%s\"), got %s", what, idk,
               kind_of(e));
        return;
    }
    const cJSON *idn = member(e, idk);
    if (!idn) {
        report(r, NULL,
               "missing \"%s\": an overlay names each %s it changes, removes or adds by its "
               "\"%s\"",
               idk, what, idk);
        return;
    }
    if (!cJSON_IsString(idn) || !idn->valuestring[0]) {
        report(r, idk, "expected the %s's %s, a non-empty string, got %s", what, idk,
               cJSON_IsString(idn) ? "\"\"" : kind_of(idn));
        return;
    }
    const char *id = idn->valuestring;
    size_t j = 0;
    for (const cJSON *p = ovlist->child; p != e; p = p->next, j++) {
        const cJSON *pid = cJSON_IsObject(p) ? member(p, idk) : NULL;
        if (cJSON_IsString(pid) && strcmp(pid->valuestring, id) == 0) {
            report(r, idk, "duplicate %s \"%s\": %s[%zu] of the overlay already names it", idk, id,
                   list, j);
            return;
        }
    }
    size_t wmark = pb_ident(&m->where, id);
    cJSON *target = find_element(dst, idk, id);
    sbuf why = {0}; /* for an identity the list lacks: "the base has no ..." */
    if (!target) {
        size_t n = 0;
        for (const cJSON *c = dst->child; c; c = c->next)
            n++;
        const char **names = calloc(n + 1, sizeof *names);
        if (!names) m->nomem = true;
        n = 0;
        for (const cJSON *c = dst->child; names && c; c = c->next) {
            const cJSON *v = cJSON_IsObject(c) ? member(c, idk) : NULL;
            if (cJSON_IsString(v)) names[n++] = v->valuestring;
        }
        if (m->adding) {
            sb_puts(&why, m->adding);
        } else {
            sb_puts(&why, "the base has no ");
            sb_puts(&why, what);
            sb_puts(&why, " ");
            pb_quoted(&why, id);
            sb_puts(&why, "; ");
            pb_hint(&why, id, names, n, list);
        }
        free(names);
    }
    const cJSON *rm = member(e, "remove");
    if (rm) {
        const cJSON *other = NULL;
        for (const cJSON *c = e->child; c && !other; c = c->next)
            if (earlier_twin(e, c) || (strcmp(c->string, idk) != 0 && strcmp(c->string, "remove")))
                other = c;
        if (!cJSON_IsTrue(rm))
            report(r, "remove",
                   "\"remove\" can only be true (it removes the %s); to change the %s, leave "
                   "\"remove\" out",
                   what, what);
        else if (other)
            report(r, "remove",
                   "an element with \"remove\": true holds only its \"%s\" (it also has \"%s\"): "
                   "a %s is either removed or changed",
                   idk, other->string, what);
        else if (target) {
            cJSON_Delete(cJSON_DetachItemViaPointer(dst, target));
            note_change(m, TR_CHANGE_REMOVE);
        } else if (!m->blind) {
            report(r, idk, "there is no %s \"%s\" to remove: %s", what, id, why.s ? why.s : "");
        }
    } else if (target) {
        merge_object(m, target, e, mk->kind, idk);
    } else {
        /* a new element; inside it, nothing can be found to remove */
        const char *outer = m->adding;
        sbuf inside = {0};
        if (!outer) {
            sb_puts(&inside, "it is in a new ");
            sb_puts(&inside, what);
            sb_puts(&inside, " (");
            sb_puts(&inside, why.s ? why.s : "");
            sb_puts(&inside, ")");
            m->adding = inside.s ? inside.s : "";
        }
        cJSON *n = merged_onto_nothing(m, e, mk->kind);
        m->adding = outer;
        free(inside.s);
        if (n && !cJSON_AddItemToArray(dst, n)) {
            cJSON_Delete(n);
            m->nomem = true;
        } else if (n) {
            sbuf added = {0};
            if (!outer) {
                sb_puts(&added, "a new ");
                sb_puts(&added, what);
                sb_puts(&added, " must be complete; ");
                sb_puts(&added, why.s ? why.s : "");
                if (added.nomem) m->nomem = true;
            }
            note_supplied(m, n, added.s);
            note_change(m, TR_CHANGE_ADD);
        }
    }
    if (why.nomem) m->nomem = true;
    free(why.s);
    pb_pop(&m->where, wmark);
}

/* The member `o` of an overlay object onto the merged object `dst`. */
static void merge_member(merger *m, cJSON *dst, const cJSON *o, const member_kind *mk)
{
    const char *key = o->string;
    cJSON *b = cJSON_GetObjectItemCaseSensitive(dst, key);
    if (cJSON_IsNull(o)) {
        if (b) {
            cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
            note_change(m, TR_CHANGE_UNSET);
        }
        return;
    }
    if (mk && mk->identity) {
        if (!cJSON_IsArray(o)) {
            report(m->r, NULL,
                   "expected a list of %ss, changed element by element (matched by \"%s\"), or "
                   "null, got %s",
                   KINDS[mk->kind].what, mk->identity, kind_of(o));
            return;
        }
        if (!cJSON_IsArray(b)) b = put_member(m, dst, key, cJSON_CreateArray());
        size_t i = 0;
        for (const cJSON *e = o->child; b && e && !m->nomem; e = e->next, i++) {
            size_t mark = pb_index(&m->r->path, i);
            merge_element(m, b, o, e, key, mk);
            pb_pop(&m->r->path, mark);
        }
        return;
    }
    node_kind ck = mk ? mk->kind : K_ANY;
    if (cJSON_IsObject(o) && cJSON_IsObject(b)) {
        merge_object(m, b, o, ck, NULL);
        return;
    }
    cJSON *n = cJSON_IsObject(o) ? merged_onto_nothing(m, o, ck) : cJSON_Duplicate(o, 1);
    if (!n) m->nomem = true;
    if (put_member(m, dst, key, n)) {
        note_supplied(m, n, NULL);
        note_change(m, TR_CHANGE_SET);
    }
}

/* The overlay object `ov` (of kind k) onto the merged object `dst`, member
 * by member; `skip` names a member to leave alone (an element's identity). */
static void merge_object(merger *m, cJSON *dst, const cJSON *ov, node_kind k, const char *skip)
{
    for (const cJSON *o = ov->child; o && !m->nomem; o = o->next) {
        const char *key = o->string;
        if (earlier_twin(ov, o)) {
            report(m->r, key, "duplicate key \"%s\"", key);
            continue;
        }
        if (skip && strcmp(key, skip) == 0) continue;
        size_t om = pb_key(&m->r->path, key), wm = pb_key(&m->where, key);
        if (k == K_ROOT && m->fixed_run && (!strcmp(key, "paths") || !strcmp(key, "seed")))
            report(m->r, NULL,
                   "a scenario cannot change \"%s\": every scenario runs the same paths with the "
                   "same seed (a batch sets \"paths\" and \"seed\" in its manifest)",
                   key);
        else if (k == K_ROOT && m->fixed_run && !strcmp(key, "precision"))
            report(m->r, NULL,
                   "a scenario cannot change \"precision\": every scenario runs the same paths, "
                   "so one cannot stop earlier than another (a batch runs the paths its manifest "
                   "sets)");
        else
            merge_member(m, dst, o, member_of(k, key));
        pb_pop(&m->r->path, om);
        pb_pop(&m->where, wm);
    }
}

/* ------------------------------------------------------------------------- */
/* The loader's messages, mapped back to the overlay                         */
/* ------------------------------------------------------------------------- */

/* The next step of a loader path at *pp: 1 and the key in `key`, 2 and the
 * index in *index, or 0 when there is none or it cannot be read. */
static int next_step(const char **pp, sbuf *key, size_t *index)
{
    const char *p = *pp;
    pb_pop(key, 0);
    sb_put(key, "", 0);
    if (*p == '.') p++;
    if (*p == '[' && p[1] == '"') {
        for (p += 2; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1] == 'u') {
                unsigned v = 0;
                if (sscanf(p + 2, "%4x", &v) != 1 || v == 0 || v > 0x7f) return 0;
                char c = (char)v;
                sb_put(key, &c, 1);
                p += 5;
                continue;
            }
            if (*p == '\\' && p[1]) p++;
            sb_put(key, p, 1);
        }
        if (p[0] != '"' || p[1] != ']') return 0;
        *pp = p + 2;
        return 1;
    }
    if (*p == '[') {
        char *end = NULL;
        unsigned long long v = strtoull(p + 1, &end, 10);
        if (end == p + 1 || *end != ']') return 0;
        *index = (size_t)v;
        *pp = end + 1;
        return 2;
    }
    size_t n = strcspn(p, ".[");
    if (n == 0) return 0;
    sb_put(key, p, n);
    *pp = p + n;
    return 1;
}

/* `a` followed by `b`, dropping b's leading '.' when a is empty. */
static char *joined(const char *a, const char *b)
{
    sbuf p = {0};
    sb_puts(&p, a);
    sb_puts(&p, !*a && *b == '.' ? b + 1 : b);
    if (p.nomem) {
        free(p.s);
        return NULL;
    }
    return p.s;
}

/*
 * Report the loader's diagnostic `d` about the merged config `root`: at the
 * overlay value it is about (file m->r->file, the overlay path, the
 * reporter's prefix) when the path leads through a node the overlay
 * supplied; else with the file `label` and the merged path by identity.
 */
static void map_diag(merger *m, const cJSON *root, const tr_diag *d, const char *label,
                     tr_error *out)
{
    const char *p = d->path ? d->path : "";
    const cJSON *node = root;
    node_kind k = K_ROOT;
    const member_kind *list = NULL; /* node is this list merged by identity */
    const supplied *s = NULL;
    sbuf where = {0}, key = {0};
    sb_put(&where, "", 0);
    for (;;) {
        for (size_t i = 0; i < m->nsup && !s; i++)
            if (m->sup[i].node == node) s = &m->sup[i];
        if (s || !*p) break;
        const char *at = p;
        size_t idx = 0;
        int t = next_step(&p, &key, &idx);
        const cJSON *next = NULL;
        if (t == 1 && cJSON_IsObject(node) && key.s)
            next = member(node, key.s);
        else if (t == 2 && cJSON_IsArray(node) && idx < (size_t)cJSON_GetArraySize(node))
            next = cJSON_GetArrayItem(node, (int)idx);
        if (!next) {
            p = at;
            break;
        }
        if (t == 1) {
            const member_kind *mk = member_of(k, key.s);
            pb_key(&where, key.s);
            list = mk && mk->identity ? mk : NULL;
            k = mk && !mk->identity ? mk->kind : K_ANY;
        } else {
            const cJSON *id = list && cJSON_IsObject(next) ? member(next, list->identity) : NULL;
            if (cJSON_IsString(id) && id->valuestring[0])
                pb_ident(&where, id->valuestring);
            else
                pb_index(&where, idx);
            k = list ? list->kind : K_ANY;
            list = NULL;
        }
        node = next;
    }
    char *path = joined(s ? s->from : where.s ? where.s : "", p);
    if (!path) m->nomem = true;
    if (s && s->added && !*p) /* about an element the overlay adds, as a whole */
        tr_error_add(out, d->status, m->r->file, path && *path ? path : NULL, d->line, d->column,
                     "%s%s (%s)", m->r->prefix, d->message, s->added);
    else if (s)
        tr_error_add(out, d->status, m->r->file, path && *path ? path : NULL, d->line, d->column,
                     "%s%s", m->r->prefix, d->message);
    else
        tr_error_add(out, d->status, label, path && *path ? path : NULL, d->line, d->column, "%s",
                     d->message);
    free(path);
    free(where.s);
    free(key.s);
}

/* ------------------------------------------------------------------------- */
/* Strict JSON text                                                          */
/* ------------------------------------------------------------------------- */

/*
 * Parse `data` (len bytes) as one JSON object, with the config loader's
 * strictness, into *root. Problems of the text are added to `err` naming
 * `file` (with line:column); `what` names what the file should hold ("a
 * batch manifest"). When `capture` names a top-level member, its value's
 * text is returned in *cap, *cap_len (0 if absent).
 */
static tr_status parse_object(const char *data, size_t len, const char *file, const char *what,
                              const char *capture, const char **cap, size_t *cap_len, cJSON **root,
                              tr_error *err)
{
    *root = NULL;
    if (cap_len) *cap_len = 0;
    if (len > TR_CONFIG_MAX_BYTES)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "file is too large (%zu bytes; the limit is %u bytes)", len,
                            TR_CONFIG_MAX_BYTES);
    const char *s = data ? data : "";
    size_t n = data ? len : 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    int line, col;
    size_t bad = tr__utf8_check(s, n);
    if (bad < n) {
        tr__line_col(s, bad, &line, &col);
        if (s[bad] == 0)
            return tr_error_add(err, TR_E_INPUT, file, NULL, line, col,
                                "NUL byte in input; %s must be UTF-8 text", what);
        return tr_error_add(err, TR_E_INPUT, file, NULL, line, col,
                            "invalid UTF-8 (byte 0x%02x); %s must be UTF-8 text",
                            (unsigned char)s[bad], what);
    }
    tr__json_scan sc;
    if (tr__json_check(s, n, capture, &sc) == TR__JSON_EMPTY)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "syntax error: the file is empty; expected a JSON object (%s)", what);
    if (sc.verdict == TR__JSON_BAD) {
        tr__line_col(s, sc.at, &line, &col);
        return tr_error_add(err, TR_E_INPUT, file, NULL, line, col, "syntax error: %s", sc.msg);
    }
    cJSON *t = cJSON_ParseWithLengthOpts(s, n, NULL, 0);
    if (!t) /* the scanner accepted it: cJSON ran out of memory */
        return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory parsing the JSON");
    if (!cJSON_IsObject(t)) {
        tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                     "the top level must be a JSON object (%s), got %s", what, kind_of(t));
        cJSON_Delete(t);
        return TR_E_INPUT;
    }
    if (cap && sc.capture_len) {
        *cap = s + sc.capture_at;
        *cap_len = sc.capture_len;
    }
    *root = t;
    return TR_OK;
}

/* Every diagnostic of `from` appended to `to`. */
static void copy_diags(tr_error *to, const tr_error *from)
{
    for (size_t i = 0; i < from->count; i++) {
        const tr_diag *d = &from->diags[i];
        tr_error_add(to, d->status, d->file, d->path, d->line, d->column, "%s", d->message);
    }
    if (from->truncated) to->truncated = 1;
}

/* ------------------------------------------------------------------------- */
/* tr_overlay_merge                                                          */
/* ------------------------------------------------------------------------- */

tr_status tr_overlay_merge(const char *base_json, size_t base_len, const char *overlay_json,
                           size_t overlay_len, char **merged, tr_error *err)
{
    if (!merged) return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0, "no output pointer");
    *merged = NULL;
    tr_error mine;
    tr_error_init(&mine);
    cJSON *base = NULL, *ov = NULL;
    parse_object(base_json, base_len, "base", "a config", NULL, NULL, NULL, &base, &mine);
    parse_object(overlay_json, overlay_len, "overlay", "an overlay", NULL, NULL, NULL, &ov, &mine);
    if (base && ov) {
        reporter r = {.err = &mine, .file = "overlay", .prefix = ""};
        merger m = {.r = &r, .fixed_run = true};
        merge_object(&m, base, ov, K_ROOT, NULL);
        if (!m.nomem && !r.path.nomem && !m.where.nomem && r.nerr == 0) {
            if (!reorder(base, K_ROOT) || !(*merged = tr__json_print(base, NULL))) m.nomem = true;
        }
        if (m.nomem || r.path.nomem || m.where.nomem)
            tr_error_add(&mine, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory merging the overlay");
        merger_free(&m);
        free(r.path.s);
    }
    cJSON_Delete(base);
    cJSON_Delete(ov);
    tr_status st = tr_error_status(&mine);
    if (st == TR_OK && !*merged) st = TR_E_NOMEM;
    if (st != TR_OK) {
        free(*merged);
        *merged = NULL;
    }
    copy_diags(err, &mine);
    tr_error_clear(&mine);
    return st;
}

/* ------------------------------------------------------------------------- */
/* Batch manifests                                                           */
/* ------------------------------------------------------------------------- */

typedef struct scen {
    char *id, *name, *notes;
    char *overlay_file; /* as opened, or NULL */
    cJSON *overlay;     /* the overlay, or NULL */
    tr_config *cfg;
    change *changes;
    size_t nchanges;
} scen;

struct tr_manifest {
    char *file, *name, *notes, *base_file;
    tr_config *base;
    cJSON *base_tree; /* for printing merged configs again */
    uint64_t paths, seed;
    size_t reference, n;
    scen *sc;
    char sha256[65];
};

static const char *const MANIFEST_KEYS[] = {"name", "notes",     "base",     "paths",
                                            "seed", "reference", "scenarios"};
static const char *const SCENARIO_KEYS[] = {"id", "name", "notes", "overlay", "overlay_file"};

/* One scenario while the manifest is read. */
typedef struct scen_in {
    const cJSON *entry; /* scenarios[i] when it is an object */
    const char *id;     /* valid id, or NULL */
    const char *name, *notes;
    const cJSON *overlay; /* the overlay's tree (inline, or owned_overlay), or NULL */
    cJSON *owned_overlay; /* an overlay file's tree */
    char *overlay_file;   /* the overlay file as opened */
    bool bad_overlay;     /* the overlay is given but unusable */
} scen_in;

typedef struct loader {
    tr_error mine; /* every problem, handed to the caller at the end */
    reporter r;    /* the manifest's */
    const char *dir;
    bool nomem;
    const cJSON *root;
    const char *seed_text;
    size_t seed_len;
    /* the manifest's values */
    const char *name, *notes, *base_name, *reference;
    double paths, seed;
    bool has_paths, has_seed, run_ok; /* run_ok: paths and seed are usable */
    size_t n;
    scen_in *in;
    /* the base */
    char *base_file;
    cJSON *base_tree;
    tr_config *base;
} loader;

/* Report every unknown and duplicate key of `obj`. */
static void check_keys(reporter *r, const cJSON *obj, const char *const *known, size_t n)
{
    for (const cJSON *k = obj->child; k; k = k->next) {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(k->string, known[i]) == 0;
        if (earlier_twin(obj, k)) {
            report(r, k->string, "duplicate key \"%s\"", k->string);
        } else if (!ok) {
            sbuf hint = {0};
            const char *near = tr__suggest(k->string, known, n);
            if (!near) pb_list(&hint, known, n);
            if (near)
                report(r, k->string, "unknown key \"%s\"; did you mean \"%s\"?", k->string, near);
            else
                report(r, k->string, "unknown key \"%s\"; expected one of: %s", k->string,
                       hint.s ? hint.s : "");
            free(hint.s);
        }
    }
}

/* obj[key] as a string; NULL when absent (reported if required) or invalid. */
static const char *get_string(reporter *r, const cJSON *obj, const char *key, bool required,
                              bool nonempty)
{
    const cJSON *v = member(obj, key);
    if (!v) {
        if (required) report(r, NULL, "missing required field \"%s\"", key);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        report(r, key, "expected a string, got %s", kind_of(v));
        return NULL;
    }
    if (nonempty && !v->valuestring[0]) {
        report(r, key, "must not be empty");
        return NULL;
    }
    return v->valuestring;
}

/* obj[key] as a whole number in [lo, hi]: 1 valid (in *out), 0 absent, -1 invalid. */
static int get_whole(reporter *r, const cJSON *obj, const char *key, double lo, double hi,
                     double *out)
{
    const cJSON *v = member(obj, key);
    char a[40], b[40], g[40];
    if (!v) return 0;
    if (!cJSON_IsNumber(v)) {
        report(r, key, "expected an integer, got %s", kind_of(v));
        return -1;
    }
    double x = v->valuedouble;
    if (x != floor(x)) {
        report(r, key, "expected an integer, got %s", fmt_num(x, g));
        return -1;
    }
    if (x < lo || x > hi) {
        report(r, key, "must be in [%s, %s] (got %s)", fmt_num(lo, a), fmt_num(hi, b),
               fmt_num(x, g));
        return -1;
    }
    *out = x;
    return 1;
}

/* A scenario id names a folder of a batch's output. */
static bool good_id(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= ID_MAX && id[0] != '.' &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* `name` relative to `dir` (as it is when absolute or when dir is NULL). */
static char *resolve(const char *dir, const char *name)
{
    sbuf p = {0};
    if (dir && *dir && name[0] != '/') {
        sb_puts(&p, dir);
        if (dir[strlen(dir) - 1] != '/') sb_puts(&p, "/");
    }
    sb_puts(&p, name);
    if (p.nomem) {
        free(p.s);
        return NULL;
    }
    return p.s;
}

/* Read `file` (named by the manifest at r's path + key), reporting a failure
 * there: "<what> \"<file>\": cannot open: ...". */
static bool read_named(loader *L, const char *key, const char *what, const char *file, char **data,
                       size_t *len)
{
    tr_error e;
    tr_error_init(&e);
    tr_status st = tr__file_read(file, TR_CONFIG_MAX_BYTES, NULL, data, len, &e);
    size_t mark = pb_key(&L->r.path, key);
    for (size_t i = 0; i < e.count; i++)
        tr_error_add(&L->mine, e.diags[i].status, L->r.file, pb_str(&L->r.path), 0, 0,
                     "%s%s \"%s\": %s", L->r.prefix, what, file, e.diags[i].message);
    if (st != TR_OK) L->r.nerr++;
    pb_pop(&L->r.path, mark);
    tr_error_clear(&e);
    return st == TR_OK;
}

/* The manifest's own fields; false when the file is a config instead
 * (said once, and nothing else is read). */
static bool read_top(loader *L)
{
    reporter *r = &L->r;
    const cJSON *root = L->root;
    if (cJSON_GetObjectItemCaseSensitive(root, "trusts") &&
        !cJSON_GetObjectItemCaseSensitive(root, "scenarios")) {
        /* the wrong command, not a manifest with a dozen wrong keys */
        report(r, NULL,
               "this is a config (it has \"trusts\"), not a batch manifest: run it with "
               "`trustrisk run FILE --out DIR`; a manifest names a base config and its "
               "\"scenarios\"");
        return false;
    }
    check_keys(r, root, MANIFEST_KEYS, COUNT(MANIFEST_KEYS));
    L->name = get_string(r, root, "name", true, false);
    L->notes = get_string(r, root, "notes", false, false);
    L->base_name = get_string(r, root, "base", true, true);
    L->reference = get_string(r, root, "reference", false, true);
    int p = get_whole(r, root, "paths", 1, (double)TR_MAX_PATHS, &L->paths);
    int s = get_whole(r, root, "seed", 0, SEED_MAX, &L->seed);
    if (s == 1 && L->seed_len) {
        /* a JSON number is a double: 9007199254740993 would read as 2^53 */
        size_t k = strspn(L->seed_text, "0123456789"), n = L->seed_len;
        if (k < n)
            report(r, "seed",
                   "expected a whole number written in digits, 0 to " SEED_MAX_TEXT
                   " (as --seed), got %.*s",
                   (int)(n > 40 ? 40 : n), L->seed_text);
        else if (n > strlen(SEED_MAX_TEXT) ||
                 (n == strlen(SEED_MAX_TEXT) && memcmp(L->seed_text, SEED_MAX_TEXT, n) > 0))
            report(r, "seed", "must be in [0, " SEED_MAX_TEXT "] (got %.*s)", (int)n, L->seed_text);
        if (k < n || n > strlen(SEED_MAX_TEXT)) s = -1;
    }
    L->has_paths = p == 1;
    L->has_seed = s == 1;
    L->run_ok = p >= 0 && s >= 0;
    return true;
}

/* scenarios[]: ids, names, notes and where the overlays are. */
static void read_scenarios(loader *L)
{
    reporter *r = &L->r;
    const cJSON *list = member(L->root, "scenarios");
    if (!list) {
        report(r, NULL, "missing required field \"scenarios\"");
        return;
    }
    if (!cJSON_IsArray(list)) {
        report(r, "scenarios", "expected a list of scenarios, got %s", kind_of(list));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n == 0) {
        report(r, "scenarios", "must contain at least one scenario");
        return;
    }
    L->in = calloc(n, sizeof *L->in);
    if (!L->in) {
        L->nomem = true;
        return;
    }
    L->n = n;
    size_t lmark = pb_key(&r->path, "scenarios");
    size_t i = 0;
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        scen_in *s = &L->in[i];
        size_t mark = pb_index(&r->path, i);
        if (!cJSON_IsObject(e)) {
            report(r, NULL, "expected an object (a scenario), got %s", kind_of(e));
            pb_pop(&r->path, mark);
            continue;
        }
        s->entry = e;
        check_keys(r, e, SCENARIO_KEYS, COUNT(SCENARIO_KEYS));
        const char *id = get_string(r, e, "id", true, true);
        if (id && !good_id(id)) {
            report(r, "id",
                   "a scenario id names the scenario's folder in a batch's output: use 1 to %d "
                   "letters, digits, '-', '_' or '.', not starting with '.' (got \"%s\")",
                   ID_MAX, id);
            id = NULL;
        }
        for (size_t j = 0; id && j < i; j++)
            if (L->in[j].id && strcmp(L->in[j].id, id) == 0) {
                report(r, "id", "duplicate scenario id \"%s\" (also scenarios[%zu])", id, j);
                id = NULL;
            }
        s->id = id;
        s->name = get_string(r, e, "name", false, false);
        s->notes = get_string(r, e, "notes", false, false);
        const cJSON *ov = member(e, "overlay");
        const char *file = get_string(r, e, "overlay_file", false, true);
        if (member(e, "overlay_file") && !file) s->bad_overlay = true;
        if (ov && !cJSON_IsObject(ov)) {
            report(r, "overlay",
                   "expected an object (the changes to the base config, in its own shape), got %s",
                   kind_of(ov));
            s->bad_overlay = true;
        } else if (ov && member(e, "overlay_file")) {
            report(r, "overlay_file",
                   "a scenario gives either \"overlay\" or \"overlay_file\", not both");
            s->bad_overlay = true;
        } else if (ov) {
            s->overlay = ov;
        } else if (file) {
            s->overlay_file = resolve(L->dir, file);
            char *data = NULL;
            size_t len = 0;
            if (!s->overlay_file)
                L->nomem = true;
            else if (!read_named(L, "overlay_file", "overlay file", s->overlay_file, &data, &len))
                s->bad_overlay = true;
            else if (parse_object(data, len, s->overlay_file, "an overlay", NULL, NULL, NULL,
                                  &s->owned_overlay, &L->mine) != TR_OK)
                s->bad_overlay = true;
            s->overlay = s->owned_overlay;
            free(data);
        }
        pb_pop(&r->path, mark);
    }
    pb_pop(&r->path, lmark);
}

/* "reference": the id of a scenario. */
static size_t find_reference(loader *L)
{
    if (!L->reference || !L->in) return 0;
    const char **ids = calloc(L->n + 1, sizeof *ids);
    if (!ids) {
        L->nomem = true;
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->in[i].id && strcmp(L->in[i].id, L->reference) == 0) {
            free(ids);
            return i;
        }
        if (L->in[i].id) ids[k++] = L->in[i].id;
    }
    sbuf hint = {0};
    pb_hint(&hint, L->reference, ids, k, "scenario ids");
    report(&L->r, "reference", "no scenario has the id \"%s\"; %s", L->reference,
           hint.s ? hint.s : "");
    free(hint.s);
    free(ids);
    return 0;
}

/* The base config: loaded (its problems named with its own file) and parsed
 * as a tree for the merges. */
static void read_base(loader *L)
{
    if (!L->base_name) return;
    L->base_file = resolve(L->dir, L->base_name);
    char *data = NULL;
    size_t len = 0;
    if (!L->base_file) {
        L->nomem = true;
        return;
    }
    if (!read_named(L, "base", "base config", L->base_file, &data, &len)) return;
    if (tr_config_load_buffer(data, len, L->base_file, &L->base, &L->mine) != TR_OK) L->r.nerr++;
    /* the loader has reported any problem of the text already */
    tr_error quiet;
    tr_error_init(&quiet);
    parse_object(data, len, L->base_file, "a config", NULL, NULL, NULL, &L->base_tree, &quiet);
    tr_error_clear(&quiet);
    free(data);
}

/* `overlay` (may be NULL) merged onto a copy of `base` (onto nothing when
 * NULL); when paths >= 0, with the batch's paths and seed, without the
 * base's "precision" (every scenario runs all the batch's paths, so that
 * the merged config runs alone to the scenario's bytes) and in canonical
 * order. NULL (and m->nomem) when memory runs out. */
static cJSON *merged_tree(merger *m, const cJSON *base, const cJSON *overlay, double paths,
                          double seed)
{
    cJSON *tree = base ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
    if (tree && paths >= 0) cJSON_DeleteItemFromObjectCaseSensitive(tree, "precision");
    if (tree && overlay) merge_object(m, tree, overlay, K_ROOT, NULL);
    if (tree && !m->nomem && paths >= 0 &&
        (!put_member(m, tree, "paths", cJSON_CreateNumber(paths)) ||
         !put_member(m, tree, "seed", cJSON_CreateNumber(seed)) || !reorder(tree, K_ROOT)))
        m->nomem = true;
    if (!tree || m->nomem) {
        cJSON_Delete(tree);
        m->nomem = true;
        return NULL;
    }
    return tree;
}

/* Merge scenario i's overlay onto the base and validate the result;
 * on success store the merged config in `out`. */
static void build_scenario(loader *L, size_t i, scen *out)
{
    scen_in *s = &L->in[i];
    if (s->bad_overlay || !s->entry) return;
    sbuf prefix = {0}, label = {0};
    if (s->id) {
        sb_puts(&prefix, "scenario ");
        pb_quoted(&prefix, s->id);
        sb_puts(&prefix, ": ");
    } else {
        char b[48];
        snprintf(b, sizeof b, "scenarios[%zu]: ", i);
        sb_puts(&prefix, b);
    }
    sb_puts(&label, L->r.file);
    sb_puts(&label, ": ");
    sb_put(&label, prefix.s ? prefix.s : "", prefix.len >= 2 ? prefix.len - 2 : 0);
    reporter r = {.err = &L->mine, .prefix = prefix.s ? prefix.s : ""};
    r.file = s->owned_overlay ? s->overlay_file : L->r.file;
    if (!s->owned_overlay) { /* an inline overlay: its paths start in the manifest */
        sb_puts(&r.path, "scenarios");
        pb_index(&r.path, i);
        pb_key(&r.path, "overlay");
    }
    merger m = {.r = &r, .blind = !L->base_tree, .fixed_run = true};
    /* validated even after problems of the overlay (the elements at fault
     * left out), so that one pass reports everything; every scenario runs
     * the batch's paths with the batch's seed */
    bool ready = L->base && L->run_ok;
    double paths = ready ? (L->has_paths ? L->paths : (double)tr_config_paths(L->base)) : -1;
    double seed = ready ? (L->has_seed ? L->seed : (double)tr_config_seed(L->base)) : 0;
    cJSON *tree = merged_tree(&m, L->base_tree, s->overlay, paths, seed);
    L->r.nerr += r.nerr;
    size_t len = 0;
    char *json = ready && tree ? tr__json_print(tree, &len) : NULL;
    if (ready && tree && !json) m.nomem = true;
    if (json && !label.nomem) {
        tr_error e;
        tr_error_init(&e);
        tr_config *cfg = NULL;
        if (tr_config_load_buffer(json, len, label.s, &cfg, &e) == TR_OK) {
            out->cfg = cfg;
        } else {
            L->r.nerr++;
        }
        for (size_t k = 0; k < e.count; k++)
            map_diag(&m, tree, &e.diags[k], label.s, &L->mine);
        if (e.truncated) L->mine.truncated = 1;
        tr_error_clear(&e);
    }
    free(json);
    if (m.nomem || r.path.nomem || m.where.nomem || prefix.nomem || label.nomem) L->nomem = true;
    /* the changes go to the scenario */
    out->changes = m.changes;
    out->nchanges = m.nchanges;
    m.changes = NULL;
    m.nchanges = 0;
    merger_free(&m);
    cJSON_Delete(tree);
    free(r.path.s);
    free(prefix.s);
    free(label.s);
}

static void free_scen(scen *s)
{
    free(s->id);
    free(s->name);
    free(s->notes);
    free(s->overlay_file);
    cJSON_Delete(s->overlay);
    tr_config_free(s->cfg);
    for (size_t k = 0; k < s->nchanges; k++)
        free(s->changes[k].where);
    free(s->changes);
}

void tr_manifest_free(tr_manifest *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++)
        free_scen(&m->sc[i]);
    free(m->sc);
    free(m->file);
    free(m->name);
    free(m->notes);
    free(m->base_file);
    tr_config_free(m->base);
    cJSON_Delete(m->base_tree);
    free(m);
}

/* The manifest's hash (batch.h): its canonical content, printed canonically. */
static bool manifest_hash(tr_manifest *m)
{
    cJSON *doc = cJSON_CreateObject(), *list = cJSON_CreateArray();
    bool ok = doc && list && cJSON_AddStringToObject(doc, "format", "trustrisk-manifest-1") &&
              cJSON_AddStringToObject(doc, "name", m->name) &&
              (!m->notes || cJSON_AddStringToObject(doc, "notes", m->notes)) &&
              cJSON_AddNumberToObject(doc, "paths", (double)m->paths) &&
              cJSON_AddNumberToObject(doc, "seed", (double)m->seed) &&
              cJSON_AddStringToObject(doc, "reference", m->sc[m->reference].id);
    for (size_t i = 0; ok && i < m->n; i++) {
        const scen *s = &m->sc[i];
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(list, e) && cJSON_AddStringToObject(e, "id", s->id) &&
             cJSON_AddStringToObject(e, "name", s->name) &&
             (!s->notes || cJSON_AddStringToObject(e, "notes", s->notes)) &&
             cJSON_AddStringToObject(e, "config", tr_config_sha256(s->cfg));
        if (!ok && e && !list->child) cJSON_Delete(e);
    }
    if (ok && cJSON_AddItemToObject(doc, "scenarios", list))
        list = NULL;
    else
        ok = false;
    size_t len = 0;
    char *text = ok ? tr__json_print(doc, &len) : NULL;
    if (text) tr__sha256_hex(text, len, m->sha256);
    free(text);
    cJSON_Delete(list);
    cJSON_Delete(doc);
    return text != NULL;
}

/* A copy of `s`, or NULL; *fail set when s is given and memory runs out. */
static char *copy_or_null(const char *s, bool *fail)
{
    if (!s) return NULL;
    char *d = dup_str(s);
    if (!d) *fail = true;
    return d;
}

/* The manifest, once everything has passed. */
static tr_manifest *assemble(loader *L, scen *built, size_t ref)
{
    tr_manifest *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    bool fail = false;
    m->file = copy_or_null(L->r.file, &fail);
    m->name = copy_or_null(L->name, &fail);
    m->notes = copy_or_null(L->notes, &fail);
    m->base_file = L->base_file;
    L->base_file = NULL;
    m->base = L->base;
    L->base = NULL;
    m->base_tree = L->base_tree;
    L->base_tree = NULL;
    m->paths = L->has_paths ? (uint64_t)L->paths : tr_config_paths(m->base);
    m->seed = L->has_seed ? (uint64_t)L->seed : tr_config_seed(m->base);
    m->reference = ref;
    m->n = L->n;
    m->sc = built;
    for (size_t i = 0; i < L->n; i++) {
        scen *s = &built[i];
        s->id = copy_or_null(L->in[i].id, &fail);
        s->name = copy_or_null(L->in[i].name ? L->in[i].name : L->in[i].id, &fail);
        s->notes = copy_or_null(L->in[i].notes, &fail);
        s->overlay_file = L->in[i].overlay_file;
        L->in[i].overlay_file = NULL;
        s->overlay = L->in[i].owned_overlay;
        L->in[i].owned_overlay = NULL;
        if (!s->overlay && L->in[i].overlay) {
            s->overlay = cJSON_Duplicate(L->in[i].overlay, 1);
            fail |= !s->overlay;
        }
    }
    if (fail || !manifest_hash(m)) {
        tr_manifest_free(m);
        return NULL;
    }
    return m;
}

tr_status tr_manifest_load_buffer(const char *data, size_t len, const char *source_name,
                                  const char *dir, tr_manifest **out, tr_error *err)
{
    if (!out) return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0, "no output pointer");
    *out = NULL;
    loader L;
    memset(&L, 0, sizeof L);
    tr_error_init(&L.mine);
    L.r.err = &L.mine;
    L.r.file = source_name ? source_name : "<manifest>";
    L.r.prefix = "";
    L.dir = dir;
    cJSON *root = NULL;
    parse_object(data, len, L.r.file, "a batch manifest", "seed", &L.seed_text, &L.seed_len, &root,
                 &L.mine);
    scen *built = NULL;
    size_t ref = 0;
    if (root) L.root = root;
    if (root && read_top(&L)) {
        read_scenarios(&L);
        ref = find_reference(&L);
        read_base(&L);
        built = L.n ? calloc(L.n, sizeof *built) : NULL;
        if (L.n && !built) L.nomem = true;
        for (size_t i = 0; built && i < L.n && !L.nomem; i++)
            build_scenario(&L, i, &built[i]);
    }
    if (L.nomem || L.r.path.nomem)
        tr_error_add(&L.mine, TR_E_NOMEM, L.r.file, NULL, 0, 0,
                     "out of memory reading the manifest");
    tr_status st = tr_error_status(&L.mine);
    if (st == TR_OK && root && L.r.nerr == 0 && L.n) {
        *out = assemble(&L, built, ref);
        built = NULL;
        if (!*out)
            st = tr_error_add(&L.mine, TR_E_NOMEM, L.r.file, NULL, 0, 0,
                              "out of memory reading the manifest");
    } else if (st == TR_OK) {
        st = TR_E_INPUT; /* a problem was found but its message was lost */
        if (!L.mine.count) L.mine.truncated = 1;
    }
    for (size_t i = 0; built && i < L.n; i++)
        free_scen(&built[i]);
    free(built);
    for (size_t i = 0; L.in && i < L.n; i++) {
        cJSON_Delete(L.in[i].owned_overlay);
        free(L.in[i].overlay_file);
    }
    free(L.in);
    free(L.base_file);
    cJSON_Delete(L.base_tree);
    tr_config_free(L.base);
    cJSON_Delete(root);
    free(L.r.path.s);
    copy_diags(err, &L.mine);
    tr_error_clear(&L.mine);
    return st;
}

tr_status tr_manifest_load_file(const char *file, tr_manifest **out, tr_error *err)
{
    if (out) *out = NULL;
    if (!file || !out)
        return tr_error_add(err, TR_E_INTERNAL, file, NULL, 0, 0, "no file name or output");
    char *data = NULL, *dir = NULL;
    size_t len = 0;
    tr_status st = tr__file_read(file, TR_CONFIG_MAX_BYTES, NULL, &data, &len, err);
    if (st != TR_OK) return st;
    const char *slash = strrchr(file, '/');
    if (slash) {
        size_t n = slash == file ? 1 : (size_t)(slash - file);
        dir = malloc(n + 1);
        if (!dir) {
            free(data);
            return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory");
        }
        memcpy(dir, file, n);
        dir[n] = '\0';
    }
    st = tr_manifest_load_buffer(data, len, file, dir, out, err);
    free(dir);
    free(data);
    return st;
}

/* ------------------------------------------------------------------------- */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------- */

const char *tr_manifest_name(const tr_manifest *m)
{
    return m->name;
}

const char *tr_manifest_notes(const tr_manifest *m)
{
    return m->notes;
}

const char *tr_manifest_file(const tr_manifest *m)
{
    return m->file;
}

const char *tr_manifest_base_file(const tr_manifest *m)
{
    return m->base_file;
}

const tr_config *tr_manifest_base(const tr_manifest *m)
{
    return m->base;
}

uint64_t tr_manifest_paths(const tr_manifest *m)
{
    return m->paths;
}

uint64_t tr_manifest_seed(const tr_manifest *m)
{
    return m->seed;
}

size_t tr_manifest_scenario_count(const tr_manifest *m)
{
    return m->n;
}

size_t tr_manifest_reference(const tr_manifest *m)
{
    return m->reference;
}

long tr_manifest_find(const tr_manifest *m, const char *id)
{
    for (size_t i = 0; id && i < m->n; i++)
        if (strcmp(m->sc[i].id, id) == 0) return (long)i;
    return -1;
}

const char *tr_manifest_scenario_id(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].id : NULL;
}

const char *tr_manifest_scenario_name(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].name : NULL;
}

const char *tr_manifest_scenario_notes(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].notes : NULL;
}

const char *tr_manifest_scenario_overlay_file(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].overlay_file : NULL;
}

const tr_config *tr_manifest_scenario_config(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].cfg : NULL;
}

tr_status tr_manifest_merged_json(const tr_manifest *m, size_t i, char **json, tr_error *err)
{
    if (!json) return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0, "no output pointer");
    *json = NULL;
    if (i >= m->n)
        return tr_error_add(err, TR_E_INPUT, m->file, NULL, 0, 0,
                            "no scenario %zu: the manifest has %zu", i, m->n);
    /* merged again (as it was when loaded: it merged without a problem then) */
    tr_error scratch;
    tr_error_init(&scratch);
    reporter r = {.err = &scratch, .file = m->file, .prefix = ""};
    merger mm = {.r = &r, .fixed_run = true};
    cJSON *tree =
        merged_tree(&mm, m->base_tree, m->sc[i].overlay, (double)m->paths, (double)m->seed);
    *json = tree && r.nerr == 0 ? tr__json_print(tree, NULL) : NULL;
    cJSON_Delete(tree);
    merger_free(&mm);
    free(r.path.s);
    tr_error_clear(&scratch);
    if (!*json) return tr_error_add(err, TR_E_NOMEM, m->file, NULL, 0, 0, "out of memory");
    return TR_OK;
}

size_t tr_manifest_change_count(const tr_manifest *m, size_t i)
{
    return i < m->n ? m->sc[i].nchanges : 0;
}

const char *tr_manifest_change(const tr_manifest *m, size_t i, size_t k, tr_change_kind *kind)
{
    if (i >= m->n || k >= m->sc[i].nchanges) return NULL;
    if (kind) *kind = m->sc[i].changes[k].kind;
    return m->sc[i].changes[k].where;
}

const char *tr_manifest_sha256(const tr_manifest *m)
{
    return m->sha256;
}
