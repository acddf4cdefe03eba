/*
 * canon.h - canonical order and hash of a loaded config (private; see canon.c).
 */
#ifndef TR_CANON_H
#define TR_CANON_H

#include "model.h"
#include "trustrisk/error.h"

/* Sort every list of a validated config by id and remap indices; then set
 * cfg->sha256 to tr__config_hash. Called by the loader as its last step. */
tr_status tr__config_canonicalize(tr_config *cfg, tr_error *err);

/* SHA-256 (hex) of the canonical serialisation of a config. */
void tr__config_hash(const tr_config *cfg, char hex[65]);

#endif /* TR_CANON_H */
