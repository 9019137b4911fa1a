//! RiskEngine haircuts and valuation and the MarginEngine's requirements on
//! real vault holdings, with the real RiskModule, mock tokens and feeds.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::{initial_haircut, target_haircut, trading::account, u256, HaircutParams, WAD};
use collateral_vault::CollateralVault;
use common::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use risk_engine::*;
use risk_module::RiskModule;

fn bytes(e: EngineError) -> Vec<u8> {
    e.into()
}

fn eth_params() -> HaircutParams {
    HaircutParams::with_defaults(pct(1), pct(50))
}

#[motsu::test]
fn haircuts_follow_volatility_within_floor_cap_and_speed(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    vol_feed: Contract<MockAggregator>,
    admin: Address,
    keeper: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    // ETH at 3.5 % daily: 3 * 0.035 * sqrt(1/24) ≈ 2.14 %, initial 1.5x ≈ 3.2 %.
    let expected = target_haircut(u256(35_000_000_000_000_000), &eth_params()).unwrap();
    let (m, i) = engine.sender(keeper).haircut(weth.address()).motsu_unwrap();
    assert_eq!(
        (m, i),
        (expected, initial_haircut(expected, &eth_params()).unwrap())
    );
    assert!(m > u256(21_400_000_000_000_000) && m < u256(21_500_000_000_000_000));
    engine.assert_emitted(&HaircutConfigured {
        asset: weth.address(),
        floor: pct(1),
        cap: pct(50),
        multiplier: WAD,
        effective: expected,
    });
    assert_eq!(
        engine
            .sender(keeper)
            .haircut_config(weth.address())
            .motsu_unwrap(),
        (pct(1), pct(50), WAD, expected, NOW)
    );
    // USDC at 0.1 %: the 0.5 % floor governs.
    assert_eq!(
        engine
            .sender(keeper)
            .haircut(usdc.address())
            .motsu_unwrap()
            .0,
        u256(5_000_000_000_000_000)
    );

    // A volatility spike to 40 % daily moves the target to ≈ 24.5 %, but with
    // no time elapsed (same block) the effective haircut has not moved at all:
    // the speed limit allows 2 pp per hour, so 0 in 0 seconds.
    vol_feed.sender(admin).constructor(8, "ETH vol".into());
    vol_feed
        .sender(admin)
        .set_answer(I256::try_from(40_000_000i64).unwrap(), U256::from(NOW));
    risk.sender(admin)
        .set_volatility_feed(weth.address(), vol_feed.address())
        .motsu_unwrap();
    assert_eq!(
        engine.sender(keeper).haircut(weth.address()).motsu_unwrap(),
        (m, i)
    );
    assert_eq!(
        engine
            .sender(keeper)
            .update_haircut(weth.address())
            .motsu_unwrap(),
        m
    );
    let spiked = target_haircut(pct(40), &eth_params()).unwrap();
    assert_eq!(spiked, u256(244_948_974_278_317_811));
    engine.assert_emitted(&HaircutUpdated {
        asset: weth.address(),
        target: spiked,
        effective: m,
    });

    // Governance raising the floor above the effective haircut applies at once.
    engine
        .sender(admin)
        .set_haircut_config(weth.address(), pct(5), pct(50), WAD)
        .motsu_unwrap();
    assert_eq!(
        engine
            .sender(keeper)
            .haircut(weth.address())
            .motsu_unwrap()
            .0,
        pct(5)
    );
    // A stale volatility feed makes the haircut unknowable: the risk module's error passes through.
    vol_feed.sender(admin).set_answer(
        I256::try_from(40_000_000i64).unwrap(),
        U256::from(NOW - 10_000),
    );
    let err = engine
        .sender(keeper)
        .haircut(weth.address())
        .motsu_unwrap_err();
    assert_eq!(&err[..4], &risk_module::PriceStale::SELECTOR[..]);
    // An asset without haircut configuration.
    let err = engine
        .sender(keeper)
        .haircut(Address::ZERO)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(EngineError::UnknownAsset(UnknownAsset {
            asset: Address::ZERO
        }))
    );
}

#[motsu::test]
fn collateral_value_and_exposures_are_exact(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    clearinghouse: Address,
) {
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    w.fund(&usdc, alice, units(10_000, 6));
    w.fund(&weth, alice, units(4, 18));
    vault
        .sender(alice)
        .deposit(0, usdc.address(), units(10_000, 6))
        .motsu_unwrap();
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(4, 18))
        .motsu_unwrap();
    let id = account::encode(alice, 0);
    let (hm_usdc, hi_usdc) = engine.sender(alice).haircut(usdc.address()).motsu_unwrap();
    let (hm_eth, hi_eth) = engine.sender(alice).haircut(weth.address()).motsu_unwrap();
    // amount * price * (1 - h), rounded down; here every product is exact.
    let value = |usd: u64, h: U256| U256::from(usd) * (WAD - h);
    let (m, i) = engine.sender(alice).collateral_value(id).motsu_unwrap();
    assert_eq!(m, value(10_000, hm_usdc) + value(12_000, hm_eth));
    assert_eq!(i, value(10_000, hi_usdc) + value(12_000, hi_eth));
    assert!(i < m);

    let (assets, amounts, prices, maint, init, ..) =
        engine.sender(alice).exposures(id, vec![]).motsu_unwrap();
    assert_eq!(assets, vec![usdc.address(), weth.address()]);
    assert_eq!(amounts, vec![swad(10_000), swad(4)]);
    assert_eq!(prices, vec![WAD, wad(3000)]);
    assert_eq!(
        (maint, init),
        (vec![hm_usdc, hm_eth], vec![hi_usdc, hi_eth])
    );

    // With the positions' underlyings: a row for each one not held (amount zero), the
    // collateral rows first and counted, with the risk module's settings of every row.
    w.fund(&usdc, alice, units(1_000, 6));
    vault
        .sender(alice)
        .deposit(1, usdc.address(), units(1_000, 6))
        .motsu_unwrap();
    let (assets, amounts, prices, maint, init, buckets, depths, intra, inter, mmf, held, ratio) =
        engine
            .sender(alice)
            .exposures(
                account::encode(alice, 1),
                vec![weth.address(), usdc.address()],
            )
            .motsu_unwrap();
    let (r_prices, r_buckets, r_depths, r_intra, r_inter, r_mmf, _) = risk
        .sender(alice)
        .margin_inputs(vec![usdc.address(), weth.address()])
        .motsu_unwrap();
    assert_eq!(assets, vec![usdc.address(), weth.address()]);
    assert_eq!(amounts, vec![swad(1_000), I256::ZERO]);
    assert_eq!(held, U256::from(1));
    // The initial / maintenance ratio is the engine's (its default, 1.5).
    assert_eq!(ratio, engine.sender(alice).haircut_parameters().1);
    assert_eq!(ratio, U256::from(15u8) * WAD / U256::from(10u8));
    assert_eq!((prices, buckets, depths), (r_prices, r_buckets, r_depths));
    assert_eq!((intra, inter, mmf), (r_intra, r_inter, r_mmf));
    assert_eq!(
        (maint, init),
        (vec![hm_usdc, hm_eth], vec![hi_usdc, hi_eth])
    );
    // An underlying with no haircut configuration is refused.
    let err = engine
        .sender(alice)
        .exposures(id, vec![Address::repeat_byte(0x77)])
        .motsu_unwrap_err();
    // (the risk module refuses it first, with the same error)
    assert_eq!(
        err,
        bytes(EngineError::UnknownAsset(UnknownAsset {
            asset: Address::repeat_byte(0x77)
        }))
    );

    // A quote debt is part of the quote asset's exposure, not of collateral value.
    vault
        .sender(admin)
        .grant_role(collateral_vault::CLEARING_ROLE.into(), clearinghouse)
        .motsu_unwrap();
    vault
        .sender(clearinghouse)
        .apply_quote_delta(id, swad(-2_500))
        .motsu_unwrap();
    assert_eq!(
        engine.sender(alice).exposures(id, vec![]).motsu_unwrap().1,
        vec![swad(7_500), swad(4)]
    );
    assert_eq!(
        engine.sender(alice).collateral_value(id).motsu_unwrap(),
        (m, i)
    );
    // An account holding nothing but debt.
    let bob = account::encode(clearinghouse, 1);
    vault
        .sender(clearinghouse)
        .apply_quote_delta(bob, swad(-1))
        .motsu_unwrap();
    let (assets, amounts, ..) = engine.sender(alice).exposures(bob, vec![]).motsu_unwrap();
    assert_eq!((assets, amounts), (vec![usdc.address()], vec![swad(-1)]));
    // A stale price refuses valuation with the risk module's error.
    eth_feed
        .sender(admin)
        .set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW - 5000));
    let err = engine.sender(alice).collateral_value(id).motsu_unwrap_err();
    assert_eq!(
        err,
        risk_module::PriceStale {
            asset: weth.address(),
            updatedAt: U256::from(NOW - 5000)
        }
        .abi_encode()
    );
}

#[motsu::test]
fn hedged_account_needs_only_the_floor(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
) {
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    w.fund(&weth, alice, units(10, 18));
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(10, 18))
        .motsu_unwrap();
    let id = account::encode(alice, 0);
    // The exposures the vault and engine report, plus a short 10 ETH perp opened at 3000
    // (its cost basis -30,000: no unrealised PnL at the oracle price).
    let (_, _, _, maint, ..) = engine.sender(alice).exposures(id, vec![]).motsu_unwrap();
    let weth_u = vec![weth.address()];
    let (eq, mm, im) = margin
        .sender(alice)
        .health_with(
            id,
            weth_u.clone(),
            vec![swad(-10)],
            vec![swad(-30_000)],
            false,
        )
        .motsu_unwrap();
    // Only the floor: 0.5 % of 30,000 perp notional, and the engine's initial / maintenance
    // ratio (1.5) times it for the initial requirement.
    assert_eq!((mm, im), (wad(150), wad(225)));
    assert_eq!(eq, swad(30_000));
    // The same collateral with a long perp instead doubles the exposure:
    // 20 ETH * 3000 * h, more than eight times the hedged requirement.
    let (_, mm, _) = margin
        .sender(alice)
        .health_with(id, weth_u, vec![swad(10)], vec![swad(30_000)], false)
        .motsu_unwrap();
    assert_eq!(mm, U256::from(60_000) * maint[0]);
    assert!(mm > U256::from(8) * wad(150));
}

#[motsu::test]
fn engine_admin_functions_check_roles_and_bounds(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    admin: Address,
    mallory: Address,
    risk_admin: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    assert_eq!(
        engine.sender(mallory).wiring(),
        (risk.address(), vault.address())
    );
    let denied = |e: Vec<u8>| {
        assert_eq!(
            &e[..4],
            &openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount::SELECTOR[..]
        )
    };
    denied(
        engine
            .sender(mallory)
            .set_haircut_config(weth.address(), pct(1), pct(2), WAD)
            .motsu_unwrap_err(),
    );
    denied(bytes(
        engine
            .sender(mallory)
            .set_haircut_parameters(WAD, pct(150), 3600, pct(2))
            .motsu_unwrap_err(),
    ));
    denied(bytes(
        engine
            .sender(mallory)
            .grant_role(B256::ZERO, mallory)
            .motsu_unwrap_err(),
    ));
    assert_eq!(
        engine
            .sender(mallory)
            .haircut_config(weth.address())
            .motsu_unwrap()
            .0,
        pct(1)
    );
    let oob = |param: u8, value: U256| {
        bytes(EngineError::ParameterOutOfBounds(ParameterOutOfBounds {
            param,
            value,
        }))
    };
    let err = engine
        .sender(admin)
        .set_haircut_config(weth.address(), pct(60), pct(50), WAD)
        .motsu_unwrap_err();
    assert_eq!(err, oob(param::HAIRCUT_BOUNDS, pct(50)));
    let err = engine
        .sender(admin)
        .set_haircut_config(weth.address(), pct(1), pct(101), WAD)
        .motsu_unwrap_err();
    assert_eq!(err, oob(param::HAIRCUT_BOUNDS, pct(101)));
    let err = engine
        .sender(admin)
        .set_haircut_config(weth.address(), pct(1), pct(50), pct(9))
        .motsu_unwrap_err();
    assert_eq!(err, oob(param::VOL_MULTIPLIER, pct(9)));
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(7), pct(150), 3600, pct(2))
        .motsu_unwrap_err();
    assert_eq!(bytes(err), oob(param::K, wad(7)));
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(3), pct(105), 3600, pct(2))
        .motsu_unwrap_err();
    assert_eq!(bytes(err), oob(param::INIT_RATIO, pct(105)));
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(3), pct(150), 60, pct(2))
        .motsu_unwrap_err();
    assert_eq!(bytes(err), oob(param::HORIZON, U256::from(60)));
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(3), pct(150), 3600, pct(21))
        .motsu_unwrap_err();
    assert_eq!(bytes(err), oob(param::SPEED, pct(21)));
    assert_eq!(
        engine.sender(admin).haircut_parameters(),
        (wad(3), pct(150), 3600, pct(2))
    );
    // Each parameter moves at most one step per change: k by 0.5.
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(4), pct(150), 3600, pct(2))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(EngineError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: param::K,
            oldValue: wad(3),
            newValue: wad(4),
        }))
    );
    // A risk admin may lower risk at once (higher k, ratio, horizon) but not
    // raise it (a faster haircut speed); the admin (the timelock) may.
    engine
        .sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    denied(bytes(
        engine
            .sender(risk_admin)
            .set_haircut_parameters(wad(3), pct(150), 3600, pct(4))
            .motsu_unwrap_err(),
    ));
    engine
        .sender(risk_admin)
        .set_haircut_parameters(wad(35) / U256::from(10), pct(175), 7200, pct(2))
        .motsu_unwrap();
    engine.assert_emitted(&HaircutParametersSet {
        k: wad(35) / U256::from(10),
        initRatio: pct(175),
        horizon: 7200,
        maxSpeed: pct(2),
    });
    // One event per changed parameter, with its old and new value.
    for (code, old, new) in [
        (param::K, wad(3), wad(35) / U256::from(10)),
        (param::INIT_RATIO, pct(150), pct(175)),
        (param::HORIZON, U256::from(3600), U256::from(7200)),
    ] {
        engine.assert_emitted(&risk_engine::ParameterSet {
            subject: Address::ZERO,
            param: code,
            oldValue: old,
            newValue: new,
        });
    }
    engine
        .sender(admin)
        .set_haircut_parameters(wad(35) / U256::from(10), pct(175), 7200, pct(4))
        .motsu_unwrap();
    engine.assert_emitted(&risk_engine::ParameterSet {
        subject: Address::ZERO,
        param: param::SPEED,
        oldValue: pct(2),
        newValue: pct(4),
    });
    assert_eq!(
        engine.sender(admin).haircut_parameters(),
        (wad(35) / U256::from(10), pct(175), 7200, pct(4))
    );
    // The same parameter again within a day is too soon, for anyone.
    let err = engine
        .sender(admin)
        .set_haircut_parameters(wad(4), pct(175), 7200, pct(4))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(EngineError::ParameterChangedTooSoon(
            ParameterChangedTooSoon {
                param: param::K,
                nextAllowedAt: NOW + 86_400,
            }
        ))
    );
    // Per asset: raising the floor lowers risk (risk admin, at once);
    // lowering it needs the admin; more than 5 pp at once is refused.
    let err = engine
        .sender(admin)
        .set_haircut_config(weth.address(), pct(7), pct(50), WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(EngineError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: param::FLOOR,
            oldValue: pct(1),
            newValue: pct(7),
        }))
    );
    engine
        .sender(risk_admin)
        .set_haircut_config(weth.address(), pct(2), pct(50), WAD)
        .motsu_unwrap();
    denied(
        engine
            .sender(risk_admin)
            .set_haircut_config(weth.address(), pct(2), pct(45), WAD)
            .motsu_unwrap_err(),
    );
    assert_eq!(
        engine
            .sender(mallory)
            .haircut_config(weth.address())
            .motsu_unwrap()
            .1,
        pct(50)
    );
    // Configuring an asset the risk module does not know fails with its error.
    let err = engine
        .sender(admin)
        .set_haircut_config(Address::ZERO, pct(1), pct(2), WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        risk_module::UnknownAsset {
            asset: Address::ZERO
        }
        .abi_encode()
    );
}
