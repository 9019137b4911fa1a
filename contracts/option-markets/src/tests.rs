//! OptionMarkets on motsu with the real RiskModule and the mock aggregator. motsu's block time
//! is fixed (2025-01-01 00:00 UTC), so what needs time to pass (stale volatility, expiry,
//! settlement and its replay) is tested on the WASM runtime (`tests/wasm_option_markets.rs`).
use super::*;
use alloy_primitives::{address, I256};
use alloy_sol_types::SolError;
use clearing_core::governance::params::{DAY, HOUR};
use clearing_core::trading::options::{annualised_vol, OPTION_ID_BASE};
use clearing_core::{u256, WAD};
use mock_aggregator::MockAggregator;
use motsu::prelude::*;
use openzeppelin_stylus::access::control::{
    AccessControlUnauthorizedAccount, RoleGranted, RoleRevoked,
};
use risk_module::RiskModule;

/// motsu's fixed block timestamp: midnight UTC.
const NOW: u64 = 1_735_689_600;
/// A week ahead at 08:00 UTC.
const EXPIRY: u64 = NOW + 7 * DAY + 8 * HOUR;
const ETH: Address = address!("00000000000000000000000000000000000e7e00");
const E8: i64 = 100_000_000;
const PP: u128 = 10_000_000_000_000_000;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn decode<E: SolError>(bytes: Vec<u8>) -> E {
    E::abi_decode(&bytes, true).unwrap_or_else(|_| panic!("not a {}", E::SIGNATURE))
}

/// The class used throughout: 90 days, tick 50, min size 0.1, cap 1,000, fees 3 / 5 bp, IV
/// heartbeat 1 h.
/// A class's settings: horizon, tick, min size, cap, maker and taker fee, IV heartbeat.
type Class = (u64, u128, u128, u128, u128, u128, u64);

const CLASS: Class = (
    90 * DAY,
    50_000_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000_000,
    3 * PP / 100,
    5 * PP / 100,
    HOUR,
);

fn enable(om: &Contract<OptionMarkets>, who: Address, c: Class) -> Result<(), Vec<u8>> {
    om.sender(who)
        .enable_class(
            ETH,
            c.0,
            u256(c.1),
            u256(c.2),
            u256(c.3),
            u256(c.4),
            u256(c.5),
            c.6,
        )
        .motsu_res()
}

/// RiskModule with ETH at 3,000 (8-decimal feed, 3.5 % daily volatility), OptionMarkets on it,
/// the ETH class enabled and `lister` and `oracle` holding their roles.
fn setup(
    om: &Contract<OptionMarkets>,
    risk: &Contract<RiskModule>,
    feed: &Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    feed.sender(admin)
        .set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW));
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
    om.sender(admin).constructor(admin, risk.address());
    enable(om, admin, CLASS).unwrap();
    om.sender(admin)
        .grant_role(LISTER_ROLE.into(), lister)
        .motsu_unwrap();
    om.sender(admin)
        .grant_role(VOL_ORACLE_ROLE.into(), oracle)
        .motsu_unwrap();
}

macro_rules! world {
    ($om:ident, $risk:ident, $feed:ident, $admin:ident, $lister:ident, $oracle:ident) => {
        setup(&$om, &$risk, &$feed, $admin, $lister, $oracle)
    };
}

fn unauthorised(bytes: Vec<u8>, account: Address, role: [u8; 32]) {
    let e = decode::<AccessControlUnauthorizedAccount>(bytes);
    assert_eq!((e.account, e.needed_role), (account, role.into()));
}

// ----------------------------------------------------------------------
// Parameters
// ----------------------------------------------------------------------

#[motsu::test]
fn parameters_start_at_their_defaults(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let all = om.sender(admin).margin_params();
    for p in OptionParam::ALL {
        assert_eq!(all[p as usize - 1], p.default_value(), "{p:?}");
        assert_eq!(
            om.sender(admin).option_parameter(p as u8),
            p.default_value()
        );
    }
    assert_eq!(om.sender(admin).option_parameter(0), U256::ZERO);
    assert_eq!(om.sender(admin).option_parameter(21), U256::ZERO);
}

#[motsu::test]
fn parameter_changes_follow_their_rule(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let code = OptionParam::IvMultiplier as u8;
    let old = OptionParam::IvMultiplier.default_value();
    // Not the admin: a lister, an oracle, anyone.
    for who in [lister, oracle] {
        let e = om
            .sender(who)
            .set_option_parameter(code, old)
            .motsu_unwrap_err();
        unauthorised(e, who, ADMIN_ROLE);
    }
    // Unknown codes and values out of bounds (the multiplier is 1 ..= 3).
    for bad in [0u8, 21, 255] {
        let e = om
            .sender(admin)
            .set_option_parameter(bad, WAD)
            .motsu_unwrap_err();
        assert_eq!(
            decode::<ParameterOutOfBounds>(e),
            ParameterOutOfBounds {
                param: bad,
                value: WAD
            }
        );
    }
    for v in [
        WAD - U256::from(1),
        wad(3) + U256::from(1),
        U256::ZERO,
        U256::MAX,
    ] {
        let e = om
            .sender(admin)
            .set_option_parameter(code, v)
            .motsu_unwrap_err();
        assert_eq!(
            decode::<ParameterOutOfBounds>(e),
            ParameterOutOfBounds {
                param: code,
                value: v
            }
        );
    }
    // A step of more than 0.25.
    let far = old + u256(25 * PP) + U256::from(1);
    let e = om
        .sender(admin)
        .set_option_parameter(code, far)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<ParameterStepTooLarge>(e),
        ParameterStepTooLarge {
            param: code,
            oldValue: old,
            newValue: far
        }
    );
    assert_eq!(
        om.sender(admin).option_parameter(code),
        old,
        "refusals change nothing"
    );
    // A full step applies, with its event, and the next change waits a day.
    let new = old + u256(25 * PP);
    om.sender(admin)
        .set_option_parameter(code, new)
        .motsu_unwrap();
    om.assert_emitted(&OptionParameterSet {
        param: code,
        oldValue: old,
        newValue: new,
    });
    assert_eq!(om.sender(admin).option_parameter(code), new);
    assert_eq!(om.sender(admin).margin_params()[code as usize - 1], new);
    let e = om
        .sender(admin)
        .set_option_parameter(code, old)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<ParameterChangedTooSoon>(e),
        ParameterChangedTooSoon {
            param: code,
            nextAllowedAt: NOW + DAY
        }
    );
    assert_eq!(om.sender(admin).option_parameter(code), new);
    // The 128-bit parameter (portfolio minimum equity, 10^7 quote at most) and a duration.
    let pme = OptionParam::PortfolioMinEquity;
    let v = pme.default_value() + wad(100_000);
    om.sender(admin)
        .set_option_parameter(pme as u8, v)
        .motsu_unwrap();
    assert_eq!(om.sender(admin).option_parameter(pme as u8), v);
    let h = OptionParam::OptionHorizon;
    om.sender(admin)
        .set_option_parameter(h as u8, U256::from(12 * HOUR))
        .motsu_unwrap();
    assert_eq!(om.sender(admin).margin_params()[1], U256::from(12 * HOUR));
    // Other parameters were not touched.
    for p in OptionParam::ALL {
        if ![OptionParam::IvMultiplier, pme, h].contains(&p) {
            assert_eq!(
                om.sender(admin).option_parameter(p as u8),
                p.default_value()
            );
        }
    }
}

// ----------------------------------------------------------------------
// Roles
// ----------------------------------------------------------------------

#[motsu::test]
fn roles_are_the_admins_to_give(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
    mallory: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    om.assert_emitted(&RoleGranted {
        role: LISTER_ROLE.into(),
        account: lister,
        sender: admin,
    });
    assert!(om.sender(admin).has_role(VOL_ORACLE_ROLE.into(), oracle));
    for role in [LISTER_ROLE, VOL_ORACLE_ROLE, ADMIN_ROLE] {
        let e = om
            .sender(lister)
            .grant_role(role.into(), mallory)
            .motsu_unwrap_err();
        unauthorised(e, lister, ADMIN_ROLE);
        let e = om
            .sender(mallory)
            .revoke_role(role.into(), lister)
            .motsu_unwrap_err();
        unauthorised(e, mallory, ADMIN_ROLE);
    }
    assert!(!om.sender(admin).has_role(LISTER_ROLE.into(), mallory));
    assert!(om.sender(admin).has_role(LISTER_ROLE.into(), lister));
    om.sender(admin)
        .revoke_role(LISTER_ROLE.into(), lister)
        .motsu_unwrap();
    om.assert_emitted(&RoleRevoked {
        role: LISTER_ROLE.into(),
        account: lister,
        sender: admin,
    });
    let e = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(3000), true)
        .motsu_unwrap_err();
    unauthorised(e, lister, LISTER_ROLE);
    // The oracle role does not list, the lister role does not post.
    let e = om
        .sender(oracle)
        .list_series(ETH, EXPIRY, wad(3000), true)
        .motsu_unwrap_err();
    unauthorised(e, oracle, LISTER_ROLE);
}

// ----------------------------------------------------------------------
// Classes
// ----------------------------------------------------------------------

#[motsu::test]
fn class_settings_are_bounded(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let before = om.sender(admin).option_class(ETH);
    assert_eq!(
        before,
        (
            true,
            90 * DAY,
            u256(CLASS.1),
            u256(CLASS.2),
            u256(CLASS.3),
            u256(CLASS.4),
            u256(CLASS.5),
            HOUR
        )
    );
    om.assert_emitted(&ClassEnabled {
        underlying: ETH,
        maxHorizon: 90 * DAY,
        strikeTick: u256(CLASS.1),
        minSize: u256(CLASS.2),
        maxOpenInterest: u256(CLASS.3),
        makerFee: u256(CLASS.4),
        takerFee: u256(CLASS.5),
        ivHeartbeat: HOUR,
    });
    let e = enable(&om, admin, CLASS).unwrap_err();
    assert_eq!(
        decode::<ClassAlreadyEnabled>(e),
        ClassAlreadyEnabled { underlying: ETH }
    );
    let e = enable(&om, lister, CLASS).unwrap_err();
    unauthorised(e, lister, ADMIN_ROLE);
    let e = om.sender(lister).disable_class(ETH).motsu_unwrap_err();
    unauthorised(e, lister, ADMIN_ROLE);
    om.sender(admin).disable_class(ETH).motsu_unwrap();
    om.assert_emitted(&ClassDisabled { underlying: ETH });
    assert!(!om.sender(admin).option_class(ETH).0);
    let e = om.sender(admin).disable_class(ETH).motsu_unwrap_err();
    assert_eq!(
        decode::<ClassNotEnabled>(e),
        ClassNotEnabled { underlying: ETH }
    );
    let e = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(3000), true)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<ClassNotEnabled>(e),
        ClassNotEnabled { underlying: ETH }
    );
    // Each field out of its bounds, with its code and value.
    let max = u128::MAX;
    let cases: [(u8, U256, Class); 12] = [
        (
            1,
            U256::from(DAY - 1),
            (
                DAY - 1,
                CLASS.1,
                CLASS.2,
                CLASS.3,
                CLASS.4,
                CLASS.5,
                CLASS.6,
            ),
        ),
        (
            1,
            U256::from(731 * DAY),
            (
                731 * DAY,
                CLASS.1,
                CLASS.2,
                CLASS.3,
                CLASS.4,
                CLASS.5,
                CLASS.6,
            ),
        ),
        (
            2,
            U256::ZERO,
            (CLASS.0, 0, CLASS.2, CLASS.3, CLASS.4, CLASS.5, CLASS.6),
        ),
        (
            3,
            U256::ZERO,
            (CLASS.0, CLASS.1, 0, CLASS.3, CLASS.4, CLASS.5, CLASS.6),
        ),
        (
            3,
            u256(CLASS.3 + 1),
            (
                CLASS.0,
                CLASS.1,
                CLASS.3 + 1,
                CLASS.3,
                CLASS.4,
                CLASS.5,
                CLASS.6,
            ),
        ),
        (
            4,
            U256::ZERO,
            (CLASS.0, CLASS.1, CLASS.2, 0, CLASS.4, CLASS.5, CLASS.6),
        ),
        (
            5,
            u256(PP + 1),
            (CLASS.0, CLASS.1, CLASS.2, CLASS.3, PP + 1, CLASS.5, CLASS.6),
        ),
        (
            6,
            u256(PP + 1),
            (CLASS.0, CLASS.1, CLASS.2, CLASS.3, CLASS.4, PP + 1, CLASS.6),
        ),
        (
            7,
            U256::from(299),
            (CLASS.0, CLASS.1, CLASS.2, CLASS.3, CLASS.4, CLASS.5, 299),
        ),
        (
            7,
            U256::from(DAY + 1),
            (
                CLASS.0,
                CLASS.1,
                CLASS.2,
                CLASS.3,
                CLASS.4,
                CLASS.5,
                DAY + 1,
            ),
        ),
        (
            7,
            U256::from(u64::MAX),
            (
                CLASS.0,
                CLASS.1,
                CLASS.2,
                CLASS.3,
                CLASS.4,
                CLASS.5,
                u64::MAX,
            ),
        ),
        (
            1,
            U256::from(u64::MAX),
            (u64::MAX, max, max, max, max, max, u64::MAX),
        ),
    ];
    for (field, value, c) in cases {
        let e = enable(&om, admin, c).unwrap_err();
        assert_eq!(
            decode::<ClassParameterOutOfBounds>(e),
            ClassParameterOutOfBounds { field, value },
            "field {field}"
        );
    }
    // Refusals changed nothing: the disabled class keeps its settings.
    let (_, a, b, c, d, e, f, g) = before;
    assert_eq!(
        om.sender(admin).option_class(ETH),
        (false, a, b, c, d, e, f, g)
    );
    // Re-enabled with new settings (a shorter horizon, a finer tick).
    let c = (
        30 * DAY,
        CLASS.1 / 2,
        CLASS.2,
        CLASS.3,
        CLASS.4,
        CLASS.5,
        2 * HOUR,
    );
    enable(&om, admin, c).unwrap();
    assert_eq!(om.sender(admin).option_class(ETH).1, 30 * DAY);
    assert_eq!(om.sender(admin).option_class(ETH).7, 2 * HOUR);
}

#[motsu::test]
fn classes_need_an_asset_the_risk_module_prices(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
    stranger: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let e = om
        .sender(admin)
        .enable_class(
            stranger,
            CLASS.0,
            u256(CLASS.1),
            u256(CLASS.2),
            u256(CLASS.3),
            u256(CLASS.4),
            u256(CLASS.5),
            CLASS.6,
        )
        .motsu_unwrap_err();
    assert_eq!(
        decode::<risk_module::UnknownAsset>(e),
        risk_module::UnknownAsset { asset: stranger }
    );
    assert!(!om.sender(admin).option_class(stranger).0);
}

// ----------------------------------------------------------------------
// Series
// ----------------------------------------------------------------------

#[motsu::test]
fn listing_refuses_each_broken_rule(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let list = |expiry: u64, strike: U256| {
        om.sender(lister)
            .list_series(ETH, expiry, strike, true)
            .motsu_unwrap_err()
    };
    // Today's 08:00 is in the future; yesterday's is not, nor is now.
    for past in [NOW - 16 * HOUR, NOW, 0] {
        assert_eq!(
            decode::<ExpiryNotInFuture>(list(past, wad(3000))),
            ExpiryNotInFuture {
                expiry: past,
                now: NOW
            }
        );
    }
    for odd in [EXPIRY + 1, EXPIRY - 1, NOW + 7 * DAY, EXPIRY + 12 * HOUR] {
        assert_eq!(
            decode::<ExpiryNotAt0800>(list(odd, wad(3000))),
            ExpiryNotAt0800 { expiry: odd }
        );
    }
    let beyond = NOW + 90 * DAY + 8 * HOUR;
    assert_eq!(
        decode::<ExpiryBeyondHorizon>(list(beyond, wad(3000))),
        ExpiryBeyondHorizon {
            expiry: beyond,
            latest: NOW + 90 * DAY
        }
    );
    assert_eq!(
        decode::<ExpiryBeyondHorizon>(list(
            u64::MAX - (u64::MAX % DAY) - DAY + 8 * HOUR,
            wad(3000)
        ))
        .latest,
        NOW + 90 * DAY
    );
    for strike in [U256::ZERO, wad(3010), wad(3000) + U256::from(1)] {
        assert_eq!(
            decode::<StrikeOffTick>(list(EXPIRY, strike)),
            StrikeOffTick {
                strike,
                tick: wad(50)
            }
        );
    }
    for strike in [
        wad(1450),
        wad(6050),
        wad(50),
        U256::MAX - U256::MAX % wad(50),
    ] {
        assert_eq!(
            decode::<StrikeOutOfBand>(list(EXPIRY, strike)),
            StrikeOutOfBand {
                strike,
                spot: wad(3000)
            }
        );
    }
    assert!(
        om.sender(admin).live_series(ETH).is_empty(),
        "nothing was listed"
    );
    // The RiskModule's price errors pass through unchanged: a stale feed.
    feed.sender(admin)
        .set_answer(I256::try_from(3000 * E8).unwrap(), U256::from(NOW - 4000));
    let e = list(EXPIRY, wad(3000));
    assert_eq!(
        decode::<risk_module::PriceStale>(e),
        risk_module::PriceStale {
            asset: ETH,
            updatedAt: U256::from(NOW - 4000)
        }
    );
}

#[motsu::test]
fn series_get_ids_above_the_perp_range(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    // The band's ends are included: 1,500 and 6,000 at spot 3,000.
    let call = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(1500), true)
        .motsu_unwrap();
    assert_eq!(call, OPTION_ID_BASE);
    assert!(clearing_core::is_option_market(call));
    om.assert_emitted(&SeriesListed {
        id: call,
        underlying: ETH,
        expiry: EXPIRY,
        strike: wad(1500),
        isCall: true,
    });
    let put = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(1500), false)
        .motsu_unwrap();
    assert_eq!(put, OPTION_ID_BASE + 1);
    let today = NOW + 8 * HOUR;
    let far = om
        .sender(lister)
        .list_series(ETH, today, wad(6000), false)
        .motsu_unwrap();
    assert_eq!(far, OPTION_ID_BASE + 2);
    let last = NOW + 89 * DAY + 8 * HOUR;
    om.sender(lister)
        .list_series(ETH, last, wad(3000), true)
        .motsu_unwrap();
    assert_eq!(
        om.sender(admin).series(call).motsu_unwrap(),
        (ETH, EXPIRY, wad(1500), true, U256::ZERO, U256::ZERO)
    );
    assert_eq!(
        om.sender(admin).series(far).motsu_unwrap(),
        (ETH, today, wad(6000), false, U256::ZERO, U256::ZERO)
    );
    assert_eq!(
        om.sender(admin).live_series(ETH),
        vec![call, put, far, OPTION_ID_BASE + 3]
    );
    // A duplicate names the listed series; nothing changes.
    let e = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(1500), false)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<SeriesAlreadyListed>(e),
        SeriesAlreadyListed { id: put }
    );
    assert_eq!(om.sender(admin).live_series(ETH).len(), 4);
    // Unknown ids: a perp market's, the next option id, the largest.
    for id in [0, 7, OPTION_ID_BASE - 1, OPTION_ID_BASE + 4, u32::MAX] {
        let e = om.sender(admin).series(id).motsu_unwrap_err();
        assert_eq!(decode::<UnknownSeries>(e), UnknownSeries { id });
    }
}

#[motsu::test]
fn live_series_are_capped(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    for i in 0..MAX_LIVE_SERIES as u64 {
        let strike = wad(2000 + 50 * (i / 2));
        om.sender(lister)
            .list_series(ETH, EXPIRY, strike, i % 2 == 0)
            .motsu_unwrap();
    }
    assert_eq!(om.sender(admin).live_series(ETH).len(), MAX_LIVE_SERIES);
    let e = om
        .sender(lister)
        .list_series(ETH, EXPIRY + DAY, wad(3000), true)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<TooManyLiveSeries>(e),
        TooManyLiveSeries {
            underlying: ETH,
            max: U256::from(64)
        }
    );
    // A duplicate is still named as such first.
    let e = om
        .sender(lister)
        .list_series(ETH, EXPIRY, wad(2000), true)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<SeriesAlreadyListed>(e),
        SeriesAlreadyListed { id: OPTION_ID_BASE }
    );
}

// ----------------------------------------------------------------------
// Implied volatility
// ----------------------------------------------------------------------

#[motsu::test]
fn posted_volatility_is_banded(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    om.sender(lister)
        .list_series(ETH, EXPIRY, wad(3000), true)
        .motsu_unwrap();
    let later = EXPIRY + 7 * DAY;
    om.sender(lister)
        .list_series(ETH, later, wad(3000), false)
        .motsu_unwrap();
    // 3.5 % a day is 66.87 % a year; the band is half to five times that.
    let realised = annualised_vol(u256(35 * PP / 10)).unwrap();
    assert_eq!(realised, u256(668_674_061_108_998_007));
    let (lo, hi) = clearing_core::trading::options::iv_band(realised);
    let post = |who: Address, expiry: u64, vol: U256| {
        om.sender(who)
            .post_volatility(ETH, expiry, vol)
            .motsu_unwrap_err()
    };
    unauthorised(post(lister, EXPIRY, realised), lister, VOL_ORACLE_ROLE);
    unauthorised(post(admin, EXPIRY, realised), admin, VOL_ORACLE_ROLE);
    for expiry in [EXPIRY + DAY, NOW + 8 * HOUR, 0] {
        assert_eq!(
            decode::<UnknownExpiry>(post(oracle, expiry, realised)),
            UnknownExpiry {
                underlying: ETH,
                expiry
            }
        );
    }
    assert_eq!(
        decode::<ZeroVolatility>(post(oracle, EXPIRY, U256::ZERO)),
        ZeroVolatility {}
    );
    for vol in [
        lo - U256::from(1),
        hi + U256::from(1),
        U256::from(1),
        U256::MAX,
    ] {
        assert_eq!(
            decode::<VolatilityOutOfBand>(post(oracle, EXPIRY, vol)),
            VolatilityOutOfBand {
                vol,
                min: lo,
                max: hi
            }
        );
    }
    // Nothing posted yet: the fallback, realised x 1.25, not fresh.
    let fallback = clearing_core::trading::options::fallback_vol(realised, u256(125 * PP)).unwrap();
    assert_eq!(
        om.sender(admin).volatility(ETH, EXPIRY).motsu_unwrap(),
        (fallback, false)
    );
    // Both ends of the band are accepted.
    for vol in [lo, hi] {
        om.sender(oracle)
            .post_volatility(ETH, EXPIRY, vol)
            .motsu_unwrap();
        om.assert_emitted(&VolatilityPosted {
            underlying: ETH,
            expiry: EXPIRY,
            vol,
            realisedVol: realised,
        });
        assert_eq!(
            om.sender(admin).volatility(ETH, EXPIRY).motsu_unwrap(),
            (vol, true)
        );
    }
    // One expiry's volatility is not another's.
    assert_eq!(
        om.sender(admin).volatility(ETH, later).motsu_unwrap(),
        (fallback, false)
    );
    let e = om
        .sender(admin)
        .volatility(ETH, EXPIRY + DAY)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<UnknownExpiry>(e),
        UnknownExpiry {
            underlying: ETH,
            expiry: EXPIRY + DAY
        }
    );
}

// ----------------------------------------------------------------------
// Settlement
// ----------------------------------------------------------------------

#[motsu::test]
fn settlement_waits_for_a_listed_expiry_to_pass(
    om: Contract<OptionMarkets>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    lister: Address,
    oracle: Address,
    anyone: Address,
) {
    world!(om, risk, feed, admin, lister, oracle);
    let round = alloy_primitives::aliases::U80::from(1);
    let e = om
        .sender(anyone)
        .settle_expiry(ETH, EXPIRY, round)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<UnknownExpiry>(e),
        UnknownExpiry {
            underlying: ETH,
            expiry: EXPIRY
        }
    );
    om.sender(lister)
        .list_series(ETH, EXPIRY, wad(3000), true)
        .motsu_unwrap();
    let e = om
        .sender(anyone)
        .settle_expiry(ETH, EXPIRY, round)
        .motsu_unwrap_err();
    assert_eq!(
        decode::<ExpiryNotReached>(e),
        ExpiryNotReached {
            underlying: ETH,
            expiry: EXPIRY
        }
    );
    assert_eq!(om.sender(anyone).settlement_price(ETH, EXPIRY), U256::ZERO);
    assert_eq!(
        om.sender(anyone).series(OPTION_ID_BASE).motsu_unwrap().4,
        U256::ZERO
    );
}
