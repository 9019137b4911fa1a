//! The tool end to end against the local node (in process, on a free loopback port): refusals
//! that send nothing, a deployment killed midway and resumed, a re-run that sends nothing, the
//! manifest's contracts answering their views, `status`, and a governance change refused by its
//! rule, then queued, executed after the delay and visible in the contract's view. Needs the
//! release WASM in `target/stylus` (`scripts/build-wasm`).

use alloy_json_rpc::{RequestPacket, ResponsePacket};
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_client::ClientBuilder;
use alloy_signer_local::PrivateKeySigner;
use alloy_transport::{TransportError, TransportErrorKind, TransportFut};
use clap::Parser;
use clearing_cli::abi::*;
use clearing_cli::manifest::Manifest;
use clearing_cli::rpc::Chain;
use clearing_cli::{run, Cli};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

mod common;
use common::*;

/// A transport layer that fails every `eth_sendRawTransaction` after the first `n`: the run is
/// cut off as if killed between two transactions.
#[derive(Clone)]
struct FailAfter {
    left: Arc<AtomicUsize>,
}

impl<S> Layer<S> for FailAfter {
    type Service = FailAfterService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        FailAfterService {
            inner,
            left: self.left.clone(),
        }
    }
}

#[derive(Clone)]
struct FailAfterService<S> {
    inner: S,
    left: Arc<AtomicUsize>,
}

impl<S> Service<RequestPacket> for FailAfterService<S>
where
    S: Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        > + Clone
        + Send
        + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: RequestPacket) -> Self::Future {
        let sends = match &req {
            RequestPacket::Single(r) => usize::from(r.method() == "eth_sendRawTransaction"),
            RequestPacket::Batch(b) => b
                .iter()
                .filter(|r| r.method() == "eth_sendRawTransaction")
                .count(),
        };
        if sends > 0 {
            let ok = self
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
                .is_ok();
            if !ok {
                return Box::pin(async {
                    Err(TransportErrorKind::custom_str(
                        "injected failure: the RPC went away",
                    ))
                });
            }
        }
        self.inner.call(req)
    }
}

fn write_config(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(example_config()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_resume_inspect_and_govern() {
    let node = stylus_node::start(stylus_node::Config {
        port: 0,
        ..stylus_node::Config::default()
    })
    .await
    .expect("node starts");
    let url = node.url();
    let deployer = node.keys[0].clone();
    let me = deployer.address();
    let dir = tempdir();
    let manifest = dir.join("manifest.json");
    let m = manifest.to_str().unwrap();
    let cfg = example_config();
    let cfg = cfg.to_str().unwrap();
    let wasm = wasm_dir();
    let wasm = wasm.to_str().unwrap();

    let deploy = |key: &PrivateKeySigner, config: &str, wasm_dir: &str| {
        clearing(
            &url,
            Some(key),
            &[
                "deploy",
                "--config",
                config,
                "--out",
                m,
                "--wasm-dir",
                wasm_dir,
            ],
        )
    };

    // 1. Refusals before anything is sent.
    let wrong_chain = write_config(&dir, "chain.toml", |t| {
        t.replace("chain_id = 412346", "chain_id = 42161")
    });
    let (code, _, err) = deploy(&deployer, wrong_chain.to_str().unwrap(), wasm);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        err.trim(),
        "error: wrong chain: the node answers chain id 412346, the config is for 42161 (nothing was sent)"
    );
    let empty = dir.join("no-wasm");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = deploy(&deployer, cfg, empty.to_str().unwrap());
    assert_eq!(code, 3, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: missing WASM {}/mock-erc20.wasm: ",
            empty.display()
        )) && err
            .trim_end()
            .ends_with("build it with scripts/build-wasm (nothing was sent)"),
        "{err}"
    );
    // A WASM file that fails the Stylus checks (here: not WASM at all).
    let broken = dir.join("broken-wasm");
    std::fs::create_dir_all(&broken).unwrap();
    for f in std::fs::read_dir(wasm_dir()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, broken.join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(broken.join("risk-module.wasm"), b"not a wasm module").unwrap();
    let (code, _, err) = deploy(&deployer, cfg, broken.to_str().unwrap());
    assert_eq!(code, 3, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: {}/risk-module.wasm fails the Stylus checks: ",
            broken.display()
        )) && err.trim_end().ends_with("(nothing was sent)"),
        "{err}"
    );
    let poor = node.keys[5].clone();
    rpc(
        &url,
        "anvil_setBalance",
        serde_json::json!([poor.address(), "0x38d7ea4c68000"]),
    )
    .await; // 0.001 ETH
    let (code, _, err) = deploy(&poor, cfg, wasm);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: balance too low: {} holds 0.001 ETH, the ",
            poor.address()
        )),
        "{err}"
    );
    assert!(err.trim_end().ends_with("(nothing was sent)"), "{err}");
    assert_eq!(nonce(&url, me).await, 0);
    assert_eq!(nonce(&url, poor.address()).await, 0);
    assert!(!manifest.exists());

    // 2. A run killed after 7 transactions (its RPC fails from the 8th on).
    let client = ClientBuilder::default()
        .layer(FailAfter {
            left: Arc::new(AtomicUsize::new(7)),
        })
        .http(url.parse().unwrap());
    let chain = Chain::with_client(client, Some(deployer.clone()));
    let cli = Cli::try_parse_from([
        "clearing",
        "deploy",
        "--config",
        cfg,
        "--out",
        m,
        "--wasm-dir",
        wasm,
    ])
    .unwrap();
    let mut out = Vec::new();
    let err = run(cli, Some(chain), &mut out).await.unwrap_err();
    assert_eq!(err.exit_code(), 5, "{err}");
    assert!(err.to_string().contains("injected failure"), "{err}");
    let cut = Manifest::load(&manifest).unwrap();
    assert_eq!(cut.steps.len(), 7);
    assert!(!cut.complete);
    assert_eq!(nonce(&url, me).await, 7);

    // 3. The same command resumes and completes; nothing is sent twice.
    let (code, stdout, err) = deploy(&deployer, cfg, wasm);
    assert_eq!(code, 0, "{err}{stdout}");
    let done = Manifest::load(&manifest).unwrap();
    assert!(done.complete);
    assert_eq!(done.steps[..7], cut.steps[..]);
    let total = done.steps.len() as u64;
    assert_eq!(nonce(&url, me).await, total, "one transaction per step");
    let mut ids: Vec<&str> = done.steps.iter().map(|s| s.step.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, total, "no step ran twice");
    assert_eq!(done.chain_id, 412_346);
    assert_eq!(done.contracts.len(), 20);
    for (name, c) in &done.contracts {
        assert_ne!(c.address, Address::ZERO, "{name}");
        // MarginMath is stateless: no constructor.
        assert_eq!(c.constructor_tx.is_some(), name != "MarginMath", "{name}");
        assert!(c.activation_tx.is_some(), "{name}");
        let code = ProviderBuilder::new()
            .on_http(url.parse().unwrap())
            .get_code_at(c.address)
            .await
            .unwrap();
        assert_eq!(keccak256(&code), c.code_hash, "{name}");
    }

    // 4. The manifest's addresses answer their views.
    let chain = Chain::connect(&url, None).unwrap();
    let at = |n: &str| done.address(n).unwrap();
    let timelock = at("Timelock");
    assert_eq!(
        chain
            .view(timelock, &Timelock::adminCall {})
            .await
            .unwrap()
            .admin,
        me
    );
    assert_eq!(
        chain
            .view(timelock, &Timelock::delayCall {})
            .await
            .unwrap()
            .delay,
        3_600
    );
    for name in clearing_cli::deploy::GOVERNED {
        let has = |who| Roles::hasRoleCall {
            role: B256::ZERO,
            account: who,
        };
        assert!(
            chain.view(at(name), &has(timelock)).await.unwrap().granted,
            "{name}"
        );
        assert!(
            !chain.view(at(name), &has(me)).await.unwrap().granted,
            "{name}"
        );
    }
    let matcher: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    let matcher_role = Roles::hasRoleCall {
        role: keccak256("MATCHER_ROLE"),
        account: matcher,
    };
    assert!(
        chain
            .view(at("Exchange"), &matcher_role)
            .await
            .unwrap()
            .granted
    );
    // The option contracts are wired: the MarginEngine reads the OptionBook and MarginMath, the
    // Exchange and the Liquidator reach the OptionBook, which knows them both.
    let book = at("OptionBook");
    let w = chain.view(book, &OptionBook::wiringCall {}).await.unwrap();
    assert_eq!(
        (w.vault, w.optionMarkets, w.clearinghouse, w.riskModule),
        (
            at("CollateralVault"),
            at("OptionMarkets"),
            at("Clearinghouse"),
            at("RiskModule")
        )
    );
    assert_eq!(
        (w.exchange, w.liquidator),
        (at("Exchange"), at("Liquidator"))
    );
    let margin = at("MarginEngine");
    assert_eq!(
        chain
            .view(margin, &Margin::optionBookCall {})
            .await
            .unwrap()
            .optionBook,
        book
    );
    assert_eq!(
        chain
            .view(margin, &Margin::marginMathCall {})
            .await
            .unwrap()
            .marginMath,
        at("MarginMath")
    );
    let clearing_role = Roles::hasRoleCall {
        role: keccak256("CLEARING_ROLE"),
        account: book,
    };
    assert!(
        chain
            .view(at("CollateralVault"), &clearing_role)
            .await
            .unwrap()
            .granted
    );
    // OptionMarkets: the configured lister and volatility oracle hold their roles, and the
    // MarginEngine reads the portfolio minimum equity (10,000 quote by default) there.
    for (name, who) in [
        ("LISTER_ROLE", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
        (
            "VOL_ORACLE_ROLE",
            "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        ),
    ] {
        let call = Roles::hasRoleCall {
            role: keccak256(name),
            account: who.parse().unwrap(),
        };
        assert!(
            chain
                .view(at("OptionMarkets"), &call)
                .await
                .unwrap()
                .granted,
            "{name}"
        );
    }
    assert_eq!(
        chain
            .view(at("MarginEngine"), &Margin::optionMarketsCall {})
            .await
            .unwrap()
            .optionMarkets,
        at("OptionMarkets")
    );
    assert_eq!(
        chain
            .view(
                at("OptionMarkets"),
                &OptionMarkets::optionParameterCall { code: 1 }
            )
            .await
            .unwrap()
            .value,
        U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64))
    );
    assert_eq!(
        chain
            .view(at("PerpMarkets"), &Markets::marketCountCall {})
            .await
            .unwrap()
            .count,
        1
    );
    let market = chain
        .view(at("PerpMarkets"), &Markets::marketCall { market: 0 })
        .await
        .unwrap();
    assert_eq!(market.underlying, at("token:WETH"));
    assert_eq!(market.makerFee, U256::from(200_000_000_000_000u64));
    let listed = chain
        .view(at("CollateralVault"), &Vault::listedAssetsCall {})
        .await
        .unwrap()
        .assets;
    assert_eq!(listed, vec![at("token:USDC"), at("token:WETH")]);
    let fees = chain
        .view(at("Clearinghouse"), &Ledger::feeConfigCall {})
        .await
        .unwrap();
    assert_eq!(
        fees.insuranceAccount,
        clearing_core::trading::account::encode(at("InsuranceFund"), 0)
    );
    assert_eq!(
        chain
            .view(at("InsuranceFund"), &Fund::targetCall {})
            .await
            .unwrap()
            .target,
        U256::from(1_000_000u64) * U256::from(10u64).pow(U256::from(18u8))
    );
    assert_eq!(
        chain
            .view(
                at("RiskModule"),
                &Risk::priceCall {
                    asset: at("token:WETH")
                }
            )
            .await
            .unwrap()
            .price,
        U256::from(3_000u64) * U256::from(10u64).pow(U256::from(18u8))
    );

    // 5. A second run with the same manifest sends nothing.
    let (code, stdout, err) = deploy(&deployer, cfg, wasm);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.starts_with("nothing to do: every step of"),
        "{stdout}"
    );
    assert_eq!(nonce(&url, me).await, total);
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "deploy",
            "--config",
            cfg,
            "--out",
            m,
            "--wasm-dir",
            wasm,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["sent"], 0);
    assert_eq!(
        j["contracts"]["Timelock"],
        serde_json::json!(done.address("Timelock").unwrap())
    );
    assert!(err.starts_with("nothing to do"), "{err}");
    assert_eq!(nonce(&url, me).await, total);

    // 6. A config that disagrees with the manifest is refused, naming the difference.
    let changed = write_config(&dir, "changed.toml", |t| {
        t.replace("haircut_floor = \"0.01\"", "haircut_floor = \"0.02\"")
    });
    let (code, _, err) = deploy(&deployer, changed.to_str().unwrap(), wasm);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        err.trim(),
        format!("error: the config disagrees with the manifest {m}: assets[1].haircut_floor is \"0.02\" in the config, \"0.01\" in the manifest; a deployment keeps its config (write a new manifest with another --out for another system) (nothing was sent)")
    );
    assert_eq!(nonce(&url, me).await, total);

    // 7. status: the system and an account, as tables and JSON.
    let (code, stdout, err) = clearing(&url, None, &["status", "--manifest", m]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("\nCircuitBreaker       rate-limit            0.2\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nPerpMarkets[0 WETH]  maker-fee             0.0002\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nWETH    0       0              0            allowed\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nRiskEngine[WETH]     haircut-floor         0.01\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nOptionMarkets        portfolio-min-equity  10000\n"),
        "{stdout}"
    );
    let (code, stdout, err) = clearing(&url, None, &["status", "--manifest", m, "--json"]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["contracts"]["Timelock"], serde_json::json!(timelock));
    let (code, stdout, err) = clearing(
        &url,
        None,
        &[
            "status",
            "--manifest",
            m,
            "--owner",
            &format!("{me}"),
            "--sub",
            "1",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["health"]["equity"], "0");
    assert_eq!(j["marginMode"], "cross");
    // The Greeks come from the MarginEngine's view (decoded; nothing held, so no rows).
    assert_eq!(j["greeks"], serde_json::json!([]));
    assert_eq!(j["positions"], serde_json::json!([]));

    // 8. Governance: over the step, refused locally with the rule's reason; nothing sent.
    let before_gov = nonce(&url, me).await;
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "CircuitBreaker",
            "rate-limit",
            "0.6",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim(),
        "error: refused by the rule of CircuitBreaker rate-limit: 0.2 -> 0.6 moves it by 0.4, more than its step of 0.2 (ParameterStepTooLarge); nothing was sent"
    );
    assert_eq!(nonce(&url, me).await, total);
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "CircuitBreaker",
            "rate-limit",
            "0.4",
            "--manifest",
            m,
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("calldata: 0x"), "{stdout}");
    assert_eq!(nonce(&url, me).await, total);
    // The option parameters are OptionMarkets': the portfolio minimum equity moves by at most
    // 100,000 per change, and a valid proposal calls setOptionParameter(1, value).
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "OptionMarkets",
            "portfolio-min-equity",
            "200000",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim(),
        "error: refused by the rule of OptionMarkets portfolio-min-equity: 10000 -> 200000 moves it by 190000, more than its step of 100000 (ParameterStepTooLarge); nothing was sent"
    );
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "OptionMarkets",
            "portfolio-min-equity",
            "5000",
            "--manifest",
            m,
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let calldata = OptionMarkets::setOptionParameterCall {
        code: 1,
        value: U256::from(5_000u64) * U256::from(10u64).pow(U256::from(18u64)),
    };
    assert_eq!(
        j["data"],
        format!(
            "0x{}",
            alloy_primitives::hex::encode(alloy_sol_types::SolCall::abi_encode(&calldata))
        )
    );
    assert_eq!(j["target"], serde_json::json!(at("OptionMarkets")));
    // A lower minimum lets smaller accounts take correlation credit: it raises risk.
    assert_eq!(j["direction"], "raises risk");
    assert_eq!(nonce(&url, me).await, total);

    // A valid change: queued, too early, executed after the delay, visible in the view.
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "CircuitBreaker",
            "rate-limit",
            "0.4",
            "--manifest",
            m,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let id = j["id"].as_str().unwrap().to_string();
    let (code, stdout, _) = clearing(&url, None, &["gov", "queued", "--manifest", m, "--json"]);
    assert_eq!(code, 0);
    let q: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(q[0]["id"], id.as_str());
    assert_eq!(q[0]["state"], "queued");
    assert_eq!(q[0]["contract"], "CircuitBreaker");
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &["gov", "execute", &id, "--manifest", m],
    );
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("reverted: TooEarly"), "{err}");
    rpc(&url, "evm_increaseTime", serde_json::json!([3_601])).await;
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &["gov", "execute", &id, "--manifest", m],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.starts_with(&format!("executed {id}: tx 0x")),
        "{stdout}"
    );
    let p = chain
        .view(at("CircuitBreaker"), &Breaker::parametersCall {})
        .await
        .unwrap();
    assert_eq!(p.rateLimit, U256::from(400_000_000_000_000_000u64));
    let (_, stdout, _) = clearing(&url, None, &["gov", "queued", "--manifest", m, "--json"]);
    let q: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(q[0]["state"], "executed");
    // The next step within a day of the last change: refused by the interval.
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "CircuitBreaker",
            "rate-limit",
            "0.6",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("(ParameterChangedTooSoon)"), "{err}");

    // A proposal cancelled: listed as such, and its execution refused.
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "Liquidator",
            "keeper-share",
            "0.45",
            "--manifest",
            m,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let second = j["id"].as_str().unwrap().to_string();
    assert_eq!(j["direction"], "raises risk");
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &["gov", "cancel", &second, "--manifest", m],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.starts_with(&format!("cancelled {second}: tx 0x")),
        "{stdout}"
    );
    let (_, stdout, _) = clearing(&url, None, &["gov", "queued", "--manifest", m, "--json"]);
    let q: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(q[1]["id"], second.as_str());
    assert_eq!(q[1]["state"], "cancelled");
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &["gov", "execute", &second, "--manifest", m],
    );
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("reverted: ProposalCancelled"), "{err}");

    // A per-asset haircut parameter: its rule, and the whole setter call built from the views.
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "RiskEngine",
            "haircut-floor",
            "0.2",
            "--asset",
            "WETH",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim(),
        "error: refused by the rule of RiskEngine haircut-floor: 0.01 -> 0.2 moves it by 0.19, more than its step of 0.05 (ParameterStepTooLarge); nothing was sent"
    );
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "RiskEngine",
            "haircut-floor",
            "0.05",
            "--asset",
            "WETH",
            "--manifest",
            m,
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        j["direction"],
        "lowers risk (a risk admin could apply it at once)"
    );
    let expected = Engine::setHaircutConfigCall {
        asset: at("token:WETH"),
        floor: U256::from(50_000_000_000_000_000u64),
        cap: U256::from(500_000_000_000_000_000u64),
        multiplier: U256::from(10u64).pow(U256::from(18u8)),
    };
    assert_eq!(
        j["data"],
        format!(
            "0x{}",
            alloy_primitives::hex::encode(alloy_sol_types::SolCall::abi_encode(&expected))
        )
    );
    let (code, _, err) = clearing(
        &url,
        Some(&deployer),
        &[
            "gov",
            "propose",
            "RiskEngine",
            "haircut-floor",
            "0.05",
            "--manifest",
            m,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "error: RiskEngine haircut-floor is an asset parameter: give --asset SYMBOL"
    );
    assert_eq!(nonce(&url, me).await, before_gov + 4);

    // The Timelock's grace period is the config's.
    let grace = chain
        .view(at("Timelock"), &Timelock::graceCall {})
        .await
        .unwrap()
        .grace;
    assert_eq!(grace, 1_209_600);

    // The vault's asset settings (VaultPolicy.configureAsset) and the fee configuration
    // (Clearinghouse.setFeeConfig): refused by their rules locally, queued and executed.
    let propose = |args: &[&str]| {
        let mut a = vec!["gov", "propose"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--manifest", m]);
        clearing(&url, Some(&deployer), &a)
    };
    let before = nonce(&url, me).await;
    let (code, _, err) = propose(&[
        "VaultPolicy",
        "deposit-cap",
        "3000000000",
        "--asset",
        "USDC",
    ]);
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim(),
        "error: refused by the rule of VaultPolicy deposit-cap: 1000000000 -> 3000000000 moves it by 2000000000, more than its step of 1000000000 (ParameterStepTooLarge); nothing was sent"
    );
    let (code, _, err) = propose(&[
        "VaultPolicy",
        "deposit-cap",
        "5",
        "--asset",
        "USDC",
        "--market",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "error: VaultPolicy deposit-cap is not a market parameter: drop --market"
    );
    let (code, _, err) = propose(&["Clearinghouse", "insurance-share", "0.8"]);
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.trim(),
        "error: refused by the rule of Clearinghouse insurance-share: 0.5 -> 0.8 moves it by 0.3, more than its step of 0.25 (ParameterStepTooLarge); nothing was sent"
    );
    let zero = format!("{}", B256::ZERO);
    let (code, _, err) = propose(&["Clearinghouse", "treasury-account", &zero]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "error: Clearinghouse treasury-account: the Clearinghouse refuses a zero fee account (FeeRecipientUnset)"
    );
    let (code, _, err) = propose(&["VaultPolicy", "deposit-enabled", "maybe", "--asset", "WETH"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "error: VaultPolicy deposit-enabled: \"maybe\" is not true or false"
    );
    assert_eq!(nonce(&url, me).await, before);
    // Closing WETH deposits: the whole configureAsset call, the other settings read back.
    let (code, stdout, err) = propose(&[
        "VaultPolicy",
        "deposit-enabled",
        "false",
        "--asset",
        "WETH",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        j["direction"],
        "lowers risk (a risk admin could apply it at once)"
    );
    assert_eq!(
        j["alsoSets"],
        serde_json::json!(["deposit-cap", "collateral-enabled"])
    );
    let expected = Policy::configureAssetCall {
        asset: at("token:WETH"),
        depositCap: U256::from(10u64).pow(U256::from(27u8)),
        depositEnabled: false,
        collateralEnabled: true,
    };
    assert_eq!(
        j["data"],
        format!(
            "0x{}",
            alloy_primitives::hex::encode(alloy_sol_types::SolCall::abi_encode(&expected))
        )
    );
    let queue = |args: &[&str]| {
        let mut a = args.to_vec();
        a.push("--json");
        let (code, stdout, err) = propose(&a);
        assert_eq!(code, 0, "{err}");
        let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        j["id"].as_str().unwrap().to_string()
    };
    let cap = queue(&[
        "VaultPolicy",
        "deposit-cap",
        "2000000000",
        "--asset",
        "USDC",
    ]);
    let share = queue(&["Clearinghouse", "insurance-share", "0.6"]);
    let treasury = B256::repeat_byte(0x77);
    // Built now, this one carries the fee configuration of now (share 0.5) in its call.
    let stale = queue(&["Clearinghouse", "treasury-account", &treasury.to_string()]);
    rpc(&url, "evm_increaseTime", serde_json::json!([3_601])).await;
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    let execute = |id: &str| {
        clearing(
            &url,
            Some(&deployer),
            &["gov", "execute", id, "--manifest", m],
        )
    };
    for id in [&cap, &share] {
        let (code, _, err) = execute(id);
        assert_eq!(code, 0, "{err}");
    }
    // Executed after the share moved to 0.6, it would set it back to 0.5 within the day:
    // the contract refuses it, and the account change is proposed again.
    let (code, _, err) = execute(&stale);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("reverted: ParameterChangedTooSoon"), "{err}");
    let account = queue(&["Clearinghouse", "treasury-account", &treasury.to_string()]);
    rpc(&url, "evm_increaseTime", serde_json::json!([3_601])).await;
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    let (code, _, err) = execute(&account);
    assert_eq!(code, 0, "{err}");
    let usdc = chain
        .view(
            at("CollateralVault"),
            &Vault::assetConfigCall {
                asset: at("token:USDC"),
            },
        )
        .await
        .unwrap();
    assert_eq!(usdc.depositCap, U256::from(2_000_000_000_000_000u64));
    assert!(usdc.depositEnabled && usdc.collateralEnabled);
    let fees = chain
        .view(at("Clearinghouse"), &Ledger::feeConfigCall {})
        .await
        .unwrap();
    assert_eq!(fees.insuranceShare, U256::from(600_000_000_000_000_000u64));
    assert_eq!(fees.treasuryAccount, treasury);
    // The cap and the share changed just now: the next change waits a day.
    let (code, _, err) = propose(&["Clearinghouse", "insurance-share", "0.7"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("(ParameterChangedTooSoon)"), "{err}");
    let (code, _, err) = propose(&[
        "VaultPolicy",
        "deposit-cap",
        "2500000000",
        "--asset",
        "USDC",
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("(ParameterChangedTooSoon)"), "{err}");
    // The status shows the new values in the asset's own units.
    let (code, stdout, err) = clearing(&url, None, &["status", "--manifest", m]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.lines().any(|l| l.contains("VaultPolicy[USDC]")
            && l.contains("deposit-cap")
            && l.contains("2000000000")),
        "{stdout}"
    );

    // Program caching: the bids listed, placed, and every program cached.
    let (code, stdout, err) = clearing(&url, None, &["cache", "--manifest", m, "--json"]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        c["cacheManager"],
        serde_json::json!(stylus_runtime::arbitrum::CACHE_MANAGER)
    );
    let programs = c["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 18, "one per distinct program: {stdout}");
    assert!(programs
        .iter()
        .all(|p| p["cached"] == false && p["minBid"] == "0"));
    let before = nonce(&url, me).await;
    let (code, stdout, err) = clearing(
        &url,
        Some(&deployer),
        &["cache", "--manifest", m, "--place"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("bid 0 wei for "))
            .count(),
        18,
        "{stdout}"
    );
    assert_eq!(nonce(&url, me).await, before + 18);
    let (_, stdout, _) = clearing(&url, None, &["cache", "--manifest", m, "--json"]);
    let c: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        c["programs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["cached"] == true),
        "{stdout}"
    );
    drop(node);
}

#[test]
fn usage_errors_are_messages_not_panics() {
    let (code, _, err) = clearing(
        "http://127.0.0.1:9",
        None,
        &["deploy", "--config", "nope.toml", "--out", "x.json"],
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: cannot read the config nope.toml: "),
        "{err}"
    );
    let (code, _, err) = clearing(
        "http://127.0.0.1:9",
        None,
        &[
            "gov",
            "propose",
            "Nothing",
            "x",
            "1",
            "--manifest",
            "x.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let (code, stdout, _) = clearing("http://127.0.0.1:9", None, &["gov", "params"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("CircuitBreaker  rate-limit"), "{stdout}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearing"));
    let out = cmd
        .args(["status", "--manifest", "x.json", "--private-key", "0x1234"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!err.contains("0x1234"), "the key is never printed: {err}");
}
