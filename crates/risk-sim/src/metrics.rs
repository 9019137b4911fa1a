//! Measures computed from what a run recorded: drawdown, coverage of horizon losses by the
//! maintenance requirement, delays, distributions. Plain functions over plain numbers.

/// The largest fall from a running peak, absolute, over a series.
pub fn max_drawdown(series: &[f64]) -> f64 {
    let mut peak = f64::NEG_INFINITY;
    let mut worst: f64 = 0.0;
    for &x in series {
        peak = peak.max(x);
        worst = worst.max(peak - x);
    }
    worst
}

/// [`max_drawdown`] as a share of the peak it fell from (0 when the peak is not positive).
pub fn max_drawdown_share(series: &[f64]) -> f64 {
    let mut peak = f64::NEG_INFINITY;
    let mut worst: f64 = 0.0;
    for &x in series {
        peak = peak.max(x);
        if peak > 0.0 {
            worst = worst.max((peak - x) / peak);
        }
    }
    worst
}

/// One account at one step: its exposure per underlying (base units: spot collateral plus perp
/// sizes) and its maintenance requirement (quote).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// Net delta per underlying, base units.
    pub delta: Vec<f64>,
    /// Maintenance requirement, quote.
    pub maintenance: f64,
}

/// Coverage: over every account and every start step `t` at which the account held a
/// position, the horizon window `[t, t + horizon]`; the loss of the book held at `t` over the
/// window (`-sum_u delta_u (P_u(t + h) - P_u(t))`) is compared with the maintenance requirement
/// at `t`. Returns `(windows, exceedances)`: the share `exceedances / windows` is how often the
/// horizon loss exceeded the maintenance requirement.
///
/// `snapshots[a][t]` is account `a` at step `t` (`None` when it held nothing); `prices[u][t]`
/// the price of underlying `u` at step `t`.
pub fn coverage(
    snapshots: &[Vec<Option<Snapshot>>],
    prices: &[Vec<f64>],
    horizon: usize,
) -> (u64, u64) {
    let (mut windows, mut exceed) = (0u64, 0u64);
    for account in snapshots {
        for (t, snap) in account.iter().enumerate() {
            let Some(s) = snap else { continue };
            let end = t + horizon;
            if prices.iter().any(|p| end >= p.len()) {
                continue;
            }
            if s.delta.iter().all(|d| *d == 0.0) {
                continue;
            }
            let loss: f64 = s
                .delta
                .iter()
                .zip(prices)
                .map(|(d, p)| -d * (p[end] - p[t]))
                .sum();
            windows += 1;
            if loss > s.maintenance {
                exceed += 1;
            }
        }
    }
    (windows, exceed)
}

/// Mean and maximum of a list (0, 0 when empty).
pub fn mean_max(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (mean, max)
}

/// The `q` quantile (0..=1) of a list by the nearest-rank rule (0 when empty).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn drawdown_from_the_running_peak() {
        assert_eq!(max_drawdown(&[1.0, 3.0, 2.0, 5.0, 1.0, 4.0]), 4.0);
        assert_eq!(max_drawdown_share(&[10.0, 5.0, 20.0, 15.0]), 0.5);
        assert_eq!(max_drawdown(&[]), 0.0);
    }

    #[test]
    fn coverage_counts_windows_whose_loss_beats_maintenance() {
        let long = |mm: f64| {
            Some(Snapshot {
                delta: vec![1.0],
                maintenance: mm,
            })
        };
        // Price 100 -> 90 -> 95: a long of 1 loses 10 over the first window, gains 5 over the
        // second.
        let prices = vec![vec![100.0, 90.0, 95.0]];
        let snaps = vec![vec![long(5.0), long(5.0), long(5.0)]];
        assert_eq!(coverage(&snaps, &prices, 1), (2, 1));
        let snaps = vec![vec![long(20.0), None, None]];
        assert_eq!(coverage(&snaps, &prices, 1), (1, 0));
    }

    #[test]
    fn quantiles() {
        let xs = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&xs, 0.5), 3.0);
        assert_eq!(quantile(&xs, 1.0), 5.0);
        assert_eq!(quantile(&xs, 0.0), 1.0);
    }

    proptest! {
        #[test]
        fn drawdown_is_between_zero_and_the_range(xs in proptest::collection::vec(-1e6f64..1e6, 1..100)) {
            let d = max_drawdown(&xs);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            prop_assert!(d >= 0.0 && d <= hi - lo + 1e-9);
        }

        #[test]
        fn a_flat_price_never_exceeds(mm in 0.0f64..10.0, d in -5.0f64..5.0) {
            let prices = vec![vec![100.0; 5]];
            let snaps = vec![vec![Some(Snapshot { delta: vec![d], maintenance: mm }); 5]];
            let (_, e) = coverage(&snaps, &prices, 2);
            prop_assert_eq!(e, 0);
        }
    }
}
