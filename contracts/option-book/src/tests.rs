//! OptionBook on motsu with the real CollateralVault and Clearinghouse. motsu's block time is
//! fixed (2025-01-01 00:00 UTC) and OptionMarkets lists only future expiries, so most tests
//! use `MockMarkets` below, a stand-in for OptionMarkets and the RiskModule with settable
//! series (expired ones included), class, freshness, fee cap, spot and settlement prices; one
//! test runs a fill against the real OptionMarkets and RiskModule to check the hand-encoded
//! calls against their ABI. The life cycle with moving time runs on the WASM runtime
//! (`tests/wasm_option_book.rs`).
use super::*;
use alloy_primitives::{address, uint};
use alloy_sol_types::SolError;
use clearing_core::trading::options::OPTION_ID_BASE;
use clearing_core::{u256, WAD};
use clearinghouse::Clearinghouse;
use collateral_vault::{CollateralVault, CLEARING_ROLE};
use motsu::prelude::*;
use openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount;

/// motsu's fixed block timestamp: midnight UTC.
const NOW: u64 = 1_735_689_600;
/// A week ahead at 08:00 UTC.
const EXPIRY: u64 = NOW + 7 * 86_400 + 8 * 3_600;
const ETH: Address = address!("00000000000000000000000000000000000e7e00");
const USDC: Address = address!("0000000000000000000000000000000000005dc0");
const PP: u128 = 10_000_000_000_000_000;
/// The first series: a call struck at 3,000.
const CALL: u32 = OPTION_ID_BASE;
/// A put struck at 3,000, same expiry.
const PUT: u32 = OPTION_ID_BASE + 1;
/// A call that expired yesterday.
const OLD: u32 = OPTION_ID_BASE + 2;

mod mock {
    //! A stand-in for OptionMarkets (`series`, `optionClass`, `optionParameter`, `volatility`,
    //! `settlementPrice`) and the RiskModule (`price`), with setters.
    use alloc::vec::Vec;
    use alloy_primitives::{Address, U256};
    use alloy_sol_types::SolError;
    use stylus_sdk::prelude::*;
    use stylus_sdk::storage::{StorageBool, StorageMap, StorageU256};

    alloy_sol_types::sol! {
        #[derive(Debug, PartialEq, Eq)]
        error UnknownSeries(uint32 id);
    }

    #[storage]
    #[entrypoint]
    pub struct MockMarkets {
        underlying: StorageMap<u32, stylus_sdk::storage::StorageAddress>,
        expiry: StorageMap<u32, StorageU256>,
        strike: StorageMap<u32, StorageU256>,
        is_call: StorageMap<u32, StorageBool>,
        disabled: StorageBool,
        min_size: StorageU256,
        cap: StorageU256,
        maker_fee: StorageU256,
        taker_fee: StorageU256,
        stale: StorageBool,
        fee_cap: StorageU256,
        spot: StorageU256,
        settlement: StorageMap<U256, StorageU256>,
    }

    #[public]
    impl MockMarkets {
        pub fn add_series(
            &mut self,
            id: u32,
            underlying: Address,
            expiry: u64,
            strike: U256,
            is_call: bool,
        ) {
            self.underlying.setter(id).set(underlying);
            self.expiry.setter(id).set(U256::from(expiry));
            self.strike.setter(id).set(strike);
            self.is_call.setter(id).set(is_call);
        }

        pub fn set_class(
            &mut self,
            enabled: bool,
            min_size: U256,
            cap: U256,
            maker_fee: U256,
            taker_fee: U256,
        ) {
            self.disabled.set(!enabled);
            self.min_size.set(min_size);
            self.cap.set(cap);
            self.maker_fee.set(maker_fee);
            self.taker_fee.set(taker_fee);
        }

        pub fn set_stale(&mut self, stale: bool) {
            self.stale.set(stale);
        }

        pub fn set_fee_cap(&mut self, cap: U256) {
            self.fee_cap.set(cap);
        }

        pub fn set_spot(&mut self, spot: U256) {
            self.spot.set(spot);
        }

        pub fn set_settlement(&mut self, expiry: u64, price: U256) {
            self.settlement.setter(U256::from(expiry)).set(price);
        }

        #[allow(clippy::type_complexity)]
        pub fn series(&self, id: u32) -> Result<(Address, u64, U256, bool, U256, U256), Vec<u8>> {
            let underlying = self.underlying.get(id);
            if underlying.is_zero() {
                return Err(UnknownSeries { id }.abi_encode());
            }
            let expiry = self.expiry.get(id);
            Ok((
                underlying,
                expiry.to::<u64>(),
                self.strike.get(id),
                self.is_call.get(id),
                self.settlement.get(expiry),
                U256::ZERO,
            ))
        }

        #[allow(clippy::type_complexity)]
        pub fn option_class(
            &self,
            _underlying: Address,
        ) -> (bool, u64, U256, U256, U256, U256, U256, u64) {
            (
                !self.disabled.get(),
                0,
                U256::ZERO,
                self.min_size.get(),
                self.cap.get(),
                self.maker_fee.get(),
                self.taker_fee.get(),
                3_600,
            )
        }

        pub fn option_parameter(&self, code: u8) -> U256 {
            if code == 20 {
                self.fee_cap.get()
            } else {
                U256::ZERO
            }
        }

        pub fn volatility(&self, _underlying: Address, _expiry: u64) -> (U256, bool) {
            (
                U256::from(6u8) * U256::from(10u8).pow(U256::from(17u8)),
                !self.stale.get(),
            )
        }

        pub fn settlement_price(&self, _underlying: Address, expiry: u64) -> U256 {
            self.settlement.get(U256::from(expiry))
        }

        pub fn price(&self, _asset: Address) -> U256 {
            self.spot.get()
        }

        /// OptionMarkets' `marginParams`: parameter `code` answers `code` (to check the order).
        pub fn margin_params(&self) -> [U256; 20] {
            core::array::from_fn(|i| U256::from(i + 1))
        }

        /// The RiskModule's daily volatility: 3.5 %.
        #[selector(name = "volatility")]
        pub fn daily_volatility(&self, _asset: Address) -> U256 {
            U256::from(35u8) * U256::from(10u8).pow(U256::from(15u8))
        }
    }
}

use mock::MockMarkets;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// `x / 10` contracts, signed.
fn tenths(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD / U256::from(10u8)).unwrap()
}

fn decode<E: SolError>(bytes: Vec<u8>) -> E {
    E::abi_decode(&bytes, true).unwrap_or_else(|_| panic!("not a {}", E::SIGNATURE))
}

fn acct(n: u8) -> B256 {
    clearing_core::encode_account(Address::repeat_byte(n), 0)
}

/// The insurance and treasury sub-accounts.
fn insurance() -> B256 {
    acct(0xa1)
}
fn treasury() -> B256 {
    acct(0xa2)
}

/// Fee rates: maker 3 bp, taker 5 bp; fee cap 12.5 % of the premium.
fn maker_rate() -> U256 {
    u256(3 * PP / 100)
}
fn taker_rate() -> U256 {
    u256(5 * PP / 100)
}
fn fee_cap() -> U256 {
    u256(125 * PP / 10)
}

struct World {
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
}

/// The vault (the book holds its `CLEARING_ROLE`), the Clearinghouse with fee recipients and a
/// 50 % insurance share, the mock markets with ETH at 3,000, a call and a put struck at 3,000
/// expiring in a week and a call that expired yesterday; the class: min size 0.1, cap 100,
/// fees 3 / 5 bp, fee cap 12.5 %, fresh volatility; the book wired to `exchange`.
fn setup(w: &World) {
    let (admin, exchange) = (w.admin, w.exchange);
    w.vault.sender(admin).constructor(admin, USDC);
    w.ch.sender(admin)
        .constructor(admin, w.vault.address(), Address::repeat_byte(0x99));
    w.ch.sender(admin)
        .set_fee_config(
            insurance(),
            treasury(),
            clearinghouse::DEFAULT_INSURANCE_SHARE,
        )
        .motsu_unwrap();
    w.om.sender(admin)
        .add_series(CALL, ETH, EXPIRY, wad(3_000), true);
    w.om.sender(admin)
        .add_series(PUT, ETH, EXPIRY, wad(3_000), false);
    w.om.sender(admin)
        .add_series(OLD, ETH, NOW - 16 * 3_600, wad(3_000), true);
    w.om.sender(admin).set_class(
        true,
        WAD / U256::from(10u8),
        wad(100),
        maker_rate(),
        taker_rate(),
    );
    w.om.sender(admin).set_fee_cap(fee_cap());
    w.om.sender(admin).set_spot(wad(3_000));
    w.book.sender(admin).constructor(
        admin,
        w.vault.address(),
        w.om.address(),
        w.ch.address(),
        w.om.address(),
    );
    w.vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), w.book.address())
        .motsu_unwrap();
    w.book.sender(admin).set_exchange(exchange).motsu_unwrap();
}

macro_rules! world {
    ($book:ident, $vault:ident, $ch:ident, $om:ident, $admin:ident, $exchange:ident) => {{
        let w = World {
            book: $book,
            vault: $vault,
            ch: $ch,
            om: $om,
            admin: $admin,
            exchange: $exchange,
        };
        setup(&w);
        w
    }};
}

impl World {
    fn fill(
        &self,
        series: u32,
        maker: B256,
        taker: B256,
        premium: U256,
        d: I256,
    ) -> Result<(), Vec<u8>> {
        self.book
            .sender(self.exchange)
            .apply_option_fill(series, maker, taker, premium, d)
            .motsu_res()
    }

    fn quote(&self, a: B256) -> I256 {
        self.vault
            .sender(self.admin)
            .quote_balance(a)
            .motsu_unwrap()
    }

    /// Everything a fill may change: positions, series lists, open interest, quote balances
    /// and the vault's priced sets of the given accounts.
    fn state(&self, accounts: &[B256]) -> Vec<String> {
        let mut s = Vec::new();
        for &a in accounts.iter().chain([insurance(), treasury()].iter()) {
            let b = self.book.sender(self.admin);
            s.push(format!(
                "{:?} {:?} {:?} {:?}",
                b.positions(a),
                self.quote(a),
                self.vault.sender(self.admin).account_assets(a),
                [CALL, PUT, OLD].map(|id| b.position(a, id))
            ));
        }
        let b = self.book.sender(self.admin);
        s.push(format!(
            "{:?}",
            [CALL, PUT, OLD].map(|id| b.open_interest(id))
        ));
        s
    }
}

// ----------------------------------------------------------------------
// Wiring
// ----------------------------------------------------------------------

#[motsu::test]
fn wiring_is_set_once_by_the_admin(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    liquidator: Address,
    alice: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let b = &w.book;
    assert_eq!(
        b.sender(alice).wiring(),
        (
            w.vault.address(),
            w.om.address(),
            w.ch.address(),
            w.om.address(),
            exchange,
            Address::ZERO
        )
    );
    b.assert_emitted(&ExchangeSet { exchange });
    // Not the admin.
    let e = b
        .sender(alice)
        .set_liquidator(liquidator)
        .motsu_unwrap_err();
    let e = decode::<AccessControlUnauthorizedAccount>(e);
    assert_eq!((e.account, e.needed_role), (alice, ADMIN_ROLE.into()));
    let e = b.sender(alice).set_exchange(alice).motsu_unwrap_err();
    decode::<AccessControlUnauthorizedAccount>(e);
    // Zero, then once.
    let e = b
        .sender(admin)
        .set_liquidator(Address::ZERO)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<LiquidatorAlreadySet>(e),
        LiquidatorAlreadySet {
            liquidator: Address::ZERO
        }
    );
    b.sender(admin).set_liquidator(liquidator).motsu_unwrap();
    b.assert_emitted(&LiquidatorSet { liquidator });
    let e = b.sender(admin).set_liquidator(alice).motsu_unwrap_err();
    assert_eq!(
        decode::<LiquidatorAlreadySet>(e),
        LiquidatorAlreadySet { liquidator }
    );
    let e = b.sender(admin).set_exchange(alice).motsu_unwrap_err();
    assert_eq!(
        decode::<ExchangeAlreadySet>(e),
        ExchangeAlreadySet { exchange }
    );
    assert_eq!(b.sender(alice).wiring().5, liquidator);
    assert!(b.sender(alice).has_role(ADMIN_ROLE.into(), admin));
}

// ----------------------------------------------------------------------
// Refusals: each with its error and no state change
// ----------------------------------------------------------------------

#[motsu::test]
fn only_the_exchange_books_fills(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    alice: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    let before = w.state(&[a, b]);
    for who in [alice, admin] {
        let e = w
            .book
            .sender(who)
            .apply_option_fill(CALL, a, b, wad(100), swad(1))
            .motsu_unwrap_err();
        assert_eq!(decode::<NotExchange>(e), NotExchange { caller: who });
    }
    assert_eq!(w.state(&[a, b]), before);
    // Maker and taker the same sub-account.
    let e = w.fill(CALL, a, a, wad(100), swad(1)).unwrap_err();
    assert_eq!(decode::<SameAccount>(e), SameAccount { account: a });
    assert_eq!(w.state(&[a, b]), before);
}

#[motsu::test]
fn unknown_and_expired_series_are_refused(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    let before = w.state(&[a, b]);
    // OptionMarkets' error passes through unchanged.
    for id in [OPTION_ID_BASE + 9, 3] {
        let e = w.fill(id, a, b, wad(100), swad(1)).unwrap_err();
        assert_eq!(decode::<mock::UnknownSeries>(e), mock::UnknownSeries { id });
    }
    let e = w.fill(OLD, a, b, wad(100), swad(1)).unwrap_err();
    assert_eq!(
        decode::<SeriesExpired>(e),
        SeriesExpired {
            series: OLD,
            expiry: NOW - 16 * 3_600
        }
    );
    assert_eq!(w.state(&[a, b]), before);
}

#[motsu::test]
fn sizes_must_be_non_zero_multiples_of_the_min_size(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    let before = w.state(&[a, b]);
    let e = w.fill(CALL, a, b, wad(100), I256::ZERO).unwrap_err();
    assert_eq!(decode::<ZeroSize>(e), ZeroSize {});
    for d in [
        tenths(15) + I256::ONE,
        -(tenths(1) / I256::try_from(2).unwrap()),
    ] {
        let e = w.fill(CALL, a, b, wad(100), d).unwrap_err();
        assert_eq!(
            decode::<SizeNotMultiple>(e),
            SizeNotMultiple {
                size: d.unsigned_abs(),
                minSize: WAD / U256::from(10u8)
            }
        );
    }
    assert_eq!(w.state(&[a, b]), before);
    // 1.5 contracts is on the grid.
    w.fill(CALL, a, b, wad(100), tenths(15)).unwrap();
    assert_eq!(w.book.sender(admin).position(a, CALL), tenths(15));
}

#[motsu::test]
fn open_interest_stays_under_the_cap(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b, c) = (acct(1), acct(2), acct(3));
    w.fill(CALL, a, b, wad(10), swad(60)).unwrap();
    assert_eq!(w.book.sender(admin).open_interest(CALL), wad(60));
    let before = w.state(&[a, b, c]);
    // c buys 40.1 from a new seller... from b: open interest would be 100.1.
    let e = w.fill(CALL, c, b, wad(10), tenths(401)).unwrap_err();
    assert_eq!(
        decode::<OpenInterestCapExceeded>(e),
        OpenInterestCapExceeded {
            series: CALL,
            openInterest: wad(100) + WAD / U256::from(10u8),
            cap: wad(100)
        }
    );
    assert_eq!(w.state(&[a, b, c]), before);
    // Exactly the cap is allowed; then a transfer of longs (a sells 10 to c) does not add.
    w.fill(CALL, c, b, wad(10), swad(40)).unwrap();
    assert_eq!(w.book.sender(admin).open_interest(CALL), wad(100));
    w.fill(CALL, a, c, wad(10), swad(-10)).unwrap();
    assert_eq!(w.book.sender(admin).open_interest(CALL), wad(100));
    // Closing lowers it: b buys back 5 from c.
    w.fill(CALL, b, c, wad(10), swad(5)).unwrap();
    assert_eq!(w.book.sender(admin).open_interest(CALL), wad(95));
    // Other series have their own.
    assert_eq!(w.book.sender(admin).open_interest(PUT), U256::ZERO);
}

#[motsu::test]
fn a_seventeenth_series_is_refused(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b, c) = (acct(1), acct(2), acct(3));
    for i in 0..17u32 {
        let id = OPTION_ID_BASE + 10 + i;
        w.om.sender(admin)
            .add_series(id, ETH, EXPIRY, wad(2_000 + 100 * u64::from(i)), true);
    }
    // a buys 16 series from b and c, alternating.
    for i in 0..16u32 {
        let seller = if i % 2 == 0 { b } else { c };
        w.fill(OPTION_ID_BASE + 10 + i, a, seller, wad(1), swad(1))
            .unwrap();
    }
    assert_eq!(w.book.sender(admin).positions(a).0.len(), 16);
    let before = w.state(&[a, b, c]);
    let e = w
        .fill(OPTION_ID_BASE + 26, a, b, wad(1), swad(1))
        .unwrap_err();
    assert_eq!(
        decode::<TooManySeries>(e),
        TooManySeries {
            account: a,
            max: U256::from(16u8)
        }
    );
    // As taker too.
    let e = w
        .fill(OPTION_ID_BASE + 26, b, a, wad(1), swad(-1))
        .unwrap_err();
    assert_eq!(
        decode::<TooManySeries>(e),
        TooManySeries {
            account: a,
            max: U256::from(16u8)
        }
    );
    assert_eq!(w.state(&[a, b, c]), before);
    // Closing one makes room: a sells series 10 back to b.
    w.fill(OPTION_ID_BASE + 10, a, b, wad(1), swad(-1)).unwrap();
    let (ids, sizes) = w.book.sender(admin).positions(a);
    assert_eq!(ids.len(), 15);
    assert!(!ids.contains(&(OPTION_ID_BASE + 10)));
    assert!(sizes.iter().all(|s| *s == swad(1)));
    w.fill(OPTION_ID_BASE + 26, a, b, wad(1), swad(1)).unwrap();
    assert_eq!(w.book.sender(admin).positions(a).0.len(), 16);
    // The vault counts one priced underlying for all of them (and the quote asset).
    assert_eq!(w.vault.sender(admin).account_assets(a), vec![ETH]);
}

#[motsu::test]
fn stale_volatility_allows_only_reducing_fills(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b, c) = (acct(1), acct(2), acct(3));
    w.fill(CALL, a, b, wad(100), swad(5)).unwrap();
    w.om.sender(admin).set_stale(true);
    let before = w.state(&[a, b, c]);
    let stale = VolatilityNotFresh {
        underlying: ETH,
        expiry: EXPIRY,
    };
    // Adding (a buys more), opening for a third account, a flip, one side reducing only.
    for (m, t, d) in [
        (a, b, swad(1)),
        (c, b, swad(-1)),
        (a, b, swad(-6)),
        (a, c, swad(-1)),
    ] {
        let e = w.fill(CALL, m, t, wad(100), d).unwrap_err();
        assert_eq!(decode::<VolatilityNotFresh>(e), stale);
    }
    assert_eq!(w.state(&[a, b, c]), before);
    // Both sides reduce: a sells 2 back to b.
    w.fill(CALL, a, b, wad(90), swad(-2)).unwrap();
    assert_eq!(w.book.sender(admin).position(a, CALL), swad(3));
    assert_eq!(w.book.sender(admin).position(b, CALL), swad(-3));
    // Fresh again: anything.
    w.om.sender(admin).set_stale(false);
    w.fill(CALL, c, b, wad(100), swad(1)).unwrap();
}

#[motsu::test]
fn a_disabled_class_allows_only_reducing_fills(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b, c) = (acct(1), acct(2), acct(3));
    w.fill(PUT, a, b, wad(100), swad(5)).unwrap();
    w.om.sender(admin).set_class(
        false,
        WAD / U256::from(10u8),
        wad(100),
        maker_rate(),
        taker_rate(),
    );
    // Even with a stale volatility the class's error comes first.
    w.om.sender(admin).set_stale(true);
    let before = w.state(&[a, b, c]);
    let e = w.fill(PUT, c, b, wad(100), swad(-1)).unwrap_err();
    assert_eq!(
        decode::<ClassNotEnabled>(e),
        ClassNotEnabled { underlying: ETH }
    );
    assert_eq!(w.state(&[a, b, c]), before);
    w.fill(PUT, b, a, wad(100), swad(5)).unwrap();
    assert_eq!(w.book.sender(admin).positions(a), (vec![], vec![]));
    assert_eq!(w.book.sender(admin).open_interest(PUT), U256::ZERO);
    // Both closed: the priced sets no longer count ETH for them.
    assert_eq!(w.vault.sender(admin).account_assets(a), vec![ETH]);
}

// ----------------------------------------------------------------------
// Premium and fees
// ----------------------------------------------------------------------

#[motsu::test]
fn premium_and_fees_move_to_the_wei(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    // a (maker) buys 2.5 calls from b at 120.123456789012345678 per contract.
    let premium = uint!(120_123456789012345678_U256);
    w.fill(CALL, a, b, premium, tenths(25)).unwrap();
    // Premium: 2.5 x premium = 300.308641972530864195, rounded down.
    let amount = uint!(300_308641972530864195_U256);
    // Fees on 2.5 x 3,000 = 7,500 of notional: maker 3 bp = 2.25, taker 5 bp = 3.75; the cap
    // (12.5 % of the premium, 37.5385...) does not bind.
    let maker_fee = u256(2_250_000_000_000_000_000);
    let taker_fee = u256(3_750_000_000_000_000_000);
    let s = |x: U256| I256::try_from(x).unwrap();
    assert_eq!(w.quote(a), -s(amount) - s(maker_fee));
    assert_eq!(w.quote(b), s(amount) - s(taker_fee));
    // 6 of fees, half each (the insurance share is 50 %).
    assert_eq!(w.quote(insurance()), swad(3));
    assert_eq!(w.quote(treasury()), swad(3));
    // Zero-sum to the wei.
    let sum = w.quote(a) + w.quote(b) + w.quote(insurance()) + w.quote(treasury());
    assert_eq!(sum, I256::ZERO);
    w.book.assert_emitted(&OptionFill {
        series: CALL,
        maker: a,
        taker: b,
        makerDelta: tenths(25),
        premium,
        premiumAmount: amount,
        makerFee: maker_fee,
        takerFee: taker_fee,
        insuranceFee: wad(3),
        treasuryFee: wad(3),
        makerSize: tenths(25),
        takerSize: tenths(-25),
        openInterest: tenths(25).unsigned_abs(),
    });
    assert_eq!(
        w.book.sender(admin).positions(b),
        (vec![CALL], vec![tenths(-25)])
    );
    assert_eq!(w.vault.sender(admin).account_assets(b), vec![ETH]);
}

#[motsu::test]
fn the_fee_cap_binds_on_cheap_options(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    // b (maker) sells 3 calls to a at 0.7 per contract: premium 2.1; the notional fees (2.7
    // and 4.5) are above the cap of 12.5 % x 2.1 = 0.2625 each.
    w.fill(CALL, b, a, u256(70 * PP), swad(-3)).unwrap();
    let cap = u256(262_500_000_000_000_000);
    let premium = u256(210 * PP);
    let s = |x: U256| I256::try_from(x).unwrap();
    assert_eq!(w.quote(a), -s(premium) - s(cap));
    assert_eq!(w.quote(b), s(premium) - s(cap));
    // 0.525 of fees: insurance 0.2625 and treasury 0.2625; an odd total leaves the dust to
    // the insurance account.
    assert_eq!(w.quote(insurance()), s(cap));
    assert_eq!(w.quote(treasury()), s(cap));
    // A premium of zero costs no fee (and needs no spot).
    w.om.sender(admin).set_spot(U256::ZERO);
    w.fill(PUT, b, a, U256::ZERO, swad(-1)).unwrap();
    assert_eq!(w.quote(a), -s(premium) - s(cap));
    assert_eq!(w.book.sender(admin).position(a, PUT), swad(1));
}

#[motsu::test]
fn fees_need_recipients(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    // A Clearinghouse without fee configuration.
    let w = World {
        book,
        vault,
        ch,
        om,
        admin,
        exchange,
    };
    w.vault.sender(admin).constructor(admin, USDC);
    w.ch.sender(admin)
        .constructor(admin, w.vault.address(), Address::repeat_byte(0x99));
    w.om.sender(admin)
        .add_series(CALL, ETH, EXPIRY, wad(3_000), true);
    w.om.sender(admin).set_class(
        true,
        WAD / U256::from(10u8),
        wad(100),
        maker_rate(),
        taker_rate(),
    );
    w.om.sender(admin).set_fee_cap(fee_cap());
    w.om.sender(admin).set_spot(wad(3_000));
    w.book.sender(admin).constructor(
        admin,
        w.vault.address(),
        w.om.address(),
        w.ch.address(),
        w.om.address(),
    );
    w.vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), w.book.address())
        .motsu_unwrap();
    w.book.sender(admin).set_exchange(exchange).motsu_unwrap();
    let (a, b) = (acct(1), acct(2));
    let e = w.fill(CALL, a, b, wad(100), swad(1)).unwrap_err();
    assert_eq!(decode::<FeeRecipientUnset>(e), FeeRecipientUnset {});
    assert_eq!(w.book.sender(admin).position(a, CALL), I256::ZERO);
    assert_eq!(w.quote(a), I256::ZERO);
    // Without fees (zero fee cap) the fill needs no recipient.
    w.om.sender(admin).set_fee_cap(U256::ZERO);
    w.fill(CALL, a, b, wad(100), swad(1)).unwrap();
    assert_eq!(w.quote(a), -swad(100));
    assert_eq!(w.quote(b), swad(100));
}

#[motsu::test]
fn the_book_needs_the_vault_role(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    w.vault
        .sender(admin)
        .revoke_role(CLEARING_ROLE.into(), w.book.address())
        .motsu_unwrap();
    let e = w.fill(CALL, acct(1), acct(2), wad(1), swad(1)).unwrap_err();
    let e = decode::<collateral_vault::NotClearinghouse>(e);
    assert_eq!(e.caller, w.book.address());
    assert_eq!(w.book.sender(admin).position(acct(1), CALL), I256::ZERO);
}

// ----------------------------------------------------------------------
// Expiry
// ----------------------------------------------------------------------

/// Moves the block time past `series`' expiry as far as the book sees it: the terms it copied
/// on the first fill get an expiry of yesterday 08:00 (motsu's clock stands still).
fn expire(w: &World, series: u32) -> u64 {
    let past = NOW - 16 * 3_600;
    w.book
        .sender(w.admin)
        .series
        .setter(series)
        .expiry
        .set(U64::from(past));
    past
}

/// a long 3.3, b short 1.1, c long 0.7, d short 2.9 of `series`.
fn four_holders(w: &World, series: u32) -> [B256; 4] {
    let (a, b, c, d) = (acct(1), acct(2), acct(3), acct(4));
    w.fill(series, a, b, wad(50), tenths(11)).unwrap();
    w.fill(series, d, a, wad(50), tenths(-22)).unwrap();
    w.fill(series, c, d, wad(50), tenths(7)).unwrap();
    [a, b, c, d]
}

#[motsu::test]
fn settlement_is_zero_sum_to_the_wei(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    keeper: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let holders = four_holders(&w, CALL);
    let sizes = [tenths(33), tenths(-11), tenths(7), tenths(-29)];
    for (h, s) in holders.iter().zip(sizes) {
        assert_eq!(w.book.sender(admin).position(*h, CALL), s);
    }
    assert_eq!(w.book.sender(admin).open_interest(CALL), wad(4));
    let past = expire(&w, CALL);
    // Settled at 3,123.456789012345678901: intrinsic 123.456789012345678901 per contract, so
    // every holder's product has a fraction of a wei (k x I / 10 with I odd in its last digit).
    let price = uint!(3123_456789012345678901_U256);
    let i = uint!(123_456789012345678901_U256);
    w.om.sender(admin).set_settlement(past, price);
    let before: Vec<I256> = holders.iter().map(|h| w.quote(*h)).collect();
    let mut payouts = Vec::new();
    for h in holders {
        payouts.push(w.book.sender(keeper).settle_account(h).motsu_unwrap());
    }
    let ten = U256::from(10u8);
    let floor = |k: u64| I256::try_from(U256::from(k) * i / ten).unwrap();
    let ceil = |k: u64| I256::try_from((U256::from(k) * i).div_ceil(ten)).unwrap();
    let expected = [floor(33), -ceil(11), floor(7), -ceil(29)];
    assert_eq!(payouts, expected);
    let mut sum = I256::ZERO;
    for (k, h) in holders.iter().enumerate() {
        assert_eq!(w.quote(*h) - before[k], expected[k]);
        sum += expected[k];
        assert_eq!(w.book.sender(admin).positions(*h), (vec![], vec![]));
        // a's long leaves 0.7 (c's), b's short changes nothing, c's long leaves none.
        let oi_after = if k < 2 { tenths(7) } else { I256::ZERO };
        w.book.assert_emitted(&OptionSettled {
            account: *h,
            series: CALL,
            size: sizes[k],
            settlementPrice: price,
            payout: expected[k],
            openInterest: oi_after.unsigned_abs(),
        });
    }
    // The shorts paid 2 wei more than the longs received (0.3 + 0.7 + 0.9 + 0.1 wei of
    // rounding): quote no balance holds, left in the vault.
    assert_eq!(sum, I256::try_from(-2).unwrap());
    assert_eq!(w.book.sender(admin).open_interest(CALL), U256::ZERO);
    // Settling again pays nothing.
    for h in holders {
        let q = w.quote(h);
        assert_eq!(
            w.book.sender(keeper).settle_account(h).motsu_unwrap(),
            I256::ZERO
        );
        assert_eq!(w.quote(h), q);
    }
}

#[motsu::test]
fn settlement_on_a_round_price_is_exact_and_puts_pay_below_the_strike(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    keeper: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let holders = four_holders(&w, PUT);
    let calls = four_holders(&w, CALL);
    assert_eq!(holders, calls);
    let past = expire(&w, PUT);
    expire(&w, CALL);
    // 2,812.5: the put pays 187.5 per contract, the call nothing.
    w.om.sender(admin).set_settlement(past, u256(281_250 * PP));
    let before: Vec<I256> = holders.iter().map(|h| w.quote(*h)).collect();
    let mut sum = I256::ZERO;
    for (h, k) in holders.iter().zip([33i64, -11, 7, -29]) {
        let paid = w.book.sender(keeper).settle_account(*h).motsu_unwrap();
        // k / 10 x 187.5 exactly.
        let exact = I256::try_from(k).unwrap() * I256::try_from(u256(1_875 * PP)).unwrap();
        assert_eq!(paid, exact);
        sum += paid;
        // Both series closed: the call (worth nothing) too.
        assert_eq!(w.book.sender(admin).positions(*h), (vec![], vec![]));
    }
    assert_eq!(sum, I256::ZERO);
    let after: I256 = holders
        .iter()
        .enumerate()
        .fold(I256::ZERO, |acc, (k, h)| acc + w.quote(*h) - before[k]);
    assert_eq!(after, I256::ZERO);
    w.book.assert_emitted(&OptionSettled {
        account: holders[0],
        series: CALL,
        size: tenths(33),
        settlementPrice: u256(281_250 * PP),
        payout: I256::ZERO,
        openInterest: wad(4) - tenths(33).unsigned_abs(),
    });
}

#[motsu::test]
fn expired_series_wait_for_their_price_and_settle_on_the_next_fill(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    keeper: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b, c) = (acct(1), acct(2), acct(3));
    // a holds 16 series, the first of which (CALL, long 1 against b) will expire.
    w.fill(CALL, a, b, wad(50), swad(1)).unwrap();
    for i in 0..15u32 {
        let id = OPTION_ID_BASE + 10 + i;
        w.om.sender(admin)
            .add_series(id, ETH, EXPIRY, wad(2_000 + 100 * u64::from(i)), true);
        w.fill(id, a, c, wad(1), swad(1)).unwrap();
    }
    let new = OPTION_ID_BASE + 30;
    w.om.sender(admin)
        .add_series(new, ETH, EXPIRY, wad(3_500), true);
    let past = expire(&w, CALL);
    // Expired without a settlement price: nothing settles, the position stays, and it still
    // takes its place among the 16.
    let before = w.state(&[a, b, c]);
    assert_eq!(
        w.book.sender(keeper).settle_account(a).motsu_unwrap(),
        I256::ZERO
    );
    assert_eq!(w.state(&[a, b, c]), before);
    let e = w.fill(new, a, c, wad(1), swad(1)).unwrap_err();
    assert_eq!(
        decode::<TooManySeries>(e),
        TooManySeries {
            account: a,
            max: U256::from(16u8)
        }
    );
    // And the series no longer trades.
    let e = w.fill(CALL, a, b, wad(1), swad(-1)).unwrap_err();
    assert_eq!(
        decode::<SeriesExpired>(e),
        SeriesExpired {
            series: CALL,
            expiry: past
        }
    );
    // Settled at 3,400: the next fill of a settles the call first (400 from b to a), which
    // frees the place the new series takes.
    w.om.sender(admin).set_settlement(past, wad(3_400));
    let (qa, qb) = (w.quote(a), w.quote(b));
    w.fill(new, a, c, wad(1), swad(1)).unwrap();
    w.book.assert_emitted(&OptionSettled {
        account: a,
        series: CALL,
        size: swad(1),
        settlementPrice: wad(3_400),
        payout: swad(400),
        openInterest: U256::ZERO,
    });
    let (ids, _) = w.book.sender(admin).positions(a);
    assert_eq!(ids.len(), 16);
    assert!(!ids.contains(&CALL) && ids.contains(&new));
    // a received 400 and paid 1 of premium and its maker fee (capped at 12.5 % of 1).
    let fee = u256(125 * PP / 10);
    assert_eq!(
        w.quote(a) - qa,
        swad(400) - swad(1) - I256::try_from(fee).unwrap()
    );
    // b's short is still open until b is touched: settleAccount pays it.
    assert_eq!(w.quote(b), qb);
    assert_eq!(w.book.sender(admin).position(b, CALL), swad(-1));
    assert_eq!(
        w.book.sender(keeper).settle_account(b).motsu_unwrap(),
        swad(-400)
    );
    assert_eq!(w.quote(b) - qb, swad(-400));
    assert_eq!(w.book.sender(admin).positions(b), (vec![], vec![]));
}

// ----------------------------------------------------------------------
// Against the real OptionMarkets and RiskModule
// ----------------------------------------------------------------------

#[motsu::test]
fn a_fill_against_the_real_option_markets(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    markets: Contract<option_markets::OptionMarkets>,
    risk: Contract<risk_module::RiskModule>,
    feed: Contract<mock_aggregator::MockAggregator>,
    admin: Address,
    exchange: Address,
) {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    feed.sender(admin).set_answer(
        I256::try_from(300_000_000_000_i64).unwrap(),
        U256::from(NOW),
    );
    risk.sender(admin)
        .list_asset(
            ETH,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            u256(35 * PP / 10),
        )
        .motsu_unwrap();
    markets.sender(admin).constructor(admin, risk.address());
    markets
        .sender(admin)
        .enable_class(
            ETH,
            90 * 86_400,
            wad(50),
            WAD / U256::from(10u8),
            wad(1_000),
            maker_rate(),
            taker_rate(),
            3_600,
        )
        .motsu_unwrap();
    markets
        .sender(admin)
        .grant_role(option_markets::LISTER_ROLE.into(), admin)
        .motsu_unwrap();
    markets
        .sender(admin)
        .grant_role(option_markets::VOL_ORACLE_ROLE.into(), admin)
        .motsu_unwrap();
    let id = markets
        .sender(admin)
        .list_series(ETH, EXPIRY, wad(3_100), false)
        .motsu_unwrap();
    vault.sender(admin).constructor(admin, USDC);
    ch.sender(admin)
        .constructor(admin, vault.address(), Address::repeat_byte(0x99));
    ch.sender(admin)
        .set_fee_config(
            insurance(),
            treasury(),
            clearinghouse::DEFAULT_INSURANCE_SHARE,
        )
        .motsu_unwrap();
    book.sender(admin).constructor(
        admin,
        vault.address(),
        markets.address(),
        ch.address(),
        risk.address(),
    );
    vault
        .sender(admin)
        .grant_role(CLEARING_ROLE.into(), book.address())
        .motsu_unwrap();
    book.sender(admin).set_exchange(exchange).motsu_unwrap();
    let (a, b) = (acct(1), acct(2));
    // No volatility posted: not fresh, an opening fill is refused.
    let e = book
        .sender(exchange)
        .apply_option_fill(id, a, b, wad(150), swad(2))
        .motsu_unwrap_err();
    assert_eq!(
        decode::<VolatilityNotFresh>(e),
        VolatilityNotFresh {
            underlying: ETH,
            expiry: EXPIRY
        }
    );
    // Unknown series: OptionMarkets' own error.
    let e = book
        .sender(exchange)
        .apply_option_fill(id + 1, a, b, wad(150), swad(2))
        .motsu_unwrap_err();
    assert_eq!(
        decode::<option_markets::UnknownSeries>(e),
        option_markets::UnknownSeries { id: id + 1 }
    );
    markets
        .sender(admin)
        .post_volatility(ETH, EXPIRY, u256(60 * PP))
        .motsu_unwrap();
    book.sender(exchange)
        .apply_option_fill(id, a, b, wad(150), swad(2))
        .motsu_unwrap();
    // Premium 300; fees on 6,000 of notional: 1.8 and 3 (the default cap, 12.5 % of 300, does
    // not bind).
    let q = |x: B256| vault.sender(admin).quote_balance(x).motsu_unwrap();
    assert_eq!(q(a), -swad(300) - I256::try_from(u256(180 * PP)).unwrap());
    assert_eq!(q(b), swad(300) - swad(3));
    assert_eq!(
        q(insurance()) + q(treasury()),
        I256::try_from(u256(480 * PP)).unwrap()
    );
    assert_eq!(book.sender(admin).open_interest(id), wad(2));
    assert_eq!(book.sender(admin).positions(b), (vec![id], vec![swad(-2)]));
}

// ----------------------------------------------------------------------
// Margin rows
// ----------------------------------------------------------------------

fn rows_of(w: &World, account: B256) -> MarginRows {
    let words = w.book.sender(w.admin).margin_rows(account).motsu_unwrap();
    let bytes: Vec<u8> = words.iter().flat_map(|x| x.to_be_bytes::<32>()).collect();
    MarginRows::decode(&bytes).unwrap()
}

#[motsu::test]
fn margin_rows_follow_positions_expiry_and_settlement(
    book: Contract<OptionBook>,
    vault: Contract<CollateralVault>,
    ch: Contract<Clearinghouse>,
    om: Contract<MockMarkets>,
    admin: Address,
    exchange: Address,
    keeper: Address,
) {
    let w = world!(book, vault, ch, om, admin, exchange);
    let (a, b) = (acct(1), acct(2));
    // An account without positions: an empty answer.
    assert!(w
        .book
        .sender(admin)
        .margin_rows(acct(9))
        .motsu_unwrap()
        .is_empty());
    // a: long 2 calls, short 0.5 put.
    w.fill(CALL, a, b, wad(50), swad(2)).unwrap();
    w.fill(PUT, b, a, wad(50), tenths(5)).unwrap();
    let vol = u256(60 * PP);
    let call_row = OptionRow {
        underlying: 0,
        is_call: true,
        strike: wad(3_000),
        seconds: EXPIRY - NOW,
        vol,
        size: swad(2),
    };
    let put_row = OptionRow {
        is_call: false,
        size: tenths(-5),
        ..call_row
    };
    let r = rows_of(&w, a);
    assert_eq!(r.owed, I256::ZERO);
    // OptionMarkets' codes 2 to 18, in the margin input's order.
    assert_eq!(
        r.params,
        core::array::from_fn::<U256, 17, _>(|i| U256::from(i + 2))
    );
    assert_eq!(r.underlyings(), &[ETH]);
    assert_eq!(r.sigma_daily[0], u256(35 * PP / 10));
    assert_eq!(r.iv_near(0), vol);
    assert_eq!(r.rows(), &[call_row, put_row]);
    // The call expires without a settlement price: marked at intrinsic (seconds 0); IV_near
    // is the put's, the live one.
    let past = expire(&w, CALL);
    let r = rows_of(&w, a);
    let pending = OptionRow {
        seconds: 0,
        vol: U256::ZERO,
        ..call_row
    };
    assert_eq!(r.rows(), &[pending, put_row]);
    assert_eq!(r.iv_near(0), vol);
    assert_eq!(r.owed, I256::ZERO);
    // Settled at 3,100: a is owed 2 x 100 (b owes it); the row leaves.
    w.om.sender(admin).set_settlement(past, wad(3_100));
    let r = rows_of(&w, a);
    assert_eq!(r.owed, swad(200));
    assert_eq!(r.rows(), &[put_row]);
    let rb = rows_of(&w, b);
    assert_eq!(rb.owed, swad(-200));
    // Paid: exactly the owed value moves, and nothing is owed any more.
    assert_eq!(
        w.book.sender(keeper).settle_account(a).motsu_unwrap(),
        swad(200)
    );
    let r = rows_of(&w, a);
    assert_eq!(r.owed, I256::ZERO);
    assert_eq!(r.rows(), &[put_row]);
    // b's only option left is the long put; once its call is paid too, the answer has no
    // owed value.
    assert_eq!(
        w.book.sender(keeper).settle_account(b).motsu_unwrap(),
        swad(-200)
    );
    assert_eq!(rows_of(&w, b).owed, I256::ZERO);
}
