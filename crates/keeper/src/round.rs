//! One round: discover new accounts up to the latest block (checkpoint saved), read every
//! account's health in batches, rank the unhealthy by shortfall, read the breaker, and act on
//! them with at most `max_concurrent` in flight; then maintenance when it is due.

use crate::checkpoint::Checkpoint;
use crate::context::Ctx;
use crate::discovery::{self, Sources};
use crate::duties::{self, BreakerView, Outcome};
use crate::health::healths;
use crate::maintenance;
use crate::policy;
use crate::retry::retry;
use alloy_primitives::{Address, B256};
use clearing_cli::error::Result;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::watch;

/// Discovery's state across rounds.
pub struct Discovery {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Where it is saved.
    pub path: std::path::PathBuf,
    /// The log range that currently passes.
    pub range: u64,
}

/// What a round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Accounts below maintenance.
    pub unhealthy: usize,
    /// Transactions mined successfully.
    pub done: usize,
    /// Transactions mined and reverted.
    pub reverted: usize,
}

fn save(d: &Discovery) -> Result<()> {
    d.checkpoint.save(Path::new(&d.path))
}

/// Runs one round (see the module docs). `stop` turns true on SIGINT/SIGTERM: no new duty starts
/// after it, the ones in flight finish.
///
/// # Errors
/// [`clearing_cli::error::CliError::Rpc`] when the node keeps failing (the round is cut short;
/// what was discovered is saved); a checkpoint that cannot be written.
pub async fn round(
    ctx: &Arc<Ctx>,
    d: &mut Discovery,
    maintenance_due: bool,
    stop: &watch::Receiver<bool>,
) -> Result<Summary> {
    let (block, now) = retry(&ctx.policy.retry, &ctx.metrics, "latest block", || {
        ctx.chain.latest()
    })
    .await?;
    let sources = Sources {
        vault: ctx.addrs.vault,
        clearinghouse: ctx.addrs.clearinghouse,
        option_book: ctx.addrs.option_book,
    };
    let (was_at, had) = (d.checkpoint.next_block, d.checkpoint.accounts.len());
    let scanned = discovery::scan(
        &ctx.chain,
        &ctx.policy.retry,
        &ctx.metrics,
        sources,
        &mut d.checkpoint,
        &mut d.range,
        block,
    )
    .await;
    if d.checkpoint.next_block != was_at || d.checkpoint.accounts.len() != had {
        save(d)?;
    }
    let found = scanned?;
    if found > 0 {
        tracing::info!(
            new = found,
            total = d.checkpoint.accounts.len(),
            block,
            "accounts discovered"
        );
    }
    let me = ctx.sender.address();
    let watched: Vec<B256> = d
        .checkpoint
        .accounts
        .iter()
        .filter(|a| clearing_core::decode_account(**a).map_or(true, |(o, _)| o != me))
        .copied()
        .collect();
    ctx.metrics
        .accounts_watched
        .store(watched.len() as u64, Ordering::Relaxed);
    let all = healths(
        &ctx.chain,
        &ctx.policy.retry,
        &ctx.metrics,
        ctx.addrs.margin,
        &watched,
        ctx.policy.batch_size,
        block,
    )
    .await?;
    let ranked = policy::rank(&all);
    ctx.metrics
        .unhealthy
        .store(ranked.len() as u64, Ordering::Relaxed);
    let mut summary = Summary {
        unhealthy: ranked.len(),
        ..Summary::default()
    };
    let gas_price = ctx.gas_price().await?;
    if !policy::gas_price_ok(gas_price, ctx.policy.max_gas_price) {
        tracing::warn!(
            gas_price,
            max = ctx.policy.max_gas_price,
            "gas price above the policy's maximum; sending nothing this round"
        );
        ctx.metrics
            .skipped_unprofitable
            .fetch_add(ranked.len() as u64, Ordering::Relaxed);
        ctx.metrics.rounds.fetch_add(1, Ordering::Relaxed);
        return Ok(summary);
    }
    if !ranked.is_empty() {
        let global = duties::scope_status(ctx, Address::ZERO, now).await?;
        let view = BreakerView { now, global };
        let mut tasks = tokio::task::JoinSet::new();
        let mut queue = ranked.into_iter();
        let mut first_error = None;
        loop {
            while tasks.len() < ctx.policy.max_concurrent && !*stop.borrow() {
                let Some(h) = queue.next() else { break };
                tracing::debug!(account = %h.account, shortfall = %h.shortfall(), "unhealthy");
                let c = ctx.clone();
                tasks.spawn(async move {
                    let out = duties::act(&c, &view, &h, gas_price).await;
                    (h.account, out)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined {
                Ok((account, Ok(o))) => match o {
                    Outcome::Done(what) => {
                        summary.done += 1;
                        tracing::info!(%account, what, "done");
                    }
                    Outcome::Reverted(what) => {
                        summary.reverted += 1;
                        tracing::warn!(%account, what, "reverted on chain (recorded)");
                    }
                    Outcome::Skipped(why) => {
                        tracing::info!(%account, reason = %why, "nothing sent")
                    }
                    Outcome::Refused(why) => tracing::info!(
                        %account,
                        reason = %why,
                        "nothing sent (refused: left alone while its health holds)"
                    ),
                },
                Ok((account, Err(e))) => {
                    tracing::error!(%account, error = %e, "duty failed");
                    first_error.get_or_insert(e);
                }
                Err(e) => tracing::error!(error = %e, "duty task panicked"),
            }
        }
        if let Some(e) = first_error {
            ctx.metrics.rounds.fetch_add(1, Ordering::Relaxed);
            return Err(e);
        }
    }
    if maintenance_due && !*stop.borrow() {
        let n = maintenance::run(ctx, now, gas_price, &watched).await?;
        if n > 0 {
            tracing::info!(sent = n, "maintenance");
        }
        summary.done += n as usize;
    }
    ctx.metrics.rounds.fetch_add(1, Ordering::Relaxed);
    Ok(summary)
}
