/*
 * rng.c - addressed random numbers and the standard normal.
 *
 * The addressing of rng.h on top of philox.h: an owner's address, and the
 * counter of an element's draw on a path (a pure function, so any draw can
 * be made by any thread in any order and every path can be replayed alone,
 * docs/model.md section 2).
 *
 * tr__norm_inv is Wichura's PPND16 (Algorithm AS 241, Applied Statistics 37,
 * 1988, about 1e-16 relative): three rational approximations, no library
 * calls but one log and one sqrt in the tails. tr__norm_cdf uses libm's erfc
 * and corrects, to first order, the rounding of its argument x / sqrt(2):
 * without the correction that rounding alone costs about x^2 * 1.1e-16
 * relative in the lower tail (7e-15 at x = -8, 1.5e-13 at x = -37).
 * Nothing here has state; everything is safe to call from any thread.
 */
#include "rng.h"

#include <math.h>

#include "philox.h"

/* SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t tr__rng_owner(uint32_t tag, uint64_t a, uint64_t b)
{
    uint64_t x = mix64(a ^ (UINT64_C(0x9e3779b97f4a7c15) * ((uint64_t)tag + 1)));
    return mix64(x ^ b ^ UINT64_C(0x632be59bd9b4e019));
}

/* The counter word that says which element, and how wide its draws are. */
#define EVENT_BIT UINT32_C(0x40000000)

static tr__philox_ctr counter(uint64_t owner, uint32_t element, uint64_t c0, int event)
{
    tr__philox_ctr c = {(uint32_t)c0, element | (event ? EVENT_BIT : 0), (uint32_t)owner,
                        (uint32_t)(owner >> 32)};
    return c;
}

double tr__rng_u64(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p)
{
    uint32_t w[4];
    tr__philox_one(counter(owner, element, p >> 1, 0), key.k0, key.k1, w);
    size_t h = 2 * (size_t)(p & 1);
    return tr__u01(((uint64_t)w[h] << 32) | w[h + 1]);
}

double tr__rng_u32(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p)
{
    uint32_t w[4];
    tr__philox_one(counter(owner, element, p >> 2, 1), key.k0, key.k1, w);
    return tr__u01_32(w[p & 3]);
}

void tr__rng_u64_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u)
{
    if (n == 0) return;
    uint32_t w[4 * (TR__RNG_LANES / 2 + 1)];
    uint64_t b0 = p0 >> 1, nb = ((p0 + n - 1) >> 1) - b0 + 1;
    tr__philox_lanes(counter(owner, element, b0, 0), key.k0, key.k1, (size_t)nb, w);
    const uint32_t *x = w + 2 * (size_t)(p0 & 1); /* path p0's two words */
    for (size_t k = 0; k < n; k++)
        u[k] = tr__u01(((uint64_t)x[2 * k] << 32) | x[2 * k + 1]);
}

void tr__rng_u32_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u)
{
    if (n == 0) return;
    uint32_t w[4 * (TR__RNG_LANES / 4 + 1)];
    uint64_t b0 = p0 >> 2, nb = ((p0 + n - 1) >> 2) - b0 + 1;
    tr__philox_lanes(counter(owner, element, b0, 1), key.k0, key.k1, (size_t)nb, w);
    const uint32_t *x = w + (size_t)(p0 & 3);
    for (size_t k = 0; k < n; k++)
        u[k] = tr__u01_32(x[k]);
}

/* AS 241 (PPND16) coefficients, Wichura 1988. */
static const double as241_a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double as241_b[8] = {1.0,
                                  4.2313330701600911252e+1,
                                  6.8718700749205790830e+2,
                                  5.3941960214247511077e+3,
                                  2.1213794301586595867e+4,
                                  3.9307895800092710610e+4,
                                  2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
static const double as241_c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                  5.76949722146069140550e0,  3.64784832476320460504e0,
                                  1.27045825245236838258e0,  2.41780725177450611770e-1,
                                  2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double as241_d[8] = {1.0,
                                  2.05319162663775882187e0,
                                  1.67638483018380384940e0,
                                  6.89767334985100004550e-1,
                                  1.48103976427480074590e-1,
                                  1.51986665636164571966e-2,
                                  5.47593808499534494600e-4,
                                  1.05075007164441684324e-9};
static const double as241_e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                  1.78482653991729133580e0,  2.96560571828504891230e-1,
                                  2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                  2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double as241_f[8] = {1.0,
                                  5.99832206555887937690e-1,
                                  1.36929880922735805310e-1,
                                  1.48753612908506148525e-2,
                                  7.86869131145613259100e-4,
                                  1.84631831751005468180e-5,
                                  1.42151175831644588870e-7,
                                  2.04426310338993978564e-15};

static inline double poly7(const double *c, double r)
{
    return ((((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r + c[1]) * r +
           c[0];
}

double tr__norm_inv(double u)
{
    double q = u - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * poly7(as241_a, r) / poly7(as241_b, r);
    }
    /* 1 - u is exact for u >= 0.5 (Sterbenz), so the upper tail keeps full precision. */
    double r = q < 0.0 ? u : 1.0 - u;
    if (!(r > 0.0)) /* u outside (0, 1) or NaN */
        return r == 0.0 ? (q < 0.0 ? -INFINITY : INFINITY) : NAN;
    r = sqrt(-log(r));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        x = poly7(as241_c, r) / poly7(as241_d, r);
    } else {
        r -= 5.0;
        x = poly7(as241_e, r) / poly7(as241_f, r);
    }
    return q < 0.0 ? -x : x;
}

/* sqrt(1/2) = TR_SQRT1_2_HI + TR_SQRT1_2_LO to about 1e-33. */
#define TR_SQRT1_2_HI 0.70710678118654757273731092936941
#define TR_SQRT1_2_LO (-4.833646656726457e-17)
#define TR_2_SQRTPI 1.1283791670955126

double tr__norm_cdf(double x)
{
    /* Phi(x) = erfc(z) / 2 with z = -x / sqrt(2). The rounded z differs from
     * the true one by dz (recovered with an fma); erfc'(z) = -2/sqrt(pi)
     * exp(-z^2), so erfc(z + dz) = erfc(z) - dz 2/sqrt(pi) exp(-z^2) to
     * second order. Only worth it where erfc's relative slope 2z is large. */
    double z = -x * TR_SQRT1_2_HI;
    double e = erfc(z);
    if (z > 0.5 && e > 0.0) {
        double dz = fma(-x, TR_SQRT1_2_HI, -z) - x * TR_SQRT1_2_LO;
        e -= dz * TR_2_SQRTPI * exp(-z * z);
    }
    return 0.5 * e;
}
