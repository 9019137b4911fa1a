//! VaultPolicy: the CollateralVault's governed policy (DESIGN sections 11 and 15).
//!
//! The vault keeps custody and the books every quote movement updates (the net quote
//! positions, the money market's totals and indexes, each account's index snapshot). What is
//! policy lives here, so that custody stays small:
//!
//! - **the quote money market's rates**: the kinked curve's parameters under the governance
//!   rules (`clearing_core::vault::money_market::RateParam::rule`), and the **accrual**:
//!   [`VaultPolicy::accrue`] (anyone, a keeper duty; every change of a rate accrues first)
//!   brings the vault's totals and indexes to now with `clearing_core::vault::money_market::accrue`
//!   and keeps the **reserve**, which [`VaultPolicy::collect_reserve`] credits to the insurance
//!   fund's sub-account;
//! - **liquidity restoration's bounds** ([`VaultPolicy::check_restoration`], for the
//!   Backstop): open while utilisation is above `U_hard`, up to the account's debt and what
//!   brings utilisation back to `U_hard`, at the repay discount;
//! - **deposit caps and flags** under their rule (`clearing_core::deposit_cap_rule`):
//!   [`VaultPolicy::configure_asset`] checks and forwards to the vault.
//!
//! Call graph: `VaultPolicy -> CollateralVault` (it holds the vault's clearing role); the
//! Backstop reads it.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256, U64};
use clearing_core::vault::money_market::{self as mm, MarketState, RateParam, RateParams};
use clearing_core::{
    deposit_cap_rule, govern, next_change_at, to_signed, to_wad, ChangeError, ParamRule, Refusal,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{StorageAddress, StorageB256, StorageMap, StorageU256, StorageU64},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): the timelock.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering changes at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

/// `keccak256("GUARDIAN_ROLE")`: may disable deposits of an asset in an incident (never
/// re-enable them, move funds or change risk parameters).
pub const GUARDIAN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"GUARDIAN_ROLE")
    .finalize();

/// The deposit cap's parameter code (as in the vault's errors before the policy took it).
pub const DEPOSIT_CAP: u8 = 2;

/// The vault policy contract.
#[storage]
#[entrypoint]
pub struct VaultPolicy {
    access: AccessControl,
    vault: StorageAddress,
    /// Time of the last accrual (beside the address: one slot).
    last: StorageU64,
    /// The rate parameters, packed (`RateParams::pack`).
    rates_low: StorageU256,
    rates_high: StorageU256,
    /// Reserve accrued and not collected (WAD quote).
    reserve: StorageU256,
    /// The sub-account credited with the reserve.
    reserve_account: StorageB256,
    /// When each parameter last changed: rate codes, and the deposit cap per asset (keyed by
    /// the asset's address).
    changed_at: StorageMap<B256, StorageU64>,
}

sol_interface! {
    /// The vault functions the policy uses.
    interface ICollateralVault {
        function marketState() external view returns (uint256, uint256, uint256, uint256, uint256);
        function setBooks(uint256 supply, uint256 borrow, uint256 supply_index, uint256 borrow_index) external;
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
        function quoteBalance(bytes32 account) external view returns (int256);
        function balanceOf(bytes32 account, address asset) external view returns (uint256);
        function quoteAsset() external view returns (address);
        function assetConfig(address asset) external view returns (uint8, uint256, uint256, bool, bool);
        function configureAsset(address asset, uint256 deposit_cap, bool deposit_enabled, bool collateral_enabled) external;
    }
}

#[public]
impl VaultPolicy {
    /// Wires the vault, grants `admin` the admin role and sets DESIGN section 15's default
    /// rates; interest accrues from the deployment on.
    #[constructor]
    pub fn constructor(&mut self, admin: Address, vault: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.vault.set(vault);
        if let Ok(words) = RateParams::default().pack() {
            self.rates_low.set(words[0]);
            self.rates_high.set(words[1]);
        }
        self.last.set(U64::from(self.vm().block_timestamp()));
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), PolicyError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), PolicyError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// The wired vault.
    pub fn vault(&self) -> Address {
        self.vault.get()
    }

    /// The rate parameter `code` (`clearing_core::vault::money_market::RateParam`, 10 to 16).
    ///
    /// # Errors
    /// [`UnknownParameter`].
    pub fn rate_parameter(&self, code: u8) -> Result<U256, PolicyError> {
        Ok(param(code)?.get(&self.rates()))
    }

    /// Sets the rate parameter `code` under its rule (bounds, largest step, a day between
    /// changes; `U_hard` stays above `U_opt`), after accruing interest at the old rates.
    /// Risk-lowering changes may come from the risk admin at once; the others are the
    /// admin's (the timelock's). Emits [`RateParameterSet`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or a risk admin
    /// raising risk; [`UnknownParameter`]; [`ParameterOutOfBounds`];
    /// [`ParameterStepTooLarge`]; [`ParameterChangedTooSoon`]; the vault's errors and
    /// [`MathError`] from the accrual.
    pub fn set_rate_parameter(&mut self, code: u8, value: U256) -> Result<(), Vec<u8>> {
        let p = param(code)?;
        let params = self.rates();
        let old = p.get(&params);
        let key = B256::from(U256::from(code));
        self.governed(code, key, &p.rule(), old, value)?;
        let next = p.set(params, value);
        if next.hard <= next.optimal {
            return Err(PolicyError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: code,
                value,
            })
            .into());
        }
        self.accrue()?;
        let words = next.pack().map_err(PolicyError::from)?;
        self.rates_low.set(words[0]);
        self.rates_high.set(words[1]);
        log(
            self.vm(),
            RateParameterSet {
                param: code,
                oldValue: old,
                newValue: value,
            },
        );
        Ok(())
    }

    /// Accrues the quote market's interest to now (anyone; a keeper duty, and every rate
    /// change and reserve collection does it first): the vault's totals and indexes grow by
    /// the borrow rate at the current utilisation over the time since the last accrual, the
    /// reserve share stays here. Returns `(supplyIndex, borrowIndex)`. Emits
    /// [`InterestAccrued`] when time has passed.
    ///
    /// # Errors
    /// The vault's errors unchanged; [`MathError`].
    pub fn accrue(&mut self) -> Result<(U256, U256), Vec<u8>> {
        let (before, after) = self.accrued()?;
        if after.last == before.last {
            return Ok((after.supply_index, after.borrow_index));
        }
        if after != before {
            let vault = self.vault.get();
            ICollateralVault::new(vault)
                .set_books(
                    Call::new_in(self),
                    after.supply,
                    after.borrow,
                    after.supply_index,
                    after.borrow_index,
                )
                .map_err(|e| passthrough(e, vault))?;
        }
        self.reserve.set(after.reserve);
        self.last.set(U64::from(after.last));
        log(
            self.vm(),
            InterestAccrued {
                supplyIndex: after.supply_index,
                borrowIndex: after.borrow_index,
                reserve: after.reserve,
            },
        );
        Ok((after.supply_index, after.borrow_index))
    }

    /// The quote market as of now (accrued in the view): `(supply, borrow, utilisation,
    /// borrowRate, supplyRate, supplyIndex, borrowIndex, reserve, cash)`, all WAD (rates are
    /// APRs) but `cash`, the vault's quote tokens (token units).
    ///
    /// # Errors
    /// The vault's errors unchanged; [`MathError`].
    #[allow(clippy::type_complexity)]
    pub fn quote_market(
        &self,
    ) -> Result<(U256, U256, U256, U256, U256, U256, U256, U256, U256), Vec<u8>> {
        let (_, s) = self.accrued()?;
        let p = self.rates();
        let math = |e| Vec::<u8>::from(PolicyError::from(e));
        let u = mm::utilisation(s.supply, s.borrow).map_err(math)?;
        let cash = self.books()?.4;
        Ok((
            s.supply,
            s.borrow,
            u,
            mm::borrow_rate(u, &p).map_err(math)?,
            mm::supply_rate(u, &p).map_err(math)?,
            s.supply_index,
            s.borrow_index,
            s.reserve,
            cash,
        ))
    }

    /// Sets the sub-account that receives the reserve (admin; the insurance fund's).
    /// Emits [`ReserveAccountSet`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`.
    pub fn set_reserve_account(&mut self, account: B256) -> Result<(), PolicyError> {
        self.access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?;
        let old = self.reserve_account.get();
        self.reserve_account.set(account);
        log(
            self.vm(),
            ReserveAccountSet {
                oldAccount: old,
                newAccount: account,
            },
        );
        Ok(())
    }

    /// The sub-account that receives the reserve (zero: unset).
    pub fn reserve_account(&self) -> B256 {
        self.reserve_account.get()
    }

    /// Accrues, then credits the reserve to the reserve account's quote balance in the vault
    /// (anyone). Returns the amount (WAD). Emits [`ReserveCollected`] when non-zero.
    ///
    /// # Errors
    /// [`ReserveAccountUnset`]; the vault's errors unchanged; [`MathError`].
    pub fn collect_reserve(&mut self) -> Result<U256, Vec<u8>> {
        let to = self.reserve_account.get();
        if to.is_zero() {
            return Err(PolicyError::ReserveAccountUnset(ReserveAccountUnset {}).into());
        }
        self.accrue()?;
        let amount = self.reserve.get();
        if amount.is_zero() {
            return Ok(amount);
        }
        self.reserve.set(U256::ZERO);
        let delta = to_signed(amount).map_err(PolicyError::from)?;
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .apply_quote_delta(Call::new_in(self), to, delta)
            .map_err(|e| passthrough(e, vault))?;
        log(
            self.vm(),
            ReserveCollected {
                account: to,
                amount,
            },
        );
        Ok(amount)
    }

    /// Liquidity restoration's bounds (DESIGN section 15), for the Backstop: a repayment of
    /// `amount` quote tokens of `account`'s debt is allowed while utilisation is above
    /// `U_hard`, up to the debt and what brings utilisation back to `U_hard`. Returns the
    /// repay discount (WAD). The books are read as of the last accrual.
    ///
    /// # Errors
    /// [`LiquidityNotStressed`]; [`RepayTooLarge`] (naming the most allowed, token units);
    /// the vault's errors unchanged; [`MathError`].
    pub fn check_restoration(&self, account: B256, amount: U256) -> Result<U256, Vec<u8>> {
        let p = self.rates();
        let (supply, borrow, _, _, _) = self.books()?;
        let state = MarketState {
            supply,
            borrow,
            ..MarketState::new(0)
        };
        let math = |e| Vec::<u8>::from(PolicyError::from(e));
        let u = mm::utilisation(supply, borrow).map_err(math)?;
        if u <= p.hard {
            return Err(PolicyError::LiquidityNotStressed(LiquidityNotStressed {
                utilisation: u,
                hard: p.hard,
            })
            .into());
        }
        let vault = self.vault.get();
        let v = ICollateralVault::new(vault);
        let pass = |e| passthrough(e, vault);
        let quote = v.quote_asset(self).map_err(pass)?;
        let (decimals, _, _, _, _) = v.asset_config(self, quote).map_err(pass)?;
        let held = v.balance_of(self, account, quote).map_err(pass)?;
        let balance = v.quote_balance(self, account).map_err(pass)?;
        let net = to_signed(to_wad(held, decimals).map_err(math)?).map_err(math)? + balance;
        let debt = if net.is_negative() {
            net.unsigned_abs()
        } else {
            U256::ZERO
        };
        let cap = mm::repay_cap(&state, &p).map_err(math)?;
        // In token units, rounded down: never more than the debt or the cap.
        let max = clearing_core::from_wad_down(debt.min(cap), decimals).map_err(math)?;
        if amount > max {
            return Err(PolicyError::RepayTooLarge(RepayTooLarge { amount, max }).into());
        }
        Ok(p.repay_discount)
    }

    /// Disables deposits of `asset` in the vault (guardian): an incident response that lowers
    /// risk at once. Balances, withdrawals and the asset's collateral value are untouched;
    /// only the admin re-enables deposits ([`Self::configure_asset`]).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without [`GUARDIAN_ROLE`]; the vault's
    /// `UnknownAsset`.
    pub fn disable_deposits(&mut self, asset: Address) -> Result<(), Vec<u8>> {
        self.access
            ._check_role(GUARDIAN_ROLE.into(), self.vm().msg_sender())
            .map_err(PolicyError::from)?;
        let vault = self.vault.get();
        let v = ICollateralVault::new(vault);
        let (_, cap, _, _, collateral) = v
            .asset_config(&*self, asset)
            .map_err(|e| passthrough(e, vault))?;
        ICollateralVault::new(vault)
            .configure_asset(Call::new_in(self), asset, cap, false, collateral)
            .map_err(|e| passthrough(e, vault))?;
        Ok(())
    }

    /// Changes a listed asset's deposit cap and flags in the vault. A changed cap follows
    /// `clearing_core::deposit_cap_rule`: at most `2^128`, a raise at most doubles it (or
    /// opens it to 1,000 tokens), one day between changes. Lowering the cap and disabling
    /// deposits lower risk: a holder of [`RISK_ADMIN_ROLE`] may do both at once. Raising the
    /// cap, enabling deposits and any change of the collateral flag are the admin's (the
    /// timelock's). Emits [`DepositCapSet`] for a changed cap; the vault emits
    /// `AssetConfigured`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or a risk admin
    /// raising risk; the vault's `UnknownAsset`; with code [`DEPOSIT_CAP`]:
    /// [`ParameterOutOfBounds`], [`ParameterStepTooLarge`], [`ParameterChangedTooSoon`].
    pub fn configure_asset(
        &mut self,
        asset: Address,
        deposit_cap: U256,
        deposit_enabled: bool,
        collateral_enabled: bool,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        let vault = self.vault.get();
        let (decimals, old_cap, _, old_deposits, old_collateral) = ICollateralVault::new(vault)
            .asset_config(&*self, asset)
            .map_err(|e| passthrough(e, vault))?;
        if deposit_cap != old_cap {
            let key = B256::left_padding_from(asset.as_slice());
            let rule = deposit_cap_rule(old_cap, decimals);
            self.governed(DEPOSIT_CAP, key, &rule, old_cap, deposit_cap)?;
            log(
                self.vm(),
                DepositCapSet {
                    asset,
                    oldCap: old_cap,
                    newCap: deposit_cap,
                },
            );
        } else if !self.access.has_role(ADMIN_ROLE.into(), caller) {
            self.access
                ._check_role(RISK_ADMIN_ROLE.into(), caller)
                .map_err(PolicyError::from)?;
        }
        if (deposit_enabled && !old_deposits) || collateral_enabled != old_collateral {
            self.access
                ._check_role(ADMIN_ROLE.into(), caller)
                .map_err(PolicyError::from)?;
        }
        ICollateralVault::new(vault)
            .configure_asset(
                Call::new_in(self),
                asset,
                deposit_cap,
                deposit_enabled,
                collateral_enabled,
            )
            .map_err(|e| passthrough(e, vault))?;
        Ok(())
    }
}

impl VaultPolicy {
    fn rates(&self) -> RateParams {
        RateParams::unpack([self.rates_low.get(), self.rates_high.get()])
    }

    /// The vault's `(supply, borrow, supplyIndex, borrowIndex, cash)`.
    fn books(&self) -> Result<(U256, U256, U256, U256, U256), Vec<u8>> {
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .market_state(self)
            .map_err(|e| passthrough(e, vault))
    }

    /// The market before and after accruing to now.
    fn accrued(&self) -> Result<(MarketState, MarketState), Vec<u8>> {
        let (supply, borrow, supply_index, borrow_index, _) = self.books()?;
        let before = MarketState {
            supply,
            borrow,
            supply_index,
            borrow_index,
            reserve: self.reserve.get(),
            last: self.last.get().to::<u64>(),
        };
        let now = self.vm().block_timestamp();
        let after = mm::accrue(before, &self.rates(), now)
            .map_err(|e| Vec::<u8>::from(PolicyError::from(e)))?;
        Ok((before, after))
    }

    /// Applies the governance verdict of a change and records its time under `key`.
    fn governed(
        &mut self,
        code: u8,
        key: B256,
        rule: &ParamRule,
        old: U256,
        new: U256,
    ) -> Result<(), PolicyError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let now = self.vm().block_timestamp();
        let last = self.changed_at.get(key).to::<u64>();
        match govern(rule, old, new, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => {
                return Err(PolicyError::ParameterOutOfBounds(ParameterOutOfBounds {
                    param: code,
                    value: new,
                }))
            }
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(PolicyError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: old,
                    newValue: new,
                }))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(PolicyError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(rule, last),
                    },
                ))
            }
        }
        self.changed_at.setter(key).set(U64::from(now));
        Ok(())
    }
}

/// The rate parameter with `code`.
fn param(code: u8) -> Result<RateParam, PolicyError> {
    RateParam::from_code(code).ok_or(PolicyError::UnknownParameter(UnknownParameter {
        param: code,
    }))
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => PolicyError::CallFailed(CallFailed { callee }).into(),
    }
}
