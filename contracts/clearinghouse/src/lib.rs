//! Clearinghouse: the position ledger (DESIGN sections 4 and 6).
//!
//! It owns every perp position (signed size, cost basis, funding index per
//! sub-account and market) and books fills into positions and quote
//! balances. The clearing system is split into contracts that each fit the
//! 24 KiB limit, along a call graph without cycles:
//!
//! ```text
//! Exchange -> Clearinghouse -> PerpMarkets -> RiskModule     (funding, open interest)
//!                           -> CollateralVault               (quote balances)
//! Exchange -> MarginEngine -> Clearinghouse (views), RiskEngine, RiskModule
//! ```
//!
//! The Exchange verifies signed orders and hands the clearinghouse a checked
//! fill ([`Clearinghouse::apply_fill`]); afterwards it checks both accounts'
//! margin through the MarginEngine, which reads [`Clearinghouse::book`].
//!
//! A fill first records itself with PerpMarkets (funding accrues, the
//! premium moves, open interest stays under its cap) and gets the market's
//! cumulative funding index and fee rates back; then each side is booked
//! with `clearing_core::book_fill` (pending funding settles, PnL is realised,
//! the fee charged) and its quote balance moves by the sum in the vault; the
//! two fees are split between the insurance and treasury accounts.
//!
//! Methods that call other contracts return their revert data unchanged, so
//! a dApp sees the original custom error.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U32, U64};
use clearing_core::math::fixed::{from_i128, to_i128};
use clearing_core::{
    add_signed, book_fill, funding_payment, index_for, long_delta, position_cost, split_fee,
    sub_signed, to_signed, BookedFill, ChangeError, CoreError, Position,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageB256, StorageI128, StorageI256, StorageMap,
        StorageU256, StorageU32, StorageU64,
    },
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// Maximum number of markets with an open position per sub-account (DESIGN section 4).
pub const MAX_MARKETS_PER_ACCOUNT: usize = 8;

pub use clearing_core::rules::clearinghouse::{
    param, DEFAULT_INSURANCE_SHARE, INSURANCE_SHARE_RULE,
};

/// A position of one sub-account in one market.
#[storage]
pub struct PositionSlot {
    /// Signed size and open notional share one slot (128 bits each, far above what the open
    /// interest caps allow): opening a position writes one new slot, not two.
    size: StorageI128,
    open_notional: StorageI128,
    funding_index: StorageI256,
}

/// The clearinghouse contract.
#[storage]
#[entrypoint]
pub struct Clearinghouse {
    access: AccessControl,
    vault: StorageAddress,
    markets: StorageAddress,
    exchange: StorageAddress,
    liquidator: StorageAddress,
    positions: StorageMap<B256, StorageMap<u32, PositionSlot>>,
    /// Each account's open markets, one slot: eight entries of `market + 1` filled from the
    /// front (0 ends the list).
    open_markets: StorageMap<B256, StorageArray<StorageU32, MAX_MARKETS_PER_ACCOUNT>>,
    insurance_account: StorageB256,
    treasury_account: StorageB256,
    insurance_share: StorageU256,
    /// When the insurance share last changed (0: never).
    share_changed_at: StorageU64,
}

sol_interface! {
    /// The vault function the clearinghouse uses.
    interface ICollateralVault {
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
        function registerUnderlying(bytes32 account, address underlying, bool open) external;
    }

    /// The market registry functions the clearinghouse uses.
    interface IPerpMarkets {
        function onFill(uint32 market, uint256 price, uint256 size, int256 oi_delta, bool fold_premium) external returns (address, int256, int256, uint256, uint256);
        function cumulativeIndex(uint32 market) external view returns (address, int256, int256);
    }
}

/// An account's open positions with funding accrued to now.
#[derive(Default)]
struct Book {
    markets: Vec<u32>,
    underlyings: Vec<Address>,
    sizes: Vec<I256>,
    notionals: Vec<I256>,
    pending: Vec<I256>,
    costs: Vec<I256>,
}

#[public]
impl Clearinghouse {
    /// Wires the vault and the market registry and grants `admin` the admin
    /// role.
    #[constructor]
    pub fn constructor(&mut self, admin: Address, vault: Address, markets: Address) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.vault.set(vault);
        self.markets.set(markets);
        self.insurance_share.set(DEFAULT_INSURANCE_SHARE);
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), ClearinghouseError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), ClearinghouseError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wires the exchange, the only caller of [`Self::apply_fill`], once.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ExchangeAlreadySet`] when already
    /// wired or `exchange` is zero.
    pub fn set_exchange(&mut self, exchange: Address) -> Result<(), ClearinghouseError> {
        self.only_admin()?;
        if !self.exchange.get().is_zero() || exchange.is_zero() {
            return Err(ClearinghouseError::ExchangeAlreadySet(ExchangeAlreadySet {
                exchange: self.exchange.get(),
            }));
        }
        self.exchange.set(exchange);
        log(self.vm(), ExchangeSet { exchange });
        Ok(())
    }

    /// Wires the liquidator, the only caller of [`Self::apply_liquidation`],
    /// once.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`LiquidatorAlreadySet`] when
    /// already wired or `liquidator` is zero.
    pub fn set_liquidator(&mut self, liquidator: Address) -> Result<(), ClearinghouseError> {
        self.only_admin()?;
        if !self.liquidator.get().is_zero() || liquidator.is_zero() {
            return Err(ClearinghouseError::LiquidatorAlreadySet(
                LiquidatorAlreadySet {
                    liquidator: self.liquidator.get(),
                },
            ));
        }
        self.liquidator.set(liquidator);
        log(self.vm(), LiquidatorSet { liquidator });
        Ok(())
    }

    /// Wired addresses: vault, market registry, exchange, liquidator.
    pub fn wiring(&self) -> (Address, Address, Address, Address) {
        (
            self.vault.get(),
            self.markets.get(),
            self.exchange.get(),
            self.liquidator.get(),
        )
    }

    /// Sets the sub-accounts credited with fees and the insurance share of
    /// each fee (WAD fraction; the insurance account gets the rounding dust).
    /// Admin only (the timelock). A changed share follows
    /// [`INSURANCE_SHARE_RULE`]; an unchanged one is not rate-limited, so the
    /// recipients may change alone.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`FeeRecipientUnset`] for a zero
    /// account; with `INSURANCE_SHARE`: [`ParameterOutOfBounds`] above 100 %,
    /// [`ParameterStepTooLarge`] beyond 25 points,
    /// [`ParameterChangedTooSoon`] within a day of the last change.
    pub fn set_fee_config(
        &mut self,
        insurance_account: B256,
        treasury_account: B256,
        insurance_share: U256,
    ) -> Result<(), ClearinghouseError> {
        self.only_admin()?;
        if insurance_account.is_zero() || treasury_account.is_zero() {
            return Err(ClearinghouseError::FeeRecipientUnset(FeeRecipientUnset {}));
        }
        let old = self.insurance_share.get();
        if insurance_share != old {
            let last = self.share_changed_at.get().to::<u64>();
            let now = self.vm().block_timestamp();
            let rule = INSURANCE_SHARE_RULE;
            clearing_core::check_change(&rule, old, insurance_share, last, now).map_err(|e| {
                let code = param::INSURANCE_SHARE;
                match e {
                    ChangeError::StepTooLarge => {
                        ClearinghouseError::ParameterStepTooLarge(ParameterStepTooLarge {
                            param: code,
                            oldValue: old,
                            newValue: insurance_share,
                        })
                    }
                    ChangeError::TooSoon => {
                        ClearinghouseError::ParameterChangedTooSoon(ParameterChangedTooSoon {
                            param: code,
                            nextAllowedAt: clearing_core::next_change_at(&rule, last),
                        })
                    }
                    ChangeError::OutOfBounds => {
                        ClearinghouseError::ParameterOutOfBounds(ParameterOutOfBounds {
                            param: code,
                            value: insurance_share,
                        })
                    }
                }
            })?;
            self.share_changed_at.set(U64::from(now));
        }
        self.insurance_account.set(insurance_account);
        self.treasury_account.set(treasury_account);
        self.insurance_share.set(insurance_share);
        log(
            self.vm(),
            FeeConfigSet {
                insuranceAccount: insurance_account,
                treasuryAccount: treasury_account,
                oldInsuranceShare: old,
                insuranceShare: insurance_share,
            },
        );
        Ok(())
    }

    /// Fee recipients and insurance share: `(insurance, treasury, share)`.
    pub fn fee_config(&self) -> (B256, B256, U256) {
        (
            self.insurance_account.get(),
            self.treasury_account.get(),
            self.insurance_share.get(),
        )
    }

    /// Books a fill the exchange has checked: the maker's position changes
    /// by `maker_delta` and the taker's by `-maker_delta` at `price`.
    ///
    /// Funding accrues and open interest moves in PerpMarkets; each side
    /// settles its pending funding, realises PnL and pays its fee into its
    /// quote balance; the fees are credited to the insurance and treasury
    /// accounts. Margin is the caller's to check afterwards.
    ///
    /// # Errors
    /// [`NotExchange`]; PerpMarkets' errors unchanged (`UnknownMarket`,
    /// `OpenInterestCapExceeded`, price errors); [`TooManyMarkets`];
    /// [`FeeRecipientUnset`]; [`MathError`]; the vault's errors unchanged.
    pub fn apply_fill(
        &mut self,
        market: u32,
        maker: B256,
        taker: B256,
        price: U256,
        maker_delta: I256,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.exchange.get() {
            return Err(ClearinghouseError::NotExchange(NotExchange { caller }).into());
        }
        self.settle(market, maker, taker, price, maker_delta, true)
    }

    /// Books a liquidation the liquidator has checked: `account`'s position
    /// changes by `account_delta` and the liquidator's by its negation, at
    /// `price` (the oracle price), without fees and without moving the
    /// funding premium. Pending funding settles on both sides; the penalty is
    /// the liquidator's to charge.
    ///
    /// # Errors
    /// [`NotLiquidator`]; as [`Self::apply_fill`] otherwise (fees aside).
    pub fn apply_liquidation(
        &mut self,
        market: u32,
        account: B256,
        liquidator: B256,
        price: U256,
        account_delta: I256,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller.is_zero() || caller != self.liquidator.get() {
            return Err(ClearinghouseError::NotLiquidator(NotLiquidator { caller }).into());
        }
        self.settle(market, account, liquidator, price, account_delta, false)
    }

    /// The position sizes of two accounts in `market` (what the exchange
    /// needs for min-size and reduce-only checks).
    pub fn position_sizes(&self, market: u32, a: B256, b: B256) -> (I256, I256) {
        (self.pos(a, market).size, self.pos(b, market).size)
    }

    /// A position: `(size, openNotional, fundingIndex, pendingFunding)`, the
    /// last being the funding that would settle now (positive = received).
    ///
    /// # Errors
    /// PerpMarkets' errors unchanged (`UnknownMarket`, price errors while
    /// funding accrues); [`MathError`].
    pub fn position(
        &self,
        account: B256,
        market: u32,
    ) -> Result<(I256, I256, I256, I256), Vec<u8>> {
        let p = self.pos(account, market);
        let (_, long, short) = self.index_now(market)?;
        let idx = index_for(p.size, (long, short));
        let pending = funding_payment(p.size, p.funding_index, idx).map_err(ce)?;
        Ok((p.size, p.open_notional, p.funding_index, pending))
    }

    /// The markets in which `account` has an open position.
    pub fn open_markets(&self, account: B256) -> Vec<u32> {
        let list = self.open_markets.getter(account);
        (0..MAX_MARKETS_PER_ACCOUNT)
            .map_while(|i| list.get(i))
            .map(|m| m.to::<u32>())
            .take_while(|m| *m != 0)
            .map(|m| m - 1)
            .collect()
    }

    /// The account's open positions as the margin function needs them, with
    /// funding accrued to now: `(markets, underlyings, sizes, openNotionals,
    /// pendingFunding, costs)`, where `cost = openNotional - pendingFunding`
    /// so that `size * price - cost` is unrealised PnL plus pending funding.
    ///
    /// # Errors
    /// As [`Self::position`].
    #[allow(clippy::type_complexity)]
    pub fn book(
        &self,
        account: B256,
    ) -> Result<
        (
            Vec<u32>,
            Vec<Address>,
            Vec<I256>,
            Vec<I256>,
            Vec<I256>,
            Vec<I256>,
        ),
        Vec<u8>,
    > {
        let mut b = Book {
            markets: self.open_markets(account),
            ..Book::default()
        };
        for &m in &b.markets {
            let p = self.pos(account, m);
            let (underlying, long, short) = self.index_now(m)?;
            let idx = index_for(p.size, (long, short));
            b.underlyings.push(underlying);
            b.sizes.push(p.size);
            b.notionals.push(p.open_notional);
            // Pending funding once: the cost is the basis net of it.
            let cost = position_cost(&p, idx).map_err(ce)?;
            b.pending
                .push(sub_signed(p.open_notional, cost).map_err(ce)?);
            b.costs.push(cost);
        }
        Ok((
            b.markets,
            b.underlyings,
            b.sizes,
            b.notionals,
            b.pending,
            b.costs,
        ))
    }
}

impl Clearinghouse {
    /// Books `maker_delta` for `maker` and its negation for `taker` at
    /// `price`: with fees and a premium update for a trade, without for a
    /// liquidation transfer.
    fn settle(
        &mut self,
        market: u32,
        maker: B256,
        taker: B256,
        price: U256,
        maker_delta: I256,
        trade: bool,
    ) -> Result<(), Vec<u8>> {
        let sides = [(maker, maker_delta), (taker, -maker_delta)];
        let olds = [self.pos(maker, market), self.pos(taker, market)];
        let mut oi_delta = I256::ZERO;
        for (k, (_, delta)) in sides.iter().enumerate() {
            let new = add_signed(olds[k].size, *delta).map_err(ce)?;
            oi_delta =
                add_signed(oi_delta, long_delta(olds[k].size, new).map_err(ce)?).map_err(ce)?;
        }
        let registry = self.markets.get();
        let (underlying, long, short, maker_fee, taker_fee) = IPerpMarkets::new(registry)
            .on_fill(
                Call::new_in(self),
                market,
                price,
                maker_delta.unsigned_abs(),
                oi_delta,
                trade,
            )
            .map_err(|e| passthrough(e, registry))?;
        let rates = if trade {
            [maker_fee, taker_fee]
        } else {
            [U256::ZERO; 2]
        };
        let mut booked = [BookedFill::default(); 2];
        for k in 0..2 {
            // Funding settles against the old side's index; the position then
            // records the index of the side it is on.
            let settle_at = index_for(olds[k].size, (long, short));
            booked[k] = book_fill(olds[k], sides[k].1, price, settle_at, rates[k]).map_err(ce)?;
            booked[k].position.funding_index = index_for(booked[k].position.size, (long, short));
        }
        let total_fee = booked[0].fee + booked[1].fee;
        let split = split_fee(total_fee, self.insurance_share.get()).map_err(ce)?;
        let (insurance, treasury) = (self.insurance_account.get(), self.treasury_account.get());
        if !total_fee.is_zero() && (insurance.is_zero() || treasury.is_zero()) {
            return Err(ClearinghouseError::FeeRecipientUnset(FeeRecipientUnset {}).into());
        }
        for (k, (acct, delta)) in sides.into_iter().enumerate() {
            let b = booked[k];
            self.store(acct, market, underlying, &b.position)?;
            self.quote_delta(acct, b.quote_delta)?;
            log(
                self.vm(),
                PositionUpdated {
                    account: acct,
                    market,
                    sizeDelta: delta,
                    price,
                    size: b.position.size,
                    openNotional: b.position.open_notional,
                    fundingIndex: b.position.funding_index,
                    funding: b.funding,
                    realizedPnl: b.realized,
                    fee: b.fee,
                },
            );
        }
        self.quote_delta(insurance, to_signed(split.insurance).map_err(ce)?)?;
        self.quote_delta(treasury, to_signed(split.treasury).map_err(ce)?)?;
        log(
            self.vm(),
            FillSettled {
                market,
                maker,
                taker,
                price,
                makerDelta: maker_delta,
                insuranceFee: split.insurance,
                treasuryFee: split.treasury,
            },
        );
        Ok(())
    }

    fn only_admin(&self) -> Result<(), ClearinghouseError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    /// The market's underlying and its long and short indices accrued to now.
    fn index_now(&self, market: u32) -> Result<(Address, I256, I256), Vec<u8>> {
        let registry = self.markets.get();
        IPerpMarkets::new(registry)
            .cumulative_index(self, market)
            .map_err(|e| passthrough(e, registry))
    }

    fn pos(&self, account: B256, market: u32) -> Position {
        let book = self.positions.getter(account);
        let p = book.getter(market);
        Position {
            size: from_i128(p.size.get()),
            open_notional: from_i128(p.open_notional.get()),
            funding_index: p.funding_index.get(),
        }
    }

    /// Stores a position and keeps the account's list of open markets.
    /// A position that opens or closes also enters or leaves the account's priced set in the
    /// vault (the pricing limit, DESIGN section 15).
    fn store(
        &mut self,
        account: B256,
        market: u32,
        underlying: Address,
        pos: &Position,
    ) -> Result<(), Vec<u8>> {
        let size = to_i128(pos.size).map_err(ce)?;
        let open_notional = to_i128(pos.open_notional).map_err(ce)?;
        let was_open = !self.pos(account, market).size.is_zero();
        let open = !pos.size.is_zero();
        if open != was_open {
            let vault = self.vault.get();
            ICollateralVault::new(vault)
                .register_underlying(Call::new_in(self), account, underlying, open)
                .map_err(|e| passthrough(e, vault))?;
        }
        let markets = self.open_markets(account);
        let n = markets.len();
        let mut list = self.open_markets.setter(account);
        if open && !was_open {
            // Market ids count listings, far below u32::MAX; the entry stores id + 1.
            let entry = market
                .checked_add(1)
                .filter(|_| n < MAX_MARKETS_PER_ACCOUNT);
            let Some(entry) = entry else {
                return Err(ClearinghouseError::TooManyMarkets(TooManyMarkets { account }).into());
            };
            if let Some(mut slot) = list.setter(n) {
                slot.set(U32::from(entry));
            }
        } else if was_open && !open {
            if let Some(i) = markets.iter().position(|m| *m == market) {
                // The last entry takes the freed place; the last place empties.
                if let Some(mut slot) = list.setter(i) {
                    slot.set(U32::from(markets[n - 1] + 1));
                }
                if let Some(mut slot) = list.setter(n - 1) {
                    slot.set(U32::ZERO);
                }
            }
        }
        drop(list);
        let mut book = self.positions.setter(account);
        let mut p = book.setter(market);
        p.size.set(size);
        p.open_notional.set(open_notional);
        p.funding_index.set(pos.funding_index);
        Ok(())
    }

    fn quote_delta(&mut self, account: B256, delta: I256) -> Result<(), Vec<u8>> {
        if delta.is_zero() {
            return Ok(());
        }
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .apply_quote_delta(Call::new_in(self), account, delta)
            .map_err(|e| passthrough(e, vault))?;
        Ok(())
    }
}

fn ce(e: CoreError) -> Vec<u8> {
    ClearinghouseError::from(e).into()
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => ClearinghouseError::CallFailed(CallFailed { callee }).into(),
    }
}
