//! Funding (DESIGN sections 6 and 15).
//!
//! - **Band**: a traded fill's price must lie within `max_fill_deviation` of the index price
//!   ([`within_band`]); the market contract refuses it otherwise.
//! - **Premium**: at each fill the market's premium moves toward the sample
//!   `(fill_price - index_price) / index_price` (signed WAD), clamped to `[-cap, +cap]`, by the
//!   sample's weight `w = min(1, notional / premium_notional) * (1 - exp(-dt / premium_tau))`,
//!   `dt` the time since the previous sample ([`sample_weight`]):
//!   `premium' = premium + w * (sample - premium)` ([`update_premium`]). A dust fill, or a burst
//!   of fills in quick succession, weighs next to nothing.
//! - **Rate** per 8 hours: `clamp(premium, -cap, +cap)` ([`funding_rate`]).
//! - **Index**: a cumulative index in quote per base unit grows by
//!   `rate * index_price * elapsed / 8 h` ([`accrue`]); a positive rate makes it rise.
//! - **Payment** of a position: `-size * (index_now - index_entry)` ([`funding_payment`]); when the
//!   index rises, longs pay and shorts receive.
//!
//! # Rounding
//!
//! Premium, rate and index are shared by both sides of the market, so their rounding favours
//! neither side: the sample and the premium's step truncate toward zero (symmetric for longs and
//! shorts; the step never moves the premium further than exactly), the sample's weight rounds
//! down (a fill never weighs more than exactly: less steering) and the index increment is
//! floored (deterministic). Payments round against the account (floor): an amount
//! owed rounds up, an amount received rounds down. For any set of positions whose sizes sum to
//! zero the payments therefore sum to a value in `(-n, 0]` wei for `n` accounts: funding is
//! zero-sum except for dust that stays with the protocol.

use crate::math::fixed::{
    mul_div, mul_div_signed, mul_signed, neg_signed, sub_signed, to_signed, u256, Rounding, WAD,
    WAD_SIGNED,
};
use crate::trading::position::Position;
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// Length of the funding period the rate is quoted for, seconds (8 hours).
pub const FUNDING_PERIOD: u64 = 28_800;

/// `x` clamped to `[-cap, +cap]`.
fn clamp(x: I256, cap: I256) -> I256 {
    x.max(-cap).min(cap)
}

/// `x * w` (WAD) rounded toward zero.
fn scale(x: I256, w: U256) -> Result<I256, CoreError> {
    // Shared quantities favour nobody: truncation toward zero is symmetric in the sign.
    let rounding = if x.is_negative() {
        Rounding::Up
    } else {
        Rounding::Down
    };
    mul_div_signed(x, to_signed(w)?, WAD_SIGNED, rounding)
}

/// The premium sample `(fill_price - index_price) / index_price`, signed WAD, truncated toward
/// zero (not clamped).
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `index_price == 0`; [`CoreError::Overflow`] if the sample
/// does not fit `I256`.
pub fn premium_sample(fill_price: U256, index_price: U256) -> Result<I256, CoreError> {
    let above = fill_price >= index_price;
    let diff = if above {
        fill_price - index_price
    } else {
        index_price - fill_price
    };
    // Shared quantity: the magnitude truncates (toward zero for either sign).
    let m = to_signed(mul_div(diff, WAD, index_price, Rounding::Down)?)?;
    Ok(if above { m } else { -m })
}

/// `e^-1` in units of `10^-36`, rounded up (the exact value is
/// `0.367879441171442321595523770161460867445...`).
const INV_E_36: U256 = u256(367_879_441_171_442_321_595_523_770_161_460_868);
/// One as a WAD `u128`.
const WAD_U128: u128 = 1_000_000_000_000_000_000;
/// `10^36`, the scale [`exp_neg_up`] computes in.
const E36: U256 = u256(1_000_000_000_000_000_000_000_000_000_000_000_000);
/// Above this many WAD units of `x`, `e^-x < 10^-18`: `e^-42 = 5.7e-19`.
const EXP_CUTOFF: u64 = 42;
/// Terms of the series of `e^-f` for `0 <= f < 1`: the 34th is below `10^-36`.
const EXP_TERMS: u64 = 40;
/// Upper bound of the error of the series at scale `10^-36` (each of the at most
/// [`EXP_TERMS`] terms is floored, and the error of a term carries at most `k` units).
const EXP_SERIES_SLACK: u64 = 2_000;

/// `e^-x` for a WAD `x >= 0`, as a WAD rounded **up** (never below the exact value; at most a
/// few wei above it): `e^-x = e^-n * e^-f` with `n = floor(x)` by repeated multiplication with
/// `e^-1` (rounded up, at scale `10^36`) and `e^-f` by its Taylor series (at scale `10^36`, each
/// term floored, then biased up by the series' error bound). For `x >= 42` the result is 1 wei
/// (`e^-42 < 10^-18`). Bounded loops: at most 42 + 40 steps.
pub fn exp_neg_up(x: U256) -> U256 {
    // One division routine for all steps (`mul_div`, which the contracts link anyway): smaller
    // WASM than U256's own `/` and `%`.
    let one = U256::from(1u8);
    let md = |a: U256, b: U256, c: U256, r: Rounding| mul_div(a, b, c, r).unwrap_or(one);
    if x >= U256::from(EXP_CUTOFF) * WAD {
        return one;
    }
    // x < 42e18 fits u128. Back to WAD, rounded up; e^-x <= 1 for x >= 0.
    md(exp_neg_e36_up(x.to::<u128>()), one, WAD, Rounding::Up).clamp(one, WAD)
}

/// `e^-x` for a WAD `x < 42e18` at scale `10^36`, never below the exact value and at most
/// [`EXP_SERIES_SLACK`] plus the flooring of at most [`EXP_TERMS`] terms above it (see
/// [`exp_neg_up`]).
#[inline(always)]
fn exp_neg_e36_up(x: u128) -> U256 {
    let one = U256::from(1u8);
    let md = |a: U256, b: U256, c: U256, r: Rounding| mul_div(a, b, c, r).unwrap_or(one);
    let (n, f) = (x / WAD_U128, x % WAD_U128);
    // Exact: f < 1 at scale 10^36.
    let f36 = U256::from(f) * WAD;
    // e^-f: sum of (-f)^k / k!; positive and negative terms summed apart.
    let (mut plus, mut minus, mut term) = (E36, U256::ZERO, E36);
    let mut k = 1u64;
    while k <= EXP_TERMS && !term.is_zero() {
        // Floored.
        term = md(term, f36, U256::from(k) * E36, Rounding::Down);
        if k.is_multiple_of(2) {
            plus += term;
        } else {
            minus += term;
        }
        k += 1;
    }
    // plus > minus (e^-f > 1/e); biased up by the error bound, so never below the exact value.
    let mut e = plus - minus + U256::from(EXP_SERIES_SLACK);
    let mut i = 0;
    while i < n {
        // Rounded up, with a constant rounded up: stays an upper bound.
        e = md(e, INV_E_36, E36, Rounding::Up);
        i += 1;
    }
    e
}

/// The time weight of a premium sample `dt` seconds after the previous one:
/// `1 - exp(-dt / tau)` (WAD), rounded **down** (a sample never weighs more than exactly):
/// `dt / tau` is floored and `exp` rounded up ([`exp_neg_up`]). Zero when `dt == 0`; at most
/// `1 - 10^-18`.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `tau == 0`.
pub fn time_weight(dt: u64, tau: u64) -> Result<U256, CoreError> {
    if tau == 0 {
        return Err(CoreError::DivisionByZero);
    }
    // dt / tau, floored: a smaller exponent is a smaller weight.
    let x = mul_div(U256::from(dt), WAD, U256::from(tau), Rounding::Down)?;
    Ok(WAD.saturating_sub(exp_neg_up(x)))
}

/// The weight of a premium sample (DESIGN section 15):
/// `min(1, notional / premium_notional) * (1 - exp(-dt / tau))`, WAD, rounded down (each factor
/// and the product floored: a fill never moves the premium more than exactly).
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `premium_notional == 0` or `tau == 0`.
pub fn sample_weight(
    notional: U256,
    premium_notional: U256,
    dt: u64,
    tau: u64,
) -> Result<U256, CoreError> {
    if premium_notional.is_zero() {
        return Err(CoreError::DivisionByZero);
    }
    let size = if notional >= premium_notional {
        WAD
    } else {
        // notional < premium_notional: the quotient is below WAD.
        mul_div(notional, WAD, premium_notional, Rounding::Down)?
    };
    mul_div(size, time_weight(dt, tau)?, WAD, Rounding::Down)
}

/// Whether a fill at `fill_price` lies within `max_deviation` (WAD fraction) of `index_price`:
/// `|fill - index| <= max_deviation * index`, exactly (no rounding); never for a zero index.
pub fn within_band(fill_price: U256, index_price: U256, max_deviation: U256) -> bool {
    let diff = fill_price.abs_diff(index_price);
    // ceil(diff / index) <= max_deviation  <=>  diff / index <= max_deviation, exactly. No index
    // price (never from the oracle) and overflow count as outside.
    mul_div(diff, WAD, index_price, Rounding::Up).is_ok_and(|d| d <= max_deviation)
}

/// One premium step at a fill: the sample ([`premium_sample`]) is clamped to `[-cap, +cap]`,
/// then the premium moves toward it by `weight` (WAD, at most 1; see [`sample_weight`]):
/// `premium + weight * (sample - premium)`, the step truncated toward zero (toward the old
/// premium: rounding never moves the premium further than exactly, for either sign).
///
/// Clamping the sample bounds what one fill at an extreme price can do to the premium (at most
/// `weight * 2 * cap`) and keeps the premium within `[-cap, +cap]` once it is there.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `weight > 1` or `cap > I256::MAX`;
/// [`CoreError::DivisionByZero`] if `index_price == 0`; [`CoreError::Overflow`] if the premium
/// and the sample are so far apart that their difference does not fit (never within the cap).
pub fn update_premium(
    premium: I256,
    fill_price: U256,
    index_price: U256,
    weight: U256,
    cap: U256,
) -> Result<I256, CoreError> {
    if weight > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let cap = to_signed(cap).map_err(|_| CoreError::InvalidParameter)?;
    let sample = match premium_sample(fill_price, index_price) {
        Ok(s) => clamp(s, cap),
        // Only a fill far above the index overflows: it counts as the cap.
        Err(CoreError::Overflow) => cap,
        Err(e) => return Err(e),
    };
    let gap = sub_signed(sample, premium)?;
    premium
        .checked_add(scale(gap, weight)?)
        .ok_or(CoreError::Overflow)
}

/// The funding rate per 8 hours: `clamp(premium, -cap, +cap)`, signed WAD.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `cap > I256::MAX`.
pub fn funding_rate(premium: I256, cap: U256) -> Result<I256, CoreError> {
    let cap = to_signed(cap).map_err(|_| CoreError::InvalidParameter)?;
    Ok(clamp(premium, cap))
}

/// The cumulative funding index after `elapsed_s` seconds at `rate_per_8h` (signed WAD) on
/// `index_price` (WAD quote per base unit): `cum_index + rate * index_price * elapsed / 28800`,
/// the increment floored.
///
/// # Errors
/// [`CoreError::Overflow`] if an intermediate or the new index does not fit.
pub fn accrue(
    cum_index: I256,
    rate_per_8h: I256,
    index_price: U256,
    elapsed_s: u64,
) -> Result<I256, CoreError> {
    let price_time = index_price
        .checked_mul(U256::from(elapsed_s))
        .ok_or(CoreError::Overflow)?;
    // Shared quantity: the increment is floored (favours neither side, see module docs).
    let delta = mul_div_signed(
        rate_per_8h,
        to_signed(price_time)?,
        to_signed(WAD * U256::from(FUNDING_PERIOD))?,
        Rounding::Down,
    )?;
    cum_index.checked_add(delta).ok_or(CoreError::Overflow)
}

/// The funding a position of `size` receives (positive) or pays (negative) between
/// `entry_index` and `current_index`: `-size * (current - entry)`, signed WAD quote, floored
/// (owed amounts round up in magnitude, received amounts round down).
///
/// # Errors
/// [`CoreError::Overflow`] if the index difference or the payment does not fit `I256`.
pub fn funding_payment(
    size: I256,
    entry_index: I256,
    current_index: I256,
) -> Result<I256, CoreError> {
    let diff = sub_signed(current_index, entry_index)?;
    // Against the account: ceil(size * diff) negated is floor(-size * diff).
    neg_signed(mul_signed(size, diff, Rounding::Up)?)
}

/// Settles the funding of `pos` up to `current_index`: returns the position with its funding
/// index set to `current_index` and the payment of [`funding_payment`] to book into the
/// sub-account's quote balance. Call it before every change of the position's size.
///
/// # Errors
/// As [`funding_payment`].
pub fn settle_funding(pos: Position, current_index: I256) -> Result<(Position, I256), CoreError> {
    let payment = funding_payment(pos.size, pos.funding_index, current_index)?;
    Ok((
        Position {
            funding_index: current_index,
            ..pos
        },
        payment,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::u256;
    use proptest::prelude::*;

    fn i(x: i128) -> I256 {
        I256::try_from(x).unwrap()
    }

    fn wad(x: i64) -> I256 {
        i(i128::from(x)) * WAD_SIGNED
    }

    /// `x` hundredths of a percent, signed WAD.
    fn bp(x: i64) -> I256 {
        i(i128::from(x)) * i(100_000_000_000_000)
    }

    #[test]
    fn premium() {
        let idx = u256(2000) * WAD;
        assert_eq!(premium_sample(u256(2002) * WAD, idx), Ok(bp(10)));
        assert_eq!(premium_sample(u256(1998) * WAD, idx), Ok(-bp(10)));
        // 1/3 wei above and below truncate to the same magnitude.
        assert_eq!(
            premium_sample(u256(4), u256(3)),
            Ok(i(333_333_333_333_333_333))
        );
        assert_eq!(
            premium_sample(u256(2), u256(3)),
            Ok(i(-333_333_333_333_333_333))
        );
        assert_eq!(
            premium_sample(WAD, U256::ZERO),
            Err(CoreError::DivisionByZero)
        );
        assert_eq!(premium_sample(U256::MAX, u256(1)), Err(CoreError::Overflow));
        assert_eq!(
            update_premium(I256::ZERO, U256::MAX, u256(1), WAD, u256(7)),
            Ok(i(7))
        );
        // Weight 0.1: 0.1 % + 0.1 * (0.1 % - 0.1 %) = 0.1 %.
        let w = u256(100_000_000_000_000_000);
        let cap = u256(5_000_000_000_000_000); // 0.5 %
        assert_eq!(
            update_premium(bp(10), u256(2002) * WAD, idx, w, cap),
            Ok(bp(10))
        );
        // A fill 50 % above the index counts as the cap: 0 + 0.1 * 0.5 % = 0.05 %.
        assert_eq!(
            update_premium(I256::ZERO, u256(3000) * WAD, idx, w, cap),
            Ok(bp(5))
        );
        assert_eq!(
            update_premium(I256::ZERO, u256(1000) * WAD, idx, w, cap),
            Ok(-bp(5))
        );
        // Weight 0 ignores the sample; weight 1 takes it.
        assert_eq!(
            update_premium(bp(3), u256(3000) * WAD, idx, U256::ZERO, cap),
            Ok(bp(3))
        );
        assert_eq!(
            update_premium(bp(3), u256(2001) * WAD, idx, WAD, cap),
            Ok(bp(5))
        );
        assert_eq!(
            update_premium(I256::ZERO, idx, idx, WAD + u256(1), cap),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            update_premium(I256::ZERO, idx, idx, w, U256::MAX),
            Err(CoreError::InvalidParameter)
        );
        // The step truncates toward the old premium, for either sign: 1/3 of 1 wei is nothing.
        let third = u256(333_333_333_333_333_333);
        assert_eq!(update_premium(i(1), idx, idx, third, cap), Ok(i(1)));
        assert_eq!(update_premium(i(-1), idx, idx, third, cap), Ok(i(-1)));
        let half = WAD / u256(2);
        assert_eq!(update_premium(i(-3), idx, idx, half, cap), Ok(i(-2)));
        assert_eq!(update_premium(i(3), idx, idx, half, cap), Ok(i(2)));
        assert_eq!(
            update_premium(I256::MIN, idx, idx, w, cap),
            Err(CoreError::Overflow)
        );
    }

    #[test]
    fn band() {
        let idx = u256(3000) * WAD;
        let five = u256(50_000_000_000_000_000);
        assert!(within_band(u256(3150) * WAD, idx, five));
        assert!(within_band(u256(2850) * WAD, idx, five));
        assert!(within_band(idx, idx, U256::ZERO));
        assert!(!within_band(u256(3150) * WAD + u256(1), idx, five));
        assert!(!within_band(u256(2850) * WAD - u256(1), idx, five));
        assert!(!within_band(u256(3300) * WAD, idx, five));
        assert!(!within_band(U256::MAX, idx, five));
        assert!(!within_band(U256::ZERO, U256::ZERO, five));
        assert!(!within_band(u256(1), U256::ZERO, five));
    }

    #[test]
    fn exp_and_weights() {
        // At scale 10^36, against 80-digit references (Python's decimal): never below the
        // exact value, and above it by at most the series slack plus one unit per floored term
        // and per rounded step.
        for (x, exact) in [
            (
                500_000_000_000_000_000u128,
                "606530659712633423603799534991180453",
            ),
            (
                1_500_000_000_000_000_000,
                "223130160148429828933280470764012521",
            ),
            (
                123_456_789_000_000_000,
                "883859832886161797208362240054654504",
            ),
            (
                3_999_000_000_000_000_000,
                "18333963688495728626833712887963637",
            ),
        ] {
            // The exact values' floors: the exact value lies strictly between floor and floor + 1.
            let floor: U256 = exact.parse().unwrap();
            let got = exp_neg_e36_up(x);
            assert!(got > floor, "e^-{x}: {got} below {floor}");
            assert!(
                got <= floor + U256::from(EXP_SERIES_SLACK + 2 * EXP_TERMS + 8),
                "e^-{x}: {got} too far above {floor}"
            );
        }
        assert_eq!(exp_neg_up(U256::ZERO), WAD);
        // e^-1 = 0.367879441171442321(59...): rounded up.
        assert_eq!(exp_neg_up(WAD), u256(367_879_441_171_442_322));
        // e^-0.5 = 0.606530659712633423(6...).
        assert_eq!(exp_neg_up(WAD / u256(2)), u256(606_530_659_712_633_424));
        // e^-10 = 0.0000453999297624848515(3...).
        assert_eq!(exp_neg_up(u256(10) * WAD), u256(45_399_929_762_485));
        assert_eq!(exp_neg_up(u256(42) * WAD), u256(1));
        assert_eq!(exp_neg_up(U256::MAX), u256(1));
        assert_eq!(time_weight(0, 3_600), Ok(U256::ZERO));
        assert_eq!(time_weight(3_600, 3_600), Ok(u256(632_120_558_828_557_678)));
        assert_eq!(time_weight(u64::MAX, 300), Ok(WAD - u256(1)));
        assert_eq!(time_weight(1, 0), Err(CoreError::DivisionByZero));
        let n = u256(100_000) * WAD;
        // 50,000 of 100,000 after one tau: 0.5 * 0.632...
        assert_eq!(
            sample_weight(n / u256(2), n, 3_600, 3_600),
            Ok(u256(316_060_279_414_278_839))
        );
        assert_eq!(
            sample_weight(n * u256(3), n, 3_600, 3_600),
            time_weight(3_600, 3_600)
        );
        assert_eq!(sample_weight(n, n, 0, 3_600), Ok(U256::ZERO));
        assert_eq!(
            sample_weight(n, U256::ZERO, 1, 3_600),
            Err(CoreError::DivisionByZero)
        );
    }

    #[test]
    fn rate() {
        let cap = u256(5_000_000_000_000_000);
        assert_eq!(funding_rate(bp(3), cap), Ok(bp(3)));
        assert_eq!(funding_rate(bp(80), cap), Ok(bp(50)));
        assert_eq!(funding_rate(-bp(80), cap), Ok(-bp(50)));
        assert_eq!(funding_rate(I256::MIN, cap), Ok(-bp(50)));
        assert_eq!(
            funding_rate(bp(1), U256::MAX),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn accrual_and_payment() {
        // 0.1 % per 8 h on 2000: 2 quote per base unit per 8 h; one hour adds 0.25.
        let idx = accrue(wad(1), bp(10), u256(2000) * WAD, 3_600).unwrap();
        assert_eq!(idx, i(1_250_000_000_000_000_000));
        assert_eq!(
            accrue(wad(1), -bp(10), u256(2000) * WAD, 3_600),
            Ok(i(750_000_000_000_000_000))
        );
        assert_eq!(accrue(wad(1), bp(10), u256(2000) * WAD, 0), Ok(wad(1)));
        // 1 wei rate for 1 s on price 1: floor(1e18 / (1e18 * 28800)) = 0; negative floors to -1.
        assert_eq!(accrue(I256::ZERO, i(1), WAD, 1), Ok(I256::ZERO));
        assert_eq!(accrue(I256::ZERO, i(-1), WAD, 1), Ok(i(-1)));
        // Long 10 pays 2.5, short 10 receives 2.5.
        assert_eq!(
            funding_payment(wad(10), wad(1), idx),
            Ok(-i(2_500_000_000_000_000_000))
        );
        assert_eq!(
            funding_payment(-wad(10), wad(1), idx),
            Ok(i(2_500_000_000_000_000_000))
        );
        // 1 wei of base on a 1 wei index move is 1e-36 quote: owed rounds up to 1 wei, received
        // rounds down to 0.
        assert_eq!(funding_payment(i(1), I256::ZERO, i(1)), Ok(i(-1)));
        assert_eq!(funding_payment(i(-1), I256::ZERO, i(1)), Ok(I256::ZERO));
        assert_eq!(
            funding_payment(I256::ZERO, I256::MIN, I256::MAX),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            accrue(I256::MAX, i(1), WAD * WAD, FUNDING_PERIOD),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            accrue(I256::ZERO, i(1), U256::MAX, 2),
            Err(CoreError::Overflow)
        );
        // Settlement moves the index and returns the payment.
        let pos = Position {
            size: wad(10),
            open_notional: wad(20_000),
            funding_index: wad(1),
        };
        let (next, pay) = settle_funding(pos, idx).unwrap();
        assert_eq!(pay, -i(2_500_000_000_000_000_000));
        assert_eq!(
            next,
            Position {
                funding_index: idx,
                ..pos
            }
        );
        assert_eq!(settle_funding(next, idx), Ok((next, I256::ZERO)));
    }

    fn any_index() -> impl Strategy<Value = I256> {
        (-1_000_000_000_000_000_000_000_000i128..1_000_000_000_000_000_000_000_000).prop_map(i)
    }

    proptest! {
        #[test]
        fn zero_sum(
            longs in prop::collection::vec(1u128..1_000_000_000_000_000_000_000_000, 1..6),
            splits in prop::collection::vec(1u32..100, 1..6),
            entry in any_index(),
            rate in -10_000_000_000_000_000i128..10_000_000_000_000_000,
            price in 1u128..1_000_000_000_000_000_000_000_000,
            elapsed in 0u64..10_000_000,
        ) {
            // Shorts split the total long size in random proportions; the net is zero.
            let total: u128 = longs.iter().sum();
            let weights: u128 = splits.iter().map(|&w| u128::from(w)).sum();
            let mut sizes: Vec<I256> = longs.iter().map(|&l| i(l as i128)).collect();
            let mut given = 0u128;
            for (k, &w) in splits.iter().enumerate() {
                let s = if k + 1 == splits.len() { total - given } else { total * u128::from(w) / weights };
                given += s;
                sizes.push(-i(s as i128));
            }
            let current = accrue(entry, i(rate), U256::from(price), elapsed).unwrap();
            let mut sum = I256::ZERO;
            for s in &sizes {
                sum += funding_payment(*s, entry, current).unwrap();
            }
            let n = i(sizes.len() as i128);
            prop_assert!(sum <= I256::ZERO && sum > -n, "sum {} n {}", sum, n);
        }

        #[test]
        fn direction(size in 1i128..1_000_000_000_000_000_000_000_000, rate in -10_000_000_000_000_000i128..10_000_000_000_000_000, elapsed in 1u64..1_000_000) {
            let current = accrue(I256::ZERO, i(rate), u256(2000) * WAD, elapsed).unwrap();
            let long = funding_payment(i(size), I256::ZERO, current).unwrap();
            let short = funding_payment(-i(size), I256::ZERO, current).unwrap();
            // Positive rate: longs pay, shorts receive; negative: the reverse.
            prop_assert!(rate <= 0 || (long <= I256::ZERO && short >= I256::ZERO));
            prop_assert!(rate >= 0 || (long >= I256::ZERO && short <= I256::ZERO));
            prop_assert!(long + short <= I256::ZERO && long + short >= i(-1));
        }

        #[test]
        fn accrual_is_additive_within_rounding(rate in -10_000_000_000_000_000i128..10_000_000_000_000_000, a in 0u64..100_000, b in 0u64..100_000) {
            let p = u256(3000) * WAD;
            let once = accrue(I256::ZERO, i(rate), p, a + b).unwrap();
            let twice = accrue(accrue(I256::ZERO, i(rate), p, a).unwrap(), i(rate), p, b).unwrap();
            prop_assert!(twice <= once && twice >= once - i(1));
        }

        #[test]
        fn premium_stays_within_cap(
            start in -5_000_000_000_000_000i128..=5_000_000_000_000_000,
            fills in prop::collection::vec(0u128..10_000_000_000_000_000_000_000, 1..20),
            weight in 0u64..=1_000_000_000_000_000_000,
        ) {
            let cap = u256(5_000_000_000_000_000);
            let index = u256(3000) * WAD;
            let mut p = i(start);
            for f in fills {
                let next = update_premium(p, U256::from(f), index, U256::from(weight), cap).unwrap();
                // Between the previous premium and the clamped sample.
                let s = clamp(premium_sample(U256::from(f), index).unwrap(), i(5_000_000_000_000_000));
                prop_assert!(next >= p.min(s) && next <= p.max(s));
                p = next;
                prop_assert!(funding_rate(p, cap).unwrap() == p);
            }
        }

        /// `exp_neg_up` is an upper bound of `e^-x` within a few wei (checked against the
        /// floating-point `exp` of the test machine, within its own precision), and the time
        /// weight grows with `dt`.
        #[test]
        fn exp_is_tight_and_weights_monotone(
            x in 0u128..50_000_000_000_000_000_000,
            dt in 0u64..200_000,
            more in 0u64..10_000,
            tau in 300u64..=86_400,
        ) {
            let e = exp_neg_up(U256::from(x));
            let exact = (-(x as f64) / 1e18).exp() * 1e18;
            let got = e.to::<u128>() as f64;
            // f64 carries ~16 significant digits: compare within that plus 8 wei.
            prop_assert!(got + 8.0 >= exact * (1.0 - 1e-15));
            prop_assert!(got <= exact * (1.0 + 1e-15) + 8.0);
            prop_assert!(e >= u256(1) && e <= WAD);
            let (a, b) = (time_weight(dt, tau).unwrap(), time_weight(dt + more, tau).unwrap());
            prop_assert!(a <= b && b < WAD);
        }
    }
}
