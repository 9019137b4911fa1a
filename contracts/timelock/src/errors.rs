//! Events and custom errors of the timelock.
use alloy_sol_types::sol;
use openzeppelin_stylus::access::control;
use stylus_sdk::prelude::*;

sol! {
    /// `current` offered the admin role to `next` (zero: the offer was withdrawn).
    #[derive(Debug, PartialEq, Eq)]
    event AdminProposed(address current, address next);
    /// `newAdmin` accepted the admin role; `old` no longer holds it.
    #[derive(Debug, PartialEq, Eq)]
    event AdminAccepted(address old, address newAdmin);
    /// The call `(target, data)` was queued as `id`; it may be executed from `eta` up to and
    /// including `expiresAt`.
    #[derive(Debug, PartialEq, Eq)]
    event Queued(bytes32 indexed id, address indexed target, bytes data, uint64 eta, uint64 expiresAt);
    /// Proposal `id` was executed.
    #[derive(Debug, PartialEq, Eq)]
    event Executed(bytes32 indexed id);
    /// Proposal `id` was cancelled by `by`.
    #[derive(Debug, PartialEq, Eq)]
    event Cancelled(bytes32 indexed id, address by);
    /// The delay changed from `old` to `newDelay` seconds.
    #[derive(Debug, PartialEq, Eq)]
    event DelaySet(uint64 old, uint64 newDelay);
    /// The grace period changed from `old` to `newGrace` seconds.
    #[derive(Debug, PartialEq, Eq)]
    event GraceSet(uint64 old, uint64 newGrace);

    /// The admin role changes hands only through `proposeAdmin` and `acceptAdmin`.
    #[derive(Debug, PartialEq, Eq)]
    error UseTwoStepHandover();
    /// `caller` is not the proposed next admin.
    #[derive(Debug, PartialEq, Eq)]
    error NotPendingAdmin(address caller);
    /// The zero address cannot be the admin.
    #[derive(Debug, PartialEq, Eq)]
    error InvalidAdmin(address admin);
    /// Proposal `id` is queued and not expired.
    #[derive(Debug, PartialEq, Eq)]
    error AlreadyQueued(bytes32 id);
    /// Proposal `id` was never queued.
    #[derive(Debug, PartialEq, Eq)]
    error NotQueued(bytes32 id);
    /// Proposal `id` may be executed from `eta` on.
    #[derive(Debug, PartialEq, Eq)]
    error TooEarly(bytes32 id, uint64 eta);
    /// Proposal `id` could be executed only up to `expiresAt`.
    #[derive(Debug, PartialEq, Eq)]
    error Expired(bytes32 id, uint64 expiresAt);
    /// Proposal `id` was executed already.
    #[derive(Debug, PartialEq, Eq)]
    error AlreadyExecuted(bytes32 id);
    /// Proposal `id` was cancelled.
    #[derive(Debug, PartialEq, Eq)]
    error ProposalCancelled(bytes32 id);
    /// Only the timelock itself (an executed proposal) may call this; `caller` did.
    #[derive(Debug, PartialEq, Eq)]
    error OnlyTimelock(address caller);
    /// A delay outside 1 hour .. 30 days.
    #[derive(Debug, PartialEq, Eq)]
    error DelayOutOfBounds(uint64 delay);
    /// A grace period outside 1 day .. 30 days.
    #[derive(Debug, PartialEq, Eq)]
    error GraceOutOfBounds(uint64 grace);
    /// A call to the timelock itself other than `setDelay(uint64)` or `setGrace(uint64)` with
    /// exactly one argument (`selector`: the data's first four bytes, zero-padded).
    #[derive(Debug, PartialEq, Eq)]
    error InvalidSelfCall(bytes4 selector);
    /// The target reverted without revert data.
    #[derive(Debug, PartialEq, Eq)]
    error CallFailed(address target);
}

/// Errors of the timelock. A target's revert data is returned unchanged by `execute` instead.
#[derive(SolidityError, Debug)]
pub enum TimelockError {
    /// See [`UseTwoStepHandover`].
    UseTwoStepHandover(UseTwoStepHandover),
    /// See [`NotPendingAdmin`].
    NotPendingAdmin(NotPendingAdmin),
    /// See [`InvalidAdmin`].
    InvalidAdmin(InvalidAdmin),
    /// See [`AlreadyQueued`].
    AlreadyQueued(AlreadyQueued),
    /// See [`NotQueued`].
    NotQueued(NotQueued),
    /// See [`TooEarly`].
    TooEarly(TooEarly),
    /// See [`Expired`].
    Expired(Expired),
    /// See [`AlreadyExecuted`].
    AlreadyExecuted(AlreadyExecuted),
    /// See [`ProposalCancelled`].
    ProposalCancelled(ProposalCancelled),
    /// See [`OnlyTimelock`].
    OnlyTimelock(OnlyTimelock),
    /// See [`DelayOutOfBounds`].
    DelayOutOfBounds(DelayOutOfBounds),
    /// See [`GraceOutOfBounds`].
    GraceOutOfBounds(GraceOutOfBounds),
    /// See [`InvalidSelfCall`].
    InvalidSelfCall(InvalidSelfCall),
    /// See [`CallFailed`].
    CallFailed(CallFailed),
    /// The caller lacks the role (OpenZeppelin access control).
    UnauthorizedAccount(control::AccessControlUnauthorizedAccount),
    /// Role renounced by someone else (OpenZeppelin access control).
    BadConfirmation(control::AccessControlBadConfirmation),
}

impl From<control::Error> for TimelockError {
    fn from(e: control::Error) -> Self {
        match e {
            control::Error::UnauthorizedAccount(e) => Self::UnauthorizedAccount(e),
            control::Error::BadConfirmation(e) => Self::BadConfirmation(e),
        }
    }
}
