/*
 * suggest.h - "did you mean" for names (private; defined in config.c).
 */
#ifndef TR_SUGGEST_H
#define TR_SUGGEST_H

#include <stddef.h>

/* The closest of `names[0..n)` to `word` (NULL entries are skipped) if it is
 * a plausible typo: edit distance at most max(2, len/3) and less than the
 * word's length; else NULL. The first listed wins a tie. */
const char *tr__suggest(const char *word, const char *const *names, size_t n);

#endif /* TR_SUGGEST_H */
