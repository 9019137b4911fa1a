//! The portfolios of the reference margin table (DESIGN section 7, `docs/reference-table.md`):
//! market data, risk settings and positions, and the books the margin function takes. One
//! definition for the table's generator (`tests/reference_table.rs`) and for the check that the
//! deployable MarginMath answers the same (the workspace's `tests/wasm_margin_math.rs`), which
//! both include this file.
#![allow(dead_code)]
use alloy_primitives::{I256, U256};
use clearing_core::{
    initial_haircut, target_haircut, Book, Correlations, Exposure, HaircutParams, OptionKind,
    OptionMarginParams, OptionPosition, WAD,
};
use OptionKind::{Call, Put};

/// One asset's market data and risk settings.
#[derive(Clone, Copy)]
pub struct Asset {
    pub name: &'static str,
    pub price: u64,
    /// Daily volatility in basis points.
    pub vol_bp: u64,
    /// Haircut floor and cap in basis points.
    pub floor_bp: u64,
    pub cap_bp: u64,
    pub bucket: u8,
    /// Liquidity depth in USD (0 disables the size add-on).
    pub depth: u64,
    /// Implied volatility of the nearest expiry in percent (0: no options listed).
    pub iv_pct: u64,
}

pub const ETH: Asset = Asset {
    name: "ETH",
    price: 3000,
    vol_bp: 350,
    floor_bp: 100,
    cap_bp: 5000,
    bucket: 0,
    depth: 50_000_000,
    iv_pct: 60,
};
pub const BTC: Asset = Asset {
    name: "BTC",
    price: 60_000,
    vol_bp: 300,
    floor_bp: 100,
    cap_bp: 5000,
    bucket: 0,
    depth: 100_000_000,
    iv_pct: 50,
};
pub const ARB: Asset = Asset {
    name: "ARB",
    price: 1,
    vol_bp: 600,
    floor_bp: 300,
    cap_bp: 8000,
    bucket: 1,
    depth: 2_000_000,
    iv_pct: 0,
};
pub const USDC: Asset = Asset {
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
pub fn correlations() -> Correlations {
    let c = |bp: u64| bp_to_wad(bp);
    Correlations {
        intra: [c(8000), c(6000), c(9500), c(5000)],
        inter: c(2500),
    }
}

pub fn bp_to_wad(bp: u64) -> U256 {
    U256::from(bp) * WAD / U256::from(10_000)
}

pub fn haircuts(a: &Asset) -> (U256, U256) {
    let params = HaircutParams::with_defaults(bp_to_wad(a.floor_bp), bp_to_wad(a.cap_bp));
    let m = target_haircut(bp_to_wad(a.vol_bp), &params).unwrap();
    (m, initial_haircut(m, &params).unwrap())
}

pub fn signed(x: f64) -> I256 {
    // Exact for the small multiples of 1/1000 used below.
    let milli = (x * 1000.0).round() as i64;
    I256::try_from(milli).unwrap() * I256::try_from(WAD / U256::from(1000)).unwrap()
}

/// A portfolio: (asset, spot holding, perp size) in base units, and option
/// positions (asset, kind, strike, days to expiry, signed contracts of one unit).
pub struct Portfolio {
    pub label: &'static str,
    pub holdings: Vec<(Asset, f64, f64)>,
    pub options: Vec<(Asset, OptionKind, u64, u64, f64)>,
}

pub fn delta_one(label: &'static str, holdings: Vec<(Asset, f64, f64)>) -> Portfolio {
    Portfolio {
        label,
        holdings,
        options: vec![],
    }
}

/// Every portfolio of the table, in its order: (a) .. (d) delta-one, (e) .. (k) with options.
pub fn portfolios() -> Vec<Portfolio> {
    vec![
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
    ]
}

/// The parameters of the table: the option defaults of DESIGN section 12 with the minimum margin
/// fraction 0.5 %.
pub fn params() -> OptionMarginParams {
    OptionMarginParams {
        min_margin_fraction: bp_to_wad(50),
        ..OptionMarginParams::DEFAULT
    }
}

/// The option positions of `p`, one list per holding (its underlying's), in holding order.
pub fn positions(p: &Portfolio) -> Vec<Vec<OptionPosition>> {
    p.holdings
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
        .collect()
}

/// The books of `p` (one per holding) over its `positions`, and its equity (the collateral at
/// oracle prices: positions are opened at the oracle price and options traded at their marks).
pub fn books<'a>(p: &Portfolio, positions: &'a [Vec<OptionPosition>]) -> (Vec<Book<'a>>, I256) {
    let mut equity = I256::ZERO;
    let books = p
        .holdings
        .iter()
        .zip(positions)
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
    (books, equity)
}
