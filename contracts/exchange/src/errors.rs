//! Events and custom errors of the exchange.
use alloy_sol_types::sol;
use clearing_core::trading::order::FillError;
use openzeppelin_stylus::access::control;
use openzeppelin_stylus::utils::cryptography::ecdsa;
use stylus_sdk::prelude::*;

sol! {
    /// The owner of sub-account `account` approved (`approved` true) or
    /// revoked `operator`.
    #[derive(Debug, PartialEq, Eq)]
    event OperatorSet(bytes32 indexed account, address indexed operator, bool approved);
    /// `by` cancelled the order digest `digest`: orders with this digest
    /// signed by `by`, or by an operator of a sub-account `by` owns, no
    /// longer fill.
    #[derive(Debug, PartialEq, Eq)]
    event DigestCancelled(address indexed by, bytes32 indexed digest);
    /// Every order of `account` with a nonce below `nonceFloor` is cancelled.
    #[derive(Debug, PartialEq, Eq)]
    event NoncesCancelled(bytes32 indexed account, uint64 nonceFloor);
    /// A fill was settled: `maker` changed its position by `makerDelta`
    /// (the taker by its negation) at `price`; `makerFilled` and
    /// `takerFilled` are the orders' filled totals after the fill.
    #[derive(Debug, PartialEq, Eq)]
    event OrderFilled(
        bytes32 indexed makerDigest,
        bytes32 indexed takerDigest,
        uint32 indexed market,
        bytes32 maker,
        bytes32 taker,
        uint256 price,
        int256 makerDelta,
        uint256 makerFilled,
        uint256 takerFilled
    );

    /// A signature is not 65 bytes (`r || s || v`).
    #[derive(Debug, PartialEq, Eq)]
    error InvalidSignatureLength(uint256 length);
    /// The zero address cannot be an operator.
    #[derive(Debug, PartialEq, Eq)]
    error InvalidOperator(address operator);
    /// `signer` is neither the owner of `account` nor an approved operator of
    /// it (or `account` is not a well-formed sub-account id).
    #[derive(Debug, PartialEq, Eq)]
    error UnauthorizedSigner(bytes32 account, address signer);
    /// The order's nonce is below its sub-account's nonce floor.
    #[derive(Debug, PartialEq, Eq)]
    error NonceCancelled(bytes32 account, uint64 nonce);
    /// The order digest was cancelled by the sub-account's owner or by the
    /// order's signer; also a second cancel of the same digest.
    #[derive(Debug, PartialEq, Eq)]
    error OrderCancelled(bytes32 digest);
    /// `cancelNoncesBelow` must raise the nonce floor.
    #[derive(Debug, PartialEq, Eq)]
    error NonceFloorNotRaised(uint64 current, uint64 requested);
    /// `transferCollateral` between a sub-account and itself.
    #[derive(Debug, PartialEq, Eq)]
    error SameSubaccount(uint8 subaccount);
    /// After the action, `account`'s equity is below `requirement` (initial
    /// margin, or maintenance margin for a fill that reduces its position).
    #[derive(Debug, PartialEq, Eq)]
    error InsufficientMargin(bytes32 account, int256 equity, uint256 requirement);
    /// A call failed without revert data, or answered with data this
    /// contract cannot decode.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address callee);

    /// The fill size or an order's size is zero.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroFillSize();
    /// The orders are for different markets.
    #[derive(Debug, PartialEq, Eq)]
    error MarketMismatch();
    /// Both orders belong to the same sub-account.
    #[derive(Debug, PartialEq, Eq)]
    error SelfTrade();
    /// An order has expired (`block.timestamp >= expiry`).
    #[derive(Debug, PartialEq, Eq)]
    error OrderExpired();
    /// Both orders buy or both sell.
    #[derive(Debug, PartialEq, Eq)]
    error SameSide();
    /// The buyer's limit price is below the seller's.
    #[derive(Debug, PartialEq, Eq)]
    error PricesDoNotCross();
    /// The execution price (the maker's limit) is zero.
    #[derive(Debug, PartialEq, Eq)]
    error ZeroPrice();
    /// The execution price is not a multiple of the market's tick.
    #[derive(Debug, PartialEq, Eq)]
    error OffTick();
    /// The fill exceeds an order's unfilled size.
    #[derive(Debug, PartialEq, Eq)]
    error OverFill();
    /// The fill is below the market's minimum size and neither completes an
    /// order nor closes a position.
    #[derive(Debug, PartialEq, Eq)]
    error BelowMinSize();
    /// A reduce-only order's fill would not reduce its position, or would
    /// flip it.
    #[derive(Debug, PartialEq, Eq)]
    error ReduceOnlyViolated();
}

/// Every error the exchange returns itself (callee reverts are passed
/// through unchanged as raw revert data).
#[derive(SolidityError, Debug)]
pub enum ExchangeError {
    /// Caller lacks the role.
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// `renounceRole` confirmation mismatch.
    BadConfirmation(control::AccessControlBadConfirmation),
    /// The signature recovers to no address (also `v` other than 27 or 28).
    InvalidSignature(ecdsa::ECDSAInvalidSignature),
    /// The signature's `s` is in the upper half order (malleable).
    InvalidSignatureS(ecdsa::ECDSAInvalidSignatureS),
    /// See [`InvalidSignatureLength`].
    InvalidSignatureLength(InvalidSignatureLength),
    /// See [`InvalidOperator`].
    InvalidOperator(InvalidOperator),
    /// See [`UnauthorizedSigner`].
    UnauthorizedSigner(UnauthorizedSigner),
    /// See [`NonceCancelled`].
    NonceCancelled(NonceCancelled),
    /// See [`OrderCancelled`].
    OrderCancelled(OrderCancelled),
    /// See [`NonceFloorNotRaised`].
    NonceFloorNotRaised(NonceFloorNotRaised),
    /// See [`SameSubaccount`].
    SameSubaccount(SameSubaccount),
    /// See [`InsufficientMargin`].
    InsufficientMargin(InsufficientMargin),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// See [`ZeroFillSize`].
    ZeroFillSize(ZeroFillSize),
    /// See [`MarketMismatch`].
    MarketMismatch(MarketMismatch),
    /// See [`SelfTrade`].
    SelfTrade(SelfTrade),
    /// See [`OrderExpired`].
    OrderExpired(OrderExpired),
    /// See [`SameSide`].
    SameSide(SameSide),
    /// See [`PricesDoNotCross`].
    PricesDoNotCross(PricesDoNotCross),
    /// See [`ZeroPrice`].
    ZeroPrice(ZeroPrice),
    /// See [`OffTick`].
    OffTick(OffTick),
    /// See [`OverFill`].
    OverFill(OverFill),
    /// See [`BelowMinSize`].
    BelowMinSize(BelowMinSize),
    /// See [`ReduceOnlyViolated`].
    ReduceOnlyViolated(ReduceOnlyViolated),
}

impl From<control::Error> for ExchangeError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(x) => ExchangeError::UnauthorizedAccount(x),
            control::Error::BadConfirmation(x) => ExchangeError::BadConfirmation(x),
        }
    }
}

impl From<ecdsa::Error> for ExchangeError {
    fn from(e: ecdsa::Error) -> Self {
        match e {
            ecdsa::Error::InvalidSignature(x) => ExchangeError::InvalidSignature(x),
            ecdsa::Error::InvalidSignatureS(x) => ExchangeError::InvalidSignatureS(x),
        }
    }
}

impl From<FillError> for ExchangeError {
    fn from(e: FillError) -> Self {
        match e {
            FillError::ZeroSize => ExchangeError::ZeroFillSize(ZeroFillSize {}),
            FillError::MarketMismatch => ExchangeError::MarketMismatch(MarketMismatch {}),
            FillError::SelfTrade => ExchangeError::SelfTrade(SelfTrade {}),
            FillError::Expired => ExchangeError::OrderExpired(OrderExpired {}),
            FillError::SameSide => ExchangeError::SameSide(SameSide {}),
            FillError::PricesDoNotCross => ExchangeError::PricesDoNotCross(PricesDoNotCross {}),
            FillError::ZeroPrice => ExchangeError::ZeroPrice(ZeroPrice {}),
            FillError::OffTick => ExchangeError::OffTick(OffTick {}),
            FillError::OverFill => ExchangeError::OverFill(OverFill {}),
            FillError::BelowMinSize => ExchangeError::BelowMinSize(BelowMinSize {}),
            FillError::ReduceOnlyViolated => {
                ExchangeError::ReduceOnlyViolated(ReduceOnlyViolated {})
            }
        }
    }
}
