//! WAD fixed-point arithmetic on `u128` and `i128`: the narrow twin of [`crate::math::fixed`]
//! for code that must stay small on wasm32, where every 256-bit operation is written out inline
//! (about a hundred bytes each) while a 128-bit one is a few instructions.
//!
//! The rounding rules are [`crate::math::fixed`]'s (unsigned `Down` toward zero, `Up` away from
//! zero; signed `Down` floor, `Up` ceiling), and so are the results: for operands and results
//! that fit 128 bits (signed: `i128`), every function here returns exactly what its `U256` /
//! `I256` twin returns (the property tests below check it). What does not fit is
//! [`CoreError::Overflow`], never a wrapped value.
//!
//! Products are formed on 256 bits ([`mul_wide`]) and divided by one routine ([`div_wide`]), so
//! `a * b / c` only fails when the quotient itself does not fit 128 bits.

use crate::math::fixed::Rounding;
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// One in WAD (1e18).
pub const WAD: u128 = 1_000_000_000_000_000_000;
/// One in signed WAD.
pub const WAD_SIGNED: i128 = WAD as i128;

/// The full 128-bit product of two `u64`, as (high, low) halves, from 32-bit halves: on wasm32
/// a `u128` product is a call into compiler-rt that passes its operands through memory, while
/// these are four native 64-bit multiplications.
#[inline(always)]
const fn mul64(x: u64, y: u64) -> (u64, u64) {
    const LOW: u64 = 0xFFFF_FFFF;
    let (x0, x1) = (x & LOW, x >> 32);
    let (y0, y1) = (y & LOW, y >> 32);
    let p00 = x0 * y0;
    let p01 = x0 * y1;
    let p10 = x1 * y0;
    let p11 = x1 * y1;
    // Each term is below 2^32, so the sum is below 2^34.
    let mid = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    (
        (p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)),
        (p00 & LOW) | (mid << 32),
    )
}

/// The full 256-bit product of two `u128`, as (high, low) halves (64-bit arithmetic only).
/// One copy, called: see [`mul_wide_inline`] for the hot loops.
#[must_use]
#[inline(never)]
pub const fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    mul_wide_inline(a, b)
}

/// [`mul_wide`], inlined where it is called (the Q96 products of Black-76's series and
/// polynomials, where a call would cost about as much as the product).
#[must_use]
#[inline(always)]
pub const fn mul_wide_inline(a: u128, b: u128) -> (u128, u128) {
    let (a0, a1) = (a as u64, (a >> 64) as u64);
    let (b0, b1) = (b as u64, (b >> 64) as u64);
    let (h00, l00) = mul64(a0, b0);
    let (h01, l01) = mul64(a0, b1);
    let (h10, l10) = mul64(a1, b0);
    let (h11, l11) = mul64(a1, b1);
    // Digits of 64 bits: w0 = l00, w1 = h00 + l01 + l10, w2 = h01 + h10 + l11 + carry,
    // w3 = h11 + carry (the product is below 2^256, so w3 never overflows).
    let (w1, c1) = h00.overflowing_add(l01);
    let (w1, c2) = w1.overflowing_add(l10);
    let (w2, c3) = h01.overflowing_add(h10);
    let (w2, c4) = w2.overflowing_add(l11);
    let (w2, c5) = w2.overflowing_add(c1 as u64 + c2 as u64);
    let w3 = h11 + c3 as u64 + c4 as u64 + c5 as u64;
    (
        ((w3 as u128) << 64) | w2 as u128,
        ((w1 as u128) << 64) | l00 as u128,
    )
}

/// Quotient and remainder of the 256-bit `hi * 2^128 + lo` by `d`.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `d == 0`; [`CoreError::Overflow`] if the quotient does not
/// fit 128 bits (`hi >= d`).
#[inline(never)]
pub fn div_wide(hi: u128, lo: u128, d: u128) -> Result<(u128, u128), CoreError> {
    if d == 0 {
        return Err(CoreError::DivisionByZero);
    }
    if hi >= d {
        return Err(CoreError::Overflow);
    }
    let shift = d.leading_zeros();
    let (mut r, mut n, mut q) = (hi, lo, 0u128);
    if shift == 0 {
        // d >= 2^127: restoring division one bit at a time, the remainder a 129-bit value
        // while shifted (its top bit in `carry`).
        for _ in 0..128 {
            let carry = r >> 127;
            r = (r << 1) | (n >> 127);
            n <<= 1;
            q <<= 1;
            if carry != 0 || r >= d {
                r = r.wrapping_sub(d);
                q |= 1;
            }
        }
        return Ok((q, r));
    }
    // Long division by chunks of `shift` bits of the low half: r < d < 2^(128 - shift), so
    // r 2^shift plus the next chunk fits 128 bits and its quotient by d fits the chunk. A
    // divisor below 2^64 takes two steps, a Black-76 `s` (about 2^95) four or five.
    let mut left = 128;
    while left > 0 {
        let k = shift.min(left);
        r = (r << k) | (n >> (128 - k));
        n <<= k;
        let t = r / d;
        r -= t * d;
        q = (q << k) | t;
        left -= k;
    }
    Ok((q, r))
}

/// `a * b / c` on a 256-bit intermediate, rounded by `rounding`.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `c == 0`; [`CoreError::Overflow`] if the result does not
/// fit `u128`.
#[inline(never)]
pub fn mul_div(a: u128, b: u128, c: u128, rounding: Rounding) -> Result<u128, CoreError> {
    let (hi, lo) = mul_wide(a, b);
    let (q, r) = div_wide(hi, lo, c)?;
    if rounding == Rounding::Up && r != 0 {
        return q.checked_add(1).ok_or(CoreError::Overflow);
    }
    Ok(q)
}

/// `a * b` in WAD, rounded toward zero.
///
/// # Errors
/// [`CoreError::Overflow`] if the result does not fit `u128`.
pub fn mul_down(a: u128, b: u128) -> Result<u128, CoreError> {
    mul_div(a, b, WAD, Rounding::Down)
}

/// `a * b` in WAD, rounded away from zero.
///
/// # Errors
/// [`CoreError::Overflow`] if the result does not fit `u128`.
pub fn mul_up(a: u128, b: u128) -> Result<u128, CoreError> {
    mul_div(a, b, WAD, Rounding::Up)
}

/// Signed `a * b / c` on a 256-bit intermediate, rounded by `rounding` (`Down` = floor, `Up` =
/// ceiling).
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `c == 0`; [`CoreError::Overflow`] if the result does not
/// fit `i128`.
#[inline(never)]
pub fn mul_div_signed(a: i128, b: i128, c: i128, rounding: Rounding) -> Result<i128, CoreError> {
    let negative = (a < 0) ^ (b < 0) ^ (c < 0);
    // Floor of a negative quotient and ceiling of a positive one both round the magnitude up.
    let magnitude_rounding = if negative { rounding.flip() } else { rounding };
    let m = mul_div(
        a.unsigned_abs(),
        b.unsigned_abs(),
        c.unsigned_abs(),
        magnitude_rounding,
    )?;
    if negative {
        // -2^127 is the one negative value whose magnitude is not an i128.
        0i128.checked_sub_unsigned(m).ok_or(CoreError::Overflow)
    } else {
        signed(m)
    }
}

/// Signed WAD product `a * b`, rounded by `rounding` (`Down` = floor, `Up` = ceiling).
///
/// # Errors
/// [`CoreError::Overflow`] if the result does not fit `i128`.
pub fn mul_signed(a: i128, b: i128, rounding: Rounding) -> Result<i128, CoreError> {
    mul_div_signed(a, b, WAD_SIGNED, rounding)
}

/// Checked `a + b`.
///
/// # Errors
/// [`CoreError::Overflow`] if the sum does not fit `u128`.
pub fn add(a: u128, b: u128) -> Result<u128, CoreError> {
    a.checked_add(b).ok_or(CoreError::Overflow)
}

/// Checked signed `a + b`.
///
/// # Errors
/// [`CoreError::Overflow`] if the sum does not fit `i128`.
pub fn add_signed(a: i128, b: i128) -> Result<i128, CoreError> {
    a.checked_add(b).ok_or(CoreError::Overflow)
}

/// `u128` to `i128`.
///
/// # Errors
/// [`CoreError::Overflow`] if `x > i128::MAX`.
pub fn signed(x: u128) -> Result<i128, CoreError> {
    i128::try_from(x).map_err(|_| CoreError::Overflow)
}

/// `U256` to `u128`.
///
/// # Errors
/// [`CoreError::Overflow`] if `x >= 2^128`.
#[inline(never)]
pub fn narrow(x: U256) -> Result<u128, CoreError> {
    let l = x.as_limbs();
    if l[2] | l[3] != 0 {
        return Err(CoreError::Overflow);
    }
    Ok(u128::from(l[0]) | (u128::from(l[1]) << 64))
}

/// `I256` to `i128`.
///
/// # Errors
/// [`CoreError::Overflow`] if `x` does not fit `i128`.
#[inline(never)]
pub fn narrow_signed(x: I256) -> Result<i128, CoreError> {
    let l = x.into_raw();
    let l = l.as_limbs();
    let v = (u128::from(l[0]) | (u128::from(l[1]) << 64)) as i128;
    // The high limbs must be the sign extension of the low half.
    let ext = if v < 0 { u64::MAX } else { 0 };
    if l[2] != ext || l[3] != ext {
        return Err(CoreError::Overflow);
    }
    Ok(v)
}

/// `u128` to `U256`.
#[must_use]
pub const fn widen(x: u128) -> U256 {
    crate::math::fixed::u256(x)
}

/// `i128` to `I256`.
#[must_use]
pub fn widen_signed(x: i128) -> I256 {
    let ext = if x < 0 { u64::MAX } else { 0 };
    let u = x as u128;
    I256::from_raw(U256::from_limbs([u as u64, (u >> 64) as u64, ext, ext]))
}

/// Ceiling square root of the 256-bit `hi * 2^128 + lo`: the smallest `r` with `r * r >= n`
/// (Newton's iteration from an over-estimate, as [`crate::math::fixed::sqrt_up`]).
///
/// # Errors
/// [`CoreError::Overflow`] if `n > (2^128 - 1)^2` (the root does not fit `u128`), or for an
/// `n` within `2^129` of that bound, where the first Newton step's quotient does not fit.
#[inline(never)]
pub fn sqrt_up_wide(hi: u128, lo: u128) -> Result<u128, CoreError> {
    if hi == 0 && lo == 0 {
        return Ok(0);
    }
    let bits = if hi == 0 {
        128 - lo.leading_zeros()
    } else {
        256 - hi.leading_zeros()
    };
    let half = bits.div_ceil(2);
    let mut r = if half >= 128 {
        u128::MAX
    } else {
        1u128 << half
    };
    loop {
        // From an over-estimate r >= sqrt(n), n / r <= sqrt(n) fits and the iteration decreases
        // to the floor root.
        let q = div_wide(hi, lo, r)?.0;
        let y = (r >> 1) + (q >> 1) + (r & q & 1);
        if y >= r {
            break;
        }
        r = y;
    }
    let (h, l) = mul_wide(r, r);
    if h < hi || (h == hi && l < lo) {
        return r.checked_add(1).ok_or(CoreError::Overflow);
    }
    Ok(r)
}

/// Square root of a WAD value as WAD, rounded up: `ceil(sqrt(x * 1e18))`.
///
/// # Errors
/// Never for an `x` below `2^128` in practice (the root is below `2^94`); the signature carries
/// [`sqrt_up_wide`]'s.
pub fn wad_sqrt_up(x: u128) -> Result<u128, CoreError> {
    let (hi, lo) = mul_wide(x, WAD);
    sqrt_up_wide(hi, lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed as f;
    use proptest::prelude::*;

    fn any_u128() -> impl Strategy<Value = u128> {
        prop_oneof![
            any::<u128>(),
            any::<u64>().prop_map(u128::from),
            (any::<u128>(), 0u32..128).prop_map(|(x, s)| x >> s),
            Just(0u128),
            Just(1u128),
            Just(u128::MAX),
            Just(WAD),
        ]
    }

    fn any_i128() -> impl Strategy<Value = i128> {
        prop_oneof![
            any::<i128>(),
            (any::<i128>(), 0u32..127).prop_map(|(x, s)| x >> s),
            Just(0i128),
            Just(-1i128),
            Just(i128::MIN),
            Just(i128::MAX),
        ]
    }

    fn rounding() -> impl Strategy<Value = Rounding> {
        prop_oneof![Just(Rounding::Down), Just(Rounding::Up)]
    }

    /// The `u128` answer of a `U256` result: equal when it fits, `Overflow` when it does not.
    fn expect_u(r: Result<U256, CoreError>) -> Result<u128, CoreError> {
        r.and_then(narrow)
    }

    fn expect_i(r: Result<I256, CoreError>) -> Result<i128, CoreError> {
        r.and_then(narrow_signed)
    }

    #[test]
    fn examples() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(div_wide(1, 0, 2), Ok((1 << 127, 0)));
        assert_eq!(div_wide(2, 0, 2), Err(CoreError::Overflow));
        assert_eq!(div_wide(0, 5, 0), Err(CoreError::DivisionByZero));
        assert_eq!(mul_div(u128::MAX, 2, 2, Rounding::Up), Ok(u128::MAX));
        assert_eq!(
            mul_div(u128::MAX, u128::MAX, u128::MAX - 1, Rounding::Up),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            mul_div_signed(i128::MIN, 1, 1, Rounding::Down),
            Ok(i128::MIN)
        );
        assert_eq!(
            mul_div_signed(i128::MIN, -1, 1, Rounding::Down),
            Err(CoreError::Overflow)
        );
        assert_eq!(mul_signed(-3, 1, Rounding::Down), Ok(-1));
        assert_eq!(mul_signed(-3, 1, Rounding::Up), Ok(0));
        assert_eq!(sqrt_up_wide(0, 0), Ok(0));
        assert_eq!(sqrt_up_wide(0, 1), Ok(1));
        assert_eq!(sqrt_up_wide(0, 2), Ok(2));
        assert_eq!(sqrt_up_wide(1, 0), Ok(1 << 64));
        assert_eq!(sqrt_up_wide(1, 1), Ok((1 << 64) + 1));
        let (h, l) = mul_wide(u128::MAX - 5, u128::MAX - 5);
        assert_eq!(sqrt_up_wide(h, l), Ok(u128::MAX - 5));
        assert_eq!(
            narrow(U256::from(1u8) << 128usize),
            Err(CoreError::Overflow)
        );
        assert_eq!(narrow_signed(widen_signed(i128::MIN)), Ok(i128::MIN));
        assert_eq!(
            narrow_signed(widen_signed(i128::MIN) - I256::ONE),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            narrow_signed(I256::from_raw(U256::from(1u8) << 127usize)),
            Err(CoreError::Overflow)
        );
        assert_eq!(widen_signed(-5), I256::try_from(-5).unwrap());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn mul_div_matches_u256(a in any_u128(), b in any_u128(), c in any_u128(), r in rounding()) {
            prop_assert_eq!(
                mul_div(a, b, c, r),
                expect_u(f::mul_div(widen(a), widen(b), widen(c), r))
            );
        }

        #[test]
        fn wad_products_match_u256(a in any_u128(), b in any_u128()) {
            prop_assert_eq!(mul_up(a, b), expect_u(f::mul_up(widen(a), widen(b))));
            prop_assert_eq!(mul_down(a, b), expect_u(f::mul_down(widen(a), widen(b))));
            prop_assert_eq!(add(a, b), expect_u(f::add(widen(a), widen(b))));
        }

        #[test]
        fn signed_matches_i256(a in any_i128(), b in any_i128(), c in any_i128(), r in rounding()) {
            let (wa, wb, wc) = (widen_signed(a), widen_signed(b), widen_signed(c));
            prop_assert_eq!(mul_div_signed(a, b, c, r), expect_i(f::mul_div_signed(wa, wb, wc, r)));
            prop_assert_eq!(mul_signed(a, b, r), expect_i(f::mul_signed(wa, wb, r)));
            prop_assert_eq!(add_signed(a, b), expect_i(f::add_signed(wa, wb)));
            prop_assert_eq!(narrow_signed(wa), Ok(a));
        }

        #[test]
        fn sqrt_matches_u256(x in any_u128(), hi in any_u128(), lo in any_u128()) {
            prop_assert_eq!(wad_sqrt_up(x), expect_u(Ok(f::wad_sqrt_up(widen(x)))));
            let hi = hi >> 2;
            let n = (widen(hi) << 128usize) | widen(lo);
            prop_assert_eq!(sqrt_up_wide(hi, lo), expect_u(Ok(f::sqrt_up(n))));
            prop_assert_eq!(sqrt_up_wide(0, lo), expect_u(Ok(f::sqrt_up(widen(lo)))));
        }

        #[test]
        fn mul_wide_is_exact(a in any_u128(), b in any_u128()) {
            let (hi, lo) = mul_wide(a, b);
            let p = U256::from(a) * U256::from(b);
            prop_assert_eq!((narrow(p >> 128usize), narrow(p & U256::from(u128::MAX))), (Ok(hi), Ok(lo)));
        }

        #[test]
        fn div_wide_is_exact(hi in any_u128(), lo in any_u128(), d in any_u128()) {
            let n = (widen(hi) << 128usize) | widen(lo);
            match div_wide(hi, lo, d) {
                Ok((q, r)) => {
                    prop_assert!(r < d);
                    prop_assert_eq!(widen(q) * widen(d) + widen(r), n);
                }
                Err(CoreError::DivisionByZero) => prop_assert_eq!(d, 0),
                Err(e) => {
                    prop_assert_eq!(e, CoreError::Overflow);
                    prop_assert!(hi >= d);
                }
            }
        }
    }
}
