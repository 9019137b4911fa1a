//! The crate-wide error type.

/// Failure of a core computation.
///
/// Every fallible function of the crate returns this enum (the oracle module wraps it in its own
/// [`OracleError`](crate::OracleError)). The discriminants are stable, so a contract may report an
/// error as a single `uint8` code (`err as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CoreError {
    /// A result does not fit its type (U256, I256 or a narrower integer).
    Overflow = 1,
    /// Division by zero (a zero divisor, zero price or zero liquidity depth where one is needed).
    DivisionByZero = 2,
    /// A negative value where an unsigned one is required.
    Negative = 3,
    /// Token decimals above [`MAX_DECIMALS`](crate::MAX_DECIMALS).
    DecimalsTooLarge = 4,
    /// A parameter is outside its mathematical domain (e.g. a weight above one, floor above cap).
    InvalidParameter = 5,
    /// A sub-account id whose reserved bytes (20..31) are not zero.
    InvalidAccountId = 6,
    /// More entries than a bounded loop accepts (e.g. more than
    /// [`MAX_UNDERLYINGS`](crate::MAX_UNDERLYINGS) exposures).
    TooManyEntries = 7,
    /// A correlation bucket index at or above [`MAX_BUCKETS`](crate::MAX_BUCKETS).
    InvalidBucket = 8,
    /// Zero elapsed time where a time-normalised quantity is computed.
    ZeroElapsed = 9,
}
