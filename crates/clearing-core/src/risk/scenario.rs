//! The margin function of DESIGN section 7, whole: scenarios per underlying, aggregated with
//! correlation, over spot collateral, perpetuals and European options (section 13).
//!
//! For each underlying the caller passes one [`Book`]: its delta-one [`Exposure`] (spot, perp,
//! price, maintenance and initial haircuts, depth, bucket), the realised daily volatility, the
//! implied volatility of its nearest expiry, and its option positions. [`requirements`] returns
//! the maintenance and initial requirements:
//!
//! - **No option on `u`**: `Up_u = max(0, -D P S)`, `Dn_u = max(0, D P S)` with `S = h a`,
//!   `a = 1 + |D| P / depth`: exactly [`crate::risk::margin::requirements`]' numbers.
//! - **Options on `u`**: net delta `Delta = D + sum_i q_i delta_i` sets the add-on; the range
//!   `R = max(max(k sigma_u sqrt(T_opt / 1 day), R_min) a, S)` with
//!   `sigma_u = max(sigma_daily, IV_near / sqrt 365)`; the scenarios `x` in {0, S, R/2, R} with
//!   the volatility down, unchanged and up, and {-S, -R/2, -R} unchanged and up;
//!   `L(x, v) = l(x) + o(x, v)` with the delta-one loss `l` capped at `|D| P S` and the option
//!   loss `o` from full Black-76 revaluation; `Up_u`, `Dn_u` the largest `L` over `x >= 0`,
//!   `x <= 0`; the contingency `c_u = kappa P max(0, -sum_i q_i)`.
//! - **Regular requirement**: `s_u = Up_u - Dn_u`, `n_u = min(Up_u, Dn_u)`; cross mode
//!   `sum_u max(Up_u, Dn_u)`; portfolio mode `sqrt(max(0, sum rho s s)) + sum n_u`, never more
//!   than cross mode.
//! - **Tails** (when the account holds an option): each underlying with options moves by
//!   `d min(m_j X_u, X_far)` with the volatility up; cross mode `w_j sum max(0, T_u)`, portfolio
//!   mode `w_j max(0, sum_{T_u > 0} T_u - c_tail sum_{T_v < 0} |T_v| min_u rho_uv)`.
//! - `MM = max(M_reg, max W) + sum c_u`, at least `min_margin_fraction * (perp notional +
//!   underlying notional of short options)`. `IM`: the same scenarios with `l` scaled by
//!   `S_IM / S` and the option losses and contingency by `init_ratio`; the floor times
//!   `init_ratio`; never below `MM`.
//!
//! # Rounding
//!
//! Every loss and requirement rounds up (a gain rounds down). Option losses are measured between
//! the marks equity uses ([`options_value`]): a long position at its long mark (a lower bound of
//! the exact price, [`Black76::price`]) and a short one at its short mark (an upper bound), now
//! and in the scenario, so the equity left in a scenario is a lower bound of the exact one and an
//! unchanged scenario loses exactly nothing.
//! Shocks, ranges and tail moves round up; the shocked-down volatility rounds down (both away
//! from the base volatility). Scenario prices `P (1 + x)` round down (a scenario point, not a
//! value). Greeks and deltas round toward zero (sensitivities).
//!
//! # Arithmetic and domain
//!
//! The function runs on `u128` / `i128` ([`crate::math::fixed128`], with [`Black76`]'s 128-bit
//! twin for the revaluations): a 256-bit operation costs about a hundred bytes of WASM each
//! time it is written, a 128-bit one a few instructions, and the stateless `MarginMath`
//! contract must fit Stylus' 24 KiB. Products are formed on 256 bits before each division, so
//! only the values themselves must fit, not their products. The inputs, the results and every
//! value in between (notionals, shocked prices, marks, losses, requirements) must be below
//! `2^127` (signed) or `2^128` (unsigned) WAD, about `1.7e20` quote or base units: for example
//! a size of `1e10` base units at a price of `1e9` quote, or a depth up to `3.4e20` quote.
//! Outside that domain the answer is [`CoreError::Overflow`], never a wrapped value; inside
//! it the requirements are bit for bit those of the former `U256` / `I256` computation (kept
//! as the test oracle, `scenario_oracle.rs`). Portfolio mode's sum of correlated squares,
//! which reaches `(sum_u |s_u|)^2 / WAD`, is kept on 256 bits.
//!
//! # Design decisions where section 7 is silent
//!
//! - Down moves are clamped at `-100 %` (the price cannot go negative).
//! - `IV_near` is the caller's (the implied volatility of the underlying's nearest listed
//!   expiry); zero when none is posted.
//! - In the initial requirement's tails, `l` is scaled by `S_IM / S` and the option part by
//!   `init_ratio`, as in the regular scenarios.
//! - Portfolio mode's regular requirement is capped at cross mode's (as the delta-one function
//!   does), so correlation credit never raises a requirement.
//! - An expired series awaiting its settlement price (`seconds == 0`) is revalued at intrinsic
//!   value in every scenario (so volatility shocks do not touch it) and adds no contingency; it
//!   still counts in the floor's short-option notional and makes the account hold an option for
//!   the tails.

use crate::governance::option_params::{OptionMarginParams, VOL_TERM_PIVOT};
use crate::governance::params::DAY;
use crate::math::black76::{
    ln_q96_u128, pow_ratio_q, sqrt_years, vol_sqrt_t, Black76Q, OptionKind, MAX_SECONDS, MAX_VOL,
};
use crate::math::fixed::{Rounding, WAD};
use crate::math::fixed128 as q;
// The names the tests (`scenario_tests.rs`) take from this module.
#[cfg(test)]
use crate::math::{
    black76::Black76,
    fixed::{mul_div_signed, mul_signed, mul_up, u256, WAD_SIGNED},
};
#[cfg(doc)]
use crate::risk::haircut::horizon_factor;
use crate::risk::margin::{
    Correlations, Exposure, MarginMode, Requirements, MAX_BUCKETS, MAX_UNDERLYINGS,
};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// Most option series per margin computation (DESIGN section 13).
pub const MAX_OPTION_SERIES: usize = 16;

/// An option position of a sub-account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionPosition {
    /// Call or put.
    pub kind: OptionKind,
    /// Strike, WAD quote per base unit.
    pub strike: U256,
    /// Seconds to expiry (`0`: expired and not yet settled, marked at intrinsic value).
    pub seconds: u64,
    /// The series' annualised volatility `sigma_i`, WAD (implied, or the fallback).
    pub vol: U256,
    /// Signed size in contracts of one base unit, WAD (positive = long).
    pub size: I256,
}

/// Everything a sub-account holds on one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Book<'a> {
    /// The delta-one exposure: spot, perp, price, haircuts, depth, bucket.
    pub exposure: Exposure,
    /// Realised daily volatility `sigma_daily` (section 5's EWMA), WAD.
    pub sigma_daily: U256,
    /// Annualised implied volatility of the underlying's nearest expiry, WAD (0 if none).
    pub iv_near: U256,
    /// Option positions on the underlying.
    pub options: &'a [OptionPosition],
}

impl<'a> Book<'a> {
    /// A book without options (the delta-one exposure alone).
    #[must_use]
    pub const fn delta_one(exposure: Exposure) -> Self {
        Self {
            exposure,
            sigma_daily: U256::ZERO,
            iv_near: U256::ZERO,
            options: &[],
        }
    }
}

/// Greeks of one underlying's book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Greeks {
    /// Net delta: spot + perp + option deltas, signed WAD base units.
    pub delta: I256,
    /// Gamma: change of the delta (WAD base units) per one quote unit of price move, signed WAD.
    pub gamma: I256,
    /// Vega: change of the option value (WAD quote) per volatility point (0.01), signed.
    pub vega: I256,
}

/// Per-underlying risks, maintenance `[0]` and initial `[1]` (computed on 128 bits, held wide).
#[derive(Debug, Clone, Copy, Default)]
struct Risk {
    up: [U256; 2],
    dn: [U256; 2],
    contingency: [U256; 2],
    /// Tail losses for (direction, tail) = (-1, 1), (-1, 2), (+1, 1), (+1, 2).
    tails: [[I256; 4]; 2],
    has_options: bool,
    bucket: u8,
    /// Notional the floor applies to.
    floor_notional: U256,
}

/// `sqrt(365)` in WAD, rounded down (so `IV / sqrt 365` rounds up): `wad_sqrt(365 WAD)`.
const SQRT_365: u128 = 19_104_973_174_542_800_179;

/// The scenario price `P (1 + x)`, rounded down, at least zero.
fn moved(price: u128, x: i128) -> Result<u128, CoreError> {
    let m = x.unsigned_abs();
    if x < 0 {
        Ok(price.saturating_sub(q::mul_up(price, m)?))
    } else {
        q::add(price, q::mul_down(price, m)?)
    }
}

/// `shock * (1 + notional / depth)`, rounded up (no add-on for a zero depth).
fn with_add_on(shock: u128, notional: u128, depth: u128) -> Result<u128, CoreError> {
    if depth == 0 {
        Ok(shock)
    } else {
        q::add(shock, q::mul_div(shock, notional, depth, Rounding::Up)?)
    }
}

/// Delta-one loss at move `x`: `-D P x` when that is a gain (rounded down in size), else
/// `min(-D P x, |D| P cap)` rounded up.
fn delta_one_loss(d: i128, price: u128, x: i128, cap: u128) -> Result<i128, CoreError> {
    if d == 0 || x == 0 {
        return Ok(0);
    }
    let (size, m) = (d.unsigned_abs(), x.unsigned_abs());
    if (d < 0) != (x < 0) {
        // A loss: requirement side, rounds up.
        let n = q::mul_up(size, price)?;
        q::signed(q::mul_up(n, m)?.min(q::mul_up(n, cap)?))
    } else {
        // A gain: rounds down in size.
        let n = q::mul_down(size, price)?;
        Ok(-q::signed(q::mul_down(n, m)?)?)
    }
}

/// `l * num / den` (a loss rounds up, a gain down in size); `l` itself when `den == 0`.
fn scale_loss(l: i128, num: u128, den: u128) -> Result<i128, CoreError> {
    if den == 0 {
        return Ok(l);
    }
    // Signed ceiling: a loss up, a gain toward zero.
    q::mul_div_signed(l, q::signed(num)?, q::signed(den)?, Rounding::Up)
}

/// `sqrt(horizon / 1 day)` in WAD, rounded up: [`horizon_factor`] on 128 bits (the same value).
fn horizon_factor_q(horizon: u64) -> Result<u128, CoreError> {
    // ceil(horizon 1e36 / DAY) on 256 bits (horizon 1e18 < 2^124), then its ceiling root.
    let (hi, lo) = q::mul_wide(u128::from(horizon) * q::WAD, q::WAD);
    let day = u128::from(DAY);
    let (q_hi, r) = (hi / day, hi % day);
    let (q_lo, rem) = q::div_wide(r, lo, day)?;
    let (q_lo, carry) = q_lo.overflowing_add(u128::from(rem != 0));
    q::sqrt_up_wide(q_hi + u128::from(carry), q_lo)
}

/// `f(T)` of the volatility shocks, rounded up, capped at `term_cap`.
fn term_factor(seconds: u64, p: &OptionMarginParams) -> Result<u128, CoreError> {
    let f = if seconds <= VOL_TERM_PIVOT {
        pow_ratio_q(
            VOL_TERM_PIVOT,
            seconds.max(DAY),
            q::narrow(p.term_power_short)?,
            Rounding::Up,
        )?
    } else {
        pow_ratio_q(
            VOL_TERM_PIVOT,
            seconds,
            q::narrow(p.term_power_long)?,
            Rounding::Up,
        )?
    };
    Ok(f.min(q::narrow(p.term_cap)?))
}

/// One option with its base marks and shocked volatilities.
#[derive(Clone, Copy)]
struct Series {
    kind: OptionKind,
    strike: u128,
    seconds: u64,
    size: i128,
    /// Long (lower-bound) and short (upper-bound) marks at the oracle price.
    lo: u128,
    hi: u128,
    /// `s = sigma sqrt(T)` (Q96) at the volatility down, unchanged, up.
    s: [u128; 3],
    /// `ln K` and `sqrt(T)` in Q96, shared by the series' revaluations.
    ln_k: i128,
    sqrt_t: u128,
}

/// Volatility scenario index: down, none, up.
const DOWN: usize = 0;
const NONE: usize = 1;
const UP: usize = 2;

/// The option loss `o(x, v) = sum_i q_i (V_i - V_i(P (1 + x), sigma_i^v))`, rounded up.
fn option_loss(series: &[Series], price: u128, x: i128, v: usize) -> Result<i128, CoreError> {
    if x == 0 && v == NONE {
        // The unchanged scenario revalues at the marks themselves: exactly no loss.
        return Ok(0);
    }
    let f = moved(price, x)?;
    // One logarithm of the scenario forward for every series (the volatilities and expiries
    // were checked by `prepare`).
    let ln_f = ln_q96_u128(f);
    let mut total = 0i128;
    for s in series {
        let b = Black76Q::with_s(f, s.strike, ln_f, s.ln_k, s.sqrt_t, s.s[v]);
        let q = s.size;
        // The loss per contract between the marks equity uses now and the same marks in the
        // scenario: a long is valued at its lower bound, a short at its upper bound, so the
        // equity left in the scenario is a lower bound of the exact one. Marks are at most
        // max(F, K) (`signed` refuses one above i128).
        let per = if q < 0 {
            q::signed(b.price(s.kind, Rounding::Up))? - q::signed(s.hi)?
        } else {
            q::signed(s.lo)? - q::signed(b.price(s.kind, Rounding::Down))?
        };
        // |q| * per, rounded up (ceiling).
        let loss = q::mul_signed(q::signed(q.unsigned_abs())?, per, Rounding::Up)?;
        total = q::add_signed(total, loss)?;
    }
    Ok(total)
}

/// Marks, shocked volatilities and the net option delta (rounded toward zero) of a book.
fn prepare(
    book: &Book,
    price: u128,
    p: &OptionMarginParams,
    out: &mut [Series; MAX_OPTION_SERIES],
) -> Result<i128, CoreError> {
    let (vol_up, vol_down) = (q::narrow(p.vol_up)?, q::narrow(p.vol_down)?);
    let ln_p = ln_q96_u128(price);
    let mut delta = 0i128;
    for (i, pos) in book.options.iter().enumerate() {
        if pos.vol > MAX_VOL || pos.seconds > MAX_SECONDS {
            return Err(CoreError::InvalidParameter);
        }
        let (vol, strike) = (q::narrow(pos.vol)?, q::narrow(pos.strike)?);
        let size = q::narrow_signed(pos.size)?;
        let ln_k = ln_q96_u128(strike);
        let sqrt_t = sqrt_years(pos.seconds);
        let b = Black76Q::from_parts(price, strike, ln_p, ln_k, sqrt_t, vol);
        let f = term_factor(pos.seconds, p)?;
        // Up shock rounds up, down shock rounds down (both away from the base volatility).
        let up = q::add(vol, q::mul_up(vol, q::mul_up(vol_up, f)?)?)?.min(MAX_VOL_Q);
        let down = q::mul_down(vol, q::WAD.saturating_sub(q::mul_up(vol_down, f)?))?;
        out[i] = Series {
            kind: pos.kind,
            strike,
            seconds: pos.seconds,
            size,
            lo: b.price(pos.kind, Rounding::Down),
            hi: b.price(pos.kind, Rounding::Up),
            s: [down, vol, up].map(|v| vol_sqrt_t(v, sqrt_t)),
            ln_k,
            sqrt_t,
        };
        // A sensitivity: rounds toward zero.
        let bd = b.delta(pos.kind);
        let d = q::mul_signed(size, bd, Rounding::Down)?;
        let d = if d < 0 {
            q::mul_div_signed(size, bd, q::WAD_SIGNED, Rounding::Up)?
        } else {
            d
        };
        delta = q::add_signed(delta, d)?;
    }
    Ok(delta)
}

/// [`MAX_VOL`] as a `u128`.
const MAX_VOL_Q: u128 = 10 * q::WAD;

/// `[a, b]` widened.
fn wide2(v: [u128; 2]) -> [U256; 2] {
    [q::widen(v[0]), q::widen(v[1])]
}

/// The risks of one underlying.
fn underlying_risk(book: &Book, p: &OptionMarginParams) -> Result<Risk, CoreError> {
    let e = &book.exposure;
    if usize::from(e.bucket) >= MAX_BUCKETS {
        return Err(CoreError::InvalidBucket);
    }
    if e.maint_shock > crate::math::fixed::WAD || e.init_shock > crate::math::fixed::WAD {
        return Err(CoreError::InvalidParameter);
    }
    let shocks = [q::narrow(e.maint_shock)?, q::narrow(e.init_shock)?];
    let perp = q::narrow_signed(e.perp)?;
    let d = q::add_signed(q::narrow_signed(e.spot)?, perp)?;
    let price = q::narrow(e.price)?;
    let depth = q::narrow(e.depth)?;
    let mut risk = Risk {
        bucket: e.bucket,
        ..Risk::default()
    };
    // Requirements round up: the notional the floor applies to rounds up.
    let mut floor_notional = q::mul_up(perp.unsigned_abs(), price)?;
    if book.options.is_empty() {
        // Exactly the delta-one function: the loss at the full (add-on) shock, rounded up.
        let notional = q::mul_up(d.unsigned_abs(), price)?;
        let mut loss = [0u128; 2];
        for m in 0..2 {
            loss[m] = q::mul_up(notional, with_add_on(shocks[m], notional, depth)?)?;
        }
        if d < 0 {
            risk.up = wide2(loss);
        } else {
            risk.dn = wide2(loss);
        }
        risk.floor_notional = q::widen(floor_notional);
        return Ok(risk);
    }
    risk.has_options = true;
    let mut series = [Series {
        kind: OptionKind::Call,
        strike: 0,
        seconds: 0,
        size: 0,
        lo: 0,
        hi: 0,
        s: [0; 3],
        ln_k: 0,
        sqrt_t: 0,
    }; MAX_OPTION_SERIES];
    let option_delta = prepare(book, price, p, &mut series)?;
    let series = &series[..book.options.len()];
    let net = q::add_signed(d, option_delta)?;
    // Size add-on on the net delta; shocks and ranges round up.
    let delta_notional = q::mul_up(net.unsigned_abs(), price)?;
    let s = with_add_on(shocks[0], delta_notional, depth)?;
    let s_im = with_add_on(shocks[1], delta_notional, depth)?;
    let sigma = q::narrow(book.sigma_daily)?.max(q::mul_div(
        q::narrow(book.iv_near)?,
        q::WAD,
        SQRT_365,
        Rounding::Up,
    )?);
    let k_sigma = q::mul_up(q::narrow(p.k)?, sigma)?;
    let base =
        q::mul_up(k_sigma, horizon_factor_q(p.option_horizon)?)?.max(q::narrow(p.range_floor)?);
    let r = with_add_on(base, delta_notional, depth)?.max(s);
    let half = r.div_ceil(2);
    let (s_i, r_i, h_i) = (q::signed(s)?, q::signed(r)?, q::signed(half)?);
    let init_ratio = q::signed(q::narrow(p.init_ratio)?)?;
    // (x, volatility scenarios); x = 0 counts for both directions.
    let all = [DOWN, NONE, UP];
    let up_only = [NONE, UP];
    let grid: [(i128, &[usize]); 7] = [
        (0, &all),
        (s_i, &all),
        (h_i, &all),
        (r_i, &all),
        (-s_i, &up_only),
        (-h_i, &up_only),
        (-r_i, &up_only),
    ];
    let mut up = [0i128; 2];
    let mut dn = [0i128; 2];
    for (x, vols) in grid {
        // Moves below -100 % are clamped there.
        let x = x.max(-q::WAD_SIGNED);
        let l = delta_one_loss(d, price, x, s)?;
        let l_im = scale_loss(l, s_im, s)?;
        for &v in vols {
            let o = option_loss(series, price, x, v)?;
            let o_im = q::mul_signed(o, init_ratio, Rounding::Up)?;
            let mm = q::add_signed(l, o)?;
            let im = q::add_signed(l_im, o_im)?;
            if x >= 0 {
                up = [up[0].max(mm), up[1].max(im)];
            }
            if x <= 0 {
                dn = [dn[0].max(mm), dn[1].max(im)];
            }
        }
    }
    // up, dn >= 0 (they start at zero).
    risk.up = wide2([up[0] as u128, up[1] as u128]);
    risk.dn = wide2([dn[0] as u128, dn[1] as u128]);
    // Contingency on net short contracts; requirement, rounds up.
    let mut net_contracts = 0i128;
    for s in series {
        // An expired series awaiting settlement is delta-one at intrinsic value (section 13):
        // no contingency.
        if s.seconds > 0 {
            net_contracts = q::add_signed(net_contracts, s.size)?;
        }
        if s.size < 0 {
            floor_notional = q::add(floor_notional, q::mul_up(s.size.unsigned_abs(), price)?)?;
        }
    }
    risk.floor_notional = q::widen(floor_notional);
    if net_contracts < 0 {
        let c = q::mul_up(
            q::mul_up(q::narrow(p.kappa)?, price)?,
            net_contracts.unsigned_abs(),
        )?;
        risk.contingency = wide2([c, q::mul_up(c, init_ratio as u128)?]);
    }
    // Tails: X_u = clamp(k sigma sqrt(T_X / 1 day), X_min, X_max), rounded up.
    let x_u = q::mul_up(k_sigma, horizon_factor_q(p.tail_horizon)?)?
        .max(q::narrow(p.tail_floor)?)
        .min(q::narrow(p.tail_cap)?);
    let far = q::narrow(p.far_move)?;
    for (di, dir_down) in [true, false].into_iter().enumerate() {
        for (j, tail) in p.tails.iter().enumerate() {
            let m = q::signed(q::mul_up(q::narrow(tail.multiple)?, x_u)?.min(far))?;
            let x = if dir_down { -m } else { m };
            let l = delta_one_loss(d, price, x, s)?;
            let o = option_loss(series, price, x, UP)?;
            let idx = di * 2 + j;
            risk.tails[0][idx] = q::widen_signed(q::add_signed(l, o)?);
            risk.tails[1][idx] = q::widen_signed(q::add_signed(
                scale_loss(l, s_im, s)?,
                q::mul_signed(o, init_ratio, Rounding::Up)?,
            )?);
        }
    }
    Ok(risk)
}

/// `m * b / WAD` for a 256-bit magnitude `m` (high, low), rounded up when `up`, as a 256-bit
/// magnitude.
///
/// # Errors
/// [`CoreError::Overflow`] if `m * b` does not fit 256 bits.
fn mul_wad_wide(m: (u128, u128), b: u128, up: bool) -> Result<(u128, u128), CoreError> {
    let (h1, l) = q::mul_wide(m.1, b);
    let h =
        m.0.checked_mul(b)
            .and_then(|x| x.checked_add(h1))
            .ok_or(CoreError::Overflow)?;
    let (q_hi, r) = (h / q::WAD, h % q::WAD);
    let (q_lo, rem) = q::div_wide(r, l, q::WAD)?;
    if up && rem != 0 {
        let (q_lo, carry) = q_lo.overflowing_add(1);
        return Ok((q_hi + u128::from(carry), q_lo));
    }
    Ok((q_hi, q_lo))
}

/// `acc + m` (or `acc - m` when `negative`) on 256 bits in two's complement.
fn accumulate(acc: (u128, u128), negative: bool, m: (u128, u128)) -> (u128, u128) {
    if negative {
        let (lo, borrow) = acc.1.overflowing_sub(m.1);
        (acc.0.wrapping_sub(m.0).wrapping_sub(u128::from(borrow)), lo)
    } else {
        let (lo, carry) = acc.1.overflowing_add(m.1);
        (acc.0.wrapping_add(m.0).wrapping_add(u128::from(carry)), lo)
    }
}

/// The regular requirement from signed and non-directional risks (before tails and floor).
fn regular(
    risks: &[Risk],
    m: usize,
    corr: &Correlations,
    mode: MarginMode,
) -> Result<U256, CoreError> {
    let mut up = [0u128; MAX_UNDERLYINGS];
    let mut dn = [0u128; MAX_UNDERLYINGS];
    let mut cross = 0u128;
    for (i, r) in risks.iter().enumerate() {
        up[i] = q::narrow(r.up[m])?;
        dn[i] = q::narrow(r.dn[m])?;
        cross = q::add(cross, up[i].max(dn[i]))?;
    }
    if mode == MarginMode::Cross {
        return Ok(q::widen(cross));
    }
    let mut s = [0i128; MAX_UNDERLYINGS];
    let mut n = 0u128;
    for i in 0..risks.len() {
        s[i] = q::signed(dn[i])? - q::signed(up[i])?;
        n = q::add(n, up[i].min(dn[i]))?;
    }
    // sum_u s_u^2 + 2 sum_{v<u} rho_uv s_u s_v in WAD-scaled squared quote, every term rounded
    // up (as the delta-one function does).
    // The sum reaches (sum_u |s_u|)^2 / WAD: it is kept on 256 bits in two's complement
    // (high, low), where it cannot overflow for |s_u| < 2^127.
    let mut sum = (0u128, 0u128);
    for u in 0..risks.len() {
        let su = s[u];
        sum = accumulate(
            sum,
            false,
            mul_wad_wide((0, su.unsigned_abs()), su.unsigned_abs(), true)?,
        );
        for v in 0..u {
            let rho = q::narrow(corr.rho(risks[u].bucket, risks[v].bucket))?;
            // Signed ceilings: a positive value's magnitude rounds up, a negative one's down.
            let negative = (su < 0) != (s[v] < 0);
            let prod = mul_wad_wide((0, su.unsigned_abs()), s[v].unsigned_abs(), !negative)?;
            let term = mul_wad_wide(prod, rho, !negative)?;
            sum = accumulate(accumulate(sum, negative, term), negative, term);
        }
    }
    let root = if sum.0 >> 127 == 1 {
        0
    } else {
        // ceil(sqrt(sum WAD)); sum WAD < 2^256 while cross < 2^128.
        let (h, l) = q::mul_wide(sum.1, q::WAD);
        let h = sum
            .0
            .checked_mul(q::WAD)
            .and_then(|x| x.checked_add(h))
            .ok_or(CoreError::Overflow)?;
        q::sqrt_up_wide(h, l)?
    };
    Ok(q::widen(q::add(root, n)?.min(cross)))
}

/// The largest weighted tail loss `max_dj W_dj`.
// The tail index selects a column of every underlying's tails.
#[allow(clippy::needless_range_loop)]
fn tails(
    risks: &[Risk],
    m: usize,
    corr: &Correlations,
    mode: MarginMode,
    p: &OptionMarginParams,
) -> Result<U256, CoreError> {
    let mut t = [[0i128; 4]; MAX_UNDERLYINGS];
    for (i, r) in risks.iter().enumerate() {
        for (ti, ri) in t[i].iter_mut().zip(r.tails[m]) {
            *ti = q::narrow_signed(ri)?;
        }
    }
    let credit_share = q::narrow(p.tail_credit)?;
    let mut worst = 0u128;
    for idx in 0..4 {
        let weight = q::narrow(p.tails[idx % 2].weight)?;
        let mut pos = 0u128;
        for (i, _) in risks.iter().enumerate().filter(|(_, r)| r.has_options) {
            if t[i][idx] > 0 {
                pos = q::add(pos, t[i][idx] as u128)?;
            }
        }
        let mut credit = 0u128;
        if mode == MarginMode::Portfolio {
            for (v, rv) in risks.iter().enumerate().filter(|(_, r)| r.has_options) {
                let tv = t[v][idx];
                if tv >= 0 {
                    continue;
                }
                // min over the losing underlyings of rho_uv.
                let mut rho: Option<U256> = None;
                for (u, ru) in risks.iter().enumerate() {
                    if u != v && ru.has_options && t[u][idx] > 0 {
                        let c = corr.rho(ru.bucket, rv.bucket);
                        rho = Some(rho.map_or(c, |x| x.min(c)));
                    }
                }
                if let Some(rho) = rho {
                    // A credit lowers the requirement: rounds down.
                    credit = q::add(credit, q::mul_down(tv.unsigned_abs(), q::narrow(rho)?)?)?;
                }
            }
            credit = q::mul_down(credit, credit_share)?;
        }
        let w = q::mul_up(weight, pos.saturating_sub(credit))?;
        worst = worst.max(w);
    }
    Ok(q::widen(worst))
}

/// Maintenance and initial requirements of a sub-account over its books (one per underlying,
/// at most [`MAX_UNDERLYINGS`], with at most [`MAX_OPTION_SERIES`] option positions in all).
///
/// A book without options gives exactly [`crate::risk::margin::requirements`]' numbers, except the
/// initial requirement where the floor binds (`init_ratio` times the floor). The returned
/// `gross_notional` is the floor's notional: perp notional plus the underlying notional of short
/// options.
///
/// # Errors
/// [`CoreError::TooManyEntries`] for more than [`MAX_UNDERLYINGS`] books or
/// [`MAX_OPTION_SERIES`] options; [`CoreError::InvalidBucket`] for a bucket `>= MAX_BUCKETS`;
/// [`CoreError::InvalidParameter`] for a shock or correlation above 1, parameters failing
/// [`OptionMarginParams::validate`], or an option volatility above [`MAX_VOL`] or expiry beyond
/// [`crate::MAX_SECONDS`]; [`CoreError::Overflow`] if an input, an intermediate or a result
/// does not fit 128 bits (`i128` for signed values; see the module's "Arithmetic and domain").
pub fn requirements(
    books: &[Book],
    corr: &Correlations,
    params: &OptionMarginParams,
    mode: MarginMode,
) -> Result<Requirements, CoreError> {
    if books.len() > MAX_UNDERLYINGS
        || books.iter().map(|b| b.options.len()).sum::<usize>() > MAX_OPTION_SERIES
    {
        return Err(CoreError::TooManyEntries);
    }
    corr.validate()?;
    params.validate()?;
    let mut risks = [Risk::default(); MAX_UNDERLYINGS];
    let mut notional = 0u128;
    let mut contingency = [0u128; 2];
    for (i, b) in books.iter().enumerate() {
        risks[i] = underlying_risk(b, params)?;
        notional = q::add(notional, q::narrow(risks[i].floor_notional)?)?;
        for (c, rc) in contingency.iter_mut().zip(risks[i].contingency) {
            *c = q::add(*c, q::narrow(rc)?)?;
        }
    }
    let risks = &risks[..books.len()];
    // Requirements round up.
    let floor = q::mul_up(q::narrow(params.min_margin_fraction)?, notional)?;
    let floor_im = q::mul_up(floor, q::narrow(params.init_ratio)?)?;
    let mut out = [0u128; 2];
    for m in 0..2 {
        let reg = q::narrow(regular(risks, m, corr, mode)?)?;
        let tail = q::narrow(tails(risks, m, corr, mode, params)?)?;
        out[m] = q::add(reg.max(tail), contingency[m])?;
    }
    let maintenance = out[0].max(floor);
    let initial = out[1].max(floor_im).max(maintenance);
    Ok(Requirements {
        maintenance: q::widen(maintenance),
        initial: q::widen(initial),
        gross_notional: q::widen(notional),
    })
}

/// The margin function for a sub-account without options: exactly [`requirements`] over
/// [`Book::delta_one`] books with these `exposures`, the minimum margin fraction
/// `min_margin_fraction` and the initial / maintenance ratio `init_ratio` (the other option
/// parameters do not matter without options), computed with the delta-one code alone
/// ([`crate::risk::margin::requirements`] with the initial floor `init_ratio x floor`). Contracts
/// use it for option-free accounts so they need not link the option pricing.
///
/// # Errors
/// As [`crate::risk::margin::requirements`]; [`CoreError::InvalidParameter`] for an
/// `init_ratio` below 1 or above 3 (the domain [`OptionMarginParams::validate`] accepts).
pub fn delta_one_requirements(
    exposures: &[Exposure],
    corr: &Correlations,
    min_margin_fraction: U256,
    init_ratio: U256,
    mode: MarginMode,
) -> Result<Requirements, CoreError> {
    if init_ratio < WAD || init_ratio > WAD * U256::from(3u8) {
        return Err(CoreError::InvalidParameter);
    }
    crate::risk::margin::requirements_floored(
        exposures,
        corr,
        min_margin_fraction,
        Some(init_ratio),
        mode,
    )
}

/// Greeks of one underlying's book, from the same pricing code as the scenarios: delta (spot +
/// perp + options), gamma and vega (per volatility point). Rounded toward zero.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for an option volatility above [`MAX_VOL`] or an expiry
/// beyond [`crate::MAX_SECONDS`]; [`CoreError::Overflow`] if a value does not fit.
pub fn greeks(book: &Book) -> Result<Greeks, CoreError> {
    let e = &book.exposure;
    let price = q::narrow(e.price)?;
    let ln_p = ln_q96_u128(price);
    let mut delta = q::add_signed(q::narrow_signed(e.spot)?, q::narrow_signed(e.perp)?)?;
    let (mut gamma, mut vega) = (0i128, 0i128);
    // Sensitivities round toward zero.
    let toward_zero = |a: i128, x: i128| -> Result<i128, CoreError> {
        let r = q::mul_signed(a, x, Rounding::Down)?;
        if r < 0 {
            q::mul_signed(a, x, Rounding::Up)
        } else {
            Ok(r)
        }
    };
    for pos in book.options {
        let (b, size) = model(pos, price, ln_p)?;
        delta = q::add_signed(delta, toward_zero(size, b.delta(pos.kind))?)?;
        gamma = q::add_signed(gamma, toward_zero(size, q::signed(b.gamma()?)?)?)?;
        let v = toward_zero(size, q::signed(b.vega()?)?)?;
        vega = q::add_signed(vega, v / 100)?;
    }
    Ok(Greeks {
        delta: q::widen_signed(delta),
        gamma: q::widen_signed(gamma),
        vega: q::widen_signed(vega),
    })
}

/// The 128-bit model of `pos` at `price` (`ln_p` its logarithm) and its size.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a volatility above [`MAX_VOL`] or an expiry beyond
/// [`MAX_SECONDS`]; [`CoreError::Overflow`] for a strike, volatility or size beyond 128 bits.
fn model(pos: &OptionPosition, price: u128, ln_p: i128) -> Result<(Black76Q, i128), CoreError> {
    if pos.vol > MAX_VOL || pos.seconds > MAX_SECONDS {
        return Err(CoreError::InvalidParameter);
    }
    let strike = q::narrow(pos.strike)?;
    let b = Black76Q::from_parts(
        price,
        strike,
        ln_p,
        ln_q96_u128(strike),
        sqrt_years(pos.seconds),
        q::narrow(pos.vol)?,
    );
    Ok((b, q::narrow_signed(pos.size)?))
}

/// The mark value of a book's option positions for equity: longs at the long mark (rounded
/// down), shorts at minus the short mark (a liability, rounded up in size). Computed on 128 bits
/// like [`requirements`] (the same domain).
///
/// # Errors
/// As [`greeks`].
pub fn options_value(book: &Book) -> Result<I256, CoreError> {
    let price = q::narrow(book.exposure.price)?;
    let ln_p = ln_q96_u128(price);
    let mut total = 0i128;
    for pos in book.options {
        let (b, size) = model(pos, price, ln_p)?;
        // A liability (short, its upper-bound mark) or an asset (long, its lower-bound mark):
        // the floor of q times the mark either way.
        let rounding = if size < 0 {
            Rounding::Up
        } else {
            Rounding::Down
        };
        let v = q::mul_signed(
            size,
            q::signed(b.price(pos.kind, rounding))?,
            Rounding::Down,
        )?;
        total = q::add_signed(total, v)?;
    }
    Ok(q::widen_signed(total))
}

/// Why a change of margin mode is refused (DESIGN section 7, "Modes"). The discriminants are
/// stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ModeSwitchError {
    /// Portfolio mode needs equity of at least the portfolio-mode minimum equity.
    BelowMinimumEquity = 1,
    /// The account's initial health in the new mode would be negative.
    InitialHealthNegative = 2,
}

/// Whether a sub-account may switch to margin mode `to`: equity `equity` (WAD quote), the
/// portfolio-mode minimum equity `min_equity` ([`crate::OptionParam::PortfolioMinEquity`]) and
/// the initial requirement `initial_after` in the new mode. Any switch needs initial health
/// `equity - initial_after >= 0`; a switch to portfolio mode also needs
/// `equity >= min_equity`.
///
/// # Errors
/// [`ModeSwitchError::BelowMinimumEquity`] (checked first) or
/// [`ModeSwitchError::InitialHealthNegative`].
pub fn check_mode_switch(
    to: MarginMode,
    equity: I256,
    min_equity: U256,
    initial_after: U256,
) -> Result<(), ModeSwitchError> {
    let at_least = |v: U256| !equity.is_negative() && equity.into_raw() >= v;
    if to == MarginMode::Portfolio && !at_least(min_equity) {
        return Err(ModeSwitchError::BelowMinimumEquity);
    }
    if !at_least(initial_after) {
        return Err(ModeSwitchError::InitialHealthNegative);
    }
    Ok(())
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "scenario_oracle.rs"]
mod oracle;

#[cfg(test)]
#[path = "scenario_i128_tests.rs"]
mod i128_tests;
