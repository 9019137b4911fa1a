//! The one encoding of a margin computation's whole input (DESIGN section 2: "pure computation
//! can be a stateless contract that callers pass everything it needs"): the books of
//! [`crate::risk::scenario::requirements`], their option positions, the correlations and the
//! parameters, as a flat byte string a caller builds with [`encode_into`] and the stateless
//! `MarginMath` contract reads back with [`MarginInput::decode`].
//!
//! # Layout
//!
//! A sequence of 32-byte big-endian words (signed values in two's complement), in this order:
//!
//! | words | content |
//! |---|---|
//! | 1 | number of books `n` (at most [`MAX_UNDERLYINGS`]) |
//! | 1 | number of option positions `m` (at most [`MAX_OPTION_SERIES`]) |
//! | 20 | the parameters, in [`PARAM_WORDS`] order |
//! | 5 | the correlations: intra-bucket per bucket ([`MAX_BUCKETS`] words), inter-bucket |
//! | 9 per book | bucket, spot, perp, price, maintenance shock, initial shock, depth, daily volatility, nearest implied volatility |
//! | 6 per option | book index, kind (0 call, 1 put), strike, seconds to expiry, volatility, size |
//!
//! Option positions come grouped by book: their book indexes never decrease. Nothing else is
//! accepted: a length other than the one `n` and `m` give, a count above its bound, a field that
//! does not fit its type (a bucket or book index above 255, seconds above `u64`, a kind other
//! than 0 or 1) or option positions out of book order are each a [`InputError`]. The values
//! themselves are checked by the margin function (for example a shock above 1 is
//! [`CoreError::InvalidParameter`] there).

use crate::governance::option_params::{OptionMarginParams, Tail};
use crate::math::black76::OptionKind;
use crate::risk::margin::{Correlations, Exposure, MAX_BUCKETS, MAX_UNDERLYINGS};
use crate::risk::scenario::{Book, OptionPosition, MAX_OPTION_SERIES};
use alloy_primitives::{I256, U256};

/// Bytes per word.
pub const WORD: usize = 32;
/// Words of the parameters.
pub const PARAM_WORDS: usize = 20;
/// Words of the correlations.
pub const CORR_WORDS: usize = MAX_BUCKETS + 1;
/// Words before the first book.
pub const HEADER_WORDS: usize = 2 + PARAM_WORDS + CORR_WORDS;
/// Words per book.
pub const BOOK_WORDS: usize = 9;
/// Words per option position.
pub const OPTION_WORDS: usize = 6;
/// The longest input, bytes.
pub const MAX_INPUT_LEN: usize =
    (HEADER_WORDS + MAX_UNDERLYINGS * BOOK_WORDS + MAX_OPTION_SERIES * OPTION_WORDS) * WORD;

/// Why an input is refused. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum InputError {
    /// Shorter than the header, or not the length its counts give.
    Length = 1,
    /// More books than [`MAX_UNDERLYINGS`] or option positions than [`MAX_OPTION_SERIES`].
    TooManyEntries = 2,
    /// A field does not fit its type (bucket, book index, seconds, kind, a count).
    Field = 3,
    /// Option positions not grouped by book (a book index lower than the previous one, or not
    /// below the number of books).
    OptionOrder = 4,
}

/// The exact input length for `books` books and `options` option positions, bytes.
#[must_use]
pub const fn input_len(books: usize, options: usize) -> usize {
    (HEADER_WORDS + books * BOOK_WORDS + options * OPTION_WORDS) * WORD
}

/// A decoded input: up to [`MAX_UNDERLYINGS`] books and [`MAX_OPTION_SERIES`] options, held
/// in fixed arrays (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginInput {
    /// The parameters.
    pub params: OptionMarginParams,
    /// The correlations.
    pub corr: Correlations,
    n: usize,
    m: usize,
    exposures: [Exposure; MAX_UNDERLYINGS],
    sigma_daily: [U256; MAX_UNDERLYINGS],
    iv_near: [U256; MAX_UNDERLYINGS],
    /// Options grouped by book; `ranges[b]` is book `b`'s `[start, end)`.
    options: [OptionPosition; MAX_OPTION_SERIES],
    ranges: [(usize, usize); MAX_UNDERLYINGS],
}

const EMPTY_EXPOSURE: Exposure = Exposure {
    bucket: 0,
    spot: I256::ZERO,
    perp: I256::ZERO,
    price: U256::ZERO,
    maint_shock: U256::ZERO,
    init_shock: U256::ZERO,
    depth: U256::ZERO,
};

const EMPTY_OPTION: OptionPosition = OptionPosition {
    kind: OptionKind::Call,
    strike: U256::ZERO,
    seconds: 0,
    vol: U256::ZERO,
    size: I256::ZERO,
};

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn word(&mut self) -> U256 {
        // Lengths are checked before any read.
        let w = U256::from_be_slice(&self.data[self.at..self.at + WORD]);
        self.at += WORD;
        w
    }
    fn signed(&mut self) -> I256 {
        I256::from_raw(self.word())
    }
    fn small<T: TryFrom<U256>>(&mut self) -> Result<T, InputError> {
        T::try_from(self.word()).map_err(|_| InputError::Field)
    }
}

impl MarginInput {
    /// Reads an input laid out as the module documentation says.
    ///
    /// # Errors
    /// [`InputError`], as the module documentation says.
    pub fn decode(data: &[u8]) -> Result<Self, InputError> {
        if data.len() < HEADER_WORDS * WORD {
            return Err(InputError::Length);
        }
        let mut r = Reader { data, at: 0 };
        let n: usize = r.small()?;
        let m: usize = r.small()?;
        if n > MAX_UNDERLYINGS || m > MAX_OPTION_SERIES {
            return Err(InputError::TooManyEntries);
        }
        if data.len() != input_len(n, m) {
            return Err(InputError::Length);
        }
        let mut p = [U256::ZERO; PARAM_WORDS];
        for v in &mut p {
            *v = r.word();
        }
        let secs = |v: U256| u64::try_from(v).map_err(|_| InputError::Field);
        let params = OptionMarginParams {
            k: p[0],
            init_ratio: p[1],
            min_margin_fraction: p[2],
            option_horizon: secs(p[3])?,
            range_floor: p[4],
            tail_horizon: secs(p[5])?,
            tail_floor: p[6],
            tail_cap: p[7],
            tails: [
                Tail {
                    multiple: p[8],
                    weight: p[9],
                },
                Tail {
                    multiple: p[10],
                    weight: p[11],
                },
            ],
            far_move: p[12],
            tail_credit: p[13],
            vol_up: p[14],
            vol_down: p[15],
            term_power_short: p[16],
            term_power_long: p[17],
            term_cap: p[18],
            kappa: p[19],
        };
        let mut corr = Correlations {
            intra: [U256::ZERO; MAX_BUCKETS],
            inter: U256::ZERO,
        };
        for v in &mut corr.intra {
            *v = r.word();
        }
        corr.inter = r.word();
        let mut out = Self {
            params,
            corr,
            n,
            m,
            exposures: [EMPTY_EXPOSURE; MAX_UNDERLYINGS],
            sigma_daily: [U256::ZERO; MAX_UNDERLYINGS],
            iv_near: [U256::ZERO; MAX_UNDERLYINGS],
            options: [EMPTY_OPTION; MAX_OPTION_SERIES],
            ranges: [(0, 0); MAX_UNDERLYINGS],
        };
        for b in 0..n {
            out.exposures[b] = Exposure {
                bucket: r.small()?,
                spot: r.signed(),
                perp: r.signed(),
                price: r.word(),
                maint_shock: r.word(),
                init_shock: r.word(),
                depth: r.word(),
            };
            out.sigma_daily[b] = r.word();
            out.iv_near[b] = r.word();
        }
        let mut last = 0usize;
        for i in 0..m {
            let book: usize = r.small()?;
            if book >= n || book < last {
                return Err(InputError::OptionOrder);
            }
            let kind = match r.small::<u8>()? {
                0 => OptionKind::Call,
                1 => OptionKind::Put,
                _ => return Err(InputError::Field),
            };
            out.options[i] = OptionPosition {
                kind,
                strike: r.word(),
                seconds: r.small()?,
                vol: r.word(),
                size: r.signed(),
            };
            if out.ranges[book].1 == 0 {
                out.ranges[book].0 = i;
            }
            out.ranges[book].1 = i + 1;
            last = book;
        }
        Ok(out)
    }

    /// Number of books.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.n
    }

    /// Whether there is no book.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of option positions.
    #[must_use]
    pub const fn options_len(&self) -> usize {
        self.m
    }

    /// The books, in input order, for [`crate::risk::scenario::requirements`] and
    /// [`crate::risk::scenario::greeks`]; the first [`Self::len`] entries are the input's.
    #[must_use]
    pub fn books(&self) -> [Book<'_>; MAX_UNDERLYINGS] {
        core::array::from_fn(|b| {
            let (start, end) = self.ranges[b];
            Book {
                exposure: self.exposures[b],
                sigma_daily: self.sigma_daily[b],
                iv_near: self.iv_near[b],
                options: &self.options[start..end],
            }
        })
    }
}

fn put(out: &mut [u8], at: &mut usize, w: U256) {
    out[*at..*at + WORD].copy_from_slice(&w.to_be_bytes::<WORD>());
    *at += WORD;
}

/// Writes the input of `books` (options grouped per book as they are), `corr` and `params` into
/// `out`, which must be exactly [`input_len`]`(books.len(), total options)` bytes.
///
/// # Errors
/// [`InputError::TooManyEntries`] above the bounds; [`InputError::Length`] when `out` has
/// another length.
pub fn encode_into(
    books: &[Book],
    corr: &Correlations,
    params: &OptionMarginParams,
    out: &mut [u8],
) -> Result<(), InputError> {
    let m: usize = books.iter().map(|b| b.options.len()).sum();
    if books.len() > MAX_UNDERLYINGS || m > MAX_OPTION_SERIES {
        return Err(InputError::TooManyEntries);
    }
    if out.len() != input_len(books.len(), m) {
        return Err(InputError::Length);
    }
    let mut at = 0;
    let w = |x: usize| U256::from(x);
    put(out, &mut at, w(books.len()));
    put(out, &mut at, w(m));
    let p = params;
    for v in [
        p.k,
        p.init_ratio,
        p.min_margin_fraction,
        U256::from(p.option_horizon),
        p.range_floor,
        U256::from(p.tail_horizon),
        p.tail_floor,
        p.tail_cap,
        p.tails[0].multiple,
        p.tails[0].weight,
        p.tails[1].multiple,
        p.tails[1].weight,
        p.far_move,
        p.tail_credit,
        p.vol_up,
        p.vol_down,
        p.term_power_short,
        p.term_power_long,
        p.term_cap,
        p.kappa,
    ] {
        put(out, &mut at, v);
    }
    for v in corr.intra {
        put(out, &mut at, v);
    }
    put(out, &mut at, corr.inter);
    for b in books {
        let e = &b.exposure;
        for v in [
            U256::from(e.bucket),
            e.spot.into_raw(),
            e.perp.into_raw(),
            e.price,
            e.maint_shock,
            e.init_shock,
            e.depth,
            b.sigma_daily,
            b.iv_near,
        ] {
            put(out, &mut at, v);
        }
    }
    for (i, b) in books.iter().enumerate() {
        for o in b.options {
            let kind = match o.kind {
                OptionKind::Call => 0u8,
                OptionKind::Put => 1u8,
            };
            for v in [
                U256::from(i),
                U256::from(kind),
                o.strike,
                U256::from(o.seconds),
                o.vol,
                o.size.into_raw(),
            ] {
                put(out, &mut at, v);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::params::DAY;
    use crate::math::fixed::WAD;
    use crate::risk::scenario::requirements;
    use crate::MarginMode;
    use proptest::prelude::*;

    fn exposure(bucket: u8, spot: i64, perp: i64) -> Exposure {
        Exposure {
            bucket,
            spot: I256::try_from(spot).unwrap() * I256::from_raw(WAD),
            perp: I256::try_from(perp).unwrap() * I256::from_raw(WAD),
            price: U256::from(3000u64) * WAD,
            maint_shock: WAD / U256::from(20u8),
            init_shock: WAD * U256::from(3u8) / U256::from(40u8),
            depth: U256::ZERO,
        }
    }

    fn call(strike: u64, size: i64) -> OptionPosition {
        OptionPosition {
            kind: OptionKind::Call,
            strike: U256::from(strike) * WAD,
            seconds: 7 * DAY,
            vol: WAD * U256::from(6u8) / U256::from(10u8),
            size: I256::try_from(size).unwrap() * I256::from_raw(WAD),
        }
    }

    fn corr() -> Correlations {
        Correlations {
            intra: [WAD / U256::from(2u8); MAX_BUCKETS],
            inter: WAD / U256::from(5u8),
        }
    }

    fn encode(books: &[Book]) -> Vec<u8> {
        let m = books.iter().map(|b| b.options.len()).sum();
        let mut out = vec![0u8; input_len(books.len(), m)];
        encode_into(books, &corr(), &OptionMarginParams::DEFAULT, &mut out).unwrap();
        out
    }

    #[test]
    fn round_trip_gives_the_same_requirements() {
        let a = [call(3000, -10), call(3300, 5)];
        let b = [OptionPosition {
            kind: OptionKind::Put,
            ..call(2700, 3)
        }];
        let books = [
            Book {
                exposure: exposure(0, 10, -2),
                sigma_daily: WAD / U256::from(30u8),
                iv_near: WAD / U256::from(2u8),
                options: &a,
            },
            Book::delta_one(exposure(1, -1, 4)),
            Book {
                exposure: exposure(2, 0, 0),
                sigma_daily: WAD / U256::from(40u8),
                iv_near: U256::ZERO,
                options: &b,
            },
        ];
        let data = encode(&books);
        assert_eq!(data.len(), input_len(3, 3));
        let input = MarginInput::decode(&data).unwrap();
        assert_eq!((input.len(), input.options_len()), (3, 3));
        assert_eq!(input.params, OptionMarginParams::DEFAULT);
        assert_eq!(input.corr, corr());
        let decoded = input.books();
        assert_eq!(&decoded[..3], &books[..]);
        for mode in [MarginMode::Cross, MarginMode::Portfolio] {
            assert_eq!(
                requirements(&decoded[..3], &input.corr, &input.params, mode),
                requirements(&books, &corr(), &OptionMarginParams::DEFAULT, mode)
            );
        }
    }

    #[test]
    fn refuses_malformed_input() {
        let opts = [call(3000, -1)];
        let books = [
            Book::delta_one(exposure(0, 1, 0)),
            Book {
                exposure: exposure(0, 0, 0),
                sigma_daily: U256::ZERO,
                iv_near: U256::ZERO,
                options: &opts,
            },
        ];
        let good = encode(&books);
        assert!(MarginInput::decode(&good).is_ok());
        // Too short for the header, one byte more or less.
        assert_eq!(MarginInput::decode(&good[..10]), Err(InputError::Length));
        assert_eq!(
            MarginInput::decode(&good[..good.len() - 1]),
            Err(InputError::Length)
        );
        let mut long = good.clone();
        long.push(0);
        assert_eq!(MarginInput::decode(&long), Err(InputError::Length));
        let word = |d: &mut Vec<u8>, i: usize, v: U256| {
            d[i * WORD..(i + 1) * WORD].copy_from_slice(&v.to_be_bytes::<WORD>());
        };
        // Counts above their bounds, and a count that does not fit a usize.
        let mut d = good.clone();
        word(&mut d, 0, U256::from(9u8));
        assert_eq!(MarginInput::decode(&d), Err(InputError::TooManyEntries));
        let mut d = good.clone();
        word(&mut d, 1, U256::from(17u8));
        assert_eq!(MarginInput::decode(&d), Err(InputError::TooManyEntries));
        let mut d = good.clone();
        word(&mut d, 1, U256::MAX);
        assert_eq!(MarginInput::decode(&d), Err(InputError::Field));
        // A bucket above 255, seconds above u64 in a parameter and in an option.
        let first_book = HEADER_WORDS;
        let first_option = HEADER_WORDS + 2 * BOOK_WORDS;
        let mut d = good.clone();
        word(&mut d, first_book, U256::from(256u16));
        assert_eq!(MarginInput::decode(&d), Err(InputError::Field));
        let mut d = good.clone();
        word(&mut d, 2 + 3, U256::from(u64::MAX) + U256::from(1u8));
        assert_eq!(MarginInput::decode(&d), Err(InputError::Field));
        let mut d = good.clone();
        word(
            &mut d,
            first_option + 3,
            U256::from(u64::MAX) + U256::from(1u8),
        );
        assert_eq!(MarginInput::decode(&d), Err(InputError::Field));
        // A kind other than 0 or 1.
        let mut d = good.clone();
        word(&mut d, first_option + 1, U256::from(2u8));
        assert_eq!(MarginInput::decode(&d), Err(InputError::Field));
        // An option on a book that does not exist.
        let mut d = good.clone();
        word(&mut d, first_option, U256::from(2u8));
        assert_eq!(MarginInput::decode(&d), Err(InputError::OptionOrder));
        // The encoder's own bounds.
        let mut out = vec![0u8; 5];
        assert_eq!(
            encode_into(&books, &corr(), &OptionMarginParams::DEFAULT, &mut out),
            Err(InputError::Length)
        );
        let nine = [Book::delta_one(exposure(0, 1, 0)); 9];
        assert_eq!(
            encode_into(&nine, &corr(), &OptionMarginParams::DEFAULT, &mut out),
            Err(InputError::TooManyEntries)
        );
    }

    #[test]
    fn options_out_of_book_order_are_refused() {
        let a = [call(3000, 1)];
        let books = [
            Book {
                exposure: exposure(0, 0, 0),
                sigma_daily: U256::ZERO,
                iv_near: U256::ZERO,
                options: &a,
            },
            Book {
                exposure: exposure(1, 0, 0),
                sigma_daily: U256::ZERO,
                iv_near: U256::ZERO,
                options: &a,
            },
        ];
        let mut d = encode(&books);
        // Swap the two options' book indexes: 1 then 0.
        let first_option = HEADER_WORDS + 2 * BOOK_WORDS;
        d[first_option * WORD + WORD - 1] = 1;
        d[(first_option + OPTION_WORDS) * WORD + WORD - 1] = 0;
        assert_eq!(MarginInput::decode(&d), Err(InputError::OptionOrder));
        assert_eq!(MAX_INPUT_LEN, input_len(8, 16));
    }

    proptest! {
        /// Any books within the bounds survive the round trip unchanged, options included.
        #[test]
        fn round_trip(
            rows in prop::collection::vec((0u8..4, -1000i64..1000, -1000i64..1000, 0usize..3), 0..=8),
            sizes in prop::collection::vec(-50i64..50, 16),
        ) {
            let total: usize = rows.iter().map(|r| r.3).sum();
            prop_assume!(total <= MAX_OPTION_SERIES);
            let opts: Vec<Vec<OptionPosition>> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (0..r.3).map(|j| call(2000 + 100 * (i as u64) + j as u64, sizes[(i + j) % 16])).collect())
                .collect();
            let books: Vec<Book> = rows
                .iter()
                .zip(&opts)
                .map(|(r, o)| Book {
                    exposure: exposure(r.0, r.1, r.2),
                    sigma_daily: U256::from(r.3),
                    iv_near: U256::from(r.1.unsigned_abs()),
                    options: o,
                })
                .collect();
            let data = encode(&books);
            let input = MarginInput::decode(&data).unwrap();
            prop_assert_eq!(input.len(), books.len());
            prop_assert_eq!(input.options_len(), total);
            prop_assert_eq!(&input.books()[..books.len()], &books[..]);
        }
    }
}
