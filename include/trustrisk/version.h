/*
 * trustrisk/version.h - the engine's version.
 *
 * The version is part of every results.json, since results are a pure
 * function of (config, seed, paths, engine version).
 */
#ifndef TRUSTRISK_VERSION_H
#define TRUSTRISK_VERSION_H

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TR_VERSION_MAJOR 0
#define TR_VERSION_MINOR 2
#define TR_VERSION_PATCH 1
#define TR_VERSION_STRING "0.2.1"

/** The library's version string, e.g. "0.2.1" (may differ from the header's). */
TR_API const char *tr_version(void);

/** Non-zero when the library was built with OpenMP (runs use several threads). */
TR_API int tr_version_openmp(void);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_VERSION_H */
