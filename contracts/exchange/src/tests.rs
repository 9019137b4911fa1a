//! Exchange tests on motsu.
//!
//! The signature, nonce and cancellation checks need no other contract. The
//! rest of `settleFill`, `withdraw` and `transferCollateral` run against
//! [`Peer`], a test double that answers for the Clearinghouse, PerpMarkets,
//! the MarginEngine and the CollateralVault at once, with values the test
//! sets and a record of what it was asked to do.
use super::*;
use alloy_primitives::{address, b256, hex, keccak256, uint, I256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, sol, SolStruct};
use motsu::prelude::*;
use openzeppelin_stylus::access::control::AccessControlUnauthorizedAccount;
use stylus_sdk::storage::StorageI256;

const CLEARINGHOUSE: Address = address!("00000000000000000000000000000000000c1ea4");
const MARKETS: Address = address!("000000000000000000000000000000000000ae75");
const ENGINE: Address = address!("00000000000000000000000000000000000e4613");
const VAULT: Address = address!("000000000000000000000000000000000000fa17");
const ASSET: Address = address!("0000000000000000000000000000000000000e7e");
/// motsu's fixed block timestamp.
const NOW: u64 = 1_735_689_600;
const WAD: U256 = uint!(1_000_000_000_000_000_000_U256);

sol! {
    /// The peer's stand-in for PerpMarkets' unknown-market revert.
    #[derive(Debug, PartialEq, Eq)]
    error UnknownMarket(uint32 market);
}

/// Errors of the peer.
#[derive(SolidityError, Debug)]
enum PeerError {
    UnknownMarket(UnknownMarket),
}

/// One contract playing the four callees of the exchange. It records what it
/// is asked to do in storage rather than in logs, so that the ABI lists only
/// the exchange's own events.
#[storage]
struct Peer {
    market: StorageU64,
    min_size: StorageU256,
    tick: StorageU256,
    positions: StorageMap<B256, StorageI256>,
    equity: StorageMap<B256, StorageI256>,
    maintenance: StorageMap<B256, StorageU256>,
    initial: StorageMap<B256, StorageU256>,
    /// Number of `applyFill` calls and the last price.
    fills: StorageU64,
    last_price: StorageU256,
    /// Per account: total released, and net amount transferred in (out < 0).
    released: StorageMap<B256, StorageU256>,
    moved: StorageMap<B256, StorageI256>,
    /// Asset and recipient of the last release or transfer.
    last_asset: StorageAddress,
    last_recipient: StorageAddress,
}

unsafe impl TopLevelStorage for Peer {}

#[public]
impl Peer {
    fn set_market(&mut self, market: u32, min_size: U256, tick: U256) {
        self.market.set(U64::from(market));
        self.min_size.set(min_size);
        self.tick.set(tick);
    }

    fn set_health(&mut self, account: B256, equity: I256, maintenance: U256, initial: U256) {
        self.equity.insert(account, equity);
        self.maintenance.insert(account, maintenance);
        self.initial.insert(account, initial);
    }

    fn set_position(&mut self, account: B256, size: I256) {
        self.positions.insert(account, size);
    }

    fn rules(&self, market: u32) -> Result<(U256, U256), PeerError> {
        if u64::from(market) != self.market.get().to::<u64>() {
            return Err(PeerError::UnknownMarket(UnknownMarket { market }));
        }
        Ok((self.min_size.get(), self.tick.get()))
    }

    fn position_sizes(&self, _market: u32, a: B256, b: B256) -> (I256, I256) {
        (self.positions.get(a), self.positions.get(b))
    }

    fn apply_fill(
        &mut self,
        _market: u32,
        maker: B256,
        taker: B256,
        price: U256,
        maker_delta: I256,
    ) {
        let m = self.positions.get(maker);
        let t = self.positions.get(taker);
        self.positions.insert(maker, m + maker_delta);
        self.positions.insert(taker, t - maker_delta);
        let n = self.fills.get();
        self.fills.set(n + U64::from(1));
        self.last_price.set(price);
    }

    fn last_fill(&self) -> (u64, U256) {
        (self.fills.get().to::<u64>(), self.last_price.get())
    }

    fn health(&self, account: B256) -> (I256, U256, U256) {
        (
            self.equity.get(account),
            self.maintenance.get(account),
            self.initial.get(account),
        )
    }

    fn release(&mut self, account: B256, asset: Address, amount: U256, recipient: Address) {
        let r = self.released.get(account);
        self.released.insert(account, r + amount);
        self.last_asset.set(asset);
        self.last_recipient.set(recipient);
    }

    fn transfer_balance(&mut self, from: B256, to: B256, asset: Address, amount: U256) {
        let a = I256::from_raw(amount);
        let f = self.moved.get(from);
        self.moved.insert(from, f - a);
        let t = self.moved.get(to);
        self.moved.insert(to, t + a);
        self.last_asset.set(asset);
    }

    /// `(released, net moved)` of `account`, and the last asset and recipient.
    fn custody(&self, account: B256) -> (U256, I256, Address, Address) {
        (
            self.released.get(account),
            self.moved.get(account),
            self.last_asset.get(),
            self.last_recipient.get(),
        )
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::from_raw(WAD)
}

fn bytes(e: ExchangeError) -> Vec<u8> {
    e.into()
}

fn deploy(ex: &Contract<Exchange>, admin: Address) {
    ex.sender(admin)
        .constructor(admin, CLEARINGHOUSE, MARKETS, ENGINE, VAULT, Address::ZERO);
}

/// An exchange wired to `peer` for all four callees, with `matcher` holding
/// the matcher role.
fn deploy_with(ex: &Contract<Exchange>, peer: &Contract<Peer>, admin: Address, matcher: Address) {
    let p = peer.address();
    ex.sender(admin).constructor(admin, p, p, p, p, p);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
}

/// An order of `owner`'s sub-account 0 in market 7, expiring in an hour.
fn order(owner: Address, size: I256, price: U256) -> Order {
    Order {
        account: account::encode(owner, 0),
        market: 7,
        size,
        limitPrice: price,
        expiry: NOW + 3600,
        nonce: 1,
        reduceOnly: false,
    }
}

/// `signer`'s 65-byte `r || s || v` signature of the order's digest.
fn sign(ex: &Contract<Exchange>, signer: &Account, o: &Order) -> Bytes {
    let digest = ex.sender(signer.address()).order_digest(o.clone());
    let raw = signer.signer().sign_hash_sync(&digest).unwrap().as_bytes();
    assert!(raw[64] == 27 || raw[64] == 28);
    Bytes(raw.to_vec())
}

/// A valid maker order of `alice` and a taker order of `bob` that cross.
fn pair(ex: &Contract<Exchange>, alice: &Account, bob: &Account) -> (Order, Bytes, Order, Bytes) {
    let maker = order(alice.address(), swad(2), wad(3000));
    let taker = order(bob.address(), swad(-1), wad(2990));
    let ms = sign(ex, alice, &maker);
    let ts = sign(ex, bob, &taker);
    (maker, ms, taker, ts)
}

// ----------------------------------------------------------------------
// Constructor, roles, domain
// ----------------------------------------------------------------------

#[test]
fn matcher_role_is_the_keccak_of_its_name() {
    assert_eq!(B256::from(MATCHER_ROLE), keccak256("MATCHER_ROLE"));
    assert_eq!(
        MATCHER_ROLE,
        hex!("df91394c13c48ebd5370100f1eb84afe3c6c47a78f9f9f874d5a9ec6afe0ae6b")
    );
}

#[motsu::test]
fn constructor_wires_and_grants_admin(ex: Contract<Exchange>, admin: Address, bob: Address) {
    deploy(&ex, admin);
    assert_eq!(
        ex.sender(bob).wiring(),
        (CLEARINGHOUSE, MARKETS, ENGINE, VAULT)
    );
    assert!(ex.sender(bob).has_role(ADMIN_ROLE.into(), admin));
    assert!(!ex.sender(bob).has_role(MATCHER_ROLE.into(), admin));
    assert!(!ex.sender(bob).has_role(ADMIN_ROLE.into(), bob));
}

#[motsu::test]
fn admin_grants_and_revokes_the_matcher_role(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    bob: Address,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    assert!(ex.sender(bob).has_role(MATCHER_ROLE.into(), matcher));
    let err = ex
        .sender(bob)
        .revoke_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        ExchangeError::UnauthorizedAccount(AccessControlUnauthorizedAccount { account, needed_role })
            if account == bob && needed_role == B256::from(ADMIN_ROLE)
    ));
    ex.sender(admin)
        .revoke_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    assert!(!ex.sender(bob).has_role(MATCHER_ROLE.into(), matcher));
}

#[motsu::test]
fn order_digest_is_the_eip712_signing_hash(ex: Contract<Exchange>, admin: Address) {
    deploy(&ex, admin);
    let o = Order {
        account: b256!("00112233445566778899aabbccddeeff00112233000000000000000000000003"),
        market: 42,
        size: -swad(5),
        limitPrice: wad(1234),
        expiry: 1_800_000_000,
        nonce: 99,
        reduceOnly: true,
    };
    let domain = eip712_domain! {
        name: "Cross-Margin Exchange",
        version: "1",
        chain_id: 42161,
        verifying_contract: ex.address(),
    };
    assert_eq!(ex.sender(admin).domain_separator(), domain.separator());
    let digest = ex.sender(admin).order_digest(o.clone());
    assert_eq!(digest, o.eip712_signing_hash(&domain));
    assert_eq!(
        digest,
        order::order_digest(domain.separator(), &order::Order::from(&o))
    );
}

// ----------------------------------------------------------------------
// Operators and cancels
// ----------------------------------------------------------------------

#[motsu::test]
fn owner_sets_and_revokes_operators(
    ex: Contract<Exchange>,
    admin: Address,
    alice: Address,
    op: Address,
) {
    deploy(&ex, admin);
    let sub2 = account::encode(alice, 2);
    ex.sender(alice).set_operator(2, op, true).motsu_unwrap();
    ex.assert_emitted(&OperatorSet {
        account: sub2,
        operator: op,
        approved: true,
    });
    assert!(ex.sender(admin).is_operator(sub2, op));
    assert!(!ex.sender(admin).is_operator(account::encode(alice, 0), op));
    ex.sender(alice).set_operator(2, op, false).motsu_unwrap();
    ex.assert_emitted(&OperatorSet {
        account: sub2,
        operator: op,
        approved: false,
    });
    assert!(!ex.sender(admin).is_operator(sub2, op));
}

#[motsu::test]
fn zero_operator_is_refused(ex: Contract<Exchange>, admin: Address, alice: Address) {
    deploy(&ex, admin);
    let err = ex
        .sender(alice)
        .set_operator(0, Address::ZERO, true)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        ExchangeError::InvalidOperator(InvalidOperator { operator }) if operator == Address::ZERO
    ));
}

#[motsu::test]
fn cancel_order_once(ex: Contract<Exchange>, admin: Address, alice: Address) {
    deploy(&ex, admin);
    let digest = keccak256("some order");
    assert!(!ex.sender(alice).is_cancelled(alice, digest));
    ex.sender(alice).cancel_order(digest).motsu_unwrap();
    ex.assert_emitted(&DigestCancelled { by: alice, digest });
    assert!(ex.sender(alice).is_cancelled(alice, digest));
    assert!(!ex.sender(alice).is_cancelled(admin, digest));
    let err = ex.sender(alice).cancel_order(digest).motsu_unwrap_err();
    assert!(matches!(
        err,
        ExchangeError::OrderCancelled(OrderCancelled { digest: d }) if d == digest
    ));
}

#[motsu::test]
fn cancel_nonces_below_raises_the_floor(ex: Contract<Exchange>, admin: Address, alice: Address) {
    deploy(&ex, admin);
    let sub1 = account::encode(alice, 1);
    assert_eq!(ex.sender(alice).nonce_floor(sub1), 0);
    ex.sender(alice).cancel_nonces_below(1, 5).motsu_unwrap();
    ex.assert_emitted(&NoncesCancelled {
        account: sub1,
        nonceFloor: 5,
    });
    assert_eq!(ex.sender(alice).nonce_floor(sub1), 5);
    assert_eq!(ex.sender(alice).nonce_floor(account::encode(alice, 0)), 0);
    for requested in [5, 3] {
        let err = ex
            .sender(alice)
            .cancel_nonces_below(1, requested)
            .motsu_unwrap_err();
        assert!(matches!(
            err,
            ExchangeError::NonceFloorNotRaised(NonceFloorNotRaised { current: 5, requested: r })
                if r == requested
        ));
    }
    ex.sender(alice).cancel_nonces_below(1, 6).motsu_unwrap();
    assert_eq!(ex.sender(alice).nonce_floor(sub1), 6);
}

// ----------------------------------------------------------------------
// settleFill: signature, nonce and cancellation checks (no callee needed:
// each test's taker fails before the first external call)
// ----------------------------------------------------------------------

#[motsu::test]
fn settle_fill_needs_the_matcher_role(
    ex: Contract<Exchange>,
    admin: Address,
    alice: Account,
    bob: Account,
    stranger: Address,
) {
    deploy(&ex, admin);
    let (maker, ms, taker, ts) = pair(&ex, &alice, &bob);
    let err = ex
        .sender(stranger)
        .settle_fill(maker, ms, taker, ts, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::UnauthorizedAccount(
            AccessControlUnauthorizedAccount {
                account: stranger,
                needed_role: MATCHER_ROLE.into(),
            }
        ))
    );
}

#[motsu::test]
fn signature_length_must_be_65(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let (maker, ms, taker, _) = pair(&ex, &alice, &bob);
    for len in [0usize, 64, 66] {
        let err = ex
            .sender(matcher)
            .settle_fill(
                maker.clone(),
                ms.clone(),
                taker.clone(),
                Bytes(vec![1; len]),
                WAD,
            )
            .motsu_unwrap_err();
        assert_eq!(
            err,
            bytes(ExchangeError::InvalidSignatureLength(
                InvalidSignatureLength {
                    length: U256::from(len)
                }
            ))
        );
    }
}

#[motsu::test]
fn malformed_signatures_are_refused(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let (maker, ms, taker, ts) = pair(&ex, &alice, &bob);
    let settle = |sig: Vec<u8>| {
        ex.sender(matcher)
            .settle_fill(maker.clone(), ms.clone(), taker.clone(), Bytes(sig), WAD)
            .motsu_unwrap_err()
    };
    let invalid = bytes(ExchangeError::InvalidSignature(ECDSAInvalidSignature {}));
    // v outside {27, 28}
    for v in [0u8, 1, 29] {
        let mut sig = ts.0.clone();
        sig[64] = v;
        assert_eq!(settle(sig), invalid);
    }
    // r = 0 recovers nothing
    let mut sig = ts.0.clone();
    sig[..32].fill(0);
    assert_eq!(settle(sig), invalid);
    // the malleable twin (n - s, flipped v) is refused for its high s
    let n = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
    let s = U256::from_be_slice(&ts.0[32..64]);
    let high = B256::from(n - s);
    let mut sig = ts.0.clone();
    sig[32..64].copy_from_slice(high.as_slice());
    sig[64] = 55 - sig[64];
    assert_eq!(
        settle(sig),
        bytes(ExchangeError::InvalidSignatureS(ECDSAInvalidSignatureS {
            s: high
        }))
    );
}

#[motsu::test]
fn a_stranger_cannot_sign_for_an_account(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
    mallory: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let (maker, ms, taker, _) = pair(&ex, &alice, &bob);
    let forged = sign(&ex, &mallory, &taker);
    let err = ex
        .sender(matcher)
        .settle_fill(maker, ms, taker.clone(), forged, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::UnauthorizedSigner(UnauthorizedSigner {
            account: taker.account,
            signer: mallory.address(),
        }))
    );
}

#[motsu::test]
fn a_malformed_account_id_has_no_signer(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let mut maker = order(alice.address(), swad(1), wad(3000));
    maker.account.0[25] = 1;
    let ms = sign(&ex, &alice, &maker);
    let err = ex
        .sender(matcher)
        .settle_fill(maker.clone(), ms.clone(), maker.clone(), ms, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::UnauthorizedSigner(UnauthorizedSigner {
            account: maker.account,
            signer: alice.address(),
        }))
    );
}

#[motsu::test]
fn operator_signatures_pass_until_revoked(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
    op: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let (maker, _, taker, _) = pair(&ex, &alice, &bob);
    let by_op = sign(&ex, &op, &maker);
    let short = Bytes(vec![0; 3]);
    let too_short = bytes(ExchangeError::InvalidSignatureLength(
        InvalidSignatureLength {
            length: U256::from(3),
        },
    ));
    let unauthorized = bytes(ExchangeError::UnauthorizedSigner(UnauthorizedSigner {
        account: maker.account,
        signer: op.address(),
    }));
    let settle = || {
        ex.sender(matcher)
            .settle_fill(
                maker.clone(),
                by_op.clone(),
                taker.clone(),
                short.clone(),
                WAD,
            )
            .motsu_unwrap_err()
    };
    assert_eq!(settle(), unauthorized);
    // An operator of another sub-account of the same owner does not count.
    ex.sender(alice.address())
        .set_operator(1, op.address(), true)
        .motsu_unwrap();
    assert_eq!(settle(), unauthorized);
    // Approved for sub-account 0: the maker passes and the taker's check is reached.
    ex.sender(alice.address())
        .set_operator(0, op.address(), true)
        .motsu_unwrap();
    assert_eq!(settle(), too_short);
    ex.sender(alice.address())
        .set_operator(0, op.address(), false)
        .motsu_unwrap();
    assert_eq!(settle(), unauthorized);
}

#[motsu::test]
fn cancelled_orders_do_not_fill(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
    op: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    ex.sender(alice.address())
        .set_operator(0, op.address(), true)
        .motsu_unwrap();
    let (maker, ms, taker, _) = pair(&ex, &alice, &bob);
    let by_op = sign(&ex, &op, &maker);
    let digest = ex.sender(matcher).order_digest(maker.clone());
    let short = Bytes(vec![0; 3]);
    let too_short = bytes(ExchangeError::InvalidSignatureLength(
        InvalidSignatureLength {
            length: U256::from(3),
        },
    ));
    let cancelled = bytes(ExchangeError::OrderCancelled(OrderCancelled { digest }));
    let settle = |sig: &Bytes| {
        ex.sender(matcher)
            .settle_fill(
                maker.clone(),
                sig.clone(),
                taker.clone(),
                short.clone(),
                WAD,
            )
            .motsu_unwrap_err()
    };
    // A third party's cancel does not matter.
    ex.sender(bob.address()).cancel_order(digest).motsu_unwrap();
    assert_eq!(settle(&ms), too_short);
    // The operator's cancel stops the copy it signed, not the owner's.
    ex.sender(op.address()).cancel_order(digest).motsu_unwrap();
    assert_eq!(settle(&by_op), cancelled);
    assert_eq!(settle(&ms), too_short);
    // The owner's cancel stops every copy.
    ex.sender(alice.address())
        .cancel_order(digest)
        .motsu_unwrap();
    assert_eq!(settle(&ms), cancelled);
}

#[motsu::test]
fn nonces_below_the_floor_do_not_fill(
    ex: Contract<Exchange>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy(&ex, admin);
    ex.sender(admin)
        .grant_role(MATCHER_ROLE.into(), matcher)
        .motsu_unwrap();
    let (maker, ms, taker, ts) = pair(&ex, &alice, &bob);
    // Sub-account 0 of bob raises its floor above the taker's nonce (1).
    ex.sender(bob.address())
        .cancel_nonces_below(0, 2)
        .motsu_unwrap();
    let err = ex
        .sender(matcher)
        .settle_fill(maker, ms, taker.clone(), ts, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::NonceCancelled(NonceCancelled {
            account: taker.account,
            nonce: 1,
        }))
    );
}

// ----------------------------------------------------------------------
// Full flows against the peer double
// ----------------------------------------------------------------------

/// Market 7 with minimum size 0.1 and tick 0.5; alice and bob healthy.
fn market(peer: &Contract<Peer>, admin: Address, alice: Address, bob: Address) {
    peer.sender(admin)
        .set_market(7, WAD / U256::from(10), WAD / U256::from(2));
    for who in [alice, bob] {
        peer.sender(admin)
            .set_health(account::encode(who, 0), swad(1000), wad(100), wad(150));
    }
}

#[motsu::test]
fn settle_fill_books_the_fill_and_records_filled_sizes(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy_with(&ex, &peer, admin, matcher);
    market(&peer, admin, alice.address(), bob.address());
    let (maker, ms, taker, ts) = pair(&ex, &alice, &bob);
    let md = ex.sender(matcher).order_digest(maker.clone());
    let td = ex.sender(matcher).order_digest(taker.clone());
    let half = WAD / U256::from(2);
    ex.sender(matcher)
        .settle_fill(maker.clone(), ms.clone(), taker.clone(), ts.clone(), half)
        .motsu_unwrap();
    assert_eq!(peer.sender(admin).last_fill(), (1, wad(3000)));
    assert_eq!(
        peer.sender(admin)
            .position_sizes(7, maker.account, taker.account),
        (I256::from_raw(half), -I256::from_raw(half))
    );
    ex.assert_emitted(&OrderFilled {
        makerDigest: md,
        takerDigest: td,
        market: 7,
        maker: maker.account,
        taker: taker.account,
        price: wad(3000),
        makerDelta: I256::from_raw(half),
        makerFilled: half,
        takerFilled: half,
    });
    assert_eq!(ex.sender(matcher).filled(md), half);
    assert_eq!(ex.sender(matcher).filled(td), half);

    // The taker (size 1) has half left: a full unit over-fills it, and the
    // revert leaves the filled sizes as they were.
    let err = ex
        .sender(matcher)
        .settle_fill(maker.clone(), ms.clone(), taker.clone(), ts.clone(), WAD)
        .motsu_unwrap_err();
    assert_eq!(err, bytes(ExchangeError::OverFill(OverFill {})));
    assert_eq!(ex.sender(matcher).filled(md), half);

    // The rest of the taker fills; the maker keeps 1 of its 2.
    ex.sender(matcher)
        .settle_fill(maker.clone(), ms, taker.clone(), ts, half)
        .motsu_unwrap();
    assert_eq!(ex.sender(matcher).filled(md), WAD);
    assert_eq!(ex.sender(matcher).filled(td), WAD);
    assert_eq!(
        peer.sender(admin)
            .position_sizes(7, maker.account, taker.account),
        (swad(1), -swad(1))
    );
}

#[motsu::test]
fn fill_check_errors_are_named(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy_with(&ex, &peer, admin, matcher);
    market(&peer, admin, alice.address(), bob.address());
    let (maker, ms, _, _) = pair(&ex, &alice, &bob);
    let settle = |taker: Order, fill: U256| {
        let ts = sign(&ex, &bob, &taker);
        ex.sender(matcher)
            .settle_fill(maker.clone(), ms.clone(), taker, ts, fill)
            .motsu_unwrap_err()
    };
    let base = order(bob.address(), swad(-1), wad(2990));
    assert_eq!(
        settle(base.clone(), U256::ZERO),
        bytes(ExchangeError::ZeroFillSize(ZeroFillSize {}))
    );
    let expired = Order {
        expiry: NOW,
        ..base.clone()
    };
    assert_eq!(
        settle(expired, WAD),
        bytes(ExchangeError::OrderExpired(OrderExpired {}))
    );
    let buyer = Order {
        size: swad(1),
        ..base.clone()
    };
    assert_eq!(
        settle(buyer, WAD),
        bytes(ExchangeError::SameSide(SameSide {}))
    );
    let dear = Order {
        limitPrice: wad(3001),
        ..base.clone()
    };
    assert_eq!(
        settle(dear, WAD),
        bytes(ExchangeError::PricesDoNotCross(PricesDoNotCross {}))
    );
    assert_eq!(
        settle(base.clone(), WAD / U256::from(20)),
        bytes(ExchangeError::BelowMinSize(BelowMinSize {}))
    );
    let reduce = Order {
        reduceOnly: true,
        ..base.clone()
    };
    assert_eq!(
        settle(reduce, WAD),
        bytes(ExchangeError::ReduceOnlyViolated(ReduceOnlyViolated {}))
    );
    let other = Order {
        market: 8,
        ..base.clone()
    };
    assert_eq!(
        settle(other, WAD),
        bytes(ExchangeError::MarketMismatch(MarketMismatch {}))
    );
    // A tick the maker's price is not a multiple of.
    peer.sender(admin)
        .set_market(7, WAD / U256::from(10), wad(7));
    assert_eq!(settle(base, WAD), bytes(ExchangeError::OffTick(OffTick {})));
}

#[motsu::test]
fn callee_reverts_pass_through(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy_with(&ex, &peer, admin, matcher);
    market(&peer, admin, alice.address(), bob.address());
    let maker = Order {
        market: 9,
        ..order(alice.address(), swad(1), wad(3000))
    };
    let taker = Order {
        market: 9,
        ..order(bob.address(), swad(-1), wad(3000))
    };
    let ms = sign(&ex, &alice, &maker);
    let ts = sign(&ex, &bob, &taker);
    let err = ex
        .sender(matcher)
        .settle_fill(maker, ms, taker, ts, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        Vec::<u8>::from(PeerError::UnknownMarket(UnknownMarket { market: 9 }))
    );
}

#[motsu::test]
fn fills_need_initial_margin_unless_they_reduce(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Account,
    bob: Account,
) {
    deploy_with(&ex, &peer, admin, matcher);
    market(&peer, admin, alice.address(), bob.address());
    let (maker, ms, taker, ts) = pair(&ex, &alice, &bob);
    let bob0 = taker.account;
    let td = ex.sender(matcher).order_digest(taker.clone());
    // Bob's equity covers maintenance (100) but not initial (150).
    peer.sender(admin)
        .set_health(bob0, swad(120), wad(100), wad(150));
    let err = ex
        .sender(matcher)
        .settle_fill(maker.clone(), ms.clone(), taker.clone(), ts.clone(), WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::InsufficientMargin(InsufficientMargin {
            account: bob0,
            equity: swad(120),
            requirement: wad(150),
        }))
    );
    assert_eq!(ex.sender(matcher).filled(td), U256::ZERO);
    assert_eq!(
        peer.sender(admin).position_sizes(7, maker.account, bob0),
        (I256::ZERO, I256::ZERO)
    );
    // Long 1, bob's sell of 1 reduces his position: maintenance suffices.
    peer.sender(admin).set_position(bob0, swad(1));
    ex.sender(matcher)
        .settle_fill(maker.clone(), ms, taker, ts, WAD)
        .motsu_unwrap();
    assert_eq!(
        peer.sender(admin).position_sizes(7, maker.account, bob0),
        (swad(1), I256::ZERO)
    );
    // Negative equity never passes, even for the maker's reduction.
    let close = Order {
        nonce: 2,
        ..order(alice.address(), swad(-1), wad(3000))
    };
    let buy = Order {
        nonce: 2,
        ..order(bob.address(), swad(1), wad(3000))
    };
    peer.sender(admin)
        .set_health(maker.account, swad(-5), wad(100), wad(150));
    let cs = sign(&ex, &alice, &close);
    let bs = sign(&ex, &bob, &buy);
    peer.sender(admin)
        .set_health(bob0, swad(1000), wad(100), wad(150));
    let err = ex
        .sender(matcher)
        .settle_fill(close, cs, buy, bs, WAD)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::InsufficientMargin(InsufficientMargin {
            account: maker.account,
            equity: swad(-5),
            requirement: wad(100),
        }))
    );
}

#[motsu::test]
fn withdraw_releases_to_the_caller_and_checks_initial_margin(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Address,
) {
    deploy_with(&ex, &peer, admin, matcher);
    let sub3 = account::encode(alice, 3);
    peer.sender(admin)
        .set_health(sub3, swad(150), wad(100), wad(150));
    ex.sender(alice).withdraw(3, ASSET, wad(5)).motsu_unwrap();
    assert_eq!(
        peer.sender(admin).custody(sub3),
        (wad(5), I256::ZERO, ASSET, alice)
    );
    peer.sender(admin)
        .set_health(sub3, swad(149), wad(100), wad(150));
    let err = ex
        .sender(alice)
        .withdraw(3, ASSET, wad(5))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::InsufficientMargin(InsufficientMargin {
            account: sub3,
            equity: swad(149),
            requirement: wad(150),
        }))
    );
}

#[motsu::test]
fn transfer_collateral_between_own_subaccounts(
    ex: Contract<Exchange>,
    peer: Contract<Peer>,
    admin: Address,
    matcher: Address,
    alice: Address,
) {
    deploy_with(&ex, &peer, admin, matcher);
    let err = ex
        .sender(alice)
        .transfer_collateral(2, 2, ASSET, wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::SameSubaccount(SameSubaccount {
            subaccount: 2
        }))
    );
    ex.sender(alice)
        .transfer_collateral(2, 4, ASSET, wad(1))
        .motsu_unwrap();
    assert_eq!(
        peer.sender(admin).custody(account::encode(alice, 2)),
        (U256::ZERO, -swad(1), ASSET, Address::ZERO)
    );
    assert_eq!(
        peer.sender(admin).custody(account::encode(alice, 4)),
        (U256::ZERO, swad(1), ASSET, Address::ZERO)
    );
    peer.sender(admin)
        .set_health(account::encode(alice, 2), swad(1), U256::ZERO, wad(2));
    let err = ex
        .sender(alice)
        .transfer_collateral(2, 4, ASSET, wad(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        bytes(ExchangeError::InsufficientMargin(InsufficientMargin {
            account: account::encode(alice, 2),
            equity: swad(1),
            requirement: wad(2),
        }))
    );
}

/// The router's selectors for methods taking an `Order` are the standard
/// Solidity ones (the struct expanded to its tuple type).
#[test]
fn order_methods_have_solidity_selectors() {
    mod reference {
        alloy_sol_types::sol! {
            struct Order { bytes32 account; uint32 market; int256 size; uint256 limitPrice; uint64 expiry; uint64 nonce; bool reduceOnly; }
            function settleFill(Order maker, bytes makerSig, Order taker, bytes takerSig, uint256 fillSize) external;
            function orderDigest(Order order) external view returns (bytes32);
        }
    }
    use alloy_sol_types::SolCall;
    use stylus_sdk::abi::Bytes as B;
    assert_eq!(
        stylus_sdk::function_selector!("settleFill", Order, B, Order, B, U256),
        reference::settleFillCall::SELECTOR
    );
    assert_eq!(
        stylus_sdk::function_selector!("orderDigest", Order),
        reference::orderDigestCall::SELECTOR
    );
}
