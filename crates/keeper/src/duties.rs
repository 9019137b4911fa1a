//! The duties towards one unhealthy account, in order: liquidate its largest perp position; with
//! no position left, sell its non-quote collateral while it is in quote debt; with nothing left
//! to sell and negative equity, settle its bad debt. Sizes come from `clearing-core`'s rules
//! (`size_to_restore`, `collateral_to_cover`, `penalty_rate`), the breaker is read first, every
//! call is simulated with `eth_call`, and a liquidation is sent only when its reward net of gas
//! reaches the policy's minimum and the keeper's own sub-account keeps its margin.

use crate::context::{Ctx, Skip};
use crate::policy::{self, Gate, Health};
use alloy_primitives::{Address, B256, I256, U256};
use alloy_rpc_types_eth::TransactionReceipt;
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use clearing_cli::abi::{
    AccountSummary, Backstop, Breaker, Engine, Holdings, Liquidator, Margin, Markets, Risk, Vault,
};
use clearing_cli::error::{CliError, Result};
use clearing_core::liquidation::breaker::{status, Scope, Status, TripReason};
use std::sync::atomic::Ordering;

/// What was done for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A transaction was mined successfully.
    Done(&'static str),
    /// A transaction was mined and reverted (lost a race, or the state changed).
    Reverted(&'static str),
    /// Nothing was sent, and why (the breaker, a duty turned off, the keeper's own margin).
    Skipped(String),
    /// Nothing was sent: the simulation reverted or the call does not pay. The same health
    /// is not tried again for `retry_refused_after`.
    Refused(String),
}

/// The state of the breaker at one block: scope statuses are read once per round and asset.
#[derive(Debug, Clone, Copy)]
pub struct BreakerView {
    /// The block time the statuses are computed for.
    pub now: u64,
    /// The global scope.
    pub global: Status,
}

/// The status of `scope` at `now` from the breaker's `scopeState` view, by the core's rule.
///
/// # Errors
/// The view's failure.
pub async fn scope_status(ctx: &Ctx, scope: Address, now: u64) -> Result<Status> {
    let s = ctx
        .view(ctx.addrs.breaker, &Breaker::scopeStateCall { scope })
        .await?;
    let scope = Scope {
        reason: TripReason::from_code(s.reason).unwrap_or(TripReason::Manual),
        tripped_until: s.trippedUntil,
        grace_until: s.graceUntil,
    };
    Ok(status(&scope, now))
}

async fn gate(ctx: &Ctx, b: &BreakerView, asset: Address, h: &Health<B256>) -> Result<Gate> {
    let asset_status = scope_status(ctx, asset, b.now).await?;
    let allowed = ctx
        .view(
            ctx.addrs.breaker,
            &Breaker::liquidationAllowedCall { asset },
        )
        .await?
        .allowed;
    Ok(policy::gate(
        b.global,
        asset_status,
        h.deeply_unhealthy(),
        allowed,
    ))
}

fn math(e: clearing_core::CoreError) -> CliError {
    CliError::Rpc(format!(
        "the chain's values break the core's arithmetic: {e:?}"
    ))
}

/// Acts on one unhealthy account (see the module docs).
///
/// # Errors
/// [`CliError::Rpc`] when the node keeps failing; reverts are outcomes, not errors.
pub async fn act(ctx: &Ctx, b: &BreakerView, h: &Health<B256>, gas_price: u128) -> Result<Outcome> {
    let account = h.account;
    let out = ctx
        .call(
            ctx.addrs.margin,
            &Margin::accountSummaryCall { account }.abi_encode(),
        )
        .await?;
    // stylus-sdk 0.9 returns this multi-value answer as one tuple (the CLI's status does too).
    let s = AccountSummary::abi_decode(&out, true)
        .map_err(|e| CliError::Rpc(format!("accountSummary of {account} does not decode: {e}")))?;
    // A market can stay listed with a zero size after a full liquidation: only sizes count.
    if s.sizes.iter().any(|z| !z.is_zero()) {
        if !ctx.policy.duties.liquidate {
            return Ok(Outcome::Skipped("the liquidate duty is off".into()));
        }
        return liquidate_position(ctx, b, h, &s, gas_price).await;
    }
    let out = ctx
        .call(
            ctx.addrs.vault,
            &Vault::holdingsCall { account }.abi_encode(),
        )
        .await?;
    let hold = Holdings::abi_decode(&out, true)
        .map_err(|e| CliError::Rpc(format!("holdings of {account} do not decode: {e}")))?;
    let collateral: Vec<(Address, U256)> = hold
        .assets
        .iter()
        .zip(&hold.amounts)
        .filter(|(a, n)| **a != hold.quoteAsset && n.is_positive())
        .map(|(a, n)| (*a, n.unsigned_abs()))
        .collect();
    if !collateral.is_empty() {
        if hold.quoteBalance.is_negative() && ctx.policy.duties.sell_collateral {
            return sell_collateral(ctx, b, h, &collateral, hold.quoteBalance, gas_price).await;
        }
        return Ok(Outcome::Skipped(
            "collateral left but no quote debt (or the sell_collateral duty is off)".into(),
        ));
    }
    if h.equity.is_negative() && ctx.policy.duties.settle_bad_debt {
        return settle_bad_debt(ctx, account, gas_price).await;
    }
    Ok(Outcome::Skipped("nothing the keeper can do".into()))
}

/// The keeper's own initial health less the margin it keeps: negative means it takes over
/// nothing more.
async fn own_headroom(ctx: &Ctx) -> Result<I256> {
    let me = ctx
        .view(ctx.addrs.margin, &Margin::healthCall { account: ctx.me })
        .await?;
    let initial = I256::try_from(me.initial).unwrap_or(I256::MAX);
    let keep = I256::try_from(ctx.policy.min_free_margin).unwrap_or(I256::MAX);
    Ok(me.equity.saturating_sub(initial).saturating_sub(keep))
}

/// Decides on a simulated call's profit and sends it; `reward` is the keeper's expected reward.
async fn pay_and_send(
    ctx: &Ctx,
    what: &'static str,
    to: Address,
    data: Vec<u8>,
    reward: U256,
    gas_price: u128,
) -> Result<std::result::Result<TransactionReceipt, Skip>> {
    let estimate = match ctx.estimate(to, &data).await {
        Ok(g) => g,
        Err(CliError::Reverted(m)) => {
            ctx.metrics
                .simulations_refused
                .fetch_add(1, Ordering::Relaxed);
            return Ok(Err(Skip::Refused(m)));
        }
        Err(e) => return Err(e),
    };
    let gas = ctx.gas_limit(estimate);
    let native = ctx.native_price().await?;
    let net = policy::net_profit(reward, gas, gas_price, native);
    if !policy::worth_sending(net, ctx.policy.min_profit) {
        ctx.metrics
            .skipped_unprofitable
            .fetch_add(1, Ordering::Relaxed);
        return Ok(Err(Skip::Refused(format!(
            "unprofitable: reward {reward} less gas is {net}, below the minimum {}",
            ctx.policy.min_profit
        ))));
    }
    ctx.metrics
        .liquidations_sent
        .fetch_add(1, Ordering::Relaxed);
    let receipt = ctx.send(what, to, data, gas, gas_price).await?;
    if receipt.status() {
        ctx.metrics.liquidations_won.fetch_add(1, Ordering::Relaxed);
        let cost = policy::gas_cost(receipt.gas_used, receipt.effective_gas_price, native);
        let earned = keeper_reward(&receipt).unwrap_or(reward);
        let profit =
            I256::try_from(earned).unwrap_or(I256::MAX) - I256::try_from(cost).unwrap_or(I256::MAX);
        // Millionths of a quote unit.
        let micro = profit / I256::try_from(1_000_000_000_000u64).unwrap_or(I256::ONE);
        ctx.metrics
            .profit_micro
            .fetch_add(i64::try_from(micro).unwrap_or(0), Ordering::Relaxed);
    }
    Ok(Ok(receipt))
}

/// The keeper's reward from a receipt's `Liquidated` event (a collateral sale's event does not
/// carry it: its estimate stands).
fn keeper_reward(r: &TransactionReceipt) -> Option<U256> {
    r.inner.logs().iter().find_map(|l| {
        Liquidator::Liquidated::decode_log_data(l.data(), true)
            .ok()
            .map(|e| e.keeperReward)
    })
}

fn outcome(what: &'static str, r: std::result::Result<TransactionReceipt, Skip>) -> Outcome {
    match r {
        Ok(rc) if rc.status() => Outcome::Done(what),
        Ok(_) => Outcome::Reverted(what),
        Err(Skip::Refused(m)) => Outcome::Refused(m),
        Err(Skip::GasTooDear(p)) => Outcome::Skipped(format!("gas price {p} above the maximum")),
    }
}

async fn liquidate_position(
    ctx: &Ctx,
    b: &BreakerView,
    h: &Health<B256>,
    s: &AccountSummary,
    gas_price: u128,
) -> Result<Outcome> {
    let account = h.account;
    // The largest position by notional goes first.
    let mut best: Option<(u32, I256, Address, U256, U256, U256)> = None;
    for (i, &market) in s.markets.iter().enumerate() {
        if s.sizes[i].is_zero() {
            continue;
        }
        let m = ctx
            .view(ctx.addrs.markets, &Markets::marketCall { market })
            .await?;
        let price = match ctx
            .view(
                ctx.addrs.risk,
                &Risk::priceCall {
                    asset: m.underlying,
                },
            )
            .await
        {
            Ok(p) => p.price,
            Err(CliError::Reverted(e)) => {
                tracing::info!(%account, market, error = %e, "no usable price; skipped");
                continue;
            }
            Err(e) => return Err(e),
        };
        let size = s.sizes[i];
        let notional = size.unsigned_abs().saturating_mul(price);
        if best.as_ref().is_none_or(|x| notional > x.5) {
            best = Some((market, size, m.underlying, m.minSize, price, notional));
        }
    }
    let Some((market, size, underlying, min_size, price, _)) = best else {
        return Ok(Outcome::Skipped("no position has a usable price".into()));
    };
    match gate(ctx, b, underlying, h).await? {
        Gate::Go => {}
        g => {
            ctx.metrics.skipped_breaker.fetch_add(1, Ordering::Relaxed);
            return Ok(Outcome::Skipped(format!("circuit breaker: {g:?}")));
        }
    }
    if own_headroom(ctx).await?.is_negative() {
        return Ok(Outcome::Skipped(
            "the keeper's own sub-account is at its margin floor (fund it)".into(),
        ));
    }
    // The core's sizing rule on the chain's inputs, as the Liquidator applies it.
    let hc = ctx
        .view(ctx.addrs.engine, &Engine::haircutCall { asset: underlying })
        .await?;
    let lp = ctx
        .view(ctx.addrs.liquidator, &Liquidator::parametersCall {})
        .await?;
    let penalty =
        clearing_core::penalty_rate(hc.maintenance, lp.divisor, lp.minPenalty).map_err(math)?;
    let dust = clearing_core::mul_down(min_size, price).map_err(math)?;
    let needed = clearing_core::size_to_restore(
        h.equity,
        h.initial,
        size.unsigned_abs(),
        price,
        hc.initial,
        penalty,
        dust,
    )
    .map_err(math)?;
    let max_size = if needed.is_zero() {
        size.unsigned_abs()
    } else {
        needed
    };
    let data = Liquidator::liquidateCall {
        account,
        liquidatorSubaccount: ctx.policy.subaccount,
        market,
        maxSize: max_size,
    }
    .abi_encode();
    let closed = match ctx.simulate(ctx.addrs.liquidator, &data).await? {
        Ok(out) => Liquidator::liquidateCall::abi_decode_returns(&out, true)
            .map(|r| r.closed)
            .unwrap_or(max_size),
        Err(Skip::Refused(m)) => return Ok(Outcome::Refused(format!("simulation: {m}"))),
        Err(skip) => return Ok(outcome("liquidate", Err(skip))),
    };
    let amount = clearing_core::penalty_amount(closed, price, penalty).map_err(math)?;
    let reward = clearing_core::split_penalty(amount, lp.keeperShare)
        .map_err(math)?
        .keeper;
    tracing::info!(%account, market, size = %closed, %reward, "liquidation simulated");
    let r = pay_and_send(
        ctx,
        "liquidate",
        ctx.addrs.liquidator,
        data,
        reward,
        gas_price,
    )
    .await?;
    Ok(outcome("liquidate", r))
}

async fn sell_collateral(
    ctx: &Ctx,
    b: &BreakerView,
    h: &Health<B256>,
    collateral: &[(Address, U256)],
    quote: I256,
    gas_price: u128,
) -> Result<Outcome> {
    let account = h.account;
    let lp = ctx
        .view(ctx.addrs.liquidator, &Liquidator::parametersCall {})
        .await?;
    for &(asset, held) in collateral {
        match gate(ctx, b, asset, h).await? {
            Gate::Go => {}
            g => {
                ctx.metrics.skipped_breaker.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%account, %asset, gate = ?g, "collateral sale held back by the breaker");
                continue;
            }
        }
        if own_headroom(ctx).await?.is_negative() {
            return Ok(Outcome::Skipped(
                "the keeper's own sub-account is at its margin floor (fund it)".into(),
            ));
        }
        let price = ctx
            .view(ctx.addrs.risk, &Risk::priceCall { asset })
            .await?
            .price;
        let hc = ctx
            .view(ctx.addrs.engine, &Engine::haircutCall { asset })
            .await?;
        let decimals = ctx
            .view(ctx.addrs.vault, &Vault::assetConfigCall { asset })
            .await?
            .decimals;
        let penalty =
            clearing_core::penalty_rate(hc.maintenance, lp.divisor, lp.minPenalty).map_err(math)?;
        let cover =
            clearing_core::collateral_to_cover(quote.unsigned_abs(), price, penalty, decimals)
                .map_err(math)?;
        let max_amount = cover.min(held).max(U256::from(1u8));
        let data = Backstop::liquidateCollateralCall {
            account,
            liquidatorSubaccount: ctx.policy.subaccount,
            asset,
            maxAmount: max_amount,
        }
        .abi_encode();
        let sold = match ctx.simulate(ctx.addrs.backstop, &data).await? {
            Ok(out) => Backstop::liquidateCollateralCall::abi_decode_returns(&out, true)
                .map(|r| r.sold)
                .unwrap_or(max_amount),
            Err(Skip::Refused(m)) => {
                tracing::info!(%account, %asset, error = %m, "collateral sale refused in simulation");
                continue;
            }
            Err(skip) => return Ok(outcome("sell collateral", Err(skip))),
        };
        let value = clearing_core::to_wad(sold, decimals)
            .and_then(|w| clearing_core::mul_down(w, price))
            .map_err(math)?;
        let reward = value
            - clearing_core::collateral_sale(value, penalty, lp.keeperShare)
                .map_err(math)?
                .liquidator_debit;
        tracing::info!(%account, %asset, amount = %sold, %reward, "collateral sale simulated");
        let r = pay_and_send(
            ctx,
            "sell collateral",
            ctx.addrs.backstop,
            data,
            reward,
            gas_price,
        )
        .await?;
        return Ok(outcome("sell collateral", r));
    }
    Ok(Outcome::Skipped(
        "no collateral sale is possible now".into(),
    ))
}

async fn settle_bad_debt(ctx: &Ctx, account: B256, gas_price: u128) -> Result<Outcome> {
    let data = Backstop::settleBadDebtCall { account }.abi_encode();
    if let Err(Skip::Refused(m)) = ctx.simulate(ctx.addrs.backstop, &data).await? {
        return Ok(Outcome::Refused(format!("bad debt settlement: {m}")));
    }
    let gas = match ctx.estimate(ctx.addrs.backstop, &data).await {
        Ok(g) => ctx.gas_limit(g),
        Err(CliError::Reverted(m)) => return Ok(Outcome::Refused(format!("estimate: {m}"))),
        Err(e) => return Err(e),
    };
    tracing::info!(%account, "settling bad debt");
    let r = ctx
        .send("settle bad debt", ctx.addrs.backstop, data, gas, gas_price)
        .await?;
    if r.status() {
        ctx.metrics
            .bad_debts_settled
            .fetch_add(1, Ordering::Relaxed);
        Ok(Outcome::Done("settle bad debt"))
    } else {
        Ok(Outcome::Reverted("settle bad debt"))
    }
}
