/*
 * trustrisk/trustrisk.h - umbrella header of the trustrisk library.
 *
 * trustrisk is a Monte Carlo engine for NHS trusts' cash: which trusts run
 * out of cash, when, and who pays the bail-out. Include this header to get
 * the whole public API. trustrisk/run.h says what the library expects of
 * GSL's error handler, a setting of the host's.
 */
#ifndef TRUSTRISK_TRUSTRISK_H
#define TRUSTRISK_TRUSTRISK_H

#include "trustrisk/version.h"
#include "trustrisk/error.h"
#include "trustrisk/config.h"
#include "trustrisk/run.h"
#include "trustrisk/report.h"
#include "trustrisk/import.h"
#include "trustrisk/batch.h"
#include "trustrisk/sensitivity.h"
#include "trustrisk/limits.h"

#endif /* TRUSTRISK_TRUSTRISK_H */
