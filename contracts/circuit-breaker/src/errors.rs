//! Events and custom errors of the circuit breaker.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// `scope` (an asset; zero: global) was tripped for `reason` (`TripReason` code) until
    /// `until` (`type(uint64).max`: until an admin reset).
    #[derive(Debug, PartialEq, Eq)]
    event Tripped(address indexed scope, uint8 reason, uint64 until);
    /// `scope` was reset by the admin; only deeply unhealthy accounts may be liquidated before
    /// `graceUntil`.
    #[derive(Debug, PartialEq, Eq)]
    event Reset(address indexed scope, uint64 graceUntil);
    /// A parameter changed (codes in `param`; durations in seconds, fractions WAD).
    #[derive(Debug, PartialEq, Eq)]
    event ParameterSet(uint8 code, uint256 oldValue, uint256 newValue);
    /// A liquidation of `notional` on `asset` passed the breaker; `windowTotal` is the
    /// liquidated notional of the rolling window including it.
    #[derive(Debug, PartialEq, Eq)]
    event LiquidationRecorded(address indexed asset, uint256 notional, uint256 windowTotal);

    /// Liquidations in `scope` (zero: global) are halted for `reason` until `until`.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidationsHalted(address scope, uint8 reason, uint64 until);
    /// The insurance fund's drawdown is above the trip level (`pokeGlobal` records the trip).
    #[derive(Debug, PartialEq, Eq)]
    error DrawdownHalt(uint256 drawdown, uint256 tripLevel);
    /// The asset's price moved more than the trigger from its reference within the window
    /// (`poke` records the trip).
    #[derive(Debug, PartialEq, Eq)]
    error PriceMoveHalt(address asset, uint256 referencePrice, uint256 price);
    /// `scope` (zero: global) is in its post-reset grace period until `until`: only deeply
    /// unhealthy accounts may be liquidated.
    #[derive(Debug, PartialEq, Eq)]
    error OnlyDeeplyUnhealthy(address scope, uint64 until);
    /// The liquidation would take the rolling window's total to `windowTotal`, above `cap`.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidationRateLimited(uint256 windowTotal, uint256 cap);
    /// `scope` is not halted, so there is nothing to reset.
    #[derive(Debug, PartialEq, Eq)]
    error NotTripped(address scope);
    /// No parameter has this code.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownParameter(uint8 param);
    /// A parameter is outside its hard bounds (codes in `param`).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the breaker's own checks. Risk-module reverts (a stale price, the sequencer down or
/// in its grace period) and insurance-fund reverts are returned unchanged instead.
#[derive(SolidityError, Debug)]
pub enum BreakerError {
    /// See [`LiquidationsHalted`].
    LiquidationsHalted(LiquidationsHalted),
    /// See [`DrawdownHalt`].
    DrawdownHalt(DrawdownHalt),
    /// See [`PriceMoveHalt`].
    PriceMoveHalt(PriceMoveHalt),
    /// See [`OnlyDeeplyUnhealthy`].
    OnlyDeeplyUnhealthy(OnlyDeeplyUnhealthy),
    /// See [`LiquidationRateLimited`].
    LiquidationRateLimited(LiquidationRateLimited),
    /// See [`NotTripped`].
    NotTripped(NotTripped),
    /// See [`UnknownParameter`].
    UnknownParameter(UnknownParameter),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for BreakerError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}
