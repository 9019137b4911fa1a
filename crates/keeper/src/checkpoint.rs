//! The checkpoint file: the deployment it belongs to, the next block discovery scans and the
//! accounts found so far. Written through a temporary file and a rename after every scan, so a
//! kill leaves the old or the new one; a restart resumes from it instead of re-scanning from the
//! deployment block.

use alloy_primitives::{Address, B256};
use clearing_cli::error::{CliError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// What discovery has done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The chain.
    pub chain_id: u64,
    /// The deployment (its CollateralVault's address).
    pub vault: Address,
    /// The next block to scan.
    pub next_block: u64,
    /// Every account seen in the events scanned.
    pub accounts: BTreeSet<B256>,
}

impl Checkpoint {
    /// A fresh checkpoint starting at the deployment's first block.
    pub fn fresh(chain_id: u64, vault: Address, first_block: u64) -> Self {
        Self {
            chain_id,
            vault,
            next_block: first_block,
            accounts: BTreeSet::new(),
        }
    }

    /// Reads the checkpoint at `path` if there is one, checking it belongs to this deployment.
    ///
    /// # Errors
    /// [`CliError::Usage`] for a file that does not parse or belongs to another chain or
    /// deployment (naming the file: delete it to re-scan).
    pub fn load(path: &Path, chain_id: u64, vault: Address) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "cannot read the checkpoint {}: {e}",
                    path.display()
                )))
            }
        };
        let c: Self = serde_json::from_str(&text)
            .map_err(|e| CliError::Usage(format!("checkpoint {}: {e}", path.display())))?;
        if c.chain_id != chain_id || c.vault != vault {
            return Err(CliError::Usage(format!(
                "the checkpoint {} is for chain {} and vault {}, not this deployment (chain {chain_id}, vault {vault}): give another checkpoint path or delete it",
                path.display(),
                c.chain_id,
                c.vault
            )));
        }
        Ok(Some(c))
    }

    /// Writes the checkpoint atomically.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| {
                CliError::Usage(format!(
                    "cannot write the checkpoint {}: {e}",
                    path.display()
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_another_deployment() {
        let dir = std::env::temp_dir().join(format!("keeper-cp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cp.json");
        let vault = Address::repeat_byte(7);
        assert_eq!(Checkpoint::load(&path, 1, vault).unwrap(), None);
        let mut c = Checkpoint::fresh(1, vault, 10);
        c.accounts.insert(B256::repeat_byte(1));
        c.next_block = 42;
        c.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path, 1, vault).unwrap(), Some(c));
        let e = Checkpoint::load(&path, 2, vault).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not this deployment"), "{e}");
        std::fs::write(&path, "{").unwrap();
        assert!(Checkpoint::load(&path, 1, vault).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
