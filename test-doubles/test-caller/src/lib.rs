//! A test contract for the Stylus runtime: call chains, static calls into
//! state-changing methods, re-entry, delegate calls, value transfers, the
//! `ecrecover` precompile and block time.
//!
//! Deploy it several times to build call chains: one instance plays each of
//! the roles A, B and C.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256, U64};
use alloy_sol_types::{sol, SolCall, SolError};
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageU256, StorageU64},
};

sol! {
    /// A value was written: by whom, and at which call depth of a chain.
    #[derive(Debug, PartialEq, Eq)]
    event ValueSet(address indexed by, uint256 value);

    /// The last frame of a failing chain.
    #[derive(Debug, PartialEq, Eq)]
    error Boom(uint256 value);

    /// `unlock` before the lock expired.
    #[derive(Debug, PartialEq, Eq)]
    error Locked(uint64 now, uint64 until);

    /// The calls this contract makes to other instances of itself.
    interface ITestCaller {
        function setValue(uint256 v) external;
        function value() external view returns (uint256);
        function chain(address[] next, uint256 v, bool failAtEnd) external;
        function callBack(address to, uint256 v) external;
    }
}

/// Errors of the test contract.
#[derive(SolidityError, Debug)]
pub enum CallerError {
    /// The last frame of a failing chain.
    Boom(Boom),
    /// `unlock` before the lock expired.
    Locked(Locked),
}

/// The test contract.
#[storage]
#[entrypoint]
pub struct TestCaller {
    value: StorageU256,
    deployer: StorageAddress,
    creator: StorageAddress,
    received: StorageU256,
    unlock_at: StorageU64,
}

#[public]
impl TestCaller {
    /// Stores the initial value, the constructor's `msg.sender` and
    /// `tx.origin`.
    #[constructor]
    pub fn constructor(&mut self, initial: U256) {
        self.value.set(initial);
        self.deployer.set(self.vm().msg_sender());
        self.creator.set(self.vm().tx_origin());
    }

    /// The stored value.
    pub fn value(&self) -> U256 {
        self.value.get()
    }

    /// The constructor's `msg.sender` and `tx.origin`.
    pub fn deployed_by(&self) -> (Address, Address) {
        (self.deployer.get(), self.creator.get())
    }

    /// Writes the value and logs it.
    pub fn set_value(&mut self, v: U256) {
        self.value.set(v);
        log(
            self.vm(),
            ValueSet {
                by: self.vm().msg_sender(),
                value: v,
            },
        );
    }

    /// Writes `v` here, then calls `next[0].chain(next[1..], v + 1,
    /// fail_at_end)`; the last frame reverts with `Boom(v)` when
    /// `fail_at_end`. A callee's revert bytes pass through unchanged.
    ///
    /// # Errors
    /// `Boom(v)` at the end of a failing chain; a callee's revert bytes.
    pub fn chain(&mut self, next: Vec<Address>, v: U256, fail_at_end: bool) -> Result<(), Vec<u8>> {
        self.set_value(v);
        let Some((first, rest)) = next.split_first() else {
            if fail_at_end {
                return Err(Boom { value: v }.abi_encode());
            }
            return Ok(());
        };
        let call = ITestCaller::chainCall {
            next: rest.to_vec(),
            v: v + U256::from(1),
            failAtEnd: fail_at_end,
        };
        unsafe {
            RawCall::new()
                .flush_storage_cache()
                .call(*first, &call.abi_encode())
        }?;
        Ok(())
    }

    /// Static-calls `target.setValue(v)`; true if that call succeeded.
    pub fn static_set(&self, target: Address, v: U256) -> bool {
        let call = ITestCaller::setValueCall { v };
        unsafe { RawCall::new_static().call(target, &call.abi_encode()) }.is_ok()
    }

    /// Reads `target.value()` through a static call.
    ///
    /// # Errors
    /// Empty revert data when the static call fails.
    pub fn static_get(&self, target: Address) -> Result<U256, Vec<u8>> {
        let out =
            unsafe { RawCall::new_static().call(target, &ITestCaller::valueCall {}.abi_encode()) }?;
        ITestCaller::valueCall::abi_decode_returns(&out, true)
            .map(|r| r._0)
            .map_err(|_| Vec::new())
    }

    /// Delegate-calls `target.setValue(v)`: `target`'s code writes this
    /// contract's storage.
    ///
    /// # Errors
    /// The callee's revert bytes.
    pub fn delegate_set(&mut self, target: Address, v: U256) -> Result<(), Vec<u8>> {
        let call = ITestCaller::setValueCall { v };
        unsafe {
            RawCall::new_delegate()
                .clear_storage_cache()
                .call(target, &call.abi_encode())
        }?;
        Ok(())
    }

    /// Asks `target` to call back `setValue(v)` on this contract: a re-entry.
    ///
    /// # Errors
    /// The callee's revert bytes (re-entry is refused by the entrypoint).
    pub fn reenter(&mut self, target: Address, v: U256) -> Result<(), Vec<u8>> {
        let call = ITestCaller::callBackCall {
            to: self.vm().contract_address(),
            v,
        };
        unsafe {
            RawCall::new()
                .flush_storage_cache()
                .call(target, &call.abi_encode())
        }?;
        Ok(())
    }

    /// Calls `to.setValue(v)`.
    ///
    /// # Errors
    /// The callee's revert bytes.
    pub fn call_back(&mut self, to: Address, v: U256) -> Result<(), Vec<u8>> {
        let call = ITestCaller::setValueCall { v };
        unsafe {
            RawCall::new()
                .flush_storage_cache()
                .call(to, &call.abi_encode())
        }?;
        Ok(())
    }

    /// Keeps the value sent.
    #[payable]
    pub fn deposit(&mut self) {
        let total = self.received.get() + self.vm().msg_value();
        self.received.set(total);
    }

    /// Total value received through `deposit`.
    pub fn received(&self) -> U256 {
        self.received.get()
    }

    /// Sends the value it receives on to `to`.
    ///
    /// # Errors
    /// The callee's revert bytes when the transfer fails.
    #[payable]
    pub fn forward(&mut self, to: Address) -> Result<(), Vec<u8>> {
        let value = self.vm().msg_value();
        unsafe {
            RawCall::new_with_value(value)
                .flush_storage_cache()
                .call(to, &[])
        }?;
        Ok(())
    }

    /// The balance of an account.
    pub fn balance_of(&self, account: Address) -> U256 {
        self.vm().balance(account)
    }

    /// The signer of `hash`, through the `ecrecover` precompile (zero if the
    /// signature is invalid).
    ///
    /// # Errors
    /// Empty revert data when the precompile call fails.
    pub fn recover(&self, hash: B256, v: u8, r: B256, s: B256) -> Result<Address, Vec<u8>> {
        let mut input = Vec::with_capacity(128);
        input.extend_from_slice(hash.as_slice());
        input.extend_from_slice(&U256::from(v).to_be_bytes::<32>());
        input.extend_from_slice(r.as_slice());
        input.extend_from_slice(s.as_slice());
        let out = unsafe { RawCall::new_static().call(Address::with_last_byte(1), &input) }?;
        Ok(if out.len() == 32 {
            Address::from_slice(&out[12..])
        } else {
            Address::ZERO
        })
    }

    /// keccak256 of `data`.
    pub fn hash(&self, data: Bytes) -> B256 {
        self.vm().native_keccak256(&data)
    }

    /// Block timestamp, block number, base fee and chain id.
    pub fn block_info(&self) -> (u64, u64, U256, u64) {
        let vm = self.vm();
        (
            vm.block_timestamp(),
            vm.block_number(),
            vm.block_basefee(),
            vm.chain_id(),
        )
    }

    /// Locks `unlock` for `duration` seconds.
    pub fn lock_for(&mut self, duration: u64) {
        let until = self.vm().block_timestamp() + duration;
        self.unlock_at.set(U64::from(until));
    }

    /// Succeeds once the lock expired, returning the time.
    ///
    /// # Errors
    /// [`CallerError::Locked`] before then.
    pub fn unlock(&mut self) -> Result<u64, CallerError> {
        let now = self.vm().block_timestamp();
        let until = self.unlock_at.get().to::<u64>();
        if now < until {
            return Err(CallerError::Locked(Locked { now, until }));
        }
        self.unlock_at.set(U64::ZERO);
        Ok(now)
    }
}
