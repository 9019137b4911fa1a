//! The Arbitrum system contracts deployment goes through, implemented natively
//! (there is no EVM interpreter here): the `ArbWasm` precompile (activation and
//! its version views), `ArbSys` (block number and chain id), the
//! `StylusDeployer` (create, activate, construct in one call), and the program
//! cache: the `ArbWasmCache` precompile's views and a `CacheManager` whose
//! `placeBid` caches a program (the minimum bid is zero: the cache never fills).
//!
//! Activation follows ArbOS: a program is activated per code hash, paying a
//! data fee in the call's value (the excess is returned to the caller), and,
//! when [`crate::Runtime::require_activation`] is on, a program that is not
//! activated does not run: a call to it reverts with `ProgramNotActivated()`.

use crate::exec::{self, CallKind, FrameResult, Msg, Outcome};
use crate::host::Env;
use crate::pricing::{evm, INK_PER_GAS};
use crate::state::World;
use crate::STYLUS_DEPLOYER;
use alloy_primitives::{address, keccak256, Address, Log, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent};
use std::sync::Arc;

sol! {
    /// The `ArbWasm` precompile at `0x71`: the part deployment uses.
    interface ArbWasm {
        /// Activates the program at `program`; the value must cover the data fee.
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
        /// The Stylus version programs are activated at.
        function stylusVersion() external view returns (uint16 version);
        /// The version a code hash is activated at.
        function codehashVersion(bytes32 codehash) external view returns (uint16 version);
        /// The version the program at an address is activated at.
        function programVersion(address program) external view returns (uint16 version);
        /// The activation size estimate of a code hash.
        function codehashAsmSize(bytes32 codehash) external view returns (uint32 size);
        /// Emitted on activation.
        event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version);
        /// The code is not a Stylus program.
        error ProgramNotWasm();
        /// The program is not activated.
        error ProgramNotActivated();
        /// The program is already activated at the current version.
        error ProgramUpToDate();
        /// The value does not cover the data fee.
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }

    /// The `ArbSys` precompile at `0x64`: the part contracts and tools read.
    interface ArbSys {
        /// The L2 block number.
        function arbBlockNumber() external view returns (uint256);
        /// The chain id.
        function arbChainID() external view returns (uint256);
    }

    /// The `ArbWasmCache` precompile at `0x72`: the views the cache tools read.
    interface ArbWasmCache {
        /// The CacheManager contracts allowed to cache programs.
        function allCacheManagers() external view returns (address[] managers);
        /// Whether a code hash is cached.
        function codehashIsCached(bytes32 codehash) external view returns (bool cached);
    }

    /// The `CacheManager` (on chain a Solidity contract that auctions cache space): the part
    /// cargo-stylus and the deployment tooling call.
    interface CacheManager {
        /// Bids `msg.value` to cache the program at `program`.
        function placeBid(address program) external payable;
        /// The smallest bid that caches the program at `program`.
        function getMinBid(address program) external view returns (uint192 min);
        /// The code hash is cached already.
        error AlreadyCached(bytes32 codehash);
        /// The program is not activated.
        error ProgramNotActivated();
    }

    /// The errors of the `StylusDeployer`.
    interface StylusDeployerErrors {
        /// Creation failed.
        error ContractDeploymentError(bytes bytecode);
        /// The constructor call failed.
        error ContractInitializationError(address newContract);
        /// The refund of the excess value failed.
        error RefundExcessValueError(uint256 excessValue);
        /// No bytecode.
        error EmptyBytecode();
        /// An init value was given without init data.
        error InitValueButNotInitData();
    }
}

/// Address of the `ArbSys` precompile.
pub const ARB_SYS: Address = address!("0000000000000000000000000000000000000064");
/// Address of the `ArbWasm` precompile.
pub const ARB_WASM: Address = address!("0000000000000000000000000000000000000071");
/// Address of the `ArbWasmCache` precompile.
pub const ARB_WASM_CACHE: Address = address!("0000000000000000000000000000000000000072");
/// Address of this runtime's `CacheManager` (the one `ArbWasmCache.allCacheManagers` lists).
pub const CACHE_MANAGER: Address = address!("51dEDBD2f190E0696AFbEE5E60bFdE96d86464ec");
/// The Stylus version this runtime activates programs at (its pricing is
/// program version 2's).
pub const STYLUS_VERSION: u16 = 2;
/// Data fee per byte of the activation size estimate, in wei (ArbOS's
/// initial minimum price of its data pricer).
pub const DATA_FEE_PER_BYTE: u64 = 82_928_201;
/// Gas `activateProgram` burns before activating (ArbOS's fixed charge).
pub const ACTIVATION_GAS: u64 = 1_659_168;
/// Gas of a precompile view (a rough figure for the call's own work).
pub const PRECOMPILE_VIEW_GAS: u64 = 800;
/// Gas the deployer's own EVM code is charged (a rough figure).
pub const DEPLOYER_OVERHEAD_GAS: u64 = 12_000;

/// Whether `address` is one of the natively implemented system contracts.
pub fn is_system(address: Address) -> bool {
    address == ARB_SYS
        || address == ARB_WASM
        || address == STYLUS_DEPLOYER
        || address == ARB_WASM_CACHE
        || address == CACHE_MANAGER
}

/// The result of calling a program that is not activated.
pub(crate) fn not_activated(gas: u64) -> FrameResult {
    revert(ArbWasm::ProgramNotActivated {}.abi_encode(), gas)
}

/// The data fee activation charges for a program of `wasm_len` bytes.
pub fn data_fee(wasm_len: usize) -> U256 {
    U256::from(wasm_len as u64) * U256::from(DATA_FEE_PER_BYTE)
}

fn revert(output: Vec<u8>, gas_left: u64) -> FrameResult {
    FrameResult {
        outcome: Outcome::Revert,
        output,
        gas_left,
    }
}

fn success(output: Vec<u8>, gas_left: u64) -> FrameResult {
    FrameResult {
        outcome: Outcome::Success,
        output,
        gas_left,
    }
}

fn out_of_gas() -> FrameResult {
    FrameResult {
        outcome: Outcome::OutOfGas,
        output: Vec::new(),
        gas_left: 0,
    }
}

/// Runs a call to a system contract (its value has already moved).
pub(crate) fn run(world: &mut World, env: &Arc<Env>, msg: &Msg) -> FrameResult {
    if msg.kind == CallKind::Delegate {
        return revert(Vec::new(), msg.gas);
    }
    match msg.address {
        a if a == ARB_SYS => arb_sys(world, msg),
        a if a == ARB_WASM => arb_wasm(world, msg),
        a if a == ARB_WASM_CACHE || a == CACHE_MANAGER => cache(world, msg),
        _ => deployer(world, env, msg),
    }
}

fn selector(input: &[u8]) -> Option<[u8; 4]> {
    input.get(..4).map(|s| [s[0], s[1], s[2], s[3]])
}

fn arb_sys(world: &mut World, msg: &Msg) -> FrameResult {
    if msg.gas < PRECOMPILE_VIEW_GAS {
        return out_of_gas();
    }
    world.tally.precompiles += PRECOMPILE_VIEW_GAS * INK_PER_GAS;
    let gas = msg.gas - PRECOMPILE_VIEW_GAS;
    let value = match selector(&msg.input) {
        Some(ArbSys::arbBlockNumberCall::SELECTOR) => U256::from(world.block.number),
        Some(ArbSys::arbChainIDCall::SELECTOR) => U256::from(world.block.chain_id),
        _ => return revert(Vec::new(), gas),
    };
    success(value.to_be_bytes::<32>().to_vec(), gas)
}

/// `ArbWasmCache`'s views and the `CacheManager`: a bid of any size caches an activated program.
fn cache(world: &mut World, msg: &Msg) -> FrameResult {
    if msg.gas < PRECOMPILE_VIEW_GAS {
        return out_of_gas();
    }
    world.tally.precompiles += PRECOMPILE_VIEW_GAS * INK_PER_GAS;
    let gas = msg.gas - PRECOMPILE_VIEW_GAS;
    let input = &msg.input;
    let sel = selector(input);
    let on_manager = msg.address == CACHE_MANAGER;
    let bid = on_manager && sel == Some(CacheManager::placeBidCall::SELECTOR);
    if !bid && !msg.value.is_zero() {
        return revert(Vec::new(), gas);
    }
    match sel {
        Some(ArbWasmCache::allCacheManagersCall::SELECTOR) if !on_manager => success(
            ArbWasmCache::allCacheManagersCall::abi_encode_returns(&(vec![CACHE_MANAGER],)),
            gas,
        ),
        Some(ArbWasmCache::codehashIsCachedCall::SELECTOR) if !on_manager => {
            let Ok(call) = ArbWasmCache::codehashIsCachedCall::abi_decode(input, true) else {
                return revert(Vec::new(), gas);
            };
            let cached = world.cached.contains(&call.codehash);
            success(
                U256::from(u8::from(cached)).to_be_bytes::<32>().to_vec(),
                gas,
            )
        }
        Some(CacheManager::getMinBidCall::SELECTOR) if on_manager => {
            success(U256::ZERO.to_be_bytes::<32>().to_vec(), gas)
        }
        Some(CacheManager::placeBidCall::SELECTOR) if on_manager => {
            let Ok(call) = CacheManager::placeBidCall::abi_decode(input, true) else {
                return revert(Vec::new(), gas);
            };
            let Some(hash) = world.program(call.program).map(|p| p.code_hash) else {
                return revert(CacheManager::ProgramNotActivated {}.abi_encode(), gas);
            };
            if !world.activated.contains(&hash) {
                return revert(CacheManager::ProgramNotActivated {}.abi_encode(), gas);
            }
            if !world.cache(hash) {
                return revert(
                    CacheManager::AlreadyCached { codehash: hash }.abi_encode(),
                    gas,
                );
            }
            success(Vec::new(), gas)
        }
        _ => revert(Vec::new(), gas),
    }
}

fn version_of(world: &World, hash: B256, gas: u64) -> Result<u16, FrameResult> {
    if world.activated.contains(&hash) {
        Ok(STYLUS_VERSION)
    } else {
        Err(revert(ArbWasm::ProgramNotActivated {}.abi_encode(), gas))
    }
}

fn arb_wasm(world: &mut World, msg: &Msg) -> FrameResult {
    if msg.gas < PRECOMPILE_VIEW_GAS {
        return out_of_gas();
    }
    world.tally.precompiles += PRECOMPILE_VIEW_GAS * INK_PER_GAS;
    let gas = msg.gas - PRECOMPILE_VIEW_GAS;
    let input = &msg.input;
    let payable = selector(input) == Some(ArbWasm::activateProgramCall::SELECTOR);
    if !payable && !msg.value.is_zero() {
        return revert(Vec::new(), gas);
    }
    let word = |v: U256| v.to_be_bytes::<32>().to_vec();
    match selector(input) {
        Some(ArbWasm::stylusVersionCall::SELECTOR) => {
            success(word(U256::from(STYLUS_VERSION)), gas)
        }
        Some(ArbWasm::codehashVersionCall::SELECTOR) => {
            let Ok(call) = ArbWasm::codehashVersionCall::abi_decode(input, true) else {
                return revert(Vec::new(), gas);
            };
            match version_of(world, call.codehash, gas) {
                Ok(v) => success(word(U256::from(v)), gas),
                Err(r) => r,
            }
        }
        Some(ArbWasm::programVersionCall::SELECTOR) => {
            let Ok(call) = ArbWasm::programVersionCall::abi_decode(input, true) else {
                return revert(Vec::new(), gas);
            };
            let Some(program) = world.program(call.program) else {
                return revert(ArbWasm::ProgramNotWasm {}.abi_encode(), gas);
            };
            match version_of(world, program.code_hash, gas) {
                Ok(v) => success(word(U256::from(v)), gas),
                Err(r) => r,
            }
        }
        Some(ArbWasm::codehashAsmSizeCall::SELECTOR) => {
            let Ok(call) = ArbWasm::codehashAsmSizeCall::abi_decode(input, true) else {
                return revert(Vec::new(), gas);
            };
            if let Err(r) = version_of(world, call.codehash, gas) {
                return r;
            }
            let size = world
                .accounts
                .values()
                .filter_map(|a| a.program.as_ref())
                .find(|p| p.code_hash == call.codehash)
                .map_or(0, |p| p.wasm_len);
            success(word(U256::from(size)), gas)
        }
        Some(ArbWasm::activateProgramCall::SELECTOR) => activate(world, msg, gas),
        _ => revert(Vec::new(), gas),
    }
}

fn activate(world: &mut World, msg: &Msg, gas: u64) -> FrameResult {
    let Ok(call) = ArbWasm::activateProgramCall::abi_decode(&msg.input, true) else {
        return revert(Vec::new(), gas);
    };
    if msg.is_static {
        return FrameResult {
            outcome: Outcome::Failure("activateProgram in a static call".into()),
            output: Vec::new(),
            gas_left: 0,
        };
    }
    if gas < ACTIVATION_GAS {
        return out_of_gas();
    }
    world.tally.precompiles += ACTIVATION_GAS * INK_PER_GAS;
    let gas = gas - ACTIVATION_GAS;
    let Some(program) = world.program(call.program) else {
        return revert(ArbWasm::ProgramNotWasm {}.abi_encode(), gas);
    };
    if world.activated.contains(&program.code_hash) {
        return revert(ArbWasm::ProgramUpToDate {}.abi_encode(), gas);
    }
    let fee = data_fee(program.wasm_len);
    if msg.value < fee {
        return revert(
            ArbWasm::ProgramInsufficientValue {
                have: msg.value,
                want: fee,
            }
            .abi_encode(),
            gas,
        );
    }
    let log_gas = 2 * evm::LOG_TOPIC + 4 * 32 * evm::LOG_DATA;
    if gas < log_gas {
        return out_of_gas();
    }
    // the fee to the network (the coinbase here), the rest back to the caller
    let coinbase = world.block.coinbase;
    world.transfer(ARB_WASM, coinbase, fee);
    world.transfer(ARB_WASM, msg.caller, msg.value - fee);
    world.activate(program.code_hash);
    let event = ArbWasm::ProgramActivated {
        codehash: program.code_hash,
        moduleHash: keccak256(&program.code[..]),
        program: call.program,
        dataFee: fee,
        version: STYLUS_VERSION,
    };
    world.log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    world.tally.logs += log_gas * INK_PER_GAS;
    let output = ArbWasm::activateProgramCall::abi_encode_returns(&(STYLUS_VERSION, fee));
    success(output, gas - log_gas)
}

sol! {
    interface Deployer {
        event ContractDeployed(address deployedContract);
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    }
}

/// The `StylusDeployer`'s `deploy`, step by step as its Solidity source does.
fn deployer(world: &mut World, env: &Arc<Env>, msg: &Msg) -> FrameResult {
    if selector(&msg.input) != Some(Deployer::deployCall::SELECTOR) {
        return revert(Vec::new(), msg.gas);
    }
    let Ok(call) = Deployer::deployCall::abi_decode(&msg.input, true) else {
        return revert(Vec::new(), msg.gas);
    };
    if msg.is_static {
        return FrameResult {
            outcome: Outcome::Failure("deploy in a static call".into()),
            output: Vec::new(),
            gas_left: 0,
        };
    }
    if msg.gas < DEPLOYER_OVERHEAD_GAS {
        return out_of_gas();
    }
    let mut gas = msg.gas - DEPLOYER_OVERHEAD_GAS;
    world.tally.create += DEPLOYER_OVERHEAD_GAS * INK_PER_GAS;
    // Solidity's checked arithmetic: Panic(0x11) on underflow
    let panic = |code: u8, gas| {
        let mut out = vec![0x4e, 0x48, 0x7b, 0x71];
        out.extend_from_slice(&U256::from(code).to_be_bytes::<32>());
        revert(out, gas)
    };
    let salt = if call.salt.is_zero() {
        None
    } else {
        let mut packed = call.salt.to_vec();
        packed.extend_from_slice(&call.initData);
        packed.extend_from_slice(&call.initValue.to_be_bytes::<32>());
        Some(keccak256(packed))
    };
    if call.bytecode.is_empty() {
        return revert(StylusDeployerErrors::EmptyBytecode {}.abi_encode(), gas);
    }
    let created = exec::create(
        world,
        env,
        STYLUS_DEPLOYER,
        &call.bytecode,
        U256::ZERO,
        salt,
        gas,
        msg.depth + 1,
    );
    gas = gas.saturating_sub(created.cost);
    world.tally.create += created.cost * INK_PER_GAS;
    let Some(address) = created.address else {
        let error = StylusDeployerErrors::ContractDeploymentError {
            bytecode: call.bytecode.clone(),
        };
        return revert(error.abi_encode(), gas);
    };
    let code_hash = world.code_hash(address);
    let should_activate = !world.activated.contains(&code_hash);
    let sub_call = |world: &mut World, to: Address, input: Vec<u8>, value: U256, gas: &mut u64| {
        let access = world.access_account(to) + if value.is_zero() { 0 } else { evm::CALL_VALUE };
        if *gas < access {
            return None;
        }
        *gas -= access;
        world.tally.accounts += access * INK_PER_GAS;
        let given = *gas - *gas / 64;
        let r = exec::call(
            world,
            env,
            Msg {
                kind: CallKind::Call,
                caller: STYLUS_DEPLOYER,
                address: to,
                code_address: to,
                value,
                input,
                gas: given,
                is_static: false,
                depth: msg.depth + 1,
            },
        );
        *gas -= given - r.gas_left.min(given);
        Some(r)
    };
    if should_activate {
        let Some(activation_value) = msg.value.checked_sub(call.initValue) else {
            return panic(0x11, gas);
        };
        let input = ArbWasm::activateProgramCall { program: address }.abi_encode();
        let Some(r) = sub_call(world, ARB_WASM, input, activation_value, &mut gas) else {
            return out_of_gas();
        };
        if !r.outcome.is_success() {
            return revert(r.output, gas);
        }
    }
    if !call.initData.is_empty() {
        let Some(r) = sub_call(
            world,
            address,
            call.initData.to_vec(),
            call.initValue,
            &mut gas,
        ) else {
            return out_of_gas();
        };
        if !r.outcome.is_success() {
            let error = StylusDeployerErrors::ContractInitializationError {
                newContract: address,
            };
            return revert(error.abi_encode(), gas);
        }
    } else if !call.initValue.is_zero() {
        return revert(
            StylusDeployerErrors::InitValueButNotInitData {}.abi_encode(),
            gas,
        );
    }
    if should_activate || msg.value != call.initValue {
        let balance = world.balance(STYLUS_DEPLOYER);
        if !balance.is_zero() {
            let Some(r) = sub_call(world, msg.caller, Vec::new(), balance, &mut gas) else {
                return out_of_gas();
            };
            if !r.outcome.is_success() {
                let error = StylusDeployerErrors::RefundExcessValueError {
                    excessValue: balance,
                };
                return revert(error.abi_encode(), gas);
            }
        }
    }
    let log_gas = 2 * evm::LOG_TOPIC + 32 * evm::LOG_DATA;
    if gas < log_gas {
        return out_of_gas();
    }
    world.log(Log {
        address: STYLUS_DEPLOYER,
        data: Deployer::ContractDeployed {
            deployedContract: address,
        }
        .encode_log_data(),
    });
    world.tally.logs += log_gas * INK_PER_GAS;
    success(
        Deployer::deployCall::abi_encode_returns(&(address,)),
        gas - log_gas,
    )
}
