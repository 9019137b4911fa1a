//! Protocol defaults and hard bounds (DESIGN section 12).
//!
//! Fractions, ratios and weights are WAD; durations are seconds. Each parameter has a `DEFAULT_*`
//! value and inclusive `MIN_*` / `MAX_*` hard bounds that governance setters enforce with
//! [`check_bounds`] / [`check_bounds_u64`].

use crate::math::fixed::{u256, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// One hundredth of one percent (0.0001) in WAD; helper unit for the constants below.
const BP: u128 = 100_000_000_000_000;
/// One hour, seconds.
pub const HOUR: u64 = 3_600;
/// One day, seconds.
pub const DAY: u64 = 86_400;

/// EWMA decay `lambda` of the variance (0.94).
pub const DEFAULT_LAMBDA: U256 = u256(9_400 * BP);
/// Lower bound of `lambda` (0.5).
pub const MIN_LAMBDA: U256 = u256(5_000 * BP);
/// Upper bound of `lambda` (0.999).
pub const MAX_LAMBDA: U256 = u256(9_990 * BP);

/// Maintenance multiple `k` of the horizon volatility (3).
pub const DEFAULT_K: U256 = u256(3 * 10_000 * BP);
/// Lower bound of `k` (1).
pub const MIN_K: U256 = WAD;
/// Upper bound of `k` (6).
pub const MAX_K: U256 = u256(6 * 10_000 * BP);

/// Initial / maintenance haircut ratio (1.5).
pub const DEFAULT_INIT_RATIO: U256 = u256(15_000 * BP);
/// Lower bound of the initial / maintenance ratio (1.1).
pub const MIN_INIT_RATIO: U256 = u256(11_000 * BP);
/// Upper bound of the initial / maintenance ratio (3).
pub const MAX_INIT_RATIO: U256 = u256(30_000 * BP);

/// Liquidation horizon, seconds (1 hour).
pub const DEFAULT_LIQ_HORIZON: u64 = HOUR;
/// Lower bound of the liquidation horizon (5 minutes).
pub const MIN_LIQ_HORIZON: u64 = 300;
/// Upper bound of the liquidation horizon (7 days).
pub const MAX_LIQ_HORIZON: u64 = 7 * DAY;

/// Per-asset volatility multiplier (1).
pub const DEFAULT_VOL_MULTIPLIER: U256 = WAD;

/// Maximum change of the effective haircut per hour (2 percentage points).
pub const DEFAULT_HAIRCUT_SPEED: U256 = u256(200 * BP);
/// Lower bound of the haircut speed (0.1 percentage points per hour).
pub const MIN_HAIRCUT_SPEED: U256 = u256(10 * BP);
/// Upper bound of the haircut speed (20 percentage points per hour).
pub const MAX_HAIRCUT_SPEED: U256 = u256(2_000 * BP);

/// Minimum margin as a fraction of gross notional (0.5 %).
pub const DEFAULT_MIN_MARGIN_FRACTION: U256 = u256(50 * BP);
/// Lower bound of the minimum margin fraction (0.1 %).
pub const MIN_MIN_MARGIN_FRACTION: U256 = u256(10 * BP);
/// Upper bound of the minimum margin fraction (10 %).
pub const MAX_MIN_MARGIN_FRACTION: U256 = u256(1_000 * BP);

/// The default liquidation penalty is the maintenance shock divided by this (a fifth).
pub const DEFAULT_PENALTY_SHOCK_DIVISOR: u64 = 5;
/// Smallest default liquidation penalty (0.5 %).
pub const DEFAULT_MIN_PENALTY: U256 = u256(50 * BP);
/// Lower bound of the liquidation penalty (0.1 %).
pub const MIN_PENALTY: U256 = u256(10 * BP);
/// Upper bound of the liquidation penalty (10 %).
pub const MAX_PENALTY: U256 = u256(1_000 * BP);

/// Keeper share of the liquidation penalty (50 %).
pub const DEFAULT_KEEPER_SHARE: U256 = u256(5_000 * BP);
/// Lower bound of the keeper share (0 %).
pub const MIN_KEEPER_SHARE: U256 = U256::ZERO;
/// Upper bound of the keeper share (100 %).
pub const MAX_KEEPER_SHARE: U256 = WAD;

/// Circuit-breaker price move trigger (20 %).
pub const DEFAULT_BREAKER_MOVE: U256 = u256(2_000 * BP);
/// Lower bound of the breaker price move (2 %).
pub const MIN_BREAKER_MOVE: U256 = u256(200 * BP);
/// Upper bound of the breaker price move (90 %).
pub const MAX_BREAKER_MOVE: U256 = u256(9_000 * BP);
/// Breaker price-move window, seconds (1 hour).
pub const DEFAULT_BREAKER_WINDOW: u64 = HOUR;
/// Lower bound of the breaker window (5 minutes).
pub const MIN_BREAKER_WINDOW: u64 = 300;
/// Upper bound of the breaker window (24 hours).
pub const MAX_BREAKER_WINDOW: u64 = DAY;
/// Breaker cooldown after an automatic trip, seconds (30 minutes).
pub const DEFAULT_BREAKER_COOLDOWN: u64 = 1_800;
/// Lower bound of the breaker cooldown (1 minute).
pub const MIN_BREAKER_COOLDOWN: u64 = 60;
/// Upper bound of the breaker cooldown (24 hours).
pub const MAX_BREAKER_COOLDOWN: u64 = DAY;

/// Sequencer grace period after it comes back up, seconds (1 hour).
pub const DEFAULT_SEQUENCER_GRACE: u64 = HOUR;
/// Lower bound of the sequencer grace period (0).
pub const MIN_SEQUENCER_GRACE: u64 = 0;
/// Upper bound of the sequencer grace period (24 hours).
pub const MAX_SEQUENCER_GRACE: u64 = DAY;

/// Liquidated notional per window as a share of open interest (20 %).
pub const DEFAULT_LIQ_RATE_LIMIT: U256 = u256(2_000 * BP);
/// Lower bound of the liquidation rate limit (1 %).
pub const MIN_LIQ_RATE_LIMIT: U256 = u256(100 * BP);
/// Upper bound of the liquidation rate limit (100 %).
pub const MAX_LIQ_RATE_LIMIT: U256 = WAD;
/// Rolling window of the liquidation rate limit, seconds (1 hour).
pub const DEFAULT_LIQ_RATE_WINDOW: u64 = HOUR;

/// Insurance-fund drawdown that trips the global breaker (30 %).
pub const DEFAULT_DRAWDOWN_TRIP: U256 = u256(3_000 * BP);
/// Lower bound of the drawdown trip (5 %).
pub const MIN_DRAWDOWN_TRIP: U256 = u256(500 * BP);
/// Upper bound of the drawdown trip (100 %).
pub const MAX_DRAWDOWN_TRIP: U256 = WAD;
/// Window over which the drawdown is measured, seconds (24 hours).
pub const DEFAULT_DRAWDOWN_WINDOW: u64 = DAY;

/// Grace period after a breaker reset, seconds (15 minutes).
pub const DEFAULT_POST_RESET_GRACE: u64 = 900;
/// Lower bound of the post-reset grace (0).
pub const MIN_POST_RESET_GRACE: u64 = 0;
/// Upper bound of the post-reset grace (24 hours).
pub const MAX_POST_RESET_GRACE: u64 = DAY;

/// Governance timelock delay, seconds (24 hours).
pub const DEFAULT_TIMELOCK_DELAY: u64 = DAY;
/// Lower bound of the timelock delay (1 hour).
pub const MIN_TIMELOCK_DELAY: u64 = HOUR;
/// Upper bound of the timelock delay (30 days).
pub const MAX_TIMELOCK_DELAY: u64 = 30 * DAY;

/// Oracle heartbeat tolerance (+10 %).
pub const DEFAULT_HEARTBEAT_TOLERANCE: U256 = u256(1_000 * BP);
/// Lower bound of the heartbeat tolerance (0 %).
pub const MIN_HEARTBEAT_TOLERANCE: U256 = U256::ZERO;
/// Upper bound of the heartbeat tolerance (100 %).
pub const MAX_HEARTBEAT_TOLERANCE: U256 = WAD;

/// Returns `value` if `min <= value <= max`.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `value` lies outside the bounds.
pub fn check_bounds(value: U256, min: U256, max: U256) -> Result<U256, CoreError> {
    if value < min || value > max {
        return Err(CoreError::InvalidParameter);
    }
    Ok(value)
}

/// Returns `value` if `min <= value <= max` (for durations and counts).
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `value` lies outside the bounds.
pub fn check_bounds_u64(value: u64, min: u64, max: u64) -> Result<u64, CoreError> {
    if value < min || value > max {
        return Err(CoreError::InvalidParameter);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(DEFAULT_LAMBDA, u256(940_000_000_000_000_000));
        assert_eq!(MAX_LAMBDA, u256(999_000_000_000_000_000));
        assert_eq!(DEFAULT_K, u256(3) * WAD);
        assert_eq!(DEFAULT_INIT_RATIO, u256(1_500_000_000_000_000_000));
        assert_eq!(DEFAULT_HAIRCUT_SPEED, u256(20_000_000_000_000_000));
        assert_eq!(MIN_HAIRCUT_SPEED, u256(1_000_000_000_000_000));
        assert_eq!(DEFAULT_MIN_MARGIN_FRACTION, u256(5_000_000_000_000_000));
        assert_eq!(DEFAULT_HEARTBEAT_TOLERANCE, u256(100_000_000_000_000_000));
    }

    #[test]
    fn bounds_are_ordered_and_contain_defaults() {
        let u = [
            (MIN_LAMBDA, DEFAULT_LAMBDA, MAX_LAMBDA),
            (MIN_K, DEFAULT_K, MAX_K),
            (MIN_INIT_RATIO, DEFAULT_INIT_RATIO, MAX_INIT_RATIO),
            (MIN_HAIRCUT_SPEED, DEFAULT_HAIRCUT_SPEED, MAX_HAIRCUT_SPEED),
            (
                MIN_MIN_MARGIN_FRACTION,
                DEFAULT_MIN_MARGIN_FRACTION,
                MAX_MIN_MARGIN_FRACTION,
            ),
            (MIN_PENALTY, DEFAULT_MIN_PENALTY, MAX_PENALTY),
            (MIN_KEEPER_SHARE, DEFAULT_KEEPER_SHARE, MAX_KEEPER_SHARE),
            (MIN_BREAKER_MOVE, DEFAULT_BREAKER_MOVE, MAX_BREAKER_MOVE),
            (
                MIN_LIQ_RATE_LIMIT,
                DEFAULT_LIQ_RATE_LIMIT,
                MAX_LIQ_RATE_LIMIT,
            ),
            (MIN_DRAWDOWN_TRIP, DEFAULT_DRAWDOWN_TRIP, MAX_DRAWDOWN_TRIP),
            (
                MIN_HEARTBEAT_TOLERANCE,
                DEFAULT_HEARTBEAT_TOLERANCE,
                MAX_HEARTBEAT_TOLERANCE,
            ),
        ];
        for (lo, d, hi) in u {
            assert_eq!(check_bounds(d, lo, hi), Ok(d));
        }
        let s = [
            (MIN_LIQ_HORIZON, DEFAULT_LIQ_HORIZON, MAX_LIQ_HORIZON),
            (
                MIN_BREAKER_WINDOW,
                DEFAULT_BREAKER_WINDOW,
                MAX_BREAKER_WINDOW,
            ),
            (
                MIN_BREAKER_COOLDOWN,
                DEFAULT_BREAKER_COOLDOWN,
                MAX_BREAKER_COOLDOWN,
            ),
            (
                MIN_SEQUENCER_GRACE,
                DEFAULT_SEQUENCER_GRACE,
                MAX_SEQUENCER_GRACE,
            ),
            (
                MIN_POST_RESET_GRACE,
                DEFAULT_POST_RESET_GRACE,
                MAX_POST_RESET_GRACE,
            ),
            (
                MIN_TIMELOCK_DELAY,
                DEFAULT_TIMELOCK_DELAY,
                MAX_TIMELOCK_DELAY,
            ),
        ];
        for (lo, d, hi) in s {
            assert_eq!(check_bounds_u64(d, lo, hi), Ok(d));
        }
        assert_eq!(
            check_bounds(MAX_K + u256(1), MIN_K, MAX_K),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            check_bounds_u64(299, MIN_LIQ_HORIZON, MAX_LIQ_HORIZON),
            Err(CoreError::InvalidParameter)
        );
    }
}
