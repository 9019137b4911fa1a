//! Events and custom errors of the risk module.
use alloc::vec::Vec;
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// An asset was listed with its feed and risk settings.
    #[derive(Debug, PartialEq, Eq)]
    event AssetListed(address indexed asset, address feed, uint64 heartbeat, uint256 minPrice, uint256 maxPrice, uint8 bucket, uint256 depth, uint256 initialVolatility);
    /// An asset's volatility feed changed (zero: EWMA).
    #[derive(Debug, PartialEq, Eq)]
    event VolatilityFeedSet(address indexed asset, address oldFeed, address feed);
    /// The sequencer-uptime feed changed (zero: none).
    #[derive(Debug, PartialEq, Eq)]
    event SequencerFeedSet(address oldFeed, address feed);
    /// A governed parameter changed (codes in `param`; correlations too).
    #[derive(Debug, PartialEq, Eq)]
    event ParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
    /// A new oracle round was folded into an asset's EWMA variance.
    #[derive(Debug, PartialEq, Eq)]
    event VolatilityUpdated(address indexed asset, uint80 roundId, uint256 price, uint256 variance);

    /// The asset is not listed.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownAsset(address asset);
    /// The asset is listed already.
    #[derive(Debug, PartialEq, Eq)]
    error AssetAlreadyListed(address asset);
    /// A parameter value is outside its hard bounds (codes in `param`).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// A feed did not answer (no code, reverted, or undecodable).
    #[derive(Debug, PartialEq, Eq)]
    error FeedCallFailed(address feed);
    /// The feed's answer is zero or negative.
    #[derive(Debug, PartialEq, Eq)]
    error PriceNonPositive(address asset, int256 answer);
    /// The price is outside the asset's sanity band (a clamped feed).
    #[derive(Debug, PartialEq, Eq)]
    error PriceOutOfBand(address asset, int256 answer);
    /// The round is older than the heartbeat plus tolerance.
    #[derive(Debug, PartialEq, Eq)]
    error PriceStale(address asset, uint256 updatedAt);
    /// The round is incomplete (`answeredInRound < roundId` or `updatedAt == 0`).
    #[derive(Debug, PartialEq, Eq)]
    error RoundIncomplete(address asset, uint80 roundId);
    /// The round's `updatedAt` is in the future.
    #[derive(Debug, PartialEq, Eq)]
    error PriceFromFuture(address asset, uint256 updatedAt);
    /// The L2 sequencer is down.
    #[derive(Debug, PartialEq, Eq)]
    error SequencerDown();
    /// The L2 sequencer came back up less than the grace period ago.
    #[derive(Debug, PartialEq, Eq)]
    error SequencerGracePeriod(uint256 upSince);
    /// More underlyings than the margin function accepts (8).
    #[derive(Debug, PartialEq, Eq)]
    error TooManyUnderlyings(uint256 count);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
}

/// Every error the risk module returns.
#[derive(SolidityError, Debug)]
pub enum RiskError {
    /// Caller lacks the role.
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// `renounceRole` confirmation mismatch.
    BadConfirmation(control::AccessControlBadConfirmation),
    /// See [`UnknownAsset`].
    UnknownAsset(UnknownAsset),
    /// See [`AssetAlreadyListed`].
    AssetAlreadyListed(AssetAlreadyListed),
    /// See [`ParameterOutOfBounds`].
    ParameterOutOfBounds(ParameterOutOfBounds),
    /// See [`ParameterStepTooLarge`].
    ParameterStepTooLarge(ParameterStepTooLarge),
    /// See [`ParameterChangedTooSoon`].
    ParameterChangedTooSoon(ParameterChangedTooSoon),
    /// See [`FeedCallFailed`].
    FeedCallFailed(FeedCallFailed),
    /// See [`PriceNonPositive`].
    PriceNonPositive(PriceNonPositive),
    /// See [`PriceOutOfBand`].
    PriceOutOfBand(PriceOutOfBand),
    /// See [`PriceStale`].
    PriceStale(PriceStale),
    /// See [`RoundIncomplete`].
    RoundIncomplete(RoundIncomplete),
    /// See [`PriceFromFuture`].
    PriceFromFuture(PriceFromFuture),
    /// See [`SequencerDown`].
    SequencerDown(SequencerDown),
    /// See [`SequencerGracePeriod`].
    SequencerGracePeriod(SequencerGracePeriod),
    /// See [`TooManyUnderlyings`].
    TooManyUnderlyings(TooManyUnderlyings),
    /// See [`MathError`].
    MathError(MathError),
}

impl From<control::Error> for RiskError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(x) => RiskError::UnauthorizedAccount(x),
            control::Error::BadConfirmation(x) => RiskError::BadConfirmation(x),
        }
    }
}

/// Keeps `Vec` in scope for the `sol!` array event on every target.
#[allow(dead_code)]
type _Uses = Vec<u8>;
