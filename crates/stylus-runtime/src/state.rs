//! Journaled world state: accounts, storage, transient storage, logs, and the
//! per-transaction access lists the gas rules depend on.

use crate::pricing::evm;
use alloy_primitives::{address, keccak256, Address, Bytes, Log, B256, U256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A loaded, metered Stylus program.
#[derive(Debug)]
pub(crate) struct Program {
    /// The metered module, ready to instantiate.
    pub module: wasmi::Module,
    /// Code as stored at the contract's address.
    pub code: Bytes,
    /// Hash of [`Program::code`].
    pub code_hash: B256,
    /// Gas to enter the program when it is not cached.
    pub init_gas: u64,
    /// Gas to enter the program on every call.
    pub cached_gas: u64,
    /// Initial memory pages.
    pub footprint: u16,
    /// Length of the uncompressed WASM (the activation size estimate).
    pub wasm_len: usize,
}

/// One account.
#[derive(Debug, Clone, Default)]
pub(crate) struct Account {
    pub balance: U256,
    pub nonce: u64,
    pub program: Option<Arc<Program>>,
    pub storage: HashMap<B256, B256>,
}

/// The block a transaction runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEnv {
    /// `block.timestamp` in seconds.
    pub timestamp: u64,
    /// `block.number`.
    pub number: u64,
    /// `block.basefee` in wei (also the transaction's gas price).
    pub basefee: U256,
    /// The chain id.
    pub chain_id: u64,
    /// `block.coinbase`.
    pub coinbase: Address,
    /// `block.gaslimit`.
    pub gas_limit: u64,
}

impl Default for BlockEnv {
    fn default() -> Self {
        Self {
            timestamp: 1_735_689_600,
            number: 1,
            basefee: U256::from(100_000_000u64),
            chain_id: 412_346,
            coinbase: address!("A4B000000000000000000073657175656e636572"),
            gas_limit: 1 << 50,
        }
    }
}

/// Gas of a transaction split by what it paid for, in ink (10,000 per gas).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub entry: u64,
    pub memory: u64,
    pub storage: u64,
    pub storage_cache: u64,
    pub accounts: u64,
    pub logs: u64,
    pub keccak: u64,
    pub hostio: u64,
    pub wasm: u64,
    pub create: u64,
    pub precompiles: u64,
}

enum Entry {
    Storage {
        address: Address,
        key: B256,
        prev: Option<B256>,
    },
    Balance {
        address: Address,
        prev: U256,
    },
    Nonce {
        address: Address,
        prev: u64,
    },
    Created {
        address: Address,
        prev: Option<Box<Account>>,
    },
    Transient {
        address: Address,
        key: B256,
        prev: Option<B256>,
    },
    Log,
    WarmAccount(Address),
    WarmSlot(Address, B256),
    Refund(i64),
    Activated(B256),
    Cached(B256),
}

/// Accounts and transaction-scoped state.
#[derive(Default)]
pub(crate) struct World {
    pub accounts: HashMap<Address, Account>,
    journal: Vec<Entry>,
    transient: HashMap<(Address, B256), B256>,
    pub logs: Vec<Log>,
    warm_accounts: HashSet<Address>,
    warm_slots: HashSet<(Address, B256)>,
    originals: HashMap<(Address, B256), B256>,
    pub refund: i64,
    pub pages_open: u16,
    pub pages_ever: u16,
    /// Open non-delegate frames per address.
    pub active: HashMap<Address, u32>,
    /// Programs entered in this transaction (they are then cached).
    pub entered: HashSet<B256>,
    /// Programs in the chain's program cache.
    pub cached: HashSet<B256>,
    pub block: BlockEnv,
    pub origin: Address,
    pub tally: Tally,
    pub console: Vec<String>,
    /// Frames of the transaction, in the order they started.
    pub trace: Vec<crate::exec::Frame>,
    /// Whether a program must be activated (`ArbWasm.activateProgram`)
    /// before it runs, as on chain.
    pub require_activation: bool,
    /// Code hashes of the activated programs.
    pub activated: HashSet<B256>,
}

/// Address of the `ecrecover` precompile.
pub(crate) const ECRECOVER: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

impl World {
    /// Starts a transaction from `origin` to `to`.
    pub fn begin_tx(&mut self, origin: Address, to: Address) {
        if tracing() {
            eprintln!("trace: tx {origin} -> {to}");
        }
        self.journal.clear();
        self.transient.clear();
        self.logs.clear();
        self.warm_accounts.clear();
        self.warm_slots.clear();
        self.originals.clear();
        self.refund = 0;
        self.pages_open = 0;
        self.pages_ever = 0;
        self.active.clear();
        self.entered.clear();
        self.tally = Tally::default();
        self.console.clear();
        self.trace.clear();
        self.origin = origin;
        self.warm_accounts.insert(origin);
        self.warm_accounts.insert(to);
        self.warm_accounts.insert(self.block.coinbase);
        for i in 1..=10u8 {
            let mut a = [0u8; 20];
            a[19] = i;
            self.warm_accounts.insert(Address::new(a));
        }
    }

    /// Ends a transaction: its journal can no longer be reverted.
    pub fn end_tx(&mut self) {
        self.journal.clear();
        self.transient.clear();
    }

    /// A point to revert to.
    pub fn checkpoint(&self) -> usize {
        self.journal.len()
    }

    /// Undoes everything recorded after `checkpoint`.
    pub fn revert_to(&mut self, checkpoint: usize) {
        while self.journal.len() > checkpoint {
            let Some(entry) = self.journal.pop() else {
                break;
            };
            match entry {
                Entry::Storage { address, key, prev } => {
                    let acct = self.accounts.entry(address).or_default();
                    match prev {
                        Some(v) => acct.storage.insert(key, v),
                        None => acct.storage.remove(&key),
                    };
                }
                Entry::Balance { address, prev } => {
                    self.accounts.entry(address).or_default().balance = prev
                }
                Entry::Nonce { address, prev } => {
                    self.accounts.entry(address).or_default().nonce = prev
                }
                Entry::Created { address, prev } => {
                    match prev {
                        Some(acct) => self.accounts.insert(address, *acct),
                        None => self.accounts.remove(&address),
                    };
                }
                Entry::Transient { address, key, prev } => {
                    match prev {
                        Some(v) => self.transient.insert((address, key), v),
                        None => self.transient.remove(&(address, key)),
                    };
                }
                Entry::Log => {
                    self.logs.pop();
                }
                Entry::WarmAccount(a) => {
                    self.warm_accounts.remove(&a);
                }
                Entry::WarmSlot(a, k) => {
                    self.warm_slots.remove(&(a, k));
                }
                Entry::Refund(prev) => self.refund = prev,
                Entry::Activated(hash) => {
                    self.activated.remove(&hash);
                }
                Entry::Cached(hash) => {
                    self.cached.remove(&hash);
                }
            }
        }
    }

    /// The program at `address`, if any.
    pub fn program(&self, address: Address) -> Option<Arc<Program>> {
        self.accounts.get(&address).and_then(|a| a.program.clone())
    }

    /// Balance of `address`.
    pub fn balance(&self, address: Address) -> U256 {
        self.accounts
            .get(&address)
            .map_or(U256::ZERO, |a| a.balance)
    }

    /// Nonce of `address`.
    pub fn nonce(&self, address: Address) -> u64 {
        self.accounts.get(&address).map_or(0, |a| a.nonce)
    }

    /// Whether the account is empty in the EIP-161 sense.
    pub fn is_empty(&self, address: Address) -> bool {
        self.accounts
            .get(&address)
            .is_none_or(|a| a.balance.is_zero() && a.nonce == 0 && a.program.is_none())
    }

    /// Code stored at `address`.
    pub fn code(&self, address: Address) -> Bytes {
        self.program(address)
            .map(|p| p.code.clone())
            .unwrap_or_default()
    }

    /// `EXTCODEHASH` of `address`.
    pub fn code_hash(&self, address: Address) -> B256 {
        if self.is_empty(address) {
            return B256::ZERO;
        }
        self.program(address).map_or(keccak256([]), |p| p.code_hash)
    }

    /// Current storage value.
    pub fn storage(&self, address: Address, key: B256) -> B256 {
        self.accounts
            .get(&address)
            .and_then(|a| a.storage.get(&key))
            .copied()
            .unwrap_or_default()
    }

    fn set_balance(&mut self, address: Address, value: U256) {
        let acct = self.accounts.entry(address).or_default();
        self.journal.push(Entry::Balance {
            address,
            prev: acct.balance,
        });
        acct.balance = value;
    }

    /// Moves `value` wei; false (and no change) if `from` lacks it.
    pub fn transfer(&mut self, from: Address, to: Address, value: U256) -> bool {
        let have = self.balance(from);
        if have < value {
            return false;
        }
        if value.is_zero() || from == to {
            return true;
        }
        self.set_balance(from, have - value);
        let to_balance = self.balance(to);
        self.set_balance(to, to_balance + value);
        true
    }

    /// Increments a nonce, returning the old one.
    pub fn bump_nonce(&mut self, address: Address) -> u64 {
        let acct = self.accounts.entry(address).or_default();
        let prev = acct.nonce;
        self.journal.push(Entry::Nonce { address, prev });
        acct.nonce = prev + 1;
        prev
    }

    /// Puts a program at `address` with nonce 1 (a fresh contract).
    pub fn create_account(&mut self, address: Address, program: Arc<Program>) {
        let prev = self.accounts.remove(&address);
        let balance = prev.as_ref().map_or(U256::ZERO, |a| a.balance);
        self.journal.push(Entry::Created {
            address,
            prev: prev.map(Box::new),
        });
        self.accounts.insert(
            address,
            Account {
                balance,
                nonce: 1,
                program: Some(program),
                storage: HashMap::new(),
            },
        );
    }

    /// Marks an account accessed; returns its access gas (cold or warm).
    pub fn access_account(&mut self, address: Address) -> u64 {
        if tracing() {
            eprintln!("trace: account {address}");
        }
        if self.warm_accounts.insert(address) {
            self.journal.push(Entry::WarmAccount(address));
            evm::COLD_ACCOUNT
        } else {
            evm::WARM_READ
        }
    }

    fn touch_slot(&mut self, address: Address, key: B256) -> bool {
        self.originals.entry((address, key)).or_insert_with(|| {
            self.accounts
                .get(&address)
                .and_then(|a| a.storage.get(&key))
                .copied()
                .unwrap_or_default()
        });
        if self.warm_slots.insert((address, key)) {
            self.journal.push(Entry::WarmSlot(address, key));
            if tracing() {
                eprintln!("trace: cold slot {address} {key}");
            }
            true
        } else {
            false
        }
    }

    /// `SLOAD`: the value and its gas.
    pub fn sload(&mut self, address: Address, key: B256) -> (B256, u64) {
        let cold = self.touch_slot(address, key);
        (
            self.storage(address, key),
            if cold {
                evm::COLD_SLOAD
            } else {
                evm::WARM_READ
            },
        )
    }

    /// Gas of an `SSTORE` of `value` under EIP-2200/2929/3529, without
    /// changing anything.
    pub fn sstore_cost(&self, address: Address, key: B256, value: B256) -> u64 {
        let cold = !self.warm_slots.contains(&(address, key));
        let current = self.storage(address, key);
        let original = self
            .originals
            .get(&(address, key))
            .copied()
            .unwrap_or(current);
        let base = if current == value {
            evm::WARM_READ
        } else if original == current {
            if original.is_zero() {
                evm::SSTORE_SET
            } else {
                evm::SSTORE_RESET
            }
        } else {
            evm::WARM_READ
        };
        base + if cold { evm::COLD_SLOAD } else { 0 }
    }

    /// `SSTORE`: writes the value and books its refund; returns the gas.
    pub fn sstore(&mut self, address: Address, key: B256, value: B256) -> u64 {
        let cost = self.sstore_cost(address, key, value);
        if tracing() && cost > evm::WARM_READ {
            eprintln!("trace: sstore {address} {key} {cost}");
        }
        self.touch_slot(address, key);
        let current = self.storage(address, key);
        let original = self
            .originals
            .get(&(address, key))
            .copied()
            .unwrap_or(current);
        let mut refund = self.refund;
        if current != value {
            if original == current {
                if !original.is_zero() && value.is_zero() {
                    refund += evm::SSTORE_CLEARS_REFUND;
                }
            } else {
                if !original.is_zero() {
                    if current.is_zero() {
                        refund -= evm::SSTORE_CLEARS_REFUND;
                    } else if value.is_zero() {
                        refund += evm::SSTORE_CLEARS_REFUND;
                    }
                }
                if original == value {
                    refund += if original.is_zero() {
                        (evm::SSTORE_SET - evm::WARM_READ) as i64
                    } else {
                        (evm::SSTORE_RESET - evm::WARM_READ) as i64
                    };
                }
            }
        }
        if refund != self.refund {
            self.journal.push(Entry::Refund(self.refund));
            self.refund = refund;
        }
        let acct = self.accounts.entry(address).or_default();
        let prev = if value.is_zero() {
            acct.storage.remove(&key)
        } else {
            acct.storage.insert(key, value)
        };
        self.journal.push(Entry::Storage { address, key, prev });
        cost
    }

    /// Writes storage directly (test setup, outside any transaction).
    pub fn poke(&mut self, address: Address, key: B256, value: B256) {
        let acct = self.accounts.entry(address).or_default();
        if value.is_zero() {
            acct.storage.remove(&key);
        } else {
            acct.storage.insert(key, value);
        }
    }

    /// `TLOAD`.
    pub fn tload(&self, address: Address, key: B256) -> B256 {
        self.transient
            .get(&(address, key))
            .copied()
            .unwrap_or_default()
    }

    /// `TSTORE`.
    pub fn tstore(&mut self, address: Address, key: B256, value: B256) {
        let prev = self.transient.insert((address, key), value);
        self.journal.push(Entry::Transient { address, key, prev });
    }

    /// Marks a program's code hash activated (journaled).
    pub fn activate(&mut self, hash: B256) {
        if self.activated.insert(hash) {
            self.journal.push(Entry::Activated(hash));
        }
    }

    /// Puts a code hash in the program cache (journaled); false if it was there.
    pub fn cache(&mut self, hash: B256) -> bool {
        let new = self.cached.insert(hash);
        if new {
            self.journal.push(Entry::Cached(hash));
        }
        new
    }

    /// Whether the program with this code hash may run.
    pub fn may_run(&self, hash: &B256) -> bool {
        !self.require_activation || self.activated.contains(hash)
    }

    /// Sets a balance outside any transaction.
    pub fn put_balance(&mut self, address: Address, value: U256) {
        self.accounts.entry(address).or_default().balance = value;
    }

    /// Appends a log.
    pub fn log(&mut self, log: Log) {
        self.logs.push(log);
        self.journal.push(Entry::Log);
    }

    /// Opens pages in the transaction's memory model.
    pub fn add_pages(&mut self, pages: u16) {
        self.pages_open = self.pages_open.saturating_add(pages);
        self.pages_ever = self.pages_ever.max(self.pages_open);
    }
}

/// Whether `STYLUS_TRACE` is set: then every account access, cold slot and paid store is
/// printed to standard error (a debugging aid for finding where gas goes).
pub(crate) fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("STYLUS_TRACE").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> B256 {
        B256::with_last_byte(n)
    }

    #[test]
    fn sstore_follows_eip_2200() {
        let mut w = World::default();
        let a = Address::with_last_byte(9);
        w.poke(a, key(1), key(5));
        w.begin_tx(Address::ZERO, a);
        // cold, original == current != 0: reset price plus the cold surcharge
        assert_eq!(w.sstore(a, key(1), key(6)), 2_900 + 2_100);
        // dirty slot: warm read price
        assert_eq!(w.sstore(a, key(1), key(7)), 100);
        // back to the original: refund of reset minus warm read
        assert_eq!(w.sstore(a, key(1), key(5)), 100);
        assert_eq!(w.refund, 2_800);
        // a fresh zero slot costs the set price
        assert_eq!(w.sstore(a, key(2), key(1)), 20_000 + 2_100);
        // clearing a slot that was non-zero at the start refunds 4,800
        assert_eq!(w.sstore(a, key(1), B256::ZERO), 2_900);
        assert_eq!(w.refund, 2_800 + 4_800);
    }

    #[test]
    fn revert_restores_everything() {
        let mut w = World::default();
        let a = Address::with_last_byte(1);
        let b = Address::with_last_byte(2);
        w.accounts.entry(a).or_default().balance = U256::from(10);
        w.begin_tx(a, b);
        let cp = w.checkpoint();
        assert!(w.transfer(a, b, U256::from(4)));
        w.sstore(b, key(1), key(9));
        w.tstore(b, key(3), key(4));
        w.log(Log::new_unchecked(b, vec![], Bytes::new()));
        assert_eq!(w.access_account(Address::with_last_byte(77)), 2_600);
        w.revert_to(cp);
        assert_eq!(w.balance(a), U256::from(10));
        assert_eq!(w.balance(b), U256::ZERO);
        assert_eq!(w.storage(b, key(1)), B256::ZERO);
        assert_eq!(w.tload(b, key(3)), B256::ZERO);
        assert!(w.logs.is_empty());
        assert_eq!(w.access_account(Address::with_last_byte(77)), 2_600);
        assert!(!w.transfer(a, b, U256::from(11)));
    }
}
