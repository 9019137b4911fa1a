//! The OptionBook on the deployable WASM beside the real OptionMarkets, RiskModule, vault and
//! Clearinghouse, run by the offline runtime with block time moving: a series listed, fills
//! with a fresh volatility, the volatility going stale (risk-increasing fills refused, reducing
//! ones booked), the expiry passing (the series no longer trades), its settlement price
//! recorded from the feed round in force, and every holder settled by `settleAccount` (and on
//! the next fill) with payouts that sum to zero, open interest back to zero and nothing paid
//! twice. The Exchange is an account here (its routing of option orders is not built yet).
//! Needs `scripts/build-wasm mock-aggregator risk-module option-markets collateral-vault
//! clearinghouse option-book` first.
use alloy_primitives::{aliases::U80, Address, B256, I256, U256};
use alloy_sol_types::sol;
use clearing_core::trading::options::OPTION_ID_BASE;
use clearing_core::{u256, WAD};
use stylus_runtime::{read_wasm, Runtime};

sol! {
    #[derive(Debug, PartialEq)]
    contract Feed {
        constructor(uint8 decimals, string description);
        function setAnswer(int256 answer, uint256 updated_at) external;
    }
    #[derive(Debug, PartialEq)]
    contract Risk {
        constructor(address admin);
        function listAsset(address asset, address feed, uint64 heartbeat, uint256 min_price, uint256 max_price, uint8 bucket, uint256 depth, uint256 initial_volatility) external;
    }
    #[derive(Debug, PartialEq)]
    contract Options {
        constructor(address admin, address risk_module);
        function grantRole(bytes32 role, address account) external;
        function enableClass(address underlying, uint64 max_horizon, uint256 strike_tick, uint256 min_size, uint256 max_open_interest, uint256 maker_fee, uint256 taker_fee, uint64 iv_heartbeat) external;
        function listSeries(address underlying, uint64 expiry, uint256 strike, bool is_call) external returns (uint32);
        function postVolatility(address underlying, uint64 expiry, uint256 vol) external;
        function settleExpiry(address underlying, uint64 expiry, uint80 round_id) external returns (uint256);
    }
    #[derive(Debug, PartialEq)]
    contract Vault {
        constructor(address admin, address quote_asset);
        function grantRole(bytes32 role, address account) external;
        function quoteBalance(bytes32 account) external view returns (int256);
    }
    #[derive(Debug, PartialEq)]
    contract House {
        constructor(address admin, address vault, address markets);
        function setFeeConfig(bytes32 insurance_account, bytes32 treasury_account, uint256 insurance_share) external;
    }
    #[derive(Debug, PartialEq)]
    contract Book {
        constructor(address admin, address vault, address option_markets, address clearinghouse, address risk_module);
        function setExchange(address exchange) external;
        function applyOptionFill(uint32 series, bytes32 maker, bytes32 taker, uint256 premium, int256 maker_delta) external;
        function settleAccount(bytes32 account) external returns (int256);
        function positions(bytes32 account) external view returns (uint32[], int256[]);
        function position(bytes32 account, uint32 series) external view returns (int256);
        function openInterest(uint32 series) external view returns (uint256);
        event OptionFill(uint32 indexed series, bytes32 indexed maker, bytes32 indexed taker, int256 makerDelta, uint256 premium, uint256 premiumAmount, uint256 makerFee, uint256 takerFee, uint256 insuranceFee, uint256 treasuryFee, int256 makerSize, int256 takerSize, uint256 openInterest);
        event OptionSettled(bytes32 indexed account, uint32 indexed series, int256 size, uint256 settlementPrice, int256 payout, uint256 openInterest);
        error SeriesExpired(uint32 series, uint64 expiry);
        error VolatilityNotFresh(address underlying, uint64 expiry);
    }
}

const E8: i64 = 100_000_000;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// Midnight UTC, 2025-06-16.
const T0: u64 = 1_750_032_000;
const PP: u128 = 10_000_000_000_000_000;
const LISTER_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"LISTER_ROLE")
    .finalize();
const VOL_ORACLE_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"VOL_ORACLE_ROLE")
    .finalize();
const CLEARING_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"CLEARING_ROLE")
    .finalize();

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

fn acct(n: u8) -> B256 {
    clearing_core::encode_account(Address::repeat_byte(n), 0)
}

struct System {
    rt: Runtime,
    admin: Address,
    exchange: Address,
    eth: Address,
    feed: Address,
    om: Address,
    vault: Address,
    book: Address,
}

impl System {
    fn deploy() -> Self {
        let wasm = |name: &str| read_wasm(name).unwrap_or_else(|e| panic!("{e}"));
        let mut rt = Runtime::new();
        rt.set_timestamp(T0 + HOUR);
        let admin = rt.new_account();
        let exchange = rt.new_account();
        let eth = rt.new_account();
        let usdc = rt.new_account();
        let z = U256::ZERO;
        let feed = rt
            .deploy(
                admin,
                &wasm("mock-aggregator"),
                &Feed::constructorCall {
                    decimals: 8,
                    description: "ETH / USD".into(),
                },
                z,
            )
            .unwrap();
        let risk = rt
            .deploy(
                admin,
                &wasm("risk-module"),
                &Risk::constructorCall { admin },
                z,
            )
            .unwrap();
        let om = rt
            .deploy(
                admin,
                &wasm("option-markets"),
                &Options::constructorCall {
                    admin,
                    risk_module: risk,
                },
                z,
            )
            .unwrap();
        let vault = rt
            .deploy(
                admin,
                &wasm("collateral-vault"),
                &Vault::constructorCall {
                    admin,
                    quote_asset: usdc,
                },
                z,
            )
            .unwrap();
        let house = rt
            .deploy(
                admin,
                &wasm("clearinghouse"),
                &House::constructorCall {
                    admin,
                    vault,
                    markets: Address::repeat_byte(0x99),
                },
                z,
            )
            .unwrap();
        let book = rt
            .deploy(
                admin,
                &wasm("option-book"),
                &Book::constructorCall {
                    admin,
                    vault,
                    option_markets: om,
                    clearinghouse: house,
                    risk_module: risk,
                },
                z,
            )
            .unwrap();
        let mut s = System {
            rt,
            admin,
            exchange,
            eth,
            feed,
            om,
            vault,
            book,
        };
        s.price(3000);
        let r = &mut s.rt;
        r.call(
            admin,
            risk,
            &Risk::listAssetCall {
                asset: eth,
                feed,
                heartbeat: 3600,
                min_price: wad(100),
                max_price: wad(100_000),
                bucket: 0,
                depth: z,
                initial_volatility: u256(35 * PP / 10),
            },
            z,
        )
        .unwrap();
        r.call(
            admin,
            house,
            &House::setFeeConfigCall {
                insurance_account: acct(0xa1),
                treasury_account: acct(0xa2),
                insurance_share: WAD / U256::from(2u8),
            },
            z,
        )
        .unwrap();
        r.call(
            admin,
            vault,
            &Vault::grantRoleCall {
                role: CLEARING_ROLE.into(),
                account: book,
            },
            z,
        )
        .unwrap();
        r.call(admin, book, &Book::setExchangeCall { exchange }, z)
            .unwrap();
        // The ETH class: 90 days, tick 50, min 0.1, cap 1,000, 3 / 5 bp, IV heartbeat 1 h.
        r.call(
            admin,
            om,
            &Options::enableClassCall {
                underlying: eth,
                max_horizon: 90 * DAY,
                strike_tick: wad(50),
                min_size: WAD / U256::from(10u8),
                max_open_interest: wad(1000),
                maker_fee: u256(3 * PP / 100),
                taker_fee: u256(5 * PP / 100),
                iv_heartbeat: HOUR,
            },
            z,
        )
        .unwrap();
        for role in [LISTER_ROLE, VOL_ORACLE_ROLE] {
            let grant = Options::grantRoleCall {
                role: role.into(),
                account: admin,
            };
            r.call(admin, om, &grant, z).unwrap();
        }
        s
    }

    /// A new feed round at the current block time.
    fn price(&mut self, dollars: i64) {
        let now = self.rt.block().timestamp;
        let (admin, feed) = (self.admin, self.feed);
        self.rt
            .call(
                admin,
                feed,
                &Feed::setAnswerCall {
                    answer: I256::try_from(dollars * E8).unwrap(),
                    updated_at: U256::from(now),
                },
                U256::ZERO,
            )
            .unwrap();
    }

    fn fill(
        &mut self,
        series: u32,
        maker: B256,
        taker: B256,
        premium: U256,
        maker_delta: I256,
    ) -> Result<(), stylus_runtime::CallError> {
        let call = Book::applyOptionFillCall {
            series,
            maker,
            taker,
            premium,
            maker_delta,
        };
        let (exchange, book) = (self.exchange, self.book);
        self.rt.call(exchange, book, &call, U256::ZERO).map(drop)
    }

    fn quote(&mut self, account: B256) -> I256 {
        let call = Vault::quoteBalanceCall { account };
        self.rt.view(self.admin, self.vault, &call).unwrap()._0
    }

    fn position(&mut self, account: B256, series: u32) -> I256 {
        let call = Book::positionCall { account, series };
        self.rt.view(self.admin, self.book, &call).unwrap()._0
    }

    fn open_interest(&mut self, series: u32) -> U256 {
        let call = Book::openInterestCall { series };
        self.rt.view(self.admin, self.book, &call).unwrap()._0
    }

    fn settle_account(&mut self, account: B256) -> I256 {
        let keeper = self.rt.new_account();
        let (book, call) = (self.book, Book::settleAccountCall { account });
        self.rt.call(keeper, book, &call, U256::ZERO).unwrap()._0
    }

    fn post_vol(&mut self, expiry: u64) {
        let call = Options::postVolatilityCall {
            underlying: self.eth,
            expiry,
            vol: u256(80 * PP),
        };
        let (admin, om) = (self.admin, self.om);
        self.rt.call(admin, om, &call, U256::ZERO).unwrap();
    }
}

#[test]
fn options_from_listing_through_trading_to_settled_accounts() {
    let mut s = System::deploy();
    let (admin, om, eth, z) = (s.admin, s.om, s.eth, U256::ZERO);
    let expiry = T0 + 2 * DAY + 8 * HOUR;
    let list = |strike: u64, is_call: bool| Options::listSeriesCall {
        underlying: eth,
        expiry,
        strike: wad(strike),
        is_call,
    };
    let call = s.rt.call(admin, om, &list(3000, true), z).unwrap()._0;
    let put = s.rt.call(admin, om, &list(3200, false), z).unwrap()._0;
    assert_eq!((call, put), (OPTION_ID_BASE, OPTION_ID_BASE + 1));
    s.post_vol(expiry);
    let (a, b, c, d) = (acct(1), acct(2), acct(3), acct(4));
    let (ins, tre) = (acct(0xa1), acct(0xa2));

    // Fresh volatility: a buys 3 calls from b at 120, c buys 1.7 from d at 118.25; d buys 2
    // puts from a at 260.
    s.fill(call, a, b, wad(120), swad(3)).unwrap();
    let fill = s.rt.last_receipt().unwrap().events::<Book::OptionFill>();
    // 3 x 3,000 of notional: maker 2.7, taker 4.5; the cap (12.5 % of 360 = 45) does not bind.
    assert_eq!(fill[0].premiumAmount, wad(360));
    assert_eq!(
        (fill[0].makerFee, fill[0].takerFee),
        (u256(270 * PP), u256(450 * PP))
    );
    let tenth = I256::try_from(WAD / U256::from(10u8)).unwrap();
    s.fill(
        call,
        c,
        d,
        u256(11_825 * PP),
        I256::try_from(17).unwrap() * tenth,
    )
    .unwrap();
    s.fill(put, d, a, wad(260), swad(2)).unwrap();
    assert_eq!(s.open_interest(call), wad(3) + u256(170 * PP));
    assert_eq!(s.open_interest(put), wad(2));
    let everyone = [a, b, c, d, ins, tre];
    let total = |s: &mut System| everyone.iter().fold(I256::ZERO, |acc, x| acc + s.quote(*x));
    assert_eq!(
        total(&mut s),
        I256::ZERO,
        "premiums and fees move, not appear"
    );

    // An hour later the volatility is stale: a cannot buy more, b can buy back 1 from a.
    s.rt.advance_time(HOUR);
    s.price(3050);
    let e = s.fill(call, a, b, wad(120), swad(1)).unwrap_err();
    assert_eq!(
        e.decode::<Book::VolatilityNotFresh>(),
        Some(Book::VolatilityNotFresh {
            underlying: eth,
            expiry
        })
    );
    s.fill(call, b, a, wad(125), swad(1)).unwrap();
    assert_eq!(s.position(a, call), swad(2));
    assert_eq!(s.open_interest(call), wad(2) + u256(170 * PP));

    // Past the expiry: the series no longer trades.
    s.rt.set_timestamp(expiry - 2 * HOUR);
    s.price(3150); // round in force at expiry
    s.rt.set_timestamp(expiry + HOUR);
    s.price(3300);
    s.post_vol_after_expiry_is_refused(expiry);
    let e = s.fill(call, a, b, wad(1), swad(-1)).unwrap_err();
    assert_eq!(
        e.decode::<Book::SeriesExpired>(),
        Some(Book::SeriesExpired {
            series: call,
            expiry
        })
    );
    // Before the settlement price, settleAccount leaves everything in place.
    let before = total(&mut s);
    assert_eq!(s.settle_account(a), I256::ZERO);
    assert_eq!(s.position(a, call), swad(2));

    // The settlement price: the round updated two hours before expiry, 3,150.
    let keeper = s.rt.new_account();
    let settle = Options::settleExpiryCall {
        underlying: eth,
        expiry,
        round_id: U80::from(3),
    };
    assert_eq!(s.rt.call(keeper, om, &settle, z).unwrap()._0, wad(3150));
    // The call pays 150 per contract, the put (3,200) 50.
    let paid: Vec<I256> = [a, b, c, d].iter().map(|x| s.settle_account(*x)).collect();
    let settled = s.rt.last_receipt().unwrap().events::<Book::OptionSettled>();
    assert_eq!(settled.len(), 2, "d: a short call and a long put");
    let pp = |x: i64| I256::try_from(x).unwrap() * I256::try_from(u256(PP)).unwrap();
    assert_eq!(
        paid,
        vec![
            // a: long 2 calls (300), short 2 puts (-100)
            swad(200),
            // b: short 2 calls
            swad(-300),
            // c: long 1.7 calls
            pp(25_500),
            // d: short 1.7 calls, long 2 puts
            pp(-25_500) + swad(100),
        ]
    );
    assert_eq!(total(&mut s), before, "settlement is zero-sum to the wei");
    assert_eq!(s.open_interest(call), U256::ZERO);
    assert_eq!(s.open_interest(put), U256::ZERO);
    for x in [a, b, c, d] {
        let view = Book::positionsCall { account: x };
        // stylus-sdk 0.9 answers two arrays as one tuple (`Runtime::view_tuple`).
        let r = s.rt.view_tuple(admin, s.book, &view).unwrap();
        assert!(r._0.is_empty() && r._1.is_empty());
        // Nothing twice.
        let q = s.quote(x);
        assert_eq!(s.settle_account(x), I256::ZERO);
        assert_eq!(s.quote(x), q);
    }
}

impl System {
    /// After the expiry no volatility is posted for it (OptionMarkets' rule; checked here so
    /// that the life cycle shows the order of events).
    fn post_vol_after_expiry_is_refused(&mut self, expiry: u64) {
        let call = Options::postVolatilityCall {
            underlying: self.eth,
            expiry,
            vol: u256(80 * PP),
        };
        let (admin, om) = (self.admin, self.om);
        assert!(self.rt.call(admin, om, &call, U256::ZERO).is_err());
    }
}

#[test]
fn an_expired_series_settles_on_the_next_fill() {
    let mut s = System::deploy();
    let (admin, om, eth, z) = (s.admin, s.om, s.eth, U256::ZERO);
    let soon = T0 + 8 * HOUR;
    let later = T0 + DAY + 8 * HOUR;
    let mut list = |expiry: u64| {
        let call = Options::listSeriesCall {
            underlying: eth,
            expiry,
            strike: wad(3000),
            is_call: true,
        };
        s.rt.call(admin, om, &call, z).unwrap()._0
    };
    let first = list(soon);
    let second = list(later);
    s.post_vol(soon);
    s.post_vol(later);
    let (a, b) = (acct(1), acct(2));
    s.fill(first, a, b, wad(50), swad(1)).unwrap();
    s.rt.set_timestamp(soon - 60);
    s.price(2900); // round 2: out of the money
    s.rt.set_timestamp(soon + 60);
    s.price(2950);
    s.post_vol(later);
    let settle = Options::settleExpiryCall {
        underlying: eth,
        expiry: soon,
        round_id: U80::from(2),
    };
    s.rt.call(admin, om, &settle, z).unwrap();
    // a's next fill settles the worthless call first: it closes with no payout.
    let qa = s.quote(a);
    s.fill(second, a, b, wad(40), swad(1)).unwrap();
    let settled = s.rt.last_receipt().unwrap().events::<Book::OptionSettled>();
    assert_eq!(settled.len(), 2, "both accounts of the fill");
    assert!(settled.iter().all(|e| e.payout.is_zero()));
    assert_eq!(s.position(a, first), I256::ZERO);
    assert_eq!(s.position(b, first), I256::ZERO);
    assert_eq!(s.open_interest(first), U256::ZERO);
    // The premium of 40 and the maker fee (3 bp of 2,950 = 0.885; the cap is 5).
    assert_eq!(
        s.quote(a) - qa,
        -swad(40) - I256::try_from(u256(8_850 * PP / 100)).unwrap()
    );
}
