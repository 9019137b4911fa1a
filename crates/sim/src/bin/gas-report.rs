//! `gas-report [--markdown PATH]`: deploys the whole system on the offline
//! runtime, runs the operations users, matchers and keepers pay for, and
//! prints each one's estimated gas, its state-access floor and their ratio
//! (the method is `crates/stylus-runtime/GAS.md`). With `--markdown` it also
//! writes the table to PATH. Needs `scripts/build-wasm` first.
use alloy_primitives::{I256, U256};
use clap::Parser;
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader};
use std::{fmt::Write as _, process::ExitCode};
use stylus_runtime::GasReport;

#[derive(Parser)]
#[command(about = "Estimated gas of the clearing system's operations on the offline runtime")]
struct Args {
    /// Also write the table as Markdown to this file.
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
}

/// One measured operation.
struct Row {
    what: String,
    gas: GasReport,
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

fn run() -> Result<Vec<Row>, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut s = System::deploy().map_err(|x| e(&x))?;
    let mut rows = Vec::new();
    let mut push = |what: &str, gas: GasReport| {
        rows.push(Row {
            what: what.to_string(),
            gas,
        })
    };
    // Seven more ETH markets, so accounts can hold 8 positions.
    let (markets, weth) = (s.markets, s.weth);
    for _ in 1..8 {
        s.admin_call(
            "list market",
            markets,
            &Markets::listMarketCall {
                underlying: weth,
                minSize: WAD / U256::from(100),
                tick: WAD / U256::from(100),
                makerFee: WAD * U256::from(2) / U256::from(10_000),
                takerFee: WAD * U256::from(5) / U256::from(10_000),
                maxOpenInterest: wad(10_000),
                fundingCap: WAD * U256::from(75) / U256::from(10_000),
            },
        )
        .map_err(|x| e(&x))?;
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
    push("deposit (first, new sub-account)", last(&s)?);
    s.deposit(&alice, 0, quote, usdc(50_000))
        .map_err(|x| e(&x))?;
    push("deposit (again)", last(&s)?);

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
    push("settleFill (both sides open a position)", last(&s)?);
    trade(&mut s, 0, &alice, -1, 3000).map_err(|x| e(&x))?;
    push("settleFill (both sides add to a position)", last(&s)?);

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
    push("withdraw (1 position open)", last(&s)?);

    // Keepers: the volatility fold and the breaker's price reference.
    let (risk, admin) = (s.risk, s.admin);
    s.rt.call(admin, risk, &Risk::pokeCall { asset: weth }, U256::ZERO)
        .map_err(|x| e(&x))?;
    push("RiskModule.poke (EWMA fold)", last(&s)?);
    s.poke_breaker(admin).map_err(|x| e(&x))?;
    push("CircuitBreaker.poke", last(&s)?);

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
            &format!("liquidate ({n} position{})", if n == 1 { "" } else { "s" }),
            last(&s)?,
        );
        s.set_eth_price(3000).map_err(|x| e(&x))?;
    }
    Ok(rows)
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| operation | estimated gas | floor | ratio |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} |",
            r.what,
            r.gas.estimate(),
            r.gas.floor(),
            r.gas.ratio()
        );
    }
    out
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rows = match run() {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("gas-report: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t = table(&rows);
    print!("{t}");
    if let Some(path) = args.markdown {
        let doc = format!(
            "# Gas report\n\n\
             Generated by `scripts/gas-report` on the offline runtime (`crates/stylus-runtime`, method in\n\
             `crates/stylus-runtime/GAS.md`) from the release WASM of every contract, deployed and wired\n\
             by `crates/sim`. *Estimated gas* is what the transaction consumes under Arbitrum's Stylus\n\
             pricing (after refunds); *floor* is what its intrinsic cost, storage and account accesses\n\
             alone cost; *ratio* = estimate / floor. Programs are not in the chain's program cache, so\n\
             each transaction pays the init gas of every contract it enters for the first time.\n\
             Accounts hold USDC; positions are on the ETH perpetual (one market per position);\n\
             liquidations take 1 ETH of a long position after a 20 % price drop.\n\n{t}"
        );
        if let Err(e) = std::fs::write(&path, doc) {
            eprintln!("gas-report: writing {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
