//! The `vm_hooks` host interface and its ink prices.

use crate::exec::{self, CallKind, Msg};
use crate::pricing::{self, evm, memory, INK_PER_GAS};
use crate::state::World;
use alloy_primitives::{keccak256, Address, Bytes, Log, LogData, B256, U256};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use wasmi::{Caller, Engine, Global, Linker, Memory, Val};

/// A WASM value type of a host I/O signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WasmTy {
    I32,
    I64,
}

use WasmTy::{I32, I64};

type Sig = (&'static [WasmTy], &'static [WasmTy]);

/// Every host I/O this runtime implements: module, name, params, results.
const HOSTIOS: &[(&str, &str, Sig)] = &[
    ("vm_hooks", "read_args", (&[I32], &[])),
    ("vm_hooks", "write_result", (&[I32, I32], &[])),
    ("vm_hooks", "exit_early", (&[I32], &[])),
    ("vm_hooks", "storage_load_bytes32", (&[I32, I32], &[])),
    ("vm_hooks", "storage_cache_bytes32", (&[I32, I32], &[])),
    ("vm_hooks", "storage_flush_cache", (&[I32], &[])),
    ("vm_hooks", "transient_load_bytes32", (&[I32, I32], &[])),
    ("vm_hooks", "transient_store_bytes32", (&[I32, I32], &[])),
    (
        "vm_hooks",
        "call_contract",
        (&[I32, I32, I32, I32, I64, I32], &[I32]),
    ),
    (
        "vm_hooks",
        "delegate_call_contract",
        (&[I32, I32, I32, I64, I32], &[I32]),
    ),
    (
        "vm_hooks",
        "static_call_contract",
        (&[I32, I32, I32, I64, I32], &[I32]),
    ),
    ("vm_hooks", "create1", (&[I32, I32, I32, I32, I32], &[])),
    (
        "vm_hooks",
        "create2",
        (&[I32, I32, I32, I32, I32, I32], &[]),
    ),
    ("vm_hooks", "read_return_data", (&[I32, I32, I32], &[I32])),
    ("vm_hooks", "return_data_size", (&[], &[I32])),
    ("vm_hooks", "emit_log", (&[I32, I32, I32], &[])),
    ("vm_hooks", "account_balance", (&[I32, I32], &[])),
    ("vm_hooks", "account_code", (&[I32, I32, I32, I32], &[I32])),
    ("vm_hooks", "account_code_size", (&[I32], &[I32])),
    ("vm_hooks", "account_codehash", (&[I32, I32], &[])),
    ("vm_hooks", "block_basefee", (&[I32], &[])),
    ("vm_hooks", "block_coinbase", (&[I32], &[])),
    ("vm_hooks", "block_gas_limit", (&[], &[I64])),
    ("vm_hooks", "block_number", (&[], &[I64])),
    ("vm_hooks", "block_timestamp", (&[], &[I64])),
    ("vm_hooks", "chainid", (&[], &[I64])),
    ("vm_hooks", "contract_address", (&[I32], &[])),
    ("vm_hooks", "evm_gas_left", (&[], &[I64])),
    ("vm_hooks", "evm_ink_left", (&[], &[I64])),
    ("vm_hooks", "math_div", (&[I32, I32], &[])),
    ("vm_hooks", "math_mod", (&[I32, I32], &[])),
    ("vm_hooks", "math_pow", (&[I32, I32], &[])),
    ("vm_hooks", "math_add_mod", (&[I32, I32, I32], &[])),
    ("vm_hooks", "math_mul_mod", (&[I32, I32, I32], &[])),
    ("vm_hooks", "msg_reentrant", (&[], &[I32])),
    ("vm_hooks", "msg_sender", (&[I32], &[])),
    ("vm_hooks", "msg_value", (&[I32], &[])),
    ("vm_hooks", "native_keccak256", (&[I32, I32, I32], &[])),
    ("vm_hooks", "tx_gas_price", (&[I32], &[])),
    ("vm_hooks", "tx_ink_price", (&[], &[I32])),
    ("vm_hooks", "tx_origin", (&[I32], &[])),
    ("vm_hooks", "pay_for_memory_grow", (&[I32], &[])),
    ("console", "log_txt", (&[I32, I32], &[])),
    ("console", "log_i32", (&[I32], &[])),
    ("console", "log_i64", (&[I64], &[])),
    ("console", "tee_i32", (&[I32], &[I32])),
    ("console", "tee_i64", (&[I64], &[I64])),
];

/// The signature of a host I/O, `None` if this runtime does not implement it.
pub(crate) fn hostio_signature(module: &str, name: &str) -> Option<Sig> {
    HOSTIOS
        .iter()
        .find(|(m, n, _)| *m == module && *n == name)
        .map(|(_, _, sig)| *sig)
}

/// Names of all implemented host I/Os, as `module::name`.
pub fn implemented_hostios() -> Vec<String> {
    HOSTIOS
        .iter()
        .map(|(m, n, _)| format!("{m}::{n}"))
        .collect()
}

/// Why a host I/O stopped the program.
#[derive(Debug)]
pub(crate) enum HostTrap {
    /// Ink ran out.
    OutOfInk,
    /// A state change was attempted in a static call.
    WriteProtection(&'static str),
    /// A pointer argument is outside memory.
    MemoryAccess,
    /// `emit_log` with more than four topics or too little data.
    BadLog,
    /// `exit_early` with this status.
    Exit(u32),
    /// The memory or ink globals are missing (a loading bug).
    Uninstrumented,
}

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfInk => f.write_str("out of ink"),
            Self::WriteProtection(what) => write!(f, "write protection: {what} in a static call"),
            Self::MemoryAccess => f.write_str("host I/O pointer outside WASM memory"),
            Self::BadLog => f.write_str("emit_log with bad topic data"),
            Self::Exit(s) => write!(f, "exit_early({s})"),
            Self::Uninstrumented => f.write_str("program is missing its meter"),
        }
    }
}

impl std::error::Error for HostTrap {}
impl wasmi::errors::HostError for HostTrap {}

fn trap(t: HostTrap) -> wasmi::Error {
    wasmi::Error::host(t)
}

/// One word of the per-call storage cache.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CachedWord {
    value: B256,
    known: Option<B256>,
}

/// The engine and the host functions, shared by all frames.
pub(crate) struct Env {
    pub engine: Engine,
    pub linker: Linker<FrameState>,
    pub programs: crate::ProgramCache,
}

/// Host data of one running program.
pub(crate) struct FrameState {
    pub world: World,
    pub env: Arc<Env>,
    pub msg: Msg,
    pub reentrant: bool,
    pub memory: Option<Memory>,
    pub ink: Option<Global>,
    pub status: Option<Global>,
    pub outs: Vec<u8>,
    pub return_data: Vec<u8>,
    cache: HashMap<B256, CachedWord>,
    cache_reads: u32,
    cache_writes: u32,
    /// Ink bought through host I/Os (the rest was spent on opcodes).
    pub host_ink: u64,
}

impl FrameState {
    pub fn new(world: World, env: Arc<Env>, msg: Msg, reentrant: bool) -> Self {
        Self {
            world,
            env,
            msg,
            reentrant,
            memory: None,
            ink: None,
            status: None,
            outs: Vec::new(),
            return_data: Vec::new(),
            cache: HashMap::new(),
            cache_reads: 0,
            cache_writes: 0,
            host_ink: 0,
        }
    }
}

type Cx<'a> = Caller<'a, FrameState>;
type HostResult<T> = Result<T, wasmi::Error>;

fn ink_left(cx: &Cx<'_>) -> HostResult<u64> {
    let ink = cx
        .data()
        .ink
        .ok_or_else(|| trap(HostTrap::Uninstrumented))?;
    match ink.get(cx) {
        Val::I64(v) => Ok(v as u64),
        _ => Err(trap(HostTrap::Uninstrumented)),
    }
}

fn set_ink(cx: &mut Cx<'_>, value: u64) -> HostResult<()> {
    let ink = cx
        .data()
        .ink
        .ok_or_else(|| trap(HostTrap::Uninstrumented))?;
    ink.set(&mut *cx, Val::I64(value as i64))
        .map_err(|_| trap(HostTrap::Uninstrumented))
}

fn out_of_ink(cx: &mut Cx<'_>) -> wasmi::Error {
    if let Some(status) = cx.data().status {
        let _ = status.set(&mut *cx, Val::I32(1));
    }
    let _ = set_ink(cx, 0);
    trap(HostTrap::OutOfInk)
}

fn buy_ink(cx: &mut Cx<'_>, ink: u64) -> HostResult<()> {
    let left = ink_left(cx)?;
    if left < ink {
        return Err(out_of_ink(cx));
    }
    set_ink(cx, left - ink)?;
    cx.data_mut().host_ink += ink;
    Ok(())
}

/// Buys host I/O ink and books it as host I/O overhead.
fn hostio(cx: &mut Cx<'_>, ink: u64) -> HostResult<()> {
    buy_ink(cx, ink)?;
    cx.data_mut().world.tally.hostio += ink;
    Ok(())
}

fn buy_gas(cx: &mut Cx<'_>, gas: u64) -> HostResult<()> {
    buy_ink(cx, gas.saturating_mul(INK_PER_GAS))
}

fn require_gas(cx: &mut Cx<'_>, gas: u64) -> HostResult<()> {
    if ink_left(cx)? < gas.saturating_mul(INK_PER_GAS) {
        return Err(out_of_ink(cx));
    }
    Ok(())
}

fn gas_left(cx: &Cx<'_>) -> HostResult<u64> {
    Ok(ink_left(cx)? / INK_PER_GAS)
}

fn memory(cx: &Cx<'_>) -> HostResult<Memory> {
    cx.data()
        .memory
        .ok_or_else(|| trap(HostTrap::Uninstrumented))
}

fn read(cx: &Cx<'_>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
    let mut buf = vec![0u8; len as usize];
    memory(cx)?
        .read(cx, ptr as usize, &mut buf)
        .map_err(|_| trap(HostTrap::MemoryAccess))?;
    Ok(buf)
}

fn read_fixed<const N: usize>(cx: &Cx<'_>, ptr: u32) -> HostResult<[u8; N]> {
    let mut buf = [0u8; N];
    memory(cx)?
        .read(cx, ptr as usize, &mut buf)
        .map_err(|_| trap(HostTrap::MemoryAccess))?;
    Ok(buf)
}

fn read_b256(cx: &Cx<'_>, ptr: u32) -> HostResult<B256> {
    read_fixed::<32>(cx, ptr).map(B256::from)
}

fn read_address(cx: &Cx<'_>, ptr: u32) -> HostResult<Address> {
    read_fixed::<20>(cx, ptr).map(Address::from)
}

fn write(cx: &mut Cx<'_>, ptr: u32, data: &[u8]) -> HostResult<()> {
    let mem = memory(cx)?;
    mem.write(&mut *cx, ptr as usize, data)
        .map_err(|_| trap(HostTrap::MemoryAccess))
}

fn write_u32(cx: &mut Cx<'_>, ptr: u32, v: u32) -> HostResult<()> {
    write(cx, ptr, &v.to_le_bytes())
}

fn tally_gas(cx: &mut Cx<'_>, gas: u64, field: fn(&mut crate::state::Tally) -> &mut u64) {
    *field(&mut cx.data_mut().world.tally) += gas * INK_PER_GAS;
}

fn read_args(mut cx: Cx<'_>, ptr: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK)?;
    let args = cx.data().msg.input.clone();
    hostio(&mut cx, pricing::write_price(args.len() as u32))?;
    write(&mut cx, ptr, &args)
}

fn write_result(mut cx: Cx<'_>, ptr: u32, len: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK)?;
    hostio(&mut cx, pricing::read_price(len))?;
    hostio(&mut cx, pricing::read_price(len))?;
    let outs = read(&cx, ptr, len)?;
    cx.data_mut().outs = outs;
    Ok(())
}

fn storage_load(mut cx: Cx<'_>, key: u32, dest: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK + 2 * pricing::PTR_INK)?;
    let api_gas = pricing::EVM_API_INK / INK_PER_GAS;
    require_gas(&mut cx, evm::COLD_SLOAD + 10 + api_gas)?;
    let key = read_b256(&cx, key)?;
    let data = cx.data_mut();
    data.cache_reads += 1;
    let mut cache_gas = match data.cache_reads {
        0..=32 => 0,
        33..=128 => 2,
        _ => 10,
    };
    let mut evm_gas = 0;
    let value = match data.cache.get(&key) {
        Some(word) => word.value,
        None => {
            let (value, gas) = data.world.sload(data.msg.address, key);
            evm_gas = gas;
            cache_gas += api_gas;
            data.cache.insert(
                key,
                CachedWord {
                    value,
                    known: Some(value),
                },
            );
            value
        }
    };
    buy_gas(&mut cx, evm_gas + cache_gas)?;
    tally_gas(&mut cx, evm_gas, |t| &mut t.storage);
    tally_gas(&mut cx, cache_gas, |t| &mut t.storage_cache);
    write(&mut cx, dest, value.as_slice())
}

fn storage_cache(mut cx: Cx<'_>, key: u32, value: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK + 2 * pricing::PTR_INK)?;
    require_gas(&mut cx, evm::SSTORE_SENTRY + 10)?;
    let key = read_b256(&cx, key)?;
    let value = read_b256(&cx, value)?;
    let data = cx.data_mut();
    data.cache_writes += 1;
    let gas = match data.cache_writes {
        0..=8 => 0,
        9..=64 => 7,
        _ => 10,
    };
    data.cache
        .entry(key)
        .and_modify(|w| w.value = value)
        .or_insert(CachedWord { value, known: None });
    buy_gas(&mut cx, gas)?;
    tally_gas(&mut cx, gas, |t| &mut t.storage_cache);
    Ok(())
}

fn storage_flush(mut cx: Cx<'_>, clear: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK + pricing::EVM_API_INK)?;
    require_gas(&mut cx, evm::SSTORE_SENTRY)?;
    let mut gas = gas_left(&cx)?;
    let data = cx.data_mut();
    let mut dirty: Vec<(B256, B256)> = Vec::new();
    for (key, word) in data.cache.iter_mut() {
        if word.known != Some(word.value) {
            dirty.push((*key, word.value));
            word.known = Some(word.value);
        }
    }
    if clear != 0 {
        data.cache.clear();
    }
    if dirty.is_empty() {
        return Ok(());
    }
    if data.msg.is_static {
        return Err(trap(HostTrap::WriteProtection("a storage write")));
    }
    dirty.sort();
    let address = data.msg.address;
    let mut total = 0u64;
    for (key, value) in dirty {
        let cost = data.world.sstore_cost(address, key, value);
        if cost > gas {
            return Err(out_of_ink(&mut cx));
        }
        gas -= cost;
        total += data.world.sstore(address, key, value);
    }
    buy_gas(&mut cx, total)?;
    tally_gas(&mut cx, total, |t| &mut t.storage);
    Ok(())
}

fn transient_load(mut cx: Cx<'_>, key: u32, dest: u32) -> HostResult<()> {
    hostio(
        &mut cx,
        pricing::HOSTIO_INK + 2 * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    buy_gas(&mut cx, evm::TRANSIENT)?;
    tally_gas(&mut cx, evm::TRANSIENT, |t| &mut t.storage);
    let key = read_b256(&cx, key)?;
    let value = cx.data().world.tload(cx.data().msg.address, key);
    write(&mut cx, dest, value.as_slice())
}

fn transient_store(mut cx: Cx<'_>, key: u32, value: u32) -> HostResult<()> {
    hostio(
        &mut cx,
        pricing::HOSTIO_INK + 2 * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    buy_gas(&mut cx, evm::TRANSIENT)?;
    tally_gas(&mut cx, evm::TRANSIENT, |t| &mut t.storage);
    let key = read_b256(&cx, key)?;
    let value = read_b256(&cx, value)?;
    if cx.data().msg.is_static {
        return Err(trap(HostTrap::WriteProtection("a transient storage write")));
    }
    let data = cx.data_mut();
    data.world.tstore(data.msg.address, key, value);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn do_call(
    mut cx: Cx<'_>,
    kind: CallKind,
    contract: u32,
    calldata: u32,
    calldata_len: u32,
    value: Option<u32>,
    gas: u64,
    ret_len: u32,
) -> HostResult<u32> {
    hostio(
        &mut cx,
        pricing::HOSTIO_INK + 3 * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    hostio(&mut cx, pricing::read_price(calldata_len))?;
    hostio(&mut cx, pricing::read_price(calldata_len))?;
    let left = gas_left(&cx)?;
    let gas_req = gas.min(left);
    let target = read_address(&cx, contract)?;
    let input = read(&cx, calldata, calldata_len)?;
    if crate::state::tracing() {
        let from = cx.data().msg.address;
        let sel: Vec<u8> = input.iter().take(4).copied().collect();
        eprintln!(
            "trace: call {from} -> {target} 0x{}",
            alloy_primitives::hex::encode(sel)
        );
    }
    let value = match value {
        Some(ptr) => U256::from_be_bytes(read_fixed::<32>(&cx, ptr)?),
        None => U256::ZERO,
    };
    let data = cx.data_mut();
    if data.msg.is_static && !value.is_zero() {
        // a read-only frame cannot pay: the call fails without running
        data.return_data.clear();
        write_u32(&mut cx, ret_len, 0)?;
        return Ok(crate::exec::Outcome::Failure(String::new()).status());
    }
    // access and value surcharges, as the EVM's CALL prices them
    let mut base = data.world.access_account(target);
    if !value.is_zero() {
        base += evm::CALL_VALUE;
        if data.world.is_empty(target) {
            base += evm::NEW_ACCOUNT;
        }
    }
    if left < base {
        return Err(out_of_ink(&mut cx));
    }
    let start_gas = (left - base) * 63 / 64;
    let mut callee_gas = start_gas.min(gas_req);
    if !value.is_zero() {
        callee_gas += evm::CALL_STIPEND;
    }
    let parent = &data.msg;
    let msg = match kind {
        CallKind::Call => Msg {
            kind,
            caller: parent.address,
            address: target,
            code_address: target,
            value,
            input,
            gas: callee_gas,
            is_static: parent.is_static,
            depth: parent.depth + 1,
        },
        CallKind::Static => Msg {
            kind,
            caller: parent.address,
            address: target,
            code_address: target,
            value: U256::ZERO,
            input,
            gas: callee_gas,
            is_static: true,
            depth: parent.depth + 1,
        },
        CallKind::Delegate => Msg {
            kind,
            caller: parent.caller,
            address: parent.address,
            code_address: target,
            value: parent.value,
            input,
            gas: callee_gas,
            is_static: parent.is_static,
            depth: parent.depth + 1,
        },
    };
    let env = data.env.clone();
    let mut world = std::mem::take(&mut data.world);
    let result = exec::call(&mut world, &env, msg);
    let data = cx.data_mut();
    data.world = world;
    data.world.tally.accounts += base * INK_PER_GAS;
    let cost = base + callee_gas.saturating_sub(result.gas_left);
    let status = result.outcome.status();
    let len = result.output.len() as u32;
    data.return_data = result.output;
    // the callee's own costs are booked in its frame; only `base` is new here
    buy_ink(&mut cx, cost.saturating_mul(INK_PER_GAS))?;
    write_u32(&mut cx, ret_len, len)?;
    Ok(status)
}

fn do_create(
    mut cx: Cx<'_>,
    code: u32,
    code_len: u32,
    endowment: u32,
    salt: Option<u32>,
    contract: u32,
    revert_len: u32,
) -> HostResult<()> {
    let ptrs = if salt.is_some() { 4 } else { 3 };
    hostio(
        &mut cx,
        pricing::HOSTIO_INK + ptrs * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    hostio(&mut cx, pricing::read_price(code_len))?;
    hostio(&mut cx, pricing::read_price(code_len))?;
    let init_code = read(&cx, code, code_len)?;
    let endowment = U256::from_be_bytes(read_fixed::<32>(&cx, endowment)?);
    let salt = match salt {
        Some(ptr) => Some(read_b256(&cx, ptr)?),
        None => None,
    };
    if cx.data().msg.is_static {
        return Err(trap(HostTrap::WriteProtection("a contract creation")));
    }
    let gas = gas_left(&cx)?;
    let data = cx.data_mut();
    let env = data.env.clone();
    let creator = data.msg.address;
    let depth = data.msg.depth;
    let mut world = std::mem::take(&mut data.world);
    let result = exec::create(
        &mut world,
        &env,
        creator,
        &init_code,
        endowment,
        salt,
        gas,
        depth + 1,
    );
    let data = cx.data_mut();
    data.world = world;
    data.world.tally.create += result.cost * INK_PER_GAS;
    data.return_data = result.output;
    let len = data.return_data.len() as u32;
    buy_ink(&mut cx, result.cost.saturating_mul(INK_PER_GAS))?;
    write_u32(&mut cx, revert_len, len)?;
    write(
        &mut cx,
        contract,
        result.address.unwrap_or_default().as_slice(),
    )
}

fn read_return_data(mut cx: Cx<'_>, dest: u32, offset: u32, size: u32) -> HostResult<u32> {
    hostio(&mut cx, pricing::HOSTIO_INK + pricing::EVM_API_INK)?;
    let len = cx.data().return_data.len() as u32;
    let max = len.saturating_sub(offset);
    hostio(&mut cx, pricing::write_price(size.min(max)))?;
    let start = offset.min(len) as usize;
    let end = offset.saturating_add(size).min(len) as usize;
    let out = cx.data().return_data[start..end].to_vec();
    if !out.is_empty() {
        write(&mut cx, dest, &out)?;
    }
    Ok(out.len() as u32)
}

fn emit_log(mut cx: Cx<'_>, ptr: u32, len: u32, topics: u32) -> HostResult<()> {
    hostio(&mut cx, pricing::HOSTIO_INK + pricing::EVM_API_INK)?;
    if topics > 4 || len < topics * 32 {
        return Err(trap(HostTrap::BadLog));
    }
    hostio(&mut cx, pricing::read_price(len))?;
    let gas =
        (1 + u64::from(topics)) * evm::LOG_TOPIC + u64::from(len - topics * 32) * evm::LOG_DATA;
    buy_gas(&mut cx, gas)?;
    tally_gas(&mut cx, gas, |t| &mut t.logs);
    let bytes = read(&cx, ptr, len)?;
    if cx.data().msg.is_static {
        return Err(trap(HostTrap::WriteProtection("a log")));
    }
    let split = (topics * 32) as usize;
    let topic_list = bytes[..split].chunks(32).map(B256::from_slice).collect();
    let data = cx.data_mut();
    let log = Log {
        address: data.msg.address,
        data: LogData::new_unchecked(topic_list, Bytes::copy_from_slice(&bytes[split..])),
    };
    data.world.log(log);
    Ok(())
}

fn account_access(cx: &mut Cx<'_>, address: Address, ink: u64) -> HostResult<()> {
    hostio(cx, ink)?;
    require_gas(cx, evm::COLD_ACCOUNT)?;
    let gas = cx.data_mut().world.access_account(address);
    buy_gas(cx, gas)?;
    tally_gas(cx, gas, |t| &mut t.accounts);
    Ok(())
}

fn account_balance(mut cx: Cx<'_>, address: u32, dest: u32) -> HostResult<()> {
    let address = read_address(&cx, address)?;
    account_access(
        &mut cx,
        address,
        pricing::HOSTIO_INK + 2 * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    let balance = cx.data().world.balance(address);
    write(&mut cx, dest, &balance.to_be_bytes::<32>())
}

fn account_code(
    mut cx: Cx<'_>,
    address: u32,
    offset: u32,
    size: u32,
    dest: u32,
) -> HostResult<u32> {
    let address = read_address(&cx, address)?;
    account_access(&mut cx, address, pricing::HOSTIO_INK + pricing::EVM_API_INK)?;
    let code = cx.data().world.code(address);
    hostio(&mut cx, pricing::write_price(code.len() as u32))?;
    let len = code.len() as u32;
    let start = offset.min(len) as usize;
    let end = offset.saturating_add(size).min(len) as usize;
    write(&mut cx, dest, &code[start..end])?;
    Ok((end - start) as u32)
}

fn account_code_size(mut cx: Cx<'_>, address: u32) -> HostResult<u32> {
    let address = read_address(&cx, address)?;
    account_access(&mut cx, address, pricing::HOSTIO_INK + pricing::EVM_API_INK)?;
    Ok(cx.data().world.code(address).len() as u32)
}

fn account_codehash(mut cx: Cx<'_>, address: u32, dest: u32) -> HostResult<()> {
    let address = read_address(&cx, address)?;
    account_access(
        &mut cx,
        address,
        pricing::HOSTIO_INK + 2 * pricing::PTR_INK + pricing::EVM_API_INK,
    )?;
    let hash = cx.data().world.code_hash(address);
    write(&mut cx, dest, hash.as_slice())
}

fn read_u256(cx: &Cx<'_>, ptr: u32) -> HostResult<U256> {
    Ok(U256::from_be_bytes(read_fixed::<32>(cx, ptr)?))
}

fn math2(mut cx: Cx<'_>, a: u32, b: u32, ink: u64, f: fn(U256, U256) -> U256) -> HostResult<()> {
    hostio(&mut cx, ink)?;
    let x = read_u256(&cx, a)?;
    let y = read_u256(&cx, b)?;
    write(&mut cx, a, &f(x, y).to_be_bytes::<32>())
}

fn math3(
    mut cx: Cx<'_>,
    a: u32,
    b: u32,
    c: u32,
    ink: u64,
    f: fn(U256, U256, U256) -> U256,
) -> HostResult<()> {
    hostio(&mut cx, ink)?;
    let x = read_u256(&cx, a)?;
    let y = read_u256(&cx, b)?;
    let z = read_u256(&cx, c)?;
    write(&mut cx, a, &f(x, y, z).to_be_bytes::<32>())
}

fn write_word(mut cx: Cx<'_>, ptr: u32, ink: u64, word: &[u8]) -> HostResult<()> {
    hostio(&mut cx, ink)?;
    write(&mut cx, ptr, word)
}

fn keccak(mut cx: Cx<'_>, input: u32, len: u32, output: u32) -> HostResult<()> {
    let ink = pricing::keccak_price(len);
    buy_ink(&mut cx, ink)?;
    cx.data_mut().world.tally.keccak += ink;
    let preimage = read(&cx, input, len)?;
    write(&mut cx, output, keccak256(preimage).as_slice())
}

fn pay_for_memory_grow(mut cx: Cx<'_>, pages: u32) -> HostResult<()> {
    if pages == 0 {
        return hostio(&mut cx, pricing::HOSTIO_INK);
    }
    let pages = u16::try_from(pages).unwrap_or(u16::MAX);
    let world = &cx.data().world;
    let gas = memory::gas_cost(pages, world.pages_open, world.pages_ever);
    buy_gas(&mut cx, gas)?;
    tally_gas(&mut cx, gas, |t| &mut t.memory);
    cx.data_mut().world.add_pages(pages);
    Ok(())
}

/// Builds the engine and defines every host I/O.
pub(crate) fn env() -> Env {
    let mut config = wasmi::Config::default();
    config
        .wasm_multi_value(false)
        .wasm_reference_types(false)
        .wasm_tail_call(false)
        .wasm_multi_memory(false)
        .floats(false)
        .allow_start_fn(false)
        .compilation_mode(wasmi::CompilationMode::Eager);
    let engine = Engine::new(&config);
    let mut l = Linker::<FrameState>::new(&engine);
    let ok = "each host I/O is defined once";
    let h = "vm_hooks";
    l.func_wrap(h, "read_args", read_args).expect(ok);
    l.func_wrap(h, "write_result", write_result).expect(ok);
    l.func_wrap(
        h,
        "exit_early",
        |_: Cx<'_>, status: u32| -> HostResult<()> { Err(trap(HostTrap::Exit(status))) },
    )
    .expect(ok);
    l.func_wrap(h, "storage_load_bytes32", storage_load)
        .expect(ok);
    l.func_wrap(h, "storage_cache_bytes32", storage_cache)
        .expect(ok);
    l.func_wrap(h, "storage_flush_cache", storage_flush)
        .expect(ok);
    l.func_wrap(h, "transient_load_bytes32", transient_load)
        .expect(ok);
    l.func_wrap(h, "transient_store_bytes32", transient_store)
        .expect(ok);
    l.func_wrap(
        h,
        "call_contract",
        |cx: Cx<'_>, c: u32, d: u32, n: u32, v: u32, g: u64, r: u32| {
            do_call(cx, CallKind::Call, c, d, n, Some(v), g, r)
        },
    )
    .expect(ok);
    l.func_wrap(
        h,
        "delegate_call_contract",
        |cx: Cx<'_>, c: u32, d: u32, n: u32, g: u64, r: u32| {
            do_call(cx, CallKind::Delegate, c, d, n, None, g, r)
        },
    )
    .expect(ok);
    l.func_wrap(
        h,
        "static_call_contract",
        |cx: Cx<'_>, c: u32, d: u32, n: u32, g: u64, r: u32| {
            do_call(cx, CallKind::Static, c, d, n, None, g, r)
        },
    )
    .expect(ok);
    l.func_wrap(
        h,
        "create1",
        |cx: Cx<'_>, code: u32, len: u32, value: u32, out: u32, rl: u32| {
            do_create(cx, code, len, value, None, out, rl)
        },
    )
    .expect(ok);
    l.func_wrap(
        h,
        "create2",
        |cx: Cx<'_>, code: u32, len: u32, value: u32, salt: u32, out: u32, rl: u32| {
            do_create(cx, code, len, value, Some(salt), out, rl)
        },
    )
    .expect(ok);
    l.func_wrap(h, "read_return_data", read_return_data)
        .expect(ok);
    l.func_wrap(h, "return_data_size", |mut cx: Cx<'_>| -> HostResult<u32> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(cx.data().return_data.len() as u32)
    })
    .expect(ok);
    l.func_wrap(h, "emit_log", emit_log).expect(ok);
    l.func_wrap(h, "account_balance", account_balance)
        .expect(ok);
    l.func_wrap(h, "account_code", account_code).expect(ok);
    l.func_wrap(h, "account_code_size", account_code_size)
        .expect(ok);
    l.func_wrap(h, "account_codehash", account_codehash)
        .expect(ok);
    let ptr_ink = pricing::HOSTIO_INK + pricing::PTR_INK;
    l.func_wrap(h, "block_basefee", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().world.block.basefee.to_be_bytes::<32>();
        write_word(cx, p, ptr_ink, &v)
    })
    .expect(ok);
    l.func_wrap(h, "block_coinbase", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().world.block.coinbase;
        write_word(cx, p, ptr_ink, v.as_slice())
    })
    .expect(ok);
    l.func_wrap(h, "tx_gas_price", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().world.block.basefee.to_be_bytes::<32>();
        write_word(cx, p, ptr_ink, &v)
    })
    .expect(ok);
    l.func_wrap(h, "tx_origin", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().world.origin;
        write_word(cx, p, ptr_ink, v.as_slice())
    })
    .expect(ok);
    l.func_wrap(h, "contract_address", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().msg.address;
        write_word(cx, p, ptr_ink, v.as_slice())
    })
    .expect(ok);
    l.func_wrap(h, "msg_sender", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().msg.caller;
        write_word(cx, p, ptr_ink, v.as_slice())
    })
    .expect(ok);
    l.func_wrap(h, "msg_value", move |cx: Cx<'_>, p: u32| {
        let v = cx.data().msg.value.to_be_bytes::<32>();
        write_word(cx, p, ptr_ink, &v)
    })
    .expect(ok);
    l.func_wrap(h, "block_gas_limit", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(cx.data().world.block.gas_limit)
    })
    .expect(ok);
    l.func_wrap(h, "block_number", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(cx.data().world.block.number)
    })
    .expect(ok);
    l.func_wrap(h, "block_timestamp", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(cx.data().world.block.timestamp)
    })
    .expect(ok);
    l.func_wrap(h, "chainid", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(cx.data().world.block.chain_id)
    })
    .expect(ok);
    l.func_wrap(h, "evm_gas_left", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        gas_left(&cx)
    })
    .expect(ok);
    l.func_wrap(h, "evm_ink_left", |mut cx: Cx<'_>| -> HostResult<u64> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        ink_left(&cx)
    })
    .expect(ok);
    l.func_wrap(h, "tx_ink_price", |mut cx: Cx<'_>| -> HostResult<u32> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(INK_PER_GAS as u32)
    })
    .expect(ok);
    l.func_wrap(h, "msg_reentrant", |mut cx: Cx<'_>| -> HostResult<u32> {
        hostio(&mut cx, pricing::HOSTIO_INK)?;
        Ok(u32::from(cx.data().reentrant))
    })
    .expect(ok);
    let div_ink = pricing::HOSTIO_INK + 3 * pricing::PTR_INK + pricing::DIV_INK;
    l.func_wrap(h, "math_div", move |cx: Cx<'_>, a: u32, b: u32| {
        math2(cx, a, b, div_ink, |x, y| {
            x.checked_div(y).unwrap_or_default()
        })
    })
    .expect(ok);
    l.func_wrap(h, "math_mod", move |cx: Cx<'_>, a: u32, b: u32| {
        math2(cx, a, b, div_ink, |x, y| {
            x.checked_rem(y).unwrap_or_default()
        })
    })
    .expect(ok);
    l.func_wrap(
        h,
        "math_pow",
        |mut cx: Cx<'_>, a: u32, b: u32| -> HostResult<()> {
            let exponent = read_fixed::<32>(&cx, b)?;
            hostio(&mut cx, pricing::pow_price(&exponent))?;
            math2(
                cx,
                a,
                b,
                pricing::HOSTIO_INK + 3 * pricing::PTR_INK,
                |x, y| x.wrapping_pow(y),
            )
        },
    )
    .expect(ok);
    l.func_wrap(h, "math_add_mod", |cx: Cx<'_>, a: u32, b: u32, c: u32| {
        let ink = pricing::HOSTIO_INK + 4 * pricing::PTR_INK + pricing::ADD_MOD_INK;
        math3(cx, a, b, c, ink, |x, y, m| x.add_mod(y, m))
    })
    .expect(ok);
    l.func_wrap(h, "math_mul_mod", |cx: Cx<'_>, a: u32, b: u32, c: u32| {
        let ink = pricing::HOSTIO_INK + 4 * pricing::PTR_INK + pricing::MUL_MOD_INK;
        math3(cx, a, b, c, ink, |x, y, m| x.mul_mod(y, m))
    })
    .expect(ok);
    l.func_wrap(h, "native_keccak256", keccak).expect(ok);
    l.func_wrap(h, "pay_for_memory_grow", pay_for_memory_grow)
        .expect(ok);
    let c = "console";
    l.func_wrap(
        c,
        "log_txt",
        |mut cx: Cx<'_>, ptr: u32, len: u32| -> HostResult<()> {
            let text = read(&cx, ptr, len)?;
            cx.data_mut()
                .world
                .console
                .push(String::from_utf8_lossy(&text).into_owned());
            Ok(())
        },
    )
    .expect(ok);
    l.func_wrap(c, "log_i32", |mut cx: Cx<'_>, v: i32| {
        cx.data_mut().world.console.push(v.to_string())
    })
    .expect(ok);
    l.func_wrap(c, "log_i64", |mut cx: Cx<'_>, v: i64| {
        cx.data_mut().world.console.push(v.to_string())
    })
    .expect(ok);
    l.func_wrap(c, "tee_i32", |mut cx: Cx<'_>, v: i32| {
        cx.data_mut().world.console.push(v.to_string());
        v
    })
    .expect(ok);
    l.func_wrap(c, "tee_i64", |mut cx: Cx<'_>, v: i64| {
        cx.data_mut().world.console.push(v.to_string());
        v
    })
    .expect(ok);
    Env {
        engine,
        linker: l,
        programs: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hostio_of_the_sdk_is_known() {
        for name in [
            "account_balance",
            "account_code",
            "account_code_size",
            "account_codehash",
            "storage_load_bytes32",
            "storage_cache_bytes32",
            "storage_flush_cache",
            "block_basefee",
            "chainid",
            "block_coinbase",
            "block_gas_limit",
            "block_number",
            "block_timestamp",
            "call_contract",
            "contract_address",
            "create1",
            "create2",
            "delegate_call_contract",
            "emit_log",
            "evm_gas_left",
            "evm_ink_left",
            "pay_for_memory_grow",
            "msg_reentrant",
            "msg_sender",
            "msg_value",
            "native_keccak256",
            "read_args",
            "read_return_data",
            "write_result",
            "return_data_size",
            "static_call_contract",
            "tx_gas_price",
            "tx_ink_price",
            "tx_origin",
        ] {
            assert!(hostio_signature("vm_hooks", name).is_some(), "{name}");
        }
        assert_eq!(implemented_hostios().len(), HOSTIOS.len());
        // the environment defines them all without a clash
        let _ = env();
    }
}
