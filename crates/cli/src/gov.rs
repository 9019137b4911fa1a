//! `gov`: Timelock proposals built from a parameter's name and value, checked against the rule
//! the contract applies before anything is sent; the queue from the Timelock's events; execution
//! and cancellation.

use crate::abi::Timelock;
use crate::error::{CliError, Result};
use crate::manifest::Manifest;
use crate::output::Table;
use crate::params;
use crate::rpc::Chain;
use alloy_primitives::{hex, keccak256, Address, Bytes, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::{SolCall, SolEvent};
use clearing_core::governance::{check_change, ChangeError, Direction, ProposalState};
use serde_json::json;

/// A checked proposal, ready to queue.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The Timelock.
    pub timelock: Address,
    /// The contract changed.
    pub target: Address,
    /// The call the Timelock will make.
    pub data: Vec<u8>,
    /// The salt.
    pub salt: B256,
    /// The proposal id (`hashCall(target, data, salt)`).
    pub id: B256,
    /// The `queue` calldata.
    pub queue: Vec<u8>,
    /// The old and new value, as text.
    pub change: (String, String),
    /// The direction of the change.
    pub direction: Direction,
    /// Earliest execution.
    pub eta: u64,
}

/// The rule's refusal in words, with the contract's error name.
fn refusal(
    spec: &params::Spec,
    e: ChangeError,
    (old, new): (U256, U256),
    decimals: u8,
    last: u64,
    eta: u64,
) -> String {
    let rule = spec.rule(old, decimals);
    let show = |v: U256| spec.show(v, decimals);
    let what = format!("{} {}", spec.contract, spec.name);
    match e {
        ChangeError::OutOfBounds => format!(
            "refused by the rule of {what}: {} is outside its bounds {} ..= {} (ParameterOutOfBounds); nothing was sent",
            show(new),
            show(rule.min),
            show(rule.max)
        ),
        ChangeError::StepTooLarge => format!(
            "refused by the rule of {what}: {} -> {} moves it by {}, more than its step of {} (ParameterStepTooLarge); nothing was sent",
            show(old),
            show(new),
            show(if new > old { new - old } else { old - new }),
            show(rule.max_step)
        ),
        ChangeError::TooSoon => format!(
            "refused by the rule of {what}: it last changed at {last} and may change again from {}, after the proposal's earliest execution at {eta} (ParameterChangedTooSoon); nothing was sent",
            last + rule.min_interval
        ),
    }
}

/// Builds and checks a proposal to set `contract`'s `parameter` to `value` (of `market` or
/// `asset` for per-market and per-asset parameters).
///
/// # Errors
/// [`CliError::Rule`] with the rule's reason; [`CliError::Usage`] for unknown names.
#[allow(clippy::too_many_arguments)]
pub async fn propose(
    chain: &Chain,
    manifest: &Manifest,
    contract: &str,
    parameter: &str,
    value: &str,
    market: Option<u32>,
    asset: Option<&str>,
    salt: Option<B256>,
) -> Result<Proposal> {
    let spec = params::lookup(contract, parameter)?;
    let market = spec.market(market)?;
    let asset = spec.asset(asset.map(|a| manifest.asset(a)).transpose()?)?;
    let decimals = spec.decimals(chain, manifest, asset).await?;
    let new = spec.parse(value, decimals)?;
    let timelock = manifest.address("Timelock")?;
    let target = manifest.address(spec.contract)?;
    let old = spec.current(chain, target, market, asset).await?;
    let last = spec
        .last_change(chain, manifest, target, market, asset)
        .await?;
    let delay = chain.view(timelock, &Timelock::delayCall {}).await?.delay;
    let now = chain.latest().await?.1;
    let eta = now + delay;
    let direction = check_change(&spec.rule(old, decimals), old, new, last, eta)
        .map_err(|e| CliError::Rule(refusal(spec, e, (old, new), decimals, last, eta)))?;
    let data = spec.call_for(chain, target, market, asset, new).await?;
    let salt = salt.unwrap_or_else(|| {
        let mut seed = now.to_be_bytes().to_vec();
        seed.extend_from_slice(&data);
        keccak256(seed)
    });
    let id = hash_call(target, &data, salt);
    let queue = Timelock::queueCall {
        target,
        data: Bytes::from(data.clone()),
        salt,
    }
    .abi_encode();
    Ok(Proposal {
        timelock,
        target,
        data,
        salt,
        id,
        queue,
        change: (spec.show(old, decimals), spec.show(new, decimals)),
        direction,
        eta,
    })
}

/// The Timelock's proposal id: keccak256 of `abi.encode(target, data, salt)` (as the core lays
/// it out).
pub fn hash_call(target: Address, data: &[u8], salt: B256) -> B256 {
    let mut enc = clearing_core::governance::call_encoding_head(target, data.len(), salt).to_vec();
    enc.extend_from_slice(data);
    enc.resize(
        enc.len() + clearing_core::governance::call_encoding_padding(data.len()),
        0,
    );
    keccak256(enc)
}

/// A queued proposal as the Timelock's events and views show it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Its id.
    pub id: B256,
    /// Its target.
    pub target: Address,
    /// Its call.
    pub data: Bytes,
    /// Earliest execution.
    pub eta: u64,
    /// Last second of execution.
    pub expires_at: u64,
    /// State now: queued, ready, expired, executed, cancelled.
    pub state: String,
    /// The transaction that queued it.
    pub tx: Option<B256>,
}

/// Every proposal the Timelock has queued since the deployment.
///
/// # Errors
/// [`CliError::Rpc`].
pub async fn queued(chain: &Chain, manifest: &Manifest) -> Result<Vec<Queued>> {
    let timelock = manifest.address("Timelock")?;
    let filter = Filter::new()
        .address(timelock)
        .event_signature(Timelock::Queued::SIGNATURE_HASH)
        .from_block(manifest.first_block());
    let logs = chain.logs(&filter).await?;
    let now = chain.latest().await?.1;
    let mut out = Vec::new();
    for log in logs {
        let Ok(ev) = Timelock::Queued::decode_log_data(log.data(), true) else {
            continue;
        };
        let p = chain
            .view(timelock, &Timelock::proposalCall { id: ev.id })
            .await?;
        let state = match ProposalState::from_code(p.state) {
            Some(ProposalState::Queued) if now > p.expiresAt => "expired",
            Some(ProposalState::Queued) if now >= p.eta => "ready",
            Some(ProposalState::Queued) => "queued",
            Some(ProposalState::Executed) => "executed",
            Some(ProposalState::Cancelled) => "cancelled",
            _ => "unknown",
        };
        out.retain(|q: &Queued| q.id != ev.id);
        out.push(Queued {
            id: ev.id,
            target: ev.target,
            data: ev.data.clone(),
            eta: p.eta,
            expires_at: p.expiresAt,
            state: state.into(),
            tx: log.transaction_hash,
        });
    }
    Ok(out)
}

/// The queued proposals as a table.
pub fn queued_table(manifest: &Manifest, list: &[Queued]) -> Table {
    let mut t = Table::new(&["id", "target", "call", "eta", "expires", "state"]);
    for q in list {
        let name = manifest
            .name_of(q.target)
            .map_or_else(|| q.target.to_string(), ToString::to_string);
        t.row(vec![
            q.id.to_string(),
            name,
            format!("0x{}", hex::encode(&q.data)),
            q.eta.to_string(),
            q.expires_at.to_string(),
            q.state.clone(),
        ]);
    }
    t
}

/// The queued proposals as JSON.
pub fn queued_json(manifest: &Manifest, list: &[Queued]) -> serde_json::Value {
    json!(list
        .iter()
        .map(|q| json!({
            "id": q.id,
            "target": q.target,
            "contract": manifest.name_of(q.target),
            "data": q.data,
            "eta": q.eta,
            "expiresAt": q.expires_at,
            "state": q.state,
        }))
        .collect::<Vec<_>>())
}

/// The `execute` call of proposal `id`: its target and data from the `Queued` event, its salt
/// from the `queue` transaction (or `salt`).
///
/// # Errors
/// [`CliError::Usage`] for an unknown id or a salt that cannot be found.
pub async fn execute_call(
    chain: &Chain,
    manifest: &Manifest,
    id: B256,
    salt: Option<B256>,
) -> Result<Vec<u8>> {
    let list = queued(chain, manifest).await?;
    let q = list
        .iter()
        .find(|q| q.id == id)
        .ok_or_else(|| CliError::Usage(format!("no proposal {id} was queued on the Timelock")))?;
    let salt = match salt {
        Some(s) => s,
        None => {
            let tx = q.tx.ok_or_else(|| CliError::Usage("give --salt".into()))?;
            let t = chain
                .provider
                .get_transaction_by_hash(tx)
                .await
                .map_err(crate::rpc::rpc_error)?
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "the queue transaction {tx} is not found: give --salt"
                    ))
                })?;
            let data = {
                use alloy_consensus::Transaction as _;
                t.input().clone()
            };
            Timelock::queueCall::abi_decode(&data, true)
                .map_err(|_| {
                    CliError::Usage(format!(
                        "the proposal was not queued by a direct Timelock.queue call ({tx}): give --salt"
                    ))
                })?
                .salt
        }
    };
    Ok(Timelock::executeCall {
        target: q.target,
        data: q.data.clone(),
        salt,
    }
    .abi_encode())
}
