//! EWMA volatility from oracle rounds.
//!
//! Between two observations `(p0, t0)` and `(p1, t1)` the simple return is `r = (p1 - p0) / p0`;
//! its square is normalised to one day, `r2d = r^2 * 86400 / (t1 - t0)`, and folded into the
//! per-day variance: `var' = lambda * var + (1 - lambda) * r2d`. The daily volatility is
//! `sqrt(var)`. All values are WAD.
//!
//! Variance is a risk measure that feeds requirements, so every rounding here is upward.

use crate::math::fixed::{ewma, mul_div, mul_up, wad_sqrt_up, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// Seconds per day.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// The squared simple return between `p0` and `p1`, normalised to one day over `elapsed` seconds,
/// in WAD, rounded up.
///
/// # Errors
/// [`CoreError::DivisionByZero`] if `p0 == 0`; [`CoreError::ZeroElapsed`] if `elapsed == 0`;
/// [`CoreError::Overflow`] if the normalised square does not fit (a return of about 10^29 or more).
pub fn daily_squared_return(p0: U256, p1: U256, elapsed: u64) -> Result<U256, CoreError> {
    if elapsed == 0 {
        return Err(CoreError::ZeroElapsed);
    }
    let diff = if p1 >= p0 { p1 - p0 } else { p0 - p1 };
    // Requirements round up: |r|, r^2 and the normalisation all round up.
    let r = mul_div(diff, WAD, p0, Rounding::Up)?;
    let r2 = mul_up(r, r)?;
    mul_div(
        r2,
        U256::from(SECONDS_PER_DAY),
        U256::from(elapsed),
        Rounding::Up,
    )
}

/// One EWMA step: `lambda * prev_var + (1 - lambda) * r2d` with `r2d` from
/// [`daily_squared_return`], rounded up.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `lambda > WAD`; otherwise as [`daily_squared_return`]
/// (including [`CoreError::ZeroElapsed`] for `elapsed == 0`; [`observe`] treats that case as a
/// no-op instead).
pub fn ewma_variance(
    prev_var: U256,
    p0: U256,
    p1: U256,
    elapsed: u64,
    lambda: U256,
) -> Result<U256, CoreError> {
    if lambda > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let r2d = daily_squared_return(p0, p1, elapsed)?;
    // Requirements round up: the variance drives haircuts.
    ewma(prev_var, r2d, lambda, Rounding::Up)
}

/// Volatility state of one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolState {
    /// Per-day variance, WAD.
    pub variance: U256,
    /// Last observed price, WAD.
    pub price: U256,
    /// Time of the last observation, seconds.
    pub timestamp: u64,
}

/// Folds an observation `(price, timestamp)` into the state.
///
/// - `prev == None` (first observation): records the price and time with zero variance (the
///   haircut floor governs until volatility accumulates; a caller may seed `variance` instead).
/// - `timestamp <= prev.timestamp` (same round again, or out of order): returns `prev` unchanged,
///   keeping the older price, so a move within the same second is captured by the next
///   observation that has elapsed time.
/// - otherwise: one [`ewma_variance`] step, and the new price and time are recorded.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `lambda > WAD`; [`CoreError::DivisionByZero`] if
/// `price == 0`; [`CoreError::Overflow`] as in [`daily_squared_return`].
pub fn observe(
    prev: Option<VolState>,
    price: U256,
    timestamp: u64,
    lambda: U256,
) -> Result<VolState, CoreError> {
    if lambda > WAD {
        return Err(CoreError::InvalidParameter);
    }
    if price.is_zero() {
        return Err(CoreError::DivisionByZero);
    }
    let variance = match prev {
        None => U256::ZERO,
        Some(s) if timestamp <= s.timestamp => return Ok(s),
        Some(s) => ewma_variance(s.variance, s.price, price, timestamp - s.timestamp, lambda)?,
    };
    Ok(VolState {
        variance,
        price,
        timestamp,
    })
}

/// Daily volatility `sqrt(variance)`, WAD, rounded up (it drives requirements).
#[must_use]
pub fn daily_vol(variance: U256) -> U256 {
    wad_sqrt_up(variance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{tests::any_u256, u256};
    use proptest::prelude::*;

    const LAMBDA: U256 = u256(940_000_000_000_000_000);

    #[test]
    fn examples() {
        let p0 = u256(100) * WAD;
        let p1 = u256(101) * WAD;
        // r = 1 %, over one day: r2d = 1e-4.
        assert_eq!(
            daily_squared_return(p0, p1, 86_400),
            Ok(u256(100_000_000_000_000))
        );
        // Over one hour the same move counts 24 times as much.
        assert_eq!(
            daily_squared_return(p0, p1, 3_600),
            Ok(u256(2_400_000_000_000_000))
        );
        // Down moves count the same.
        assert_eq!(
            daily_squared_return(p1, p0, 86_400),
            Ok(u256(98_029_604_940_693))
        );
        // var' = 0.06 * 1e-4 = 6e-6.
        assert_eq!(
            ewma_variance(U256::ZERO, p0, p1, 86_400, LAMBDA),
            Ok(u256(6_000_000_000_000))
        );
        assert_eq!(
            daily_vol(u256(6_000_000_000_000)),
            u256(2_449_489_742_783_179)
        );
        assert_eq!(
            daily_vol(u256(1_225_000_000_000_000)),
            u256(35_000_000_000_000_000)
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            daily_squared_return(U256::ZERO, WAD, 1),
            Err(CoreError::DivisionByZero)
        );
        assert_eq!(
            daily_squared_return(WAD, WAD, 0),
            Err(CoreError::ZeroElapsed)
        );
        assert_eq!(
            daily_squared_return(u256(1), U256::MAX, 1),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            ewma_variance(U256::ZERO, WAD, WAD, 1, WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            observe(None, U256::ZERO, 1, LAMBDA),
            Err(CoreError::DivisionByZero)
        );
        assert_eq!(
            observe(None, WAD, 1, WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn observe_sequence() {
        let s0 = observe(None, u256(100) * WAD, 1_000, LAMBDA).unwrap();
        assert_eq!(
            s0,
            VolState {
                variance: U256::ZERO,
                price: u256(100) * WAD,
                timestamp: 1_000
            }
        );
        // Same timestamp: no-op, the old price is kept.
        assert_eq!(observe(Some(s0), u256(150) * WAD, 1_000, LAMBDA), Ok(s0));
        assert_eq!(observe(Some(s0), u256(150) * WAD, 999, LAMBDA), Ok(s0));
        let s1 = observe(Some(s0), u256(101) * WAD, 1_000 + 86_400, LAMBDA).unwrap();
        assert_eq!(
            s1,
            VolState {
                variance: u256(6_000_000_000_000),
                price: u256(101) * WAD,
                timestamp: 87_400
            }
        );
    }

    proptest! {
        #[test]
        fn variance_between_inputs(
            var in any_u256().prop_map(|v| v >> 64),
            p0 in 1u128..=u128::MAX,
            p1 in any::<u128>(),
            dt in 1u64..10_000_000,
            lambda in 0u64..=1_000_000_000_000_000_000,
        ) {
            let (p0, p1, lambda) = (u256(p0), u256(p1), U256::from(lambda));
            if let Ok(r2d) = daily_squared_return(p0, p1, dt) {
                let v = ewma_variance(var, p0, p1, dt, lambda).unwrap();
                prop_assert!(v >= var.min(r2d) && v <= var.max(r2d));
            }
        }

        #[test]
        fn constant_price_decays_by_lambda(
            var in any_u256(),
            p in 1u128..=u128::MAX,
            dt in 1u64..10_000_000,
            lambda in 0u64..=1_000_000_000_000_000_000,
        ) {
            let lambda = U256::from(lambda);
            let v = ewma_variance(var, u256(p), u256(p), dt, lambda).unwrap();
            prop_assert_eq!(v, mul_up(var, lambda).unwrap());
            prop_assert!(v <= var);
        }

        #[test]
        fn larger_moves_more_variance(p0 in 1u64..=u64::MAX, d1 in any::<u64>(), d2 in any::<u64>(), dt in 1u64..1_000_000) {
            let (small, large) = (d1.min(d2), d1.max(d2));
            let p0u = U256::from(p0);
            let a = daily_squared_return(p0u, p0u + U256::from(small), dt).unwrap();
            let b = daily_squared_return(p0u, p0u + U256::from(large), dt).unwrap();
            prop_assert!(a <= b);
        }
    }
}
