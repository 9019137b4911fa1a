//! motsu tests of the mock sequencer-uptime feed.

use super::*;
use alloy_primitives::Address;
use alloy_sol_types::{SolError, SolEvent};
use motsu::prelude::*;

/// motsu's fixed block timestamp (2025-01-01T00:00:00Z).
const NOW: u64 = 1_735_689_600;

fn u80(v: u64) -> U80 {
    U80::from(v)
}

fn at(v: u64) -> U256 {
    U256::from(v)
}

#[motsu::test]
fn reports_up_since_zero_before_any_status(feed: Contract<MockSequencerFeed>, alice: Address) {
    let f = feed.sender(alice);
    assert_eq!(
        f.latest_round_data(),
        (U80::ZERO, I256::ZERO, U256::ZERO, U256::ZERO, U80::ZERO)
    );
    assert_eq!(f.decimals(), 0);
    assert_eq!(f.description(), "L2 Sequencer Uptime Status Feed");
    assert_eq!(f.version(), U256::from(1));

    let err = feed
        .sender(alice)
        .get_round_data(U80::ZERO)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        SequencerFeedError::NoDataPresent(NoDataPresent { roundId }) if roundId == U80::ZERO
    ));
    let err = feed.sender(alice).get_round_data(u80(1)).motsu_unwrap_err();
    assert_eq!(
        Vec::<u8>::from(err),
        NoDataPresent { roundId: u80(1) }.abi_encode()
    );
    assert!(feed.all_events().is_empty());
}

#[motsu::test]
fn down_status_is_reported(feed: Contract<MockSequencerFeed>, keeper: Address) {
    feed.sender(keeper).set_status(false, at(NOW - 600));

    assert_eq!(
        feed.sender(keeper).latest_round_data(),
        (u80(1), I256::ONE, at(NOW - 600), at(NOW), u80(1))
    );
    assert_eq!(
        feed.all_events(),
        vec![
            NewRound {
                roundId: U256::from(1),
                startedBy: keeper,
                startedAt: at(NOW - 600),
            }
            .encode_log_data(),
            AnswerUpdated {
                current: I256::ONE,
                roundId: U256::from(1),
                updatedAt: at(NOW),
            }
            .encode_log_data(),
        ]
    );
}

#[motsu::test]
fn recovery_writes_a_new_round_and_keeps_history(
    feed: Contract<MockSequencerFeed>,
    keeper: Address,
    bob: Address,
) {
    feed.sender(keeper).set_status(false, at(NOW - 7_200));
    // Back up 30 minutes ago: inside a one-hour grace period.
    feed.sender(bob).set_status(true, at(NOW - 1_800));

    assert_eq!(
        feed.sender(keeper).latest_round_data(),
        (u80(2), I256::ZERO, at(NOW - 1_800), at(NOW), u80(2))
    );
    assert_eq!(
        feed.sender(keeper).get_round_data(u80(1)).motsu_unwrap(),
        (u80(1), I256::ONE, at(NOW - 7_200), at(NOW), u80(1))
    );
    assert_eq!(
        feed.sender(keeper).get_round_data(u80(2)).motsu_unwrap(),
        (u80(2), I256::ZERO, at(NOW - 1_800), at(NOW), u80(2))
    );
    let err = feed
        .sender(keeper)
        .get_round_data(u80(3))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        SequencerFeedError::NoDataPresent(NoDataPresent { roundId }) if roundId == u80(3)
    ));

    let events = feed.all_events();
    assert_eq!(events.len(), 4);
    assert_eq!(
        events[2..],
        [
            NewRound {
                roundId: U256::from(2),
                startedBy: bob,
                startedAt: at(NOW - 1_800),
            }
            .encode_log_data(),
            AnswerUpdated {
                current: I256::ZERO,
                roundId: U256::from(2),
                updatedAt: at(NOW),
            }
            .encode_log_data(),
        ]
    );
}

#[motsu::test]
fn same_status_still_writes_a_new_round(feed: Contract<MockSequencerFeed>, keeper: Address) {
    feed.sender(keeper).set_status(true, at(100));
    feed.sender(keeper).set_status(true, at(200));
    assert_eq!(
        feed.sender(keeper).latest_round_data(),
        (u80(2), I256::ZERO, at(200), at(NOW), u80(2))
    );
    feed.assert_emitted(&NewRound {
        roundId: U256::from(2),
        startedBy: keeper,
        startedAt: at(200),
    });
}

#[test]
fn answers_match_the_uptime_feed_convention() {
    assert_eq!(answer(true), I256::ZERO);
    assert_eq!(answer(false), I256::ONE);
    assert_eq!((ANSWER_UP, ANSWER_DOWN), (I256::ZERO, I256::ONE));
}
