//! Option series (DESIGN section 13): their market ids beside the perpetuals', the option class
//! of an underlying and its hard bounds, the listing rules of a series, the implied-volatility
//! band and the realised-volatility fallback, and the oracle round that settles an expiry.
//!
//! # Ids
//!
//! A signed order names a `uint32` market. Perpetual markets are numbered from 0; option series
//! from [`OPTION_ID_BASE`] (`2^31`) upwards, so the top bit tells them apart
//! ([`is_option_market`]) and the two ranges never meet (2^31 of each).
//!
//! # Listing
//!
//! [`check_listing`] accepts a series only if, in this order: the expiry is in the future
//! ([`ListingError::ExpiryNotInFuture`]), falls at 08:00 UTC ([`ListingError::ExpiryNotAt0800`])
//! and at most the class's horizon ahead ([`ListingError::ExpiryBeyondHorizon`]); the strike is
//! a positive multiple of the class's tick ([`ListingError::StrikeOffTick`]) and lies within
//! `0.5 .. 2 x` the spot price, both ends included, and within 128 bits
//! ([`ListingError::StrikeOutOfBand`]).
//!
//! # Volatility
//!
//! The realised volatility the RiskModule gives is daily; [`annualised_vol`] scales it by
//! `sqrt(365)` (rounded up). A posted implied volatility must lie within
//! `0.5 .. 5 x` the annualised realised one and at most [`MAX_VOL`] ([`check_implied_vol`]). It
//! serves while younger than the class's heartbeat; otherwise the mark uses the realised volatility
//! times the governed IV multiplier and the series is not fresh ([`current_vol`]).
//!
//! # Settlement
//!
//! [`settlement_price`] validates the oracle round in force at an expiry:
//! `updatedAt(round) <= expiry < updatedAt(round + 1)`, with every check of
//! [`validate_round`] except staleness (the bracket itself says the round was the current one at
//! expiry).

use crate::governance::params::{DAY, HOUR};
use crate::math::black76::MAX_VOL;
use crate::math::fixed::{mul_wad_up, scale_to_wad, u256};
use crate::risk::oracle::{OracleError, Round};
use crate::trading::market::MAX_FEE_RATE;
use crate::CoreError;
use alloy_primitives::U256;

/// The first option series id: `2^31`. Perpetual market ids stay below it.
pub const OPTION_ID_BASE: u32 = 1 << 31;

/// Whether the market id `id` names an option series (its top bit is set).
#[must_use]
pub const fn is_option_market(id: u32) -> bool {
    id & OPTION_ID_BASE != 0
}

/// The id of the `index`-th listed series (from 0), if it stays within the option range.
#[must_use]
pub const fn series_id(index: u64) -> Option<u32> {
    if index < OPTION_ID_BASE as u64 {
        Some(OPTION_ID_BASE | index as u32)
    } else {
        None
    }
}

/// The listing index of the series `id`, or `None` for a perpetual market id.
#[must_use]
pub const fn series_index(id: u32) -> Option<u32> {
    if is_option_market(id) {
        Some(id & !OPTION_ID_BASE)
    } else {
        None
    }
}

/// Seconds after midnight UTC at which every expiry falls: 08:00.
pub const EXPIRY_TIME_OF_DAY: u64 = 8 * HOUR;

/// Whether `t` (unix seconds) is 08:00 UTC of some day.
#[must_use]
pub const fn is_expiry_time(t: u64) -> bool {
    t % DAY == EXPIRY_TIME_OF_DAY
}

/// Most series of one underlying whose expiry has not passed (bounds every loop over them).
pub const MAX_LIVE_SERIES: usize = 64;

/// Default longest time to expiry of a class at listing: 90 days (DESIGN section 13).
pub const DEFAULT_MAX_HORIZON: u64 = 90 * DAY;
/// Shortest class horizon: 1 day (so that an 08:00 expiry always lies within it).
pub const MIN_MAX_HORIZON: u64 = DAY;
/// Longest class horizon: 730 days (the range over which the pricing is checked).
pub const MAX_MAX_HORIZON: u64 = 730 * DAY;
/// Suggested heartbeat of a class's implied volatility: 1 hour.
pub const DEFAULT_IV_HEARTBEAT: u64 = HOUR;
/// Shortest implied-volatility heartbeat: 5 minutes.
pub const MIN_IV_HEARTBEAT: u64 = 300;
/// Longest implied-volatility heartbeat: 1 day.
pub const MAX_IV_HEARTBEAT: u64 = DAY;
/// Largest strike tick, min size and open-interest cap of a class (they are stored in 128 bits).
pub const MAX_CLASS_AMOUNT: U256 = u256(u128::MAX);
/// Largest maker or taker fee rate of a class: 1 % of the underlying notional, as for
/// perpetuals (the option fee cap, a governed share of the premium, bounds it further).
pub const MAX_OPTION_FEE_RATE: U256 = MAX_FEE_RATE;

/// Lowest implied / realised volatility ratio a posted volatility may have: 0.5.
pub const MIN_IV_RATIO: U256 = u256(500_000_000_000_000_000);
/// Highest implied / realised volatility ratio a posted volatility may have: 5.
pub const MAX_IV_RATIO: U256 = u256(5_000_000_000_000_000_000);
/// `sqrt(365)` as WAD, rounded up: daily to annual volatility.
pub const SQRT_DAYS_PER_YEAR: U256 = u256(19_104_973_174_542_800_180);

/// The governance-set configuration of an underlying's option class (amounts WAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassConfig {
    /// Longest time from listing to expiry, seconds.
    pub max_horizon: u64,
    /// Strike tick, WAD quote.
    pub strike_tick: U256,
    /// Minimum fill size, WAD contracts (one contract is one unit of the underlying).
    pub min_size: U256,
    /// Highest open interest of one series, WAD contracts.
    pub max_open_interest: U256,
    /// Maker fee rate, fraction of the underlying notional, WAD.
    pub maker_fee: U256,
    /// Taker fee rate, fraction of the underlying notional, WAD.
    pub taker_fee: U256,
    /// Age at which a posted implied volatility stops serving, seconds.
    pub iv_heartbeat: u64,
}

/// A class configuration field out of its bounds. Discriminants are stable (`field as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ClassField {
    /// `max_horizon` in [`MIN_MAX_HORIZON`] ..= [`MAX_MAX_HORIZON`].
    MaxHorizon = 1,
    /// `strike_tick` in `1 ..= MAX_CLASS_AMOUNT`.
    StrikeTick = 2,
    /// `min_size` in `1 ..= max_open_interest`.
    MinSize = 3,
    /// `max_open_interest` in `1 ..= MAX_CLASS_AMOUNT`.
    MaxOpenInterest = 4,
    /// `maker_fee` at most [`MAX_OPTION_FEE_RATE`].
    MakerFee = 5,
    /// `taker_fee` at most [`MAX_OPTION_FEE_RATE`].
    TakerFee = 6,
    /// `iv_heartbeat` in [`MIN_IV_HEARTBEAT`] ..= [`MAX_IV_HEARTBEAT`].
    IvHeartbeat = 7,
}

/// Checks a class configuration against its hard bounds, field by field in code order but
/// the open-interest cap before the min size it bounds.
///
/// # Errors
/// The first [`ClassField`] out of its bounds.
pub fn check_class(c: &ClassConfig) -> Result<(), ClassField> {
    let positive = |v: U256| !v.is_zero() && v <= MAX_CLASS_AMOUNT;
    if c.max_horizon < MIN_MAX_HORIZON || c.max_horizon > MAX_MAX_HORIZON {
        return Err(ClassField::MaxHorizon);
    }
    if !positive(c.strike_tick) {
        return Err(ClassField::StrikeTick);
    }
    if !positive(c.max_open_interest) {
        return Err(ClassField::MaxOpenInterest);
    }
    if c.min_size.is_zero() || c.min_size > c.max_open_interest {
        return Err(ClassField::MinSize);
    }
    if c.maker_fee > MAX_OPTION_FEE_RATE {
        return Err(ClassField::MakerFee);
    }
    if c.taker_fee > MAX_OPTION_FEE_RATE {
        return Err(ClassField::TakerFee);
    }
    if c.iv_heartbeat < MIN_IV_HEARTBEAT || c.iv_heartbeat > MAX_IV_HEARTBEAT {
        return Err(ClassField::IvHeartbeat);
    }
    Ok(())
}

/// Why a series may not be listed. Discriminants are stable (`error as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ListingError {
    /// The expiry is not after `now`.
    ExpiryNotInFuture = 1,
    /// The expiry is not 08:00 UTC.
    ExpiryNotAt0800 = 2,
    /// The expiry lies more than the class's horizon after `now`.
    ExpiryBeyondHorizon = 3,
    /// The strike is zero or not a multiple of the tick.
    StrikeOffTick = 4,
    /// The strike lies outside `0.5 .. 2 x` spot (or above 128 bits).
    StrikeOutOfBand = 5,
}

/// Checks the listing of a series expiring at `expiry` with strike `strike` at `now`, with the
/// class's `max_horizon` and `strike_tick` and the oracle `spot` (see the
/// [module documentation](self) for the order of the checks).
///
/// # Errors
/// The first failed [`ListingError`].
pub fn check_listing(
    now: u64,
    expiry: u64,
    strike: U256,
    spot: U256,
    max_horizon: u64,
    strike_tick: U256,
) -> Result<(), ListingError> {
    if expiry <= now {
        return Err(ListingError::ExpiryNotInFuture);
    }
    if !is_expiry_time(expiry) {
        return Err(ListingError::ExpiryNotAt0800);
    }
    if expiry - now > max_horizon {
        return Err(ListingError::ExpiryBeyondHorizon);
    }
    // Strikes above 128 bits are out of the band; the rest divide in 128 bits.
    if let (Ok(k), Ok(t)) = (u128::try_from(strike), u128::try_from(strike_tick)) {
        if k == 0 || t == 0 || k % t != 0 {
            return Err(ListingError::StrikeOffTick);
        }
    } else if strike.is_zero() || strike_tick.is_zero() {
        return Err(ListingError::StrikeOffTick);
    }
    if !strike_in_band(strike, spot) {
        return Err(ListingError::StrikeOutOfBand);
    }
    Ok(())
}

/// Whether `spot / 2 <= strike <= 2 spot` and `strike` fits 128 bits (exact, no rounding).
#[must_use]
pub fn strike_in_band(strike: U256, spot: U256) -> bool {
    // strike < 2^128, so doubling it cannot wrap; `strike <= 2 spot` without doubling spot.
    strike <= MAX_CLASS_AMOUNT && strike << 1 >= spot && (strike <= spot || strike - spot <= spot)
}

/// The annual volatility of a daily one: `daily x sqrt(365)`, WAD, rounded up (a volatility
/// drives requirements). Computed in 256 bits (no 512-bit division in the contract).
///
/// # Errors
/// [`CoreError::Overflow`] if `daily` is `2^68` or more (a daily volatility above 29,500 %).
pub fn annualised_vol(daily: U256) -> Result<U256, CoreError> {
    mul_wad_up(daily, SQRT_DAYS_PER_YEAR)
}

/// Why a posted implied volatility is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolError {
    /// The volatility is zero.
    Zero,
    /// The volatility lies outside [`iv_band`].
    OutOfBand,
}

/// The inclusive band `(min, max)` of a posted implied volatility around the annualised realised
/// volatility `realised`: `0.5 x` (rounded up) to `5 x`, the upper end at most [`MAX_VOL`].
#[must_use]
pub fn iv_band(realised: U256) -> (U256, U256) {
    // realised / 2 rounded up: the band never reaches below half the realised volatility.
    let lo = (realised >> 1) + (realised & U256::from(1u8));
    let hi = realised.saturating_mul(U256::from(5u8)).min(MAX_VOL);
    (lo, hi)
}

/// Checks a posted implied volatility `vol` (annual, WAD) against the annualised realised
/// volatility `realised`.
///
/// # Errors
/// [`VolError::Zero`] for zero; [`VolError::OutOfBand`] outside [`iv_band`].
pub fn check_implied_vol(vol: U256, realised: U256) -> Result<(), VolError> {
    if vol.is_zero() {
        return Err(VolError::Zero);
    }
    let (lo, hi) = iv_band(realised);
    if vol < lo || vol > hi {
        return Err(VolError::OutOfBand);
    }
    Ok(())
}

/// The volatility a series is marked at, and whether it is fresh: the `posted` implied
/// volatility when it was posted at `posted_at` (0: never) less than `heartbeat` seconds before
/// `now`; otherwise the annualised realised volatility `realised` times `multiplier` (WAD,
/// rounded up) and not fresh (DESIGN section 13: only risk-reducing fills then).
///
/// # Errors
/// As [`fallback_vol`].
pub fn current_vol(
    posted: U256,
    posted_at: u64,
    now: u64,
    heartbeat: u64,
    realised: U256,
    multiplier: U256,
) -> Result<(U256, bool), CoreError> {
    if is_fresh(posted_at, now, heartbeat) {
        return Ok((posted, true));
    }
    Ok((fallback_vol(realised, multiplier)?, false))
}

/// The fallback volatility: the annualised realised volatility `realised` times the implied /
/// realised `multiplier` ([`crate::OptionParam::IvMultiplier`]), WAD, rounded up.
///
/// # Errors
/// [`CoreError::Overflow`] if `realised` is `2^68` or more (an annual volatility above
/// 29,500 %) or `multiplier` is `2^128` or more.
pub fn fallback_vol(realised: U256, multiplier: U256) -> Result<U256, CoreError> {
    mul_wad_up(realised, multiplier)
}

/// Whether a volatility posted at `posted_at` (0: never) is younger than `heartbeat` at `now`.
#[must_use]
pub const fn is_fresh(posted_at: u64, now: u64, heartbeat: u64) -> bool {
    posted_at != 0 && now < posted_at.saturating_add(heartbeat)
}

/// Why a round cannot settle an expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettlementError {
    /// The named round was updated after the expiry (too late a round).
    RoundAfterExpiry,
    /// The next round does not exist (yet): the named round may not be the one at expiry.
    NextRoundMissing,
    /// The next round was updated at or before the expiry (too early a round).
    RoundSuperseded,
    /// An oracle check failed ([`validate_round`] without staleness).
    Oracle(OracleError),
}

/// The settlement price (WAD) of an expiry at `expiry` from the named `round` of a feed with
/// `decimals` and the exclusive sanity band `(min_price, max_price)`, given the `updatedAt` of
/// the next round (`None` or zero when it does not exist). The checks run in this order:
/// `updatedAt(round) <= expiry`, the next round exists, `expiry < updatedAt(next)`, then the
/// checks of [`validate_round`](crate::validate_round) but staleness, in its order: a complete
/// round ([`OracleError::IncompleteRound`]), a positive answer ([`OracleError::NonPositive`]),
/// the answer scaled to WAD as [`to_wad`](crate::to_wad) does strictly inside the band
/// ([`OracleError::OutOfBand`]). (The checks are written out here rather than calling
/// `validate_round`, whose staleness arithmetic would bring 512-bit division into the contract.)
///
/// # Errors
/// The first failed [`SettlementError`]; [`OracleError::Math`] with
/// [`CoreError::DecimalsTooLarge`] above 36 decimals or [`CoreError::Overflow`].
pub fn settlement_price(
    round: &Round,
    next_updated_at: Option<U256>,
    decimals: u8,
    min_price: U256,
    max_price: U256,
    expiry: u64,
) -> Result<U256, SettlementError> {
    let at = U256::from(expiry);
    if round.updated_at > at {
        return Err(SettlementError::RoundAfterExpiry);
    }
    let next = match next_updated_at {
        Some(t) if !t.is_zero() => t,
        _ => return Err(SettlementError::NextRoundMissing),
    };
    if next <= at {
        return Err(SettlementError::RoundSuperseded);
    }
    let oracle = SettlementError::Oracle;
    if round.updated_at.is_zero() || round.answered_in_round < round.round_id {
        return Err(oracle(OracleError::IncompleteRound));
    }
    if !round.answer.is_positive() {
        return Err(oracle(OracleError::NonPositive));
    }
    let price = scale_to_wad(round.answer.into_raw(), decimals)
        .map_err(|e| oracle(OracleError::Math(e)))?;
    if price <= min_price || price >= max_price {
        return Err(oracle(OracleError::OutOfBand));
    }
    Ok(price)
}

#[cfg(test)]
// Feed answers are written `whole_fraction` with the feed's 8 decimals grouped together.
#[allow(clippy::inconsistent_digit_grouping)]
#[path = "options_tests.rs"]
mod tests;
