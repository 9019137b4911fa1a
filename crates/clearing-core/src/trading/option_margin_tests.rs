use super::*;
use crate::governance::option_params::{OptionMarginParams, OptionParam};
use crate::math::black76::OptionKind;
use crate::math::fixed::WAD;
use crate::risk::margin::{MarginMode, MAX_BUCKETS};
use crate::risk::margin_input::{encode_into, MarginInput};
use crate::risk::scenario::{requirements, Book, OptionPosition};
use crate::trading::option_positions::{plan_fill, FillError, FillInput, FillRefusal};
use proptest::prelude::*;

const NOW: u64 = 1_735_689_600;

fn addr(i: u8) -> Address {
    Address::repeat_byte(i + 1)
}

fn wad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::from_raw(WAD)
}

fn row(is_call: bool, strike: u64, seconds: u64, vol_pct: u64, size: i64) -> OptionRow {
    OptionRow {
        underlying: 0,
        is_call,
        strike: U256::from(strike) * WAD,
        seconds,
        vol: U256::from(vol_pct) * WAD / U256::from(100u8),
        size: wad(size),
    }
}

fn exposure(bucket: u8, spot: i64, perp: i64, price: u64) -> Exposure {
    Exposure {
        bucket,
        spot: wad(spot),
        perp: wad(perp),
        price: U256::from(price) * WAD,
        maint_shock: WAD / U256::from(20u8),
        init_shock: WAD * U256::from(3u8) / U256::from(40u8),
        depth: U256::ZERO,
    }
}

fn corr() -> Correlations {
    Correlations {
        intra: [WAD / U256::from(2u8); MAX_BUCKETS],
        inter: WAD / U256::from(5u8),
    }
}

/// The governed parameters at their defaults, as OptionMarkets answers `marginParams`.
fn governed() -> [U256; MARGIN_PARAM_WORDS] {
    core::array::from_fn(|i| OptionParam::ALL[i + 1].default_value())
}

fn encode(rows: &MarginRows) -> Vec<u8> {
    let mut words = vec![U256::ZERO; rows.encoded_len()];
    rows.encode_into(&mut words).unwrap();
    words.iter().flat_map(|w| w.to_be_bytes::<32>()).collect()
}

#[test]
fn series_states_follow_the_expiry_and_the_settlement_price() {
    let price = U256::from(3000u64) * WAD;
    assert_eq!(
        series_margin(NOW, NOW + 60, U256::ZERO),
        SeriesMargin::Live { seconds: 60 }
    );
    assert_eq!(
        series_margin(NOW, NOW + 60, price),
        SeriesMargin::Live { seconds: 60 }
    );
    assert_eq!(
        series_margin(NOW, NOW, U256::ZERO),
        SeriesMargin::AwaitingSettlement
    );
    assert_eq!(series_margin(NOW + 1, NOW, price), SeriesMargin::Owed);
    assert!(is_expired(NOW, NOW));
    assert!(!is_expired(NOW - 1, NOW));
}

#[test]
fn owed_values_round_for_the_protocol() {
    let third = WAD / U256::from(3u8);
    let strike = U256::from(3000u64) * WAD;
    // A long call: 1/3 contract x 100 intrinsic, rounded down; the short pays it rounded up.
    let long = owed_value(
        true,
        strike,
        I256::from_raw(third),
        strike + U256::from(100u8) * WAD,
    )
    .unwrap();
    let short = owed_value(
        true,
        strike,
        -I256::from_raw(third),
        strike + U256::from(100u8) * WAD,
    )
    .unwrap();
    assert_eq!(long.into_raw(), U256::from(33_333_333_333_333_333_300u128));
    assert_eq!(short, -long);
    // Out of the money: nothing.
    assert_eq!(
        owed_value(false, strike, wad(-5), strike).unwrap(),
        I256::ZERO
    );
    assert_eq!(
        owed_value(false, strike, wad(2), strike - U256::from(10u8) * WAD).unwrap(),
        wad(20)
    );
}

#[test]
fn empty_rows_encode_a_header_and_iv_near_is_the_nearest_live_expiry() {
    let rows = MarginRows::new();
    assert_eq!(rows.encoded_len(), ROWS_HEADER_WORDS);
    assert_eq!(MarginRows::decode(&encode(&rows)).unwrap(), rows);
    let mut rows = MarginRows::new();
    rows.push(addr(0), row(true, 3000, 7 * 86_400, 60, -1))
        .unwrap();
    rows.push(addr(1), row(false, 100, 86_400, 90, 2)).unwrap();
    rows.push(addr(0), row(false, 2800, 86_400, 70, 1)).unwrap();
    // Awaiting settlement: not a live expiry.
    rows.push(addr(0), row(false, 2800, 0, 0, 1)).unwrap();
    assert_eq!(rows.underlyings(), &[addr(0), addr(1)]);
    assert_eq!(rows.iv_near(0), WAD * U256::from(7u8) / U256::from(10u8));
    assert_eq!(rows.iv_near(1), WAD * U256::from(9u8) / U256::from(10u8));
    let mut expired = MarginRows::new();
    expired.push(addr(0), row(true, 3000, 0, 50, 1)).unwrap();
    assert_eq!(expired.iv_near(0), U256::ZERO);
    // A wrong length is refused.
    let mut short = vec![U256::ZERO; 3];
    assert_eq!(rows.encode_into(&mut short), Err(InputError::Length));
}

#[test]
fn limits_are_eight_underlyings_and_sixteen_rows() {
    let mut rows = MarginRows::new();
    for i in 0..8 {
        rows.push(addr(i), row(true, 3000, 60, 50, 1)).unwrap();
    }
    assert_eq!(
        rows.push(addr(8), row(true, 3000, 60, 50, 1)),
        Err(CoreError::TooManyEntries)
    );
    for _ in 8..16 {
        rows.push(addr(0), row(true, 3000, 60, 50, 1)).unwrap();
    }
    assert_eq!(
        rows.push(addr(0), row(true, 3000, 60, 50, 1)),
        Err(CoreError::TooManyEntries)
    );
}

#[test]
fn malformed_answers_are_refused() {
    let mut rows = MarginRows::new();
    rows.push(addr(0), row(true, 3000, 60, 50, 1)).unwrap();
    let good = encode(&rows);
    assert_eq!(MarginRows::decode(&good).unwrap(), rows);
    assert!(RowsAnswer::parse(&good).is_ok());
    assert_eq!(
        RowsAnswer::parse(&good[..good.len() - 32]),
        Err(InputError::Length)
    );
    assert_eq!(RowsAnswer::parse(&good[..64]), Err(InputError::Length));
    assert_eq!(
        MarginRows::decode(&good[..good.len() - 1]),
        Err(InputError::Length)
    );
    assert_eq!(MarginRows::decode(&[]), Err(InputError::Length));
    let mut longer = good.clone();
    longer.extend_from_slice(&[0u8; 32]);
    assert_eq!(MarginRows::decode(&longer), Err(InputError::Length));
    let set = |w: usize, v: U256| {
        let mut d = good.clone();
        d[w * 32..w * 32 + 32].copy_from_slice(&v.to_be_bytes::<32>());
        d
    };
    let first_row = ROWS_HEADER_WORDS + UNDERLYING_WORDS;
    assert_eq!(
        MarginRows::decode(&set(1, U256::from(9u8))),
        Err(InputError::TooManyEntries)
    );
    assert_eq!(
        MarginRows::decode(&set(2, U256::from(17u8))),
        Err(InputError::TooManyEntries)
    );
    assert_eq!(
        MarginRows::decode(&set(ROWS_HEADER_WORDS, U256::MAX)),
        Err(InputError::Field)
    );
    assert_eq!(
        MarginRows::decode(&set(first_row, U256::from(1u8))),
        Err(InputError::Field)
    );
    assert_eq!(
        RowsAnswer::parse(&set(first_row, U256::from(1u8))),
        Err(InputError::Field)
    );
    assert_eq!(
        RowsAnswer::parse(&set(first_row, U256::MAX)),
        Err(InputError::Field)
    );
    assert_eq!(
        RowsAnswer::parse(&set(1, U256::from(9u8))),
        Err(InputError::TooManyEntries)
    );
    assert_eq!(
        RowsAnswer::parse(&set(2, U256::MAX)),
        Err(InputError::Field)
    );
    assert_eq!(
        MarginRows::decode(&set(first_row + 1, U256::from(2u8))),
        Err(InputError::Field)
    );
    assert_eq!(
        MarginRows::decode(&set(first_row + 3, U256::from(u64::MAX) + U256::from(1u8))),
        Err(InputError::Field)
    );
}

#[test]
fn an_underlying_missing_from_the_assets_is_refused() {
    let mut rows = MarginRows::new();
    rows.push(addr(3), row(true, 3000, 60, 50, 1)).unwrap();
    let e = [exposure(0, 0, 0, 3000)];
    let data = encode(&rows);
    let answer = RowsAnswer::parse(&data).unwrap();
    assert_eq!(answer.rows_len(), 1);
    assert_eq!(answer.underlyings().collect::<Vec<_>>(), vec![addr(3)]);
    let mut out = vec![0u8; input_len(1, 1)];
    assert_eq!(
        answer.input(&[addr(0)], &e, &corr(), [U256::ZERO; 3], &mut out),
        Err(InputError::OptionOrder)
    );
    assert_eq!(
        answer.input(&[addr(3)], &e, &corr(), [U256::ZERO; 3], &mut out[1..]),
        Err(InputError::Length)
    );
    assert_eq!(
        answer.input(&[addr(3), addr(4)], &e, &corr(), [U256::ZERO; 3], &mut out),
        Err(InputError::Length)
    );
    let nine = [e[0]; 9];
    let mut out9 = vec![0u8; input_len(9, 1)];
    assert_eq!(
        answer.input(&[addr(3); 9], &nine, &corr(), [U256::ZERO; 3], &mut out9),
        Err(InputError::TooManyEntries)
    );
}

fn row_strategy() -> impl Strategy<Value = (u8, bool, u64, u64, u64, i64)> {
    (
        0u8..4,
        any::<bool>(),
        1000u64..5000,
        0u64..60 * 86_400,
        5u64..300,
        -50i64..50,
    )
}

proptest! {
    /// Fills are refused as expired exactly when the margin no longer counts the series as
    /// live, and a live series' seconds run to its expiry.
    #[test]
    fn live_means_tradable(now in 0u64..1 << 40, ahead in -1000i64..1000, price in 0u64..5) {
        let expiry = now.saturating_add_signed(ahead);
        let state = series_margin(now, expiry, U256::from(price));
        let f = FillInput {
            now,
            expiry,
            enabled: true,
            fresh: true,
            min_size: WAD,
            max_open_interest: U256::MAX,
            open_interest: U256::ZERO,
            maker: I256::ZERO,
            taker: I256::ZERO,
            maker_delta: wad(1),
        };
        let refused = plan_fill(&f) == Err(FillError::Refused(FillRefusal::SeriesExpired));
        prop_assert_eq!(refused, is_expired(now, expiry));
        match state {
            SeriesMargin::Live { seconds } => {
                prop_assert!(!refused);
                prop_assert_eq!(now + seconds, expiry);
                prop_assert!(seconds > 0);
            }
            SeriesMargin::AwaitingSettlement => prop_assert!(refused && price == 0),
            SeriesMargin::Owed => prop_assert!(refused && price > 0),
        }
    }

    /// The owed value is what settlement pays, and a long and a short of one size net to zero
    /// or to a wei in the protocol's favour.
    #[test]
    fn owed_is_the_payout(
        call: bool,
        strike in 1u64..10_000,
        settle in 1u64..10_000,
        size in 1u128..1u128 << 100,
    ) {
        let (k, s) = (U256::from(strike) * WAD, U256::from(settle) * WAD / U256::from(7u8));
        let q = I256::from_raw(U256::from(size));
        let long = owed_value(call, k, q, s).unwrap();
        let short = owed_value(call, k, -q, s).unwrap();
        prop_assert_eq!(long, expiry_payout(q, intrinsic(call, k, s)).unwrap());
        prop_assert!(!long.is_negative() && !short.is_positive());
        let net = long + short;
        prop_assert!(net <= I256::ZERO && net >= -I256::ONE);
    }

    /// The answer reads back as written, and the margin input built from it is the input of
    /// the same books written by `encode_into` (option positions grouped by exposure row): the
    /// margin function gives the same requirements for both.
    #[test]
    fn rows_round_trip_into_the_margin_input(
        raw in proptest::collection::vec(row_strategy(), 0..16),
        order in proptest::collection::vec(0usize..6, 6),
        owed in -1_000_000i64..1_000_000,
        portfolio: bool,
    ) {
        let mut rows = MarginRows::new();
        rows.params = governed();
        rows.owed = wad(owed);
        for (u, call, strike, secs, vol, size) in &raw {
            let mut r = row(*call, *strike, *secs, *vol, *size);
            if r.size.is_zero() {
                r.size = wad(1);
            }
            rows.push(addr(*u), r).unwrap();
        }
        for (u, s) in rows.sigma_daily.iter_mut().enumerate() {
            *s = WAD * U256::from(3u8 + u as u8) / U256::from(100u8);
        }
        let data = encode(&rows);
        let back = MarginRows::decode(&data).unwrap();
        let answer = RowsAnswer::parse(&data).unwrap();
        prop_assert_eq!(answer.owed(), rows.owed);
        prop_assert_eq!(answer.underlyings().collect::<Vec<_>>(), rows.underlyings().to_vec());
        prop_assert_eq!(back.owed, rows.owed);
        prop_assert_eq!(back.params, rows.params);
        prop_assert_eq!(back.underlyings(), rows.underlyings());
        prop_assert_eq!(back.rows(), rows.rows());
        for u in 0..rows.underlyings().len() {
            prop_assert_eq!(back.iv_near(u), rows.iv_near(u));
            prop_assert_eq!(back.sigma_daily[u], rows.sigma_daily[u]);
        }
        // Six exposure rows in a shuffled order of six assets (addr(0..6)); the options'
        // underlyings are among the first four.
        let mut assets: Vec<Address> = Vec::new();
        for o in &order {
            let a = addr(*o as u8);
            if !assets.contains(&a) {
                assets.push(a);
            }
        }
        for i in 0..6u8 {
            if !assets.contains(&addr(i)) {
                assets.push(addr(i));
            }
        }
        let exposures: Vec<Exposure> = (0..assets.len())
            .map(|i| exposure((i % 4) as u8, i as i64 - 2, 3 - i as i64, 1000 + 500 * i as u64))
            .collect();
        let p = OptionMarginParams::DEFAULT;
        let head = [p.k, p.init_ratio, p.min_margin_fraction];
        let mut built = vec![0u8; input_len(assets.len(), rows.rows().len())];
        answer.input(&assets, &exposures, &corr(), head, &mut built).unwrap();
        // The same books by hand.
        let positions: Vec<Vec<OptionPosition>> = assets
            .iter()
            .map(|a| {
                rows.rows()
                    .iter()
                    .filter(|r| rows.underlyings()[r.underlying] == *a)
                    .map(|r| OptionPosition {
                        kind: if r.is_call { OptionKind::Call } else { OptionKind::Put },
                        strike: r.strike,
                        seconds: r.seconds,
                        vol: r.vol,
                        size: r.size,
                    })
                    .collect()
            })
            .collect();
        let books: Vec<Book> = assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let u = rows.underlyings().iter().position(|x| x == a);
                Book {
                    exposure: exposures[i],
                    sigma_daily: u.map_or(U256::ZERO, |u| rows.sigma_daily[u]),
                    iv_near: u.map_or(U256::ZERO, |u| rows.iv_near(u)),
                    options: &positions[i],
                }
            })
            .collect();
        let mut expected = vec![0u8; built.len()];
        encode_into(&books, &corr(), &p, &mut expected).unwrap();
        prop_assert_eq!(&built, &expected);
        let decoded = MarginInput::decode(&built).unwrap();
        let mode = if portfolio { MarginMode::Portfolio } else { MarginMode::Cross };
        prop_assert_eq!(
            requirements(&decoded.books()[..decoded.len()], &decoded.corr, &decoded.params, mode),
            requirements(&books, &corr(), &p, mode)
        );
    }
}
