//! `stylus-node`: a local Ethereum JSON-RPC node on the project's offline
//! Stylus runtime, so that wallets, alloy, viem/ethers and cargo-stylus talk
//! to the real contracts as they would to a chain.
//!
//! The node serves [`stylus_runtime::Runtime`] over HTTP JSON-RPC
//! (jsonrpsee): blocks, balances, nonces, code and storage, `eth_call` with
//! code and balance overrides, `eth_estimateGas`, signed legacy / EIP-2930 /
//! EIP-1559 transactions, receipts with logs, `eth_getLogs`, and anvil-style
//! test methods. Arbitrum's `ArbWasm`, `ArbSys` and the `StylusDeployer` are
//! implemented natively in the runtime (`stylus_runtime::arbitrum`); a program
//! runs only once activated. Dev accounts come from anvil's well-known test
//! mnemonic ([`DEV_MNEMONIC`]).

pub mod chain;
pub mod error;
pub mod rpc;

use alloy_primitives::{Address, U256};
use alloy_signer_local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner};
use chain::Chain;
use jsonrpsee::server::{Server, ServerHandle};
use rpc::Ctx;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The dev accounts' mnemonic: anvil's and hardhat's well-known test
/// mnemonic, derived at `m/44'/60'/0'/0/i`. Never use these keys elsewhere.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Balance of each dev account at genesis: 10,000 ETH.
pub fn dev_balance() -> U256 {
    U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18))
}

/// How the node runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Loopback address to listen on.
    pub host: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Chain id.
    pub chain_id: u64,
    /// Seconds between blocks; `None` mines one block per transaction.
    pub block_time: Option<u64>,
    /// State file, loaded at start when present and written at shutdown.
    pub state: Option<PathBuf>,
    /// Number of dev accounts.
    pub accounts: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8547,
            chain_id: 412_346,
            block_time: None,
            state: None,
            accounts: 10,
        }
    }
}

/// Why the node could not start.
#[derive(Debug)]
pub enum StartError {
    /// The host is not a loopback address.
    NotLoopback(IpAddr),
    /// The dev keys could not be derived.
    Keys(String),
    /// The state file could not be read.
    State(String),
    /// The server could not bind.
    Bind(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoopback(ip) => write!(
                f,
                "refusing to listen on {ip}: the node serves funded dev keys and listens on loopback addresses only (127.0.0.0/8 or ::1)"
            ),
            Self::Keys(e) => write!(f, "cannot derive the dev keys: {e}"),
            Self::State(e) => write!(f, "cannot load the state file: {e}"),
            Self::Bind(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// The dev keys: the first `n` of [`DEV_MNEMONIC`].
///
/// # Errors
/// The derivation error (not expected for the fixed mnemonic).
pub fn dev_keys(n: u32) -> Result<Vec<PrivateKeySigner>, String> {
    (0..n)
        .map(|i| {
            MnemonicBuilder::<English>::default()
                .phrase(DEV_MNEMONIC)
                .index(i)
                .and_then(|b| b.build())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// A running node.
pub struct Node {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The dev keys.
    pub keys: Vec<PrivateKeySigner>,
    ctx: Arc<Ctx>,
    handle: ServerHandle,
    miner: Option<tokio::task::JoinHandle<()>>,
    state: Option<PathBuf>,
}

impl Node {
    /// The HTTP URL of the node.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and writes the state file if one was given.
    ///
    /// # Errors
    /// The state file could not be written.
    pub async fn stop(self) -> Result<(), String> {
        if let Some(m) = &self.miner {
            m.abort();
        }
        let _ = self.handle.stop();
        self.handle.stopped().await;
        if let Some(path) = &self.state {
            self.ctx.lock().save(path)?;
            tracing::info!(path = %path.display(), "state written");
        }
        Ok(())
    }
}

/// Starts the node on a tokio runtime.
///
/// # Errors
/// [`StartError`]: a non-loopback host, an unreadable state file, or a port
/// that cannot be bound.
pub async fn start(config: Config) -> Result<Node, StartError> {
    if !config.host.is_loopback() {
        return Err(StartError::NotLoopback(config.host));
    }
    let keys = dev_keys(config.accounts).map_err(StartError::Keys)?;
    let instant = config.block_time.is_none();
    let chain = match &config.state {
        Some(path) if path.exists() => {
            Chain::load(path, config.chain_id, instant).map_err(StartError::State)?
        }
        _ => {
            let funded: Vec<(Address, U256)> =
                keys.iter().map(|k| (k.address(), dev_balance())).collect();
            Chain::new(config.chain_id, &funded, instant)
        }
    };
    let ctx = Arc::new(Ctx {
        chain: std::sync::Mutex::new(chain),
        dev: keys.clone(),
    });
    // browsers' dApps call a local node from their own origin: answer CORS like anvil
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods(tower_http::cors::Any)
        .allow_headers(tower_http::cors::Any);
    let server = Server::builder()
        .set_http_middleware(tower::ServiceBuilder::new().layer(cors))
        .max_request_body_size(32 * 1024 * 1024)
        .max_response_body_size(64 * 1024 * 1024)
        .build(SocketAddr::new(config.host, config.port))
        .await
        .map_err(StartError::Bind)?;
    let addr = server.local_addr().map_err(StartError::Bind)?;
    let handle = server.start(rpc::module(ctx.clone()));
    let miner = config.block_time.map(|secs| {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(secs.max(1)));
            tick.tick().await;
            loop {
                tick.tick().await;
                let ctx = ctx.clone();
                let _ = tokio::task::spawn_blocking(move || ctx.lock().mine_now()).await;
            }
        })
    });
    Ok(Node {
        addr,
        keys,
        ctx,
        handle,
        miner,
        state: config.state,
    })
}
