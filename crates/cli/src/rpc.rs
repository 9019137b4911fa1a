//! The connection: an alloy provider with the signer, calls and transactions with their errors
//! named.

use crate::abi::Errors;
use crate::error::{CliError, Result};
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_client::RpcClient;
use alloy_rpc_types_eth::{
    state::StateOverride, BlockNumberOrTag, TransactionReceipt, TransactionRequest,
};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolInterface};
use alloy_transport::TransportError;

/// A provider, and the sender's address when a key was given.
#[derive(Clone)]
pub struct Chain {
    /// The provider (with the signer's wallet when there is one).
    pub provider: DynProvider,
    /// The sender.
    pub from: Option<Address>,
}

/// What a sent transaction left.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// Its hash.
    pub hash: B256,
    /// The block it was mined in.
    pub block: u64,
    /// The contract it created, for deployments.
    pub contract: Option<Address>,
}

impl Chain {
    /// Connects to `url`, signing with `signer` when given.
    ///
    /// # Errors
    /// [`CliError::Usage`] for a URL that does not parse.
    pub fn connect(url: &str, signer: Option<PrivateKeySigner>) -> Result<Self> {
        let url = url
            .parse()
            .map_err(|e| CliError::Usage(format!("--rpc-url {url:?}: {e}")))?;
        Ok(Self::with_client(RpcClient::new_http(url), signer))
    }

    /// A chain over an RPC client (tests wrap the transport with layers).
    pub fn with_client(client: RpcClient, signer: Option<PrivateKeySigner>) -> Self {
        match signer {
            Some(s) => {
                let from = s.address();
                let provider = ProviderBuilder::new()
                    .wallet(EthereumWallet::from(s))
                    .on_client(client)
                    .erased();
                Self {
                    provider,
                    from: Some(from),
                }
            }
            None => Self {
                provider: ProviderBuilder::new().on_client(client).erased(),
                from: None,
            },
        }
    }

    /// The sender, or a usage error saying a key is needed.
    ///
    /// # Errors
    /// [`CliError::Usage`].
    pub fn sender(&self) -> Result<Address> {
        self.from.ok_or_else(|| {
            CliError::Usage(
                "this command sends transactions: give a key with --private-key, $CLEARING_PRIVATE_KEY or --keystore".into(),
            )
        })
    }

    /// The chain id.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn chain_id(&self) -> Result<u64> {
        self.provider.get_chain_id().await.map_err(rpc_error)
    }

    /// The balance of `who`.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn balance(&self, who: Address) -> Result<U256> {
        self.provider.get_balance(who).await.map_err(rpc_error)
    }

    /// The latest block's number and timestamp.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn latest(&self) -> Result<(u64, u64)> {
        let b = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest, false.into())
            .await
            .map_err(rpc_error)?
            .ok_or_else(|| CliError::Rpc("the node has no latest block".into()))?;
        Ok((b.header.number, b.header.timestamp))
    }

    /// The timestamp of block `n`.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn block_time(&self, n: u64) -> Result<u64> {
        let b = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(n), false.into())
            .await
            .map_err(rpc_error)?
            .ok_or_else(|| CliError::Rpc(format!("block {n} not found")))?;
        Ok(b.header.timestamp)
    }

    /// The code at `who`.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn code(&self, who: Address) -> Result<Bytes> {
        self.provider.get_code_at(who).await.map_err(rpc_error)
    }

    /// The sender's next nonce (pending transactions counted).
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn nonce(&self, who: Address) -> Result<u64> {
        self.provider
            .get_transaction_count(who)
            .pending()
            .await
            .map_err(rpc_error)
    }

    /// `eth_call` of raw calldata; the revert named.
    ///
    /// # Errors
    /// [`CliError::Reverted`] with the decoded error; [`CliError::Rpc`].
    pub async fn call_raw(
        &self,
        to: Address,
        data: Vec<u8>,
        value: U256,
        overrides: Option<&StateOverride>,
    ) -> Result<Bytes> {
        let mut tx = TransactionRequest::default()
            .with_to(to)
            .with_input(data)
            .with_value(value);
        if let Some(from) = self.from {
            tx = tx.with_from(from);
        }
        let call = self.provider.call(&tx);
        let out = match overrides {
            Some(o) => call.overrides(o).await,
            None => call.await,
        };
        out.map_err(|e| revert_or_rpc(e, &format!("call to {to}")))
    }

    /// A view call.
    ///
    /// # Errors
    /// As [`Self::call_raw`]; [`CliError::Rpc`] when the answer does not decode.
    pub async fn view<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return> {
        let out = self
            .call_raw(to, call.abi_encode(), U256::ZERO, None)
            .await?;
        C::abi_decode_returns(&out, true).map_err(|e| {
            CliError::Rpc(format!(
                "{} at {to} answered {} bytes that do not decode: {e}",
                C::SIGNATURE,
                out.len()
            ))
        })
    }

    /// Sends a transaction (nonce, gas and fees filled by the provider) and waits for its
    /// receipt; `on_sent` sees the hash as soon as the node accepted it.
    ///
    /// # Errors
    /// [`CliError::Reverted`] when the gas estimate or the transaction reverts (the error named);
    /// [`CliError::Rpc`] when the node refuses it or fails.
    pub async fn send(
        &self,
        what: &str,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
        on_sent: &mut (dyn FnMut(B256) -> Result<()> + Send),
    ) -> Result<Sent> {
        let from = self.sender()?;
        let mut tx = TransactionRequest::default()
            .with_from(from)
            .with_input(data)
            .with_value(value);
        match to {
            Some(to) => tx = tx.with_to(to),
            None => tx = tx.into_create(),
        }
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| revert_or_rpc(e, what))?;
        let hash = *pending.tx_hash();
        on_sent(hash)?;
        let receipt = pending.get_receipt().await.map_err(|e| {
            CliError::Rpc(format!("{what}: waiting for the receipt of {hash}: {e}"))
        })?;
        check_receipt(what, &receipt)
    }

    /// The logs matching `filter`.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn logs(
        &self,
        filter: &alloy_rpc_types_eth::Filter,
    ) -> Result<Vec<alloy_rpc_types_eth::Log>> {
        self.provider.get_logs(filter).await.map_err(rpc_error)
    }

    /// The receipt of `hash`, if mined.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn receipt(&self, hash: B256) -> Result<Option<TransactionReceipt>> {
        self.provider
            .get_transaction_receipt(hash)
            .await
            .map_err(rpc_error)
    }
}

/// The [`Sent`] of a receipt, or the revert.
///
/// # Errors
/// [`CliError::Reverted`] for a failed transaction.
pub fn check_receipt(what: &str, r: &TransactionReceipt) -> Result<Sent> {
    if !r.status() {
        return Err(CliError::Reverted(format!(
            "{what}: transaction {} reverted in block {}",
            r.transaction_hash,
            r.block_number.unwrap_or_default()
        )));
    }
    Ok(Sent {
        hash: r.transaction_hash,
        block: r.block_number.unwrap_or_default(),
        contract: r.contract_address,
    })
}

/// An RPC failure.
pub fn rpc_error(e: TransportError) -> CliError {
    CliError::Rpc(format!("RPC error: {e}"))
}

/// Revert bytes as `Name(args)` when the error is known, else as hex.
pub fn describe_revert(data: &[u8]) -> String {
    match Errors::ErrorsErrors::abi_decode(data, true) {
        Ok(e) => format!("{e:?}")
            .replace("ErrorsErrors::", "")
            .split_once('(')
            .map(|(_, rest)| rest.trim_end_matches(')').to_string())
            .unwrap_or_else(|| format!("{e:?}")),
        Err(_) => format!("0x{}", alloy_primitives::hex::encode(data)),
    }
}

/// A revert (error code 3 with data) named, or an RPC failure.
pub fn revert_or_rpc(e: TransportError, what: &str) -> CliError {
    if let Some(resp) = e.as_error_resp() {
        if let Some(data) = resp
            .data
            .as_ref()
            .and_then(|d| serde_json::from_str::<Bytes>(d.get()).ok())
        {
            return CliError::Reverted(format!("{what} reverted: {}", describe_revert(&data)));
        }
        if resp.message.contains("revert") {
            return CliError::Reverted(format!("{what} reverted: {}", resp.message));
        }
        return CliError::Rpc(format!(
            "{what}: the node refused it: {} (code {})",
            resp.message, resp.code
        ));
    }
    CliError::Rpc(format!("{what}: RPC error: {e}"))
}
