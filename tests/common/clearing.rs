//! The clearing contracts (PerpMarkets, Clearinghouse, Exchange) on top of
//! the common world, with EIP-712 signing from real keys.
use super::*;
use alloy_primitives::{Address, B256, I256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, SolStruct};
use clearing_core::{trading::account, WAD};
use clearinghouse::Clearinghouse;
use collateral_vault::CLEARING_ROLE;
use exchange::{Exchange, Order, MATCHER_ROLE};
use mock_erc20::MockErc20;
use motsu::prelude::*;
use perp_markets::PerpMarkets;
use stylus_sdk::abi::Bytes;

pub fn bp(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(10_000)
}

pub fn cents(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

pub fn scents(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap() / I256::try_from(100).unwrap()
}

/// The clearing contracts on top of the common world.
pub struct Clearing<'a> {
    pub w: World<'a>,
    pub markets: &'a Contract<PerpMarkets>,
    pub ch: &'a Contract<Clearinghouse>,
    pub ex: &'a Contract<Exchange>,
    pub matcher: Address,
    pub insurance: B256,
    pub treasury: B256,
}

impl<'a> Clearing<'a> {
    /// Deploys and wires PerpMarkets, the Clearinghouse and the Exchange,
    /// grants the vault's clearing role to both and the matcher role to
    /// `matcher`, routes fees 50/50 to two sub-accounts of `fees`, and lists
    /// the ETH perp (min size and tick 0.01, maker 2 bp, taker 5 bp, open
    /// interest cap 1000, funding cap 0.75 %).
    pub fn deploy(
        w: World<'a>,
        markets: &'a Contract<PerpMarkets>,
        ch: &'a Contract<Clearinghouse>,
        ex: &'a Contract<Exchange>,
        matcher: Address,
        fees: Address,
    ) -> Self {
        let admin = w.admin;
        markets.sender(admin).constructor(admin, w.risk.address());
        ch.sender(admin)
            .constructor(admin, w.vault.address(), markets.address());
        ex.sender(admin).constructor(
            admin,
            ch.address(),
            markets.address(),
            w.margin.address(),
            w.vault.address(),
            Address::ZERO,
        );
        markets
            .sender(admin)
            .set_clearinghouse(ch.address())
            .motsu_unwrap();
        ch.sender(admin).set_exchange(ex.address()).motsu_unwrap();
        for c in [ch.address(), ex.address()] {
            w.vault
                .sender(admin)
                .grant_role(CLEARING_ROLE.into(), c)
                .motsu_unwrap();
        }
        ex.sender(admin)
            .grant_role(MATCHER_ROLE.into(), matcher)
            .motsu_unwrap();
        let (insurance, treasury) = (account::encode(fees, 1), account::encode(fees, 2));
        ch.sender(admin)
            .set_fee_config(insurance, treasury, pct(50))
            .motsu_unwrap();
        markets
            .sender(admin)
            .list_market(
                w.weth.address(),
                cents(1),
                cents(1),
                bp(2),
                bp(5),
                wad(1000),
                bp(75),
            )
            .motsu_unwrap();
        Clearing {
            w,
            markets,
            ch,
            ex,
            matcher,
            insurance,
            treasury,
        }
    }

    pub fn deposit(&self, who: Address, sub: u8, token: &Contract<MockErc20>, amount: U256) {
        self.w.fund(token, who, amount);
        self.w
            .vault
            .sender(who)
            .deposit(sub, token.address(), amount)
            .motsu_unwrap();
    }

    /// An order of sub-account 0 of `owner` in market 0, expiring in an hour.
    pub fn order(&self, owner: Address, size: I256, price: U256, nonce: u64) -> Order {
        Order {
            account: account::encode(owner, 0),
            market: 0,
            size,
            limitPrice: price,
            expiry: NOW + 3600,
            nonce,
            reduceOnly: false,
        }
    }

    /// The EIP-712 digest, computed independently with alloy.
    pub fn digest(&self, o: &Order) -> B256 {
        let domain = eip712_domain! {
            name: "Cross-Margin Exchange",
            version: "1",
            chain_id: 42161,
            verifying_contract: self.ex.address(),
        };
        o.eip712_signing_hash(&domain)
    }

    /// `signer`'s 65-byte signature `r || s || v` of the order.
    pub fn sign(&self, signer: &Account, o: &Order) -> Bytes {
        let sig = signer
            .signer()
            .sign_hash_sync(&self.digest(o))
            .unwrap()
            .as_bytes();
        Bytes(sig.to_vec())
    }

    pub fn settle(
        &self,
        maker: &Order,
        ms: &Bytes,
        taker: &Order,
        ts: &Bytes,
        size: U256,
    ) -> Result<(), Vec<u8>> {
        self.ex
            .sender(self.matcher)
            .settle_fill(maker.clone(), ms.clone(), taker.clone(), ts.clone(), size)
            .motsu_res()
    }

    pub fn quote(&self, a: B256) -> I256 {
        self.w.vault.sender(self.matcher).quote_balance(a).unwrap()
    }

    pub fn sizes(&self, a: B256, b: B256) -> (I256, I256) {
        self.ch.sender(self.matcher).position_sizes(0, a, b)
    }
}

#[macro_export]
macro_rules! clearing {
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $markets:ident, $ch:ident, $ex:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident, $matcher:ident, $fees:ident) => {{
        let w = world!($risk, $vault, $engine, $margin, $usdc, $weth, $usdc_feed, $eth_feed, $admin; $ch.address());
        common::clearing::Clearing::deploy(w, &$markets, &$ch, &$ex, $matcher, $fees)
    }};
    ($risk:ident, $vault:ident, $engine:ident, $margin:ident, $markets:ident, $ch:ident, $ex:ident, $usdc:ident, $weth:ident, $usdc_feed:ident, $eth_feed:ident, $admin:ident, $matcher:ident, $fees:ident; $options:expr) => {{
        let w = world!($risk, $vault, $engine, $margin, $usdc, $weth, $usdc_feed, $eth_feed, $admin; $ch.address(), $options);
        common::clearing::Clearing::deploy(w, &$markets, &$ch, &$ex, $matcher, $fees)
    }};
}
