//! Volatility haircuts (DESIGN section 5).
//!
//! - Target maintenance haircut
//!   `h* = clamp(k * sigma_daily * sqrt(T_liq / 1 day) * multiplier, floor, cap)`.
//! - Initial haircut `min(h * init_ratio, cap)`, applied to the *effective* maintenance haircut.
//! - The effective haircut moves toward its target by at most `max_speed * elapsed / 1 hour`,
//!   never overshoots and always ends within `[floor, cap]`.
//!
//! A haircut is a shock applied to requirements and collateral alike: a larger haircut is the
//! protocol-favouring side, so the target rounds up. All values are WAD fractions.

use crate::governance::params::{
    DAY, DEFAULT_HAIRCUT_SPEED, DEFAULT_INIT_RATIO, DEFAULT_K, DEFAULT_LIQ_HORIZON,
    DEFAULT_VOL_MULTIPLIER, HOUR,
};
use crate::math::fixed::{mul_div, mul_up, sqrt_up, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// Haircut parameters of one asset (global and per-asset values together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HaircutParams {
    /// Multiple of the horizon volatility, WAD (default 3).
    pub k: U256,
    /// Liquidation horizon, seconds (default 3600).
    pub horizon: u64,
    /// Per-asset volatility multiplier, WAD (default 1).
    pub multiplier: U256,
    /// Lowest haircut, WAD.
    pub floor: U256,
    /// Highest haircut, WAD, at most 1.
    pub cap: U256,
    /// Initial / maintenance ratio, WAD, at least 1 (default 1.5).
    pub init_ratio: U256,
    /// Maximum change of the effective haircut per hour, WAD (default 0.02).
    pub max_speed: U256,
}

impl HaircutParams {
    /// Default global parameters with the given per-asset `floor` and `cap`.
    #[must_use]
    pub const fn with_defaults(floor: U256, cap: U256) -> Self {
        Self {
            k: DEFAULT_K,
            horizon: DEFAULT_LIQ_HORIZON,
            multiplier: DEFAULT_VOL_MULTIPLIER,
            floor,
            cap,
            init_ratio: DEFAULT_INIT_RATIO,
            max_speed: DEFAULT_HAIRCUT_SPEED,
        }
    }

    /// Checks the mathematical domain: `floor <= cap <= 1` and `init_ratio >= 1`. (Governance
    /// hard bounds are checked where parameters are set, see [`crate::governance::params`].)
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] if a condition fails.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.floor > self.cap || self.cap > WAD || self.init_ratio < WAD {
            return Err(CoreError::InvalidParameter);
        }
        Ok(())
    }

    fn clamp(&self, h: U256) -> U256 {
        h.max(self.floor).min(self.cap)
    }
}

/// `sqrt(horizon / 1 day)` in WAD, rounded up.
///
/// # Errors
/// Never fails for a `u64` horizon; the `Result` carries the checked arithmetic.
pub fn horizon_factor(horizon: u64) -> Result<U256, CoreError> {
    // sqrt(horizon / DAY) * 1e18 = sqrt(horizon * 1e36 / DAY); both roundings up (requirements).
    let scaled = mul_div(
        U256::from(horizon) * WAD,
        WAD,
        U256::from(DAY),
        Rounding::Up,
    )?;
    Ok(sqrt_up(scaled))
}

/// Target maintenance haircut for daily volatility `sigma_daily` (WAD).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `params` fail [`HaircutParams::validate`];
/// [`CoreError::Overflow`] if an intermediate product does not fit (absurd `k` or multiplier).
pub fn target_haircut(sigma_daily: U256, params: &HaircutParams) -> Result<U256, CoreError> {
    params.validate()?;
    // Requirements round up: each product rounds up.
    let h = mul_up(
        mul_up(
            mul_up(params.k, sigma_daily)?,
            horizon_factor(params.horizon)?,
        )?,
        params.multiplier,
    )?;
    Ok(params.clamp(h))
}

/// Initial haircut for a maintenance haircut: `min(maintenance * init_ratio, cap)`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `params` fail [`HaircutParams::validate`];
/// [`CoreError::Overflow`] if the product does not fit.
pub fn initial_haircut(maintenance: U256, params: &HaircutParams) -> Result<U256, CoreError> {
    params.validate()?;
    // Requirements round up.
    Ok(mul_up(maintenance, params.init_ratio)?.min(params.cap))
}

/// Moves the effective haircut `current` toward `target` over `elapsed` seconds.
///
/// The step is at most `max_speed * elapsed / 3600` (rounded down, so the speed limit is never
/// exceeded), the result never passes the target, and it is clamped to `[floor, cap]` (so a
/// governance change of floor or cap applies at once; governance bounds its steps).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `params` fail [`HaircutParams::validate`];
/// [`CoreError::Overflow`] if `max_speed * elapsed / 3600` does not fit.
pub fn ramp_haircut(
    current: U256,
    target: U256,
    elapsed: u64,
    params: &HaircutParams,
) -> Result<U256, CoreError> {
    params.validate()?;
    // Rounds down: a speed limit, "at most" (neither side of the value rule).
    let step = mul_div(
        params.max_speed,
        U256::from(elapsed),
        U256::from(HOUR),
        Rounding::Down,
    )?;
    let target = params.clamp(target);
    let moved = if target >= current {
        if target - current <= step {
            target
        } else {
            current + step
        }
    } else if current - target <= step {
        target
    } else {
        current - step
    };
    Ok(params.clamp(moved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{tests::any_u256, u256};
    use proptest::prelude::*;

    const PCT: U256 = u256(10_000_000_000_000_000);

    fn eth() -> HaircutParams {
        HaircutParams::with_defaults(PCT, u256(50) * PCT)
    }

    #[test]
    fn design_example() {
        // ETH 3.5 % daily vol, 1 h horizon, k = 3 -> 2.14 % maintenance, 3.2 % initial.
        let p = HaircutParams::with_defaults(U256::ZERO, WAD);
        assert_eq!(horizon_factor(3600), Ok(u256(204_124_145_231_931_509)));
        let m = target_haircut(u256(35_000_000_000_000_000), &p).unwrap();
        assert_eq!(m, u256(21_433_035_249_352_809));
        assert_eq!(initial_haircut(m, &p), Ok(u256(32_149_552_874_029_214)));
        assert_eq!(horizon_factor(DAY), Ok(WAD));
    }

    #[test]
    fn clamps_and_multiplier() {
        let p = eth();
        assert_eq!(target_haircut(U256::ZERO, &p), Ok(PCT));
        assert_eq!(target_haircut(WAD, &p), Ok(u256(50) * PCT));
        let p2 = HaircutParams {
            multiplier: u256(2) * WAD,
            ..HaircutParams::with_defaults(U256::ZERO, WAD)
        };
        assert_eq!(
            target_haircut(u256(35_000_000_000_000_000), &p2),
            Ok(u256(42_866_070_498_705_618))
        );
        assert_eq!(initial_haircut(u256(40) * PCT, &p), Ok(u256(50) * PCT));
    }

    #[test]
    fn invalid_params() {
        let mut p = eth();
        p.floor = u256(60) * PCT;
        assert_eq!(target_haircut(WAD, &p), Err(CoreError::InvalidParameter));
        let mut p = eth();
        p.cap = WAD + u256(1);
        assert_eq!(initial_haircut(WAD, &p), Err(CoreError::InvalidParameter));
        let mut p = eth();
        p.init_ratio = WAD - u256(1);
        assert_eq!(
            ramp_haircut(PCT, PCT, 1, &p),
            Err(CoreError::InvalidParameter)
        );
        let mut p = eth();
        p.k = U256::MAX;
        assert_eq!(target_haircut(u256(2) * WAD, &p), Err(CoreError::Overflow));
    }

    #[test]
    fn ramp_examples() {
        let p = eth();
        // 2 pp per hour: half an hour moves 1 pp.
        assert_eq!(
            ramp_haircut(u256(5) * PCT, u256(10) * PCT, 1800, &p),
            Ok(u256(6) * PCT)
        );
        assert_eq!(
            ramp_haircut(u256(10) * PCT, u256(5) * PCT, 1800, &p),
            Ok(u256(9) * PCT)
        );
        // Never overshoots.
        assert_eq!(
            ramp_haircut(u256(5) * PCT, u256(6) * PCT, 36_000, &p),
            Ok(u256(6) * PCT)
        );
        assert_eq!(
            ramp_haircut(u256(5) * PCT, u256(4) * PCT, 36_000, &p),
            Ok(u256(4) * PCT)
        );
        assert_eq!(
            ramp_haircut(u256(5) * PCT, u256(10) * PCT, 0, &p),
            Ok(u256(5) * PCT)
        );
        // A current value below a raised floor is lifted to the floor at once.
        assert_eq!(ramp_haircut(U256::ZERO, u256(10) * PCT, 0, &p), Ok(PCT));
        // A target below the floor is approached only down to the floor.
        assert_eq!(ramp_haircut(u256(2) * PCT, U256::ZERO, 36_000, &p), Ok(PCT));
        // One second: 0.02 / 3600 = 5_555_555_555_555.55 -> rounds down.
        assert_eq!(
            ramp_haircut(u256(5) * PCT, u256(10) * PCT, 1, &p),
            Ok(u256(5) * PCT + u256(5_555_555_555_555))
        );
    }

    fn any_params() -> impl Strategy<Value = HaircutParams> {
        (
            0u64..=WAD.to::<u64>(),
            0u64..=WAD.to::<u64>(),
            1u64..=604_800,
            1u64..=6,
            0u64..=200_000_000_000_000_000,
        )
            .prop_map(|(a, b, horizon, k, speed)| HaircutParams {
                k: U256::from(k) * WAD,
                horizon,
                multiplier: WAD,
                floor: U256::from(a.min(b)),
                cap: U256::from(a.max(b)),
                init_ratio: DEFAULT_INIT_RATIO,
                max_speed: U256::from(speed),
            })
    }

    proptest! {
        #[test]
        fn haircuts_within_floor_cap(sigma in any_u256().prop_map(|s| s >> 80), p in any_params()) {
            let m = target_haircut(sigma, &p).unwrap();
            prop_assert!(m >= p.floor && m <= p.cap);
            let i = initial_haircut(m, &p).unwrap();
            prop_assert!(i >= m && i <= p.cap);
        }

        #[test]
        fn monotone_in_vol(s1 in 0u64..=WAD.to::<u64>(), s2 in 0u64..=WAD.to::<u64>(), p in any_params()) {
            let (lo, hi) = (U256::from(s1.min(s2)), U256::from(s1.max(s2)));
            prop_assert!(target_haircut(lo, &p).unwrap() <= target_haircut(hi, &p).unwrap());
        }

        #[test]
        fn ramp_respects_speed(c in 0u64..=WAD.to::<u64>(), t in any_u256(), elapsed in 0u64..1_000_000, p in any_params()) {
            let current = U256::from(c).max(p.floor).min(p.cap);
            let new = ramp_haircut(current, t, elapsed, &p).unwrap();
            let step = p.max_speed * U256::from(elapsed) / U256::from(3600u64);
            let moved = if new > current { new - current } else { current - new };
            prop_assert!(moved <= step);
            prop_assert!(new >= p.floor && new <= p.cap);
            let tc = t.max(p.floor).min(p.cap);
            // Moves toward the (clamped) target, never past it.
            prop_assert!((current <= new && new <= tc) || (tc <= new && new <= current));
        }
    }
}
