//! JSON-RPC errors with the codes and messages of geth.

use alloy_primitives::Bytes;
use alloy_sol_types::{Revert, SolError};
use jsonrpsee::types::ErrorObjectOwned;

/// A JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// The error code.
    pub code: i32,
    /// The message.
    pub message: String,
    /// The data (revert bytes as hex, for code 3).
    pub data: Option<serde_json::Value>,
}

impl RpcError {
    /// -32000: a server error (geth's code for refused transactions and
    /// failed executions).
    pub fn server(message: impl Into<String>) -> Self {
        Self {
            code: -32000,
            message: message.into(),
            data: None,
        }
    }

    /// -32602: invalid parameters.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self {
            code: -32602,
            message: message.into(),
            data: None,
        }
    }

    /// -32603: an internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: -32603,
            message: message.into(),
            data: None,
        }
    }

    /// -32005: a limit was exceeded (the `eth_getLogs` range limit).
    pub fn limit(message: impl Into<String>) -> Self {
        Self {
            code: -32005,
            message: message.into(),
            data: None,
        }
    }

    /// 3: the execution reverted; `data` holds the revert bytes, and the
    /// message carries the reason of an `Error(string)`.
    pub fn revert(output: Bytes) -> Self {
        let message = match Revert::abi_decode(&output, true) {
            Ok(r) => format!("execution reverted: {}", r.reason),
            Err(_) => "execution reverted".to_string(),
        };
        Self {
            code: 3,
            message,
            data: Some(serde_json::Value::String(output.to_string())),
        }
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(e: RpcError) -> Self {
        ErrorObjectOwned::owned(e.code, e.message, e.data)
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for RpcError {}
