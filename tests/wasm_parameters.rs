//! Every governed parameter of every contract, on the deployable WASM with
//! block time moving, through the deployment's timelock (DESIGN section 11).
//!
//! For each parameter: a value out of its bounds, a change over its step and
//! a risk-raising change by the risk admin each fail with their own error; a
//! risk-raising change queued in the timelock fails before its delay, applies
//! after it and cannot execute twice; changing the parameter again within its
//! interval fails, also through the timelock, and succeeds after it; a
//! risk-lowering change by the risk admin applies at once; a cancelled
//! proposal and an expired one never execute. Needs `scripts/build-wasm`
//! first.
use alloy_primitives::{keccak256, Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall};
use clearing_core::WAD;
use clearing_sim::{abi::Timelock, System, ETH_PERP};

sol! {
    /// The errors every governed setter shares (same signatures, same selectors).
    #[derive(Debug, PartialEq, Eq)]
    contract Gov {
        error ParameterOutOfBounds(uint8 param, uint256 value);
        error ParameterStepTooLarge(uint8 param, uint256 oldValue, uint256 newValue);
        error ParameterChangedTooSoon(uint8 param, uint64 nextAllowedAt);
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
        function grantRole(bytes32 role, address account) external;
    }

    contract RiskP {
        function setParameter(uint8 code, uint256 value) external;
        function parameter(uint8 code) external view returns (uint256);
    }

    contract BreakerP {
        function setParameter(uint8 code, uint256 value) external;
        function parameters() external view returns (uint256, uint64, uint64, uint256, uint64, uint256, uint64);
    }

    contract LiquidatorP {
        function setParameter(uint8 code, uint256 value) external;
        function parameters() external view returns (uint64, uint256, uint256);
    }

    contract FundP {
        function setTarget(uint256 target) external;
        function setWindow(uint64 window) external;
        function target() external view returns (uint256);
        function window() external view returns (uint64);
    }

    contract EngineP {
        function setHaircutParameters(uint256 k, uint256 initRatio, uint64 horizon, uint256 maxSpeed) external;
        function haircutParameters() external view returns (uint256, uint256, uint64, uint256);
        function setHaircutConfig(address asset, uint256 floor, uint256 cap, uint256 multiplier) external;
        function haircutConfig(address asset) external view returns (uint256, uint256, uint256, uint256, uint64);
    }

    contract MarketsP {
        function configureMarket(uint32 market, uint8 code, uint256 value) external;
        function fundingParameters(uint32 market) external view returns (uint256, uint256, uint64);
        function market(uint32 market) external view returns (address, uint256, uint256, uint256, uint256, uint256, uint256, uint256);
    }

    contract PolicyP {
        function setRateParameter(uint8 code, uint256 value) external;
        function rateParameter(uint8 code) external view returns (uint256);
    }

    contract VaultP {
        function configureAsset(address asset, uint256 depositCap, bool depositEnabled, bool collateralEnabled) external;
        function assetConfig(address asset) external view returns (uint8, uint256, uint256, bool, bool);
    }

    contract LedgerP {
        function setFeeConfig(bytes32 insuranceAccount, bytes32 treasuryAccount, uint256 insuranceShare) external;
        function feeConfig() external view returns (bytes32, bytes32, uint256);
    }
}

const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
/// The timelock's grace period after the delay (its default).
const GRACE: u64 = 14 * DAY;

/// `x` percent, WAD.
fn pc(x: u64) -> U256 {
    WAD * U256::from(x) / U256::from(100u8)
}

/// `x` hundredths of a percent (basis points), WAD.
fn bp(x: u64) -> U256 {
    WAD * U256::from(x) / U256::from(10_000u16)
}

fn u(x: u64) -> U256 {
    U256::from(x)
}

type Encode = Box<dyn Fn(&mut System, U256) -> Bytes>;
type Read = Box<dyn Fn(&mut System) -> U256>;

/// One governed parameter and the values the walk uses.
struct Case {
    name: &'static str,
    target: Address,
    /// The parameter code the contract reports in its errors.
    code: u8,
    /// The code reported for `out_of_bounds` (a haircut floor above the cap
    /// reports the floor/cap pair's code).
    oob_code: u8,
    /// The calldata that sets the parameter to a value (the other values of
    /// a multi-value setter unchanged).
    encode: Encode,
    read: Read,
    /// A risk-raising value within one step of the current one.
    raise: U256,
    /// A risk-lowering value within one step of the current one, if any
    /// exists (every correlation change raises risk; the fee share is the
    /// admin's alone).
    lower: Option<U256>,
    /// A value within the bounds but beyond one step, if the step binds.
    over_step: Option<U256>,
    out_of_bounds: U256,
    /// Only the admin may call the setter at all: its rule errors are
    /// reached through the timelock.
    admin_only: bool,
}

fn call(s: &mut System, from: Address, to: Address, data: Bytes) -> Result<(), String> {
    let receipt = s.rt.transact(from, to, data.to_vec(), U256::ZERO);
    receipt.result().map(drop).map_err(|e| format!("{e:?}"))
}

fn revert(s: &mut System, from: Address, to: Address, data: Bytes) -> stylus_runtime::CallError {
    let receipt = s.rt.transact(from, to, data.to_vec(), U256::ZERO);
    match receipt.result() {
        Ok(_) => panic!("call by {from} to {to} succeeded"),
        Err(e) => e,
    }
}

/// The error of a change that breaks its rule: called by the risk admin, or
/// through the timelock (queued, executed after the delay) for a setter only
/// the admin may call.
fn rule_error(
    s: &mut System,
    c: &Case,
    risk_admin: Address,
    data: Bytes,
) -> stylus_runtime::CallError {
    if !c.admin_only {
        return revert(s, risk_admin, c.target, data);
    }
    let (_, salt) = s.queue(c.target, &data).unwrap();
    s.advance(s.delay).unwrap();
    s.execute(c.target, &data, salt).unwrap_err()
}

fn cases(s: &System) -> Vec<Case> {
    let (risk, breaker, liq, fund, engine, markets, ch, weth) = (
        s.risk,
        s.breaker,
        s.liquidator,
        s.fund,
        s.engine,
        s.markets,
        s.clearinghouse,
        s.weth,
    );
    let admin = s.admin;
    let mut out = Vec::new();

    // RiskModule.
    let risk_param = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: risk,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            RiskP::setParameterCall { code, value: v }
                .abi_encode()
                .into()
        }),
        read: Box::new(move |s| {
            s.rt.view(admin, risk, &RiskP::parameterCall { code })
                .unwrap()
                ._0
        }),
        raise,
        lower,
        over_step: over,
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(risk_param(
        "risk.lambda",
        1,
        pc(96),
        Some(pc(92)),
        Some(pc(97)),
        pc(49),
    ));
    out.push(risk_param(
        "risk.heartbeatTolerance",
        2,
        pc(20),
        Some(pc(0)),
        Some(pc(21)),
        pc(101),
    ));
    out.push(risk_param(
        "risk.minMarginFraction",
        3,
        bp(10),
        Some(bp(100)),
        Some(bp(101)),
        bp(9),
    ));
    out.push(risk_param(
        "risk.sequencerGrace",
        4,
        u(0),
        Some(u(2 * HOUR)),
        Some(u(2 * HOUR + 1)),
        u(DAY + 1),
    ));
    out.push(risk_param(
        "risk.intraCorrelation[0]",
        10,
        pc(90),
        None,
        Some(pc(91)),
        pc(101),
    ));
    out.push(risk_param(
        "risk.intraCorrelation[3]",
        13,
        pc(40),
        None,
        Some(pc(61)),
        pc(101),
    ));
    out.push(risk_param(
        "risk.interCorrelation",
        20,
        pc(35),
        None,
        Some(pc(36)),
        pc(101),
    ));

    // CircuitBreaker: loosening raises risk.
    let breaker_param = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: breaker,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            BreakerP::setParameterCall { code, value: v }
                .abi_encode()
                .into()
        }),
        read: Box::new(move |s| {
            let p =
                s.rt.view(admin, breaker, &BreakerP::parametersCall {})
                    .unwrap();
            match code {
                1 => p._0,
                2 => u(p._1),
                3 => u(p._2),
                4 => p._3,
                5 => u(p._4),
                6 => p._5,
                _ => u(p._6),
            }
        }),
        raise,
        lower: Some(lower),
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(breaker_param(
        "breaker.maxMove",
        1,
        pc(25),
        pc(15),
        pc(26),
        pc(91),
    ));
    out.push(breaker_param(
        "breaker.window",
        2,
        u(HOUR / 2),
        u(2 * HOUR),
        u(2 * HOUR + 1),
        u(299),
    ));
    out.push(breaker_param(
        "breaker.cooldown",
        3,
        u(900),
        u(HOUR),
        u(HOUR + 1),
        u(59),
    ));
    out.push(breaker_param(
        "breaker.rateLimit",
        4,
        pc(40),
        pc(1),
        pc(41),
        pc(101),
    ));
    out.push(breaker_param(
        "breaker.rateWindow",
        5,
        u(HOUR / 2),
        u(2 * HOUR),
        u(2 * HOUR + 1),
        u(299),
    ));
    out.push(breaker_param(
        "breaker.drawdownTrip",
        6,
        pc(40),
        pc(20),
        pc(41),
        pc(4),
    ));
    out.push(breaker_param(
        "breaker.postResetGrace",
        7,
        u(0),
        u(1_800),
        u(1_801),
        u(DAY + 1),
    ));

    // Liquidator.
    let liq_param = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: liq,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            LiquidatorP::setParameterCall { code, value: v }
                .abi_encode()
                .into()
        }),
        read: Box::new(move |s| {
            let p =
                s.rt.view(admin, liq, &LiquidatorP::parametersCall {})
                    .unwrap();
            match code {
                1 => u(p._0),
                2 => p._1,
                _ => p._2,
            }
        }),
        raise,
        lower: Some(lower),
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(liq_param(
        "liquidator.penaltyDivisor",
        1,
        u(7),
        u(3),
        u(8),
        u(21),
    ));
    out.push(liq_param(
        "liquidator.minPenalty",
        2,
        bp(10),
        bp(100),
        bp(101),
        pc(11),
    ));
    out.push(liq_param(
        "liquidator.keeperShare",
        3,
        pc(40),
        pc(60),
        pc(61),
        pc(101),
    ));

    // InsuranceFund.
    out.push(Case {
        name: "fund.window",
        target: fund,
        code: 2,
        oob_code: 2,
        encode: Box::new(|_, v| {
            FundP::setWindowCall {
                window: v.to::<u64>(),
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| u(s.rt.view(admin, fund, &FundP::windowCall {}).unwrap()._0)),
        raise: u(HOUR),
        lower: Some(u(2 * DAY)),
        over_step: Some(u(2 * DAY + 1)),
        out_of_bounds: u(HOUR - 1),
        admin_only: false,
    });
    // The target starts at zero: the walk first raises it (risk-lowering, see
    // `prepare`), so that a lower target exists.
    let m = WAD * U256::from(1_000_000u64);
    out.push(Case {
        name: "fund.target",
        target: fund,
        code: 3,
        oob_code: 3,
        encode: Box::new(|_, v| FundP::setTargetCall { target: v }.abi_encode().into()),
        read: Box::new(move |s| s.rt.view(admin, fund, &FundP::targetCall {}).unwrap()._0),
        raise: m * u(5),
        lower: Some(m * u(20)),
        over_step: Some(m * u(20) + u(1)),
        out_of_bounds: m * u(1_000_000) + u(1),
        admin_only: false,
    });

    // RiskEngine: global haircut parameters (one value changes at a time).
    let global = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: engine,
        code,
        oob_code: code,
        encode: Box::new(move |s: &mut System, v: U256| {
            let p =
                s.rt.view(admin, engine, &EngineP::haircutParametersCall {})
                    .unwrap();
            let (mut k, mut r, mut h, mut sp) = (p._0, p._1, p._2, p._3);
            match code {
                3 => k = v,
                4 => r = v,
                5 => h = v.saturating_to::<u64>(),
                _ => sp = v,
            }
            EngineP::setHaircutParametersCall {
                k,
                initRatio: r,
                horizon: h,
                maxSpeed: sp,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| {
            let p =
                s.rt.view(admin, engine, &EngineP::haircutParametersCall {})
                    .unwrap();
            match code {
                3 => p._0,
                4 => p._1,
                5 => u(p._2),
                _ => p._3,
            }
        }),
        raise,
        lower: Some(lower),
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(global("engine.k", 3, pc(250), pc(350), pc(351), pc(601)));
    out.push(global(
        "engine.initRatio",
        4,
        pc(125),
        pc(175),
        pc(176),
        pc(109),
    ));
    out.push(global(
        "engine.horizon",
        5,
        u(HOUR / 2),
        u(2 * HOUR),
        u(2 * HOUR + 1),
        u(299),
    ));
    out.push(global(
        "engine.haircutSpeed",
        6,
        pc(4),
        pc(1),
        pc(5),
        pc(21),
    ));

    // RiskEngine: WETH's haircut configuration (floor 1 %, cap 50 %, multiplier 1).
    let asset = |name, code: u8, oob_code: u8, raise, lower, over, oob| Case {
        name,
        target: engine,
        code,
        oob_code,
        encode: Box::new(move |s: &mut System, v: U256| {
            let c =
                s.rt.view(admin, engine, &EngineP::haircutConfigCall { asset: weth })
                    .unwrap();
            let (mut floor, mut cap, mut mult) = (c._0, c._1, c._2);
            match code {
                7 => floor = v,
                8 => cap = v,
                _ => mult = v,
            }
            EngineP::setHaircutConfigCall {
                asset: weth,
                floor,
                cap,
                multiplier: mult,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| {
            let c =
                s.rt.view(admin, engine, &EngineP::haircutConfigCall { asset: weth })
                    .unwrap();
            match code {
                7 => c._0,
                8 => c._1,
                _ => c._2,
            }
        }),
        raise,
        lower: Some(lower),
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    // A floor above the cap (or a cap above 100 %) is the pair's bound (code 1).
    out.push(asset(
        "engine.floor[WETH]",
        7,
        1,
        pc(0),
        pc(6),
        bp(601),
        pc(51),
    ));
    out.push(asset(
        "engine.cap[WETH]",
        8,
        1,
        pc(40),
        pc(60),
        bp(6_001),
        pc(101),
    ));
    out.push(asset(
        "engine.volMultiplier[WETH]",
        2,
        2,
        pc(50),
        pc(150),
        pc(151),
        pc(1_001),
    ));

    // PerpMarkets: the ETH perpetual (fees 2 / 5 bp, cap 10,000, funding cap 0.75 %).
    let market = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: markets,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            MarketsP::configureMarketCall {
                market: ETH_PERP,
                code,
                value: v,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| {
            let m =
                s.rt.view(admin, markets, &MarketsP::marketCall { market: ETH_PERP })
                    .unwrap();
            match code {
                1 => m._1,
                2 => m._2,
                3 => m._3,
                4 => m._4,
                5 => m._5,
                _ => m._6,
            }
        }),
        raise,
        lower: Some(lower),
        over_step: over,
        out_of_bounds: oob,
        admin_only: false,
    };
    let fee = |x: u64| WAD * U256::from(x) / U256::from(100_000u32);
    out.push(market(
        "markets.minSize",
        1,
        bp(50),
        pc(2),
        None,
        U256::ZERO,
    ));
    out.push(market("markets.tick", 2, bp(50), pc(2), None, U256::ZERO));
    out.push(market(
        "markets.makerFee",
        3,
        u(0),
        fee(25),
        Some(fee(71)),
        pc(1) + u(1),
    ));
    out.push(market(
        "markets.takerFee",
        4,
        fee(45),
        fee(55),
        Some(fee(101)),
        pc(1) + u(1),
    ));
    out.push(market(
        "markets.maxOpenInterest",
        5,
        WAD * u(20_000),
        WAD * u(5_000),
        None,
        U256::ZERO,
    ));
    out.push(market(
        "markets.fundingCap",
        6,
        fee(500),
        fee(1_000),
        Some(fee(1_001)),
        pc(5) + u(1),
    ));

    // PerpMarkets: the fill band and the premium's notional and time constant
    // (DESIGN section 15; defaults 5 %, 100,000 quote, 1 h).
    let premium_param = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: markets,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            MarketsP::configureMarketCall {
                market: ETH_PERP,
                code,
                value: v,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| {
            let p =
                s.rt.view(
                    admin,
                    markets,
                    &MarketsP::fundingParametersCall { market: ETH_PERP },
                )
                .unwrap();
            match code {
                7 => p._0,
                8 => p._1,
                _ => U256::from(p._2),
            }
        }),
        raise,
        lower: Some(lower),
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(premium_param(
        "markets.maxFillDeviation",
        7,
        pc(6),
        pc(4),
        bp(601),
        pc(20) + u(1),
    ));
    out.push(premium_param(
        "markets.premiumNotional",
        8,
        WAD * u(50_000),
        WAD * u(200_000),
        WAD * u(200_000) + u(1),
        WAD * u(999),
    ));
    out.push(premium_param(
        "markets.premiumTau",
        9,
        u(1_800),
        u(7_200),
        u(7_201),
        u(299),
    ));

    // VaultPolicy: the quote market's rates (DESIGN section 15). The base rate starts at its
    // lower bound, where no risk-raising change exists: its rule is walked in the core's and
    // the motsu tests.
    let policy = s.policy;
    let rate_param = |name, code: u8, raise, lower, over, oob| Case {
        name,
        target: policy,
        code,
        oob_code: code,
        encode: Box::new(move |_, v| {
            PolicyP::setRateParameterCall { code, value: v }
                .abi_encode()
                .into()
        }),
        read: Box::new(move |s| {
            s.rt.view(admin, policy, &PolicyP::rateParameterCall { code })
                .unwrap()
                ._0
        }),
        raise,
        lower,
        over_step: Some(over),
        out_of_bounds: oob,
        admin_only: false,
    };
    out.push(rate_param(
        "policy.optimalUtilisation",
        10,
        pc(85),
        Some(pc(75)),
        pc(86),
        pc(96),
    ));
    out.push(rate_param(
        "policy.slope1",
        12,
        pc(5),
        Some(pc(12)),
        pc(14),
        pc(51),
    ));
    out.push(rate_param(
        "policy.slope2",
        13,
        pc(60),
        Some(pc(140)),
        pc(151),
        pc(501),
    ));
    out.push(rate_param(
        "policy.reserveShare",
        14,
        pc(6),
        Some(pc(14)),
        pc(16),
        pc(51),
    ));
    out.push(rate_param(
        "policy.hardUtilisation",
        15,
        pc(100),
        Some(pc(90)),
        pc(84),
        pc(101),
    ));
    out.push(rate_param(
        "policy.repayDiscount",
        16,
        pc(2),
        None,
        pc(3),
        pc(6),
    ));

    // VaultPolicy: WETH's deposit cap in the vault (a raise at most doubles it).
    let vault = s.vault;
    let weth_cap = move |s: &mut System| {
        s.rt.view(admin, vault, &VaultP::assetConfigCall { asset: weth })
            .unwrap()
            ._1
    };
    // Listed with a cap of 10^9 WETH.
    let cap = WAD * u(1_000_000_000);
    out.push(Case {
        name: "policy.depositCap[WETH]",
        target: policy,
        code: 2,
        oob_code: 2,
        encode: Box::new(move |_, v| {
            VaultP::configureAssetCall {
                asset: weth,
                depositCap: v,
                depositEnabled: true,
                collateralEnabled: true,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(weth_cap),
        raise: cap * u(2),
        lower: Some(cap / u(2)),
        over_step: Some(cap * u(2) + u(1)),
        out_of_bounds: clearing_core::MAX_DEPOSIT_CAP + u(1),
        admin_only: false,
    });

    // Clearinghouse: the insurance share of fees (the admin's alone).
    out.push(Case {
        name: "clearinghouse.insuranceShare",
        target: ch,
        code: 1,
        oob_code: 1,
        encode: Box::new(move |s: &mut System, v: U256| {
            let c = s.rt.view(admin, ch, &LedgerP::feeConfigCall {}).unwrap();
            LedgerP::setFeeConfigCall {
                insuranceAccount: c._0,
                treasuryAccount: c._1,
                insuranceShare: v,
            }
            .abi_encode()
            .into()
        }),
        read: Box::new(move |s| s.rt.view(admin, ch, &LedgerP::feeConfigCall {}).unwrap()._2),
        raise: pc(30),
        lower: None,
        over_step: Some(pc(76)),
        out_of_bounds: pc(101),
        admin_only: true,
    });
    out
}

#[test]
fn every_parameter_follows_its_rule_through_the_timelock() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    assert!(s.governed, "the deployment's admin is the timelock");
    let risk_admin = s.rt.new_account();
    let risk_role = keccak256("RISK_ADMIN_ROLE");
    for target in [
        s.risk,
        s.breaker,
        s.liquidator,
        s.fund,
        s.engine,
        s.markets,
        s.policy,
    ] {
        s.admin_call(
            "grant risk admin",
            target,
            &Gov::grantRoleCall {
                role: risk_role,
                account: risk_admin,
            },
        )
        .unwrap();
    }
    let delay = s.delay;
    // The fund's target starts at its lower bound: raise it first (risk-lowering, at once).
    let fund = s.fund;
    call(
        &mut s,
        risk_admin,
        fund,
        FundP::setTargetCall {
            target: WAD * U256::from(10_000_000u64),
        }
        .abi_encode()
        .into(),
    )
    .unwrap();
    s.advance(DAY).unwrap();

    let all = cases(&s);
    assert_eq!(all.len(), 43);
    for c in all {
        let name = c.name;
        let current = (c.read)(&mut s);
        // Out of bounds, over the step: refused to anyone, before the caller is judged.
        let data = (c.encode)(&mut s, c.out_of_bounds);
        let err = rule_error(&mut s, &c, risk_admin, data);
        let e = err.decode::<Gov::ParameterOutOfBounds>();
        assert!(
            e.as_ref().is_some_and(|e| e.param == c.oob_code),
            "{name}: out of bounds: {err}"
        );
        if let Some(over) = c.over_step {
            let data = (c.encode)(&mut s, over);
            let err = rule_error(&mut s, &c, risk_admin, data);
            assert_eq!(
                err.decode::<Gov::ParameterStepTooLarge>(),
                Some(Gov::ParameterStepTooLarge {
                    param: c.code,
                    oldValue: current,
                    newValue: over
                }),
                "{name}: over the step: {err}"
            );
        }
        // The risk admin may not raise risk.
        let raise = (c.encode)(&mut s, c.raise);
        let err = revert(&mut s, risk_admin, c.target, raise.clone());
        let e = err.decode::<Gov::AccessControlUnauthorizedAccount>();
        assert!(
            e.is_some_and(|e| e.account == risk_admin),
            "{name}: risk admin raising: {err}"
        );
        assert_eq!(
            (c.read)(&mut s),
            current,
            "{name}: a refused change changed it"
        );

        // Through the timelock: refused before the delay, applied after it, once.
        let (id, salt) = s.queue(c.target, &raise).unwrap();
        let queued_at = s.rt.block().timestamp;
        let err = s.execute(c.target, &raise, salt).unwrap_err();
        assert_eq!(
            err.decode::<Timelock::TooEarly>(),
            Some(Timelock::TooEarly {
                id,
                eta: queued_at + delay
            }),
            "{name}: before the delay"
        );
        assert_eq!((c.read)(&mut s), current);
        s.advance(delay).unwrap();
        s.execute(c.target, &raise, salt)
            .unwrap_or_else(|e| panic!("{name}: after the delay: {e}"));
        assert_eq!((c.read)(&mut s), c.raise, "{name}: applied");
        let changed_at = s.rt.block().timestamp;
        let err = s.execute(c.target, &raise, salt).unwrap_err();
        assert!(
            err.decode::<Timelock::AlreadyExecuted>().is_some(),
            "{name}: replay: {err}"
        );

        // Back to the old value within the interval: too soon, also for the timelock.
        let back = (c.encode)(&mut s, current);
        let (_, salt) = s.queue(c.target, &back).unwrap();
        s.advance(delay).unwrap();
        let err = s.execute(c.target, &back, salt).unwrap_err();
        assert_eq!(
            err.decode::<Gov::ParameterChangedTooSoon>(),
            Some(Gov::ParameterChangedTooSoon {
                param: c.code,
                nextAllowedAt: changed_at + DAY
            }),
            "{name}: too soon"
        );
        assert_eq!((c.read)(&mut s), c.raise);
        // A day after the change the same proposal executes.
        s.advance(DAY).unwrap();
        s.execute(c.target, &back, salt)
            .unwrap_or_else(|e| panic!("{name}: after the interval: {e}"));
        assert_eq!((c.read)(&mut s), current, "{name}: back");

        // A risk-lowering change by the risk admin applies at once (a day later).
        s.advance(DAY).unwrap();
        match c.lower {
            Some(lower) => {
                let data = (c.encode)(&mut s, lower);
                call(&mut s, risk_admin, c.target, data)
                    .unwrap_or_else(|e| panic!("{name}: lowering risk at once: {e}"));
                assert_eq!((c.read)(&mut s), lower, "{name}: lowered");
            }
            None => {
                // No change of it lowers risk for every account (or it is the admin's alone).
                let data = (c.encode)(&mut s, current);
                let _ = call(&mut s, risk_admin, c.target, data);
                assert_eq!((c.read)(&mut s), current);
            }
        }
        let before = (c.read)(&mut s);

        // A proposal the guardian cancels never executes.
        let (id, salt) = s.queue(c.target, &raise).unwrap();
        s.rt.call(
            s.guardian,
            s.timelock,
            &Timelock::cancelCall { id },
            U256::ZERO,
        )
        .unwrap();
        s.advance(delay + DAY).unwrap();
        let err = s.execute(c.target, &raise, salt).unwrap_err();
        assert_eq!(
            err.decode::<Timelock::ProposalCancelled>(),
            Some(Timelock::ProposalCancelled { id }),
            "{name}: cancelled"
        );
        // One not executed within its grace period expires.
        let (id, salt) = s.queue(c.target, &raise).unwrap();
        let queued_at = s.rt.block().timestamp;
        s.advance(delay + GRACE + 1).unwrap();
        let err = s.execute(c.target, &raise, salt).unwrap_err();
        assert_eq!(
            err.decode::<Timelock::Expired>(),
            Some(Timelock::Expired {
                id,
                expiresAt: queued_at + delay + GRACE
            }),
            "{name}: expired"
        );
        assert_eq!((c.read)(&mut s), before, "{name}: nothing executed");
    }
}
