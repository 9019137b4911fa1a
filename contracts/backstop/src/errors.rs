//! Events and custom errors of the backstop.
use alloy_sol_types::sol;
use stylus_sdk::prelude::*;

sol! {
    /// `amount` of `asset` (token units) passed from `account` to
    /// `liquidator` at the penalised price: the account was credited
    /// `accountCredit`, the liquidator paid `liquidatorPaid`, the fund got
    /// `insuranceShare` (WAD quote).
    #[derive(Debug, PartialEq, Eq)]
    event CollateralLiquidated(bytes32 indexed account, bytes32 indexed liquidator, address indexed asset, uint256 amount, uint256 price, uint256 accountCredit, uint256 liquidatorPaid, uint256 insuranceShare);
    /// The bad debt of an account with nothing left to liquidate was settled:
    /// the insurance fund covered `covered`, `socialised` was charged to the
    /// side of `market` that profited (`longsPay`).
    #[derive(Debug, PartialEq, Eq)]
    event BadDebtSettled(bytes32 indexed account, uint256 deficit, uint256 covered, uint256 socialised, uint32 market, bool longsPay);
    /// Liquidity restoration (DESIGN section 15): `provider` repaid `repaid` quote tokens of
    /// `account`'s debt from outside and received `amount` of `asset` (token units) at
    /// `price` less the repay discount.
    #[derive(Debug, PartialEq, Eq)]
    event LiquidityRestored(bytes32 indexed account, bytes32 indexed provider, address indexed asset, uint256 repaid, uint256 amount, uint256 price);

    /// The account's maintenance health is not negative.
    #[derive(Debug, PartialEq, Eq)]
    error AccountHealthy(bytes32 account, int256 equity, uint256 maintenance);
    /// The liquidator and the liquidated account have the same owner.
    #[derive(Debug, PartialEq, Eq)]
    error SelfLiquidation(bytes32 account);
    /// A zero amount or size.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroAmount();
    /// The liquidator's own sub-account would end below initial margin.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidatorBelowInitialMargin(bytes32 liquidator, int256 equity, uint256 initial);
    /// The liquidation would not improve the account's maintenance health (for a liquidity
    /// restoration: would lower it).
    #[derive(Debug, PartialEq, Eq)]
    error HealthNotImproved(bytes32 account, int256 before, int256 afterwards);
    /// The account has no quote debt to cover with its collateral.
    #[derive(Debug, PartialEq, Eq)]
    error NoQuoteDebt(bytes32 account);
    /// The asset cannot be liquidated as collateral (the quote asset, or none held).
    #[derive(Debug, PartialEq, Eq)]
    error NoCollateral(bytes32 account, address asset);
    /// The account still has positions or collateral to liquidate.
    #[derive(Debug, PartialEq, Eq)]
    error StillLiquidatable(bytes32 account);
    /// The account's equity is not negative.
    #[derive(Debug, PartialEq, Eq)]
    error NoBadDebt(bytes32 account, int256 equity);
    /// Part of the deficit must be socialised but the account was never
    /// liquidated in a market (nothing tells which side profited).
    #[derive(Debug, PartialEq, Eq)]
    error NoMarketToSocialise(bytes32 account, uint256 amount);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
}

/// Errors of the backstop's own checks. Callee reverts (the circuit
/// breaker's, the risk module's, the fund's, PerpMarkets') are returned
/// unchanged.
#[derive(SolidityError, Debug)]
pub enum BackstopError {
    /// See [`AccountHealthy`].
    AccountHealthy(AccountHealthy),
    /// See [`SelfLiquidation`].
    SelfLiquidation(SelfLiquidation),
    /// See [`ZeroAmount`].
    ZeroAmount(ZeroAmount),
    /// See [`LiquidatorBelowInitialMargin`].
    LiquidatorBelowInitialMargin(LiquidatorBelowInitialMargin),
    /// See [`HealthNotImproved`].
    HealthNotImproved(HealthNotImproved),
    /// See [`NoQuoteDebt`].
    NoQuoteDebt(NoQuoteDebt),
    /// See [`NoCollateral`].
    NoCollateral(NoCollateral),
    /// See [`StillLiquidatable`].
    StillLiquidatable(StillLiquidatable),
    /// See [`NoBadDebt`].
    NoBadDebt(NoBadDebt),
    /// See [`NoMarketToSocialise`].
    NoMarketToSocialise(NoMarketToSocialise),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
}

impl From<clearing_core::CoreError> for BackstopError {
    fn from(e: clearing_core::CoreError) -> Self {
        Self::MathError(MathError { code: e as u8 })
    }
}
