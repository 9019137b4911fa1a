//! Margin engine on motsu with the real risk module and a mock feed.
use super::*;
use alloy_primitives::address;
use alloy_sol_types::SolError;
use clearing_core::WAD;
use mock_aggregator::MockAggregator;
use motsu::prelude::*;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

const NOW: u64 = 1_735_689_600;
const ETH: Address = address!("00000000000000000000000000000000000e7e00");
const BTC: Address = address!("0000000000000000000000000000000000000b7c");

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

fn size(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// ETH and BTC both on one 8-decimal feed at 3000, majors bucket, no depth.
fn setup(
    engine: &Contract<MarginEngine>,
    risk_engine: &Contract<RiskEngine>,
    risk: &Contract<RiskModule>,
    feed: &Contract<MockAggregator>,
    admin: Address,
) {
    risk.sender(admin).constructor(admin);
    risk_engine
        .sender(admin)
        .constructor(admin, risk.address(), Address::ZERO);
    engine.sender(admin).constructor(
        risk.address(),
        risk_engine.address(),
        Address::ZERO,
        Address::ZERO,
        Address::ZERO,
        Address::ZERO,
    );
    feed.sender(admin).constructor(8, "ETH / USD".into());
    feed.sender(admin)
        .set_answer(I256::try_from(300_000_000_000i64).unwrap(), U256::from(NOW));
    for asset in [ETH, BTC] {
        risk.sender(admin)
            .list_asset(
                asset,
                feed.address(),
                3600,
                wad(100),
                wad(100_000),
                0,
                U256::ZERO,
                pct(3),
            )
            .motsu_unwrap();
    }
}

#[motsu::test]
fn wiring_and_refusals_before_any_call(
    engine: Contract<MarginEngine>,
    risk_engine: Contract<RiskEngine>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&engine, &risk_engine, &risk, &feed, admin);
    assert_eq!(engine.sender(admin).risk_module(), risk.address());
    assert_eq!(engine.sender(admin).risk_engine(), risk_engine.address());
    assert_eq!(engine.sender(admin).option_book(), Address::ZERO);
    assert_eq!(engine.sender(admin).margin_math(), Address::ZERO);
    let account = clearing_core::encode_account(admin, 0);
    // Positions and costs of different lengths are refused before anything is read.
    let err = engine
        .sender(admin)
        .health_with(account, vec![ETH], vec![], vec![I256::ZERO], false)
        .motsu_unwrap_err();
    assert_eq!(err, LengthMismatch {}.abi_encode());
    let err = engine
        .sender(admin)
        .health_with(account, vec![ETH], vec![size(1)], vec![], true)
        .motsu_unwrap_err();
    assert_eq!(err, LengthMismatch {}.abi_encode());
    // More than eight underlyings in the positions: refused before the RiskEngine is asked.
    let many: Vec<Address> = (1..=9u8).map(Address::repeat_byte).collect();
    let err = engine
        .sender(admin)
        .health_with(account, many, vec![size(1); 9], vec![I256::ZERO; 9], false)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        TooManyUnderlyings {
            count: U256::from(9)
        }
        .abi_encode()
    );
}
