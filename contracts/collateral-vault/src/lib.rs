//! CollateralVault: token custody per sub-account and the custody side of
//! asset configuration (DESIGN sections 4 and 5).
//!
//! The vault is custody only, the smallest contract that holds user funds:
//! it calls ERC-20 tokens and nothing else. Valuation (prices, volatility
//! haircuts, collateral value, exposures) is the RiskEngine's, which reads
//! [`CollateralVault::holdings`]. Token balances move only by `deposit` (any
//! user, into their own sub-account) or on the clearinghouse's order
//! (`release`, `transferBalance`); the signed quote balance changes only
//! through the clearinghouse (`applyQuoteDelta`).
//!
//! Units: token balances are kept in the token's own decimals; the quote
//! balance is a signed WAD amount of the quote asset.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64, U8};
use clearing_core::{
    account, deposit_cap_rule, govern, next_change_at, to_signed, to_wad, ChangeError, Refusal,
    MAX_DEPOSIT_CAP,
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

/// The role of the clearing contracts that may move balances
/// (`keccak256("CLEARING_ROLE")`): the Clearinghouse books quote balances,
/// the Exchange releases withdrawals and transfers between sub-accounts.
/// Granted by the admin with `grantRole`.
pub const CLEARING_ROLE: [u8; 32] = [
    0x2d, 0x3b, 0xad, 0x30, 0x0b, 0x00, 0x88, 0x59, 0x35, 0xbb, 0x2f, 0xc2, 0x55, 0x52, 0x45, 0x35,
    0x4d, 0xa8, 0x20, 0xd6, 0x01, 0xf1, 0xc0, 0x00, 0x4d, 0x18, 0x43, 0x75, 0xcf, 0x72, 0xf0, 0x96,
];

/// `keccak256("GUARDIAN_ROLE")`: may disable deposits of an asset in an
/// incident (never re-enable them, move funds or change risk parameters).
pub const GUARDIAN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"GUARDIAN_ROLE")
    .finalize();

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// Parameter codes used by [`ParameterOutOfBounds`].
pub mod param {
    /// Token decimals (at most 36).
    pub const DECIMALS: u8 = 1;
    /// An asset's deposit cap (`clearing_core::deposit_cap_rule`).
    pub const DEPOSIT_CAP: u8 = 2;
}

/// `keccak256("RISK_ADMIN_ROLE")`: may lower a deposit cap or disable
/// deposits at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

/// Custody configuration of one asset.
#[storage]
pub struct AssetConfig {
    listed: StorageBool,
    decimals: StorageU8,
    deposit_enabled: StorageBool,
    collateral_enabled: StorageBool,
    deposit_cap: StorageU256,
    total_deposits: StorageU256,
}

/// The collateral vault contract.
#[storage]
#[entrypoint]
pub struct CollateralVault {
    access: AccessControl,
    quote_asset: StorageAddress,
    assets: StorageMap<Address, AssetConfig>,
    asset_list: StorageVec<StorageAddress>,
    balances: StorageMap<B256, StorageMap<Address, StorageU256>>,
    account_assets: StorageMap<B256, StorageVec<StorageAddress>>,
    quote_balances: StorageMap<B256, StorageI256>,
    /// When each asset's deposit cap last changed (0: never).
    cap_changed_at: StorageMap<Address, StorageU64>,
}

sol_interface! {
    /// The ERC-20 functions the vault uses.
    interface IERC20 {
        function balanceOf(address account) external view returns (uint256);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function transfer(address to, uint256 amount) external returns (bool);
        function decimals() external view returns (uint8);
    }
}

#[public]
impl CollateralVault {
    /// Sets the quote asset and grants `admin` the admin role.
    #[constructor]
    pub fn constructor(&mut self, admin: Address, quote_asset: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.quote_asset.set(quote_asset);
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

    /// The quote asset.
    pub fn quote_asset(&self) -> Address {
        self.quote_asset.get()
    }

    // ------------------------------------------------------------------
    // Asset configuration (admin)
    // ------------------------------------------------------------------

    /// Lists `asset` (an ERC-20 whose `decimals()` must equal `decimals`)
    /// with its deposit cap (token units) and flags. Its haircut settings
    /// live in the RiskEngine, its feed in the RiskModule.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`AssetAlreadyListed`];
    /// [`ParameterOutOfBounds`] for decimals above 36; [`DecimalsMismatch`];
    /// [`TransferFailed`] when the token does not answer `decimals()`.
    pub fn list_asset(
        &mut self,
        asset: Address,
        decimals: u8,
        deposit_cap: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), VaultError> {
        self.only_admin()?;
        if self.assets.getter(asset).listed.get() {
            return Err(VaultError::AssetAlreadyListed(AssetAlreadyListed { asset }));
        }
        if decimals > clearing_core::MAX_DECIMALS {
            return Err(VaultError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::DECIMALS,
                value: U256::from(decimals),
            }));
        }
        if deposit_cap > MAX_DEPOSIT_CAP {
            return Err(VaultError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::DEPOSIT_CAP,
                value: deposit_cap,
            }));
        }
        let token_decimals = IERC20::new(asset)
            .decimals(&*self)
            .map_err(|_| VaultError::TransferFailed(TransferFailed { asset }))?;
        if token_decimals != decimals {
            return Err(VaultError::DecimalsMismatch(DecimalsMismatch {
                asset,
                configured: decimals,
                token: token_decimals,
            }));
        }
        let mut a = self.assets.setter(asset);
        a.listed.set(true);
        a.decimals.set(U8::from(decimals));
        drop(a);
        self.asset_list.push(asset);
        self.write_config(
            asset,
            true,
            deposit_cap,
            deposit_enabled,
            collateral_enabled,
        );
        Ok(())
    }

    /// Disables deposits of `asset` (guardian): an incident response that
    /// lowers risk at once. Balances, withdrawals and the asset's collateral
    /// value are untouched; only the admin re-enables deposits
    /// (`configureAsset`). Emits [`AssetConfigured`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without [`GUARDIAN_ROLE`];
    /// [`UnknownAsset`].
    pub fn disable_deposits(&mut self, asset: Address) -> Result<(), VaultError> {
        self.access
            ._check_role(GUARDIAN_ROLE.into(), self.vm().msg_sender())?;
        self.listed(asset)?;
        let (cap, collateral) = {
            let a = self.assets.getter(asset);
            (a.deposit_cap.get(), a.collateral_enabled.get())
        };
        self.write_config(asset, false, cap, false, collateral);
        Ok(())
    }

    /// Changes a listed asset's deposit cap and flags. Disabling deposits or
    /// collateral never traps funds: withdrawals go on. A changed cap follows
    /// `clearing_core::deposit_cap_rule`: at most `2^128`, a raise at most
    /// doubles it (or opens it to 1,000 tokens), one day between changes.
    /// Lowering the cap and disabling deposits lower risk: a holder of
    /// [`RISK_ADMIN_ROLE`] may do both at once. Raising the cap, enabling
    /// deposits and any change of the collateral flag (enabling adds
    /// collateral value, disabling removes it at once, which could liquidate
    /// accounts) are the admin's (the timelock's). Emits [`AssetConfigured`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin raising risk (naming the admin role); [`UnknownAsset`];
    /// with [`param::DEPOSIT_CAP`]: [`ParameterOutOfBounds`],
    /// [`ParameterStepTooLarge`], [`ParameterChangedTooSoon`].
    pub fn configure_asset(
        &mut self,
        asset: Address,
        deposit_cap: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), VaultError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let (decimals, old_cap, old_deposits, old_collateral) = {
            let a = self.listed(asset)?;
            (
                a.decimals.get().to::<u8>(),
                a.deposit_cap.get(),
                a.deposit_enabled.get(),
                a.collateral_enabled.get(),
            )
        };
        let now = self.vm().block_timestamp();
        if deposit_cap != old_cap {
            let rule = deposit_cap_rule(old_cap, decimals);
            let last = self.cap_changed_at.get(asset).to::<u64>();
            let code = param::DEPOSIT_CAP;
            match govern(
                &rule,
                old_cap,
                deposit_cap,
                last,
                now,
                is_admin,
                is_risk_admin,
            ) {
                Ok(_) => {}
                Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
                Err(Refusal::Rule(ChangeError::OutOfBounds)) => {
                    return Err(VaultError::ParameterOutOfBounds(ParameterOutOfBounds {
                        param: code,
                        value: deposit_cap,
                    }))
                }
                Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                    return Err(VaultError::ParameterStepTooLarge(ParameterStepTooLarge {
                        param: code,
                        oldValue: old_cap,
                        newValue: deposit_cap,
                    }))
                }
                Err(Refusal::Rule(ChangeError::TooSoon)) => {
                    return Err(VaultError::ParameterChangedTooSoon(
                        ParameterChangedTooSoon {
                            param: code,
                            nextAllowedAt: next_change_at(&rule, last),
                        },
                    ))
                }
            }
            self.cap_changed_at.setter(asset).set(U64::from(now));
        }
        if (deposit_enabled && !old_deposits) || collateral_enabled != old_collateral {
            self.access._check_role(ADMIN_ROLE.into(), caller)?;
        }
        self.write_config(
            asset,
            false,
            deposit_cap,
            deposit_enabled,
            collateral_enabled,
        );
        Ok(())
    }

    /// Configuration of `asset`: decimals, deposit cap, total deposits,
    /// deposit flag, collateral flag.
    ///
    /// # Errors
    /// [`UnknownAsset`].
    pub fn asset_config(&self, asset: Address) -> Result<(u8, U256, U256, bool, bool), VaultError> {
        let a = self.listed(asset)?;
        Ok((
            a.decimals.get().to::<u8>(),
            a.deposit_cap.get(),
            a.total_deposits.get(),
            a.deposit_enabled.get(),
            a.collateral_enabled.get(),
        ))
    }

    /// Every listed asset, in listing order.
    pub fn listed_assets(&self) -> Vec<Address> {
        (0..self.asset_list.len())
            .filter_map(|i| self.asset_list.get(i))
            .collect()
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
    pub fn deposit(
        &mut self,
        subaccount: u8,
        asset: Address,
        amount: U256,
    ) -> Result<U256, VaultError> {
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
            return Err(VaultError::DepositCapExceeded(DepositCapExceeded {
                asset,
                cap,
                wouldBe: would_be,
            }));
        }
        let sender = self.vm().msg_sender();
        let id = account::encode(sender, subaccount);
        self.ensure_holding(id, asset)?;
        let this = self.vm().contract_address();
        let token = IERC20::new(asset);
        let failed = |_| VaultError::TransferFailed(TransferFailed { asset });
        let before = token.balance_of(&*self, this).map_err(failed)?;
        let ok = token
            .transfer_from(Call::new_in(self), sender, this, amount)
            .map_err(failed)?;
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
        log(
            self.vm(),
            Deposited {
                account: id,
                asset,
                from: sender,
                amount,
                received,
            },
        );
        Ok(received)
    }

    // ------------------------------------------------------------------
    // Clearinghouse-only movements
    // ------------------------------------------------------------------

    /// Releases `amount` of `asset` from `account` to `recipient` (a
    /// withdrawal the clearinghouse has checked). Returns nothing; emits
    /// [`Released`].
    ///
    /// For the quote asset, what exceeds the token balance is paid out of a
    /// positive quote balance (realised PnL, funding and fees received), so
    /// profits can be withdrawn; the quote balance moves by the amount in WAD
    /// and [`QuoteBalanceChanged`] is emitted.
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`ZeroAmount`]; [`UnknownAsset`];
    /// [`InsufficientBalance`] (for the quote asset, `balance` counts the
    /// positive quote balance too, rounded down to token units);
    /// [`TransferFailed`].
    pub fn release(
        &mut self,
        account: B256,
        asset: Address,
        amount: U256,
        recipient: Address,
    ) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        if amount.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        self.listed(asset)?;
        let held = self.balances.getter(account).get(asset);
        if asset == self.quote_asset.get() && amount > held {
            self.release_quote_balance(account, asset, held, amount)?;
        } else {
            self.debit(account, asset, amount)?;
        }
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
        log(
            self.vm(),
            Released {
                account,
                asset,
                recipient,
                amount,
            },
        );
        Ok(())
    }

    /// Moves `amount` of `asset` from one sub-account to another
    /// (settlement, liquidation, insurance fund).
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`ZeroAmount`]; [`UnknownAsset`];
    /// [`InsufficientBalance`]; [`TooManyAssets`] for the receiver.
    pub fn transfer_balance(
        &mut self,
        from: B256,
        to: B256,
        asset: Address,
        amount: U256,
    ) -> Result<(), VaultError> {
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
        log(
            self.vm(),
            BalanceTransferred {
                from,
                to,
                asset,
                amount,
            },
        );
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
        log(
            self.vm(),
            QuoteBalanceChanged {
                account,
                delta,
                balance: new,
            },
        );
        Ok(new)
    }

    // ------------------------------------------------------------------
    // Balances
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

    /// What the RiskEngine values: the assets enabled as collateral that
    /// `account` holds with a non-zero balance, those balances in signed WAD
    /// base units, the quote asset and the account's signed quote balance
    /// (WAD).
    ///
    /// # Errors
    /// [`MathError`] if a balance does not fit a signed WAD.
    #[allow(clippy::type_complexity)]
    pub fn holdings(
        &self,
        account: B256,
    ) -> Result<(Vec<Address>, Vec<I256>, Address, I256), VaultError> {
        let mut assets = Vec::new();
        let mut amounts = Vec::new();
        for asset in self.account_assets(account) {
            let amount = self.balances.getter(account).get(asset);
            let a = self.assets.getter(asset);
            if !a.collateral_enabled.get() || amount.is_zero() {
                continue;
            }
            let decimals = a.decimals.get().to::<u8>();
            drop(a);
            assets.push(asset);
            amounts.push(to_signed(to_wad(amount, decimals)?)?);
        }
        Ok((
            assets,
            amounts,
            self.quote_asset.get(),
            self.quote_balances.get(account),
        ))
    }
}

impl CollateralVault {
    fn write_config(
        &mut self,
        asset: Address,
        listed: bool,
        cap: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) {
        let mut a = self.assets.setter(asset);
        a.deposit_cap.set(cap);
        a.deposit_enabled.set(deposit_enabled);
        a.collateral_enabled.set(collateral_enabled);
        let decimals = a.decimals.get().to::<u8>();
        drop(a);
        log(
            self.vm(),
            AssetConfigured {
                asset,
                listed,
                decimals,
                depositCap: cap,
                depositEnabled: deposit_enabled,
                collateralEnabled: collateral_enabled,
            },
        );
    }

    fn only_admin(&self) -> Result<(), VaultError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn only_clearinghouse(&self) -> Result<(), VaultError> {
        let caller = self.vm().msg_sender();
        if !self.access.has_role(CLEARING_ROLE.into(), caller) {
            return Err(VaultError::NotClearinghouse(NotClearinghouse { caller }));
        }
        Ok(())
    }

    fn listed(
        &self,
        asset: Address,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, AssetConfig>, VaultError> {
        let a = self.assets.getter(asset);
        if !a.listed.get() {
            return Err(VaultError::UnknownAsset(UnknownAsset { asset }));
        }
        Ok(a)
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

    /// Pays `amount` of the quote asset out of `held` tokens and, for the
    /// rest, the positive quote balance (WAD).
    fn release_quote_balance(
        &mut self,
        account: B256,
        asset: Address,
        held: U256,
        amount: U256,
    ) -> Result<(), VaultError> {
        let decimals = self.assets.getter(asset).decimals.get().to::<u8>();
        let quote = self.quote_balances.get(account);
        // What the account can withdraw rounds down (payouts round down).
        let available_quote = if quote.is_positive() {
            clearing_core::from_wad_down(quote.into_raw(), decimals)?
        } else {
            U256::ZERO
        };
        if amount - held > available_quote {
            return Err(VaultError::InsufficientBalance(InsufficientBalance {
                account,
                asset,
                balance: held + available_quote,
                amount,
            }));
        }
        // Exact: a token amount scales up to WAD without rounding.
        let delta = -to_signed(to_wad(amount - held, decimals)?)?;
        let new = clearing_core::add_signed(quote, delta)?;
        self.quote_balances.setter(account).set(new);
        self.balances.setter(account).setter(asset).set(U256::ZERO);
        log(
            self.vm(),
            QuoteBalanceChanged {
                account,
                delta,
                balance: new,
            },
        );
        Ok(())
    }

    fn debit(&mut self, id: B256, asset: Address, amount: U256) -> Result<(), VaultError> {
        let mut bal = self.balances.setter(id);
        let mut slot = bal.setter(asset);
        let balance = slot.get();
        if balance < amount {
            return Err(VaultError::InsufficientBalance(InsufficientBalance {
                account: id,
                asset,
                balance,
                amount,
            }));
        }
        slot.set(balance - amount);
        Ok(())
    }
}

#[cfg(test)]
mod role_tests {
    #[test]
    fn clearing_role_is_the_hash_of_its_name() {
        assert_eq!(
            alloy_primitives::keccak256("CLEARING_ROLE"),
            alloy_primitives::B256::from(super::CLEARING_ROLE)
        );
    }
}
