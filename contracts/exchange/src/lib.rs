//! Exchange: the entry point of users and matchers (DESIGN sections 4, 6 and 7).
//!
//! Orders are matched off-chain and signed as EIP-712 typed data
//! (`Order(bytes32 account,uint32 market,int256 size,uint256 limitPrice,uint64 expiry,uint64
//! nonce,bool reduceOnly)` in the domain "Cross-Margin Exchange", version "1"). The exchange
//! checks signatures, cancellations and margin; the Clearinghouse books positions and the
//! CollateralVault holds funds. Calls go one way only:
//!
//! ```text
//! Exchange -> Clearinghouse   (positionSizes view, applyFill)
//! Exchange -> PerpMarkets     (rules view)
//! Exchange -> OptionBook      (position view, applyOptionFill: option series)
//! Exchange -> MarginEngine    (health view)
//! Exchange -> CollateralVault (release, transferBalance; the vault grants this contract its
//!                              clearing role)
//! ```
//!
//! Nothing the exchange calls ever calls it back.
//!
//! # Settling a fill
//! A holder of [`MATCHER_ROLE`] submits `settleFill(maker, makerSig, taker, takerSig,
//! fillSize)`. For each order, maker first:
//!
//! 1. its digest is the EIP-712 hash of the order under this contract's domain;
//! 2. the 65-byte signature `r || s || v` (`v` 27 or 28, low `s`) recovers the signer, who must
//!    be the sub-account's owner or an operator the owner approved for that sub-account;
//! 3. the nonce must not be below the sub-account's nonce floor, and the digest must not have
//!    been cancelled by the sub-account's owner or by the signer.
//!
//! Then the market's rules come from PerpMarkets and both positions from the Clearinghouse, and
//! `clearing_core::trading::order::check_fill` checks the pair (market, sides, expiry, crossing limits,
//! tick, over-fill, minimum size, reduce-only) and gives the execution price (the maker's limit)
//! and the size deltas. The filled amounts per digest are recorded *before* the Clearinghouse's
//! `applyFill` is called, and after it each side must pass its margin check from the
//! MarginEngine: equity at least the maintenance requirement when the fill reduces that side's
//! position, at least the initial requirement otherwise.
//!
//! # Option orders
//! A market id with its top bit set (from 2^31, `clearing_core::trading::options`) names an
//! option series of OptionMarkets; the limit price is the premium per contract (WAD quote). The
//! same checks apply, with the positions read from the OptionBook and without a premium tick or
//! a minimum size here: the OptionBook's `applyOptionFill` books the fill (premium buyer to
//! seller, fees) and refuses, with its own errors, an expired series, a size that is not a
//! multiple of the class's minimum, a disabled class or a stale volatility for a fill that adds
//! risk, the open-interest cap and a 17th series. The margin check after the fill is the same
//! MarginEngine health.
//!
//! # Users
//! An owner approves operators per sub-account (`setOperator`: they may trade, never withdraw),
//! cancels single digests (`cancelOrder`) or every nonce below a floor (`cancelNoncesBelow`),
//! withdraws collateral to itself (`withdraw`) and moves it between its own sub-accounts
//! (`transferCollateral`); both leave the source sub-account above its initial requirement.
//!
//! Errors are Solidity custom errors ([`ExchangeError`]); reverts of the contracts called are
//! passed through unchanged.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![allow(deprecated)]
extern crate alloc;

mod errors;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256, U64};
use clearing_core::{
    trading::account,
    trading::options::is_option_market,
    trading::order::{self, check_fill, MarketRules, OrderState},
    trading::position::is_reducing,
};
use openzeppelin_stylus::access::control::{AccessControl, IAccessControl};
use openzeppelin_stylus::utils::cryptography::{
    ecdsa::{ECDSAInvalidSignature, ECDSAInvalidSignatureS, SIGNATURE_S_UPPER_BOUND},
    eip712::{self, IEip712},
};
use stylus_sdk::{
    abi::Bytes,
    call::{self, Call},
    keccak_const::Keccak256,
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap, StorageU256, StorageU64},
};

pub use errors::*;

/// The admin role (DEFAULT_ADMIN_ROLE of access control): grants and revokes roles.
pub const ADMIN_ROLE: [u8; 32] = AccessControl::DEFAULT_ADMIN_ROLE;

/// `keccak256("MATCHER_ROLE")`: may call `settleFill`.
pub const MATCHER_ROLE: [u8; 32] = Keccak256::new().update(b"MATCHER_ROLE").finalize();

/// The `ecRecover` precompile.
const ECRECOVER: Address = Address::with_last_byte(1);

alloy_sol_types::sol! {
    /// A signed order, as passed to the contract's methods (its fields are
    /// those of the EIP-712 `Order` type; see [`clearing_core::trading::order::Order`]).
    #[derive(Debug, PartialEq, Eq)]
    struct Order {
        bytes32 account;
        uint32 market;
        int256 size;
        uint256 limitPrice;
        uint64 expiry;
        uint64 nonce;
        bool reduceOnly;
    }
}

/// `Order` as a method argument. The SDK's `#[derive(AbiType)]` would put the
/// struct's name into function selectors (`settleFill(Order,...)`), which no
/// Solidity caller computes; the selector must use the tuple type, as
/// Solidity and alloy do, while the exported interface names the struct.
impl stylus_sdk::abi::AbiType for Order {
    type SolType = Self;
    const ABI: stylus_sdk::abi::ConstString =
        stylus_sdk::abi::ConstString::new("(bytes32,uint32,int256,uint256,uint64,uint64,bool)");
    const EXPORT_ABI_ARG: stylus_sdk::abi::ConstString =
        stylus_sdk::abi::ConstString::new("Order calldata");
    const EXPORT_ABI_RET: stylus_sdk::abi::ConstString =
        stylus_sdk::abi::ConstString::new("Order memory");
}

impl From<&Order> for order::Order {
    fn from(o: &Order) -> Self {
        order::Order {
            account: o.account,
            market: o.market,
            size: o.size,
            limit_price: o.limitPrice,
            expiry: o.expiry,
            nonce: o.nonce,
            reduce_only: o.reduceOnly,
        }
    }
}

sol_interface! {
    /// The Clearinghouse functions the exchange uses.
    interface IClearinghouse {
        function positionSizes(uint32 market, bytes32 a, bytes32 b) external view returns (int256, int256);
        function applyFill(uint32 market, bytes32 maker, bytes32 taker, uint256 price, int256 maker_delta) external;
    }

    /// The PerpMarkets view the exchange reads: `(minSize, tick)`.
    interface IPerpMarkets {
        function rules(uint32 market) external view returns (uint256, uint256);
    }

    /// The OptionBook functions the exchange uses (option series, market ids from 2^31).
    interface IOptionBook {
        function position(bytes32 account, uint32 series) external view returns (int256);
        function applyOptionFill(uint32 series, bytes32 maker, bytes32 taker, uint256 premium, int256 maker_delta) external;
    }

    /// The MarginEngine view the exchange reads: `(equity, maintenance, initial)`, WAD.
    interface IMarginEngine {
        function health(bytes32 account) external view returns (int256, uint256, uint256);
    }

    /// The CollateralVault functions the exchange uses (it holds the vault's clearing role).
    interface ICollateralVault {
        function release(bytes32 account, address asset, uint256 amount, address recipient) external;
        function transferBalance(bytes32 from, bytes32 to, address asset, uint256 amount) external;
    }
}

/// The exchange contract.
#[storage]
#[entrypoint]
pub struct Exchange {
    access: AccessControl,
    clearinghouse: StorageAddress,
    markets: StorageAddress,
    margin_engine: StorageAddress,
    vault: StorageAddress,
    /// OptionBook: the option position ledger option orders settle into.
    option_book: StorageAddress,
    /// Filled size per order digest, WAD base units.
    filled: StorageMap<B256, StorageU256>,
    /// Digests cancelled, per canceller.
    cancelled: StorageMap<Address, StorageMap<B256, StorageBool>>,
    /// Approved operators per sub-account.
    operators: StorageMap<B256, StorageMap<Address, StorageBool>>,
    /// Per sub-account: orders with a nonce below this are cancelled.
    nonce_floor: StorageMap<B256, StorageU64>,
}

impl IEip712 for Exchange {
    const NAME: &'static str = "Cross-Margin Exchange";
    const VERSION: &'static str = "1";
}

#[public]
impl Exchange {
    /// Wires the Clearinghouse, PerpMarkets, the MarginEngine, the
    /// CollateralVault and the OptionBook, and grants `admin` the admin role.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        clearinghouse: Address,
        markets: Address,
        margin_engine: Address,
        vault: Address,
        option_book: Address,
    ) {
        self.access._grant_role(ADMIN_ROLE.into(), admin);
        self.clearinghouse.set(clearinghouse);
        self.markets.set(markets);
        self.margin_engine.set(margin_engine);
        self.vault.set(vault);
        self.option_book.set(option_book);
    }

    /// The wired OptionBook (option orders, market ids from 2^31, settle there).
    pub fn option_book(&self) -> Address {
        self.option_book.get()
    }

    // ------------------------------------------------------------------
    // Access control and wiring
    // ------------------------------------------------------------------

    /// Whether `account` holds `role`.
    pub fn has_role(&self, role: B256, account: Address) -> bool {
        self.access.has_role(role, account)
    }

    /// Grants `role` to `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn grant_role(&mut self, role: B256, account: Address) -> Result<(), ExchangeError> {
        Ok(self.access.grant_role(role, account)?)
    }

    /// Revokes `role` from `account`.
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds the role's admin role.
    pub fn revoke_role(&mut self, role: B256, account: Address) -> Result<(), ExchangeError> {
        Ok(self.access.revoke_role(role, account)?)
    }

    /// Wired addresses: Clearinghouse, PerpMarkets, MarginEngine, CollateralVault.
    pub fn wiring(&self) -> (Address, Address, Address, Address) {
        (
            self.clearinghouse.get(),
            self.markets.get(),
            self.margin_engine.get(),
            self.vault.get(),
        )
    }

    // ------------------------------------------------------------------
    // Operators and cancels (users)
    // ------------------------------------------------------------------

    /// Approves (`approved` true) or revokes `operator` for the caller's
    /// sub-account `subaccount`. An operator may sign orders for it, never
    /// withdraw from it.
    ///
    /// # Errors
    /// [`InvalidOperator`] for the zero address.
    pub fn set_operator(
        &mut self,
        subaccount: u8,
        operator: Address,
        approved: bool,
    ) -> Result<(), ExchangeError> {
        if operator.is_zero() {
            return Err(ExchangeError::InvalidOperator(InvalidOperator { operator }));
        }
        let account = account::encode(self.vm().msg_sender(), subaccount);
        self.operators.setter(account).insert(operator, approved);
        log(
            self.vm(),
            OperatorSet {
                account,
                operator,
                approved,
            },
        );
        Ok(())
    }

    /// Whether `operator` may sign orders for `account`.
    pub fn is_operator(&self, account: B256, operator: Address) -> bool {
        self.operators.getter(account).get(operator)
    }

    /// Cancels the order digest `digest` for the caller: it no longer fills
    /// if the caller owns the order's sub-account or signed the order.
    ///
    /// # Errors
    /// [`OrderCancelled`] if the caller cancelled it already.
    pub fn cancel_order(&mut self, digest: B256) -> Result<(), ExchangeError> {
        let by = self.vm().msg_sender();
        if self.cancelled.getter(by).get(digest) {
            return Err(ExchangeError::OrderCancelled(OrderCancelled { digest }));
        }
        self.cancelled.setter(by).insert(digest, true);
        log(self.vm(), DigestCancelled { by, digest });
        Ok(())
    }

    /// Cancels every order of the caller's sub-account `subaccount` with a
    /// nonce below `nonce` (the new nonce floor).
    ///
    /// # Errors
    /// [`NonceFloorNotRaised`] unless `nonce` is above the current floor.
    pub fn cancel_nonces_below(&mut self, subaccount: u8, nonce: u64) -> Result<(), ExchangeError> {
        let account = account::encode(self.vm().msg_sender(), subaccount);
        let current = self.nonce_floor(account);
        if nonce <= current {
            return Err(ExchangeError::NonceFloorNotRaised(NonceFloorNotRaised {
                current,
                requested: nonce,
            }));
        }
        self.nonce_floor.insert(account, U64::from(nonce));
        log(
            self.vm(),
            NoncesCancelled {
                account,
                nonceFloor: nonce,
            },
        );
        Ok(())
    }

    // ------------------------------------------------------------------
    // Fills (matcher)
    // ------------------------------------------------------------------

    /// Settles a fill of `fill_size` (WAD base units) between a resting
    /// `maker` order and a `taker` order at the maker's limit price (see the
    /// [crate documentation](crate) for the full sequence of checks).
    ///
    /// # Errors
    /// `AccessControlUnauthorizedAccount` unless the caller holds
    /// [`MATCHER_ROLE`]; for either order [`InvalidSignatureLength`],
    /// `ECDSAInvalidSignature`, `ECDSAInvalidSignatureS`,
    /// [`UnauthorizedSigner`], [`NonceCancelled`], [`OrderCancelled`]; the
    /// fill check's errors ([`ZeroFillSize`], [`MarketMismatch`],
    /// [`SelfTrade`], [`OrderExpired`], [`SameSide`], [`PricesDoNotCross`],
    /// [`ZeroPrice`], [`OffTick`], [`OverFill`], [`BelowMinSize`],
    /// [`ReduceOnlyViolated`]); [`InsufficientMargin`] for either side after
    /// the fill; the called contracts' reverts unchanged (among them
    /// PerpMarkets' `FillOutsideBand` for a price beyond the market's band
    /// around the index, DESIGN section 15; for an option series the
    /// OptionBook's refusals, see the [crate documentation](crate)), or
    /// [`CallFailed`] when a call fails without revert data.
    pub fn settle_fill(
        &mut self,
        maker: Order,
        maker_sig: Bytes,
        taker: Order,
        taker_sig: Bytes,
        fill_size: U256,
    ) -> Result<(), Vec<u8>> {
        self.access
            ._check_role(MATCHER_ROLE.into(), self.vm().msg_sender())
            .map_err(ExchangeError::from)?;
        let maker = order::Order::from(&maker);
        let taker = order::Order::from(&taker);
        // One domain separator for both orders.
        let domain = self.domain_separator_v4();
        let maker_digest = self.authorize(&domain, &maker, &maker_sig)?;
        let taker_digest = self.authorize(&domain, &taker, &taker_sig)?;

        let market = maker.market;
        let option = is_option_market(market);
        let clearinghouse = self.clearinghouse.get();
        let book = self.option_book.get();
        let (rules, (maker_position, taker_position)) = if option {
            // An option series: the OptionBook checks the size against the class's minimum
            // (a multiple of it) when it books the fill; premiums have no tick.
            let position = |account| {
                IOptionBook::new(book)
                    .position(&*self, account, market)
                    .map_err(|e| passthrough(e, book))
            };
            (
                MarketRules {
                    min_size: U256::ZERO,
                    tick: U256::from(1u8),
                },
                (position(maker.account)?, position(taker.account)?),
            )
        } else {
            let markets = self.markets.get();
            let (min_size, tick) = IPerpMarkets::new(markets)
                .rules(&*self, market)
                .map_err(|e| passthrough(e, markets))?;
            (
                MarketRules { min_size, tick },
                IClearinghouse::new(clearinghouse)
                    .position_sizes(&*self, market, maker.account, taker.account)
                    .map_err(|e| passthrough(e, clearinghouse))?,
            )
        };
        let maker_filled = self.filled.get(maker_digest);
        let taker_filled = self.filled.get(taker_digest);
        let plan = check_fill(
            &maker,
            &taker,
            OrderState {
                filled: maker_filled,
                position: maker_position,
            },
            OrderState {
                filled: taker_filled,
                position: taker_position,
            },
            fill_size,
            self.vm().block_timestamp(),
            rules,
        )
        .map_err(ExchangeError::from)?;

        // `check_fill` bounds `fill_size` by each order's unfilled size, so
        // the totals stay at most `|size|` and cannot overflow.
        let maker_total = maker_filled + fill_size;
        let taker_total = taker_filled + fill_size;
        self.filled.insert(maker_digest, maker_total);
        self.filled.insert(taker_digest, taker_total);

        if option {
            IOptionBook::new(book)
                .apply_option_fill(
                    Call::new_in(self),
                    market,
                    maker.account,
                    taker.account,
                    plan.price,
                    plan.maker_delta,
                )
                .map_err(|e| passthrough(e, book))?;
        } else {
            IClearinghouse::new(clearinghouse)
                .apply_fill(
                    Call::new_in(self),
                    market,
                    maker.account,
                    taker.account,
                    plan.price,
                    plan.maker_delta,
                )
                .map_err(|e| passthrough(e, clearinghouse))?;
        }

        self.require_margin(maker.account, is_reducing(maker_position, plan.maker_delta))?;
        self.require_margin(taker.account, is_reducing(taker_position, plan.taker_delta))?;

        log(
            self.vm(),
            OrderFilled {
                makerDigest: maker_digest,
                takerDigest: taker_digest,
                market,
                maker: maker.account,
                taker: taker.account,
                price: plan.price,
                makerDelta: plan.maker_delta,
                makerFilled: maker_total,
                takerFilled: taker_total,
            },
        );
        Ok(())
    }

    // ------------------------------------------------------------------
    // Collateral (users)
    // ------------------------------------------------------------------

    /// Withdraws `amount` of `asset` (token units) from the caller's
    /// sub-account `subaccount` to the caller. The sub-account is always the
    /// caller's own, so an operator never reaches the owner's funds.
    ///
    /// # Errors
    /// The vault's reverts unchanged (unknown asset, insufficient balance,
    /// ...); [`InsufficientMargin`] if the sub-account's equity is below its
    /// initial requirement afterwards; [`CallFailed`].
    pub fn withdraw(
        &mut self,
        subaccount: u8,
        asset: Address,
        amount: U256,
    ) -> Result<(), Vec<u8>> {
        let caller = self.vm().msg_sender();
        let account = account::encode(caller, subaccount);
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .release(Call::new_in(self), account, asset, amount, caller)
            .map_err(|e| passthrough(e, vault))?;
        self.require_margin(account, false)
    }

    /// Moves `amount` of `asset` (token units) from the caller's
    /// sub-account `from` to its sub-account `to`.
    ///
    /// # Errors
    /// [`SameSubaccount`] when `from == to`; the vault's reverts unchanged;
    /// [`InsufficientMargin`] if `from`'s equity is below its initial
    /// requirement afterwards; [`CallFailed`].
    pub fn transfer_collateral(
        &mut self,
        from: u8,
        to: u8,
        asset: Address,
        amount: U256,
    ) -> Result<(), Vec<u8>> {
        if from == to {
            return Err(ExchangeError::SameSubaccount(SameSubaccount { subaccount: from }).into());
        }
        let caller = self.vm().msg_sender();
        let source = account::encode(caller, from);
        let vault = self.vault.get();
        ICollateralVault::new(vault)
            .transfer_balance(
                Call::new_in(self),
                source,
                account::encode(caller, to),
                asset,
                amount,
            )
            .map_err(|e| passthrough(e, vault))?;
        self.require_margin(source, false)
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// The EIP-712 domain separator (name "Cross-Margin Exchange", version
    /// "1", this chain, this contract).
    pub fn domain_separator(&self) -> B256 {
        self.domain_separator_v4()
    }

    /// The EIP-712 digest of `order`: what its signer signs and what keys
    /// its filled amount and its cancellation.
    pub fn order_digest(&self, order: Order) -> B256 {
        self.hash_typed_data_v4(order::struct_hash(&order::Order::from(&order)))
    }

    /// Size filled under the order digest `digest`, WAD base units.
    pub fn filled(&self, digest: B256) -> U256 {
        self.filled.get(digest)
    }

    /// Whether `by` cancelled the order digest `digest`.
    pub fn is_cancelled(&self, by: Address, digest: B256) -> bool {
        self.cancelled.getter(by).get(digest)
    }

    /// The nonce floor of `account`: its orders with a lower nonce are cancelled.
    pub fn nonce_floor(&self, account: B256) -> u64 {
        self.nonce_floor.get(account).to::<u64>()
    }
}

impl Exchange {
    /// Checks one order's signature, signer, nonce and cancellation, and
    /// returns its digest in the EIP-712 domain `domain` (this contract's,
    /// computed once per fill).
    fn authorize(
        &self,
        domain: &B256,
        order: &order::Order,
        signature: &Bytes,
    ) -> Result<B256, ExchangeError> {
        let digest = eip712::to_typed_data_hash(domain, &order::struct_hash(order));
        let signer = self.recover(digest, signature)?;
        let owner = account::owner(order.account).ok();
        let authorized = match owner {
            Some(owner) => owner == signer || self.operators.getter(order.account).get(signer),
            None => false,
        };
        if !authorized {
            return Err(ExchangeError::UnauthorizedSigner(UnauthorizedSigner {
                account: order.account,
                signer,
            }));
        }
        if order.nonce < self.nonce_floor(order.account) {
            return Err(ExchangeError::NonceCancelled(NonceCancelled {
                account: order.account,
                nonce: order.nonce,
            }));
        }
        let by_owner = owner.is_some_and(|owner| self.is_cancelled(owner, digest));
        if by_owner || self.is_cancelled(signer, digest) {
            return Err(ExchangeError::OrderCancelled(OrderCancelled { digest }));
        }
        Ok(digest)
    }

    /// The signer of `digest` from a 65-byte `r || s || v` signature, through
    /// the `ecRecover` precompile. Only `v` 27 or 28 and a low `s` are
    /// accepted (no malleable signatures); a signature that recovers nothing
    /// is refused with an error rather than a trap.
    fn recover(&self, digest: B256, signature: &Bytes) -> Result<Address, ExchangeError> {
        let sig: &[u8] = signature;
        if sig.len() != 65 {
            return Err(ExchangeError::InvalidSignatureLength(
                InvalidSignatureLength {
                    length: U256::from(sig.len()),
                },
            ));
        }
        let s = B256::from_slice(&sig[32..64]);
        if U256::from_be_bytes(s.0) > SIGNATURE_S_UPPER_BOUND {
            return Err(ExchangeError::InvalidSignatureS(ECDSAInvalidSignatureS {
                s,
            }));
        }
        let v = sig[64];
        let invalid = || ExchangeError::InvalidSignature(ECDSAInvalidSignature {});
        if v != 27 && v != 28 {
            return Err(invalid());
        }
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(digest.as_slice());
        input[63] = v;
        input[64..].copy_from_slice(&sig[..64]);
        let out = call::static_call(self, ECRECOVER, &input).map_err(|_| invalid())?;
        if out.len() != 32 {
            return Err(invalid());
        }
        let signer = Address::from_slice(&out[12..]);
        if signer.is_zero() {
            return Err(invalid());
        }
        Ok(signer)
    }

    /// Requires `account`'s equity to cover its maintenance requirement
    /// (`maintenance_only`) or its initial requirement.
    fn require_margin(&self, account: B256, maintenance_only: bool) -> Result<(), Vec<u8>> {
        let engine = self.margin_engine.get();
        let (equity, maintenance, initial) = IMarginEngine::new(engine)
            .health(self, account)
            .map_err(|e| passthrough(e, engine))?;
        let requirement = if maintenance_only {
            maintenance
        } else {
            initial
        };
        if equity.is_negative() || equity.into_raw() < requirement {
            return Err(ExchangeError::InsufficientMargin(InsufficientMargin {
                account,
                equity,
                requirement,
            })
            .into());
        }
        Ok(())
    }
}

/// A callee's revert data unchanged, or [`CallFailed`] when there is none
/// (no code at the address, or an answer that does not decode).
fn passthrough(e: call::Error, callee: Address) -> Vec<u8> {
    match e {
        call::Error::Revert(data) if !data.is_empty() => data,
        _ => ExchangeError::CallFailed(CallFailed { callee }).into(),
    }
}
