//! `deploy`: the whole system from a config, step by step, resumable from its manifest.
//!
//! The run is one fixed sequence of steps (the config decides it). It is walked twice: first to
//! plan (count what is left, estimate its gas and activation fees, check the WASM; nothing is
//! sent), then to send. Each completed step is written to the manifest at once, and a sent
//! transaction is written as pending before its receipt is awaited, so a run stopped anywhere
//! resumes after its last completed step and never deploys a contract twice.

use crate::abi::*;
use crate::config::{AssetConfig, Config};
use crate::error::{CliError, Result};
use crate::manifest::{ContractEntry, Manifest, Pending, Step};
use crate::params;
use crate::rpc::{check_receipt, Chain, Sent};
use crate::units;
use alloy_primitives::{keccak256, Address, Bytes, B256, I256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::state::{AccountOverride, StateOverride};
use alloy_sol_types::{SolCall, SolConstructor};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use stylus_runtime::arbitrum::{ArbWasm, ARB_WASM};

/// Gas assumed per deployment byte of init code (calldata and code deposit) when estimating.
const DEPLOY_GAS_PER_BYTE: u64 = 250;
/// Gas assumed for a deployment besides its bytes.
const DEPLOY_GAS_BASE: u64 = 60_000;
/// Gas assumed for an activation (ArbOS charges 1,659,168 plus the transaction).
const ACTIVATION_GAS: u64 = 1_700_000;
/// Gas assumed for a constructor call.
const CONSTRUCTOR_GAS: u64 = 1_000_000;
/// Gas assumed for a wiring, role or listing call.
const CALL_GAS: u64 = 600_000;
/// Percent added to the activation data fee (cargo-stylus's default bump; the excess is
/// returned).
const DATA_FEE_BUMP_PERCENT: u64 = 20;

/// The contracts whose admin role passes to the Timelock.
pub const GOVERNED: [&str; 12] = [
    "RiskModule",
    "CollateralVault",
    "RiskEngine",
    "PerpMarkets",
    "Clearinghouse",
    "Exchange",
    "InsuranceFund",
    "CircuitBreaker",
    "Liquidator",
    "VaultPolicy",
    "OptionMarkets",
    "OptionBook",
];

/// The contracts with a `RISK_ADMIN_ROLE`.
pub const RISK_ADMINS: [&str; 7] = [
    "RiskModule",
    "RiskEngine",
    "PerpMarkets",
    "Liquidator",
    "CircuitBreaker",
    "InsuranceFund",
    "VaultPolicy",
];

/// How `deploy` runs.
pub struct Options {
    /// The config.
    pub config: Config,
    /// The manifest to write (and resume from when it exists).
    pub out: PathBuf,
    /// Where the WASM files are.
    pub wasm_dir: PathBuf,
}

/// What is left, as the planning pass found it.
#[derive(Debug, Default, Clone)]
pub struct Estimate {
    /// Steps left.
    pub steps: usize,
    /// Transactions left.
    pub transactions: usize,
    /// Gas assumed for them.
    pub gas: u64,
    /// Activation data fees.
    pub data_fees: U256,
    /// The WASM packages still to deploy.
    pub packages: Vec<String>,
}

struct Program {
    code: Vec<u8>,
    hash: B256,
}

/// The deployment walker.
struct Run<'a> {
    chain: &'a Chain,
    config: &'a Config,
    manifest: Manifest,
    path: PathBuf,
    wasm_dir: PathBuf,
    from: Address,
    plan: Option<Estimate>,
    programs: HashMap<String, Program>,
    active: HashSet<B256>,
    fees: HashMap<B256, U256>,
    log: &'a mut dyn Write,
}

fn placeholder(name: &str) -> Address {
    Address::from_slice(&keccak256(name.as_bytes())[12..])
}

fn role(name: &str) -> B256 {
    keccak256(name.as_bytes())
}

impl Run<'_> {
    fn addr(&self, name: &str) -> Address {
        self.manifest
            .contracts
            .get(name)
            .map_or_else(|| placeholder(name), |c| c.address)
    }

    fn save(&self) -> Result<()> {
        self.manifest.save(&self.path)
    }

    fn program(&mut self, package: &str) -> Result<&Program> {
        if !self.programs.contains_key(package) {
            let path = self.wasm_dir.join(format!("{package}.wasm"));
            let wasm = std::fs::read(&path).map_err(|e| {
                CliError::Refused(format!(
                    "missing WASM {}: {e}; build it with scripts/build-wasm (nothing was sent)",
                    path.display()
                ))
            })?;
            let report = wasm_check::check(&wasm, wasm_check::DEFAULT_BROTLI_LIMIT)
                .map_err(|e| CliError::Refused(format!("{}: {e}", path.display())))?;
            if !report.is_ok() {
                let why: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
                return Err(CliError::Refused(format!(
                    "{} fails the Stylus checks: {} (nothing was sent)",
                    path.display(),
                    why.join("; ")
                )));
            }
            let code = wasm_check::stylus_code(&wasm)
                .map_err(|e| CliError::Refused(format!("{}: {e}", path.display())))?;
            let hash = keccak256(&code);
            self.programs
                .insert(package.to_string(), Program { code, hash });
        }
        Ok(&self.programs[package])
    }

    /// Whether the code hash is active on the chain (ArbWasm.codehashVersion answers).
    async fn is_active(&mut self, hash: B256) -> Result<bool> {
        if self.active.contains(&hash) {
            return Ok(true);
        }
        let call = ArbWasm::codehashVersionCall { codehash: hash }.abi_encode();
        let ok = self
            .chain
            .call_raw(ARB_WASM, call, U256::ZERO, None)
            .await
            .is_ok();
        if ok {
            self.active.insert(hash);
        }
        Ok(ok)
    }

    /// The activation data fee of `code` (an `activateProgram` call against the code placed
    /// at a scratch address, from a funded scratch sender: as cargo-stylus asks), bumped.
    async fn data_fee(&mut self, code: &[u8], hash: B256) -> Result<U256> {
        if let Some(f) = self.fees.get(&hash) {
            return Ok(*f);
        }
        let scratch = placeholder("clearing-cli activation estimate");
        let sender = placeholder("clearing-cli activation sender");
        let mut o = StateOverride::default();
        o.insert(
            scratch,
            AccountOverride::default().with_code(Bytes::copy_from_slice(code)),
        );
        o.insert(
            sender,
            AccountOverride::default().with_balance(U256::from(10u64).pow(U256::from(21u8))),
        );
        let chain = Chain {
            provider: self.chain.provider.clone(),
            from: Some(sender),
        };
        let out = chain
            .call_raw(
                ARB_WASM,
                ArbWasm::activateProgramCall { program: scratch }.abi_encode(),
                U256::from(10u64).pow(U256::from(18u8)),
                Some(&o),
            )
            .await
            .map_err(|e| CliError::Refused(format!("estimating the activation fee: {e}")))?;
        let fee = ArbWasm::activateProgramCall::abi_decode_returns(&out, true)
            .map_err(|e| CliError::Rpc(format!("activateProgram answered {out}: {e}")))?
            .dataFee;
        let fee = fee * U256::from(100 + DATA_FEE_BUMP_PERCENT) / U256::from(100u8);
        self.fees.insert(hash, fee);
        Ok(fee)
    }

    /// Sends one transaction of step `id` and records it.
    async fn send(
        &mut self,
        id: &str,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<Sent> {
        let path = self.path.clone();
        let mut manifest = self.manifest.clone();
        let step = id.to_string();
        let mut on_sent = move |hash: B256| {
            manifest.pending = Some(Pending {
                step: step.clone(),
                tx: hash,
            });
            manifest.save(&path)
        };
        let sent = self.chain.send(id, to, data, value, &mut on_sent).await?;
        self.record(id, sent)?;
        let _ = writeln!(self.log, "  {id}: {} (block {})", sent.hash, sent.block);
        Ok(sent)
    }

    /// Records a completed step (and what it did to the contracts) in the manifest.
    fn record(&mut self, id: &str, sent: Sent) -> Result<()> {
        if let Some(name) = id.strip_prefix("deploy ") {
            let entry = self.manifest.contracts.entry(name.to_string()).or_default();
            entry.address = sent.contract.unwrap_or_default();
            entry.deploy_tx = sent.hash;
        } else if let Some(name) = id.strip_prefix("activate ") {
            if let Some(e) = self.manifest.contracts.get_mut(name) {
                e.activation_tx = Some(sent.hash);
            }
        } else if let Some(name) = id.strip_prefix("construct ") {
            if let Some(e) = self.manifest.contracts.get_mut(name) {
                e.constructor_tx = Some(sent.hash);
            }
        }
        self.manifest.steps.push(Step {
            step: id.to_string(),
            tx: sent.hash,
            block: sent.block,
        });
        self.manifest.pending = None;
        self.save()
    }

    /// A call step: skipped when done, estimated when planning, sent otherwise.
    async fn step<C: SolCall>(&mut self, id: String, to: &str, call: C) -> Result<()> {
        if self.manifest.done(&id) {
            return Ok(());
        }
        if let Some(p) = &mut self.plan {
            p.steps += 1;
            p.transactions += 1;
            p.gas += CALL_GAS;
            return Ok(());
        }
        let to = self.addr(to);
        self.send(&id, Some(to), call.abi_encode(), U256::ZERO)
            .await
            .map(drop)
    }

    /// A role grant step: `target.grantRole(role, account)`, `who` naming the account.
    async fn grant(
        &mut self,
        target: &str,
        role_name: &str,
        who: &str,
        account: Address,
    ) -> Result<()> {
        let call = Roles::grantRoleCall {
            role: role(role_name),
            account,
        };
        self.step(
            format!("{target}.grantRole {role_name} {who}"),
            target,
            call,
        )
        .await
    }

    /// Deploys, activates and constructs contract `name` from `package`, unless done.
    async fn contract(&mut self, name: &str, package: &str, ctor: Vec<u8>) -> Result<Address> {
        self.program_at(name, package, Some(ctor)).await
    }

    /// Deploys and activates contract `name` from `package`, a contract without a constructor
    /// (MarginMath: stateless), unless done.
    async fn stateless(&mut self, name: &str, package: &str) -> Result<Address> {
        self.program_at(name, package, None).await
    }

    /// Deploys and activates contract `name` from `package`, then runs its constructor with
    /// `ctor` when there is one; each step unless done.
    async fn program_at(
        &mut self,
        name: &str,
        package: &str,
        ctor: Option<Vec<u8>>,
    ) -> Result<Address> {
        let constructed = format!("construct {name}");
        if ctor.is_some() && self.manifest.done(&constructed) {
            return Ok(self.addr(name));
        }
        let (code, hash) = {
            let p = self.program(package)?;
            (p.code.clone(), p.hash)
        };
        let deploy_id = format!("deploy {name}");
        let activate_id = format!("activate {name}");
        if let Some(plan) = &mut self.plan {
            if !self.manifest.done(&deploy_id) {
                plan.steps += 1;
                plan.transactions += 1;
                plan.gas += DEPLOY_GAS_BASE + DEPLOY_GAS_PER_BYTE * code.len() as u64;
                if !plan.packages.iter().any(|p| p == package) {
                    plan.packages.push(package.to_string());
                }
            }
            if !self.manifest.done(&activate_id) && !self.is_active(hash).await? {
                let fee = self.data_fee(&code, hash).await?;
                let plan = self.plan.as_mut().expect("planning");
                plan.steps += 1;
                plan.transactions += 1;
                plan.gas += ACTIVATION_GAS;
                plan.data_fees += fee;
                self.active.insert(hash);
            }
            if ctor.is_some() {
                let plan = self.plan.as_mut().expect("planning");
                plan.steps += 1;
                plan.transactions += 1;
                plan.gas += CONSTRUCTOR_GAS;
            }
            return Ok(placeholder(name));
        }
        if !self.manifest.done(&deploy_id) {
            let init = stylus_runtime::init_code(&code);
            let sent = self.send(&deploy_id, None, init, U256::ZERO).await?;
            let address = sent.contract.ok_or_else(|| {
                CliError::Rpc(format!(
                    "{deploy_id}: the receipt names no contract address"
                ))
            })?;
            let e = self.manifest.contracts.get_mut(name).expect("recorded");
            e.package = package.to_string();
            e.code_hash = hash;
            self.save()?;
            let _ = address;
        }
        let address = self.addr(name);
        if !self.manifest.done(&activate_id) {
            if self.is_active(hash).await? {
                // Activation is per code hash: an earlier contract (or anyone) activated it.
                let earlier = self
                    .manifest
                    .contracts
                    .values()
                    .find(|c| c.code_hash == hash && c.activation_tx.is_some())
                    .and_then(|c| c.activation_tx);
                if let Some(e) = self.manifest.contracts.get_mut(name) {
                    e.activation_tx = earlier;
                }
                self.save()?;
            } else {
                let fee = self.data_fee(&code, hash).await?;
                let call = ArbWasm::activateProgramCall { program: address }.abi_encode();
                self.send(&activate_id, Some(ARB_WASM), call, fee).await?;
                self.active.insert(hash);
            }
        }
        let Some(ctor) = ctor else {
            return Ok(address);
        };
        let mut data = stylus_runtime::constructor_selector().to_vec();
        data.extend(ctor);
        self.send(&constructed, Some(address), data, U256::ZERO)
            .await?;
        Ok(address)
    }

    /// The config's asset settings as the contracts take them.
    async fn list_asset(&mut self, a: &AssetConfig) -> Result<()> {
        let s = &a.symbol;
        let asset = self.addr(&format!("token:{s}"));
        let feed = self.addr(&format!("feed:{s}"));
        let wad = |v: &str, f: &str| units::wad(v, &format!("assets.{s}.{f}"));
        let risk = Risk::listAssetCall {
            asset,
            feed,
            heartbeat: a.heartbeat,
            minPrice: wad(&a.band[0], "band")?,
            maxPrice: wad(&a.band[1], "band")?,
            bucket: a.bucket,
            depth: wad(&a.depth, "depth")?,
            initialVolatility: wad(&a.volatility, "volatility")?,
        };
        self.step(format!("RiskModule.listAsset {s}"), "RiskModule", risk)
            .await?;
        let vault = Vault::listAssetCall {
            asset,
            decimals: a.decimals,
            depositCap: units::parse(&a.deposit_cap, a.decimals, "deposit_cap")?,
            depositEnabled: a.deposits_enabled,
            collateralEnabled: a.collateral,
        };
        self.step(
            format!("CollateralVault.listAsset {s}"),
            "CollateralVault",
            vault,
        )
        .await?;
        let haircut = Engine::setHaircutConfigCall {
            asset,
            floor: wad(&a.haircut_floor, "haircut_floor")?,
            cap: wad(&a.haircut_cap, "haircut_cap")?,
            multiplier: wad(&a.multiplier, "multiplier")?,
        };
        self.step(
            format!("RiskEngine.setHaircutConfig {s}"),
            "RiskEngine",
            haircut,
        )
        .await?;
        if let Some(feed) = a.vol_feed {
            let call = Risk::setVolatilityFeedCall { asset, feed };
            self.step(
                format!("RiskModule.setVolatilityFeed {s}"),
                "RiskModule",
                call,
            )
            .await?;
        }
        Ok(())
    }

    /// The token and feed of an asset: the configured addresses, or mocks deployed here.
    async fn asset_contracts(&mut self, a: &AssetConfig) -> Result<()> {
        let s = a.symbol.clone();
        let token_name = format!("token:{s}");
        if a.token == "mock" {
            let ctor = Token::constructorCall {
                name: format!("Mock {s}"),
                symbol: s.clone(),
                decimals: a.decimals,
                transferFeeBps: 0,
            }
            .abi_encode();
            self.contract(&token_name, "mock-erc20", ctor).await?;
        } else {
            self.external(&token_name, &a.token);
        }
        let feed_name = format!("feed:{s}");
        if a.feed == "mock" {
            let ctor = Feed::constructorCall {
                decimals: a.feed_decimals,
                description: format!("{s} / USD (mock)"),
            }
            .abi_encode();
            self.contract(&feed_name, "mock-aggregator", ctor).await?;
            let price = units::parse(a.price.as_deref().unwrap_or("0"), a.feed_decimals, "price")?;
            let now = self.chain.latest().await?.1;
            let call = Feed::setAnswerCall {
                answer: I256::try_from(price).unwrap_or(I256::MAX),
                updatedAt: U256::from(now),
            };
            self.step(format!("{feed_name}.setAnswer"), &feed_name, call)
                .await?;
        } else {
            self.external(&feed_name, &a.feed);
        }
        Ok(())
    }

    /// Records a contract the config names by address (not deployed here).
    fn external(&mut self, name: &str, address: &str) {
        let address: Address = address.parse().unwrap_or_default();
        self.manifest
            .contracts
            .entry(name.to_string())
            .or_insert_with(|| ContractEntry {
                package: "external".into(),
                address,
                ..ContractEntry::default()
            });
    }

    /// The whole sequence.
    #[allow(clippy::too_many_lines)]
    async fn walk(&mut self) -> Result<()> {
        let c = self.config;
        let me = self.from;
        for a in &c.assets {
            self.asset_contracts(a).await?;
        }
        let quote = c.asset(&c.quote).expect("validated");
        let usdc = self.addr(&format!("token:{}", c.quote));
        let risk = self
            .contract(
                "RiskModule",
                "risk-module",
                Risk::constructorCall { admin: me }.abi_encode(),
            )
            .await?;
        let vault = self
            .contract(
                "CollateralVault",
                "collateral-vault",
                Vault::constructorCall {
                    admin: me,
                    quoteAsset: usdc,
                }
                .abi_encode(),
            )
            .await?;
        let engine = self
            .contract(
                "RiskEngine",
                "risk-engine",
                Engine::constructorCall {
                    admin: me,
                    risk,
                    vault,
                }
                .abi_encode(),
            )
            .await?;
        let markets = self
            .contract(
                "PerpMarkets",
                "perp-markets",
                Markets::constructorCall {
                    admin: me,
                    riskModule: risk,
                }
                .abi_encode(),
            )
            .await?;
        let clearinghouse = self
            .contract(
                "Clearinghouse",
                "clearinghouse",
                Ledger::constructorCall {
                    admin: me,
                    vault,
                    markets,
                }
                .abi_encode(),
            )
            .await?;
        let options = self
            .contract(
                "OptionMarkets",
                "option-markets",
                OptionMarkets::constructorCall {
                    admin: me,
                    riskModule: risk,
                }
                .abi_encode(),
            )
            .await?;
        let math = self.stateless("MarginMath", "margin-math").await?;
        let book = self
            .contract(
                "OptionBook",
                "option-book",
                OptionBook::constructorCall {
                    admin: me,
                    vault,
                    optionMarkets: options,
                    clearinghouse,
                    riskModule: risk,
                }
                .abi_encode(),
            )
            .await?;
        let margin = self
            .contract(
                "MarginEngine",
                "margin-engine",
                Margin::constructorCall {
                    risk,
                    riskEngine: engine,
                    clearinghouse,
                    optionMarkets: options,
                    optionBook: book,
                    marginMath: math,
                }
                .abi_encode(),
            )
            .await?;
        let exchange = self
            .contract(
                "Exchange",
                "exchange",
                Exchange::constructorCall {
                    admin: me,
                    clearinghouse,
                    markets,
                    marginEngine: margin,
                    vault,
                    optionBook: book,
                }
                .abi_encode(),
            )
            .await?;
        let fund = self
            .contract(
                "InsuranceFund",
                "insurance-fund",
                Fund::constructorCall {
                    admin: me,
                    vault,
                    quoteAsset: usdc,
                    quoteDecimals: quote.decimals,
                }
                .abi_encode(),
            )
            .await?;
        let breaker = self
            .contract(
                "CircuitBreaker",
                "circuit-breaker",
                Breaker::constructorCall {
                    admin: me,
                    riskModule: risk,
                    insuranceFund: fund,
                    rateLimit: units::wad(&c.breaker.rate_limit, "breaker.rate_limit")?,
                }
                .abi_encode(),
            )
            .await?;
        let liquidator = self
            .contract(
                "Liquidator",
                "liquidator",
                Liquidator::constructorCall {
                    admin: me,
                    clearinghouse,
                    markets,
                    marginEngine: margin,
                    riskEngine: engine,
                    riskModule: risk,
                    vault,
                    breaker,
                    insuranceFund: fund,
                    optionBook: book,
                }
                .abi_encode(),
            )
            .await?;
        let policy = self
            .contract(
                "VaultPolicy",
                "vault-policy",
                Policy::constructorCall { admin: me, vault }.abi_encode(),
            )
            .await?;
        let backstop = self
            .contract(
                "Backstop",
                "backstop",
                Backstop::constructorCall {
                    liquidator,
                    clearinghouse,
                    markets,
                    marginEngine: margin,
                    riskEngine: engine,
                    riskModule: risk,
                    vault,
                    breaker,
                    insuranceFund: fund,
                    vaultPolicy: policy,
                }
                .abi_encode(),
            )
            .await?;
        let timelock = self
            .contract(
                "Timelock",
                "timelock",
                Timelock::constructorCall {
                    admin: c.timelock.admin,
                    guardian: c.roles.guardian,
                    delay: c.timelock.delay,
                    grace: c
                        .timelock
                        .grace
                        .unwrap_or(clearing_core::governance::DEFAULT_TIMELOCK_GRACE),
                }
                .abi_encode(),
            )
            .await?;

        // Wiring (as crates/sim's System::deploy).
        self.step(
            "PerpMarkets.setClearinghouse".into(),
            "PerpMarkets",
            Markets::setClearinghouseCall { clearinghouse },
        )
        .await?;
        self.step(
            "Clearinghouse.setExchange".into(),
            "Clearinghouse",
            Ledger::setExchangeCall { exchange },
        )
        .await?;
        self.step(
            "OptionBook.setExchange".into(),
            "OptionBook",
            OptionBook::setExchangeCall { exchange },
        )
        .await?;
        self.step(
            "OptionBook.setLiquidator".into(),
            "OptionBook",
            OptionBook::setLiquidatorCall { liquidator },
        )
        .await?;
        for (who, account) in [
            ("Clearinghouse", clearinghouse),
            ("Exchange", exchange),
            ("InsuranceFund", fund),
            ("Liquidator", liquidator),
            ("Backstop", backstop),
            ("VaultPolicy", policy),
            ("OptionBook", book),
        ] {
            self.grant("CollateralVault", "CLEARING_ROLE", who, account)
                .await?;
        }
        self.step(
            "Clearinghouse.setLiquidator".into(),
            "Clearinghouse",
            Ledger::setLiquidatorCall { liquidator },
        )
        .await?;
        self.step(
            "PerpMarkets.setLiquidator Backstop".into(),
            "PerpMarkets",
            Markets::setLiquidatorCall {
                liquidator: backstop,
            },
        )
        .await?;
        for (who, account) in [("Liquidator", liquidator), ("Backstop", backstop)] {
            self.grant("CircuitBreaker", "LIQUIDATOR_ROLE", who, account)
                .await?;
        }
        for target in ["CircuitBreaker", "VaultPolicy"] {
            self.grant(target, "GUARDIAN_ROLE", "guardian", c.roles.guardian)
                .await?;
        }
        self.grant("InsuranceFund", "COVER_ROLE", "Backstop", backstop)
            .await?;
        self.grant("Exchange", "MATCHER_ROLE", "matcher", c.roles.matcher)
            .await?;
        if let Some(lister) = c.roles.lister {
            self.grant("OptionMarkets", "LISTER_ROLE", "lister", lister)
                .await?;
        }
        if let Some(oracle) = c.roles.vol_oracle {
            self.grant("OptionMarkets", "VOL_ORACLE_ROLE", "vol oracle", oracle)
                .await?;
        }
        if let Some(ra) = c.roles.risk_admin {
            for target in RISK_ADMINS {
                self.grant(target, "RISK_ADMIN_ROLE", "risk admin", ra)
                    .await?;
            }
        }
        let insurance = clearing_core::trading::account::encode(fund, 0);
        let fees = Ledger::setFeeConfigCall {
            insuranceAccount: insurance,
            treasuryAccount: clearing_core::trading::account::encode(
                c.fees.treasury,
                c.fees.treasury_index,
            ),
            insuranceShare: units::wad(&c.fees.insurance_share, "fees.insurance_share")?,
        };
        self.step("Clearinghouse.setFeeConfig".into(), "Clearinghouse", fees)
            .await?;
        self.step(
            "VaultPolicy.setReserveAccount".into(),
            "VaultPolicy",
            Policy::setReserveAccountCall { account: insurance },
        )
        .await?;

        // Listing.
        for a in &c.assets {
            self.list_asset(a).await?;
        }
        for (i, m) in c.markets.iter().enumerate() {
            let wad = |v: &str, f: &str| units::wad(v, &format!("markets[{i}].{f}"));
            let call = Markets::listMarketCall {
                underlying: self.addr(&format!("token:{}", m.underlying)),
                minSize: wad(&m.min_size, "min_size")?,
                tick: wad(&m.tick, "tick")?,
                makerFee: wad(&m.maker_fee, "maker_fee")?,
                takerFee: wad(&m.taker_fee, "taker_fee")?,
                maxOpenInterest: wad(&m.max_open_interest, "max_open_interest")?,
                fundingCap: wad(&m.funding_cap, "funding_cap")?,
            };
            let id = format!("PerpMarkets.listMarket {i} {}", m.underlying);
            self.step(id, "PerpMarkets", call).await?;
            if self.plan.is_none() {
                self.manifest.markets.insert(m.underlying.clone(), i as u32);
            }
        }

        // Initial parameters, by the deployer as admin.
        for (i, p) in c.parameters.iter().enumerate() {
            let spec = params::lookup(&p.contract, &p.parameter)?;
            let market = spec.market(p.market)?;
            let asset = spec.asset(p.asset.as_ref().map(|a| self.addr(&format!("token:{a}"))))?;
            let decimals = match (spec.unit, p.asset.as_ref()) {
                (params::Unit::Token, Some(a)) => c
                    .assets
                    .iter()
                    .find(|x| &x.symbol == a)
                    .map_or(18, |x| x.decimals),
                _ => 18,
            };
            let value = spec.parse(&p.value, decimals)?;
            let id = format!("parameter {i} {} {}", spec.contract, spec.name);
            if self.manifest.done(&id) {
                continue;
            }
            if let Some(plan) = &mut self.plan {
                plan.steps += 1;
                plan.transactions += 1;
                plan.gas += CALL_GAS;
                continue;
            }
            let to = self.addr(spec.contract);
            let data = spec.call_for(self.chain, to, market, asset, value).await?;
            self.send(&id, Some(to), data, U256::ZERO).await?;
        }

        // Hand-over: the Timelock takes every admin role and the deployer gives up its own.
        for target in GOVERNED {
            let grant = Roles::grantRoleCall {
                role: B256::ZERO,
                account: timelock,
            };
            self.step(format!("{target}.grantRole ADMIN Timelock"), target, grant)
                .await?;
            let revoke = Roles::revokeRoleCall {
                role: B256::ZERO,
                account: me,
            };
            self.step(
                format!("{target}.revokeRole ADMIN deployer"),
                target,
                revoke,
            )
            .await?;
        }
        Ok(())
    }
}

/// Resolves a transaction left pending by an earlier run: records it when it was mined.
async fn settle_pending(run: &mut Run<'_>) -> Result<()> {
    let Some(p) = run.manifest.pending.clone() else {
        return Ok(());
    };
    match run.chain.receipt(p.tx).await? {
        Some(r) => {
            run.manifest.pending = None;
            if let Ok(sent) = check_receipt(&p.step, &r) {
                run.record(&p.step, sent)?;
                if let Some(name) = p.step.strip_prefix("deploy ") {
                    let package = package_of(name);
                    let hash = run.program(&package)?.hash;
                    if let Some(e) = run.manifest.contracts.get_mut(name) {
                        e.package = package;
                        e.code_hash = hash;
                    }
                }
            }
            run.save()
        }
        None => Err(CliError::Refused(format!(
            "the transaction {} of step {:?} is not mined yet; wait for it and run deploy again (nothing was sent)",
            p.tx, p.step
        ))),
    }
}

/// The WASM package of contract `name`.
fn package_of(name: &str) -> String {
    if name.starts_with("token:") {
        return "mock-erc20".into();
    }
    if name.starts_with("feed:") {
        return "mock-aggregator".into();
    }
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// What a `deploy` did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The manifest as written.
    pub manifest: Manifest,
    /// Transactions sent by this run.
    pub sent: usize,
}

/// Runs `deploy`.
///
/// # Errors
/// [`CliError::Refused`] when a check before sending fails (nothing sent); the failure of a
/// step otherwise (completed steps stay in the manifest).
pub async fn deploy(chain: &Chain, opts: &Options, log: &mut dyn Write) -> Result<Outcome> {
    let from = chain.sender()?;
    let config = &opts.config;
    let node_chain = chain.chain_id().await?;
    if node_chain != config.chain_id {
        return Err(CliError::Refused(format!(
            "wrong chain: the node answers chain id {node_chain}, the config is for {} (nothing was sent)",
            config.chain_id
        )));
    }
    let manifest = if opts.out.exists() {
        let m = Manifest::load(&opts.out)?;
        if m.chain_id != node_chain {
            return Err(CliError::Refused(format!(
                "wrong chain: the manifest {} is for chain {}, the node answers {node_chain} (nothing was sent)",
                opts.out.display(),
                m.chain_id
            )));
        }
        if m.config_hash != config.hash() {
            let diff = crate::config::first_difference("", &config.canonical(), &m.config)
                .unwrap_or_else(|| "its hash".into());
            return Err(CliError::Refused(format!(
                "the config disagrees with the manifest {}: {diff}; a deployment keeps its config (write a new manifest with another --out for another system) (nothing was sent)",
                opts.out.display()
            )));
        }
        if m.deployer != from {
            return Err(CliError::Refused(format!(
                "the manifest {} was deployed by {}, this key is {from}: resume with the same key (nothing was sent)",
                opts.out.display(),
                m.deployer
            )));
        }
        m
    } else {
        Manifest {
            chain_id: node_chain,
            deployer: from,
            config_hash: config.hash(),
            config: config.canonical(),
            complete: false,
            contracts: BTreeMap::new(),
            markets: BTreeMap::new(),
            steps: Vec::new(),
            pending: None,
        }
    };
    let mut run = Run {
        chain,
        config,
        manifest,
        path: opts.out.clone(),
        wasm_dir: opts.wasm_dir.clone(),
        from,
        plan: None,
        programs: HashMap::new(),
        active: HashSet::new(),
        fees: HashMap::new(),
        log,
    };
    if run.manifest.complete {
        let _ = writeln!(
            run.log,
            "nothing to do: every step of {} is complete ({} steps)",
            opts.out.display(),
            run.manifest.steps.len()
        );
        return Ok(Outcome {
            manifest: run.manifest,
            sent: 0,
        });
    }
    if run.manifest.pending.is_some() {
        settle_pending(&mut run).await?;
    }

    // Planning pass: nothing is sent.
    run.plan = Some(Estimate::default());
    let saved = run.manifest.clone();
    run.walk().await?;
    run.manifest = saved;
    let plan = run.plan.take().unwrap_or_default();
    // Activations the plan assumed are forgotten: the run asks the chain again.
    run.active.clear();
    let gas_price = chain
        .provider
        .get_gas_price()
        .await
        .map_err(crate::rpc::rpc_error)?;
    // Fees are capped at twice the current price (as the provider fills them).
    let cost = U256::from(plan.gas) * U256::from(gas_price) * U256::from(2u8) + plan.data_fees;
    let balance = chain.balance(from).await?;
    if balance < cost {
        return Err(CliError::Refused(format!(
            "balance too low: {from} holds {} ETH, the {} transactions left are estimated at {} ETH ({} gas at up to {} gwei, plus {} ETH of activation fees) (nothing was sent)",
            units::show(balance, 18),
            plan.transactions,
            units::show(cost, 18),
            plan.gas,
            units::show(U256::from(gas_price) * U256::from(2u8), 9),
            units::show(plan.data_fees, 18),
        )));
    }
    let _ = writeln!(
        run.log,
        "deploying to chain {node_chain} from {from}: {} transactions left, estimated {} ETH (balance {} ETH)",
        plan.transactions,
        units::show(cost, 18),
        units::show(balance, 18)
    );
    if !opts.out.exists() {
        run.save()?;
    }
    let before = run.manifest.steps.len();
    run.walk().await?;
    run.manifest.complete = true;
    run.save()?;
    let sent = run.manifest.steps.len() - before;
    let _ = writeln!(
        run.log,
        "deployed: {} contracts, {} steps ({sent} sent by this run); manifest {}",
        run.manifest.contracts.len(),
        run.manifest.steps.len(),
        opts.out.display()
    );
    Ok(Outcome {
        manifest: run.manifest,
        sent,
    })
}

/// The WASM packages a config deploys (for `deploy --check`).
pub fn packages(config: &Config) -> Vec<&'static str> {
    let mut out = Vec::new();
    if config.assets.iter().any(|a| a.token == "mock") {
        out.push("mock-erc20");
    }
    if config.assets.iter().any(|a| a.feed == "mock") {
        out.push("mock-aggregator");
    }
    out.extend([
        "risk-module",
        "collateral-vault",
        "risk-engine",
        "perp-markets",
        "clearinghouse",
        "option-markets",
        "margin-engine",
        "exchange",
        "insurance-fund",
        "circuit-breaker",
        "liquidator",
        "vault-policy",
        "backstop",
        "timelock",
    ]);
    out
}

/// Where the WASM files are by default: `target/stylus` under the current directory.
pub fn default_wasm_dir() -> PathBuf {
    Path::new("target").join("stylus")
}
