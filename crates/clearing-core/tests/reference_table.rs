//! The reference table of DESIGN section 7 (issue: vault and risk module;
//! option books from issue 15): equity, maintenance and initial requirement
//! and free collateral of delta-one and option portfolios under both margin
//! modes, at fixed prices and volatilities and the default parameters, from
//! the scenario margin function (`scenario_requirements`). The table is kept in `docs/reference-table.md`;
//! this test fails when that file is stale. Regenerate it with
//! `UPDATE_DOCS=1 cargo test -p clearing-core --test reference_table`.
use alloy_primitives::{I256, U256};
use clearing_core::{
    initial_haircut, options_value, requirements, scenario_requirements, target_haircut, Book,
    Correlations, Exposure, HaircutParams, MarginMode, OptionKind, OptionMarginParams,
    OptionPosition, WAD,
};

/// One asset's market data and risk settings.
#[derive(Clone, Copy)]
struct Asset {
    name: &'static str,
    price: u64,
    /// Daily volatility in basis points.
    vol_bp: u64,
    /// Haircut floor and cap in basis points.
    floor_bp: u64,
    cap_bp: u64,
    bucket: u8,
    /// Liquidity depth in USD (0 disables the size add-on).
    depth: u64,
    /// Implied volatility of the nearest expiry in percent (0: no options listed).
    iv_pct: u64,
}

const ETH: Asset = Asset {
    name: "ETH",
    price: 3000,
    vol_bp: 350,
    floor_bp: 100,
    cap_bp: 5000,
    bucket: 0,
    depth: 50_000_000,
    iv_pct: 60,
};
const BTC: Asset = Asset {
    name: "BTC",
    price: 60_000,
    vol_bp: 300,
    floor_bp: 100,
    cap_bp: 5000,
    bucket: 0,
    depth: 100_000_000,
    iv_pct: 50,
};
const ARB: Asset = Asset {
    name: "ARB",
    price: 1,
    vol_bp: 600,
    floor_bp: 300,
    cap_bp: 8000,
    bucket: 1,
    depth: 2_000_000,
    iv_pct: 0,
};
const USDC: Asset = Asset {
    name: "USDC",
    price: 1,
    vol_bp: 10,
    floor_bp: 50,
    cap_bp: 2000,
    bucket: 2,
    depth: 0,
    iv_pct: 0,
};

/// Default correlations of the risk module: majors 0.80, alts 0.60,
/// stables 0.95, other 0.50 within a bucket; 0.25 across buckets.
fn correlations() -> Correlations {
    let c = |bp: u64| bp_to_wad(bp);
    Correlations {
        intra: [c(8000), c(6000), c(9500), c(5000)],
        inter: c(2500),
    }
}

fn bp_to_wad(bp: u64) -> U256 {
    U256::from(bp) * WAD / U256::from(10_000)
}

fn haircuts(a: &Asset) -> (U256, U256) {
    let params = HaircutParams::with_defaults(bp_to_wad(a.floor_bp), bp_to_wad(a.cap_bp));
    let m = target_haircut(bp_to_wad(a.vol_bp), &params).unwrap();
    (m, initial_haircut(m, &params).unwrap())
}

fn signed(x: f64) -> I256 {
    // Exact for the small multiples of 1/1000 used below.
    let milli = (x * 1000.0).round() as i64;
    I256::try_from(milli).unwrap() * I256::try_from(WAD / U256::from(1000)).unwrap()
}

/// A portfolio: (asset, spot holding, perp size) in base units, and option
/// positions (asset, kind, strike, days to expiry, signed contracts of one unit).
struct Portfolio {
    label: &'static str,
    holdings: Vec<(Asset, f64, f64)>,
    options: Vec<(Asset, OptionKind, u64, u64, f64)>,
}

use OptionKind::{Call, Put};

fn delta_one(label: &'static str, holdings: Vec<(Asset, f64, f64)>) -> Portfolio {
    Portfolio {
        label,
        holdings,
        options: vec![],
    }
}

fn usd(x: U256) -> String {
    // Two decimals, rounded down (display only).
    let cents = x / (WAD / U256::from(100));
    let c: u128 = cents.to();
    format!("{}.{:02}", group(c / 100), c % 100)
}

fn usd_signed(x: I256) -> String {
    if x.is_negative() {
        format!("-{}", usd(x.unsigned_abs()))
    } else {
        usd(x.into_raw())
    }
}

fn group(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn pct(x: U256) -> String {
    let bp4 = x / (WAD / U256::from(1_000_000)); // hundredths of a basis point
    let v: u128 = bp4.to();
    format!("{}.{:04} %", v / 10_000, v % 10_000)
}

fn table() -> String {
    let portfolios = [
        delta_one(
            "(a) naked long 10 ETH perp, 3,000 USDC deposited",
            vec![(ETH, 0.0, 10.0), (USDC, 3000.0, 0.0)],
        ),
        delta_one(
            "(b) 10 ETH deposited + short 10 ETH perp",
            vec![(ETH, 10.0, -10.0)],
        ),
        delta_one(
            "(c) long 1 BTC perp + short 20 ETH perp, 12,000 USDC deposited",
            vec![(BTC, 0.0, 1.0), (ETH, 0.0, -20.0), (USDC, 12_000.0, 0.0)],
        ),
        delta_one(
            "(d) 10,000 USDC + 5 ETH + 20,000 ARB deposited, no positions",
            vec![(USDC, 10_000.0, 0.0), (ETH, 5.0, 0.0), (ARB, 20_000.0, 0.0)],
        ),
        Portfolio {
            label: "(e) short 10 ETH 3000 calls 7 days, 10,000 USDC deposited",
            holdings: vec![(ETH, 0.0, 0.0), (USDC, 10_000.0, 0.0)],
            options: vec![(ETH, Call, 3000, 7, -10.0)],
        },
        Portfolio {
            label: "(f) 10 ETH deposited + short 10 ETH 3300 calls 30 days",
            holdings: vec![(ETH, 10.0, 0.0)],
            options: vec![(ETH, Call, 3300, 30, -10.0)],
        },
        Portfolio {
            label: "(g) short 10 ETH 3000 calls + short 10 ETH 3000 puts 7 days, 10,000 USDC deposited",
            holdings: vec![(ETH, 0.0, 0.0), (USDC, 10_000.0, 0.0)],
            options: vec![(ETH, Call, 3000, 7, -10.0), (ETH, Put, 3000, 7, -10.0)],
        },
        delta_one("(h0) 10 ETH deposited", vec![(ETH, 10.0, 0.0)]),
        Portfolio {
            label: "(h) 10 ETH deposited + long 10 ETH 2700 puts 30 days",
            holdings: vec![(ETH, 10.0, 0.0)],
            options: vec![(ETH, Put, 2700, 30, 10.0)],
        },
        Portfolio {
            label: "(i) long 10 ETH 3000 calls + short 10 ETH 3300 calls 7 days, 10,000 USDC deposited",
            holdings: vec![(ETH, 0.0, 0.0), (USDC, 10_000.0, 0.0)],
            options: vec![(ETH, Call, 3000, 7, 10.0), (ETH, Call, 3300, 7, -10.0)],
        },
        Portfolio {
            label: "(j) short 1 BTC 60000 straddle + long 20 ETH 3000 straddle 7 days, 20,000 USDC deposited",
            holdings: vec![(BTC, 0.0, 0.0), (ETH, 0.0, 0.0), (USDC, 20_000.0, 0.0)],
            options: vec![
                (BTC, Call, 60_000, 7, -1.0),
                (BTC, Put, 60_000, 7, -1.0),
                (ETH, Call, 3000, 7, 20.0),
                (ETH, Put, 3000, 7, 20.0),
            ],
        },
        Portfolio {
            label: "(k) short 10 ETH 2400 puts 7 days, 10,000 USDC deposited",
            holdings: vec![(ETH, 0.0, 0.0), (USDC, 10_000.0, 0.0)],
            options: vec![(ETH, Put, 2400, 7, -10.0)],
        },
    ];
    let mut out = String::new();
    out.push_str("# Reference margin table\n\n");
    out.push_str("Generated by `crates/clearing-core/tests/reference_table.rs` (the test fails when this file is stale;\n");
    out.push_str(
        "regenerate with `UPDATE_DOCS=1 cargo test -p clearing-core --test reference_table`).\n\n",
    );
    out.push_str("Market data: prices ETH 3,000, BTC 60,000, ARB 1, USDC 1; daily volatilities ETH 3.5 %, BTC 3 %,\n");
    out.push_str("ARB 6 %, USDC 0.1 %. Default parameters: k = 3, liquidation horizon 1 h, initial / maintenance 1.5,\n");
    out.push_str("minimum margin fraction 0.5 % of gross perp notional. Positions are opened at the oracle price, so\n");
    out.push_str("unrealised PnL and pending funding are zero and equity is the collateral at oracle prices.\n");
    out.push_str("Options (rows (e) .. (k)): European, 1 contract = 1 unit, Black-76 at the oracle price with implied\n");
    out.push_str("volatility ETH 60 %, BTC 50 % (one volatility per underlying); traded at their marks, so the premium in the\n");
    out.push_str("quote balance offsets the mark value and equity is again the collateral (the option mark value is\n");
    out.push_str("shown beside it). Option parameters: the defaults of DESIGN section 12 (option horizon 6 h, range floor\n");
    out.push_str("3 %, tails 10 days / 25 % .. 50 % at (1, 60 %) and (2, 15 %), X_far 90 %, c_tail 0.5, vol shocks\n");
    out.push_str("+50 % / -25 % with f(T), contingency 0.3 % of spot per net short contract, initial = 1.5 x).\n");
    out.push_str("The initial requirement where the floor binds is 1.5 x the floor (row (b)).\n\n");
    out.push_str("| asset | bucket | haircut floor | haircut cap | liquidity depth | maintenance haircut | initial haircut |\n|---|---|---|---|---|---|---|\n");
    for a in [ETH, BTC, ARB, USDC] {
        let (m, i) = haircuts(&a);
        let bucket = ["majors", "alts", "stables", "other"][usize::from(a.bucket)];
        let depth = if a.depth == 0 {
            "none".to_string()
        } else {
            format!("{} USD", group(u128::from(a.depth)))
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            a.name,
            bucket,
            pct(bp_to_wad(a.floor_bp)),
            pct(bp_to_wad(a.cap_bp)),
            depth,
            pct(m),
            pct(i)
        ));
    }
    let c = correlations();
    out.push_str(&format!(
        "\nCorrelations (portfolio mode): intra-bucket majors {}, alts {}, stables {}, other {}; inter-bucket {}.\n",
        pct(c.intra[0]),
        pct(c.intra[1]),
        pct(c.intra[2]),
        pct(c.intra[3]),
        pct(c.inter)
    ));
    out.push_str(
        "Cross mode sums the absolute risks of the underlyings (no correlation credit).\n\n",
    );
    out.push_str("| portfolio | mode | equity | option mark value | maintenance | initial | free collateral (equity - initial) |\n|---|---|---|---|---|---|---|\n");
    for p in &portfolios {
        let mut equity = I256::ZERO;
        let positions: Vec<Vec<OptionPosition>> = p
            .holdings
            .iter()
            .map(|(a, _, _)| {
                p.options
                    .iter()
                    .filter(|o| o.0.name == a.name)
                    .map(|(_, kind, strike, days, size)| OptionPosition {
                        kind: *kind,
                        strike: U256::from(*strike) * WAD,
                        seconds: days * 86_400,
                        vol: bp_to_wad(a.iv_pct * 100),
                        size: signed(*size),
                    })
                    .collect()
            })
            .collect();
        let books: Vec<Book> = p
            .holdings
            .iter()
            .zip(&positions)
            .map(|((a, spot, perp), options)| {
                let (m, i) = haircuts(a);
                let price = U256::from(a.price) * WAD;
                equity += signed(*spot) * I256::try_from(a.price).unwrap();
                Book {
                    exposure: Exposure {
                        bucket: a.bucket,
                        spot: signed(*spot),
                        perp: signed(*perp),
                        price,
                        maint_shock: m,
                        init_shock: i,
                        depth: U256::from(a.depth) * WAD,
                    },
                    sigma_daily: bp_to_wad(a.vol_bp),
                    iv_near: bp_to_wad(a.iv_pct * 100),
                    options,
                }
            })
            .collect();
        let mut value = I256::ZERO;
        for b in &books {
            value += options_value(b).unwrap();
        }
        let params = OptionMarginParams {
            min_margin_fraction: bp_to_wad(50),
            ..OptionMarginParams::DEFAULT
        };
        for mode in [MarginMode::Cross, MarginMode::Portfolio] {
            let r = scenario_requirements(&books, &correlations(), &params, mode).unwrap();
            if p.options.is_empty() {
                // Delta-one books: exactly the delta-only function, the floored initial aside.
                let exposures: Vec<Exposure> = books.iter().map(|b| b.exposure).collect();
                let old = requirements(&exposures, &correlations(), bp_to_wad(50), mode).unwrap();
                assert_eq!(r.maintenance, old.maintenance, "{}", p.label);
                assert!(
                    r.initial == old.initial
                        || r.initial == old.gross_notional * U256::from(75) / U256::from(10_000),
                    "{}",
                    p.label
                );
            }
            let free = equity - I256::try_from(r.initial).unwrap();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                p.label,
                if mode == MarginMode::Cross {
                    "cross"
                } else {
                    "portfolio"
                },
                usd_signed(equity),
                if p.options.is_empty() {
                    "-".to_string()
                } else {
                    usd_signed(value)
                },
                usd(r.maintenance),
                usd(r.initial),
                usd_signed(free)
            ));
        }
    }
    out
}

#[test]
fn reference_table_in_docs_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reference-table.md");
    let fresh = table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &fresh).unwrap();
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert!(kept == fresh, "docs/reference-table.md is stale: run UPDATE_DOCS=1 cargo test -p clearing-core --test reference_table\n{fresh}");
}

#[test]
fn hedged_portfolio_needs_only_the_floor_and_naked_its_shock() {
    let (m, _) = haircuts(&ETH);
    let hedged = [Exposure {
        bucket: 0,
        spot: signed(10.0),
        perp: signed(-10.0),
        price: U256::from(3000) * WAD,
        maint_shock: m,
        init_shock: m,
        depth: U256::ZERO,
    }];
    let r = requirements(&hedged, &correlations(), bp_to_wad(50), MarginMode::Cross).unwrap();
    assert_eq!(r.maintenance, U256::from(150) * WAD);
    let naked = [Exposure {
        spot: I256::ZERO,
        ..hedged[0]
    }];
    let r = requirements(&naked, &correlations(), bp_to_wad(50), MarginMode::Cross).unwrap();
    assert!(r.maintenance > U256::from(600) * WAD && r.maintenance < U256::from(700) * WAD);
}
