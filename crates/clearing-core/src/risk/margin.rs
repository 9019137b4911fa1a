//! The delta-one margin function (DESIGN section 7 before options).
//!
//! The whole section 7 function, with options, tails and contingency, is
//! [`crate::risk::scenario::requirements`]; for books without options it gives exactly this function's
//! numbers (the initial requirement where the floor binds aside: there it is `init_ratio` times
//! the floor). The contracts call this one until they move to the scenario function.
//!
//! For each underlying `u` of a sub-account the caller passes one [`Exposure`]: spot collateral
//! held in `u` and the net perp size on `u` (both signed WAD base units), the oracle price, the
//! maintenance and initial shocks (the asset's effective haircuts) and a liquidity depth.
//!
//! 1. Delta `D_u = spot_u + perp_u`, net notional `N_u = |D_u| * P_u`.
//! 2. Size add-on: `shock'_u = shock_u * (1 + N_u / depth_u)` (no add-on when `depth_u == 0`).
//! 3. Scenario grid: the price moves by `g * shock'_u` for `g` in
//!    {-1, -2/3, -1/3, 0, 1/3, 2/3, 1}; the risk is the worst loss over the grid, signed `+` when
//!    it occurs on a down move and `-` on an up move. For linear exposure this is
//!    `s_u = D_u * P_u * shock'_u`; non-linear instruments add their scenario PnL per grid point.
//! 4. Aggregation:
//!    - [`MarginMode::Cross`]: `sum_u |s_u|` (no credit across underlyings);
//!    - [`MarginMode::Portfolio`]: `sqrt(sum_u sum_v rho_uv s_u s_v)` with bucketed correlations
//!      ([`Correlations`]), the sum clamped at zero, and never more than the cross-mode amount.
//! 5. Floor: `min_margin_fraction * gross notional`, with gross notional `sum_u |perp_u| * P_u`
//!    (perp notional only, so pure collateral needs no margin and a spot + short-perp basis
//!    position needs exactly the floor).
//!
//! The initial requirement uses the initial shocks and is never below the maintenance requirement.
//! Requirements round up. Equity is computed by the caller; [`health`] subtracts a requirement.

use crate::math::fixed::{
    add, add_signed, mul_div, mul_div_signed, mul_signed, mul_up, sub_signed, to_signed,
    wad_sqrt_up, Rounding, WAD, WAD_SIGNED,
};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// Most exposures (underlyings) per margin computation.
pub const MAX_UNDERLYINGS: usize = 8;
/// Number of correlation buckets; bucket indices are `0..MAX_BUCKETS`.
pub const MAX_BUCKETS: usize = 4;
/// Scenario grid in thirds of the shock: `k / 3` for each `k`.
pub const GRID: [i8; 7] = [-3, -2, -1, 0, 1, 2, 3];

/// The exposure of a sub-account to one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// Correlation bucket of the underlying, `< MAX_BUCKETS`.
    pub bucket: u8,
    /// Spot collateral held in the underlying, signed WAD base units (the quote asset is not an
    /// exposure).
    pub spot: I256,
    /// Net perp size on the underlying, signed WAD base units (positive = long).
    pub perp: I256,
    /// Oracle price, WAD quote per base unit.
    pub price: U256,
    /// Maintenance shock (the asset's maintenance haircut), WAD, at most 1.
    pub maint_shock: U256,
    /// Initial shock (the asset's initial haircut), WAD, at most 1.
    pub init_shock: U256,
    /// Liquidity depth, WAD quote; `0` disables the size add-on.
    pub depth: U256,
}

/// Bucketed correlations, WAD in `[0, 1]`.
///
/// Two different underlyings in the same bucket `b` correlate with `intra[b]`; underlyings in
/// different buckets with `inter`; an underlying with itself with 1. For the correlation matrix to
/// be positive semi-definite choose `inter <= intra[b]` for every bucket in use (the aggregation
/// clamps a negative sum at zero regardless).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Correlations {
    /// Intra-bucket correlation per bucket.
    pub intra: [U256; MAX_BUCKETS],
    /// Inter-bucket correlation.
    pub inter: U256,
}

impl Correlations {
    /// Correlation between two different underlyings in buckets `a` and `b` (both already
    /// checked to be `< MAX_BUCKETS`).
    pub(crate) fn rho(&self, a: u8, b: u8) -> U256 {
        if a == b {
            self.intra[usize::from(a)]
        } else {
            self.inter
        }
    }

    pub(crate) fn validate(&self) -> Result<(), CoreError> {
        if self.inter > WAD || self.intra.iter().any(|r| *r > WAD) {
            return Err(CoreError::InvalidParameter);
        }
        Ok(())
    }
}

/// How risks aggregate across underlyings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginMode {
    /// Sum of absolute risks: no correlation credit across underlyings (the default).
    Cross,
    /// Bucketed-correlation aggregation (opt-in).
    Portfolio,
}

/// Margin requirements of a sub-account, WAD quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    /// Maintenance requirement `MM`.
    pub maintenance: U256,
    /// Initial requirement `IM` (at least `MM`).
    pub initial: U256,
    /// The notional the floor applies to: gross perp notional `sum_u |perp_u| * P_u` (plus, in
    /// [`crate::risk::scenario::requirements`], the underlying notional of short options).
    pub gross_notional: U256,
}

/// Signed `I256` from a small integer.
fn small(k: i8) -> I256 {
    let m = I256::from_raw(U256::from_limbs([u64::from(k.unsigned_abs()), 0, 0, 0]));
    if k < 0 {
        -m
    } else {
        m
    }
}

/// Signed risk `s_u` of one exposure under `shock`: the worst loss over the scenario grid,
/// positive if it occurs on a down move, negative on an up move. For the linear exposure here it
/// equals `(spot + perp) * price * shock * (1 + |(spot + perp) * price| / depth)`, rounded away
/// from zero.
///
/// # Errors
/// [`CoreError::Overflow`] if an intermediate does not fit.
pub fn signed_risk(e: &Exposure, shock: U256) -> Result<I256, CoreError> {
    let delta = add_signed(e.spot, e.perp)?;
    // Requirements round up: notional, add-on and loss magnitudes round up.
    let notional = mul_up(delta.unsigned_abs(), e.price)?;
    let eff_shock = if e.depth.is_zero() {
        shock
    } else {
        add(shock, mul_div(shock, notional, e.depth, Rounding::Up)?)?
    };
    // PnL of the exposure when the price rises by the full shock.
    let up_pnl = to_signed(mul_up(notional, eff_shock)?)?;
    let up_pnl = if delta.is_negative() { -up_pnl } else { up_pnl };
    let three = small(3);
    let mut worst = I256::ZERO;
    let mut worst_at = 0i8;
    for k in GRID {
        // Loss at grid point k/3 is -pnl(k/3); requirements round up (ceiling).
        let loss = mul_div_signed(up_pnl, small(-k), three, Rounding::Up)?;
        if loss > worst {
            worst = loss;
            worst_at = k;
        }
    }
    // worst >= 0, so its negation cannot overflow.
    Ok(if worst_at < 0 { worst } else { -worst })
}

/// Aggregates signed risks into one requirement (before the floor).
fn aggregate(
    exposures: &[Exposure],
    risks: &[I256],
    corr: &Correlations,
    mode: MarginMode,
) -> Result<U256, CoreError> {
    let mut cross = U256::ZERO;
    for s in risks {
        cross = add(cross, s.unsigned_abs())?;
    }
    if mode == MarginMode::Cross {
        return Ok(cross);
    }
    // sum_u s_u^2 + 2 * sum_{v<u} rho_uv s_u s_v, in WAD-scaled squared quote units.
    let mut sum = I256::ZERO;
    for (u, su) in risks.iter().enumerate() {
        // Requirements round up: every term rounds toward +infinity.
        sum = add_signed(sum, mul_signed(*su, *su, Rounding::Up)?)?;
        for (v, sv) in risks[..u].iter().enumerate() {
            let rho = to_signed(corr.rho(exposures[u].bucket, exposures[v].bucket))?;
            let prod = mul_div_signed(*su, *sv, WAD_SIGNED, Rounding::Up)?;
            let term = mul_signed(prod, rho, Rounding::Up)?;
            sum = add_signed(sum, add_signed(term, term)?)?;
        }
    }
    // A PSD matrix gives sum >= 0; clamp defensively. The root rounds up (requirement).
    let portfolio = if sum.is_negative() {
        U256::ZERO
    } else {
        wad_sqrt_up(sum.into_raw())
    };
    // Correlation credit can only lower the requirement (rho <= 1 implies this up to rounding).
    Ok(portfolio.min(cross))
}

/// Maintenance and initial requirements of a sub-account.
///
/// `exposures` holds one entry per underlying (entries are never netted with each other, so pass
/// each underlying once), at most [`MAX_UNDERLYINGS`]. `min_margin_fraction` is WAD.
///
/// # Errors
/// [`CoreError::TooManyEntries`] for more than [`MAX_UNDERLYINGS`] exposures;
/// [`CoreError::InvalidBucket`] for a bucket `>= MAX_BUCKETS`; [`CoreError::InvalidParameter`] for
/// a shock, correlation or `min_margin_fraction` above 1; [`CoreError::Overflow`] if an
/// intermediate does not fit.
pub fn requirements(
    exposures: &[Exposure],
    corr: &Correlations,
    min_margin_fraction: U256,
    mode: MarginMode,
) -> Result<Requirements, CoreError> {
    requirements_floored(exposures, corr, min_margin_fraction, None, mode)
}

/// [`requirements`], with the initial requirement's floor `init_ratio` times the maintenance
/// floor (rounded up) when given, the maintenance floor itself otherwise.
pub(crate) fn requirements_floored(
    exposures: &[Exposure],
    corr: &Correlations,
    min_margin_fraction: U256,
    init_ratio: Option<U256>,
    mode: MarginMode,
) -> Result<Requirements, CoreError> {
    if exposures.len() > MAX_UNDERLYINGS {
        return Err(CoreError::TooManyEntries);
    }
    corr.validate()?;
    if min_margin_fraction > WAD {
        return Err(CoreError::InvalidParameter);
    }
    let mut maint = [I256::ZERO; MAX_UNDERLYINGS];
    let mut init = [I256::ZERO; MAX_UNDERLYINGS];
    let mut gross = U256::ZERO;
    for (i, e) in exposures.iter().enumerate() {
        if usize::from(e.bucket) >= MAX_BUCKETS {
            return Err(CoreError::InvalidBucket);
        }
        if e.maint_shock > WAD || e.init_shock > WAD {
            return Err(CoreError::InvalidParameter);
        }
        maint[i] = signed_risk(e, e.maint_shock)?;
        init[i] = signed_risk(e, e.init_shock)?;
        // Requirements round up: the notional the floor applies to rounds up.
        gross = add(gross, mul_up(e.perp.unsigned_abs(), e.price)?)?;
    }
    let n = exposures.len();
    // Requirements round up.
    let floor = mul_up(min_margin_fraction, gross)?;
    let floor_im = match init_ratio {
        Some(ratio) => mul_up(floor, ratio)?,
        None => floor,
    };
    let maintenance = aggregate(exposures, &maint[..n], corr, mode)?.max(floor);
    let initial = aggregate(exposures, &init[..n], corr, mode)?
        .max(floor_im)
        .max(maintenance);
    Ok(Requirements {
        maintenance,
        initial,
        gross_notional: gross,
    })
}

/// Health `equity - requirement` (negative = below the requirement).
///
/// # Errors
/// [`CoreError::Overflow`] if `requirement` exceeds `I256::MAX` or the difference does not fit.
pub fn health(equity: I256, requirement: U256) -> Result<I256, CoreError> {
    sub_signed(equity, to_signed(requirement)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::u256;
    use proptest::prelude::*;

    const PCT: U256 = u256(10_000_000_000_000_000);

    fn wad_i(x: i64) -> I256 {
        I256::try_from(x).unwrap() * I256::from_raw(WAD)
    }

    fn exp(bucket: u8, spot: i64, perp: i64, price: u64, shock_bp: u64) -> Exposure {
        let shock = U256::from(shock_bp) * u256(100_000_000_000_000);
        Exposure {
            bucket,
            spot: wad_i(spot),
            perp: wad_i(perp),
            price: U256::from(price) * WAD,
            maint_shock: shock,
            init_shock: shock * U256::from(3u64) / U256::from(2u64),
            depth: U256::ZERO,
        }
    }

    fn corr(intra: u64, inter: u64) -> Correlations {
        let pct = |x: u64| U256::from(x) * PCT;
        Correlations {
            intra: [pct(intra); MAX_BUCKETS],
            inter: pct(inter),
        }
    }

    fn frac() -> U256 {
        u256(5_000_000_000_000_000)
    }

    #[test]
    fn naked_long_needs_full_shock() {
        // 10 ETH long at 3000 with a 2 % shock: 600 maintenance, 900 initial.
        let e = [exp(0, 0, 10, 3000, 200)];
        let r = requirements(&e, &corr(50, 20), frac(), MarginMode::Cross).unwrap();
        assert_eq!(r.maintenance, u256(600) * WAD);
        assert_eq!(r.initial, u256(900) * WAD);
        assert_eq!(r.gross_notional, u256(30_000) * WAD);
        let p = requirements(&e, &corr(50, 20), frac(), MarginMode::Portfolio).unwrap();
        assert_eq!(p, r);
        assert_eq!(signed_risk(&e[0], e[0].maint_shock), Ok(wad_i(600)));
        let short = exp(0, 0, -10, 3000, 200);
        assert_eq!(signed_risk(&short, short.maint_shock), Ok(-wad_i(600)));
    }

    #[test]
    fn input_limits_are_inclusive() {
        // Exactly MAX_UNDERLYINGS exposures are priced; one more is refused.
        let eight = [exp(0, 0, 1, 3000, 200); MAX_UNDERLYINGS];
        let r = requirements(&eight, &corr(50, 20), frac(), MarginMode::Cross).unwrap();
        assert_eq!(r.maintenance, u256(8 * 60) * WAD);
        let nine = [exp(0, 0, 1, 3000, 200); MAX_UNDERLYINGS + 1];
        assert_eq!(
            requirements(&nine, &corr(50, 20), frac(), MarginMode::Cross),
            Err(CoreError::TooManyEntries)
        );
        // A shock of exactly 100 % is accepted (the whole notional); above it is refused, for
        // the maintenance and the initial shock alike.
        let mut e = exp(0, 0, 1, 3000, 200);
        e.maint_shock = WAD;
        e.init_shock = WAD;
        let r = requirements(&[e], &corr(50, 20), frac(), MarginMode::Cross).unwrap();
        assert_eq!(r.maintenance, u256(3000) * WAD);
        let mut over = e;
        over.maint_shock = WAD + U256::from(1);
        assert_eq!(
            requirements(&[over], &corr(50, 20), frac(), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
        let mut over = e;
        over.init_shock = WAD + U256::from(1);
        assert_eq!(
            requirements(&[over], &corr(50, 20), frac(), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
        // A minimum margin fraction of exactly 100 % is accepted (the floor is the whole gross
        // notional); above it is refused.
        let r = requirements(&[e], &corr(50, 20), WAD, MarginMode::Cross).unwrap();
        assert_eq!(r.maintenance, u256(3000) * WAD);
        assert_eq!(
            requirements(&[e], &corr(50, 20), WAD + U256::from(1), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn hedge_needs_only_floor() {
        // Spot 10 ETH + short 10 ETH perp: floor 0.5 % of 30 000 = 150.
        let e = [exp(0, 10, -10, 3000, 200)];
        let r = requirements(&e, &corr(50, 20), frac(), MarginMode::Cross).unwrap();
        assert_eq!(r.maintenance, u256(150) * WAD);
        assert_eq!(r.initial, u256(150) * WAD);
        // Pure collateral needs nothing.
        let e = [exp(0, 10, 0, 3000, 200)];
        let r = requirements(&e, &corr(50, 20), frac(), MarginMode::Cross).unwrap();
        assert_eq!(r.gross_notional, U256::ZERO);
        assert_eq!(r.maintenance, u256(600) * WAD);
    }

    #[test]
    fn size_add_on() {
        // N = 30 000, depth 1 000 000: shock 2 % * 1.03 = 2.06 % -> 618.
        let mut e = exp(0, 0, 10, 3000, 200);
        e.depth = u256(1_000_000) * WAD;
        assert_eq!(signed_risk(&e, e.maint_shock), Ok(wad_i(618)));
    }

    #[test]
    fn portfolio_correlation() {
        // s1 = +600 (ETH long), s2 = -400 (BTC short).
        let e = [exp(0, 0, 10, 3000, 200), exp(0, 0, -1, 20_000, 200)];
        let cross = requirements(&e, &corr(50, 20), U256::ZERO, MarginMode::Cross).unwrap();
        assert_eq!(cross.maintenance, u256(1000) * WAD);
        // Same bucket, rho 0.5: sqrt(360000 + 160000 - 240000) = sqrt(280000) = 529.150262212918118100...
        let p = requirements(&e, &corr(50, 20), U256::ZERO, MarginMode::Portfolio).unwrap();
        assert_eq!(p.maintenance, u256(529_150_262_212_918_118_101));
        // Different buckets, rho 0.2: sqrt(520000 - 96000) = sqrt(424000) = 651.152823843988255...
        let e2 = [e[0], Exposure { bucket: 1, ..e[1] }];
        let p = requirements(&e2, &corr(50, 20), U256::ZERO, MarginMode::Portfolio).unwrap();
        assert_eq!(p.maintenance, u256(651_152_823_843_988_255_495));
        // rho = 1 and opposite risks of equal size cancel completely (down to the floor).
        let e3 = [exp(0, 0, 10, 3000, 200), exp(0, 0, -1, 30_000, 200)];
        let p = requirements(&e3, &corr(100, 100), frac(), MarginMode::Portfolio).unwrap();
        assert_eq!(p.maintenance, u256(300) * WAD);
    }

    #[test]
    fn errors() {
        let e = [exp(0, 0, 1, 1, 100); 9];
        let c = corr(50, 20);
        assert_eq!(
            requirements(&e, &c, frac(), MarginMode::Cross),
            Err(CoreError::TooManyEntries)
        );
        assert!(requirements(&e[..8], &c, frac(), MarginMode::Cross).is_ok());
        let bad = [exp(4, 0, 1, 1, 100)];
        assert_eq!(
            requirements(&bad, &c, frac(), MarginMode::Cross),
            Err(CoreError::InvalidBucket)
        );
        let mut hi = exp(0, 0, 1, 1, 100);
        hi.init_shock = WAD + u256(1);
        assert_eq!(
            requirements(&[hi], &c, frac(), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            requirements(&e[..1], &corr(101, 20), frac(), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
        assert_eq!(
            requirements(&e[..1], &c, WAD + u256(1), MarginMode::Cross),
            Err(CoreError::InvalidParameter)
        );
        let mut big = exp(0, 0, 1, 1, 100);
        big.perp = I256::MAX;
        big.price = U256::MAX;
        assert_eq!(
            requirements(&[big], &c, frac(), MarginMode::Cross),
            Err(CoreError::Overflow)
        );
        big.perp = I256::MAX;
        big.spot = I256::ONE;
        assert_eq!(
            requirements(&[big], &c, frac(), MarginMode::Cross),
            Err(CoreError::Overflow)
        );
    }

    #[test]
    fn health_examples() {
        assert_eq!(health(wad_i(100), u256(150) * WAD), Ok(-wad_i(50)));
        assert_eq!(health(wad_i(-100), U256::ZERO), Ok(wad_i(-100)));
        assert_eq!(health(I256::ZERO, U256::MAX), Err(CoreError::Overflow));
        assert_eq!(health(I256::MIN, u256(1)), Err(CoreError::Overflow));
        assert!(
            requirements(&[], &corr(0, 0), frac(), MarginMode::Portfolio)
                .is_ok_and(|r| r.maintenance.is_zero())
        );
    }

    fn any_exposure() -> impl Strategy<Value = Exposure> {
        (
            0u8..4,
            -1_000_000i64..1_000_000,
            -1_000_000i64..1_000_000,
            1u64..100_000,
            0u64..=5_000,
            0u64..=5_000,
            0u64..10_000_000,
        )
            .prop_map(|(bucket, spot, perp, price, m, extra, depth)| {
                let m = U256::from(m) * u256(100_000_000_000_000);
                Exposure {
                    bucket,
                    spot: wad_i(spot) / I256::try_from(1000).unwrap(),
                    perp: wad_i(perp) / I256::try_from(1000).unwrap(),
                    price: U256::from(price) * WAD,
                    maint_shock: m,
                    init_shock: (m + U256::from(extra) * u256(100_000_000_000_000)).min(WAD),
                    depth: U256::from(depth) * WAD,
                }
            })
    }

    fn any_corr() -> impl Strategy<Value = Correlations> {
        (0u64..=100, prop::array::uniform4(0u64..=100)).prop_map(|(inter, intra)| Correlations {
            intra: intra.map(|x| U256::from(x.max(inter)) * PCT),
            inter: U256::from(inter) * PCT,
        })
    }

    fn any_mode() -> impl Strategy<Value = MarginMode> {
        prop_oneof![Just(MarginMode::Cross), Just(MarginMode::Portfolio)]
    }

    proptest! {
        #[test]
        fn hedge_is_floor_only(e in any_exposure(), c in any_corr(), mode in any_mode()) {
            let e = Exposure { spot: -e.perp, ..e };
            let r = requirements(&[e], &c, frac(), mode).unwrap();
            let floor = mul_up(frac(), mul_up(e.perp.unsigned_abs(), e.price).unwrap()).unwrap();
            prop_assert_eq!(r.maintenance, floor);
            prop_assert_eq!(r.initial, floor);
        }

        #[test]
        fn portfolio_le_cross_and_initial_ge_maint(
            es in prop::collection::vec(any_exposure(), 0..=8),
            c in any_corr(),
        ) {
            let cross = requirements(&es, &c, frac(), MarginMode::Cross).unwrap();
            let port = requirements(&es, &c, frac(), MarginMode::Portfolio).unwrap();
            prop_assert!(port.maintenance <= cross.maintenance);
            prop_assert!(port.initial <= cross.initial);
            prop_assert!(cross.initial >= cross.maintenance);
            prop_assert!(port.initial >= port.maintenance);
            prop_assert_eq!(port.gross_notional, cross.gross_notional);
            let floor = mul_up(frac(), cross.gross_notional).unwrap();
            prop_assert!(port.maintenance >= floor);
        }

        #[test]
        fn grows_with_exposure(
            es in prop::collection::vec(any_exposure(), 1..=8),
            extra in 0i64..1_000_000,
            c in any_corr(),
        ) {
            // Enlarge |perp| of the first exposure in its own direction while keeping spot at 0.
            let mut a = es.clone();
            a[0].spot = I256::ZERO;
            let mut b = a.clone();
            let more = wad_i(extra) / I256::try_from(1000).unwrap();
            b[0].perp = if a[0].perp.is_negative() { a[0].perp - more } else { a[0].perp + more };
            let ra = requirements(&a, &c, frac(), MarginMode::Cross).unwrap();
            let rb = requirements(&b, &c, frac(), MarginMode::Cross).unwrap();
            prop_assert!(rb.maintenance >= ra.maintenance && rb.initial >= ra.initial);
            // Alone, the same holds in portfolio mode.
            let pa = requirements(&a[..1], &c, frac(), MarginMode::Portfolio).unwrap();
            let pb = requirements(&b[..1], &c, frac(), MarginMode::Portfolio).unwrap();
            prop_assert!(pb.maintenance >= pa.maintenance && pb.initial >= pa.initial);
        }

        #[test]
        fn grows_with_shock(
            es in prop::collection::vec(any_exposure(), 1..=8),
            c in any_corr(),
            mode in any_mode(),
        ) {
            // Doubling every shock (volatility) never lowers a requirement. (Shocks are kept at
            // most 1/2 so that doubling scales them uniformly; clipping one asset's shock at 1
            // but not another's is not a uniform rise in volatility.)
            let half = WAD / U256::from(2u64);
            let es: Vec<Exposure> = es
                .iter()
                .map(|e| Exposure { maint_shock: e.maint_shock.min(half), init_shock: e.init_shock.min(half), ..*e })
                .collect();
            let b: Vec<Exposure> = es
                .iter()
                .map(|e| Exposure { maint_shock: (e.maint_shock * U256::from(2u64)).min(WAD), init_shock: (e.init_shock * U256::from(2u64)).min(WAD), ..*e })
                .collect();
            let ra = requirements(&es, &c, frac(), mode).unwrap();
            let rb = requirements(&b, &c, frac(), mode).unwrap();
            prop_assert!(rb.maintenance >= ra.maintenance && rb.initial >= ra.initial);
        }

        #[test]
        fn zero_exposure_zero_requirement(
            es in prop::collection::vec(any_exposure(), 0..=8),
            c in any_corr(),
            mode in any_mode(),
        ) {
            let z: Vec<Exposure> = es.iter().map(|e| Exposure { spot: I256::ZERO, perp: I256::ZERO, ..*e }).collect();
            let r = requirements(&z, &c, frac(), mode).unwrap();
            prop_assert_eq!(r, Requirements { maintenance: U256::ZERO, initial: U256::ZERO, gross_notional: U256::ZERO });
        }

        #[test]
        fn linear_risk_formula(e in any_exposure()) {
            // s = D * P * shock * (1 + |D * P| / depth), checked against an independent exact form.
            let d = e.spot + e.perp;
            let s = signed_risk(&e, e.maint_shock).unwrap();
            prop_assert_eq!(s.is_negative(), d.is_negative() && !s.is_zero());
            let n = mul_up(d.unsigned_abs(), e.price).unwrap();
            let eff = if e.depth.is_zero() { e.maint_shock } else { e.maint_shock + mul_div(e.maint_shock, n, e.depth, Rounding::Up).unwrap() };
            prop_assert_eq!(s.unsigned_abs(), mul_up(n, eff).unwrap());
        }
    }
}
