//! Pure financial core of the clearing system.
//!
//! Plain functions over plain values, shared by the contracts (compiled to WASM), keepers and the
//! simulator. No storage, no host calls, no floating point, no panics on bad input: every
//! fallible function returns `Result` with [`CoreError`] (or [`OracleError`] for oracle checks).
//!
//! # Units
//!
//! - **WAD**: 18-decimal fixed point, `x` stands for `x / 1e18`. Prices (quote per base unit),
//!   USD values, haircuts, shocks, correlations, fractions, EWMA weights and variances are WAD.
//!   Unsigned values are `U256`, signed values (sizes, PnL, equity, health) `I256`.
//! - **Token amounts** stay in the token's own decimals until valued; [`to_wad`] normalises them
//!   (decimals up to [`MAX_DECIMALS`]).
//! - **Sizes** (perp sizes, spot exposures in the margin function) are signed WAD base units.
//! - **Time** is in seconds (`u64`); volatility is a per-day variance, haircut speeds are per hour.
//!
//! # Rounding
//!
//! Rounding always favours the protocol: collateral values and payouts round down; requirements,
//! debts and fees round up. Each rounding site states which side of this rule it is on.
//!
//! # Domains
//!
//! [`math`] (fixed point, Black-76), [`risk`] (oracle checks, volatility, haircuts, collateral
//! value, margin), [`trading`] (sub-accounts, orders, positions, markets, funding, fees),
//! [`liquidation`] (sizing and penalties, the circuit breaker, the insurance drawdown),
//! [`governance`] (parameter changes, the timelock, defaults and bounds) and [`vault`] (the quote
//! money market); [`error`] is crate-wide. The most used items are re-exported at the crate root.

#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

pub mod error;
pub mod governance;
pub mod liquidation;
pub mod math;
pub mod risk;
pub mod trading;
pub mod vault;

pub use error::CoreError;
pub use governance::option_params::{OptionMarginParams, OptionParam, Tail, VOL_TERM_PIVOT};
pub use governance::rules;
pub use governance::{
    call_encoding_head, call_encoding_padding, check_change, delay_in_bounds, deposit_cap_rule,
    govern, grace_in_bounds, may_apply, next_change_at, ChangeError, Direction, ParamRule,
    Proposal, ProposalState, RaisesRisk, Refusal, TimelockError, DEFAULT_TIMELOCK_GRACE,
    MAX_DEPOSIT_CAP, MAX_TIMELOCK_GRACE, MIN_TIMELOCK_GRACE,
};
pub use liquidation::breaker::{
    deeply_unhealthy, drawdown_trips, observe_price, rate_cap, record_liquidation, window_total,
    BreakerParam, PriceCheck, RateBucket, RateLimited, RateRecord, Scope, Status, TripReason,
    RATE_SLOTS, UNTIL_RESET,
};
pub use liquidation::insurance::{
    drawdown, drawdown_at, observe as observe_drawdown, on_withdrawal, DrawdownState,
    MAX_DRAWDOWN_WINDOW, MIN_DRAWDOWN_WINDOW,
};
pub use liquidation::{
    collateral_sale, collateral_to_cover, health_after_close, liquidatable, liquidation_price,
    penalty_amount, penalty_rate, size_to_restore, split_penalty, CollateralSale, PenaltySplit,
};
pub use math::black76::{
    exp_wad, ln_wad, mark_long, mark_short, norm_cdf, norm_pdf, pow_ratio, Black76, OptionKind,
    MAX_SECONDS, MAX_VOL, SECONDS_PER_YEAR,
};
pub use math::fixed::{
    add, add_signed, div_down, div_signed, div_up, ewma, from_wad_down, from_wad_up, mul_div,
    mul_div_signed, mul_down, mul_signed, mul_up, neg_signed, rescale, sqrt, sqrt_up, sub,
    sub_signed, to_signed, to_unsigned, to_wad, to_wad_up, u256, wad_sqrt, wad_sqrt_up, Rounding,
    MAX_DECIMALS, WAD, WAD_DECIMALS, WAD_SIGNED,
};
pub use risk::collateral::{asset_value, collateral_value, CollateralAsset, CollateralValue};
pub use risk::haircut::{
    horizon_factor, initial_haircut, ramp_haircut, target_haircut, HaircutParams,
};
pub use risk::margin::{
    health, requirements, signed_risk, Correlations, Exposure, MarginMode, Requirements, GRID,
    MAX_BUCKETS, MAX_UNDERLYINGS,
};
pub use risk::margin_input::{
    encode_into as encode_margin_input, input_len as margin_input_len, InputError, MarginInput,
};
pub use risk::oracle::{
    check_sequencer, validate_round, FeedConfig, OracleError, Round, SequencerStatus,
};
pub use risk::scenario::{
    check_mode_switch, delta_one_requirements, greeks, options_value,
    requirements as scenario_requirements, Book, Greeks, ModeSwitchError, OptionPosition,
    MAX_OPTION_SERIES,
};
pub use risk::volatility::{
    daily_squared_return, daily_vol, ewma_variance, observe, VolState, SECONDS_PER_DAY,
};
pub use trading::account::{decode as decode_account, encode as encode_account};
pub use trading::fees::{fee, split_fee, split_fee_narrow, FeeSplit};
pub use trading::funding::{
    accrue, exp_neg_up, funding_payment, funding_rate, premium_sample, sample_weight,
    settle_funding, time_weight, update_premium, within_band, FUNDING_PERIOD,
};
pub use trading::market::{
    book_fill, check_market, equity, funding_at_fill, funding_now, index_for, long_delta,
    position_cost, premium_notional_rule, side_indices, socialised_charge, BookedFill, EquityRow,
    FundingState, MarketConfig, MarketField, PremiumParams, DEFAULT_MAX_FILL_DEVIATION,
    DEFAULT_PREMIUM_NOTIONAL, DEFAULT_PREMIUM_TAU, MAX_FEE_RATE, MAX_FILL_DEVIATION_RULE,
    MAX_FUNDING_CAP, PREMIUM_TAU_RULE,
};
pub use trading::options::{is_option_market, OPTION_ID_BASE};
pub use trading::order::{
    check_fill, domain_separator, order_digest, struct_hash, typed_data_digest, FillError,
    FillPlan, MarketRules, Order, OrderState, DOMAIN_TYPEHASH, ORDER_TYPEHASH,
};
pub use trading::position::{apply_fill, is_reducing, unrealized_pnl, Position};
