//! MarginMath on motsu: its answers are the core's for the same books (delta-one only, with
//! options, in both modes), and every malformed input or refused value reverts with its own
//! named error.
use super::*;
use alloy_primitives::Address;
use clearing_core::governance::params::DAY;
use clearing_core::risk::margin_input::{BOOK_WORDS, HEADER_WORDS, WORD};
use clearing_core::{
    encode_margin_input, margin_input_len, Book, Correlations, Exposure, OptionKind,
    OptionMarginParams, OptionPosition, MAX_BUCKETS, MAX_VOL, WAD,
};
use motsu::prelude::*;

const E15: i128 = 1_000_000_000_000_000;

/// Signed WAD from thousandths.
fn milli(x: i128) -> I256 {
    I256::try_from(x * E15).unwrap()
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn exposure(bucket: u8, spot: i128, perp: i128, price: u64, h_bp: u64, depth: u64) -> Exposure {
    let h = U256::from(h_bp) * WAD / U256::from(10_000u16);
    Exposure {
        bucket,
        spot: milli(spot),
        perp: milli(perp),
        price: wad(price),
        maint_shock: h,
        init_shock: (h * U256::from(3u8) / U256::from(2u8)).min(WAD),
        depth: wad(depth),
    }
}

fn option(kind: OptionKind, strike: u64, days: u64, vol_pct: u64, size: i128) -> OptionPosition {
    OptionPosition {
        kind,
        strike: wad(strike),
        seconds: days * DAY,
        vol: U256::from(vol_pct) * WAD / U256::from(100u8),
        size: milli(size),
    }
}

fn book<'a>(e: Exposure, daily_bp: u64, options: &'a [OptionPosition]) -> Book<'a> {
    Book {
        exposure: e,
        sigma_daily: U256::from(daily_bp) * WAD / U256::from(10_000u16),
        iv_near: options.first().map_or(U256::ZERO, |o| o.vol),
        options,
    }
}

fn corr() -> Correlations {
    Correlations {
        intra: [WAD * U256::from(8u8) / U256::from(10u8); MAX_BUCKETS],
        inter: WAD / U256::from(4u8),
    }
}

fn encode_with(books: &[Book], params: &OptionMarginParams) -> Vec<u8> {
    let m = books.iter().map(|b| b.options.len()).sum();
    let mut out = vec![0u8; margin_input_len(books.len(), m)];
    encode_margin_input(books, &corr(), params, &mut out).unwrap();
    out
}

fn encode(books: &[Book]) -> Vec<u8> {
    encode_with(books, &OptionMarginParams::DEFAULT)
}

/// The core's answer for `books` in `mode`.
fn expected(books: &[Book], portfolio: bool) -> (U256, U256, U256, I256) {
    let mode = if portfolio {
        MarginMode::Portfolio
    } else {
        MarginMode::Cross
    };
    let r = scenario_requirements(books, &corr(), &OptionMarginParams::DEFAULT, mode).unwrap();
    let mut value = I256::ZERO;
    for b in books {
        value += options_value(b).unwrap();
    }
    (r.maintenance, r.initial, r.gross_notional, value)
}

fn call(
    mm: &Contract<MarginMath>,
    who: Address,
    data: Vec<u8>,
    portfolio: bool,
) -> Result<(U256, U256, U256, I256), Vec<u8>> {
    mm.sender(who)
        .requirements(Bytes::from(data), portfolio)
        .motsu_res()
}

/// Overwrites word `i` of an input.
fn set_word(data: &mut [u8], i: usize, v: U256) {
    data[i * WORD..(i + 1) * WORD].copy_from_slice(&v.to_be_bytes::<32>());
}

fn selector_of(err: Vec<u8>) -> [u8; 4] {
    assert_eq!(err.len(), 4, "a bare selector");
    [err[0], err[1], err[2], err[3]]
}

#[motsu::test]
fn delta_one_books_are_the_core_answer(mm: Contract<MarginMath>, alice: Address) {
    let books = [
        Book::delta_one(exposure(0, 10_000, -2_000, 3_000, 500, 0)),
        Book::delta_one(exposure(1, 0, 5_000, 60_000, 300, 1_000_000)),
        Book::delta_one(exposure(1, -1_000, 0, 150, 800, 0)),
    ];
    for portfolio in [false, true] {
        let got = call(&mm, alice, encode(&books), portfolio).unwrap();
        assert_eq!(got, expected(&books, portfolio));
        assert_eq!(got.3, I256::ZERO);
        assert!(got.0 > U256::ZERO && got.1 >= got.0);
    }
    // Portfolio mode gives credit across the long and short books.
    let cross = call(&mm, alice, encode(&books), false).unwrap();
    let port = call(&mm, alice, encode(&books), true).unwrap();
    assert!(port.0 < cross.0);
    // No book at all: nothing required.
    let none = call(&mm, alice, encode(&[]), true).unwrap();
    assert_eq!(none, (U256::ZERO, U256::ZERO, U256::ZERO, I256::ZERO));
}

#[motsu::test]
fn option_books_are_the_core_answer(mm: Contract<MarginMath>, alice: Address) {
    let straddle = [
        option(OptionKind::Call, 3_000, 7, 60, -10_000),
        option(OptionKind::Put, 3_000, 7, 60, -10_000),
    ];
    let covered = [option(OptionKind::Call, 3_300, 30, 55, -5_000)];
    let protective = [
        option(OptionKind::Put, 55_000, 14, 45, 2_000),
        option(OptionKind::Call, 70_000, 60, 50, 1_000),
    ];
    let expired = [option(OptionKind::Call, 140, 0, 80, 3_000)];
    let books = [
        book(exposure(0, 0, 0, 3_000, 214, 0), 350, &straddle),
        book(exposure(0, 5_000, 0, 3_000, 214, 2_000_000), 350, &covered),
        book(exposure(1, 2_000, -500, 60_000, 180, 0), 280, &protective),
        book(exposure(2, 0, 1_000, 150, 600, 0), 700, &expired),
    ];
    for portfolio in [false, true] {
        for n in 1..=books.len() {
            let got = call(&mm, alice, encode(&books[..n]), portfolio).unwrap();
            assert_eq!(got, expected(&books[..n], portfolio), "{n} books");
        }
    }
    // The short straddle alone is a liability.
    let got = call(&mm, alice, encode(&books[..1]), false).unwrap();
    assert!(got.3.is_negative());
    assert!(got.1 > got.0);
}

#[motsu::test]
fn sixteen_series_on_eight_underlyings(mm: Contract<MarginMath>, alice: Address) {
    let opts: Vec<[OptionPosition; 2]> = (0..8u64)
        .map(|i| {
            let p = 1_000 + 500 * i;
            [
                option(OptionKind::Call, p + p / 10, 7 + i, 50 + 5 * i, -1_000),
                option(OptionKind::Put, p - p / 10, 30, 60, 2_000),
            ]
        })
        .collect();
    let books: Vec<Book> = opts
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let i = i as u64;
            book(
                exposure(
                    (i % 4) as u8,
                    1_000,
                    -(i as i128) * 300,
                    1_000 + 500 * i,
                    300,
                    0,
                ),
                300,
                o,
            )
        })
        .collect();
    for portfolio in [false, true] {
        let got = call(&mm, alice, encode(&books), portfolio).unwrap();
        assert_eq!(got, expected(&books, portfolio));
    }
}

#[motsu::test]
fn greeks_are_the_core_answer(mm: Contract<MarginMath>, alice: Address) {
    let a = [
        option(OptionKind::Call, 3_000, 7, 60, -10_000),
        option(OptionKind::Put, 2_700, 30, 65, 4_000),
    ];
    let books = [
        book(exposure(0, 1_000, -3_000, 3_000, 214, 0), 350, &a),
        Book::delta_one(exposure(1, 2_000, 500, 60_000, 180, 0)),
    ];
    let (delta, gamma, vega) = mm
        .sender(alice)
        .greeks(Bytes::from(encode(&books)))
        .motsu_unwrap();
    assert_eq!(delta.len(), 2);
    for (i, b) in books.iter().enumerate() {
        let g = greeks(b).unwrap();
        assert_eq!((delta[i], gamma[i], vega[i]), (g.delta, g.gamma, g.vega));
    }
    assert_eq!(delta[1], milli(2_500));
    assert_eq!((gamma[1], vega[1]), (I256::ZERO, I256::ZERO));
    // Malformed inputs are refused as by `requirements`.
    let err = mm
        .sender(alice)
        .greeks(Bytes::from(vec![0u8; 7]))
        .motsu_unwrap_err();
    assert_eq!(selector_of(err), InputLength::SELECTOR);
}

#[motsu::test]
fn malformed_inputs_are_refused(mm: Contract<MarginMath>, alice: Address) {
    let opts = [option(OptionKind::Call, 3_000, 7, 60, -1_000)];
    let books = [
        Book::delta_one(exposure(0, 1_000, 0, 3_000, 214, 0)),
        book(exposure(0, 0, 0, 3_000, 214, 0), 350, &opts),
    ];
    let good = encode(&books);
    assert!(call(&mm, alice, good.clone(), false).is_ok());
    let refused = |data: Vec<u8>| selector_of(call(&mm, alice, data, false).unwrap_err());
    // Too short for the header, one byte short, one byte long.
    assert_eq!(refused(good[..40].to_vec()), InputLength::SELECTOR);
    assert_eq!(
        refused(good[..good.len() - 1].to_vec()),
        InputLength::SELECTOR
    );
    let mut long = good.clone();
    long.push(0);
    assert_eq!(refused(long), InputLength::SELECTOR);
    // Nine books, seventeen options.
    let mut d = good.clone();
    set_word(&mut d, 0, U256::from(9u8));
    assert_eq!(refused(d), InputTooManyEntries::SELECTOR);
    let mut d = good.clone();
    set_word(&mut d, 1, U256::from(17u8));
    assert_eq!(refused(d), InputTooManyEntries::SELECTOR);
    // A bucket above 255; an option kind of 2; seconds above uint64.
    let first_option = HEADER_WORDS + 2 * BOOK_WORDS;
    let mut d = good.clone();
    set_word(&mut d, HEADER_WORDS, U256::from(256u16));
    assert_eq!(refused(d), InputField::SELECTOR);
    let mut d = good.clone();
    set_word(&mut d, first_option + 1, U256::from(2u8));
    assert_eq!(refused(d), InputField::SELECTOR);
    let mut d = good.clone();
    set_word(
        &mut d,
        first_option + 3,
        U256::from(u64::MAX) + U256::from(1u8),
    );
    assert_eq!(refused(d), InputField::SELECTOR);
    // An option on a book that does not exist.
    let mut d = good.clone();
    set_word(&mut d, first_option, U256::from(2u8));
    assert_eq!(refused(d), InputOptionOrder::SELECTOR);
}

#[motsu::test]
fn refused_values_name_their_error(mm: Contract<MarginMath>, alice: Address) {
    let opts = [option(OptionKind::Call, 3_000, 7, 60, -1_000)];
    let refused = |books: &[Book], params: &OptionMarginParams| {
        selector_of(call(&mm, alice, encode_with(books, params), true).unwrap_err())
    };
    let p = OptionMarginParams::DEFAULT;
    // A bucket of 4.
    let b = [Book::delta_one(exposure(4, 1_000, 0, 3_000, 214, 0))];
    assert_eq!(refused(&b, &p), MathInvalidBucket::SELECTOR);
    // A shock above 1.
    let mut e = exposure(0, 1_000, 0, 3_000, 214, 0);
    e.maint_shock = WAD + U256::from(1u8);
    assert_eq!(
        refused(&[Book::delta_one(e)], &p),
        MathInvalidParameter::SELECTOR
    );
    // Parameters that fail validation: a tail floor above the tail cap.
    let bad = OptionMarginParams {
        tail_floor: WAD,
        tail_cap: WAD / U256::from(2u8),
        ..p
    };
    let b = [book(exposure(0, 0, 0, 3_000, 214, 0), 350, &opts)];
    assert_eq!(refused(&b, &bad), MathInvalidParameter::SELECTOR);
    // An option volatility above the largest.
    let hot = [OptionPosition {
        vol: MAX_VOL + U256::from(1u8),
        ..opts[0]
    }];
    let b = [book(exposure(0, 0, 0, 3_000, 214, 0), 350, &hot)];
    assert_eq!(refused(&b, &p), MathInvalidParameter::SELECTOR);
    // A price of 2^128 wei leaves the 128-bit domain.
    let mut e = exposure(0, 1_000, 0, 0, 214, 0);
    e.price = U256::from(1u8) << 128usize;
    assert_eq!(refused(&[Book::delta_one(e)], &p), MathOverflow::SELECTOR);
    // A short size of -2^255 as well, in an option.
    let huge = [OptionPosition {
        size: I256::MIN,
        ..opts[0]
    }];
    let b = [book(exposure(0, 0, 0, 3_000, 214, 0), 350, &huge)];
    assert_eq!(refused(&b, &p), MathOverflow::SELECTOR);
}

#[test]
fn every_error_has_its_selector() {
    let inputs = [
        (InputError::Length, InputLength::SELECTOR),
        (InputError::TooManyEntries, InputTooManyEntries::SELECTOR),
        (InputError::Field, InputField::SELECTOR),
        (InputError::OptionOrder, InputOptionOrder::SELECTOR),
    ];
    for (e, s) in inputs {
        assert_eq!(input_error(e), s.to_vec());
    }
    let cores = [
        (CoreError::Overflow, MathOverflow::SELECTOR),
        (CoreError::DivisionByZero, MathDivisionByZero::SELECTOR),
        (CoreError::Negative, MathNegative::SELECTOR),
        (CoreError::DecimalsTooLarge, MathDecimalsTooLarge::SELECTOR),
        (CoreError::InvalidParameter, MathInvalidParameter::SELECTOR),
        (CoreError::InvalidAccountId, MathInvalidAccountId::SELECTOR),
        (CoreError::TooManyEntries, MathTooManyEntries::SELECTOR),
        (CoreError::InvalidBucket, MathInvalidBucket::SELECTOR),
        (CoreError::ZeroElapsed, MathZeroElapsed::SELECTOR),
    ];
    for (e, s) in cores {
        assert_eq!(core_error(e), s.to_vec());
    }
    assert_eq!(
        MathOverflow::abi_decode(&core_error(CoreError::Overflow), true).unwrap(),
        MathOverflow {}
    );
}
