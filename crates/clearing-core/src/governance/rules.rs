//! The governed parameters of the contracts that keep their own (codes and change rules, DESIGN
//! section 11), in one place so that the contracts and the off-chain tooling (the deployment and
//! governance CLI) apply the same rules. Each contract re-exports its module (`param`, `rule`).

use crate::governance::params::DAY;
use crate::{ParamRule, RaisesRisk};
use alloy_primitives::U256;

/// A rule with the common interval: one day between two changes of the parameter.
const fn daily(min: U256, max: U256, max_step: U256, raises_risk: RaisesRisk) -> ParamRule {
    ParamRule {
        min,
        max,
        max_step,
        min_interval: DAY,
        raises_risk,
    }
}

/// [`daily`] for a parameter whose increase (`true`) or decrease raises risk.
const fn daily_by(min: U256, max: U256, max_step: U256, increase_raises_risk: bool) -> ParamRule {
    daily(
        min,
        max,
        max_step,
        if increase_raises_risk {
            RaisesRisk::Increase
        } else {
            RaisesRisk::Decrease
        },
    )
}

/// The parameters of the risk-module contract.
pub mod risk_module {
    use crate::{governance::params as p, ParamRule, RaisesRisk, MAX_BUCKETS as BUCKETS, WAD};
    use alloy_primitives::U256;

    /// Parameter codes used by [`ParameterSet`] and [`ParameterOutOfBounds`].
    pub mod param {
        /// EWMA decay `lambda`, WAD.
        pub const LAMBDA: u8 = 1;
        /// Oracle heartbeat tolerance, WAD fraction of the heartbeat.
        pub const HEARTBEAT_TOLERANCE: u8 = 2;
        /// Minimum margin fraction of gross notional, WAD.
        pub const MIN_MARGIN_FRACTION: u8 = 3;
        /// Sequencer grace period, seconds.
        pub const SEQUENCER_GRACE: u8 = 4;
        /// Intra-bucket correlation of bucket `n` is `INTRA_CORRELATION + n`.
        pub const INTRA_CORRELATION: u8 = 10;
        /// Inter-bucket correlation.
        pub const INTER_CORRELATION: u8 = 20;
        /// An asset's heartbeat, seconds.
        pub const HEARTBEAT: u8 = 30;
        /// An asset's sanity band (min must be below max, max non-zero).
        pub const PRICE_BAND: u8 = 31;
        /// An asset's correlation bucket.
        pub const BUCKET: u8 = 32;
        /// An asset's feed decimals (at most 36).
        pub const FEED_DECIMALS: u8 = 33;
        /// An asset's initial daily volatility, WAD.
        pub const INITIAL_VOLATILITY: u8 = 34;
        /// An asset's liquidity depth (at most `2^128 - 1`, WAD).
        pub const DEPTH: u8 = 35;
    }

    /// The change rule of a governed parameter (DESIGN sections 11 and 12): hard bounds, the largest
    /// step of one change, one day between two changes of the same parameter, and which direction
    /// raises risk.
    ///
    /// | code | bounds | step | raises risk when |
    /// |---|---|---|---|
    /// | `LAMBDA` | 0.5 ..= 0.999 | 0.02 | it rises (slower to see new volatility) |
    /// | `HEARTBEAT_TOLERANCE` | 0 ..= 100 % | 10 pp | it rises (staler prices pass) |
    /// | `MIN_MARGIN_FRACTION` | 0.1 % ..= 10 % | 0.5 pp | it falls |
    /// | `SEQUENCER_GRACE` | 0 ..= 24 h | 1 h | it falls (prices trusted sooner after an outage) |
    /// | `INTRA_CORRELATION + b`, `INTER_CORRELATION` | 0 ..= 100 % | 10 pp | it changes at all |
    #[must_use]
    pub const fn rule(code: u8) -> Option<ParamRule> {
        const PP: u128 = 10_000_000_000_000_000;
        let tenth = crate::u256(10 * PP);
        match code {
            param::LAMBDA => Some(super::daily(
                p::MIN_LAMBDA,
                p::MAX_LAMBDA,
                crate::u256(2 * PP),
                RaisesRisk::Increase,
            )),
            param::HEARTBEAT_TOLERANCE => Some(super::daily(
                p::MIN_HEARTBEAT_TOLERANCE,
                p::MAX_HEARTBEAT_TOLERANCE,
                tenth,
                RaisesRisk::Increase,
            )),
            param::MIN_MARGIN_FRACTION => Some(super::daily(
                p::MIN_MIN_MARGIN_FRACTION,
                p::MAX_MIN_MARGIN_FRACTION,
                crate::u256(PP / 2),
                RaisesRisk::Decrease,
            )),
            param::SEQUENCER_GRACE => Some(super::daily(
                crate::u256(p::MIN_SEQUENCER_GRACE as u128),
                crate::u256(p::MAX_SEQUENCER_GRACE as u128),
                crate::u256(p::HOUR as u128),
                RaisesRisk::Decrease,
            )),
            c if (c >= param::INTRA_CORRELATION
                && c < param::INTRA_CORRELATION + BUCKETS as u8)
                || c == param::INTER_CORRELATION =>
            {
                Some(super::daily(U256::ZERO, WAD, tenth, RaisesRisk::Either))
            }
            _ => None,
        }
    }
}

/// The parameters of the risk-engine contract.
pub mod risk_engine {
    use crate::{governance::params as p, ParamRule, WAD};
    use alloy_primitives::U256;

    /// Lowest volatility multiplier: 0.1.
    pub const MIN_VOL_MULTIPLIER: U256 = crate::u256(100_000_000_000_000_000);

    /// Highest volatility multiplier: 10.
    pub const MAX_VOL_MULTIPLIER: U256 = crate::u256(10_000_000_000_000_000_000);

    /// Parameter codes used by [`ParameterOutOfBounds`].
    pub mod param {
        /// Haircut floor / cap (floor <= cap <= 1).
        pub const HAIRCUT_BOUNDS: u8 = 1;
        /// Volatility multiplier (0.1 ..= 10).
        pub const VOL_MULTIPLIER: u8 = 2;
        /// k, the volatility multiple (1 ..= 6).
        pub const K: u8 = 3;
        /// Initial / maintenance ratio (1.1 ..= 3).
        pub const INIT_RATIO: u8 = 4;
        /// Liquidation horizon (5 min ..= 7 days).
        pub const HORIZON: u8 = 5;
        /// Haircut speed per hour (0.1 ..= 20 percentage points).
        pub const SPEED: u8 = 6;
        /// Haircut floor of an asset (its step and interval).
        pub const FLOOR: u8 = 7;
        /// Haircut cap of an asset (its step and interval).
        pub const CAP: u8 = 8;
    }

    /// The change rule of a haircut parameter (DESIGN sections 11 and 12): hard
    /// bounds, the largest step of one change, one day between two changes of
    /// the same parameter, and which direction raises risk.
    ///
    /// | code | bounds | step | raises risk when |
    /// |---|---|---|---|
    /// | `FLOOR` | 0 ..= 100 % | 5 pp | it falls |
    /// | `CAP` | 0 ..= 100 % | 10 pp | it falls |
    /// | `VOL_MULTIPLIER` | 0.1 ..= 10 | 0.5 | it falls |
    /// | `K` | 1 ..= 6 | 0.5 | it falls |
    /// | `INIT_RATIO` | 1.1 ..= 3 | 0.25 | it falls |
    /// | `HORIZON` | 5 min ..= 7 days | 1 h | it falls |
    /// | `SPEED` | 0.1 ..= 20 pp per hour | 2 pp | it rises (faster swings) |
    #[must_use]
    pub const fn rule(code: u8) -> Option<ParamRule> {
        const PP: u128 = 10_000_000_000_000_000;
        match code {
            param::FLOOR => Some(super::daily_by(U256::ZERO, WAD, crate::u256(5 * PP), false)),
            param::CAP => Some(super::daily_by(
                U256::ZERO,
                WAD,
                crate::u256(10 * PP),
                false,
            )),
            param::VOL_MULTIPLIER => Some(super::daily_by(
                MIN_VOL_MULTIPLIER,
                MAX_VOL_MULTIPLIER,
                crate::u256(50 * PP),
                false,
            )),
            param::K => Some(super::daily_by(
                p::MIN_K,
                p::MAX_K,
                crate::u256(50 * PP),
                false,
            )),
            param::INIT_RATIO => Some(super::daily_by(
                p::MIN_INIT_RATIO,
                p::MAX_INIT_RATIO,
                crate::u256(25 * PP),
                false,
            )),
            param::HORIZON => Some(super::daily_by(
                crate::u256(p::MIN_LIQ_HORIZON as u128),
                crate::u256(p::MAX_LIQ_HORIZON as u128),
                crate::u256(p::HOUR as u128),
                false,
            )),
            param::SPEED => Some(super::daily_by(
                p::MIN_HAIRCUT_SPEED,
                p::MAX_HAIRCUT_SPEED,
                crate::u256(2 * PP),
                true,
            )),
            _ => None,
        }
    }
}

/// The parameters of the perp-markets contract.
pub mod perp_markets {
    use crate::ParamRule;
    use alloy_primitives::{I256, U256};

    /// Parameter codes used by [`ParameterOutOfBounds`] (`crate::MarketField as u8`).
    pub mod param {
        /// Minimum fill size (positive).
        pub const MIN_SIZE: u8 = 1;
        /// Price tick (positive).
        pub const TICK: u8 = 2;
        /// Maker fee rate (at most 1 %).
        pub const MAKER_FEE: u8 = 3;
        /// Taker fee rate (at most 1 %).
        pub const TAKER_FEE: u8 = 4;
        /// Open-interest cap (positive).
        pub const MAX_OPEN_INTEREST: u8 = 5;
        /// Funding cap per 8 hours (0 < cap <= 5 %).
        pub const FUNDING_CAP: u8 = 6;
        /// Band of a traded fill's price around the index (0.5 % ..= 20 %, default 5 %).
        pub const MAX_FILL_DEVIATION: u8 = 7;
        /// Notional at which a premium sample carries its full time weight (1,000 ..= 10^12
        /// quote, default 100,000).
        pub const PREMIUM_NOTIONAL: u8 = 8;
        /// Time constant of the premium average, seconds (5 min ..= 24 h, default 1 h).
        pub const PREMIUM_TAU: u8 = 9;
    }

    /// The change rule of a market parameter (DESIGN section 11): its hard
    /// bounds, the largest step of one change, one day between two changes of the
    /// same parameter of a market, and which direction raises risk.
    ///
    /// | code | bounds | step | raises risk when |
    /// |---|---|---|---|
    /// | `MIN_SIZE` | > 0 | any | it falls (dust) |
    /// | `TICK` | > 0 | any | it falls |
    /// | `MAKER_FEE`, `TAKER_FEE` | 0 ..= 1 % | 0.05 pp | it falls (less insurance income) |
    /// | `MAX_OPEN_INTEREST` | > 0 | any | it rises |
    /// | `FUNDING_CAP` | 0 < cap <= 5 % | 0.25 pp | it falls (a weaker anchor to the index) |
    /// | `MAX_FILL_DEVIATION` | 0.5 % ..= 20 % | 1 pp | it rises (cheaper steering) |
    /// | `PREMIUM_NOTIONAL` | 1,000 ..= 10^12 quote | `max(old, 1,000)` (see `crate::premium_notional_rule`) | it falls (a smaller fill weighs fully) |
    /// | `PREMIUM_TAU` | 5 min ..= 24 h | 1 h | it falls (a sample weighs more sooner) |
    ///
    /// Sizes and the open-interest cap have no fixed scale across markets, so
    /// their step is unbounded; raising the open-interest cap raises risk and
    /// therefore always waits for the timelock.
    #[must_use]
    pub const fn rule(code: u8) -> Option<ParamRule> {
        const MAX: U256 = I256::MAX.into_raw();
        const ONE: U256 = crate::u256(1);
        const BP: u128 = 100_000_000_000_000;
        match code {
            param::MIN_SIZE | param::TICK => Some(super::daily_by(ONE, MAX, MAX, false)),
            param::MAKER_FEE | param::TAKER_FEE => Some(super::daily_by(
                U256::ZERO,
                crate::MAX_FEE_RATE,
                crate::u256(5 * BP),
                false,
            )),
            param::MAX_OPEN_INTEREST => Some(super::daily_by(ONE, MAX, MAX, true)),
            param::FUNDING_CAP => Some(super::daily_by(
                ONE,
                crate::MAX_FUNDING_CAP,
                crate::u256(25 * BP),
                false,
            )),
            param::MAX_FILL_DEVIATION => Some(crate::MAX_FILL_DEVIATION_RULE),
            // The step scales with the value: `configure_market` uses
            // `premium_notional_rule(old)`; this is its rule at the default.
            param::PREMIUM_NOTIONAL => Some(ParamRule {
                max_step: crate::DEFAULT_PREMIUM_NOTIONAL,
                ..PREMIUM_NOTIONAL_BOUNDS
            }),
            param::PREMIUM_TAU => Some(crate::PREMIUM_TAU_RULE),
            _ => None,
        }
    }

    /// Bounds, interval and direction of the premium notional's rule.
    const PREMIUM_NOTIONAL_BOUNDS: ParamRule = ParamRule {
        min: crate::trading::market::MIN_PREMIUM_NOTIONAL,
        max: crate::trading::market::MAX_PREMIUM_NOTIONAL,
        max_step: U256::ZERO,
        min_interval: crate::governance::params::DAY,
        raises_risk: crate::RaisesRisk::Decrease,
    };
}

/// The parameters of the liquidator contract.
pub mod liquidator {
    use crate::ParamRule;

    /// The change rule of a penalty parameter: hard bounds, the largest step of
    /// one change, one day between changes, and which direction raises risk.
    ///
    /// | code | bounds | step | raises risk when |
    /// |---|---|---|---|
    /// | `PENALTY_DIVISOR` | 1 ..= 20 | 2 | it rises (smaller penalties) |
    /// | `MIN_PENALTY` | 0.1 % ..= 10 % | 0.5 pp | it falls |
    /// | `KEEPER_SHARE` | 0 ..= 100 % | 10 pp | it falls (less keeper incentive) |
    #[must_use]
    pub const fn rule(code: u8) -> Option<ParamRule> {
        const DAY: u64 = crate::governance::params::DAY;
        match code {
            param::PENALTY_DIVISOR => Some(ParamRule {
                min: crate::u256(1),
                max: crate::u256(20),
                max_step: crate::u256(2),
                min_interval: DAY,
                raises_risk: crate::RaisesRisk::Increase,
            }),
            param::MIN_PENALTY => Some(ParamRule {
                min: crate::governance::params::MIN_PENALTY,
                max: crate::governance::params::MAX_PENALTY,
                // 0.5 percentage points.
                max_step: crate::u256(5_000_000_000_000_000),
                min_interval: DAY,
                raises_risk: crate::RaisesRisk::Decrease,
            }),
            param::KEEPER_SHARE => Some(ParamRule {
                min: crate::governance::params::MIN_KEEPER_SHARE,
                max: crate::governance::params::MAX_KEEPER_SHARE,
                // 10 percentage points.
                max_step: crate::u256(100_000_000_000_000_000),
                min_interval: DAY,
                raises_risk: crate::RaisesRisk::Decrease,
            }),
            _ => None,
        }
    }

    /// Parameter codes used by [`ParameterOutOfBounds`] and [`ParameterSet`].
    pub mod param {
        /// The penalty is the maintenance shock divided by this (1 ..= 20).
        pub const PENALTY_DIVISOR: u8 = 1;
        /// The smallest penalty rate (0.1 % ..= 10 %).
        pub const MIN_PENALTY: u8 = 2;
        /// The keeper's share of the penalty (0 ..= 100 %).
        pub const KEEPER_SHARE: u8 = 3;
    }
}

/// The parameters of the insurance-fund contract.
pub mod insurance_fund {
    use crate::{ParamRule, RaisesRisk};
    use alloy_primitives::U256;

    /// Parameter codes used by [`ParameterOutOfBounds`].
    pub mod param {
        /// Quote-token decimals (at most 36).
        pub const DECIMALS: u8 = 1;
        /// Drawdown window, seconds (1 hour ..= 7 days).
        pub const WINDOW: u8 = 2;
        /// Target size, WAD of the quote asset (0 ..= 10^12).
        pub const TARGET: u8 = 3;
    }

    /// The change rule of a fund parameter (DESIGN section 11): hard bounds, the
    /// largest step of one change, one day between two changes, and which
    /// direction raises risk.
    ///
    /// | code | bounds | step | raises risk when |
    /// |---|---|---|---|
    /// | `TARGET` | 0 ..= 10^12 quote | 10^7 quote | it falls (more may be withdrawn) |
    /// | `WINDOW` | 1 h ..= 7 days | 1 day | it falls (drawdowns are forgotten sooner) |
    #[must_use]
    pub const fn rule(code: u8) -> Option<ParamRule> {
        const DAY: u64 = crate::governance::params::DAY;
        const WAD: u128 = 1_000_000_000_000_000_000;
        match code {
            param::TARGET => Some(ParamRule {
                min: U256::ZERO,
                max: crate::u256(1_000_000_000_000 * WAD),
                max_step: crate::u256(10_000_000 * WAD),
                min_interval: DAY,
                raises_risk: RaisesRisk::Decrease,
            }),
            param::WINDOW => Some(ParamRule {
                min: crate::u256(crate::liquidation::insurance::MIN_DRAWDOWN_WINDOW as u128),
                max: crate::u256(crate::liquidation::insurance::MAX_DRAWDOWN_WINDOW as u128),
                max_step: crate::u256(DAY as u128),
                min_interval: DAY,
                raises_risk: RaisesRisk::Decrease,
            }),
            _ => None,
        }
    }
}

/// The parameters of the clearinghouse contract.
pub mod clearinghouse {
    use crate::{ParamRule, RaisesRisk, WAD};
    use alloy_primitives::U256;

    /// Parameter codes used by [`ParameterOutOfBounds`].
    pub mod param {
        /// Insurance share of fees (at most 100 %).
        pub const INSURANCE_SHARE: u8 = 1;
    }

    /// The insurance share's default (50 %) and its change rule: 0 ..= 100 %,
    /// at most 25 percentage points per change, one day between changes; a lower
    /// share raises risk (less insurance income). The fee configuration names
    /// linked accounts, so every change of it is the admin's (the timelock's).
    pub const DEFAULT_INSURANCE_SHARE: U256 = crate::u256(500_000_000_000_000_000);

    /// See [`DEFAULT_INSURANCE_SHARE`].
    pub const INSURANCE_SHARE_RULE: ParamRule = ParamRule {
        min: U256::ZERO,
        max: WAD,
        max_step: crate::u256(250_000_000_000_000_000),
        min_interval: crate::governance::params::DAY,
        raises_risk: RaisesRisk::Decrease,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::params as p;
    use alloy_primitives::U256;

    fn fits_64(v: U256) -> bool {
        v <= U256::from(u64::MAX)
    }

    #[test]
    fn haircut_values_fit_64_bits() {
        // The RiskEngine stores its haircut values in 64-bit fields: every bound and default
        // must fit.
        for code in [
            risk_engine::param::FLOOR,
            risk_engine::param::CAP,
            risk_engine::param::VOL_MULTIPLIER,
            risk_engine::param::K,
            risk_engine::param::INIT_RATIO,
            risk_engine::param::HORIZON,
            risk_engine::param::SPEED,
        ] {
            let r = risk_engine::rule(code).unwrap();
            assert!(fits_64(r.max), "{code}");
        }
        for d in [
            p::DEFAULT_K,
            p::DEFAULT_INIT_RATIO,
            p::DEFAULT_HAIRCUT_SPEED,
            p::DEFAULT_VOL_MULTIPLIER,
        ] {
            assert!(fits_64(d));
        }
    }

    #[test]
    fn risk_module_values_fit_64_bits() {
        // The RiskModule stores its global parameters and correlations in 64-bit fields.
        for code in [
            risk_module::param::LAMBDA,
            risk_module::param::HEARTBEAT_TOLERANCE,
            risk_module::param::MIN_MARGIN_FRACTION,
            risk_module::param::SEQUENCER_GRACE,
            risk_module::param::INTER_CORRELATION,
        ]
        .into_iter()
        .chain((0..crate::MAX_BUCKETS as u8).map(|b| risk_module::param::INTRA_CORRELATION + b))
        {
            let r = risk_module::rule(code).unwrap();
            assert!(fits_64(r.max), "{code}");
        }
        for d in [
            p::DEFAULT_LAMBDA,
            p::DEFAULT_HEARTBEAT_TOLERANCE,
            p::DEFAULT_MIN_MARGIN_FRACTION,
        ] {
            assert!(fits_64(d));
        }
    }

    #[test]
    fn market_values_fit_their_fields() {
        // PerpMarkets stores the fee rates, the funding cap and the fill band in 64-bit fields
        // and the premium notional in 128 bits.
        for code in [
            perp_markets::param::MAKER_FEE,
            perp_markets::param::TAKER_FEE,
            perp_markets::param::FUNDING_CAP,
            perp_markets::param::MAX_FILL_DEVIATION,
        ] {
            assert!(fits_64(perp_markets::rule(code).unwrap().max), "{code}");
        }
        assert!(fits_64(crate::MAX_FEE_RATE) && fits_64(crate::MAX_FUNDING_CAP));
        assert!(fits_64(crate::DEFAULT_MAX_FILL_DEVIATION));
        let notional = crate::premium_notional_rule(crate::DEFAULT_PREMIUM_NOTIONAL);
        assert!(notional.max <= U256::from(u128::MAX));
        assert!(crate::DEFAULT_PREMIUM_NOTIONAL <= notional.max);
    }
}
