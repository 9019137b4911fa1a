use super::*;
use crate::math::fixed::{mul_wad_up, scale_to_wad, wad_sqrt_up, WAD};
use alloy_primitives::{aliases::U80, I256};
use proptest::prelude::*;

/// 2025-01-01 00:00:00 UTC.
const MIDNIGHT: u64 = 1_735_689_600;
/// One percentage point in WAD.
const PP: u128 = 10_000_000_000_000_000;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn class() -> ClassConfig {
    ClassConfig {
        max_horizon: DEFAULT_MAX_HORIZON,
        strike_tick: wad(50),
        min_size: WAD / U256::from(10),
        max_open_interest: wad(1_000),
        maker_fee: u256(3 * PP / 100),
        taker_fee: u256(3 * PP / 100),
        iv_heartbeat: DEFAULT_IV_HEARTBEAT,
    }
}

#[test]
fn ids_split_the_market_range() {
    assert_eq!(OPTION_ID_BASE, 0x8000_0000);
    assert!(!is_option_market(0));
    assert!(!is_option_market(OPTION_ID_BASE - 1));
    assert!(is_option_market(OPTION_ID_BASE));
    assert!(is_option_market(u32::MAX));
    assert_eq!(series_id(0), Some(OPTION_ID_BASE));
    assert_eq!(series_id(7), Some(OPTION_ID_BASE + 7));
    assert_eq!(series_id(u64::from(OPTION_ID_BASE) - 1), Some(u32::MAX));
    assert_eq!(series_id(u64::from(OPTION_ID_BASE)), None);
    assert_eq!(series_index(OPTION_ID_BASE + 7), Some(7));
    assert_eq!(series_index(7), None);
}

#[test]
fn expiries_fall_at_eight() {
    assert!(is_expiry_time(MIDNIGHT + 8 * HOUR));
    assert!(is_expiry_time(MIDNIGHT + 30 * DAY + 8 * HOUR));
    assert!(!is_expiry_time(MIDNIGHT));
    assert!(!is_expiry_time(MIDNIGHT + 8 * HOUR + 1));
    assert!(!is_expiry_time(MIDNIGHT + 8 * HOUR - 1));
    assert!(!is_expiry_time(MIDNIGHT + 20 * HOUR));
}

#[test]
fn class_bounds() {
    assert_eq!(check_class(&class()), Ok(()));
    let with = |f: fn(&mut ClassConfig)| {
        let mut c = class();
        f(&mut c);
        check_class(&c)
    };
    assert_eq!(
        with(|c| c.max_horizon = DAY - 1),
        Err(ClassField::MaxHorizon)
    );
    assert_eq!(with(|c| c.max_horizon = DAY), Ok(()));
    assert_eq!(with(|c| c.max_horizon = 730 * DAY), Ok(()));
    assert_eq!(
        with(|c| c.max_horizon = 730 * DAY + 1),
        Err(ClassField::MaxHorizon)
    );
    assert_eq!(
        with(|c| c.strike_tick = U256::ZERO),
        Err(ClassField::StrikeTick)
    );
    assert_eq!(
        with(|c| c.strike_tick = MAX_CLASS_AMOUNT + U256::from(1)),
        Err(ClassField::StrikeTick)
    );
    assert_eq!(with(|c| c.strike_tick = MAX_CLASS_AMOUNT), Ok(()));
    assert_eq!(with(|c| c.min_size = U256::ZERO), Err(ClassField::MinSize));
    assert_eq!(
        with(|c| c.min_size = c.max_open_interest + U256::from(1)),
        Err(ClassField::MinSize)
    );
    assert_eq!(with(|c| c.min_size = c.max_open_interest), Ok(()));
    assert_eq!(
        with(|c| {
            c.max_open_interest = MAX_CLASS_AMOUNT + U256::from(1);
            c.min_size = WAD;
        }),
        Err(ClassField::MaxOpenInterest)
    );
    assert_eq!(
        with(|c| c.maker_fee = MAX_OPTION_FEE_RATE + U256::from(1)),
        Err(ClassField::MakerFee)
    );
    assert_eq!(
        with(|c| c.taker_fee = MAX_OPTION_FEE_RATE + U256::from(1)),
        Err(ClassField::TakerFee)
    );
    assert_eq!(
        with(|c| {
            c.maker_fee = MAX_OPTION_FEE_RATE;
            c.taker_fee = U256::ZERO;
        }),
        Ok(())
    );
    assert_eq!(with(|c| c.iv_heartbeat = 299), Err(ClassField::IvHeartbeat));
    assert_eq!(with(|c| c.iv_heartbeat = 300), Ok(()));
    assert_eq!(with(|c| c.iv_heartbeat = DAY), Ok(()));
    assert_eq!(
        with(|c| c.iv_heartbeat = DAY + 1),
        Err(ClassField::IvHeartbeat)
    );
    assert_eq!(ClassField::IvHeartbeat as u8, 7);
    // The contract's storage: horizon and heartbeat in 32 bits, fees in 64 bits.
    assert!(MAX_MAX_HORIZON <= u64::from(u32::MAX));
    assert!(MAX_IV_HEARTBEAT <= u64::from(u32::MAX));
    assert!(MAX_OPTION_FEE_RATE <= U256::from(u64::MAX));
    assert!(MAX_VOL <= U256::from(u64::MAX));
}

#[test]
fn listing_refusals_in_order() {
    let now = MIDNIGHT + 3 * HOUR;
    let expiry = MIDNIGHT + 7 * DAY + 8 * HOUR;
    let (spot, tick, h) = (wad(3_000), wad(50), DEFAULT_MAX_HORIZON);
    let check = |e: u64, k: U256| check_listing(now, e, k, spot, h, tick);
    assert_eq!(check(expiry, wad(3_000)), Ok(()));
    assert_eq!(check(now, wad(3_000)), Err(ListingError::ExpiryNotInFuture));
    assert_eq!(
        check(MIDNIGHT - 16 * HOUR, wad(3_000)),
        Err(ListingError::ExpiryNotInFuture)
    );
    assert_eq!(
        check(expiry + 1, wad(3_000)),
        Err(ListingError::ExpiryNotAt0800)
    );
    // Today's 08:00 is five hours ahead: listable.
    assert_eq!(check(MIDNIGHT + 8 * HOUR, wad(3_000)), Ok(()));
    // 90 days ahead exactly is the horizon; the next 08:00 beyond it is refused.
    let last = MIDNIGHT + 90 * DAY + 8 * HOUR;
    assert_eq!(
        check_listing(last - h, last, wad(3_000), spot, h, tick),
        Ok(())
    );
    assert_eq!(
        check_listing(last - h - 1, last, wad(3_000), spot, h, tick),
        Err(ListingError::ExpiryBeyondHorizon)
    );
    assert_eq!(check(expiry, U256::ZERO), Err(ListingError::StrikeOffTick));
    assert_eq!(check(expiry, wad(3_010)), Err(ListingError::StrikeOffTick));
    assert_eq!(
        check_listing(now, expiry, wad(3_000), spot, h, U256::ZERO),
        Err(ListingError::StrikeOffTick)
    );
    // The band's ends are included: 1,500 and 6,000; 1,450 and 6,050 are not.
    assert_eq!(check(expiry, wad(1_500)), Ok(()));
    assert_eq!(check(expiry, wad(6_000)), Ok(()));
    assert_eq!(
        check(expiry, wad(1_450)),
        Err(ListingError::StrikeOutOfBand)
    );
    assert_eq!(
        check(expiry, wad(6_050)),
        Err(ListingError::StrikeOutOfBand)
    );
    // An odd spot: half of it rounds in the band's favour only exactly.
    assert!(strike_in_band(U256::from(2), U256::from(3)));
    assert!(!strike_in_band(U256::from(1), U256::from(3)));
    assert!(!strike_in_band(MAX_CLASS_AMOUNT + U256::from(1), U256::MAX));
    assert!(strike_in_band(MAX_CLASS_AMOUNT, MAX_CLASS_AMOUNT));
    assert!(strike_in_band(MAX_CLASS_AMOUNT, U256::MAX >> 128));
    assert!(!strike_in_band(WAD, U256::MAX));
    assert_eq!(
        iv_band(U256::MAX),
        ((U256::MAX >> 1) + U256::from(1), MAX_VOL)
    );
}

#[test]
fn annualising_and_the_iv_band() {
    assert_eq!(SQRT_DAYS_PER_YEAR, wad_sqrt_up(wad(365)));
    // 5 % a day is 95.52 % a year.
    let a = annualised_vol(u256(5 * PP)).unwrap();
    assert_eq!(a, u256(955_248_658_727_140_009));
    assert_eq!(annualised_vol(U256::ZERO), Ok(U256::ZERO));
    assert_eq!(annualised_vol(U256::MAX), Err(CoreError::Overflow));
    let (lo, hi) = iv_band(a);
    assert_eq!(lo, u256(477_624_329_363_570_005));
    assert_eq!(hi, a * U256::from(5));
    assert_eq!(check_implied_vol(lo, a), Ok(()));
    assert_eq!(check_implied_vol(hi, a), Ok(()));
    assert_eq!(
        check_implied_vol(lo - U256::from(1), a),
        Err(VolError::OutOfBand)
    );
    assert_eq!(
        check_implied_vol(hi + U256::from(1), a),
        Err(VolError::OutOfBand)
    );
    assert_eq!(check_implied_vol(U256::ZERO, a), Err(VolError::Zero));
    assert_eq!(
        check_implied_vol(U256::ZERO, U256::ZERO),
        Err(VolError::Zero)
    );
    assert_eq!(check_implied_vol(WAD, U256::ZERO), Err(VolError::OutOfBand));
    // The upper end stops at the pricing's largest volatility.
    assert_eq!(iv_band(wad(4)).1, MAX_VOL);
    assert_eq!(
        check_implied_vol(MAX_VOL + U256::from(1), wad(4)),
        Err(VolError::OutOfBand)
    );
}

#[test]
fn posted_vol_serves_until_its_heartbeat() {
    let (v, r, m) = (u256(80 * PP), u256(60 * PP), u256(125 * PP));
    let t = MIDNIGHT;
    assert_eq!(current_vol(v, t, t, HOUR, r, m), Ok((v, true)));
    assert_eq!(current_vol(v, t, t + HOUR - 1, HOUR, r, m), Ok((v, true)));
    assert_eq!(
        current_vol(v, t, t + HOUR, HOUR, r, m),
        Ok((u256(75 * PP), false))
    );
    // Never posted: the fallback.
    assert_eq!(
        current_vol(U256::ZERO, 0, t, HOUR, r, m),
        Ok((u256(75 * PP), false))
    );
    // The fallback rounds up.
    assert_eq!(
        current_vol(U256::ZERO, 0, t, HOUR, U256::from(3), u256(125 * PP)),
        Ok((U256::from(4), false))
    );
    assert!(!is_fresh(0, 0, HOUR));
    assert!(is_fresh(u64::MAX, u64::MAX - 1, HOUR));
}

fn round(id: u64, answer: i64, updated_at: u64) -> Round {
    Round {
        round_id: U80::from(id),
        answer: I256::try_from(answer).unwrap(),
        updated_at: U256::from(updated_at),
        answered_in_round: U80::from(id),
    }
}

#[test]
fn settlement_round_brackets_the_expiry() {
    let expiry = MIDNIGHT + 8 * HOUR;
    let (lo, hi) = (wad(100), wad(100_000));
    let settle =
        |r: &Round, next: Option<u64>| settlement_price(r, next.map(U256::from), 8, lo, hi, expiry);
    let r = round(5, 3_000_5000_0000, expiry - 600);
    assert_eq!(
        settle(&r, Some(expiry + 1)),
        Ok(u256(3_000_500_000_000_000_000_000))
    );
    // Updated exactly at expiry: in force.
    assert_eq!(
        settle(&round(5, 3_000_0000_0000, expiry), Some(expiry + 1)),
        Ok(wad(3_000))
    );
    // Hours old at expiry: staleness is not judged.
    assert_eq!(
        settle(
            &round(5, 3_000_0000_0000, expiry - 5 * DAY),
            Some(expiry + 60)
        ),
        Ok(wad(3_000))
    );
    assert_eq!(
        settle(&round(5, 3_000_0000_0000, expiry + 1), Some(expiry + 60)),
        Err(SettlementError::RoundAfterExpiry)
    );
    assert_eq!(settle(&r, None), Err(SettlementError::NextRoundMissing));
    assert_eq!(settle(&r, Some(0)), Err(SettlementError::NextRoundMissing));
    assert_eq!(
        settle(&r, Some(expiry)),
        Err(SettlementError::RoundSuperseded)
    );
    assert_eq!(
        settle(&round(5, 0, expiry - 1), Some(expiry + 1)),
        Err(SettlementError::Oracle(OracleError::NonPositive))
    );
    assert_eq!(
        settle(&round(5, 100_0000_0000, expiry - 1), Some(expiry + 1)),
        Err(SettlementError::Oracle(OracleError::OutOfBand))
    );
    let mut incomplete = r;
    incomplete.answered_in_round = U80::from(4);
    assert_eq!(
        settle(&incomplete, Some(expiry + 1)),
        Err(SettlementError::Oracle(OracleError::IncompleteRound))
    );
    let mut never = r;
    never.updated_at = U256::ZERO;
    assert_eq!(
        settle(&never, Some(expiry + 1)),
        Err(SettlementError::Oracle(OracleError::IncompleteRound))
    );
    // An 18-decimal feed scales as is; a 20-decimal one loses its last digits.
    assert_eq!(
        settlement_price(
            &round(5, 7, expiry),
            Some(U256::from(expiry + 1)),
            18,
            U256::ZERO,
            hi,
            expiry
        ),
        Ok(U256::from(7))
    );
    assert_eq!(
        settlement_price(
            &round(5, 799, expiry),
            Some(U256::from(expiry + 1)),
            20,
            U256::ZERO,
            hi,
            expiry
        ),
        Ok(U256::from(7))
    );
}

proptest! {
    /// Every accepted listing has its expiry at 08:00 UTC, in the future and within the
    /// horizon, and its strike a positive multiple of the tick within half to twice the spot.
    #[test]
    fn accepted_listings_obey_every_rule(
        now in MIDNIGHT..MIDNIGHT + 400 * DAY,
        ahead in 0u64..800 * DAY,
        jitter in prop_oneof![Just(0u64), 0u64..DAY],
        strike in 0u128..20_000_000_000_000_000_000_000,
        spot in 1u128..10_000_000_000_000_000_000_000,
        tick_units in 1u128..1_000,
        horizon in MIN_MAX_HORIZON..=MAX_MAX_HORIZON,
    ) {
        // Half the expiries are snapped to 08:00.
        let raw = now + ahead;
        let expiry = if jitter == 0 { raw - raw % DAY + EXPIRY_TIME_OF_DAY } else { raw };
        let tick = U256::from(tick_units) * u256(PP);
        let strike = U256::from(strike);
        let spot = U256::from(spot);
        let verdict = check_listing(now, expiry, strike, spot, horizon, tick);
        if verdict.is_ok() {
            prop_assert!(expiry > now);
            prop_assert_eq!(expiry % DAY, 8 * HOUR);
            prop_assert!(expiry - now <= horizon);
            prop_assert!(!strike.is_zero());
            prop_assert!((strike % tick).is_zero());
            prop_assert!(strike * U256::from(2) >= spot && strike <= spot * U256::from(2));
        } else {
            // A refusal names a rule that the listing indeed breaks.
            let broken = match verdict.unwrap_err() {
                ListingError::ExpiryNotInFuture => expiry <= now,
                ListingError::ExpiryNotAt0800 => expiry % DAY != 8 * HOUR,
                ListingError::ExpiryBeyondHorizon => expiry - now > horizon,
                ListingError::StrikeOffTick => strike.is_zero() || !(strike % tick).is_zero(),
                ListingError::StrikeOutOfBand => {
                    strike * U256::from(2) < spot || strike > spot * U256::from(2)
                }
            };
            prop_assert!(broken);
        }
    }

    /// Every on-tick strike in the band at a valid expiry is accepted.
    #[test]
    fn valid_listings_are_accepted(
        now in MIDNIGHT..MIDNIGHT + 400 * DAY,
        days in 1u64..90,
        spot in 1_000_000u128..10_000_000_000_000_000_000_000,
        tick_units in 1u128..1_000,
        position in 0u64..=1_000,
    ) {
        let expiry = now - now % DAY + EXPIRY_TIME_OF_DAY + days * DAY;
        let tick = U256::from(tick_units) * U256::from(1_000u64);
        let spot = U256::from(spot);
        // A tick multiple between spot / 2 and 2 spot, if any.
        let lo = (spot + U256::from(1)) / U256::from(2);
        let first = lo.div_ceil(tick) * tick;
        let last = spot * U256::from(2) / tick * tick;
        prop_assume!(first <= last && !first.is_zero());
        let steps = (last - first) / tick;
        let strike = first + steps * U256::from(position) / U256::from(1_000) * tick;
        prop_assert_eq!(
            check_listing(now, expiry, strike, spot, DEFAULT_MAX_HORIZON, tick),
            Ok(())
        );
    }

    /// A posted volatility is accepted exactly when it is positive, within half to five times
    /// the annualised realised volatility and at most the pricing's largest.
    #[test]
    fn iv_band_is_exact(
        daily in 0u128..1_000_000_000_000_000_000,
        vol in 0u128..20_000_000_000_000_000_000,
    ) {
        let realised = annualised_vol(U256::from(daily)).unwrap();
        let vol = U256::from(vol);
        let ok = check_implied_vol(vol, realised).is_ok();
        let expected = !vol.is_zero()
            && vol * U256::from(2) >= realised
            && vol <= realised * U256::from(5)
            && vol <= MAX_VOL;
        prop_assert_eq!(ok, expected);
        // The annualised volatility is daily x sqrt(365), rounded up by less than 20 wei.
        let exact_floor = U256::from(daily) * u256(19_104_973_174_542_800_179) / WAD;
        prop_assert!(realised >= exact_floor && realised <= exact_floor + U256::from(20));
    }

    /// The settlement price is the named round's, and only when it brackets the expiry.
    #[test]
    fn settlement_needs_the_bracket(
        updated in 0u64..2 * DAY,
        next in 0u64..2 * DAY,
        answer in 1i64..1_000_000_0000_0000,
    ) {
        let expiry = MIDNIGHT + DAY + 8 * HOUR;
        let base = MIDNIGHT;
        let r = round(9, answer, base + updated);
        let got = settlement_price(
            &r, Some(U256::from(base + next)), 8, U256::ZERO, U256::MAX, expiry,
        );
        let bracket = base + updated <= expiry && expiry < base + next;
        prop_assert_eq!(got.is_ok(), bracket);
        if let Ok(p) = got {
            prop_assert_eq!(p, U256::from(answer as u64) * U256::from(10_000_000_000u64));
        }
    }
}

proptest! {
    /// The settlement's scaling is the core's `to_wad`.
    #[test]
    fn scaling_matches_to_wad(hi in any::<u128>(), lo in any::<u128>(), decimals in 0u8..=40) {
        let a = (U256::from(hi) << 128) | U256::from(lo);
        prop_assert_eq!(scale_to_wad(a, decimals), crate::to_wad(a, decimals));
    }
}

proptest! {
    /// The small WAD product is the core's `mul_up` wherever it is defined.
    #[test]
    fn mul_wad_up_is_mul_up(a in any::<u128>(), b in any::<u128>()) {
        let (a, b) = (U256::from(a >> 60), U256::from(b));
        let exact = crate::mul_up(a, b).unwrap();
        match mul_wad_up(a, b) {
            Ok(x) => prop_assert_eq!(x, exact),
            // Only a product of 2^128 / WAD or more may overflow.
            Err(e) => {
                prop_assert_eq!(e, CoreError::Overflow);
                prop_assert!(exact >= U256::from(u128::MAX) / WAD);
            }
        }
    }
}

#[test]
fn mul_wad_up_limits() {
    let max_a = (U256::from(1) << 68) - U256::from(1);
    assert_eq!(
        mul_wad_up(max_a, wad(1_000)),
        crate::mul_up(max_a, wad(1_000))
    );
    assert_eq!(
        mul_wad_up(max_a, MAX_CLASS_AMOUNT),
        Err(CoreError::Overflow)
    );
    assert_eq!(
        mul_wad_up(max_a + U256::from(1), WAD),
        Err(CoreError::Overflow)
    );
    assert_eq!(
        mul_wad_up(WAD, MAX_CLASS_AMOUNT + U256::from(1)),
        Err(CoreError::Overflow)
    );
    assert_eq!(scale_to_wad(U256::MAX, 36), crate::to_wad(U256::MAX, 36));
    assert_eq!(scale_to_wad(U256::MAX, 19), crate::to_wad(U256::MAX, 19));
}
