//! The mock aggregator's release WASM under the runtime.

use alloy_primitives::{aliases::U80, I256, U256};
use alloy_sol_types::sol;
use stylus_runtime::{read_wasm, Runtime};

sol! {
    #[derive(Debug, PartialEq)]
    contract Aggregator {
        constructor(uint8 decimals, string description);
        event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
        error NoDataPresent(uint80 roundId);
        function decimals() external view returns (uint8);
        function description() external view returns (string);
        function setAnswer(int256 answer, uint256 updatedAt) external;
        function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
    }
}

fn wasm() -> Vec<u8> {
    read_wasm("mock-aggregator").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn aggregator_round_trip() {
    let mut rt = Runtime::new();
    let alice = rt.new_account();
    let ctor = Aggregator::constructorCall {
        decimals: 8,
        description: "ETH / USD".into(),
    };
    let feed = rt.deploy(alice, &wasm(), &ctor, U256::ZERO).unwrap();
    assert_eq!(
        rt.view(alice, feed, &Aggregator::decimalsCall {})
            .unwrap()
            ._0,
        8
    );
    assert_eq!(
        rt.view(alice, feed, &Aggregator::descriptionCall {})
            .unwrap()
            ._0,
        "ETH / USD"
    );
    let err = rt
        .view(alice, feed, &Aggregator::latestRoundDataCall {})
        .unwrap_err();
    assert_eq!(
        err.decode::<Aggregator::NoDataPresent>(),
        Some(Aggregator::NoDataPresent { roundId: U80::ZERO })
    );
    let answer = I256::try_from(300_000_000_000_i64).unwrap();
    rt.call(
        alice,
        feed,
        &Aggregator::setAnswerCall {
            answer,
            updatedAt: U256::from(100),
        },
        U256::ZERO,
    )
    .unwrap();
    let receipt = rt.last_receipt().unwrap().clone();
    assert_eq!(
        receipt.events::<Aggregator::AnswerUpdated>(),
        vec![Aggregator::AnswerUpdated {
            current: answer,
            roundId: U256::from(1),
            updatedAt: U256::from(100)
        }]
    );
    let r = rt
        .view(alice, feed, &Aggregator::latestRoundDataCall {})
        .unwrap();
    assert_eq!(
        (r._0, r._1, r._2, r._3, r._4),
        (
            U80::from(1),
            answer,
            U256::from(100),
            U256::from(100),
            U80::from(1)
        )
    );
}
