//! Margin engine on motsu with the real risk module and a mock feed.
use super::*;
use alloy_primitives::address;
use alloy_sol_types::SolError;
use clearing_core::{u256, WAD};
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
fn prices_naked_hedged_and_correlated_portfolios(
    engine: Contract<MarginEngine>,
    risk_engine: Contract<RiskEngine>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&engine, &risk_engine, &risk, &feed, admin);
    assert_eq!(engine.sender(admin).risk_module(), risk.address());
    let call = |assets: Vec<Address>, spot: Vec<I256>, perp: Vec<I256>, portfolio: bool| {
        let n = assets.len();
        engine.sender(admin).margin(
            assets,
            spot,
            perp,
            vec![pct(2); n],
            vec![pct(3); n],
            portfolio,
        )
    };
    // A 0.1 % shock on 10 ETH at 3000 (30 maintenance, 45 initial) is below the 0.5 % floor
    // (150): the initial requirement's floor is the risk engine's initial / maintenance ratio
    // (1.5) times it.
    assert_eq!(
        engine
            .sender(admin)
            .margin(
                vec![ETH],
                vec![I256::ZERO],
                vec![size(10)],
                vec![WAD / U256::from(1000)],
                vec![WAD * U256::from(15) / U256::from(10_000)],
                false,
            )
            .motsu_unwrap(),
        (wad(150), wad(225), wad(30_000))
    );
    // Naked long 10 ETH perp at 3000: 30,000 * 2 % = 600 maintenance, 900 initial.
    assert_eq!(
        call(vec![ETH], vec![I256::ZERO], vec![size(10)], false).motsu_unwrap(),
        (wad(600), wad(900), wad(30_000))
    );
    // 10 ETH spot + short 10 ETH perp: only the floor, 0.5 % of 30,000 perp notional, and
    // 1.5 times it for the initial requirement.
    for portfolio in [false, true] {
        assert_eq!(
            call(vec![ETH], vec![size(10)], vec![size(-10)], portfolio).motsu_unwrap(),
            (wad(150), wad(225), wad(30_000))
        );
    }
    // Spot alone: its shock, no perp notional.
    assert_eq!(
        call(vec![ETH], vec![size(10)], vec![I256::ZERO], false).motsu_unwrap(),
        (wad(600), wad(900), U256::ZERO)
    );
    // Long ETH, short BTC (same bucket, rho 0.8): cross sums 600 + 600; portfolio
    // takes sqrt(600^2 + 600^2 - 2 * 0.8 * 600 * 600) = 600 * sqrt(0.4) ≈ 379.47.
    let (cross, _, _) = call(
        vec![ETH, BTC],
        vec![I256::ZERO; 2],
        vec![size(10), size(-10)],
        false,
    )
    .motsu_unwrap();
    let (port, _, gross) = call(
        vec![ETH, BTC],
        vec![I256::ZERO; 2],
        vec![size(10), size(-10)],
        true,
    )
    .motsu_unwrap();
    assert_eq!(cross, wad(1200));
    assert_eq!(gross, wad(60_000));
    assert!(
        port > u256(379_473_000_000_000_000_000) && port < u256(379_474_000_000_000_000_000),
        "{port}"
    );
}

#[motsu::test]
fn rejects_bad_input_and_passes_risk_errors_through(
    engine: Contract<MarginEngine>,
    risk_engine: Contract<RiskEngine>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&engine, &risk_engine, &risk, &feed, admin);
    let err = engine
        .sender(admin)
        .margin(
            vec![ETH],
            vec![],
            vec![size(1)],
            vec![pct(2)],
            vec![pct(3)],
            false,
        )
        .motsu_unwrap_err();
    assert_eq!(err, LengthMismatch {}.abi_encode());
    let err = engine
        .sender(admin)
        .margin(
            vec![ETH; 9],
            vec![I256::ZERO; 9],
            vec![size(1); 9],
            vec![pct(2); 9],
            vec![pct(3); 9],
            false,
        )
        .motsu_unwrap_err();
    assert_eq!(
        err,
        TooManyUnderlyings {
            count: U256::from(9)
        }
        .abi_encode()
    );
    // A shock above 100 % is a math error of the core (InvalidParameter = 5).
    let err = engine
        .sender(admin)
        .margin(
            vec![ETH],
            vec![I256::ZERO],
            vec![size(1)],
            vec![pct(101)],
            vec![pct(101)],
            false,
        )
        .motsu_unwrap_err();
    assert_eq!(err, MathError { code: 5 }.abi_encode());
    // The risk module's own errors arrive unchanged.
    let err = engine
        .sender(admin)
        .margin(
            vec![Address::ZERO],
            vec![I256::ZERO],
            vec![size(1)],
            vec![pct(2)],
            vec![pct(3)],
            false,
        )
        .motsu_unwrap_err();
    assert_eq!(
        err,
        risk_module::UnknownAsset {
            asset: Address::ZERO
        }
        .abi_encode()
    );
    feed.sender(admin).set_answer(
        I256::try_from(300_000_000_000i64).unwrap(),
        U256::from(NOW - 5000),
    );
    let err = engine
        .sender(admin)
        .margin(
            vec![ETH],
            vec![I256::ZERO],
            vec![size(1)],
            vec![pct(2)],
            vec![pct(3)],
            false,
        )
        .motsu_unwrap_err();
    assert_eq!(
        err,
        risk_module::PriceStale {
            asset: ETH,
            updatedAt: U256::from(NOW - 5000)
        }
        .abi_encode()
    );
    // No exposures: no requirement.
    assert_eq!(
        engine
            .sender(admin)
            .margin(vec![], vec![], vec![], vec![], vec![], true)
            .motsu_unwrap(),
        (U256::ZERO, U256::ZERO, U256::ZERO)
    );
}
