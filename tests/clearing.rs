//! The position ledger (Clearinghouse), the market registry (PerpMarkets) and
//! account health (MarginEngine.accountHealth) on motsu, through the real
//! vault, risk module, risk engine, mock tokens and feeds. A plain account
//! stands in for the Exchange here (fills reach `applyFill` already checked);
//! signed orders run end to end in `tests/exchange.rs`.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::{
    delta_one_requirements, trading::account, Correlations, Exposure, MarginMode, WAD,
};
use clearinghouse::*;
use collateral_vault::{CollateralVault, CLEARING_ROLE};
use common::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use perp_markets::PerpMarkets;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

/// `x` basis points as a WAD fraction.
fn bp(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(10_000)
}

/// `x` hundredths as a WAD (prices and sizes with two decimals).
fn cents(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

fn scents(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap() / I256::try_from(100).unwrap()
}

/// The ETH perp: min size and tick 0.01, maker 2 bp, taker 5 bp, open
/// interest cap 1000 ETH, funding cap 0.75 % per 8 h.
fn list_eth(w: &World, markets: &Contract<PerpMarkets>, max_oi: U256) -> u32 {
    markets
        .sender(w.admin)
        .list_market(
            w.weth.address(),
            cents(1),
            cents(1),
            bp(2),
            bp(5),
            max_oi,
            bp(75),
        )
        .motsu_unwrap()
}

/// Deploys the registry and the ledger, wires them (with `ex` standing in for
/// the exchange), sets the fee split to 50 % insurance, lists the ETH perp.
fn setup(
    w: &World,
    markets: &Contract<PerpMarkets>,
    ch: &Contract<Clearinghouse>,
    ex: Address,
    fees: (B256, B256),
) {
    let admin = w.admin;
    markets.sender(admin).constructor(admin, w.risk.address());
    ch.sender(admin)
        .constructor(admin, w.vault.address(), markets.address());
    markets
        .sender(admin)
        .set_clearinghouse(ch.address())
        .motsu_unwrap();
    ch.sender(admin).set_exchange(ex).motsu_unwrap();
    w.vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), ch.address())
        .motsu_unwrap();
    ch.sender(admin)
        .set_fee_config(fees.0, fees.1, pct(50))
        .motsu_unwrap();
    assert_eq!(list_eth(w, markets, wad(1000)), 0);
}

fn deposit_usdc(w: &World, who: Address, amount: u64) {
    w.fund(w.usdc, who, units(amount, 6));
    w.vault
        .sender(who)
        .deposit(0, w.usdc.address(), units(amount, 6))
        .motsu_unwrap();
}

fn set_eth_price(w: &World, dollars: i64) {
    w.eth_feed
        .sender(w.admin)
        .set_answer(I256::try_from(dollars * E8).unwrap(), U256::from(NOW));
}

/// Requirements the margin function must give for one ETH perp position and
/// the account's USDC exposure (cross mode), computed with the core.
fn expected_requirements(
    w: &World,
    usdc_amount: I256,
    eth_spot: I256,
    eth_perp: I256,
    eth_price: U256,
) -> (U256, U256) {
    let (um, ui) = w
        .engine
        .sender(w.admin)
        .haircut(w.usdc.address())
        .motsu_unwrap();
    let (em, ei) = w
        .engine
        .sender(w.admin)
        .haircut(w.weth.address())
        .motsu_unwrap();
    let exposures = [
        Exposure {
            bucket: 2,
            spot: usdc_amount,
            perp: I256::ZERO,
            price: WAD,
            maint_shock: um,
            init_shock: ui,
            depth: U256::ZERO,
        },
        Exposure {
            bucket: 0,
            spot: eth_spot,
            perp: eth_perp,
            price: eth_price,
            maint_shock: em,
            init_shock: ei,
            depth: U256::ZERO,
        },
    ];
    let corr = Correlations {
        intra: risk_module::DEFAULT_INTRA,
        inter: risk_module::DEFAULT_INTER,
    };
    let ratio = w.engine.sender(w.admin).haircut_parameters().1;
    let r = delta_one_requirements(&exposures, &corr, bp(50), ratio, MarginMode::Cross).unwrap();
    (r.maintenance, r.initial)
}

#[motsu::test]
fn fills_book_positions_realise_pnl_and_split_fees_to_the_wei(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    ex: Address,
    fees: Address,
) {
    let w =
        world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin; ch.address());
    let (ins, tre) = (account::encode(fees, 1), account::encode(fees, 2));
    setup(&w, &markets, &ch, ex, (ins, tre));
    deposit_usdc(&w, alice, 10_000);
    deposit_usdc(&w, bob, 10_000);
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));

    // Alice (maker) buys 1 ETH from Bob (taker) at 3000.
    ch.sender(ex)
        .apply_fill(0, a, b, wad(3000), swad(1))
        .motsu_unwrap();
    assert_eq!(
        ch.sender(alice).position(a, 0).motsu_unwrap(),
        (swad(1), swad(3000), I256::ZERO, I256::ZERO)
    );
    assert_eq!(
        ch.sender(alice).position(b, 0).motsu_unwrap(),
        (swad(-1), swad(-3000), I256::ZERO, I256::ZERO)
    );
    assert_eq!(
        ch.sender(alice).position_sizes(0, a, b),
        (swad(1), swad(-1))
    );
    assert_eq!(ch.sender(alice).open_markets(a), vec![0]);
    // Maker fee 2 bp of 3000 = 0.60, taker fee 5 bp = 1.50; 2.10 split 50/50.
    assert_eq!(vault.sender(alice).quote_balance(a).unwrap(), scents(-60));
    assert_eq!(vault.sender(alice).quote_balance(b).unwrap(), scents(-150));
    assert_eq!(vault.sender(alice).quote_balance(ins).unwrap(), scents(105));
    assert_eq!(vault.sender(alice).quote_balance(tre).unwrap(), scents(105));
    assert_eq!(markets.sender(alice).market(0).motsu_unwrap().7, wad(1));
    ch.assert_emitted(&PositionUpdated {
        account: a,
        market: 0,
        sizeDelta: swad(1),
        price: wad(3000),
        size: swad(1),
        openNotional: swad(3000),
        fundingIndex: I256::ZERO,
        funding: I256::ZERO,
        realizedPnl: I256::ZERO,
        fee: cents(60),
    });
    ch.assert_emitted(&FillSettled {
        market: 0,
        maker: a,
        taker: b,
        price: wad(3000),
        makerDelta: swad(1),
        insuranceFee: cents(105),
        treasuryFee: cents(105),
    });
    markets.assert_emitted(&perp_markets::FillRecorded {
        market: 0,
        price: wad(3000),
        indexPrice: wad(3000),
        premium: I256::ZERO,
        cumulativeIndex: I256::ZERO,
        timestamp: NOW,
        openInterest: wad(1),
    });

    // ETH to 3300: Alice's equity gains 300 unrealised, Bob's loses it.
    set_eth_price(&w, 3300);
    let (eq, mm, im) = margin.sender(alice).health(a).motsu_unwrap();
    assert_eq!(eq, swad(10_300) - scents(60));
    let (em, ei) = expected_requirements(
        &w,
        swad(10_000) - scents(60),
        I256::ZERO,
        swad(1),
        wad(3300),
    );
    assert_eq!((mm, im), (em, ei));
    assert_eq!(
        margin.sender(alice).account_summary(a).motsu_unwrap(),
        (
            vec![0u32],
            vec![swad(1)],
            vec![swad(3000)],
            vec![I256::ZERO],
            vec![w.usdc.address()],
            vec![swad(10_000) - scents(60)],
            eq,
            mm,
            im,
            false
        )
    );
    let (eq_b, _, _) = margin.sender(bob).health(b).motsu_unwrap();
    assert_eq!(eq_b, swad(9_700) - scents(150));

    // Bob (maker) buys back 1 ETH from Alice (taker) at 3300: both flat.
    ch.sender(ex)
        .apply_fill(0, b, a, wad(3300), swad(1))
        .motsu_unwrap();
    // Alice: +300 realised, taker fee 1.65. Bob: -300, maker fee 0.66.
    assert_eq!(
        vault.sender(alice).quote_balance(a).unwrap(),
        scents(-60 + 30_000 - 165)
    );
    assert_eq!(
        vault.sender(alice).quote_balance(b).unwrap(),
        scents(-150 - 30_000 - 66)
    );
    // Fees 2.31: 1.155 each; insurance gets no dust here (exact halves).
    let half = cents(231) / U256::from(2);
    assert_eq!(
        vault.sender(alice).quote_balance(ins).unwrap(),
        scents(105) + I256::from_raw(half)
    );
    assert_eq!(
        vault.sender(alice).quote_balance(tre).unwrap(),
        scents(105) + I256::from_raw(half)
    );
    // Quote is conserved: what the traders lost is exactly the fees.
    let total = [a, b, ins, tre].iter().fold(I256::ZERO, |s, x| {
        s + vault.sender(alice).quote_balance(*x).unwrap()
    });
    assert_eq!(total, I256::ZERO);
    assert_eq!(ch.sender(alice).open_markets(a), Vec::<u32>::new());
    assert_eq!(markets.sender(alice).market(0).motsu_unwrap().7, U256::ZERO);
    ch.assert_emitted(&PositionUpdated {
        account: a,
        market: 0,
        sizeDelta: swad(-1),
        price: wad(3300),
        size: I256::ZERO,
        openNotional: I256::ZERO,
        fundingIndex: I256::ZERO,
        funding: I256::ZERO,
        realizedPnl: swad(300),
        fee: cents(165),
    });
    // Both fills were at the index price: the premium stays at zero.
    let (premium, cum, at) = markets.sender(alice).funding_state(0).motsu_unwrap();
    assert_eq!((cum, at), (I256::ZERO, NOW));
    assert_eq!(premium, I256::ZERO, "the second fill was at the index");
}

#[motsu::test]
fn premium_follows_fills_away_from_the_index(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    ex: Address,
    fees: Address,
) {
    let w =
        world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin; ch.address());
    setup(
        &w,
        &markets,
        &ch,
        ex,
        (account::encode(fees, 1), account::encode(fees, 2)),
    );
    deposit_usdc(&w, alice, 10_000);
    deposit_usdc(&w, bob, 10_000);
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));
    // A fill 1 % above the index, in the same second as the listing (the
    // block time does not move on motsu): the sample clamps to the 0.75 % cap
    // but its time weight `1 - exp(-0 / tau)` is zero, so the premium stays.
    // (Before issue 13 the premium was an EWMA of fills and took a tenth of
    // the sample here; the time and notional weights are covered in the core
    // and on the WASM runtime, `tests/wasm_funding.rs`.)
    ch.sender(ex)
        .apply_fill(0, a, b, wad(3030), swad(1))
        .motsu_unwrap();
    let (premium, _, _) = markets.sender(alice).funding_state(0).motsu_unwrap();
    assert_eq!(premium, I256::ZERO);
    // A fill beyond the 5 % band around the 3000 index is refused by name
    // and leaves no trace: 3150.01 is one tick out, 3150 is in.
    let before = (
        markets.sender(alice).funding_state(0).motsu_unwrap(),
        markets.sender(alice).market(0).motsu_unwrap(),
        ch.sender(alice).position(a, 0).motsu_unwrap(),
        w.vault.sender(alice).quote_balance(a).unwrap(),
    );
    let err = ch
        .sender(ex)
        .apply_fill(0, a, b, wad(3150) + cents(1), swad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        perp_markets::FillOutsideBand {
            market: 0,
            price: wad(3150) + cents(1),
            indexPrice: wad(3000),
            maxDeviation: bp(500),
        }
        .abi_encode()
    );
    let err = ch
        .sender(ex)
        .apply_fill(0, a, b, wad(2850) - cents(1), swad(-1))
        .motsu_unwrap_err();
    assert!(err.starts_with(&perp_markets::FillOutsideBand::SELECTOR));
    let after = (
        markets.sender(alice).funding_state(0).motsu_unwrap(),
        markets.sender(alice).market(0).motsu_unwrap(),
        ch.sender(alice).position(a, 0).motsu_unwrap(),
        w.vault.sender(alice).quote_balance(a).unwrap(),
    );
    assert_eq!(before, after);
    ch.sender(ex)
        .apply_fill(0, a, b, wad(3150), swad(1))
        .motsu_unwrap();
    assert_eq!(ch.sender(alice).position(a, 0).motsu_unwrap().0, swad(2));
    // The block time does not move on motsu, so nothing accrues yet: pending
    // funding is zero (accrual over time is covered on the WASM runtime).
    assert_eq!(ch.sender(alice).position(a, 0).motsu_unwrap().3, I256::ZERO);
}

#[motsu::test]
fn ledger_refusals_leave_no_trace(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    ex: Address,
    fees: Address,
) {
    let w =
        world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin; ch.address());
    let (ins, tre) = (account::encode(fees, 1), account::encode(fees, 2));
    setup(&w, &markets, &ch, ex, (ins, tre));
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));
    let unchanged = || {
        assert_eq!(
            ch.sender(alice).position_sizes(0, a, b),
            (I256::ZERO, I256::ZERO)
        );
        assert_eq!(vault.sender(alice).quote_balance(a).unwrap(), I256::ZERO);
        assert_eq!(vault.sender(alice).quote_balance(ins).unwrap(), I256::ZERO);
        assert_eq!(markets.sender(alice).market(0).motsu_unwrap().7, U256::ZERO);
    };

    // Only the exchange books fills.
    let err = ch
        .sender(alice)
        .apply_fill(0, a, b, wad(3000), swad(1))
        .motsu_unwrap_err();
    assert_eq!(err, NotExchange { caller: alice }.abi_encode());
    unchanged();
    // Unknown market: the registry's error, unchanged.
    let err = ch
        .sender(ex)
        .apply_fill(7, a, b, wad(3000), swad(1))
        .motsu_unwrap_err();
    assert_eq!(err, perp_markets::UnknownMarket { market: 7 }.abi_encode());
    unchanged();
    // Open interest cap: 1000 ETH.
    let err = ch
        .sender(ex)
        .apply_fill(0, a, b, wad(3000), swad(1001))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        perp_markets::OpenInterestCapExceeded {
            market: 0,
            openInterest: wad(1001),
            cap: wad(1000),
        }
        .abi_encode()
    );
    unchanged();
    // A stale index price stops fills.
    w.eth_feed
        .sender(admin)
        .set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW - 7200));
    let err = ch
        .sender(ex)
        .apply_fill(0, a, b, wad(3000), swad(1))
        .motsu_unwrap_err();
    assert_eq!(
        &err[..4],
        &risk_module::PriceStale::SELECTOR[..],
        "the risk module's PriceStale passes through"
    );
    unchanged();
    set_eth_price(&w, 3000);
    // At the cap, a fill that does not raise open interest still goes through.
    ch.sender(ex)
        .apply_fill(0, a, b, wad(3000), swad(1000))
        .motsu_unwrap();
    let c = account::encode(alice, 1);
    ch.sender(ex)
        .apply_fill(0, b, c, wad(3000), swad(10))
        .motsu_unwrap();
    assert_eq!(markets.sender(alice).market(0).motsu_unwrap().7, wad(1000));
    assert_eq!(
        ch.sender(alice).position_sizes(0, b, c),
        (swad(-990), swad(-10))
    );
}

#[motsu::test]
fn fees_need_recipients_and_accounts_hold_at_most_eight_markets(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    ex: Address,
) {
    let w =
        world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin; ch.address());
    markets.sender(admin).constructor(admin, w.risk.address());
    ch.sender(admin)
        .constructor(admin, w.vault.address(), markets.address());
    markets
        .sender(admin)
        .set_clearinghouse(ch.address())
        .motsu_unwrap();
    ch.sender(admin).set_exchange(ex).motsu_unwrap();
    w.vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), ch.address())
        .motsu_unwrap();
    for _ in 0..9 {
        list_eth(&w, &markets, wad(1000));
    }
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));
    // Fees are due and nobody is configured to receive them.
    let err = ch
        .sender(ex)
        .apply_fill(0, a, b, wad(3000), swad(1))
        .motsu_unwrap_err();
    assert_eq!(err, FeeRecipientUnset {}.abi_encode());
    assert_eq!(
        ch.sender(alice).position_sizes(0, a, b),
        (I256::ZERO, I256::ZERO)
    );
    // Fee configuration: admin only, non-zero accounts, share at most 100 %.
    let (ins, tre) = (account::encode(admin, 1), account::encode(admin, 2));
    assert!(matches!(
        ch.sender(alice)
            .set_fee_config(ins, tre, pct(50))
            .motsu_unwrap_err(),
        ClearinghouseError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        ch.sender(admin)
            .set_fee_config(B256::ZERO, tre, pct(50))
            .motsu_unwrap_err(),
        ClearinghouseError::FeeRecipientUnset(_)
    ));
    let err = ch
        .sender(admin)
        .set_fee_config(ins, tre, pct(101))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        ClearinghouseError::ParameterOutOfBounds(ParameterOutOfBounds { param: 1, value }) if value == pct(101)
    ));
    // More than 25 points at once is over the share's step.
    let err = ch
        .sender(admin)
        .set_fee_config(ins, tre, pct(76))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        ClearinghouseError::ParameterStepTooLarge(ParameterStepTooLarge { param: 1, oldValue, newValue })
            if oldValue == pct(50) && newValue == pct(76)
    ));
    ch.sender(admin)
        .set_fee_config(ins, tre, pct(75))
        .motsu_unwrap();
    ch.assert_emitted(&FeeConfigSet {
        insuranceAccount: ins,
        treasuryAccount: tre,
        oldInsuranceShare: pct(50),
        insuranceShare: pct(75),
    });
    assert_eq!(ch.sender(bob).fee_config(), (ins, tre, pct(75)));
    // The share changes at most once a day; the recipients alone may change.
    let err = ch
        .sender(admin)
        .set_fee_config(ins, tre, pct(100))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        ClearinghouseError::ParameterChangedTooSoon(ParameterChangedTooSoon { param: 1, nextAllowedAt })
            if nextAllowedAt == NOW + 86_400
    ));
    ch.sender(admin)
        .set_fee_config(tre, ins, pct(75))
        .motsu_unwrap();
    assert_eq!(ch.sender(bob).fee_config(), (tre, ins, pct(75)));
    // Eight markets per account; the ninth is refused, the others stay.
    for m in 0..8u32 {
        ch.sender(ex)
            .apply_fill(m, a, b, wad(3000), scents(1))
            .motsu_unwrap();
    }
    let err = ch
        .sender(ex)
        .apply_fill(8, a, b, wad(3000), scents(1))
        .motsu_unwrap_err();
    assert_eq!(err, TooManyMarkets { account: a }.abi_encode());
    assert_eq!(
        ch.sender(alice).open_markets(a),
        (0..8).collect::<Vec<u32>>()
    );
    assert_eq!(
        ch.sender(alice).position_sizes(8, a, b),
        (I256::ZERO, I256::ZERO)
    );
    // Closing one frees a slot (the list is kept compact).
    ch.sender(ex)
        .apply_fill(3, b, a, wad(3000), scents(1))
        .motsu_unwrap();
    assert_eq!(ch.sender(alice).open_markets(a), vec![0, 1, 2, 7, 4, 5, 6]);
    ch.sender(ex)
        .apply_fill(8, a, b, wad(3000), scents(1))
        .motsu_unwrap();
    assert_eq!(ch.sender(alice).open_markets(a).len(), 8);
    // Wiring happens once, by the admin.
    assert!(matches!(
        ch.sender(alice).set_exchange(alice).motsu_unwrap_err(),
        ClearinghouseError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        ch.sender(admin).set_exchange(bob).motsu_unwrap_err(),
        ClearinghouseError::ExchangeAlreadySet(ExchangeAlreadySet { exchange }) if exchange == ex
    ));
    assert_eq!(
        ch.sender(admin).wiring(),
        (w.vault.address(), markets.address(), ex, Address::ZERO)
    );
}

#[motsu::test]
fn markets_are_listed_within_bounds_by_the_admin(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    stranger_asset: Address,
) {
    use perp_markets::*;
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    markets.sender(admin).constructor(admin, w.risk.address());
    let good = [cents(1), cents(1), bp(2), bp(5), wad(1000), bp(75)];
    let list = |who: Address, underlying: Address, f: [U256; 6]| {
        markets
            .sender(who)
            .list_market(underlying, f[0], f[1], f[2], f[3], f[4], f[5])
    };
    let err = list(alice, weth.address(), good).motsu_unwrap_err();
    assert_eq!(
        &err[..4],
        &openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount::SELECTOR[..]
    );
    // Each field out of its bounds, with its code and value.
    let bad: [(usize, U256); 6] = [
        (0, U256::ZERO),
        (1, U256::ZERO),
        (2, bp(101)),
        (3, bp(101)),
        (4, U256::ZERO),
        (5, bp(501)),
    ];
    for (i, value) in bad {
        let mut f = good;
        f[i] = value;
        let err = list(admin, weth.address(), f).motsu_unwrap_err();
        assert_eq!(
            err,
            ParameterOutOfBounds {
                param: i as u8 + 1,
                value
            }
            .abi_encode()
        );
    }
    // An underlying the risk module does not know.
    let err = list(admin, stranger_asset, good).motsu_unwrap_err();
    assert_eq!(
        err,
        risk_module::UnknownAsset {
            asset: stranger_asset
        }
        .abi_encode()
    );
    assert_eq!(markets.sender(alice).market_count(), 0);
    assert_eq!(list(admin, weth.address(), good).motsu_unwrap(), 0);
    assert_eq!(list(admin, weth.address(), good).motsu_unwrap(), 1);
    markets.assert_emitted(&MarketListed {
        market: 1,
        underlying: weth.address(),
        minSize: cents(1),
        tick: cents(1),
        makerFee: bp(2),
        takerFee: bp(5),
        maxOpenInterest: wad(1000),
        fundingCap: bp(75),
    });
    assert_eq!(markets.sender(alice).market_count(), 2);
    assert_eq!(
        markets.sender(alice).market(1).motsu_unwrap(),
        (
            weth.address(),
            cents(1),
            cents(1),
            bp(2),
            bp(5),
            wad(1000),
            bp(75),
            U256::ZERO
        )
    );
    assert_eq!(
        markets.sender(alice).rules(1).motsu_unwrap(),
        (cents(1), cents(1))
    );
    assert!(matches!(
        markets.sender(alice).rules(2).motsu_unwrap_err(),
        MarketsError::UnknownMarket(UnknownMarket { market: 2 })
    ));
    // Only the wired clearinghouse records fills; it is wired once.
    let err = markets
        .sender(alice)
        .on_fill(0, wad(3000), wad(1), swad(1), true)
        .motsu_unwrap_err();
    assert_eq!(err, NotClearinghouse { caller: alice }.abi_encode());
    markets
        .sender(admin)
        .set_clearinghouse(alice)
        .motsu_unwrap();
    markets.assert_emitted(&ClearinghouseSet {
        clearinghouse: alice,
    });
    assert!(matches!(
        markets.sender(admin).set_clearinghouse(admin).motsu_unwrap_err(),
        MarketsError::ClearinghouseAlreadySet(ClearinghouseAlreadySet { clearinghouse }) if clearinghouse == alice
    ));
    assert_eq!(
        markets.sender(admin).wiring(),
        (w.risk.address(), alice, Address::ZERO)
    );
}

#[motsu::test]
fn a_hedged_book_needs_far_less_margin_than_a_naked_one(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    ch: Contract<Clearinghouse>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    ex: Address,
    fees: Address,
) {
    let w =
        world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin; ch.address());
    setup(
        &w,
        &markets,
        &ch,
        ex,
        (account::encode(fees, 1), account::encode(fees, 2)),
    );
    // Alice: 10 WETH spot, short 10 ETH perp. Bob: 30,000 USDC, long 10 ETH perp.
    w.fund(w.weth, alice, units(10, 18));
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(10, 18))
        .motsu_unwrap();
    deposit_usdc(&w, bob, 30_000);
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));
    ch.sender(ex)
        .apply_fill(0, b, a, wad(3000), swad(10))
        .motsu_unwrap();
    let (eq_a, mm_a, im_a) = margin.sender(alice).health(a).motsu_unwrap();
    let (eq_b, mm_b, im_b) = margin.sender(bob).health(b).motsu_unwrap();
    // Alice took: taker fee 5 bp of 30,000 = 15; Bob made: 2 bp = 6.
    assert_eq!(eq_a, swad(30_000) - swad(15));
    assert_eq!(eq_b, swad(30_000) - swad(6));
    let (em_a, ei_a) = expected_requirements(&w, swad(-15), swad(10), swad(-10), wad(3000));
    let (em_b, ei_b) = expected_requirements(&w, swad(30_000 - 6), I256::ZERO, swad(10), wad(3000));
    assert_eq!((mm_a, im_a), (em_a, ei_a));
    assert_eq!((mm_b, im_b), (em_b, ei_b));
    // The hedge nets to the notional floor (0.5 % of 30,000 = 150, and 1.5 times it for the
    // initial requirement): the naked book needs several times as much initial margin for the
    // same notional.
    assert_eq!((mm_a, im_a), (wad(150), wad(225)));
    assert!(im_b > im_a * U256::from(4), "naked {im_b} vs hedged {im_a}");
}

#[motsu::test]
fn market_parameters_change_within_their_rules(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    risk_admin: Address,
    mallory: Address,
) {
    use perp_markets::{param, MarketParameterSet, MarketsError, RISK_ADMIN_ROLE};
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    markets.sender(admin).constructor(admin, w.risk.address());
    list_eth(&w, &markets, wad(1000));
    markets
        .sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    // Strangers and unknown markets or codes are refused.
    assert!(matches!(
        markets
            .sender(mallory)
            .configure_market(0, param::MAX_OPEN_INTEREST, wad(10))
            .motsu_unwrap_err(),
        MarketsError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        markets
            .sender(admin)
            .configure_market(5, param::MAX_OPEN_INTEREST, wad(10))
            .motsu_unwrap_err(),
        MarketsError::UnknownMarket(_)
    ));
    assert!(matches!(
        markets
            .sender(admin)
            .configure_market(0, 10, wad(10))
            .motsu_unwrap_err(),
        MarketsError::ParameterOutOfBounds(_)
    ));
    // Lowering the open-interest cap lowers risk: the risk admin, at once.
    markets
        .sender(risk_admin)
        .configure_market(0, param::MAX_OPEN_INTEREST, wad(500))
        .motsu_unwrap();
    markets.assert_emitted(&MarketParameterSet {
        market: 0,
        param: param::MAX_OPEN_INTEREST,
        oldValue: wad(1000),
        newValue: wad(500),
    });
    assert_eq!(markets.sender(mallory).market(0).motsu_unwrap().5, wad(500));
    // Raising a fee lowers risk too, within its 0.05 pp step; lowering it
    // (or raising the cap) is the admin's.
    assert!(matches!(
        markets
            .sender(risk_admin)
            .configure_market(0, param::TAKER_FEE, bp(11))
            .motsu_unwrap_err(),
        MarketsError::ParameterStepTooLarge(_)
    ));
    markets
        .sender(risk_admin)
        .configure_market(0, param::TAKER_FEE, bp(10))
        .motsu_unwrap();
    assert!(matches!(
        markets
            .sender(risk_admin)
            .configure_market(0, param::MAKER_FEE, bp(1))
            .motsu_unwrap_err(),
        MarketsError::UnauthorizedAccount(_)
    ));
    // Once a day per parameter, for anyone.
    assert!(matches!(
        markets
            .sender(admin)
            .configure_market(0, param::MAX_OPEN_INTEREST, wad(2000))
            .motsu_unwrap_err(),
        MarketsError::ParameterChangedTooSoon(perp_markets::ParameterChangedTooSoon { nextAllowedAt, .. })
            if nextAllowedAt == NOW + 86_400
    ));
    markets
        .sender(admin)
        .configure_market(0, param::FUNDING_CAP, bp(100))
        .motsu_unwrap();
    assert_eq!(markets.sender(mallory).market(0).motsu_unwrap().6, bp(100));
}

#[motsu::test]
fn health_with_refuses_malformed_books(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
) {
    use margin_engine::LengthMismatch;
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    deposit_usdc(&w, alice, 1_000);
    let a = account::encode(alice, 0);
    let weth_a = weth.address();
    // Sizes and costs must match the underlyings one to one.
    let err = margin
        .sender(alice)
        .health_with(a, vec![weth_a], vec![swad(1)], vec![], false)
        .motsu_unwrap_err();
    assert_eq!(err, LengthMismatch {}.abi_encode());
    // A position on an underlying the engine has no haircut for: its
    // error passes through unchanged.
    let stranger = Address::with_last_byte(1);
    let err = margin
        .sender(alice)
        .health_with(a, vec![stranger], vec![swad(1)], vec![I256::ZERO], false)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        risk_engine::UnknownAsset { asset: stranger }.abi_encode()
    );
    // A well-formed empty book: USDC at par, its haircut as the requirement.
    let (eq, mm, im) = margin
        .sender(alice)
        .health_with(a, vec![], vec![], vec![], false)
        .motsu_unwrap();
    let (um, ui) = engine.sender(alice).haircut(usdc.address()).motsu_unwrap();
    assert_eq!(eq, swad(1_000));
    assert_eq!((mm, im), (wad(1_000) * um / WAD, wad(1_000) * ui / WAD));
}

/// The band and the premium's notional and time constant (DESIGN section
/// 15): defaults at listing, bounds, steps, one day between changes, who may
/// apply which direction, events with the old and new values, refusals that
/// leave the parameters unchanged.
#[motsu::test]
fn funding_parameters_change_within_their_rules(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    markets: Contract<PerpMarkets>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    risk_admin: Address,
    mallory: Address,
) {
    use perp_markets::{
        param, MarketParameterSet, MarketsError, ParameterChangedTooSoon, ParameterOutOfBounds,
        ParameterStepTooLarge, RISK_ADMIN_ROLE,
    };
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    markets.sender(admin).constructor(admin, w.risk.address());
    list_eth(&w, &markets, wad(1000));
    markets
        .sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    let defaults = (bp(500), wad(100_000), 3_600u64);
    assert_eq!(
        markets.sender(mallory).funding_parameters(0).motsu_unwrap(),
        defaults
    );
    assert!(matches!(
        markets
            .sender(mallory)
            .funding_parameters(1)
            .motsu_unwrap_err(),
        MarketsError::UnknownMarket(_)
    ));
    let refused = |who: Address, code: u8, value: U256| {
        let e = markets
            .sender(who)
            .configure_market(0, code, value)
            .motsu_unwrap_err();
        assert_eq!(
            markets.sender(who).funding_parameters(0).motsu_unwrap(),
            defaults
        );
        e
    };
    // Strangers; out of bounds (0.5 % ..= 20 %, 1,000 ..= 10^12 quote, 5 min ..= 24 h).
    assert!(matches!(
        refused(mallory, param::MAX_FILL_DEVIATION, bp(400)),
        MarketsError::UnauthorizedAccount(_)
    ));
    for (code, value) in [
        (param::MAX_FILL_DEVIATION, bp(49)),
        (param::MAX_FILL_DEVIATION, bp(2_001)),
        (param::PREMIUM_NOTIONAL, wad(999)),
        (param::PREMIUM_NOTIONAL, wad(1_000_000_000_001)),
        (param::PREMIUM_TAU, U256::from(299)),
        (param::PREMIUM_TAU, U256::from(86_401)),
    ] {
        assert!(matches!(
            refused(admin, code, value),
            MarketsError::ParameterOutOfBounds(ParameterOutOfBounds { param, value: v })
                if param == code && v == value
        ));
    }
    // Steps: 1 pp for the band, 1 h for tau, at most doubling the notional.
    for (code, value) in [
        (param::MAX_FILL_DEVIATION, bp(399)),
        (param::PREMIUM_NOTIONAL, wad(200_001)),
        (param::PREMIUM_TAU, U256::from(7_201)),
    ] {
        assert!(matches!(
            refused(admin, code, value),
            MarketsError::ParameterStepTooLarge(ParameterStepTooLarge { param, newValue, .. })
                if param == code && newValue == value
        ));
    }
    // Risk-raising directions (a wider band, a smaller notional, a shorter
    // tau) are the admin's (the timelock's); the risk admin is refused.
    for (code, value) in [
        (param::MAX_FILL_DEVIATION, bp(600)),
        (param::PREMIUM_NOTIONAL, wad(50_000)),
        (param::PREMIUM_TAU, U256::from(1_800)),
    ] {
        assert!(matches!(
            refused(risk_admin, code, value),
            MarketsError::UnauthorizedAccount(_)
        ));
    }
    // Risk-lowering directions apply at once for the risk admin, with events.
    for (code, old, new) in [
        (param::MAX_FILL_DEVIATION, bp(500), bp(400)),
        (param::PREMIUM_NOTIONAL, wad(100_000), wad(200_000)),
        (param::PREMIUM_TAU, U256::from(3_600), U256::from(7_200)),
    ] {
        markets
            .sender(risk_admin)
            .configure_market(0, code, new)
            .motsu_unwrap();
        markets.assert_emitted(&MarketParameterSet {
            market: 0,
            param: code,
            oldValue: old,
            newValue: new,
        });
    }
    let changed = (bp(400), wad(200_000), 7_200u64);
    assert_eq!(
        markets.sender(mallory).funding_parameters(0).motsu_unwrap(),
        changed
    );
    // Once a day per parameter, even for the admin.
    assert!(matches!(
        markets
            .sender(admin)
            .configure_market(0, param::PREMIUM_TAU, U256::from(3_600))
            .motsu_unwrap_err(),
        MarketsError::ParameterChangedTooSoon(ParameterChangedTooSoon { param, nextAllowedAt })
            if param == param::PREMIUM_TAU && nextAllowedAt == NOW + 86_400
    ));
    assert_eq!(
        markets.sender(mallory).funding_parameters(0).motsu_unwrap(),
        changed
    );
}
