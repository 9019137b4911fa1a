//! Events and custom errors of the perpetual markets registry.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// A market was listed with id `market`.
    #[derive(Debug, PartialEq, Eq)]
    event MarketListed(uint32 indexed market, address indexed underlying, uint256 minSize, uint256 tick, uint256 makerFee, uint256 takerFee, uint256 maxOpenInterest, uint256 fundingCap);
    /// A market parameter changed (`param` codes, the band and the premium's
    /// notional and time constant included), with its old and new value.
    #[derive(Debug, PartialEq, Eq)]
    event MarketParameterSet(uint32 indexed market, uint8 param, uint256 oldValue, uint256 newValue);
    /// The clearinghouse, the only caller of `onFill`, was wired (once).
    #[derive(Debug, PartialEq, Eq)]
    event ClearinghouseSet(address clearinghouse);
    /// The liquidator, the only caller of `socialize`, was wired (once).
    #[derive(Debug, PartialEq, Eq)]
    event LiquidatorSet(address liquidator);
    /// Bad debt of `amount` was socialised over the open interest of one
    /// side: its loss index rose by `perUnit` to `lossIndex` (WAD quote per
    /// base unit).
    #[derive(Debug, PartialEq, Eq)]
    event LossSocialised(uint32 indexed market, bool longsPay, uint256 amount, uint256 openInterest, uint256 perUnit, uint256 lossIndex);
    /// A fill at `price` against the index price `indexPrice`: the funding
    /// index accrued to `timestamp` at the old premium, then the premium
    /// folded in the fill; `openInterest` is the long (= short) open interest
    /// after the fill.
    #[derive(Debug, PartialEq, Eq)]
    event FillRecorded(uint32 indexed market, uint256 price, uint256 indexPrice, int256 premium, int256 cumulativeIndex, uint64 timestamp, uint256 openInterest);

    /// No market has this id.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownMarket(uint32 market);
    /// The caller is not the wired clearinghouse.
    #[derive(Debug, PartialEq, Eq)]
    error NotClearinghouse(address caller);
    /// The clearinghouse is wired already (or the zero address was given).
    #[derive(Debug, PartialEq, Eq)]
    error ClearinghouseAlreadySet(address clearinghouse);
    /// The caller is not the wired liquidator.
    #[derive(Debug, PartialEq, Eq)]
    error NotLiquidator(address caller);
    /// The liquidator is wired already (or the zero address was given).
    #[derive(Debug, PartialEq, Eq)]
    error LiquidatorAlreadySet(address liquidator);
    /// A parameter change moves it by more than its rule's maximum step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its rule's minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// A parameter is outside its hard bounds (`param` codes in the `param` module).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// The fill would take the market's open interest above its cap.
    #[derive(Debug, PartialEq, Eq)]
    error OpenInterestCapExceeded(uint32 market, uint256 openInterest, uint256 cap);
    /// A trade's price lies more than `maxDeviation` (WAD fraction) away from
    /// the index price.
    #[derive(Debug, PartialEq, Eq)]
    error FillOutsideBand(uint32 market, uint256 price, uint256 indexPrice, uint256 maxDeviation);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the registry's own checks. Risk-module reverts (an unknown
/// underlying, a stale price) are returned unchanged instead.
#[derive(SolidityError, Debug)]
pub enum MarketsError {
    /// See [`UnknownMarket`].
    UnknownMarket(UnknownMarket),
    /// See [`NotClearinghouse`].
    NotClearinghouse(NotClearinghouse),
    /// See [`ClearinghouseAlreadySet`].
    ClearinghouseAlreadySet(ClearinghouseAlreadySet),
    /// See [`NotLiquidator`].
    NotLiquidator(NotLiquidator),
    /// See [`LiquidatorAlreadySet`].
    LiquidatorAlreadySet(LiquidatorAlreadySet),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`OpenInterestCapExceeded`].
    OpenInterestCapExceeded(OpenInterestCapExceeded),
    /// See [`FillOutsideBand`].
    FillOutsideBand(FillOutsideBand),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for MarketsError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}

impl From<clearing_core::CoreError> for MarketsError {
    fn from(e: clearing_core::CoreError) -> Self {
        Self::MathError(MathError { code: e as u8 })
    }
}
