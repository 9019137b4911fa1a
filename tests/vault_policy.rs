//! The vault's quote money market, its VaultPolicy and the pricing limit on motsu (DESIGN
//! section 15): every new
//! external function's unhappy paths with their exact errors and no state change, the
//! governance rules of the rate parameters, the liquidity limit of withdrawals, and the priced
//! set. Time-dependent behaviour (interest accruing) is tested on the WASM
//! (`wasm_money_market.rs`), since motsu's clock does not move.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::{sol, SolError};
use clearing_core::vault::money_market::RateParam;
use clearing_core::{trading::account, WAD};
use collateral_vault::*;
use common::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use risk_engine::RiskEngine;
use risk_module::RiskModule;
use vault_policy::{PolicyError, VaultPolicy};

sol! { error AccessControlUnauthorizedAccount(address account, bytes32 neededRole); }

fn bytes(e: VaultError) -> Vec<u8> {
    e.into()
}

fn pbytes(e: PolicyError) -> Vec<u8> {
    e.into()
}

/// Deploys the policy on the world's vault, with the vault's clearing role.
fn policy_on(policy: &Contract<VaultPolicy>, vault: &Contract<CollateralVault>, admin: Address) {
    policy.sender(admin).constructor(admin, vault.address());
    vault
        .sender(admin)
        .grant_role(B256::from(CLEARING_ROLE), policy.address())
        .motsu_unwrap();
}

fn unauthorized(account: Address, role: [u8; 32]) -> Vec<u8> {
    AccessControlUnauthorizedAccount {
        account,
        neededRole: B256::from(role),
    }
    .abi_encode()
}

#[motsu::test]
fn the_market_starts_empty_with_the_design_defaults(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    policy: Contract<VaultPolicy>,
    admin: Address,
    alice: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    policy_on(&policy, &vault, admin);
    let m = policy.sender(alice).quote_market().motsu_unwrap();
    let zero = U256::ZERO;
    assert_eq!(m, (zero, zero, zero, zero, zero, WAD, WAD, zero, zero));
    assert_eq!(
        vault.sender(alice).market_state(),
        (zero, zero, WAD, WAD, zero)
    );
    let expect = [
        (RateParam::Optimal, pct(80)),
        (RateParam::Base, zero),
        (RateParam::Slope1, pct(8)),
        (RateParam::Slope2, pct(100)),
        (RateParam::Reserve, pct(10)),
        (RateParam::Hard, pct(95)),
        (RateParam::RepayDiscount, pct(1)),
    ];
    for (p, v) in expect {
        assert_eq!(
            policy.sender(alice).rate_parameter(p as u8).motsu_unwrap(),
            v
        );
    }
    for code in [0u8, 1, 2, 9, 17, 255] {
        assert_eq!(
            pbytes(policy.sender(alice).rate_parameter(code).motsu_unwrap_err()),
            pbytes(PolicyError::UnknownParameter(
                vault_policy::UnknownParameter { param: code }
            ))
        );
    }
    // A deposit of quote is supply; without time passing an accrual changes nothing.
    w_fund_and_deposit(&vault, &usdc, alice, 1_000);
    let m = policy.sender(alice).quote_market().motsu_unwrap();
    assert_eq!(
        (m.0, m.1, m.2, m.8),
        (wad(1_000), zero, zero, units(1_000, 6))
    );
    assert_eq!(policy.sender(alice).accrue().motsu_unwrap(), (WAD, WAD));
}

fn w_fund_and_deposit(
    vault: &Contract<CollateralVault>,
    usdc: &Contract<MockErc20>,
    who: Address,
    whole: u64,
) {
    usdc.sender(who).mint(who, units(whole, 6)).motsu_unwrap();
    usdc.sender(who)
        .approve(vault.address(), units(whole, 6))
        .motsu_unwrap();
    vault
        .sender(who)
        .deposit(0, usdc.address(), units(whole, 6))
        .motsu_unwrap();
}

#[motsu::test]
fn rate_parameters_follow_their_governance_rules(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    policy: Contract<VaultPolicy>,
    admin: Address,
    risk_admin: Address,
    stranger: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    policy_on(&policy, &vault, admin);
    policy
        .sender(admin)
        .grant_role(B256::from(vault_policy::RISK_ADMIN_ROLE), risk_admin)
        .motsu_unwrap();
    let slope2 = RateParam::Slope2 as u8;
    let set = |who: Address, code: u8, v: U256| policy.sender(who).set_rate_parameter(code, v);
    // A stranger holds neither role.
    assert_eq!(
        set(stranger, slope2, pct(110)).motsu_unwrap_err(),
        unauthorized(stranger, vault_policy::RISK_ADMIN_ROLE)
    );
    // Unknown code, out of bounds, step too large: each its own error, nothing changes.
    assert_eq!(
        set(admin, 3, pct(1)).motsu_unwrap_err(),
        pbytes(PolicyError::UnknownParameter(
            vault_policy::UnknownParameter { param: 3 }
        ))
    );
    assert_eq!(
        set(admin, slope2, pct(501)).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterOutOfBounds(
            vault_policy::ParameterOutOfBounds {
                param: slope2,
                value: pct(501),
            }
        ))
    );
    assert_eq!(
        set(admin, slope2, pct(151)).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterStepTooLarge(
            vault_policy::ParameterStepTooLarge {
                param: slope2,
                oldValue: pct(100),
                newValue: pct(151),
            }
        ))
    );
    // The risk admin may steepen the curve (lowers risk) but not flatten it.
    assert_eq!(
        set(risk_admin, slope2, pct(90)).motsu_unwrap_err(),
        unauthorized(risk_admin, vault_policy::ADMIN_ROLE)
    );
    assert_eq!(
        policy.sender(admin).rate_parameter(slope2).motsu_unwrap(),
        pct(100)
    );
    set(risk_admin, slope2, pct(150)).motsu_unwrap();
    policy.assert_emitted(&vault_policy::RateParameterSet {
        param: slope2,
        oldValue: pct(100),
        newValue: pct(150),
    });
    assert_eq!(
        policy.sender(admin).rate_parameter(slope2).motsu_unwrap(),
        pct(150)
    );
    // Again within a day: too soon, even for the admin.
    assert_eq!(
        set(admin, slope2, pct(140)).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterChangedTooSoon(
            vault_policy::ParameterChangedTooSoon {
                param: slope2,
                nextAllowedAt: NOW + 86_400,
            }
        ))
    );
    // A higher optimal utilisation raises risk: the admin's (the timelock's) only.
    let opt = RateParam::Optimal as u8;
    assert_eq!(
        set(risk_admin, opt, pct(85)).motsu_unwrap_err(),
        unauthorized(risk_admin, vault_policy::ADMIN_ROLE)
    );
    set(admin, opt, pct(85)).motsu_unwrap();
    assert_eq!(
        policy.sender(admin).rate_parameter(opt).motsu_unwrap(),
        pct(85)
    );
}

#[motsu::test]
fn reserve_and_restoration_bounds_refuse_bad_callers_and_states(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    policy: Contract<VaultPolicy>,
    admin: Address,
    alice: Address,
    clearinghouse: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    policy_on(&policy, &vault, admin);
    let a = account::encode(alice, 0);
    let fund = account::encode(admin, 9);
    // No reserve account yet.
    assert_eq!(
        policy.sender(alice).collect_reserve().motsu_unwrap_err(),
        pbytes(PolicyError::ReserveAccountUnset(
            vault_policy::ReserveAccountUnset {}
        ))
    );
    // Only the admin sets it.
    assert_eq!(
        pbytes(
            policy
                .sender(alice)
                .set_reserve_account(a)
                .motsu_unwrap_err()
        ),
        unauthorized(alice, vault_policy::ADMIN_ROLE)
    );
    assert_eq!(policy.sender(alice).reserve_account(), B256::ZERO);
    policy
        .sender(admin)
        .set_reserve_account(fund)
        .motsu_unwrap();
    policy.assert_emitted(&vault_policy::ReserveAccountSet {
        oldAccount: B256::ZERO,
        newAccount: fund,
    });
    // Nothing accrued: nothing collected, no balance moves.
    assert_eq!(
        policy.sender(alice).collect_reserve().motsu_unwrap(),
        U256::ZERO
    );
    assert_eq!(vault.sender(alice).quote_balance(fund).unwrap(), I256::ZERO);

    // The vault's books and credits are the clearing contracts' (and the policy's) to move.
    assert_eq!(
        bytes(
            vault
                .sender(alice)
                .set_books(WAD, WAD, WAD, WAD)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::NotClearinghouse(NotClearinghouse {
            caller: alice
        }))
    );
    assert_eq!(
        bytes(
            vault
                .sender(alice)
                .credit_from(alice, a, U256::from(1))
                .motsu_unwrap_err()
        ),
        bytes(VaultError::NotClearinghouse(NotClearinghouse {
            caller: alice
        }))
    );
    vault
        .sender(admin)
        .grant_role(B256::from(CLEARING_ROLE), clearinghouse)
        .motsu_unwrap();
    assert_eq!(
        bytes(
            vault
                .sender(clearinghouse)
                .credit_from(alice, a, U256::ZERO)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::ZeroAmount(ZeroAmount {}))
    );
    // An empty market is not stressed.
    assert_eq!(
        policy
            .sender(alice)
            .check_restoration(a, U256::from(1))
            .motsu_unwrap_err(),
        pbytes(PolicyError::LiquidityNotStressed(
            vault_policy::LiquidityNotStressed {
                utilisation: U256::ZERO,
                hard: pct(95),
            }
        ))
    );
    // A debt of 990 against a supply of 1,000: stressed (99 %); the cap is 990 - 950 = 40.
    w_fund_and_deposit(&vault, &usdc, alice, 1_000);
    let bob = account::encode(clearinghouse, 1);
    vault
        .sender(clearinghouse)
        .apply_quote_delta(bob, -swad(990))
        .motsu_unwrap();
    assert_eq!(
        policy
            .sender(alice)
            .check_restoration(bob, units(41, 6))
            .motsu_unwrap_err(),
        pbytes(PolicyError::RepayTooLarge(vault_policy::RepayTooLarge {
            amount: units(41, 6),
            max: units(40, 6),
        }))
    );
    // An account without debt cannot be repaid at all.
    assert_eq!(
        policy
            .sender(alice)
            .check_restoration(a, U256::from(1))
            .motsu_unwrap_err(),
        pbytes(PolicyError::RepayTooLarge(vault_policy::RepayTooLarge {
            amount: U256::from(1),
            max: U256::ZERO,
        }))
    );
    assert_eq!(
        policy
            .sender(alice)
            .check_restoration(bob, units(40, 6))
            .motsu_unwrap(),
        pct(1)
    );
    // The payer has no tokens approved: the pull fails, nothing moves.
    assert_eq!(
        bytes(
            vault
                .sender(clearinghouse)
                .credit_from(alice, bob, units(40, 6))
                .motsu_unwrap_err()
        ),
        bytes(VaultError::TransferFailed(TransferFailed {
            asset: usdc.address()
        }))
    );
    assert_eq!(vault.sender(alice).quote_balance(bob).unwrap(), -swad(990));
    usdc.sender(alice).mint(alice, units(40, 6)).motsu_unwrap();
    usdc.sender(alice)
        .approve(vault.address(), units(40, 6))
        .motsu_unwrap();
    vault
        .sender(clearinghouse)
        .credit_from(alice, bob, units(40, 6))
        .motsu_unwrap();
    vault.assert_emitted(&Deposited {
        account: bob,
        asset: usdc.address(),
        from: alice,
        amount: units(40, 6),
        received: units(40, 6),
    });
    assert_eq!(vault.sender(alice).quote_balance(bob).unwrap(), -swad(950));
    let m = policy.sender(alice).quote_market().motsu_unwrap();
    assert_eq!(
        (m.0, m.1, m.2, m.8),
        (wad(1_000), wad(950), pct(95), units(1_040, 6))
    );
}

#[motsu::test]
fn the_guardian_disables_deposits_and_only_the_admin_reenables_them(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    policy: Contract<VaultPolicy>,
    admin: Address,
    guardian: Address,
    alice: Address,
) {
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    policy_on(&policy, &vault, admin);
    let id = account::encode(alice, 0);
    w.fund(&weth, alice, units(10, 18));
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(1, 18))
        .motsu_unwrap();
    policy
        .sender(admin)
        .grant_role(vault_policy::GUARDIAN_ROLE.into(), guardian)
        .motsu_unwrap();
    // Neither a stranger nor the admin without the role may use the switch.
    for who in [alice, admin] {
        assert_eq!(
            policy
                .sender(who)
                .disable_deposits(weth.address())
                .motsu_unwrap_err(),
            unauthorized(who, vault_policy::GUARDIAN_ROLE)
        );
    }
    // Nor may anyone reach the vault's switch directly.
    assert_eq!(
        bytes(
            vault
                .sender(admin)
                .configure_asset(weth.address(), U256::ZERO, false, true)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::NotClearinghouse(NotClearinghouse {
            caller: admin
        }))
    );
    assert_eq!(
        policy
            .sender(guardian)
            .disable_deposits(Address::ZERO)
            .motsu_unwrap_err(),
        bytes(VaultError::UnknownAsset(UnknownAsset {
            asset: Address::ZERO
        }))
    );
    policy
        .sender(guardian)
        .disable_deposits(weth.address())
        .motsu_unwrap();
    vault.assert_emitted(&AssetConfigured {
        asset: weth.address(),
        listed: false,
        decimals: 18,
        depositCap: units(1_000_000, 18),
        depositEnabled: false,
        collateralEnabled: true,
    });
    let err = vault
        .sender(alice)
        .deposit(0, weth.address(), units(1, 18))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::DepositsDisabled(DepositsDisabled {
            asset: weth.address()
        }))
    );
    // The balance stays and counts; the guardian cannot re-enable deposits.
    assert_eq!(
        vault.sender(alice).balance_of(id, weth.address()),
        units(1, 18)
    );
    assert_eq!(
        policy
            .sender(guardian)
            .configure_asset(weth.address(), units(1_000_000, 18), true, true)
            .motsu_unwrap_err(),
        unauthorized(guardian, vault_policy::RISK_ADMIN_ROLE)
    );
    policy
        .sender(admin)
        .configure_asset(weth.address(), units(1_000_000, 18), true, true)
        .motsu_unwrap();
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(1, 18))
        .motsu_unwrap();
}

#[motsu::test]
fn deposit_caps_and_flags_follow_their_governance_rules(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    policy: Contract<VaultPolicy>,
    admin: Address,
    risk_admin: Address,
    guardian: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    policy_on(&policy, &vault, admin);
    policy
        .sender(admin)
        .grant_role(vault_policy::RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    policy
        .sender(admin)
        .grant_role(vault_policy::GUARDIAN_ROLE.into(), guardian)
        .motsu_unwrap();
    let weth = weth.address();
    let config = || vault.sender(admin).asset_config(weth).motsu_unwrap();
    let cap = units(1_000_000, 18);
    assert_eq!(config().1, cap);
    let configure = |who: Address, cap: U256, deposits: bool, collateral: bool| {
        policy
            .sender(who)
            .configure_asset(weth, cap, deposits, collateral)
    };
    let code = vault_policy::DEPOSIT_CAP;
    // The guardian holds neither role here.
    assert_eq!(
        configure(guardian, cap / U256::from(2), true, true).motsu_unwrap_err(),
        unauthorized(guardian, vault_policy::RISK_ADMIN_ROLE)
    );
    // Above 2^128, and more than doubling, are refused to anyone.
    let huge = clearing_core::MAX_DEPOSIT_CAP + U256::from(1);
    assert_eq!(
        configure(admin, huge, true, true).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterOutOfBounds(
            vault_policy::ParameterOutOfBounds {
                param: code,
                value: huge,
            }
        ))
    );
    assert_eq!(
        configure(admin, cap * U256::from(2) + U256::from(1), true, true).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterStepTooLarge(
            vault_policy::ParameterStepTooLarge {
                param: code,
                oldValue: cap,
                newValue: cap * U256::from(2) + U256::from(1),
            }
        ))
    );
    // The risk admin may not raise the cap, enable deposits or flip the collateral flag
    // (either way): nothing changes.
    assert_eq!(
        configure(risk_admin, cap * U256::from(2), true, true).motsu_unwrap_err(),
        unauthorized(risk_admin, vault_policy::ADMIN_ROLE)
    );
    assert_eq!(
        configure(risk_admin, cap, true, false).motsu_unwrap_err(),
        unauthorized(risk_admin, vault_policy::ADMIN_ROLE)
    );
    assert_eq!(config(), (18, cap, U256::ZERO, true, true));
    // It lowers the cap and disables deposits at once.
    configure(risk_admin, cap / U256::from(4), false, true).motsu_unwrap();
    policy.assert_emitted(&vault_policy::DepositCapSet {
        asset: weth,
        oldCap: cap,
        newCap: cap / U256::from(4),
    });
    vault.assert_emitted(&AssetConfigured {
        asset: weth,
        listed: false,
        decimals: 18,
        depositCap: cap / U256::from(4),
        depositEnabled: false,
        collateralEnabled: true,
    });
    // Re-enabling deposits is the admin's; the cap is not changed again the same day.
    assert_eq!(
        configure(risk_admin, cap / U256::from(4), true, true).motsu_unwrap_err(),
        unauthorized(risk_admin, vault_policy::ADMIN_ROLE)
    );
    assert_eq!(
        configure(admin, cap / U256::from(2), true, true).motsu_unwrap_err(),
        pbytes(PolicyError::ParameterChangedTooSoon(
            vault_policy::ParameterChangedTooSoon {
                param: code,
                nextAllowedAt: NOW + 86_400,
            }
        ))
    );
    configure(admin, cap / U256::from(4), true, true).motsu_unwrap();
    assert_eq!(config(), (18, cap / U256::from(4), U256::ZERO, true, true));
}

#[motsu::test]
fn withdrawals_of_quote_stop_at_the_vaults_cash(
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
    bob: Address,
    clearinghouse: Address,
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    vault
        .sender(admin)
        .grant_role(B256::from(CLEARING_ROLE), clearinghouse)
        .motsu_unwrap();
    w_fund_and_deposit(&vault, &usdc, alice, 100);
    let (a, b) = (account::encode(alice, 0), account::encode(bob, 0));
    // Bob won 150 from a debtor: his claim is 150, the cash is 100.
    vault
        .sender(clearinghouse)
        .apply_quote_delta(b, swad(150))
        .motsu_unwrap();
    vault
        .sender(clearinghouse)
        .apply_quote_delta(account::encode(admin, 5), -swad(150))
        .motsu_unwrap();
    let err = vault
        .sender(clearinghouse)
        .release(b, usdc.address(), units(150, 6), bob)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::InsufficientLiquidity(InsufficientLiquidity {
            asset: usdc.address(),
            available: units(100, 6),
            amount: units(150, 6),
        }))
    );
    assert_eq!(vault.sender(bob).quote_balance(b).unwrap(), swad(150));
    assert_eq!(usdc.sender(bob).balance_of(bob), U256::ZERO);
    // Up to the cash, it goes out.
    vault
        .sender(clearinghouse)
        .release(b, usdc.address(), units(100, 6), bob)
        .motsu_unwrap();
    assert_eq!(usdc.sender(bob).balance_of(bob), units(100, 6));
    assert_eq!(vault.sender(bob).quote_balance(b).unwrap(), swad(50));
    // Alice's own tokens are now beyond the cash too: the same error, naming zero.
    assert_eq!(
        bytes(
            vault
                .sender(clearinghouse)
                .release(a, usdc.address(), units(1, 6), alice)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::InsufficientLiquidity(InsufficientLiquidity {
            asset: usdc.address(),
            available: U256::ZERO,
            amount: units(1, 6),
        }))
    );
    assert_eq!(
        vault.sender(alice).balance_of(a, usdc.address()),
        units(100, 6)
    );
}

#[motsu::test]
fn the_priced_set_keeps_the_pricing_limit(
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
    let a = account::encode(alice, 0);
    let underlying = |i: u8| Address::repeat_byte(0xA0 + i);
    assert_eq!(
        bytes(
            vault
                .sender(alice)
                .register_underlying(a, underlying(0), true)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::NotClearinghouse(NotClearinghouse {
            caller: alice
        }))
    );
    vault
        .sender(admin)
        .grant_role(B256::from(CLEARING_ROLE), clearinghouse)
        .motsu_unwrap();
    // WETH held plus six underlyings: with the quote asset (always counted) the set is full.
    w.fund(&weth, alice, units(1, 18));
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(1, 18))
        .motsu_unwrap();
    for i in 0..6 {
        vault
            .sender(clearinghouse)
            .register_underlying(a, underlying(i), true)
            .motsu_unwrap();
    }
    assert_eq!(vault.sender(alice).account_assets(a).len(), 7);
    // An eighth entry besides the quote asset: refused, nothing recorded.
    assert_eq!(
        bytes(
            vault
                .sender(clearinghouse)
                .register_underlying(a, underlying(6), true)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::TooManyAssets(TooManyAssets { account: a }))
    );
    w.fund(&usdc, alice, units(1, 6));
    // The quote asset itself always has its place.
    vault
        .sender(alice)
        .deposit(0, usdc.address(), units(1, 6))
        .motsu_unwrap();
    assert_eq!(vault.sender(alice).account_assets(a).len(), 8);
    // A second position on a registered underlying takes no new entry; closing one of the two
    // keeps the entry, closing both frees it for a newcomer.
    vault
        .sender(clearinghouse)
        .register_underlying(a, underlying(0), true)
        .motsu_unwrap();
    vault
        .sender(clearinghouse)
        .register_underlying(a, underlying(0), false)
        .motsu_unwrap();
    assert_eq!(
        bytes(
            vault
                .sender(clearinghouse)
                .register_underlying(a, underlying(6), true)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::TooManyAssets(TooManyAssets { account: a }))
    );
    vault
        .sender(clearinghouse)
        .register_underlying(a, underlying(0), false)
        .motsu_unwrap();
    vault
        .sender(clearinghouse)
        .register_underlying(a, underlying(6), true)
        .motsu_unwrap();
    let set = vault.sender(alice).account_assets(a);
    assert_eq!(set.len(), 8);
    assert!(set.contains(&underlying(6)) && !set.contains(&underlying(0)));
}
