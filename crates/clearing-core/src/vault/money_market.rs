//! The quote asset's money market (DESIGN section 15).
//!
//! Every sub-account has one **net quote position**: its quote tokens held in the vault (in WAD)
//! plus its signed quote balance. A positive net position is *supply*, a negative one *borrow*.
//! Utilisation is `U = borrows / supply`. Interest accrues per second on a **borrow index** and a
//! **supply index** (both WAD, starting at 1); a sub-account remembers the index of its side at
//! its last touch and, when touched again, its net position moves by
//! `net * (index_now / index_then - 1)`.
//!
//! Rates follow a kinked curve ([`borrow_rate`]); suppliers earn `r U (1 - reserve)`; the
//! reserve share accumulates as [`MarketState::reserve`] until it is collected for the
//! insurance fund. Per accrual period of `dt` seconds:
//!
//! - `B' = B (1 + r dt / year)`, rounded **up** (debts round up), and the borrow index grows by
//!   the same factor, rounded up;
//! - of the interest `B' - B`, suppliers get `(B' - B)(1 - reserve)` rounded **down** (payouts
//!   round down), the reserve the rest; the supply index grows by `S' / S`, rounded down.
//!
//! So what suppliers and the reserve receive is never more than what borrowers owe: interest
//! nets to zero up to rounding in the protocol's favour. Simple interest within a period,
//! compounding across periods (each accrual folds interest into the totals).
//!
//! **Liquidity restoration**: while `U > U_hard`, anyone may repay a borrower's debt with quote
//! tokens brought in from outside and take the borrower's collateral at the oracle price less
//! `repay_discount`, up to the debt and only until `U` is back at `U_hard` ([`repay_cap`],
//! [`repay_collateral`]).
//!
//! Amounts and indexes are stored in 128 bits by the vault.

use crate::governance::{ParamRule, RaisesRisk};
use crate::math::fixed::{add, mul_div, to_signed, u256, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// Seconds in the year that annual rates are quoted in (365 days).
pub const SECONDS_PER_YEAR: u64 = 365 * 86_400;

/// One percentage point in WAD.
const PP: u128 = 10_000_000_000_000_000;
/// One day in seconds: the interval between two changes of one rate parameter.
const DAY: u64 = 86_400;

/// Interest-rate and liquidity parameters of the quote market, all WAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateParams {
    /// Optimal utilisation `U_opt`, the kink of the curve.
    pub optimal: U256,
    /// Base borrow rate (APR).
    pub base: U256,
    /// Borrow rate added from zero to `U_opt` utilisation (APR).
    pub slope1: U256,
    /// Borrow rate added from `U_opt` to full utilisation (APR).
    pub slope2: U256,
    /// Share of borrow interest that goes to the reserve (the insurance fund).
    pub reserve: U256,
    /// Utilisation above which liquidity restoration is open (`U_hard`).
    pub hard: U256,
    /// Discount on the oracle price at which a liquidity provider takes collateral.
    pub repay_discount: U256,
}

impl Default for RateParams {
    /// DESIGN section 15's defaults: 80 %, 0 %, 8 %, 100 %, 10 %, 95 %, 1 %.
    fn default() -> Self {
        Self {
            optimal: u256(80 * PP),
            base: U256::ZERO,
            slope1: u256(8 * PP),
            slope2: u256(100 * PP),
            reserve: u256(10 * PP),
            hard: u256(95 * PP),
            repay_discount: u256(PP),
        }
    }
}

/// A governed parameter of the quote market, by its code (10 to 16, apart from the vault's
/// other parameter codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RateParam {
    /// [`RateParams::optimal`].
    Optimal = 10,
    /// [`RateParams::base`].
    Base = 11,
    /// [`RateParams::slope1`].
    Slope1 = 12,
    /// [`RateParams::slope2`].
    Slope2 = 13,
    /// [`RateParams::reserve`].
    Reserve = 14,
    /// [`RateParams::hard`].
    Hard = 15,
    /// [`RateParams::repay_discount`].
    RepayDiscount = 16,
}

impl RateParam {
    /// Every parameter, in code order.
    pub const ALL: [Self; 7] = [
        Self::Optimal,
        Self::Base,
        Self::Slope1,
        Self::Slope2,
        Self::Reserve,
        Self::Hard,
        Self::RepayDiscount,
    ];

    /// The parameter with `code`, if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| *p as u8 == code)
    }

    /// The governance rule (DESIGN sections 11 and 15): hard bounds, the largest step of one
    /// change, one day between changes, and which direction raises risk.
    ///
    /// - A higher optimal or hard utilisation lets cash run lower before borrowers are pushed
    ///   to repay or liquidity is restored: raising them raises risk.
    /// - Lower rates or a lower reserve weaken the pull back to cash and the insurance fund's
    ///   income: lowering them raises risk.
    /// - The repay discount moves value between borrowers and liquidity providers either way:
    ///   every change waits for the timelock.
    #[must_use]
    pub fn rule(self) -> ParamRule {
        let pp = |x: u128| u256(x * PP);
        let (min, max, step, raises_risk) = match self {
            Self::Optimal => (pp(50), pp(95), pp(5), RaisesRisk::Increase),
            Self::Base => (U256::ZERO, pp(10), pp(1), RaisesRisk::Decrease),
            Self::Slope1 => (U256::ZERO, pp(50), pp(5), RaisesRisk::Decrease),
            Self::Slope2 => (U256::ZERO, pp(500), pp(50), RaisesRisk::Decrease),
            Self::Reserve => (U256::ZERO, pp(50), pp(5), RaisesRisk::Decrease),
            Self::Hard => (pp(80), pp(100), pp(5), RaisesRisk::Increase),
            Self::RepayDiscount => (u256(PP / 10), pp(5), pp(1), RaisesRisk::Either),
        };
        ParamRule {
            min,
            max,
            max_step: step,
            min_interval: DAY,
            raises_risk,
        }
    }

    /// The parameter's value in `params`.
    #[must_use]
    pub const fn get(self, params: &RateParams) -> U256 {
        match self {
            Self::Optimal => params.optimal,
            Self::Base => params.base,
            Self::Slope1 => params.slope1,
            Self::Slope2 => params.slope2,
            Self::Reserve => params.reserve,
            Self::Hard => params.hard,
            Self::RepayDiscount => params.repay_discount,
        }
    }

    /// `params` with this parameter set to `value` (no checks: see [`Self::rule`]).
    #[must_use]
    pub const fn set(self, mut params: RateParams, value: U256) -> RateParams {
        match self {
            Self::Optimal => params.optimal = value,
            Self::Base => params.base = value,
            Self::Slope1 => params.slope1 = value,
            Self::Slope2 => params.slope2 = value,
            Self::Reserve => params.reserve = value,
            Self::Hard => params.hard = value,
            Self::RepayDiscount => params.repay_discount = value,
        }
        params
    }
}

/// The quote market's state, WAD quote amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketState {
    /// Total supply: the sum of positive net quote positions, with interest to `last`.
    pub supply: U256,
    /// Total borrows: the sum of negative net quote positions' magnitudes, with interest to
    /// `last`.
    pub borrow: U256,
    /// Supply index (WAD, starts at 1).
    pub supply_index: U256,
    /// Borrow index (WAD, starts at 1).
    pub borrow_index: U256,
    /// Reserve accrued and not yet collected.
    pub reserve: U256,
    /// Time of the last accrual.
    pub last: u64,
}

impl MarketState {
    /// An empty market at time `now`: no supply or borrow, both indexes at 1.
    #[must_use]
    pub const fn new(now: u64) -> Self {
        Self {
            supply: U256::ZERO,
            borrow: U256::ZERO,
            supply_index: WAD,
            borrow_index: WAD,
            reserve: U256::ZERO,
            last: now,
        }
    }
}

const MASK64: U256 = U256::from_limbs([u64::MAX, 0, 0, 0]);

impl RateParams {
    /// The parameters in two storage words, 64 bits each (every bound is below `2^64` WAD):
    /// `[optimal | base | slope1 | slope2, reserve | hard | repay_discount]`.
    ///
    /// # Errors
    /// [`CoreError::Overflow`] for a value of `2^64` or more.
    pub fn pack(&self) -> Result<[U256; 2], CoreError> {
        let mut words = [U256::ZERO; 2];
        for (i, p) in RateParam::ALL.iter().enumerate() {
            let v = p.get(self);
            if v > MASK64 {
                return Err(CoreError::Overflow);
            }
            // Disjoint bit ranges: the sum is the concatenation.
            words[i / 4] += v << (64 * (i % 4));
        }
        Ok(words)
    }

    /// The parameters from the words of [`Self::pack`].
    #[must_use]
    pub fn unpack(words: [U256; 2]) -> Self {
        let mut params = Self::default();
        for (i, p) in RateParam::ALL.iter().enumerate() {
            params = p.set(params, (words[i / 4] >> (64 * (i % 4))) & MASK64);
        }
        params
    }
}

/// Utilisation `borrow / supply` (WAD, rounded up: the conservative side for the checks that
/// use it), `0` with no supply and no borrow, and `u256::MAX`-free: with borrows and no supply
/// it is `1` plus the borrows' ratio to one wei, which [`borrow_rate`] clamps at full use.
///
/// # Errors
/// [`CoreError::Overflow`] only for amounts beyond any token supply.
pub fn utilisation(supply: U256, borrow: U256) -> Result<U256, CoreError> {
    if borrow.is_zero() {
        return Ok(U256::ZERO);
    }
    if supply.is_zero() {
        return Ok(WAD);
    }
    mul_div(borrow, WAD, supply, Rounding::Up)
}

/// The borrow rate (APR, WAD) at utilisation `u` on the kinked curve: `base + slope1 u / U_opt`
/// up to `U_opt`, then `base + slope1 + slope2 (u - U_opt) / (1 - U_opt)`; `u` above 1 counts as
/// 1. Rounded up (borrowers' rate).
///
/// # Errors
/// [`CoreError::InvalidParameter`] for `U_opt` outside `(0, 1)`; [`CoreError::Overflow`].
pub fn borrow_rate(u: U256, p: &RateParams) -> Result<U256, CoreError> {
    if p.optimal.is_zero() || p.optimal >= WAD {
        return Err(CoreError::InvalidParameter);
    }
    let u = u.min(WAD);
    if u <= p.optimal {
        add(p.base, mul_div(p.slope1, u, p.optimal, Rounding::Up)?)
    } else {
        let steep = mul_div(p.slope2, u - p.optimal, WAD - p.optimal, Rounding::Up)?;
        add(add(p.base, p.slope1)?, steep)
    }
}

/// The supply rate (APR, WAD) at utilisation `u`: `r(u) min(u, 1) (1 - reserve)`, rounded down
/// (suppliers' rate).
///
/// # Errors
/// As [`borrow_rate`]; [`CoreError::InvalidParameter`] for a reserve above 1.
pub fn supply_rate(u: U256, p: &RateParams) -> Result<U256, CoreError> {
    if p.reserve > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // The rate the borrowers pay, before its own rounding up, so the supply side never
    // exceeds it.
    let r = borrow_rate(u, p)?;
    let used = mul_div(r, u.min(WAD), WAD, Rounding::Down)?;
    mul_div(used, WAD - p.reserve, WAD, Rounding::Down)
}

/// Accrues interest from `state.last` to `now` (a `now` before `last` accrues nothing).
///
/// # Errors
/// As [`borrow_rate`] and [`supply_rate`]; [`CoreError::Overflow`].
pub fn accrue(state: MarketState, p: &RateParams, now: u64) -> Result<MarketState, CoreError> {
    if now <= state.last {
        return Ok(state);
    }
    let dt = U256::from(now - state.last);
    let mut next = state;
    next.last = now;
    if state.borrow.is_zero() {
        return Ok(next);
    }
    if p.reserve > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let u = utilisation(state.supply, state.borrow)?;
    let rate = borrow_rate(u, p)?;
    // Growth factor `1 + r dt / year`, rounded up: debts round up (the index each debt is
    // settled with). The total of borrows is the interest suppliers are paid from, so it rounds
    // down: a lower bound of the debts, each of which is settled from the finer index rounded up
    // (rounding the total up would let it outgrow the debts by a wei per accrual, paid to
    // suppliers without a debtor owing it).
    let year = U256::from(SECONDS_PER_YEAR);
    let growth = add(WAD, mul_div(rate, dt, year, Rounding::Up)?)?;
    let borrow = mul_div(state.borrow, growth, WAD, Rounding::Down)?;
    next.borrow_index = mul_div(state.borrow_index, growth, WAD, Rounding::Up)?;
    next.borrow = borrow;
    let interest = borrow - state.borrow;
    // Suppliers' share rounds down (payouts), the reserve takes the rest.
    let to_suppliers = mul_div(interest, WAD - p.reserve, WAD, Rounding::Down)?;
    next.reserve = add(state.reserve, interest - to_suppliers)?;
    if !state.supply.is_zero() {
        let supply = add(state.supply, to_suppliers)?;
        next.supply_index = mul_div(state.supply_index, supply, state.supply, Rounding::Down)?;
        next.supply = supply;
    } else {
        // Nobody to pay: the whole interest goes to the reserve.
        next.reserve = add(next.reserve, to_suppliers)?;
    }
    Ok(next)
}

/// A net quote position `net` last touched when its side's index was `then` (WAD; `0` means
/// never touched, read as the current index), brought to the indexes of `state`. Debts grow
/// rounded up, supply grows rounded down; a zero position stays zero.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn settle(net: I256, then: U256, state: &MarketState) -> Result<I256, CoreError> {
    if net.is_zero() || then.is_zero() {
        return Ok(net);
    }
    let (now, rounding) = if net.is_negative() {
        (state.borrow_index, Rounding::Up)
    } else {
        (state.supply_index, Rounding::Down)
    };
    if now <= then {
        return Ok(net);
    }
    let grown = mul_div(net.unsigned_abs(), now, then, rounding)?;
    let grown = to_signed(grown)?;
    Ok(if net.is_negative() { -grown } else { grown })
}

/// The index a net position `net` remembers at a touch: the borrow index for a debt, the supply
/// index otherwise.
#[must_use]
pub fn index_for(net: I256, state: &MarketState) -> U256 {
    if net.is_negative() {
        state.borrow_index
    } else {
        state.supply_index
    }
}

/// The totals after one account's net position moved from `old` to `new` (both at the current
/// indexes). A total that rounding left short of what leaves it stops at zero.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn rebalance(state: MarketState, old: I256, new: I256) -> Result<MarketState, CoreError> {
    let mut s = state;
    if old.is_negative() {
        s.borrow = s.borrow.saturating_sub(old.unsigned_abs());
    } else {
        s.supply = s.supply.saturating_sub(old.into_raw());
    }
    if new.is_negative() {
        s.borrow = add(s.borrow, new.unsigned_abs())?;
    } else {
        s.supply = add(s.supply, new.into_raw())?;
    }
    Ok(s)
}

/// The most quote (WAD) an outside repayment may bring while `U > U_hard`: what brings
/// utilisation back to `U_hard`, `borrow - U_hard supply` (a repayment lowers borrows and leaves
/// supply unchanged), rounded down; `0` at or below `U_hard`.
///
/// # Errors
/// [`CoreError::Overflow`].
pub fn repay_cap(state: &MarketState, p: &RateParams) -> Result<U256, CoreError> {
    // The supply that `U_hard` allows the current borrows, rounded up so the cap rounds down.
    let allowed = mul_div(state.supply, p.hard, WAD, Rounding::Up)?;
    Ok(state.borrow.saturating_sub(allowed))
}

/// The collateral (WAD base units) a liquidity provider receives for repaying `amount` (WAD
/// quote) of an account's debt: `amount / (price (1 - discount))`, rounded down (a payout).
///
/// # Errors
/// [`CoreError::InvalidParameter`] for a discount of 1 or more or a zero price;
/// [`CoreError::Overflow`].
pub fn repay_collateral(amount: U256, price: U256, discount: U256) -> Result<U256, CoreError> {
    if discount >= WAD {
        return Err(CoreError::InvalidParameter);
    }
    // The discounted price rounds up, so the quantity paid out rounds down; a zero price
    // leaves it zero.
    let discounted = mul_div(price, WAD - discount, WAD, Rounding::Up)?;
    if discounted.is_zero() {
        return Err(CoreError::InvalidParameter);
    }
    mul_div(amount, WAD, discounted, Rounding::Down)
}

/// The quote (WAD) a liquidity provider must repay to receive `quantity` (WAD base units) of
/// collateral: `quantity * price * (1 - discount)`, rounded up (what the protocol receives).
///
/// # Errors
/// As [`repay_collateral`].
pub fn repay_for_collateral(
    quantity: U256,
    price: U256,
    discount: U256,
) -> Result<U256, CoreError> {
    if discount >= WAD || price.is_zero() {
        return Err(CoreError::InvalidParameter);
    }
    let discounted = mul_div(price, WAD - discount, WAD, Rounding::Up)?;
    mul_div(quantity, discounted, WAD, Rounding::Up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{add_signed, mul_div};
    use proptest::prelude::*;

    fn w(x: u128) -> U256 {
        U256::from(x) * WAD
    }

    fn pct(x: u128) -> U256 {
        u256(x * PP)
    }

    #[test]
    fn curve_has_its_kink_at_optimal() {
        let p = RateParams::default();
        assert_eq!(borrow_rate(U256::ZERO, &p).unwrap(), U256::ZERO);
        assert_eq!(borrow_rate(pct(40), &p).unwrap(), pct(4));
        assert_eq!(borrow_rate(pct(80), &p).unwrap(), pct(8));
        // Halfway up the steep part: 8 % + 50 % of 100 %.
        assert_eq!(borrow_rate(pct(90), &p).unwrap(), pct(58));
        assert_eq!(borrow_rate(WAD, &p).unwrap(), pct(108));
        // Above full use counts as full use.
        assert_eq!(borrow_rate(w(3), &p).unwrap(), pct(108));
        // Supply rate: 8 % * 80 % * 90 %.
        assert_eq!(
            supply_rate(pct(80), &p).unwrap(),
            u256(5_760_000_000_000_000 * 10)
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut p = RateParams {
            optimal: WAD,
            ..RateParams::default()
        };
        assert_eq!(borrow_rate(pct(50), &p), Err(CoreError::InvalidParameter));
        p.optimal = U256::ZERO;
        assert_eq!(borrow_rate(pct(50), &p), Err(CoreError::InvalidParameter));
        let p = RateParams {
            reserve: WAD + U256::from(1),
            ..RateParams::default()
        };
        assert_eq!(supply_rate(pct(50), &p), Err(CoreError::InvalidParameter));
        assert_eq!(
            repay_collateral(w(1), w(1), WAD),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            repay_collateral(w(1), U256::ZERO, pct(1)),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn a_year_at_the_kink_charges_eight_percent() {
        let p = RateParams::default();
        let mut s = MarketState::new(0);
        s.supply = w(1_000);
        s.borrow = w(800);
        let s2 = accrue(s, &p, SECONDS_PER_YEAR).unwrap();
        assert_eq!(s2.borrow, w(864));
        assert_eq!(s2.borrow_index, WAD + pct(8));
        // Suppliers get 90 % of the 64 of interest, the reserve 10 %.
        assert_eq!(s2.supply, w(1_000) + u256(57_600_000_000_000_000_000));
        assert_eq!(s2.reserve, u256(6_400_000_000_000_000_000));
        // Accruing again at the same time changes nothing.
        assert_eq!(accrue(s2, &p, SECONDS_PER_YEAR).unwrap(), s2);
        // A borrower of 80 owes 86.4; a supplier of 100 has 105.76.
        let debt = settle(-to_signed(w(80)).unwrap(), WAD, &s2).unwrap();
        assert_eq!(debt, -to_signed(u256(86_400_000_000_000_000_000)).unwrap());
        let credit = settle(to_signed(w(100)).unwrap(), WAD, &s2).unwrap();
        assert_eq!(
            credit,
            to_signed(u256(105_760_000_000_000_000_000)).unwrap()
        );
    }

    #[test]
    fn accrual_counts_from_the_last_one_and_a_full_reserve_pays_suppliers_nothing() {
        let p = RateParams::default();
        let mut s = MarketState::new(1_000);
        s.supply = w(1_000);
        s.borrow = w(800);
        // A year after the last accrual (not after time zero): 8 % at the kink.
        let s2 = accrue(s, &p, 1_000 + SECONDS_PER_YEAR).unwrap();
        assert_eq!(s2.borrow, w(864));
        assert_eq!(s2.last, 1_000 + SECONDS_PER_YEAR);
        // A reserve of 100 % is valid: suppliers earn nothing, the reserve takes it all.
        let all = RateParams {
            reserve: WAD,
            ..RateParams::default()
        };
        assert_eq!(supply_rate(pct(80), &all).unwrap(), U256::ZERO);
        let s3 = accrue(s, &all, 1_000 + SECONDS_PER_YEAR).unwrap();
        assert_eq!((s3.supply, s3.reserve), (w(1_000), w(64)));
    }

    #[test]
    fn settlement_edges_and_the_remembered_index() {
        let s = MarketState {
            supply: w(1_000),
            borrow: w(500),
            supply_index: WAD + pct(2),
            borrow_index: WAD + pct(5),
            ..MarketState::new(0)
        };
        let debt = -to_signed(w(100)).unwrap();
        let credit = to_signed(w(100)).unwrap();
        // Never touched (no index remembered): nothing to settle; a zero position stays zero.
        assert_eq!(settle(debt, U256::ZERO, &s).unwrap(), debt);
        assert_eq!(settle(I256::ZERO, WAD, &s).unwrap(), I256::ZERO);
        // A debt grows with the borrow index, a credit with the supply index.
        assert_eq!(settle(debt, WAD, &s).unwrap(), -to_signed(w(105)).unwrap());
        assert_eq!(settle(credit, WAD, &s).unwrap(), to_signed(w(102)).unwrap());
        assert_eq!(index_for(debt, &s), WAD + pct(5));
        assert_eq!(index_for(credit, &s), WAD + pct(2));
        assert_eq!(index_for(I256::ZERO, &s), WAD + pct(2));
        // A zero price buys nothing and is refused both ways.
        assert_eq!(
            repay_for_collateral(w(1), U256::ZERO, pct(1)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            repay_for_collateral(w(1), w(1), WAD),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn no_borrows_no_interest() {
        let p = RateParams::default();
        let mut s = MarketState::new(10);
        s.supply = w(5);
        let s2 = accrue(s, &p, 10 + SECONDS_PER_YEAR).unwrap();
        assert_eq!(s2.supply, s.supply);
        assert_eq!(s2.supply_index, WAD);
        assert_eq!(s2.last, 10 + SECONDS_PER_YEAR);
        // Time going backwards accrues nothing.
        assert_eq!(accrue(s2, &p, 5).unwrap(), s2);
    }

    #[test]
    fn repay_cap_brings_utilisation_to_hard() {
        let p = RateParams::default();
        let mut s = MarketState::new(0);
        s.supply = w(1_000);
        s.borrow = w(990);
        assert_eq!(repay_cap(&s, &p).unwrap(), w(40));
        s.borrow = w(950);
        assert_eq!(repay_cap(&s, &p).unwrap(), U256::ZERO);
        // 1 % off 2,000: 1,980 of debt buys one unit.
        assert_eq!(repay_collateral(w(1_980), w(2_000), pct(1)).unwrap(), WAD);
        assert_eq!(
            repay_for_collateral(WAD, w(2_000), pct(1)).unwrap(),
            w(1_980)
        );
    }

    #[test]
    fn the_year_and_the_rules_are_exact() {
        assert_eq!(SECONDS_PER_YEAR, 31_536_000);
        let pp = |x: u128| u256(x * PP);
        let expect = [
            (
                RateParam::Optimal,
                pp(50),
                pp(95),
                pp(5),
                RaisesRisk::Increase,
            ),
            (
                RateParam::Base,
                U256::ZERO,
                pp(10),
                pp(1),
                RaisesRisk::Decrease,
            ),
            (
                RateParam::Slope1,
                U256::ZERO,
                pp(50),
                pp(5),
                RaisesRisk::Decrease,
            ),
            (
                RateParam::Slope2,
                U256::ZERO,
                pp(500),
                pp(50),
                RaisesRisk::Decrease,
            ),
            (
                RateParam::Reserve,
                U256::ZERO,
                pp(50),
                pp(5),
                RaisesRisk::Decrease,
            ),
            (
                RateParam::Hard,
                pp(80),
                pp(100),
                pp(5),
                RaisesRisk::Increase,
            ),
            (
                RateParam::RepayDiscount,
                u256(1_000_000_000_000_000),
                pp(5),
                pp(1),
                RaisesRisk::Either,
            ),
        ];
        for (p, min, max, step, raises) in expect {
            let r = p.rule();
            assert_eq!(
                (r.min, r.max, r.max_step, r.min_interval, r.raises_risk),
                (min, max, step, DAY, raises),
                "{p:?}"
            );
        }
    }

    #[test]
    fn packing_round_trips() {
        let p = RateParams {
            repay_discount: u256(PP / 10),
            ..RateParams::default()
        };
        assert_eq!(RateParams::unpack(p.pack().unwrap()), p);
        let mut big = p;
        big.slope2 = U256::from(u64::MAX) + U256::from(1);
        assert_eq!(big.pack(), Err(CoreError::Overflow));
        // The largest value a word holds packs and comes back.
        big.slope2 = U256::from(u64::MAX);
        assert_eq!(RateParams::unpack(big.pack().unwrap()), big);
    }

    #[test]
    fn rules_bound_every_parameter_and_hold_the_defaults() {
        let d = RateParams::default();
        for p in RateParam::ALL {
            let r = p.rule();
            let v = p.get(&d);
            assert!(r.min <= v && v <= r.max, "{p:?}");
            assert_eq!(RateParam::from_code(p as u8), Some(p));
            assert_eq!(p.get(&p.set(d, r.max)), r.max);
        }
        assert_eq!(RateParam::from_code(0), None);
        assert_eq!(RateParam::from_code(9), None);
        assert_eq!(RateParam::from_code(17), None);
    }

    fn amount() -> impl Strategy<Value = U256> {
        (1u128..1_000_000_000u128).prop_map(|x| U256::from(x) * U256::from(10u64.pow(15)))
    }

    /// A case the property below found: 0.001 quote supplied, 1 % of it borrowed, accruals
    /// 410,785 s and then 1 s apart. Compounded separately and rounded up, the total of borrows
    /// ended a wei above the one debt it stands for (10,000,130,259,388 against
    /// 10,000,130,259,387), and suppliers were paid that wei. The total now rounds down.
    #[test]
    fn the_borrow_total_never_outgrows_the_debts() {
        let supply = U256::from(10u64.pow(15));
        let p = RateParams {
            slope2: U256::ZERO,
            reserve: U256::ZERO,
            ..RateParams::default()
        };
        let mut s = MarketState::new(0);
        s.supply = supply;
        s.borrow = supply / U256::from(100);
        let (lender, debtor) = (to_signed(s.supply).unwrap(), -to_signed(s.borrow).unwrap());
        let cash = s.supply - s.borrow;
        s = accrue(s, &p, 410_785).unwrap();
        s = accrue(s, &p, 410_786).unwrap();
        let lent = settle(lender, WAD, &s).unwrap();
        let owed = settle(debtor, WAD, &s).unwrap();
        assert_eq!(owed, -I256::try_from(10_000_130_259_387u64).unwrap());
        assert!(s.borrow <= owed.unsigned_abs());
        assert!(add_signed(lent, owed).unwrap() <= to_signed(cash).unwrap());
    }

    proptest! {
        /// Interest nets to zero up to rounding in the protocol's favour: over any sequence of
        /// accruals, what suppliers hold plus the reserve never exceeds what borrowers owe
        /// beyond the starting cash.
        #[test]
        fn interest_never_pays_out_more_than_borrowers_owe(
            supply in amount(),
            share in 0u128..=100,
            steps in proptest::collection::vec(1u64..(30 * 86_400), 1..20),
            slope2 in 0u128..=500,
            reserve in 0u128..=50,
        ) {
            let p = RateParams { slope2: pct(slope2), reserve: pct(reserve), ..RateParams::default() };
            let borrow = mul_div(supply, U256::from(share), U256::from(100), Rounding::Down).unwrap();
            let mut s = MarketState::new(0);
            s.supply = supply;
            s.borrow = borrow;
            // One supplier and one borrower holding the whole totals.
            let lender = to_signed(supply).unwrap();
            let debtor = -to_signed(borrow).unwrap();
            let cash = supply - borrow;
            let mut t = 0;
            for dt in steps {
                t += dt;
                s = accrue(s, &p, t).unwrap();
            }
            let lent = settle(lender, WAD, &s).unwrap();
            let owed = settle(debtor, WAD, &s).unwrap();
            // Books: lender + debtor + reserve <= cash (the debtor's repayment brings in what it owes).
            let books = add_signed(add_signed(lent, owed).unwrap(), to_signed(s.reserve).unwrap()).unwrap();
            prop_assert!(books <= to_signed(cash).unwrap());
            // And the totals cover the accounts: suppliers no more than the total, debts no less.
            prop_assert!(lent.into_raw() <= s.supply);
            prop_assert!(owed.unsigned_abs() >= s.borrow);
            // Indexes never fall.
            prop_assert!(s.borrow_index >= WAD && s.supply_index >= WAD);
        }

        /// The borrow rate rises with utilisation and the supply rate never exceeds it.
        #[test]
        fn rates_are_monotone(a in 0u128..=120, b in 0u128..=120) {
            let p = RateParams::default();
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(borrow_rate(pct(lo), &p).unwrap() <= borrow_rate(pct(hi), &p).unwrap());
            prop_assert!(supply_rate(pct(hi), &p).unwrap() <= borrow_rate(pct(hi), &p).unwrap());
        }

        /// Repaying the cap brings utilisation to at most `U_hard`.
        #[test]
        fn the_cap_restores_hard_utilisation(supply in amount(), share in 0u128..=100) {
            let p = RateParams::default();
            let mut s = MarketState::new(0);
            s.supply = supply;
            s.borrow = mul_div(supply, U256::from(share), U256::from(100), Rounding::Down).unwrap();
            let cap = repay_cap(&s, &p).unwrap();
            let after = s.borrow - cap;
            prop_assert!(utilisation(s.supply, after).unwrap() <= p.hard.max(utilisation(s.supply, s.borrow).unwrap().min(p.hard)));
            if cap.is_zero() {
                prop_assert!(utilisation(s.supply, s.borrow).unwrap() <= p.hard + U256::from(1));
            }
        }

        /// Collateral for a repayment and the repayment for collateral round against the
        /// provider.
        #[test]
        fn repayment_rounds_for_the_protocol(q in amount(), price in amount(), d in 1u128..=500) {
            let disc = u256(d * PP / 100);
            let pay = repay_for_collateral(q, price, disc).unwrap();
            let back = repay_collateral(pay, price, disc).unwrap();
            prop_assert!(back <= q + U256::from(1));
            prop_assert!(repay_collateral(pay - U256::from(1), price, disc).unwrap() <= q);
        }

        /// Settling is idempotent at one index and rebalancing keeps the totals' sum.
        #[test]
        fn settle_and_rebalance_are_consistent(a in -1_000_000i64..1_000_000, b in -1_000_000i64..1_000_000) {
            let s = MarketState { supply: w(10_000_000), borrow: w(5_000_000), ..MarketState::new(0) };
            let old = I256::try_from(a).unwrap() * I256::try_from(WAD).unwrap();
            let new = I256::try_from(b).unwrap() * I256::try_from(WAD).unwrap();
            prop_assert_eq!(settle(old, WAD, &s).unwrap(), old);
            let moved = rebalance(rebalance(s, I256::ZERO, old).unwrap(), old, new).unwrap();
            let direct = rebalance(s, I256::ZERO, new).unwrap();
            prop_assert_eq!(moved, direct);
        }
    }
}
