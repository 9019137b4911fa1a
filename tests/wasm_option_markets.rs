//! OptionMarkets on the deployable WASM beside the RiskModule and its feeds, run by the offline
//! runtime with block time moving: a class enabled by the owner, roles granted, series listed,
//! an implied volatility that goes stale after its heartbeat (the fallback then applies),
//! parameter changes spaced by their interval, the expiry passing, and its settlement from the
//! feed round in force at expiry (a round too early, too late, or without a successor refused,
//! the sequencer checked, the price recorded once). Needs `scripts/build-wasm` first.
use alloy_primitives::{aliases::U80, Address, B256, I256, U256};
use alloy_sol_types::sol;
use clearing_core::trading::options::{annualised_vol, fallback_vol, OPTION_ID_BASE};
use clearing_core::{u256, OptionParam, WAD};
use stylus_runtime::{read_wasm, Runtime};

sol! {
    #[derive(Debug, PartialEq)]
    contract Feed {
        constructor(uint8 decimals, string description);
        function setAnswer(int256 answer, uint256 updated_at) external;
    }
    #[derive(Debug, PartialEq)]
    contract Sequencer {
        function setStatus(bool up, uint256 since) external;
    }
    #[derive(Debug, PartialEq)]
    contract Risk {
        constructor(address admin);
        function listAsset(address asset, address feed, uint64 heartbeat, uint256 min_price, uint256 max_price, uint8 bucket, uint256 depth, uint256 initial_volatility) external;
        function setSequencerFeed(address feed) external;
    }
    #[derive(Debug, PartialEq)]
    contract Options {
        constructor(address admin, address risk_module);
        function grantRole(bytes32 role, address account) external;
        function setOptionParameter(uint8 code, uint256 value) external;
        function optionParameter(uint8 code) external view returns (uint256);
        function enableClass(address underlying, uint64 max_horizon, uint256 strike_tick, uint256 min_size, uint256 max_open_interest, uint256 maker_fee, uint256 taker_fee, uint64 iv_heartbeat) external;
        function listSeries(address underlying, uint64 expiry, uint256 strike, bool is_call) external returns (uint32);
        function series(uint32 id) external view returns (address, uint64, uint256, bool, uint256, uint256);
        function liveSeries(address underlying) external view returns (uint32[]);
        function postVolatility(address underlying, uint64 expiry, uint256 vol) external;
        function volatility(address underlying, uint64 expiry) external view returns (uint256, bool);
        function settleExpiry(address underlying, uint64 expiry, uint80 round_id) external returns (uint256);
        function settlementPrice(address underlying, uint64 expiry) external view returns (uint256);
        event ClassEnabled(address indexed underlying, uint64 maxHorizon, uint256 strikeTick, uint256 minSize, uint256 maxOpenInterest, uint256 makerFee, uint256 takerFee, uint64 ivHeartbeat);
        event SeriesListed(uint32 indexed id, address indexed underlying, uint64 expiry, uint256 strike, bool isCall);
        event VolatilityPosted(address indexed underlying, uint64 indexed expiry, uint256 vol, uint256 realisedVol);
        event ExpirySettled(address indexed underlying, uint64 indexed expiry, uint80 roundId, uint256 price);
        event OptionParameterSet(uint8 indexed param, uint256 oldValue, uint256 newValue);
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
        error ParameterOutOfBounds(uint8 param, uint256 value);
        error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
        error ExpiryPassed(address underlying, uint64 expiry);
        error ExpiryNotReached(address underlying, uint64 expiry);
        error ExpiryAlreadySettled(address underlying, uint64 expiry, uint256 price);
        error SettlementRoundTooLate(uint80 roundId, uint256 updatedAt, uint64 expiry);
        error SettlementRoundTooEarly(uint80 roundId, uint256 nextUpdatedAt, uint64 expiry);
        error RoundMissing(address asset, uint80 roundId);
        error SequencerDown();
        error SequencerGracePeriod(uint256 upSince);
        error PriceNonPositive(address asset, int256 answer);
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

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

struct System {
    rt: Runtime,
    admin: Address,
    eth: Address,
    feed: Address,
    risk: Address,
    om: Address,
}

impl System {
    fn deploy() -> Self {
        let wasm = |name: &str| read_wasm(name).unwrap_or_else(|e| panic!("{e}"));
        let mut rt = Runtime::new();
        rt.set_timestamp(T0 + HOUR);
        let admin = rt.new_account();
        let eth = rt.new_account();
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
        let mut s = System {
            rt,
            admin,
            eth,
            feed,
            risk,
            om,
        };
        s.price(3000);
        s.rt.call(
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
        s
    }

    /// A new feed round at the current block time.
    fn price(&mut self, dollars: i64) {
        let now = self.rt.block().timestamp;
        self.round(dollars, now);
    }

    /// A new feed round (the next id) updated at `at`.
    fn round(&mut self, dollars: i64, at: u64) {
        let (admin, feed) = (self.admin, self.feed);
        self.rt
            .call(
                admin,
                feed,
                &Feed::setAnswerCall {
                    answer: I256::try_from(dollars * E8).unwrap(),
                    updated_at: U256::from(at),
                },
                U256::ZERO,
            )
            .unwrap();
    }

    fn vol(&mut self, expiry: u64) -> (U256, bool) {
        let r = self
            .rt
            .view(
                self.admin,
                self.om,
                &Options::volatilityCall {
                    underlying: self.eth,
                    expiry,
                },
            )
            .unwrap();
        (r._0, r._1)
    }

    fn settle(&mut self, expiry: u64, round: u64) -> Result<U256, stylus_runtime::CallError> {
        let who = self.rt.new_account();
        let call = Options::settleExpiryCall {
            underlying: self.eth,
            expiry,
            round_id: U80::from(round),
        };
        self.rt.call(who, self.om, &call, U256::ZERO).map(|r| r._0)
    }

    fn settled(&mut self, expiry: u64) -> U256 {
        let call = Options::settlementPriceCall {
            underlying: self.eth,
            expiry,
        };
        self.rt.view(self.admin, self.om, &call).unwrap()._0
    }

    fn set_param(&mut self, p: OptionParam, value: U256) -> Result<(), stylus_runtime::CallError> {
        let call = Options::setOptionParameterCall {
            code: p as u8,
            value,
        };
        let admin = self.admin;
        self.rt.call(admin, self.om, &call, U256::ZERO).map(drop)
    }
}

#[test]
fn option_series_from_listing_to_settlement() {
    let mut s = System::deploy();
    let (admin, om, eth, z) = (s.admin, s.om, s.eth, U256::ZERO);
    let lister = s.rt.new_account();
    let oracle = s.rt.new_account();

    // The owner enables the ETH class: 90 days, tick 50, min 0.1, cap 1,000, 3 / 5 bp, IV
    // heartbeat 1 h.
    let enable = Options::enableClassCall {
        underlying: eth,
        max_horizon: 90 * DAY,
        strike_tick: wad(50),
        min_size: WAD / U256::from(10),
        max_open_interest: wad(1000),
        maker_fee: u256(3 * PP / 100),
        taker_fee: u256(5 * PP / 100),
        iv_heartbeat: HOUR,
    };
    let e = s.rt.call(lister, om, &enable, z).unwrap_err();
    assert_eq!(
        e.decode::<Options::AccessControlUnauthorizedAccount>(),
        Some(Options::AccessControlUnauthorizedAccount {
            account: lister,
            neededRole: B256::ZERO
        })
    );
    s.rt.call(admin, om, &enable, z).unwrap();
    let events =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::ClassEnabled>();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].maxHorizon, 90 * DAY);

    // Roles: listing waits for LISTER_ROLE.
    let expiry = T0 + 2 * DAY + 8 * HOUR;
    let list = |strike: u64, is_call: bool| Options::listSeriesCall {
        underlying: eth,
        expiry,
        strike: wad(strike),
        is_call,
    };
    let e = s.rt.call(lister, om, &list(3000, true), z).unwrap_err();
    assert_eq!(
        e.decode::<Options::AccessControlUnauthorizedAccount>(),
        Some(Options::AccessControlUnauthorizedAccount {
            account: lister,
            neededRole: LISTER_ROLE.into()
        })
    );
    for (role, who) in [(LISTER_ROLE, lister), (VOL_ORACLE_ROLE, oracle)] {
        let grant = Options::grantRoleCall {
            role: role.into(),
            account: who,
        };
        s.rt.call(admin, om, &grant, z).unwrap();
    }
    let call = s.rt.call(lister, om, &list(3000, true), z).unwrap()._0;
    let put = s.rt.call(lister, om, &list(2500, false), z).unwrap()._0;
    assert_eq!((call, put), (OPTION_ID_BASE, OPTION_ID_BASE + 1));
    let listed =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::SeriesListed>();
    assert_eq!(
        listed,
        vec![Options::SeriesListed {
            id: put,
            underlying: eth,
            expiry,
            strike: wad(2500),
            isCall: false
        }]
    );

    // Implied volatility: fresh for an hour, then the fallback (realised x 1.25).
    let realised = annualised_vol(u256(35 * PP / 10)).unwrap();
    let fallback = fallback_vol(realised, u256(125 * PP)).unwrap();
    assert_eq!(s.vol(expiry), (fallback, false));
    let post = Options::postVolatilityCall {
        underlying: eth,
        expiry,
        vol: u256(80 * PP),
    };
    s.rt.call(oracle, om, &post, z).unwrap();
    let posted =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::VolatilityPosted>();
    assert_eq!(posted[0].realisedVol, realised);
    assert_eq!(s.vol(expiry), (u256(80 * PP), true));
    s.rt.advance_time(HOUR - 1);
    assert_eq!(s.vol(expiry), (u256(80 * PP), true));
    s.rt.advance_time(1);
    assert_eq!(s.vol(expiry), (fallback, false));

    // The multiplier moves by its rule, a day apart; the fallback follows at once.
    s.set_param(OptionParam::IvMultiplier, u256(150 * PP))
        .unwrap();
    let changed =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::OptionParameterSet>();
    assert_eq!(changed[0].newValue, u256(150 * PP));
    assert_eq!(
        s.vol(expiry),
        (fallback_vol(realised, u256(150 * PP)).unwrap(), false)
    );
    let e = s
        .set_param(OptionParam::IvMultiplier, u256(125 * PP))
        .unwrap_err();
    let now = s.rt.block().timestamp;
    assert_eq!(
        e.decode::<Options::ParameterChangedTooSoon>(),
        Some(Options::ParameterChangedTooSoon {
            param: OptionParam::IvMultiplier as u8,
            nextAllowedAt: now + DAY
        })
    );
    // The tail floor may never pass the tail cap: the cap comes down 10 pp a day to 30 %, the
    // floor up 5 pp to 30 %; 35 % is then refused although within its own bounds and step.
    s.set_param(OptionParam::TailCap, u256(40 * PP)).unwrap();
    s.set_param(OptionParam::TailFloor, u256(30 * PP)).unwrap();
    s.rt.advance_time(DAY);
    s.set_param(OptionParam::TailCap, u256(30 * PP)).unwrap();
    let e = s
        .set_param(OptionParam::TailFloor, u256(35 * PP))
        .unwrap_err();
    assert_eq!(
        e.decode::<Options::ParameterOutOfBounds>(),
        Some(Options::ParameterOutOfBounds {
            param: OptionParam::TailFloor as u8,
            value: u256(35 * PP)
        })
    );
    let floor = Options::optionParameterCall {
        code: OptionParam::TailFloor as u8,
    };
    assert_eq!(s.rt.view(admin, om, &floor).unwrap()._0, u256(30 * PP));

    // Two hours before expiry ETH's last round before it: 3,100. No round follows for hours
    // (the feed is stale at expiry, which settlement does not judge).
    s.rt.set_timestamp(expiry - 2 * HOUR);
    s.price(3050); // round 2
    s.price(3100); // round 3: in force at expiry
    let e = s.settle(expiry, 3).unwrap_err();
    assert_eq!(
        e.decode::<Options::ExpiryNotReached>(),
        Some(Options::ExpiryNotReached {
            underlying: eth,
            expiry
        })
    );
    s.rt.set_timestamp(expiry + 100);
    // Past expiry: no more volatility for it, and no series live.
    let e = s.rt.call(oracle, om, &post, z).unwrap_err();
    assert_eq!(
        e.decode::<Options::ExpiryPassed>(),
        Some(Options::ExpiryPassed {
            underlying: eth,
            expiry
        })
    );
    let live = Options::liveSeriesCall { underlying: eth };
    assert!(s.rt.view(admin, om, &live).unwrap()._0.is_empty());
    // Round 3 has no successor yet: it may not be the round at expiry.
    let e = s.settle(expiry, 3).unwrap_err();
    assert_eq!(
        e.decode::<Options::RoundMissing>(),
        Some(Options::RoundMissing {
            asset: eth,
            roundId: U80::from(4)
        })
    );
    // Round 4 comes after expiry.
    s.rt.set_timestamp(expiry + 300);
    s.price(3200); // round 4
    let e = s.settle(expiry, 2).unwrap_err();
    assert_eq!(
        e.decode::<Options::SettlementRoundTooEarly>(),
        Some(Options::SettlementRoundTooEarly {
            roundId: U80::from(2),
            nextUpdatedAt: U256::from(expiry - 2 * HOUR),
            expiry
        })
    );
    let e = s.settle(expiry, 4).unwrap_err();
    assert_eq!(
        e.decode::<Options::SettlementRoundTooLate>(),
        Some(Options::SettlementRoundTooLate {
            roundId: U80::from(4),
            updatedAt: U256::from(expiry + 300),
            expiry
        })
    );
    assert_eq!(s.settled(expiry), U256::ZERO, "refusals record nothing");

    // The sequencer: down, then up within its grace period, then past it.
    let seq =
        s.rt.deploy_without_constructor(admin, &read_wasm("mock-sequencer-feed").unwrap())
            .unwrap();
    let set_seq = Risk::setSequencerFeedCall { feed: seq };
    s.rt.call(admin, s.risk, &set_seq, z).unwrap();
    let now = s.rt.block().timestamp;
    let status = |up: bool, since: u64| Sequencer::setStatusCall {
        up,
        since: U256::from(since),
    };
    s.rt.call(admin, seq, &status(false, now - 60), z).unwrap();
    let e = s.settle(expiry, 3).unwrap_err();
    assert_eq!(
        e.decode::<Options::SequencerDown>(),
        Some(Options::SequencerDown {})
    );
    s.rt.call(admin, seq, &status(true, now), z).unwrap();
    let e = s.settle(expiry, 3).unwrap_err();
    assert_eq!(
        e.decode::<Options::SequencerGracePeriod>(),
        Some(Options::SequencerGracePeriod {
            upSince: U256::from(now)
        })
    );
    s.rt.advance_time(HOUR + 1);

    // The round in force at expiry settles it, once.
    let price = s.settle(expiry, 3).unwrap();
    assert_eq!(price, wad(3100));
    let settled =
        s.rt.last_receipt()
            .unwrap()
            .events::<Options::ExpirySettled>();
    assert_eq!(
        settled,
        vec![Options::ExpirySettled {
            underlying: eth,
            expiry,
            roundId: U80::from(3),
            price: wad(3100)
        }]
    );
    assert_eq!(s.settled(expiry), wad(3100));
    let series =
        s.rt.view(admin, om, &Options::seriesCall { id: put })
            .unwrap();
    assert_eq!((series._2, series._4), (wad(2500), wad(3100)));
    for round in [3, 4, 2] {
        let e = s.settle(expiry, round).unwrap_err();
        assert_eq!(
            e.decode::<Options::ExpiryAlreadySettled>(),
            Some(Options::ExpiryAlreadySettled {
                underlying: eth,
                expiry,
                price: wad(3100)
            })
        );
    }
    assert_eq!(s.settled(expiry), wad(3100));

    // Listing goes on: the expired series have left the live list.
    s.price(3200);
    let next = Options::listSeriesCall {
        underlying: eth,
        expiry: expiry + 7 * DAY,
        strike: wad(3200),
        is_call: true,
    };
    let id = s.rt.call(lister, om, &next, z).unwrap()._0;
    assert_eq!(id, OPTION_ID_BASE + 2);
    assert_eq!(s.rt.view(admin, om, &live).unwrap()._0, vec![id]);
}

#[test]
fn a_non_positive_round_cannot_settle() {
    let mut s = System::deploy();
    let (admin, om, eth, z) = (s.admin, s.om, s.eth, U256::ZERO);
    let enable = Options::enableClassCall {
        underlying: eth,
        max_horizon: 90 * DAY,
        strike_tick: wad(50),
        min_size: WAD,
        max_open_interest: wad(1000),
        maker_fee: z,
        taker_fee: z,
        iv_heartbeat: HOUR,
    };
    s.rt.call(admin, om, &enable, z).unwrap();
    let grant = Options::grantRoleCall {
        role: LISTER_ROLE.into(),
        account: admin,
    };
    s.rt.call(admin, om, &grant, z).unwrap();
    let expiry = T0 + 8 * HOUR;
    let list = Options::listSeriesCall {
        underlying: eth,
        expiry,
        strike: wad(3000),
        is_call: true,
    };
    s.rt.call(admin, om, &list, z).unwrap();
    s.rt.set_timestamp(expiry - 10);
    s.price(0); // round 2: a zero answer
    s.rt.set_timestamp(expiry + 10);
    s.price(3000); // round 3
    let e = s.settle(expiry, 2).unwrap_err();
    assert_eq!(
        e.decode::<Options::PriceNonPositive>(),
        Some(Options::PriceNonPositive {
            asset: eth,
            answer: I256::ZERO
        })
    );
    assert_eq!(s.settled(expiry), z);
}
