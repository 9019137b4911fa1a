//! Activation through the native ArbWasm, the StylusDeployer as a callable
//! contract, and the state API the local node uses (execute, snapshot, dump).

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolConstructor, SolError};
use stylus_runtime::arbitrum::{data_fee, ArbWasm, ARB_SYS, ARB_WASM};
use stylus_runtime::{
    constructor_selector, init_code, read_wasm, Outcome, Runtime, Transaction, STYLUS_CODE_PREFIX,
    STYLUS_DEPLOYER,
};

sol! {
    contract Token {
        constructor(string name, string symbol, uint8 decimals, uint16 feeBps);
        function decimals() external view returns (uint8);
    }
    interface Deployer {
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    }
    interface ArbSysViews {
        function arbBlockNumber() external view returns (uint256);
    }
}

fn tx(from: Address, to: Option<Address>, input: Vec<u8>, value: U256) -> Transaction {
    Transaction {
        from,
        to,
        input: input.into(),
        value,
        gas_limit: 30_000_000,
    }
}

fn setup() -> (Runtime, Address, Vec<u8>, usize) {
    let mut rt = Runtime::new();
    rt.require_activation(true);
    let alice = rt.new_account();
    rt.set_balance(alice, U256::from(10).pow(U256::from(18)));
    let wasm = read_wasm("mock-erc20").unwrap();
    let mut code = STYLUS_CODE_PREFIX.to_vec();
    code.extend_from_slice(&wasm);
    (rt, alice, code, wasm.len())
}

#[test]
fn a_program_runs_only_once_activated() {
    let (mut rt, alice, code, wasm_len) = setup();
    let r = rt.execute(&tx(alice, None, init_code(&code), U256::ZERO), true);
    assert_eq!(r.outcome, Outcome::Success);
    let token = r.contract.unwrap();
    assert_eq!(rt.nonce(alice), 1);
    let decimals = Token::decimalsCall {}.abi_encode();
    let r = rt.execute(&tx(alice, Some(token), decimals.clone(), U256::ZERO), false);
    assert_eq!(r.outcome, Outcome::Revert);
    assert_eq!(
        r.output.to_vec(),
        ArbWasm::ProgramNotActivated {}.abi_encode()
    );

    let fee = data_fee(wasm_len);
    let activate = ArbWasm::activateProgramCall { program: token }.abi_encode();
    let short = rt.execute(
        &tx(alice, Some(ARB_WASM), activate.clone(), fee - U256::from(1)),
        true,
    );
    assert_eq!(short.outcome, Outcome::Revert);
    assert!(!rt.is_activated(keccak256(&code)));
    let before = rt.balance(alice);
    let r = rt.execute(
        &tx(alice, Some(ARB_WASM), activate.clone(), fee + U256::from(9)),
        true,
    );
    assert_eq!(r.outcome, Outcome::Success);
    let ret = ArbWasm::activateProgramCall::abi_decode_returns(&r.output, true).unwrap();
    assert_eq!((ret.version, ret.dataFee), (2, fee));
    assert_eq!(rt.balance(alice), before - fee);
    assert!(rt.is_activated(keccak256(&code)));
    let again = rt.execute(&tx(alice, Some(ARB_WASM), activate, fee), false);
    assert_eq!(
        again.output.to_vec(),
        ArbWasm::ProgramUpToDate {}.abi_encode()
    );
    let r = rt.execute(&tx(alice, Some(token), decimals, U256::ZERO), false);
    assert_eq!(r.outcome, Outcome::Success);

    // ArbSys
    let r = rt.execute(
        &tx(
            alice,
            Some(ARB_SYS),
            ArbSysViews::arbBlockNumberCall {}.abi_encode(),
            U256::ZERO,
        ),
        false,
    );
    assert_eq!(
        U256::from_be_slice(&r.output),
        U256::from(rt.block().number)
    );
}

#[test]
fn the_deployer_creates_activates_and_constructs_or_rolls_back() {
    let (mut rt, alice, code, wasm_len) = setup();
    let fee = data_fee(wasm_len);
    let mut ctor = constructor_selector().to_vec();
    ctor.extend(
        Token::constructorCall {
            name: "T".into(),
            symbol: "T".into(),
            decimals: 6,
            feeBps: 0,
        }
        .abi_encode(),
    );
    let deploy = |init: Vec<u8>| {
        Deployer::deployCall {
            bytecode: init_code(&code).into(),
            initData: init.into(),
            initValue: U256::ZERO,
            salt: B256::ZERO,
        }
        .abi_encode()
    };
    // a constructor that fails (fee above its maximum) rolls back the activation too
    let mut bad = constructor_selector().to_vec();
    bad.extend(
        Token::constructorCall {
            name: "T".into(),
            symbol: "T".into(),
            decimals: 6,
            feeBps: 60_000,
        }
        .abi_encode(),
    );
    let before = rt.balance(alice);
    let r = rt.execute(&tx(alice, Some(STYLUS_DEPLOYER), deploy(bad), fee), true);
    assert_eq!(r.outcome, Outcome::Revert);
    assert!(!rt.is_activated(keccak256(&code)));
    assert_eq!(rt.balance(alice), before);

    let r = rt.execute(
        &tx(
            alice,
            Some(STYLUS_DEPLOYER),
            deploy(ctor),
            fee + U256::from(5),
        ),
        true,
    );
    assert_eq!(r.outcome, Outcome::Success, "{:?}", r.output);
    let token = Deployer::deployCall::abi_decode_returns(&r.output, true)
        .unwrap()
        ._0;
    assert!(rt.is_activated(keccak256(&code)));
    assert_eq!(rt.balance(alice), before - fee, "the excess comes back");
    assert_eq!(rt.balance(STYLUS_DEPLOYER), U256::ZERO);
    let r = rt.execute(
        &tx(
            alice,
            Some(token),
            Token::decimalsCall {}.abi_encode(),
            U256::ZERO,
        ),
        false,
    );
    assert_eq!(U256::from_be_slice(&r.output), U256::from(6));
}

#[test]
fn snapshots_and_dumps_round_trip() {
    let (mut rt, alice, code, _) = setup();
    let snap = rt.snapshot();
    let r = rt.execute(&tx(alice, None, init_code(&code), U256::ZERO), true);
    let token = r.contract.unwrap();
    assert_eq!(rt.code(token), Bytes::from(code.clone()));
    let dump = rt.dump();
    let copy = Runtime::from_dump(&dump).unwrap();
    assert_eq!(copy.dump(), dump);
    assert_eq!(copy.code(token), Bytes::from(code));
    rt.restore(snap);
    assert!(rt.code(token).is_empty());
    assert_eq!(rt.nonce(alice), 0);
    // code that is not a program is refused as an override
    assert!(rt.set_code(token, &[0x60, 0x00]).is_err());
}
