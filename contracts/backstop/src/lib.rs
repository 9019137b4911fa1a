//! Backstop: the last lines of defence against insolvency (DESIGN section 8).
//!
//! - [`Backstop::liquidate_collateral`] sells non-quote collateral of an
//!   account that is below maintenance and in quote debt to a keeper's
//!   sub-account at the oracle price less the liquidation penalty, as much as
//!   covers the debt: the account is credited the sale less the penalty, the
//!   keeper pays the sale less its reward, the insurance fund gets the rest
//!   (`clearing_core::collateral_sale`, exact to the wei). The same gate as
//!   for positions applies: the CircuitBreaker, no self-liquidation, the
//!   keeper stays above initial margin, the account's health improves. The
//!   breaker's rate limit (a share of perp open interest) does not throttle
//!   collateral sales; their notional still counts in its window.
//! - [`Backstop::settle_bad_debt`] closes out an account with negative equity
//!   and nothing left to liquidate: the insurance fund covers what it can;
//!   the rest is socialised over the open interest of the side that profited
//!   (the side opposite the account's last liquidated position, recorded by
//!   the Liquidator), through that side's loss index in PerpMarkets.
//! - [`Backstop::restore_liquidity`] brings quote cash back while the quote
//!   market's utilisation is above `U_hard` (DESIGN section 15): anyone
//!   repays an account's quote debt with tokens from outside and takes its
//!   collateral at the oracle price less the repay discount; the account's
//!   health must not fall.
//!
//! The penalty parameters are the Liquidator's (one place for governance).
//! Call graph: `Backstop -> {Liquidator (views), Clearinghouse (view),
//! PerpMarkets, MarginEngine, RiskEngine, RiskModule, CollateralVault,
//! CircuitBreaker, InsuranceFund, VaultPolicy (views)}`; none of them calls it.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256};
use clearing_core::{
    add_signed, collateral_sale, collateral_to_cover, mul_down, neg_signed, penalty_rate,
    to_signed, to_wad, trading::account, CoreError,
};
use stylus_sdk::{call::Call, prelude::*, storage::StorageAddress};

pub use errors::*;

/// The open-interest basis passed to the breaker for collateral sales: large
/// enough that the rate limit never binds, small enough that the breaker's
/// arithmetic on it cannot overflow.
pub const UNTHROTTLED: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);

/// The backstop contract.
#[storage]
#[entrypoint]
pub struct Backstop {
    liquidator: StorageAddress,
    clearinghouse: StorageAddress,
    markets: StorageAddress,
    margin: StorageAddress,
    engine: StorageAddress,
    risk: StorageAddress,
    vault: StorageAddress,
    breaker: StorageAddress,
    fund: StorageAddress,
    policy: StorageAddress,
}

sol_interface! {
    /// The liquidator views the backstop reads.
    interface ILiquidator {
        function parameters() external view returns (uint64, uint256, uint256);
        function lastLiquidation(bytes32 account) external view returns (bool, uint32, bool);
    }

    /// The clearinghouse view the backstop reads.
    interface IClearinghouse {
        function openMarkets(bytes32 account) external view returns (uint32[]);
    }

    /// The market registry function the backstop uses.
    interface IPerpMarkets {
        function socialize(uint32 market, bool longs_pay, uint256 amount) external returns (uint256);
    }

    /// The margin engine view the backstop reads.
    interface IMarginEngine {
        function health(bytes32 account) external view returns (int256, uint256, uint256);
    }

    /// The risk engine view the backstop reads.
    interface IRiskEngine {
        function haircut(address asset) external view returns (uint256, uint256);
    }

    /// The risk module view the backstop reads.
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
    }

    /// The vault functions the backstop uses.
    interface ICollateralVault {
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
        function transferBalance(bytes32 from, bytes32 to, address asset, uint256 amount) external;
        function holdings(bytes32 account) external view returns (address[], int256[], address, int256);
        function balanceOf(bytes32 account, address asset) external view returns (uint256);
        function assetConfig(address asset) external view returns (uint8, uint256, uint256, bool, bool);
        function quoteAsset() external view returns (address);
        function creditFrom(address payer, bytes32 account, uint256 amount) external;
    }

    /// The vault policy's restoration bounds.
    interface IVaultPolicy {
        function checkRestoration(bytes32 account, uint256 amount) external view returns (uint256);
    }

    /// The circuit breaker's gate.
    interface ICircuitBreaker {
        function checkLiquidation(address asset, uint256 notional, uint256 open_interest_notional, bool deeply_unhealthy) external;
    }

    /// The insurance fund functions the backstop uses.
    interface IInsuranceFund {
        function account() external view returns (bytes32);
        function coverBadDebt(bytes32 account, uint256 amount) external returns (uint256);
    }
}

#[public]
impl Backstop {
    /// Wires every contract the backstop calls (the vault policy for liquidity restoration).
    #[constructor]
    #[allow(clippy::too_many_arguments)]
    pub fn constructor(
        &mut self,
        liquidator: Address,
        clearinghouse: Address,
        markets: Address,
        margin_engine: Address,
        risk_engine: Address,
        risk_module: Address,
        vault: Address,
        breaker: Address,
        insurance_fund: Address,
        vault_policy: Address,
    ) {
        self.liquidator.set(liquidator);
        self.clearinghouse.set(clearinghouse);
        self.markets.set(markets);
        self.margin.set(margin_engine);
        self.engine.set(risk_engine);
        self.risk.set(risk_module);
        self.vault.set(vault);
        self.breaker.set(breaker);
        self.fund.set(insurance_fund);
        self.policy.set(vault_policy);
    }

    /// Sells (part of) `account`'s holding of the non-quote `asset` to the
    /// caller's sub-account `liquidator_subaccount` at the oracle price less
    /// the penalty, while the account is below maintenance and in quote
    /// debt: as much as covers the debt, at most `max_amount` (token units).
    /// Returns the amount sold.
    ///
    /// # Errors
    /// [`ZeroAmount`]; [`SelfLiquidation`]; [`AccountHealthy`];
    /// [`NoQuoteDebt`]; [`NoCollateral`] (the quote asset or nothing held);
    /// the circuit breaker's refusals and price errors unchanged;
    /// [`LiquidatorBelowInitialMargin`]; [`HealthNotImproved`];
    /// [`MathError`]; callee errors unchanged.
    pub fn liquidate_collateral(
        &mut self,
        account: B256,
        liquidator_subaccount: u8,
        asset: Address,
        max_amount: U256,
    ) -> Result<U256, Vec<u8>> {
        if max_amount.is_zero() {
            return Err(BackstopError::ZeroAmount(ZeroAmount {}).into());
        }
        let caller = self.vm().msg_sender();
        if account::owner(account).ok() == Some(caller) {
            return Err(BackstopError::SelfLiquidation(SelfLiquidation { account }).into());
        }
        let liquidator = account::encode(caller, liquidator_subaccount);
        let (equity, maintenance, _) = self.health(account)?;
        if !clearing_core::liquidatable(equity, maintenance) {
            return Err(BackstopError::AccountHealthy(AccountHealthy {
                account,
                equity,
                maintenance,
            })
            .into());
        }
        let vault = self.vault.get();
        let v = ICollateralVault::new(vault);
        let (_, _, quote_asset, quote) = v
            .holdings(&*self, account)
            .map_err(|e| passthrough(e, vault))?;
        if !quote.is_negative() {
            return Err(BackstopError::NoQuoteDebt(NoQuoteDebt { account }).into());
        }
        let held = v
            .balance_of(&*self, account, asset)
            .map_err(|e| passthrough(e, vault))?;
        if asset == quote_asset || held.is_zero() {
            return Err(BackstopError::NoCollateral(NoCollateral { account, asset }).into());
        }
        let (decimals, _, _, _, _) = v
            .asset_config(&*self, asset)
            .map_err(|e| passthrough(e, vault))?;
        let risk = self.risk.get();
        let price = IRiskModule::new(risk)
            .price(&*self, asset)
            .map_err(|e| passthrough(e, risk))?;
        let engine = self.engine.get();
        let (maint_shock, _) = IRiskEngine::new(engine)
            .haircut(&*self, asset)
            .map_err(|e| passthrough(e, engine))?;
        let liq = self.liquidator.get();
        let (divisor, min_penalty, keeper_share) = ILiquidator::new(liq)
            .parameters(&*self)
            .map_err(|e| passthrough(e, liq))?;
        let penalty = penalty_rate(maint_shock, divisor, min_penalty).map_err(math)?;
        let needed =
            collateral_to_cover(quote.unsigned_abs(), price, penalty, decimals).map_err(math)?;
        let amount = needed.min(held).min(max_amount);
        let value = mul_down(to_wad(amount, decimals).map_err(math)?, price).map_err(math)?;
        // The breaker's rate limit is a share of perp open interest: a
        // collateral sale is not throttled by it (the basis passed is
        // unbounded), though its notional counts in the window.
        let deep = clearing_core::liquidation::breaker::deeply_unhealthy(equity, maintenance);
        let breaker = self.breaker.get();
        ICircuitBreaker::new(breaker)
            .check_liquidation(Call::new_in(self), asset, value, UNTHROTTLED, deep)
            .map_err(|e| passthrough(e, breaker))?;
        let sale = collateral_sale(value, penalty, keeper_share).map_err(math)?;
        ICollateralVault::new(vault)
            .transfer_balance(Call::new_in(self), account, liquidator, asset, amount)
            .map_err(|e| passthrough(e, vault))?;
        let fund_account = self.fund_account()?;
        self.quote(account, to_signed(sale.account_credit).map_err(math)?)?;
        self.quote(
            liquidator,
            neg_signed(to_signed(sale.liquidator_debit).map_err(math)?).map_err(math)?,
        )?;
        self.quote(fund_account, to_signed(sale.insurance).map_err(math)?)?;
        // The keeper stays at or above initial margin.
        let (eq, _, im) = self.health(liquidator)?;
        if eq < to_signed(im).map_err(math)? {
            return Err(BackstopError::LiquidatorBelowInitialMargin(
                LiquidatorBelowInitialMargin {
                    liquidator,
                    equity: eq,
                    initial: im,
                },
            )
            .into());
        }
        // The account's maintenance health improved.
        let before = clearing_core::health(equity, maintenance).map_err(math)?;
        let afterwards = self.maintenance_health(account)?;
        if afterwards <= before {
            return Err(BackstopError::HealthNotImproved(HealthNotImproved {
                account,
                before,
                afterwards,
            })
            .into());
        }
        log(
            self.vm(),
            CollateralLiquidated {
                account,
                liquidator,
                asset,
                amount,
                price,
                accountCredit: sale.account_credit,
                liquidatorPaid: sale.liquidator_debit,
                insuranceShare: sale.insurance,
            },
        );
        Ok(amount)
    }

    /// Liquidity restoration (DESIGN section 15): while the quote market's
    /// utilisation is above `U_hard`, the caller repays `amount` (quote token
    /// units, pulled from the caller, who approved the vault) of `account`'s
    /// quote debt and receives `account`'s `asset` at the oracle price less
    /// the repay discount into its sub-account `provider_subaccount`. The
    /// vault bounds the amount by the debt and by what brings utilisation
    /// back to `U_hard`; the account's maintenance health must not fall.
    /// Returns the collateral received (token units). Emits
    /// [`LiquidityRestored`].
    ///
    /// # Errors
    /// [`ZeroAmount`] (also when the repayment buys no whole token unit);
    /// [`SelfLiquidation`]; [`NoCollateral`] (the quote asset, or none held);
    /// the vault policy's `LiquidityNotStressed` and `RepayTooLarge`, the
    /// vault's `InsufficientBalance` (the account holds less than the
    /// repayment buys), `TransferFailed`, `TooManyAssets` (the provider's
    /// sub-account) unchanged; price errors unchanged; [`HealthNotImproved`] when the
    /// account's maintenance health would fall; [`MathError`].
    pub fn restore_liquidity(
        &mut self,
        account: B256,
        provider_subaccount: u8,
        asset: Address,
        amount: U256,
    ) -> Result<U256, Vec<u8>> {
        if amount.is_zero() {
            return Err(BackstopError::ZeroAmount(ZeroAmount {}).into());
        }
        let caller = self.vm().msg_sender();
        if account::owner(account).ok() == Some(caller) {
            return Err(BackstopError::SelfLiquidation(SelfLiquidation { account }).into());
        }
        let provider = account::encode(caller, provider_subaccount);
        let vault = self.vault.get();
        let v = ICollateralVault::new(vault);
        let quote_asset = v.quote_asset(&*self).map_err(|e| passthrough(e, vault))?;
        let held = v
            .balance_of(&*self, account, asset)
            .map_err(|e| passthrough(e, vault))?;
        if asset == quote_asset || held.is_zero() {
            return Err(BackstopError::NoCollateral(NoCollateral { account, asset }).into());
        }
        let (decimals, _, _, _, _) = v
            .asset_config(&*self, asset)
            .map_err(|e| passthrough(e, vault))?;
        let (quote_decimals, _, _, _, _) = v
            .asset_config(&*self, quote_asset)
            .map_err(|e| passthrough(e, vault))?;
        // The policy bounds the repayment (utilisation above U_hard, at most the debt and
        // what brings utilisation back to U_hard) and names the discount.
        let policy = self.policy.get();
        let discount = IVaultPolicy::new(policy)
            .check_restoration(&*self, account, amount)
            .map_err(|e| passthrough(e, policy))?;
        let risk = self.risk.get();
        let price = IRiskModule::new(risk)
            .price(&*self, asset)
            .map_err(|e| passthrough(e, risk))?;
        let repaid = to_wad(amount, quote_decimals).map_err(math)?;
        // What the repayment buys rounds down (a payout), in token units too.
        let quantity =
            clearing_core::vault::money_market::repay_collateral(repaid, price, discount)
                .map_err(math)?;
        let quantity = clearing_core::from_wad_down(quantity, decimals).map_err(math)?;
        if quantity.is_zero() {
            return Err(BackstopError::ZeroAmount(ZeroAmount {}).into());
        }
        let before = self.maintenance_health(account)?;
        ICollateralVault::new(vault)
            .credit_from(Call::new_in(self), caller, account, amount)
            .map_err(|e| passthrough(e, vault))?;
        ICollateralVault::new(vault)
            .transfer_balance(Call::new_in(self), account, provider, asset, quantity)
            .map_err(|e| passthrough(e, vault))?;
        let afterwards = self.maintenance_health(account)?;
        if afterwards < before {
            return Err(BackstopError::HealthNotImproved(HealthNotImproved {
                account,
                before,
                afterwards,
            })
            .into());
        }
        log(
            self.vm(),
            LiquidityRestored {
                account,
                provider,
                asset,
                repaid: amount,
                amount: quantity,
                price,
            },
        );
        Ok(quantity)
    }

    /// Settles the bad debt of an account with negative equity and nothing
    /// left to liquidate (no positions, no non-quote collateral): the
    /// insurance fund covers what it can, the rest is socialised over the
    /// open interest of the side that profited from the account's last
    /// liquidated position, and the account's quote balance is brought back
    /// to zero equity. Permissionless. Returns `(covered, socialised)`.
    ///
    /// # Errors
    /// [`StillLiquidatable`]; [`NoBadDebt`]; [`NoMarketToSocialise`]; the
    /// fund's and PerpMarkets' errors unchanged (no open interest to charge:
    /// PerpMarkets' `MathError`); [`MathError`].
    pub fn settle_bad_debt(&mut self, account: B256) -> Result<(U256, U256), Vec<u8>> {
        let ch = self.clearinghouse.get();
        let open = IClearinghouse::new(ch)
            .open_markets(&*self, account)
            .map_err(|e| passthrough(e, ch))?;
        if !open.is_empty() {
            return Err(BackstopError::StillLiquidatable(StillLiquidatable { account }).into());
        }
        let vault = self.vault.get();
        let (assets, amounts, quote_asset, quote) = ICollateralVault::new(vault)
            .holdings(&*self, account)
            .map_err(|e| passthrough(e, vault))?;
        let mut equity = quote;
        for (a, amount) in assets.iter().zip(&amounts) {
            if *a != quote_asset {
                return Err(BackstopError::StillLiquidatable(StillLiquidatable { account }).into());
            }
            // The quote asset's tokens count at par against its debt.
            equity = add_signed(equity, *amount).map_err(math)?;
        }
        if !equity.is_negative() {
            return Err(BackstopError::NoBadDebt(NoBadDebt { account, equity }).into());
        }
        let deficit = equity.unsigned_abs();
        let fund = self.fund.get();
        let covered = IInsuranceFund::new(fund)
            .cover_bad_debt(Call::new_in(self), account, deficit)
            .map_err(|e| passthrough(e, fund))?;
        let rest = deficit.saturating_sub(covered);
        let mut market = 0u32;
        let mut longs_pay = false;
        if !rest.is_zero() {
            let liq = self.liquidator.get();
            let (liquidated, last_market, was_long) = ILiquidator::new(liq)
                .last_liquidation(&*self, account)
                .map_err(|e| passthrough(e, liq))?;
            if !liquidated {
                return Err(BackstopError::NoMarketToSocialise(NoMarketToSocialise {
                    account,
                    amount: rest,
                })
                .into());
            }
            // The side opposite the account's position profited from its loss.
            market = last_market;
            longs_pay = !was_long;
            let registry = self.markets.get();
            IPerpMarkets::new(registry)
                .socialize(Call::new_in(self), market, longs_pay, rest)
                .map_err(|e| passthrough(e, registry))?;
            self.quote(account, to_signed(rest).map_err(math)?)?;
        }
        log(
            self.vm(),
            BadDebtSettled {
                account,
                deficit,
                covered,
                socialised: rest,
                market,
                longsPay: longs_pay,
            },
        );
        Ok((covered, rest))
    }
}

impl Backstop {
    fn health(&self, account: B256) -> Result<(I256, U256, U256), Vec<u8>> {
        let margin = self.margin.get();
        IMarginEngine::new(margin)
            .health(self, account)
            .map_err(|e| passthrough(e, margin))
    }

    /// `equity - maintenance` of `account` (`clearing_core::health`).
    fn maintenance_health(&self, account: B256) -> Result<I256, Vec<u8>> {
        let (equity, maintenance, _) = self.health(account)?;
        clearing_core::health(equity, maintenance).map_err(math)
    }

    fn fund_account(&self) -> Result<B256, Vec<u8>> {
        let fund = self.fund.get();
        IInsuranceFund::new(fund)
            .account(self)
            .map_err(|e| passthrough(e, fund))
    }

    fn quote(&mut self, account: B256, delta: I256) -> Result<(), Vec<u8>> {
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

fn math(e: CoreError) -> Vec<u8> {
    BackstopError::MathError(MathError { code: e as u8 }).into()
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => BackstopError::CallFailed(CallFailed { callee }).into(),
    }
}
