//! Clearinghouse: perpetual markets, positions, funding, fees, fill
//! settlement and the withdrawal gate (DESIGN sections 4, 6 and 7).
//!
//! The hub of the call graph:
//!
//! ```text
//! Exchange -> Clearinghouse -> CollateralVault            (quote deltas, releases, transfers)
//!                           -> RiskModule                 (index prices)
//!                           -> MarginEngine -> RiskEngine (health)
//! ```
//!
//! Nothing it calls ever calls it back. Signed orders are verified by the
//! Exchange (a contract of its own because signatures, order state and the
//! position book do not fit one 24 KiB contract), which then hands the
//! clearinghouse a checked fill through [`Clearinghouse::apply_fill`].
//!
//! A fill books both sides with `clearing_core::book_fill` (funding settles
//! first, then PnL is realised and the fee charged), moves each side's quote
//! balance in the vault, credits the fees to the insurance and treasury
//! accounts, keeps long open interest under the market's cap and requires
//! both accounts to meet initial margin afterwards (maintenance only for a
//! strictly reducing fill). Withdrawals and transfers between an owner's
//! sub-accounts need initial health >= 0 afterwards.
//!
//! Funding is accrued per second into each market's cumulative index at
//! fills; between fills the views and the health check accrue it to the
//! block time, so pending funding counts in health before it settles.
//!
//! Methods that call other contracts return their revert data unchanged, so
//! a dApp sees the original custom error.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64};
use clearing_core::{
    account, book_fill, check_market, funding_at_fill, funding_now, funding_payment, is_reducing,
    long_open_interest, position_cost, split_fee, to_signed, BookedFill, FundingState,
    MarketConfig, Position, WAD,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageI256, StorageMap, StorageU256, StorageU32,
        StorageU64, StorageVec,
    },
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// Maximum number of markets with an open position per sub-account (DESIGN section 4).
pub const MAX_MARKETS_PER_ACCOUNT: usize = 8;

/// Parameter codes used by [`ParameterOutOfBounds`]: the market fields are
/// `clearing_core::MarketField as u8`.
pub mod param {
    /// Minimum fill size (positive).
    pub const MIN_SIZE: u8 = 1;
    /// Price tick (positive).
    pub const TICK: u8 = 2;
    /// Maker fee rate (at most 1 %).
    pub const MAKER_FEE: u8 = 3;
    /// Taker fee rate (at most 1 %).
    pub const TAKER_FEE: u8 = 4;
    /// Open-interest cap (positive).
    pub const MAX_OPEN_INTEREST: u8 = 5;
    /// Funding cap per 8 hours (0 < cap <= 5 %).
    pub const FUNDING_CAP: u8 = 6;
    /// Insurance share of fees (at most 100 %).
    pub const INSURANCE_SHARE: u8 = 7;
}

/// Configuration and state of one market.
#[storage]
pub struct Market {
    underlying: StorageAddress,
    min_size: StorageU256,
    tick: StorageU256,
    maker_fee: StorageU256,
    taker_fee: StorageU256,
    max_open_interest: StorageU256,
    funding_cap: StorageU256,
    premium: StorageI256,
    cum_index: StorageI256,
    updated_at: StorageU64,
    long_open_interest: StorageU256,
}

/// A position of one sub-account in one market.
#[storage]
pub struct PositionSlot {
    size: StorageI256,
    open_notional: StorageI256,
    funding_index: StorageI256,
}

/// The clearinghouse contract.
#[storage]
#[entrypoint]
pub struct Clearinghouse {
    access: AccessControl,
    vault: StorageAddress,
    risk: StorageAddress,
    margin: StorageAddress,
    exchange: StorageAddress,
    markets: StorageVec<Market>,
    positions: StorageMap<B256, StorageMap<u32, PositionSlot>>,
    open_markets: StorageMap<B256, StorageVec<StorageU32>>,
    insurance_account: StorageB256,
    treasury_account: StorageB256,
    insurance_share: StorageU256,
}

sol_interface! {
    /// The vault functions the clearinghouse uses.
    interface ICollateralVault {
        function release(bytes32 account, address asset, uint256 amount, address recipient) external;
        function transferBalance(bytes32 from, bytes32 to, address asset, uint256 amount) external;
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
        function holdings(bytes32 account) external view returns (address[], int256[], address, int256);
    }

    /// The risk module view the clearinghouse reads.
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
    }

    /// The margin engine view the clearinghouse reads.
    interface IMarginEngine {
        function health(bytes32 account, address[] underlyings, int256[] sizes, int256[] costs, bool portfolio) external view returns (int256, uint256, uint256);
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
    /// Basis net of pending funding (`clearing_core::position_cost`).
    costs: Vec<I256>,
}

#[public]
impl Clearinghouse {
    /// Wires the vault, the risk module and the margin engine and grants
    /// `admin` the admin role.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        vault: Address,
        risk_module: Address,
        margin_engine: Address,
    ) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.vault.set(vault);
        self.risk.set(risk_module);
        self.margin.set(margin_engine);
    }

    // ------------------------------------------------------------------
    // Access control and wiring
    // ------------------------------------------------------------------

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

    /// Wired addresses: vault, risk module, margin engine, exchange.
    pub fn wiring(&self) -> (Address, Address, Address, Address) {
        (
            self.vault.get(),
            self.risk.get(),
            self.margin.get(),
            self.exchange.get(),
        )
    }

    /// Sets the sub-accounts credited with fees and the insurance share of
    /// each fee (WAD fraction; the insurance account gets the rounding dust).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`FeeRecipientUnset`] for a zero
    /// account; [`ParameterOutOfBounds`] (`INSURANCE_SHARE`) above 100 %.
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
        if insurance_share > WAD {
            return Err(out_of_bounds(param::INSURANCE_SHARE, insurance_share));
        }
        self.insurance_account.set(insurance_account);
        self.treasury_account.set(treasury_account);
        self.insurance_share.set(insurance_share);
        log(
            self.vm(),
            FeeConfigSet {
                insuranceAccount: insurance_account,
                treasuryAccount: treasury_account,
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

    // ------------------------------------------------------------------
    // Markets
    // ------------------------------------------------------------------

    /// Lists a perpetual market on `underlying` (a risk-module asset with a
    /// usable price) and returns its id, the next small integer from 0.
    /// Sizes and prices are WAD; fee rates and the funding cap (per 8 hours)
    /// are WAD fractions.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount`; [`ParameterOutOfBounds`] with the
    /// field's code; the risk module's errors for the underlying
    /// (`UnknownAsset`, price errors).
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
        let cfg = MarketConfig {
            min_size,
            tick,
            maker_fee,
            taker_fee,
            max_open_interest,
            funding_cap,
        };
        if let Err(field) = check_market(&cfg) {
            let value = [
                min_size,
                tick,
                maker_fee,
                taker_fee,
                max_open_interest,
                funding_cap,
            ][field as usize - 1];
            return Err(out_of_bounds(field as u8, value).into());
        }
        self.index_price(underlying)?;
        let id = u32::try_from(self.markets.len()).map_err(|_| ce(clearing_core::CoreError::Overflow))?;
        let now = self.vm().block_timestamp();
        let mut m = self.markets.grow();
        m.underlying.set(underlying);
        m.min_size.set(min_size);
        m.tick.set(tick);
        m.maker_fee.set(maker_fee);
        m.taker_fee.set(taker_fee);
        m.max_open_interest.set(max_open_interest);
        m.funding_cap.set(funding_cap);
        m.updated_at.set(U64::from(now));
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
    ) -> Result<(Address, U256, U256, U256, U256, U256, U256, U256), ClearinghouseError> {
        let m = self.market_ref(market)?;
        Ok((
            m.underlying.get(),
            m.min_size.get(),
            m.tick.get(),
            m.maker_fee.get(),
            m.taker_fee.get(),
            m.max_open_interest.get(),
            m.funding_cap.get(),
            m.long_open_interest.get(),
        ))
    }

    /// A market's stored funding state: `(premium, cumulativeIndex,
    /// updatedAt)`, the index as of `updatedAt` (see [`Self::position`] for
    /// funding accrued to now).
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn funding_state(&self, market: u32) -> Result<(I256, I256, u64), ClearinghouseError> {
        let f = self.funding_of(market)?;
        Ok((f.premium, f.cum_index, f.updated_at))
    }

    // ------------------------------------------------------------------
    // Fills (called by the exchange)
    // ------------------------------------------------------------------

    /// What the exchange needs to check a fill: the market's `(minSize,
    /// tick)` and the maker's and taker's current position sizes.
    ///
    /// # Errors
    /// [`UnknownMarket`].
    pub fn fill_context(
        &self,
        market: u32,
        maker: B256,
        taker: B256,
    ) -> Result<(U256, U256, I256, I256), ClearinghouseError> {
        let m = self.market_ref(market)?;
        Ok((
            m.min_size.get(),
            m.tick.get(),
            self.pos(maker, market).size,
            self.pos(taker, market).size,
        ))
    }

    /// Settles a fill the exchange has checked (signatures, expiry, limit
    /// prices, filled amounts, min size, tick, reduce-only): the maker's
    /// position changes by `maker_delta` and the taker's by `-maker_delta`
    /// at `price`.
    ///
    /// The market's funding index accrues to now and its premium folds in
    /// the fill; each side settles its funding, realises PnL and pays its
    /// fee into its quote balance; fees are credited to the insurance and
    /// treasury accounts; then both accounts must meet initial margin (or
    /// maintenance when the fill strictly reduces their position).
    ///
    /// # Errors
    /// [`NotExchange`]; [`UnknownMarket`]; the risk module's price errors;
    /// [`OpenInterestCapExceeded`] when the fill raises open interest above
    /// the cap; [`TooManyMarkets`]; [`FeeRecipientUnset`];
    /// [`InsufficientMargin`]; [`MathError`]; callee errors unchanged.
    pub fn apply_fill(
        &mut self,
        market: u32,
        maker: B256,
        taker: B256,
        price: U256,
        maker_delta: I256,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        if caller != self.exchange.get() || caller.is_zero() {
            return Err(ClearinghouseError::NotExchange(NotExchange { caller }).into());
        }
        let now = self.vm().block_timestamp();
        let (underlying, cap, maker_fee, taker_fee, max_oi, old_oi) = {
            let m = self.market_ref(market)?;
            (
                m.underlying.get(),
                m.funding_cap.get(),
                m.maker_fee.get(),
                m.taker_fee.get(),
                m.max_open_interest.get(),
                m.long_open_interest.get(),
            )
        };
        let index = self.index_price(underlying)?;
        let f = funding_at_fill(self.funding_of(market)?, price, index, cap, now).map_err(ce)?;
        let taker_delta = -maker_delta;
        let sides = [(maker, maker_delta, maker_fee), (taker, taker_delta, taker_fee)];
        let mut booked = [BookedFill::default(); 2];
        let mut reducing = [false; 2];
        let mut oi = old_oi;
        for (k, (acct, delta, rate)) in sides.into_iter().enumerate() {
            let old = self.pos(acct, market);
            booked[k] = book_fill(old, delta, price, f.cum_index, rate).map_err(ce)?;
            oi = long_open_interest(oi, old.size, booked[k].position.size).map_err(ce)?;
            reducing[k] = is_reducing(old.size, delta);
        }
        // The cap only blocks fills that raise open interest.
        if oi > old_oi && oi > max_oi {
            return Err(ClearinghouseError::OpenInterestCapExceeded(OpenInterestCapExceeded {
                market,
                openInterest: oi,
                cap: max_oi,
            })
            .into());
        }
        let total_fee = booked[0].fee + booked[1].fee;
        let split = split_fee(total_fee, self.insurance_share.get()).map_err(ce)?;
        let (insurance, treasury) = (self.insurance_account.get(), self.treasury_account.get());
        if !total_fee.is_zero() && (insurance.is_zero() || treasury.is_zero()) {
            return Err(ClearinghouseError::FeeRecipientUnset(FeeRecipientUnset {}).into());
        }
        {
            let mut m = self.markets.setter(market).ok_or_else(|| unknown(market))?;
            m.premium.set(f.premium);
            m.cum_index.set(f.cum_index);
            m.updated_at.set(U64::from(f.updated_at));
            m.long_open_interest.set(oi);
        }
        log(
            self.vm(),
            FundingUpdated {
                market,
                premium: f.premium,
                cumulativeIndex: f.cum_index,
                timestamp: f.updated_at,
            },
        );
        for (k, (acct, delta, _)) in sides.into_iter().enumerate() {
            let b = booked[k];
            self.store(acct, market, &b.position)?;
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
                openInterest: oi,
                insuranceFee: split.insurance,
                treasuryFee: split.treasury,
            },
        );
        self.require_health(maker, reducing[0])?;
        self.require_health(taker, reducing[1])
    }

    // ------------------------------------------------------------------
    // Withdrawals and transfers (the owner only)
    // ------------------------------------------------------------------

    /// Withdraws `amount` of `asset` (token decimals) from the caller's
    /// sub-account `subaccount` to the caller. Only the owner can: the
    /// account is derived from the caller, so an operator reaches only its
    /// own sub-accounts. Initial health must stay >= 0.
    ///
    /// # Errors
    /// [`InsufficientMargin`]; the vault's errors unchanged (`ZeroAmount`,
    /// `UnknownAsset`, `InsufficientBalance`, `TransferFailed`); price errors.
    pub fn withdraw(&mut self, subaccount: u8, asset: Address, amount: U256) -> Result<(), Vec<u8>> {
        let owner = self.vm().msg_sender();
        let id = account::encode(owner, subaccount);
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .release(Call::new_in(self), id, asset, amount, owner)
            .map_err(|e| passthrough(e, vault))?;
        self.require_health(id, false)
    }

    /// Moves `amount` of `asset` between two of the caller's sub-accounts.
    /// The source must keep initial health >= 0.
    ///
    /// # Errors
    /// [`SameSubaccount`]; [`InsufficientMargin`]; the vault's errors
    /// unchanged (`ZeroAmount`, `UnknownAsset`, `InsufficientBalance`,
    /// `TooManyAssets`); price errors.
    pub fn transfer_collateral(
        &mut self,
        from: u8,
        to: u8,
        asset: Address,
        amount: U256,
    ) -> Result<(), Vec<u8>> {
        if from == to {
            return Err(ClearinghouseError::SameSubaccount(SameSubaccount { subaccount: from }).into());
        }
        let owner = self.vm().msg_sender();
        let (src, dst) = (account::encode(owner, from), account::encode(owner, to));
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .transfer_balance(Call::new_in(self), src, dst, asset, amount)
            .map_err(|e| passthrough(e, vault))?;
        self.require_health(src, false)
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// A position: `(size, openNotional, fundingIndex, pendingFunding)`, the
    /// last being the funding that would settle now (positive = received).
    ///
    /// # Errors
    /// [`UnknownMarket`]; the risk module's price errors while funding accrues.
    pub fn position(&self, account: B256, market: u32) -> Result<(I256, I256, I256, I256), Vec<u8>> {
        let p = self.pos(account, market);
        let idx = self.index_now(market)?;
        let pending = funding_payment(p.size, p.funding_index, idx).map_err(ce)?;
        Ok((p.size, p.open_notional, p.funding_index, pending))
    }

    /// The markets in which `account` has an open position.
    pub fn open_markets(&self, account: B256) -> Vec<u32> {
        let list = self.open_markets.getter(account);
        (0..list.len())
            .filter_map(|i| list.get(i))
            .map(|m| m.to::<u32>())
            .collect()
    }

    /// Health of `account`: `(equity, maintenanceRequirement,
    /// initialRequirement)`, WAD quote. Equity counts collateral at oracle
    /// price, the signed quote balance, unrealised PnL and pending funding.
    ///
    /// # Errors
    /// Price and risk errors of the callees unchanged; [`MathError`].
    pub fn health(&self, account: B256) -> Result<(I256, U256, U256), Vec<u8>> {
        let book = self.book(account)?;
        self.health_of(account, &book)
    }

    /// Everything about `account` in one call: positions `(markets, sizes,
    /// openNotionals, pendingFunding)`, vault holdings `(assets, amounts,
    /// quoteBalance)` and health `(equity, maintenance, initial)`.
    ///
    /// # Errors
    /// As [`Self::health`].
    #[allow(clippy::type_complexity)]
    pub fn account_summary(
        &self,
        account: B256,
    ) -> Result<
        (
            Vec<u32>,
            Vec<I256>,
            Vec<I256>,
            Vec<I256>,
            Vec<Address>,
            Vec<I256>,
            I256,
            I256,
            U256,
            U256,
        ),
        Vec<u8>,
    > {
        let book = self.book(account)?;
        let vault = self.vault.get();
        let (assets, amounts, _, quote) = ICollateralVault::new(vault)
            .holdings(self, account)
            .map_err(|e| passthrough(e, vault))?;
        let (eq, mm, im) = self.health_of(account, &book)?;
        Ok((
            book.markets,
            book.sizes,
            book.notionals,
            book.pending,
            assets,
            amounts,
            quote,
            eq,
            mm,
            im,
        ))
    }
}

impl Clearinghouse {
    fn only_admin(&self) -> Result<(), ClearinghouseError> {
        Ok(self
            .access
            ._check_role(ADMIN_ROLE.into(), self.vm().msg_sender())?)
    }

    fn market_ref(
        &self,
        market: u32,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, Market>, ClearinghouseError> {
        self.markets.get(market).ok_or_else(|| unknown(market))
    }

    fn funding_of(&self, market: u32) -> Result<FundingState, ClearinghouseError> {
        let m = self.market_ref(market)?;
        Ok(FundingState {
            premium: m.premium.get(),
            cum_index: m.cum_index.get(),
            updated_at: m.updated_at.get().to::<u64>(),
        })
    }

    /// The market's cumulative funding index accrued to now (asks the risk
    /// module for the index price only when something accrues).
    fn index_now(&self, market: u32) -> Result<I256, Vec<u8>> {
        let f = self.funding_of(market)?;
        let now = self.vm().block_timestamp();
        if now <= f.updated_at || f.premium.is_zero() {
            return Ok(f.cum_index);
        }
        let (underlying, cap) = {
            let m = self.market_ref(market)?;
            (m.underlying.get(), m.funding_cap.get())
        };
        let index = self.index_price(underlying)?;
        Ok(funding_now(f, index, cap, now).map_err(ce)?.cum_index)
    }

    fn index_price(&self, asset: Address) -> Result<U256, Vec<u8>> {
        let risk = self.risk.get();
        IRiskModule::new(risk)
            .price(self, asset)
            .map_err(|e| passthrough(e, risk))
    }

    fn pos(&self, account: B256, market: u32) -> Position {
        let book = self.positions.getter(account);
        let p = book.getter(market);
        Position {
            size: p.size.get(),
            open_notional: p.open_notional.get(),
            funding_index: p.funding_index.get(),
        }
    }

    /// Stores a position and keeps the account's list of open markets.
    fn store(&mut self, account: B256, market: u32, pos: &Position) -> Result<(), ClearinghouseError> {
        let was_open = !self.pos(account, market).size.is_zero();
        let open = !pos.size.is_zero();
        let mut list = self.open_markets.setter(account);
        if open && !was_open {
            if list.len() >= MAX_MARKETS_PER_ACCOUNT {
                return Err(ClearinghouseError::TooManyMarkets(TooManyMarkets { account }));
            }
            list.push(alloy_primitives::U32::from(market));
        } else if was_open && !open {
            let n = list.len();
            if let Some(i) = (0..n).find(|&i| list.get(i).map(|m| m.to::<u32>()) == Some(market)) {
                let last = list.get(n - 1).unwrap_or_default();
                if let Some(mut slot) = list.setter(i) {
                    slot.set(last);
                }
                list.pop();
            }
        }
        drop(list);
        let mut book = self.positions.setter(account);
        let mut p = book.setter(market);
        p.size.set(pos.size);
        p.open_notional.set(pos.open_notional);
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

    /// The account's positions with pending funding accrued to now.
    fn book(&self, account: B256) -> Result<Book, Vec<u8>> {
        let mut b = Book {
            markets: self.open_markets(account),
            ..Book::default()
        };
        for &m in &b.markets {
            let p = self.pos(account, m);
            let idx = self.index_now(m)?;
            b.underlyings.push(self.market_ref(m)?.underlying.get());
            b.sizes.push(p.size);
            b.notionals.push(p.open_notional);
            b.pending
                .push(funding_payment(p.size, p.funding_index, idx).map_err(ce)?);
            b.costs.push(position_cost(&p, idx).map_err(ce)?);
        }
        Ok(b)
    }

    /// `(equity, maintenance, initial)` of `account` from the margin engine.
    fn health_of(&self, account: B256, book: &Book) -> Result<(I256, U256, U256), Vec<u8>> {
        let margin = self.margin.get();
        IMarginEngine::new(margin)
            .health(
                self,
                account,
                book.underlyings.clone(),
                book.sizes.clone(),
                book.costs.clone(),
                false,
            )
            .map_err(|e| passthrough(e, margin))
    }

    /// Requires initial health >= 0, or maintenance health >= 0 when
    /// `maintenance_only` (a strictly reducing fill).
    fn require_health(&self, account: B256, maintenance_only: bool) -> Result<(), Vec<u8>> {
        let book = self.book(account)?;
        let (equity, mm, im) = self.health_of(account, &book)?;
        let requirement = if maintenance_only { mm } else { im };
        if equity < to_signed(requirement).map_err(ce)? {
            return Err(ClearinghouseError::InsufficientMargin(InsufficientMargin {
                account,
                equity,
                requirement,
            })
            .into());
        }
        Ok(())
    }
}

fn unknown(market: u32) -> ClearinghouseError {
    ClearinghouseError::UnknownMarket(UnknownMarket { market })
}

fn out_of_bounds(code: u8, value: U256) -> ClearinghouseError {
    ClearinghouseError::ParameterOutOfBounds(ParameterOutOfBounds { param: code, value })
}

fn ce(e: clearing_core::CoreError) -> Vec<u8> {
    ClearinghouseError::from(e).into()
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => ClearinghouseError::CallFailed(CallFailed { callee }).into(),
    }
}
