//! Signed orders and fill checks (DESIGN section 6).
//!
//! An [`Order`] is signed by the sub-account's owner (or operator) as EIP-712 typed data:
//!
//! ```text
//! Order(bytes32 account,uint32 market,int256 size,uint256 limitPrice,uint64 expiry,uint64 nonce,bool reduceOnly)
//! ```
//!
//! in the domain `EIP712Domain(string name,string version,uint256 chainId,address
//! verifyingContract)`. [`struct_hash`], [`domain_separator`] and [`typed_data_digest`] compute
//! the standard EIP-712 hashes; [`order_digest`] combines them into the digest that is signed and
//! that keys the order's filled amount.
//!
//! A matcher submits `(maker, taker, fill_size)`; [`check_fill`] checks everything about the
//! pair that does not need storage or signatures and returns the execution price and the signed
//! size deltas ([`FillPlan`]). Rules:
//!
//! - the fill size and both order sizes are non-zero, both orders are for the same market and
//!   from different sub-accounts, and neither has expired (`now < expiry`);
//! - one side buys (`size > 0`) and the other sells; the buyer's limit is at least the seller's;
//! - the fill executes at the maker's limit price, which must be non-zero and a multiple of the
//!   market's tick (so neither side's limit is ever worsened);
//! - no over-fill: `fill_size <= |size| - filled` for both orders;
//! - `fill_size >= min_size`, except for the last piece of an order of at least `min_size`
//!   (`fill_size` equals its whole remainder) or a fill that closes either side's position
//!   exactly, so that remainders and dust positions can always be closed;
//! - a reduce-only order's fill must reduce its sub-account's position without flipping it.

use crate::trading::position::is_reducing;
use alloy_primitives::{keccak256, Address, B256, I256, U256};

/// The EIP-712 type of an order.
pub const ORDER_TYPE: &str = "Order(bytes32 account,uint32 market,int256 size,uint256 limitPrice,uint64 expiry,uint64 nonce,bool reduceOnly)";

/// `keccak256(ORDER_TYPE)`.
pub const ORDER_TYPEHASH: B256 = B256::new([
    0x66, 0x0f, 0x5c, 0x0e, 0xb6, 0x51, 0x3f, 0x49, 0x8b, 0xed, 0xe5, 0x15, 0x29, 0x97, 0x09, 0x0e,
    0x9b, 0x32, 0x74, 0x11, 0xa7, 0x8e, 0x18, 0x2a, 0xa2, 0x8c, 0x49, 0x56, 0xac, 0xef, 0x31, 0x6a,
]);

/// The EIP-712 domain type.
pub const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// `keccak256(DOMAIN_TYPE)`.
pub const DOMAIN_TYPEHASH: B256 = B256::new([
    0x8b, 0x73, 0xc3, 0xc6, 0x9b, 0xb8, 0xfe, 0x3d, 0x51, 0x2e, 0xcc, 0x4c, 0xf7, 0x59, 0xcc, 0x79,
    0x23, 0x9f, 0x7b, 0x17, 0x9b, 0x0f, 0xfa, 0xca, 0xa9, 0xa7, 0x5d, 0x52, 0x2b, 0x39, 0x40, 0x0f,
]);

/// A signed order (the fields of the EIP-712 `Order` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Order {
    /// Sub-account id (see [`crate::trading::account`]).
    pub account: B256,
    /// Market id.
    pub market: u32,
    /// Signed size, WAD base units: `> 0` buys, `< 0` sells.
    pub size: I256,
    /// Limit price, WAD quote per base unit: the most a buyer pays, the least a seller receives.
    pub limit_price: U256,
    /// Expiry, unix seconds: the order may fill while `now < expiry`.
    pub expiry: u64,
    /// Nonce (cancellable in bulk: all nonces below a value).
    pub nonce: u64,
    /// The order may only reduce its sub-account's position.
    pub reduce_only: bool,
}

/// A `u64` as a 32-byte big-endian ABI word.
fn word_u64(x: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

/// The EIP-712 `hashStruct` of an order: `keccak256(ORDER_TYPEHASH || encodeData(order))`, each
/// field one 32-byte ABI word (`int256` in two's complement, `bool` as 0 or 1).
#[must_use]
pub fn struct_hash(order: &Order) -> B256 {
    let mut buf = [0u8; 256];
    buf[..32].copy_from_slice(ORDER_TYPEHASH.as_slice());
    buf[32..64].copy_from_slice(order.account.as_slice());
    buf[64..96].copy_from_slice(&word_u64(u64::from(order.market)));
    buf[96..128].copy_from_slice(&order.size.to_be_bytes::<32>());
    buf[128..160].copy_from_slice(&order.limit_price.to_be_bytes::<32>());
    buf[160..192].copy_from_slice(&word_u64(order.expiry));
    buf[192..224].copy_from_slice(&word_u64(order.nonce));
    buf[255] = u8::from(order.reduce_only);
    keccak256(buf)
}

/// The EIP-712 domain separator for `EIP712Domain(string name,string version,uint256 chainId,
/// address verifyingContract)`, given `keccak256(name)` and `keccak256(version)`.
#[must_use]
pub fn domain_separator(
    name_hash: B256,
    version_hash: B256,
    chain_id: u64,
    verifying_contract: Address,
) -> B256 {
    let mut buf = [0u8; 160];
    buf[..32].copy_from_slice(DOMAIN_TYPEHASH.as_slice());
    buf[32..64].copy_from_slice(name_hash.as_slice());
    buf[64..96].copy_from_slice(version_hash.as_slice());
    buf[96..128].copy_from_slice(&word_u64(chain_id));
    buf[140..160].copy_from_slice(verifying_contract.as_slice());
    keccak256(buf)
}

/// The EIP-712 digest `keccak256("\x19\x01" || domain_separator || struct_hash)`.
#[must_use]
pub fn typed_data_digest(domain_separator: B256, struct_hash: B256) -> B256 {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator.as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(buf)
}

/// The digest an order's signer signs: [`typed_data_digest`] of its [`struct_hash`].
#[must_use]
pub fn order_digest(domain_separator: B256, order: &Order) -> B256 {
    typed_data_digest(domain_separator, struct_hash(order))
}

/// Why a fill is refused. Discriminants are stable (`err as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FillError {
    /// The fill size or an order's size is zero.
    ZeroSize = 1,
    /// The orders are for different markets.
    MarketMismatch = 2,
    /// Both orders belong to the same sub-account.
    SelfTrade = 3,
    /// An order has expired (`now >= expiry`).
    Expired = 4,
    /// Both orders buy or both sell.
    SameSide = 5,
    /// The buyer's limit is below the seller's.
    PricesDoNotCross = 6,
    /// The execution (maker's limit) price is zero.
    ZeroPrice = 7,
    /// The execution price is not a multiple of the tick (or the tick is zero).
    OffTick = 8,
    /// The fill exceeds an order's remaining size.
    OverFill = 9,
    /// The fill is below the minimum size and neither completes an order nor closes a position.
    BelowMinSize = 10,
    /// A reduce-only order's fill would not reduce its position, or would flip it.
    ReduceOnlyViolated = 11,
}

/// Size granularity of a market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarketRules {
    /// Minimum fill size, WAD base units (see [`check_fill`] for the exceptions).
    pub min_size: U256,
    /// Price tick, WAD quote per base unit; execution prices are multiples of it.
    pub tick: U256,
}

/// What the contract knows about one side of a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderState {
    /// Size already filled under the order's digest, WAD base units.
    pub filled: U256,
    /// The order's sub-account's current position size in the market, signed WAD base units.
    pub position: I256,
}

/// An accepted fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillPlan {
    /// Execution price: the maker's limit price.
    pub price: U256,
    /// The maker's size change (the sign of the maker's order).
    pub maker_delta: I256,
    /// The taker's size change (`-maker_delta`).
    pub taker_delta: I256,
}

/// The unfilled part of an order.
fn remaining(order: &Order, state: &OrderState) -> Result<U256, FillError> {
    order
        .size
        .unsigned_abs()
        .checked_sub(state.filled)
        .ok_or(FillError::OverFill)
}

/// Checks a fill of `fill_size` (WAD base units) between a resting `maker` order and a `taker`
/// order at time `now`, under the market's `rules`, and returns the execution price and the size
/// deltas. The rules are listed in the [module documentation](self). Signatures, cancellations
/// and margin are the caller's to check.
///
/// # Errors
/// The first failing rule, in the order of [`FillError`]'s variants.
pub fn check_fill(
    maker: &Order,
    taker: &Order,
    maker_state: OrderState,
    taker_state: OrderState,
    fill_size: U256,
    now: u64,
    rules: MarketRules,
) -> Result<FillPlan, FillError> {
    if fill_size.is_zero() || maker.size.is_zero() || taker.size.is_zero() {
        return Err(FillError::ZeroSize);
    }
    if maker.market != taker.market {
        return Err(FillError::MarketMismatch);
    }
    if maker.account == taker.account {
        return Err(FillError::SelfTrade);
    }
    if now >= maker.expiry || now >= taker.expiry {
        return Err(FillError::Expired);
    }
    let maker_buys = maker.size.is_positive();
    if maker_buys == taker.size.is_positive() {
        return Err(FillError::SameSide);
    }
    let (buyer, seller) = if maker_buys {
        (maker, taker)
    } else {
        (taker, maker)
    };
    if buyer.limit_price < seller.limit_price {
        return Err(FillError::PricesDoNotCross);
    }
    let price = maker.limit_price;
    if price.is_zero() {
        return Err(FillError::ZeroPrice);
    }
    if rules.tick.is_zero() || !(price % rules.tick).is_zero() {
        return Err(FillError::OffTick);
    }
    let maker_left = remaining(maker, &maker_state)?;
    let taker_left = remaining(taker, &taker_state)?;
    if fill_size > maker_left || fill_size > taker_left {
        return Err(FillError::OverFill);
    }
    // The buyer's size is positive, so `fill_size <= I256::MAX`: the cast is exact and its
    // negation fits.
    let size = I256::from_raw(fill_size);
    let (maker_delta, taker_delta) = if maker_buys {
        (size, -size)
    } else {
        (-size, size)
    };
    if fill_size < rules.min_size {
        let completes =
            |o: &Order, left: U256| left == fill_size && o.size.unsigned_abs() >= rules.min_size;
        let closes = |pos: I256, delta: I256| pos.checked_add(delta) == Some(I256::ZERO);
        if !(completes(maker, maker_left)
            || completes(taker, taker_left)
            || closes(maker_state.position, maker_delta)
            || closes(taker_state.position, taker_delta))
        {
            return Err(FillError::BelowMinSize);
        }
    }
    if (maker.reduce_only && !is_reducing(maker_state.position, maker_delta))
        || (taker.reduce_only && !is_reducing(taker_state.position, taker_delta))
    {
        return Err(FillError::ReduceOnlyViolated);
    }
    Ok(FillPlan {
        price,
        maker_delta,
        taker_delta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{u256, WAD, WAD_SIGNED};
    use alloy_primitives::{address, b256};
    use alloy_sol_types::{eip712_domain, Eip712Domain, SolStruct};
    use proptest::prelude::*;
    use std::borrow::Cow;

    mod reference {
        alloy_sol_types::sol! {
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
    }

    fn to_ref(o: &Order) -> reference::Order {
        reference::Order {
            account: o.account,
            market: o.market,
            size: o.size,
            limitPrice: o.limit_price,
            expiry: o.expiry,
            nonce: o.nonce,
            reduceOnly: o.reduce_only,
        }
    }

    const VERIFIER: Address = address!("5fbdb2315678afecb367f032d93f642f64180aa3");

    fn sample_order() -> Order {
        Order {
            account: b256!("00112233445566778899aabbccddeeff00112233000000000000000000000007"),
            market: 3,
            size: -I256::try_from(1_500_000_000_000_000_000i128).unwrap(),
            limit_price: u256(3000) * WAD,
            expiry: 1_735_693_200,
            nonce: 42,
            reduce_only: true,
        }
    }

    #[test]
    fn type_hashes() {
        assert_eq!(keccak256(ORDER_TYPE), ORDER_TYPEHASH);
        assert_eq!(keccak256(DOMAIN_TYPE), DOMAIN_TYPEHASH);
        assert_eq!(reference::Order::eip712_encode_type(), ORDER_TYPE);
        assert_eq!(to_ref(&sample_order()).eip712_type_hash(), ORDER_TYPEHASH);
    }

    #[test]
    fn digest_matches_standard() {
        let domain = eip712_domain! {
            name: "Clearinghouse",
            version: "1",
            chain_id: 42161,
            verifying_contract: VERIFIER,
        };
        let sep = domain_separator(keccak256("Clearinghouse"), keccak256("1"), 42161, VERIFIER);
        assert_eq!(sep, domain.separator());
        let o = sample_order();
        let r = to_ref(&o);
        // Pinned vectors (for off-chain signers and the contract's tests).
        assert_eq!(
            sep,
            b256!("c96329492051c06eceb254356f3ea4515f476d86f61bdfe5583d69565e94d416")
        );
        assert_eq!(
            struct_hash(&o),
            b256!("c33e5ade22e3ffc49b3bb0d51e608d0bf0a7e74b7b3c20492ac81113aa7288f2")
        );
        assert_eq!(
            order_digest(sep, &o),
            b256!("6f69600e24fff10600d20ebc3ab6ba8e15cddfbce8e8e92ac3231aa6a5f0658a")
        );
        assert_eq!(struct_hash(&o), r.eip712_hash_struct());
        assert_eq!(order_digest(sep, &o), r.eip712_signing_hash(&domain));
        assert_eq!(
            typed_data_digest(sep, struct_hash(&o)),
            order_digest(sep, &o)
        );
        // Every field is bound by the digest.
        let d = order_digest(sep, &o);
        let variants = [
            Order {
                account: B256::ZERO,
                ..o
            },
            Order { market: 4, ..o },
            Order { size: -o.size, ..o },
            Order {
                limit_price: o.limit_price + u256(1),
                ..o
            },
            Order {
                expiry: o.expiry + 1,
                ..o
            },
            Order { nonce: 43, ..o },
            Order {
                reduce_only: false,
                ..o
            },
        ];
        for v in variants {
            assert_ne!(order_digest(sep, &v), d);
        }
        assert_ne!(
            order_digest(
                domain_separator(keccak256("Clearinghouse"), keccak256("1"), 1, VERIFIER),
                &o
            ),
            d
        );
    }

    fn i(x: i128) -> I256 {
        I256::try_from(x).unwrap()
    }

    fn wad(x: i64) -> I256 {
        i(i128::from(x)) * WAD_SIGNED
    }

    fn acct(n: u8) -> B256 {
        B256::with_last_byte(n)
    }

    fn order(account: u8, size: I256, price: u64) -> Order {
        Order {
            account: acct(account),
            market: 1,
            size,
            limit_price: u256(u128::from(price)) * WAD,
            expiry: 1_000,
            nonce: 0,
            reduce_only: false,
        }
    }

    fn rules() -> MarketRules {
        MarketRules {
            min_size: u256(10_000_000_000_000_000), // 0.01
            tick: u256(100_000_000_000_000_000),    // 0.1
        }
    }

    fn st(filled: U256, position: I256) -> OrderState {
        OrderState { filled, position }
    }

    fn fresh() -> OrderState {
        OrderState::default()
    }

    #[test]
    fn fill_at_maker_price() {
        // Maker sells 2 at 3000, taker buys up to 3001: fills 1.5 at 3000.
        let maker = order(1, -wad(2), 3000);
        let taker = order(2, wad(5), 3001);
        let fill = u256(1_500_000_000_000_000_000);
        let plan = check_fill(&maker, &taker, fresh(), fresh(), fill, 999, rules()).unwrap();
        let s = i(1_500_000_000_000_000_000);
        assert_eq!(
            plan,
            FillPlan {
                price: u256(3000) * WAD,
                maker_delta: -s,
                taker_delta: s
            }
        );
        // Maker buys at 2999, taker sells down to 2999: fills at 2999.
        let maker = order(1, wad(1), 2999);
        let taker = order(2, -wad(1), 2999);
        let plan = check_fill(&maker, &taker, fresh(), fresh(), WAD, 0, rules()).unwrap();
        assert_eq!(
            plan,
            FillPlan {
                price: u256(2999) * WAD,
                maker_delta: wad(1),
                taker_delta: -wad(1)
            }
        );
    }

    #[test]
    fn each_rule() {
        let maker = order(1, -wad(2), 3000);
        let taker = order(2, wad(2), 3000);
        let ok = |m: &Order, t: &Order, ms: OrderState, ts: OrderState, f: U256, r: MarketRules| {
            check_fill(m, t, ms, ts, f, 10, r)
        };
        let e = |m: &Order, t: &Order, f: U256| ok(m, t, fresh(), fresh(), f, rules());
        assert!(e(&maker, &taker, WAD).is_ok());
        assert_eq!(e(&maker, &taker, U256::ZERO), Err(FillError::ZeroSize));
        let zero = Order {
            size: I256::ZERO,
            ..taker
        };
        assert_eq!(e(&maker, &zero, WAD), Err(FillError::ZeroSize));
        let other = Order { market: 2, ..taker };
        assert_eq!(e(&maker, &other, WAD), Err(FillError::MarketMismatch));
        let me = Order {
            account: maker.account,
            ..taker
        };
        assert_eq!(e(&maker, &me, WAD), Err(FillError::SelfTrade));
        let expired = Order {
            expiry: 10,
            ..taker
        };
        assert_eq!(e(&maker, &expired, WAD), Err(FillError::Expired));
        assert_eq!(e(&expired, &maker, WAD), Err(FillError::Expired));
        let valid = Order {
            expiry: 11,
            ..taker
        };
        assert!(e(&maker, &valid, WAD).is_ok());
        let seller = order(2, -wad(2), 3000);
        assert_eq!(e(&maker, &seller, WAD), Err(FillError::SameSide));
        let low = order(2, wad(2), 2999);
        assert_eq!(e(&maker, &low, WAD), Err(FillError::PricesDoNotCross));
        // A seller asking more than a maker buyer bids.
        let bid = order(1, wad(2), 3000);
        let ask = order(2, -wad(2), 3001);
        assert_eq!(e(&bid, &ask, WAD), Err(FillError::PricesDoNotCross));
        // A taker selling at any price.
        let market_sell = Order {
            limit_price: U256::ZERO,
            ..ask
        };
        assert!(e(&bid, &market_sell, WAD).is_ok());
        let free = Order {
            limit_price: U256::ZERO,
            ..maker
        };
        assert_eq!(e(&free, &taker, WAD), Err(FillError::ZeroPrice));
        let off = Order {
            limit_price: u256(3_000_050_000_000_000_000_000),
            ..maker
        };
        let high_bid = order(2, wad(2), 3001);
        assert_eq!(e(&off, &high_bid, WAD), Err(FillError::OffTick));
        let no_tick = MarketRules {
            tick: U256::ZERO,
            ..rules()
        };
        assert_eq!(
            ok(&maker, &taker, fresh(), fresh(), WAD, no_tick),
            Err(FillError::OffTick)
        );
        // Over-fill: more than the order, more than its remainder, filled beyond its size.
        assert_eq!(e(&maker, &taker, u256(3) * WAD), Err(FillError::OverFill));
        let half = st(u256(1_500_000_000_000_000_000), I256::ZERO);
        assert_eq!(
            ok(&maker, &taker, half, fresh(), WAD, rules()),
            Err(FillError::OverFill)
        );
        assert_eq!(
            ok(&maker, &taker, fresh(), half, WAD, rules()),
            Err(FillError::OverFill)
        );
        let beyond = st(u256(3) * WAD, I256::ZERO);
        assert_eq!(
            ok(&maker, &taker, beyond, fresh(), u256(1), rules()),
            Err(FillError::OverFill)
        );
        assert!(ok(
            &maker,
            &taker,
            half,
            half,
            u256(500_000_000_000_000_000),
            rules()
        )
        .is_ok());
        // Reduce-only: the maker sells, so it must hold a long of at least the fill.
        let ro = Order {
            reduce_only: true,
            ..maker
        };
        let long = |x: i64| st(U256::ZERO, wad(x));
        assert!(ok(&ro, &taker, long(1), fresh(), WAD, rules()).is_ok());
        assert!(ok(&ro, &taker, long(5), fresh(), WAD, rules()).is_ok());
        assert_eq!(
            ok(&ro, &taker, long(1), fresh(), u256(2) * WAD, rules()),
            Err(FillError::ReduceOnlyViolated)
        );
        assert_eq!(
            ok(&ro, &taker, fresh(), fresh(), WAD, rules()),
            Err(FillError::ReduceOnlyViolated)
        );
        assert_eq!(
            ok(&ro, &taker, long(-1), fresh(), WAD, rules()),
            Err(FillError::ReduceOnlyViolated)
        );
        let ro_taker = Order {
            reduce_only: true,
            ..taker
        };
        assert!(ok(&maker, &ro_taker, fresh(), long(-3), WAD, rules()).is_ok());
        assert_eq!(
            ok(&maker, &ro_taker, fresh(), long(3), WAD, rules()),
            Err(FillError::ReduceOnlyViolated)
        );
        // A sell of I256::MIN cannot fill beyond the largest buy, I256::MAX.
        let huge_sell = Order {
            size: I256::MIN,
            limit_price: u256(1),
            ..maker
        };
        let huge_buy = Order {
            size: I256::MAX,
            limit_price: u256(1),
            ..taker
        };
        let one_tick = MarketRules {
            tick: u256(1),
            ..rules()
        };
        let all = I256::MIN.unsigned_abs();
        assert_eq!(
            ok(
                &huge_sell,
                &huge_buy,
                fresh(),
                st(U256::ZERO, I256::ZERO),
                all,
                one_tick
            ),
            Err(FillError::OverFill)
        );
        assert_eq!(
            ok(
                &huge_buy,
                &huge_sell,
                st(U256::ZERO, I256::ZERO),
                fresh(),
                all - u256(1),
                one_tick
            )
            .map(|p| p.taker_delta),
            Ok(I256::MIN + I256::ONE)
        );
    }

    #[test]
    fn min_size_exceptions() {
        let small = u256(5_000_000_000_000_000); // 0.005 < 0.01
        let maker = order(1, -wad(1), 3000);
        let taker = order(2, wad(1), 3000);
        let chk = |m: &Order, t: &Order, ms: OrderState, ts: OrderState| {
            check_fill(m, t, ms, ts, small, 0, rules())
        };
        assert_eq!(
            chk(&maker, &taker, fresh(), fresh()),
            Err(FillError::BelowMinSize)
        );
        // The last piece of the maker's order.
        let nearly = st(WAD - small, I256::ZERO);
        assert!(chk(&maker, &taker, nearly, fresh()).is_ok());
        // ... but not of an order that was below the minimum to begin with.
        let tiny_maker = Order {
            size: -i(5_000_000_000_000_000),
            ..maker
        };
        assert_eq!(
            chk(&tiny_maker, &taker, fresh(), fresh()),
            Err(FillError::BelowMinSize)
        );
        // Closing a position exactly (the taker is short 0.005 and buys it back).
        let dust_short = st(U256::ZERO, -i(5_000_000_000_000_000));
        assert!(chk(&maker, &taker, fresh(), dust_short).is_ok());
        assert!(chk(&tiny_maker, &taker, fresh(), dust_short).is_ok());
        // The maker (seller) closing a dust long.
        let dust_long = st(U256::ZERO, i(5_000_000_000_000_000));
        assert!(chk(&tiny_maker, &taker, dust_long, fresh()).is_ok());
        // Holding a larger position is not closing it.
        let bigger = st(U256::ZERO, -i(6_000_000_000_000_000));
        assert_eq!(
            chk(&maker, &taker, fresh(), bigger),
            Err(FillError::BelowMinSize)
        );
        // At or above the minimum no exception is needed.
        assert!(check_fill(
            &maker,
            &taker,
            fresh(),
            fresh(),
            rules().min_size,
            0,
            rules()
        )
        .is_ok());
    }

    fn any_order() -> impl Strategy<Value = Order> {
        (
            any::<[u8; 32]>(),
            any::<u32>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<u64>(),
            any::<u64>(),
            any::<bool>(),
        )
            .prop_map(|(account, market, size, price, expiry, nonce, ro)| Order {
                account: B256::new(account),
                market,
                size: I256::from_be_bytes(size),
                limit_price: U256::from_be_bytes(price),
                expiry,
                nonce,
                reduce_only: ro,
            })
    }

    /// A small order of `account` on market 1 at `price`: size in 0.001 steps with the given
    /// sign, expiry in 0..100, reduce-only one time in five.
    fn small_order(account: u8, sells: bool, price: U256) -> impl Strategy<Value = Order> {
        (0i64..5_000, 0u64..100, 0u8..5).prop_map(move |(size, expiry, ro)| {
            let size = i(i128::from(size)) * i(1_000_000_000_000_000);
            Order {
                account: acct(account),
                market: 1,
                size: if sells { -size } else { size },
                limit_price: price,
                expiry,
                nonce: 0,
                reduce_only: ro == 0,
            }
        })
    }

    /// Filled amount (a tenth-multiple of the order) and a position in 0.001 steps.
    fn small_state(o: &Order) -> impl Strategy<Value = OrderState> {
        let size = o.size.unsigned_abs();
        (0u64..=10, -6_000i64..6_000).prop_map(move |(tenths, p)| OrderState {
            filled: size * U256::from(tenths) / U256::from(10u64),
            position: i(i128::from(p)) * i(1_000_000_000_000_000),
        })
    }

    /// A maker and a taker, mostly on opposite sides and from different sub-accounts, their
    /// states, a fill size and a time.
    fn scenario() -> impl Strategy<Value = (Order, Order, OrderState, OrderState, U256, u64)> {
        (
            any::<bool>(),
            0u8..10,
            0u8..10,
            0u64..40,
            0u8..10,
            -10i64..30,
        )
            .prop_flat_map(
                |(maker_sells, same_side, same_account, ticks, off_tick, better)| {
                    let taker_sells = if same_side == 0 {
                        maker_sells
                    } else {
                        !maker_sells
                    };
                    let taker_account = if same_account == 0 { 1 } else { 2 };
                    // Maker price on the 0.1 tick, or off it by 0.05 one time in ten.
                    let step = u256(100_000_000_000_000_000);
                    let mut price = u256(2999) * WAD + U256::from(ticks) * step;
                    if off_tick == 0 {
                        price += step / u256(2);
                    }
                    // The taker's limit is `better` ticks beyond the maker's price on the taker's
                    // side (mostly crossing).
                    let offset = U256::from(better.unsigned_abs()) * step;
                    let taker_buys = !taker_sells;
                    let taker_price = if (better >= 0) == taker_buys {
                        price + offset
                    } else {
                        price - offset
                    };
                    (
                        small_order(1, maker_sells, price),
                        small_order(taker_account, taker_sells, taker_price),
                    )
                },
            )
            .prop_flat_map(|(m, t)| {
                (
                    Just(m),
                    Just(t),
                    small_state(&m),
                    small_state(&t),
                    0u64..1_500,
                    0u64..10,
                )
            })
            .prop_map(|(m, t, ms, ts, fill, now)| {
                (
                    m,
                    t,
                    ms,
                    ts,
                    U256::from(fill) * u256(1_000_000_000_000_000),
                    now,
                )
            })
    }

    proptest! {
        #[test]
        fn digest_matches_standard_for_any(o in any_order(), chain in any::<u64>(), verifier in any::<[u8; 20]>(), name in "[a-zA-Z ]{0,20}", version in "[0-9.]{0,5}") {
            let verifier = Address::new(verifier);
            let domain = Eip712Domain::new(
                Some(Cow::Owned(name.clone())),
                Some(Cow::Owned(version.clone())),
                Some(U256::from(chain)),
                Some(verifier),
                None,
            );
            let sep = domain_separator(keccak256(name.as_bytes()), keccak256(version.as_bytes()), chain, verifier);
            prop_assert_eq!(sep, domain.separator());
            prop_assert_eq!(order_digest(sep, &o), to_ref(&o).eip712_signing_hash(&domain));
        }

    }

    proptest! {
        // About one scenario in six passes every check: run more of them.
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn accepted_fills_respect_limits_and_sizes((maker, taker, ms, ts, fill, now) in scenario()) {
            let Ok(plan) = check_fill(&maker, &taker, ms, ts, fill, now, rules()) else {
                return Ok(());
            };
            // No over-fill.
            prop_assert!(ms.filled + fill <= maker.size.unsigned_abs());
            prop_assert!(ts.filled + fill <= taker.size.unsigned_abs());
            // Never worse than either limit: the buyer pays at most its limit, the seller gets
            // at least its limit.
            let (buyer, seller) = if maker.size.is_positive() { (&maker, &taker) } else { (&taker, &maker) };
            prop_assert!(plan.price <= buyer.limit_price && plan.price >= seller.limit_price);
            prop_assert_eq!(plan.price, maker.limit_price);
            // Deltas follow the orders' signs and sum to zero.
            prop_assert_eq!(plan.maker_delta.unsigned_abs(), fill);
            prop_assert_eq!(plan.maker_delta.is_negative(), maker.size.is_negative());
            prop_assert_eq!(plan.maker_delta + plan.taker_delta, I256::ZERO);
            prop_assert!(now < maker.expiry && now < taker.expiry);
            prop_assert!(maker.account != taker.account);
            // Reduce-only orders shrink their position without flipping it.
            for (o, s, d) in [(&maker, ms, plan.maker_delta), (&taker, ts, plan.taker_delta)] {
                if o.reduce_only {
                    let after = s.position + d;
                    prop_assert!(after.unsigned_abs() < s.position.unsigned_abs());
                    prop_assert!(after.is_zero() || after.is_negative() == s.position.is_negative());
                }
            }
            prop_assert!((plan.price % rules().tick).is_zero());
        }

        #[test]
        fn over_fill_never_passes((maker, taker, ms, ts, _fill, now) in scenario(), extra in 1u64..1_000) {
            // A fill one step beyond the smaller remainder is always refused.
            let left = |o: &Order, s: &OrderState| o.size.unsigned_abs().saturating_sub(s.filled);
            let fill = left(&maker, &ms).min(left(&taker, &ts)) + U256::from(extra);
            let r = check_fill(&maker, &taker, ms, ts, fill, now, rules());
            prop_assert!(r.is_err());
            // Whenever the pair itself is valid (a 1-wei probe gets past the checks before the
            // size checks), the refusal is the over-fill.
            let probe = check_fill(&maker, &taker, ms, ts, u256(1), now, rules());
            if probe.map_or_else(|e| e as u8 >= FillError::OverFill as u8, |_| true) {
                prop_assert_eq!(r, Err(FillError::OverFill));
            }
        }
    }
}
