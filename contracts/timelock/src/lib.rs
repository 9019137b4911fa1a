//! Timelock: the admin (`DEFAULT_ADMIN_ROLE` holder) of the other contracts, through which
//! risk-raising governance changes pass (DESIGN section 11).
//!
//! # Flow
//!
//! 1. The timelock's own admin (the governance multisig) **queues** a call, `queue(target, data,
//!    salt)`. Its id is `keccak256(abi.encode(target, data, salt))` ([`Timelock::hash_call`]);
//!    the salt lets the same call be queued under distinct ids. The proposal becomes executable
//!    at `eta = now + delay` and stays executable up to and including `expiresAt = eta + grace`
//!    (`clearing_core::governance`). A call that is queued and not expired cannot be queued again.
//! 2. Once the delay has passed, the admin **executes** it, `execute(target, data, salt)`: the
//!    proposal is marked executed before the timelock calls `target` with `data`, so the call
//!    cannot run twice; if the target reverts, its revert data is returned unchanged and the whole
//!    execution (the mark included) is rolled back, so it may be retried until it expires.
//! 3. Until then the admin or the guardian (`GUARDIAN_ROLE`) may **cancel** it.
//!
//! The timelock's own delay and grace period change only through this flow: queue
//! `setDelay(uint64)` or `setGrace(uint64)` with the timelock as the target. Stylus refuses a call
//! that re-enters a contract already on the stack, so `execute` applies such a call directly
//! instead of calling itself; the public `setDelay` and `setGrace` accept only the timelock
//! itself as caller. Calls to the timelock other than these two are refused when queued.
//!
//! # Admin handover
//!
//! The admin role has exactly one holder, and it changes hands in two steps: the admin proposes
//! the next admin (`proposeAdmin`), who must accept (`acceptAdmin`); acceptance grants the role
//! to the new admin and revokes it from the old one. Granting or revoking `DEFAULT_ADMIN_ROLE`
//! through `grantRole`/`revokeRole` is refused with [`UseTwoStepHandover`], so a typo cannot hand
//! the timelock to an address nobody controls, and the timelock cannot be left without an admin.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U64, U8};
use clearing_core::governance::params::{MAX_TIMELOCK_DELAY, MIN_TIMELOCK_DELAY};
use clearing_core::governance::{
    self, Proposal, ProposalState, MAX_TIMELOCK_GRACE, MIN_TIMELOCK_GRACE,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use stylus_sdk::{
    abi::Bytes,
    call::Call,
    function_selector,
    keccak_const::Keccak256,
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU64, StorageU8},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): queues, executes and cancels.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("GUARDIAN_ROLE")`: may cancel queued proposals.
pub const GUARDIAN_ROLE: [u8; 32] = Keccak256::new().update(b"GUARDIAN_ROLE").finalize();

/// Selector of `setDelay(uint64)`.
pub const SET_DELAY_SELECTOR: [u8; 4] = function_selector!("setDelay", u64);

/// Selector of `setGrace(uint64)`.
pub const SET_GRACE_SELECTOR: [u8; 4] = function_selector!("setGrace", u64);

/// Lower and upper bounds of the delay, seconds (1 hour, 30 days).
pub const DELAY_BOUNDS: (u64, u64) = (MIN_TIMELOCK_DELAY, MAX_TIMELOCK_DELAY);

/// Lower and upper bounds of the grace period, seconds (1 day, 30 days).
pub const GRACE_BOUNDS: (u64, u64) = (MIN_TIMELOCK_GRACE, MAX_TIMELOCK_GRACE);

/// Schedule and state of one proposal.
#[storage]
pub struct ProposalSlot {
    queued_at: StorageU64,
    eta: StorageU64,
    expires_at: StorageU64,
    state: StorageU8,
}

/// The timelock.
#[storage]
#[entrypoint]
pub struct Timelock {
    access: AccessControl,
    admin: StorageAddress,
    pending_admin: StorageAddress,
    delay: StorageU64,
    grace: StorageU64,
    proposals: StorageMap<B256, ProposalSlot>,
}

/// A call to the timelock itself that `execute` applies directly.
enum SelfCall {
    SetDelay(u64),
    SetGrace(u64),
}

#[public]
impl Timelock {
    /// Grants `admin` the admin role and `guardian` (unless zero) the guardian role, and sets
    /// the delay to `delay` seconds and the grace period to `grace` seconds (the usual choice
    /// is `DEFAULT_TIMELOCK_GRACE`, 14 days).
    ///
    /// # Errors
    /// [`InvalidAdmin`] if `admin` is zero; [`DelayOutOfBounds`] unless 1 hour <= `delay` <=
    /// 30 days; [`GraceOutOfBounds`] unless 1 day <= `grace` <= 30 days.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        guardian: Address,
        delay: u64,
        grace: u64,
    ) -> Result<(), TimelockError> {
        if admin.is_zero() {
            return Err(TimelockError::InvalidAdmin(InvalidAdmin { admin }));
        }
        check_delay(delay)?;
        check_self_call(&SelfCall::SetGrace(grace))?;
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.admin.set(admin);
        if !guardian.is_zero() {
            self.access._grant_role(GUARDIAN_ROLE.into(), guardian);
        }
        self.delay.set(U64::from(delay));
        self.grace.set(U64::from(grace));
        Ok(())
    }

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account` (the admin grants the guardian role).
    ///
    /// # Errors
    /// [`UseTwoStepHandover`] for the admin role; `AccessControlUnauthorizedAccount` unless the
    /// caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), TimelockError> {
        if role == B256::from(ADMIN_ROLE) {
            return Err(TimelockError::UseTwoStepHandover(UseTwoStepHandover {}));
        }
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// [`UseTwoStepHandover`] for the admin role; `AccessControlUnauthorizedAccount` unless the
    /// caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), TimelockError> {
        if role == B256::from(ADMIN_ROLE) {
            return Err(TimelockError::UseTwoStepHandover(UseTwoStepHandover {}));
        }
        Ok(self.access.revoke_role(role, account)?)
    }

    /// The admin, the single holder of the admin role.
    pub fn admin(&self) -> Address {
        self.admin.get()
    }

    /// The proposed next admin (zero: none).
    pub fn pending_admin(&self) -> Address {
        self.pending_admin.get()
    }

    /// Offers the admin role to `next`, replacing any earlier offer; zero withdraws the offer
    /// (admin only). Emits `AdminProposed`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the admin role.
    pub fn propose_admin(&mut self, next: Address) -> Result<(), TimelockError> {
        let current = self.only_admin()?;
        self.pending_admin.set(next);
        log(self.vm(), AdminProposed { current, next });
        Ok(())
    }

    /// Accepts the admin role offered to the caller: grants it the role, revokes the role from
    /// the old admin and clears the offer. Emits `AdminAccepted` (and access control's
    /// `RoleRevoked` and `RoleGranted`).
    ///
    /// # Errors
    /// [`NotPendingAdmin`] unless the caller is the proposed next admin.
    pub fn accept_admin(&mut self) -> Result<(), TimelockError> {
        let caller = self.vm().msg_sender();
        let pending = self.pending_admin.get();
        if pending.is_zero() || caller != pending {
            return Err(TimelockError::NotPendingAdmin(NotPendingAdmin { caller }));
        }
        let old = self.admin.get();
        self.access._revoke_role(ADMIN_ROLE.into(), old);
        self.access._grant_role(ADMIN_ROLE.into(), caller);
        self.admin.set(caller);
        self.pending_admin.set(Address::ZERO);
        log(
            self.vm(),
            AdminAccepted {
                old,
                newAdmin: caller,
            },
        );
        Ok(())
    }

    /// Queues the call of `target` with `data` under `salt` (admin only) and returns its id,
    /// `keccak256(abi.encode(target, data, salt))`. It may be executed from `now + delay` up to
    /// and including `now + delay + grace`. Emits `Queued`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the admin role; [`AlreadyQueued`] while the
    /// same call is queued and not expired; for calls to the timelock itself,
    /// [`InvalidSelfCall`], [`DelayOutOfBounds`] or [`GraceOutOfBounds`].
    pub fn queue(
        &mut self,
        target: Address,
        data: Bytes,
        salt: B256,
    ) -> Result<B256, TimelockError> {
        self.only_admin()?;
        if target == self.vm().contract_address() {
            check_self_call(&self_call(&data)?)?;
        }
        let id = hash(target, &data, salt);
        let now = self.vm().block_timestamp();
        if governance::is_live(&self.load_proposal(id), now) {
            return Err(TimelockError::AlreadyQueued(AlreadyQueued { id }));
        }
        let p = governance::queue(now, self.delay.get().to(), self.grace.get().to());
        self.store_proposal(id, &p);
        log(
            self.vm(),
            Queued {
                id,
                target,
                data: data.0.into(),
                eta: p.eta,
                expiresAt: p.expires_at,
            },
        );
        Ok(id)
    }

    /// Executes the queued call of `target` with `data` under `salt` (admin only): marks it
    /// executed, then calls `target` with `data` (or applies `setDelay`/`setGrace` when the
    /// target is the timelock itself). Emits `Executed`. As in the EVM, a call to an address
    /// without code succeeds and does nothing. The target cannot call back into the timelock
    /// during the call (Stylus refuses re-entry).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` without the admin role; [`NotQueued`],
    /// [`AlreadyExecuted`], [`ProposalCancelled`], [`TooEarly`] before its eta, [`Expired`] after
    /// its expiry; the target's revert data unchanged, or [`CallFailed`] when it reverted without
    /// data; for calls to the timelock itself, the errors of `setDelay`/`setGrace`. Any error
    /// rolls the execution back, so the proposal stays queued.
    pub fn execute(&mut self, target: Address, data: Bytes, salt: B256) -> Result<(), Vec<u8>> {
        self.only_admin()?;
        let id = hash(target, &data, salt);
        let p = self.load_proposal(id);
        let now = self.vm().block_timestamp();
        let done = governance::execute(&p, now).map_err(|e| lifecycle_error(e, id, &p))?;
        self.store_proposal(id, &done);
        if target == self.vm().contract_address() {
            self.apply_self_call(self_call(&data)?)?;
        } else {
            stylus_sdk::call::call(Call::new_in(self), target, &data)
                .map_err(|e| passthrough(e, target))?;
        }
        log(self.vm(), Executed { id });
        Ok(())
    }

    /// Cancels queued proposal `id`, also after it expired (admin or guardian). Emits
    /// `Cancelled`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` (naming the guardian role) unless the caller is the
    /// admin or a guardian; [`NotQueued`], [`AlreadyExecuted`] or [`ProposalCancelled`] unless
    /// the proposal is queued.
    pub fn cancel(&mut self, id: B256) -> Result<(), TimelockError> {
        let by = self.vm().msg_sender();
        if !self.access.has_role(ADMIN_ROLE.into(), by) {
            self.access._check_role(GUARDIAN_ROLE.into(), by)?;
        }
        let p = self.load_proposal(id);
        let gone = governance::cancel(&p).map_err(|e| lifecycle_error(e, id, &p))?;
        self.store_proposal(id, &gone);
        log(self.vm(), Cancelled { id, by });
        Ok(())
    }

    /// Sets the delay of proposals queued from now on to `delay` seconds. Only the timelock
    /// itself may call it, so it takes effect through an executed proposal. Emits `DelaySet`.
    ///
    /// # Errors
    /// [`OnlyTimelock`] for any other caller; [`DelayOutOfBounds`] unless 1 hour <= `delay` <=
    /// 30 days.
    pub fn set_delay(&mut self, delay: u64) -> Result<(), TimelockError> {
        self.only_self()?;
        self.apply_self_call(SelfCall::SetDelay(delay))
    }

    /// Sets the grace period of proposals queued from now on to `grace` seconds. Only the
    /// timelock itself may call it, so it takes effect through an executed proposal. Emits
    /// `GraceSet`.
    ///
    /// # Errors
    /// [`OnlyTimelock`] for any other caller; [`GraceOutOfBounds`] unless 1 day <= `grace` <=
    /// 30 days.
    pub fn set_grace(&mut self, grace: u64) -> Result<(), TimelockError> {
        self.only_self()?;
        self.apply_self_call(SelfCall::SetGrace(grace))
    }

    /// Proposal `id`: `(state, eta, expiresAt)`; states 0 none, 1 queued (possibly expired:
    /// compare `expiresAt` with the block time), 2 executed, 3 cancelled.
    pub fn proposal(&self, id: B256) -> (u8, u64, u64) {
        let p = self.load_proposal(id);
        (p.state as u8, p.eta, p.expires_at)
    }

    /// The delay of newly queued proposals, seconds.
    pub fn delay(&self) -> u64 {
        self.delay.get().to()
    }

    /// How long a proposal stays executable after its delay, seconds.
    pub fn grace(&self) -> u64 {
        self.grace.get().to()
    }

    /// The id of the call of `target` with `data` under `salt`:
    /// `keccak256(abi.encode(target, data, salt))`.
    pub fn hash_call(&self, target: Address, data: Bytes, salt: B256) -> B256 {
        hash(target, &data, salt)
    }
}

impl Timelock {
    /// The caller, if it holds the admin role.
    fn only_admin(&self) -> Result<Address, TimelockError> {
        let caller = self.vm().msg_sender();
        self.access._check_role(ADMIN_ROLE.into(), caller)?;
        Ok(caller)
    }

    fn only_self(&self) -> Result<(), TimelockError> {
        let caller = self.vm().msg_sender();
        if caller != self.vm().contract_address() {
            return Err(TimelockError::OnlyTimelock(OnlyTimelock { caller }));
        }
        Ok(())
    }

    fn load_proposal(&self, id: B256) -> Proposal {
        let slot = self.proposals.getter(id);
        Proposal {
            queued_at: slot.queued_at.get().to(),
            eta: slot.eta.get().to(),
            expires_at: slot.expires_at.get().to(),
            state: ProposalState::from_code(slot.state.get().to()).unwrap_or_default(),
        }
    }

    fn store_proposal(&mut self, id: B256, p: &Proposal) {
        let mut slot = self.proposals.setter(id);
        slot.queued_at.set(U64::from(p.queued_at));
        slot.eta.set(U64::from(p.eta));
        slot.expires_at.set(U64::from(p.expires_at));
        slot.state.set(U8::from(p.state as u8));
    }

    /// Sets the delay or the grace period within its bounds and emits `DelaySet` or `GraceSet`.
    fn apply_self_call(&mut self, call: SelfCall) -> Result<(), TimelockError> {
        check_self_call(&call)?;
        match call {
            SelfCall::SetDelay(delay) => {
                let old = self.delay.get().to();
                self.delay.set(U64::from(delay));
                log(
                    self.vm(),
                    DelaySet {
                        old,
                        newDelay: delay,
                    },
                );
            }
            SelfCall::SetGrace(grace) => {
                let old = self.grace.get().to();
                self.grace.set(U64::from(grace));
                log(
                    self.vm(),
                    GraceSet {
                        old,
                        newGrace: grace,
                    },
                );
            }
        }
        Ok(())
    }
}

/// `keccak256(abi.encode(target, data, salt))`.
fn hash(target: Address, data: &[u8], salt: B256) -> B256 {
    let head = governance::call_encoding_head(target, data.len(), salt);
    let padding = governance::call_encoding_padding(data.len());
    let mut buf = Vec::with_capacity(head.len() + data.len() + padding);
    buf.extend_from_slice(&head);
    buf.extend_from_slice(data);
    buf.resize(buf.len() + padding, 0);
    alloy_primitives::keccak256(&buf)
}

/// Decodes a call to the timelock itself: `setDelay(uint64)` or `setGrace(uint64)`, exactly one
/// ABI word whose value fits `uint64`.
fn self_call(data: &[u8]) -> Result<SelfCall, TimelockError> {
    let mut selector = [0u8; 4];
    let n = data.len().min(4);
    selector[..n].copy_from_slice(&data[..n]);
    let invalid = || {
        TimelockError::InvalidSelfCall(InvalidSelfCall {
            selector: selector.into(),
        })
    };
    if data.len() != 36 || data[4..28].iter().any(|&b| b != 0) {
        return Err(invalid());
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(&data[28..36]);
    let value = u64::from_be_bytes(word);
    match selector {
        SET_DELAY_SELECTOR => Ok(SelfCall::SetDelay(value)),
        SET_GRACE_SELECTOR => Ok(SelfCall::SetGrace(value)),
        _ => Err(invalid()),
    }
}

/// Checks the argument of a call to the timelock itself against its bounds.
fn check_self_call(call: &SelfCall) -> Result<(), TimelockError> {
    match *call {
        SelfCall::SetDelay(delay) => check_delay(delay),
        SelfCall::SetGrace(grace) => {
            if governance::grace_in_bounds(grace) {
                Ok(())
            } else {
                Err(TimelockError::GraceOutOfBounds(GraceOutOfBounds { grace }))
            }
        }
    }
}

fn check_delay(delay: u64) -> Result<(), TimelockError> {
    if governance::delay_in_bounds(delay) {
        Ok(())
    } else {
        Err(TimelockError::DelayOutOfBounds(DelayOutOfBounds { delay }))
    }
}

/// The target's revert data unchanged, or [`CallFailed`] when there is none.
fn passthrough(e: stylus_sdk::call::Error, target: Address) -> Vec<u8> {
    match e {
        stylus_sdk::call::Error::Revert(data) if !data.is_empty() => data,
        _ => TimelockError::CallFailed(CallFailed { target }).into(),
    }
}

/// The contract error of a lifecycle refusal of proposal `id`.
fn lifecycle_error(e: governance::TimelockError, id: B256, p: &Proposal) -> TimelockError {
    match e {
        governance::TimelockError::NotQueued => TimelockError::NotQueued(NotQueued { id }),
        governance::TimelockError::TooEarly => TimelockError::TooEarly(TooEarly { id, eta: p.eta }),
        governance::TimelockError::Expired => TimelockError::Expired(Expired {
            id,
            expiresAt: p.expires_at,
        }),
        governance::TimelockError::AlreadyExecuted => {
            TimelockError::AlreadyExecuted(AlreadyExecuted { id })
        }
        governance::TimelockError::Cancelled => {
            TimelockError::ProposalCancelled(ProposalCancelled { id })
        }
    }
}
