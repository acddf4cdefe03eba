/*
 * config_keys.h - the members of a config's top-level objects, in their
 * documented order (private).
 *
 * The loader (config.c) accepts exactly these keys; the importer
 * (import.c) and the overlay merge (scenario.c) print a config with its
 * members in this order. One list, so that the three cannot drift apart.
 */
#ifndef TR_CONFIG_KEYS_H
#define TR_CONFIG_KEYS_H

#define TR__KEYS_ROOT                                                                              \
    "name", "notes", "horizon_months", "paths", "seed", "precision", "sampling", "copula",         \
        "factors", "consortia", "trusts"
#define TR__KEYS_PRECISION "target_se", "target_rel"
#define TR__KEYS_SAMPLING "method", "shift", "auto"
#define TR__KEYS_AUTO "event", "pilot_paths"

#endif /* TR_CONFIG_KEYS_H */
