//! `cache`: bids for Arbitrum's program cache (CacheManager), where cached programs pay far
//! less per call. Lists the bid each program needs, or places them.

use crate::abi::{ArbWasmCache, CacheManager};
use crate::error::{CliError, Result};
use crate::manifest::Manifest;
use crate::output::Table;
use crate::rpc::Chain;
use alloy_primitives::{address, Address, B256, U256};
use alloy_sol_types::SolCall;
use std::collections::BTreeSet;

/// Arbitrum's ArbWasmCache precompile.
pub const ARB_WASM_CACHE: Address = address!("0000000000000000000000000000000000000072");

/// One program's cache state.
#[derive(Debug, Clone)]
pub struct Bid {
    /// A contract running the program.
    pub contract: String,
    /// Its address.
    pub address: Address,
    /// The program's code hash.
    pub code_hash: B256,
    /// Whether it is cached.
    pub cached: bool,
    /// The minimum bid.
    pub min_bid: U256,
}

/// The CacheManager, and each distinct program's state.
///
/// # Errors
/// [`CliError::Refused`] when the chain has no CacheManager.
pub async fn bids(chain: &Chain, m: &Manifest) -> Result<(Address, Vec<Bid>)> {
    let managers = chain
        .view(ARB_WASM_CACHE, &ArbWasmCache::allCacheManagersCall {})
        .await
        .map_err(|e| CliError::Refused(format!(
            "this chain has no program cache: ArbWasmCache at {ARB_WASM_CACHE} did not answer ({e}); programs run uncached (nothing was sent)"
        )))?
        .managers;
    let manager = *managers.last().ok_or_else(|| {
        CliError::Refused("ArbWasmCache lists no CacheManager (nothing was sent)".into())
    })?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (name, c) in &m.contracts {
        if c.package == "external" || !seen.insert(c.code_hash) {
            continue;
        }
        let cached = chain
            .view(
                ARB_WASM_CACHE,
                &ArbWasmCache::codehashIsCachedCall {
                    codehash: c.code_hash,
                },
            )
            .await?
            .cached;
        let min_bid = chain
            .view(manager, &CacheManager::getMinBidCall { program: c.address })
            .await?
            .min
            .to::<U256>();
        out.push(Bid {
            contract: name.clone(),
            address: c.address,
            code_hash: c.code_hash,
            cached,
            min_bid,
        });
    }
    Ok((manager, out))
}

/// The bids as a table, with the command a user would send for each.
pub fn table(manager: Address, list: &[Bid]) -> Table {
    let mut t = Table::new(&["contract", "program", "cached", "min bid (wei)", "bid with"]);
    for b in list {
        t.row(vec![
            b.contract.clone(),
            b.address.to_string(),
            b.cached.to_string(),
            b.min_bid.to_string(),
            if b.cached {
                "-".into()
            } else {
                format!(
                    "cast send {manager} 'placeBid(address)' {} --value {}",
                    b.address, b.min_bid
                )
            },
        ]);
    }
    t
}

/// The `placeBid` calldata of a program.
pub fn place_bid(program: Address) -> Vec<u8> {
    CacheManager::placeBidCall { program }.abi_encode()
}
