//! MarginEngine: the margin function of DESIGN section 7 as a view.
//!
//! It composes an account's health: [`MarginEngine::health`] reads the account's perp positions
//! from the Clearinghouse and its option positions from the OptionBook (`marginRows`: the
//! live and unsettled series with their volatilities, the underlyings' daily and nearest
//! implied volatilities, the governed option parameters and the value owed by expired, settled,
//! unpaid series), then everything else in one call, `RiskEngine.exposures(account,
//! underlyings)` with the perps' and the options' underlyings: the collateral rows and a row
//! per underlying, with prices, haircuts, buckets, depths, correlations and the minimum margin
//! fraction from one `RiskModule.marginInputs` answer (each feed read once per evaluation),
//! and marks everything at that one set of oracle prices.
//!
//! - Without option positions the requirements are `clearing_core::delta_one_requirements`
//!   (section 7's function for books without options), computed here.
//! - With option positions the engine builds the margin function's input
//!   (`clearing_core::MarginInput`'s layout, through
//!   `clearing_core::trading::option_margin::RowsAnswer`) and MarginMath answers the
//!   requirements and the options' marks (`requirements`) and the Greeks (`greeks`); `k` comes
//!   from the RiskEngine's `haircutParameters`. Equity adds the options' marks and the owed
//!   settlement value.
//!
//! Call graph: `MarginEngine -> {Clearinghouse -> PerpMarkets, OptionBook -> {OptionMarkets,
//! RiskModule}, RiskEngine -> {vault, RiskModule -> feeds}, MarginMath}` (views), and
//! `MarginEngine -> OptionMarkets` for the governed portfolio minimum equity when an account
//! switches to portfolio mode; nothing calls back into it. The callees' views are called with
//! hand-encoded arguments and their answers read by word (smaller than the generated
//! interfaces); their reverts pass through unchanged, and an answer that does not fit (or a
//! callee that cannot be called) is `RiskCallFailed` naming the callee.
//!
//! It keeps one setting per sub-account: its margin mode (DESIGN section 7, "Modes"). Cross
//! mode is the default; the owner opts into portfolio mode (correlation credit across
//! underlyings) with [`MarginEngine::set_margin_mode`], and every health check of the system
//! (fills, withdrawals, transfers, liquidations, the views) goes through
//! [`MarginEngine::health`], which applies the account's mode.
//!
//! It is a contract of its own because the margin arithmetic does not fit in
//! the RiskModule's 24 KiB next to the oracle adapters.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

use alloc::{vec, vec::Vec};
use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::{sol, SolError, SolEvent};
use clearing_core::trading::option_margin::RowsAnswer;
use clearing_core::{
    check_mode_switch, delta_one_requirements, equity, margin_input_len, Correlations, EquityRow,
    Exposure, MarginMode, ModeSwitchError, OptionParam, MAX_BUCKETS, MAX_UNDERLYINGS,
};
use raw_abi::{encode, selector, with_selector, word, word_of};
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap},
};

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
    /// The risk module or the risk engine answered with data this contract
    /// cannot use, or could not be called.
    #[derive(Debug, PartialEq, Eq)]
    error RiskCallFailed(address risk);
    /// Portfolio mode needs equity of at least `minimum` (WAD quote).
    #[derive(Debug, PartialEq, Eq)]
    error PortfolioEquityTooLow(int256 equity, uint256 minimum);
    /// After the switch the account's initial requirement would exceed its equity.
    #[derive(Debug, PartialEq, Eq)]
    error ModeSwitchUnhealthy(int256 equity, uint256 initial);

    /// The owner of `account` switched it to portfolio mode (`portfolio`) or back to cross mode.
    event MarginModeSet(bytes32 indexed account, bool portfolio);
}

/// Errors of the margin engine's own checks. A risk-module revert (an
/// unknown asset, a stale price) is returned unchanged instead, so callers
/// see the original custom error. The contract encodes these by hand (every field is a static
/// word), which is smaller than the generated encoders; the enum names them for Rust callers.
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
    /// See [`PortfolioEquityTooLow`].
    PortfolioEquityTooLow(PortfolioEquityTooLow),
    /// See [`ModeSwitchUnhealthy`].
    ModeSwitchUnhealthy(ModeSwitchUnhealthy),
}

// Views called with hand-encoded arguments and read by word (smaller than generated
// interfaces): the Clearinghouse's `book`, the RiskEngine's `exposures`, OptionMarkets' governed option parameters (the portfolio minimum equity), the
// RiskEngine's `k` (the first word of `haircutParameters`), the OptionBook's answer for the
// margin and MarginMath's requirements and Greeks.
const BOOK: [u8; 4] = selector(b"book(bytes32)");
const EXPOSURES: [u8; 4] = selector(b"exposures(bytes32,address[])");
const OPTION_PARAMETER: [u8; 4] = selector(b"optionParameter(uint8)");
const HAIRCUT_PARAMETERS: [u8; 4] = selector(b"haircutParameters()");
const MARGIN_ROWS: [u8; 4] = selector(b"marginRows(bytes32)");
const REQUIREMENTS: [u8; 4] = selector(b"requirements(bytes,bool)");
const GREEKS: [u8; 4] = selector(b"greeks(bytes)");

/// The margin engine contract.
#[storage]
#[entrypoint]
pub struct MarginEngine {
    risk: StorageAddress,
    engine: StorageAddress,
    clearinghouse: StorageAddress,
    /// OptionMarkets: the governed option parameters (the portfolio minimum equity).
    options: StorageAddress,
    /// OptionBook: the accounts' option positions.
    option_book: StorageAddress,
    /// MarginMath: the stateless margin function with options.
    math: StorageAddress,
    /// Sub-accounts in portfolio mode.
    portfolio: StorageMap<B256, StorageBool>,
}

#[public]
impl MarginEngine {
    /// Wires the risk module, the risk engine, the clearinghouse (the
    /// position ledger [`Self::health`] reads), OptionMarkets (the governed
    /// option parameters [`Self::set_margin_mode`] reads), the OptionBook (the
    /// option positions) and MarginMath (the margin function with options).
    #[constructor]
    pub fn constructor(
        &mut self,
        risk: Address,
        risk_engine: Address,
        clearinghouse: Address,
        option_markets: Address,
        option_book: Address,
        margin_math: Address,
    ) {
        self.risk.set(risk);
        self.engine.set(risk_engine);
        self.clearinghouse.set(clearinghouse);
        self.options.set(option_markets);
        self.option_book.set(option_book);
        self.math.set(margin_math);
    }

    /// The wired OptionBook.
    pub fn option_book(&self) -> Address {
        self.option_book.get()
    }

    /// The wired MarginMath.
    pub fn margin_math(&self) -> Address {
        self.math.get()
    }

    /// The wired OptionMarkets.
    pub fn option_markets(&self) -> Address {
        self.options.get()
    }

    /// The wired clearinghouse.
    pub fn clearinghouse(&self) -> Address {
        self.clearinghouse.get()
    }

    /// Health of `account` (DESIGN section 7) with its perp positions read from
    /// the clearinghouse: `(equity, maintenanceRequirement,
    /// initialRequirement)`, WAD quote, in the account's margin mode. Equity counts
    /// collateral at oracle price, the signed quote balance, unrealised PnL,
    /// pending funding, the marks of its option positions (longs marked down, shorts up) and
    /// what its expired, settled series will pay or receive; maintenance health is
    /// `equity - maintenance`.
    ///
    /// # Errors
    /// As [`Self::health_with`], plus the clearinghouse's errors unchanged.
    pub fn health(&self, account: B256) -> Result<(I256, U256, U256), Vec<u8>> {
        let (_, underlyings, sizes, _, _, costs) = self.book(account)?;
        let portfolio = self.portfolio.get(account);
        self.health_with(account, underlyings, sizes, costs, portfolio)
    }

    /// Switches the caller's sub-account `subaccount` to portfolio mode (`portfolio`) or back
    /// to cross mode (DESIGN section 7, "Modes"). Only the owner can: the account is the
    /// caller's own, so an operator the owner approved on the Exchange switches nothing of the
    /// owner's. Portfolio mode needs equity of at least the portfolio minimum equity (the
    /// governed `OptionParam::PortfolioMinEquity`, read from OptionMarkets; 10,000 quote by
    /// default); any switch needs initial health >= 0 in the new mode. Setting the mode the account already has changes nothing
    /// and emits nothing. Emits `MarginModeSet`.
    ///
    /// # Errors
    /// [`PortfolioEquityTooLow`]; [`ModeSwitchUnhealthy`]; the errors of [`Self::health`];
    /// OptionMarkets' revert unchanged, or [`RiskCallFailed`] naming it when it cannot be
    /// called (a switch to portfolio mode only).
    pub fn set_margin_mode(&mut self, subaccount: u8, portfolio: bool) -> Result<(), Vec<u8>> {
        let account = clearing_core::encode_account(self.vm().msg_sender(), subaccount);
        if self.portfolio.get(account) == portfolio {
            return Ok(());
        }
        let (_, underlyings, sizes, _, _, costs) = self.book(account)?;
        let (_, _, eq, _, im) = self.evaluate(account, underlyings, sizes, costs, portfolio)?;
        let (to, minimum) = if portfolio {
            (
                MarginMode::Portfolio,
                self.option_parameter(OptionParam::PortfolioMinEquity)?,
            )
        } else {
            (MarginMode::Cross, U256::ZERO)
        };
        check_mode_switch(to, eq, minimum, im).map_err(|e| match e {
            ModeSwitchError::BelowMinimumEquity => {
                with_selector(PortfolioEquityTooLow::SELECTOR, &[eq.into_raw(), minimum])
            }
            ModeSwitchError::InitialHealthNegative => {
                with_selector(ModeSwitchUnhealthy::SELECTOR, &[eq.into_raw(), im])
            }
        })?;
        self.portfolio.setter(account).set(portfolio);
        let _ = self.vm().raw_log(
            &[MarginModeSet::SIGNATURE_HASH, account],
            &encode(&[U256::from(portfolio)]),
        );
        Ok(())
    }

    /// Whether `account` is in portfolio mode (otherwise cross mode, the default).
    pub fn margin_mode(&self, account: B256) -> bool {
        self.portfolio.get(account)
    }

    /// The Greeks of `account` per underlying it is exposed to (DESIGN section 7):
    /// `(underlyings, delta, gamma, vega)`, one entry per row the margin function prices (its
    /// collateral, then the underlyings of its positions). Delta is spot plus perps plus the
    /// options' deltas in base units (WAD, signed); gamma (per quote unit of price move, WAD)
    /// and vega (per volatility point, WAD quote) come from its option positions, through
    /// MarginMath's `greeks` (zero without options).
    ///
    /// # Errors
    /// As [`Self::health`], plus MarginMath's errors unchanged (or [`RiskCallFailed`] naming
    /// it).
    #[allow(clippy::type_complexity)]
    pub fn greeks(
        &self,
        account: B256,
    ) -> Result<(Vec<Address>, Vec<I256>, Vec<I256>, Vec<I256>), Vec<u8>> {
        let (_, underlyings, sizes, _, _, costs) = self.book(account)?;
        let p = self.price(account, underlyings, sizes, costs)?;
        let n = p.assets.len();
        let mut out = [
            p.exposures
                .iter()
                .map(|e| add(e.spot, e.perp))
                .collect::<Result<Vec<I256>, _>>()?,
            vec![I256::ZERO; n],
            vec![I256::ZERO; n],
        ];
        if let Some((_, input)) = p.options.as_ref().filter(|(_, i)| !i.is_empty()) {
            let math_at = self.math.get();
            let mut data = with_selector(GREEKS, &[U256::from(32u8), U256::from(input.len())]);
            data.extend_from_slice(input);
            let answer = self.call_view(math_at, &data)?;
            // Three dynamic arrays of n words each.
            for (k, column) in out.iter_mut().enumerate() {
                let words = array(&answer, k, math_at)?;
                if words.len() != n {
                    return Err(call_failed(math_at));
                }
                *column = words.into_iter().map(I256::from_raw).collect();
            }
        }
        let [delta, gamma, vega] = out;
        Ok((p.assets, delta, gamma, vega))
    }

    /// The wired risk module.
    pub fn risk_module(&self) -> Address {
        self.risk.get()
    }

    /// The wired risk engine.
    pub fn risk_engine(&self) -> Address {
        self.engine.get()
    }

    /// Everything about `account` in one call, for keepers and UIs: its
    /// positions `(markets, sizes, openNotionals, pendingFunding)` from the
    /// clearinghouse, its collateral `(assets, amounts)` from the risk engine
    /// (signed WAD; the quote asset's amount includes the signed quote
    /// balance), its health `(equity, maintenance, initial)` as
    /// [`Self::health`] gives it, and its margin mode (`portfolio`).
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
            U256,
            U256,
            bool,
        ),
        Vec<u8>,
    > {
        let (markets, underlyings, sizes, notionals, pending, costs) = self.book(account)?;
        let portfolio = self.portfolio.get(account);
        let (assets, amounts, eq, mm, im) =
            self.evaluate(account, underlyings, sizes.clone(), costs, portfolio)?;
        Ok((
            markets, sizes, notionals, pending, assets, amounts, eq, mm, im, portfolio,
        ))
    }

    /// Equity and requirements of `account` (DESIGN section 7): its
    /// collateral exposures from the RiskEngine (the quote asset's includes
    /// the signed quote balance) merged with the perp positions passed in,
    /// one entry per position: `underlyings[i]`, signed `sizes[i]` (WAD base
    /// units) and `costs[i]`, the basis net of pending funding (see
    /// `clearing_core::position_cost`). Several positions on one underlying
    /// add up. The account's option positions (always its own, from the OptionBook) join as
    /// [`Self::health`] says. Everything is marked at the risk module's prices; equity rounds
    /// down and requirements up. Returns `(equity, maintenance, initial)`.
    ///
    /// # Errors
    /// [`LengthMismatch`]; [`TooManyUnderlyings`] when collateral and
    /// underlyings (of perps and options) together exceed 8 entries; [`MathError`]; the
    /// OptionBook's, risk engine's, risk module's and MarginMath's errors unchanged
    /// (`UnknownAsset`, every price error, MarginMath's input and math errors);
    /// [`RiskCallFailed`] naming the callee when its answer does not fit or it cannot be
    /// called.
    pub fn health_with(
        &self,
        account: B256,
        underlyings: Vec<Address>,
        sizes: Vec<I256>,
        costs: Vec<I256>,
        portfolio: bool,
    ) -> Result<(I256, U256, U256), Vec<u8>> {
        let (_, _, eq, mm, im) = self.evaluate(account, underlyings, sizes, costs, portfolio)?;
        Ok((eq, mm, im))
    }
}

impl MarginEngine {
    /// The governed value of `param` from OptionMarkets: its revert unchanged, or
    /// [`RiskCallFailed`] naming it when the answer is not one word.
    fn option_parameter(&self, param: OptionParam) -> Result<U256, Vec<u8>> {
        let options = self.options.get();
        let answer = self.call_view(
            options,
            &with_selector(OPTION_PARAMETER, &[U256::from(param as u8)]),
        )?;
        if answer.len() != 32 {
            return Err(call_failed(options));
        }
        answer_word(&answer, 0, options)
    }

    /// The account's book from the Clearinghouse (one decoder for every caller).
    #[allow(clippy::type_complexity)]
    #[inline(never)]
    fn book(
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
        let ch = self.clearinghouse.get();
        let out = self.call_view(ch, &with_selector(BOOK, &[account.into()]))?;
        let signed = |k| -> Result<Vec<I256>, Vec<u8>> {
            Ok(array(&out, k, ch)?
                .into_iter()
                .map(I256::from_raw)
                .collect())
        };
        let markets = array(&out, 0, ch)?
            .into_iter()
            .map(|w| u32::try_from(w).map_err(|_| call_failed(ch)))
            .collect::<Result<Vec<u32>, _>>()?;
        let underlyings = array(&out, 1, ch)?
            .into_iter()
            .map(|w| Address::from_word(w.into()))
            .collect();
        Ok((
            markets,
            underlyings,
            signed(2)?,
            signed(3)?,
            signed(4)?,
            signed(5)?,
        ))
    }

    /// The account's collateral rows `(assets, amounts)` and its
    /// `(equity, maintenance, initial)`; see [`Self::health_with`].
    #[allow(clippy::type_complexity)]
    #[inline(never)]
    fn evaluate(
        &self,
        account: B256,
        underlyings: Vec<Address>,
        sizes: Vec<I256>,
        costs: Vec<I256>,
        portfolio: bool,
    ) -> Result<(Vec<Address>, Vec<I256>, I256, U256, U256), Vec<u8>> {
        let mut p = self.price(account, underlyings, sizes, costs)?;
        let (mut eq, mm, im) = match &p.options {
            // With options: the whole margin function, in MarginMath.
            Some((_, input)) if !input.is_empty() => {
                let math_at = self.math.get();
                let mut data =
                    with_selector(REQUIREMENTS, &[U256::from(64u8), U256::from(portfolio)]);
                data.extend_from_slice(&encode(&[U256::from(input.len())]));
                data.extend_from_slice(input);
                let out = self.call_view(math_at, &data)?;
                let w = |i| answer_word(&out, i, math_at);
                let value = I256::from_raw(w(3)?);
                (add(p.equity, value)?, w(0)?, w(1)?)
            }
            _ => {
                let mode = if portfolio {
                    MarginMode::Portfolio
                } else {
                    MarginMode::Cross
                };
                let r = delta_one_requirements(&p.exposures, &p.corr, p.mmf, p.init_ratio, mode)
                    .map_err(math)?;
                (p.equity, r.maintenance, r.initial)
            }
        };
        if let Some((owed, _)) = &p.options {
            eq = add(eq, *owed)?;
        }
        p.assets.truncate(p.held);
        let mut spot: Vec<I256> = p.exposures.iter().map(|e| e.spot).collect();
        spot.truncate(p.held);
        Ok((p.assets, spot, eq, mm, im))
    }

    /// The account's rows priced by one `RiskEngine.exposures` answer (its collateral, its perp
    /// positions passed in and its option positions' underlyings), its delta-one equity and,
    /// when it holds option series, the OptionBook's `marginRows` answer with the margin
    /// function's input built from it.
    #[inline(never)]
    fn price(
        &self,
        account: B256,
        underlyings: Vec<Address>,
        sizes: Vec<I256>,
        costs: Vec<I256>,
    ) -> Result<Priced, Vec<u8>> {
        let n = underlyings.len();
        if sizes.len() != n || costs.len() != n {
            return Err(LengthMismatch::SELECTOR.to_vec());
        }
        let raw = self.option_rows(account)?;
        let book = self.option_book.get();
        let options = match &raw {
            Some(d) => Some(RowsAnswer::parse(&d[64..]).map_err(|_| call_failed(book))?),
            None => None,
        };
        // The positions' distinct underlyings, then the options'; the engine adds those it
        // does not hold.
        let mut wanted: Vec<Address> = Vec::with_capacity(n);
        for u in underlyings
            .iter()
            .copied()
            .chain(options.iter().flat_map(|r| r.underlyings()))
        {
            if !wanted.contains(&u) {
                wanted.push(u);
            }
        }
        if wanted.len() > MAX_UNDERLYINGS {
            return Err(too_many(wanted.len()));
        }
        let engine = self.engine.get();
        // exposures(bytes32 account, address[] underlyings), encoded and read by hand.
        let mut args = vec![account.into(), U256::from(64u8), U256::from(wanted.len())];
        args.extend(wanted.iter().map(|a| word_of(*a)));
        let out = self.call_view(engine, &with_selector(EXPOSURES, &args))?;
        let column = |k| array(&out, k, engine);
        let assets: Vec<Address> = column(0)?
            .iter()
            .map(|w| Address::from_word((*w).into()))
            .collect();
        let spot = column(1)?;
        let prices = column(2)?;
        let maint = column(3)?;
        let init = column(4)?;
        let buckets = column(5)?;
        let depths = column(6)?;
        let intra = column(7)?;
        let w = |i| head(&out, i, engine);
        let (inter, mmf, held, init_ratio) = (w(8)?, w(9)?, w(10)?, w(11)?);
        let rows = assets.len();
        let held = usize::try_from(held).unwrap_or(usize::MAX);
        if spot.len() != rows
            || prices.len() != rows
            || maint.len() != rows
            || init.len() != rows
            || buckets.len() != rows
            || depths.len() != rows
            || intra.len() != MAX_BUCKETS
            || held > rows
        {
            return Err(call_failed(engine));
        }
        if rows > MAX_UNDERLYINGS {
            return Err(too_many(rows));
        }
        let spot: Vec<I256> = spot.into_iter().map(I256::from_raw).collect();
        // Index of each position's underlying among the rows.
        let mut perp = vec![I256::ZERO; rows];
        let mut at = Vec::with_capacity(n);
        for (u, size) in underlyings.iter().zip(&sizes) {
            let i = assets
                .iter()
                .position(|a| a == u)
                .ok_or_else(|| call_failed(engine))?;
            perp[i] = clearing_core::add_signed(perp[i], *size).map_err(math)?;
            at.push(i);
        }
        let mut corr = Correlations {
            intra: [U256::ZERO; MAX_BUCKETS],
            inter,
        };
        corr.intra.copy_from_slice(&intra);
        let mut exposures: Vec<Exposure> = Vec::with_capacity(rows);
        for i in 0..rows {
            exposures.push(Exposure {
                bucket: u8::try_from(buckets[i]).map_err(|_| call_failed(engine))?,
                spot: spot[i],
                perp: perp[i],
                price: prices[i],
                maint_shock: maint[i],
                init_shock: init[i],
                depth: depths[i],
            });
        }
        let equity_rows: Vec<EquityRow> = spot
            .iter()
            .zip(&prices)
            .map(|(a, p)| EquityRow {
                amount: *a,
                price: *p,
                cost: I256::ZERO,
            })
            .chain((0..n).map(|k| EquityRow {
                amount: sizes[k],
                price: prices[at[k]],
                cost: costs[k],
            }))
            .collect();
        let equity = equity(&equity_rows).map_err(math)?;
        let options = match options {
            Some(r) if r.rows_len() > 0 => {
                // k from the RiskEngine; the initial ratio and the minimum margin fraction
                // from its `exposures` answer.
                let hp = self.call_view(engine, &HAIRCUT_PARAMETERS)?;
                let head = [answer_word(&hp, 0, engine)?, init_ratio, mmf];
                let mut input = vec![0u8; margin_input_len(rows, r.rows_len())];
                r.input(&assets, &exposures, &corr, head, &mut input)
                    .map_err(|_| call_failed(engine))?;
                Some((r.owed(), input))
            }
            other => other.map(|r| (r.owed(), Vec::new())),
        };
        Ok(Priced {
            assets,
            exposures,
            corr,
            mmf,
            init_ratio,
            held,
            equity,
            options,
        })
    }

    /// The OptionBook's `marginRows` answer for `account` (its ABI encoding: the words start
    /// at byte 64), `None` when it holds no series (or no OptionBook is wired).
    fn option_rows(&self, account: B256) -> Result<Option<Vec<u8>>, Vec<u8>> {
        let book = self.option_book.get();
        if book.is_zero() {
            return Ok(None);
        }
        let out = self.call_view(book, &with_selector(MARGIN_ROWS, &[account.into()]))?;
        // One dynamic array: its offset, its length, its words.
        let len = answer_word(&out, 1, book)?;
        if answer_word(&out, 0, book)? != U256::from(32u8) {
            return Err(call_failed(book));
        }
        if U256::from(out.len()) != U256::from(64u8) + len * U256::from(32u8) {
            return Err(call_failed(book));
        }
        Ok(if len.is_zero() { None } else { Some(out) })
    }

    /// `callee`'s answer to the view call `data`; its revert unchanged, or [`RiskCallFailed`]
    /// naming it when it cannot be called.
    fn call_view(&self, callee: Address, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        stylus_sdk::call::static_call(self, callee, data).map_err(|e| passthrough(e, callee))
    }
}

/// An account's rows priced at one set of oracle prices (see [`MarginEngine::price`]).
struct Priced {
    /// Every row's asset: the collateral rows (the first `held`), then the underlyings.
    assets: Vec<Address>,
    exposures: Vec<Exposure>,
    corr: Correlations,
    mmf: U256,
    init_ratio: U256,
    held: usize,
    /// Equity without options: collateral, quote balance, unrealised PnL, pending funding.
    equity: I256,
    /// The OptionBook's owed value and, when it has option rows, the margin function's input
    /// (empty otherwise).
    options: Option<(I256, Vec<u8>)>,
}

/// Word `i` of `callee`'s answer, or [`RiskCallFailed`] naming it when the answer is shorter.
fn answer_word(out: &[u8], i: usize, callee: Address) -> Result<U256, Vec<u8>> {
    word(out, i).ok_or_else(|| call_failed(callee))
}

/// Head word `i` of `callee`'s answer `out` of several values with a dynamic member, or
/// [`RiskCallFailed`] naming it when the answer is too short. stylus-sdk 0.9 answers such a
/// list as one tuple (a leading offset word, 0x20, then the head, offsets counted from there);
/// a Solidity answer starts with its head (its first offset is at least 0x40): both are read.
fn head(out: &[u8], i: usize, callee: Address) -> Result<U256, Vec<u8>> {
    let skip = usize::from(answer_word(out, 0, callee)? == U256::from(32u8));
    answer_word(out, skip + i, callee)
}

/// The words of dynamic array `k` of `callee`'s answer `out` of several values (head word `k`
/// holds its offset, see [`head`]), or [`RiskCallFailed`] naming it when the answer is too
/// short.
#[inline(never)]
fn array(out: &[u8], k: usize, callee: Address) -> Result<Vec<U256>, Vec<u8>> {
    let small = |v: U256| usize::try_from(v).map_err(|_| call_failed(callee));
    let at = small(head(out, k, callee)?)? / 32;
    let len = small(head(out, at, callee)?)?;
    (1..=len).map(|i| head(out, at + i, callee)).collect()
}

fn add(a: I256, b: I256) -> Result<I256, Vec<u8>> {
    clearing_core::add_signed(a, b).map_err(math)
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    with_selector(MathError::SELECTOR, &[U256::from(e as u8)])
}

fn too_many(count: usize) -> Vec<u8> {
    with_selector(TooManyUnderlyings::SELECTOR, &[U256::from(count)])
}

fn call_failed(risk: Address) -> Vec<u8> {
    with_selector(RiskCallFailed::SELECTOR, &[word_of(risk)])
}

/// A callee's revert data unchanged, or [`RiskCallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => call_failed(callee),
    }
}

#[cfg(test)]
mod tests;
