//! Liquidations end to end on motsu: the Liquidator and the Backstop with the
//! CircuitBreaker, the InsuranceFund and every clearing contract, real
//! signatures, mock tokens and feeds.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use backstop::Backstop;
use circuit_breaker::{CircuitBreaker, GUARDIAN_ROLE, LIQUIDATOR_ROLE};
use clearing_core::{
    account, mul_down, penalty_amount, penalty_rate, size_to_restore, split_penalty, WAD,
};
use clearinghouse::Clearinghouse;
use collateral_vault::{CollateralVault, CLEARING_ROLE};
use common::clearing::*;
use common::*;
use exchange::{Exchange, Order};
use insurance_fund::{InsuranceFund, COVER_ROLE};
use liquidator::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use perp_markets::PerpMarkets;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

/// The liquidation contracts on top of the clearing system.
struct Protocol<'a> {
    c: Clearing<'a>,
    breaker: &'a Contract<CircuitBreaker>,
    fund: &'a Contract<InsuranceFund>,
    liq: &'a Contract<Liquidator>,
    backstop: &'a Contract<Backstop>,
    fund_account: B256,
}

impl<'a> Protocol<'a> {
    /// Deploys and wires the fund, the breaker, the liquidator and the
    /// backstop; fees' insurance share now goes to the fund's sub-account;
    /// `guardian` may trip the breaker; the liquidation rate limit is 100 %
    /// of open interest per window.
    fn deploy(
        c: Clearing<'a>,
        breaker: &'a Contract<CircuitBreaker>,
        fund: &'a Contract<InsuranceFund>,
        liq: &'a Contract<Liquidator>,
        backstop: &'a Contract<Backstop>,
        guardian: Address,
    ) -> Self {
        let w = &c.w;
        let admin = w.admin;
        fund.sender(admin)
            .constructor(admin, w.vault.address(), w.usdc.address(), 6)
            .motsu_unwrap();
        breaker
            .sender(admin)
            .constructor(admin, w.risk.address(), fund.address());
        liq.sender(admin).constructor(
            admin,
            c.ch.address(),
            c.markets.address(),
            w.margin.address(),
            w.engine.address(),
            w.risk.address(),
            w.vault.address(),
            breaker.address(),
            fund.address(),
        );
        backstop.sender(admin).constructor(
            liq.address(),
            c.ch.address(),
            c.markets.address(),
            w.margin.address(),
            w.engine.address(),
            w.risk.address(),
            w.vault.address(),
            breaker.address(),
            fund.address(),
        );
        for who in [fund.address(), liq.address(), backstop.address()] {
            w.vault
                .sender(admin)
                .grant_role(CLEARING_ROLE.into(), who)
                .motsu_unwrap();
        }
        for who in [liq.address(), backstop.address()] {
            breaker
                .sender(admin)
                .grant_role(LIQUIDATOR_ROLE.into(), who)
                .motsu_unwrap();
        }
        breaker
            .sender(admin)
            .grant_role(GUARDIAN_ROLE.into(), guardian)
            .motsu_unwrap();
        fund.sender(admin)
            .grant_role(COVER_ROLE.into(), backstop.address())
            .motsu_unwrap();
        // One position is most of the open interest in these tests: let a
        // liquidation take all of it in one window (the default 20 % is
        // tested on its own).
        breaker
            .sender(admin)
            .set_parameter(circuit_breaker::param::RATE_LIMIT, WAD)
            .motsu_unwrap();
        c.ch.sender(admin)
            .set_liquidator(liq.address())
            .motsu_unwrap();
        c.markets
            .sender(admin)
            .set_liquidator(backstop.address())
            .motsu_unwrap();
        let fund_account = fund.sender(admin).account();
        c.ch.sender(admin)
            .set_fee_config(fund_account, c.treasury, pct(50))
            .motsu_unwrap();
        Protocol {
            c,
            breaker,
            fund,
            liq,
            backstop,
            fund_account,
        }
    }

    fn eth(&self, dollars: i64) {
        self.c
            .w
            .eth_feed
            .sender(self.c.w.admin)
            .set_answer(I256::try_from(dollars * E8).unwrap(), U256::from(NOW));
    }

    /// `maker` takes `size` (signed) from `taker` at `price` in market 0.
    fn trade(&self, maker: &Account, taker: &Account, size: i64, price: u64, nonce: u64) {
        let m = self.c.order(maker.address(), swad(size), wad(price), nonce);
        let t = self
            .c
            .order(taker.address(), swad(-size), wad(price), nonce);
        let (ms, ts) = (self.c.sign(maker, &m), self.c.sign(taker, &t));
        self.c
            .settle(&m, &ms, &t, &ts, wad(size.unsigned_abs()))
            .unwrap();
    }

    fn health(&self, a: B256) -> (I256, U256, U256) {
        self.c
            .w
            .margin
            .sender(self.c.matcher)
            .health(a)
            .motsu_unwrap()
    }

    fn size(&self, a: B256) -> I256 {
        self.c.ch.sender(self.c.matcher).position_sizes(0, a, a).0
    }
}

macro_rules! protocol {
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $markets:ident, $ch:ident, $ex:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident, $matcher:ident, $fees:ident, $breaker:ident, $fund:ident, $liq:ident, $backstop:ident, $guardian:ident) => {{
        let c = clearing!(
            $risk, $vault, $engine, $margin, $markets, $ch, $ex, $usdc, $weth, $usdc_feed,
            $eth_feed, $admin, $matcher, $fees
        );
        Protocol::deploy(c, &$breaker, &$fund, &$liq, &$backstop, $guardian)
    }};
}

#[motsu::test]
fn partial_liquidation_restores_initial_health_and_splits_the_penalty(
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
    alice: Account,
    bob: Account,
    kim: Account,
) {
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian
    );
    p.c.deposit(alice.address(), 0, &usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, &usdc, units(10_000, 6));
    p.c.deposit(kim.address(), 0, &usdc, units(100_000, 6));
    let (b, k) = (
        account::encode(bob.address(), 0),
        account::encode(kim.address(), 0),
    );
    // Bob shorts 20 ETH at 3000; healthy, so nobody may liquidate him.
    p.trade(&alice, &bob, 20, 3000, 1);
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    let e = AccountHealthy::abi_decode(&err, true).unwrap();
    assert_eq!(e.account, b);

    // ETH to 3450: Bob is below maintenance (not deeply).
    p.eth(3450);
    let (eq, mm, im) = p.health(b);
    assert!(eq < I256::from_raw(mm) && eq > I256::from_raw(mm / U256::from(2)));
    // Self-liquidation and a zero size are refused.
    let err = liq
        .sender(bob.address())
        .liquidate(b, 1, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(err, SelfLiquidation { account: b }.abi_encode());
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, U256::ZERO)
        .motsu_unwrap_err();
    assert_eq!(err, ZeroAmount {}.abi_encode());
    // A keeper without collateral cannot take the position over.
    let err = liq
        .sender(kim.address())
        .liquidate(b, 7, 0, wad(20))
        .motsu_unwrap_err();
    let e = LiquidatorBelowInitialMargin::abi_decode(&err, true).unwrap();
    assert_eq!(e.liquidator, account::encode(kim.address(), 7));
    assert_eq!(p.size(b), swad(-20));

    // The size that restores initial health under the linear model, from the
    // same inputs the contract sees.
    let price = wad(3450);
    let (hm, hi) = engine.sender(admin).haircut(weth.address()).motsu_unwrap();
    let penalty = penalty_rate(hm, 5, pct(1) / U256::from(2)).unwrap();
    assert_eq!(
        penalty,
        pct(1) / U256::from(2),
        "a fifth of 2.1 % is below the 0.5 % floor"
    );
    let expected = size_to_restore(
        eq,
        im,
        wad(20),
        price,
        hi,
        penalty,
        mul_down(cents(1), price).unwrap(),
    )
    .unwrap();
    assert!(expected > U256::ZERO && expected < wad(20));
    let fund_before = vault.sender(admin).quote_balance(p.fund_account);
    let bob_quote = vault.sender(admin).quote_balance(b);
    let closed = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap();
    assert_eq!(closed, expected);
    let closed_i = I256::from_raw(closed);
    assert_eq!(p.size(b), swad(-20) + closed_i);
    assert_eq!(p.size(k), -closed_i);
    // The penalty, split to the wei.
    let amount = penalty_amount(closed, price, penalty).unwrap();
    let split = split_penalty(amount, pct(50)).unwrap();
    liq.assert_emitted(&Liquidated {
        account: b,
        liquidator: k,
        market: 0,
        sizeDelta: closed_i,
        price,
        penalty: amount,
        keeperReward: split.keeper,
        insuranceShare: split.insurance,
    });
    assert_eq!(
        vault.sender(admin).quote_balance(p.fund_account) - fund_before,
        I256::from_raw(split.insurance)
    );
    assert_eq!(
        vault.sender(admin).quote_balance(k),
        I256::from_raw(split.keeper)
    );
    // Bob realised (3000 - 3450) per ETH closed and paid the penalty.
    let realised = (swad(3000) - swad(3450)) * closed_i / I256::from_raw(WAD);
    assert_eq!(
        vault.sender(admin).quote_balance(b),
        bob_quote + realised - I256::from_raw(amount)
    );
    // Initial health is back at or above zero, so a second liquidation is refused.
    let (eq2, mm2, im2) = p.health(b);
    assert!(eq2 >= I256::from_raw(im2));
    assert!(eq2 - I256::from_raw(mm2) > eq - I256::from_raw(mm));
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &AccountHealthy::SELECTOR[..]);
}

#[motsu::test]
fn dust_is_liquidated_whole(
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
    alice: Account,
    bob: Account,
    kim: Account,
) {
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian
    );
    // A second ETH market with a 5 ETH minimum size.
    markets
        .sender(admin)
        .list_market(
            weth.address(),
            wad(5),
            cents(1),
            bp(2),
            bp(5),
            wad(1000),
            bp(75),
        )
        .motsu_unwrap();
    p.c.deposit(alice.address(), 0, &usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, &usdc, units(2_000, 6));
    p.c.deposit(kim.address(), 0, &usdc, units(100_000, 6));
    let b = account::encode(bob.address(), 0);
    let m = Order {
        market: 1,
        ..p.c.order(alice.address(), swad(6), wad(3000), 1)
    };
    let t = Order {
        market: 1,
        ..p.c.order(bob.address(), swad(-6), wad(3000), 1)
    };
    p.c.settle(&m, &p.c.sign(&alice, &m), &t, &p.c.sign(&bob, &t), wad(6))
        .unwrap();
    p.eth(3270);
    let (eq, mm, im) = p.health(b);
    assert!(eq < I256::from_raw(mm));
    // Without the dust rule about half would do; what would remain is below
    // the 5 ETH minimum, so all 6 ETH are taken over.
    let price = wad(3270);
    let (_, hi) = engine.sender(admin).haircut(weth.address()).motsu_unwrap();
    let penalty = pct(1) / U256::from(2);
    let partial = size_to_restore(eq, im, wad(6), price, hi, penalty, U256::ZERO).unwrap();
    assert!(partial < wad(6) && wad(6) - partial < wad(5));
    let closed = liq
        .sender(kim.address())
        .liquidate(b, 0, 1, wad(6))
        .motsu_unwrap();
    assert_eq!(closed, wad(6));
    assert_eq!(ch.sender(admin).open_markets(b), Vec::<u32>::new());
    // Unknown position: nothing in market 0.
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(1))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &AccountHealthy::SELECTOR[..]);
}
