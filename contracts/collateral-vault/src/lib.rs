//! CollateralVault: token custody per sub-account, asset configuration,
//! volatility haircuts and collateral valuation (DESIGN sections 4 and 5).
//!
//! Call graph: the vault calls the risk module (prices, volatility) and
//! ERC-20 tokens, nothing else. Token balances move only by `deposit` (any
//! user, into their own sub-account) or on the clearinghouse's order
//! (`release`, `transferBalance`); the signed quote balance changes only
//! through the clearinghouse (`applyQuoteDelta`).
//!
//! Units: token balances are kept in the token's own decimals; the quote
//! balance is a signed WAD amount of the quote asset; prices, haircuts and
//! values are WAD.
//!
//! Methods that call the risk module return its revert data unchanged, so a
//! dApp sees the original custom error (e.g. `PriceStale`); decode it with the
//! risk module's ABI.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64, U8};
use clearing_core::{
    account, initial_haircut, mul_down, params as p, ramp_haircut, target_haircut, to_signed, to_wad,
    HaircutParams, Rounding,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::call::Call;
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageBool, StorageI256, StorageMap, StorageU256, StorageU64, StorageU8,
        StorageVec,
    },
};

pub use errors::*;

/// Maximum number of collateral assets per sub-account (DESIGN section 4).
pub const MAX_ASSETS_PER_ACCOUNT: usize = 8;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// Parameter codes used by [`ParameterOutOfBounds`].
pub mod param {
    /// Token decimals (at most 36).
    pub const DECIMALS: u8 = 1;
    /// Haircut floor / cap (floor <= cap <= 1).
    pub const HAIRCUT_BOUNDS: u8 = 2;
    /// Volatility multiplier (0.1 ..= 10).
    pub const VOL_MULTIPLIER: u8 = 3;
    /// k, the volatility multiple (1 ..= 6).
    pub const K: u8 = 4;
    /// Initial / maintenance ratio (1.1 ..= 3).
    pub const INIT_RATIO: u8 = 5;
    /// Liquidation horizon (5 min ..= 7 days).
    pub const HORIZON: u8 = 6;
    /// Haircut speed per hour (0.1 ..= 20 percentage points).
    pub const SPEED: u8 = 7;
}

/// Configuration and haircut state of one asset.
#[storage]
pub struct AssetConfig {
    listed: StorageBool,
    decimals: StorageU8,
    deposit_cap: StorageU256,
    total_deposits: StorageU256,
    haircut_floor: StorageU256,
    haircut_cap: StorageU256,
    vol_multiplier: StorageU256,
    deposit_enabled: StorageBool,
    collateral_enabled: StorageBool,
    /// Effective maintenance haircut at `haircut_time`.
    effective_haircut: StorageU256,
    haircut_time: StorageU64,
}

/// The collateral vault contract.
#[storage]
#[entrypoint]
pub struct CollateralVault {
    access: AccessControl,
    risk: StorageAddress,
    clearinghouse: StorageAddress,
    quote_asset: StorageAddress,
    assets: StorageMap<Address, AssetConfig>,
    asset_list: StorageVec<StorageAddress>,
    balances: StorageMap<B256, StorageMap<Address, StorageU256>>,
    account_assets: StorageMap<B256, StorageVec<StorageAddress>>,
    quote_balances: StorageMap<B256, StorageI256>,
    k: StorageU256,
    init_ratio: StorageU256,
    horizon: StorageU64,
    max_speed: StorageU256,
}

sol_interface! {
    /// The ERC-20 functions the vault uses.
    interface IERC20 {
        function balanceOf(address account) external view returns (uint256);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function transfer(address to, uint256 amount) external returns (bool);
        function decimals() external view returns (uint8);
    }

    /// The risk module functions the vault uses.
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
        function volatility(address asset) external view returns (uint256);
    }
}

/// One asset of an account as the margin function sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountAsset {
    /// The asset (token address).
    pub asset: Address,
    /// Signed amount in WAD base units (the quote asset includes the quote balance).
    pub amount: I256,
    /// Oracle price, WAD.
    pub price: U256,
    /// Effective maintenance haircut, WAD.
    pub maintenance: U256,
    /// Initial haircut, WAD.
    pub initial: U256,
}

#[public]
impl CollateralVault {
    /// Wires the risk module and the quote asset, grants `admin` the admin
    /// role and sets the global haircut defaults (k 3, ratio 1.5, horizon 1 h,
    /// speed 2 pp per hour).
    #[constructor]
    pub fn constructor(&mut self, admin: Address, risk: Address, quote_asset: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.risk.set(risk);
        self.quote_asset.set(quote_asset);
        self.k.set(p::DEFAULT_K);
        self.init_ratio.set(p::DEFAULT_INIT_RATIO);
        self.horizon.set(U64::from(p::DEFAULT_LIQ_HORIZON));
        self.max_speed.set(p::DEFAULT_HAIRCUT_SPEED);
    }

    // ------------------------------------------------------------------
    // Access control and wiring
    // ------------------------------------------------------------------

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), VaultError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), VaultError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wires the clearinghouse, once.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ClearinghouseAlreadySet`] when
    /// already wired or `clearinghouse` is zero.
    pub fn set_clearinghouse(&mut self, clearinghouse: Address) -> Result<(), VaultError> {
        self.only_admin()?;
        if !self.clearinghouse.get().is_zero() || clearinghouse.is_zero() {
            return Err(VaultError::ClearinghouseAlreadySet(ClearinghouseAlreadySet {
                clearinghouse: self.clearinghouse.get(),
            }));
        }
        self.clearinghouse.set(clearinghouse);
        log(self.vm(), ClearinghouseSet { clearinghouse });
        Ok(())
    }

    /// Wired addresses: risk module, clearinghouse, quote asset.
    pub fn wiring(&self) -> (Address, Address, Address) {
        (self.risk.get(), self.clearinghouse.get(), self.quote_asset.get())
    }

    // ------------------------------------------------------------------
    // Asset configuration (admin)
    // ------------------------------------------------------------------

    /// Lists `asset` (an ERC-20 whose `decimals()` must equal `decimals`).
    /// The effective haircut starts at the target implied by the risk
    /// module's current volatility for the asset.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`AssetAlreadyListed`];
    /// [`ParameterOutOfBounds`]; [`DecimalsMismatch`]; [`TransferFailed`]
    /// when the token does not answer `decimals()`; the risk module's errors
    /// (unknown asset, bad price or volatility feed) unchanged.
    #[allow(clippy::too_many_arguments)]
    pub fn list_asset(
        &mut self,
        asset: Address,
        decimals: u8,
        deposit_cap: U256,
        haircut_floor: U256,
        haircut_cap: U256,
        vol_multiplier: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        if self.assets.getter(asset).listed.get() {
            return Err(VaultError::AssetAlreadyListed(AssetAlreadyListed { asset }).into());
        }
        if decimals > clearing_core::MAX_DECIMALS {
            return Err(out_of_bounds(param::DECIMALS, U256::from(decimals)).into());
        }
        let token_decimals = IERC20::new(asset)
            .decimals(&*self)
            .map_err(|_| VaultError::TransferFailed(TransferFailed { asset }))?;
        if token_decimals != decimals {
            return Err(VaultError::DecimalsMismatch(DecimalsMismatch { asset, configured: decimals, token: token_decimals }).into());
        }
        check_haircut_config(haircut_floor, haircut_cap, vol_multiplier)?;
        let mut params = self.global_params();
        params.floor = haircut_floor;
        params.cap = haircut_cap;
        params.multiplier = vol_multiplier;
        let target = self.target_for(asset, &params)?;
        let now = self.vm().block_timestamp();
        let mut a = self.assets.setter(asset);
        a.listed.set(true);
        a.decimals.set(U8::from(decimals));
        a.deposit_cap.set(deposit_cap);
        a.haircut_floor.set(haircut_floor);
        a.haircut_cap.set(haircut_cap);
        a.vol_multiplier.set(vol_multiplier);
        a.deposit_enabled.set(deposit_enabled);
        a.collateral_enabled.set(collateral_enabled);
        a.effective_haircut.set(target);
        a.haircut_time.set(U64::from(now));
        self.asset_list.push(asset);
        log(
            self.vm(),
            AssetConfigured {
                asset,
                listed: true,
                decimals,
                depositCap: deposit_cap,
                haircutFloor: haircut_floor,
                haircutCap: haircut_cap,
                volMultiplier: vol_multiplier,
                depositEnabled: deposit_enabled,
                collateralEnabled: collateral_enabled,
            },
        );
        log(self.vm(), HaircutUpdated { asset, target, effective: target });
        Ok(())
    }

    /// Reconfigures a listed asset: cap, haircut floor and cap, volatility
    /// multiplier and flags. The effective haircut is first brought up to
    /// date under the old settings, then keeps ramping toward the new target
    /// at the speed limit (a new floor or cap applies at once).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`UnknownAsset`];
    /// [`ParameterOutOfBounds`]; the risk module's errors unchanged.
    #[allow(clippy::too_many_arguments)]
    pub fn configure_asset(
        &mut self,
        asset: Address,
        deposit_cap: U256,
        haircut_floor: U256,
        haircut_cap: U256,
        vol_multiplier: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        self.listed(asset)?;
        check_haircut_config(haircut_floor, haircut_cap, vol_multiplier)?;
        self.update_haircut(asset)?;
        let mut a = self.assets.setter(asset);
        let decimals = a.decimals.get().to::<u8>();
        a.deposit_cap.set(deposit_cap);
        a.haircut_floor.set(haircut_floor);
        a.haircut_cap.set(haircut_cap);
        a.vol_multiplier.set(vol_multiplier);
        a.deposit_enabled.set(deposit_enabled);
        a.collateral_enabled.set(collateral_enabled);
        let clamped = a.effective_haircut.get().max(haircut_floor).min(haircut_cap);
        a.effective_haircut.set(clamped);
        log(
            self.vm(),
            AssetConfigured {
                asset,
                listed: false,
                decimals,
                depositCap: deposit_cap,
                haircutFloor: haircut_floor,
                haircutCap: haircut_cap,
                volMultiplier: vol_multiplier,
                depositEnabled: deposit_enabled,
                collateralEnabled: collateral_enabled,
            },
        );
        Ok(())
    }

    /// Sets the global haircut parameters within the hard bounds of DESIGN
    /// section 12: k (1..6), initial/maintenance ratio (1.1..3), liquidation
    /// horizon (5 min..7 days), maximum haircut speed per hour (0.1..20 pp).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ParameterOutOfBounds`].
    pub fn set_haircut_parameters(
        &mut self,
        k: U256,
        init_ratio: U256,
        horizon: u64,
        max_speed: U256,
    ) -> Result<(), VaultError> {
        self.only_admin()?;
        check(param::K, k, p::MIN_K, p::MAX_K)?;
        check(param::INIT_RATIO, init_ratio, p::MIN_INIT_RATIO, p::MAX_INIT_RATIO)?;
        check(param::HORIZON, U256::from(horizon), U256::from(p::MIN_LIQ_HORIZON), U256::from(p::MAX_LIQ_HORIZON))?;
        check(param::SPEED, max_speed, p::MIN_HAIRCUT_SPEED, p::MAX_HAIRCUT_SPEED)?;
        self.k.set(k);
        self.init_ratio.set(init_ratio);
        self.horizon.set(U64::from(horizon));
        self.max_speed.set(max_speed);
        log(self.vm(), HaircutParametersSet { k, initRatio: init_ratio, horizon, maxSpeed: max_speed });
        Ok(())
    }

    /// Configuration of `asset`: decimals, deposit cap, total deposits,
    /// haircut floor, haircut cap, volatility multiplier, deposit flag,
    /// collateral flag.
    ///
    /// # Errors
    /// [`UnknownAsset`].
    #[allow(clippy::type_complexity)]
    pub fn asset_config(&self, asset: Address) -> Result<(u8, U256, U256, U256, U256, U256, bool, bool), VaultError> {
        let a = self.listed(asset)?;
        Ok((
            a.decimals.get().to::<u8>(),
            a.deposit_cap.get(),
            a.total_deposits.get(),
            a.haircut_floor.get(),
            a.haircut_cap.get(),
            a.vol_multiplier.get(),
            a.deposit_enabled.get(),
            a.collateral_enabled.get(),
        ))
    }

    /// Every listed asset, in listing order.
    pub fn listed_assets(&self) -> Vec<Address> {
        (0..self.asset_list.len()).filter_map(|i| self.asset_list.get(i)).collect()
    }

    // ------------------------------------------------------------------
    // Deposits (users)
    // ------------------------------------------------------------------

    /// Pulls `amount` of `asset` from the caller with `transferFrom` and
    /// credits the caller's sub-account `subaccount` with what actually
    /// arrived (a fee-on-transfer token cannot inflate balances). Allowed
    /// while the asset's deposits are enabled, whatever the state of
    /// liquidations or oracles. Returns the amount credited.
    ///
    /// # Errors
    /// [`ZeroAmount`]; [`UnknownAsset`]; [`DepositsDisabled`];
    /// [`DepositCapExceeded`]; [`TooManyAssets`] when the sub-account already
    /// holds 8 other assets; [`TransferFailed`] when the token reverts or
    /// returns false.
    pub fn deposit(&mut self, subaccount: u8, asset: Address, amount: U256) -> Result<U256, VaultError> {
        if amount.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        let a = self.listed(asset)?;
        if !a.deposit_enabled.get() {
            return Err(VaultError::DepositsDisabled(DepositsDisabled { asset }));
        }
        let (cap, total) = (a.deposit_cap.get(), a.total_deposits.get());
        drop(a);
        let would_be = total.saturating_add(amount);
        if would_be > cap {
            return Err(VaultError::DepositCapExceeded(DepositCapExceeded { asset, cap, wouldBe: would_be }));
        }
        let sender = self.vm().msg_sender();
        let id = account::encode(sender, subaccount);
        self.ensure_holding(id, asset)?;
        let this = self.vm().contract_address();
        let token = IERC20::new(asset);
        let failed = |_| VaultError::TransferFailed(TransferFailed { asset });
        let before = token.balance_of(&*self, this).map_err(failed)?;
        let ok = token.transfer_from(Call::new_in(self), sender, this, amount).map_err(failed)?;
        if !ok {
            return Err(VaultError::TransferFailed(TransferFailed { asset }));
        }
        let after = token.balance_of(&*self, this).map_err(failed)?;
        let received = after.saturating_sub(before);
        if received.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        // The cap counts what arrived, which is at most `amount`.
        let mut a = self.assets.setter(asset);
        let new_total = a.total_deposits.get() + received;
        a.total_deposits.set(new_total);
        drop(a);
        let mut bal = self.balances.setter(id);
        let mut slot = bal.setter(asset);
        let new_balance = slot.get() + received;
        slot.set(new_balance);
        log(self.vm(), Deposited { account: id, asset, from: sender, amount, received });
        Ok(received)
    }

    // ------------------------------------------------------------------
    // Clearinghouse-only movements
    // ------------------------------------------------------------------

    /// Releases `amount` of `asset` from `account` to `recipient` (a
    /// withdrawal the clearinghouse has checked). Returns nothing; emits
    /// [`Released`].
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`ZeroAmount`]; [`UnknownAsset`];
    /// [`InsufficientBalance`]; [`TransferFailed`].
    pub fn release(&mut self, account: B256, asset: Address, amount: U256, recipient: Address) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        if amount.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        self.listed(asset)?;
        self.debit(account, asset, amount)?;
        let mut a = self.assets.setter(asset);
        let total = a.total_deposits.get().saturating_sub(amount);
        a.total_deposits.set(total);
        drop(a);
        let ok = IERC20::new(asset)
            .transfer(Call::new_in(self), recipient, amount)
            .map_err(|_| VaultError::TransferFailed(TransferFailed { asset }))?;
        if !ok {
            return Err(VaultError::TransferFailed(TransferFailed { asset }));
        }
        log(self.vm(), Released { account, asset, recipient, amount });
        Ok(())
    }

    /// Moves `amount` of `asset` from one sub-account to another
    /// (settlement, liquidation, insurance fund).
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`ZeroAmount`]; [`UnknownAsset`];
    /// [`InsufficientBalance`]; [`TooManyAssets`] for the receiver.
    pub fn transfer_balance(&mut self, from: B256, to: B256, asset: Address, amount: U256) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        if amount.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        self.listed(asset)?;
        self.debit(from, asset, amount)?;
        self.ensure_holding(to, asset)?;
        let mut bal = self.balances.setter(to);
        let mut slot = bal.setter(asset);
        let v = slot.get() + amount;
        slot.set(v);
        log(self.vm(), BalanceTransferred { from, to, asset, amount });
        Ok(())
    }

    /// Adds the signed `delta` (WAD of the quote asset) to `account`'s quote
    /// balance, which may go negative (debt). Returns the new balance.
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`MathError`] on overflow.
    pub fn apply_quote_delta(&mut self, account: B256, delta: I256) -> Result<I256, VaultError> {
        self.only_clearinghouse()?;
        let old = self.quote_balances.get(account);
        let new = clearing_core::add_signed(old, delta)?;
        self.quote_balances.setter(account).set(new);
        log(self.vm(), QuoteBalanceChanged { account, delta, balance: new });
        Ok(new)
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
        let (_, m, i) = self.current_haircut(asset)?;
        Ok((m, i))
    }

    /// Stores the current effective haircut of `asset` (keepers call this so
    /// the ramp starts from fresh state). Returns the maintenance haircut.
    ///
    /// # Errors
    /// As [`Self::haircut`].
    pub fn update_haircut(&mut self, asset: Address) -> Result<U256, Vec<u8>> {
        let (target, effective, _) = self.current_haircut(asset)?;
        let now = self.vm().block_timestamp();
        let mut a = self.assets.setter(asset);
        a.effective_haircut.set(effective);
        a.haircut_time.set(U64::from(now));
        log(self.vm(), HaircutUpdated { asset, target, effective });
        Ok(effective)
    }

    // ------------------------------------------------------------------
    // Balances and valuation
    // ------------------------------------------------------------------

    /// Token balance of `account` in `asset`, in the token's decimals.
    pub fn balance_of(&self, account: B256, asset: Address) -> U256 {
        self.balances.getter(account).get(asset)
    }

    /// Signed quote balance of `account` (WAD of the quote asset; negative is debt).
    pub fn quote_balance(&self, account: B256) -> I256 {
        self.quote_balances.get(account)
    }

    /// Assets `account` holds or has held (at most 8).
    pub fn account_assets(&self, account: B256) -> Vec<Address> {
        let list = self.account_assets.getter(account);
        (0..list.len()).filter_map(|i| list.get(i)).collect()
    }

    /// Haircut value of `account`'s token balances (WAD USD, rounded down):
    /// sum of amount * price * (1 - h) over assets enabled as collateral,
    /// with maintenance and initial haircuts. The signed quote balance is
    /// not included (see [`Self::exposures`]).
    ///
    /// # Errors
    /// The risk module's price errors unchanged; [`MathError`].
    pub fn collateral_value(&self, account: B256) -> Result<(U256, U256), Vec<u8>> {
        let mut maint = U256::ZERO;
        let mut init = U256::ZERO;
        for asset in self.account_assets(account) {
            let amount = self.balance_of(account, asset);
            if amount.is_zero() || !self.assets.getter(asset).collateral_enabled.get() {
                continue;
            }
            let decimals = self.assets.getter(asset).decimals.get().to::<u8>();
            let price = self.price_of(asset)?;
            let (_, hm, hi) = self.current_haircut(asset)?;
            // Collateral values round down.
            let value = mul_down(to_wad(amount, decimals).map_err(VaultError::from)?, price).map_err(VaultError::from)?;
            maint += value_after_haircut(value, hm)?;
            init += value_after_haircut(value, hi)?;
        }
        Ok((maint, init))
    }

    /// The account's collateral exposures for the margin function: for each
    /// asset enabled as collateral that the account holds, the signed WAD
    /// amount (for the quote asset: token balance plus the signed quote
    /// balance), the oracle price and the maintenance and initial haircuts.
    /// A quote balance without any quote-token balance still appears.
    ///
    /// # Errors
    /// The risk module's price errors unchanged; [`MathError`].
    #[allow(clippy::type_complexity)]
    pub fn exposures(&self, account: B256) -> Result<(Vec<Address>, Vec<I256>, Vec<U256>, Vec<U256>, Vec<U256>), Vec<u8>> {
        let rows = self.account_exposures(account)?;
        Ok((
            rows.iter().map(|r| r.asset).collect(),
            rows.iter().map(|r| r.amount).collect(),
            rows.iter().map(|r| r.price).collect(),
            rows.iter().map(|r| r.maintenance).collect(),
            rows.iter().map(|r| r.initial).collect(),
        ))
    }
}

impl CollateralVault {
    fn only_admin(&self) -> Result<(), VaultError> {
        Ok(self.access._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn only_clearinghouse(&self) -> Result<(), VaultError> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.clearinghouse.get() {
            return Err(VaultError::NotClearinghouse(NotClearinghouse { caller }));
        }
        Ok(())
    }

    fn listed(&self, asset: Address) -> Result<stylus_sdk::storage::StorageGuard<'_, AssetConfig>, VaultError> {
        let a = self.assets.getter(asset);
        if !a.listed.get() {
            return Err(VaultError::UnknownAsset(UnknownAsset { asset }));
        }
        Ok(a)
    }

    fn global_params(&self) -> HaircutParams {
        HaircutParams {
            k: self.k.get(),
            horizon: self.horizon.get().to::<u64>(),
            multiplier: p::DEFAULT_VOL_MULTIPLIER,
            floor: U256::ZERO,
            cap: clearing_core::WAD,
            init_ratio: self.init_ratio.get(),
            max_speed: self.max_speed.get(),
        }
    }

    fn asset_params(&self, asset: Address) -> Result<HaircutParams, VaultError> {
        let a = self.listed(asset)?;
        let mut params = self.global_params();
        params.floor = a.haircut_floor.get();
        params.cap = a.haircut_cap.get();
        params.multiplier = a.vol_multiplier.get();
        Ok(params)
    }

    fn target_for(&self, asset: Address, params: &HaircutParams) -> Result<U256, Vec<u8>> {
        let vol = IRiskModule::new(self.risk.get()).volatility(self, asset).map_err(revert_data)?;
        Ok(target_haircut(vol, params).map_err(VaultError::from)?)
    }

    fn price_of(&self, asset: Address) -> Result<U256, Vec<u8>> {
        IRiskModule::new(self.risk.get()).price(self, asset).map_err(revert_data)
    }

    /// (target, effective maintenance, initial) haircuts of `asset` now.
    fn current_haircut(&self, asset: Address) -> Result<(U256, U256, U256), Vec<u8>> {
        let params = self.asset_params(asset)?;
        let target = self.target_for(asset, &params)?;
        let a = self.assets.getter(asset);
        let elapsed = self.vm().block_timestamp().saturating_sub(a.haircut_time.get().to::<u64>());
        let effective = ramp_haircut(a.effective_haircut.get(), target, elapsed, &params).map_err(VaultError::from)?;
        let initial = initial_haircut(effective, &params).map_err(VaultError::from)?;
        Ok((target, effective, initial))
    }

    pub(crate) fn account_exposures(&self, account: B256) -> Result<Vec<AccountAsset>, Vec<u8>> {
        let quote_asset = self.quote_asset.get();
        let quote = self.quote_balances.get(account);
        let mut assets = self.account_assets(account);
        if !quote.is_zero() && !assets.contains(&quote_asset) {
            assets.push(quote_asset);
        }
        let mut rows = Vec::with_capacity(assets.len());
        for asset in assets {
            let a = self.assets.getter(asset);
            if !a.collateral_enabled.get() && asset != quote_asset {
                continue;
            }
            let decimals = a.decimals.get().to::<u8>();
            drop(a);
            let held = to_wad(self.balance_of(account, asset), decimals).map_err(VaultError::from)?;
            let mut amount = to_signed(held).map_err(VaultError::from)?;
            if asset == quote_asset {
                amount = clearing_core::add_signed(amount, quote).map_err(VaultError::from)?;
            }
            if amount.is_zero() {
                continue;
            }
            let price = self.price_of(asset)?;
            let (_, maintenance, initial) = self.current_haircut(asset)?;
            rows.push(AccountAsset { asset, amount, price, maintenance, initial });
        }
        Ok(rows)
    }

    /// Adds `asset` to the account's holdings list when new (at most 8).
    fn ensure_holding(&mut self, id: B256, asset: Address) -> Result<(), VaultError> {
        let list = self.account_assets.getter(id);
        let n = list.len();
        if (0..n).any(|i| list.get(i) == Some(asset)) {
            return Ok(());
        }
        if n >= MAX_ASSETS_PER_ACCOUNT {
            return Err(VaultError::TooManyAssets(TooManyAssets { account: id }));
        }
        drop(list);
        self.account_assets.setter(id).push(asset);
        Ok(())
    }

    fn debit(&mut self, id: B256, asset: Address, amount: U256) -> Result<(), VaultError> {
        let mut bal = self.balances.setter(id);
        let mut slot = bal.setter(asset);
        let balance = slot.get();
        if balance < amount {
            return Err(VaultError::InsufficientBalance(InsufficientBalance { account: id, asset, balance, amount }));
        }
        slot.set(balance - amount);
        Ok(())
    }
}

fn check(code: u8, value: U256, lo: U256, hi: U256) -> Result<(), VaultError> {
    if value < lo || value > hi {
        return Err(out_of_bounds(code, value));
    }
    Ok(())
}

fn out_of_bounds(code: u8, value: U256) -> VaultError {
    VaultError::ParameterOutOfBounds(ParameterOutOfBounds { param: code, value })
}

/// Floor <= cap <= 1 and a multiplier in 0.1 ..= 10.
fn check_haircut_config(floor: U256, cap: U256, multiplier: U256) -> Result<(), VaultError> {
    if floor > cap || cap > clearing_core::WAD {
        return Err(out_of_bounds(param::HAIRCUT_BOUNDS, cap));
    }
    let tenth = clearing_core::WAD / U256::from(10);
    check(param::VOL_MULTIPLIER, multiplier, tenth, clearing_core::WAD * U256::from(10))
}

/// `value * (1 - h)`, rounded down (collateral value).
fn value_after_haircut(value: U256, h: U256) -> Result<U256, VaultError> {
    Ok(clearing_core::mul_div(value, clearing_core::WAD - h.min(clearing_core::WAD), clearing_core::WAD, Rounding::Down)?)
}

/// The revert data of a failed call, or [`RiskCallFailed`] when there is none.
fn revert_data(e: stylus_sdk::call::Error) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => VaultError::RiskCallFailed(RiskCallFailed { risk: Address::ZERO }).into(),
    }
}

#[cfg(test)]
mod tests;
