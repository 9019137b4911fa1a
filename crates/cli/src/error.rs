//! Errors and the exit codes they map to.

use std::fmt;

/// Why a command failed; each kind has its own exit code (see [`CliError::exit_code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Bad input: arguments, a config or manifest file that cannot be read or parsed, a key that
    /// cannot be loaded. Exit code 2 (as clap's usage errors).
    Usage(String),
    /// A check before sending refused the run: chain id, balance, WASM, a config that disagrees
    /// with the manifest. Nothing was sent. Exit code 3.
    Refused(String),
    /// A governance change breaks the rule its contract applies. Nothing was sent. Exit code 4.
    Rule(String),
    /// The RPC endpoint failed or refused a request. Exit code 5.
    Rpc(String),
    /// A transaction or call reverted. Exit code 6.
    Reverted(String),
}

impl CliError {
    /// The process exit code of this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => 2,
            Self::Refused(_) => 3,
            Self::Rule(_) => 4,
            Self::Rpc(_) => 5,
            Self::Reverted(_) => 6,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m)
            | Self::Refused(m)
            | Self::Rule(m)
            | Self::Rpc(m)
            | Self::Reverted(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, CliError>;
