/*
 * test_pin_stats.c - corners of the exact sums (engine/stats.c) that the
 * tests in test_stats.c do not reach (found by mutation testing,
 * tests/mutation/):
 *   - merging must carry through a limb that the carry-in wraps to zero;
 *   - an addend exactly 64 bits below the resolution (2^-140 <= |x| <
 *     2^-139) truncates to nothing, like every smaller one;
 *   - rounding to a double must see bits in the limb below the top one when
 *     the top limb is full (its bit 63 set), so an apparent tie rounds up.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "stats.h"

Test(pin_stats, merge_carries_through_a_wrapped_limb)
{
    /* 1 - 2^-128 (limbs 0 and 1 all ones) plus 2^-128: the carry out of
     * limb 0 makes limb 1 wrap to zero and must reach limb 2 (the units). */
    tr__xsum a, b, ref;
    tr__xsum_zero(&a);
    tr__xsum_add(&a, 1.0);
    tr__xsum_add(&a, -0x1p-128);
    cr_assert_eq(a.limb[0], UINT64_MAX);
    cr_assert_eq(a.limb[1], UINT64_MAX);
    tr__xsum_zero(&b);
    tr__xsum_add(&b, 0x1p-128);
    tr__xsum_merge(&a, &b);
    tr__xsum_zero(&ref);
    tr__xsum_add(&ref, 1.0);
    cr_expect_eq(memcmp(a.limb, ref.limb, sizeof a.limb), 0);
    cr_expect_eq(tr__xsum_value(&a), 1.0);

    /* and the same from the other side: -1 + 2^-128 merged with -2^-128 */
    tr__xsum_zero(&a);
    tr__xsum_add(&a, -1.0);
    tr__xsum_add(&a, 0x1p-128);
    tr__xsum_zero(&b);
    tr__xsum_add(&b, -0x1p-128);
    tr__xsum_merge(&a, &b);
    cr_expect_eq(tr__xsum_value(&a), -1.0);
}

Test(pin_stats, addend_64_bits_below_the_resolution_truncates_to_zero)
{
    const double xs[] = {0x1p-140, 0x1.8p-140, 0x1.fffffffffffffp-140, -0x1.8p-140};
    for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
        tr__xsum s;
        tr__xsum_zero(&s);
        tr__xsum_add(&s, xs[k]);
        cr_expect_eq(tr__xsum_value(&s), 0.0, "%a must add nothing", xs[k]);
        tr__xsum_add(&s, 1.0);
        tr__xsum_add(&s, xs[k]);
        cr_expect_eq(tr__xsum_value(&s), 1.0, "1 + %a", xs[k]);
    }
}

Test(pin_stats, rounding_sees_the_next_limb_when_the_top_limb_is_full)
{
    /* 2^63 + 2^10 is a tie between 2^63 and 2^63 + 2^11 (the top limb holds
     * 2^0 .. 2^63, so its bit 63 is set); the 2^-1 in the limb below breaks
     * the tie upwards. Without it, the tie goes to even (2^63). */
    const double sign[2] = {1.0, -1.0};
    for (int k = 0; k < 2; k++) {
        tr__xsum s;
        tr__xsum_zero(&s);
        tr__xsum_add(&s, sign[k] * 0x1p63);
        tr__xsum_add(&s, sign[k] * 0x1p10);
        cr_expect_eq(tr__xsum_value(&s), sign[k] * 0x1p63, "an exact tie goes to even");
        tr__xsum_add(&s, sign[k] * 0.5);
        cr_expect_eq(tr__xsum_value(&s), sign[k] * (0x1p63 + 0x1p11), "above the tie: away");
        /* the same with the extra bit further down (a limb below the next) */
        tr__xsum_zero(&s);
        tr__xsum_add(&s, sign[k] * 0x1p63);
        tr__xsum_add(&s, sign[k] * 0x1p10);
        tr__xsum_add(&s, sign[k] * 0x1p-100);
        cr_expect_eq(tr__xsum_value(&s), sign[k] * (0x1p63 + 0x1p11));
    }
}
