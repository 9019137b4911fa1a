//! WAD (1e18) fixed-point arithmetic on `U256` and `I256`.
//!
//! A WAD value `x` stands for the real number `x / 1e18`. Every operation is checked: a result
//! that does not fit returns [`CoreError::Overflow`], a zero divisor
//! [`CoreError::DivisionByZero`]; nothing wraps and nothing panics.
//!
//! Products are formed at full 512-bit width before dividing ([`mul_div`]), so `a * b / c` only
//! fails when the final quotient does not fit 256 bits.
//!
//! Rounding is always explicit. For unsigned values [`Rounding::Down`] rounds toward zero and
//! [`Rounding::Up`] away from zero. For signed values [`Rounding::Down`] is floor (toward
//! negative infinity) and [`Rounding::Up`] is ceiling (toward positive infinity), so "down" always
//! means "the smaller of the two neighbouring integers" whatever the sign.

use crate::CoreError;
use alloy_primitives::{Sign, Signed, Uint, I256, U128, U256, U512, U64};

/// A signed 128-bit value: the width of packed storage fields (two per slot).
pub type I128 = Signed<128, 2>;

/// One in WAD (1e18).
pub const WAD: U256 = u256(1_000_000_000_000_000_000);
/// One in signed WAD (1e18).
pub const WAD_SIGNED: I256 = I256::from_raw(WAD);
/// Largest token `decimals` accepted by the decimal conversions.
pub const MAX_DECIMALS: u8 = 36;
/// Decimals of a WAD value.
pub const WAD_DECIMALS: u8 = 18;

/// Direction of rounding of an inexact result.
///
/// Unsigned: `Down` toward zero, `Up` away from zero. Signed: `Down` is floor (toward negative
/// infinity), `Up` is ceiling (toward positive infinity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward negative infinity (toward zero for unsigned values).
    Down,
    /// Toward positive infinity (away from zero for unsigned values).
    Up,
}

impl Rounding {
    /// The opposite direction.
    #[must_use]
    pub const fn flip(self) -> Self {
        match self {
            Self::Down => Self::Up,
            Self::Up => Self::Down,
        }
    }
}

/// `U256` from a `u128`, usable in constants.
#[must_use]
pub const fn u256(x: u128) -> U256 {
    U256::from_limbs([x as u64, (x >> 64) as u64, 0, 0])
}

/// Zero-extends a `U256` to 512 bits.
pub(crate) const fn widen(x: U256) -> U512 {
    let l = x.as_limbs();
    U512::from_limbs([l[0], l[1], l[2], l[3], 0, 0, 0, 0])
}

/// The low 256 bits of `x`, or `Overflow` if the high half is not zero.
pub(crate) fn narrow(x: U512) -> Result<U256, CoreError> {
    let l = x.as_limbs();
    if l[4] | l[5] | l[6] | l[7] != 0 {
        return Err(CoreError::Overflow);
    }
    Ok(U256::from_limbs([l[0], l[1], l[2], l[3]]))
}

/// Quotient and remainder of a 512-bit `n` by a non-zero 256-bit `d` (Knuth's algorithm D on
/// 64-bit limbs). Written out once, without generics, so that every division of the crate shares
/// one small routine.
fn div_wide(n: U512, d: U256) -> (U512, U256) {
    let n = n.as_limbs();
    let d = d.as_limbs();
    let mut q = [0u64; 8];
    // Significant limbs of the divisor (1..=4) and of the numerator.
    let m = d.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    let len = n.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    if m == 0 || len < m {
        // m == 0 is excluded by every caller; a shorter numerator is its own remainder.
        return (U512::ZERO, U256::from_limbs([n[0], n[1], n[2], n[3]]));
    }
    if m == 1 {
        let v = u128::from(d[0]);
        let mut rem = 0u128;
        for i in (0..len).rev() {
            let cur = (rem << 64) | u128::from(n[i]);
            q[i] = (cur / v) as u64;
            rem = cur % v;
        }
        return (U512::from_limbs(q), U256::from_limbs([rem as u64, 0, 0, 0]));
    }
    // Normalise so the divisor's top limb has its high bit set.
    let s = d[m - 1].leading_zeros();
    let shl = |hi: u64, lo: u64| {
        if s == 0 {
            hi
        } else {
            (hi << s) | (lo >> (64 - s))
        }
    };
    let mut v = [0u64; 4];
    for i in (1..m).rev() {
        v[i] = shl(d[i], d[i - 1]);
    }
    v[0] = d[0] << s;
    let mut u = [0u64; 9];
    u[len] = if s == 0 { 0 } else { n[len - 1] >> (64 - s) };
    for i in (1..len).rev() {
        u[i] = shl(n[i], n[i - 1]);
    }
    u[0] = n[0] << s;
    let (vt, vs) = (u128::from(v[m - 1]), u128::from(v[m - 2]));
    for j in (0..=len - m).rev() {
        // Estimate the quotient limb from the top two limbs, then correct it (at most twice).
        let num = (u128::from(u[j + m]) << 64) | u128::from(u[j + m - 1]);
        let mut qhat = num / vt;
        let mut rhat = num % vt;
        while qhat >> 64 != 0 || qhat * vs > ((rhat << 64) | u128::from(u[j + m - 2])) {
            qhat -= 1;
            rhat += vt;
            if rhat >> 64 != 0 {
                break;
            }
        }
        // Multiply and subtract qhat * v from u[j..=j + m].
        let mut borrow: i128 = 0;
        for i in 0..m {
            let p = qhat * u128::from(v[i]);
            let t = i128::from(u[i + j]) - borrow - i128::from(p as u64);
            u[i + j] = t as u64;
            borrow = (p >> 64) as i128 - (t >> 64);
        }
        let t = i128::from(u[j + m]) - borrow;
        u[j + m] = t as u64;
        q[j] = qhat as u64;
        if t < 0 {
            // The estimate was one too large: add the divisor back.
            q[j] = q[j].wrapping_sub(1);
            let mut carry = 0u128;
            for i in 0..m {
                let sum = u128::from(u[i + j]) + u128::from(v[i]) + carry;
                u[i + j] = sum as u64;
                carry = sum >> 64;
            }
            u[j + m] = u[j + m].wrapping_add(carry as u64);
        }
    }
    // Denormalise the remainder.
    let mut r = [0u64; 4];
    for i in 0..m {
        r[i] = if s == 0 {
            u[i]
        } else {
            (u[i] >> s) | (u[i + 1] << (64 - s))
        };
    }
    (U512::from_limbs(q), U256::from_limbs(r))
}

/// `n / d` rounded by `rounding`, for a non-zero `d`.
fn div_round(n: U512, d: U256, rounding: Rounding) -> U512 {
    let (q, r) = div_wide(n, d);
    if rounding == Rounding::Up && !r.is_zero() {
        // Cannot wrap: every caller's numerator is below 2^512 - 1 or d > 1.
        return q + ONE_512;
    }
    q
}

/// One as a `U512`.
const ONE_512: U512 = U512::from_limbs([1, 0, 0, 0, 0, 0, 0, 0]);

/// `a * b / c` computed with a 512-bit intermediate product, rounded in direction `rounding`.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `c == 0`; [`CoreError::Overflow`] if the quotient exceeds
/// `U256::MAX`.
pub fn mul_div(a: U256, b: U256, c: U256, rounding: Rounding) -> Result<U256, CoreError> {
    if c.is_zero() {
        return Err(CoreError::DivisionByZero);
    }
    // a * b <= (2^256 - 1)^2 < 2^512 - 1, so rounding up cannot wrap.
    narrow(div_round(a.widening_mul(b), c, rounding))
}

/// A value stored in a 64-bit field, widened for arithmetic.
#[must_use]
#[inline]
pub fn from_u64(x: U64) -> U256 {
    U256::from(x.to::<u64>())
}

/// `x` for a 64-bit storage field, when a governance rule already bounds it below `2^64` (a
/// contract checks the bound before it stores the value; the core's rule tests check that
/// every such bound fits). Saturates rather than fails, so it adds no error path.
#[must_use]
#[inline]
pub fn to_u64_bounded(x: U256) -> U64 {
    U64::from(x.saturating_to::<u64>())
}

/// A value stored in a 128-bit field, widened for arithmetic.
#[must_use]
#[inline]
pub fn from_u128(x: U128) -> U256 {
    U256::from(x.to::<u128>())
}

/// `x` for a 128-bit storage field, when a rule already bounds it below `2^128` (as
/// [`to_u64_bounded`]).
#[must_use]
#[inline]
pub fn to_u128_bounded(x: U256) -> U128 {
    U128::from(x.saturating_to::<u128>())
}

/// `x` for a 128-bit storage field.
///
/// # Errors
/// [`CoreError::Overflow`] when `x` is `2^128` or more.
#[inline]
pub fn to_u128(x: U256) -> Result<U128, CoreError> {
    u128::try_from(x)
        .map(U128::from)
        .map_err(|_| CoreError::Overflow)
}

/// `x` in 128 bits, for a storage field that packs two values per slot.
///
/// # Errors
/// [`CoreError::Overflow`] when `x` is outside `[-2^127, 2^127)`.
pub fn to_i128(x: I256) -> Result<I128, CoreError> {
    let l = x.into_raw().into_limbs();
    let ext = if x.is_negative() { u64::MAX } else { 0 };
    let n = I128::from_raw(Uint::from_limbs([l[0], l[1]]));
    if l[2] != ext || l[3] != ext || n.is_negative() != x.is_negative() {
        return Err(CoreError::Overflow);
    }
    Ok(n)
}

/// A 128-bit packed value back in 256 bits (sign-extended): the inverse of [`to_i128`].
pub fn from_i128(x: I128) -> I256 {
    let [a, b] = x.into_raw().into_limbs();
    let ext = if x.is_negative() { u64::MAX } else { 0 };
    I256::from_raw(U256::from_limbs([a, b, ext, ext]))
}

/// `a * b / c` for factors below `2^128`, computed in 256 bits (so code that needs nothing
/// wider stays small: a contract that calls only this never links 512-bit division), rounded
/// as `rounding` says.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `c == 0`; [`CoreError::Overflow`] if `a` or `b` is
/// `2^128` or more.
pub fn mul_div_narrow(a: U256, b: U256, c: U256, rounding: Rounding) -> Result<U256, CoreError> {
    if c.is_zero() {
        return Err(CoreError::DivisionByZero);
    }
    if (a >> 128) != U256::ZERO || (b >> 128) != U256::ZERO {
        return Err(CoreError::Overflow);
    }
    // a * b < 2^256: exact, and rounding up adds at most one to a quotient below 2^256 / c.
    let p = a * b;
    let q = p / c;
    if rounding == Rounding::Up && q * c != p {
        Ok(q + U256::from(1u8))
    } else {
        Ok(q)
    }
}

/// `a * b` in WAD, rounded toward zero.
///
/// # Errors
/// [`CoreError::Overflow`] if the result exceeds `U256::MAX`.
pub fn mul_down(a: U256, b: U256) -> Result<U256, CoreError> {
    mul_div(a, b, WAD, Rounding::Down)
}

/// `a * b` in WAD, rounded away from zero.
///
/// # Errors
/// [`CoreError::Overflow`] if the result exceeds `U256::MAX`.
pub fn mul_up(a: U256, b: U256) -> Result<U256, CoreError> {
    mul_div(a, b, WAD, Rounding::Up)
}

/// `a / b` in WAD, rounded toward zero.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `b == 0`; [`CoreError::Overflow`] if the result exceeds
/// `U256::MAX`.
pub fn div_down(a: U256, b: U256) -> Result<U256, CoreError> {
    mul_div(a, WAD, b, Rounding::Down)
}

/// `a / b` in WAD, rounded away from zero.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `b == 0`; [`CoreError::Overflow`] if the result exceeds
/// `U256::MAX`.
pub fn div_up(a: U256, b: U256) -> Result<U256, CoreError> {
    mul_div(a, WAD, b, Rounding::Up)
}

/// Signed `a * b / c` with a 512-bit intermediate, rounded by `rounding` (`Down` = floor,
/// `Up` = ceiling).
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `c == 0`; [`CoreError::Overflow`] if the result does not fit
/// `I256`.
pub fn mul_div_signed(a: I256, b: I256, c: I256, rounding: Rounding) -> Result<I256, CoreError> {
    let negative = a.is_negative() ^ b.is_negative() ^ c.is_negative();
    // Floor of a negative quotient and ceiling of a positive one both round the magnitude up.
    let magnitude_rounding = if negative { rounding.flip() } else { rounding };
    let m = mul_div(
        a.unsigned_abs(),
        b.unsigned_abs(),
        c.unsigned_abs(),
        magnitude_rounding,
    )?;
    let sign = if negative {
        Sign::Negative
    } else {
        Sign::Positive
    };
    I256::checked_from_sign_and_abs(sign, m).ok_or(CoreError::Overflow)
}

/// Signed WAD product `a * b`, rounded by `rounding` (`Down` = floor, `Up` = ceiling).
///
/// # Errors
/// [`CoreError::Overflow`] if the result does not fit `I256`.
pub fn mul_signed(a: I256, b: I256, rounding: Rounding) -> Result<I256, CoreError> {
    mul_div_signed(a, b, WAD_SIGNED, rounding)
}

/// Signed WAD quotient `a / b`, rounded by `rounding` (`Down` = floor, `Up` = ceiling).
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `b == 0`; [`CoreError::Overflow`] if the result does not fit
/// `I256`.
pub fn div_signed(a: I256, b: I256, rounding: Rounding) -> Result<I256, CoreError> {
    mul_div_signed(a, WAD_SIGNED, b, rounding)
}

/// Checked `a + b`.
///
/// # Errors
/// [`CoreError::Overflow`] if the sum exceeds `U256::MAX`.
pub fn add(a: U256, b: U256) -> Result<U256, CoreError> {
    a.checked_add(b).ok_or(CoreError::Overflow)
}

/// Checked `a - b`.
///
/// # Errors
/// [`CoreError::Overflow`] if `b > a`.
pub fn sub(a: U256, b: U256) -> Result<U256, CoreError> {
    a.checked_sub(b).ok_or(CoreError::Overflow)
}

/// Checked signed `a + b`.
///
/// # Errors
/// [`CoreError::Overflow`] if the sum does not fit `I256`.
pub fn add_signed(a: I256, b: I256) -> Result<I256, CoreError> {
    a.checked_add(b).ok_or(CoreError::Overflow)
}

/// Checked signed `a - b`.
///
/// # Errors
/// [`CoreError::Overflow`] if the difference does not fit `I256`.
pub fn sub_signed(a: I256, b: I256) -> Result<I256, CoreError> {
    a.checked_sub(b).ok_or(CoreError::Overflow)
}

/// Checked `-a`.
///
/// # Errors
/// [`CoreError::Overflow`] if `a == I256::MIN`.
pub fn neg_signed(a: I256) -> Result<I256, CoreError> {
    a.checked_neg().ok_or(CoreError::Overflow)
}

/// `U256` to `I256`.
///
/// # Errors
/// [`CoreError::Overflow`] if `x > I256::MAX`.
pub fn to_signed(x: U256) -> Result<I256, CoreError> {
    let s = I256::from_raw(x);
    if s.is_negative() {
        return Err(CoreError::Overflow);
    }
    Ok(s)
}

/// `I256` to `U256`.
///
/// # Errors
/// [`CoreError::Negative`] if `x < 0`.
pub fn to_unsigned(x: I256) -> Result<U256, CoreError> {
    if x.is_negative() {
        return Err(CoreError::Negative);
    }
    Ok(x.into_raw())
}

/// Floor square root of a 512-bit integer (Newton's method from an over-estimate).
fn isqrt(x: U512) -> U512 {
    if x.is_zero() {
        return x;
    }
    // Start above the root: 2^ceil(bits/2) > sqrt(x), capped at 2^256 - 1 >= sqrt(x) so that the
    // divisor fits 256 bits. From an over-estimate Newton's iteration decreases monotonically to
    // the floor root.
    let bits = x.bit_len().div_ceil(2);
    let mut r = if bits >= 256 {
        U256::MAX
    } else {
        U256::from_limbs([1, 0, 0, 0]) << bits
    };
    loop {
        // r >= floor(sqrt(x)) >= 1, and r == 1 only for x <= 3, so r + x / r fits 512 bits.
        let y = (widen(r) + div_wide(x, r).0) >> 1;
        if y >= widen(r) {
            return widen(r);
        }
        // y < r < 2^256.
        r = low(y);
    }
}

/// The low 256 bits of a value known to fit.
fn low(x: U512) -> U256 {
    let l = x.as_limbs();
    U256::from_limbs([l[0], l[1], l[2], l[3]])
}

/// Floor integer square root: the largest `r` with `r * r <= x`.
#[must_use]
pub fn sqrt(x: U256) -> U256 {
    low(isqrt(widen(x)))
}

/// Ceiling integer square root: the smallest `r` with `r * r >= x`.
#[must_use]
pub fn sqrt_up(x: U256) -> U256 {
    let n = widen(x);
    let r = isqrt(n);
    // r < 2^128, so neither r * r nor r + 1 can wrap.
    low(if r * r < n { r + ONE_512 } else { r })
}

/// Square root of a WAD value as WAD, rounded down: `floor(sqrt(x * 1e18))`.
#[must_use]
pub fn wad_sqrt(x: U256) -> U256 {
    // x * 1e18 < 2^316, its root < 2^158: always fits.
    low(isqrt(x.widening_mul(WAD)))
}

/// Square root of a WAD value as WAD, rounded up: `ceil(sqrt(x * 1e18))`.
#[must_use]
pub fn wad_sqrt_up(x: U256) -> U256 {
    let n: U512 = x.widening_mul(WAD);
    let r = isqrt(n);
    // r < 2^158, so neither r * r nor r + 1 can wrap.
    low(if r * r < n { r + ONE_512 } else { r })
}

/// `10^n` for `n <= MAX_DECIMALS` (fits in `u128`).
fn pow10(n: u8) -> U256 {
    u256(10u128.pow(u32::from(n)))
}

/// Converts `amount` from `from` decimals to `to` decimals, rounding a lost remainder by
/// `rounding`.
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] if either decimals exceeds [`MAX_DECIMALS`];
/// [`CoreError::Overflow`] if the scaled-up amount exceeds `U256::MAX`.
pub fn rescale(amount: U256, from: u8, to: u8, rounding: Rounding) -> Result<U256, CoreError> {
    if from > MAX_DECIMALS || to > MAX_DECIMALS {
        return Err(CoreError::DecimalsTooLarge);
    }
    if from <= to {
        return amount
            .checked_mul(pow10(to - from))
            .ok_or(CoreError::Overflow);
    }
    // The quotient is at most amount / 10 (rounded up): it fits.
    Ok(low(div_round(widen(amount), pow10(from - to), rounding)))
}

/// Token amount with `decimals` to WAD. Exact for `decimals <= 18`; above that the lost digits
/// are rounded down (collateral values round down).
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] if `decimals > MAX_DECIMALS`; [`CoreError::Overflow`] if the
/// result exceeds `U256::MAX`.
pub fn to_wad(amount: U256, decimals: u8) -> Result<U256, CoreError> {
    rescale(amount, decimals, WAD_DECIMALS, Rounding::Down)
}

/// Token amount with `decimals` to WAD. Exact for `decimals <= 18`; above that the lost digits
/// are rounded up (requirements and debts round up).
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] if `decimals > MAX_DECIMALS`; [`CoreError::Overflow`] if the
/// result exceeds `U256::MAX`.
pub fn to_wad_up(amount: U256, decimals: u8) -> Result<U256, CoreError> {
    rescale(amount, decimals, WAD_DECIMALS, Rounding::Up)
}

/// WAD to a token amount with `decimals`, rounded down (payouts round down).
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] if `decimals > MAX_DECIMALS`; [`CoreError::Overflow`] if the
/// result exceeds `U256::MAX`.
pub fn from_wad_down(wad: U256, decimals: u8) -> Result<U256, CoreError> {
    rescale(wad, WAD_DECIMALS, decimals, Rounding::Down)
}

/// WAD to a token amount with `decimals`, rounded up (debts and fees round up).
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] if `decimals > MAX_DECIMALS`; [`CoreError::Overflow`] if the
/// result exceeds `U256::MAX`.
pub fn from_wad_up(wad: U256, decimals: u8) -> Result<U256, CoreError> {
    rescale(wad, WAD_DECIMALS, decimals, Rounding::Up)
}

/// Weighted mean `weight * a + (1 - weight) * b` in WAD, computed exactly and rounded once.
///
/// This is one exponentially weighted moving average step with decay `weight` (the previous value
/// `a` keeps `weight`, the new sample `b` gets `1 - weight`). The result lies between `a` and `b`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `weight > WAD`.
pub fn ewma(a: U256, b: U256, weight: U256, rounding: Rounding) -> Result<U256, CoreError> {
    if weight > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Each product is below 2^316; their sum cannot wrap 512 bits.
    let sum =
        a.widening_mul::<256, 4, 512, 8>(weight) + b.widening_mul::<256, 4, 512, 8>(WAD - weight);
    // A weighted mean of two U256 values fits U256 (also when rounded up).
    Ok(low(div_round(sum, WAD, rounding)))
}

/// `a * b` in WAD rounded up, for `a < 2^68` and `b < 2^128`, in 128-bit arithmetic (the
/// contract that calls it links no 256-bit division or multiplication): `b = q WAD + r`,
/// `a q + ceil(a r / WAD)` with `a r` below `2^128`.
///
/// # Errors
/// [`CoreError::Overflow`] if `a >= 2^68`, `b >= 2^128` or `a q >= 2^128`.
pub fn mul_wad_up(a: U256, b: U256) -> Result<U256, CoreError> {
    const WAD_128: u128 = 1_000_000_000_000_000_000;
    if a >> 68 != U256::ZERO {
        return Err(CoreError::Overflow);
    }
    let a = a.to::<u128>();
    let b = u128::try_from(b).map_err(|_| CoreError::Overflow)?;
    let (q, r) = (b / WAD_128, b % WAD_128);
    // a < 2^68 and r < 2^60: a r < 2^128, and adding WAD - 1 stays below 2^128 too.
    let low = (a * r).div_ceil(WAD_128);
    let high = a.checked_mul(q).ok_or(CoreError::Overflow)?;
    Ok(U256::from(high) + U256::from(low))
}

/// `amount` with `decimals` to WAD, as [`to_wad`] (exact up to 18 decimals,
/// extra digits rounded down) in 256-bit arithmetic.
///
/// # Errors
/// [`CoreError::DecimalsTooLarge`] above [`MAX_DECIMALS`]; [`CoreError::Overflow`].
pub fn scale_to_wad(amount: U256, decimals: u8) -> Result<U256, CoreError> {
    if decimals > MAX_DECIMALS {
        return Err(CoreError::DecimalsTooLarge);
    }
    // At most 10^18 either way: fits u64.
    let pow = |n: u8| 10u64.pow(u32::from(n));
    if decimals <= WAD_DECIMALS {
        amount
            .checked_mul(U256::from(pow(WAD_DECIMALS - decimals)))
            .ok_or(CoreError::Overflow)
    } else {
        Ok(div_u64(amount, pow(decimals - WAD_DECIMALS)))
    }
}

/// `x / d` rounded down for a non-zero 64-bit `d`, by long division over the limbs.
fn div_u64(x: U256, d: u64) -> U256 {
    let mut q = [0u64; 4];
    let mut rem: u128 = 0;
    for (i, limb) in x.as_limbs().iter().enumerate().rev() {
        let cur = (rem << 64) | u128::from(*limb);
        // rem < d, so cur / d < 2^64.
        q[i] = (cur / u128::from(d)) as u64;
        rem = cur % u128::from(d);
    }
    U256::from_limbs(q)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloy_primitives::aliases::I512;
    use proptest::prelude::*;

    /// `narrow` refuses any non-zero high limb, alone or with others (two equal high limbs
    /// included, which an exclusive or would cancel), and keeps the low half exactly.
    #[test]
    fn narrow_refuses_every_high_limb() {
        let low = [7u64, 0, u64::MAX, 1];
        let mut limbs = [0u64; 8];
        limbs[..4].copy_from_slice(&low);
        assert_eq!(narrow(U512::from_limbs(limbs)), Ok(U256::from_limbs(low)));
        for i in 4..8 {
            let mut l = limbs;
            l[i] = 1;
            assert_eq!(
                narrow(U512::from_limbs(l)),
                Err(CoreError::Overflow),
                "limb {i}"
            );
            for j in (i + 1)..8 {
                let mut l = l;
                l[j] = 1;
                assert_eq!(
                    narrow(U512::from_limbs(l)),
                    Err(CoreError::Overflow),
                    "limbs {i}, {j}"
                );
            }
        }
    }

    /// `to_i128` refuses a value whose third limb alone leaves the range, with the sign of the
    /// low half agreeing (2^128 and -2^128 - 1).
    #[test]
    fn to_i128_refuses_the_third_limb_alone() {
        let two_128 = I256::from_raw(U256::from(1u8) << 128);
        assert_eq!(to_i128(two_128), Err(CoreError::Overflow));
        assert_eq!(to_i128(-two_128 - I256::ONE), Err(CoreError::Overflow));
        assert_eq!(
            to_i128(-two_128 / I256::try_from(2).unwrap()),
            Ok(I128::MIN)
        );
    }

    fn special_limb() -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(0u64),
            Just(1u64),
            Just(u64::MAX),
            Just(u64::MAX - 1),
            Just(1u64 << 63),
            Just((1u64 << 63) - 1),
            Just((1u64 << 63) + 1),
            Just(1u64 << 32),
            any::<u64>(),
        ]
    }

    #[test]
    fn narrow_unsigned_fields_round_trip_and_refuse_or_saturate() {
        let max128 = U256::from(u128::MAX);
        assert_eq!(from_u128(to_u128(max128).unwrap()), max128);
        assert_eq!(to_u128(max128 + U256::from(1)), Err(CoreError::Overflow));
        assert_eq!(from_u128(to_u128_bounded(max128 + U256::from(1))), max128);
        let max64 = U256::from(u64::MAX);
        assert_eq!(from_u64(to_u64_bounded(max64)), max64);
        assert_eq!(from_u64(to_u64_bounded(max64 + U256::from(1))), max64);
        assert_eq!(from_u64(to_u64_bounded(WAD)), WAD);
    }

    #[test]
    fn div_wide_add_back_cases() {
        // Inputs whose first quotient-limb estimate is one too large even after the two-limb
        // correction, so the divisor is added back.
        let cases = [
            (
                [
                    1u64 << 63,
                    1,
                    (1 << 63) + 1,
                    u64::MAX,
                    (1 << 63) - 1,
                    0,
                    0,
                    0,
                ],
                [u64::MAX, 1 << 32, u64::MAX, u64::MAX],
            ),
            (
                [
                    1 << 32,
                    0,
                    (1 << 63) + 1,
                    0,
                    1 << 32,
                    1 << 63,
                    1 << 63,
                    1 << 63,
                ],
                [800_979_998_838_493_982, 1 << 32, 1 << 32, 1 << 32],
            ),
            (
                [1, u64::MAX, 1, 1 << 32, 1 << 32, u64::MAX, 1, 1],
                [1 << 63, 1 << 32, (1 << 63) + 1, (1 << 63) + 1],
            ),
        ];
        for (n, d) in cases {
            let (n, d) = (U512::from_limbs(n), U256::from_limbs(d));
            let (q, r) = div_wide(n, d);
            assert_eq!((q, widen(r)), n.div_rem(widen(d)));
        }
    }

    /// A U256 with a random bit length, so small and large values are both common.
    pub(crate) fn any_u256() -> impl Strategy<Value = U256> {
        (0usize..=256, prop::array::uniform4(any::<u64>()))
            .prop_map(|(bits, l)| U256::from_limbs(l) >> (256 - bits))
    }

    /// An I256 with a random bit length and sign.
    pub(crate) fn any_i256() -> impl Strategy<Value = I256> {
        (any_u256(), any::<bool>()).prop_map(|(m, neg)| {
            let m = m >> 1;
            let s = I256::from_raw(m);
            if neg {
                -s
            } else {
                s
            }
        })
    }

    fn w(x: U256) -> U512 {
        widen(x)
    }

    fn wi(x: I256) -> I512 {
        let sign = if x.is_negative() {
            Sign::Negative
        } else {
            Sign::Positive
        };
        I512::checked_from_sign_and_abs(sign, widen(x.unsigned_abs())).unwrap()
    }

    #[test]
    fn constants() {
        assert_eq!(WAD, U256::from(10u64).pow(U256::from(18u64)));
        assert_eq!(
            WAD_SIGNED,
            I256::try_from(1_000_000_000_000_000_000i128).unwrap()
        );
        assert_eq!(u256(u128::MAX), U256::from(u128::MAX));
    }

    #[test]
    fn examples() {
        let half = u256(500_000_000_000_000_000);
        let third_down = u256(333_333_333_333_333_333);
        assert_eq!(mul_down(half, half), Ok(u256(250_000_000_000_000_000)));
        assert_eq!(div_down(WAD, u256(3) * WAD), Ok(third_down));
        assert_eq!(div_up(WAD, u256(3) * WAD), Ok(third_down + u256(1)));
        assert_eq!(mul_down(u256(1), u256(1)), Ok(U256::ZERO));
        assert_eq!(mul_up(u256(1), u256(1)), Ok(u256(1)));
        assert_eq!(mul_down(U256::MAX, WAD), Ok(U256::MAX));
        assert_eq!(mul_down(U256::MAX, WAD + u256(1)), Err(CoreError::Overflow));
        assert_eq!(div_down(WAD, U256::ZERO), Err(CoreError::DivisionByZero));
        // -1 * 1.5 wei-WAD: exact -1.5e-18 -> floor -2, ceil -1.
        let m1 = I256::try_from(-1).unwrap();
        let one_half = I256::try_from(1_500_000_000_000_000_000i128).unwrap();
        assert_eq!(
            mul_signed(m1, one_half, Rounding::Down),
            Ok(I256::try_from(-2).unwrap())
        );
        assert_eq!(mul_signed(m1, one_half, Rounding::Up), Ok(m1));
        assert_eq!(mul_signed(-m1, one_half, Rounding::Down), Ok(-m1));
        assert_eq!(
            mul_signed(-m1, one_half, Rounding::Up),
            Ok(I256::try_from(2).unwrap())
        );
        assert_eq!(
            div_signed(m1, I256::ZERO, Rounding::Up),
            Err(CoreError::DivisionByZero)
        );
        assert_eq!(
            mul_div_signed(
                I256::MIN,
                I256::try_from(-1).unwrap(),
                I256::try_from(1).unwrap(),
                Rounding::Down
            ),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            mul_div_signed(
                I256::MIN,
                I256::try_from(1).unwrap(),
                I256::try_from(1).unwrap(),
                Rounding::Down
            ),
            Ok(I256::MIN)
        );
        assert_eq!(neg_signed(I256::MIN), Err(CoreError::Overflow));
        assert_eq!(add(U256::MAX, u256(1)), Err(CoreError::Overflow));
        assert_eq!(sub(U256::ZERO, u256(1)), Err(CoreError::Overflow));
        assert_eq!(add_signed(I256::MAX, I256::ONE), Err(CoreError::Overflow));
        assert_eq!(sub_signed(I256::MIN, I256::ONE), Err(CoreError::Overflow));
        assert_eq!(to_signed(U256::MAX), Err(CoreError::Overflow));
        assert_eq!(to_signed(I256::MAX.into_raw()), Ok(I256::MAX));
        assert_eq!(to_unsigned(m1), Err(CoreError::Negative));
        assert_eq!(to_unsigned(I256::MAX), Ok(I256::MAX.into_raw()));
    }

    #[test]
    fn sqrt_examples() {
        assert_eq!(sqrt(U256::ZERO), U256::ZERO);
        assert_eq!(sqrt(u256(1)), u256(1));
        assert_eq!(sqrt(u256(15)), u256(3));
        assert_eq!(sqrt(u256(16)), u256(4));
        assert_eq!(sqrt(U256::MAX), u256(u128::MAX));
        assert_eq!(sqrt_up(U256::MAX), u256(u128::MAX) + u256(1));
        assert_eq!(sqrt_up(u256(15)), u256(4));
        assert_eq!(sqrt_up(u256(16)), u256(4));
        assert_eq!(sqrt_up(U256::ZERO), U256::ZERO);
        assert_eq!(wad_sqrt(u256(4) * WAD), u256(2) * WAD);
        assert_eq!(wad_sqrt(u256(2) * WAD), u256(1_414_213_562_373_095_048));
        assert_eq!(wad_sqrt_up(u256(2) * WAD), u256(1_414_213_562_373_095_049));
        assert_eq!(wad_sqrt_up(u256(4) * WAD), u256(2) * WAD);
        // WAD / 24 = 0.041666666666666666 (truncated); its root is 0.204124145231931506...
        assert_eq!(wad_sqrt(WAD / u256(24)), u256(204_124_145_231_931_506));
    }

    #[test]
    fn decimals_examples() {
        assert_eq!(
            to_wad(u256(1_500_000), 6),
            Ok(u256(1_500_000_000_000_000_000))
        );
        assert_eq!(
            from_wad_down(u256(1_500_000_000_000_000_001), 6),
            Ok(u256(1_500_000))
        );
        assert_eq!(
            from_wad_up(u256(1_500_000_000_000_000_001), 6),
            Ok(u256(1_500_001))
        );
        assert_eq!(to_wad(u256(19), 19), Ok(u256(1)));
        assert_eq!(to_wad_up(u256(19), 19), Ok(u256(2)));
        assert_eq!(to_wad(u256(7), 0), Ok(u256(7) * WAD));
        assert_eq!(to_wad(u256(7), 37), Err(CoreError::DecimalsTooLarge));
        assert_eq!(from_wad_down(u256(7), 37), Err(CoreError::DecimalsTooLarge));
        assert_eq!(to_wad(U256::MAX, 0), Err(CoreError::Overflow));
        assert_eq!(rescale(u256(123), 36, 0, Rounding::Up), Ok(u256(1)));
    }

    #[test]
    fn ewma_examples() {
        let lambda = u256(940_000_000_000_000_000);
        assert_eq!(
            ewma(u256(100) * WAD, U256::ZERO, lambda, Rounding::Down),
            Ok(u256(94) * WAD)
        );
        assert_eq!(ewma(u256(1), u256(2), lambda, Rounding::Down), Ok(u256(1)));
        assert_eq!(ewma(u256(1), u256(2), lambda, Rounding::Up), Ok(u256(2)));
        assert_eq!(
            ewma(U256::MAX, U256::MAX, lambda, Rounding::Up),
            Ok(U256::MAX)
        );
        assert_eq!(
            ewma(u256(1), u256(2), WAD + u256(1), Rounding::Up),
            Err(CoreError::InvalidParameter)
        );
    }

    /// Floor of n / d for i128 (independent reference).
    fn floor_div(n: i128, d: i128) -> i128 {
        let q = n / d;
        if n % d != 0 && ((n < 0) != (d < 0)) {
            q - 1
        } else {
            q
        }
    }

    #[test]
    fn i128_packing_bounds() {
        let max = I256::try_from(i128::MAX).unwrap();
        let min = I256::try_from(i128::MIN).unwrap();
        assert_eq!(from_i128(to_i128(max).unwrap()), max);
        assert_eq!(from_i128(to_i128(min).unwrap()), min);
        assert_eq!(to_i128(max + I256::ONE), Err(CoreError::Overflow));
        assert_eq!(to_i128(min - I256::ONE), Err(CoreError::Overflow));
        assert_eq!(to_i128(I256::MAX), Err(CoreError::Overflow));
        assert_eq!(to_i128(I256::MIN), Err(CoreError::Overflow));
        assert_eq!(from_i128(to_i128(-I256::ONE).unwrap()), -I256::ONE);
        assert_eq!(from_i128(to_i128(I256::ZERO).unwrap()), I256::ZERO);
    }

    proptest! {
        #[test]
        fn i128_packing_round_trips(x in any::<i128>()) {
            let wide = I256::try_from(x).unwrap();
            prop_assert_eq!(from_i128(to_i128(wide).unwrap()), wide);
        }

        #[test]
        fn i128_packing_refuses_what_does_not_fit(hi in any::<i128>(), lo in any::<u128>()) {
            // hi * 2^128 + lo fits 128 bits only when hi is 0 (lo < 2^127) or -1 (lo >= 2^127).
            let wide = (I256::try_from(hi).unwrap() << 128) + I256::try_from(lo).unwrap();
            let fits = (hi == 0 && lo < 1u128 << 127) || (hi == -1 && lo >= 1u128 << 127);
            prop_assert_eq!(to_i128(wide).is_ok(), fits);
        }
    }

    proptest! {
        /// The narrow product agrees with the wide one wherever it applies, and refuses wide
        /// factors.
        #[test]
        fn mul_div_narrow_matches_mul_div(a in any_u256(), b in any_u256(), c in any_u256(), up in any::<bool>()) {
            let r = if up { Rounding::Up } else { Rounding::Down };
            let (a128, b128) = (a >> 128, b >> 128);
            prop_assume!(!c.is_zero());
            prop_assert_eq!(mul_div_narrow(a128, b128, c, r), mul_div(a128, b128, c, r));
            if a >= (U256::from(1u8) << 128) {
                prop_assert_eq!(mul_div_narrow(a, b128, c, r), Err(CoreError::Overflow));
            }
            prop_assert_eq!(mul_div_narrow(a128, b128, U256::ZERO, r), Err(CoreError::DivisionByZero));
        }

        #[test]
        fn div_wide_matches_reference(
            n in prop::array::uniform8(special_limb()),
            d in prop::array::uniform4(special_limb()),
            cut in 0usize..8,
            dcut in 0usize..4,
        ) {
            let n = U512::from_limbs(n) >> (cut * 64);
            let d = U256::from_limbs(d) >> (dcut * 64);
            prop_assume!(!d.is_zero());
            let (q, r) = div_wide(n, d);
            prop_assert_eq!((q, widen(r)), n.div_rem(widen(d)));
        }

        #[test]
        fn mul_brackets_exact(a in any_u256(), b in any_u256()) {
            let p: U512 = a.widening_mul(b);
            match (mul_down(a, b), mul_up(a, b)) {
                (Ok(d), Ok(u)) => {
                    prop_assert!(w(d) * w(WAD) <= p);
                    prop_assert!(w(u) * w(WAD) >= p);
                    prop_assert!(u - d <= u256(1));
                    prop_assert_eq!(u == d, p % w(WAD) == U512::ZERO);
                }
                (Err(e), _) => {
                    prop_assert_eq!(e, CoreError::Overflow);
                    prop_assert!(p / w(WAD) > w(U256::MAX));
                }
                (Ok(d), Err(e)) => {
                    prop_assert_eq!(e, CoreError::Overflow);
                    prop_assert_eq!(d, U256::MAX);
                }
            }
        }

        #[test]
        fn div_brackets_exact(a in any_u256(), b in any_u256()) {
            let n: U512 = a.widening_mul(WAD);
            match (div_down(a, b), div_up(a, b)) {
                (Ok(d), Ok(u)) => {
                    prop_assert!(w(d) * w(b) <= n);
                    prop_assert!(w(u) * w(b) >= n);
                    prop_assert!(u - d <= u256(1));
                }
                (Err(CoreError::DivisionByZero), Err(CoreError::DivisionByZero)) => prop_assert!(b.is_zero()),
                (Err(e), _) => {
                    prop_assert_eq!(e, CoreError::Overflow);
                    prop_assert!(n / w(b) > w(U256::MAX));
                }
                (Ok(d), Err(e)) => {
                    prop_assert_eq!(e, CoreError::Overflow);
                    prop_assert_eq!(d, U256::MAX);
                }
            }
        }

        #[test]
        fn mul_div_brackets_exact(a in any_u256(), b in any_u256(), c in any_u256()) {
            prop_assume!(!c.is_zero());
            let p: U512 = a.widening_mul(b);
            let fits = p / w(c) <= w(U256::MAX);
            match mul_div(a, b, c, Rounding::Down) {
                Ok(d) => {
                    prop_assert!(fits);
                    prop_assert!(w(d) * w(c) <= p && p < (w(d) + w(u256(1))) * w(c));
                }
                Err(e) => { prop_assert_eq!(e, CoreError::Overflow); prop_assert!(!fits); }
            }
        }

        #[test]
        fn signed_floor_ceil_small(a in any::<i64>(), b in any::<i64>(), c in any::<i64>()) {
            prop_assume!(c != 0);
            let n = i128::from(a) * i128::from(b);
            let f = floor_div(n, i128::from(c));
            let cl = -floor_div(-n, i128::from(c));
            let to = |x: i64| I256::try_from(x).unwrap();
            prop_assert_eq!(mul_div_signed(to(a), to(b), to(c), Rounding::Down), Ok(I256::try_from(f).unwrap()));
            prop_assert_eq!(mul_div_signed(to(a), to(b), to(c), Rounding::Up), Ok(I256::try_from(cl).unwrap()));
        }

        #[test]
        fn signed_brackets_exact(a in any_i256(), b in any_i256()) {
            let p = wi(a) * wi(b);
            let wad = wi(WAD_SIGNED);
            match (mul_signed(a, b, Rounding::Down), mul_signed(a, b, Rounding::Up)) {
                (Ok(f), Ok(c)) => {
                    prop_assert!(wi(f) * wad <= p && p < (wi(f) + I512::ONE) * wad);
                    prop_assert!(wi(c) * wad >= p && p > (wi(c) - I512::ONE) * wad);
                    prop_assert!(c >= f && c - f <= I256::ONE);
                }
                (f, c) => {
                    // Only results outside the I256 range fail.
                    let lo = wi(I256::MIN) * wad;
                    let hi = (wi(I256::MAX) + I512::ONE) * wad;
                    prop_assert!(p < lo || p >= hi - wad);
                    prop_assert!(f.is_err() || c.is_err());
                    prop_assert!(f == Err(CoreError::Overflow) || c == Err(CoreError::Overflow));
                }
            }
        }

        #[test]
        fn signed_div_floor_ceil(a in any_i256(), b in any_i256()) {
            prop_assume!(!b.is_zero());
            let n = wi(a) * wi(WAD_SIGNED);
            if let (Ok(f), Ok(c)) = (div_signed(a, b, Rounding::Down), div_signed(a, b, Rounding::Up)) {
                // floor(n / b) <= n / b <= ceil(n / b), adjacent integers.
                let (bf, bc) = (wi(f) * wi(b), wi(c) * wi(b));
                if b.is_negative() {
                    prop_assert!(bf >= n && bc <= n);
                } else {
                    prop_assert!(bf <= n && bc >= n);
                }
                prop_assert!(c >= f && c - f <= I256::ONE);
            }
        }

        #[test]
        fn add_sub_match_wide(a in any_i256(), b in any_i256()) {
            let s = wi(a) + wi(b);
            let in_range = s >= wi(I256::MIN) && s <= wi(I256::MAX);
            prop_assert_eq!(add_signed(a, b).is_ok(), in_range);
            if let Ok(x) = add_signed(a, b) { prop_assert_eq!(wi(x), s); }
            let d = wi(a) - wi(b);
            let in_range = d >= wi(I256::MIN) && d <= wi(I256::MAX);
            prop_assert_eq!(sub_signed(a, b).is_ok(), in_range);
            if let Ok(x) = sub_signed(a, b) { prop_assert_eq!(wi(x), d); }
        }

        #[test]
        fn signed_unsigned_round_trip(x in any_u256()) {
            match to_signed(x) {
                Ok(s) => prop_assert_eq!(to_unsigned(s), Ok(x)),
                Err(e) => { prop_assert_eq!(e, CoreError::Overflow); prop_assert!(x > I256::MAX.into_raw()); }
            }
        }

        #[test]
        fn sqrt_is_floor_root(x in any_u256()) {
            let r = w(sqrt(x));
            prop_assert!(r * r <= w(x));
            let r1 = r + U512::from(1u64);
            prop_assert!(r1 * r1 > w(x));
            let u = w(sqrt_up(x));
            prop_assert!(u * u >= w(x));
            prop_assert_eq!(u == r, r * r == w(x));
            prop_assert!(u - r <= U512::from(1u64));
        }

        #[test]
        fn wad_sqrt_is_floor_root(x in any_u256()) {
            let n: U512 = x.widening_mul(WAD);
            let r = w(wad_sqrt(x));
            prop_assert!(r * r <= n);
            let r1 = r + U512::from(1u64);
            prop_assert!(r1 * r1 > n);
            let u = w(wad_sqrt_up(x));
            prop_assert!(u * u >= n);
            prop_assert!(u - r <= U512::from(1u64));
        }

        #[test]
        fn decimals_round_trip(x in any_u256(), d in 0u8..=36) {
            if let Ok(wad) = to_wad(x, d) {
                if d <= 18 {
                    prop_assert_eq!(from_wad_down(wad, d), Ok(x));
                    prop_assert_eq!(from_wad_up(wad, d), Ok(x));
                } else if let Ok(back) = from_wad_down(wad, d) {
                    prop_assert!(back <= x);
                }
                prop_assert!(to_wad_up(x, d).unwrap() >= wad);
            } else {
                prop_assert!(d < 18);
            }
        }

        #[test]
        fn wad_round_trip(wad in any_u256(), d in 0u8..=36) {
            if let (Ok(down), Ok(up)) = (from_wad_down(wad, d), from_wad_up(wad, d)) {
                prop_assert!(up >= down);
                prop_assert!(to_wad(down, d).unwrap() <= wad);
                prop_assert!(to_wad(up, d).unwrap() >= wad);
                prop_assert!(up - down <= u256(1));
            } else {
                prop_assert!(d > 18);
            }
        }

        #[test]
        fn ewma_between(a in any_u256(), b in any_u256(), weight in 0u64..=1_000_000_000_000_000_000) {
            let weight = U256::from(weight);
            let lo = a.min(b);
            let hi = a.max(b);
            let d = ewma(a, b, weight, Rounding::Down).unwrap();
            let u = ewma(a, b, weight, Rounding::Up).unwrap();
            prop_assert!(lo <= d && d <= u && u <= hi);
            prop_assert!(u - d <= u256(1));
        }
    }
}
