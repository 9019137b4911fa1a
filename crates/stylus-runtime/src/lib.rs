//! An offline Stylus runtime: it executes the deployable WASM of Stylus
//! contracts (the files `scripts/build-wasm` writes) the way an Arbitrum node
//! does, against a journaled in-memory world.
//!
//! - **Programs.** A WASM file is checked as activation checks it (one
//!   exported memory, `user_entrypoint(i32) -> i32`, no start function, no
//!   floats, reference types or multi-value), every import must be a host I/O
//!   this runtime implements ([`implemented_hostios`]) — otherwise loading
//!   fails with [`LoadError::UnsupportedImport`] naming it — and the module
//!   is metered, then run by the `wasmi` interpreter. Each call gets a fresh
//!   instance, as on chain.
//! - **Host I/O.** The full `vm_hooks` interface of stylus-sdk 0.9: arguments
//!   and result, the storage cache with load/cache/flush, transient storage,
//!   call / static call / delegate call with value, return data and revert
//!   propagation, logs, `msg` and `tx` data, block data (settable), contract
//!   address, balance / code / code hash, keccak, 256-bit math, memory-grow
//!   payment, gas and ink left, `exit_early`, and the debug console.
//! - **State.** Storage, balances, nonces, transient storage and logs are
//!   journaled: a frame that reverts, traps or runs out of gas rolls back its
//!   changes and those of every frame it called. A storage flush, log, value
//!   transfer or creation inside a static call fails the callee.
//!   `msg_reentrant` is true exactly when the acting address already has a
//!   (non-delegate) frame on the stack, so the SDK's entrypoint rejects an
//!   accidental re-entry. `ecrecover` is at address 1. EOAs hold balances.
//! - **Deployment** follows Arbitrum's `StylusDeployer`: the deployer creates
//!   the contract with `CREATE` from the Stylus init code, then calls it with
//!   the `stylus_constructor()` selector and the ABI-encoded arguments as
//!   `msg.sender`, with the init value; a failing constructor reverts the
//!   whole deployment. Stored code may also be brotli-compressed, as
//!   cargo-stylus deploys it.
//! - **Arbitrum system contracts** ([`arbitrum`]): ArbWasm activation and its
//!   views, ArbSys, and the `StylusDeployer` as a callable contract, natively;
//!   with [`Runtime::require_activation`] a program runs only once activated.
//!   [`Runtime::execute`], [`Runtime::snapshot`] and [`Runtime::dump`] serve
//!   the local node (`crates/node`).
//! - **Gas.** Each transaction gets a [`GasReport`]: storage, account access,
//!   calls, logs and keccak by the EVM rules; WASM execution by Arbitrum's
//!   published ink table per opcode and host I/O at 10,000 ink per gas,
//!   counted exactly per executed basic block by the same instrumentation a
//!   node applies; program entry and memory by the Stylus models. Beside it
//!   the *floor*: what the transaction's intrinsic cost, storage and account
//!   accesses alone cost. [`gas_model`] (also `GAS.md`) documents the
//!   method, the ERC-20 transfer figures and what the model leaves out.
//!
//! ```no_run
//! use alloy_primitives::{Address, U256};
//! use alloy_sol_types::sol;
//! use stylus_runtime::{read_wasm, Runtime};
//!
//! sol! {
//!     contract Token {
//!         constructor(string name, string symbol, uint8 decimals, uint16 feeBps);
//!         function mint(address to, uint256 amount) external;
//!         function balanceOf(address owner) external view returns (uint256);
//!     }
//! }
//!
//! let mut rt = Runtime::new();
//! let alice = rt.new_account();
//! let wasm = read_wasm("mock-erc20").unwrap();
//! let ctor = Token::constructorCall { name: "T".into(), symbol: "T".into(), decimals: 18, feeBps: 0 };
//! let token = rt.deploy(alice, &wasm, &ctor, U256::ZERO).unwrap();
//! rt.call(alice, token, &Token::mintCall { to: alice, amount: U256::from(5) }, U256::ZERO).unwrap();
//! let balance = rt.view(alice, token, &Token::balanceOfCall { owner: alice }).unwrap()._0;
//! assert_eq!(balance, U256::from(5));
//! println!("{}", rt.last_receipt().unwrap().gas);
//! ```

#![deny(missing_docs)]

#[doc = include_str!("../GAS.md")]
pub mod gas_model {}

pub mod arbitrum;
mod error;
mod exec;
mod gas;
mod host;
mod instrument;
mod pricing;
mod stack;
mod state;

pub use error::{CallError, DeployError, LoadError};
pub use exec::{init_code, CallKind, Frame, Outcome, STYLUS_CODE_PREFIX};
pub use gas::GasReport;
pub use host::implemented_hostios;
pub use pricing::INK_PER_GAS;
pub use state::BlockEnv;

use alloy_primitives::{address, keccak256, Address, Bytes, Log, B256, U256};
use alloy_sol_types::{sol, SolCall, SolConstructor, SolEvent};
use exec::{FrameResult, Msg};
use host::Env;
use pricing::evm;
use stack::TxThread;
use state::{Program, World};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

sol! {
    /// The `StylusDeployer` interface the runtime reproduces.
    interface IStylusDeployer {
        /// Emitted for each deployment.
        event ContractDeployed(address deployedContract);
        /// Deploys, activates and initialises a Stylus contract.
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    }
}

/// Address of Arbitrum's `StylusDeployer`, the `msg.sender` of constructors.
pub const STYLUS_DEPLOYER: Address = address!("cEcba2F1DC234f70Dd89F2041029807F8D03A990");

/// Default gas limit of a transaction.
pub const DEFAULT_GAS_LIMIT: u64 = 32_000_000;

/// The selector the SDK routes to `#[constructor]`: `stylus_constructor()`.
pub fn constructor_selector() -> [u8; 4] {
    let hash = keccak256(b"stylus_constructor()");
    [hash[0], hash[1], hash[2], hash[3]]
}

/// Folder holding the release WASM files: `$STYLUS_WASM_DIR`, or
/// `target/stylus` of this workspace.
pub fn wasm_dir() -> PathBuf {
    match std::env::var_os("STYLUS_WASM_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/stylus"),
    }
}

/// Reads `<wasm_dir>/<package>.wasm`.
///
/// # Errors
/// [`LoadError::Io`] when the file is missing, with a hint to run
/// `scripts/build-wasm`.
pub fn read_wasm(package: &str) -> Result<Vec<u8>, LoadError> {
    let path = wasm_dir().join(format!("{package}.wasm"));
    std::fs::read(&path).map_err(|e| {
        LoadError::Io(format!(
            "{}: {e}; run scripts/build-wasm to build the contracts' WASM",
            path.display()
        ))
    })
}

/// Loads stored program code (`EFF00000` followed by the WASM).
pub(crate) fn load_code(env: &Arc<Env>, code: &[u8]) -> Result<Arc<Program>, LoadError> {
    let hash = keccak256(code);
    if let Some(p) = env
        .programs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&hash)
    {
        return Ok(p.clone());
    }
    let body = code.strip_prefix(&STYLUS_CODE_PREFIX).ok_or_else(|| {
        LoadError::Invalid("code does not start with the Stylus prefix EFF00000".into())
    })?;
    let decompressed;
    let wasm = if body.starts_with(b"\0asm") {
        body
    } else {
        decompressed = decompress(body)?;
        &decompressed[..]
    };
    let metered = instrument::instrument(wasm)?;
    let module = wasmi::Module::new(&env.engine, &metered.wasm)
        .map_err(|e| LoadError::Invalid(e.to_string()))?;
    let program = Arc::new(Program {
        module,
        code: Bytes::copy_from_slice(code),
        code_hash: hash,
        init_gas: pricing::entry::init_gas(metered.init_cost),
        cached_gas: pricing::entry::cached_gas(metered.cached_cost),
        footprint: metered.footprint,
        wasm_len: wasm.len(),
    });
    env.programs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(hash, program.clone());
    Ok(program)
}

/// Largest WASM a compressed program may expand to (Arbitrum's limit).
pub const MAX_WASM_SIZE: usize = 128 * 1024;

/// Brotli-decompresses stored program code (as cargo-stylus writes it: the
/// prefix `EFF00000`, no dictionary, then the compressed WASM).
fn decompress(body: &[u8]) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let mut out = Vec::new();
    let reader = brotli::Decompressor::new(body, 4096);
    reader
        .take(MAX_WASM_SIZE as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            LoadError::Invalid(format!(
                "code is neither WASM nor brotli-compressed WASM: {e}"
            ))
        })?;
    if out.len() > MAX_WASM_SIZE {
        return Err(LoadError::Invalid(format!(
            "the decompressed WASM exceeds {MAX_WASM_SIZE} bytes"
        )));
    }
    Ok(out)
}

/// The result of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// How the top frame ended.
    pub outcome: Outcome,
    /// Return data, or revert data.
    pub output: Bytes,
    /// Logs of the transaction (empty if it did not succeed).
    pub logs: Vec<Log>,
    /// The gas estimate.
    pub gas: GasReport,
    /// Lines the programs printed through the debug console.
    pub console: Vec<String>,
    /// The deployed contract, for deployments.
    pub contract: Option<Address>,
    /// Every frame of the transaction (reverted ones too), in start order.
    pub frames: Vec<Frame>,
}

impl Receipt {
    /// The output, or how the transaction failed.
    ///
    /// # Errors
    /// The [`CallError`] matching the outcome when it is not a success.
    pub fn result(&self) -> Result<&Bytes, CallError> {
        match &self.outcome {
            Outcome::Success => Ok(&self.output),
            Outcome::Revert => Err(CallError::Revert(self.output.clone())),
            Outcome::Failure(why) => Err(CallError::Failure(why.clone())),
            Outcome::OutOfGas => Err(CallError::OutOfGas),
        }
    }

    /// The logs that decode as event `E`, in order.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.logs
            .iter()
            .filter_map(|log| E::decode_log(log, true).ok())
            .map(|l| l.data)
            .collect()
    }

    /// The logs that decode as event `E`, with the emitting address.
    pub fn events_from<E: SolEvent>(&self) -> Vec<(Address, E)> {
        self.logs
            .iter()
            .filter_map(|log| E::decode_log(log, true).ok())
            .map(|l| (l.address, l.data))
            .collect()
    }
}

/// The runtime: a world of accounts and programs, and the block it is at.
pub struct Runtime {
    world: World,
    env: Arc<Env>,
    last: Option<Receipt>,
    gas_limit: u64,
    next_account: u64,
    /// Where transactions run (a deep stack, kept between transactions).
    tx_thread: TxThread,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// An empty world at the default block (timestamp 1,735,689,600, number
    /// 1, chain id 412,346), with the `StylusDeployer` account present.
    pub fn new() -> Self {
        let mut world = World::default();
        world.accounts.entry(STYLUS_DEPLOYER).or_default().nonce = 1;
        Self {
            world,
            env: Arc::new(host::env()),
            last: None,
            gas_limit: DEFAULT_GAS_LIMIT,
            next_account: 0,
            tx_thread: TxThread::default(),
        }
    }

    /// A fresh externally owned account with no balance.
    pub fn new_account(&mut self) -> Address {
        self.next_account += 1;
        let mut seed = b"stylus-runtime account ".to_vec();
        seed.extend_from_slice(&self.next_account.to_be_bytes());
        Address::from_slice(&keccak256(seed)[12..])
    }

    /// Adds `wei` to an account's balance.
    pub fn fund(&mut self, account: Address, wei: U256) {
        let acct = self.world.accounts.entry(account).or_default();
        acct.balance = acct.balance.saturating_add(wei);
    }

    /// An account's balance in wei.
    pub fn balance(&self, account: Address) -> U256 {
        self.world.balance(account)
    }

    /// An account's nonce.
    pub fn nonce(&self, account: Address) -> u64 {
        self.world.nonce(account)
    }

    /// A storage slot of a contract.
    pub fn storage_at(&self, contract: Address, slot: U256) -> U256 {
        self.world.storage(contract, B256::from(slot)).into()
    }

    /// Writes a storage slot directly, outside any transaction.
    pub fn set_storage(&mut self, contract: Address, slot: U256, value: U256) {
        self.world
            .poke(contract, B256::from(slot), B256::from(value));
    }

    /// The code hash (`EXTCODEHASH`) of an account.
    pub fn code_hash(&self, account: Address) -> B256 {
        self.world.code_hash(account)
    }

    /// The block the next transaction runs in.
    pub fn block(&self) -> &BlockEnv {
        &self.world.block
    }

    /// The block, to change any of its fields.
    pub fn block_mut(&mut self) -> &mut BlockEnv {
        &mut self.world.block
    }

    /// Moves time forward by `seconds` and mines one block.
    pub fn advance_time(&mut self, seconds: u64) {
        self.world.block.timestamp += seconds;
        self.world.block.number += 1;
    }

    /// Sets the block timestamp.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.world.block.timestamp = timestamp;
    }

    /// Sets the gas limit of later transactions.
    pub fn set_gas_limit(&mut self, gas_limit: u64) {
        self.gas_limit = gas_limit;
    }

    /// Puts the program at `contract` in the chain's program cache, so calls
    /// to it pay only the cached entry gas. Returns false if it has no program.
    pub fn cache_program(&mut self, contract: Address) -> bool {
        match self.world.program(contract) {
            Some(p) => {
                self.world.cached.insert(p.code_hash);
                true
            }
            None => false,
        }
    }

    /// Checks and meters a WASM file without deploying it.
    ///
    /// # Errors
    /// The [`LoadError`] activation would report, e.g. an import this runtime
    /// does not implement.
    pub fn load(&self, wasm: &[u8]) -> Result<(), LoadError> {
        self.program(wasm).map(|_| ())
    }

    fn program(&self, wasm: &[u8]) -> Result<Arc<Program>, LoadError> {
        let mut code = STYLUS_CODE_PREFIX.to_vec();
        code.extend_from_slice(wasm);
        load_code(&self.env, &code)
    }

    /// The receipt of the last transaction.
    pub fn last_receipt(&self) -> Option<&Receipt> {
        self.last.as_ref()
    }

    /// Deploys `wasm` and runs its constructor with `args`.
    ///
    /// # Errors
    /// [`DeployError::Load`] if the WASM does not load;
    /// [`DeployError::Constructor`] if the constructor does not succeed (the
    /// deployment is then rolled back).
    pub fn deploy<C: SolConstructor>(
        &mut self,
        from: Address,
        wasm: &[u8],
        args: &C,
        value: U256,
    ) -> Result<Address, DeployError> {
        let mut init = constructor_selector().to_vec();
        init.extend(args.abi_encode());
        self.deploy_with_init_data(from, wasm, init, value)
    }

    /// Deploys `wasm` without calling it (for contracts without constructor).
    ///
    /// # Errors
    /// [`DeployError::Load`] if the WASM does not load.
    pub fn deploy_without_constructor(
        &mut self,
        from: Address,
        wasm: &[u8],
    ) -> Result<Address, DeployError> {
        self.deploy_with_init_data(from, wasm, Vec::new(), U256::ZERO)
    }

    /// Deploys `wasm` as the `StylusDeployer` does with `initData`: create,
    /// then (if `init_data` is not empty) call the new contract with it and
    /// `value`.
    ///
    /// # Errors
    /// As [`Runtime::deploy`].
    pub fn deploy_with_init_data(
        &mut self,
        from: Address,
        wasm: &[u8],
        init_data: Vec<u8>,
        value: U256,
    ) -> Result<Address, DeployError> {
        let program = self.program(wasm)?;
        let bytecode = init_code(&program.code);
        let calldata = IStylusDeployer::deployCall {
            bytecode: bytecode.clone().into(),
            initData: init_data.clone().into(),
            initValue: value,
            salt: B256::ZERO,
        }
        .abi_encode();
        let world = &mut self.world;
        world.begin_tx(from, STYLUS_DEPLOYER);
        world.bump_nonce(from);
        let intrinsic = evm::intrinsic(&calldata);
        let gas_limit = self.gas_limit;
        // a failed deployment keeps a receipt (frames, console) and rolls back
        let fail = |rt: &mut Self, address: Address, error: CallError, used: u64| {
            let outcome = match &error {
                CallError::Revert(_) => Outcome::Revert,
                CallError::OutOfGas => Outcome::OutOfGas,
                CallError::Failure(why) | CallError::BadReturn(why) => {
                    Outcome::Failure(why.clone())
                }
            };
            let world = &mut rt.world;
            rt.last = Some(Receipt {
                outcome,
                output: error
                    .revert_data()
                    .map(Bytes::copy_from_slice)
                    .unwrap_or_default(),
                logs: Vec::new(),
                gas: GasReport::new(gas_limit, used, 0, intrinsic, &world.tally),
                console: world.console.clone(),
                contract: None,
                frames: world.trace.clone(),
            });
            world.revert_to(0);
            world.end_tx();
            Err(DeployError::Constructor { address, error })
        };
        if gas_limit < intrinsic {
            return fail(self, Address::ZERO, CallError::OutOfGas, gas_limit);
        }
        if !world.transfer(from, STYLUS_DEPLOYER, value) {
            return fail(
                self,
                Address::ZERO,
                CallError::Failure("insufficient balance for the init value".into()),
                intrinsic,
            );
        }
        let mut gas = gas_limit - intrinsic;
        let created = exec::create(
            world,
            &self.env,
            STYLUS_DEPLOYER,
            &bytecode,
            U256::ZERO,
            None,
            gas,
            1,
        );
        let Some(address) = created.address else {
            return fail(
                self,
                Address::ZERO,
                CallError::Failure("contract creation failed".into()),
                gas_limit,
            );
        };
        world.tally.create += created.cost * INK_PER_GAS;
        gas -= created.cost;
        let mut outcome = Outcome::Success;
        let mut output = Vec::new();
        if !init_data.is_empty() {
            let callee_gas = gas - gas / 64;
            let msg = Msg {
                kind: CallKind::Call,
                caller: STYLUS_DEPLOYER,
                address,
                code_address: address,
                value,
                input: init_data,
                gas: callee_gas,
                is_static: false,
                depth: 1,
            };
            let r = call_on(&mut self.tx_thread, world, &self.env, msg);
            gas -= callee_gas - r.gas_left;
            outcome = r.outcome;
            output = r.output;
        } else if !value.is_zero() {
            return fail(
                self,
                address,
                CallError::Failure("init value without init data".into()),
                gas_limit - gas,
            );
        }
        let receipt_error = match &outcome {
            Outcome::Success => None,
            Outcome::Revert => Some(CallError::Revert(output.clone().into())),
            Outcome::Failure(why) => Some(CallError::Failure(why.clone())),
            Outcome::OutOfGas => Some(CallError::OutOfGas),
        };
        if let Some(error) = receipt_error {
            return fail(self, address, error, gas_limit - gas);
        }
        let event = IStylusDeployer::ContractDeployed {
            deployedContract: address,
        };
        let log_gas = 2 * evm::LOG_TOPIC + 32 * evm::LOG_DATA;
        let world = &mut self.world;
        world.log(Log {
            address: STYLUS_DEPLOYER,
            data: event.encode_log_data(),
        });
        world.tally.logs += log_gas * INK_PER_GAS;
        gas = gas.saturating_sub(log_gas);
        let used = gas_limit - gas;
        let refund = (world.refund.max(0) as u64).min(used / 5);
        let report = GasReport::new(gas_limit, used, refund, intrinsic, &world.tally);
        self.last = Some(Receipt {
            outcome,
            output: Bytes::new(),
            logs: world.logs.clone(),
            gas: report,
            console: world.console.clone(),
            contract: Some(address),
            frames: world.trace.clone(),
        });
        world.end_tx();
        Ok(address)
    }

    fn run_tx(
        &mut self,
        from: Address,
        to: Address,
        input: Vec<u8>,
        value: U256,
        commit: bool,
    ) -> Receipt {
        let world = &mut self.world;
        world.begin_tx(from, to);
        world.bump_nonce(from);
        let gas_limit = self.gas_limit;
        let intrinsic = evm::intrinsic(&input);
        let receipt = if gas_limit < intrinsic {
            Receipt {
                outcome: Outcome::OutOfGas,
                output: Bytes::new(),
                logs: Vec::new(),
                gas: GasReport::new(gas_limit, gas_limit, 0, intrinsic, &world.tally),
                console: Vec::new(),
                contract: None,
                frames: Vec::new(),
            }
        } else {
            let msg = Msg {
                kind: CallKind::Call,
                caller: from,
                address: to,
                code_address: to,
                value,
                input,
                gas: gas_limit - intrinsic,
                is_static: false,
                depth: 0,
            };
            let r = call_on(&mut self.tx_thread, world, &self.env, msg);
            let used = gas_limit - r.gas_left;
            let refund = (world.refund.max(0) as u64).min(used / 5);
            Receipt {
                outcome: r.outcome,
                output: r.output.into(),
                logs: world.logs.clone(),
                gas: GasReport::new(gas_limit, used, refund, intrinsic, &world.tally),
                console: world.console.clone(),
                contract: None,
                frames: world.trace.clone(),
            }
        };
        if !commit {
            world.revert_to(0);
        }
        world.end_tx();
        self.last = Some(receipt.clone());
        receipt
    }

    /// Sends a transaction with raw calldata and returns its receipt.
    pub fn transact(
        &mut self,
        from: Address,
        to: Address,
        calldata: Vec<u8>,
        value: U256,
    ) -> Receipt {
        self.run_tx(from, to, calldata, value, true)
    }

    /// Calls `to` as `from` with `value` in a transaction of its own.
    ///
    /// # Errors
    /// [`CallError::Revert`] with the revert bytes (decode them with
    /// [`CallError::decode`]), [`CallError::Failure`], [`CallError::OutOfGas`],
    /// or [`CallError::BadReturn`] when the output does not decode.
    pub fn call<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
        value: U256,
    ) -> Result<C::Return, CallError> {
        let receipt = self.run_tx(from, to, call.abi_encode(), value, true);
        decode_return::<C>(&receipt)
    }

    /// Like [`Runtime::call`], but every state change is discarded afterwards
    /// (as `eth_call`).
    ///
    /// # Errors
    /// As [`Runtime::call`].
    pub fn view<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        let receipt = self.run_tx(from, to, call.abi_encode(), U256::ZERO, false);
        decode_return::<C>(&receipt)
    }

    /// Like [`Runtime::view`], for a method returning several values with dynamic ones among
    /// them: stylus-sdk 0.9 encodes such an answer as one tuple (a leading offset word), not as
    /// the Solidity ABI's return list, so the decoder reads past that word.
    ///
    /// # Errors
    /// As [`Runtime::call`]; [`CallError::BadReturn`] when the answer is shorter than the
    /// offset word or does not decode.
    pub fn view_tuple<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        let receipt = self.run_tx(from, to, call.abi_encode(), U256::ZERO, false);
        let output = receipt.result()?;
        let body = output
            .get(32..)
            .ok_or_else(|| CallError::BadReturn("no leading offset word".into()))?;
        C::abi_decode_returns(body, true).map_err(|e| CallError::BadReturn(e.to_string()))
    }
}

/// A transaction for [`Runtime::execute`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The sender (its nonce is incremented).
    pub from: Address,
    /// The callee, or `None` for a creation from init code.
    pub to: Option<Address>,
    /// Call data, or init code for a creation.
    pub input: Bytes,
    /// Value in wei.
    pub value: U256,
    /// Gas limit.
    pub gas_limit: u64,
}

/// The persistent state of a runtime, for [`Runtime::snapshot`] and
/// [`Runtime::restore`].
#[derive(Clone)]
pub struct Snapshot {
    accounts: HashMap<Address, state::Account>,
    activated: std::collections::HashSet<B256>,
    cached: std::collections::HashSet<B256>,
    block: BlockEnv,
}

/// One account of a [`StateDump`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDump {
    /// Address.
    pub address: Address,
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Stored code (empty for an account without program).
    pub code: Bytes,
    /// Non-zero storage slots.
    pub storage: Vec<(B256, B256)>,
}

/// The persistent state of a runtime as plain data, to save and load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDump {
    /// Every account.
    pub accounts: Vec<AccountDump>,
    /// Code hashes of the activated programs.
    pub activated: Vec<B256>,
    /// Code hashes in the program cache.
    pub cached: Vec<B256>,
    /// The block the next transaction runs in.
    pub block: BlockEnv,
    /// Whether programs must be activated before they run.
    pub require_activation: bool,
}

impl Runtime {
    /// Requires (or not) that a program be activated through
    /// `ArbWasm.activateProgram` before it runs, as on chain. Off by default.
    pub fn require_activation(&mut self, on: bool) {
        self.world.require_activation = on;
    }

    /// Whether the program with this code hash is activated.
    pub fn is_activated(&self, code_hash: B256) -> bool {
        self.world.activated.contains(&code_hash)
    }

    /// Sets an account's balance, outside any transaction.
    pub fn set_balance(&mut self, account: Address, wei: U256) {
        self.world.put_balance(account, wei);
    }

    /// Sets an account's nonce, outside any transaction.
    pub fn set_nonce(&mut self, account: Address, nonce: u64) {
        self.world.accounts.entry(account).or_default().nonce = nonce;
    }

    /// The code stored at an account (`EFF00000` and the program), empty
    /// for an account without program.
    pub fn code(&self, account: Address) -> Bytes {
        self.world.code(account)
    }

    /// Puts program code at an account, outside any transaction (a state
    /// override); empty code removes the program. Activation is by code hash,
    /// so the program runs only if its code hash is activated (when
    /// activation is required).
    ///
    /// # Errors
    /// The [`LoadError`] of code that is not a loadable Stylus program.
    pub fn set_code(&mut self, account: Address, code: &[u8]) -> Result<(), LoadError> {
        let program = if code.is_empty() {
            None
        } else {
            Some(load_code(&self.env, code)?)
        };
        self.world.accounts.entry(account).or_default().program = program;
        Ok(())
    }

    /// A copy of the persistent state (accounts, activations, program cache,
    /// block) to [`Runtime::restore`] later.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            accounts: self.world.accounts.clone(),
            activated: self.world.activated.clone(),
            cached: self.world.cached.clone(),
            block: self.world.block.clone(),
        }
    }

    /// Returns to a [`Snapshot`].
    pub fn restore(&mut self, snapshot: Snapshot) {
        self.world.accounts = snapshot.accounts;
        self.world.activated = snapshot.activated;
        self.world.cached = snapshot.cached;
        self.world.block = snapshot.block;
    }

    /// The persistent state as plain data.
    pub fn dump(&self) -> StateDump {
        let mut accounts: Vec<AccountDump> = self
            .world
            .accounts
            .iter()
            .map(|(address, a)| {
                let mut storage: Vec<(B256, B256)> =
                    a.storage.iter().map(|(k, v)| (*k, *v)).collect();
                storage.sort();
                AccountDump {
                    address: *address,
                    balance: a.balance,
                    nonce: a.nonce,
                    code: a
                        .program
                        .as_ref()
                        .map(|p| p.code.clone())
                        .unwrap_or_default(),
                    storage,
                }
            })
            .collect();
        accounts.sort_by_key(|a| a.address);
        let mut activated: Vec<B256> = self.world.activated.iter().copied().collect();
        activated.sort();
        let mut cached: Vec<B256> = self.world.cached.iter().copied().collect();
        cached.sort();
        StateDump {
            accounts,
            activated,
            cached,
            block: self.world.block.clone(),
            require_activation: self.world.require_activation,
        }
    }

    /// A runtime holding a dumped state.
    ///
    /// # Errors
    /// The [`LoadError`] of an account's code that does not load.
    pub fn from_dump(dump: &StateDump) -> Result<Self, LoadError> {
        let mut rt = Self::new();
        rt.world.accounts.clear();
        for a in &dump.accounts {
            let program = if a.code.is_empty() {
                None
            } else {
                Some(load_code(&rt.env, &a.code)?)
            };
            rt.world.accounts.insert(
                a.address,
                state::Account {
                    balance: a.balance,
                    nonce: a.nonce,
                    program,
                    storage: a.storage.iter().copied().collect(),
                },
            );
        }
        rt.world.activated = dump.activated.iter().copied().collect();
        rt.world.cached = dump.cached.iter().copied().collect();
        rt.world.block = dump.block.clone();
        rt.world.require_activation = dump.require_activation;
        Ok(rt)
    }

    /// Intrinsic gas of a transaction: 21,000, the calldata, and for a
    /// creation 32,000 plus 2 per init-code word (EIP-3860).
    pub fn intrinsic_gas(tx: &Transaction) -> u64 {
        let mut gas = evm::intrinsic(&tx.input);
        if tx.to.is_none() {
            gas += evm::CREATE + 2 * (tx.input.len() as u64).div_ceil(32);
        }
        gas
    }

    /// Executes a transaction (a call, or a creation from Stylus init code)
    /// with its own gas limit; with `commit` false every change is discarded
    /// afterwards (`eth_call`, `eth_estimateGas`). The sender's nonce is
    /// incremented; gas is not paid in ETH here (the caller charges it).
    pub fn execute(&mut self, tx: &Transaction, commit: bool) -> Receipt {
        let world = &mut self.world;
        let to = tx.to.unwrap_or_default();
        world.begin_tx(tx.from, to);
        let gas_limit = tx.gas_limit;
        let intrinsic = Self::intrinsic_gas(tx);
        let receipt = if gas_limit < intrinsic {
            world.bump_nonce(tx.from);
            Receipt {
                outcome: Outcome::OutOfGas,
                output: Bytes::new(),
                logs: Vec::new(),
                gas: GasReport::new(gas_limit, gas_limit, 0, intrinsic, &world.tally),
                console: Vec::new(),
                contract: None,
                frames: Vec::new(),
            }
        } else if let Some(to) = tx.to {
            world.bump_nonce(tx.from);
            let msg = Msg {
                kind: CallKind::Call,
                caller: tx.from,
                address: to,
                code_address: to,
                value: tx.value,
                input: tx.input.to_vec(),
                gas: gas_limit - intrinsic,
                is_static: false,
                depth: 0,
            };
            let r = call_on(&mut self.tx_thread, world, &self.env, msg);
            let used = gas_limit - r.gas_left;
            let refund = (world.refund.max(0) as u64).min(used / 5);
            Receipt {
                outcome: r.outcome,
                output: r.output.into(),
                logs: world.logs.clone(),
                gas: GasReport::new(gas_limit, used, refund, intrinsic, &world.tally),
                console: world.console.clone(),
                contract: None,
                frames: world.trace.clone(),
            }
        } else {
            let nonce = world.nonce(tx.from);
            let env = &self.env;
            // the creation's base cost is part of the intrinsic gas here, and a
            // transaction keeps no 1/64 back: give `create` enough that what it
            // keeps is not missed, then check the limit here
            let remaining = gas_limit - intrinsic;
            let gas = remaining.saturating_add(remaining / 63 + 1) + evm::CREATE;
            let (from, input, value) = (tx.from, tx.input.clone(), tx.value);
            let mut created = on_tx_thread(&mut self.tx_thread, world, env, move |world, env| {
                exec::create(world, env, from, &input, value, None, gas, 0)
            });
            if created.address.is_some() && created.cost - evm::CREATE > remaining {
                world.revert_to(0);
                created.address = None;
            }
            if world.nonce(tx.from) == nonce {
                world.bump_nonce(tx.from);
            }
            let (outcome, used) = match created.address {
                Some(_) => (
                    Outcome::Success,
                    intrinsic + created.cost.saturating_sub(evm::CREATE),
                ),
                None => (
                    Outcome::Failure(
                        "contract creation failed: not Stylus init code, or the code does not load"
                            .into(),
                    ),
                    gas_limit,
                ),
            };
            world.tally.create += created.cost.saturating_sub(evm::CREATE) * INK_PER_GAS;
            Receipt {
                outcome,
                output: Bytes::new(),
                logs: world.logs.clone(),
                gas: GasReport::new(gas_limit, used, 0, intrinsic, &world.tally),
                console: world.console.clone(),
                contract: created.address,
                frames: world.trace.clone(),
            }
        };
        if !commit {
            world.revert_to(0);
        }
        world.end_tx();
        self.last = Some(receipt.clone());
        receipt
    }
}

fn decode_return<C: SolCall>(receipt: &Receipt) -> Result<C::Return, CallError> {
    let output = receipt.result()?;
    C::abi_decode_returns(output, true).map_err(|e| CallError::BadReturn(e.to_string()))
}

/// Programs loaded so far, by code hash.
pub(crate) type ProgramCache = Mutex<HashMap<B256, Arc<Program>>>;

/// Runs a transaction's top frame on the runtime's transaction thread.
fn call_on(thread: &mut TxThread, world: &mut World, env: &Arc<Env>, msg: Msg) -> FrameResult {
    on_tx_thread(thread, world, env, move |world, env| {
        exec::call(world, env, msg)
    })
}

/// Runs `f` on the world on the runtime's transaction thread (the world moves there and
/// back; should `f` panic, a runtime bug, the panic resumes here and the world is left empty).
fn on_tx_thread<R: Send + 'static>(
    thread: &mut TxThread,
    world: &mut World,
    env: &Arc<Env>,
    f: impl FnOnce(&mut World, &Arc<Env>) -> R + Send + 'static,
) -> R {
    let mut moved = std::mem::take(world);
    let env = env.clone();
    let (moved, r) = thread.run(move || {
        let r = f(&mut moved, &env);
        (moved, r)
    });
    *world = moved;
    r
}
