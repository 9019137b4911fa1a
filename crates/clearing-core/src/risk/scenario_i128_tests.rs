//! The scenario margin on 128 bits against its `U256` oracle ([`super::oracle`], the functions
//! as they were before): bit-identical requirements, Greeks and option values wherever the
//! 128-bit domain holds, and `Overflow` (never another answer) where it does not.

use super::*;
use crate::governance::option_params::Tail;
use crate::math::fixed::{u256, wad_sqrt};
use crate::math::fixed128::{narrow, widen};
use crate::risk::haircut::horizon_factor;
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;

fn wad(x: u128) -> U256 {
    u256(x * E18)
}

/// Parameters anywhere within [`OptionMarginParams::validate`].
fn any_params() -> impl Strategy<Value = OptionMarginParams> {
    let frac = || 0u128..=E18;
    (
        (
            0u128..=10 * E18,
            E18..=3 * E18,
            0u128..=E18 / 10,
            0u64..=30 * DAY,
            frac(),
            0u64..=365 * DAY,
            frac(),
            frac(),
        ),
        (
            (0u128..=3 * E18, frac(), 0u128..=3 * E18, frac()),
            0u128..E18,
            frac(),
            0u128..=3 * E18,
            frac(),
            frac(),
            frac(),
            E18..=3 * E18,
            frac(),
        ),
    )
        .prop_map(
            |(
                (k, init, mmf, oh, rf, th, tf, tc),
                ((m1, w1, m2, w2), far, credit, up, down, ps, pl, cap, kappa),
            )| {
                let p = OptionMarginParams {
                    k: u256(k),
                    init_ratio: u256(init),
                    min_margin_fraction: u256(mmf),
                    option_horizon: oh,
                    range_floor: u256(rf),
                    tail_horizon: th,
                    tail_floor: u256(tf.min(tc)),
                    tail_cap: u256(tf.max(tc)),
                    tails: [
                        Tail {
                            multiple: u256(m1),
                            weight: u256(w1),
                        },
                        Tail {
                            multiple: u256(m2),
                            weight: u256(w2),
                        },
                    ],
                    far_move: u256(far),
                    tail_credit: u256(credit),
                    vol_up: u256(up),
                    vol_down: u256(down),
                    term_power_short: u256(ps),
                    term_power_long: u256(pl),
                    term_cap: u256(cap),
                    kappa: u256(kappa),
                };
                assert_eq!(p.validate(), Ok(()));
                p
            },
        )
}

fn any_corr() -> impl Strategy<Value = Correlations> {
    (0u128..=E18, prop::array::uniform4(0u128..=E18)).prop_map(|(inter, intra)| Correlations {
        intra: intra.map(u256),
        inter: u256(inter),
    })
}

fn any_mode() -> impl Strategy<Value = MarginMode> {
    prop_oneof![Just(MarginMode::Cross), Just(MarginMode::Portfolio)]
}

fn signed_wad(x: i128) -> I256 {
    I256::try_from(x).unwrap()
}

/// One underlying's book with a realistic scale: prices from 1e-6 to 1e6 quote, sizes up to
/// 1e5 base units, depths of zero or at least 1e6 quote, up to four options.
type RawBook = (Exposure, U256, U256, Vec<OptionPosition>);

fn any_book(max_options: usize) -> impl Strategy<Value = RawBook> {
    (
        0u8..4,
        -100_000_000i128..100_000_000,
        -100_000_000i128..100_000_000,
        prop_oneof![1_000_000_000_000u128..E18, E18..1_000_000 * E18],
        0u128..=E18,
        0u128..=E18,
        prop_oneof![Just(0u128), 1_000_000 * E18..1_000_000_000_000 * E18],
        0u128..E18 / 5,
        0u128..5 * E18,
    )
        .prop_flat_map(move |(bucket, spot, perp, price, m, i, depth, daily, iv)| {
            let e = Exposure {
                bucket,
                spot: signed_wad(spot * 1_000_000_000_000),
                perp: signed_wad(perp * 1_000_000_000_000),
                price: u256(price),
                maint_shock: u256(m.min(i)),
                init_shock: u256(m.max(i)),
                depth: u256(depth),
            };
            let option = (
                any::<bool>(),
                30u128..300,
                prop_oneof![Just(0u64), 1u64..3_600, 3_600u64..2 * 365 * DAY],
                prop_oneof![Just(0u128), 0u128..=10 * E18],
                -100_000_000i128..100_000_000,
            )
                .prop_map(move |(call, moneyness, seconds, vol, size)| {
                    OptionPosition {
                        kind: if call {
                            OptionKind::Call
                        } else {
                            OptionKind::Put
                        },
                        strike: u256(price * moneyness / 100),
                        seconds,
                        vol: u256(vol),
                        size: signed_wad(size * 1_000_000_000_000),
                    }
                });
            (
                Just(e),
                Just(u256(daily)),
                Just(u256(iv)),
                prop::collection::vec(option, 0..=max_options),
            )
        })
}

fn books_of(raw: &[RawBook]) -> Vec<Book<'_>> {
    raw.iter()
        .map(|(e, daily, iv, o)| Book {
            exposure: *e,
            sigma_daily: *daily,
            iv_near: *iv,
            options: o,
        })
        .collect()
}

/// Raw 256-bit values, mostly small, some anywhere.
fn any_word() -> impl Strategy<Value = U256> {
    prop_oneof![
        3 => (0u128..1_000_000 * E18).prop_map(u256),
        1 => any::<u128>().prop_map(u256),
        1 => crate::math::fixed::tests::any_u256(),
    ]
}

fn any_signed_word() -> impl Strategy<Value = I256> {
    prop_oneof![
        3 => (-1_000_000_000i128 * 1_000_000_000_000..1_000_000_000 * 1_000_000_000_000).prop_map(signed_wad),
        1 => any::<i128>().prop_map(signed_wad),
        1 => crate::math::fixed::tests::any_i256(),
    ]
}

#[test]
fn constants_match_their_wide_definitions() {
    assert_eq!(
        widen(SQRT_365),
        wad_sqrt(u256(365) * crate::math::fixed::WAD)
    );
    assert_eq!(MAX_VOL_Q, narrow(MAX_VOL).unwrap());
    for h in [
        0u64,
        1,
        59,
        3_600,
        6 * 3_600,
        DAY - 1,
        DAY,
        30 * DAY,
        365 * DAY,
    ] {
        assert_eq!(horizon_factor_q(h).map(widen), horizon_factor(h), "{h}");
    }
}

#[test]
fn the_domain_is_128_bits() {
    // A price of 2^128 wei is refused with Overflow where the U256 function answers.
    let e = Exposure {
        bucket: 0,
        spot: signed_wad(E18 as i128),
        perp: I256::ZERO,
        price: U256::from(1u8) << 128usize,
        maint_shock: wad(1) / u256(10),
        init_shock: wad(1) / u256(10),
        depth: U256::ZERO,
    };
    let c = Correlations::default();
    let p = OptionMarginParams::DEFAULT;
    let books = [Book::delta_one(e)];
    assert!(oracle::requirements(&books, &c, &p, MarginMode::Cross).is_ok());
    assert_eq!(
        requirements(&books, &c, &p, MarginMode::Cross),
        Err(CoreError::Overflow)
    );
    // Just inside: 1e10 base units at 1e9 quote (a notional of 1e19 quote, a loss of 1e18).
    let e = Exposure {
        spot: signed_wad(10_000_000_000 * E18 as i128),
        price: wad(1_000_000_000),
        ..e
    };
    let books = [Book::delta_one(e)];
    assert_eq!(
        requirements(&books, &c, &p, MarginMode::Portfolio),
        oracle::requirements(&books, &c, &p, MarginMode::Portfolio)
    );
    assert!(requirements(&books, &c, &p, MarginMode::Portfolio).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Books with options at a realistic scale, any parameters the margin function accepts,
    /// both modes: the 128-bit function answers, and exactly as the U256 one.
    #[test]
    fn equals_the_u256_oracle(
        raw in prop::collection::vec(any_book(4), 1..=4),
        c in any_corr(),
        p in any_params(),
        mode in any_mode(),
    ) {
        let books = books_of(&raw);
        let new = requirements(&books, &c, &p, mode);
        let old = oracle::requirements(&books, &c, &p, mode);
        prop_assert!(new.is_ok(), "{:?}", new);
        prop_assert_eq!(new, old);
        for b in &books {
            let (g, v) = (greeks(b), options_value(b));
            prop_assert!(g.is_ok() && v.is_ok());
            prop_assert_eq!(g, oracle::greeks(b));
            prop_assert_eq!(v, oracle::options_value(b));
        }
    }

    /// Eight underlyings and up to sixteen options, default parameters.
    #[test]
    fn equals_the_u256_oracle_on_full_accounts(
        raw in prop::collection::vec(any_book(2), 8),
        c in any_corr(),
        mode in any_mode(),
    ) {
        let books = books_of(&raw);
        let p = OptionMarginParams::DEFAULT;
        let new = requirements(&books, &c, &p, mode);
        prop_assert!(new.is_ok(), "{:?}", new);
        prop_assert_eq!(new, oracle::requirements(&books, &c, &p, mode));
    }

    /// Arbitrary inputs, valid or not, any size: the 128-bit function gives the U256 one's
    /// answer (requirements or error), or `Overflow` where a value leaves its domain.
    #[test]
    fn differs_only_by_overflow(
        raw in prop::collection::vec((
            any::<u8>(),
            any_signed_word(),
            any_signed_word(),
            any_word(),
            any_word(),
            any_word(),
            any_word(),
            prop::collection::vec((any::<bool>(), any_word(), any::<u64>(), any_word(), any_signed_word()), 0..3),
        ), 0..3),
        c in any_corr(),
        p in any_params(),
        mode in any_mode(),
    ) {
        let opts: Vec<Vec<OptionPosition>> = raw.iter().map(|r| r.7.iter().map(|(call, k, t, v, q)| OptionPosition {
            kind: if *call { OptionKind::Call } else { OptionKind::Put },
            strike: *k,
            seconds: t % (MAX_SECONDS + 2),
            vol: *v % (MAX_VOL + u256(2)),
            size: *q,
        }).collect()).collect();
        let books: Vec<Book> = raw.iter().zip(&opts).map(|(r, o)| Book {
            exposure: Exposure {
                bucket: r.0 % 5,
                spot: r.1,
                perp: r.2,
                price: r.3,
                maint_shock: r.4 % (crate::math::fixed::WAD + u256(2)),
                init_shock: r.5 % (crate::math::fixed::WAD + u256(2)),
                depth: r.6,
            },
            sigma_daily: r.4,
            iv_near: r.5,
            options: o,
        }).collect();
        let new = requirements(&books, &c, &p, mode);
        let old = oracle::requirements(&books, &c, &p, mode);
        if new != Err(CoreError::Overflow) {
            prop_assert_eq!(new, old);
        }
        for b in &books {
            let g = greeks(b);
            if g != Err(CoreError::Overflow) {
                prop_assert_eq!(g, oracle::greeks(b));
            }
            let v = options_value(b);
            if v != Err(CoreError::Overflow) {
                prop_assert_eq!(v, oracle::options_value(b));
            }
        }
    }

    #[test]
    fn horizon_factor_matches(h in 0u64..=400 * DAY) {
        prop_assert_eq!(horizon_factor_q(h).map(widen), horizon_factor(h));
    }
}
