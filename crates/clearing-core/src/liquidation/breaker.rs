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
//! - **Liquidation rate** ([`record_liquidation`]): a sliding window. The window `W` is split
//!   into [`RATE_BUCKETS`] buckets of `B = ceil(W / 10)` seconds, kept in a ring of
//!   [`RATE_SLOTS`] (one more); a liquidation is admitted only if the notional of the current
//!   bucket and the ten before it, with its own, stays within the cap. **Bound: in any interval
//!   of one window length the liquidated notional is at most the cap** (the cap in force at the
//!   last liquidation admitted in the interval; exact, no excess), while the window parameter is
//!   unchanged. The price is conservatism: a liquidation counts for at least `W` and for less
//!   than `11 * B <= 1.1 * W + 11 s`.
//! - **Insurance drawdown** ([`drawdown_trips`]): a drawdown above the trip level trips globally,
//!   unless governance acknowledged that drawdown level when it reset the breaker.

use crate::governance::params::{
    DAY, DEFAULT_BREAKER_COOLDOWN, DEFAULT_BREAKER_MOVE, DEFAULT_BREAKER_WINDOW,
    DEFAULT_DRAWDOWN_TRIP, DEFAULT_LIQ_RATE_LIMIT, DEFAULT_LIQ_RATE_WINDOW,
    DEFAULT_POST_RESET_GRACE, HOUR, MAX_BREAKER_COOLDOWN, MAX_BREAKER_MOVE, MAX_BREAKER_WINDOW,
    MAX_DRAWDOWN_TRIP, MAX_LIQ_RATE_LIMIT, MAX_POST_RESET_GRACE, MIN_BREAKER_COOLDOWN,
    MIN_BREAKER_MOVE, MIN_BREAKER_WINDOW, MIN_DRAWDOWN_TRIP, MIN_LIQ_RATE_LIMIT,
    MIN_POST_RESET_GRACE,
};
use crate::governance::{ParamRule, RaisesRisk};
use crate::math::fixed::{mul_div, u256, Rounding, WAD};
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

/// Number of buckets one liquidation rate window is split into.
pub const RATE_BUCKETS: u64 = 10;
/// Slots of the ring of buckets: the [`RATE_BUCKETS`] of one window and the current one.
pub const RATE_SLOTS: usize = RATE_BUCKETS as usize + 1;

/// One bucket of the liquidation rate window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateBucket {
    /// Start of the bucket (a multiple of the bucket length when written), unix seconds.
    pub start: u64,
    /// Notional liquidated in it, WAD quote.
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

/// A liquidation admitted by the rate limit: write `bucket` into ring slot `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRecord {
    /// Index of the ring slot to write.
    pub slot: usize,
    /// The slot's new content.
    pub bucket: RateBucket,
    /// The window total including this liquidation.
    pub window_total: U256,
}

/// The bucket length of a rate window of `window` seconds: `ceil(window / 10)`, at least 1, so
/// that ten buckets cover at least the whole window.
pub const fn bucket_length(window: u64) -> u64 {
    let b = window.div_ceil(RATE_BUCKETS);
    if b == 0 {
        1
    } else {
        b
    }
}

/// `(current, since)`: the start of the bucket holding `now` and the start of the oldest bucket
/// still counted at `now` (ten bucket lengths earlier).
pub const fn counted_buckets(now: u64, window: u64) -> (u64, u64) {
    let b = bucket_length(window);
    let current = now - now % b;
    (current, current.saturating_sub(RATE_BUCKETS * b))
}

/// Whether `bucket` counts at `now`: it started at or after `since` and not after `now`.
const fn counts(bucket: &RateBucket, since: u64, now: u64) -> bool {
    bucket.start >= since && bucket.start <= now
}

/// The liquidated notional counted at `now` (saturating): the sum over the ring's buckets that
/// started within the current bucket and the ten before it ([`counted_buckets`]). Bounded: one
/// pass over [`RATE_SLOTS`] slots.
pub fn window_total(ring: &[RateBucket; RATE_SLOTS], now: u64, window: u64) -> U256 {
    let (_, since) = counted_buckets(now, window);
    ring.iter()
        .filter(|b| counts(b, since, now))
        .fold(U256::ZERO, |acc, b| acc.saturating_add(b.total))
}

/// The window cap `open_interest * max_share` (WAD share, rounded down; saturates at
/// `U256::MAX`).
pub fn rate_cap(open_interest: U256, max_share: U256) -> U256 {
    mul_div(open_interest, max_share, WAD, Rounding::Down).unwrap_or(U256::MAX)
}

/// Admits a liquidation of `notional` at `now` against the sliding window of the ring (see the
/// module docs): the notional counted at `now` ([`window_total`]) plus `notional` may not
/// exceed `open_interest * max_share` ([`rate_cap`]). On success it returns the one slot to
/// write: the current bucket (slot `(now / B) % 11`) with `notional` added. A slot that still
/// holds a counted older bucket (possible only after the window parameter changed) is merged
/// into the current one, which makes it count longer, never shorter.
///
/// **Bound**: with the window parameter unchanged, the liquidations admitted in any interval of
/// `window` seconds sum to at most the cap in force at the last of them. Proof: a liquidation at
/// `u > t - window` lies in a bucket starting at or after `(now - now % B) - 10 B` taken at `t`,
/// because `10 B >= window`; so at the last admission `t` of the interval, every earlier one in it
/// was counted. Each liquidation counts for at least `window` and less than
/// `11 B = 11 * ceil(window / 10)` seconds.
///
/// # Errors
/// [`RateLimited`] when the counted total plus `notional` would exceed the cap; nothing is to be
/// written then.
pub fn record_liquidation(
    ring: &[RateBucket; RATE_SLOTS],
    notional: U256,
    open_interest: U256,
    now: u64,
    window: u64,
    max_share: U256,
) -> Result<RateRecord, RateLimited> {
    let (current, since) = counted_buckets(now, window);
    let cap = rate_cap(open_interest, max_share);
    let total = window_total(ring, now, window).saturating_add(notional);
    if total > cap {
        return Err(RateLimited {
            window_total: total,
            cap,
        });
    }
    let slot = ((current / bucket_length(window)) % RATE_SLOTS as u64) as usize;
    let old = ring[slot];
    // The same bucket, or a counted one left by a different window length: carried over.
    let carried = if counts(&old, since, now) {
        old.total
    } else {
        U256::ZERO
    };
    Ok(RateRecord {
        slot,
        bucket: RateBucket {
            start: current,
            total: carried.saturating_add(notional),
        },
        window_total: total,
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
    use crate::math::fixed::u256;
    use proptest::prelude::*;

    const T0: u64 = 1_735_689_600;

    #[test]
    fn every_parameter_fits_64_bits() {
        // The CircuitBreaker stores its parameters in 64-bit fields.
        for p in BreakerParam::ALL {
            assert!(p.bounds().1 <= U256::from(u64::MAX), "{p:?}");
            assert!(p.default_value() <= p.bounds().1, "{p:?}");
        }
    }

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

    /// Applies a liquidation to `ring` when admitted.
    fn liquidate(
        ring: &mut [RateBucket; RATE_SLOTS],
        notional: U256,
        oi: U256,
        now: u64,
        window: u64,
        share: U256,
    ) -> Result<U256, RateLimited> {
        let r = record_liquidation(ring, notional, oi, now, window, share)?;
        ring[r.slot] = r.bucket;
        Ok(r.window_total)
    }

    #[test]
    fn rate_limit() {
        let oi = wad(1_000_000);
        let share = pct(20);
        assert_eq!(rate_cap(oi, share), wad(200_000));
        assert_eq!(rate_cap(U256::MAX, WAD), U256::MAX);
        assert_eq!(bucket_length(3_600), 360);
        assert_eq!(bucket_length(3_601), 361);
        assert_eq!(bucket_length(0), 1);
        let mut ring = [RateBucket::default(); RATE_SLOTS];
        assert_eq!(
            liquidate(&mut ring, wad(150_000), oi, T0, 3_600, share),
            Ok(wad(150_000))
        );
        assert_eq!(
            liquidate(&mut ring, wad(50_000), oi, T0 + 100, 3_600, share),
            Ok(wad(200_000))
        );
        let full = ring;
        assert_eq!(
            liquidate(&mut ring, u256(1), oi, T0 + 3_599, 3_600, share),
            Err(RateLimited {
                window_total: wad(200_000) + u256(1),
                cap: wad(200_000)
            })
        );
        assert_eq!(ring, full, "a refusal writes nothing");
        // A full window later the sliding window still holds them: the fixed window had rolled.
        assert!(liquidate(&mut ring, wad(10), oi, T0 + 3_600, 3_600, share).is_err());
        // Eleven bucket lengths after T0 they are gone.
        assert_eq!(
            liquidate(&mut ring, wad(10), oi, T0 + 3_960, 3_600, share),
            Ok(wad(10))
        );
        assert_eq!(window_total(&ring, T0 + 3_960, 3_600), wad(10));
        // No open interest: nothing but zero, and only once nothing counts.
        assert!(liquidate(&mut ring, u256(1), U256::ZERO, T0 + 9_000, 3_600, share).is_err());
        assert!(liquidate(&mut ring, U256::ZERO, U256::ZERO, T0 + 4_000, 3_600, share).is_err());
        assert_eq!(
            liquidate(&mut ring, U256::ZERO, U256::ZERO, T0 + 9_000, 3_600, share),
            Ok(U256::ZERO)
        );
    }

    /// The issue's schedule: with a 4 ETH limit per hour, 0.1 ETH at t0, 3.9 ETH at t0 + 3599 s
    /// and 4 ETH at t0 + 3600 s: the last is refused, whatever t0's place in its bucket.
    #[test]
    fn the_issue_schedule_is_refused() {
        // Open interest notional 60,000 (20 ETH at 3000), 20 %: 12,000 = 4 ETH.
        let (oi, share) = (wad(60_000), pct(20));
        for offset in [0, 1, 17, 180, 359] {
            let t0 = T0 - T0 % 360 + offset;
            let mut ring = [RateBucket::default(); RATE_SLOTS];
            liquidate(&mut ring, wad(300), oi, t0, 3_600, share).unwrap();
            liquidate(&mut ring, wad(11_700), oi, t0 + 3_599, 3_600, share).unwrap();
            assert_eq!(
                liquidate(&mut ring, wad(12_000), oi, t0 + 3_600, 3_600, share),
                Err(RateLimited {
                    window_total: wad(24_000),
                    cap: wad(12_000)
                })
            );
        }
    }

    #[test]
    fn a_changed_window_never_forgets() {
        let (oi, share) = (wad(1_000), pct(100));
        let mut ring = [RateBucket::default(); RATE_SLOTS];
        liquidate(&mut ring, wad(600), oi, T0, 3_600, share).unwrap();
        // The window shrinks to 30 min (buckets of 180 s): the 600 still count within it.
        assert_eq!(window_total(&ring, T0 + 1_000, 1_800), wad(600));
        // Writes that land on a slot holding a counted bucket carry it over.
        for k in 1..=11 {
            let now = T0 + 180 * k;
            let before = window_total(&ring, now, 1_800);
            let r = record_liquidation(&ring, U256::ZERO, oi, now, 1_800, share).unwrap();
            ring[r.slot] = r.bucket;
            assert!(window_total(&ring, now, 1_800) >= before);
        }
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

        /// The sliding window's bound over random schedules (times, notionals, open interest):
        /// in every interval of one window length starting at an admitted liquidation, the
        /// admitted notional is at most the cap in force at the last admission in it; and a
        /// refusal happens only when the notional admitted in the last `11 B` seconds plus the
        /// refused one exceeds the cap (no more than 10 % of a window of extra memory).
        #[test]
        fn sliding_window_bound_holds_across_edges(
            oi_steps in proptest::collection::vec(1u64..2_000, 1..4),
            share in 10_000_000_000_000_000u128..=1_000_000_000_000_000_000,
            window in 300u64..=86_400,
            steps in proptest::collection::vec((1u64..600, 0u64..1_500, 0usize..4), 1..80),
        ) {
            let share = U256::from(share);
            let b = bucket_length(window);
            let mut ring = [RateBucket::default(); RATE_SLOTS];
            // (time, notional, cap at that time) of each admitted liquidation.
            let mut admitted: Vec<(u64, U256, U256)> = Vec::new();
            let mut now = T0;
            for (notional, dt, oi_pick) in steps {
                // Times cluster around bucket and window edges as well as in between.
                now += match dt % 3 {
                    0 => dt,
                    1 => window - 1 + dt % 3,
                    _ => b - 1 + dt % 2,
                } % (window + 1);
                let oi = wad(oi_steps[oi_pick % oi_steps.len()]);
                let cap = rate_cap(oi, share);
                let notional = wad(notional);
                match record_liquidation(&ring, notional, oi, now, window, share) {
                    Ok(r) => {
                        ring[r.slot] = r.bucket;
                        admitted.push((now, notional, cap));
                        prop_assert!(r.window_total <= cap);
                    }
                    Err(e) => {
                        prop_assert_eq!(e.cap, cap);
                        let recent: U256 = admitted
                            .iter()
                            .filter(|(t, _, _)| *t + 11 * b > now)
                            .map(|(_, n, _)| *n)
                            .sum();
                        prop_assert!(recent + notional > cap);
                    }
                }
            }
            for (i, (start, _, _)) in admitted.iter().enumerate() {
                let inside: Vec<_> = admitted[i..].iter().filter(|(t, _, _)| *t < start + window).collect();
                let sum: U256 = inside.iter().map(|(_, n, _)| *n).sum();
                let last_cap = inside.last().unwrap().2;
                prop_assert!(sum <= last_cap, "{} in [{}, +{}) over cap {}", sum, start, window, last_cap);
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
