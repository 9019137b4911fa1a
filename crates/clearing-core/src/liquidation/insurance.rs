//! Insurance-fund drawdown over a rolling window (DESIGN section 8).
//!
//! The fund's balance is a signed WAD amount of the quote asset. Within a window of `window`
//! seconds starting at `window_start`, the state keeps the highest balance observed, `peak`
//! (never below zero). The drawdown is the fraction of that peak lost since:
//! `(peak - balance) / peak`, WAD, 0 when the peak is 0 and capped at 1 (a negative balance is a
//! 100 % drawdown). When an observation arrives at or after `window_start + window`, a new window
//! starts at that time with the observed balance as its peak.
//!
//! The drawdown trips the global circuit breaker, a protective measure, so its division rounds
//! up (a borderline loss counts as the larger fraction).

use crate::governance::params::{DAY, HOUR};
use crate::math::fixed::{mul_div, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// Lower bound of the drawdown window, seconds (1 hour).
pub const MIN_DRAWDOWN_WINDOW: u64 = HOUR;
/// Upper bound of the drawdown window, seconds (7 days).
pub const MAX_DRAWDOWN_WINDOW: u64 = 7 * DAY;

/// The rolling drawdown window of the insurance fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DrawdownState {
    /// Start of the current window, seconds.
    pub window_start: u64,
    /// Highest balance observed in the current window (WAD, at least 0).
    pub peak: U256,
}

/// The positive part of a signed balance (`max(balance, 0)`), as an unsigned WAD.
#[must_use]
pub fn positive_part(balance: I256) -> U256 {
    if balance.is_positive() {
        balance.into_raw()
    } else {
        U256::ZERO
    }
}

/// Folds the observation `balance` at time `now` into the window of length `window` seconds.
///
/// - `now >= state.window_start + window`: the window rolls; the new window starts at `now` with
///   `peak = max(balance, 0)`.
/// - otherwise (including `now` before the window start, and a window whose end does not fit a
///   `u64`): `peak = max(peak, balance)`, the start is kept.
#[must_use]
pub fn observe(state: DrawdownState, balance: I256, now: u64, window: u64) -> DrawdownState {
    let level = positive_part(balance);
    if let Some(end) = state.window_start.checked_add(window) {
        if now >= end {
            return DrawdownState {
                window_start: now,
                peak: level,
            };
        }
    }
    DrawdownState {
        window_start: state.window_start,
        peak: state.peak.max(level),
    }
}

/// The drawdown of `balance` from `peak`: `(peak - balance) / peak` as a WAD fraction in
/// `[0, WAD]`, rounded up (the drawdown trips a breaker: protective rounding).
///
/// Returns 0 when `peak` is 0 or `balance >= peak`, and `WAD` (100 %) when `balance <= 0`.
#[must_use]
pub fn drawdown(peak: U256, balance: I256) -> U256 {
    if peak.is_zero() {
        return U256::ZERO;
    }
    if !balance.is_positive() {
        return WAD;
    }
    let balance = balance.into_raw();
    if balance >= peak {
        return U256::ZERO;
    }
    // `peak - balance < peak`, so the quotient is below WAD and cannot overflow; the cap keeps
    // the result in range whatever happens.
    match mul_div(peak - balance, WAD, peak, Rounding::Up) {
        Ok(d) => d.min(WAD),
        Err(_) => WAD,
    }
}

/// Observes `balance` at `now` (as [`observe`]) and returns the new state with the drawdown of
/// `balance` from its peak.
#[must_use]
pub fn drawdown_at(
    state: DrawdownState,
    balance: I256,
    now: u64,
    window: u64,
) -> (DrawdownState, U256) {
    let s = observe(state, balance, now, window);
    (s, drawdown(s.peak, balance))
}

/// Lowers the peak by `amount` (WAD, saturating at 0) after a withdrawal of excess funds, so a
/// governance withdrawal is not counted as a loss: the drawdown keeps measuring losses only.
#[must_use]
pub fn on_withdrawal(state: DrawdownState, amount: U256) -> DrawdownState {
    DrawdownState {
        window_start: state.window_start,
        peak: state.peak.saturating_sub(amount),
    }
}

/// Returns `window` if it lies within [`MIN_DRAWDOWN_WINDOW`] ..= [`MAX_DRAWDOWN_WINDOW`].
///
/// # Errors
/// [`CoreError::InvalidParameter`] outside the bounds.
pub fn check_window(window: u64) -> Result<u64, CoreError> {
    crate::governance::params::check_bounds_u64(window, MIN_DRAWDOWN_WINDOW, MAX_DRAWDOWN_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::params::DEFAULT_DRAWDOWN_WINDOW;
    use crate::math::fixed::{tests::any_i256, u256, WAD_SIGNED};
    use proptest::prelude::*;

    fn wad(x: i128) -> I256 {
        I256::try_from(x).unwrap() * WAD_SIGNED
    }

    const T0: u64 = 1_735_689_600;

    #[test]
    fn drawdown_examples() {
        let peak = u256(1_000) * WAD;
        assert_eq!(drawdown(peak, wad(1_000)), U256::ZERO);
        assert_eq!(drawdown(peak, wad(1_500)), U256::ZERO);
        assert_eq!(drawdown(peak, wad(700)), u256(300_000_000_000_000_000));
        assert_eq!(drawdown(peak, wad(1)), u256(999_000_000_000_000_000));
        assert_eq!(drawdown(peak, I256::ZERO), WAD);
        assert_eq!(drawdown(peak, wad(-5)), WAD);
        assert_eq!(drawdown(U256::ZERO, wad(-5)), U256::ZERO);
        assert_eq!(drawdown(U256::ZERO, wad(5)), U256::ZERO);
        // 1/3 lost rounds up in the last digit.
        assert_eq!(
            drawdown(u256(3), I256::try_from(2).unwrap()),
            u256(333_333_333_333_333_334)
        );
        assert_eq!(
            // (2^255 / (2^256 - 1)) is a hair above one half: rounded up.
            drawdown(U256::MAX, I256::MAX),
            u256(500_000_000_000_000_001)
        );
    }

    #[test]
    fn observe_within_window_and_roll() {
        let w = DEFAULT_DRAWDOWN_WINDOW;
        let s0 = observe(DrawdownState::default(), wad(1_000), T0, w);
        assert_eq!(
            s0,
            DrawdownState {
                window_start: T0,
                peak: u256(1_000) * WAD
            }
        );
        let s1 = observe(s0, wad(1_200), T0 + 10, w);
        assert_eq!(s1.peak, u256(1_200) * WAD);
        assert_eq!(s1.window_start, T0);
        let s2 = observe(s1, wad(600), T0 + w - 1, w);
        assert_eq!(s2, s1);
        assert_eq!(drawdown(s2.peak, wad(600)), u256(500_000_000_000_000_000));
        // Exactly at start + window the window rolls.
        let s3 = observe(s2, wad(600), T0 + w, w);
        assert_eq!(
            s3,
            DrawdownState {
                window_start: T0 + w,
                peak: u256(600) * WAD
            }
        );
        // A negative balance starts a window at peak 0.
        let s4 = observe(s3, wad(-1), T0 + 3 * w, w);
        assert_eq!(
            s4,
            DrawdownState {
                window_start: T0 + 3 * w,
                peak: U256::ZERO
            }
        );
        // Time before the window start is treated as inside the window.
        assert_eq!(observe(s1, wad(5_000), T0 - 1, w).peak, u256(5_000) * WAD);
        // A window that would end past u64::MAX never rolls.
        let far = DrawdownState {
            window_start: u64::MAX - 1,
            peak: WAD,
        };
        assert_eq!(observe(far, I256::ZERO, u64::MAX, w), far);
    }

    #[test]
    fn drawdown_at_and_withdrawal() {
        let w = HOUR;
        let s = DrawdownState {
            window_start: T0,
            peak: u256(1_000) * WAD,
        };
        let (s1, d) = drawdown_at(s, wad(750), T0 + 1, w);
        assert_eq!(s1, s);
        assert_eq!(d, u256(250_000_000_000_000_000));
        let (s2, d) = drawdown_at(s, wad(750), T0 + w, w);
        assert_eq!(s2.peak, u256(750) * WAD);
        assert_eq!(d, U256::ZERO);
        assert_eq!(
            on_withdrawal(s, u256(400) * WAD),
            DrawdownState {
                window_start: T0,
                peak: u256(600) * WAD
            }
        );
        assert_eq!(on_withdrawal(s, u256(4_000) * WAD).peak, U256::ZERO);
    }

    #[test]
    fn window_bounds() {
        assert_eq!(check_window(DEFAULT_DRAWDOWN_WINDOW), Ok(DAY));
        assert_eq!(check_window(HOUR), Ok(HOUR));
        assert_eq!(check_window(7 * DAY), Ok(604_800));
        assert_eq!(check_window(HOUR - 1), Err(CoreError::InvalidParameter));
        assert_eq!(check_window(7 * DAY + 1), Err(CoreError::InvalidParameter));
    }

    proptest! {
        #[test]
        fn drawdown_is_a_fraction(peak in crate::math::fixed::tests::any_u256(), balance in any_i256()) {
            let d = drawdown(peak, balance);
            prop_assert!(d <= WAD);
            if !peak.is_zero() && !balance.is_positive() {
                prop_assert_eq!(d, WAD);
            }
            if peak.is_zero() || positive_part(balance) >= peak {
                prop_assert_eq!(d, U256::ZERO);
            }
        }

        #[test]
        fn falling_balance_never_lowers_drawdown(
            start in 0u64..1_000_000,
            first in any_i256(),
            steps in proptest::collection::vec((0u64..3_600, 0u128..u128::MAX), 1..16),
        ) {
            let w = DEFAULT_DRAWDOWN_WINDOW;
            let mut s = observe(DrawdownState::default(), first, start + w, w);
            let mut balance = first;
            let mut now = start + w;
            let mut last = drawdown(s.peak, balance);
            for (dt, fall) in steps {
                now += dt;
                // Only within the window (16 steps of < 1 h stay inside 24 h).
                balance = balance.saturating_sub(I256::try_from(fall).unwrap());
                let (next, d) = drawdown_at(s, balance, now, w);
                prop_assert_eq!(next.peak, s.peak);
                prop_assert_eq!(next.window_start, s.window_start);
                prop_assert!(d >= last);
                prop_assert!(d <= WAD);
                s = next;
                last = d;
            }
        }

        #[test]
        fn rolls_exactly_at_window_end(
            start in 0u64..u64::MAX / 2,
            window in MIN_DRAWDOWN_WINDOW..=MAX_DRAWDOWN_WINDOW,
            peak in crate::math::fixed::tests::any_u256(),
            balance in any_i256(),
        ) {
            let s = DrawdownState { window_start: start, peak };
            let inside = observe(s, balance, start + window - 1, window);
            prop_assert_eq!(inside.window_start, start);
            prop_assert_eq!(inside.peak, peak.max(positive_part(balance)));
            let rolled = observe(s, balance, start + window, window);
            prop_assert_eq!(rolled.window_start, start + window);
            prop_assert_eq!(rolled.peak, positive_part(balance));
        }

        #[test]
        fn peak_bounds_the_balance(
            start in 0u64..1_000_000,
            obs in proptest::collection::vec((0u64..100_000, any_i256()), 1..16),
        ) {
            let w = HOUR;
            let mut s = DrawdownState { window_start: start, peak: U256::ZERO };
            let mut now = start;
            for (dt, b) in obs {
                now += dt;
                s = observe(s, b, now, w);
                prop_assert!(s.peak >= positive_part(b));
                prop_assert!(s.window_start <= now);
                prop_assert!(now < s.window_start + w);
            }
        }
    }
}
