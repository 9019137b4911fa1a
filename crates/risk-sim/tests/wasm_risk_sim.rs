//! The simulator on the deployable WASM, small: one seed gives one report byte for byte (the
//! Markdown, the JSON and the PNGs), and a scenario built to be insolvent (keepers off through
//! a crash) shows bad debt going through the waterfall, with the books checked after every
//! block. Needs `scripts/build-wasm` first (as the workspace's other WASM tests).
use risk_sim::engine::{self, Config};
use risk_sim::report::{self, ScenarioRuns};
use risk_sim::scenario::Scenario;
use std::path::PathBuf;

fn small(scenario: Scenario, seed: u64, accounts: usize, hours: u32) -> Config {
    let mut c = Config::new(scenario, seed);
    c.accounts = accounts;
    c.hours = hours;
    c.step_secs = 600;
    c
}

fn write(dir: &PathBuf, seed: u64) -> Vec<(String, Vec<u8>)> {
    let cfg = small(Scenario::FlashCrash, seed, 8, 3);
    let out = engine::run(&cfg, "current", &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let mut runs = vec![ScenarioRuns {
        scenario: cfg.scenario,
        current: out,
        proposed: None,
        plot: None,
    }];
    report::write_all(dir, &mut runs, seed, 8, 3, 600, None, true, true).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn same_seed_same_report_byte_for_byte() {
    let base = std::env::temp_dir().join(format!("risk-sim-determinism-{}", std::process::id()));
    let a = write(&base.join("a"), 7);
    let b = write(&base.join("b"), 7);
    let c = write(&base.join("c"), 8);
    let _ = std::fs::remove_dir_all(&base);
    let names: Vec<&str> = a.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["flash-crash.png", "report.md", "summary.json"]);
    for (x, y) in a.iter().zip(&b) {
        assert!(x.1 == y.1, "{} differs between two runs of one seed", x.0);
    }
    let report = |v: &[(String, Vec<u8>)]| v[1].1.clone();
    assert_ne!(report(&a), report(&c), "another seed gives another report");
}

#[test]
fn keepers_off_through_a_crash_leave_bad_debt_to_the_waterfall() {
    let cfg = small(Scenario::Insolvent, 3, 12, 12);
    let out = engine::run(&cfg, "current", &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let s = &out.summary;
    // Every block's books were checked, and every settlement's waterfall.
    assert_eq!(
        (s.invariant_checks + s.unreadable_checks) as usize,
        cfg.steps() + 1
    );
    assert_eq!(s.unreadable_checks, 0, "no feed is silent here");
    assert!(
        s.bad_debt > 0.0,
        "an insolvent scenario shows bad debt: {s:?}"
    );
    assert!(s.settlements > 0 && s.waterfall_checks == s.settlements);
    assert!((s.covered + s.socialised - s.bad_debt).abs() < 1e-6);
    assert!(s.covered > 0.0, "the fund pays first");
    assert!(s.fund_drawdown > 0.0);
}
