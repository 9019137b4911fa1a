//! RiskEngine: volatility haircuts and collateral valuation (DESIGN section 5).
//!
//! The risk module owns oracles, volatility and market risk parameters; the
//! vault owns custody. This contract computes on top of both: each asset's
//! effective haircut (a target from volatility, approached no faster than the
//! speed limit), the haircut value of an account's collateral and the
//! account's exposures for the margin function (the MarginEngine). Call
//! graph: `Clearinghouse -> RiskEngine -> {CollateralVault (views), RiskModule}`.
//!
//! It is a contract of its own because this arithmetic does not fit in the
//! 24 KiB of the risk module or the vault beside their own duties.
//!
//! Methods that call the vault or the risk module return their revert data
//! unchanged, so a dApp sees the original custom error (decode it with that
//! contract's ABI).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64};
use clearing_core::math::fixed::{from_u64, to_u64_bounded};
use clearing_core::{
    check_change, governance::params as p, initial_haircut, may_apply, mul_div, mul_down,
    next_change_at, ramp_haircut, target_haircut, ChangeError, Direction, HaircutParams, Rounding,
    WAD,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap, StorageU64},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering haircut changes at
/// once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

pub use clearing_core::rules::risk_engine::{param, rule, MAX_VOL_MULTIPLIER, MIN_VOL_MULTIPLIER};

/// Haircut settings and state of one asset.
/// Two slots: the flag, the time and the bounds in the first, the multiplier and the stored
/// haircut in the second. Every value is WAD and bounded by its governance rule far below
/// 2^64 (at most 10), which `clearing_core`'s rule tests check.
#[storage]
pub struct HaircutConfig {
    configured: StorageBool,
    updated_at: StorageU64,
    floor: StorageU64,
    cap: StorageU64,
    multiplier: StorageU64,
    /// Effective maintenance haircut at `updated_at`.
    effective: StorageU64,
}

/// The risk engine contract.
#[storage]
#[entrypoint]
pub struct RiskEngine {
    access: AccessControl,
    // Small fields beside the addresses: the globals an evaluation reads are three slots
    // (WAD values bounded by their rules far below 2^64).
    risk: StorageAddress,
    horizon: StorageU64,
    vault: StorageAddress,
    k: StorageU64,
    haircuts: StorageMap<Address, HaircutConfig>,
    init_ratio: StorageU64,
    max_speed: StorageU64,
    /// Last change time per (asset, parameter code); asset zero for globals.
    changed_at: StorageMap<B256, StorageU64>,
}

sol_interface! {
    /// The risk module views this contract reads.
    interface IRiskModule {
        function volatility(address asset) external view returns (uint256);
        function marginInputs(address[] assets) external view returns (uint256[], uint8[], uint256[], uint256[], uint256, uint256, uint256[]);
    }

    /// The vault view this contract reads.
    interface ICollateralVault {
        function holdings(bytes32 account) external view returns (address[], int256[], address, int256);
    }
}

#[public]
impl RiskEngine {
    /// Wires the risk module and the vault, grants `admin` the admin role and
    /// sets the global haircut defaults of DESIGN section 12 (k 3, initial /
    /// maintenance 1.5, liquidation horizon 1 h, speed 2 pp per hour).
    #[constructor]
    pub fn constructor(&mut self, admin: Address, risk: Address, vault: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.risk.set(risk);
        self.vault.set(vault);
        self.k.set(to_u64_bounded(p::DEFAULT_K));
        self.init_ratio.set(to_u64_bounded(p::DEFAULT_INIT_RATIO));
        self.horizon.set(U64::from(p::DEFAULT_LIQ_HORIZON));
        self.max_speed.set(to_u64_bounded(p::DEFAULT_HAIRCUT_SPEED));
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), EngineError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), EngineError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wired addresses: risk module and vault.
    pub fn wiring(&self) -> (Address, Address) {
        (self.risk.get(), self.vault.get())
    }

    // ------------------------------------------------------------------
    // Haircut configuration (admin)
    // ------------------------------------------------------------------

    /// Sets the haircut floor, cap and volatility multiplier of `asset`. The
    /// first call configures the asset, with its effective haircut at the
    /// target implied by the risk module's current volatility. Later calls
    /// first bring the effective haircut up to date under the old settings;
    /// it then keeps moving toward the new target at the speed limit (a new
    /// floor or cap applies at once).
    ///
    /// Configuring a new asset is the admin's (the timelock's). A change of a
    /// configured asset follows each parameter's [`rule`] (step, one day
    /// between changes): raising floor, cap or multiplier lowers risk and a
    /// holder of [`RISK_ADMIN_ROLE`] may apply it at once; lowering any of
    /// them needs the admin. A lowered haircut still comes down only at the
    /// speed limit.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ParameterOutOfBounds`] unless
    /// floor <= cap <= 1 and the multiplier is in 0.1 ..= 10;
    /// [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`]; the risk
    /// module's errors unchanged (unknown asset, bad volatility feed).
    pub fn set_haircut_config(
        &mut self,
        asset: Address,
        floor: U256,
        cap: U256,
        multiplier: U256,
    ) -> Result<(), Vec<u8>> {
        let configured = self.haircuts.getter(asset).configured.get();
        if !configured {
            // A new asset raises risk: the admin's (the timelock's).
            self.only_admin()?;
        }
        if floor > cap || cap > WAD {
            return Err(out_of_bounds(param::HAIRCUT_BOUNDS, cap).into());
        }
        check(
            param::VOL_MULTIPLIER,
            multiplier,
            MIN_VOL_MULTIPLIER,
            MAX_VOL_MULTIPLIER,
        )?;
        if configured {
            let h = self.haircuts.getter(asset);
            let old = (
                from_u64(h.floor.get()),
                from_u64(h.cap.get()),
                from_u64(h.multiplier.get()),
            );
            drop(h);
            self.governed(
                asset,
                &[
                    (param::FLOOR, old.0, floor),
                    (param::CAP, old.1, cap),
                    (param::VOL_MULTIPLIER, old.2, multiplier),
                ],
            )?;
        }
        let effective = if configured {
            self.current(asset)?.1
        } else {
            let mut params = self.global_params();
            params.floor = floor;
            params.cap = cap;
            params.multiplier = multiplier;
            target_haircut(self.volatility(asset)?, &params).map_err(math)?
        };
        let now = self.vm().block_timestamp();
        let clamped = effective.max(floor).min(cap);
        let mut h = self.haircuts.setter(asset);
        h.configured.set(true);
        h.floor.set(to_u64_bounded(floor));
        h.cap.set(to_u64_bounded(cap));
        h.multiplier.set(to_u64_bounded(multiplier));
        h.effective.set(to_u64_bounded(clamped));
        h.updated_at.set(U64::from(now));
        log(
            self.vm(),
            HaircutConfigured {
                asset,
                floor,
                cap,
                multiplier,
                effective: clamped,
            },
        );
        Ok(())
    }

    /// Sets the global haircut parameters within the hard bounds of DESIGN
    /// section 12: k (1..6), initial/maintenance ratio (1.1..3), liquidation
    /// horizon (5 min..7 days), maximum haircut speed per hour (0.1..20 pp),
    /// each changed parameter within its [`rule`] (step, one day between
    /// changes). Risk-raising changes (lower k, ratio or horizon, higher
    /// speed) need the admin; the others may be applied at once by a holder
    /// of [`RISK_ADMIN_ROLE`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ParameterOutOfBounds`];
    /// [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`].
    pub fn set_haircut_parameters(
        &mut self,
        k: U256,
        init_ratio: U256,
        horizon: u64,
        max_speed: U256,
    ) -> Result<(), EngineError> {
        self.governed(
            Address::ZERO,
            &[
                (param::K, from_u64(self.k.get()), k),
                (
                    param::INIT_RATIO,
                    from_u64(self.init_ratio.get()),
                    init_ratio,
                ),
                (
                    param::HORIZON,
                    U256::from(self.horizon.get()),
                    U256::from(horizon),
                ),
                (param::SPEED, from_u64(self.max_speed.get()), max_speed),
            ],
        )?;
        check(param::K, k, p::MIN_K, p::MAX_K)?;
        check(
            param::INIT_RATIO,
            init_ratio,
            p::MIN_INIT_RATIO,
            p::MAX_INIT_RATIO,
        )?;
        check(
            param::HORIZON,
            U256::from(horizon),
            U256::from(p::MIN_LIQ_HORIZON),
            U256::from(p::MAX_LIQ_HORIZON),
        )?;
        check(
            param::SPEED,
            max_speed,
            p::MIN_HAIRCUT_SPEED,
            p::MAX_HAIRCUT_SPEED,
        )?;
        self.k.set(to_u64_bounded(k));
        self.init_ratio.set(to_u64_bounded(init_ratio));
        self.horizon.set(U64::from(horizon));
        self.max_speed.set(to_u64_bounded(max_speed));
        log(
            self.vm(),
            HaircutParametersSet {
                k,
                initRatio: init_ratio,
                horizon,
                maxSpeed: max_speed,
            },
        );
        Ok(())
    }

    /// Haircut settings and stored state of `asset`: floor, cap, multiplier,
    /// effective maintenance haircut at the last update, time of that update.
    ///
    /// # Errors
    /// [`UnknownAsset`] when the asset has no haircut configuration.
    pub fn haircut_config(
        &self,
        asset: Address,
    ) -> Result<(U256, U256, U256, U256, u64), EngineError> {
        let h = self.configured(asset)?;
        Ok((
            from_u64(h.floor.get()),
            from_u64(h.cap.get()),
            from_u64(h.multiplier.get()),
            from_u64(h.effective.get()),
            h.updated_at.get().to::<u64>(),
        ))
    }

    /// Global haircut parameters: k, initial/maintenance ratio, horizon (s),
    /// maximum speed per hour.
    pub fn haircut_parameters(&self) -> (U256, U256, u64, U256) {
        (
            from_u64(self.k.get()),
            from_u64(self.init_ratio.get()),
            self.horizon.get().to::<u64>(),
            from_u64(self.max_speed.get()),
        )
    }

    // ------------------------------------------------------------------
    // Haircuts
    // ------------------------------------------------------------------

    /// Current maintenance and initial haircuts of `asset`: the stored
    /// effective haircut moved toward the target (from the risk module's
    /// volatility) at most at the speed limit since its last update.
    ///
    /// # Errors
    /// [`UnknownAsset`]; the risk module's errors unchanged; [`MathError`].
    pub fn haircut(&self, asset: Address) -> Result<(U256, U256), Vec<u8>> {
        let (_, m, i) = self.current(asset)?;
        Ok((m, i))
    }

    /// Stores the current effective haircut of `asset`, so the ramp starts
    /// from fresh state (keepers call it). Returns the maintenance haircut.
    ///
    /// # Errors
    /// As [`Self::haircut`].
    pub fn update_haircut(&mut self, asset: Address) -> Result<U256, Vec<u8>> {
        let (target, effective, _) = self.current(asset)?;
        let now = self.vm().block_timestamp();
        let mut h = self.haircuts.setter(asset);
        h.effective.set(to_u64_bounded(effective));
        h.updated_at.set(U64::from(now));
        log(
            self.vm(),
            HaircutUpdated {
                asset,
                target,
                effective,
            },
        );
        Ok(effective)
    }

    // ------------------------------------------------------------------
    // Valuation
    // ------------------------------------------------------------------

    /// Haircut value of `account`'s token balances (WAD quote, rounded
    /// down): the sum of amount * price * (1 - h) over its collateral, with
    /// maintenance and initial haircuts (DESIGN section 5). The signed quote
    /// balance is not included; see [`Self::exposures`].
    ///
    /// # Errors
    /// The vault's and the risk module's errors unchanged; [`UnknownAsset`]
    /// for collateral without haircut configuration; [`MathError`].
    pub fn collateral_value(&self, account: B256) -> Result<(U256, U256), Vec<u8>> {
        let p = self.priced(account, Vec::new())?;
        let mut maint = U256::ZERO;
        let mut init = U256::ZERO;
        for k in 0..p.held.len() {
            // Collateral values round down.
            let value = mul_down(p.held[k].into_raw(), p.prices[k]).map_err(math)?;
            maint += after_haircut(value, p.maint[k])?;
            init += after_haircut(value, p.init[k])?;
        }
        Ok((maint, init))
    }

    /// Everything the margin function needs about `account`, in one call (DESIGN section 7):
    /// its collateral rows, then a row for each of `underlyings` (the underlyings of its
    /// positions, as the caller found them) that is not among them, each with the signed WAD
    /// amount (the quote asset's includes the signed quote balance, so a quote debt appears
    /// even with no quote tokens held; zero on an underlying-only row), the oracle price and
    /// the maintenance and initial haircuts; then the rows' buckets and liquidity depths, the
    /// intra-bucket and inter-bucket correlations, the minimum margin fraction, how many
    /// leading rows are collateral, and the initial / maintenance ratio (the initial
    /// requirement's floor is that ratio times the maintenance floor). Prices, volatilities and
    /// the risk settings come from one `RiskModule.marginInputs` call: each feed is read once.
    ///
    /// Returns `(assets, amounts, prices, maintenance, initial, buckets, depths, intra, inter,
    /// minMarginFraction, collateralRows, initRatio)`.
    ///
    /// # Errors
    /// The vault's and the risk module's errors unchanged (`TooManyUnderlyings` above 8 rows,
    /// every price error); [`UnknownAsset`] for a row without haircut configuration;
    /// [`MathError`]; [`CallFailed`] when a callee's answer does not fit.
    #[allow(clippy::type_complexity)]
    pub fn exposures(
        &self,
        account: B256,
        underlyings: Vec<Address>,
    ) -> Result<
        (
            Vec<Address>,
            Vec<I256>,
            Vec<U256>,
            Vec<U256>,
            Vec<U256>,
            Vec<u8>,
            Vec<U256>,
            Vec<U256>,
            U256,
            U256,
            U256,
            U256,
        ),
        Vec<u8>,
    > {
        let p = self.priced(account, underlyings)?;
        let held = U256::from(p.held.len());
        Ok((
            p.assets,
            p.amounts,
            p.prices,
            p.maint,
            p.init,
            p.buckets,
            p.depths,
            p.intra,
            p.inter,
            p.mmf,
            held,
            from_u64(self.init_ratio.get()),
        ))
    }
}

/// An account's rows priced by one `RiskModule.marginInputs` call (see
/// [`RiskEngine::exposures`]).
struct Priced {
    assets: Vec<Address>,
    amounts: Vec<I256>,
    /// Token balances alone, WAD, of the collateral rows (the leading ones).
    held: Vec<I256>,
    prices: Vec<U256>,
    maint: Vec<U256>,
    init: Vec<U256>,
    buckets: Vec<u8>,
    depths: Vec<U256>,
    intra: Vec<U256>,
    inter: U256,
    mmf: U256,
}

impl RiskEngine {
    /// Applies the governance rules to the changed entries of `changes`
    /// (`(code, old, new)` of `subject`, zero for globals): bounds, step and
    /// interval per parameter, then who may apply the whole change (the
    /// admin always, the risk admin only when nothing raises risk), then
    /// records the change times.
    fn governed(
        &mut self,
        subject: Address,
        changes: &[(u8, U256, U256)],
    ) -> Result<(), EngineError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let now = self.vm().block_timestamp();
        let mut direction = Direction::Unchanged;
        for &(code, old, new) in changes {
            if old == new {
                continue;
            }
            let Some(rule) = rule(code) else { continue };
            let last = self.changed_at.get(change_key(subject, code)).to::<u64>();
            let d = check_change(&rule, old, new, last, now).map_err(|e| match e {
                ChangeError::OutOfBounds => out_of_bounds(code, new),
                ChangeError::StepTooLarge => {
                    EngineError::ParameterStepTooLarge(ParameterStepTooLarge {
                        param: code,
                        oldValue: old,
                        newValue: new,
                    })
                }
                ChangeError::TooSoon => {
                    EngineError::ParameterChangedTooSoon(ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(&rule, last),
                    })
                }
            })?;
            if d == Direction::RaisesRisk || direction == Direction::Unchanged {
                direction = d;
            }
        }
        if !may_apply(direction, is_admin, is_risk_admin) {
            self.access._check_role(ADMIN_ROLE.into(), caller)?;
        }
        for &(code, old, new) in changes {
            if old != new {
                self.changed_at
                    .setter(change_key(subject, code))
                    .set(U64::from(now));
                log(
                    self.vm(),
                    ParameterSet {
                        subject,
                        param: code,
                        oldValue: old,
                        newValue: new,
                    },
                );
            }
        }
        Ok(())
    }

    fn only_admin(&self) -> Result<(), EngineError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn configured(
        &self,
        asset: Address,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, HaircutConfig>, EngineError> {
        let h = self.haircuts.getter(asset);
        if !h.configured.get() {
            return Err(EngineError::UnknownAsset(UnknownAsset { asset }));
        }
        Ok(h)
    }

    fn global_params(&self) -> HaircutParams {
        HaircutParams {
            k: from_u64(self.k.get()),
            horizon: self.horizon.get().to::<u64>(),
            multiplier: p::DEFAULT_VOL_MULTIPLIER,
            floor: U256::ZERO,
            cap: WAD,
            init_ratio: from_u64(self.init_ratio.get()),
            max_speed: from_u64(self.max_speed.get()),
        }
    }

    /// (target, effective maintenance, initial) haircuts of `asset` now, with its volatility
    /// from the risk module.
    fn current(&self, asset: Address) -> Result<(U256, U256, U256), Vec<u8>> {
        self.configured(asset)?;
        self.current_at(asset, self.volatility(asset)?)
    }

    /// The risk module's daily volatility of `asset` (WAD).
    fn volatility(&self, asset: Address) -> Result<U256, Vec<u8>> {
        let risk = self.risk.get();
        IRiskModule::new(risk)
            .volatility(self, asset)
            .map_err(|e| passthrough(e, risk))
    }

    /// (target, effective maintenance, initial) haircuts of `asset` now at daily volatility
    /// `vol` (WAD).
    fn current_at(&self, asset: Address, vol: U256) -> Result<(U256, U256, U256), Vec<u8>> {
        let h = self.configured(asset)?;
        let mut params = self.global_params();
        params.floor = from_u64(h.floor.get());
        params.cap = from_u64(h.cap.get());
        params.multiplier = from_u64(h.multiplier.get());
        let (stored, since) = (from_u64(h.effective.get()), h.updated_at.get().to::<u64>());
        drop(h);
        let target = target_haircut(vol, &params).map_err(math)?;
        let elapsed = self.vm().block_timestamp().saturating_sub(since);
        let effective = ramp_haircut(stored, target, elapsed, &params).map_err(math)?;
        let initial = initial_haircut(effective, &params).map_err(math)?;
        Ok((target, effective, initial))
    }

    /// The account's collateral rows and a row for each of `underlyings` it does not hold,
    /// priced, with haircuts and the risk settings (see [`Self::exposures`]).
    fn priced(&self, account: B256, underlyings: Vec<Address>) -> Result<Priced, Vec<u8>> {
        let (mut assets, mut amounts, held) = self.holdings(account)?;
        for u in underlyings {
            if !assets.contains(&u) {
                assets.push(u);
                amounts.push(I256::ZERO);
            }
        }
        let risk = self.risk.get();
        let (prices, buckets, depths, intra, inter, mmf, vols) = IRiskModule::new(risk)
            .margin_inputs(self, assets.clone())
            .map_err(|e| passthrough(e, risk))?;
        let n = assets.len();
        if prices.len() != n || vols.len() != n || buckets.len() != n || depths.len() != n {
            return Err(EngineError::CallFailed(CallFailed { callee: risk }).into());
        }
        let mut maint = Vec::with_capacity(n);
        let mut init = Vec::with_capacity(n);
        for (asset, vol) in assets.iter().zip(&vols) {
            let (_, m, i) = self.current_at(*asset, *vol)?;
            maint.push(m);
            init.push(i);
        }
        Ok(Priced {
            assets,
            amounts,
            held,
            prices,
            maint,
            init,
            buckets,
            depths,
            intra,
            inter,
            mmf,
        })
    }

    /// The account's collateral from the vault: the assets, their signed WAD amounts (the
    /// quote asset's with the signed quote balance added; a quote row appears for a quote
    /// balance alone) and the token balances alone.
    #[allow(clippy::type_complexity)]
    fn holdings(&self, account: B256) -> Result<(Vec<Address>, Vec<I256>, Vec<I256>), Vec<u8>> {
        let vault = self.vault.get();
        let (mut assets, held, quote_asset, quote) = ICollateralVault::new(vault)
            .holdings(self, account)
            .map_err(|e| passthrough(e, vault))?;
        if assets.len() != held.len() {
            return Err(EngineError::CallFailed(CallFailed { callee: vault }).into());
        }
        let mut held = held;
        if !quote.is_zero() && !assets.contains(&quote_asset) {
            assets.push(quote_asset);
            held.push(I256::ZERO);
        }
        let mut amounts = held.clone();
        for (a, amount) in assets.iter().zip(amounts.iter_mut()) {
            if *a == quote_asset {
                *amount = clearing_core::add_signed(*amount, quote).map_err(math)?;
            }
        }
        Ok((assets, amounts, held))
    }
}

/// The storage key of a parameter's last change: the subject's address and
/// the parameter code in the last byte.
fn change_key(subject: Address, code: u8) -> B256 {
    let mut k = [0u8; 32];
    k[..20].copy_from_slice(subject.as_slice());
    k[31] = code;
    B256::from(k)
}

/// The core's bounds check, reported as this contract's error with its parameter code.
fn check(code: u8, value: U256, lo: U256, hi: U256) -> Result<(), EngineError> {
    p::check_bounds(value, lo, hi)
        .map(drop)
        .map_err(|_| out_of_bounds(code, value))
}

fn out_of_bounds(code: u8, value: U256) -> EngineError {
    EngineError::ParameterOutOfBounds(ParameterOutOfBounds { param: code, value })
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    EngineError::MathError(MathError { code: e as u8 }).into()
}

/// `value * (1 - h)`, rounded down (collateral value).
fn after_haircut(value: U256, h: U256) -> Result<U256, Vec<u8>> {
    mul_div(value, WAD - h.min(WAD), WAD, Rounding::Down).map_err(math)
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => EngineError::CallFailed(CallFailed { callee }).into(),
    }
}
