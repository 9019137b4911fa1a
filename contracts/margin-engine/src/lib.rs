//! MarginEngine: the margin function of DESIGN section 7 as a view.
//!
//! The RiskModule owns prices and risk parameters; this contract turns an
//! account's exposures into maintenance and initial requirements with
//! `clearing_core::requirements`, after one call to
//! `RiskModule.marginInputs` for prices, buckets, liquidity depths,
//! correlations and the minimum margin fraction. It holds no state but the
//! risk module's address, and it is a leaf above the risk module in the call
//! graph: `Clearinghouse -> MarginEngine -> RiskModule -> feeds`.
//!
//! It is a contract of its own because the margin arithmetic does not fit in
//! the RiskModule's 24 KiB next to the oracle adapters.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_primitives::{Address, I256, U256};
use alloy_sol_types::sol;
use clearing_core::{
    requirements, Correlations, Exposure, MarginMode, MAX_BUCKETS, MAX_UNDERLYINGS,
};
use stylus_sdk::{prelude::*, storage::StorageAddress};

sol! {
    /// Input arrays of different lengths.
    #[derive(Debug, PartialEq, Eq)]
    error LengthMismatch();
    /// More underlyings than the margin function accepts (8).
    #[derive(Debug, PartialEq, Eq)]
    error TooManyUnderlyings(uint256 count);
    /// An arithmetic failure in the core (`code` is `clearing_core::CoreError as u8`).
    #[derive(Debug, PartialEq, Eq)]
    error MathError(uint8 code);
    /// The risk module answered with data this contract cannot use.
    #[derive(Debug, PartialEq, Eq)]
    error RiskCallFailed(address risk);
}

/// Errors of the margin engine's own checks. A risk-module revert (an
/// unknown asset, a stale price) is returned unchanged instead, so callers
/// see the original custom error.
#[derive(SolidityError, Debug)]
pub enum MarginError {
    /// See [`LengthMismatch`].
    LengthMismatch(LengthMismatch),
    /// See [`TooManyUnderlyings`].
    TooManyUnderlyings(TooManyUnderlyings),
    /// See [`MathError`].
    MathError(MathError),
    /// See [`RiskCallFailed`].
    RiskCallFailed(RiskCallFailed),
}

sol_interface! {
    /// The risk module view this contract reads.
    interface IRiskModule {
        function marginInputs(address[] assets) external view returns (uint256[], uint8[], uint256[], uint256[], uint256, uint256);
    }
}

/// The margin engine contract.
#[storage]
#[entrypoint]
pub struct MarginEngine {
    risk: StorageAddress,
}

#[public]
impl MarginEngine {
    /// Wires the risk module.
    #[constructor]
    pub fn constructor(&mut self, risk: Address) {
        self.risk.set(risk);
    }

    /// The wired risk module.
    pub fn risk_module(&self) -> Address {
        self.risk.get()
    }

    /// Maintenance and initial requirements (WAD quote, rounded up) and the
    /// gross perp notional of a portfolio, per DESIGN section 7.
    ///
    /// One entry per underlying: `spot` is the signed spot holding and `perp`
    /// the signed perp size (WAD base units); `maint_shocks` / `init_shocks`
    /// are the asset's maintenance and initial haircuts (from the vault).
    /// Prices, buckets, depths, correlations and the minimum margin fraction
    /// come from the risk module. `portfolio` selects the bucketed-correlation
    /// aggregation; otherwise cross mode (no correlation credit).
    ///
    /// # Errors
    /// [`LengthMismatch`]; [`TooManyUnderlyings`] above 8; [`MathError`] for a
    /// shock above 1 or an overflow; the risk module's errors unchanged
    /// (`UnknownAsset`, every price error); [`RiskCallFailed`] when its answer
    /// does not fit.
    pub fn margin(
        &self,
        assets: Vec<Address>,
        spot: Vec<I256>,
        perp: Vec<I256>,
        maint_shocks: Vec<U256>,
        init_shocks: Vec<U256>,
        portfolio: bool,
    ) -> Result<(U256, U256, U256), Vec<u8>> {
        let n = assets.len();
        if spot.len() != n || perp.len() != n || maint_shocks.len() != n || init_shocks.len() != n {
            return Err(MarginError::LengthMismatch(LengthMismatch {}).into());
        }
        if n > MAX_UNDERLYINGS {
            return Err(MarginError::TooManyUnderlyings(TooManyUnderlyings {
                count: U256::from(n),
            })
            .into());
        }
        let risk = self.risk.get();
        let (prices, buckets, depths, intra, inter, mmf) = IRiskModule::new(risk)
            .margin_inputs(self, assets)
            .map_err(|e| match e {
                stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
                _ => MarginError::RiskCallFailed(RiskCallFailed { risk }).into(),
            })?;
        if prices.len() != n
            || buckets.len() != n
            || depths.len() != n
            || intra.len() != MAX_BUCKETS
        {
            return Err(MarginError::RiskCallFailed(RiskCallFailed { risk }).into());
        }
        let mut corr = Correlations {
            intra: [U256::ZERO; MAX_BUCKETS],
            inter,
        };
        corr.intra.copy_from_slice(&intra);
        let exposures: Vec<Exposure> = (0..n)
            .map(|i| Exposure {
                bucket: buckets[i],
                spot: spot[i],
                perp: perp[i],
                price: prices[i],
                maint_shock: maint_shocks[i],
                init_shock: init_shocks[i],
                depth: depths[i],
            })
            .collect();
        let mode = if portfolio {
            MarginMode::Portfolio
        } else {
            MarginMode::Cross
        };
        let r = requirements(&exposures, &corr, mmf, mode)
            .map_err(|e| Vec::<u8>::from(MarginError::MathError(MathError { code: e as u8 })))?;
        Ok((r.maintenance, r.initial, r.gross_notional))
    }
}

#[cfg(test)]
mod tests;
