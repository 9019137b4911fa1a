//! Liquidation sizing and penalties (DESIGN section 8); the liquidation domain also holds the
//! circuit breaker's time rules ([`breaker`]) and the insurance fund's drawdown ([`insurance`]).
//!
//! - **Penalty rate**: `clamp(max(maint_shock / divisor, min_penalty), MIN_PENALTY, MAX_PENALTY)`
//!   (default a fifth of the maintenance shock, at least 0.5 %), rounded up ([`penalty_rate`]).
//! - **Liquidation price**: the oracle price worsened for the liquidated account by the penalty: a
//!   long is sold at `oracle * (1 - penalty)` (rounded down), a short bought back at
//!   `oracle * (1 + penalty)` (rounded up) ([`liquidation_price`]).
//! - **Penalty amount** of closing `s` at oracle price `P`: `s * P * penalty`, rounded up
//!   ([`penalty_amount`]); it is split between the keeper (its share, rounded down) and the
//!   InsuranceFund (the rest, so the fund gets the rounding dust) ([`split_penalty`]). The
//!   settlement that conserves value exactly is: the position changes hands at the oracle price
//!   (both sides booked with [`apply_fill`](crate::apply_fill)), the liquidated account pays
//!   [`penalty_amount`], and the two parts of [`split_penalty`] sum to it.
//! - **Size**: the smallest size whose closing brings initial health back to `>= 0`, or all of the
//!   position when the rest would be dust or when even closing all does not restore it
//!   ([`size_to_restore`]).
//!
//! # The linear model
//!
//! Closing `s` base units of a position on a single underlying at price `P` is modelled as
//! lowering equity by the penalty, `s * P * penalty`, and lowering the initial requirement by
//! `s * P * init_shock` (the position's own initial risk, as for a naked position in the margin
//! function). Initial health therefore rises by `s * r`, with the relief per base unit
//!
//! ```text
//! r = floor(P * init_shock) - ceil(P * penalty)        (WAD quote per base unit)
//! health_after = health + floor(s * r)                 (health_after_close)
//! ```
//!
//! each rounding on the protocol's side (relief down, penalty up), so `r` never exceeds the exact
//! relief and a size that restores the model restores the exact linear model too. The model is
//! exact for a naked position when the requirement is its shock (no size add-on, not at the
//! floor); the size add-on makes the real relief larger (the model is conservative); a position
//! that hedges other exposure on its underlying (closing it *raises* `|D_u|`) is outside the model
//! and must not be sized with it. In portfolio mode the correlation credit between the
//! position's underlying and the account's other exposures shrinks as the position shrinks, so
//! the real relief is below the model's: the size is then at most the exact one, and the account
//! may stay below its initial requirement (while below maintenance it may be liquidated again).
//! The caller re-checks real health after the liquidation.

pub mod breaker;
pub mod insurance;

use crate::governance::params::{MAX_PENALTY, MIN_PENALTY};
use crate::math::fixed::{
    add, mul_div, mul_div_signed, mul_down, mul_up, sub_signed, to_signed, Rounding, WAD,
    WAD_SIGNED,
};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// The two parts of a liquidation penalty, WAD quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PenaltySplit {
    /// The liquidator's reward (rounded down).
    pub keeper: U256,
    /// The InsuranceFund's part (the rest, including the rounding dust).
    pub insurance: U256,
}

/// The liquidation penalty rate: `clamp(max(ceil(maint_shock / divisor), min_penalty),
/// MIN_PENALTY, MAX_PENALTY)`, WAD.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `divisor == 0`.
pub fn penalty_rate(maint_shock: U256, divisor: u64, min_penalty: U256) -> Result<U256, CoreError> {
    // Penalties (a charge to the liquidated account) round up.
    let scaled = mul_div(
        maint_shock,
        U256::from(1u64),
        U256::from(divisor),
        Rounding::Up,
    )?;
    Ok(scaled.max(min_penalty).max(MIN_PENALTY).min(MAX_PENALTY))
}

/// The oracle price worsened for the liquidated account: `oracle * (1 - penalty)` for a long
/// (sold, rounded down), `oracle * (1 + penalty)` for a short (bought back, rounded up).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `penalty > 1`; [`CoreError::Overflow`] if the price does not
/// fit.
pub fn liquidation_price(
    oracle: U256,
    is_long_position: bool,
    penalty: U256,
) -> Result<U256, CoreError> {
    if penalty > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Against the liquidated account: a sale price rounds down, a purchase price up.
    if is_long_position {
        mul_down(oracle, WAD - penalty)
    } else {
        mul_up(oracle, add(WAD, penalty)?)
    }
}

/// The penalty for closing `size` base units at oracle price `price`: `size * price * penalty`,
/// WAD quote, rounded up.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `penalty > 1`; [`CoreError::Overflow`] if the amount does not
/// fit.
pub fn penalty_amount(size: U256, price: U256, penalty: U256) -> Result<U256, CoreError> {
    if penalty > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Charges to the liquidated account round up.
    mul_up(mul_up(size, price)?, penalty)
}

/// Splits a penalty `amount`: `keeper_share` (WAD fraction) of it to the liquidator, rounded down,
/// the rest (with the dust) to the InsuranceFund. The parts sum to `amount` exactly.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `keeper_share > 1`.
pub fn split_penalty(amount: U256, keeper_share: U256) -> Result<PenaltySplit, CoreError> {
    if keeper_share > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Payouts round down: the keeper's share; at most `amount`, so the rest cannot underflow.
    let keeper = mul_down(amount, keeper_share)?;
    Ok(PenaltySplit {
        keeper,
        insurance: amount - keeper,
    })
}

/// Relief of initial health per base unit closed: `floor(P * init_shock) - ceil(P * penalty)`.
fn relief(price: U256, init_shock: U256, penalty: U256) -> Result<I256, CoreError> {
    if init_shock > WAD || penalty > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Requirement relief rounds down, the penalty (equity lost) rounds up.
    sub_signed(
        to_signed(mul_down(price, init_shock)?)?,
        to_signed(mul_up(price, penalty)?)?,
    )
}

/// Initial health after closing `size` base units under the linear model of the
/// [module documentation](self): `health + floor(size * r)`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `init_shock > 1` or `penalty > 1`; [`CoreError::Overflow`] if
/// a value does not fit `I256`.
pub fn health_after_close(
    health: I256,
    size: U256,
    price: U256,
    init_shock: U256,
    penalty: U256,
) -> Result<I256, CoreError> {
    let r = relief(price, init_shock, penalty)?;
    // Health rounds down (floor).
    let change = mul_div_signed(to_signed(size)?, r, WAD_SIGNED, Rounding::Down)?;
    health.checked_add(change).ok_or(CoreError::Overflow)
}

/// The size (base units, unsigned) to close of a position of `|position_size|` at `price` so that
/// initial health `equity - im_requirement` is back to `>= 0` under the linear model of the
/// [module documentation](self), rounded up.
///
/// - `0` if initial health is already `>= 0` or the position is empty;
/// - all of `position_size` if the relief per unit is not positive (the penalty is at least the
///   shock), if even closing all does not restore health, or if the notional left,
///   `(position_size - s) * price` (rounded down), would be below `dust_notional`;
/// - otherwise the smallest `s` with `health_after_close(health, s, ..) >= 0`.
///
/// `init_shock` is the position's initial shock (its initial haircut).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `init_shock > 1` or `penalty > 1`; [`CoreError::Overflow`] if
/// `im_requirement` or the health does not fit `I256`, or the rest's notional does not fit.
pub fn size_to_restore(
    equity: I256,
    im_requirement: U256,
    position_size: U256,
    price: U256,
    init_shock: U256,
    penalty: U256,
    dust_notional: U256,
) -> Result<U256, CoreError> {
    let r = relief(price, init_shock, penalty)?;
    let health = sub_signed(equity, to_signed(im_requirement)?)?;
    if !health.is_negative() || position_size.is_zero() {
        return Ok(U256::ZERO);
    }
    if !r.is_positive() {
        return Ok(position_size);
    }
    // Smallest s with s * r >= -health * WAD: the size rounds up so that health is restored.
    let s = match mul_div(health.unsigned_abs(), WAD, r.into_raw(), Rounding::Up) {
        Ok(s) if s < position_size => s,
        // Larger than any position (or than this one): close all.
        Ok(_) | Err(CoreError::Overflow) => return Ok(position_size),
        Err(e) => return Err(e),
    };
    // Dust left rounds down (more often dust, then all of it is closed).
    if mul_down(position_size - s, price)? < dust_notional {
        return Ok(position_size);
    }
    Ok(s)
}

/// Whether an account may be liquidated: its maintenance health
/// `equity - maintenance` is negative (DESIGN section 8). An account at or
/// above its maintenance requirement never is.
#[must_use]
pub fn liquidatable(equity: I256, maintenance: U256) -> bool {
    match to_signed(maintenance) {
        Ok(m) => equity < m,
        // A requirement beyond I256 is above any equity.
        Err(_) => true,
    }
}

/// Token units (of a `decimals`-decimal token priced `price`) a liquidator
/// must buy at the penalised price `price * (1 - penalty)` so that the
/// proceeds cover `debt` (WAD quote), rounded up.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `penalty > 1`;
/// [`CoreError::DivisionByZero`] if the penalised price is zero;
/// [`CoreError::DecimalsTooLarge`]; [`CoreError::Overflow`].
pub fn collateral_to_cover(
    debt: U256,
    price: U256,
    penalty: U256,
    decimals: u8,
) -> Result<U256, CoreError> {
    let net = liquidation_price(price, true, penalty)?;
    // The amount bought rounds up so that the debt is covered.
    let wad_units = mul_div(debt, WAD, net, Rounding::Up)?;
    crate::math::fixed::from_wad_up(wad_units, decimals)
}

/// How a collateral liquidation of `value` (WAD quote at oracle price)
/// settles in quote balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CollateralSale {
    /// Credited to the liquidated account: `value - penalty`.
    pub account_credit: U256,
    /// Debited from the liquidator: `value - keeper reward`.
    pub liquidator_debit: U256,
    /// Credited to the InsuranceFund: the rest of the penalty.
    pub insurance: U256,
}

/// Settles a collateral sale worth `value` at oracle price with penalty rate
/// `penalty` (rounded up, [`penalty_amount`]-style) split with
/// `keeper_share` ([`split_penalty`]): the liquidator pays `value` less its
/// reward, the account receives `value` less the whole penalty, the fund gets
/// the rest. `liquidator_debit == account_credit + insurance` exactly.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `penalty > 1` or `keeper_share > 1`;
/// [`CoreError::Overflow`].
pub fn collateral_sale(
    value: U256,
    penalty: U256,
    keeper_share: U256,
) -> Result<CollateralSale, CoreError> {
    if penalty > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Charges to the liquidated account round up; the penalty is at most the value.
    let amount = mul_up(value, penalty)?.min(value);
    let split = split_penalty(amount, keeper_share)?;
    Ok(CollateralSale {
        account_credit: value - amount,
        liquidator_debit: value - split.keeper,
        insurance: split.insurance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::params::{DEFAULT_MIN_PENALTY, DEFAULT_PENALTY_SHOCK_DIVISOR};
    use crate::math::fixed::{u256, widen};
    use alloy_primitives::aliases::I512;
    use proptest::prelude::*;

    /// `x` hundredths of a percent, WAD.
    fn bp(x: u64) -> U256 {
        U256::from(x) * u256(100_000_000_000_000)
    }

    fn i(x: i128) -> I256 {
        I256::try_from(x).unwrap()
    }

    fn wad(x: i64) -> I256 {
        i(i128::from(x)) * WAD_SIGNED
    }

    #[test]
    fn collateral_sales_cover_debt_and_conserve_value() {
        // 3000 at a 1 % penalty nets 2970 per ETH: 1485 of debt needs 0.5 ETH.
        let p = u256(3000) * WAD;
        assert_eq!(
            collateral_to_cover(u256(1485) * WAD, p, bp(100), 18),
            Ok(WAD / u256(2))
        );
        // One wei more of debt needs one more wei of ETH; 6-decimal tokens round up too.
        assert_eq!(
            collateral_to_cover(u256(1485) * WAD + u256(1), p, bp(100), 18),
            Ok(WAD / u256(2) + u256(1))
        );
        assert_eq!(
            collateral_to_cover(u256(1485) * WAD + u256(1), p, bp(100), 6),
            Ok(u256(500_001))
        );
        let sale = collateral_sale(u256(1500) * WAD, bp(100), WAD / u256(2)).unwrap();
        assert_eq!(sale.account_credit, u256(1485) * WAD);
        assert_eq!(sale.liquidator_debit, u256(14925) * WAD / u256(10));
        assert_eq!(sale.insurance, u256(75) * WAD / u256(10));
        assert_eq!(
            collateral_sale(WAD, WAD + u256(1), WAD),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn penalty_rates() {
        let d = DEFAULT_PENALTY_SHOCK_DIVISOR;
        let m = DEFAULT_MIN_PENALTY;
        // 2 % shock: 0.4 % -> at least 0.5 %.
        assert_eq!(penalty_rate(bp(200), d, m), Ok(bp(50)));
        // 10 % shock: 2 %.
        assert_eq!(penalty_rate(bp(1_000), d, m), Ok(bp(200)));
        // 80 % shock: 16 % -> at most 10 %.
        assert_eq!(penalty_rate(bp(8_000), d, m), Ok(bp(1_000)));
        // No minimum and a tiny shock: clamped up to the 0.1 % hard bound.
        assert_eq!(penalty_rate(bp(10), d, U256::ZERO), Ok(bp(10)));
        // Rounded up: (10 % + 3 wei) / 5 = 2 % + 0.6 wei -> 2 % + 1 wei.
        assert_eq!(
            penalty_rate(bp(1_000) + u256(3), d, m),
            Ok(bp(200) + u256(1))
        );
        assert_eq!(penalty_rate(bp(200), 0, m), Err(CoreError::DivisionByZero));
    }

    #[test]
    fn prices_and_amounts() {
        let o = u256(3000) * WAD;
        assert_eq!(liquidation_price(o, true, bp(50)), Ok(u256(2985) * WAD));
        assert_eq!(liquidation_price(o, false, bp(50)), Ok(u256(3015) * WAD));
        // 1 wei at 0.5 %: a sale rounds down to 0, a purchase up to 2.
        assert_eq!(liquidation_price(u256(1), true, bp(50)), Ok(U256::ZERO));
        assert_eq!(liquidation_price(u256(1), false, bp(50)), Ok(u256(2)));
        assert_eq!(liquidation_price(o, true, WAD), Ok(U256::ZERO));
        assert_eq!(
            liquidation_price(o, true, WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            liquidation_price(U256::MAX, false, bp(50)),
            Err(CoreError::Overflow)
        );
        // 2 ETH at 3000 with 0.5 %: 30.
        assert_eq!(penalty_amount(u256(2) * WAD, o, bp(50)), Ok(u256(30) * WAD));
        assert_eq!(penalty_amount(u256(1), u256(1), bp(50)), Ok(u256(1)));
        assert_eq!(
            penalty_amount(u256(1), u256(1), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            split_penalty(u256(30) * WAD, bp(5_000)),
            Ok(PenaltySplit {
                keeper: u256(15) * WAD,
                insurance: u256(15) * WAD
            })
        );
        assert_eq!(
            split_penalty(u256(3), bp(5_000)),
            Ok(PenaltySplit {
                keeper: u256(1),
                insurance: u256(2)
            })
        );
        assert_eq!(
            split_penalty(u256(3), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn sizing() {
        let p = u256(3000) * WAD;
        // Relief per ETH: 3000 * (3 % - 0.5 %) = 75. Health -150 needs exactly 2 ETH of 10.
        let s = size_to_restore(
            wad(750),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(300),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(u256(2) * WAD));
        assert_eq!(
            health_after_close(-wad(150), u256(2) * WAD, p, bp(300), bp(50)),
            Ok(I256::ZERO)
        );
        // One more wei of deficit needs a little more: ceil(150.000000000000000001 / 75).
        let s = size_to_restore(
            wad(750) - i(1),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(300),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(u256(2) * WAD + u256(1)));
        // The rest (8 ETH = 24 000) is below a 25 000 dust notional: all of it.
        let s = size_to_restore(
            wad(750),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(300),
            bp(50),
            u256(25_000) * WAD,
        );
        assert_eq!(s, Ok(u256(10) * WAD));
        // At exactly the dust notional the rest stays.
        let s = size_to_restore(
            wad(750),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(300),
            bp(50),
            u256(24_000) * WAD,
        );
        assert_eq!(s, Ok(u256(2) * WAD));
        // Closing all 1 ETH restores only 75 of 150: all of it.
        let s = size_to_restore(
            wad(750),
            u256(900) * WAD,
            WAD,
            p,
            bp(300),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(WAD));
        // Penalty at least the shock: closing does not help, all of it.
        let s = size_to_restore(
            wad(750),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(50),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(u256(10) * WAD));
        // Healthy or empty: nothing.
        let s = size_to_restore(
            wad(900),
            u256(900) * WAD,
            u256(10) * WAD,
            p,
            bp(300),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(U256::ZERO));
        let s = size_to_restore(
            wad(0),
            u256(900) * WAD,
            U256::ZERO,
            p,
            bp(300),
            bp(50),
            U256::ZERO,
        );
        assert_eq!(s, Ok(U256::ZERO));
        // A huge deficit on a tiny relief overflows the size: all of it.
        let s = size_to_restore(
            I256::MIN,
            U256::ZERO,
            u256(10) * WAD,
            u256(1),
            WAD,
            U256::ZERO,
            U256::ZERO,
        );
        assert_eq!(s, Ok(u256(10) * WAD));
        // Errors.
        assert_eq!(
            size_to_restore(
                wad(1),
                u256(2) * WAD,
                WAD,
                p,
                WAD + u256(1),
                bp(50),
                U256::ZERO
            ),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            size_to_restore(wad(1), U256::MAX, WAD, p, bp(300), bp(50), U256::ZERO),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            size_to_restore(I256::MIN, u256(1), WAD, p, bp(300), bp(50), U256::ZERO),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            health_after_close(I256::ZERO, U256::MAX, p, bp(300), bp(50)),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            health_after_close(I256::ZERO, WAD, p, bp(300), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
        // Closing with a penalty above the shock lowers health: 1 ETH * 3000 * (0.5 % - 1 %) = -15.
        assert_eq!(
            health_after_close(-wad(10), WAD, p, bp(50), bp(100)),
            Ok(-wad(25))
        );
    }

    fn wide(x: I256) -> I512 {
        let m = I512::from_raw(widen(x.unsigned_abs()));
        if x.is_negative() {
            -m
        } else {
            m
        }
    }

    fn wu(x: U256) -> I512 {
        I512::from_raw(widen(x))
    }

    proptest! {
        /// A collateral sale moves no value in or out: the liquidator's
        /// payment is exactly what the account and the fund receive, and the
        /// account never receives more than the value less the exact penalty.
        #[test]
        fn collateral_sales_conserve_quote(
            value in 0u128..u128::MAX,
            penalty in 0u64..=10_000,
            share in 0u64..=10_000,
        ) {
            let value = U256::from(value);
            let sale = collateral_sale(value, bp(penalty), bp(share)).unwrap();
            prop_assert_eq!(sale.liquidator_debit, sale.account_credit + sale.insurance);
            prop_assert!(sale.account_credit <= value);
            prop_assert!(sale.account_credit * U256::from(10_000u64) <= value * U256::from(10_000 - penalty));
        }

        #[test]
        fn restores_minimally_and_never_exceeds(
            equity in -1_000_000_000_000_000_000_000_000i128..1_000_000_000_000_000_000_000_000,
            im in 0u128..1_000_000_000_000_000_000_000_000,
            position in 0u128..1_000_000_000_000_000_000_000_000,
            price in 1u128..100_000_000_000_000_000_000_000,
            shock in 0u64..=10_000,
            penalty in 10u64..=1_000,
            dust in 0u128..10_000_000_000_000_000_000_000,
        ) {
            let (im, position, price, dust) = (U256::from(im), U256::from(position), U256::from(price), U256::from(dust));
            let (shock, penalty) = (bp(shock), bp(penalty));
            let s = size_to_restore(i(equity), im, position, price, shock, penalty, dust).unwrap();
            prop_assert!(s <= position);
            let health = i(equity) - I256::from_raw(im);
            if !health.is_negative() {
                prop_assert_eq!(s, U256::ZERO);
            } else if s < position {
                // Restored under the model, and under the exact linear model without rounding.
                prop_assert!(health_after_close(health, s, price, shock, penalty).unwrap() >= I256::ZERO);
                let w = wu(WAD);
                let exact = wide(health) * w * w + wu(s) * wu(price) * (wu(shock) - wu(penalty));
                prop_assert!(exact >= I512::ZERO);
                // Minimal: one wei less does not restore.
                prop_assert!(s.is_zero() || health_after_close(health, s - u256(1), price, shock, penalty).unwrap().is_negative());
                // The rest is not dust.
                prop_assert!(mul_down(position - s, price).unwrap() >= dust);
            } else if !position.is_zero() {
                // All of it: the relief is not positive, or the rest would be dust, or even all
                // of it is not enough.
                let short_of_all = health_after_close(health, position - u256(1), price, shock, penalty).unwrap().is_negative();
                let dusty = |k: U256| mul_down(position - k, price).unwrap() < dust;
                let needed = size_to_restore(i(equity), im, position, price, shock, penalty, U256::ZERO).unwrap();
                prop_assert!(short_of_all || dusty(needed));
            }
        }

        /// Over random portfolios (several underlyings, spot and perps, both
        /// margin modes) and prices, an account whose equity covers its
        /// maintenance requirement is never liquidatable, and one that is has
        /// negative initial health, so sizing always closes something.
        #[test]
        fn healthy_accounts_are_never_liquidatable(
            rows in prop::collection::vec((0u8..4, -1_000i64..1_000, -1_000i64..1_000, 1u64..100_000, 100u64..5_000), 1..6),
            equity in -10_000_000i64..10_000_000,
            portfolio in any::<bool>(),
        ) {
            use crate::risk::margin::{requirements, Correlations, Exposure, MarginMode};
            let exposures: Vec<Exposure> = rows.iter().map(|&(bucket, spot, perp, price, shock)| Exposure {
                bucket,
                spot: wad(spot),
                perp: wad(perp),
                price: u256(u128::from(price)) * WAD,
                maint_shock: bp(shock),
                init_shock: bp(shock) * u256(3) / u256(2),
                depth: U256::ZERO,
            }).collect();
            let corr = Correlations { intra: [bp(8_000), bp(6_000), bp(9_500), bp(5_000)], inter: bp(2_500) };
            let mode = if portfolio { MarginMode::Portfolio } else { MarginMode::Cross };
            let r = requirements(&exposures, &corr, bp(50), mode).unwrap();
            let equity = wad(equity);
            if equity >= I256::from_raw(r.maintenance) {
                prop_assert!(!liquidatable(equity, r.maintenance));
            } else {
                prop_assert!(liquidatable(equity, r.maintenance));
                prop_assert!(equity < I256::from_raw(r.initial));
            }
        }

        /// Liquidating a naked position never lowers the account's
        /// maintenance health under the real margin function: the size from
        /// `size_to_restore`, the penalty of `penalty_rate` (shocks of at
        /// least 1 %, as every listed underlying's haircut floor), the notional
        /// floor included.
        #[test]
        fn liquidation_never_lowers_health(
            size in -1_000_000i64..1_000_000,
            price in 1u64..100_000,
            shock in 100u64..5_000,
            equity in -100_000_000i64..100_000_000,
        ) {
            use crate::risk::margin::{requirements, Correlations, Exposure, MarginMode};
            prop_assume!(size != 0);
            let size = wad(size) / i(100);
            let price = u256(u128::from(price)) * WAD;
            let (ms, is) = (bp(shock), bp(shock) * u256(3) / u256(2));
            let corr = Correlations { intra: [WAD; 4], inter: WAD };
            let req = |perp: I256| {
                let e = [Exposure { bucket: 0, spot: I256::ZERO, perp, price, maint_shock: ms, init_shock: is, depth: U256::ZERO }];
                requirements(&e, &corr, bp(50), MarginMode::Cross).unwrap()
            };
            let before = req(size);
            let equity = wad(equity) / i(100);
            prop_assume!(liquidatable(equity, before.maintenance));
            let penalty = penalty_rate(ms, 5, bp(50)).unwrap();
            let q = size_to_restore(equity, before.initial, size.unsigned_abs(), price, is, penalty, U256::ZERO).unwrap();
            prop_assert!(q > U256::ZERO);
            let q_signed = I256::from_raw(q);
            let after_size = if size.is_positive() { size - q_signed } else { size + q_signed };
            let after = req(after_size);
            // Transfer at the oracle price: equity changes only by the penalty.
            let equity_after = equity - I256::from_raw(penalty_amount(q, price, penalty).unwrap());
            let h0 = equity - I256::from_raw(before.maintenance);
            let h1 = equity_after - I256::from_raw(after.maintenance);
            prop_assert!(h1 >= h0, "health fell from {} to {}", h0, h1);
        }

        #[test]
        fn split_conserves(amount in crate::math::fixed::tests::any_u256(), share in 0u64..=1_000_000_000_000_000_000) {
            let sp = split_penalty(amount, U256::from(share)).unwrap();
            prop_assert_eq!(sp.keeper + sp.insurance, amount);
            prop_assert!(wu(sp.keeper) * wu(WAD) <= wu(amount) * wu(U256::from(share)));
        }

        #[test]
        fn price_worsens_for_liquidated(oracle in 0u128..1_000_000_000_000_000_000_000_000_000, penalty in 0u64..=100_000) {
            let (o, pen) = (U256::from(oracle), bp(penalty).min(WAD));
            let long = liquidation_price(o, true, pen).unwrap();
            let short = liquidation_price(o, false, pen).unwrap();
            prop_assert!(long <= o && short >= o);
            // Within one wei of the exact value, on the liquidated account's losing side.
            prop_assert!(wu(long) * wu(WAD) <= wu(o) * wu(WAD - pen) && wu(long + u256(1)) * wu(WAD) > wu(o) * wu(WAD - pen));
            let x = wu(o) * wu(WAD + pen);
            prop_assert!(wu(short) * wu(WAD) >= x);
            prop_assert!(short.is_zero() || wu(short - u256(1)) * wu(WAD) < x);
        }
    }
}
