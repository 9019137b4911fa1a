//! Trading fees (DESIGN section 6).
//!
//! A fee is `notional * rate`, rounded up (fees round up). The fee is taken from the trader's
//! quote balance in full and split between the InsuranceFund and the protocol's fee recipient
//! without creating or losing value: `insurance + treasury == fee` exactly. The InsuranceFund
//! share rounds up, so the rounding dust goes to the fund, the solvency backstop; the treasury
//! gets the rest.
//!
//! Fees are never negative here (no maker rebates).

use crate::math::fixed::{mul_div_narrow, mul_up, Rounding, WAD};
use crate::CoreError;
use alloy_primitives::U256;

/// The two parts of a fee, WAD quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeSplit {
    /// Share credited to the InsuranceFund (receives the rounding dust).
    pub insurance: U256,
    /// The rest, credited to the protocol's fee recipient.
    pub treasury: U256,
}

/// The fee on `notional` (WAD quote) at `rate` (WAD fraction), rounded up.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `rate > 1`; [`CoreError::Overflow`] if the fee does not fit.
pub fn fee(notional: U256, rate: U256) -> Result<U256, CoreError> {
    if rate > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Fees round up.
    mul_up(notional, rate)
}

/// Splits `fee` with `insurance_share` (WAD fraction) of it to the InsuranceFund, rounded up, and
/// the rest to the treasury. The parts sum to `fee` exactly.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `insurance_share > 1`.
pub fn split_fee(fee: U256, insurance_share: U256) -> Result<FeeSplit, CoreError> {
    if insurance_share > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Dust goes to the InsuranceFund: its share rounds up; `fee * share / WAD <= fee`, so the
    // ceiling is at most `fee` and cannot overflow.
    let insurance = mul_up(fee, insurance_share)?;
    Ok(FeeSplit {
        insurance,
        treasury: fee - insurance,
    })
}

/// [`split_fee`] for a fee below `2^128`, in 256-bit arithmetic (a contract that calls only
/// this links no 512-bit division): the same parts, insurance rounded up.
///
/// # Errors
/// [`CoreError::InvalidParameter`] if `insurance_share > 1`; [`CoreError::Overflow`] if `fee`
/// is `2^128` or more.
pub fn split_fee_narrow(fee: U256, insurance_share: U256) -> Result<FeeSplit, CoreError> {
    if insurance_share > WAD {
        return Err(CoreError::InvalidParameter);
    }
    // Dust goes to the InsuranceFund, as in `split_fee`: at most `fee`.
    let insurance = mul_div_narrow(fee, insurance_share, WAD, Rounding::Up)?;
    Ok(FeeSplit {
        insurance,
        treasury: fee - insurance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{tests::any_u256, u256};
    use proptest::prelude::*;

    /// Five hundredths of a percent (0.05 %), WAD.
    const FIVE_BP: U256 = u256(500_000_000_000_000);

    #[test]
    fn examples() {
        // 0.05 % of 30 000 = 15.
        assert_eq!(fee(u256(30_000) * WAD, FIVE_BP), Ok(u256(15) * WAD));
        // 1 wei of notional still pays 1 wei.
        assert_eq!(fee(u256(1), FIVE_BP), Ok(u256(1)));
        assert_eq!(fee(u256(1), U256::ZERO), Ok(U256::ZERO));
        assert_eq!(fee(U256::MAX, WAD), Ok(U256::MAX));
        assert_eq!(
            fee(u256(1), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
        let third = u256(333_333_333_333_333_333);
        assert_eq!(
            split_fee(u256(10), third),
            Ok(FeeSplit {
                insurance: u256(4),
                treasury: u256(6)
            })
        );
        assert_eq!(
            split_fee(u256(10), WAD),
            Ok(FeeSplit {
                insurance: u256(10),
                treasury: U256::ZERO
            })
        );
        assert_eq!(
            split_fee(U256::MAX, WAD / u256(2)),
            Ok(FeeSplit {
                insurance: U256::MAX / u256(2) + u256(1),
                treasury: U256::MAX / u256(2)
            })
        );
        assert_eq!(
            split_fee(u256(1), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
    }

    #[test]
    fn narrow_split_examples() {
        let third = u256(333_333_333_333_333_333);
        assert_eq!(
            split_fee_narrow(u256(10), third),
            split_fee(u256(10), third)
        );
        assert_eq!(
            split_fee_narrow(u256(u128::MAX), WAD),
            split_fee(u256(u128::MAX), WAD)
        );
        assert_eq!(
            split_fee_narrow(u256(u128::MAX) + u256(1), WAD / u256(2)),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            split_fee_narrow(u256(1), WAD + u256(1)),
            Err(CoreError::InvalidParameter)
        );
    }

    proptest! {
        /// Below 2^128 the narrow split is the split.
        #[test]
        fn narrow_split_is_the_split(f in any::<u128>(), share in 0u64..=1_000_000_000_000_000_000) {
            let (f, share) = (U256::from(f), U256::from(share));
            prop_assert_eq!(split_fee_narrow(f, share), split_fee(f, share));
        }

        #[test]
        fn fee_rounds_up(n in any_u256(), rate in 0u64..=1_000_000_000_000_000_000) {
            let rate = U256::from(rate);
            if let Ok(f) = fee(n, rate) {
                // f * WAD >= n * rate > (f - 1) * WAD.
                let exact = n.widening_mul::<256, 4, 512, 8>(rate);
                let w = |x: U256| x.widening_mul::<256, 4, 512, 8>(WAD);
                prop_assert!(w(f) >= exact);
                prop_assert!(f.is_zero() || w(f - u256(1)) < exact);
            }
        }

        #[test]
        fn split_conserves(f in any_u256(), share in 0u64..=1_000_000_000_000_000_000) {
            let share = U256::from(share);
            let s = split_fee(f, share).unwrap();
            prop_assert_eq!(s.insurance + s.treasury, f);
            // The insurance share is at least its exact value and less than one wei above it.
            let exact = f.widening_mul::<256, 4, 512, 8>(share);
            let w = |x: U256| x.widening_mul::<256, 4, 512, 8>(WAD);
            prop_assert!(w(s.insurance) >= exact);
            prop_assert!(s.insurance.is_zero() || w(s.insurance - u256(1)) < exact);
        }
    }
}
