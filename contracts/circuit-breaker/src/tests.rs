//! Circuit breaker tests on motsu, against the real RiskModule (with the mock aggregator and
//! sequencer feed) and [`Fund`], a test double of the insurance fund's `drawdown()`.
//!
//! motsu's block time is fixed, so the time rules (cooldowns ending, grace ending, windows
//! rolling) are covered by `clearing_core::liquidation::breaker`'s tests; here every trigger trips or refuses
//! with its named error, and every privileged function rejects the wrong callers.
use super::*;
use alloy_primitives::{address, keccak256, uint};
use mock_aggregator::MockAggregator;
use mock_sequencer_feed::MockSequencerFeed;
use motsu::prelude::*;
use openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount;
use risk_module::{
    PriceStale, RiskError, RiskModule, SequencerDown, SequencerGracePeriod, UnknownAsset,
};

/// motsu's fixed block timestamp.
const NOW: u64 = 1_735_689_600;
const ETH: Address = address!("00000000000000000000000000000000000e7e00");
const E8: i64 = 100_000_000;
const WAD: U256 = uint!(1_000_000_000_000_000_000_U256);

/// The insurance fund's `drawdown()` view with a drawdown the test sets.
#[storage]
struct Fund {
    drawdown: StorageU256,
}

unsafe impl TopLevelStorage for Fund {}

#[public]
impl Fund {
    fn set_drawdown(&mut self, drawdown: U256) {
        self.drawdown.set(drawdown);
    }

    fn drawdown(&self) -> (U256, I256, U256) {
        (wad(1_000), I256::from_raw(wad(700)), self.drawdown.get())
    }
}

/// A fund whose `drawdown()` answers with data that does not fit `(uint256, int256, uint256)`.
#[storage]
struct ShortFund {}

unsafe impl TopLevelStorage for ShortFund {}

#[public]
impl ShortFund {
    fn drawdown(&self) -> U256 {
        pct(31)
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn pct(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100)
}

fn answer(x: i64) -> I256 {
    I256::try_from(x).unwrap()
}

fn bytes(e: BreakerError) -> Vec<u8> {
    e.into()
}

fn risk_bytes(e: RiskError) -> Vec<u8> {
    e.into()
}

fn unauthorized(account: Address, role: [u8; 32]) -> BreakerError {
    BreakerError::UnauthorizedAccount(AccessControlUnauthorizedAccount {
        account,
        needed_role: role.into(),
    })
}

/// The contracts of one test.
struct Env<'a> {
    cb: &'a Contract<CircuitBreaker>,
    risk: &'a Contract<RiskModule>,
    feed: &'a Contract<MockAggregator>,
    fund: &'a Contract<Fund>,
    admin: Address,
    keeper: Address,
}

/// ETH listed on an 8-decimal feed at 3000 (heartbeat 1 h), a fund with no drawdown, and a
/// breaker with `guardian` and `keeper` (liquidator role) besides the admin.
fn setup<'a>(
    cb: &'a Contract<CircuitBreaker>,
    risk: &'a Contract<RiskModule>,
    feed: &'a Contract<MockAggregator>,
    fund: &'a Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) -> Env<'a> {
    risk.sender(admin).constructor(admin);
    feed.sender(admin).constructor(8, "ETH / USD".into());
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW));
    risk.sender(admin)
        .list_asset(
            ETH,
            feed.address(),
            3600,
            wad(100),
            wad(100_000),
            0,
            U256::ZERO,
            pct(3),
        )
        .motsu_unwrap();
    cb.sender(admin)
        .constructor(admin, risk.address(), fund.address(), pct(20))
        .motsu_unwrap();
    cb.sender(admin)
        .grant_role(GUARDIAN_ROLE.into(), guardian)
        .motsu_unwrap();
    cb.sender(admin)
        .grant_role(LIQUIDATOR_ROLE.into(), keeper)
        .motsu_unwrap();
    Env {
        cb,
        risk,
        feed,
        fund,
        admin,
        keeper,
    }
}

impl Env<'_> {
    /// `checkLiquidation(ETH, notional, 1000 WAD open interest, deep)` by the keeper.
    fn check(&self, notional: U256, deep: bool) -> Result<(), Vec<u8>> {
        self.cb
            .sender(self.keeper)
            .check_liquidation(ETH, notional, wad(1_000), deep)
            .motsu_res()
    }

    fn refused(&self, notional: U256, deep: bool) -> Vec<u8> {
        self.check(notional, deep).unwrap_err()
    }

    fn set_price(&self, price: i64) {
        self.feed
            .sender(self.admin)
            .set_answer(answer(price * E8), U256::from(NOW));
    }

    fn state(&self, scope: Address) -> (u8, u64, u64) {
        self.cb.sender(self.admin).scope_state(scope)
    }

    fn allowed(&self) -> bool {
        self.cb.sender(self.admin).liquidation_allowed(ETH)
    }
}

#[test]
fn role_constants_are_the_hashes_of_their_names() {
    assert_eq!(B256::from(GUARDIAN_ROLE), keccak256("GUARDIAN_ROLE"));
    assert_eq!(B256::from(LIQUIDATOR_ROLE), keccak256("LIQUIDATOR_ROLE"));
    assert_eq!(ADMIN_ROLE, [0u8; 32]);
}

#[motsu::test]
fn deploys_with_defaults_and_records_a_liquidation(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    assert_eq!(
        cb.sender(admin).parameters(),
        (pct(20), 3_600, 1_800, pct(20), 3_600, pct(30), 900)
    );
    assert_eq!(cb.sender(admin).wiring(), (risk.address(), fund.address()));
    assert!(cb.sender(admin).has_role(ADMIN_ROLE.into(), admin));
    assert!(cb.sender(admin).has_role(GUARDIAN_ROLE.into(), guardian));
    assert!(cb.sender(admin).has_role(LIQUIDATOR_ROLE.into(), keeper));
    assert_eq!(env.state(GLOBAL), (0, 0, 0));
    assert_eq!(env.state(ETH), (0, 0, 0));
    assert_eq!(cb.sender(admin).rate_window(), (0, U256::ZERO));
    assert!(env.allowed());

    env.check(wad(150), false).unwrap();
    cb.assert_emitted(&LiquidationRecorded {
        asset: ETH,
        notional: wad(150),
        windowTotal: wad(150),
    });
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(150)));
    // The check records no price reference.
    assert_eq!(cb.sender(admin).price_reference(ETH), (U256::ZERO, 0));
}

#[motsu::test]
fn rate_limit_throttles_at_the_share_of_open_interest(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    // Cap: 20 % of 1000 = 200.
    env.check(wad(150), false).unwrap();
    assert_eq!(
        env.refused(wad(50) + U256::from(1), false),
        bytes(BreakerError::LiquidationRateLimited(
            LiquidationRateLimited {
                windowTotal: wad(200) + U256::from(1),
                cap: wad(200),
            }
        ))
    );
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(150)));
    env.check(wad(50), false).unwrap();
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(200)));
    assert_eq!(
        env.refused(U256::from(1), true),
        bytes(BreakerError::LiquidationRateLimited(
            LiquidationRateLimited {
                windowTotal: wad(200) + U256::from(1),
                cap: wad(200),
            }
        ))
    );
    // Throttling trips no scope.
    assert_eq!(env.state(GLOBAL), (0, 0, 0));
    assert_eq!(env.state(ETH), (0, 0, 0));
    assert!(env.allowed());
}

#[motsu::test]
fn a_price_move_refuses_and_poke_trips_the_asset(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
    anyone: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    // The first observation sets the reference.
    assert!(!cb.sender(anyone).poke(ETH).motsu_unwrap());
    assert_eq!(cb.sender(admin).price_reference(ETH), (wad(3000), NOW));
    // Exactly 20 % is no trip.
    env.set_price(3600);
    assert!(env.allowed());
    assert!(!cb.sender(anyone).poke(ETH).motsu_unwrap());
    env.check(wad(1), false).unwrap();
    // Beyond 20 %: refused, then tripped by a keeper's poke.
    env.set_price(3700);
    assert!(!env.allowed());
    assert_eq!(
        env.refused(wad(1), true),
        bytes(BreakerError::PriceMoveHalt(PriceMoveHalt {
            asset: ETH,
            referencePrice: wad(3000),
            price: wad(3700),
        }))
    );
    assert_eq!(env.state(ETH), (0, 0, 0));
    assert!(cb.sender(anyone).poke(ETH).motsu_unwrap());
    cb.assert_emitted(&Tripped {
        scope: ETH,
        reason: TripReason::PriceMove as u8,
        until: NOW + 1_800,
    });
    assert_eq!(env.state(ETH), (1, NOW + 1_800, NOW + 2_700));
    assert_eq!(cb.sender(admin).price_reference(ETH), (wad(3700), NOW));
    assert_eq!(
        env.refused(wad(1), true),
        bytes(halted(ETH, TripReason::PriceMove, NOW + 1_800))
    );
    assert!(!env.allowed());
    // The global scope is untouched; the window holds only the earlier liquidation.
    assert_eq!(env.state(GLOBAL), (0, 0, 0));
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(1)));
    // Poking again at the same price records no new trip.
    assert!(!cb.sender(anyone).poke(ETH).motsu_unwrap());
    // The admin may end it early; grace follows.
    cb.sender(admin).reset(ETH).motsu_unwrap();
    cb.assert_emitted(&Reset {
        scope: ETH,
        graceUntil: NOW + 900,
    });
    assert_eq!(env.state(ETH), (0, 0, NOW + 900));
    assert_eq!(
        env.refused(wad(1), false),
        bytes(BreakerError::OnlyDeeplyUnhealthy(OnlyDeeplyUnhealthy {
            scope: ETH,
            until: NOW + 900,
        }))
    );
    assert!(!env.allowed());
    env.check(wad(1), true).unwrap();
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(2)));
}

#[motsu::test]
fn oracle_and_sequencer_errors_pass_through(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    seq: Contract<MockSequencerFeed>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    // Stale: older than heartbeat + 10 %.
    feed.sender(admin)
        .set_answer(answer(3000 * E8), U256::from(NOW - 3_961));
    let stale = risk_bytes(RiskError::PriceStale(PriceStale {
        asset: ETH,
        updatedAt: U256::from(NOW - 3_961),
    }));
    assert_eq!(env.refused(wad(1), true), stale);
    assert_eq!(cb.sender(keeper).poke(ETH).motsu_unwrap_err(), stale);
    assert!(!env.allowed());
    env.set_price(3000);
    // Sequencer down, then up for less than the grace period.
    seq.sender(admin).set_status(false, U256::from(NOW - 10));
    env.risk
        .sender(admin)
        .set_sequencer_feed(seq.address())
        .motsu_unwrap();
    assert_eq!(
        env.refused(wad(1), true),
        risk_bytes(RiskError::SequencerDown(SequencerDown {}))
    );
    assert!(!env.allowed());
    seq.sender(admin).set_status(true, U256::from(NOW - 3_600));
    assert_eq!(
        env.refused(wad(1), true),
        risk_bytes(RiskError::SequencerGracePeriod(SequencerGracePeriod {
            upSince: U256::from(NOW - 3_600),
        }))
    );
    assert!(!env.allowed());
    seq.sender(admin).set_status(true, U256::from(NOW - 3_601));
    assert!(env.allowed());
    // An unknown asset is the risk module's error too.
    let other = address!("0000000000000000000000000000000000000bad");
    assert_eq!(
        cb.sender(keeper)
            .check_liquidation(other, wad(1), wad(1_000), true)
            .motsu_unwrap_err(),
        risk_bytes(RiskError::UnknownAsset(UnknownAsset { asset: other }))
    );
    assert!(!cb.sender(admin).liquidation_allowed(other));
    // Nothing was recorded by the refusals.
    assert_eq!(cb.sender(admin).rate_window(), (0, U256::ZERO));
    env.check(wad(1), false).unwrap();
    assert_eq!(cb.sender(admin).rate_window(), (NOW, wad(1)));
}

#[motsu::test]
fn a_drawdown_trips_globally_until_reset(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
    anyone: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    // Exactly 30 % does not trip.
    env.fund.sender(admin).set_drawdown(pct(30));
    assert!(!cb.sender(anyone).poke_global().motsu_unwrap());
    assert!(env.allowed());
    env.fund.sender(admin).set_drawdown(pct(31));
    assert!(!env.allowed());
    assert_eq!(
        env.refused(wad(1), true),
        bytes(BreakerError::DrawdownHalt(DrawdownHalt {
            drawdown: pct(31),
            tripLevel: pct(30),
        }))
    );
    assert!(cb.sender(anyone).poke_global().motsu_unwrap());
    cb.assert_emitted(&Tripped {
        scope: GLOBAL,
        reason: TripReason::Drawdown as u8,
        until: u64::MAX,
    });
    assert_eq!(env.state(GLOBAL), (3, u64::MAX, 0));
    assert_eq!(
        env.refused(wad(1), true),
        bytes(halted(GLOBAL, TripReason::Drawdown, u64::MAX))
    );
    assert!(!cb.sender(anyone).poke_global().motsu_unwrap());
    // Only the admin resets; the reset acknowledges 31 %.
    assert_eq!(
        bytes(cb.sender(guardian).reset_global().motsu_unwrap_err()),
        bytes(unauthorized(guardian, ADMIN_ROLE))
    );
    assert_eq!(env.state(GLOBAL), (3, u64::MAX, 0));
    cb.sender(admin).reset_global().motsu_unwrap();
    cb.assert_emitted(&Reset {
        scope: GLOBAL,
        graceUntil: NOW + 900,
    });
    assert_eq!(env.state(GLOBAL), (0, 0, NOW + 900));
    assert_eq!(cb.sender(admin).acknowledged_drawdown(), pct(31));
    assert_eq!(
        env.refused(wad(1), false),
        bytes(BreakerError::OnlyDeeplyUnhealthy(OnlyDeeplyUnhealthy {
            scope: GLOBAL,
            until: NOW + 900,
        }))
    );
    env.check(wad(1), true).unwrap();
    assert!(!cb.sender(anyone).poke_global().motsu_unwrap());
    // A deeper drawdown trips again.
    env.fund.sender(admin).set_drawdown(pct(32));
    assert_eq!(
        env.refused(wad(1), true),
        bytes(BreakerError::DrawdownHalt(DrawdownHalt {
            drawdown: pct(32),
            tripLevel: pct(30),
        }))
    );
    assert!(cb.sender(anyone).poke_global().motsu_unwrap());
    assert_eq!(env.state(GLOBAL), (3, u64::MAX, 0));
    // Back at the trip level, a poke clears the acknowledged level.
    cb.sender(admin).reset_global().motsu_unwrap();
    assert_eq!(cb.sender(admin).acknowledged_drawdown(), pct(32));
    env.fund.sender(admin).set_drawdown(pct(30));
    assert!(!cb.sender(anyone).poke_global().motsu_unwrap());
    assert_eq!(cb.sender(admin).acknowledged_drawdown(), U256::ZERO);
}

#[motsu::test]
fn a_fund_answering_garbage_is_a_failed_call(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    fund: Contract<ShortFund>,
    admin: Address,
    keeper: Address,
) {
    risk.sender(admin).constructor(admin);
    cb.sender(admin)
        .constructor(admin, risk.address(), fund.address(), pct(20))
        .motsu_unwrap();
    cb.sender(admin)
        .grant_role(LIQUIDATOR_ROLE.into(), keeper)
        .motsu_unwrap();
    let failed = bytes(BreakerError::CallFailed(CallFailed {
        callee: fund.address(),
    }));
    assert_eq!(
        cb.sender(keeper)
            .check_liquidation(ETH, wad(1), wad(1_000), true)
            .motsu_unwrap_err(),
        failed
    );
    assert_eq!(cb.sender(keeper).poke_global().motsu_unwrap_err(), failed);
    assert!(!cb.sender(admin).liquidation_allowed(ETH));
    assert_eq!(cb.sender(admin).rate_window(), (0, U256::ZERO));
}

#[motsu::test]
fn the_guardian_trips_and_only_the_admin_resets(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    cb.sender(guardian).trip(ETH).motsu_unwrap();
    cb.assert_emitted(&Tripped {
        scope: ETH,
        reason: TripReason::Manual as u8,
        until: u64::MAX,
    });
    assert_eq!(env.state(ETH), (4, u64::MAX, 0));
    assert_eq!(
        env.refused(wad(1), true),
        bytes(halted(ETH, TripReason::Manual, u64::MAX))
    );
    assert!(!env.allowed());
    // A price move does not shorten a manual trip.
    cb.sender(keeper).poke(ETH).motsu_unwrap();
    env.set_price(3700);
    assert!(!cb.sender(keeper).poke(ETH).motsu_unwrap());
    assert_eq!(env.state(ETH), (4, u64::MAX, 0));
    env.set_price(3000);
    cb.sender(keeper).poke(ETH).motsu_unwrap();

    cb.sender(guardian).trip_global().motsu_unwrap();
    cb.assert_emitted(&Tripped {
        scope: GLOBAL,
        reason: TripReason::Manual as u8,
        until: u64::MAX,
    });
    assert_eq!(
        env.refused(wad(1), true),
        bytes(halted(GLOBAL, TripReason::Manual, u64::MAX))
    );
    for who in [guardian, keeper] {
        assert_eq!(
            bytes(cb.sender(who).reset(ETH).motsu_unwrap_err()),
            bytes(unauthorized(who, ADMIN_ROLE))
        );
        assert_eq!(
            bytes(cb.sender(who).reset_global().motsu_unwrap_err()),
            bytes(unauthorized(who, ADMIN_ROLE))
        );
    }
    assert_eq!(env.state(ETH), (4, u64::MAX, 0));
    assert_eq!(env.state(GLOBAL), (4, u64::MAX, 0));
    cb.sender(admin).reset_global().motsu_unwrap();
    assert_eq!(
        env.refused(wad(1), true),
        bytes(halted(ETH, TripReason::Manual, u64::MAX))
    );
    cb.sender(admin).reset(ETH).motsu_unwrap();
    assert_eq!(env.state(ETH), (0, 0, NOW + 900));
    env.check(wad(1), true).unwrap();
    // Nothing left to reset.
    assert_eq!(
        bytes(cb.sender(admin).reset(ETH).motsu_unwrap_err()),
        bytes(BreakerError::NotTripped(NotTripped { scope: ETH }))
    );
    assert_eq!(
        bytes(cb.sender(admin).reset_global().motsu_unwrap_err()),
        bytes(BreakerError::NotTripped(NotTripped { scope: GLOBAL }))
    );
}

#[motsu::test]
fn parameters_stay_within_bounds(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
    risk_admin: Address,
) {
    setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    let defaults = cb.sender(admin).parameters();
    let s = U256::from;
    let cases: [(u8, U256, U256); 7] = [
        (param::MAX_MOVE, pct(2), pct(90)),
        (param::WINDOW, s(300), s(86_400)),
        (param::COOLDOWN, s(60), s(86_400)),
        (param::RATE_LIMIT, pct(1), pct(100)),
        (param::RATE_WINDOW, s(300), s(86_400)),
        (param::DRAWDOWN_TRIP, pct(5), pct(100)),
        (param::POST_RESET_GRACE, U256::ZERO, s(86_400)),
    ];
    for (code, lo, hi) in cases {
        let mut bad = vec![hi + s(1)];
        if !lo.is_zero() {
            bad.push(lo - s(1));
        }
        for value in bad {
            assert_eq!(
                bytes(
                    cb.sender(admin)
                        .set_parameter(code, value)
                        .motsu_unwrap_err()
                ),
                bytes(BreakerError::ParameterOutOfBounds(ParameterOutOfBounds {
                    param: code,
                    value
                }))
            );
        }
    }
    for code in [0, 8] {
        assert_eq!(
            bytes(
                cb.sender(admin)
                    .set_parameter(code, s(1))
                    .motsu_unwrap_err()
            ),
            bytes(BreakerError::UnknownParameter(UnknownParameter {
                param: code
            }))
        );
    }
    assert_eq!(cb.sender(admin).parameters(), defaults);
    cb.sender(admin)
        .grant_role(RISK_ADMIN_ROLE.into(), risk_admin)
        .motsu_unwrap();
    // (code, default, largest step, whether an increase loosens the breaker).
    let steps: [(u8, U256, U256, bool); 7] = [
        (param::MAX_MOVE, pct(20), pct(5), true),
        (param::WINDOW, s(3_600), s(3_600), false),
        (param::COOLDOWN, s(1_800), s(1_800), false),
        (param::RATE_LIMIT, pct(20), pct(20), true),
        (param::RATE_WINDOW, s(3_600), s(3_600), false),
        (param::DRAWDOWN_TRIP, pct(30), pct(10), true),
        (param::POST_RESET_GRACE, s(900), s(900), false),
    ];
    for (code, default, step, up_loosens) in steps {
        let loosen = |by: U256| {
            if up_loosens {
                default + by
            } else {
                default - by
            }
        };
        let (lo, _) = BreakerParam::from_code(code).unwrap().bounds();
        // Tightening by a whole step, or to the bound when that is nearer.
        let tighten = |by: U256| {
            if up_loosens {
                default.saturating_sub(by).max(lo)
            } else {
                default + by
            }
        };
        // One unit over the step is refused, either way, whoever calls.
        let over = step + s(1);
        let down = default.checked_sub(over).unwrap_or(U256::MAX);
        for value in [default + over, down] {
            if !BreakerParam::from_code(code).unwrap().in_bounds(value) {
                continue;
            }
            assert_eq!(
                bytes(
                    cb.sender(admin)
                        .set_parameter(code, value)
                        .motsu_unwrap_err()
                ),
                bytes(BreakerError::ParameterStepTooLarge(ParameterStepTooLarge {
                    param: code,
                    oldValue: default,
                    newValue: value
                }))
            );
        }
        // The risk admin may not loosen the breaker ...
        assert_eq!(
            bytes(
                cb.sender(risk_admin)
                    .set_parameter(code, loosen(step / s(2)))
                    .motsu_unwrap_err()
            ),
            bytes(unauthorized(risk_admin, ADMIN_ROLE))
        );
        // ... but tightens it at once, by a whole step.
        cb.sender(risk_admin)
            .set_parameter(code, tighten(step))
            .motsu_unwrap();
        cb.assert_emitted(&ParameterSet {
            code,
            oldValue: default,
            newValue: tighten(step),
        });
        // The next change of the same parameter waits a day, even for the admin.
        assert_eq!(
            bytes(
                cb.sender(admin)
                    .set_parameter(code, default)
                    .motsu_unwrap_err()
            ),
            bytes(BreakerError::ParameterChangedTooSoon(
                ParameterChangedTooSoon {
                    param: code,
                    nextAllowedAt: NOW + 86_400
                }
            ))
        );
    }
    assert_eq!(
        cb.sender(admin).parameters(),
        (pct(15), 7_200, 3_600, pct(1), 7_200, pct(20), 1_800)
    );
}

#[motsu::test]
fn the_initial_rate_limit_is_bounded(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    fund: Contract<Fund>,
    admin: Address,
) {
    for bad in [pct(1) - U256::from(1), pct(100) + U256::from(1)] {
        assert_eq!(
            bytes(
                cb.sender(admin)
                    .constructor(admin, risk.address(), fund.address(), bad)
                    .motsu_unwrap_err()
            ),
            bytes(BreakerError::ParameterOutOfBounds(ParameterOutOfBounds {
                param: param::RATE_LIMIT,
                value: bad
            }))
        );
        assert!(!cb.sender(admin).has_role(ADMIN_ROLE.into(), admin));
    }
    cb.sender(admin)
        .constructor(admin, risk.address(), fund.address(), pct(100))
        .motsu_unwrap();
    assert_eq!(cb.sender(admin).parameters().3, pct(100));
    assert_eq!(cb.sender(admin).parameters().0, pct(20));
}

#[motsu::test]
fn new_parameters_apply_from_now_on(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    let s = U256::from;
    // The admin loosens: a 1-minute cooldown, a 25 % trigger, no grace.
    cb.sender(admin)
        .set_parameter(param::COOLDOWN, s(60))
        .motsu_unwrap();
    cb.sender(admin)
        .set_parameter(param::MAX_MOVE, pct(25))
        .motsu_unwrap();
    cb.sender(admin)
        .set_parameter(param::POST_RESET_GRACE, U256::ZERO)
        .motsu_unwrap();
    cb.sender(keeper).poke(ETH).motsu_unwrap();
    // A 24.97 % move no longer trips; 25.03 % does.
    env.set_price(3749);
    assert!(!cb.sender(keeper).poke(ETH).motsu_unwrap());
    env.set_price(3751);
    assert!(cb.sender(keeper).poke(ETH).motsu_unwrap());
    assert_eq!(env.state(ETH), (1, NOW + 60, NOW + 60));
    cb.sender(admin).reset(ETH).motsu_unwrap();
    assert_eq!(env.state(ETH), (0, 0, NOW));
    env.check(wad(1), false).unwrap();
}

#[motsu::test]
fn privileged_functions_reject_other_callers(
    cb: Contract<CircuitBreaker>,
    risk: Contract<RiskModule>,
    feed: Contract<MockAggregator>,
    fund: Contract<Fund>,
    admin: Address,
    guardian: Address,
    keeper: Address,
    stranger: Address,
) {
    let env = setup(&cb, &risk, &feed, &fund, admin, guardian, keeper);
    cb.sender(guardian).trip(ETH).motsu_unwrap();
    let before = (
        env.state(GLOBAL),
        env.state(ETH),
        cb.sender(admin).parameters(),
        cb.sender(admin).rate_window(),
    );
    let g = GUARDIAN_ROLE;
    let l = LIQUIDATOR_ROLE;
    let a = ADMIN_ROLE;
    for who in [stranger, guardian, admin] {
        assert_eq!(
            cb.sender(who)
                .check_liquidation(ETH, wad(1), wad(1_000), true)
                .motsu_unwrap_err(),
            bytes(unauthorized(who, l))
        );
    }
    for who in [stranger, keeper, admin] {
        assert_eq!(
            bytes(cb.sender(who).trip(GLOBAL).motsu_unwrap_err()),
            bytes(unauthorized(who, g))
        );
        assert_eq!(
            bytes(cb.sender(who).trip_global().motsu_unwrap_err()),
            bytes(unauthorized(who, g))
        );
    }
    for who in [stranger, guardian, keeper] {
        assert_eq!(
            bytes(cb.sender(who).reset(ETH).motsu_unwrap_err()),
            bytes(unauthorized(who, a))
        );
        assert_eq!(
            bytes(cb.sender(who).reset_global().motsu_unwrap_err()),
            bytes(unauthorized(who, a))
        );
        assert_eq!(
            bytes(
                cb.sender(who)
                    .set_parameter(param::COOLDOWN, U256::from(60))
                    .motsu_unwrap_err()
            ),
            bytes(unauthorized(who, RISK_ADMIN_ROLE))
        );
        assert_eq!(
            bytes(
                cb.sender(who)
                    .grant_role(GUARDIAN_ROLE.into(), who)
                    .motsu_unwrap_err()
            ),
            bytes(unauthorized(who, a))
        );
        assert_eq!(
            bytes(
                cb.sender(who)
                    .revoke_role(LIQUIDATOR_ROLE.into(), keeper)
                    .motsu_unwrap_err()
            ),
            bytes(unauthorized(who, a))
        );
    }
    let after = (
        env.state(GLOBAL),
        env.state(ETH),
        cb.sender(admin).parameters(),
        cb.sender(admin).rate_window(),
    );
    assert_eq!(before, after);
    assert!(!cb.sender(admin).has_role(GUARDIAN_ROLE.into(), stranger));
    assert!(cb.sender(admin).has_role(LIQUIDATOR_ROLE.into(), keeper));
    // Revoking the liquidator role takes effect.
    cb.sender(admin)
        .revoke_role(LIQUIDATOR_ROLE.into(), keeper)
        .motsu_unwrap();
    assert_eq!(
        env.check(wad(1), true).unwrap_err(),
        bytes(unauthorized(keeper, l))
    );
}
