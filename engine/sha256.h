/*
 * sha256.h - SHA-256 (FIPS 180-4), for fingerprinting config files (private).
 *
 * results.json names the config it came from by the SHA-256 of the config's
 * canonical form (canon.c), so that two result files can be tied to the
 * same model whatever the order or formatting of the file.
 */
#ifndef TR_SHA256_H
#define TR_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Streaming state: init, update any number of times, final. */
typedef struct tr__sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;        /* message length so far */
    unsigned char buf[64]; /* partial block */
    size_t fill;           /* bytes in buf */
} tr__sha256_ctx;

void tr__sha256_init(tr__sha256_ctx *c);
void tr__sha256_update(tr__sha256_ctx *c, const void *data, size_t len);
void tr__sha256_final(tr__sha256_ctx *c, unsigned char digest[32]);

/* One-shot digest of `len` bytes as 64 lower-case hex characters and a NUL. */
void tr__sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* TR_SHA256_H */
