//! Black-76 in fixed point against the reference table of `scripts/gen-black76-reference.py`
//! (`tests/data/black76_reference.csv`): 10,000 random points over moneyness 0.3 .. 3, T one hour
//! .. two years and volatility 5 % .. 300 %, plus the edges (moneyness 0.01 .. 100, T of one
//! second, volatility at the bounds).
//!
//! - Accuracy (DESIGN section 13) against scipy's float64 values: relative error <= 1e-9 on
//!   prices worth more than 1e-6 of the forward, absolute error <= 1e-12 of the forward below,
//!   for the long and the short mark of calls and puts.
//! - Rounding direction against the exact values (mpmath, floor and ceiling in wei): the long
//!   mark never exceeds the exact price and the short mark is never below it.
//! - Greeks against scipy: delta within 1e-12, gamma and vega within 1e-9 relative (plus the
//!   WAD truncation).
use alloy_primitives::{I256, U256};
use clearing_core::{Black76, OptionKind, Rounding};

fn f(x: U256) -> f64 {
    let v: u128 = x.to();
    v as f64 / 1e18
}

fn fi(x: I256) -> f64 {
    let m = f(x.unsigned_abs());
    if x.is_negative() {
        -m
    } else {
        m
    }
}

#[derive(Default)]
struct Worst {
    rel: f64,
    abs: f64,
    count: usize,
}

impl Worst {
    fn check(&mut self, got: f64, want: f64, fwd: f64, what: &str) {
        if want > 1e-6 * fwd {
            let rel = (got - want).abs() / want;
            assert!(
                rel <= 1e-9,
                "{what}: relative error {rel:e} ({got} vs {want})"
            );
            self.rel = self.rel.max(rel);
        } else {
            let abs = (got - want).abs() / fwd;
            assert!(
                abs <= 1e-12,
                "{what}: absolute error {abs:e} of the forward ({got} vs {want})"
            );
            self.abs = self.abs.max(abs);
        }
        self.count += 1;
    }
}

#[test]
fn black76_matches_reference() {
    let data = include_str!("data/black76_reference.csv");
    let mut prices = Worst::default();
    let (mut delta_err, mut gamma_rel, mut vega_rel, mut rows) = (0f64, 0f64, 0f64, 0usize);
    let (mut exact_rel, mut exact_abs) = (0f64, 0f64);
    for line in data.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let u = |i: usize| c[i].parse::<U256>().unwrap();
        let x = |i: usize| c[i].parse::<f64>().unwrap();
        let (fw, k, t, vol) = (u(0), u(1), c[2].parse::<u64>().unwrap(), u(3));
        let b = Black76::new(fw, k, t, vol).unwrap();
        let fwd = f(fw);
        let what = format!("F {fw} K {k} T {t} vol {vol}");
        for (kind, ref64, lo, hi) in [
            (OptionKind::Call, x(4), u(9), u(10)),
            (OptionKind::Put, x(5), u(11), u(12)),
        ] {
            let long = b.price(kind, Rounding::Down).unwrap();
            let short = b.price(kind, Rounding::Up).unwrap();
            assert!(
                long <= lo,
                "{what} {kind:?}: long mark {long} above the exact {lo}"
            );
            assert!(
                short >= hi,
                "{what} {kind:?}: short mark {short} below the exact {hi}"
            );
            if f(lo) > 1e-6 * fwd {
                let e = f(short - lo).max(f(hi - long)) / f(lo);
                exact_rel = exact_rel.max(e);
            } else {
                exact_abs = exact_abs.max(f(short - lo).max(f(hi - long)) / fwd);
            }
            prices.check(f(long), ref64, fwd, &what);
            prices.check(f(short), ref64, fwd, &what);
        }
        // Delta (dimensionless), gamma (per quote unit), vega (quote per unit of volatility).
        let d = (fi(b.delta(OptionKind::Call)) - x(6)).abs();
        assert!(d <= 1e-12, "{what}: delta error {d:e}");
        delta_err = delta_err.max(d);
        let g = f(b.gamma().unwrap());
        let ge = (g - x(7)).abs();
        assert!(ge <= 1e-9 * x(7) + 2e-18, "{what}: gamma {g} vs {}", x(7));
        if x(7) > 1e-6 {
            gamma_rel = gamma_rel.max(ge / x(7));
        }
        let v = f(b.vega().unwrap());
        let ve = (v - x(8)).abs();
        assert!(
            ve <= 1e-9 * x(8) + 1e-12 * fwd,
            "{what}: vega {v} vs {}",
            x(8)
        );
        if x(8) > 1e-6 * fwd {
            vega_rel = vega_rel.max(ve / x(8));
        }
        rows += 1;
    }
    assert!(rows >= 10_000 + 300, "{rows} rows");
    eprintln!(
        "{rows} points, {} prices: against scipy worst relative error {:.3e} (prices > 1e-6 F), worst absolute {:.3e} of F (below); against the exact values (mpmath) {:.3e} relative, {:.3e} of F; delta {:.3e}; gamma {:.3e}, vega {:.3e} relative",
        prices.count, prices.rel, prices.abs, exact_rel, exact_abs, delta_err, gamma_rel, vega_rel
    );
}
