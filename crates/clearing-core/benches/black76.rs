//! One Black-76 evaluation (price and delta of a call at one forward, strike, expiry and
//! volatility), and the scenario margin of a large account (8 underlyings, 16 option series).
//! Run with `cargo bench -p clearing-core --bench black76`.
use alloy_primitives::{I256, U256};
use clearing_core::{
    scenario_requirements, Black76, Book, Correlations, Exposure, MarginMode, OptionKind,
    OptionMarginParams, OptionPosition, Rounding, MAX_BUCKETS, WAD,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

fn bench(c: &mut Criterion) {
    let f = U256::from(3_000) * WAD;
    let k = U256::from(3_300) * WAD;
    c.bench_function("black76: evaluate + call price (long mark) + delta", |b| {
        b.iter(|| {
            let m =
                Black76::new(black_box(f), black_box(k), black_box(30 * 86_400), pct(60)).unwrap();
            (
                m.price(OptionKind::Call, Rounding::Down).unwrap(),
                m.delta(OptionKind::Call),
            )
        })
    });
    let options: Vec<OptionPosition> = (0..16)
        .map(|i| OptionPosition {
            kind: if i % 2 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            },
            strike: f * U256::from(80 + 3 * i) / U256::from(100),
            seconds: (7 + i) * 86_400,
            vol: pct(60),
            size: I256::try_from(if i % 3 == 0 { -10 } else { 10 }).unwrap() * I256::from_raw(WAD),
        })
        .collect();
    let books: Vec<Book> = (0..8)
        .map(|u| Book {
            exposure: Exposure {
                bucket: (u % MAX_BUCKETS) as u8,
                spot: I256::ZERO,
                perp: I256::try_from(u as i64 - 4).unwrap() * I256::from_raw(WAD),
                price: f,
                maint_shock: pct(2),
                init_shock: pct(3),
                depth: U256::from(50_000_000) * WAD,
            },
            sigma_daily: pct(3),
            iv_near: pct(60),
            options: &options[2 * u..2 * u + 2],
        })
        .collect();
    let corr = Correlations {
        intra: [pct(80), pct(60), pct(95), pct(50)],
        inter: pct(25),
    };
    let params = OptionMarginParams::DEFAULT;
    c.bench_function(
        "scenario margin: 8 underlyings, 16 series, portfolio mode",
        |b| {
            b.iter(|| {
                scenario_requirements(black_box(&books), &corr, &params, MarginMode::Portfolio)
                    .unwrap()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
