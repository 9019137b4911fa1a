//! `clearing`: deploys the clearing system to any Ethereum JSON-RPC endpoint with Arbitrum's
//! Stylus (the local `stylus-node`, a nitro dev node, Arbitrum Sepolia), governs it through its
//! Timelock, and inspects it. A command-line tool in the manner of foundry's `cast`.
//!
//! Exit codes: 0 success; 2 bad input (arguments, files, keys); 3 refused before sending (wrong
//! chain, short balance, missing or failing WASM, a config that disagrees with the manifest, no
//! program cache); 4 a governance change the contract's rule refuses; 5 the RPC endpoint failed;
//! 6 a transaction or call reverted.

pub mod abi;
pub mod cache;
pub mod config;
pub mod deploy;
pub mod error;
pub mod gov;
pub mod manifest;
pub mod options;
pub mod output;
pub mod params;
pub mod rpc;
pub mod status;
pub mod units;

use alloy_primitives::{hex, Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use clap::{Args, Parser, Subcommand};
use error::{CliError, Result};
use manifest::Manifest;
use rpc::Chain;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Deploy, govern and inspect the cross-margin clearing system on Arbitrum Stylus.
#[derive(Debug, Parser)]
#[command(
    name = "clearing",
    version,
    after_help = "Exit codes: 0 success; 2 bad input; 3 refused before sending (chain id, balance, WASM, config vs manifest, no cache); 4 refused by a governance rule; 5 RPC failure; 6 reverted.\n\nQuick start against the local node (cargo run --release -p stylus-node):\n  clearing deploy --config deploy/local.toml --out deploy/local.json --private-key 0xac09...ff80\n  clearing status --manifest deploy/local.json"
)]
pub struct Cli {
    /// The JSON-RPC endpoint.
    #[arg(
        long,
        global = true,
        env = "CLEARING_RPC_URL",
        default_value = "http://127.0.0.1:8547"
    )]
    pub rpc_url: String,
    /// The sender's key (hex); never printed.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the sender's key comes from: `--private-key`, `$CLEARING_PRIVATE_KEY`, or an
/// encrypted keystore file.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// The private key (hex; `--key` for short). Also `$CLEARING_PRIVATE_KEY`.
    #[arg(
        long,
        alias = "key",
        global = true,
        env = "CLEARING_PRIVATE_KEY",
        hide_env_values = true,
        conflicts_with = "keystore"
    )]
    pub private_key: Option<String>,
    /// An encrypted JSON keystore (as geth, cast and cargo-stylus write them).
    #[arg(long, global = true, env = "CLEARING_KEYSTORE")]
    pub keystore: Option<PathBuf>,
    /// The keystore's password (else `$CLEARING_KEYSTORE_PASSWORD`, else asked on the terminal).
    #[arg(
        long,
        global = true,
        env = "CLEARING_KEYSTORE_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Deploy the whole system from a config, resumable from its manifest.
    ///
    /// Deploys every contract's WASM (a deployment with the Stylus prefix and the compressed
    /// program, then ArbWasm.activateProgram with its data fee, as cargo-stylus does), runs the
    /// constructors, wires the contracts, grants the roles, lists the assets and markets, sets
    /// the initial parameters, then hands every admin role to the Timelock and gives up the
    /// deployer's. Before sending anything it checks the chain id, the WASM (present and passing
    /// the Stylus checks) and the balance against an estimate of the whole run. Every step is
    /// written to the manifest as it completes: a re-run with the same manifest resumes after
    /// the last completed step and never redeploys what exists.
    Deploy {
        /// The TOML config (see deploy/local.toml).
        #[arg(long)]
        config: PathBuf,
        /// The JSON manifest to write (resumed when it exists).
        #[arg(long)]
        out: PathBuf,
        /// Where the WASM files are.
        #[arg(long, default_value = "target/stylus")]
        wasm_dir: PathBuf,
        /// After deploying, bid for each program in Arbitrum's CacheManager at its minimum bid.
        #[arg(long)]
        cache_bid: bool,
    },
    /// List (or place) the CacheManager bids of the deployed programs.
    Cache {
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// Place each uncached program's minimum bid (else only list them).
        #[arg(long)]
        place: bool,
    },
    /// Governance through the Timelock.
    #[command(subcommand)]
    Gov(GovCommand),
    /// Option series: list them, post implied volatility, settle expiries and accounts.
    #[command(subcommand)]
    Options(OptionsCommand),
    /// The system's parameters and breaker state, or an account's health, positions,
    /// collateral and Greeks.
    Status {
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// The account (none: the system).
        #[command(flatten)]
        account: AccountArgs,
    },
}

/// A sub-account named by its id, or by its owner and index.
#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// A sub-account id (bytes32: owner in the high 20 bytes, index in the lowest byte).
    #[arg(long, conflicts_with = "owner")]
    pub account: Option<B256>,
    /// A sub-account's owner (with --sub).
    #[arg(long)]
    pub owner: Option<Address>,
    /// The sub-account index (with --owner).
    #[arg(long, default_value_t = 0)]
    pub sub: u8,
}

impl AccountArgs {
    /// The sub-account named, if any.
    pub fn resolve(&self) -> Option<B256> {
        self.account.or_else(|| {
            self.owner
                .map(|o| clearing_core::trading::account::encode(o, self.sub))
        })
    }
}

/// `options` subcommands (DESIGN section 13). Each sending command simulates its call first:
/// a refusal names the contract's error and sends nothing (exit 6).
#[derive(Debug, Subcommand)]
pub enum OptionsCommand {
    /// The listed series (from OptionMarkets' `SeriesListed` events) with their volatility,
    /// open interest and settlement price.
    Series {
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// List a series in an enabled class (the sender holds `LISTER_ROLE`); prints its id.
    List {
        /// The underlying (manifest symbol or address).
        #[arg(long)]
        underlying: String,
        /// The expiry: Unix seconds, or a date YYYY-MM-DD (08:00 UTC).
        #[arg(long)]
        expiry: String,
        /// The strike (quote, decimal), on the class's tick.
        #[arg(long)]
        strike: String,
        /// A put (else a call).
        #[arg(long)]
        put: bool,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Post the implied volatility of an expiry (the sender holds `VOL_ORACLE_ROLE`).
    PostVol {
        /// The underlying (manifest symbol or address).
        #[arg(long)]
        underlying: String,
        /// The expiry: Unix seconds, or a date YYYY-MM-DD (08:00 UTC).
        #[arg(long)]
        expiry: String,
        /// The annualised volatility as a decimal (0.6 is 60 %).
        #[arg(long)]
        vol: String,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Record an expiry's settlement price (anyone) from the feed round in force at expiry.
    SettleExpiry {
        /// The underlying (manifest symbol or address).
        #[arg(long)]
        underlying: String,
        /// The expiry: Unix seconds, or a date YYYY-MM-DD (08:00 UTC).
        #[arg(long)]
        expiry: String,
        /// The feed round (else the round in force at the expiry, found on the feed).
        #[arg(long)]
        round: Option<u64>,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Pay an account's expired series whose settlement price is recorded (anyone).
    SettleAccount {
        /// The account.
        #[command(flatten)]
        account: AccountArgs,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
}

/// `gov` subcommands.
#[derive(Debug, Subcommand)]
pub enum GovCommand {
    /// Queue a parameter change, checked first against the rule its contract applies (bounds,
    /// step, interval, direction).
    Propose {
        /// The contract (RiskModule, RiskEngine, Liquidator, CircuitBreaker, VaultPolicy,
        /// PerpMarkets, InsuranceFund, Timelock).
        contract: String,
        /// The parameter (`clearing gov params` lists them).
        parameter: String,
        /// The new value (a decimal for fractions and amounts, whole seconds for durations).
        value: String,
        /// The market, for market parameters.
        #[arg(long)]
        market: Option<u32>,
        /// The collateral asset (symbol or address), for per-asset parameters.
        #[arg(long)]
        asset: Option<String>,
        /// The salt (default: derived from the time and the call).
        #[arg(long)]
        salt: Option<B256>,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// Print the calldata instead of sending.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the proposals queued on the Timelock, with their eta and expiry.
    Queued {
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Execute a queued proposal after its delay.
    Execute {
        /// The proposal id.
        id: B256,
        /// The salt, when the proposal was not queued by a direct call.
        #[arg(long)]
        salt: Option<B256>,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// Print the calldata instead of sending.
        #[arg(long)]
        dry_run: bool,
    },
    /// Cancel a queued proposal (the Timelock's admin or guardian).
    Cancel {
        /// The proposal id.
        id: B256,
        /// The deployment manifest.
        #[arg(long)]
        manifest: PathBuf,
        /// Print the calldata instead of sending.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the governed parameters with their bounds, step, interval and direction.
    Params,
}

impl KeyArgs {
    /// The signer, if a key was given.
    ///
    /// # Errors
    /// [`CliError::Usage`] for a key that does not parse or a keystore that does not open (the
    /// key itself is never part of the message).
    pub fn signer(&self) -> Result<Option<PrivateKeySigner>> {
        if let Some(k) = &self.private_key {
            return k.trim().parse::<PrivateKeySigner>().map(Some).map_err(|_| {
                CliError::Usage("the private key is not a 32-byte hex secp256k1 key".into())
            });
        }
        if let Some(path) = &self.keystore {
            let password = match &self.password {
                Some(p) => p.clone(),
                None => rpassword::prompt_password(format!("password for {}: ", path.display()))
                    .map_err(|e| {
                        CliError::Usage(format!("cannot read the keystore password: {e}"))
                    })?,
            };
            return PrivateKeySigner::decrypt_keystore(path, password)
                .map(Some)
                .map_err(|e| {
                    CliError::Usage(format!("cannot open the keystore {}: {e}", path.display()))
                });
        }
        Ok(None)
    }
}

fn print_sections(out: &mut dyn Write, sections: &[(String, output::Table)]) {
    for (title, t) in sections {
        let _ = writeln!(out, "{title}\n{}", t.render());
    }
}

/// Runs a parsed command on `chain` (built from the arguments when `None`), writing to `out`.
///
/// # Errors
/// The command's [`CliError`].
pub async fn run(cli: Cli, chain: Option<Chain>, out: &mut dyn Write) -> Result<()> {
    if let Command::Gov(GovCommand::Params) = &cli.command {
        return gov_params(cli.json, out);
    }
    let chain = match chain {
        Some(c) => c,
        None => Chain::connect(&cli.rpc_url, cli.key.signer()?)?,
    };
    match cli.command {
        Command::Deploy {
            config,
            out: manifest,
            wasm_dir,
            cache_bid,
        } => {
            let config = config::Config::load(&config)?;
            let opts = deploy::Options {
                config,
                out: manifest.clone(),
                wasm_dir,
            };
            // With --json, stdout carries only the JSON answer; progress goes to stderr.
            let mut progress = std::io::stderr();
            let log: &mut dyn Write = if cli.json { &mut progress } else { &mut *out };
            let outcome = deploy::deploy(&chain, &opts, log).await?;
            if cache_bid {
                place_bids(&chain, &outcome.manifest, log).await?;
            }
            if cli.json {
                let _ = writeln!(
                    out,
                    "{}",
                    json!({"manifest": manifest, "sent": outcome.sent, "contracts": outcome.manifest.contracts.iter().map(|(k, c)| (k.clone(), c.address)).collect::<std::collections::BTreeMap<_, _>>()})
                );
            }
            Ok(())
        }
        Command::Cache { manifest, place } => {
            let m = Manifest::load(&manifest)?;
            if place {
                return place_bids(&chain, &m, out).await;
            }
            let (manager, list) = cache::bids(&chain, &m).await?;
            if cli.json {
                let _ = writeln!(
                    out,
                    "{}",
                    json!({"cacheManager": manager, "programs": list.iter().map(|b| json!({"contract": b.contract, "address": b.address, "codeHash": b.code_hash, "cached": b.cached, "minBid": b.min_bid.to_string()})).collect::<Vec<_>>()})
                );
            } else {
                let _ = write!(out, "{}", cache::table(manager, &list).render());
            }
            Ok(())
        }
        Command::Status { manifest, account } => {
            let m = Manifest::load(&manifest)?;
            let (sections, j) = match account.resolve() {
                Some(a) => status::account(&chain, &m, a).await?,
                None => status::system(&chain, &m).await?,
            };
            if cli.json {
                let _ = writeln!(out, "{j}");
            } else {
                print_sections(out, &sections);
            }
            Ok(())
        }
        Command::Gov(g) => gov_command(&chain, g, cli.json, out).await,
        Command::Options(o) => options_command(&chain, o, cli.json, out).await,
    }
}

async fn options_command(
    chain: &Chain,
    o: OptionsCommand,
    json_out: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match o {
        OptionsCommand::Series { manifest } => {
            let m = Manifest::load(&manifest)?;
            let (t, j) = options::series(chain, &m).await?;
            if json_out {
                let _ = writeln!(out, "{j}");
            } else {
                let _ = write!(out, "{}", t.render());
            }
        }
        OptionsCommand::List {
            underlying,
            expiry,
            strike,
            put,
            manifest,
        } => {
            let m = Manifest::load(&manifest)?;
            let expiry = options::parse_expiry(&expiry)?;
            let (id, tx) = options::list(chain, &m, &underlying, expiry, &strike, !put).await?;
            if json_out {
                let _ = writeln!(out, "{}", json!({"series": id, "tx": tx}));
            } else {
                let _ = writeln!(
                    out,
                    "listed series {id:#x} ({id}): {underlying} {strike} {} expiring {}; tx {tx}",
                    if put { "put" } else { "call" },
                    options::show_date(expiry)
                );
            }
        }
        OptionsCommand::PostVol {
            underlying,
            expiry,
            vol,
            manifest,
        } => {
            let m = Manifest::load(&manifest)?;
            let expiry = options::parse_expiry(&expiry)?;
            let tx = options::post_vol(chain, &m, &underlying, expiry, &vol).await?;
            if json_out {
                let _ = writeln!(out, "{}", json!({"tx": tx}));
            } else {
                let _ = writeln!(
                    out,
                    "posted {vol} for {underlying} expiring {}; tx {tx}",
                    options::show_date(expiry)
                );
            }
        }
        OptionsCommand::SettleExpiry {
            underlying,
            expiry,
            round,
            manifest,
        } => {
            let m = Manifest::load(&manifest)?;
            let expiry = options::parse_expiry(&expiry)?;
            let round = round.map(alloy_primitives::aliases::U80::from);
            let (price, round, tx) =
                options::settle_expiry(chain, &m, &underlying, expiry, round).await?;
            if json_out {
                let _ = writeln!(
                    out,
                    "{}",
                    json!({"price": price.to_string(), "round": round.to_string(), "tx": tx})
                );
            } else {
                let _ = writeln!(
                    out,
                    "settled {underlying} expiring {} at {} (round {round}); tx {tx}",
                    options::show_date(expiry),
                    units::show(price, 18)
                );
            }
        }
        OptionsCommand::SettleAccount { account, manifest } => {
            let m = Manifest::load(&manifest)?;
            let account = account
                .resolve()
                .ok_or_else(|| CliError::Usage("give --account, or --owner and --sub".into()))?;
            let (paid, tx) = options::settle_account(chain, &m, account).await?;
            if json_out {
                let _ = writeln!(out, "{}", json!({"paid": paid.to_string(), "tx": tx}));
            } else {
                let _ = writeln!(
                    out,
                    "settled {account}: {} paid into its quote balance; tx {tx}",
                    units::show_signed(paid)
                );
            }
        }
    }
    Ok(())
}

async fn place_bids(chain: &Chain, m: &Manifest, out: &mut dyn Write) -> Result<()> {
    let (manager, list) = cache::bids(chain, m).await?;
    for b in list.iter().filter(|b| !b.cached) {
        let sent = chain
            .send(
                &format!("placeBid {}", b.contract),
                Some(manager),
                cache::place_bid(b.address),
                b.min_bid,
                &mut |_| Ok(()),
            )
            .await?;
        let _ = writeln!(
            out,
            "bid {} wei for {} ({}): {}",
            b.min_bid, b.contract, b.address, sent.hash
        );
    }
    Ok(())
}

fn gov_params(json_out: bool, out: &mut dyn Write) -> Result<()> {
    let mut t = output::Table::new(&[
        "contract",
        "parameter",
        "code",
        "bounds",
        "step",
        "interval",
        "raises risk when",
    ]);
    let mut j = Vec::new();
    for p in params::ALL {
        let r = p.rule(U256::ZERO, 0);
        let step = match p.unit {
            params::Unit::Token => "the cap or 1000 tokens".to_string(),
            params::Unit::Flag | params::Unit::Account => "any".to_string(),
            _ if r.max_step == U256::MAX
                || (p.per_market && r.max_step > U256::from(u128::MAX)) =>
            {
                "any".to_string()
            }
            _ => p.show(r.max_step, 0),
        };
        let dir = format!("{:?}", r.raises_risk).to_lowercase();
        t.row(vec![
            p.contract.into(),
            p.name.into(),
            p.code.to_string(),
            match p.unit {
                params::Unit::Account => "non-zero".into(),
                params::Unit::Token => "0 ..= 2^128 token units".into(),
                _ => format!(
                    "{} ..= {}",
                    p.show(r.min, 0),
                    if r.max > U256::from(u128::MAX) {
                        "max".into()
                    } else {
                        p.show(r.max, 0)
                    }
                ),
            },
            step.clone(),
            format!("{} s", r.min_interval),
            dir.clone(),
        ]);
        j.push(json!({"contract": p.contract, "parameter": p.name, "code": p.code, "min": r.min.to_string(), "max": r.max.to_string(), "step": r.max_step.to_string(), "interval": r.min_interval, "raisesRiskWhen": dir, "perMarket": p.per_market, "perAsset": p.per_asset}));
    }
    if json_out {
        let _ = writeln!(out, "{}", json!(j));
    } else {
        let _ = write!(out, "{}", t.render());
    }
    Ok(())
}

async fn gov_command(
    chain: &Chain,
    g: GovCommand,
    json_out: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match g {
        GovCommand::Params => gov_params(json_out, out),
        GovCommand::Propose {
            contract,
            parameter,
            value,
            market,
            asset,
            salt,
            manifest,
            dry_run,
        } => {
            let m = Manifest::load(&manifest)?;
            let spec = params::lookup(&contract, &parameter)?;
            let p = gov::propose(
                chain,
                &m,
                &contract,
                &parameter,
                &value,
                market,
                asset.as_deref(),
                salt,
            )
            .await?;
            let direction = match p.direction {
                clearing_core::governance::Direction::RaisesRisk => "raises risk",
                clearing_core::governance::Direction::LowersRisk
                    if deploy::RISK_ADMINS.contains(&spec.contract) =>
                {
                    "lowers risk (a risk admin could apply it at once)"
                }
                // No risk-admin role on this contract: every change waits for the Timelock.
                clearing_core::governance::Direction::LowersRisk => "lowers risk",
                clearing_core::governance::Direction::Unchanged => "leaves the value unchanged",
            };
            let summary = json!({
                "id": p.id, "timelock": p.timelock, "target": p.target, "data": format!("0x{}", hex::encode(&p.data)),
                "salt": p.salt, "queueCalldata": format!("0x{}", hex::encode(&p.queue)), "old": p.change.0, "new": p.change.1,
                "direction": direction, "earliestExecution": p.eta, "alsoSets": spec.companions(),
            });
            let also = if spec.companions().is_empty() {
                String::new()
            } else {
                format!(
                    "\nnote: the call also sets {} to their values now; a change of them executed first would be undone by this one",
                    spec.companions().join(", ")
                )
            };
            if dry_run {
                if json_out {
                    let _ = writeln!(out, "{summary}");
                } else {
                    let _ = writeln!(
                        out,
                        "{contract} {parameter}: {} -> {} ({direction}); passes its rule\nto:       {} (Timelock)\ncalldata: 0x{}\nproposal: {}{also}\nnothing was sent (--dry-run)",
                        p.change.0, p.change.1, p.timelock, hex::encode(&p.queue), p.id
                    );
                }
                return Ok(());
            }
            let sent = chain
                .send(
                    "Timelock.queue",
                    Some(p.timelock),
                    p.queue.clone(),
                    U256::ZERO,
                    &mut |_| Ok(()),
                )
                .await?;
            if json_out {
                let mut s = summary;
                s["tx"] = json!(sent.hash);
                let _ = writeln!(out, "{s}");
            } else {
                let _ = writeln!(
                    out,
                    "queued {}: {contract} {parameter} {} -> {} ({direction})\nexecutable from {} (clearing gov execute {} --manifest {})\ntx {}{also}",
                    p.id, p.change.0, p.change.1, p.eta, p.id, manifest.display(), sent.hash
                );
            }
            Ok(())
        }
        GovCommand::Queued { manifest } => {
            let m = Manifest::load(&manifest)?;
            let list = gov::queued(chain, &m).await?;
            if json_out {
                let _ = writeln!(out, "{}", gov::queued_json(&m, &list));
            } else {
                let _ = write!(out, "{}", gov::queued_table(&m, &list).render());
            }
            Ok(())
        }
        GovCommand::Execute {
            id,
            salt,
            manifest,
            dry_run,
        } => {
            let m = Manifest::load(&manifest)?;
            let timelock = m.address("Timelock")?;
            let data = gov::execute_call(chain, &m, id, salt).await?;
            finish(
                chain,
                "Timelock.execute",
                timelock,
                data,
                dry_run,
                json_out,
                out,
                &format!("executed {id}"),
            )
            .await
        }
        GovCommand::Cancel {
            id,
            manifest,
            dry_run,
        } => {
            let m = Manifest::load(&manifest)?;
            let timelock = m.address("Timelock")?;
            let data = alloy_sol_types::SolCall::abi_encode(&abi::Timelock::cancelCall { id });
            finish(
                chain,
                "Timelock.cancel",
                timelock,
                data,
                dry_run,
                json_out,
                out,
                &format!("cancelled {id}"),
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    chain: &Chain,
    what: &str,
    to: Address,
    data: Vec<u8>,
    dry_run: bool,
    json_out: bool,
    out: &mut dyn Write,
    done: &str,
) -> Result<()> {
    if dry_run {
        if json_out {
            let _ = writeln!(
                out,
                "{}",
                json!({"to": to, "calldata": format!("0x{}", hex::encode(&data))})
            );
        } else {
            let _ = writeln!(
                out,
                "to:       {to} (Timelock)\ncalldata: 0x{}\nnothing was sent (--dry-run)",
                hex::encode(&data)
            );
        }
        return Ok(());
    }
    let sent = chain
        .send(what, Some(to), data, U256::ZERO, &mut |_| Ok(()))
        .await?;
    if json_out {
        let _ = writeln!(out, "{}", json!({"tx": sent.hash, "block": sent.block}));
    } else {
        let _ = writeln!(out, "{done}: tx {} (block {})", sent.hash, sent.block);
    }
    Ok(())
}
