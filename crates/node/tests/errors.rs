//! Every bad input answers its JSON-RPC error code and message and changes
//! nothing; the state file keeps the chain across a restart; interval mining.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use common::*;
use serde_json::{json, Value};
use stylus_node::{start, Config};

const CHAIN_ID: u64 = 412_346;
const FEE: u128 = 200_000_000;

/// What must not change after a refused input.
async fn observe(url: &str, who: &[Address]) -> Vec<Value> {
    let mut out = vec![ok(url, "eth_blockNumber", json!([])).await];
    for a in who {
        out.push(ok(url, "eth_getBalance", json!([a, "latest"])).await);
        out.push(ok(url, "eth_getTransactionCount", json!([a, "pending"])).await);
    }
    out
}

async fn raw_post(url: &str, body: &str) -> Value {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_answer_their_codes_and_change_nothing() {
    let node = node().await;
    let url = node.url();
    let key = node.keys[0].clone();
    let me = key.address();
    let other = node.keys[1].address();
    let one_eth = U256::from(10).pow(U256::from(18));

    // one valid transfer first, so that a nonce is used
    let valid = sign_1559(&key, CHAIN_ID, 0, Some(other), one_eth, vec![], 21_000, FEE);
    let hash = ok(&url, "eth_sendRawTransaction", json!([valid.clone()])).await;
    let receipt = ok(&url, "eth_getTransactionReceipt", json!([hash])).await;
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(receipt["gasUsed"], json!("0x5208"));
    let paid = U256::from(21_000u64) * U256::from(100_000_000u64);
    assert_eq!(
        big(&ok(&url, "eth_getBalance", json!([me, "latest"])).await),
        stylus_node::dev_balance() - one_eth - paid
    );
    let before = observe(&url, &[me, other]).await;

    let expect = |r: Result<Value, (i64, String, Value)>, code: i64, message: &str| {
        let (c, m, _) = r.expect_err(message);
        assert_eq!(c, code, "{m}");
        assert!(
            m.starts_with(message),
            "{m:?} does not start with {message:?}"
        );
    };
    // protocol errors
    expect(
        rpc(&url, "no_such_method", json!([])).await,
        -32601,
        "Method not found",
    );
    let resp = raw_post(&url, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":").await;
    assert_eq!(resp["error"]["code"], json!(-32700));
    expect(
        rpc(&url, "eth_getBalance", json!(["0x12"])).await,
        -32602,
        "invalid params",
    );
    expect(
        rpc(&url, "eth_getBalance", json!([])).await,
        -32602,
        "invalid params",
    );
    expect(
        rpc(&url, "eth_getBlockByNumber", json!(["latest"])).await,
        -32602,
        "invalid params",
    );
    expect(
        rpc(&url, "eth_sendRawTransaction", json!(["0x1234"])).await,
        -32602,
        "failed to decode signed transaction",
    );
    expect(
        rpc(&url, "eth_sendRawTransaction", json!(["zz"])).await,
        -32602,
        "invalid params",
    );

    // transactions refused with geth's messages
    let send = |raw: Bytes| rpc(&url, "eth_sendRawTransaction", json!([raw]));
    expect(send(valid.clone()).await, -32000, "already known");
    expect(
        send(sign_1559(
            &key,
            CHAIN_ID,
            0,
            Some(other),
            U256::from(1),
            vec![],
            21_000,
            FEE,
        ))
        .await,
        -32000,
        "nonce too low: address",
    );
    expect(
        send(sign_1559(
            &key,
            1,
            1,
            Some(other),
            U256::from(1),
            vec![],
            21_000,
            FEE,
        ))
        .await,
        -32000,
        "invalid chain id for signer",
    );
    expect(
        send(sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(other),
            U256::from(1),
            vec![],
            20_999,
            FEE,
        ))
        .await,
        -32000,
        "intrinsic gas too low: have 20999, want 21000",
    );
    expect(
        send(sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(other),
            U256::from(1),
            vec![1; 10],
            21_000,
            FEE,
        ))
        .await,
        -32000,
        "intrinsic gas too low",
    );
    expect(
        send(sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(other),
            stylus_node::dev_balance(),
            vec![],
            21_000,
            FEE,
        ))
        .await,
        -32000,
        "insufficient funds for gas * price + value",
    );
    expect(
        send(sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(other),
            U256::from(1),
            vec![],
            21_000,
            1,
        ))
        .await,
        -32000,
        "max fee per gas less than block base fee",
    );
    let poor = alloy_signer_local::PrivateKeySigner::random();
    expect(
        send(sign_1559(
            &poor,
            CHAIN_ID,
            0,
            Some(other),
            U256::ZERO,
            vec![],
            21_000,
            FEE,
        ))
        .await,
        -32000,
        "insufficient funds for gas * price + value",
    );
    // a creation that is not Stylus init code: mined, status 0, all gas used
    // (that one changes state: it is the last transaction below)
    expect(
        rpc(
            &url,
            "eth_sendTransaction",
            json!([{"from": poor.address(), "to": other}]),
        )
        .await,
        -32000,
        "unknown account",
    );
    expect(
        rpc(&url, "eth_sendTransaction", json!([{"to": other}])).await,
        -32602,
        "missing from",
    );

    // calls
    let call = json!({"from": other, "to": me, "value": format!("{:#x}", stylus_node::dev_balance() * U256::from(2))});
    expect(
        rpc(&url, "eth_call", json!([call])).await,
        -32000,
        "insufficient funds for gas * price + value",
    );
    expect(
        rpc(&url, "eth_call", json!([{"to": me}, "0x99"])).await,
        -32000,
        "header not found",
    );
    let evm_code = json!({ Address::repeat_byte(5).to_string(): {"code": "0x6000"} });
    expect(
        rpc(
            &url,
            "eth_call",
            json!([{"to": Address::repeat_byte(5)}, "latest", evm_code]),
        )
        .await,
        -32602,
        "code override",
    );
    let storage = json!({ Address::repeat_byte(5).to_string(): {"stateDiff": {}} });
    expect(
        rpc(
            &url,
            "eth_call",
            json!([{"to": Address::repeat_byte(5)}, "latest", storage]),
        )
        .await,
        -32602,
        "storage overrides",
    );

    // logs
    expect(
        rpc(
            &url,
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "0x2710"}]),
        )
        .await,
        -32005,
        "query exceeds max block range 10000",
    );
    expect(
        rpc(
            &url,
            "eth_getLogs",
            json!([{"fromBlock": "0x1", "toBlock": "0x0"}]),
        )
        .await,
        -32602,
        "invalid block range params",
    );
    assert_eq!(
        ok(
            &url,
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "0x270f"}])
        )
        .await,
        json!([])
    );

    // test methods
    expect(
        rpc(&url, "evm_setNextBlockTimestamp", json!([1])).await,
        -32602,
        "timestamp 1 is lower",
    );
    expect(
        rpc(&url, "evm_increaseTime", json!(["soon"])).await,
        -32602,
        "invalid quantity",
    );
    assert_eq!(ok(&url, "evm_revert", json!(["0x9"])).await, json!(false));
    expect(
        rpc(&url, "anvil_setBalance", json!([other])).await,
        -32602,
        "invalid params",
    );

    // unknown things are null, not errors
    assert_eq!(
        ok(
            &url,
            "eth_getTransactionReceipt",
            json!([format!("0x{}", "ab".repeat(32))])
        )
        .await,
        Value::Null
    );
    assert_eq!(
        ok(&url, "eth_getBlockByNumber", json!(["0x99", false])).await,
        Value::Null
    );

    // a batch answers each request
    let batch = raw_post(&url, r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"},{"jsonrpc":"2.0","id":3,"method":"net_version"}]"#).await;
    let batch = batch.as_array().expect("batch answer");
    assert_eq!(batch.len(), 3);
    let by_id = |id: i64| batch.iter().find(|r| r["id"] == json!(id)).expect("answer");
    assert_eq!(by_id(1)["result"], json!("0x64aba"));
    assert_eq!(by_id(2)["error"]["code"], json!(-32601));
    assert_eq!(by_id(3)["result"], json!("412346"));

    assert_eq!(observe(&url, &[me, other]).await, before);

    // a creation that is not Stylus init code is mined and fails, burning its gas
    let before_balance = big(&ok(&url, "eth_getBalance", json!([me, "latest"])).await);
    let h = ok(
        &url,
        "eth_sendRawTransaction",
        json!([sign_1559(
            &key,
            CHAIN_ID,
            1,
            None,
            U256::ZERO,
            vec![0x60, 0x00],
            60_000,
            FEE
        )]),
    )
    .await;
    let r = ok(&url, "eth_getTransactionReceipt", json!([h])).await;
    assert_eq!(r["status"], json!("0x0"));
    assert_eq!(r["gasUsed"], json!(format!("{:#x}", 60_000)));
    assert_eq!(r["contractAddress"], Value::Null);
    assert_eq!(
        big(&ok(&url, "eth_getBalance", json!([me, "latest"])).await),
        before_balance - U256::from(60_000u64) * U256::from(100_000_000u64)
    );
    assert_eq!(
        num(&ok(&url, "eth_getTransactionCount", json!([me, "latest"])).await),
        2
    );
    node.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_host_is_refused() {
    let config = Config {
        host: "0.0.0.0".parse().unwrap(),
        port: 0,
        ..Config::default()
    };
    let err = start(config).await.err().expect("refused");
    assert!(err.to_string().contains("loopback addresses only"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_keeps_the_chain_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("stylus-node-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let config = Config {
        port: 0,
        state: Some(path.clone()),
        ..Config::default()
    };
    let node = start(config.clone()).await.unwrap();
    let url = node.url();
    let key = node.keys[0].clone();
    let other = Address::repeat_byte(7);
    let hash = ok(
        &url,
        "eth_sendRawTransaction",
        json!([sign_1559(
            &key,
            CHAIN_ID,
            0,
            Some(other),
            U256::from(5),
            vec![],
            21_000,
            FEE
        )]),
    )
    .await;
    let seen = observe(&url, &[key.address(), other]).await;
    let block = ok(&url, "eth_getBlockByNumber", json!(["latest", true])).await;
    let receipt = ok(&url, "eth_getTransactionReceipt", json!([hash])).await;
    node.stop().await.unwrap();
    assert!(path.exists());

    let node = start(config.clone()).await.unwrap();
    let url = node.url();
    assert_eq!(observe(&url, &[key.address(), other]).await, seen);
    assert_eq!(
        ok(&url, "eth_getBlockByNumber", json!(["latest", true])).await,
        block
    );
    assert_eq!(
        ok(&url, "eth_getTransactionReceipt", json!([hash])).await,
        receipt
    );
    // and it goes on from there
    ok(
        &url,
        "eth_sendRawTransaction",
        json!([sign_1559(
            &key,
            CHAIN_ID,
            1,
            Some(other),
            U256::from(5),
            vec![],
            21_000,
            FEE
        )]),
    )
    .await;
    assert_eq!(
        ok(&url, "eth_getBalance", json!([other, "latest"])).await,
        json!("0xa")
    );
    node.stop().await.unwrap();

    // a state file of another chain is refused
    let err = start(Config {
        chain_id: 1,
        ..config
    })
    .await
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("the state is of chain 412346"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interval_mining_puts_pending_transactions_in_one_block() {
    let node = start(Config {
        port: 0,
        block_time: Some(3),
        ..Config::default()
    })
    .await
    .unwrap();
    let url = node.url();
    let key = node.keys[0].clone();
    let other = Address::repeat_byte(7);
    let mut hashes = Vec::new();
    for nonce in 0..3 {
        let raw = sign_1559(
            &key,
            CHAIN_ID,
            nonce,
            Some(other),
            U256::from(1),
            vec![],
            21_000,
            FEE,
        );
        hashes.push(ok(&url, "eth_sendRawTransaction", json!([raw])).await);
    }
    assert_eq!(
        num(&ok(
            &url,
            "eth_getTransactionCount",
            json!([key.address(), "pending"])
        )
        .await),
        3
    );
    assert_eq!(
        num(&ok(
            &url,
            "eth_getTransactionCount",
            json!([key.address(), "latest"])
        )
        .await),
        0
    );
    let pending = ok(&url, "eth_getTransactionByHash", json!([hashes[0]])).await;
    assert_eq!(pending["blockNumber"], Value::Null);
    let mut receipts = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        receipts.clear();
        for h in &hashes {
            receipts.push(ok(&url, "eth_getTransactionReceipt", json!([h])).await);
        }
        if receipts.iter().all(|r| !r.is_null()) {
            break;
        }
    }
    assert!(receipts.iter().all(|r| !r.is_null()), "mined within 10 s");
    let block = &receipts[0]["blockNumber"];
    assert!(receipts.iter().all(|r| &r["blockNumber"] == block));
    let indexes: Vec<_> = receipts
        .iter()
        .map(|r| num(&r["transactionIndex"]))
        .collect();
    assert_eq!(indexes, vec![0, 1, 2]);
    assert_eq!(num(&receipts[2]["cumulativeGasUsed"]), 63_000);
    node.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_and_eip2930_transactions_are_accepted_unprotected_ones_refused() {
    use alloy_consensus::{SignableTransaction, TxEip2930, TxEnvelope, TxLegacy};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_network::TxSignerSync;
    use alloy_primitives::TxKind;
    let node = node().await;
    let url = node.url();
    let key = node.keys[2].clone();
    let to = Address::repeat_byte(0x33);
    let price = 150_000_000u128;
    let encode = |tx: TxEnvelope| -> Bytes { tx.encoded_2718().into() };

    let mut legacy = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        gas_price: price,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(7),
        input: Bytes::new(),
    };
    let sig = key.sign_transaction_sync(&mut legacy).unwrap();
    let h = ok(
        &url,
        "eth_sendRawTransaction",
        json!([encode(legacy.into_signed(sig).into())]),
    )
    .await;
    let r = ok(&url, "eth_getTransactionReceipt", json!([h])).await;
    assert_eq!(
        (r["status"].clone(), r["type"].clone()),
        (json!("0x1"), json!("0x0"))
    );
    // a legacy transaction pays its gas price
    assert_eq!(num(&r["effectiveGasPrice"]), price);
    let t = ok(&url, "eth_getTransactionByHash", json!([h])).await;
    assert_eq!(t["type"], json!("0x0"));
    assert_eq!(t["from"], json!(key.address().to_string().to_lowercase()));

    let mut eip2930 = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_price: price,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(8),
        input: Bytes::new(),
        access_list: Default::default(),
    };
    let sig = key.sign_transaction_sync(&mut eip2930).unwrap();
    let h = ok(
        &url,
        "eth_sendRawTransaction",
        json!([encode(eip2930.into_signed(sig).into())]),
    )
    .await;
    let r = ok(&url, "eth_getTransactionReceipt", json!([h])).await;
    assert_eq!(
        (r["status"].clone(), r["type"].clone()),
        (json!("0x1"), json!("0x1"))
    );
    assert_eq!(
        ok(&url, "eth_getBalance", json!([to, "latest"])).await,
        json!("0xf")
    );
    let spent = U256::from(2 * 21_000u64) * U256::from(price) + U256::from(15);
    assert_eq!(
        big(&ok(&url, "eth_getBalance", json!([key.address(), "latest"])).await),
        stylus_node::dev_balance() - spent
    );

    // without EIP-155 replay protection: refused, nothing changes
    let before = observe(&url, &[key.address(), to]).await;
    let mut unprotected = TxLegacy {
        chain_id: None,
        nonce: 2,
        gas_price: price,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value: U256::from(1),
        input: Bytes::new(),
    };
    let sig = key.sign_transaction_sync(&mut unprotected).unwrap();
    let err = rpc(
        &url,
        "eth_sendRawTransaction",
        json!([encode(unprotected.into_signed(sig).into())]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.0, err.1.as_str()),
        (
            -32000,
            "only replay-protected (EIP-155) transactions allowed over RPC"
        )
    );
    assert_eq!(observe(&url, &[key.address(), to]).await, before);

    // eth_sendTransaction with a gas price builds a legacy transaction, without one EIP-1559
    let h = ok(
        &url,
        "eth_sendTransaction",
        json!([{"from": key.address(), "to": to, "value": "0x1", "gasPrice": "0x8f0d180"}]),
    )
    .await;
    assert_eq!(
        ok(&url, "eth_getTransactionByHash", json!([h])).await["type"],
        json!("0x0")
    );
    let h = ok(
        &url,
        "eth_sendTransaction",
        json!([{"from": key.address(), "to": to, "value": "0x1"}]),
    )
    .await;
    assert_eq!(
        ok(&url, "eth_getTransactionByHash", json!([h])).await["type"],
        json!("0x2")
    );
    assert_eq!(
        ok(&url, "eth_getBalance", json!([to, "latest"])).await,
        json!("0x11")
    );
    node.stop().await.unwrap();
}
