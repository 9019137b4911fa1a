//! Portfolio mode per sub-account on the deployable WASM (DESIGN section 7, "Modes"): a pair of
//! correlated exposures (long the BTC perpetual, short the ETH perpetual) needs the
//! correlation-credited requirement on-chain once its owner opts in, a withdrawal that cross
//! mode refuses goes through, the way back to cross mode is refused while it would leave initial
//! health negative, the minimum equity holds, an operator cannot switch the owner's mode, and
//! the Greeks view nets spot and perpetuals per underlying, and liquidation follows the
//! account's own mode (refused while portfolio health holds though cross mode's would not, then
//! allowed and health-raising below it). Needs `scripts/build-wasm` first.
use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolCall;
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader, ETH_PERP};

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

/// A WAD quote amount in USDC units (6 decimals), rounded down.
fn to_usdc(x: U256) -> U256 {
    x / U256::from(1_000_000_000_000u64)
}

/// A view whose answer has several values with dynamic ones among them (see
/// `Runtime::view_tuple`).
fn tuple_view<C: SolCall>(s: &mut System, to: Address, call: &C) -> C::Return {
    let admin = s.admin;
    s.rt.view_tuple(admin, to, call)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `(equity, maintenance, initial)` of `account`'s book in portfolio or cross mode, whatever
/// its own mode: `MarginEngine.healthWith` over the Clearinghouse's book.
fn what_if(s: &mut System, account: B256, portfolio: bool) -> (I256, U256, U256) {
    let (ch, margin, admin) = (s.clearinghouse, s.margin, s.admin);
    let book = tuple_view(s, ch, &Ledger::bookCall { account });
    let r =
        s.rt.view(
            admin,
            margin,
            &Margin::healthWithCall {
                account,
                underlyings: book._1,
                sizes: book._2,
                costs: book._5,
                portfolio,
            },
        )
        .unwrap();
    (r._0, r._1, r._2)
}

struct Pair {
    s: System,
    alice: Trader,
    wbtc: Address,
}

/// The BTC perpetual listed next to ETH's (market 1, through governance), and Alice, with
/// 20,000 USDC, long 3 BTC at 60,000 and short 60 ETH at 3,000 against Bob: a pair of
/// correlated exposures (one bucket) on a small equity.
fn pair() -> Pair {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let wbtc = s.list_token("WBTC", 60_000).unwrap();
    let markets = s.markets;
    let tenth = |x: u64| U256::from(x) * WAD / U256::from(10_000u64);
    s.admin_call(
        "list BTC perp",
        markets,
        &Markets::listMarketCall {
            underlying: wbtc,
            minSize: tenth(10),
            tick: tenth(100),
            makerFee: tenth(2),
            takerFee: tenth(5),
            maxOpenInterest: wad(1_000),
            fundingCap: tenth(75),
        },
    )
    .unwrap();
    s.refresh_prices().unwrap();
    let (alice, bob) = (Trader::from_seed("alice"), Trader::from_seed("bob"));
    let usdc_token = s.usdc;
    s.deposit(&alice, 0, usdc_token, usdc(20_000)).unwrap();
    s.deposit(&bob, 0, usdc_token, usdc(1_000_000)).unwrap();
    // Alice long 3 BTC (market 1) against Bob.
    let mut long = s.order(&alice, 0, swad(3), wad(60_000), 1);
    let mut short = s.order(&bob, 0, swad(-3), wad(60_000), 1);
    long.market = BTC_PERP;
    short.market = BTC_PERP;
    let (ls, ss) = (s.sign(&alice, &long), s.sign(&bob, &short));
    s.settle((&short, &ss), (&long, &ls), wad(3)).unwrap();
    // Alice short 60 ETH against Bob.
    s.trade((&bob, 0), (&alice, 0), swad(60), wad(3000), 2)
        .unwrap();
    assert_eq!(s.position(alice.account(0), BTC_PERP).unwrap().0, swad(3));
    assert_eq!(s.position(alice.account(0), ETH_PERP).unwrap().0, swad(-60));
    Pair { s, alice, wbtc }
}

/// The BTC perpetual's id (the second market listed).
const BTC_PERP: u32 = 1;

#[test]
fn portfolio_mode_credits_the_pair_and_lets_a_withdrawal_through() {
    let Pair {
        mut s, alice, wbtc, ..
    } = pair();
    let a = alice.account(0);
    let usdc_token = s.usdc;
    assert!(!s.margin_mode(a).unwrap(), "cross mode is the default");
    let (eq, cross_mm, cross_im) = s.health(a).unwrap();

    // What portfolio mode would ask, from the same engine's view of the same book.
    let margin = s.margin;
    let hypothetical = what_if(&mut s, a, true);
    assert_eq!(hypothetical.0, eq);
    assert!(hypothetical.1 < cross_mm && hypothetical.2 < cross_im);

    // A withdrawal between the two initial requirements: refused in cross mode, and nothing
    // moves.
    let eq_u = eq.into_raw();
    assert!(
        eq_u > cross_im,
        "healthy in cross mode before the withdrawal"
    );
    let w = to_usdc(eq_u - (cross_im + hypothetical.2) / U256::from(2u8));
    let wallet = |s: &mut System| {
        let admin = s.admin;
        s.rt.view(
            admin,
            usdc_token,
            &Token::balanceOfCall {
                account: alice.address,
            },
        )
        .unwrap()
        ._0
    };
    let before = wallet(&mut s);
    let held = s.vault_balance(a, usdc_token).unwrap();
    let err = s.withdraw(&alice, 0, usdc_token, w).unwrap_err();
    let e = err
        .decode::<Exchange::InsufficientMargin>()
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(e.account, a);
    assert_eq!(wallet(&mut s), before);
    assert_eq!(s.vault_balance(a, usdc_token).unwrap(), held);

    // The owner opts in: the event, the view, and health with the credited requirement.
    s.set_margin_mode(&alice, 0, true).unwrap();
    let events =
        s.rt.last_receipt()
            .unwrap()
            .events::<Margin::MarginModeSet>();
    assert_eq!(
        events,
        vec![Margin::MarginModeSet {
            account: a,
            portfolio: true
        }]
    );
    assert!(s.margin_mode(a).unwrap());
    assert_eq!(s.health(a).unwrap(), (eq, hypothetical.1, hypothetical.2));
    // The summary says so too.
    let summary = tuple_view(&mut s, margin, &Margin::accountSummaryCall { account: a });
    assert!(summary._9);
    // Setting the same mode again changes nothing and says nothing.
    s.set_margin_mode(&alice, 0, true).unwrap();
    assert!(s
        .rt
        .last_receipt()
        .unwrap()
        .events::<Margin::MarginModeSet>()
        .is_empty());

    // The same withdrawal now goes through.
    s.withdraw(&alice, 0, usdc_token, w).unwrap();
    assert_eq!(wallet(&mut s), before + w);
    assert_eq!(s.vault_balance(a, usdc_token).unwrap(), held - w);

    // Back to cross mode would leave initial health negative: refused, mode unchanged.
    let (eq_after, _, _) = s.health(a).unwrap();
    let err = s.set_margin_mode(&alice, 0, false).unwrap_err();
    let e = err
        .decode::<Margin::ModeSwitchUnhealthy>()
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(e.equity, eq_after);
    assert_eq!(e.initial, what_if(&mut s, a, false).2);
    assert!(e.equity.into_raw() < e.initial);
    assert!(s.margin_mode(a).unwrap());

    // With the margin back, the way back to cross mode is open.
    s.deposit(&alice, 0, usdc_token, usdc(30_000)).unwrap();
    s.set_margin_mode(&alice, 0, false).unwrap();
    assert!(!s.margin_mode(a).unwrap());
    let cross = what_if(&mut s, a, false);
    assert_eq!(s.health(a).unwrap(), cross);

    // The Greeks: spot and perpetuals netted per underlying, no gamma or vega without options.
    let g = tuple_view(&mut s, margin, &Margin::greeksCall { account: a });
    let delta_of = |asset: Address| {
        g._0.iter()
            .position(|u| *u == asset)
            .map(|i| g._1[i])
            .unwrap_or_else(|| panic!("{asset} not in the Greeks"))
    };
    assert_eq!(delta_of(wbtc), swad(3));
    // The quote asset's row: the USDC held (in WAD) plus the signed quote balance.
    let held_wad = s.vault_balance(a, usdc_token).unwrap() * U256::from(1_000_000_000_000u64);
    assert_eq!(
        delta_of(usdc_token),
        I256::from_raw(held_wad) + s.quote_balance(a).unwrap()
    );
    assert_eq!(delta_of(s.weth), swad(-60));
    assert!(g._2.iter().chain(&g._3).all(|x| x.is_zero()));
    assert_eq!(g._0.len(), g._1.len());
}

#[test]
fn the_minimum_equity_and_the_owner_alone() {
    let Pair { mut s, alice, .. } = pair();
    let usdc_token = s.usdc;
    let carol = Trader::from_seed("carol");
    s.deposit(&carol, 0, usdc_token, usdc(5_000)).unwrap();
    let err = s.set_margin_mode(&carol, 0, true).unwrap_err();
    assert_eq!(
        err.decode::<Margin::PortfolioEquityTooLow>(),
        Some(Margin::PortfolioEquityTooLow {
            equity: swad(5_000),
            minimum: wad(10_000),
        })
    );
    assert!(!s.margin_mode(carol.account(0)).unwrap());
    // Exactly the minimum is enough.
    s.deposit(&carol, 0, usdc_token, usdc(5_000)).unwrap();
    s.set_margin_mode(&carol, 0, true).unwrap();
    assert!(s.margin_mode(carol.account(0)).unwrap());

    // Dave is Alice's approved operator on sub-account 0: he may trade for it, but his call
    // switches his own (empty) sub-account, never hers.
    let dave = Trader::from_seed("dave");
    let exchange = s.exchange;
    s.rt.call(
        alice.address,
        exchange,
        &Exchange::setOperatorCall {
            subaccount: 0,
            operator: dave.address,
            approved: true,
        },
        U256::ZERO,
    )
    .unwrap();
    let err = s.set_margin_mode(&dave, 0, true).unwrap_err();
    assert_eq!(
        err.decode::<Margin::PortfolioEquityTooLow>(),
        Some(Margin::PortfolioEquityTooLow {
            equity: I256::ZERO,
            minimum: wad(10_000),
        })
    );
    assert!(!s.margin_mode(alice.account(0)).unwrap());
    assert!(!s.margin_mode(dave.account(0)).unwrap());
    // Another sub-account of Alice's is its own: switching sub-account 1 leaves 0 alone.
    s.deposit(&alice, 1, usdc_token, usdc(10_000)).unwrap();
    s.set_margin_mode(&alice, 1, true).unwrap();
    assert!(s.margin_mode(alice.account(1)).unwrap());
    assert!(!s.margin_mode(alice.account(0)).unwrap());
}

#[test]
fn the_minimum_equity_is_governed_in_option_markets() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let (admin, margin, options, usdc_token) = (s.admin, s.margin, s.options, s.usdc);
    assert_eq!(
        s.rt.view(admin, margin, &Margin::optionMarketsCall {})
            .unwrap()
            ._0,
        options
    );
    let carol = Trader::from_seed("carol");
    s.deposit(&carol, 0, usdc_token, usdc(5_000)).unwrap();
    // The deployer handed OptionMarkets to the Timelock: it cannot change the parameter itself.
    let direct = Options::setOptionParameterCall {
        code: 1,
        value: wad(5_000),
    };
    let err = s.rt.call(admin, options, &direct, U256::ZERO).unwrap_err();
    assert_eq!(
        err.decode::<Options::AccessControlUnauthorizedAccount>(),
        Some(Options::AccessControlUnauthorizedAccount {
            account: admin,
            neededRole: B256::ZERO,
        })
    );
    assert_eq!(
        s.rt.view(admin, options, &Options::optionParameterCall { code: 1 })
            .unwrap()
            ._0,
        wad(10_000)
    );
    // Governance lowers the minimum to 5,000 through the timelock: the same switch that was
    // refused at 10,000 passes, and the change is recorded.
    let err = s.set_margin_mode(&carol, 0, true).unwrap_err();
    assert_eq!(
        err.decode::<Margin::PortfolioEquityTooLow>(),
        Some(Margin::PortfolioEquityTooLow {
            equity: swad(5_000),
            minimum: wad(10_000),
        })
    );
    s.set_portfolio_min_equity(wad(5_000)).unwrap();
    let ev =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::OptionParameterSet>();
    assert_eq!(
        ev,
        vec![Options::OptionParameterSet {
            param: 1,
            oldValue: wad(10_000),
            newValue: wad(5_000),
        }]
    );
    s.set_margin_mode(&carol, 0, true).unwrap();
    assert!(s.margin_mode(carol.account(0)).unwrap());
    // A raise applies to the next switch only: Carol stays in portfolio mode, Dave with 5,000
    // is refused at the new minimum of 6,000 (a day after the last change, the rule's
    // interval).
    s.advance(86_400).unwrap();
    s.set_portfolio_min_equity(wad(6_000)).unwrap();
    assert!(s.margin_mode(carol.account(0)).unwrap());
    let dave = Trader::from_seed("dave");
    s.deposit(&dave, 0, usdc_token, usdc(5_000)).unwrap();
    let err = s.set_margin_mode(&dave, 0, true).unwrap_err();
    assert_eq!(
        err.decode::<Margin::PortfolioEquityTooLow>(),
        Some(Margin::PortfolioEquityTooLow {
            equity: swad(5_000),
            minimum: wad(6_000),
        })
    );
    assert!(!s.margin_mode(dave.account(0)).unwrap());
}

/// A MarginEngine whose OptionMarkets cannot answer (no contract at the wired address) refuses
/// a switch to portfolio mode with `RiskCallFailed` naming that address, and the mode stays;
/// setting cross mode, the default, changes nothing and asks it nothing.
#[test]
fn a_switch_to_portfolio_mode_needs_an_answering_option_markets() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let (admin, risk, engine, ch, usdc_token) =
        (s.admin, s.risk, s.engine, s.clearinghouse, s.usdc);
    let nobody = s.rt.new_account();
    let wasm = stylus_runtime::read_wasm("margin-engine").unwrap();
    let margin =
        s.rt.deploy(
            admin,
            &wasm,
            &Margin::constructorCall {
                risk,
                riskEngine: engine,
                clearinghouse: ch,
                optionMarkets: nobody,
                optionBook: s.book,
                marginMath: s.math,
            },
            U256::ZERO,
        )
        .unwrap();
    let carol = Trader::from_seed("carol");
    s.deposit(&carol, 0, usdc_token, usdc(20_000)).unwrap();
    let switch = |portfolio| Margin::setMarginModeCall {
        subaccount: 0,
        portfolio,
    };
    let err =
        s.rt.call(carol.address, margin, &switch(true), U256::ZERO)
            .unwrap_err();
    assert_eq!(
        err.decode::<Margin::RiskCallFailed>(),
        Some(Margin::RiskCallFailed { risk: nobody })
    );
    let mode = |s: &mut System| {
        s.rt.view(
            admin,
            margin,
            &Margin::marginModeCall {
                account: carol.account(0),
            },
        )
        .unwrap()
        ._0
    };
    assert!(!mode(&mut s));
    s.rt.call(carol.address, margin, &switch(false), U256::ZERO)
        .unwrap();
    assert!(s
        .rt
        .last_receipt()
        .unwrap()
        .events::<Margin::MarginModeSet>()
        .is_empty());
    assert!(!mode(&mut s));
}

#[test]
fn liquidation_follows_the_account_mode() {
    let Pair { mut s, alice, .. } = pair();
    let a = alice.account(0);
    let keeper = Trader::from_seed("keeper");
    let usdc_token = s.usdc;
    s.deposit(&keeper, 0, usdc_token, usdc(1_000_000)).unwrap();
    s.set_margin_mode(&alice, 0, true).unwrap();
    // ETH up 8.3 %: Alice's short loses 15,000. Cross mode would call her liquidatable; in
    // portfolio mode, her own mode, she is healthy and cannot be liquidated.
    s.set_eth_price(3250).unwrap();
    let (eq, mm, _) = s.health(a).unwrap();
    assert!(
        eq >= I256::from_raw(mm),
        "healthy in portfolio mode: {eq} against {mm}"
    );
    let cross = what_if(&mut s, a, false);
    assert!(
        cross.0 < I256::from_raw(cross.1),
        "unhealthy in cross mode: {cross:?}"
    );
    let err = s.liquidate(&keeper, 0, a, ETH_PERP, wad(1)).unwrap_err();
    let e = err
        .decode::<Liquidator::AccountHealthy>()
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!((e.account, e.equity, e.maintenance), (a, eq, mm));
    assert_eq!(s.position(a, ETH_PERP).unwrap().0, swad(-60));

    // ETH up 10 % in all: below maintenance in portfolio mode too. The liquidation goes
    // through (10 ETH, inside the rate limit) and leaves her maintenance health higher.
    s.set_eth_price(3300).unwrap();
    let (eq, mm, _) = s.health(a).unwrap();
    assert!(
        eq < I256::from_raw(mm),
        "unhealthy in portfolio mode: {eq} against {mm}"
    );
    let before = eq - I256::from_raw(mm);
    s.liquidate(&keeper, 0, a, ETH_PERP, wad(10)).unwrap();
    let (eq, mm, _) = s.health(a).unwrap();
    assert!(eq - I256::from_raw(mm) > before);
    assert!(s.position(a, ETH_PERP).unwrap().0 > swad(-60));
    assert!(
        s.margin_mode(a).unwrap(),
        "the mode outlives the liquidation"
    );
}

/// The views' unhappy paths: an account nobody used reads cross mode and empty Greeks; with a
/// stale price `greeks`, `health` and a switch all revert with the risk module's own
/// `PriceStale`, and the refused switch changes nothing.
#[test]
fn views_and_switch_refuse_stale_prices_and_read_unknown_accounts_as_empty() {
    let Pair { mut s, alice, .. } = pair();
    let (a, margin) = (alice.account(0), s.margin);
    // An account nobody used: cross mode, no rows, zero health.
    let nobody = Trader::from_seed("nobody").account(3);
    assert!(!s.margin_mode(nobody).unwrap());
    let g = tuple_view(&mut s, margin, &Margin::greeksCall { account: nobody });
    assert!(g._0.is_empty() && g._1.is_empty() && g._2.is_empty() && g._3.is_empty());
    assert_eq!(
        s.health(nobody).unwrap(),
        (I256::ZERO, U256::ZERO, U256::ZERO)
    );
    // Two hours without a round: every evaluation of Alice's book stops on the stale ETH feed.
    s.rt.advance_time(2 * 3600);
    let admin = s.admin;
    let err =
        s.rt.view_tuple(admin, margin, &Margin::greeksCall { account: a })
            .unwrap_err();
    assert!(err.decode::<Risk::PriceStale>().is_some(), "{err}");
    let err = s.health(a).unwrap_err();
    assert!(err.decode::<Risk::PriceStale>().is_some(), "{err}");
    let err = s.set_margin_mode(&alice, 0, true).unwrap_err();
    assert!(err.decode::<Risk::PriceStale>().is_some(), "{err}");
    assert!(
        !s.margin_mode(a).unwrap(),
        "the refused switch changed nothing"
    );
    // Fresh prices again: the same switch goes through.
    s.refresh_prices().unwrap();
    s.set_margin_mode(&alice, 0, true).unwrap();
    assert!(s.margin_mode(a).unwrap());
}
