//! `demo`: deploys the whole clearing system's release WASM on the offline
//! runtime and walks a life cycle, printing what happens at each step:
//! deposits, signed fills, funding over hours, a hedged and a naked book, a
//! price crash, a keeper's liquidation, the insurance fund's cover, bad debt
//! socialised on the profiting side, a circuit-breaker trip and its clearing,
//! then an option book (a class, series, implied volatility, a covered and a
//! naked call written, their marks, margin and Greeks, expiry and settlement),
//! with balances, health and estimated gas. Needs `scripts/build-wasm` first
//! (`scripts/run` does both).
use alloy_primitives::{B256, I256, U256};
use clap::Parser;
use clearing_core::WAD;
use clearing_sim::{abi::*, SimError, System, Trader, ETH_PERP};
use std::process::ExitCode;
use stylus_runtime::CallError;

#[derive(Parser)]
#[command(about = "Walks the clearing system's life cycle on the offline runtime")]
struct Args {}

/// A step failed: what it was and why.
#[derive(Debug)]
struct Failed(String);

impl From<SimError> for Failed {
    fn from(e: SimError) -> Self {
        Failed(e.to_string())
    }
}

impl From<CallError> for Failed {
    fn from(e: CallError) -> Self {
        Failed(e.to_string())
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap_or_default() * I256::from_raw(WAD)
}

fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

/// A signed WAD as dollars with two decimals.
fn money(x: I256) -> String {
    let neg = x.is_negative();
    let cents = x.unsigned_abs() / U256::from(10_000_000_000_000_000u64);
    let whole = cents / U256::from(100u8);
    let frac = (cents % U256::from(100u8)).to::<u64>();
    format!("{}{whole}.{frac:02}", if neg { "-" } else { "" })
}

/// A WAD amount of base units with up to four decimals.
fn size(x: I256) -> String {
    let neg = x.is_negative();
    let m = x.unsigned_abs() / U256::from(100_000_000_000_000u64);
    let whole = m / U256::from(10_000u16);
    let frac = (m % U256::from(10_000u16)).to::<u64>();
    format!("{}{whole}.{frac:04}", if neg { "-" } else { "" })
}

struct Demo {
    s: System,
    step: u32,
}

impl Demo {
    fn title(&mut self, text: &str) {
        self.step += 1;
        println!("\n== {}. {text}", self.step);
    }

    fn gas(&self, what: &str) {
        if let Some(r) = self.s.rt.last_receipt() {
            println!(
                "   gas: {what}: {} (floor {}, ratio {:.2})",
                r.gas.estimate(),
                r.gas.floor(),
                r.gas.ratio()
            );
        }
    }

    fn account(&mut self, name: &str, a: B256) -> Result<(), Failed> {
        let (eq, mm, im) = self.s.health(a)?;
        let (pos, _, _, pending) = self.s.position(a, ETH_PERP)?;
        let quote = self.s.quote_balance(a)?;
        println!(
            "   {name:<8} ETH-PERP {:>9}  quote {:>10}  pending funding {:>7}  equity {:>10}  maintenance {:>8}  initial {:>8}  {}",
            size(pos),
            money(quote),
            money(pending),
            money(eq),
            money(I256::from_raw(mm)),
            money(I256::from_raw(im)),
            if eq < I256::from_raw(mm) {
                "LIQUIDATABLE"
            } else if eq < I256::from_raw(im) {
                "below initial"
            } else {
                "healthy"
            }
        );
        Ok(())
    }

    /// An account's option positions in `series` (names and ids), quote balance and health.
    fn options(&mut self, name: &str, a: B256, series: &[(&str, u32)]) -> Result<(), Failed> {
        let mut held = String::new();
        for (n, id) in series {
            let q = self.s.option_position(a, *id)?;
            if !q.is_zero() {
                held.push_str(&format!("{n} {:>7}  ", size(q)));
            }
        }
        if held.is_empty() {
            held.push_str("no options  ");
        }
        let (eq, mm, im) = self.s.health(a)?;
        let quote = self.s.quote_balance(a)?;
        println!(
            "   {name:<8} {held}quote {:>10}  equity {:>10}  maintenance {:>9}  initial {:>9}",
            money(quote),
            money(eq),
            money(I256::from_raw(mm)),
            money(I256::from_raw(im)),
        );
        Ok(())
    }

    fn market(&mut self) -> Result<(), Failed> {
        let m = self.s.quote_market()?;
        let pct = |x: U256| money(I256::from_raw(x * U256::from(100u8)));
        println!(
            "   quote market: supply {}  borrow {}  utilisation {} %  borrow rate {} % APR  supply rate {} % APR  reserve {}  cash {}",
            money(I256::from_raw(m[0])),
            money(I256::from_raw(m[1])),
            pct(m[2]),
            pct(m[3]),
            pct(m[4]),
            money(I256::from_raw(m[7])),
            money(I256::from_raw(m[8] * U256::from(1_000_000_000_000u64)))
        );
        Ok(())
    }

    fn fund(&mut self) -> Result<(), Failed> {
        let b = self.s.fund_balance()?;
        println!("   insurance fund balance {}", money(b));
        Ok(())
    }

    fn breaker(&mut self) -> Result<(), Failed> {
        let (admin, breaker, weth) = (self.s.admin, self.s.breaker, self.s.weth);
        let r = self
            .s
            .rt
            .view(admin, breaker, &Breaker::scopeStateCall { scope: weth })?;
        let allowed = self
            .s
            .rt
            .view(
                admin,
                breaker,
                &Breaker::liquidationAllowedCall { asset: weth },
            )?
            ._0;
        let reason = ["none", "price move", "rate limit", "drawdown", "manual"]
            .get(usize::from(r._0))
            .copied()
            .unwrap_or("?");
        let now = self.s.rt.block().timestamp;
        println!(
            "   breaker (ETH): {}; liquidations {}",
            if r._1 > now {
                format!("tripped for {reason} until +{} s", r._1 - now)
            } else if r._2 > now {
                format!(
                    "post-reset grace until +{} s (only deeply unhealthy accounts)",
                    r._2 - now
                )
            } else if r._0 != 0 {
                format!("cleared (last trip: {reason})")
            } else {
                "clear".to_string()
            },
            if allowed { "allowed" } else { "refused" }
        );
        Ok(())
    }
}

fn run() -> Result<(), Failed> {
    let mut d = Demo {
        s: System::deploy()?,
        step: 0,
    };
    println!("Cross-margin clearing on Stylus: the life cycle on the offline runtime");
    println!(
        "deployed 20 contracts (RiskModule, CollateralVault, RiskEngine, MarginEngine, PerpMarkets, \
         Clearinghouse, Exchange, InsuranceFund, CircuitBreaker, Liquidator, Backstop, VaultPolicy, \
         OptionMarkets, OptionBook, MarginMath, Timelock, tokens, feeds) and wired them; then the Timelock became every contract's admin and \
         governance listed USDC, WETH and the ETH perpetual through it (each change queued, \
         executed after the 1 h delay); ETH at 3000, USDC at 1.00"
    );
    let (alice, bob, carol, kim) = (
        Trader::from_seed("alice"),
        Trader::from_seed("bob"),
        Trader::from_seed("carol"),
        Trader::from_seed("kim"),
    );
    let (a, b, c, k) = (
        alice.account(0),
        bob.account(0),
        carol.account(0),
        kim.account(0),
    );
    let (quote, weth) = (d.s.usdc, d.s.weth);

    d.title("Governance opens the liquidation rate limit from 20 % to 100 % of open interest");
    // Bob's position will be most of the open interest: the default rate
    // limit (20 % per hour) would need five windows. A risk-raising change
    // moves at most 20 points, once a day, each step through the timelock.
    d.s.open_rate_limit()?;
    println!(
        "   four steps of 20 points, each queued, executed after the delay and a day after the last; \
         the rate limit is now {} %",
        money(I256::from_raw(d.s.rate_limit()? * U256::from(100u8)))
    );

    d.title("Deposits");
    d.s.deposit(&alice, 0, quote, usdc(100_000))?;
    d.gas("deposit USDC");
    d.s.deposit(&bob, 0, quote, usdc(1_000))?;
    d.s.deposit(&carol, 0, weth, wad(10))?;
    d.s.deposit(&kim, 0, quote, usdc(100_000))?;
    println!("   Alice 100,000 USDC; Bob 1,000 USDC; Carol 10 WETH; Kim (a keeper) 100,000 USDC");

    d.title("Signed orders settle: Bob shorts 2 ETH to Alice, Carol hedges her WETH with a 10 ETH short");
    d.s.trade((&alice, 0), (&bob, 0), swad(2), wad(3000), 1)?;
    d.gas("settleFill");
    d.s.trade((&alice, 0), (&carol, 0), swad(10), wad(3000), 2)?;
    for (n, x) in [("Alice", a), ("Bob", b), ("Carol", c)] {
        d.account(n, x)?;
    }
    println!(
        "   Carol's 30,000 of notional needs only the 0.5 % floor: the hedge nets her ETH delta to zero"
    );

    d.title(
        "Eight hours pass; a fill above the index has set a premium, funding accrues per second",
    );
    d.s.trade((&alice, 0), (&kim, 0), swad(1), wad(3030), 3)?;
    d.s.advance(8 * 3600)?;
    for (n, x) in [("Alice", a), ("Bob", b), ("Kim", k)] {
        d.account(n, x)?;
    }

    d.title("A keeper records the breaker's reference price; ETH rallies to 3700 (+23 %)");
    let keeper = kim.address;
    d.s.poke_breaker(keeper)?;
    d.s.set_eth_price(3700)?;
    d.s.poke_breaker(keeper)?;
    for (n, x) in [("Alice", a), ("Bob", b), ("Carol", c)] {
        d.account(n, x)?;
    }
    d.breaker()?;

    d.title("Kim tries to liquidate Bob while the breaker holds; then the cooldown and grace pass");
    match d.s.liquidate(&kim, 0, b, ETH_PERP, wad(2)) {
        Err(e) => println!(
            "   refused: {}",
            if e.decode::<Breaker::LiquidationsHalted>().is_some() {
                "LiquidationsHalted".to_string()
            } else {
                e.to_string()
            }
        ),
        Ok(_) => println!("   (went through)"),
    }
    d.s.advance(1801 + 900)?;
    d.breaker()?;

    d.title(
        "Kim liquidates Bob: all of it, at the oracle price, 0.5 % penalty split with the fund",
    );
    let closed = d.s.liquidate(&kim, 0, b, ETH_PERP, wad(2))?;
    d.gas("liquidate");
    println!("   closed {} ETH", size(I256::from_raw(closed)));
    for (n, x) in [("Bob", b), ("Kim", k)] {
        d.account(n, x)?;
    }
    d.fund()?;

    d.title("Bob's equity is negative with nothing left to sell: bad debt");
    let (covered, socialised) = d.s.settle_bad_debt(keeper, b)?;
    d.gas("settleBadDebt");
    println!(
        "   the fund covered {}, {} was socialised on the longs (who profited)",
        money(I256::from_raw(covered)),
        money(I256::from_raw(socialised))
    );
    for (n, x) in [("Alice", a), ("Bob", b)] {
        d.account(n, x)?;
    }
    d.fund()?;

    d.title("The quote money market: Carol's hedge loss is a quote debt backed by her WETH; a day of interest");
    // Interest runs from the last accrual: a keeper accrues, then a day passes.
    d.s.accrue()?;
    d.market()?;
    let carol_before = d.s.quote_balance(c)?;
    let alice_before = d.s.quote_balance(a)?;
    d.s.advance(86_400)?;
    d.s.accrue()?;
    d.gas("VaultPolicy.accrue");
    let carol_after = d.s.quote_balance(c)?;
    let alice_after = d.s.quote_balance(a)?;
    println!(
        "   a day later (accrued by a keeper): Carol paid {} of interest, Alice (a supplier) earned {}",
        money(carol_before - carol_after),
        money(alice_after - alice_before)
    );
    d.market()?;

    d.title("Everything else still works: Carol closes her hedge");
    d.s.trade((&carol, 0), (&alice, 0), swad(10), wad(3700), 4)?;
    d.account("Carol", c)?;

    d.title("Options: governance enables the ETH class; a week's 3800 call is listed, its volatility posted (60 %)");
    d.s.enable_eth_options()?;
    let expiry = d.s.expiry_in(7);
    let call = d.s.list_eth_series(expiry, 3800, true)?;
    d.s.post_eth_vol(expiry, WAD * U256::from(6u8) / U256::from(10u8))?;
    println!(
        "   class enabled through the Timelock (90-day horizon, strike tick 50, min size 0.1); \
         series {call:#x} = ETH 3800 call expiring at 08:00 UTC in a week"
    );

    d.title("Dana writes a covered call (10 calls on her 10 WETH); Erin writes 10 naked calls; Alice buys all 20 at 120");
    let (dana, erin) = (Trader::from_seed("dana"), Trader::from_seed("erin"));
    let (dn, en) = (dana.account(0), erin.account(0));
    d.s.deposit(&dana, 0, weth, wad(10))?;
    d.s.deposit(&erin, 0, quote, usdc(40_000))?;
    d.s.trade_option((&alice, 0), (&dana, 0), call, swad(10), wad(120), 10)?;
    d.gas("settleFill (option)");
    d.s.trade_option((&alice, 0), (&erin, 0), call, swad(10), wad(120), 11)?;
    let book = [("C3800", call)];
    for (n, x) in [("Alice", a), ("Dana", dn), ("Erin", en)] {
        d.options(n, x, &book)?;
    }
    let (admin, margin) = (d.s.admin, d.s.margin);
    for (n, x) in [("Dana", dn), ("Erin", en)] {
        let g =
            d.s.rt
                .view_tuple(admin, margin, &Margin::greeksCall { account: x })?;
        if let Some(i) = g._0.iter().position(|u| *u == weth) {
            println!(
                "   {n:<8} ETH delta {:>8}  gamma {:>8}  vega {:>9}",
                size(g._1[i]),
                money(g._2[i]),
                money(g._3[i])
            );
        }
    }
    let oi =
        d.s.rt
            .view(admin, d.s.book, &Book::openInterestCall { series: call })?
            ._0;
    println!(
        "   open interest {} contracts; the covered call's WETH offsets the short call's delta, the naked one has none",
        size(I256::from_raw(oi))
    );

    d.title("A week later ETH stands at 3900: anyone records the expiry's settlement price, and settles the holders");
    d.s.set_eth_price(3900)?;
    let now = d.s.rt.block().timestamp;
    d.s.advance(expiry - now + 600)?;
    let price = d.s.settle_eth_expiry(keeper, expiry)?;
    d.gas("settleExpiry");
    println!(
        "   settlement price {} (the feed round in force at expiry); the call pays {} per contract",
        money(I256::from_raw(price)),
        money(I256::from_raw(price - wad(3800)))
    );
    let mut total = I256::ZERO;
    for (n, x) in [("Alice", a), ("Dana", dn), ("Erin", en)] {
        let paid = d.s.settle_option_account(keeper, x)?;
        total += paid;
        println!("   settleAccount({n}): {}", money(paid));
    }
    d.gas("settleAccount");
    println!(
        "   payouts sum to {}: long and short sides net to zero",
        money(total)
    );
    for (n, x) in [("Alice", a), ("Dana", dn), ("Erin", en)] {
        d.options(n, x, &book)?;
    }
    println!("\nDone: every step ran on the contracts' deployable WASM.");
    Ok(())
}

fn main() -> ExitCode {
    let _ = Args::parse();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed(e)) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
