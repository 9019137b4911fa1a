//! Timelock tests on motsu, with [`Target`], a contract whose owner is the timelock.
//!
//! motsu's block time is fixed, so a proposal's delay cannot pass by waiting. Tests that need a
//! proposal past its delay (or past its expiry) shift its stored schedule into the past with
//! [`age`], which is what the passing of time does to it; the time rules themselves are
//! covered by `clearing_core::governance`'s tests.
use super::*;
use alloy_primitives::{address, hex, keccak256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use clearing_core::governance::DEFAULT_TIMELOCK_GRACE;
use motsu::prelude::*;
use openzeppelin_stylus::access::control::{
    AccessControlUnauthorizedAccount, RoleGranted, RoleRevoked,
};
use stylus_sdk::storage::StorageU256;

/// motsu's fixed block timestamp.
const NOW: u64 = 1_735_689_600;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const SALT: B256 = B256::with_last_byte(1);

sol! {
    /// The target reverted on purpose.
    #[derive(Debug, PartialEq, Eq)]
    error Boom(uint256 value);
    /// The target's setter was called by someone other than its owner.
    #[derive(Debug, PartialEq, Eq)]
    error NotOwner(address caller);

    /// The calls the tests queue.
    interface ICalls {
        function setValue(uint256 v) external;
        function boom(uint256 v) external;
        function setDelay(uint64 delay) external;
        function setGrace(uint64 grace) external;
    }
}

/// Errors of the target.
#[derive(SolidityError, Debug)]
enum TargetError {
    Boom(Boom),
    NotOwner(NotOwner),
}

/// A governed contract: an owner-only setter that records its caller, and a function that
/// reverts after writing.
#[storage]
struct Target {
    owner: StorageAddress,
    value: StorageU256,
    caller: StorageAddress,
}

unsafe impl TopLevelStorage for Target {}

#[public]
impl Target {
    fn init(&mut self, owner: Address) {
        self.owner.set(owner);
    }

    fn set_value(&mut self, v: U256) -> Result<(), TargetError> {
        let caller = self.vm().msg_sender();
        if caller != self.owner.get() {
            return Err(TargetError::NotOwner(NotOwner { caller }));
        }
        self.value.set(v);
        self.caller.set(caller);
        Ok(())
    }

    fn boom(&mut self, v: U256) -> Result<(), TargetError> {
        self.value.set(v);
        Err(TargetError::Boom(Boom { value: v }))
    }

    fn recorded(&self) -> (U256, Address) {
        (self.value.get(), self.caller.get())
    }
}

fn bytes(e: TimelockError) -> Vec<u8> {
    e.into()
}

fn unauthorized(account: Address, role: [u8; 32]) -> Vec<u8> {
    bytes(TimelockError::UnauthorizedAccount(
        AccessControlUnauthorizedAccount {
            account,
            needed_role: role.into(),
        },
    ))
}

fn set_value(v: u64) -> Bytes {
    ICalls::setValueCall { v: U256::from(v) }
        .abi_encode()
        .into()
}

fn set_delay(delay: u64) -> Bytes {
    ICalls::setDelayCall { delay }.abi_encode().into()
}

fn set_grace(grace: u64) -> Bytes {
    ICalls::setGraceCall { grace }.abi_encode().into()
}

/// A timelock with `admin`, `guardian` and a delay of one day; `target` owned by the timelock.
fn deploy(tl: &Contract<Timelock>, target: &Contract<Target>, admin: Address, guardian: Address) {
    tl.sender(admin)
        .constructor(admin, guardian, DAY, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap();
    target.sender(admin).init(tl.address());
}

/// Moves proposal `id` `secs` seconds into the past, as if `secs` seconds had passed.
fn age(tl: &Contract<Timelock>, admin: Address, id: B256, secs: u64) {
    let mut c = tl.sender(admin);
    let p = c.load_proposal(id);
    c.store_proposal(
        id,
        &Proposal {
            queued_at: p.queued_at - secs,
            eta: p.eta - secs,
            expires_at: p.expires_at - secs,
            state: p.state,
        },
    );
}

/// Queues `(target, data, SALT)` and lets its delay pass.
fn queue_ready(tl: &Contract<Timelock>, admin: Address, target: Address, data: &Bytes) -> B256 {
    let id = tl
        .sender(admin)
        .queue(target, data.clone(), SALT)
        .motsu_unwrap();
    age(tl, admin, id, DAY);
    id
}

#[test]
fn constants() {
    assert_eq!(B256::from(GUARDIAN_ROLE), keccak256("GUARDIAN_ROLE"));
    assert_eq!(
        GUARDIAN_ROLE,
        hex!("55435dd261a4b9b3364963f7738a7a662ad9c84396d64be3365284bb7f0a5041")
    );
    assert_eq!(ADMIN_ROLE, [0u8; 32]);
    assert_eq!(SET_DELAY_SELECTOR, ICalls::setDelayCall::SELECTOR);
    assert_eq!(SET_GRACE_SELECTOR, ICalls::setGraceCall::SELECTOR);
    assert_eq!(DELAY_BOUNDS, (3_600, 2_592_000));
    assert_eq!(GRACE_BOUNDS, (86_400, 2_592_000));
}

#[motsu::test]
fn constructor_sets_roles_delay_and_grace(
    tl: Contract<Timelock>,
    admin: Address,
    guardian: Address,
) {
    tl.sender(admin)
        .constructor(admin, guardian, DAY, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap();
    let c = tl.sender(admin);
    assert!(c.has_role(ADMIN_ROLE.into(), admin));
    assert!(c.has_role(GUARDIAN_ROLE.into(), guardian));
    assert!(!c.has_role(ADMIN_ROLE.into(), guardian));
    assert!(!c.has_role(GUARDIAN_ROLE.into(), admin));
    assert_eq!(c.admin(), admin);
    assert_eq!(c.pending_admin(), Address::ZERO);
    assert_eq!(c.delay(), 86_400);
    assert_eq!(c.grace(), 1_209_600);
}

#[motsu::test]
fn constructor_bounds(
    a: Contract<Timelock>,
    b: Contract<Timelock>,
    c: Contract<Timelock>,
    d: Contract<Timelock>,
    e: Contract<Timelock>,
    f: Contract<Timelock>,
    g: Contract<Timelock>,
    h: Contract<Timelock>,
    admin: Address,
) {
    // The grace period has its bounds too (1 day ..= 30 days, both inclusive), and a refused
    // constructor leaves nothing behind.
    let err = f
        .sender(admin)
        .constructor(admin, admin, DAY, 86_399)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::GraceOutOfBounds(GraceOutOfBounds {
            grace: 86_399
        }))
    );
    assert_eq!(f.sender(admin).delay(), 0);
    assert!(!f.sender(admin).has_role(ADMIN_ROLE.into(), admin));
    let err = g
        .sender(admin)
        .constructor(admin, admin, DAY, 2_592_001)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::GraceOutOfBounds(GraceOutOfBounds {
            grace: 2_592_001
        }))
    );
    h.sender(admin)
        .constructor(admin, admin, DAY, 86_400)
        .motsu_unwrap();
    assert_eq!(h.sender(admin).grace(), 86_400);
    g.sender(admin)
        .constructor(admin, admin, DAY, 2_592_000)
        .motsu_unwrap();
    assert_eq!(g.sender(admin).grace(), 2_592_000);
    let err = a
        .sender(admin)
        .constructor(admin, admin, 3_599, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::DelayOutOfBounds(DelayOutOfBounds {
            delay: 3_599
        }))
    );
    let err = b
        .sender(admin)
        .constructor(admin, admin, 2_592_001, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::DelayOutOfBounds(DelayOutOfBounds {
            delay: 2_592_001
        }))
    );
    let err = c
        .sender(admin)
        .constructor(Address::ZERO, admin, DAY, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::InvalidAdmin(InvalidAdmin {
            admin: Address::ZERO
        }))
    );
    // Both bounds are inclusive; a zero guardian grants nothing.
    d.sender(admin)
        .constructor(admin, Address::ZERO, 3_600, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap();
    assert_eq!(d.sender(admin).delay(), 3_600);
    assert!(!d
        .sender(admin)
        .has_role(GUARDIAN_ROLE.into(), Address::ZERO));
    e.sender(admin)
        .constructor(admin, Address::ZERO, 2_592_000, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap();
    assert_eq!(e.sender(admin).delay(), 2_592_000);
}

#[motsu::test]
fn hash_call_is_keccak_of_abi_encode(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    let expected = keccak256(
        (
            target.address(),
            alloy_primitives::Bytes::from(data.0.clone()),
            SALT,
        )
            .abi_encode_params(),
    );
    assert_eq!(
        tl.sender(admin).hash_call(target.address(), data, SALT),
        expected
    );
    let empty =
        keccak256((target.address(), alloy_primitives::Bytes::new(), SALT).abi_encode_params());
    assert_eq!(
        tl.sender(admin)
            .hash_call(target.address(), Bytes(Vec::new()), SALT),
        empty
    );
}

#[motsu::test]
fn queue_records_the_schedule_and_refuses_live_duplicates(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    let id = tl
        .sender(admin)
        .queue(target.address(), data.clone(), SALT)
        .motsu_unwrap();
    assert_eq!(
        id,
        tl.sender(admin)
            .hash_call(target.address(), data.clone(), SALT)
    );
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 86_400, NOW + 86_400 + 1_209_600)
    );
    tl.assert_emitted(&Queued {
        id,
        target: target.address(),
        data: data.0.clone().into(),
        eta: NOW + 86_400,
        expiresAt: NOW + 1_296_000,
    });

    let err = tl
        .sender(admin)
        .queue(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::AlreadyQueued(AlreadyQueued { id }))
    );
    // Another salt is another proposal.
    let other = tl
        .sender(admin)
        .queue(target.address(), data, B256::with_last_byte(2))
        .motsu_unwrap();
    assert_ne!(other, id);
    assert_eq!(tl.sender(admin).proposal(other).0, 1);
    // Unknown ids read as never queued.
    assert_eq!(tl.sender(admin).proposal(B256::ZERO), (0, 0, 0));
}

#[motsu::test]
fn queue_and_execute_are_admin_only(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    stranger: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    for who in [stranger, guardian] {
        let err = tl
            .sender(who)
            .queue(target.address(), data.clone(), SALT)
            .motsu_unwrap_err();
        assert_eq!(bytes(err), unauthorized(who, ADMIN_ROLE));
    }
    let id = queue_ready(&tl, admin, target.address(), &data);
    for who in [stranger, guardian] {
        let err = tl
            .sender(who)
            .execute(target.address(), data.clone(), SALT)
            .motsu_unwrap_err();
        assert_eq!(err, unauthorized(who, ADMIN_ROLE));
    }
    assert_eq!(tl.sender(admin).proposal(id).0, 1);
    assert_eq!(target.sender(admin).recorded(), (U256::ZERO, Address::ZERO));
}

#[motsu::test]
fn execute_before_the_delay_is_too_early(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
) {
    // The minimum delay: one hour.
    tl.sender(admin)
        .constructor(admin, Address::ZERO, HOUR, DEFAULT_TIMELOCK_GRACE)
        .motsu_unwrap();
    target.sender(admin).init(tl.address());
    let data = set_value(7);
    let id = tl
        .sender(admin)
        .queue(target.address(), data.clone(), SALT)
        .motsu_unwrap();
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 3_600, NOW + 3_600 + 1_209_600)
    );
    let err = tl
        .sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::TooEarly(TooEarly {
            id,
            eta: NOW + 3_600
        }))
    );
    // One second before the eta is still too early.
    age(&tl, admin, id, HOUR - 1);
    let err = tl
        .sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::TooEarly(TooEarly { id, eta: NOW + 1 }))
    );
    // A call never queued.
    let other = set_value(8);
    let unknown = tl
        .sender(admin)
        .hash_call(target.address(), other.clone(), SALT);
    let err = tl
        .sender(admin)
        .execute(target.address(), other, SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::NotQueued(NotQueued { id: unknown }))
    );
    assert_eq!(target.sender(admin).recorded(), (U256::ZERO, Address::ZERO));
}

#[motsu::test]
fn execute_calls_the_target_as_the_timelock_once(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    // The target obeys only the timelock.
    let err = target
        .sender(admin)
        .set_value(U256::from(7))
        .motsu_unwrap_err();
    assert_eq!(
        Vec::<u8>::from(err),
        Vec::<u8>::from(TargetError::NotOwner(NotOwner { caller: admin }))
    );

    let data = set_value(7);
    let id = queue_ready(&tl, admin, target.address(), &data);
    // Exactly at the eta.
    assert_eq!(tl.sender(admin).proposal(id), (1, NOW, NOW + 1_209_600));
    tl.sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap();
    assert_eq!(
        target.sender(admin).recorded(),
        (U256::from(7), tl.address())
    );
    assert_eq!(tl.sender(admin).proposal(id), (2, NOW, NOW + 1_209_600));
    tl.assert_emitted(&Executed { id });

    let err = tl
        .sender(admin)
        .execute(target.address(), data, SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::AlreadyExecuted(AlreadyExecuted { id }))
    );
    let err = tl.sender(guardian).cancel(id).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::AlreadyExecuted(AlreadyExecuted { id }))
    );
}

#[motsu::test]
fn an_executed_call_may_be_queued_again(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    let id = queue_ready(&tl, admin, target.address(), &data);
    tl.sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap();
    let again = tl
        .sender(admin)
        .queue(target.address(), data, SALT)
        .motsu_unwrap();
    assert_eq!(again, id);
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 86_400, NOW + 1_296_000)
    );
}

#[motsu::test]
fn expired_proposals_cannot_run_and_may_be_requeued(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    let id = queue_ready(&tl, admin, target.address(), &data);
    // The last second of the window is still in it; one more and it is over.
    age(&tl, admin, id, 1_209_600);
    assert_eq!(tl.sender(admin).proposal(id), (1, NOW - 1_209_600, NOW));
    age(&tl, admin, id, 1);
    let err = tl
        .sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::Expired(Expired {
            id,
            expiresAt: NOW - 1
        }))
    );
    assert_eq!(tl.sender(admin).proposal(id).0, 1);
    // No longer live: the same call may be queued again, with a fresh schedule.
    let again = tl
        .sender(admin)
        .queue(target.address(), data, SALT)
        .motsu_unwrap();
    assert_eq!(again, id);
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 86_400, NOW + 1_296_000)
    );
}

#[motsu::test]
fn the_last_second_of_the_window_executes(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(9);
    let id = queue_ready(&tl, admin, target.address(), &data);
    age(&tl, admin, id, 1_209_600);
    tl.sender(admin)
        .execute(target.address(), data, SALT)
        .motsu_unwrap();
    assert_eq!(tl.sender(admin).proposal(id), (2, NOW - 1_209_600, NOW));
    assert_eq!(
        target.sender(admin).recorded(),
        (U256::from(9), tl.address())
    );
}

#[motsu::test]
fn a_reverting_target_passes_its_error_through_and_rolls_back(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data: Bytes = ICalls::boomCall { v: U256::from(5) }.abi_encode().into();
    let id = queue_ready(&tl, admin, target.address(), &data);
    let err = tl
        .sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        Vec::<u8>::from(TargetError::Boom(Boom {
            value: U256::from(5)
        }))
    );
    // Still queued, nothing written in the target, no event.
    assert_eq!(tl.sender(admin).proposal(id), (1, NOW, NOW + 1_209_600));
    assert_eq!(target.sender(admin).recorded(), (U256::ZERO, Address::ZERO));
    assert!(!tl.emitted(&Executed { id }));
}

#[motsu::test]
fn admin_and_guardian_cancel_others_cannot(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    stranger: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let data = set_value(7);
    let id = queue_ready(&tl, admin, target.address(), &data);
    let err = tl.sender(stranger).cancel(id).motsu_unwrap_err();
    assert_eq!(bytes(err), unauthorized(stranger, GUARDIAN_ROLE));
    assert_eq!(tl.sender(admin).proposal(id).0, 1);

    tl.sender(guardian).cancel(id).motsu_unwrap();
    tl.assert_emitted(&Cancelled { id, by: guardian });
    assert_eq!(tl.sender(admin).proposal(id), (3, NOW, NOW + 1_209_600));
    let err = tl
        .sender(admin)
        .execute(target.address(), data.clone(), SALT)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(TimelockError::ProposalCancelled(ProposalCancelled { id }))
    );
    let err = tl.sender(admin).cancel(id).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::ProposalCancelled(ProposalCancelled { id }))
    );
    let err = tl.sender(admin).cancel(B256::ZERO).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::NotQueued(NotQueued { id: B256::ZERO }))
    );

    // Queued again, then cancelled by the admin, after it expired.
    tl.sender(admin)
        .queue(target.address(), data, SALT)
        .motsu_unwrap();
    age(&tl, admin, id, 2_000_000);
    tl.sender(admin).cancel(id).motsu_unwrap();
    tl.assert_emitted(&Cancelled { id, by: admin });
    assert_eq!(tl.sender(admin).proposal(id).0, 3);
    assert_eq!(target.sender(admin).recorded(), (U256::ZERO, Address::ZERO));
}

#[motsu::test]
fn delay_and_grace_change_only_through_the_timelock(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    stranger: Address,
) {
    deploy(&tl, &target, admin, guardian);
    for who in [admin, guardian, stranger] {
        let err = tl.sender(who).set_delay(2 * DAY).motsu_unwrap_err();
        assert_eq!(
            bytes(err),
            bytes(TimelockError::OnlyTimelock(OnlyTimelock { caller: who }))
        );
        let err = tl.sender(who).set_grace(2 * DAY).motsu_unwrap_err();
        assert_eq!(
            bytes(err),
            bytes(TimelockError::OnlyTimelock(OnlyTimelock { caller: who }))
        );
    }
    assert_eq!(
        (tl.sender(admin).delay(), tl.sender(admin).grace()),
        (DAY, 14 * DAY)
    );

    // The timelock itself as the caller: bounds apply.
    let me = tl.address();
    let err = tl.sender(me).set_delay(3_599).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::DelayOutOfBounds(DelayOutOfBounds {
            delay: 3_599
        }))
    );
    let err = tl.sender(me).set_grace(86_399).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::GraceOutOfBounds(GraceOutOfBounds {
            grace: 86_399
        }))
    );
    let err = tl.sender(me).set_grace(2_592_001).motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::GraceOutOfBounds(GraceOutOfBounds {
            grace: 2_592_001
        }))
    );
    tl.sender(me).set_delay(2 * DAY).motsu_unwrap();
    tl.assert_emitted(&DelaySet {
        old: DAY,
        newDelay: 2 * DAY,
    });
    tl.sender(me).set_grace(DAY).motsu_unwrap();
    tl.assert_emitted(&GraceSet {
        old: 14 * DAY,
        newGrace: DAY,
    });
    assert_eq!(
        (tl.sender(admin).delay(), tl.sender(admin).grace()),
        (2 * DAY, DAY)
    );
}

#[motsu::test]
fn executed_self_calls_set_delay_and_grace(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let me = tl.address();
    let data = set_delay(HOUR);
    let id = queue_ready(&tl, admin, me, &data);
    tl.sender(admin).execute(me, data, SALT).motsu_unwrap();
    tl.assert_emitted(&DelaySet {
        old: DAY,
        newDelay: HOUR,
    });
    tl.assert_emitted(&Executed { id });
    assert_eq!(tl.sender(admin).delay(), HOUR);

    let data = set_grace(30 * DAY);
    // Queued with the new delay of one hour.
    let id = tl
        .sender(admin)
        .queue(me, data.clone(), SALT)
        .motsu_unwrap();
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 3_600, NOW + 3_600 + 1_209_600)
    );
    age(&tl, admin, id, HOUR);
    tl.sender(admin).execute(me, data, SALT).motsu_unwrap();
    tl.assert_emitted(&GraceSet {
        old: 14 * DAY,
        newGrace: 30 * DAY,
    });
    assert_eq!(tl.sender(admin).grace(), 2_592_000);
    // New proposals use the new grace period.
    let id = tl
        .sender(admin)
        .queue(target.address(), set_value(1), SALT)
        .motsu_unwrap();
    assert_eq!(
        tl.sender(admin).proposal(id),
        (1, NOW + 3_600, NOW + 3_600 + 2_592_000)
    );
}

#[motsu::test]
fn invalid_self_calls_are_refused_when_queued(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let me = tl.address();
    let invalid = |selector: [u8; 4]| {
        bytes(TimelockError::InvalidSelfCall(InvalidSelfCall {
            selector: selector.into(),
        }))
    };
    let queue = |data: Vec<u8>| {
        bytes(
            tl.sender(admin)
                .queue(me, Bytes(data), SALT)
                .motsu_unwrap_err(),
        )
    };
    // Another function of the timelock.
    let propose = function_selector!("proposeAdmin", Address);
    let mut data = propose.to_vec();
    data.extend_from_slice(&[0u8; 32]);
    assert_eq!(queue(data), invalid(propose));
    // Too short, too long, or an argument beyond uint64.
    assert_eq!(queue(vec![0xab, 0xcd]), invalid([0xab, 0xcd, 0, 0]));
    assert_eq!(queue(Vec::new()), invalid([0; 4]));
    let mut long = set_delay(DAY).0;
    long.push(0);
    assert_eq!(queue(long), invalid(SET_DELAY_SELECTOR));
    let mut wide = set_delay(DAY).0;
    wide[27] = 1;
    assert_eq!(queue(wide), invalid(SET_DELAY_SELECTOR));
    // Out of bounds.
    assert_eq!(
        queue(set_delay(2_592_001).0),
        bytes(TimelockError::DelayOutOfBounds(DelayOutOfBounds {
            delay: 2_592_001
        }))
    );
    assert_eq!(
        queue(set_grace(86_399).0),
        bytes(TimelockError::GraceOutOfBounds(GraceOutOfBounds {
            grace: 86_399
        }))
    );
    // The same data to another target is an ordinary call.
    tl.sender(admin)
        .queue(target.address(), set_delay(2_592_001), SALT)
        .motsu_unwrap();
}

#[motsu::test]
fn admin_role_changes_hands_in_two_steps(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    next: Address,
    stranger: Address,
) {
    deploy(&tl, &target, admin, guardian);
    for who in [stranger, guardian, next] {
        let err = tl.sender(who).propose_admin(next).motsu_unwrap_err();
        assert_eq!(bytes(err), unauthorized(who, ADMIN_ROLE));
    }
    // Nothing to accept yet.
    let err = tl.sender(next).accept_admin().motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::NotPendingAdmin(NotPendingAdmin {
            caller: next
        }))
    );

    tl.sender(admin).propose_admin(next).motsu_unwrap();
    tl.assert_emitted(&AdminProposed {
        current: admin,
        next,
    });
    assert_eq!(tl.sender(admin).pending_admin(), next);
    // Proposing grants nothing yet.
    assert!(!tl.sender(admin).has_role(ADMIN_ROLE.into(), next));
    for who in [stranger, admin, guardian] {
        let err = tl.sender(who).accept_admin().motsu_unwrap_err();
        assert_eq!(
            bytes(err),
            bytes(TimelockError::NotPendingAdmin(NotPendingAdmin {
                caller: who
            }))
        );
    }

    tl.sender(next).accept_admin().motsu_unwrap();
    tl.assert_emitted(&AdminAccepted {
        old: admin,
        newAdmin: next,
    });
    tl.assert_emitted(&RoleRevoked {
        role: ADMIN_ROLE.into(),
        account: admin,
        sender: next,
    });
    tl.assert_emitted(&RoleGranted {
        role: ADMIN_ROLE.into(),
        account: next,
        sender: next,
    });
    let c = tl.sender(admin);
    assert!(c.has_role(ADMIN_ROLE.into(), next));
    assert!(!c.has_role(ADMIN_ROLE.into(), admin));
    assert_eq!((c.admin(), c.pending_admin()), (next, Address::ZERO));
    drop(c);
    // The old admin lost its powers, the new one has them.
    let err = tl
        .sender(admin)
        .queue(target.address(), set_value(1), SALT)
        .motsu_unwrap_err();
    assert_eq!(bytes(err), unauthorized(admin, ADMIN_ROLE));
    tl.sender(next)
        .queue(target.address(), set_value(1), SALT)
        .motsu_unwrap();
    // The offer was consumed.
    let err = tl.sender(next).accept_admin().motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::NotPendingAdmin(NotPendingAdmin {
            caller: next
        }))
    );
}

#[motsu::test]
fn a_withdrawn_offer_cannot_be_accepted(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    next: Address,
) {
    deploy(&tl, &target, admin, guardian);
    tl.sender(admin).propose_admin(next).motsu_unwrap();
    tl.sender(admin).propose_admin(Address::ZERO).motsu_unwrap();
    tl.assert_emitted(&AdminProposed {
        current: admin,
        next: Address::ZERO,
    });
    assert_eq!(tl.sender(admin).pending_admin(), Address::ZERO);
    let err = tl.sender(next).accept_admin().motsu_unwrap_err();
    assert_eq!(
        bytes(err),
        bytes(TimelockError::NotPendingAdmin(NotPendingAdmin {
            caller: next
        }))
    );
    assert_eq!(tl.sender(admin).admin(), admin);
}

#[motsu::test]
fn the_admin_role_is_not_granted_or_revoked_directly(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    other: Address,
) {
    deploy(&tl, &target, admin, guardian);
    let two_step = bytes(TimelockError::UseTwoStepHandover(UseTwoStepHandover {}));
    let err = tl
        .sender(admin)
        .grant_role(ADMIN_ROLE.into(), other)
        .motsu_unwrap_err();
    assert_eq!(bytes(err), two_step);
    let err = tl
        .sender(admin)
        .revoke_role(ADMIN_ROLE.into(), admin)
        .motsu_unwrap_err();
    assert_eq!(bytes(err), two_step);
    assert!(!tl.sender(admin).has_role(ADMIN_ROLE.into(), other));
    assert!(tl.sender(admin).has_role(ADMIN_ROLE.into(), admin));
}

#[motsu::test]
fn the_admin_manages_guardians(
    tl: Contract<Timelock>,
    target: Contract<Target>,
    admin: Address,
    guardian: Address,
    other: Address,
) {
    deploy(&tl, &target, admin, guardian);
    for who in [guardian, other] {
        let err = tl
            .sender(who)
            .grant_role(GUARDIAN_ROLE.into(), who)
            .motsu_unwrap_err();
        assert_eq!(bytes(err), unauthorized(who, ADMIN_ROLE));
    }
    let err = tl
        .sender(guardian)
        .revoke_role(GUARDIAN_ROLE.into(), guardian)
        .motsu_unwrap_err();
    assert_eq!(bytes(err), unauthorized(guardian, ADMIN_ROLE));

    tl.sender(admin)
        .grant_role(GUARDIAN_ROLE.into(), other)
        .motsu_unwrap();
    assert!(tl.sender(admin).has_role(GUARDIAN_ROLE.into(), other));
    tl.sender(admin)
        .revoke_role(GUARDIAN_ROLE.into(), guardian)
        .motsu_unwrap();
    assert!(!tl.sender(admin).has_role(GUARDIAN_ROLE.into(), guardian));

    // A revoked guardian can no longer cancel; the new one can.
    let id = tl
        .sender(admin)
        .queue(target.address(), set_value(1), SALT)
        .motsu_unwrap();
    let err = tl.sender(guardian).cancel(id).motsu_unwrap_err();
    assert_eq!(bytes(err), unauthorized(guardian, GUARDIAN_ROLE));
    tl.sender(other).cancel(id).motsu_unwrap();
    tl.assert_emitted(&Cancelled { id, by: other });
}

#[test]
fn ids_of_known_calls() {
    // A fixed call, so that a change of the id scheme shows.
    let target = address!("00000000000000000000000000000000000c1ea4");
    let data = set_value(7);
    let expected = keccak256(
        [
            hex!("00000000000000000000000000000000000000000000000000000000000c1ea4").as_slice(),
            &hex!("0000000000000000000000000000000000000000000000000000000000000060"),
            SALT.as_slice(),
            &hex!("0000000000000000000000000000000000000000000000000000000000000024"),
            &data[..32],
            &data[32..],
            &[0u8; 28],
        ]
        .concat(),
    );
    assert_eq!(hash(target, &data, SALT), expected);
}

#[test]
fn revert_data_passes_through_and_an_empty_revert_names_the_target() {
    // motsu reports an empty revert as a routing failure, so this mapping is tested directly.
    let target = address!("00000000000000000000000000000000000c1ea4");
    let data = Vec::<u8>::from(TargetError::Boom(Boom {
        value: U256::from(5),
    }));
    assert_eq!(
        passthrough(stylus_sdk::call::Error::Revert(data.clone()), target),
        data
    );
    assert_eq!(
        passthrough(stylus_sdk::call::Error::Revert(Vec::new()), target),
        bytes(TimelockError::CallFailed(CallFailed { target }))
    );
}
