//! The agents: who trades what, and by which rule each re-balances or adds margin. Decisions
//! are plain functions of what an agent sees ([`View`]) and a coin it is handed, so they are
//! tested without contracts; the engine carries them out on the WASM.
//!
//! Strategies: directional perps (1x up to the most the margin allows, some topping up, some
//! not), basis hedgers (spot WETH collateral, short ETH perp), cross-asset pairs (long BTC,
//! short ETH, portfolio mode). Option sellers and buyers plug in as further [`Strategy`]
//! variants once option positions count in the margin (see the crate's README section).

use clearing_sim::Trader;
use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// An agent's strategy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// A directional perp position: `side` +1 long or -1 short in market `market` (0 ETH,
    /// 1 BTC) at `leverage` x its equity (the maximum is what the margin allows).
    Directional {
        /// Market index.
        market: usize,
        /// +1 or -1.
        side: f64,
        /// Target leverage (notional / equity).
        leverage: f64,
    },
    /// Spot WETH collateral hedged with a short ETH perp of the same size.
    Basis,
    /// Long BTC perp, short ETH perp of the same notional, in portfolio mode.
    Pair,
}

impl Strategy {
    /// The strategy's name in the report.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Directional { leverage, .. } if *leverage <= 3.0 => "directional 1-3x",
            Strategy::Directional { leverage, .. } if *leverage <= 10.0 => "directional 5-10x",
            Strategy::Directional { .. } => "directional 20x-max",
            Strategy::Basis => "basis hedge",
            Strategy::Pair => "BTC/ETH pair (portfolio)",
        }
    }
}

/// An agent.
#[derive(Clone)]
pub struct Agent {
    /// Its key.
    pub trader: Trader,
    /// What it trades.
    pub strategy: Strategy,
    /// USDC deposited at the start.
    pub usdc: f64,
    /// WETH deposited at the start.
    pub weth: f64,
    /// Whether it adds margin when its health runs low.
    pub tops_up: bool,
    /// Top-ups it can still afford.
    pub top_ups_left: u32,
    /// Its re-balancing band: it trades back to target when off by more than this share.
    pub band: f64,
}

/// What an agent sees at a block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Equity (quote).
    pub equity: f64,
    /// Maintenance requirement (quote).
    pub maintenance: f64,
    /// Perp sizes (ETH, BTC), base units.
    pub sizes: [f64; 2],
    /// Spot collateral (WETH, WBTC), base units.
    pub spot: [f64; 2],
    /// Oracle prices (ETH, BTC).
    pub prices: [f64; 2],
    /// Whether a keeper may be about to liquidate it.
    pub liquidatable: bool,
    /// A uniform draw in `[0, 1)`.
    pub coin: f64,
}

/// What an agent does at a block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Decision {
    /// USDC to deposit.
    pub top_up: f64,
    /// Perp trades (ETH, BTC), base units, positive buys.
    pub trades: [f64; 2],
}

/// Chance per block that an agent reviews its position (about every two hours at 10-minute
/// blocks).
pub const REVIEW: f64 = 1.0 / 12.0;

/// The leverage the margin allows at the start: the initial haircut of ETH (3.2 % at 3.5 %
/// daily volatility, DESIGN section 5) gives about 31x; the agents aiming at the maximum ask
/// for it and keep what the Exchange's margin check accepts.
pub const MAX_LEVERAGE: f64 = 30.0;

impl Agent {
    /// The perp sizes (ETH, BTC) its strategy wants at `prices`, for its starting equity.
    pub fn target(&self, prices: &[f64; 2]) -> [f64; 2] {
        self.target_for(self.usdc + self.weth * prices[0], prices)
    }

    fn target_for(&self, equity: f64, prices: &[f64; 2]) -> [f64; 2] {
        match self.strategy {
            Strategy::Directional {
                market,
                side,
                leverage,
            } => {
                let mut t = [0.0; 2];
                t[market] = side * leverage * equity / prices[market];
                t
            }
            Strategy::Basis => [-self.weth, 0.0],
            Strategy::Pair => {
                let notional = 8.0 * self.usdc;
                [-notional / prices[0], notional / prices[1]]
            }
        }
    }

    /// The agent's rule at a block.
    pub fn decide(&self, v: &View) -> Decision {
        let mut d = Decision::default();
        let ratio = if v.maintenance > 0.0 {
            v.equity / v.maintenance
        } else {
            f64::INFINITY
        };
        // Margin: careful agents add a third of their starting deposit when health runs low.
        if self.tops_up && self.top_ups_left > 0 && ratio < 1.3 && v.equity > 0.0 {
            d.top_up = (self.usdc.max(1_000.0)) / 3.0;
        }
        if v.liquidatable {
            return d;
        }
        match self.strategy {
            Strategy::Basis => {
                // Keep the hedge: short exactly the WETH held (a collateral sale shrinks it).
                let want = -v.spot[0];
                let diff = want - v.sizes[0];
                if diff.abs() > 0.05 * v.spot[0].abs().max(0.1) {
                    d.trades[0] = diff;
                }
            }
            Strategy::Pair => {
                let (eth, btc) = (v.sizes[0] * v.prices[0], v.sizes[1] * v.prices[1]);
                let gross = eth.abs() + btc.abs();
                if gross > 0.0 && (eth + btc).abs() > self.band * gross {
                    // Trim the larger leg to the smaller.
                    if btc.abs() > eth.abs() {
                        d.trades[1] = -(eth + btc) / v.prices[1];
                    } else {
                        d.trades[0] = -(eth + btc) / v.prices[0];
                    }
                }
            }
            Strategy::Directional {
                market, leverage, ..
            } => {
                if v.coin >= REVIEW || v.equity <= 0.0 {
                    return d;
                }
                let target = self.target_for(v.equity, &v.prices)[market];
                let now = v.sizes[market];
                if now == 0.0 {
                    // Re-enter after a liquidation, at the same leverage.
                    d.trades[market] = target;
                } else {
                    let lev = (now * v.prices[market]).abs() / v.equity;
                    if lev > leverage * (1.0 + self.band) || lev < leverage * (1.0 - self.band) {
                        d.trades[market] = target - now;
                    }
                }
            }
        }
        d
    }
}

/// `n` agents from the seeded generator: about 55 % directional (leverage 1, 2, 3, 5, 10, 20
/// and the maximum; ETH or BTC; long or short), 20 % basis hedgers, 25 % pairs; half of them
/// top up.
pub fn population(n: usize, tag: &str, rng: &mut ChaCha20Rng) -> Vec<Agent> {
    const LEVERAGE: [f64; 7] = [1.0, 2.0, 3.0, 5.0, 10.0, 20.0, MAX_LEVERAGE];
    (0..n)
        .map(|i| {
            let trader = Trader::from_seed(&format!("{tag}-agent-{i}"));
            // Spread the mix evenly over any number of accounts.
            let kind = (i * 20 / n.max(1)) % 20;
            let tops_up = rng.random::<bool>();
            let band = 0.25 + 0.25 * rng.random::<f64>();
            let (strategy, usdc, weth) = if kind < 11 {
                let market = usize::from(rng.random::<f64>() < 0.3);
                let side = if rng.random::<bool>() { 1.0 } else { -1.0 };
                let leverage = LEVERAGE[rng.random_range(0..LEVERAGE.len())];
                let usdc = 5_000.0 + 45_000.0 * rng.random::<f64>();
                (
                    Strategy::Directional {
                        market,
                        side,
                        leverage,
                    },
                    usdc.round(),
                    0.0,
                )
            } else if kind < 15 {
                let weth = (5.0 + 25.0 * rng.random::<f64>()).round();
                (Strategy::Basis, 0.0, weth)
            } else {
                let usdc = 20_000.0 + 40_000.0 * rng.random::<f64>();
                (Strategy::Pair, usdc.round(), 0.0)
            };
            Agent {
                trader,
                strategy,
                usdc,
                weth,
                tops_up,
                top_ups_left: if tops_up { 3 } else { 0 },
                band,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{population, Agent, Strategy, View};
    use clearing_sim::Trader;
    use proptest::prelude::{prop_assert, proptest};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn agent(strategy: Strategy) -> Agent {
        Agent {
            trader: Trader::from_seed("t"),
            strategy,
            usdc: 10_000.0,
            weth: 10.0,
            tops_up: true,
            top_ups_left: 3,
            band: 0.3,
        }
    }

    fn view() -> View {
        View {
            equity: 10_000.0,
            maintenance: 1_000.0,
            sizes: [0.0; 2],
            spot: [0.0; 2],
            prices: [3_000.0, 60_000.0],
            liquidatable: false,
            coin: 0.0,
        }
    }

    #[test]
    fn population_mix_and_determinism() {
        let a = population(40, "x", &mut ChaCha20Rng::seed_from_u64(1));
        let b = population(40, "x", &mut ChaCha20Rng::seed_from_u64(1));
        assert_eq!(a.len(), 40);
        let names = |v: &[Agent]| {
            v.iter()
                .map(|x| format!("{:?}", x.strategy))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        let basis = a.iter().filter(|x| x.strategy == Strategy::Basis).count();
        let pairs = a.iter().filter(|x| x.strategy == Strategy::Pair).count();
        assert_eq!((basis, pairs), (8, 10));
    }

    #[test]
    fn a_careful_agent_tops_up_when_health_runs_low() {
        let a = agent(Strategy::Basis);
        let mut v = view();
        v.maintenance = 9_000.0;
        assert!(a.decide(&v).top_up > 0.0);
        let mut careless = a.clone();
        careless.tops_up = false;
        assert_eq!(careless.decide(&v).top_up, 0.0);
    }

    #[test]
    fn the_basis_hedger_keeps_its_hedge() {
        let a = agent(Strategy::Basis);
        let mut v = view();
        v.spot = [8.0, 0.0];
        v.sizes = [-10.0, 0.0];
        assert_eq!(a.decide(&v).trades, [2.0, 0.0]);
    }

    #[test]
    fn the_pair_trims_its_larger_leg() {
        let a = agent(Strategy::Pair);
        let mut v = view();
        v.sizes = [-20.0, 2.0]; // -60k ETH, +120k BTC
        let d = a.decide(&v);
        assert!((d.trades[1] * 60_000.0 + 60_000.0).abs() < 1e-6);
    }

    proptest! {
        #[test]
        fn directional_rebalances_toward_its_leverage(
            size in -50.0f64..50.0, eq in 1_000.0f64..100_000.0, lev in 1.0f64..30.0
        ) {
            let a = agent(Strategy::Directional { market: 0, side: 1.0, leverage: lev });
            let mut v = view();
            v.equity = eq;
            v.sizes = [size, 0.0];
            let d = a.decide(&v);
            let after = size + d.trades[0];
            let after_lev = after * 3_000.0 / eq;
            prop_assert!(d.trades[0] == 0.0 || (after_lev - lev).abs() < 1e-6);
        }
    }
}
