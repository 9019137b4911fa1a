//! The node over HTTP: the system's WASM deployed with raw signed
//! transactions, activated, called; logs, time, snapshots; and every bad
//! input answering its error code without changing anything.

mod common;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_sol_types::{sol, SolCall, SolConstructor, SolError, SolEvent, SolValue};
use common::*;
use serde_json::{json, Value};
use stylus_runtime::arbitrum::{data_fee, ArbWasm, ARB_WASM};
use stylus_runtime::{init_code, STYLUS_DEPLOYER};

sol! {
    contract Token {
        constructor(string name, string symbol, uint8 decimals, uint16 feeBps);
        function name() external view returns (string);
        function decimals() external view returns (uint8);
        function mint(address to, uint256 amount) external;
        function balanceOf(address account) external view returns (uint256);
        function transfer(address to, uint256 value) external returns (bool);
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
        event Transfer(address indexed from, address indexed to, uint256 value);
    }
    contract Timelock {
        function admin() external view returns (address);
    }
    interface Deployer {
        event ContractDeployed(address deployedContract);
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    }
}

const CHAIN_ID: u64 = 412_346;
const GWEI_02: u128 = 200_000_000;

fn call_json(from: Address, to: Address, data: &[u8], value: U256) -> Value {
    json!({"from": from, "to": to, "data": Bytes::copy_from_slice(data), "value": value})
}

/// Sends a raw transaction through alloy's provider and waits for its receipt.
async fn send(url: &str, raw: Bytes) -> alloy_rpc_types_eth::TransactionReceipt {
    let provider = ProviderBuilder::new().on_http(url.parse().expect("url"));
    provider
        .send_raw_transaction(&raw)
        .await
        .expect("accepted")
        .get_receipt()
        .await
        .expect("receipt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_activate_call_logs_time_and_snapshots() {
    let node = node().await;
    let url = node.url();
    let provider = ProviderBuilder::new().on_http(url.parse().expect("url"));
    let key = node.keys[0].clone();
    let me = key.address();
    let other = node.keys[1].address();
    assert_eq!(provider.get_chain_id().await.unwrap(), CHAIN_ID);
    assert_eq!(provider.get_block_number().await.unwrap(), 0);
    assert_eq!(
        provider.get_balance(me).await.unwrap(),
        stylus_node::dev_balance()
    );

    // 1. a plain deployment (cargo-stylus's init code) of the Timelock: deployed, not activated
    let timelock_code = contract_code("timelock");
    let init = init_code(&timelock_code);
    let gas = num(&ok(
        &url,
        "eth_estimateGas",
        json!([{"from": me, "data": Bytes::from(init.clone())}]),
    )
    .await) as u64;
    let receipt = send(
        &url,
        sign_1559(&key, CHAIN_ID, 0, None, U256::ZERO, init, gas, GWEI_02),
    )
    .await;
    assert!(receipt.status());
    let timelock = receipt.contract_address.expect("contract address");
    assert_eq!(timelock, me.create(0));
    assert_eq!(receipt.gas_used, gas);
    assert_eq!(
        provider.get_code_at(timelock).await.unwrap().to_vec(),
        timelock_code
    );
    assert_eq!(provider.get_block_number().await.unwrap(), 1);

    // not activated: calls revert with ArbWasm's ProgramNotActivated()
    let admin = Timelock::adminCall {}.abi_encode();
    let err = rpc(
        &url,
        "eth_call",
        json!([call_json(me, timelock, &admin, U256::ZERO)]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, 3);
    assert_eq!(err.1, "execution reverted");
    assert_eq!(
        err.2,
        json!(Bytes::from(ArbWasm::ProgramNotActivated {}.abi_encode()))
    );
    let hash = keccak256(&timelock_code);
    let version = ArbWasm::codehashVersionCall { codehash: hash }.abi_encode();
    let err = rpc(
        &url,
        "eth_call",
        json!([call_json(me, ARB_WASM, &version, U256::ZERO)]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, 3);

    // the data fee, as cargo-stylus asks for it
    let activate = ArbWasm::activateProgramCall { program: timelock }.abi_encode();
    let out = ok(
        &url,
        "eth_call",
        json!([call_json(
            me,
            ARB_WASM,
            &activate,
            U256::from(10).pow(U256::from(18))
        )]),
    )
    .await;
    let ret = ArbWasm::activateProgramCall::abi_decode_returns(&hex(&out), true).unwrap();
    let wasm_len = stylus_runtime::read_wasm("timelock").unwrap().len();
    assert_eq!(ret.version, 2);
    assert_eq!(ret.dataFee, data_fee(wasm_len));
    let fee = ret.dataFee;

    // too little value: error 3 with ProgramInsufficientValue(have, want)
    let err = rpc(
        &url,
        "eth_estimateGas",
        json!([call_json(me, ARB_WASM, &activate, fee - U256::from(1))]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, 3);
    let data = hex(&err.2);
    let decoded = ArbWasm::ProgramInsufficientValue::abi_decode(&data, true).unwrap();
    assert_eq!((decoded.have, decoded.want), (fee - U256::from(1), fee));

    // activate with some excess: the excess comes back
    let before = provider.get_balance(me).await.unwrap();
    let gas = num(&ok(
        &url,
        "eth_estimateGas",
        json!([call_json(me, ARB_WASM, &activate, fee + U256::from(1000))]),
    )
    .await) as u64;
    let receipt = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(ARB_WASM),
            fee + U256::from(1000),
            activate.clone(),
            gas,
            GWEI_02,
        ),
    )
    .await;
    assert!(receipt.status());
    let after = provider.get_balance(me).await.unwrap();
    let paid = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    assert_eq!(receipt.effective_gas_price, 100_000_000);
    assert_eq!(after, before - fee - paid);
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    let activated = ArbWasm::ProgramActivated::decode_log(&logs[0].inner, true).unwrap();
    assert_eq!(
        (activated.program, activated.codehash, activated.dataFee),
        (timelock, hash, fee)
    );
    assert_eq!(logs[0].log_index, Some(0));
    // a second activation is refused
    let err = rpc(
        &url,
        "eth_call",
        json!([call_json(me, ARB_WASM, &activate, fee)]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.2,
        json!(Bytes::from(ArbWasm::ProgramUpToDate {}.abi_encode()))
    );
    // now it runs (no constructor ran: admin is zero)
    let out = ok(
        &url,
        "eth_call",
        json!([call_json(me, timelock, &admin, U256::ZERO)]),
    )
    .await;
    assert_eq!(hex(&out), Address::ZERO.abi_encode());
    let out = ok(
        &url,
        "eth_call",
        json!([call_json(me, ARB_WASM, &version, U256::ZERO)]),
    )
    .await;
    assert_eq!(U256::from_be_slice(&hex(&out)), U256::from(2));

    // 2. the token through the StylusDeployer: create, activate and construct in one transaction
    let token_code = contract_code("mock-erc20");
    // the fee, asked the way cargo-stylus does: code and balance overridden at spare addresses
    let probe = Address::repeat_byte(0x42);
    let rich = Address::repeat_byte(0x43);
    let ask = ArbWasm::activateProgramCall { program: probe }.abi_encode();
    let overrides = json!({
        probe.to_string(): {"code": Bytes::from(token_code.clone())},
        rich.to_string(): {"balance": "0xffffffffffffffffffffffffffffffff"},
    });
    let out = ok(
        &url,
        "eth_call",
        json!([
            call_json(rich, ARB_WASM, &ask, U256::from(10).pow(U256::from(18))),
            "latest",
            overrides
        ]),
    )
    .await;
    let token_fee = ArbWasm::activateProgramCall::abi_decode_returns(&hex(&out), true)
        .unwrap()
        .dataFee;
    assert_eq!(
        token_fee,
        data_fee(stylus_runtime::read_wasm("mock-erc20").unwrap().len())
    );
    // the override left nothing behind
    assert_eq!(
        ok(&url, "eth_getCode", json!([probe, "latest"])).await,
        json!("0x")
    );
    assert_eq!(
        ok(&url, "eth_getBalance", json!([rich, "latest"])).await,
        json!("0x0")
    );

    let mut ctor = constructor_selector();
    ctor.extend(
        Token::constructorCall {
            name: "Token".into(),
            symbol: "TKN".into(),
            decimals: 18,
            feeBps: 0,
        }
        .abi_encode(),
    );
    let deploy = Deployer::deployCall {
        bytecode: init_code(&token_code).into(),
        initData: ctor.into(),
        initValue: U256::ZERO,
        salt: B256::ZERO,
    }
    .abi_encode();
    let gas = num(&ok(
        &url,
        "eth_estimateGas",
        json!([call_json(me, STYLUS_DEPLOYER, &deploy, token_fee)]),
    )
    .await) as u64;
    let before = provider.get_balance(me).await.unwrap();
    let receipt = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            2,
            Some(STYLUS_DEPLOYER),
            token_fee,
            deploy,
            gas,
            GWEI_02,
        ),
    )
    .await;
    assert!(receipt.status());
    let paid = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    assert_eq!(
        provider.get_balance(me).await.unwrap(),
        before - token_fee - paid
    );
    let logs = receipt.inner.logs();
    let deployed = logs
        .iter()
        .find_map(|l| Deployer::ContractDeployed::decode_log(&l.inner, true).ok())
        .expect("ContractDeployed");
    let token = deployed.deployedContract;
    assert_eq!(token, STYLUS_DEPLOYER.create(1));
    assert!(logs.iter().any(|l| l.address() == ARB_WASM));
    let indexes: Vec<u64> = logs.iter().map(|l| l.log_index.unwrap()).collect();
    assert_eq!(indexes, (0..logs.len() as u64).collect::<Vec<_>>());
    let tx = TransactionRequest::default()
        .from(me)
        .to(token)
        .input(Token::decimalsCall {}.abi_encode().into());
    let out = provider.call(&tx).await.unwrap();
    assert_eq!(
        Token::decimalsCall::abi_decode_returns(&out, true)
            .unwrap()
            ._0,
        18
    );

    // 3. calls, custom errors and logs
    let mint = Token::mintCall {
        to: me,
        amount: U256::from(1_000),
    }
    .abi_encode();
    let gas = num(&ok(
        &url,
        "eth_estimateGas",
        json!([call_json(me, token, &mint, U256::ZERO)]),
    )
    .await) as u64;
    let r = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            3,
            Some(token),
            U256::ZERO,
            mint,
            gas,
            GWEI_02,
        ),
    )
    .await;
    assert!(r.status());
    let pay = Token::transferCall {
        to: other,
        value: U256::from(250),
    }
    .abi_encode();
    let r = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            4,
            Some(token),
            U256::ZERO,
            pay,
            200_000,
            GWEI_02,
        ),
    )
    .await;
    assert!(r.status());
    let transfer_block = r.block_number.unwrap();
    let balance_of = |who: Address| Token::balanceOfCall { account: who }.abi_encode();
    let out = ok(
        &url,
        "eth_call",
        json!([call_json(me, token, &balance_of(other), U256::ZERO)]),
    )
    .await;
    assert_eq!(U256::from_be_slice(&hex(&out)), U256::from(250));
    // the balance at an earlier block (block tag)
    let out = ok(
        &url,
        "eth_call",
        json!([
            call_json(me, token, &balance_of(other), U256::ZERO),
            format!("{:#x}", transfer_block - 1)
        ]),
    )
    .await;
    assert_eq!(U256::from_be_slice(&hex(&out)), U256::ZERO);
    // too much: error 3, and the data decodes as the custom error
    let too_much = Token::transferCall {
        to: other,
        value: U256::from(10_000),
    }
    .abi_encode();
    let err = rpc(
        &url,
        "eth_call",
        json!([call_json(me, token, &too_much, U256::ZERO)]),
    )
    .await
    .unwrap_err();
    assert_eq!((err.0, err.1.as_str()), (3, "execution reverted"));
    let e = Token::ERC20InsufficientBalance::abi_decode(&hex(&err.2), true).unwrap();
    assert_eq!(
        (e.sender, e.balance, e.needed),
        (me, U256::from(750), U256::from(10_000))
    );
    // a reverted transaction is mined with status 0 and no logs
    let r = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            5,
            Some(token),
            U256::ZERO,
            too_much,
            200_000,
            GWEI_02,
        ),
    )
    .await;
    assert!(!r.status());
    assert!(r.inner.logs().is_empty());

    let all = Filter::new()
        .address(token)
        .event_signature(Token::Transfer::SIGNATURE_HASH)
        .from_block(0);
    let logs = provider.get_logs(&all).await.unwrap();
    assert_eq!(logs.len(), 2);
    let values: Vec<U256> = logs
        .iter()
        .map(|l| Token::Transfer::decode_log(&l.inner, true).unwrap().value)
        .collect();
    assert_eq!(values, vec![U256::from(1_000), U256::from(250)]);
    let to_other = all
        .clone()
        .topic2(B256::left_padding_from(other.as_slice()));
    assert_eq!(provider.get_logs(&to_other).await.unwrap().len(), 1);
    let old = Filter::new()
        .address(token)
        .from_block(0)
        .to_block(transfer_block - 1);
    let n = provider.get_logs(&old).await.unwrap().len();
    assert_eq!(n, 2, "constructor's fee event and the mint");
    let elsewhere = Filter::new().address(Address::repeat_byte(9)).from_block(0);
    assert!(provider.get_logs(&elsewhere).await.unwrap().is_empty());

    // 4. time
    let ts = |b: Value| num(&b["timestamp"]) as u64;
    let t0 = ts(ok(&url, "eth_getBlockByNumber", json!(["latest", false])).await);
    ok(&url, "evm_increaseTime", json!([3600])).await;
    ok(&url, "evm_mine", json!([])).await;
    let t1 = ts(ok(&url, "eth_getBlockByNumber", json!(["latest", false])).await);
    assert!(t1 >= t0 + 3600 && t1 < t0 + 3700, "{t0} -> {t1}");
    ok(
        &url,
        "evm_setNextBlockTimestamp",
        json!([format!("{:#x}", t1 + 86_400)]),
    )
    .await;
    ok(&url, "evm_mine", json!([])).await;
    let latest = ok(&url, "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(ts(latest.clone()), t1 + 86_400);
    let by_hash = ok(&url, "eth_getBlockByHash", json!([latest["hash"], false])).await;
    assert_eq!(by_hash, latest);

    // 5. snapshot and revert
    let head = provider.get_block_number().await.unwrap();
    let snap = ok(&url, "evm_snapshot", json!([])).await;
    let pay = Token::transferCall {
        to: other,
        value: U256::from(5),
    }
    .abi_encode();
    let r = send(
        &url,
        sign_1559(
            &key,
            CHAIN_ID,
            6,
            Some(token),
            U256::ZERO,
            pay,
            200_000,
            GWEI_02,
        ),
    )
    .await;
    assert!(r.status());
    assert_eq!(provider.get_block_number().await.unwrap(), head + 1);
    assert_eq!(ok(&url, "evm_revert", json!([snap])).await, json!(true));
    assert_eq!(provider.get_block_number().await.unwrap(), head);
    assert_eq!(provider.get_transaction_count(me).await.unwrap(), 6);
    let out = ok(
        &url,
        "eth_call",
        json!([call_json(me, token, &balance_of(other), U256::ZERO)]),
    )
    .await;
    assert_eq!(U256::from_be_slice(&hex(&out)), U256::from(250));
    assert_eq!(
        ok(
            &url,
            "eth_getTransactionReceipt",
            json!([r.transaction_hash])
        )
        .await,
        Value::Null
    );
    assert_eq!(ok(&url, "evm_revert", json!([snap])).await, json!(false));

    // anvil_setBalance
    ok(&url, "anvil_setBalance", json!([other, "0x1234"])).await;
    assert_eq!(
        provider.get_balance(other).await.unwrap(),
        U256::from(0x1234)
    );
    node.stop().await.unwrap();
}

fn hex(v: &Value) -> Vec<u8> {
    v.as_str()
        .expect("hex")
        .parse::<Bytes>()
        .expect("hex bytes")
        .to_vec()
}

fn constructor_selector() -> Vec<u8> {
    stylus_runtime::constructor_selector().to_vec()
}
