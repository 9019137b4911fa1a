//! Trading: sub-account ids ([`account`]), signed orders and fill checks ([`order`]), positions
//! ([`position`]), perpetual markets ([`market`]), funding ([`funding`]), fees ([`fees`]) and
//! option series ([`options`]).

pub mod account;
pub mod fees;
pub mod funding;
pub mod market;
pub mod options;
pub mod order;
pub mod position;
