//! The harness of the keeper's end-to-end test: the local node in process, the system deployed
//! by the `clearing` tool's library, traders that deposit and trade through signed orders, the
//! keeper binary as a child process, its metrics, and a loopback JSON-RPC proxy that fails one
//! request in five.
#![allow(dead_code)]

use alloy_primitives::{Address, Bytes, B256, I256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use clap::Parser;
use clearing_cli::abi::*;
use clearing_cli::manifest::Manifest;
use clearing_cli::rpc::Chain;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const WAD: u128 = 1_000_000_000_000_000_000;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn hex_key(k: &PrivateKeySigner) -> String {
    format!("0x{}", alloy_primitives::hex::encode(k.to_bytes()))
}

pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("keeper-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn wad(x: i128) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

pub fn uwad(x: u128) -> U256 {
    U256::from(x) * U256::from(WAD)
}

/// Deploys the example config (with `edit` applied) by the `clearing` tool's library.
pub async fn deploy(
    url: &str,
    key: &PrivateKeySigner,
    dir: &Path,
    edit: impl Fn(String) -> String,
) -> Manifest {
    let text = std::fs::read_to_string(repo().join("deploy/local.toml")).unwrap();
    let cfg = dir.join("deploy.toml");
    std::fs::write(&cfg, edit(text)).unwrap();
    let out = dir.join("manifest.json");
    let wasm = repo().join("target/stylus");
    let cli = clearing_cli::Cli::try_parse_from([
        "clearing",
        "--rpc-url",
        url,
        "--private-key",
        &hex_key(key),
        "deploy",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--wasm-dir",
        wasm.to_str().unwrap(),
    ])
    .unwrap();
    let mut log = Vec::new();
    clearing_cli::run(cli, None, &mut log)
        .await
        .unwrap_or_else(|e| panic!("deploy: {e}\n{}", String::from_utf8_lossy(&log)));
    Manifest::load(&out).unwrap()
}

/// The system as the test drives it.
pub struct Sys {
    pub url: String,
    pub m: Manifest,
    pub reader: Chain,
    pub admin: PrivateKeySigner,
    pub matcher: PrivateKeySigner,
    pub guardian: PrivateKeySigner,
    pub usdc: Address,
    pub weth: Address,
    pub order_nonce: AtomicU64,
    senders:
        std::sync::Mutex<std::collections::HashMap<Address, Arc<clearing_keeper::sender::Sender>>>,
}

impl Sys {
    pub fn new(url: &str, m: Manifest, keys: &[PrivateKeySigner]) -> Self {
        Self {
            url: url.to_string(),
            usdc: m.address("token:USDC").unwrap(),
            weth: m.address("token:WETH").unwrap(),
            m,
            reader: Chain::connect(url, None).unwrap(),
            admin: keys[0].clone(),
            matcher: keys[1].clone(),
            guardian: keys[2].clone(),
            order_nonce: AtomicU64::new(1),
            senders: std::sync::Mutex::default(),
        }
    }

    pub fn at(&self, name: &str) -> Address {
        self.m.address(name).unwrap()
    }

    /// Sends `call` to `to` from `key` with the keeper's sender (nonces kept per key, no gas
    /// estimate: half the work of a filled transaction); panics on failure, naming a revert.
    pub async fn send<C: SolCall>(&self, key: &PrivateKeySigner, to: Address, call: &C) {
        let sender = {
            let mut senders = self.senders.lock().unwrap();
            senders
                .entry(key.address())
                .or_insert_with(|| {
                    let mut chain = Chain::connect(&self.url, None).unwrap();
                    chain.from = Some(key.address());
                    let policy =
                        clearing_keeper::config::Policy::parse("native_price = \"1\"").unwrap();
                    Arc::new(clearing_keeper::sender::Sender::new(
                        chain,
                        key.clone(),
                        412_346,
                        &policy,
                    ))
                })
                .clone()
        };
        let metrics = clearing_keeper::metrics::Metrics::default();
        let r = sender
            .send(
                &metrics,
                C::SIGNATURE,
                to,
                call.abi_encode(),
                30_000_000,
                100_000_000,
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", C::SIGNATURE));
        if !r.status() {
            let mut c = self.reader.clone();
            c.from = Some(key.address());
            let why = c.call_raw(to, call.abi_encode(), U256::ZERO, None).await;
            panic!("{} reverted: {why:?}", C::SIGNATURE);
        }
    }

    /// Mints `amount` whole USDC to `who`, approves the vault and deposits into `sub`.
    pub async fn fund(&self, who: &PrivateKeySigner, sub: u8, usdc: u128) {
        let amount = U256::from(usdc) * U256::from(1_000_000u64);
        self.deposit(who, sub, self.usdc, amount).await;
    }

    /// Mints `amount` (token units) of `token` to `who`, approves the vault and deposits it.
    pub async fn deposit(&self, who: &PrivateKeySigner, sub: u8, token: Address, amount: U256) {
        let vault = self.at("CollateralVault");
        self.send(
            who,
            token,
            &Token::mintCall {
                to: who.address(),
                amount,
            },
        )
        .await;
        self.send(
            who,
            token,
            &Token::approveCall {
                spender: vault,
                value: amount,
            },
        )
        .await;
        self.send(
            who,
            vault,
            &Vault::depositCall {
                subaccount: sub,
                asset: token,
                amount,
            },
        )
        .await;
    }

    pub async fn now(&self) -> u64 {
        self.reader.latest().await.unwrap().1
    }

    pub async fn block(&self) -> u64 {
        self.reader.latest().await.unwrap().0
    }

    async fn order(
        &self,
        who: &PrivateKeySigner,
        market: u32,
        size: I256,
        price: U256,
    ) -> (Exchange::Order, Bytes) {
        let o = Exchange::Order {
            account: clearing_core::encode_account(who.address(), 0),
            market,
            size,
            limitPrice: price,
            expiry: self.now().await + 86_400 * 30,
            nonce: self.order_nonce.fetch_add(1, Ordering::SeqCst),
            reduceOnly: false,
        };
        let digest = self
            .reader
            .view(
                self.at("Exchange"),
                &Exchange::orderDigestCall { order: o.clone() },
            )
            .await
            .unwrap()
            .digest;
        let sig = who.sign_hash_sync(&digest).unwrap();
        (o, Bytes::from(sig.as_bytes().to_vec()))
    }

    /// `long` buys `eth` ETH (WAD size) of the perp from `short` at `price` dollars.
    pub async fn trade(
        &self,
        long: &PrivateKeySigner,
        short: &PrivateKeySigner,
        eth: I256,
        price: u128,
    ) {
        self.trade_in(0, long, short, eth, uwad(price)).await;
    }

    /// `long` buys `size` (WAD) in `market` (a perp, or an option series from 2^31) from
    /// `short` at `price` (WAD quote: the price, or the premium per contract).
    pub async fn trade_in(
        &self,
        market: u32,
        long: &PrivateKeySigner,
        short: &PrivateKeySigner,
        size: I256,
        price: U256,
    ) {
        let (eth, p) = (size, price);
        let (maker, ms) = self.order(short, market, -eth, p).await;
        let (taker, ts) = self.order(long, market, eth, p).await;
        self.send(
            &self.matcher,
            self.at("Exchange"),
            &Exchange::settleFillCall {
                maker,
                makerSig: ms,
                taker,
                takerSig: ts,
                fillSize: eth.unsigned_abs(),
            },
        )
        .await;
    }

    /// Fresh rounds of both feeds at the latest block time (WETH at `eth` dollars).
    pub async fn set_prices(&self, eth: i128) {
        let now = U256::from(self.now().await);
        for (feed, answer) in [
            ("feed:USDC", 100_000_000i128),
            ("feed:WETH", eth * 100_000_000),
        ] {
            self.send(
                &self.admin,
                self.at(feed),
                &Feed::setAnswerCall {
                    answer: I256::try_from(answer).unwrap(),
                    updatedAt: now,
                },
            )
            .await;
        }
    }

    pub async fn health(&self, who: &PrivateKeySigner) -> (I256, U256, U256) {
        let h = self
            .reader
            .view(
                self.at("MarginEngine"),
                &Margin::healthCall {
                    account: clearing_core::encode_account(who.address(), 0),
                },
            )
            .await
            .unwrap();
        (h.equity, h.maintenance, h.initial)
    }

    pub async fn position(&self, who: &PrivateKeySigner) -> I256 {
        self.reader
            .view(
                self.at("Clearinghouse"),
                &Ledger::positionCall {
                    account: clearing_core::encode_account(who.address(), 0),
                    market: 0,
                },
            )
            .await
            .unwrap()
            .size
    }

    /// `(account, liquidator)` of every `Liquidated` event so far.
    pub async fn liquidations(&self) -> Vec<(B256, B256)> {
        self.events(
            self.at("Liquidator"),
            Liquidator::Liquidated::SIGNATURE_HASH,
        )
        .await
        .into_iter()
        .map(|l| (l.topics()[1], l.topics()[2]))
        .collect()
    }

    /// The accounts of every `CollateralLiquidated` event so far.
    pub async fn collateral_sales(&self) -> Vec<B256> {
        self.events(
            self.at("Backstop"),
            Backstop::CollateralLiquidated::SIGNATURE_HASH,
        )
        .await
        .into_iter()
        .map(|l| l.topics()[1])
        .collect()
    }

    pub async fn bad_debts(&self) -> Vec<B256> {
        self.events(
            self.at("Backstop"),
            Backstop::BadDebtSettled::SIGNATURE_HASH,
        )
        .await
        .into_iter()
        .map(|l| l.topics()[1])
        .collect()
    }

    async fn events(&self, at: Address, sig: B256) -> Vec<alloy_rpc_types_eth::Log> {
        let f = alloy_rpc_types_eth::Filter::new()
            .address(at)
            .event_signature(sig)
            .from_block(0u64)
            .to_block(self.block().await);
        self.reader.logs(&f).await.unwrap()
    }

    pub async fn rpc(&self, method: &'static str, params: serde_json::Value) -> serde_json::Value {
        use alloy_provider::Provider;
        self.reader
            .provider
            .raw_request::<_, serde_json::Value>(method.into(), params)
            .await
            .unwrap()
    }

    /// Moves time forward by `secs` (a block is mined) and refreshes the feeds.
    pub async fn advance(&self, secs: u64, eth: i128) {
        self.rpc("evm_increaseTime", serde_json::json!([secs]))
            .await;
        self.rpc("evm_mine", serde_json::json!([])).await;
        self.set_prices(eth).await;
    }
}

use alloy_sol_types::SolEvent;

pub fn account(who: &PrivateKeySigner) -> B256 {
    clearing_core::encode_account(who.address(), 0)
}

/// A keeper process.
pub struct Keeper {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes a test policy (fast rounds, quick re-sends) with `checkpoint`.
pub fn policy(dir: &Path, name: &str, checkpoint: &Path) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            r#"poll_interval = "200ms"
maintenance_interval = "1s"
retry_refused_after = "2s"
min_profit = "1"
max_gas_price_gwei = "1"
native_asset = "WETH"
checkpoint = "{}"
log_range = 100000
batch_size = 4
max_concurrent = 3
[account]
subaccount = 1
min_free_margin = "100"
[retry]
attempts = 10
base_delay = "20ms"
max_delay = "200ms"
[transactions]
resend_after = "1s"
receipt_timeout = "30s"
"#,
            checkpoint.display()
        ),
    )
    .unwrap();
    p
}

impl Keeper {
    pub fn start(
        url: &str,
        manifest: &Path,
        config: &Path,
        key: &PrivateKeySigner,
        log: PathBuf,
    ) -> Self {
        let port = free_port();
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_keeper"))
            .args(["--rpc-url", url, "--manifest"])
            .arg(manifest)
            .arg("--config")
            .arg(config)
            .args(["--metrics-port", &port.to_string()])
            .env("CLEARING_PRIVATE_KEY", hex_key(key))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap();
        Self { child, port, log }
    }

    /// One metric's value (None while the keeper is not serving yet).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).await.ok()?;
        body.lines().find_map(|l| {
            l.strip_prefix(&format!("{name} "))
                .and_then(|v| v.trim().parse().ok())
        })
    }

    /// Waits until metric `name` satisfies `ok`, at most `secs`.
    pub async fn wait_metric(&self, name: &str, secs: u64, ok: impl Fn(f64) -> bool) -> f64 {
        let start = Instant::now();
        loop {
            if let Some(v) = self.metric(name).await {
                if ok(v) {
                    return v;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "{name} did not get there in {secs} s (last {:?}); log:\n{}",
                self.metric(name).await,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit code.
    pub fn stop(mut self) -> i32 {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!(
                    "the keeper did not stop on SIGTERM; log:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and return the answer.
    Pass,
    /// Fail it without forwarding (HTTP 503).
    Before,
    /// Forward it, then lose the answer (HTTP 502).
    After,
}

/// Decides each request's fate from its number (from 0) and whether it sends a transaction.
pub type Faults = Arc<dyn Fn(u64, bool) -> Fault + Send + Sync>;

/// A loopback HTTP proxy to `upstream` that fails every fifth request: a transaction is
/// forwarded first and its answer lost (the keeper must find it mined or re-send it), any other
/// request fails without reaching the node. Returns its URL and the count of failures.
pub async fn flaky_proxy(upstream: String) -> (String, Arc<AtomicU64>) {
    proxy(
        upstream,
        Arc::new(|n, tx| match (n % 5 == 4, tx) {
            (false, _) => Fault::Pass,
            (true, true) => Fault::After,
            (true, false) => Fault::Before,
        }),
    )
    .await
}

/// A loopback HTTP proxy to `upstream` with `faults`; returns its URL and the count of failures.
pub async fn proxy(upstream: String, faults: Faults) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let client = reqwest::Client::new();
    let f = failed.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                continue;
            };
            let (count, failed, client, upstream, faults) = (
                count.clone(),
                f.clone(),
                client.clone(),
                upstream.clone(),
                faults.clone(),
            );
            tokio::spawn(async move {
                let _ = serve(sock, count, failed, client, upstream, faults).await;
            });
        }
    });
    (url, failed)
}

async fn serve(
    mut sock: TcpStream,
    count: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    client: reqwest::Client,
    upstream: String,
    faults: Faults,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        // One request: headers, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[head_end..head_end + len].to_vec();
        buf.drain(..head_end + len);
        let is_tx = String::from_utf8_lossy(&body).contains("eth_sendRawTransaction");
        if let Some(refusal) = narrow_logs(&body) {
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{refusal}",
                refusal.len()
            );
            sock.write_all(resp.as_bytes()).await?;
            continue;
        }
        let fault = faults(count.fetch_add(1, Ordering::SeqCst), is_tx);
        if fault == Fault::Before {
            failed.fetch_add(1, Ordering::SeqCst);
            let msg = "injected failure";
            let resp = format!("HTTP/1.1 503 Service Unavailable\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}", msg.len());
            sock.write_all(resp.as_bytes()).await?;
            return Ok(());
        }
        let answer = client
            .post(&upstream)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(std::io::Error::other)?
            .bytes()
            .await
            .map_err(std::io::Error::other)?;
        if fault == Fault::After {
            // The request reached the node; its answer is lost.
            failed.fetch_add(1, Ordering::SeqCst);
            let msg = "injected failure after forwarding";
            let resp = format!(
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
                msg.len()
            );
            sock.write_all(resp.as_bytes()).await?;
            return Ok(());
        }
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        sock.write_all(resp.as_bytes()).await?;
        sock.write_all(&answer).await?;
    }
}

/// The proxy's own log range limit, stricter than the node's (as many providers are).
pub const PROXY_LOG_RANGE: u64 = 50;

/// A JSON-RPC error for an `eth_getLogs` over more than [`PROXY_LOG_RANGE`] blocks.
fn narrow_logs(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if v["method"] != "eth_getLogs" {
        return None;
    }
    let block = |k: &str| {
        v["params"][0][k]
            .as_str()
            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
    };
    let (from, to) = (block("fromBlock")?, block("toBlock")?);
    (to.saturating_sub(from) >= PROXY_LOG_RANGE).then(|| {
        serde_json::json!({"jsonrpc": "2.0", "id": v["id"], "error": {"code": -32005, "message": format!("query exceeds max block range {PROXY_LOG_RANGE}")}}).to_string()
    })
}
