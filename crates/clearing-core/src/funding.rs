//! Funding (DESIGN section 6).
//!
//! - **Premium**: at each fill the market's premium EWMA folds in the sample
//!   `(fill_price - index_price) / index_price` (signed WAD), clamped to `[-cap, +cap]`, with
//!   `premium' = decay * premium + (1 - decay) * sample` ([`update_premium`]).
//! - **Rate** per 8 hours: `clamp(premium, -cap, +cap)` ([`funding_rate`]).
//! - **Index**: a cumulative index in quote per base unit grows by
//!   `rate * index_price * elapsed / 8 h` ([`accrue`]); a positive rate makes it rise.
//! - **Payment** of a position: `-size * (index_now - index_entry)` ([`funding_payment`]); when the
//!   index rises, longs pay and shorts receive.
//!
//! # Rounding
//!
//! Premium, rate and index are shared by both sides of the market, so their rounding favours
//! nobody: premium terms truncate toward zero (symmetric for longs and shorts) and the index
//! increment is floored (deterministic). Payments round against the account (floor): an amount
//! owed rounds up, an amount received rounds down. For any set of positions whose sizes sum to
//! zero the payments therefore sum to a value in `(-n, 0]` wei for `n` accounts: funding is
//! zero-sum except for dust that stays with the protocol.

use crate::fixed::{
    mul_div, mul_div_signed, mul_signed, neg_signed, sub_signed, to_signed, Rounding, WAD,
    WAD_SIGNED,
};
use crate::position::Position;
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

/// One premium EWMA step at a fill: the sample ([`premium_sample`]) is clamped to
/// `[-cap, +cap]`, then `decay * premium + (1 - decay) * sample`, each term truncated toward
/// zero. `decay` (WAD, at most 1) is the weight kept by the previous premium (the same
/// convention as [`ewma`](crate::ewma)).
///
/// Clamping the sample bounds what one fill at an extreme price can do to the premium (at most
/// `(1 - decay) * 2 * cap`) and keeps the premium within `[-cap, +cap]` once it is there.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `decay > 1` or `cap > I256::MAX`;
/// [`CoreError::DivisionByZero`] if `index_price == 0`; [`CoreError::Overflow`] never in
/// practice: a sample too large for `I256` counts as `+cap`, and the new premium lies between the
/// previous premium and the clamped sample.
pub fn update_premium(
    premium: I256,
    fill_price: U256,
    index_price: U256,
    decay: U256,
    cap: U256,
) -> Result<I256, CoreError> {
    if decay > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let cap = to_signed(cap).map_err(|_| CoreError::InvalidParameter)?;
    let sample = match premium_sample(fill_price, index_price) {
        Ok(s) => clamp(s, cap),
        // Only a fill far above the index overflows: it counts as the cap.
        Err(CoreError::Overflow) => cap,
        Err(e) => return Err(e),
    };
    scale(premium, decay)?
        .checked_add(scale(sample, WAD - decay)?)
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
    use crate::fixed::u256;
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
            update_premium(I256::ZERO, U256::MAX, u256(1), U256::ZERO, u256(7)),
            Ok(i(7))
        );
        // decay 0.9: 0.9 * 0.1 % + 0.1 * 0.1 % = 0.1 %.
        let decay = u256(900_000_000_000_000_000);
        let cap = u256(5_000_000_000_000_000); // 0.5 %
        assert_eq!(
            update_premium(bp(10), u256(2002) * WAD, idx, decay, cap),
            Ok(bp(10))
        );
        // A fill 50 % above the index counts as the cap: 0.9 * 0 + 0.1 * 0.5 % = 0.05 %.
        assert_eq!(
            update_premium(I256::ZERO, u256(3000) * WAD, idx, decay, cap),
            Ok(bp(5))
        );
        assert_eq!(
            update_premium(I256::ZERO, u256(1000) * WAD, idx, decay, cap),
            Ok(-bp(5))
        );
        // decay 1 ignores the sample; decay 0 takes it.
        assert_eq!(
            update_premium(bp(3), u256(3000) * WAD, idx, WAD, cap),
            Ok(bp(3))
        );
        assert_eq!(
            update_premium(bp(3), u256(2001) * WAD, idx, U256::ZERO, cap),
            Ok(bp(5))
        );
        assert_eq!(
            update_premium(I256::ZERO, idx, idx, WAD + u256(1), cap),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            update_premium(I256::ZERO, idx, idx, decay, U256::MAX),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            update_premium(I256::MAX, idx, idx, decay, cap),
            Ok(I256::from_raw(
                mul_div(I256::MAX.into_raw(), u256(9), u256(10), Rounding::Down).unwrap()
            ))
        );
        assert_eq!(update_premium(I256::MIN, idx, idx, WAD, cap), Ok(I256::MIN));
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
            decay in 0u64..=1_000_000_000_000_000_000,
        ) {
            let cap = u256(5_000_000_000_000_000);
            let index = u256(3000) * WAD;
            let mut p = i(start);
            for f in fills {
                let next = update_premium(p, U256::from(f), index, U256::from(decay), cap).unwrap();
                // Between the previous premium and the clamped sample.
                let s = clamp(premium_sample(U256::from(f), index).unwrap(), i(5_000_000_000_000_000));
                prop_assert!(next >= p.min(s) && next <= p.max(s));
                p = next;
                prop_assert!(funding_rate(p, cap).unwrap() == p);
            }
        }
    }
}
