//! MarginMath: the whole margin function of DESIGN section 7, with options (section 13), as a
//! stateless contract (section 2: "pure computation can be a stateless contract that callers
//! pass everything it needs").
//!
//! The caller passes one flat byte string, laid out as `clearing_core::MarginInput` documents:
//! the parameters, the correlations, up to 8 books (one per underlying: bucket, spot, perp,
//! price, shocks, depth, daily and nearest implied volatility) and up to 16 option positions
//! grouped by book. [`MarginMath::requirements`] answers the maintenance and initial
//! requirements, the floor's notional and the options' mark value for equity;
//! [`MarginMath::greeks`] the Greeks per book. The contract holds no state and calls nothing:
//! its answers are `clearing_core::scenario_requirements`, `clearing_core::options_value` and
//! `clearing_core::greeks` of the decoded input, and a caller can reproduce them off-chain with
//! the same core.
//!
//! Every refusal is a named custom error without fields (`errors`): one per
//! `clearing_core::InputError` for a malformed input, one per `clearing_core::CoreError` for
//! values the margin function refuses (the function runs on 128 bits: every value must stay
//! below `2^127` WAD, or the answer is `MathOverflow`).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{I256, U256};
use alloy_sol_types::SolError;
use clearing_core::{
    add_signed, greeks, options_value, scenario_requirements, CoreError, InputError, MarginInput,
    MarginMode,
};
use stylus_sdk::{abi::Bytes, prelude::*};

pub use errors::*;

/// The stateless margin math contract.
#[storage]
#[entrypoint]
pub struct MarginMath {}

#[public]
impl MarginMath {
    /// The requirements of the account `input` describes (layout: `clearing_core::MarginInput`),
    /// in portfolio mode (`portfolio`, correlation credit across underlyings) or cross mode,
    /// as `(maintenance, initial, gross_notional, options_value)`: the maintenance and initial
    /// requirements (WAD quote, rounded up), the floor's notional (perp notional plus the
    /// underlying notional of short options) and the mark value of the option positions for
    /// equity (longs at the long mark, shorts at minus the short mark, WAD quote).
    ///
    /// # Errors
    /// [`InputLength`], [`InputTooManyEntries`], [`InputField`], [`InputOptionOrder`] for a
    /// malformed input; [`MathInvalidBucket`], [`MathInvalidParameter`], [`MathOverflow`] (and
    /// the other `Math*` errors, one per `clearing_core::CoreError`) when the margin function
    /// refuses the values.
    pub fn requirements(
        &self,
        input: Bytes,
        portfolio: bool,
    ) -> Result<(U256, U256, U256, I256), Vec<u8>> {
        let m = MarginInput::decode(&input).map_err(input_error)?;
        let books = m.books();
        let books = &books[..m.len()];
        let mode = if portfolio {
            MarginMode::Portfolio
        } else {
            MarginMode::Cross
        };
        let r = scenario_requirements(books, &m.corr, &m.params, mode).map_err(core_error)?;
        let mut value = I256::ZERO;
        for b in books {
            value = add_signed(value, options_value(b).map_err(core_error)?).map_err(core_error)?;
        }
        Ok((r.maintenance, r.initial, r.gross_notional, value))
    }

    /// The Greeks of every book of `input` (layout: `clearing_core::MarginInput`), in book
    /// order, as `(delta, gamma, vega)`: the net delta (spot + perp + option deltas, signed WAD
    /// base units), the gamma (change of the delta per quote unit of price move, signed WAD) and
    /// the vega (change of the option value per volatility point, signed WAD quote), rounded
    /// toward zero. The parameters and correlations are read but play no part.
    ///
    /// # Errors
    /// [`InputLength`], [`InputTooManyEntries`], [`InputField`], [`InputOptionOrder`] for a
    /// malformed input; [`MathInvalidParameter`] for an option volatility above 1,000 % or an
    /// expiry beyond ten years, [`MathOverflow`] for a value that does not fit.
    #[allow(clippy::type_complexity)]
    pub fn greeks(&self, input: Bytes) -> Result<(Vec<I256>, Vec<I256>, Vec<I256>), Vec<u8>> {
        let m = MarginInput::decode(&input).map_err(input_error)?;
        let (mut delta, mut gamma, mut vega) = (Vec::new(), Vec::new(), Vec::new());
        for b in &m.books()[..m.len()] {
            let g = greeks(b).map_err(core_error)?;
            delta.push(g.delta);
            gamma.push(g.gamma);
            vega.push(g.vega);
        }
        Ok((delta, gamma, vega))
    }
}

/// The selectors of the input errors, by `InputError` code (1-based).
const INPUT_ERRORS: [[u8; 4]; 4] = [
    InputLength::SELECTOR,
    InputTooManyEntries::SELECTOR,
    InputField::SELECTOR,
    InputOptionOrder::SELECTOR,
];

/// The selectors of the core errors, by `CoreError` code (1-based).
const CORE_ERRORS: [[u8; 4]; 9] = [
    MathOverflow::SELECTOR,
    MathDivisionByZero::SELECTOR,
    MathNegative::SELECTOR,
    MathDecimalsTooLarge::SELECTOR,
    MathInvalidParameter::SELECTOR,
    MathInvalidAccountId::SELECTOR,
    MathTooManyEntries::SELECTOR,
    MathInvalidBucket::SELECTOR,
    MathZeroElapsed::SELECTOR,
];

/// The revert data of a malformed input.
fn input_error(e: InputError) -> Vec<u8> {
    INPUT_ERRORS[e as usize - 1].to_vec()
}

/// The revert data of a refusal of the margin function.
fn core_error(e: CoreError) -> Vec<u8> {
    CORE_ERRORS[e as usize - 1].to_vec()
}

#[cfg(test)]
mod tests;
