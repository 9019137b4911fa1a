//! OptionMarkets: everything option-specific but positions (DESIGN section 13).
//!
//! - **Parameters**: the 20 governed option and portfolio-margin parameters of
//!   `clearing_core::OptionParam` with their defaults, changed by the admin (the Timelock) within
//!   `OptionParam::rule` ([`OptionMarkets::set_option_parameter`]) and read in one call
//!   ([`OptionMarkets::margin_params`]).
//! - **Classes**: per underlying (an asset the RiskModule lists), the horizon, strike tick, min
//!   size, open-interest cap per series, maker and taker fees and the implied-volatility heartbeat.
//! - **Series**: listed by [`LISTER_ROLE`] inside an enabled class; ids from
//!   `clearing_core::OPTION_ID_BASE` (`2^31`) so that they never meet a perpetual market's id in a
//!   signed order's `uint32 market`. At most `MAX_LIVE_SERIES` (64) unexpired series per
//!   underlying, so every loop over them is bounded.
//! - **Implied volatility** per (underlying, expiry), posted by [`VOL_ORACLE_ROLE`] within
//!   0.5 .. 5 x the annualised realised volatility; after the class's heartbeat the realised
//!   volatility times the IV multiplier serves instead, marked not fresh.
//! - **Settlement price** per (underlying, expiry), recorded once by anyone from the feed round in
//!   force at expiry.
//!
//! Open interest per series is stored (zero until trading books options into it). Call graph:
//! `OptionMarkets -> RiskModule (views), the underlying's feed (views)`.
//!
//! The rules are `clearing_core::trading::options` and `clearing_core::OptionParam`; the methods
//! here read storage and the RiskModule, call the core and write results.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{aliases::U80, Address, B256, I256, U256, U32, U64};
use alloy_sol_types::{SolError, SolEvent};
use clearing_core::math::fixed::{from_u128, from_u64, to_u128_bounded, to_u64_bounded};
use clearing_core::trading::options::{
    self as opt, ClassConfig, ListingError, SettlementError, VolError, MAX_LIVE_SERIES,
};
use clearing_core::{
    check_change, check_sequencer, next_change_at, ChangeError, OptionParam, OracleError, Round,
    SequencerStatus,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use raw_abi::{encode, selector, with_selector, word_of};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageBool, StorageMap, StorageU128, StorageU32, StorageU64,
        StorageVec,
    },
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): the Timelock in a deployment. It sets
/// the option parameters, enables and disables classes, and grants the other roles.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("LISTER_ROLE")`: lists series inside enabled classes.
pub const LISTER_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"LISTER_ROLE")
    .finalize();

/// `keccak256("VOL_ORACLE_ROLE")`: posts implied volatilities.
pub const VOL_ORACLE_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"VOL_ORACLE_ROLE")
    .finalize();

/// Number of governed option parameters (codes `1..=20`).
const PARAMS: usize = OptionParam::ALL.len();

/// The option class of one underlying.
#[storage]
pub struct OptionClass {
    // One slot: the flag, the durations and the fee rates (their bounds fit: core tests).
    enabled: StorageBool,
    max_horizon: StorageU32,
    iv_heartbeat: StorageU32,
    maker_fee: StorageU64,
    taker_fee: StorageU64,
    // 128-bit amounts (the class bounds keep them there), two per slot.
    strike_tick: StorageU128,
    min_size: StorageU128,
    max_open_interest: StorageU128,
    /// Ids of the series not yet known to have expired, filled from the front (0 ends it:
    /// series ids have the top bit set).
    live: StorageArray<StorageU32, MAX_LIVE_SERIES>,
}

/// One series.
#[storage]
pub struct Series {
    // One slot.
    underlying: StorageAddress,
    expiry: StorageU64,
    is_call: StorageBool,
    // One slot: the strike is at most 2^128 - 1 (listing refuses more); open interest, base
    // units, stays under the class's cap.
    strike: StorageU128,
    open_interest: StorageU128,
}

/// What an underlying's expiry has: its number of series, implied volatility and settlement
/// price.
#[storage]
pub struct Expiry {
    // One slot: the volatility (at most `MAX_VOL` = 10, below 2^64), when it was posted, and
    // how many series were listed at this expiry (0: an unknown expiry).
    vol: StorageU64,
    vol_at: StorageU64,
    listed: StorageU32,
    /// The settlement price, WAD (0: not yet); below the feed's band's 2^128 bound.
    settlement: StorageU128,
}

/// The option markets contract.
#[storage]
#[entrypoint]
pub struct OptionMarkets {
    access: AccessControl,
    risk: StorageAddress,
    /// The portfolio-mode minimum equity (code 1, up to 10^7 quote in WAD: 128 bits).
    min_equity: StorageU128,
    /// Codes 2..=20 at `code - 2`, four per slot (their bounds fit 64 bits: core tests).
    params: StorageArray<StorageU64, 19>,
    /// When each parameter last changed, at `code - 1` (0: never).
    changed_at: StorageArray<StorageU64, PARAMS>,
    classes: StorageMap<Address, OptionClass>,
    series: StorageVec<Series>,
    expiries: StorageMap<Address, StorageMap<u64, Expiry>>,
}

// The views this contract reads, called with hand-encoded arguments and answers read by word
// (smaller than the generated interfaces' decoders): the RiskModule's `price`, `volatility`,
// `assetRisk` (feed, heartbeat, band, ...) and `riskParameters` (the sequencer feed and grace),
// and the feeds' AggregatorV3 `decimals`, `latestRoundData` and `getRoundData`.
const PRICE: [u8; 4] = selector(b"price(address)");
const VOLATILITY: [u8; 4] = selector(b"volatility(address)");
const ASSET_RISK: [u8; 4] = selector(b"assetRisk(address)");
const RISK_PARAMETERS: [u8; 4] = selector(b"riskParameters()");
const DECIMALS: [u8; 4] = selector(b"decimals()");
const LATEST_ROUND_DATA: [u8; 4] = selector(b"latestRoundData()");
const GET_ROUND_DATA: [u8; 4] = selector(b"getRoundData(uint80)");

#[public]
impl OptionMarkets {
    /// Grants `admin` the admin role, wires the RiskModule and stores every option parameter's
    /// default (DESIGN section 12).
    #[constructor]
    pub fn constructor(&mut self, admin: Address, risk_module: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.risk.set(risk_module);
        for p in OptionParam::ALL {
            self.store_param(p as u8, p.default_value());
        }
    }

    // ------------------------------------------------------------------
    // Access control
    // ------------------------------------------------------------------

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` ([`LISTER_ROLE`], [`VOL_ORACLE_ROLE`], or the admin role) to `account`;
    /// emits `RoleGranted` when it is new.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role (the
    /// admin role for every role).
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), Vec<u8>> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`; emits `RoleRevoked` when it was held.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), Vec<u8>> {
        Ok(self.access.revoke_role(role, account)?)
    }

    // ------------------------------------------------------------------
    // Option parameters
    // ------------------------------------------------------------------

    /// Changes the option parameter `code` (`clearing_core::OptionParam`) to `value` by its
    /// rule (`OptionParam::rule`): within its hard bounds, by at most its step, at least a day
    /// after its last change; the result must stay consistent (a tail floor at most the tail
    /// cap, `OptionParam::consistent`). Admin only: the admin is the Timelock, which holds
    /// risk-raising changes for its delay. Emits [`OptionParameterSet`] with the old and new
    /// value.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller without the admin role;
    /// [`ParameterOutOfBounds`] (an unknown code, a value out of bounds, or an inconsistent
    /// result); [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`].
    pub fn set_option_parameter(&mut self, code: u8, value: U256) -> Result<(), Vec<u8>> {
        self.only_role(ADMIN_ROLE)?;
        let out_of_bounds = || revert(ParameterOutOfBounds::SELECTOR, &[U256::from(code), value]);
        let p = OptionParam::from_code(code).ok_or_else(out_of_bounds)?;
        let rule = p.rule();
        let mut values = self.margin_params();
        let i = usize::from(code) - 1;
        let old = values[i];
        let last = self.changed_at.get(i).unwrap_or_default().to::<u64>();
        let now = self.vm().block_timestamp();
        match check_change(&rule, old, value, last, now) {
            Ok(_) => {}
            Err(ChangeError::OutOfBounds) => return Err(out_of_bounds()),
            Err(ChangeError::StepTooLarge) => {
                return Err(revert(
                    ParameterStepTooLarge::SELECTOR,
                    &[U256::from(code), old, value],
                ))
            }
            Err(ChangeError::TooSoon) => {
                return Err(revert(
                    ParameterChangedTooSoon::SELECTOR,
                    &[U256::from(code), U256::from(next_change_at(&rule, last))],
                ))
            }
        }
        values[i] = value;
        if !OptionParam::consistent(&values) {
            return Err(out_of_bounds());
        }
        self.store_param(code, value);
        if let Some(mut slot) = self.changed_at.setter(i) {
            slot.set(U64::from(now));
        }
        self.emit(
            &[
                OptionParameterSet::SIGNATURE_HASH,
                B256::from(U256::from(code)),
            ],
            &[old, value],
        );
        Ok(())
    }

    /// The current value of option parameter `code` (0 for an unknown code).
    pub fn option_parameter(&self, code: u8) -> U256 {
        self.margin_params()
            .get(usize::from(code).wrapping_sub(1))
            .copied()
            .unwrap_or_default()
    }

    /// Every option parameter in code order (`clearing_core::OptionParam::ALL`: portfolio
    /// minimum equity, option horizon, range floor, tail horizon, tail floor, tail cap, the two
    /// tails' multiples and weights, largest tail move, tail credit, vol shocks up and down,
    /// term powers, term cap, contingency, IV multiplier, option fee cap), durations in seconds,
    /// the rest WAD: everything the margin function needs from here in one answer.
    pub fn margin_params(&self) -> [U256; 20] {
        let mut v = [U256::ZERO; PARAMS];
        v[0] = from_u128(self.min_equity.get());
        for (i, slot) in v.iter_mut().enumerate().skip(1) {
            *slot = from_u64(self.params.get(i - 1).unwrap_or_default());
        }
        v
    }

    // ------------------------------------------------------------------
    // Option classes (admin)
    // ------------------------------------------------------------------

    /// Enables the option class of `underlying` (an asset the RiskModule lists) with its
    /// horizon (the longest time from listing to expiry, seconds; DESIGN's default is 90 days),
    /// strike tick (WAD quote), min size and open-interest cap per series (WAD contracts),
    /// maker and taker fee rates (WAD fractions of the underlying notional) and the heartbeat of
    /// its implied volatilities (seconds); bounds in `clearing_core::trading::options`. A
    /// disabled class may be enabled again, with new settings. Emits [`ClassEnabled`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ClassAlreadyEnabled`];
    /// [`ClassParameterOutOfBounds`] with the field's code; the RiskModule's `UnknownAsset`
    /// unchanged; [`CallFailed`].
    #[allow(clippy::too_many_arguments)]
    pub fn enable_class(
        &mut self,
        underlying: Address,
        max_horizon: u64,
        strike_tick: U256,
        min_size: U256,
        max_open_interest: U256,
        maker_fee: U256,
        taker_fee: U256,
        iv_heartbeat: u64,
    ) -> Result<(), Vec<u8>> {
        self.only_role(ADMIN_ROLE)?;
        if self.classes.getter(underlying).enabled.get() {
            return Err(revert(
                ClassAlreadyEnabled::SELECTOR,
                &[word_of(underlying)],
            ));
        }
        let cfg = ClassConfig {
            max_horizon,
            strike_tick,
            min_size,
            max_open_interest,
            maker_fee,
            taker_fee,
            iv_heartbeat,
        };
        let fields = [
            U256::from(max_horizon),
            strike_tick,
            min_size,
            max_open_interest,
            maker_fee,
            taker_fee,
            U256::from(iv_heartbeat),
        ];
        if let Err(field) = opt::check_class(&cfg) {
            return Err(revert(
                ClassParameterOutOfBounds::SELECTOR,
                &[U256::from(field as u8), fields[field as usize - 1]],
            ));
        }
        self.risk_view(ASSET_RISK, Some(underlying))?;
        let mut c = self.classes.setter(underlying);
        c.enabled.set(true);
        // Within their bounds (core tests): the narrow fields hold them.
        c.max_horizon.set(U32::from(max_horizon as u32));
        c.iv_heartbeat.set(U32::from(iv_heartbeat as u32));
        c.maker_fee.set(to_u64_bounded(maker_fee));
        c.taker_fee.set(to_u64_bounded(taker_fee));
        c.strike_tick.set(to_u128_bounded(strike_tick));
        c.min_size.set(to_u128_bounded(min_size));
        c.max_open_interest.set(to_u128_bounded(max_open_interest));
        drop(c);
        self.emit(
            &[
                ClassEnabled::SIGNATURE_HASH,
                B256::from(word_of(underlying)),
            ],
            &fields,
        );
        Ok(())
    }

    /// Disables the option class of `underlying`: no new series are listed; the listed ones
    /// keep their volatility, settlement and (later) trading. Emits [`ClassDisabled`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ClassNotEnabled`].
    pub fn disable_class(&mut self, underlying: Address) -> Result<(), Vec<u8>> {
        self.only_role(ADMIN_ROLE)?;
        let mut c = self.classes.setter(underlying);
        if !c.enabled.get() {
            return Err(not_enabled(underlying));
        }
        c.enabled.set(false);
        drop(c);
        self.emit(
            &[
                ClassDisabled::SIGNATURE_HASH,
                B256::from(word_of(underlying)),
            ],
            &[],
        );
        Ok(())
    }

    /// The option class of `underlying`: `(enabled, maxHorizon, strikeTick, minSize,
    /// maxOpenInterest, makerFee, takerFee, ivHeartbeat)` (all zero for a class never enabled;
    /// a disabled class keeps its settings).
    #[allow(clippy::type_complexity)]
    pub fn option_class(
        &self,
        underlying: Address,
    ) -> (bool, u64, U256, U256, U256, U256, U256, u64) {
        let c = self.classes.getter(underlying);
        (
            c.enabled.get(),
            u64::from(c.max_horizon.get().to::<u32>()),
            from_u128(c.strike_tick.get()),
            from_u128(c.min_size.get()),
            from_u128(c.max_open_interest.get()),
            from_u64(c.maker_fee.get()),
            from_u64(c.taker_fee.get()),
            u64::from(c.iv_heartbeat.get().to::<u32>()),
        )
    }

    // ------------------------------------------------------------------
    // Series
    // ------------------------------------------------------------------

    /// Lists the series `(underlying, expiry, strike, call or put)` and returns its market id,
    /// the next from `2^31`. The class must be enabled; then, in this order, the RiskModule's
    /// spot price, the expiry (in the future, at 08:00 UTC, within the class's horizon), the
    /// strike (a positive multiple of the tick, within 0.5 .. 2 x spot), no duplicate, and room
    /// among the underlying's live series (at most 64; expired ones leave the list here).
    /// Emits [`SeriesListed`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without [`LISTER_ROLE`]; [`ClassNotEnabled`]; the
    /// RiskModule's price errors unchanged; [`ExpiryNotInFuture`]; [`ExpiryNotAt0800`];
    /// [`ExpiryBeyondHorizon`]; [`StrikeOffTick`]; [`StrikeOutOfBand`]; [`SeriesAlreadyListed`];
    /// [`TooManyLiveSeries`]; [`CallFailed`].
    pub fn list_series(
        &mut self,
        underlying: Address,
        expiry: u64,
        strike: U256,
        is_call: bool,
    ) -> Result<u32, Vec<u8>> {
        self.only_role(LISTER_ROLE)?;
        let (enabled, horizon, tick) = {
            let c = self.classes.getter(underlying);
            (
                c.enabled.get(),
                u64::from(c.max_horizon.get().to::<u32>()),
                from_u128(c.strike_tick.get()),
            )
        };
        if !enabled {
            return Err(not_enabled(underlying));
        }
        let spot = self.risk_word(PRICE, underlying)?;
        let now = self.vm().block_timestamp();
        if let Err(e) = opt::check_listing(now, expiry, strike, spot, horizon, tick) {
            let e64 = U256::from(expiry);
            return Err(match e {
                ListingError::ExpiryNotInFuture => {
                    revert(ExpiryNotInFuture::SELECTOR, &[e64, U256::from(now)])
                }
                ListingError::ExpiryNotAt0800 => revert(ExpiryNotAt0800::SELECTOR, &[e64]),
                ListingError::ExpiryBeyondHorizon => revert(
                    ExpiryBeyondHorizon::SELECTOR,
                    &[e64, U256::from(now.saturating_add(horizon))],
                ),
                ListingError::StrikeOffTick => revert(StrikeOffTick::SELECTOR, &[strike, tick]),
                ListingError::StrikeOutOfBand => revert(StrikeOutOfBand::SELECTOR, &[strike, spot]),
            });
        }
        // Expired series leave the live list first; a duplicate can only be a live series.
        let live = self.prune(underlying, now);
        let (ids, _, _) = self.live(underlying, now);
        for &other in &ids[..live] {
            let same = opt::series_index(other)
                .and_then(|i| self.series.get(i as usize))
                .is_some_and(|o| {
                    o.expiry.get().to::<u64>() == expiry
                        && o.is_call.get() == is_call
                        && from_u128(o.strike.get()) == strike
                });
            if same {
                return Err(revert(SeriesAlreadyListed::SELECTOR, &[U256::from(other)]));
            }
        }
        let id = opt::series_id(self.series.len() as u64);
        let (Some(id), true) = (id, live < MAX_LIVE_SERIES) else {
            return Err(revert(
                TooManyLiveSeries::SELECTOR,
                &[word_of(underlying), U256::from(MAX_LIVE_SERIES)],
            ));
        };
        let mut s = self.series.grow();
        s.underlying.set(underlying);
        s.expiry.set(U64::from(expiry));
        s.is_call.set(is_call);
        s.strike.set(to_u128_bounded(strike));
        drop(s);
        if let Some(mut slot) = self.classes.setter(underlying).live.setter(live) {
            slot.set(U32::from(id));
        }
        let mut e = self.expiries.setter(underlying);
        let mut e = e.setter(expiry);
        let listed = e.listed.get();
        e.listed.set(listed + U32::from(1));
        drop(e);
        self.emit(
            &[
                SeriesListed::SIGNATURE_HASH,
                B256::from(U256::from(id)),
                B256::from(word_of(underlying)),
            ],
            &[U256::from(expiry), strike, U256::from(is_call)],
        );
        Ok(id)
    }

    /// The series `id`: `(underlying, expiry, strike, isCall, settlementPrice, openInterest)`,
    /// the settlement price of its expiry (0 until recorded) and its open interest in contracts
    /// (0 until trading books options).
    ///
    /// # Errors
    /// [`UnknownSeries`] for an id never listed (a perpetual market's id included).
    #[allow(clippy::type_complexity)]
    pub fn series(&self, id: u32) -> Result<(Address, u64, U256, bool, U256, U256), Vec<u8>> {
        let s = opt::series_index(id)
            .and_then(|i| self.series.get(i as usize))
            .ok_or_else(|| revert(UnknownSeries::SELECTOR, &[U256::from(id)]))?;
        let (underlying, expiry) = (s.underlying.get(), s.expiry.get().to::<u64>());
        Ok((
            underlying,
            expiry,
            from_u128(s.strike.get()),
            s.is_call.get(),
            self.settlement_price(underlying, expiry),
            from_u128(s.open_interest.get()),
        ))
    }

    /// The ids of `underlying`'s series whose expiry has not passed, in listing order.
    pub fn live_series(&self, underlying: Address) -> Vec<u32> {
        let (ids, n, _) = self.live(underlying, self.vm().block_timestamp());
        ids[..n].to_vec()
    }

    // ------------------------------------------------------------------
    // Implied volatility
    // ------------------------------------------------------------------

    /// Posts the implied volatility `vol` (annual, WAD) of `underlying`'s series expiring at
    /// `expiry`, with the block time. It must be positive and within 0.5 .. 5 x the realised
    /// volatility annualised (the RiskModule's daily volatility x sqrt(365)), at most 10 (the
    /// pricing's largest). Emits [`VolatilityPosted`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without [`VOL_ORACLE_ROLE`]; [`UnknownExpiry`] when no
    /// series expires then; [`ExpiryPassed`]; the RiskModule's volatility errors unchanged;
    /// [`ZeroVolatility`]; [`VolatilityOutOfBand`]; [`MathError`]; [`CallFailed`].
    pub fn post_volatility(
        &mut self,
        underlying: Address,
        expiry: u64,
        vol: U256,
    ) -> Result<(), Vec<u8>> {
        self.only_role(VOL_ORACLE_ROLE)?;
        self.known_expiry(underlying, expiry)?;
        let now = self.vm().block_timestamp();
        if expiry <= now {
            return Err(revert(
                ExpiryPassed::SELECTOR,
                &[word_of(underlying), U256::from(expiry)],
            ));
        }
        let realised = self.realised_vol(underlying)?;
        if let Err(e) = opt::check_implied_vol(vol, realised) {
            return Err(match e {
                VolError::Zero => revert(ZeroVolatility::SELECTOR, &[]),
                VolError::OutOfBand => {
                    let (min, max) = opt::iv_band(realised);
                    revert(VolatilityOutOfBand::SELECTOR, &[vol, min, max])
                }
            });
        }
        let mut e = self.expiries.setter(underlying);
        let mut e = e.setter(expiry);
        // At most MAX_VOL (10), below 2^64.
        e.vol.set(to_u64_bounded(vol));
        e.vol_at.set(U64::from(now));
        drop(e);
        self.emit(
            &[
                VolatilityPosted::SIGNATURE_HASH,
                B256::from(word_of(underlying)),
                B256::from(U256::from(expiry)),
            ],
            &[vol, realised],
        );
        Ok(())
    }

    /// The volatility `underlying`'s series expiring at `expiry` are marked at: `(vol, fresh)`,
    /// the posted implied volatility while it is younger than the class's heartbeat
    /// (`fresh`), otherwise the realised volatility annualised times the IV multiplier
    /// parameter (not fresh: DESIGN section 13 then accepts only risk-reducing fills).
    ///
    /// # Errors
    /// [`UnknownExpiry`]; for the fallback, the RiskModule's volatility errors unchanged,
    /// [`MathError`] and [`CallFailed`].
    pub fn volatility(&self, underlying: Address, expiry: u64) -> Result<(U256, bool), Vec<u8>> {
        self.known_expiry(underlying, expiry)?;
        let (vol, at) = {
            let e = self.expiries.getter(underlying);
            let e = e.getter(expiry);
            (from_u64(e.vol.get()), e.vol_at.get().to::<u64>())
        };
        let heartbeat = u64::from(
            self.classes
                .getter(underlying)
                .iv_heartbeat
                .get()
                .to::<u32>(),
        );
        if opt::is_fresh(at, self.vm().block_timestamp(), heartbeat) {
            return Ok((vol, true));
        }
        let realised = self.realised_vol(underlying)?;
        let multiplier = from_u64(
            self.params
                .get(OptionParam::IvMultiplier as usize - 2)
                .unwrap_or_default(),
        );
        let fallback = opt::fallback_vol(realised, multiplier).map_err(math)?;
        Ok((fallback, false))
    }

    // ------------------------------------------------------------------
    // Expiry settlement
    // ------------------------------------------------------------------

    /// Records the settlement price of `underlying`'s expiry at `expiry` (anyone, after the
    /// expiry) from the underlying's feed round `round_id` in force at expiry:
    /// `updatedAt(round_id) <= expiry < updatedAt(round_id + 1)`, the next round existing. The
    /// oracle checks of DESIGN section 10 apply but staleness (the sequencer up past its grace
    /// period now, a complete round, a positive answer inside the asset's sanity band, decimals
    /// scaled to WAD), with the feed and band of the RiskModule's listing. Once per expiry.
    /// Emits [`ExpirySettled`] and returns the price.
    ///
    /// # Errors
    /// [`UnknownExpiry`]; [`ExpiryNotReached`] until the block time passes the expiry;
    /// [`ExpiryAlreadySettled`]; the RiskModule's errors unchanged; [`SequencerDown`];
    /// [`SequencerGracePeriod`]; [`FeedCallFailed`]; [`RoundMissing`] (the named round, or the
    /// next); [`SettlementRoundTooLate`]; [`SettlementRoundTooEarly`]; [`RoundIncomplete`];
    /// [`PriceNonPositive`]; [`PriceOutOfBand`]; [`MathError`]; [`CallFailed`].
    pub fn settle_expiry(
        &mut self,
        underlying: Address,
        expiry: u64,
        round_id: U80,
    ) -> Result<U256, Vec<u8>> {
        self.known_expiry(underlying, expiry)?;
        let (u, e64) = (word_of(underlying), U256::from(expiry));
        let now = self.vm().block_timestamp();
        if now <= expiry {
            return Err(revert(ExpiryNotReached::SELECTOR, &[u, e64]));
        }
        let settled = self.settlement_price(underlying, expiry);
        if !settled.is_zero() {
            return Err(revert(ExpiryAlreadySettled::SELECTOR, &[u, e64, settled]));
        }
        let risk = self.risk.get();
        let info = self.risk_view(ASSET_RISK, Some(underlying))?;
        let feed = address(&info, 0, risk)?;
        let (min_price, max_price) = (word(&info, 2, risk)?, word(&info, 3, risk)?);
        let params = self.risk_view(RISK_PARAMETERS, None)?;
        // stylus-sdk 0.9 answers a list with a dynamic member as one tuple (a leading offset
        // word, 0x20); a Solidity ABI answer starts with lambda instead (at least 0.5).
        let skip = usize::from(word(&params, 0, risk)? == U256::from(32u8));
        let seq_feed = address(&params, 3 + skip, risk)?;
        if !seq_feed.is_zero() {
            let grace = word(&params, 4 + skip, risk)?.saturating_to::<u64>();
            let seq = self
                .view_call(seq_feed, LATEST_ROUND_DATA, None)
                .map_err(|_| feed_failed(seq_feed))?;
            let started_at = word(&seq, 2, seq_feed)?;
            let status = SequencerStatus {
                answer: I256::from_raw(word(&seq, 1, seq_feed)?),
                started_at,
                grace_period: grace,
            };
            check_sequencer(&status, now).map_err(|e| match e {
                OracleError::SequencerGracePeriod => {
                    revert(SequencerGracePeriod::SELECTOR, &[started_at])
                }
                _ => revert(SequencerDown::SELECTOR, &[]),
            })?;
        }
        let decimals = self
            .view_call(feed, DECIMALS, None)
            .map_err(|_| feed_failed(feed))
            .and_then(|d| word(&d, 0, feed))?
            .saturating_to::<u8>();
        let id = U256::from(round_id);
        let missing = |id: U256| revert(RoundMissing::SELECTOR, &[u, id]);
        let data = self
            .view_call(feed, GET_ROUND_DATA, Some(id))
            .map_err(|_| missing(id))?;
        let answer = word(&data, 1, feed)?;
        let updated_at = word(&data, 3, feed)?;
        let answered_in_round = U80::saturating_from(word(&data, 4, feed)?);
        // A round id of 2^80 - 1 has no next round: its call fails like a missing one.
        let next_id = id + U256::from(1u8);
        let next = self
            .view_call(feed, GET_ROUND_DATA, Some(next_id))
            .ok()
            .and_then(|d| word(&d, 3, feed).ok());
        let round = Round {
            round_id,
            answer: I256::from_raw(answer),
            updated_at,
            answered_in_round,
        };
        let price = opt::settlement_price(&round, next, decimals, min_price, max_price, expiry)
            .map_err(|e| match e {
                SettlementError::RoundAfterExpiry => {
                    revert(SettlementRoundTooLate::SELECTOR, &[id, updated_at, e64])
                }
                SettlementError::NextRoundMissing => missing(next_id),
                SettlementError::RoundSuperseded => revert(
                    SettlementRoundTooEarly::SELECTOR,
                    &[id, next.unwrap_or_default(), e64],
                ),
                SettlementError::Oracle(OracleError::NonPositive) => {
                    revert(PriceNonPositive::SELECTOR, &[u, answer])
                }
                SettlementError::Oracle(OracleError::OutOfBand) => {
                    revert(PriceOutOfBand::SELECTOR, &[u, answer])
                }
                SettlementError::Oracle(OracleError::Math(m)) => math(m),
                // Incomplete rounds; the other oracle errors (staleness, a future timestamp,
                // the sequencer) do not come out of `settlement_price`.
                SettlementError::Oracle(_) => revert(RoundIncomplete::SELECTOR, &[u, id]),
            })?;
        let mut e = self.expiries.setter(underlying);
        // Inside the band, whose bound the RiskModule keeps below 2^128.
        e.setter(expiry).settlement.set(to_u128_bounded(price));
        drop(e);
        self.emit(
            &[
                ExpirySettled::SIGNATURE_HASH,
                B256::from(u),
                B256::from(e64),
            ],
            &[id, price],
        );
        Ok(price)
    }

    /// The settlement price (WAD) of `underlying`'s expiry at `expiry`, 0 until recorded.
    pub fn settlement_price(&self, underlying: Address, expiry: u64) -> U256 {
        from_u128(
            self.expiries
                .getter(underlying)
                .getter(expiry)
                .settlement
                .get(),
        )
    }
}

impl OptionMarkets {
    fn only_role(&self, role: [u8; 32]) -> Result<(), Vec<u8>> {
        Ok(self
            .access
            ._check_role(role.into(), self.vm().msg_sender())?)
    }

    /// Writes parameter `code` (1..=20, within its bounds, so it fits its field).
    fn store_param(&mut self, code: u8, value: U256) {
        if code == OptionParam::PortfolioMinEquity as u8 {
            self.min_equity.set(to_u128_bounded(value));
        } else if let Some(mut slot) = self.params.setter(usize::from(code) - 2) {
            slot.set(to_u64_bounded(value));
        }
    }

    /// Emits an event: its topics (the signature hash, then the indexed words) and data words.
    fn emit(&self, topics: &[B256], data: &[U256]) {
        let _ = self.vm().raw_log(topics, &encode(data));
    }

    /// Refuses an expiry at which no series of `underlying` was listed.
    fn known_expiry(&self, underlying: Address, expiry: u64) -> Result<(), Vec<u8>> {
        if self
            .expiries
            .getter(underlying)
            .getter(expiry)
            .listed
            .get()
            .is_zero()
        {
            return Err(revert(
                UnknownExpiry::SELECTOR,
                &[word_of(underlying), U256::from(expiry)],
            ));
        }
        Ok(())
    }

    /// The RiskModule's daily volatility of `underlying`, annualised.
    fn realised_vol(&self, underlying: Address) -> Result<U256, Vec<u8>> {
        let daily = self.risk_word(VOLATILITY, underlying)?;
        opt::annualised_vol(daily).map_err(math)
    }

    /// Calls `callee`'s view `selector` with one word of argument (or none).
    fn view_call(
        &self,
        callee: Address,
        selector: [u8; 4],
        arg: Option<U256>,
    ) -> Result<Vec<u8>, stylus_sdk::call::Error> {
        let mut data = Vec::with_capacity(36);
        data.extend_from_slice(&selector);
        if let Some(a) = arg {
            data.extend_from_slice(&a.to_be_bytes::<32>());
        }
        stylus_sdk::call::static_call(self, callee, &data)
    }

    /// The RiskModule's answer to a view of `asset` (or of nothing); its revert unchanged.
    fn risk_view(&self, selector: [u8; 4], asset: Option<Address>) -> Result<Vec<u8>, Vec<u8>> {
        let risk = self.risk.get();
        self.view_call(risk, selector, asset.map(word_of))
            .map_err(|e| match e {
                stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
                _ => call_failed(risk),
            })
    }

    /// The RiskModule's one-word answer to a view of `asset`.
    fn risk_word(&self, selector: [u8; 4], asset: Address) -> Result<U256, Vec<u8>> {
        let out = self.risk_view(selector, Some(asset))?;
        word(&out, 0, self.risk.get())
    }

    /// The expiry of a listed series id.
    fn expiry_of(&self, id: u32) -> u64 {
        opt::series_index(id)
            .and_then(|i| self.series.get(i as usize))
            .map(|s| s.expiry.get().to::<u64>())
            .unwrap_or_default()
    }

    /// The ids in `underlying`'s live list whose expiry is after `now` (the first `n`, in
    /// order), `n`, and how many ids the list holds.
    fn live(&self, underlying: Address, now: u64) -> ([u32; MAX_LIVE_SERIES], usize, usize) {
        let mut kept = [0u32; MAX_LIVE_SERIES];
        let (mut n, mut total) = (0, 0);
        let c = self.classes.getter(underlying);
        for i in 0..MAX_LIVE_SERIES {
            let id = c.live.get(i).unwrap_or_default().to::<u32>();
            if id == 0 {
                break;
            }
            total += 1;
            if self.expiry_of(id) > now {
                kept[n] = id;
                n += 1;
            }
        }
        (kept, n, total)
    }

    /// Drops the series whose expiry has passed from `underlying`'s live list (keeping the
    /// order of the others) and returns how many are left.
    fn prune(&mut self, underlying: Address, now: u64) -> usize {
        let (kept, n, total) = self.live(underlying, now);
        if n < total {
            let mut c = self.classes.setter(underlying);
            for (i, id) in kept.iter().enumerate().take(total) {
                if let Some(mut slot) = c.live.setter(i) {
                    slot.set(U32::from(*id));
                }
            }
        }
        n
    }
}

/// The revert data of the custom error `selector` with static fields `words` (the `sol!`
/// declarations in `errors` give the selectors and name the fields).
fn revert(selector: [u8; 4], words: &[U256]) -> Vec<u8> {
    with_selector(selector, words)
}

/// Word `i` of a call's answer.
///
/// # Errors
/// [`CallFailed`] naming `callee` when the answer is shorter.
fn word(out: &[u8], i: usize, callee: Address) -> Result<U256, Vec<u8>> {
    raw_abi::word(out, i).ok_or_else(|| call_failed(callee))
}

/// Word `i` of a call's answer as an address.
///
/// # Errors
/// As [`word`].
fn address(out: &[u8], i: usize, callee: Address) -> Result<Address, Vec<u8>> {
    Ok(Address::from_word(word(out, i, callee)?.into()))
}

fn call_failed(callee: Address) -> Vec<u8> {
    revert(CallFailed::SELECTOR, &[word_of(callee)])
}

fn not_enabled(underlying: Address) -> Vec<u8> {
    revert(ClassNotEnabled::SELECTOR, &[word_of(underlying)])
}

fn feed_failed(feed: Address) -> Vec<u8> {
    revert(FeedCallFailed::SELECTOR, &[word_of(feed)])
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    revert(MathError::SELECTOR, &[U256::from(e as u8)])
}

#[cfg(test)]
mod tests;
