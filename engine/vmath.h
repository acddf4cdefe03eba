/*
 * vmath.h - elementary functions that give the same bits in scalar and SIMD
 * code (private).
 *
 * The vectorised simulation kernel runs blocks of paths in SIMD lanes and must
 * give each path exactly the bytes a scalar replay of it gives, at any vector
 * width and on any x86-64 CPU. libm cannot promise that: glibc's vector
 * functions (libmvec) round differently from its scalar ones, and on x86-64
 * glibc's scalar exp, log and pow pick an FMA variant at run time on CPUs that
 * have FMA. So these functions use only IEEE operations that are correctly
 * rounded, and so give the same bits everywhere: + - * /, sqrt, comparisons,
 * integer operations on a double's bits (through memcpy) and constant tables.
 * None branches on its argument: both sides of a choice are computed and one
 * is selected, so GCC can vectorise a loop that calls them (if-conversion),
 * and a lane's result never depends on the other lanes.
 *
 * The compiler must not contract a * b + c into a fused multiply-add (a vector
 * clone with FMA would then round differently from the scalar code), evaluate
 * in x87 extended precision, or assume -ffast-math. GCC in an ISO mode
 * (-std=c11, as this project builds) never contracts; the checks below refuse
 * the other cases. To vectorise a loop that calls these functions, GCC 12
 * needs two options that change no result: -fno-math-errno (otherwise a
 * scalar errno check stays beside every sqrt) and -fno-trapping-math
 * (otherwise it will not compute both sides of a choice when one side holds
 * a floating-point operation that might raise a flag). Without them the code
 * is the same bits, one lane at a time. A helper that wraps one of these
 * functions for use in such a loop must itself be always_inline. Loops at the
 * x86-64 baseline (SSE2, two lanes) gain little and a plain loop over
 * tr__vnorm_inv loses (three times slower than scalar): multi-version the
 * kernel for AVX2 and AVX-512 as vmath.c does, and use tr__vnorm_inv_block
 * for normals. Nothing in the process may set flush-to-zero or
 * denormals-are-zero (code linked with -ffast-math does), or subnormal
 * inputs and results change.
 *
 * Accuracy, measured against long double references in tests/test_vmath.c
 * (ulp = unit in the last place of the exact result):
 *   tr__vlog        < 1 ulp                        (x > 0, subnormals too)
 *   tr__vexp        < 1 ulp                        (normal results)
 *   tr__vpow        < 1 + 0.7 |y| ulp              (x >= 0)
 *   tr__vnorm_inv   < 8e-16 relative, as AS 241 in rng.c (central: same bits)
 *   tr__vnorm_cdf   < 6e-16 relative for x >= -37.5 (Phi(x) normal)
 *   tr__vhist_index exact: the bucket is floor(log_1.01 |x|) in real numbers
 *
 * Reduction constants and coefficients are exact hex literals. The
 * polynomials are Chebyshev least-squares fits (within a small factor of
 * minimax) of the functions named at each, made with mpmath at 50 digits and
 * rounded to double; engine/vmath_gen.py regenerates them and the boundary
 * table in vmath_bounds.c.
 */
#ifndef TR_VMATH_H
#define TR_VMATH_H

#include <math.h> /* INFINITY and NAN only: nothing here calls libm but sqrt */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__FAST_MATH__)
#error "vmath.h: -ffast-math reorders and contracts arithmetic; results would differ by lane"
#endif
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#error "vmath.h: needs double evaluated in double (SSE2), not x87 extended precision"
#endif
#if defined(__clang__)
/* clang contracts within an expression by default; the pragma turns it off per function. */
#define TR__VNOCONTRACT _Pragma("STDC FP_CONTRACT OFF")
#elif defined(__GNUC__) && !defined(__STRICT_ANSI__) && !defined(TR_VMATH_FP_CONTRACT_OFF)
#error "vmath.h: compile with -std=c11 (or -ffp-contract=off and -DTR_VMATH_FP_CONTRACT_OFF)"
#else
#define TR__VNOCONTRACT
#endif

/* Every function here is forced inline: a loop vectorises only if the call
 * in its body disappears, and GCC's size limits would otherwise keep the
 * larger ones (tr__vnorm_inv_block, tr__vnorm_cdf) out of a big caller or
 * out of one compiled for another instruction set (target_clones). */
#if defined(__GNUC__)
#define TR__VINLINE static inline __attribute__((always_inline))
#else
#define TR__VINLINE static inline
#endif

/* A batch function whose loops should use the widest vectors the CPU has:
 * compiled for AVX-512, AVX2 and the x86-64 baseline, the best chosen at
 * load time (GCC on x86-64 Linux; elsewhere one plain version). Every clone
 * gives the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&       \
    !defined(TR_VMATH_NO_CLONES)
#define TR__VCLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TR__VCLONES
#endif

/* ---- Bits ----------------------------------------------------------------- */

TR__VINLINE uint64_t tr__vbits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

TR__VINLINE double tr__vdouble(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

TR__VINLINE double tr__vabs(double x)
{
    return tr__vdouble(tr__vbits(x) & UINT64_C(0x7fffffffffffffff));
}

/* Any NaN as the default NaN: which operand's NaN an instruction passes on
 * depends on how the compiler ordered the operands, which differs between
 * scalar and vector code; the functions below return this NaN, whatever the
 * NaN that went in. */
TR__VINLINE double tr__vcanon(double x)
{
    return x != x ? NAN : x;
}

/* ---- Logarithm ------------------------------------------------------------
 * The method of fdlibm's e_log.c (Sun Microsystems, 1993), after Cody and
 * Waite (Software Manual for the Elementary Functions, 1980): x =
 * 2^k (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)); with s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = 2s + s R(s^2), R(z) = 2z/3 + 2z^2/5 + ... fitted
 * by a degree-7 polynomial (7 terms) on z <= ((sqrt2 - 1) / (sqrt2 + 1))^2,
 * fit error 3e-16 relative, 0.04 ulp in the result. Since 2s = f - s f,
 * log(1 + f) = f - f^2/2 + s (f^2/2 + R), and k ln 2 is added in two parts
 * (k * TR__VLN2_HI is exact). Error < 1 ulp. */
#define TR__VLN2_HI 0x1.62e42fefa3800p-1 /* ln 2 to 42 bits */
#define TR__VLN2_LO 0x1.ef35793c76730p-45
#define TR__VLOG_C0 0x1.5555555555558p-1 /* R(z) / z = C0 + C1 z + ... */
#define TR__VLOG_C1 0x1.99999999952e2p-2
#define TR__VLOG_C2 0x1.2492492df14bfp-2
#define TR__VLOG_C3 0x1.c71c62e57c0cfp-3
#define TR__VLOG_C4 0x1.7462b4ac51915p-3
#define TR__VLOG_C5 0x1.39fe603f8739ep-3
#define TR__VLOG_C6 0x1.2b584c80de001p-3

/* x = 2^k (1 + f), log(1 + f) = f - hfsq + t: the pieces tr__vlog and tr__vpow add up. */
typedef struct tr__vlog_parts {
    double k, f, hfsq, t;
} tr__vlog_parts;

TR__VINLINE tr__vlog_parts tr__vlog_reduce(double x)
{
    TR__VNOCONTRACT
    tr__vlog_parts p;
    /* Subnormals (and 0 and negatives, whose result is replaced) are scaled up first. */
    int sub = x < 0x1p-1022;
    uint64_t ix = tr__vbits(sub ? x * 0x1p54 : x);
    /* Adding the gap between the bits of sqrt(1/2) and of 1.0 carries into the
     * exponent exactly when the significand is at least sqrt(2)'s, so eb is
     * k + 1023 and z = 1 + f, in [sqrt(1/2), sqrt(2)), is x with exponent -k. */
    uint64_t t = ix + (UINT64_C(0x3ff0000000000000) - UINT64_C(0x3fe6a09e667f3bcd));
    uint64_t eb = t >> 52;
    double z = tr__vdouble(ix - (eb << 52) + UINT64_C(0x3ff0000000000000));
    /* eb to double without an int64 conversion (SSE2 and AVX2 lack a vector one):
     * the bits of 2^52 + eb, less 2^52 + 1023. */
    double k = tr__vdouble(UINT64_C(0x4330000000000000) | eb) - 0x1.00000000003ffp52;
    p.k = sub ? k - 54.0 : k;
    p.f = z - 1.0; /* exact */
    double s = p.f / (2.0 + p.f);
    double w = s * s;
    double r =
        w *
        (TR__VLOG_C0 +
         w * (TR__VLOG_C1 +
              w * (TR__VLOG_C2 +
                   w * (TR__VLOG_C3 + w * (TR__VLOG_C4 + w * (TR__VLOG_C5 + w * TR__VLOG_C6))))));
    p.hfsq = 0.5 * p.f * p.f;
    p.t = s * (p.hfsq + r);
    return p;
}

/* Natural logarithm. log(+0) = log(-0) = -inf, log(x < 0) = NaN, log(inf) = inf,
 * log(NaN) = NaN; subnormals are exact inputs like any other. */
TR__VINLINE double tr__vlog(double x)
{
    TR__VNOCONTRACT
    tr__vlog_parts p = tr__vlog_reduce(x);
    double y = p.k * TR__VLN2_HI + (p.f - (p.hfsq - (p.k * TR__VLN2_LO + p.t)));
    double special = x == 0.0 ? -INFINITY : (x < 0.0 ? NAN : x);
    return tr__vcanon(((x > 0.0) & (x < INFINITY)) ? y : special);
}

/* ---- Exponential ----------------------------------------------------------
 * Cody and Waite's reduction with the rational form of fdlibm's e_exp.c:
 * x = n ln 2 + r, |r| <= ln2 / 2, n = round(x / ln 2) by adding and
 * subtracting 1.5 * 2^52 (so nothing converts between double and int64);
 * r = (x_hi - n TR__VLN2_HI) - (n TR__VLN2_LO - x_lo), the first part exact.
 * With r coth(r / 2) = 2 + r^2 Q(r^2) (Q of degree 4, fitted on
 * |r| <= ln2 / 2 + 1e-3, error 6.5e-17) and c = r - r^2 Q(r^2),
 * exp(r) = 1 + r + r c / (2 - c). The result is scaled by 2^n as two normal
 * powers of two: the first product is exact and the second rounds once, so
 * overflow gives inf, and underflow a correctly rounded subnormal of the
 * computed exp(r), or 0. Error < 1 ulp. */
#define TR__VINV_LN2 0x1.71547652b82fep+0
#define TR__VSHIFT 0x1.8p52
#define TR__VEXP_C0 0x1.5555555555553p-3 /* Q(w) = C0 + C1 w + ... */
#define TR__VEXP_C1 -0x1.6c16c16c0a795p-9
#define TR__VEXP_C2 0x1.1566ab5a5efa8p-14
#define TR__VEXP_C3 -0x1.bbd52b8409776p-20
#define TR__VEXP_C4 0x1.63ee8772d9751p-25

/* exp(hi + lo) for |lo| <= 2^-12 |hi| or |lo| <= 2^-12: lo carries bits of
 * the argument below hi's last place, as when the argument is -t^2/2. */
TR__VINLINE double tr__vexp_hl(double hi, double lo)
{
    TR__VNOCONTRACT
    double x = hi + lo;
    /* Beyond [-746, 710] the result is 0 or inf; clamping keeps n in range. */
    double xc = x > 710.0 ? 710.0 : x;
    xc = xc < -746.0 ? -746.0 : xc;
    int in = x == xc; /* false for NaN, whose result is NaN anyway */
    hi = in ? hi : xc;
    lo = in ? lo : 0.0;
    double kd = xc * TR__VINV_LN2 + TR__VSHIFT;
    double n = kd - TR__VSHIFT;
    double rhi = hi - n * TR__VLN2_HI;
    double rlo = n * TR__VLN2_LO - lo;
    double r = rhi - rlo;
    double w = r * r;
    double c =
        r - w * (TR__VEXP_C0 +
                 w * (TR__VEXP_C1 + w * (TR__VEXP_C2 + w * (TR__VEXP_C3 + w * TR__VEXP_C4))));
    double y = 1.0 - ((rlo - (r * c) / (2.0 - c)) - rhi);
    /* n + 2046 from kd's low bits, split into e1 + e2 with both in [481, 1536]. */
    uint64_t m = tr__vbits(kd) - tr__vbits(TR__VSHIFT) + 2046u;
    uint64_t e1 = m >> 1, e2 = m - e1;
    return tr__vcanon(y * tr__vdouble(e1 << 52) * tr__vdouble(e2 << 52));
}

/* e^x: exp(-inf) = 0, exp(inf) = inf, exp(NaN) = NaN. */
TR__VINLINE double tr__vexp(double x)
{
    return tr__vexp_hl(x, 0.0);
}

/* ---- Power ----------------------------------------------------------------
 * x^y = exp(y log x) with log x = k ln2 + log(1 + f) kept in two parts: y k
 * TR__VLN2_HI is formed exactly (Dekker's product, Veltkamp's split), the rest
 * is y times a number below 0.35 + 2^-31 |k|, and the two are added exactly
 * (Knuth's two-sum) before tr__vexp_hl. The error grows with |y| because the
 * rounding of log(1 + f) is multiplied by y: under 1 + 0.7 |y| ulp (under 0.9
 * ulp for the engine's (1 + g)^(1/12)). For x >= 0 and any y; x < 0 gives
 * NaN, as does a NaN x or y (even 1^NaN, unlike C's pow). x^0 = 1, 1^y = 1,
 * 0^y = 0 (y > 0) or inf (y < 0), inf^y likewise. |y| is capped at 2^70,
 * where every x^y but 1^y is 0 or inf anyway. */
TR__VINLINE double tr__vpow(double x, double y)
{
    TR__VNOCONTRACT
    tr__vlog_parts p = tr__vlog_reduce(x);
    double yc = y > 0x1p70 ? 0x1p70 : (y < -0x1p70 ? -0x1p70 : y);
    double a = p.k * TR__VLN2_HI; /* exact */
    double l = p.k * TR__VLN2_LO + (p.f - (p.hfsq - p.t));
    /* ph + pl = yc a exactly. */
    double ph = yc * a;
    double cy = 134217729.0 * yc, ca = 134217729.0 * a; /* 2^27 + 1 */
    double yh = cy - (cy - yc), yl = yc - yh;
    double ah = ca - (ca - a), al = a - ah;
    double pl = ((yh * ah - ph) + yh * al + yl * ah) + yl * al;
    /* sh + sl = ph + yc l exactly. */
    double b = yc * l;
    double sh = ph + b;
    double bb = sh - ph;
    double sl = (ph - (sh - bb)) + (b - bb);
    double r = tr__vexp_hl(sh, sl + pl);
    /* Edges: x = 0 or inf, y = 0, x < 0 or NaN. */
    double big = y > 0.0 ? INFINITY : 0.0, small = y > 0.0 ? 0.0 : INFINITY;
    r = x == 0.0 ? small : r;
    r = x == INFINITY ? big : r;
    r = ((x < 0.0) | (x != x)) ? NAN : r;
    return tr__vcanon(y == 0.0 ? 1.0 : r);
}

/* ---- Normal quantile ------------------------------------------------------
 * Wichura's PPND16 (Algorithm AS 241, Applied Statistics 37, 1988; about
 * 1e-16 relative), evaluated exactly as tr__norm_inv in rng.c does it: a
 * rational function of degree 7/7 in 0.180625 - q^2 where |q| = |u - 1/2| <=
 * 0.425 (the central 85 % of uniforms), else one in r - 1.6 (r <= 5) or
 * r - 5, r = sqrt(-log(min(u, 1 - u))). The central formula is
 * tr__vnorm_inv_central, bit-identical to tr__norm_inv; the tails are
 * tr__vnorm_inv_tail, with tr__vlog for log and the two coefficient sets
 * selected per lane so that one rational is evaluated; they differ from
 * tr__norm_inv by a few ulp, through log. tr__vnorm_inv takes one or the
 * other (in a vectorised loop: computes both and selects). u = 0 gives
 * -inf, u = 1 inf, any other u outside (0, 1) NaN. */
TR__VINLINE int tr__vnorm_inv_is_central(double u)
{
    return tr__vabs(u - 0.5) <= 0.425;
}

TR__VINLINE double tr__vnorm_inv_central(double u)
{
    TR__VNOCONTRACT
    double q = u - 0.5, r = 0.180625 - q * q;
    double num = ((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                      6.7265770927008700853e+4) *
                         r +
                     4.5921953931549871457e+4) *
                        r +
                    1.3731693765509461125e+4) *
                       r +
                   1.9715909503065514427e+3) *
                      r +
                  1.3314166789178437745e+2) *
                     r +
                 3.3871328727963666080e0;
    double den = ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                      3.9307895800092710610e+4) *
                         r +
                     2.1213794301586595867e+4) *
                        r +
                    5.3941960214247511077e+3) *
                       r +
                   6.8718700749205790830e+2) *
                      r +
                  4.2313330701600911252e+1) *
                     r +
                 1.0;
    return q * num / den;
}

TR__VINLINE double tr__vnorm_inv_tail(double u)
{
    TR__VNOCONTRACT
    double q = u - 0.5;
    /* 1 - u is exact for u >= 1/2 (Sterbenz); rt is in (0, 1/2] inside (0, 1). */
    double rt = q < 0.0 ? u : 1.0 - u;
    double r = sqrt(-tr__vlog(rt));
    int far = r > 5.0;
    double v = r - (far ? 5.0 : 1.6);
#define TR__VAS241_COEF(name, near_value, far_value) double name = far ? (far_value) : (near_value)
    TR__VAS241_COEF(n0, 1.42343711074968357734e0, 6.65790464350110377720e0);
    TR__VAS241_COEF(n1, 4.63033784615654529590e0, 5.46378491116411436990e0);
    TR__VAS241_COEF(n2, 5.76949722146069140550e0, 1.78482653991729133580e0);
    TR__VAS241_COEF(n3, 3.64784832476320460504e0, 2.96560571828504891230e-1);
    TR__VAS241_COEF(n4, 1.27045825245236838258e0, 2.65321895265761230930e-2);
    TR__VAS241_COEF(n5, 2.41780725177450611770e-1, 1.24266094738807843860e-3);
    TR__VAS241_COEF(n6, 2.27238449892691845833e-2, 2.71155556874348757815e-5);
    TR__VAS241_COEF(n7, 7.74545014278341407640e-4, 2.01033439929228813265e-7);
    TR__VAS241_COEF(d1, 2.05319162663775882187e0, 5.99832206555887937690e-1);
    TR__VAS241_COEF(d2, 1.67638483018380384940e0, 1.36929880922735805310e-1);
    TR__VAS241_COEF(d3, 6.89767334985100004550e-1, 1.48753612908506148525e-2);
    TR__VAS241_COEF(d4, 1.48103976427480074590e-1, 7.86869131145613259100e-4);
    TR__VAS241_COEF(d5, 1.51986665636164571966e-2, 1.84631831751005468180e-5);
    TR__VAS241_COEF(d6, 5.47593808499534494600e-4, 1.42151175831644588870e-7);
    TR__VAS241_COEF(d7, 1.05075007164441684324e-9, 2.04426310338993978564e-15);
#undef TR__VAS241_COEF
    double num = ((((((n7 * v + n6) * v + n5) * v + n4) * v + n3) * v + n2) * v + n1) * v + n0;
    double den = ((((((d7 * v + d6) * v + d5) * v + d4) * v + d3) * v + d2) * v + d1) * v + 1.0;
    double z = (q < 0.0 ? -1.0 : 1.0) * num / den; /* = -(num / den) or num / den */
    double special = u == 0.0 ? -INFINITY : (u == 1.0 ? INFINITY : NAN);
    return ((u > 0.0) & (u < 1.0)) ? z : special;
}

TR__VINLINE double tr__vnorm_inv(double u)
{
    return tr__vnorm_inv_is_central(u) ? tr__vnorm_inv_central(u) : tr__vnorm_inv_tail(u);
}

/* z[i] = tr__vnorm_inv(u[i]) for i < n, the same bits, faster in a vectorised
 * build: a lane of a vector loop over tr__vnorm_inv pays for the tail's log,
 * sqrt and second rational whether it needs them or not, and 85 % of lanes do
 * not. So each chunk of 256 runs the central formula over every value, then
 * the tail formula over the tail values alone, copied to a short array
 * without a branch (the write position advances only past a tail value), and
 * puts those results back. The tail values are copied first, since z may be
 * u; otherwise u and z must not overlap. tr__vnorm_inv_n is this function,
 * multi-versioned. */
#define TR__VNORM_INV_CHUNK 256

TR__VINLINE void tr__vnorm_inv_block(const double *u, double *z, size_t n)
{
    double tail_u[TR__VNORM_INV_CHUNK], tail_z[TR__VNORM_INV_CHUNK];
    uint32_t tail_at[TR__VNORM_INV_CHUNK];
    for (size_t start = 0; start < n; start += TR__VNORM_INV_CHUNK) {
        const double *cu = u + start;
        double *cz = z + start;
        size_t m = n - start < TR__VNORM_INV_CHUNK ? n - start : TR__VNORM_INV_CHUNK, k = 0;
        for (size_t i = 0; i < m; i++) {
            tail_u[k] = cu[i];
            tail_at[k] = (uint32_t)i;
            k += !tr__vnorm_inv_is_central(cu[i]);
        }
        for (size_t i = 0; i < m; i++)
            cz[i] = tr__vnorm_inv_central(cu[i]);
        for (size_t j = 0; j < k; j++)
            tail_z[j] = tr__vnorm_inv_tail(tail_u[j]);
        for (size_t j = 0; j < k; j++)
            cz[tail_at[j]] = tail_z[j];
    }
}

/* ---- Normal distribution function -----------------------------------------
 * Phi(-t) = exp(-t^2 / 2) M(t) for t >= 0, M(t) being Mills' ratio over
 * sqrt(2 pi). In the variable w = (t - 4) / (t + 4), as in Schonfelder's
 * expansions ("Chebyshev expansions for the error and related functions",
 * Math. Comp. 32, 1978), F(w) = M(t) (t + 4) is smooth and bounded (2 at
 * t = 0, 0.44 at t = 40) and a polynomial of degree 23 fits it on the whole
 * of [0, 40] to 3e-17, so one formula without a branch serves every t:
 * Phi(-t) = exp(-t^2 / 2) F(w) d with d = 1 / (t + 4), one division. The
 * exponent goes to tr__vexp_hl in two parts, t cut to 26 bits and squared
 * exactly, plus the rest: rounding t^2 / 2 alone would cost up to
 * 40^2 / 2 * 1.1e-16 = 9e-14 relative. For x > 0, Phi(x) = 1 - Phi(-x).
 * Error: under 6e-16 relative (5 ulp) for x >= -37.5; below that Phi(x) is
 * subnormal and the error under 2 units of 2^-1074; Phi(x) = 0 for
 * x < -38.5, 1 for x > 8.3, and Phi(0) = 1/2. */
#define TR__VCDF_C0 0x1.82b4bb8c94dcep-1 /* F(w) = C0 + C1 w + ... */
#define TR__VCDF_C1 -0x1.373e3a893c28ap-1
#define TR__VCDF_C2 0x1.8c6dbf2cfc2b0p-2
#define TR__VCDF_C3 -0x1.7dff2bff6838bp-3
#define TR__VCDF_C4 0x1.eec4cc3e4d9a5p-5
#define TR__VCDF_C5 -0x1.ee27610483591p-8
#define TR__VCDF_C6 -0x1.c81719d5ea813p-9
#define TR__VCDF_C7 0x1.ab825fc1ffd8ep-10
#define TR__VCDF_C8 0x1.17a4aea626517p-13
#define TR__VCDF_C9 -0x1.e4a425ad3ba77p-13
#define TR__VCDF_C10 -0x1.001f1a6d94fe4p-19
#define TR__VCDF_C11 0x1.26d09d521e453p-15
#define TR__VCDF_C12 0x1.80bf536428c53p-21
#define TR__VCDF_C13 -0x1.8d4b4e97bf0bep-18
#define TR__VCDF_C14 -0x1.520a42779a74fp-21
#define TR__VCDF_C15 0x1.1235933bb282ap-20
#define TR__VCDF_C16 0x1.23c32f22b71d2p-22
#define TR__VCDF_C17 -0x1.4cb3c43122588p-23
#define TR__VCDF_C18 -0x1.6e795e4669094p-24
#define TR__VCDF_C19 0x1.c7ea4618c5054p-27
#define TR__VCDF_C20 0x1.503ef432d187cp-26
#define TR__VCDF_C21 0x1.06f4516bbb616p-29
#define TR__VCDF_C22 -0x1.59037422d36b6p-29
#define TR__VCDF_C23 -0x1.8d587b432f065p-31

TR__VINLINE double tr__vnorm_cdf(double x)
{
    TR__VNOCONTRACT
    double t = tr__vabs(x);
    t = t > 40.0 ? 40.0 : t; /* NaN stays NaN */
    double d = 1.0 / (t + 4.0);
    double w = (t - 4.0) * d;
    double f = TR__VCDF_C23;
    f = f * w + TR__VCDF_C22;
    f = f * w + TR__VCDF_C21;
    f = f * w + TR__VCDF_C20;
    f = f * w + TR__VCDF_C19;
    f = f * w + TR__VCDF_C18;
    f = f * w + TR__VCDF_C17;
    f = f * w + TR__VCDF_C16;
    f = f * w + TR__VCDF_C15;
    f = f * w + TR__VCDF_C14;
    f = f * w + TR__VCDF_C13;
    f = f * w + TR__VCDF_C12;
    f = f * w + TR__VCDF_C11;
    f = f * w + TR__VCDF_C10;
    f = f * w + TR__VCDF_C9;
    f = f * w + TR__VCDF_C8;
    f = f * w + TR__VCDF_C7;
    f = f * w + TR__VCDF_C6;
    f = f * w + TR__VCDF_C5;
    f = f * w + TR__VCDF_C4;
    f = f * w + TR__VCDF_C3;
    f = f * w + TR__VCDF_C2;
    f = f * w + TR__VCDF_C1;
    f = f * w + TR__VCDF_C0;
    /* t^2 = th^2 + tl (t + th), th^2 exact. */
    double th = tr__vdouble(tr__vbits(t) & UINT64_C(0xfffffffff8000000));
    double tl = t - th;
    double e = tr__vexp_hl(-0.5 * (th * th), -0.5 * (tl * (t + th)));
    double tail = e * (f * d);
    return tr__vcanon(x < 0.0 ? tail : 1.0 - tail);
}

/* ---- Histogram bucket -----------------------------------------------------
 * The layout of stats.c's tr__hist (3343 buckets): 0 for x <= -1e7, then
 * 1620 buckets growing by 1.01 down to -1, 50 of width 0.02 in (-1, 0), 0
 * itself, the mirror image for x > 0, and 3342 for x >= 1e7 and NaN. In the
 * log part the bucket of |x| is the j with B_j <= |x| < B_{j+1}, B_j the
 * smallest double >= 1.01^j (tr__vhist_bound, exact rational arithmetic), so
 * j = floor(log_1.01 |x|) exactly for real numbers, independently of any
 * log's rounding. j is found without log: a cubic in the significand gives
 * log2 |x| within 8.3e-4, so the estimate y = (exponent + cubic) * log_1.01(2)
 * is within 0.06 of log_1.01 |x|; floor(y) = c is then j - 1, j or j + 1, and
 * two comparisons with B_c and B_{c+1} settle it. The linear part is
 * stats.c's: floor(|x| * 50), at most 49. */
#define TR__VHIST_NLOG 1620
#define TR__VHIST_NLIN 50
#define TR__VHIST_NEG_OVER 0
#define TR__VHIST_NEG_LOG 1
#define TR__VHIST_NEG_LIN (TR__VHIST_NEG_LOG + TR__VHIST_NLOG)
#define TR__VHIST_ZERO (TR__VHIST_NEG_LIN + TR__VHIST_NLIN)
#define TR__VHIST_POS_LIN (TR__VHIST_ZERO + 1)
#define TR__VHIST_POS_LOG (TR__VHIST_POS_LIN + TR__VHIST_NLIN)
#define TR__VHIST_POS_OVER (TR__VHIST_POS_LOG + TR__VHIST_NLOG)
#define TR__VHIST_NBUCKETS (TR__VHIST_POS_OVER + 1)
#define TR__VHIST_MAX 1e7

#define TR__VHIST_C0 -0x1.11700d64cece9p+1 /* log2(m) ~ C0 + C1 m + ..., m in [1, 2) */
#define TR__VHIST_C1 0x1.816dc2e866067p+1
#define TR__VHIST_C2 -0x1.06dcafb8a5e7bp+0
#define TR__VHIST_C3 0x1.38baed4a5ca66p-3
#define TR__VHIST_PER_OCTAVE 0x1.16a492f827468p+6 /* ln 2 / ln 1.01 */

/* B_j = the smallest double >= 1.01^j, j = 0..1620. It is defined in
 * vmath_bounds.c, out of sight of the code that uses it: where GCC 12 can see
 * the values it specialises the clamped ends of the index and then fails to
 * vectorise the loop. */
extern const double tr__vhist_bound[TR__VHIST_NLOG + 1];

TR__VINLINE uint32_t tr__vhist_index(double x)
{
    TR__VNOCONTRACT
    /* int64_t throughout: GCC 12 vectorises the table loads (gathers) only
     * with 64-bit indices when the rest of the loop is in doubles. */
    double a = tr__vabs(x);
    double lin = a * 50.0;
    int64_t jl = (int32_t)(lin < 49.0 ? lin : 49.0);
    uint64_t b = tr__vbits(a);
    double e = tr__vdouble(UINT64_C(0x4330000000000000) | (b >> 52)) - 0x1.00000000003ffp52;
    double m = tr__vdouble((b & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000));
    double y = (e + (TR__VHIST_C0 + m * (TR__VHIST_C1 + m * (TR__VHIST_C2 + m * TR__VHIST_C3)))) *
               TR__VHIST_PER_OCTAVE;
    y = y > 0.0 ? y : 0.0; /* also NaN; only |x| in [1, 1e7) uses jg */
    y = y < TR__VHIST_NLOG - 1.0 ? y : TR__VHIST_NLOG - 1.0;
    int64_t c = (int32_t)y;
    int64_t jg = c - 1 + (a >= tr__vhist_bound[c]) + (a >= tr__vhist_bound[c + 1]);
    int lo = a < 1.0;
    int64_t j = lo ? jl : jg;
    int64_t top = lo ? TR__VHIST_NLIN - 1 : TR__VHIST_NLOG - 1;
    int64_t pos = lo ? TR__VHIST_POS_LIN : TR__VHIST_POS_LOG;
    int64_t neg = lo ? TR__VHIST_NEG_LIN : TR__VHIST_NEG_LOG;
    int64_t i = x > 0.0 ? pos + j : neg + (top - j);
    i = a < TR__VHIST_MAX ? i : (x < 0.0 ? TR__VHIST_NEG_OVER : TR__VHIST_POS_OVER);
    i = a == 0.0 ? TR__VHIST_ZERO : i;
    return (uint32_t)i;
}

/* ---- Batch forms ----------------------------------------------------------
 * out[i] = f(in[i]) for i < n, bit-identical to the scalar functions above at
 * any vector width; in and out may be the same array but must not otherwise
 * overlap. vmath.c compiles them vectorised, and with GCC on x86-64 Linux for
 * AVX2 and AVX-512 too, picking the widest the CPU has at load time.
 * tr__vnorm_inv_n is tr__vnorm_inv_block. */
void tr__vlog_n(const double *x, double *y, size_t n);
void tr__vexp_n(const double *x, double *y, size_t n);
void tr__vnorm_inv_n(const double *u, double *z, size_t n);
void tr__vnorm_cdf_n(const double *x, double *p, size_t n);
void tr__vhist_index_n(const double *x, uint32_t *idx, size_t n);

#endif /* TR_VMATH_H */
