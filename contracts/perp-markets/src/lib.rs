//! PerpMarkets: the registry of perpetual markets with their funding state
//! and open interest (DESIGN section 6).
//!
//! A market is listed by the admin on an underlying the RiskModule prices,
//! with its min size, tick, maker and taker fee, open-interest cap and
//! funding cap; ids are small integers from 0. At every fill the
//! Clearinghouse calls [`PerpMarkets::on_fill`]: a trade's price must lie
//! within the market's band around the index price (`maxFillDeviation`,
//! default 5 %; [`FillOutsideBand`] otherwise), the cumulative funding index
//! accrues per second at the rate of the premium so far (clamped to the cap)
//! on the index price, then the premium moves toward the fill's sample by its
//! weight `min(1, notional / premiumNotional) * (1 - exp(-dt / premiumTau))`,
//! `dt` the time since the previous sample (DESIGN section 15), and the long
//! (= short) open interest moves under its cap. Views
//! accrue the index to the block time, so pending funding is visible before
//! it settles.
//!
//! Call graph: `Clearinghouse -> PerpMarkets -> RiskModule`; it is a contract
//! of its own because markets, funding and the position book do not fit one
//! 24 KiB contract.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64};
use clearing_core::math::fixed::{
    from_i128, from_u128, from_u64, to_i128, to_u128_bounded, to_u64_bounded,
};
use clearing_core::{
    add_signed, check_market, funding_at_fill, funding_now, govern, next_change_at,
    premium_notional_rule, side_indices, socialised_charge, to_signed, to_unsigned, within_band,
    ChangeError, FundingState, MarketConfig, PremiumParams, Refusal, DEFAULT_MAX_FILL_DEVIATION,
    DEFAULT_PREMIUM_NOTIONAL, DEFAULT_PREMIUM_TAU,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageI128, StorageMap, StorageU128, StorageU256, StorageU64, StorageVec,
    },
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

pub use clearing_core::rules::perp_markets::{param, rule};

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering market changes at
/// once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

/// Configuration and state of one market.
#[storage]
pub struct Market {
    // Small fields sit beside the address so that they share its slot.
    underlying: StorageAddress,
    updated_at: StorageU64,
    // The fee rates, the funding cap and the fill band in one slot (fractions whose rules
    // bound them far below 2^64: `clearing_core`'s `market_values_fit_their_fields`).
    maker_fee: StorageU64,
    taker_fee: StorageU64,
    funding_cap: StorageU64,
    max_fill_deviation: StorageU64,
    // The funding state in one slot (a value that outgrows 128 bits is a `MathError`).
    premium: StorageI128,
    cum_index: StorageI128,
    // The premium weighting in one slot (the notional's rule bounds it below 2^128).
    premium_notional: StorageU128,
    premium_tau: StorageU64,
    sampled_at: StorageU64,
    min_size: StorageU256,
    tick: StorageU256,
    max_open_interest: StorageU256,
    open_interest: StorageU256,
    long_loss: StorageU256,
    short_loss: StorageU256,
}

/// The perpetual markets registry.
#[storage]
#[entrypoint]
pub struct PerpMarkets {
    access: AccessControl,
    risk: StorageAddress,
    clearinghouse: StorageAddress,
    liquidator: StorageAddress,
    markets: StorageVec<Market>,
    /// Last change time per (market, parameter code).
    changed_at: StorageMap<U64, StorageU64>,
}

sol_interface! {
    /// The risk module view this contract reads.
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
    }
}

#[public]
impl PerpMarkets {
    /// Wires the risk module and grants `admin` the admin role.
    #[constructor]
    pub fn constructor(&mut self, admin: Address, risk_module: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.risk.set(risk_module);
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), MarketsError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), MarketsError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wires the clearinghouse, the only caller of [`Self::on_fill`], once.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ClearinghouseAlreadySet`] when
    /// already wired or `clearinghouse` is zero.
    pub fn set_clearinghouse(&mut self, clearinghouse: Address) -> Result<(), MarketsError> {
        self.only_admin()?;
        if !self.clearinghouse.get().is_zero() || clearinghouse.is_zero() {
            return Err(MarketsError::ClearinghouseAlreadySet(
                ClearinghouseAlreadySet {
                    clearinghouse: self.clearinghouse.get(),
                },
            ));
        }
        self.clearinghouse.set(clearinghouse);
        log(self.vm(), ClearinghouseSet { clearinghouse });
        Ok(())
    }

    /// Wires the liquidator, the only caller of [`Self::socialize`], once.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`LiquidatorAlreadySet`] when
    /// already wired or `liquidator` is zero.
    pub fn set_liquidator(&mut self, liquidator: Address) -> Result<(), MarketsError> {
        self.only_admin()?;
        if !self.liquidator.get().is_zero() || liquidator.is_zero() {
            return Err(MarketsError::LiquidatorAlreadySet(LiquidatorAlreadySet {
                liquidator: self.liquidator.get(),
            }));
        }
        self.liquidator.set(liquidator);
        log(self.vm(), LiquidatorSet { liquidator });
        Ok(())
    }

    /// Wired addresses: risk module, clearinghouse and liquidator.
    pub fn wiring(&self) -> (Address, Address, Address) {
        (
            self.risk.get(),
            self.clearinghouse.get(),
            self.liquidator.get(),
        )
    }

    /// Lists a perpetual market on `underlying` (a risk-module asset with a
    /// usable price) and returns its id, the next integer from 0. Sizes and
    /// prices are WAD; fee rates and the funding cap (per 8 hours) are WAD
    /// fractions. The band and the premium's notional and time constant start
    /// at their defaults (5 %, 100,000 quote, 1 h; see
    /// [`Self::funding_parameters`]) and change through
    /// [`Self::configure_market`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ParameterOutOfBounds`] with the
    /// field's code; the risk module's errors for the underlying
    /// (`UnknownAsset`, price errors) unchanged.
    #[allow(clippy::too_many_arguments)]
    pub fn list_market(
        &mut self,
        underlying: Address,
        min_size: U256,
        tick: U256,
        maker_fee: U256,
        taker_fee: U256,
        max_open_interest: U256,
        funding_cap: U256,
    ) -> Result<u32, Vec<u8>> {
        self.only_admin()?;
        let fields = [
            min_size,
            tick,
            maker_fee,
            taker_fee,
            max_open_interest,
            funding_cap,
        ];
        let cfg = MarketConfig {
            min_size,
            tick,
            maker_fee,
            taker_fee,
            max_open_interest,
            funding_cap,
        };
        if let Err(field) = check_market(&cfg) {
            return Err(MarketsError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: field as u8,
                value: fields[field as usize - 1],
            })
            .into());
        }
        self.index_price(underlying)?;
        let id = self.markets.len() as u32;
        let now = self.vm().block_timestamp();
        let mut m = self.markets.grow();
        m.underlying.set(underlying);
        m.min_size.set(min_size);
        m.tick.set(tick);
        m.maker_fee.set(to_u64_bounded(maker_fee));
        m.taker_fee.set(to_u64_bounded(taker_fee));
        m.max_open_interest.set(max_open_interest);
        m.funding_cap.set(to_u64_bounded(funding_cap));
        m.updated_at.set(U64::from(now));
        m.sampled_at.set(U64::from(now));
        m.max_fill_deviation
            .set(to_u64_bounded(DEFAULT_MAX_FILL_DEVIATION));
        m.premium_notional
            .set(to_u128_bounded(DEFAULT_PREMIUM_NOTIONAL));
        m.premium_tau.set(U64::from(DEFAULT_PREMIUM_TAU));
        log(
            self.vm(),
            MarketListed {
                market: id,
                underlying,
                minSize: min_size,
                tick,
                makerFee: maker_fee,
                takerFee: taker_fee,
                maxOpenInterest: max_open_interest,
                fundingCap: funding_cap,
            },
        );
        Ok(id)
    }

    /// Changes one parameter of a listed market (`param` codes) within its
    /// [`rule`]: hard bounds, the step of one change, one day between changes
    /// of the same parameter. A change that raises risk (a higher
    /// open-interest cap, lower fees, a lower funding cap, a smaller min size
    /// or tick, a wider fill band, a lower premium notional, a shorter premium
    /// time constant) needs the admin, held by the timelock; one that lowers risk
    /// may be applied at once by a holder of [`RISK_ADMIN_ROLE`]. Emits
    /// [`MarketParameterSet`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`UnknownMarket`];
    /// [`ParameterOutOfBounds`] (unknown codes too); [`ParameterStepTooLarge`];
    /// [`ParameterChangedTooSoon`].
    pub fn configure_market(
        &mut self,
        market: u32,
        code: u8,
        value: U256,
    ) -> Result<(), MarketsError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let mut rule =
            rule(code).ok_or(MarketsError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: code,
                value,
            }))?;
        let old = {
            let m = self.get(market)?;
            match code {
                param::MIN_SIZE => m.min_size.get(),
                param::TICK => m.tick.get(),
                param::MAKER_FEE => from_u64(m.maker_fee.get()),
                param::TAKER_FEE => from_u64(m.taker_fee.get()),
                param::MAX_OPEN_INTEREST => m.max_open_interest.get(),
                param::MAX_FILL_DEVIATION => from_u64(m.max_fill_deviation.get()),
                param::PREMIUM_NOTIONAL => from_u128(m.premium_notional.get()),
                param::PREMIUM_TAU => U256::from(m.premium_tau.get()),
                _ => from_u64(m.funding_cap.get()),
            }
        };
        if code == param::PREMIUM_NOTIONAL {
            rule = premium_notional_rule(old);
        }
        let key = U64::from((u64::from(market) << 8) | u64::from(code));
        let last = self.changed_at.get(key).to::<u64>();
        let now = self.vm().block_timestamp();
        match govern(&rule, old, value, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => {
                return Err(MarketsError::ParameterOutOfBounds(ParameterOutOfBounds {
                    param: code,
                    value,
                }))
            }
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(MarketsError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: old,
                    newValue: value,
                }))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(MarketsError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(&rule, last),
                    },
                ))
            }
        }
        let mut m = self.markets.setter(market).ok_or_else(|| unknown(market))?;
        match code {
            param::MIN_SIZE => m.min_size.set(value),
            param::TICK => m.tick.set(value),
            param::MAKER_FEE => m.maker_fee.set(to_u64_bounded(value)),
            param::TAKER_FEE => m.taker_fee.set(to_u64_bounded(value)),
            param::MAX_OPEN_INTEREST => m.max_open_interest.set(value),
            param::MAX_FILL_DEVIATION => m.max_fill_deviation.set(to_u64_bounded(value)),
            param::PREMIUM_NOTIONAL => m.premium_notional.set(to_u128_bounded(value)),
            // Within its rule's bounds (at most 24 h): fits u64.
            param::PREMIUM_TAU => m.premium_tau.set(U64::from(value.to::<u64>())),
            _ => m.funding_cap.set(to_u64_bounded(value)),
        }
        drop(m);
        self.changed_at.setter(key).set(U64::from(now));
        log(
            self.vm(),
            MarketParameterSet {
                market,
                param: code,
                oldValue: old,
                newValue: value,
            },
        );
        Ok(())
    }

    /// Number of markets listed (ids are `0..count`).
    pub fn market_count(&self) -> u32 {
        self.markets.len() as u32
    }

    /// A market's configuration and open interest: `(underlying, minSize,
    /// tick, makerFee, takerFee, maxOpenInterest, fundingCap, openInterest)`.
    ///
    /// # Errors
    /// [`UnknownMarket`].
    #[allow(clippy::type_complexity)]
    pub fn market(
        &self,
        market: u32,
    ) -> Result<(Address, U256, U256, U256, U256, U256, U256, U256), MarketsError> {
        let m = self.get(market)?;
        Ok((
            m.underlying.get(),
            m.min_size.get(),
            m.tick.get(),
            from_u64(m.maker_fee.get()),
            from_u64(m.taker_fee.get()),
            m.max_open_interest.get(),
            from_u64(m.funding_cap.get()),
            m.open_interest.get(),
        ))
    }

    /// The fill rules the exchange checks: `(minSize, tick)`.
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn rules(&self, market: u32) -> Result<(U256, U256), MarketsError> {
        let m = self.get(market)?;
        Ok((m.min_size.get(), m.tick.get()))
    }

    /// A market's manipulation-resistance parameters (DESIGN section 15):
    /// `(maxFillDeviation, premiumNotional, premiumTau)`, the band of a
    /// traded fill around the index (WAD fraction), the notional at which a
    /// premium sample carries its full time weight (WAD quote) and the time
    /// constant of the premium average (seconds).
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn funding_parameters(&self, market: u32) -> Result<(U256, U256, u64), MarketsError> {
        let m = self.get(market)?;
        Ok((
            from_u64(m.max_fill_deviation.get()),
            from_u128(m.premium_notional.get()),
            m.premium_tau.get().to::<u64>(),
        ))
    }

    /// A market's stored funding state `(premium, cumulativeIndex,
    /// updatedAt)`: the index as of `updatedAt`, the time of the last fill.
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn funding_state(&self, market: u32) -> Result<(I256, I256, u64), MarketsError> {
        let f = self.funding(market)?;
        Ok((f.premium, f.cum_index, f.updated_at))
    }

    /// The market's underlying and the indices its positions settle against,
    /// accrued to the block time at the current premium: `(underlying,
    /// longIndex, shortIndex)`, the cumulative funding index plus the losses
    /// socialised on longs, minus those socialised on shorts (see
    /// `clearing_core::side_indices`). The risk module is asked for the index
    /// price only when funding accrues.
    ///
    /// # Errors
    /// [`UnknownMarket`]; the risk module's price errors; [`MathError`].
    pub fn cumulative_index(&self, market: u32) -> Result<(Address, I256, I256), Vec<u8>> {
        let f = self.funding(market)?;
        let (underlying, cap, long_loss, short_loss) = {
            let m = self.get(market)?;
            (
                m.underlying.get(),
                from_u64(m.funding_cap.get()),
                m.long_loss.get(),
                m.short_loss.get(),
            )
        };
        let now = self.vm().block_timestamp();
        let cum = if now <= f.updated_at || f.premium.is_zero() {
            f.cum_index
        } else {
            let index = self.index_price(underlying)?;
            funding_now(f, index, cap, now).map_err(math)?.cum_index
        };
        let (long, short) = side_indices(cum, long_loss, short_loss).map_err(math)?;
        Ok((underlying, long, short))
    }

    /// The losses socialised so far per base unit: `(onLongs, onShorts)`.
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn socialised_losses(&self, market: u32) -> Result<(U256, U256), MarketsError> {
        let m = self.get(market)?;
        Ok((m.long_loss.get(), m.short_loss.get()))
    }

    /// Socialises `amount` (WAD quote) of bad debt over the open interest of
    /// one side (liquidator only): that side's index moves by
    /// `ceil(amount / openInterest)` per base unit, so each of its positions
    /// owes its share the next time it settles (and in health at once).
    /// Returns the per-unit charge.
    ///
    /// # Errors
    /// [`NotLiquidator`]; [`UnknownMarket`]; [`MathError`]
    /// (`DivisionByZero`) without open interest.
    pub fn socialize(
        &mut self,
        market: u32,
        longs_pay: bool,
        amount: U256,
    ) -> Result<U256, Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.liquidator.get() {
            return Err(MarketsError::NotLiquidator(NotLiquidator { caller }).into());
        }
        let oi = self.get(market)?.open_interest.get();
        let charge = socialised_charge(amount, oi).map_err(math)?;
        let mut m = self.markets.setter(market).ok_or_else(|| unknown(market))?;
        let index = if longs_pay {
            let v = m.long_loss.get() + charge;
            m.long_loss.set(v);
            v
        } else {
            let v = m.short_loss.get() + charge;
            m.short_loss.set(v);
            v
        };
        drop(m);
        log(
            self.vm(),
            LossSocialised {
                market,
                longsPay: longs_pay,
                amount,
                openInterest: oi,
                perUnit: charge,
                lossIndex: index,
            },
        );
        Ok(charge)
    }

    /// Records a fill of `size` (WAD base units) at `price` (clearinghouse
    /// only): accrues the funding index to now; for a trade (`fold_premium`;
    /// a liquidation transfer at the oracle price is not one) requires the
    /// price within the market's band around the index price and moves the
    /// premium toward the fill's sample by its notional- and time-weight
    /// (`clearing_core::funding_at_fill`); moves the long open interest by
    /// `open_interest_delta`, which may not take it above the cap when
    /// positive. Returns `(underlying, longIndex, shortIndex, makerFee,
    /// takerFee)` for the clearinghouse to book both sides.
    ///
    /// # Errors
    /// [`NotClearinghouse`]; [`UnknownMarket`]; [`OpenInterestCapExceeded`];
    /// the risk module's price errors; [`FillOutsideBand`]; [`MathError`].
    pub fn on_fill(
        &mut self,
        market: u32,
        price: U256,
        size: U256,
        open_interest_delta: I256,
        fold_premium: bool,
    ) -> Result<(Address, I256, I256, U256, U256), Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.clearinghouse.get() {
            return Err(MarketsError::NotClearinghouse(NotClearinghouse { caller }).into());
        }
        let f = self.funding(market)?;
        let (underlying, cap, max_oi, oi, maker_fee, taker_fee, losses) = {
            let m = self.get(market)?;
            (
                m.underlying.get(),
                from_u64(m.funding_cap.get()),
                m.max_open_interest.get(),
                m.open_interest.get(),
                from_u64(m.maker_fee.get()),
                from_u64(m.taker_fee.get()),
                (m.long_loss.get(), m.short_loss.get()),
            )
        };
        let (band, premium_notional, premium_tau) = self.funding_parameters(market)?;
        let oi_after = to_unsigned(
            add_signed(to_signed(oi).map_err(math)?, open_interest_delta).map_err(math)?,
        )
        .map_err(math)?;
        if open_interest_delta.is_positive() && oi_after > max_oi {
            return Err(
                MarketsError::OpenInterestCapExceeded(OpenInterestCapExceeded {
                    market,
                    openInterest: oi_after,
                    cap: max_oi,
                })
                .into(),
            );
        }
        let index = self.index_price(underlying)?;
        let now = self.vm().block_timestamp();
        if fold_premium && !within_band(price, index, band) {
            return Err(MarketsError::FillOutsideBand(FillOutsideBand {
                market,
                price,
                indexPrice: index,
                maxDeviation: band,
            })
            .into());
        }
        let f = if fold_premium {
            let params = PremiumParams {
                cap,
                premium_notional,
                premium_tau,
            };
            funding_at_fill(f, price, size, index, &params, now)
        } else {
            funding_now(f, index, cap, now)
        }
        .map_err(math)?;
        let mut m = self.markets.setter(market).ok_or_else(|| unknown(market))?;
        m.premium.set(to_i128(f.premium).map_err(math)?);
        m.cum_index.set(to_i128(f.cum_index).map_err(math)?);
        m.updated_at.set(U64::from(f.updated_at));
        m.sampled_at.set(U64::from(f.sampled_at));
        m.open_interest.set(oi_after);
        drop(m);
        log(
            self.vm(),
            FillRecorded {
                market,
                price,
                indexPrice: index,
                premium: f.premium,
                cumulativeIndex: f.cum_index,
                timestamp: f.updated_at,
                openInterest: oi_after,
            },
        );
        let (long, short) = side_indices(f.cum_index, losses.0, losses.1).map_err(math)?;
        Ok((underlying, long, short, maker_fee, taker_fee))
    }
}

impl PerpMarkets {
    fn only_admin(&self) -> Result<(), MarketsError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn get(
        &self,
        market: u32,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, Market>, MarketsError> {
        self.markets.get(market).ok_or_else(|| unknown(market))
    }

    fn funding(&self, market: u32) -> Result<FundingState, MarketsError> {
        let m = self.get(market)?;
        Ok(FundingState {
            premium: from_i128(m.premium.get()),
            cum_index: from_i128(m.cum_index.get()),
            updated_at: m.updated_at.get().to::<u64>(),
            sampled_at: m.sampled_at.get().to::<u64>(),
        })
    }

    fn index_price(&self, asset: Address) -> Result<U256, Vec<u8>> {
        let risk = self.risk.get();
        IRiskModule::new(risk)
            .price(self, asset)
            .map_err(|e| match e {
                stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
                _ => MarketsError::CallFailed(CallFailed { callee: risk }).into(),
            })
    }
}

fn unknown(market: u32) -> MarketsError {
    MarketsError::UnknownMarket(UnknownMarket { market })
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    MarketsError::from(e).into()
}
