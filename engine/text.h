/*
 * text.h - printable text (private; engine/error.c).
 */
#ifndef TR_TEXT_H
#define TR_TEXT_H

#include <stddef.h>

/* The printable form of `src` (as tr_text_print writes it) in `dst`, cut so
 * that it fits in `cap` bytes with its NUL, never inside a character or an
 * escape; returns its length. `cap` 0 writes nothing. */
size_t tr__text_escape(char *dst, size_t cap, const char *src);

#endif /* TR_TEXT_H */
