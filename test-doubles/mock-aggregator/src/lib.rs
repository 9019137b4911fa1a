//! A Chainlink-style `AggregatorV3` test double.
//!
//! Anyone may set the answer (it is a test double): tests and the demo drive
//! prices, round ids, `updatedAt` and round completeness explicitly, so every
//! oracle failure mode of the risk module can be reproduced.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::{string::String, vec::Vec};
use alloy_primitives::{aliases::U80, I256, U256, U64, U8};
use alloy_sol_types::sol;
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageI256, StorageMap, StorageString, StorageU256, StorageU64, StorageU8, StorageUint,
    },
};

sol! {
    /// Emitted whenever a new round is written.
    #[derive(Debug, PartialEq, Eq)]
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// The requested round was never written.
    #[derive(Debug)]
    error NoDataPresent(uint80 roundId);
}

/// Errors of the mock aggregator.
#[derive(SolidityError, Debug)]
pub enum AggregatorError {
    /// The requested round was never written.
    NoDataPresent(NoDataPresent),
}

/// One stored round.
type StorageU80 = StorageUint<80, 2>;

#[storage]
pub struct Round {
    answer: StorageI256,
    started_at: StorageU256,
    updated_at: StorageU256,
    answered_in_round: StorageU80,
}

/// Chainlink-style aggregator whose rounds are written by tests.
#[storage]
#[entrypoint]
pub struct MockAggregator {
    decimals: StorageU8,
    description: StorageString,
    latest_round: StorageU80,
    rounds: StorageMap<U80, Round>,
    version: StorageU64,
}

#[public]
impl MockAggregator {
    /// Sets the feed's decimals and description.
    #[constructor]
    pub fn constructor(&mut self, decimals: u8, description: String) {
        self.decimals.set(U8::from(decimals));
        self.description.set_str(description);
        self.version.set(U64::from(4));
    }

    /// Decimals of the answer.
    pub fn decimals(&self) -> u8 {
        self.decimals.get().to::<u8>()
    }

    /// Human-readable feed name.
    pub fn description(&self) -> String {
        self.description.get_string()
    }

    /// Aggregator interface version.
    pub fn version(&self) -> U256 {
        U256::from(self.version.get())
    }

    /// Writes a complete new round `latest + 1` with `startedAt = updatedAt`.
    pub fn set_answer(&mut self, answer: I256, updated_at: U256) {
        let id = self.latest_round.get() + U80::from(1);
        self.write_round(id, answer, updated_at, updated_at, id);
    }

    /// Writes an arbitrary round and makes it the latest one; lets tests
    /// build incomplete rounds (`answeredInRound < roundId`) or `updatedAt = 0`.
    pub fn set_round(
        &mut self,
        round_id: U80,
        answer: I256,
        started_at: U256,
        updated_at: U256,
        answered_in_round: U80,
    ) {
        self.write_round(round_id, answer, started_at, updated_at, answered_in_round);
    }

    /// The latest round.
    ///
    /// # Errors
    /// [`AggregatorError::NoDataPresent`] before any round was written.
    pub fn latest_round_data(&self) -> Result<(U80, I256, U256, U256, U80), AggregatorError> {
        self.get_round_data(self.latest_round.get())
    }

    /// A stored round.
    ///
    /// # Errors
    /// [`AggregatorError::NoDataPresent`] when the round was never written.
    pub fn get_round_data(
        &self,
        round_id: U80,
    ) -> Result<(U80, I256, U256, U256, U80), AggregatorError> {
        let r = self.rounds.getter(round_id);
        let updated_at = r.updated_at.get();
        if round_id.is_zero() || (updated_at.is_zero() && r.answered_in_round.get().is_zero()) {
            return Err(AggregatorError::NoDataPresent(NoDataPresent {
                roundId: round_id,
            }));
        }
        Ok((
            round_id,
            r.answer.get(),
            r.started_at.get(),
            updated_at,
            r.answered_in_round.get(),
        ))
    }

    /// The latest answer (legacy interface).
    pub fn latest_answer(&self) -> I256 {
        self.rounds.getter(self.latest_round.get()).answer.get()
    }

    /// The latest round id.
    pub fn latest_round(&self) -> U256 {
        U256::from(self.latest_round.get())
    }
}

impl MockAggregator {
    fn write_round(&mut self, id: U80, answer: I256, started: U256, updated: U256, answered: U80) {
        let mut r = self.rounds.setter(id);
        r.answer.set(answer);
        r.started_at.set(started);
        r.updated_at.set(updated);
        r.answered_in_round.set(answered);
        self.latest_round.set(id);
        log(
            self.vm(),
            AnswerUpdated {
                current: answer,
                roundId: U256::from(id),
                updatedAt: updated,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;
    use motsu::prelude::*;

    #[motsu::test]
    fn rounds_are_stored_and_reported(feed: Contract<MockAggregator>, alice: Address) {
        feed.sender(alice).constructor(8, "ETH / USD".into());
        let err = feed.sender(alice).latest_round_data().motsu_unwrap_err();
        assert!(matches!(err, AggregatorError::NoDataPresent(_)));
        feed.sender(alice)
            .set_answer(I256::try_from(3000_0000_0000i64).unwrap(), U256::from(100));
        let (id, ans, st, up, air) = feed.sender(alice).latest_round_data().motsu_unwrap();
        assert_eq!(id, U80::from(1));
        assert_eq!(ans, I256::try_from(3000_0000_0000i64).unwrap());
        assert_eq!(
            (st, up, air),
            (U256::from(100), U256::from(100), U80::from(1))
        );
        assert_eq!(feed.sender(alice).decimals(), 8);
        feed.assert_emitted(&AnswerUpdated {
            current: ans,
            roundId: U256::from(1),
            updatedAt: U256::from(100),
        });
    }
}
