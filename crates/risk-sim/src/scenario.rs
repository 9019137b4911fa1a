//! Named scenarios: what each adds to the random price model (drift, crash legs, volatility
//! multiplier) and which events it schedules (an oracle outage, a governance change, keepers
//! switched off). Plain data and functions, no contract in sight.

use crate::price::Overlay;

/// A named scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// The model alone.
    Calm,
    /// A steady drift up (+15 % a day on ETH, +10 % on BTC).
    Trending,
    /// -40 % within 6 hours, starting a quarter into the horizon.
    Crash,
    /// -25 % in 30 minutes and back in the next 30.
    FlashCrash,
    /// Volatility triples over a day (linear ramp of the multiplier from 1 to 3).
    RegimeShift,
    /// The ETH feed stops for two heartbeats while the price falls 12 %.
    OracleOutage,
    /// An L2 sequencer outage: not simulated (the sim deploys no sequencer-uptime feed).
    SequencerOutage,
    /// A haircut floor lowered through the Timelock mid-run (WETH 1 % -> 0.5 %), then a 15 %
    /// fall.
    Governance,
    /// The crash with every keeper switched off until it is over: built to be insolvent.
    Insolvent,
}

/// The scenarios the default set runs, in order (the sequencer outage is not among them:
/// see [`Scenario::SequencerOutage`]).
pub const DEFAULT_SET: [Scenario; 8] = [
    Scenario::Calm,
    Scenario::Trending,
    Scenario::Crash,
    Scenario::FlashCrash,
    Scenario::RegimeShift,
    Scenario::OracleOutage,
    Scenario::Governance,
    Scenario::Insolvent,
];

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 9] = [
        Scenario::Calm,
        Scenario::Trending,
        Scenario::Crash,
        Scenario::FlashCrash,
        Scenario::RegimeShift,
        Scenario::OracleOutage,
        Scenario::SequencerOutage,
        Scenario::Governance,
        Scenario::Insolvent,
    ];

    /// The name used on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Calm => "calm",
            Scenario::Trending => "trending",
            Scenario::Crash => "crash",
            Scenario::FlashCrash => "flash-crash",
            Scenario::RegimeShift => "regime-shift",
            Scenario::OracleOutage => "oracle-outage",
            Scenario::SequencerOutage => "sequencer-outage",
            Scenario::Governance => "governance",
            Scenario::Insolvent => "insolvent",
        }
    }

    /// The scenario of a name.
    pub fn parse(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// One line for the report and `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Calm => "GARCH(1,1) with Student-t shocks alone",
            Scenario::Trending => "drift of +15 %/day (ETH) and +10 %/day (BTC)",
            Scenario::Crash => "-40 % within 6 hours from a quarter of the horizon",
            Scenario::FlashCrash => "-25 % in 30 min and back in 30 min",
            Scenario::RegimeShift => "volatility triples over a day",
            Scenario::OracleOutage => "ETH feed silent for 2 heartbeats while ETH falls 12 %",
            Scenario::SequencerOutage => "not simulated: the sim deploys no sequencer-uptime feed",
            Scenario::Governance => {
                "WETH haircut floor 1 % -> 0.5 % through the Timelock, then -15 %"
            }
            Scenario::Insolvent => "the crash with every keeper off until it is over",
        }
    }

    /// Whether the run can simulate it.
    pub fn supported(self) -> bool {
        self != Scenario::SequencerOutage
    }
}

/// When things happen, in steps from the start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Events {
    /// Steps `[from, to)` during which the ETH feed publishes nothing.
    pub oracle_outage: Option<(usize, usize)>,
    /// The step at which the governance proposal is queued.
    pub governance_at: Option<usize>,
    /// Steps `[from, to)` during which keepers do nothing.
    pub keepers_off: Option<(usize, usize)>,
}

/// A deterministic leg: `total` log-move spread evenly over `[from, from + len)`.
fn leg(drift: &mut [Vec<f64>], asset: usize, from: usize, len: usize, total: f64) {
    for d in drift.iter_mut().skip(from).take(len) {
        d[asset] += total / len as f64;
    }
}

/// The overlay and events of `scenario` for `steps` steps of `step_secs` seconds on `assets`
/// underlyings (ETH first), with `heartbeat` seconds between oracle rounds.
pub fn build(
    scenario: Scenario,
    steps: usize,
    step_secs: u64,
    assets: usize,
    heartbeat: u64,
) -> (Overlay, Events) {
    let per_hour = (3_600 / step_secs).max(1) as usize;
    let mut drift = vec![vec![0.0; assets]; steps];
    let mut vol_mult = vec![1.0; steps];
    let mut ev = Events::default();
    let quarter = steps / 4;
    let crash = |drift: &mut [Vec<f64>]| {
        let len = (6 * per_hour).min(steps.saturating_sub(quarter)).max(1);
        for a in 0..assets {
            leg(drift, a, quarter, len, 0.6f64.ln());
        }
    };
    match scenario {
        Scenario::Calm | Scenario::SequencerOutage => {}
        Scenario::Trending => {
            let per_step = step_secs as f64 / 86_400.0;
            for d in drift.iter_mut() {
                d[0] += 0.15 * per_step;
                for x in d.iter_mut().skip(1) {
                    *x += 0.10 * per_step;
                }
            }
        }
        Scenario::Crash => crash(&mut drift),
        Scenario::Insolvent => {
            crash(&mut drift);
            let end = (quarter + 7 * per_hour).min(steps);
            ev.keepers_off = Some((quarter, end));
        }
        Scenario::FlashCrash => {
            let half = (per_hour / 2).max(1);
            for a in 0..assets {
                leg(&mut drift, a, quarter, half, 0.75f64.ln());
                leg(&mut drift, a, quarter + half, half, -(0.75f64.ln()));
            }
        }
        Scenario::RegimeShift => {
            let day = 24 * per_hour;
            for (i, m) in vol_mult.iter_mut().enumerate().skip(quarter) {
                let k = ((i - quarter) as f64 / day as f64).min(1.0);
                *m = 1.0 + 2.0 * k;
            }
        }
        Scenario::OracleOutage => {
            let hb_steps = (heartbeat / step_secs).max(1) as usize;
            let len = (2 * hb_steps).min(steps.saturating_sub(quarter)).max(1);
            ev.oracle_outage = Some((quarter, quarter + len));
            leg(&mut drift, 0, quarter, len, 0.88f64.ln());
        }
        Scenario::Governance => {
            ev.governance_at = Some(quarter);
            let after = quarter + 2 * per_hour;
            let len = (3 * per_hour).min(steps.saturating_sub(after)).max(1);
            if after < steps {
                for a in 0..assets {
                    leg(&mut drift, a, after, len, 0.85f64.ln());
                }
            }
        }
    }
    (Overlay { drift, vol_mult }, ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(o: &Overlay, asset: usize) -> f64 {
        o.drift.iter().map(|d| d[asset]).sum::<f64>().exp()
    }

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.name()), Some(s));
        }
        assert_eq!(Scenario::parse("nope"), None);
    }

    #[test]
    fn crash_is_forty_percent_within_six_hours() {
        let (o, _) = build(Scenario::Crash, 288, 300, 2, 3_600);
        assert!((total(&o, 0) - 0.6).abs() < 1e-9);
        let moving = o.drift.iter().filter(|d| d[0] != 0.0).count();
        assert!(moving <= 72, "{moving} steps of 5 minutes");
    }

    #[test]
    fn flash_crash_comes_back_within_an_hour() {
        let (o, _) = build(Scenario::FlashCrash, 288, 300, 2, 3_600);
        assert!((total(&o, 0) - 1.0).abs() < 1e-9);
        let mut low: f64 = 0.0;
        let mut acc = 0.0;
        for d in &o.drift {
            acc += d[0];
            low = low.min(acc);
        }
        assert!((low.exp() - 0.75).abs() < 1e-9);
        assert!(o.drift.iter().filter(|d| d[0] != 0.0).count() <= 12);
    }

    #[test]
    fn regime_shift_triples_volatility_within_a_day() {
        let (o, _) = build(Scenario::RegimeShift, 600, 300, 2, 3_600);
        assert_eq!(o.vol_mult[0], 1.0);
        assert_eq!(*o.vol_mult.last().unwrap(), 3.0);
    }

    #[test]
    fn oracle_outage_lasts_two_heartbeats() {
        let (_, e) = build(Scenario::OracleOutage, 288, 300, 2, 3_600);
        let (a, b) = e.oracle_outage.unwrap();
        assert_eq!((b - a) as u64 * 300, 2 * 3_600);
    }

    #[test]
    fn insolvent_switches_keepers_off_through_the_crash() {
        let (_, e) = build(Scenario::Insolvent, 288, 300, 2, 3_600);
        let (a, b) = e.keepers_off.unwrap();
        assert_eq!(a, 72);
        assert!(b >= a + 72);
    }
}
