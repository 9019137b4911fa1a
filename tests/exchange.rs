//! Signed orders end to end on motsu: real EIP-712 signatures from real keys,
//! through the Exchange, the Clearinghouse, PerpMarkets, the MarginEngine,
//! the RiskEngine, the vault, the risk module, mock tokens and mock feeds.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::{trading::account, WAD};
use clearinghouse::Clearinghouse;
use collateral_vault::CollateralVault;
use common::clearing::*;
use common::*;
use exchange::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use perp_markets::PerpMarkets;
use risk_engine::RiskEngine;
use risk_module::RiskModule;
use stylus_sdk::abi::Bytes;

#[motsu::test]
fn signed_orders_trade_settle_pnl_and_gate_withdrawals(
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
    admin: Address,
    matcher: Address,
    fees: Address,
    alice: Account,
    bob: Account,
    carol: Account,
) {
    let c = clearing!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees
    );
    let (al, bo) = (alice.address(), bob.address());
    c.deposit(al, 0, &usdc, units(10_000, 6));
    c.deposit(bo, 0, &usdc, units(10_000, 6));
    let (a, b) = (account::encode(al, 0), account::encode(bo, 0));

    // Alice rests a bid for 2 ETH at 3000; Bob sells 1 at 2990 or better:
    // the fill executes at the maker's price.
    let maker = c.order(al, swad(2), wad(3000), 1);
    let taker = c.order(bo, swad(-1), wad(2990), 1);
    assert_eq!(ex.sender(al).order_digest(maker.clone()), c.digest(&maker));
    let (ms, ts) = (c.sign(&alice, &maker), c.sign(&bob, &taker));
    c.settle(&maker, &ms, &taker, &ts, wad(1)).unwrap();
    assert_eq!(c.sizes(a, b), (swad(1), swad(-1)));
    assert_eq!(ex.sender(al).filled(c.digest(&maker)), wad(1));
    assert_eq!(ex.sender(al).filled(c.digest(&taker)), wad(1));
    ex.assert_emitted(&OrderFilled {
        makerDigest: c.digest(&maker),
        takerDigest: c.digest(&taker),
        market: 0,
        maker: a,
        taker: b,
        price: wad(3000),
        makerDelta: swad(1),
        makerFilled: wad(1),
        takerFilled: wad(1),
    });
    assert_eq!(c.quote(a), scents(-60));
    assert_eq!(c.quote(b), scents(-150));
    assert_eq!(c.quote(c.insurance), scents(105));
    assert_eq!(c.quote(c.treasury), scents(105));

    // The rest of Alice's bid fills against a new order of Bob's.
    let taker2 = c.order(bo, swad(-1), wad(3000), 2);
    let ts2 = c.sign(&bob, &taker2);
    c.settle(&maker, &ms, &taker2, &ts2, wad(1)).unwrap();
    assert_eq!(c.sizes(a, b), (swad(2), swad(-2)));
    assert_eq!(ex.sender(al).filled(c.digest(&maker)), wad(2));

    // ETH rises to 3300: Alice gains 600, Bob loses it (equity includes
    // unrealised PnL before anything settles).
    eth_feed
        .sender(admin)
        .set_answer(I256::try_from(3300 * E8).unwrap(), U256::from(NOW));
    let (eq_a, _, _) = margin.sender(al).health(a).motsu_unwrap();
    assert_eq!(eq_a, swad(10_600) - scents(120));
    let (eq_b, _, _) = margin.sender(bo).health(b).motsu_unwrap();
    assert_eq!(eq_b, swad(9_400) - scents(300));

    // Withdrawals keep initial health >= 0: Bob cannot take out what backs
    // his losing short, and nothing moves when refused.
    let err = ex
        .sender(bo)
        .withdraw(0, usdc.address(), units(9_900, 6))
        .motsu_unwrap_err();
    let (_, _, im_b_after) = {
        // The requirement the refusal reports is the one with the tokens gone.
        let e = InsufficientMargin::abi_decode(&err, true).unwrap();
        assert_eq!(e.account, b);
        assert_eq!(e.equity, eq_b - swad(9_900));
        (e.account, e.equity, e.requirement)
    };
    assert!(im_b_after > U256::ZERO);
    assert_eq!(
        vault.sender(bo).balance_of(b, usdc.address()),
        units(10_000, 6)
    );
    assert_eq!(usdc.sender(bo).balance_of(bo), U256::ZERO);
    // Carol becomes Alice's operator: she may sign Alice's orders...
    ex.sender(al)
        .set_operator(0, carol.address(), true)
        .motsu_unwrap();
    ex.assert_emitted(&OperatorSet {
        account: a,
        operator: carol.address(),
        approved: true,
    });
    let close = Order {
        reduceOnly: true,
        ..c.order(al, swad(-1), wad(3300), 3)
    };
    let bob_buys = c.order(bo, swad(1), wad(3300), 3);
    let (cs, bs) = (c.sign(&carol, &close), c.sign(&bob, &bob_buys));
    c.settle(&close, &cs, &bob_buys, &bs, wad(1)).unwrap();
    assert_eq!(c.sizes(a, b), (swad(1), swad(-1)));
    // ...but never withdraw: `withdraw` reaches only her own sub-accounts.
    let before = vault.sender(al).balance_of(a, usdc.address());
    let err = ex
        .sender(carol.address())
        .withdraw(0, usdc.address(), U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        collateral_vault::InsufficientBalance {
            account: account::encode(carol.address(), 0),
            asset: usdc.address(),
            balance: U256::ZERO,
            amount: U256::from(1),
        }
        .abi_encode()
    );
    assert_eq!(vault.sender(al).balance_of(a, usdc.address()), before);

    // Transfers between one owner's sub-accounts keep the source healthy.
    let err = ex
        .sender(bo)
        .transfer_collateral(0, 0, usdc.address(), U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(err, SameSubaccount { subaccount: 0 }.abi_encode());
    let err = ex
        .sender(bo)
        .transfer_collateral(0, 1, usdc.address(), units(10_000, 6))
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &InsufficientMargin::SELECTOR[..]);
    assert_eq!(
        vault.sender(bo).balance_of(b, usdc.address()),
        units(10_000, 6)
    );
    ex.sender(bo)
        .transfer_collateral(0, 1, usdc.address(), units(1_000, 6))
        .motsu_unwrap();
    assert_eq!(
        vault
            .sender(bo)
            .balance_of(account::encode(bo, 1), usdc.address()),
        units(1_000, 6)
    );
    assert_eq!(
        vault.sender(bo).balance_of(b, usdc.address()),
        units(9_000, 6)
    );
    // Bob may withdraw down to his initial requirement, not a unit more.
    // Each USDC withdrawn lowers equity by one and the requirement by its
    // initial haircut, so the limit is free margin / (1 - haircut).
    let (eq_b, _, im_b) = margin.sender(bo).health(b).motsu_unwrap();
    let (_, ui) = engine.sender(bo).haircut(usdc.address()).motsu_unwrap();
    let free = (eq_b - I256::from_raw(im_b)).into_raw();
    let limit = free * WAD / (WAD - ui) / U256::from(10u64.pow(12));
    let held = vault.sender(bo).balance_of(b, usdc.address());
    ex.sender(bo)
        .withdraw(0, usdc.address(), limit - U256::from(1))
        .motsu_unwrap();
    assert_eq!(usdc.sender(bo).balance_of(bo), limit - U256::from(1));
    assert_eq!(
        vault.sender(bo).balance_of(b, usdc.address()),
        held - limit + U256::from(1)
    );
    let err = ex
        .sender(bo)
        .withdraw(0, usdc.address(), U256::from(2))
        .motsu_unwrap_err();
    let e = InsufficientMargin::abi_decode(&err, true).unwrap();
    assert_eq!(e.account, b);
    assert!(e.equity < I256::from_raw(e.requirement));
    assert_eq!(usdc.sender(bo).balance_of(bo), limit - U256::from(1));
}

#[motsu::test]
fn every_refused_fill_names_its_error_and_changes_nothing(
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
    admin: Address,
    matcher: Address,
    fees: Address,
    alice: Account,
    bob: Account,
    mallory: Account,
) {
    let c = clearing!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees
    );
    let (al, bo) = (alice.address(), bob.address());
    c.deposit(al, 0, &usdc, units(10_000, 6));
    c.deposit(bo, 0, &usdc, units(10_000, 6));
    let (a, b) = (account::encode(al, 0), account::encode(bo, 0));
    let maker = c.order(al, swad(1), wad(3000), 1);
    let taker = c.order(bo, swad(-1), wad(3000), 1);
    let (ms, ts) = (c.sign(&alice, &maker), c.sign(&bob, &taker));
    let nothing_moved = |c: &Clearing| {
        assert_eq!(c.sizes(a, b), (I256::ZERO, I256::ZERO));
        assert_eq!(c.quote(a), I256::ZERO);
        assert_eq!(c.quote(b), I256::ZERO);
        assert_eq!(c.ex.sender(al).filled(c.digest(&maker)), U256::ZERO);
        assert_eq!(c.markets.sender(al).market(0).motsu_unwrap().7, U256::ZERO);
    };
    let refused = |m: &Order, msig: &Bytes, t: &Order, tsig: &Bytes, size: U256, want: Vec<u8>| {
        assert_eq!(c.settle(m, msig, t, tsig, size).unwrap_err(), want);
        nothing_moved(&c);
    };

    // A stranger's signature on Alice's order, and Bob signing Alice's order.
    let forged = c.sign(&mallory, &maker);
    refused(
        &maker,
        &forged,
        &taker,
        &ts,
        wad(1),
        UnauthorizedSigner {
            account: a,
            signer: mallory.address(),
        }
        .abi_encode(),
    );
    let foreign = c.sign(&bob, &maker);
    refused(
        &maker,
        &foreign,
        &taker,
        &ts,
        wad(1),
        UnauthorizedSigner {
            account: a,
            signer: bo,
        }
        .abi_encode(),
    );
    // A signature over different content recovers someone else.
    let mut tampered = maker.clone();
    tampered.size = swad(100);
    assert_eq!(
        &c.settle(&tampered, &ms, &taker, &ts, wad(1)).unwrap_err()[..4],
        &UnauthorizedSigner::SELECTOR[..]
    );
    nothing_moved(&c);
    refused(
        &maker,
        &Bytes(vec![0; 64]),
        &taker,
        &ts,
        wad(1),
        InvalidSignatureLength {
            length: U256::from(64),
        }
        .abi_encode(),
    );
    // Only the matcher settles.
    let err = ex
        .sender(al)
        .settle_fill(maker.clone(), ms.clone(), taker.clone(), ts.clone(), wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount {
            account: al,
            needed_role: MATCHER_ROLE.into(),
        }
        .abi_encode()
    );
    nothing_moved(&c);
    // Expired, not crossing, over-filled.
    let old = Order {
        expiry: NOW,
        ..maker.clone()
    };
    refused(
        &old,
        &c.sign(&alice, &old),
        &taker,
        &ts,
        wad(1),
        OrderExpired {}.abi_encode(),
    );
    let low = c.order(al, swad(1), wad(2999), 2);
    let high = c.order(bo, swad(-1), wad(3000), 2);
    refused(
        &low,
        &c.sign(&alice, &low),
        &high,
        &c.sign(&bob, &high),
        wad(1),
        PricesDoNotCross {}.abi_encode(),
    );
    refused(&maker, &ms, &taker, &ts, wad(2), OverFill {}.abi_encode());
    // Below min size and off tick.
    refused(
        &maker,
        &ms,
        &taker,
        &ts,
        cents(1) - U256::from(1),
        BelowMinSize {}.abi_encode(),
    );
    let odd = c.order(al, swad(1), wad(3000) + cents(1) / U256::from(2), 3);
    refused(
        &odd,
        &c.sign(&alice, &odd),
        &taker,
        &ts,
        wad(1),
        OffTick {}.abi_encode(),
    );
    // Reduce-only from a flat account.
    let ro = Order {
        reduceOnly: true,
        ..c.order(bo, swad(-1), wad(3000), 4)
    };
    refused(
        &maker,
        &ms,
        &ro,
        &c.sign(&bob, &ro),
        wad(1),
        ReduceOnlyViolated {}.abi_encode(),
    );
    // Unknown market.
    let m7 = Order {
        market: 7,
        ..maker.clone()
    };
    let t7 = Order {
        market: 7,
        ..taker.clone()
    };
    refused(
        &m7,
        &c.sign(&alice, &m7),
        &t7,
        &c.sign(&bob, &t7),
        wad(1),
        perp_markets::UnknownMarket { market: 7 }.abi_encode(),
    );
    // Open-interest cap (1000 ETH): margin would allow it with more equity,
    // the cap refuses first.
    let big_m = c.order(al, swad(1001), wad(3000), 5);
    let big_t = c.order(bo, swad(-1001), wad(3000), 5);
    refused(
        &big_m,
        &c.sign(&alice, &big_m),
        &big_t,
        &c.sign(&bob, &big_t),
        wad(1001),
        perp_markets::OpenInterestCapExceeded {
            market: 0,
            openInterest: wad(1001),
            cap: wad(1000),
        }
        .abi_encode(),
    );
    // Insufficient margin: 600,000 of notional on 10,000 of collateral.
    let huge_m = c.order(al, swad(200), wad(3000), 6);
    let huge_t = c.order(bo, swad(-200), wad(3000), 6);
    let err = c
        .settle(
            &huge_m,
            &c.sign(&alice, &huge_m),
            &huge_t,
            &c.sign(&bob, &huge_t),
            wad(200),
        )
        .unwrap_err();
    let e = InsufficientMargin::abi_decode(&err, true).unwrap();
    assert_eq!(e.account, a);
    assert!(e.equity < I256::from_raw(e.requirement));
    nothing_moved(&c);

    // Cancelled digest and nonces below the cancel mark.
    ex.sender(al).cancel_order(c.digest(&maker)).motsu_unwrap();
    ex.assert_emitted(&DigestCancelled {
        by: al,
        digest: c.digest(&maker),
    });
    refused(
        &maker,
        &ms,
        &taker,
        &ts,
        wad(1),
        OrderCancelled {
            digest: c.digest(&maker),
        }
        .abi_encode(),
    );
    ex.sender(bo).cancel_nonces_below(0, 2).motsu_unwrap();
    let fresh = c.order(al, swad(1), wad(3000), 9);
    refused(
        &fresh,
        &c.sign(&alice, &fresh),
        &taker,
        &ts,
        wad(1),
        NonceCancelled {
            account: b,
            nonce: 1,
        }
        .abi_encode(),
    );

    // A valid pair settles once; replaying it is an over-fill.
    let m2 = c.order(al, swad(1), wad(3000), 10);
    let t2 = c.order(bo, swad(-1), wad(3000), 10);
    let (m2s, t2s) = (c.sign(&alice, &m2), c.sign(&bob, &t2));
    c.settle(&m2, &m2s, &t2, &t2s, wad(1)).unwrap();
    assert_eq!(c.sizes(a, b), (swad(1), swad(-1)));
    let quote_a = c.quote(a);
    assert_eq!(
        c.settle(&m2, &m2s, &t2, &t2s, wad(1)).unwrap_err(),
        OverFill {}.abi_encode()
    );
    assert_eq!(c.sizes(a, b), (swad(1), swad(-1)));
    assert_eq!(c.quote(a), quote_a);
}

#[motsu::test]
fn a_hedged_account_carries_far_more_notional_per_unit_of_margin(
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
    admin: Address,
    matcher: Address,
    fees: Address,
    alice: Account,
    bob: Account,
    carol: Account,
) {
    let c = clearing!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees
    );
    let (al, bo, ca) = (alice.address(), bob.address(), carol.address());
    // The same collateral for both traders: 1 WETH (3000) and 600 USDC.
    for who in [al, bo] {
        c.deposit(who, 0, &weth, units(1, 18));
        c.deposit(who, 0, &usdc, units(600, 6));
    }
    c.deposit(ca, 0, &usdc, units(100_000, 6));
    let (a, b) = (account::encode(al, 0), account::encode(bo, 0));
    let trade = |signer: &Account, size: i64, nonce: u64| {
        let mine = c.order(signer.address(), swad(size), wad(3000), nonce);
        let theirs = c.order(ca, swad(-size), wad(3000), nonce);
        let (m, t) = (c.sign(signer, &mine), c.sign(&carol, &theirs));
        c.settle(&mine, &m, &theirs, &t, wad(size.unsigned_abs()))
    };
    // Alice shorts 1 ETH against her spot: a basis trade that only needs the
    // notional floor. Bob goes long 1 ETH on top of his spot: naked 2 ETH.
    trade(&alice, -1, 1).unwrap();
    trade(&bob, 1, 1).unwrap();
    let (eq_a, _, im_a) = margin.sender(al).health(a).motsu_unwrap();
    let (eq_b, _, im_b) = margin.sender(bo).health(b).motsu_unwrap();
    // Same collateral, same perp notional (3000): the hedge needs only the
    // notional floor, 0.5 % = 15, times 1.5 for the initial requirement; the
    // naked book needs its full shock on 2 ETH of delta (initial haircut
    // 3.2 %) plus the USDC haircut.
    assert_eq!(im_a, wad(45) / U256::from(2));
    let (_, ei) = engine.sender(al).haircut(weth.address()).motsu_unwrap();
    let (_, ui) = engine.sender(al).haircut(usdc.address()).motsu_unwrap();
    let usdc_b = wad(600) - cents(60);
    let expected_b = wad(6000) * ei / WAD + (usdc_b * ui).div_ceil(WAD);
    assert!(im_b >= expected_b && im_b <= expected_b + U256::from(2));
    assert!(im_b > im_a * U256::from(8), "naked {im_b} vs hedged {im_a}");
    // Margin left for more risk: the hedged account keeps almost all of it.
    assert!(eq_a - I256::from_raw(im_a) > eq_b - I256::from_raw(im_b) + swad(150));
    // At the limit: Bob's next long of 36 ETH (notional 108,000) is refused
    // while Alice's short of the same size, partly hedged, is not.
    let err = trade(&bob, 36, 2).unwrap_err();
    assert_eq!(&err[..4], &InsufficientMargin::SELECTOR[..]);
    trade(&alice, -36, 2).unwrap();
}

#[motsu::test]
fn between_maintenance_and_initial_only_reducing_fills_pass(
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
    admin: Address,
    matcher: Address,
    fees: Address,
    alice: Account,
    bob: Account,
    carol: Account,
) {
    let c = clearing!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees
    );
    let (al, bo, ca) = (alice.address(), bob.address(), carol.address());
    c.deposit(al, 0, &usdc, units(10_000, 6));
    c.deposit(bo, 0, &usdc, units(10_000, 6));
    c.deposit(ca, 0, &usdc, units(100_000, 6));
    let b = account::encode(bo, 0);
    let fill = |maker: (&Account, i64), taker: &Account, price: u64, nonce: u64| {
        let m = c.order(maker.0.address(), swad(maker.1), wad(price), nonce);
        let t = c.order(taker.address(), swad(-maker.1), wad(price), nonce);
        let (ms, ts) = (c.sign(maker.0, &m), c.sign(taker, &t));
        c.settle(&m, &ms, &t, &ts, wad(maker.1.unsigned_abs()))
    };
    // Bob shorts 2 ETH at 3000; then ETH rallies to 7800.
    fill((&alice, 2), &bob, 3000, 1).unwrap();
    eth_feed
        .sender(admin)
        .set_answer(I256::try_from(7800 * E8).unwrap(), U256::from(NOW));
    let (eq, mm, im) = margin.sender(bo).health(b).motsu_unwrap();
    assert!(
        I256::from_raw(mm) < eq && eq < I256::from_raw(im),
        "{mm} < {eq} < {im}"
    );
    // Adding to the short needs initial margin: refused, nothing moves.
    let err = fill((&carol, 1), &bob, 7800, 2).unwrap_err();
    let e = InsufficientMargin::abi_decode(&err, true).unwrap();
    assert_eq!(e.account, b);
    assert!(e.requirement > mm);
    assert_eq!(c.sizes(b, account::encode(ca, 0)), (swad(-2), I256::ZERO));
    // Buying half of it back strictly reduces: maintenance suffices.
    fill((&carol, -1), &bob, 7800, 3).unwrap();
    assert_eq!(c.sizes(b, account::encode(ca, 0)), (swad(-1), swad(-1)));
    let (eq, mm, _) = margin.sender(bo).health(b).motsu_unwrap();
    assert!(eq >= I256::from_raw(mm));
}

#[motsu::test]
fn realised_profits_are_withdrawable_and_the_vault_stays_covered(
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
    admin: Address,
    matcher: Address,
    fees: Address,
    alice: Account,
    bob: Account,
) {
    let c = clearing!(
        risk, vault, engine, margin, markets, ch, ex, usdc, weth, usdc_feed, eth_feed, admin,
        matcher, fees
    );
    let (al, bo) = (alice.address(), bob.address());
    c.deposit(al, 0, &usdc, units(10_000, 6));
    c.deposit(bo, 0, &usdc, units(10_000, 6));
    let (a, b) = (account::encode(al, 0), account::encode(bo, 0));
    // Alice buys 1 ETH from Bob at 3000 and sells it back to him at 3300.
    let m = c.order(al, swad(1), wad(3000), 1);
    let t = c.order(bo, swad(-1), wad(3000), 1);
    c.settle(&m, &c.sign(&alice, &m), &t, &c.sign(&bob, &t), wad(1))
        .unwrap();
    eth_feed
        .sender(admin)
        .set_answer(I256::try_from(3300 * E8).unwrap(), U256::from(NOW));
    let m = c.order(bo, swad(1), wad(3300), 2);
    let t = c.order(al, swad(-1), wad(3300), 2);
    c.settle(&m, &c.sign(&bob, &m), &t, &c.sign(&alice, &t), wad(1))
        .unwrap();
    // Alice: +300 realised, fees 0.60 (maker) and 1.65 (taker).
    assert_eq!(c.quote(a), scents(29_775));
    // She withdraws her tokens and her profit, to the unit.
    let all = units(10_297, 6) + U256::from(750_000u64);
    let err = ex
        .sender(al)
        .withdraw(0, usdc.address(), all + U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        collateral_vault::InsufficientBalance {
            account: a,
            asset: usdc.address(),
            balance: all,
            amount: all + U256::from(1),
        }
        .abi_encode()
    );
    ex.sender(al)
        .withdraw(0, usdc.address(), all)
        .motsu_unwrap();
    assert_eq!(usdc.sender(al).balance_of(al), all);
    assert_eq!(vault.sender(al).balance_of(a, usdc.address()), U256::ZERO);
    assert_eq!(c.quote(a), I256::ZERO);
    vault.assert_emitted(&collateral_vault::QuoteBalanceChanged {
        account: a,
        delta: -scents(29_775),
        balance: I256::ZERO,
    });
    // What stays in the vault covers every remaining claim exactly: Bob's
    // tokens and (negative) quote balance, and the fee accounts.
    let held = usdc.sender(al).balance_of(vault.address());
    let claims = swad(10_000) + c.quote(b) + c.quote(c.insurance) + c.quote(c.treasury);
    assert_eq!(I256::from_raw(held * U256::from(10u64.pow(12))), claims);
}
