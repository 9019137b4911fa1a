//! Maintenance pokes, each sent only when it changes something (decided from the views and a
//! simulation, so no gas goes to a call that does nothing or is refused):
//!
//! - **oracle rounds**: `RiskModule.poke(asset)` when the feed has a round newer than the one
//!   folded into the EWMA variance;
//! - **haircut ramps**: `RiskEngine.updateHaircut(asset)` when the simulated step moves the
//!   effective haircut;
//! - **breaker references**: `CircuitBreaker.poke(asset)` when the core's `observe_price` says the
//!   reference would be renewed or the price moved past the trigger; `pokeGlobal` when the
//!   simulation says the insurance drawdown trips;
//! - **interest**: `VaultPolicy.accrue()` while the quote market has borrowers;
//! - **option expiries**: `OptionMarkets.settleExpiry` for each expired series a watched account
//!   holds, naming the feed round in force at expiry, then `OptionBook.settleAccount` for each
//!   account holding a series whose settlement price is recorded (see [`option_expiries`]).

use crate::context::{Ctx, Skip};
use alloy_primitives::{aliases::U80, Address, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use clearing_cli::abi::{
    Breaker, Engine, Feed, OptionBook, OptionMarkets, OptionPositions, Policy, Risk, Vault,
};
use clearing_cli::error::{CliError, Result};
use clearing_core::liquidation::breaker::observe_price;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// One maintenance pass at block time `now`. Returns the number of transactions mined.
///
/// # Errors
/// [`CliError::Rpc`] when the node keeps failing.
pub async fn run(ctx: &Ctx, now: u64, gas_price: u128, accounts: &[B256]) -> Result<u32> {
    let d = ctx.policy.duties;
    let assets = ctx
        .view(ctx.addrs.vault, &Vault::listedAssetsCall {})
        .await?
        .assets;
    let mut sent = 0;
    for &asset in &assets {
        if d.poke_oracles && oracle_has_new_round(ctx, asset).await? {
            sent += poke(
                ctx,
                "poke oracle",
                ctx.addrs.risk,
                Risk::pokeCall { asset },
                gas_price,
            )
            .await?;
        }
        if d.step_haircuts && haircut_moves(ctx, asset).await? {
            sent += poke(
                ctx,
                "step haircut",
                ctx.addrs.engine,
                Engine::updateHaircutCall { asset },
                gas_price,
            )
            .await?;
        }
        if d.breaker_references && reference_changes(ctx, asset, now).await? {
            sent += poke(
                ctx,
                "breaker reference",
                ctx.addrs.breaker,
                Breaker::pokeCall { asset },
                gas_price,
            )
            .await?;
        }
    }
    if d.breaker_references {
        let data = Breaker::pokeGlobalCall {}.abi_encode();
        if let Ok(out) = ctx.simulate(ctx.addrs.breaker, &data).await? {
            if Breaker::pokeGlobalCall::abi_decode_returns(&out, true).is_ok_and(|r| r.tripped) {
                sent += poke(
                    ctx,
                    "breaker drawdown",
                    ctx.addrs.breaker,
                    Breaker::pokeGlobalCall {},
                    gas_price,
                )
                .await?;
            }
        }
    }
    if d.accrue {
        let m = ctx
            .view(ctx.addrs.vault_policy, &Policy::quoteMarketCall {})
            .await?;
        if !m.borrow.is_zero() {
            sent += poke(
                ctx,
                "accrue interest",
                ctx.addrs.vault_policy,
                Policy::accrueCall {},
                gas_price,
            )
            .await?;
        }
    }
    if d.option_expiries {
        sent += option_expiries(ctx, now, gas_price, accounts).await?;
    }
    Ok(sent)
}

/// Option expiries at block time `now`: for each of `accounts`' option positions whose series
/// has expired, the expiry's settlement price is recorded first when it is not
/// (`OptionMarkets.settleExpiry`, naming the feed round in force at expiry as
/// [`round_in_force`] finds it; nothing is sent while the round after the expiry does not exist
/// yet), then the account is paid (`OptionBook.settleAccount`) once a held series has its
/// price. Each call is simulated first and sent only when it would succeed. Returns the number
/// of transactions mined.
///
/// # Errors
/// [`CliError::Rpc`] when the node keeps failing.
pub async fn option_expiries(
    ctx: &Ctx,
    now: u64,
    gas_price: u128,
    accounts: &[B256],
) -> Result<u32> {
    let (book, options) = (ctx.addrs.option_book, ctx.addrs.options);
    // Per series: (underlying, expiry); per expiry: its settlement price (0 while unrecorded).
    let mut series: HashMap<u32, (Address, u64)> = HashMap::new();
    let mut prices: HashMap<(Address, u64), U256> = HashMap::new();
    let mut sent = 0;
    for &account in accounts {
        let out = ctx
            .call(book, &OptionBook::positionsCall { account }.abi_encode())
            .await?;
        let held = OptionPositions::abi_decode(&out, true)
            .map_err(|e| CliError::Rpc(format!("positions of {account} do not decode: {e}")))?;
        let mut payable = false;
        for (id, size) in held.series.iter().zip(&held.sizes) {
            if size.is_zero() {
                continue;
            }
            let key = match series.get(id) {
                Some(k) => *k,
                None => {
                    let s = ctx
                        .view(options, &OptionMarkets::seriesCall { id: *id })
                        .await?;
                    series.insert(*id, (s.underlying, s.expiry));
                    prices
                        .entry((s.underlying, s.expiry))
                        .or_insert(s.settlementPrice);
                    (s.underlying, s.expiry)
                }
            };
            let (underlying, expiry) = key;
            if expiry > now {
                continue;
            }
            if prices.get(&key).is_some_and(U256::is_zero) {
                if let Some(round) = round_in_force(ctx, underlying, expiry).await? {
                    let call = OptionMarkets::settleExpiryCall {
                        underlying,
                        expiry,
                        roundId: round,
                    };
                    sent += poke(ctx, "settle expiry", options, call, gas_price).await?;
                    let s = ctx
                        .view(options, &OptionMarkets::seriesCall { id: *id })
                        .await?;
                    prices.insert(key, s.settlementPrice);
                }
            }
            payable |= prices.get(&key).is_some_and(|p| !p.is_zero());
        }
        if payable {
            let call = OptionBook::settleAccountCall { account };
            sent += poke(ctx, "settle options", book, call, gas_price).await?;
        }
    }
    Ok(sent)
}

/// The round of `underlying`'s feed (its RiskModule listing) in force at `expiry`
/// (`clearing_cli::options::round_in_force`, the rule the `clearing options settle-expiry`
/// command uses); `None` while no round after the expiry exists, or when the feed does not
/// answer (logged).
///
/// # Errors
/// [`CliError::Rpc`] when the node fails.
pub async fn round_in_force(ctx: &Ctx, underlying: Address, expiry: u64) -> Result<Option<U80>> {
    let r = ctx
        .view(ctx.addrs.risk, &Risk::assetRiskCall { asset: underlying })
        .await?;
    match clearing_cli::options::round_in_force(&ctx.chain, r.feed, expiry).await {
        Ok(round) => Ok(round),
        Err(CliError::Reverted(m)) => {
            tracing::warn!(%underlying, feed = %r.feed, error = %m, "feed does not answer");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

async fn oracle_has_new_round(ctx: &Ctx, asset: Address) -> Result<bool> {
    let r = ctx
        .view(ctx.addrs.risk, &Risk::assetRiskCall { asset })
        .await?;
    match ctx.view(r.feed, &Feed::latestRoundDataCall {}).await {
        Ok(f) => Ok(f.roundId > r.lastRound),
        Err(CliError::Reverted(m)) => {
            tracing::warn!(%asset, feed = %r.feed, error = %m, "feed does not answer");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

async fn haircut_moves(ctx: &Ctx, asset: Address) -> Result<bool> {
    let current = match ctx
        .view(ctx.addrs.engine, &Engine::haircutConfigCall { asset })
        .await
    {
        Ok(c) => c.effective,
        Err(CliError::Reverted(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    match ctx
        .simulate(
            ctx.addrs.engine,
            &Engine::updateHaircutCall { asset }.abi_encode(),
        )
        .await?
    {
        Ok(out) => Ok(Engine::updateHaircutCall::abi_decode_returns(&out, true)
            .is_ok_and(|r| r.effective != current)),
        Err(_) => Ok(false),
    }
}

async fn reference_changes(ctx: &Ctx, asset: Address, now: u64) -> Result<bool> {
    let price = match ctx.view(ctx.addrs.risk, &Risk::priceCall { asset }).await {
        Ok(p) => p.price,
        Err(CliError::Reverted(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let r = ctx
        .view(ctx.addrs.breaker, &Breaker::priceReferenceCall { asset })
        .await?;
    let p = ctx
        .view(ctx.addrs.breaker, &Breaker::parametersCall {})
        .await?;
    let seen = observe_price(r.price, r.time, price, now, p.window, p.maxMove);
    Ok(seen.reference != r.price || seen.reference_time != r.time)
}

/// Simulates, estimates and sends one maintenance call; 1 when it was mined successfully.
async fn poke<C: SolCall>(
    ctx: &Ctx,
    what: &'static str,
    to: Address,
    call: C,
    gas_price: u128,
) -> Result<u32> {
    let data = call.abi_encode();
    if let Err(Skip::Refused(m)) = ctx.simulate(to, &data).await? {
        tracing::info!(what, %to, error = %m, "maintenance call refused in simulation");
        return Ok(0);
    }
    let gas = match ctx.estimate(to, &data).await {
        Ok(g) => ctx.gas_limit(g),
        Err(CliError::Reverted(_)) => return Ok(0),
        Err(e) => return Err(e),
    };
    let r = ctx.send(what, to, data, gas, gas_price).await?;
    if r.status() {
        ctx.metrics.pokes_sent.fetch_add(1, Ordering::Relaxed);
        Ok(1)
    } else {
        Ok(0)
    }
}
