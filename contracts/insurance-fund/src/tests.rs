//! InsuranceFund on motsu with the real CollateralVault and a 6-decimal mock
//! quote token. A test account holding the vault's clearing role stands in
//! for the Clearinghouse: it credits the fund's quote balance (fee shares)
//! and books debtors' negative balances.
use super::*;
use alloy_sol_types::{sol, SolError};
use clearing_core::{u256, WAD};
use collateral_vault::{CollateralVault, NotClearinghouse, QuoteBalanceChanged};
use mock_erc20::{MockErc20, Transfer};
use motsu::prelude::*;

sol! {
    error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
    error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
}

const NOW: u64 = 1_735_689_600;
const DAY: u64 = 86_400;

/// `x` whole quote tokens (6 decimals).
fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

/// `x` as a signed WAD.
fn wad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// `x` as an unsigned WAD.
fn uwad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn err(e: FundError) -> Vec<u8> {
    e.into()
}

fn unauthorized(account: Address, role: [u8; 32]) -> Vec<u8> {
    AccessControlUnauthorizedAccount {
        account,
        neededRole: role.into(),
    }
    .abi_encode()
}

struct Setup<'a> {
    fund: &'a Contract<InsuranceFund>,
    vault: &'a Contract<CollateralVault>,
    token: &'a Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
}

impl Setup<'_> {
    /// Deploys the token (6 decimals), the vault (quote asset listed, cap
    /// 10,000,000 tokens) and the fund; the vault grants its clearing role
    /// to the fund and to `house`, the fund grants COVER_ROLE to `cover`.
    fn deploy(&self) -> &Self {
        let admin = self.admin;
        self.token
            .sender(admin)
            .constructor("USD Coin".into(), "USDC".into(), 6, 0)
            .motsu_unwrap();
        self.vault
            .sender(admin)
            .constructor(admin, self.token.address());
        self.vault
            .sender(admin)
            .list_asset(self.token.address(), 6, usdc(10_000_000), true, true)
            .motsu_unwrap();
        self.fund
            .sender(admin)
            .constructor(admin, self.vault.address(), self.token.address(), 6)
            .motsu_unwrap();
        let clearing = B256::from(collateral_vault::CLEARING_ROLE);
        for who in [self.fund.address(), self.house] {
            self.vault
                .sender(admin)
                .grant_role(clearing, who)
                .motsu_unwrap();
        }
        self.fund
            .sender(admin)
            .grant_role(COVER_ROLE.into(), self.cover)
            .motsu_unwrap();
        self
    }

    fn id(&self) -> B256 {
        account::encode(self.fund.address(), 0)
    }

    /// Mints `amount` to `who`, who approves the fund and tops it up.
    fn top_up(&self, who: Address, amount: U256) -> U256 {
        self.token.sender(who).mint(who, amount).motsu_unwrap();
        self.token
            .sender(who)
            .approve(self.fund.address(), amount)
            .motsu_unwrap();
        self.fund.sender(who).top_up(amount).motsu_unwrap()
    }

    /// Moves `account`'s quote balance by `delta` as the clearinghouse would.
    fn book(&self, account: B256, delta: I256) {
        self.vault
            .sender(self.house)
            .apply_quote_delta(account, delta)
            .motsu_unwrap();
    }

    /// Tokens another user keeps in the vault, so the vault holds enough
    /// quote tokens to pay out quote balances.
    fn liquidity(&self, who: Address, amount: U256) {
        self.token.sender(who).mint(who, amount).motsu_unwrap();
        self.token
            .sender(who)
            .approve(self.vault.address(), amount)
            .motsu_unwrap();
        self.vault
            .sender(who)
            .deposit(0, self.token.address(), amount)
            .motsu_unwrap();
    }

    fn quote(&self, account: B256) -> I256 {
        self.vault
            .sender(self.admin)
            .quote_balance(account)
            .unwrap()
    }

    fn tokens(&self) -> U256 {
        self.vault
            .sender(self.admin)
            .balance_of(self.id(), self.token.address())
    }

    fn balance(&self) -> I256 {
        self.fund.sender(self.admin).balance().motsu_unwrap()
    }
}

macro_rules! setup {
    ($fund:ident, $vault:ident, $token:ident, $admin:ident, $house:ident, $cover:ident) => {
        Setup {
            fund: &$fund,
            vault: &$vault,
            token: &$token,
            admin: $admin,
            house: $house,
            cover: $cover,
        }
    };
}

#[test]
fn cover_role_is_the_hash_of_its_name() {
    assert_eq!(
        alloy_primitives::keccak256("COVER_ROLE"),
        B256::from(COVER_ROLE)
    );
}

#[motsu::test]
fn deployment_wires_and_opens_the_window(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    assert_eq!(
        fund.sender(admin).wiring(),
        (vault.address(), token.address(), 6)
    );
    assert_eq!(
        fund.sender(admin).account(),
        account::encode(fund.address(), 0)
    );
    assert_eq!(fund.sender(admin).window(), DAY);
    assert_eq!(fund.sender(admin).observation(), (NOW, U256::ZERO));
    assert_eq!(fund.sender(admin).target(), U256::ZERO);
    assert_eq!(s.balance(), I256::ZERO);
    assert_eq!(
        fund.sender(admin).drawdown().motsu_unwrap(),
        (U256::ZERO, I256::ZERO, U256::ZERO)
    );
    assert!(fund.sender(admin).has_role(ADMIN_ROLE.into(), admin));
    assert!(fund.sender(admin).has_role(COVER_ROLE.into(), cover));
    assert!(!fund.sender(admin).has_role(COVER_ROLE.into(), admin));
}

#[motsu::test]
fn constructor_checks_the_quote_decimals(
    fund: Contract<InsuranceFund>,
    other: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
) {
    token
        .sender(admin)
        .constructor("USD Coin".into(), "USDC".into(), 6, 0)
        .motsu_unwrap();
    let e = fund
        .sender(admin)
        .constructor(admin, vault.address(), token.address(), 18)
        .motsu_unwrap_err();
    assert!(matches!(
        e,
        FundError::DecimalsMismatch(DecimalsMismatch { asset, configured: 18, token: 6 })
            if asset == token.address()
    ));
    let e = other
        .sender(admin)
        .constructor(admin, vault.address(), token.address(), 37)
        .motsu_unwrap_err();
    assert!(matches!(
        e,
        FundError::ParameterOutOfBounds(ParameterOutOfBounds { param: param::DECIMALS, value })
            if value == U256::from(37)
    ));
    assert!(!fund.sender(admin).has_role(ADMIN_ROLE.into(), admin));
}

#[motsu::test]
fn top_up_deposits_into_the_fund_account(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    assert_eq!(s.top_up(alice, usdc(1_000)), usdc(1_000));
    fund.assert_emitted(&ToppedUp {
        from: alice,
        amount: usdc(1_000),
    });
    token.assert_emitted(&Transfer {
        from: alice,
        to: fund.address(),
        value: usdc(1_000),
    });
    token.assert_emitted(&Transfer {
        from: fund.address(),
        to: vault.address(),
        value: usdc(1_000),
    });
    assert_eq!(s.tokens(), usdc(1_000));
    assert_eq!(s.quote(s.id()), I256::ZERO);
    assert_eq!(token.sender(admin).balance_of(alice), U256::ZERO);
    assert_eq!(token.sender(admin).balance_of(fund.address()), U256::ZERO);
    assert_eq!(token.sender(admin).balance_of(vault.address()), usdc(1_000));
    assert_eq!(
        token
            .sender(admin)
            .allowance(fund.address(), vault.address()),
        U256::ZERO
    );
    assert_eq!(s.balance(), wad(1_000));
}

#[motsu::test]
fn top_up_refusals(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    assert_eq!(
        fund.sender(alice).top_up(U256::ZERO).motsu_unwrap_err(),
        err(FundError::ZeroAmount(ZeroAmount {}))
    );
    token.sender(alice).mint(alice, usdc(50)).motsu_unwrap();
    assert_eq!(
        fund.sender(alice).top_up(usdc(50)).motsu_unwrap_err(),
        ERC20InsufficientAllowance {
            spender: fund.address(),
            allowance: U256::ZERO,
            needed: usdc(50),
        }
        .abi_encode()
    );
    assert_eq!(token.sender(admin).balance_of(alice), usdc(50));
    assert_eq!(s.tokens(), U256::ZERO);
    assert!(!fund.emitted(&ToppedUp {
        from: alice,
        amount: usdc(50),
    }));
}

#[motsu::test]
fn balance_counts_tokens_and_quote_balance(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(1_000));
    // Fee share of 250.5 credited by the clearinghouse.
    s.book(s.id(), wad(250) + wad(1) / I256::try_from(2).unwrap());
    assert_eq!(
        s.balance(),
        I256::try_from(1_250_500_000_000_000_000_000u128).unwrap()
    );
    // One token unit scales to 1e12 WAD.
    s.top_up(alice, U256::from(1));
    assert_eq!(
        s.balance(),
        I256::try_from(1_250_500_000_000_000_000_000u128 + 1_000_000_000_000).unwrap()
    );
    // A negative quote balance counts against the tokens.
    s.book(s.id(), -wad(2_000));
    assert_eq!(
        s.balance(),
        I256::try_from(-749_499_999_000_000_000_000i128).unwrap()
    );
}

#[motsu::test]
fn cover_in_full_moves_quote_balance(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    bob: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(1_000));
    let half = wad(1) / I256::try_from(2).unwrap();
    s.book(s.id(), wad(250) + half);
    let debtor = account::encode(bob, 2);
    s.book(debtor, -wad(300));
    let covered = fund
        .sender(cover)
        .cover_bad_debt(debtor, uwad(300))
        .motsu_unwrap();
    assert_eq!(covered, uwad(300));
    assert_eq!(s.quote(debtor), I256::ZERO);
    assert_eq!(s.quote(s.id()), -wad(49) - half);
    assert_eq!(s.tokens(), usdc(1_000));
    assert_eq!(s.balance(), wad(950) + half);
    fund.assert_emitted(&BadDebtCovered {
        account: debtor,
        requested: uwad(300),
        covered: uwad(300),
        balanceAfter: wad(950) + half,
    });
    vault.assert_emitted(&QuoteBalanceChanged {
        account: s.id(),
        delta: -wad(300),
        balance: -wad(49) - half,
    });
    vault.assert_emitted(&QuoteBalanceChanged {
        account: debtor,
        delta: wad(300),
        balance: I256::ZERO,
    });
    // The peak is the balance observed before the cover: 1250.5.
    let peak = u256(1_250_500_000_000_000_000_000);
    assert_eq!(fund.sender(admin).observation(), (NOW, peak));
    // 300 / 1250.5 = 0.23990403838464614154..., rounded up.
    assert_eq!(
        fund.sender(admin).drawdown().motsu_unwrap(),
        (peak, wad(950) + half, u256(239_904_038_384_646_142))
    );
}

#[motsu::test]
fn cover_when_fund_is_short_pays_what_it_has(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    bob: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(100));
    let debtor = account::encode(bob, 0);
    s.book(debtor, -wad(250));
    let covered = fund
        .sender(cover)
        .cover_bad_debt(debtor, uwad(250))
        .motsu_unwrap();
    assert_eq!(covered, uwad(100));
    assert_eq!(s.quote(debtor), -wad(150));
    assert_eq!(s.quote(s.id()), -wad(100));
    assert_eq!(s.tokens(), usdc(100));
    assert_eq!(s.balance(), I256::ZERO);
    fund.assert_emitted(&BadDebtCovered {
        account: debtor,
        requested: uwad(250),
        covered: uwad(100),
        balanceAfter: I256::ZERO,
    });
    assert_eq!(
        fund.sender(admin).drawdown().motsu_unwrap(),
        (uwad(100), I256::ZERO, WAD)
    );
    // Empty fund: nothing is covered, nothing moves, the event says so.
    let covered = fund
        .sender(cover)
        .cover_bad_debt(debtor, uwad(150))
        .motsu_unwrap();
    assert_eq!(covered, U256::ZERO);
    assert_eq!(s.quote(debtor), -wad(150));
    assert_eq!(s.quote(s.id()), -wad(100));
    fund.assert_emitted(&BadDebtCovered {
        account: debtor,
        requested: uwad(150),
        covered: U256::ZERO,
        balanceAfter: I256::ZERO,
    });
    // A negative balance (the fund's quote debt exceeds its tokens) covers nothing either.
    s.book(s.id(), -wad(10));
    let covered = fund
        .sender(cover)
        .cover_bad_debt(debtor, uwad(150))
        .motsu_unwrap();
    assert_eq!(covered, U256::ZERO);
    assert_eq!(s.quote(debtor), -wad(150));
    assert_eq!(
        fund.sender(admin).drawdown().motsu_unwrap(),
        (uwad(100), -wad(10), WAD)
    );
}

#[motsu::test]
fn only_cover_role_may_cover(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    bob: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(500));
    let debtor = account::encode(bob, 0);
    s.book(debtor, -wad(100));
    for who in [bob, admin, house] {
        assert_eq!(
            fund.sender(who)
                .cover_bad_debt(debtor, uwad(100))
                .motsu_unwrap_err(),
            unauthorized(who, COVER_ROLE)
        );
    }
    assert_eq!(s.quote(debtor), -wad(100));
    assert_eq!(s.quote(s.id()), I256::ZERO);
    assert_eq!(s.balance(), wad(500));
    assert_eq!(fund.sender(admin).observation(), (NOW, U256::ZERO));
    assert!(!fund.emitted(&BadDebtCovered {
        account: debtor,
        requested: uwad(100),
        covered: uwad(100),
        balanceAfter: wad(400),
    }));
    // Revoked: refused again.
    fund.sender(admin)
        .revoke_role(COVER_ROLE.into(), cover)
        .motsu_unwrap();
    assert_eq!(
        fund.sender(cover)
            .cover_bad_debt(debtor, uwad(100))
            .motsu_unwrap_err(),
        unauthorized(cover, COVER_ROLE)
    );
    // Zero amount.
    fund.sender(admin)
        .grant_role(COVER_ROLE.into(), cover)
        .motsu_unwrap();
    assert_eq!(
        fund.sender(cover)
            .cover_bad_debt(debtor, U256::ZERO)
            .motsu_unwrap_err(),
        err(FundError::ZeroAmount(ZeroAmount {}))
    );
    assert_eq!(s.quote(debtor), -wad(100));
}

#[motsu::test]
fn cover_without_the_vault_role_passes_the_vault_error_through(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    bob: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(500));
    vault
        .sender(admin)
        .revoke_role(collateral_vault::CLEARING_ROLE.into(), fund.address())
        .motsu_unwrap();
    let debtor = account::encode(bob, 0);
    let e = fund
        .sender(cover)
        .cover_bad_debt(debtor, uwad(100))
        .motsu_unwrap_err();
    assert_eq!(
        e,
        NotClearinghouse {
            caller: fund.address()
        }
        .abi_encode()
    );
    assert_eq!(s.balance(), wad(500));
    assert_eq!(fund.sender(admin).observation(), (NOW, U256::ZERO));
}

#[motsu::test]
fn poke_stores_the_peak_and_the_view_does_not(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    keeper: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.book(s.id(), wad(500));
    assert_eq!(
        fund.sender(keeper).drawdown().motsu_unwrap(),
        (uwad(500), wad(500), U256::ZERO)
    );
    assert_eq!(fund.sender(admin).observation(), (NOW, U256::ZERO));
    fund.sender(keeper).poke().motsu_unwrap();
    assert_eq!(fund.sender(admin).observation(), (NOW, uwad(500)));
    // Fees fall back (a loss booked directly): the stored peak measures it.
    s.book(s.id(), -wad(125));
    assert_eq!(
        fund.sender(keeper).drawdown().motsu_unwrap(),
        (uwad(500), wad(375), u256(250_000_000_000_000_000))
    );
    fund.sender(keeper).poke().motsu_unwrap();
    assert_eq!(fund.sender(admin).observation(), (NOW, uwad(500)));
}

#[motsu::test]
fn withdraw_excess_above_target(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    carol: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(1_000));
    fund.sender(admin).set_target(uwad(600)).motsu_unwrap();
    fund.assert_emitted(&TargetSet {
        oldTarget: U256::ZERO,
        newTarget: uwad(600),
    });
    assert_eq!(fund.sender(admin).target(), uwad(600));
    fund.sender(admin)
        .withdraw_excess(usdc(400), carol)
        .motsu_unwrap();
    fund.assert_emitted(&ExcessWithdrawn {
        to: carol,
        amount: usdc(400),
    });
    assert_eq!(token.sender(admin).balance_of(carol), usdc(400));
    assert_eq!(s.tokens(), usdc(600));
    assert_eq!(s.balance(), wad(600));
    // The withdrawal is not a loss: the peak dropped with it.
    assert_eq!(fund.sender(admin).observation(), (NOW, uwad(600)));
    assert_eq!(
        fund.sender(admin).drawdown().motsu_unwrap(),
        (uwad(600), wad(600), U256::ZERO)
    );
    // One more token unit would go below the target.
    assert_eq!(
        fund.sender(admin)
            .withdraw_excess(U256::from(1), carol)
            .motsu_unwrap_err(),
        err(FundError::BelowTarget(BelowTarget {
            balance: wad(600),
            target: uwad(600),
            amount: U256::from(1),
        }))
    );
    assert_eq!(token.sender(admin).balance_of(carol), usdc(400));
    assert_eq!(s.tokens(), usdc(600));
}

#[motsu::test]
fn withdraw_excess_pays_out_of_the_quote_balance_too(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    lp: Address,
    carol: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.liquidity(lp, usdc(5_000));
    s.top_up(alice, usdc(100));
    s.book(s.id(), wad(200));
    fund.sender(admin)
        .withdraw_excess(usdc(250), carol)
        .motsu_unwrap();
    assert_eq!(token.sender(admin).balance_of(carol), usdc(250));
    assert_eq!(s.tokens(), U256::ZERO);
    assert_eq!(s.quote(s.id()), wad(50));
    assert_eq!(s.balance(), wad(50));
    assert_eq!(fund.sender(admin).observation(), (NOW, uwad(50)));
    // Everything left, to the last unit, with a zero target.
    fund.sender(admin)
        .withdraw_excess(usdc(50), carol)
        .motsu_unwrap();
    assert_eq!(s.balance(), I256::ZERO);
    assert_eq!(token.sender(admin).balance_of(carol), usdc(300));
    assert_eq!(
        fund.sender(admin)
            .withdraw_excess(U256::from(1), carol)
            .motsu_unwrap_err(),
        err(FundError::BelowTarget(BelowTarget {
            balance: I256::ZERO,
            target: U256::ZERO,
            amount: U256::from(1),
        }))
    );
}

#[motsu::test]
fn withdraw_excess_refusals(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    alice: Address,
    stranger: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    s.top_up(alice, usdc(1_000));
    for who in [stranger, cover, house] {
        assert_eq!(
            fund.sender(who)
                .withdraw_excess(usdc(1), who)
                .motsu_unwrap_err(),
            unauthorized(who, ADMIN_ROLE)
        );
    }
    assert_eq!(
        fund.sender(admin)
            .withdraw_excess(U256::ZERO, admin)
            .motsu_unwrap_err(),
        err(FundError::ZeroAmount(ZeroAmount {}))
    );
    assert_eq!(
        fund.sender(admin)
            .withdraw_excess(usdc(1), Address::ZERO)
            .motsu_unwrap_err(),
        err(FundError::InvalidRecipient(InvalidRecipient {
            to: Address::ZERO
        }))
    );
    assert_eq!(
        fund.sender(admin)
            .withdraw_excess(usdc(1_001), admin)
            .motsu_unwrap_err(),
        err(FundError::BelowTarget(BelowTarget {
            balance: wad(1_000),
            target: U256::ZERO,
            amount: usdc(1_001),
        }))
    );
    assert_eq!(s.tokens(), usdc(1_000));
    assert_eq!(token.sender(admin).balance_of(stranger), U256::ZERO);
    assert_eq!(token.sender(admin).balance_of(admin), U256::ZERO);
    assert_eq!(fund.sender(admin).observation(), (NOW, U256::ZERO));
}

#[motsu::test]
fn parameters_are_admin_only_and_bounded(
    fund: Contract<InsuranceFund>,
    vault: Contract<CollateralVault>,
    token: Contract<MockErc20>,
    admin: Address,
    house: Address,
    cover: Address,
    stranger: Address,
    risk_admin: Address,
) {
    let s = setup!(fund, vault, token, admin, house, cover);
    s.deploy();
    fund.sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    for who in [stranger, cover] {
        assert_eq!(
            err(fund.sender(who).set_target(uwad(1)).motsu_unwrap_err()),
            unauthorized(who, RISK_ADMIN_ROLE)
        );
        assert_eq!(
            err(fund.sender(who).set_window(7_200 * 24).motsu_unwrap_err()),
            unauthorized(who, RISK_ADMIN_ROLE)
        );
    }
    for bad in [0, 3_599, 604_801, u64::MAX] {
        let e = fund.sender(admin).set_window(bad).motsu_unwrap_err();
        assert_eq!(
            err(e),
            err(FundError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::WINDOW,
                value: U256::from(bad),
            }))
        );
    }
    let too_big = uwad(1_000_000_000_000) + U256::from(1);
    assert_eq!(
        err(fund.sender(admin).set_target(too_big).motsu_unwrap_err()),
        err(FundError::ParameterOutOfBounds(ParameterOutOfBounds {
            param: param::TARGET,
            value: too_big,
        }))
    );
    // Steps: at most a day of window and 10^7 of target per change.
    assert_eq!(
        err(fund
            .sender(admin)
            .set_window(2 * DAY + 1)
            .motsu_unwrap_err()),
        err(FundError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: param::WINDOW,
            oldValue: U256::from(DAY),
            newValue: U256::from(2 * DAY + 1),
        }))
    );
    assert_eq!(
        err(fund
            .sender(admin)
            .set_target(uwad(10_000_001))
            .motsu_unwrap_err()),
        err(FundError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: param::TARGET,
            oldValue: U256::ZERO,
            newValue: uwad(10_000_001),
        }))
    );
    assert_eq!(fund.sender(admin).window(), DAY);
    assert_eq!(fund.sender(admin).target(), U256::ZERO);
    // A shorter window raises risk: not the risk admin's; the admin's.
    assert_eq!(
        err(fund.sender(risk_admin).set_window(3_600).motsu_unwrap_err()),
        unauthorized(risk_admin, ADMIN_ROLE)
    );
    fund.sender(admin).set_window(3_600).motsu_unwrap();
    fund.assert_emitted(&WindowSet {
        oldWindow: DAY,
        newWindow: 3_600,
    });
    assert_eq!(fund.sender(admin).window(), 3_600);
    // Changed less than a day ago: refused, even to the admin.
    assert_eq!(
        err(fund.sender(admin).set_window(DAY).motsu_unwrap_err()),
        err(FundError::ParameterChangedTooSoon(
            ParameterChangedTooSoon {
                param: param::WINDOW,
                nextAllowedAt: NOW + DAY,
            }
        ))
    );
    // A higher target lowers risk: the risk admin applies it at once.
    fund.sender(risk_admin)
        .set_target(uwad(10_000_000))
        .motsu_unwrap();
    fund.assert_emitted(&TargetSet {
        oldTarget: U256::ZERO,
        newTarget: uwad(10_000_000),
    });
    assert_eq!(fund.sender(admin).target(), uwad(10_000_000));
    assert_eq!(
        err(fund.sender(admin).set_target(uwad(9)).motsu_unwrap_err()),
        err(FundError::ParameterChangedTooSoon(
            ParameterChangedTooSoon {
                param: param::TARGET,
                nextAllowedAt: NOW + DAY,
            }
        ))
    );
}
