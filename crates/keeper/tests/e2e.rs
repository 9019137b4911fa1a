//! The keeper end to end against the local node (in process), the system deployed by the
//! `clearing` tool, the keeper running as a process (harness in `common/mod.rs`). One deployment,
//! phases in order:
//!
//! 1. Traders open positions, the price crashes: the keeper, talking through a proxy that fails
//!    one request in five (and refuses log queries over 50 blocks, so discovery halves its
//!    range), liquidates every unhealthy account within a bounded number of blocks and no
//!    healthy one, sells the WETH of an account in quote debt, and settles the bad debt left by
//!    an insolvent one.
//! 2. The guardian trips the breaker and the price falls again: the keeper sends no liquidation
//!    while halted; after governance resets the breaker, in the grace period it liquidates only
//!    the deeply unhealthy account, and after the grace the other one.
//! 3. The keeper stops on SIGTERM (exit 0), restarts from its checkpoint (not from the deployment
//!    block), and races a second keeper for one account: one liquidation happens, and the loser
//!    either sent nothing or recorded its revert with the contract's error.
//! 4. A `--once` round with only the oracle and haircut duties folds the new rounds into the
//!    EWMA; bad input exits with the CLI's codes.
//!
//! Needs the release WASM in `target/stylus` (`scripts/build-wasm`).

mod common;

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use clearing_cli::abi::*;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// Waits until `done` holds, at most `secs`.
async fn until<F, Fut>(what: &str, secs: u64, keeper: &Keeper, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "{what}: not within {secs} s; keeper log:\n{}",
            keeper.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn liquidated(events: &[(B256, B256)], who: B256) -> usize {
    events.iter().filter(|(a, _)| *a == who).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeper_liquidates_waits_for_the_breaker_resumes_and_races() {
    let t0 = Instant::now();
    let node = stylus_node::start(stylus_node::Config {
        port: 0,
        accounts: 16,
        ..stylus_node::Config::default()
    })
    .await
    .expect("node starts");
    let url = node.url();
    let k = &node.keys;
    let dir = tempdir("e2e");
    // A rate limit of 100 % of open interest: this book is a few positions, each a large share.
    let m = deploy(&url, &k[0], &dir, |t| {
        t.replace("rate_limit = \"0.2\"", "rate_limit = \"1\"")
    })
    .await;
    let manifest = dir.join("manifest.json");
    let first_block = m.first_block();
    let sys = Sys::new(&url, m, k);
    eprintln!("deployed in {:?}", t0.elapsed());

    // Traders against one whale at 3000: A (not deeply) and B (deeply) unhealthy after a crash
    // to 2600, D insolvent (bad debt), C healthy throughout.
    let (whale, keeper1, keeper2) = (&k[4], &k[5], &k[6]);
    let (a, b, c, d) = (&k[7], &k[8], &k[9], &k[10]);
    let (e, f, h) = (&k[11], &k[12], &k[13]);
    sys.fund(whale, 0, 1_000_000).await;
    sys.fund(keeper1, 1, 200_000).await;
    sys.fund(keeper2, 1, 200_000).await;
    // A well-stocked insurance fund: D's bad debt must not trip the breaker's drawdown halt.
    let fund = sys.at("InsuranceFund");
    let stock = uwad(100_000) / U256::from(1_000_000_000_000u64);
    sys.send(
        whale,
        sys.usdc,
        &Token::mintCall {
            to: whale.address(),
            amount: stock,
        },
    )
    .await;
    sys.send(
        whale,
        sys.usdc,
        &Token::approveCall {
            spender: fund,
            value: stock,
        },
    )
    .await;
    sys.send(whale, fund, &Fund::topUpCall { amount: stock })
        .await;
    for (who, usdc) in [(a, 2_250), (b, 2_100), (c, 5_000), (d, 1_700)] {
        sys.fund(who, 0, usdc).await;
        sys.trade(who, whale, wad(5), 3000).await;
    }
    // G: WETH collateral and a quote debt (a perp round trip lost 1140, its USDC withdrawn):
    // healthy at 3000, below maintenance with no position at 2600: its WETH is sold.
    let g = &k[14];
    sys.fund(g, 0, 1_500).await;
    sys.deposit(g, 0, sys.weth, uwad(44) / U256::from(100u8))
        .await;
    sys.trade(g, whale, wad(8), 3000).await;
    sys.trade(whale, g, wad(8), 2860).await;
    let exchange = sys.at("Exchange");
    sys.send(
        g,
        exchange,
        &Exchange::withdrawCall {
            subaccount: 0,
            asset: sys.usdc,
            amount: U256::from(1_500_000_000u64),
        },
    )
    .await;
    let (eq, mm, _) = sys.health(g).await;
    assert!(
        eq >= alloy_primitives::I256::from_raw(mm),
        "set-up: G healthy before the crash"
    );
    eprintln!("traders in at {:?}", t0.elapsed());

    // 1. The keeper through a proxy failing one request in five; the price crashes.
    let (flaky, failures) = flaky_proxy(url.clone()).await;
    let cp1 = dir.join("keeper1-checkpoint.json");
    let mut pol1 = std::fs::read_to_string(policy(&dir, "keeper1.toml", &cp1)).unwrap();
    // Oracle and haircut pokes move requirements: phase 4 checks them on their own.
    pol1 += "[duties]\npoke_oracles = false\nstep_haircuts = false\n";
    let pol1_path = dir.join("keeper1.toml");
    std::fs::write(&pol1_path, &pol1).unwrap();
    let log1 = dir.join("keeper1.log");
    let k1 = Keeper::start(&flaky, &manifest, &pol1_path, keeper1, log1.clone());
    k1.wait_metric("keeper_accounts_watched", 60, |v| v >= 6.0)
        .await;
    assert_eq!(
        k1.metric("keeper_scan_start_block").await,
        Some(first_block as f64)
    );
    let crash_block = sys.block().await;
    sys.set_prices(2600).await;
    for who in [a, b, d, g] {
        let (eq, mm, _) = sys.health(who).await;
        assert!(
            eq < alloy_primitives::I256::from_raw(mm),
            "set-up: {who:?} should be unhealthy"
        );
    }
    until(
        "A, B, D liquidated, D's bad debt settled, G's WETH sold",
        60,
        &k1,
        || async {
            let l = sys.liquidations().await;
            [a, b, d].iter().all(|w| liquidated(&l, account(w)) > 0)
                && sys.bad_debts().await.contains(&account(d))
                && sys.collateral_sales().await.contains(&account(g))
        },
    )
    .await;
    let blocks = sys.block().await - crash_block;
    eprintln!(
        "phase 1 done at {:?}: {blocks} blocks after the crash, {} injected failures",
        t0.elapsed(),
        failures.load(std::sync::atomic::Ordering::SeqCst)
    );
    assert!(blocks <= 40, "took {blocks} blocks");
    assert!(failures.load(std::sync::atomic::Ordering::SeqCst) > 0);
    // The policy's first log range (100000 blocks) is over the proxy's limit: halved until taken.
    assert!(
        k1.log_text().contains("log range refused; halving it"),
        "{}",
        k1.log_text()
    );
    for who in [a, b, g] {
        let (eq, mm, _) = sys.health(who).await;
        assert!(
            eq >= alloy_primitives::I256::from_raw(mm),
            "{who:?} healthy after"
        );
    }
    assert_eq!(sys.position(d).await, alloy_primitives::I256::ZERO);

    // 2. The guardian trips WETH's scope; E (not deeply) and F (deeply) become unhealthy.
    let breaker = sys.at("CircuitBreaker");
    sys.send(
        &sys.guardian,
        breaker,
        &Breaker::tripCall { scope: sys.weth },
    )
    .await;
    sys.fund(e, 0, 1_020).await;
    sys.fund(f, 0, 850).await;
    sys.trade(e, whale, wad(5), 2600).await;
    sys.trade(f, whale, wad(5), 2600).await;
    let sent_before = k1.metric("keeper_liquidations_sent_total").await.unwrap();
    let skipped_before = k1.metric("keeper_skipped_breaker_total").await.unwrap();
    sys.set_prices(2450).await;
    let (eq, mm, _) = sys.health(e).await;
    assert!(
        eq < alloy_primitives::I256::from_raw(mm) && !clearing_core::deeply_unhealthy(eq, mm),
        "set-up: E unhealthy, not deeply"
    );
    let (eq, mm, _) = sys.health(f).await;
    assert!(
        clearing_core::deeply_unhealthy(eq, mm),
        "set-up: F deeply unhealthy"
    );
    k1.wait_metric("keeper_skipped_breaker_total", 30, |v| {
        v >= skipped_before + 4.0
    })
    .await;
    assert_eq!(
        k1.metric("keeper_liquidations_sent_total").await.unwrap(),
        sent_before,
        "nothing sent while halted"
    );
    // Governance resets the scope through the Timelock (an hour's delay); grace follows.
    let timelock = sys.at("Timelock");
    let data = Breaker::resetCall { scope: sys.weth }.abi_encode();
    let salt = B256::repeat_byte(0x42);
    sys.send(
        &sys.admin,
        timelock,
        &Timelock::queueCall {
            target: breaker,
            data: data.clone().into(),
            salt,
        },
    )
    .await;
    sys.advance(3_601, 2450).await;
    sys.send(
        &sys.admin,
        timelock,
        &Timelock::executeCall {
            target: breaker,
            data: data.into(),
            salt,
        },
    )
    .await;
    until("F liquidated in the grace period", 40, &k1, || async {
        liquidated(&sys.liquidations().await, account(f)) > 0
    })
    .await;
    // A few more rounds in grace: E still waits.
    let rounds = k1.metric("keeper_rounds_total").await.unwrap();
    k1.wait_metric("keeper_rounds_total", 30, |v| v >= rounds + 3.0)
        .await;
    assert_eq!(
        liquidated(&sys.liquidations().await, account(e)),
        0,
        "E waits for the end of the grace"
    );
    sys.advance(901, 2450).await;
    until("E liquidated after the grace", 40, &k1, || async {
        liquidated(&sys.liquidations().await, account(e)) > 0
    })
    .await;
    eprintln!("phase 2 done at {:?}", t0.elapsed());

    // 3. Stop (SIGTERM: exit 0, checkpoint saved), restart from the checkpoint, race keeper 2.
    let scanned_to = k1.metric("keeper_next_scan_block").await.unwrap();
    assert_eq!(k1.stop(), 0);
    let log_text = std::fs::read_to_string(&log1).unwrap();
    assert!(log_text.contains("checkpoint saved"), "{log_text}");
    let cp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cp1).unwrap()).unwrap();
    let resume = cp["nextBlock"].as_u64().unwrap();
    assert!(resume as f64 >= scanned_to && resume > first_block);
    sys.fund(h, 0, 600).await;
    sys.trade(h, whale, wad(5), 2450).await;
    let k1 = Keeper::start(&url, &manifest, &pol1_path, keeper1, log1.clone());
    let cp2 = dir.join("keeper2-checkpoint.json");
    let mut pol2 = std::fs::read_to_string(policy(&dir, "keeper2.toml", &cp2)).unwrap();
    pol2 += "[duties]\npoke_oracles = false\nstep_haircuts = false\n";
    let pol2_path = dir.join("keeper2.toml");
    std::fs::write(&pol2_path, &pol2).unwrap();
    let k2 = Keeper::start(
        &url,
        &manifest,
        &pol2_path,
        keeper2,
        dir.join("keeper2.log"),
    );
    k1.wait_metric("keeper_rounds_total", 30, |v| v >= 1.0)
        .await;
    k2.wait_metric("keeper_rounds_total", 60, |v| v >= 1.0)
        .await;
    assert_eq!(
        k1.metric("keeper_scan_start_block").await,
        Some(resume as f64),
        "resumed from the checkpoint"
    );
    assert_eq!(
        k2.metric("keeper_scan_start_block").await,
        Some(first_block as f64)
    );
    let before = liquidated(&sys.liquidations().await, account(h));
    assert_eq!(before, 0);
    sys.set_prices(2380).await;
    until("H liquidated", 40, &k1, || async {
        liquidated(&sys.liquidations().await, account(h)) > 0
    })
    .await;
    // Both keepers get a few more rounds to act on what they saw.
    for kp in [&k1, &k2] {
        let r = kp.metric("keeper_rounds_total").await.unwrap();
        kp.wait_metric("keeper_rounds_total", 30, |v| v >= r + 2.0)
            .await;
    }
    assert_eq!(
        liquidated(&sys.liquidations().await, account(h)),
        1,
        "one keeper won H"
    );
    for kp in [&k1, &k2] {
        let sent = kp.metric("keeper_liquidations_sent_total").await.unwrap();
        let won = kp.metric("keeper_liquidations_won_total").await.unwrap();
        let reverts = kp.metric("keeper_reverts_total").await.unwrap();
        // A lost race (a liquidation, or a bad debt the other keeper settled first) reverts and
        // is recorded: counted, and logged with the contract's error named.
        assert!(reverts >= sent - won, "every lost liquidation is a revert");
        let log = kp.log_text();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("transaction reverted"))
            .collect();
        assert_eq!(lines.len() as f64, reverts, "{log}");
        for l in lines {
            let named = l.split_once(" reverted: ").is_some_and(|(_, e)| {
                e.starts_with(|c: char| c.is_ascii_uppercase()) && e.contains(" {")
            });
            assert!(named, "the contract's error is named: {l}");
        }
    }
    assert_eq!(k1.stop(), 0);
    assert_eq!(k2.stop(), 0);

    // Healthy accounts were never liquidated.
    let all = sys.liquidations().await;
    for who in [c, whale, g] {
        assert_eq!(liquidated(&all, account(who)), 0, "{who:?} was healthy");
    }
    eprintln!("phase 3 done at {:?}", t0.elapsed());

    // 4. One round of oracle and haircut maintenance (--once), then bad input.
    let cp3 = dir.join("keeper3-checkpoint.json");
    let mut pol3 = std::fs::read_to_string(policy(&dir, "keeper3.toml", &cp3)).unwrap();
    pol3 += "[duties]\nliquidate = false\nsell_collateral = false\nsettle_bad_debt = false\nbreaker_references = false\naccrue = false\n";
    let pol3_path = dir.join("keeper3.toml");
    std::fs::write(&pol3_path, &pol3).unwrap();
    let out = keeper_cmd(
        &url,
        &manifest,
        &pol3_path,
        Some(keeper2),
        &["--once", "--json"],
    );
    assert_eq!(out.0, 0, "{}", out.1);
    let summary: serde_json::Value = serde_json::from_str(out.2.trim()).unwrap();
    assert!(summary["done"].as_u64().unwrap() >= 1, "{summary}");
    let updates = sys
        .reader
        .logs(
            &alloy_rpc_types_eth::Filter::new()
                .address(sys.at("RiskModule"))
                .event_signature(
                    <Risk::VolatilityUpdated as alloy_sol_types::SolEvent>::SIGNATURE_HASH,
                )
                .from_block(first_block),
        )
        .await
        .unwrap();
    assert!(
        !updates.is_empty(),
        "oracle rounds folded into the EWMA: {}",
        out.1
    );

    let missing = dir.join("missing.json");
    let (code, err, _) = keeper_cmd(&url, &missing, &pol3_path, Some(keeper2), &["--once"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read the manifest"), "{err}");
    let (code, err, _) = keeper_cmd(&url, &manifest, &pol3_path, None, &["--once"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give its key"), "{err}");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "poll_interval = \"soon\"\nnative_price = \"1\"\n").unwrap();
    let (code, err, _) = keeper_cmd(&url, &manifest, &bad, Some(keeper2), &["--once"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("poll_interval"), "{err}");
    let dead = format!("http://127.0.0.1:{}", free_port());
    let quick = dir.join("quick.toml");
    std::fs::write(&quick, pol3.replace("attempts = 10", "attempts = 2")).unwrap();
    let (code, err, _) = keeper_cmd(&dead, &manifest, &quick, Some(keeper2), &["--once"]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    let mut other =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&manifest).unwrap())
            .unwrap();
    other["chainId"] = 42161.into();
    let mut unfinished =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&manifest).unwrap())
            .unwrap();
    unfinished["complete"] = false.into();
    let half = dir.join("unfinished.json");
    std::fs::write(&half, unfinished.to_string()).unwrap();
    let (code, err, _) = keeper_cmd(&url, &half, &pol3_path, Some(keeper2), &["--once"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not complete"), "{err}");
    let wrong = dir.join("wrong-chain.json");
    std::fs::write(&wrong, other.to_string()).unwrap();
    let (code, err, _) = keeper_cmd(&url, &wrong, &pol3_path, Some(keeper2), &["--once"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("wrong chain"), "{err}");
    eprintln!("all done at {:?}", t0.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the keeper binary to completion: (exit code, stderr).
fn keeper_cmd(
    url: &str,
    manifest: &std::path::Path,
    config: &std::path::Path,
    key: Option<&alloy_signer_local::PrivateKeySigner>,
    extra: &[&str],
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keeper"));
    cmd.args(["--rpc-url", url, "--manifest"])
        .arg(manifest)
        .arg("--config")
        .arg(config)
        .args(extra)
        .env_remove("CLEARING_PRIVATE_KEY");
    if let Some(k) = key {
        cmd.env("CLEARING_PRIVATE_KEY", hex_key(k));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
