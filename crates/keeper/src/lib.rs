//! `keeper`: the clearing system's liquidation and maintenance bot (DESIGN sections 8 and 14).
//!
//! A long-running process on one RPC endpoint and one key. Each round it finds accounts from the
//! contracts' events (resuming from a checkpoint file), reads every account's health in batched
//! views, ranks the unhealthy by shortfall, reads the circuit breaker, and liquidates positions,
//! sells collateral of accounts in quote debt and settles bad debt, each call simulated first and
//! sent only when it pays; every maintenance interval it folds new oracle rounds into the EWMA,
//! steps haircut ramps, records the breaker's references and accrues the quote money market.
//! It reuses the `clearing` tool's library for the manifest, the key, the RPC connection, the
//! ABI bindings and the exit codes, and `clearing-core` for every protocol rule.
//!
//! Exit codes (as the `clearing` tool's): 0 stopped cleanly (SIGINT/SIGTERM, or `--once` done);
//! 2 bad input (arguments, policy, manifest, key, checkpoint); 3 refused before sending (an
//! unfinished deployment, or the node's chain or code disagrees with the manifest); 5 the RPC endpoint failed at start (or in a
//! `--once` round); 6 a transaction reverted in a `--once` round.

pub mod checkpoint;
pub mod config;
pub mod context;
pub mod discovery;
pub mod duties;
pub mod health;
pub mod maintenance;
pub mod metrics;
pub mod policy;
pub mod retry;
pub mod round;
pub mod sender;

use clap::Parser;
use clearing_cli::error::{CliError, Result};
use clearing_cli::manifest::Manifest;
use clearing_cli::rpc::Chain;
use clearing_cli::KeyArgs;
use config::Policy;
use context::{Addrs, Ctx, NativePrice};
use metrics::Metrics;
use round::Discovery;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// Liquidates unhealthy accounts and keeps the clearing system's oracles, haircuts, breaker and
/// interest up to date.
#[derive(Debug, Parser)]
#[command(
    name = "keeper",
    version,
    after_help = "Exit codes: 0 stopped cleanly; 2 bad input; 3 refused before sending (unfinished deployment, chain or code disagrees with the manifest); 5 RPC failure; 6 reverted (--once).\n\nLogs go to stderr (RUST_LOG=debug for more); counters are served at http://127.0.0.1:<metrics_port>/metrics.\n\nExample:\n  keeper --rpc-url http://127.0.0.1:8547 --manifest deploy/local.json --config deploy/keeper.toml --key 0x..."
)]
pub struct Args {
    /// The JSON-RPC endpoint.
    #[arg(
        long,
        env = "CLEARING_RPC_URL",
        default_value = "http://127.0.0.1:8547"
    )]
    pub rpc_url: String,
    /// The deployment manifest (`clearing deploy --out`).
    #[arg(long)]
    pub manifest: PathBuf,
    /// The keeper's policy (TOML; see deploy/keeper.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// The checkpoint file (else the policy's `checkpoint`).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// The metrics port on 127.0.0.1 (else the policy's `metrics_port`; 0 picks a free one).
    #[arg(long)]
    pub metrics_port: Option<u16>,
    /// Run one round (with maintenance) and exit: 0, or 6 when a transaction reverted.
    #[arg(long)]
    pub once: bool,
    /// With `--once`: print the round's summary as JSON on stdout (else as a line of text).
    #[arg(long, requires = "once")]
    pub json: bool,
    /// The keeper's key: `--key`/`--private-key`, `$CLEARING_PRIVATE_KEY` or `--keystore`.
    #[command(flatten)]
    pub key: KeyArgs,
}

/// Starts the keeper: checks its inputs and the chain, then runs rounds until `stop` turns true
/// (the binary wires it to SIGINT and SIGTERM).
///
/// # Errors
/// [`CliError::Usage`] for bad input; [`CliError::Refused`] when the node's chain id or code
/// disagrees with the manifest; [`CliError::Rpc`] when the node cannot be reached at start (or
/// fails a `--once` round); [`CliError::Reverted`] when a `--once` round saw a revert.
pub async fn run(args: Args, stop: watch::Receiver<bool>) -> Result<()> {
    let mut policy = Policy::load(&args.config)?;
    if let Some(c) = args.checkpoint {
        policy.checkpoint = c;
    }
    if args.metrics_port.is_some() {
        policy.metrics_port = args.metrics_port;
    }
    let manifest = Manifest::load(&args.manifest)?;
    if !manifest.complete {
        return Err(CliError::Refused(format!(
            "the deployment in {} is not complete: finish it with `clearing deploy` first (nothing was sent)",
            args.manifest.display()
        )));
    }
    let signer = args.key.signer()?.ok_or_else(|| {
        CliError::Usage(
            "the keeper sends transactions: give its key with --key, $CLEARING_PRIVATE_KEY or --keystore".into(),
        )
    })?;
    let addrs = Addrs::from_manifest(&manifest)?;
    let native = match (&policy.native_price, &policy.native_asset) {
        (Some(p), _) => NativePrice::Fixed(*p),
        (None, Some(sym)) => NativePrice::Oracle(manifest.asset(sym)?),
        (None, None) => return Err(CliError::Usage("no native price source".into())),
    };
    let mut chain = Chain::connect(&args.rpc_url, None)?;
    chain.from = Some(signer.address());
    let metrics = Arc::new(Metrics::default());
    let chain_id = retry::retry(&policy.retry, &metrics, "eth_chainId", || chain.chain_id())
        .await
        .map_err(|e| CliError::Rpc(format!("cannot reach {}: {e}", args.rpc_url)))?;
    if chain_id != manifest.chain_id {
        return Err(CliError::Refused(format!(
            "wrong chain: the node answers chain id {chain_id}, the manifest is for {} (nothing was sent)",
            manifest.chain_id
        )));
    }
    let code = retry::retry(&policy.retry, &metrics, "eth_getCode", || {
        chain.code(addrs.liquidator)
    })
    .await?;
    if code.is_empty() {
        return Err(CliError::Refused(format!(
            "no contract at the manifest's Liquidator {} on this chain (nothing was sent)",
            addrs.liquidator
        )));
    }
    let checkpoint = match checkpoint::Checkpoint::load(&policy.checkpoint, chain_id, addrs.vault)?
    {
        Some(c) => {
            tracing::info!(path = %policy.checkpoint.display(), from_block = c.next_block, accounts = c.accounts.len(), "resuming from the checkpoint");
            c
        }
        None => {
            let first = manifest.first_block();
            tracing::info!(path = %policy.checkpoint.display(), from_block = first, "no checkpoint: scanning from the deployment");
            checkpoint::Checkpoint::fresh(chain_id, addrs.vault, first)
        }
    };
    metrics
        .scan_start_block
        .store(checkpoint.next_block, Ordering::Relaxed);
    if let Some(port) = policy.metrics_port {
        let at = metrics::serve(metrics.clone(), port).await?;
        tracing::info!(%at, "metrics at http://{at}/metrics");
    }
    let me = clearing_core::encode_account(signer.address(), policy.subaccount);
    let sender = sender::Sender::new(chain.clone(), signer, chain_id, &policy);
    tracing::info!(keeper = %sender.address(), account = %me, rpc = %args.rpc_url, "keeper started");
    let mut disc = Discovery {
        checkpoint,
        path: policy.checkpoint.clone(),
        range: policy.log_range,
    };
    let ctx = Arc::new(Ctx {
        chain,
        sender,
        policy,
        metrics,
        addrs,
        me,
        native,
        refused: std::sync::Mutex::default(),
    });
    let own = ctx
        .view(
            ctx.addrs.margin,
            &clearing_cli::abi::Margin::healthCall { account: me },
        )
        .await?;
    let free = own.equity.saturating_sub(
        alloy_primitives::I256::try_from(own.initial).unwrap_or(alloy_primitives::I256::MAX),
    );
    if free
        < alloy_primitives::I256::try_from(ctx.policy.min_free_margin)
            .unwrap_or(alloy_primitives::I256::MAX)
    {
        tracing::warn!(
            account = %me,
            free_margin = %free,
            min_free_margin = %ctx.policy.min_free_margin,
            "the keeper's sub-account is below the margin it keeps: it takes over no position or collateral until funded (deposit into it)"
        );
    }
    let once = args.once.then_some(args.json);
    run_loop(&ctx, &mut disc, once, stop).await
}

async fn run_loop(
    ctx: &Arc<Ctx>,
    disc: &mut Discovery,
    once: Option<bool>,
    mut stop: watch::Receiver<bool>,
) -> Result<()> {
    let mut last_maintenance: Option<Instant> = None;
    loop {
        let due = last_maintenance.is_none_or(|t| t.elapsed() >= ctx.policy.maintenance_interval);
        match round::round(ctx, disc, due, &stop).await {
            Ok(s) => {
                if due {
                    last_maintenance = Some(Instant::now());
                }
                if let Some(json) = once {
                    let watched = ctx.metrics.accounts_watched.load(Ordering::Relaxed);
                    let next = disc.checkpoint.next_block;
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"accountsWatched": watched, "unhealthy": s.unhealthy, "done": s.done, "reverted": s.reverted, "nextBlock": next})
                        );
                    } else {
                        println!(
                            "{watched} accounts watched, {} unhealthy; {} transactions done, {} reverted; next block {next}",
                            s.unhealthy, s.done, s.reverted
                        );
                    }
                    disc.checkpoint.save(&disc.path)?;
                    return if s.reverted > 0 {
                        Err(CliError::Reverted(format!(
                            "{} transaction(s) reverted this round (see the log)",
                            s.reverted
                        )))
                    } else {
                        Ok(())
                    };
                }
            }
            Err(e @ CliError::Usage(_)) => return Err(e),
            Err(e) if once.is_some() => return Err(e),
            Err(e) => tracing::error!(error = %e, "round failed; trying again next round"),
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(ctx.policy.poll_interval) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::info!(
        inflight = ctx.sender.inflight(),
        next_block = disc.checkpoint.next_block,
        "stopping: no transaction in flight, checkpoint saved"
    );
    disc.checkpoint.save(&disc.path)
}
