//! The contracts' ABI as the simulation calls it (the functions it uses, in
//! the names and types of the checked-in `abi/*.sol`).
#![allow(missing_docs)]

use alloy_sol_types::sol;

sol! {
    /// A signed order (the Exchange's EIP-712 `Order` type).
    #[derive(Debug, PartialEq, Eq)]
    struct Order {
        bytes32 account;
        uint32 market;
        int256 size;
        uint256 limitPrice;
        uint64 expiry;
        uint64 nonce;
        bool reduceOnly;
    }

    /// The access-control functions every governed contract has.
    #[derive(Debug, PartialEq, Eq)]
    contract Roles {
        function hasRole(bytes32 role, address account) external view returns (bool);
        function grantRole(bytes32 role, address account) external;
        function revokeRole(bytes32 role, address account) external;
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Token {
        constructor(string name, string symbol, uint8 decimals, uint16 transferFeeBps);
        function mint(address to, uint256 amount) external;
        function approve(address spender, uint256 value) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Feed {
        constructor(uint8 decimals, string description);
        function setAnswer(int256 answer, uint256 updatedAt) external;
        function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
        function getRoundData(uint80 roundId) external view returns (uint80 round, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Risk {
        constructor(address admin);
        function listAsset(address asset, address feed, uint64 heartbeat, uint256 minPrice, uint256 maxPrice, uint8 bucket, uint256 depth, uint256 initialVolatility) external;
        function price(address asset) external view returns (uint256);
        function poke(address asset) external returns (bool);
        error PriceStale(address asset, uint256 updatedAt);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Vault {
        constructor(address admin, address quoteAsset);
        function grantRole(bytes32 role, address account) external;
        function listAsset(address asset, uint8 decimals, uint256 depositCap, bool depositEnabled, bool collateralEnabled) external;
        function deposit(uint8 subaccount, address asset, uint256 amount) external returns (uint256);
        function balanceOf(bytes32 account, address asset) external view returns (uint256);
        function quoteBalance(bytes32 account) external view returns (int256);
        function holdings(bytes32 account) external view returns (address[], int256[], address, int256);
        function accountAssets(bytes32 account) external view returns (address[]);
        function assetConfig(address asset) external view returns (uint8, uint256, uint256, bool, bool);
        function marketState() external view returns (uint256, uint256, uint256, uint256, uint256);
        error InsufficientBalance(bytes32 account, address asset, uint256 balance, uint256 amount);
        error InsufficientLiquidity(address asset, uint256 available, uint256 amount);
        error TooManyAssets(bytes32 account);
        error TransferFailed(address asset);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Policy {
        constructor(address admin, address vault);
        function grantRole(bytes32 role, address account) external;
        function quoteMarket() external view returns (uint256, uint256, uint256, uint256, uint256, uint256, uint256, uint256, uint256);
        function rateParameter(uint8 code) external view returns (uint256);
        function setRateParameter(uint8 code, uint256 value) external;
        function setReserveAccount(bytes32 account) external;
        function reserveAccount() external view returns (bytes32);
        function collectReserve() external returns (uint256);
        function accrue() external returns (uint256, uint256);
        function configureAsset(address asset, uint256 depositCap, bool depositEnabled, bool collateralEnabled) external;
        function disableDeposits(address asset) external;
        error LiquidityNotStressed(uint256 utilisation, uint256 hard);
        error RepayTooLarge(uint256 amount, uint256 max);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Engine {
        constructor(address admin, address risk, address vault);
        function setHaircutConfig(address asset, uint256 floor, uint256 cap, uint256 multiplier) external;
        function haircut(address asset) external view returns (uint256, uint256);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Markets {
        constructor(address admin, address riskModule);
        function setClearinghouse(address clearinghouse) external;
        function setLiquidator(address liquidator) external;
        function socialisedLosses(uint32 market) external view returns (uint256, uint256);
        function listMarket(address underlying, uint256 minSize, uint256 tick, uint256 makerFee, uint256 takerFee, uint256 maxOpenInterest, uint256 fundingCap) external returns (uint32);
        function market(uint32 market) external view returns (address, uint256, uint256, uint256, uint256, uint256, uint256, uint256);
        function configureMarket(uint32 market, uint8 code, uint256 value) external;
        function grantRole(bytes32 role, address account) external;
        function revokeRole(bytes32 role, address account) external;
        error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
        error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
        function fundingState(uint32 market) external view returns (int256, int256, uint64);
        function cumulativeIndex(uint32 market) external view returns (address, int256, int256);
        event LossSocialised(uint32 indexed market, bool longsPay, uint256 amount, uint256 openInterest, uint256 perUnit, uint256 lossIndex);
        error OpenInterestCapExceeded(uint32 market, uint256 openInterest, uint256 cap);
        error UnknownMarket(uint32 market);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Ledger {
        constructor(address admin, address vault, address markets);
        function setExchange(address exchange) external;
        function setLiquidator(address liquidator) external;
        function setFeeConfig(bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 insuranceShare) external;
        function position(bytes32 account, uint32 market) external view returns (int256, int256, int256, int256);
        function openMarkets(bytes32 account) external view returns (uint32[]);
        function book(bytes32 account) external view returns (uint32[], address[], int256[], int256[], int256[], int256[]);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Options {
        constructor(address admin, address riskModule);
        function grantRole(bytes32 role, address account) external;
        function setOptionParameter(uint8 code, uint256 value) external;
        function optionParameter(uint8 code) external view returns (uint256);
        function enableClass(address underlying, uint64 maxHorizon, uint256 strikeTick, uint256 minSize, uint256 maxOpenInterest, uint256 makerFee, uint256 takerFee, uint64 ivHeartbeat) external;
        function listSeries(address underlying, uint64 expiry, uint256 strike, bool isCall) external returns (uint32);
        function series(uint32 id) external view returns (address underlying, uint64 expiry, uint256 strike, bool isCall, uint256 settlementPrice, uint256 openInterest);
        function liveSeries(address underlying) external view returns (uint32[]);
        function postVolatility(address underlying, uint64 expiry, uint256 vol) external;
        function volatility(address underlying, uint64 expiry) external view returns (uint256 vol, bool fresh);
        function settleExpiry(address underlying, uint64 expiry, uint80 roundId) external returns (uint256);
        function settlementPrice(address underlying, uint64 expiry) external view returns (uint256);
        event OptionParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Book {
        constructor(address admin, address vault, address optionMarkets, address clearinghouse, address riskModule);
        function setExchange(address exchange) external;
        function setLiquidator(address liquidator) external;
        function wiring() external view returns (address vault, address optionMarkets, address clearinghouse, address riskModule, address exchange, address liquidator);
        function applyOptionFill(uint32 series, bytes32 maker, bytes32 taker, uint256 premium, int256 makerDelta) external;
        function settleAccount(bytes32 account) external returns (int256);
        function positions(bytes32 account) external view returns (uint32[] series, int256[] sizes);
        function position(bytes32 account, uint32 series) external view returns (int256);
        function openInterest(uint32 series) external view returns (uint256);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Math {
        function requirements(bytes input, bool portfolio) external view returns (uint256, uint256, uint256, int256);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Margin {
        constructor(address risk, address riskEngine, address clearinghouse, address optionMarkets, address optionBook, address marginMath);
        function optionMarkets() external view returns (address);
        function optionBook() external view returns (address);
        function marginMath() external view returns (address);
        function health(bytes32 account) external view returns (int256, uint256, uint256);
        error TooManyUnderlyings(uint256 count);
        function accountSummary(bytes32 account) external view returns (uint32[], int256[], int256[], int256[], address[], int256[], int256, uint256, uint256, bool);
        function healthWith(bytes32 account, address[] underlyings, int256[] sizes, int256[] costs, bool portfolio) external view returns (int256, uint256, uint256);
        function setMarginMode(uint8 subaccount, bool portfolio) external;
        function marginMode(bytes32 account) external view returns (bool);
        function greeks(bytes32 account) external view returns (address[], int256[], int256[], int256[]);
        error PortfolioEquityTooLow(int256 equity, uint256 minimum);
        error ModeSwitchUnhealthy(int256 equity, uint256 initial);
        error RiskCallFailed(address risk);
        event MarginModeSet(bytes32 indexed account, bool portfolio);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Exchange {
        constructor(address admin, address clearinghouse, address markets, address marginEngine, address vault, address optionBook);
        function optionBook() external view returns (address);
        function grantRole(bytes32 role, address account) external;
        function setOperator(uint8 subaccount, address operator, bool approved) external;
        function settleFill(Order maker, bytes makerSig, Order taker, bytes takerSig, uint256 fillSize) external;
        function withdraw(uint8 subaccount, address asset, uint256 amount) external;
        function transferCollateral(uint8 from, uint8 to, address asset, uint256 amount) external;
        function orderDigest(Order order) external view returns (bytes32);
        function filled(bytes32 digest) external view returns (uint256);
        function cancelOrder(bytes32 digest) external;
        error UnauthorizedSigner(bytes32 account, address signer);
        error InsufficientMargin(bytes32 account, int256 equity, uint256 requirement);
        error OverFill();
        error OrderExpired();
        error OrderCancelled(bytes32 digest);
        error ECDSAInvalidSignature();
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Fund {
        constructor(address admin, address vault, address quoteAsset, uint8 quoteDecimals);
        function grantRole(bytes32 role, address account) external;
        function account() external view returns (bytes32);
        function balance() external view returns (int256);
        function drawdown() external view returns (uint256, int256, uint256);
        function topUp(uint256 amount) external returns (uint256);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Breaker {
        constructor(address admin, address riskModule, address insuranceFund, uint256 rateLimit);
        function grantRole(bytes32 role, address account) external;
        function setParameter(uint8 code, uint256 value) external;
        function poke(address asset) external returns (bool);
        function pokeGlobal() external returns (bool);
        function resetGlobal() external;
        function trip(address scope) external;
        function reset(address scope) external;
        function liquidationAllowed(address asset) external view returns (bool);
        function scopeState(address scope) external view returns (uint8, uint64, uint64);
        function parameters() external view returns (uint256, uint64, uint64, uint256, uint64, uint256, uint64);
        error LiquidationsHalted(address scope, uint8 reason, uint64 until);
        error PriceMoveHalt(address asset, uint256 referencePrice, uint256 price);
        error OnlyDeeplyUnhealthy(address scope, uint64 until);
        error LiquidationRateLimited(uint256 windowTotal, uint256 cap);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Liquidator {
        constructor(address admin, address clearinghouse, address markets, address marginEngine, address riskEngine, address riskModule, address vault, address breaker, address insuranceFund, address optionBook);
        function optionBook() external view returns (address);
        function liquidate(bytes32 account, uint8 liquidatorSubaccount, uint32 market, uint256 maxSize) external returns (uint256);
        error AccountHealthy(bytes32 account, int256 equity, uint256 maintenance);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Backstop {
        constructor(address liquidator, address clearinghouse, address markets, address marginEngine, address riskEngine, address riskModule, address vault, address breaker, address insuranceFund, address vaultPolicy);
        function liquidateCollateral(bytes32 account, uint8 liquidatorSubaccount, address asset, uint256 maxAmount) external returns (uint256);
        function settleBadDebt(bytes32 account) external returns (uint256, uint256);
        function restoreLiquidity(bytes32 account, uint8 providerSubaccount, address asset, uint256 amount) external returns (uint256);
        error HealthNotImproved(bytes32 account, int256 before, int256 afterwards);
        error NoCollateral(bytes32 account, address asset);
        error ZeroAmount();
        error SelfLiquidation(bytes32 account);
        event LiquidityRestored(bytes32 indexed account, bytes32 indexed provider, address indexed asset, uint256 repaid, uint256 amount, uint256 price);
    }

    #[derive(Debug, PartialEq, Eq)]
    contract Timelock {
        constructor(address admin, address guardian, uint64 delay, uint64 grace);
        function queue(address target, bytes data, bytes32 salt) external returns (bytes32);
        function execute(address target, bytes data, bytes32 salt) external;
        function cancel(bytes32 id) external;
        function proposal(bytes32 id) external view returns (uint8, uint64, uint64);
        error TooEarly(bytes32 id, uint64 eta);
        error Expired(bytes32 id, uint64 expiresAt);
        error ProposalCancelled(bytes32 id);
        error AlreadyExecuted(bytes32 id);
    }
}
