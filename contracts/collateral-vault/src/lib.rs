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
use alloy_primitives::{Address, B256, I256, U128, U256, U8};
use clearing_core::math::fixed::{from_i128, to_i128};
use clearing_core::vault::money_market::{self as mm, MarketState};
use clearing_core::{to_signed, to_wad, trading::account, MAX_DEPOSIT_CAP};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::call::Call;
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageBool, StorageI128, StorageMap, StorageU128,
        StorageU256, StorageU8, StorageVec,
    },
};

pub use errors::*;

/// The pricing limit (DESIGN sections 4 and 15): a sub-account's priced set (the assets it
/// holds, the underlyings of its open positions, and the quote asset, which always counts) has
/// at most this many entries, the most the margin function prices.
pub const MAX_ASSETS_PER_ACCOUNT: usize = clearing_core::MAX_UNDERLYINGS;

/// The role of the clearing contracts that may move balances
/// (`keccak256("CLEARING_ROLE")`): the Clearinghouse books quote balances,
/// the Exchange releases withdrawals and transfers between sub-accounts.
/// Granted by the admin with `grantRole`.
pub const CLEARING_ROLE: [u8; 32] = [
    0x2d, 0x3b, 0xad, 0x30, 0x0b, 0x00, 0x88, 0x59, 0x35, 0xbb, 0x2f, 0xc2, 0x55, 0x52, 0x45, 0x35,
    0x4d, 0xa8, 0x20, 0xd6, 0x01, 0xf1, 0xc0, 0x00, 0x4d, 0x18, 0x43, 0x75, 0xcf, 0x72, 0xf0, 0x96,
];

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// Parameter codes used by [`ParameterOutOfBounds`].
pub mod param {
    /// Token decimals (at most 36).
    pub const DECIMALS: u8 = 1;
    /// An asset's deposit cap (`clearing_core::deposit_cap_rule`).
    pub const DEPOSIT_CAP: u8 = 2;
}

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
    /// Each sub-account's priced set, an entry per asset with its open-position count.
    /// Entries fill from the front; the first with a zero asset ends the set (no length slot:
    /// entries are replaced in place, never removed).
    account_assets: StorageMap<B256, StorageArray<PricedEntry, MAX_ASSETS_PER_ACCOUNT>>,
    /// Each sub-account's signed quote balance and its side's index at its last touch.
    quote: StorageMap<B256, QuoteAccount>,
    /// The quote market's books (WAD, two storage words: the VaultPolicy accrues them):
    /// total supply and borrow, and the supply and borrow indexes (zero: never set, read as 1).
    mm_supply: StorageU128,
    mm_borrow: StorageU128,
    mm_supply_index: StorageU128,
    mm_borrow_index: StorageU128,
}

/// A sub-account's quote position in one storage slot: the signed quote balance (WAD) and the
/// index of its side at its last touch (0: never touched), 128 bits each.
#[storage]
pub struct QuoteAccount {
    balance: StorageI128,
    index: StorageU128,
}

/// One entry of a sub-account's priced set: the asset and its open positions, kept by the
/// clearing contracts (`registerUnderlying`; an underlying with open positions stays in the
/// set). Both share one storage slot, so a new entry is one new slot.
#[storage]
pub struct PricedEntry {
    asset: StorageAddress,
    refs: StorageU8,
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

    /// Changes a listed asset's deposit cap and flags: the VaultPolicy's, which applies the
    /// governance rules (`VaultPolicy.configureAsset`) and holds the clearing role here.
    /// Disabling deposits or collateral never traps funds: withdrawals go on. Emits
    /// [`AssetConfigured`].
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`UnknownAsset`]; [`ParameterOutOfBounds`] for a cap above
    /// `2^128`.
    pub fn configure_asset(
        &mut self,
        asset: Address,
        deposit_cap: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        self.listed(asset)?;
        if deposit_cap > MAX_DEPOSIT_CAP {
            return Err(VaultError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::DEPOSIT_CAP,
                value: deposit_cap,
            }));
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
        let quote = self.open_quote_if(id, asset)?;
        let received = self.pull(asset, sender, amount)?;
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
        drop(bal);
        self.close_quote_if(id, quote)?;
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
        let quote = self.open_quote_if(account, asset)?;
        if quote.is_some() {
            // Only cash the vault holds can leave it: other depositors' claims are never paid
            // beyond it (DESIGN section 15).
            let cash = self.assets.getter(asset).total_deposits.get();
            if amount > cash {
                return Err(VaultError::InsufficientLiquidity(InsufficientLiquidity {
                    asset,
                    available: cash,
                    amount,
                }));
            }
        }
        let held = self.balances.getter(account).get(asset);
        if quote.is_some() && amount > held {
            self.release_quote_balance(account, asset, held, amount)?;
        } else {
            self.debit(account, asset, amount)?;
        }
        self.close_quote_if(account, quote)?;
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
        let quote = self.open_quote_if(from, asset)?;
        self.debit(from, asset, amount)?;
        self.close_quote_if(from, quote)?;
        self.ensure_holding(to, asset)?;
        let quote = self.open_quote_if(to, asset)?;
        let mut bal = self.balances.setter(to);
        let mut slot = bal.setter(asset);
        let v = slot.get() + amount;
        slot.set(v);
        drop(bal);
        self.close_quote_if(to, quote)?;
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
        let (state, net) = self.open_quote(account)?;
        let old = self.quote_balance_stored(account);
        let new = clearing_core::add_signed(old, delta)?;
        self.set_quote_balance(account, new)?;
        self.close_quote(account, state, net)?;
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

    /// Signed quote balance of `account` (WAD of the quote asset; negative is debt), with the
    /// interest on its net quote position as of the VaultPolicy's last accrual.
    ///
    /// # Errors
    /// [`MathError`] on overflow.
    pub fn quote_balance(&self, account: B256) -> Result<I256, VaultError> {
        self.quote_balance_now(account)
    }

    /// The sub-account's priced set: the assets it holds or held and the underlyings of its
    /// positions (with the quote asset, at most 8 entries; entries with neither a balance nor
    /// an open position make room when a new one comes).
    pub fn account_assets(&self, account: B256) -> Vec<Address> {
        self.priced(account).into_iter().map(|(a, _)| a).collect()
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
            self.quote_balance_now(account)?,
        ))
    }

    // ------------------------------------------------------------------
    // The quote money market's books (DESIGN section 15; its policy, governance and views
    // are the QuoteMarket's, which holds the clearing role here)
    // ------------------------------------------------------------------

    /// The quote market's books: `(supply, borrow, supplyIndex, borrowIndex, cash)`, WAD but
    /// `cash`, the quote tokens the vault holds (token units: what withdrawals can take).
    /// Interest is as of the VaultPolicy's last accrual.
    pub fn market_state(&self) -> (U256, U256, U256, U256, U256) {
        let s = self.market();
        let cash = self
            .assets
            .getter(self.quote_asset.get())
            .total_deposits
            .get();
        (s.supply, s.borrow, s.supply_index, s.borrow_index, cash)
    }

    /// Sets the books after an accrual (the VaultPolicy, which holds the clearing role here,
    /// computes them with `clearing_core::vault::money_market::accrue`, whose indexes never fall):
    /// the totals with their interest and the indexes.
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`MathError`] for a value of `2^128` or more.
    pub fn set_books(
        &mut self,
        supply: U256,
        borrow: U256,
        supply_index: U256,
        borrow_index: U256,
    ) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        self.write_market(&MarketState {
            supply,
            borrow,
            supply_index,
            borrow_index,
            ..MarketState::new(0)
        })
    }

    /// Pulls `amount` quote tokens from `payer` (who approved the vault) and credits them to
    /// `account`'s quote balance: a repayment from outside (liquidity restoration, whose
    /// bounds the Backstop and the QuoteMarket check). Emits [`Deposited`] and
    /// [`QuoteBalanceChanged`].
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`ZeroAmount`]; [`TransferFailed`] (also when less than
    /// `amount` arrives); [`MathError`].
    pub fn credit_from(
        &mut self,
        payer: Address,
        account: B256,
        amount: U256,
    ) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        if amount.is_zero() {
            return Err(VaultError::ZeroAmount(ZeroAmount {}));
        }
        let asset = self.quote_asset.get();
        let (state, net) = self.open_quote(account)?;
        if self.pull(asset, payer, amount)? != amount {
            return Err(VaultError::TransferFailed(TransferFailed { asset }));
        }
        let mut a = self.assets.setter(asset);
        let decimals = a.decimals.get().to::<u8>();
        let cash = a.total_deposits.get() + amount;
        a.total_deposits.set(cash);
        drop(a);
        // Exact: a token amount scales up to WAD without rounding.
        self.credit_quote(account, to_wad_signed(amount, decimals)?)?;
        self.close_quote(account, state, net)?;
        log(
            self.vm(),
            Deposited {
                account,
                asset,
                from: payer,
                amount,
                received: amount,
            },
        );
        Ok(())
    }

    /// Keeps the priced set (clearing contracts): `open` records one more open position of
    /// `account` on `underlying`, adding it to the set within the pricing limit; otherwise one
    /// fewer.
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`TooManyAssets`] when the set is full.
    pub fn register_underlying(
        &mut self,
        account: B256,
        underlying: Address,
        open: bool,
    ) -> Result<(), VaultError> {
        self.only_clearinghouse()?;
        let i = if open {
            Some(self.ensure_holding(account, underlying)?)
        } else {
            self.priced(account)
                .iter()
                .position(|(a, _)| *a == underlying)
        };
        let mut list = self.account_assets.setter(account);
        if let Some(mut e) = i.and_then(|i| list.setter(i)) {
            let refs = e.refs.get().to::<u8>();
            let refs = if open {
                refs.saturating_add(1)
            } else {
                refs.saturating_sub(1)
            };
            e.refs.set(U8::from(refs));
        }
        Ok(())
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

    /// Adds `asset` to the account's priced set when new. The set with the quote asset (which
    /// always counts: any trade moves the quote balance) holds at most
    /// [`MAX_ASSETS_PER_ACCOUNT`] entries; when full, an entry with no balance and no open
    /// position (never the quote asset) makes room.
    fn ensure_holding(&mut self, id: B256, asset: Address) -> Result<usize, VaultError> {
        let quote = self.quote_asset.get();
        let entries = self.priced(id);
        let n = entries.len();
        if let Some(i) = entries.iter().position(|(a, _)| *a == asset) {
            return Ok(i);
        }
        let has_quote = entries.iter().any(|(a, _)| *a == quote);
        let with_quote = n + usize::from(!has_quote && asset != quote);
        if with_quote < MAX_ASSETS_PER_ACCOUNT {
            if let Some(mut e) = self.account_assets.setter(id).setter(n) {
                e.asset.set(asset);
            }
            return Ok(n);
        }
        let free = entries.iter().position(|(a, refs)| {
            *a != quote && *refs == 0 && self.balances.getter(id).get(*a).is_zero()
        });
        let Some(i) = free else {
            return Err(VaultError::TooManyAssets(TooManyAssets { account: id }));
        };
        if let Some(mut e) = self.account_assets.setter(id).setter(i) {
            e.asset.set(asset);
            e.refs.set(U8::ZERO);
        }
        Ok(i)
    }

    /// The stored signed quote balance (WAD), before interest since the last touch.
    fn quote_balance_stored(&self, id: B256) -> I256 {
        from_i128(self.quote.getter(id).balance.get())
    }

    /// Stores the signed quote balance; beyond 128 bits it is a [`MathError`].
    fn set_quote_balance(&mut self, id: B256, balance: I256) -> Result<(), VaultError> {
        self.quote.setter(id).balance.set(to_i128(balance)?);
        Ok(())
    }

    /// The sub-account's priced set: each entry's asset and open-position count.
    fn priced(&self, id: B256) -> Vec<(Address, u8)> {
        let list = self.account_assets.getter(id);
        (0..MAX_ASSETS_PER_ACCOUNT)
            .map_while(|i| list.getter(i))
            .map(|e| (e.asset.get(), e.refs.get().to::<u8>()))
            .take_while(|(a, _)| !a.is_zero())
            .collect()
    }

    /// Stores the books; a value of `2^128` or more is a [`MathError`].
    fn write_market(&mut self, s: &MarketState) -> Result<(), VaultError> {
        let narrow = |x: U256| {
            u128::try_from(x)
                .map(U128::from)
                .map_err(|_| VaultError::from(clearing_core::CoreError::Overflow))
        };
        self.mm_supply.set(narrow(s.supply)?);
        self.mm_borrow.set(narrow(s.borrow)?);
        self.mm_supply_index.set(narrow(s.supply_index)?);
        self.mm_borrow_index.set(narrow(s.borrow_index)?);
        Ok(())
    }

    /// Pulls `amount` of `asset` from `from` with `transferFrom` and returns what arrived.
    fn pull(&mut self, asset: Address, from: Address, amount: U256) -> Result<U256, VaultError> {
        let this = self.vm().contract_address();
        let token = IERC20::new(asset);
        let failed = |_| VaultError::TransferFailed(TransferFailed { asset });
        let before = token.balance_of(&*self, this).map_err(failed)?;
        let ok = token
            .transfer_from(Call::new_in(self), from, this, amount)
            .map_err(failed)?;
        if !ok {
            return Err(VaultError::TransferFailed(TransferFailed { asset }));
        }
        let after = token.balance_of(&*self, this).map_err(failed)?;
        Ok(after.saturating_sub(before))
    }

    /// Adds `delta` to `id`'s quote balance and emits [`QuoteBalanceChanged`].
    fn credit_quote(&mut self, id: B256, delta: I256) -> Result<(), VaultError> {
        if delta.is_zero() {
            return Ok(());
        }
        let balance = clearing_core::add_signed(self.quote_balance_stored(id), delta)?;
        self.set_quote_balance(id, balance)?;
        log(
            self.vm(),
            QuoteBalanceChanged {
                account: id,
                delta,
                balance,
            },
        );
        Ok(())
    }

    /// The quote market's books (reserve and accrual time are the VaultPolicy's).
    fn market(&self) -> MarketState {
        let index = |x: U128| {
            if x.is_zero() {
                clearing_core::WAD
            } else {
                U256::from(x)
            }
        };
        MarketState {
            supply: U256::from(self.mm_supply.get()),
            borrow: U256::from(self.mm_borrow.get()),
            supply_index: index(self.mm_supply_index.get()),
            borrow_index: index(self.mm_borrow_index.get()),
            ..MarketState::new(0)
        }
    }

    /// The account's net quote position as stored: quote tokens held (WAD) plus the signed
    /// quote balance.
    fn stored_net(&self, id: B256) -> Result<I256, VaultError> {
        let asset = self.quote_asset.get();
        let decimals = self.assets.getter(asset).decimals.get().to::<u8>();
        let held = to_signed(to_wad(self.balances.getter(id).get(asset), decimals)?)?;
        Ok(clearing_core::add_signed(
            held,
            self.quote_balance_stored(id),
        )?)
    }

    /// The signed quote balance with interest to now (views).
    fn quote_balance_now(&self, id: B256) -> Result<I256, VaultError> {
        let stored = self.quote_balance_stored(id);
        let then = U256::from(self.quote.getter(id).index.get());
        if then.is_zero() {
            return Ok(stored);
        }
        let state = self.market();
        let net = self.stored_net(id)?;
        let settled = mm::settle(net, then, &state)?;
        Ok(clearing_core::add_signed(
            stored,
            clearing_core::sub_signed(settled, net)?,
        )?)
    }

    /// Before a change of `id`'s net quote position: settles the account's interest (at the
    /// VaultPolicy's last accrual) into its quote balance. Returns the books and the settled
    /// net position for [`Self::close_quote`].
    fn open_quote(&mut self, id: B256) -> Result<(MarketState, I256), VaultError> {
        let state = self.market();
        let net = self.stored_net(id)?;
        let settled = mm::settle(net, U256::from(self.quote.getter(id).index.get()), &state)?;
        if settled != net {
            let interest = clearing_core::sub_signed(settled, net)?;
            let balance = clearing_core::add_signed(self.quote_balance_stored(id), interest)?;
            self.set_quote_balance(id, balance)?;
            // Interest settles as a quote balance change like any other.
            log(
                self.vm(),
                QuoteBalanceChanged {
                    account: id,
                    delta: interest,
                    balance,
                },
            );
        }
        Ok((state, settled))
    }

    /// After a change of `id`'s net quote position from `before`: moves the totals, records
    /// the index of the account's side and stores the market.
    fn close_quote(
        &mut self,
        id: B256,
        state: MarketState,
        before: I256,
    ) -> Result<(), VaultError> {
        let after = self.stored_net(id)?;
        let state = mm::rebalance(state, before, after)?;
        let index = u128::try_from(mm::index_for(after, &state))
            .map_err(|_| VaultError::from(clearing_core::CoreError::Overflow))?;
        self.quote.setter(id).index.set(U128::from(index));
        self.write_market(&state)
    }

    /// [`Self::open_quote`] when `asset` is the quote asset.
    fn open_quote_if(
        &mut self,
        id: B256,
        asset: Address,
    ) -> Result<Option<(MarketState, I256)>, VaultError> {
        if asset == self.quote_asset.get() {
            Ok(Some(self.open_quote(id)?))
        } else {
            Ok(None)
        }
    }

    /// [`Self::close_quote`] after [`Self::open_quote_if`].
    fn close_quote_if(
        &mut self,
        id: B256,
        opened: Option<(MarketState, I256)>,
    ) -> Result<(), VaultError> {
        match opened {
            Some((state, before)) => self.close_quote(id, state, before),
            None => Ok(()),
        }
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
        let quote = self.quote_balance_stored(account);
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
        self.set_quote_balance(account, new)?;
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

/// A token amount as a signed WAD (exact: scaling up never rounds).
fn to_wad_signed(amount: U256, decimals: u8) -> Result<I256, VaultError> {
    Ok(to_signed(to_wad(amount, decimals)?)?)
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
