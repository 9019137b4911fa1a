//! Numerics: WAD fixed-point arithmetic with explicit rounding ([`fixed`], and its 128-bit twin
//! [`fixed128`] for code that must stay small on wasm32) and Black-76 option pricing on
//! integers ([`black76`], with its generated normal-distribution coefficients).

pub mod black76;
pub mod fixed;
pub mod fixed128;
