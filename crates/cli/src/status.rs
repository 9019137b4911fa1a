//! `status`: the system's parameters and breaker state, or an account's health, positions,
//! collateral and Greeks, read through the contracts' views.

use crate::abi::*;
use crate::error::{CliError, Result};
use crate::manifest::Manifest;
use crate::output::Table;
use crate::params;
use crate::rpc::Chain;
use crate::units::{show, show_signed};
use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::{SolCall, SolValue};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The system's state: `(sections, json)`.
///
/// # Errors
/// A view's failure.
pub async fn system(chain: &Chain, m: &Manifest) -> Result<(Vec<(String, Table)>, Value)> {
    let mut sections = Vec::new();
    let mut j = serde_json::Map::new();
    let mut t = Table::new(&["contract", "address"]);
    for (name, c) in &m.contracts {
        t.row(vec![name.clone(), c.address.to_string()]);
    }
    sections.push(("contracts".into(), t));
    j.insert(
        "contracts".into(),
        json!(m
            .contracts
            .iter()
            .map(|(k, c)| (k.clone(), c.address))
            .collect::<BTreeMap<_, _>>()),
    );

    let mut t = Table::new(&["contract", "parameter", "value"]);
    let mut pj = Vec::new();
    for spec in params::ALL.iter().filter(|p| !p.per_market && !p.per_asset) {
        let at = m.address(spec.contract)?;
        let v = spec.current(chain, at, None, None).await?;
        t.row(vec![
            spec.contract.into(),
            spec.name.into(),
            spec.show(v, 18),
        ]);
        pj.push(json!({"contract": spec.contract, "parameter": spec.name, "value": v.to_string()}));
    }
    for (symbol, id) in &m.markets {
        for spec in params::ALL.iter().filter(|p| p.per_market) {
            let at = m.address(spec.contract)?;
            let v = spec.current(chain, at, Some(*id), None).await?;
            t.row(vec![
                format!("PerpMarkets[{id} {symbol}]"),
                spec.name.into(),
                spec.show(v, 18),
            ]);
            pj.push(json!({"contract": spec.contract, "market": id, "parameter": spec.name, "value": v.to_string()}));
        }
    }
    for (name, c) in &m.contracts {
        let Some(symbol) = name.strip_prefix("token:") else {
            continue;
        };
        for spec in params::ALL.iter().filter(|p| p.per_asset) {
            let at = m.address(spec.contract)?;
            let v = spec.current(chain, at, None, Some(c.address)).await?;
            let decimals = spec.decimals(chain, m, Some(c.address)).await?;
            t.row(vec![
                format!("{}[{symbol}]", spec.contract),
                spec.name.into(),
                spec.show(v, decimals),
            ]);
            pj.push(json!({"contract": spec.contract, "asset": symbol, "parameter": spec.name, "value": v.to_string()}));
        }
    }
    sections.push(("parameters".into(), t));
    j.insert("parameters".into(), json!(pj));

    let breaker = m.address("CircuitBreaker")?;
    let mut t = Table::new(&[
        "scope",
        "reason",
        "tripped until",
        "grace until",
        "liquidations",
    ]);
    let mut bj = Vec::new();
    let mut scopes = vec![("global".to_string(), Address::ZERO)];
    for (name, c) in &m.contracts {
        if let Some(s) = name.strip_prefix("token:") {
            scopes.push((s.to_string(), c.address));
        }
    }
    for (label, scope) in scopes {
        let s = chain
            .view(breaker, &Breaker::scopeStateCall { scope })
            .await?;
        let allowed = if scope == Address::ZERO {
            String::from("-")
        } else {
            match chain
                .view(breaker, &Breaker::liquidationAllowedCall { asset: scope })
                .await
            {
                Ok(a) => if a.allowed { "allowed" } else { "halted" }.into(),
                Err(e) => format!("refused: {e}"),
            }
        };
        t.row(vec![
            label.clone(),
            s.reason.to_string(),
            s.trippedUntil.to_string(),
            s.graceUntil.to_string(),
            allowed.clone(),
        ]);
        bj.push(json!({"scope": label, "reason": s.reason, "trippedUntil": s.trippedUntil, "graceUntil": s.graceUntil, "liquidations": allowed}));
    }
    sections.push(("circuit breaker".into(), t));
    j.insert("breaker".into(), json!(bj));

    let fund = m.address("InsuranceFund")?;
    let timelock = m.address("Timelock")?;
    let mut t = Table::new(&["item", "value"]);
    let balance = chain.view(fund, &Fund::balanceCall {}).await?.balance;
    let admin = chain.view(timelock, &Timelock::adminCall {}).await?.admin;
    t.row(vec!["insurance fund balance".into(), show_signed(balance)]);
    t.row(vec!["timelock admin".into(), admin.to_string()]);
    sections.push(("governance and insurance".into(), t));
    j.insert(
        "insuranceFund".into(),
        json!({"balance": balance.to_string()}),
    );
    j.insert("timelockAdmin".into(), json!(admin));
    Ok((sections, Value::Object(j)))
}

/// An account's state: `(sections, json)`.
///
/// # Errors
/// A view's failure.
pub async fn account(
    chain: &Chain,
    m: &Manifest,
    account: B256,
) -> Result<(Vec<(String, Table)>, Value)> {
    let margin = m.address("MarginEngine")?;
    // stylus-sdk 0.9 returns this multi-value answer as one tuple (a leading offset word).
    let out = chain
        .call_raw(
            margin,
            Margin::accountSummaryCall { account }.abi_encode(),
            U256::ZERO,
            None,
        )
        .await?;
    let s = AccountSummary::abi_decode(&out, true).map_err(|e| {
        CliError::Rpc(format!(
            "accountSummary answered {} bytes that do not decode: {e}",
            out.len()
        ))
    })?;
    let name = |a: Address| {
        m.name_of(a)
            .map(|n| n.trim_start_matches("token:").to_string())
            .unwrap_or_else(|| a.to_string())
    };
    let maint_health = s.equity - I256::try_from(s.maintenance).unwrap_or(I256::MAX);
    let init_health = s.equity - I256::try_from(s.initial).unwrap_or(I256::MAX);
    let mode = if s.portfolio { "portfolio" } else { "cross" };
    let mut h = Table::new(&[
        "margin mode",
        "equity",
        "maintenance",
        "initial",
        "maintenance health",
        "initial health",
    ]);
    h.row(vec![
        mode.to_string(),
        show_signed(s.equity),
        show(s.maintenance, 18),
        show(s.initial, 18),
        show_signed(maint_health),
        show_signed(init_health),
    ]);
    let mut p = Table::new(&["market", "size", "open notional", "pending funding"]);
    for i in 0..s.markets.len() {
        p.row(vec![
            s.markets[i].to_string(),
            show_signed(s.sizes[i]),
            show_signed(s.openNotionals[i]),
            show_signed(s.pendingFunding[i]),
        ]);
    }
    let quote = m
        .config
        .get("quote")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut c = Table::new(&["asset", "amount"]);
    for i in 0..s.assets.len() {
        c.row(vec![name(s.assets[i]), show_signed(s.amounts[i])]);
    }
    // Greeks per underlying, from the MarginEngine's view (the quote asset's row is its cash,
    // not a risk: left out).
    let out = chain
        .call_raw(
            margin,
            Margin::greeksCall { account }.abi_encode(),
            U256::ZERO,
            None,
        )
        .await?;
    let greeks = Greeks::abi_decode(&out, true).map_err(|e| {
        CliError::Rpc(format!(
            "greeks answered {} bytes that do not decode: {e}",
            out.len()
        ))
    })?;
    let rows: Vec<(String, I256, I256, I256)> = (0..greeks.underlyings.len())
        .filter_map(|i| {
            let n = name(greeks.underlyings[i]);
            (n != quote).then(|| {
                let at = |v: &Vec<I256>| v.get(i).copied().unwrap_or_default();
                (n, at(&greeks.delta), at(&greeks.gamma), at(&greeks.vega))
            })
        })
        .collect();
    let mut g = Table::new(&["underlying", "delta", "gamma", "vega"]);
    for (u, d, ga, v) in &rows {
        g.row(vec![
            u.clone(),
            show_signed(*d),
            show_signed(*ga),
            show_signed(*v),
        ]);
    }
    let j = json!({
        "account": account,
        "marginMode": mode,
        "health": {"equity": s.equity.to_string(), "maintenance": s.maintenance.to_string(), "initial": s.initial.to_string(),
                   "maintenanceHealth": maint_health.to_string(), "initialHealth": init_health.to_string()},
        "positions": (0..s.markets.len()).map(|i| json!({"market": s.markets[i], "size": s.sizes[i].to_string(),
                   "openNotional": s.openNotionals[i].to_string(), "pendingFunding": s.pendingFunding[i].to_string()})).collect::<Vec<_>>(),
        "collateral": (0..s.assets.len()).map(|i| json!({"asset": s.assets[i], "amount": s.amounts[i].to_string()})).collect::<Vec<_>>(),
        "greeks": rows.iter().map(|(u, d, ga, v)| json!({"underlying": u, "delta": d.to_string(), "gamma": ga.to_string(), "vega": v.to_string()})).collect::<Vec<_>>(),
    });
    Ok((
        vec![
            ("health (WAD quote)".into(), h),
            ("positions".into(), p),
            ("collateral".into(), c),
            ("greeks".into(), g),
        ],
        j,
    ))
}
