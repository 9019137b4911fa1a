//! The scenario margin function as it was computed on `U256` / `I256` before its arithmetic
//! moved to 128 bits, kept verbatim as the oracle of the property tests: within the 128-bit
//! domain of [`super::requirements`] both give the same requirements, bit for bit.
#![allow(dead_code)]

use crate::governance::option_params::{OptionMarginParams, VOL_TERM_PIVOT};
use crate::governance::params::DAY;
use crate::math::black76::{ln_q96, sqrt_years, Black76, MAX_VOL};
use crate::math::fixed::{
    add, add_signed, mul_div, mul_div_signed, mul_down, mul_signed, mul_up, to_signed, u256,
    wad_sqrt, wad_sqrt_up, Rounding, WAD, WAD_SIGNED,
};
use crate::risk::haircut::horizon_factor;
use crate::risk::margin::{Correlations, MarginMode, Requirements, MAX_BUCKETS, MAX_UNDERLYINGS};
use crate::CoreError;
use alloy_primitives::{I256, U256};

use super::{Book, Greeks, OptionPosition, MAX_OPTION_SERIES};

/// Per-underlying risks, maintenance `[0]` and initial `[1]`.
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

fn signed(x: U256) -> Result<I256, CoreError> {
    to_signed(x)
}

/// The scenario price `P (1 + x)`, rounded down, at least zero.
fn moved(price: U256, x: I256) -> Result<U256, CoreError> {
    let m = x.unsigned_abs();
    if x.is_negative() {
        Ok(price.saturating_sub(mul_up(price, m)?))
    } else {
        add(price, mul_down(price, m)?)
    }
}

/// `shock * (1 + notional / depth)`, rounded up (no add-on for a zero depth).
fn with_add_on(shock: U256, notional: U256, depth: U256) -> Result<U256, CoreError> {
    if depth.is_zero() {
        Ok(shock)
    } else {
        add(shock, mul_div(shock, notional, depth, Rounding::Up)?)
    }
}

/// Delta-one loss at move `x`: `-D P x` when that is a gain (rounded down in size), else
/// `min(-D P x, |D| P cap)` rounded up.
fn delta_one_loss(d: I256, price: U256, x: I256, cap: U256) -> Result<I256, CoreError> {
    if d.is_zero() || x.is_zero() {
        return Ok(I256::ZERO);
    }
    let loses = d.is_negative() != x.is_negative();
    if loses {
        // A loss: requirement side, rounds up.
        let n = mul_up(d.unsigned_abs(), price)?;
        signed(mul_up(n, x.unsigned_abs())?.min(mul_up(n, cap)?))
    } else {
        // A gain: rounds down in size.
        let n = mul_down(d.unsigned_abs(), price)?;
        Ok(-signed(mul_down(n, x.unsigned_abs())?)?)
    }
}

/// `l * num / den` (a loss rounds up, a gain down in size); `l` itself when `den == 0`.
fn scale_loss(l: I256, num: U256, den: U256) -> Result<I256, CoreError> {
    if den.is_zero() {
        return Ok(l);
    }
    // Signed ceiling: a loss up, a gain toward zero.
    mul_div_signed(l, signed(num)?, signed(den)?, Rounding::Up)
}

/// `f(T)` of the volatility shocks, rounded up, capped at `term_cap`.
fn term_factor(seconds: u64, p: &OptionMarginParams) -> Result<U256, CoreError> {
    let f = if seconds <= VOL_TERM_PIVOT {
        crate::math::black76::pow_ratio(
            VOL_TERM_PIVOT,
            seconds.max(DAY),
            p.term_power_short,
            Rounding::Up,
        )?
    } else {
        crate::math::black76::pow_ratio(VOL_TERM_PIVOT, seconds, p.term_power_long, Rounding::Up)?
    };
    Ok(f.min(p.term_cap))
}

/// One option with its base marks and shocked volatilities.
#[derive(Clone, Copy)]
struct Series {
    pos: OptionPosition,
    /// Long (lower-bound) and short (upper-bound) marks at the oracle price.
    lo: U256,
    hi: U256,
    /// Volatility down, unchanged, up.
    vols: [U256; 3],
    /// `ln K` and `sqrt(T)` in Q96, shared by the series' revaluations.
    ln_k: i128,
    sqrt_t: u128,
}

/// Volatility scenario index: down, none, up.
const DOWN: usize = 0;
const NONE: usize = 1;
const UP: usize = 2;

/// The option loss `o(x, v) = sum_i q_i (V_i - V_i(P (1 + x), sigma_i^v))`, rounded up.
fn option_loss(series: &[Series], price: U256, x: I256, v: usize) -> Result<I256, CoreError> {
    if x.is_zero() && v == NONE {
        // The unchanged scenario revalues at the marks themselves: exactly no loss.
        return Ok(I256::ZERO);
    }
    let f = moved(price, x)?;
    // One logarithm of the scenario forward for every series (the volatilities and expiries
    // were checked by `prepare`).
    let ln_f = ln_q96(f);
    let mut total = I256::ZERO;
    for s in series {
        let b = Black76::from_parts(f, s.pos.strike, ln_f, s.ln_k, s.sqrt_t, s.vols[v]);
        let q = s.pos.size;
        // The loss per contract between the marks equity uses now and the same marks in the
        // scenario: a long is valued at its lower bound, a short at its upper bound, so the
        // equity left in the scenario is a lower bound of the exact one.
        let per = if q.is_negative() {
            signed(b.price(s.pos.kind, Rounding::Up)?)? - signed(s.hi)?
        } else {
            signed(s.lo)? - signed(b.price(s.pos.kind, Rounding::Down)?)?
        };
        // |q| * per, rounded up (ceiling).
        let loss = mul_signed(signed(q.unsigned_abs())?, per, Rounding::Up)?;
        total = add_signed(total, loss)?;
    }
    Ok(total)
}

/// `sqrt(365)` in WAD, rounded down (so `IV / sqrt 365` rounds up).
fn sqrt_365() -> U256 {
    wad_sqrt(u256(365) * WAD)
}

/// Marks, shocked volatilities and the net option delta (rounded toward zero) of a book.
fn prepare(
    book: &Book,
    p: &OptionMarginParams,
    out: &mut [Series; MAX_OPTION_SERIES],
) -> Result<I256, CoreError> {
    let e = &book.exposure;
    let mut delta = I256::ZERO;
    for (i, pos) in book.options.iter().enumerate() {
        let b = Black76::new(e.price, pos.strike, pos.seconds, pos.vol)?;
        let f = term_factor(pos.seconds, p)?;
        // Up shock rounds up, down shock rounds down (both away from the base volatility).
        let up = add(pos.vol, mul_up(pos.vol, mul_up(p.vol_up, f)?)?)?.min(MAX_VOL);
        let down = mul_down(pos.vol, WAD.saturating_sub(mul_up(p.vol_down, f)?))?;
        out[i] = Series {
            pos: *pos,
            lo: b.price(pos.kind, Rounding::Down)?,
            hi: b.price(pos.kind, Rounding::Up)?,
            vols: [down, pos.vol, up],
            ln_k: ln_q96(pos.strike),
            sqrt_t: sqrt_years(pos.seconds),
        };
        // A sensitivity: rounds toward zero.
        let d = mul_signed(pos.size, b.delta(pos.kind), Rounding::Down)?;
        let d = if d.is_negative() {
            mul_div_signed(pos.size, b.delta(pos.kind), WAD_SIGNED, Rounding::Up)?
        } else {
            d
        };
        delta = add_signed(delta, d)?;
    }
    Ok(delta)
}

/// The risks of one underlying.
fn underlying_risk(book: &Book, p: &OptionMarginParams) -> Result<Risk, CoreError> {
    let e = &book.exposure;
    if usize::from(e.bucket) >= MAX_BUCKETS {
        return Err(CoreError::InvalidBucket);
    }
    if e.maint_shock > WAD || e.init_shock > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let d = add_signed(e.spot, e.perp)?;
    let price = e.price;
    let mut risk = Risk {
        bucket: e.bucket,
        // Requirements round up: the notional the floor applies to rounds up.
        floor_notional: mul_up(e.perp.unsigned_abs(), price)?,
        ..Risk::default()
    };
    if book.options.is_empty() {
        // Exactly the delta-one function: the loss at the full (add-on) shock, rounded up.
        let notional = mul_up(d.unsigned_abs(), price)?;
        for (m, shock) in [e.maint_shock, e.init_shock].into_iter().enumerate() {
            let loss = mul_up(notional, with_add_on(shock, notional, e.depth)?)?;
            if d.is_negative() {
                risk.up[m] = loss;
            } else {
                risk.dn[m] = loss;
            }
        }
        return Ok(risk);
    }
    risk.has_options = true;
    let mut series = [Series {
        pos: book.options[0],
        lo: U256::ZERO,
        hi: U256::ZERO,
        vols: [U256::ZERO; 3],
        ln_k: 0,
        sqrt_t: 0,
    }; MAX_OPTION_SERIES];
    let option_delta = prepare(book, p, &mut series)?;
    let series = &series[..book.options.len()];
    let net = add_signed(d, option_delta)?;
    // Size add-on on the net delta; shocks and ranges round up.
    let delta_notional = mul_up(net.unsigned_abs(), price)?;
    let s = with_add_on(e.maint_shock, delta_notional, e.depth)?;
    let s_im = with_add_on(e.init_shock, delta_notional, e.depth)?;
    let sigma = book
        .sigma_daily
        .max(mul_div(book.iv_near, WAD, sqrt_365(), Rounding::Up)?);
    let k_sigma = mul_up(p.k, sigma)?;
    let base = mul_up(k_sigma, horizon_factor(p.option_horizon)?)?.max(p.range_floor);
    let r = with_add_on(base, delta_notional, e.depth)?.max(s);
    let half = r.div_ceil(u256(2));
    let (s_i, r_i, h_i) = (signed(s)?, signed(r)?, signed(half)?);
    // (x, volatility scenarios); x = 0 counts for both directions.
    let all = [DOWN, NONE, UP];
    let up_only = [NONE, UP];
    let grid: [(I256, &[usize]); 7] = [
        (I256::ZERO, &all),
        (s_i, &all),
        (h_i, &all),
        (r_i, &all),
        (-s_i, &up_only),
        (-h_i, &up_only),
        (-r_i, &up_only),
    ];
    let mut up = [I256::ZERO; 2];
    let mut dn = [I256::ZERO; 2];
    for (x, vols) in grid {
        // Moves below -100 % are clamped there.
        let x = x.max(-WAD_SIGNED);
        let l = delta_one_loss(d, price, x, s)?;
        let l_im = scale_loss(l, s_im, s)?;
        for &v in vols {
            let o = option_loss(series, price, x, v)?;
            let o_im = mul_signed(o, signed(p.init_ratio)?, Rounding::Up)?;
            let mm = add_signed(l, o)?;
            let im = add_signed(l_im, o_im)?;
            if !x.is_negative() {
                up = [up[0].max(mm), up[1].max(im)];
            }
            if !x.is_positive() {
                dn = [dn[0].max(mm), dn[1].max(im)];
            }
        }
    }
    // up, dn >= 0 (they start at zero).
    risk.up = [up[0].into_raw(), up[1].into_raw()];
    risk.dn = [dn[0].into_raw(), dn[1].into_raw()];
    // Contingency on net short contracts; requirement, rounds up.
    let mut net_contracts = I256::ZERO;
    for s in series {
        // An expired series awaiting settlement is delta-one at intrinsic value (section 13):
        // no contingency.
        if s.pos.seconds > 0 {
            net_contracts = add_signed(net_contracts, s.pos.size)?;
        }
        if s.pos.size.is_negative() {
            risk.floor_notional = add(
                risk.floor_notional,
                mul_up(s.pos.size.unsigned_abs(), price)?,
            )?;
        }
    }
    if net_contracts.is_negative() {
        let c = mul_up(mul_up(p.kappa, price)?, net_contracts.unsigned_abs())?;
        risk.contingency = [c, mul_up(c, p.init_ratio)?];
    }
    // Tails: X_u = clamp(k sigma sqrt(T_X / 1 day), X_min, X_max), rounded up.
    let x_u = mul_up(k_sigma, horizon_factor(p.tail_horizon)?)?
        .max(p.tail_floor)
        .min(p.tail_cap);
    for (di, dir_down) in [true, false].into_iter().enumerate() {
        for (j, tail) in p.tails.iter().enumerate() {
            let m = signed(mul_up(tail.multiple, x_u)?.min(p.far_move))?;
            let x = if dir_down { -m } else { m };
            let l = delta_one_loss(d, price, x, s)?;
            let o = option_loss(series, price, x, UP)?;
            let idx = di * 2 + j;
            risk.tails[0][idx] = add_signed(l, o)?;
            risk.tails[1][idx] = add_signed(
                scale_loss(l, s_im, s)?,
                mul_signed(o, signed(p.init_ratio)?, Rounding::Up)?,
            )?;
        }
    }
    Ok(risk)
}

/// The regular requirement from signed and non-directional risks (before tails and floor).
fn regular(
    risks: &[Risk],
    m: usize,
    corr: &Correlations,
    mode: MarginMode,
) -> Result<U256, CoreError> {
    let mut cross = U256::ZERO;
    for r in risks {
        cross = add(cross, r.up[m].max(r.dn[m]))?;
    }
    if mode == MarginMode::Cross {
        return Ok(cross);
    }
    let mut s = [I256::ZERO; MAX_UNDERLYINGS];
    let mut n = U256::ZERO;
    for (i, r) in risks.iter().enumerate() {
        s[i] = signed(r.dn[m])? - signed(r.up[m])?;
        n = add(n, r.up[m].min(r.dn[m]))?;
    }
    // sum_u s_u^2 + 2 sum_{v<u} rho_uv s_u s_v in WAD-scaled squared quote, every term rounded
    // up (as the delta-one function does).
    let mut sum = I256::ZERO;
    for u in 0..risks.len() {
        let su = s[u];
        sum = add_signed(sum, mul_signed(su, su, Rounding::Up)?)?;
        for v in 0..u {
            let rho = signed(corr.rho(risks[u].bucket, risks[v].bucket))?;
            let prod = mul_div_signed(su, s[v], WAD_SIGNED, Rounding::Up)?;
            let term = mul_signed(prod, rho, Rounding::Up)?;
            sum = add_signed(sum, add_signed(term, term)?)?;
        }
    }
    let root = if sum.is_negative() {
        U256::ZERO
    } else {
        wad_sqrt_up(sum.into_raw())
    };
    Ok(add(root, n)?.min(cross))
}

/// The largest weighted tail loss `max_dj W_dj`.
fn tails(
    risks: &[Risk],
    m: usize,
    corr: &Correlations,
    mode: MarginMode,
    p: &OptionMarginParams,
) -> Result<U256, CoreError> {
    let mut worst = U256::ZERO;
    for idx in 0..4 {
        let weight = p.tails[idx % 2].weight;
        let mut pos = U256::ZERO;
        for r in risks.iter().filter(|r| r.has_options) {
            let t = r.tails[m][idx];
            if t.is_positive() {
                pos = add(pos, t.into_raw())?;
            }
        }
        let mut credit = U256::ZERO;
        if mode == MarginMode::Portfolio {
            for (v, rv) in risks.iter().enumerate().filter(|(_, r)| r.has_options) {
                let tv = rv.tails[m][idx];
                if !tv.is_negative() {
                    continue;
                }
                // min over the losing underlyings of rho_uv.
                let mut rho: Option<U256> = None;
                for (u, ru) in risks.iter().enumerate() {
                    if u != v && ru.has_options && ru.tails[m][idx].is_positive() {
                        let c = corr.rho(ru.bucket, rv.bucket);
                        rho = Some(rho.map_or(c, |x| x.min(c)));
                    }
                }
                if let Some(rho) = rho {
                    // A credit lowers the requirement: rounds down.
                    credit = add(credit, mul_down(tv.unsigned_abs(), rho)?)?;
                }
            }
            credit = mul_down(credit, p.tail_credit)?;
        }
        let w = mul_up(weight, pos.saturating_sub(credit))?;
        worst = worst.max(w);
    }
    Ok(worst)
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
/// [`crate::MAX_SECONDS`]; [`CoreError::Overflow`] if an intermediate does not fit.
pub(crate) fn requirements(
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
    let mut notional = U256::ZERO;
    let mut contingency = [U256::ZERO; 2];
    for (i, b) in books.iter().enumerate() {
        risks[i] = underlying_risk(b, params)?;
        notional = add(notional, risks[i].floor_notional)?;
        contingency = [
            add(contingency[0], risks[i].contingency[0])?,
            add(contingency[1], risks[i].contingency[1])?,
        ];
    }
    let risks = &risks[..books.len()];
    // Requirements round up.
    let floor = mul_up(params.min_margin_fraction, notional)?;
    let floor_im = mul_up(floor, params.init_ratio)?;
    let mut out = [U256::ZERO; 2];
    for m in 0..2 {
        let reg = regular(risks, m, corr, mode)?;
        let tail = tails(risks, m, corr, mode, params)?;
        out[m] = add(reg.max(tail), contingency[m])?;
    }
    let maintenance = out[0].max(floor);
    let initial = out[1].max(floor_im).max(maintenance);
    Ok(Requirements {
        maintenance,
        initial,
        gross_notional: notional,
    })
}

/// Greeks of one underlying's book, from the same pricing code as the scenarios: delta (spot +
/// perp + options), gamma and vega (per volatility point). Rounded toward zero.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for an option volatility above [`MAX_VOL`] or an expiry
/// beyond [`crate::MAX_SECONDS`]; [`CoreError::Overflow`] if a value does not fit.
pub(crate) fn greeks(book: &Book) -> Result<Greeks, CoreError> {
    let e = &book.exposure;
    let mut g = Greeks {
        delta: add_signed(e.spot, e.perp)?,
        ..Greeks::default()
    };
    let hundred = I256::try_from(100u8).map_err(|_| CoreError::Overflow)?;
    for pos in book.options {
        let b = Black76::new(e.price, pos.strike, pos.seconds, pos.vol)?;
        let toward_zero = |a: I256, x: I256, den: I256| -> Result<I256, CoreError> {
            let r = mul_div_signed(a, x, den, Rounding::Down)?;
            if r.is_negative() {
                mul_div_signed(a, x, den, Rounding::Up)
            } else {
                Ok(r)
            }
        };
        g.delta = add_signed(
            g.delta,
            toward_zero(pos.size, b.delta(pos.kind), WAD_SIGNED)?,
        )?;
        g.gamma = add_signed(
            g.gamma,
            toward_zero(pos.size, signed(b.gamma()?)?, WAD_SIGNED)?,
        )?;
        let vega = toward_zero(pos.size, signed(b.vega()?)?, WAD_SIGNED)?;
        g.vega = add_signed(g.vega, vega / hundred)?;
    }
    Ok(g)
}

/// The mark value of a book's option positions for equity: longs at the long mark (rounded
/// down), shorts at minus the short mark (a liability, rounded up in size).
///
/// # Errors
/// As [`greeks`].
pub(crate) fn options_value(book: &Book) -> Result<I256, CoreError> {
    let mut total = I256::ZERO;
    for pos in book.options {
        let b = Black76::new(book.exposure.price, pos.strike, pos.seconds, pos.vol)?;
        let v = if pos.size.is_negative() {
            // Liability: floor of -|q| * short mark.
            mul_signed(
                pos.size,
                signed(b.price(pos.kind, Rounding::Up)?)?,
                Rounding::Down,
            )?
        } else {
            // Asset: floor of q * long mark.
            mul_signed(
                pos.size,
                signed(b.price(pos.kind, Rounding::Down)?)?,
                Rounding::Down,
            )?
        };
        total = add_signed(total, v)?;
    }
    Ok(total)
}
