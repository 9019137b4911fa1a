//! Option positions in the margin (DESIGN sections 7 and 13): which of an account's series
//! count as live, awaiting settlement or owed at a given time ([`series_margin`]), what an owed
//! series is worth ([`owed_value`], exactly what its settlement pays), the implied volatility of
//! an underlying's nearest expiry ([`MarginRows::iv_near`]), and the one layout of the
//! OptionBook's `marginRows` answer ([`MarginRows`]), which the MarginEngine reads back and
//! turns into the margin function's input ([`MarginRows::input`], the layout of
//! [`crate::risk::margin_input`]).
//!
//! # A series in the margin
//!
//! - **Live** while `now < expiry` (the same instant a fill is refused at, see
//!   [`crate::trading::option_positions::plan_fill`]): marked by Black-76 at its volatility with
//!   `expiry - now` seconds to run.
//! - **Awaiting settlement** once expired while OptionMarkets has no settlement price for its
//!   expiry: passed with `seconds == 0`, so the margin function marks it at intrinsic value at
//!   the current price and margins it as delta-one (section 13).
//! - **Owed** once expired with a settlement price and not yet paid: it leaves the option rows;
//!   its payout ([`owed_value`]: a long receives `size x intrinsic` rounded down, a short pays
//!   it rounded up, exactly [`expiry_payout`]) counts in equity until
//!   `OptionBook.settleAccount` (or the account's next fill) pays it into the quote balance, so
//!   equity does not move at the payment.
//!
//! # `IV_near`
//!
//! Section 7's `IV_near` is the implied volatility of the underlying's nearest expiry. The
//! account's own positions stand for the listed expiries: `IV_near` is the volatility of the
//! live position with the fewest seconds to expiry on that underlying (the first such in row
//! order on a tie), zero when none is live. It is the volatility the series is marked at (the
//! posted implied volatility, or the fallback when that is stale).
//!
//! # The `marginRows` layout
//!
//! A list of 32-byte words (signed values in two's complement):
//!
//! | words | content |
//! |---|---|
//! | 1 | the owed value of expired series with a settlement price, not yet paid (signed WAD quote) |
//! | 1 | number of underlyings `n` (at most [`MAX_UNDERLYINGS`]) |
//! | 1 | number of option rows `m` (at most [`MAX_OPTION_SERIES`]) |
//! | 17 | the governed margin parameters in the margin input's order (OptionMarkets' `marginParams` codes 2 to 18: option horizon .. contingency); zero when `m == 0` |
//! | 3 per underlying | address, daily volatility `sigma_daily` (WAD), `IV_near` (WAD) |
//! | 6 per option row | underlying index, kind (0 call, 1 put), strike, seconds to expiry, volatility, signed size |
//!
//! An account without any series answers an empty list.

use crate::error::CoreError;
use crate::risk::margin::{Correlations, Exposure, MAX_UNDERLYINGS};
use crate::risk::margin_input::{input_len, InputError, PARAM_WORDS, WORD};
use crate::risk::scenario::MAX_OPTION_SERIES;
use crate::trading::option_positions::{expiry_payout, intrinsic};
use alloy_primitives::{Address, I256, U256};

/// Words of the governed parameters in the answer: the margin input's parameters but the first
/// three (`k`, the initial / maintenance ratio and the minimum margin fraction, which the
/// RiskEngine holds).
pub const MARGIN_PARAM_WORDS: usize = PARAM_WORDS - 3;
/// Words before the first underlying.
pub const ROWS_HEADER_WORDS: usize = 3 + MARGIN_PARAM_WORDS;
/// Words per underlying.
pub const UNDERLYING_WORDS: usize = 3;
/// Words per option row.
pub const ROW_WORDS: usize = 6;

/// How a held series counts in the margin at a given time (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesMargin {
    /// Not expired: `seconds` to expiry, at least 1.
    Live {
        /// Seconds to expiry.
        seconds: u64,
    },
    /// Expired without a settlement price: marked at intrinsic value (`seconds == 0`).
    AwaitingSettlement,
    /// Expired with a settlement price, not yet paid: counts as [`owed_value`].
    Owed,
}

/// How a series expiring at `expiry` counts at `now`, `settlement` being its expiry's
/// settlement price (0 while none is recorded; only read once expired).
#[must_use]
pub fn series_margin(now: u64, expiry: u64, settlement: U256) -> SeriesMargin {
    if now < expiry {
        SeriesMargin::Live {
            seconds: expiry - now,
        }
    } else if settlement.is_zero() {
        SeriesMargin::AwaitingSettlement
    } else {
        SeriesMargin::Owed
    }
}

/// Whether a series expiring at `expiry` has expired at `now` (`now >= expiry`): it no longer
/// trades and settles once its settlement price exists.
#[must_use]
pub const fn is_expired(now: u64, expiry: u64) -> bool {
    now >= expiry
}

/// What an expired position of `size` contracts settled at `settlement` pays into its quote
/// balance: exactly what its settlement will pay ([`expiry_payout`] of [`intrinsic`]; a long
/// receives the amount rounded down, a short pays it rounded up).
///
/// # Errors
/// [`CoreError::Overflow`] if `|size|` or the intrinsic value is `2^128` or more.
pub fn owed_value(
    is_call: bool,
    strike: U256,
    size: I256,
    settlement: U256,
) -> Result<I256, CoreError> {
    expiry_payout(size, intrinsic(is_call, strike, settlement))
}

/// One option position in the margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionRow {
    /// Index of its underlying in [`MarginRows::underlyings`].
    pub underlying: usize,
    /// Call (`true`) or put.
    pub is_call: bool,
    /// Strike, WAD quote.
    pub strike: U256,
    /// Seconds to expiry (0: awaiting settlement).
    pub seconds: u64,
    /// The volatility it is marked at, annualised WAD (any value when `seconds == 0`).
    pub vol: U256,
    /// Signed size, WAD contracts.
    pub size: I256,
}

const EMPTY_ROW: OptionRow = OptionRow {
    underlying: 0,
    is_call: true,
    strike: U256::ZERO,
    seconds: 0,
    vol: U256::ZERO,
    size: I256::ZERO,
};

/// Everything option-specific the margin of one account needs (the `marginRows` answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginRows {
    /// Owed value of expired, settled, unpaid series (signed WAD quote).
    pub owed: I256,
    /// The governed margin parameters, margin input order from its fourth word.
    pub params: [U256; MARGIN_PARAM_WORDS],
    n: usize,
    m: usize,
    underlyings: [Address; MAX_UNDERLYINGS],
    /// Daily volatility per underlying.
    pub sigma_daily: [U256; MAX_UNDERLYINGS],
    iv_near: [U256; MAX_UNDERLYINGS],
    rows: [OptionRow; MAX_OPTION_SERIES],
}

impl Default for MarginRows {
    fn default() -> Self {
        Self::new()
    }
}

impl MarginRows {
    /// No underlying, no row, nothing owed.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            owed: I256::ZERO,
            params: [U256::ZERO; MARGIN_PARAM_WORDS],
            n: 0,
            m: 0,
            underlyings: [Address::ZERO; MAX_UNDERLYINGS],
            sigma_daily: [U256::ZERO; MAX_UNDERLYINGS],
            iv_near: [U256::ZERO; MAX_UNDERLYINGS],
            rows: [EMPTY_ROW; MAX_OPTION_SERIES],
        }
    }

    /// Adds an option row on `underlying` (its `underlying` field is set here).
    ///
    /// # Errors
    /// [`CoreError::TooManyEntries`] beyond [`MAX_UNDERLYINGS`] underlyings or
    /// [`MAX_OPTION_SERIES`] rows.
    pub fn push(&mut self, underlying: Address, mut row: OptionRow) -> Result<(), CoreError> {
        let u = match self.underlyings().iter().position(|a| *a == underlying) {
            Some(u) => u,
            None => {
                if self.n == MAX_UNDERLYINGS {
                    return Err(CoreError::TooManyEntries);
                }
                self.underlyings[self.n] = underlying;
                self.n += 1;
                self.n - 1
            }
        };
        if self.m == MAX_OPTION_SERIES {
            return Err(CoreError::TooManyEntries);
        }
        row.underlying = u;
        self.rows[self.m] = row;
        self.m += 1;
        // IV_near: the live row with the fewest seconds (the first on a tie).
        let mut best: Option<(u64, U256)> = None;
        for r in self.rows() {
            if r.underlying == u && r.seconds > 0 && best.is_none_or(|(s, _)| r.seconds < s) {
                best = Some((r.seconds, r.vol));
            }
        }
        self.iv_near[u] = best.map_or(U256::ZERO, |(_, v)| v);
        Ok(())
    }

    /// Adds an owed value.
    ///
    /// # Errors
    /// [`CoreError::Overflow`] when the sum leaves `I256`.
    pub fn add_owed(&mut self, value: I256) -> Result<(), CoreError> {
        self.owed = crate::add_signed(self.owed, value)?;
        Ok(())
    }

    /// The underlyings, in order of their first row.
    #[must_use]
    pub fn underlyings(&self) -> &[Address] {
        &self.underlyings[..self.n]
    }

    /// The option rows, in the order they were added.
    #[must_use]
    pub fn rows(&self) -> &[OptionRow] {
        &self.rows[..self.m]
    }

    /// `IV_near` of underlying `u` (see the module documentation): the volatility of its live
    /// row with the fewest seconds to expiry, 0 when none is live.
    #[must_use]
    pub fn iv_near(&self, u: usize) -> U256 {
        self.iv_near.get(u).copied().unwrap_or_default()
    }

    /// Words of the answer [`Self::encode_into`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        ROWS_HEADER_WORDS + self.n * UNDERLYING_WORDS + self.m * ROW_WORDS
    }

    /// Writes the answer's words (see the module documentation) into `out`, which must be
    /// exactly [`Self::encoded_len`] words.
    ///
    /// # Errors
    /// [`InputError::Length`] when `out` has another length.
    pub fn encode_into(&self, out: &mut [U256]) -> Result<(), InputError> {
        if out.len() != self.encoded_len() {
            return Err(InputError::Length);
        }
        let mut at = 0;
        let mut put = |w: U256| {
            out[at] = w;
            at += 1;
        };
        put(self.owed.into_raw());
        put(U256::from(self.n));
        put(U256::from(self.m));
        for p in self.params {
            put(p);
        }
        for u in 0..self.n {
            put(self.underlyings[u].into_word().into());
            put(self.sigma_daily[u]);
            put(self.iv_near(u));
        }
        for r in self.rows() {
            for w in row_words(r.underlying, r) {
                put(w);
            }
        }
        Ok(())
    }

    /// Reads an answer of [`Self::encode`] from its words' bytes (`data`, without the ABI's
    /// offset and length words).
    ///
    /// # Errors
    /// [`InputError::Length`] for a length other than the counts give,
    /// [`InputError::TooManyEntries`] for a count above its bound, [`InputError::Field`] for a
    /// field that does not fit (an address, an underlying index, a kind, seconds).
    pub fn decode(data: &[u8]) -> Result<Self, InputError> {
        let word = |i: usize| {
            data.get(i * WORD..(i + 1) * WORD)
                .map(U256::from_be_slice)
                .ok_or(InputError::Length)
        };
        let small = |i: usize| usize::try_from(word(i)?).map_err(|_| InputError::Field);
        let mut out = Self::new();
        out.owed = I256::from_raw(word(0)?);
        let (n, m) = (small(1)?, small(2)?);
        if n > MAX_UNDERLYINGS || m > MAX_OPTION_SERIES {
            return Err(InputError::TooManyEntries);
        }
        if data.len() != (ROWS_HEADER_WORDS + n * UNDERLYING_WORDS + m * ROW_WORDS) * WORD {
            return Err(InputError::Length);
        }
        for (i, p) in out.params.iter_mut().enumerate() {
            *p = word(3 + i)?;
        }
        out.n = n;
        out.m = m;
        for u in 0..n {
            let at = ROWS_HEADER_WORDS + u * UNDERLYING_WORDS;
            let a = word(at)?;
            if a >> 160 != U256::ZERO {
                return Err(InputError::Field);
            }
            out.underlyings[u] = Address::from_word(a.into());
            out.sigma_daily[u] = word(at + 1)?;
            out.iv_near[u] = word(at + 2)?;
        }
        for k in 0..m {
            let at = ROWS_HEADER_WORDS + n * UNDERLYING_WORDS + k * ROW_WORDS;
            let underlying = small(at)?;
            let kind = small(at + 1)?;
            if underlying >= n || kind > 1 {
                return Err(InputError::Field);
            }
            out.rows[k] = OptionRow {
                underlying,
                is_call: kind == 0,
                strike: word(at + 2)?,
                seconds: u64::try_from(word(at + 3)?).map_err(|_| InputError::Field)?,
                vol: word(at + 4)?,
                size: I256::from_raw(word(at + 5)?),
            };
        }
        Ok(out)
    }
}

/// A `marginRows` answer read in place (the MarginEngine's side: no copy of its values, only
/// its counts and structure checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsAnswer<'a> {
    data: &'a [u8],
    n: usize,
    m: usize,
}

impl<'a> RowsAnswer<'a> {
    /// Checks the structure of an answer's words' bytes (`data`, without the ABI's offset and
    /// length words): the counts within their bounds, the length they give, every option row's
    /// underlying index below `n`. The values themselves are the margin function's to check.
    ///
    /// # Errors
    /// [`InputError::Length`], [`InputError::TooManyEntries`], [`InputError::Field`].
    pub fn parse(data: &'a [u8]) -> Result<Self, InputError> {
        if data.len() < ROWS_HEADER_WORDS * WORD {
            return Err(InputError::Length);
        }
        let small = |i: usize| {
            usize::try_from(U256::from_be_slice(&data[i * WORD..(i + 1) * WORD]))
                .map_err(|_| InputError::Field)
        };
        let (n, m) = (small(1)?, small(2)?);
        if n > MAX_UNDERLYINGS || m > MAX_OPTION_SERIES {
            return Err(InputError::TooManyEntries);
        }
        if data.len() != (ROWS_HEADER_WORDS + n * UNDERLYING_WORDS + m * ROW_WORDS) * WORD {
            return Err(InputError::Length);
        }
        let out = Self { data, n, m };
        for k in 0..m {
            if small(out.row_at(k))? >= n {
                return Err(InputError::Field);
            }
        }
        Ok(out)
    }

    fn word(&self, i: usize) -> &'a [u8] {
        &self.data[i * WORD..(i + 1) * WORD]
    }

    fn row_at(&self, k: usize) -> usize {
        ROWS_HEADER_WORDS + self.n * UNDERLYING_WORDS + k * ROW_WORDS
    }

    /// The owed value.
    #[must_use]
    pub fn owed(&self) -> I256 {
        I256::from_raw(U256::from_be_slice(self.word(0)))
    }

    /// Number of option rows.
    #[must_use]
    pub const fn rows_len(&self) -> usize {
        self.m
    }

    /// The underlyings, in answer order (an address is the word's low 20 bytes).
    pub fn underlyings(&self) -> impl Iterator<Item = Address> + '_ {
        (0..self.n).map(|u| {
            Address::from_slice(&self.word(ROWS_HEADER_WORDS + u * UNDERLYING_WORDS)[12..])
        })
    }

    /// The margin function's input ([`crate::risk::margin_input`]'s layout) for an account
    /// whose delta-one rows are `exposures` (one per entry of `assets`, in that order) with
    /// this answer's option rows, into `out` of exactly [`input_len`]`(exposures.len(),
    /// self.rows_len())` bytes: `head` holds `k`, the initial / maintenance ratio and the
    /// minimum margin fraction, the answer the other parameters. Each row's daily volatility
    /// and `IV_near` are its underlying's here (zero for rows without options); the option
    /// rows come grouped by exposure row, in answer order within each.
    ///
    /// # Errors
    /// [`InputError::Length`] when `assets`, `exposures` and `out` do not fit;
    /// [`InputError::TooManyEntries`] above [`MAX_UNDERLYINGS`] rows;
    /// [`InputError::OptionOrder`] when an underlying here is not among `assets`.
    pub fn input(
        &self,
        assets: &[Address],
        exposures: &[Exposure],
        corr: &Correlations,
        head: [U256; 3],
        out: &mut [u8],
    ) -> Result<(), InputError> {
        let n = exposures.len();
        if assets.len() != n || out.len() != input_len(n, self.m) {
            return Err(InputError::Length);
        }
        if n > MAX_UNDERLYINGS {
            return Err(InputError::TooManyEntries);
        }
        // The exposure row of each underlying here.
        let mut at = [usize::MAX; MAX_UNDERLYINGS];
        for (u, a) in self.underlyings().enumerate() {
            at[u] = assets
                .iter()
                .position(|x| *x == a)
                .ok_or(InputError::OptionOrder)?;
        }
        let mut pos = 0;
        let mut put = |w: &[u8]| {
            out[pos..pos + w.len()].copy_from_slice(w);
            pos += w.len();
        };
        let zero = [0u8; 2 * WORD];
        let be = |w: U256| w.to_be_bytes::<WORD>();
        put(&be(U256::from(n)));
        put(&be(U256::from(self.m)));
        for w in head {
            put(&be(w));
        }
        put(&self.data[3 * WORD..ROWS_HEADER_WORDS * WORD]);
        for w in corr.intra {
            put(&be(w));
        }
        put(&be(corr.inter));
        for (i, e) in exposures.iter().enumerate() {
            for w in [
                U256::from(e.bucket),
                e.spot.into_raw(),
                e.perp.into_raw(),
                e.price,
                e.maint_shock,
                e.init_shock,
                e.depth,
            ] {
                put(&be(w));
            }
            // sigma_daily and IV_near of the underlying on this row, if any.
            put(at[..self.n]
                .iter()
                .position(|r| *r == i)
                .map_or(&zero[..], |u| {
                    let from = (ROWS_HEADER_WORDS + u * UNDERLYING_WORDS + 1) * WORD;
                    &self.data[from..from + 2 * WORD]
                }));
        }
        for i in 0..n {
            for k in 0..self.m {
                let from = self.row_at(k);
                // The row's underlying index (checked below n by `parse`).
                let u = usize::from(self.word(from)[WORD - 1]);
                if at[u] == i {
                    put(&be(U256::from(i)));
                    put(&self.data[(from + 1) * WORD..(from + ROW_WORDS) * WORD]);
                }
            }
        }
        Ok(())
    }
}

/// The six words of option row `r` with the book index `book`.
fn row_words(book: usize, r: &OptionRow) -> [U256; ROW_WORDS] {
    [
        U256::from(book),
        U256::from(u8::from(!r.is_call)),
        r.strike,
        U256::from(r.seconds),
        r.vol,
        r.size.into_raw(),
    ]
}

#[cfg(test)]
#[path = "option_margin_tests.rs"]
mod tests;
