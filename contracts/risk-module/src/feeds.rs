//! Reading Chainlink-style feeds and mapping the core's oracle checks to
//! custom errors.
use crate::{errors::*, RiskModule};
use alloy_primitives::{aliases::U80, Address, I256, U256};
use clearing_core::{validate_round, FeedConfig, OracleError, Round, SequencerStatus};
use stylus_sdk::prelude::*;

sol_interface! {
    /// The part of Chainlink's AggregatorV3 interface the module reads.
    interface IAggregatorV3 {
        function decimals() external view returns (uint8);
        function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
    }
}

impl RiskModule {
    /// `decimals()` of a feed.
    pub(crate) fn feed_decimals(&self, feed: Address) -> Result<u8, RiskError> {
        let d = IAggregatorV3::new(feed)
            .decimals(self)
            .map_err(|_| RiskError::FeedCallFailed(FeedCallFailed { feed }))?;
        if d > clearing_core::MAX_DECIMALS {
            return Err(RiskError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: crate::param::FEED_DECIMALS,
                value: U256::from(d),
            }));
        }
        Ok(d)
    }

    fn latest(&self, feed: Address) -> Result<(U80, I256, U256, U256, U80), RiskError> {
        IAggregatorV3::new(feed)
            .latest_round_data(self)
            .map_err(|_| RiskError::FeedCallFailed(FeedCallFailed { feed }))
    }

    /// Reads `feed`'s latest round and validates it (with the sequencer
    /// status when a sequencer feed is set). Returns the WAD value and the round.
    pub(crate) fn read_feed(
        &self,
        asset: Address,
        feed: Address,
        cfg: &FeedConfig,
    ) -> Result<(U256, Round), RiskError> {
        let seq_feed = self.sequencer_feed.get();
        let seq = if seq_feed.is_zero() {
            None
        } else {
            let (_, answer, started_at, _, _) = self.latest(seq_feed)?;
            Some(SequencerStatus {
                answer,
                started_at,
                grace_period: self.sequencer_grace.get().to::<u64>(),
            })
        };
        let (round_id, answer, _, updated_at, answered_in_round) = self.latest(feed)?;
        let round = Round {
            round_id,
            answer,
            updated_at,
            answered_in_round,
        };
        let now = self.vm().block_timestamp();
        validate_round(&round, cfg, seq.as_ref(), now)
            .map(|p| (p, round))
            .map_err(|e| match e {
                OracleError::NonPositive => {
                    RiskError::PriceNonPositive(PriceNonPositive { asset, answer })
                }
                OracleError::OutOfBand => {
                    RiskError::PriceOutOfBand(PriceOutOfBand { asset, answer })
                }
                OracleError::Stale => RiskError::PriceStale(PriceStale {
                    asset,
                    updatedAt: updated_at,
                }),
                OracleError::IncompleteRound => RiskError::RoundIncomplete(RoundIncomplete {
                    asset,
                    roundId: round_id,
                }),
                OracleError::FutureTimestamp => RiskError::PriceFromFuture(PriceFromFuture {
                    asset,
                    updatedAt: updated_at,
                }),
                OracleError::SequencerDown => RiskError::SequencerDown(SequencerDown {}),
                OracleError::SequencerGracePeriod => {
                    RiskError::SequencerGracePeriod(SequencerGracePeriod {
                        upSince: seq.map(|s| s.started_at).unwrap_or_default(),
                    })
                }
                OracleError::Math(m) => RiskError::MathError(MathError { code: m as u8 }),
            })
    }
}
