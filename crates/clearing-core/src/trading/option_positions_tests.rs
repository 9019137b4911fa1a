use super::*;
use crate::math::fixed::u256;
use proptest::prelude::*;

/// One percentage point in WAD.
const PP: u128 = 10_000_000_000_000_000;
const NOW: u64 = 1_735_689_600;

fn wad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

fn uwad(x: u64) -> U256 {
    U256::from(x) * WAD
}

/// A tenth of a contract.
fn tenth() -> U256 {
    WAD / U256::from(10u8)
}

fn input() -> FillInput {
    FillInput {
        now: NOW,
        expiry: NOW + 86_400,
        enabled: true,
        fresh: true,
        min_size: tenth(),
        max_open_interest: uwad(100),
        open_interest: U256::ZERO,
        maker: I256::ZERO,
        taker: I256::ZERO,
        maker_delta: wad(2),
    }
}

fn refused(r: FillRefusal) -> Result<FillPlan, FillError> {
    Err(FillError::Refused(r))
}

#[test]
fn an_opening_fill_books_both_sides_and_open_interest() {
    assert_eq!(
        plan_fill(&input()),
        Ok(FillPlan {
            maker: wad(2),
            taker: wad(-2),
            open_interest: uwad(2),
        })
    );
    // The maker sells 3 to a taker who was short 1: the taker closes and goes long 2, the
    // maker was long 5 (open interest 5: longs only).
    let f = FillInput {
        maker: wad(5),
        taker: wad(-1),
        open_interest: uwad(5),
        maker_delta: wad(-3),
        ..input()
    };
    assert_eq!(
        plan_fill(&f),
        Ok(FillPlan {
            maker: wad(2),
            taker: wad(2),
            open_interest: uwad(4),
        })
    );
}

#[test]
fn refusals_in_their_order() {
    let with = |f: fn(&mut FillInput)| {
        let mut i = input();
        f(&mut i);
        plan_fill(&i)
    };
    // Expiry first, at the second of expiry and after.
    assert_eq!(
        with(|i| i.now = i.expiry),
        refused(FillRefusal::SeriesExpired)
    );
    assert_eq!(
        with(|i| {
            i.now = i.expiry + 1;
            i.maker_delta = I256::ZERO;
        }),
        refused(FillRefusal::SeriesExpired)
    );
    assert!(with(|i| i.now = i.expiry - 1).is_ok());
    // Size zero, then not a multiple of the min size.
    assert_eq!(
        with(|i| i.maker_delta = I256::ZERO),
        refused(FillRefusal::ZeroSize)
    );
    assert_eq!(
        with(|i| i.maker_delta = wad(1) + I256::ONE),
        refused(FillRefusal::SizeNotMultiple)
    );
    assert_eq!(
        with(|i| i.maker_delta = -(wad(1) / I256::try_from(20).unwrap())),
        refused(FillRefusal::SizeNotMultiple)
    );
    assert_eq!(
        with(|i| {
            i.min_size = U256::ZERO;
        }),
        refused(FillRefusal::SizeNotMultiple)
    );
    // A disabled class, then a stale volatility: opening fills are refused.
    assert_eq!(
        with(|i| {
            i.enabled = false;
            i.fresh = false;
        }),
        refused(FillRefusal::ClassDisabled)
    );
    assert_eq!(
        with(|i| i.fresh = false),
        refused(FillRefusal::VolatilityStale)
    );
    // The cap: 100 contracts, 99 open.
    assert_eq!(
        with(|i| {
            i.open_interest = uwad(99);
            i.maker = wad(99);
            i.taker = wad(-99);
        }),
        refused(FillRefusal::OpenInterestCap)
    );
    assert!(with(|i| {
        i.open_interest = uwad(98);
        i.maker = wad(98);
        i.taker = wad(-98);
    })
    .is_ok());
}

#[test]
fn reducing_fills_pass_a_disabled_class_a_stale_volatility_and_the_cap() {
    // Maker long 5, taker short 5; the maker sells 2 back: both shrink.
    let closing = FillInput {
        enabled: false,
        fresh: false,
        open_interest: uwad(500),
        max_open_interest: uwad(100),
        maker: wad(5),
        taker: wad(-5),
        maker_delta: wad(-2),
        ..input()
    };
    assert_eq!(
        plan_fill(&closing),
        Ok(FillPlan {
            maker: wad(3),
            taker: wad(-3),
            open_interest: uwad(498),
        })
    );
    // Closing exactly is reducing.
    let to_zero = FillInput {
        maker_delta: wad(-5),
        ..closing
    };
    assert_eq!(plan_fill(&to_zero).unwrap().maker, I256::ZERO);
    // A flip (long 5 sells 6) is not, nor is one side growing while the other shrinks.
    let flip = FillInput {
        maker_delta: wad(-6),
        taker: wad(-6),
        ..closing
    };
    assert_eq!(plan_fill(&flip), refused(FillRefusal::ClassDisabled));
    let one_sided = FillInput {
        taker: wad(1),
        ..closing
    };
    assert_eq!(
        plan_fill(&FillInput {
            enabled: true,
            ..one_sided
        }),
        refused(FillRefusal::VolatilityStale)
    );
    // With the cap already exceeded (a lower cap after the class was enabled again), a fill
    // that moves longs between accounts without raising the open interest passes.
    let transfer = FillInput {
        open_interest: uwad(500),
        max_open_interest: uwad(100),
        maker: wad(5),
        taker: wad(0),
        maker_delta: wad(-2),
        ..input()
    };
    assert_eq!(plan_fill(&transfer).unwrap().open_interest, uwad(500));
}

#[test]
fn arithmetic_failures_are_not_refusals() {
    let f = FillInput {
        min_size: U256::from(1u8),
        maker: I256::MAX,
        maker_delta: I256::ONE,
        taker: I256::ZERO,
        ..input()
    };
    assert_eq!(plan_fill(&f), Err(FillError::Math(CoreError::Overflow)));
    let f = FillInput {
        min_size: U256::from(1u8),
        maker_delta: I256::MIN,
        ..input()
    };
    assert!(matches!(plan_fill(&f), Err(FillError::Math(_))));
}

#[test]
fn premium_and_fees() {
    // 2 contracts at 150.5: 301.
    assert_eq!(premium_amount(uwad(2), u256(15_050 * PP)), Ok(uwad(301)));
    // Rounds down: 1 wei of size at a premium of 0.5 wei per contract-wei is nothing.
    assert_eq!(
        premium_amount(U256::from(3u8), WAD / U256::from(2u8)),
        Ok(U256::from(1u8))
    );
    assert_eq!(
        premium_amount(U256::from(u128::MAX) + U256::from(1u8), WAD),
        Err(CoreError::Overflow)
    );
    // 2 contracts on a 3,000 spot at 3 bp: 1.8; the cap at 12.5 % of a 301 premium (37.625)
    // does not bind.
    let bp3 = u256(3 * PP / 100);
    let cap = u256(125 * PP / 10);
    assert_eq!(
        option_fee(uwad(2), uwad(3_000), bp3, uwad(301), cap),
        Ok(u256(1_800_000_000_000_000_000))
    );
    // A far out-of-the-money option at 5 quote for 2 contracts: the cap (0.625) binds.
    assert_eq!(
        option_fee(uwad(2), uwad(3_000), bp3, uwad(5), cap),
        Ok(u256(625 * PP / 10))
    );
    // A zero premium pays no fee; a zero rate neither.
    assert_eq!(
        option_fee(uwad(2), uwad(3_000), bp3, U256::ZERO, cap),
        Ok(U256::ZERO)
    );
    assert_eq!(
        option_fee(uwad(2), uwad(3_000), U256::ZERO, uwad(5), cap),
        Ok(U256::ZERO)
    );
    // Rounded up: one wei of everything.
    assert_eq!(
        option_fee(U256::from(1u8), U256::from(1u8), bp3, uwad(1), cap),
        Ok(U256::from(1u8))
    );
    assert_eq!(
        option_fee(uwad(1), uwad(1), WAD + U256::from(1u8), uwad(1), cap),
        Err(CoreError::InvalidParameter)
    );
    assert_eq!(
        option_fee(uwad(1), uwad(1), bp3, uwad(1), WAD + U256::from(1u8)),
        Err(CoreError::InvalidParameter)
    );
}

#[test]
fn intrinsic_values_and_payouts() {
    let k = uwad(3_000);
    assert_eq!(intrinsic(true, k, uwad(3_250)), uwad(250));
    assert_eq!(intrinsic(true, k, uwad(2_750)), U256::ZERO);
    assert_eq!(intrinsic(false, k, uwad(2_750)), uwad(250));
    assert_eq!(intrinsic(false, k, uwad(3_250)), U256::ZERO);
    assert_eq!(intrinsic(true, k, k), U256::ZERO);
    // 1.5 contracts of 250: 375 either way.
    let q = wad(3) / I256::try_from(2).unwrap();
    assert_eq!(expiry_payout(q, uwad(250)), Ok(wad(375)));
    assert_eq!(expiry_payout(-q, uwad(250)), Ok(wad(-375)));
    // 1 wei of size on 0.5 intrinsic: the long gets nothing, the short pays a wei.
    let half = WAD / U256::from(2u8);
    assert_eq!(expiry_payout(I256::ONE, half), Ok(I256::ZERO));
    assert_eq!(expiry_payout(I256::MINUS_ONE, half), Ok(I256::MINUS_ONE));
    assert_eq!(expiry_payout(I256::ZERO, half), Ok(I256::ZERO));
    assert_eq!(expiry_payout(I256::MAX, half), Err(CoreError::Overflow));
}

/// `a * b` exactly, in 512 bits.
fn exact(a: U256, b: U256) -> alloy_primitives::U512 {
    a.widening_mul::<256, 4, 512, 8>(b)
}

fn w512(x: U256) -> alloy_primitives::U512 {
    exact(x, WAD)
}

proptest! {
    /// Open interest stays the sum of the long positions, and positions the sum zero, over any
    /// sequence of accepted fills between a few accounts; a refused fill changes nothing.
    #[test]
    fn open_interest_is_the_sum_of_longs(
        fills in proptest::collection::vec((0usize..5, 0usize..5, -40i64..40, any::<bool>(), any::<bool>()), 1..60),
        cap in 1u64..60,
    ) {
        let mut pos = [I256::ZERO; 5];
        let mut oi = U256::ZERO;
        for (m, t, n, enabled, fresh) in fills {
            if m == t {
                continue;
            }
            let f = FillInput {
                enabled,
                fresh,
                max_open_interest: uwad(cap),
                open_interest: oi,
                maker: pos[m],
                taker: pos[t],
                maker_delta: wad(n) / I256::try_from(4).unwrap(),
                min_size: WAD / U256::from(4u8),
                ..input()
            };
            match plan_fill(&f) {
                Ok(p) => {
                    let grows = |old: I256, new: I256| new.unsigned_abs() > old.unsigned_abs()
                        || (new.is_negative() != old.is_negative() && !new.is_zero() && !old.is_zero());
                    if !(enabled && fresh) {
                        // Only risk-reducing fills: neither side grows nor flips.
                        prop_assert!(!grows(pos[m], p.maker) && !grows(pos[t], p.taker));
                    }
                    if p.open_interest > oi {
                        prop_assert!(p.open_interest <= uwad(cap));
                    }
                    pos[m] = p.maker;
                    pos[t] = p.taker;
                    oi = p.open_interest;
                }
                Err(FillError::Refused(_)) => {}
                Err(e) => prop_assert!(false, "{e:?}"),
            }
            let longs: I256 = pos.iter().filter(|p| p.is_positive()).fold(I256::ZERO, |a, p| a + *p);
            let net: I256 = pos.iter().fold(I256::ZERO, |a, p| a + *p);
            prop_assert_eq!(to_signed(oi).unwrap(), longs);
            prop_assert_eq!(net, I256::ZERO);
        }
    }

    /// The premium amount is the exact product rounded down.
    #[test]
    fn premium_rounds_down(size in any::<u128>(), premium in any::<u128>()) {
        let (s, p) = (U256::from(size), U256::from(premium));
        let a = premium_amount(s, p).unwrap();
        prop_assert!(w512(a) <= exact(s, p));
        prop_assert!(w512(a + U256::from(1u8)) > exact(s, p));
    }

    /// A fee is the smaller of its two parts, each at least its exact value and less than one
    /// wei (two for the notional's own rounding) above it, so never above the cap.
    #[test]
    fn fee_is_capped_and_rounds_up(
        size in 0u128..(1u128 << 90),
        spot in 0u128..(1u128 << 90),
        rate in 0u64..=10_000_000_000_000_000,
        premium in 0u128..(1u128 << 100),
        cap in 0u64..=500_000_000_000_000_000,
    ) {
        let (size, spot, rate, premium, cap) =
            (U256::from(size), U256::from(spot), U256::from(rate), U256::from(premium), U256::from(cap));
        let f = option_fee(size, spot, rate, premium, cap).unwrap();
        let cap_part = crate::mul_up(premium, cap).unwrap();
        prop_assert!(f <= cap_part);
        // At least the exact rate x size x spot, unless the cap binds.
        let exact_fee = exact(exact(size, spot).to::<U256>(), rate);
        let f_scaled = exact(f, WAD * WAD);
        prop_assert!(f == cap_part || f_scaled >= exact_fee);
    }

    /// Settlement is zero-sum or in the protocol's favour to the wei: over any book of a series
    /// (positions summing to zero), the payouts sum to at most zero and at least minus the
    /// number of positions (one wei each at most); exactly zero when sizes are on a grid that
    /// makes every product exact.
    #[test]
    fn settlement_payouts_net_to_zero(
        longs in proptest::collection::vec(1u64..1_000_000_000_000, 1..8),
        shorts_split in proptest::collection::vec(1u64..100, 1..8),
        strike in 1u64..10_000,
        price in 1u128..(1u128 << 90),
        is_call in any::<bool>(),
    ) {
        let total: u64 = longs.iter().sum();
        // The shorts share the long total in proportions, the last taking the rest.
        let weights: u64 = shorts_split.iter().sum();
        let mut shorts = Vec::new();
        let mut left = total;
        for (i, w) in shorts_split.iter().enumerate() {
            let s = if i + 1 == shorts_split.len() { left } else { (total * w / weights).min(left) };
            left -= s;
            if s > 0 {
                shorts.push(s);
            }
        }
        let i = intrinsic(is_call, uwad(strike), U256::from(price));
        let mut sum = I256::ZERO;
        for l in &longs {
            let p = expiry_payout(I256::try_from(*l).unwrap(), i).unwrap();
            prop_assert!(!p.is_negative());
            sum += p;
        }
        for s in &shorts {
            let p = expiry_payout(-I256::try_from(*s).unwrap(), i).unwrap();
            prop_assert!(!p.is_positive());
            sum += p;
        }
        prop_assert!(!sum.is_positive());
        let holders = I256::try_from(longs.len() + shorts.len()).unwrap();
        prop_assert!(sum >= -holders);
        // On a grid of 10^-6 contracts with an intrinsic value of at most 12 decimals, exact.
        let grid = U256::from(1_000_000_000_000u64);
        let i_grid = (i / U256::from(1_000_000u64)) * U256::from(1_000_000u64);
        let mut sum = I256::ZERO;
        for l in &longs {
            sum += expiry_payout(I256::try_from(U256::from(*l) * grid).unwrap(), i_grid).unwrap();
        }
        for s in &shorts {
            sum += expiry_payout(-I256::try_from(U256::from(*s) * grid).unwrap(), i_grid).unwrap();
        }
        prop_assert_eq!(sum, I256::ZERO);
    }
}
