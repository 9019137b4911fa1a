//! Option orders through the Exchange on the deployable WASM of every contract (DESIGN section
//! 13, "Trading"): the same signed orders and `settleFill` as perpetuals, the market id naming
//! an option series, the limit price the premium per contract. The Exchange checks signatures,
//! limits, replays and reduce-only against the OptionBook's positions, the OptionBook books the
//! premium and fees, and the margin check follows. Needs `scripts/build-wasm` first.
use alloy_primitives::{I256, U256};
use alloy_sol_types::{sol, SolError};
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader};
use stylus_runtime::CallError;

sol! {
    event OptionFill(uint32 indexed series, bytes32 indexed maker, bytes32 indexed taker, int256 makerDelta, uint256 premium, uint256 premiumAmount, uint256 makerFee, uint256 takerFee, uint256 insuranceFee, uint256 treasuryFee, int256 makerSize, int256 takerSize, uint256 openInterest);
    event OrderFilled(bytes32 indexed makerDigest, bytes32 indexed takerDigest, uint32 indexed market, bytes32 maker, bytes32 taker, uint256 price, int256 makerDelta, uint256 makerFilled, uint256 takerFilled);
    error ReduceOnlyViolated();
    error OverFill();
    error SeriesExpired(uint32 series, uint64 expiry);
    error VolatilityNotFresh(address underlying, uint64 expiry);
    error UnknownSeries(uint32 id);
    error SizeNotMultiple(uint256 size, uint256 minSize);
    error InsufficientMargin(bytes32 account, int256 equity, uint256 requirement);
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::from_raw(WAD)
}

/// The revert data of a failed call.
fn revert(r: Result<(), CallError>) -> Vec<u8> {
    match r {
        Err(CallError::Revert(data)) => data.to_vec(),
        other => panic!("expected a revert, got {other:?}"),
    }
}

struct Market {
    s: System,
    alice: Trader,
    bob: Trader,
    expiry: u64,
    call: u32,
}

/// The system with the ETH option class enabled, a 3,000 call a week out with its implied
/// volatility posted (60 %), and Alice and Bob holding 10,000 USDC each.
fn market() -> Market {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    s.enable_eth_options().unwrap();
    let expiry = s.expiry_in(7);
    let call = s.list_eth_series(expiry, 3000, true).unwrap();
    s.post_eth_vol(expiry, WAD * U256::from(6u8) / U256::from(10u8))
        .unwrap();
    let (alice, bob) = (Trader::from_seed("alice"), Trader::from_seed("bob"));
    let usdc = s.usdc;
    for t in [&alice, &bob] {
        s.deposit(t, 0, usdc, U256::from(10_000_000_000u64))
            .unwrap();
    }
    Market {
        s,
        alice,
        bob,
        expiry,
        call,
    }
}

#[test]
fn an_option_fill_moves_the_premium_and_the_fees_to_the_wei() {
    let Market {
        mut s,
        alice,
        bob,
        call,
        ..
    } = market();
    let (a, b) = (alice.account(0), bob.account(0));
    let before = [
        s.quote_balance(a).unwrap(),
        s.quote_balance(b).unwrap(),
        s.quote_balance(s.insurance).unwrap(),
        s.quote_balance(s.treasury).unwrap(),
    ];
    // Alice (maker) sells 2 calls to Bob at 100 each.
    s.trade_option((&alice, 0), (&bob, 0), call, swad(-2), wad(100), 1)
        .unwrap();
    let receipt = s.rt.last_receipt().unwrap().clone();
    // Fees on the underlying notional (2 x 3,000): maker 0.03 % = 1.8, taker 0.05 % = 3.0,
    // both below the cap (12.5 % of the 200 premium); half of each to the insurance fund.
    let (maker_fee, taker_fee) = (wad(18) / U256::from(10u8), wad(3));
    let fills = receipt.events::<OptionFill>();
    assert_eq!(fills.len(), 1);
    let f = &fills[0];
    assert_eq!(
        (f.series, f.maker, f.taker, f.makerDelta, f.premium),
        (call, a, b, swad(-2), wad(100))
    );
    assert_eq!(
        (f.premiumAmount, f.makerFee, f.takerFee),
        (wad(200), maker_fee, taker_fee)
    );
    assert_eq!(
        (f.makerSize, f.takerSize, f.openInterest),
        (swad(-2), swad(2), wad(2))
    );
    let filled = receipt.events::<OrderFilled>();
    assert_eq!(filled.len(), 1);
    assert_eq!(
        (filled[0].market, filled[0].price, filled[0].makerDelta),
        (call, wad(100), swad(-2))
    );
    assert_eq!(
        (filled[0].makerFilled, filled[0].takerFilled),
        (wad(2), wad(2))
    );
    let i = |u: U256| I256::from_raw(u);
    assert_eq!(
        s.quote_balance(a).unwrap(),
        before[0] + i(wad(200)) - i(maker_fee)
    );
    assert_eq!(
        s.quote_balance(b).unwrap(),
        before[1] - i(wad(200)) - i(taker_fee)
    );
    let fees = maker_fee + taker_fee;
    assert_eq!(
        s.quote_balance(s.insurance).unwrap(),
        before[2] + i(fees / U256::from(2u8))
    );
    assert_eq!(
        s.quote_balance(s.treasury).unwrap(),
        before[3] + i(fees - fees / U256::from(2u8))
    );
    assert_eq!(s.option_position(a, call).unwrap(), swad(-2));
    assert_eq!(s.option_position(b, call).unwrap(), swad(2));
    // The perp book is untouched.
    assert_eq!(s.position(a, clearing_sim::ETH_PERP).unwrap().0, I256::ZERO);
}

#[test]
fn option_orders_are_checked_as_perp_orders() {
    let Market {
        mut s,
        alice,
        bob,
        call,
        ..
    } = market();
    let (a, b) = (alice.account(0), bob.account(0));
    // Replaying a filled pair is an over-fill, and changes nothing.
    let m = s.option_order(&alice, 0, call, swad(-1), wad(100), 1);
    let t = s.option_order(&bob, 0, call, swad(1), wad(100), 1);
    let (ms, ts) = (s.sign(&alice, &m), s.sign(&bob, &t));
    s.settle((&m, &ms), (&t, &ts), wad(1)).unwrap();
    let quote = s.quote_balance(a).unwrap();
    assert_eq!(
        revert(s.settle((&m, &ms), (&t, &ts), wad(1))),
        OverFill {}.abi_encode()
    );
    assert_eq!(s.quote_balance(a).unwrap(), quote);
    assert_eq!(s.option_position(b, call).unwrap(), swad(1));

    // Reduce-only is judged against the OptionBook's position: Bob is long 1, so a
    // reduce-only buy adds and is refused.
    let mut m = s.option_order(&alice, 0, call, swad(-1), wad(100), 2);
    let mut t = s.option_order(&bob, 0, call, swad(1), wad(100), 2);
    t.reduceOnly = true;
    let (ms, ts) = (s.sign(&alice, &m), s.sign(&bob, &t));
    assert_eq!(
        revert(s.settle((&m, &ms), (&t, &ts), wad(1))),
        ReduceOnlyViolated {}.abi_encode()
    );
    // A reduce-only sell of Bob's long closes it.
    m.size = swad(1);
    m.nonce = 3;
    t.size = swad(-1);
    t.nonce = 3;
    let (ms, ts) = (s.sign(&alice, &m), s.sign(&bob, &t));
    s.settle((&m, &ms), (&t, &ts), wad(1)).unwrap();
    assert_eq!(s.option_position(b, call).unwrap(), I256::ZERO);
    assert_eq!(s.option_position(a, call).unwrap(), I256::ZERO);

    // A size off the class's minimum (0.1) is the OptionBook's refusal.
    let r = s.trade_option(
        (&alice, 0),
        (&bob, 0),
        call,
        I256::from_raw(WAD / U256::from(20u8)),
        wad(100),
        4,
    );
    assert_eq!(
        revert(r),
        SizeNotMultiple {
            size: WAD / U256::from(20u8),
            minSize: WAD / U256::from(10u8),
        }
        .abi_encode()
    );

    // An unknown series is OptionMarkets' error, passed through.
    let unknown = call + 99;
    let r = s.trade_option((&alice, 0), (&bob, 0), unknown, swad(1), wad(100), 5);
    assert_eq!(revert(r), UnknownSeries { id: unknown }.abi_encode());

    // Only the matcher settles.
    let m = s.option_order(&alice, 0, call, swad(-1), wad(100), 6);
    let t = s.option_order(&bob, 0, call, swad(1), wad(100), 6);
    let (ms, ts) = (s.sign(&alice, &m), s.sign(&bob, &t));
    let exchange = s.exchange;
    let stranger = alice.address;
    let r =
        s.rt.call(
            stranger,
            exchange,
            &Exchange::settleFillCall {
                maker: m,
                makerSig: ms,
                taker: t,
                takerSig: ts,
                fillSize: wad(1),
            },
            U256::ZERO,
        )
        .map(drop);
    assert_eq!(
        revert(r),
        AccessControlUnauthorizedAccount {
            account: stranger,
            neededRole: alloy_primitives::keccak256("MATCHER_ROLE"),
        }
        .abi_encode()
    );
    assert_eq!(s.option_position(a, call).unwrap(), I256::ZERO);
}

#[test]
fn a_stale_volatility_accepts_only_risk_reducing_fills_and_expiry_ends_trading() {
    let Market {
        mut s,
        alice,
        bob,
        call,
        expiry,
    } = market();
    let (a, b) = (alice.account(0), bob.account(0));
    s.trade_option((&alice, 0), (&bob, 0), call, swad(-1), wad(100), 1)
        .unwrap();
    // Past the one-hour heartbeat the volatility is the fallback: opening is refused ...
    s.advance(3601).unwrap();
    let r = s.trade_option((&alice, 0), (&bob, 0), call, swad(-1), wad(100), 2);
    assert_eq!(
        revert(r),
        VolatilityNotFresh {
            underlying: s.weth,
            expiry,
        }
        .abi_encode()
    );
    assert_eq!(s.option_position(b, call).unwrap(), swad(1));
    // ... closing is not.
    s.trade_option((&alice, 0), (&bob, 0), call, swad(1), wad(90), 3)
        .unwrap();
    assert_eq!(s.option_position(a, call).unwrap(), I256::ZERO);
    assert_eq!(s.option_position(b, call).unwrap(), I256::ZERO);

    // At expiry the series stops trading, whatever the orders say.
    let now = s.rt.block().timestamp;
    s.advance(expiry - now).unwrap();
    let m = s.option_order(&alice, 0, call, swad(-1), wad(100), 4);
    let t = s.option_order(&bob, 0, call, swad(1), wad(100), 4);
    let (mut m, mut t) = (m, t);
    m.expiry = expiry + 3600;
    t.expiry = expiry + 3600;
    let (ms, ts) = (s.sign(&alice, &m), s.sign(&bob, &t));
    assert_eq!(
        revert(s.settle((&m, &ms), (&t, &ts), wad(1))),
        SeriesExpired {
            series: call,
            expiry,
        }
        .abi_encode()
    );
}

#[test]
fn a_buyer_without_collateral_cannot_pay_the_premium() {
    let Market {
        mut s, alice, call, ..
    } = market();
    let carol = Trader::from_seed("carol");
    let c = carol.account(0);
    // Carol holds nothing; a 150 premium (above the call's worth at 60 % for a week) leaves
    // her equity below zero after the fill, so the margin check refuses and nothing moves.
    let r = s.trade_option((&alice, 0), (&carol, 0), call, swad(-1), wad(150), 1);
    let data = revert(r);
    let err = InsufficientMargin::abi_decode(&data, true).unwrap();
    assert_eq!(err.account, c);
    assert!(err.equity.is_negative());
    assert_eq!(s.quote_balance(c).unwrap(), I256::ZERO);
    assert_eq!(s.option_position(c, call).unwrap(), I256::ZERO);
    assert_eq!(
        s.option_position(alice.account(0), call).unwrap(),
        I256::ZERO
    );
}
