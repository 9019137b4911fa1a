//! The keeper's option-expiry duty end to end against the local node (in process), the system
//! deployed by the `clearing` tool: governance enables the ETH option class through the
//! Timelock, the lister lists a call expiring the next 08:00 UTC, the volatility oracle posts,
//! two traders trade it through the Exchange; after the expiry (a feed round before it and one
//! after) one `--once` round of the keeper records the settlement price from the round in force
//! and pays both holders, to the wei and summing to zero. Before the round after the expiry
//! exists, the keeper sends nothing. Needs the release WASM in `target/stylus`
//! (`scripts/build-wasm`).

mod common;

use alloy_primitives::{B256, I256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use clearing_cli::abi::*;
use common::*;
use std::process::Command;

fn keeper_once(
    url: &str,
    manifest: &std::path::Path,
    config: &std::path::Path,
    key: &alloy_signer_local::PrivateKeySigner,
) -> (i32, String, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_keeper"))
        .args(["--rpc-url", url, "--manifest"])
        .arg(manifest)
        .arg("--config")
        .arg(config)
        .args(["--once", "--json"])
        .env("CLEARING_PRIVATE_KEY", hex_key(key))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_settles_expiries_and_pays_holders() {
    let node = stylus_node::start(stylus_node::Config {
        port: 0,
        accounts: 10,
        ..stylus_node::Config::default()
    })
    .await
    .expect("node starts");
    let url = node.url();
    let k = &node.keys;
    let dir = tempdir("options");
    let m = deploy(&url, &k[0], &dir, |t| t).await;
    let manifest = dir.join("manifest.json");
    let sys = Sys::new(&url, m, k);
    let (lister, oracle, keeper, alice, bob) = (&k[4], &k[5], &k[6], &k[7], &k[8]);
    let options = sys.at("OptionMarkets");
    let book = sys.at("OptionBook");

    // Governance enables the ETH class through the Timelock (its admin is dev account 0).
    let enable = OptionMarkets::enableClassCall {
        underlying: sys.weth,
        maxHorizon: 90 * 86_400,
        strikeTick: uwad(50),
        minSize: uwad(1) / U256::from(10u8),
        maxOpenInterest: uwad(1000),
        makerFee: uwad(3) / U256::from(10_000u16),
        takerFee: uwad(5) / U256::from(10_000u16),
        ivHeartbeat: 3600,
    }
    .abi_encode();
    let timelock = sys.at("Timelock");
    let salt = B256::repeat_byte(7);
    sys.send(
        &sys.admin,
        timelock,
        &Timelock::queueCall {
            target: options,
            data: enable.clone().into(),
            salt,
        },
    )
    .await;
    sys.advance(3_601, 3000).await;
    sys.send(
        &sys.admin,
        timelock,
        &Timelock::executeCall {
            target: options,
            data: enable.into(),
            salt,
        },
    )
    .await;

    // A call expiring at the next 08:00 UTC at least a day away, struck at 3000.
    let now = sys.now().await;
    let expiry = now - now % 86_400 + 8 * 3600 + 2 * 86_400;
    sys.send(
        lister,
        options,
        &OptionMarkets::listSeriesCall {
            underlying: sys.weth,
            expiry,
            strike: uwad(3000),
            isCall: true,
        },
    )
    .await;
    let listed = sys
        .reader
        .logs(
            &alloy_rpc_types_eth::Filter::new()
                .address(options)
                .event_signature(OptionMarkets::SeriesListed::SIGNATURE_HASH)
                .from_block(0u64),
        )
        .await
        .unwrap();
    let series = OptionMarkets::SeriesListed::decode_log(&listed[0].inner, true)
        .unwrap()
        .data
        .id;
    sys.send(
        oracle,
        options,
        &OptionMarkets::postVolatilityCall {
            underlying: sys.weth,
            expiry,
            vol: uwad(6) / U256::from(10u8),
        },
    )
    .await;
    sys.fund(alice, 0, 50_000).await;
    sys.fund(bob, 0, 50_000).await;
    sys.fund(keeper, 1, 10_000).await;
    // Alice buys 2 calls from Bob at 150.
    sys.trade_in(series, alice, bob, wad(2), uwad(150)).await;
    let (a, b) = (account(alice), account(bob));
    let quote = |who: B256| {
        let vault = sys.at("CollateralVault");
        let reader = sys.reader.clone();
        async move {
            reader
                .view(vault, &Vault::quoteBalanceCall { account: who })
                .await
                .unwrap()
                .balance
        }
    };
    let (qa, qb) = (quote(a).await, quote(b).await);

    // ETH at 3125 in the last round before the expiry; the keeper runs just after the expiry,
    // before any later round: it cannot know the round in force yet and sends nothing.
    let to_expiry = expiry - sys.now().await;
    sys.advance(to_expiry - 600, 3125).await;
    sys.rpc("evm_increaseTime", serde_json::json!([900])).await;
    sys.rpc("evm_mine", serde_json::json!([])).await;
    let cp = dir.join("keeper-checkpoint.json");
    let mut pol = std::fs::read_to_string(policy(&dir, "keeper.toml", &cp)).unwrap();
    pol += "[duties]\nliquidate = false\nsell_collateral = false\nsettle_bad_debt = false\npoke_oracles = false\nstep_haircuts = false\nbreaker_references = false\naccrue = false\n";
    let pol_path = dir.join("keeper.toml");
    std::fs::write(&pol_path, &pol).unwrap();
    let (code, err, summary) = keeper_once(&url, &manifest, &pol_path, keeper);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["done"], 0, "{summary} {err}");
    let s = sys
        .reader
        .view(options, &OptionMarkets::seriesCall { id: series })
        .await
        .unwrap();
    assert_eq!(s.settlementPrice, U256::ZERO);

    // A round after the expiry (at 3300, which must not be the settlement price): one round
    // settles the expiry at 3125 and pays both holders 125 per contract.
    sys.set_prices(3300).await;
    let (code, err, summary) = keeper_once(&url, &manifest, &pol_path, keeper);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        summary["done"], 3,
        "settleExpiry and two settleAccount: {summary} {err}"
    );
    let s = sys
        .reader
        .view(options, &OptionMarkets::seriesCall { id: series })
        .await
        .unwrap();
    assert_eq!(s.settlementPrice, uwad(3125));
    let paid = I256::from_raw(uwad(250));
    assert_eq!(quote(a).await, qa + paid);
    assert_eq!(quote(b).await, qb - paid);
    for who in [a, b] {
        let out = sys
            .reader
            .call_raw(
                book,
                OptionBook::positionsCall { account: who }.abi_encode(),
                U256::ZERO,
                None,
            )
            .await
            .unwrap();
        let p = <OptionPositions as alloy_sol_types::SolValue>::abi_decode(&out, true).unwrap();
        assert!(p.sizes.iter().all(I256::is_zero), "{who}: {p:?}");
    }
    // A further round sends nothing: everything is settled.
    let (code, err, summary) = keeper_once(&url, &manifest, &pol_path, keeper);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["done"], 0, "{summary} {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
