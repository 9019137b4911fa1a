//! A small set of governed parameters, read from TOML and applied through the Timelock (each
//! change queued, executed after the delay, under the contracts' own step and interval rules),
//! so a proposed set can be run side by side against the current one.
//!
//! ```toml
//! # every field is optional; a missing one keeps the deployment's value
//! weth_haircut_floor = 0.005   # share, RiskEngine.setHaircutConfig (floor)
//! weth_haircut_cap = 0.5       # share, RiskEngine.setHaircutConfig (cap)
//! breaker_rate_limit = 0.4     # share of open interest per window, CircuitBreaker code 4
//! ```

use serde::{Deserialize, Serialize};

/// The governed parameters the simulator knows how to apply.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GovParams {
    /// WETH's haircut floor (share).
    pub weth_haircut_floor: Option<f64>,
    /// WETH's haircut cap (share).
    pub weth_haircut_cap: Option<f64>,
    /// The breaker's liquidation rate limit (share of open interest per window).
    pub breaker_rate_limit: Option<f64>,
}

/// The deployment's values (crates/sim's `System::deploy`).
pub const DEPLOYED: GovParams = GovParams {
    weth_haircut_floor: Some(0.01),
    weth_haircut_cap: Some(0.5),
    breaker_rate_limit: Some(0.2),
};

impl GovParams {
    /// Parses a TOML text and checks each value is a share in `0..=1` with floor <= cap.
    ///
    /// # Errors
    /// A message naming the problem.
    pub fn parse(text: &str) -> Result<Self, String> {
        let p: GovParams = toml::from_str(text).map_err(|e| e.to_string())?;
        for (name, v) in [
            ("weth_haircut_floor", p.weth_haircut_floor),
            ("weth_haircut_cap", p.weth_haircut_cap),
            ("breaker_rate_limit", p.breaker_rate_limit),
        ] {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("{name} = {v}: a share between 0 and 1"));
                }
            }
        }
        if p.floor() > p.cap() {
            return Err("weth_haircut_floor above weth_haircut_cap".into());
        }
        Ok(p)
    }

    /// The floor in force with this set.
    pub fn floor(&self) -> f64 {
        self.weth_haircut_floor
            .or(DEPLOYED.weth_haircut_floor)
            .unwrap_or(0.01)
    }

    /// The cap in force with this set.
    pub fn cap(&self) -> f64 {
        self.weth_haircut_cap
            .or(DEPLOYED.weth_haircut_cap)
            .unwrap_or(0.5)
    }

    /// The rate limit in force with this set.
    pub fn rate_limit(&self) -> f64 {
        self.breaker_rate_limit
            .or(DEPLOYED.breaker_rate_limit)
            .unwrap_or(0.2)
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        format!(
            "WETH haircut floor {:.2} %, cap {:.0} %, breaker rate limit {:.0} % of OI per hour",
            self.floor() * 100.0,
            self.cap() * 100.0,
            self.rate_limit() * 100.0
        )
    }
}

/// A share as a WAD integer (rounded to the nearest 10^-9, then scaled).
pub fn share_wad(x: f64) -> u128 {
    ((x * 1e9).round() as u128) * 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let p = GovParams::parse("weth_haircut_floor = 0.005\nbreaker_rate_limit = 0.4").unwrap();
        assert_eq!(p.floor(), 0.005);
        assert_eq!(p.cap(), 0.5);
        assert_eq!(p.rate_limit(), 0.4);
        assert!(GovParams::parse("weth_haircut_floor = 2.0").is_err());
        assert!(GovParams::parse("weth_haircut_floor = 0.6").is_err());
        assert!(GovParams::parse("unknown = 1").is_err());
        assert_eq!(GovParams::parse("").unwrap(), GovParams::default());
    }

    #[test]
    fn wad_of_a_share() {
        assert_eq!(share_wad(0.005), 5_000_000_000_000_000);
        assert_eq!(share_wad(1.0), 1_000_000_000_000_000_000);
    }
}
