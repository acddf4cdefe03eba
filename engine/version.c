/*
 * version.c - the library's version, as compiled in.
 *
 * The version is part of every results.json (results are a pure function of
 * config, seed, paths and engine version), so a program linked against a
 * newer library reports the library's version, not its header's.
 */
#include "trustrisk/version.h"

const char *tr_version(void)
{
    return TR_VERSION_STRING;
}

int tr_version_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}
