//! Trading on the deployable WASM of every contract, run by the offline
//! runtime with block time moving: signed fills through the real ecrecover
//! precompile, funding accruing per second over hours, visible in health
//! before it settles and zero-sum when it does. Needs `scripts/build-wasm`
//! first (the test fails and says so otherwise).
use alloy_primitives::{I256, U256};
use clearing_core::{accrue, funding_payment, sample_weight, u256, update_premium, WAD};
use clearing_sim::{abi::*, System, Trader, ETH_PERP};

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// `x` thousandths as a signed WAD.
fn milli(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap() / I256::try_from(1000).unwrap()
}

fn system() -> System {
    System::deploy().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn funding_accrues_over_hours_and_settles_zero_sum() {
    let mut s = system();
    let (alice, bob) = (Trader::from_seed("alice"), Trader::from_seed("bob"));
    let usdc = s.usdc;
    for t in [&alice, &bob] {
        s.deposit(t, 0, usdc, U256::from(10_000_000_000u64))
            .unwrap();
    }
    let (a, b) = (alice.account(0), bob.account(0));
    let cap = u256(7_500_000_000_000_000);
    let index_price = wad(3000);

    // Two days after the listing (the premium's time weight is then all but
    // 1 wei), Alice (maker) buys 1 ETH at 3030, 1 % above the 3000 index:
    // the sample clamps to the 0.75 % cap, and the fill's 3,030 of notional
    // moves the premium by 3,030 / 100,000 of the way (DESIGN section 15;
    // before issue 13 every fill moved an EWMA by a tenth).
    s.advance(2 * 86_400).unwrap();
    s.trade((&alice, 0), (&bob, 0), swad(1), wad(3030), 1)
        .unwrap();
    let gas = s.rt.last_receipt().unwrap().gas.used;
    assert!(gas > 0);
    let funding = |s: &mut System| {
        let (admin, markets) = (s.admin, s.markets);
        let r =
            s.rt.view(
                admin,
                markets,
                &Markets::fundingStateCall { market: ETH_PERP },
            )
            .unwrap();
        (r._0, r._1, r._2)
    };
    let (premium, index, _) = funding(&mut s);
    let w = sample_weight(wad(3030), wad(100_000), 2 * 86_400, 3_600).unwrap();
    let expected = update_premium(I256::ZERO, wad(3030), index_price, w, cap).unwrap();
    assert_eq!(premium, expected);
    assert!(premium > I256::from_raw(u256(227_000_000_000_000)));
    assert!(premium < I256::from_raw(u256(228_000_000_000_000)));
    assert_eq!(index, I256::ZERO);
    // Maker fee 2 bp of 3030 = 0.606, taker 5 bp = 1.515.
    assert_eq!(s.quote_balance(a).unwrap(), -milli(606));
    assert_eq!(s.quote_balance(b).unwrap(), -milli(1515));

    // Eight hours later (prices refreshed): the index rose by
    // premium * 3000; the long owes it, the short is owed it.
    s.advance(8 * 3600).unwrap();
    let owed = |secs: u64| {
        let idx = accrue(I256::ZERO, premium, index_price, secs).unwrap();
        (idx, funding_payment(swad(1), I256::ZERO, idx).unwrap())
    };
    let (_, pay8) = owed(8 * 3600);
    assert!(pay8 < -milli(680) && pay8 > -milli(684), "{pay8}");
    assert_eq!(s.position(a, ETH_PERP).unwrap().3, pay8);
    assert_eq!(
        s.position(b, ETH_PERP).unwrap().3,
        funding_payment(swad(-1), I256::ZERO, owed(8 * 3600).0).unwrap()
    );
    // Health counts it before it settles: 10,000 - 0.606 - 30 (marked at
    // 3000) + the pending funding.
    let (eq_a, _, _) = s.health(a).unwrap();
    assert_eq!(eq_a, swad(10_000) - milli(606) - swad(30) + pay8);
    // The premium has not changed: twelve hours in, half as much again.
    s.advance(4 * 3600).unwrap();
    let (idx12, pay12) = owed(12 * 3600);
    assert_eq!(s.position(a, ETH_PERP).unwrap().3, pay12);

    // Bob (maker) buys the ETH back at the 3000 index: funding settles into
    // both quote balances, the positions close, and quote is conserved.
    s.trade((&bob, 0), (&alice, 0), swad(1), wad(3000), 2)
        .unwrap();
    assert_eq!(s.position(a, ETH_PERP).unwrap().0, I256::ZERO);
    let received = funding_payment(swad(-1), I256::ZERO, idx12).unwrap();
    // Alice: -0.606 + funding - 30 realised - 1.5 taker fee.
    assert_eq!(
        s.quote_balance(a).unwrap(),
        -milli(606) + pay12 - swad(30) - milli(1500)
    );
    // Bob: -1.515 + funding + 30 - 0.6 maker fee.
    assert_eq!(
        s.quote_balance(b).unwrap(),
        -milli(1515) + received + swad(30) - milli(600)
    );
    assert!(pay12 + received <= I256::ZERO && pay12 + received >= -I256::ONE);
    let (ins, tre) = (s.insurance, s.treasury);
    let total = s.quote_balance(a).unwrap()
        + s.quote_balance(b).unwrap()
        + s.quote_balance(ins).unwrap()
        + s.quote_balance(tre).unwrap();
    assert_eq!(
        total,
        pay12 + received,
        "funding is zero-sum up to a wei kept; fees only move"
    );
    // The index kept accruing until the fill; the fill at the index then
    // pulled the premium toward zero by its weight (3,000 of notional twelve
    // hours after the previous sample).
    let (premium_after, index_after, _) = funding(&mut s);
    assert_eq!(index_after, idx12);
    let w2 = sample_weight(wad(3000), wad(100_000), 12 * 3_600, 3_600).unwrap();
    assert_eq!(
        premium_after,
        update_premium(premium, index_price, index_price, w2, cap).unwrap()
    );
}

#[test]
fn signatures_and_margin_are_enforced_on_wasm() {
    let mut s = system();
    let (alice, bob, mallory) = (
        Trader::from_seed("alice"),
        Trader::from_seed("bob"),
        Trader::from_seed("mallory"),
    );
    let usdc = s.usdc;
    for t in [&alice, &bob] {
        s.deposit(t, 0, usdc, U256::from(1_000_000_000u64)).unwrap();
    }
    let maker = s.order(&alice, 0, swad(1), wad(3000), 1);
    let taker = s.order(&bob, 0, swad(-1), wad(3000), 1);
    // The contract's digest is the standard EIP-712 one.
    let (admin, ex) = (s.admin, s.exchange);
    let onchain =
        s.rt.view(
            admin,
            ex,
            &Exchange::orderDigestCall {
                order: maker.clone(),
            },
        )
        .unwrap()
        ._0;
    assert_eq!(onchain, s.digest(&maker));
    // A signature by someone else recovers that someone.
    let forged = s.sign(&mallory, &maker);
    let ts = s.sign(&bob, &taker);
    let err = s
        .settle((&maker, &forged), (&taker, &ts), wad(1))
        .unwrap_err();
    assert_eq!(
        err.decode::<Exchange::UnauthorizedSigner>(),
        Some(Exchange::UnauthorizedSigner {
            account: alice.account(0),
            signer: mallory.address
        })
    );
    // A garbage signature (v = 27, r = s = 1) recovers nobody.
    let mut junk = vec![0u8; 65];
    junk[31] = 1;
    junk[63] = 1;
    junk[64] = 27;
    let err = s
        .settle((&maker, &junk.into()), (&taker, &ts), wad(1))
        .unwrap_err();
    let selector = err.revert_data().map(|d| d[..4].to_vec());
    assert!(
        selector
            == Some(
                alloy_sol_types::SolError::abi_encode(&Exchange::ECDSAInvalidSignature {})[..4]
                    .to_vec()
            )
            || err.decode::<Exchange::UnauthorizedSigner>().is_some(),
        "{err}"
    );
    // 100 ETH of notional on 1,000 of collateral: refused after booking,
    // and the whole fill rolls back.
    let err = s
        .trade((&alice, 0), (&bob, 0), swad(100), wad(3000), 2)
        .unwrap_err();
    let e = err.decode::<Exchange::InsufficientMargin>().unwrap();
    assert_eq!(e.account, alice.account(0));
    assert_eq!(
        s.position(alice.account(0), ETH_PERP).unwrap().0,
        I256::ZERO
    );
    assert_eq!(s.quote_balance(alice.account(0)).unwrap(), I256::ZERO);
    // A stale price stops trading: two hours without a round.
    s.rt.advance_time(2 * 3600);
    let err = s
        .trade((&alice, 0), (&bob, 0), swad(1), wad(3000), 3)
        .unwrap_err();
    assert!(err.decode::<Risk::PriceStale>().is_some(), "{err}");
}
