//! `stylus-node`: see the crate documentation and the README's "Local node".

use clap::Parser;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use stylus_node::{start, Config, DEV_MNEMONIC};

/// A local Stylus JSON-RPC node on the project's offline runtime.
#[derive(Parser, Debug)]
#[command(name = "stylus-node", version)]
struct Cli {
    /// Loopback address to listen on (non-loopback addresses are refused).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 8547)]
    port: u16,
    /// Chain id.
    #[arg(long, default_value_t = 412_346)]
    chain_id: u64,
    /// Mine a block every N seconds instead of one block per transaction.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    block_time: Option<u64>,
    /// State file: loaded at start when it exists, written on exit.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Number of funded dev accounts.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    accounts: u32,
    /// Print the startup information as one JSON line.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config {
        host: cli.host,
        port: cli.port,
        chain_id: cli.chain_id,
        block_time: cli.block_time,
        state: cli.state,
        accounts: cli.accounts,
    };
    let node = match start(config.clone()).await {
        Ok(n) => n,
        Err(e) => {
            eprintln!("stylus-node: {e}");
            return ExitCode::from(2);
        }
    };
    let accounts: Vec<_> = node
        .keys
        .iter()
        .map(|k| {
            (
                k.address(),
                alloy_primitives::hex::encode_prefixed(k.to_bytes()),
            )
        })
        .collect();
    if cli.json {
        let info = serde_json::json!({
            "url": node.url(),
            "chainId": config.chain_id,
            "mnemonic": DEV_MNEMONIC,
            "accounts": accounts.iter().map(|(a, k)| serde_json::json!({"address": a, "privateKey": k})).collect::<Vec<_>>(),
        });
        println!("{info}");
    } else {
        println!("stylus-node listening on {}", node.url());
        println!("chain id {}", config.chain_id);
        println!("mnemonic: {DEV_MNEMONIC} (m/44'/60'/0'/0/i)");
        println!("dev accounts (10,000 ETH each at genesis):");
        for (i, (a, k)) in accounts.iter().enumerate() {
            println!("  ({i}) {a}  key {k}");
        }
    }
    tracing::info!(url = %node.url(), "ready");
    let stop = async {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return tokio::signal::ctrl_c().await.unwrap_or(()),
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    };
    stop.await;
    tracing::info!("shutting down");
    match node.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stylus-node: {e}");
            ExitCode::FAILURE
        }
    }
}
