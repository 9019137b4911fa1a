//! Every watched account's health from the MarginEngine's `health` view, many accounts per
//! JSON-RPC batch request (one round trip per batch, all at the same block).

use crate::config::Retry;
use crate::metrics::Metrics;
use crate::policy::Health;
use crate::retry::retry;
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, Bytes, B256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockId, BlockNumberOrTag, TransactionRequest};
use alloy_sol_types::SolCall;
use clearing_cli::abi::Margin;
use clearing_cli::error::{CliError, Result};
use clearing_cli::rpc::Chain;

/// The health of each of `accounts` at block `block`, `batch` views per request. An account
/// whose view reverts is left out (and logged): one broken account does not blind the keeper.
///
/// # Errors
/// [`CliError::Rpc`] when a batch keeps failing after the retries.
pub async fn healths(
    chain: &Chain,
    retry_policy: &Retry,
    metrics: &Metrics,
    margin: Address,
    accounts: &[B256],
    batch: usize,
    block: u64,
) -> Result<Vec<Health<B256>>> {
    let mut out = Vec::with_capacity(accounts.len());
    for chunk in accounts.chunks(batch.max(1)) {
        let answers = retry(retry_policy, metrics, "health batch", || async {
            one_batch(chain, margin, chunk, block).await
        })
        .await?;
        for (account, answer) in chunk.iter().zip(answers) {
            match answer {
                Ok(h) => out.push(h),
                Err(e) => {
                    tracing::warn!(%account, error = %e, "health view failed; skipped this round")
                }
            }
        }
    }
    Ok(out)
}

type Answers = Vec<std::result::Result<Health<B256>, String>>;

async fn one_batch(chain: &Chain, margin: Address, chunk: &[B256], block: u64) -> Result<Answers> {
    let mut batch = alloy_rpc_client::BatchRequest::new(chain.provider.client());
    let at = BlockId::Number(BlockNumberOrTag::Number(block));
    let mut waiters = Vec::with_capacity(chunk.len());
    for &account in chunk {
        let tx = TransactionRequest::default()
            .with_to(margin)
            .with_input(Margin::healthCall { account }.abi_encode());
        let w = batch
            .add_call::<_, Bytes>("eth_call", &(tx, at))
            .map_err(|e| CliError::Rpc(format!("health batch: {e}")))?;
        waiters.push(w);
    }
    batch
        .send()
        .await
        .map_err(|e| CliError::Rpc(format!("health batch: {e}")))?;
    let mut out = Vec::with_capacity(chunk.len());
    for (&account, w) in chunk.iter().zip(waiters) {
        let answer = match w.await {
            Ok(bytes) => Margin::healthCall::abi_decode_returns(&bytes, true)
                .map(|r| Health {
                    account,
                    equity: r.equity,
                    maintenance: r.maintenance,
                    initial: r.initial,
                })
                .map_err(|e| {
                    format!(
                        "health answered {} bytes that do not decode: {e}",
                        bytes.len()
                    )
                }),
            Err(e) => {
                // A transport failure of the whole batch shows up on every waiter: retry it.
                if e.as_error_resp().is_none() {
                    return Err(CliError::Rpc(format!("health batch: {e}")));
                }
                Err(clearing_cli::rpc::revert_or_rpc(e, "health").to_string())
            }
        };
        out.push(answer);
    }
    Ok(out)
}
