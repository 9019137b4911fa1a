//! Custom errors of the margin math: one per `clearing_core::InputError` (a malformed input)
//! and one per `clearing_core::CoreError` (the margin function refused the values). None has a
//! field, so the contract reverts with the bare selector (`revert` in the crate root); these
//! declarations give the selectors, name the errors in the ABI and decode them in tests.
use alloy_sol_types::sol;

sol! {
    /// The input is shorter than its header or not the length its counts give
    /// (`InputError::Length`).
    #[derive(Debug, PartialEq, Eq)]
    error InputLength();
    /// The input counts more than 8 books or 16 option positions (`InputError::TooManyEntries`).
    #[derive(Debug, PartialEq, Eq)]
    error InputTooManyEntries();
    /// An input field does not fit its type: a bucket or book index above 255, seconds above
    /// `uint64`, a kind other than 0 or 1, a count (`InputError::Field`).
    #[derive(Debug, PartialEq, Eq)]
    error InputField();
    /// Option positions are not grouped by book, or name a book that does not exist
    /// (`InputError::OptionOrder`).
    #[derive(Debug, PartialEq, Eq)]
    error InputOptionOrder();

    /// A value or an intermediate does not fit the margin function's domain (every value below
    /// 2^127 WAD; `CoreError::Overflow`).
    #[derive(Debug, PartialEq, Eq)]
    error MathOverflow();
    /// A division by zero (`CoreError::DivisionByZero`).
    #[derive(Debug, PartialEq, Eq)]
    error MathDivisionByZero();
    /// A negative value where an unsigned one is required (`CoreError::Negative`).
    #[derive(Debug, PartialEq, Eq)]
    error MathNegative();
    /// Token decimals above 36 (`CoreError::DecimalsTooLarge`).
    #[derive(Debug, PartialEq, Eq)]
    error MathDecimalsTooLarge();
    /// A parameter outside its domain: a shock or correlation above 1, margin parameters that
    /// fail `OptionMarginParams::validate`, an option volatility above 1,000 % or an expiry
    /// beyond ten years (`CoreError::InvalidParameter`).
    #[derive(Debug, PartialEq, Eq)]
    error MathInvalidParameter();
    /// A malformed sub-account id (`CoreError::InvalidAccountId`).
    #[derive(Debug, PartialEq, Eq)]
    error MathInvalidAccountId();
    /// More entries than a bounded loop accepts (`CoreError::TooManyEntries`).
    #[derive(Debug, PartialEq, Eq)]
    error MathTooManyEntries();
    /// A correlation bucket of 4 or more (`CoreError::InvalidBucket`).
    #[derive(Debug, PartialEq, Eq)]
    error MathInvalidBucket();
    /// Zero elapsed time where a rate is computed (`CoreError::ZeroElapsed`).
    #[derive(Debug, PartialEq, Eq)]
    error MathZeroElapsed();
}
