//! The risk simulator (issue 20): many agents, keepers and a matcher on the real WASM
//! (`clearing_sim::System`), driven by seeded price paths and named scenarios; it measures bad
//! debt, the insurance fund, liquidations, breaker trips, coverage and capital efficiency next
//! to other venues, and writes a report with plots.
//!
//! The price model, scenarios, oracle rule, agent rules, metrics and venue comparisons are
//! plain functions with their own tests; [`engine`] is the only module that touches contracts,
//! and only through `clearing_sim`.

pub mod agents;
pub mod engine;
pub mod metrics;
pub mod oracle;
pub mod params;
pub mod plot;
pub mod price;
pub mod report;
pub mod scenario;
pub mod venues;
