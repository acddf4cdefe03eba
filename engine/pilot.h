/*
 * pilot.h - the automatic shift of importance sampling (private).
 *
 * A config with "sampling": {"method": "shift", "auto": {...}} names a rare
 * event; before the run, a cross-entropy pilot (pilot.c) on paths the run
 * never uses (numbered from 2^32) chooses the shift of every global and
 * consortium-scoped factor, and records what it did in plan->pilot.
 */
#ifndef TR_PILOT_H
#define TR_PILOT_H

#include <stdint.h>

#include "plan.h"

/* At most this many cross-entropy steps. */
#define TR__PILOT_STEPS 12
/* The largest shift the pilot chooses (as a config may give). */
#define TR__PILOT_MU_MAX 10.0

/* Choose the plan's shift for its config's automatic sampling (nothing to
 * do for other sampling). Deterministic: a function of (config, seed). */
tr_status tr__pilot_run(tr__plan *plan, uint64_t seed, tr_error *err);

#endif /* TR_PILOT_H */
