//! The keeper's decisions on plain values: what a liquidation pays net of gas, whether that is
//! enough, which accounts come first, whether the breaker lets a liquidation through, and how
//! long to back off before retrying. The protocol's own rules (liquidatable, deeply unhealthy,
//! the breaker's scope status) come from `clearing-core`; nothing here restates them.

use alloy_primitives::{I256, U256};
use clearing_core::liquidation::breaker::{self, Status};
use std::time::Duration;

const WAD: u128 = 1_000_000_000_000_000_000;

/// The gas cost of `gas` at `gas_price` wei, in quote (WAD) at `native_price` (WAD quote per
/// gas token), rounded up.
pub fn gas_cost(gas: u64, gas_price: u128, native_price: U256) -> U256 {
    let wei = U256::from(gas) * U256::from(gas_price);
    let wad = U256::from(WAD);
    wei.saturating_mul(native_price).div_ceil(wad)
}

/// What a call pays: the keeper's `reward` (WAD quote) less the gas cost of `gas` at
/// `gas_price` and `native_price` ([`gas_cost`]).
pub fn net_profit(reward: U256, gas: u64, gas_price: u128, native_price: U256) -> I256 {
    let cost = gas_cost(gas, gas_price, native_price);
    let r = I256::try_from(reward).unwrap_or(I256::MAX);
    let c = I256::try_from(cost).unwrap_or(I256::MAX);
    r.saturating_sub(c)
}

/// Whether a net profit is worth sending: at least `min_profit` (and never a loss).
pub fn worth_sending(net: I256, min_profit: U256) -> bool {
    !net.is_negative() && net.unsigned_abs() >= min_profit
}

/// Whether the gas price allows sending at all.
pub fn gas_price_ok(gas_price: u128, max_gas_price: u128) -> bool {
    gas_price <= max_gas_price
}

/// An account's health as the chain's views report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health<A> {
    /// The account.
    pub account: A,
    /// Its equity (WAD quote).
    pub equity: I256,
    /// Its maintenance requirement.
    pub maintenance: U256,
    /// Its initial requirement.
    pub initial: U256,
}

impl<A> Health<A> {
    /// `maintenance - equity`: how far below maintenance the account is (negative: healthy).
    pub fn shortfall(&self) -> I256 {
        I256::try_from(self.maintenance)
            .unwrap_or(I256::MAX)
            .saturating_sub(self.equity)
    }

    /// Below maintenance (`clearing_core::liquidatable`).
    pub fn liquidatable(&self) -> bool {
        clearing_core::liquidatable(self.equity, self.maintenance)
    }

    /// Equity below half the maintenance requirement (the breaker's grace lets these through).
    pub fn deeply_unhealthy(&self) -> bool {
        breaker::deeply_unhealthy(self.equity, self.maintenance)
    }
}

/// The liquidatable accounts of `all`, largest shortfall first (ties by account, so that two
/// keepers with the same view act in the same order).
pub fn rank<A: Ord + Clone>(all: &[Health<A>]) -> Vec<Health<A>> {
    let mut v: Vec<Health<A>> = all.iter().filter(|h| h.liquidatable()).cloned().collect();
    v.sort_by(|a, b| {
        b.shortfall()
            .cmp(&a.shortfall())
            .then_with(|| a.account.cmp(&b.account))
    });
    v
}

/// The breaker's answer for one liquidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead (the simulation still has the last word).
    Go,
    /// A scope is halted until this time (`u64::MAX`: until governance resets it).
    Halted(u64),
    /// Grace after a reset: only deeply unhealthy accounts, until this time.
    GraceOnly(u64),
    /// The breaker refuses it for another reason (price move, stale oracle, drawdown).
    Refused,
}

/// Whether the breaker lets a liquidation through: `global` and `asset` are the scopes' statuses
/// (`clearing_core::liquidation::breaker::status`), `allowed` the breaker's own
/// `liquidationAllowed(asset)` (false also in grace), `deep` whether the account is deeply
/// unhealthy.
pub fn gate(global: Status, asset: Status, deep: bool, allowed: bool) -> Gate {
    let mut grace = None;
    for s in [global, asset] {
        match s {
            Status::Halted { until, .. } => return Gate::Halted(until),
            Status::GraceOnly { until } => grace = Some(grace.map_or(until, |g: u64| g.max(until))),
            Status::Allowed => {}
        }
    }
    match grace {
        Some(until) if !deep => Gate::GraceOnly(until),
        // In grace `liquidationAllowed` answers false by design: the simulation decides.
        Some(_) => Gate::Go,
        None if allowed => Gate::Go,
        None => Gate::Refused,
    }
}

/// Whether an account whose last call was refused (in simulation, or as unprofitable) `elapsed`
/// ago at health `before` (equity, maintenance) is still left alone at health `now`: only while
/// its health is unchanged and for at most `period`, so a changed account, or one whose refusal
/// depended on time (a rate window, a stale price), is tried again.
pub fn still_refused(
    before: (I256, U256),
    elapsed: Duration,
    now: (I256, U256),
    period: Duration,
) -> bool {
    before == now && elapsed < period
}

/// The backoff before retry number `attempt` (0 for the first retry): exponential from `base`,
/// capped at `max`, with "equal jitter" (half fixed, half random; `unit` is a uniform draw in
/// `[0, 1)`), so that keepers failing together do not retry together.
pub fn backoff(attempt: u32, base: Duration, max: Duration, unit: f64) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX));
    let cap = exp.min(max);
    let half = cap / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearing_core::liquidation::breaker::TripReason;

    fn wad(x: i128) -> I256 {
        I256::try_from(x * 1_000_000_000_000_000_000).unwrap()
    }

    fn uwad(x: u128) -> U256 {
        U256::from(x * WAD)
    }

    #[test]
    fn profitability() {
        // 1,000,000 gas at 0.1 gwei is 0.0001 ETH: 0.3 quote at 3000.
        assert_eq!(
            gas_cost(1_000_000, 100_000_000, uwad(3000)),
            U256::from(3u128 * WAD / 10)
        );
        let net = net_profit(uwad(10), 1_000_000, 100_000_000, uwad(3000));
        assert_eq!(net, wad(10) - wad(3) / I256::try_from(10).unwrap());
        assert!(worth_sending(net, uwad(5)));
        assert!(!worth_sending(net, uwad(10)));
        // Exactly the minimum is enough; a loss never is, even with no minimum.
        assert!(worth_sending(wad(5), uwad(5)));
        let loss = net_profit(U256::from(1u8), 1_000_000, 100_000_000, uwad(3000));
        assert!(loss.is_negative());
        assert!(!worth_sending(loss, U256::ZERO));
        // The cost rounds up: one wei of gas at a tiny price still costs one wei of quote.
        assert_eq!(gas_cost(1, 1, U256::from(1u8)), U256::from(1u8));
        // Absurd inputs saturate rather than wrap.
        assert!(net_profit(U256::ZERO, u64::MAX, u128::MAX, U256::MAX).is_negative());
        assert!(gas_price_ok(100, 100) && !gas_price_ok(101, 100));
    }

    #[test]
    fn ranking() {
        let h = |a: u8, e: i128, m: u128| Health {
            account: a,
            equity: wad(e),
            maintenance: uwad(m),
            initial: uwad(m * 2),
        };
        let all = [
            h(1, 100, 50), // healthy
            h(2, 40, 50),  // short 10
            h(3, -20, 50), // short 70
            h(4, 50, 50),  // exactly at maintenance: healthy
            h(5, 0, 10),   // short 10, ties with 2
            h(6, -500, 0), // bad debt: short 500
        ];
        let r: Vec<u8> = rank(&all).iter().map(|h| h.account).collect();
        assert_eq!(r, vec![6, 3, 2, 5]);
        assert!(h(3, -20, 50).deeply_unhealthy());
        assert!(h(7, 24, 50).deeply_unhealthy());
        assert!(!h(2, 40, 50).deeply_unhealthy());
        assert_eq!(h(2, 40, 50).shortfall(), wad(10));
    }

    #[test]
    fn breaker_gate() {
        let halted = Status::Halted {
            reason: TripReason::Manual,
            until: u64::MAX,
        };
        let grace = Status::GraceOnly { until: 900 };
        let ok = Status::Allowed;
        assert_eq!(gate(ok, ok, false, true), Gate::Go);
        assert_eq!(gate(ok, ok, true, false), Gate::Refused);
        assert_eq!(gate(halted, ok, true, true), Gate::Halted(u64::MAX));
        assert_eq!(gate(ok, halted, true, true), Gate::Halted(u64::MAX));
        assert_eq!(gate(ok, grace, false, false), Gate::GraceOnly(900));
        assert_eq!(gate(grace, ok, true, false), Gate::Go);
        assert_eq!(
            gate(Status::GraceOnly { until: 1000 }, grace, false, false),
            Gate::GraceOnly(1000)
        );
    }

    #[test]
    fn refused_accounts_rest_while_unchanged() {
        let h = (wad(40), uwad(50));
        let p = Duration::from_secs(30);
        assert!(still_refused(h, Duration::from_secs(5), h, p));
        assert!(!still_refused(h, Duration::from_secs(30), h, p));
        assert!(!still_refused(h, Duration::ZERO, (wad(39), uwad(50)), p));
        assert!(!still_refused(h, Duration::ZERO, (wad(40), uwad(51)), p));
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let (b, m) = (Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(backoff(0, b, m, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(0, b, m, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(3, b, m, 0.0), Duration::from_millis(400));
        assert_eq!(backoff(3, b, m, 0.5), Duration::from_millis(600));
        // Capped at max, however many attempts.
        assert_eq!(backoff(10, b, m, 1.0), m);
        assert_eq!(backoff(200, b, m, 0.0), m / 2);
        // Out-of-range draws are clamped.
        assert_eq!(backoff(0, b, m, 7.0), b);
        for i in 0..20 {
            let d = backoff(i, b, m, 0.3);
            assert!(d <= m && d >= Duration::from_millis(50), "{i}: {d:?}");
        }
    }
}
