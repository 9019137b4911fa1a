//! Risk module tests on motsu with the mock aggregator and sequencer feed.
#![allow(clippy::inconsistent_digit_grouping)]
use super::*;
use alloy_primitives::{address, uint, I256};
use alloy_sol_types::SolError;
use clearing_core::{risk::volatility::ewma_variance, u256};
use mock_aggregator::MockAggregator;
use mock_sequencer_feed::MockSequencerFeed;
use motsu::prelude::*;

/// motsu's fixed block timestamp.
const NOW: u64 = 1_735_689_600;
const ETH: Address = address!("00000000000000000000000000000000000e7e00");
const E8: i64 = 100_000_000;
const WAD_U: U256 = clearing_core::WAD;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD_U
}

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD_U / U256::from(100)
}

fn answer(x: i64) -> I256 {
    I256::try_from(x).unwrap()
}

/// Risk module with ETH listed on an 8-decimal feed at 3000, heartbeat 1 h,
/// band (100, 100_000), bucket 0, no depth, 3.5 % initial volatility.
fn setup(risk: &Contract<RiskModule>, feed: &Contract<MockAggregator>, admin: Address) {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW));
    risk.sender(admin)
        .list_asset(
            ETH,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            u256(35_000_000_000_000_000),
        )
        .motsu_unwrap();
}

type Config = (Address, u64, U256, U256, u8, U256, Address);

fn config(risk: &Contract<RiskModule>, who: Address) -> Config {
    let r = risk.sender(who).asset_risk(ETH).motsu_unwrap();
    (r.0, r.1, r.2, r.3, r.4, r.5, r.6)
}

fn state(
    risk: &Contract<RiskModule>,
    who: Address,
) -> (alloy_primitives::aliases::U80, U256, u64, U256) {
    let r = risk.sender(who).asset_risk(ETH).motsu_unwrap();
    (r.7, r.8, r.9, r.10)
}

fn corr(risk: &Contract<RiskModule>, who: Address) -> (Vec<U256>, U256) {
    let r = risk.sender(who).risk_parameters();
    (r.5, r.6)
}

fn err_bytes(e: RiskError) -> Vec<u8> {
    e.into()
}

#[motsu::test]
fn lists_an_asset_and_prices_it_in_wad(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&risk, &feed, admin);
    assert_eq!(risk.sender(admin).price(ETH).motsu_unwrap(), wad(3000));
    risk.assert_emitted(&AssetListed {
        asset: ETH,
        feed: feed.address(),
        heartbeat: 3600,
        minPrice: wad(100),
        maxPrice: wad(100_000),
        bucket: 0,
        depth: U256::ZERO,
        initialVolatility: u256(35_000_000_000_000_000),
    });
    let (f, hb, lo, hi, bucket, depth, vf) = config(&risk, admin);
    assert_eq!(
        (f, hb, lo, hi, bucket, depth, vf),
        (
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            Address::ZERO
        )
    );
    // Seeded variance is vol^2, so the reported volatility is the seed.
    assert_eq!(
        risk.sender(admin).volatility(ETH).motsu_unwrap(),
        u256(35_000_000_000_000_000)
    );
}

#[motsu::test]
fn listing_is_admin_only_and_leaves_no_state(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    mallory: Address,
) {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    let err = risk
        .sender(mallory)
        .list_asset(
            ETH,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap_err();
    assert!(
        matches!(err, RiskError::UnauthorizedAccount(e) if e.account == mallory && e.needed_role == B256::from(ADMIN_ROLE))
    );
    let err = risk.sender(admin).asset_risk(ETH).motsu_unwrap_err();
    assert!(matches!(err, RiskError::UnknownAsset(UnknownAsset { asset }) if asset == ETH));
    // Every other admin function rejects a stranger too.
    assert!(matches!(
        risk.sender(mallory)
            .set_parameter(param::LAMBDA, pct(95))
            .motsu_unwrap_err(),
        RiskError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        risk.sender(mallory)
            .set_sequencer_feed(feed.address())
            .motsu_unwrap_err(),
        RiskError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        risk.sender(mallory)
            .set_parameter(param::INTER_CORRELATION, U256::ZERO)
            .motsu_unwrap_err(),
        RiskError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        risk.sender(mallory)
            .set_volatility_feed(ETH, feed.address())
            .motsu_unwrap_err(),
        RiskError::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        risk.sender(mallory)
            .grant_role(B256::ZERO, mallory)
            .motsu_unwrap_err(),
        RiskError::UnauthorizedAccount(_)
    ));
    assert!(!risk.sender(mallory).has_role(B256::ZERO, mallory));
}

#[motsu::test]
fn listing_rejects_bad_parameters(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&risk, &feed, admin);
    let other = address!("0000000000000000000000000000000000000b7c");
    let list = |hb: u64, lo: U256, hi: U256, bucket: u8, vol: U256| {
        risk.sender(admin)
            .list_asset(other, feed.address(), hb, lo, hi, bucket, U256::ZERO, vol)
            .motsu_unwrap_err()
    };
    let oob = |param: u8, value: U256| {
        err_bytes(RiskError::ParameterOutOfBounds(ParameterOutOfBounds {
            param,
            value,
        }))
    };
    assert_eq!(
        err_bytes(list(0, wad(1), wad(2), 0, U256::ZERO)),
        oob(param::HEARTBEAT, U256::ZERO)
    );
    assert_eq!(
        err_bytes(list(8 * 86_400, wad(1), wad(2), 0, U256::ZERO)),
        oob(param::HEARTBEAT, U256::from(8 * 86_400))
    );
    assert_eq!(
        err_bytes(list(60, wad(2), wad(2), 0, U256::ZERO)),
        oob(param::PRICE_BAND, wad(2))
    );
    assert_eq!(
        err_bytes(list(60, U256::ZERO, U256::ZERO, 0, U256::ZERO)),
        oob(param::PRICE_BAND, U256::ZERO)
    );
    assert_eq!(
        err_bytes(list(60, wad(1), wad(2), BUCKETS as u8, U256::ZERO)),
        oob(param::BUCKET, U256::from(BUCKETS))
    );
    assert_eq!(
        err_bytes(list(60, wad(1), wad(2), 0, wad(2))),
        oob(param::INITIAL_VOLATILITY, wad(2))
    );
    // The band and the depth are stored in 128 bits: anything wider is refused, the largest
    // value that fits is accepted.
    let wide = U256::from(u128::MAX) + U256::from(1);
    assert_eq!(
        err_bytes(list(60, wad(1), wide, 0, U256::ZERO)),
        oob(param::PRICE_BAND, wide)
    );
    let err = risk
        .sender(admin)
        .list_asset(
            other,
            feed.address(),
            60,
            wad(1),
            wad(2),
            0,
            wide,
            U256::ZERO,
        )
        .motsu_unwrap_err();
    assert_eq!(err_bytes(err), oob(param::DEPTH, wide));
    assert!(matches!(
        risk.sender(admin).price(other).motsu_unwrap_err(),
        RiskError::UnknownAsset(_)
    ));
    let widest = U256::from(u128::MAX);
    let third = address!("0000000000000000000000000000000000000b7d");
    risk.sender(admin)
        .list_asset(
            third,
            feed.address(),
            60,
            wad(1),
            widest,
            0,
            widest,
            U256::ZERO,
        )
        .motsu_unwrap();
    let listed = risk.sender(admin).asset_risk(third).motsu_unwrap();
    assert_eq!((listed.3, listed.5), (widest, widest));
    // Listing twice.
    let err = risk
        .sender(admin)
        .list_asset(
            ETH,
            feed.address(),
            60,
            wad(1),
            wad(2),
            0,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap_err();
    assert!(
        matches!(err, RiskError::AssetAlreadyListed(AssetAlreadyListed { asset }) if asset == ETH)
    );
    assert!(matches!(
        risk.sender(admin).price(other).motsu_unwrap_err(),
        RiskError::UnknownAsset(_)
    ));
}

#[motsu::test]
fn every_oracle_failure_has_its_error(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    seq: Contract<MockSequencerFeed>,
    admin: Address,
) {
    setup(&risk, &feed, admin);
    let now = U256::from(NOW);
    let id = |n: u64| alloy_primitives::aliases::U80::from(n);
    let price = || risk.sender(admin).price(ETH).motsu_unwrap_err();

    // Non-positive answers.
    feed.sender(admin).set_answer(answer(0), now);
    assert_eq!(
        err_bytes(price()),
        err_bytes(RiskError::PriceNonPositive(PriceNonPositive {
            asset: ETH,
            answer: I256::ZERO
        }))
    );
    feed.sender(admin).set_answer(answer(-1), now);
    assert!(matches!(price(), RiskError::PriceNonPositive(e) if e.answer == answer(-1)));
    // Outside the sanity band (a clamped feed): at the bounds and beyond.
    feed.sender(admin).set_answer(answer(100 * E8), now);
    assert!(matches!(price(), RiskError::PriceOutOfBand(e) if e.answer == answer(100 * E8)));
    feed.sender(admin).set_answer(answer(100_000 * E8), now);
    assert!(matches!(price(), RiskError::PriceOutOfBand(_)));
    // Stale: heartbeat 3600 s plus 10 % tolerance = 3960 s is the oldest accepted.
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 3960));
    assert_eq!(risk.sender(admin).price(ETH).motsu_unwrap(), wad(3000));
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 3961));
    assert_eq!(
        err_bytes(price()),
        err_bytes(RiskError::PriceStale(PriceStale {
            asset: ETH,
            updatedAt: U256::from(NOW - 3961)
        }))
    );
    // From the future.
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW + 1));
    assert!(matches!(price(), RiskError::PriceFromFuture(e) if e.updatedAt == U256::from(NOW + 1)));
    // Incomplete round.
    feed.sender(admin)
        .set_round(id(10), answer(3000 * E8), now, now, id(9));
    assert!(matches!(price(), RiskError::RoundIncomplete(e) if e.roundId == id(10)));
    feed.sender(admin)
        .set_round(id(11), answer(3000 * E8), now, U256::ZERO, id(11));
    assert!(matches!(price(), RiskError::RoundIncomplete(_)));
    feed.sender(admin).set_answer(answer(3000 * E8), now);

    // Sequencer: down, then up within the grace period, then up long enough.
    seq.sender(admin).set_status(false, U256::from(NOW - 10));
    risk.sender(admin)
        .set_sequencer_feed(seq.address())
        .motsu_unwrap();
    risk.assert_emitted(&SequencerFeedSet {
        oldFeed: Address::ZERO,
        feed: seq.address(),
    });
    assert!(matches!(price(), RiskError::SequencerDown(_)));
    seq.sender(admin).set_status(true, U256::from(NOW - 3600));
    assert_eq!(
        err_bytes(price()),
        err_bytes(RiskError::SequencerGracePeriod(SequencerGracePeriod {
            upSince: U256::from(NOW - 3600)
        }))
    );
    seq.sender(admin).set_status(true, U256::from(NOW - 3601));
    assert_eq!(risk.sender(admin).price(ETH).motsu_unwrap(), wad(3000));
    // A grace period above 24 h is refused.
    let err = risk
        .sender(admin)
        .set_parameter(param::SEQUENCER_GRACE, U256::from(86_401))
        .motsu_unwrap_err();
    assert!(matches!(err, RiskError::ParameterOutOfBounds(e) if e.param == param::SEQUENCER_GRACE));
    assert_eq!(risk.sender(admin).risk_parameters().4, 3600);
    // More than an hour at once is over the step; a shorter grace period (risk-raising) by the
    // admin applies.
    let err = risk
        .sender(admin)
        .set_parameter(param::SEQUENCER_GRACE, U256::from(7_201))
        .motsu_unwrap_err();
    assert!(
        matches!(err, RiskError::ParameterStepTooLarge(e) if e.param == param::SEQUENCER_GRACE)
    );
    risk.sender(admin)
        .set_parameter(param::SEQUENCER_GRACE, U256::from(1))
        .motsu_unwrap();
    assert_eq!(risk.sender(admin).price(ETH).motsu_unwrap(), wad(3000));
}

#[motsu::test]
fn a_feed_without_rounds_is_a_failed_call(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    risk.sender(admin)
        .list_asset(
            ETH,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap();
    let err = risk.sender(admin).price(ETH).motsu_unwrap_err();
    assert_eq!(
        err_bytes(err),
        err_bytes(RiskError::FeedCallFailed(FeedCallFailed {
            feed: feed.address()
        }))
    );
}

#[motsu::test]
fn poke_folds_each_new_round_once(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    keeper: Address,
) {
    setup(&risk, &feed, admin);
    let seed = u256(35_000_000_000_000_000) * u256(35_000_000_000_000_000) / WAD_U;
    // Round 1 at NOW - 3600: the first observation keeps the seeded variance.
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 3600));
    assert!(risk.sender(keeper).poke(ETH).motsu_unwrap());
    let (round, price, time, variance) = state(&risk, keeper);
    assert_eq!(
        (round, price, time, variance),
        (
            alloy_primitives::aliases::U80::from(2),
            wad(3000),
            NOW - 3600,
            seed
        )
    );
    // The same round again changes nothing and emits nothing new.
    let events_before = risk.all_events().len();
    assert!(!risk.sender(keeper).poke(ETH).motsu_unwrap());
    assert_eq!(risk.all_events().len(), events_before);
    // Round 2 one hour later, +3 %: one EWMA step normalised to a day.
    feed.sender(admin)
        .set_answer(answer(3090 * E8), U256::from(NOW));
    assert!(risk.sender(keeper).poke(ETH).motsu_unwrap());
    let expected = ewma_variance(
        seed,
        wad(3000),
        wad(3090),
        3600,
        clearing_core::governance::params::DEFAULT_LAMBDA,
    )
    .unwrap();
    let (_, price, time, variance) = state(&risk, keeper);
    assert_eq!((price, time, variance), (wad(3090), NOW, expected));
    risk.assert_emitted(&VolatilityUpdated {
        asset: ETH,
        roundId: alloy_primitives::aliases::U80::from(3),
        price: wad(3090),
        variance: expected,
    });
    // 3 % in an hour is a large move: the variance rose.
    assert!(expected > seed);
    assert_eq!(
        risk.sender(keeper).volatility(ETH).motsu_unwrap(),
        volatility::daily_vol(expected)
    );
}

#[motsu::test]
fn poke_refuses_a_bad_price_and_keeps_state(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
    keeper: Address,
) {
    setup(&risk, &feed, admin);
    assert!(risk.sender(keeper).poke(ETH).motsu_unwrap());
    let before = state(&risk, keeper);
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 4000));
    assert!(matches!(
        risk.sender(keeper).poke(ETH).motsu_unwrap_err(),
        RiskError::PriceStale(_)
    ));
    assert_eq!(state(&risk, keeper), before);
    assert!(matches!(
        risk.sender(keeper).poke(Address::ZERO).motsu_unwrap_err(),
        RiskError::UnknownAsset(_)
    ));
}

#[motsu::test]
fn a_volatility_feed_replaces_the_ewma(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    vol: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&risk, &feed, admin);
    vol.sender(admin).constructor(8, "ETH daily vol".into());
    vol.sender(admin)
        .set_answer(answer(5_000_000), U256::from(NOW)); // 0.05
    risk.sender(admin)
        .set_volatility_feed(ETH, vol.address())
        .motsu_unwrap();
    risk.assert_emitted(&VolatilityFeedSet {
        asset: ETH,
        oldFeed: Address::ZERO,
        feed: vol.address(),
    });
    assert_eq!(risk.sender(admin).volatility(ETH).motsu_unwrap(), pct(5));
    vol.sender(admin)
        .set_answer(answer(5_000_000), U256::from(NOW - 4000));
    assert!(matches!(
        risk.sender(admin).volatility(ETH).motsu_unwrap_err(),
        RiskError::PriceStale(_)
    ));
    vol.sender(admin).set_answer(answer(0), U256::from(NOW));
    assert!(matches!(
        risk.sender(admin).volatility(ETH).motsu_unwrap_err(),
        RiskError::PriceNonPositive(_)
    ));
    // Back to EWMA.
    risk.sender(admin)
        .set_volatility_feed(ETH, Address::ZERO)
        .motsu_unwrap();
    risk.assert_emitted(&VolatilityFeedSet {
        asset: ETH,
        oldFeed: vol.address(),
        feed: Address::ZERO,
    });
    assert_eq!(
        risk.sender(admin).volatility(ETH).motsu_unwrap(),
        u256(35_000_000_000_000_000)
    );
    assert!(matches!(
        risk.sender(admin)
            .set_volatility_feed(Address::ZERO, vol.address())
            .motsu_unwrap_err(),
        RiskError::UnknownAsset(_)
    ));
}

#[motsu::test]
fn parameters_respect_their_bounds(risk: Contract<RiskModule>, admin: Address) {
    risk.sender(admin).constructor(admin);
    let (lambda, tol, mmf, _, grace, _, _) = risk.sender(admin).risk_parameters();
    assert_eq!(
        (lambda, tol, mmf, grace),
        (pct(94), pct(10), u256(5_000_000_000_000_000), 3600)
    );
    let oob = |code: u8, v: U256| {
        err_bytes(RiskError::ParameterOutOfBounds(ParameterOutOfBounds {
            param: code,
            value: v,
        }))
    };
    let set = |code: u8, v: U256| risk.sender(admin).set_parameter(code, v);
    assert_eq!(
        err_bytes(set(param::LAMBDA, pct(49)).motsu_unwrap_err()),
        oob(param::LAMBDA, pct(49))
    );
    assert_eq!(
        err_bytes(set(param::LAMBDA, u256(999_000_000_000_000_001)).motsu_unwrap_err()),
        oob(param::LAMBDA, u256(999_000_000_000_000_001))
    );
    assert_eq!(
        err_bytes(set(param::HEARTBEAT_TOLERANCE, pct(101)).motsu_unwrap_err()),
        oob(param::HEARTBEAT_TOLERANCE, pct(101))
    );
    assert_eq!(
        err_bytes(set(param::MIN_MARGIN_FRACTION, u256(999_999_999_999_999)).motsu_unwrap_err()),
        oob(param::MIN_MARGIN_FRACTION, u256(999_999_999_999_999))
    );
    assert_eq!(
        err_bytes(set(param::MIN_MARGIN_FRACTION, pct(11)).motsu_unwrap_err()),
        oob(param::MIN_MARGIN_FRACTION, pct(11))
    );
    assert_eq!(
        err_bytes(set(99, U256::ZERO).motsu_unwrap_err()),
        oob(99, U256::ZERO)
    );
    assert_eq!(risk.sender(admin).risk_parameters().0, pct(94));
    // More than 2 points at once is over the step, and changes nothing.
    assert_eq!(
        err_bytes(set(param::LAMBDA, pct(97)).motsu_unwrap_err()),
        err_bytes(RiskError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: param::LAMBDA,
            oldValue: pct(94),
            newValue: pct(97),
        }))
    );
    assert_eq!(risk.sender(admin).risk_parameters().0, pct(94));
    set(param::LAMBDA, pct(96)).motsu_unwrap();
    risk.assert_emitted(&ParameterSet {
        param: param::LAMBDA,
        oldValue: pct(94),
        newValue: pct(96),
    });
    set(param::MIN_MARGIN_FRACTION, pct(1)).motsu_unwrap();
    assert_eq!(risk.sender(admin).risk_parameters().2, pct(1));
    assert_eq!(
        risk.sender(admin).parameter(param::MIN_MARGIN_FRACTION),
        pct(1)
    );
    assert_eq!(risk.sender(admin).parameter(99), U256::ZERO);
}

#[motsu::test]
fn correlations_must_form_a_valid_table(
    risk: Contract<RiskModule>,
    admin: Address,
    risk_admin: Address,
) {
    risk.sender(admin).constructor(admin);
    risk.sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    let (intra, inter) = corr(&risk, admin);
    assert_eq!(intra, DEFAULT_INTRA.to_vec());
    assert_eq!(inter, DEFAULT_INTER);
    let set = |who: Address, code: u8, v: U256| risk.sender(who).set_parameter(code, v);
    let oob = |code: u8, v: U256| {
        err_bytes(RiskError::ParameterOutOfBounds(ParameterOutOfBounds {
            param: code,
            value: v,
        }))
    };
    // Above 100 %, a bucket that does not exist, an intra value below the inter value (bucket 3
    // is at 50 %) and an inter value above an intra value are each out of bounds.
    let c = param::INTRA_CORRELATION;
    assert_eq!(
        err_bytes(set(admin, param::INTER_CORRELATION, pct(101)).motsu_unwrap_err()),
        oob(param::INTER_CORRELATION, pct(101))
    );
    let beyond = c + BUCKETS as u8;
    assert_eq!(
        err_bytes(set(admin, beyond, pct(50)).motsu_unwrap_err()),
        oob(beyond, pct(50))
    );
    assert_eq!(
        err_bytes(set(admin, c + 1, pct(20)).motsu_unwrap_err()),
        oob(c + 1, pct(20))
    );
    assert_eq!(
        err_bytes(set(admin, param::INTER_CORRELATION, pct(51)).motsu_unwrap_err()),
        oob(param::INTER_CORRELATION, pct(51))
    );
    // A step above 10 percentage points is refused.
    assert_eq!(
        err_bytes(set(admin, c + 3, pct(61)).motsu_unwrap_err()),
        err_bytes(RiskError::ParameterStepTooLarge(ParameterStepTooLarge {
            param: c + 3,
            oldValue: pct(50),
            newValue: pct(61),
        }))
    );
    // Every correlation change raises some account's risk: the risk admin cannot apply one,
    // in either direction.
    for v in [pct(45), pct(55)] {
        let err = set(risk_admin, c + 3, v).motsu_unwrap_err();
        assert!(
            matches!(err, RiskError::UnauthorizedAccount(e) if e.account == risk_admin && e.needed_role == B256::from(ADMIN_ROLE))
        );
    }
    assert_eq!(corr(&risk, admin), (intra.clone(), inter));
    // The admin (the timelock) applies it, once a day per entry.
    set(admin, c + 3, pct(60)).motsu_unwrap();
    risk.assert_emitted(&ParameterSet {
        param: c + 3,
        oldValue: pct(50),
        newValue: pct(60),
    });
    assert_eq!(
        err_bytes(set(admin, c + 3, pct(59)).motsu_unwrap_err()),
        err_bytes(RiskError::ParameterChangedTooSoon(
            ParameterChangedTooSoon {
                param: c + 3,
                nextAllowedAt: NOW + 86_400,
            }
        ))
    );
    set(admin, param::INTER_CORRELATION, pct(30)).motsu_unwrap();
    let mut expected = intra;
    expected[3] = pct(60);
    assert_eq!(corr(&risk, admin), (expected, pct(30)));
}

#[motsu::test]
fn risk_admin_lowers_risk_at_once_and_only_the_admin_raises_it(
    risk: Contract<RiskModule>,
    admin: Address,
    risk_admin: Address,
    guardian: Address,
    stranger: Address,
) {
    risk.sender(admin).constructor(admin);
    risk.sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    let set = |who: Address, code: u8, v: U256| risk.sender(who).set_parameter(code, v);
    let needs_admin = |e: RiskError| matches!(e, RiskError::UnauthorizedAccount(e) if e.account == risk_admin && e.needed_role == B256::from(ADMIN_ROLE));
    // (code, default, a risk-raising value, a risk-lowering value), each one step away.
    let cases = [
        (param::LAMBDA, pct(94), pct(96), pct(92)),
        (param::HEARTBEAT_TOLERANCE, pct(10), pct(20), pct(0)),
        (
            param::MIN_MARGIN_FRACTION,
            u256(5_000_000_000_000_000),
            u256(1_000_000_000_000_000),
            u256(10_000_000_000_000_000),
        ),
        (
            param::SEQUENCER_GRACE,
            U256::from(3_600),
            U256::from(0),
            U256::from(7_200),
        ),
    ];
    for (code, default, raise, lower) in cases {
        assert_eq!(risk.sender(admin).parameter(code), default, "code {code}");
        // A stranger and the guardian hold neither role.
        for who in [guardian, stranger] {
            let err = set(who, code, lower).motsu_unwrap_err();
            assert!(
                matches!(err, RiskError::UnauthorizedAccount(e) if e.account == who && e.needed_role == B256::from(RISK_ADMIN_ROLE))
            );
        }
        // The risk admin cannot raise risk, and nothing changes.
        assert!(needs_admin(set(risk_admin, code, raise).motsu_unwrap_err()));
        assert_eq!(risk.sender(admin).parameter(code), default);
        // It lowers risk at once, with the event.
        set(risk_admin, code, lower).motsu_unwrap();
        risk.assert_emitted(&ParameterSet {
            param: code,
            oldValue: default,
            newValue: lower,
        });
        assert_eq!(risk.sender(admin).parameter(code), lower);
        // The same parameter cannot change again within a day, even by the admin.
        assert_eq!(
            err_bytes(set(admin, code, default).motsu_unwrap_err()),
            err_bytes(RiskError::ParameterChangedTooSoon(
                ParameterChangedTooSoon {
                    param: code,
                    nextAllowedAt: NOW + 86_400,
                }
            ))
        );
    }
}

#[test]
fn error_selectors_are_stable() {
    // dApps decode these by selector; a rename would break them.
    assert_eq!(PriceStale::SIGNATURE, "PriceStale(address,uint256)");
    assert_eq!(
        SequencerGracePeriod::SIGNATURE,
        "SequencerGracePeriod(uint256)"
    );
    let _ = uint!(1_U256);
}

#[motsu::test]
fn margin_inputs_come_in_one_call(
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    admin: Address,
) {
    setup(&risk, &feed, admin);
    let depth = wad(50_000_000);
    let btc = address!("0000000000000000000000000000000000000b7c");
    risk.sender(admin)
        .list_asset(
            btc,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            3,
            depth,
            pct(3),
        )
        .motsu_unwrap();
    let (prices, buckets, depths, intra, inter, mmf, vols) = risk
        .sender(admin)
        .margin_inputs(vec![ETH, btc])
        .motsu_unwrap();
    assert_eq!(prices, vec![wad(3000), wad(3000)]);
    let vol = |a: Address| risk.sender(admin).volatility(a).motsu_unwrap();
    assert_eq!(vols, vec![vol(ETH), vol(btc)]);
    assert!(!vols[1].is_zero());
    assert_eq!(buckets, vec![0, 3]);
    assert_eq!(depths, vec![U256::ZERO, depth]);
    assert_eq!(intra, DEFAULT_INTRA.to_vec());
    assert_eq!((inter, mmf), (DEFAULT_INTER, u256(5_000_000_000_000_000)));
    let err = risk
        .sender(admin)
        .margin_inputs(vec![ETH; 9])
        .motsu_unwrap_err();
    assert_eq!(
        err_bytes(err),
        err_bytes(RiskError::TooManyUnderlyings(TooManyUnderlyings {
            count: U256::from(9)
        }))
    );
    assert!(matches!(
        risk.sender(admin)
            .margin_inputs(vec![Address::ZERO])
            .motsu_unwrap_err(),
        RiskError::UnknownAsset(_)
    ));
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 5000));
    assert!(matches!(
        risk.sender(admin)
            .margin_inputs(vec![ETH])
            .motsu_unwrap_err(),
        RiskError::PriceStale(_)
    ));
    assert_eq!(
        risk.sender(admin).margin_inputs(vec![]).motsu_unwrap().0,
        Vec::<U256>::new()
    );
}
