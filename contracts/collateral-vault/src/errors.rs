//! Events and custom errors of the collateral vault.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// Tokens were deposited: `received` is what actually arrived (fee-on-transfer aware).
    #[derive(Debug, PartialEq, Eq)]
    event Deposited(bytes32 indexed account, address indexed asset, address from, uint256 amount, uint256 received);
    /// Tokens left custody to `recipient` on the clearinghouse's order.
    #[derive(Debug, PartialEq, Eq)]
    event Released(bytes32 indexed account, address indexed asset, address recipient, uint256 amount);
    /// A token balance moved between sub-accounts on the clearinghouse's order.
    #[derive(Debug, PartialEq, Eq)]
    event BalanceTransferred(bytes32 indexed from, bytes32 indexed to, address indexed asset, uint256 amount);
    /// A sub-account's signed quote balance changed by `delta` to `balance` (WAD).
    #[derive(Debug, PartialEq, Eq)]
    event QuoteBalanceChanged(bytes32 indexed account, int256 delta, int256 balance);
    /// An asset was listed (`listed` true) or reconfigured.
    #[derive(Debug, PartialEq, Eq)]
    event AssetConfigured(address indexed asset, bool listed, uint8 decimals, uint256 depositCap, bool depositEnabled, bool collateralEnabled);

    /// The caller does not hold the clearing role.
    #[derive(Debug, PartialEq, Eq)]
    error NotClearinghouse(address caller);
    /// The asset is not listed.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownAsset(address asset);
    /// The asset is listed already.
    #[derive(Debug, PartialEq, Eq)]
    error AssetAlreadyListed(address asset);
    /// Deposits of the asset are disabled.
    #[derive(Debug, PartialEq, Eq)]
    error DepositsDisabled(address asset);
    /// The deposit would take the asset's total above its cap.
    #[derive(Debug, PartialEq, Eq)]
    error DepositCapExceeded(address asset, uint256 cap, uint256 wouldBe);
    /// A zero amount.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroAmount();
    /// The token transfer failed (reverted or returned false).
    #[derive(Debug, PartialEq, Eq)]
    error TransferFailed(address asset);
    /// The sub-account's priced set (collateral assets, position underlyings and the quote
    /// asset, which always counts) would exceed the margin function's 8 entries.
    #[derive(Debug, PartialEq, Eq)]
    error TooManyAssets(bytes32 account);
    /// The balance is smaller than the amount.
    #[derive(Debug, PartialEq, Eq)]
    error InsufficientBalance(bytes32 account, address asset, uint256 balance, uint256 amount);
    /// The token's `decimals()` differs from the configured decimals.
    #[derive(Debug, PartialEq, Eq)]
    error DecimalsMismatch(address asset, uint8 configured, uint8 token);
    /// The vault holds less quote cash than the withdrawal asks: `available` is what it holds.
    #[derive(Debug, PartialEq, Eq)]
    error InsufficientLiquidity(address asset, uint256 available, uint256 amount);
    /// A parameter is outside its hard bounds (`param` codes in the `param` module).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
}

/// Every error the vault returns.
#[derive(SolidityError, Debug)]
pub enum VaultError {
    /// Caller lacks the role.
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// `renounceRole` confirmation mismatch.
    BadConfirmation(control::AccessControlBadConfirmation),
    /// See [`NotClearinghouse`].
    NotClearinghouse(NotClearinghouse),
    /// See [`UnknownAsset`].
    UnknownAsset(UnknownAsset),
    /// See [`AssetAlreadyListed`].
    AssetAlreadyListed(AssetAlreadyListed),
    /// See [`DepositsDisabled`].
    DepositsDisabled(DepositsDisabled),
    /// See [`DepositCapExceeded`].
    DepositCapExceeded(DepositCapExceeded),
    /// See [`ZeroAmount`].
    ZeroAmount(ZeroAmount),
    /// See [`TransferFailed`].
    TransferFailed(TransferFailed),
    /// See [`TooManyAssets`].
    TooManyAssets(TooManyAssets),
    /// See [`InsufficientBalance`].
    InsufficientBalance(InsufficientBalance),
    /// See [`DecimalsMismatch`].
    DecimalsMismatch(DecimalsMismatch),
    /// See [`InsufficientLiquidity`].
    InsufficientLiquidity(InsufficientLiquidity),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`MathError`].
    MathError(MathError),
}

impl From<control::Error> for VaultError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(x) => VaultError::UnauthorizedAccount(x),
            control::Error::BadConfirmation(x) => VaultError::BadConfirmation(x),
        }
    }
}

impl From<clearing_core::CoreError> for VaultError {
    fn from(e: clearing_core::CoreError) -> Self {
        VaultError::MathError(MathError { code: e as u8 })
    }
}
