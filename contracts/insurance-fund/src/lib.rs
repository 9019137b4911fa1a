//! InsuranceFund: the backstop balance of the clearing system, its bad-debt
//! cover, its drawdown window and the excess withdrawal (DESIGN section 8).
//!
//! The fund's money lives in the CollateralVault as the fund's own
//! sub-account [`InsuranceFund::account`] (`encode(address(this), 0)`): the
//! Clearinghouse credits fee and penalty shares there as quote balance
//! (signed WAD), and [`InsuranceFund::top_up`] deposits quote tokens there.
//! The fund's balance is the sum of both, in WAD.
//!
//! - Bad debt is covered, up to what the fund holds, by moving quote balance
//!   from the fund's account to the debtor's; only holders of [`COVER_ROLE`]
//!   (the liquidation contract) may ask.
//! - The drawdown from the highest balance within a rolling window (default
//!   24 hours) is reported for the circuit breaker; every cover observes the
//!   balance before and after, and keepers call [`InsuranceFund::poke`] to
//!   keep the peak current between covers.
//! - The admin may withdraw only what exceeds the target size; a withdrawal
//!   lowers the window's peak by the same amount, so it does not count as a
//!   loss.
//!
//! Call graph: `InsuranceFund -> CollateralVault -> ERC-20` and
//! `InsuranceFund -> ERC-20` (top-ups); the vault grants the fund its
//! `CLEARING_ROLE` at deployment.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64, U8};
use clearing_core::{
    add_signed, drawdown, liquidation::insurance, observe_drawdown, on_withdrawal, sub_signed,
    to_signed, to_wad, trading::account, ChangeError, DrawdownState, Refusal, MAX_DECIMALS,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    call::{self, Call},
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU256, StorageU64, StorageU8},
};

pub use errors::*;

/// The role allowed to draw on the fund for bad debt
/// (`keccak256("COVER_ROLE")`), granted to the liquidation contract.
pub const COVER_ROLE: [u8; 32] = [
    0x5d, 0xfb, 0x0c, 0xe5, 0xf9, 0xd9, 0x08, 0x6f, 0x2c, 0xc6, 0x51, 0xc6, 0xe5, 0x4f, 0x99, 0x39,
    0xd9, 0xa3, 0x02, 0x3f, 0x90, 0xfc, 0xbb, 0x0d, 0x80, 0xf6, 0xcb, 0xf1, 0x0a, 0x9c, 0x0a, 0x12,
];

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

pub use clearing_core::rules::insurance_fund::{param, rule};

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering changes (a higher
/// target, a longer window) at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

/// The insurance fund contract.
#[storage]
#[entrypoint]
pub struct InsuranceFund {
    access: AccessControl,
    vault: StorageAddress,
    // The window's settings sit beside the addresses: one slot each.
    window: StorageU64,
    quote_asset: StorageAddress,
    quote_decimals: StorageU8,
    window_start: StorageU64,
    target: StorageU256,
    peak: StorageU256,
    /// When each parameter last changed (0: never).
    changed_at: StorageMap<u8, StorageU64>,
}

sol_interface! {
    /// The vault functions the fund uses.
    interface ICollateralVault {
        function quoteBalance(bytes32 account) external view returns (int256);
        function balanceOf(bytes32 account, address asset) external view returns (uint256);
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
        function release(bytes32 account, address asset, uint256 amount, address recipient) external;
        function deposit(uint8 subaccount, address asset, uint256 amount) external returns (uint256);
    }

    /// The ERC-20 functions the fund uses on the quote token.
    interface IERC20 {
        function balanceOf(address account) external view returns (uint256);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        function decimals() external view returns (uint8);
    }
}

#[public]
impl InsuranceFund {
    /// Wires the vault and the quote asset, checks the quote token's
    /// decimals, grants `admin` the admin role and opens the first drawdown
    /// window (24 hours, peak 0) at the deployment time.
    ///
    /// # Errors
    /// [`ParameterOutOfBounds`] for decimals above 36; [`DecimalsMismatch`]
    /// when the token reports other decimals; [`CallFailed`] when it does not
    /// answer `decimals()`.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        vault: Address,
        quote_asset: Address,
        quote_decimals: u8,
    ) -> Result<(), FundError> {
        if quote_decimals > MAX_DECIMALS {
            return Err(FundError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::DECIMALS,
                value: U256::from(quote_decimals),
            }));
        }
        let token = IERC20::new(quote_asset)
            .decimals(&*self)
            .map_err(|_| call_failed(quote_asset))?;
        if token != quote_decimals {
            return Err(FundError::DecimalsMismatch(DecimalsMismatch {
                asset: quote_asset,
                configured: quote_decimals,
                token,
            }));
        }
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.vault.set(vault);
        self.quote_asset.set(quote_asset);
        self.quote_decimals.set(U8::from(quote_decimals));
        self.window.set(U64::from(
            clearing_core::governance::params::DEFAULT_DRAWDOWN_WINDOW,
        ));
        let now = self.vm().block_timestamp();
        self.window_start.set(U64::from(now));
        Ok(())
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
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), FundError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), FundError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wired addresses and units: `(vault, quoteAsset, quoteDecimals)`.
    pub fn wiring(&self) -> (Address, Address, u8) {
        (
            self.vault.get(),
            self.quote_asset.get(),
            self.quote_decimals.get().to::<u8>(),
        )
    }

    /// The fund's vault sub-account: `encode(address(this), 0)`.
    pub fn account(&self) -> B256 {
        account::encode(self.vm().contract_address(), 0)
    }

    // ------------------------------------------------------------------
    // Balance and drawdown
    // ------------------------------------------------------------------

    /// The fund's balance, signed WAD of the quote asset: its quote balance
    /// in the vault plus its quote-token balance there, scaled to WAD.
    ///
    /// # Errors
    /// The vault's revert data unchanged, or [`CallFailed`]; [`MathError`]
    /// if the sum does not fit.
    pub fn balance(&self) -> Result<I256, Vec<u8>> {
        let vault = self.vault.get();
        let id = self.account();
        let v = ICollateralVault::new(vault);
        let quote = v
            .quote_balance(self, id)
            .map_err(|e| passthrough(e, vault))?;
        let tokens = v
            .balance_of(self, id, self.quote_asset.get())
            .map_err(|e| passthrough(e, vault))?;
        let tokens = to_wad(tokens, self.quote_decimals.get().to::<u8>()).map_err(math)?;
        add_signed(quote, to_signed(tokens).map_err(math)?).map_err(math)
    }

    /// The drawdown as if the current balance were observed now (nothing is
    /// stored): `(peak, balance, drawdown)` with `peak` and `balance` in WAD
    /// and `drawdown = (peak - balance) / peak` a WAD fraction in `[0, 1]`,
    /// rounded up (0 when the peak is 0, 1 when the balance is not positive).
    ///
    /// # Errors
    /// As [`Self::balance`].
    pub fn drawdown(&self) -> Result<(U256, I256, U256), Vec<u8>> {
        let balance = self.balance()?;
        let s = observe_drawdown(
            self.state(),
            balance,
            self.vm().block_timestamp(),
            self.window.get().to::<u64>(),
        );
        Ok((s.peak, balance, drawdown(s.peak, balance)))
    }

    /// Stores an observation of the current balance (keeps the window's
    /// peak current; keepers call it). Open to anyone.
    ///
    /// # Errors
    /// As [`Self::balance`].
    pub fn poke(&mut self) -> Result<(), Vec<u8>> {
        let balance = self.balance()?;
        self.observe(balance);
        Ok(())
    }

    /// The drawdown window's length in seconds.
    pub fn window(&self) -> u64 {
        self.window.get().to::<u64>()
    }

    /// The stored window: `(windowStart, peak)` (seconds, WAD).
    pub fn observation(&self) -> (u64, U256) {
        let s = self.state();
        (s.window_start, s.peak)
    }

    /// The target size below which nothing may be withdrawn (WAD).
    pub fn target(&self) -> U256 {
        self.target.get()
    }

    // ------------------------------------------------------------------
    // Money in and out
    // ------------------------------------------------------------------

    /// Pulls `amount` quote tokens from the caller (who approved the fund),
    /// approves the vault and deposits what arrived into the fund's
    /// sub-account, where it becomes the fund's token balance. Open to
    /// anyone. Returns the amount credited (token units).
    ///
    /// # Errors
    /// [`ZeroAmount`]; the token's or the vault's revert data unchanged
    /// (e.g. `ERC20InsufficientAllowance`, `DepositCapExceeded`);
    /// [`TransferFailed`] when a token call returns false; [`CallFailed`].
    pub fn top_up(&mut self, amount: U256) -> Result<U256, Vec<u8>> {
        if amount.is_zero() {
            return Err(FundError::ZeroAmount(ZeroAmount {}).into());
        }
        let from = self.vm().msg_sender();
        let this = self.vm().contract_address();
        let (vault, quote) = (self.vault.get(), self.quote_asset.get());
        let token = IERC20::new(quote);
        let before = token
            .balance_of(&*self, this)
            .map_err(|e| passthrough(e, quote))?;
        let ok = token
            .transfer_from(Call::new_in(self), from, this, amount)
            .map_err(|e| passthrough(e, quote))?;
        if !ok {
            return Err(transfer_failed(quote));
        }
        let after = token
            .balance_of(&*self, this)
            .map_err(|e| passthrough(e, quote))?;
        // A fee-on-transfer token delivers less than `amount`: deposit what arrived.
        let received = after.saturating_sub(before);
        if received.is_zero() {
            return Err(FundError::ZeroAmount(ZeroAmount {}).into());
        }
        let ok = token
            .approve(Call::new_in(self), vault, received)
            .map_err(|e| passthrough(e, quote))?;
        if !ok {
            return Err(transfer_failed(quote));
        }
        let credited = ICollateralVault::new(vault)
            .deposit(Call::new_in(self), 0, quote, received)
            .map_err(|e| passthrough(e, vault))?;
        log(
            self.vm(),
            ToppedUp {
                from,
                amount: credited,
            },
        );
        Ok(credited)
    }

    /// Covers bad debt of `account` (COVER_ROLE only): moves `covered =
    /// min(amount, max(balance, 0))` (WAD of the quote asset) from the
    /// fund's quote balance to the account's, observing the drawdown window
    /// before and after. Returns `covered`; what it falls short of
    /// `amount` is the caller's to socialise.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ZeroAmount`]; the vault's
    /// revert data unchanged (e.g. `NotClearinghouse` when the vault has not
    /// granted the fund its clearing role); [`CallFailed`]; [`MathError`].
    pub fn cover_bad_debt(&mut self, account: B256, amount: U256) -> Result<U256, Vec<u8>> {
        self.access
            ._check_role(COVER_ROLE.into(), self.vm().msg_sender())
            .map_err(FundError::from)?;
        if amount.is_zero() {
            return Err(FundError::ZeroAmount(ZeroAmount {}).into());
        }
        let before = self.balance()?;
        self.observe(before);
        let available = insurance::positive_part(before);
        let covered = amount.min(available);
        let balance_after = if covered.is_zero() {
            before
        } else {
            let delta = to_signed(covered).map_err(math)?;
            let vault = self.vault.get();
            let fund = self.account();
            let v = ICollateralVault::new(vault);
            v.apply_quote_delta(Call::new_in(self), fund, -delta)
                .map_err(|e| passthrough(e, vault))?;
            v.apply_quote_delta(Call::new_in(self), account, delta)
                .map_err(|e| passthrough(e, vault))?;
            let after = self.balance()?;
            self.observe(after);
            after
        };
        log(
            self.vm(),
            BadDebtCovered {
                account,
                requested: amount,
                covered,
                balanceAfter: balance_after,
            },
        );
        Ok(covered)
    }

    /// Pays `amount` quote tokens (token units) out of the fund's vault
    /// account to `to` (admin only), only from what exceeds the target:
    /// `balance - amount >= target` in WAD. The window's peak drops by the
    /// amount, so the withdrawal does not count as a drawdown. The vault pays
    /// from the fund's tokens first and, beyond them, from its positive
    /// quote balance.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ZeroAmount`];
    /// [`InvalidRecipient`] for the zero address; [`BelowTarget`]; the
    /// vault's revert data unchanged; [`CallFailed`]; [`MathError`].
    pub fn withdraw_excess(&mut self, amount: U256, to: Address) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        if amount.is_zero() {
            return Err(FundError::ZeroAmount(ZeroAmount {}).into());
        }
        if to.is_zero() {
            return Err(FundError::InvalidRecipient(InvalidRecipient { to }).into());
        }
        let balance = self.balance()?;
        // Exact: a token amount scales up to WAD without rounding.
        let amount_wad = to_wad(amount, self.quote_decimals.get().to::<u8>()).map_err(math)?;
        let target = self.target.get();
        let below = || -> Vec<u8> {
            FundError::BelowTarget(BelowTarget {
                balance,
                target,
                amount,
            })
            .into()
        };
        let rest = to_signed(amount_wad)
            .and_then(|a| sub_signed(balance, a))
            .map_err(|_| below())?;
        if rest.is_negative() || rest.into_raw() < target {
            return Err(below());
        }
        self.observe(balance);
        let s = on_withdrawal(self.state(), amount_wad);
        self.peak.set(s.peak);
        let (vault, quote, fund) = (self.vault.get(), self.quote_asset.get(), self.account());
        ICollateralVault::new(vault)
            .release(Call::new_in(self), fund, quote, amount, to)
            .map_err(|e| passthrough(e, vault))?;
        log(self.vm(), ExcessWithdrawn { to, amount });
        Ok(())
    }

    // ------------------------------------------------------------------
    // Parameters (admin)
    // ------------------------------------------------------------------

    /// Sets the target size (WAD of the quote asset) that withdrawals must
    /// leave in the fund, within its [`rule`]: a higher target lowers risk
    /// and may be applied at once by a holder of [`RISK_ADMIN_ROLE`]; a
    /// lower one needs the admin (the timelock, which enforced the delay).
    /// Emits `TargetSet` with the old and new value.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin lowering the target (naming the admin role);
    /// [`ParameterOutOfBounds`], [`ParameterStepTooLarge`] and
    /// [`ParameterChangedTooSoon`] with [`param::TARGET`].
    pub fn set_target(&mut self, target: U256) -> Result<(), FundError> {
        let old = self.target.get();
        self.governed(param::TARGET, old, target)?;
        self.target.set(target);
        log(
            self.vm(),
            TargetSet {
                oldTarget: old,
                newTarget: target,
            },
        );
        Ok(())
    }

    /// Sets the drawdown window's length (seconds, 1 hour ..= 7 days) within
    /// its [`rule`]: a longer window lowers risk and may be applied at once
    /// by a holder of [`RISK_ADMIN_ROLE`]; a shorter one needs the admin. The
    /// current window keeps its start; it rolls at `start + window`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin shortening the window (naming the admin role);
    /// [`ParameterOutOfBounds`], [`ParameterStepTooLarge`] and
    /// [`ParameterChangedTooSoon`] with [`param::WINDOW`].
    pub fn set_window(&mut self, window: u64) -> Result<(), FundError> {
        let old = self.window.get().to::<u64>();
        self.governed(param::WINDOW, U256::from(old), U256::from(window))?;
        self.window.set(U64::from(window));
        log(
            self.vm(),
            WindowSet {
                oldWindow: old,
                newWindow: window,
            },
        );
        Ok(())
    }
}

impl InsuranceFund {
    fn only_admin(&self) -> Result<(), FundError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn state(&self) -> DrawdownState {
        DrawdownState {
            window_start: self.window_start.get().to::<u64>(),
            peak: self.peak.get(),
        }
    }

    /// Folds `balance` observed now into the stored window.
    fn observe(&mut self, balance: I256) {
        let s = observe_drawdown(
            self.state(),
            balance,
            self.vm().block_timestamp(),
            self.window.get().to::<u64>(),
        );
        self.window_start.set(U64::from(s.window_start));
        self.peak.set(s.peak);
    }
}

fn passthrough(e: call::Error, callee: Address) -> Vec<u8> {
    match e {
        call::Error::Revert(data) if !data.is_empty() => data,
        _ => call_failed(callee).into(),
    }
}

fn call_failed(callee: Address) -> FundError {
    FundError::CallFailed(CallFailed { callee })
}

fn transfer_failed(asset: Address) -> Vec<u8> {
    FundError::TransferFailed(TransferFailed { asset }).into()
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    FundError::from(e).into()
}

impl InsuranceFund {
    /// Applies the governance rules to a change of parameter `code` from
    /// `old` to `new` by the caller and records its time.
    fn governed(&mut self, code: u8, old: U256, new: U256) -> Result<(), FundError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let Some(rule) = rule(code) else {
            return Err(out_of_bounds(code, new));
        };
        let last = self.changed_at.get(code).to::<u64>();
        let now = self.vm().block_timestamp();
        match clearing_core::govern(&rule, old, new, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => return Err(out_of_bounds(code, new)),
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(FundError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: old,
                    newValue: new,
                }))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(FundError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: clearing_core::next_change_at(&rule, last),
                    },
                ))
            }
        }
        self.changed_at.setter(code).set(U64::from(now));
        Ok(())
    }
}

fn out_of_bounds(code: u8, value: U256) -> FundError {
    FundError::ParameterOutOfBounds(ParameterOutOfBounds { param: code, value })
}

#[cfg(test)]
mod tests;
