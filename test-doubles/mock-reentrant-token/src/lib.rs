//! A malicious ERC-20 test double: its `transferFrom` calls back into the
//! vault that is pulling it (a `deposit` of itself), the classic re-entry
//! attack on a vault. Stylus refuses re-entry into a program already on the
//! call stack (the SDK's `reentrant` feature stays off), so the inner call
//! reverts; the token reports that failure by reverting too, and the vault's
//! deposit fails without crediting anything.
//!
//! It is otherwise a minimal token: `decimals` (18), `mint`, `balanceOf`,
//! `approve` (accepted, not tracked) and `transfer`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_primitives::{Address, U256};
use alloy_sol_types::sol;
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU256},
};

sol! {
    /// The call back into the vault failed (as it must: re-entry).
    #[derive(Debug, PartialEq, Eq)]
    error CallbackFailed(address vault, bytes reason);
    /// More than the balance.
    #[derive(Debug, PartialEq, Eq)]
    error InsufficientBalance(address account, uint256 balance, uint256 amount);
}

sol_interface! {
    /// The vault function the token calls back.
    interface IVault {
        function deposit(uint8 subaccount, address asset, uint256 amount) external returns (uint256);
    }
}

/// Errors of the malicious token.
#[derive(SolidityError, Debug)]
pub enum TokenError {
    /// See [`CallbackFailed`].
    CallbackFailed(CallbackFailed),
    /// See [`InsufficientBalance`].
    InsufficientBalance(InsufficientBalance),
}

/// The malicious token.
#[storage]
#[entrypoint]
pub struct ReentrantToken {
    balances: StorageMap<Address, StorageU256>,
    vault: StorageAddress,
}

#[public]
impl ReentrantToken {
    /// Sets the vault to call back.
    #[constructor]
    pub fn constructor(&mut self, vault: Address) {
        self.vault.set(vault);
    }

    /// 18.
    pub fn decimals(&self) -> u8 {
        18
    }

    /// Mints `amount` to `to` (anyone: a test double).
    pub fn mint(&mut self, to: Address, amount: U256) {
        let b = self.balances.get(to) + amount;
        self.balances.insert(to, b);
    }

    /// The balance of `account`.
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }

    /// Accepted and not tracked.
    pub fn approve(&mut self, _spender: Address, _value: U256) -> bool {
        true
    }

    /// Moves `amount` from the caller to `to`.
    ///
    /// # Errors
    /// [`InsufficientBalance`].
    pub fn transfer(&mut self, to: Address, amount: U256) -> Result<bool, TokenError> {
        let from = self.vm().msg_sender();
        self.move_tokens(from, to, amount)?;
        Ok(true)
    }

    /// Calls back into the vault (`deposit` of this token) before moving
    /// anything: the re-entry attack.
    ///
    /// # Errors
    /// [`CallbackFailed`] with the vault's (the runtime's) revert reason when
    /// the call back fails, as it does on Stylus; [`InsufficientBalance`].
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Result<bool, TokenError> {
        let vault = self.vault.get();
        let this = self.vm().contract_address();
        if let Err(e) = IVault::new(vault).deposit(Call::new_in(self), 0, this, amount) {
            let reason = match e {
                stylus_sdk::call::Error::Revert(data) => data,
                stylus_sdk::call::Error::AbiDecodingFailed(_) => Vec::new(),
            };
            return Err(TokenError::CallbackFailed(CallbackFailed {
                vault,
                reason: reason.into(),
            }));
        }
        self.move_tokens(from, to, amount)?;
        Ok(true)
    }
}

impl ReentrantToken {
    fn move_tokens(&mut self, from: Address, to: Address, amount: U256) -> Result<(), TokenError> {
        let balance = self.balances.get(from);
        if balance < amount {
            return Err(TokenError::InsufficientBalance(InsufficientBalance {
                account: from,
                balance,
                amount,
            }));
        }
        self.balances.insert(from, balance - amount);
        let b = self.balances.get(to) + amount;
        self.balances.insert(to, b);
        Ok(())
    }
}
