//! CollateralVault custody with the real RiskModule, RiskEngine and
//! MarginEngine around it, mock tokens and mock feeds.
#![allow(clippy::too_many_arguments)]
mod common;

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::{sol, SolError};
use clearing_core::{trading::account, WAD};
use collateral_vault::*;
use common::*;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

sol! { error AccessControlUnauthorizedAccount(address account, bytes32 neededRole); }

fn bytes(e: VaultError) -> Vec<u8> {
    e.into()
}

#[motsu::test]
fn deposits_in_6_and_18_decimal_tokens_are_credited_exactly(
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
    w.fund(&usdc, alice, units(10_000, 6));
    w.fund(&weth, alice, units(10, 18));
    let id = account::encode(alice, 3);
    assert_eq!(
        vault
            .sender(alice)
            .deposit(3, usdc.address(), units(10_000, 6))
            .motsu_unwrap(),
        units(10_000, 6)
    );
    assert_eq!(
        vault
            .sender(alice)
            .deposit(3, weth.address(), units(4, 18))
            .motsu_unwrap(),
        units(4, 18)
    );
    vault.assert_emitted(&Deposited {
        account: id,
        asset: usdc.address(),
        from: alice,
        amount: units(10_000, 6),
        received: units(10_000, 6),
    });
    vault.assert_emitted(&Deposited {
        account: id,
        asset: weth.address(),
        from: alice,
        amount: units(4, 18),
        received: units(4, 18),
    });
    assert_eq!(
        vault.sender(alice).balance_of(id, usdc.address()),
        units(10_000, 6)
    );
    assert_eq!(
        vault.sender(alice).balance_of(id, weth.address()),
        units(4, 18)
    );
    assert_eq!(
        vault
            .sender(alice)
            .balance_of(account::encode(alice, 0), weth.address()),
        U256::ZERO
    );
    assert_eq!(
        usdc.sender(alice).balance_of(vault.address()),
        units(10_000, 6)
    );
    assert_eq!(weth.sender(alice).balance_of(alice), units(6, 18));
    assert_eq!(
        vault.sender(alice).account_assets(id),
        vec![usdc.address(), weth.address()]
    );
    assert_eq!(
        vault
            .sender(alice)
            .asset_config(weth.address())
            .motsu_unwrap(),
        (18, units(1_000_000, 18), units(4, 18), true, true)
    );
    // Holdings in WAD base units, whatever the token's decimals.
    let (assets, amounts, quote_asset, quote) = vault.sender(alice).holdings(id).motsu_unwrap();
    assert_eq!(assets, vec![usdc.address(), weth.address()]);
    assert_eq!(amounts, vec![swad(10_000), swad(4)]);
    assert_eq!((quote_asset, quote), (usdc.address(), I256::ZERO));
}

#[motsu::test]
fn fee_on_transfer_tokens_credit_what_arrived(
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
    weth.sender(admin).set_transfer_fee(250).motsu_unwrap(); // 2.5 %
    w.fund(&weth, alice, units(10, 18));
    let id = account::encode(alice, 0);
    let received = vault
        .sender(alice)
        .deposit(0, weth.address(), units(10, 18))
        .motsu_unwrap();
    assert_eq!(received, units(975, 16));
    assert_eq!(
        vault.sender(alice).balance_of(id, weth.address()),
        units(975, 16)
    );
    assert_eq!(
        weth.sender(alice).balance_of(vault.address()),
        units(975, 16)
    );
    assert_eq!(
        vault
            .sender(alice)
            .asset_config(weth.address())
            .motsu_unwrap()
            .2,
        units(975, 16)
    );
    vault.assert_emitted(&Deposited {
        account: id,
        asset: weth.address(),
        from: alice,
        amount: units(10, 18),
        received: units(975, 16),
    });
}

#[motsu::test]
fn deposit_unhappy_paths_leave_no_state(
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
    let id = account::encode(alice, 0);
    w.fund(&weth, alice, units(10, 18));
    assert_eq!(
        bytes(
            vault
                .sender(alice)
                .deposit(0, weth.address(), U256::ZERO)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::ZeroAmount(ZeroAmount {}))
    );
    let err = vault
        .sender(alice)
        .deposit(0, Address::ZERO, U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::UnknownAsset(UnknownAsset {
            asset: Address::ZERO
        }))
    );
    // Cap lowered to 11 WETH, as the VaultPolicy would (its rules: tests/vault_policy.rs).
    vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), admin)
        .motsu_unwrap();
    vault
        .sender(admin)
        .configure_asset(weth.address(), units(11, 18), true, true)
        .motsu_unwrap();
    vault.assert_emitted(&AssetConfigured {
        asset: weth.address(),
        listed: false,
        decimals: 18,
        depositCap: units(11, 18),
        depositEnabled: true,
        collateralEnabled: true,
    });
    let err = vault
        .sender(alice)
        .deposit(0, weth.address(), units(12, 18))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::DepositCapExceeded(DepositCapExceeded {
            asset: weth.address(),
            cap: units(11, 18),
            wouldBe: units(12, 18)
        }))
    );
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(5, 18))
        .motsu_unwrap();
    let err = vault
        .sender(alice)
        .deposit(0, weth.address(), units(6, 18) + U256::from(1))
        .motsu_unwrap_err();
    assert!(
        matches!(err, VaultError::DepositCapExceeded(e) if e.wouldBe == units(11, 18) + U256::from(1))
    );
    // Disabled deposits.
    vault
        .sender(admin)
        .configure_asset(weth.address(), units(11, 18), false, true)
        .motsu_unwrap();
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
    vault
        .sender(admin)
        .configure_asset(weth.address(), units(11, 18), true, true)
        .motsu_unwrap();
    // Failed transfer: more than the allowance.
    let err = vault
        .sender(alice)
        .deposit(0, weth.address(), units(6, 18))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::TransferFailed(TransferFailed {
            asset: weth.address()
        }))
    );
    // Nothing of the failed attempts stuck.
    assert_eq!(
        vault.sender(alice).balance_of(id, weth.address()),
        units(5, 18)
    );
    assert_eq!(weth.sender(alice).balance_of(vault.address()), units(5, 18));
    assert_eq!(
        vault
            .sender(alice)
            .asset_config(weth.address())
            .motsu_unwrap()
            .2,
        units(5, 18)
    );
    // Extreme amount: U256::MAX overflows nothing, it just exceeds the cap.
    let err = vault
        .sender(alice)
        .deposit(0, weth.address(), U256::MAX)
        .motsu_unwrap_err();
    assert!(matches!(err, VaultError::DepositCapExceeded(e) if e.wouldBe == U256::MAX));
    // An asset switched off as collateral stays in custody but leaves the holdings view.
    vault
        .sender(admin)
        .configure_asset(weth.address(), units(11, 18), true, false)
        .motsu_unwrap();
    assert_eq!(
        vault.sender(alice).holdings(id).motsu_unwrap().0,
        Vec::<Address>::new()
    );
    assert_eq!(
        vault.sender(alice).balance_of(id, weth.address()),
        units(5, 18)
    );
}

#[motsu::test]
fn at_most_eight_collateral_assets_per_subaccount(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    engine: Contract<RiskEngine>,
    margin: Contract<MarginEngine>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    usdc_feed: Contract<MockAggregator>,
    eth_feed: Contract<MockAggregator>,
    t3: Contract<MockErc20>,
    t4: Contract<MockErc20>,
    t5: Contract<MockErc20>,
    t6: Contract<MockErc20>,
    t7: Contract<MockErc20>,
    t8: Contract<MockErc20>,
    t9: Contract<MockErc20>,
    admin: Address,
    alice: Address,
) {
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    let extra = [&t3, &t4, &t5, &t6, &t7, &t8, &t9];
    for t in extra {
        t.sender(admin)
            .constructor("T".into(), "T".into(), 18, 0)
            .motsu_unwrap();
        vault
            .sender(admin)
            .list_asset(t.address(), 18, units(1000, 18), true, true)
            .motsu_unwrap();
    }
    let all: Vec<&Contract<MockErc20>> = [&usdc, &weth].into_iter().chain(extra).collect();
    for t in &all {
        let decimals = t.sender(alice).decimals();
        w.fund(t, alice, units(1, decimals));
    }
    for t in &all[..8] {
        let decimals = t.sender(alice).decimals();
        vault
            .sender(alice)
            .deposit(1, t.address(), units(1, decimals))
            .motsu_unwrap();
    }
    let id = account::encode(alice, 1);
    let err = vault
        .sender(alice)
        .deposit(1, t9.address(), units(1, 18))
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::TooManyAssets(TooManyAssets { account: id }))
    );
    assert_eq!(t9.sender(alice).balance_of(alice), units(1, 18));
    assert_eq!(vault.sender(alice).account_assets(id).len(), 8);
    // Another sub-account of the same owner has its own limit.
    vault
        .sender(alice)
        .deposit(2, t9.address(), units(1, 18))
        .motsu_unwrap();
    assert_eq!(vault.sender(alice).listed_assets().len(), 9);
}

#[motsu::test]
fn only_the_clearinghouse_moves_balances(
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
    let w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    w.fund(&weth, alice, units(10, 18));
    vault
        .sender(alice)
        .deposit(0, weth.address(), units(10, 18))
        .motsu_unwrap();
    let a = account::encode(alice, 0);
    let b = account::encode(bob, 0);
    let not_ch = |caller: Address| bytes(VaultError::NotClearinghouse(NotClearinghouse { caller }));
    let one = U256::from(1);

    // Before the role is granted, nobody (not even the admin) may move balances.
    assert_eq!(
        bytes(
            vault
                .sender(admin)
                .release(a, weth.address(), one, admin)
                .motsu_unwrap_err()
        ),
        not_ch(admin)
    );
    // Granting the clearing role is admin-only.
    let role = B256::from(CLEARING_ROLE);
    assert!(matches!(
        vault
            .sender(alice)
            .grant_role(role, alice)
            .motsu_unwrap_err(),
        VaultError::UnauthorizedAccount(_)
    ));
    assert!(!vault.sender(admin).has_role(role, alice));
    vault
        .sender(admin)
        .grant_role(role, clearinghouse)
        .motsu_unwrap();
    assert!(vault.sender(admin).has_role(role, clearinghouse));
    assert_eq!(vault.sender(admin).quote_asset(), usdc.address());

    // Strangers, the owner and the admin are all refused, with no state change.
    for caller in [alice, bob, admin] {
        assert_eq!(
            bytes(
                vault
                    .sender(caller)
                    .release(a, weth.address(), one, caller)
                    .motsu_unwrap_err()
            ),
            not_ch(caller)
        );
        assert_eq!(
            bytes(
                vault
                    .sender(caller)
                    .transfer_balance(a, b, weth.address(), one)
                    .motsu_unwrap_err()
            ),
            not_ch(caller)
        );
        assert_eq!(
            bytes(
                vault
                    .sender(caller)
                    .apply_quote_delta(a, I256::ONE)
                    .motsu_unwrap_err()
            ),
            not_ch(caller)
        );
    }
    assert_eq!(
        vault.sender(alice).balance_of(a, weth.address()),
        units(10, 18)
    );
    assert_eq!(vault.sender(alice).quote_balance(a).unwrap(), I256::ZERO);

    // The clearinghouse moves balances.
    vault
        .sender(clearinghouse)
        .transfer_balance(a, b, weth.address(), units(3, 18))
        .motsu_unwrap();
    vault.assert_emitted(&BalanceTransferred {
        from: a,
        to: b,
        asset: weth.address(),
        amount: units(3, 18),
    });
    assert_eq!(
        vault.sender(alice).balance_of(a, weth.address()),
        units(7, 18)
    );
    assert_eq!(
        vault.sender(alice).balance_of(b, weth.address()),
        units(3, 18)
    );
    vault
        .sender(clearinghouse)
        .release(b, weth.address(), units(1, 18), bob)
        .motsu_unwrap();
    vault.assert_emitted(&Released {
        account: b,
        asset: weth.address(),
        recipient: bob,
        amount: units(1, 18),
    });
    assert_eq!(weth.sender(bob).balance_of(bob), units(1, 18));
    assert_eq!(weth.sender(bob).balance_of(vault.address()), units(9, 18));
    assert_eq!(
        vault
            .sender(alice)
            .asset_config(weth.address())
            .motsu_unwrap()
            .2,
        units(9, 18)
    );
    // Over-release, over-transfer, zero and unknown.
    let err = vault
        .sender(clearinghouse)
        .release(b, weth.address(), units(3, 18), bob)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::InsufficientBalance(InsufficientBalance {
            account: b,
            asset: weth.address(),
            balance: units(2, 18),
            amount: units(3, 18)
        }))
    );
    assert!(matches!(
        vault
            .sender(clearinghouse)
            .transfer_balance(a, b, weth.address(), units(8, 18))
            .motsu_unwrap_err(),
        VaultError::InsufficientBalance(_)
    ));
    assert!(matches!(
        vault
            .sender(clearinghouse)
            .release(b, weth.address(), U256::ZERO, bob)
            .motsu_unwrap_err(),
        VaultError::ZeroAmount(_)
    ));
    assert!(matches!(
        vault
            .sender(clearinghouse)
            .transfer_balance(a, b, weth.address(), U256::ZERO)
            .motsu_unwrap_err(),
        VaultError::ZeroAmount(_)
    ));
    assert!(matches!(
        vault
            .sender(clearinghouse)
            .release(b, Address::ZERO, one, bob)
            .motsu_unwrap_err(),
        VaultError::UnknownAsset(_)
    ));
    assert_eq!(
        vault.sender(alice).balance_of(b, weth.address()),
        units(2, 18)
    );
    assert_eq!(weth.sender(bob).balance_of(bob), units(1, 18));

    // Signed quote balance: debt allowed, overflow refused without change.
    let debt = swad(-500);
    assert_eq!(
        vault
            .sender(clearinghouse)
            .apply_quote_delta(a, debt)
            .motsu_unwrap(),
        debt
    );
    vault.assert_emitted(&QuoteBalanceChanged {
        account: a,
        delta: debt,
        balance: debt,
    });
    assert_eq!(vault.sender(alice).quote_balance(a).unwrap(), debt);
    assert!(matches!(
        vault
            .sender(clearinghouse)
            .apply_quote_delta(a, I256::MIN)
            .motsu_unwrap_err(),
        VaultError::MathError(_)
    ));
    assert_eq!(vault.sender(alice).quote_balance(a).unwrap(), debt);
    assert_eq!(vault.sender(alice).holdings(a).motsu_unwrap().3, debt);
}

#[motsu::test]
fn admin_functions_reject_strangers(
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
) {
    let _w = world!(risk, vault, engine, margin, usdc, weth, usdc_feed, eth_feed, admin);
    let denied = |e: VaultError| {
        let b = bytes(e);
        assert_eq!(&b[..4], &AccessControlUnauthorizedAccount::SELECTOR[..]);
    };
    denied(
        vault
            .sender(mallory)
            .list_asset(Address::ZERO, 18, U256::ZERO, true, true)
            .motsu_unwrap_err(),
    );
    // The switch is the VaultPolicy's (which holds the clearing role).
    assert_eq!(
        bytes(
            vault
                .sender(mallory)
                .configure_asset(weth.address(), U256::ZERO, false, false)
                .motsu_unwrap_err()
        ),
        bytes(VaultError::NotClearinghouse(NotClearinghouse {
            caller: mallory
        }))
    );
    denied(
        vault
            .sender(mallory)
            .grant_role(B256::ZERO, mallory)
            .motsu_unwrap_err(),
    );
    denied(
        vault
            .sender(mallory)
            .revoke_role(B256::ZERO, admin)
            .motsu_unwrap_err(),
    );
    assert!(vault.sender(mallory).has_role(B256::ZERO, admin));
    assert!(!vault.sender(mallory).has_role(B256::ZERO, mallory));
    assert_eq!(
        vault
            .sender(mallory)
            .asset_config(weth.address())
            .motsu_unwrap(),
        (18, units(1_000_000, 18), U256::ZERO, true, true)
    );
    // Bad listings from the admin.
    let err = vault
        .sender(admin)
        .list_asset(weth.address(), 18, U256::ZERO, true, true)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::AssetAlreadyListed(AssetAlreadyListed {
            asset: weth.address()
        }))
    );
    let err = vault
        .sender(admin)
        .list_asset(Address::repeat_byte(9), 37, U256::ZERO, true, true)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::ParameterOutOfBounds(ParameterOutOfBounds {
            param: param::DECIMALS,
            value: U256::from(37)
        }))
    );
    let _ = WAD;
}

#[motsu::test]
fn listing_checks_the_token_decimals(
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    dai: Contract<MockErc20>,
    admin: Address,
) {
    vault.sender(admin).constructor(admin, usdc.address());
    dai.sender(admin)
        .constructor("Dai".into(), "DAI".into(), 18, 0)
        .motsu_unwrap();
    let err = vault
        .sender(admin)
        .list_asset(dai.address(), 6, U256::ZERO, true, true)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(VaultError::DecimalsMismatch(DecimalsMismatch {
            asset: dai.address(),
            configured: 6,
            token: 18
        }))
    );
    assert!(matches!(
        vault
            .sender(admin)
            .asset_config(dai.address())
            .motsu_unwrap_err(),
        VaultError::UnknownAsset(_)
    ));
    vault
        .sender(admin)
        .list_asset(dai.address(), 18, U256::from(7), false, true)
        .motsu_unwrap();
    vault.assert_emitted(&AssetConfigured {
        asset: dai.address(),
        listed: true,
        decimals: 18,
        depositCap: U256::from(7),
        depositEnabled: false,
        collateralEnabled: true,
    });
}
