//! What every duty needs: the chain (reads as the keeper's address), the sender, the policy, the
//! counters, the deployment's addresses, and the shared steps of a duty (read with retries,
//! simulate, estimate, check the price of gas, send).

use crate::config::Policy;
use crate::metrics::Metrics;
use crate::retry::retry;
use crate::sender::Sender;
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, Bytes, B256, I256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_sol_types::SolCall;
use clearing_cli::abi::Risk;
use clearing_cli::error::{CliError, Result};
use clearing_cli::manifest::Manifest;
use clearing_cli::rpc::{revert_or_rpc, Chain};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The deployment's contracts the keeper calls.
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    /// CollateralVault.
    pub vault: Address,
    /// Clearinghouse.
    pub clearinghouse: Address,
    /// MarginEngine.
    pub margin: Address,
    /// Liquidator.
    pub liquidator: Address,
    /// Backstop.
    pub backstop: Address,
    /// CircuitBreaker.
    pub breaker: Address,
    /// RiskModule.
    pub risk: Address,
    /// RiskEngine.
    pub engine: Address,
    /// PerpMarkets.
    pub markets: Address,
    /// VaultPolicy.
    pub vault_policy: Address,
    /// OptionMarkets (series and expiry settlement).
    pub options: Address,
    /// OptionBook (option positions and their settlement).
    pub option_book: Address,
}

impl Addrs {
    /// The addresses from a manifest.
    ///
    /// # Errors
    /// [`CliError::Usage`] when the manifest lacks one.
    pub fn from_manifest(m: &Manifest) -> Result<Self> {
        Ok(Self {
            vault: m.address("CollateralVault")?,
            clearinghouse: m.address("Clearinghouse")?,
            margin: m.address("MarginEngine")?,
            liquidator: m.address("Liquidator")?,
            backstop: m.address("Backstop")?,
            breaker: m.address("CircuitBreaker")?,
            risk: m.address("RiskModule")?,
            engine: m.address("RiskEngine")?,
            markets: m.address("PerpMarkets")?,
            vault_policy: m.address("VaultPolicy")?,
            options: m.address("OptionMarkets")?,
            option_book: m.address("OptionBook")?,
        })
    }
}

/// How the gas token is priced in quote.
#[derive(Debug, Clone, Copy)]
pub enum NativePrice {
    /// By this asset's oracle price (RiskModule).
    Oracle(Address),
    /// A fixed WAD price.
    Fixed(U256),
}

/// Accounts whose last call was refused: their (equity, maintenance) then, and when.
pub type Refusals = std::collections::HashMap<B256, ((I256, U256), std::time::Instant)>;

/// The keeper's shared state.
pub struct Ctx {
    /// Reads (calls carry the keeper's address as `from`).
    pub chain: Chain,
    /// Transactions.
    pub sender: Sender,
    /// The policy.
    pub policy: Policy,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Contracts.
    pub addrs: Addrs,
    /// The keeper's own sub-account.
    pub me: B256,
    /// The gas token's price source.
    pub native: NativePrice,
    /// Accounts whose last call was refused: their health then, and when.
    pub refused: std::sync::Mutex<Refusals>,
}

/// Why a duty did not send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The simulation reverted with this error (nothing sent).
    Refused(String),
    /// The gas price is above the policy's maximum.
    GasTooDear(u128),
}

impl Ctx {
    /// A view, retried on RPC failures.
    ///
    /// # Errors
    /// [`CliError::Reverted`] when it reverts; [`CliError::Rpc`] after the retries.
    pub async fn view<C: SolCall + Sync>(&self, to: Address, call: &C) -> Result<C::Return> {
        retry(&self.policy.retry, &self.metrics, C::SIGNATURE, || {
            self.chain.view(to, call)
        })
        .await
    }

    /// Raw `eth_call` as the keeper, retried on RPC failures.
    ///
    /// # Errors
    /// As [`Self::view`].
    pub async fn call(&self, to: Address, data: &[u8]) -> Result<Bytes> {
        retry(&self.policy.retry, &self.metrics, "eth_call", || {
            self.chain.call_raw(to, data.to_vec(), U256::ZERO, None)
        })
        .await
    }

    /// The gas estimate of a call as the keeper, retried on RPC failures.
    ///
    /// # Errors
    /// [`CliError::Reverted`] when the estimate reverts; [`CliError::Rpc`].
    pub async fn estimate(&self, to: Address, data: &[u8]) -> Result<u64> {
        let tx = TransactionRequest::default()
            .with_from(self.sender.address())
            .with_to(to)
            .with_input(data.to_vec());
        retry(
            &self.policy.retry,
            &self.metrics,
            "eth_estimateGas",
            || async {
                self.chain
                    .provider
                    .estimate_gas(&tx)
                    .await
                    .map_err(|e| revert_or_rpc(e, "eth_estimateGas"))
            },
        )
        .await
    }

    /// The node's gas price, retried.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn gas_price(&self) -> Result<u128> {
        retry(
            &self.policy.retry,
            &self.metrics,
            "eth_gasPrice",
            || async {
                self.chain
                    .provider
                    .get_gas_price()
                    .await
                    .map_err(clearing_cli::rpc::rpc_error)
            },
        )
        .await
    }

    /// The gas token's price in quote (WAD).
    ///
    /// # Errors
    /// The oracle's revert; [`CliError::Rpc`].
    pub async fn native_price(&self) -> Result<U256> {
        match self.native {
            NativePrice::Fixed(p) => Ok(p),
            NativePrice::Oracle(asset) => Ok(self
                .view(self.addrs.risk, &Risk::priceCall { asset })
                .await?
                .price),
        }
    }

    /// The gas limit to send for an estimate.
    pub fn gas_limit(&self, estimate: u64) -> u64 {
        estimate.saturating_mul(self.policy.gas_multiplier_percent) / 100
    }

    /// Simulates `data` to `to`; `Ok(Err(skip))` when it reverts (the error named).
    ///
    /// # Errors
    /// [`CliError::Rpc`] after the retries.
    pub async fn simulate(
        &self,
        to: Address,
        data: &[u8],
    ) -> Result<std::result::Result<Bytes, Skip>> {
        match self.call(to, data).await {
            Ok(b) => Ok(Ok(b)),
            Err(CliError::Reverted(m)) => {
                self.metrics
                    .simulations_refused
                    .fetch_add(1, Ordering::Relaxed);
                Ok(Err(Skip::Refused(m)))
            }
            Err(e) => Err(e),
        }
    }

    /// Sends `data` to `to` with `gas` at `gas_price`; on a revert, replays the call to name the
    /// contract's error in the log. Returns the receipt (check its status).
    ///
    /// # Errors
    /// [`CliError::Rpc`] when the transaction cannot be sent or was dropped.
    pub async fn send(
        &self,
        what: &str,
        to: Address,
        data: Vec<u8>,
        gas: u64,
        gas_price: u128,
    ) -> Result<TransactionReceipt> {
        let receipt = self
            .sender
            .send(&self.metrics, what, to, data.clone(), gas, gas_price)
            .await?;
        if !receipt.status() {
            let why = match self.chain.call_raw(to, data, U256::ZERO, None).await {
                Err(CliError::Reverted(m)) => m,
                Err(e) => format!("(replay failed: {e})"),
                Ok(_) => "(the call succeeds now: it failed on the state it was mined on)".into(),
            };
            tracing::warn!(
                what,
                tx = %receipt.transaction_hash,
                block = receipt.block_number.unwrap_or_default(),
                error = %why,
                "transaction reverted"
            );
        }
        Ok(receipt)
    }
}
