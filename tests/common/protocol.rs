//! The liquidation contracts (InsuranceFund, CircuitBreaker, Liquidator,
//! Backstop) on top of the clearing system.
use super::clearing::*;
use super::*;
use alloy_primitives::{Address, B256, I256, U256};
use backstop::Backstop;
use circuit_breaker::{CircuitBreaker, GUARDIAN_ROLE, LIQUIDATOR_ROLE};
use clearing_core::WAD;
use collateral_vault::CLEARING_ROLE;
use insurance_fund::{InsuranceFund, COVER_ROLE};
use liquidator::Liquidator;
use motsu::prelude::*;

/// The liquidation contracts on top of the clearing system.
pub struct Protocol<'a> {
    pub c: Clearing<'a>,
    pub fund: &'a Contract<InsuranceFund>,
    pub liq: &'a Contract<Liquidator>,
    pub fund_account: B256,
}

impl<'a> Protocol<'a> {
    /// Deploys and wires the fund, the breaker, the liquidator and the
    /// backstop; fees' insurance share now goes to the fund's sub-account;
    /// `guardian` may trip the breaker; the breaker is deployed with a liquidation rate
    /// limit of 100 % of open interest per window, since one position is most of the open
    /// interest in these tests (the default 20 % is tested on its own, and motsu's clock cannot
    /// move to space governance steps).
    pub fn deploy(
        c: Clearing<'a>,
        breaker: &'a Contract<CircuitBreaker>,
        fund: &'a Contract<InsuranceFund>,
        liq: &'a Contract<Liquidator>,
        backstop: &'a Contract<Backstop>,
        guardian: Address,
    ) -> Self {
        let w = &c.w;
        let admin = w.admin;
        fund.sender(admin)
            .constructor(admin, w.vault.address(), w.usdc.address(), 6)
            .motsu_unwrap();
        breaker
            .sender(admin)
            .constructor(admin, w.risk.address(), fund.address(), WAD)
            .motsu_unwrap();
        liq.sender(admin).constructor(
            admin,
            c.ch.address(),
            c.markets.address(),
            w.margin.address(),
            w.engine.address(),
            w.risk.address(),
            w.vault.address(),
            breaker.address(),
            fund.address(),
            Address::ZERO,
        );
        backstop.sender(admin).constructor(
            liq.address(),
            c.ch.address(),
            c.markets.address(),
            w.margin.address(),
            w.engine.address(),
            w.risk.address(),
            w.vault.address(),
            breaker.address(),
            fund.address(),
            Address::ZERO,
        );
        for who in [fund.address(), liq.address(), backstop.address()] {
            w.vault
                .sender(admin)
                .grant_role(CLEARING_ROLE.into(), who)
                .motsu_unwrap();
        }
        for who in [liq.address(), backstop.address()] {
            breaker
                .sender(admin)
                .grant_role(LIQUIDATOR_ROLE.into(), who)
                .motsu_unwrap();
        }
        breaker
            .sender(admin)
            .grant_role(GUARDIAN_ROLE.into(), guardian)
            .motsu_unwrap();
        fund.sender(admin)
            .grant_role(COVER_ROLE.into(), backstop.address())
            .motsu_unwrap();
        c.ch.sender(admin)
            .set_liquidator(liq.address())
            .motsu_unwrap();
        c.markets
            .sender(admin)
            .set_liquidator(backstop.address())
            .motsu_unwrap();
        let fund_account = fund.sender(admin).account();
        c.ch.sender(admin)
            .set_fee_config(fund_account, c.treasury, pct(50))
            .motsu_unwrap();
        Protocol {
            c,
            fund,
            liq,
            fund_account,
        }
    }

    pub fn eth(&self, dollars: i64) {
        self.c
            .w
            .eth_feed
            .sender(self.c.w.admin)
            .set_answer(I256::try_from(dollars * E8).unwrap(), U256::from(NOW));
    }

    /// `maker` takes `size` (signed) from `taker` at `price` in market 0.
    pub fn trade(&self, maker: &Account, taker: &Account, size: i64, price: u64, nonce: u64) {
        let m = self.c.order(maker.address(), swad(size), wad(price), nonce);
        let t = self
            .c
            .order(taker.address(), swad(-size), wad(price), nonce);
        let (ms, ts) = (self.c.sign(maker, &m), self.c.sign(taker, &t));
        self.c
            .settle(&m, &ms, &t, &ts, wad(size.unsigned_abs()))
            .unwrap();
    }

    pub fn health(&self, a: B256) -> (I256, U256, U256) {
        self.c
            .w
            .margin
            .sender(self.c.matcher)
            .health(a)
            .motsu_unwrap()
    }

    /// Switches the accounts' sub-account 0 to portfolio mode when `portfolio` (a run in
    /// portfolio mode), and checks every account's mode.
    pub fn join(&self, portfolio: bool, accounts: &[&Account]) {
        for a in accounts {
            if portfolio {
                self.c
                    .w
                    .margin
                    .sender(a.address())
                    .set_margin_mode(0, true)
                    .motsu_unwrap();
            }
            let id = clearing_core::trading::account::encode(a.address(), 0);
            assert_eq!(
                self.c.w.margin.sender(a.address()).margin_mode(id),
                portfolio
            );
        }
    }

    pub fn size(&self, a: B256) -> I256 {
        self.c.ch.sender(self.c.matcher).position_sizes(0, a, a).0
    }
}

#[macro_export]
macro_rules! protocol {
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $markets:ident, $ch:ident, $ex:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident, $matcher:ident, $fees:ident, $breaker:ident, $fund:ident, $liq:ident, $backstop:ident, $guardian:ident) => {{
        let c = clearing!(
            $risk, $vault, $engine, $margin, $markets, $ch, $ex, $usdc, $weth, $usdc_feed,
            $eth_feed, $admin, $matcher, $fees
        );
        common::protocol::Protocol::deploy(c, &$breaker, &$fund, &$liq, &$backstop, $guardian)
    }};
    // With OptionMarkets (`$options`), its portfolio minimum equity lowered to zero by the
    // admin, so that accounts of any size may switch to portfolio mode.
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $markets:ident, $ch:ident, $ex:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident, $matcher:ident, $fees:ident, $breaker:ident, $fund:ident, $liq:ident, $backstop:ident, $guardian:ident; $options:ident) => {{
        $options.sender($admin).constructor($admin, $risk.address());
        $options
            .sender($admin)
            .set_option_parameter(
                clearing_core::OptionParam::PortfolioMinEquity as u8,
                alloy_primitives::U256::ZERO,
            )
            .motsu_unwrap();
        let c = clearing!(
            $risk, $vault, $engine, $margin, $markets, $ch, $ex, $usdc, $weth, $usdc_feed,
            $eth_feed, $admin, $matcher, $fees; $options.address()
        );
        common::protocol::Protocol::deploy(c, &$breaker, &$fund, &$liq, &$backstop, $guardian)
    }};
}
