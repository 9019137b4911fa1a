//! RiskModule: oracle adapters, EWMA volatility, market risk parameters and
//! the margin function (DESIGN sections 5, 7 and 10).
//!
//! It is a leaf of the call graph: it reads oracle feeds and nothing else.
//! Callers (the vault, the clearinghouse, the circuit breaker) pass it the
//! exposures and shocks it needs; it never calls them back.
//!
//! All financial logic lives in `clearing-core`; the methods here read
//! storage and feeds, call the core and write results.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;
mod feeds;

use alloc::vec::Vec;
use alloy_primitives::{aliases::U80, Address, B256, U128, U256, U64, U8};
use clearing_core::math::fixed::{from_u128, from_u64, to_u128, to_u64_bounded};
use clearing_core::{
    govern,
    governance::params as p,
    next_change_at,
    risk::volatility::{self, VolState},
    ChangeError, Correlations, FeedConfig, Refusal,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageBool, StorageMap, StorageU128, StorageU64, StorageU8,
        StorageUint,
    },
};

pub use errors::*;

/// Number of correlation buckets: 0 majors, 1 alts, 2 stables, 3 other.
pub const BUCKETS: usize = clearing_core::MAX_BUCKETS;

/// Default intra-bucket correlations: majors 0.80, alts 0.60, stables 0.95,
/// other 0.50. Conservative against history (ETH/BTC has run near 0.85):
/// correlation credit is what breaks first in a crash.
pub const DEFAULT_INTRA: [U256; BUCKETS] = [
    clearing_core::u256(800_000_000_000_000_000),
    clearing_core::u256(600_000_000_000_000_000),
    clearing_core::u256(950_000_000_000_000_000),
    clearing_core::u256(500_000_000_000_000_000),
];

/// Default inter-bucket correlation: 0.25.
pub const DEFAULT_INTER: U256 = clearing_core::u256(250_000_000_000_000_000);

pub use clearing_core::rules::risk_module::{param, rule};

/// Hard bounds of the asset settings this contract owns (the global
/// parameters use `clearing_core::governance::params`, the bounds of DESIGN section 12).
pub mod bounds {
    use clearing_core::WAD;
    use stylus_sdk::alloy_primitives::U256;
    /// Feed heartbeat: 1 s ..= 7 days.
    pub const HEARTBEAT: (u64, u64) = (1, 7 * 86_400);
    /// Initial daily volatility: 0 ..= 100 %.
    pub const INITIAL_VOLATILITY: (U256, U256) = (U256::ZERO, WAD);
}

/// Risk configuration and volatility state of one asset.
#[storage]
pub struct AssetRisk {
    listed: StorageBool,
    feed: StorageAddress,
    feed_decimals: StorageU8,
    heartbeat: StorageU64,
    // In the first slot with the feed: a price and its bucket are read together.
    bucket: StorageU8,
    // The sanity band in one slot (listing refuses a band above 2^128).
    min_price: StorageU128,
    max_price: StorageU128,
    vol_feed: StorageAddress,
    vol_feed_decimals: StorageU8,
    /// Last oracle round folded into the variance.
    last_round: StorageUint<80, 2>,
    /// Liquidity depth in USD (WAD) for the size add-on; 0 disables it. With the variance:
    /// an evaluation reads both in one slot.
    depth: StorageU128,
    /// EWMA per-day variance, WAD.
    variance: StorageU128,
    last_price: StorageU128,
    last_time: StorageU64,
}

/// The risk module contract.
#[storage]
#[entrypoint]
pub struct RiskModule {
    access: AccessControl,
    assets: StorageMap<Address, AssetRisk>,
    sequencer_feed: StorageAddress,
    sequencer_grace: StorageU64,
    // The global parameters in one slot and the correlations in another (WAD fractions,
    // bounded by their rules to at most 1: `clearing_core`'s `risk_module_values_fit_64_bits`).
    heartbeat_tolerance: StorageU64,
    lambda: StorageU64,
    min_margin_fraction: StorageU64,
    inter: StorageU64,
    intra: StorageArray<StorageU64, BUCKETS>,
    /// When each governed parameter last changed (0: never).
    changed_at: StorageMap<u8, StorageU64>,
}

/// The admin role (DEFAULT_ADMIN_ROLE of access control): lists assets, links feeds and applies
/// any governed change (it is the timelock in a deployment).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering parameter changes at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

#[public]
impl RiskModule {
    /// Grants the admin role to `admin` and sets the defaults of DESIGN section 12:
    /// lambda 0.94, heartbeat tolerance 10 %, minimum margin fraction 0.5 %,
    /// sequencer grace period 1 h, and the default correlation table
    /// ([`DEFAULT_INTRA`], [`DEFAULT_INTER`]).
    #[constructor]
    pub fn constructor(&mut self, admin: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.lambda.set(to_u64_bounded(p::DEFAULT_LAMBDA));
        self.heartbeat_tolerance
            .set(to_u64_bounded(p::DEFAULT_HEARTBEAT_TOLERANCE));
        self.min_margin_fraction
            .set(to_u64_bounded(p::DEFAULT_MIN_MARGIN_FRACTION));
        self.sequencer_grace
            .set(U64::from(p::DEFAULT_SEQUENCER_GRACE));
        self.store_correlations(&DEFAULT_INTRA, DEFAULT_INTER);
    }

    // ------------------------------------------------------------------
    // Access control
    // ------------------------------------------------------------------

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), RiskError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), RiskError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    // ------------------------------------------------------------------
    // Configuration (admin)
    // ------------------------------------------------------------------

    /// Lists `asset` with its price feed and risk settings. The feed's
    /// `decimals()` is read once here. `initial_volatility` (daily, WAD) seeds
    /// the EWMA variance until rounds accumulate.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a non-admin caller;
    /// [`AssetAlreadyListed`]; [`ParameterOutOfBounds`] for a heartbeat, band,
    /// bucket, decimals or volatility out of bounds; [`FeedCallFailed`] when
    /// the feed does not answer `decimals()`.
    #[allow(clippy::too_many_arguments)]
    pub fn list_asset(
        &mut self,
        asset: Address,
        feed: Address,
        heartbeat: u64,
        min_price: U256,
        max_price: U256,
        bucket: u8,
        depth: U256,
        initial_volatility: U256,
    ) -> Result<(), RiskError> {
        self.only_admin()?;
        if self.assets.getter(asset).listed.get() {
            return Err(RiskError::AssetAlreadyListed(AssetAlreadyListed { asset }));
        }
        check_u64(param::HEARTBEAT, heartbeat, bounds::HEARTBEAT)?;
        if max_price.is_zero() || min_price >= max_price || max_price > U256::from(u128::MAX) {
            return Err(out_of_bounds(param::PRICE_BAND, max_price));
        }
        if depth > U256::from(u128::MAX) {
            return Err(out_of_bounds(param::DEPTH, depth));
        }
        if usize::from(bucket) >= BUCKETS {
            return Err(out_of_bounds(param::BUCKET, U256::from(bucket)));
        }
        check(
            param::INITIAL_VOLATILITY,
            initial_volatility,
            bounds::INITIAL_VOLATILITY,
        )?;
        let decimals = self.feed_decimals(feed)?;
        // Variance = vol^2; rounds up (it drives requirements).
        let variance = narrow128(
            clearing_core::mul_up(initial_volatility, initial_volatility).map_err(math)?,
        )?;
        let mut a = self.assets.setter(asset);
        a.listed.set(true);
        a.feed.set(feed);
        a.feed_decimals.set(U8::from(decimals));
        a.heartbeat.set(U64::from(heartbeat));
        a.min_price.set(U128::from(min_price.to::<u128>()));
        a.max_price.set(U128::from(max_price.to::<u128>()));
        a.bucket.set(U8::from(bucket));
        a.depth.set(U128::from(depth.to::<u128>()));
        a.variance.set(variance);
        log(
            self.vm(),
            AssetListed {
                asset,
                feed,
                heartbeat,
                minPrice: min_price,
                maxPrice: max_price,
                bucket,
                depth,
                initialVolatility: initial_volatility,
            },
        );
        Ok(())
    }

    /// Names a volatility feed for `asset` (its answer is the daily volatility
    /// in the feed's decimals); the zero address returns the asset to EWMA.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`UnknownAsset`]; [`FeedCallFailed`].
    pub fn set_volatility_feed(&mut self, asset: Address, feed: Address) -> Result<(), RiskError> {
        self.only_admin()?;
        self.listed(asset)?;
        let decimals = if feed.is_zero() {
            0
        } else {
            self.feed_decimals(feed)?
        };
        let mut a = self.assets.setter(asset);
        let old = a.vol_feed.get();
        a.vol_feed.set(feed);
        a.vol_feed_decimals.set(U8::from(decimals));
        log(
            self.vm(),
            VolatilityFeedSet {
                asset,
                oldFeed: old,
                feed,
            },
        );
        Ok(())
    }

    /// Sets the L2 sequencer-uptime feed (zero address: none). A new linked
    /// address, so admin only (the timelock). The grace period is the
    /// governed parameter [`param::SEQUENCER_GRACE`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller without the admin role.
    pub fn set_sequencer_feed(&mut self, feed: Address) -> Result<(), RiskError> {
        self.only_admin()?;
        let old = self.sequencer_feed.get();
        self.sequencer_feed.set(feed);
        log(self.vm(), SequencerFeedSet { oldFeed: old, feed });
        Ok(())
    }

    /// Changes one governed parameter (see [`param`] and [`rule`]): lambda,
    /// heartbeat tolerance, minimum margin fraction, sequencer grace period,
    /// an intra-bucket correlation (`INTRA_CORRELATION + bucket`) or the
    /// inter-bucket correlation, within its hard bounds, by at most its step,
    /// at least a day after its last change. A change that raises risk needs
    /// the admin role (the timelock, which enforced the delay); one that
    /// lowers risk may also be applied at once by a holder of
    /// [`RISK_ADMIN_ROLE`]. Every correlation change raises risk. Each intra
    /// correlation must stay at least the inter correlation. Emits
    /// [`ParameterSet`] with the old and new value.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin raising risk (naming the admin role);
    /// [`ParameterOutOfBounds`] (unknown codes, and correlations that would
    /// put an intra value below the inter value, too);
    /// [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`].
    pub fn set_parameter(&mut self, code: u8, value: U256) -> Result<(), RiskError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let rule = rule(code).ok_or(out_of_bounds(code, value))?;
        let old = self.parameter(code);
        // The correlation matrix stays positive semi-definite: intra >= inter.
        let broken = if code == param::INTER_CORRELATION {
            self.load_correlations()
                .intra
                .iter()
                .any(|rho| *rho < value)
        } else {
            code >= param::INTRA_CORRELATION && value < from_u64(self.inter.get())
        };
        if broken {
            return Err(out_of_bounds(code, value));
        }
        let last = self.changed_at.get(code).to::<u64>();
        let now = self.vm().block_timestamp();
        match govern(&rule, old, value, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => return Err(out_of_bounds(code, value)),
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(RiskError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: old,
                    newValue: value,
                }))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(RiskError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(&rule, last),
                    },
                ))
            }
        }
        match code {
            param::LAMBDA => self.lambda.set(to_u64_bounded(value)),
            param::HEARTBEAT_TOLERANCE => self.heartbeat_tolerance.set(to_u64_bounded(value)),
            param::MIN_MARGIN_FRACTION => self.min_margin_fraction.set(to_u64_bounded(value)),
            param::SEQUENCER_GRACE => self.sequencer_grace.set(to_u64_bounded(value)),
            param::INTER_CORRELATION => self.inter.set(to_u64_bounded(value)),
            _ => {
                if let Some(mut slot) = self
                    .intra
                    .setter(usize::from(code - param::INTRA_CORRELATION))
                {
                    slot.set(to_u64_bounded(value));
                }
            }
        }
        self.changed_at.setter(code).set(U64::from(now));
        log(
            self.vm(),
            ParameterSet {
                param: code,
                oldValue: old,
                newValue: value,
            },
        );
        Ok(())
    }

    // ------------------------------------------------------------------
    // Prices and volatility
    // ------------------------------------------------------------------

    /// The validated oracle price of `asset`, WAD (DESIGN section 10).
    ///
    /// # Errors
    /// [`UnknownAsset`]; [`FeedCallFailed`]; [`SequencerDown`];
    /// [`SequencerGracePeriod`]; [`RoundIncomplete`]; [`PriceFromFuture`];
    /// [`PriceStale`]; [`PriceNonPositive`]; [`PriceOutOfBand`].
    pub fn price(&self, asset: Address) -> Result<U256, RiskError> {
        Ok(self.checked_price(asset)?.0)
    }

    /// Folds the latest oracle round of `asset` into its EWMA variance.
    /// A round already folded in changes nothing. Callable by anyone (keepers).
    /// Returns whether the variance was updated.
    ///
    /// # Errors
    /// Every error of [`Self::price`]; `MathError` on arithmetic overflow.
    pub fn poke(&mut self, asset: Address) -> Result<bool, RiskError> {
        let (price, round) = self.checked_price(asset)?;
        let a = self.assets.getter(asset);
        if round.round_id == a.last_round.get() {
            return Ok(false);
        }
        let prev_time = a.last_time.get().to::<u64>();
        let prev = (prev_time != 0).then(|| VolState {
            variance: from_u128(a.variance.get()),
            price: from_u128(a.last_price.get()),
            timestamp: prev_time,
        });
        let seed_variance = a.variance.get();
        drop(a);
        let now = round.updated_at.saturating_to::<u64>();
        let mut next =
            volatility::observe(prev, price, now, from_u64(self.lambda.get())).map_err(math)?;
        if prev.is_none() {
            // The first observation keeps the seeded variance from listing.
            next.variance = from_u128(seed_variance);
        }
        if prev.is_some_and(|p| p == next) {
            // Same timestamp as the last folded round: nothing to fold.
            return Ok(false);
        }
        let mut a = self.assets.setter(asset);
        a.last_round.set(round.round_id);
        a.last_price.set(narrow128(next.price)?);
        a.last_time.set(U64::from(next.timestamp));
        a.variance.set(narrow128(next.variance)?);
        log(
            self.vm(),
            VolatilityUpdated {
                asset,
                roundId: round.round_id,
                price: next.price,
                variance: next.variance,
            },
        );
        Ok(true)
    }

    /// Daily volatility of `asset`, WAD: from its volatility feed when one is
    /// named, otherwise the square root of the EWMA variance (rounded up).
    ///
    /// # Errors
    /// [`UnknownAsset`]; for a volatility feed, the feed errors of [`Self::price`]
    /// except the band check.
    pub fn volatility(&self, asset: Address) -> Result<U256, RiskError> {
        let a = self.listed(asset)?;
        let vol_feed = a.vol_feed.get();
        if vol_feed.is_zero() {
            return Ok(volatility::daily_vol(from_u128(a.variance.get())));
        }
        let cfg = FeedConfig {
            decimals: a.vol_feed_decimals.get().to::<u8>(),
            heartbeat: a.heartbeat.get().to::<u64>(),
            tolerance: from_u64(self.heartbeat_tolerance.get()),
            min_price: U256::ZERO,
            max_price: U256::MAX,
        };
        drop(a);
        let (vol, _) = self.read_feed(asset, vol_feed, &cfg)?;
        Ok(vol)
    }

    /// Risk configuration and volatility state of `asset`: price feed,
    /// heartbeat, sanity band, bucket, liquidity depth, volatility feed, and
    /// the EWMA state (last folded round, its price, its time and the per-day
    /// variance, WAD).
    ///
    /// # Errors
    /// [`UnknownAsset`].
    #[allow(clippy::type_complexity)]
    pub fn asset_risk(
        &self,
        asset: Address,
    ) -> Result<
        (
            Address,
            u64,
            U256,
            U256,
            u8,
            U256,
            Address,
            U80,
            U256,
            u64,
            U256,
        ),
        RiskError,
    > {
        let a = self.listed(asset)?;
        Ok((
            a.feed.get(),
            a.heartbeat.get().to::<u64>(),
            from_u128(a.min_price.get()),
            from_u128(a.max_price.get()),
            a.bucket.get().to::<u8>(),
            from_u128(a.depth.get()),
            a.vol_feed.get(),
            a.last_round.get(),
            from_u128(a.last_price.get()),
            a.last_time.get().to::<u64>(),
            from_u128(a.variance.get()),
        ))
    }

    /// The current value of governed parameter `code` (see [`rule`]; 0 for a code without one).
    pub fn parameter(&self, code: u8) -> U256 {
        match code {
            param::LAMBDA => from_u64(self.lambda.get()),
            param::HEARTBEAT_TOLERANCE => from_u64(self.heartbeat_tolerance.get()),
            param::MIN_MARGIN_FRACTION => from_u64(self.min_margin_fraction.get()),
            param::SEQUENCER_GRACE => U256::from(self.sequencer_grace.get()),
            param::INTER_CORRELATION => from_u64(self.inter.get()),
            _ => from_u64(
                self.intra
                    .get(usize::from(code.wrapping_sub(param::INTRA_CORRELATION)))
                    .unwrap_or_default(),
            ),
        }
    }

    /// Global parameters: lambda, heartbeat tolerance, minimum margin
    /// fraction, sequencer feed, its grace period, the intra-bucket
    /// correlations and the inter-bucket correlation.
    pub fn risk_parameters(&self) -> (U256, U256, U256, Address, u64, Vec<U256>, U256) {
        (
            from_u64(self.lambda.get()),
            from_u64(self.heartbeat_tolerance.get()),
            from_u64(self.min_margin_fraction.get()),
            self.sequencer_feed.get(),
            self.sequencer_grace.get().to::<u64>(),
            self.load_correlations().intra.to_vec(),
            from_u64(self.inter.get()),
        )
    }

    // ------------------------------------------------------------------
    // Inputs of the margin function
    // ------------------------------------------------------------------

    /// Everything the margin function (the `MarginEngine` contract, DESIGN
    /// section 7) and the haircuts (the `RiskEngine`) need besides the account's exposures, in
    /// one call: validated prices, buckets and liquidity depths of `assets`, the intra-bucket
    /// correlations, the inter-bucket correlation, the minimum margin fraction and the daily
    /// volatilities of `assets` (as [`Self::volatility`]). Each price feed is read once.
    ///
    /// # Errors
    /// [`TooManyUnderlyings`] above 8; [`UnknownAsset`]; any price error of
    /// [`Self::price`]; any error of [`Self::volatility`].
    #[allow(clippy::type_complexity)]
    pub fn margin_inputs(
        &self,
        assets: Vec<Address>,
    ) -> Result<
        (
            Vec<U256>,
            Vec<u8>,
            Vec<U256>,
            Vec<U256>,
            U256,
            U256,
            Vec<U256>,
        ),
        RiskError,
    > {
        if assets.len() > clearing_core::MAX_UNDERLYINGS {
            return Err(RiskError::TooManyUnderlyings(TooManyUnderlyings {
                count: U256::from(assets.len()),
            }));
        }
        let mut prices = Vec::with_capacity(assets.len());
        let mut buckets = Vec::with_capacity(assets.len());
        let mut depths = Vec::with_capacity(assets.len());
        let mut vols = Vec::with_capacity(assets.len());
        for asset in assets {
            prices.push(self.price(asset)?);
            vols.push(self.volatility(asset)?);
            let a = self.assets.getter(asset);
            buckets.push(a.bucket.get().to::<u8>());
            depths.push(from_u128(a.depth.get()));
        }
        let c = self.load_correlations();
        Ok((
            prices,
            buckets,
            depths,
            c.intra.to_vec(),
            c.inter,
            from_u64(self.min_margin_fraction.get()),
            vols,
        ))
    }
}

impl RiskModule {
    fn only_admin(&self) -> Result<(), RiskError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn listed(
        &self,
        asset: Address,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, AssetRisk>, RiskError> {
        let a = self.assets.getter(asset);
        if !a.listed.get() {
            return Err(RiskError::UnknownAsset(UnknownAsset { asset }));
        }
        Ok(a)
    }

    fn store_correlations(&mut self, intra: &[U256], inter: U256) {
        for (i, rho) in intra.iter().enumerate() {
            if let Some(mut slot) = self.intra.setter(i) {
                slot.set(to_u64_bounded(*rho));
            }
        }
        self.inter.set(to_u64_bounded(inter));
    }

    fn load_correlations(&self) -> Correlations {
        let mut c = Correlations {
            intra: [U256::ZERO; BUCKETS],
            inter: from_u64(self.inter.get()),
        };
        for (i, rho) in c.intra.iter_mut().enumerate() {
            *rho = from_u64(self.intra.get(i).unwrap_or_default());
        }
        c
    }

    /// The validated price of a listed asset and the round it came from.
    fn checked_price(&self, asset: Address) -> Result<(U256, clearing_core::Round), RiskError> {
        let a = self.listed(asset)?;
        let feed = a.feed.get();
        let cfg = FeedConfig {
            decimals: a.feed_decimals.get().to::<u8>(),
            heartbeat: a.heartbeat.get().to::<u64>(),
            tolerance: from_u64(self.heartbeat_tolerance.get()),
            min_price: from_u128(a.min_price.get()),
            max_price: from_u128(a.max_price.get()),
        };
        drop(a);
        self.read_feed(asset, feed, &cfg)
    }
}

/// The core's bounds check, reported as this contract's error with its parameter code.
fn check(code: u8, value: U256, (lo, hi): (U256, U256)) -> Result<(), RiskError> {
    p::check_bounds(value, lo, hi)
        .map(drop)
        .map_err(|_| out_of_bounds(code, value))
}

fn check_u64(code: u8, value: u64, (lo, hi): (u64, u64)) -> Result<(), RiskError> {
    check(code, U256::from(value), (U256::from(lo), U256::from(hi)))
}

fn out_of_bounds(code: u8, value: U256) -> RiskError {
    RiskError::ParameterOutOfBounds(ParameterOutOfBounds { param: code, value })
}

fn math(e: clearing_core::CoreError) -> RiskError {
    RiskError::MathError(MathError { code: e as u8 })
}

/// A computed value (a price inside its band, a variance) for 128-bit storage; `MathError`
/// (overflow) if it does not fit.
fn narrow128(v: U256) -> Result<U128, RiskError> {
    to_u128(v).map_err(math)
}

#[cfg(test)]
mod tests;
