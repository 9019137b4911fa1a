//! The JSON-RPC methods.

use crate::chain::{execution_error, CallRequest, Chain, Override, BASE_FEE, BLOCK_GAS_LIMIT};
use crate::error::RpcError;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, BlockTransactions, Filter, FilterBlockOption, Header, Transaction,
    TransactionRequest,
};
use alloy_signer_local::PrivateKeySigner;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, MutexGuard};

/// Widest block range `eth_getLogs` accepts.
pub const MAX_LOG_RANGE: u64 = 10_000;
/// Most logs one `eth_getLogs` returns.
pub const MAX_LOG_RESULTS: usize = 10_000;

/// What every method shares.
pub struct Ctx {
    /// The chain.
    pub chain: Mutex<Chain>,
    /// The dev accounts' keys.
    pub dev: Vec<PrivateKeySigner>,
}

impl Ctx {
    /// The chain, locked.
    pub fn lock(&self) -> MutexGuard<'_, Chain> {
        self.chain.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Res = Result<Value, ErrorObjectOwned>;

fn to_json<T: serde::Serialize>(v: T) -> Result<Value, RpcError> {
    serde_json::to_value(v).map_err(|e| RpcError::internal(e.to_string()))
}

fn hex_u64(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}

/// A number given as a JSON number or a hex/decimal string.
fn quantity(v: &Value) -> Result<i128, RpcError> {
    let bad = || RpcError::invalid_params(format!("invalid quantity {v}"));
    match v {
        Value::Number(n) => n.as_i64().map(i128::from).ok_or_else(bad),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(h) => i128::from_str_radix(h, 16).map_err(|_| bad()),
            None => s.parse().map_err(|_| bad()),
        },
        _ => Err(bad()),
    }
}

/// The block number a block id names.
fn resolve(chain: &Chain, id: Option<BlockId>) -> Result<u64, RpcError> {
    match id {
        None => Ok(chain.head()),
        Some(BlockId::Number(tag)) => resolve_tag(chain, tag),
        Some(BlockId::Hash(h)) => chain
            .block_by_hash(&h.block_hash)
            .map(|b| b.header.number)
            .ok_or_else(|| RpcError::server(format!("header for hash {} not found", h.block_hash))),
    }
}

fn resolve_tag(chain: &Chain, tag: BlockNumberOrTag) -> Result<u64, RpcError> {
    match tag {
        BlockNumberOrTag::Earliest => Ok(0),
        BlockNumberOrTag::Number(n) if n > chain.head() => {
            Err(RpcError::server(format!("header not found: block {n}")))
        }
        BlockNumberOrTag::Number(n) => Ok(n),
        _ => Ok(chain.head()),
    }
}

fn call_request(req: &TransactionRequest) -> CallRequest {
    CallRequest {
        from: req.from.unwrap_or_default(),
        to: match req.to {
            Some(TxKind::Call(a)) => Some(a),
            _ => None,
        },
        input: req.input.input().cloned().unwrap_or_default(),
        value: req.value.unwrap_or_default(),
        gas: req.gas,
    }
}

fn overrides(o: Option<StateOverride>) -> Result<Vec<(Address, Override)>, RpcError> {
    let mut out = Vec::new();
    for (address, a) in o.unwrap_or_default() {
        if a.state.is_some() || a.state_diff.is_some() {
            return Err(RpcError::invalid_params(
                "storage overrides (state, stateDiff) are not supported; code, balance and nonce are",
            ));
        }
        out.push((
            address,
            Override {
                balance: a.balance,
                code: a.code,
                nonce: a.nonce,
            },
        ));
    }
    Ok(out)
}

fn rpc_tx(chain: &Chain, hash: &B256) -> Option<Transaction> {
    let record = chain.tx(hash)?;
    let (block_hash, number, index, price) = match record.mined {
        Some((h, n, i, p)) => (Some(h), Some(n), Some(i), Some(p)),
        None => (None, None, None, None),
    };
    Some(Transaction {
        inner: record.envelope.clone(),
        block_hash,
        block_number: number,
        transaction_index: index,
        effective_gas_price: price,
        from: record.from,
    })
}

fn rpc_block(chain: &Chain, number: u64, full: bool) -> Option<Block> {
    let b = chain.block(number)?;
    let transactions = if full {
        BlockTransactions::Full(
            b.transactions
                .iter()
                .filter_map(|h| rpc_tx(chain, h))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(b.transactions.clone())
    };
    Some(Block {
        header: Header {
            hash: b.hash,
            inner: b.header.clone(),
            total_difficulty: Some(U256::from(number + 1)),
            size: Some(U256::from(540 + 32 * b.transactions.len())),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: None,
    })
}

fn register(
    module: &mut RpcModule<Ctx>,
    name: &'static str,
    f: impl Fn(Params, &Ctx) -> Result<Value, RpcError> + Clone + Send + Sync + 'static,
) {
    let result = module.register_blocking_method(name, move |params, ctx, _| {
        let r = f(params, &ctx);
        if let Err(e) = &r {
            tracing::debug!(method = name, code = e.code, message = %e.message, "error");
        }
        let r: Res = r.map_err(Into::into);
        r
    });
    if let Err(e) = result {
        panic!("method {name} registered twice: {e}");
    }
}

fn params_error(e: ErrorObjectOwned) -> RpcError {
    let detail = e
        .data()
        .map(|d| d.get().trim_matches('"').to_string())
        .unwrap_or_default();
    RpcError::invalid_params(format!("invalid params: {detail}"))
}

/// The dev key of `from`, if it is a dev account.
fn dev_key(ctx: &Ctx, from: Address) -> Option<&PrivateKeySigner> {
    ctx.dev.iter().find(|k| k.address() == from)
}

fn sign(
    key: &PrivateKeySigner,
    mut tx: impl SignableTransaction<alloy_primitives::PrimitiveSignature> + Into<TxEnvelopeParts>,
) -> Result<TxEnvelope, RpcError> {
    let sig = key
        .sign_transaction_sync(&mut tx)
        .map_err(|e| RpcError::internal(format!("signing failed: {e}")))?;
    Ok(match tx.into() {
        TxEnvelopeParts::Legacy(t) => t.into_signed(sig).into(),
        TxEnvelopeParts::Eip1559(t) => t.into_signed(sig).into(),
    })
}

/// The kinds of transaction `eth_sendTransaction` builds.
pub enum TxEnvelopeParts {
    /// Legacy (a gas price was given).
    Legacy(TxLegacy),
    /// EIP-1559.
    Eip1559(TxEip1559),
}

impl From<TxLegacy> for TxEnvelopeParts {
    fn from(t: TxLegacy) -> Self {
        Self::Legacy(t)
    }
}

impl From<TxEip1559> for TxEnvelopeParts {
    fn from(t: TxEip1559) -> Self {
        Self::Eip1559(t)
    }
}

/// The node's methods.
pub fn module(ctx: Arc<Ctx>) -> RpcModule<Ctx> {
    let mut m = RpcModule::from_arc(ctx);

    register(&mut m, "web3_clientVersion", |_, _| {
        Ok(json!(format!("stylus-node/v{}", env!("CARGO_PKG_VERSION"))))
    });
    register(&mut m, "eth_chainId", |_, c| {
        Ok(hex_u64(c.lock().chain_id()))
    });
    register(&mut m, "net_version", |_, c| {
        Ok(json!(c.lock().chain_id().to_string()))
    });
    register(&mut m, "net_listening", |_, _| Ok(json!(true)));
    register(&mut m, "eth_syncing", |_, _| Ok(json!(false)));
    register(&mut m, "eth_accounts", |_, c| {
        Ok(json!(c.dev.iter().map(|k| k.address()).collect::<Vec<_>>()))
    });
    register(&mut m, "eth_blockNumber", |_, c| {
        Ok(hex_u64(c.lock().head()))
    });
    register(&mut m, "eth_gasPrice", |_, _| {
        Ok(json!(format!("{BASE_FEE:#x}")))
    });
    register(&mut m, "eth_maxPriorityFeePerGas", |_, _| Ok(json!("0x0")));

    register(&mut m, "eth_getBlockByNumber", |p, c| {
        let mut seq = p.sequence();
        let tag: BlockNumberOrTag = seq.next().map_err(params_error)?;
        let full: bool = seq.next().map_err(params_error)?;
        let chain = c.lock();
        let number = match tag {
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Number(n) => n,
            _ => chain.head(),
        };
        to_json(rpc_block(&chain, number, full))
    });
    register(&mut m, "eth_getBlockByHash", |p, c| {
        let mut seq = p.sequence();
        let hash: B256 = seq.next().map_err(params_error)?;
        let full: bool = seq.next().map_err(params_error)?;
        let chain = c.lock();
        let number = chain.block_by_hash(&hash).map(|b| b.header.number);
        to_json(number.and_then(|n| rpc_block(&chain, n, full)))
    });
    register(&mut m, "eth_getBalance", |p, c| {
        let mut seq = p.sequence();
        let address: Address = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let mut chain = c.lock();
        let n = resolve(&chain, id)?;
        to_json(chain.at(n, |rt| rt.balance(address))?)
    });
    register(&mut m, "eth_getCode", |p, c| {
        let mut seq = p.sequence();
        let address: Address = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let mut chain = c.lock();
        let n = resolve(&chain, id)?;
        to_json(chain.at(n, |rt| Chain::code_of(rt, address))?)
    });
    register(&mut m, "eth_getStorageAt", |p, c| {
        let mut seq = p.sequence();
        let address: Address = seq.next().map_err(params_error)?;
        let slot: U256 = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let mut chain = c.lock();
        let n = resolve(&chain, id)?;
        to_json(B256::from(chain.at(n, |rt| rt.storage_at(address, slot))?))
    });
    register(&mut m, "eth_getTransactionCount", |p, c| {
        let mut seq = p.sequence();
        let address: Address = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let mut chain = c.lock();
        if matches!(id, Some(BlockId::Number(BlockNumberOrTag::Pending))) {
            return Ok(hex_u64(chain.pending_nonce(address)));
        }
        let n = resolve(&chain, id)?;
        Ok(hex_u64(chain.at(n, |rt| rt.nonce(address))?))
    });
    register(&mut m, "eth_feeHistory", |p, c| {
        let mut seq = p.sequence();
        let count: Value = seq.next().map_err(params_error)?;
        let newest: BlockNumberOrTag = seq.next().map_err(params_error)?;
        let percentiles: Option<Vec<f64>> = seq.optional_next().map_err(params_error)?;
        let count = quantity(&count)?;
        if !(0..=1024).contains(&count) {
            return Err(RpcError::invalid_params(
                "block count must be between 0 and 1024",
            ));
        }
        let chain = c.lock();
        let newest = resolve_tag(&chain, newest)?;
        let count = (count as u64).min(newest + 1);
        let oldest = newest + 1 - count;
        let ratios: Vec<f64> = (oldest..=newest)
            .take(count as usize)
            .map(|n| {
                chain
                    .block(n)
                    .map_or(0.0, |b| b.header.gas_used as f64 / BLOCK_GAS_LIMIT as f64)
            })
            .collect();
        let fee = format!("{BASE_FEE:#x}");
        let mut out = json!({
            "oldestBlock": hex_u64(oldest),
            "baseFeePerGas": vec![fee; count as usize + 1],
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": vec!["0x0"; count as usize + 1],
            "blobGasUsedRatio": vec![0.0; count as usize],
        });
        if let Some(p) = percentiles {
            out["reward"] = json!(vec![vec!["0x0"; p.len()]; count as usize]);
        }
        Ok(out)
    });
    register(&mut m, "eth_call", |p, c| {
        let mut seq = p.sequence();
        let req: TransactionRequest = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let o: Option<StateOverride> = seq.optional_next().map_err(params_error)?;
        let o = overrides(o)?;
        let mut chain = c.lock();
        let n = resolve(&chain, id)?;
        let receipt = chain.call(&call_request(&req), n, &o)?;
        if !receipt.outcome.is_success() {
            return Err(execution_error(&receipt.outcome, &receipt.output));
        }
        to_json(receipt.output)
    });
    register(&mut m, "eth_estimateGas", |p, c| {
        let mut seq = p.sequence();
        let req: TransactionRequest = seq.next().map_err(params_error)?;
        let id: Option<BlockId> = seq.optional_next().map_err(params_error)?;
        let o: Option<StateOverride> = seq.optional_next().map_err(params_error)?;
        let o = overrides(o)?;
        let mut chain = c.lock();
        let n = resolve(&chain, id)?;
        Ok(hex_u64(chain.estimate(&call_request(&req), n, &o)?))
    });
    register(&mut m, "eth_sendRawTransaction", |p, c| {
        let mut seq = p.sequence();
        let raw: Bytes = seq.next().map_err(params_error)?;
        let mut slice = &raw[..];
        let envelope = TxEnvelope::decode_2718(&mut slice).map_err(|e| {
            RpcError::invalid_params(format!("failed to decode signed transaction: {e}"))
        })?;
        if !slice.is_empty() {
            return Err(RpcError::invalid_params(
                "failed to decode signed transaction: trailing bytes",
            ));
        }
        to_json(c.lock().submit(envelope)?)
    });
    register(&mut m, "eth_sendTransaction", |p, c| {
        let mut seq = p.sequence();
        let req: TransactionRequest = seq.next().map_err(params_error)?;
        let from = req
            .from
            .ok_or_else(|| RpcError::invalid_params("missing from"))?;
        let key =
            dev_key(c, from).ok_or_else(|| RpcError::server(format!("unknown account {from}")))?;
        let mut chain = c.lock();
        let nonce = match req.nonce {
            Some(n) => n,
            None => chain.pending_nonce(from),
        };
        let gas = match req.gas {
            Some(g) => g,
            None => {
                let head = chain.head();
                chain.estimate(&call_request(&req), head, &[])?
            }
        };
        let to = req.to.unwrap_or(TxKind::Create);
        let input = req.input.input().cloned().unwrap_or_default();
        let value = req.value.unwrap_or_default();
        let chain_id = chain.chain_id();
        let envelope = match req.gas_price {
            Some(gas_price) => sign(
                key,
                TxLegacy {
                    chain_id: Some(chain_id),
                    nonce,
                    gas_price,
                    gas_limit: gas,
                    to,
                    value,
                    input,
                },
            )?,
            None => sign(
                key,
                TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit: gas,
                    max_fee_per_gas: req.max_fee_per_gas.unwrap_or(2 * BASE_FEE),
                    max_priority_fee_per_gas: req.max_priority_fee_per_gas.unwrap_or(0),
                    to,
                    value,
                    access_list: Default::default(),
                    input,
                },
            )?,
        };
        to_json(chain.submit(envelope)?)
    });
    register(&mut m, "eth_getTransactionByHash", |p, c| {
        let hash: B256 = p.sequence().next().map_err(params_error)?;
        to_json(rpc_tx(&c.lock(), &hash))
    });
    register(&mut m, "eth_getTransactionReceipt", |p, c| {
        let hash: B256 = p.sequence().next().map_err(params_error)?;
        to_json(c.lock().tx(&hash).and_then(|t| t.receipt.clone()))
    });
    register(&mut m, "eth_getLogs", |p, c| {
        let filter: Filter = p.sequence().next().map_err(params_error)?;
        let chain = c.lock();
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(h) => {
                let n = chain
                    .block_by_hash(&h)
                    .map(|b| b.header.number)
                    .ok_or_else(|| RpcError::server(format!("unknown block {h}")))?;
                (n, n)
            }
            FilterBlockOption::Range {
                from_block,
                to_block,
            } => {
                let tag = |t: Option<BlockNumberOrTag>| match t {
                    None => chain.head(),
                    Some(BlockNumberOrTag::Earliest) => 0,
                    Some(BlockNumberOrTag::Number(n)) => n,
                    Some(_) => chain.head(),
                };
                (tag(from_block), tag(to_block))
            }
        };
        if from > to {
            return Err(RpcError::invalid_params(format!(
                "invalid block range params: fromBlock {from} is after toBlock {to}"
            )));
        }
        if to - from >= MAX_LOG_RANGE {
            return Err(RpcError::limit(format!(
                "query exceeds max block range {MAX_LOG_RANGE}"
            )));
        }
        let logs =
            chain.logs(from, to, |log| {
                filter.address.matches(&log.address)
                    && filter.topics.iter().enumerate().all(|(i, t)| {
                        t.is_empty() || log.topics().get(i).is_some_and(|x| t.matches(x))
                    })
            });
        if logs.len() > MAX_LOG_RESULTS {
            return Err(RpcError::limit(format!(
                "query returned more than {MAX_LOG_RESULTS} results"
            )));
        }
        to_json(logs)
    });

    // anvil-style test methods
    register(&mut m, "evm_increaseTime", |p, c| {
        let v: Value = p.sequence().next().map_err(params_error)?;
        let secs = quantity(&v)?;
        let secs =
            i64::try_from(secs).map_err(|_| RpcError::invalid_params("seconds out of range"))?;
        Ok(json!(c.lock().increase_time(secs)))
    });
    register(&mut m, "evm_setNextBlockTimestamp", |p, c| {
        let v: Value = p.sequence().next().map_err(params_error)?;
        let t = quantity(&v)?;
        let t = u64::try_from(t).map_err(|_| RpcError::invalid_params("timestamp out of range"))?;
        c.lock().set_next_timestamp(t)?;
        Ok(Value::Null)
    });
    register(&mut m, "evm_mine", |_, c| {
        c.lock().mine_now();
        Ok(json!("0x0"))
    });
    register(&mut m, "evm_snapshot", |_, c| {
        Ok(hex_u64(c.lock().snapshot()))
    });
    register(&mut m, "evm_revert", |p, c| {
        let v: Value = p.sequence().next().map_err(params_error)?;
        let id = quantity(&v)?;
        let id = u64::try_from(id).map_err(|_| RpcError::invalid_params("invalid snapshot id"))?;
        Ok(json!(c.lock().revert(id)))
    });
    register(&mut m, "anvil_setBalance", |p, c| {
        let mut seq = p.sequence();
        let address: Address = seq.next().map_err(params_error)?;
        let wei: U256 = seq.next().map_err(params_error)?;
        c.lock().set_balance(address, wei);
        Ok(Value::Null)
    });
    m
}
