//! `clearing options`: the option book's operators' commands (DESIGN section 13). Listers list
//! series (`LISTER_ROLE`), volatility oracles post implied volatility (`VOL_ORACLE_ROLE`), and
//! anyone records an expiry's settlement price from the feed round in force and pays an
//! account's expired series; `series` shows what is listed.

use crate::abi::{Feed, OptionBook, OptionMarkets, Risk};
use crate::error::{CliError, Result};
use crate::manifest::Manifest;
use crate::output::Table;
use crate::rpc::Chain;
use crate::units;
use alloy_primitives::{aliases::U80, Address, B256, I256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use clearing_core::trading::options::{settlement_price, SettlementError};
use clearing_core::Round;
use serde_json::json;

/// Seconds per day.
const DAY: u64 = 86_400;
/// Expiries fall at 08:00 UTC (DESIGN section 13).
const EXPIRY_HOUR: u64 = 8 * 3600;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An expiry given as Unix seconds or as a date `YYYY-MM-DD` (08:00 UTC that day).
///
/// # Errors
/// [`CliError::Usage`] for anything else.
pub fn parse_expiry(text: &str) -> Result<u64> {
    let bad = || {
        CliError::Usage(format!(
            "expiry {text:?}: give Unix seconds or a date YYYY-MM-DD (08:00 UTC)"
        ))
    };
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(secs);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let days = days_from_civil(y, m, d);
    // Round-trips only for real dates (31 February is refused).
    let secs = u64::try_from(days).map_err(|_| bad())? * DAY + EXPIRY_HOUR;
    if show_date(secs).get(..10) != Some(text) {
        return Err(bad());
    }
    Ok(secs)
}

/// `YYYY-MM-DD HH:MM UTC` of Unix seconds.
pub fn show_date(secs: u64) -> String {
    let days = (secs / DAY) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = secs % DAY;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// The round of `feed` in force at `expiry`: the one with `updatedAt <= expiry <
/// updatedAt(next)`, walked back from the latest round and judged by the core's
/// `settlement_price` rule; `None` while no round after the expiry exists (or none is old
/// enough).
///
/// # Errors
/// The feed's revert ([`CliError::Reverted`]); [`CliError::Rpc`].
pub async fn round_in_force(chain: &Chain, feed: Address, expiry: u64) -> Result<Option<U80>> {
    let latest = chain.view(feed, &Feed::latestRoundDataCall {}).await?;
    let mut next: Option<U256> = None;
    let mut id = latest.roundId;
    // An expiry is settled soon after it passes: the round in force is among the last few.
    for _ in 0..10_000 {
        let g = chain
            .view(feed, &Feed::getRoundDataCall { roundId: id })
            .await?;
        let round = Round {
            round_id: g.round,
            answer: g.answer,
            updated_at: g.updatedAt,
            answered_in_round: g.answeredInRound,
        };
        // The band is the contract's to judge: any answer passes here.
        match settlement_price(&round, next, 0, U256::ZERO, U256::MAX, expiry) {
            Err(SettlementError::RoundAfterExpiry) => {
                if id <= U80::from(1u8) {
                    return Ok(None);
                }
                next = Some(g.updatedAt);
                id -= U80::from(1u8);
            }
            Err(SettlementError::NextRoundMissing) => return Ok(None),
            _ => return Ok(Some(id)),
        }
    }
    Ok(None)
}

/// The listed series, from OptionMarkets' `SeriesListed` events: a table and its JSON.
///
/// # Errors
/// [`CliError::Rpc`]; a view's revert.
pub async fn series(chain: &Chain, m: &Manifest) -> Result<(Table, serde_json::Value)> {
    let options = m.address("OptionMarkets")?;
    let book = m.address("OptionBook")?;
    let filter = alloy_rpc_types_eth::Filter::new()
        .address(options)
        .event_signature(OptionMarkets::SeriesListed::SIGNATURE_HASH)
        .from_block(m.first_block());
    let logs = chain.logs(&filter).await?;
    let mut t = Table::new(&[
        "series",
        "underlying",
        "expiry",
        "strike",
        "kind",
        "vol",
        "fresh",
        "open interest",
        "settlement",
    ]);
    let mut j = Vec::new();
    for log in &logs {
        let Ok(l) = OptionMarkets::SeriesListed::decode_log(&log.inner, true) else {
            continue;
        };
        let id = l.data.id;
        let s = chain
            .view(options, &OptionMarkets::seriesCall { id })
            .await?;
        let oi = chain
            .view(book, &OptionBook::openInterestCall { series: id })
            .await?
            .openInterest;
        let (vol, fresh) = match chain
            .view(
                options,
                &OptionMarkets::volatilityCall {
                    underlying: s.underlying,
                    expiry: s.expiry,
                },
            )
            .await
        {
            Ok(v) => (units::show(v.vol, 18), v.fresh.to_string()),
            Err(CliError::Reverted(e)) => (format!("({e})"), "-".into()),
            Err(e) => return Err(e),
        };
        let name = m.name_of(s.underlying).map_or_else(
            || s.underlying.to_string(),
            |n| n.trim_start_matches("token:").to_string(),
        );
        let kind = if s.isCall { "call" } else { "put" };
        let settled = if s.settlementPrice.is_zero() {
            "-".to_string()
        } else {
            units::show(s.settlementPrice, 18)
        };
        t.row(vec![
            format!("{id:#x}"),
            name.clone(),
            show_date(s.expiry),
            units::show(s.strike, 18),
            kind.into(),
            vol.clone(),
            fresh.clone(),
            units::show(oi, 18),
            settled.clone(),
        ]);
        j.push(json!({"id": id, "underlying": s.underlying, "symbol": name, "expiry": s.expiry, "strike": s.strike.to_string(), "isCall": s.isCall, "vol": vol, "fresh": fresh, "openInterest": oi.to_string(), "settlementPrice": s.settlementPrice.to_string()}));
    }
    Ok((t, json!(j)))
}

/// Sends `call` to `to` after simulating it (so a refusal names the contract's error and sends
/// nothing); returns the simulated answer and the transaction hash.
async fn send<C: SolCall>(
    chain: &Chain,
    what: &str,
    to: Address,
    call: &C,
) -> Result<(C::Return, B256)> {
    let mut sim = chain.clone();
    sim.from = Some(chain.sender()?);
    let out = sim
        .call_raw(to, call.abi_encode(), U256::ZERO, None)
        .await?;
    let answer = C::abi_decode_returns(&out, true)
        .map_err(|e| CliError::Rpc(format!("{what}: the answer does not decode: {e}")))?;
    let sent = chain
        .send(what, Some(to), call.abi_encode(), U256::ZERO, &mut |_| {
            Ok(())
        })
        .await?;
    Ok((answer, sent.hash))
}

/// Lists a series (the sender must hold `LISTER_ROLE`): returns its id and the transaction.
///
/// # Errors
/// OptionMarkets' refusal ([`CliError::Reverted`], nothing sent); [`CliError::Usage`] for an
/// unknown asset or a bad strike; [`CliError::Rpc`].
pub async fn list(
    chain: &Chain,
    m: &Manifest,
    underlying: &str,
    expiry: u64,
    strike: &str,
    is_call: bool,
) -> Result<(u32, B256)> {
    let call = OptionMarkets::listSeriesCall {
        underlying: m.asset(underlying)?,
        expiry,
        strike: units::wad(strike, "strike")?,
        isCall: is_call,
    };
    let (r, hash) = send(chain, "listSeries", m.address("OptionMarkets")?, &call).await?;
    Ok((r.id, hash))
}

/// Posts the implied volatility (annualised, a decimal: 0.6 is 60 %) of an expiry (the sender
/// must hold `VOL_ORACLE_ROLE`).
///
/// # Errors
/// As [`list`].
pub async fn post_vol(
    chain: &Chain,
    m: &Manifest,
    underlying: &str,
    expiry: u64,
    vol: &str,
) -> Result<B256> {
    let call = OptionMarkets::postVolatilityCall {
        underlying: m.asset(underlying)?,
        expiry,
        vol: units::wad(vol, "vol")?,
    };
    Ok(
        send(chain, "postVolatility", m.address("OptionMarkets")?, &call)
            .await?
            .1,
    )
}

/// Records an expiry's settlement price (anyone) from `round`, or from the round in force at
/// the expiry found on the underlying's feed: returns the price, the round and the transaction.
///
/// # Errors
/// [`CliError::Refused`] when no round after the expiry exists yet; as [`list`].
pub async fn settle_expiry(
    chain: &Chain,
    m: &Manifest,
    underlying: &str,
    expiry: u64,
    round: Option<U80>,
) -> Result<(U256, U80, B256)> {
    let asset = m.asset(underlying)?;
    let round = match round {
        Some(r) => r,
        None => {
            let feed = chain
                .view(m.address("RiskModule")?, &Risk::assetRiskCall { asset })
                .await?
                .feed;
            round_in_force(chain, feed, expiry).await?.ok_or_else(|| {
                CliError::Refused(format!(
                    "no round of {underlying}'s feed after {} yet: the round in force at the expiry is not known",
                    show_date(expiry)
                ))
            })?
        }
    };
    let call = OptionMarkets::settleExpiryCall {
        underlying: asset,
        expiry,
        roundId: round,
    };
    let (r, hash) = send(chain, "settleExpiry", m.address("OptionMarkets")?, &call).await?;
    Ok((r.price, round, hash))
}

/// Pays `account`'s expired series whose settlement price is recorded (anyone): returns the
/// payout into its quote balance (signed WAD) and the transaction.
///
/// # Errors
/// The OptionBook's refusal; [`CliError::Rpc`].
pub async fn settle_account(chain: &Chain, m: &Manifest, account: B256) -> Result<(I256, B256)> {
    let call = OptionBook::settleAccountCall { account };
    let (r, hash) = send(chain, "settleAccount", m.address("OptionBook")?, &call).await?;
    Ok((r.paid, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_parse_and_show() {
        assert_eq!(parse_expiry("1700000000").unwrap(), 1_700_000_000);
        let t = parse_expiry("2026-12-11").unwrap();
        assert_eq!(t % DAY, EXPIRY_HOUR);
        assert_eq!(show_date(t), "2026-12-11 08:00 UTC");
        assert_eq!(show_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(show_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(parse_expiry("2024-02-29").unwrap(), 1_709_193_600);
        for bad in ["2025-02-29", "2026-13-01", "tomorrow", "2026-1-1x", ""] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}
