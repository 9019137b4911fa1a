//! The keeper's policy file (TOML): how often it polls, what a liquidation must pay, the gas
//! price it accepts, which duties it runs, its own sub-account and the margin it keeps, and its
//! RPC habits (retries, log ranges, batches). `deploy/keeper.toml` is the commented example.

use alloy_primitives::U256;
use clearing_cli::error::{CliError, Result};
use clearing_cli::units;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The policy file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    poll_interval: Option<String>,
    maintenance_interval: Option<String>,
    retry_refused_after: Option<String>,
    min_profit: Option<String>,
    max_gas_price_gwei: Option<String>,
    native_asset: Option<String>,
    native_price: Option<String>,
    checkpoint: Option<PathBuf>,
    log_range: Option<u64>,
    batch_size: Option<usize>,
    max_concurrent: Option<usize>,
    metrics_port: Option<u16>,
    #[serde(default)]
    account: RawAccount,
    #[serde(default)]
    duties: Duties,
    #[serde(default)]
    retry: RawRetry,
    #[serde(default)]
    transactions: RawTx,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    subaccount: Option<u8>,
    min_free_margin: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    attempts: Option<u32>,
    base_delay: Option<String>,
    max_delay: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTx {
    receipt_timeout: Option<String>,
    resend_after: Option<String>,
    gas_multiplier_percent: Option<u64>,
}

/// Which duties run (each defaults to on, except option expiries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Duties {
    /// Liquidate perp positions of accounts below maintenance.
    pub liquidate: bool,
    /// Sell non-quote collateral of unhealthy accounts in quote debt (the Backstop).
    pub sell_collateral: bool,
    /// Settle the bad debt of accounts with negative equity and nothing left to sell.
    pub settle_bad_debt: bool,
    /// Fold new oracle rounds into the RiskModule's EWMA variance.
    pub poke_oracles: bool,
    /// Step the RiskEngine's haircut ramps towards their targets.
    pub step_haircuts: bool,
    /// Record the CircuitBreaker's price references (and its insurance drawdown check).
    pub breaker_references: bool,
    /// Accrue the quote money market's interest (`VaultPolicy.accrue`).
    pub accrue: bool,
    /// Record the settlement price of expired option series (`OptionMarkets.settleExpiry`, from
    /// the feed round in force at expiry) and pay their holders (`OptionBook.settleAccount`).
    pub option_expiries: bool,
}

impl Default for Duties {
    fn default() -> Self {
        Self {
            liquidate: true,
            sell_collateral: true,
            settle_bad_debt: true,
            poke_oracles: true,
            step_haircuts: true,
            breaker_references: true,
            accrue: true,
            option_expiries: true,
        }
    }
}

/// Retries of RPC requests: exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries per request (at least 1).
    pub attempts: u32,
    /// The first backoff.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
}

/// The validated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Time between two rounds.
    pub poll_interval: Duration,
    /// Time between two maintenance passes (pokes, ramps, references, interest).
    pub maintenance_interval: Duration,
    /// How long an account whose call was refused (simulation or profit) is left alone while
    /// its health does not change.
    pub retry_refused_after: Duration,
    /// The least reward net of gas a liquidation must pay (WAD quote).
    pub min_profit: U256,
    /// The highest gas price the keeper pays (wei); above it nothing is sent.
    pub max_gas_price: u128,
    /// The manifest symbol of the asset whose oracle prices the gas token in quote.
    pub native_asset: Option<String>,
    /// A fixed price of the gas token in quote (WAD), instead of `native_asset`.
    pub native_price: Option<U256>,
    /// The checkpoint file (discovery resumes from it).
    pub checkpoint: PathBuf,
    /// The widest `eth_getLogs` block range tried first (halved when the node refuses it).
    pub log_range: u64,
    /// Health views per JSON-RPC batch.
    pub batch_size: usize,
    /// Liquidations in flight at once.
    pub max_concurrent: usize,
    /// The loopback port of the Prometheus counters (`None`: not served).
    pub metrics_port: Option<u16>,
    /// The keeper's own sub-account index (it receives positions and collateral).
    pub subaccount: u8,
    /// Equity above its initial requirement the keeper's sub-account keeps (WAD quote): below
    /// it the keeper takes over nothing more.
    pub min_free_margin: U256,
    /// Duties on and off.
    pub duties: Duties,
    /// RPC retries.
    pub retry: Retry,
    /// How long to wait for a receipt before giving a transaction up as dropped.
    pub receipt_timeout: Duration,
    /// How long to wait for a receipt before re-sending the same signed transaction.
    pub resend_after: Duration,
    /// The gas limit sent, as a percentage of the node's estimate.
    pub gas_multiplier_percent: u64,
}

/// `text` (`250ms`, `2s`, `5m`, `1h`) as a duration.
///
/// # Errors
/// [`CliError::Usage`] naming `what`.
pub fn duration(text: &str, what: &str) -> Result<Duration> {
    let t = text.trim();
    let bad = || {
        CliError::Usage(format!(
            "{what}: {text:?} is not a duration (write 250ms, 2s, 5m or 1h)"
        ))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let ms = match unit {
        "ms" => n,
        "s" => n.saturating_mul(1_000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        _ => return Err(bad()),
    };
    Ok(Duration::from_millis(ms))
}

fn opt_duration(v: Option<&String>, default: &str, what: &str) -> Result<Duration> {
    duration(v.map_or(default, String::as_str), what)
}

impl Policy {
    /// Reads and checks a policy file.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the file and the field.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!(
                "cannot read the keeper config {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
    }

    /// Parses and checks a policy.
    ///
    /// # Errors
    /// [`CliError::Usage`] naming the field.
    pub fn parse(text: &str) -> Result<Self> {
        let raw: Raw = toml::from_str(text).map_err(|e| CliError::Usage(e.to_string()))?;
        let poll_interval = opt_duration(raw.poll_interval.as_ref(), "2s", "poll_interval")?;
        if poll_interval.is_zero() {
            return Err(CliError::Usage("poll_interval must be above zero".into()));
        }
        let max_gas_price_gwei = raw.max_gas_price_gwei.as_deref().unwrap_or("10");
        let max_gas_price = units::parse(max_gas_price_gwei, 9, "max_gas_price_gwei")?;
        let max_gas_price = u128::try_from(max_gas_price)
            .map_err(|_| CliError::Usage("max_gas_price_gwei is too large".into()))?;
        let native_price = raw
            .native_price
            .as_deref()
            .map(|p| units::wad(p, "native_price"))
            .transpose()?;
        if native_price.is_none() && raw.native_asset.is_none() {
            return Err(CliError::Usage(
                "give native_asset (the manifest symbol whose oracle prices gas, e.g. \"WETH\") or native_price".into(),
            ));
        }
        let retry = Retry {
            attempts: raw.retry.attempts.unwrap_or(5).max(1),
            base_delay: opt_duration(raw.retry.base_delay.as_ref(), "200ms", "retry.base_delay")?,
            max_delay: opt_duration(raw.retry.max_delay.as_ref(), "5s", "retry.max_delay")?,
        };
        let log_range = raw.log_range.unwrap_or(5_000);
        if log_range == 0 {
            return Err(CliError::Usage("log_range must be at least 1".into()));
        }
        Ok(Self {
            poll_interval,
            maintenance_interval: opt_duration(
                raw.maintenance_interval.as_ref(),
                "60s",
                "maintenance_interval",
            )?,
            retry_refused_after: opt_duration(
                raw.retry_refused_after.as_ref(),
                "30s",
                "retry_refused_after",
            )?,
            min_profit: units::wad(raw.min_profit.as_deref().unwrap_or("0"), "min_profit")?,
            max_gas_price,
            native_asset: raw.native_asset,
            native_price,
            checkpoint: raw
                .checkpoint
                .unwrap_or_else(|| PathBuf::from("keeper-checkpoint.json")),
            log_range,
            batch_size: raw.batch_size.unwrap_or(50).max(1),
            max_concurrent: raw.max_concurrent.unwrap_or(4).max(1),
            metrics_port: raw.metrics_port,
            subaccount: raw.account.subaccount.unwrap_or(1),
            min_free_margin: units::wad(
                raw.account.min_free_margin.as_deref().unwrap_or("0"),
                "account.min_free_margin",
            )?,
            duties: raw.duties,
            retry,
            receipt_timeout: opt_duration(
                raw.transactions.receipt_timeout.as_ref(),
                "60s",
                "transactions.receipt_timeout",
            )?,
            resend_after: opt_duration(
                raw.transactions.resend_after.as_ref(),
                "10s",
                "transactions.resend_after",
            )?,
            gas_multiplier_percent: raw
                .transactions
                .gas_multiplier_percent
                .unwrap_or(130)
                .max(100),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example_and_defaults() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/keeper.toml"),
        )
        .unwrap();
        let p = Policy::parse(&text).unwrap();
        assert_eq!(p.poll_interval, Duration::from_secs(2));
        assert!(p.duties.liquidate && p.duties.option_expiries);
        let p = Policy::parse("native_price = \"3000\"").unwrap();
        assert_eq!(p.max_gas_price, 10_000_000_000);
        assert_eq!(p.subaccount, 1);
        assert_eq!(p.retry.attempts, 5);
    }

    #[test]
    fn refuses_bad_fields() {
        let e = |t: &str| Policy::parse(t).unwrap_err().to_string();
        assert!(e("").contains("give native_asset"));
        assert!(e("native_price = \"1\"\npoll_interval = \"2 s\"").contains("poll_interval"));
        assert!(e("native_price = \"1\"\nmin_profit = \"-1\"").contains("negative"));
        assert!(e("native_price = \"1\"\nbogus = 1").contains("unknown field"));
        assert!(
            !Policy::parse("native_price = \"1\"\n[duties]\noption_expiries = false")
                .unwrap()
                .duties
                .option_expiries
        );
        assert_eq!(duration("250ms", "x").unwrap(), Duration::from_millis(250));
        assert_eq!(duration("1h", "x").unwrap(), Duration::from_secs(3600));
    }
}
