//! Circuit-breaker time rules (DESIGN section 8): trips, cooldowns, post-reset grace, the
//! price-move window, the liquidation rate limit and the insurance drawdown trigger.
//!
//! Every function takes the current time `now` (seconds) explicitly and works on plain values;
//! the CircuitBreaker contract stores them.
//!
//! # Scopes and their status
//!
//! A [`Scope`] is either one asset or the whole system (global). Its [`status`] is
//!
//! - [`Status::Halted`] while `now < tripped_until` after a trip. Automatic trips
//!   ([`TripReason::PriceMove`], [`TripReason::RateLimit`]) last a cooldown; manual and drawdown
//!   trips last until governance resets them (`tripped_until == `[`UNTIL_RESET`]);
//! - [`Status::GraceOnly`] while `now < grace_until`: after a reset, and after an automatic trip
//!   ends, only deeply unhealthy accounts ([`deeply_unhealthy`]) may be liquidated, so users get
//!   time to add margin;
//! - [`Status::Allowed`] otherwise.
//!
//! # Triggers
//!
//! - **Price move** ([`observe_price`]): the reference price is replaced by the observed price
//!   when it is unset or at least a window old; a price more than `max_move` away from a fresh
//!   reference trips (and then becomes the new reference, so that the same move does not trip
//!   again once the cooldown is over).
//! - **Liquidation rate** ([`record_liquidation`]): liquidated notional in a rolling window may not
//!   exceed a share of open interest; the window restarts at the first liquidation at or after
//!   `start + window`.
//! - **Insurance drawdown** ([`drawdown_trips`]): a drawdown above the trip level trips globally,
//!   unless governance acknowledged that drawdown level when it reset the breaker.

use crate::fixed::{mul_div, u256, Rounding, WAD};
use crate::governance::{ParamRule, RaisesRisk};
use crate::params::{
    DAY, DEFAULT_BREAKER_COOLDOWN, DEFAULT_BREAKER_MOVE, DEFAULT_BREAKER_WINDOW,
    DEFAULT_DRAWDOWN_TRIP, DEFAULT_LIQ_RATE_LIMIT, DEFAULT_LIQ_RATE_WINDOW,
    DEFAULT_POST_RESET_GRACE, HOUR, MAX_BREAKER_COOLDOWN, MAX_BREAKER_MOVE, MAX_BREAKER_WINDOW,
    MAX_DRAWDOWN_TRIP, MAX_LIQ_RATE_LIMIT, MAX_POST_RESET_GRACE, MIN_BREAKER_COOLDOWN,
    MIN_BREAKER_MOVE, MIN_BREAKER_WINDOW, MIN_DRAWDOWN_TRIP, MIN_LIQ_RATE_LIMIT,
    MIN_POST_RESET_GRACE,
};
use alloy_primitives::{I256, U256};

/// `tripped_until` of a trip that lasts until governance resets it.
pub const UNTIL_RESET: u64 = u64::MAX;

/// Lower bound of the liquidation rate window (5 minutes, as the price-move window).
pub const MIN_LIQ_RATE_WINDOW: u64 = 300;
/// Upper bound of the liquidation rate window (24 hours, as the price-move window).
pub const MAX_LIQ_RATE_WINDOW: u64 = DAY;

/// Why a scope was tripped. The discriminants are stable `uint8` codes for contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TripReason {
    /// Not tripped.
    #[default]
    None = 0,
    /// The asset's price moved more than the trigger within the window (automatic, cooldown).
    PriceMove = 1,
    /// The liquidation rate limit (automatic, cooldown). The CircuitBreaker contract throttles
    /// instead of tripping, so its scopes never hold this reason.
    RateLimit = 2,
    /// The insurance fund's drawdown exceeded the trip level (until reset).
    Drawdown = 3,
    /// Tripped by the guardian (until reset).
    Manual = 4,
}

impl TripReason {
    /// The reason with code `code`, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::None),
            1 => Some(Self::PriceMove),
            2 => Some(Self::RateLimit),
            3 => Some(Self::Drawdown),
            4 => Some(Self::Manual),
            _ => None,
        }
    }

    /// Whether a trip for this reason ends by itself after the cooldown.
    pub const fn is_automatic(self) -> bool {
        matches!(self, Self::PriceMove | Self::RateLimit)
    }
}

/// Breaker state of one scope (an asset, or global).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope {
    /// Reason of the latest trip ([`TripReason::None`] after a reset).
    pub reason: TripReason,
    /// The scope is halted while `now < tripped_until`; [`UNTIL_RESET`] for trips that last
    /// until a reset, 0 when never tripped or reset.
    pub tripped_until: u64,
    /// Only deeply unhealthy accounts may be liquidated while `now < grace_until`.
    pub grace_until: u64,
}

/// What a scope allows at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Liquidations are allowed.
    Allowed,
    /// Liquidations are halted until `until` ([`UNTIL_RESET`]: until governance resets).
    Halted {
        /// Why.
        reason: TripReason,
        /// First second at which the halt is over.
        until: u64,
    },
    /// Only deeply unhealthy accounts may be liquidated until `until`.
    GraceOnly {
        /// First second after the grace period.
        until: u64,
    },
}

/// The status of `scope` at `now`.
pub fn status(scope: &Scope, now: u64) -> Status {
    if scope.reason != TripReason::None && now < scope.tripped_until {
        Status::Halted {
            reason: scope.reason,
            until: scope.tripped_until,
        }
    } else if now < scope.grace_until {
        Status::GraceOnly {
            until: scope.grace_until,
        }
    } else {
        Status::Allowed
    }
}

/// Trips `scope` at `now` for `reason`: automatic reasons halt for `cooldown` seconds and are
/// followed by `grace` seconds of grace; the others halt until [`reset`].
///
/// Returns `None` (nothing to record) when `reason` is [`TripReason::None`] or when a trip in
/// force already lasts at least as long, so that an automatic trip never shortens a manual one.
pub fn trip(
    scope: &Scope,
    reason: TripReason,
    now: u64,
    cooldown: u64,
    grace: u64,
) -> Option<Scope> {
    if reason == TripReason::None {
        return None;
    }
    let (until, grace_until) = if reason.is_automatic() {
        let until = now.saturating_add(cooldown).min(UNTIL_RESET - 1);
        (until, until.saturating_add(grace))
    } else {
        (UNTIL_RESET, 0)
    };
    if let Status::Halted { until: current, .. } = status(scope, now) {
        if current >= until {
            return None;
        }
    }
    Some(Scope {
        reason,
        tripped_until: until,
        grace_until,
    })
}

/// Resets a halted `scope` at `now` (any reason) and starts `grace` seconds of grace.
///
/// Returns `None` when the scope is not halted at `now`.
pub fn reset(scope: &Scope, now: u64, grace: u64) -> Option<Scope> {
    match status(scope, now) {
        Status::Halted { .. } => Some(Scope {
            reason: TripReason::None,
            tripped_until: 0,
            grace_until: now.saturating_add(grace),
        }),
        _ => None,
    }
}

/// Result of one price observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceCheck {
    /// The reference price after the observation.
    pub reference: U256,
    /// When the reference was taken.
    pub reference_time: u64,
    /// Whether the price moved more than the trigger from a fresh reference.
    pub moved: bool,
}

/// Observes `price` at `now` against the reference `(reference, reference_time)`.
///
/// - A reference that is zero (unset) or at least `window` seconds old
///   (`now >= reference_time + window`) is replaced by `(price, now)`; nothing moves.
/// - Otherwise the price moved when `|price - reference| / reference > max_move` (exact, WAD);
///   then `(price, now)` becomes the reference. A move too large to express in WAD counts as
///   moved. Without a move the reference stays.
pub fn observe_price(
    reference: U256,
    reference_time: u64,
    price: U256,
    now: u64,
    window: u64,
    max_move: U256,
) -> PriceCheck {
    let fresh = PriceCheck {
        reference: price,
        reference_time: now,
        moved: false,
    };
    if reference.is_zero() || now >= reference_time.saturating_add(window) {
        return fresh;
    }
    let diff = price.abs_diff(reference);
    // ceil(diff / reference) > max_move  <=>  diff / reference > max_move (exactly).
    let moved = match mul_div(diff, WAD, reference, Rounding::Up) {
        Ok(fraction) => fraction > max_move,
        Err(_) => true,
    };
    if moved {
        PriceCheck {
            moved: true,
            ..fresh
        }
    } else {
        PriceCheck {
            reference,
            reference_time,
            moved: false,
        }
    }
}

/// The rolling liquidation window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateWindow {
    /// When the window started.
    pub start: u64,
    /// Notional liquidated since `start`.
    pub total: U256,
}

/// A liquidation refused by the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    /// The window total the liquidation would have made (saturating).
    pub window_total: U256,
    /// The cap of the window.
    pub cap: U256,
}

/// The window at `now`: a new empty one starting at `now` once `now >= start + window`.
pub fn roll(state: RateWindow, now: u64, window: u64) -> RateWindow {
    if now >= state.start.saturating_add(window) {
        RateWindow {
            start: now,
            total: U256::ZERO,
        }
    } else {
        state
    }
}

/// The window cap `open_interest * max_share` (WAD share, rounded down; saturates at
/// `U256::MAX`).
pub fn rate_cap(open_interest: U256, max_share: U256) -> U256 {
    mul_div(open_interest, max_share, WAD, Rounding::Down).unwrap_or(U256::MAX)
}

/// Adds a liquidation of `notional` at `now` to the rolling window (rolled first, see [`roll`]).
///
/// # Errors
/// [`RateLimited`] when the window total would exceed `open_interest * max_share` ([`rate_cap`]);
/// the window is then unchanged.
pub fn record_liquidation(
    state: RateWindow,
    notional: U256,
    open_interest: U256,
    now: u64,
    window: u64,
    max_share: U256,
) -> Result<RateWindow, RateLimited> {
    let rolled = roll(state, now, window);
    let cap = rate_cap(open_interest, max_share);
    let total = rolled.total.saturating_add(notional);
    if total > cap {
        return Err(RateLimited {
            window_total: total,
            cap,
        });
    }
    Ok(RateWindow {
        start: rolled.start,
        total,
    })
}

/// Whether the insurance fund's `drawdown` (WAD fraction) trips the global scope: above
/// `trip_level` and above the level `acknowledged` by governance at its last reset.
pub fn drawdown_trips(drawdown: U256, trip_level: U256, acknowledged: U256) -> bool {
    drawdown > trip_level && drawdown > acknowledged
}

/// Whether an account is deeply unhealthy: `equity < maintenance / 2` (exact, no rounding).
pub fn deeply_unhealthy(equity: I256, maintenance: U256) -> bool {
    if equity.is_negative() {
        return true;
    }
    // equity >= 0 fits 255 bits, so twice it fits U256.
    equity.into_raw() << 1 < maintenance
}

/// Breaker parameter codes (`uint8` in the contract's setter and errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BreakerParam {
    /// Price-move trigger, WAD fraction.
    MaxMove = 1,
    /// Price-move window, seconds.
    Window = 2,
    /// Cooldown of automatic trips, seconds.
    Cooldown = 3,
    /// Liquidated notional per window as a WAD share of open interest.
    RateLimit = 4,
    /// Rolling window of the rate limit, seconds.
    RateWindow = 5,
    /// Insurance drawdown that trips globally, WAD fraction.
    DrawdownTrip = 6,
    /// Grace after a reset or the end of an automatic trip, seconds.
    PostResetGrace = 7,
}

impl BreakerParam {
    /// Every parameter, in code order.
    pub const ALL: [Self; 7] = [
        Self::MaxMove,
        Self::Window,
        Self::Cooldown,
        Self::RateLimit,
        Self::RateWindow,
        Self::DrawdownTrip,
        Self::PostResetGrace,
    ];

    /// The parameter with code `code`, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| *p as u8 == code)
    }

    /// Inclusive hard bounds `(min, max)` (durations as `U256` seconds).
    pub fn bounds(self) -> (U256, U256) {
        let s = |a: u64, b: u64| (U256::from(a), U256::from(b));
        match self {
            Self::MaxMove => (MIN_BREAKER_MOVE, MAX_BREAKER_MOVE),
            Self::Window => s(MIN_BREAKER_WINDOW, MAX_BREAKER_WINDOW),
            Self::Cooldown => s(MIN_BREAKER_COOLDOWN, MAX_BREAKER_COOLDOWN),
            Self::RateLimit => (MIN_LIQ_RATE_LIMIT, MAX_LIQ_RATE_LIMIT),
            Self::RateWindow => s(MIN_LIQ_RATE_WINDOW, MAX_LIQ_RATE_WINDOW),
            Self::DrawdownTrip => (MIN_DRAWDOWN_TRIP, MAX_DRAWDOWN_TRIP),
            Self::PostResetGrace => s(MIN_POST_RESET_GRACE, MAX_POST_RESET_GRACE),
        }
    }

    /// The default value (durations as `U256` seconds).
    pub fn default_value(self) -> U256 {
        match self {
            Self::MaxMove => DEFAULT_BREAKER_MOVE,
            Self::Window => U256::from(DEFAULT_BREAKER_WINDOW),
            Self::Cooldown => U256::from(DEFAULT_BREAKER_COOLDOWN),
            Self::RateLimit => DEFAULT_LIQ_RATE_LIMIT,
            Self::RateWindow => U256::from(DEFAULT_LIQ_RATE_WINDOW),
            Self::DrawdownTrip => DEFAULT_DRAWDOWN_TRIP,
            Self::PostResetGrace => U256::from(DEFAULT_POST_RESET_GRACE),
        }
    }

    /// Whether `value` lies within [`Self::bounds`].
    pub fn in_bounds(self, value: U256) -> bool {
        let (lo, hi) = self.bounds();
        lo <= value && value <= hi
    }

    /// The governance rule of the parameter (DESIGN section 11): its [`Self::bounds`], the
    /// largest step of one change, one day between changes, and which direction raises risk.
    /// Loosening the breaker raises risk: a larger move trigger, rate limit or drawdown trip,
    /// and a shorter window, cooldown, rate window or post-reset grace.
    ///
    /// | parameter | step |
    /// |---|---|
    /// | price move | 5 pp |
    /// | window, rate window | 1 h |
    /// | cooldown | 30 min |
    /// | rate limit | 20 pp |
    /// | drawdown trip | 10 pp |
    /// | post-reset grace | 15 min |
    pub fn rule(self) -> ParamRule {
        const PP: u128 = 10_000_000_000_000_000;
        let (min, max) = self.bounds();
        let (step, raises_risk) = match self {
            Self::MaxMove => (u256(5 * PP), RaisesRisk::Increase),
            Self::Window | Self::RateWindow => (U256::from(HOUR), RaisesRisk::Decrease),
            Self::Cooldown => (U256::from(1_800u64), RaisesRisk::Decrease),
            Self::RateLimit => (u256(20 * PP), RaisesRisk::Increase),
            Self::DrawdownTrip => (u256(10 * PP), RaisesRisk::Increase),
            Self::PostResetGrace => (U256::from(900u64), RaisesRisk::Decrease),
        };
        ParamRule {
            min,
            max,
            max_step: step,
            min_interval: DAY,
            raises_risk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::u256;
    use proptest::prelude::*;

    const T0: u64 = 1_735_689_600;

    fn pct(x: u64) -> U256 {
        U256::from(x) * WAD / U256::from(100)
    }

    fn wad(x: u64) -> U256 {
        U256::from(x) * WAD
    }

    #[test]
    fn reason_codes() {
        for (code, r) in [
            (0, TripReason::None),
            (1, TripReason::PriceMove),
            (2, TripReason::RateLimit),
            (3, TripReason::Drawdown),
            (4, TripReason::Manual),
        ] {
            assert_eq!(r as u8, code);
            assert_eq!(TripReason::from_code(code), Some(r));
        }
        assert_eq!(TripReason::from_code(5), None);
        assert!(TripReason::PriceMove.is_automatic());
        assert!(TripReason::RateLimit.is_automatic());
        assert!(!TripReason::Drawdown.is_automatic());
        assert!(!TripReason::Manual.is_automatic());
        assert!(!TripReason::None.is_automatic());
    }

    #[test]
    fn automatic_trip_cooldown_then_grace() {
        let s = trip(&Scope::default(), TripReason::PriceMove, T0, 1_800, 900).unwrap();
        assert_eq!(
            s,
            Scope {
                reason: TripReason::PriceMove,
                tripped_until: T0 + 1_800,
                grace_until: T0 + 2_700
            }
        );
        let halted = Status::Halted {
            reason: TripReason::PriceMove,
            until: T0 + 1_800,
        };
        assert_eq!(status(&s, T0), halted);
        assert_eq!(status(&s, T0 + 1_799), halted);
        assert_eq!(
            status(&s, T0 + 1_800),
            Status::GraceOnly { until: T0 + 2_700 }
        );
        assert_eq!(
            status(&s, T0 + 2_699),
            Status::GraceOnly { until: T0 + 2_700 }
        );
        assert_eq!(status(&s, T0 + 2_700), Status::Allowed);
        // Expired: nothing to reset.
        assert_eq!(reset(&s, T0 + 1_800, 900), None);
    }

    #[test]
    fn manual_trip_lasts_until_reset() {
        let s = trip(&Scope::default(), TripReason::Manual, T0, 1_800, 900).unwrap();
        assert_eq!(
            s,
            Scope {
                reason: TripReason::Manual,
                tripped_until: UNTIL_RESET,
                grace_until: 0
            }
        );
        let halted = Status::Halted {
            reason: TripReason::Manual,
            until: UNTIL_RESET,
        };
        assert_eq!(status(&s, T0 + 365 * DAY), halted);
        // An automatic trip does not shorten it; a second manual trip changes nothing.
        assert_eq!(trip(&s, TripReason::PriceMove, T0 + 5, 1_800, 900), None);
        assert_eq!(trip(&s, TripReason::Manual, T0 + 5, 1_800, 900), None);
        assert_eq!(trip(&s, TripReason::None, T0 + 5, 1_800, 900), None);
        let r = reset(&s, T0 + 100, 900).unwrap();
        assert_eq!(
            r,
            Scope {
                reason: TripReason::None,
                tripped_until: 0,
                grace_until: T0 + 1_000
            }
        );
        assert_eq!(
            status(&r, T0 + 999),
            Status::GraceOnly { until: T0 + 1_000 }
        );
        assert_eq!(status(&r, T0 + 1_000), Status::Allowed);
        assert_eq!(reset(&r, T0 + 100, 900), None);
    }

    #[test]
    fn manual_trip_replaces_an_automatic_one() {
        let a = trip(&Scope::default(), TripReason::PriceMove, T0, 1_800, 900).unwrap();
        let m = trip(&a, TripReason::Drawdown, T0 + 10, 1_800, 900).unwrap();
        assert_eq!(m.reason, TripReason::Drawdown);
        assert_eq!(m.tripped_until, UNTIL_RESET);
        // A later automatic trip extends a running cooldown.
        let b = trip(&a, TripReason::PriceMove, T0 + 60, 1_800, 900).unwrap();
        assert_eq!(b.tripped_until, T0 + 1_860);
        assert_eq!(b.grace_until, T0 + 2_760);
        // Admin may end an automatic trip early.
        let r = reset(&a, T0 + 60, 0).unwrap();
        assert_eq!(status(&r, T0 + 60), Status::Allowed);
    }

    #[test]
    fn price_window() {
        let w = 3_600;
        let m = pct(20);
        // Unset reference: taken, no move.
        assert_eq!(
            observe_price(U256::ZERO, 0, wad(3000), T0, w, m),
            PriceCheck {
                reference: wad(3000),
                reference_time: T0,
                moved: false
            }
        );
        // Exactly 20 % is not more than 20 %.
        let c = observe_price(wad(3000), T0, wad(3600), T0 + 3_599, w, m);
        assert_eq!(
            c,
            PriceCheck {
                reference: wad(3000),
                reference_time: T0,
                moved: false
            }
        );
        let c = observe_price(wad(3000), T0, wad(2400), T0 + 10, w, m);
        assert!(!c.moved);
        // One wei beyond trips, down or up; the new price becomes the reference.
        let c = observe_price(wad(3000), T0, wad(3600) + u256(1), T0 + 10, w, m);
        assert_eq!(
            c,
            PriceCheck {
                reference: wad(3600) + u256(1),
                reference_time: T0 + 10,
                moved: true
            }
        );
        assert!(observe_price(wad(3000), T0, wad(2400) - u256(1), T0 + 10, w, m).moved);
        // A reference a full window old is replaced instead.
        assert_eq!(
            observe_price(wad(3000), T0, wad(1000), T0 + 3_600, w, m),
            PriceCheck {
                reference: wad(1000),
                reference_time: T0 + 3_600,
                moved: false
            }
        );
        // Astronomic moves count as moved.
        assert!(observe_price(u256(1), T0, U256::MAX, T0 + 1, w, m).moved);
    }

    #[test]
    fn rate_limit() {
        let oi = wad(1_000_000);
        let share = pct(20);
        assert_eq!(rate_cap(oi, share), wad(200_000));
        assert_eq!(rate_cap(U256::MAX, WAD), U256::MAX);
        let s =
            record_liquidation(RateWindow::default(), wad(150_000), oi, T0, 3_600, share).unwrap();
        assert_eq!(
            s,
            RateWindow {
                start: T0,
                total: wad(150_000)
            }
        );
        let s = record_liquidation(s, wad(50_000), oi, T0 + 100, 3_600, share).unwrap();
        assert_eq!(s.total, wad(200_000));
        assert_eq!(
            record_liquidation(s, u256(1), oi, T0 + 3_599, 3_600, share),
            Err(RateLimited {
                window_total: wad(200_000) + u256(1),
                cap: wad(200_000)
            })
        );
        let s = record_liquidation(s, wad(10), oi, T0 + 3_600, 3_600, share).unwrap();
        assert_eq!(
            s,
            RateWindow {
                start: T0 + 3_600,
                total: wad(10)
            }
        );
        // No open interest: nothing may be liquidated but zero, and a total above the (lower)
        // cap refuses even zero until the window rolls.
        let later = T0 + 7_200;
        assert!(record_liquidation(s, u256(1), U256::ZERO, later, 3_600, share).is_err());
        assert!(record_liquidation(s, U256::ZERO, U256::ZERO, T0 + 3_601, 3_600, share).is_err());
        assert_eq!(
            record_liquidation(s, U256::ZERO, U256::ZERO, later, 3_600, share),
            Ok(RateWindow {
                start: later,
                total: U256::ZERO
            })
        );
    }

    #[test]
    fn drawdown_and_health() {
        assert!(!drawdown_trips(pct(30), pct(30), U256::ZERO));
        assert!(drawdown_trips(pct(31), pct(30), U256::ZERO));
        assert!(!drawdown_trips(pct(31), pct(30), pct(31)));
        assert!(drawdown_trips(pct(32), pct(30), pct(31)));

        let m = wad(100);
        let s = |x: i64| I256::try_from(x).unwrap() * I256::from_raw(WAD);
        assert!(deeply_unhealthy(s(49), m));
        assert!(!deeply_unhealthy(s(50), m));
        assert!(deeply_unhealthy(s(50) - I256::ONE, m));
        assert!(deeply_unhealthy(s(-1), m));
        assert!(deeply_unhealthy(s(-1), U256::ZERO));
        assert!(!deeply_unhealthy(I256::ZERO, U256::ZERO));
        assert!(deeply_unhealthy(I256::MAX, U256::MAX));
        assert!(!deeply_unhealthy(I256::MAX, U256::MAX - u256(1)));
        assert!(deeply_unhealthy(I256::ZERO, u256(1)));
    }

    #[test]
    fn parameters() {
        for (i, p) in BreakerParam::ALL.into_iter().enumerate() {
            assert_eq!(p as u8, i as u8 + 1);
            assert_eq!(BreakerParam::from_code(i as u8 + 1), Some(p));
            assert!(p.in_bounds(p.default_value()));
            let r = p.rule();
            assert_eq!((r.min, r.max), p.bounds());
            assert!(!r.max_step.is_zero() && r.max_step < r.max - r.min);
            assert_eq!(r.min_interval, DAY);
            // Loosening raises risk: up for the triggers and limits, down for the durations.
            let up = matches!(
                p,
                BreakerParam::MaxMove | BreakerParam::RateLimit | BreakerParam::DrawdownTrip
            );
            assert!(r.raises_risk.when(up) && !r.raises_risk.when(!up));
            let (lo, hi) = p.bounds();
            assert!(!p.in_bounds(hi + u256(1)));
            if !lo.is_zero() {
                assert!(!p.in_bounds(lo - u256(1)));
            }
        }
        assert_eq!(BreakerParam::from_code(0), None);
        assert_eq!(BreakerParam::from_code(8), None);
        assert_eq!(BreakerParam::MaxMove.default_value(), pct(20));
        assert_eq!(BreakerParam::Window.default_value(), U256::from(3_600));
        assert_eq!(BreakerParam::Cooldown.default_value(), U256::from(1_800));
        assert_eq!(BreakerParam::RateLimit.default_value(), pct(20));
        assert_eq!(BreakerParam::RateWindow.default_value(), U256::from(3_600));
        assert_eq!(BreakerParam::DrawdownTrip.default_value(), pct(30));
        assert_eq!(
            BreakerParam::PostResetGrace.default_value(),
            U256::from(900)
        );
        assert_eq!(
            BreakerParam::RateWindow.bounds(),
            (U256::from(300), U256::from(86_400))
        );
    }

    fn reason() -> impl Strategy<Value = TripReason> {
        prop_oneof![
            Just(TripReason::PriceMove),
            Just(TripReason::RateLimit),
            Just(TripReason::Drawdown),
            Just(TripReason::Manual),
        ]
    }

    proptest! {
        #[test]
        fn a_trip_blocks_until_its_end_then_grace_then_allowed(
            r in reason(),
            now in 0u64..4_000_000_000,
            cooldown in 60u64..=86_400,
            grace in 0u64..=86_400,
            dt in 0u64..200_000,
        ) {
            let s = trip(&Scope::default(), r, now, cooldown, grace).unwrap();
            let t = now + dt;
            if r.is_automatic() {
                let end = now + cooldown;
                if t < end {
                    prop_assert_eq!(status(&s, t), Status::Halted { reason: r, until: end });
                } else if t < end + grace {
                    prop_assert_eq!(status(&s, t), Status::GraceOnly { until: end + grace });
                } else {
                    prop_assert_eq!(status(&s, t), Status::Allowed);
                }
                // After cooldown + grace everything is allowed.
                prop_assert_eq!(status(&s, end + grace + dt), Status::Allowed);
            } else {
                prop_assert_eq!(status(&s, t), Status::Halted { reason: r, until: UNTIL_RESET });
                let reset_at = t;
                let z = reset(&s, reset_at, grace).unwrap();
                if dt % 2 == 0 && grace > 0 {
                    prop_assert_eq!(
                        status(&z, reset_at + grace - 1),
                        Status::GraceOnly { until: reset_at + grace }
                    );
                }
                prop_assert_eq!(status(&z, reset_at + grace + dt), Status::Allowed);
            }
        }

        #[test]
        fn rate_limit_never_exceeds_cap_and_rolls_exactly(
            oi in 0u128..1_000_000_000_000_000_000_000_000,
            share in 10_000_000_000_000_000u128..=1_000_000_000_000_000_000,
            window in 300u64..=86_400,
            steps in proptest::collection::vec((0u128..300_000_000_000_000_000_000_000, 0u64..2_000), 1..40),
        ) {
            let oi = U256::from(oi);
            let share = U256::from(share);
            let cap = rate_cap(oi, share);
            let mut s = RateWindow::default();
            let mut now = T0;
            for (notional, dt) in steps {
                now += dt;
                let notional = U256::from(notional);
                let rolls = now >= s.start + window;
                let base = if rolls { U256::ZERO } else { s.total };
                match record_liquidation(s, notional, oi, now, window, share) {
                    Ok(n) => {
                        prop_assert!(n.total <= cap);
                        prop_assert_eq!(n.total, base + notional);
                        prop_assert_eq!(n.start, if rolls { now } else { s.start });
                        s = n;
                    }
                    Err(e) => {
                        prop_assert_eq!(e, RateLimited { window_total: base + notional, cap });
                        prop_assert!(base + notional > cap);
                    }
                }
                // One second before the window ends it has not rolled; at the end it has.
                prop_assert_eq!(roll(s, s.start + window - 1, window), s);
                prop_assert_eq!(
                    roll(s, s.start + window, window),
                    RateWindow { start: s.start + window, total: U256::ZERO }
                );
            }
        }

        #[test]
        fn price_move_is_exact(
            reference in 1u128..1_000_000_000_000_000_000_000_000,
            price in 0u128..1_000_000_000_000_000_000_000_000,
            max_move in 20_000_000_000_000_000u128..=900_000_000_000_000_000,
            age in 0u64..7_200,
        ) {
            let w = 3_600;
            let (r, p, m) = (U256::from(reference), U256::from(price), U256::from(max_move));
            let c = observe_price(r, T0, p, T0 + age, w, m);
            if age >= w {
                prop_assert_eq!(c, PriceCheck { reference: p, reference_time: T0 + age, moved: false });
            } else {
                let moved = p.abs_diff(r) * WAD > m * r;
                prop_assert_eq!(c.moved, moved);
                if moved {
                    prop_assert_eq!((c.reference, c.reference_time), (p, T0 + age));
                } else {
                    prop_assert_eq!((c.reference, c.reference_time), (r, T0));
                }
            }
        }

        #[test]
        fn deeply_unhealthy_is_half_maintenance(
            equity in -1_000_000_000_000_000_000_000i128..1_000_000_000_000_000_000_000,
            maintenance in 0u128..2_000_000_000_000_000_000_000,
        ) {
            let e = I256::try_from(equity).unwrap();
            prop_assert_eq!(
                deeply_unhealthy(e, U256::from(maintenance)),
                equity * 2 < maintenance as i128
            );
        }
    }
}
