//! Black-76 on integers (DESIGN section 13): `ln`, `exp`, the normal CDF and density, and the
//! price, delta, gamma and vega of European calls and puts, without floating point.
//!
//! # Model
//!
//! Forward `F` (the oracle spot, zero rates), strike `K`, time to expiry `T` in years of 365 days,
//! volatility `sigma`, `s = sigma sqrt(T)`:
//! `d1 = (ln(F / K) + s^2 / 2) / s`, `d2 = d1 - s`, call `F N(d1) - K N(d2)`, put
//! `K N(-d2) - F N(-d1)`; delta `N(d1)` (call) or `N(d1) - 1` (put); gamma `phi(d1) / (F s)`;
//! vega `F phi(d1) sqrt(T)`.
//!
//! # Internal precision
//!
//! The transcendental parts run in signed Q96 fixed point (`i128` holding `x * 2^96`, a
//! resolution of 1.3e-29): `ln` by reduction to `1 + t`, `|t| <= 1/33`, with a 16-entry table
//! and the `ln(1 + t)` series; `exp` by range reduction to `[0, ln 2)` and a Taylor polynomial;
//! `sqrt(T)` by the division-free Newton iteration of `1 / sqrt`; and the upper normal tail
//! `Q(z) = N(-z) = phi(z) h(z)` with the Mills ratio `h` from piecewise polynomials fitted once
//! (`scripts/gen-black76-reference.py`, worst absolute error of `h` 1.6e-26; `Q(z)` is taken as
//! zero from `z = 11`, where it is below 2e-28). The price is then formed exactly,
//! `(F N(d1) - K N(d2)) / 2^96` on 512 bits, so its only error is that of the two CDF values:
//! below `(F + K) * 1e-26` (an error in `ln(F / K)` or in the division by `s` moves `d1` and `d2`
//! together and cancels to first order, since `F phi(d1) = K phi(d2)`).
//!
//! # Rounding
//!
//! Rounding favours the protocol. [`Black76::price`] with [`Rounding::Down`] is a lower
//! bound of the exact price (the mark of a long position: an asset, valued down) and with
//! [`Rounding::Up`] an upper bound (the mark of a short position: a liability, valued up): the
//! computed value widened by `(F + K) / 2^80 + 2` wei (8.3e-25 of `F + K`, eighty times the error
//! bound above), then clamped to the no-arbitrage bounds `max(0, F - K) <= C <= F` and
//! `max(0, K - F) <= P <= K` (which the exact price satisfies). The call and the put come from the
//! same two CDF values, so put-call parity holds to that rounding.
//!
//! The Greeks are sensitivities, not values: they round toward zero.

use crate::math::fixed::{mul_div, u256, Rounding, WAD};
use crate::math::fixed128::{self as f128, mul_wide, mul_wide_inline};
use crate::CoreError;
use alloy_primitives::{I256, U256, U512};

#[path = "normal_coeffs.rs"]
mod coeffs;

/// Seconds in a year of 365 days (the unit of `T`).
pub const SECONDS_PER_YEAR: u64 = 365 * 86_400;
/// Largest accepted volatility, WAD (1,000 % a year).
pub const MAX_VOL: U256 = u256(10_000_000_000_000_000_000);
/// Largest accepted time to expiry, seconds (ten years).
pub const MAX_SECONDS: u64 = 10 * SECONDS_PER_YEAR;

/// One in Q96.
const ONE: i128 = 1 << 96;
/// `ln 2` in Q96.
const LN2: i128 = 54_916_777_467_707_473_351_141_471_128;
/// `floor(ln 2 / 2^64)`: the high part of [`LN2`].
const LN2_HIGH: i64 = (LN2 >> 64) as i64;
/// `1 / sqrt(2 pi)` in Q96.
const INV_SQRT_2PI: i128 = 31_607_463_825_455_920_808_620_519_744;
/// `|d1|`, `|d2|` are clamped here (the CDF is exactly 0 or 1 in Q96 far before).
const D_MAX: i128 = 40 << 96;
/// `Q(z)` is taken as zero from here on (`Q(11) < 2e-28`).
const TAIL_END: i128 = 11 << 96;
/// Terms of the `ln(1 + t)` series (`|t| <= 1/33`, 19 terms reach 1e-30).
const LN_TERMS: usize = 19;
/// Taylor terms of `exp` on `[0, ln 2 / 16)`.
const EXP_TERMS: usize = 14;

/// `1 / n` in Q96 for the `ln` series (`INV_N[0]` unused; computed at compile time).
const INV_N: [i128; LN_TERMS + 1] = {
    let mut t = [0i128; LN_TERMS + 1];
    let mut n = 1;
    while n <= LN_TERMS {
        t[n] = ONE / n as i128;
        n += 1;
    }
    t
};

/// `1 / n!` in Q96 for the `exp` polynomial (computed at compile time).
const INV_FACT: [i128; EXP_TERMS + 1] = {
    let mut t = [0i128; EXP_TERMS + 1];
    let mut f: i128 = 1;
    let mut n = 0;
    while n <= EXP_TERMS {
        if n > 0 {
            f *= n as i128;
        }
        t[n] = ONE / f;
        n += 1;
    }
    t
};

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// The right to buy at the strike: pays `max(0, S - K)`.
    Call,
    /// The right to sell at the strike: pays `max(0, K - S)`.
    Put,
}

/// `a * b / 2^96` in Q96, truncated toward zero (internal precision; every caller keeps the
/// result far below `2^127` by the bounds of its inputs).
#[inline(never)]
const fn mulq(a: i128, b: i128) -> i128 {
    let (hi, lo) = mul_wide_inline(a.unsigned_abs(), b.unsigned_abs());
    let m = ((hi << 32) | (lo >> 96)) as i128;
    if (a < 0) ^ (b < 0) {
        m.wrapping_neg()
    } else {
        m
    }
}

/// `e^y` in Q96 for `y <= 20` (in Q96); `0` when the result is below the Q96 resolution.
fn exp_q96(y: i128) -> Result<i128, CoreError> {
    if y > 20 * ONE {
        return Err(CoreError::Overflow);
    }
    // y = k ln 2 + r, 0 <= r < ln 2: k = floor(y / ln 2) estimated on 64 bits (within 4 of it
    // for any y; an i128 division is a costly compiler-rt call on wasm32), then made exact.
    let estimate = i128::from((y >> 64) as i64 / LN2_HIGH);
    if estimate < -104 {
        return Ok(0);
    }
    let (mut k, mut r) = (estimate, y - estimate * LN2);
    while r < 0 {
        k -= 1;
        r += LN2;
    }
    while r >= LN2 {
        k += 1;
        r -= LN2;
    }
    if k < -100 {
        return Ok(0);
    }
    // e^r = (e^(r / 16))^16, the inner one by its Taylor polynomial (Horner).
    let r16 = r >> 4;
    let mut acc = INV_FACT[EXP_TERMS];
    for c in INV_FACT[..EXP_TERMS].iter().rev() {
        acc = c + mulq(acc, r16);
    }
    for _ in 0..4 {
        acc = mulq(acc, acc);
    }
    // 1 <= acc < 2^97 and -100 <= k <= 28, so the shift keeps the value below 2^125.
    Ok(if k >= 0 { acc << k } else { acc >> (-k) })
}

/// The low 128 bits of a value known to fit.
fn low128(x: U256) -> u128 {
    let l = x.as_limbs();
    u128::from(l[0]) | (u128::from(l[1]) << 64)
}

/// `ln x` in Q96 for an integer `x >= 1` (`x = 0` gives `ln 1 = 0`; callers exclude it).
pub(crate) fn ln_q96(x: U256) -> i128 {
    if x.is_zero() {
        return 0;
    }
    let b = x.bit_len() - 1;
    // x = m 2^b with m in [1, 2) as Q96 (the shift right drops bits below 2^-96 of m).
    let m = if b <= 96 {
        low128(x << (96 - b))
    } else {
        low128(x >> (b - 96))
    } as i128;
    ln_parts(b as i128, m)
}

/// [`ln_q96`] of a `u128` (the same value).
pub(crate) fn ln_q96_u128(x: u128) -> i128 {
    if x == 0 {
        return 0;
    }
    let b = 127 - x.leading_zeros();
    let m = if b <= 96 {
        x << (96 - b)
    } else {
        x >> (b - 96)
    } as i128;
    ln_parts(i128::from(b), m)
}

/// `ln(m 2^b)` in Q96 for `m` in `[1, 2)` as Q96.
fn ln_parts(b: i128, m: i128) -> i128 {
    // m = c_j (1 + t) with c_j = 1 + j/16 + 1/32 the midpoint of m's sixteenth: |t| <= 1/33.
    let j = ((m - ONE) >> 92) as usize & 15;
    let t = mulq(m, coeffs::INV_TABLE[j]) - ONE;
    // ln(1 + t) = t (1 - t (1/2 - t (1/3 - ...))), 19 terms.
    let mut acc = INV_N[LN_TERMS];
    for c in INV_N[1..LN_TERMS].iter().rev() {
        acc = c - mulq(acc, t);
    }
    b * LN2 + coeffs::LN_TABLE[j] + mulq(t, acc)
}

/// `sqrt y` in Q96 for `2^-30 <= y <= 16` in Q96 (0 below; the relative error grows above 16), by the division-free Newton iteration of
/// `1 / sqrt y` from below (`r <- r (3 - y r^2) / 2`), then `y r`.
fn sqrt_q96(y: i128) -> i128 {
    if y <= 0 {
        return 0;
    }
    // y in [2^e, 2^(e+1)); r0 = 2^-ceil((e + 1) / 2) gives y r0^2 in [1/4, 1): from below.
    let e = 127 - y.leading_zeros() as i32 - 96;
    if e < -30 {
        // Below 2^-30 (never reached: T >= 1 s gives y >= 2^-25), where r^2 would not fit.
        return 0;
    }
    let k = (e + 2).div_euclid(2);
    let mut r = if k >= 0 { ONE >> k } else { ONE << (-k) };
    for _ in 0..20 {
        let err = ONE - mulq(y, mulq(r, r));
        let step = mulq(r, err) >> 1;
        if step == 0 {
            break;
        }
        r += step;
    }
    mulq(y, r)
}

/// `sqrt(T)` in Q96 for `seconds <= MAX_SECONDS`, `T` in years (internal precision; see the
/// module docs). `seconds * 2^96 < 2^125`.
pub(crate) fn sqrt_years(seconds: u64) -> u128 {
    let t_years = (u128::from(seconds) << 96) / u128::from(SECONDS_PER_YEAR);
    sqrt_q96(t_years as i128) as u128
}

/// The standard normal density `phi(z)` in Q96, for `|z| <= D_MAX`.
fn density_q96(z: i128) -> i128 {
    let y = mulq(z, z) >> 1;
    // y >= 0, so exp cannot fail.
    mulq(exp_q96(-y).unwrap_or(0), INV_SQRT_2PI)
}

/// The upper tail `Q(z) = N(-z)` in Q96 for `0 <= z <= D_MAX`.
fn tail_q96(z: i128) -> i128 {
    tail_with_density(z, density_q96(z))
}

/// `Q(z)` for `0 <= z <= D_MAX` given `phi = phi(z)` (shared with the caller's density).
fn tail_with_density(z: i128, phi: i128) -> i128 {
    if z >= TAIL_END {
        return 0;
    }
    let n = (z >> 96) as usize;
    let u = z - ((n as i128) << 96) - ONE / 2;
    let c = coeffs::MILLS[n];
    let mut h = c[c.len() - 1];
    for &ci in c.iter().rev().skip(1) {
        h = ci + mulq(h, u);
    }
    mulq(phi, h)
}

/// The normal CDF `N(d)` in Q96, for `|d| <= D_MAX`.
fn cdf_q96(d: i128) -> i128 {
    if d >= 0 {
        ONE - tail_q96(d)
    } else {
        tail_q96(-d)
    }
}

/// Signed WAD to Q96, truncated toward zero.
fn wad_to_q96(x: I256, limit: i128) -> Result<i128, CoreError> {
    let m = mul_div(
        x.unsigned_abs(),
        U256::from(ONE as u128),
        WAD,
        Rounding::Down,
    )?;
    if m > U256::from(limit as u128) {
        return Err(CoreError::InvalidParameter);
    }
    let m = low128(m) as i128;
    Ok(if x.is_negative() { -m } else { m })
}

/// Q96 to signed WAD, truncated toward zero.
fn q96_to_wad(x: i128) -> I256 {
    let m = (U256::from(x.unsigned_abs()) * WAD) >> 96usize;
    let m = I256::from_raw(m);
    if x < 0 {
        -m
    } else {
        m
    }
}

/// Natural logarithm of a positive WAD value, WAD, truncated toward zero (a sensitivity input,
/// not a value; within 1e-27 of the exact logarithm before the truncation).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `x == 0`.
pub fn ln_wad(x: U256) -> Result<I256, CoreError> {
    if x.is_zero() {
        return Err(CoreError::InvalidParameter);
    }
    Ok(q96_to_wad(ln_q96(x) - ln_q96(WAD)))
}

/// `e^x` of a WAD value, WAD, truncated toward zero (relative error below 1e-27 before the
/// truncation). `x` is at most 20.
///
/// # Errors
/// [`CoreError::Overflow`] if `x > 20`.
pub fn exp_wad(x: I256) -> Result<U256, CoreError> {
    let limit = 20 * ONE;
    let q = match wad_to_q96(x, limit) {
        Ok(q) => q,
        Err(_) if x.is_negative() => return Ok(U256::ZERO),
        Err(_) => return Err(CoreError::Overflow),
    };
    let e = exp_q96(q)?;
    Ok((U256::from(e as u128) * WAD) >> 96usize)
}

/// The standard normal CDF `N(x)` of a WAD value, WAD, truncated toward zero (absolute error
/// below 1e-26 before the truncation).
#[must_use]
pub fn norm_cdf(x: I256) -> U256 {
    let d = wad_to_q96(x, D_MAX).unwrap_or(if x.is_negative() { -D_MAX } else { D_MAX });
    (U256::from(cdf_q96(d) as u128) * WAD) >> 96usize
}

/// The standard normal density `phi(x)` of a WAD value, WAD, truncated toward zero.
#[must_use]
pub fn norm_pdf(x: I256) -> U256 {
    match wad_to_q96(x, D_MAX) {
        Ok(d) => (U256::from(density_q96(d) as u128) * WAD) >> 96usize,
        Err(_) => U256::ZERO,
    }
}

/// `(num / den)^p` for positive integers `num`, `den` and a WAD power `0 <= p <= 1`, WAD,
/// rounded by `rounding` (the result is within 1e-26 relative of the exact power before the
/// rounding; `Up` adds one wei, `Down` takes one off, so each is a bound of the exact value).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `num` or `den` is zero or `p > 1`;
/// [`CoreError::Overflow`] if the result exceeds `e^20`.
pub fn pow_ratio(num: u64, den: u64, p: U256, rounding: Rounding) -> Result<U256, CoreError> {
    if p > WAD {
        return Err(CoreError::InvalidParameter);
    }
    pow_ratio_q(num, den, low128(p), rounding).map(f128::widen)
}

/// [`pow_ratio`] with a `u128` power and result (the same value).
pub(crate) fn pow_ratio_q(
    num: u64,
    den: u64,
    p: u128,
    rounding: Rounding,
) -> Result<u128, CoreError> {
    if num == 0 || den == 0 || p > f128::WAD {
        return Err(CoreError::InvalidParameter);
    }
    let l = ln_q96_u128(u128::from(num)) - ln_q96_u128(u128::from(den));
    // |l| < 45 and p <= 1: the product fits.
    let pq = f128::mul_div(p, ONE as u128, f128::WAD, Rounding::Down)? as i128;
    let y = mulq(l, pq);
    // e < e^20 2^96 < 2^125: its WAD value fits.
    let v = mulq(exp_q96(y)?, f128::WAD_SIGNED) as u128;
    Ok(match rounding {
        Rounding::Down => v.saturating_sub(1),
        Rounding::Up => v + 2,
    })
}

/// `s = vol sqrt(T)` in Q96, truncated, for `vol <= MAX_VOL` (WAD) and `sqrt(T)` (Q96,
/// [`sqrt_years`]): the product fits and the quotient cannot fail.
pub(crate) fn vol_sqrt_t(vol: u128, sqrt_t: u128) -> u128 {
    f128::mul_div(vol, sqrt_t, f128::WAD, Rounding::Down).unwrap_or(0)
}

/// The CDF and density values of one evaluation, shared by [`Black76`] and [`Black76Q`].
#[derive(Debug, Clone, Copy)]
struct Cdfs {
    /// `N(d1)`, `N(d2)`, `phi(d1)` and `s = sigma sqrt(T)`, Q96.
    n1: u128,
    n2: u128,
    phi: u128,
    s: u128,
}

impl Cdfs {
    /// The values for a forward and strike that are zero or not (`zero_f`, `zero_k`), compare as
    /// `order`, with `lnm = ln F - ln K` (Q96) and `s = sigma sqrt(T)` ([`vol_sqrt_t`]).
    fn new(zero_f: bool, zero_k: bool, order: core::cmp::Ordering, lnm: i128, s: u128) -> Self {
        let mut out = Self {
            n1: 0,
            n2: 0,
            phi: 0,
            s,
        };
        if zero_f {
            return out;
        }
        if zero_k {
            out.n1 = ONE as u128;
            out.n2 = ONE as u128;
            return out;
        }
        if s == 0 {
            let n = match order {
                core::cmp::Ordering::Greater => ONE as u128,
                core::cmp::Ordering::Equal => (ONE / 2) as u128,
                core::cmp::Ordering::Less => 0,
            };
            out.n1 = n;
            out.n2 = n;
            return out;
        }
        let si = s as i128;
        // lnm / s, saturated at +-64 (beyond which both CDF values are exactly 0 or 1). Below
        // the saturation |lnm| < 64 s < 2^107, so |lnm| 2^96 / s fits and cannot fail.
        let m = lnm.unsigned_abs();
        let q = if m >= 64 * s {
            64 * ONE
        } else {
            f128::div_wide(m >> 32, m << 96, s).map_or(0, |(q, _)| q) as i128
        };
        let q = if lnm < 0 { -q } else { q };
        let d1 = q + si / 2;
        let d2 = (d1 - si).clamp(-D_MAX, D_MAX);
        let d1 = d1.clamp(-D_MAX, D_MAX);
        // phi(d1) serves the first CDF value, gamma and vega.
        let phi = density_q96(d1);
        let n1 = if d1 >= 0 {
            ONE - tail_with_density(d1, phi)
        } else {
            tail_with_density(-d1, phi)
        };
        // 0 <= N <= 1 and phi <= 0.4 in Q96: all non-negative and below 2^97.
        out.n1 = n1.clamp(0, ONE) as u128;
        out.n2 = cdf_q96(d2).clamp(0, ONE) as u128;
        out.phi = phi.max(0) as u128;
        out
    }
}

/// [`Black76`] for a forward and strike below `2^128`, in 128-bit arithmetic: the same CDF
/// values, and the same price and Greeks bit for bit (the scenario margin revalues every series
/// at 21 points with it; `tests::narrow_model_matches`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Black76Q {
    forward: u128,
    strike: u128,
    n1: u128,
    n2: u128,
    phi: u128,
    s: u128,
    sqrt_t: u128,
}

impl Black76Q {
    /// [`Black76::from_parts`] for a forward and strike below `2^128` and `vol <= MAX_VOL`
    /// (checked by the caller).
    pub(crate) fn from_parts(
        forward: u128,
        strike: u128,
        ln_f: i128,
        ln_k: i128,
        sqrt_t: u128,
        vol: u128,
    ) -> Self {
        Self::with_s(forward, strike, ln_f, ln_k, sqrt_t, vol_sqrt_t(vol, sqrt_t))
    }

    /// [`Self::from_parts`] with `s = vol sqrt(T)` given ([`vol_sqrt_t`]): the scenario margin
    /// computes it once per series and volatility scenario.
    pub(crate) fn with_s(
        forward: u128,
        strike: u128,
        ln_f: i128,
        ln_k: i128,
        sqrt_t: u128,
        s: u128,
    ) -> Self {
        let c = Cdfs::new(
            forward == 0,
            strike == 0,
            forward.cmp(&strike),
            ln_f - ln_k,
            s,
        );
        Self {
            forward,
            strike,
            n1: c.n1,
            n2: c.n2,
            phi: c.phi,
            s: c.s,
            sqrt_t,
        }
    }

    /// [`Black76::gamma`] (the same value).
    ///
    /// # Errors
    /// [`CoreError::Overflow`] if the gamma does not fit `u128`.
    pub(crate) fn gamma(&self) -> Result<u128, CoreError> {
        let f = self.forward;
        if self.s == 0 || f == 0 || self.phi == 0 {
            return Ok(0);
        }
        // floor(floor(phi 1e36 / F) / s), the inner quotient on 256 bits.
        let (hi, lo) = mul_wide(self.phi, f128::WAD * f128::WAD);
        let (q_lo, _) = f128::div_wide(hi % f, lo, f)?;
        Ok(f128::div_wide(hi / f, q_lo, self.s)?.0)
    }

    /// [`Black76::vega`] (the same value).
    ///
    /// # Errors
    /// [`CoreError::Overflow`] if the vega does not fit `u128`.
    pub(crate) fn vega(&self) -> Result<u128, CoreError> {
        // floor(floor(F phi / 2^96) sqrt(T) / 2^96): shifts of 256-bit products.
        let shift = |(hi, lo): (u128, u128)| -> Result<u128, CoreError> {
            if hi >> 96 != 0 {
                return Err(CoreError::Overflow);
            }
            Ok((hi << 32) | (lo >> 96))
        };
        shift(mul_wide(
            shift(mul_wide(self.forward, self.phi))?,
            self.sqrt_t,
        ))
    }

    /// [`Black76::price`], in the same rounding. Never fails: the price is at most the larger
    /// of the forward and the strike.
    pub(crate) fn price(&self, kind: OptionKind, rounding: Rounding) -> u128 {
        let one = ONE as u128;
        let (f, k) = (self.forward, self.strike);
        let (plus, minus, intrinsic, cap) = match kind {
            OptionKind::Call => (
                mul_wide(f, self.n1),
                mul_wide(k, self.n2),
                f.saturating_sub(k),
                f,
            ),
            OptionKind::Put => (
                mul_wide(k, one - self.n2),
                mul_wide(f, one - self.n1),
                k.saturating_sub(f),
                k,
            ),
        };
        // plus - minus on 256 bits, or 0 when negative (only from the CDF error).
        let (hi, lo) = if plus <= minus {
            (0, 0)
        } else {
            let (lo, borrow) = plus.1.overflowing_sub(minus.1);
            (plus.0 - minus.0 - u128::from(borrow), lo)
        };
        // plus <= max(F, K) 2^96, so the floor fits 128 bits.
        let floor = (hi << 32) | (lo >> 96);
        let exact = lo << 32 == 0;
        let band = (f >> 80) + (k >> 80) + 2;
        match rounding {
            Rounding::Down => floor.saturating_sub(band).max(intrinsic).min(cap),
            Rounding::Up => {
                let ceil = if exact {
                    floor
                } else {
                    floor.saturating_add(1)
                };
                ceil.saturating_add(band).min(cap).max(intrinsic)
            }
        }
    }

    /// [`Black76::delta`], signed WAD (toward zero).
    pub(crate) fn delta(&self, kind: OptionKind) -> i128 {
        let n = match kind {
            OptionKind::Call => self.n1 as i128,
            OptionKind::Put => self.n1 as i128 - ONE,
        };
        mulq(n, f128::WAD_SIGNED)
    }
}

/// One Black-76 evaluation: the CDF and density values shared by the price and the Greeks of a
/// call and a put at the same forward, strike, expiry and volatility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Black76 {
    forward: U256,
    strike: U256,
    /// `N(d1)`, `N(d2)`, `phi(d1)`, `s = sigma sqrt(T)` and `sqrt(T)`, Q96.
    n1: u128,
    n2: u128,
    phi: u128,
    s: u128,
    sqrt_t: u128,
}

impl Black76 {
    /// Evaluates the model at forward `forward` and strike `strike` (WAD quote per base unit),
    /// `seconds` to expiry and annualised volatility `vol` (WAD).
    ///
    /// Degenerate inputs take their limits: a zero time or volatility gives the intrinsic value
    /// (delta 1, 0 or one half at the money); a zero forward a worthless call and a put worth the
    /// strike; a zero strike a call worth the forward.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] if `vol > MAX_VOL` or `seconds > MAX_SECONDS`.
    pub fn new(forward: U256, strike: U256, seconds: u64, vol: U256) -> Result<Self, CoreError> {
        if vol > MAX_VOL || seconds > MAX_SECONDS {
            return Err(CoreError::InvalidParameter);
        }
        Ok(Self::from_parts(
            forward,
            strike,
            ln_q96(forward),
            ln_q96(strike),
            sqrt_years(seconds),
            vol,
        ))
    }

    /// [`Self::new`] from precomputed `ln F`, `ln K` (Q96, see [`ln_q96`]; ignored when the
    /// forward or strike is zero) and `sqrt(T)` ([`sqrt_years`]), for `vol <= MAX_VOL` and
    /// `T <= MAX_SECONDS` (checked by the caller): the scenario margin revalues one series at
    /// many forwards and one forward for many series.
    pub(crate) fn from_parts(
        forward: U256,
        strike: U256,
        ln_f: i128,
        ln_k: i128,
        sqrt_t: u128,
        vol: U256,
    ) -> Self {
        // vol <= MAX_VOL fits 128 bits (checked by the caller).
        let c = Cdfs::new(
            forward.is_zero(),
            strike.is_zero(),
            forward.cmp(&strike),
            ln_f - ln_k,
            vol_sqrt_t(low128(vol), sqrt_t),
        );
        Self {
            forward,
            strike,
            n1: c.n1,
            n2: c.n2,
            phi: c.phi,
            s: c.s,
            sqrt_t,
        }
    }

    /// The price times `2^96` (exact in the CDF values), and the intrinsic value and upper
    /// no-arbitrage bound.
    fn scaled(&self, kind: OptionKind) -> (U512, U256, U256) {
        let one = ONE as u128;
        let (f, k) = (self.forward, self.strike);
        let w = |a: U256, n: u128| -> U512 { a.widening_mul(U256::from(n)) };
        let (plus, minus, intrinsic, cap) = match kind {
            OptionKind::Call => (w(f, self.n1), w(k, self.n2), f.saturating_sub(k), f),
            OptionKind::Put => (
                w(k, one - self.n2),
                w(f, one - self.n1),
                k.saturating_sub(f),
                k,
            ),
        };
        // A negative difference can only come from the CDF error: the price is then 0.
        (plus.saturating_sub(minus), intrinsic, cap)
    }

    /// The price of one contract, WAD quote: with [`Rounding::Down`] a lower bound of the exact
    /// price (the mark of a long position), with [`Rounding::Up`] an upper bound (the mark of a
    /// short position). Both lie within the no-arbitrage bounds; see the module docs.
    ///
    /// # Errors
    /// [`CoreError::Overflow`] if the price does not fit 256 bits (a forward or strike near
    /// `2^256`).
    pub fn price(&self, kind: OptionKind, rounding: Rounding) -> Result<U256, CoreError> {
        let (num, intrinsic, cap) = self.scaled(kind);
        let floor = num >> 96;
        let exact = (floor << 96) == num;
        let floor = crate::math::fixed::narrow(floor)?;
        let band = (self.forward >> 80usize)
            .saturating_add(self.strike >> 80usize)
            .saturating_add(U256::from(2u8));
        Ok(match rounding {
            // Long mark: asset, rounds down (below the exact price by the error bound).
            Rounding::Down => floor.saturating_sub(band).max(intrinsic).min(cap),
            // Short mark: liability, rounds up (above the exact price by the error bound).
            Rounding::Up => {
                let ceil = if exact {
                    floor
                } else {
                    floor.saturating_add(U256::from(1u8))
                };
                ceil.saturating_add(band).min(cap).max(intrinsic)
            }
        })
    }

    /// Delta per contract, signed WAD base units: `N(d1)` for a call, `N(d1) - 1` for a put
    /// (truncated toward zero).
    #[must_use]
    pub fn delta(&self, kind: OptionKind) -> I256 {
        match kind {
            OptionKind::Call => q96_to_wad(self.n1 as i128),
            OptionKind::Put => q96_to_wad(self.n1 as i128 - ONE),
        }
    }

    /// Gamma per contract, WAD base units of delta per one quote unit of price move:
    /// `phi(d1) / (F s)`, truncated toward zero (0 for degenerate inputs).
    ///
    /// # Errors
    /// [`CoreError::Overflow`] if the result does not fit (a forward below 1e-30).
    pub fn gamma(&self) -> Result<U256, CoreError> {
        if self.s == 0 || self.forward.is_zero() || self.phi == 0 {
            return Ok(U256::ZERO);
        }
        // phi / (F / 1e18) / s, in WAD: phi_q96 * 1e36 / F_wad / s_q96 (the 2^96 cancel).
        let g = mul_div(
            U256::from(self.phi),
            WAD * WAD,
            self.forward,
            Rounding::Down,
        )?;
        mul_div(g, U256::from(1u8), U256::from(self.s), Rounding::Down)
    }

    /// Vega per contract, WAD quote per unit of volatility (per 100 volatility points):
    /// `F phi(d1) sqrt(T)`, truncated toward zero.
    ///
    /// # Errors
    /// [`CoreError::Overflow`] if the result does not fit.
    pub fn vega(&self) -> Result<U256, CoreError> {
        let q96 = U256::from(ONE as u128);
        let v = mul_div(self.forward, U256::from(self.phi), q96, Rounding::Down)?;
        mul_div(v, U256::from(self.sqrt_t), q96, Rounding::Down)
    }
}

/// The price of one contract (see [`Black76::price`]): `Rounding::Down` marks a long position,
/// `Rounding::Up` a short one.
///
/// # Errors
/// As [`Black76::new`] and [`Black76::price`].
pub fn price(
    kind: OptionKind,
    forward: U256,
    strike: U256,
    seconds: u64,
    vol: U256,
    rounding: Rounding,
) -> Result<U256, CoreError> {
    Black76::new(forward, strike, seconds, vol)?.price(kind, rounding)
}

/// The mark of a long position of one contract (a lower bound of the exact price).
///
/// # Errors
/// As [`price`].
pub fn mark_long(
    kind: OptionKind,
    forward: U256,
    strike: U256,
    seconds: u64,
    vol: U256,
) -> Result<U256, CoreError> {
    price(kind, forward, strike, seconds, vol, Rounding::Down)
}

/// The mark of a short position of one contract (an upper bound of the exact price).
///
/// # Errors
/// As [`price`].
pub fn mark_short(
    kind: OptionKind,
    forward: U256,
    strike: U256,
    seconds: u64,
    vol: U256,
) -> Result<U256, CoreError> {
    price(kind, forward, strike, seconds, vol, Rounding::Up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::sqrt;
    use proptest::prelude::*;

    fn q96_of(x: f64) -> i128 {
        (x * (ONE as f64)) as i128
    }

    fn to_f(x: i128) -> f64 {
        x as f64 / ONE as f64
    }

    #[test]
    fn constants() {
        assert_eq!(ONE, 79_228_162_514_264_337_593_543_950_336);
        assert!((to_f(LN2) - core::f64::consts::LN_2).abs() < 1e-15);
        // 1/n! and 1/n tables.
        assert_eq!(INV_FACT[0], ONE);
        assert_eq!(INV_FACT[3], ONE / 6);
        assert_eq!(INV_N[7], ONE / 7);
        assert_eq!(coeffs::MILLS.len(), 11);
        assert!(coeffs::MILLS_ERRORS
            .iter()
            .all(|e| e.parse::<f64>().unwrap() < 2e-26));
    }

    #[test]
    fn mul_wide_matches_u256() {
        for (a, b) in [
            (u128::MAX, u128::MAX),
            (1, u128::MAX),
            (12_345 << 100, 987 << 90),
        ] {
            let (hi, lo) = mul_wide(a, b);
            let p = U256::from(a) * U256::from(b);
            assert_eq!((low128(p >> 128), low128(p)), (hi, lo));
        }
    }

    #[test]
    fn sqrt_matches_integer_root() {
        // sqrt_q96(y) against floor(sqrt(y * 2^96)), within a few units of 2^-96 relative.
        for y in [
            ONE >> 30,
            ONE >> 25,
            ONE / 31_536_000,
            ONE / 8_760,
            ONE / 2,
            ONE,
            2 * ONE,
            10 * ONE,
            16 * ONE,
        ] {
            let exact = sqrt(U256::from(y as u128) << 96usize);
            let got = U256::from(sqrt_q96(y) as u128);
            let diff = got.abs_diff(exact);
            assert!(
                diff <= (exact >> 90usize) + U256::from(4u8),
                "{y}: {got} vs {exact}"
            );
        }
        assert_eq!(sqrt_q96(0), 0);
        assert_eq!(sqrt_q96(1), 0);
        assert_eq!(sqrt_q96(ONE >> 31), 0);
    }

    #[test]
    fn ln_exp_examples() {
        for x in [1u64, 2, 3, 10, 1_000_000_007, u64::MAX] {
            let l = to_f(ln_q96(U256::from(x)));
            assert!((l - (x as f64).ln()).abs() < 1e-14, "{x}");
        }
        // ln(2^255) and an exact identity: ln(2^k) = k ln 2 to a few units of 2^-96.
        for k in [1usize, 64, 200, 255] {
            let l = ln_q96(U256::from(1u8) << k);
            assert!((l - k as i128 * LN2).abs() < 1 << 12, "{k}");
        }
        for y in [-50.0, -3.0, -0.5, 0.0, 0.3, 1.0, 5.5, 19.9] {
            let e = to_f(exp_q96(q96_of(y)).unwrap());
            assert!((e - y.exp()).abs() <= 1e-14 * y.exp() + 1e-28, "{y}");
        }
        assert_eq!(exp_q96(21 * ONE), Err(CoreError::Overflow));
        assert_eq!(exp_q96(-1_000 * ONE), Ok(0));
        assert_eq!(ln_wad(U256::ZERO), Err(CoreError::InvalidParameter));
        assert_eq!(ln_wad(WAD), Ok(I256::ZERO));
        assert!(exp_wad(I256::ZERO).unwrap().abs_diff(WAD) <= U256::from(1u8));
        // e = 2.718281828459045235360287...
        let e = exp_wad(I256::from_raw(WAD)).unwrap();
        assert!(e.abs_diff(U256::from(2_718_281_828_459_045_235u64)) <= U256::from(1u8));
        let l2 = ln_wad(WAD * U256::from(2u8)).unwrap();
        assert!(
            l2.into_raw()
                .abs_diff(U256::from(693_147_180_559_945_309u64))
                <= U256::from(1u8)
        );
        assert_eq!(
            exp_wad(I256::from_raw(WAD * U256::from(21u8))),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            exp_wad(-I256::from_raw(WAD * U256::from(1_000u16))),
            Ok(U256::ZERO)
        );
    }

    #[test]
    fn cdf_examples() {
        // N(1.96) = 0.9750021048517795658634...
        let n = norm_cdf(I256::from_raw(U256::from(1_960_000_000_000_000_000u64)));
        assert!(
            n.abs_diff(U256::from(975_002_104_851_779_565u64)) <= U256::from(1u8),
            "{n}"
        );
        assert_eq!(norm_cdf(I256::ZERO), WAD / U256::from(2u8));
        assert_eq!(norm_cdf(I256::MAX), WAD);
        assert_eq!(norm_cdf(I256::MIN + I256::ONE), U256::ZERO);
        // phi(0) = 0.398942280401432677...
        assert_eq!(norm_pdf(I256::ZERO), U256::from(398_942_280_401_432_677u64));
        assert_eq!(norm_pdf(I256::MAX), U256::ZERO);
    }

    /// The internal tail against mpmath at 40 digits (`tests/data/normal_reference.csv`).
    #[test]
    fn tail_against_reference() {
        let data = include_str!("../../tests/data/normal_reference.csv");
        let mut worst = 0i128;
        let mut count = 0;
        for line in data.lines().skip(1) {
            let mut it = line.split(',');
            let z: i128 = it.next().unwrap().parse().unwrap();
            let q: i128 = it.next().unwrap().parse().unwrap();
            let got = tail_q96(z);
            worst = worst.max((got - q).abs());
            // N(-z) + N(z) = 1 exactly by construction (z > 0).
            if z > 0 {
                assert_eq!(cdf_q96(-z) + cdf_q96(z), ONE);
            }
            count += 1;
        }
        assert!(count > 4_000);
        // 1e-26 absolute = 792 in Q96.
        assert!(worst < 800, "worst tail error {worst} / 2^96");
        eprintln!(
            "normal tail: worst absolute error {:.3e}",
            worst as f64 / ONE as f64
        );
    }

    #[test]
    fn degenerate_inputs() {
        let f = WAD * U256::from(3_000u16);
        let k = WAD * U256::from(2_900u16);
        let v = WAD / U256::from(2u8);
        for (s, vol) in [(0u64, v), (86_400, U256::ZERO)] {
            let b = Black76::new(f, k, s, vol).unwrap();
            assert_eq!(
                b.price(OptionKind::Call, Rounding::Down),
                Ok(WAD * U256::from(100u8))
            );
            assert!(
                b.price(OptionKind::Put, Rounding::Up).unwrap()
                    <= U256::from(2u8) + (f >> 80usize) + (k >> 80usize)
            );
            assert_eq!(b.delta(OptionKind::Call), I256::from_raw(WAD));
            assert_eq!(b.gamma(), Ok(U256::ZERO));
            let atm = Black76::new(f, f, s, vol).unwrap();
            assert_eq!(
                atm.delta(OptionKind::Call),
                I256::from_raw(WAD / U256::from(2u8))
            );
            assert_eq!(atm.price(OptionKind::Call, Rounding::Down), Ok(U256::ZERO));
        }
        let b = Black76::new(U256::ZERO, k, 86_400, v).unwrap();
        assert_eq!(b.price(OptionKind::Call, Rounding::Up), Ok(U256::ZERO));
        assert_eq!(b.price(OptionKind::Put, Rounding::Down), Ok(k));
        assert_eq!(b.delta(OptionKind::Put), -I256::from_raw(WAD));
        let b = Black76::new(f, U256::ZERO, 86_400, v).unwrap();
        assert_eq!(b.price(OptionKind::Call, Rounding::Down), Ok(f));
        assert_eq!(b.price(OptionKind::Put, Rounding::Up), Ok(U256::ZERO));
        assert_eq!(
            Black76::new(f, k, 86_400, MAX_VOL + U256::from(1u8)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            Black76::new(f, k, MAX_SECONDS + 1, v),
            Err(CoreError::InvalidParameter)
        );
        // Extreme but valid inputs do not fail or panic.
        for (f, k) in [
            (U256::MAX, U256::from(1u8)),
            (U256::from(1u8), U256::MAX),
            (U256::MAX, U256::MAX),
        ] {
            let b = Black76::new(f, k, MAX_SECONDS, MAX_VOL).unwrap();
            let _ = b.price(OptionKind::Call, Rounding::Up);
            let _ = b.price(OptionKind::Put, Rounding::Down);
            let _ = b.gamma();
            let _ = b.vega();
            let b = Black76::new(f, k, 1, U256::from(1u8)).unwrap();
            let _ = b.price(OptionKind::Call, Rounding::Up);
        }
    }

    #[test]
    fn atm_example() {
        // F = K = 3000, 30 days, 60 %: call = put = 3000 (2 N(s/2) - 1), s = 0.6 sqrt(30/365).
        let f = WAD * U256::from(3_000u16);
        let b = Black76::new(f, f, 30 * 86_400, WAD * U256::from(6u8) / U256::from(10u8)).unwrap();
        let c = b.price(OptionKind::Call, Rounding::Down).unwrap();
        let p = b.price(OptionKind::Put, Rounding::Down).unwrap();
        let s = 0.6 * (30.0f64 / 365.0).sqrt();
        let expect =
            3000.0 * (2.0 * 0.5 * (1.0 + libm_erf(s / 2.0 / core::f64::consts::SQRT_2)) - 1.0);
        let got = c.to::<u128>() as f64 / 1e18;
        assert!((got / expect - 1.0).abs() < 1e-12, "{got} {expect}");
        assert_eq!(c, p);
    }

    /// erf by its Taylor series (test only; x small).
    fn libm_erf(x: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-20 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        sum * 2.0 / core::f64::consts::PI.sqrt()
    }

    #[test]
    fn pow_ratio_examples() {
        // 30^0.3 = 2.77389...; (30/60)^0.13 = 0.91383...
        let p = pow_ratio(
            30,
            1,
            U256::from(3u8) * WAD / U256::from(10u8),
            Rounding::Up,
        )
        .unwrap();
        assert!(p.abs_diff(U256::from(2_774_191_114_672_180_982u64)) < U256::from(10_000u32));
        let d = pow_ratio(
            30,
            60,
            U256::from(13u8) * WAD / U256::from(100u8),
            Rounding::Down,
        )
        .unwrap();
        assert!(d < WAD && d > WAD * U256::from(91u8) / U256::from(100u8));
        assert_eq!(
            pow_ratio(0, 1, WAD, Rounding::Up),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            pow_ratio(1, 1, WAD + U256::from(1u8), Rounding::Up),
            Err(CoreError::InvalidParameter)
        );
    }

    fn any_input() -> impl Strategy<Value = (U256, U256, u64, U256)> {
        (
            1u64..1_000_000,
            30u64..300,
            1u64..(2 * SECONDS_PER_YEAR),
            5u64..300,
        )
            .prop_map(|(f, m, t, v)| {
                let f = U256::from(f) * WAD / U256::from(100u8);
                let k = f * U256::from(m) / U256::from(100u8);
                (f, k, t, U256::from(v) * WAD / U256::from(100u8))
            })
    }

    fn band(f: U256, k: U256) -> U256 {
        (f >> 80) + (k >> 80) + U256::from(2u8)
    }

    proptest! {
        /// Arbitrary inputs never panic: they are refused or priced.
        #[test]
        fn never_panics(
            f in crate::math::fixed::tests::any_u256(),
            k in crate::math::fixed::tests::any_u256(),
            t in any::<u64>(),
            v in crate::math::fixed::tests::any_u256(),
        ) {
            for (t, v) in [(t, v), (t % (MAX_SECONDS + 1), v % (MAX_VOL + U256::from(1u8)))] {
                if let Ok(b) = Black76::new(f, k, t, v) {
                    for kind in [OptionKind::Call, OptionKind::Put] {
                        for r in [Rounding::Down, Rounding::Up] {
                            let _ = b.price(kind, r);
                        }
                        let _ = b.delta(kind);
                    }
                    let _ = (b.gamma(), b.vega());
                }
            }
        }

        #[test]
        fn parity_and_bounds((f, k, t, v) in any_input()) {
            let b = Black76::new(f, k, t, v).unwrap();
            let cl = b.price(OptionKind::Call, Rounding::Down).unwrap();
            let cu = b.price(OptionKind::Call, Rounding::Up).unwrap();
            let pl = b.price(OptionKind::Put, Rounding::Down).unwrap();
            let pu = b.price(OptionKind::Put, Rounding::Up).unwrap();
            // Bounds: max(0, F - K) <= C <= F, max(0, K - F) <= P <= K; long <= short.
            prop_assert!(f.saturating_sub(k) <= cl && cl <= cu && cu <= f);
            prop_assert!(k.saturating_sub(f) <= pl && pl <= pu && pu <= k);
            // The two marks are within twice the band (plus the ceiling) of each other.
            let w = band(f, k) * U256::from(2u8) + U256::from(1u8);
            prop_assert!(cu - cl <= w && pu - pl <= w);
            // Parity C - P = F - K, to rounding: [C_long - P_short, C_short - P_long] holds F - K.
            let lo = I256::from_raw(cl) - I256::from_raw(pu);
            let hi = I256::from_raw(cu) - I256::from_raw(pl);
            let fk = I256::from_raw(f) - I256::from_raw(k);
            prop_assert!(lo <= fk && fk <= hi);
        }

        #[test]
        fn monotone_in_vol_time_strike((f, k, t, v) in any_input(), dv in 1u64..100, dt in 1u64..1_000_000, dk in 1u64..1_000) {
            let v2 = v + U256::from(dv) * WAD / U256::from(1_000u16);
            let t2 = t + dt;
            let k2 = k + k * U256::from(dk) / U256::from(10_000u16) + U256::from(1u8);
            for kind in [OptionKind::Call, OptionKind::Put] {
                // To rounding: the long mark at the lower input never exceeds the short mark at
                // the higher one.
                let base = price(kind, f, k, t, v, Rounding::Down).unwrap();
                prop_assert!(base <= price(kind, f, k, t, v2, Rounding::Up).unwrap());
                prop_assert!(base <= price(kind, f, k, t2, v, Rounding::Up).unwrap());
            }
            // Call decreasing, put increasing in the strike.
            prop_assert!(price(OptionKind::Call, f, k2, t, v, Rounding::Down).unwrap() <= price(OptionKind::Call, f, k, t, v, Rounding::Up).unwrap());
            prop_assert!(price(OptionKind::Put, f, k, t, v, Rounding::Down).unwrap() <= price(OptionKind::Put, f, k2, t, v, Rounding::Up).unwrap());
            // Away from rounding the central value is strictly monotone: a vol step of 0.1 point
            // changes an option worth more than 1e-6 of F by far more than the band.
            let mid = |kind, v| {
                let b = Black76::new(f, k, t, v).unwrap();
                b.price(kind, Rounding::Down).unwrap() + b.price(kind, Rounding::Up).unwrap()
            };
            if mid(OptionKind::Call, v) > f / U256::from(500_000u32) && b_vega_big(f, k, t, v) {
                prop_assert!(mid(OptionKind::Call, v2) > mid(OptionKind::Call, v));
            }
        }

        #[test]
        fn delta_gamma_signs((f, k, t, v) in any_input()) {
            let b = Black76::new(f, k, t, v).unwrap();
            let dc = b.delta(OptionKind::Call);
            let dp = b.delta(OptionKind::Put);
            prop_assert!(!dc.is_negative() && dc <= I256::from_raw(WAD));
            prop_assert!(dp <= I256::ZERO && dp >= -I256::from_raw(WAD));
            // delta_call - delta_put = 1 up to the two truncations.
            let diff = dc - dp - I256::from_raw(WAD);
            prop_assert!(diff.unsigned_abs() <= U256::from(1u8));
            prop_assert!(b.gamma().is_ok() && b.vega().is_ok());
        }
    }

    /// The `U256` formulas the 128-bit code replaced, kept as its oracles.
    mod wide_oracle {
        use super::*;

        /// `s = vol sqrt(T)` and `|lnm| 2^96 / s` as `from_parts` computed them on `U256`.
        pub fn s_and_q(vol: U256, sqrt_t: u128, lnm: u128) -> (u128, u128) {
            let s = low128((vol * U256::from(sqrt_t)) / WAD);
            let q = if s == 0 {
                0
            } else {
                low128((U256::from(lnm) << 96) / U256::from(s))
            };
            (s, q)
        }

        /// `pow_ratio` as it was computed on `U256`.
        pub fn pow_ratio(num: u64, den: u64, p: U256, r: Rounding) -> Result<U256, CoreError> {
            if num == 0 || den == 0 || p > WAD {
                return Err(CoreError::InvalidParameter);
            }
            let l = ln_q96(U256::from(num)) - ln_q96(U256::from(den));
            let pq = low128(mul_div(p, U256::from(ONE as u128), WAD, Rounding::Down)?) as i128;
            let e = exp_q96(mulq(l, pq))?;
            let v = (U256::from(e as u128) * WAD) >> 96usize;
            Ok(match r {
                Rounding::Down => v.saturating_sub(U256::from(1u8)),
                Rounding::Up => v + U256::from(2u8),
            })
        }
    }

    fn any_q_input() -> impl Strategy<Value = (u128, u128, u64, u128)> {
        let amount = prop_oneof![
            Just(0u128),
            1u128..1_000,
            any::<u64>().prop_map(u128::from),
            any::<u128>(),
            1_000_000_000_000u128..10u128.pow(30),
        ];
        (
            amount.clone(),
            amount,
            prop_oneof![Just(0u64), 0..=MAX_SECONDS],
            prop_oneof![Just(0u128), 0u128..=10 * f128::WAD],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        /// The 128-bit model gives the U256 model's price and delta bit for bit.
        #[test]
        fn narrow_model_matches((f, k, t, v) in any_q_input()) {
            let wide = Black76::new(U256::from(f), U256::from(k), t, U256::from(v)).unwrap();
            let q = Black76Q::from_parts(f, k, ln_q96_u128(f), ln_q96_u128(k), sqrt_years(t), v);
            for kind in [OptionKind::Call, OptionKind::Put] {
                for r in [Rounding::Down, Rounding::Up] {
                    prop_assert_eq!(wide.price(kind, r), Ok(U256::from(q.price(kind, r))));
                }
                prop_assert_eq!(wide.delta(kind), f128::widen_signed(q.delta(kind)));
            }
            prop_assert_eq!(wide.gamma().and_then(f128::narrow), q.gamma());
            prop_assert_eq!(wide.vega().and_then(f128::narrow), q.vega());
        }

        /// `s` and `lnm / s` on 128 bits equal the former U256 formulas.
        #[test]
        fn cdf_inputs_match_u256(v in 0u128..=10 * f128::WAD, t in 0u64..=MAX_SECONDS, lnm in any::<u128>()) {
            let sqrt_t = sqrt_years(t);
            let (s, _) = wide_oracle::s_and_q(U256::from(v), sqrt_t, lnm);
            let s_new = f128::mul_div(v, sqrt_t, f128::WAD, Rounding::Down).unwrap();
            prop_assert_eq!(s_new, s);
            let lnm = lnm >> 24;
            if s > 0 && lnm < 64 * s {
                let (_, q) = wide_oracle::s_and_q(U256::from(v), sqrt_t, lnm);
                prop_assert_eq!(f128::div_wide(lnm >> 32, lnm << 96, s).unwrap().0, q);
            }
        }

        /// `exp_q96`'s estimated and corrected `k` gives what the exact division gave.
        #[test]
        fn exp_matches_exact_reduction(y in prop_oneof![
            -1_000 * ONE..=20 * ONE,
            -(1i128 << 120)..=20 * ONE,
            Just(i128::MIN),
            Just(20 * ONE),
            Just(-100 * LN2),
            Just(-101 * LN2),
            Just(-100 * LN2 - 1),
        ]) {
            let exact = || -> Result<i128, CoreError> {
                let k = y.div_euclid(LN2);
                if k < -100 {
                    return Ok(0);
                }
                let r = y - k * LN2;
                let r16 = r >> 4;
                let mut acc = INV_FACT[EXP_TERMS];
                for c in INV_FACT[..EXP_TERMS].iter().rev() {
                    acc = c + mulq(acc, r16);
                }
                for _ in 0..4 {
                    acc = mulq(acc, acc);
                }
                Ok(if k >= 0 { acc << k } else { acc >> (-k) })
            };
            prop_assert_eq!(exp_q96(y), exact());
        }

        /// `ln` of a u128 and `pow_ratio` equal their U256 forms.
        #[test]
        fn ln_and_pow_match_u256(x in any::<u128>(), num in any::<u64>(), den in any::<u64>(), p in 0u128..=f128::WAD + 1) {
            prop_assert_eq!(ln_q96_u128(x), ln_q96(U256::from(x)));
            for r in [Rounding::Down, Rounding::Up] {
                prop_assert_eq!(
                    pow_ratio(num, den, U256::from(p), r),
                    wide_oracle::pow_ratio(num, den, U256::from(p), r)
                );
            }
        }
    }

    /// Whether vega * 0.001 is far above the rounding band (so a 0.1-point vol step shows).
    fn b_vega_big(f: U256, k: U256, t: u64, v: U256) -> bool {
        let vega = Black76::new(f, k, t, v).unwrap().vega().unwrap();
        vega / U256::from(1_000u16) > band(f, k) * U256::from(1_000u16)
    }
}
