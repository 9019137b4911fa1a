//! What the same books would need at other venues, from their published parameters
//! (`data/venues.toml`, which names the source of every number).

use serde::Deserialize;

/// The data file, compiled in.
pub const DATA: &str = include_str!("../data/venues.toml");

/// One asset's Hyperliquid margin table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Tiers {
    /// Asset name.
    pub asset: String,
    /// Lower notional bound of each tier (USDC).
    pub bounds: Vec<f64>,
    /// Maximum leverage of each tier.
    pub max_leverage: Vec<f64>,
}

/// Hyperliquid's published margining.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Hyperliquid {
    /// Where the numbers come from.
    pub source: String,
    /// Maintenance rate as a share of the tier's initial rate.
    pub maintenance_share_of_initial: f64,
    /// Whether the numbers were checked against the source.
    pub verified: bool,
    /// Whether spot holdings offset perp requirements.
    pub spot_offsets_perp: bool,
    /// Margin tables.
    pub tiers: Vec<Tiers>,
}

/// Derive's standard manager, delta-one part.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Derive {
    /// Where the numbers come from.
    pub source: String,
    /// Maintenance requirement per perp, share of spot.
    pub perp_mm: f64,
    /// Initial requirement per perp, share of spot.
    pub perp_im: f64,
    /// Whether the numbers were checked against the source.
    pub verified: bool,
    /// Whether spot holdings offset perp requirements.
    pub spot_offsets_perp: bool,
    /// Whether that last point was checked.
    pub spot_offset_verified: bool,
}

/// The data file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Venues {
    /// Hyperliquid.
    pub hyperliquid: Hyperliquid,
    /// Derive.
    pub derive: Derive,
}

impl Venues {
    /// The compiled-in data file.
    ///
    /// # Panics
    /// If the file does not parse (a test checks it does).
    pub fn load() -> Self {
        toml::from_str(DATA).expect("data/venues.toml parses")
    }

    /// Hyperliquid's `(initial, maintenance)` for a position of `notional` (absolute, USDC)
    /// in `asset`: the tier formula with its maintenance deduction; the initial requirement at
    /// the tier's maximum leverage. `None` for an asset without a table.
    pub fn hyperliquid(&self, asset: &str, notional: f64) -> Option<(f64, f64)> {
        let t = self.hyperliquid.tiers.iter().find(|t| t.asset == asset)?;
        let share = self.hyperliquid.maintenance_share_of_initial;
        let mm_rate = |i: usize| share / t.max_leverage[i];
        let mut deduction = 0.0;
        let mut tier = 0;
        for i in 1..t.bounds.len() {
            if notional <= t.bounds[i] {
                break;
            }
            deduction += t.bounds[i] * (mm_rate(i) - mm_rate(i - 1));
            tier = i;
        }
        let mm = notional * mm_rate(tier) - deduction;
        let im = notional / t.max_leverage[tier];
        Some((im, mm))
    }

    /// Derive's standard manager `(initial, maintenance)` for perps of `notional` (absolute).
    pub fn derive(&self, notional: f64) -> (f64, f64) {
        (
            notional * self.derive.perp_im,
            notional * self.derive.perp_mm,
        )
    }
}

/// A book to price: per underlying `(asset name, perp notional signed, spot notional)`.
pub type Book<'a> = [(&'a str, f64, f64)];

/// `(initial, maintenance)` of a whole book at Hyperliquid (cross margin: the sum over
/// positions; spot offsets nothing, per the data file).
pub fn hyperliquid_book(v: &Venues, book: &Book<'_>) -> (f64, f64) {
    book.iter().fold((0.0, 0.0), |acc, (asset, perp, spot)| {
        let exposure = if v.hyperliquid.spot_offsets_perp {
            (perp + spot).abs()
        } else {
            perp.abs()
        };
        let (im, mm) = v.hyperliquid(asset, exposure).unwrap_or((0.0, 0.0));
        (acc.0 + im, acc.1 + mm)
    })
}

/// `(initial, maintenance)` of a whole book at Derive's standard manager.
pub fn derive_book(v: &Venues, book: &Book<'_>) -> (f64, f64) {
    book.iter().fold((0.0, 0.0), |acc, (_, perp, spot)| {
        let exposure = if v.derive.spot_offsets_perp {
            (perp + spot).abs()
        } else {
            perp.abs()
        };
        let (im, mm) = v.derive(exposure);
        (acc.0 + im, acc.1 + mm)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn data_file_parses_and_names_its_sources() {
        let v = Venues::load();
        assert!(v.hyperliquid.source.contains("Margin tiers"));
        assert!(v.derive.source.contains("Standard Margin"));
        assert!(!v.derive.spot_offset_verified);
    }

    #[test]
    fn hyperliquid_eth_at_25x() {
        let v = Venues::load();
        let (im, mm) = v.hyperliquid("ETH", 1_000_000.0).unwrap();
        assert!((im - 40_000.0).abs() < 1e-6);
        assert!((mm - 20_000.0).abs() < 1e-6);
        assert!(v.hyperliquid("DOGE", 1.0).is_none());
    }

    #[test]
    fn derive_eth_perp() {
        let v = Venues::load();
        let (im, mm) = v.derive(100_000.0);
        assert!((im - 6_600.0).abs() < 1e-6 && (mm - 5_000.0).abs() < 1e-6);
    }

    proptest! {
        /// The maintenance deduction keeps the requirement continuous and increasing across
        /// the tier bound.
        #[test]
        fn hyperliquid_maintenance_is_continuous(x in 0.0f64..3e8) {
            let v = Venues::load();
            let (_, a) = v.hyperliquid("ETH", x).unwrap();
            let (_, b) = v.hyperliquid("ETH", x + 1.0).unwrap();
            prop_assert!(b >= a && b - a <= 1.0 / 15.0 * 0.5 + 1e-6);
        }
    }
}
