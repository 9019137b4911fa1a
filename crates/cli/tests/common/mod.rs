//! Helpers of the tool's end-to-end tests: paths, the binary, the node's RPC.
#![allow(dead_code)]

use alloy_primitives::Address;
use alloy_provider::{Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn wasm_dir() -> PathBuf {
    repo().join("target/stylus")
}

pub fn example_config() -> PathBuf {
    repo().join("deploy/local.toml")
}

pub fn hex_key(k: &PrivateKeySigner) -> String {
    format!("0x{}", alloy_primitives::hex::encode(k.to_bytes()))
}

/// Runs the binary; returns (exit code, stdout, stderr).
pub fn clearing(url: &str, key: Option<&PrivateKeySigner>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearing"));
    cmd.arg("--rpc-url").arg(url).args(args).current_dir(repo());
    cmd.env_remove("CLEARING_PRIVATE_KEY");
    if let Some(k) = key {
        cmd.env("CLEARING_PRIVATE_KEY", hex_key(k));
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub async fn nonce(url: &str, who: Address) -> u64 {
    let p = ProviderBuilder::new().on_http(url.parse().unwrap());
    p.get_transaction_count(who).await.unwrap()
}

pub async fn rpc(url: &str, method: &'static str, params: serde_json::Value) -> serde_json::Value {
    let p = ProviderBuilder::new().on_http(url.parse().unwrap());
    p.raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .unwrap()
}

pub fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "clearing-cli-e2e-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
