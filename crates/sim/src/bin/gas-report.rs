//! `gas-report [--markdown PATH] [--budget FILE [--lower-budget]]`: deploys the whole system on the offline
//! runtime, runs the operations users, matchers and keepers pay for, and prints each one's
//! estimated gas with the programs not cached and cached (two runs of the same script, the
//! second after every program is put in the chain's program cache), its state-access floor and
//! the ratio (the method is `crates/stylus-runtime/GAS.md`). With `--markdown` it also writes the
//! table to PATH; with `--budget` it compares every row with the budget file and exits 1 when a
//! row is over its budget or the file and the report do not name the same rows; with
//! `--lower-budget` it first rewrites the budget file, lowering each row to its measured gas plus
//! 5 % (rounded up to 1,000) where that is below the current budget, and giving new rows one.
//! Needs `scripts/build-wasm` first. Exit codes: 0 ok, 1 over budget, 2 the run or a file failed.
use alloy_primitives::{I256, U256};
use clap::Parser;
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader};
use std::{collections::BTreeMap, fmt::Write as _, process::ExitCode};
use stylus_runtime::GasReport;

#[derive(Parser)]
#[command(about = "Estimated gas of the clearing system's operations on the offline runtime")]
struct Args {
    /// Also write the table as Markdown to this file.
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
    /// Budget file (TOML: one table per operation with integer `uncached` and `cached` gas and
    /// an optional `target`, cached): fail when a row exceeds its budget.
    #[arg(long)]
    budget: Option<std::path::PathBuf>,
    /// Rewrite the `--budget` file first: each row's budgets lowered to the measured gas plus
    /// 5 %, rounded up to 1,000, where that is lower (never raised), new rows added, rows no
    /// longer measured dropped; the header comments and targets are kept.
    #[arg(long, requires = "budget")]
    lower_budget: bool,
}

/// `gas` plus 5 %, rounded up to a thousand: the budget of a measured row.
fn budget_of(gas: u64) -> u64 {
    (gas * 105).div_ceil(100).div_ceil(1_000) * 1_000
}

/// The budget file after `--lower-budget`: `header` (the old file's leading comment lines),
/// then one table per row in the report's order.
fn lowered_budgets(header: &str, rows: &[Row], old: &BTreeMap<String, Budget>) -> String {
    let mut out = String::from(header);
    if !header.is_empty() {
        out.push('\n');
    }
    for r in rows {
        let (u, c) = (budget_of(r.uncached.used), budget_of(r.cached.used));
        let prev = old.get(&r.what);
        let _ = write!(
            out,
            "\n[{:?}]\nuncached = {}\ncached = {}\n",
            r.what,
            prev.map_or(u, |b| b.uncached.min(u)),
            prev.map_or(c, |b| b.cached.min(c)),
        );
        if let Some(t) = prev.and_then(|b| b.target) {
            let _ = writeln!(out, "target = {t}");
        }
    }
    out
}

/// One measured operation, with programs not cached and cached.
struct Row {
    what: String,
    uncached: GasReport,
    cached: GasReport,
}

/// One operation's budget (and the cached target it works towards, if any).
struct Budget {
    uncached: u64,
    cached: u64,
    target: Option<u64>,
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

/// The gas report of the last transaction.
fn last(s: &System) -> Result<GasReport, String> {
    s.rt.last_receipt()
        .map(|r| r.gas)
        .ok_or_else(|| "no transaction ran".to_string())
}

/// Runs the script twice, programs not cached then cached, and pairs the rows.
fn run() -> Result<Vec<Row>, String> {
    let uncached = script(false)?;
    let cached = script(true)?;
    if uncached.len() != cached.len() {
        return Err("the two runs measured different operations".into());
    }
    Ok(uncached
        .into_iter()
        .zip(cached)
        .map(|((what, uncached), (_, cached))| Row {
            what,
            uncached,
            cached,
        })
        .collect())
}

/// The measured operations of one run, with every program cached after the deployment when
/// `cached`.
fn script(cached: bool) -> Result<Vec<(String, GasReport)>, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut s = System::deploy().map_err(|x| e(&x))?;
    if cached {
        s.cache_all();
    }
    if std::env::var_os("STYLUS_TRACE").is_some() {
        for (name, a) in [
            ("usdc", s.usdc),
            ("weth", s.weth),
            ("usdc-feed", s.usdc_feed),
            ("eth-feed", s.eth_feed),
            ("risk-module", s.risk),
            ("vault", s.vault),
            ("risk-engine", s.engine),
            ("perp-markets", s.markets),
            ("clearinghouse", s.clearinghouse),
            ("margin-engine", s.margin),
            ("exchange", s.exchange),
            ("insurance-fund", s.fund),
            ("breaker", s.breaker),
            ("liquidator", s.liquidator),
            ("backstop", s.backstop),
            ("vault-policy", s.policy),
            ("timelock", s.timelock),
        ] {
            eprintln!("trace: name {name} {a}");
        }
    }
    let tracing = std::env::var_os("STYLUS_TRACE").is_some();
    let mut rows: Vec<(String, GasReport)> = Vec::new();
    let mut push = |s: &System, what: &str, gas: GasReport| {
        if tracing {
            // The call tree with each frame's gas (callees included), then the row's name.
            for f in
                s.rt.last_receipt()
                    .map(|r| r.frames.as_slice())
                    .unwrap_or_default()
            {
                eprintln!("trace: frame {} {} {}", f.depth, f.address, f.gas_used);
            }
            eprintln!("trace: row {what} (programs cached: {cached})");
        }
        rows.push((what.to_string(), gas))
    };
    // A perpetual on `underlying` with the ETH market's settings, through governance.
    let markets = s.markets;
    let list_market = |s: &mut System, underlying| {
        s.admin_call(
            "list market",
            markets,
            &Markets::listMarketCall {
                underlying,
                minSize: WAD / U256::from(100),
                tick: WAD / U256::from(100),
                makerFee: WAD * U256::from(2) / U256::from(10_000),
                takerFee: WAD * U256::from(5) / U256::from(10_000),
                maxOpenInterest: wad(10_000),
                fundingCap: WAD * U256::from(75) / U256::from(10_000),
            },
        )
        .map_err(|x| e(&x))
    };
    // Seven more ETH markets, so accounts can hold 8 positions.
    let weth = s.weth;
    for _ in 1..8 {
        list_market(&mut s, weth)?;
    }
    // Liquidations of single large positions: no rate limit in the way.
    s.open_rate_limit().map_err(|x| e(&x))?;
    let quote = s.usdc;
    let maker = Trader::from_seed("maker");
    let keeper = Trader::from_seed("keeper");
    s.deposit(&maker, 0, quote, usdc(10_000_000))
        .map_err(|x| e(&x))?;
    s.deposit(&keeper, 0, quote, usdc(10_000_000))
        .map_err(|x| e(&x))?;

    // Deposits: the first of an asset into a sub-account, then another.
    let alice = Trader::from_seed("alice");
    s.deposit(&alice, 0, quote, usdc(50_000))
        .map_err(|x| e(&x))?;
    push(&s, "deposit (first, new sub-account)", last(&s)?);
    s.deposit(&alice, 0, quote, usdc(50_000))
        .map_err(|x| e(&x))?;
    push(&s, "deposit (again)", last(&s)?);

    // Fills: opening, then adding to a position.
    let mut nonce = 0u64;
    let mut trade = |s: &mut System, market: u32, taker: &Trader, size: i64, price: u64| {
        nonce += 1;
        let m = Order {
            market,
            ..s.order(&maker, 0, swad(size), wad(price), nonce)
        };
        let t = Order {
            market,
            ..s.order(taker, 0, swad(-size), wad(price), nonce)
        };
        let (ms, ts) = (s.sign(&maker, &m), s.sign(taker, &t));
        s.settle((&m, &ms), (&t, &ts), wad(size.unsigned_abs()))
    };
    trade(&mut s, 0, &alice, -2, 3000).map_err(|x| e(&x))?;
    push(&s, "settleFill (both sides open a position)", last(&s)?);
    trade(&mut s, 0, &alice, -1, 3000).map_err(|x| e(&x))?;
    push(&s, "settleFill (both sides add to a position)", last(&s)?);

    // Withdrawal with a position open (health check included).
    let exchange = s.exchange;
    s.rt.call(
        alice.address,
        exchange,
        &Exchange::withdrawCall {
            subaccount: 0,
            asset: quote,
            amount: usdc(1_000),
        },
        U256::ZERO,
    )
    .map_err(|x| e(&x))?;
    push(&s, "withdraw (1 position open)", last(&s)?);

    // Keepers: the volatility fold and the breaker's price reference.
    let (risk, admin) = (s.risk, s.admin);
    s.rt.call(admin, risk, &Risk::pokeCall { asset: weth }, U256::ZERO)
        .map_err(|x| e(&x))?;
    push(&s, "RiskModule.poke (EWMA fold)", last(&s)?);
    s.poke_breaker(admin).map_err(|x| e(&x))?;
    push(&s, "CircuitBreaker.poke", last(&s)?);

    // Health and liquidation of accounts with 1, 4 and 8 positions.
    for n in [1u32, 4, 8] {
        let bob = Trader::from_seed(&format!("bob-{n}"));
        s.deposit(&bob, 0, quote, usdc(150 * u64::from(n)))
            .map_err(|x| e(&x))?;
        for market in 0..n {
            trade(&mut s, market, &bob, -1, 3000).map_err(|x| e(&x))?;
        }
        let account = bob.account(0);
        s.health(account).map_err(|x| e(&x))?;
        push(
            &s,
            &format!(
                "MarginEngine.health ({n} position{})",
                if n == 1 { "" } else { "s" }
            ),
            last(&s)?,
        );
        s.set_eth_price(2400).map_err(|x| e(&x))?;
        s.liquidate(&keeper, 0, account, 0, wad(1))
            .map_err(|x| e(&x))?;
        push(
            &s,
            &format!("liquidate ({n} position{})", if n == 1 { "" } else { "s" }),
            last(&s)?,
        );
        s.set_eth_price(3000).map_err(|x| e(&x))?;
    }

    // Health on eight underlyings (USDC and seven perpetuals: ETH's and six more, one token
    // and market each, in one bucket), in cross mode and then in portfolio mode.
    let carol = Trader::from_seed("carol");
    let mut markets_of = vec![0u32];
    for (i, symbol) in ["T1", "T2", "T3", "T4", "T5", "T6"].iter().enumerate() {
        let token = s.list_token(symbol, 100).map_err(|x| e(&x))?;
        list_market(&mut s, token)?;
        markets_of.push(8 + u32::try_from(i).unwrap_or_default());
    }
    s.refresh_prices().map_err(|x| e(&x))?;
    // Dave takes the other sides (the maker of the rows above already has eight markets).
    let dave = Trader::from_seed("dave");
    s.deposit(&carol, 0, quote, usdc(100_000))
        .map_err(|x| e(&x))?;
    s.deposit(&dave, 0, quote, usdc(1_000_000))
        .map_err(|x| e(&x))?;
    for (k, market) in markets_of.iter().enumerate() {
        // Alternate sides, so that the correlation credit matters.
        let (size, price) = if k == 0 { (1, 3000) } else { (10, 100) };
        let size = if k % 2 == 0 { size } else { -size };
        let n = 1_000 + u64::try_from(k).unwrap_or_default();
        let d = Order {
            market: *market,
            ..s.order(&dave, 0, swad(size), wad(price), n)
        };
        let c = Order {
            market: *market,
            ..s.order(&carol, 0, swad(-size), wad(price), n)
        };
        let (ds, cs) = (s.sign(&dave, &d), s.sign(&carol, &c));
        s.settle((&d, &ds), (&c, &cs), wad(size.unsigned_abs()))
            .map_err(|x| e(&x))?;
    }
    let account = carol.account(0);
    s.health(account).map_err(|x| e(&x))?;
    push(
        &s,
        "MarginEngine.health (8 underlyings, cross mode)",
        last(&s)?,
    );
    s.set_margin_mode(&carol, 0, true).map_err(|x| e(&x))?;
    s.health(account).map_err(|x| e(&x))?;
    push(
        &s,
        "MarginEngine.health (8 underlyings, portfolio mode)",
        last(&s)?,
    );

    // The whole margin function of the largest account the system allows: 8 underlyings, each
    // with spot, a perp and two option series, 16 in all (MarginMath, not yet wired into the
    // health check: its share of the 600,000 budget of such a check).
    let input = full_account_input()?;
    for (portfolio, mode) in [(false, "cross"), (true, "portfolio")] {
        let (admin, math) = (s.admin, s.math);
        s.rt.call(
            admin,
            math,
            &Math::requirementsCall {
                input: input.clone().into(),
                portfolio,
            },
            U256::ZERO,
        )
        .map_err(|x| e(&x))?;
        push(
            &s,
            &format!("MarginMath.requirements (16 series on 8 underlyings, {mode} mode)"),
            last(&s)?,
        );
    }

    // Health of an account with options: USDC and one short ETH call a week out (the
    // OptionBook's rows, the exposures, MarginMath's requirements and marks).
    s.enable_eth_options().map_err(|x| e(&x))?;
    s.refresh_prices().map_err(|x| e(&x))?;
    let expiry = s.expiry_in(7);
    let call = s.list_eth_series(expiry, 3000, true).map_err(|x| e(&x))?;
    s.post_eth_vol(expiry, WAD * U256::from(6u8) / U256::from(10u8))
        .map_err(|x| e(&x))?;
    let erin = Trader::from_seed("erin");
    s.deposit(&erin, 0, quote, usdc(10_000))
        .map_err(|x| e(&x))?;
    s.trade_option((&erin, 0), (&dave, 0), call, swad(-1), wad(100), 2_000)
        .map_err(|x| e(&x))?;
    s.health(erin.account(0)).map_err(|x| e(&x))?;
    push(&s, "MarginEngine.health (1 short call)", last(&s)?);
    Ok(rows)
}

/// The margin input of the largest account (`clearing_sim::largest`).
fn full_account_input() -> Result<Vec<u8>, String> {
    use clearing_core::{encode_margin_input, margin_input_len, OptionMarginParams};
    use clearing_sim::largest;
    let raw = largest::account();
    let books = largest::books(&raw);
    let mut input = vec![0u8; margin_input_len(8, 16)];
    encode_margin_input(
        &books,
        &largest::correlations(),
        &OptionMarginParams::DEFAULT,
        &mut input,
    )
    .map_err(|x| format!("margin input: {x:?}"))?;
    Ok(input)
}

fn table(rows: &[Row], budgets: &BTreeMap<String, Budget>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| operation | not cached | floor | ratio | cached | floor | ratio | target, cached |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let target = budgets
            .get(&r.what)
            .and_then(|b| b.target)
            .map_or_else(|| "-".to_string(), |t| t.to_string());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {} | {} | {:.2} | {} |",
            r.what,
            r.uncached.estimate(),
            r.uncached.floor(),
            r.uncached.ratio(),
            r.cached.estimate(),
            r.cached.floor(),
            r.cached.ratio(),
            target
        );
    }
    out
}

/// Reads the budget file: one TOML table per operation.
fn read_budgets(path: &std::path::Path) -> Result<BTreeMap<String, Budget>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (what, v) in doc {
        let t = v
            .as_table()
            .ok_or_else(|| format!("{}: [{what}] is not a table", path.display()))?;
        let int = |key: &str| -> Result<Option<u64>, String> {
            match t.get(key) {
                None => Ok(None),
                Some(x) => x
                    .as_integer()
                    .and_then(|i| u64::try_from(i).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        format!("{}: [{what}] {key} is not a gas amount", path.display())
                    }),
            }
        };
        let need = |key: &str| -> Result<u64, String> {
            int(key)?.ok_or_else(|| format!("{}: [{what}] has no {key}", path.display()))
        };
        let b = Budget {
            uncached: need("uncached")?,
            cached: need("cached")?,
            target: int("target")?,
        };
        out.insert(what, b);
    }
    Ok(out)
}

/// Every breach of the budgets: a row over budget, a row without one, a budget without a row.
fn over_budget(rows: &[Row], budgets: &BTreeMap<String, Budget>) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        match budgets.get(&r.what) {
            None => out.push(format!("{}: no budget", r.what)),
            Some(b) => {
                for (column, gas, budget) in [
                    ("not cached", r.uncached.estimate(), b.uncached),
                    ("cached", r.cached.estimate(), b.cached),
                ] {
                    if gas > budget {
                        out.push(format!("{} ({column}): {gas} > budget {budget}", r.what));
                    }
                }
            }
        }
    }
    for what in budgets.keys() {
        if !rows.iter().any(|r| &r.what == what) {
            out.push(format!("{what}: budgeted but not measured"));
        }
    }
    out
}

fn main() -> ExitCode {
    let args = Args::parse();
    let budgets = match args.budget.as_deref().map(read_budgets).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gas-report: {e}");
            return ExitCode::from(2);
        }
    };
    let rows = match run() {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("gas-report: {e}");
            return ExitCode::from(2);
        }
    };
    let budgets = match (args.lower_budget, args.budget.as_deref(), budgets) {
        (true, Some(path), Some(old)) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let header: String = text
                .lines()
                .take_while(|l| !l.starts_with('['))
                .map(|l| format!("{l}\n"))
                .collect();
            let new = lowered_budgets(header.trim_end_matches('\n'), &rows, &old);
            let new = format!("{}\n", new.trim_end());
            if let Err(e) = std::fs::write(path, &new) {
                eprintln!("gas-report: writing {}: {e}", path.display());
                return ExitCode::from(2);
            }
            match read_budgets(path) {
                Ok(b) => Some(b),
                Err(e) => {
                    eprintln!("gas-report: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        (_, _, b) => b,
    };
    let t = table(&rows, budgets.as_ref().unwrap_or(&BTreeMap::new()));
    print!("{t}");
    if let Some(path) = args.markdown {
        let doc = format!(
            "# Gas report\n\n\
             Generated by `scripts/gas-report` on the offline runtime (`crates/stylus-runtime`, method in\n\
             `crates/stylus-runtime/GAS.md`) from the release WASM of every contract, deployed and wired\n\
             by `crates/sim`. *Estimated gas* is what the transaction consumes under Arbitrum's Stylus\n\
             pricing (after refunds); *floor* is what its intrinsic cost, storage and account accesses\n\
             alone cost; *ratio* = estimate / floor. *Not cached*: no program is in the chain's program\n\
             cache, so each transaction pays the init gas of every contract it enters for the first\n\
             time; *cached*: the same script after every program was put in the cache (Arbitrum's\n\
             CacheManager), so entries pay only the cached entry gas. *Target* is the cached gas the\n\
             gas work aims at; the budgets CI holds every row to are `docs/gas-budget.toml`.\n\
             Accounts hold USDC; positions are on the ETH perpetual (one market per position);\n\
             liquidations take 1 ETH of a long position after a 20 % price drop.\n\n{t}"
        );
        if let Err(e) = std::fs::write(&path, doc) {
            eprintln!("gas-report: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if let Some(b) = &budgets {
        let breaches = over_budget(&rows, b);
        if !breaches.is_empty() {
            for x in &breaches {
                eprintln!("gas-report: over budget: {x}");
            }
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gas(used: u64) -> GasReport {
        GasReport {
            used,
            ..GasReport::default()
        }
    }

    fn row(what: &str, uncached: u64, cached: u64) -> Row {
        Row {
            what: what.into(),
            uncached: gas(uncached),
            cached: gas(cached),
        }
    }

    /// Reads `text` as a budget file (written to a file of its own, as the tool reads one).
    fn parse(text: &str) -> Result<BTreeMap<String, Budget>, String> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("gas-budget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{n}.toml"));
        std::fs::write(&path, text).unwrap();
        read_budgets(&path)
    }

    fn budgets(text: &str) -> BTreeMap<String, Budget> {
        parse(text).unwrap()
    }

    #[test]
    fn rows_within_budget_pass() {
        let b = budgets("[\"a\"]\nuncached = 100\ncached = 80\ntarget = 50\n");
        assert_eq!(b["a"].target, Some(50));
        assert!(over_budget(&[row("a", 100, 80)], &b).is_empty());
    }

    #[test]
    fn a_row_over_either_budget_is_named() {
        let b = budgets("[\"a\"]\nuncached = 100\ncached = 80\n");
        assert_eq!(
            over_budget(&[row("a", 101, 81)], &b),
            vec![
                "a (not cached): 101 > budget 100".to_string(),
                "a (cached): 81 > budget 80".to_string()
            ]
        );
    }

    #[test]
    fn unbudgeted_rows_and_unmeasured_budgets_fail() {
        let b = budgets("[\"gone\"]\nuncached = 1\ncached = 1\n");
        assert_eq!(
            over_budget(&[row("new", 1, 1)], &b),
            vec![
                "new: no budget".to_string(),
                "gone: budgeted but not measured".to_string()
            ]
        );
    }

    #[test]
    fn lowering_budgets_never_raises_one_and_keeps_targets() {
        let old = budgets(
            "[\"a\"]\nuncached = 2000\ncached = 1000\ntarget = 500\n\n[\"gone\"]\nuncached = 1\ncached = 1\n",
        );
        // a: measured 1,000 / 1,000 -> 1,050 -> 2,000 (uncached, lowered from 2,000: equal)
        // and 2,000 (cached, above the old 1,000: kept). b: new, 10,001 -> 10,502 -> 11,000.
        let text = lowered_budgets(
            "# header",
            &[row("a", 1_000, 1_000), row("b", 10_001, 9_000)],
            &old,
        );
        assert_eq!(
            text,
            "# header\n\n[\"a\"]\nuncached = 2000\ncached = 1000\ntarget = 500\n\n[\"b\"]\nuncached = 11000\ncached = 10000\n"
        );
        let b = budgets(&text);
        assert_eq!(b.len(), 2);
        assert_eq!(b["a"].target, Some(500));
        assert_eq!(budget_of(952_381), 1_001_000);
        assert_eq!(budget_of(952_380), 1_000_000);
    }

    #[test]
    fn a_budget_without_cached_gas_is_refused() {
        let err = parse("[\"a\"]\nuncached = 1\n").err().unwrap();
        assert!(err.ends_with("[a] has no cached"), "{err}");
        let err = parse("[\"a\"]\nuncached = -1\ncached = 1\n").err().unwrap();
        assert!(err.ends_with("[a] uncached is not a gas amount"), "{err}");
    }
}
