//! Perpetual positions (DESIGN section 6).
//!
//! A [`Position`] per (sub-account, market) holds a signed size, a signed open notional (the cost
//! basis) and the cumulative funding index at which funding was last settled. The open notional
//! carries the sign of the size (a long paid `N > 0`, a short received `-N`), so for either side
//!
//! ```text
//! unrealised PnL at mark m = size * m - open_notional
//! ```
//!
//! [`apply_fill`] books a fill:
//!
//! - **increase** (flat, or same sign): `size += delta`, `open_notional += delta * price`;
//! - **reduce** (opposite sign, `|delta| <= |size|`): the closed part `c = -delta` takes the
//!   pro-rata share `open_notional * c / size` of the basis with it and realises
//!   `c * price - open_notional * c / size`;
//! - **flip** (opposite sign, `|delta| > |size|`): closes the whole position, then opens the
//!   remainder `size + delta` at `price`.
//!
//! # Rounding
//!
//! Rounding favours the protocol:
//!
//! - the basis added on an increase, `delta * price`, rounds up (ceiling): a long pays more, a
//!   short is credited less, so every later PnL is smaller;
//! - the value of a closed part `c * price` rounds down (floor) and the basis it removes rounds
//!   up (ceiling), so realised PnL is the floor-ish of the exact value: a gain rounds down, a loss
//!   rounds up in magnitude, `exact - 2 wei < realised <= exact`;
//! - [`unrealized_pnl`] is `floor(size * mark) - open_notional`, i.e. exactly the floor of the
//!   exact unrealised PnL of the booked basis.
//!
//! Consequences (proven by the property tests below, amounts in wei of quote WAD):
//!
//! - opening `d` at `p` and closing it at `p` realises `0` if `d * p` is a multiple of 1e18 and
//!   exactly `-1` otherwise;
//! - a long and a short of the same size opened and closed at the same prices realise a sum in
//!   `[-2, 0]`: booking never creates value;
//! - a reducing fill at price `p` moves `realised + unrealised(p)` by `0` or `-1` (the basis
//!   removed cancels out; only `floor(c p) + floor(r p)` vs `floor(s p)` remains, `s = c + r`);
//! - over the life of a position from flat to flat the realised total `R` satisfies
//!   `exact - 2 * fills < R <= exact`, `exact = -sum(delta_i * price_i) / 1e18`.
//!
//! Funding is not booked here: settle it first with
//! [`settle_funding`](crate::trading::funding::settle_funding) so that the position's funding index is
//! current when its size changes.

use crate::math::fixed::{add_signed, mul_div_signed, mul_signed, sub_signed, to_signed, Rounding};
use crate::CoreError;
use alloy_primitives::{I256, U256};

/// A position in one market of one sub-account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Signed size, WAD base units (positive = long).
    pub size: I256,
    /// Open notional (cost basis), signed WAD quote, same sign as `size` (zero when flat).
    pub open_notional: I256,
    /// Cumulative funding index at the last settlement, signed WAD quote per base unit.
    pub funding_index: I256,
}

/// Books a fill of `size_delta` (signed WAD base units, `> 0` buys) at `price` (WAD quote per
/// base unit) into `pos`.
///
/// Returns the new position and the realised PnL (signed WAD quote, rounded toward the protocol
/// as described in the [module documentation](self)). The funding index is carried over
/// unchanged. A zero `size_delta` returns `pos` unchanged and realises nothing.
///
/// # Errors
/// [`CoreError::Overflow`] if the new size, a notional or the PnL does not fit `I256`.
pub fn apply_fill(
    pos: Position,
    size_delta: I256,
    price: U256,
) -> Result<(Position, I256), CoreError> {
    let price = to_signed(price)?;
    let size = pos.size;
    if size.is_zero() || size.is_negative() == size_delta.is_negative() {
        // Increase. The basis rounds up (ceiling): later PnL is smaller.
        let added = mul_signed(size_delta, price, Rounding::Up)?;
        let next = Position {
            size: add_signed(size, size_delta)?,
            open_notional: add_signed(pos.open_notional, added)?,
            ..pos
        };
        return Ok((next, I256::ZERO));
    }
    let new_size = add_signed(size, size_delta)?;
    // The closed part has the sign of `size`: all of it on a flip, else `-size_delta`.
    let flips = !new_size.is_zero() && new_size.is_negative() != size.is_negative();
    let closed = if flips {
        size
    } else {
        sub_signed(size, new_size)?
    };
    // Basis removed with the closed part rounds up (ceiling) and its value rounds down (floor):
    // realised PnL rounds toward the protocol. On a full close `closed == size` and the whole
    // basis is removed exactly.
    let removed = mul_div_signed(pos.open_notional, closed, size, Rounding::Up)?;
    let realised = sub_signed(mul_signed(closed, price, Rounding::Down)?, removed)?;
    let open_notional = if flips {
        // The remainder opens at `price`; the basis rounds up as on any increase.
        mul_signed(new_size, price, Rounding::Up)?
    } else {
        sub_signed(pos.open_notional, removed)?
    };
    let next = Position {
        size: new_size,
        open_notional,
        ..pos
    };
    Ok((next, realised))
}

/// Unrealised PnL of `pos` at `mark_price`: `floor(size * mark) - open_notional`, signed WAD
/// quote (a gain rounds down, a loss rounds up in magnitude).
///
/// # Errors
/// [`CoreError::Overflow`] if the value does not fit `I256`.
pub fn unrealized_pnl(pos: &Position, mark_price: U256) -> Result<I256, CoreError> {
    // Payouts round down: the marked value is floored.
    let value = mul_signed(pos.size, to_signed(mark_price)?, Rounding::Down)?;
    sub_signed(value, pos.open_notional)
}

/// Whether a fill of `delta` reduces `|position|` without flipping it (it may close it exactly).
#[must_use]
pub fn is_reducing(position: I256, delta: I256) -> bool {
    !position.is_zero()
        && !delta.is_zero()
        && position.is_negative() != delta.is_negative()
        && delta.unsigned_abs() <= position.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::fixed::{u256, widen, WAD};
    use alloy_primitives::aliases::I512;
    use proptest::prelude::*;

    fn i(x: i128) -> I256 {
        I256::try_from(x).unwrap()
    }

    fn wad(x: i64) -> I256 {
        i(i128::from(x)) * i(1_000_000_000_000_000_000)
    }

    fn price(x: u64) -> U256 {
        U256::from(x) * WAD
    }

    fn flat() -> Position {
        Position::default()
    }

    fn wide(x: I256) -> I512 {
        let m = I512::from_raw(widen(x.unsigned_abs()));
        if x.is_negative() {
            -m
        } else {
            m
        }
    }

    fn wu(x: U256) -> I512 {
        I512::from_raw(widen(x))
    }

    #[test]
    fn increase_reduce_flip() {
        let idx = wad(7);
        let pos = Position {
            funding_index: idx,
            ..flat()
        };
        // Buy 2 at 100, buy 2 more at 110: basis 420 (average 105).
        let (pos, r) = apply_fill(pos, wad(2), price(100)).unwrap();
        assert_eq!(r, I256::ZERO);
        let (pos, r) = apply_fill(pos, wad(2), price(110)).unwrap();
        assert_eq!(r, I256::ZERO);
        assert_eq!(
            pos,
            Position {
                size: wad(4),
                open_notional: wad(420),
                funding_index: idx
            }
        );
        assert_eq!(unrealized_pnl(&pos, price(120)), Ok(wad(60)));
        // Sell 1 at 120: realises 120 - 105 = 15.
        let (pos, r) = apply_fill(pos, -wad(1), price(120)).unwrap();
        assert_eq!(r, wad(15));
        assert_eq!(pos.size, wad(3));
        assert_eq!(pos.open_notional, wad(315));
        // Sell 5 at 100: closes 3 (realises 300 - 315 = -15), opens 2 short at 100.
        let (pos, r) = apply_fill(pos, -wad(5), price(100)).unwrap();
        assert_eq!(r, -wad(15));
        assert_eq!(
            pos,
            Position {
                size: -wad(2),
                open_notional: -wad(200),
                funding_index: idx
            }
        );
        assert_eq!(unrealized_pnl(&pos, price(90)), Ok(wad(20)));
        assert_eq!(unrealized_pnl(&pos, price(110)), Ok(-wad(20)));
        // Buy 2 at 90: closes exactly, realises +20, flat with zero basis.
        let (pos, r) = apply_fill(pos, wad(2), price(90)).unwrap();
        assert_eq!(r, wad(20));
        assert_eq!(
            pos,
            Position {
                funding_index: idx,
                ..flat()
            }
        );
        // A zero fill changes nothing.
        assert_eq!(apply_fill(pos, I256::ZERO, price(1)), Ok((pos, I256::ZERO)));
    }

    #[test]
    fn rounding_examples() {
        // 1 wei of base at 1.5 quote: basis ceil(1.5e-18 * 1e18 / 1e18) = 2 wei.
        let p = u256(1_500_000_000_000_000_000);
        let (pos, _) = apply_fill(flat(), i(1), p).unwrap();
        assert_eq!(pos.open_notional, i(2));
        // Marked at the same price: floor(1.5) - 2 = -1.
        assert_eq!(unrealized_pnl(&pos, p), Ok(i(-1)));
        // Closed at the same price: -1 wei for the protocol.
        assert_eq!(apply_fill(pos, i(-1), p).unwrap().1, i(-1));
        // Short 1 wei at 1.5: basis ceil(-1.5) = -1, closing floor(-1.5) + 1 = -1.
        let (pos, _) = apply_fill(flat(), i(-1), p).unwrap();
        assert_eq!(pos.open_notional, i(-1));
        assert_eq!(apply_fill(pos, i(1), p).unwrap().1, i(-1));
        // Exact products realise exactly zero.
        let (pos, _) = apply_fill(flat(), wad(3), price(7)).unwrap();
        assert_eq!(apply_fill(pos, -wad(3), price(7)).unwrap().1, I256::ZERO);
        // Reducing a third of a basis of 10 wei: removes ceil(10/3) = 4, keeps 6.
        let pos = Position {
            size: i(3),
            open_notional: i(10),
            ..flat()
        };
        let (next, r) = apply_fill(pos, i(-1), U256::ZERO).unwrap();
        assert_eq!((next.open_notional, r), (i(6), i(-4)));
    }

    #[test]
    fn errors() {
        let big = Position {
            size: I256::MAX,
            ..flat()
        };
        assert_eq!(apply_fill(big, i(1), price(1)), Err(CoreError::Overflow));
        assert_eq!(
            apply_fill(flat(), i(1), U256::MAX),
            Err(CoreError::Overflow)
        );
        assert_eq!(
            apply_fill(flat(), I256::MAX, price(2)),
            Err(CoreError::Overflow)
        );
        assert_eq!(unrealized_pnl(&big, price(2)), Err(CoreError::Overflow));
        // A flip whose remainder's basis overflows.
        let short = Position {
            size: i(-1),
            ..flat()
        };
        assert_eq!(
            apply_fill(short, I256::MAX, price(2)),
            Err(CoreError::Overflow)
        );
        // The most negative size reduces without overflow.
        let short = Position {
            size: I256::MIN,
            ..flat()
        };
        assert_eq!(
            apply_fill(short, I256::MAX, U256::ZERO).map(|(p, _)| p.size),
            Ok(i(-1))
        );
    }

    #[test]
    fn reducing() {
        assert!(is_reducing(wad(2), -wad(2)));
        assert!(is_reducing(-wad(2), wad(1)));
        assert!(!is_reducing(wad(2), -wad(3)));
        assert!(!is_reducing(wad(2), wad(1)));
        assert!(!is_reducing(I256::ZERO, wad(1)));
        assert!(!is_reducing(wad(1), I256::ZERO));
        assert!(is_reducing(I256::MIN, I256::MAX));
    }

    /// A non-zero size in base-unit wei, up to 1e27 (1e9 whole units).
    fn any_size() -> impl Strategy<Value = I256> {
        (1u128..=1_000_000_000_000_000_000_000_000_000, any::<bool>()).prop_map(|(m, neg)| {
            let s = I256::try_from(m).unwrap();
            if neg {
                -s
            } else {
                s
            }
        })
    }

    /// A price up to 1e9 quote with 18 decimals, any wei.
    fn any_price() -> impl Strategy<Value = U256> {
        (0u128..=1_000_000_000_000_000_000_000_000_000).prop_map(U256::from)
    }

    proptest! {
        #[test]
        fn round_trip_at_same_price(d in any_size(), p in any_price()) {
            let (pos, r0) = apply_fill(flat(), d, p).unwrap();
            prop_assert_eq!(r0, I256::ZERO);
            let (after, r) = apply_fill(pos, -d, p).unwrap();
            prop_assert_eq!(after, flat());
            let exact = (wide(d) * wu(p)) % wu(WAD) == I512::ZERO;
            prop_assert_eq!(r, if exact { I256::ZERO } else { i(-1) });
        }

        #[test]
        fn long_plus_short_never_creates_value(d in any_size(), p1 in any_price(), p2 in any_price(), pm in any_price()) {
            let d = d.abs();
            let (long, _) = apply_fill(flat(), d, p1).unwrap();
            let (short, _) = apply_fill(flat(), -d, p1).unwrap();
            let u = unrealized_pnl(&long, pm).unwrap() + unrealized_pnl(&short, pm).unwrap();
            prop_assert!(u <= I256::ZERO && u >= i(-2));
            let (_, rl) = apply_fill(long, -d, p2).unwrap();
            let (_, rs) = apply_fill(short, d, p2).unwrap();
            let sum = rl + rs;
            prop_assert!(sum <= I256::ZERO && sum >= i(-2), "sum {}", sum);
        }

        #[test]
        fn partial_close_consistent(d in any_size(), p1 in any_price(), frac in 0u64..=1000, p2 in any_price()) {
            let (pos, _) = apply_fill(flat(), d, p1).unwrap();
            let close = d * i(i128::from(frac)) / i(1000);
            let before = unrealized_pnl(&pos, p2).unwrap();
            let (next, r) = apply_fill(pos, -close, p2).unwrap();
            let after = r + unrealized_pnl(&next, p2).unwrap();
            prop_assert!(after <= before && after >= before - i(1));
            // Realised PnL is within 2 wei below the exact value.
            let exact_wad = wide(close) * (wu(p2) * wide(d) - wide(pos.open_notional) * wu(WAD));
            let denom = wide(d) * wu(WAD);
            // r <= exact_wad / denom < r + 2 (denom > 0 after normalising signs).
            let (num, den) = if denom.is_negative() { (-exact_wad, -denom) } else { (exact_wad, denom) };
            prop_assert!(wide(r) * den <= num);
            prop_assert!((wide(r) + wu(U256::from(2u64))) * den > num);
            prop_assert!(next.size.is_zero() || next.size.is_negative() == d.is_negative());
        }

        #[test]
        fn lifetime_total_bounded(
            fills in prop::collection::vec((any_size(), any_price()), 1..12),
            close_price in any_price(),
        ) {
            let mut pos = flat();
            let mut realised = I256::ZERO;
            let mut exact = I512::ZERO;
            for (d, p) in &fills {
                let (next, r) = apply_fill(pos, *d, *p).unwrap();
                // The opened part never has a basis of the wrong sign.
                prop_assert!(next.open_notional.is_zero() || next.open_notional.is_negative() == next.size.is_negative());
                pos = next;
                realised += r;
                exact -= wide(*d) * wu(*p);
            }
            let n = fills.len() + 1;
            let last = -pos.size;
            let (end, r) = apply_fill(pos, last, close_price).unwrap();
            prop_assert!(end.size.is_zero() && end.open_notional.is_zero());
            realised += r;
            exact -= wide(last) * wu(close_price);
            let w = wu(WAD);
            prop_assert!(wide(realised) * w <= exact);
            prop_assert!((wide(realised) + wu(U256::from(2 * n))) * w > exact);
        }
    }
}
