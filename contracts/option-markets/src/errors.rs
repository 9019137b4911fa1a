//! Events and custom errors of the option markets. The contract encodes them by hand (their
//! fields are all static words: `revert` and `emit` in the crate root), which is smaller than
//! the generated encoders; these declarations give the selectors and topics, name the fields in
//! the ABI and decode them in tests. RiskModule reverts (an unknown underlying, a stale price)
//! pass through unchanged instead; access control raises `AccessControlUnauthorizedAccount`.
use alloy_sol_types::sol;

sol! {
    /// A governed option parameter changed (codes of `clearing_core::OptionParam`).
    #[derive(Debug, PartialEq, Eq)]
    event OptionParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
    /// An option class was enabled on `underlying` with its configuration.
    #[derive(Debug, PartialEq, Eq)]
    event ClassEnabled(address indexed underlying, uint64 maxHorizon, uint256 strikeTick, uint256 minSize, uint256 maxOpenInterest, uint256 makerFee, uint256 takerFee, uint64 ivHeartbeat);
    /// The option class of `underlying` was disabled: no new series (listed ones carry on).
    #[derive(Debug, PartialEq, Eq)]
    event ClassDisabled(address indexed underlying);
    /// A series was listed with market id `id`.
    #[derive(Debug, PartialEq, Eq)]
    event SeriesListed(uint32 indexed id, address indexed underlying, uint64 expiry, uint256 strike, bool isCall);
    /// An implied volatility (annual, WAD) was posted for an expiry; `realisedVol` is the
    /// annualised realised volatility its band was judged against.
    #[derive(Debug, PartialEq, Eq)]
    event VolatilityPosted(address indexed underlying, uint64 indexed expiry, uint256 vol, uint256 realisedVol);
    /// An expiry's settlement price (WAD) was recorded from the feed's round `roundId`.
    #[derive(Debug, PartialEq, Eq)]
    event ExpirySettled(address indexed underlying, uint64 indexed expiry, uint80 roundId, uint256 price);

    /// A parameter value is outside its hard bounds, or unknown (codes of
    /// `clearing_core::OptionParam`), or inconsistent with the others (a tail floor above the
    /// tail cap).
    #[derive(Debug, PartialEq, Eq)]
    error ParameterOutOfBounds(uint8 param, uint256 value);
    /// A change moves a parameter by more than its largest step.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
    /// The parameter changed less than its minimum interval ago.
    #[derive(Debug, PartialEq, Eq)]
    error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
    /// A class setting is outside its hard bounds (`field` codes of
    /// `clearing_core::trading::options::ClassField`).
    #[derive(Debug, PartialEq, Eq)]
    error ClassParameterOutOfBounds(uint8 field, uint256 value);
    /// The underlying's option class is enabled already.
    #[derive(Debug, PartialEq, Eq)]
    error ClassAlreadyEnabled(address underlying);
    /// The underlying has no enabled option class.
    #[derive(Debug, PartialEq, Eq)]
    error ClassNotEnabled(address underlying);
    /// The expiry is not after the block time.
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryNotInFuture(uint64 expiry, uint64 now);
    /// The expiry is not 08:00 UTC.
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryNotAt0800(uint64 expiry);
    /// The expiry lies beyond the class's horizon (`latest` is the last second within it).
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryBeyondHorizon(uint64 expiry, uint64 latest);
    /// The strike is zero or not a multiple of the class's tick.
    #[derive(Debug, PartialEq, Eq)]
    error StrikeOffTick(uint256 strike, uint256 tick);
    /// The strike lies outside 0.5 .. 2 x the spot price.
    #[derive(Debug, PartialEq, Eq)]
    error StrikeOutOfBand(uint256 strike, uint256 spot);
    /// The same series (underlying, expiry, strike, kind) is listed already as `id`.
    #[derive(Debug, PartialEq, Eq)]
    error SeriesAlreadyListed(uint32 id);
    /// The underlying has `max` live series already.
    #[derive(Debug, PartialEq, Eq)]
    error TooManyLiveSeries(address underlying, uint256 max);
    /// No series has this id.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownSeries(uint32 id);
    /// No series of the underlying expires at this expiry.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownExpiry(address underlying, uint64 expiry);
    /// The expiry has passed.
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryPassed(address underlying, uint64 expiry);
    /// The expiry has not passed yet.
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryNotReached(address underlying, uint64 expiry);
    /// A posted volatility is zero.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroVolatility();
    /// A posted volatility lies outside `min .. max` (0.5 .. 5 x the annualised realised
    /// volatility, at most the pricing's largest).
    #[derive(Debug, PartialEq, Eq)]
    error VolatilityOutOfBand(uint256 vol, uint256 min, uint256 max);
    /// The expiry's settlement price is recorded already.
    #[derive(Debug, PartialEq, Eq)]
    error ExpiryAlreadySettled(address underlying, uint64 expiry, uint256 price);
    /// The named round was updated after the expiry: a later round than the one in force.
    #[derive(Debug, PartialEq, Eq)]
    error SettlementRoundTooLate(uint80 roundId, uint256 updatedAt, uint64 expiry);
    /// The round after the named one was updated at or before the expiry: an earlier round
    /// than the one in force.
    #[derive(Debug, PartialEq, Eq)]
    error SettlementRoundTooEarly(uint80 roundId, uint256 nextUpdatedAt, uint64 expiry);
    /// The feed has no round `roundId` (for the round after the named one: not yet).
    #[derive(Debug, PartialEq, Eq)]
    error RoundMissing(address asset, uint80 roundId);
    /// The round is incomplete (`answeredInRound < roundId` or `updatedAt == 0`).
    #[derive(Debug, PartialEq, Eq)]
    error RoundIncomplete(address asset, uint80 roundId);
    /// The round's answer is zero or negative.
    #[derive(Debug, PartialEq, Eq)]
    error PriceNonPositive(address asset, int256 answer);
    /// The round's price is outside the asset's sanity band (a clamped feed).
    #[derive(Debug, PartialEq, Eq)]
    error PriceOutOfBand(address asset, int256 answer);
    /// The L2 sequencer is down.
    #[derive(Debug, PartialEq, Eq)]
    error SequencerDown();
    /// The L2 sequencer came back up less than the grace period ago.
    #[derive(Debug, PartialEq, Eq)]
    error SequencerGracePeriod(uint256 upSince);
    /// A feed did not answer (no code, reverted, or undecodable).
    #[derive(Debug, PartialEq, Eq)]
    error FeedCallFailed(address feed);
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
