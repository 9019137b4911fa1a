//! Transactions: signed locally with a nonce the keeper manages (concurrent senders take
//! consecutive nonces under one lock), sent raw, and followed to their receipt. A transaction
//! without a receipt after `resend_after` is re-sent as the same signed bytes (same hash, so it
//! can never be mined twice); one without a receipt after `receipt_timeout`, or whose nonce was
//! taken by another transaction, is given up and the nonce re-read from the chain.

use crate::config::{Policy, Retry};
use crate::metrics::Metrics;
use crate::retry::retry;
use alloy_eips::eip2718::Encodable2718;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, B256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use clearing_cli::error::{CliError, Result};
use clearing_cli::rpc::Chain;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The sender of the keeper's transactions.
pub struct Sender {
    chain: Chain,
    wallet: EthereumWallet,
    from: Address,
    chain_id: u64,
    retry: Retry,
    resend_after: Duration,
    receipt_timeout: Duration,
    /// The next nonce to use (`None`: read it from the chain first).
    nonce: tokio::sync::Mutex<Option<u64>>,
    /// Transactions sent and not yet resolved, by nonce.
    inflight: Mutex<BTreeMap<u64, B256>>,
}

/// What the node said to a raw transaction.
enum Submitted {
    /// Accepted (or already known: the same bytes were accepted before).
    Accepted,
    /// No answer: it may or may not have arrived.
    Unknown(String),
    /// The nonce is used: by this very transaction (look for its receipt) or by another one.
    NonceUsed(String),
    /// Refused for another reason.
    Refused(String),
}

impl Sender {
    /// A sender signing with `signer` on `chain` (chain id `chain_id`).
    pub fn new(chain: Chain, signer: PrivateKeySigner, chain_id: u64, policy: &Policy) -> Self {
        let from = signer.address();
        Self {
            chain,
            wallet: EthereumWallet::from(signer),
            from,
            chain_id,
            retry: policy.retry,
            resend_after: policy.resend_after,
            receipt_timeout: policy.receipt_timeout,
            nonce: tokio::sync::Mutex::new(None),
            inflight: Mutex::new(BTreeMap::new()),
        }
    }

    /// The sender's address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// Transactions sent and not yet resolved.
    pub fn inflight(&self) -> usize {
        self.inflight.lock().map_or(0, |m| m.len())
    }

    async fn submit(&self, raw: &Bytes) -> Submitted {
        match self.chain.provider.send_raw_transaction(raw).await {
            Ok(_) => Submitted::Accepted,
            Err(e) => match e.as_error_resp() {
                Some(r) if r.message.contains("already known") => Submitted::Accepted,
                Some(r) if r.message.contains("nonce too low") => {
                    Submitted::NonceUsed(r.message.to_string())
                }
                Some(r) => Submitted::Refused(format!("{} (code {})", r.message, r.code)),
                None => Submitted::Unknown(e.to_string()),
            },
        }
    }

    /// Signs and sends a call to `to` with `gas` and `gas_price` (legacy, EIP-155), and waits
    /// for its receipt. A reverted transaction is returned as its receipt (status false).
    ///
    /// # Errors
    /// [`CliError::Rpc`] when the node refuses the transaction, when it was dropped (no receipt
    /// within the timeout, or its nonce taken by another transaction), or when the node keeps
    /// failing; [`CliError::Usage`] when it cannot be signed.
    pub async fn send(
        &self,
        metrics: &Metrics,
        what: &str,
        to: Address,
        data: Vec<u8>,
        gas: u64,
        gas_price: u128,
    ) -> Result<TransactionReceipt> {
        let (hash, raw, nonce) = {
            let mut guard = self.nonce.lock().await;
            let mut resynced = false;
            loop {
                let nonce = match *guard {
                    Some(n) => n,
                    None => {
                        resynced = true;
                        retry(&self.retry, metrics, "eth_getTransactionCount", || {
                            self.chain.nonce(self.from)
                        })
                        .await?
                    }
                };
                let tx = TransactionRequest::default()
                    .with_from(self.from)
                    .with_to(to)
                    .with_input(data.clone())
                    .with_nonce(nonce)
                    .with_gas_limit(gas)
                    .with_gas_price(gas_price)
                    .with_chain_id(self.chain_id);
                let envelope = tx
                    .build(&self.wallet)
                    .await
                    .map_err(|e| CliError::Usage(format!("{what}: cannot sign: {e}")))?;
                let hash = *envelope.tx_hash();
                let raw = Bytes::from(envelope.encoded_2718());
                match self.submit(&raw).await {
                    Submitted::Accepted => {}
                    Submitted::Unknown(m) => {
                        // It may have arrived: keep its nonce and let the receipt wait re-send it.
                        metrics.rpc_errors.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(what, %hash, nonce, error = %m, "no answer to the transaction; will re-send it");
                    }
                    Submitted::NonceUsed(m) if !resynced => {
                        tracing::info!(what, nonce, reason = %m, "nonce already used; re-reading it");
                        *guard = None;
                        continue;
                    }
                    Submitted::NonceUsed(m) | Submitted::Refused(m) => {
                        *guard = None;
                        return Err(CliError::Rpc(format!("{what}: the node refused it: {m}")));
                    }
                }
                *guard = Some(nonce + 1);
                break (hash, raw, nonce);
            }
        };
        if let Ok(mut m) = self.inflight.lock() {
            m.insert(nonce, hash);
        }
        tracing::info!(what, %hash, nonce, gas, "sent");
        let out = self.follow(metrics, what, hash, &raw).await;
        if let Ok(mut m) = self.inflight.lock() {
            m.remove(&nonce);
        }
        if out.is_err() {
            // The nonce may now be free again (dropped) or taken: read it afresh.
            *self.nonce.lock().await = None;
        }
        let receipt = out?;
        metrics
            .gas_spent
            .fetch_add(receipt.gas_used, Ordering::Relaxed);
        if !receipt.status() {
            metrics.reverts.fetch_add(1, Ordering::Relaxed);
        }
        Ok(receipt)
    }

    /// Waits for the receipt of `hash`, re-sending `raw` every `resend_after`.
    async fn follow(
        &self,
        metrics: &Metrics,
        what: &str,
        hash: B256,
        raw: &Bytes,
    ) -> Result<TransactionReceipt> {
        let start = Instant::now();
        let mut last_send = Instant::now();
        let mut wait = Duration::from_millis(50);
        loop {
            match self.chain.receipt(hash).await {
                Ok(Some(r)) => return Ok(r),
                Ok(None) => {}
                Err(e) => {
                    metrics.rpc_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(what, %hash, error = %e, "receipt query failed");
                }
            }
            if start.elapsed() >= self.receipt_timeout {
                return Err(CliError::Rpc(format!(
                    "{what}: transaction {hash} dropped: no receipt after {:?}",
                    self.receipt_timeout
                )));
            }
            if last_send.elapsed() >= self.resend_after {
                last_send = Instant::now();
                metrics.resent.fetch_add(1, Ordering::Relaxed);
                match self.submit(raw).await {
                    Submitted::Accepted | Submitted::Unknown(_) => {
                        tracing::info!(what, %hash, "no receipt yet; re-sent the same transaction");
                    }
                    Submitted::NonceUsed(m) => {
                        // Mined (its receipt shows up next) or replaced by another transaction.
                        if let Ok(Some(r)) = self.chain.receipt(hash).await {
                            return Ok(r);
                        }
                        return Err(CliError::Rpc(format!(
                            "{what}: transaction {hash} dropped: its nonce was used by another ({m})"
                        )));
                    }
                    Submitted::Refused(m) => {
                        tracing::warn!(what, %hash, reason = %m, "re-send refused");
                    }
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(500));
        }
    }
}
