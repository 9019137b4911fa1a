//! Liquidations end to end on motsu: the Liquidator and the Backstop with the
//! CircuitBreaker, the InsuranceFund and every clearing contract, real
//! signatures, mock tokens and feeds. Each scenario runs twice (DESIGN section 7, "Modes"): in
//! cross mode, and with every trading account in portfolio mode.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use backstop::Backstop;
use circuit_breaker::CircuitBreaker;
use clearing_core::{
    mul_down, penalty_amount, penalty_rate, size_to_restore, split_penalty, trading::account, WAD,
};
use clearinghouse::Clearinghouse;
use collateral_vault::CollateralVault;
use common::clearing::*;
use common::protocol::*;
use common::*;
use exchange::{Exchange, Order};
use insurance_fund::InsuranceFund;
use liquidator::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use option_markets::OptionMarkets;
use perp_markets::PerpMarkets;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

/// Each scenario `name(portfolio)` as two tests, `name::cross` and `name::portfolio` (every
/// trading account switched to portfolio mode, the minimum equity lowered to zero).
macro_rules! both_modes {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[motsu::test]
                fn cross() {
                    super::$name(false);
                }

                #[motsu::test]
                fn portfolio() {
                    super::$name(true);
                }
            }
        )*
    };
}

both_modes!(
    partial_liquidation_restores_initial_health_and_splits_the_penalty,
    dust_is_liquidated_whole,
    bad_debt_is_covered_by_the_fund_first,
    bad_debt_beyond_the_fund_is_socialised_on_the_side_that_profited,
    collateral_is_sold_to_cover_quote_debt,
    the_breaker_gates_liquidations_but_not_deposits_or_closing_fills,
    the_rate_limit_throttles_a_large_liquidation,
);

/// The contracts and accounts every scenario uses, made by tag as `#[motsu::test]` makes its
/// arguments (a scenario is a plain function, so that it can run in both margin modes).
struct Env {
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
    options: Contract<OptionMarkets>,
    admin: Address,
    matcher: Address,
    fees: Address,
    guardian: Address,
    alice: Account,
    bob: Account,
    kim: Account,
}

impl Env {
    fn new() -> Self {
        Self {
            risk: Contract::<RiskModule>::from_tag("risk"),
            vault: Contract::<CollateralVault>::from_tag("vault"),
            engine: Contract::<RiskEngine>::from_tag("engine"),
            margin: Contract::<MarginEngine>::from_tag("margin"),
            markets: Contract::<PerpMarkets>::from_tag("markets"),
            ch: Contract::<Clearinghouse>::from_tag("ch"),
            ex: Contract::<Exchange>::from_tag("ex"),
            usdc: Contract::<MockErc20>::from_tag("usdc"),
            weth: Contract::<MockErc20>::from_tag("weth"),
            usdc_feed: Contract::<MockAggregator>::from_tag("usdc_feed"),
            eth_feed: Contract::<MockAggregator>::from_tag("eth_feed"),
            breaker: Contract::<CircuitBreaker>::from_tag("breaker"),
            fund: Contract::<InsuranceFund>::from_tag("fund"),
            liq: Contract::<Liquidator>::from_tag("liq"),
            backstop: Contract::<Backstop>::from_tag("backstop"),
            options: Contract::<OptionMarkets>::from_tag("options"),
            admin: Address::from_tag("admin"),
            matcher: Address::from_tag("matcher"),
            fees: Address::from_tag("fees"),
            guardian: Address::from_tag("guardian"),
            alice: Account::from_tag("alice"),
            bob: Account::from_tag("bob"),
            kim: Account::from_tag("kim"),
        }
    }
}

fn partial_liquidation_restores_initial_health_and_splits_the_penalty(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
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
    let fund_before = vault.sender(admin).quote_balance(p.fund_account).unwrap();
    let bob_quote = vault.sender(admin).quote_balance(b).unwrap();
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
        vault.sender(admin).quote_balance(p.fund_account).unwrap() - fund_before,
        I256::from_raw(split.insurance)
    );
    assert_eq!(
        vault.sender(admin).quote_balance(k).unwrap(),
        I256::from_raw(split.keeper)
    );
    // Bob realised (3000 - 3450) per ETH closed and paid the penalty.
    let realised = (swad(3000) - swad(3450)) * closed_i / I256::from_raw(WAD);
    assert_eq!(
        vault.sender(admin).quote_balance(b).unwrap(),
        bob_quote + realised - I256::from_raw(amount)
    );
    // Cross mode: initial health is back at or above zero (the linear model is exact for this
    // naked position). Portfolio mode: the correlation credit between Bob's USDC and his short
    // shrinks with the position, so the real relief per unit closed is below the model's and
    // the same size leaves initial health short of zero (by 10.8 of 754 here); the size never
    // exceeds what restores initial health, maintenance health is back above zero and both
    // healths rose. Either way a second liquidation is refused.
    let (eq2, mm2, im2) = p.health(b);
    if portfolio {
        assert!(
            eq2 < I256::from_raw(im2),
            "the model undershoots in portfolio mode"
        );
        assert!(eq2 >= I256::from_raw(mm2));
        assert!(eq2 - I256::from_raw(im2) > eq - I256::from_raw(im));
    } else {
        assert!(eq2 >= I256::from_raw(im2));
    }
    assert!(eq2 - I256::from_raw(mm2) > eq - I256::from_raw(mm));
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &AccountHealthy::SELECTOR[..]);
}

fn dust_is_liquidated_whole(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
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

/// Bob shorts 2 ETH at 3000 on 1,000 USDC and ETH jumps to 3,600: his
/// equity is negative; Kim liquidates all of it. Returns Bob's account.
fn crash_bob(p: &Protocol, alice: &Account, bob: &Account, kim: &Account) -> B256 {
    p.c.deposit(alice.address(), 0, p.c.w.usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, p.c.w.usdc, units(1_000, 6));
    p.c.deposit(kim.address(), 0, p.c.w.usdc, units(100_000, 6));
    let b = account::encode(bob.address(), 0);
    p.trade(alice, bob, 2, 3000, 1);
    p.eth(3600);
    let (eq, _, _) = p.health(b);
    assert!(eq.is_negative());
    let closed = p
        .liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(2))
        .motsu_unwrap();
    assert_eq!(closed, wad(2), "nothing short of all restores health");
    b
}

/// The value the accounts hold besides their USDC tokens: quote balances,
/// unrealised PnL and pending funding and losses (equity at oracle prices
/// less tokens, USDC being priced at exactly 1.00 here). Trading, fees,
/// penalties and the fund's cover only move it between accounts.
fn quote_total(p: &Protocol, accounts: &[B256]) -> I256 {
    let (v, m, usdc) = (p.c.w.vault, p.c.w.margin, p.c.w.usdc.address());
    accounts.iter().fold(I256::ZERO, |s, a| {
        let (equity, _, _) = m.sender(p.c.matcher).health(*a).motsu_unwrap();
        let tokens = v.sender(p.c.matcher).balance_of(*a, usdc) * U256::from(10u64.pow(12));
        s + equity - I256::from_raw(tokens)
    })
}

fn bad_debt_is_covered_by_the_fund_first(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
    // The fund holds 10,000 USDC besides its fee and penalty income.
    w_top_up(&p, admin, 10_000);
    let b = crash_bob(&p, &alice, &bob, &kim);
    let (a, k) = (
        account::encode(alice.address(), 0),
        account::encode(kim.address(), 0),
    );
    let everyone = [a, b, k, p.fund_account, p.c.treasury];
    let total_before = quote_total(&p, &everyone);
    // Bob's equity: 1,000 of tokens plus his quote balance.
    let deficit = (swad(1000) + vault.sender(admin).quote_balance(b).unwrap()).unsigned_abs();
    let fund_before = fund.sender(admin).balance().motsu_unwrap();
    let (covered, socialised) = backstop
        .sender(kim.address())
        .settle_bad_debt(b)
        .motsu_unwrap();
    assert_eq!((covered, socialised), (deficit, U256::ZERO));
    backstop.assert_emitted(&backstop::BadDebtSettled {
        account: b,
        deficit,
        covered: deficit,
        socialised: U256::ZERO,
        market: 0,
        longsPay: false,
    });
    assert_eq!(
        fund.sender(admin).balance().motsu_unwrap(),
        fund_before - I256::from_raw(deficit)
    );
    // Bob is square; quote moved from the fund to Bob only.
    assert_eq!(
        swad(1000) + vault.sender(admin).quote_balance(b).unwrap(),
        I256::ZERO
    );
    assert_eq!(quote_total(&p, &everyone), total_before);
    // Nothing left to settle.
    let err = backstop
        .sender(kim.address())
        .settle_bad_debt(b)
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &backstop::NoBadDebt::SELECTOR[..]);
}

/// Tops the fund up with `amount` USDC from `who`.
fn w_top_up(p: &Protocol, who: Address, amount: u64) {
    p.c.w.fund(p.c.w.usdc, who, units(amount, 6));
    p.c.w
        .usdc
        .sender(who)
        .approve(p.fund.address(), units(amount, 6))
        .motsu_unwrap();
    p.fund.sender(who).top_up(units(amount, 6)).motsu_unwrap();
}

fn bad_debt_beyond_the_fund_is_socialised_on_the_side_that_profited(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
    let b = crash_bob(&p, &alice, &bob, &kim);
    let (a, k) = (
        account::encode(alice.address(), 0),
        account::encode(kim.address(), 0),
    );
    let everyone = [a, b, k, p.fund_account, p.c.treasury];
    let total_before = quote_total(&p, &everyone);
    assert_eq!(
        total_before,
        I256::ZERO,
        "quote is zero-sum until bad debt settles"
    );
    let deficit = (swad(1000) + vault.sender(admin).quote_balance(b).unwrap()).unsigned_abs();
    // The fund only has its fee and penalty income.
    let available = fund.sender(admin).balance().motsu_unwrap().into_raw();
    assert!(available > U256::ZERO && available < deficit);
    let rest = deficit - available;
    let alice_pending = ch.sender(admin).position(a, 0).motsu_unwrap().3;
    let (covered, socialised) = backstop
        .sender(kim.address())
        .settle_bad_debt(b)
        .motsu_unwrap();
    assert_eq!((covered, socialised), (available, rest));
    // Bob was short: the longs (Alice, 2 ETH of open interest) pay.
    let per_unit = clearing_core::socialised_charge(rest, wad(2)).unwrap();
    markets.assert_emitted(&perp_markets::LossSocialised {
        market: 0,
        longsPay: true,
        amount: rest,
        openInterest: wad(2),
        perUnit: per_unit,
        lossIndex: per_unit,
    });
    backstop.assert_emitted(&backstop::BadDebtSettled {
        account: b,
        deficit,
        covered: available,
        socialised: rest,
        market: 0,
        longsPay: true,
    });
    assert_eq!(
        markets.sender(admin).socialised_losses(0).motsu_unwrap(),
        (per_unit, U256::ZERO)
    );
    // Alice owes it at once (pending, in her health); Kim's short owes nothing.
    let owed =
        clearing_core::funding_payment(swad(2), I256::ZERO, I256::from_raw(per_unit)).unwrap();
    assert_eq!(
        ch.sender(admin).position(a, 0).motsu_unwrap().3,
        alice_pending + owed
    );
    assert!(
        -owed >= I256::from_raw(rest) && -owed <= I256::from_raw(rest) + I256::try_from(2).unwrap()
    );
    assert_eq!(ch.sender(admin).position(k, 0).motsu_unwrap().3, I256::ZERO);
    // Bob is square, the fund is empty, and quote plus what is owed is
    // conserved up to the rounding of the charge (in the protocol's favour).
    assert_eq!(
        swad(1000) + vault.sender(admin).quote_balance(b).unwrap(),
        I256::ZERO
    );
    assert_eq!(fund.sender(admin).balance().motsu_unwrap(), I256::ZERO);
    let drift = quote_total(&p, &everyone) - total_before;
    assert!(
        drift <= I256::ZERO && drift >= -I256::try_from(2).unwrap(),
        "{drift}"
    );
    // Only the backstop socialises, only the liquidator books liquidations,
    // only the backstop draws on the fund.
    let err = markets
        .sender(alice.address())
        .socialize(0, true, wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        perp_markets::NotLiquidator {
            caller: alice.address()
        }
        .abi_encode()
    );
    let err = ch
        .sender(alice.address())
        .apply_liquidation(0, a, k, wad(3600), swad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        clearinghouse::NotLiquidator {
            caller: alice.address()
        }
        .abi_encode()
    );
    let err = fund
        .sender(alice.address())
        .cover_bad_debt(a, wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        &err[..4],
        &openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount::SELECTOR[..]
    );
    assert_eq!(
        markets.sender(admin).socialised_losses(0).motsu_unwrap(),
        (per_unit, U256::ZERO)
    );
    // The fund was drained (100 % drawdown): a keeper's poke trips the
    // global scope until governance resets it, and liquidations stop.
    assert!(breaker.sender(kim.address()).poke_global().motsu_unwrap());
    assert_eq!(
        breaker
            .sender(kim.address())
            .scope_state(circuit_breaker::GLOBAL),
        (3, u64::MAX, 0)
    );
    assert!(!breaker
        .sender(kim.address())
        .liquidation_allowed(weth.address()));
}

fn collateral_is_sold_to_cover_quote_debt(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
    // Bob holds 1 WETH only and shorts 5 ETH perp at 3000 (1 of it hedged).
    p.c.deposit(alice.address(), 0, &usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, &weth, units(1, 18));
    p.c.deposit(kim.address(), 0, &usdc, units(100_000, 6));
    let (b, k) = (
        account::encode(bob.address(), 0),
        account::encode(kim.address(), 0),
    );
    p.trade(&alice, &bob, 5, 3000, 1);
    // ETH to 3900: the perp liquidation takes all 5 (nothing less restores
    // health) and realises the loss as quote debt larger than the WETH.
    p.eth(3900);
    // With the position open, its bad debt cannot be settled yet.
    let err = backstop
        .sender(kim.address())
        .settle_bad_debt(b)
        .motsu_unwrap_err();
    assert_eq!(err, backstop::StillLiquidatable { account: b }.abi_encode());
    let closed = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(5))
        .motsu_unwrap();
    assert_eq!(closed, wad(5));
    let debt = vault.sender(admin).quote_balance(b).unwrap();
    assert!(debt < -swad(3900));
    let (eq, mm, _) = p.health(b);
    assert!(eq.is_negative() && eq < I256::from_raw(mm));
    // A zero amount, self-liquidation and a keeper without collateral are
    // refused, and nothing moves.
    let err = backstop
        .sender(kim.address())
        .liquidate_collateral(b, 0, weth.address(), U256::ZERO)
        .motsu_unwrap_err();
    assert_eq!(err, backstop::ZeroAmount {}.abi_encode());
    let err = backstop
        .sender(bob.address())
        .liquidate_collateral(b, 1, weth.address(), wad(1))
        .motsu_unwrap_err();
    assert_eq!(err, backstop::SelfLiquidation { account: b }.abi_encode());
    let err = backstop
        .sender(kim.address())
        .liquidate_collateral(b, 7, weth.address(), wad(1))
        .motsu_unwrap_err();
    let e = backstop::LiquidatorBelowInitialMargin::abi_decode(&err, true).unwrap();
    assert_eq!(e.liquidator, account::encode(kim.address(), 7));
    assert_eq!(vault.sender(admin).balance_of(b, weth.address()), wad(1));
    assert_eq!(vault.sender(admin).quote_balance(b).unwrap(), debt);
    // The quote asset is not collateral to sell.
    let err = backstop
        .sender(kim.address())
        .liquidate_collateral(b, 0, usdc.address(), wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        backstop::NoCollateral {
            account: b,
            asset: usdc.address()
        }
        .abi_encode()
    );
    let price = wad(3900);
    let (hm, _) = engine.sender(admin).haircut(weth.address()).motsu_unwrap();
    let penalty = penalty_rate(hm, 5, pct(1) / U256::from(2)).unwrap();
    let needed =
        clearing_core::collateral_to_cover(debt.unsigned_abs(), price, penalty, 18).unwrap();
    assert!(needed > wad(1), "the WETH does not cover the whole debt");
    let amount = wad(1);
    let value = mul_down(amount, price).unwrap();
    let sale = clearing_core::collateral_sale(value, penalty, pct(50)).unwrap();
    let fund_before = vault.sender(admin).quote_balance(p.fund_account).unwrap();
    let kim_before = vault.sender(admin).quote_balance(k).unwrap();
    let sold = backstop
        .sender(kim.address())
        .liquidate_collateral(b, 0, weth.address(), wad(1))
        .motsu_unwrap();
    assert_eq!(sold, amount);
    assert_eq!(vault.sender(admin).balance_of(k, weth.address()), amount);
    assert_eq!(
        vault.sender(admin).balance_of(b, weth.address()),
        wad(1) - amount
    );
    assert_eq!(
        vault.sender(admin).quote_balance(b).unwrap(),
        debt + I256::from_raw(sale.account_credit)
    );
    assert_eq!(
        vault.sender(admin).quote_balance(k).unwrap(),
        kim_before - I256::from_raw(sale.liquidator_debit)
    );
    assert_eq!(
        vault.sender(admin).quote_balance(p.fund_account).unwrap(),
        fund_before + I256::from_raw(sale.insurance)
    );
    backstop.assert_emitted(&backstop::CollateralLiquidated {
        account: b,
        liquidator: k,
        asset: weth.address(),
        amount,
        price,
        accountCredit: sale.account_credit,
        liquidatorPaid: sale.liquidator_debit,
        insuranceShare: sale.insurance,
    });
    // Nothing is left to sell; the rest is bad debt, which the fund covers
    // from its fee and penalty income.
    let err = backstop
        .sender(kim.address())
        .liquidate_collateral(b, 0, weth.address(), wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        backstop::NoCollateral {
            account: b,
            asset: weth.address()
        }
        .abi_encode()
    );
    let deficit = vault.sender(admin).quote_balance(b).unwrap().unsigned_abs();
    let (covered, socialised) = backstop
        .sender(kim.address())
        .settle_bad_debt(b)
        .motsu_unwrap();
    assert_eq!(covered + socialised, deficit);
    assert_eq!(vault.sender(admin).quote_balance(b).unwrap(), I256::ZERO);
}

fn the_breaker_gates_liquidations_but_not_deposits_or_closing_fills(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let keeper = Address::from_tag("keeper");
    let carol = Account::from_tag("carol");
    use circuit_breaker::*;
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &carol, &kim]);
    p.c.deposit(alice.address(), 0, &usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, &usdc, units(10_000, 6));
    p.c.deposit(carol.address(), 0, &usdc, units(10_000, 6));
    p.c.deposit(kim.address(), 0, &usdc, units(100_000, 6));
    let b = account::encode(bob.address(), 0);
    // A keeper records the reference price, then Bob and Carol short.
    breaker.sender(keeper).poke(weth.address()).motsu_unwrap();
    p.trade(&alice, &bob, 20, 3000, 1);
    p.trade(&alice, &carol, 1, 3000, 2);
    p.eth(3450);
    let bob_before = p.size(b);

    // 1. The guardian trips ETH: liquidations stop, nothing moves.
    assert!(matches!(
        breaker
            .sender(kim.address())
            .trip(weth.address())
            .motsu_unwrap_err(),
        BreakerError::UnauthorizedAccount(_)
    ));
    breaker.sender(guardian).trip(weth.address()).motsu_unwrap();
    assert!(!breaker
        .sender(kim.address())
        .liquidation_allowed(weth.address()));
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        LiquidationsHalted {
            scope: weth.address(),
            reason: 4,
            until: u64::MAX
        }
        .abi_encode()
    );
    assert_eq!(p.size(b), bob_before);
    // Deposits and closing fills still work: Carol buys back her short and
    // Bob tops up his margin.
    p.trade(&carol, &alice, 1, 3450, 3);
    assert_eq!(p.size(account::encode(carol.address(), 0)), I256::ZERO);
    p.c.deposit(bob.address(), 0, &usdc, units(1, 6));
    // Only the admin resets a manual trip; a grace period follows in which
    // only deeply unhealthy accounts may be liquidated.
    assert!(matches!(
        breaker
            .sender(guardian)
            .reset(weth.address())
            .motsu_unwrap_err(),
        BreakerError::UnauthorizedAccount(_)
    ));
    breaker.sender(admin).reset(weth.address()).motsu_unwrap();
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &OnlyDeeplyUnhealthy::SELECTOR[..]);
    assert_eq!(p.size(b), bob_before);

    // 2. ETH moves more than 20 % from the reference within the window: the
    // check refuses; a keeper's poke records the trip.
    p.eth(3700);
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert!(
        err[..4] == PriceMoveHalt::SELECTOR[..] || err[..4] == OnlyDeeplyUnhealthy::SELECTOR[..],
        "{err:?}"
    );
    assert!(breaker.sender(keeper).poke(weth.address()).motsu_unwrap());
    let (reason, until, _) = breaker.sender(keeper).scope_state(weth.address());
    assert_eq!(reason, 1);
    assert!(until > NOW);
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &LiquidationsHalted::SELECTOR[..]);

    // 3. A stale oracle refuses liquidations with the risk module's error.
    eth_feed
        .sender(admin)
        .set_answer(I256::try_from(3700 * E8).unwrap(), U256::from(NOW - 7200));
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &risk_module::PriceStale::SELECTOR[..]);
    assert_eq!(p.size(b), bob_before);

    // 4. The guardian trips everything; only the admin resets it.
    breaker.sender(guardian).trip_global().motsu_unwrap();
    let (reason, until, _) = breaker.sender(keeper).scope_state(GLOBAL);
    assert_eq!((reason, until), (4, u64::MAX));
    breaker.sender(admin).reset_global().motsu_unwrap();
    assert_eq!(breaker.sender(keeper).scope_state(GLOBAL).0, 0);
}

fn the_rate_limit_throttles_a_large_liquidation(portfolio: bool) {
    #[rustfmt::skip]
    let Env { risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed,
        breaker, fund, liq, backstop, options, admin, matcher, fees, guardian, alice, bob, kim } = Env::new();
    let p = protocol!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees, breaker, fund, liq, backstop, guardian; options
    );
    p.join(portfolio, &[&alice, &bob, &kim]);
    // Governance tightens the limit by one step, 100 % to 80 % (the
    // fixture's breaker starts at 100 %).
    breaker
        .sender(admin)
        .set_parameter(circuit_breaker::param::RATE_LIMIT, pct(80))
        .motsu_unwrap();
    p.c.deposit(alice.address(), 0, &usdc, units(100_000, 6));
    p.c.deposit(bob.address(), 0, &usdc, units(10_000, 6));
    p.c.deposit(kim.address(), 0, &usdc, units(100_000, 6));
    let b = account::encode(bob.address(), 0);
    p.trade(&alice, &bob, 20, 3000, 1);
    // ETH to 3600: Bob's equity is negative, so nothing short of all 20 ETH
    // would restore his health.
    p.eth(3600);
    // Bob's 20 ETH are all the open interest: 80 % of it (16 ETH) per hour.
    let err = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(20))
        .motsu_unwrap_err();
    let e = circuit_breaker::LiquidationRateLimited::abi_decode(&err, true).unwrap();
    assert_eq!(e.cap, mul_down(wad(16), wad(3600)).unwrap());
    assert_eq!(e.windowTotal, mul_down(wad(20), wad(3600)).unwrap());
    assert_eq!(p.size(b), swad(-20));
    // A keeper may take what fits in the window.
    let closed = liq
        .sender(kim.address())
        .liquidate(b, 0, 0, wad(4))
        .motsu_unwrap();
    assert_eq!(closed, wad(4));
    assert_eq!(p.size(b), swad(-16));
    // Parameters (DESIGN section 11): strangers are refused; bounds, step
    // and interval each have their error; the risk admin may only lower
    // risk, at once; raising risk is the admin's (the timelock's).
    let risk_admin = kim.address();
    liq.sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    let stranger = alice.address();
    assert!(matches!(
        liq.sender(stranger)
            .set_parameter(param::KEEPER_SHARE, pct(60))
            .motsu_unwrap_err(),
        LiquidatorError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        liq.sender(admin)
            .set_parameter(param::MIN_PENALTY, pct(11))
            .motsu_unwrap_err(),
        LiquidatorError::ParameterOutOfBounds(ParameterOutOfBounds { param: 2, .. })
    ));
    assert!(matches!(
        liq.sender(admin)
            .set_parameter(9, U256::from(1))
            .motsu_unwrap_err(),
        LiquidatorError::ParameterOutOfBounds(ParameterOutOfBounds { param: 9, .. })
    ));
    // 50 % -> 70 % is more than the 10 pp step.
    assert!(matches!(
        liq.sender(admin)
            .set_parameter(param::KEEPER_SHARE, pct(70))
            .motsu_unwrap_err(),
        LiquidatorError::ParameterStepTooLarge(_)
    ));
    // Lowering the keeper share raises risk: not for the risk admin.
    assert!(matches!(
        liq.sender(risk_admin)
            .set_parameter(param::KEEPER_SHARE, pct(45))
            .motsu_unwrap_err(),
        LiquidatorError::UnauthorizedAccount(_)
    ));
    // Raising it lowers risk: the risk admin applies it at once.
    liq.sender(risk_admin)
        .set_parameter(param::KEEPER_SHARE, pct(60))
        .motsu_unwrap();
    liq.assert_emitted(&ParameterSet {
        param: param::KEEPER_SHARE,
        oldValue: pct(50),
        newValue: pct(60),
    });
    // A day must pass before the same parameter changes again.
    let err = liq
        .sender(admin)
        .set_parameter(param::KEEPER_SHARE, pct(55))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        LiquidatorError::ParameterChangedTooSoon(ParameterChangedTooSoon { param: 3, nextAllowedAt })
            if nextAllowedAt == NOW + 86_400
    ));
    // Another parameter is independent; the admin may raise risk (as the
    // timelock would, after its delay).
    liq.sender(admin)
        .set_parameter(param::PENALTY_DIVISOR, U256::from(6))
        .motsu_unwrap();
    // Wiring the liquidation contracts is admin-only and happens once.
    assert!(matches!(
        ch.sender(kim.address())
            .set_liquidator(kim.address())
            .motsu_unwrap_err(),
        clearinghouse::ClearinghouseError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        ch.sender(admin)
            .set_liquidator(kim.address())
            .motsu_unwrap_err(),
        clearinghouse::ClearinghouseError::LiquidatorAlreadySet(_)
    ));
    assert!(matches!(
        markets
            .sender(kim.address())
            .set_liquidator(kim.address())
            .motsu_unwrap_err(),
        perp_markets::MarketsError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        markets
            .sender(admin)
            .set_liquidator(kim.address())
            .motsu_unwrap_err(),
        perp_markets::MarketsError::LiquidatorAlreadySet(_)
    ));
    assert_eq!(ch.sender(admin).wiring().3, liq.address());
    assert_eq!(
        liq.sender(kim.address()).parameters(),
        (6, pct(1) / U256::from(2), pct(60))
    );
}
