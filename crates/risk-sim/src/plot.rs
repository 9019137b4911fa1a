//! The plots: one PNG per scenario with six panels (price paths, insurance fund, bad debt,
//! liquidations per block, breaker state, distribution of account health), drawn with
//! plotters' bitmap backend. Text uses the Hack font from the `epaint_default_fonts` crate
//! (MIT and Bitstream Vera licences) through plotters' pure-Rust `ab_glyph` path: no system
//! font and no font file in the repository.

use crate::engine::Outcome;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: Once = Once::new();

fn register() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::HACK_REGULAR,
        );
    });
}

const CURRENT: RGBColor = RGBColor(31, 119, 180);
const PROPOSED: RGBColor = RGBColor(214, 39, 40);
const BTC: RGBColor = RGBColor(255, 127, 14);

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type Err = Box<dyn std::error::Error>;

fn bounds(ys: &[&[f64]]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in ys {
        for y in s.iter() {
            lo = lo.min(*y);
            hi = hi.max(*y);
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

fn lines(
    area: &Area<'_>,
    title: &str,
    x: &[f64],
    ys: &[(&[f64], RGBColor, u32)],
) -> Result<(), Err> {
    let all: Vec<&[f64]> = ys.iter().map(|y| y.0).collect();
    let (lo, hi) = bounds(&all);
    let x_max = x.last().copied().unwrap_or(1.0).max(1e-9);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_max, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("hours")
        .label_style(("sans-serif", 12))
        .light_line_style(WHITE)
        .draw()?;
    for (y, color, width) in ys {
        chart.draw_series(LineSeries::new(
            x.iter().copied().zip(y.iter().copied()),
            color.stroke_width(*width),
        ))?;
    }
    Ok(())
}

fn histogram(area: &Area<'_>, title: &str, xs: &[f64]) -> Result<(), Err> {
    // Health ratios clipped to [-1, 5] in bins of 0.25.
    let bins = 24;
    let mut counts = vec![0u32; bins];
    for x in xs {
        let b = (((x.clamp(-1.0, 4.99) + 1.0) / 0.25) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(70)
        .build_cartesian_2d(-1.0..5.0, 0u32..top + 1)?;
    chart
        .configure_mesh()
        .x_desc("equity / maintenance (clipped to -1 .. 5)")
        .label_style(("sans-serif", 12))
        .light_line_style(WHITE)
        .draw()?;
    chart.draw_series(counts.iter().enumerate().map(|(i, c)| {
        let x0 = -1.0 + i as f64 * 0.25;
        let color = if x0 < 1.0 { PROPOSED } else { CURRENT };
        Rectangle::new([(x0, 0), (x0 + 0.25, *c)], color.filled())
    }))?;
    Ok(())
}

/// Draws one scenario's figure to `path`.
///
/// # Errors
/// The backend's or the file's error.
pub fn scenario(path: &Path, name: &str, cur: &Outcome, prop: Option<&Outcome>) -> Result<(), Err> {
    register();
    let root = BitMapBackend::new(path, (1200, 960)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = if prop.is_some() {
        format!("{name}: current (blue) vs proposed (red) parameters")
    } else {
        name.to_string()
    };
    let root = root.titled(&title, ("sans-serif", 22))?;
    let panels = root.split_evenly((3, 2));
    let s = &cur.series;
    let x = &s.hours;
    let rebase = |p: &[f64]| -> Vec<f64> {
        let p0 = p.first().copied().unwrap_or(1.0);
        p.iter().map(|v| 100.0 * v / p0).collect()
    };
    let (eth, btc) = (rebase(&s.prices[0]), rebase(&s.prices[1]));
    let (eth_o, btc_o) = (rebase(&s.oracle[0]), rebase(&s.oracle[1]));
    lines(
        &panels[0],
        "prices, rebased to 100 (ETH blue, BTC orange; thick: oracle)",
        x,
        &[
            (&eth, CURRENT, 1),
            (&btc, BTC, 1),
            (&eth_o, CURRENT, 3),
            (&btc_o, BTC, 3),
        ],
    )?;
    let with = |f: &dyn Fn(&Outcome) -> Vec<f64>| -> Vec<(Vec<f64>, RGBColor)> {
        let mut v = vec![(f(cur), CURRENT)];
        if let Some(p) = prop {
            v.push((f(p), PROPOSED));
        }
        v
    };
    let draw = |area: &Area<'_>, title: &str, v: Vec<(Vec<f64>, RGBColor)>| {
        let refs: Vec<(&[f64], RGBColor, u32)> =
            v.iter().map(|(y, c)| (y.as_slice(), *c, 2)).collect();
        lines(area, title, x, &refs)
    };
    draw(
        &panels[1],
        "insurance fund (USDC)",
        with(&|o| o.series.fund.clone()),
    )?;
    draw(
        &panels[2],
        "bad debt settled, cumulative (USDC)",
        with(&|o| o.series.bad_debt.clone()),
    )?;
    draw(
        &panels[3],
        "liquidations per block",
        with(&|o| {
            o.series
                .liquidations
                .iter()
                .map(|v| f64::from(*v))
                .collect()
        }),
    )?;
    draw(
        &panels[4],
        "breaker: 0 open, 1 asset tripped, 2 global",
        with(&|o| o.series.breaker.iter().map(|v| f64::from(*v)).collect()),
    )?;
    histogram(
        &panels[5],
        "accounts' lowest health ratio over the run",
        &cur.min_health,
    )?;
    root.present()?;
    Ok(())
}
