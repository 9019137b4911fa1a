//! Perpetual markets: configuration bounds, the funding state of a market, booking a fill into a
//! position and account equity (DESIGN sections 6 and 7).
//!
//! The Clearinghouse keeps one [`FundingState`] per market and one
//! [`Position`](crate::Position) per (sub-account, market). At every fill it
//!
//! 1. accrues the market's cumulative funding index at the rate of the premium so far and then
//!    moves the premium toward the fill's sample by its notional- and time-weight
//!    ([`funding_at_fill`]); a trade's price must lie within the market's band around the index
//!    ([`within_band`](crate::trading::funding::within_band)), checked by the market contract first;
//! 2. books each side with [`book_fill`]: pending funding settles first, then the fill moves the
//!    position, realises PnL and charges the fee; the sum is the side's quote-balance change;
//! 3. updates the market's long open interest by [`long_delta`] of each side, which equals the short
//!    open interest because every fill moves both sides by opposite amounts.
//!
//! Between fills, [`funding_now`] gives the index as if accrued to `now`, so pending funding is
//! visible in health before it settles: [`position_cost`] is the basis net of pending funding
//! and [`equity`] marks a whole account.

use crate::governance::params::{DAY, HOUR};
use crate::governance::{ParamRule, RaisesRisk};
use crate::math::fixed::{add_signed, mul_signed, mul_up, sub_signed, to_signed, u256, Rounding};
use crate::trading::fees::fee;
use crate::trading::funding::{
    accrue, funding_payment, funding_rate, sample_weight, settle_funding, update_premium,
};
use crate::trading::position::{apply_fill, Position};
use crate::CoreError;
use alloy_primitives::{I256, U256};

const BP: u128 = 100_000_000_000_000;

/// Highest maker or taker fee rate: 1 % of notional.
pub const MAX_FEE_RATE: U256 = u256(100 * BP);
/// Highest funding-rate cap: 5 % per 8 hours.
pub const MAX_FUNDING_CAP: U256 = u256(500 * BP);
/// Default band of a fill around the index: 5 % (DESIGN section 15).
pub const DEFAULT_MAX_FILL_DEVIATION: U256 = u256(500 * BP);
/// Narrowest band: 0.5 %.
pub const MIN_MAX_FILL_DEVIATION: U256 = u256(50 * BP);
/// Widest band: 20 %.
pub const MAX_MAX_FILL_DEVIATION: U256 = u256(2_000 * BP);
/// Default notional at which one sample carries its full time weight: 100,000 quote.
pub const DEFAULT_PREMIUM_NOTIONAL: U256 = u256(100_000 * WAD_U128);
/// Smallest premium notional: 1,000 quote.
pub const MIN_PREMIUM_NOTIONAL: U256 = u256(1_000 * WAD_U128);
/// Largest premium notional: 10^12 quote.
pub const MAX_PREMIUM_NOTIONAL: U256 = u256(1_000_000_000_000 * WAD_U128);
/// Default time constant of the premium average: 1 hour.
pub const DEFAULT_PREMIUM_TAU: u64 = HOUR;
/// Shortest premium time constant: 5 minutes.
pub const MIN_PREMIUM_TAU: u64 = 300;
/// Longest premium time constant: 24 hours.
pub const MAX_PREMIUM_TAU: u64 = DAY;

const WAD_U128: u128 = 1_000_000_000_000_000_000;

/// The governance rule of the fill band (DESIGN sections 11 and 15): 0.5 % ..= 20 %, at most
/// 1 pp per change, a day between changes; a wider band raises risk (cheaper steering).
pub const MAX_FILL_DEVIATION_RULE: ParamRule = ParamRule {
    min: MIN_MAX_FILL_DEVIATION,
    max: MAX_MAX_FILL_DEVIATION,
    max_step: u256(100 * BP),
    min_interval: DAY,
    raises_risk: RaisesRisk::Increase,
};

/// The governance rule of the premium time constant: 5 min ..= 24 h, at most 1 h per change, a
/// day between changes; a shorter one raises risk (a sample weighs more sooner).
pub const PREMIUM_TAU_RULE: ParamRule = ParamRule {
    min: u256(MIN_PREMIUM_TAU as u128),
    max: u256(MAX_PREMIUM_TAU as u128),
    max_step: u256(HOUR as u128),
    min_interval: DAY,
    raises_risk: RaisesRisk::Decrease,
};

/// The governance rule of the premium notional currently at `old`: 1,000 ..= 10^12 quote, a day
/// between changes, one change moves it by at most `max(old, 1,000 quote)` (a raise at most
/// doubles it; markets have no common scale, so the step scales with the value, as the vault's
/// deposit caps do); a lower one raises risk (a smaller fill weighs fully).
pub fn premium_notional_rule(old: U256) -> ParamRule {
    ParamRule {
        min: MIN_PREMIUM_NOTIONAL,
        max: MAX_PREMIUM_NOTIONAL,
        max_step: old.max(MIN_PREMIUM_NOTIONAL),
        min_interval: DAY,
        raises_risk: RaisesRisk::Decrease,
    }
}

/// The parameters of a market's premium (DESIGN section 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PremiumParams {
    /// Funding-rate cap per 8 hours (also clamps each premium sample), WAD.
    pub cap: U256,
    /// Notional (WAD quote) at which a sample carries its full time weight.
    pub premium_notional: U256,
    /// Time constant of the average, seconds.
    pub premium_tau: u64,
}

/// The governance-set configuration of a market (prices and sizes WAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarketConfig {
    /// Minimum fill size, base units.
    pub min_size: U256,
    /// Price tick, quote per base unit.
    pub tick: U256,
    /// Maker fee rate (fraction of notional).
    pub maker_fee: U256,
    /// Taker fee rate (fraction of notional).
    pub taker_fee: U256,
    /// Highest long (= short) open interest, base units.
    pub max_open_interest: U256,
    /// Funding-rate cap per 8 hours (also clamps each premium sample).
    pub funding_cap: U256,
}

/// A market configuration field that is out of bounds. Discriminants are stable (`field as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MarketField {
    /// `min_size` must be positive.
    MinSize = 1,
    /// `tick` must be positive.
    Tick = 2,
    /// `maker_fee` at most [`MAX_FEE_RATE`].
    MakerFee = 3,
    /// `taker_fee` at most [`MAX_FEE_RATE`].
    TakerFee = 4,
    /// `max_open_interest` must be positive and fit `I256`.
    MaxOpenInterest = 5,
    /// `funding_cap` in `(0, MAX_FUNDING_CAP]`.
    FundingCap = 6,
}

/// Checks a market configuration against its hard bounds.
///
/// # Errors
/// The first field out of bounds, in the order of [`MarketField`].
pub fn check_market(cfg: &MarketConfig) -> Result<(), MarketField> {
    if cfg.min_size.is_zero() || cfg.min_size > I256::MAX.into_raw() {
        return Err(MarketField::MinSize);
    }
    if cfg.tick.is_zero() || cfg.tick > I256::MAX.into_raw() {
        return Err(MarketField::Tick);
    }
    if cfg.maker_fee > MAX_FEE_RATE {
        return Err(MarketField::MakerFee);
    }
    if cfg.taker_fee > MAX_FEE_RATE {
        return Err(MarketField::TakerFee);
    }
    if cfg.max_open_interest.is_zero() || cfg.max_open_interest > I256::MAX.into_raw() {
        return Err(MarketField::MaxOpenInterest);
    }
    if cfg.funding_cap.is_zero() || cfg.funding_cap > MAX_FUNDING_CAP {
        return Err(MarketField::FundingCap);
    }
    Ok(())
}

/// The funding state of a market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FundingState {
    /// Premium (time- and notional-weighted average of the samples), signed WAD fraction.
    pub premium: I256,
    /// Cumulative funding index, signed WAD quote per base unit.
    pub cum_index: I256,
    /// Time the index was last accrued to, unix seconds.
    pub updated_at: u64,
    /// Time of the last premium sample (or of the listing), unix seconds.
    pub sampled_at: u64,
}

/// The state accrued to `now` at the rate of the current premium (clamped to `cap`) on
/// `index_price`. A `now` at or before `updated_at` leaves it unchanged.
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a cap above `I256::MAX`; [`CoreError::Overflow`] if the
/// index does not fit.
pub fn funding_now(
    state: FundingState,
    index_price: U256,
    cap: U256,
    now: u64,
) -> Result<FundingState, CoreError> {
    if now <= state.updated_at {
        return Ok(state);
    }
    let rate = funding_rate(state.premium, cap)?;
    Ok(FundingState {
        cum_index: accrue(state.cum_index, rate, index_price, now - state.updated_at)?,
        updated_at: now,
        ..state
    })
}

/// The state after a trade of `size` (WAD base units) at `fill_price`: accrued to `now` at the
/// old premium ([`funding_now`]), then the premium moves toward the fill's sample by
/// [`sample_weight`]`(notional, premium_notional, now - sampled_at, premium_tau)`
/// ([`update_premium`]), the notional `size * fill_price` floored (a smaller weight), and
/// `sampled_at` becomes `now`. The band ([`within_band`](crate::trading::funding::within_band)) is the
/// caller's to check first.
///
/// # Errors
/// As [`funding_now`], [`sample_weight`] and [`update_premium`].
pub fn funding_at_fill(
    state: FundingState,
    fill_price: U256,
    size: U256,
    index_price: U256,
    params: &PremiumParams,
    now: u64,
) -> Result<FundingState, CoreError> {
    let accrued = funding_now(state, index_price, params.cap, now)?;
    // Notional floored: a smaller weight.
    let notional = crate::math::fixed::mul_down(size, fill_price)?;
    let weight = sample_weight(
        notional,
        params.premium_notional,
        now.saturating_sub(state.sampled_at),
        params.premium_tau,
    )?;
    Ok(FundingState {
        premium: update_premium(accrued.premium, fill_price, index_price, weight, params.cap)?,
        sampled_at: now.max(state.sampled_at),
        ..accrued
    })
}

/// One side of a fill, booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookedFill {
    /// The position after the fill, its funding index at the market's index.
    pub position: Position,
    /// Funding settled before the fill (positive = received).
    pub funding: I256,
    /// PnL realised by the fill.
    pub realized: I256,
    /// Fee charged, rounded up.
    pub fee: U256,
    /// Change of the sub-account's quote balance: `funding + realized - fee`.
    pub quote_delta: I256,
}

/// Books a fill of `delta` at `price` into `pos`: settles funding up to `cum_index`
/// ([`settle_funding`]), applies the fill ([`apply_fill`]) and charges `fee_rate` on the notional
/// `|delta| * price` (rounded up, fees round up).
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a fee rate above 1; [`CoreError::Overflow`].
pub fn book_fill(
    pos: Position,
    delta: I256,
    price: U256,
    cum_index: I256,
    fee_rate: U256,
) -> Result<BookedFill, CoreError> {
    let (settled, funding) = settle_funding(pos, cum_index)?;
    let (position, realized) = apply_fill(settled, delta, price)?;
    // Fees round up: on the notional, itself rounded up.
    let fee = fee(mul_up(delta.unsigned_abs(), price)?, fee_rate)?;
    let quote_delta = sub_signed(add_signed(funding, realized)?, to_signed(fee)?)?;
    Ok(BookedFill {
        position,
        funding,
        realized,
        fee,
        quote_delta,
    })
}

/// The change of long open interest when one position moves from `old` to `new` size:
/// `max(new, 0) - max(old, 0)`.
///
/// # Errors
/// [`CoreError::Overflow`] never in practice (both parts fit `I256`).
pub fn long_delta(old: I256, new: I256) -> Result<I256, CoreError> {
    let long = |s: I256| if s.is_positive() { s } else { I256::ZERO };
    sub_signed(long(new), long(old))
}

/// The cumulative indices of the two sides of a market: funding is shared
/// (`cum_index`), socialised losses are charged to one side only. A long
/// position settles against `cum_index + long_loss` (a rise is owed by
/// longs), a short against `cum_index - short_loss` (a fall is owed by
/// shorts), so [`funding_payment`] charges each side its own losses.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn side_indices(
    cum_index: I256,
    long_loss: U256,
    short_loss: U256,
) -> Result<(I256, I256), CoreError> {
    Ok((
        add_signed(cum_index, to_signed(long_loss)?)?,
        sub_signed(cum_index, to_signed(short_loss)?)?,
    ))
}

/// The index a position of `size` settles against: the long side's for a
/// positive size, the short side's otherwise (a flat position pays nothing
/// either way).
#[must_use]
pub fn index_for(size: I256, indices: (I256, I256)) -> I256 {
    if size.is_positive() {
        indices.0
    } else {
        indices.1
    }
}

/// The per-unit charge that socialises `amount` (WAD quote) over
/// `open_interest` (base units) of one side: `ceil(amount / open_interest)`,
/// WAD quote per base unit, so the side pays at least `amount` (charges
/// round up).
///
/// # Errors
/// [`CoreError::DivisionByZero`] without open interest; [`CoreError::Overflow`].
pub fn socialised_charge(amount: U256, open_interest: U256) -> Result<U256, CoreError> {
    crate::math::fixed::mul_div(amount, crate::math::fixed::WAD, open_interest, Rounding::Up)
}

/// The basis of `pos` net of its pending funding at `cum_index`: `open_notional - payment`, so
/// that `size * mark - cost` is unrealised PnL plus pending funding.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn position_cost(pos: &Position, cum_index: I256) -> Result<I256, CoreError> {
    sub_signed(
        pos.open_notional,
        funding_payment(pos.size, pos.funding_index, cum_index)?,
    )
}

/// One row of an account's equity: a signed amount (spot holding or perp size, WAD base units)
/// at `price`, less a `cost` (zero for spot; [`position_cost`] for a perp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EquityRow {
    /// Signed amount, WAD base units.
    pub amount: I256,
    /// Oracle price, WAD quote per base unit.
    pub price: U256,
    /// Cost to subtract, signed WAD quote.
    pub cost: I256,
}

/// Account equity (DESIGN section 7): the sum of `floor(amount * price) - cost` over the rows,
/// i.e. collateral at oracle price (a negative quote balance is debt) plus unrealised PnL plus
/// pending funding. Each marked value rounds down (toward negative infinity), so equity never
/// exceeds its exact value.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn equity(rows: &[EquityRow]) -> Result<I256, CoreError> {
    rows.iter().try_fold(I256::ZERO, |acc, r| {
        // Collateral value and PnL round down.
        let marked = mul_signed(r.amount, to_signed(r.price)?, Rounding::Down)?;
        add_signed(acc, sub_signed(marked, r.cost)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{mul_div, WAD, WAD_SIGNED};
    use crate::trading::funding::FUNDING_PERIOD;
    use crate::trading::position::unrealized_pnl;
    use proptest::prelude::*;

    fn i(x: i128) -> I256 {
        I256::try_from(x).unwrap()
    }

    fn cfg() -> MarketConfig {
        MarketConfig {
            min_size: WAD / U256::from(100u64),
            tick: WAD / U256::from(100u64),
            maker_fee: u256(2 * BP),
            taker_fee: u256(5 * BP),
            max_open_interest: u256(1_000_000) * WAD,
            funding_cap: u256(75 * BP),
        }
    }

    #[test]
    fn market_bounds_name_the_field() {
        assert_eq!(check_market(&cfg()), Ok(()));
        type Case = (fn(&mut MarketConfig), MarketField);
        // Just above the largest signed value, for the fields that must fit `I256`.
        const ABOVE_I256: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);
        let cases: [Case; 11] = [
            (|c| c.min_size = U256::ZERO, MarketField::MinSize),
            (|c| c.min_size = ABOVE_I256, MarketField::MinSize),
            (|c| c.tick = U256::ZERO, MarketField::Tick),
            (|c| c.tick = ABOVE_I256, MarketField::Tick),
            (
                |c| c.maker_fee = MAX_FEE_RATE + U256::from(1u8),
                MarketField::MakerFee,
            ),
            (
                |c| c.taker_fee = MAX_FEE_RATE + U256::from(1u8),
                MarketField::TakerFee,
            ),
            (
                |c| c.max_open_interest = U256::ZERO,
                MarketField::MaxOpenInterest,
            ),
            (
                |c| c.max_open_interest = U256::MAX,
                MarketField::MaxOpenInterest,
            ),
            (
                |c| c.max_open_interest = ABOVE_I256,
                MarketField::MaxOpenInterest,
            ),
            (|c| c.funding_cap = U256::ZERO, MarketField::FundingCap),
            (
                |c| c.funding_cap = MAX_FUNDING_CAP + U256::from(1u8),
                MarketField::FundingCap,
            ),
        ];
        for (mutate, field) in cases {
            let mut c = cfg();
            mutate(&mut c);
            assert_eq!(check_market(&c), Err(field));
        }
        let mut edge = cfg();
        edge.maker_fee = MAX_FEE_RATE;
        edge.taker_fee = MAX_FEE_RATE;
        edge.funding_cap = MAX_FUNDING_CAP;
        assert_eq!(check_market(&edge), Ok(()));
        // The largest signed value fits: size, tick and open-interest cap at I256::MAX pass.
        edge.min_size = I256::MAX.into_raw();
        edge.tick = I256::MAX.into_raw();
        edge.max_open_interest = I256::MAX.into_raw();
        assert_eq!(check_market(&edge), Ok(()));
        assert_eq!(ABOVE_I256, I256::MAX.into_raw() + U256::from(1u8));
    }

    #[test]
    fn funding_accrues_per_second_at_the_clamped_rate() {
        let state = FundingState {
            premium: i(1_000_000_000_000_000), // 0.1 %, under the cap
            cum_index: I256::ZERO,
            updated_at: 1_000,
            sampled_at: 1_000,
        };
        let price = u256(2_000) * WAD;
        // One full period at 0.1 % on 2000: the index rises by exactly 2.
        let s = funding_now(state, price, u256(75 * BP), 1_000 + FUNDING_PERIOD).unwrap();
        assert_eq!(s.cum_index, i(2) * WAD_SIGNED);
        assert_eq!(s.updated_at, 1_000 + FUNDING_PERIOD);
        // A premium above the cap pays the cap: 0.05 % -> 1 per period.
        let hot = FundingState {
            premium: i(10_000_000_000_000_000),
            ..state
        };
        let s = funding_now(hot, price, u256(5 * BP), 1_000 + FUNDING_PERIOD).unwrap();
        assert_eq!(s.cum_index, WAD_SIGNED);
        // Time standing still or going back changes nothing.
        assert_eq!(funding_now(state, price, u256(75 * BP), 1_000), Ok(state));
        assert_eq!(funding_now(state, price, u256(75 * BP), 10), Ok(state));
    }

    fn time_weight_of(dt: u64) -> U256 {
        crate::trading::funding::time_weight(dt, HOUR).unwrap()
    }

    fn params() -> PremiumParams {
        PremiumParams {
            cap: u256(75 * BP),
            premium_notional: DEFAULT_PREMIUM_NOTIONAL,
            premium_tau: DEFAULT_PREMIUM_TAU,
        }
    }

    #[test]
    fn a_fill_accrues_first_then_moves_the_premium() {
        let state = FundingState {
            premium: I256::ZERO,
            cum_index: i(7),
            updated_at: 0,
            sampled_at: 0,
        };
        // 50 ETH at 2020 (101,000 quote, over the 100,000 notional) 1 % above the index, a day
        // after the last sample: the sample clamps to the 0.75 % cap and takes all but e^-24 of
        // the weight.
        let s = funding_at_fill(
            state,
            u256(2_020) * WAD,
            u256(50) * WAD,
            u256(2_000) * WAD,
            &params(),
            DAY,
        )
        .unwrap();
        assert_eq!(s.cum_index, i(7), "zero premium accrues nothing");
        let full = time_weight_of(DAY);
        let cap = I256::from_raw(u256(75 * BP));
        assert_eq!(
            s.premium,
            cap - I256::from_raw(mul_div(u256(75 * BP), WAD - full, WAD, Rounding::Up).unwrap())
        );
        assert!(s.premium > cap - i(300_000));
        assert_eq!((s.updated_at, s.sampled_at), (DAY, DAY));
        // 1 ETH (2,020 quote) an hour later: 2.02 % of the notional weight, 1 - 1/e of the time
        // weight; a fill at the index pulls the premium toward zero by that much.
        let t = funding_at_fill(
            s,
            u256(2_000) * WAD,
            WAD,
            u256(2_000) * WAD,
            &params(),
            DAY + HOUR,
        )
        .unwrap();
        let w = sample_weight(u256(2_000) * WAD, DEFAULT_PREMIUM_NOTIONAL, HOUR, HOUR).unwrap();
        assert_eq!(w, u256(12_642_411_176_571_153));
        let step = mul_div(s.premium.into_raw(), w, WAD, Rounding::Down).unwrap();
        assert_eq!(t.premium, s.premium - I256::from_raw(step));
        assert!(t.cum_index > s.cum_index);
        // Two fills in the same second: the second weighs nothing.
        let u = funding_at_fill(
            t,
            u256(2_010) * WAD,
            u256(1_000) * WAD,
            u256(2_000) * WAD,
            &params(),
            DAY + HOUR,
        )
        .unwrap();
        assert_eq!(u.premium, t.premium);
        // A zero notional parameter is refused.
        let bad = PremiumParams {
            premium_notional: U256::ZERO,
            ..params()
        };
        assert_eq!(
            funding_at_fill(t, WAD, WAD, WAD, &bad, DAY + 2 * HOUR),
            Err(CoreError::DivisionByZero)
        );
    }

    #[test]
    fn premium_rules() {
        use crate::governance::check_change;
        let r = MAX_FILL_DEVIATION_RULE;
        assert!(r.min <= DEFAULT_MAX_FILL_DEVIATION && DEFAULT_MAX_FILL_DEVIATION <= r.max);
        assert_eq!((r.min, r.max), (u256(50 * BP), u256(2_000 * BP)));
        // DESIGN section 15: at most 1 pp per change, a day apart.
        assert_eq!((r.max_step, r.min_interval), (u256(100 * BP), DAY));
        assert!(r.raises_risk.when(true));
        // The premium notional's bounds: 1,000 .. 10^12 quote, default 100,000.
        assert_eq!(
            (
                MIN_PREMIUM_NOTIONAL,
                DEFAULT_PREMIUM_NOTIONAL,
                MAX_PREMIUM_NOTIONAL
            ),
            (
                u256(1_000) * WAD,
                u256(100_000) * WAD,
                u256(1_000_000_000_000) * WAD
            )
        );
        let t = PREMIUM_TAU_RULE;
        assert_eq!((t.min, t.max), (u256(300), u256(86_400)));
        assert!(t.raises_risk.when(false));
        let n = premium_notional_rule(DEFAULT_PREMIUM_NOTIONAL);
        assert_eq!(n.max_step, DEFAULT_PREMIUM_NOTIONAL);
        assert!(n.raises_risk.when(false));
        // A raise at most doubles it; a cut may go as far as the lower bound.
        let d = DEFAULT_PREMIUM_NOTIONAL;
        assert!(check_change(&n, d, d * u256(2), 0, DAY).is_ok());
        assert!(check_change(&n, d, d * u256(2) + u256(1), 0, DAY).is_err());
        assert!(check_change(&n, d, MIN_PREMIUM_NOTIONAL, 0, DAY).is_ok());
        assert!(check_change(&n, d, MIN_PREMIUM_NOTIONAL - u256(1), 0, DAY).is_err());
        assert_eq!(
            premium_notional_rule(U256::ZERO).max_step,
            MIN_PREMIUM_NOTIONAL
        );
    }

    #[test]
    fn booking_settles_funding_realises_and_charges() {
        let long = Position {
            size: i(2) * WAD_SIGNED,
            open_notional: i(4_000) * WAD_SIGNED,
            funding_index: I256::ZERO,
        };
        // Index rose by 3: the long owes 6. Selling 1 at 2100 realises 100; fee 5 bp of 2100.
        let b = book_fill(
            long,
            -WAD_SIGNED,
            u256(2_100) * WAD,
            i(3) * WAD_SIGNED,
            u256(5 * BP),
        )
        .unwrap();
        assert_eq!(b.funding, -i(6) * WAD_SIGNED);
        assert_eq!(b.realized, i(100) * WAD_SIGNED);
        assert_eq!(b.fee, u256(1_050_000_000_000_000_000));
        assert_eq!(
            b.quote_delta,
            i(94) * WAD_SIGNED - i(1_050_000_000_000_000_000)
        );
        assert_eq!(
            b.position,
            Position {
                size: WAD_SIGNED,
                open_notional: i(2_000) * WAD_SIGNED,
                funding_index: i(3) * WAD_SIGNED,
            }
        );
        assert_eq!(
            book_fill(long, WAD_SIGNED, WAD, I256::ZERO, WAD + U256::from(1u8)),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn open_interest_counts_long_parts() {
        assert_eq!(long_delta(i(0), i(3)), Ok(i(3)));
        assert_eq!(long_delta(i(3), i(-5)), Ok(i(-3)));
        assert_eq!(long_delta(i(-3), i(-5)), Ok(i(0)));
        assert_eq!(long_delta(i(-3), i(4)), Ok(i(4)));
    }

    #[test]
    fn equity_marks_collateral_and_positions() {
        let rows = [
            // 1.5 ETH spot at 2000.
            EquityRow {
                amount: i(1_500_000_000_000_000_000),
                price: u256(2_000) * WAD,
                cost: I256::ZERO,
            },
            // Quote debt of 500 at 1.
            EquityRow {
                amount: -i(500) * WAD_SIGNED,
                price: WAD,
                cost: I256::ZERO,
            },
            // Short 1 ETH perp opened at 2100, 4 of funding received: cost -2104.
            EquityRow {
                amount: -WAD_SIGNED,
                price: u256(2_000) * WAD,
                cost: -i(2_104) * WAD_SIGNED,
            },
        ];
        assert_eq!(equity(&rows), Ok(i(2_604) * WAD_SIGNED));
        assert_eq!(equity(&[]), Ok(I256::ZERO));
    }

    #[test]
    fn losses_are_charged_to_one_side() {
        let idx = (i(5), i(5));
        assert_eq!(side_indices(i(5), U256::ZERO, U256::ZERO), Ok(idx));
        let (l, s) = side_indices(i(5), u256(3), u256(2)).unwrap();
        assert_eq!((l, s), (i(8), i(3)));
        assert_eq!(index_for(i(1), (l, s)), l);
        assert_eq!(index_for(i(-1), (l, s)), s);
        // Longs of 10 units from index 5 to 8 owe 30; shorts of 10 from 5 to 3 owe 20.
        let ten = i(10) * WAD_SIGNED;
        assert_eq!(funding_payment(ten, i(5), l), Ok(i(-30)));
        assert_eq!(funding_payment(-ten, i(5), s), Ok(i(-20)));
        assert_eq!(socialised_charge(u256(10), WAD * u256(3)), Ok(u256(4)));
        assert_eq!(
            socialised_charge(u256(1), U256::ZERO),
            Err(CoreError::DivisionByZero)
        );
    }

    proptest! {
        /// Socialising `amount` over a side's open interest charges that side
        /// at least `amount` and less than `amount + number of positions` wei
        /// more than one unit of rounding each.
        #[test]
        fn socialised_losses_cover_the_deficit(
            amount in 1u64..1_000_000_000_000,
            sizes in prop::collection::vec(1u64..1_000_000_000_000, 1..8),
        ) {
            let sizes: Vec<I256> = sizes.iter().map(|s| I256::try_from(*s).unwrap() * i(1_000_000)).collect();
            let oi: U256 = sizes.iter().map(|s| s.into_raw()).sum();
            let charge = socialised_charge(U256::from(amount), oi).unwrap();
            let (l, _) = side_indices(I256::ZERO, charge, U256::ZERO).unwrap();
            let paid: I256 = sizes.iter().map(|s| -funding_payment(*s, I256::ZERO, l).unwrap()).sum();
            prop_assert!(paid >= I256::try_from(amount).unwrap());
            // Each position rounds up at most one wei; the charge itself adds at most oi/WAD + 1.
            let slack = I256::from_raw(oi / WAD) + i(1 + sizes.len() as i128);
            prop_assert!(paid <= I256::try_from(amount).unwrap() + slack);
        }

        /// A fill between two accounts moves quote balances by the two fees (plus funding, which
        /// is zero-sum up to dust against the accounts): realised PnL of a fill opened and
        /// closed at the same prices never creates value.
        #[test]
        fn a_fill_conserves_value_up_to_fees(
            open in 1u64..1_000_000,
            close in 1u64..1_000_000,
            size in 1u64..1_000_000_000,
            index in -1_000_000i64..1_000_000,
        ) {
            let size = I256::try_from(size).unwrap() * i(1_000_000_000);
            let (p_open, p_close) = (U256::from(open) * WAD, U256::from(close) * WAD);
            let idx = I256::try_from(index).unwrap() * i(1_000_000_000);
            let rate = u256(5 * BP);
            let flat = Position::default();
            let l1 = book_fill(flat, size, p_open, I256::ZERO, rate).unwrap();
            let s1 = book_fill(flat, -size, p_open, I256::ZERO, rate).unwrap();
            let l2 = book_fill(l1.position, -size, p_close, idx, rate).unwrap();
            let s2 = book_fill(s1.position, size, p_close, idx, rate).unwrap();
            let fees = i(0) + to_signed(l1.fee + s1.fee + l2.fee + s2.fee).unwrap();
            let total = l1.quote_delta + s1.quote_delta + l2.quote_delta + s2.quote_delta;
            // Booking and funding never create value: total <= -fees, dust at most 4 wei.
            prop_assert!(total <= -fees);
            prop_assert!(total >= -fees - i(4));
            prop_assert!(l2.position.size.is_zero() && s2.position.size.is_zero());
            // Funding signs: when the index rose, the long paid and the short received.
            if idx.is_positive() {
                prop_assert!(l2.funding.is_negative() && s2.funding.is_positive());
            }
        }

        /// The cost net of pending funding makes `size * mark - cost` exactly unrealised PnL plus
        /// the funding that would settle now.
        #[test]
        fn cost_includes_pending_funding(
            size in -1_000_000_000i64..1_000_000_000,
            basis in 1u64..1_000_000_000,
            entry in -1_000_000i64..1_000_000,
            now in -1_000_000i64..1_000_000,
            mark in 1u64..1_000_000,
        ) {
            let size = I256::try_from(size).unwrap() * i(1_000_000_000);
            let basis = I256::try_from(basis).unwrap() * i(1_000_000_000);
            let open_notional = if size.is_negative() { -basis } else { basis };
            let pos = Position {
                size,
                open_notional,
                funding_index: I256::try_from(entry).unwrap(),
            };
            let cum = I256::try_from(now).unwrap();
            let mark = U256::from(mark) * WAD;
            let row = EquityRow { amount: size, price: mark, cost: position_cost(&pos, cum).unwrap() };
            let (_, pay) = settle_funding(pos, cum).unwrap();
            prop_assert_eq!(equity(&[row]).unwrap(), unrealized_pnl(&pos, mark).unwrap() + pay);
        }

        /// Long open interest equals short open interest after any sequence of fills.
        #[test]
        fn open_interest_is_balanced(fills in prop::collection::vec((0usize..4, 0usize..4, 1i64..1_000), 1..40)) {
            let mut sizes = [I256::ZERO; 4];
            let mut long_oi = I256::ZERO;
            for (a, b, d) in fills {
                if a == b { continue; }
                let d = I256::try_from(d).unwrap();
                for (who, delta) in [(a, d), (b, -d)] {
                    let new = sizes[who] + delta;
                    long_oi += long_delta(sizes[who], new).unwrap();
                    sizes[who] = new;
                }
                let short: U256 = sizes.iter().filter(|s| s.is_negative()).map(|s| s.unsigned_abs()).sum();
                prop_assert_eq!(long_oi, I256::from_raw(short));
            }
        }

        /// **Wash fills cannot buy more funding than their fees pay for.**
        ///
        /// Model: the index price `P` is constant; at `t0` the attacker holds a position of `q`
        /// (either side, exposure `V = |q| * P`) and the premium is `p0` (anywhere within the
        /// cap). It then runs a schedule of wash fills between two of its own sub-accounts (sizes,
        /// prices anywhere in the band, times), paying the maker and the taker fee (`f` their
        /// sum) on each, and holds everything for `H` more seconds. Its extraction is the funding
        /// its position receives beyond what it would have received without the wash fills
        /// (premium left at `p0`), over `T` = from the first wash fill to the end.
        ///
        /// Each sample moves the premium by at most `w * 2 * cap` with
        /// `w <= notional / premium_notional`, so the extraction is at most
        /// `fees * 2 * cap * V * T / (f * premium_notional * 8 h)` (checked for every schedule,
        /// up to rounding dust): it **never exceeds the fees while
        /// `V * T / 8 h <= f * premium_notional / (2 * cap)`** (with the defaults, 7 bp of fees,
        /// a 0.75 % cap and 100,000 quote: 4,667 quote of exposure held for one funding
        /// period, or proportionally more for less time), and in that case the attacker's whole
        /// book (position, wash legs marked at the index, their funding, the fees) ends no better
        /// off than without the attack. Beyond it the extraction grows with the exposure held,
        /// by this factor, whatever the schedule; governance sizes `premium_notional` to the
        /// exposure it protects.
        #[test]
        fn wash_fills_cannot_buy_more_funding_than_their_fees(
            cap_bp in 1u64..=500,
            notional_k in 1u64..10_000,
            tau in 300u64..=86_400,
            band_bp in 50u64..=2_000,
            fees_bp in (0u64..=100, 0u64..=100),
            p0_frac in -1_000i64..=1_000,
            gap in 0u64..200_000,
            q in -1_000_000i64..1_000_000,
            protected_share in prop::option::of(1u64..=1_000),
            push in any::<bool>(),
            fills in prop::collection::vec((0u64..20_000, 1u64..100_000, -1_000i64..=1_000, any::<bool>()), 1..30),
            hold in 0u64..(3 * FUNDING_PERIOD),
        ) {
            let (maker_bp, taker_bp) = fees_bp;
            prop_assume!(maker_bp + taker_bp > 0);
            let price = u256(3_000) * WAD;
            let cap = u256(u128::from(cap_bp) * BP);
            let params = PremiumParams {
                cap,
                premium_notional: u256(u128::from(notional_k) * 1_000) * WAD,
                premium_tau: tau,
            };
            let (maker_fee, taker_fee) = (u256(u128::from(maker_bp) * BP), u256(u128::from(taker_bp) * BP));
            let signed_cap = I256::from_raw(cap);
            let p0 = signed_cap * i(i128::from(p0_frac)) / i(1_000);
            let t0 = 1_000_000u64;
            let start = FundingState { premium: p0, cum_index: I256::ZERO, updated_at: t0, sampled_at: t0 - gap.min(t0) };
            // The attacker's position, in thousandths of a base unit, entered at the index; in
            // half the cases sized to a share of the protected exposure for this schedule's `T`
            // (and short when the schedule pushes the premium up).
            let mut size_q = i(i128::from(q)) * i(1_000_000_000_000_000);
            let f = u256(u128::from(maker_bp + taker_bp) * BP);
            let span = U256::from(fills[1..].iter().map(|x| x.0).sum::<u64>() + hold);
            if let (Some(share), false) = (protected_share, span.is_zero()) {
                // V_max = f N 8h / (2 cap T), as base units at the index price, times the share.
                let v_max = f * params.premium_notional * U256::from(FUNDING_PERIOD)
                    / (u256(2) * cap * span);
                let units = (v_max * U256::from(share) / u256(1_000) * WAD / price)
                    .min(u256(1_000) * WAD);
                let units = I256::from_raw(units);
                size_q = if q < 0 || push { -units } else { units };
            }

            let (mut a, mut b) = (Position::default(), Position::default());
            let (mut quote, mut fees) = (I256::ZERO, U256::ZERO);
            let mut state = start;
            let mut now = t0;
            let mut first = None;
            for (dt, size, dev, buy) in &fills {
                // Half the schedules push: every fill at the top of the band, for a short.
                let dev = if push { &1_000 } else { dev };
                now += dt;
                first.get_or_insert(now);
                // Size in thousandths of a base unit; price anywhere in the band (on the wei).
                let size = u256(u128::from(*size)) * u256(1_000_000_000_000_000);
                let off = crate::math::fixed::mul_div(price, u256(u128::from(band_bp) * BP), WAD, Rounding::Down).unwrap()
                    * u256(u128::from(dev.unsigned_abs())) / u256(1_000);
                let fill = if *dev >= 0 { price + off } else { price - off };
                prop_assert!(crate::trading::funding::within_band(fill, price, u256(u128::from(band_bp) * BP)));
                state = funding_at_fill(state, fill, size, price, &params, now).unwrap();
                let delta = if *buy { I256::from_raw(size) } else { -I256::from_raw(size) };
                let ba = book_fill(a, delta, fill, state.cum_index, maker_fee).unwrap();
                let bb = book_fill(b, -delta, fill, state.cum_index, taker_fee).unwrap();
                a = ba.position;
                b = bb.position;
                quote += ba.quote_delta + bb.quote_delta;
                fees += ba.fee + bb.fee;
            }
            let end = now + hold;
            let attacked = funding_now(state, price, cap, end).unwrap();
            let plain = funding_now(start, price, cap, end).unwrap();
            let extracted = funding_payment(size_q, I256::ZERO, attacked.cum_index).unwrap()
                - funding_payment(size_q, I256::ZERO, plain.cum_index).unwrap();
            // Rounding dust: an index floor of 1 wei per accrual on |q|, plus a wei per booking.
            let steps = i(fills.len() as i128 + 2);
            let dust = steps * (I256::from_raw(size_q.unsigned_abs() / WAD) + i(10));
            let fees_s = I256::from_raw(fees);
            // The bound for every schedule: fees * 2 cap V T / (f N 8h).
            let exposure = crate::math::fixed::mul_down(size_q.unsigned_abs(), price).unwrap();
            let t = U256::from(end - first.unwrap());
            prop_assert_eq!(t, span);
            let num = fees * u256(2) * cap * exposure * t;
            let den = f * params.premium_notional * U256::from(FUNDING_PERIOD);
            let bound = I256::from_raw(num.div_ceil(den));
            prop_assert!(extracted <= bound + dust, "extracted {} bound {} fees {}", extracted, bound, fees);
            // Inside the protected exposure the attack never pays: the whole book, marked at the
            // index, ends no better than without it (within dust).
            if u256(2) * cap * exposure * t <= f * params.premium_notional * U256::from(FUNDING_PERIOD) {
                prop_assert!(extracted <= fees_s + dust);
                let wash = quote
                    + funding_payment(a.size, a.funding_index, attacked.cum_index).unwrap()
                    + funding_payment(b.size, b.funding_index, attacked.cum_index).unwrap()
                    + crate::trading::position::unrealized_pnl(&a, price).unwrap()
                    + crate::trading::position::unrealized_pnl(&b, price).unwrap();
                prop_assert!(wash + extracted <= dust, "wash {} extracted {}", wash, extracted);
            }
        }
    }
}
