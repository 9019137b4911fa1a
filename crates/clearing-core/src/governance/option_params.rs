//! The option and portfolio-margin parameters of DESIGN section 12 (the rows added with
//! section 7's scenario margin and section 13's options), their defaults, hard bounds and
//! governance rules (section 11), in the style of [`crate::BreakerParam`].
//!
//! Fractions, multiples, weights and powers are WAD; durations are seconds (held as `U256` in
//! [`OptionParam`]'s generic accessors, as `u64` in [`OptionMarginParams`]); the portfolio-mode
//! minimum equity is WAD quote.

use crate::governance::params::{DAY, HOUR};
use crate::governance::{ParamRule, RaisesRisk};
use crate::math::fixed::{u256, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// One percentage point (0.01) in WAD.
const PP: u128 = 10_000_000_000_000_000;
/// One basis point (0.0001) in WAD.
const BP: u128 = 100_000_000_000_000;
/// One in WAD as `u128`.
const ONE: u128 = 1_000_000_000_000_000_000;

/// Thirty days, seconds: the reference tenor of the volatility shocks' term structure `f(T)`.
pub const VOL_TERM_PIVOT: u64 = 30 * DAY;

/// A governed parameter of the option margin. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OptionParam {
    /// Minimum equity to opt into portfolio mode, WAD quote (10,000; 0 .. 10^7).
    PortfolioMinEquity = 1,
    /// Option horizon `T_opt` of the range `R = k sigma sqrt(T_opt)`, seconds (6 h; 1 .. 72 h).
    OptionHorizon = 2,
    /// Option range floor `R_min` (3 %; 1 .. 25 %).
    RangeFloor = 3,
    /// Tail horizon `T_X`, seconds (10 days; 1 .. 30 days).
    TailHorizon = 4,
    /// Tail floor `X_min` (25 %; 10 .. 50 %).
    TailFloor = 5,
    /// Tail cap `X_max` (50 %; 20 .. 90 %).
    TailCap = 6,
    /// Multiple `m_1` of the first tail (1; 1 .. 3).
    Tail1Multiple = 7,
    /// Weight `w_1` of the first tail (60 %; 30 .. 100 %).
    Tail1Weight = 8,
    /// Multiple `m_2` of the second tail (2; 1 .. 3).
    Tail2Multiple = 9,
    /// Weight `w_2` of the second tail (15 %; 0 .. 50 %).
    Tail2Weight = 10,
    /// Largest tail move `X_far` (90 %; 50 .. 95 %).
    FarMove = 11,
    /// Tail credit across underlyings `c_tail`, times the correlation (0.5; 0 .. 1).
    TailCredit = 12,
    /// Relative volatility shock up `u` at 30 days (50 %; 5 .. 200 %).
    VolShockUp = 13,
    /// Relative volatility shock down `d` at 30 days (25 %; 5 .. 50 %).
    VolShockDown = 14,
    /// Power of `f(T)` up to 30 days (0.3; 0 .. 1).
    TermPowerShort = 15,
    /// Power of `f(T)` beyond 30 days (0.13; 0 .. 1).
    TermPowerLong = 16,
    /// Cap of `f(T)` (2; 1 .. 3).
    TermCap = 17,
    /// Option contingency `kappa` per net short contract, fraction of spot (0.3 %; 0 .. 5 %).
    Contingency = 18,
    /// Implied / realised volatility multiplier of the fallback mark (1.25; 1 .. 3).
    IvMultiplier = 19,
    /// Option fee cap, share of the premium (12.5 %; 0 .. 50 %).
    OptionFeeCap = 20,
}

impl OptionParam {
    /// Every parameter, in code order.
    pub const ALL: [Self; 20] = [
        Self::PortfolioMinEquity,
        Self::OptionHorizon,
        Self::RangeFloor,
        Self::TailHorizon,
        Self::TailFloor,
        Self::TailCap,
        Self::Tail1Multiple,
        Self::Tail1Weight,
        Self::Tail2Multiple,
        Self::Tail2Weight,
        Self::FarMove,
        Self::TailCredit,
        Self::VolShockUp,
        Self::VolShockDown,
        Self::TermPowerShort,
        Self::TermPowerLong,
        Self::TermCap,
        Self::Contingency,
        Self::IvMultiplier,
        Self::OptionFeeCap,
    ];

    /// The parameter with code `code`, if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| *p as u8 == code)
    }

    /// `(default, min, max, max_step, raises risk)`; durations in seconds.
    const fn table(self) -> (u128, u128, u128, u128, RaisesRisk) {
        use RaisesRisk::{Decrease, Either, Increase};
        let (h, d) = (HOUR as u128, DAY as u128);
        match self {
            // A lower minimum lets smaller accounts take correlation credit.
            Self::PortfolioMinEquity => {
                (10_000 * ONE, 0, 10_000_000 * ONE, 100_000 * ONE, Decrease)
            }
            // Every range, tail, weight, multiple, shock and contingency: lower is riskier.
            Self::OptionHorizon => (6 * h, h, 72 * h, 6 * h, Decrease),
            Self::RangeFloor => (3 * PP, PP, 25 * PP, PP, Decrease),
            Self::TailHorizon => (10 * d, d, 30 * d, 2 * d, Decrease),
            Self::TailFloor => (25 * PP, 10 * PP, 50 * PP, 5 * PP, Decrease),
            Self::TailCap => (50 * PP, 20 * PP, 90 * PP, 10 * PP, Decrease),
            Self::Tail1Multiple => (ONE, ONE, 3 * ONE, ONE / 2, Decrease),
            Self::Tail1Weight => (60 * PP, 30 * PP, 100 * PP, 10 * PP, Decrease),
            Self::Tail2Multiple => (2 * ONE, ONE, 3 * ONE, ONE / 2, Decrease),
            Self::Tail2Weight => (15 * PP, 0, 50 * PP, 10 * PP, Decrease),
            Self::FarMove => (90 * PP, 50 * PP, 95 * PP, 5 * PP, Decrease),
            // More credit across underlyings is riskier.
            Self::TailCredit => (ONE / 2, 0, ONE, ONE / 10, Increase),
            Self::VolShockUp => (50 * PP, 5 * PP, 200 * PP, 10 * PP, Decrease),
            Self::VolShockDown => (25 * PP, 5 * PP, 50 * PP, 5 * PP, Decrease),
            // f(T) = (30 d / T)^p: up to 30 days the ratio is >= 1, so a lower power shrinks the
            // shock; beyond 30 days it is < 1, so a higher power shrinks it.
            Self::TermPowerShort => (30 * PP, 0, ONE, 5 * PP, Decrease),
            Self::TermPowerLong => (13 * PP, 0, ONE, 5 * PP, Increase),
            Self::TermCap => (2 * ONE, ONE, 3 * ONE, ONE / 4, Decrease),
            Self::Contingency => (30 * BP, 0, 5 * PP, 10 * BP, Decrease),
            // A lower multiplier marks options at a lower fallback volatility.
            Self::IvMultiplier => (125 * PP, ONE, 3 * ONE, 25 * PP, Decrease),
            // Fees feed the insurance fund: a lower cap is the riskier side, as for perp fees;
            // a fee change is also a change of users' terms, so it always waits.
            Self::OptionFeeCap => (125 * BP * 10, 0, 50 * PP, 25 * BP * 10, Either),
        }
    }

    /// The default value.
    #[must_use]
    pub const fn default_value(self) -> U256 {
        u256(self.table().0)
    }

    /// Inclusive hard bounds `(min, max)`.
    #[must_use]
    pub const fn bounds(self) -> (U256, U256) {
        let t = self.table();
        (u256(t.1), u256(t.2))
    }

    /// Whether `value` lies within [`Self::bounds`].
    #[must_use]
    pub fn in_bounds(self, value: U256) -> bool {
        let (lo, hi) = self.bounds();
        lo <= value && value <= hi
    }

    /// Whether a set of values in bounds, in code order ([`Self::ALL`]), is consistent: the
    /// tail floor at most the tail cap. With every value within its bounds this is the only
    /// condition of [`OptionMarginParams::validate`] the bounds leave open (so
    /// [`OptionMarginParams::with_governed`] accepts exactly the consistent sets in bounds).
    #[must_use]
    pub fn consistent(values: &[U256; 20]) -> bool {
        values[Self::TailFloor as usize - 1] <= values[Self::TailCap as usize - 1]
    }

    /// The governance rule (DESIGN section 11): the hard bounds, the largest step of one change,
    /// one day between changes, and which direction raises risk.
    ///
    /// | parameter | step | raises risk when |
    /// |---|---|---|
    /// | portfolio minimum equity | 100,000 quote | it falls |
    /// | option horizon | 6 h | it falls |
    /// | range floor | 1 pp | it falls |
    /// | tail horizon | 2 days | it falls |
    /// | tail floor / cap | 5 pp / 10 pp | it falls |
    /// | tail multiples / weights | 0.5 / 10 pp | it falls |
    /// | largest tail move | 5 pp | it falls |
    /// | tail credit | 0.1 | it rises |
    /// | vol shock up / down | 10 pp / 5 pp | it falls |
    /// | term power up to / beyond 30 days | 0.05 | it falls / it rises |
    /// | term cap | 0.25 | it falls |
    /// | contingency | 0.1 pp | it falls |
    /// | IV multiplier | 0.25 | it falls |
    /// | option fee cap | 2.5 pp | any change |
    #[must_use]
    pub const fn rule(self) -> ParamRule {
        let t = self.table();
        ParamRule {
            min: u256(t.1),
            max: u256(t.2),
            max_step: u256(t.3),
            min_interval: DAY,
            raises_risk: t.4,
        }
    }
}

/// One tail of the tail scenarios: the move is `multiple * X_u` (capped at `X_far`), its loss
/// counts with `weight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    /// Multiple `m_j` of the tail move `X_u`, WAD.
    pub multiple: U256,
    /// Weight `w_j`, WAD.
    pub weight: U256,
}

/// The parameters of section 7's scenario margin and section 13's options, with the existing
/// global ones it uses (`k`, initial / maintenance, minimum margin fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionMarginParams {
    /// Maintenance multiple `k` of the horizon volatility (section 5, default 3), WAD.
    pub k: U256,
    /// Initial / maintenance ratio (default 1.5), WAD, at least 1.
    pub init_ratio: U256,
    /// Minimum margin fraction of the floor's notional (default 0.5 %), WAD.
    pub min_margin_fraction: U256,
    /// Option horizon `T_opt`, seconds.
    pub option_horizon: u64,
    /// Option range floor `R_min`, WAD.
    pub range_floor: U256,
    /// Tail horizon `T_X`, seconds.
    pub tail_horizon: u64,
    /// Tail floor `X_min`, WAD.
    pub tail_floor: U256,
    /// Tail cap `X_max`, WAD.
    pub tail_cap: U256,
    /// The two tails.
    pub tails: [Tail; 2],
    /// Largest tail move `X_far`, WAD.
    pub far_move: U256,
    /// Tail credit across underlyings `c_tail`, WAD.
    pub tail_credit: U256,
    /// Relative volatility shock up `u`, WAD.
    pub vol_up: U256,
    /// Relative volatility shock down `d`, WAD.
    pub vol_down: U256,
    /// Power of `f(T)` up to 30 days, WAD.
    pub term_power_short: U256,
    /// Power of `f(T)` beyond 30 days, WAD.
    pub term_power_long: U256,
    /// Cap of `f(T)`, WAD.
    pub term_cap: U256,
    /// Contingency `kappa` per net short contract, fraction of spot, WAD.
    pub kappa: U256,
}

impl Default for OptionMarginParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `u64` seconds of a duration parameter's default.
const fn secs(p: OptionParam) -> u64 {
    p.table().0 as u64
}

impl OptionMarginParams {
    /// The defaults of DESIGN section 12.
    pub const DEFAULT: Self = Self {
        k: crate::governance::params::DEFAULT_K,
        init_ratio: crate::governance::params::DEFAULT_INIT_RATIO,
        min_margin_fraction: crate::governance::params::DEFAULT_MIN_MARGIN_FRACTION,
        option_horizon: secs(OptionParam::OptionHorizon),
        range_floor: OptionParam::RangeFloor.default_value(),
        tail_horizon: secs(OptionParam::TailHorizon),
        tail_floor: OptionParam::TailFloor.default_value(),
        tail_cap: OptionParam::TailCap.default_value(),
        tails: [
            Tail {
                multiple: OptionParam::Tail1Multiple.default_value(),
                weight: OptionParam::Tail1Weight.default_value(),
            },
            Tail {
                multiple: OptionParam::Tail2Multiple.default_value(),
                weight: OptionParam::Tail2Weight.default_value(),
            },
        ],
        far_move: OptionParam::FarMove.default_value(),
        tail_credit: OptionParam::TailCredit.default_value(),
        vol_up: OptionParam::VolShockUp.default_value(),
        vol_down: OptionParam::VolShockDown.default_value(),
        term_power_short: OptionParam::TermPowerShort.default_value(),
        term_power_long: OptionParam::TermPowerLong.default_value(),
        term_cap: OptionParam::TermCap.default_value(),
        kappa: OptionParam::Contingency.default_value(),
    };

    /// Checks the mathematical domain the margin function relies on (governance bounds are
    /// checked where parameters are set, with [`OptionParam::rule`]): `init_ratio >= 1`;
    /// fractions, weights, powers, the tail credit and `kappa` at most 1; `X_min <= X_max`;
    /// `X_far < 1`; `term_cap >= 1`; `u <= 3` (so shocked volatilities stay bounded).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] if a condition fails.
    pub fn validate(&self) -> Result<(), CoreError> {
        let three = u256(3 * ONE);
        let ok = self.init_ratio >= WAD
            && self.init_ratio <= three
            && self.k <= u256(10 * ONE)
            && self.min_margin_fraction <= WAD
            && self.range_floor <= WAD
            && self.tail_floor <= self.tail_cap
            && self.tail_cap <= WAD
            && self.far_move < WAD
            && self.tail_credit <= WAD
            && self.vol_up <= three
            && self.vol_down <= WAD
            && self.term_power_short <= WAD
            && self.term_power_long <= WAD
            && self.term_cap >= WAD
            && self.term_cap <= three
            && self.kappa <= WAD
            && self
                .tails
                .iter()
                .all(|t| t.weight <= WAD && t.multiple <= three)
            && self.option_horizon <= 30 * DAY
            && self.tail_horizon <= 365 * DAY;
        if ok {
            Ok(())
        } else {
            Err(CoreError::InvalidParameter)
        }
    }

    /// The value of a governed parameter (durations as seconds). The portfolio minimum equity,
    /// IV multiplier and fee cap are not margin inputs and read as `None`.
    #[must_use]
    pub fn get(&self, p: OptionParam) -> Option<U256> {
        Some(match p {
            OptionParam::OptionHorizon => U256::from(self.option_horizon),
            OptionParam::RangeFloor => self.range_floor,
            OptionParam::TailHorizon => U256::from(self.tail_horizon),
            OptionParam::TailFloor => self.tail_floor,
            OptionParam::TailCap => self.tail_cap,
            OptionParam::Tail1Multiple => self.tails[0].multiple,
            OptionParam::Tail1Weight => self.tails[0].weight,
            OptionParam::Tail2Multiple => self.tails[1].multiple,
            OptionParam::Tail2Weight => self.tails[1].weight,
            OptionParam::FarMove => self.far_move,
            OptionParam::TailCredit => self.tail_credit,
            OptionParam::VolShockUp => self.vol_up,
            OptionParam::VolShockDown => self.vol_down,
            OptionParam::TermPowerShort => self.term_power_short,
            OptionParam::TermPowerLong => self.term_power_long,
            OptionParam::TermCap => self.term_cap,
            OptionParam::Contingency => self.kappa,
            OptionParam::PortfolioMinEquity
            | OptionParam::IvMultiplier
            | OptionParam::OptionFeeCap => return None,
        })
    }

    /// Sets a governed margin parameter to `value` if it is within its hard bounds (the step,
    /// interval and timelock of [`OptionParam::rule`] are the caller's, see
    /// [`crate::govern`]).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] if `value` is outside the bounds, if `p` is not a margin
    /// input (see [`Self::get`]), or if the result fails [`Self::validate`] (e.g. a tail floor
    /// above the tail cap); `self` is then unchanged.
    pub fn set(&mut self, p: OptionParam, value: U256) -> Result<(), CoreError> {
        if !p.in_bounds(value) {
            return Err(CoreError::InvalidParameter);
        }
        let mut next = *self;
        if !next.assign(p, value) {
            return Err(CoreError::InvalidParameter);
        }
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// These parameters with every margin input taken from `values`, the values of
    /// [`OptionParam::ALL`] in code order (as the OptionMarkets contract's `marginParams` answers
    /// them); `k`, the initial ratio and the minimum margin fraction stay `self`'s, and the three
    /// parameters that are not margin inputs (see [`Self::get`]) are only bounds-checked.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] if a value is outside its bounds or the result fails
    /// [`Self::validate`] (e.g. a tail floor above the tail cap).
    pub fn with_governed(&self, values: &[U256; 20]) -> Result<Self, CoreError> {
        let mut next = *self;
        for (p, v) in OptionParam::ALL.iter().zip(values) {
            if !p.in_bounds(*v) {
                return Err(CoreError::InvalidParameter);
            }
            next.assign(*p, *v);
        }
        next.validate()?;
        Ok(next)
    }

    /// Writes a margin input (a value within its bounds, so durations fit `u64`); `false` for a
    /// parameter that is not one.
    fn assign(&mut self, p: OptionParam, value: U256) -> bool {
        let secs = value.as_limbs()[0];
        match p {
            OptionParam::OptionHorizon => self.option_horizon = secs,
            OptionParam::RangeFloor => self.range_floor = value,
            OptionParam::TailHorizon => self.tail_horizon = secs,
            OptionParam::TailFloor => self.tail_floor = value,
            OptionParam::TailCap => self.tail_cap = value,
            OptionParam::Tail1Multiple => self.tails[0].multiple = value,
            OptionParam::Tail1Weight => self.tails[0].weight = value,
            OptionParam::Tail2Multiple => self.tails[1].multiple = value,
            OptionParam::Tail2Weight => self.tails[1].weight = value,
            OptionParam::FarMove => self.far_move = value,
            OptionParam::TailCredit => self.tail_credit = value,
            OptionParam::VolShockUp => self.vol_up = value,
            OptionParam::VolShockDown => self.vol_down = value,
            OptionParam::TermPowerShort => self.term_power_short = value,
            OptionParam::TermPowerLong => self.term_power_long = value,
            OptionParam::TermCap => self.term_cap = value,
            OptionParam::Contingency => self.kappa = value,
            OptionParam::PortfolioMinEquity
            | OptionParam::IvMultiplier
            | OptionParam::OptionFeeCap => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::{check_change, ChangeError, Direction};

    #[test]
    fn defaults_bounds_and_codes() {
        for (i, p) in OptionParam::ALL.iter().enumerate() {
            assert_eq!(*p as u8, i as u8 + 1);
            assert_eq!(OptionParam::from_code(*p as u8), Some(*p));
            let (lo, hi) = p.bounds();
            assert!(lo <= p.default_value() && p.default_value() <= hi, "{p:?}");
            let r = p.rule();
            assert!(r.max_step > U256::ZERO && r.max_step <= hi - lo, "{p:?}");
            assert_eq!(r.min_interval, DAY);
        }
        assert_eq!(OptionParam::from_code(0), None);
        assert_eq!(OptionParam::from_code(21), None);
        let d = OptionMarginParams::DEFAULT;
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(d.option_horizon, 6 * HOUR);
        assert_eq!(d.tail_horizon, 10 * DAY);
        assert_eq!(d.range_floor, u256(3 * PP));
        assert_eq!(d.kappa, u256(3_000_000_000_000_000));
        assert_eq!(
            OptionParam::OptionFeeCap.default_value(),
            u256(125_000_000_000_000_000)
        );
        assert_eq!(OptionParam::IvMultiplier.default_value(), u256(125 * PP));
        assert_eq!(
            OptionParam::PortfolioMinEquity.default_value(),
            u256(10_000 * ONE)
        );
        for p in OptionParam::ALL {
            if let Some(v) = d.get(p) {
                assert_eq!(v, p.default_value(), "{p:?}");
            }
        }
    }

    #[test]
    fn set_and_govern() {
        let mut m = OptionMarginParams::DEFAULT;
        assert_eq!(m.set(OptionParam::TailFloor, u256(30 * PP)), Ok(()));
        assert_eq!(m.tail_floor, u256(30 * PP));
        // A cap below the floor is refused and leaves the parameters unchanged.
        assert_eq!(
            m.set(OptionParam::TailCap, u256(25 * PP)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(m.tail_cap, u256(50 * PP));
        assert_eq!(
            m.set(OptionParam::RangeFloor, u256(26 * PP)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            m.set(OptionParam::IvMultiplier, WAD),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(m.set(OptionParam::OptionHorizon, U256::from(HOUR)), Ok(()));
        assert_eq!(m.option_horizon, HOUR);
        // Governance: lowering a shock raises risk and waits; raising it applies at once; a
        // step above the rule's is refused.
        let r = OptionParam::VolShockUp.rule();
        let old = OptionParam::VolShockUp.default_value();
        assert_eq!(
            check_change(&r, old, old - u256(10 * PP), 0, 1),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&r, old, old + u256(10 * PP), 0, 1),
            Ok(Direction::LowersRisk)
        );
        assert_eq!(
            check_change(&r, old, old + u256(11 * PP), 0, 1),
            Err(ChangeError::StepTooLarge)
        );
        let c = OptionParam::TailCredit.rule();
        assert_eq!(
            check_change(&c, u256(ONE / 2), u256(6 * ONE / 10), 0, 1),
            Ok(Direction::RaisesRisk)
        );
        let f = OptionParam::OptionFeeCap.rule();
        assert_eq!(
            check_change(&f, u256(125 * BP * 10), u256(100 * BP * 10), 0, 1),
            Ok(Direction::RaisesRisk)
        );
    }

    #[test]
    fn with_governed_takes_every_margin_input() {
        let d = OptionMarginParams::DEFAULT;
        let defaults = OptionParam::ALL.map(OptionParam::default_value);
        assert_eq!(d.with_governed(&defaults), Ok(d));
        let mut v = defaults;
        v[OptionParam::TailFloor as usize - 1] = u256(40 * PP);
        v[OptionParam::TailCap as usize - 1] = u256(45 * PP);
        v[OptionParam::OptionHorizon as usize - 1] = U256::from(2 * HOUR);
        let m = d.with_governed(&v).unwrap();
        assert_eq!((m.tail_floor, m.tail_cap), (u256(40 * PP), u256(45 * PP)));
        assert_eq!(m.option_horizon, 2 * HOUR);
        for p in OptionParam::ALL {
            if let Some(x) = m.get(p) {
                assert_eq!(x, v[p as usize - 1], "{p:?}");
            }
        }
        // A floor above the cap, or any value out of its bounds, is refused.
        v[OptionParam::TailCap as usize - 1] = u256(35 * PP);
        assert_eq!(d.with_governed(&v), Err(CoreError::InvalidParameter));
        let mut w = defaults;
        w[OptionParam::IvMultiplier as usize - 1] = u256(ONE / 2);
        assert_eq!(d.with_governed(&w), Err(CoreError::InvalidParameter));
    }

    /// The OptionMarkets contract stores every parameter in a 64-bit field but the portfolio
    /// minimum equity, which takes 128 bits: every bound fits.
    #[test]
    fn option_params_fit_their_fields() {
        for p in OptionParam::ALL {
            let hi = p.bounds().1;
            if p == OptionParam::PortfolioMinEquity {
                assert!(hi <= U256::from(u128::MAX));
                assert!(hi > U256::from(u64::MAX));
            } else {
                assert!(hi <= U256::from(u64::MAX), "{p:?}");
            }
        }
    }

    proptest::proptest! {
        /// Within the bounds, `consistent` is exactly what `with_governed` accepts.
        #[test]
        fn consistent_is_the_only_condition_left(picks in proptest::collection::vec(0u64..=1000, 20)) {
            let mut v = [U256::ZERO; 20];
            for (i, p) in OptionParam::ALL.iter().enumerate() {
                let (lo, hi) = p.bounds();
                v[i] = lo + (hi - lo) * U256::from(picks[i]) / U256::from(1000);
            }
            proptest::prop_assert_eq!(
                OptionParam::consistent(&v),
                OptionMarginParams::DEFAULT.with_governed(&v).is_ok()
            );
        }
    }
}
