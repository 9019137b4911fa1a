//! CollateralVault with the real RiskModule, mock tokens and mock feeds.
#![allow(clippy::inconsistent_digit_grouping)]
use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::{account, u256, WAD};
use collateral_vault::*;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use risk_module::RiskModule;

const NOW: u64 = 1_735_689_600;
const E8: i64 = 100_000_000;

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

fn units(x: u64, decimals: u8) -> U256 {
    U256::from(x) * U256::from(10).pow(U256::from(decimals))
}

fn bytes(e: VaultError) -> Vec<u8> {
    e.into()
}

/// Deploys the risk module and the vault with USDC (6 decimals, quote) and
/// WETH (18 decimals) listed: USDC at 1.00, ETH at 3000, 8-decimal feeds.
/// Volatilities seed at 0.1 % (USDC) and 3.5 % (ETH). Haircut floors 0.5 %
/// (USDC) and 1 % (ETH), caps 20 % and 50 %, caps on deposits 10^12 units.
struct World<'a> {
    risk: &'a Contract<RiskModule>,
    vault: &'a Contract<CollateralVault>,
    usdc: &'a Contract<MockErc20>,
    weth: &'a Contract<MockErc20>,
    eth_feed: &'a Contract<MockAggregator>,
    admin: Address,
}

impl World<'_> {
    fn setup(&self, usdc_feed: &Contract<MockAggregator>) {
        let admin = self.admin;
        self.risk.sender(admin).constructor(admin);
        self.vault.sender(admin).constructor(admin, self.risk.address(), self.usdc.address());
        self.usdc.sender(admin).constructor("USD Coin".into(), "USDC".into(), 6, 0).motsu_unwrap();
        self.weth.sender(admin).constructor("Wrapped Ether".into(), "WETH".into(), 18, 0).motsu_unwrap();
        usdc_feed.sender(admin).constructor(8, "USDC / USD".into());
        usdc_feed.sender(admin).set_answer(I256::try_from(E8).unwrap(), U256::from(NOW));
        self.eth_feed.sender(admin).constructor(8, "ETH / USD".into());
        self.eth_feed.sender(admin).set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW));
        self.risk
            .sender(admin)
            .list_asset(self.usdc.address(), usdc_feed.address(), 86_400, pct(50), pct(200), 2, U256::ZERO, u256(1_000_000_000_000_000))
            .motsu_unwrap();
        self.risk
            .sender(admin)
            .list_asset(self.weth.address(), self.eth_feed.address(), 3600, U256::from(100) * WAD, U256::from(100_000) * WAD, 0, U256::ZERO, u256(35_000_000_000_000_000))
            .motsu_unwrap();
        self.vault
            .sender(admin)
            .list_asset(self.usdc.address(), 6, units(1_000_000, 6), u256(5_000_000_000_000_000), pct(20), WAD, true, true)
            .motsu_unwrap();
        self.vault
            .sender(admin)
            .list_asset(self.weth.address(), 18, units(1_000_000, 18), pct(1), pct(50), WAD, true, true)
            .motsu_unwrap();
    }

    fn fund(&self, token: &Contract<MockErc20>, who: Address, amount: U256) {
        token.sender(who).mint(who, amount).motsu_unwrap();
        token.sender(who).approve(self.vault.address(), amount).motsu_unwrap();
    }
}

macro_rules! world {
    ($risk:ident, $vault:ident, $usdc:ident, $weth:ident, $eth_feed:ident, $usdc_feed:ident, $admin:ident) => {{
        let w = World { risk: &$risk, vault: &$vault, usdc: &$usdc, weth: &$weth, eth_feed: &$eth_feed, admin: $admin };
        w.setup(&$usdc_feed);
        w
    }};
}

#[motsu::test]
fn deposits_in_6_and_18_decimal_tokens_are_credited_exactly(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
) {
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    w.fund(&usdc, alice, units(10_000, 6));
    w.fund(&weth, alice, units(10, 18));
    let id = account::encode(alice, 3);
    assert_eq!(vault.sender(alice).deposit(3, usdc.address(), units(10_000, 6)).motsu_unwrap(), units(10_000, 6));
    assert_eq!(vault.sender(alice).deposit(3, weth.address(), units(4, 18)).motsu_unwrap(), units(4, 18));
    vault.assert_emitted(&Deposited { account: id, asset: usdc.address(), from: alice, amount: units(10_000, 6), received: units(10_000, 6) });
    vault.assert_emitted(&Deposited { account: id, asset: weth.address(), from: alice, amount: units(4, 18), received: units(4, 18) });
    assert_eq!(vault.sender(alice).balance_of(id, usdc.address()), units(10_000, 6));
    assert_eq!(vault.sender(alice).balance_of(id, weth.address()), units(4, 18));
    assert_eq!(vault.sender(alice).balance_of(account::encode(alice, 0), weth.address()), U256::ZERO);
    assert_eq!(usdc.sender(alice).balance_of(vault.address()), units(10_000, 6));
    assert_eq!(weth.sender(alice).balance_of(alice), units(6, 18));
    assert_eq!(vault.sender(alice).account_assets(id), vec![usdc.address(), weth.address()]);
    assert_eq!(vault.sender(alice).asset_config(weth.address()).motsu_unwrap().2, units(4, 18));

    // Valuation: amount * price * (1 - h), rounded down, per haircut.
    let (hm_usdc, hi_usdc) = vault.sender(alice).haircut(usdc.address()).motsu_unwrap();
    let (hm_eth, hi_eth) = vault.sender(alice).haircut(weth.address()).motsu_unwrap();
    let value = |usd: u64, h: U256| U256::from(usd) * (WAD - h);
    let (m, i) = vault.sender(alice).collateral_value(id).motsu_unwrap();
    assert_eq!(m, value(10_000, hm_usdc) + value(12_000, hm_eth));
    assert_eq!(i, value(10_000, hi_usdc) + value(12_000, hi_eth));
    assert!(i < m);

    // Exposures for the margin function, in WAD base units.
    let (assets, amounts, prices, maint, init) = vault.sender(alice).exposures(id).motsu_unwrap();
    assert_eq!(assets, vec![usdc.address(), weth.address()]);
    assert_eq!(amounts, vec![I256::try_from(10_000u64).unwrap() * I256::try_from(WAD).unwrap(), I256::try_from(4u64).unwrap() * I256::try_from(WAD).unwrap()]);
    assert_eq!(prices, vec![WAD, U256::from(3000) * WAD]);
    assert_eq!((maint, init), (vec![hm_usdc, hm_eth], vec![hi_usdc, hi_eth]));
}

#[motsu::test]
fn haircuts_follow_volatility_within_floor_and_cap(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    vol_feed: Contract<MockAggregator>,
    admin: Address,
) {
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    // ETH at 3.5 % daily: 3 * 0.035 * sqrt(1/24) ≈ 2.14 %, initial 1.5x ≈ 3.2 %.
    let (m, i) = vault.sender(admin).haircut(weth.address()).motsu_unwrap();
    let params = clearing_core::HaircutParams::with_defaults(pct(1), pct(50));
    let expected = clearing_core::target_haircut(u256(35_000_000_000_000_000), &params).unwrap();
    assert_eq!(m, expected);
    assert_eq!(i, clearing_core::initial_haircut(expected, &params).unwrap());
    assert!(m > u256(21_400_000_000_000_000) && m < u256(21_500_000_000_000_000));
    // USDC at 0.1 %: the floor of 0.5 % governs.
    assert_eq!(vault.sender(admin).haircut(usdc.address()).motsu_unwrap().0, u256(5_000_000_000_000_000));

    // A volatility spike to 40 % daily: the target jumps to about 24.5 %, but
    // with no time elapsed (same block) the effective haircut has not moved.
    vol_feed.sender(admin).constructor(8, "ETH vol".into());
    vol_feed.sender(admin).set_answer(I256::try_from(40_000_000i64).unwrap(), U256::from(NOW));
    risk.sender(admin).set_volatility_feed(weth.address(), vol_feed.address()).motsu_unwrap();
    assert_eq!(vault.sender(admin).haircut(weth.address()).motsu_unwrap(), (m, i));
    assert_eq!(vault.sender(admin).update_haircut(weth.address()).motsu_unwrap(), m);
    let spiked = clearing_core::target_haircut(pct(40), &params).unwrap();
    assert_eq!(spiked, u256(244_948_974_278_317_811));
    vault.assert_emitted(&HaircutUpdated { asset: weth.address(), target: spiked, effective: m });

    // Governance raising the floor above the effective haircut applies at once.
    vault.sender(admin).configure_asset(weth.address(), units(1_000_000, 18), pct(5), pct(50), WAD, true, true).motsu_unwrap();
    assert_eq!(vault.sender(admin).haircut(weth.address()).motsu_unwrap().0, pct(5));
    // A stale volatility feed makes the haircut unknowable: the risk module's error passes through.
    vol_feed.sender(admin).set_answer(I256::try_from(40_000_000i64).unwrap(), U256::from(NOW - 10_000));
    let err = vault.sender(admin).haircut(weth.address()).motsu_unwrap_err();
    assert_eq!(&err[..4], &risk_module::PriceStale::SELECTOR[..]);
}

#[motsu::test]
fn fee_on_transfer_tokens_credit_what_arrived(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
) {
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    weth.sender(admin).set_transfer_fee(250).motsu_unwrap(); // 2.5 %
    w.fund(&weth, alice, units(10, 18));
    let id = account::encode(alice, 0);
    let received = vault.sender(alice).deposit(0, weth.address(), units(10, 18)).motsu_unwrap();
    assert_eq!(received, units(975, 16));
    assert_eq!(vault.sender(alice).balance_of(id, weth.address()), units(975, 16));
    assert_eq!(weth.sender(alice).balance_of(vault.address()), units(975, 16));
    assert_eq!(vault.sender(alice).asset_config(weth.address()).motsu_unwrap().2, units(975, 16));
    vault.assert_emitted(&Deposited { account: id, asset: weth.address(), from: alice, amount: units(10, 18), received: units(975, 16) });
}

#[motsu::test]
fn deposit_unhappy_paths_leave_no_state(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
) {
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    let id = account::encode(alice, 0);
    w.fund(&weth, alice, units(10, 18));
    // Zero amount.
    assert_eq!(bytes(vault.sender(alice).deposit(0, weth.address(), U256::ZERO).motsu_unwrap_err()), bytes(VaultError::ZeroAmount(ZeroAmount {})));
    // Unknown asset.
    let err = vault.sender(alice).deposit(0, Address::ZERO, U256::from(1)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::UnknownAsset(UnknownAsset { asset: Address::ZERO })));
    // Cap: 1,000,000 WETH cap, after lowering it to 5.
    vault.sender(admin).configure_asset(weth.address(), units(5, 18), pct(1), pct(50), WAD, true, true).motsu_unwrap();
    let err = vault.sender(alice).deposit(0, weth.address(), units(6, 18)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::DepositCapExceeded(DepositCapExceeded { asset: weth.address(), cap: units(5, 18), wouldBe: units(6, 18) })));
    vault.sender(alice).deposit(0, weth.address(), units(5, 18)).motsu_unwrap();
    let err = vault.sender(alice).deposit(0, weth.address(), U256::from(1)).motsu_unwrap_err();
    assert!(matches!(err, VaultError::DepositCapExceeded(e) if e.wouldBe == units(5, 18) + U256::from(1)));
    // Disabled deposits.
    vault.sender(admin).configure_asset(weth.address(), units(100, 18), pct(1), pct(50), WAD, false, true).motsu_unwrap();
    let err = vault.sender(alice).deposit(0, weth.address(), units(1, 18)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::DepositsDisabled(DepositsDisabled { asset: weth.address() })));
    vault.sender(admin).configure_asset(weth.address(), units(100, 18), pct(1), pct(50), WAD, true, true).motsu_unwrap();
    // Failed transfer: more than the allowance.
    let err = vault.sender(alice).deposit(0, weth.address(), units(6, 18)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::TransferFailed(TransferFailed { asset: weth.address() })));
    // Nothing of the failed attempts stuck.
    assert_eq!(vault.sender(alice).balance_of(id, weth.address()), units(5, 18));
    assert_eq!(weth.sender(alice).balance_of(vault.address()), units(5, 18));
    assert_eq!(vault.sender(alice).asset_config(weth.address()).motsu_unwrap().2, units(5, 18));
    // Extreme amount: U256::MAX overflows nothing, it just exceeds the cap.
    let err = vault.sender(alice).deposit(0, weth.address(), U256::MAX).motsu_unwrap_err();
    assert!(matches!(err, VaultError::DepositCapExceeded(e) if e.wouldBe == U256::MAX));
}

#[motsu::test]
fn at_most_eight_collateral_assets_per_subaccount(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
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
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    let extra = [&t3, &t4, &t5, &t6, &t7, &t8, &t9];
    for t in extra {
        t.sender(admin).constructor("T".into(), "T".into(), 18, 0).motsu_unwrap();
        risk.sender(admin)
            .list_asset(t.address(), eth_feed.address(), 3600, U256::from(100) * WAD, U256::from(100_000) * WAD, 1, U256::ZERO, pct(5))
            .motsu_unwrap();
        vault.sender(admin).list_asset(t.address(), 18, units(1000, 18), pct(1), pct(50), WAD, true, true).motsu_unwrap();
    }
    let all: Vec<&Contract<MockErc20>> = [&usdc, &weth].into_iter().chain(extra).collect();
    for t in &all {
        let decimals = t.sender(alice).decimals();
        w.fund(t, alice, units(1, decimals));
    }
    for t in &all[..8] {
        let decimals = t.sender(alice).decimals();
        vault.sender(alice).deposit(1, t.address(), units(1, decimals)).motsu_unwrap();
    }
    let id = account::encode(alice, 1);
    let err = vault.sender(alice).deposit(1, t9.address(), units(1, 18)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::TooManyAssets(TooManyAssets { account: id })));
    assert_eq!(t9.sender(alice).balance_of(alice), units(1, 18));
    assert_eq!(vault.sender(alice).account_assets(id).len(), 8);
    // Another sub-account of the same owner has its own limit.
    vault.sender(alice).deposit(2, t9.address(), units(1, 18)).motsu_unwrap();
}

#[motsu::test]
fn only_the_clearinghouse_moves_balances(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    admin: Address,
    alice: Address,
    bob: Address,
    clearinghouse: Address,
) {
    let w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    w.fund(&weth, alice, units(10, 18));
    vault.sender(alice).deposit(0, weth.address(), units(10, 18)).motsu_unwrap();
    let a = account::encode(alice, 0);
    let b = account::encode(bob, 0);
    let not_ch = |caller: Address| bytes(VaultError::NotClearinghouse(NotClearinghouse { caller }));

    // Before wiring, nobody (not even the admin) is the clearinghouse.
    assert_eq!(bytes(vault.sender(admin).release(a, weth.address(), U256::from(1), admin).motsu_unwrap_err()), not_ch(admin));
    // Wiring is admin-only and happens once.
    let err = vault.sender(alice).set_clearinghouse(alice).motsu_unwrap_err();
    assert!(matches!(err, VaultError::UnauthorizedAccount(_)));
    let err = vault.sender(admin).set_clearinghouse(Address::ZERO).motsu_unwrap_err();
    assert!(matches!(err, VaultError::ClearinghouseAlreadySet(_)));
    vault.sender(admin).set_clearinghouse(clearinghouse).motsu_unwrap();
    vault.assert_emitted(&ClearinghouseSet { clearinghouse });
    let err = vault.sender(admin).set_clearinghouse(bob).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::ClearinghouseAlreadySet(ClearinghouseAlreadySet { clearinghouse })));
    assert_eq!(vault.sender(admin).wiring(), (risk.address(), clearinghouse, usdc.address()));

    // Strangers, the owner and the admin are all refused, with no state change.
    for caller in [alice, bob, admin] {
        assert_eq!(bytes(vault.sender(caller).release(a, weth.address(), U256::from(1), caller).motsu_unwrap_err()), not_ch(caller));
        assert_eq!(bytes(vault.sender(caller).transfer_balance(a, b, weth.address(), U256::from(1)).motsu_unwrap_err()), not_ch(caller));
        assert_eq!(bytes(vault.sender(caller).apply_quote_delta(a, I256::ONE).motsu_unwrap_err()), not_ch(caller));
    }
    assert_eq!(vault.sender(alice).balance_of(a, weth.address()), units(10, 18));
    assert_eq!(vault.sender(alice).quote_balance(a), I256::ZERO);

    // The clearinghouse moves balances.
    vault.sender(clearinghouse).transfer_balance(a, b, weth.address(), units(3, 18)).motsu_unwrap();
    vault.assert_emitted(&BalanceTransferred { from: a, to: b, asset: weth.address(), amount: units(3, 18) });
    assert_eq!(vault.sender(alice).balance_of(a, weth.address()), units(7, 18));
    assert_eq!(vault.sender(alice).balance_of(b, weth.address()), units(3, 18));
    vault.sender(clearinghouse).release(b, weth.address(), units(1, 18), bob).motsu_unwrap();
    vault.assert_emitted(&Released { account: b, asset: weth.address(), recipient: bob, amount: units(1, 18) });
    assert_eq!(weth.sender(bob).balance_of(bob), units(1, 18));
    assert_eq!(weth.sender(bob).balance_of(vault.address()), units(9, 18));
    assert_eq!(vault.sender(alice).asset_config(weth.address()).motsu_unwrap().2, units(9, 18));
    // Over-release and over-transfer.
    let err = vault.sender(clearinghouse).release(b, weth.address(), units(3, 18), bob).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::InsufficientBalance(InsufficientBalance { account: b, asset: weth.address(), balance: units(2, 18), amount: units(3, 18) })));
    let err = vault.sender(clearinghouse).transfer_balance(a, b, weth.address(), units(8, 18)).motsu_unwrap_err();
    assert!(matches!(err, VaultError::InsufficientBalance(_)));
    assert!(matches!(vault.sender(clearinghouse).release(b, weth.address(), U256::ZERO, bob).motsu_unwrap_err(), VaultError::ZeroAmount(_)));
    assert!(matches!(vault.sender(clearinghouse).release(b, Address::ZERO, U256::from(1), bob).motsu_unwrap_err(), VaultError::UnknownAsset(_)));
    assert_eq!(vault.sender(alice).balance_of(b, weth.address()), units(2, 18));

    // Signed quote balance: debt allowed, overflow refused.
    let debt = I256::try_from(-500i64).unwrap() * I256::try_from(WAD).unwrap();
    assert_eq!(vault.sender(clearinghouse).apply_quote_delta(a, debt).motsu_unwrap(), debt);
    vault.assert_emitted(&QuoteBalanceChanged { account: a, delta: debt, balance: debt });
    assert_eq!(vault.sender(alice).quote_balance(a), debt);
    let err = vault.sender(clearinghouse).apply_quote_delta(a, I256::MIN).motsu_unwrap_err();
    assert!(matches!(err, VaultError::MathError(_)));
    assert_eq!(vault.sender(alice).quote_balance(a), debt);
    // The quote debt shows in the quote asset's exposure even without USDC held.
    let (assets, amounts, ..) = vault.sender(alice).exposures(a).motsu_unwrap();
    assert_eq!(assets, vec![weth.address(), usdc.address()]);
    assert_eq!(amounts[1], debt);
}

#[motsu::test]
fn admin_functions_reject_strangers(
    risk: Contract<RiskModule>,
    vault: Contract<CollateralVault>,
    usdc: Contract<MockErc20>,
    weth: Contract<MockErc20>,
    eth_feed: Contract<MockAggregator>,
    usdc_feed: Contract<MockAggregator>,
    admin: Address,
    mallory: Address,
) {
    let _w = world!(risk, vault, usdc, weth, eth_feed, usdc_feed, admin);
    let denied = |e: Vec<u8>| assert_eq!(&e[..4], &openzeppelin_selector()[..]);
    denied(vault.sender(mallory).list_asset(Address::ZERO, 18, U256::ZERO, U256::ZERO, U256::ZERO, WAD, true, true).motsu_unwrap_err());
    denied(vault.sender(mallory).configure_asset(weth.address(), U256::ZERO, U256::ZERO, U256::ZERO, WAD, false, false).motsu_unwrap_err());
    denied(bytes(vault.sender(mallory).set_haircut_parameters(WAD, WAD, 3600, pct(2)).motsu_unwrap_err()));
    denied(bytes(vault.sender(mallory).grant_role(B256::ZERO, mallory).motsu_unwrap_err()));
    assert!(vault.sender(mallory).asset_config(weth.address()).motsu_unwrap().6);
    // Bad parameters from the admin.
    let err = vault.sender(admin).set_haircut_parameters(U256::from(7) * WAD, pct(150), 3600, pct(2)).motsu_unwrap_err();
    assert_eq!(bytes(err), bytes(VaultError::ParameterOutOfBounds(ParameterOutOfBounds { param: param::K, value: U256::from(7) * WAD })));
    let err = vault.sender(admin).set_haircut_parameters(U256::from(3) * WAD, pct(150), 60, pct(2)).motsu_unwrap_err();
    assert!(matches!(err, VaultError::ParameterOutOfBounds(e) if e.param == param::HORIZON));
    let err = vault.sender(admin).configure_asset(weth.address(), U256::ZERO, pct(60), pct(50), WAD, true, true).motsu_unwrap_err();
    assert_eq!(err, bytes(VaultError::ParameterOutOfBounds(ParameterOutOfBounds { param: param::HAIRCUT_BOUNDS, value: pct(50) })));
    let err = vault.sender(admin).list_asset(weth.address(), 18, U256::ZERO, U256::ZERO, U256::ZERO, WAD, true, true).motsu_unwrap_err();
    assert_eq!(err, bytes(VaultError::AssetAlreadyListed(AssetAlreadyListed { asset: weth.address() })));
    vault.sender(admin).set_haircut_parameters(U256::from(4) * WAD, pct(200), 7200, pct(5)).motsu_unwrap();
    vault.assert_emitted(&HaircutParametersSet { k: U256::from(4) * WAD, initRatio: pct(200), horizon: 7200, maxSpeed: pct(5) });
}

fn openzeppelin_selector() -> [u8; 4] {
    openzeppelin_stylus_selector::ACCESS_DENIED
}

mod openzeppelin_stylus_selector {
    use alloy_sol_types::{sol, SolError};
    sol! { error AccessControlUnauthorizedAccount(address account, bytes32 neededRole); }
    pub const ACCESS_DENIED: [u8; 4] = AccessControlUnauthorizedAccount::SELECTOR;
}
