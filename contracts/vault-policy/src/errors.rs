//! Events and custom errors of the vault policy.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// A quote-market parameter changed (`param` is a `clearing_core::vault::money_market::RateParam`
    /// code).
    #[derive(Debug, PartialEq, Eq)]
    event RateParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
    /// Interest accrued: the vault's books now carry these indexes; `reserve` is the reserve
    /// accrued and not yet collected (WAD quote).
    #[derive(Debug, PartialEq, Eq)]
    event InterestAccrued(uint256 supplyIndex, uint256 borrowIndex, uint256 reserve);
    /// The sub-account that receives the reserve changed.
    #[derive(Debug, PartialEq, Eq)]
    event ReserveAccountSet(bytes32 oldAccount, bytes32 newAccount);
    /// The accrued reserve (WAD quote) was credited to the reserve account.
    #[derive(Debug, PartialEq, Eq)]
    event ReserveCollected(bytes32 indexed account, uint256 amount);
    /// An asset's deposit cap or flags changed through the policy (the vault emits
    /// `AssetConfigured` with the new state).
    #[derive(Debug, PartialEq, Eq)]
    event DepositCapSet(address indexed asset, uint256 oldCap, uint256 newCap);

    /// An unknown parameter code.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownParameter(uint8 param);
    /// A parameter is outside its hard bounds.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// Liquidity restoration is open only while utilisation is above `U_hard`.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidityNotStressed(uint256 utilisation, uint256 hard);
    /// The repayment exceeds the account's debt or what brings utilisation back to `U_hard`
    /// (`max`, quote token units).
    #[derive(Debug, PartialEq, Eq)]
    error RepayTooLarge(uint256 amount, uint256 max);
    /// No reserve account is set.
    #[derive(Debug, PartialEq, Eq)]
    error ReserveAccountUnset();
    /// A call to `callee` failed without revert data, or its answer did not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
}

/// Every error the policy returns.
#[derive(SolidityError, Debug)]
pub enum PolicyError {
    /// Caller lacks the role.
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// `renounceRole` confirmation mismatch.
    BadConfirmation(control::AccessControlBadConfirmation),
    /// See [`UnknownParameter`].
    UnknownParameter(UnknownParameter),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`LiquidityNotStressed`].
    LiquidityNotStressed(LiquidityNotStressed),
    /// See [`RepayTooLarge`].
    RepayTooLarge(RepayTooLarge),
    /// See [`ReserveAccountUnset`].
    ReserveAccountUnset(ReserveAccountUnset),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// See [`MathError`].
    MathError(MathError),
}

impl From<control::Error> for PolicyError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(x) => PolicyError::UnauthorizedAccount(x),
            control::Error::BadConfirmation(x) => PolicyError::BadConfirmation(x),
        }
    }
}

impl From<clearing_core::CoreError> for PolicyError {
    fn from(e: clearing_core::CoreError) -> Self {
        PolicyError::MathError(MathError { code: e as u8 })
    }
}
