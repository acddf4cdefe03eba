/*
 * vmath.c - the batch forms of vmath.h.
 *
 * Plain loops over the static inline functions, which GCC vectorises at -O3
 * (this file is compiled with -fno-math-errno -fno-trapping-math, without
 * which it does not; see vmath.h). With GCC on x86-64 Linux each is also
 * cloned for AVX2 and AVX-512 and the widest the CPU has is picked at load
 * time (an ifunc); every clone gives the same bits.
 */
#include "vmath.h"

/* out[i] = fn(in[i]): a plain loop, which GCC vectorises. */
#define TR__VBATCH(name, fn, T)                                                                    \
    TR__VCLONES void name(const double *in, T *out, size_t n)                                      \
    {                                                                                              \
        for (size_t i = 0; i < n; i++)                                                             \
            out[i] = fn(in[i]);                                                                    \
    }

TR__VBATCH(tr__vlog_n, tr__vlog, double)
TR__VBATCH(tr__vexp_n, tr__vexp, double)
TR__VBATCH(tr__vnorm_cdf_n, tr__vnorm_cdf, double)
TR__VBATCH(tr__vhist_index_n, tr__vhist_index, uint32_t)

TR__VCLONES void tr__vnorm_inv_n(const double *u, double *z, size_t n)
{
    tr__vnorm_inv_block(u, z, n);
}
