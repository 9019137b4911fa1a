//! Events and custom errors of the insurance fund.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// `from` topped the fund up: `amount` quote tokens were credited to
    /// the fund's vault account.
    #[derive(Debug, PartialEq, Eq)]
    event ToppedUp(address from, uint256 amount);
    /// Bad debt of `account` was covered: `covered` (WAD of the quote asset)
    /// of the `requested` amount moved from the fund's quote balance to the
    /// account's; `balanceAfter` is the fund's balance afterwards (WAD).
    #[derive(Debug, PartialEq, Eq)]
    event BadDebtCovered(bytes32 indexed account, uint256 requested, uint256 covered, int256 balanceAfter);
    /// The target size changed (WAD of the quote asset).
    #[derive(Debug, PartialEq, Eq)]
    event TargetSet(uint256 oldTarget, uint256 newTarget);
    /// The drawdown window length changed (seconds).
    #[derive(Debug, PartialEq, Eq)]
    event WindowSet(uint64 oldWindow, uint64 newWindow);
    /// `amount` quote tokens above the target were paid out to `to`.
    #[derive(Debug, PartialEq, Eq)]
    event ExcessWithdrawn(address to, uint256 amount);

    /// A zero amount.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroAmount();
    /// A withdrawal of `amount` (quote-token units) would leave the fund's
    /// `balance` (WAD) below its `target` (WAD).
    #[derive(Debug, PartialEq, Eq)]
    error BelowTarget(int256 balance, uint256 target, uint256 amount);
    /// The recipient is the zero address.
    #[derive(Debug, PartialEq, Eq)]
    error InvalidRecipient(address to);
    /// The quote token's `decimals()` differs from the configured decimals.
    #[derive(Debug, PartialEq, Eq)]
    error DecimalsMismatch(address asset, uint8 configured, uint8 token);
    /// A token call returned false.
    #[derive(Debug, PartialEq, Eq)]
    error TransferFailed(address asset);
    /// A parameter is outside its hard bounds (`param` codes in the `param` module).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the fund's own checks. Vault and token reverts (an unlisted
/// asset, an insufficient allowance) are returned unchanged instead.
#[derive(SolidityError, Debug)]
pub enum FundError {
    /// See [`ZeroAmount`].
    ZeroAmount(ZeroAmount),
    /// See [`BelowTarget`].
    BelowTarget(BelowTarget),
    /// See [`InvalidRecipient`].
    InvalidRecipient(InvalidRecipient),
    /// See [`DecimalsMismatch`].
    DecimalsMismatch(DecimalsMismatch),
    /// See [`TransferFailed`].
    TransferFailed(TransferFailed),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for FundError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}

impl From<clearing_core::CoreError> for FundError {
    fn from(e: clearing_core::CoreError) -> Self {
        Self::MathError(MathError { code: e as u8 })
    }
}
