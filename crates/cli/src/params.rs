//! The governed parameters by name: which contract, which code, how the value is written, the
//! call that sets it, the view that reads it, the event that records its changes, and the rule
//! (always the core's: `clearing_core::rules`, `BreakerParam::rule`, `RateParam::rule`,
//! `premium_notional_rule`).

use crate::abi::*;
use crate::error::{CliError, Result};
use crate::manifest::Manifest;
use crate::rpc::Chain;
use crate::units;
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::{SolCall, SolEvent};
use clearing_core::governance::params::{MAX_TIMELOCK_DELAY, MIN_TIMELOCK_DELAY};
use clearing_core::governance::{ParamRule, RaisesRisk};
use clearing_core::rules;
use clearing_core::vault::money_market::RateParam;
use clearing_core::{BreakerParam, OptionParam};

/// How a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A decimal with 18 decimals (fractions, rates, quote amounts).
    Wad,
    /// Whole seconds.
    Seconds,
    /// A whole number.
    Count,
    /// An amount of the asset's own token, in its decimals (`1000.5` USDC).
    Token,
    /// `true` or `false`.
    Flag,
    /// A sub-account id (`bytes32`, hex), never zero.
    Account,
}

/// One governed parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The contract's name in the manifest.
    pub contract: &'static str,
    /// The parameter's name.
    pub name: &'static str,
    /// The contract's code for it.
    pub code: u8,
    /// How its value is written.
    pub unit: Unit,
    /// Whether it is per market (`--market`).
    pub per_market: bool,
    /// Whether it is per collateral asset (`--asset`).
    pub per_asset: bool,
}

const fn s(contract: &'static str, name: &'static str, code: u8, unit: Unit) -> Spec {
    Spec {
        contract,
        name,
        code,
        unit,
        per_market: false,
        per_asset: false,
    }
}
const fn m(name: &'static str, code: u8, unit: Unit) -> Spec {
    Spec {
        contract: "PerpMarkets",
        name,
        code,
        unit,
        per_market: true,
        per_asset: false,
    }
}
const fn h(name: &'static str, code: u8) -> Spec {
    Spec {
        contract: "RiskEngine",
        name,
        code,
        unit: Unit::Wad,
        per_market: false,
        per_asset: true,
    }
}
const fn o(name: &'static str, param: OptionParam, unit: Unit) -> Spec {
    s("OptionMarkets", name, param as u8, unit)
}
const fn a(name: &'static str, code: u8, unit: Unit) -> Spec {
    Spec {
        contract: "VaultPolicy",
        name,
        code,
        unit,
        per_market: false,
        per_asset: true,
    }
}

/// Codes of the vault asset settings the VaultPolicy's `configureAsset` sets (the deposit cap's
/// is the contract's own `DEPOSIT_CAP`; the flags have no code of their own in the contract).
pub mod asset_code {
    /// The deposit cap (the VaultPolicy's `DEPOSIT_CAP`).
    pub const DEPOSIT_CAP: u8 = 2;
    /// Whether deposits are open.
    pub const DEPOSIT_ENABLED: u8 = 3;
    /// Whether the asset counts as collateral.
    pub const COLLATERAL_ENABLED: u8 = 4;
}

/// Codes of the Clearinghouse's fee configuration (`setFeeConfig`): the insurance share is the
/// contract's own code, the two accounts have none in the contract.
pub mod fee_code {
    /// The insurance fund's share of fees.
    pub const INSURANCE_SHARE: u8 = clearing_core::rules::clearinghouse::param::INSURANCE_SHARE;
    /// The sub-account credited with the insurance share.
    pub const INSURANCE_ACCOUNT: u8 = 2;
    /// The sub-account credited with the rest.
    pub const TREASURY_ACCOUNT: u8 = 3;
}

use Unit::*;

/// Every parameter the tool governs.
pub const ALL: &[Spec] = &[
    s(
        "RiskModule",
        "lambda",
        rules::risk_module::param::LAMBDA,
        Wad,
    ),
    s(
        "RiskModule",
        "heartbeat-tolerance",
        rules::risk_module::param::HEARTBEAT_TOLERANCE,
        Wad,
    ),
    s(
        "RiskModule",
        "min-margin-fraction",
        rules::risk_module::param::MIN_MARGIN_FRACTION,
        Wad,
    ),
    s(
        "RiskModule",
        "sequencer-grace",
        rules::risk_module::param::SEQUENCER_GRACE,
        Seconds,
    ),
    s(
        "RiskModule",
        "intra-correlation-0",
        rules::risk_module::param::INTRA_CORRELATION,
        Wad,
    ),
    s(
        "RiskModule",
        "intra-correlation-1",
        rules::risk_module::param::INTRA_CORRELATION + 1,
        Wad,
    ),
    s(
        "RiskModule",
        "intra-correlation-2",
        rules::risk_module::param::INTRA_CORRELATION + 2,
        Wad,
    ),
    s(
        "RiskModule",
        "intra-correlation-3",
        rules::risk_module::param::INTRA_CORRELATION + 3,
        Wad,
    ),
    s(
        "RiskModule",
        "inter-correlation",
        rules::risk_module::param::INTER_CORRELATION,
        Wad,
    ),
    s("RiskEngine", "k", rules::risk_engine::param::K, Wad),
    s(
        "RiskEngine",
        "init-ratio",
        rules::risk_engine::param::INIT_RATIO,
        Wad,
    ),
    s(
        "RiskEngine",
        "horizon",
        rules::risk_engine::param::HORIZON,
        Seconds,
    ),
    s("RiskEngine", "speed", rules::risk_engine::param::SPEED, Wad),
    h("haircut-floor", rules::risk_engine::param::FLOOR),
    h("haircut-cap", rules::risk_engine::param::CAP),
    h("multiplier", rules::risk_engine::param::VOL_MULTIPLIER),
    s(
        "Liquidator",
        "penalty-divisor",
        rules::liquidator::param::PENALTY_DIVISOR,
        Count,
    ),
    s(
        "Liquidator",
        "min-penalty",
        rules::liquidator::param::MIN_PENALTY,
        Wad,
    ),
    s(
        "Liquidator",
        "keeper-share",
        rules::liquidator::param::KEEPER_SHARE,
        Wad,
    ),
    s(
        "CircuitBreaker",
        "max-move",
        BreakerParam::MaxMove as u8,
        Wad,
    ),
    s(
        "CircuitBreaker",
        "window",
        BreakerParam::Window as u8,
        Seconds,
    ),
    s(
        "CircuitBreaker",
        "cooldown",
        BreakerParam::Cooldown as u8,
        Seconds,
    ),
    s(
        "CircuitBreaker",
        "rate-limit",
        BreakerParam::RateLimit as u8,
        Wad,
    ),
    s(
        "CircuitBreaker",
        "rate-window",
        BreakerParam::RateWindow as u8,
        Seconds,
    ),
    s(
        "CircuitBreaker",
        "drawdown-trip",
        BreakerParam::DrawdownTrip as u8,
        Wad,
    ),
    s(
        "CircuitBreaker",
        "post-reset-grace",
        BreakerParam::PostResetGrace as u8,
        Seconds,
    ),
    s(
        "VaultPolicy",
        "optimal-utilisation",
        RateParam::Optimal as u8,
        Wad,
    ),
    s("VaultPolicy", "base-rate", RateParam::Base as u8, Wad),
    s("VaultPolicy", "slope1", RateParam::Slope1 as u8, Wad),
    s("VaultPolicy", "slope2", RateParam::Slope2 as u8, Wad),
    s(
        "VaultPolicy",
        "reserve-share",
        RateParam::Reserve as u8,
        Wad,
    ),
    s(
        "VaultPolicy",
        "hard-utilisation",
        RateParam::Hard as u8,
        Wad,
    ),
    s(
        "VaultPolicy",
        "repay-discount",
        RateParam::RepayDiscount as u8,
        Wad,
    ),
    s(
        "InsuranceFund",
        "window",
        rules::insurance_fund::param::WINDOW,
        Seconds,
    ),
    s(
        "InsuranceFund",
        "target",
        rules::insurance_fund::param::TARGET,
        Wad,
    ),
    a("deposit-cap", asset_code::DEPOSIT_CAP, Token),
    a("deposit-enabled", asset_code::DEPOSIT_ENABLED, Flag),
    a("collateral-enabled", asset_code::COLLATERAL_ENABLED, Flag),
    s(
        "Clearinghouse",
        "insurance-share",
        fee_code::INSURANCE_SHARE,
        Wad,
    ),
    s(
        "Clearinghouse",
        "insurance-account",
        fee_code::INSURANCE_ACCOUNT,
        Account,
    ),
    s(
        "Clearinghouse",
        "treasury-account",
        fee_code::TREASURY_ACCOUNT,
        Account,
    ),
    s("Timelock", "delay", 1, Seconds),
    s("Timelock", "grace", 2, Seconds),
    m("min-size", rules::perp_markets::param::MIN_SIZE, Wad),
    m("tick", rules::perp_markets::param::TICK, Wad),
    m("maker-fee", rules::perp_markets::param::MAKER_FEE, Wad),
    m("taker-fee", rules::perp_markets::param::TAKER_FEE, Wad),
    m(
        "max-open-interest",
        rules::perp_markets::param::MAX_OPEN_INTEREST,
        Wad,
    ),
    m("funding-cap", rules::perp_markets::param::FUNDING_CAP, Wad),
    m(
        "max-fill-deviation",
        rules::perp_markets::param::MAX_FILL_DEVIATION,
        Wad,
    ),
    m(
        "premium-notional",
        rules::perp_markets::param::PREMIUM_NOTIONAL,
        Wad,
    ),
    m(
        "premium-tau",
        rules::perp_markets::param::PREMIUM_TAU,
        Seconds,
    ),
    o("portfolio-min-equity", OptionParam::PortfolioMinEquity, Wad),
    o("option-horizon", OptionParam::OptionHorizon, Seconds),
    o("range-floor", OptionParam::RangeFloor, Wad),
    o("tail-horizon", OptionParam::TailHorizon, Seconds),
    o("tail-floor", OptionParam::TailFloor, Wad),
    o("tail-cap", OptionParam::TailCap, Wad),
    o("tail1-multiple", OptionParam::Tail1Multiple, Wad),
    o("tail1-weight", OptionParam::Tail1Weight, Wad),
    o("tail2-multiple", OptionParam::Tail2Multiple, Wad),
    o("tail2-weight", OptionParam::Tail2Weight, Wad),
    o("far-move", OptionParam::FarMove, Wad),
    o("tail-credit", OptionParam::TailCredit, Wad),
    o("vol-shock-up", OptionParam::VolShockUp, Wad),
    o("vol-shock-down", OptionParam::VolShockDown, Wad),
    o("term-power-short", OptionParam::TermPowerShort, Wad),
    o("term-power-long", OptionParam::TermPowerLong, Wad),
    o("term-cap", OptionParam::TermCap, Wad),
    o("contingency", OptionParam::Contingency, Wad),
    o("iv-multiplier", OptionParam::IvMultiplier, Wad),
    o("option-fee-cap", OptionParam::OptionFeeCap, Wad),
];

/// The parameter `name` of `contract`.
///
/// # Errors
/// [`CliError::Usage`] listing the contract's parameters (or the contracts).
pub fn lookup(contract: &str, name: &str) -> Result<&'static Spec> {
    if let Some(p) = ALL
        .iter()
        .find(|p| p.contract.eq_ignore_ascii_case(contract) && p.name == name)
    {
        return Ok(p);
    }
    let of: Vec<&str> = ALL
        .iter()
        .filter(|p| p.contract.eq_ignore_ascii_case(contract))
        .map(|p| p.name)
        .collect();
    if of.is_empty() {
        let mut cs: Vec<&str> = ALL.iter().map(|p| p.contract).collect();
        cs.dedup();
        return Err(CliError::Usage(format!(
            "no governed parameters in {contract:?}: the contracts are {}",
            cs.join(", ")
        )));
    }
    Err(CliError::Usage(format!(
        "{contract} has no parameter {name:?}: it has {}",
        of.join(", ")
    )))
}

impl Spec {
    /// The parameter's value written as text (`decimals`: the asset's, for [`Unit::Token`]).
    ///
    /// # Errors
    /// [`CliError::Usage`].
    pub fn parse(&self, text: &str, decimals: u8) -> Result<U256> {
        let what = format!("{} {}", self.contract, self.name);
        match self.unit {
            Wad => units::wad(text, &what),
            Token => units::parse(text, decimals, &what),
            Seconds | Count => text
                .trim()
                .parse::<u64>()
                .map(U256::from)
                .map_err(|_| CliError::Usage(format!("{what}: {text:?} is not a whole number"))),
            Flag => match text.trim() {
                "true" | "1" => Ok(U256::from(1)),
                "false" | "0" => Ok(U256::ZERO),
                _ => Err(CliError::Usage(format!(
                    "{what}: {text:?} is not true or false"
                ))),
            },
            Account => {
                let v = text.trim().parse::<B256>().map_err(|_| {
                    CliError::Usage(format!(
                        "{what}: {text:?} is not a sub-account id (32 bytes in hex)"
                    ))
                })?;
                if v.is_zero() {
                    return Err(CliError::Usage(format!(
                        "{what}: the Clearinghouse refuses a zero fee account (FeeRecipientUnset)"
                    )));
                }
                Ok(U256::from_be_bytes(v.0))
            }
        }
    }

    /// A value as text in the parameter's unit (`decimals`: the asset's, for [`Unit::Token`]).
    pub fn show(&self, v: U256, decimals: u8) -> String {
        match self.unit {
            Wad => units::show(v, 18),
            Token => units::show(v, decimals),
            Seconds => format!("{v} s"),
            Count => v.to_string(),
            Flag => (!v.is_zero()).to_string(),
            Account => B256::from(v).to_string(),
        }
    }

    /// The decimals values of this parameter are written in: the asset's own for
    /// [`Unit::Token`] (from the vault's `assetConfig`), otherwise 18 (unused).
    ///
    /// # Errors
    /// The view's failure.
    pub async fn decimals(
        &self,
        chain: &Chain,
        manifest: &Manifest,
        asset: Option<Address>,
    ) -> Result<u8> {
        match (self.unit, asset) {
            (Token, Some(asset)) => {
                let vault = manifest.address("CollateralVault")?;
                Ok(chain
                    .view(vault, &Vault::assetConfigCall { asset })
                    .await?
                    .decimals)
            }
            _ => Ok(18),
        }
    }

    /// The rule the contract applies to a change from `old` (the core's; `decimals`: the
    /// asset's, for [`Unit::Token`]).
    pub fn rule(&self, old: U256, decimals: u8) -> ParamRule {
        let none = || ParamRule {
            min: U256::ZERO,
            max: U256::MAX,
            max_step: U256::MAX,
            min_interval: 0,
            raises_risk: RaisesRisk::Either,
        };
        match self.contract {
            "RiskModule" => rules::risk_module::rule(self.code),
            "RiskEngine" => rules::risk_engine::rule(self.code),
            "Liquidator" => rules::liquidator::rule(self.code),
            "InsuranceFund" => rules::insurance_fund::rule(self.code),
            "CircuitBreaker" => BreakerParam::from_code(self.code).map(BreakerParam::rule),
            "OptionMarkets" => OptionParam::from_code(self.code).map(OptionParam::rule),
            "VaultPolicy" if !self.per_asset => {
                RateParam::from_code(self.code).map(RateParam::rule)
            }
            "PerpMarkets" if self.code == rules::perp_markets::param::PREMIUM_NOTIONAL => {
                Some(clearing_core::premium_notional_rule(old))
            }
            "PerpMarkets" => rules::perp_markets::rule(self.code),
            "VaultPolicy" if self.name == "deposit-cap" => {
                Some(clearing_core::deposit_cap_rule(old, decimals))
            }
            // Opening deposits raises risk (the admin's); closing them does not (a risk admin
            // or the guardian may close them at once). Any change of whether an asset counts
            // as collateral is the admin's.
            "VaultPolicy" if self.unit == Flag => Some(ParamRule {
                min: U256::ZERO,
                max: U256::from(1),
                max_step: U256::from(1),
                min_interval: 0,
                raises_risk: if self.name == "deposit-enabled" {
                    RaisesRisk::Increase
                } else {
                    RaisesRisk::Either
                },
            }),
            "Clearinghouse" if self.unit == Wad => Some(rules::clearinghouse::INSURANCE_SHARE_RULE),
            // The fee accounts: any non-zero id, the admin's.
            "Clearinghouse" => Some(ParamRule {
                min: U256::from(1),
                max: U256::MAX,
                max_step: U256::MAX,
                min_interval: 0,
                raises_risk: RaisesRisk::Either,
            }),
            // The Timelock's own settings: hard bounds only (no step, no interval).
            "Timelock" if self.name == "delay" => Some(ParamRule {
                min: U256::from(MIN_TIMELOCK_DELAY),
                max: U256::from(MAX_TIMELOCK_DELAY),
                max_step: U256::MAX,
                min_interval: 0,
                raises_risk: RaisesRisk::Decrease,
            }),
            "Timelock" => Some(ParamRule {
                min: U256::from(clearing_core::governance::MIN_TIMELOCK_GRACE),
                max: U256::from(clearing_core::governance::MAX_TIMELOCK_GRACE),
                max_step: U256::MAX,
                min_interval: 0,
                raises_risk: RaisesRisk::Increase,
            }),
            _ => None,
        }
        .unwrap_or_else(none)
    }

    /// The call that sets the parameter to `value`, for setters that take only the value (and
    /// the market); see [`Spec::call_for`] for the others.
    fn calldata(&self, market: Option<u32>, value: U256) -> Vec<u8> {
        let code = self.code;
        let u64v = value.saturating_to::<u64>();
        match self.contract {
            "RiskModule" => Risk::setParameterCall { code, value }.abi_encode(),
            "Liquidator" => Liquidator::setParameterCall { code, value }.abi_encode(),
            "CircuitBreaker" => Breaker::setParameterCall { code, value }.abi_encode(),
            "VaultPolicy" => Policy::setRateParameterCall { code, value }.abi_encode(),
            "OptionMarkets" => OptionMarkets::setOptionParameterCall { code, value }.abi_encode(),
            "InsuranceFund" if self.name == "window" => {
                Fund::setWindowCall { window: u64v }.abi_encode()
            }
            "InsuranceFund" => Fund::setTargetCall { target: value }.abi_encode(),
            "Timelock" if self.name == "delay" => {
                Timelock::setDelayCall { delay: u64v }.abi_encode()
            }
            "Timelock" => Timelock::setGraceCall { grace: u64v }.abi_encode(),
            _ => Markets::configureMarketCall {
                market: market.unwrap_or_default(),
                code,
                value,
            }
            .abi_encode(),
        }
    }

    /// The asset argument, required for per-asset parameters.
    ///
    /// # Errors
    /// [`CliError::Usage`].
    pub fn asset(&self, asset: Option<Address>) -> Result<Option<Address>> {
        match (self.per_asset, asset) {
            (true, None) => Err(CliError::Usage(format!(
                "{} {} is an asset parameter: give --asset SYMBOL",
                self.contract, self.name
            ))),
            (false, Some(_)) => Err(CliError::Usage(format!(
                "{} {} is not an asset parameter: drop --asset",
                self.contract, self.name
            ))),
            _ => Ok(asset),
        }
    }

    /// The call that sets the parameter to `value`, reading what else the setter takes (the
    /// RiskEngine sets its haircut parameters together) from the contract's views.
    ///
    /// # Errors
    /// The views' failures.
    pub async fn call_for(
        &self,
        chain: &Chain,
        at: Address,
        market: Option<u32>,
        asset: Option<Address>,
        value: U256,
    ) -> Result<Vec<u8>> {
        let code = self.code;
        if self.contract == "VaultPolicy" && self.per_asset {
            let asset = asset.unwrap_or_default();
            let vault = self.vault_of(chain, at).await?;
            let c = chain.view(vault, &Vault::assetConfigCall { asset }).await?;
            let flag = |c: u8, current: bool| if c == code { !value.is_zero() } else { current };
            return Ok(Policy::configureAssetCall {
                asset,
                depositCap: if code == asset_code::DEPOSIT_CAP {
                    value
                } else {
                    c.depositCap
                },
                depositEnabled: flag(asset_code::DEPOSIT_ENABLED, c.depositEnabled),
                collateralEnabled: flag(asset_code::COLLATERAL_ENABLED, c.collateralEnabled),
            }
            .abi_encode());
        }
        if self.contract == "Clearinghouse" {
            let f = chain.view(at, &Ledger::feeConfigCall {}).await?;
            let pick = |c: u8, current: B256| {
                if c == code {
                    B256::from(value)
                } else {
                    current
                }
            };
            return Ok(Ledger::setFeeConfigCall {
                insuranceAccount: pick(fee_code::INSURANCE_ACCOUNT, f.insuranceAccount),
                treasuryAccount: pick(fee_code::TREASURY_ACCOUNT, f.treasuryAccount),
                insuranceShare: if code == fee_code::INSURANCE_SHARE {
                    value
                } else {
                    f.insuranceShare
                },
            }
            .abi_encode());
        }
        if self.contract != "RiskEngine" {
            return Ok(self.calldata(market, value));
        }
        let pick = |c: u8, current: U256| if c == code { value } else { current };
        Ok(match asset {
            Some(asset) => {
                let h = chain.view(at, &Engine::haircutConfigCall { asset }).await?;
                Engine::setHaircutConfigCall {
                    asset,
                    floor: pick(rules::risk_engine::param::FLOOR, h.floor),
                    cap: pick(rules::risk_engine::param::CAP, h.cap),
                    multiplier: pick(rules::risk_engine::param::VOL_MULTIPLIER, h.multiplier),
                }
                .abi_encode()
            }
            None => {
                let g = chain.view(at, &Engine::haircutParametersCall {}).await?;
                Engine::setHaircutParametersCall {
                    k: pick(rules::risk_engine::param::K, g.k),
                    initRatio: pick(rules::risk_engine::param::INIT_RATIO, g.initRatio),
                    horizon: pick(rules::risk_engine::param::HORIZON, U256::from(g.horizon))
                        .saturating_to(),
                    maxSpeed: pick(rules::risk_engine::param::SPEED, g.maxSpeed),
                }
                .abi_encode()
            }
        })
    }

    /// The other parameters the same setter call writes, at their values when the proposal is
    /// built (a proposal of one of them executed first would be undone by this one).
    pub fn companions(&self) -> Vec<&'static str> {
        let shares_setter = |p: &&Spec| {
            p.contract == self.contract
                && p.name != self.name
                && p.per_asset == self.per_asset
                && matches!(
                    (self.contract, self.per_asset),
                    ("RiskEngine", _) | ("VaultPolicy", true) | ("Clearinghouse", _)
                )
        };
        ALL.iter().filter(shares_setter).map(|p| p.name).collect()
    }

    /// The vault the VaultPolicy at `policy` governs.
    ///
    /// # Errors
    /// The view's failure.
    async fn vault_of(&self, chain: &Chain, policy: Address) -> Result<Address> {
        Ok(chain.view(policy, &Policy::vaultCall {}).await?.vault)
    }

    /// The market argument, required for market parameters.
    ///
    /// # Errors
    /// [`CliError::Usage`].
    pub fn market(&self, market: Option<u32>) -> Result<Option<u32>> {
        match (self.per_market, market) {
            (true, None) => Err(CliError::Usage(format!(
                "{} {} is a market parameter: give --market ID",
                self.contract, self.name
            ))),
            (false, Some(_)) => Err(CliError::Usage(format!(
                "{} {} is not a market parameter: drop --market",
                self.contract, self.name
            ))),
            _ => Ok(market),
        }
    }

    /// The parameter's current value, through the contract's views.
    ///
    /// # Errors
    /// The view's failure.
    pub async fn current(
        &self,
        chain: &Chain,
        at: Address,
        market: Option<u32>,
        asset: Option<Address>,
    ) -> Result<U256> {
        let code = self.code;
        Ok(match self.contract {
            "RiskEngine" => match asset {
                Some(asset) => {
                    let h = chain.view(at, &Engine::haircutConfigCall { asset }).await?;
                    match code {
                        rules::risk_engine::param::FLOOR => h.floor,
                        rules::risk_engine::param::CAP => h.cap,
                        _ => h.multiplier,
                    }
                }
                None => {
                    let g = chain.view(at, &Engine::haircutParametersCall {}).await?;
                    [g.k, g.initRatio, U256::from(g.horizon), g.maxSpeed]
                        [usize::from(code - rules::risk_engine::param::K)]
                }
            },
            "RiskModule" => chain.view(at, &Risk::parameterCall { code }).await?.value,
            "OptionMarkets" => {
                chain
                    .view(at, &OptionMarkets::optionParameterCall { code })
                    .await?
                    .value
            }
            "VaultPolicy" if self.per_asset => {
                let vault = self.vault_of(chain, at).await?;
                let asset = asset.unwrap_or_default();
                let c = chain.view(vault, &Vault::assetConfigCall { asset }).await?;
                match code {
                    asset_code::DEPOSIT_CAP => c.depositCap,
                    asset_code::DEPOSIT_ENABLED => U256::from(c.depositEnabled),
                    _ => U256::from(c.collateralEnabled),
                }
            }
            "Clearinghouse" => {
                let f = chain.view(at, &Ledger::feeConfigCall {}).await?;
                match code {
                    fee_code::INSURANCE_SHARE => f.insuranceShare,
                    fee_code::INSURANCE_ACCOUNT => U256::from_be_bytes(f.insuranceAccount.0),
                    _ => U256::from_be_bytes(f.treasuryAccount.0),
                }
            }
            "VaultPolicy" => {
                chain
                    .view(at, &Policy::rateParameterCall { code })
                    .await?
                    .value
            }
            "Liquidator" => {
                let p = chain.view(at, &Liquidator::parametersCall {}).await?;
                [U256::from(p.divisor), p.minPenalty, p.keeperShare][usize::from(code) - 1]
            }
            "CircuitBreaker" => {
                let p = chain.view(at, &Breaker::parametersCall {}).await?;
                [
                    p.maxMove,
                    U256::from(p.window),
                    U256::from(p.cooldown),
                    p.rateLimit,
                    U256::from(p.rateWindow),
                    p.drawdownTrip,
                    U256::from(p.postResetGrace),
                ][usize::from(code) - 1]
            }
            "InsuranceFund" if self.name == "window" => {
                U256::from(chain.view(at, &Fund::windowCall {}).await?.window)
            }
            "InsuranceFund" => chain.view(at, &Fund::targetCall {}).await?.target,
            "Timelock" if self.name == "delay" => {
                U256::from(chain.view(at, &Timelock::delayCall {}).await?.delay)
            }
            "Timelock" => U256::from(chain.view(at, &Timelock::graceCall {}).await?.grace),
            _ => {
                let market = market.unwrap_or_default();
                if code >= rules::perp_markets::param::MAX_FILL_DEVIATION {
                    let f = chain
                        .view(at, &Markets::fundingParametersCall { market })
                        .await?;
                    [
                        f.maxFillDeviation,
                        f.premiumNotional,
                        U256::from(f.premiumTau),
                    ][usize::from(code - rules::perp_markets::param::MAX_FILL_DEVIATION)]
                } else {
                    let m = chain.view(at, &Markets::marketCall { market }).await?;
                    [
                        m.minSize,
                        m.tick,
                        m.makerFee,
                        m.takerFee,
                        m.maxOpenInterest,
                        m.fundingCap,
                    ][usize::from(code) - 1]
                }
            }
        })
    }

    /// When the parameter last changed (0: never), from the contract's events since the
    /// deployment.
    ///
    /// # Errors
    /// [`CliError::Rpc`].
    pub async fn last_change(
        &self,
        chain: &Chain,
        manifest: &Manifest,
        at: Address,
        market: Option<u32>,
        asset: Option<Address>,
    ) -> Result<u64> {
        let topic = match self.contract {
            "RiskModule" => Risk::ParameterSet::SIGNATURE_HASH,
            "RiskEngine" => Engine::ParameterSet::SIGNATURE_HASH,
            "Liquidator" => Liquidator::ParameterSet::SIGNATURE_HASH,
            "CircuitBreaker" => Breaker::ParameterSet::SIGNATURE_HASH,
            "VaultPolicy" if !self.per_asset => Policy::RateParameterSet::SIGNATURE_HASH,
            "OptionMarkets" => OptionMarkets::OptionParameterSet::SIGNATURE_HASH,
            "InsuranceFund" if self.name == "window" => Fund::WindowSet::SIGNATURE_HASH,
            "InsuranceFund" => Fund::TargetSet::SIGNATURE_HASH,
            // Neither the flags nor the fee accounts are rate-limited.
            "Timelock" => return Ok(0),
            "VaultPolicy" if self.per_asset && self.code != asset_code::DEPOSIT_CAP => {
                return Ok(0)
            }
            "Clearinghouse" if self.code != fee_code::INSURANCE_SHARE => return Ok(0),
            "VaultPolicy" if self.per_asset => Policy::DepositCapSet::SIGNATURE_HASH,
            "Clearinghouse" => Ledger::FeeConfigSet::SIGNATURE_HASH,
            _ => Markets::MarketParameterSet::SIGNATURE_HASH,
        };
        let filter = Filter::new()
            .address(at)
            .event_signature(topic)
            .from_block(manifest.first_block());
        let logs = chain.logs(&filter).await?;
        let mut last = None;
        for log in logs {
            let topics = log.topics();
            let data = log.data().data.as_ref();
            let word = |i: usize| data.get(i * 32..i * 32 + 32).map(B256::from_slice);
            let matches = match self.contract {
                "VaultPolicy" if self.per_asset => {
                    topics.get(1).map(|t| Address::from_word(*t)) == Some(asset.unwrap_or_default())
                }
                // A change of the share (not of the accounts alone) starts its interval.
                "Clearinghouse" => word(2) != word(3),
                "RiskModule" | "VaultPolicy" | "OptionMarkets" => {
                    topics.get(1).map(|t| t[31]) == Some(self.code)
                }
                "RiskEngine" => {
                    topics.get(1).map(|t| Address::from_word(*t)) == Some(asset.unwrap_or_default())
                        && topics.get(2).map(|t| t[31]) == Some(self.code)
                }
                "Liquidator" | "CircuitBreaker" => word(0).map(|w| w[31]) == Some(self.code),
                "InsuranceFund" => true,
                _ => {
                    topics.get(1).map(|t| U256::from_be_bytes(t.0))
                        == Some(U256::from(market.unwrap_or_default()))
                        && word(0).map(|w| w[31]) == Some(self.code)
                }
            };
            if matches {
                last = log.block_number.max(last);
            }
        }
        match last {
            Some(n) => chain.block_time(n).await,
            None => Ok(0),
        }
    }
}
