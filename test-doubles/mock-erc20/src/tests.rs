//! motsu tests of the mock token.

use super::*;
use alloy_primitives::{uint, LogData};
use alloy_sol_types::{SolError, SolEvent};
use motsu::prelude::*;

const ONE_USDC: U256 = uint!(1_000_000_U256);

/// Deploys `token` with the given decimals and fee; returns nothing, panics in
/// the test when the constructor fails.
fn deploy(token: &Contract<MockErc20>, deployer: Address, decimals: u8, fee_bps: u16) {
    token
        .sender(deployer)
        .constructor("Mock USD Coin".into(), "mUSDC".into(), decimals, fee_bps)
        .motsu_unwrap();
}

fn transfer_log(from: Address, to: Address, value: U256) -> LogData {
    Transfer { from, to, value }.encode_log_data()
}

fn fee_log(previous: u16, new: u16) -> LogData {
    TransferFeeUpdated {
        previousBps: previous,
        newBps: new,
    }
    .encode_log_data()
}

#[motsu::test]
fn constructor_sets_metadata_and_decimals(
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    alice: Address,
) {
    deploy(&usdc, alice, 6, 0);
    weth.sender(alice)
        .constructor("Wrapped Ether".into(), "WETH".into(), 18, 0)
        .motsu_unwrap();

    assert_eq!(usdc.sender(alice).name(), "Mock USD Coin");
    assert_eq!(usdc.sender(alice).symbol(), "mUSDC");
    assert_eq!(usdc.sender(alice).decimals(), 6);
    assert_eq!(usdc.sender(alice).transfer_fee_bps(), 0);
    assert_eq!(usdc.sender(alice).total_supply(), U256::ZERO);

    assert_eq!(weth.sender(alice).name(), "Wrapped Ether");
    assert_eq!(weth.sender(alice).symbol(), "WETH");
    assert_eq!(weth.sender(alice).decimals(), 18);
    assert_eq!(weth.all_events(), vec![fee_log(0, 0)]);
}

#[motsu::test]
fn mint_credits_and_emits_transfer_from_zero(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
) {
    deploy(&token, alice, 6, 0);
    token
        .sender(bob)
        .mint(alice, ONE_USDC * U256::from(5))
        .motsu_unwrap();

    assert_eq!(token.sender(alice).balance_of(alice), uint!(5_000_000_U256));
    assert_eq!(token.sender(alice).total_supply(), uint!(5_000_000_U256));
    assert_eq!(
        token.all_events(),
        vec![
            fee_log(0, 0),
            transfer_log(Address::ZERO, alice, uint!(5_000_000_U256))
        ]
    );
}

#[motsu::test]
fn mint_rejects_zero_receiver_and_supply_overflow(token: Contract<MockErc20>, alice: Address) {
    deploy(&token, alice, 18, 0);
    let err = token
        .sender(alice)
        .mint(Address::ZERO, ONE_USDC)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InvalidReceiver(ERC20InvalidReceiver { receiver }) if receiver == Address::ZERO
    ));

    token
        .sender(alice)
        .mint(alice, U256::MAX - U256::from(1))
        .motsu_unwrap();
    let err = token
        .sender(alice)
        .mint(alice, U256::from(2))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::TotalSupplyOverflow(TotalSupplyOverflow { totalSupply, amount })
            if totalSupply == U256::MAX - U256::from(1) && amount == U256::from(2)
    ));
    assert_eq!(
        token.sender(alice).total_supply(),
        U256::MAX - U256::from(1)
    );
    // Reaching exactly the maximum is allowed.
    token
        .sender(alice)
        .mint(alice, U256::from(1))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(alice), U256::MAX);
}

#[motsu::test]
fn burn_destroys_tokens(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    token
        .sender(bob)
        .burn(alice, U256::from(400))
        .motsu_unwrap();

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(600));
    assert_eq!(token.sender(alice).total_supply(), U256::from(600));
    token.assert_emitted(&Transfer {
        from: alice,
        to: Address::ZERO,
        value: U256::from(400),
    });

    let err = token
        .sender(bob)
        .burn(alice, U256::from(601))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InsufficientBalance(ERC20InsufficientBalance { sender, balance, needed })
            if sender == alice && balance == U256::from(600) && needed == U256::from(601)
    ));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(600));
}

#[motsu::test]
fn transfer_moves_exact_amount(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    assert!(token
        .sender(alice)
        .transfer(bob, U256::from(300))
        .motsu_unwrap());

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(700));
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(300));
    assert_eq!(token.sender(alice).total_supply(), U256::from(1_000));
    assert_eq!(
        token.all_events(),
        vec![
            fee_log(0, 0),
            transfer_log(Address::ZERO, alice, U256::from(1_000)),
            transfer_log(alice, bob, U256::from(300)),
        ]
    );
}

#[motsu::test]
fn approve_and_transfer_from(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
    carol: Address,
) {
    deploy(&token, alice, 18, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    assert!(token
        .sender(alice)
        .approve(bob, U256::from(500))
        .motsu_unwrap());
    token.assert_emitted(&Approval {
        owner: alice,
        spender: bob,
        value: U256::from(500),
    });
    assert_eq!(token.sender(carol).allowance(alice, bob), U256::from(500));

    assert!(token
        .sender(bob)
        .transfer_from(alice, carol, U256::from(200))
        .motsu_unwrap());

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(800));
    assert_eq!(token.sender(alice).balance_of(carol), U256::from(200));
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
    assert_eq!(token.sender(alice).allowance(alice, bob), U256::from(300));
    assert_eq!(
        token.all_events(),
        vec![
            fee_log(0, 0),
            transfer_log(Address::ZERO, alice, U256::from(1_000)),
            Approval {
                owner: alice,
                spender: bob,
                value: U256::from(500),
            }
            .encode_log_data(),
            transfer_log(alice, carol, U256::from(200)),
        ]
    );
}

#[motsu::test]
fn infinite_allowance_is_not_spent(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 18, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    token.sender(alice).approve(bob, U256::MAX).motsu_unwrap();
    token
        .sender(bob)
        .transfer_from(alice, bob, U256::from(1_000))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).allowance(alice, bob), U256::MAX);
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(1_000));
}

#[motsu::test]
fn transfer_insufficient_balance_reverts_with_oz_error(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(100))
        .motsu_unwrap();
    let events_before = token.all_events();

    let err = token
        .sender(alice)
        .transfer(bob, U256::from(101))
        .motsu_unwrap_err();
    let expected = ERC20InsufficientBalance {
        sender: alice,
        balance: U256::from(100),
        needed: U256::from(101),
    };
    // The revert data is byte-for-byte OpenZeppelin's ERC-6093 error.
    assert_eq!(Vec::<u8>::from(err), expected.abi_encode());

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(100));
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
    assert_eq!(token.sender(alice).total_supply(), U256::from(100));
    assert_eq!(token.all_events(), events_before);
}

#[motsu::test]
fn transfer_from_insufficient_allowance_reverts_with_oz_error(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    token
        .sender(alice)
        .approve(bob, U256::from(99))
        .motsu_unwrap();

    let err = token
        .sender(bob)
        .transfer_from(alice, bob, U256::from(100))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InsufficientAllowance(ERC20InsufficientAllowance { spender, allowance, needed })
            if spender == bob && allowance == U256::from(99) && needed == U256::from(100)
    ));
    let bytes = Vec::<u8>::from(err);
    assert_eq!(&bytes[..4], ERC20InsufficientAllowance::SELECTOR.as_slice());

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(1_000));
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
    assert_eq!(token.sender(alice).allowance(alice, bob), U256::from(99));
}

#[motsu::test]
fn transfer_from_insufficient_balance_keeps_allowance(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(50))
        .motsu_unwrap();
    token
        .sender(alice)
        .approve(bob, U256::from(100))
        .motsu_unwrap();

    let err = token
        .sender(bob)
        .transfer_from(alice, bob, U256::from(60))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InsufficientBalance(ERC20InsufficientBalance { sender, balance, needed })
            if sender == alice && balance == U256::from(50) && needed == U256::from(60)
    ));
    // The allowance spent before the balance check is rolled back.
    assert_eq!(token.sender(alice).allowance(alice, bob), U256::from(100));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(50));
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
}

#[motsu::test]
fn zero_addresses_are_rejected(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(10))
        .motsu_unwrap();

    let err = token
        .sender(alice)
        .transfer(Address::ZERO, U256::from(1))
        .motsu_unwrap_err();
    assert!(matches!(err, MockErc20Error::InvalidReceiver(_)));
    let err = token
        .sender(alice)
        .approve(Address::ZERO, U256::from(1))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InvalidSpender(ERC20InvalidSpender { spender }) if spender == Address::ZERO
    ));
    token
        .sender(alice)
        .approve(bob, U256::from(5))
        .motsu_unwrap();
    let err = token
        .sender(bob)
        .transfer_from(alice, Address::ZERO, U256::from(1))
        .motsu_unwrap_err();
    assert!(matches!(err, MockErc20Error::InvalidReceiver(_)));
    assert_eq!(token.sender(alice).allowance(alice, bob), U256::from(5));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(10));
}

#[motsu::test]
fn fee_on_transfer_burns_fee(token: Contract<MockErc20>, alice: Address, bob: Address) {
    // 2.5 % fee.
    deploy(&token, alice, 6, 250);
    assert_eq!(token.sender(alice).transfer_fee_bps(), 250);
    token
        .sender(alice)
        .mint(alice, U256::from(10_000))
        .motsu_unwrap();

    assert!(token
        .sender(alice)
        .transfer(bob, U256::from(1_000))
        .motsu_unwrap());

    assert_eq!(token.sender(alice).balance_of(alice), U256::from(9_000));
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(975));
    assert_eq!(token.sender(alice).total_supply(), U256::from(9_975));
    assert_eq!(
        token.all_events(),
        vec![
            fee_log(0, 250),
            transfer_log(Address::ZERO, alice, U256::from(10_000)),
            transfer_log(alice, bob, U256::from(975)),
            transfer_log(alice, Address::ZERO, U256::from(25)),
        ]
    );
}

#[motsu::test]
fn fee_on_transfer_from_spends_full_allowance(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
    vault: Address,
) {
    // 1 % fee on a 6-decimals token.
    deploy(&token, alice, 6, 100);
    token
        .sender(alice)
        .mint(alice, ONE_USDC * U256::from(100))
        .motsu_unwrap();
    token
        .sender(alice)
        .approve(vault, ONE_USDC * U256::from(60))
        .motsu_unwrap();

    token
        .sender(vault)
        .transfer_from(alice, bob, ONE_USDC * U256::from(50))
        .motsu_unwrap();

    assert_eq!(
        token.sender(alice).balance_of(alice),
        ONE_USDC * U256::from(50)
    );
    assert_eq!(token.sender(alice).balance_of(bob), uint!(49_500_000_U256));
    assert_eq!(
        token.sender(alice).allowance(alice, vault),
        ONE_USDC * U256::from(10)
    );
    assert_eq!(token.sender(alice).total_supply(), uint!(99_500_000_U256));
    let events = token.all_events();
    assert_eq!(
        events[events.len() - 2..],
        [
            transfer_log(alice, bob, uint!(49_500_000_U256)),
            transfer_log(alice, Address::ZERO, uint!(500_000_U256)),
        ]
    );
}

#[motsu::test]
fn fee_rounds_down(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 18, 250);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();

    // 39 * 250 / 10_000 = 0.975 -> 0: no fee, a single Transfer event.
    token
        .sender(alice)
        .transfer(bob, U256::from(39))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(39));
    assert_eq!(
        token.all_events().last(),
        Some(&transfer_log(alice, bob, U256::from(39)))
    );
    assert!(!token.emitted(&Transfer {
        from: alice,
        to: Address::ZERO,
        value: U256::ZERO,
    }));

    // 41 * 250 / 10_000 = 1.025 -> 1.
    token
        .sender(alice)
        .transfer(bob, U256::from(41))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(79));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(920));
    assert_eq!(token.sender(alice).total_supply(), U256::from(999));
}

#[motsu::test]
fn full_fee_burns_everything(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 18, MAX_TRANSFER_FEE_BPS);
    token
        .sender(alice)
        .mint(alice, U256::from(500))
        .motsu_unwrap();
    token
        .sender(alice)
        .transfer(bob, U256::from(500))
        .motsu_unwrap();

    assert_eq!(token.sender(alice).balance_of(alice), U256::ZERO);
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
    assert_eq!(token.sender(alice).total_supply(), U256::ZERO);
    let events = token.all_events();
    assert_eq!(
        events[events.len() - 2..],
        [
            transfer_log(alice, bob, U256::ZERO),
            transfer_log(alice, Address::ZERO, U256::from(500)),
        ]
    );
}

#[motsu::test]
fn fee_insufficient_balance_checks_full_amount(
    token: Contract<MockErc20>,
    alice: Address,
    bob: Address,
) {
    deploy(&token, alice, 6, 500);
    token
        .sender(alice)
        .mint(alice, U256::from(1_000))
        .motsu_unwrap();
    let err = token
        .sender(alice)
        .transfer(bob, U256::from(1_001))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::InsufficientBalance(ERC20InsufficientBalance { sender, balance, needed })
            if sender == alice && balance == U256::from(1_000) && needed == U256::from(1_001)
    ));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(1_000));
    assert_eq!(token.sender(alice).total_supply(), U256::from(1_000));
}

#[motsu::test]
fn fee_can_be_switched_on_and_off(token: Contract<MockErc20>, alice: Address, bob: Address) {
    deploy(&token, alice, 6, 0);
    token
        .sender(alice)
        .mint(alice, U256::from(20_000))
        .motsu_unwrap();
    token
        .sender(alice)
        .transfer(bob, U256::from(10_000))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(10_000));

    token.sender(bob).set_transfer_fee(30).motsu_unwrap();
    token.assert_emitted(&TransferFeeUpdated {
        previousBps: 0,
        newBps: 30,
    });
    assert_eq!(token.sender(alice).transfer_fee_bps(), 30);
    token
        .sender(alice)
        .transfer(bob, U256::from(10_000))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(19_970));
    assert_eq!(token.sender(alice).total_supply(), U256::from(19_970));

    token.sender(bob).set_transfer_fee(0).motsu_unwrap();
    token.assert_emitted(&TransferFeeUpdated {
        previousBps: 30,
        newBps: 0,
    });
    token
        .sender(bob)
        .transfer(alice, U256::from(19_970))
        .motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(19_970));
}

#[motsu::test]
fn fee_above_max_is_rejected(
    token: Contract<MockErc20>,
    other: Contract<MockErc20>,
    alice: Address,
) {
    let err = other
        .sender(alice)
        .constructor("Bad".into(), "BAD".into(), 18, 10_001)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        MockErc20Error::TransferFeeTooHigh(TransferFeeTooHigh {
            bps: 10_001,
            maxBps: 10_000
        })
    ));

    deploy(&token, alice, 18, 100);
    let err = token
        .sender(alice)
        .set_transfer_fee(u16::MAX)
        .motsu_unwrap_err();
    assert_eq!(
        Vec::<u8>::from(err),
        TransferFeeTooHigh {
            bps: u16::MAX,
            maxBps: 10_000,
        }
        .abi_encode()
    );
    assert_eq!(token.sender(alice).transfer_fee_bps(), 100);
    assert_eq!(token.all_events(), vec![fee_log(0, 100)]);
}

#[motsu::test]
fn supports_erc20_interfaces(token: Contract<MockErc20>, alice: Address) {
    let t = token.sender(alice);
    assert!(t.supports_interface(B32::from(0x3637_2b07_u32)));
    assert!(t.supports_interface(B32::from(0xa219_a025_u32)));
    assert!(t.supports_interface(B32::from(0x01ff_c9a7_u32)));
    assert!(!t.supports_interface(B32::from(0xffff_ffff_u32)));
}

#[test]
fn transfer_fee_is_floor_and_never_overflows() {
    assert_eq!(transfer_fee(U256::from(1_000), 250), U256::from(25));
    assert_eq!(transfer_fee(U256::from(39), 250), U256::ZERO);
    assert_eq!(transfer_fee(U256::from(41), 250), U256::from(1));
    assert_eq!(transfer_fee(U256::from(9_999), 1), U256::ZERO);
    assert_eq!(transfer_fee(U256::from(10_000), 1), U256::from(1));
    assert_eq!(transfer_fee(U256::from(123), 0), U256::ZERO);
    assert_eq!(transfer_fee(U256::MAX, 10_000), U256::MAX);
    assert_eq!(transfer_fee(U256::MAX, 1), U256::MAX / U256::from(10_000));
    assert_eq!(transfer_fee(U256::MAX, 5_000), U256::MAX / U256::from(2));
}
