//! Events and custom errors of the option book. The contract encodes them by hand (their fields
//! are all static words: `revert` and `emit` in the crate root), which is smaller than the
//! generated encoders; these declarations give the selectors and topics, name the fields in the
//! ABI and decode them in tests. Errors of the callees (OptionMarkets' `UnknownSeries`, the
//! RiskModule's price errors, the vault's `TooManyAssets`) pass through unchanged; access
//! control raises `AccessControlUnauthorizedAccount`.
use alloy_sol_types::sol;

sol! {
    /// The Exchange, the only caller of `applyOptionFill`, was wired.
    #[derive(Debug, PartialEq, Eq)]
    event ExchangeSet(address exchange);
    /// The Liquidator was wired (for the option liquidation to come).
    #[derive(Debug, PartialEq, Eq)]
    event LiquidatorSet(address liquidator);
    /// A fill was booked: the maker's position in `series` moved by `makerDelta` and the
    /// taker's by its negation at `premium` per contract (WAD quote); `premiumAmount` moved from
    /// the buyer to the seller; each side paid its fee, split into `insuranceFee` and
    /// `treasuryFee`; the new positions and the series' open interest (total long contracts).
    #[derive(Debug, PartialEq, Eq)]
    event OptionFill(uint32 indexed series, bytes32 indexed maker, bytes32 indexed taker, int256 makerDelta, uint256 premium, uint256 premiumAmount, uint256 makerFee, uint256 takerFee, uint256 insuranceFee, uint256 treasuryFee, int256 makerSize, int256 takerSize, uint256 openInterest);
    /// An expired series' position of `size` settled at `settlementPrice`: `payout` moved into
    /// the account's quote balance (negative: paid) and the position closed; the series' open
    /// interest after it.
    #[derive(Debug, PartialEq, Eq)]
    event OptionSettled(bytes32 indexed account, uint32 indexed series, int256 size, uint256 settlementPrice, int256 payout, uint256 openInterest);

    /// The caller is not the wired Exchange.
    #[derive(Debug, PartialEq, Eq)]
    error NotExchange(address caller);
    /// The Exchange is wired already, or the address is zero.
    #[derive(Debug, PartialEq, Eq)]
    error ExchangeAlreadySet(address exchange);
    /// The Liquidator is wired already, or the address is zero.
    #[derive(Debug, PartialEq, Eq)]
    error LiquidatorAlreadySet(address liquidator);
    /// Maker and taker are the same sub-account.
    #[derive(Debug, PartialEq, Eq)]
    error SameAccount(bytes32 account);
    /// The series has expired (`block.timestamp >= expiry`): it no longer trades.
    #[derive(Debug, PartialEq, Eq)]
    error SeriesExpired(uint32 series, uint64 expiry);
    /// The fill's size is zero.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroSize();
    /// The fill's size is not a multiple of the class's min size.
    #[derive(Debug, PartialEq, Eq)]
    error SizeNotMultiple(uint256 size, uint256 minSize);
    /// The underlying's option class is disabled: only risk-reducing fills.
    #[derive(Debug, PartialEq, Eq)]
    error ClassNotEnabled(address underlying);
    /// The implied volatility of the series' expiry is not fresh: only risk-reducing fills.
    #[derive(Debug, PartialEq, Eq)]
    error VolatilityNotFresh(address underlying, uint64 expiry);
    /// The fill would raise the series' open interest to `openInterest`, above `cap`.
    #[derive(Debug, PartialEq, Eq)]
    error OpenInterestCapExceeded(uint32 series, uint256 openInterest, uint256 cap);
    /// The sub-account holds `max` series already.
    #[derive(Debug, PartialEq, Eq)]
    error TooManySeries(bytes32 account, uint256 max);
    /// A fee is due but the Clearinghouse's fee recipients are not set.
    #[derive(Debug, PartialEq, Eq)]
    error FeeRecipientUnset();
    /// A callee could not be called or answered with data that does not fit.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// The caller lacks `neededRole` (raised by openzeppelin-stylus's access control; declared
    /// here so that the ABI lists it).
    #[derive(Debug, PartialEq, Eq)]
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
}
