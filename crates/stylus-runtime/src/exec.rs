//! Call frames: value transfer, precompiles, program entry and the outcome.

use crate::host::{Env, FrameState, HostTrap};
use crate::instrument::{INK_LEFT, INK_STATUS};
use crate::pricing::{evm, memory, INK_PER_GAS};
use crate::state::{Program, World, ECRECOVER};
use alloy_primitives::{keccak256, Address, B256, U256};
use std::sync::Arc;
use wasmi::{Store, Val};

/// The kind of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `CALL` (may carry value).
    Call,
    /// `STATICCALL`.
    Static,
    /// `DELEGATECALL`.
    Delegate,
}

/// One frame of a transaction's call tree, in the order frames started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// 0 for the transaction's target.
    pub depth: usize,
    /// How the frame was called.
    pub kind: CallKind,
    /// `msg.sender` in the frame.
    pub caller: Address,
    /// The acting address (storage, balance, logs).
    pub address: Address,
    /// Where the code came from.
    pub code_address: Address,
    /// `msg.value` in the frame.
    pub value: U256,
    /// What `msg_reentrant` returned in the frame.
    pub reentrant: bool,
    /// How the frame ended.
    pub outcome: Outcome,
    /// Return or revert data.
    pub output: Vec<u8>,
    /// Gas the frame used.
    pub gas_used: u64,
}

/// A message to a frame.
#[derive(Debug, Clone)]
pub(crate) struct Msg {
    pub kind: CallKind,
    /// `msg.sender` seen by the callee.
    pub caller: Address,
    /// The acting address (storage, balance, logs).
    pub address: Address,
    /// Where the code comes from.
    pub code_address: Address,
    /// `msg.value` seen by the callee (moved only by [`CallKind::Call`]).
    pub value: U256,
    pub input: Vec<u8>,
    pub gas: u64,
    pub is_static: bool,
    pub depth: usize,
}

/// How a frame ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Returned normally.
    Success,
    /// Reverted; the output is the revert data.
    Revert,
    /// Trapped or broke a rule; no output, all gas of the frame is spent.
    Failure(String),
    /// Ran out of gas.
    OutOfGas,
}

impl Outcome {
    /// The status a caller program sees (0 success, 1 revert, 2 failure).
    pub(crate) fn status(&self) -> u32 {
        match self {
            Self::Success => 0,
            Self::Revert => 1,
            Self::Failure(_) | Self::OutOfGas => 2,
        }
    }

    /// Whether the frame's state changes persist.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

/// What a frame returns to its caller.
pub(crate) struct FrameResult {
    pub outcome: Outcome,
    pub output: Vec<u8>,
    pub gas_left: u64,
}

impl FrameResult {
    fn fail(why: impl Into<String>, gas_left: u64) -> Self {
        Self {
            outcome: Outcome::Failure(why.into()),
            output: Vec::new(),
            gas_left,
        }
    }
}

/// Runs a message: moves value, runs the code, reverts the frame's state if
/// it did not succeed.
pub(crate) fn call(world: &mut World, env: &Arc<Env>, msg: Msg) -> FrameResult {
    if msg.depth > evm::MAX_DEPTH {
        return FrameResult::fail("call depth exceeds 1024", msg.gas);
    }
    let index = world.trace.len();
    world.trace.push(Frame {
        depth: msg.depth,
        kind: msg.kind,
        caller: msg.caller,
        address: msg.address,
        code_address: msg.code_address,
        value: msg.value,
        reentrant: false,
        outcome: Outcome::Success,
        output: Vec::new(),
        gas_used: 0,
    });
    let gas = msg.gas;
    let result = run_frame(world, env, msg);
    if let Some(frame) = world.trace.get_mut(index) {
        frame.outcome = result.outcome.clone();
        frame.output = result.output.clone();
        frame.gas_used = gas - result.gas_left;
    }
    result
}

fn run_frame(world: &mut World, env: &Arc<Env>, msg: Msg) -> FrameResult {
    let checkpoint = world.checkpoint();
    if msg.kind == CallKind::Call && !world.transfer(msg.caller, msg.address, msg.value) {
        return FrameResult::fail("insufficient balance for the value transfer", msg.gas);
    }
    let result = if msg.code_address == ECRECOVER {
        precompile_ecrecover(world, &msg)
    } else if crate::arbitrum::is_system(msg.code_address) {
        crate::arbitrum::run(world, env, &msg)
    } else {
        match world.program(msg.code_address) {
            Some(program) if !world.may_run(&program.code_hash) => {
                crate::arbitrum::not_activated(msg.gas)
            }
            Some(program) => run_program(world, env, msg, &program),
            None => FrameResult {
                outcome: Outcome::Success,
                output: Vec::new(),
                gas_left: msg.gas,
            },
        }
    };
    if !result.outcome.is_success() {
        world.revert_to(checkpoint);
    }
    result
}

fn precompile_ecrecover(world: &mut World, msg: &Msg) -> FrameResult {
    if msg.gas < evm::ECRECOVER {
        return FrameResult {
            outcome: Outcome::OutOfGas,
            output: Vec::new(),
            gas_left: 0,
        };
    }
    world.tally.precompiles += evm::ECRECOVER * INK_PER_GAS;
    let mut input = [0u8; 128];
    let n = msg.input.len().min(128);
    input[..n].copy_from_slice(&msg.input[..n]);
    let output = ecrecover(&input)
        .map(|a| B256::left_padding_from(a.as_slice()).to_vec())
        .unwrap_or_default();
    FrameResult {
        outcome: Outcome::Success,
        output,
        gas_left: msg.gas - evm::ECRECOVER,
    }
}

/// `ecrecover` over `hash ‖ v ‖ r ‖ s` (128 bytes).
pub(crate) fn ecrecover(input: &[u8; 128]) -> Option<Address> {
    use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let hash = &input[..32];
    let v = U256::from_be_slice(&input[32..64]);
    let recid = match v {
        v if v == U256::from(27) => 0u8,
        v if v == U256::from(28) => 1u8,
        _ => return None,
    };
    let sig = Signature::from_slice(&input[64..128]).ok()?;
    let key = VerifyingKey::recover_from_prehash(hash, &sig, RecoveryId::from_byte(recid)?).ok()?;
    let point = key.to_encoded_point(false);
    Some(Address::from_raw_public_key(&point.as_bytes()[1..]))
}

fn run_program(world: &mut World, env: &Arc<Env>, msg: Msg, program: &Arc<Program>) -> FrameResult {
    let starting_gas = msg.gas;
    let address = msg.address;
    let delegate = msg.kind == CallKind::Delegate;
    if !delegate {
        *world.active.entry(address).or_default() += 1;
    }
    let reentrant = world.active.get(&address).copied().unwrap_or_default() > 1;
    if let Some(frame) = world.trace.last_mut() {
        frame.reentrant = reentrant;
    }
    let result = enter(world, env, msg, program, reentrant);
    if !delegate {
        if let Some(n) = world.active.get_mut(&address) {
            *n -= 1;
        }
    }
    let mut result = result;
    if !result.output.is_empty() {
        let floor = evm::memory_cost(result.output.len() as u64);
        if starting_gas < floor {
            return FrameResult {
                outcome: Outcome::OutOfGas,
                output: Vec::new(),
                gas_left: 0,
            };
        }
        result.gas_left = result.gas_left.min(starting_gas - floor);
    }
    result
}

fn enter(
    world: &mut World,
    env: &Arc<Env>,
    msg: Msg,
    program: &Arc<Program>,
    reentrant: bool,
) -> FrameResult {
    let memory_gas = memory::gas_cost(program.footprint, world.pages_open, world.pages_ever);
    let cached =
        world.cached.contains(&program.code_hash) || !world.entered.insert(program.code_hash);
    let entry_gas = program.cached_gas + if cached { 0 } else { program.init_gas };
    let cost = memory_gas + entry_gas;
    if msg.gas < cost {
        return FrameResult {
            outcome: Outcome::OutOfGas,
            output: Vec::new(),
            gas_left: 0,
        };
    }
    world.tally.memory += memory_gas * INK_PER_GAS;
    world.tally.entry += entry_gas * INK_PER_GAS;
    let gas = msg.gas - cost;
    let open = world.pages_open;
    world.add_pages(program.footprint);
    let input_len = msg.input.len() as i32;

    let state = FrameState::new(std::mem::take(world), env.clone(), msg, reentrant);
    let mut store = Store::new(&env.engine, state);
    let run = (|| {
        let instance = env
            .linker
            .instantiate_and_start(&mut store, &program.module)?;
        let memory = instance.get_memory(&store, "memory");
        let ink = instance.get_global(&store, INK_LEFT);
        let status = instance.get_global(&store, INK_STATUS);
        let data = store.data_mut();
        data.memory = memory;
        data.ink = ink;
        data.status = status;
        if let Some(ink) = ink {
            ink.set(
                &mut store,
                Val::I64((gas.saturating_mul(INK_PER_GAS)) as i64),
            )
            .map_err(|e| wasmi::Error::new(e.to_string()))?;
        }
        let main = instance.get_typed_func::<i32, i32>(&store, "user_entrypoint")?;
        main.call(&mut store, input_len)
    })();
    let ink_left = match store.data().ink.map(|g| g.get(&store)) {
        Some(Val::I64(v)) => v as u64,
        _ => 0,
    };
    let exhausted = matches!(
        store.data().status.map(|g| g.get(&store)),
        Some(Val::I32(1))
    );
    let state = store.into_data();
    *world = state.world;
    world.pages_open = open;

    let outcome = match run {
        Ok(0) => Outcome::Success,
        Ok(_) => Outcome::Revert,
        Err(e) => match e.downcast_ref::<HostTrap>() {
            Some(HostTrap::Exit(0)) => Outcome::Success,
            Some(HostTrap::Exit(_)) => Outcome::Revert,
            Some(HostTrap::OutOfInk) => Outcome::OutOfGas,
            _ if exhausted => Outcome::OutOfGas,
            Some(t) => Outcome::Failure(t.to_string()),
            None => Outcome::Failure(e.to_string()),
        },
    };
    match outcome {
        Outcome::Success | Outcome::Revert => {
            let used = gas.saturating_mul(INK_PER_GAS).saturating_sub(ink_left);
            world.tally.wasm += used.saturating_sub(state.host_ink);
            FrameResult {
                outcome,
                output: state.outs,
                gas_left: ink_left / INK_PER_GAS,
            }
        }
        _ => FrameResult {
            outcome,
            output: Vec::new(),
            gas_left: 0,
        },
    }
}

/// Result of a creation.
pub(crate) struct CreateResult {
    pub address: Option<Address>,
    pub output: Vec<u8>,
    pub cost: u64,
}

/// Prefix of a Stylus program's stored code: `EFF000`, then a dictionary
/// byte (0 = none); this runtime stores the WASM after it uncompressed.
pub const STYLUS_CODE_PREFIX: [u8; 4] = [0xef, 0xf0, 0x00, 0x00];

/// EVM init code that deploys `code`: the deployment prelude every Stylus
/// toolchain emits (copy the code after the prelude to memory and return it).
pub fn init_code(code: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(code.len() + 43);
    out.push(0x7f); // PUSH32 code length
    out.extend_from_slice(&U256::from(code.len()).to_be_bytes::<32>());
    out.extend_from_slice(&[0x80, 0x60, 43, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00]);
    out.extend_from_slice(code);
    out
}

/// The code an init code in the form of [`init_code`] deploys.
pub(crate) fn parse_init_code(init: &[u8]) -> Option<&[u8]> {
    if init.len() < 43
        || init[0] != 0x7f
        || init[33..43] != [0x80, 0x60, 43, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00]
    {
        return None;
    }
    let len = U256::from_be_slice(&init[1..33]);
    let code = &init[43..];
    (len == U256::from(code.len())).then_some(code)
}

/// `CREATE` address of `sender` at `nonce`.
pub(crate) fn create_address(sender: Address, nonce: u64) -> Address {
    let nonce_bytes = nonce.to_be_bytes();
    let trimmed: Vec<u8> = nonce_bytes
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    let mut nonce_rlp = Vec::new();
    if nonce == 0 {
        nonce_rlp.push(0x80);
    } else if nonce < 0x80 {
        nonce_rlp.push(nonce as u8);
    } else {
        nonce_rlp.push(0x80 + trimmed.len() as u8);
        nonce_rlp.extend_from_slice(&trimmed);
    }
    let mut rlp = vec![0xc0 + (21 + nonce_rlp.len()) as u8, 0x94];
    rlp.extend_from_slice(sender.as_slice());
    rlp.extend_from_slice(&nonce_rlp);
    Address::from_slice(&keccak256(&rlp)[12..])
}

/// Creates a contract from init code; only Stylus deployment init code is
/// understood (there is no EVM interpreter here).
#[allow(clippy::too_many_arguments)]
pub(crate) fn create(
    world: &mut World,
    env: &Arc<Env>,
    creator: Address,
    init: &[u8],
    endowment: U256,
    salt: Option<B256>,
    gas: u64,
    depth: usize,
) -> CreateResult {
    let mut base = evm::CREATE;
    if salt.is_some() {
        base += (init.len() as u64).div_ceil(32) * evm::KECCAK_WORD;
    }
    let failed = |cost| CreateResult {
        address: None,
        output: Vec::new(),
        cost,
    };
    if gas < base || depth > evm::MAX_DEPTH {
        return failed(gas.min(base));
    }
    let mut left = gas - base;
    let one64th = left / 64;
    left -= one64th;
    if world.balance(creator) < endowment {
        return failed(base);
    }
    let address = match salt {
        None => create_address(creator, world.nonce(creator)),
        Some(salt) => creator.create2(salt, keccak256(init)),
    };
    world.bump_nonce(creator);
    let checkpoint = world.checkpoint();
    let program = parse_init_code(init).and_then(|code| crate::load_code(env, code).ok());
    let Some(program) = program else {
        world.revert_to(checkpoint);
        return failed(base + left);
    };
    let deposit = program.code.len() as u64 * evm::CODE_DEPOSIT_BYTE;
    let collision = world
        .accounts
        .get(&address)
        .is_some_and(|a| a.nonce != 0 || a.program.is_some());
    if collision || deposit > left {
        world.revert_to(checkpoint);
        return failed(base + left);
    }
    world.create_account(address, program);
    world.access_account(address);
    world.transfer(creator, address, endowment);
    CreateResult {
        address: Some(address),
        output: Vec::new(),
        cost: base + deposit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn create_addresses_follow_rlp() {
        let deployer = address!("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
        assert_eq!(
            create_address(deployer, 0),
            address!("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d")
        );
        assert_eq!(
            create_address(deployer, 1),
            address!("343c43a37d37dff08ae8c4a11544c718abb4fcf8")
        );
    }

    #[test]
    fn init_code_round_trips() {
        let code = [0xef, 0xf0, 0, 0, 1, 2, 3];
        assert_eq!(parse_init_code(&init_code(&code)), Some(&code[..]));
        assert_eq!(parse_init_code(&[0x60, 0x00]), None);
    }

    #[test]
    fn ecrecover_recovers_the_signer() {
        use k256::ecdsa::SigningKey;
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let hash = keccak256(b"stylus");
        let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(hash.as_slice());
        input[63] = 27 + recid.to_byte();
        input[64..].copy_from_slice(&sig.to_bytes());
        let point = key.verifying_key().to_encoded_point(false);
        let expected = Address::from_raw_public_key(&point.as_bytes()[1..]);
        assert_eq!(ecrecover(&input), Some(expected));
        input[63] = 29;
        assert_eq!(ecrecover(&input), None);
    }
}
