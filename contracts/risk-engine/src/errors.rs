//! Events and custom errors of the risk engine.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// An asset's haircut floor, cap or multiplier was set; `effective` is
    /// the effective maintenance haircut stored with it.
    #[derive(Debug, PartialEq, Eq)]
    event HaircutConfigured(address indexed asset, uint256 floor, uint256 cap, uint256 multiplier, uint256 effective);
    /// The effective maintenance haircut of an asset was brought up to date.
    #[derive(Debug, PartialEq, Eq)]
    event HaircutUpdated(address indexed asset, uint256 target, uint256 effective);
    /// The global haircut parameters changed.
    #[derive(Debug, PartialEq, Eq)]
    event HaircutParametersSet(uint256 k, uint256 initRatio, uint64 horizon, uint256 maxSpeed);
    /// One governed parameter changed (codes in `param`; `subject` is the
    /// asset, or zero for a global parameter), with its old and new value.
    #[derive(Debug, PartialEq, Eq)]
    event ParameterSet(address indexed subject, uint8 indexed param, uint256 oldValue, uint256 newValue);

    /// The asset has no haircut configuration.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownAsset(address asset);
    /// A parameter change moves it by more than its rule's maximum step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its rule's minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// A parameter is outside its hard bounds (`param` codes in the `param` module).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// A call to the vault or the risk module failed without revert data, or
    /// answered with data this contract cannot use.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the risk engine's own checks. The vault's and the risk module's
/// reverts are returned unchanged instead.
#[derive(SolidityError, Debug)]
pub enum EngineError {
    /// Caller lacks the role.
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// `renounceRole` confirmation mismatch.
    BadConfirmation(control::AccessControlBadConfirmation),
    /// See [`UnknownAsset`].
    UnknownAsset(UnknownAsset),
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
}

impl From<control::Error> for EngineError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(x) => EngineError::UnauthorizedAccount(x),
            control::Error::BadConfirmation(x) => EngineError::BadConfirmation(x),
        }
    }
}
