//! Soak: 2,000 transactions from 4 concurrent clients (ETH transfers and
//! ERC-20 transfers of the system's mock token, each client with up to 16
//! requests in flight): no nonce lost or duplicated, every receipt found, one
//! block per transaction, memory bounded. Prints the throughput.
//!
//! Ignored in the default run (it takes minutes in a debug build);
//! `scripts/node-e2e` runs it against the release binary:
//! `STYLUS_NODE_URL=http://127.0.0.1:PORT STYLUS_NODE_PID=PID cargo test -p
//! stylus-node --test soak -- --ignored --nocapture`. Without these variables
//! it starts a node in-process.

mod common;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{sol, SolCall, SolConstructor};
use common::*;
use serde_json::json;
use std::collections::HashSet;
use std::time::Instant;
use stylus_runtime::arbitrum::ARB_WASM;
use stylus_runtime::{init_code, STYLUS_DEPLOYER};

sol! {
    contract Token {
        constructor(string name, string symbol, uint8 decimals, uint16 feeBps);
        function mint(address to, uint256 amount) external;
        function transfer(address to, uint256 value) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
    }
    interface ArbWasmFee {
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
    }
    interface Deployer {
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    }
}

const CHAIN_ID: u64 = 412_346;
const FEE: u128 = 200_000_000;
const CLIENTS: usize = 4;
const PER_CLIENT: u64 = 500;
const IN_FLIGHT: usize = 16;

fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes in a debug build: scripts/node-e2e runs it against the release node"]
async fn two_thousand_transactions_from_four_clients() {
    let (url, pid, node) = match std::env::var("STYLUS_NODE_URL") {
        Ok(url) => (
            url,
            std::env::var("STYLUS_NODE_PID").unwrap_or_else(|_| "self".into()),
            None,
        ),
        Err(_) => {
            let node = node().await;
            (node.url(), "self".to_string(), Some(node))
        }
    };
    let keys = stylus_node::dev_keys(CLIENTS as u32 + 1).unwrap();
    let admin = keys[0].clone();
    let admin_nonce = num(&ok(
        &url,
        "eth_getTransactionCount",
        json!([admin.address(), "pending"]),
    )
    .await) as u64;

    // the token, through the StylusDeployer, and a balance for each client
    let code = contract_code("mock-erc20");
    let probe = Address::repeat_byte(0x42);
    let ask = ArbWasmFee::activateProgramCall { program: probe }.abi_encode();
    let probed = rpc(&url, "eth_call", json!([{"from": admin.address(), "to": ARB_WASM, "data": alloy_primitives::Bytes::from(ask), "value": "0xde0b6b3a7640000"}, "latest", {probe.to_string(): {"code": alloy_primitives::Bytes::from(code.clone())}}])).await;
    // Against a node where the same program was activated already (scripts/node-e2e deploys
    // it with cargo-stylus first), ArbWasm answers ProgramUpToDate: no data fee is due.
    let fee = match probed {
        Ok(out) => {
            ArbWasmFee::activateProgramCall::abi_decode_returns(
                &out.as_str()
                    .unwrap()
                    .parse::<alloy_primitives::Bytes>()
                    .unwrap(),
                true,
            )
            .unwrap()
            .dataFee
        }
        Err((3, _, data)) if data == json!("0xcc944bf2") => U256::ZERO,
        Err(e) => panic!("activation fee probe failed: {e:?}"),
    };
    let mut ctor = stylus_runtime::constructor_selector().to_vec();
    ctor.extend(
        Token::constructorCall {
            name: "T".into(),
            symbol: "T".into(),
            decimals: 18,
            feeBps: 0,
        }
        .abi_encode(),
    );
    let deploy = Deployer::deployCall {
        bytecode: init_code(&code).into(),
        initData: ctor.into(),
        initValue: U256::ZERO,
        salt: B256::ZERO,
    }
    .abi_encode();
    let deployed = ok(
        &url,
        "eth_sendRawTransaction",
        json!([sign_1559(
            &admin,
            CHAIN_ID,
            admin_nonce,
            Some(STYLUS_DEPLOYER),
            fee,
            deploy,
            10_000_000,
            FEE
        )]),
    )
    .await;
    let token = {
        let r = ok(&url, "eth_getTransactionReceipt", json!([deployed])).await;
        assert_eq!(r["status"], json!("0x1"), "token deployed");
        let data = r["logs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["address"] == json!(STYLUS_DEPLOYER.to_string().to_lowercase()))
            .unwrap()["data"]
            .as_str()
            .unwrap()
            .to_string();
        Address::from_slice(&data.parse::<alloy_primitives::Bytes>().unwrap()[12..32])
    };
    let clients: Vec<_> = keys[1..=CLIENTS].to_vec();
    let base: Vec<u64> = {
        let mut v = Vec::new();
        for c in &clients {
            v.push(num(&ok(
                &url,
                "eth_getTransactionCount",
                json!([c.address(), "pending"]),
            )
            .await) as u64);
        }
        v
    };
    for (i, c) in clients.iter().enumerate() {
        let mint = Token::mintCall {
            to: c.address(),
            amount: U256::from(1_000_000),
        }
        .abi_encode();
        let h = ok(
            &url,
            "eth_sendRawTransaction",
            json!([sign_1559(
                &admin,
                CHAIN_ID,
                admin_nonce + 1 + i as u64,
                Some(token),
                U256::ZERO,
                mint,
                500_000,
                FEE
            )]),
        )
        .await;
        assert_eq!(
            ok(&url, "eth_getTransactionReceipt", json!([h])).await["status"],
            json!("0x1")
        );
    }
    let start_block = num(&ok(&url, "eth_blockNumber", json!([])).await) as u64;
    let rss_before = rss_kib(&pid);

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (ci, key) in clients.iter().cloned().enumerate() {
        let url = url.clone();
        let first = base[ci];
        tasks.spawn(async move {
            let client = reqwest::Client::new();
            let sink = Address::repeat_byte(0x10 + ci as u8);
            let mut hashes = Vec::new();
            let mut nonce = first;
            while nonce < first + PER_CLIENT {
                let mut batch = tokio::task::JoinSet::new();
                for _ in 0..IN_FLIGHT.min((first + PER_CLIENT - nonce) as usize) {
                    let raw = if nonce.is_multiple_of(2) {
                        sign_1559(&key, CHAIN_ID, nonce, Some(sink), U256::from(1), vec![], 21_000, FEE)
                    } else {
                        let pay = Token::transferCall { to: sink, value: U256::from(1) }.abi_encode();
                        sign_1559(&key, CHAIN_ID, nonce, Some(token), U256::ZERO, pay, 300_000, FEE)
                    };
                    let client = client.clone();
                    let url = url.clone();
                    batch.spawn(async move {
                        let body = json!({"jsonrpc": "2.0", "id": nonce, "method": "eth_sendRawTransaction", "params": [raw]});
                        let resp: serde_json::Value = client.post(&url).json(&body).send().await.unwrap().json().await.unwrap();
                        assert!(resp.get("error").is_none(), "nonce {nonce}: {resp}");
                        (nonce, resp["result"].as_str().unwrap().to_string())
                    });
                    nonce += 1;
                }
                while let Some(r) = batch.join_next().await {
                    hashes.push(r.unwrap());
                }
            }
            hashes
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.push(r.unwrap());
    }
    let elapsed = started.elapsed();
    let total = CLIENTS as u64 * PER_CLIENT;
    let rate = total as f64 / elapsed.as_secs_f64();

    // every nonce once, every receipt found and successful, one block each
    // (receipts fetched in JSON-RPC batches of 100)
    let client = reqwest::Client::new();
    let mut seen_hashes = HashSet::new();
    let mut blocks = HashSet::new();
    for (ci, hashes) in all.iter().enumerate() {
        let mut nonces: Vec<u64> = hashes.iter().map(|h| h.0).collect();
        nonces.sort();
        assert_eq!(
            nonces,
            (base[ci]..base[ci] + PER_CLIENT).collect::<Vec<_>>(),
            "client {ci}"
        );
        for chunk in hashes.chunks(100) {
            let batch: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, (_, h))| json!({"jsonrpc": "2.0", "id": i, "method": "eth_getTransactionReceipt", "params": [h]}))
                .collect();
            let answers: Vec<serde_json::Value> = client
                .post(&url)
                .json(&batch)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(answers.len(), chunk.len());
            for a in answers {
                let (_, h) = &chunk[a["id"].as_u64().unwrap() as usize];
                assert!(seen_hashes.insert(h.clone()), "duplicate {h}");
                let r = &a["result"];
                assert_eq!(r["status"], json!("0x1"), "{h}: {a}");
                assert_eq!(r["transactionHash"], json!(h));
                assert!(
                    blocks.insert(num(&r["blockNumber"])),
                    "two transactions in one block"
                );
            }
        }
    }
    for (ci, key) in clients.iter().enumerate() {
        let n = num(&ok(
            &url,
            "eth_getTransactionCount",
            json!([key.address(), "latest"]),
        )
        .await);
        assert_eq!(n as u64, base[ci] + PER_CLIENT, "client {ci}");
    }
    let head = num(&ok(&url, "eth_blockNumber", json!([])).await) as u64;
    assert_eq!(head, start_block + total);
    let rss_after = rss_kib(&pid);
    println!(
        "soak: {total} transactions from {CLIENTS} clients in {:.2} s: {rate:.0} tx/s; RSS {} MiB -> {} MiB",
        elapsed.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024
    );
    // bounded: receipts are kept, state history is capped at 64 blocks
    assert!(
        rss_after < rss_before + 256 * 1024,
        "RSS grew from {rss_before} KiB to {rss_after} KiB"
    );
    if let Some(node) = node {
        node.stop().await.unwrap();
    }
}
