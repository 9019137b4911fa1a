//! Trading: sub-account ids ([`account`]), signed orders and fill checks ([`order`]), positions
//! ([`position`]), perpetual markets ([`market`]), funding ([`funding`]) and fees ([`fees`]).

pub mod account;
pub mod fees;
pub mod funding;
pub mod market;
pub mod order;
pub mod position;
