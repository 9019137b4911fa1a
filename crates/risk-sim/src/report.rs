//! `report.md` and the JSON summary: one table per scenario (the current parameter set, and
//! the proposed one beside it when given), capital efficiency per strategy next to
//! Hyperliquid and Derive, and the plots. Nothing here depends on wall-clock time, so one seed
//! gives one report, byte for byte.

use crate::engine::{Efficiency, Outcome, Summary};
use crate::scenario::Scenario;
use crate::venues::Venues;
use serde::Serialize;
use std::fmt::Write;

/// One scenario's runs: the current parameters, and the proposed set if any.
pub struct ScenarioRuns {
    /// The scenario.
    pub scenario: Scenario,
    /// With the deployment's parameters.
    pub current: Outcome,
    /// With the proposed parameters.
    pub proposed: Option<Outcome>,
    /// The plot file (relative to the report), if drawn.
    pub plot: Option<String>,
}

/// The machine-readable summary.
#[derive(Serialize)]
pub struct Json<'a> {
    /// Seed.
    pub seed: u64,
    /// Every run's measures.
    pub runs: Vec<&'a Summary>,
    /// Capital efficiency per strategy (current parameters, first scenario).
    pub efficiency: &'a [Efficiency],
    /// Whether every accounting check held.
    pub invariants_held: bool,
}

fn money(x: f64) -> String {
    let neg = x < 0.0;
    let whole = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg && out != "0" {
        format!("-{out}")
    } else {
        out
    }
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// The rows of a scenario table: `(measure, value)`.
pub fn rows(s: &Summary) -> Vec<(&'static str, String)> {
    vec![
        ("bad debt settled (covered + socialised)", money(s.bad_debt)),
        ("bad debt left unsettled", money(s.bad_debt_unsettled)),
        ("bad debt / peak open interest", pct(s.bad_debt_share_oi)),
        ("peak open interest", money(s.peak_open_interest)),
        (
            "insurance fund start -> end",
            format!("{} -> {}", money(s.fund_start), money(s.fund_end)),
        ),
        (
            "fund drawdown (largest)",
            format!(
                "{} ({})",
                money(s.fund_drawdown),
                pct(s.fund_drawdown_share)
            ),
        ),
        ("covered by the fund", money(s.covered)),
        ("socialised", money(s.socialised)),
        ("liquidations (positions)", s.liquidations.to_string()),
        ("collateral sales", s.collateral_sales.to_string()),
        ("bad-debt settlements", s.settlements.to_string()),
        ("liquidated notional", money(s.liquidation_volume)),
        (
            "delay, blocks (mean / max)",
            format!("{:.2} / {:.0}", s.delay_mean, s.delay_max),
        ),
        (
            "breaker trips / blocks tripped",
            format!("{} / {}", s.breaker_trips, s.breaker_blocks),
        ),
        (
            "liquidations refused by the breaker",
            s.refused_by_breaker.to_string(),
        ),
        (
            "coverage: 1-hour windows with loss > maintenance",
            format!(
                "{} of {} ({})",
                s.coverage_exceedances,
                s.coverage_windows,
                pct(s.coverage_exceedance_share)
            ),
        ),
        ("traded notional", money(s.volume)),
        (
            "fills settled / refused",
            format!("{} / {}", s.fills, s.refused_fills),
        ),
        ("margin top-ups", s.top_ups.to_string()),
        (
            "accounts with negative equity at the end",
            s.insolvent_accounts.to_string(),
        ),
        (
            "books checked / unreadable (stale price) / largest rounding gap",
            format!(
                "{} / {} / {:.2e} quote",
                s.invariant_checks, s.unreadable_checks, s.max_rounding_gap
            ),
        ),
        ("bad-debt waterfall checks", s.waterfall_checks.to_string()),
    ]
}

/// The report's Markdown.
pub fn markdown(
    runs: &[ScenarioRuns],
    seed: u64,
    accounts: usize,
    hours: u32,
    step_secs: u64,
    params: Option<&str>,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Risk simulation report\n");
    let _ = writeln!(
        o,
        "Seed {seed}, {accounts} accounts, {hours} hours of {step_secs}-second blocks per scenario, \
         on the contracts' release WASM (`crates/risk-sim`). Quote amounts in USDC. \
         Keepers: one with 1 block of latency and 4 accounts a block, one with 3 blocks and 8. \
         Insurance fund seeded with 250,000. Oracle rounds: 0.5 % deviation or a 1-hour heartbeat."
    );
    if let Some(p) = params {
        let _ = writeln!(
            o,
            "\nProposed parameter set (run beside the current one): {p}."
        );
    }
    let _ = writeln!(
        o,
        "\nThe sequencer-outage scenario is not simulated: the sim deploys no sequencer-uptime feed."
    );
    for r in runs {
        let _ = writeln!(
            o,
            "\n## {} — {}\n",
            r.scenario.name(),
            r.scenario.describe()
        );
        let cur = rows(&r.current.summary);
        match &r.proposed {
            None => {
                let _ = writeln!(o, "| measure | value |\n|---|---|");
                for (k, v) in &cur {
                    let _ = writeln!(o, "| {k} | {v} |");
                }
            }
            Some(p) => {
                let prop = rows(&p.summary);
                let _ = writeln!(o, "| measure | current | proposed |\n|---|---|---|");
                for ((k, v), (_, w)) in cur.iter().zip(&prop) {
                    let _ = writeln!(o, "| {k} | {v} | {w} |");
                }
            }
        }
        if let Some(g) = &r.current.summary.governance {
            let _ = writeln!(o, "\nGovernance: {g}.");
        }
        if let Some(plot) = &r.plot {
            let _ = writeln!(o, "\n![{}]({plot})", r.scenario.name());
        }
    }
    if let Some(first) = runs.first() {
        let v = Venues::load();
        let _ = writeln!(o, "\n## Capital efficiency per strategy\n");
        let _ = writeln!(
            o,
            "At the start of the run (prices 3,000 and 60,000), summed over each strategy's accounts: \
             requirement / gross notional (perps and spot collateral), and free collateral \
             (equity - initial) / equity. The same books at Hyperliquid (tiers, cross margin) and \
             Derive's standard manager (delta-one parameters), from `crates/risk-sim/data/venues.toml`; \
             neither venue is given credit for spot held against a perp (Hyperliquid: our reading \
             of its margining; Derive: not verified, labelled so in the data file).\n"
        );
        let _ = writeln!(
            o,
            "| strategy | accounts | notional | MM / notional | IM / notional | free collateral | Hyperliquid IM / notional | Derive IM / notional |\n|---|---|---|---|---|---|---|---|"
        );
        for e in &first.current.efficiency {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                e.strategy,
                e.accounts,
                money(e.notional),
                pct(e.mm_share),
                pct(e.im_share),
                pct(e.free_share),
                pct(e.hl_im_share),
                pct(e.derive_im_share)
            );
        }
        let _ = writeln!(
            o,
            "\nSources: {}; {}.",
            v.hyperliquid.source, v.derive.source
        );
    }
    let _ = writeln!(
        o,
        "\n## Reading the plots\n\nEach scenario's figure: price paths (true price, thin; oracle rounds, thick) \
         rebased to 100; the insurance fund; bad debt settled so far; liquidations per block; breaker \
         state (0 open, 1 an asset scope tripped, 2 global); the distribution of the accounts' lowest \
         maintenance health ratio (equity / maintenance requirement) over the run, where below 1 is \
         liquidatable. Text is drawn with the Hack font that the `epaint_default_fonts` crate ships \
         (MIT and Bitstream Vera licences); no font file is kept in this repository."
    );
    o
}

/// Writes `report.md`, `summary.json` and (unless `plots` is false) one PNG per scenario into
/// `dir`; returns the JSON text.
///
/// # Errors
/// The file or plot that could not be written.
#[allow(clippy::too_many_arguments)]
pub fn write_all(
    dir: &std::path::Path,
    runs: &mut [ScenarioRuns],
    seed: u64,
    accounts: usize,
    hours: u32,
    step_secs: u64,
    params: Option<&str>,
    plots: bool,
    invariants_held: bool,
) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for r in runs.iter_mut() {
        if plots {
            let file = format!("{}.png", r.scenario.name());
            crate::plot::scenario(
                &dir.join(&file),
                r.scenario.name(),
                &r.current,
                r.proposed.as_ref(),
            )
            .map_err(|e| format!("plot {file}: {e}"))?;
            r.plot = Some(file);
        }
    }
    let md = markdown(runs, seed, accounts, hours, step_secs, params);
    let mut summaries = Vec::new();
    for r in runs.iter() {
        summaries.push(&r.current.summary);
        if let Some(p) = &r.proposed {
            summaries.push(&p.summary);
        }
    }
    let json = Json {
        seed,
        runs: summaries,
        efficiency: runs
            .first()
            .map_or(&[], |r| r.current.efficiency.as_slice()),
        invariants_held,
    };
    let json = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    for (file, text) in [("report.md", &md), ("summary.json", &json)] {
        std::fs::write(dir.join(file), text).map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1_234_567.4), "1,234,567");
        assert_eq!(money(-1_000.0), "-1,000");
        assert_eq!(money(12.0), "12");
        assert_eq!(money(-0.2), "0");
    }

    #[test]
    fn a_table_has_every_measure() {
        let s = Summary::default();
        assert!(rows(&s).len() >= 20);
        let md = markdown(&[], 1, 40, 24, 300, None);
        assert!(md.starts_with("# Risk simulation report"));
    }
}
