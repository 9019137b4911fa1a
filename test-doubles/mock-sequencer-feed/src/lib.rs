//! An Arbitrum L2 sequencer-uptime feed test double with the Chainlink
//! `AggregatorV3` interface.
//!
//! `latestRoundData()` returns `(roundId, answer, startedAt, updatedAt,
//! answeredInRound)` with the uptime feed's meaning:
//!
//! - `answer`: 0 = sequencer up, 1 = sequencer down;
//! - `startedAt`: when the sequencer entered its current status (the `since`
//!   passed to `setStatus`);
//! - `updatedAt`: the block timestamp at which the round was written;
//! - `answeredInRound` = `roundId`.
//!
//! Anyone may call `setStatus(up, since)` (it is a test double); every call
//! writes a new round `latest + 1`, even when the status does not change, and
//! emits `NewRound` and `AnswerUpdated`.
//!
//! Before the first `setStatus`, `latestRoundData()` returns
//! `(0, 0, 0, 0, 0)`: "up since 0", with round id 0. This is what the real
//! Arbitrum uptime feed reports before it is initialised (its documentation
//! notes `startedAt` = 0 only in that case), so a risk module sees the same
//! values here as on chain; it never reverts. `getRoundData` of a round that
//! was never written reverts with `NoDataPresent(roundId)`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::{string::String, vec::Vec};
use alloy_primitives::{aliases::U80, I256, U256};
use alloy_sol_types::sol;
use stylus_sdk::{
    prelude::*,
    storage::{StorageBool, StorageMap, StorageU256, StorageUint},
};

/// Human-readable name, as on the real feed.
pub const DESCRIPTION: &str = "L2 Sequencer Uptime Status Feed";

/// Interface version reported by `version()`.
pub const VERSION: u64 = 1;

/// Answer meaning "sequencer up".
pub const ANSWER_UP: I256 = I256::ZERO;

/// Answer meaning "sequencer down".
pub const ANSWER_DOWN: I256 = I256::ONE;

sol! {
    /// A new round was started by `startedBy`; `startedAt` is the time the
    /// sequencer entered the reported status.
    #[derive(Debug, PartialEq, Eq)]
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    /// A round was written: `current` is 0 (up) or 1 (down), `updatedAt` the
    /// block timestamp of the write.
    #[derive(Debug, PartialEq, Eq)]
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// The requested round was never written.
    #[derive(Debug, PartialEq, Eq)]
    error NoDataPresent(uint80 roundId);
}

/// Errors of the mock sequencer feed.
#[derive(SolidityError, Debug)]
pub enum SequencerFeedError {
    /// The requested round was never written.
    NoDataPresent(NoDataPresent),
}

/// Round data as returned by `latestRoundData` / `getRoundData`:
/// `(roundId, answer, startedAt, updatedAt, answeredInRound)`.
pub type RoundData = (U80, I256, U256, U256, U80);

type StorageU80 = StorageUint<80, 2>;

/// One stored round.
#[storage]
pub struct StatusRound {
    down: StorageBool,
    started_at: StorageU256,
    updated_at: StorageU256,
}

/// Sequencer-uptime feed whose status is set by tests.
#[storage]
#[entrypoint]
pub struct MockSequencerFeed {
    latest_round: StorageU80,
    rounds: StorageMap<U80, StatusRound>,
}

#[public]
impl MockSequencerFeed {
    /// Decimals of the answer: always 0.
    pub fn decimals(&self) -> u8 {
        0
    }

    /// Human-readable feed name ([`DESCRIPTION`]).
    pub fn description(&self) -> String {
        String::from(DESCRIPTION)
    }

    /// Aggregator interface version ([`VERSION`]).
    pub fn version(&self) -> U256 {
        U256::from(VERSION)
    }

    /// Writes round `latest + 1`: answer 0 if `up`, 1 otherwise,
    /// `startedAt = since`, `updatedAt` = the current block timestamp. Emits
    /// `NewRound(roundId, msg.sender, since)` and
    /// `AnswerUpdated(answer, roundId, updatedAt)`.
    pub fn set_status(&mut self, up: bool, since: U256) {
        let id = self.latest_round.get() + U80::from(1);
        let updated_at = U256::from(self.vm().block_timestamp());
        let mut round = self.rounds.setter(id);
        round.down.set(!up);
        round.started_at.set(since);
        round.updated_at.set(updated_at);
        self.latest_round.set(id);
        let round_id = U256::from(id);
        log(
            self.vm(),
            NewRound {
                roundId: round_id,
                startedBy: self.vm().msg_sender(),
                startedAt: since,
            },
        );
        log(
            self.vm(),
            AnswerUpdated {
                current: answer(up),
                roundId: round_id,
                updatedAt: updated_at,
            },
        );
    }

    /// The latest round; `(0, 0, 0, 0, 0)` (up since 0) before the first
    /// `setStatus`.
    pub fn latest_round_data(&self) -> RoundData {
        let id = self.latest_round.get();
        if id.is_zero() {
            return (U80::ZERO, ANSWER_UP, U256::ZERO, U256::ZERO, U80::ZERO);
        }
        self.round(id)
    }

    /// A written round.
    ///
    /// # Errors
    /// [`SequencerFeedError::NoDataPresent`] when `roundId` is 0 or above the
    /// latest round.
    #[allow(non_snake_case)] // Solidity-style name in the exported ABI.
    pub fn get_round_data(&self, roundId: U80) -> Result<RoundData, SequencerFeedError> {
        if roundId.is_zero() || roundId > self.latest_round.get() {
            return Err(SequencerFeedError::NoDataPresent(NoDataPresent { roundId }));
        }
        Ok(self.round(roundId))
    }
}

impl MockSequencerFeed {
    fn round(&self, id: U80) -> RoundData {
        let round = self.rounds.getter(id);
        (
            id,
            answer(!round.down.get()),
            round.started_at.get(),
            round.updated_at.get(),
            id,
        )
    }
}

/// The feed's answer for a status: [`ANSWER_UP`] or [`ANSWER_DOWN`].
#[must_use]
pub fn answer(up: bool) -> I256 {
    if up {
        ANSWER_UP
    } else {
        ANSWER_DOWN
    }
}

#[cfg(test)]
mod tests;
