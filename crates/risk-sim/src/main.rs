//! `risk-sim`: the risk simulator's command line (see `--help`).

use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use risk_sim::engine::{self, Config, Outcome, RunError};
use risk_sim::params::GovParams;
use risk_sim::report::{self, ScenarioRuns};
use risk_sim::scenario::{Scenario, DEFAULT_SET};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Exit codes.
mod code {
    /// Bad flags or an unreadable or invalid `--params` file (clap's own usage errors too).
    pub const USAGE: u8 = 2;
    /// Deployment or setup failed: most often the WASM is not built (`scripts/build-wasm`),
    /// or governance refused the proposed parameter set.
    pub const SETUP: u8 = 3;
    /// An accounting invariant failed during a run (the report is still written).
    pub const INVARIANT: u8 = 4;
    /// The report, plots or JSON could not be written.
    pub const OUTPUT: u8 = 5;
}

#[derive(Parser, Debug)]
#[command(
    name = "risk-sim",
    about = "Risk simulator on the real WASM: agents, keepers and a matcher under seeded price scenarios",
    long_about = "Deploys every contract's release WASM on the offline runtime (crates/sim), lists \
ETH and BTC perpetuals, and runs agents (directional traders from 1x to the maximum leverage, \
basis hedgers, BTC/ETH pairs in portfolio mode), keepers with a latency and a capacity, and a \
matcher, over price paths from a GARCH(1,1) model with Student-t shocks correlated across \
underlyings, under named scenarios. Oracle rounds follow a 0.5 % deviation threshold and a 1-hour \
heartbeat. The system's books are checked after every block (tokens held by the vault equal the \
balances; quote, funding included, is conserved with rounding in the protocol's favour; open \
interest balances; every settled bad debt is covered by the fund or socialised).\n\n\
Writes OUT/report.md (one table per scenario, capital efficiency next to Hyperliquid and Derive), \
OUT/<scenario>.png and OUT/summary.json. One seed gives one report, byte for byte.\n\n\
Scenarios: calm, trending, crash, flash-crash, regime-shift, oracle-outage, governance, insolvent \
(the default set, in that order); sequencer-outage is accepted but not simulated (the sim has no \
sequencer-uptime feed).\n\n\
Exit codes: 0 success; 2 usage or --params error; 3 setup failed (WASM not built: run \
scripts/build-wasm) or the proposed parameters were refused by governance; 4 an accounting \
invariant failed (report written); 5 output could not be written.\n\n\
Needs the WASM (scripts/setup && scripts/build-wasm) and a release build: \
cargo run --release -p risk-sim -- --help"
)]
struct Args {
    /// Scenario to run (repeat or separate with commas; `all` for every supported one). Default:
    /// the default set.
    #[arg(long, value_delimiter = ',')]
    scenario: Vec<String>,
    /// Seed of the price paths and the agents.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Trading accounts.
    #[arg(long, default_value_t = 40)]
    accounts: usize,
    /// Simulated hours per scenario.
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Seconds per block (simulation step).
    #[arg(long, default_value_t = 600)]
    block_secs: u64,
    /// Output directory.
    #[arg(long, default_value = "target/risk-sim")]
    out: PathBuf,
    /// A proposed set of governed parameters (TOML: weth_haircut_floor, weth_haircut_cap,
    /// breaker_rate_limit), applied through the Timelock and run beside the current set.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Print the JSON summary on standard output (it is written to OUT/summary.json anyway).
    #[arg(long)]
    json: bool,
    /// Skip the PNG plots.
    #[arg(long)]
    no_plots: bool,
    /// Runs at once (threads; default: the machine's cores).
    #[arg(long)]
    jobs: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut scenarios: Vec<Scenario> = Vec::new();
    for name in &args.scenario {
        if name == "all" || name == "default" {
            scenarios.extend(DEFAULT_SET);
            continue;
        }
        match Scenario::parse(name) {
            Some(s) if s.supported() => scenarios.push(s),
            Some(s) => eprintln!("risk-sim: {}: {}; skipped", s.name(), s.describe()),
            None => {
                eprintln!(
                    "risk-sim: unknown scenario {name:?} (known: {})",
                    Scenario::ALL.map(|s| s.name()).join(", ")
                );
                return ExitCode::from(code::USAGE);
            }
        }
    }
    if args.scenario.is_empty() {
        scenarios.extend(DEFAULT_SET);
    }
    if args.accounts == 0 || args.hours == 0 || args.block_secs == 0 || args.block_secs > 3_600 {
        eprintln!("risk-sim: --accounts and --hours must be positive, --block-secs 1 ..= 3600");
        return ExitCode::from(code::USAGE);
    }
    let proposed = match &args.params {
        None => None,
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| GovParams::parse(&t))
        {
            Ok(g) => Some(g),
            Err(e) => {
                eprintln!("risk-sim: --params {}: {e}", p.display());
                return ExitCode::from(code::USAGE);
            }
        },
    };
    let mut jobs: Vec<(Scenario, Option<GovParams>)> = Vec::new();
    for s in &scenarios {
        jobs.push((*s, None));
        if let Some(p) = &proposed {
            jobs.push((*s, Some(p.clone())));
        }
    }
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len().max(1));
    let multi = MultiProgress::with_draw_target(if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style =
        ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} blocks {elapsed}")
            .expect("valid template")
            .progress_chars("=> ");
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<Result<Outcome, RunError>>>> =
        std::sync::Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((s, p)) = jobs.get(i) else { break };
                let mut cfg = Config::new(*s, args.seed);
                cfg.accounts = args.accounts;
                cfg.hours = args.hours;
                cfg.step_secs = args.block_secs;
                let label = if let Some(p) = p {
                    cfg.params = p.clone();
                    "proposed"
                } else {
                    "current"
                };
                let bar = multi.add(ProgressBar::new(cfg.steps() as u64));
                bar.set_style(style.clone());
                bar.set_prefix(format!("{} ({label})", s.name()));
                let t = Instant::now();
                let out = engine::run(&cfg, label, &mut |done, _| bar.set_position(done as u64));
                bar.finish();
                if !std::io::stderr().is_terminal() {
                    eprintln!(
                        "risk-sim: {} ({label}) finished in {:.0} s",
                        s.name(),
                        t.elapsed().as_secs_f64()
                    );
                }
                results.lock().expect("no poisoned lock")[i] = Some(out);
            });
        }
    });
    let results = results.into_inner().expect("no poisoned lock");
    let mut failed_invariant = None;
    let mut outcomes: Vec<Outcome> = Vec::new();
    for ((s, _), r) in jobs.iter().zip(results) {
        match r.expect("every job ran") {
            Ok(o) => outcomes.push(o),
            Err(RunError::Invariant {
                block,
                what,
                partial,
            }) => {
                eprintln!(
                    "risk-sim: {}: accounting invariant failed at block {block}: {what}",
                    s.name()
                );
                failed_invariant.get_or_insert(s.name());
                outcomes.push(*partial);
            }
            Err(e) => {
                eprintln!("risk-sim: {}: {e}", s.name());
                return ExitCode::from(code::SETUP);
            }
        }
    }
    let mut runs: Vec<ScenarioRuns> = Vec::new();
    let mut it = outcomes.into_iter();
    for s in &scenarios {
        let current = it.next().expect("one outcome per job");
        let proposed_run = if proposed.is_some() { it.next() } else { None };
        runs.push(ScenarioRuns {
            scenario: *s,
            current,
            proposed: proposed_run,
            plot: None,
        });
    }
    let json = match report::write_all(
        &args.out,
        &mut runs,
        args.seed,
        args.accounts,
        args.hours,
        args.block_secs,
        proposed.as_ref().map(GovParams::describe).as_deref(),
        !args.no_plots,
        failed_invariant.is_none(),
    ) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("risk-sim: {e}");
            return ExitCode::from(code::OUTPUT);
        }
    };
    if args.json {
        println!("{json}");
    }
    eprintln!(
        "risk-sim: {} run(s) in {:.0} s; report: {}",
        jobs.len(),
        started.elapsed().as_secs_f64(),
        args.out.join("report.md").display()
    );
    if let Some(s) = failed_invariant {
        eprintln!("risk-sim: accounting invariant failed in {s}");
        return ExitCode::from(code::INVARIANT);
    }
    ExitCode::SUCCESS
}
