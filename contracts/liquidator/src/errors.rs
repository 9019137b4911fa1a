//! Events and custom errors of the liquidator.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// `sizeDelta` of `account`'s position in `market` passed to
    /// `liquidator` at the oracle `price`; the account paid `penalty`,
    /// `keeperReward` of it to the liquidator, the rest to the insurance fund.
    #[derive(Debug, PartialEq, Eq)]
    event Liquidated(bytes32 indexed account, bytes32 indexed liquidator, uint32 indexed market, int256 sizeDelta, uint256 price, uint256 penalty, uint256 keeperReward, uint256 insuranceShare);
    /// A liquidation parameter changed.
    #[derive(Debug, PartialEq, Eq)]
    event ParameterSet(uint8 param, uint256 oldValue, uint256 newValue);

    /// The account's maintenance health is not negative.
    #[derive(Debug, PartialEq, Eq)]
    error AccountHealthy(bytes32 account, int256 equity, uint256 maintenance);
    /// The liquidator and the liquidated account have the same owner.
    #[derive(Debug, PartialEq, Eq)]
    error SelfLiquidation(bytes32 account);
    /// The account has no position in the market.
    #[derive(Debug, PartialEq, Eq)]
    error NoPosition(bytes32 account, uint32 market);
    /// A zero amount or size.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroAmount();
    /// The liquidator's own sub-account would end below initial margin.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidatorBelowInitialMargin(bytes32 liquidator, int256 equity, uint256 initial);
    /// The liquidation would not improve the account's maintenance health.
    #[derive(Debug, PartialEq, Eq)]
    error HealthNotImproved(bytes32 account, int256 before, int256 afterwards);
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
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the liquidator's own checks. Callee reverts (the circuit
/// breaker's, the risk module's, the clearinghouse's) are returned unchanged.
#[derive(SolidityError, Debug)]
pub enum LiquidatorError {
    /// See [`AccountHealthy`].
    AccountHealthy(AccountHealthy),
    /// See [`SelfLiquidation`].
    SelfLiquidation(SelfLiquidation),
    /// See [`NoPosition`].
    NoPosition(NoPosition),
    /// See [`ZeroAmount`].
    ZeroAmount(ZeroAmount),
    /// See [`LiquidatorBelowInitialMargin`].
    LiquidatorBelowInitialMargin(LiquidatorBelowInitialMargin),
    /// See [`HealthNotImproved`].
    HealthNotImproved(HealthNotImproved),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for LiquidatorError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}

impl From<clearing_core::CoreError> for LiquidatorError {
    fn from(e: clearing_core::CoreError) -> Self {
        Self::MathError(MathError { code: e as u8 })
    }
}
