//! CircuitBreaker: gates liquidations per asset and globally (DESIGN section 8).
//!
//! The breaker is consulted **only by liquidations**: deposits, closing fills and margin top-ups
//! never ask it, so halts never block risk-reducing actions.
//!
//! # Scopes
//!
//! Each asset is a scope, and the zero address is the global scope. A scope is *halted* after a
//! trip, then in *grace* (only deeply unhealthy accounts, equity below half of maintenance, may be
//! liquidated, so users get time to add margin), then allowed again
//! (`clearing_core::liquidation::breaker`). Triggers:
//!
//! - **price move** of an asset beyond the trigger (default 20 %) from its reference within the
//!   window (1 h): trips the asset for the cooldown (30 min), then the post-reset grace (15 min);
//! - **oracle stale, sequencer down or in its grace period**: the RiskModule's `price` reverts
//!   (`PriceStale`, `SequencerDown`, `SequencerGracePeriod`, ...) and the breaker passes that
//!   revert through unchanged;
//! - **liquidation rate**: liquidated notional in a global *sliding* window (1 h) may not exceed
//!   a share (20 %) of the open-interest notional the caller reports. The window is a ring of
//!   11 buckets of a tenth of the window (`clearing_core::liquidation::breaker::record_liquidation`): in any
//!   interval of one window length the liquidated notional is at most the cap in force at the
//!   last liquidation of the interval (exact; each liquidation counts for at least one window
//!   and less than 1.1 windows + 11 s). Exceeding it *throttles*: the liquidation is refused with
//!   [`LiquidationRateLimited`] until enough of the window has slid by. It does not trip a
//!   scope: the refusal reverts, so a trip could not be recorded, and the window total is itself
//!   the persistent state that keeps refusing;
//! - **insurance drawdown** above the trip level (30 %, over the fund's window): trips globally
//!   until the admin resets it. A reset acknowledges the drawdown level of that moment, so only a
//!   deeper drawdown trips again until the drawdown falls back to or below the trip level;
//! - **guardian**: trips any scope at once, until the admin resets it.
//!
//! # Recording trips: `poke`, `pokeGlobal`, `checkLiquidation`
//!
//! A trip recorded inside a call that then reverts would be rolled back with it, and a
//! liquidation that the breaker refuses must revert. So trips are recorded only by calls that
//! succeed: keepers call [`CircuitBreaker::poke`] (records the asset's price observation and
//! trips it on a move) and [`CircuitBreaker::poke_global`] (trips globally on a drawdown), both
//! permissionless; the guardian calls `trip`. [`CircuitBreaker::check_liquidation`] (the
//! liquidator role) only *reads* the trip conditions and reverts with a named error when one
//! holds ([`PriceMoveHalt`], [`DrawdownHalt`]), and on success records nothing but the
//! liquidated notional in the rate window.
//!
//! Automatic trips end by themselves after the cooldown; the admin resets manual and drawdown
//! trips (and may end an automatic trip early), which starts the post-reset grace.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64, U8};
use clearing_core::liquidation::breaker::{
    self, BreakerParam, RateBucket, Scope, Status, TripReason, RATE_SLOTS,
};
use clearing_core::{govern, next_change_at, ChangeError, Refusal};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    keccak_const::Keccak256,
    prelude::*,
    storage::{StorageAddress, StorageArray, StorageMap, StorageU256, StorageU64, StorageU8},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): parameters and resets.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("GUARDIAN_ROLE")`: may trip any scope.
pub const GUARDIAN_ROLE: [u8; 32] = Keccak256::new().update(b"GUARDIAN_ROLE").finalize();

/// `keccak256("RISK_ADMIN_ROLE")`: may tighten the breaker's parameters at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = Keccak256::new().update(b"RISK_ADMIN_ROLE").finalize();

/// `keccak256("LIQUIDATOR_ROLE")`: may call `checkLiquidation`.
pub const LIQUIDATOR_ROLE: [u8; 32] = Keccak256::new().update(b"LIQUIDATOR_ROLE").finalize();

/// The global scope's address.
pub const GLOBAL: Address = Address::ZERO;

/// Parameter codes of `setParameter` and [`ParameterOutOfBounds`]
/// (`clearing_core::BreakerParam as u8`).
pub mod param {
    /// Price-move trigger, WAD fraction (2 % .. 90 %, default 20 %).
    pub const MAX_MOVE: u8 = 1;
    /// Price-move window, seconds (5 min .. 24 h, default 1 h).
    pub const WINDOW: u8 = 2;
    /// Cooldown of automatic trips, seconds (1 min .. 24 h, default 30 min).
    pub const COOLDOWN: u8 = 3;
    /// Liquidated notional per window, WAD share of open interest (1 % .. 100 %, default 20 %).
    pub const RATE_LIMIT: u8 = 4;
    /// Rolling window of the rate limit, seconds (5 min .. 24 h, default 1 h).
    pub const RATE_WINDOW: u8 = 5;
    /// Insurance drawdown that trips globally, WAD fraction (5 % .. 100 %, default 30 %).
    pub const DRAWDOWN_TRIP: u8 = 6;
    /// Grace after a reset or the end of an automatic trip, seconds (0 .. 24 h, default 15 min).
    pub const POST_RESET_GRACE: u8 = 7;
}

/// Breaker state and price reference of one scope.
#[storage]
pub struct ScopeSlot {
    reason: StorageU8,
    tripped_until: StorageU64,
    grace_until: StorageU64,
    // With the times above: one slot.
    reference_time: StorageU64,
    reference: StorageU256,
}

/// The circuit breaker.
/// Parameter storage entries: codes 1 to 7 (`BreakerParam`), index 0 unused.
const PARAM_SLOTS: usize = 8;

#[storage]
#[entrypoint]
pub struct CircuitBreaker {
    access: AccessControl,
    risk: StorageAddress,
    fund: StorageAddress,
    /// The parameters by code (`BreakerParam`), 64 bits each, four per slot: their bounds
    /// (shares at most 1 WAD, durations at most 24 h) fit.
    params: StorageArray<StorageU64, PARAM_SLOTS>,
    scopes: StorageMap<Address, ScopeSlot>,
    /// The liquidation rate window's ring: start and notional of each bucket.
    rate_starts: StorageArray<StorageU64, RATE_SLOTS>,
    rate_totals: StorageArray<StorageU256, RATE_SLOTS>,
    acknowledged_drawdown: StorageU256,
    /// When each parameter last changed (0: never).
    changed_at: StorageMap<u8, StorageU64>,
}

sol_interface! {
    /// The risk module view the breaker reads (WAD price; reverts when not usable).
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
    }

    /// The insurance fund view the breaker reads: `(peak, balance, drawdown)`.
    interface IInsuranceFund {
        function drawdown() external view returns (uint256, int256, uint256);
    }
}

#[public]
impl CircuitBreaker {
    /// Wires the risk module and the insurance fund, grants `admin` the admin role and sets
    /// every parameter to its default, except the liquidation rate limit, which starts at
    /// `rate_limit` (a deployment choice within the hard bounds; DESIGN's default is 20 %).
    /// Later changes follow the parameter rules of `setParameter`.
    ///
    /// # Errors
    /// [`ParameterOutOfBounds`] for a rate limit outside 1 % ..= 100 %.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        risk_module: Address,
        insurance_fund: Address,
        rate_limit: U256,
    ) -> Result<(), BreakerError> {
        if !BreakerParam::RateLimit.in_bounds(rate_limit) {
            return Err(BreakerError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::RATE_LIMIT,
                value: rate_limit,
            }));
        }
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.risk.set(risk_module);
        self.fund.set(insurance_fund);
        for p in BreakerParam::ALL {
            self.set_param(p as u8, p.default_value());
        }
        self.set_param(param::RATE_LIMIT, rate_limit);
        Ok(())
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), BreakerError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), BreakerError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wired addresses: `(riskModule, insuranceFund)`.
    pub fn wiring(&self) -> (Address, Address) {
        (self.risk.get(), self.fund.get())
    }

    /// Checks that a liquidation of `notional` (WAD quote) on `asset` may proceed and records it
    /// in the global sliding window, whose cap is the rate-limit share of
    /// `openInterestNotional` (the system's open interest, WAD quote): in any interval of one
    /// window length at most the cap is liquidated (see the crate docs). `deeplyUnhealthy` says
    /// whether the account's equity is below half of its maintenance requirement
    /// (`clearing_core::deeply_unhealthy`). Checks, in order: the global scope; the insurance
    /// drawdown; the asset's price; the price move; the asset's scope; grace; the rate limit.
    /// Records no trip (see the module docs).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the liquidator role; [`LiquidationsHalted`]
    /// (scope zero, then the asset); [`DrawdownHalt`]; the insurance fund's and the risk
    /// module's reverts unchanged (`PriceStale`, `SequencerDown`, `SequencerGracePeriod`, ...)
    /// or [`CallFailed`]; [`PriceMoveHalt`]; [`OnlyDeeplyUnhealthy`];
    /// [`LiquidationRateLimited`].
    pub fn check_liquidation(
        &mut self,
        asset: Address,
        notional: U256,
        open_interest_notional: U256,
        deeply_unhealthy: bool,
    ) -> Result<(), Vec<u8>> {
        self.access
            ._check_role(LIQUIDATOR_ROLE.into(), self.vm().msg_sender())
            .map_err(BreakerError::from)?;
        let now = self.vm().block_timestamp();
        let global = self.scope(GLOBAL);
        if let Status::Halted { reason, until } = breaker::status(&global, now) {
            return Err(halted(GLOBAL, reason, until).into());
        }
        let drawdown = self.drawdown()?;
        let trip_level = self.param(BreakerParam::DrawdownTrip);
        if breaker::drawdown_trips(drawdown, trip_level, self.acknowledged_drawdown.get()) {
            return Err(BreakerError::DrawdownHalt(DrawdownHalt {
                drawdown,
                tripLevel: trip_level,
            })
            .into());
        }
        let price = self.price(asset)?;
        let (reference, check) = self.price_check(asset, price, now);
        if check.moved {
            return Err(BreakerError::PriceMoveHalt(PriceMoveHalt {
                asset,
                referencePrice: reference,
                price,
            })
            .into());
        }
        let local = self.scope(asset);
        if let Status::Halted { reason, until } = breaker::status(&local, now) {
            return Err(halted(asset, reason, until).into());
        }
        if !deeply_unhealthy {
            for (scope, s) in [(GLOBAL, global), (asset, local)] {
                if let Status::GraceOnly { until } = breaker::status(&s, now) {
                    return Err(BreakerError::OnlyDeeplyUnhealthy(OnlyDeeplyUnhealthy {
                        scope,
                        until,
                    })
                    .into());
                }
            }
        }
        let window = self.param_u64(BreakerParam::RateWindow);
        let record = breaker::record_liquidation(
            &self.rate_ring(now, window),
            notional,
            open_interest_notional,
            now,
            window,
            self.param(BreakerParam::RateLimit),
        )
        .map_err(|e| {
            BreakerError::LiquidationRateLimited(LiquidationRateLimited {
                windowTotal: e.window_total,
                cap: e.cap,
            })
        })?;
        if let Some(mut start) = self.rate_starts.setter(record.slot) {
            start.set(U64::from(record.bucket.start));
        }
        if let Some(mut total) = self.rate_totals.setter(record.slot) {
            total.set(record.bucket.total);
        }
        log(
            self.vm(),
            LiquidationRecorded {
                asset,
                notional,
                windowTotal: record.window_total,
            },
        );
        Ok(())
    }

    /// Records a price observation of `asset` (permissionless, for keepers): the reference is
    /// replaced when unset or a window old; a move beyond the trigger trips the asset for the
    /// cooldown (emits `Tripped`) and makes the observed price the reference. Returns whether a
    /// trip was recorded (not when a longer trip is already in force).
    ///
    /// # Errors
    /// The risk module's reverts unchanged, or [`CallFailed`].
    pub fn poke(&mut self, asset: Address) -> Result<bool, Vec<u8>> {
        let now = self.vm().block_timestamp();
        let price = self.price(asset)?;
        let (_, check) = self.price_check(asset, price, now);
        let mut slot = self.scopes.setter(asset);
        slot.reference.set(check.reference);
        slot.reference_time.set(U64::from(check.reference_time));
        drop(slot);
        if !check.moved {
            return Ok(false);
        }
        Ok(self.record_trip(asset, TripReason::PriceMove, now))
    }

    /// Checks the insurance fund's drawdown (permissionless, for keepers): above the trip level
    /// (and the level acknowledged at the last global reset) it trips the global scope until
    /// reset and emits `Tripped`. A drawdown back at or below the trip level clears the
    /// acknowledged level. Returns whether a trip was recorded.
    ///
    /// # Errors
    /// The insurance fund's reverts unchanged, or [`CallFailed`].
    pub fn poke_global(&mut self) -> Result<bool, Vec<u8>> {
        let drawdown = self.drawdown()?;
        let trip_level = self.param(BreakerParam::DrawdownTrip);
        if breaker::drawdown_trips(drawdown, trip_level, self.acknowledged_drawdown.get()) {
            let now = self.vm().block_timestamp();
            return Ok(self.record_trip(GLOBAL, TripReason::Drawdown, now));
        }
        if drawdown <= trip_level {
            self.acknowledged_drawdown.set(U256::ZERO);
        }
        Ok(false)
    }

    /// Trips `scope` (an asset; zero: global) until the admin resets it (guardian only). A scope
    /// already halted until reset is left as it is (no event).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the guardian role.
    pub fn trip(&mut self, scope: Address) -> Result<(), BreakerError> {
        self.access
            ._check_role(GUARDIAN_ROLE.into(), self.vm().msg_sender())?;
        let now = self.vm().block_timestamp();
        self.record_trip(scope, TripReason::Manual, now);
        Ok(())
    }

    /// Trips the global scope until the admin resets it (guardian only); see [`Self::trip`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the guardian role.
    pub fn trip_global(&mut self) -> Result<(), BreakerError> {
        self.trip(GLOBAL)
    }

    /// Resets a halted `scope` (an asset; zero: global) whatever tripped it (admin only) and
    /// starts the post-reset grace; emits `Reset`. A global reset acknowledges the insurance
    /// fund's current drawdown (when the fund answers), so only a deeper one trips again.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the admin role; [`NotTripped`] when the scope
    /// is not halted.
    pub fn reset(&mut self, scope: Address) -> Result<(), BreakerError> {
        self.only_admin()?;
        let now = self.vm().block_timestamp();
        let grace = self.param_u64(BreakerParam::PostResetGrace);
        let s = breaker::reset(&self.scope(scope), now, grace)
            .ok_or(BreakerError::NotTripped(NotTripped { scope }))?;
        self.store_scope(scope, &s);
        if scope == GLOBAL {
            if let Ok(drawdown) = self.drawdown() {
                self.acknowledged_drawdown.set(drawdown);
            }
        }
        log(
            self.vm(),
            Reset {
                scope,
                graceUntil: s.grace_until,
            },
        );
        Ok(())
    }

    /// Resets the global scope (admin only); see [`Self::reset`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the admin role; [`NotTripped`].
    pub fn reset_global(&mut self) -> Result<(), BreakerError> {
        self.reset(GLOBAL)
    }

    /// Changes parameter `code` (see `param`) to `value` within its rule
    /// (`BreakerParam::rule`): hard bounds, a largest step, one day between
    /// two changes of the same parameter. Loosening the breaker raises risk
    /// and needs the admin role (the timelock, which enforced the delay);
    /// tightening it may also be applied at once by a holder of
    /// [`RISK_ADMIN_ROLE`]. Emits `ParameterSet` with the old and new value.
    /// New durations apply to trips and windows from now on.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin loosening the breaker (naming the admin role);
    /// [`UnknownParameter`]; [`ParameterOutOfBounds`];
    /// [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`].
    pub fn set_parameter(&mut self, code: u8, value: U256) -> Result<(), BreakerError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let p = BreakerParam::from_code(code).ok_or(BreakerError::UnknownParameter(
            UnknownParameter { param: code },
        ))?;
        let rule = p.rule();
        let old = self.param(p);
        let last = self.changed_at.get(code).to::<u64>();
        let now = self.vm().block_timestamp();
        match govern(&rule, old, value, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => {
                return Err(BreakerError::ParameterOutOfBounds(ParameterOutOfBounds {
                    param: code,
                    value,
                }))
            }
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(BreakerError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: old,
                    newValue: value,
                }))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(BreakerError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(&rule, last),
                    },
                ))
            }
        }
        self.set_param(code, value);
        self.changed_at.setter(code).set(U64::from(now));
        log(
            self.vm(),
            ParameterSet {
                code,
                oldValue: old,
                newValue: value,
            },
        );
        Ok(())
    }

    /// Every parameter: `(maxMove, window, cooldown, rateLimit, rateWindow, drawdownTrip,
    /// postResetGrace)`, fractions WAD, durations seconds.
    pub fn parameters(&self) -> (U256, u64, u64, U256, u64, U256, u64) {
        (
            self.param(BreakerParam::MaxMove),
            self.param_u64(BreakerParam::Window),
            self.param_u64(BreakerParam::Cooldown),
            self.param(BreakerParam::RateLimit),
            self.param_u64(BreakerParam::RateWindow),
            self.param(BreakerParam::DrawdownTrip),
            self.param_u64(BreakerParam::PostResetGrace),
        )
    }

    /// Whether a liquidation on `asset` would pass every check but the rate limit now: neither
    /// the global nor the asset scope is halted or in grace, the insurance drawdown does not
    /// trip, and the asset's price is usable and within the move trigger. Never reverts; a
    /// failing oracle or fund counts as not allowed.
    pub fn liquidation_allowed(&self, asset: Address) -> bool {
        let now = self.vm().block_timestamp();
        let open = |s: &Scope| breaker::status(s, now) == Status::Allowed;
        if !open(&self.scope(GLOBAL)) || !open(&self.scope(asset)) {
            return false;
        }
        let Ok(drawdown) = self.drawdown() else {
            return false;
        };
        let trip_level = self.param(BreakerParam::DrawdownTrip);
        if breaker::drawdown_trips(drawdown, trip_level, self.acknowledged_drawdown.get()) {
            return false;
        }
        match self.price(asset) {
            Ok(price) => !self.price_check(asset, price, now).1.moved,
            Err(_) => false,
        }
    }

    /// Stored state of `scope` (zero: global): `(reason, trippedUntil, graceUntil)`. The scope is
    /// halted while the block time is below `trippedUntil` (`type(uint64).max`: until reset) and
    /// in grace while it is below `graceUntil`; `reason` is that of the latest trip (0 after a
    /// reset), kept after an automatic trip expires.
    pub fn scope_state(&self, scope: Address) -> (u8, u64, u64) {
        let s = self.scope(scope);
        (s.reason as u8, s.tripped_until, s.grace_until)
    }

    /// The price-move reference of `asset`: `(price, time)` (zero: unset).
    pub fn price_reference(&self, asset: Address) -> (U256, u64) {
        let slot = self.scopes.getter(asset);
        (slot.reference.get(), slot.reference_time.get().to::<u64>())
    }

    /// The global liquidation window at the block time: `(since, total)`, the start of the
    /// oldest bucket that still counts and holds notional (0 when none does) and the notional
    /// counted, which a liquidation may raise up to the cap.
    pub fn rate_window(&self) -> (u64, U256) {
        let now = self.vm().block_timestamp();
        let window = self.param_u64(BreakerParam::RateWindow);
        let ring = self.rate_ring(now, window);
        let total = breaker::window_total(&ring, now, window);
        let since = ring
            .iter()
            .filter(|b| !b.total.is_zero())
            .map(|b| b.start)
            .min()
            .unwrap_or(0);
        (since, total)
    }

    /// The insurance drawdown level acknowledged at the last global reset (WAD; 0: none).
    pub fn acknowledged_drawdown(&self) -> U256 {
        self.acknowledged_drawdown.get()
    }
}

impl CircuitBreaker {
    fn only_admin(&self) -> Result<(), BreakerError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn param(&self, p: BreakerParam) -> U256 {
        U256::from(self.params.get(p as usize).unwrap_or_default())
    }

    /// Stores a parameter that passed its bounds (which keep it within 64 bits).
    fn set_param(&mut self, code: u8, value: U256) {
        if let Some(mut slot) = self.params.setter(usize::from(code)) {
            slot.set(U64::from(value.saturating_to::<u64>()));
        }
    }

    /// A duration parameter; its bounds keep it within 24 h.
    fn param_u64(&self, p: BreakerParam) -> u64 {
        self.param(p).saturating_to::<u64>()
    }

    fn scope(&self, scope: Address) -> Scope {
        let slot = self.scopes.getter(scope);
        Scope {
            reason: TripReason::from_code(slot.reason.get().to::<u8>()).unwrap_or(TripReason::None),
            tripped_until: slot.tripped_until.get().to::<u64>(),
            grace_until: slot.grace_until.get().to::<u64>(),
        }
    }

    fn store_scope(&mut self, scope: Address, s: &Scope) {
        let mut slot = self.scopes.setter(scope);
        slot.reason.set(U8::from(s.reason as u8));
        slot.tripped_until.set(U64::from(s.tripped_until));
        slot.grace_until.set(U64::from(s.grace_until));
    }

    /// Trips `scope` for `reason` unless a longer trip is in force; emits `Tripped`.
    fn record_trip(&mut self, scope: Address, reason: TripReason, now: u64) -> bool {
        let cooldown = self.param_u64(BreakerParam::Cooldown);
        let grace = self.param_u64(BreakerParam::PostResetGrace);
        let Some(s) = breaker::trip(&self.scope(scope), reason, now, cooldown, grace) else {
            return false;
        };
        self.store_scope(scope, &s);
        log(
            self.vm(),
            Tripped {
                scope,
                reason: reason as u8,
                until: s.tripped_until,
            },
        );
        true
    }

    /// The stored reference of `asset` and the observation of `price` against it.
    fn price_check(&self, asset: Address, price: U256, now: u64) -> (U256, breaker::PriceCheck) {
        let (reference, time) = self.price_reference(asset);
        let check = breaker::observe_price(
            reference,
            time,
            price,
            now,
            self.param_u64(BreakerParam::Window),
            self.param(BreakerParam::MaxMove),
        );
        (reference, check)
    }

    /// The ring of the rate window as it counts at `now`: the notional of a bucket that no
    /// longer counts is not read (zero). Bounded: 11 slots.
    fn rate_ring(&self, now: u64, window: u64) -> [RateBucket; RATE_SLOTS] {
        let (_, since) = breaker::counted_buckets(now, window);
        let mut ring = [RateBucket::default(); RATE_SLOTS];
        for (i, b) in ring.iter_mut().enumerate() {
            let start = self.rate_starts.get(i).map_or(0, |s| s.to::<u64>());
            if start >= since && start <= now {
                b.start = start;
                b.total = self.rate_totals.get(i).unwrap_or_default();
            }
        }
        ring
    }

    fn price(&self, asset: Address) -> Result<U256, Vec<u8>> {
        let risk = self.risk.get();
        IRiskModule::new(risk)
            .price(self, asset)
            .map_err(|e| passthrough(e, risk))
    }

    fn drawdown(&self) -> Result<U256, Vec<u8>> {
        let fund = self.fund.get();
        let (_peak, _balance, drawdown): (U256, I256, U256) = IInsuranceFund::new(fund)
            .drawdown(self)
            .map_err(|e| passthrough(e, fund))?;
        Ok(drawdown)
    }
}

fn halted(scope: Address, reason: TripReason, until: u64) -> BreakerError {
    BreakerError::LiquidationsHalted(LiquidationsHalted {
        scope,
        reason: reason as u8,
        until,
    })
}

/// A callee's revert data unchanged, or [`CallFailed`] when there is none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => BreakerError::CallFailed(CallFailed { callee }).into(),
    }
}
