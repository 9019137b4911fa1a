//! Collateral valuation (DESIGN section 5).
//!
//! Value of a sub-account's collateral = sum over assets of `amount * price * (1 - h)`, with the
//! maintenance and initial haircuts separately, plus the un-haircut value at oracle price. The
//! quote asset is an ordinary entry priced by its own feed with its own (small) haircut, so a
//! depeg counts. Collateral values round down.
//!
//! In the margin function of DESIGN section 7 the price risk of spot collateral enters through
//! the exposure `D_u` (see [`crate::risk::margin`]), so equity there uses the un-haircut value; the
//! haircut values serve checks that look at collateral alone.

use crate::math::fixed::{add, mul_down, to_wad, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// One collateral balance with its valuation inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollateralAsset {
    /// Balance in the token's own decimals.
    pub amount: U256,
    /// The token's decimals (at most 36).
    pub decimals: u8,
    /// Oracle price, WAD quote per whole token.
    pub price: U256,
    /// Maintenance haircut, WAD, at most 1.
    pub maint_haircut: U256,
    /// Initial haircut, WAD, at most 1.
    pub init_haircut: U256,
}

/// Collateral value, WAD quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CollateralValue {
    /// Value after maintenance haircuts.
    pub maintenance: U256,
    /// Value after initial haircuts.
    pub initial: U256,
    /// Value at oracle price without haircuts.
    pub unhaircut: U256,
}

/// Value of one collateral balance.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if a haircut exceeds 1; [`CoreError::DecimalsTooLarge`] if
/// `decimals > 36`; [`CoreError::Overflow`] if the value does not fit.
pub fn asset_value(a: &CollateralAsset) -> Result<CollateralValue, CoreError> {
    if a.maint_haircut > WAD || a.init_haircut > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Collateral values round down: the amount, the price product and each haircut.
    let unhaircut = mul_down(to_wad(a.amount, a.decimals)?, a.price)?;
    Ok(CollateralValue {
        maintenance: mul_down(unhaircut, WAD - a.maint_haircut)?,
        initial: mul_down(unhaircut, WAD - a.init_haircut)?,
        unhaircut,
    })
}

/// Total value of a sub-account's collateral balances.
///
/// # Errors
/// As [`asset_value`]; [`CoreError::Overflow`] if a total does not fit.
pub fn collateral_value(assets: &[CollateralAsset]) -> Result<CollateralValue, CoreError> {
    let mut total = CollateralValue::default();
    for a in assets {
        let v = asset_value(a)?;
        total = CollateralValue {
            maintenance: add(total.maintenance, v.maintenance)?,
            initial: add(total.initial, v.initial)?,
            unhaircut: add(total.unhaircut, v.unhaircut)?,
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{u256, widen};
    use alloy_primitives::U512;
    use proptest::prelude::*;

    const PCT: U256 = u256(10_000_000_000_000_000);

    #[test]
    fn examples() {
        // 2.5 WETH at 3000 with 2.14 % / 3.21 % haircuts, 1000 USDC at 0.999 with 1 % / 2 %.
        let weth = CollateralAsset {
            amount: u256(2_500_000_000_000_000_000),
            decimals: 18,
            price: u256(3000) * WAD,
            maint_haircut: u256(21_400_000_000_000_000),
            init_haircut: u256(32_100_000_000_000_000),
        };
        let usdc = CollateralAsset {
            amount: u256(1_000_000_000),
            decimals: 6,
            price: u256(999_000_000_000_000_000),
            maint_haircut: PCT,
            init_haircut: u256(2) * PCT,
        };
        assert_eq!(
            asset_value(&weth),
            Ok(CollateralValue {
                maintenance: u256(7_339_500_000_000_000_000_000),
                initial: u256(7_259_250_000_000_000_000_000),
                unhaircut: u256(7_500) * WAD,
            })
        );
        assert_eq!(
            collateral_value(&[weth, usdc]),
            Ok(CollateralValue {
                maintenance: u256(8_328_510_000_000_000_000_000),
                initial: u256(8_238_270_000_000_000_000_000),
                unhaircut: u256(8_499) * WAD,
            })
        );
        assert_eq!(collateral_value(&[]), Ok(CollateralValue::default()));
        // A 1-wei remainder rounds down.
        let dust = CollateralAsset {
            amount: u256(1),
            decimals: 18,
            price: u256(1),
            maint_haircut: U256::ZERO,
            init_haircut: U256::ZERO,
        };
        assert_eq!(asset_value(&dust).map(|v| v.unhaircut), Ok(U256::ZERO));
    }

    #[test]
    fn errors() {
        let mut a = CollateralAsset {
            amount: u256(1),
            decimals: 6,
            price: WAD,
            maint_haircut: WAD,
            init_haircut: WAD,
        };
        assert_eq!(asset_value(&a).map(|v| v.maintenance), Ok(U256::ZERO));
        a.init_haircut = WAD + u256(1);
        assert_eq!(asset_value(&a), Err(CoreError::InvalidParameter));
        a.init_haircut = WAD;
        a.decimals = 37;
        assert_eq!(asset_value(&a), Err(CoreError::DecimalsTooLarge));
        a.decimals = 18;
        a.amount = U256::MAX;
        a.price = u256(2) * WAD;
        assert_eq!(asset_value(&a), Err(CoreError::Overflow));
        a.price = WAD;
        assert_eq!(collateral_value(&[a, a]), Err(CoreError::Overflow));
    }

    proptest! {
        #[test]
        fn rounds_down_by_less_than_two_wei(
            amount in any::<u128>(),
            decimals in 0u8..=18,
            price in any::<u128>(),
            hm in 0u64..=1_000_000_000_000_000_000,
            hi in 0u64..=1_000_000_000_000_000_000,
        ) {
            let a = CollateralAsset {
                amount: u256(amount),
                decimals,
                price: u256(price),
                maint_haircut: U256::from(hm),
                init_haircut: U256::from(hi),
            };
            let v = asset_value(&a).unwrap();
            // Exact values scaled by WAD^2: amount * 10^(18 - d) * price * (WAD - h).
            let scale = U256::from(10u64).pow(U256::from(18 - decimals));
            let base: U512 = (u256(amount) * scale).widening_mul(u256(price));
            let wad2 = widen(WAD) * widen(WAD);
            let exact = |h: U256| base * widen(WAD - h);
            let two = U512::from(2u64);
            prop_assert!(widen(v.unhaircut) * wad2 <= base * widen(WAD));
            prop_assert!((widen(v.unhaircut) + two) * wad2 > base * widen(WAD));
            prop_assert!(widen(v.maintenance) * wad2 <= exact(a.maint_haircut));
            prop_assert!((widen(v.maintenance) + two) * wad2 > exact(a.maint_haircut));
            prop_assert!(widen(v.initial) * wad2 <= exact(a.init_haircut));
            prop_assert!(v.maintenance <= v.unhaircut && v.initial <= v.unhaircut);
            if hi >= hm {
                prop_assert!(v.initial <= v.maintenance);
            }
        }

        #[test]
        fn total_is_sum(amounts in prop::collection::vec((any::<u64>(), 0u8..=36, any::<u64>(), 0u64..=100), 0..=8)) {
            let assets: Vec<CollateralAsset> = amounts
                .iter()
                .map(|&(amount, decimals, price, h)| CollateralAsset {
                    amount: U256::from(amount),
                    decimals,
                    price: U256::from(price) * WAD,
                    maint_haircut: U256::from(h) * PCT,
                    init_haircut: (U256::from(h) * PCT * U256::from(3u64) / U256::from(2u64)).min(WAD),
                })
                .collect();
            let total = collateral_value(&assets).unwrap();
            let mut m = U256::ZERO;
            for a in &assets {
                m += asset_value(a).unwrap().maintenance;
            }
            prop_assert_eq!(total.maintenance, m);
            prop_assert!(total.initial <= total.maintenance && total.maintenance <= total.unhaircut);
        }
    }
}
