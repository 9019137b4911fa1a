//! One run of one scenario on the real WASM: deploys the system (`clearing_sim::System`), lists
//! WBTC and its perpetual next to ETH's, seeds the insurance fund, sets up the agents, then
//! steps block by block: oracle rounds (heartbeat and deviation), keepers' housekeeping, the
//! agents' own rules, the matcher, health monitoring, keepers' liquidations with their latency
//! and capacity, bad-debt settlement, and the books checked after every block
//! (`clearing_sim::invariants`).

// Agents, their books, health and liquidation state are parallel vectors indexed alike.
#![allow(clippy::needless_range_loop)]

use crate::agents::{self, Agent, Strategy};
use crate::metrics::{self, Snapshot};
use crate::oracle::Feed;
use crate::params::{share_wad, GovParams};
use crate::price::{self, Garch, Underlying};
use crate::scenario::{self, Scenario};
use crate::venues::{self, Venues};
use alloy_primitives::{Address, Bytes, B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::governance::params::DAY;
use clearing_sim::{abi::*, invariants, SimError, System, Trader, ETH_PERP};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use stylus_runtime::CallError;

/// The BTC perpetual's id (the second market listed).
pub const BTC_PERP: u32 = 1;
/// Markets in the order of the underlyings (ETH, BTC).
pub const MARKETS: [u32; 2] = [ETH_PERP, BTC_PERP];
/// Size step (minimum size and tick) per market.
pub const STEP: [f64; 2] = [0.01, 0.001];
/// The oracle's deviation threshold and heartbeat (seconds) for ETH and BTC.
pub const DEVIATION: f64 = 0.005;
/// Heartbeat of the ETH and BTC feeds (as listed: RiskModule's staleness bound is this plus
/// its 10 % tolerance).
pub const HEARTBEAT: u64 = 3_600;
/// Starting insurance fund (USDC).
pub const FUND_SEED: u64 = 250_000;

/// A keeper's limits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KeeperSpec {
    /// Blocks between seeing an account liquidatable and acting.
    pub latency: usize,
    /// Accounts handled per block.
    pub capacity: usize,
}

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed of everything random.
    pub seed: u64,
    /// Trading accounts.
    pub accounts: usize,
    /// Simulated hours.
    pub hours: u32,
    /// Seconds per block (a simulation step).
    pub step_secs: u64,
    /// The keepers.
    pub keepers: Vec<KeeperSpec>,
    /// Governed parameters applied through the Timelock before the run.
    pub params: GovParams,
}

impl Config {
    /// The defaults for `scenario`: 40 accounts, 24 hours of 10-minute blocks, two keepers
    /// (1 block and 3 blocks of latency, 4 and 8 accounts a block).
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        Config {
            scenario,
            seed,
            accounts: 40,
            hours: 24,
            step_secs: 600,
            keepers: vec![
                KeeperSpec {
                    latency: 1,
                    capacity: 4,
                },
                KeeperSpec {
                    latency: 3,
                    capacity: 8,
                },
            ],
            params: GovParams::default(),
        }
    }

    /// Blocks in the run.
    pub fn steps(&self) -> usize {
        (u64::from(self.hours) * 3_600 / self.step_secs) as usize
    }
}

/// Per-block series for the plots.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Series {
    /// Hours since the start.
    pub hours: Vec<f64>,
    /// True price per underlying.
    pub prices: Vec<Vec<f64>>,
    /// Oracle (last round) price per underlying.
    pub oracle: Vec<Vec<f64>>,
    /// Insurance fund balance (quote).
    pub fund: Vec<f64>,
    /// Bad debt settled so far (quote).
    pub bad_debt: Vec<f64>,
    /// Liquidations in the block.
    pub liquidations: Vec<u32>,
    /// Breaker state: 0 open, 1 the ETH or BTC scope tripped, 2 the global scope tripped.
    pub breaker: Vec<u8>,
    /// Open interest, quote (both markets, one side).
    pub open_interest: Vec<f64>,
}

/// Capital efficiency of one strategy, at the start of the run.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Efficiency {
    /// Strategy name.
    pub strategy: String,
    /// Accounts.
    pub accounts: usize,
    /// Gross notional (perps and spot collateral), quote, summed.
    pub notional: f64,
    /// Maintenance requirement / gross notional, here.
    pub mm_share: f64,
    /// Initial requirement / gross notional, here.
    pub im_share: f64,
    /// Free collateral (equity - initial) / equity, here.
    pub free_share: f64,
    /// Hyperliquid's initial / gross notional for the same books.
    pub hl_im_share: f64,
    /// Derive standard manager's initial / gross notional for the same books.
    pub derive_im_share: f64,
}

/// The measured outcome of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Parameter set label (`current` or `proposed`).
    pub params: String,
    /// Seed.
    pub seed: u64,
    /// Accounts.
    pub accounts: usize,
    /// Hours.
    pub hours: u32,
    /// Blocks.
    pub blocks: usize,
    /// Bad debt settled (covered + socialised), quote.
    pub bad_debt: f64,
    /// Bad debt left unsettled at the end (negative equity without positions), quote.
    pub bad_debt_unsettled: f64,
    /// Bad debt as a share of the peak open interest (quote).
    pub bad_debt_share_oi: f64,
    /// Peak open interest, quote (one side, both markets).
    pub peak_open_interest: f64,
    /// Insurance fund at the start and the end, quote.
    pub fund_start: f64,
    /// Insurance fund at the end.
    pub fund_end: f64,
    /// Largest drawdown of the fund, quote.
    pub fund_drawdown: f64,
    /// Largest drawdown of the fund as a share of its peak.
    pub fund_drawdown_share: f64,
    /// Bad debt the fund covered, quote.
    pub covered: f64,
    /// Losses socialised over open interest, quote.
    pub socialised: f64,
    /// Successful liquidation calls (positions).
    pub liquidations: u64,
    /// Collateral sales (Backstop).
    pub collateral_sales: u64,
    /// Bad-debt settlements.
    pub settlements: u64,
    /// Liquidated notional, quote.
    pub liquidation_volume: f64,
    /// Mean blocks from first seen liquidatable to liquidated.
    pub delay_mean: f64,
    /// Largest such delay.
    pub delay_max: f64,
    /// Liquidation attempts the breaker refused (halt, rate limit or grace).
    pub refused_by_breaker: u64,
    /// Breaker trips seen (pokes that tripped, and scopes found newly tripped).
    pub breaker_trips: u64,
    /// Blocks with any scope tripped.
    pub breaker_blocks: u64,
    /// Horizon windows (1 hour) over account books.
    pub coverage_windows: u64,
    /// Windows whose loss exceeded the maintenance requirement.
    pub coverage_exceedances: u64,
    /// `exceedances / windows`.
    pub coverage_exceedance_share: f64,
    /// Traded notional (agents and keepers' unwinds), quote.
    pub volume: f64,
    /// Fills settled.
    pub fills: u64,
    /// Fills refused (margin, staleness, breaker of the fill band...).
    pub refused_fills: u64,
    /// Margin top-ups by agents.
    pub top_ups: u64,
    /// Books checked (once a block).
    pub invariant_checks: u64,
    /// Blocks whose books could not be read (a view refused on a stale price).
    pub unreadable_checks: u64,
    /// Largest rounding gap (cash - claims) seen, quote.
    pub max_rounding_gap: f64,
    /// Bad-debt waterfall checks (fund cover equals the fund's fall, equity restored).
    pub waterfall_checks: u64,
    /// The governance change's outcome, if the scenario has one.
    pub governance: Option<String>,
    /// Accounts with negative equity at the end.
    pub insolvent_accounts: usize,
}

/// Everything a run produced.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    /// Measures.
    pub summary: Summary,
    /// Per-block series.
    pub series: Series,
    /// Capital efficiency per strategy.
    pub efficiency: Vec<Efficiency>,
    /// Each account's lowest maintenance health ratio (equity / maintenance) over the run.
    pub min_health: Vec<f64>,
    /// Each account's health ratio at the end.
    pub end_health: Vec<f64>,
}

/// Why a run stopped.
#[derive(Debug)]
pub enum RunError {
    /// Deployment or setup failed (the WASM not built, a call refused).
    Setup(String),
    /// The proposed parameters were refused by governance's rules.
    Params(String),
    /// An accounting invariant failed at a block.
    Invariant {
        /// The block.
        block: usize,
        /// What failed.
        what: String,
        /// What the run had measured until then.
        partial: Box<Outcome>,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Setup(e) => write!(f, "setup failed: {e}"),
            RunError::Params(e) => write!(f, "parameter set refused: {e}"),
            RunError::Invariant { block, what, .. } => {
                write!(f, "accounting invariant failed at block {block}: {what}")
            }
        }
    }
}

impl std::error::Error for RunError {}

fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> RunError + '_ {
    move |e| RunError::Setup(format!("{what}: {e}"))
}

/// U256 WAD to f64.
pub fn f(x: U256) -> f64 {
    let v: u128 = x.saturating_to();
    v as f64 / 1e18
}

/// I256 WAD to f64.
pub fn fi(x: I256) -> f64 {
    let m = f(x.unsigned_abs());
    if x.is_negative() {
        -m
    } else {
        m
    }
}

/// A size in base units as a signed WAD on `step`'s grid (rounded toward zero).
pub fn size_wad(x: f64, step: f64) -> I256 {
    let units = (x / step).trunc() as i128;
    let per = (step * 1e18).round() as i128;
    I256::try_from(units * per).unwrap_or(I256::ZERO)
}

/// A price as a WAD on `tick`'s grid (nearest).
pub fn price_wad(p: f64, tick: f64) -> U256 {
    let units = (p / tick).round() as u128;
    let per = (tick * 1e18).round() as u128;
    U256::from(units * per)
}

/// USDC token units of a quote amount.
pub fn usdc(x: f64) -> U256 {
    U256::from((x * 1e6).round() as u128)
}

fn selector(e: &CallError) -> Option<[u8; 4]> {
    match e {
        CallError::Revert(d) if d.len() >= 4 => Some([d[0], d[1], d[2], d[3]]),
        _ => None,
    }
}

fn is_breaker_refusal(e: &CallError) -> bool {
    let s = selector(e);
    [
        Breaker::LiquidationsHalted::SELECTOR,
        Breaker::PriceMoveHalt::SELECTOR,
        Breaker::OnlyDeeplyUnhealthy::SELECTOR,
        Breaker::LiquidationRateLimited::SELECTOR,
    ]
    .iter()
    .any(|x| Some(*x) == s)
}

fn is_margin_refusal(e: &CallError) -> bool {
    selector(e) == Some(Exchange::InsufficientMargin::SELECTOR)
}

/// The run's state.
struct Run {
    s: System,
    cfg: Config,
    rng: ChaCha20Rng,
    agents: Vec<Agent>,
    keepers: Vec<Trader>,
    maker: Trader,
    nonce: u64,
    tokens: Vec<Address>,
    feeds: Vec<Address>,
    oracle: Vec<Feed>,
    /// Block at which each agent was first seen liquidatable (cleared when healthy).
    first_seen: Vec<Option<usize>>,
    sum: Summary,
    delays: Vec<f64>,
    /// Per agent: `(equity, maintenance, initial)` this block.
    health: Vec<(f64, f64, f64)>,
    /// Per agent: `(sizes per market, collateral per token)` from the last check.
    books: Vec<(Vec<f64>, Vec<f64>)>,
    /// Per agent, per block: its book for the coverage measure.
    snaps: Vec<Vec<Option<Snapshot>>>,
    min_health: Vec<f64>,
    liq_this_block: u32,
    tripped: bool,
    /// A failed bad-debt waterfall check, reported at the block's check.
    waterfall_error: Option<String>,
    /// The last books read.
    last_books: Option<invariants::Books>,
}

/// Runs one scenario; `progress(done, total)` after every block.
///
/// # Errors
/// [`RunError`].
pub fn run(
    cfg: &Config,
    label: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome, RunError> {
    let steps = cfg.steps();
    let underlyings = [
        Underlying {
            name: "ETH",
            start: 3_000.0,
            daily_vol: 0.035,
        },
        Underlying {
            name: "BTC",
            start: 60_000.0,
            daily_vol: 0.03,
        },
    ];
    let corr = vec![vec![1.0, 0.8], vec![0.8, 1.0]];
    let (overlay, events) = scenario::build(cfg.scenario, steps, cfg.step_secs, 2, HEARTBEAT);
    let paths = price::simulate(
        &underlyings,
        &corr,
        Garch::default(),
        steps,
        cfg.step_secs,
        &overlay,
        cfg.seed,
    );
    let mut r = Run::new(cfg, label)?;
    let efficiency = r.open_books()?;
    let mut series = Series {
        prices: vec![Vec::new(); 2],
        oracle: vec![Vec::new(); 2],
        ..Series::default()
    };
    let fund0 = fi(r.s.fund_balance().map_err(setup("fund"))?);
    r.sum.fund_start = fund0;
    let mut governance: Option<(usize, Bytes, B256)> = None;
    let per_hour = (3_600 / cfg.step_secs).max(1) as usize;
    for step in 0..=steps {
        if step > 0 {
            r.s.rt.advance_time(cfg.step_secs);
        }
        let now = r.s.rt.block().timestamp;
        // Oracle rounds.
        for u in 0..2 {
            let p = paths[u][step];
            let silent = u == 0
                && events
                    .oracle_outage
                    .is_some_and(|(a, b)| (a..b).contains(&step));
            if !silent && (step == 0 || r.oracle[u].due(p, now)) {
                let feed = r.feeds[u];
                r.s.publish(feed, p).map_err(setup("publish"))?;
                r.oracle[u].publish(p, now);
            }
        }
        if step % (6 * per_hour) == 0 {
            let feed = r.s.usdc_feed;
            r.s.publish(feed, 1.0).map_err(setup("publish"))?;
        }
        // Governance mid-run: queue, then execute once the delay has passed.
        if events.governance_at == Some(step) {
            let (engine, weth) = (r.s.engine, r.s.weth);
            let call = Engine::setHaircutConfigCall {
                asset: weth,
                floor: U256::from(share_wad(0.005)),
                cap: U256::from(share_wad(cfg.params.cap())),
                multiplier: U256::from(share_wad(1.0)),
            };
            match r.s.propose(engine, &call) {
                Ok((data, salt)) => {
                    let at = step + (r.s.delay / cfg.step_secs) as usize + 1;
                    governance = Some((at, data, salt));
                    r.sum.governance =
                        Some(format!("queued at {:.1} h", step as f64 / per_hour as f64));
                }
                Err(e) => r.sum.governance = Some(format!("queue refused: {e}")),
            }
        }
        if let Some((at, data, salt)) = governance.clone() {
            if at == step {
                let engine = r.s.engine;
                let outcome = match r.s.execute(engine, &data, salt) {
                    Ok(()) => format!(
                        "WETH haircut floor lowered to 0.5 % through the Timelock at {:.1} h",
                        step as f64 / per_hour as f64
                    ),
                    Err(e) => format!("execution refused: {e}"),
                };
                r.sum.governance = Some(outcome);
                governance = None;
            }
        }
        let keepers_on = !events
            .keepers_off
            .is_some_and(|(a, b)| (a..b).contains(&step));
        if keepers_on {
            r.housekeeping();
        }
        if step > 0 {
            r.agents_act();
        }
        r.monitor(step);
        r.liq_this_block = 0;
        if keepers_on {
            r.keepers_act(step);
            r.unwind_keepers();
        }
        // The books, after every block.
        let books = match r.check() {
            Ok(Some(b)) => {
                r.last_books = Some(b.clone());
                b
            }
            Ok(None) => match r.last_books.clone() {
                Some(b) => b,
                None => return Err(RunError::Setup("the books were never readable".into())),
            },
            Err(what) => {
                let partial = r.finish(series.clone(), efficiency.clone(), &paths, step);
                return Err(RunError::Invariant {
                    block: step,
                    what,
                    partial: Box::new(partial),
                });
            }
        };
        r.record_books(&books);
        // Series.
        series
            .hours
            .push(step as f64 * cfg.step_secs as f64 / 3_600.0);
        for u in 0..2 {
            series.prices[u].push(paths[u][step]);
            series.oracle[u].push(r.oracle[u].last_price);
        }
        series.fund.push(fi(r.s.fund_balance().unwrap_or_default()));
        series.bad_debt.push(r.sum.covered + r.sum.socialised);
        series.liquidations.push(r.liq_this_block);
        let oi: f64 = books
            .open_interest
            .iter()
            .enumerate()
            .map(|(j, x)| f(*x) * paths[j][step])
            .sum();
        series.open_interest.push(oi);
        r.sum.peak_open_interest = r.sum.peak_open_interest.max(oi);
        let state = r.breaker_state();
        if state > 0 {
            r.sum.breaker_blocks += 1;
            if !r.tripped {
                r.sum.breaker_trips += 1;
            }
        }
        r.tripped = state > 0;
        series.breaker.push(state);
        progress(step, steps);
    }
    Ok(r.finish(series, efficiency, &paths, steps))
}

impl Run {
    fn new(cfg: &Config, label: &str) -> Result<Self, RunError> {
        let mut s = System::deploy().map_err(|e| RunError::Setup(e.to_string()))?;
        let wbtc = s.list_token("WBTC", 60_000).map_err(setup("list WBTC"))?;
        s.list_perp(wbtc, U256::from(1_000_000_000_000_000u64), 5_000)
            .map_err(setup("list BTC perp"))?;
        // A day passes before the run, so every governed parameter may change again.
        s.advance(DAY).map_err(setup("advance"))?;
        apply_params(&mut s, &cfg.params)?;
        let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed ^ 0x5157_4152_4d53_494d);
        let tag = format!("risk-sim-{}", cfg.seed);
        let maker = Trader::from_seed(&format!("{tag}-maker"));
        let (usdc_t, weth) = (s.usdc, s.weth);
        s.deposit(&maker, 0, usdc_t, usdc(200_000_000.0))
            .map_err(setup("maker deposit"))?;
        let keepers: Vec<Trader> = (0..cfg.keepers.len())
            .map(|i| Trader::from_seed(&format!("{tag}-keeper-{i}")))
            .collect();
        for k in &keepers {
            s.deposit(k, 0, usdc_t, usdc(20_000_000.0))
                .map_err(setup("keeper deposit"))?;
        }
        let funder = Trader::from_seed(&format!("{tag}-funder"));
        s.top_up_fund(&funder, usdc(FUND_SEED as f64))
            .map_err(setup("fund top-up"))?;
        let agents = agents::population(cfg.accounts, &tag, &mut rng);
        let now = s.rt.block().timestamp;
        let oracle = vec![
            Feed::new(HEARTBEAT, DEVIATION, 3_000.0, now),
            Feed::new(HEARTBEAT, DEVIATION, 60_000.0, now),
        ];
        let feeds = vec![s.eth_feed, s.extra[0].1];
        let tokens = vec![weth, wbtc];
        let n = agents.len();
        let sum = Summary {
            scenario: cfg.scenario.name().into(),
            params: label.into(),
            seed: cfg.seed,
            accounts: n,
            hours: cfg.hours,
            blocks: cfg.steps(),
            ..Summary::default()
        };
        Ok(Run {
            s,
            cfg: cfg.clone(),
            rng,
            agents,
            keepers,
            maker,
            nonce: 0,
            tokens,
            feeds,
            oracle,
            first_seen: vec![None; n],
            sum,
            delays: Vec::new(),
            health: vec![(0.0, 0.0, 0.0); n],
            books: vec![(vec![0.0; 2], vec![0.0; 2]); n],
            snaps: vec![Vec::new(); n],
            min_health: vec![f64::INFINITY; n],
            liq_this_block: 0,
            tripped: false,
            waterfall_error: None,
            last_books: None,
        })
    }

    fn next_nonce(&mut self) -> u64 {
        self.nonce += 1;
        self.nonce
    }

    /// Deposits and opens every agent's book against the market maker; returns the capital
    /// efficiency per strategy.
    fn open_books(&mut self) -> Result<Vec<Efficiency>, RunError> {
        let (usdc_t, weth) = (self.s.usdc, self.s.weth);
        for i in 0..self.agents.len() {
            let a = self.agents[i].clone();
            if a.usdc > 0.0 {
                self.s
                    .deposit(&a.trader, 0, usdc_t, usdc(a.usdc))
                    .map_err(setup("agent deposit"))?;
            }
            if a.weth > 0.0 {
                self.s
                    .deposit(&a.trader, 0, weth, U256::from((a.weth * 1e18) as u128))
                    .map_err(setup("agent deposit"))?;
            }
            if a.strategy == Strategy::Pair {
                self.s
                    .set_margin_mode(&a.trader, 0, true)
                    .map_err(setup("portfolio mode"))?;
            }
            // Open in four slices (legs alternating), keeping what margin allows.
            for _ in 0..4 {
                for (m, target) in a.target(&[3_000.0, 60_000.0]).into_iter().enumerate() {
                    if target != 0.0 {
                        self.fill_vs_maker(i, m, target / 4.0, true);
                    }
                }
            }
        }
        self.refresh_books();
        // Capital efficiency at the start.
        let v = Venues::load();
        let mut rows: Vec<Efficiency> = Vec::new();
        for (i, a) in self.agents.clone().iter().enumerate() {
            let (eq, mm, im) = self.read_health(i);
            let (sizes, coll) = self.books[i].clone();
            let px = [self.oracle[0].last_price, self.oracle[1].last_price];
            let perp = [sizes[0] * px[0], sizes[1] * px[1]];
            let spot = [coll[0] * px[0], coll[1] * px[1]];
            let gross: f64 = perp.iter().chain(&spot).map(|x| x.abs()).sum();
            if gross == 0.0 {
                continue;
            }
            let book = [("ETH", perp[0], spot[0]), ("BTC", perp[1], spot[1])];
            let (hl_im, _) = venues::hyperliquid_book(&v, &book);
            let (dv_im, _) = venues::derive_book(&v, &book);
            let name = a.strategy.name().to_string();
            let row = match rows.iter_mut().find(|r| r.strategy == name) {
                Some(r) => r,
                None => {
                    rows.push(Efficiency {
                        strategy: name,
                        ..Efficiency::default()
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            row.accounts += 1;
            row.notional += gross;
            row.mm_share += mm;
            row.im_share += im;
            row.free_share += if eq > 0.0 { (eq - im) / eq } else { 0.0 };
            row.hl_im_share += hl_im;
            row.derive_im_share += dv_im;
        }
        for r in &mut rows {
            r.mm_share /= r.notional;
            r.im_share /= r.notional;
            r.hl_im_share /= r.notional;
            r.derive_im_share /= r.notional;
            r.free_share /= r.accounts as f64;
        }
        Ok(rows)
    }

    fn read_health(&mut self, i: usize) -> (f64, f64, f64) {
        let a = self.agents[i].trader.account(0);
        match self.s.health(a) {
            Ok((eq, mm, im)) => {
                let h = (fi(eq), f(mm), f(im));
                self.health[i] = h;
                h
            }
            Err(_) => self.health[i],
        }
    }

    fn refresh_books(&mut self) {
        for i in 0..self.agents.len() {
            let a = self.agents[i].trader.account(0);
            for (j, m) in MARKETS.iter().enumerate() {
                if let Ok(p) = self.s.position(a, *m) {
                    self.books[i].0[j] = fi(p.0);
                }
            }
            for (j, t) in self.tokens.clone().iter().enumerate() {
                if let Ok(b) = self.s.vault_balance(a, *t) {
                    self.books[i].1[j] = f(b);
                }
            }
        }
    }

    /// Agent `i` trades `size` (base units, positive buys) in market index `m` against the
    /// market maker at the oracle price; on a margin refusal tries half once. Returns the size
    /// filled.
    fn fill_vs_maker(&mut self, i: usize, m: usize, size: f64, retry: bool) -> f64 {
        let w = size_wad(size, STEP[m]);
        if w.is_zero() {
            return 0.0;
        }
        let price = price_wad(self.oracle[m].last_price, STEP[m]);
        let nonce = self.next_nonce();
        let trader = self.agents[i].trader.clone();
        let maker = self.maker.clone();
        // The maker takes the other side: it buys `-size`.
        match self
            .s
            .trade_in(MARKETS[m], (&maker, 0), (&trader, 0), -w, price, nonce)
        {
            Ok(()) => {
                self.sum.fills += 1;
                self.sum.volume += size.abs() * self.oracle[m].last_price;
                size
            }
            Err(e) => {
                self.sum.refused_fills += 1;
                if retry && is_margin_refusal(&e) {
                    self.fill_vs_maker(i, m, size / 2.0, false)
                } else {
                    0.0
                }
            }
        }
    }

    /// Agent `i` trades with agent `j` (`i` buys `size`) at the oracle price.
    fn fill_pair(&mut self, i: usize, j: usize, m: usize, size: f64) -> bool {
        let w = size_wad(size, STEP[m]);
        if w.is_zero() {
            return false;
        }
        let price = price_wad(self.oracle[m].last_price, STEP[m]);
        let nonce = self.next_nonce();
        let (a, b) = (self.agents[i].trader.clone(), self.agents[j].trader.clone());
        match self
            .s
            .trade_in(MARKETS[m], (&a, 0), (&b, 0), w, price, nonce)
        {
            Ok(()) => {
                self.sum.fills += 1;
                self.sum.volume += size.abs() * self.oracle[m].last_price;
                true
            }
            Err(_) => {
                self.sum.refused_fills += 1;
                false
            }
        }
    }

    fn housekeeping(&mut self) {
        let k = self.keepers[0].address;
        for t in self.tokens.clone() {
            if let Ok(true) = self.s.housekeeping(k, t) {
                self.sum.breaker_trips += 1;
            }
        }
        if let Ok(true) = self.s.poke_global(k) {
            self.sum.breaker_trips += 1;
        }
    }

    /// Each agent's own rule: top-ups, re-balancing, re-entry; the matcher pairs opposite
    /// intents between agents and sends the rest to the market maker.
    fn agents_act(&mut self) {
        let px = [self.oracle[0].last_price, self.oracle[1].last_price];
        let mut intents: Vec<(usize, usize, f64)> = Vec::new();
        for i in 0..self.agents.len() {
            let (eq, mm, _) = self.health[i];
            let (sizes, coll) = self.books[i].clone();
            let a = self.agents[i].clone();
            let d = a.decide(&agents::View {
                equity: eq,
                maintenance: mm,
                sizes: [sizes[0], sizes[1]],
                spot: [coll[0], coll[1]],
                prices: px,
                liquidatable: self.first_seen[i].is_some(),
                coin: self.rng.random::<f64>(),
            });
            if d.top_up > 0.0 && self.agents[i].top_ups_left > 0 {
                let usdc_t = self.s.usdc;
                if self.s.deposit(&a.trader, 0, usdc_t, usdc(d.top_up)).is_ok() {
                    self.agents[i].top_ups_left -= 1;
                    self.sum.top_ups += 1;
                }
            }
            for (m, x) in d.trades.iter().enumerate() {
                if *x != 0.0 {
                    intents.push((i, m, *x));
                }
            }
        }
        // The matcher: per market, buyers against sellers in order, the rest to the maker.
        for m in 0..2 {
            let mut buys: Vec<(usize, f64)> = intents
                .iter()
                .filter(|x| x.1 == m && x.2 > 0.0)
                .map(|x| (x.0, x.2))
                .collect();
            let mut sells: Vec<(usize, f64)> = intents
                .iter()
                .filter(|x| x.1 == m && x.2 < 0.0)
                .map(|x| (x.0, -x.2))
                .collect();
            let (mut bi, mut si) = (0, 0);
            while bi < buys.len() && si < sells.len() {
                let q = buys[bi].1.min(sells[si].1);
                let q = (q / STEP[m]).trunc() * STEP[m];
                if q <= 0.0 {
                    break;
                }
                if self.fill_pair(buys[bi].0, sells[si].0, m, q) {
                    buys[bi].1 -= q;
                    sells[si].1 -= q;
                } else {
                    // Refused (margin): both go to the maker on their own.
                    break;
                }
                if buys[bi].1 < STEP[m] {
                    bi += 1;
                }
                if si < sells.len() && sells[si].1 < STEP[m] {
                    si += 1;
                }
            }
            for (i, q) in buys.into_iter().skip(bi) {
                self.fill_vs_maker(i, m, q, true);
            }
            for (i, q) in sells.into_iter().skip(si) {
                self.fill_vs_maker(i, m, -q, true);
            }
        }
    }

    /// Reads every agent's health; tracks when each became liquidatable.
    fn monitor(&mut self, step: usize) {
        for i in 0..self.agents.len() {
            let (eq, mm, _) = self.read_health(i);
            if mm > 0.0 {
                self.min_health[i] = self.min_health[i].min(eq / mm);
            }
            let liquidatable = eq < mm;
            match (liquidatable, self.first_seen[i]) {
                (true, None) => self.first_seen[i] = Some(step),
                (false, Some(_)) => self.first_seen[i] = None,
                _ => {}
            }
        }
    }

    /// Keepers, fastest first, each up to its capacity, on accounts liquidatable for at least
    /// its latency.
    fn keepers_act(&mut self, step: usize) {
        let mut done = vec![false; self.agents.len()];
        for k in 0..self.keepers.len() {
            let spec = self.cfg.keepers[k];
            let mut used = 0;
            for i in 0..self.agents.len() {
                if used >= spec.capacity {
                    break;
                }
                if done[i] {
                    continue;
                }
                let Some(seen) = self.first_seen[i] else {
                    continue;
                };
                if step < seen + spec.latency {
                    continue;
                }
                done[i] = true;
                used += 1;
                self.process(k, i, step, seen);
            }
        }
    }

    /// One keeper's work on one account: positions, then collateral, then bad debt.
    fn process(&mut self, k: usize, i: usize, step: usize, seen: usize) {
        let keeper = self.keepers[k].clone();
        let a = self.agents[i].trader.account(0);
        let open = self.s.open_markets(a).unwrap_or_default();
        if !open.is_empty() {
            for m in open {
                let j = MARKETS.iter().position(|x| *x == m).unwrap_or(0);
                let size = self.s.position(a, m).map(|p| p.0).unwrap_or_default();
                match self.s.liquidate(&keeper, 0, a, m, size.unsigned_abs()) {
                    Ok(taken) => {
                        self.sum.liquidations += 1;
                        self.liq_this_block += 1;
                        self.sum.liquidation_volume += f(taken) * self.oracle[j].last_price;
                        self.delays.push((step - seen) as f64);
                    }
                    Err(e) => {
                        if is_breaker_refusal(&e) {
                            self.sum.refused_by_breaker += 1;
                        }
                    }
                }
            }
            return;
        }
        let (eq, mm, _) = self.read_health(i);
        let weth = self.s.weth;
        let has_weth = self
            .s
            .vault_balance(a, weth)
            .map(|b| !b.is_zero())
            .unwrap_or(false);
        if has_weth && eq < mm {
            match self
                .s
                .liquidate_collateral(&keeper, 0, a, weth, U256::from(10u128.pow(24)))
            {
                Ok(_) => {
                    self.sum.collateral_sales += 1;
                    self.delays.push((step - seen) as f64);
                }
                Err(e) => {
                    if is_breaker_refusal(&e) {
                        self.sum.refused_by_breaker += 1;
                    }
                }
            }
            return;
        }
        if eq < 0.0 {
            let fund_before = self.s.fund_balance().unwrap_or_default();
            if let Ok((covered, socialised)) = self.s.settle_bad_debt(keeper.address, a) {
                self.sum.settlements += 1;
                self.sum.covered += f(covered);
                self.sum.socialised += f(socialised);
                // The waterfall: the fund fell by what it covered, and the rest was
                // socialised; the account's equity is no longer negative.
                let fund_after = self.s.fund_balance().unwrap_or_default();
                let fell = fund_before - fund_after;
                let (eq_after, _, _) = self.read_health(i);
                self.sum.waterfall_checks += 1;
                if fell != I256::from_raw(covered) || eq_after < -1e-6 {
                    self.waterfall_error = Some(format!(
                        "bad debt of {:.2}: the fund fell by {:.2} but covered {:.2}, equity after {:.6}",
                        -eq,
                        fi(fell),
                        f(covered),
                        eq_after
                    ));
                }
            }
        }
    }

    /// Keepers hand what they took over to the market maker.
    fn unwind_keepers(&mut self) {
        for k in 0..self.keepers.len() {
            let keeper = self.keepers[k].clone();
            let a = keeper.account(0);
            for (j, m) in MARKETS.iter().enumerate() {
                let size = self.s.position(a, *m).map(|p| p.0).unwrap_or_default();
                if size.is_zero() {
                    continue;
                }
                let price = price_wad(self.oracle[j].last_price, STEP[j]);
                let nonce = self.next_nonce();
                let maker = self.maker.clone();
                // The maker buys what the keeper is long (and sells what it is short).
                if self
                    .s
                    .trade_in(*m, (&maker, 0), (&keeper, 0), size, price, nonce)
                    .is_ok()
                {
                    self.sum.fills += 1;
                    self.sum.volume += fi(size).abs() * self.oracle[j].last_price;
                }
            }
        }
    }

    fn accounts(&self) -> Vec<(B256, bool)> {
        let mut v: Vec<(B256, bool)> = self
            .agents
            .iter()
            .map(|a| (a.trader.account(0), true))
            .collect();
        v.extend(self.keepers.iter().map(|k| (k.account(0), true)));
        v.push((self.maker.account(0), true));
        v.push((self.s.insurance, false));
        v.push((self.s.treasury, false));
        v
    }

    /// The books after a block: `None` when a view they need reverted (a stale price: the
    /// Clearinghouse's position view refuses while a feed is silent), counted and skipped.
    fn check(&mut self) -> Result<Option<invariants::Books>, String> {
        if let Some(e) = self.waterfall_error.take() {
            return Err(e);
        }
        let accounts = self.accounts();
        let b = match invariants::check(&mut self.s, &accounts, &MARKETS) {
            Ok(b) => b,
            Err(invariants::CheckError::View(_)) => {
                self.sum.unreadable_checks += 1;
                return Ok(None);
            }
            Err(e) => return Err(e.to_string()),
        };
        self.sum.invariant_checks += 1;
        self.sum.max_rounding_gap = self.sum.max_rounding_gap.max(fi(b.gap));
        // Rounding is a few wei per action: a gap above a cent means quote leaked.
        if fi(b.gap) > 0.01 {
            return Err(format!("rounding gap {} too large", b.gap));
        }
        Ok(Some(b))
    }

    fn record_books(&mut self, b: &invariants::Books) {
        for i in 0..self.agents.len() {
            self.books[i].0 = b.sizes[i].iter().map(|x| fi(*x)).collect();
            self.books[i].1 = b.collateral[i].iter().map(|x| f(*x)).collect();
            let (sizes, coll) = &self.books[i];
            let delta = vec![sizes[0] + coll[0], sizes[1] + coll[1]];
            let snap = if sizes.iter().any(|x| *x != 0.0) {
                Some(Snapshot {
                    delta,
                    maintenance: self.health[i].1,
                })
            } else {
                None
            };
            self.snaps[i].push(snap);
        }
    }

    /// 0 open, 1 an asset scope tripped, 2 the global scope tripped.
    fn breaker_state(&mut self) -> u8 {
        if self
            .s
            .breaker_state(Address::ZERO)
            .map(|s| s.0 != 0)
            .unwrap_or(false)
        {
            return 2;
        }
        for t in self.tokens.clone() {
            if self.s.breaker_state(t).map(|s| s.0 != 0).unwrap_or(false) {
                return 1;
            }
        }
        0
    }

    fn finish(
        &mut self,
        series: Series,
        efficiency: Vec<Efficiency>,
        paths: &[Vec<f64>],
        step: usize,
    ) -> Outcome {
        let mut sum = self.sum.clone();
        let (mean, max) = metrics::mean_max(&self.delays);
        sum.delay_mean = mean;
        sum.delay_max = max;
        sum.bad_debt = sum.covered + sum.socialised;
        sum.fund_end = series.fund.last().copied().unwrap_or(sum.fund_start);
        let mut fund = vec![sum.fund_start];
        fund.extend(&series.fund);
        sum.fund_drawdown = metrics::max_drawdown(&fund);
        sum.fund_drawdown_share = metrics::max_drawdown_share(&fund);
        let horizon = (3_600 / self.cfg.step_secs).max(1) as usize;
        let sampled: Vec<Vec<f64>> = paths
            .iter()
            .map(|p| p[..=step.min(p.len() - 1)].to_vec())
            .collect();
        let (w, e) = metrics::coverage(&self.snaps, &sampled, horizon);
        sum.coverage_windows = w;
        sum.coverage_exceedances = e;
        sum.coverage_exceedance_share = if w > 0 { e as f64 / w as f64 } else { 0.0 };
        let mut end_health = Vec::new();
        for i in 0..self.agents.len() {
            let (eq, mm, _) = self.health[i];
            if eq < 0.0 {
                sum.insolvent_accounts += 1;
                if self.books[i].0.iter().all(|x| *x == 0.0) {
                    sum.bad_debt_unsettled += -eq;
                }
            }
            if mm > 0.0 {
                end_health.push(eq / mm);
            }
        }
        sum.bad_debt_share_oi = if sum.peak_open_interest > 0.0 {
            (sum.bad_debt + sum.bad_debt_unsettled) / sum.peak_open_interest
        } else {
            0.0
        };
        let min_health = self
            .min_health
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        Outcome {
            summary: sum,
            series,
            efficiency,
            min_health,
            end_health,
        }
    }
}

/// Applies a proposed parameter set through the Timelock (each change queued and executed
/// after the delay; the rate limit in steps of at most 20 points a day, its rule).
fn apply_params(s: &mut System, p: &GovParams) -> Result<(), RunError> {
    let params = |e: SimError| RunError::Params(e.to_string());
    if p.weth_haircut_floor.is_some() || p.weth_haircut_cap.is_some() {
        let (engine, weth) = (s.engine, s.weth);
        s.admin_call(
            "haircut config",
            engine,
            &Engine::setHaircutConfigCall {
                asset: weth,
                floor: U256::from(share_wad(p.floor())),
                cap: U256::from(share_wad(p.cap())),
                multiplier: U256::from(share_wad(1.0)),
            },
        )
        .map_err(params)?;
    }
    if let Some(target) = p.breaker_rate_limit {
        let breaker = s.breaker;
        let mut current = 0.2f64;
        let mut first = true;
        while (target - current).abs() > 1e-12 {
            let next = if target > current {
                (current + 0.2).min(target)
            } else {
                (current - 0.2).max(target)
            };
            if !first {
                s.advance(DAY).map_err(params)?;
            }
            s.admin_call(
                "rate limit",
                breaker,
                &Breaker::setParameterCall {
                    code: 4,
                    value: U256::from(share_wad(next)),
                },
            )
            .map_err(params)?;
            current = next;
            first = false;
        }
    }
    Ok(())
}
