//! Events and custom errors of the clearinghouse.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// The exchange (the contract that verifies signed orders) was wired, once.
    #[derive(Debug, PartialEq, Eq)]
    event ExchangeSet(address exchange);
    /// The liquidator was wired (once).
    #[derive(Debug, PartialEq, Eq)]
    event LiquidatorSet(address liquidator);
    /// Fee recipients and the insurance share of fees were set.
    #[derive(Debug, PartialEq, Eq)]
    event FeeConfigSet(bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 oldInsuranceShare, uint256 insuranceShare);
    /// A position changed by `sizeDelta` at `price`: the new size, basis and
    /// funding index, the funding settled, the PnL realised and the fee paid
    /// (the quote balance moved by `funding + realizedPnl - fee`).
    #[derive(Debug, PartialEq, Eq)]
    event PositionUpdated(bytes32 indexed account, uint32 indexed market, int256 sizeDelta, uint256 price, int256 size, int256 openNotional, int256 fundingIndex, int256 funding, int256 realizedPnl, uint256 fee);
    /// A fill settled between `maker` and `taker` at `price`; the fees of
    /// both sides went to the insurance and treasury accounts.
    #[derive(Debug, PartialEq, Eq)]
    event FillSettled(uint32 indexed market, bytes32 indexed maker, bytes32 indexed taker, uint256 price, int256 makerDelta, uint256 insuranceFee, uint256 treasuryFee);

    /// The liquidator is wired already (or the zero address was given).
    #[derive(Debug, PartialEq, Eq)]
    error LiquidatorAlreadySet(address liquidator);
    /// The caller is not the wired liquidator.
    #[derive(Debug, PartialEq, Eq)]
    error NotLiquidator(address caller);
    /// The caller is not the wired exchange.
    #[derive(Debug, PartialEq, Eq)]
    error NotExchange(address caller);
    /// The exchange is wired already (or the zero address was given).
    #[derive(Debug, PartialEq, Eq)]
    error ExchangeAlreadySet(address exchange);
    /// A parameter is outside its hard bounds (`param` codes in the `param` module).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// The sub-account has positions in the maximum number of markets (8).
    #[derive(Debug, PartialEq, Eq)]
    error TooManyMarkets(bytes32 account);
    /// Fees are due but no fee recipients are configured.
    #[derive(Debug, PartialEq, Eq)]
    error FeeRecipientUnset();
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the clearinghouse's own checks. Callee reverts (the vault's,
/// the risk module's, the margin engine's) are returned unchanged instead.
#[derive(SolidityError, Debug)]
pub enum ClearinghouseError {
    /// See [`LiquidatorAlreadySet`].
    LiquidatorAlreadySet(LiquidatorAlreadySet),
    /// See [`NotLiquidator`].
    NotLiquidator(NotLiquidator),
    /// See [`NotExchange`].
    NotExchange(NotExchange),
    /// See [`ExchangeAlreadySet`].
    ExchangeAlreadySet(ExchangeAlreadySet),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`TooManyMarkets`].
    TooManyMarkets(TooManyMarkets),
    /// See [`FeeRecipientUnset`].
    FeeRecipientUnset(FeeRecipientUnset),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for ClearinghouseError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}

impl From<clearing_core::CoreError> for ClearinghouseError {
    fn from(e: clearing_core::CoreError) -> Self {
        Self::MathError(MathError { code: e as u8 })
    }
}
