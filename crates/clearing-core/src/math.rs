//! Numerics: WAD fixed-point arithmetic with explicit rounding ([`fixed`]) and Black-76 option
//! pricing on integers ([`black76`], with its generated normal-distribution coefficients).

pub mod black76;
pub mod fixed;
