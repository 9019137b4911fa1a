//! Call semantics on the release WASM of `test-doubles/test-caller`: a revert
//! deep in a chain, a write inside a static call, re-entry, delegate calls,
//! value, the `ecrecover` precompile, block time and deployment.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::sol;
use stylus_runtime::{
    read_wasm, CallError, CallKind, DeployError, LoadError, Outcome, Runtime, STYLUS_DEPLOYER,
};

sol! {
    #[derive(Debug, PartialEq)]
    contract TestCaller {
        constructor(uint256 initial);
        event ValueSet(address indexed by, uint256 value);
        error Boom(uint256 value);
        error Locked(uint64 now, uint64 until);
        function value() external view returns (uint256);
        function deployedBy() external view returns (address, address);
        function setValue(uint256 v) external;
        function chain(address[] next, uint256 v, bool failAtEnd) external;
        function staticSet(address target, uint256 v) external view returns (bool);
        function staticGet(address target) external view returns (uint256);
        function delegateSet(address target, uint256 v) external;
        function reenter(address target, uint256 v) external;
        function callBack(address to, uint256 v) external;
        function deposit() external payable;
        function received() external view returns (uint256);
        function forward(address to) external payable;
        function balanceOf(address account) external view returns (uint256);
        function recover(bytes32 hash, uint8 v, bytes32 r, bytes32 s) external view returns (address);
        function hash(bytes data) external view returns (bytes32);
        function blockInfo() external view returns (uint64, uint64, uint256, uint64);
        function lockFor(uint64 duration) external;
        function unlock() external returns (uint64);
    }
}

use TestCaller::*;

fn wasm() -> Vec<u8> {
    read_wasm("test-caller").unwrap_or_else(|e| panic!("{e}"))
}

struct World {
    rt: Runtime,
    alice: Address,
    a: Address,
    b: Address,
    c: Address,
}

fn world() -> World {
    let mut rt = Runtime::new();
    let alice = rt.new_account();
    let code = wasm();
    let mut deploy = |initial: u64| {
        rt.deploy(
            alice,
            &code,
            &constructorCall {
                initial: U256::from(initial),
            },
            U256::ZERO,
        )
        .unwrap()
    };
    let (a, b, c) = (deploy(1), deploy(2), deploy(3));
    World { rt, alice, a, b, c }
}

impl World {
    fn value(&mut self, at: Address) -> U256 {
        self.rt.view(self.alice, at, &valueCall {}).unwrap()._0
    }
}

#[test]
fn constructor_runs_as_the_stylus_deployer_does() {
    let mut w = world();
    assert_eq!(w.value(w.a), U256::from(1));
    let by = w.rt.view(w.alice, w.a, &deployedByCall {}).unwrap();
    assert_eq!((by._0, by._1), (STYLUS_DEPLOYER, w.alice));
    // the constructor cannot run a second time: the SDK's guard slot is set
    let again = constructorCall {
        initial: U256::from(9),
    };
    let mut calldata = stylus_runtime::constructor_selector().to_vec();
    calldata.extend(alloy_sol_types::SolConstructor::abi_encode(&again));
    let receipt = w.rt.transact(w.alice, w.a, calldata, U256::ZERO);
    assert_eq!(receipt.outcome, Outcome::Revert);
    assert_eq!(w.value(w.a), U256::from(1));
}

#[test]
fn a_revert_deep_in_a_chain_rolls_back_every_frame() {
    let mut w = world();
    // A -> B -> C, C reverts with Boom(12)
    let call = chainCall {
        next: vec![w.b, w.c],
        v: U256::from(10),
        failAtEnd: true,
    };
    let err = w.rt.call(w.alice, w.a, &call, U256::ZERO).unwrap_err();
    assert_eq!(
        err.decode::<Boom>(),
        Some(Boom {
            value: U256::from(12)
        })
    );
    let receipt = w.rt.last_receipt().unwrap().clone();
    assert!(receipt.logs.is_empty());
    let frames: Vec<_> = receipt
        .frames
        .iter()
        .map(|f| (f.depth, f.address, f.outcome.clone()))
        .collect();
    assert_eq!(
        frames,
        vec![
            (0, w.a, Outcome::Revert),
            (1, w.b, Outcome::Revert),
            (2, w.c, Outcome::Revert)
        ]
    );
    // every frame had flushed its write before C reverted; none survives
    assert_eq!(
        (w.value(w.a), w.value(w.b), w.value(w.c)),
        (U256::from(1), U256::from(2), U256::from(3))
    );

    // the same chain without the failure commits all three writes and logs
    let call = chainCall {
        next: vec![w.b, w.c],
        v: U256::from(10),
        failAtEnd: false,
    };
    w.rt.call(w.alice, w.a, &call, U256::ZERO).unwrap();
    let receipt = w.rt.last_receipt().unwrap().clone();
    assert_eq!(
        receipt.events_from::<ValueSet>(),
        vec![
            (
                w.a,
                ValueSet {
                    by: w.alice,
                    value: U256::from(10)
                }
            ),
            (
                w.b,
                ValueSet {
                    by: w.a,
                    value: U256::from(11)
                }
            ),
            (
                w.c,
                ValueSet {
                    by: w.b,
                    value: U256::from(12)
                }
            ),
        ]
    );
    assert_eq!(
        (w.value(w.a), w.value(w.b), w.value(w.c)),
        (U256::from(10), U256::from(11), U256::from(12))
    );
}

#[test]
fn a_write_inside_a_static_call_fails() {
    let mut w = world();
    let ok =
        w.rt.call(
            w.alice,
            w.a,
            &staticSetCall {
                target: w.b,
                v: U256::from(77),
            },
            U256::ZERO,
        )
        .unwrap()
        ._0;
    assert!(!ok);
    let receipt = w.rt.last_receipt().unwrap().clone();
    assert_eq!(receipt.frames[1].kind, CallKind::Static);
    assert_eq!(
        receipt.frames[1].outcome,
        Outcome::Failure("write protection: a log in a static call".into())
    );
    assert!(receipt.logs.is_empty());
    assert_eq!(w.value(w.b), U256::from(2));
    // reading through a static call works
    assert_eq!(
        w.rt.view(w.alice, w.a, &staticGetCall { target: w.b })
            .unwrap()
            ._0,
        U256::from(2)
    );
}

#[test]
fn re_entry_is_flagged_and_rejected_by_the_entrypoint() {
    let mut w = world();
    // A.reenter(B) -> B.callBack(A) -> A.setValue: A is already on the stack
    let err =
        w.rt.call(
            w.alice,
            w.a,
            &reenterCall {
                target: w.b,
                v: U256::from(5),
            },
            U256::ZERO,
        )
        .unwrap_err();
    assert_eq!(err, CallError::Revert(Bytes::new()));
    let receipt = w.rt.last_receipt().unwrap().clone();
    let frames: Vec<_> = receipt
        .frames
        .iter()
        .map(|f| (f.depth, f.address, f.reentrant, f.outcome.clone()))
        .collect();
    assert_eq!(
        frames,
        vec![
            (0, w.a, false, Outcome::Revert),
            (1, w.b, false, Outcome::Revert),
            (2, w.a, true, Outcome::Revert),
        ]
    );
    assert_eq!(receipt.frames[2].output, Vec::<u8>::new());
    assert_eq!(w.value(w.a), U256::from(1));
    // the same callback into a contract not on the stack is fine
    w.rt.call(
        w.alice,
        w.b,
        &callBackCall {
            to: w.c,
            v: U256::from(6),
        },
        U256::ZERO,
    )
    .unwrap();
    assert!(w
        .rt
        .last_receipt()
        .unwrap()
        .frames
        .iter()
        .all(|f| !f.reentrant));
    assert_eq!(w.value(w.c), U256::from(6));
}

#[test]
fn delegate_call_writes_the_callers_storage() {
    let mut w = world();
    w.rt.call(
        w.alice,
        w.a,
        &delegateSetCall {
            target: w.b,
            v: U256::from(42),
        },
        U256::ZERO,
    )
    .unwrap();
    let receipt = w.rt.last_receipt().unwrap().clone();
    assert_eq!(w.value(w.a), U256::from(42));
    assert_eq!(w.value(w.b), U256::from(2));
    assert_eq!(receipt.frames[1].kind, CallKind::Delegate);
    assert_eq!(
        (receipt.frames[1].address, receipt.frames[1].code_address),
        (w.a, w.b)
    );
    // B's code ran in A's context: the log is A's and msg.sender is still alice
    assert_eq!(
        receipt.events_from::<ValueSet>(),
        vec![(
            w.a,
            ValueSet {
                by: w.alice,
                value: U256::from(42)
            }
        )]
    );
}

#[test]
fn value_moves_between_accounts_and_is_rolled_back_on_revert() {
    let mut w = world();
    let bob = w.rt.new_account();
    w.rt.fund(w.alice, U256::from(1_000));
    w.rt.call(w.alice, w.a, &depositCall {}, U256::from(300))
        .unwrap();
    assert_eq!(w.rt.balance(w.a), U256::from(300));
    assert_eq!(
        w.rt.view(w.alice, w.a, &receivedCall {}).unwrap()._0,
        U256::from(300)
    );
    w.rt.call(w.alice, w.a, &forwardCall { to: bob }, U256::from(200))
        .unwrap();
    assert_eq!(
        (w.rt.balance(w.alice), w.rt.balance(w.a), w.rt.balance(bob)),
        (U256::from(500), U256::from(300), U256::from(200))
    );
    assert_eq!(
        w.rt.view(w.alice, w.a, &balanceOfCall { account: bob })
            .unwrap()
            ._0,
        U256::from(200)
    );
    // a non-payable method rejects value, and the value goes back
    let err =
        w.rt.call(
            w.alice,
            w.a,
            &setValueCall { v: U256::from(1) },
            U256::from(50),
        )
        .unwrap_err();
    assert!(matches!(err, CallError::Revert(_)));
    assert_eq!(w.rt.balance(w.alice), U256::from(500));
    // more than the balance: the transfer fails before the code runs
    let err =
        w.rt.call(w.alice, w.a, &depositCall {}, U256::from(501))
            .unwrap_err();
    assert_eq!(
        err,
        CallError::Failure("insufficient balance for the value transfer".into())
    );
    assert_eq!(w.rt.balance(w.a), U256::from(300));
}

#[test]
fn ecrecover_and_keccak_from_wasm() {
    use k256::ecdsa::SigningKey;
    let mut w = world();
    let key = SigningKey::from_slice(&[42u8; 32]).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let signer = Address::from_raw_public_key(&point.as_bytes()[1..]);
    let hash = keccak256(b"margin call");
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let bytes = sig.to_bytes();
    let call = recoverCall {
        hash,
        v: 27 + recid.to_byte(),
        r: B256::from_slice(&bytes[..32]),
        s: B256::from_slice(&bytes[32..]),
    };
    assert_eq!(w.rt.view(w.alice, w.a, &call).unwrap()._0, signer);
    let bad = recoverCall { v: 30, ..call };
    assert_eq!(w.rt.view(w.alice, w.a, &bad).unwrap()._0, Address::ZERO);
    let data = Bytes::from_static(b"stylus keccak over more than two words of input data");
    assert_eq!(
        w.rt.view(w.alice, w.a, &hashCall { data: data.clone() })
            .unwrap()
            ._0,
        keccak256(&data)
    );
}

#[test]
fn block_time_moves() {
    let mut w = world();
    let start = w.rt.block().timestamp;
    w.rt.call(w.alice, w.a, &lockForCall { duration: 3_600 }, U256::ZERO)
        .unwrap();
    let err =
        w.rt.call(w.alice, w.a, &unlockCall {}, U256::ZERO)
            .unwrap_err();
    assert_eq!(
        err.decode::<Locked>(),
        Some(Locked {
            now: start,
            until: start + 3_600
        })
    );
    w.rt.advance_time(3_599);
    let err =
        w.rt.call(w.alice, w.a, &unlockCall {}, U256::ZERO)
            .unwrap_err();
    assert_eq!(
        err.decode::<Locked>(),
        Some(Locked {
            now: start + 3_599,
            until: start + 3_600
        })
    );
    w.rt.advance_time(1);
    assert_eq!(
        w.rt.call(w.alice, w.a, &unlockCall {}, U256::ZERO)
            .unwrap()
            ._0,
        start + 3_600
    );
    w.rt.block_mut().basefee = U256::from(7);
    w.rt.block_mut().chain_id = 42_161;
    let info = w.rt.view(w.alice, w.a, &blockInfoCall {}).unwrap();
    assert_eq!(
        (info._0, info._1, info._2, info._3),
        (start + 3_600, 3, U256::from(7), 42_161)
    );
}

#[test]
fn a_failing_constructor_rolls_the_deployment_back() {
    let mut rt = Runtime::new();
    let alice = rt.new_account();
    // value into a non-payable constructor reverts it
    rt.fund(alice, U256::from(10));
    let err = rt
        .deploy(
            alice,
            &wasm(),
            &constructorCall {
                initial: U256::from(1),
            },
            U256::from(10),
        )
        .unwrap_err();
    let DeployError::Constructor {
        address,
        error: CallError::Revert(_),
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    let receipt = rt.last_receipt().unwrap();
    assert_eq!(receipt.outcome, Outcome::Revert);
    let frame = &receipt.frames[0];
    assert_eq!(
        (frame.depth, frame.caller, frame.address, frame.value),
        (1, STYLUS_DEPLOYER, address, U256::from(10))
    );
    assert_eq!(rt.code_hash(address), B256::ZERO);
    assert_eq!(rt.balance(alice), U256::from(10));
    assert_eq!(rt.nonce(STYLUS_DEPLOYER), 1);
}

#[test]
fn an_unimplemented_import_is_reported_by_name() {
    let rt = Runtime::new();
    // the test-caller module with one import renamed to a host I/O that does not exist
    let mut code = wasm();
    let at = code
        .windows(13)
        .position(|w| w == b"msg_reentrant")
        .expect("the module imports msg_reentrant");
    code[at..at + 13].copy_from_slice(b"msg_reentranz");
    assert_eq!(
        rt.load(&code),
        Err(LoadError::UnsupportedImport {
            module: "vm_hooks".into(),
            name: "msg_reentranz".into()
        })
    );
    assert_eq!(
        rt.load(&code).unwrap_err().to_string(),
        "the module imports vm_hooks::msg_reentranz, which this runtime does not implement"
    );
}

#[test]
fn out_of_gas_is_reported_and_rolled_back() {
    let mut w = world();
    w.rt.set_gas_limit(30_000);
    let call = chainCall {
        next: vec![w.b, w.c],
        v: U256::from(10),
        failAtEnd: false,
    };
    let err = w.rt.call(w.alice, w.a, &call, U256::ZERO).unwrap_err();
    // the first frame runs dry before it reaches B: all its gas is burnt
    assert_eq!(err, CallError::OutOfGas);
    let receipt = w.rt.last_receipt().unwrap().clone();
    assert_eq!(receipt.frames.len(), 1);
    assert_eq!(receipt.frames[0].outcome, Outcome::OutOfGas);
    assert!(receipt.logs.is_empty());
    assert_eq!(w.rt.last_receipt().unwrap().gas.used, 30_000);
    w.rt.set_gas_limit(stylus_runtime::DEFAULT_GAS_LIMIT);
    assert_eq!(w.value(w.a), U256::from(1));
}
