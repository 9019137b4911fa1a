//! Where the key comes from: `--private-key`, `$CLEARING_PRIVATE_KEY`, or an encrypted keystore
//! with its password; a bad key or password is a usage error that never shows the secret.

use clap::Parser;
use clearing_cli::Cli;

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn cli(args: &[&str]) -> Cli {
    let mut all = vec!["clearing"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["gov", "params"]);
    Cli::try_parse_from(all).expect("parses")
}

#[test]
fn private_key_keystore_and_refusals() {
    let signer = cli(&["--private-key", KEY]).key.signer().unwrap().unwrap();
    assert_eq!(signer.address().to_string(), ADDRESS);

    let dir = std::env::temp_dir().join(format!("clearing-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = alloy_primitives::hex::decode(KEY).unwrap();
    alloy_signer_local::PrivateKeySigner::encrypt_keystore(
        &dir,
        &mut rand::thread_rng(),
        secret,
        "correct horse",
        Some("deployer.json"),
    )
    .unwrap();
    let path = dir.join("deployer.json");
    let p = path.to_str().unwrap();
    let signer = cli(&["--keystore", p, "--password", "correct horse"])
        .key
        .signer()
        .unwrap()
        .unwrap();
    assert_eq!(signer.address().to_string(), ADDRESS);

    let err = cli(&["--keystore", p, "--password", "wrong"])
        .key
        .signer()
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string()
            .starts_with(&format!("cannot open the keystore {p}: ")),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong"), "{err}");

    let err = cli(&["--private-key", "0xdeadbeef"])
        .key
        .signer()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the private key is not a 32-byte hex secp256k1 key"
    );
    assert!(Cli::try_parse_from([
        "clearing",
        "--private-key",
        KEY,
        "--keystore",
        p,
        "gov",
        "params"
    ])
    .is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
