//! Shared fixtures of the cross-contract tests: the real RiskModule,
//! CollateralVault, RiskEngine and MarginEngine with mock tokens and feeds.
#![allow(dead_code)]

pub mod clearing;
pub mod protocol;
use alloy_primitives::{Address, I256, U256};
use clearing_core::{u256, WAD};
use collateral_vault::CollateralVault;
use margin_engine::MarginEngine;
use mock_aggregator::MockAggregator;
use mock_erc20::MockErc20;
use motsu::prelude::*;
use risk_engine::RiskEngine;
use risk_module::RiskModule;

/// motsu's fixed block timestamp.
pub const NOW: u64 = 1_735_689_600;
/// 10^8: one unit of an 8-decimal feed.
pub const E8: i64 = 100_000_000;

/// `x` percent as a WAD.
pub fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

/// `x` whole units as a WAD.
pub fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

/// `x` whole units as a signed WAD.
pub fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// `x` whole tokens of a `decimals`-decimal token.
pub fn units(x: u64, decimals: u8) -> U256 {
    U256::from(x) * U256::from(10).pow(U256::from(decimals))
}

/// The deployed system of the vault/risk issue.
pub struct World<'a> {
    pub risk: &'a Contract<RiskModule>,
    pub vault: &'a Contract<CollateralVault>,
    pub engine: &'a Contract<RiskEngine>,
    pub margin: &'a Contract<MarginEngine>,
    pub usdc: &'a Contract<MockErc20>,
    pub weth: &'a Contract<MockErc20>,
    pub usdc_feed: &'a Contract<MockAggregator>,
    pub eth_feed: &'a Contract<MockAggregator>,
    pub admin: Address,
    /// The clearinghouse the margin engine reads positions from (zero when a
    /// test has none).
    pub clearinghouse: Address,
    /// The OptionMarkets the margin engine reads the portfolio minimum equity from (zero when
    /// a test switches no account to portfolio mode).
    pub options: Address,
}

impl World<'_> {
    /// Deploys and wires everything, with USDC (6 decimals, the quote asset,
    /// price 1.00, 0.1 % daily volatility, haircut floor 0.5 %, cap 20 %,
    /// stables bucket) and WETH (18 decimals, price 3000, 3.5 % daily
    /// volatility, floor 1 %, cap 50 %, majors bucket) listed everywhere,
    /// deposit caps of 1,000,000 tokens.
    pub fn deploy(&self) -> &Self {
        let admin = self.admin;
        self.risk.sender(admin).constructor(admin);
        self.vault
            .sender(admin)
            .constructor(admin, self.usdc.address());
        self.engine
            .sender(admin)
            .constructor(admin, self.risk.address(), self.vault.address());
        self.margin.sender(admin).constructor(
            self.risk.address(),
            self.engine.address(),
            self.clearinghouse,
            self.options,
            Address::ZERO,
            Address::ZERO,
        );
        self.usdc
            .sender(admin)
            .constructor("USD Coin".into(), "USDC".into(), 6, 0)
            .motsu_unwrap();
        self.weth
            .sender(admin)
            .constructor("Wrapped Ether".into(), "WETH".into(), 18, 0)
            .motsu_unwrap();
        self.usdc_feed
            .sender(admin)
            .constructor(8, "USDC / USD".into());
        self.usdc_feed
            .sender(admin)
            .set_answer(I256::try_from(E8).unwrap(), U256::from(NOW));
        self.eth_feed
            .sender(admin)
            .constructor(8, "ETH / USD".into());
        self.eth_feed
            .sender(admin)
            .set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW));
        self.list(
            self.usdc,
            self.usdc_feed,
            6,
            86_400,
            (pct(50), pct(200)),
            2,
            u256(1_000_000_000_000_000),
            (u256(5_000_000_000_000_000), pct(20)),
        );
        self.list(
            self.weth,
            self.eth_feed,
            18,
            3600,
            (wad(100), wad(100_000)),
            0,
            u256(35_000_000_000_000_000),
            (pct(1), pct(50)),
        );
        self
    }

    /// Lists a token in the risk module, the vault and the engine.
    #[allow(clippy::too_many_arguments)]
    pub fn list(
        &self,
        token: &Contract<MockErc20>,
        feed: &Contract<MockAggregator>,
        decimals: u8,
        heartbeat: u64,
        band: (U256, U256),
        bucket: u8,
        vol: U256,
        haircut: (U256, U256),
    ) {
        let admin = self.admin;
        self.risk
            .sender(admin)
            .list_asset(
                token.address(),
                feed.address(),
                heartbeat,
                band.0,
                band.1,
                bucket,
                U256::ZERO,
                vol,
            )
            .motsu_unwrap();
        self.vault
            .sender(admin)
            .list_asset(
                token.address(),
                decimals,
                units(1_000_000, decimals),
                true,
                true,
            )
            .motsu_unwrap();
        self.engine
            .sender(admin)
            .set_haircut_config(token.address(), haircut.0, haircut.1, WAD)
            .motsu_unwrap();
    }

    /// Mints `amount` to `who` and approves the vault for it.
    pub fn fund(&self, token: &Contract<MockErc20>, who: Address, amount: U256) {
        token.sender(who).mint(who, amount).motsu_unwrap();
        token
            .sender(who)
            .approve(self.vault.address(), amount)
            .motsu_unwrap();
    }
}

/// Builds a [`World`] from motsu test arguments and deploys it.
#[macro_export]
macro_rules! world {
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident) => {
        world!($risk, $vault, $engine, $margin, $usdc, $weth, $usdc_feed, $eth_feed, $admin; alloy_primitives::Address::ZERO)
    };
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident; $ch:expr) => {
        world!($risk, $vault, $engine, $margin, $usdc, $weth, $usdc_feed, $eth_feed, $admin; $ch, alloy_primitives::Address::ZERO)
    };
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident; $ch:expr, $options:expr) => {{
        let w = common::World {
            risk: &$risk,
            vault: &$vault,
            engine: &$engine,
            margin: &$margin,
            usdc: &$usdc,
            weth: &$weth,
            usdc_feed: &$usdc_feed,
            eth_feed: &$eth_feed,
            admin: $admin,
            clearinghouse: $ch,
            options: $options,
        };
        w.deploy();
        w
    }};
}
