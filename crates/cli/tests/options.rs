//! `clearing options` end to end against the local node (in process): the system deployed by
//! the tool, the ETH class enabled through the Timelock, then the lister's, the volatility
//! oracle's and anyone's commands, each refusal with its exit code and nothing sent. Needs the
//! release WASM in `target/stylus` (`scripts/build-wasm`).

mod common;

use alloy_primitives::{B256, I256, U256};
use alloy_sol_types::SolCall;
use clearing_cli::abi::*;
use clearing_cli::manifest::Manifest;
use clearing_cli::rpc::Chain;
use common::*;

const WAD: u64 = 1_000_000_000_000_000_000;

fn wad(x: u64) -> U256 {
    U256::from(x) * U256::from(WAD)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_post_show_and_settle() {
    let node = stylus_node::start(stylus_node::Config {
        port: 0,
        ..stylus_node::Config::default()
    })
    .await
    .expect("node starts");
    let url = node.url();
    let k = &node.keys;
    let (admin, lister, oracle, anyone) = (&k[0], &k[4], &k[5], &k[7]);
    let dir = tempdir();
    let manifest = dir.join("manifest.json");
    let m = manifest.to_str().unwrap();
    let (code, _, err) = clearing(
        &url,
        Some(admin),
        &[
            "deploy",
            "--config",
            example_config().to_str().unwrap(),
            "--out",
            m,
            "--wasm-dir",
            wasm_dir().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let man = Manifest::load(&manifest).unwrap();
    let at = |n: &str| man.address(n).unwrap();
    let weth = man.asset("WETH").unwrap();

    // Governance enables the ETH class (90 days, tick 50, min 0.1, 1,000 per series).
    let chain = Chain::connect(&url, Some(admin.clone())).unwrap();
    let enable = OptionMarkets::enableClassCall {
        underlying: weth,
        maxHorizon: 90 * 86_400,
        strikeTick: wad(50),
        minSize: wad(1) / U256::from(10u8),
        maxOpenInterest: wad(1000),
        makerFee: wad(3) / U256::from(10_000u16),
        takerFee: wad(5) / U256::from(10_000u16),
        ivHeartbeat: 3600,
    }
    .abi_encode();
    let salt = B256::repeat_byte(9);
    for (i, call) in [
        Timelock::queueCall {
            target: at("OptionMarkets"),
            data: enable.clone().into(),
            salt,
        }
        .abi_encode(),
        Timelock::executeCall {
            target: at("OptionMarkets"),
            data: enable.into(),
            salt,
        }
        .abi_encode(),
    ]
    .into_iter()
    .enumerate()
    {
        if i == 1 {
            rpc(&url, "evm_increaseTime", serde_json::json!([3601])).await;
        }
        chain
            .send(
                "timelock",
                Some(at("Timelock")),
                call,
                U256::ZERO,
                &mut |_| Ok(()),
            )
            .await
            .unwrap();
    }
    // Fresh feeds after the delay (the deployer holds the mock feeds).
    let feed_round = |eth: i64| {
        let chain = chain.clone();
        let (usdc_feed, eth_feed) = (at("feed:USDC"), at("feed:WETH"));
        let url = url.clone();
        async move {
            let now = Chain::connect(&url, None)
                .unwrap()
                .latest()
                .await
                .unwrap()
                .1;
            for (feed, answer) in [(usdc_feed, 100_000_000i64), (eth_feed, eth * 100_000_000)] {
                let call = Feed::setAnswerCall {
                    answer: I256::try_from(answer).unwrap(),
                    updatedAt: U256::from(now),
                };
                chain
                    .send(
                        "feed",
                        Some(feed),
                        call.abi_encode(),
                        U256::ZERO,
                        &mut |_| Ok(()),
                    )
                    .await
                    .unwrap();
            }
        }
    };
    feed_round(3000).await;

    // The next 08:00 UTC at least a day away, as a date.
    let now = Chain::connect(&url, None)
        .unwrap()
        .latest()
        .await
        .unwrap()
        .1;
    let expiry = now - now % 86_400 + 8 * 3600 + 2 * 86_400;
    let date = clearing_cli::options::show_date(expiry)[..10].to_string();
    let list = |key, strike: &str, extra: &[&str]| {
        let mut args = vec![
            "options",
            "list",
            "--underlying",
            "WETH",
            "--expiry",
            &date,
            "--strike",
            strike,
            "--manifest",
            m,
        ];
        args.extend_from_slice(extra);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        clearing(&url, Some(key), &refs)
    };

    // Refusals: not a lister (the contract's error, exit 6, nothing sent); a strike off the tick;
    // an expiry that is not a date; no key.
    let before = nonce(&url, anyone.address()).await;
    let (code, _, err) = list(anyone, "3000", &[]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("AccessControlUnauthorizedAccount"), "{err}");
    assert_eq!(nonce(&url, anyone.address()).await, before);
    let (code, _, err) = list(lister, "3010", &[]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("StrikeOffTick"), "{err}");
    let (code, _, err) = clearing(
        &url,
        Some(lister),
        &[
            "options",
            "list",
            "--underlying",
            "WETH",
            "--expiry",
            "friday",
            "--strike",
            "3000",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give Unix seconds or a date"), "{err}");

    // The lister lists a 3000 call and a 2800 put.
    let (code, out, err) = list(lister, "3000", &["--json"]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let call_id = j["series"].as_u64().unwrap();
    assert_eq!(call_id, 1 << 31);
    let (code, out, err) = list(lister, "2800", &["--put"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "listed series 0x80000001 ({}): WETH 2800 put expiring {date} 08:00 UTC",
            (1u64 << 31) + 1
        )),
        "{out}"
    );

    // The volatility oracle posts 60 %; 50 (5,000 %) is outside the band.
    let post = |key, vol: &str| {
        clearing(
            &url,
            Some(key),
            &[
                "options",
                "post-vol",
                "--underlying",
                "WETH",
                "--expiry",
                &date,
                "--vol",
                vol,
                "--manifest",
                m,
            ],
        )
    };
    let (code, _, err) = post(oracle, "50");
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("VolatilityOutOfBand"), "{err}");
    let (code, _, err) = post(lister, "0.6");
    assert_eq!(code, 6, "{err}");
    let (code, out, err) = post(oracle, "0.6");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("posted 0.6 for WETH"), "{out}");

    // Anyone reads the series.
    let (code, out, err) = clearing(
        &url,
        None,
        &["options", "series", "--manifest", m, "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let s = j.as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["id"], call_id);
    assert_eq!(s[0]["isCall"], true);
    assert_eq!(s[0]["strike"], wad(3000).to_string());
    assert_eq!(s[0]["expiry"], expiry);
    assert_eq!(s[0]["fresh"], "true");
    assert_eq!(s[0]["settlementPrice"], "0");
    assert_eq!(s[1]["isCall"], false);

    // Before any round after the expiry, the settlement is refused before sending (exit 3).
    let settle = |extra: &[&str]| {
        let mut args = vec![
            "options",
            "settle-expiry",
            "--underlying",
            "WETH",
            "--expiry",
            &date,
            "--manifest",
            m,
        ];
        args.extend_from_slice(extra);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        clearing(&url, Some(anyone), &refs)
    };
    let (code, _, err) = settle(&[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("round in force"), "{err}");

    // A round at 3,125 before the expiry, one at 3,300 after: settled at 3,125.
    let to_expiry = expiry
        - Chain::connect(&url, None)
            .unwrap()
            .latest()
            .await
            .unwrap()
            .1;
    rpc(
        &url,
        "evm_increaseTime",
        serde_json::json!([to_expiry - 600]),
    )
    .await;
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    feed_round(3125).await;
    rpc(&url, "evm_increaseTime", serde_json::json!([1200])).await;
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    feed_round(3300).await;
    // Naming a round after the expiry is the contract's refusal.
    let latest = chain
        .view(at("feed:WETH"), &Feed::latestRoundDataCall {})
        .await
        .unwrap()
        .roundId
        .to::<u64>();
    let (code, _, err) = settle(&["--round", &latest.to_string()]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("SettlementRoundTooLate"), "{err}");
    let (code, out, err) = settle(&["--json"]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j["price"], wad(3125).to_string());
    assert_eq!(j["round"], (latest - 1).to_string());
    // Once only.
    let (code, _, err) = settle(&[]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("ExpiryAlreadySettled"), "{err}");

    // An account without positions settles to nothing; no account given is a usage error.
    let (code, out, err) = clearing(
        &url,
        Some(anyone),
        &[
            "options",
            "settle-account",
            "--owner",
            &lister.address().to_string(),
            "--manifest",
            m,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"paid\":\"0\""), "{out}");
    let (code, _, err) = clearing(
        &url,
        Some(anyone),
        &["options", "settle-account", "--manifest", m],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give --account"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
