//! The largest account the margin function takes (DESIGN section 13: 16 option series on 8
//! underlyings): eight underlyings at prices 1,000 to 5,900 in four buckets, each with 2 spot, a
//! short perp and two series, a short 110 % call (7 to 14 days) and a long 90 % put (30 days).
//! The gas report measures MarginMath on it and `tests/wasm_margin_math.rs` checks MarginMath's
//! answers on it against the core's.
use alloy_primitives::{I256, U256};
use clearing_core::{
    governance::params::DAY, Book, Correlations, Exposure, OptionKind, OptionPosition, MAX_BUCKETS,
    WAD,
};

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn milli(x: i64) -> I256 {
    I256::try_from(x).unwrap_or_default() * I256::from_raw(WAD / U256::from(1_000u16))
}

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100u8)
}

/// Each underlying's delta-one exposure and its two option positions.
#[must_use]
pub fn account() -> Vec<(Exposure, Vec<OptionPosition>)> {
    (0..8u64)
        .map(|i| {
            let price = 1_000 + 700 * i;
            let exposure = Exposure {
                bucket: u8::try_from(i % 4).unwrap_or_default(),
                spot: milli(2_000),
                perp: milli(-i64::try_from(i).unwrap_or_default() * 400 - 300),
                price: wad(price),
                maint_shock: pct(3),
                init_shock: WAD * U256::from(45u8) / U256::from(1_000u16),
                depth: wad(5_000_000),
            };
            let options = vec![
                OptionPosition {
                    kind: OptionKind::Call,
                    strike: wad(price + price / 10),
                    seconds: (7 + i) * DAY,
                    vol: pct(50 + 5 * i),
                    size: milli(-1_500),
                },
                OptionPosition {
                    kind: OptionKind::Put,
                    strike: wad(price - price / 10),
                    seconds: 30 * DAY,
                    vol: pct(60),
                    size: milli(2_000),
                },
            ];
            (exposure, options)
        })
        .collect()
}

/// The books of `raw` (from [`account`]): a daily volatility of 3 %, the nearest implied
/// volatility that of the first series.
#[must_use]
pub fn books(raw: &[(Exposure, Vec<OptionPosition>)]) -> Vec<Book<'_>> {
    raw.iter()
        .map(|(exposure, options)| Book {
            exposure: *exposure,
            sigma_daily: pct(3),
            iv_near: options[0].vol,
            options,
        })
        .collect()
}

/// The correlations: 0.8 within every bucket, 0.25 across buckets.
#[must_use]
pub fn correlations() -> Correlations {
    Correlations {
        intra: [pct(80); MAX_BUCKETS],
        inter: pct(25),
    }
}
