//! The contracts' functions, events and errors the tool uses, in the names and types of the
//! checked-in `abi/*.sol`.
#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    #[derive(Debug, PartialEq, Eq)]
    interface Roles {
        function hasRole(bytes32 role, address account) external view returns (bool granted);
        function grantRole(bytes32 role, address account) external;
        function revokeRole(bytes32 role, address account) external;
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Token {
        constructor(string name, string symbol, uint8 decimals, uint16 transferFeeBps);
        function decimals() external view returns (uint8 decimals);
        function symbol() external view returns (string symbol);
        function mint(address to, uint256 amount) external;
        function approve(address spender, uint256 value) external returns (bool ok);
        function balanceOf(address account) external view returns (uint256 balance);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Feed {
        constructor(uint8 decimals, string description);
        function setAnswer(int256 answer, uint256 updatedAt) external;
        function decimals() external view returns (uint8 decimals);
        function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
        function getRoundData(uint80 roundId) external view returns (uint80 round, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Risk {
        constructor(address admin);
        function listAsset(address asset, address feed, uint64 heartbeat, uint256 minPrice, uint256 maxPrice, uint8 bucket, uint256 depth, uint256 initialVolatility) external;
        function setVolatilityFeed(address asset, address feed) external;
        function setParameter(uint8 code, uint256 value) external;
        function parameter(uint8 code) external view returns (uint256 value);
        function price(address asset) external view returns (uint256 price);
        event ParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
        function poke(address asset) external returns (bool updated);
        function assetRisk(address asset) external view returns (address feed, uint64 heartbeat, uint256 minPrice, uint256 maxPrice, uint8 bucket, uint256 depth, address volatilityFeed, uint80 lastRound, uint256 lastPrice, uint64 lastUpdate, uint256 variance);
        event VolatilityUpdated(address indexed asset, uint80 roundId, uint256 price, uint256 variance);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Vault {
        constructor(address admin, address quoteAsset);
        function listAsset(address asset, uint8 decimals, uint256 depositCap, bool depositEnabled, bool collateralEnabled) external;
        function listedAssets() external view returns (address[] assets);
        function balanceOf(bytes32 account, address asset) external view returns (uint256 balance);
        function quoteBalance(bytes32 account) external view returns (int256 balance);
        function assetConfig(address asset) external view returns (uint8 decimals, uint256 depositCap, uint256 deposited, bool depositEnabled, bool collateralEnabled);
        function holdings(bytes32 account) external view returns (address[] assets, int256[] amounts, address quoteAsset, int256 quoteBalance);
        function quoteAsset() external view returns (address asset);
        event Deposited(bytes32 indexed account, address indexed asset, address from, uint256 amount, uint256 received);
        event BalanceTransferred(bytes32 indexed from, bytes32 indexed to, address indexed asset, uint256 amount);
        function deposit(uint8 subaccount, address asset, uint256 amount) external returns (uint256 received);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Policy {
        constructor(address admin, address vault);
        function rateParameter(uint8 code) external view returns (uint256 value);
        function setRateParameter(uint8 code, uint256 value) external;
        function configureAsset(address asset, uint256 depositCap, bool depositEnabled, bool collateralEnabled) external;
        function vault() external view returns (address vault);
        event DepositCapSet(address indexed asset, uint256 oldCap, uint256 newCap);
        function setReserveAccount(bytes32 account) external;
        function quoteMarket() external view returns (uint256 supply, uint256 borrow, uint256 utilisation, uint256 borrowRate, uint256 supplyRate, uint256 supplyIndex, uint256 borrowIndex, uint256 reserve, uint256 cash);
        event RateParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
        function accrue() external returns (uint256 supplyIndex, uint256 borrowIndex);
        event InterestAccrued(uint256 supplyIndex, uint256 borrowIndex, uint256 reserve);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Engine {
        constructor(address admin, address risk, address vault);
        function setHaircutConfig(address asset, uint256 floor, uint256 cap, uint256 multiplier) external;
        function setHaircutParameters(uint256 k, uint256 initRatio, uint64 horizon, uint256 maxSpeed) external;
        function haircutConfig(address asset) external view returns (uint256 floor, uint256 cap, uint256 multiplier, uint256 effective, uint64 updatedAt);
        function haircutParameters() external view returns (uint256 k, uint256 initRatio, uint64 horizon, uint256 maxSpeed);
        event ParameterSet(address indexed subject, uint8 indexed param, uint256 oldValue, uint256 newValue);
        function haircut(address asset) external view returns (uint256 maintenance, uint256 initial);
        function updateHaircut(address asset) external returns (uint256 effective);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Markets {
        constructor(address admin, address riskModule);
        function setClearinghouse(address clearinghouse) external;
        function setLiquidator(address liquidator) external;
        function listMarket(address underlying, uint256 minSize, uint256 tick, uint256 makerFee, uint256 takerFee, uint256 maxOpenInterest, uint256 fundingCap) external returns (uint32 market);
        function marketCount() external view returns (uint32 count);
        function market(uint32 market) external view returns (address underlying, uint256 minSize, uint256 tick, uint256 makerFee, uint256 takerFee, uint256 maxOpenInterest, uint256 fundingCap, uint256 openInterest);
        function fundingParameters(uint32 market) external view returns (uint256 maxFillDeviation, uint256 premiumNotional, uint64 premiumTau);
        function configureMarket(uint32 market, uint8 code, uint256 value) external;
        event MarketParameterSet(uint32 indexed market, uint8 param, uint256 oldValue, uint256 newValue);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Ledger {
        constructor(address admin, address vault, address markets);
        function setExchange(address exchange) external;
        function setLiquidator(address liquidator) external;
        function setFeeConfig(bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 insuranceShare) external;
        function feeConfig() external view returns (bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 insuranceShare);
        event FeeConfigSet(bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 oldInsuranceShare, uint256 insuranceShare);
        function wiring() external view returns (address vault, address markets, address exchange, address liquidator);
        function position(bytes32 account, uint32 market) external view returns (int256 size, int256 openNotional, int256 fundingIndex, int256 pendingFunding);
        event PositionUpdated(bytes32 indexed account, uint32 indexed market, int256 sizeDelta, uint256 price, int256 size, int256 openNotional, int256 fundingIndex, int256 funding, int256 realizedPnl, uint256 fee);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface OptionMarkets {
        constructor(address admin, address riskModule);
        function optionParameter(uint8 code) external view returns (uint256 value);
        function setOptionParameter(uint8 code, uint256 value) external;
        function enableClass(address underlying, uint64 maxHorizon, uint256 strikeTick, uint256 minSize, uint256 maxOpenInterest, uint256 makerFee, uint256 takerFee, uint64 ivHeartbeat) external;
        function listSeries(address underlying, uint64 expiry, uint256 strike, bool isCall) external returns (uint32 id);
        function postVolatility(address underlying, uint64 expiry, uint256 vol) external;
        function series(uint32 id) external view returns (address underlying, uint64 expiry, uint256 strike, bool isCall, uint256 settlementPrice, uint256 openInterest);
        function volatility(address underlying, uint64 expiry) external view returns (uint256 vol, bool fresh);
        event SeriesListed(uint32 indexed id, address indexed underlying, uint64 expiry, uint256 strike, bool isCall);
        function settleExpiry(address underlying, uint64 expiry, uint80 roundId) external returns (uint256 price);
        event OptionParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface OptionBook {
        constructor(address admin, address vault, address optionMarkets, address clearinghouse, address riskModule);
        function setExchange(address exchange) external;
        function setLiquidator(address liquidator) external;
        function wiring() external view returns (address vault, address optionMarkets, address clearinghouse, address riskModule, address exchange, address liquidator);
        function positions(bytes32 account) external view returns (uint32[] series, int256[] sizes);
        function openInterest(uint32 series) external view returns (uint256 openInterest);
        function settleAccount(bytes32 account) external returns (int256 paid);
        event OptionFill(uint32 indexed series, bytes32 indexed maker, bytes32 indexed taker, int256 makerDelta, uint256 premium, uint256 premiumAmount, uint256 makerFee, uint256 takerFee, uint256 insuranceFee, uint256 treasuryFee, int256 makerSize, int256 takerSize, uint256 openInterest);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Margin {
        constructor(address risk, address riskEngine, address clearinghouse, address optionMarkets, address optionBook, address marginMath);
        function optionMarkets() external view returns (address optionMarkets);
        function optionBook() external view returns (address optionBook);
        function marginMath() external view returns (address marginMath);
        function health(bytes32 account) external view returns (int256 equity, uint256 maintenance, uint256 initial);
        function accountSummary(bytes32 account) external view returns (uint32[] markets, int256[] sizes, int256[] openNotionals, int256[] pendingFunding, address[] assets, int256[] amounts, int256 equity, uint256 maintenance, uint256 initial, bool portfolio);
        function greeks(bytes32 account) external view returns (address[] underlyings, int256[] delta, int256[] gamma, int256[] vega);
    }

    /// `greeks`' return data as stylus-sdk 0.9 encodes it: one tuple (a leading offset word).
    #[derive(Debug, PartialEq, Eq)]
    struct Greeks {
        address[] underlyings;
        int256[] delta;
        int256[] gamma;
        int256[] vega;
    }

    /// `accountSummary`'s return data as stylus-sdk 0.9 encodes it: one tuple (a leading offset
    /// word), not a multi-value return.
    #[derive(Debug, PartialEq, Eq)]
    struct AccountSummary {
        uint32[] markets;
        int256[] sizes;
        int256[] openNotionals;
        int256[] pendingFunding;
        address[] assets;
        int256[] amounts;
        int256 equity;
        uint256 maintenance;
        uint256 initial;
        bool portfolio;
    }

    /// `OptionBook.positions`' return data as stylus-sdk 0.9 encodes it: one tuple (a leading
    /// offset word).
    #[derive(Debug, PartialEq, Eq)]
    struct OptionPositions {
        uint32[] series;
        int256[] sizes;
    }

    /// `holdings`' return data as stylus-sdk 0.9 encodes it: one tuple (a leading offset word).
    #[derive(Debug, PartialEq, Eq)]
    struct Holdings {
        address[] assets;
        int256[] amounts;
        address quoteAsset;
        int256 quoteBalance;
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Exchange {
        constructor(address admin, address clearinghouse, address markets, address marginEngine, address vault, address optionBook);
        struct Order { bytes32 account; uint32 market; int256 size; uint256 limitPrice; uint64 expiry; uint64 nonce; bool reduceOnly; }
        function settleFill(Order maker, bytes makerSig, Order taker, bytes takerSig, uint256 fillSize) external;
        function orderDigest(Order order) external view returns (bytes32 digest);
        function withdraw(uint8 subaccount, address asset, uint256 amount) external;
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Fund {
        constructor(address admin, address vault, address quoteAsset, uint8 quoteDecimals);
        function balance() external view returns (int256 balance);
        function target() external view returns (uint256 target);
        function window() external view returns (uint64 window);
        function setTarget(uint256 target) external;
        function topUp(uint256 amount) external returns (uint256 credited);
        function setWindow(uint64 window) external;
        event TargetSet(uint256 oldTarget, uint256 newTarget);
        event WindowSet(uint64 oldWindow, uint64 newWindow);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Breaker {
        constructor(address admin, address riskModule, address insuranceFund, uint256 rateLimit);
        function setParameter(uint8 code, uint256 value) external;
        function parameters() external view returns (uint256 maxMove, uint64 window, uint64 cooldown, uint256 rateLimit, uint64 rateWindow, uint256 drawdownTrip, uint64 postResetGrace);
        function scopeState(address scope) external view returns (uint8 reason, uint64 trippedUntil, uint64 graceUntil);
        function liquidationAllowed(address asset) external view returns (bool allowed);
        event ParameterSet(uint8 code, uint256 oldValue, uint256 newValue);
        function poke(address asset) external returns (bool tripped);
        function pokeGlobal() external returns (bool tripped);
        function trip(address scope) external;
        function reset(address scope) external;
        function priceReference(address asset) external view returns (uint256 price, uint64 time);
        event Tripped(address indexed scope, uint8 reason, uint64 until);
        event Reset(address indexed scope, uint64 graceUntil);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Liquidator {
        constructor(address admin, address clearinghouse, address markets, address marginEngine, address riskEngine, address riskModule, address vault, address breaker, address insuranceFund, address optionBook);
        function parameters() external view returns (uint64 divisor, uint256 minPenalty, uint256 keeperShare);
        function setParameter(uint8 code, uint256 value) external;
        event ParameterSet(uint8 param, uint256 oldValue, uint256 newValue);
        function liquidate(bytes32 account, uint8 liquidatorSubaccount, uint32 market, uint256 maxSize) external returns (uint256 closed);
        event Liquidated(bytes32 indexed account, bytes32 indexed liquidator, uint32 indexed market, int256 sizeDelta, uint256 price, uint256 penalty, uint256 keeperReward, uint256 insuranceShare);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Backstop {
        constructor(address liquidator, address clearinghouse, address markets, address marginEngine, address riskEngine, address riskModule, address vault, address breaker, address insuranceFund, address vaultPolicy);
        function liquidateCollateral(bytes32 account, uint8 liquidatorSubaccount, address asset, uint256 maxAmount) external returns (uint256 sold);
        function settleBadDebt(bytes32 account) external returns (uint256 covered, uint256 socialised);
        event CollateralLiquidated(bytes32 indexed account, bytes32 indexed liquidator, address indexed asset, uint256 amount, uint256 price, uint256 accountCredit, uint256 liquidatorPaid, uint256 insuranceShare);
        event BadDebtSettled(bytes32 indexed account, uint256 deficit, uint256 covered, uint256 socialised, uint32 market, bool longsPay);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface Timelock {
        constructor(address admin, address guardian, uint64 delay, uint64 grace);
        function admin() external view returns (address admin);
        function queue(address target, bytes data, bytes32 salt) external returns (bytes32 id);
        function execute(address target, bytes data, bytes32 salt) external;
        function cancel(bytes32 id) external;
        function setDelay(uint64 delay) external;
        function setGrace(uint64 grace) external;
        function proposal(bytes32 id) external view returns (uint8 state, uint64 eta, uint64 expiresAt);
        function delay() external view returns (uint64 delay);
        function grace() external view returns (uint64 grace);
        function hashCall(address target, bytes data, bytes32 salt) external view returns (bytes32 id);
        event Queued(bytes32 indexed id, address indexed target, bytes data, uint64 eta, uint64 expiresAt);
        event Executed(bytes32 indexed id);
        event Cancelled(bytes32 indexed id, address by);
        event DelaySet(uint64 old, uint64 newDelay);
        event GraceSet(uint64 old, uint64 newGrace);
    }

    /// Arbitrum's program cache precompile and its CacheManager (as cargo-stylus calls them).
    #[derive(Debug, PartialEq, Eq)]
    interface ArbWasmCache {
        function allCacheManagers() external view returns (address[] managers);
        function codehashIsCached(bytes32 codehash) external view returns (bool cached);
    }

    #[derive(Debug, PartialEq, Eq)]
    interface CacheManager {
        function placeBid(address program) external payable;
        function getMinBid(address program) external view returns (uint192 min);
    }

    /// The custom errors the tool names when a call reverts.
    #[derive(Debug, PartialEq, Eq)]
    interface Errors {
        error ParameterOutOfBounds(uint8 param, uint256 value);
        error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
        error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
        error UnknownParameter(uint8 code);
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
        error UseTwoStepHandover();
        error AlreadyQueued(bytes32 id);
        error NotQueued(bytes32 id);
        error TooEarly(bytes32 id, uint64 eta);
        error Expired(bytes32 id, uint64 expiresAt);
        error AlreadyExecuted(bytes32 id);
        error ProposalCancelled(bytes32 id);
        error CallFailed(address target);
        error ProgramNotActivated();
        error ProgramUpToDate();
        error ProgramNotWasm();
        error ProgramInsufficientValue(uint256 have, uint256 want);
        error UnknownMarket(uint32 market);
        error UnknownAsset(address asset);
        error AssetAlreadyListed(address asset);
        error PriceStale(address asset, uint256 updatedAt);
        error Error(string message);
        error AccountHealthy(bytes32 account, int256 equity, uint256 maintenance);
        error SelfLiquidation(bytes32 account);
        error NoPosition(bytes32 account, uint32 market);
        error ZeroAmount();
        error LiquidatorBelowInitialMargin(bytes32 liquidator, int256 equity, uint256 initial);
        error HealthNotImproved(bytes32 account, int256 before, int256 afterwards);
        error NoQuoteDebt(bytes32 account);
        error NoCollateral(bytes32 account, address asset);
        error StillLiquidatable(bytes32 account);
        error NoBadDebt(bytes32 account, int256 equity);
        error NoMarketToSocialise(bytes32 account, uint256 amount);
        error LiquidationsHalted(address scope, uint8 reason, uint64 until);
        error DrawdownHalt(uint256 drawdown, uint256 tripLevel);
        error PriceMoveHalt(address asset, uint256 referencePrice, uint256 price);
        error OnlyDeeplyUnhealthy(address scope, uint64 until);
        error LiquidationRateLimited(uint256 windowTotal, uint256 cap);
        error NotTripped(address scope);
        error SequencerDown();
        error SequencerGracePeriod(uint256 upSince);
        error PriceOutOfBand(address asset, int256 answer);
        error MathError(uint8 code);
        error ClassParameterOutOfBounds(uint8 field, uint256 value);
        error ClassAlreadyEnabled(address underlying);
        error ClassNotEnabled(address underlying);
        error ExpiryNotInFuture(uint64 expiry, uint64 now);
        error ExpiryNotAt0800(uint64 expiry);
        error ExpiryBeyondHorizon(uint64 expiry, uint64 latest);
        error StrikeOffTick(uint256 strike, uint256 tick);
        error StrikeOutOfBand(uint256 strike, uint256 spot);
        error SeriesAlreadyListed(uint32 id);
        error TooManyLiveSeries(address underlying, uint256 max);
        error UnknownSeries(uint32 id);
        error UnknownExpiry(address underlying, uint64 expiry);
        error ExpiryPassed(address underlying, uint64 expiry);
        error ExpiryNotReached(address underlying, uint64 expiry);
        error ZeroVolatility();
        error VolatilityOutOfBand(uint256 vol, uint256 min, uint256 max);
        error ExpiryAlreadySettled(address underlying, uint64 expiry, uint256 price);
        error SettlementRoundTooLate(uint80 roundId, uint256 updatedAt, uint64 expiry);
        error SettlementRoundTooEarly(uint80 roundId, uint256 nextUpdatedAt, uint64 expiry);
        error RoundMissing(address asset, uint80 roundId);
        error RoundIncomplete(address asset, uint80 roundId);
        error PriceNonPositive(address asset, int256 answer);
        error FeedCallFailed(address feed);
        error NotExchange(address caller);
        error SameAccount(bytes32 account);
        error SeriesExpired(uint32 series, uint64 expiry);
        error ZeroSize();
        error SizeNotMultiple(uint256 size, uint256 minSize);
        error VolatilityNotFresh(address underlying, uint64 expiry);
        error OpenInterestCapExceeded(uint32 series, uint256 openInterest, uint256 cap);
        error TooManySeries(bytes32 account, uint256 max);
    }
}
