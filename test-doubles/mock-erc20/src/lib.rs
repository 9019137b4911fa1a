//! An ERC-20 test double built on openzeppelin-stylus's [`Erc20`] and
//! [`Erc20Metadata`].
//!
//! One contract serves as both the plain mock token and the fee-on-transfer
//! variant:
//!
//! - `decimals` is set by the constructor (tests use 6 and 18);
//! - `mint` and `burn` are open to every caller, so tests can fund and drain
//!   accounts freely;
//! - a transfer fee in basis points (0 = plain token, at most
//!   [`MAX_TRANSFER_FEE_BPS`]) can be set in the constructor or switched later
//!   with `setTransferFee`.
//!
//! # Fee-on-transfer semantics
//!
//! With a fee of `bps`, `transfer` and `transferFrom` of `amount`:
//!
//! - debit the sender by the full `amount` (the balance check is against
//!   `amount`, and `transferFrom` spends `amount` of allowance);
//! - credit the recipient with `amount - fee`, where
//!   `fee = floor(amount * bps / 10_000)` (rounded down, see
//!   [`transfer_fee`]);
//! - burn the fee: total supply drops by `fee`. There is no fee sink.
//!
//! Events show exactly what moved: `Transfer(from, to, amount - fee)`, then,
//! only when `fee > 0`, `Transfer(from, address(0), fee)`.
//!
//! # ABI
//!
//! Every ERC-20 function is an explicit `#[public]` method delegating to the
//! inner [`Erc20`] (not routed through `#[implements]`), so the exported
//! Solidity interface lists all of them. OpenZeppelin's ERC-6093 errors
//! (`ERC20InsufficientBalance`, ...) are returned with their original
//! selectors and fields.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::{string::String, vec::Vec};
use alloy_primitives::{aliases::B32, Address, U16, U256, U8};
use alloy_sol_types::sol;
use openzeppelin_stylus::{
    token::erc20::{
        self,
        extensions::{Erc20Metadata, IErc20Metadata},
        ERC20InsufficientAllowance, ERC20InsufficientBalance, ERC20InvalidApprover,
        ERC20InvalidReceiver, ERC20InvalidSender, ERC20InvalidSpender, Erc20, IErc20,
    },
    utils::introspection::erc165::IErc165,
};
use stylus_sdk::{
    prelude::*,
    storage::{StorageU16, StorageU8},
};

pub use openzeppelin_stylus::token::erc20::{Approval, Transfer};

/// Largest accepted transfer fee: 10 000 basis points = 100 %.
pub const MAX_TRANSFER_FEE_BPS: u16 = 10_000;

/// Basis-point denominator.
const BPS: u64 = 10_000;

sol! {
    /// Emitted when the transfer fee changes (also by the constructor).
    #[derive(Debug, PartialEq, Eq)]
    event TransferFeeUpdated(uint16 previousBps, uint16 newBps);

    /// The requested transfer fee exceeds `maxBps` (10 000).
    #[derive(Debug, PartialEq, Eq)]
    error TransferFeeTooHigh(uint16 bps, uint16 maxBps);

    /// Minting `amount` would push the total supply past `type(uint256).max`.
    #[derive(Debug, PartialEq, Eq)]
    error TotalSupplyOverflow(uint256 totalSupply, uint256 amount);
}

/// Errors of the mock token: OpenZeppelin's ERC-20 errors unchanged, plus the
/// mock's own configuration errors.
#[derive(SolidityError, Debug)]
pub enum MockErc20Error {
    /// `sender` holds `balance`, less than the `needed` amount.
    InsufficientBalance(ERC20InsufficientBalance),
    /// Tokens cannot move from `address(0)`.
    InvalidSender(ERC20InvalidSender),
    /// Tokens cannot move to `address(0)`.
    InvalidReceiver(ERC20InvalidReceiver),
    /// `spender`'s allowance is less than the `needed` amount.
    InsufficientAllowance(ERC20InsufficientAllowance),
    /// `address(0)` cannot be approved as a spender.
    InvalidSpender(ERC20InvalidSpender),
    /// `address(0)` cannot approve.
    InvalidApprover(ERC20InvalidApprover),
    /// The transfer fee is above [`MAX_TRANSFER_FEE_BPS`].
    TransferFeeTooHigh(TransferFeeTooHigh),
    /// A mint would overflow the total supply.
    TotalSupplyOverflow(TotalSupplyOverflow),
}

impl From<erc20::Error> for MockErc20Error {
    fn from(e: erc20::Error) -> Self {
        match e {
            erc20::Error::InsufficientBalance(e) => Self::InsufficientBalance(e),
            erc20::Error::InvalidSender(e) => Self::InvalidSender(e),
            erc20::Error::InvalidReceiver(e) => Self::InvalidReceiver(e),
            erc20::Error::InsufficientAllowance(e) => Self::InsufficientAllowance(e),
            erc20::Error::InvalidSpender(e) => Self::InvalidSpender(e),
            erc20::Error::InvalidApprover(e) => Self::InvalidApprover(e),
        }
    }
}

/// The fee charged on a transfer of `amount` at `bps` basis points:
/// `floor(amount * bps / 10_000)`, computed without intermediate overflow.
///
/// Rounding down favours the payer: a transfer with `amount * bps < 10_000`
/// pays no fee. `bps` above 10 000 is never stored by the contract.
#[must_use]
pub fn transfer_fee(amount: U256, bps: u16) -> U256 {
    let bps = U256::from(bps);
    let denom = U256::from(BPS);
    // amount = q * 10_000 + r, so amount * bps / 10_000 = q * bps + r * bps / 10_000.
    // q * bps <= amount (bps <= 10_000) and r * bps < 10^8: neither overflows.
    let (q, r) = amount.div_rem(denom);
    q.saturating_mul(bps) + r * bps / denom
}

/// ERC-20 test double with open mint/burn, configurable decimals and an
/// optional fee-on-transfer.
#[storage]
#[entrypoint]
pub struct MockErc20 {
    erc20: Erc20,
    metadata: Erc20Metadata,
    decimals: StorageU8,
    transfer_fee_bps: StorageU16,
}

#[public]
impl MockErc20 {
    /// Sets name, symbol, decimals and the initial transfer fee
    /// (`transferFeeBps` = 0 for a plain token). Emits
    /// `TransferFeeUpdated(0, transferFeeBps)`.
    ///
    /// # Errors
    /// [`MockErc20Error::TransferFeeTooHigh`] when `transferFeeBps` is above
    /// [`MAX_TRANSFER_FEE_BPS`].
    #[constructor]
    #[allow(non_snake_case)] // Solidity-style name in the exported ABI.
    pub fn constructor(
        &mut self,
        name: String,
        symbol: String,
        decimals: u8,
        transferFeeBps: u16,
    ) -> Result<(), MockErc20Error> {
        self.metadata.constructor(name, symbol);
        self.decimals.set(U8::from(decimals));
        self.set_transfer_fee(transferFeeBps)
    }

    /// Token name.
    pub fn name(&self) -> String {
        self.metadata.name()
    }

    /// Token symbol.
    pub fn symbol(&self) -> String {
        self.metadata.symbol()
    }

    /// Decimals set by the constructor.
    pub fn decimals(&self) -> u8 {
        self.decimals.get().to::<u8>()
    }

    /// Tokens in existence.
    pub fn total_supply(&self) -> U256 {
        self.erc20.total_supply()
    }

    /// Balance of `account`.
    pub fn balance_of(&self, account: Address) -> U256 {
        self.erc20.balance_of(account)
    }

    /// Allowance of `spender` over `owner`'s tokens.
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.erc20.allowance(owner, spender)
    }

    /// Sets `spender`'s allowance over the caller's tokens to `value`; emits
    /// `Approval`.
    ///
    /// # Errors
    /// [`MockErc20Error::InvalidSpender`] when `spender` is `address(0)`.
    pub fn approve(&mut self, spender: Address, value: U256) -> Result<bool, MockErc20Error> {
        Ok(self.erc20.approve(spender, value)?)
    }

    /// Moves `value` from the caller to `to`, minus the transfer fee, which is
    /// burned (see the crate docs).
    ///
    /// # Errors
    /// - [`MockErc20Error::InvalidReceiver`] when `to` is `address(0)`;
    /// - [`MockErc20Error::InsufficientBalance`] when the caller holds less
    ///   than `value`.
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, MockErc20Error> {
        let from = self.vm().msg_sender();
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// Moves `value` from `from` to `to` on the caller's allowance (which is
    /// reduced by the full `value` unless it is `type(uint256).max`), minus
    /// the transfer fee, which is burned.
    ///
    /// # Errors
    /// - [`MockErc20Error::InsufficientAllowance`] when the caller's allowance
    ///   is less than `value`;
    /// - [`MockErc20Error::InvalidSender`] / [`MockErc20Error::InvalidReceiver`]
    ///   when `from` / `to` is `address(0)`;
    /// - [`MockErc20Error::InsufficientBalance`] when `from` holds less than
    ///   `value`.
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, MockErc20Error> {
        let spender = self.vm().msg_sender();
        self.erc20._spend_allowance(from, spender, value)?;
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// Creates `amount` tokens for `to`; open to every caller. No fee.
    ///
    /// # Errors
    /// - [`MockErc20Error::InvalidReceiver`] when `to` is `address(0)`;
    /// - [`MockErc20Error::TotalSupplyOverflow`] when the total supply would
    ///   exceed `type(uint256).max`.
    pub fn mint(&mut self, to: Address, amount: U256) -> Result<(), MockErc20Error> {
        let total_supply = self.erc20.total_supply();
        if total_supply.checked_add(amount).is_none() {
            return Err(MockErc20Error::TotalSupplyOverflow(TotalSupplyOverflow {
                totalSupply: total_supply,
                amount,
            }));
        }
        Ok(self.erc20._mint(to, amount)?)
    }

    /// Destroys `amount` of `from`'s tokens; open to every caller, no
    /// allowance needed. No fee.
    ///
    /// # Errors
    /// - [`MockErc20Error::InvalidSender`] when `from` is `address(0)`;
    /// - [`MockErc20Error::InsufficientBalance`] when `from` holds less than
    ///   `amount`.
    pub fn burn(&mut self, from: Address, amount: U256) -> Result<(), MockErc20Error> {
        Ok(self.erc20._burn(from, amount)?)
    }

    /// Current transfer fee in basis points.
    pub fn transfer_fee_bps(&self) -> u16 {
        self.transfer_fee_bps.get().to::<u16>()
    }

    /// Sets the transfer fee in basis points (0 turns the fee off); open to
    /// every caller. Emits `TransferFeeUpdated(previousBps, newBps)`.
    ///
    /// # Errors
    /// [`MockErc20Error::TransferFeeTooHigh`] when `bps` is above
    /// [`MAX_TRANSFER_FEE_BPS`].
    pub fn set_transfer_fee(&mut self, bps: u16) -> Result<(), MockErc20Error> {
        if bps > MAX_TRANSFER_FEE_BPS {
            return Err(MockErc20Error::TransferFeeTooHigh(TransferFeeTooHigh {
                bps,
                maxBps: MAX_TRANSFER_FEE_BPS,
            }));
        }
        let previous = self.transfer_fee_bps();
        self.transfer_fee_bps.set(U16::from(bps));
        log(
            self.vm(),
            TransferFeeUpdated {
                previousBps: previous,
                newBps: bps,
            },
        );
        Ok(())
    }

    /// ERC-165: true for the ERC-20, ERC-20 metadata and ERC-165 interface
    /// ids.
    #[allow(non_snake_case)] // Solidity-style name in the exported ABI.
    pub fn supports_interface(&self, interfaceId: B32) -> bool {
        interfaceId == <Erc20 as IErc20>::interface_id()
            || interfaceId == <Erc20Metadata as IErc20Metadata>::interface_id()
            || interfaceId == <Erc20 as IErc165>::interface_id()
    }
}

impl MockErc20 {
    /// Moves `value` out of `from`: `value - fee` to `to` and `fee` burned.
    /// Checks mirror OpenZeppelin's internal transfer, with the balance
    /// checked against the full `value` before anything moves.
    fn move_tokens(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<(), MockErc20Error> {
        if from.is_zero() {
            return Err(MockErc20Error::InvalidSender(ERC20InvalidSender {
                sender: from,
            }));
        }
        if to.is_zero() {
            return Err(MockErc20Error::InvalidReceiver(ERC20InvalidReceiver {
                receiver: to,
            }));
        }
        let balance = self.erc20.balance_of(from);
        if balance < value {
            return Err(MockErc20Error::InsufficientBalance(
                ERC20InsufficientBalance {
                    sender: from,
                    balance,
                    needed: value,
                },
            ));
        }
        let fee = transfer_fee(value, self.transfer_fee_bps());
        self.erc20._update(from, to, value - fee)?;
        if !fee.is_zero() {
            self.erc20._update(from, Address::ZERO, fee)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
