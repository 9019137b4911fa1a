//! MarginEngine: the margin function of DESIGN section 7 as a view.
//!
//! The RiskModule owns prices and risk parameters; this contract turns an
//! account's exposures into maintenance and initial requirements with
//! `clearing_core::delta_one_requirements` (section 7's function for books
//! without options). It holds the addresses it reads and each sub-account's
//! margin mode.
//!
//! It composes an account's health: [`MarginEngine::health`] reads the
//! account's positions from the Clearinghouse, then everything else in one
//! call, `RiskEngine.exposures(account, underlyings)`: the collateral rows and
//! a row per position underlying, with prices, haircuts, buckets, depths,
//! correlations and the minimum margin fraction from one
//! `RiskModule.marginInputs` answer (each feed read once per evaluation), and
//! marks everything at that one set of oracle prices. Call graph:
//! `MarginEngine -> {Clearinghouse -> PerpMarkets, RiskEngine -> {vault,
//! RiskModule -> feeds}}`, `MarginEngine -> RiskModule` for the
//! [`MarginEngine::margin`] view, and `MarginEngine -> OptionMarkets` for the
//! governed portfolio minimum equity when an account switches to portfolio
//! mode; nothing calls back into it.
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
use alloy_sol_types::sol;
use clearing_core::{
    check_mode_switch, delta_one_requirements, equity, Correlations, EquityRow, Exposure,
    MarginMode, ModeSwitchError, OptionParam, Requirements, MAX_BUCKETS, MAX_UNDERLYINGS,
};
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
    /// See [`PortfolioEquityTooLow`].
    PortfolioEquityTooLow(PortfolioEquityTooLow),
    /// See [`ModeSwitchUnhealthy`].
    ModeSwitchUnhealthy(ModeSwitchUnhealthy),
}

sol_interface! {
    /// The risk module view this contract reads.
    interface IRiskModule {
        function marginInputs(address[] assets) external view returns (uint256[], uint8[], uint256[], uint256[], uint256, uint256, uint256[]);
    }

    /// The risk engine views this contract reads.
    interface IRiskEngine {
        function exposures(bytes32 account, address[] underlyings) external view returns (address[], int256[], uint256[], uint256[], uint256[], uint8[], uint256[], uint256[], uint256, uint256, uint256, uint256);
        function haircutParameters() external view returns (uint256, uint256, uint64, uint256);
    }

    /// The clearinghouse view this contract reads.
    interface IClearinghouse {
        function book(bytes32 account) external view returns (uint32[], address[], int256[], int256[], int256[], int256[]);
    }
}

sol! {
    /// The OptionMarkets view this contract reads (the governed option parameters), encoded by
    /// hand in [`MarginEngine::option_parameter`] (one static word in, one out).
    function optionParameter(uint8 code) external view returns (uint256);
}

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

    /// Health of `account` (DESIGN section 7) with its positions read from
    /// the clearinghouse: `(equity, maintenanceRequirement,
    /// initialRequirement)`, WAD quote, in the account's margin mode. Equity counts
    /// collateral at oracle price, the signed quote balance, unrealised PnL
    /// and pending funding; maintenance health is `equity - maintenance`.
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
                MarginError::PortfolioEquityTooLow(PortfolioEquityTooLow {
                    equity: eq,
                    minimum,
                })
            }
            ModeSwitchError::InitialHealthNegative => {
                MarginError::ModeSwitchUnhealthy(ModeSwitchUnhealthy {
                    equity: eq,
                    initial: im,
                })
            }
        })?;
        self.portfolio.setter(account).set(portfolio);
        log(self.vm(), MarginModeSet { account, portfolio });
        Ok(())
    }

    /// Whether `account` is in portfolio mode (otherwise cross mode, the default).
    pub fn margin_mode(&self, account: B256) -> bool {
        self.portfolio.get(account)
    }

    /// The Greeks of `account` per underlying it is exposed to (DESIGN section 7):
    /// `(underlyings, delta, gamma, vega)`; delta is spot plus perps in base units (WAD,
    /// signed). Gamma and vega are zero: the account's books hold no options.
    ///
    /// # Errors
    /// As [`Self::health`].
    #[allow(clippy::type_complexity)]
    pub fn greeks(
        &self,
        account: B256,
    ) -> Result<(Vec<Address>, Vec<I256>, Vec<I256>, Vec<I256>), Vec<u8>> {
        let (_, underlyings, sizes, _, _, costs) = self.book(account)?;
        let (assets, spot, _, _, _) =
            self.evaluate(account, underlyings.clone(), sizes.clone(), costs, false)?;
        let mut delta = spot;
        let mut names = assets;
        for (u, size) in underlyings.iter().zip(&sizes) {
            match names.iter().position(|a| a == u) {
                Some(i) => delta[i] = clearing_core::add_signed(delta[i], *size).map_err(math)?,
                None => {
                    names.push(*u);
                    delta.push(*size);
                }
            }
        }
        let zeros = vec![I256::ZERO; names.len()];
        Ok((names, delta, zeros.clone(), zeros))
    }

    /// The wired risk module.
    pub fn risk_module(&self) -> Address {
        self.risk.get()
    }

    /// The wired risk engine.
    pub fn risk_engine(&self) -> Address {
        self.engine.get()
    }

    /// Maintenance and initial requirements (WAD quote, rounded up) and the
    /// gross perp notional of a portfolio, per DESIGN section 7.
    ///
    /// One entry per underlying: `spot` is the signed spot holding and `perp`
    /// the signed perp size (WAD base units); `maint_shocks` / `init_shocks`
    /// are the asset's maintenance and initial haircuts (from the vault).
    /// Prices, buckets, depths, correlations and the minimum margin fraction
    /// come from the risk module, the initial / maintenance ratio (the initial
    /// floor's multiple) from the risk engine. `portfolio` selects the bucketed-correlation
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
        let (r, _) = self.requirements(assets, spot, perp, maint_shocks, init_shocks, portfolio)?;
        Ok((r.maintenance, r.initial, r.gross_notional))
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
    /// add up. Everything is marked at the risk module's prices; equity rounds
    /// down and requirements up. Returns `(equity, maintenance, initial)`.
    ///
    /// # Errors
    /// [`LengthMismatch`]; [`TooManyUnderlyings`] when collateral and
    /// underlyings together exceed 8 entries; [`MathError`]; the risk
    /// engine's and risk module's errors unchanged (`UnknownAsset`, every
    /// price error); [`RiskCallFailed`] when a callee's answer does not fit.
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
        use alloy_sol_types::SolCall;
        let options = self.options.get();
        let mut data = optionParameterCall::SELECTOR.to_vec();
        data.extend_from_slice(&U256::from(param as u8).to_be_bytes::<32>());
        let answer = stylus_sdk::call::static_call(self, options, &data)
            .map_err(|e| passthrough(e, options))?;
        let word: [u8; 32] = answer
            .as_slice()
            .try_into()
            .map_err(|_| call_failed(options))?;
        Ok(U256::from_be_bytes(word))
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
        IClearinghouse::new(ch)
            .book(self, account)
            .map_err(|e| passthrough(e, ch))
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
        let n = underlyings.len();
        if sizes.len() != n || costs.len() != n {
            return Err(MarginError::LengthMismatch(LengthMismatch {}).into());
        }
        // The positions' distinct underlyings; the engine adds those it does not hold.
        let mut wanted: Vec<Address> = Vec::with_capacity(n);
        for u in &underlyings {
            if !wanted.contains(u) {
                wanted.push(*u);
            }
        }
        let engine = self.engine.get();
        let (
            mut assets,
            mut spot,
            prices,
            maint,
            init,
            buckets,
            depths,
            intra,
            inter,
            mmf,
            held,
            init_ratio,
        ) = IRiskEngine::new(engine)
            .exposures(self, account, wanted)
            .map_err(|e| passthrough(e, engine))?;
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
        let inputs = MarketInputs {
            prices: &prices,
            buckets: &buckets,
            depths: &depths,
            intra: &intra,
            inter,
            mmf,
            init_ratio,
        };
        let r = requirements_at(&inputs, &spot, &perp, &maint, &init, portfolio)?;
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
        let eq = equity(&equity_rows).map_err(math)?;
        assets.truncate(held);
        spot.truncate(held);
        Ok((assets, spot, eq, r.maintenance, r.initial))
    }

    /// Requirements of the given exposures and the prices they were marked at.
    fn requirements(
        &self,
        assets: Vec<Address>,
        spot: Vec<I256>,
        perp: Vec<I256>,
        maint_shocks: Vec<U256>,
        init_shocks: Vec<U256>,
        portfolio: bool,
    ) -> Result<(Requirements, Vec<U256>), Vec<u8>> {
        let n = assets.len();
        if n > MAX_UNDERLYINGS {
            return Err(too_many(n));
        }
        let risk = self.risk.get();
        let (prices, buckets, depths, intra, inter, mmf, _) = IRiskModule::new(risk)
            .margin_inputs(self, assets)
            .map_err(|e| passthrough(e, risk))?;
        if prices.len() != n
            || buckets.len() != n
            || depths.len() != n
            || intra.len() != MAX_BUCKETS
        {
            return Err(call_failed(risk));
        }
        let engine = self.engine.get();
        let (_, init_ratio, _, _) = IRiskEngine::new(engine)
            .haircut_parameters(self)
            .map_err(|e| passthrough(e, engine))?;
        let inputs = MarketInputs {
            prices: &prices,
            buckets: &buckets,
            depths: &depths,
            intra: &intra,
            inter,
            mmf,
            init_ratio,
        };
        let r = requirements_at(
            &inputs,
            &spot,
            &perp,
            &maint_shocks,
            &init_shocks,
            portfolio,
        )?;
        Ok((r, prices))
    }
}

/// The risk module's market inputs for a list of rows (one entry per row, lengths checked by
/// the caller; `intra` has one entry per bucket).
struct MarketInputs<'a> {
    prices: &'a [U256],
    buckets: &'a [u8],
    depths: &'a [U256],
    intra: &'a [U256],
    inter: U256,
    mmf: U256,
    /// The initial / maintenance ratio (the RiskEngine's), for the initial floor.
    init_ratio: U256,
}

/// The requirements of rows with signed `spot` and `perp` exposure and their maintenance and
/// initial shocks, at `m`: bucketed correlations for `portfolio`, otherwise cross mode. This is
/// section 7's margin function for books without options (`clearing_core::delta_one_requirements`
/// equals `scenario_requirements` there, a property test of the core): the initial floor is the
/// initial / maintenance ratio times the maintenance floor.
fn requirements_at(
    m: &MarketInputs<'_>,
    spot: &[I256],
    perp: &[I256],
    maint: &[U256],
    init: &[U256],
    portfolio: bool,
) -> Result<Requirements, Vec<u8>> {
    let mut corr = Correlations {
        intra: [U256::ZERO; MAX_BUCKETS],
        inter: m.inter,
    };
    corr.intra.copy_from_slice(m.intra);
    let exposures: Vec<Exposure> = (0..spot.len())
        .map(|i| Exposure {
            bucket: m.buckets[i],
            spot: spot[i],
            perp: perp[i],
            price: m.prices[i],
            maint_shock: maint[i],
            init_shock: init[i],
            depth: m.depths[i],
        })
        .collect();
    let mode = if portfolio {
        MarginMode::Portfolio
    } else {
        MarginMode::Cross
    };
    delta_one_requirements(&exposures, &corr, m.mmf, m.init_ratio, mode).map_err(math)
}

fn math(e: clearing_core::CoreError) -> Vec<u8> {
    MarginError::MathError(MathError { code: e as u8 }).into()
}

fn too_many(count: usize) -> Vec<u8> {
    MarginError::TooManyUnderlyings(TooManyUnderlyings {
        count: U256::from(count),
    })
    .into()
}

fn call_failed(risk: Address) -> Vec<u8> {
    MarginError::RiskCallFailed(RiskCallFailed { risk }).into()
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
