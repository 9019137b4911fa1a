//! Governance rules (DESIGN section 11): bounded, rate-limited parameter changes and the
//! timelock's proposal lifecycle; the governance domain also holds the protocol's defaults and
//! hard bounds ([`params`], DESIGN section 12) and the option and portfolio-margin parameters
//! ([`option_params`]).
//!
//! Every function takes the current time `now` (seconds) explicitly and works on plain values;
//! the contracts store them.
//!
//! # Parameter changes
//!
//! A [`ParamRule`] gives a parameter its inclusive hard bounds, the largest step one change may
//! take and the shortest interval between two changes. [`check_change`] accepts a change only if
//! the new value is within the bounds, moves at most `max_step` away from the old value, and comes
//! at least `min_interval` seconds after the previous change (a parameter never changed before,
//! `last_change_at == 0`, may change at once). It reports whether the change raises or lowers risk
//! ([`Direction`]): risk-raising changes go through the timelock, risk-lowering ones may apply at
//! once.
//!
//! # Timelock proposals
//!
//! A call is [`queue`]d at `now` with the timelock's delay and grace: it becomes executable at
//! `eta = now + delay` and stays executable up to and including `expires_at = eta + grace`
//! ([`executable`]). It is then either [`execute`]d or [`cancel`]led, or it expires. A proposal
//! that is queued and not expired is *live* ([`is_live`]); the same call may be queued again once
//! it is no longer live.

pub mod option_params;
pub mod params;
pub mod rules;

use crate::governance::params::{DAY, MAX_TIMELOCK_DELAY, MIN_TIMELOCK_DELAY};
use alloy_primitives::{Address, B256, U256};

/// How long a queued proposal stays executable after its delay (14 days).
pub const DEFAULT_TIMELOCK_GRACE: u64 = 14 * DAY;
/// Lower bound of the timelock grace period (1 day).
pub const MIN_TIMELOCK_GRACE: u64 = DAY;
/// Upper bound of the timelock grace period (30 days).
pub const MAX_TIMELOCK_GRACE: u64 = 30 * DAY;

/// Limits on the changes of one governance parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamRule {
    /// Smallest allowed value (inclusive).
    pub min: U256,
    /// Largest allowed value (inclusive).
    pub max: U256,
    /// Largest allowed `|new - old|` of one change.
    pub max_step: U256,
    /// Seconds that must pass between two changes.
    pub min_interval: u64,
    /// Which way of moving the value raises risk.
    pub raises_risk: RaisesRisk,
}

/// Which change of a parameter raises risk (DESIGN section 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaisesRisk {
    /// A higher value means more risk (a cap, a leverage, a looser trigger).
    Increase,
    /// A lower value means more risk (a haircut, a margin multiple, a cooldown).
    Decrease,
    /// Any change may raise some account's risk (a correlation: a higher one credits hedges
    /// more, a lower one credits same-direction books more), so every change needs the delay.
    Either,
}

impl RaisesRisk {
    /// Whether moving the value up (`up`) or down raises risk.
    pub const fn when(self, up: bool) -> bool {
        match self {
            Self::Increase => up,
            Self::Decrease => !up,
            Self::Either => true,
        }
    }
}

/// Why [`check_change`] refused a change. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ChangeError {
    /// The new value is outside `[min, max]`.
    OutOfBounds = 1,
    /// The new value is more than `max_step` away from the old one.
    StepTooLarge = 2,
    /// The previous change was less than `min_interval` seconds ago.
    TooSoon = 3,
}

/// Which way an accepted change moves risk. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    /// The new value equals the old one.
    Unchanged = 0,
    /// The change lowers risk: it may apply at once.
    LowersRisk = 1,
    /// The change raises risk: it must go through the timelock.
    RaisesRisk = 2,
}

impl Direction {
    /// Whether a change in this direction must wait for the timelock's delay.
    pub const fn needs_delay(self) -> bool {
        matches!(self, Self::RaisesRisk)
    }
}

/// Checks a change of a parameter from `old` to `new` at `now`, its previous change having been
/// at `last_change_at` (0: never changed), and returns the change's [`Direction`]. The checks are
/// uniform, so setting a parameter to its current value is also rate-limited.
///
/// # Errors
/// In this order: [`ChangeError::OutOfBounds`] unless `rule.min <= new <= rule.max`;
/// [`ChangeError::StepTooLarge`] if `|new - old| > rule.max_step`; [`ChangeError::TooSoon`] if
/// `last_change_at != 0` and `now < last_change_at + rule.min_interval`.
pub fn check_change(
    rule: &ParamRule,
    old: U256,
    new: U256,
    last_change_at: u64,
    now: u64,
) -> Result<Direction, ChangeError> {
    if new < rule.min || new > rule.max {
        return Err(ChangeError::OutOfBounds);
    }
    let step = if new >= old { new - old } else { old - new };
    if step > rule.max_step {
        return Err(ChangeError::StepTooLarge);
    }
    if last_change_at != 0 && now < last_change_at.saturating_add(rule.min_interval) {
        return Err(ChangeError::TooSoon);
    }
    Ok(if new == old {
        Direction::Unchanged
    } else if rule.raises_risk.when(new > old) {
        Direction::RaisesRisk
    } else {
        Direction::LowersRisk
    })
}

/// Who may apply a change in `direction` (DESIGN section 11): the admin (the
/// timelock, which has already enforced the delay) always; the risk admin
/// only a change that does not raise risk, at once.
#[must_use]
pub const fn may_apply(direction: Direction, is_admin: bool, is_risk_admin: bool) -> bool {
    is_admin || (is_risk_admin && !direction.needs_delay())
}

/// Largest deposit cap a vault asset may have (`2^128` token units).
pub const MAX_DEPOSIT_CAP: U256 = U256::from_limbs([0, 0, 1, 0]);

/// The rule of a vault asset's deposit cap (token units, `decimals` of the token) currently at
/// `old`: `0 ..= MAX_DEPOSIT_CAP`, one day between changes, a higher cap raises risk, and one
/// change moves the cap by at most `max(old, 1,000 whole tokens)`: a raise at most doubles a
/// cap (from zero, it may open to 1,000 tokens), a cut may go down to zero. Caps have no common
/// scale across assets, so the step scales with the cap itself.
pub fn deposit_cap_rule(old: U256, decimals: u8) -> ParamRule {
    let unit = U256::from(10u8).saturating_pow(U256::from(decimals));
    ParamRule {
        min: U256::ZERO,
        max: MAX_DEPOSIT_CAP,
        max_step: old.max(unit.saturating_mul(U256::from(1_000u16))),
        min_interval: DAY,
        raises_risk: RaisesRisk::Increase,
    }
}

/// Why [`govern`] refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The change breaks its rule (see [`check_change`]).
    Rule(ChangeError),
    /// The change raises risk and the caller is not the admin (the timelock).
    NeedsAdmin,
}

/// The whole verdict on a governed change by a caller who is the admin (`is_admin`) or a risk
/// admin (`is_risk_admin`): the rule first ([`check_change`]), then who may apply it
/// ([`may_apply`]). A caller with neither role is refused with [`Refusal::NeedsAdmin`] for
/// risk-raising changes only; contracts check that a caller holds one of the roles first.
///
/// # Errors
/// [`Refusal::Rule`] with the rule's error; [`Refusal::NeedsAdmin`] when the change raises risk
/// and `is_admin` is false.
pub fn govern(
    rule: &ParamRule,
    old: U256,
    new: U256,
    last_change_at: u64,
    now: u64,
    is_admin: bool,
    is_risk_admin: bool,
) -> Result<Direction, Refusal> {
    let direction = check_change(rule, old, new, last_change_at, now).map_err(Refusal::Rule)?;
    if may_apply(direction, is_admin, is_risk_admin) {
        Ok(direction)
    } else {
        Err(Refusal::NeedsAdmin)
    }
}

/// The earliest time a parameter last changed at `last_change_at` may change
/// again (`0` for a parameter never changed).
#[must_use]
pub const fn next_change_at(rule: &ParamRule, last_change_at: u64) -> u64 {
    if last_change_at == 0 {
        0
    } else {
        last_change_at.saturating_add(rule.min_interval)
    }
}

/// Lifecycle state of a timelock proposal. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum ProposalState {
    /// Never queued.
    #[default]
    None = 0,
    /// Queued, waiting for or within its execution window (or expired).
    Queued = 1,
    /// Executed.
    Executed = 2,
    /// Cancelled before execution.
    Cancelled = 3,
}

impl ProposalState {
    /// The state with code `code`, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::None),
            1 => Some(Self::Queued),
            2 => Some(Self::Executed),
            3 => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// A timelock proposal's schedule and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Proposal {
    /// When it was queued.
    pub queued_at: u64,
    /// First second at which it may be executed.
    pub eta: u64,
    /// Last second at which it may be executed.
    pub expires_at: u64,
    /// Its lifecycle state.
    pub state: ProposalState,
}

/// Why a proposal cannot be executed or cancelled. The discriminants are stable `uint8` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TimelockError {
    /// The proposal was never queued.
    NotQueued = 1,
    /// Its delay has not passed yet (`now < eta`).
    TooEarly = 2,
    /// Its execution window is over (`now > expires_at`).
    Expired = 3,
    /// It was executed already.
    AlreadyExecuted = 4,
    /// It was cancelled.
    Cancelled = 5,
}

/// A proposal queued at `now` with `delay` and `grace` seconds: `eta = now + delay`,
/// `expires_at = eta + grace` (both saturate at `u64::MAX` instead of overflowing).
pub const fn queue(now: u64, delay: u64, grace: u64) -> Proposal {
    let eta = now.saturating_add(delay);
    Proposal {
        queued_at: now,
        eta,
        expires_at: eta.saturating_add(grace),
        state: ProposalState::Queued,
    }
}

/// Checks that the proposal is not executed or cancelled (shared by [`executable`] and
/// [`cancel`]).
fn check_queued(p: &Proposal) -> Result<(), TimelockError> {
    match p.state {
        ProposalState::None => Err(TimelockError::NotQueued),
        ProposalState::Executed => Err(TimelockError::AlreadyExecuted),
        ProposalState::Cancelled => Err(TimelockError::Cancelled),
        ProposalState::Queued => Ok(()),
    }
}

/// Checks that `p` may be executed at `now`: queued, and `eta <= now <= expires_at`.
///
/// # Errors
/// [`TimelockError::NotQueued`], [`TimelockError::AlreadyExecuted`] or
/// [`TimelockError::Cancelled`] by its state; then [`TimelockError::TooEarly`] before `eta` and
/// [`TimelockError::Expired`] after `expires_at`.
pub fn executable(p: &Proposal, now: u64) -> Result<(), TimelockError> {
    check_queued(p)?;
    if now < p.eta {
        return Err(TimelockError::TooEarly);
    }
    if now > p.expires_at {
        return Err(TimelockError::Expired);
    }
    Ok(())
}

/// `p` marked executed, if it may be executed at `now` (see [`executable`]).
///
/// # Errors
/// As [`executable`].
pub fn execute(p: &Proposal, now: u64) -> Result<Proposal, TimelockError> {
    executable(p, now)?;
    Ok(Proposal {
        state: ProposalState::Executed,
        ..*p
    })
}

/// `p` marked cancelled. A queued proposal may be cancelled at any time, also after it expired.
///
/// # Errors
/// [`TimelockError::NotQueued`], [`TimelockError::AlreadyExecuted`] or
/// [`TimelockError::Cancelled`] unless `p` is queued.
pub fn cancel(p: &Proposal) -> Result<Proposal, TimelockError> {
    check_queued(p)?;
    Ok(Proposal {
        state: ProposalState::Cancelled,
        ..*p
    })
}

/// Whether `p` is queued and not expired at `now`, so that queueing the same call again must be
/// refused.
pub fn is_live(p: &Proposal, now: u64) -> bool {
    p.state == ProposalState::Queued && now <= p.expires_at
}

/// Whether `delay` is within the timelock delay's hard bounds (1 hour .. 30 days).
pub const fn delay_in_bounds(delay: u64) -> bool {
    delay >= MIN_TIMELOCK_DELAY && delay <= MAX_TIMELOCK_DELAY
}

/// Whether `grace` is within the timelock grace period's hard bounds (1 day .. 30 days).
pub const fn grace_in_bounds(grace: u64) -> bool {
    grace >= MIN_TIMELOCK_GRACE && grace <= MAX_TIMELOCK_GRACE
}

/// The first 128 bytes of `abi.encode(target, data, salt)` for a `data` of `data_len` bytes:
/// `target`, the offset of `data` (`0x60`), `salt` and `data`'s length, one word each. The
/// encoding continues with `data` and [`call_encoding_padding`] zero bytes; its keccak256 is the
/// timelock's proposal id. (The core has no allocator, so the caller concatenates.)
pub fn call_encoding_head(target: Address, data_len: usize, salt: B256) -> [u8; 128] {
    let mut head = [0u8; 128];
    head[12..32].copy_from_slice(target.as_slice());
    head[63] = 0x60;
    head[64..96].copy_from_slice(salt.as_slice());
    head[96..128].copy_from_slice(&U256::from(data_len).to_be_bytes::<32>());
    head
}

/// Zero bytes that pad `data_len` bytes of `bytes` data to a whole number of 32-byte words.
pub const fn call_encoding_padding(data_len: usize) -> usize {
    (32 - data_len % 32) % 32
}

#[cfg(test)]
mod may_apply_tests {
    use super::*;

    #[test]
    fn risk_admins_only_lower_risk() {
        for d in [
            Direction::Unchanged,
            Direction::LowersRisk,
            Direction::RaisesRisk,
        ] {
            assert!(may_apply(d, true, false));
            assert!(!may_apply(d, false, false));
            assert_eq!(may_apply(d, false, true), d != Direction::RaisesRisk);
        }
        let rule = ParamRule {
            min: U256::ZERO,
            max: U256::from(10u8),
            max_step: U256::from(1u8),
            min_interval: 3_600,
            raises_risk: RaisesRisk::Increase,
        };
        assert_eq!(next_change_at(&rule, 0), 0);
        assert_eq!(next_change_at(&rule, 100), 3_700);
        assert_eq!(next_change_at(&rule, u64::MAX), u64::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::params::{DEFAULT_TIMELOCK_DELAY, HOUR};
    use alloy_primitives::{address, b256, hex, keccak256, Bytes};
    use alloy_sol_types::SolValue;

    /// `abi.encode(target, data, salt)` assembled as the timelock does.
    fn encode_call(target: Address, data: &[u8], salt: B256) -> Vec<u8> {
        let mut out = call_encoding_head(target, data.len(), salt).to_vec();
        out.extend_from_slice(data);
        out.resize(out.len() + call_encoding_padding(data.len()), 0);
        out
    }
    use proptest::prelude::*;

    const T0: u64 = 1_735_689_600;

    /// A haircut-like parameter: 0 .. 1000, steps of at most 50, once an hour; a higher value
    /// lowers risk.
    fn haircut_rule() -> ParamRule {
        ParamRule {
            min: U256::ZERO,
            max: U256::from(1_000),
            max_step: U256::from(50),
            min_interval: HOUR,
            raises_risk: RaisesRisk::Decrease,
        }
    }

    fn u(x: u64) -> U256 {
        U256::from(x)
    }

    #[test]
    fn grace_constants() {
        assert_eq!(DEFAULT_TIMELOCK_GRACE, 1_209_600);
        assert_eq!(MIN_TIMELOCK_GRACE, 86_400);
        assert_eq!(MAX_TIMELOCK_GRACE, 2_592_000);
        assert!(grace_in_bounds(DEFAULT_TIMELOCK_GRACE));
        assert!(grace_in_bounds(86_400) && grace_in_bounds(2_592_000));
        assert!(!grace_in_bounds(86_399) && !grace_in_bounds(2_592_001));
        assert!(delay_in_bounds(DEFAULT_TIMELOCK_DELAY));
        assert!(delay_in_bounds(3_600) && delay_in_bounds(2_592_000));
        assert!(!delay_in_bounds(3_599) && !delay_in_bounds(2_592_001));
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(ChangeError::OutOfBounds as u8, 1);
        assert_eq!(ChangeError::StepTooLarge as u8, 2);
        assert_eq!(ChangeError::TooSoon as u8, 3);
        assert_eq!(Direction::Unchanged as u8, 0);
        assert_eq!(Direction::LowersRisk as u8, 1);
        assert_eq!(Direction::RaisesRisk as u8, 2);
        assert_eq!(TimelockError::NotQueued as u8, 1);
        assert_eq!(TimelockError::TooEarly as u8, 2);
        assert_eq!(TimelockError::Expired as u8, 3);
        assert_eq!(TimelockError::AlreadyExecuted as u8, 4);
        assert_eq!(TimelockError::Cancelled as u8, 5);
        for (s, c) in [
            (ProposalState::None, 0),
            (ProposalState::Queued, 1),
            (ProposalState::Executed, 2),
            (ProposalState::Cancelled, 3),
        ] {
            assert_eq!(s as u8, c);
            assert_eq!(ProposalState::from_code(c), Some(s));
        }
        assert_eq!(ProposalState::from_code(4), None);
        assert!(Direction::RaisesRisk.needs_delay());
        assert!(!Direction::LowersRisk.needs_delay());
        assert!(!Direction::Unchanged.needs_delay());
    }

    #[test]
    fn change_examples() {
        let r = haircut_rule();
        // First change: never too soon.
        assert_eq!(
            check_change(&r, u(500), u(450), 0, 5),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&r, u(500), u(550), 0, 5),
            Ok(Direction::LowersRisk)
        );
        assert_eq!(
            check_change(&r, u(500), u(500), 0, 5),
            Ok(Direction::Unchanged)
        );
        // Bounds are inclusive.
        assert_eq!(
            check_change(&r, u(980), u(1_000), 0, T0),
            Ok(Direction::LowersRisk)
        );
        assert_eq!(
            check_change(&r, u(20), u(0), 0, T0),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&r, u(980), u(1_001), 0, T0),
            Err(ChangeError::OutOfBounds)
        );
        // Step: exactly max_step passes, one more fails.
        assert_eq!(
            check_change(&r, u(500), u(550), T0, T0 + HOUR),
            Ok(Direction::LowersRisk)
        );
        assert_eq!(
            check_change(&r, u(500), u(551), T0, T0 + HOUR),
            Err(ChangeError::StepTooLarge)
        );
        assert_eq!(
            check_change(&r, u(500), u(449), T0, T0 + HOUR),
            Err(ChangeError::StepTooLarge)
        );
        // Interval: exactly min_interval later passes, a second earlier fails.
        assert_eq!(
            check_change(&r, u(500), u(510), T0, T0 + HOUR - 1),
            Err(ChangeError::TooSoon)
        );
        // Bounds are checked before the step, the step before the interval.
        assert_eq!(
            check_change(&r, u(500), u(2_000), T0, T0),
            Err(ChangeError::OutOfBounds)
        );
        assert_eq!(
            check_change(&r, u(500), u(600), T0, T0),
            Err(ChangeError::StepTooLarge)
        );
        // A cap-like parameter: an increase raises risk.
        let cap = ParamRule {
            raises_risk: RaisesRisk::Increase,
            ..r
        };
        assert_eq!(
            check_change(&cap, u(500), u(550), 0, T0),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&cap, u(500), u(450), 0, T0),
            Ok(Direction::LowersRisk)
        );
        // A last change far in the future does not overflow.
        let slow = ParamRule {
            min_interval: u64::MAX,
            ..r
        };
        assert_eq!(
            check_change(&slow, u(500), u(510), u64::MAX - 1, u64::MAX - 1),
            Err(ChangeError::TooSoon)
        );
        assert_eq!(
            check_change(&slow, u(500), u(510), u64::MAX - 1, u64::MAX),
            Ok(Direction::LowersRisk)
        );
    }

    #[test]
    fn lifecycle_examples() {
        let p = queue(T0, DEFAULT_TIMELOCK_DELAY, DEFAULT_TIMELOCK_GRACE);
        assert_eq!(
            p,
            Proposal {
                queued_at: T0,
                eta: T0 + 86_400,
                expires_at: T0 + 86_400 + 1_209_600,
                state: ProposalState::Queued,
            }
        );
        assert_eq!(executable(&p, T0), Err(TimelockError::TooEarly));
        assert_eq!(executable(&p, T0 + 86_399), Err(TimelockError::TooEarly));
        assert_eq!(executable(&p, T0 + 86_400), Ok(()));
        assert_eq!(executable(&p, T0 + 1_296_000), Ok(()));
        assert_eq!(executable(&p, T0 + 1_296_001), Err(TimelockError::Expired));
        assert!(is_live(&p, T0 + 1_296_000));
        assert!(!is_live(&p, T0 + 1_296_001));

        let done = execute(&p, T0 + 86_400).unwrap();
        assert_eq!(done.state, ProposalState::Executed);
        assert_eq!(
            (done.queued_at, done.eta, done.expires_at),
            (p.queued_at, p.eta, p.expires_at)
        );
        assert_eq!(
            executable(&done, T0 + 86_400),
            Err(TimelockError::AlreadyExecuted)
        );
        assert_eq!(cancel(&done), Err(TimelockError::AlreadyExecuted));
        assert!(!is_live(&done, T0 + 86_400));
        assert_eq!(execute(&p, T0), Err(TimelockError::TooEarly));

        let gone = cancel(&p).unwrap();
        assert_eq!(gone.state, ProposalState::Cancelled);
        assert_eq!(
            executable(&gone, T0 + 86_400),
            Err(TimelockError::Cancelled)
        );
        assert_eq!(cancel(&gone), Err(TimelockError::Cancelled));
        assert!(!is_live(&gone, T0));
        // An expired proposal may still be cancelled.
        assert_eq!(cancel(&p).map(|c| c.state), Ok(ProposalState::Cancelled));

        let none = Proposal::default();
        assert_eq!(executable(&none, T0), Err(TimelockError::NotQueued));
        assert_eq!(cancel(&none), Err(TimelockError::NotQueued));
        assert!(!is_live(&none, 0));

        // Saturation instead of overflow.
        let far = queue(u64::MAX - 10, 3_600, 86_400);
        assert_eq!((far.eta, far.expires_at), (u64::MAX, u64::MAX));
    }

    #[test]
    fn encoding_examples() {
        let target = address!("00000000000000000000000000000000000c1ea4");
        let salt = b256!("0000000000000000000000000000000000000000000000000000000000000007");
        let data = hex!("a9059cbb0102");
        let expected = [
            hex!("00000000000000000000000000000000000000000000000000000000000c1ea4").as_slice(),
            &hex!("0000000000000000000000000000000000000000000000000000000000000060"),
            &hex!("0000000000000000000000000000000000000000000000000000000000000007"),
            &hex!("0000000000000000000000000000000000000000000000000000000000000006"),
            &hex!("a9059cbb01020000000000000000000000000000000000000000000000000000"),
        ]
        .concat();
        assert_eq!(encode_call(target, &data, salt), expected);
        // Empty data: the length word and no data words.
        let expected_empty = [
            hex!("00000000000000000000000000000000000000000000000000000000000c1ea4").as_slice(),
            &hex!("0000000000000000000000000000000000000000000000000000000000000060"),
            &hex!("0000000000000000000000000000000000000000000000000000000000000007"),
            &[0u8; 32],
        ]
        .concat();
        assert_eq!(encode_call(target, &[], salt), expected_empty);
        assert_eq!(call_encoding_padding(0), 0);
        assert_eq!(call_encoding_padding(1), 31);
        assert_eq!(call_encoding_padding(32), 0);
        assert_eq!(call_encoding_padding(33), 31);
    }

    fn any_u256() -> impl Strategy<Value = U256> {
        prop_oneof![
            (0u64..2_000).prop_map(U256::from),
            any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        ]
    }

    proptest! {
        #[test]
        fn executable_exactly_between_eta_and_expiry(
            now in 0u64..4_000_000_000,
            delay in MIN_TIMELOCK_DELAY..=MAX_TIMELOCK_DELAY,
            grace in MIN_TIMELOCK_GRACE..=MAX_TIMELOCK_GRACE,
            t in 0u64..4_100_000_000,
        ) {
            let p = queue(now, delay, grace);
            prop_assert_eq!(p.eta, now + delay);
            prop_assert_eq!(p.expires_at, now + delay + grace);
            let expected = if t < p.eta {
                Err(TimelockError::TooEarly)
            } else if t > p.expires_at {
                Err(TimelockError::Expired)
            } else {
                Ok(())
            };
            prop_assert_eq!(executable(&p, t), expected);
            prop_assert_eq!(is_live(&p, t), t <= p.expires_at);
            // The window's edges.
            prop_assert_eq!(executable(&p, p.eta - 1), Err(TimelockError::TooEarly));
            prop_assert_eq!(executable(&p, p.eta), Ok(()));
            prop_assert_eq!(executable(&p, p.expires_at), Ok(()));
            prop_assert_eq!(executable(&p, p.expires_at + 1), Err(TimelockError::Expired));
            // Once executed or cancelled, never executable again.
            let done = execute(&p, p.eta).unwrap();
            prop_assert_eq!(executable(&done, t), Err(TimelockError::AlreadyExecuted));
            let gone = cancel(&p).unwrap();
            prop_assert_eq!(executable(&gone, t), Err(TimelockError::Cancelled));
        }

        #[test]
        fn accepted_steps_never_exceed_max_step(
            old in any_u256(),
            new in any_u256(),
            min in any_u256(),
            span in any_u256(),
            max_step in any_u256(),
            raises in any::<bool>(),
        ) {
            let rule = ParamRule {
                min,
                max: min.saturating_add(span),
                max_step,
                min_interval: 0,
                raises_risk: if raises { RaisesRisk::Increase } else { RaisesRisk::Decrease },
            };
            let step = if new >= old { new - old } else { old - new };
            match check_change(&rule, old, new, 0, 0) {
                Ok(_) => {
                    prop_assert!(step <= max_step);
                    prop_assert!(rule.min <= new && new <= rule.max);
                }
                Err(ChangeError::OutOfBounds) => prop_assert!(new < rule.min || new > rule.max),
                Err(ChangeError::StepTooLarge) => {
                    prop_assert!(rule.min <= new && new <= rule.max);
                    prop_assert!(step > max_step);
                }
                Err(ChangeError::TooSoon) => prop_assert!(false, "interval 0 is never too soon"),
            }
        }

        #[test]
        fn too_soon_boundary_is_exact(
            last in 1u64..4_000_000_000,
            interval in 0u64..10_000_000,
            dt in 0u64..20_000_000,
            first_now in 0u64..4_000_000_000,
        ) {
            let rule = ParamRule { min_interval: interval, ..haircut_rule() };
            let now = last + dt;
            let expected = if dt < interval { Err(ChangeError::TooSoon) } else { Ok(Direction::LowersRisk) };
            prop_assert_eq!(check_change(&rule, u(500), u(510), last, now), expected);
            if interval > 0 {
                prop_assert_eq!(
                    check_change(&rule, u(500), u(510), last, last + interval - 1),
                    Err(ChangeError::TooSoon)
                );
            }
            prop_assert_eq!(
                check_change(&rule, u(500), u(510), last, last + interval),
                Ok(Direction::LowersRisk)
            );
            // A first change is never too soon.
            prop_assert_eq!(
                check_change(&rule, u(500), u(510), 0, first_now),
                Ok(Direction::LowersRisk)
            );
        }

        #[test]
        fn direction_follows_the_sign_of_the_change(
            old in 0u64..1_000_000,
            new in 0u64..1_000_000,
            raises in any::<bool>(),
        ) {
            let rule = ParamRule {
                min: U256::ZERO,
                max: u(1_000_000),
                max_step: u(1_000_000),
                min_interval: HOUR,
                raises_risk: if raises { RaisesRisk::Increase } else { RaisesRisk::Decrease },
            };
            let d = check_change(&rule, u(old), u(new), 0, T0).unwrap();
            let expected = match (new.cmp(&old), raises) {
                (core::cmp::Ordering::Equal, _) => Direction::Unchanged,
                (core::cmp::Ordering::Greater, true) | (core::cmp::Ordering::Less, false) => {
                    Direction::RaisesRisk
                }
                _ => Direction::LowersRisk,
            };
            prop_assert_eq!(d, expected);
            prop_assert_eq!(d.needs_delay(), expected == Direction::RaisesRisk);
        }

        #[test]
        fn encoding_is_abi_encode_of_target_data_salt(
            target in any::<[u8; 20]>(),
            data in proptest::collection::vec(any::<u8>(), 0..200),
            salt in any::<[u8; 32]>(),
        ) {
            let target = Address::from(target);
            let salt = B256::from(salt);
            let encoded = (target, Bytes::from(data.clone()), salt).abi_encode_params();
            prop_assert_eq!(keccak256(encode_call(target, &data, salt)), keccak256(&encoded));
            prop_assert_eq!(encode_call(target, &data, salt), encoded);
        }
    }
}

#[cfg(test)]
mod govern_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deposit_caps_at_most_double_and_may_be_cut_to_zero() {
        let t = 1_000_000u64; // a 6-decimal token unit
        let u = |x: u64| U256::from(x) * U256::from(t);
        let r = deposit_cap_rule(u(50_000), 6);
        assert_eq!(
            check_change(&r, u(50_000), u(100_000), 0, 1),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&r, u(50_000), u(100_000) + U256::from(1u8), 0, 1),
            Err(ChangeError::StepTooLarge)
        );
        assert_eq!(
            check_change(&r, u(50_000), U256::ZERO, 0, 1),
            Ok(Direction::LowersRisk)
        );
        // From zero (or a small cap) the step is 1,000 tokens.
        let r = deposit_cap_rule(U256::ZERO, 6);
        assert_eq!(
            check_change(&r, U256::ZERO, u(1_000), 0, 1),
            Ok(Direction::RaisesRisk)
        );
        assert_eq!(
            check_change(&r, U256::ZERO, u(1_000) + U256::from(1u8), 0, 1),
            Err(ChangeError::StepTooLarge)
        );
        let r = deposit_cap_rule(MAX_DEPOSIT_CAP, 255);
        assert_eq!(
            check_change(&r, MAX_DEPOSIT_CAP, MAX_DEPOSIT_CAP + U256::from(1u8), 0, 1),
            Err(ChangeError::OutOfBounds)
        );
        assert_eq!(
            check_change(&r, MAX_DEPOSIT_CAP, U256::ZERO, 0, 1),
            Ok(Direction::LowersRisk)
        );
        assert_eq!(r.min_interval, DAY);
    }

    fn side(code: u8) -> RaisesRisk {
        match code % 3 {
            0 => RaisesRisk::Increase,
            1 => RaisesRisk::Decrease,
            _ => RaisesRisk::Either,
        }
    }

    #[test]
    fn either_side_needs_the_delay_both_ways() {
        let rule = ParamRule {
            min: U256::ZERO,
            max: U256::from(100u8),
            max_step: U256::from(10u8),
            min_interval: 60,
            raises_risk: RaisesRisk::Either,
        };
        let u = U256::from;
        for new in [45u8, 55] {
            assert_eq!(
                check_change(&rule, u(50u8), u(new), 0, 1),
                Ok(Direction::RaisesRisk)
            );
            assert_eq!(
                govern(&rule, u(50u8), u(new), 0, 1, false, true),
                Err(Refusal::NeedsAdmin)
            );
            assert_eq!(
                govern(&rule, u(50u8), u(new), 0, 1, true, false),
                Ok(Direction::RaisesRisk)
            );
        }
        assert_eq!(
            govern(&rule, u(50u8), u(50u8), 0, 1, false, true),
            Ok(Direction::Unchanged)
        );
        // The rule is checked before the caller: a risk admin learns the rule's error.
        assert_eq!(
            govern(&rule, u(50u8), u(70u8), 0, 1, false, true),
            Err(Refusal::Rule(ChangeError::StepTooLarge))
        );
        assert_eq!(
            govern(&rule, u(50u8), u(55u8), 100, 159, true, false),
            Err(Refusal::Rule(ChangeError::TooSoon))
        );
    }

    proptest! {
        #[test]
        fn govern_is_the_rule_then_the_caller(
            old in 0u64..1_000,
            new in 0u64..1_000,
            last in 0u64..10_000,
            now in 0u64..20_000,
            code in any::<u8>(),
            is_admin in any::<bool>(),
            is_risk_admin in any::<bool>(),
        ) {
            let rule = ParamRule {
                min: U256::from(100u64),
                max: U256::from(900u64),
                max_step: U256::from(200u64),
                min_interval: 3_000,
                raises_risk: side(code),
            };
            let (o, n) = (U256::from(old), U256::from(new));
            let verdict = govern(&rule, o, n, last, now, is_admin, is_risk_admin);
            match check_change(&rule, o, n, last, now) {
                Err(e) => prop_assert_eq!(verdict, Err(Refusal::Rule(e))),
                Ok(d) if may_apply(d, is_admin, is_risk_admin) => prop_assert_eq!(verdict, Ok(d)),
                Ok(d) => {
                    prop_assert_eq!(verdict, Err(Refusal::NeedsAdmin));
                    prop_assert!(!is_admin && (d == Direction::RaisesRisk || !is_risk_admin));
                }
            }
            // Whatever the rule, an applied change by a non-admin never raises risk.
            if let Ok(d) = verdict {
                prop_assert!(is_admin || d != Direction::RaisesRisk);
            }
        }
    }
}
