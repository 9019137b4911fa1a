//! Option positions (DESIGN section 13): the rules of an option fill (size, expiry, class,
//! volatility, open interest), the premium and fees it moves, and the intrinsic payout of an
//! expired series. The OptionBook contract reads storage and its callees' views, calls these
//! functions and writes their results.
//!
//! # A fill
//!
//! The maker's position in one series moves by a signed `maker_delta` (WAD contracts; positive:
//! the maker buys) and the taker's by its negation, at `premium` (WAD quote per contract).
//! [`plan_fill`] checks, in this order ([`FillRefusal`]): the series has not expired
//! (`now < expiry`), the size is non-zero and a multiple of the class's min size, a disabled
//! class or a volatility that is not fresh accept only risk-reducing fills (each side's
//! position shrinks toward zero without flipping: [`is_reducing`]), and the open interest
//! (total long contracts) stays under the class's cap when the fill raises it.
//!
//! # Money
//!
//! - **Premium**: the buyer's quote balance pays `|size| x premium`, rounded down (the seller's
//!   receipt is a payout; the buyer never pays more than its price times the size), and the
//!   seller receives exactly that amount: one number moves, so the two sides match to the wei.
//! - **Fees**, each side at its own rate (maker or taker): `rate x |size| x spot` (the
//!   underlying notional, rounded up) capped at `fee_cap x premium amount` (rounded up), so a
//!   far out-of-the-money option is not charged more than a share of what it is worth
//!   ([`option_fee`]). Fees round up. The two fees are split between the insurance and treasury
//!   accounts as perpetuals' fees are ([`split_fee`](crate::split_fee), in 256 bits:
//!   [`split_fee_narrow`](crate::split_fee_narrow); the insurance account takes the dust).
//!
//! # Expiry
//!
//! A series expired with a recorded settlement price `S` pays each holder its intrinsic value
//! `max(0, S - K)` (call) or `max(0, K - S)` (put) per contract ([`intrinsic`], exact: a
//! difference of two WAD values) times its size ([`expiry_payout`]): a long receives the
//! product rounded down, a short pays it rounded up. Across the holders of a series the
//! payouts therefore sum to zero or below, by less than one wei per short position settled plus
//! one wei per long one; that dust is quote the shorts paid that no balance receives: it stays
//! in the vault as unowned surplus (in practice none: with sizes on a min size of
//! `10^-k` contracts and prices with at most `18 - k` decimals, every product is exact).
//!
//! # Width
//!
//! The products run in 256 bits on factors below `2^128` (no 512-bit division in the contract):
//! sizes (open interest is capped below `2^128`), premiums, spots and settlement prices above
//! that are refused with [`CoreError::Overflow`].

use crate::math::fixed::{mul_div_narrow, Rounding, WAD};
use crate::trading::market::long_delta;
use crate::trading::position::is_reducing;
use crate::{add_signed, neg_signed, to_signed, to_unsigned, CoreError};
use alloy_primitives::{I256, U256};

/// Most option series one sub-account may hold at once (DESIGN section 13), besides its
/// perpetual markets.
pub const MAX_SERIES_PER_ACCOUNT: usize = 16;

/// Why a fill is refused. Discriminants are stable (`refusal as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FillRefusal {
    /// The series has expired (`now >= expiry`): it no longer trades.
    SeriesExpired = 1,
    /// The size is zero.
    ZeroSize = 2,
    /// The size is not a multiple of the class's min size.
    SizeNotMultiple = 3,
    /// The class is disabled and the fill is not risk-reducing for both sides.
    ClassDisabled = 4,
    /// The implied volatility is not fresh and the fill is not risk-reducing for both sides.
    VolatilityStale = 5,
    /// The fill would raise the open interest above the class's cap.
    OpenInterestCap = 6,
}

/// What a fill is checked against: the series, its class and the two positions before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillInput {
    /// Block time, seconds.
    pub now: u64,
    /// The series' expiry, seconds.
    pub expiry: u64,
    /// Whether the underlying's option class is enabled.
    pub enabled: bool,
    /// Whether the implied volatility of the series' expiry is fresh.
    pub fresh: bool,
    /// The class's min size, WAD contracts.
    pub min_size: U256,
    /// The class's open-interest cap per series, WAD contracts.
    pub max_open_interest: U256,
    /// The series' open interest (total long contracts) before the fill, WAD.
    pub open_interest: U256,
    /// The maker's position before the fill, WAD contracts.
    pub maker: I256,
    /// The taker's position before the fill, WAD contracts.
    pub taker: I256,
    /// The maker's position change (the taker's is its negation), WAD contracts.
    pub maker_delta: I256,
}

/// The positions and open interest after an accepted fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillPlan {
    /// The maker's new position.
    pub maker: I256,
    /// The taker's new position.
    pub taker: I256,
    /// The series' new open interest.
    pub open_interest: U256,
}

/// Why a fill fails: a refusal of the rules, or arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillError {
    /// A rule refuses the fill.
    Refused(FillRefusal),
    /// Arithmetic failed (positions or open interest beyond their types).
    Math(CoreError),
}

impl From<CoreError> for FillError {
    fn from(e: CoreError) -> Self {
        Self::Math(e)
    }
}

/// Checks a fill against the rules of the [module documentation](self), in their order, and
/// gives the positions and open interest after it.
///
/// # Errors
/// The first [`FillRefusal`]; [`FillError::Math`] when a position or the open interest
/// leaves its type.
pub fn plan_fill(f: &FillInput) -> Result<FillPlan, FillError> {
    let refuse = |r| Err(FillError::Refused(r));
    if f.now >= f.expiry {
        return refuse(FillRefusal::SeriesExpired);
    }
    let size = f.maker_delta.unsigned_abs();
    if size.is_zero() {
        return refuse(FillRefusal::ZeroSize);
    }
    if f.min_size.is_zero() || !(size % f.min_size).is_zero() {
        return refuse(FillRefusal::SizeNotMultiple);
    }
    let taker_delta = neg_signed(f.maker_delta)?;
    if !reduces_both(f.maker, f.taker, f.maker_delta) {
        if !f.enabled {
            return refuse(FillRefusal::ClassDisabled);
        }
        if !f.fresh {
            return refuse(FillRefusal::VolatilityStale);
        }
    }
    let maker = add_signed(f.maker, f.maker_delta)?;
    let taker = add_signed(f.taker, taker_delta)?;
    let oi_delta = add_signed(long_delta(f.maker, maker)?, long_delta(f.taker, taker)?)?;
    let oi = add_signed(to_signed(f.open_interest)?, oi_delta)?;
    // Open interest is the sum of the long positions: never negative for consistent inputs.
    let open_interest = to_unsigned(oi)?;
    if oi_delta.is_positive() && open_interest > f.max_open_interest {
        return refuse(FillRefusal::OpenInterestCap);
    }
    Ok(FillPlan {
        maker,
        taker,
        open_interest,
    })
}

/// Whether a fill of `maker_delta` (the taker's is its negation) reduces both positions: each
/// shrinks toward zero, possibly to it, and neither flips ([`is_reducing`]). Only such fills
/// pass a disabled class or a volatility that is not fresh.
#[must_use]
pub fn reduces_both(maker: I256, taker: I256, maker_delta: I256) -> bool {
    is_reducing(maker, maker_delta)
        && maker_delta
            .checked_neg()
            .is_some_and(|d| is_reducing(taker, d))
}

/// The premium a fill of `size` contracts at `premium` per contract moves from the buyer to the
/// seller: `size x premium`, rounded down (one amount: the buyer pays exactly what the seller
/// receives).
///
/// # Errors
/// [`CoreError::Overflow`] if `size` or `premium` is `2^128` or more.
pub fn premium_amount(size: U256, premium: U256) -> Result<U256, CoreError> {
    // Rounds down: the seller's receipt is a payout, and the buyer pays at most its price.
    mul_div_narrow(size, premium, WAD, Rounding::Down)
}

/// One side's fee: `rate x size x spot` (the underlying notional rounded up, then the fee
/// rounded up) capped at `fee_cap x premium_amount` (rounded up).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `rate` or `fee_cap` is above one; [`CoreError::Overflow`]
/// if a factor (`size`, `spot`, the notional, `premium_amount`) is `2^128` or more.
pub fn option_fee(
    size: U256,
    spot: U256,
    rate: U256,
    premium_amount: U256,
    fee_cap: U256,
) -> Result<U256, CoreError> {
    if rate > WAD || fee_cap > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Fees round up: the notional, the fee on it and the cap.
    let notional = mul_div_narrow(size, spot, WAD, Rounding::Up)?;
    let by_notional = mul_div_narrow(notional, rate, WAD, Rounding::Up)?;
    let cap = mul_div_narrow(premium_amount, fee_cap, WAD, Rounding::Up)?;
    Ok(by_notional.min(cap))
}

/// The intrinsic value per contract of a series with `strike` settled at `settlement` (WAD):
/// `max(0, S - K)` for a call, `max(0, K - S)` for a put; exact.
#[must_use]
pub fn intrinsic(is_call: bool, strike: U256, settlement: U256) -> U256 {
    if is_call {
        settlement.saturating_sub(strike)
    } else {
        strike.saturating_sub(settlement)
    }
}

/// The quote a position of `size` contracts (WAD, signed) receives at expiry with `intrinsic`
/// value per contract: a long receives `size x intrinsic` rounded down, a short pays
/// `|size| x intrinsic` rounded up (negative), so the payouts of a series never sum above zero.
///
/// # Errors
/// [`CoreError::Overflow`] if `|size|` or `intrinsic` is `2^128` or more.
pub fn expiry_payout(size: I256, intrinsic: U256) -> Result<I256, CoreError> {
    // Payouts round down, payments round up: both in the protocol's favour.
    let rounding = if size.is_negative() {
        Rounding::Up
    } else {
        Rounding::Down
    };
    let amount = to_signed(mul_div_narrow(
        size.unsigned_abs(),
        intrinsic,
        WAD,
        rounding,
    )?)?;
    if size.is_negative() {
        neg_signed(amount)
    } else {
        Ok(amount)
    }
}

#[cfg(test)]
#[path = "option_positions_tests.rs"]
mod tests;
