//! The chain the node serves: the runtime's world state, blocks, transactions
//! and receipts, the transaction pool, time, snapshots and state files.

use crate::error::RpcError;
use alloy_consensus::{
    proofs::calculate_transaction_root, Eip658Value, Header, Receipt, ReceiptEnvelope,
    ReceiptWithBloom, Transaction as _, TxEnvelope, EMPTY_OMMER_ROOT_HASH,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Address, Bloom, Bytes, B256, U256};
use alloy_rpc_types_eth::{Log as RpcLog, TransactionReceipt};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};
use stylus_runtime::{AccountDump, BlockEnv, Outcome, Runtime, Snapshot, StateDump, Transaction};

/// Base fee of every block, in wei (Arbitrum's minimum, 0.1 gwei).
pub const BASE_FEE: u128 = 100_000_000;
/// Gas limit of a block (Arbitrum's).
pub const BLOCK_GAS_LIMIT: u64 = 1 << 50;
/// Gas cap of `eth_call` and `eth_estimateGas` (geth's default).
pub const CALL_GAS_CAP: u64 = 50_000_000;
/// Largest gas limit a transaction may ask for.
pub const TX_GAS_CAP: u64 = 32_000_000 * 4;
/// How many recent blocks keep their state for calls at a past block.
pub const STATE_HISTORY: usize = 64;
/// Most future-nonce transactions held per sender.
pub const MAX_QUEUED_PER_SENDER: usize = 256;

/// A mined block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockRecord {
    /// Hash of the header.
    pub hash: B256,
    /// The header.
    pub header: Header,
    /// Transaction hashes, in order.
    pub transactions: Vec<B256>,
}

/// A transaction the node accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TxRecord {
    /// The signed transaction.
    pub envelope: TxEnvelope,
    /// The recovered sender.
    pub from: Address,
    /// Block, index and effective gas price once mined.
    pub mined: Option<(B256, u64, u64, u128)>,
    /// The receipt once mined.
    pub receipt: Option<TransactionReceipt>,
}

/// What the chain records besides the world state (kept in snapshots and
/// state files).
#[derive(Clone, Serialize, Deserialize, Default)]
struct History {
    blocks: Vec<BlockRecord>,
    by_hash: HashMap<B256, u64>,
    txs: HashMap<B256, TxRecord>,
    /// Transactions waiting to be mined, per sender by nonce.
    pool: HashMap<Address, BTreeMap<u64, B256>>,
    /// Arrival order of the pool's transactions.
    arrival: VecDeque<B256>,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    time_offset: i64,
    /// Timestamp of the next block (`evm_setNextBlockTimestamp`).
    next_timestamp: Option<u64>,
}

/// The node's chain.
pub struct Chain {
    rt: Runtime,
    history: History,
    /// States after recent blocks, oldest first.
    states: VecDeque<(u64, Snapshot)>,
    snapshots: Vec<Option<(Snapshot, History)>>,
    chain_id: u64,
    /// Whether each transaction is mined at once in its own block.
    pub instant: bool,
}

/// A call or transaction request after parsing.
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// Sender.
    pub from: Address,
    /// Callee, `None` for a creation.
    pub to: Option<Address>,
    /// Data.
    pub input: Bytes,
    /// Value.
    pub value: U256,
    /// Gas limit, if given.
    pub gas: Option<u64>,
}

/// An account override of `eth_call` (code and balance).
#[derive(Debug, Clone, Default)]
pub struct Override {
    /// New balance.
    pub balance: Option<U256>,
    /// New code.
    pub code: Option<Bytes>,
    /// New nonce.
    pub nonce: Option<u64>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The JSON-RPC error of an execution that did not succeed.
pub fn execution_error(outcome: &Outcome, output: &Bytes) -> RpcError {
    match outcome {
        Outcome::Success => RpcError::internal("not an error"),
        Outcome::Revert => RpcError::revert(output.clone()),
        Outcome::OutOfGas => RpcError::server("out of gas"),
        Outcome::Failure(why) => RpcError::server(format!("execution failed: {why}")),
    }
}

impl Chain {
    /// A new chain at genesis: the given accounts funded.
    pub fn new(chain_id: u64, funded: &[(Address, U256)], instant: bool) -> Self {
        let mut rt = Runtime::new();
        rt.require_activation(true);
        rt.block_mut().chain_id = chain_id;
        rt.block_mut().basefee = U256::from(BASE_FEE);
        rt.block_mut().gas_limit = BLOCK_GAS_LIMIT;
        for (a, v) in funded {
            rt.set_balance(*a, *v);
        }
        let mut chain = Self {
            rt,
            history: History::default(),
            states: VecDeque::new(),
            snapshots: Vec::new(),
            chain_id,
            instant,
        };
        chain.seal_block(Vec::new(), BASE_FEE, now());
        chain
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The latest block's number.
    pub fn head(&self) -> u64 {
        self.history.blocks.len() as u64 - 1
    }

    /// A block by number.
    pub fn block(&self, number: u64) -> Option<&BlockRecord> {
        self.history.blocks.get(number as usize)
    }

    /// A block by hash.
    pub fn block_by_hash(&self, hash: &B256) -> Option<&BlockRecord> {
        self.history.by_hash.get(hash).and_then(|n| self.block(*n))
    }

    /// A transaction by hash.
    pub fn tx(&self, hash: &B256) -> Option<&TxRecord> {
        self.history.txs.get(hash)
    }

    /// The runtime at the latest block.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Runs `f` on the state after block `number`.
    ///
    /// # Errors
    /// -32000 when the block is unknown or its state is no longer kept.
    pub fn at<R>(&mut self, number: u64, f: impl FnOnce(&mut Runtime) -> R) -> Result<R, RpcError> {
        if number > self.head() {
            return Err(RpcError::server(format!(
                "header not found: block {number}"
            )));
        }
        if number == self.head() {
            return Ok(f(&mut self.rt));
        }
        let Some(state) = self
            .states
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, s)| s.clone())
        else {
            return Err(RpcError::server(format!(
                "historical state not available for block {number}: the node keeps the last {STATE_HISTORY} blocks"
            )));
        };
        let current = self.rt.snapshot();
        self.rt.restore(state);
        let r = f(&mut self.rt);
        self.rt.restore(current);
        Ok(r)
    }

    /// The nonce the next transaction of `sender` needs, counting its
    /// transactions waiting in the pool.
    pub fn pending_nonce(&self, sender: Address) -> u64 {
        let mut nonce = self.rt.nonce(sender);
        if let Some(queue) = self.history.pool.get(&sender) {
            while queue.contains_key(&nonce) {
                nonce += 1;
            }
        }
        nonce
    }

    /// The timestamp the next block gets.
    fn next_block_time(&self) -> u64 {
        let last = self.history.blocks.last().map_or(0, |b| b.header.timestamp);
        match self.history.next_timestamp {
            Some(t) => t,
            None => ((now() as i64 + self.history.time_offset).max(0) as u64).max(last),
        }
    }

    /// Sets the runtime's block to the one being built.
    fn prepare_block_env(&mut self) {
        let number = self.history.blocks.len() as u64;
        let timestamp = self.next_block_time();
        let block = self.rt.block_mut();
        block.number = number;
        block.timestamp = timestamp;
    }

    /// Validates a signed transaction and puts it in the pool; with
    /// instant mining, mines what is ready. Returns its hash.
    ///
    /// # Errors
    /// The geth error of a transaction that is refused (chain id, nonce,
    /// fees, balance, intrinsic gas, already known); nothing changes then.
    pub fn submit(&mut self, envelope: TxEnvelope) -> Result<B256, RpcError> {
        let hash = *envelope.tx_hash();
        if self.history.txs.contains_key(&hash) {
            return Err(RpcError::server("already known"));
        }
        match &envelope {
            TxEnvelope::Legacy(_) | TxEnvelope::Eip2930(_) | TxEnvelope::Eip1559(_) => {}
            _ => return Err(RpcError::server("transaction type not supported")),
        }
        match envelope.chain_id() {
            None => {
                return Err(RpcError::server(
                    "only replay-protected (EIP-155) transactions allowed over RPC",
                ))
            }
            Some(id) if id != self.chain_id => {
                return Err(RpcError::server(format!(
                    "invalid chain id for signer: have {id} want {}",
                    self.chain_id
                )))
            }
            Some(_) => {}
        }
        let from = envelope
            .recover_signer()
            .map_err(|_| RpcError::server("invalid sender"))?;
        let nonce = envelope.nonce();
        let state_nonce = self.rt.nonce(from);
        if nonce < state_nonce {
            return Err(RpcError::server(format!(
                "nonce too low: address {from}, tx: {nonce} state: {state_nonce}"
            )));
        }
        let queue = self.history.pool.get(&from);
        if queue.is_some_and(|q| q.contains_key(&nonce)) {
            return Err(RpcError::server("replacement transaction underpriced"));
        }
        if queue.is_some_and(|q| q.len() >= MAX_QUEUED_PER_SENDER) {
            return Err(RpcError::server("txpool is full"));
        }
        self.check_static(&envelope, from)?;
        self.history.txs.insert(
            hash,
            TxRecord {
                envelope,
                from,
                mined: None,
                receipt: None,
            },
        );
        self.history
            .pool
            .entry(from)
            .or_default()
            .insert(nonce, hash);
        self.history.arrival.push_back(hash);
        if self.instant {
            while self.mine(true) > 0 {}
        }
        Ok(hash)
    }

    /// Checks gas, fees and balance of a transaction from `from`.
    fn check_static(&self, tx: &TxEnvelope, from: Address) -> Result<(), RpcError> {
        let runtime_tx = Transaction {
            from,
            to: tx.to(),
            input: tx.input().clone(),
            value: tx.value(),
            gas_limit: tx.gas_limit(),
        };
        let intrinsic = Runtime::intrinsic_gas(&runtime_tx);
        if tx.gas_limit() < intrinsic {
            return Err(RpcError::server(format!(
                "intrinsic gas too low: have {}, want {intrinsic}",
                tx.gas_limit()
            )));
        }
        if tx.gas_limit() > TX_GAS_CAP {
            return Err(RpcError::server(format!(
                "exceeds block gas limit: gas {} above the cap {TX_GAS_CAP}",
                tx.gas_limit()
            )));
        }
        let max_fee = tx.max_fee_per_gas();
        if max_fee < BASE_FEE {
            return Err(RpcError::server(format!(
                "max fee per gas less than block base fee: address {from}, maxFeePerGas: {max_fee}, baseFee: {BASE_FEE}"
            )));
        }
        if let Some(tip) = tx.max_priority_fee_per_gas() {
            if tip > max_fee {
                return Err(RpcError::server(format!(
                    "max priority fee per gas higher than max fee per gas: address {from}, maxPriorityFeePerGas: {tip}, maxFeePerGas: {max_fee}"
                )));
            }
        }
        let cost = U256::from(tx.gas_limit()) * U256::from(max_fee) + tx.value();
        let have = self.rt.balance(from);
        if have < cost {
            return Err(RpcError::server(format!(
                "insufficient funds for gas * price + value: address {from} have {have} want {cost}"
            )));
        }
        Ok(())
    }

    /// Mines one block: with `one` a single ready transaction (instant
    /// mining), otherwise every ready transaction. Returns how many were
    /// included; transactions that can no longer pay are dropped.
    pub fn mine(&mut self, one: bool) -> usize {
        self.prepare_block_env();
        let base_fee = BASE_FEE;
        let mut included: Vec<(B256, TxEnvelope, Address, stylus_runtime::Receipt, u128)> =
            Vec::new();
        loop {
            // the oldest transaction whose nonce is next for its sender
            let ready = self.history.arrival.iter().position(|h| {
                self.history
                    .txs
                    .get(h)
                    .is_some_and(|t| t.envelope.nonce() == self.rt.nonce(t.from))
            });
            let Some(pos) = ready else { break };
            let Some(hash) = self.history.arrival.remove(pos) else {
                break;
            };
            let Some(record) = self.history.txs.get(&hash).cloned() else {
                continue;
            };
            let from = record.from;
            let tx = &record.envelope;
            if let Some(q) = self.history.pool.get_mut(&from) {
                q.remove(&tx.nonce());
                if q.is_empty() {
                    self.history.pool.remove(&from);
                }
            }
            if self.check_static(tx, from).is_err() {
                // cannot pay any more: dropped, like an invalid pool entry
                self.history.txs.remove(&hash);
                continue;
            }
            let price = tx.effective_gas_price(Some(base_fee as u64));
            let receipt = self.rt.execute(
                &Transaction {
                    from,
                    to: tx.to(),
                    input: tx.input().clone(),
                    value: tx.value(),
                    gas_limit: tx.gas_limit(),
                },
                true,
            );
            let fee = U256::from(receipt.gas.estimate()) * U256::from(price);
            let balance = self.rt.balance(from);
            self.rt.set_balance(from, balance.saturating_sub(fee));
            let coinbase = self.rt.block().coinbase;
            let tip = U256::from(receipt.gas.estimate()) * U256::from(price - base_fee.min(price));
            let cb = self.rt.balance(coinbase);
            self.rt.set_balance(coinbase, cb + tip);
            included.push((hash, record.envelope.clone(), from, receipt, price));
            if one {
                break;
            }
        }
        if one && included.is_empty() {
            return 0;
        }
        let n = included.len();
        let timestamp = self.rt.block().timestamp;
        self.seal_block(included, base_fee, timestamp);
        n
    }

    /// Closes the block being built with these executed transactions.
    fn seal_block(
        &mut self,
        included: Vec<(B256, TxEnvelope, Address, stylus_runtime::Receipt, u128)>,
        base_fee: u128,
        timestamp: u64,
    ) {
        let number = self.history.blocks.len() as u64;
        let parent_hash = self.history.blocks.last().map_or(B256::ZERO, |b| b.hash);
        let mut bloom = Bloom::default();
        let mut cumulative = 0u64;
        let mut log_index = 0u64;
        let mut receipts = Vec::new();
        for (index, (hash, envelope, from, receipt, price)) in included.iter().enumerate() {
            let used = receipt.gas.estimate();
            cumulative += used;
            let mut tx_bloom = Bloom::default();
            let logs: Vec<RpcLog> = receipt
                .logs
                .iter()
                .map(|log| {
                    tx_bloom.accrue_log(log);
                    let l = RpcLog {
                        inner: log.clone(),
                        block_hash: None,
                        block_number: Some(number),
                        block_timestamp: Some(timestamp),
                        transaction_hash: Some(*hash),
                        transaction_index: Some(index as u64),
                        log_index: Some(log_index),
                        removed: false,
                    };
                    log_index += 1;
                    l
                })
                .collect();
            bloom.accrue_bloom(&tx_bloom);
            let inner = ReceiptWithBloom {
                receipt: Receipt {
                    status: Eip658Value::Eip658(receipt.outcome.is_success()),
                    cumulative_gas_used: cumulative,
                    logs,
                },
                logs_bloom: tx_bloom,
            };
            let envelope_receipt = match envelope {
                TxEnvelope::Legacy(_) => ReceiptEnvelope::Legacy(inner),
                TxEnvelope::Eip2930(_) => ReceiptEnvelope::Eip2930(inner),
                _ => ReceiptEnvelope::Eip1559(inner),
            };
            receipts.push(TransactionReceipt {
                inner: envelope_receipt,
                transaction_hash: *hash,
                transaction_index: Some(index as u64),
                block_hash: None,
                block_number: Some(number),
                gas_used: used,
                effective_gas_price: *price,
                blob_gas_used: None,
                blob_gas_price: None,
                from: *from,
                to: envelope.to(),
                contract_address: if receipt.outcome.is_success() {
                    receipt.contract
                } else {
                    None
                },
            });
        }
        let envelopes: Vec<TxEnvelope> = included.iter().map(|t| t.1.clone()).collect();
        let header = Header {
            parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: self.rt.block().coinbase,
            state_root: keccak256(number.to_be_bytes()),
            transactions_root: calculate_transaction_root(&envelopes),
            receipts_root: B256::ZERO,
            logs_bloom: bloom,
            difficulty: U256::from(1),
            number,
            gas_limit: BLOCK_GAS_LIMIT,
            gas_used: cumulative,
            timestamp,
            extra_data: Bytes::new(),
            mix_hash: B256::ZERO,
            nonce: Default::default(),
            base_fee_per_gas: Some(base_fee as u64),
            withdrawals_root: None,
            blob_gas_used: None,
            excess_blob_gas: None,
            parent_beacon_block_root: None,
            requests_hash: None,
        };
        let hash = header.hash_slow();
        let mut tx_hashes = Vec::new();
        for ((tx_hash, _, _, _, price), mut receipt) in included.into_iter().zip(receipts) {
            receipt.block_hash = Some(hash);
            let inner = match &mut receipt.inner {
                ReceiptEnvelope::Legacy(r)
                | ReceiptEnvelope::Eip2930(r)
                | ReceiptEnvelope::Eip1559(r)
                | ReceiptEnvelope::Eip4844(r)
                | ReceiptEnvelope::Eip7702(r) => r,
            };
            for log in &mut inner.receipt.logs {
                log.block_hash = Some(hash);
            }
            tracing::info!(
                block = number,
                tx = %tx_hash,
                status = receipt.status(),
                gas_used = receipt.gas_used,
                contract = ?receipt.contract_address,
                "mined"
            );
            if let Some(record) = self.history.txs.get_mut(&tx_hash) {
                let index = tx_hashes.len() as u64;
                record.mined = Some((hash, number, index, price));
                record.receipt = Some(receipt);
            }
            tx_hashes.push(tx_hash);
        }
        self.history.blocks.push(BlockRecord {
            hash,
            header,
            transactions: tx_hashes,
        });
        self.history.by_hash.insert(hash, number);
        self.history.next_timestamp = None;
        self.states.push_back((number, self.rt.snapshot()));
        while self.states.len() > STATE_HISTORY {
            self.states.pop_front();
        }
        // the runtime's block is the next one
        let next = self.next_block_time();
        let block = self.rt.block_mut();
        block.number = number + 1;
        block.timestamp = next;
    }

    /// Mines a block now (`evm_mine`): the pool's ready transactions, or an
    /// empty block.
    pub fn mine_now(&mut self) {
        self.mine(false);
    }

    /// Runs a call on the state after block `number` without keeping any
    /// change (`eth_call`), with account overrides.
    ///
    /// # Errors
    /// -32602 for an override with code that is not a Stylus program;
    /// -32000 for an unknown block or insufficient funds for the value.
    pub fn call(
        &mut self,
        req: &CallRequest,
        number: u64,
        overrides: &[(Address, Override)],
    ) -> Result<stylus_runtime::Receipt, RpcError> {
        let head = number == self.head();
        let next_time = self.next_block_time();
        self.at(number, |rt| {
            let saved = (!overrides.is_empty()).then(|| rt.snapshot());
            let result = (|| {
                for (address, o) in overrides {
                    if let Some(b) = o.balance {
                        rt.set_balance(*address, b);
                    }
                    if let Some(n) = o.nonce {
                        rt.set_nonce(*address, n);
                    }
                    if let Some(code) = &o.code {
                        rt.set_code(*address, code).map_err(|e| {
                            RpcError::invalid_params(format!(
                                "code override of {address}: {e} (only Stylus programs run on this node)"
                            ))
                        })?;
                    }
                }
                let have = rt.balance(req.from);
                if have < req.value {
                    return Err(RpcError::server(format!(
                        "insufficient funds for gas * price + value: address {} have {have} want {}",
                        req.from, req.value
                    )));
                }
                let block = rt.block().clone();
                if head {
                    rt.block_mut().number = number + 1;
                    rt.block_mut().timestamp = next_time;
                } else {
                    rt.block_mut().number = number;
                }
                let receipt = rt.execute(
                    &Transaction {
                        from: req.from,
                        to: req.to,
                        input: req.input.clone(),
                        value: req.value,
                        gas_limit: req.gas.unwrap_or(CALL_GAS_CAP).min(CALL_GAS_CAP),
                    },
                    false,
                );
                *rt.block_mut() = block;
                Ok(receipt)
            })();
            if let Some(s) = saved {
                rt.restore(s);
            }
            result
        })?
    }

    /// The gas a call needs to succeed (`eth_estimateGas`): the runtime's
    /// figure, searched up from the gas it used when the 63/64 rule asks
    /// for more.
    ///
    /// # Errors
    /// Error 3 with the revert data when the call reverts at the cap, -32000
    /// for other failures, as [`Chain::call`].
    pub fn estimate(
        &mut self,
        req: &CallRequest,
        number: u64,
        overrides: &[(Address, Override)],
    ) -> Result<u64, RpcError> {
        let cap = req.gas.unwrap_or(CALL_GAS_CAP).min(CALL_GAS_CAP);
        let mut probe = req.clone();
        probe.gas = Some(cap);
        let first = self.call(&probe, number, overrides)?;
        if !first.outcome.is_success() {
            return Err(execution_error(&first.outcome, &first.output));
        }
        let intrinsic = Runtime::intrinsic_gas(&Transaction {
            from: req.from,
            to: req.to,
            input: req.input.clone(),
            value: req.value,
            gas_limit: cap,
        });
        let mut lo = first.gas.used.max(intrinsic);
        probe.gas = Some(lo);
        if self.call(&probe, number, overrides)?.outcome.is_success() {
            return Ok(lo);
        }
        let mut hi = cap;
        while hi - lo > 1 && hi - lo > lo / 1000 {
            let mid = lo + (hi - lo) / 2;
            probe.gas = Some(mid);
            if self.call(&probe, number, overrides)?.outcome.is_success() {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// Sets a balance (`anvil_setBalance`).
    pub fn set_balance(&mut self, address: Address, wei: U256) {
        self.rt.set_balance(address, wei);
        if let Some((_, s)) = self.states.back_mut() {
            *s = self.rt.snapshot();
        }
    }

    /// Moves time forward (`evm_increaseTime`); returns the total offset.
    pub fn increase_time(&mut self, seconds: i64) -> i64 {
        self.history.time_offset = self.history.time_offset.saturating_add(seconds);
        self.history.time_offset
    }

    /// Sets the next block's timestamp (`evm_setNextBlockTimestamp`).
    ///
    /// # Errors
    /// -32602 when it is before the latest block's timestamp.
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<(), RpcError> {
        let last = self.history.blocks.last().map_or(0, |b| b.header.timestamp);
        if timestamp < last {
            return Err(RpcError::invalid_params(format!(
                "timestamp {timestamp} is lower than the previous block's timestamp {last}"
            )));
        }
        self.history.next_timestamp = Some(timestamp);
        self.history.time_offset = timestamp as i64 - now() as i64;
        let block = self.rt.block_mut();
        block.timestamp = timestamp;
        Ok(())
    }

    /// Takes a snapshot (`evm_snapshot`); returns its id.
    pub fn snapshot(&mut self) -> u64 {
        self.snapshots
            .push(Some((self.rt.snapshot(), self.history.clone())));
        self.snapshots.len() as u64
    }

    /// Returns to snapshot `id` (`evm_revert`): false if it is unknown or
    /// already used. The snapshot and every later one are then used up.
    pub fn revert(&mut self, id: u64) -> bool {
        let index = id as usize;
        if index == 0 || index > self.snapshots.len() {
            return false;
        }
        let Some((state, history)) = self.snapshots[index - 1].take() else {
            return false;
        };
        self.snapshots.truncate(index - 1);
        self.rt.restore(state);
        self.history = history;
        let head = self.head();
        self.states.retain(|(n, _)| *n < head);
        self.states.push_back((head, self.rt.snapshot()));
        true
    }

    /// The logs of blocks `from..=to`, filtered.
    pub fn logs(
        &self,
        from: u64,
        to: u64,
        matches: impl Fn(&alloy_primitives::Log) -> bool,
    ) -> Vec<RpcLog> {
        let mut out = Vec::new();
        for n in from..=to.min(self.head()) {
            let Some(block) = self.block(n) else { continue };
            if block.transactions.is_empty() {
                continue;
            }
            for h in &block.transactions {
                let Some(r) = self.tx(h).and_then(|t| t.receipt.as_ref()) else {
                    continue;
                };
                for log in r.inner.logs() {
                    if matches(&log.inner) {
                        out.push(log.clone());
                    }
                }
            }
        }
        out
    }

    /// Writes the chain to a state file.
    ///
    /// # Errors
    /// The serialisation or I/O error.
    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        let file = StateFile {
            chain_id: self.chain_id,
            world: WorldFile::from(self.rt.dump()),
            history: self.history.clone(),
        };
        let json = serde_json::to_vec(&file).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads a chain from a state file.
    ///
    /// # Errors
    /// The I/O or format error, or a chain id that differs from `chain_id`.
    pub fn load(path: &std::path::Path, chain_id: u64, instant: bool) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: StateFile = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a state file of this node: {e}", path.display()))?;
        if file.chain_id != chain_id {
            return Err(format!(
                "{}: the state is of chain {}, not {chain_id}",
                path.display(),
                file.chain_id
            ));
        }
        let rt = Runtime::from_dump(&file.world.into())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut chain = Self {
            rt,
            history: file.history,
            states: VecDeque::new(),
            snapshots: Vec::new(),
            chain_id,
            instant,
        };
        if chain.history.blocks.is_empty() {
            return Err(format!("{}: the state has no blocks", path.display()));
        }
        let head = chain.head();
        chain.states.push_back((head, chain.rt.snapshot()));
        Ok(chain)
    }

    /// Code reported by `eth_getCode`: the system contracts, implemented
    /// natively, show `0xfe` as Arbitrum's precompiles do.
    pub fn code_of(rt: &Runtime, address: Address) -> Bytes {
        if stylus_runtime::arbitrum::is_system(address) {
            return Bytes::from_static(&[0xfe]);
        }
        rt.code(address)
    }

    /// The raw (EIP-2718) bytes of a transaction.
    pub fn raw(tx: &TxEnvelope) -> Bytes {
        tx.encoded_2718().into()
    }
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    chain_id: u64,
    world: WorldFile,
    history: History,
}

#[derive(Serialize, Deserialize)]
struct AccountFile {
    address: Address,
    balance: U256,
    nonce: u64,
    code: Bytes,
    storage: Vec<(B256, B256)>,
}

#[derive(Serialize, Deserialize)]
struct WorldFile {
    accounts: Vec<AccountFile>,
    activated: Vec<B256>,
    cached: Vec<B256>,
    timestamp: u64,
    number: u64,
    basefee: U256,
    chain_id: u64,
    coinbase: Address,
    gas_limit: u64,
    require_activation: bool,
}

impl From<StateDump> for WorldFile {
    fn from(d: StateDump) -> Self {
        Self {
            accounts: d
                .accounts
                .into_iter()
                .map(|a| AccountFile {
                    address: a.address,
                    balance: a.balance,
                    nonce: a.nonce,
                    code: a.code,
                    storage: a.storage,
                })
                .collect(),
            activated: d.activated,
            cached: d.cached,
            timestamp: d.block.timestamp,
            number: d.block.number,
            basefee: d.block.basefee,
            chain_id: d.block.chain_id,
            coinbase: d.block.coinbase,
            gas_limit: d.block.gas_limit,
            require_activation: d.require_activation,
        }
    }
}

impl From<WorldFile> for StateDump {
    fn from(w: WorldFile) -> Self {
        Self {
            accounts: w
                .accounts
                .into_iter()
                .map(|a| AccountDump {
                    address: a.address,
                    balance: a.balance,
                    nonce: a.nonce,
                    code: a.code,
                    storage: a.storage,
                })
                .collect(),
            activated: w.activated,
            cached: w.cached,
            block: BlockEnv {
                timestamp: w.timestamp,
                number: w.number,
                basefee: w.basefee,
                chain_id: w.chain_id,
                coinbase: w.coinbase,
                gas_limit: w.gas_limit,
            },
            require_activation: w.require_activation,
        }
    }
}
