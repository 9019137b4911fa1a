//! OptionBook: the option positions of every sub-account (DESIGN section 13), the data owner
//! of option trading as the Clearinghouse is of perpetuals.
//!
//! - **Fills** ([`OptionBook::apply_option_fill`], the wired Exchange only): the maker's
//!   position in a series moves by a signed size and the taker's by its negation, at a premium
//!   per contract. The series (OptionMarkets' `series`, cached here on its first fill: its
//!   terms never change), its class (`optionClass`), the implied volatility's freshness
//!   (`volatility`) and the option fee cap (`optionParameter(20)`) come from OptionMarkets; the
//!   spot for the fees from the RiskModule's `price`, as OptionMarkets reads it; the fee
//!   recipients and the insurance share from the Clearinghouse's `feeConfig` (the same as for
//!   perpetuals). The premium and both fees move through `CollateralVault.applyQuoteDelta`
//!   (this contract holds the vault's `CLEARING_ROLE`); a position that opens or closes enters
//!   or leaves the account's priced set in the vault (`registerUnderlying`, the pricing limit of
//!   DESIGN section 15: at most 8 underlyings in all).
//! - **Open interest** per series (total long contracts) lives here, under the class's cap.
//!   (OptionMarkets' `series` keeps a field for it that stays 0: that contract has no writer.)
//! - **Expiry** ([`OptionBook::settle_account`], anyone; and first for both accounts of every
//!   fill): each of the account's series whose expiry has passed and whose settlement price
//!   OptionMarkets has recorded pays its intrinsic value into the quote balance and closes.
//!
//! - **Margin** ([`OptionBook::margin_rows`], a view for the MarginEngine): everything
//!   option-specific the margin of an account needs, in one answer (rules and layout:
//!   `clearing_core::trading::option_margin`).
//!
//! The rules are `clearing_core::trading::option_positions`; the methods here read storage and
//! the callees' views, call the core and write results. Margin after a fill is the Exchange's to
//! check, as for perpetuals. Call graph: `OptionBook -> OptionMarkets (views), RiskModule
//! (views), Clearinghouse (views), CollateralVault`. The callees' views are called with
//! hand-encoded arguments and their answers read by word (smaller than the generated
//! interfaces), and their reverts pass through unchanged.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::{vec, vec::Vec};
use alloy_primitives::{Address, B256, I256, U256, U32, U64};
use alloy_sol_types::{SolError, SolEvent};
use clearing_core::math::fixed::{from_u128, to_u128_bounded};
use clearing_core::trading::option_margin::{self as om, MarginRows, OptionRow, SeriesMargin};
use clearing_core::trading::option_positions::{
    self as op, FillError, FillInput, FillRefusal, MAX_SERIES_PER_ACCOUNT,
};
use clearing_core::{split_fee_narrow, sub_signed, to_signed, CoreError, OptionParam};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use raw_abi::{encode, selector, with_selector, word_of};
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageBool, StorageI256, StorageMap, StorageU128,
        StorageU32, StorageU64,
    },
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): the Timelock in a deployment. It
/// wires the Exchange and the Liquidator.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

pub use clearing_core::trading::option_positions::MAX_SERIES_PER_ACCOUNT as MAX_SERIES;

/// A series' terms, copied from OptionMarkets on its first fill (they never change there), and
/// its open interest.
#[storage]
pub struct SeriesSlot {
    // One slot: 0 underlying means not yet copied.
    underlying: StorageAddress,
    expiry: StorageU64,
    is_call: StorageBool,
    // One slot: the strike is below 2^128 (OptionMarkets refuses more); the open interest stays
    // under the class's cap, below 2^128 too.
    strike: StorageU128,
    open_interest: StorageU128,
}

/// The option book contract.
#[storage]
#[entrypoint]
pub struct OptionBook {
    access: AccessControl,
    vault: StorageAddress,
    markets: StorageAddress,
    clearinghouse: StorageAddress,
    risk: StorageAddress,
    exchange: StorageAddress,
    liquidator: StorageAddress,
    series: StorageMap<u32, SeriesSlot>,
    /// Signed size per (sub-account, series), WAD contracts.
    positions: StorageMap<B256, StorageMap<u32, StorageI256>>,
    /// Each sub-account's series with a position, filled from the front (0 ends the list:
    /// series ids have the top bit set), two slots.
    held: StorageMap<B256, StorageArray<StorageU32, MAX_SERIES_PER_ACCOUNT>>,
}

/// A series' terms.
#[derive(Clone, Copy)]
struct Terms {
    underlying: Address,
    expiry: u64,
    is_call: bool,
    strike: U256,
}

const SERIES: [u8; 4] = selector(b"series(uint32)");
const OPTION_CLASS: [u8; 4] = selector(b"optionClass(address)");
const OPTION_PARAMETER: [u8; 4] = selector(b"optionParameter(uint8)");
const VOLATILITY: [u8; 4] = selector(b"volatility(address,uint64)");
const SETTLEMENT_PRICE: [u8; 4] = selector(b"settlementPrice(address,uint64)");
const PRICE: [u8; 4] = selector(b"price(address)");
const RISK_VOLATILITY: [u8; 4] = selector(b"volatility(address)");
const MARGIN_PARAMS: [u8; 4] = selector(b"marginParams()");
const FEE_CONFIG: [u8; 4] = selector(b"feeConfig()");
const APPLY_QUOTE_DELTA: [u8; 4] = selector(b"applyQuoteDelta(bytes32,int256)");
const REGISTER_UNDERLYING: [u8; 4] = selector(b"registerUnderlying(bytes32,address,bool)");

#[public]
impl OptionBook {
    /// Grants `admin` the admin role and wires the vault, OptionMarkets, the Clearinghouse
    /// (for its fee configuration) and the RiskModule (for spot prices; OptionMarkets has no
    /// view of its own).
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        vault: Address,
        option_markets: Address,
        clearinghouse: Address,
        risk_module: Address,
    ) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.vault.set(vault);
        self.markets.set(option_markets);
        self.clearinghouse.set(clearinghouse);
        self.risk.set(risk_module);
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`; emits `RoleGranted` when it is new.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), Vec<u8>> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`; emits `RoleRevoked` when it was held.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), Vec<u8>> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wires the Exchange, the only caller of [`Self::apply_option_fill`], once. Emits
    /// [`ExchangeSet`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ExchangeAlreadySet`] when already wired or
    /// `exchange` is zero.
    pub fn set_exchange(&mut self, exchange: Address) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        let old = self.exchange.get();
        if !old.is_zero() || exchange.is_zero() {
            return Err(revert(ExchangeAlreadySet::SELECTOR, &[word_of(old)]));
        }
        self.exchange.set(exchange);
        self.emit(&[ExchangeSet::SIGNATURE_HASH], &[word_of(exchange)]);
        Ok(())
    }

    /// Wires the Liquidator once (the caller of the option liquidation to come). Emits
    /// [`LiquidatorSet`].
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`LiquidatorAlreadySet`] when already wired or
    /// `liquidator` is zero.
    pub fn set_liquidator(&mut self, liquidator: Address) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        let old = self.liquidator.get();
        if !old.is_zero() || liquidator.is_zero() {
            return Err(revert(LiquidatorAlreadySet::SELECTOR, &[word_of(old)]));
        }
        self.liquidator.set(liquidator);
        self.emit(&[LiquidatorSet::SIGNATURE_HASH], &[word_of(liquidator)]);
        Ok(())
    }

    /// Wired addresses: `(vault, optionMarkets, clearinghouse, riskModule, exchange,
    /// liquidator)`.
    pub fn wiring(&self) -> (Address, Address, Address, Address, Address, Address) {
        (
            self.vault.get(),
            self.markets.get(),
            self.clearinghouse.get(),
            self.risk.get(),
            self.exchange.get(),
            self.liquidator.get(),
        )
    }

    /// Books an option fill the Exchange has checked (signatures, prices, filled amounts,
    /// replays): the maker's position in `series` moves by `maker_delta` (WAD contracts;
    /// positive: the maker buys) and the taker's by its negation, at `premium` (WAD quote per
    /// contract). Both accounts' expired series settle first. Refused, in this order: an
    /// unknown series (OptionMarkets' error), an expired one, a zero size, a size off the
    /// class's min size, a disabled class or a volatility that is not fresh unless the fill
    /// reduces both positions, an open interest above the class's cap, a 17th series for either
    /// account. The buyer pays `|maker_delta| x premium` (rounded down) to the seller; each side
    /// pays its fee (maker or taker rate x the underlying notional, rounded up, capped at the
    /// option fee cap x that premium amount), split between the Clearinghouse's insurance
    /// account (its share and the dust) and treasury account as perpetual fees are
    /// (`clearing_core::split_fee_narrow`, `split_fee` in 256-bit arithmetic). Emits [`OptionFill`]. Margin is
    /// the caller's to check afterwards.
    ///
    /// # Errors
    /// [`NotExchange`]; [`SameAccount`]; OptionMarkets' `UnknownSeries` and the RiskModule's
    /// errors unchanged; [`SeriesExpired`]; [`ZeroSize`]; [`SizeNotMultiple`];
    /// [`ClassNotEnabled`]; [`VolatilityNotFresh`]; [`OpenInterestCapExceeded`];
    /// [`TooManySeries`]; [`FeeRecipientUnset`]; [`MathError`]; the vault's errors unchanged
    /// (`TooManyAssets`); [`CallFailed`].
    pub fn apply_option_fill(
        &mut self,
        series: u32,
        maker: B256,
        taker: B256,
        premium: U256,
        maker_delta: I256,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.exchange.get() {
            return Err(revert(NotExchange::SELECTOR, &[word_of(caller)]));
        }
        if maker == taker {
            return Err(revert(SameAccount::SELECTOR, &[maker.into()]));
        }
        // Settlement on the account's next action: expired series pay out and free their place.
        self.settle(maker)?;
        self.settle(taker)?;
        let t = self.terms(series)?;
        let now = self.vm().block_timestamp();
        let expired = || {
            revert(
                SeriesExpired::SELECTOR,
                &[U256::from(series), U256::from(t.expiry)],
            )
        };
        if now >= t.expiry {
            return Err(expired());
        }
        let markets = self.markets.get();
        let class = self.view(markets, OPTION_CLASS, &[word_of(t.underlying)])?;
        let enabled = !word(&class, 0, markets)?.is_zero();
        let (min_size, cap) = (word(&class, 3, markets)?, word(&class, 4, markets)?);
        let rates = [word(&class, 5, markets)?, word(&class, 6, markets)?];
        let (old_maker, old_taker) = (self.position(maker, series), self.position(taker, series));
        let old_oi = self.open_interest(series);
        // The volatility matters only to a fill that adds risk in an enabled class.
        let fresh = !enabled || op::reduces_both(old_maker, old_taker, maker_delta) || {
            let v = self.view(
                markets,
                VOLATILITY,
                &[word_of(t.underlying), U256::from(t.expiry)],
            )?;
            !word(&v, 1, markets)?.is_zero()
        };
        let input = FillInput {
            now,
            expiry: t.expiry,
            enabled,
            fresh,
            min_size,
            max_open_interest: cap,
            open_interest: old_oi,
            maker: old_maker,
            taker: old_taker,
            maker_delta,
        };
        let size = maker_delta.unsigned_abs();
        let plan = op::plan_fill(&input).map_err(|e| match e {
            FillError::Math(m) => math(m),
            FillError::Refused(r) => match r {
                FillRefusal::SeriesExpired => expired(),
                FillRefusal::ZeroSize => revert(ZeroSize::SELECTOR, &[]),
                FillRefusal::SizeNotMultiple => {
                    revert(SizeNotMultiple::SELECTOR, &[size, min_size])
                }
                FillRefusal::ClassDisabled => {
                    revert(ClassNotEnabled::SELECTOR, &[word_of(t.underlying)])
                }
                FillRefusal::VolatilityStale => revert(
                    VolatilityNotFresh::SELECTOR,
                    &[word_of(t.underlying), U256::from(t.expiry)],
                ),
                FillRefusal::OpenInterestCap => revert(
                    OpenInterestCapExceeded::SELECTOR,
                    &[U256::from(series), plan_oi(&input), cap],
                ),
            },
        })?;
        // The premium moves from the buyer to the seller, one amount for both.
        let amount = op::premium_amount(size, premium).map_err(math)?;
        let mut fees = [U256::ZERO; 2];
        let fee_cap = self.word_view(
            markets,
            OPTION_PARAMETER,
            U256::from(OptionParam::OptionFeeCap as u8),
        )?;
        if !(rates[0] | rates[1]).is_zero() && !amount.is_zero() && !fee_cap.is_zero() {
            let spot = self.word_view(self.risk.get(), PRICE, word_of(t.underlying))?;
            for (fee, rate) in fees.iter_mut().zip(rates) {
                *fee = op::option_fee(size, spot, rate, amount, fee_cap).map_err(math)?;
            }
        }
        let signed_amount = to_signed(amount).map_err(math)?;
        let maker_premium = if maker_delta.is_positive() {
            -signed_amount
        } else {
            signed_amount
        };
        let sides = [
            (maker, old_maker, plan.maker, maker_premium),
            (taker, old_taker, plan.taker, -maker_premium),
        ];
        for (k, (account, old, new, premium_delta)) in sides.into_iter().enumerate() {
            self.store(account, series, t.underlying, old, new)?;
            let fee = to_signed(fees[k]).map_err(math)?;
            self.quote_delta(account, sub_signed(premium_delta, fee).map_err(math)?)?;
        }
        self.series
            .setter(series)
            .open_interest
            // At most the cap when it grew, at most the old value otherwise: below 2^128.
            .set(to_u128_bounded(plan.open_interest));
        let total_fee = fees[0] + fees[1];
        let mut split = [U256::ZERO; 2];
        if !total_fee.is_zero() {
            let ch = self.clearinghouse.get();
            let cfg = self.view(ch, FEE_CONFIG, &[])?;
            let recipients = [word(&cfg, 0, ch)?, word(&cfg, 1, ch)?];
            if recipients.contains(&U256::ZERO) {
                return Err(revert(FeeRecipientUnset::SELECTOR, &[]));
            }
            let s = split_fee_narrow(total_fee, word(&cfg, 2, ch)?).map_err(math)?;
            split = [s.insurance, s.treasury];
            for (to, part) in recipients.into_iter().zip(split) {
                self.quote_delta(to.into(), to_signed(part).map_err(math)?)?;
            }
        }
        self.emit(
            &[
                OptionFill::SIGNATURE_HASH,
                B256::from(U256::from(series)),
                maker,
                taker,
            ],
            &[
                maker_delta.into_raw(),
                premium,
                amount,
                fees[0],
                fees[1],
                split[0],
                split[1],
                plan.maker.into_raw(),
                plan.taker.into_raw(),
                plan.open_interest,
            ],
        );
        Ok(())
    }

    /// Settles `account`'s expired series (anyone may call it): each series whose expiry has
    /// passed and whose settlement price OptionMarkets has recorded pays its intrinsic value
    /// times the size into the quote balance (a long receives it rounded down, a short pays it
    /// rounded up), closes and leaves the open interest; an expired series without a
    /// settlement price stays. Emits [`OptionSettled`] per series and returns the sum of the
    /// payouts (0 when nothing settles: a second call pays nothing).
    ///
    /// # Errors
    /// OptionMarkets' and the vault's errors unchanged; [`MathError`]; [`CallFailed`].
    pub fn settle_account(&mut self, account: B256) -> Result<I256, Vec<u8>> {
        self.settle(account)
    }

    /// `account`'s option positions: `(series, sizes)`, signed WAD contracts, in the order
    /// the account's series list holds them.
    pub fn positions(&self, account: B256) -> (Vec<u32>, Vec<I256>) {
        let ids = self.held_series(account);
        let sizes = ids.iter().map(|&id| self.position(account, id)).collect();
        (ids, sizes)
    }

    /// Everything option-specific the margin of `account` needs (DESIGN sections 7 and 13), in
    /// one answer for the MarginEngine, laid out as `clearing_core::trading::option_margin`
    /// documents (`MarginRows`): the owed value of its expired series whose settlement price
    /// OptionMarkets has recorded but that are not paid yet (exactly what
    /// [`Self::settle_account`] would pay), the governed margin parameters (OptionMarkets'
    /// `marginParams`, codes 2 to 18), per underlying its daily volatility (the RiskModule's
    /// `volatility`) and `IV_near` (the volatility of the account's live position with the
    /// nearest expiry on it), and per live or unsettled position its underlying, kind, strike,
    /// seconds to expiry (0 for an expired series without a settlement price: marked at
    /// intrinsic value), volatility (OptionMarkets' `volatility`, posted or fallback; 0 for an
    /// expired series) and signed size. An account without option positions answers an empty
    /// list and calls nothing.
    ///
    /// # Errors
    /// OptionMarkets' and the RiskModule's errors unchanged (for example a stale price behind
    /// the fallback volatility); [`MathError`]; [`CallFailed`].
    pub fn margin_rows(&self, account: B256) -> Result<Vec<U256>, Vec<u8>> {
        let ids = self.held_series(account);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.vm().block_timestamp();
        let markets = self.markets.get();
        let mut rows = MarginRows::new();
        for id in ids {
            let t = self.cached_terms(id);
            let size = self.position(account, id);
            let (u, e) = (word_of(t.underlying), U256::from(t.expiry));
            let settlement = if om::is_expired(now, t.expiry) {
                self.word_view2(markets, SETTLEMENT_PRICE, u, e)?
            } else {
                U256::ZERO
            };
            let (seconds, vol) = match om::series_margin(now, t.expiry, settlement) {
                SeriesMargin::Owed => {
                    let v = om::owed_value(t.is_call, t.strike, size, settlement).map_err(math)?;
                    rows.add_owed(v).map_err(math)?;
                    continue;
                }
                SeriesMargin::AwaitingSettlement => (0, U256::ZERO),
                SeriesMargin::Live { seconds } => {
                    (seconds, self.word_view2(markets, VOLATILITY, u, e)?)
                }
            };
            let row = OptionRow {
                underlying: 0,
                is_call: t.is_call,
                strike: t.strike,
                seconds,
                vol,
                size,
            };
            rows.push(t.underlying, row).map_err(math)?;
        }
        if !rows.rows().is_empty() {
            let p = self.view(markets, MARGIN_PARAMS, &[])?;
            for (i, v) in rows.params.iter_mut().enumerate() {
                *v = word(&p, i + 1, markets)?;
            }
        }
        let risk = self.risk.get();
        let n = rows.underlyings().len();
        for i in 0..n {
            let a = word_of(rows.underlyings()[i]);
            rows.sigma_daily[i] = self.word_view(risk, RISK_VOLATILITY, a)?;
        }
        let mut out = vec![U256::ZERO; rows.encoded_len()];
        rows.encode_into(&mut out)
            .map_err(|_| math(CoreError::Overflow))?;
        Ok(out)
    }

    /// `account`'s position in `series`, signed WAD contracts (0 when none).
    pub fn position(&self, account: B256, series: u32) -> I256 {
        self.positions.getter(account).get(series)
    }

    /// The open interest of `series`: its total long contracts, WAD.
    pub fn open_interest(&self, series: u32) -> U256 {
        from_u128(self.series.getter(series).open_interest.get())
    }
}

impl OptionBook {
    fn only_admin(&self) -> Result<(), Vec<u8>> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    /// Emits an event: its topics (the signature hash, then the indexed words) and data words.
    fn emit(&self, topics: &[B256], data: &[U256]) {
        let _ = self.vm().raw_log(topics, &encode(data));
    }

    /// The series ids `account` holds a position in.
    fn held_series(&self, account: B256) -> Vec<u32> {
        let list = self.held.getter(account);
        (0..MAX_SERIES)
            .map(|i| list.get(i).unwrap_or_default().to::<u32>())
            .take_while(|id| *id != 0)
            .collect()
    }

    /// A series' terms as copied here (a zero underlying when not yet copied; every held
    /// series was copied at its first fill).
    fn cached_terms(&self, series: u32) -> Terms {
        let s = self.series.getter(series);
        Terms {
            underlying: s.underlying.get(),
            expiry: s.expiry.get().to::<u64>(),
            is_call: s.is_call.get(),
            strike: from_u128(s.strike.get()),
        }
    }

    /// A series' terms, copied from OptionMarkets' `series` the first time.
    fn terms(&mut self, series: u32) -> Result<Terms, Vec<u8>> {
        let cached = self.cached_terms(series);
        if !cached.underlying.is_zero() {
            return Ok(cached);
        }
        let markets = self.markets.get();
        let out = self.view(markets, SERIES, &[U256::from(series)])?;
        let t = Terms {
            underlying: Address::from_word(word(&out, 0, markets)?.into()),
            expiry: word(&out, 1, markets)?.saturating_to::<u64>(),
            strike: word(&out, 2, markets)?,
            is_call: !word(&out, 3, markets)?.is_zero(),
        };
        let mut s = self.series.setter(series);
        s.underlying.set(t.underlying);
        s.expiry.set(U64::from(t.expiry));
        s.is_call.set(t.is_call);
        // OptionMarkets lists strikes below 2^128 only.
        s.strike.set(to_u128_bounded(t.strike));
        Ok(t)
    }

    /// Settles every series of `account` that has expired with a recorded settlement price;
    /// returns the sum of the payouts.
    fn settle(&mut self, account: B256) -> Result<I256, Vec<u8>> {
        let now = self.vm().block_timestamp();
        let markets = self.markets.get();
        let mut total = I256::ZERO;
        for id in self.held_series(account) {
            let t = self.terms(id)?;
            if !om::is_expired(now, t.expiry) {
                continue;
            }
            let price = self.view(
                markets,
                SETTLEMENT_PRICE,
                &[word_of(t.underlying), U256::from(t.expiry)],
            )?;
            let price = word(&price, 0, markets)?;
            if price.is_zero() {
                continue;
            }
            let size = self.position(account, id);
            let payout = om::owed_value(t.is_call, t.strike, size, price).map_err(math)?;
            let mut oi = self.open_interest(id);
            if size.is_positive() {
                // A long's size is part of the open interest.
                oi = oi.saturating_sub(size.into_raw());
                self.series
                    .setter(id)
                    .open_interest
                    .set(to_u128_bounded(oi));
            }
            self.store(account, id, t.underlying, size, I256::ZERO)?;
            self.quote_delta(account, payout)?;
            total = clearing_core::add_signed(total, payout).map_err(math)?;
            self.emit(
                &[
                    OptionSettled::SIGNATURE_HASH,
                    account,
                    B256::from(U256::from(id)),
                ],
                &[size.into_raw(), price, payout.into_raw(), oi],
            );
        }
        Ok(total)
    }

    /// Moves `account`'s position in `series` from `old` to `new`, keeping its list of series
    /// and, when the position opens or closes, the vault's priced set.
    fn store(
        &mut self,
        account: B256,
        series: u32,
        underlying: Address,
        old: I256,
        new: I256,
    ) -> Result<(), Vec<u8>> {
        let (was_open, open) = (!old.is_zero(), !new.is_zero());
        if open != was_open {
            let ids = self.held_series(account);
            let n = ids.len();
            let mut list = self.held.setter(account);
            if open {
                if n >= MAX_SERIES {
                    return Err(revert(
                        TooManySeries::SELECTOR,
                        &[account.into(), U256::from(MAX_SERIES)],
                    ));
                }
                if let Some(mut slot) = list.setter(n) {
                    slot.set(U32::from(series));
                }
            } else if let Some(i) = ids.iter().position(|id| *id == series) {
                // The last entry takes the freed place; the last place empties.
                if let Some(mut slot) = list.setter(i) {
                    slot.set(U32::from(ids[n - 1]));
                }
                if let Some(mut slot) = list.setter(n - 1) {
                    slot.set(U32::ZERO);
                }
            }
            drop(list);
            let vault = self.vault.get();
            self.exec(
                vault,
                REGISTER_UNDERLYING,
                &[account.into(), word_of(underlying), U256::from(open)],
            )?;
        }
        self.positions.setter(account).setter(series).set(new);
        Ok(())
    }

    fn quote_delta(&mut self, account: B256, delta: I256) -> Result<(), Vec<u8>> {
        if delta.is_zero() {
            return Ok(());
        }
        let vault = self.vault.get();
        self.exec(
            vault,
            APPLY_QUOTE_DELTA,
            &[account.into(), delta.into_raw()],
        )
    }

    /// Calls `callee`'s view `selector` with `args`; its revert unchanged.
    fn view(&self, callee: Address, selector: [u8; 4], args: &[U256]) -> Result<Vec<u8>, Vec<u8>> {
        stylus_sdk::call::static_call(self, callee, &with_selector(selector, args))
            .map_err(|e| passthrough(e, callee))
    }

    /// The first word of `callee`'s answer to the view `selector` of one word.
    fn word_view(&self, callee: Address, selector: [u8; 4], arg: U256) -> Result<U256, Vec<u8>> {
        let out = self.view(callee, selector, &[arg])?;
        word(&out, 0, callee)
    }

    /// The first word of `callee`'s answer to the view `selector` of two words.
    fn word_view2(
        &self,
        callee: Address,
        selector: [u8; 4],
        a: U256,
        b: U256,
    ) -> Result<U256, Vec<u8>> {
        let out = self.view(callee, selector, &[a, b])?;
        word(&out, 0, callee)
    }

    /// Calls `callee`'s mutating `selector` with `args`; its revert unchanged.
    fn exec(&mut self, callee: Address, selector: [u8; 4], args: &[U256]) -> Result<(), Vec<u8>> {
        stylus_sdk::call::call(Call::new_in(self), callee, &with_selector(selector, args))
            .map(|_| ())
            .map_err(|e| passthrough(e, callee))
    }
}

/// The open interest a refused fill would have reached (for the cap's error).
fn plan_oi(f: &FillInput) -> U256 {
    op::plan_fill(&FillInput {
        max_open_interest: U256::MAX,
        ..*f
    })
    .map(|p| p.open_interest)
    .unwrap_or_default()
}

/// The revert data of the custom error `selector` with static fields `words` (every field of
/// this contract's errors is static).
fn revert(selector: [u8; 4], words: &[U256]) -> Vec<u8> {
    with_selector(selector, words)
}

/// Word `i` of a call's answer.
///
/// # Errors
/// [`CallFailed`] naming `callee` when the answer is shorter.
fn word(out: &[u8], i: usize, callee: Address) -> Result<U256, Vec<u8>> {
    raw_abi::word(out, i).ok_or_else(|| revert(CallFailed::SELECTOR, &[word_of(callee)]))
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => revert(CallFailed::SELECTOR, &[word_of(callee)]),
    }
}

fn math(e: CoreError) -> Vec<u8> {
    revert(MathError::SELECTOR, &[U256::from(e as u8)])
}

#[cfg(test)]
mod tests;
