//! The quote asset's money market and the pricing limit (DESIGN section 15) on the deployable
//! WASM: a flat depositor's withdrawal is limited by the vault's cash and told what is
//! available (defect 1 of issue 13: it used to fail with `TransferFailed`), liquidity
//! restoration above `U_hard`, interest accruing per second into equity and netting to zero
//! with the reserve, and no account able to make itself unpriceable with dust (defect 4: it used
//! to make `health` revert with `TooManyUnderlyings`). Needs `scripts/build-wasm` first.
use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::vault::money_market::{self as mm, MarketState, RateParams};
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader, ETH_PERP};
use stylus_runtime::CallError;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// Whole USDC in token units (6 decimals).
fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

/// `x` tenths of a cent of USDC in token units.
fn usdc_milli(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000u64)
}

fn system() -> System {
    System::deploy().unwrap_or_else(|e| panic!("{e}"))
}

fn revert(e: CallError) -> Vec<u8> {
    match e {
        CallError::Revert(data) => data.to_vec(),
        other => panic!("expected a revert, got {other:?}"),
    }
}

/// Winner, loser and depositor: the loser's WETH-backed debt pays the winner's withdrawn
/// profit, so the vault's USDC cash falls below what the flat depositor deposited.
struct Book {
    s: System,
    depositor: Trader,
    loser: Trader,
}

/// `depositor` deposits `deposit` USDC; the winner (1,000 USDC) buys 2 ETH from the loser
/// (2 WETH of collateral) at 3,000, the price moves to 3,500, they close there, and the winner
/// withdraws everything: its 1,000 and its 995.3 of profit net of fees.
fn winner_withdraws_profit(deposit: u64) -> Book {
    let mut s = system();
    let (winner, loser, depositor) = (
        Trader::from_seed("winner"),
        Trader::from_seed("loser"),
        Trader::from_seed("depositor"),
    );
    let (usdc_token, weth) = (s.usdc, s.weth);
    s.deposit(&depositor, 0, usdc_token, usdc(deposit)).unwrap();
    s.deposit(&winner, 0, usdc_token, usdc(1_000)).unwrap();
    s.deposit(&loser, 0, weth, wad(2)).unwrap();
    // Interest runs from the last accrual: a keeper accrues before the book opens.
    s.accrue().unwrap();
    s.trade((&winner, 0), (&loser, 0), swad(2), wad(3000), 1)
        .unwrap();
    s.set_eth_price(3500).unwrap();
    s.trade((&loser, 0), (&winner, 0), swad(2), wad(3500), 2)
        .unwrap();
    // Winner: +1,000 - 1.2 maker fee - 3.5 taker fee; loser: -1,000 - 3 - 1.4.
    assert_eq!(
        s.quote_balance(winner.account(0)).unwrap(),
        swad(995) + swad(3) / I256::try_from(10).unwrap()
    );
    assert_eq!(
        s.quote_balance(loser.account(0)).unwrap(),
        -(swad(1004) + swad(4) / I256::try_from(10).unwrap())
    );
    s.withdraw(&winner, 0, usdc_token, usdc(1_995) + usdc_milli(300))
        .unwrap();
    Book {
        s,
        depositor,
        loser,
    }
}

#[test]
fn a_flat_depositor_gets_the_liquidity_error_naming_what_is_available() {
    let Book {
        mut s, depositor, ..
    } = winner_withdraws_profit(1_000);
    let (usdc_token, d) = (s.usdc, depositor.account(0));
    // 2,000 came in, 1,995.3 went out: 4.7 USDC of cash for a 1,000 USDC claim.
    let err = revert(
        s.withdraw(&depositor, 0, usdc_token, usdc(1_000))
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Vault::InsufficientLiquidity {
            asset: usdc_token,
            available: usdc_milli(4_700),
            amount: usdc(1_000),
        }
        .abi_encode()
    );
    // Nothing moved.
    assert_eq!(s.vault_balance(d, usdc_token).unwrap(), usdc(1_000));
    assert_eq!(s.quote_market().unwrap()[8], usdc_milli(4_700));
    // What is there can be withdrawn.
    s.withdraw(&depositor, 0, usdc_token, usdc_milli(4_700))
        .unwrap();
    assert_eq!(
        s.vault_balance(d, usdc_token).unwrap(),
        usdc(1_000) - usdc_milli(4_700)
    );
    assert_eq!(s.quote_market().unwrap()[8], U256::ZERO);
}

#[test]
fn a_flat_depositor_withdraws_in_full_whenever_the_cash_exists() {
    let Book {
        mut s, depositor, ..
    } = winner_withdraws_profit(10_000);
    let usdc_token = s.usdc;
    // 11,000 came in, 1,995.3 went out: 9,004.7 of cash for the 10,000 claim.
    let err = revert(
        s.withdraw(&depositor, 0, usdc_token, usdc(10_000))
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Vault::InsufficientLiquidity {
            asset: usdc_token,
            available: usdc(9_004) + usdc_milli(700),
            amount: usdc(10_000),
        }
        .abi_encode()
    );
    // Somebody deposits more quote: the cash exists again, and the depositor takes all of it.
    let newcomer = Trader::from_seed("newcomer");
    s.deposit(&newcomer, 0, usdc_token, usdc(5_000)).unwrap();
    s.withdraw(&depositor, 0, usdc_token, usdc(10_000)).unwrap();
    assert_eq!(
        s.vault_balance(depositor.account(0), usdc_token).unwrap(),
        U256::ZERO
    );
}

#[test]
fn liquidity_is_restored_above_u_hard_up_to_the_cap_and_never_beyond() {
    let Book {
        mut s,
        depositor,
        loser,
    } = winner_withdraws_profit(1_000);
    let (usdc_token, weth, l) = (s.usdc, s.weth, loser.account(0));
    // Supply: the depositor's 1,000 and 9.1 of fees (insurance and treasury); borrow: the
    // loser's 1,004.4. Utilisation 99.53 %, above U_hard (95 %).
    let m = s.quote_market().unwrap();
    assert_eq!(m[0], wad(1_009) + wad(1) / U256::from(10u8));
    assert_eq!(m[1], wad(1_004) + wad(4) / U256::from(10u8));
    assert!(m[2] > wad(95) / U256::from(100u8));
    let provider = Trader::from_seed("provider");
    // The cap: 1,004.4 - 95 % of 1,009.1 = 45.755.
    let cap = usdc(45) + usdc_milli(755);
    let err = revert(
        s.restore_liquidity(&provider, 0, l, weth, usdc(50))
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Policy::RepayTooLarge {
            amount: usdc(50),
            max: cap,
        }
        .abi_encode()
    );
    // A zero repayment, and an owner restoring its own account, are refused.
    let err = revert(
        s.restore_liquidity(&provider, 0, l, weth, U256::ZERO)
            .unwrap_err(),
    );
    assert_eq!(err, Backstop::ZeroAmount {}.abi_encode());
    let err = revert(s.restore_liquidity(&loser, 1, l, weth, cap).unwrap_err());
    assert_eq!(err, Backstop::SelfLiquidation { account: l }.abi_encode());
    // The quote asset is not collateral to take.
    let err = revert(
        s.restore_liquidity(&provider, 0, l, usdc_token, cap)
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Backstop::NoCollateral {
            account: l,
            asset: usdc_token
        }
        .abi_encode()
    );
    let (eq0, mm0, _) = s.health(l).unwrap();
    let got = s.restore_liquidity(&provider, 0, l, weth, cap).unwrap();
    // 45.755 / (3,500 * 0.99), rounded down.
    let expected = mm::repay_collateral(
        wad(45) + wad(755) / U256::from(1000u16),
        wad(3500),
        WAD / U256::from(100u8),
    )
    .unwrap();
    assert_eq!(got, expected);
    assert_eq!(
        s.vault_balance(provider.account(0), weth).unwrap(),
        expected
    );
    assert_eq!(s.vault_balance(l, weth).unwrap(), wad(2) - expected);
    assert_eq!(
        s.quote_balance(l).unwrap(),
        -(swad(1004) + swad(4) / I256::try_from(10).unwrap())
            + I256::from_raw(wad(45) + wad(755) / U256::from(1000u16))
    );
    // The loser's health did not fall; utilisation is back at U_hard; cash came in.
    let (eq1, mm1, _) = s.health(l).unwrap();
    assert!(eq1 - I256::from_raw(mm1) >= eq0 - I256::from_raw(mm0));
    let m2 = s.quote_market().unwrap();
    assert_eq!(m2[2], wad(95) / U256::from(100u8));
    assert_eq!(m2[8], usdc_milli(4_700) + cap);
    // At U_hard restoration is closed.
    let err = revert(
        s.restore_liquidity(&provider, 0, l, weth, usdc(1))
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Policy::LiquidityNotStressed {
            utilisation: wad(95) / U256::from(100u8),
            hard: wad(95) / U256::from(100u8),
        }
        .abi_encode()
    );
    // The depositor can take the cash that came in.
    s.withdraw(&depositor, 0, usdc_token, usdc_milli(4_700) + cap)
        .unwrap();
}

#[test]
fn interest_accrues_into_equity_and_nets_to_zero_with_the_reserve() {
    let Book {
        mut s,
        depositor,
        loser,
    } = winner_withdraws_profit(1_000);
    let (l, d) = (loser.account(0), depositor.account(0));
    let (ins, tre) = (s.insurance, s.treasury);
    let before = s.quote_market().unwrap();
    let (eq_l0, _, _) = s.health(l).unwrap();
    let (eq_d0, _, _) = s.health(d).unwrap();
    let t0 = s.rt.block().timestamp;
    s.advance(86_400).unwrap();
    // Nothing moves in the books until someone accrues (a keeper's duty; rate changes and
    // reserve collections do it too).
    assert_eq!(s.health(l).unwrap().0, eq_l0);
    s.accrue().unwrap();
    // The core, fed the same state and parameters, says what a day of interest is (the
    // deployment accrued last at its own time, with no borrows since: no interest before t0).
    let state = MarketState {
        supply: before[0],
        borrow: before[1],
        supply_index: before[5],
        borrow_index: before[6],
        reserve: before[7],
        last: t0,
    };
    let after = mm::accrue(state, &RateParams::default(), t0 + 86_400).unwrap();
    let m = s.quote_market().unwrap();
    assert_eq!(
        (m[0], m[1], m[5], m[6], m[7]),
        (
            after.supply,
            after.borrow,
            after.supply_index,
            after.borrow_index,
            after.reserve
        )
    );
    assert!(after.borrow > before[1]);
    // The borrower owes more and the depositor has more, in health already.
    let owed = mm::settle(
        -(swad(1004) + swad(4) / I256::try_from(10).unwrap()),
        WAD,
        &after,
    )
    .unwrap();
    let interest_l = owed + (swad(1004) + swad(4) / I256::try_from(10).unwrap());
    assert!(interest_l.is_negative());
    let (eq_l1, _, _) = s.health(l).unwrap();
    // The loser's WETH is marked at the same price: only interest moved its equity.
    assert_eq!(eq_l1 - eq_l0, interest_l);
    let (eq_d1, _, _) = s.health(d).unwrap();
    assert!(eq_d1 > eq_d0);
    // Zero-sum with the reserve, rounding in the protocol's favour: what every account's net
    // quote position and the reserve add up to never exceeds the cash.
    let mut books = I256::ZERO;
    for acct in [l, d, ins, tre] {
        let q = s.quote_balance(acct).unwrap();
        let held = s.vault_balance(acct, s.usdc).unwrap() * U256::from(1_000_000_000_000u64);
        books += q + I256::from_raw(held);
    }
    books += I256::from_raw(m[7]);
    let cash = I256::from_raw(m[8] * U256::from(1_000_000_000_000u64));
    assert!(books <= cash, "books {books} above cash {cash}");
    assert!(cash - books < I256::try_from(1_000u64).unwrap());
    // The reserve goes to the insurance fund's sub-account.
    let (admin, policy) = (s.admin, s.policy);
    let ins_before = s.quote_balance(ins).unwrap();
    let r =
        s.rt.call(admin, policy, &Policy::collectReserveCall {}, U256::ZERO)
            .unwrap();
    assert_eq!(r._0, m[7]);
    assert_eq!(
        s.quote_balance(ins).unwrap(),
        ins_before + I256::from_raw(m[7])
    );
    assert_eq!(s.quote_market().unwrap()[7], U256::ZERO);
}

/// Lists `n` more collateral tokens through governance.
fn extra_tokens(s: &mut System, n: usize) -> Vec<Address> {
    (0..n)
        .map(|i| s.list_token(&format!("T{i}"), 10).unwrap())
        .collect()
}

fn account_assets(s: &mut System, account: B256) -> Vec<Address> {
    let (admin, vault) = (s.admin, s.vault);
    s.rt.view(admin, vault, &Vault::accountAssetsCall { account })
        .unwrap()
        ._0
}

#[test]
fn dust_of_seven_assets_cannot_make_an_account_unpriceable() {
    let mut s = system();
    let tokens = extra_tokens(&mut s, 7);
    let (alice, bob) = (Trader::from_seed("alice"), Trader::from_seed("bob"));
    let (usdc_token, weth) = (s.usdc, s.weth);
    let a = alice.account(0);
    s.deposit(&alice, 0, usdc_token, usdc(10_000)).unwrap();
    s.deposit(&bob, 0, usdc_token, usdc(10_000)).unwrap();
    // A long ETH position: USDC and ETH are priced.
    s.trade((&alice, 0), (&bob, 0), swad(1), wad(3000), 1)
        .unwrap();
    // Six dust deposits fill the priced set to the margin function's 8 entries.
    for t in &tokens[..6] {
        s.deposit(&alice, 0, *t, U256::from(1u8)).unwrap();
    }
    assert_eq!(account_assets(&mut s, a).len(), 8);
    // The seventh would make the account unpriceable (and so unliquidatable): refused with the
    // vault's named error, nothing credited.
    let err = revert_sim(s.deposit(&alice, 0, tokens[6], U256::from(1u8)));
    assert_eq!(err, Vault::TooManyAssets { account: a }.abi_encode());
    assert_eq!(s.vault_balance(a, tokens[6]).unwrap(), U256::ZERO);
    // The account stays priced, so it stays liquidatable.
    let (eq, mm, _) = s.health(a).unwrap();
    assert!(eq > I256::from_raw(mm));
    // Once a dust balance is gone its entry makes room for another asset.
    s.withdraw(&alice, 0, tokens[0], U256::from(1u8)).unwrap();
    s.deposit(&alice, 0, tokens[6], U256::from(1u8)).unwrap();
    let set = account_assets(&mut s, a);
    assert_eq!(set.len(), 8);
    assert!(set.contains(&tokens[6]) && !set.contains(&tokens[0]));
    // The open position's underlying holds its entry while the position is open...
    let err = revert_sim(s.deposit(&alice, 0, tokens[0], U256::from(1u8)));
    assert_eq!(err, Vault::TooManyAssets { account: a }.abi_encode());
    // ...and a new market on a full set is refused at the fill: with the position closed,
    // the ETH entry is free again, and a ninth underlying cannot enter through a fill either.
    s.trade((&bob, 0), (&alice, 0), swad(1), wad(3000), 2)
        .unwrap();
    assert_eq!(s.position(a, ETH_PERP).unwrap().0, I256::ZERO);
    s.deposit(&alice, 0, tokens[0], U256::from(1u8)).unwrap();
    assert!(!account_assets(&mut s, a).contains(&weth));
    let err = revert(
        s.trade((&alice, 0), (&bob, 0), swad(1), wad(3000), 3)
            .unwrap_err(),
    );
    assert_eq!(err, Vault::TooManyAssets { account: a }.abi_encode());
    assert_eq!(s.position(a, ETH_PERP).unwrap().0, I256::ZERO);
    s.health(a).unwrap();
}

/// The revert data of a failed sim step.
fn revert_sim(r: Result<(), clearing_sim::SimError>) -> Vec<u8> {
    match r {
        Err(clearing_sim::SimError::Call(_, CallError::Revert(data))) => data.to_vec(),
        other => panic!("expected a revert, got {other:?}"),
    }
}
