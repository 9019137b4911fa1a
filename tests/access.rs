//! The access matrix (DESIGN section 11): every privileged external function
//! of every contract, called by every role that must not call it and by a
//! stranger, fails with an access error, and nothing changes.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use backstop::Backstop;
use circuit_breaker::CircuitBreaker;
use clearing_core::{trading::account, WAD};
use clearinghouse::Clearinghouse;
use collateral_vault::CollateralVault;
use common::clearing::*;
use common::*;
use exchange::{Exchange, Order, MATCHER_ROLE};
use insurance_fund::InsuranceFund;
use liquidator::Liquidator;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount;
use perp_markets::PerpMarkets;
use risk_engine::RiskEngine;
use risk_module::RiskModule;
use stylus_sdk::abi::Bytes;
use timelock::Timelock;

/// The selectors of every access error in the system.
fn access_errors() -> Vec<[u8; 4]> {
    vec![
        AccessControlUnauthorizedAccount::SELECTOR,
        collateral_vault::NotClearinghouse::SELECTOR,
        clearinghouse::NotExchange::SELECTOR,
        clearinghouse::NotLiquidator::SELECTOR,
        perp_markets::NotClearinghouse::SELECTOR,
        perp_markets::NotLiquidator::SELECTOR,
        timelock::OnlyTimelock::SELECTOR,
        timelock::NotPendingAdmin::SELECTOR,
    ]
}

/// Asserts that `err` (revert bytes) is an access error.
fn denied(what: &str, who: &str, err: Vec<u8>) {
    assert!(
        err.len() >= 4 && access_errors().iter().any(|s| err[..4] == s[..]),
        "{what} by {who}: not an access error: {err:?}"
    );
}

/// Calls `$call` on `$contract` as each of the `$who` (name, address) pairs
/// and asserts each is refused with an access error.
macro_rules! refuse {
    ($what:expr, $contract:expr, [$($who:expr),+], |$c:ident| $call:expr) => {
        for (name, addr) in [$($who),+] {
            #[allow(unused_mut)]
            let mut $c = $contract.sender(addr);
            let err: Vec<u8> = $call.motsu_unwrap_err().into();
            denied($what, name, err);
        }
    };
}

#[motsu::test]
fn no_privileged_function_answers_the_wrong_caller(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    ex: Contract<Exchange>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    breaker: Contract<CircuitBreaker>,
    fund: Contract<InsuranceFund>,
    liq: Contract<Liquidator>,
    backstop: Contract<Backstop>,
    admin: Address,
    matcher: Address,
    fees: Address,
    guardian: Address,
    risk_admin: Address,
    stranger: Address,
) {
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian
    );
    engine
        .sender(admin)
        .grant_role(risk_engine::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    markets
        .sender(admin)
        .grant_role(perp_markets::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    liq.sender(admin)
        .grant_role(liquidator::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    risk.sender(admin)
        .grant_role(risk_module::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    breaker
        .sender(admin)
        .grant_role(circuit_breaker::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    fund.sender(admin)
        .grant_role(insurance_fund::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    let (s, g, r, m, a) = (
        ("stranger", stranger),
        ("guardian", guardian),
        ("risk admin", risk_admin),
        ("matcher", matcher),
        ("admin", admin),
    );
    let acct = account::encode(stranger, 0);
    let weth_a = weth.address();
    // Snapshot of the governed state.
    let snapshot = || {
        (
            risk.sender(admin).risk_parameters(),
            engine.sender(admin).haircut_parameters(),
            engine.sender(admin).haircut_config(weth_a).motsu_unwrap(),
            markets.sender(admin).market(0).motsu_unwrap(),
            ch.sender(admin).fee_config(),
            liq.sender(admin).parameters(),
            breaker.sender(admin).parameters(),
            vault.sender(admin).asset_config(weth_a).motsu_unwrap(),
            fund.sender(admin).target(),
            breaker.sender(admin).scope_state(weth_a),
        )
    };
    let before = snapshot();
    let any_role = B256::from([7u8; 32]);

    // RiskModule: the admin only.
    refuse!(
        "risk.setParameter (raise lambda)",
        risk,
        [s, g, r, m],
        |c| c.set_parameter(risk_module::param::LAMBDA, pct(95))
    );
    refuse!("risk.setParameter (lower lambda)", risk, [s, g, m], |c| c
        .set_parameter(risk_module::param::LAMBDA, pct(93)));
    refuse!("risk.setParameter (correlation)", risk, [s, g, r, m], |c| c
        .set_parameter(risk_module::param::INTER_CORRELATION, pct(20)));
    refuse!("risk.listAsset", risk, [s, g, r, m], |c| c.list_asset(
        stranger,
        eth_feed.address(),
        3600,
        wad(1),
        wad(2),
        0,
        U256::ZERO,
        pct(3)
    ));
    refuse!("risk.setVolatilityFeed", risk, [s, g, r, m], |c| c
        .set_volatility_feed(weth_a, eth_feed.address()));
    refuse!("risk.setSequencerFeed", risk, [s, g, r, m], |c| c
        .set_sequencer_feed(eth_feed.address()));
    refuse!("risk.grantRole", risk, [s, g, r, m], |c| c
        .grant_role(any_role, stranger));

    // Vault: custody settings are the admin's, the switch the guardian's,
    // balance movements the clearing contracts'.
    refuse!("vault.listAsset", vault, [s, g, r, m], |c| c.list_asset(
        stranger,
        18,
        wad(1),
        true,
        true
    ));
    // The vault's switch answers only the clearing contracts (its VaultPolicy applies the
    // governance rules; tests/vault_policy.rs covers the policy's roles).
    refuse!("vault.configureAsset", vault, [s, g, r, m, a], |c| c
        .configure_asset(weth_a, wad(1), true, true));
    refuse!("vault.release", vault, [s, g, r, m, a], |c| c.release(
        acct,
        weth_a,
        wad(1),
        stranger
    ));
    refuse!("vault.transferBalance", vault, [s, g, r, m, a], |c| c
        .transfer_balance(acct, B256::ZERO, weth_a, wad(1)));
    refuse!("vault.applyQuoteDelta", vault, [s, g, r, m, a], |c| c
        .apply_quote_delta(acct, swad(1)));
    refuse!("vault.grantRole", vault, [s, g, r, m], |c| c
        .grant_role(any_role, stranger));

    // RiskEngine: lowering haircuts or configuring a new asset is the
    // admin's; nobody else touches them.
    refuse!(
        "engine.setHaircutParameters (raise risk)",
        engine,
        [s, g, r, m],
        |c| c.set_haircut_parameters(wad(3) - pct(50), pct(150), 3600, pct(2))
    );
    refuse!(
        "engine.setHaircutConfig (lower floor)",
        engine,
        [s, g, r, m],
        |c| c.set_haircut_config(weth_a, U256::ZERO, pct(50), WAD)
    );
    refuse!(
        "engine.setHaircutConfig (new asset)",
        engine,
        [s, g, r, m],
        |c| c.set_haircut_config(usdc_feed.address(), pct(1), pct(50), WAD)
    );
    refuse!("engine.grantRole", engine, [s, g, r, m], |c| c
        .grant_role(any_role, stranger));

    // PerpMarkets.
    refuse!("markets.listMarket", markets, [s, g, r, m], |c| c
        .list_market(
            weth_a,
            cents(1),
            cents(1),
            bp(2),
            bp(5),
            wad(1),
            bp(75)
        ));
    refuse!(
        "markets.configureMarket (raise OI cap)",
        markets,
        [s, g, r, m],
        |c| c.configure_market(0, perp_markets::param::MAX_OPEN_INTEREST, wad(2000))
    );
    refuse!("markets.setClearinghouse", markets, [s, g, r, m], |c| c
        .set_clearinghouse(stranger));
    refuse!("markets.setLiquidator", markets, [s, g, r, m], |c| c
        .set_liquidator(stranger));
    refuse!("markets.onFill", markets, [s, g, r, m, a], |c| c.on_fill(
        0,
        wad(3000),
        wad(1),
        swad(1),
        true
    ));
    refuse!("markets.socialize", markets, [s, g, r, m, a], |c| c
        .socialize(0, true, wad(1)));

    // Clearinghouse.
    refuse!("ch.setExchange", ch, [s, g, r, m], |c| c
        .set_exchange(stranger));
    refuse!("ch.setLiquidator", ch, [s, g, r, m], |c| c
        .set_liquidator(stranger));
    refuse!("ch.setFeeConfig", ch, [s, g, r, m], |c| c.set_fee_config(
        acct,
        acct,
        pct(10)
    ));
    refuse!("ch.applyFill", ch, [s, g, r, m, a], |c| c.apply_fill(
        0,
        acct,
        B256::ZERO,
        wad(3000),
        swad(1)
    ));
    refuse!("ch.applyLiquidation", ch, [s, g, r, m, a], |c| c
        .apply_liquidation(0, acct, B256::ZERO, wad(3000), swad(1)));

    // Exchange: fills are the matcher's.
    let o = p.c.order(stranger, swad(1), wad(3000), 1);
    refuse!("ex.settleFill", ex, [s, g, r, a], |c| c.settle_fill(
        o.clone(),
        Bytes(vec![0; 65]),
        Order {
            account: B256::ZERO,
            ..o.clone()
        },
        Bytes(vec![0; 65]),
        wad(1)
    ));
    refuse!("ex.grantRole", ex, [s, g, r, m], |c| c
        .grant_role(MATCHER_ROLE.into(), stranger));

    // Liquidator: raising risk (a lower keeper share) is the admin's.
    refuse!("liq.setParameter (raise risk)", liq, [s, g, r, m], |c| c
        .set_parameter(liquidator::param::KEEPER_SHARE, pct(45)));

    // CircuitBreaker: trips are the guardian's; resets and parameters the
    // admin's; the gate the liquidation contracts'.
    refuse!("breaker.trip", breaker, [s, r, m, a], |c| c.trip(weth_a));
    refuse!("breaker.tripGlobal", breaker, [s, r, m, a], |c| c
        .trip_global());
    refuse!("breaker.reset", breaker, [s, g, r, m], |c| c.reset(weth_a));
    refuse!("breaker.resetGlobal", breaker, [s, g, r, m], |c| c
        .reset_global());
    refuse!(
        "breaker.setParameter (loosen)",
        breaker,
        [s, g, r, m],
        |c| c.set_parameter(circuit_breaker::param::MAX_MOVE, pct(25))
    );
    refuse!("breaker.setParameter (tighten)", breaker, [s, g, m], |c| c
        .set_parameter(circuit_breaker::param::MAX_MOVE, pct(15)));
    refuse!("breaker.checkLiquidation", breaker, [s, g, r, m, a], |c| c
        .check_liquidation(weth_a, wad(1), wad(10), false));
    refuse!("breaker.grantRole", breaker, [s, g, r, m], |c| c
        .grant_role(any_role, stranger));

    // InsuranceFund: cover is the backstop's; the rest the admin's.
    refuse!("fund.coverBadDebt", fund, [s, g, r, m, a], |c| c
        .cover_bad_debt(acct, wad(1)));
    refuse!("fund.setTarget (raise)", fund, [s, g, m], |c| c
        .set_target(wad(1)));
    refuse!("fund.setWindow", fund, [s, g, r, m], |c| c.set_window(7200));
    refuse!("fund.withdrawExcess", fund, [s, g, r, m], |c| c
        .withdraw_excess(U256::from(1), stranger));

    // Nothing changed, and nobody gained a role.
    assert!(before == snapshot());
    assert!(!vault
        .sender(admin)
        .has_role(collateral_vault::CLEARING_ROLE.into(), stranger));
    assert!(!ex.sender(admin).has_role(MATCHER_ROLE.into(), stranger));
    assert_eq!(vault.sender(admin).quote_balance(acct).unwrap(), I256::ZERO);
}

#[motsu::test]
fn the_timelock_answers_only_its_admin_guardian_and_itself(
    tl: Contract<Timelock>,
    admin: Address,
    guardian: Address,
    stranger: Address,
    next: Address,
) {
    tl.sender(admin)
        .constructor(
            admin,
            guardian,
            3600,
            clearing_core::governance::DEFAULT_TIMELOCK_GRACE,
        )
        .motsu_unwrap();
    let (s, g, a, n) = (
        ("stranger", stranger),
        ("guardian", guardian),
        ("admin", admin),
        ("next admin", next),
    );
    let data = Bytes(vec![1, 2, 3]);
    refuse!("tl.queue", tl, [s, g], |c| c.queue(
        stranger,
        data.clone(),
        B256::ZERO
    ));
    refuse!("tl.execute", tl, [s, g], |c| c.execute(
        stranger,
        data.clone(),
        B256::ZERO
    ));
    refuse!("tl.cancel", tl, [s], |c| c.cancel(B256::ZERO));
    refuse!("tl.proposeAdmin", tl, [s, g], |c| c.propose_admin(next));
    refuse!("tl.acceptAdmin", tl, [s, g, n], |c| c.accept_admin());
    refuse!("tl.setDelay", tl, [s, g, a], |c| c.set_delay(7200));
    refuse!("tl.setGrace", tl, [s, g, a], |c| c.set_grace(86_400 * 2));
    refuse!("tl.grantRole", tl, [s, g], |c| c
        .grant_role(timelock::GUARDIAN_ROLE.into(), stranger));
    assert_eq!(tl.sender(admin).delay(), 3600);
    assert_eq!(tl.sender(admin).pending_admin(), Address::ZERO);
    assert!(!tl
        .sender(admin)
        .has_role(timelock::GUARDIAN_ROLE.into(), stranger));
}
