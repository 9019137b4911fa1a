//! Validation of a Chainlink-style (AggregatorV3) round, including the L2 sequencer-uptime feed.
//!
//! [`validate_round`] turns a round into a WAD price or names the first failed check. The checks
//! run in this order, so the reported error is deterministic:
//!
//! 1. sequencer (if a sequencer feed is configured): status must be up ([`OracleError::SequencerDown`]),
//!    and up for longer than the grace period ([`OracleError::SequencerGracePeriod`]);
//! 2. round complete: `updatedAt != 0` and `answeredInRound >= roundId`
//!    ([`OracleError::IncompleteRound`]);
//! 3. `updatedAt <= now` ([`OracleError::FutureTimestamp`]);
//! 4. fresh: `now - updatedAt <= heartbeat * (1 + tolerance)` ([`OracleError::Stale`]);
//! 5. `answer > 0` ([`OracleError::NonPositive`]);
//! 6. the WAD price strictly inside the sanity band `(min_price, max_price)`
//!    ([`OracleError::OutOfBand`]).

use crate::math::fixed::{add, mul_div, to_unsigned, to_wad, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::{aliases::U80, I256, U256};

/// Why a round is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleError {
    /// `answer <= 0`.
    NonPositive,
    /// The price is not strictly inside the configured sanity band.
    OutOfBand,
    /// The round is older than the heartbeat plus tolerance.
    Stale,
    /// `answeredInRound < roundId` or `updatedAt == 0`.
    IncompleteRound,
    /// The sequencer-uptime feed reports the sequencer down (or has no valid status).
    SequencerDown,
    /// The sequencer came back up no longer ago than the grace period.
    SequencerGracePeriod,
    /// `updatedAt` lies after the current time.
    FutureTimestamp,
    /// An arithmetic failure while evaluating the checks (e.g. feed decimals above 36).
    Math(CoreError),
}

impl From<CoreError> for OracleError {
    fn from(e: CoreError) -> Self {
        Self::Math(e)
    }
}

/// One round as returned by `latestRoundData()` (the `startedAt` field is not needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// `roundId`.
    pub round_id: U80,
    /// `answer`, in the feed's decimals.
    pub answer: I256,
    /// `updatedAt`, seconds.
    pub updated_at: U256,
    /// `answeredInRound`.
    pub answered_in_round: U80,
}

/// Per-feed configuration set by governance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedConfig {
    /// The feed's `decimals()` (at most 36).
    pub decimals: u8,
    /// Expected maximum time between updates, seconds.
    pub heartbeat: u64,
    /// Extra allowed age as a fraction of the heartbeat, WAD (0.1e18 = +10 %).
    pub tolerance: U256,
    /// Exclusive lower bound of a believable price, WAD. Set it at (or above) the aggregator's own
    /// `minAnswer` so that a clamped answer is rejected.
    pub min_price: U256,
    /// Exclusive upper bound of a believable price, WAD. Set it at (or below) the aggregator's own
    /// `maxAnswer` so that a clamped answer is rejected.
    pub max_price: U256,
}

/// The L2 sequencer-uptime feed's latest round plus the configured grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequencerStatus {
    /// The feed's `answer`: 0 = up, anything else (1) = down.
    pub answer: I256,
    /// The feed's `startedAt`: when the current status began, seconds (0 = no valid status).
    pub started_at: U256,
    /// Seconds the sequencer must have been up before prices are used again.
    pub grace_period: u64,
}

/// Checks the sequencer-uptime status at time `now`.
///
/// # Errors
/// [`OracleError::SequencerDown`] if the status is not "up" or `startedAt == 0`;
/// [`OracleError::SequencerGracePeriod`] if `now - startedAt <= grace_period` (a `startedAt` in
/// the future counts as still within the grace period).
pub fn check_sequencer(seq: &SequencerStatus, now: u64) -> Result<(), OracleError> {
    if !seq.answer.is_zero() || seq.started_at.is_zero() {
        return Err(OracleError::SequencerDown);
    }
    let up_for = U256::from(now).saturating_sub(seq.started_at);
    if up_for <= U256::from(seq.grace_period) {
        return Err(OracleError::SequencerGracePeriod);
    }
    Ok(())
}

/// Validates a round at time `now` and returns its price in WAD.
///
/// See the [module documentation](self) for the order of the checks. A feed with more than 18
/// decimals loses its extra digits rounded down.
///
/// # Errors
/// One [`OracleError`] variant per failed check; [`OracleError::Math`] with
/// [`CoreError::DecimalsTooLarge`] if `feed.decimals > 36`, or [`CoreError::Overflow`] if
/// `1 + tolerance` or the scaled price does not fit.
pub fn validate_round(
    round: &Round,
    feed: &FeedConfig,
    sequencer: Option<&SequencerStatus>,
    now: u64,
) -> Result<U256, OracleError> {
    if let Some(seq) = sequencer {
        check_sequencer(seq, now)?;
    }
    if round.updated_at.is_zero() || round.answered_in_round < round.round_id {
        return Err(OracleError::IncompleteRound);
    }
    let now = U256::from(now);
    if round.updated_at > now {
        return Err(OracleError::FutureTimestamp);
    }
    // Allowed age rounds down: the stricter limit favours the protocol.
    let max_age = mul_div(
        U256::from(feed.heartbeat),
        add(WAD, feed.tolerance)?,
        WAD,
        Rounding::Down,
    )?;
    if now - round.updated_at > max_age {
        return Err(OracleError::Stale);
    }
    if round.answer <= I256::ZERO {
        return Err(OracleError::NonPositive);
    }
    // Rounds down only for feeds with more than 18 decimals (collateral values round down).
    let price = to_wad(to_unsigned(round.answer)?, feed.decimals)?;
    if price <= feed.min_price || price >= feed.max_price {
        return Err(OracleError::OutOfBand);
    }
    Ok(price)
}

#[cfg(test)]
// Answers are written `whole_fraction` with the feed's 8 decimals grouped together.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::math::fixed::u256;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000;

    fn feed() -> FeedConfig {
        FeedConfig {
            decimals: 8,
            heartbeat: 3600,
            tolerance: u256(100_000_000_000_000_000),
            min_price: u256(100) * WAD,
            max_price: u256(100_000) * WAD,
        }
    }

    fn round(answer: i64, updated_at: u64) -> Round {
        Round {
            round_id: U80::from(5u64),
            answer: I256::try_from(answer).unwrap(),
            updated_at: U256::from(updated_at),
            answered_in_round: U80::from(5u64),
        }
    }

    fn seq(answer: i64, started_at: u64) -> SequencerStatus {
        SequencerStatus {
            answer: I256::try_from(answer).unwrap(),
            started_at: U256::from(started_at),
            grace_period: 3600,
        }
    }

    #[test]
    fn valid_round_gives_wad_price() {
        let r = round(3_000_12345678, NOW - 10);
        assert_eq!(
            validate_round(&r, &feed(), None, NOW),
            Ok(u256(3_000_123_456_780_000_000_000))
        );
        let up = seq(0, NOW - 3601);
        assert_eq!(
            validate_round(&r, &feed(), Some(&up), NOW),
            Ok(u256(3_000_123_456_780_000_000_000))
        );
    }

    #[test]
    fn each_failure_has_its_error() {
        let f = feed();
        assert_eq!(
            validate_round(&round(0, NOW), &f, None, NOW),
            Err(OracleError::NonPositive)
        );
        assert_eq!(
            validate_round(&round(-1, NOW), &f, None, NOW),
            Err(OracleError::NonPositive)
        );
        // Band is exclusive: exactly the bound is a clamped answer.
        assert_eq!(
            validate_round(&round(100_00000000, NOW), &f, None, NOW),
            Err(OracleError::OutOfBand)
        );
        assert_eq!(
            validate_round(&round(100_000_00000000, NOW), &f, None, NOW),
            Err(OracleError::OutOfBand)
        );
        assert!(validate_round(&round(100_00000001, NOW), &f, None, NOW).is_ok());
        // heartbeat 3600 * 1.1 = 3960 s.
        assert!(validate_round(&round(2000_00000000, NOW - 3960), &f, None, NOW).is_ok());
        assert_eq!(
            validate_round(&round(2000_00000000, NOW - 3961), &f, None, NOW),
            Err(OracleError::Stale)
        );
        assert_eq!(
            validate_round(&round(2000_00000000, NOW + 1), &f, None, NOW),
            Err(OracleError::FutureTimestamp)
        );
        assert_eq!(
            validate_round(&round(2000_00000000, 0), &f, None, NOW),
            Err(OracleError::IncompleteRound)
        );
        let mut r = round(2000_00000000, NOW);
        r.answered_in_round = U80::from(4u64);
        assert_eq!(
            validate_round(&r, &f, None, NOW),
            Err(OracleError::IncompleteRound)
        );
        let r = round(2000_00000000, NOW);
        assert_eq!(
            validate_round(&r, &f, Some(&seq(1, NOW - 10_000)), NOW),
            Err(OracleError::SequencerDown)
        );
        assert_eq!(
            validate_round(&r, &f, Some(&seq(0, 0)), NOW),
            Err(OracleError::SequencerDown)
        );
        assert_eq!(
            validate_round(&r, &f, Some(&seq(0, NOW - 3600)), NOW),
            Err(OracleError::SequencerGracePeriod)
        );
        assert_eq!(
            validate_round(&r, &f, Some(&seq(0, NOW + 5)), NOW),
            Err(OracleError::SequencerGracePeriod)
        );
        let mut bad = f;
        bad.decimals = 37;
        assert_eq!(
            validate_round(&r, &bad, None, NOW),
            Err(OracleError::Math(CoreError::DecimalsTooLarge))
        );
        bad = f;
        bad.tolerance = U256::MAX;
        assert_eq!(
            validate_round(&r, &bad, None, NOW),
            Err(OracleError::Math(CoreError::Overflow))
        );
    }

    #[test]
    fn strict_rounding_of_allowed_age() {
        // 7 s * 1.05 = 7.35 s -> 7 s allowed.
        let f = FeedConfig {
            heartbeat: 7,
            tolerance: u256(50_000_000_000_000_000),
            ..feed()
        };
        assert!(validate_round(&round(2000_00000000, NOW - 7), &f, None, NOW).is_ok());
        assert_eq!(
            validate_round(&round(2000_00000000, NOW - 8), &f, None, NOW),
            Err(OracleError::Stale)
        );
    }

    #[test]
    fn high_decimals_round_down() {
        let f = FeedConfig {
            decimals: 20,
            min_price: U256::ZERO,
            ..feed()
        };
        assert_eq!(
            validate_round(&round(12_345, NOW), &f, None, NOW),
            Ok(u256(123))
        );
    }

    proptest! {
        #[test]
        fn staleness_boundary(age in 0u64..100_000, heartbeat in 1u64..50_000, tol_bp in 0u64..=10_000) {
            let f = FeedConfig {
                heartbeat,
                tolerance: U256::from(tol_bp) * u256(100_000_000_000_000),
                ..feed()
            };
            let res = validate_round(&round(2000_00000000, NOW - age), &f, None, NOW);
            // age <= heartbeat * (1 + tol_bp / 10_000), compared exactly in integers.
            let fresh = u128::from(age) * 10_000 <= u128::from(heartbeat) * u128::from(10_000 + tol_bp);
            prop_assert_eq!(res.is_ok(), fresh);
            if !fresh {
                prop_assert_eq!(res, Err(OracleError::Stale));
            }
        }

        #[test]
        fn accepted_prices_are_in_band(answer in any::<i64>(), decimals in 0u8..=18) {
            let f = FeedConfig { decimals, ..feed() };
            match validate_round(&round(answer, NOW), &f, None, NOW) {
                Ok(p) => {
                    prop_assert!(answer > 0);
                    prop_assert!(p > f.min_price && p < f.max_price);
                    prop_assert_eq!(p, U256::from(answer as u64) * U256::from(10u64).pow(U256::from(18 - decimals)));
                }
                Err(e) => prop_assert!(
                    (answer <= 0 && e == OracleError::NonPositive) || e == OracleError::OutOfBand
                ),
            }
        }
    }
}
