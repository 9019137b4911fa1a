//! The deployment manifest (JSON): chain id, every contract with its address, code hash and
//! transactions, each completed step with its transaction and block, and the config it was made
//! from (with its hash). `deploy` resumes from it; `gov` and `status` read addresses from it.

use crate::error::{CliError, Result};
use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A deployed contract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractEntry {
    /// The WASM package it runs (`target/stylus/<package>.wasm`).
    pub package: String,
    /// Its address.
    pub address: Address,
    /// keccak256 of its deployed code (`EFF00000` and the compressed WASM).
    pub code_hash: B256,
    /// The deployment transaction.
    pub deploy_tx: B256,
    /// The transaction that activated its code hash (shared by contracts with the same code);
    /// none when the program was already active on the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_tx: Option<B256>,
    /// The constructor call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constructor_tx: Option<B256>,
}

/// A completed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What it did (unique within a deployment).
    pub step: String,
    /// Its transaction.
    pub tx: B256,
    /// The block it was mined in.
    pub block: u64,
}

/// A transaction sent and not yet confirmed when the manifest was last written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The step.
    pub step: String,
    /// Its transaction.
    pub tx: B256,
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The chain.
    pub chain_id: u64,
    /// The account that deployed (and then gave up every admin role).
    pub deployer: Address,
    /// keccak256 of the config's canonical JSON.
    pub config_hash: B256,
    /// The config's canonical JSON.
    pub config: serde_json::Value,
    /// Whether every step is done (the admin roles are the Timelock's).
    pub complete: bool,
    /// Contracts by name (`RiskModule`, ..., `token:USDC`, `feed:USDC`).
    pub contracts: BTreeMap<String, ContractEntry>,
    /// Market ids by underlying symbol.
    #[serde(default)]
    pub markets: BTreeMap<String, u32>,
    /// Completed steps, in order.
    pub steps: Vec<Step>,
    /// A transaction sent but not confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

impl Manifest {
    /// Reads a manifest.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read the manifest {}: {e}", path.display()))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| CliError::Usage(format!("manifest {}: {e}", path.display())))
    }

    /// Writes the manifest (through a temporary file, so a kill leaves the old or the new one).
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| {
                CliError::Usage(format!("cannot write the manifest {}: {e}", path.display()))
            })
    }

    /// Whether step `id` is done.
    pub fn done(&self, id: &str) -> bool {
        self.steps.iter().any(|s| s.step == id)
    }

    /// The address of contract `name`.
    ///
    /// # Errors
    /// [`CliError::Usage`] when the manifest has no such contract.
    pub fn address(&self, name: &str) -> Result<Address> {
        self.contracts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, c)| c.address)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "the manifest has no contract {name:?}: it has {}",
                    self.contracts
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// A collateral asset by symbol (`token:SYMBOL`) or address.
    ///
    /// # Errors
    /// [`CliError::Usage`] for an unknown symbol.
    pub fn asset(&self, symbol_or_address: &str) -> Result<Address> {
        if let Ok(a) = symbol_or_address.parse::<Address>() {
            return Ok(a);
        }
        self.address(&format!("token:{symbol_or_address}"))
    }

    /// The name of the contract at `address`, if it is one of the manifest's.
    pub fn name_of(&self, address: Address) -> Option<&str> {
        self.contracts
            .iter()
            .find(|(_, c)| c.address == address)
            .map(|(k, _)| k.as_str())
    }

    /// The first block of the deployment (where event scans start).
    pub fn first_block(&self) -> u64 {
        self.steps.first().map_or(0, |s| s.block)
    }
}
