//! Price paths: GARCH(1,1) log returns with Student-t shocks, correlated across underlyings
//! (a Cholesky factor of the correlation matrix applied to independent standardised t draws),
//! plus a scenario's deterministic overlay (drift, crash legs, volatility multiplier).
//!
//! Everything here is plain `f64` arithmetic on a ChaCha stream seeded by the caller, so one
//! seed gives one path on every machine.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, StudentT};

/// One underlying's model.
#[derive(Clone, Debug, PartialEq)]
pub struct Underlying {
    /// Display name (`ETH`, `BTC`).
    pub name: &'static str,
    /// Starting price (quote per unit).
    pub start: f64,
    /// Long-run daily volatility of log returns (0.035 = 3.5 % a day).
    pub daily_vol: f64,
}

/// GARCH(1,1) coefficients on per-step variances: `var_t = omega + alpha r_{t-1}^2 + beta
/// var_{t-1}`, with `omega` chosen so the long-run variance matches the underlying's daily
/// volatility scaled to the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Garch {
    /// Weight of the last squared return.
    pub alpha: f64,
    /// Weight of the last variance.
    pub beta: f64,
    /// Degrees of freedom of the Student-t shocks (> 2).
    pub nu: f64,
}

impl Default for Garch {
    /// Typical crypto fits at intraday steps: high persistence, fat tails.
    fn default() -> Self {
        Garch {
            alpha: 0.06,
            beta: 0.92,
            nu: 4.0,
        }
    }
}

/// What a scenario adds to the random part at each step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    /// Per step, per underlying: a deterministic log-return added to the random one.
    pub drift: Vec<Vec<f64>>,
    /// Per step: multiplier of the conditional volatility (1 = unchanged).
    pub vol_mult: Vec<f64>,
}

/// The lower-triangular Cholesky factor of a correlation matrix (row-major, `n x n`).
///
/// # Panics
/// If the matrix is not positive definite.
pub fn cholesky(corr: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = corr.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = corr[i][i] - s;
                assert!(d > 0.0, "correlation matrix is not positive definite");
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (corr[i][j] - s) / l[j][j];
            }
        }
    }
    l
}

/// Simulates `steps` steps of `step_secs` seconds for every underlying; returns one price path
/// per underlying with `steps + 1` points (the start included).
///
/// `overlay` may be shorter than `steps` (missing steps add nothing).
pub fn simulate(
    underlyings: &[Underlying],
    corr: &[Vec<f64>],
    garch: Garch,
    steps: usize,
    step_secs: u64,
    overlay: &Overlay,
    seed: u64,
) -> Vec<Vec<f64>> {
    let n = underlyings.len();
    let l = cholesky(corr);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let t = StudentT::new(garch.nu).expect("nu > 0");
    // A t variable has variance nu / (nu - 2): scale to unit variance.
    let unit = ((garch.nu - 2.0) / garch.nu).sqrt();
    let step_days = step_secs as f64 / 86_400.0;
    let long_run: Vec<f64> = underlyings
        .iter()
        .map(|u| u.daily_vol * u.daily_vol * step_days)
        .collect();
    let persistence = garch.alpha + garch.beta;
    let omega: Vec<f64> = long_run.iter().map(|v| v * (1.0 - persistence)).collect();
    let mut var = long_run.clone();
    let mut last_r = vec![0.0; n];
    let mut log_p: Vec<f64> = underlyings.iter().map(|u| u.start.ln()).collect();
    let mut paths: Vec<Vec<f64>> = underlyings.iter().map(|u| vec![u.start]).collect();
    for step in 0..steps {
        let z: Vec<f64> = (0..n).map(|_| t.sample(&mut rng) * unit).collect();
        let mult = overlay.vol_mult.get(step).copied().unwrap_or(1.0);
        for i in 0..n {
            var[i] = omega[i] + garch.alpha * last_r[i] * last_r[i] + garch.beta * var[i];
            let correlated: f64 = (0..=i).map(|k| l[i][k] * z[k]).sum();
            // The GARCH recursion sees the random return only, so a scripted crash does not
            // echo as volatility for days; the multiplier scales the random part.
            let r = var[i].sqrt() * correlated;
            last_r[i] = r;
            let scripted = overlay
                .drift
                .get(step)
                .and_then(|d| d.get(i))
                .copied()
                .unwrap_or(0.0);
            // Ito drift so that the median path follows the script.
            log_p[i] += r * mult + scripted - 0.5 * var[i] * mult * mult;
            paths[i].push(log_p[i].exp());
        }
    }
    paths
}

/// Realised daily volatility of a path sampled every `step_secs` seconds.
pub fn realised_daily_vol(path: &[f64], step_secs: u64) -> f64 {
    if path.len() < 3 {
        return 0.0;
    }
    let r: Vec<f64> = path.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let var = r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (r.len() - 1) as f64;
    (var * 86_400.0 / step_secs as f64).sqrt()
}

/// Sample correlation of the log returns of two paths.
pub fn return_correlation(a: &[f64], b: &[f64]) -> f64 {
    let ra: Vec<f64> = a.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let rb: Vec<f64> = b.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let n = ra.len().min(rb.len()) as f64;
    let ma = ra.iter().sum::<f64>() / n;
    let mb = rb.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa.sqrt() * sbb.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn two() -> (Vec<Underlying>, Vec<Vec<f64>>) {
        (
            vec![
                Underlying {
                    name: "ETH",
                    start: 3000.0,
                    daily_vol: 0.035,
                },
                Underlying {
                    name: "BTC",
                    start: 60_000.0,
                    daily_vol: 0.03,
                },
            ],
            vec![vec![1.0, 0.8], vec![0.8, 1.0]],
        )
    }

    #[test]
    fn same_seed_same_path_other_seed_other_path() {
        let (u, c) = two();
        let o = Overlay::default();
        let a = simulate(&u, &c, Garch::default(), 500, 300, &o, 7);
        let b = simulate(&u, &c, Garch::default(), 500, 300, &o, 7);
        let d = simulate(&u, &c, Garch::default(), 500, 300, &o, 8);
        assert_eq!(a, b);
        assert_ne!(a, d);
    }

    #[test]
    fn long_run_volatility_and_correlation_match_the_model() {
        let (u, c) = two();
        // 200 days of 10-minute steps, four seeds (t(4) shocks have heavy tails: one seed's
        // sample variance wanders).
        let steps = 200 * 144;
        let (mut var, mut rho) = (0.0, 0.0);
        for seed in 1..=4 {
            let p = simulate(
                &u,
                &c,
                Garch::default(),
                steps,
                600,
                &Overlay::default(),
                seed,
            );
            var += realised_daily_vol(&p[0], 600).powi(2) / 4.0;
            rho += return_correlation(&p[0], &p[1]) / 4.0;
        }
        let v = var.sqrt();
        assert!((v - 0.035).abs() < 0.003, "daily vol {v}");
        assert!((rho - 0.8).abs() < 0.05, "correlation {rho}");
    }

    #[test]
    fn an_overlay_drives_the_median_path() {
        let (u, c) = two();
        let steps = 72;
        let leg = (0.6f64).ln() / steps as f64;
        let o = Overlay {
            drift: vec![vec![leg, leg]; steps],
            vol_mult: vec![1.0; steps],
        };
        let p = simulate(&u, &c, Garch::default(), steps, 300, &o, 3);
        let end = p[0][steps] / 3000.0;
        assert!((end - 0.6).abs() < 0.1, "crash to {end}");
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let c = vec![
            vec![1.0, 0.5, 0.2],
            vec![0.5, 1.0, 0.3],
            vec![0.2, 0.3, 1.0],
        ];
        let l = cholesky(&c);
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((s - c[i][j]).abs() < 1e-12);
            }
        }
    }

    proptest! {
        #[test]
        fn prices_stay_positive_and_finite(seed in any::<u64>(), mult in 1.0f64..4.0) {
            let (u, c) = two();
            let o = Overlay { drift: vec![], vol_mult: vec![mult; 300] };
            let p = simulate(&u, &c, Garch::default(), 300, 300, &o, seed);
            for path in &p {
                prop_assert_eq!(path.len(), 301);
                prop_assert!(path.iter().all(|x| x.is_finite() && *x > 0.0));
            }
        }
    }
}
