/*
 * trustrisk/export.h - TR_API, the mark of the public API.
 *
 * The library is compiled with hidden visibility: a shared libtrustrisk
 * exports only the functions declared with TR_API in these headers (nm -D
 * lists nothing else), so the engine's internal functions can change
 * without breaking programs linked against it. A static library is not
 * affected.
 */
#ifndef TRUSTRISK_EXPORT_H
#define TRUSTRISK_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define TR_API __attribute__((visibility("default")))
#else
#define TR_API
#endif

#endif /* TRUSTRISK_EXPORT_H */
