//! Liquidator: permissionless liquidation of unhealthy sub-accounts, the
//! liquidation penalty, and bad debt (DESIGN section 8).
//!
//! Keepers call [`Liquidator::liquidate`] for a perp position (the Backstop
//! contract sells non-quote collateral of accounts in quote debt and settles
//! bad debt, with the same checks). The sequence:
//!
//! 1. the liquidator's sub-account is the caller's and has another owner than
//!    the liquidated account (no self-liquidation);
//! 2. the account's maintenance health is negative (prices must be usable:
//!    stale or out-of-band prices revert with the risk module's errors);
//! 3. the size: as little as brings initial health back to `>= 0`
//!    (`clearing_core::size_to_restore`), all of it when the rest would be
//!    dust (below the market's min size at the oracle price), and never more
//!    than the keeper's `maxSize`;
//! 4. the CircuitBreaker gates the liquidation (halted assets, post-reset
//!    grace, rate limit) and records its notional;
//! 5. the position changes hands at the oracle price through
//!    `Clearinghouse.applyLiquidation`, and the account pays the penalty
//!    (`clearing_core::penalty_rate`: a fifth of the maintenance shock, at
//!    least 0.5 %), split between the liquidator (keeper share) and the
//!    insurance fund;
//! 6. the liquidator must stay at or above initial margin, and the account's
//!    maintenance health must have improved.
//!
//! The liquidator records the last market each account was liquidated in
//! and on which side ([`Liquidator::last_liquidation`]), so that the Backstop
//! knows which side profited when bad debt must be socialised.
//!
//! Call graph: `Liquidator -> {Clearinghouse, PerpMarkets, MarginEngine,
//! RiskEngine, RiskModule, CollateralVault, CircuitBreaker, InsuranceFund
//! (view)}`; only the Backstop calls it back (views).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, I256, U256, U64};
use clearing_core::{
    govern, mul_down, mul_up, neg_signed, next_change_at, penalty_amount, penalty_rate,
    size_to_restore, split_penalty, sub_signed, to_signed, trading::account, ChangeError,
    CoreError, Refusal,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    call::Call,
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap, StorageU256, StorageU64},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control).
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("RISK_ADMIN_ROLE")`: may apply risk-lowering parameter changes
/// at once.
pub const RISK_ADMIN_ROLE: [u8; 32] = stylus_sdk::keccak_const::Keccak256::new()
    .update(b"RISK_ADMIN_ROLE")
    .finalize();

pub use clearing_core::rules::liquidator::{param, rule};

/// The last market an account was liquidated in, to know which side
/// profited if its bad debt must be socialised.
#[storage]
pub struct LastLiquidation {
    /// Market id plus one (0: never liquidated).
    market: StorageU64,
    /// The liquidated position was long.
    was_long: StorageBool,
}

/// The liquidator contract.
#[storage]
#[entrypoint]
pub struct Liquidator {
    access: AccessControl,
    clearinghouse: StorageAddress,
    markets: StorageAddress,
    margin: StorageAddress,
    engine: StorageAddress,
    risk: StorageAddress,
    vault: StorageAddress,
    breaker: StorageAddress,
    fund: StorageAddress,
    penalty_divisor: StorageU64,
    min_penalty: StorageU256,
    keeper_share: StorageU256,
    changed_at: StorageMap<u8, StorageU64>,
    last: StorageMap<B256, LastLiquidation>,
    /// OptionBook: the option positions liquidated as perps (DESIGN section 13).
    option_book: StorageAddress,
}

sol_interface! {
    /// The clearinghouse functions the liquidator uses.
    interface IClearinghouse {
        function applyLiquidation(uint32 market, bytes32 account, bytes32 liquidator, uint256 price, int256 account_delta) external;
        function position(bytes32 account, uint32 market) external view returns (int256, int256, int256, int256);
    }

    /// The market registry functions the liquidator uses.
    interface IPerpMarkets {
        function market(uint32 market) external view returns (address, uint256, uint256, uint256, uint256, uint256, uint256, uint256);
    }

    /// The margin engine view the liquidator reads.
    interface IMarginEngine {
        function health(bytes32 account) external view returns (int256, uint256, uint256);
    }

    /// The risk engine view the liquidator reads.
    interface IRiskEngine {
        function haircut(address asset) external view returns (uint256, uint256);
    }

    /// The risk module view the liquidator reads.
    interface IRiskModule {
        function price(address asset) external view returns (uint256);
    }

    /// The vault functions the liquidator uses.
    interface ICollateralVault {
        function applyQuoteDelta(bytes32 account, int256 delta) external returns (int256);
    }

    /// The circuit breaker's gate.
    interface ICircuitBreaker {
        function checkLiquidation(address asset, uint256 notional, uint256 open_interest_notional, bool deeply_unhealthy) external;
    }

    /// The insurance fund functions the liquidator uses.
    interface IInsuranceFund {
        function account() external view returns (bytes32);
    }
}

#[public]
impl Liquidator {
    /// Wires every contract the liquidator calls (the OptionBook last), grants `admin` the admin
    /// role and sets the penalty defaults of DESIGN section 12 (a fifth of
    /// the maintenance shock, at least 0.5 %, keeper share 50 %).
    #[constructor]
    #[allow(clippy::too_many_arguments)]
    pub fn constructor(
        &mut self,
        admin: Address,
        clearinghouse: Address,
        markets: Address,
        margin_engine: Address,
        risk_engine: Address,
        risk_module: Address,
        vault: Address,
        breaker: Address,
        insurance_fund: Address,
        option_book: Address,
    ) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.option_book.set(option_book);
        self.clearinghouse.set(clearinghouse);
        self.markets.set(markets);
        self.margin.set(margin_engine);
        self.engine.set(risk_engine);
        self.risk.set(risk_module);
        self.vault.set(vault);
        self.breaker.set(breaker);
        self.fund.set(insurance_fund);
        self.penalty_divisor.set(U64::from(
            clearing_core::governance::params::DEFAULT_PENALTY_SHOCK_DIVISOR,
        ));
        self.min_penalty
            .set(clearing_core::governance::params::DEFAULT_MIN_PENALTY);
        self.keeper_share
            .set(clearing_core::governance::params::DEFAULT_KEEPER_SHARE);
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), LiquidatorError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), LiquidatorError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// The wired OptionBook.
    pub fn option_book(&self) -> Address {
        self.option_book.get()
    }

    /// The penalty parameters: `(divisor, minPenalty, keeperShare)`.
    pub fn parameters(&self) -> (u64, U256, U256) {
        (
            self.penalty_divisor.get().to::<u64>(),
            self.min_penalty.get(),
            self.keeper_share.get(),
        )
    }

    /// Changes a penalty parameter (`param` codes) within its [`rule`]:
    /// hard bounds, a maximum step per change and a minimum interval between
    /// two changes of the same parameter (DESIGN section 11). A change that
    /// raises risk (a larger divisor, a smaller minimum penalty or keeper
    /// share) needs the admin role, held by the timelock, which enforced the
    /// delay; one that lowers risk may also be applied at once by a holder of
    /// [`RISK_ADMIN_ROLE`]. Emits [`ParameterSet`] with the old and new value.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` for a caller with neither role, or
    /// a risk admin raising risk (naming the admin role);
    /// [`ParameterOutOfBounds`] (unknown codes too); [`ParameterStepTooLarge`];
    /// [`ParameterChangedTooSoon`].
    pub fn set_parameter(&mut self, code: u8, value: U256) -> Result<(), LiquidatorError> {
        let caller = self.vm().msg_sender();
        let is_admin = self.access.has_role(ADMIN_ROLE.into(), caller);
        let is_risk_admin = self.access.has_role(RISK_ADMIN_ROLE.into(), caller);
        if !is_admin && !is_risk_admin {
            self.access._check_role(RISK_ADMIN_ROLE.into(), caller)?;
        }
        let rule = rule(code).ok_or(LiquidatorError::ParameterOutOfBounds(
            ParameterOutOfBounds { param: code, value },
        ))?;
        let old = match code {
            param::PENALTY_DIVISOR => U256::from(self.penalty_divisor.get()),
            param::MIN_PENALTY => self.min_penalty.get(),
            _ => self.keeper_share.get(),
        };
        let last = self.changed_at.get(code).to::<u64>();
        let now = self.vm().block_timestamp();
        match govern(&rule, old, value, last, now, is_admin, is_risk_admin) {
            Ok(_) => {}
            Err(Refusal::NeedsAdmin) => self.access._check_role(ADMIN_ROLE.into(), caller)?,
            Err(Refusal::Rule(ChangeError::OutOfBounds)) => {
                return Err(LiquidatorError::ParameterOutOfBounds(
                    ParameterOutOfBounds { param: code, value },
                ))
            }
            Err(Refusal::Rule(ChangeError::StepTooLarge)) => {
                return Err(LiquidatorError::ParameterStepTooLarge(
                    ParameterStepTooLarge {
                        param: code,
                        oldValue: old,
                        newValue: value,
                    },
                ))
            }
            Err(Refusal::Rule(ChangeError::TooSoon)) => {
                return Err(LiquidatorError::ParameterChangedTooSoon(
                    ParameterChangedTooSoon {
                        param: code,
                        nextAllowedAt: next_change_at(&rule, last),
                    },
                ))
            }
        }
        match code {
            param::PENALTY_DIVISOR => self.penalty_divisor.set(U64::from(value.to::<u64>())),
            param::MIN_PENALTY => self.min_penalty.set(value),
            _ => self.keeper_share.set(value),
        }
        self.changed_at.setter(code).set(U64::from(now));
        log(
            self.vm(),
            ParameterSet {
                param: code,
                oldValue: old,
                newValue: value,
            },
        );
        Ok(())
    }

    /// Liquidates (part of) `account`'s position in `market` into the
    /// caller's sub-account `liquidator_subaccount`, at most `max_size` base
    /// units. Returns the size taken over (unsigned).
    ///
    /// # Errors
    /// [`ZeroAmount`]; [`SelfLiquidation`]; [`AccountHealthy`];
    /// [`NoPosition`]; the circuit breaker's refusals unchanged (halted,
    /// grace, rate limit, oracle state); price errors unchanged;
    /// [`LiquidatorBelowInitialMargin`]; [`HealthNotImproved`];
    /// [`MathError`]; callee errors unchanged.
    pub fn liquidate(
        &mut self,
        account: B256,
        liquidator_subaccount: u8,
        market: u32,
        max_size: U256,
    ) -> Result<U256, Vec<u8>> {
        let liquidator = self.liquidator_account(account, liquidator_subaccount, max_size)?;
        let (equity, maintenance, initial) = self.require_unhealthy(account)?;
        let ch = self.clearinghouse.get();
        let (size, _, _, _) = IClearinghouse::new(ch)
            .position(&*self, account, market)
            .map_err(|e| passthrough(e, ch))?;
        if size.is_zero() {
            return Err(LiquidatorError::NoPosition(NoPosition { account, market }).into());
        }
        let registry = self.markets.get();
        let (underlying, min_size, _, _, _, _, _, open_interest) = IPerpMarkets::new(registry)
            .market(&*self, market)
            .map_err(|e| passthrough(e, registry))?;
        let price = self.price(underlying)?;
        let (maint_shock, init_shock) = self.haircut(underlying)?;
        let penalty = self.penalty(maint_shock)?;
        let dust = mul_down(min_size, price).map_err(math)?;
        let needed = size_to_restore(
            equity,
            initial,
            size.unsigned_abs(),
            price,
            init_shock,
            penalty,
            dust,
        )
        .map_err(math)?;
        let closed = if needed.is_zero() {
            size.unsigned_abs()
        } else {
            needed
        }
        .min(max_size);
        let notional = mul_up(closed, price).map_err(math)?;
        let oi_notional = mul_down(open_interest, price).map_err(math)?;
        self.gate(underlying, notional, oi_notional, equity, maintenance)?;
        // The account's delta closes (part of) its position.
        let closed_signed = to_signed(closed).map_err(math)?;
        let delta = if size.is_positive() {
            -closed_signed
        } else {
            closed_signed
        };
        IClearinghouse::new(ch)
            .apply_liquidation(
                Call::new_in(self),
                market,
                account,
                liquidator,
                price,
                delta,
            )
            .map_err(|e| passthrough(e, ch))?;
        let amount = penalty_amount(closed, price, penalty).map_err(math)?;
        let split = split_penalty(amount, self.keeper_share.get()).map_err(math)?;
        let fund_account = self.fund_account()?;
        self.quote(
            account,
            neg_signed(to_signed(amount).map_err(math)?).map_err(math)?,
        )?;
        self.quote(liquidator, to_signed(split.keeper).map_err(math)?)?;
        self.quote(fund_account, to_signed(split.insurance).map_err(math)?)?;
        let mut last = self.last.setter(account);
        last.market.set(U64::from(u64::from(market) + 1));
        last.was_long.set(size.is_positive());
        drop(last);
        self.check_after(account, liquidator, equity, maintenance)?;
        log(
            self.vm(),
            Liquidated {
                account,
                liquidator,
                market,
                sizeDelta: delta,
                price,
                penalty: amount,
                keeperReward: split.keeper,
                insuranceShare: split.insurance,
            },
        );
        Ok(closed)
    }

    /// The last market `account` was liquidated in: `(liquidated, market,
    /// wasLong)` — the side opposite `wasLong` profited from its losses (the
    /// Backstop socialises bad debt on that side).
    pub fn last_liquidation(&self, account: B256) -> (bool, u32, bool) {
        let last = self.last.getter(account);
        let m = last.market.get().to::<u64>();
        (m != 0, m.saturating_sub(1) as u32, last.was_long.get())
    }
}

impl Liquidator {
    /// The caller's sub-account, refusing a zero amount and self-liquidation.
    fn liquidator_account(
        &self,
        account: B256,
        subaccount: u8,
        amount: U256,
    ) -> Result<B256, LiquidatorError> {
        if amount.is_zero() {
            return Err(LiquidatorError::ZeroAmount(ZeroAmount {}));
        }
        let caller = self.vm().msg_sender();
        if account::owner(account).ok() == Some(caller) {
            return Err(LiquidatorError::SelfLiquidation(SelfLiquidation {
                account,
            }));
        }
        Ok(account::encode(caller, subaccount))
    }

    /// `(equity, maintenance, initial)` of an account whose maintenance
    /// health is negative.
    fn require_unhealthy(&self, account: B256) -> Result<(I256, U256, U256), Vec<u8>> {
        let (equity, maintenance, initial) = self.health(account)?;
        if !clearing_core::liquidatable(equity, maintenance) {
            return Err(LiquidatorError::AccountHealthy(AccountHealthy {
                account,
                equity,
                maintenance,
            })
            .into());
        }
        Ok((equity, maintenance, initial))
    }

    fn health(&self, account: B256) -> Result<(I256, U256, U256), Vec<u8>> {
        let margin = self.margin.get();
        IMarginEngine::new(margin)
            .health(self, account)
            .map_err(|e| passthrough(e, margin))
    }

    fn price(&self, asset: Address) -> Result<U256, Vec<u8>> {
        let risk = self.risk.get();
        IRiskModule::new(risk)
            .price(self, asset)
            .map_err(|e| passthrough(e, risk))
    }

    fn haircut(&self, asset: Address) -> Result<(U256, U256), Vec<u8>> {
        let engine = self.engine.get();
        IRiskEngine::new(engine)
            .haircut(self, asset)
            .map_err(|e| passthrough(e, engine))
    }

    fn penalty(&self, maint_shock: U256) -> Result<U256, Vec<u8>> {
        penalty_rate(
            maint_shock,
            self.penalty_divisor.get().to::<u64>(),
            self.min_penalty.get(),
        )
        .map_err(math)
    }

    /// Asks the circuit breaker; an account is deeply unhealthy when its
    /// equity is below half its maintenance requirement.
    fn gate(
        &mut self,
        asset: Address,
        notional: U256,
        open_interest_notional: U256,
        equity: I256,
        maintenance: U256,
    ) -> Result<(), Vec<u8>> {
        let deep = clearing_core::liquidation::breaker::deeply_unhealthy(equity, maintenance);
        let breaker = self.breaker.get();
        ICircuitBreaker::new(breaker)
            .check_liquidation(
                Call::new_in(self),
                asset,
                notional,
                open_interest_notional,
                deep,
            )
            .map_err(|e| passthrough(e, breaker))
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

    /// The liquidator stays at or above initial margin; the account's
    /// maintenance health improved.
    fn check_after(
        &self,
        account: B256,
        liquidator: B256,
        equity_before: I256,
        maintenance_before: U256,
    ) -> Result<(), Vec<u8>> {
        let (eq, _, im) = self.health(liquidator)?;
        if eq < to_signed(im).map_err(math)? {
            return Err(LiquidatorError::LiquidatorBelowInitialMargin(
                LiquidatorBelowInitialMargin {
                    liquidator,
                    equity: eq,
                    initial: im,
                },
            )
            .into());
        }
        let before = sub_signed(equity_before, to_signed(maintenance_before).map_err(math)?)
            .map_err(math)?;
        let (eq, mm, _) = self.health(account)?;
        let afterwards = sub_signed(eq, to_signed(mm).map_err(math)?).map_err(math)?;
        if afterwards <= before {
            return Err(LiquidatorError::HealthNotImproved(HealthNotImproved {
                account,
                before,
                afterwards,
            })
            .into());
        }
        Ok(())
    }
}

fn math(e: CoreError) -> Vec<u8> {
    LiquidatorError::from(e).into()
}

/// A callee's revert data unchanged, or [`CallFailed`] when it has none.
fn passthrough(e: stylus_sdk::call::Error, callee: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => LiquidatorError::CallFailed(CallFailed { callee }).into(),
    }
}
