/*
 * philox.c - Philox4x32-10 over consecutive counters (see philox.h).
 *
 * One round multiplies counter words 0 and 2 by the constants M0 and M1
 * (32 x 32 -> 64 bits), then
 *     (x0, x1, x2, x3) <- (hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0))
 * and bumps the key by the Weyl constants W0, W1; ten rounds. The vector
 * versions keep 16 (AVX-512) or 8 (AVX2) counters in the 32-bit lanes of a
 * register and form the products of even and odd lanes with two unsigned
 * 32 x 32 multiplies, then blend the halves back into place.
 */
#include "philox.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TR_X86 1
#else
#define TR_X86 0
#endif

#define PH_M0 0xD2511F53u
#define PH_M1 0xCD9E8D57u
#define PH_W0 0x9E3779B9u
#define PH_W1 0xBB67AE85u

/* One group of at most 16 counters: the rounds on separate words (a loop
 * the compiler can vectorise), then the words interleaved. */
static void lanes_portable(tr__philox_ctr c, uint32_t k0, uint32_t k1, size_t n, uint32_t *out)
{
    for (size_t j0 = 0; j0 < n; j0 += 16) {
        size_t m = n - j0 < 16 ? n - j0 : 16;
        uint32_t w0[16], w1[16], w2[16], w3[16];
        for (size_t l = 0; l < 16; l++) {
            uint32_t x0 = c.c0 + (uint32_t)(j0 + l), x1 = c.c1, x2 = c.c2, x3 = c.c3, a = k0,
                     b = k1;
            for (int r = 0; r < 10; r++) {
                uint64_t p0 = (uint64_t)PH_M0 * x0, p1 = (uint64_t)PH_M1 * x2;
                x0 = (uint32_t)(p1 >> 32) ^ x1 ^ a;
                x1 = (uint32_t)p1;
                x2 = (uint32_t)(p0 >> 32) ^ x3 ^ b;
                x3 = (uint32_t)p0;
                a += PH_W0;
                b += PH_W1;
            }
            w0[l] = x0;
            w1[l] = x1;
            w2[l] = x2;
            w3[l] = x3;
        }
        for (size_t l = 0; l < m; l++) {
            out[4 * (j0 + l)] = w0[l];
            out[4 * (j0 + l) + 1] = w1[l];
            out[4 * (j0 + l) + 2] = w2[l];
            out[4 * (j0 + l) + 3] = w3[l];
        }
    }
}

#if TR_X86
__attribute__((target("avx512f"))) static void lanes_avx512(tr__philox_ctr c, uint32_t k0,
                                                            uint32_t k1, size_t n, uint32_t *out)
{
    const __m512i m0 = _mm512_set1_epi32((int)PH_M0), m1 = _mm512_set1_epi32((int)PH_M1);
    const __m512i step = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32((int)(c.c0 + (uint32_t)j)), step);
        __m512i x1 = _mm512_set1_epi32((int)c.c1), x2 = _mm512_set1_epi32((int)c.c2);
        __m512i x3 = _mm512_set1_epi32((int)c.c3);
        uint32_t a = k0, b = k1;
        for (int r = 0; r < 10; r++) {
            __m512i e0 = _mm512_mul_epu32(x0, m0);
            __m512i o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0, 32), m0);
            __m512i e1 = _mm512_mul_epu32(x2, m1);
            __m512i o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2, 32), m1);
            __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_slli_epi64(o0, 32));
            __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e0, 32), o0);
            __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_slli_epi64(o1, 32));
            __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e1, 32), o1);
            x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32((int)a));
            x1 = lo1;
            x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32((int)b));
            x3 = lo0;
            a += PH_W0;
            b += PH_W1;
        }
        /* Transpose to out[4 j + w]: 4 x 4 within each 128-bit lane, then the lanes. */
        __m512i t0 = _mm512_unpacklo_epi32(x0, x1), t1 = _mm512_unpackhi_epi32(x0, x1);
        __m512i t2 = _mm512_unpacklo_epi32(x2, x3), t3 = _mm512_unpackhi_epi32(x2, x3);
        __m512i r0 = _mm512_unpacklo_epi64(t0, t2), r1 = _mm512_unpackhi_epi64(t0, t2);
        __m512i r2 = _mm512_unpacklo_epi64(t1, t3), r3 = _mm512_unpackhi_epi64(t1, t3);
        __m512i s0 = _mm512_shuffle_i32x4(r0, r1, 0x44), s1 = _mm512_shuffle_i32x4(r2, r3, 0x44);
        __m512i s2 = _mm512_shuffle_i32x4(r0, r1, 0xEE), s3 = _mm512_shuffle_i32x4(r2, r3, 0xEE);
        _mm512_storeu_si512((void *)(out + 4 * j), _mm512_shuffle_i32x4(s0, s1, 0x88));
        _mm512_storeu_si512((void *)(out + 4 * j + 16), _mm512_shuffle_i32x4(s0, s1, 0xDD));
        _mm512_storeu_si512((void *)(out + 4 * j + 32), _mm512_shuffle_i32x4(s2, s3, 0x88));
        _mm512_storeu_si512((void *)(out + 4 * j + 48), _mm512_shuffle_i32x4(s2, s3, 0xDD));
    }
    if (j < n) {
        tr__philox_ctr rest = c;
        rest.c0 += (uint32_t)j;
        lanes_portable(rest, k0, k1, n - j, out + 4 * j);
    }
}

__attribute__((target("avx2"))) static void lanes_avx2(tr__philox_ctr c, uint32_t k0, uint32_t k1,
                                                       size_t n, uint32_t *out)
{
    const __m256i m0 = _mm256_set1_epi32((int)PH_M0), m1 = _mm256_set1_epi32((int)PH_M1);
    const __m256i step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)(c.c0 + (uint32_t)j)), step);
        __m256i x1 = _mm256_set1_epi32((int)c.c1), x2 = _mm256_set1_epi32((int)c.c2);
        __m256i x3 = _mm256_set1_epi32((int)c.c3);
        uint32_t a = k0, b = k1;
        for (int r = 0; r < 10; r++) {
            __m256i e0 = _mm256_mul_epu32(x0, m0);
            __m256i o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
            __m256i e1 = _mm256_mul_epu32(x2, m1);
            __m256i o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
            __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
            __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
            __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
            __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32((int)a));
            x1 = lo1;
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32((int)b));
            x3 = lo0;
            a += PH_W0;
            b += PH_W1;
        }
        __m256i t0 = _mm256_unpacklo_epi32(x0, x1), t1 = _mm256_unpackhi_epi32(x0, x1);
        __m256i t2 = _mm256_unpacklo_epi32(x2, x3), t3 = _mm256_unpackhi_epi32(x2, x3);
        __m256i r0 = _mm256_unpacklo_epi64(t0, t2), r1 = _mm256_unpackhi_epi64(t0, t2);
        __m256i r2 = _mm256_unpacklo_epi64(t1, t3), r3 = _mm256_unpackhi_epi64(t1, t3);
        _mm256_storeu_si256((void *)(out + 4 * j), _mm256_permute2x128_si256(r0, r1, 0x20));
        _mm256_storeu_si256((void *)(out + 4 * j + 8), _mm256_permute2x128_si256(r2, r3, 0x20));
        _mm256_storeu_si256((void *)(out + 4 * j + 16), _mm256_permute2x128_si256(r0, r1, 0x31));
        _mm256_storeu_si256((void *)(out + 4 * j + 24), _mm256_permute2x128_si256(r2, r3, 0x31));
    }
    if (j < n) {
        tr__philox_ctr rest = c;
        rest.c0 += (uint32_t)j;
        lanes_portable(rest, k0, k1, n - j, out + 4 * j);
    }
}
#endif

typedef void (*lanes_fn)(tr__philox_ctr, uint32_t, uint32_t, size_t, uint32_t *);

static struct {
    lanes_fn fn;
    const char *name;
} impl; /* chosen once; every choice gives the same bits */

static void choose(void)
{
#if TR_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        impl.fn = lanes_avx512;
        impl.name = "avx512";
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        impl.fn = lanes_avx2;
        impl.name = "avx2";
        return;
    }
#endif
    impl.fn = lanes_portable;
    impl.name = "portable";
}

void tr__philox_lanes(tr__philox_ctr c, uint32_t k0, uint32_t k1, size_t n, uint32_t *out)
{
    lanes_fn fn = __atomic_load_n(&impl.fn, __ATOMIC_ACQUIRE);
    if (!fn) {
        choose();
        fn = impl.fn;
    }
    fn(c, k0, k1, n, out);
}

void tr__philox_one(tr__philox_ctr c, uint32_t k0, uint32_t k1, uint32_t out[4])
{
    lanes_portable(c, k0, k1, 1, out);
}

const char *tr__philox_impl(void)
{
    if (!impl.fn) choose();
    return impl.name;
}

const char *tr__philox_best(void)
{
#if TR_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "avx512";
    if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
    return "portable";
}

int tr__philox_force(const char *name)
{
    if (strcmp(name, "portable") == 0) {
        impl.fn = lanes_portable;
        impl.name = "portable";
        return 0;
    }
#if TR_X86
    __builtin_cpu_init();
    if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx512f")) {
        impl.fn = lanes_avx512;
        impl.name = "avx512";
        return 0;
    }
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2")) {
        impl.fn = lanes_avx2;
        impl.name = "avx2";
        return 0;
    }
#endif
    return -1;
}
