//! The deployment config (TOML): the quote asset, the assets with their feeds and risk settings,
//! the perpetual markets, the role holders, the timelock and the initial parameters.

use crate::error::{CliError, Result};
use crate::units;
use alloy_primitives::{keccak256, Address, B256};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A whole deployment config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The chain the deployment is for (checked against the node's before anything is sent).
    pub chain_id: u64,
    /// The symbol of the quote asset (one of `assets`).
    pub quote: String,
    /// The Timelock that becomes the admin of every contract.
    pub timelock: TimelockConfig,
    /// Holders of the operational roles.
    pub roles: RolesConfig,
    /// Fee recipients and the insurance share.
    pub fees: FeesConfig,
    /// The circuit breaker's constructor setting.
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// Collateral assets (the quote asset among them).
    pub assets: Vec<AssetConfig>,
    /// Perpetual markets.
    #[serde(default)]
    pub markets: Vec<MarketConfig>,
    /// Parameters set by the deployer before the hand-over (each one step from its default,
    /// under its contract's rule).
    #[serde(default)]
    pub parameters: Vec<ParameterConfig>,
}

/// The Timelock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelockConfig {
    /// Its admin (governance: a multisig on a real chain).
    pub admin: Address,
    /// Its delay, seconds (1 hour ..= 30 days).
    pub delay: u64,
    /// Its grace period, seconds (1 day ..= 30 days; absent: the default, 14 days): how long a
    /// proposal stays executable after its delay.
    #[serde(default)]
    pub grace: Option<u64>,
}

/// Role holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesConfig {
    /// The Exchange's `MATCHER_ROLE`.
    pub matcher: Address,
    /// `GUARDIAN_ROLE` of the CircuitBreaker, the VaultPolicy and the Timelock.
    pub guardian: Address,
    /// `RISK_ADMIN_ROLE` of every contract that has it (optional).
    #[serde(default)]
    pub risk_admin: Option<Address>,
    /// OptionMarkets' `LISTER_ROLE`: lists option series inside the classes governance
    /// enabled (optional). Assets and perp markets stay the admin's (the Timelock's).
    #[serde(default)]
    pub lister: Option<Address>,
    /// OptionMarkets' `VOL_ORACLE_ROLE`: posts implied volatility per (underlying, expiry)
    /// (optional). Realised volatility is the RiskModule's (`assets.vol_feed`).
    #[serde(default)]
    pub vol_oracle: Option<Address>,
}

/// Fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeesConfig {
    /// Owner of the treasury sub-account.
    pub treasury: Address,
    /// Index of the treasury sub-account.
    #[serde(default)]
    pub treasury_index: u8,
    /// Insurance fund's share of fees (decimal fraction, e.g. "0.5").
    pub insurance_share: String,
}

/// The circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    /// Liquidation rate limit at deployment (share of open interest per window).
    pub rate_limit: String,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            rate_limit: "0.2".into(),
        }
    }
}

/// One collateral asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetConfig {
    /// Its symbol (names it in the manifest and on the command line).
    pub symbol: String,
    /// The token's address, or `"mock"` to deploy the project's mock ERC-20.
    pub token: String,
    /// The token's decimals.
    pub decimals: u8,
    /// The Chainlink-style price feed's address, or `"mock"` to deploy a mock aggregator.
    pub feed: String,
    /// The mock feed's decimals.
    #[serde(default = "default_feed_decimals")]
    pub feed_decimals: u8,
    /// The mock feed's first answer (a decimal price); required with a mock feed.
    #[serde(default)]
    pub price: Option<String>,
    /// The feed's heartbeat, seconds.
    pub heartbeat: u64,
    /// The feed's sanity band `[min, max]` (decimal prices).
    pub band: [String; 2],
    /// Correlation bucket: 0 majors, 1 alts, 2 stables, 3 other.
    pub bucket: u8,
    /// Liquidity depth (decimal quote; "0": none).
    #[serde(default = "zero")]
    pub depth: String,
    /// Initial daily volatility (decimal fraction).
    pub volatility: String,
    /// Haircut floor (decimal fraction).
    pub haircut_floor: String,
    /// Haircut cap (decimal fraction).
    pub haircut_cap: String,
    /// Volatility multiplier.
    #[serde(default = "one")]
    pub multiplier: String,
    /// Deposit cap in whole tokens (decimal).
    pub deposit_cap: String,
    /// Deposits open.
    #[serde(default = "yes")]
    pub deposits_enabled: bool,
    /// Counts as collateral.
    #[serde(default = "yes")]
    pub collateral: bool,
    /// A volatility feed for the asset (`RiskModule.setVolatilityFeed`), optional.
    #[serde(default)]
    pub vol_feed: Option<Address>,
}

/// One perpetual market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketConfig {
    /// The symbol of its underlying (one of `assets`).
    pub underlying: String,
    /// Minimum fill size (decimal).
    pub min_size: String,
    /// Price tick (decimal).
    pub tick: String,
    /// Maker fee rate (decimal fraction).
    pub maker_fee: String,
    /// Taker fee rate (decimal fraction).
    pub taker_fee: String,
    /// Open-interest cap (decimal units of the underlying).
    pub max_open_interest: String,
    /// Funding cap per 8 hours (decimal fraction).
    pub funding_cap: String,
}

/// One initial parameter: as `clearing gov propose CONTRACT PARAMETER VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterConfig {
    /// The contract (`CircuitBreaker`, ...).
    pub contract: String,
    /// The parameter (`rate-limit`, ...; `clearing gov params` lists them).
    pub parameter: String,
    /// The value (decimal).
    pub value: String,
    /// The market id, for market parameters.
    #[serde(default)]
    pub market: Option<u32>,
    /// The asset's symbol, for per-asset parameters.
    #[serde(default)]
    pub asset: Option<String>,
}

fn default_feed_decimals() -> u8 {
    8
}
fn zero() -> String {
    "0".into()
}
fn one() -> String {
    "1".into()
}
fn yes() -> bool {
    true
}

impl Config {
    /// Reads and checks a config file.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the file and what is wrong.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read the config {}: {e}", path.display()))
        })?;
        let c: Config = toml::from_str(&text)
            .map_err(|e| CliError::Usage(format!("config {}: {e}", path.display())))?;
        c.validate()
            .map_err(|e| CliError::Usage(format!("config {}: {e}", path.display())))?;
        Ok(c)
    }

    /// The config as canonical JSON (what the manifest keeps and hashes).
    pub fn canonical(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// keccak256 of the canonical JSON.
    pub fn hash(&self) -> B256 {
        keccak256(self.canonical().to_string().as_bytes())
    }

    /// The asset with `symbol`.
    pub fn asset(&self, symbol: &str) -> Option<&AssetConfig> {
        self.assets.iter().find(|a| a.symbol == symbol)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        for (field, who) in [
            ("roles.lister", self.roles.lister),
            ("roles.vol_oracle", self.roles.vol_oracle),
        ] {
            if who == Some(Address::ZERO) {
                return Err(format!("{field}: the zero address cannot hold a role"));
            }
        }
        if !clearing_core::governance::delay_in_bounds(self.timelock.delay) {
            return Err(format!(
                "timelock.delay {} is outside 3600 ..= 2592000 seconds",
                self.timelock.delay
            ));
        }
        if let Some(g) = self.timelock.grace {
            if !clearing_core::governance::grace_in_bounds(g) {
                return Err(format!(
                    "timelock.grace {g} is outside 86400 ..= 2592000 seconds"
                ));
            }
        }
        if self.asset(&self.quote).is_none() {
            return Err(format!("quote {:?} is not one of the assets", self.quote));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.assets {
            if !seen.insert(a.symbol.as_str()) {
                return Err(format!("asset {:?} is listed twice", a.symbol));
            }
            let w = |v: &str, f: &str| units::wad(v, &format!("assets.{}.{f}", a.symbol)).map(drop);
            w(&a.band[0], "band")?;
            w(&a.band[1], "band")?;
            w(&a.depth, "depth")?;
            w(&a.volatility, "volatility")?;
            w(&a.haircut_floor, "haircut_floor")?;
            w(&a.haircut_cap, "haircut_cap")?;
            w(&a.multiplier, "multiplier")?;
            units::parse(
                &a.deposit_cap,
                a.decimals,
                &format!("assets.{}.deposit_cap", a.symbol),
            )?;
            if a.bucket > 3 {
                return Err(format!(
                    "assets.{}.bucket {} is not 0..=3",
                    a.symbol, a.bucket
                ));
            }
            for (what, v) in [("token", &a.token), ("feed", &a.feed)] {
                if v != "mock" && v.parse::<Address>().is_err() {
                    return Err(format!(
                        "assets.{}.{what} {v:?} is neither an address nor \"mock\"",
                        a.symbol
                    ));
                }
            }
            if a.feed == "mock" {
                let p = a.price.as_deref().ok_or_else(|| {
                    format!("assets.{}.price is required with a mock feed", a.symbol)
                })?;
                units::parse(p, a.feed_decimals, &format!("assets.{}.price", a.symbol))?;
            }
        }
        for (i, m) in self.markets.iter().enumerate() {
            if self.asset(&m.underlying).is_none() {
                return Err(format!(
                    "markets[{i}].underlying {:?} is not one of the assets",
                    m.underlying
                ));
            }
            for (f, v) in [
                ("min_size", &m.min_size),
                ("tick", &m.tick),
                ("maker_fee", &m.maker_fee),
                ("taker_fee", &m.taker_fee),
                ("max_open_interest", &m.max_open_interest),
                ("funding_cap", &m.funding_cap),
            ] {
                units::wad(v, &format!("markets[{i}].{f}"))?;
            }
        }
        units::wad(&self.fees.insurance_share, "fees.insurance_share")?;
        units::wad(&self.breaker.rate_limit, "breaker.rate_limit")?;
        for p in &self.parameters {
            crate::params::lookup(&p.contract, &p.parameter)?;
        }
        Ok(())
    }
}

impl From<CliError> for String {
    fn from(e: CliError) -> Self {
        e.to_string()
    }
}

/// The first place where two JSON trees differ, as `path: left vs right`.
pub fn first_difference(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                first_difference(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!(
                    "{path} has {} entries in the config, {} in the manifest",
                    x.len(),
                    y.len()
                ));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (u, v))| first_difference(&format!("{path}[{i}]"), u, v))
        }
        _ if a == b => None,
        _ => Some(format!("{path} is {a} in the config, {b} in the manifest")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/local.toml"
        ))
        .unwrap()
    }

    fn parse(text: &str) -> std::result::Result<Config, String> {
        let c: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn the_example_parses_and_hashes_stably() {
        let c = parse(&example()).unwrap();
        assert_eq!(c.quote, "USDC");
        assert_eq!(c.assets.len(), 2);
        assert_eq!(c.hash(), parse(&example()).unwrap().hash());
        let reformatted = example().replace("chain_id = 412346", "chain_id   =   412346 # same");
        assert_eq!(c.hash(), parse(&reformatted).unwrap().hash());
    }

    #[test]
    fn refusals_name_the_field() {
        // The example names both option roles; each may be left out, never the zero address.
        let c = parse(&example()).unwrap();
        assert!(c.roles.lister.is_some() && c.roles.vol_oracle.is_some());
        let zero = "\"0x0000000000000000000000000000000000000000\"";
        let lister = "\"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65\"";
        let oracle = "\"0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc\"";
        let e = parse(&example().replace(lister, zero)).unwrap_err();
        assert_eq!(e, "roles.lister: the zero address cannot hold a role");
        let e = parse(&example().replace(oracle, zero)).unwrap_err();
        assert_eq!(e, "roles.vol_oracle: the zero address cannot hold a role");
        let without = example()
            .replace(&format!("lister = {lister}"), "")
            .replace(&format!("vol_oracle = {oracle}"), "");
        let c = parse(&without).unwrap();
        assert!(c.roles.lister.is_none() && c.roles.vol_oracle.is_none());
        let e = parse(&example().replace("quote = \"USDC\"", "quote = \"DAI\"")).unwrap_err();
        assert_eq!(e, "quote \"DAI\" is not one of the assets");
        let e = parse(&example().replace("delay = 3600", "delay = 60")).unwrap_err();
        assert_eq!(e, "timelock.delay 60 is outside 3600 ..= 2592000 seconds");
        let e = parse(&example().replace("grace = 1209600", "grace = 86399")).unwrap_err();
        assert_eq!(
            e,
            "timelock.grace 86399 is outside 86400 ..= 2592000 seconds"
        );
        let e = parse(&example().replace("grace = 1209600", "grace = 2592001")).unwrap_err();
        assert_eq!(
            e,
            "timelock.grace 2592001 is outside 86400 ..= 2592000 seconds"
        );
        let c = parse(&example().replace("grace = 1209600", "grace = 86400")).unwrap();
        assert_eq!(c.timelock.grace, Some(86_400));
        let e = parse(&example().replace("haircut_cap = \"0.5\"", "haircut_cap = \"half\""))
            .unwrap_err();
        assert!(
            e.starts_with("assets.WETH.haircut_cap: \"half\" is not a decimal amount"),
            "{e}"
        );
        let e =
            parse(&example().replace("underlying = \"WETH\"", "underlying = \"BTC\"")).unwrap_err();
        assert_eq!(e, "markets[0].underlying \"BTC\" is not one of the assets");
        let e = parse(&example().replace("[breaker]", "[option_classes]\n[breaker]")).unwrap_err();
        assert!(e.contains("unknown field `option_classes`"), "{e}");
    }

    #[test]
    fn differences_are_named_by_path() {
        let a = parse(&example()).unwrap().canonical();
        let b = parse(&example().replace("bucket = 0", "bucket = 1"))
            .unwrap()
            .canonical();
        assert_eq!(
            first_difference("", &b, &a).unwrap(),
            "assets[1].bucket is 1 in the config, 0 in the manifest"
        );
        assert_eq!(first_difference("", &a, &a), None);
    }
}
