//! Error types of the runtime.

use alloy_primitives::{Address, Bytes};
use alloy_sol_types::{SolError, SolInterface};
use std::fmt;

/// Why a WASM file could not be loaded as a Stylus program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be read.
    Io(String),
    /// The module imports a function this runtime does not implement.
    UnsupportedImport {
        /// Import module (`vm_hooks` for Stylus host I/Os).
        module: String,
        /// Import name.
        name: String,
    },
    /// A known host I/O is imported with a different signature.
    ImportSignature {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// The module uses an operator Stylus does not accept.
    UnsupportedOperator(String),
    /// No `user_entrypoint(i32) -> i32` export.
    BadEntrypoint,
    /// Not exactly one memory, or it is not exported as `memory`.
    MissingMemory,
    /// The initial memory does not fit the Stylus page limit.
    MemoryTooLarge,
    /// The module has a start function, which Stylus forbids.
    StartFunction,
    /// The module grows memory but does not import `pay_for_memory_grow`.
    MissingPayForMemoryGrow,
    /// The bytes are not a valid module under the Stylus feature set.
    Invalid(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read the WASM file: {e}"),
            Self::UnsupportedImport { module, name } => {
                write!(
                    f,
                    "the module imports {module}::{name}, which this runtime does not implement"
                )
            }
            Self::ImportSignature { module, name } => {
                write!(f, "the module imports {module}::{name} with a signature that does not match the host I/O")
            }
            Self::UnsupportedOperator(op) => {
                write!(f, "the module uses {op}, which Stylus does not accept")
            }
            Self::BadEntrypoint => {
                f.write_str("the module does not export user_entrypoint(i32) -> i32")
            }
            Self::MissingMemory => {
                f.write_str("the module must define and export exactly one memory")
            }
            Self::MemoryTooLarge => f.write_str("the module's initial memory is too large"),
            Self::StartFunction => f.write_str("the module has a start function"),
            Self::MissingPayForMemoryGrow => f.write_str(
                "the module grows memory but does not import vm_hooks::pay_for_memory_grow",
            ),
            Self::Invalid(e) => write!(f, "invalid module: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// How a call ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The callee reverted with these bytes (a Solidity error, or empty).
    Revert(Bytes),
    /// The callee failed without revert data: a trap (panic, unreachable,
    /// memory fault), a write in a static context, or a host I/O misuse.
    Failure(String),
    /// The callee ran out of gas.
    OutOfGas,
    /// The call succeeded but its return data does not decode as the
    /// call's return type.
    BadReturn(String),
}

impl CallError {
    /// The revert bytes, if the call reverted.
    pub fn revert_data(&self) -> Option<&[u8]> {
        match self {
            Self::Revert(b) => Some(b),
            _ => None,
        }
    }

    /// Decodes the revert bytes as the custom error `E`.
    pub fn decode<E: SolError>(&self) -> Option<E> {
        self.revert_data().and_then(|b| E::abi_decode(b, true).ok())
    }

    /// Decodes the revert bytes as one error of the set `E` (the `…Errors`
    /// enum that `sol!` generates for an interface).
    pub fn decode_any<E: SolInterface>(&self) -> Option<E> {
        self.revert_data().and_then(|b| E::abi_decode(b, true).ok())
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Revert(b) => write!(f, "reverted with {b}"),
            Self::Failure(why) => write!(f, "failed: {why}"),
            Self::OutOfGas => f.write_str("out of gas"),
            Self::BadReturn(e) => write!(f, "return data does not decode: {e}"),
        }
    }
}

impl std::error::Error for CallError {}

/// Why a deployment failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployError {
    /// The WASM could not be loaded.
    Load(LoadError),
    /// The constructor did not succeed; the deployment is rolled back.
    Constructor {
        /// Address the contract would have had.
        address: Address,
        /// How the constructor call ended.
        error: CallError,
    },
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(e) => write!(f, "{e}"),
            Self::Constructor { address, error } => write!(f, "constructor of {address} {error}"),
        }
    }
}

impl std::error::Error for DeployError {}

impl From<LoadError> for DeployError {
    fn from(e: LoadError) -> Self {
        Self::Load(e)
    }
}
