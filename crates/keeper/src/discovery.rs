//! Discovery: every sub-account that ever held collateral or a position, from the contracts'
//! events (the vault's `Deposited` and `BalanceTransferred`, the Clearinghouse's
//! `PositionUpdated`, the OptionBook's `OptionFill`), scanned from the checkpoint's block in ranges the node accepts: a range
//! the node refuses (too wide, too many results) is halved and retried, down to one block.

use crate::checkpoint::Checkpoint;
use crate::config::Retry;
use crate::metrics::Metrics;
use crate::retry::retry;
use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use clearing_cli::abi::{Ledger, OptionBook, Vault};
use clearing_cli::error::{CliError, Result};
use clearing_cli::rpc::Chain;
use std::sync::atomic::Ordering;

/// The contracts whose events name accounts.
#[derive(Debug, Clone, Copy)]
pub struct Sources {
    /// The CollateralVault.
    pub vault: Address,
    /// The Clearinghouse.
    pub clearinghouse: Address,
    /// The OptionBook.
    pub option_book: Address,
}

/// Whether an RPC failure is the node refusing the size of a log query (so a smaller range may
/// pass), as geth, nitro, the local node and common providers word it.
pub fn range_refused(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "block range",
        "range too",
        "too many",
        "more than",
        "limit exceeded",
        "exceeds max",
        "response size",
    ]
    .iter()
    .any(|s| m.contains(s))
}

/// The accounts an event log names.
fn accounts_of(log: &alloy_rpc_types_eth::Log) -> Vec<B256> {
    let topics = log.topics();
    let Some(sig) = topics.first() else {
        return Vec::new();
    };
    if *sig == Vault::BalanceTransferred::SIGNATURE_HASH {
        topics.iter().skip(1).take(2).copied().collect()
    } else if *sig == OptionBook::OptionFill::SIGNATURE_HASH {
        // (series, maker, taker)
        topics.iter().skip(2).take(2).copied().collect()
    } else {
        topics.iter().skip(1).take(1).copied().collect()
    }
}

/// Scans from `cp.next_block` to `to_block` (inclusive), adding the accounts found to `cp` and
/// moving `cp.next_block` past each range scanned; `range` is the width to try, halved when the
/// node refuses it (and kept halved for the next scan). Returns the number of new accounts.
///
/// # Errors
/// [`CliError::Rpc`] when the node keeps failing (after the retries) or refuses even a
/// one-block range; `cp` keeps what was scanned before.
pub async fn scan(
    chain: &Chain,
    retry_policy: &Retry,
    metrics: &Metrics,
    sources: Sources,
    cp: &mut Checkpoint,
    range: &mut u64,
    to_block: u64,
) -> Result<usize> {
    let before = cp.accounts.len();
    while cp.next_block <= to_block {
        let from = cp.next_block;
        let to = to_block.min(from.saturating_add(*range - 1));
        let filter = Filter::new()
            .address(vec![
                sources.vault,
                sources.clearinghouse,
                sources.option_book,
            ])
            .event_signature(vec![
                Vault::Deposited::SIGNATURE_HASH,
                Vault::BalanceTransferred::SIGNATURE_HASH,
                Ledger::PositionUpdated::SIGNATURE_HASH,
                OptionBook::OptionFill::SIGNATURE_HASH,
            ])
            .from_block(from)
            .to_block(to);
        let got = retry(retry_policy, metrics, "eth_getLogs", || async {
            match chain.logs(&filter).await {
                // A refused range is an answer: do not retry it as it is.
                Err(CliError::Rpc(m)) if range_refused(&m) => Err(CliError::Refused(m)),
                other => other,
            }
        })
        .await;
        match got {
            Ok(logs) => {
                for log in &logs {
                    cp.accounts.extend(accounts_of(log));
                }
                cp.next_block = to + 1;
                metrics
                    .next_scan_block
                    .store(cp.next_block, Ordering::Relaxed);
            }
            Err(CliError::Refused(m)) => {
                if *range == 1 {
                    return Err(CliError::Rpc(format!(
                        "eth_getLogs refuses even block {from} alone: {m}"
                    )));
                }
                *range = (*range / 2).max(1);
                tracing::info!(from, range = *range, reason = %m, "log range refused; halving it");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(cp.accounts.len() - before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_range_refusals() {
        assert!(range_refused(
            "RPC error: query exceeds max block range 10000"
        ));
        assert!(range_refused("query returned more than 10000 results"));
        assert!(range_refused("Log response size exceeded"));
        assert!(range_refused(
            "eth_getLogs is limited to a 1000 block range"
        ));
        assert!(!range_refused("connection refused"));
    }
}
