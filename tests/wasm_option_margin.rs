//! Option positions in the margin on the deployable WASM of every contract (DESIGN sections 7
//! and 13): the MarginEngine reads an account's options from `OptionBook.marginRows`, prices
//! them with the rest of the account in one `RiskEngine.exposures` answer and asks MarginMath
//! for the requirements and the option marks. Every number is checked against `clearing_core`
//! computed here from the same chain inputs (prices, haircuts, volatilities, parameters,
//! positions), assembled independently of the contracts' encoding. Needs `scripts/build-wasm`
//! first.
use alloy_primitives::{aliases::U80, Address, B256, I256, U256};
use alloy_sol_types::sol;
use clearing_core::{
    equity, options_value, scenario_requirements, Book as CoreBook, Correlations, EquityRow,
    Exposure, MarginMode, OptionKind, OptionMarginParams, OptionPosition, MAX_BUCKETS, WAD,
};
use clearing_sim::{abi::*, System, Trader};
use stylus_runtime::CallError;

sol! {
    /// Views the test reads to rebuild the margin off-chain.
    interface Views {
        function exposures(bytes32 account, address[] underlyings) external view returns (address[], int256[], uint256[], uint256[], uint256[], uint8[], uint256[], uint256[], uint256, uint256, uint256, uint256);
        function haircutParameters() external view returns (uint256, uint256, uint64, uint256);
        function volatility(address asset) external view returns (uint256);
        function marginParams() external view returns (uint256[20]);
        function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
    }
}

const HOUR: u64 = 3600;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::from_raw(WAD)
}

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100u8)
}

fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

/// The system with the ETH option class enabled, a 3,000 call and a 2,800 put a week out with
/// their implied volatility posted (60 %), and a buyer (Bob) with 100,000 USDC.
struct Env {
    s: System,
    bob: Trader,
    expiry: u64,
    call: u32,
    put: u32,
    nonce: u64,
}

fn env() -> Env {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    s.enable_eth_options().unwrap();
    let expiry = s.expiry_in(7);
    let call = s.list_eth_series(expiry, 3000, true).unwrap();
    let put = s.list_eth_series(expiry, 2800, false).unwrap();
    s.post_eth_vol(expiry, pct(60)).unwrap();
    let bob = Trader::from_seed("bob");
    let token = s.usdc;
    s.deposit(&bob, 0, token, usdc(100_000)).unwrap();
    Env {
        s,
        bob,
        expiry,
        call,
        put,
        nonce: 1,
    }
}

impl Env {
    /// A trader with `quote` USDC and `eth` WETH in sub-account 0.
    fn trader(&mut self, seed: &str, quote: u64, eth: u64) -> Trader {
        let t = Trader::from_seed(seed);
        let (u, w) = (self.s.usdc, self.s.weth);
        if quote > 0 {
            self.s.deposit(&t, 0, u, usdc(quote)).unwrap();
        }
        if eth > 0 {
            self.s.deposit(&t, 0, w, wad(eth)).unwrap();
        }
        t
    }

    /// `who` trades `size` contracts of `series` with Bob (positive: `who` buys) at `premium`.
    fn option(
        &mut self,
        who: &Trader,
        series: u32,
        size: i64,
        premium: u64,
    ) -> Result<(), CallError> {
        self.nonce += 1;
        let bob = self.bob.clone();
        self.s.trade_option(
            (who, 0),
            (&bob, 0),
            series,
            swad(size),
            wad(premium),
            self.nonce,
        )
    }

    /// `who` trades `size` ETH perp with Bob at the oracle price.
    fn perp(&mut self, who: &Trader, size: i64) {
        self.nonce += 1;
        let bob = self.bob.clone();
        let price = wad(u64::try_from(self.s.eth_price).unwrap());
        self.s
            .trade((who, 0), (&bob, 0), swad(size), price, self.nonce)
            .unwrap();
    }

    fn health(&mut self, account: B256) -> (I256, U256, U256) {
        self.s.health(account).unwrap()
    }

    /// The account's health in portfolio mode (through `healthWith` with its perp book).
    fn health_portfolio(&mut self, account: B256) -> (I256, U256, U256) {
        let (admin, ch, margin) = (self.s.admin, self.s.clearinghouse, self.s.margin);
        let b = self
            .s
            .rt
            .view_tuple(admin, ch, &Ledger::bookCall { account })
            .unwrap();
        let r = self
            .s
            .rt
            .view(
                admin,
                margin,
                &Margin::healthWithCall {
                    account,
                    underlyings: b._1,
                    sizes: b._2,
                    costs: b._5,
                    portfolio: true,
                },
            )
            .unwrap();
        (r._0, r._1, r._2)
    }

    fn greeks(&mut self, account: B256) -> (Vec<Address>, Vec<I256>, Vec<I256>, Vec<I256>) {
        let (admin, margin) = (self.s.admin, self.s.margin);
        let g = self
            .s
            .rt
            .view_tuple(admin, margin, &Margin::greeksCall { account })
            .unwrap();
        (g._0, g._1, g._2, g._3)
    }

    /// The account's `(equity, maintenance, initial)` computed here with `clearing_core` from
    /// the chain's inputs: its perp book (Clearinghouse), option positions (OptionBook) and
    /// their series (OptionMarkets: terms, volatility, settlement price), its exposures,
    /// prices, haircuts and correlations (RiskEngine), the daily volatility (RiskModule), `k`
    /// (RiskEngine) and the governed option parameters (OptionMarkets).
    fn expected(&mut self, account: B256, portfolio: bool) -> (I256, U256, U256) {
        let s = &mut self.s;
        let (admin, now) = (s.admin, s.rt.block().timestamp);
        let (ch, book, options, engine, risk) =
            (s.clearinghouse, s.book, s.options, s.engine, s.risk);
        let perps =
            s.rt.view_tuple(admin, ch, &Ledger::bookCall { account })
                .unwrap();
        let held =
            s.rt.view_tuple(admin, book, &Book::positionsCall { account })
                .unwrap();
        let mut owed = I256::ZERO;
        let mut opts: Vec<(Address, OptionPosition)> = Vec::new();
        for (id, size) in held.series.iter().zip(&held.sizes) {
            let t =
                s.rt.view(admin, options, &Options::seriesCall { id: *id })
                    .unwrap();
            let kind = if t.isCall {
                OptionKind::Call
            } else {
                OptionKind::Put
            };
            let (seconds, vol) = if now < t.expiry {
                let v =
                    s.rt.view(
                        admin,
                        options,
                        &Options::volatilityCall {
                            underlying: t.underlying,
                            expiry: t.expiry,
                        },
                    )
                    .unwrap();
                (t.expiry - now, v.vol)
            } else {
                let price =
                    s.rt.view(
                        admin,
                        options,
                        &Options::settlementPriceCall {
                            underlying: t.underlying,
                            expiry: t.expiry,
                        },
                    )
                    .unwrap()
                    ._0;
                if !price.is_zero() {
                    // Paid at settlement: a long receives the amount rounded down, a short pays
                    // it rounded up.
                    let intrinsic = if t.isCall {
                        price.saturating_sub(t.strike)
                    } else {
                        t.strike.saturating_sub(price)
                    };
                    let product = size.unsigned_abs() * intrinsic;
                    owed += if size.is_negative() {
                        -I256::from_raw(product.div_ceil(WAD))
                    } else {
                        I256::from_raw(product / WAD)
                    };
                    continue;
                }
                (0, U256::ZERO)
            };
            opts.push((
                t.underlying,
                OptionPosition {
                    kind,
                    strike: t.strike,
                    seconds,
                    vol,
                    size: *size,
                },
            ));
        }
        let mut wanted: Vec<Address> = Vec::new();
        for u in perps._1.iter().chain(opts.iter().map(|(u, _)| u)) {
            if !wanted.contains(u) {
                wanted.push(*u);
            }
        }
        let x =
            s.rt.view_tuple(
                admin,
                engine,
                &Views::exposuresCall {
                    account,
                    underlyings: wanted,
                },
            )
            .unwrap();
        let k =
            s.rt.view(admin, engine, &Views::haircutParametersCall {})
                .unwrap()
                ._0;
        let governed =
            s.rt.view(admin, options, &Views::marginParamsCall {})
                .unwrap()
                ._0;
        let params = OptionMarginParams {
            k,
            init_ratio: x._11,
            min_margin_fraction: x._9,
            ..OptionMarginParams::DEFAULT
        }
        .with_governed(&governed)
        .unwrap();
        let assets = x._0;
        let mut corr = Correlations {
            intra: [U256::ZERO; MAX_BUCKETS],
            inter: x._8,
        };
        corr.intra.copy_from_slice(&x._7);
        let mut rows: Vec<EquityRow> = Vec::new();
        let mut per_row: Vec<Vec<OptionPosition>> = vec![Vec::new(); assets.len()];
        let mut perp = vec![I256::ZERO; assets.len()];
        for (i, a) in assets.iter().enumerate() {
            rows.push(EquityRow {
                amount: x._1[i],
                price: x._2[i],
                cost: I256::ZERO,
            });
            per_row[i] = opts
                .iter()
                .filter(|(u, _)| u == a)
                .map(|(_, o)| *o)
                .collect();
        }
        for ((u, size), cost) in perps._1.iter().zip(&perps._2).zip(&perps._5) {
            let i = assets.iter().position(|a| a == u).unwrap();
            perp[i] += *size;
            rows.push(EquityRow {
                amount: *size,
                price: x._2[i],
                cost: *cost,
            });
        }
        let mut sigma = vec![U256::ZERO; assets.len()];
        let mut iv = vec![U256::ZERO; assets.len()];
        for (i, a) in assets.iter().enumerate() {
            if per_row[i].is_empty() {
                continue;
            }
            sigma[i] =
                s.rt.view(admin, risk, &Views::volatilityCall { asset: *a })
                    .unwrap()
                    ._0;
            // IV_near: the live position with the nearest expiry.
            iv[i] = per_row[i]
                .iter()
                .filter(|o| o.seconds > 0)
                .min_by_key(|o| o.seconds)
                .map_or(U256::ZERO, |o| o.vol);
        }
        let books: Vec<CoreBook> = (0..assets.len())
            .map(|i| CoreBook {
                exposure: Exposure {
                    bucket: x._5[i],
                    spot: x._1[i],
                    perp: perp[i],
                    price: x._2[i],
                    maint_shock: x._3[i],
                    init_shock: x._4[i],
                    depth: x._6[i],
                },
                sigma_daily: sigma[i],
                iv_near: iv[i],
                options: &per_row[i],
            })
            .collect();
        let mut eq = equity(&rows).unwrap() + owed;
        for b in &books {
            eq += options_value(b).unwrap();
        }
        let mode = if portfolio {
            MarginMode::Portfolio
        } else {
            MarginMode::Cross
        };
        let r = scenario_requirements(&books, &corr, &params, mode).unwrap();
        (eq, r.maintenance, r.initial)
    }

    /// The ETH feed's latest round id.
    fn eth_round(&mut self) -> U80 {
        let (admin, feed) = (self.s.admin, self.s.eth_feed);
        self.s
            .rt
            .view(admin, feed, &Views::latestRoundDataCall {})
            .unwrap()
            ._0
    }
}

#[test]
fn a_short_call_is_marked_and_margined_as_the_core_computes() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let a = alice.account(0);
    let before = e.health(a);
    e.option(&alice, e.call, -2, 100).unwrap();
    let cross = e.health(a);
    assert_eq!(cross, e.expected(a, false));
    assert_eq!(e.health_portfolio(a), e.expected(a, true));
    // The short calls are a liability in equity, worth more than nothing: the premium came in
    // (less the fee) and the mark went out.
    assert!(cross.0 < before.0 + swad(200));
    // A naked short option needs far more than the delta-one floor.
    assert!(cross.1 > wad(300), "{cross:?}");
    assert!(cross.2 > cross.1);
    // The summary agrees with health.
    let (admin, margin) = (e.s.admin, e.s.margin);
    let sum =
        e.s.rt
            .view_tuple(admin, margin, &Margin::accountSummaryCall { account: a })
            .unwrap();
    assert_eq!((sum._6, sum._7, sum._8), cross);
    // The buyer's side is exact too (a long call, marked down).
    let b = e.bob.account(0);
    assert_eq!(e.health(b), e.expected(b, false));
}

#[test]
fn hedged_option_books_need_less_than_their_parts() {
    let mut e = env();
    // Covered call: 1 WETH held, 1 call sold; against the WETH alone and the short call alone.
    let covered = e.trader("covered", 2_000, 1);
    let spot_only = e.trader("spot", 0, 1);
    let call_only = e.trader("call", 2_000, 0);
    e.option(&covered, e.call, -1, 100).unwrap();
    e.option(&call_only, e.call, -1, 100).unwrap();
    let im = |e: &mut Env, t: &Trader| {
        let a = t.account(0);
        let h = e.health(a);
        assert_eq!(h, e.expected(a, false));
        h.2
    };
    let (c, s1, s2) = (
        im(&mut e, &covered),
        im(&mut e, &spot_only),
        im(&mut e, &call_only),
    );
    assert!(c < s1 + s2, "covered call {c} vs {s1} + {s2}");
    // Protective put: 1 ETH long perp and 1 put bought; against each alone.
    let protected = e.trader("protected", 5_000, 0);
    let perp_only = e.trader("perp", 5_000, 0);
    let put_only = e.trader("put", 5_000, 0);
    e.perp(&protected, 1);
    e.option(&protected, e.put, 1, 40).unwrap();
    e.perp(&perp_only, 1);
    e.option(&put_only, e.put, 1, 40).unwrap();
    let (p, p1, p2) = (
        im(&mut e, &protected),
        im(&mut e, &perp_only),
        im(&mut e, &put_only),
    );
    assert!(p < p1 + p2, "protective put {p} vs {p1} + {p2}");
    assert!(p < p1, "the put caps the perp's loss: {p} vs {p1}");
}

#[test]
fn a_seller_loses_health_when_the_price_or_the_volatility_jumps() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let a = alice.account(0);
    // As many calls as initial margin allows, in whole contracts.
    let mut sold = 0;
    for size in (1..=20).rev() {
        if e.option(&alice, e.call, -size, 100).is_ok() {
            sold = size;
            break;
        }
    }
    assert!(sold >= 2, "sold {sold}");
    let health = |h: (I256, U256, U256)| h.0 - I256::from_raw(h.1);
    let start = e.health(a);
    assert!(health(start) >= I256::ZERO);
    // The volatility doubles: the mark (and the requirement) rise.
    e.s.post_eth_vol(e.expiry, pct(120)).unwrap();
    let vol_up = e.health(a);
    assert_eq!(vol_up, e.expected(a, false));
    assert!(health(vol_up) < health(start), "{vol_up:?} vs {start:?}");
    assert!(vol_up.0 < start.0);
    // ETH jumps 20 %: the calls are deep in the money and the account is liquidatable.
    e.s.set_eth_price(3600).unwrap();
    let jump = e.health(a);
    assert_eq!(jump, e.expected(a, false));
    assert!(health(jump) < health(vol_up));
    assert!(health(jump) < I256::ZERO, "{jump:?}");
    // The jump alone, at the original volatility, also takes it below zero.
    e.s.post_eth_vol(e.expiry, pct(60)).unwrap();
    let price_only = e.health(a);
    assert_eq!(price_only, e.expected(a, false));
    assert!(health(price_only) < I256::ZERO, "{price_only:?}");
}

#[test]
fn a_stale_implied_volatility_falls_back_to_the_realised_one() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let a = alice.account(0);
    e.option(&alice, e.call, -2, 100).unwrap();
    let fresh = e.health(a);
    // Past the one-hour heartbeat the series is marked at the realised volatility times the
    // multiplier (OptionMarkets' fallback).
    e.s.advance(HOUR + 1).unwrap();
    let (admin, options, weth, expiry) = (e.s.admin, e.s.options, e.s.weth, e.expiry);
    let v =
        e.s.rt
            .view(
                admin,
                options,
                &Options::volatilityCall {
                    underlying: weth,
                    expiry,
                },
            )
            .unwrap();
    assert!(!v.fresh);
    assert_ne!(v.vol, pct(60));
    let stale = e.health(a);
    assert_eq!(stale, e.expected(a, false));
    assert_ne!(stale.0, fresh.0);
    // Posting again brings the implied volatility back.
    e.s.post_eth_vol(expiry, pct(60)).unwrap();
    assert_eq!(e.health(a), e.expected(a, false));
}

#[test]
fn expired_series_count_at_intrinsic_then_owed_then_paid() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let a = alice.account(0);
    e.option(&alice, e.call, -2, 100).unwrap();
    // The round in force at expiry: 3,100; an hour after expiry ETH is at 3,200.
    e.s.rt.set_timestamp(e.expiry - HOUR);
    e.s.set_eth_price(3100).unwrap();
    let round = e.eth_round();
    e.s.rt.set_timestamp(e.expiry + HOUR);
    e.s.set_eth_price(3200).unwrap();
    let (options, weth, expiry) = (e.s.options, e.s.weth, e.expiry);
    let quote = |e: &mut Env| e.s.quote_balance(a).unwrap();
    let collateral = |e: &mut Env| {
        // USDC at 1.00 plus the quote balance.
        let usdc_held = e.s.vault_balance(a, e.s.usdc).unwrap();
        I256::from_raw(usdc_held * U256::from(1_000_000_000_000u64)) + quote(e)
    };
    // Expired, no settlement price: marked at intrinsic at the current price, 2 x 200 (the
    // short mark is the pricing's upper bound: a few wei above the exact value).
    let pending = e.health(a);
    assert_eq!(pending, e.expected(a, false));
    let at_intrinsic = collateral(&mut e) - swad(400);
    assert!(
        pending.0 <= at_intrinsic && pending.0 >= at_intrinsic - I256::try_from(100).unwrap(),
        "{pending:?} vs {at_intrinsic}"
    );
    // The settlement price (3,100) is recorded: the account owes 2 x 100 until paid.
    let keeper = e.s.rt.new_account();
    let price =
        e.s.rt
            .call(
                keeper,
                options,
                &Options::settleExpiryCall {
                    underlying: weth,
                    expiry,
                    roundId: round,
                },
                U256::ZERO,
            )
            .unwrap()
            ._0;
    assert_eq!(price, wad(3100));
    let owed = e.health(a);
    assert_eq!(owed, e.expected(a, false));
    assert_eq!(owed.0, collateral(&mut e) - swad(200));
    // Paid: the quote balance takes the 200 and equity does not move.
    let paid = e.s.settle_option_account(keeper, a).unwrap();
    assert_eq!(paid, swad(-200));
    let after = e.health(a);
    assert_eq!(after.0, owed.0);
    assert_eq!(after, e.expected(a, false));
    assert!(e.s.option_position(a, e.call).unwrap().is_zero());
}

#[test]
fn greeks_report_the_options_gamma_and_vega() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let a = alice.account(0);
    let weth = e.s.weth;
    // Without options: delta only.
    let (names, _, gamma, vega) = e.greeks(a);
    assert!(gamma.iter().chain(&vega).all(|g| g.is_zero()), "{names:?}");
    e.option(&alice, e.call, -2, 100).unwrap();
    let (names, delta, gamma, vega) = e.greeks(a);
    let i = names.iter().position(|n| *n == weth).unwrap();
    // Short calls: negative delta, gamma and vega.
    assert!(delta[i] < I256::ZERO && delta[i] > swad(-2));
    assert!(gamma[i] < I256::ZERO);
    assert!(vega[i] < I256::ZERO);
    let b = e.bob.account(0);
    let (names, delta, gamma, vega) = e.greeks(b);
    let i = names.iter().position(|n| *n == weth).unwrap();
    assert!(delta[i] > I256::ZERO && gamma[i] > I256::ZERO && vega[i] > I256::ZERO);
    // The short side's gamma and vega mirror the long side's (rounded toward zero each).
    let (names_a, _, ga, va) = e.greeks(a);
    let j = names_a.iter().position(|n| *n == weth).unwrap();
    assert!((ga[j] + gamma[i]).abs() <= I256::ONE + I256::ONE);
    assert!((va[j] + vega[i]).abs() <= I256::ONE + I256::ONE);
}

/// A MarginEngine whose OptionBook or MarginMath cannot answer (no contract at the wired
/// address) refuses to price with `RiskCallFailed` naming it: every account asks the
/// OptionBook, an account with options also asks MarginMath.
#[test]
fn a_silent_option_book_or_margin_math_is_named() {
    let mut e = env();
    let alice = e.trader("alice", 10_000, 0);
    let carol = e.trader("carol", 1_000, 0);
    e.option(&alice, e.call, -1, 100).unwrap();
    let nobody = e.s.rt.new_account();
    let s = &mut e.s;
    let (admin, risk, engine, ch, options, book, math) = (
        s.admin,
        s.risk,
        s.engine,
        s.clearinghouse,
        s.options,
        s.book,
        s.math,
    );
    let wasm = stylus_runtime::read_wasm("margin-engine").unwrap();
    let deploy = |s: &mut System, book: Address, math: Address| {
        s.rt.deploy(
            admin,
            &wasm,
            &Margin::constructorCall {
                risk,
                riskEngine: engine,
                clearinghouse: ch,
                optionMarkets: options,
                optionBook: book,
                marginMath: math,
            },
            U256::ZERO,
        )
        .unwrap()
    };
    let no_book = deploy(s, nobody, math);
    let no_math = deploy(s, book, nobody);
    let health = |s: &mut System, margin: Address, account: B256| {
        s.rt.view(admin, margin, &Margin::healthCall { account })
    };
    for account in [alice.account(0), carol.account(0)] {
        let err = health(s, no_book, account).unwrap_err();
        assert_eq!(
            err.decode::<Margin::RiskCallFailed>(),
            Some(Margin::RiskCallFailed { risk: nobody })
        );
    }
    let err = health(s, no_math, alice.account(0)).unwrap_err();
    assert_eq!(
        err.decode::<Margin::RiskCallFailed>(),
        Some(Margin::RiskCallFailed { risk: nobody })
    );
    let err =
        s.rt.view_tuple(
            admin,
            no_math,
            &Margin::greeksCall {
                account: alice.account(0),
            },
        )
        .unwrap_err();
    assert_eq!(
        err.decode::<Margin::RiskCallFailed>(),
        Some(Margin::RiskCallFailed { risk: nobody })
    );
    // An account without options never asks MarginMath.
    let carol_health = health(s, no_math, carol.account(0)).unwrap();
    let expected = s.health(carol.account(0)).unwrap();
    assert_eq!(
        (carol_health._0, carol_health._1, carol_health._2),
        expected
    );
}
