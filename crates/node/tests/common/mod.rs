//! Shared helpers of the node's integration tests: an in-process node on a
//! free loopback port, raw JSON-RPC, signing, and the Stylus code format.
#![allow(dead_code)]

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Value};
use stylus_node::{start, Config, Node};

/// Starts a node on a free loopback port.
pub async fn node() -> Node {
    start(Config {
        port: 0,
        ..Config::default()
    })
    .await
    .expect("node starts")
}

/// One JSON-RPC call: `Ok(result)` or `Err((code, message, data))`.
pub async fn rpc(url: &str, method: &str, params: Value) -> Result<Value, (i64, String, Value)> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp: Value = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("JSON answer");
    match resp.get("error") {
        Some(e) => Err((
            e["code"].as_i64().expect("code"),
            e["message"].as_str().expect("message").to_string(),
            e.get("data").cloned().unwrap_or(Value::Null),
        )),
        None => Ok(resp["result"].clone()),
    }
}

/// `rpc` that must succeed.
pub async fn ok(url: &str, method: &str, params: Value) -> Value {
    match rpc(url, method, params.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{method} {params} failed: {e:?}"),
    }
}

/// A quantity answer as u128.
pub fn num(v: &Value) -> u128 {
    let s = v.as_str().expect("hex string");
    u128::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex quantity")
}

/// A quantity answer as U256.
pub fn big(v: &Value) -> U256 {
    v.as_str()
        .expect("hex string")
        .parse()
        .expect("hex quantity")
}

/// Deployed code as cargo-stylus writes it: `EFF00000` and the
/// brotli-compressed WASM (`wasm_check::stylus_code`).
pub fn stylus_code(wasm: &[u8]) -> Vec<u8> {
    wasm_check::stylus_code(wasm).expect("compress")
}

/// The system contract's WASM, compressed and ready to deploy.
pub fn contract_code(package: &str) -> Vec<u8> {
    stylus_code(&stylus_runtime::read_wasm(package).expect("run scripts/build-wasm first"))
}

/// Signs an EIP-1559 transaction.
#[allow(clippy::too_many_arguments)]
pub fn sign_1559(
    key: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Option<Address>,
    value: U256,
    input: Vec<u8>,
    gas_limit: u64,
    max_fee: u128,
) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: 0,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value,
        access_list: Default::default(),
        input: input.into(),
    };
    let sig = key.sign_transaction_sync(&mut tx).expect("sign");
    TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into()
}
