//! Trading: sub-account ids ([`account`]), signed orders and fill checks ([`order`]), positions
//! ([`position`]), perpetual markets ([`market`]), funding ([`funding`]), fees ([`fees`]),
//! option series ([`options`]), option positions ([`option_positions`]) and their place in the
//! margin ([`option_margin`]).

pub mod account;
pub mod fees;
pub mod funding;
pub mod market;
pub mod option_margin;
pub mod option_positions;
pub mod options;
pub mod order;
pub mod position;
